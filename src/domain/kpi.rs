//! KPI grading of one person for one period (Decree 335/2025): 30 points of common criteria
//! scored by the evaluator, 70 points of task results computed from the approved work diary,
//! an optional bonus for recorded initiatives, capped at 100 in total.
//!
//! Task results are built from three ratios in `[0, 1]`, kept unrounded:
//! - `quantity` = min(1, credited / expected), where credited minutes are either the logged
//!   minutes (`credit_mode = hours`) or the converted products' norm minutes (`credit_mode = norm`);
//! - `quality` = credit-weighted mean of max(0, 1 − 0.25 × rework count);
//! - `progress` = credit-weighted mean of max(0, 1 − 0.25 × task delays) (see [`delays`]).
//!
//! A leader's task score is blended with the unit's result ([`unit_factor`]). The task, common,
//! bonus and total scores are rounded to two decimals exactly once, at the end, with [`round2`];
//! the total is computed from the unrounded components.
//!
//! The module also holds the year grade input ([`weighted_year_total`]) and the reward amounts
//! tied to the base salary ([`base_salary_on`], [`reward_amount`]).
//!
//! Everything here is pure: no I/O, no clock, no database. Callers aggregate the approved diary
//! entries into [`CreditedGroup`]s (an SQL `GROUP BY rework_count, delays` gives these).

use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// Maximum of the task-results part of the score.
pub const TASK_MAX: f64 = 70.0;
/// Maximum of the common-criteria part in the decree preset (three groups of 10).
pub const DECREE_COMMON_MAX: f64 = 30.0;
/// Maximum of the total score.
pub const TOTAL_MAX: f64 = 100.0;
/// Bonus cap of the Ngã Bảy preset (the default policy grants no bonus).
pub const NGA_BAY_MAX_BONUS: f64 = 3.0;
/// Share of a product's quality (or progress) points lost per send-back (or per delay).
pub const PENALTY_PER_COUNT: f64 = 0.25;
/// Default weight of the unit's result in a leader's task score.
pub const DEFAULT_LEADER_UNIT_WEIGHT: f64 = 0.5;
/// Unit factor when some direct subordinate ends the period below `complete`.
pub const UNIT_FACTOR_INCOMPLETE: f64 = 0.5;

/// How approved diary entries are credited towards the expected minutes.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum CreditMode {
    /// Credit the minutes actually logged.
    #[default]
    Hours,
    /// Credit quantity × standard minutes of the product type (the decree's converted products).
    Norm,
}

impl CreditMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hours => "hours",
            Self::Norm => "norm",
        }
    }

    /// Parses `"hours"` or `"norm"` (surrounding whitespace and ASCII case are ignored).
    pub fn parse(input: &str) -> Option<Self> {
        let input = input.trim();
        if input.eq_ignore_ascii_case("hours") {
            Some(Self::Hours)
        } else if input.eq_ignore_ascii_case("norm") {
            Some(Self::Norm)
        } else {
            None
        }
    }
}

impl fmt::Display for CreditMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How quantity, quality and progress combine into the person's own task result (`own`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Combine {
    /// own = min(1, Σ credited_i × qf_i × pf_i / expected): every product counts for its time,
    /// reduced by its own send-backs and delays; nothing credited earns nothing. The default of
    /// new policy versions.
    #[default]
    Product,
    /// own = w_q × quantity + w_l × quality + w_p × progress, with quality and progress 0 when
    /// nothing is credited.
    Weighted,
    /// The formula of the first stored versions of the presets (immutable, kept so that their
    /// rounds recompute to the same numbers): `weighted` with quality and progress counted as 1
    /// when nothing is credited. Not offered for new policy versions.
    WeightedLegacy,
}

impl Combine {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Product => "product",
            Self::Weighted => "weighted",
            Self::WeightedLegacy => "weighted_legacy",
        }
    }
}

/// Weights of quantity, quality and progress in the task score.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct KpiWeights {
    pub quantity: f64,
    pub quality: f64,
    pub progress: f64,
}

impl Default for KpiWeights {
    fn default() -> Self {
        Self {
            quantity: 1.0 / 3.0,
            quality: 1.0 / 3.0,
            progress: 1.0 / 3.0,
        }
    }
}

impl KpiWeights {
    /// Tolerance on the sum of the weights (1/3 + 1/3 + 1/3 is not exactly 1 in binary).
    pub const SUM_TOLERANCE: f64 = 1e-9;

    /// Each weight is finite and non-negative, and they sum to 1 (within [`Self::SUM_TOLERANCE`]).
    pub fn is_valid(&self) -> bool {
        let parts = [self.quantity, self.quality, self.progress];
        parts.iter().all(|w| w.is_finite() && *w >= 0.0)
            && (parts.iter().sum::<f64>() - 1.0).abs() <= Self::SUM_TOLERANCE
    }
}

/// The grading policy of an organisation (or preset).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct KpiPolicy {
    pub credit_mode: CreditMode,
    /// How the own task result is combined (see [`Combine`]). A stored policy body without this
    /// field is a first version of a preset: the services read it as [`Combine::WeightedLegacy`].
    pub combine: Combine,
    /// Should satisfy [`KpiWeights::is_valid`]; validate when the policy is saved. Left out, each
    /// weight is 1/3 (a weight left out inside takes 1/3 too).
    // No schema default here: an object-valued default is not valid for every generator (the
    // scalar weights carry theirs).
    #[schema(default)]
    pub weights: KpiWeights,
    /// Weight `w_u` of the unit factor in a leader's task score, in `[0, 1]`.
    pub leader_unit_weight: f64,
    /// Bonus cap; the bonus is clamped to `[0, max_bonus]`.
    pub max_bonus: f64,
}

impl Default for KpiPolicy {
    fn default() -> Self {
        Self {
            credit_mode: CreditMode::Hours,
            combine: Combine::Product,
            weights: KpiWeights::default(),
            leader_unit_weight: DEFAULT_LEADER_UNIT_WEIGHT,
            max_bonus: 0.0,
        }
    }
}

/// Approved entries with the same rework count and task delays, aggregated (SQL GROUP BY gives these).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CreditedGroup {
    /// Sum of the logged minutes (credited in [`CreditMode::Hours`]).
    pub minutes: i64,
    /// Sum of quantity × standard minutes of the product type (credited in [`CreditMode::Norm`]).
    pub norm_minutes: i64,
    /// Send-backs for quality of these entries.
    pub rework_count: i32,
    /// Missed due dates of these entries' task (0 for entries without a task), see [`delays`].
    pub delays: i32,
}

