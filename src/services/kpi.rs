//! KPI of a period for many people at once: expected minutes from the calendar, contracts and
//! leave; credited minutes, rework and task delays from ONE grouped query of approved entries;
//! then `domain::kpi::compute`. Used by the KPI routes and by grading rounds.

use std::collections::{BTreeMap, HashMap};

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use crate::db::grading::PolicyRow;
use crate::db::staff::Staff;
use crate::db::{self, DbConnection};
use crate::domain::calendar::{period_norm, ContractSpan, Employment, LeaveDay};
use crate::domain::grading::{grade_for_unit_factor, GradeFacts, HeadFacts, PolicyPreset};
use crate::domain::kpi::{compute, Combine, CreditedGroup, KpiBreakdown, KpiInputs, KpiPolicy};
use crate::domain::period::Period;
use crate::error::{AppError, AppResult};
use crate::services::{calendar, leaves};

/// What the evaluator (and the person) said, for the common criteria and the bonus.
#[derive(Debug, Clone, Default)]
pub struct CommonInput {
    pub scores: Vec<f64>,
    pub bonus: f64,
}

impl CommonInput {
    /// The evaluator's common-criteria scores and bonus stored on a grade (none yet: empty).
    pub fn of_grade(g: &db::grading::GradeRow) -> Self {
        Self::of_parts(g.evaluator_scores.as_deref(), g.bonus)
    }

    /// The same from the two columns (`db::grading::common_of_rounds`).
    pub fn of_parts(evaluator_scores: Option<&str>, bonus: f64) -> Self {
        Self {
            scores: evaluator_scores
                .and_then(|t| serde_json::from_str(t).ok())
                .unwrap_or_default(),
            bonus,
        }
    }
}

/// A task behind some credited minutes, with its delays as counted for the period.
#[derive(Debug, Clone, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct TaskDelay {
    pub task_id: i64,
    pub due_date: NaiveDate,
    pub completed_on: Option<NaiveDate>,
    pub delays: i32,
}

/// One person's KPI with the inputs that produced it (for explanations).
#[derive(Debug, Clone)]
pub struct PersonKpi {
    pub staff_id: i64,
    pub breakdown: KpiBreakdown,
    /// Working days of the period on which the person was expected to work (maternity leave
    /// counts as worked: the rulebook grades it on the time worked).
    pub worked_days: i64,
    /// Working days of the period (organisation calendar).
    pub period_working_days: i64,
    /// Sum of the rework counts of the approved entries.
    pub rework: i64,
    /// First submission among the approved entries.
    pub first_submission: Option<NaiveDateTime>,
    /// Approved entries counted.
    pub approved_entries: i64,
    pub groups: Vec<CreditedGroup>,
    pub tasks: Vec<TaskDelay>,
}

/// Settings of one computation.
#[derive(Debug, Clone)]
pub struct KpiRun<'a> {
    pub period: Period,
    pub policy: &'a KpiPolicy,
    pub common_max: f64,
    /// Evaluator scores and bonus per person (missing: not yet scored).
    pub common: &'a HashMap<i64, CommonInput>,
    /// Unit factor per leader (missing: graded on their own results).
    pub unit_factors: &'a HashMap<i64, f64>,
    /// Delays of unfinished tasks are counted up to this day (the earlier of today and the end
    /// of the period).
    pub today: NaiveDate,
    /// Contracts and approved leave of the period already loaded for some people (a month's
    /// build, `services::kpi_months`); the others' are read from the database.
    pub preloaded: Option<Preloaded<'a>>,
}

/// Contracts by person, in effective order.
pub type ContractsByPerson = HashMap<i64, Vec<ContractSpan>>;
/// Approved leave days by person.
pub type LeaveByPerson = HashMap<i64, Vec<LeaveDay>>;

/// Contracts and approved leave days of the run's period for the people of `covered` (a person
/// of `covered` missing from a map has none), exactly as [`people_inputs`] reads them.
#[derive(Debug, Clone, Copy)]
pub struct Preloaded<'a> {
    pub covered: &'a std::collections::HashSet<i64>,
    pub contracts: &'a ContractsByPerson,
    pub leave_days: &'a LeaveByPerson,
}

