//! Ballots (rulebook "Ballots"): leader rating campaigns opened by the organisation department
//! and the excellent-selection ballot of a grading round.
//!
//! Secrecy: a vote writes, in ONE transaction, a participation row (campaign, candidate, voter)
//! and a content row (random id, campaign, candidate, scores) that share nothing else. No audit
//! row is written for a vote (the audit trail has the actor and a precise time).

use std::collections::{BTreeMap, HashMap};

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use crate::db::ballots::{self as q, CampaignRow, RoundBallotRow};
use crate::db::{self, DbConnection};
use crate::domain::ballots::{
    check_criteria, check_scores, electoral_roll, nam_dinh_criteria, tally, CriteriaBody,
    CriterionResult, Refusal, RollPerson, RollUnit, MIN_VOTERS,
};
use crate::domain::grading::quota_allowed;
use crate::domain::scope::Viewer;
use crate::error::{AppError, AppResult, FieldIssue};
use crate::i18n::Text;
use crate::services::audit;

/// Code of the seeded criteria set.
pub const DEFAULT_CRITERIA: &str = "nam-dinh-2024";

fn refusal(r: Refusal) -> AppError {
    AppError::Validation(vec![FieldIssue::new(r.0, r.1, Text::new(r.2, r.3))])
}

fn require_org(viewer: &Viewer) -> AppResult<()> {
    if viewer.is_org_wide() {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "Chỉ Ban Tổ chức hoặc quản trị viên được mở và đóng đợt lấy phiếu.",
            "Only the organisation department or an administrator may open and close campaigns.",
        ))
    }
}

/// Seeds the Nam Định criteria set (version 1) when missing.
pub fn seed_criteria(conn: &mut DbConnection) -> AppResult<usize> {
    if q::latest_criteria_set(conn, DEFAULT_CRITERIA)?.is_some() {
        return Ok(0);
    }
    let body =
        serde_json::to_string(&nam_dinh_criteria()).map_err(|e| AppError::Internal(e.into()))?;
    q::insert_criteria_set(conn, DEFAULT_CRITERIA, 1, &body, db::now_utc())?;
    Ok(1)
}

/// A criteria set with its parsed body.
#[derive(Debug, Clone)]
pub struct CriteriaSet {
    pub id: i64,
    pub code: String,
    pub version: i32,
    pub body: CriteriaBody,
}

fn parse_set(row: q::CriteriaSetRow) -> AppResult<CriteriaSet> {
    let body: CriteriaBody = serde_json::from_str(&row.body)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("criteria set {}: {e}", row.id)))?;
    Ok(CriteriaSet {
        id: row.id,
        code: row.code,
        version: row.version,
        body,
    })
}

pub fn criteria_sets(conn: &mut DbConnection) -> AppResult<Vec<CriteriaSet>> {
    q::criteria_sets_all(conn)?
        .into_iter()
        .map(parse_set)
        .collect()
}

/// A new version of a criteria set (the organisation department); earlier versions stay as
/// they were for the campaigns that used them.
pub fn create_criteria_set(
    conn: &mut DbConnection,
    viewer: &Viewer,
    code: &str,
    body: CriteriaBody,
) -> AppResult<CriteriaSet> {
    require_org(viewer)?;
    check_criteria(&body).map_err(refusal)?;
    db::write_transaction(conn, |conn| {
        let version = q::latest_criteria_set(conn, code)?.map_or(1, |s| s.version + 1);
        let text = serde_json::to_string(&body).map_err(|e| AppError::Internal(e.into()))?;
        let id = q::insert_criteria_set(conn, code, version, &text, db::now_utc())?;
        audit::record(
            conn,
            Some(viewer.staff_id),
            "criteria_set",
            id,
            "create",
            None,
            None,
            None,
            Some(serde_json::json!({"code": code, "version": version})),
        )?;
        Ok(CriteriaSet {
            id,
            code: code.to_string(),
            version,
            body,
        })
    })
}

/// What the organisation department gives to open a campaign.
#[derive(Debug, Clone)]
pub struct NewCampaignInput {
    pub title: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub deadline: NaiveDateTime,
    pub criteria_set_id: Option<i64>,
}

