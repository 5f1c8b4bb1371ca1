//! Grading rounds: open a round for a unit and period, compute every member's KPI and proposed
//! grade with the policy version in force, take assessments (common criteria, self-assessment,
//! bonus, ballot votes, discipline), decide (overrides with a reason), publish (which locks the
//! unit's diary for the period), and explain any grade from its recorded inputs.
//! The rules are `domain::kpi` and `domain::grading`; this module loads and stores.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::db::grading::{Assessment, GradeRow, GradeValues, PolicyRow, Round};
use crate::db::units::Unit;
use crate::db::{self, DbConnection};
use crate::domain::grading::{
    grade_unit, presets, Candidate, Grade, PeriodKind, PolicyPreset, Reason, DEFAULT_PRESET_CODE,
};
use crate::domain::kpi::{Combine, CreditMode, CreditedGroup, KpiBreakdown, KpiPolicy, KpiWeights};
use crate::domain::period::Period;
use crate::domain::scope::Viewer;
use crate::error::{AppError, AppResult, FieldIssue};
use crate::i18n::Text;
use crate::services::ballots::LeaderRating;
use crate::services::kpi::{compute_with_leaders, CommonInput, KpiRun, TaskDelay};
use crate::services::{audit, calendar};

pub use crate::services::kpi::{parse_body, PolicyBody};

const PRESET_SEED: &str = "policy_presets_v1";
/// Second versions of the presets, with `combine = product` (rulebook, KPI).
const PRESET_SEED_V2: &str = "policy_presets_v2_product";

/// Stores the shipped presets: version 1 of each code (once, the first formula: `weighted`
/// with quality and progress 1 when nothing is credited, kept immutable so that rounds recorded
/// under it recompute to the same numbers), then a new version of each with `combine = product`
/// (once, also on databases that already hold the v1 rows). The new version of the preset that
/// was the default becomes the default, unless the organisation chose a policy of its own.
pub fn seed_policies(conn: &mut DbConnection) -> AppResult<usize> {
    db::write_transaction(conn, |conn| {
        let now = db::now_utc();
        let mut n = 0;
        if !db::holidays::seed_applied(conn, PRESET_SEED)? {
            for preset in presets() {
                let is_default = preset.code == DEFAULT_PRESET_CODE;
                let body = serde_json::to_string(&LegacyPolicyBody {
                    preset: preset.clone(),
                    kpi: LegacyKpi::default(),
                })
                .map_err(|e| AppError::Internal(e.into()))?;
                db::grading::insert_policy(conn, &preset.code, 1, &body, is_default, None, now)?;
                n += 1;
            }
            db::holidays::mark_seed_applied(conn, PRESET_SEED, now)?;
        }
        if !db::holidays::seed_applied(conn, PRESET_SEED_V2)? {
            // The default moves to the new version of its preset only when it is a seeded row
            // (created by nobody); an organisation's own default policy stays.
            let current = db::grading::default_policy(conn)?;
            let default_code = match &current {
                Some(row) if row.created_by.is_some() => None,
                Some(row) => Some(row.code.clone()),
                None => Some(DEFAULT_PRESET_CODE.to_owned()),
            };
            if default_code.is_some() {
                db::grading::clear_default(conn)?;
            }
            for preset in presets() {
                let version = db::grading::latest_version(conn, &preset.code)?.unwrap_or(0) + 1;
                let is_default = default_code.as_deref() == Some(preset.code.as_str());
                let body = serde_json::to_string(&PolicyBody {
                    preset: preset.clone(),
                    kpi: KpiPolicy::default(),
                })
                .map_err(|e| AppError::Internal(e.into()))?;
                db::grading::insert_policy(
                    conn,
                    &preset.code,
                    version,
                    &body,
                    is_default,
                    None,
                    now,
                )?;
                n += 1;
            }
            db::holidays::mark_seed_applied(conn, PRESET_SEED_V2, now)?;
        }
        Ok(n)
    })
}

/// The body of the first preset versions exactly as they were stored (no `combine`).
#[derive(Serialize)]
struct LegacyPolicyBody {
    preset: PolicyPreset,
    kpi: LegacyKpi,
}

#[derive(Serialize)]
struct LegacyKpi {
    credit_mode: crate::domain::kpi::CreditMode,
    weights: crate::domain::kpi::KpiWeights,
    leader_unit_weight: f64,
    max_bonus: f64,
}

impl Default for LegacyKpi {
    fn default() -> Self {
        let k = KpiPolicy::default();
        Self {
            credit_mode: k.credit_mode,
            weights: k.weights,
            leader_unit_weight: k.leader_unit_weight,
            max_bonus: k.max_bonus,
        }
    }
}

pub fn list_policies(conn: &mut DbConnection) -> AppResult<Vec<(PolicyRow, PolicyBody)>> {
    db::grading::policies_all(conn)?
        .into_iter()
        .map(|r| {
            let b = parse_body(&r)?;
            Ok((r, b))
        })
        .collect()
}