/// Everything [`compute`] needs about one person and one period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KpiInputs {
    /// Norm minutes of the person's working days in the period.
    pub expected: i64,
    pub groups: Vec<CreditedGroup>,
    pub is_leader: bool,
    /// For a leader: [`unit_factor`] of the unit. Ignored for non-leaders. A leader without a
    /// unit factor (e.g. no direct subordinates) is graded on their own results only.
    pub unit_factor: Option<f64>,
    /// The evaluator's per-group scores of the common criteria; empty when not yet scored.
    pub common_scores: Vec<f64>,
    /// Maximum of the common criteria ([`DECREE_COMMON_MAX`] in the decree preset).
    pub common_max: f64,
    /// Bonus for recorded initiatives, before clamping to the policy's maximum.
    pub bonus: f64,
}

/// The graded result with every intermediate figure, for display and audit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct KpiBreakdown {
    /// Expected minutes (negative input counts as 0).
    pub expected: i64,
    /// Credited minutes under the policy's credit mode.
    pub credited: i64,
    /// In `[0, 1]`, unrounded.
    pub quantity: f64,
    /// In `[0, 1]`, unrounded.
    pub quality: f64,
    /// In `[0, 1]`, unrounded.
    pub progress: f64,
    /// The own task result under the policy's [`Combine`], in `[0, 1]`, unrounded.
    pub own_score: f64,
    /// The unit factor blended into a leader's task score; `None` when no blend was applied.
    pub unit_factor: Option<f64>,
    /// Rounded to 2 decimals.
    pub task_score: f64,
    /// Rounded to 2 decimals.
    pub common_score: f64,
    /// True when the evaluator has not scored the common criteria (counted as 0).
    pub common_missing: bool,
    /// Rounded to 2 decimals.
    pub bonus: f64,
    /// min(100, common + task + bonus) of the UNROUNDED components, then rounded to 2 decimals.
    pub total: f64,
    /// True when nothing was expected of the person in the period (expected = 0).
    pub not_graded: bool,
}

/// Grades one person for one period under `policy`.
///
/// Out-of-range inputs are clamped rather than rejected: negative minutes, counts, expected
/// minutes and bonuses count as 0; non-finite scores count as 0; the unit factor and the leader
/// unit weight are clamped to `[0, 1]`. The weights are used as given (validate them with
/// [`KpiWeights::is_valid`] when the policy is saved); the own score is clamped to `[0, 1]`.
///
/// With `expected = 0` the person is `not_graded`: quantity is 0 and the remaining figures are
/// still computed for display, but the total must not be used for ranking.
pub fn compute(inputs: &KpiInputs, policy: &KpiPolicy) -> KpiBreakdown {
    let expected = inputs.expected.max(0);
    let not_graded = expected == 0;

    let mut credited: i64 = 0;
    let mut quality_points = 0.0;
    let mut progress_points = 0.0;
    let mut product_points = 0.0;
    for group in &inputs.groups {
        let minutes = match policy.credit_mode {
            CreditMode::Hours => group.minutes,
            CreditMode::Norm => group.norm_minutes,
        }
        .max(0);
        credited = credited.saturating_add(minutes);
        let weight = minutes as f64;
        let (qf, pf) = (
            penalty_factor(group.rework_count),
            penalty_factor(group.delays),
        );
        quality_points += weight * qf;
        progress_points += weight * pf;
        product_points += weight * qf * pf;
    }

    let quantity = if not_graded {
        0.0
    } else {
        (credited as f64 / expected as f64).min(1.0)
    };
    let (quality, progress) = if credited == 0 {
        // Nothing credited, nothing to judge: 0 (the first preset versions counted 1).
        if policy.combine == Combine::WeightedLegacy {
            (1.0, 1.0)
        } else {
            (0.0, 0.0)
        }
    } else {
        let total = credited as f64;
        (
            (quality_points / total).clamp(0.0, 1.0),
            (progress_points / total).clamp(0.0, 1.0),
        )
    };

    let weights = &policy.weights;
    let own_score = match policy.combine {
        Combine::Product if not_graded => 0.0,
        Combine::Product => clamp_or(product_points / expected as f64, 0.0, 1.0),
        Combine::Weighted | Combine::WeightedLegacy => clamp_or(
            weights.quantity * quantity + weights.quality * quality + weights.progress * progress,
            0.0,
            1.0,
        ),
    };

    let unit = if inputs.is_leader {
        inputs.unit_factor.map(|factor| clamp_or(factor, 0.0, 1.0))
    } else {
        None
    };
    let task_fraction = match unit {
        Some(factor) => {
            let unit_weight = clamp_or(policy.leader_unit_weight, 0.0, 1.0);
            (1.0 - unit_weight) * own_score + unit_weight * factor
        }
        None => own_score,
    };
    let task_score = TASK_MAX * task_fraction;

    let common_missing = inputs.common_scores.is_empty();
    let common_max = clamp_or(inputs.common_max, 0.0, f64::MAX);
    let common_sum: f64 = inputs
        .common_scores
        .iter()
        .map(|score| if score.is_finite() { *score } else { 0.0 })
        .sum();
    let common_score = clamp_or(common_sum, 0.0, common_max);

    let max_bonus = clamp_or(policy.max_bonus, 0.0, f64::MAX);
    let bonus = clamp_or(inputs.bonus, 0.0, max_bonus);

    let total = (common_score + task_score + bonus).min(TOTAL_MAX);

    KpiBreakdown {
        expected,
        credited,
        quantity,
        quality,
        progress,
        own_score,
        unit_factor: unit,
        task_score: round2(task_score),
        common_score: round2(common_score),
        common_missing,
        bonus: round2(bonus),
        total: round2(total),
        not_graded,
    }
}

/// Missed due dates of a task completed (or still open) on `done_or_as_of`: 0 when on time,
/// otherwise one for missing the due date plus one per further full 7 days late
/// (1..=7 days late → 1, 8..=14 → 2, ...).
pub fn delays(due: NaiveDate, done_or_as_of: NaiveDate) -> i32 {
    let days_late = done_or_as_of.signed_duration_since(due).num_days();
    if days_late <= 0 {
        return 0;
    }
    i32::try_from(1 + (days_late - 1) / 7).unwrap_or(i32::MAX)
}

/// 1.0 when every direct subordinate ends the period `complete` or better, else 0.5.
pub fn unit_factor(all_direct_subordinates_complete_or_better: bool) -> f64 {
    if all_direct_subordinates_complete_or_better {
        1.0
    } else {
        UNIT_FACTOR_INCOMPLETE
    }
}