/// A campaign with its criteria set and roll size.
#[derive(Debug, Clone)]
pub struct Campaign {
    pub row: CampaignRow,
    pub criteria: CriteriaSet,
    /// Ballots the caller may cast and has cast.
    pub my_candidates: i64,
    pub my_votes: i64,
}

/// Opens a campaign: fixes the electoral roll from today's tree (active people only).
pub fn open_campaign(
    conn: &mut DbConnection,
    viewer: &Viewer,
    input: NewCampaignInput,
    now: NaiveDateTime,
) -> AppResult<(Campaign, usize)> {
    require_org(viewer)?;
    let title = input.title.trim();
    if title.is_empty() || title.chars().count() > 200 {
        return Err(AppError::validation(
            "title",
            "length",
            "Tên đợt từ 1 đến 200 ký tự.",
            "The title is 1 to 200 characters.",
        ));
    }
    if input.period_end < input.period_start {
        return Err(AppError::validation(
            "period_end",
            "range",
            "Ngày kết thúc kỳ không được trước ngày bắt đầu.",
            "The period cannot end before it starts.",
        ));
    }
    if input.deadline <= now {
        return Err(AppError::validation(
            "deadline",
            "range",
            "Hạn bỏ phiếu phải ở tương lai.",
            "The deadline must be in the future.",
        ));
    }
    db::write_transaction(conn, |conn| {
        let set = match input.criteria_set_id {
            Some(id) => q::criteria_set(conn, id)?.ok_or_else(|| {
                AppError::validation(
                    "criteria_set_id",
                    "unknown",
                    "Không có bộ tiêu chí này.",
                    "No such criteria set.",
                )
            })?,
            None => q::latest_criteria_set(conn, DEFAULT_CRITERIA)?.ok_or(AppError::NotFound)?,
        };
        let set = parse_set(set)?;
        let units: Vec<RollUnit> = db::units::in_subtrees(conn, None)?
            .into_iter()
            .filter(|u| u.active)
            .map(|u| RollUnit {
                id: u.id,
                parent_id: u.parent_id,
                head_id: u.head_id,
                level: u.level,
            })
            .collect();
        let people: Vec<RollPerson> = db::staff::active_in_units(conn, None)?
            .into_iter()
            .map(|s| RollPerson {
                id: s.id,
                unit_id: s.unit_id,
                is_leader: s.is_leader,
            })
            .collect();
        let roll = electoral_roll(&units, &people);
        let id = q::insert_campaign(
            conn,
            &q::NewCampaign {
                title,
                period_start: input.period_start,
                period_end: input.period_end,
                deadline: input.deadline,
                criteria_set_id: set.id,
                state: "open",
                opened_by: viewer.staff_id,
                opened_at: now,
            },
        )?;
        q::insert_electors(conn, id, &roll)?;
        audit::record(
            conn,
            Some(viewer.staff_id),
            "rating_campaign",
            id,
            "open",
            None,
            Some("open"),
            None,
            Some(serde_json::json!({"pairs": roll.len(), "criteria_set_id": set.id})),
        )?;
        let row = q::campaign(conn, id)?.ok_or(AppError::NotFound)?;
        let mine = roll.iter().filter(|(_, v)| *v == viewer.staff_id).count() as i64;
        Ok((
            Campaign {
                row,
                criteria: set,
                my_candidates: mine,
                my_votes: 0,
            },
            roll.len(),
        ))
    })
}

/// Every campaign (newest first) with the caller's counts; `only_mine` keeps the open ones where
/// the caller still has candidates to rate.
pub fn list_campaigns(
    conn: &mut DbConnection,
    viewer: &Viewer,
    only_mine: bool,
) -> AppResult<Vec<Campaign>> {
    let rows = q::campaigns_all(conn)?;
    let roll: HashMap<i64, i64> = q::roll_counts_of_voter(conn, viewer.staff_id)?
        .into_iter()
        .collect();
    let votes: HashMap<i64, i64> = q::vote_counts_of_voter(conn, viewer.staff_id)?
        .into_iter()
        .collect();
    let mut sets: HashMap<i64, CriteriaSet> = HashMap::new();
    let mut out = Vec::new();
    for row in rows {
        let my_candidates = roll.get(&row.id).copied().unwrap_or(0);
        let my_votes = votes.get(&row.id).copied().unwrap_or(0);
        if only_mine && (row.state != "open" || my_candidates == my_votes) {
            continue;
        }
        let criteria = match sets.get(&row.criteria_set_id) {
            Some(s) => s.clone(),
            None => {
                let s = parse_set(
                    q::criteria_set(conn, row.criteria_set_id)?.ok_or(AppError::NotFound)?,
                )?;
                sets.insert(s.id, s.clone());
                s
            }
        };
        out.push(Campaign {
            row,
            criteria,
            my_candidates,
            my_votes,
        });
    }
    Ok(out)
}

