//! Grading of civil servants for a period (Decree 335/2025/NĐ-CP and local variants).
//!
//! This module owns:
//! - the five grades ([`Grade`]), stored by code and shown in Vietnamese or English;
//! - the grading policies ([`PolicyPreset`]): thresholds, the excellent quota, the common
//!   criteria groups and the bonus cap, shipped as versioned presets ([`presets`]) and storable
//!   as JSON when a body defines its own version ([`PolicyPreset::validate`] checks those);
//! - the grading of one unit ([`grade_unit`]), which applies the rulebook in a fixed order and
//!   records every rule that was applied as a [`Reason`] on the decision:
//!   1. thresholds on the total score (always the first reason);
//!   2. discipline at reprimand level or above → `not_complete`;
//!   3. worked less than half of the period's working days → `not_graded`;
//!   4. the excellent quota over the whole unit (surplus excellent → `good`);
//!   5. the leader downgrade for heads of unit (one level down).
//!
//! A manual override with a written reason is decided later by the caller and is not modelled
//! here. Everything is pure: no I/O, no clock, and identical input gives identical output.

use std::cmp::Ordering;
use std::fmt;

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

// ---------------------------------------------------------------------------------------------
// Grades
// ---------------------------------------------------------------------------------------------

/// Grade of one person for one period, stored by its snake_case code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    /// Hoàn thành xuất sắc nhiệm vụ.
    Excellent,
    /// Hoàn thành tốt nhiệm vụ.
    Good,
    /// Hoàn thành nhiệm vụ.
    Complete,
    /// Không hoàn thành nhiệm vụ.
    NotComplete,
    /// Chưa xếp loại: worked too little of the period to be graded.
    NotGraded,
}

impl Grade {
    /// Every grade, best first, `not_graded` last.
    pub const ALL: [Grade; 5] = [
        Grade::Excellent,
        Grade::Good,
        Grade::Complete,
        Grade::NotComplete,
        Grade::NotGraded,
    ];

    /// Stored code.
    pub fn as_str(self) -> &'static str {
        match self {
            Grade::Excellent => "excellent",
            Grade::Good => "good",
            Grade::Complete => "complete",
            Grade::NotComplete => "not_complete",
            Grade::NotGraded => "not_graded",
        }
    }

    /// Parses the stored code (surrounding whitespace ignored); `None` for anything else.
    pub fn parse(s: &str) -> Option<Grade> {
        let s = s.trim();
        Grade::ALL.into_iter().find(|g| g.as_str() == s)
    }

    /// Official Vietnamese wording.
    pub fn label_vi(self) -> &'static str {
        match self {
            Grade::Excellent => "Hoàn thành xuất sắc nhiệm vụ",
            Grade::Good => "Hoàn thành tốt nhiệm vụ",
            Grade::Complete => "Hoàn thành nhiệm vụ",
            Grade::NotComplete => "Không hoàn thành nhiệm vụ",
            Grade::NotGraded => "Chưa xếp loại",
        }
    }

    /// English wording.
    pub fn label_en(self) -> &'static str {
        match self {
            Grade::Excellent => "Excellent",
            Grade::Good => "Good",
            Grade::Complete => "Complete",
            Grade::NotComplete => "Not complete",
            Grade::NotGraded => "Not graded (worked too little of the period)",
        }
    }

    /// Rank for comparisons: excellent 4, good 3, complete 2, not_complete 1, not_graded 0.
    pub fn level(self) -> u8 {
        match self {
            Grade::Excellent => 4,
            Grade::Good => 3,
            Grade::Complete => 2,
            Grade::NotComplete => 1,
            Grade::NotGraded => 0,
        }
    }

    /// One level down: excellent → good → complete → not_complete. `not_complete` is the floor
    /// and `not_graded` stays `not_graded` (there is nothing to downgrade).
    pub fn one_level_down(self) -> Grade {
        match self {
            Grade::Excellent => Grade::Good,
            Grade::Good => Grade::Complete,
            Grade::Complete | Grade::NotComplete => Grade::NotComplete,
            Grade::NotGraded => Grade::NotGraded,
        }
    }

    /// `excellent` or `good`: the people counted in the excellent quota pool.
    pub fn is_good_or_better(self) -> bool {
        matches!(self, Grade::Excellent | Grade::Good)
    }

    /// `excellent`, `good` or `complete`.
    pub fn is_complete_or_better(self) -> bool {
        matches!(self, Grade::Excellent | Grade::Good | Grade::Complete)
    }
}

impl fmt::Display for Grade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

// ---------------------------------------------------------------------------------------------
// Thresholds
// ---------------------------------------------------------------------------------------------

/// Lower bound of a grade band, exactly as the rule text writes it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Bound {
    /// `total ≥ value` (the bound is included).
    AtLeast(f64),
    /// `total > value` (the bound is excluded).
    Above(f64),
}

impl Bound {
    /// Whether `total` reaches this bound. A NaN total reaches no bound.
    pub fn admits(&self, total: f64) -> bool {
        match *self {
            Bound::AtLeast(v) => total >= v,
            Bound::Above(v) => total > v,
        }
    }

    /// The number written in the rule.
    pub fn value(&self) -> f64 {
        match *self {
            Bound::AtLeast(v) | Bound::Above(v) => v,
        }
    }
}

/// Lower bounds of the excellent, good and complete bands; below `complete` is `not_complete`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Thresholds {
    pub excellent: Bound,
    pub good: Bound,
    pub complete: Bound,
}

/// Grade from the total score alone: the best band whose bound admits `total`, else
/// `not_complete` (also for a NaN total). Never returns `not_graded`.
pub fn grade_by_thresholds(total: f64, t: &Thresholds) -> Grade {
    if t.excellent.admits(total) {
        Grade::Excellent
    } else if t.good.admits(total) {
        Grade::Good
    } else if t.complete.admits(total) {
        Grade::Complete
    } else {
        Grade::NotComplete
    }
}

// ---------------------------------------------------------------------------------------------
// Policies
// ---------------------------------------------------------------------------------------------

/// Code of the default preset.
pub const DEFAULT_PRESET_CODE: &str = "decree-335-2025";

/// Points of the common criteria in the decree (the other 70 are task results).
pub const COMMON_CRITERIA_MAX: f64 = 30.0;

/// Upper limit accepted for a policy's bonus points.
pub const MAX_BONUS_LIMIT: f64 = 10.0;

/// Slack for sums of points written with at most a few decimals (e.g. 4 × 7.5).
const POINTS_EPSILON: f64 = 1e-9;

/// One group of the common criteria (the 30 points that are not task results).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CriteriaGroup {
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    /// Maximum points of the group.
    pub max: f64,
}

impl CriteriaGroup {
    fn new(code: &str, name_vi: &str, name_en: &str, max: f64) -> CriteriaGroup {
        CriteriaGroup {
            code: code.to_owned(),
            name_vi: name_vi.to_owned(),
            name_en: name_en.to_owned(),
            max,
        }
    }
}

/// Kind of period a policy grades.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PeriodKind {
    Month,
    Quarter,
    Year,
}

impl PeriodKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PeriodKind::Month => "month",
            PeriodKind::Quarter => "quarter",
            PeriodKind::Year => "year",
        }
    }
}

/// A versioned grading policy. Presets ship with the service; custom versions are stored as
/// JSON and must pass [`PolicyPreset::validate`] before use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PolicyPreset {
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    /// Periods the policy may grade.
    pub periods: Vec<PeriodKind>,
    pub thresholds: Thresholds,
    /// Largest share of the unit's `good or better` people that may stay excellent.
    pub quota_share: f64,
    /// The quota is settled by ballot: candidates are ranked by ballot votes before totals.
    pub quota_by_ballot: bool,
    /// Common criteria groups; their maxima sum to at most 30.
    pub criteria: Vec<CriteriaGroup>,
    /// Bonus points that may be added on top of the criteria and task results.
    pub max_bonus: f64,
    /// A head of unit whose unit's average quantity is below this drops one level; `None`
    /// disables that cause.
    pub leader_min_unit_quantity: Option<f64>,
}

impl PolicyPreset {
    /// Maximum points of the common criteria (sum of the groups' maxima).
    pub fn common_max(&self) -> f64 {
        self.criteria.iter().map(|c| c.max).sum()
    }

    /// Whether the policy grades periods of this kind.
    pub fn allows_period(&self, kind: PeriodKind) -> bool {
        self.periods.contains(&kind)
    }