/// The contracts (by person, in effective order) and the approved leave days within
/// `first..=last` of some people: what [`compute_for`] reads of them besides their credits.
pub fn people_inputs(
    conn: &mut DbConnection,
    ids: &[i64],
    first: NaiveDate,
    last: NaiveDate,
) -> AppResult<(ContractsByPerson, LeaveByPerson)> {
    if ids.is_empty() {
        return Ok((HashMap::new(), HashMap::new()));
    }
    let contracts = contracts_by_person(conn, ids)?;
    let leave_days = leaves::approved_leave_days(conn, ids, first, last)?;
    Ok((contracts, leave_days))
}

/// The contracts of some people, by person, in effective order.
pub fn contracts_by_person(conn: &mut DbConnection, ids: &[i64]) -> AppResult<ContractsByPerson> {
    let mut contracts = ContractsByPerson::new();
    for c in db::staff::contracts_of(conn, ids)? {
        contracts.entry(c.staff_id).or_default().push(ContractSpan {
            effective_from: c.effective_from,
            weekly_minutes: c.weekly_minutes,
        });
    }
    Ok(contracts)
}

type GroupRow = db::totals::CreditRow;

/// KPI of every person in `people` for the run's period, keyed by staff id.
pub fn compute_for(
    conn: &mut DbConnection,
    people: &[&Staff],
    run: &KpiRun<'_>,
) -> AppResult<HashMap<i64, PersonKpi>> {
    if people.is_empty() {
        return Ok(HashMap::new());
    }
    let (first, last) = (run.period.first_day(), run.period.last_day());
    let ids: Vec<i64> = people.iter().map(|p| p.id).collect();
    let cal = calendar::load_calendar(conn, first, last)?;
    let period_days: Vec<NaiveDate> = cal.working_days(first, last);
    let to_load: Vec<i64> = match run.preloaded {
        Some(pre) => ids
            .iter()
            .copied()
            .filter(|id| !pre.covered.contains(id))
            .collect(),
        None => ids.clone(),
    };
    let (mut contracts, mut leave_days) = people_inputs(conn, &to_load, first, last)?;

    // One grouped query over the maintained month rows (every period is whole months): approved
    // minutes and converted products by person, rework and task.
    let (first_month, last_month) = (
        crate::services::totals::month_start(first),
        crate::services::totals::month_start(last),
    );
    let rows: Vec<GroupRow> = match run.preloaded {
        // A month's build asking about most of everybody (`covered` is every active person):
        // one range over the months, keeping the rows of the people asked about.
        Some(pre) if to_load.is_empty() && ids.len() * 2 >= pre.covered.len() => {
            let asked: std::collections::HashSet<i64> = ids.iter().copied().collect();
            db::totals::credits_of_everyone(conn, first_month, last_month)?
                .into_iter()
                .filter(|r| asked.contains(&r.0))
                .collect()
        }
        _ => db::totals::credits_by_person(conn, &ids, first_month, last_month)?,
    };
    let task_ids: Vec<i64> = {
        let mut t: Vec<i64> = rows.iter().filter_map(|r| r.2).collect();
        t.sort_unstable();
        t.dedup();
        t
    };
    let as_of = run.today.min(last);
    let task_delays: HashMap<i64, TaskDelay> = db::tasks::find_many(conn, &task_ids)?
        .into_iter()
        .map(|t| {
            let d = crate::domain::tasks::delays_as_of(
                crate::domain::tasks::TaskState::parse(&t.state),
                t.due_date,
                t.completed_on,
                as_of,
            );
            (
                t.id,
                TaskDelay {
                    task_id: t.id,
                    due_date: t.due_date,
                    completed_on: t.completed_on,
                    delays: d,
                },
            )
        })
        .collect();

    struct Acc {
        groups: BTreeMap<(i32, i32), CreditedGroup>,
        rework: i64,
        first: Option<NaiveDateTime>,
        count: i64,
        tasks: BTreeMap<i64, TaskDelay>,
    }
    let mut acc: HashMap<i64, Acc> = HashMap::new();
    for (staff_id, rework_count, task_id, minutes, norm, n, first_sub) in rows {
        let a = acc.entry(staff_id).or_insert_with(|| Acc {
            groups: BTreeMap::new(),
            rework: 0,
            first: None,
            count: 0,
            tasks: BTreeMap::new(),
        });
        let d = match task_id.and_then(|t| task_delays.get(&t)) {
            Some(td) => {
                a.tasks.insert(td.task_id, td.clone());
                td.delays
            }
            None => 0,
        };
        let g = a.groups.entry((rework_count, d)).or_insert(CreditedGroup {
            minutes: 0,
            norm_minutes: 0,
            rework_count,
            delays: d,
        });
        g.minutes += minutes.unwrap_or(0);
        g.norm_minutes += norm.unwrap_or(0);
        a.rework += i64::from(rework_count) * n;
        a.count += n;
        a.first = match (a.first, first_sub) {
            (Some(x), Some(y)) => Some(x.min(y)),
            (x, y) => x.or(y),
        };
    }

    let mut out = HashMap::with_capacity(people.len());
    for person in people {
        let pre = run.preloaded.filter(|p| p.covered.contains(&person.id));
        let employment = Employment {
            joined_on: person.joined_on,
            left_on: person.left_on,
            contracts: match pre {
                Some(p) => p.contracts.get(&person.id).cloned(),
                None => contracts.remove(&person.id),
            }
            .unwrap_or_default(),
        };
        let leave = match pre {
            Some(p) => p.leave_days.get(&person.id).cloned(),
            None => leave_days.remove(&person.id),
        }
        .unwrap_or_default();
        let (expected, worked_days) = period_norm(&cal, &employment, &leave, &period_days);
        let a = acc.remove(&person.id);
        let groups: Vec<CreditedGroup> = a
            .as_ref()
            .map(|a| a.groups.values().cloned().collect())
            .unwrap_or_default();
        let common = run.common.get(&person.id).cloned().unwrap_or_default();
        let breakdown = compute(
            &KpiInputs {
                expected,
                groups: groups.clone(),
                is_leader: person.is_leader,
                unit_factor: run.unit_factors.get(&person.id).copied(),
                common_scores: common.scores,
                common_max: run.common_max,
                bonus: common.bonus,
            },
            run.policy,
        );
        out.insert(
            person.id,
            PersonKpi {
                staff_id: person.id,
                breakdown,
                worked_days,
                period_working_days: period_days.len() as i64,
                rework: a.as_ref().map(|a| a.rework).unwrap_or(0),
                first_submission: a.as_ref().and_then(|a| a.first),
                approved_entries: a.as_ref().map(|a| a.count).unwrap_or(0),
                groups,
                tasks: a
                    .map(|a| a.tasks.into_values().collect())
                    .unwrap_or_default(),
            },
        );
    }
    Ok(out)
}