pub fn get_campaign(conn: &mut DbConnection, viewer: &Viewer, id: i64) -> AppResult<Campaign> {
    let row = q::campaign(conn, id)?.ok_or(AppError::NotFound)?;
    let criteria =
        parse_set(q::criteria_set(conn, row.criteria_set_id)?.ok_or(AppError::NotFound)?)?;
    let my_candidates = q::candidates_of_voter(conn, id, viewer.staff_id)?.len() as i64;
    let my_votes = q::voted_candidates(conn, id, viewer.staff_id)?.len() as i64;
    Ok(Campaign {
        row,
        criteria,
        my_candidates,
        my_votes,
    })
}

/// A person the caller rates.
#[derive(Debug, Clone, Serialize)]
pub struct MyCandidate {
    pub staff_id: i64,
    pub full_name: String,
    pub position: Option<String>,
    pub unit_id: Option<i64>,
    pub unit_name: Option<String>,
    pub voted: bool,
}

/// The people the caller rates in a campaign, and whether each ballot is cast.
pub fn my_candidates(
    conn: &mut DbConnection,
    viewer: &Viewer,
    id: i64,
) -> AppResult<Vec<MyCandidate>> {
    q::campaign(conn, id)?.ok_or(AppError::NotFound)?;
    let ids = q::candidates_of_voter(conn, id, viewer.staff_id)?;
    let voted: Vec<i64> = q::voted_candidates(conn, id, viewer.staff_id)?;
    people_refs(conn, &ids)?
        .into_iter()
        .map(|(staff_id, full_name, position, unit_id, unit_name)| {
            Ok(MyCandidate {
                voted: voted.contains(&staff_id),
                staff_id,
                full_name,
                position,
                unit_id,
                unit_name,
            })
        })
        .collect()
}

type PersonRef = (i64, String, Option<String>, Option<i64>, Option<String>);

fn people_refs(conn: &mut DbConnection, ids: &[i64]) -> AppResult<Vec<PersonRef>> {
    let mut out = Vec::new();
    let mut unit_names: HashMap<i64, String> = HashMap::new();
    for id in ids {
        let Some(p) = db::staff::find(conn, *id)? else {
            continue;
        };
        let unit_name = match p.unit_id {
            Some(u) => match unit_names.get(&u) {
                Some(n) => Some(n.clone()),
                None => {
                    let n = db::units::find(conn, u)?.map(|u| u.name);
                    if let Some(n) = &n {
                        unit_names.insert(u, n.clone());
                    }
                    n
                }
            },
            None => None,
        };
        out.push((p.id, p.full_name, p.position, p.unit_id, unit_name));
    }
    Ok(out)
}

fn campaign_closed() -> AppError {
    AppError::conflict("Đợt lấy phiếu đã kết thúc.", "The campaign is closed.")
}