    /// Checks a (custom) policy; the error names the first problem found.
    ///
    /// Requires: a non-empty code and names; at least one period, without repeats; finite
    /// threshold values within `0..=100`, strictly increasing from complete to good to
    /// excellent; `quota_share` within `[0, 1]`; at least one criteria group, with unique
    /// non-empty codes and positive finite maxima summing to at most 30; `max_bonus` within
    /// `[0, 10]`; a leader quantity threshold, if any, finite and not negative.
    pub fn validate(&self) -> Result<(), String> {
        if self.code.trim().is_empty() {
            return Err("policy code must not be empty".to_owned());
        }
        if self.name_vi.trim().is_empty() || self.name_en.trim().is_empty() {
            return Err(format!("policy {}: names must not be empty", self.code));
        }
        if self.periods.is_empty() {
            return Err(format!(
                "policy {}: at least one period is required",
                self.code
            ));
        }
        for (i, p) in self.periods.iter().enumerate() {
            if self.periods[..i].contains(p) {
                return Err(format!(
                    "policy {}: period {} is listed twice",
                    self.code,
                    p.as_str()
                ));
            }
        }

        let t = &self.thresholds;
        for (name, bound) in [
            ("excellent", t.excellent),
            ("good", t.good),
            ("complete", t.complete),
        ] {
            let v = bound.value();
            if !v.is_finite() || !(0.0..=100.0).contains(&v) {
                return Err(format!(
                    "policy {}: {name} threshold must be within 0..=100, got {v}",
                    self.code
                ));
            }
        }
        if !(t.complete.value() < t.good.value() && t.good.value() < t.excellent.value()) {
            return Err(format!(
                "policy {}: thresholds must strictly increase complete < good < excellent, got {} / {} / {}",
                self.code,
                t.complete.value(),
                t.good.value(),
                t.excellent.value()
            ));
        }

        if !(0.0..=1.0).contains(&self.quota_share) {
            return Err(format!(
                "policy {}: quota share must be within [0, 1], got {}",
                self.code, self.quota_share
            ));
        }

        if self.criteria.is_empty() {
            return Err(format!(
                "policy {}: at least one criteria group is required",
                self.code
            ));
        }
        for (i, c) in self.criteria.iter().enumerate() {
            if c.code.trim().is_empty() {
                return Err(format!(
                    "policy {}: criteria group codes must not be empty",
                    self.code
                ));
            }
            if self.criteria[..i].iter().any(|o| o.code == c.code) {
                return Err(format!(
                    "policy {}: criteria group {} is listed twice",
                    self.code, c.code
                ));
            }
            if !c.max.is_finite() || c.max <= 0.0 {
                return Err(format!(
                    "policy {}: criteria group {} must have a positive maximum, got {}",
                    self.code, c.code, c.max
                ));
            }
        }
        let common = self.common_max();
        if common > COMMON_CRITERIA_MAX + POINTS_EPSILON {
            return Err(format!(
                "policy {}: criteria maxima sum to {common}, more than {COMMON_CRITERIA_MAX}",
                self.code
            ));
        }

        if !(0.0..=MAX_BONUS_LIMIT).contains(&self.max_bonus) {
            return Err(format!(
                "policy {}: max bonus must be within [0, {MAX_BONUS_LIMIT}], got {}",
                self.code, self.max_bonus
            ));
        }

        if let Some(q) = self.leader_min_unit_quantity {
            if !q.is_finite() || q < 0.0 {
                return Err(format!(
                    "policy {}: leader unit quantity threshold must be finite and not negative, got {q}",
                    self.code
                ));
            }
        }
        Ok(())
    }
}

fn decree_criteria() -> Vec<CriteriaGroup> {
    vec![
        CriteriaGroup::new(
            "quality_discipline",
            "Phẩm chất chính trị, đạo đức; ý thức kỷ luật, văn hoá công vụ",
            "Political and moral qualities, discipline and public-service culture",
            10.0,
        ),
        CriteriaGroup::new(
            "competence_attitude",
            "Năng lực, trách nhiệm, thái độ phục vụ, phối hợp",
            "Competence, responsibility, attitude and coordination",
            10.0,
        ),
        CriteriaGroup::new(
            "innovation",
            "Đổi mới sáng tạo, dám nghĩ dám làm",
            "Innovation and daring to act",
            10.0,
        ),
    ]
}

/// The shipped presets, default first.
pub fn presets() -> Vec<PolicyPreset> {
    vec![
        PolicyPreset {
            code: DEFAULT_PRESET_CODE.to_owned(),
            name_vi: "Nghị định 335/2025/NĐ-CP (mặc định)".to_owned(),
            name_en: "Decree 335/2025/ND-CP (default)".to_owned(),
            periods: vec![PeriodKind::Month, PeriodKind::Quarter, PeriodKind::Year],
            thresholds: Thresholds {
                excellent: Bound::AtLeast(90.0),
                good: Bound::AtLeast(70.0),
                complete: Bound::AtLeast(50.0),
            },
            quota_share: 0.2,
            quota_by_ballot: false,
            criteria: decree_criteria(),
            max_bonus: 0.0,
            leader_min_unit_quantity: None,
        },
        PolicyPreset {
            code: "nga-bay-2021".to_owned(),
            name_vi: "Quy chế đánh giá của thành phố Ngã Bảy (2021)".to_owned(),
            name_en: "Nga Bay city assessment rules (2021)".to_owned(),
            periods: vec![PeriodKind::Quarter],
            thresholds: Thresholds {
                excellent: Bound::AtLeast(95.0),
                good: Bound::AtLeast(90.0),
                complete: Bound::AtLeast(80.0),
            },
            quota_share: 0.2,
            quota_by_ballot: true,
            // Four groups of 7.5 keep the decree's 30 common points (task results: 70).
            criteria: vec![
                CriteriaGroup::new(
                    "political_ideology",
                    "Tư tưởng chính trị",
                    "Political ideology",
                    7.5,
                ),
                CriteriaGroup::new(
                    "ethics_lifestyle",
                    "Đạo đức, lối sống",
                    "Ethics and lifestyle",
                    7.5,
                ),
                CriteriaGroup::new(
                    "working_style",
                    "Tác phong, lề lối làm việc",
                    "Working style",
                    7.5,
                ),
                CriteriaGroup::new("discipline", "Ý thức tổ chức kỷ luật", "Discipline", 7.5),
            ],
            max_bonus: 3.0,
            leader_min_unit_quantity: None,
        },
        PolicyPreset {
            code: "khanh-hoa-2025".to_owned(),
            name_vi: "Quy định đánh giá của tỉnh Khánh Hòa (2025)".to_owned(),
            name_en: "Khanh Hoa province assessment rules (2025)".to_owned(),
            periods: vec![PeriodKind::Month],
            thresholds: Thresholds {
                excellent: Bound::AtLeast(90.0),
                good: Bound::Above(80.0),
                complete: Bound::Above(50.0),
            },
            quota_share: 0.2,
            quota_by_ballot: false,
            criteria: decree_criteria(),
            max_bonus: 0.0,
            leader_min_unit_quantity: None,
        },
    ]
}

/// The shipped preset with this code.
pub fn preset(code: &str) -> Option<PolicyPreset> {
    let code = code.trim();
    presets().into_iter().find(|p| p.code == code)
}

// ---------------------------------------------------------------------------------------------
// Quota
// ---------------------------------------------------------------------------------------------

/// How many of a pool of `pool` people may be excellent: `floor(share × pool)`.
///
/// The share is taken in basis points (`round(share × 10 000)`, clamped to `[0, 10 000]`, NaN
/// as 0) and the floor is computed on integers, so `0.2 × 10` is exactly 2 and `0.29 × 100`
/// is 29 (the float product is 28.999…).
pub fn quota_allowed(pool: usize, share: f64) -> usize {
    const SCALE: u128 = 10_000;
    let basis_points = if share.is_nan() {
        0
    } else {
        // The clamp keeps the cast exact: the value is a whole number within 0..=10 000.
        (share.clamp(0.0, 1.0) * SCALE as f64).round() as u128
    };
    let allowed = (pool as u128) * basis_points / SCALE;
    // allowed ≤ pool, so it always fits back into usize.
    usize::try_from(allowed).unwrap_or(pool)
}

// ---------------------------------------------------------------------------------------------
// Grading a unit
// ---------------------------------------------------------------------------------------------