/// KPI of people with the leader blending of the rulebook. Everyone is computed once on their
/// own; then, bottom-up along the supervision tree, each leader's unit factor comes from the
/// REAL grades of their direct subordinates: thresholds on the subordinate's total (with their
/// own unit factor when they lead people themselves), then discipline recorded in a round of
/// the period → `not_complete`, then worked less than half of the period → `not_graded`
/// (left out), then, for a subordinate who heads a unit, the leader downgrade of that unit
/// (a `not_complete` member, or its average quantity below the policy minimum). The factor is 1 when every subordinate left is `complete` or better (also when
/// none is left), else 0.5; a leader with no direct subordinates at all is graded on their own
/// results. Subordinates outside `people` (and theirs, down the tree) are loaded and computed
/// too, but not returned. Linear in the number of people: maps, no list scans per person.
pub fn compute_with_leaders<S: std::borrow::Borrow<Staff>>(
    conn: &mut DbConnection,
    people: &[S],
    run: &KpiRun<'_>,
    preset: &crate::domain::grading::PolicyPreset,
) -> AppResult<HashMap<i64, PersonKpi>> {
    use std::collections::HashSet;
    let people: Vec<&Staff> = people.iter().map(std::borrow::Borrow::borrow).collect();
    let wanted: HashSet<i64> = people.iter().map(|p| p.id).collect();
    // Subordinates outside `people`, loaded below (`people` is borrowed, never copied: a
    // province is 20,000 rows with six strings each).
    let mut loaded: Vec<Staff> = Vec::new();
    let mut known: HashSet<i64> = wanted.clone();
    // Direct subordinates per leader, loaded level by level down the tree.
    let mut children: HashMap<i64, Vec<i64>> = HashMap::new();
    let mut frontier: Vec<i64> = people
        .iter()
        .filter(|p| p.is_leader)
        .map(|p| p.id)
        .collect();
    let mut expanded: HashSet<i64> = HashSet::new();
    while !frontier.is_empty() {
        frontier.retain(|id| expanded.insert(*id));
        if frontier.is_empty() {
            break;
        }
        let subs = db::staff::subordinates_of(conn, &frontier)?;
        let mut next = Vec::new();
        for s in subs {
            let Some(boss) = s.supervisor_id else {
                continue;
            };
            children.entry(boss).or_default().push(s.id);
            if known.insert(s.id) {
                if s.is_leader {
                    next.push(s.id);
                }
                loaded.push(s);
            }
        }
        frontier = next;
    }
    let everyone: Vec<&Staff> = people.iter().copied().chain(loaded.iter()).collect();
    let mut all = compute_for(conn, &everyone, run)?;
    if children.is_empty() {
        all.retain(|id, _| wanted.contains(id));
        return Ok(all);
    }
    let sub_ids: Vec<i64> = children.values().flatten().copied().collect();
    let disciplined: HashSet<i64> =
        db::grading::disciplined_in_period(conn, &sub_ids, &run.period.to_string())?
            .into_iter()
            .collect();
    let leader_of: HashMap<i64, bool> = everyone.iter().map(|p| (p.id, p.is_leader)).collect();
    // Subordinates who head a unit get the leader downgrade of their own unit before their
    // supervisor reads their grade: the unit's members (those loaded), grouped once.
    let mut members_by_unit: HashMap<i64, Vec<i64>> = HashMap::new();
    for p in &everyone {
        if let Some(u) = p.unit_id {
            members_by_unit.entry(u).or_default().push(p.id);
        }
    }
    let unit_ids: Vec<i64> = members_by_unit.keys().copied().collect();
    let sub_set: HashSet<i64> = sub_ids.iter().copied().collect();
    let headed_unit: HashMap<i64, i64> = db::units::find_many(conn, &unit_ids)?
        .into_iter()
        .filter_map(|u| u.head_id.filter(|h| sub_set.contains(h)).map(|h| (h, u.id)))
        .collect();

    let supervision = Supervision {
        children,
        leader_of,
        disciplined,
        members_by_unit,
        headed_unit,
    };
    settle_leaders(&mut all, &supervision, run, preset);
    all.retain(|id, _| wanted.contains(id));
    Ok(all)
}

