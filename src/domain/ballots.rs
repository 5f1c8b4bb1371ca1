//! Ballots (rulebook "Ballots"): who rates whom in a leader rating campaign, the criteria sets,
//! and the results of a campaign (shown only from 3 voters on).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

/// Fewest voters on a candidate for their results to be shown.
pub const MIN_VOTERS: usize = 3;

/// A unit as the roll sees it.
#[derive(Debug, Clone)]
pub struct RollUnit {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub head_id: Option<i64>,
    pub level: String,
}

/// A person as the roll sees it (active people only are passed in).
#[derive(Debug, Clone)]
pub struct RollPerson {
    pub id: i64,
    pub unit_id: Option<i64>,
    pub is_leader: bool,
}

/// The leaders of each unit: its head, then its deputies (members flagged `is_leader` who are
/// not the head), ascending ids.
pub fn leaders_by_unit(units: &[RollUnit], people: &[RollPerson]) -> HashMap<i64, Vec<i64>> {
    let active: BTreeSet<i64> = people.iter().map(|p| p.id).collect();
    let mut out: HashMap<i64, Vec<i64>> = HashMap::new();
    for u in units {
        if let Some(h) = u.head_id.filter(|h| active.contains(h)) {
            out.entry(u.id).or_default().push(h);
        }
    }
    let mut deputies: Vec<&RollPerson> = people.iter().filter(|p| p.is_leader).collect();
    deputies.sort_by_key(|p| p.id);
    let heads: HashMap<i64, Option<i64>> = units.iter().map(|u| (u.id, u.head_id)).collect();
    for p in deputies {
        let Some(unit) = p.unit_id else { continue };
        if heads.get(&unit).copied().flatten() == Some(p.id) || !heads.contains_key(&unit) {
            continue;
        }
        out.entry(unit).or_default().push(p.id);
    }
    out
}

/// The electoral roll of a leader rating campaign as (candidate, voter) pairs, sorted:
/// - the staff of a unit rate its head and deputies, and the heads of every unit above it
///   (the leaders in charge of it);
/// - the leaders (heads and deputies) of sibling units — same parent, same level — rate each
///   other ("the leaders of a level");
/// - nobody rates themselves.
pub fn electoral_roll(units: &[RollUnit], people: &[RollPerson]) -> Vec<(i64, i64)> {
    let by_id: HashMap<i64, &RollUnit> = units.iter().map(|u| (u.id, u)).collect();
    let leaders = leaders_by_unit(units, people);
    let active: BTreeSet<i64> = people.iter().map(|p| p.id).collect();
    let mut pairs: BTreeSet<(i64, i64)> = BTreeSet::new();
    // Heads above each unit, nearest first (cycles are impossible in the tree; bounded anyway).
    let heads_above = |unit: i64| -> Vec<i64> {
        let mut out = Vec::new();
        let mut cur = by_id.get(&unit).and_then(|u| u.parent_id);
        let mut guard = 0;
        while let Some(id) = cur {
            guard += 1;
            if guard > 64 {
                break;
            }
            let Some(u) = by_id.get(&id) else { break };
            if let Some(h) = u.head_id.filter(|h| active.contains(h)) {
                out.push(h);
            }
            cur = u.parent_id;
        }
        out
    };
    let mut above_cache: HashMap<i64, Vec<i64>> = HashMap::new();
    for p in people {
        let Some(unit) = p.unit_id else { continue };
        if !by_id.contains_key(&unit) {
            continue;
        }
        let above = above_cache
            .entry(unit)
            .or_insert_with(|| heads_above(unit))
            .clone();
        for candidate in leaders.get(&unit).into_iter().flatten().chain(above.iter()) {
            if *candidate != p.id {
                pairs.insert((*candidate, p.id));
            }
        }
    }
    // Leaders of a level: siblings under the same parent at the same level.
    let mut groups: BTreeMap<(Option<i64>, &str), Vec<i64>> = BTreeMap::new();
    for u in units {
        if let Some(ls) = leaders.get(&u.id) {
            groups
                .entry((u.parent_id, u.level.as_str()))
                .or_default()
                .extend(ls.iter().copied());
        }
    }
    for ls in groups.values() {
        for &a in ls {
            for &b in ls {
                if a != b {
                    pairs.insert((a, b));
                }
            }
        }
    }
    pairs.into_iter().collect()
}

/// One criterion of a set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Criterion {
    /// Stable code, e.g. `exemplary_conduct`.
    #[schema(example = "exemplary_conduct")]
    pub code: String,
    /// Name in Vietnamese.
    #[schema(example = "Tính gương mẫu")]
    pub name_vi: String,
    /// Name in English.
    #[schema(example = "Exemplary conduct")]
    pub name_en: String,
}