/// Rounds half away from zero at 2 decimals, robust to binary noise.
///
/// Decimal halves such as 2.675, 66.665 or 1.005 are not representable in binary: the stored
/// doubles are 2.67499999999999982…, 66.66499999999999204… and 1.00499999999999989…. Whether
/// a naive `(x * 100).round() / 100` still rounds them up depends on how the multiplication
/// happens to round (1.005 × 100 = 100.49999999999999 → 1.00, 0.285 → 0.28, 4.015 → 4.01),
/// although the rulebook and every hand computation round them up. Sums and products of the
/// score components carry the same kind of noise, a few ulps. Nudging the scaled value away
/// from zero by a relative 1e-12 (thousands of ulps, yet far below the 0.005 granularity that
/// matters) moves such values back over the half before rounding.
pub fn round2(x: f64) -> f64 {
    // `+ 0.0` turns -0.0 (e.g. −0.001 rounded) into 0.0: never `-0.00` in any output.
    round_half_away(x, 100.0) + 0.0
}

/// `v` with `decimals` digits for every text output (CSV, messages, report metadata), never
/// `-0.00`: a value that rounds to zero at that precision is written unsigned (`-0.0`,
/// `-0.004` → `0.00`; `-0.006` → `-0.01`). The one place numbers are turned into text.
pub fn fixed(v: f64, decimals: usize) -> String {
    let text = format!("{:.*}", decimals, v);
    match text.strip_prefix('-') {
        Some(rest) if rest.chars().all(|c| c == '0' || c == '.') => rest.to_owned(),
        _ => text,
    }
}

/// `-0.0` (and anything that rounds to zero at 6 decimals) as `0.0`, for numbers written as
/// numbers (XLSX cells): never a negative zero in a sheet.
pub fn no_neg_zero(v: f64) -> f64 {
    if v.abs() < 5e-7 {
        0.0
    } else {
        v
    }
}

/// Relative nudge applied by [`round2`] and [`reward_amount`] before rounding; see [`round2`].
const ROUNDING_NUDGE: f64 = 1e-12;

fn round_half_away(x: f64, scale: f64) -> f64 {
    if !x.is_finite() {
        return x;
    }
    let scaled = x * scale;
    // From 2^52 on every double is an integer: there is nothing left to round.
    if scaled.abs() >= 4_503_599_627_370_496.0 {
        return x;
    }
    (scaled * (1.0 + ROUNDING_NUDGE)).round() / scale
}

/// Year total: average of the period totals weighted by working days worked in each period.
///
/// Periods with no (or a negative number of) days worked, or a non-finite total, are ignored.
/// `None` when no days were worked at all. The result is rounded with [`round2`].
pub fn weighted_year_total(periods: &[(f64, i64)]) -> Option<f64> {
    let (weighted_sum, days) = periods
        .iter()
        .filter(|(total, days)| *days > 0 && total.is_finite())
        .fold((0.0, 0_i64), |(sum, days_sum), (total, days)| {
            (sum + total * *days as f64, days_sum.saturating_add(*days))
        });
    (days > 0).then(|| round2(weighted_sum / days as f64))
}

/// Base salary (mức lương cơ sở) schedule, newest first: (year, month, day in force, VND).
const BASE_SALARY_SCHEDULE: [((i32, u32, u32), i64); 2] =
    [((2026, 7, 1), 2_530_000), ((2024, 7, 1), 2_340_000)];

/// Base salary (mức lương cơ sở) in force on a day, VND: 2,340,000 from 2024-07-01; 2,530,000 from 2026-07-01 (None before 2024-07-01).
pub fn base_salary_on(day: NaiveDate) -> Option<i64> {
    let key = (day.year(), day.month(), day.day());
    BASE_SALARY_SCHEDULE
        .iter()
        .find(|(from, _)| key >= *from)
        .map(|(_, amount)| *amount)
}

/// How a reward is valued.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RewardRule {
    /// A multiple of the base salary in force on the period's last day.
    MultipleOfBase(f64),
    /// A fixed amount in VND.
    Fixed(i64),
}

/// Reward in VND: multiple × base salary in force on the period's last day, rounded to the
/// nearest VND (half away from zero); a fixed amount as is.
///
/// `None` when no base salary is known for that day, or the multiple is negative or not finite.
pub fn reward_amount(rule: &RewardRule, period_last_day: NaiveDate) -> Option<i64> {
    match *rule {
        RewardRule::Fixed(amount) => Some(amount),
        RewardRule::MultipleOfBase(multiple) => {
            if !multiple.is_finite() || multiple < 0.0 {
                return None;
            }
            let base = base_salary_on(period_last_day)?;
            let amount = round_half_away(multiple * base as f64, 1.0);
            // `as` saturates; reject amounts beyond i64 instead of silently capping them.
            (amount < i64::MAX as f64).then_some(amount as i64)
        }
    }
}

/// max(0, 1 − 0.25 × count); negative counts count as 0.
fn penalty_factor(count: i32) -> f64 {
    (1.0 - PENALTY_PER_COUNT * f64::from(count.max(0))).max(0.0)
}