/// Who supervises whom and the facts of the subordinates that the leader pass reads.
#[derive(Debug, Clone, Default)]
pub struct Supervision {
    /// Direct subordinates per leader.
    pub children: HashMap<i64, Vec<i64>>,
    /// Whether each person is a leader.
    pub leader_of: HashMap<i64, bool>,
    /// Subordinates with discipline recorded in a round of the period.
    pub disciplined: std::collections::HashSet<i64>,
    /// Members (loaded) of each unit.
    pub members_by_unit: HashMap<i64, Vec<i64>>,
    /// The unit a subordinate heads.
    pub headed_unit: HashMap<i64, i64>,
}

/// The leader pass of [`compute_with_leaders`] (no database): bottom-up along the supervision
/// tree, each leader's unit factor from their direct subordinates' grades, then the leader's
/// breakdown with it. Linear in people: maps, one visit per person, `head_facts` once per
/// subordinate head over that unit's members (`benches/domain.rs` times it at 2,000 and 20,000).
pub fn settle_leaders(
    all: &mut HashMap<i64, PersonKpi>,
    s: &Supervision,
    run: &KpiRun<'_>,
    preset: &crate::domain::grading::PolicyPreset,
) {
    use std::collections::HashSet;
    // Post-order over the supervision tree: a leader is settled after all their subordinates.
    let mut order: Vec<i64> = Vec::with_capacity(s.children.len());
    let mut visited: HashSet<i64> = HashSet::new();
    for root in s.children.keys().copied().collect::<Vec<_>>() {
        let mut stack: Vec<(i64, bool)> = vec![(root, false)];
        while let Some((id, done)) = stack.pop() {
            if done {
                order.push(id);
                continue;
            }
            if !visited.insert(id) {
                continue;
            }
            stack.push((id, true));
            if let Some(kids) = s.children.get(&id) {
                for k in kids {
                    if s.children.contains_key(k) && !visited.contains(k) {
                        stack.push((*k, false));
                    }
                }
            }
        }
    }

    let mut factors: HashMap<i64, f64> = run.unit_factors.clone();
    for leader in order {
        if !s.leader_of.get(&leader).copied().unwrap_or(false) {
            continue;
        }
        let Some(kids) = s.children.get(&leader) else {
            continue;
        };
        if let std::collections::hash_map::Entry::Vacant(slot) = factors.entry(leader) {
            let all_ok = kids.iter().all(|k| {
                all.get(k)
                    .map(|kpi| {
                        let head = s.headed_unit.get(k).map(|u| {
                            head_facts(
                                *k,
                                s.members_by_unit.get(u).map(Vec::as_slice).unwrap_or(&[]),
                                &*all,
                                &s.disciplined,
                                preset,
                            )
                        });
                        let grade = grade_for_unit_factor(
                            &grade_facts(kpi, s.disciplined.contains(k)),
                            head.as_ref(),
                            preset,
                        );
                        grade == crate::domain::grading::Grade::NotGraded
                            || grade.is_complete_or_better()
                    })
                    .unwrap_or(true)
            });
            slot.insert(crate::domain::kpi::unit_factor(all_ok));
        }
        let factor = factors.get(&leader).copied();
        if let Some(kpi) = all.get_mut(&leader) {
            let common = run.common.get(&leader).cloned().unwrap_or_default();
            kpi.breakdown = compute(
                &KpiInputs {
                    expected: kpi.breakdown.expected,
                    groups: kpi.groups.clone(),
                    is_leader: true,
                    unit_factor: factor,
                    common_scores: common.scores,
                    common_max: run.common_max,
                    bonus: common.bonus,
                },
                run.policy,
            );
        }
    }
}