/// The rating scale (inclusive bounds, whole numbers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Scale {
    #[schema(example = 1)]
    pub min: i32,
    #[schema(example = 5)]
    pub max: i32,
}

/// The body of a versioned criteria set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CriteriaBody {
    pub scale: Scale,
    /// Voters may add a free comment.
    pub comments: bool,
    pub criteria: Vec<Criterion>,
}

/// The Nam Định criteria (rulebook): five criteria on a 1-5 scale, optional comment.
pub fn nam_dinh_criteria() -> CriteriaBody {
    let c = |code: &str, vi: &str, en: &str| Criterion {
        code: code.into(),
        name_vi: vi.into(),
        name_en: en.into(),
    };
    CriteriaBody {
        scale: Scale { min: 1, max: 5 },
        comments: true,
        criteria: vec![
            c("exemplary_conduct", "Tính gương mẫu", "Exemplary conduct"),
            c("responsibility", "Tinh thần trách nhiệm", "Responsibility"),
            c(
                "leadership_method",
                "Năng lực lãnh đạo, phương pháp tổ chức",
                "Leadership and organising method",
            ),
            c(
                "working_relationships",
                "Quan hệ công tác",
                "Working relationships",
            ),
            c(
                "effectiveness_change",
                "Hiệu quả so với lần đánh giá trước",
                "Effectiveness compared with the previous rating",
            ),
        ],
    }
}