/// Leader downgrade cause: another member of the unit is `not_complete`.
pub const CAUSE_MEMBER_NOT_COMPLETE: &str = "member_not_complete";
/// Leader downgrade cause: the unit's average quantity is below the policy threshold.
pub const CAUSE_UNIT_QUANTITY_BELOW: &str = "unit_quantity_below_threshold";

/// One person of the unit being graded, with everything the rules need.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// Identifies the person; expected to be unique within one unit call.
    pub staff_id: i64,
    /// Total score (criteria + task results + bonus).
    pub total: f64,
    /// Disciplined at reprimand level or above during the period.
    pub disciplined: bool,
    /// Days worked in the period (the caller counts maternity leave as worked).
    pub worked_days: i64,
    /// Working days of the period (for a year, the caller passes the equivalent of 12 months).
    pub period_working_days: i64,
    /// Ballot votes for excellent (first tie-break of the quota).
    pub ballot_votes: i32,
    /// Entries returned for rework (fewer wins a quota tie).
    pub rework: i32,
    /// First submission of the period (earlier wins a quota tie; none ranks last).
    pub first_submission: Option<NaiveDateTime>,
    /// Head of the unit (subject to the leader downgrade).
    pub is_head: bool,
    /// Average quantity of the head's unit; only read for heads.
    pub unit_avg_quantity: f64,
}

/// Why a grade is what it is: one entry per rule applied, in the order applied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Reason {
    /// The grade given by the policy's thresholds (always the first reason).
    Threshold { total: f64, grade: Grade },
    /// Disciplined at reprimand level or above in the period → `not_complete`.
    Discipline,
    /// Worked less than half of the period → `not_graded`. `required_days` is the period's
    /// working days, of which at least half must have been worked.
    NotGraded {
        worked_days: i64,
        required_days: i64,
    },
    /// Excellent, but ranked beyond the quota (`rank` is 1-based) → `good`.
    Quota { rank: usize, allowed: usize },
    /// A head of unit dropped one level; `cause` is [`CAUSE_MEMBER_NOT_COMPLETE`] or
    /// [`CAUSE_UNIT_QUANTITY_BELOW`].
    LeaderDowngrade {
        cause: String,
        from: Grade,
        to: Grade,
    },
    /// The deciding head replaced the proposal (rule 5), with a written reason.
    Override {
        from: Grade,
        to: Grade,
        reason: String,
    },
    /// The level above changed the grade on appeal, with a reason.
    Appeal {
        from: Grade,
        to: Grade,
        reason: String,
    },
}

/// `92.5` → `"92,50"` (Vietnamese decimal comma).
fn points_vi(v: f64) -> String {
    format!("{v:.2}").replace('.', ",")
}

impl Reason {
    /// Explanation in Vietnamese.
    pub fn message_vi(&self) -> String {
        match self {
            Reason::Threshold { total, grade } => format!(
                "Tổng điểm {} đạt mức \"{}\"",
                points_vi(*total),
                grade.label_vi()
            ),
            Reason::Discipline => format!(
                "Bị xử lý kỷ luật từ mức khiển trách trở lên trong kỳ: xếp loại \"{}\"",
                Grade::NotComplete.label_vi()
            ),
            Reason::NotGraded {
                worked_days,
                required_days,
            } => format!(
                "Thời gian công tác {worked_days}/{required_days} ngày làm việc, chưa đủ một nửa kỳ đánh giá: \"{}\"",
                Grade::NotGraded.label_vi()
            ),
            Reason::Quota { rank, allowed } => format!(
                "Vượt tỷ lệ \"{}\": xếp thứ {rank}, chỉ được {allowed} suất; xếp loại \"{}\"",
                Grade::Excellent.label_vi(),
                Grade::Good.label_vi()
            ),
            Reason::LeaderDowngrade { cause, from, to } => {
                let why = match cause.as_str() {
                    CAUSE_MEMBER_NOT_COMPLETE => {
                        "đơn vị có người không hoàn thành nhiệm vụ".to_owned()
                    }
                    CAUSE_UNIT_QUANTITY_BELOW => {
                        "khối lượng công việc bình quân của đơn vị dưới mức quy định".to_owned()
                    }
                    other => format!("lý do {other}"),
                };
                format!(
                    "Người đứng đầu: {why}; hạ một mức từ \"{}\" xuống \"{}\"",
                    from.label_vi(),
                    to.label_vi()
                )
            }
            Reason::Override { from, to, reason } => format!(
                "Thủ trưởng quyết định \"{}\" thay cho đề xuất \"{}\": {reason}",
                to.label_vi(),
                from.label_vi()
            ),
            Reason::Appeal { from, to, reason } => format!(
                "Cấp trên giải quyết khiếu nại, đổi \"{}\" thành \"{}\": {reason}",
                from.label_vi(),
                to.label_vi()
            ),
        }
    }

    /// Explanation in English.
    pub fn message_en(&self) -> String {
        match self {
            Reason::Threshold { total, grade } => {
                format!("Total {total:.2} reaches \"{}\"", grade.label_en())
            }
            Reason::Discipline => format!(
                "Disciplined at reprimand level or above in the period: \"{}\"",
                Grade::NotComplete.label_en()
            ),
            Reason::NotGraded {
                worked_days,
                required_days,
            } => format!(
                "Worked {worked_days} of {required_days} working days, less than half of the period: \"{}\"",
                Grade::NotGraded.label_en()
            ),
            Reason::Quota { rank, allowed } => format!(
                "Over the excellent quota: ranked {rank}, only {allowed} allowed; graded \"{}\"",
                Grade::Good.label_en()
            ),
            Reason::LeaderDowngrade { cause, from, to } => {
                let why = match cause.as_str() {
                    CAUSE_MEMBER_NOT_COMPLETE => "a member of the unit did not complete tasks",
                    CAUSE_UNIT_QUANTITY_BELOW => {
                        "the unit's average quantity is below the threshold"
                    }
                    other => other,
                };
                format!(
                    "Head of unit: {why}; downgraded one level from \"{}\" to \"{}\"",
                    from.label_en(),
                    to.label_en()
                )
            }
            Reason::Override { from, to, reason } => format!(
                "The deciding head set \"{}\" instead of the proposed \"{}\": {reason}",
                to.label_en(),
                from.label_en()
            ),
            Reason::Appeal { from, to, reason } => format!(
                "Changed on appeal by the level above from \"{}\" to \"{}\": {reason}",
                from.label_en(),
                to.label_en()
            ),
        }
    }
}

/// Proposed grade of one person, with the reasons in the order the rules were applied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct GradeDecision {
    pub staff_id: i64,
    pub grade: Grade,
    pub reasons: Vec<Reason>,
}

/// Order of quota candidates, best first. Totals (or ballot votes first when the quota is by
/// ballot), then more votes, fewer rework, earlier first submission (none last), and finally
/// the smaller staff id so that the result never depends on the input order.
fn quota_order(a: &Candidate, b: &Candidate, by_ballot: bool) -> Ordering {
    let by_total = b.total.total_cmp(&a.total);
    let by_votes = b.ballot_votes.cmp(&a.ballot_votes);
    let primary = if by_ballot {
        by_votes.then(by_total)
    } else {
        by_total.then(by_votes)
    };
    primary
        .then(a.rework.cmp(&b.rework))
        .then(match (a.first_submission, b.first_submission) {
            (Some(x), Some(y)) => x.cmp(&y),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        })
        .then(a.staff_id.cmp(&b.staff_id))
}