/// What the grading rules 1-2 need of a computed person.
fn grade_facts(kpi: &PersonKpi, disciplined: bool) -> GradeFacts {
    GradeFacts {
        total: kpi.breakdown.total,
        nothing_expected: kpi.breakdown.not_graded,
        disciplined,
        worked_days: kpi.worked_days,
        period_working_days: kpi.period_working_days,
    }
}

/// The leader-downgrade facts of the unit `head` heads, as the unit's own grading sees them:
/// another member `not_complete` after rules 1-2, and the average quantity of its graded
/// members. Called once per subordinate head, over that unit's members: linear overall.
fn head_facts(
    head: i64,
    members: &[i64],
    all: &HashMap<i64, PersonKpi>,
    disciplined: &std::collections::HashSet<i64>,
    preset: &crate::domain::grading::PolicyPreset,
) -> HeadFacts {
    use crate::domain::grading::{grade_after_personal_rules, Grade};
    let mut member_not_complete = false;
    let (mut sum, mut graded) = (0.0, 0usize);
    for m in members {
        let Some(kpi) = all.get(m) else {
            continue;
        };
        if !kpi.breakdown.not_graded {
            sum += kpi.breakdown.quantity;
            graded += 1;
        }
        if *m != head
            && grade_after_personal_rules(&grade_facts(kpi, disciplined.contains(m)), preset)
                == Grade::NotComplete
        {
            member_not_complete = true;
        }
    }
    HeadFacts {
        member_not_complete,
        unit_avg_quantity: if graded == 0 {
            0.0
        } else {
            sum / graded as f64
        },
    }
}

/// The policy the KPI routes use outside a grading round: the default preset.
pub fn default_policy() -> (KpiPolicy, crate::domain::grading::PolicyPreset) {
    let preset = crate::domain::grading::preset(crate::domain::grading::DEFAULT_PRESET_CODE)
        .unwrap_or_else(|| crate::domain::grading::presets().remove(0));
    (KpiPolicy::default(), preset)
}

/// The policy and the evaluators' scores that apply to a unit's period: those of its grading
/// round when one exists, else the default policy version and no scores yet.
pub fn policy_and_scores(
    conn: &mut DbConnection,
    unit_id: Option<i64>,
    period: Period,
) -> AppResult<(
    KpiPolicy,
    crate::domain::grading::PolicyPreset,
    HashMap<i64, CommonInput>,
)> {
    let round = match unit_id {
        Some(u) => db::grading::round_of(conn, u, &period.to_string())?,
        None => None,
    };
    let policy_row = match &round {
        Some(r) => db::grading::policy(conn, r.policy_id)?,
        None => db::grading::default_policy(conn)?,
    };
    let Some(row) = policy_row else {
        let (k, p) = default_policy();
        return Ok((k, p, HashMap::new()));
    };
    let body = parse_body(&row)?;
    let mut common = HashMap::new();
    if let Some(r) = round {
        for g in db::grading::grades_of_round(conn, r.id)? {
            common.insert(g.staff_id, CommonInput::of_grade(&g));
        }
    }
    Ok((body.kpi_policy(), body.preset, common))
}