/// Why a criteria body or a ballot is refused (field, code, vi, en).
pub type Refusal = (String, &'static str, String, String);

/// A criteria set must have 1..=20 criteria with distinct non-empty codes and a scale of 2..=10
/// steps.
pub fn check_criteria(body: &CriteriaBody) -> Result<(), Refusal> {
    if body.criteria.is_empty() || body.criteria.len() > 20 {
        return Err((
            "criteria".into(),
            "length",
            "Cần từ 1 đến 20 tiêu chí.".into(),
            "From 1 to 20 criteria are needed.".into(),
        ));
    }
    let steps = body.scale.max - body.scale.min + 1;
    if !(2..=10).contains(&steps) {
        return Err((
            "scale".into(),
            "range",
            "Thang điểm cần từ 2 đến 10 mức.".into(),
            "The scale needs 2 to 10 steps.".into(),
        ));
    }
    let mut seen = BTreeSet::new();
    for (i, c) in body.criteria.iter().enumerate() {
        if c.code.trim().is_empty() || c.name_vi.trim().is_empty() || c.name_en.trim().is_empty() {
            return Err((
                format!("criteria[{i}]"),
                "required",
                "Tiêu chí cần mã và tên tiếng Việt, tiếng Anh.".into(),
                "A criterion needs a code and Vietnamese and English names.".into(),
            ));
        }
        if !seen.insert(c.code.as_str()) {
            return Err((
                format!("criteria[{i}].code"),
                "duplicate",
                "Mã tiêu chí bị trùng.".into(),
                "Duplicate criterion code.".into(),
            ));
        }
    }
    Ok(())
}

/// A ballot gives one score on the scale per criterion, in the set's order.
pub fn check_scores(body: &CriteriaBody, scores: &[i32]) -> Result<(), Refusal> {
    if scores.len() != body.criteria.len() {
        return Err((
            "scores".into(),
            "length",
            format!(
                "Cần đúng {} điểm, mỗi tiêu chí một điểm.",
                body.criteria.len()
            ),
            format!(
                "Exactly {} scores are needed, one per criterion.",
                body.criteria.len()
            ),
        ));
    }
    for (i, s) in scores.iter().enumerate() {
        if *s < body.scale.min || *s > body.scale.max {
            return Err((
                format!("scores[{i}]"),
                "range",
                format!("Điểm từ {} đến {}.", body.scale.min, body.scale.max),
                format!("A score from {} to {}.", body.scale.min, body.scale.max),
            ));
        }
    }
    Ok(())
}

/// Results of one criterion for one candidate.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CriterionResult {
    #[schema(example = "responsibility")]
    pub code: String,
    /// Average score, 2 decimals.
    #[schema(example = 4.25)]
    pub average: f64,
    /// Number of ballots per scale value, from the scale's min to its max.
    #[schema(example = json!([0, 0, 1, 1, 2]))]
    pub distribution: Vec<i64>,
    /// Change of the average since the candidate's previous closed campaign with shown results
    /// (null: none).
    #[schema(example = 0.5)]
    pub change: Option<f64>,
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Averages and distributions of a candidate's ballots, or None under `MIN_VOTERS` ballots.
pub fn tally(
    body: &CriteriaBody,
    ballots: &[Vec<i32>],
    previous: Option<&HashMap<String, f64>>,
) -> Option<Vec<CriterionResult>> {
    if ballots.len() < MIN_VOTERS {
        return None;
    }
    let steps = usize::try_from(body.scale.max - body.scale.min + 1).unwrap_or(0);
    Some(
        body.criteria
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let mut distribution = vec![0i64; steps];
                let mut sum = 0i64;
                let mut n = 0i64;
                for b in ballots {
                    if let Some(&s) = b.get(i) {
                        if let Some(slot) = usize::try_from(s - body.scale.min)
                            .ok()
                            .and_then(|k| distribution.get_mut(k))
                        {
                            *slot += 1;
                            sum += i64::from(s);
                            n += 1;
                        }
                    }
                }
                let average = if n == 0 {
                    0.0
                } else {
                    round2(sum as f64 / n as f64)
                };
                CriterionResult {
                    code: c.code.clone(),
                    average,
                    distribution,
                    change: previous
                        .and_then(|p| p.get(&c.code))
                        .map(|prev| round2(average - prev)),
                }
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(id: i64, parent: Option<i64>, head: Option<i64>, level: &str) -> RollUnit {
        RollUnit {
            id,
            parent_id: parent,
            head_id: head,
            level: level.into(),
        }
    }
    fn person(id: i64, unit: i64, leader: bool) -> RollPerson {
        RollPerson {
            id,
            unit_id: Some(unit),
            is_leader: leader,
        }
    }

    #[test]
    fn roll_follows_the_tree() {
        // Province 1 (head 100); wards 2 (head 200, deputy 201, staff 202) and 3 (head 300,
        // staff 302); the province's own staff 101.
        let units = vec![
            unit(1, None, Some(100), "province"),
            unit(2, Some(1), Some(200), "ward"),
            unit(3, Some(1), Some(300), "ward"),
        ];
        let people = vec![
            person(100, 1, true),
            person(101, 1, false),
            person(200, 2, true),
            person(201, 2, true),
            person(202, 2, false),
            person(300, 3, true),
            person(302, 3, false),
        ];
        let roll: BTreeSet<(i64, i64)> = electoral_roll(&units, &people).into_iter().collect();
        let voters_of = |c: i64| -> Vec<i64> {
            roll.iter()
                .filter(|(cand, _)| *cand == c)
                .map(|(_, v)| *v)
                .collect()
        };
        // The ward-2 head: own staff (deputy, 202) and the other ward's leaders (same level).
        assert_eq!(voters_of(200), vec![201, 202, 300]);
        // The deputy: the head and staff of the ward, and the leaders of the sibling ward.
        assert_eq!(voters_of(201), vec![200, 202, 300]);
        // The province head: the province staff and everyone below (leaders in charge above).
        assert_eq!(voters_of(100), vec![101, 200, 201, 202, 300, 302]);
        // Nobody rates themselves; plain staff are never candidates.
        assert!(roll.iter().all(|(c, v)| c != v));
        assert!(voters_of(202).is_empty() && voters_of(101).is_empty());
    }

    #[test]
    fn results_need_three_ballots() {
        let body = nam_dinh_criteria();
        let b = |s: i32| vec![s; 5];
        assert!(tally(&body, &[b(5), b(4)], None).is_none());
        let prev: HashMap<String, f64> = [("responsibility".to_string(), 3.0)].into();
        let r = tally(&body, &[b(5), b(4), b(4)], Some(&prev)).expect("shown");
        assert_eq!(r[1].code, "responsibility");
        assert_eq!(r[1].average, 4.33);
        assert_eq!(r[1].distribution, vec![0, 0, 0, 2, 1]);
        assert_eq!(r[1].change, Some(1.33));
        assert_eq!(r[0].change, None);
    }

    #[test]
    fn scores_must_fit_the_set() {
        let body = nam_dinh_criteria();
        assert!(check_scores(&body, &[1, 2, 3, 4, 5]).is_ok());
        assert_eq!(
            check_scores(&body, &[1, 2, 3]).map_err(|e| e.0),
            Err("scores".into())
        );
        assert_eq!(
            check_scores(&body, &[1, 2, 6, 4, 5]).map_err(|e| e.0),
            Err("scores[2]".into())
        );
        assert!(check_criteria(&body).is_ok());
    }
}