/// A new version of a policy (organisation department). Versions are immutable: rounds record
/// the version they used.
pub fn create_policy(
    conn: &mut DbConnection,
    viewer: &Viewer,
    body: PolicyBody,
    make_default: bool,
) -> AppResult<(PolicyRow, PolicyBody)> {
    crate::services::access::require_org_manager(viewer)?;
    if let Err(msg) = body.preset.validate() {
        return Err(AppError::Validation(vec![FieldIssue::new(
            "preset",
            "invalid",
            Text::new(format!("Chính sách không hợp lệ: {msg}"), msg),
        )]));
    }
    if !body.kpi.weights.is_valid() {
        return Err(AppError::validation(
            "kpi.weights",
            "invalid",
            "Trọng số khối lượng, chất lượng, tiến độ phải không âm và cộng lại bằng 1.",
            "The quantity, quality and progress weights must be non-negative and sum to 1.",
        ));
    }
    if body.kpi.combine == Combine::WeightedLegacy {
        return Err(AppError::validation(
            "kpi.combine",
            "invalid",
            "Công thức 'weighted_legacy' chỉ dành cho các phiên bản chính sách đầu tiên; hãy chọn 'product' hoặc 'weighted'.",
            "The 'weighted_legacy' formula belongs to the first policy versions only; choose 'product' or 'weighted'.",
        ));
    }
    if !(0.0..=1.0).contains(&body.kpi.leader_unit_weight) {
        return Err(AppError::validation(
            "kpi.leader_unit_weight",
            "range",
            "Trọng số kết quả đơn vị phải từ 0 đến 1.",
            "The leader's unit weight must be between 0 and 1.",
        ));
    }
    db::write_transaction(conn, |conn| {
        let version = db::grading::latest_version(conn, &body.preset.code)?.unwrap_or(0) + 1;
        if make_default {
            db::grading::clear_default(conn)?;
        }
        let text = serde_json::to_string(&body).map_err(|e| AppError::Internal(e.into()))?;
        let id = db::grading::insert_policy(
            conn,
            &body.preset.code,
            version,
            &text,
            make_default,
            Some(viewer.staff_id),
            db::now_utc(),
        )?;
        audit::record(
            conn,
            Some(viewer.staff_id),
            "policy",
            id,
            "create",
            None,
            None,
            None,
            Some(serde_json::json!({"code": body.preset.code, "version": version})),
        )?;
        let row = db::grading::policy(conn, id)?.ok_or(AppError::NotFound)?;
        Ok((row, body))
    })
}

fn period_kind(p: Period) -> PeriodKind {
    match p {
        Period::Month { .. } => PeriodKind::Month,
        Period::Quarter { .. } => PeriodKind::Quarter,
        Period::Year { .. } => PeriodKind::Year,
    }
}

/// Heads of the unit's subtree (including heads of units above) and the organisation manage a
/// unit's round.
fn manages(viewer: &Viewer, unit: &Unit) -> bool {
    viewer.manages_unit(&unit.path)
}

fn load_round(conn: &mut DbConnection, id: i64) -> AppResult<(Round, Unit, PolicyRow, PolicyBody)> {
    let round = db::grading::round(conn, id)?.ok_or(AppError::NotFound)?;
    let unit = db::units::find(conn, round.unit_id)?.ok_or(AppError::NotFound)?;
    let policy = db::grading::policy(conn, round.policy_id)?.ok_or(AppError::NotFound)?;
    let body = parse_body(&policy)?;
    Ok((round, unit, policy, body))
}

fn not_open(state: &str) -> AppError {
    AppError::Conflict(Text::new(
        format!("Đợt đánh giá đang ở trạng thái '{state}', không thể thay đổi."),
        format!("The grading round is {state}; it can no longer change."),
    ))
}

/// The policy a new round is computed with: `policy_id`, or the default policy; it must grade
/// that kind of period.
fn policy_for(
    conn: &mut DbConnection,
    policy_id: Option<i64>,
    period: Period,
) -> AppResult<(PolicyRow, PolicyBody)> {
    let policy = match policy_id {
        Some(id) => db::grading::policy(conn, id)?.ok_or_else(|| {
            AppError::validation(
                "policy_id",
                "unknown_reference",
                "Chính sách không tồn tại.",
                "The policy does not exist.",
            )
        })?,
        None => db::grading::default_policy(conn)?
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("no default policy")))?,
    };
    let body = parse_body(&policy)?;
    if !body.preset.allows_period(period_kind(period)) {
        return Err(AppError::validation(
            "period",
            "not_allowed",
            "Chính sách này không áp dụng cho loại kỳ đã chọn.",
            "This policy does not grade that kind of period.",
        ));
    }
    Ok((policy, body))
}

/// Refuses a viewer who does not manage `unit`: 403 when they can see it, 404 otherwise.
fn require_manages(viewer: &Viewer, unit: &Unit) -> AppResult<()> {
    if manages(viewer, unit) {
        Ok(())
    } else if viewer.can_see_unit(&unit.path) {
        Err(AppError::forbidden(
            "Chỉ thủ trưởng hoặc Ban Tổ chức mở đợt đánh giá.",
            "Only heads or the organisation department open grading rounds.",
        ))
    } else {
        Err(AppError::NotFound)
    }
}

/// Opens a grading round for a unit and period and computes every member's proposed grade.
pub fn open_round(
    conn: &mut DbConnection,
    viewer: &Viewer,
    unit_id: i64,
    period: Period,
    policy_id: Option<i64>,
    today: NaiveDate,
) -> AppResult<i64> {
    db::write_transaction(conn, |conn| {
        let unit = db::units::find(conn, unit_id)?.ok_or(AppError::NotFound)?;
        require_manages(viewer, &unit)?;
        let (policy, body) = policy_for(conn, policy_id, period)?;
        if db::grading::round_of(conn, unit_id, &period.to_string())?.is_some() {
            return Err(AppError::conflict(
                "Đơn vị đã có đợt đánh giá cho kỳ này.",
                "The unit already has a grading round for this period.",
            ));
        }
        let opened = open_and_compute(conn, viewer, vec![unit], period, &policy, &body, today)?;
        opened
            .first()
            .map(|(r, _)| r.id)
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("the round was not opened")))
    })
}