/// Grades every candidate of one unit under `policy`; one decision per candidate, in input
/// order.
///
/// Per person: thresholds → discipline (`not_complete`) → worked less than half
/// (`worked_days × 2 < period_working_days`, `not_graded`). Then each head whose unit has
/// another candidate at `not_complete` (grades after rules 1-2, before any leader downgrade,
/// so downgrades never cascade) or whose `unit_avg_quantity` is below
/// `leader_min_unit_quantity` drops one level, once even if both causes hold (the member
/// cause is recorded); a head already `not_complete` or `not_graded` is left unchanged and
/// gets no leader reason. Last, the quota over the unit: the pool is everyone at good or
/// better after those rules, at most [`quota_allowed`]`(pool, quota_share)` stay excellent in
/// [`quota_order`] and the rest become good. A downgraded head therefore never holds one of
/// the unit's excellent places.
///
/// The policy is used as given; custom policies are expected to have passed
/// [`PolicyPreset::validate`].
pub fn grade_unit(candidates: &[Candidate], policy: &PolicyPreset) -> Vec<GradeDecision> {
    // Rules 1-2 per person.
    let mut decisions: Vec<GradeDecision> = candidates
        .iter()
        .map(|c| {
            let by_threshold = grade_by_thresholds(c.total, &policy.thresholds);
            let mut decision = GradeDecision {
                staff_id: c.staff_id,
                grade: by_threshold,
                reasons: vec![Reason::Threshold {
                    total: c.total,
                    grade: by_threshold,
                }],
            };
            if c.disciplined {
                decision.grade = Grade::NotComplete;
                decision.reasons.push(Reason::Discipline);
            }
            if i128::from(c.worked_days) * 2 < i128::from(c.period_working_days) {
                decision.grade = Grade::NotGraded;
                decision.reasons.push(Reason::NotGraded {
                    worked_days: c.worked_days,
                    required_days: c.period_working_days,
                });
            }
            decision
        })
        .collect();

    // Rule 3: leader downgrade, judged on the grades after rules 1-2 (before the quota, so a
    // downgraded head never holds one of the unit's excellent places).
    let before_quota: Vec<Grade> = decisions.iter().map(|d| d.grade).collect();
    for (i, c) in candidates.iter().enumerate() {
        if !c.is_head || !before_quota[i].is_complete_or_better() {
            continue;
        }
        let member_not_complete = before_quota
            .iter()
            .enumerate()
            .any(|(j, g)| j != i && *g == Grade::NotComplete);
        let quantity_below = policy
            .leader_min_unit_quantity
            .is_some_and(|min| c.unit_avg_quantity < min);
        let cause = if member_not_complete {
            CAUSE_MEMBER_NOT_COMPLETE
        } else if quantity_below {
            CAUSE_UNIT_QUANTITY_BELOW
        } else {
            continue;
        };
        let from = before_quota[i];
        let to = from.one_level_down();
        decisions[i].grade = to;
        decisions[i].reasons.push(Reason::LeaderDowngrade {
            cause: cause.to_owned(),
            from,
            to,
        });
    }

    // Rule 4: the excellent quota over the unit, after the leader downgrades.
    let pool = decisions
        .iter()
        .filter(|d| d.grade.is_good_or_better())
        .count();
    let allowed = quota_allowed(pool, policy.quota_share);
    let mut excellent: Vec<usize> = (0..decisions.len())
        .filter(|&i| decisions[i].grade == Grade::Excellent)
        .collect();
    excellent.sort_by(|&a, &b| quota_order(&candidates[a], &candidates[b], policy.quota_by_ballot));
    for (pos, &i) in excellent.iter().enumerate().skip(allowed) {
        decisions[i].grade = Grade::Good;
        decisions[i].reasons.push(Reason::Quota {
            rank: pos + 1,
            allowed,
        });
    }

    decisions
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn decree() -> PolicyPreset {
        preset("decree-335-2025").expect("decree preset")
    }

    /// A plain member: worked the whole 21-day month, not disciplined, no votes.
    fn cand(staff_id: i64, total: f64) -> Candidate {
        Candidate {
            staff_id,
            total,
            disciplined: false,
            worked_days: 21,
            period_working_days: 21,
            ballot_votes: 0,
            rework: 0,
            first_submission: None,
            is_head: false,
            unit_avg_quantity: 100.0,
        }
    }

    fn head(staff_id: i64, total: f64) -> Candidate {
        Candidate {
            is_head: true,
            ..cand(staff_id, total)
        }
    }

    fn at(day: u32, hour: u32) -> Option<NaiveDateTime> {
        NaiveDate::from_ymd_opt(2026, 1, day).and_then(|d| d.and_hms_opt(hour, 0, 0))
    }

    fn grade_of(decisions: &[GradeDecision], staff_id: i64) -> Grade {
        decisions
            .iter()
            .find(|d| d.staff_id == staff_id)
            .map(|d| d.grade)
            .expect("staff in decisions")
    }

    fn decision_of(decisions: &[GradeDecision], staff_id: i64) -> &GradeDecision {
        decisions
            .iter()
            .find(|d| d.staff_id == staff_id)
            .expect("staff in decisions")
    }

    // --- grades -----------------------------------------------------------------------------

    #[test]
    fn grade_codes_labels_levels() {
        let table = [
            (
                Grade::Excellent,
                "excellent",
                "Hoàn thành xuất sắc nhiệm vụ",
                "Excellent",
                4,
            ),
            (Grade::Good, "good", "Hoàn thành tốt nhiệm vụ", "Good", 3),
            (
                Grade::Complete,
                "complete",
                "Hoàn thành nhiệm vụ",
                "Complete",
                2,
            ),
            (
                Grade::NotComplete,
                "not_complete",
                "Không hoàn thành nhiệm vụ",
                "Not complete",
                1,
            ),
            (
                Grade::NotGraded,
                "not_graded",
                "Chưa xếp loại",
                "Not graded (worked too little of the period)",
                0,
            ),
        ];
        for (grade, code, vi, en, level) in table {
            assert_eq!(grade.as_str(), code);
            assert_eq!(grade.to_string(), code);
            assert_eq!(grade.label_vi(), vi);
            assert_eq!(grade.label_en(), en);
            assert_eq!(grade.level(), level, "{code}");
            assert_eq!(Grade::parse(code), Some(grade));
            assert_eq!(Grade::parse(&format!(" {code}\n")), Some(grade));
            assert_eq!(
                serde_json::to_string(&grade).expect("json"),
                format!("\"{code}\"")
            );
        }
        for bad in ["", "Excellent", "not complete", "xuat_sac"] {
            assert_eq!(Grade::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn one_level_down_and_predicates() {
        let table = [
            (Grade::Excellent, Grade::Good, true, true),
            (Grade::Good, Grade::Complete, true, true),
            (Grade::Complete, Grade::NotComplete, false, true),
            (Grade::NotComplete, Grade::NotComplete, false, false),
            (Grade::NotGraded, Grade::NotGraded, false, false),
        ];
        for (grade, down, good_or_better, complete_or_better) in table {
            assert_eq!(grade.one_level_down(), down, "{grade}");
            assert_eq!(grade.is_good_or_better(), good_or_better, "{grade}");
            assert_eq!(grade.is_complete_or_better(), complete_or_better, "{grade}");
        }
    }

    // --- thresholds -------------------------------------------------------------------------

    #[test]
    fn bound_admits() {
        let table = [
            (Bound::AtLeast(90.0), 90.0, true),
            (Bound::AtLeast(90.0), 89.99, false),
            (Bound::AtLeast(90.0), 100.0, true),
            (Bound::Above(80.0), 80.0, false),
            (Bound::Above(80.0), 80.01, true),
            (Bound::AtLeast(90.0), f64::NAN, false),
            (Bound::Above(80.0), f64::NAN, false),
        ];
        for (bound, total, admitted) in table {
            assert_eq!(bound.admits(total), admitted, "{bound:?} {total}");
        }
    }

    #[test]
    fn threshold_boundaries_per_preset() {
        let table: [(&str, f64, Grade); 18] = [
            ("decree-335-2025", 100.0, Grade::Excellent),
            ("decree-335-2025", 90.0, Grade::Excellent),
            ("decree-335-2025", 89.99, Grade::Good),
            ("decree-335-2025", 70.0, Grade::Good),
            ("decree-335-2025", 69.99, Grade::Complete),
            ("decree-335-2025", 50.0, Grade::Complete),
            ("decree-335-2025", 49.99, Grade::NotComplete),
            ("decree-335-2025", 0.0, Grade::NotComplete),
            ("khanh-hoa-2025", 90.0, Grade::Excellent),
            ("khanh-hoa-2025", 80.0, Grade::Complete),
            ("khanh-hoa-2025", 80.01, Grade::Good),
            ("khanh-hoa-2025", 50.0, Grade::NotComplete),
            ("khanh-hoa-2025", 50.01, Grade::Complete),
            ("nga-bay-2021", 95.0, Grade::Excellent),
            ("nga-bay-2021", 94.99, Grade::Good),
            ("nga-bay-2021", 90.0, Grade::Good),
            ("nga-bay-2021", 80.0, Grade::Complete),
            ("nga-bay-2021", 79.99, Grade::NotComplete),
        ];
        for (code, total, expected) in table {
            let policy = preset(code).expect("preset");
            assert_eq!(
                grade_by_thresholds(total, &policy.thresholds),
                expected,
                "{code} {total}"
            );
            // The same boundary through grade_unit (a single person: pool ≤ 1, so the quota
            // allows 0 excellent and an excellent total ends as good with a quota reason).
            let decisions = grade_unit(&[cand(1, total)], &policy);
            assert_eq!(
                decisions[0].reasons[0],
                Reason::Threshold {
                    total,
                    grade: expected
                }
            );
        }
        assert_eq!(
            grade_by_thresholds(f64::NAN, &decree().thresholds),
            Grade::NotComplete
        );
    }

    // --- presets ----------------------------------------------------------------------------

    #[test]
    fn presets_are_valid_and_as_written() {
        let all = presets();
        let codes: Vec<&str> = all.iter().map(|p| p.code.as_str()).collect();
        assert_eq!(codes, ["decree-335-2025", "nga-bay-2021", "khanh-hoa-2025"]);
        assert_eq!(all[0].code, DEFAULT_PRESET_CODE);
        for p in &all {
            assert_eq!(p.validate(), Ok(()), "{}", p.code);
            assert_eq!(p.common_max(), 30.0, "{}", p.code);
            assert_eq!(p.quota_share, 0.2, "{}", p.code);
            assert_eq!(p.leader_min_unit_quantity, None, "{}", p.code);
        }
        // (code, periods, by ballot, criteria codes, max bonus)
        type Row = (
            &'static str,
            &'static [PeriodKind],
            bool,
            &'static [&'static str],
            f64,
        );
        let table: [Row; 3] = [
            (
                "decree-335-2025",
                &[PeriodKind::Month, PeriodKind::Quarter, PeriodKind::Year],
                false,
                &["quality_discipline", "competence_attitude", "innovation"],
                0.0,
            ),
            (
                "nga-bay-2021",
                &[PeriodKind::Quarter],
                true,
                &[
                    "political_ideology",
                    "ethics_lifestyle",
                    "working_style",
                    "discipline",
                ],
                3.0,
            ),
            (
                "khanh-hoa-2025",
                &[PeriodKind::Month],
                false,
                &["quality_discipline", "competence_attitude", "innovation"],
                0.0,
            ),
        ];
        for (code, periods, by_ballot, criteria, bonus) in table {
            let p = preset(code).expect("preset");
            assert_eq!(p.periods, periods, "{code}");
            assert_eq!(p.quota_by_ballot, by_ballot, "{code}");
            let got: Vec<&str> = p.criteria.iter().map(|c| c.code.as_str()).collect();
            assert_eq!(got, criteria, "{code}");
            assert_eq!(p.max_bonus, bonus, "{code}");
            assert!(p.allows_period(periods[0]), "{code}");
        }
        assert!(!preset("khanh-hoa-2025")
            .expect("preset")
            .allows_period(PeriodKind::Year));
        assert_eq!(
            preset(" nga-bay-2021 ").map(|p| p.code),
            Some("nga-bay-2021".to_owned())
        );
        assert_eq!(preset("decree-2025"), None);
        assert_eq!(preset(""), None);
    }

    #[test]
    fn preset_json_round_trip() {
        for p in presets() {
            let json = serde_json::to_string(&p).expect("json");
            let back: PolicyPreset = serde_json::from_str(&json).expect("parse");
            assert_eq!(back, p);
        }
        let json = serde_json::to_value(preset("khanh-hoa-2025").expect("preset")).expect("json");
        assert_eq!(
            json["thresholds"]["good"],
            serde_json::json!({ "above": 80.0 })
        );
        assert_eq!(
            json["thresholds"]["excellent"],
            serde_json::json!({ "at_least": 90.0 })
        );
        assert_eq!(json["periods"], serde_json::json!(["month"]));
    }

    #[test]
    fn validation_rejects_bad_custom_policies() {
        type Mutation = fn(&mut PolicyPreset);
        let table: [(&str, Mutation, &str); 22] = [
            (
                "empty code",
                |p| p.code = " ".into(),
                "code must not be empty",
            ),
            (
                "empty name",
                |p| p.name_en = String::new(),
                "names must not be empty",
            ),
            ("no period", |p| p.periods.clear(), "at least one period"),
            (
                "repeated period",
                |p| p.periods.push(PeriodKind::Month),
                "listed twice",
            ),
            (
                "good = excellent",
                |p| p.thresholds.good = Bound::Above(90.0),
                "strictly increase",
            ),
            (
                "good > excellent",
                |p| p.thresholds.good = Bound::AtLeast(95.0),
                "strictly increase",
            ),
            (
                "complete = good",
                |p| p.thresholds.complete = Bound::AtLeast(70.0),
                "strictly increase",
            ),
            (
                "excellent > 100",
                |p| p.thresholds.excellent = Bound::AtLeast(101.0),
                "within 0..=100",
            ),
            (
                "complete < 0",
                |p| p.thresholds.complete = Bound::Above(-1.0),
                "within 0..=100",
            ),
            (
                "NaN threshold",
                |p| p.thresholds.good = Bound::AtLeast(f64::NAN),
                "within 0..=100",
            ),
            ("quota > 1", |p| p.quota_share = 1.5, "quota share"),
            ("quota < 0", |p| p.quota_share = -0.1, "quota share"),
            ("quota NaN", |p| p.quota_share = f64::NAN, "quota share"),
            (
                "no criteria",
                |p| p.criteria.clear(),
                "at least one criteria group",
            ),
            (
                "criteria sum 31",
                |p| p.criteria[0].max = 11.0,
                "more than 30",
            ),
            (
                "criteria max 0",
                |p| p.criteria[0].max = 0.0,
                "positive maximum",
            ),
            (
                "criteria max NaN",
                |p| p.criteria[1].max = f64::NAN,
                "positive maximum",
            ),
            (
                "criteria code twice",
                |p| p.criteria[1].code = "innovation".into(),
                "listed twice",
            ),
            ("bonus > 10", |p| p.max_bonus = 10.5, "max bonus"),
            ("bonus < 0", |p| p.max_bonus = -1.0, "max bonus"),
            (
                "leader quantity < 0",
                |p| p.leader_min_unit_quantity = Some(-5.0),
                "leader unit quantity",
            ),
            (
                "leader quantity inf",
                |p| p.leader_min_unit_quantity = Some(f64::INFINITY),
                "leader unit quantity",
            ),
        ];
        for (name, mutate, expected) in table {
            let mut p = decree();
            p.code = "custom-1".into();
            mutate(&mut p);
            match p.validate() {
                Err(e) => assert!(e.contains(expected), "{name}: {e}"),
                Ok(()) => panic!("{name}: accepted"),
            }
        }
        // Accepted edge values: share 0 and 1, bonus 10, criteria summing to exactly 30 with
        // uneven groups, thresholds at 0 and 100, a leader threshold of 0.
        let mut p = decree();
        p.quota_share = 1.0;
        p.max_bonus = 10.0;
        p.criteria[0].max = 12.5;
        p.criteria[1].max = 7.5;
        p.thresholds = Thresholds {
            excellent: Bound::AtLeast(100.0),
            good: Bound::Above(50.0),
            complete: Bound::AtLeast(0.0),
        };
        p.leader_min_unit_quantity = Some(0.0);
        assert_eq!(p.validate(), Ok(()));
        p.quota_share = 0.0;
        assert_eq!(p.validate(), Ok(()));
    }

    // --- quota ------------------------------------------------------------------------------

    #[test]
    fn quota_allowed_is_an_exact_floor() {
        let table = [
            (0, 0.2, 0),
            (1, 0.2, 0),
            (4, 0.2, 0),
            (5, 0.2, 1),
            (9, 0.2, 1),
            (10, 0.2, 2),
            (14, 0.2, 2),
            (15, 0.2, 3),
            (20, 0.15, 3),   // 3.0
            (100, 0.29, 29), // the float product is 28.999999999999996
            (100, 0.57, 57), // the float product is 56.99999999999999
            (7, 1.0, 7),
            (7, 0.0, 0),
            (7, 1.5, 7),  // clamped to 1
            (7, -0.5, 0), // clamped to 0
            (7, f64::NAN, 0),
        ];
        for (pool, share, allowed) in table {
            assert_eq!(quota_allowed(pool, share), allowed, "{pool} × {share}");
        }
    }

    #[test]
    fn quota_by_pool_size() {
        // Everyone excellent (totals 99, 98, …), so pool = n; allowed = floor(0.2 n); the
        // highest totals, i.e. the lowest staff ids, survive.
        let table = [(0usize, 0usize), (1, 0), (4, 0), (5, 1), (9, 1), (10, 2)];
        for (n, survivors) in table {
            let unit: Vec<Candidate> = (0..n)
                .map(|i| cand(i as i64 + 1, 99.0 - i as f64))
                .collect();
            let decisions = grade_unit(&unit, &decree());
            assert_eq!(decisions.len(), n);
            let excellent: Vec<i64> = decisions
                .iter()
                .filter(|d| d.grade == Grade::Excellent)
                .map(|d| d.staff_id)
                .collect();
            let expected: Vec<i64> = (1..=survivors as i64).collect();
            assert_eq!(excellent, expected, "pool {n}");
            for (pos, d) in decisions.iter().enumerate().skip(survivors) {
                assert_eq!(d.grade, Grade::Good, "pool {n}");
                assert_eq!(
                    d.reasons,
                    vec![
                        Reason::Threshold {
                            total: 99.0 - pos as f64,
                            grade: Grade::Excellent
                        },
                        Reason::Quota {
                            rank: pos + 1,
                            allowed: survivors
                        },
                    ],
                    "pool {n}"
                );
            }
        }
    }

    #[test]
    fn quota_pool_counts_good_people_and_excludes_rules_1_2() {
        // 3 excellent + 7 good → pool 10 → 2 excellent; #3 (lowest total, 91) becomes good.
        let mut unit = vec![cand(1, 95.0), cand(2, 91.0), cand(3, 93.0)];
        unit.extend((4..=10).map(|id| cand(id, 75.0)));
        let d = grade_unit(&unit, &decree());
        assert_eq!(grade_of(&d, 1), Grade::Excellent);
        assert_eq!(grade_of(&d, 3), Grade::Excellent);
        assert_eq!(grade_of(&d, 2), Grade::Good);
        assert_eq!(
            decision_of(&d, 2).reasons[1],
            Reason::Quota {
                rank: 3,
                allowed: 2
            }
        );
        // Survivors carry no quota reason.
        assert_eq!(decision_of(&d, 1).reasons.len(), 1);

        // 5 excellent, but one disciplined and one not graded → pool 3 → 0 allowed.
        let mut unit: Vec<Candidate> = (1..=5).map(|id| cand(id, 90.0 + id as f64)).collect();
        unit[4].disciplined = true; // id 5
        unit[3].worked_days = 10; // id 4, 10 of 21
        let d = grade_unit(&unit, &decree());
        let grades: Vec<Grade> = d.iter().map(|x| x.grade).collect();
        assert_eq!(
            grades,
            [
                Grade::Good,
                Grade::Good,
                Grade::Good,
                Grade::NotGraded,
                Grade::NotComplete
            ]
        );
        // Ranked by total: id 3 (93) first, id 1 (91) third.
        assert_eq!(
            decision_of(&d, 3).reasons[1],
            Reason::Quota {
                rank: 1,
                allowed: 0
            }
        );
        assert_eq!(
            decision_of(&d, 1).reasons[1],
            Reason::Quota {
                rank: 3,
                allowed: 0
            }
        );
    }

    /// Three excellent candidates and seven good ones: pool 10, 2 excellent allowed, so the
    /// candidate ranked third becomes good.
    fn three_way_tie(a: Candidate, b: Candidate, c: Candidate) -> Vec<GradeDecision> {
        let mut unit = vec![a, b, c];
        unit.extend((10..17).map(|id| cand(id, 80.0)));
        grade_unit(&unit, &decree())
    }

    #[test]
    fn quota_tie_breaks() {
        let with =
            |id: i64, total: f64, votes: i32, rework: i32, sub: Option<NaiveDateTime>| Candidate {
                ballot_votes: votes,
                rework,
                first_submission: sub,
                ..cand(id, total)
            };
        // (case, three candidates, staff id demoted to good)
        let table = [
            (
                "higher total wins over votes",
                [
                    with(1, 96.0, 0, 5, at(9, 8)),
                    with(2, 95.0, 9, 0, at(1, 8)),
                    with(3, 95.5, 9, 0, at(1, 8)),
                ],
                2,
            ),
            (
                "equal totals: more ballot votes",
                [
                    with(1, 95.0, 3, 0, at(1, 8)),
                    with(2, 95.0, 5, 0, at(1, 8)),
                    with(3, 95.0, 4, 0, at(1, 8)),
                ],
                1,
            ),
            (
                "equal votes: fewer rework",
                [
                    with(1, 95.0, 4, 0, at(1, 8)),
                    with(2, 95.0, 4, 2, at(1, 8)),
                    with(3, 95.0, 4, 1, at(1, 8)),
                ],
                2,
            ),
            (
                "equal rework: earlier first submission",
                [
                    with(1, 95.0, 4, 1, at(3, 10)),
                    with(2, 95.0, 4, 1, at(3, 8)),
                    with(3, 95.0, 4, 1, at(3, 9)),
                ],
                1,
            ),
            (
                "no submission ranks after any submission",
                [
                    with(1, 95.0, 4, 1, None),
                    with(2, 95.0, 4, 1, at(31, 23)),
                    with(3, 95.0, 4, 1, at(1, 8)),
                ],
                1,
            ),
            (
                "complete tie: smaller staff id",
                [
                    with(3, 95.0, 4, 1, at(1, 8)),
                    with(1, 95.0, 4, 1, at(1, 8)),
                    with(2, 95.0, 4, 1, at(1, 8)),
                ],
                3,
            ),
        ];
        for (case, [a, b, c], demoted) in table {
            let d = three_way_tie(a, b, c);
            for id in 1..=3 {
                let expected = if id == demoted {
                    Grade::Good
                } else {
                    Grade::Excellent
                };
                assert_eq!(grade_of(&d, id), expected, "{case}: staff {id}");
            }
            assert_eq!(
                decision_of(&d, demoted).reasons[1],
                Reason::Quota {
                    rank: 3,
                    allowed: 2
                },
                "{case}"
            );
        }
    }

    #[test]
    fn quota_by_ballot_ranks_votes_before_totals() {
        // Ngã Bảy: excellent ≥ 95. 5 excellent → pool 5 → 1 allowed, decided by ballot.
        let policy = preset("nga-bay-2021").expect("preset");
        let votes = [
            (1, 99.0, 2),
            (2, 95.0, 7),
            (3, 96.0, 7),
            (4, 98.0, 1),
            (5, 97.0, 0),
        ];
        let unit: Vec<Candidate> = votes
            .iter()
            .map(|&(id, total, v)| Candidate {
                ballot_votes: v,
                ..cand(id, total)
            })
            .collect();
        let d = grade_unit(&unit, &policy);
        // Order: id 3 (7 votes, 96), id 2 (7 votes, 95), id 1 (2), id 4 (1), id 5 (0).
        let expected = [(1, 3), (2, 2), (3, 1), (4, 4), (5, 5)]; // (staff, rank)
        for (id, rank) in expected {
            if rank == 1 {
                assert_eq!(grade_of(&d, id), Grade::Excellent, "staff {id}");
            } else {
                assert_eq!(grade_of(&d, id), Grade::Good, "staff {id}");
                assert_eq!(
                    decision_of(&d, id).reasons[1],
                    Reason::Quota { rank, allowed: 1 },
                    "staff {id}"
                );
            }
        }
        // The same unit under the decree (by total): id 1 (99) keeps excellent.
        let d = grade_unit(&unit, &decree());
        assert_eq!(grade_of(&d, 1), Grade::Excellent);
        assert_eq!(grade_of(&d, 3), Grade::Good);
    }

    // --- discipline, not graded ---------------------------------------------------------------

    #[test]
    fn discipline_and_not_graded() {
        let table = [
            // (case, total, disciplined, worked, period days, grade, reasons after threshold)
            (
                "disciplined excellent",
                95.0,
                true,
                21,
                21,
                Grade::NotComplete,
                vec![Reason::Discipline],
            ),
            (
                "disciplined not complete",
                40.0,
                true,
                21,
                21,
                Grade::NotComplete,
                vec![Reason::Discipline],
            ),
            (
                "10 of 21 days",
                80.0,
                false,
                10,
                21,
                Grade::NotGraded,
                vec![Reason::NotGraded {
                    worked_days: 10,
                    required_days: 21,
                }],
            ),
            ("11 of 21 days", 80.0, false, 11, 21, Grade::Good, vec![]),
            (
                "exactly half: 11 of 22 days",
                80.0,
                false,
                11,
                22,
                Grade::Good,
                vec![],
            ),
            (
                "year: 5 of 12 months passed as days",
                80.0,
                false,
                109,
                250,
                Grade::NotGraded,
                vec![Reason::NotGraded {
                    worked_days: 109,
                    required_days: 250,
                }],
            ),
            (
                "disciplined and not graded",
                95.0,
                true,
                3,
                21,
                Grade::NotGraded,
                vec![
                    Reason::Discipline,
                    Reason::NotGraded {
                        worked_days: 3,
                        required_days: 21,
                    },
                ],
            ),
            (
                "no working days in the period",
                60.0,
                false,
                0,
                0,
                Grade::Complete,
                vec![],
            ),
        ];
        for (case, total, disciplined, worked, days, grade, rest) in table {
            let c = Candidate {
                disciplined,
                worked_days: worked,
                period_working_days: days,
                ..cand(1, total)
            };
            let d = grade_unit(&[c], &decree());
            assert_eq!(d[0].grade, grade, "{case}");
            let threshold = Reason::Threshold {
                total,
                grade: grade_by_thresholds(total, &decree().thresholds),
            };
            let mut reasons = vec![threshold];
            reasons.extend(rest);
            assert_eq!(d[0].reasons, reasons, "{case}");
        }
    }

    // --- leader downgrade -------------------------------------------------------------------

    fn leader_reason(cause: &str, from: Grade, to: Grade) -> Reason {
        Reason::LeaderDowngrade {
            cause: cause.to_owned(),
            from,
            to,
        }
    }

    #[test]
    fn leader_downgrade_for_member_not_complete() {
        // Head good (85) with a member at 40 → head complete.
        let d = grade_unit(&[head(1, 85.0), cand(2, 40.0), cand(3, 75.0)], &decree());
        assert_eq!(
            d[0],
            GradeDecision {
                staff_id: 1,
                grade: Grade::Complete,
                reasons: vec![
                    Reason::Threshold {
                        total: 85.0,
                        grade: Grade::Good
                    },
                    leader_reason(CAUSE_MEMBER_NOT_COMPLETE, Grade::Good, Grade::Complete),
                ],
            }
        );
        assert_eq!(d[1].grade, Grade::NotComplete);
        assert_eq!(d[2].grade, Grade::Good);

        // Head excellent (pool = head + 4 good = 5 → 1 allowed), member at
        // 30 → head good, with the leader reason only.
        let mut unit = vec![head(1, 95.0), cand(2, 30.0)];
        unit.extend((3..=6).map(|id| cand(id, 80.0)));
        let d = grade_unit(&unit, &decree());
        assert_eq!(d[0].grade, Grade::Good);
        assert_eq!(
            d[0].reasons,
            vec![
                Reason::Threshold {
                    total: 95.0,
                    grade: Grade::Excellent
                },
                leader_reason(CAUSE_MEMBER_NOT_COMPLETE, Grade::Excellent, Grade::Good),
            ]
        );

        // A member not complete through discipline counts too.
        let disciplined = Candidate {
            disciplined: true,
            ..cand(2, 88.0)
        };
        let d = grade_unit(&[head(1, 75.0), disciplined], &decree());
        assert_eq!(d[0].grade, Grade::Complete);

        // A not-graded member does not count.
        let absent = Candidate {
            worked_days: 2,
            ..cand(2, 10.0)
        };
        let d = grade_unit(&[head(1, 75.0), absent], &decree());
        assert_eq!(d[0].grade, Grade::Good);
        assert_eq!(d[1].grade, Grade::NotGraded);

        // The head's own not_complete is not "a member": a non-head colleague is unaffected
        // and the head gets no leader reason.
        let d = grade_unit(&[head(1, 40.0), cand(2, 75.0)], &decree());
        assert_eq!(d[0].grade, Grade::NotComplete);
        assert_eq!(d[0].reasons.len(), 1);
        assert_eq!(d[1].grade, Grade::Good);
    }

    #[test]
    fn leader_downgrade_for_unit_quantity() {
        let mut policy = decree();
        policy.leader_min_unit_quantity = Some(60.0);
        let with_quantity = |total: f64, q: f64| Candidate {
            unit_avg_quantity: q,
            ..head(1, total)
        };
        // (case, head total, unit avg quantity, policy threshold, grade, leader reason)
        let table = [
            (
                "55 < 60",
                75.0,
                55.0,
                Some(60.0),
                Grade::Complete,
                Some((Grade::Good, Grade::Complete)),
            ),
            (
                "59.99 < 60",
                60.0,
                59.99,
                Some(60.0),
                Grade::NotComplete,
                Some((Grade::Complete, Grade::NotComplete)),
            ),
            (
                "60 is not below 60",
                75.0,
                60.0,
                Some(60.0),
                Grade::Good,
                None,
            ),
            ("no threshold", 75.0, 0.0, None, Grade::Good, None),
        ];
        for (case, total, q, min, grade, leader) in table {
            policy.leader_min_unit_quantity = min;
            let d = grade_unit(&[with_quantity(total, q), cand(2, 75.0)], &policy);
            assert_eq!(d[0].grade, grade, "{case}");
            let expected_last = match leader {
                Some((from, to)) => leader_reason(CAUSE_UNIT_QUANTITY_BELOW, from, to),
                None => Reason::Threshold {
                    total,
                    grade: grade_by_thresholds(total, &policy.thresholds),
                },
            };
            assert_eq!(d[0].reasons.last(), Some(&expected_last), "{case}");
            // Members are never downgraded for the unit's quantity.
            assert_eq!(d[1].grade, Grade::Good, "{case}");
        }

        // Both causes: one level only, the member cause recorded.
        policy.leader_min_unit_quantity = Some(60.0);
        let d = grade_unit(&[with_quantity(75.0, 10.0), cand(2, 20.0)], &policy);
        assert_eq!(d[0].grade, Grade::Complete);
        assert_eq!(
            d[0].reasons,
            vec![
                Reason::Threshold {
                    total: 75.0,
                    grade: Grade::Good
                },
                leader_reason(CAUSE_MEMBER_NOT_COMPLETE, Grade::Good, Grade::Complete),
            ]
        );
    }

    #[test]
    fn leader_downgrades_do_not_cascade() {
        // Head 2 drops to not_complete for quantity; head 1 judges members after rules 1-2,
        // when head 2 was still complete, so head 1 keeps good.
        let mut policy = decree();
        policy.leader_min_unit_quantity = Some(60.0);
        let h2 = Candidate {
            unit_avg_quantity: 30.0,
            ..head(2, 55.0)
        };
        let d = grade_unit(&[head(1, 85.0), h2], &policy);
        assert_eq!(d[0].grade, Grade::Good);
        assert_eq!(d[1].grade, Grade::NotComplete);
    }

    #[test]
    fn downgraded_head_never_holds_an_excellent_place() {
        // Rule order: thresholds → discipline → not graded → leader downgrade → quota.
        // Head at 99 with a member at 30 (not_complete) drops to good BEFORE the quota; nine
        // members at 95. Pool (good or better) = head + 9 = 10 → floor(20 % × 10) = 2 excellent
        // places, and both go to members (3 and 4: equal totals, smaller id first). With the
        // quota first the head would take place 1, then be downgraded, leaving one excellent.
        let mut unit = vec![head(1, 99.0), cand(2, 30.0)];
        unit.extend((3..=11).map(|id| cand(id, 95.0)));
        let d = grade_unit(&unit, &decree());
        assert_eq!(
            d[0].reasons,
            vec![
                Reason::Threshold {
                    total: 99.0,
                    grade: Grade::Excellent
                },
                leader_reason(CAUSE_MEMBER_NOT_COMPLETE, Grade::Excellent, Grade::Good),
            ]
        );
        assert_eq!(d[0].grade, Grade::Good);
        let excellent: Vec<i64> = d
            .iter()
            .filter(|x| x.grade == Grade::Excellent)
            .map(|x| x.staff_id)
            .collect();
        assert_eq!(excellent, vec![3, 4]);
        assert_eq!(
            decision_of(&d, 5).reasons.last(),
            Some(&Reason::Quota {
                rank: 3,
                allowed: 2
            })
        );
    }

    #[test]
    fn not_graded_leader_stays_not_graded() {
        let mut policy = decree();
        policy.leader_min_unit_quantity = Some(60.0);
        let h = Candidate {
            worked_days: 5,
            period_working_days: 20,
            unit_avg_quantity: 10.0,
            ..head(1, 92.0)
        };
        let d = grade_unit(&[h, cand(2, 30.0)], &policy);
        assert_eq!(
            d[0],
            GradeDecision {
                staff_id: 1,
                grade: Grade::NotGraded,
                reasons: vec![
                    Reason::Threshold {
                        total: 92.0,
                        grade: Grade::Excellent
                    },
                    Reason::NotGraded {
                        worked_days: 5,
                        required_days: 20
                    },
                ],
            }
        );
    }

    // --- whole unit -------------------------------------------------------------------------

    fn mixed_unit() -> Vec<Candidate> {
        let mut unit = vec![
            Candidate {
                ballot_votes: 3,
                ..head(1, 94.0)
            },
            Candidate {
                ballot_votes: 3,
                rework: 1,
                ..cand(2, 94.0)
            },
            Candidate {
                ballot_votes: 3,
                rework: 1,
                first_submission: at(2, 9),
                ..cand(3, 94.0)
            },
            Candidate {
                ballot_votes: 3,
                rework: 1,
                first_submission: at(2, 8),
                ..cand(4, 94.0)
            },
            cand(5, 94.0),
            cand(6, 91.0),
            Candidate {
                disciplined: true,
                ..cand(7, 99.0)
            },
            Candidate {
                worked_days: 4,
                ..cand(8, 97.0)
            },
            cand(9, 49.0),
        ];
        unit.extend((10..=16).map(|id| cand(id, 70.0 + id as f64)));
        unit
    }

    #[test]
    fn mixed_unit_hand_computed() {
        // Head 1 (94) first drops to good: id 9 is not_complete (leader downgrade comes
        // before the quota, so the head takes no excellent place).
        // Good or better then: ids 1-6 + 10-16 (good, 80..86) = 13 → floor(2.6) = 2 allowed.
        // Ranking of the five excellent at 94/94/94/94/91:
        // id 4 (3 votes, 1 rework, day 2 08:00), id 3 (3, 1, day 2 09:00), id 2 (3, 1, none),
        // id 5 (0 votes), id 6 (91) → 4 and 3 stay excellent.
        let d = grade_unit(&mixed_unit(), &decree());
        let expected = [
            (1, Grade::Good),
            (2, Grade::Good),
            (3, Grade::Excellent),
            (4, Grade::Excellent),
            (5, Grade::Good),
            (6, Grade::Good),
            (7, Grade::NotComplete),
            (8, Grade::NotGraded),
            (9, Grade::NotComplete),
        ];
        for (id, grade) in expected {
            assert_eq!(grade_of(&d, id), grade, "staff {id}");
        }
        for id in 10..=16 {
            assert_eq!(grade_of(&d, id), Grade::Good, "staff {id}");
        }
        let quota_ranks = [(2, 3), (5, 4), (6, 5)];
        for (id, rank) in quota_ranks {
            assert_eq!(
                decision_of(&d, id).reasons[1],
                Reason::Quota { rank, allowed: 2 },
                "staff {id}"
            );
        }
        assert_eq!(
            decision_of(&d, 1).reasons,
            vec![
                Reason::Threshold {
                    total: 94.0,
                    grade: Grade::Excellent
                },
                leader_reason(CAUSE_MEMBER_NOT_COMPLETE, Grade::Excellent, Grade::Good),
            ]
        );
    }

    #[test]
    fn deterministic_and_input_order_independent() {
        let unit = mixed_unit();
        let policy = decree();
        let baseline = grade_unit(&unit, &policy);
        // Output follows the input order.
        let ids: Vec<i64> = baseline.iter().map(|d| d.staff_id).collect();
        let input_ids: Vec<i64> = unit.iter().map(|c| c.staff_id).collect();
        assert_eq!(ids, input_ids);
        assert_eq!(grade_unit(&unit, &policy), baseline);

        let mut by_id = baseline.clone();
        by_id.sort_by_key(|d| d.staff_id);
        let n = unit.len();
        for shift in 0..n {
            for reverse in [false, true] {
                let mut shuffled = unit.clone();
                shuffled.rotate_left(shift);
                if reverse {
                    shuffled.reverse();
                }
                // A fixed interleaving as a third permutation family.
                let (even, odd): (Vec<_>, Vec<_>) = shuffled
                    .iter()
                    .cloned()
                    .enumerate()
                    .partition(|(i, _)| i % 2 == 0);
                let interleaved: Vec<Candidate> =
                    odd.into_iter().chain(even).map(|(_, c)| c).collect();
                for input in [shuffled, interleaved] {
                    let mut got = grade_unit(&input, &policy);
                    got.sort_by_key(|d| d.staff_id);
                    assert_eq!(got, by_id, "shift {shift} reverse {reverse}");
                }
            }
        }
    }

    #[test]
    fn empty_unit() {
        assert_eq!(grade_unit(&[], &decree()), vec![]);
    }

    // --- reasons ----------------------------------------------------------------------------

    #[test]
    fn reason_json_and_messages() {
        let table = [
            (
                Reason::Threshold { total: 92.5, grade: Grade::Excellent },
                serde_json::json!({ "rule": "threshold", "total": 92.5, "grade": "excellent" }),
                "Tổng điểm 92,50 đạt mức \"Hoàn thành xuất sắc nhiệm vụ\"",
                "Total 92.50 reaches \"Excellent\"",
            ),
            (
                Reason::Discipline,
                serde_json::json!({ "rule": "discipline" }),
                "Bị xử lý kỷ luật từ mức khiển trách trở lên trong kỳ: xếp loại \"Không hoàn thành nhiệm vụ\"",
                "Disciplined at reprimand level or above in the period: \"Not complete\"",
            ),
            (
                Reason::NotGraded { worked_days: 10, required_days: 21 },
                serde_json::json!({ "rule": "not_graded", "worked_days": 10, "required_days": 21 }),
                "Thời gian công tác 10/21 ngày làm việc, chưa đủ một nửa kỳ đánh giá: \"Chưa xếp loại\"",
                "Worked 10 of 21 working days, less than half of the period: \"Not graded (worked too little of the period)\"",
            ),
            (
                Reason::Quota { rank: 3, allowed: 2 },
                serde_json::json!({ "rule": "quota", "rank": 3, "allowed": 2 }),
                "Vượt tỷ lệ \"Hoàn thành xuất sắc nhiệm vụ\": xếp thứ 3, chỉ được 2 suất; xếp loại \"Hoàn thành tốt nhiệm vụ\"",
                "Over the excellent quota: ranked 3, only 2 allowed; graded \"Good\"",
            ),
            (
                leader_reason(CAUSE_MEMBER_NOT_COMPLETE, Grade::Good, Grade::Complete),
                serde_json::json!({
                    "rule": "leader_downgrade",
                    "cause": "member_not_complete",
                    "from": "good",
                    "to": "complete"
                }),
                "Người đứng đầu: đơn vị có người không hoàn thành nhiệm vụ; hạ một mức từ \"Hoàn thành tốt nhiệm vụ\" xuống \"Hoàn thành nhiệm vụ\"",
                "Head of unit: a member of the unit did not complete tasks; downgraded one level from \"Good\" to \"Complete\"",
            ),
            (
                leader_reason(CAUSE_UNIT_QUANTITY_BELOW, Grade::Excellent, Grade::Good),
                serde_json::json!({
                    "rule": "leader_downgrade",
                    "cause": "unit_quantity_below_threshold",
                    "from": "excellent",
                    "to": "good"
                }),
                "Người đứng đầu: khối lượng công việc bình quân của đơn vị dưới mức quy định; hạ một mức từ \"Hoàn thành xuất sắc nhiệm vụ\" xuống \"Hoàn thành tốt nhiệm vụ\"",
                "Head of unit: the unit's average quantity is below the threshold; downgraded one level from \"Excellent\" to \"Good\"",
            ),
        ];
        for (reason, json, vi, en) in table {
            assert_eq!(serde_json::to_value(&reason).expect("json"), json);
            let back: Reason = serde_json::from_value(json).expect("parse");
            assert_eq!(back, reason);
            assert_eq!(reason.message_vi(), vi);
            assert_eq!(reason.message_en(), en);
        }
    }

    #[test]
    fn schemas_derive() {
        use utoipa::PartialSchema;
        // The API types produce OpenAPI schemas (compile-time derive, smoke-checked here).
        for schema in [
            Grade::schema(),
            Reason::schema(),
            GradeDecision::schema(),
            PolicyPreset::schema(),
            Bound::schema(),
        ] {
            assert!(serde_json::to_string(&schema).is_ok());
        }
    }
}