/// Casts the caller's ballot on one candidate: participation and content in one transaction;
/// a second ballot on the same candidate is refused (409).
pub fn vote(
    conn: &mut DbConnection,
    viewer: &Viewer,
    id: i64,
    candidate_id: i64,
    scores: &[i32],
    comment: Option<&str>,
    now: NaiveDateTime,
) -> AppResult<()> {
    db::write_transaction(conn, |conn| {
        let row = q::campaign(conn, id)?.ok_or(AppError::NotFound)?;
        if row.state != "open" || row.deadline <= now {
            return Err(campaign_closed());
        }
        let set =
            parse_set(q::criteria_set(conn, row.criteria_set_id)?.ok_or(AppError::NotFound)?)?;
        if !q::candidates_of_voter(conn, id, viewer.staff_id)?.contains(&candidate_id) {
            return Err(AppError::forbidden(
                "Bạn không thuộc danh sách đánh giá người này trong đợt này.",
                "You are not on this campaign's roll for this person.",
            ));
        }
        check_scores(&set.body, scores).map_err(refusal)?;
        let comment = comment.map(str::trim).filter(|c| !c.is_empty());
        if let Some(c) = comment {
            if !set.body.comments {
                return Err(AppError::validation(
                    "comment",
                    "not_allowed",
                    "Bộ tiêu chí này không nhận ý kiến.",
                    "This criteria set takes no comments.",
                ));
            }
            if c.chars().count() > 2000 {
                return Err(AppError::validation(
                    "comment",
                    "length",
                    "Ý kiến tối đa 2000 ký tự.",
                    "A comment is at most 2000 characters.",
                ));
            }
        }
        if q::voted_candidates(conn, id, viewer.staff_id)?.contains(&candidate_id) {
            return Err(AppError::conflict(
                "Bạn đã bỏ phiếu cho người này; mỗi người chỉ bỏ một phiếu.",
                "You have already voted on this person; one ballot each.",
            ));
        }
        q::insert_participation(conn, id, candidate_id, viewer.staff_id)?;
        let scores_text =
            serde_json::to_string(scores).map_err(|e| AppError::Internal(e.into()))?;
        q::insert_ballot(conn, id, candidate_id, &scores_text, comment)?;
        Ok(())
    })
}

/// Closes a campaign (by hand: the organisation department; `viewer` None: the deadline) and
/// rewrites its ballots in shuffled order. Results are published to the organisation from then.
pub fn close_campaign(
    conn: &mut DbConnection,
    viewer: Option<&Viewer>,
    id: i64,
    now: NaiveDateTime,
) -> AppResult<()> {
    if let Some(v) = viewer {
        require_org(v)?;
    }
    db::write_transaction(conn, |conn| {
        q::campaign(conn, id)?.ok_or(AppError::NotFound)?;
        if !q::close_campaign(conn, id, viewer.map(|v| v.staff_id), now)? {
            return Err(campaign_closed());
        }
        q::reshuffle_ballots(conn, id)?;
        audit::record(
            conn,
            viewer.map(|v| v.staff_id),
            "rating_campaign",
            id,
            if viewer.is_some() {
                "close"
            } else {
                "close_at_deadline"
            },
            Some("open"),
            Some("closed"),
            None,
            None,
        )?;
        Ok(())
    })?;
    q::vacuum_ballots(conn);
    Ok(())
}