/// What opening the rounds of a subtree did.
#[derive(Debug)]
pub struct SubtreeRounds {
    /// Rounds opened by this call, each with the number of people graded in it.
    pub opened: Vec<(Round, usize)>,
    /// Rounds that existed already for the period (left as they are).
    pub existing: Vec<Round>,
}

/// Opens the period's round of every unit of the subtree rooted at `root_id` that has active
/// members and no round for the period yet, and computes them together (one load of the
/// diary, tasks, leave and calendar for everybody, grades written a few hundred rows a
/// statement). Idempotent: rounds that exist are returned as they are, never opened twice, so
/// a retried call opens only what the first one did not. Heads of the root's subtree and the
/// organisation department only (as for one round). Every unit is graded exactly as a round
/// opened for it alone would grade it.
pub fn open_subtree_rounds(
    conn: &mut DbConnection,
    viewer: &Viewer,
    root_id: i64,
    period: Period,
    policy_id: Option<i64>,
    today: NaiveDate,
) -> AppResult<SubtreeRounds> {
    db::write_transaction(conn, |conn| {
        let root = db::units::find(conn, root_id)?.ok_or(AppError::NotFound)?;
        require_manages(viewer, &root)?;
        let (policy, body) = policy_for(conn, policy_id, period)?;
        let units: Vec<Unit> =
            db::units::in_subtrees(conn, Some(std::slice::from_ref(&root.path)))?
                .into_iter()
                .filter(|u| u.active)
                .collect();
        let unit_ids: Vec<i64> = units.iter().map(|u| u.id).collect();
        let existing = db::grading::rounds_of_units(
            conn,
            &unit_ids,
            std::slice::from_ref(&period.to_string()),
        )?;
        let taken: std::collections::HashSet<i64> = existing.iter().map(|r| r.unit_id).collect();
        let with_members: std::collections::HashSet<i64> =
            db::staff::units_with_active_members(conn, &unit_ids)?
                .into_iter()
                .collect();
        let todo: Vec<Unit> = units
            .into_iter()
            .filter(|u| with_members.contains(&u.id) && !taken.contains(&u.id))
            .collect();
        let opened = open_and_compute(conn, viewer, todo, period, &policy, &body, today)?;
        Ok(SubtreeRounds { opened, existing })
    })
}

/// Inserts a round for each unit (none of which has one for the period), computes them
/// together, and records the openings: what opening one round and a subtree's rounds share.
/// Returns the rounds with the number of people graded in each.
fn open_and_compute(
    conn: &mut DbConnection,
    viewer: &Viewer,
    units: Vec<Unit>,
    period: Period,
    policy: &PolicyRow,
    body: &PolicyBody,
    today: NaiveDate,
) -> AppResult<Vec<(Round, usize)>> {
    if units.is_empty() {
        return Ok(Vec::new());
    }
    let period_text = period.to_string();
    let unit_ids: Vec<i64> = units.iter().map(|u| u.id).collect();
    db::grading::insert_rounds(
        conn,
        &unit_ids,
        &period_text,
        policy.id,
        viewer.staff_id,
        db::now_utc(),
    )?;
    let mut by_unit: HashMap<i64, Unit> = units.into_iter().map(|u| (u.id, u)).collect();
    let rounds: Vec<(Round, Unit)> =
        db::grading::rounds_of_units(conn, &unit_ids, std::slice::from_ref(&period_text))?
            .into_iter()
            .filter_map(|r| by_unit.remove(&r.unit_id).map(|u| (r, u)))
            .collect();
    let graded = compute_rounds(conn, &rounds, policy, body, today)?;
    let audits: Vec<(i64, serde_json::Value)> = rounds
        .iter()
        .map(|(r, u)| {
            (
                r.id,
                serde_json::json!({"unit_id": u.id, "period": period_text, "policy_id": policy.id}),
            )
        })
        .collect();
    audit::record_many(
        conn,
        Some(viewer.staff_id),
        "grading_round",
        "open",
        None,
        Some("open"),
        audits,
    )?;
    Ok(rounds
        .into_iter()
        .map(|(r, _)| {
            let n = graded.get(&r.id).copied().unwrap_or(0);
            (r, n)
        })
        .collect())
}

/// (Re)computes one round (the same computation as a subtree's rounds, for one unit).
fn compute(
    conn: &mut DbConnection,
    round: &Round,
    unit: &Unit,
    policy: &PolicyRow,
    body: &PolicyBody,
    today: NaiveDate,
) -> AppResult<()> {
    compute_rounds(conn, &[(round.clone(), unit.clone())], policy, body, today).map(|_| ())
}