/// A person's KPI for a period (the person, heads of their subtree, the organisation).
pub fn staff_kpi(
    conn: &mut DbConnection,
    viewer: &crate::domain::scope::Viewer,
    staff_id: i64,
    period: Period,
    today: NaiveDate,
) -> AppResult<(Staff, PersonKpi, crate::domain::grading::Grade)> {
    use crate::error::AppError;
    let person = db::staff::find(conn, staff_id)?.ok_or(AppError::NotFound)?;
    let path = match person.unit_id {
        Some(u) => db::units::find(conn, u)?.map(|u| u.path),
        None => None,
    };
    if !viewer.can_see_person(staff_id, path.as_deref()) {
        return Err(AppError::NotFound);
    }
    let (policy, preset, common) = policy_and_scores(conn, person.unit_id, period)?;
    let factors = HashMap::new();
    let run = KpiRun {
        period,
        policy: &policy,
        common_max: preset.common_max(),
        common: &common,
        unit_factors: &factors,
        today,
        preloaded: None,
    };
    let mut all = compute_with_leaders(conn, std::slice::from_ref(&person), &run, &preset)?;
    let kpi = all.remove(&staff_id).ok_or(AppError::NotFound)?;
    let grade = threshold_grade(&kpi, &preset);
    Ok((person, kpi, grade))
}

/// The grade the thresholds alone give (`not_graded` when nothing was expected).
pub fn threshold_grade(
    kpi: &PersonKpi,
    preset: &crate::domain::grading::PolicyPreset,
) -> crate::domain::grading::Grade {
    if kpi.breakdown.not_graded {
        crate::domain::grading::Grade::NotGraded
    } else {
        crate::domain::grading::grade_by_thresholds(kpi.breakdown.total, &preset.thresholds)
    }
}

/// A member's KPI with the grade its total reaches.
pub type GradedKpi = (Staff, PersonKpi, crate::domain::grading::Grade);

/// KPI of every active member of one unit (heads within their subtree, the organisation).
pub fn unit_kpi(
    conn: &mut DbConnection,
    viewer: &crate::domain::scope::Viewer,
    unit_id: i64,
    period: Period,
    today: NaiveDate,
) -> AppResult<(crate::db::units::Unit, Vec<GradedKpi>)> {
    use crate::error::AppError;
    let unit = db::units::find(conn, unit_id)?.ok_or(AppError::NotFound)?;
    let heads_it = viewer.manages_unit(&unit.path);
    if !heads_it {
        return Err(if viewer.can_see_unit(&unit.path) {
            AppError::forbidden(
                "Chỉ thủ trưởng đơn vị và Ban Tổ chức xem KPI của cả đơn vị.",
                "Only heads and the organisation department see a unit's KPI.",
            )
        } else {
            AppError::NotFound
        });
    }
    let members = db::staff::members_of(conn, unit_id)?;
    let (policy, preset, common) = policy_and_scores(conn, Some(unit_id), period)?;
    let factors = HashMap::new();
    let run = KpiRun {
        period,
        policy: &policy,
        common_max: preset.common_max(),
        common: &common,
        unit_factors: &factors,
        today,
        preloaded: None,
    };
    let mut all = compute_with_leaders(conn, &members, &run, &preset)?;
    let rows = members
        .into_iter()
        .filter_map(|m| {
            let k = all.remove(&m.id)?;
            let g = threshold_grade(&k, &preset);
            Some((m, k, g))
        })
        .collect();
    Ok((unit, rows))
}

// ---------------------------------------------------------------------------------------------
// Policy versions (owned here: grading and reports read them through `kpi`)
// ---------------------------------------------------------------------------------------------

/// What a policy version holds: the grading preset and the KPI settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PolicyBody {
    pub preset: PolicyPreset,
    #[serde(default)]
    pub kpi: KpiPolicy,
}

impl PolicyBody {
    /// The KPI settings with the preset's bonus cap.
    pub fn kpi_policy(&self) -> KpiPolicy {
        KpiPolicy {
            max_bonus: self.preset.max_bonus,
            ..self.kpi
        }
    }
}

/// Reads a stored policy version. A body written before `combine` existed (the first versions
/// of the presets) keeps its formula: [`Combine::WeightedLegacy`].
pub fn parse_body(row: &PolicyRow) -> AppResult<PolicyBody> {
    let bad =
        |e: serde_json::Error| AppError::Internal(anyhow::anyhow!("policy {} body: {e}", row.id));
    let value: serde_json::Value = serde_json::from_str(&row.body).map_err(bad)?;
    let has_combine = value.get("kpi").and_then(|k| k.get("combine")).is_some();
    let mut body: PolicyBody = serde_json::from_value(value).map_err(bad)?;
    if !has_combine {
        body.kpi.combine = Combine::WeightedLegacy;
    }
    Ok(body)
}