/// Closes every open campaign whose deadline has passed (the scheduler); returns how many.
pub fn close_due(conn: &mut DbConnection, now: NaiveDateTime) -> AppResult<usize> {
    let mut n = 0;
    for id in q::campaigns_past_deadline(conn, now)? {
        match close_campaign(conn, None, id, now) {
            Ok(()) => n += 1,
            // Another instance closed it first.
            Err(AppError::Conflict(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Results of one candidate.
#[derive(Debug, Clone, Serialize)]
pub struct CandidateResult {
    pub staff_id: i64,
    pub full_name: String,
    pub unit_id: Option<i64>,
    pub unit_name: Option<String>,
    pub eligible: i64,
    pub voters: i64,
    pub turnout: f64,
    /// False under 3 voters: no figures are shown.
    pub shown: bool,
    pub criteria: Vec<CriterionResult>,
    /// Free comments (only when shown), in the ballots' random order.
    pub comments: Vec<String>,
}

/// The published results of a closed campaign.
#[derive(Debug, Clone)]
pub struct CampaignResults {
    pub campaign: Campaign,
    pub eligible_voters: i64,
    pub voters: i64,
    pub turnout: f64,
    pub ballots: i64,
    pub candidates: Vec<CandidateResult>,
}

fn ratio(a: i64, b: i64) -> f64 {
    if b == 0 {
        0.0
    } else {
        ((a as f64 / b as f64) * 10_000.0).round() / 10_000.0
    }
}

/// Per candidate: scores per ballot and comments.
type Tallies = BTreeMap<i64, (Vec<Vec<i32>>, Vec<String>)>;

fn tallies(conn: &mut DbConnection, campaign_id: i64) -> AppResult<Tallies> {
    let mut out: Tallies = BTreeMap::new();
    for (_, candidate, scores, comment) in q::ballots_of(conn, &[campaign_id])? {
        let s: Vec<i32> = serde_json::from_str(&scores).unwrap_or_default();
        let e = out.entry(candidate).or_default();
        e.0.push(s);
        if let Some(c) = comment {
            e.1.push(c);
        }
    }
    Ok(out)
}

/// Averages per criterion code of a candidate's previous closed campaign that showed results.
fn previous_averages(
    conn: &mut DbConnection,
    before: NaiveDate,
) -> AppResult<HashMap<i64, HashMap<String, f64>>> {
    let mut out: HashMap<i64, HashMap<String, f64>> = HashMap::new();
    for c in q::closed_campaigns_before(conn, before)? {
        let set = parse_set(q::criteria_set(conn, c.criteria_set_id)?.ok_or(AppError::NotFound)?)?;
        for (candidate, (ballots, _)) in tallies(conn, c.id)? {
            if out.contains_key(&candidate) {
                continue;
            }
            if let Some(r) = tally(&set.body, &ballots, None) {
                out.insert(
                    candidate,
                    r.into_iter().map(|x| (x.code, x.average)).collect(),
                );
            }
        }
    }
    Ok(out)
}

/// Results of a closed campaign, to everyone in the organisation. Figures of a candidate with
/// fewer than 3 voters are withheld (only the counts are given).
pub fn results(conn: &mut DbConnection, viewer: &Viewer, id: i64) -> AppResult<CampaignResults> {
    let campaign = get_campaign(conn, viewer, id)?;
    if campaign.row.state != "closed" {
        return Err(AppError::conflict(
            "Kết quả được công bố khi đợt lấy phiếu kết thúc.",
            "Results are published once the campaign is closed.",
        ));
    }
    let eligible: HashMap<i64, i64> = q::roll_counts(conn, id)?.into_iter().collect();
    let voted: HashMap<i64, i64> = q::participation_counts(conn, id)?.into_iter().collect();
    let (eligible_voters, voters) = q::distinct_voters(conn, id)?;
    let mut t = tallies(conn, id)?;
    let previous = previous_averages(conn, campaign.row.period_start)?;
    let mut ids: Vec<i64> = eligible.keys().copied().collect();
    ids.sort_unstable();
    let mut candidates = Vec::new();
    let mut ballots = 0;
    for (staff_id, full_name, _, unit_id, unit_name) in people_refs(conn, &ids)? {
        let (scores, comments) = t.remove(&staff_id).unwrap_or_default();
        ballots += scores.len() as i64;
        let shown = tally(&campaign.criteria.body, &scores, previous.get(&staff_id));
        let n_eligible = eligible.get(&staff_id).copied().unwrap_or(0);
        let n_voted = voted.get(&staff_id).copied().unwrap_or(0);
        candidates.push(CandidateResult {
            staff_id,
            full_name,
            unit_id,
            unit_name,
            eligible: n_eligible,
            voters: n_voted,
            turnout: ratio(n_voted, n_eligible),
            shown: shown.is_some(),
            comments: if shown.is_some() {
                comments
            } else {
                Vec::new()
            },
            criteria: shown.unwrap_or_default(),
        });
    }
    Ok(CampaignResults {
        eligible_voters,
        voters,
        turnout: ratio(voters, eligible_voters),
        ballots,
        campaign,
        candidates,
    })
}

/// Leader ratings of the closed campaigns whose period ends in `year`, per candidate with shown
/// results: an input of the leader's yearly grading (recorded in the grade's inputs).
pub fn leader_ratings_of_year(
    conn: &mut DbConnection,
    year: i32,
) -> AppResult<HashMap<i64, Vec<LeaderRating>>> {
    let (Some(from), Some(to)) = (
        NaiveDate::from_ymd_opt(year, 1, 1),
        NaiveDate::from_ymd_opt(year, 12, 31),
    ) else {
        return Ok(HashMap::new());
    };
    let mut out: HashMap<i64, Vec<LeaderRating>> = HashMap::new();
    for c in q::closed_campaigns_ending_within(conn, from, to)? {
        let set = parse_set(q::criteria_set(conn, c.criteria_set_id)?.ok_or(AppError::NotFound)?)?;
        for (candidate, (ballots, _)) in tallies(conn, c.id)? {
            if let Some(r) = tally(&set.body, &ballots, None) {
                let overall = r.iter().map(|x| x.average).sum::<f64>() / r.len().max(1) as f64;
                out.entry(candidate).or_default().push(LeaderRating {
                    campaign_id: c.id,
                    title: c.title.clone(),
                    period_start: c.period_start,
                    period_end: c.period_end,
                    criteria_set: CriteriaSetRef {
                        code: set.code.clone(),
                        version: set.version,
                    },
                    scale: set.body.scale,
                    voters: ballots.len() as i64,
                    averages: r
                        .iter()
                        .map(|x| CriterionAverage {
                            code: x.code.clone(),
                            average: x.average,
                        })
                        .collect(),
                    overall_average: (overall * 100.0).round() / 100.0,
                });
            }
        }
    }
    Ok(out)
}

/// One closed rating campaign's result for a leader, recorded with the leader's year grade.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LeaderRating {
    pub campaign_id: i64,
    pub title: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    /// The criteria set version voted on.
    pub criteria_set: CriteriaSetRef,
    pub scale: crate::domain::ballots::Scale,
    /// Ballots cast.
    pub voters: i64,
    /// Average score per criterion.
    pub averages: Vec<CriterionAverage>,
    /// Mean of the criterion averages, rounded to 2 decimals.
    pub overall_average: f64,
}

/// A criteria set version.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CriteriaSetRef {
    pub code: String,
    pub version: i32,
}

/// The average score of one criterion.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CriterionAverage {
    pub code: String,
    pub average: f64,
}

// --- excellent-selection ballot ------------------------------------------------------------

/// The ballot of a round as a member or manager sees it.
#[derive(Debug, Clone)]
pub struct RoundBallot {
    pub row: RoundBallotRow,
    /// (staff id, name) of the candidates.
    pub candidates: Vec<(i64, String)>,
    pub voters: i64,
    pub members: i64,
    pub i_voted: bool,
    /// Votes per candidate, once closed.
    pub counts: Option<HashMap<i64, i64>>,
}

struct RoundCtx {
    round: db::grading::Round,
    unit: db::units::Unit,
    grades: Vec<db::grading::GradeRow>,
    quota_share: f64,
}

fn round_ctx(
    conn: &mut DbConnection,
    viewer: &Viewer,
    round_id: i64,
) -> AppResult<(RoundCtx, bool, bool)> {
    let round = db::grading::round(conn, round_id)?.ok_or(AppError::NotFound)?;
    let unit = db::units::find(conn, round.unit_id)?.ok_or(AppError::NotFound)?;
    let policy = db::grading::policy(conn, round.policy_id)?.ok_or(AppError::NotFound)?;
    let body = crate::services::grading::parse_body(&policy)?;
    let grades = db::grading::grades_of_round(conn, round_id)?;
    let member = grades.iter().any(|g| g.staff_id == viewer.staff_id);
    let manager = viewer.manages_unit(&unit.path);
    if !member && !manager {
        return Err(AppError::NotFound);
    }
    Ok((
        RoundCtx {
            round,
            unit,
            grades,
            quota_share: body.preset.quota_share,
        },
        member,
        manager,
    ))
}

fn no_ballot() -> AppError {
    AppError::NotFound
}

fn view_round_ballot(
    conn: &mut DbConnection,
    viewer: &Viewer,
    ctx: &RoundCtx,
    row: RoundBallotRow,
) -> AppResult<RoundBallot> {
    let ids: Vec<i64> = serde_json::from_str(&row.candidates).unwrap_or_default();
    let names: HashMap<i64, String> = db::staff::names_of(conn, &ids)?.into_iter().collect();
    let candidates = ids
        .iter()
        .map(|i| (*i, names.get(i).cloned().unwrap_or_default()))
        .collect();
    let counts = if row.state == "closed" {
        Some(q::round_counts(conn, row.round_id)?.into_iter().collect())
    } else {
        None
    };
    Ok(RoundBallot {
        voters: q::round_voter_count(conn, row.round_id)?,
        members: ctx.grades.len() as i64,
        i_voted: q::round_voted(conn, row.round_id, viewer.staff_id)?,
        candidates,
        counts,
        row,
    })
}

/// Opens the excellent-selection ballot of an open round (those who manage the unit): the
/// candidates are the people proposed `good` or better; each member chooses up to the quota.
pub fn open_round_ballot(
    conn: &mut DbConnection,
    viewer: &Viewer,
    round_id: i64,
    now: NaiveDateTime,
) -> AppResult<RoundBallot> {
    db::write_transaction(conn, |conn| {
        let (ctx, _, manager) = round_ctx(conn, viewer, round_id)?;
        if !manager {
            return Err(AppError::forbidden(
                "Chỉ người quản lý đơn vị được mở bỏ phiếu bình chọn.",
                "Only those who manage the unit may open the ballot.",
            ));
        }
        if ctx.round.state != "open" {
            return Err(AppError::conflict(
                "Chỉ bỏ phiếu khi đợt đánh giá còn mở.",
                "A ballot needs an open grading round.",
            ));
        }
        if q::round_ballot(conn, round_id)?.is_some() {
            return Err(AppError::conflict(
                "Đợt đánh giá này đã có cuộc bỏ phiếu.",
                "This round already has a ballot.",
            ));
        }
        let mut candidates: Vec<i64> = ctx
            .grades
            .iter()
            .filter(|g| matches!(g.proposed_grade.as_str(), "excellent" | "good"))
            .map(|g| g.staff_id)
            .collect();
        candidates.sort_unstable();
        let quota = quota_allowed(candidates.len(), ctx.quota_share);
        if quota == 0 {
            return Err(AppError::conflict(
                "Số người đạt từ mức tốt trở lên chưa đủ để có suất xuất sắc.",
                "Too few people are at good or better for an excellent place.",
            ));
        }
        let text = serde_json::to_string(&candidates).map_err(|e| AppError::Internal(e.into()))?;
        q::insert_round_ballot(
            conn,
            round_id,
            i32::try_from(quota).unwrap_or(i32::MAX),
            &text,
            viewer.staff_id,
            now,
        )?;
        audit::record(
            conn,
            Some(viewer.staff_id),
            "grading_round",
            round_id,
            "ballot_open",
            None,
            None,
            None,
            Some(
                serde_json::json!({"candidates": candidates, "quota": quota, "unit_id": ctx.unit.id}),
            ),
        )?;
        let row = q::round_ballot(conn, round_id)?.ok_or_else(no_ballot)?;
        view_round_ballot(conn, viewer, &ctx, row)
    })
}

pub fn get_round_ballot(
    conn: &mut DbConnection,
    viewer: &Viewer,
    round_id: i64,
) -> AppResult<RoundBallot> {
    let (ctx, _, _) = round_ctx(conn, viewer, round_id)?;
    let row = q::round_ballot(conn, round_id)?.ok_or_else(no_ballot)?;
    view_round_ballot(conn, viewer, &ctx, row)
}

/// A member's choice of up to the quota's number of candidates (none is a blank ballot).
pub fn vote_round(
    conn: &mut DbConnection,
    viewer: &Viewer,
    round_id: i64,
    choices: &[i64],
) -> AppResult<()> {
    db::write_transaction(conn, |conn| {
        let (_, member, _) = round_ctx(conn, viewer, round_id)?;
        if !member {
            return Err(AppError::forbidden(
                "Chỉ thành viên của đơn vị trong đợt đánh giá được bỏ phiếu.",
                "Only the members of the round's unit vote.",
            ));
        }
        let row = q::round_ballot(conn, round_id)?.ok_or_else(no_ballot)?;
        if row.state != "open" {
            return Err(AppError::conflict(
                "Cuộc bỏ phiếu đã kết thúc.",
                "The ballot is closed.",
            ));
        }
        let candidates: Vec<i64> = serde_json::from_str(&row.candidates).unwrap_or_default();
        let mut seen = Vec::new();
        for (i, c) in choices.iter().enumerate() {
            if !candidates.contains(c) {
                return Err(AppError::Validation(vec![FieldIssue::new(
                    format!("choices[{i}]"),
                    "not_a_candidate",
                    Text::new(
                        "Người này không thuộc danh sách bình chọn.",
                        "This person is not a candidate.",
                    ),
                )]));
            }
            if seen.contains(c) {
                return Err(AppError::Validation(vec![FieldIssue::new(
                    format!("choices[{i}]"),
                    "duplicate",
                    Text::new("Chọn trùng người.", "The same person is chosen twice."),
                )]));
            }
            seen.push(*c);
        }
        if choices.len() > usize::try_from(row.quota).unwrap_or(0) {
            return Err(AppError::Validation(vec![FieldIssue::new(
                "choices",
                "too_many",
                Text::new(
                    format!("Chọn tối đa {} người.", row.quota),
                    format!("Choose at most {} people.", row.quota),
                ),
            )]));
        }
        if q::round_voted(conn, round_id, viewer.staff_id)? {
            return Err(AppError::conflict(
                "Bạn đã bỏ phiếu; mỗi người chỉ bỏ một phiếu.",
                "You have already voted; one ballot each.",
            ));
        }
        q::insert_round_participation(conn, round_id, viewer.staff_id)?;
        q::insert_round_choices(conn, round_id, choices)?;
        Ok(())
    })
}

/// Closes the ballot (those who manage the unit): the counts become the round's ballot votes
/// (through the assessment input) and the round is recomputed, so the quota's tie-break uses
/// them; the choices are rewritten in shuffled order.
pub fn close_round_ballot(
    conn: &mut DbConnection,
    viewer: &Viewer,
    round_id: i64,
    today: NaiveDate,
    now: NaiveDateTime,
) -> AppResult<RoundBallot> {
    db::write_transaction(conn, |conn| {
        let (ctx, _, manager) = round_ctx(conn, viewer, round_id)?;
        if !manager {
            return Err(AppError::forbidden(
                "Chỉ người quản lý đơn vị được kết thúc bỏ phiếu.",
                "Only those who manage the unit may close the ballot.",
            ));
        }
        q::round_ballot(conn, round_id)?.ok_or_else(no_ballot)?;
        if ctx.round.state != "open" {
            return Err(AppError::conflict(
                "Đợt đánh giá đã quyết định; không thể ghi số phiếu.",
                "The round is no longer open; the votes cannot be recorded.",
            ));
        }
        if !q::close_round_ballot(conn, round_id, now)? {
            return Err(AppError::conflict(
                "Cuộc bỏ phiếu đã kết thúc.",
                "The ballot is closed.",
            ));
        }
        let counts: HashMap<i64, i64> = q::round_counts(conn, round_id)?.into_iter().collect();
        for g in &ctx.grades {
            let votes = counts.get(&g.staff_id).copied().unwrap_or(0);
            db::grading::set_assessment(
                conn,
                g.id,
                &db::grading::Assessment {
                    evaluator_scores: None,
                    self_scores: None,
                    bonus: None,
                    ballot_votes: Some(i32::try_from(votes).unwrap_or(i32::MAX)),
                    disciplined: None,
                },
            )?;
        }
        q::reshuffle_round_choices(conn, round_id)?;
        crate::services::grading::recompute(conn, viewer, round_id, today)?;
        audit::record(
            conn,
            Some(viewer.staff_id),
            "grading_round",
            round_id,
            "ballot_close",
            None,
            None,
            None,
            Some(serde_json::json!({"votes": counts})),
        )?;
        let row = q::round_ballot(conn, round_id)?.ok_or_else(no_ballot)?;
        let (ctx, _, _) = round_ctx(conn, viewer, round_id)?;
        view_round_ballot(conn, viewer, &ctx, row)
    })
    .inspect(|_| q::vacuum_ballots(conn))
}

/// MIN_VOTERS, for the API's description.
pub const RESULTS_MIN_VOTERS: usize = MIN_VOTERS;