/// (Re)computes every member's KPI and proposed grade of some rounds of one period and policy
/// from the current inputs, all rounds together: their members' KPI in one pass (the diary,
/// tasks, leave and calendar loaded once for everybody), then each unit graded on its own, and
/// new grades written a few hundred rows a statement. Deterministic: identical inputs give
/// identical numbers, and a unit's grades do not depend on which other rounds are computed with
/// it (each person belongs to one unit; what a person's KPI reads of another round is its
/// stored grades, which are only those of the rounds computed here). Returns the number of
/// people graded per round.
fn compute_rounds(
    conn: &mut DbConnection,
    rounds: &[(Round, Unit)],
    policy: &PolicyRow,
    body: &PolicyBody,
    today: NaiveDate,
) -> AppResult<HashMap<i64, usize>> {
    let Some((first, _)) = rounds.first() else {
        return Ok(HashMap::new());
    };
    if rounds
        .iter()
        .any(|(r, _)| r.period != first.period || r.policy_id != policy.id)
    {
        return Err(AppError::Internal(anyhow::anyhow!(
            "rounds computed together share their period and policy"
        )));
    }
    let period =
        Period::parse(&first.period).map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
    let unit_ids: Vec<i64> = rounds.iter().map(|(_, u)| u.id).collect();
    let members = db::staff::active_in_units(conn, Some(&unit_ids))?;
    let round_ids: Vec<i64> = rounds.iter().map(|(r, _)| r.id).collect();
    // Grades already computed, by (round, person).
    let existing: HashMap<(i64, i64), GradeRow> = db::grading::grades_of_rounds(conn, &round_ids)?
        .into_iter()
        .map(|g| ((g.round_id, g.staff_id), g))
        .collect();
    let common: HashMap<i64, CommonInput> = existing
        .values()
        .map(|g| (g.staff_id, CommonInput::of_grade(g)))
        .collect();
    let recomputed: std::collections::HashSet<i64> =
        existing.keys().map(|(round, _)| *round).collect();
    let kpi_policy = body.kpi_policy();
    let no_factors = HashMap::new();
    let run = KpiRun {
        period,
        policy: &kpi_policy,
        common_max: body.preset.common_max(),
        common: &common,
        unit_factors: &no_factors,
        today,
        preloaded: None,
    };
    let kpis = compute_with_leaders(conn, &members, &run, &body.preset)?;
    // Leader ratings of the year's closed campaigns: an input of a leader's year grade.
    let leader_ratings = match period {
        Period::Year { year } => crate::services::ballots::leader_ratings_of_year(conn, year)?,
        _ => HashMap::new(),
    };
    let holidays = calendar::load_calendar(conn, period.first_day(), period.last_day())?;
    let holiday_days: Vec<NaiveDate> = period
        .first_day()
        .iter_days()
        .take_while(|d| *d <= period.last_day())
        .filter(|d| holidays.is_holiday(*d))
        .collect();
    let mut contracts: HashMap<i64, Vec<ContractInput>> = HashMap::new();
    for c in db::staff::contracts_of(conn, &members.iter().map(|m| m.id).collect::<Vec<_>>())? {
        contracts
            .entry(c.staff_id)
            .or_default()
            .push(ContractInput {
                effective_from: c.effective_from,
                weekly_minutes: c.weekly_minutes,
            });
    }
    let mut members_of: HashMap<i64, Vec<&db::staff::Staff>> = HashMap::new();
    for m in &members {
        if let Some(u) = m.unit_id {
            members_of.entry(u).or_default().push(m);
        }
    }
    let now = db::now_utc();
    let mut graded: HashMap<i64, usize> = HashMap::new();
    let mut new_grades = Vec::new();
    for (round, unit) in rounds {
        let members: &[&db::staff::Staff] =
            members_of.get(&unit.id).map(Vec::as_slice).unwrap_or(&[]);
        // A year's total is the average of the year's period totals weighted by days worked
        // (rulebook "Year grade"), when the unit has decided rounds in that year.
        let year_totals = match period {
            Period::Year { year } => year_totals(conn, unit.id, year)?,
            _ => HashMap::new(),
        };
        let graded_quantities: Vec<f64> = members
            .iter()
            .filter_map(|m| kpis.get(&m.id))
            .filter(|k| !k.breakdown.not_graded)
            .map(|k| k.breakdown.quantity)
            .collect();
        let unit_avg_quantity = if graded_quantities.is_empty() {
            0.0
        } else {
            graded_quantities.iter().sum::<f64>() / graded_quantities.len() as f64
        };
        let candidates: Vec<Candidate> = members
            .iter()
            .filter_map(|m| {
                let k = kpis.get(&m.id)?;
                let g = existing.get(&(round.id, m.id));
                Some(Candidate {
                    staff_id: m.id,
                    total: year_totals
                        .get(&m.id)
                        .map(|y| y.total)
                        .unwrap_or(k.breakdown.total),
                    disciplined: g.is_some_and(|g| g.disciplined),
                    worked_days: k.worked_days,
                    period_working_days: k.period_working_days,
                    ballot_votes: g.map(|g| g.ballot_votes).unwrap_or(0),
                    rework: i32::try_from(k.rework).unwrap_or(i32::MAX),
                    first_submission: k.first_submission,
                    is_head: unit.head_id == Some(m.id),
                    unit_avg_quantity,
                })
            })
            .collect();
        let by_id: HashMap<i64, &db::staff::Staff> = members.iter().map(|m| (m.id, *m)).collect();
        let decisions = grade_unit(&candidates, &body.preset);
        let mut keep = Vec::new();
        for d in decisions {
            let Some(k) = kpis.get(&d.staff_id) else {
                continue;
            };
            let Some(m) = by_id.get(&d.staff_id) else {
                continue;
            };
            keep.push(m.id);
            let b = &k.breakdown;
            let inputs = GradeInputs {
                period: round.period.clone(),
                period_first_day: period.first_day(),
                period_last_day: period.last_day(),
                policy: InputsPolicy {
                    id: policy.id,
                    code: policy.code.clone(),
                    version: policy.version,
                },
                credit_mode: kpi_policy.credit_mode,
                combine: Some(kpi_policy.combine),
                weights: kpi_policy.weights,
                leader_unit_weight: kpi_policy.leader_unit_weight,
                holidays: holiday_days.clone(),
                working_days: k.period_working_days,
                worked_days: k.worked_days,
                contracts: contracts.get(&m.id).cloned().unwrap_or_default(),
                joined_on: m.joined_on,
                left_on: m.left_on,
                approved_entries: k.approved_entries,
                credited_groups: k.groups.clone(),
                tasks: k.tasks.clone(),
                kpi: b.clone(),
                unit_average_quantity: unit_avg_quantity,
                year_from_periods: year_totals.get(&m.id).cloned(),
                is_head: unit.head_id == Some(m.id),
                computed_at: now.and_utc(),
                leader_ratings: leader_ratings.get(&m.id).cloned(),
            };
            let inputs =
                serde_json::to_string(&inputs).map_err(|e| AppError::Internal(e.into()))?;
            let values = GradeValues {
                round_id: round.id,
                staff_id: m.id,
                unit_id: unit.id,
                is_head: unit.head_id == Some(m.id),
                is_leader: m.is_leader,
                expected: b.expected,
                credited: b.credited,
                quantity: b.quantity,
                quality: b.quality,
                progress: b.progress,
                task_score: b.task_score,
                common_score: b.common_score,
                bonus: b.bonus,
                total: year_totals.get(&m.id).map(|y| y.total).unwrap_or(b.total),
                worked_days: k.worked_days,
                period_working_days: k.period_working_days,
                rework: k.rework,
                first_submission: k.first_submission,
                proposed_grade: d.grade.as_str().to_string(),
                reasons: serde_json::to_string(&d.reasons)
                    .map_err(|e| AppError::Internal(e.into()))?,
                inputs,
                updated_at: now,
            };
            if existing.contains_key(&(round.id, m.id)) {
                db::grading::upsert_computed(conn, &values)?;
            } else {
                // Nobody else writes these rounds' grades meanwhile (the caller's write
                // transaction): the new ones go in together.
                new_grades.push(values);
            }
        }
        graded.insert(round.id, keep.len());
        // Rounds computed for the first time have nothing to delete.
        if recomputed.contains(&round.id) {
            db::grading::delete_grades_except(conn, round.id, &keep)?;
        }
    }
    db::grading::insert_computed(conn, &new_grades)?;
    Ok(graded)
}