/// Clamps to `[lo, hi]` (requires `lo <= hi`), mapping NaN to `lo`.
fn clamp_or(x: f64, lo: f64, hi: f64) -> f64 {
    if x.is_nan() {
        lo
    } else {
        x.clamp(lo, hi)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOL: f64 = 1e-12;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    /// A group credited the same in both modes.
    fn g(minutes: i64, rework_count: i32, delays: i32) -> CreditedGroup {
        CreditedGroup {
            minutes,
            norm_minutes: minutes,
            rework_count,
            delays,
        }
    }

    /// A group with distinct logged and norm minutes.
    fn gn(minutes: i64, norm_minutes: i64, rework_count: i32) -> CreditedGroup {
        CreditedGroup {
            minutes,
            norm_minutes,
            rework_count,
            delays: 0,
        }
    }

    /// 20 working days × 480 minutes.
    const EXPECTED_20_DAYS: i64 = 9600;

    fn inputs(expected: i64, groups: Vec<CreditedGroup>, common: &[f64]) -> KpiInputs {
        KpiInputs {
            expected,
            groups,
            is_leader: false,
            unit_factor: None,
            common_scores: common.to_vec(),
            common_max: DECREE_COMMON_MAX,
            bonus: 0.0,
        }
    }

    fn leader(unit: Option<f64>) -> KpiInputs {
        KpiInputs {
            is_leader: true,
            unit_factor: unit,
            ..inputs(EXPECTED_20_DAYS, vec![g(8400, 0, 0)], &[9.0, 8.0, 8.0])
        }
    }

    fn with_bonus(bonus: f64) -> KpiInputs {
        KpiInputs {
            bonus,
            ..inputs(EXPECTED_20_DAYS, vec![g(8400, 0, 0)], &[9.0, 8.0, 8.0])
        }
    }

    /// The first preset versions' formula: the hand-computed cases below were written for it
    /// and still hold for rounds recorded under those versions.
    fn legacy() -> KpiPolicy {
        KpiPolicy {
            combine: Combine::WeightedLegacy,
            ..KpiPolicy::default()
        }
    }

    fn norm_policy() -> KpiPolicy {
        KpiPolicy {
            credit_mode: CreditMode::Norm,
            ..legacy()
        }
    }

    fn nga_bay_policy() -> KpiPolicy {
        KpiPolicy {
            max_bonus: NGA_BAY_MAX_BONUS,
            ..legacy()
        }
    }

    struct Case {
        name: &'static str,
        inputs: KpiInputs,
        policy: KpiPolicy,
        credited: i64,
        quantity: f64,
        quality: f64,
        progress: f64,
        unit_factor: Option<f64>,
        task_score: f64,
        common_score: f64,
        common_missing: bool,
        bonus: f64,
        total: f64,
        not_graded: bool,
    }

    #[test]
    fn compute_matches_hand_computed_examples() {
        let cases = vec![
            // Default policy, 20 days × 480 = 9600 expected, 8400 approved, no rework, no task.
            // quantity = 8400 / 9600 = 0.875; quality = progress = 1.
            // task = 70 × (0.875 + 1 + 1) / 3 = 70 × 2.875 / 3 = 201.25 / 3 = 67.08333… → 67.08
            // common = 9 + 8 + 8 = 25; total = 25 + 67.08333… = 92.08333… → 92.08
            Case {
                name: "default policy, hours",
                inputs: inputs(EXPECTED_20_DAYS, vec![g(8400, 0, 0)], &[9.0, 8.0, 8.0]),
                policy: legacy(),
                credited: 8400,
                quantity: 0.875,
                quality: 1.0,
                progress: 1.0,
                unit_factor: None,
                task_score: 67.08,
                common_score: 25.0,
                common_missing: false,
                bonus: 0.0,
                total: 92.08,
                not_graded: false,
            },
            // Rework: A = 6000 min rework 0, B = 2400 min rework 2 (factor 1 − 0.5 = 0.5).
            // quality = (6000 × 1 + 2400 × 0.5) / 8400 = 7200 / 8400 = 6/7 = 0.857142…
            // task = 70 × (0.875 + 6/7 + 1) / 3 = (61.25 + 60 + 70) / 3 = 191.25 / 3 = 63.75
            // common = 8 × 3 = 24; total = 24 + 63.75 = 87.75
            Case {
                name: "rework",
                inputs: inputs(
                    EXPECTED_20_DAYS,
                    vec![g(6000, 0, 0), g(2400, 2, 0)],
                    &[8.0, 8.0, 8.0],
                ),
                policy: legacy(),
                credited: 8400,
                quantity: 0.875,
                quality: 6.0 / 7.0,
                progress: 1.0,
                unit_factor: None,
                task_score: 63.75,
                common_score: 24.0,
                common_missing: false,
                bonus: 0.0,
                total: 87.75,
                not_graded: false,
            },
            // Rework 5 → 1 − 1.25 clamped to 0: quality = (4200 × 1 + 4200 × 0) / 8400 = 0.5
            // task = 70 × (0.875 + 0.5 + 1) / 3 = (61.25 + 35 + 70) / 3 = 166.25 / 3 = 55.41666… → 55.42
            // total = 25 + 55.41666… = 80.41666… → 80.42
            Case {
                name: "rework beyond four send-backs clamps at 0",
                inputs: inputs(
                    EXPECTED_20_DAYS,
                    vec![g(4200, 0, 0), g(4200, 5, 0)],
                    &[9.0, 8.0, 8.0],
                ),
                policy: legacy(),
                credited: 8400,
                quantity: 0.875,
                quality: 0.5,
                progress: 1.0,
                unit_factor: None,
                task_score: 55.42,
                common_score: 25.0,
                common_missing: false,
                bonus: 0.0,
                total: 80.42,
                not_graded: false,
            },
            // Delays: 4800 min on time (or no task), 2400 min delays 1 (factor 0.75),
            // 1200 min delays 5 (1 − 1.25 → clamped 0).
            // progress = (4800 + 2400 × 0.75 + 1200 × 0) / 8400 = 6600 / 8400 = 11/14 = 0.785714…
            // task = 70 × (0.875 + 1 + 11/14) / 3 = (61.25 + 70 + 55) / 3 = 186.25 / 3 = 62.08333… → 62.08
            // total = 25 + 62.08333… = 87.08333… → 87.08
            Case {
                name: "delays",
                inputs: inputs(
                    EXPECTED_20_DAYS,
                    vec![g(4800, 0, 0), g(2400, 0, 1), g(1200, 0, 5)],
                    &[9.0, 8.0, 8.0],
                ),
                policy: legacy(),
                credited: 8400,
                quantity: 0.875,
                quality: 1.0,
                progress: 11.0 / 14.0,
                unit_factor: None,
                task_score: 62.08,
                common_score: 25.0,
                common_missing: false,
                bonus: 0.0,
                total: 87.08,
                not_graded: false,
            },
            // credit_mode = norm: A logged 6000 / norm 4800 rework 0; B logged 2400 / norm 2400 rework 1.
            // credited = 4800 + 2400 = 7200; quantity = 7200 / 9600 = 0.75
            // quality = (4800 + 2400 × 0.75) / 7200 = 6600 / 7200 = 11/12 = 0.91666…
            // task = 70 × (0.75 + 11/12 + 1) / 3 = (52.5 + 64.1666… + 70) / 3 = 186.6666… / 3
            //      = 62.2222… → 62.22; total = 25 + 62.2222… = 87.2222… → 87.22
            Case {
                name: "norm mode credits norm minutes",
                inputs: inputs(
                    EXPECTED_20_DAYS,
                    vec![gn(6000, 4800, 0), gn(2400, 2400, 1)],
                    &[9.0, 8.0, 8.0],
                ),
                policy: norm_policy(),
                credited: 7200,
                quantity: 0.75,
                quality: 11.0 / 12.0,
                progress: 1.0,
                unit_factor: None,
                task_score: 62.22,
                common_score: 25.0,
                common_missing: false,
                bonus: 0.0,
                total: 87.22,
                not_graded: false,
            },
            // Same groups in hours mode: credited = 6000 + 2400 = 8400; quantity 0.875
            // quality = (6000 + 2400 × 0.75) / 8400 = 7800 / 8400 = 13/14 = 0.928571…
            // task = 70 × (0.875 + 13/14 + 1) / 3 = (61.25 + 65 + 70) / 3 = 196.25 / 3 = 65.41666… → 65.42
            // total = 25 + 65.41666… = 90.41666… → 90.42
            Case {
                name: "hours mode ignores norm minutes",
                inputs: inputs(
                    EXPECTED_20_DAYS,
                    vec![gn(6000, 4800, 0), gn(2400, 2400, 1)],
                    &[9.0, 8.0, 8.0],
                ),
                policy: legacy(),
                credited: 8400,
                quantity: 0.875,
                quality: 13.0 / 14.0,
                progress: 1.0,
                unit_factor: None,
                task_score: 65.42,
                common_score: 25.0,
                common_missing: false,
                bonus: 0.0,
                total: 90.42,
                not_graded: false,
            },
            // Over-logging: 12000 / 9600 = 1.25 → capped at 1. task = 70 × 3 / 3 = 70
            // total = 25 + 70 = 95
            Case {
                name: "over-logging caps quantity at 1",
                inputs: inputs(EXPECTED_20_DAYS, vec![g(12000, 0, 0)], &[9.0, 8.0, 8.0]),
                policy: legacy(),
                credited: 12000,
                quantity: 1.0,
                quality: 1.0,
                progress: 1.0,
                unit_factor: None,
                task_score: 70.0,
                common_score: 25.0,
                common_missing: false,
                bonus: 0.0,
                total: 95.0,
                not_graded: false,
            },
            // expected = 0 → not graded, quantity 0; quality = progress = 1.
            // task = 70 × (0 + 1 + 1) / 3 = 46.666… → 46.67; total = 25 + 46.666… = 71.666… → 71.67
            Case {
                name: "expected 0 is not graded",
                inputs: inputs(0, vec![g(480, 0, 0)], &[9.0, 8.0, 8.0]),
                policy: legacy(),
                credited: 480,
                quantity: 0.0,
                quality: 1.0,
                progress: 1.0,
                unit_factor: None,
                task_score: 46.67,
                common_score: 25.0,
                common_missing: false,
                bonus: 0.0,
                total: 71.67,
                not_graded: true,
            },
            // Nothing credited: quantity 0 / 9600 = 0; quality = progress = 1 by definition.
            // task = 70 × 2 / 3 = 46.666… → 46.67; total = 25 + 46.666… → 71.67
            Case {
                name: "nothing credited",
                inputs: inputs(EXPECTED_20_DAYS, vec![], &[9.0, 8.0, 8.0]),
                policy: legacy(),
                credited: 0,
                quantity: 0.0,
                quality: 1.0,
                progress: 1.0,
                unit_factor: None,
                task_score: 46.67,
                common_score: 25.0,
                common_missing: false,
                bonus: 0.0,
                total: 71.67,
                not_graded: false,
            },
            // Leader, unit factor 0.5: own = 2.875 / 3 = 0.958333…
            // task = 70 × (0.5 × 0.958333… + 0.5 × 0.5) = 70 × 0.729166… = 51.041666… → 51.04
            // total = 25 + 51.041666… = 76.041666… → 76.04
            Case {
                name: "leader, some subordinate below complete",
                inputs: leader(Some(unit_factor(false))),
                policy: legacy(),
                credited: 8400,
                quantity: 0.875,
                quality: 1.0,
                progress: 1.0,
                unit_factor: Some(0.5),
                task_score: 51.04,
                common_score: 25.0,
                common_missing: false,
                bonus: 0.0,
                total: 76.04,
                not_graded: false,
            },
            // Leader, unit factor 1: task = 70 × (0.5 × 0.958333… + 0.5 × 1) = 70 × 0.979166…
            //      = 68.541666… → 68.54; total = 25 + 68.541666… = 93.541666… → 93.54
            Case {
                name: "leader, every subordinate complete",
                inputs: leader(Some(unit_factor(true))),
                policy: legacy(),
                credited: 8400,
                quantity: 0.875,
                quality: 1.0,
                progress: 1.0,
                unit_factor: Some(1.0),
                task_score: 68.54,
                common_score: 25.0,
                common_missing: false,
                bonus: 0.0,
                total: 93.54,
                not_graded: false,
            },
            // Leader without a unit factor: own results only, as in the default case → 67.08, 92.08.
            Case {
                name: "leader without unit factor",
                inputs: leader(None),
                policy: legacy(),
                credited: 8400,
                quantity: 0.875,
                quality: 1.0,
                progress: 1.0,
                unit_factor: None,
                task_score: 67.08,
                common_score: 25.0,
                common_missing: false,
                bonus: 0.0,
                total: 92.08,
                not_graded: false,
            },
            // A non-leader's unit factor is ignored → 67.08, 92.08.
            Case {
                name: "non-leader ignores unit factor",
                inputs: KpiInputs {
                    unit_factor: Some(0.5),
                    ..inputs(EXPECTED_20_DAYS, vec![g(8400, 0, 0)], &[9.0, 8.0, 8.0])
                },
                policy: legacy(),
                credited: 8400,
                quantity: 0.875,
                quality: 1.0,
                progress: 1.0,
                unit_factor: None,
                task_score: 67.08,
                common_score: 25.0,
                common_missing: false,
                bonus: 0.0,
                total: 92.08,
                not_graded: false,
            },
            // Ngã Bảy-like policy (max 3): bonus 5 → 3; total = 25 + 67.08333… + 3 = 95.08333… → 95.08
            Case {
                name: "bonus clamped to the preset maximum",
                inputs: with_bonus(5.0),
                policy: nga_bay_policy(),
                credited: 8400,
                quantity: 0.875,
                quality: 1.0,
                progress: 1.0,
                unit_factor: None,
                task_score: 67.08,
                common_score: 25.0,
                common_missing: false,
                bonus: 3.0,
                total: 95.08,
                not_graded: false,
            },
            // Bonus 1.5 within max 3: total = 25 + 67.08333… + 1.5 = 93.58333… → 93.58
            Case {
                name: "bonus within the maximum",
                inputs: with_bonus(1.5),
                policy: nga_bay_policy(),
                credited: 8400,
                quantity: 0.875,
                quality: 1.0,
                progress: 1.0,
                unit_factor: None,
                task_score: 67.08,
                common_score: 25.0,
                common_missing: false,
                bonus: 1.5,
                total: 93.58,
                not_graded: false,
            },
            // Default policy (max 0): bonus 5 → 0; total = 92.08 as in the default case.
            Case {
                name: "bonus clamped to 0 by default",
                inputs: with_bonus(5.0),
                policy: legacy(),
                credited: 8400,
                quantity: 0.875,
                quality: 1.0,
                progress: 1.0,
                unit_factor: None,
                task_score: 67.08,
                common_score: 25.0,
                common_missing: false,
                bonus: 0.0,
                total: 92.08,
                not_graded: false,
            },
            // Negative bonus → 0.
            Case {
                name: "negative bonus clamped to 0",
                inputs: with_bonus(-2.0),
                policy: nga_bay_policy(),
                credited: 8400,
                quantity: 0.875,
                quality: 1.0,
                progress: 1.0,
                unit_factor: None,
                task_score: 67.08,
                common_score: 25.0,
                common_missing: false,
                bonus: 0.0,
                total: 92.08,
                not_graded: false,
            },
            // Cap: common 30 + task 70 (9600 / 9600) + bonus 3 = 103 → 100.
            Case {
                name: "total capped at 100",
                inputs: KpiInputs {
                    bonus: 3.0,
                    ..inputs(EXPECTED_20_DAYS, vec![g(9600, 0, 0)], &[10.0, 10.0, 10.0])
                },
                policy: nga_bay_policy(),
                credited: 9600,
                quantity: 1.0,
                quality: 1.0,
                progress: 1.0,
                unit_factor: None,
                task_score: 70.0,
                common_score: 30.0,
                common_missing: false,
                bonus: 3.0,
                total: 100.0,
                not_graded: false,
            },
            // Common criteria not scored: counted as 0 and flagged; total = 0 + 67.08333… → 67.08
            Case {
                name: "missing evaluator score",
                inputs: inputs(EXPECTED_20_DAYS, vec![g(8400, 0, 0)], &[]),
                policy: legacy(),
                credited: 8400,
                quantity: 0.875,
                quality: 1.0,
                progress: 1.0,
                unit_factor: None,
                task_score: 67.08,
                common_score: 0.0,
                common_missing: true,
                bonus: 0.0,
                total: 67.08,
                not_graded: false,
            },
            // Common sum 10 + 10 + 10 + 5 = 35 → clamped to 30; total = 30 + 67.08333… → 97.08
            Case {
                name: "common sum clamped to common_max",
                inputs: inputs(
                    EXPECTED_20_DAYS,
                    vec![g(8400, 0, 0)],
                    &[10.0, 10.0, 10.0, 5.0],
                ),
                policy: legacy(),
                credited: 8400,
                quantity: 0.875,
                quality: 1.0,
                progress: 1.0,
                unit_factor: None,
                task_score: 67.08,
                common_score: 30.0,
                common_missing: false,
                bonus: 0.0,
                total: 97.08,
                not_graded: false,
            },
            // Rounding once, at the end. 8640 / 9600 = 0.9 → task = 70 × 2.9 / 3 = 67.6666… (→ 67.67)
            // common = 8.5 + 8.25 + 8.125 = 24.875 (→ 24.88, a genuine half)
            // total = 24.875 + 67.6666… = 92.541666… → 92.54
            // whereas rounding the components first would give 24.88 + 67.67 = 92.55.
            Case {
                name: "total from unrounded components",
                inputs: inputs(EXPECTED_20_DAYS, vec![g(8640, 0, 0)], &[8.5, 8.25, 8.125]),
                policy: legacy(),
                credited: 8640,
                quantity: 0.9,
                quality: 1.0,
                progress: 1.0,
                unit_factor: None,
                task_score: 67.67,
                common_score: 24.88,
                common_missing: false,
                bonus: 0.0,
                total: 92.54,
                not_graded: false,
            },
            // Custom weights 0.5 / 0.25 / 0.25 on the rework case:
            // own = 0.5 × 0.875 + 0.25 × 6/7 + 0.25 × 1 = 0.4375 + 0.2142857… + 0.25 = 0.9017857…
            // task = 70 × 0.9017857… = 30.625 + 15 + 17.5 = 63.125 → 63.13 (half away from zero)
            // total = 24 + 63.125 = 87.125 → 87.13
            Case {
                name: "custom weights, half rounds up",
                inputs: inputs(
                    EXPECTED_20_DAYS,
                    vec![g(6000, 0, 0), g(2400, 2, 0)],
                    &[8.0, 8.0, 8.0],
                ),
                policy: KpiPolicy {
                    weights: KpiWeights {
                        quantity: 0.5,
                        quality: 0.25,
                        progress: 0.25,
                    },
                    ..legacy()
                },
                credited: 8400,
                quantity: 0.875,
                quality: 6.0 / 7.0,
                progress: 1.0,
                unit_factor: None,
                task_score: 63.13,
                common_score: 24.0,
                common_missing: false,
                bonus: 0.0,
                total: 87.13,
                not_graded: false,
            },
            // Garbage in is clamped: negative expected → 0 (not graded); negative minutes and
            // counts → 0. credited = 480 + 0 = 480; quality = progress = 480 × 1 / 480 = 1.
            // task = 70 × 2 / 3 → 46.67; total = 25 + 46.666… → 71.67
            Case {
                name: "negative inputs clamped",
                inputs: inputs(-5, vec![g(480, -1, -3), g(-100, 2, 2)], &[9.0, 8.0, 8.0]),
                policy: legacy(),
                credited: 480,
                quantity: 0.0,
                quality: 1.0,
                progress: 1.0,
                unit_factor: None,
                task_score: 46.67,
                common_score: 25.0,
                common_missing: false,
                bonus: 0.0,
                total: 71.67,
                not_graded: true,
            },
        ];

        for case in cases {
            let got = compute(&case.inputs, &case.policy);
            let name = case.name;
            assert_eq!(got.credited, case.credited, "{name}: credited");
            assert!(
                (got.quantity - case.quantity).abs() < TOL,
                "{name}: quantity {}",
                got.quantity
            );
            assert!(
                (got.quality - case.quality).abs() < TOL,
                "{name}: quality {}",
                got.quality
            );
            assert!(
                (got.progress - case.progress).abs() < TOL,
                "{name}: progress {}",
                got.progress
            );
            assert_eq!(got.unit_factor, case.unit_factor, "{name}: unit_factor");
            assert_eq!(got.task_score, case.task_score, "{name}: task_score");
            assert_eq!(got.common_score, case.common_score, "{name}: common_score");
            assert_eq!(
                got.common_missing, case.common_missing,
                "{name}: common_missing"
            );
            assert_eq!(got.bonus, case.bonus, "{name}: bonus");
            assert_eq!(got.total, case.total, "{name}: total");
            assert_eq!(got.not_graded, case.not_graded, "{name}: not_graded");
            assert_eq!(
                got.expected,
                case.inputs.expected.max(0),
                "{name}: expected"
            );
        }
    }

    #[test]
    fn product_combine_hand_computed() {
        // (case, groups, common, task, total, quality, progress); 20 days × 480 = 9600 expected.
        let product = KpiPolicy::default();
        type Row = (&'static str, Vec<CreditedGroup>, f64, f64, f64, f64);
        let table: Vec<Row> = vec![
            // Logged nothing: own = 0 → task 0; quality = progress = 0 (nothing to judge).
            ("nothing credited", vec![], 0.0, 0.0, 0.0, 0.0),
            // Half the norm (4800) at perfect quality: own = 4800 / 9600 = 0.5 → task 35.
            (
                "half the norm, perfect",
                vec![g(4800, 0, 0)],
                35.0,
                35.0,
                1.0,
                1.0,
            ),
            // Full norm, 2400 of it sent back once for quality (qf 0.75):
            // own = (7200 × 1 + 2400 × 0.75) / 9600 = 9000 / 9600 = 0.9375 → task 65.625 → 65.63
            // quality = 9000 / 9600 = 0.9375.
            (
                "full norm, one rework on part",
                vec![g(7200, 0, 0), g(2400, 1, 0)],
                65.63,
                65.63,
                0.9375,
                1.0,
            ),
            // 3600 with rework 1 and one delay: qf × pf = 0.75 × 0.75 = 0.5625;
            // own = (6000 + 3600 × 0.5625) / 9600 = (6000 + 2025) / 9600 = 0.8359375 → 58.515625 → 58.52
            (
                "rework and delay multiply",
                vec![g(6000, 0, 0), g(3600, 1, 1)],
                58.52,
                58.52,
                (6000.0 + 2700.0) / 9600.0,
                (6000.0 + 2700.0) / 9600.0,
            ),
            // Over the norm is capped: own = min(1, 12000 / 9600) = 1 → 70.
            ("over the norm", vec![g(12000, 0, 0)], 70.0, 70.0, 1.0, 1.0),
        ];
        for (name, groups, task, total, quality, progress) in table {
            let got = compute(&inputs(EXPECTED_20_DAYS, groups, &[]), &product);
            assert_eq!(got.task_score, task, "{name}: task");
            assert_eq!(got.total, total, "{name}: total");
            assert!((got.quality - quality).abs() < TOL, "{name}: quality");
            assert!((got.progress - progress).abs() < TOL, "{name}: progress");
        }
        // A leader with unit factor 0.5 and half the norm: 70 × (0.5 × 0.5 + 0.5 × 0.5) = 35.
        let mut l = leader(Some(0.5));
        l.groups = vec![g(4800, 0, 0)];
        l.common_scores = vec![];
        assert_eq!(compute(&l, &product).task_score, 35.0);
        // Not graded (nothing expected): own 0 under product.
        let ng = compute(&inputs(0, vec![g(480, 0, 0)], &[]), &product);
        assert!(ng.not_graded);
        assert_eq!(ng.task_score, 0.0);
    }

    #[test]
    fn nothing_credited_per_combine() {
        // Logged nothing, 9600 expected, no common scores yet.
        let nothing = inputs(EXPECTED_20_DAYS, vec![], &[]);
        let task = |combine| {
            compute(
                &nothing,
                &KpiPolicy {
                    combine,
                    ..KpiPolicy::default()
                },
            )
        };
        // product: 0; weighted: (0 + 0 + 0) / 3 = 0; the first preset versions:
        // 70 × (0 + 1 + 1) / 3 = 46.666… → 46.67 (kept so their rounds recompute the same).
        assert_eq!(task(Combine::Product).task_score, 0.0);
        let weighted = task(Combine::Weighted);
        assert_eq!(weighted.task_score, 0.0);
        assert_eq!((weighted.quality, weighted.progress), (0.0, 0.0));
        let old = task(Combine::WeightedLegacy);
        assert_eq!(old.task_score, 46.67);
        assert_eq!((old.quality, old.progress), (1.0, 1.0));
        // Weighted with half the norm at perfect quality: 70 × (0.5 + 1 + 1) / 3 = 58.33.
        let half = compute(
            &inputs(EXPECTED_20_DAYS, vec![g(4800, 0, 0)], &[]),
            &KpiPolicy {
                combine: Combine::Weighted,
                ..KpiPolicy::default()
            },
        );
        assert_eq!(half.task_score, 58.33);
    }

    #[test]
    fn own_score_is_the_weighted_mean_before_blending() {
        // Default case: own = (0.875 + 1 + 1) / 3 = 0.958333…; leader blend does not change it.
        let own = 2.875 / 3.0;
        let plain = compute(
            &inputs(EXPECTED_20_DAYS, vec![g(8400, 0, 0)], &[9.0, 8.0, 8.0]),
            &legacy(),
        );
        let blended = compute(&leader(Some(0.5)), &legacy());
        assert!((plain.own_score - own).abs() < TOL);
        assert!((blended.own_score - own).abs() < TOL);
    }

    #[test]
    fn rounding_components_first_would_change_the_total() {
        // Same inputs as the "total from unrounded components" case.
        let got = compute(
            &inputs(EXPECTED_20_DAYS, vec![g(8640, 0, 0)], &[8.5, 8.25, 8.125]),
            &legacy(),
        );
        // 24.88 + 67.67 = 92.55 ≠ 92.54 = round2(24.875 + 67.6666…)
        assert_eq!(round2(got.common_score + got.task_score + got.bonus), 92.55);
        assert_eq!(got.total, 92.54);
    }

    #[test]
    fn delays_table() {
        let due = day(2026, 11, 10);
        let table = [
            (day(2026, 11, 1), 0),  // early
            (day(2026, 11, 10), 0), // on the due date
            (day(2026, 11, 11), 1), // 1 day late: 1 + (1 − 1) / 7 = 1
            (day(2026, 11, 17), 1), // 7 days late: 1 + 6 / 7 = 1
            (day(2026, 11, 18), 2), // 8 days late: 1 + 7 / 7 = 2
            (day(2026, 11, 24), 2), // 14 days late: 1 + 13 / 7 = 2
            (day(2026, 11, 25), 3), // 15 days late: 1 + 14 / 7 = 3
        ];
        for (done, want) in table {
            assert_eq!(delays(due, done), want, "done {done}");
        }
    }

    #[test]
    fn unit_factor_values() {
        assert_eq!(unit_factor(true), 1.0);
        assert_eq!(unit_factor(false), 0.5);
    }

    #[test]
    fn round2_never_gives_negative_zero() {
        for x in [-0.0, -0.001, -0.004_999, -1e-300] {
            let r = round2(x);
            assert_eq!(r, 0.0);
            assert!(r.is_sign_positive(), "{x} → {r:?}");
            assert_eq!(format!("{r:.2}"), "0.00");
            assert_eq!(serde_json::to_string(&r).expect("json"), "0.0");
        }
    }

    #[test]
    fn round2_table() {
        let table = [
            (2.675, 2.68),   // stored as 2.67499999999999982…
            (66.665, 66.67), // stored as 66.66499999999999204…
            (33.335, 33.34), // stored as 33.33499999999999…
            (1.005, 1.01),   // stored as 1.00499999999999989…
            (67.083333, 67.08),
            (24.875, 24.88), // exact half
            (-2.675, -2.68), // half away from zero
            (-0.004, -0.0),
            (0.0, 0.0),
            (100.0, 100.0),
            (2.674999, 2.67), // a genuine non-half stays below
        ];
        for (x, want) in table {
            assert_eq!(round2(x), want, "round2({x})");
        }
        // 33.335 + 33.335: the sum 66.67 rounds to 66.67; rounding first gives 33.34 × 2 = 66.68.
        assert_eq!(round2(33.335 + 33.335), 66.67);
        assert_eq!(round2(33.335) + round2(33.335), 66.68);
        assert!(round2(f64::NAN).is_nan());
        assert_eq!(round2(f64::INFINITY), f64::INFINITY);
        assert_eq!(round2(1e300), 1e300);
    }

    #[test]
    fn base_salary_schedule() {
        let table = [
            (day(2024, 6, 30), None),
            (day(2024, 7, 1), Some(2_340_000)),
            (day(2026, 6, 30), Some(2_340_000)),
            (day(2026, 7, 1), Some(2_530_000)),
            (day(2030, 1, 1), Some(2_530_000)),
        ];
        for (d, want) in table {
            assert_eq!(base_salary_on(d), want, "base salary on {d}");
        }
    }

    #[test]
    fn reward_amounts() {
        let table = [
            // 0.5 × 2,530,000 = 1,265,000
            (
                RewardRule::MultipleOfBase(0.5),
                day(2026, 11, 30),
                Some(1_265_000),
            ),
            // 0.5 × 2,340,000 = 1,170,000 (period ending before the 2026 raise)
            (
                RewardRule::MultipleOfBase(0.5),
                day(2026, 6, 30),
                Some(1_170_000),
            ),
            // 1.3 × 2,340,000 = 3,042,000 (1.3 is 1.30000000000000004… in binary)
            (
                RewardRule::MultipleOfBase(1.3),
                day(2025, 12, 31),
                Some(3_042_000),
            ),
            // 0.3333333 × 2,530,000 = 843,333.3333… − 0.0843… = 843,333.249 → 843,333 (nearest VND)
            (
                RewardRule::MultipleOfBase(0.3333333),
                day(2026, 12, 31),
                Some(843_333),
            ),
            // 1.0000002 × 2,530,000 = 2,530,000.506 → 2,530,001
            (
                RewardRule::MultipleOfBase(1.0000002),
                day(2026, 12, 31),
                Some(2_530_001),
            ),
            (RewardRule::Fixed(500_000), day(2020, 1, 31), Some(500_000)),
            (RewardRule::MultipleOfBase(0.5), day(2024, 6, 30), None),
            (RewardRule::MultipleOfBase(-1.0), day(2026, 11, 30), None),
            (
                RewardRule::MultipleOfBase(f64::NAN),
                day(2026, 11, 30),
                None,
            ),
        ];
        for (rule, last_day, want) in table {
            assert_eq!(
                reward_amount(&rule, last_day),
                want,
                "{rule:?} on {last_day}"
            );
        }
    }

    /// (period total, working days worked) rows and the expected year total.
    type YearCase<'a> = (&'a [(f64, i64)], Option<f64>);

    #[test]
    fn weighted_year_totals() {
        let table: [YearCase; 6] = [
            // (92.08 × 20 + 87.75 × 22) / 42 = (1841.6 + 1930.5) / 42 = 3772.1 / 42 = 89.8119… → 89.81
            (&[(92.08, 20), (87.75, 22)], Some(89.81)),
            // (80 × 10 + 90 × 30) / 40 = (800 + 2700) / 40 = 87.5
            (&[(80.0, 10), (90.0, 30)], Some(87.5)),
            // periods without days worked are ignored: 80 × 10 / 10 = 80
            (&[(80.0, 10), (0.0, 0), (50.0, -3)], Some(80.0)),
            (&[], None),
            (&[(95.0, 0)], None),
            // (70 × 1 + 71 × 2) / 3 = 212 / 3 = 70.666… → 70.67
            (&[(70.0, 1), (71.0, 2)], Some(70.67)),
        ];
        for (periods, want) in table {
            assert_eq!(weighted_year_total(periods), want, "{periods:?}");
        }
    }

    #[test]
    fn weights_validity() {
        let w = |quantity, quality, progress| KpiWeights {
            quantity,
            quality,
            progress,
        };
        let table = [
            (KpiWeights::default(), true),
            (w(0.5, 0.25, 0.25), true),
            (w(1.0, 0.0, 0.0), true),
            (w(0.5, 0.5, 0.5), false),
            (w(-0.1, 0.6, 0.5), false),
            (w(f64::NAN, 0.5, 0.5), false),
            (w(0.3, 0.3, 0.3), false),
        ];
        for (weights, want) in table {
            assert_eq!(weights.is_valid(), want, "{weights:?}");
        }
    }

    #[test]
    fn credit_mode_text_and_serde() {
        assert_eq!(CreditMode::default(), CreditMode::Hours);
        for mode in [CreditMode::Hours, CreditMode::Norm] {
            assert_eq!(CreditMode::parse(mode.as_str()), Some(mode));
            assert_eq!(mode.to_string(), mode.as_str());
        }
        assert_eq!(CreditMode::parse(" Norm "), Some(CreditMode::Norm));
        assert_eq!(CreditMode::parse("minutes"), None);
        assert_eq!(
            serde_json::to_string(&CreditMode::Norm).expect("serialize"),
            "\"norm\""
        );
    }

    #[test]
    fn policy_defaults_and_partial_json() {
        let policy = KpiPolicy::default();
        assert_eq!(policy.combine, Combine::Product);
        assert_eq!(policy.credit_mode, CreditMode::Hours);
        assert_eq!(policy.weights, KpiWeights::default());
        assert_eq!(policy.leader_unit_weight, 0.5);
        assert_eq!(policy.max_bonus, 0.0);

        let parsed: KpiPolicy =
            serde_json::from_str(r#"{"credit_mode":"norm","max_bonus":3}"#).expect("policy json");
        assert_eq!(
            parsed,
            KpiPolicy {
                credit_mode: CreditMode::Norm,
                max_bonus: NGA_BAY_MAX_BONUS,
                ..KpiPolicy::default()
            }
        );
        let weighted: KpiPolicy =
            serde_json::from_str(r#"{"combine":"weighted"}"#).expect("policy json");
        assert_eq!(weighted.combine, Combine::Weighted);

        let rule: RewardRule =
            serde_json::from_str(r#"{"multiple_of_base":0.5}"#).expect("reward json");
        assert_eq!(rule, RewardRule::MultipleOfBase(0.5));
    }

    #[test]
    fn breakdown_serializes_every_figure() {
        let got = compute(
            &inputs(EXPECTED_20_DAYS, vec![g(8400, 0, 0)], &[9.0, 8.0, 8.0]),
            &legacy(),
        );
        let json = serde_json::to_value(&got).expect("serialize");
        assert_eq!(json["total"], 92.08);
        assert_eq!(json["task_score"], 67.08);
        assert_eq!(json["credited"], 8400);
        assert_eq!(json["unit_factor"], serde_json::Value::Null);
        assert_eq!(json["not_graded"], false);
    }
}