/// A person's year total built from the year's period totals.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct YearTotal {
    /// Σ total × days worked / Σ days worked of the periods used.
    pub total: f64,
    /// (period, total, days worked) of each period used, e.g. `["2026-03", 81.5, 22]`.
    #[schema(value_type = Vec<Vec<YearPeriodCell>>)]
    pub periods: Vec<(String, f64, i64)>,
}

/// A cell of a `[period, total, days worked]` row of [`YearTotal::periods`] (schema only: the
/// rows are stored as arrays, and not every generator reads a tuple schema).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum YearPeriodCell {
    /// The period (`2026-03`, `2026-Q1`).
    Period(String),
    /// The period's total, or the days worked in it.
    Number(f64),
}

/// The inputs recorded with a grade when its round was computed: everything that explains it
/// (`GET /grades/{id}/explain`). Written once per computation, read back as is.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GradeInputs {
    /// The round's period (`2026-10`, `2026-Q4`, `2026`).
    pub period: String,
    pub period_first_day: NaiveDate,
    pub period_last_day: NaiveDate,
    /// The policy version used.
    pub policy: InputsPolicy,
    pub credit_mode: CreditMode,
    /// How the own task result was combined; absent in grades computed before products were
    /// combined (those used `weighted_legacy`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub combine: Option<Combine>,
    pub weights: KpiWeights,
    /// Weight of the unit factor in a leader's task score.
    pub leader_unit_weight: f64,
    /// Public holidays within the period.
    pub holidays: Vec<NaiveDate>,
    /// Working days of the period (organisation calendar).
    pub working_days: i64,
    /// Working days on which the person was expected to work.
    pub worked_days: i64,
    /// The person's contracts (weekly minutes from a date).
    pub contracts: Vec<ContractInput>,
    pub joined_on: Option<NaiveDate>,
    pub left_on: Option<NaiveDate>,
    /// Approved entries counted.
    pub approved_entries: i64,
    /// Approved minutes grouped by rework count and task delays.
    pub credited_groups: Vec<CreditedGroup>,
    /// The tasks behind the credited minutes with their delays.
    pub tasks: Vec<TaskDelay>,
    /// The KPI with every intermediate figure.
    pub kpi: KpiBreakdown,
    /// Average quantity of the unit's graded members.
    pub unit_average_quantity: f64,
    /// A year round: the year total from the decided period rounds (null otherwise, or when the
    /// unit has none).
    pub year_from_periods: Option<YearTotal>,
    /// Head of the round's unit.
    pub is_head: bool,
    /// When the round was computed (UTC).
    pub computed_at: chrono::DateTime<chrono::Utc>,
    /// A leader's year round: the ratings of the year's closed rating campaigns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leader_ratings: Option<Vec<LeaderRating>>,
}

/// The policy version recorded with a grade's inputs.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct InputsPolicy {
    pub id: i64,
    pub code: String,
    pub version: i32,
}

/// A contract recorded with a grade's inputs.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ContractInput {
    pub effective_from: NaiveDate,
    pub weekly_minutes: i32,
}

/// Year totals of a unit's members from its decided month rounds of the year (quarter rounds
/// when there are no month rounds): Σ total × days worked / Σ days worked.
fn year_totals(
    conn: &mut DbConnection,
    unit_id: i64,
    year: i32,
) -> AppResult<HashMap<i64, YearTotal>> {
    let rounds = db::grading::rounds_within_year(conn, unit_id, year)?;
    let months: Vec<&Round> = rounds.iter().filter(|r| !r.period.contains('Q')).collect();
    let chosen: Vec<&Round> = if months.is_empty() {
        rounds.iter().collect()
    } else {
        months
    };
    let ids: Vec<i64> = chosen.iter().map(|r| r.id).collect();
    let period_of: HashMap<i64, String> = chosen.iter().map(|r| (r.id, r.period.clone())).collect();
    let mut per_person: HashMap<i64, Vec<(String, f64, i64)>> = HashMap::new();
    for g in db::grading::grades_of_rounds(conn, &ids)? {
        let p = period_of.get(&g.round_id).cloned().unwrap_or_default();
        per_person
            .entry(g.staff_id)
            .or_default()
            .push((p, g.total, g.worked_days));
    }
    Ok(per_person
        .into_iter()
        .filter_map(|(id, periods)| {
            let pairs: Vec<(f64, i64)> = periods.iter().map(|(_, t, d)| (*t, *d)).collect();
            crate::domain::kpi::weighted_year_total(&pairs)
                .map(|total| (id, YearTotal { total, periods }))
        })
        .collect())
}

/// People graded `not_complete` in the year rounds of `year` and of the year before (Law 80/2025
/// Art. 27: to be considered for a lower post or dismissal). Organisation department only.
/// Returns (staff id, this year's grade id, last year's grade id).
pub fn two_years_not_complete(
    conn: &mut DbConnection,
    viewer: &Viewer,
    year: i32,
) -> AppResult<Vec<(i64, i64, i64)>> {
    crate::services::access::require_org_manager(viewer)?;
    let this_year: Vec<(i64, Option<String>, i64)> = db::grading::year_grades(conn, year, None)?
        .into_iter()
        .filter(|(_, g, _)| g.as_deref() == Some("not_complete"))
        .collect();
    let ids: Vec<i64> = this_year.iter().map(|(s, _, _)| *s).collect();
    let last_year: HashMap<i64, i64> = db::grading::year_grades(conn, year - 1, Some(&ids))?
        .into_iter()
        .filter(|(_, g, _)| g.as_deref() == Some("not_complete"))
        .map(|(s, _, id)| (s, id))
        .collect();
    Ok(this_year
        .into_iter()
        .filter_map(|(s, _, gid)| last_year.get(&s).map(|prev| (s, gid, *prev)))
        .collect())
}

/// A round with its grades, for those who manage the unit (heads of its subtree, the
/// organisation department). Publication does not widen this: once published, a person graded in
/// the round reads the round with their own grade only, and everybody else reads names, final
/// grades and totals through `/published`.
pub fn get_round(
    conn: &mut DbConnection,
    viewer: &Viewer,
    id: i64,
) -> AppResult<(Round, Unit, PolicyRow, Vec<GradeRow>)> {
    let (round, unit, policy, _) = load_round(conn, id)?;
    let mut grades = db::grading::grades_of_round(conn, id)?;
    if !manages(viewer, &unit) {
        grades.retain(|g| g.staff_id == viewer.staff_id);
        if round.state != "published" || grades.is_empty() {
            return Err(AppError::NotFound);
        }
    }
    Ok((round, unit, policy, grades))
}

/// The round of a unit for a period, if any: those who manage the unit see it in every state,
/// anyone else who can see the unit only once it is published (as `get_round`); a unit the
/// caller cannot see is 404.
pub fn find_round(
    conn: &mut DbConnection,
    viewer: &Viewer,
    unit_id: i64,
    period: Period,
) -> AppResult<Option<Round>> {
    let unit = db::units::find(conn, unit_id)?.ok_or(AppError::NotFound)?;
    if !viewer.can_see_unit(&unit.path) {
        return Err(AppError::NotFound);
    }
    let round = db::grading::round_of(conn, unit_id, &period.to_string())?;
    Ok(round.filter(|r| manages(viewer, &unit) || r.state == "published"))
}

/// Recomputes an open round (e.g. after more entries were approved).
pub fn recompute(
    conn: &mut DbConnection,
    viewer: &Viewer,
    id: i64,
    today: NaiveDate,
) -> AppResult<()> {
    db::write_transaction(conn, |conn| {
        let (round, unit, policy, body) = load_round(conn, id)?;
        if !manages(viewer, &unit) {
            return Err(AppError::NotFound);
        }
        if round.state != "open" {
            return Err(not_open(&round.state));
        }
        compute(conn, &round, &unit, &policy, &body, today)?;
        audit::record(
            conn,
            Some(viewer.staff_id),
            "grading_round",
            id,
            "recompute",
            None,
            None,
            None,
            None,
        )?;
        Ok(())
    })
}

/// What an evaluator or the person enters for one member.
#[derive(Debug, Clone, Default)]
pub struct AssessmentInput {
    pub common_scores: Option<Vec<f64>>,
    pub self_scores: Option<Vec<f64>>,
    pub bonus: Option<f64>,
    pub ballot_votes: Option<i32>,
    pub disciplined: Option<bool>,
}

fn check_scores(field: &str, scores: &[f64], preset: &PolicyPreset) -> AppResult<()> {
    if scores.len() != preset.criteria.len() {
        return Err(AppError::Validation(vec![FieldIssue::new(
            field,
            "length",
            Text::new(
                format!(
                    "Cần đúng {} điểm, theo các nhóm tiêu chí của chính sách.",
                    preset.criteria.len()
                ),
                format!(
                    "Exactly {} scores are needed, one per criteria group of the policy.",
                    preset.criteria.len()
                ),
            ),
        )]));
    }
    let mut issues = Vec::new();
    for (i, (score, group)) in scores.iter().zip(&preset.criteria).enumerate() {
        if !score.is_finite() || *score < 0.0 || *score > group.max {
            issues.push(FieldIssue::new(
                format!("{field}[{i}]"),
                "range",
                Text::new(
                    format!("{}: điểm từ 0 đến {}.", group.name_vi, group.max),
                    format!("{}: a score from 0 to {}.", group.name_en, group.max),
                ),
            ));
        }
    }
    if issues.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(issues))
    }
}

/// Records an assessment and recomputes the round. The person may enter only their
/// self-assessment; evaluators (heads of the unit's subtree, the person's approver, the
/// organisation) enter the common criteria, bonus, ballot votes and discipline.
pub fn assess(
    conn: &mut DbConnection,
    viewer: &Viewer,
    round_id: i64,
    staff_id: i64,
    input: AssessmentInput,
    today: NaiveDate,
) -> AppResult<GradeRow> {
    db::write_transaction(conn, |conn| {
        let (round, unit, policy, body) = load_round(conn, round_id)?;
        let is_self = viewer.staff_id == staff_id;
        let person = db::staff::find(conn, staff_id)?.ok_or(AppError::NotFound)?;
        let approver = crate::services::approvers::approver_for(conn, &person, None)?;
        let evaluator = !is_self && (manages(viewer, &unit) || approver == Some(viewer.staff_id));
        if !is_self && !evaluator {
            return Err(AppError::NotFound);
        }
        let grade = db::grading::grade_of(conn, round_id, staff_id)?.ok_or(AppError::NotFound)?;
        if round.state != "open" {
            return Err(not_open(&round.state));
        }
        let evaluator_fields = input.common_scores.is_some()
            || input.bonus.is_some()
            || input.ballot_votes.is_some()
            || input.disciplined.is_some();
        if is_self && evaluator_fields {
            return Err(AppError::forbidden(
                "Người được đánh giá chỉ nhập phần tự đánh giá; điểm tiêu chí chung do người đánh giá chấm.",
                "The person enters only their self-assessment; the evaluator scores the common criteria.",
            ));
        }
        if !is_self && input.self_scores.is_some() {
            return Err(AppError::forbidden(
                "Chỉ người được đánh giá nhập phần tự đánh giá.",
                "Only the person enters their self-assessment.",
            ));
        }
        if let Some(s) = &input.common_scores {
            check_scores("common_scores", s, &body.preset)?;
        }
        if let Some(s) = &input.self_scores {
            check_scores("self_scores", s, &body.preset)?;
        }
        if let Some(b) = input.bonus {
            if !b.is_finite() || b < 0.0 || b > body.preset.max_bonus {
                return Err(AppError::Validation(vec![FieldIssue::new(
                    "bonus",
                    "range",
                    Text::new(
                        format!("Điểm thưởng từ 0 đến {}.", body.preset.max_bonus),
                        format!("The bonus is from 0 to {}.", body.preset.max_bonus),
                    ),
                )]));
            }
        }
        if input.ballot_votes.is_some_and(|v| v < 0) {
            return Err(AppError::validation(
                "ballot_votes",
                "range",
                "Số phiếu không âm.",
                "Ballot votes cannot be negative.",
            ));
        }
        let to_json = |v: &Option<Vec<f64>>| v.as_ref().map(|s| serde_json::to_string(s).ok());
        db::grading::set_assessment(
            conn,
            grade.id,
            &Assessment {
                evaluator_scores: to_json(&input.common_scores),
                self_scores: to_json(&input.self_scores),
                bonus: input.bonus,
                ballot_votes: input.ballot_votes,
                disciplined: input.disciplined,
            },
        )?;
        compute(conn, &round, &unit, &policy, &body, today)?;
        audit::record(
            conn,
            Some(viewer.staff_id),
            "grade",
            grade.id,
            if is_self {
                "self_assessment"
            } else {
                "assessment"
            },
            None,
            None,
            None,
            Some(serde_json::json!({
                "staff_id": staff_id, "common_scores": input.common_scores, "self_scores": input.self_scores,
                "bonus": input.bonus, "ballot_votes": input.ballot_votes, "disciplined": input.disciplined,
            })),
        )?;
        db::grading::grade(conn, grade.id)?.ok_or(AppError::NotFound)
    })
}

/// An override of the deciding head.
#[derive(Debug, Clone)]
pub struct Override {
    pub staff_id: i64,
    pub grade: Grade,
    pub reason: String,
}

fn reasons_of(g: &GradeRow) -> Vec<Reason> {
    serde_json::from_str(&g.reasons).unwrap_or_default()
}

/// Deciding and publishing wait until the period's last day has ended in the organisation's
/// time zone (`today` is the organisation's local date): 409 before that. Opening a round early
/// to preview stays allowed.
fn require_period_ended(period_text: &str, today: NaiveDate) -> AppResult<()> {
    let period =
        Period::parse(period_text).map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
    if today <= period.last_day() {
        let last = period.last_day();
        return Err(AppError::Conflict(Text::new(
            format!(
                "Kỳ {period_text} chưa kết thúc (ngày cuối {}): chỉ được quyết định và công bố xếp loại từ ngày {}.",
                last.format("%d/%m/%Y"),
                (last + chrono::Duration::days(1)).format("%d/%m/%Y")
            ),
            format!(
                "The period {period_text} has not ended (last day {last}): grades can be decided and published from {}.",
                last + chrono::Duration::days(1)
            ),
        )));
    }
    Ok(())
}

/// The deciding head's decision: a last recompute, then every proposal becomes the final grade
/// unless overridden with a written reason (the proposal, the override and its reason are kept).
pub fn decide(
    conn: &mut DbConnection,
    viewer: &Viewer,
    round_id: i64,
    overrides: Vec<Override>,
    today: NaiveDate,
) -> AppResult<()> {
    db::write_transaction(conn, |conn| {
        let (round, unit, policy, body) = load_round(conn, round_id)?;
        if !manages(viewer, &unit) {
            return Err(AppError::NotFound);
        }
        if round.state != "open" {
            return Err(not_open(&round.state));
        }
        require_period_ended(&round.period, today)?;
        if overrides.iter().any(|o| o.staff_id == viewer.staff_id) {
            return Err(AppError::forbidden(
                "Không ai tự quyết định xếp loại của chính mình.",
                "Nobody overrides their own grade.",
            ));
        }
        compute(conn, &round, &unit, &policy, &body, today)?;
        let grades = db::grading::grades_of_round(conn, round_id)?;
        for o in &overrides {
            if !grades.iter().any(|g| g.staff_id == o.staff_id) {
                return Err(AppError::Validation(vec![FieldIssue::new(
                    "overrides",
                    "unknown_reference",
                    Text::new(
                        format!("Cán bộ {} không thuộc đợt đánh giá này.", o.staff_id),
                        format!("Staff {} is not in this round.", o.staff_id),
                    ),
                )]));
            }
        }
        let now = db::now_utc();
        for g in &grades {
            let proposed = Grade::parse(&g.proposed_grade).unwrap_or(Grade::NotGraded);
            let mut reasons = reasons_of(g);
            let (final_grade, why) = match overrides.iter().find(|o| o.staff_id == g.staff_id) {
                Some(o) => {
                    reasons.push(Reason::Override {
                        from: proposed,
                        to: o.grade,
                        reason: o.reason.clone(),
                    });
                    (o.grade, Some(o.reason.as_str()))
                }
                None => (proposed, None),
            };
            let text = serde_json::to_string(&reasons).map_err(|e| AppError::Internal(e.into()))?;
            db::grading::set_final(conn, g.id, final_grade.as_str(), &text, why, now)?;
        }
        if !db::grading::set_round_state(
            conn,
            round_id,
            round.version,
            "decided",
            Some(viewer.staff_id),
            None,
            now,
        )? {
            return Err(crate::services::access::stale());
        }
        audit::record(
            conn,
            Some(viewer.staff_id),
            "grading_round",
            round_id,
            "decide",
            Some("open"),
            Some("decided"),
            None,
            Some(
                serde_json::json!({"overrides": overrides.iter().map(|o| serde_json::json!({"staff_id": o.staff_id, "grade": o.grade.as_str(), "reason": o.reason})).collect::<Vec<_>>()}),
            ),
        )?;
        Ok(())
    })
}

/// Publishes a decided round (organisation department): results become visible to all staff
/// and the unit's diary is locked for every month of the period.
pub fn publish(
    conn: &mut DbConnection,
    viewer: &Viewer,
    round_id: i64,
    today: NaiveDate,
) -> AppResult<()> {
    crate::services::access::require_org_manager(viewer)?;
    db::write_transaction(conn, |conn| {
        let (round, unit, _, _) = load_round(conn, round_id)?;
        if round.state != "decided" {
            return Err(AppError::Conflict(Text::new(
                "Chỉ công bố đợt đánh giá đã có quyết định của thủ trưởng.",
                "Only a decided round can be published.",
            )));
        }
        require_period_ended(&round.period, today)?;
        let now = db::now_utc();
        if !db::grading::set_round_state(
            conn,
            round_id,
            round.version,
            "published",
            None,
            Some(viewer.staff_id),
            now,
        )? {
            return Err(crate::services::access::stale());
        }
        let period =
            Period::parse(&round.period).map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
        for month in period.months() {
            db::locks::lock(
                conn,
                unit.id,
                &month.to_string(),
                Some(viewer.staff_id),
                now,
            )?;
        }
        audit::record(
            conn,
            Some(viewer.staff_id),
            "grading_round",
            round_id,
            "publish",
            Some("decided"),
            Some("published"),
            None,
            None,
        )?;
        Ok(())
    })
}

/// A grade with everything behind it (the person, those who manage the unit, the organisation).
pub fn explain(
    conn: &mut DbConnection,
    viewer: &Viewer,
    grade_id: i64,
) -> AppResult<(
    GradeRow,
    Round,
    Unit,
    PolicyRow,
    Vec<db::grading::AppealRow>,
)> {
    let grade = db::grading::grade(conn, grade_id)?.ok_or(AppError::NotFound)?;
    let (round, unit, policy, _) = load_round(conn, grade.round_id)?;
    if grade.staff_id != viewer.staff_id && !manages(viewer, &unit) {
        return Err(AppError::NotFound);
    }
    let appeals = db::grading::appeals_of_grade(conn, grade_id)?;
    Ok((grade, round, unit, policy, appeals))
}

/// Published results of a period across the organisation (every authenticated user).
pub fn published(
    conn: &mut DbConnection,
    period: Period,
) -> AppResult<Vec<(Round, Unit, Vec<GradeRow>)>> {
    let rounds = db::grading::published_rounds(conn, &period.to_string())?;
    let ids: Vec<i64> = rounds.iter().map(|r| r.id).collect();
    let mut grades: HashMap<i64, Vec<GradeRow>> = HashMap::new();
    for g in db::grading::grades_of_rounds(conn, &ids)? {
        grades.entry(g.round_id).or_default().push(g);
    }
    let unit_ids: Vec<i64> = rounds.iter().map(|r| r.unit_id).collect();
    let mut units: HashMap<i64, Unit> = db::units::find_many(conn, &unit_ids)?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let mut out = Vec::new();
    for r in rounds {
        let Some(unit) = units.remove(&r.unit_id) else {
            continue;
        };
        let g = grades.remove(&r.id).unwrap_or_default();
        out.push((r, unit, g));
    }
    Ok(out)
}
