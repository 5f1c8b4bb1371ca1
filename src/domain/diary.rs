//! Work diary rules: entry validation, the entry life cycle, who approves an entry and which
//! anomalies an approver is shown.
//!
//! Everything here is pure (no database, no clock, no HTTP): callers pass in "today", the facts
//! they loaded and the [`DiaryPolicy`] in force, and get back a decision or a [`DiaryError`]
//! carrying user-facing messages in Vietnamese and English.

use std::fmt;

use chrono::{NaiveDate, TimeDelta};
use serde::{Deserialize, Serialize};

/// Smallest duration of one entry, in minutes.
pub const MIN_MINUTES: i32 = 1;
/// Largest duration of one entry, in minutes (a whole day).
pub const MAX_MINUTES: i32 = 1440;
/// Largest sum of one person's minutes on one day (24 h).
pub const MAX_DAY_MINUTES: i64 = 1440;
/// Smallest quantity of one entry.
pub const MIN_QUANTITY: i32 = 1;
/// Largest quantity of one entry: a sanity cap so that typos (an extra zero or three) and
/// overflow in "quantity × standard minutes" cannot reach the KPI figures.
pub const MAX_QUANTITY: i32 = 10_000;

/// Tunable thresholds of the rulebook; `Default` gives the rulebook's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiaryPolicy {
    /// How many days back a work date may lie without the unit head's permission
    /// (today − `backdate_days` is still allowed).
    pub backdate_days: i64,
    /// A day whose total exceeds this many minutes is flagged (not refused).
    pub anomaly_day_minutes: i64,
    /// An entry is "far above standard" when its minutes exceed this factor × quantity ×
    /// standard minutes.
    pub far_above_factor: i64,
    /// An entry created more than this many days after its work date is a late backfill.
    pub late_backfill_days: i64,
}

impl Default for DiaryPolicy {
    fn default() -> Self {
        DiaryPolicy {
            backdate_days: 7,
            anomaly_day_minutes: 600,
            far_above_factor: 2,
            late_backfill_days: 3,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Field checks
// ---------------------------------------------------------------------------------------------

/// Minutes of one entry must lie in `MIN_MINUTES..=MAX_MINUTES`.
pub fn check_minutes(m: i32) -> Result<(), DiaryError> {
    if (MIN_MINUTES..=MAX_MINUTES).contains(&m) {
        Ok(())
    } else {
        Err(DiaryError::MinutesOutOfRange)
    }
}

/// Quantity of one entry must lie in `MIN_QUANTITY..=MAX_QUANTITY`.
pub fn check_quantity(q: i32) -> Result<(), DiaryError> {
    if (MIN_QUANTITY..=MAX_QUANTITY).contains(&q) {
        Ok(())
    } else {
        Err(DiaryError::QuantityOutOfRange)
    }
}

/// The oldest work date allowed without permission. Falls back to the earliest representable
/// date when the policy window is absurdly large, so a misconfiguration cannot panic.
fn oldest_allowed(today: NaiveDate, policy: &DiaryPolicy) -> NaiveDate {
    TimeDelta::try_days(policy.backdate_days.max(0))
        .and_then(|d| today.checked_sub_signed(d))
        .unwrap_or(NaiveDate::MIN)
}

/// A work date may not lie in the future (not even with permission: nobody can have done
/// tomorrow's work yet) and may not be older than the backdating window unless the unit head
/// granted an (audited) backdating permission.
pub fn check_work_date(
    today: NaiveDate,
    work_date: NaiveDate,
    policy: &DiaryPolicy,
    has_backdate_permission: bool,
) -> Result<(), DiaryError> {
    if work_date > today {
        return Err(DiaryError::FutureDate);
    }
    let oldest = oldest_allowed(today, policy);
    if work_date < oldest && !has_backdate_permission {
        return Err(DiaryError::BeyondBackdatingWindow {
            oldest_allowed: oldest,
        });
    }
    Ok(())
}

/// The day's load after adding an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayLoad {
    /// Sum of the person's minutes that day, this entry included.
    pub total: i64,
    /// The total exceeds the policy's anomaly threshold (shown to the approver, not refused).
    pub over_threshold: bool,
}

/// A person cannot work more than 24 h in one day; a long but possible day is only flagged.
///
/// `other_minutes_that_day` must exclude the entry being edited, so that editing an entry
/// does not count its old duration twice.
pub fn check_day_total(
    other_minutes_that_day: i64,
    this_entry_minutes: i32,
    policy: &DiaryPolicy,
) -> Result<DayLoad, DiaryError> {
    let total = other_minutes_that_day.saturating_add(i64::from(this_entry_minutes));
    if total > MAX_DAY_MINUTES {
        return Err(DiaryError::DayOverLimit { total });
    }
    Ok(DayLoad {
        total,
        over_threshold: total > policy.anomaly_day_minutes,
    })
}

// ---------------------------------------------------------------------------------------------
// Life cycle
// ---------------------------------------------------------------------------------------------

/// State of a diary entry: `draft → submitted → approved | returned`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EntryState {
    Draft,
    Submitted,
    Approved,
    Returned,
}

impl EntryState {
    pub const ALL: [EntryState; 4] = [
        EntryState::Draft,
        EntryState::Submitted,
        EntryState::Approved,
        EntryState::Returned,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EntryState::Draft => "draft",
            EntryState::Submitted => "submitted",
            EntryState::Approved => "approved",
            EntryState::Returned => "returned",
        }
    }

    /// Parses the stored text form; `None` for anything else.
    pub fn parse(s: &str) -> Option<EntryState> {
        EntryState::ALL
            .into_iter()
            .find(|st| st.as_str() == s.trim())
    }

    fn label_vi(self) -> &'static str {
        match self {
            EntryState::Draft => "nháp",
            EntryState::Submitted => "chờ duyệt",
            EntryState::Approved => "đã duyệt",
            EntryState::Returned => "bị trả lại",
        }
    }

    fn label_en(self) -> &'static str {
        match self {
            EntryState::Draft => "a draft",
            EntryState::Submitted => "awaiting approval",
            EntryState::Approved => "approved",
            EntryState::Returned => "returned",
        }
    }
}

/// Why an approver returned an entry. Only quality returns count as rework.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReturnKind {
    Quality,
    Other,
}

impl ReturnKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReturnKind::Quality => "quality",
            ReturnKind::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<ReturnKind> {
        match s.trim() {
            "quality" => Some(ReturnKind::Quality),
            "other" => Some(ReturnKind::Other),
            _ => None,
        }
    }
}

/// Something a user tries to do with an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryAction {
    Edit,
    Delete,
    Submit,
    Withdraw,
    Approve,
    Return,
    Revoke,
}

impl EntryAction {
    pub const ALL: [EntryAction; 7] = [
        EntryAction::Edit,
        EntryAction::Delete,
        EntryAction::Submit,
        EntryAction::Withdraw,
        EntryAction::Approve,
        EntryAction::Return,
        EntryAction::Revoke,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EntryAction::Edit => "edit",
            EntryAction::Delete => "delete",
            EntryAction::Submit => "submit",
            EntryAction::Withdraw => "withdraw",
            EntryAction::Approve => "approve",
            EntryAction::Return => "return",
            EntryAction::Revoke => "revoke",
        }
    }

    /// Verb phrase for "Không thể … một dòng nhật ký".
    fn verb_vi(self) -> &'static str {
        match self {
            EntryAction::Edit => "sửa",
            EntryAction::Delete => "xóa",
            EntryAction::Submit => "gửi duyệt",
            EntryAction::Withdraw => "rút lại",
            EntryAction::Approve => "duyệt",
            EntryAction::Return => "trả lại",
            EntryAction::Revoke => "thu hồi phê duyệt",
        }
    }

    /// Verb phrase for "Cannot … an entry".
    fn verb_en(self) -> &'static str {
        match self {
            EntryAction::Edit => "edit",
            EntryAction::Delete => "delete",
            EntryAction::Submit => "submit",
            EntryAction::Withdraw => "withdraw",
            EntryAction::Approve => "approve",
            EntryAction::Return => "return",
            EntryAction::Revoke => "revoke the approval of",
        }
    }
}

/// The state an entry moves to when `action` is applied, or `IllegalTransition`.
///
/// Edit and Delete keep the state: they are only allowed while the entry is in the owner's
/// hands (draft, or returned for correction). Who may perform an action (owner vs approver)
/// is checked elsewhere.
pub fn next_state(state: EntryState, action: EntryAction) -> Result<EntryState, DiaryError> {
    use EntryAction as A;
    use EntryState as S;
    match (state, action) {
        (S::Draft | S::Returned, A::Edit | A::Delete) => Ok(state),
        (S::Draft | S::Returned, A::Submit) => Ok(S::Submitted),
        (S::Submitted, A::Withdraw) => Ok(S::Draft),
        (S::Submitted, A::Approve) => Ok(S::Approved),
        (S::Submitted, A::Return) => Ok(S::Returned),
        (S::Approved, A::Revoke) => Ok(S::Submitted),
        (from, action) => Err(DiaryError::IllegalTransition { from, action }),
    }
}

/// Rework count after a submit: resubmitting an entry returned for quality is one more round of
/// rework; a return for other reasons (wrong product, wrong date…) is not the author's quality
/// problem, and a first submit from draft is not rework at all.
pub fn rework_after_submit(
    state_before: EntryState,
    last_return_kind: Option<ReturnKind>,
    rework_count: i32,
) -> i32 {
    if state_before == EntryState::Returned && last_return_kind == Some(ReturnKind::Quality) {
        rework_count.saturating_add(1)
    } else {
        rework_count
    }
}

// ---------------------------------------------------------------------------------------------
// Approvers
// ---------------------------------------------------------------------------------------------

/// What is known about an entry's owner and the people who could approve it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApproverFacts {
    pub owner_id: i64,
    /// Assigner of the task the entry is linked to, if any.
    pub task_assigner_id: Option<i64>,
    /// The owner's direct supervisor, if any.
    pub supervisor_id: Option<i64>,
    /// Head of the owner's unit, if any.
    pub unit_head_id: Option<i64>,
    /// Head of the parent of the owner's unit, if any.
    pub parent_unit_head_id: Option<i64>,
}

/// The approver of an entry: the first of task assigner → supervisor → unit head → parent unit
/// head that exists and is not the owner. Skipping the owner (rather than stopping) is what
/// sends a unit head's own entries to the parent unit's head, and a self-assigned task to the
/// supervisor. `None` means only the organisation department can decide.
pub fn resolve_approver(f: &ApproverFacts) -> Option<i64> {
    [
        f.task_assigner_id,
        f.supervisor_id,
        f.unit_head_id,
        f.parent_unit_head_id,
    ]
    .into_iter()
    .flatten()
    .find(|&id| id != f.owner_id)
}

/// An approver handing their approvals to someone else for a period (both ends inclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delegation {
    pub approver_id: i64,
    pub acting_id: i64,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Delegation {
    fn covers(&self, on: NaiveDate) -> bool {
        self.from <= on && on <= self.to
    }
}

/// The delegation of `approver` in force on `on` that may act for an entry of `owner_id`.
/// A delegation to the owner is ignored (it would be self-approval). When several overlap, the
/// most recently started wins; on equal start dates the later one in the slice (the more
/// recently recorded, when loaded in creation order) wins, so the result is deterministic.
fn active_delegation(
    approver: i64,
    owner_id: i64,
    delegations: &[Delegation],
    on: NaiveDate,
) -> Option<&Delegation> {
    delegations
        .iter()
        .filter(|d| d.approver_id == approver && d.acting_id != owner_id && d.covers(on))
        .max_by_key(|d| d.from)
}

/// Who actually decides in place of `approver` on `on`: the acting person of an active
/// delegation (see [`active_delegation`]), else the approver.
pub fn acting_approver(
    approver: i64,
    owner_id: i64,
    delegations: &[Delegation],
    on: NaiveDate,
) -> i64 {
    active_delegation(approver, owner_id, delegations, on).map_or(approver, |d| d.acting_id)
}

/// Whether `actor_id` may approve, return or revoke an entry of `owner_id`.
///
/// The owner never may, whatever their role: self-approval would defeat the purpose of the
/// diary. The organisation department may act on any unit (that is also the fallback when
/// nobody is left to approve). Otherwise the actor must be the approver or the acting person of
/// any delegation from the approver covering `on`; the approver keeps the right while a
/// delegation runs, so an early return from leave does not block work.
pub fn may_decide(
    actor_id: i64,
    actor_is_org_wide: bool,
    owner_id: i64,
    approver_id: Option<i64>,
    delegations: &[Delegation],
    on: NaiveDate,
) -> Result<(), DiaryError> {
    if actor_id == owner_id {
        return Err(DiaryError::SelfApproval);
    }
    if actor_is_org_wide {
        return Ok(());
    }
    let Some(approver) = approver_id else {
        return Err(DiaryError::NotApprover);
    };
    let delegated = delegations
        .iter()
        .any(|d| d.approver_id == approver && d.acting_id == actor_id && d.covers(on));
    if actor_id == approver || delegated {
        Ok(())
    } else {
        Err(DiaryError::NotApprover)
    }
}

// ---------------------------------------------------------------------------------------------
// Anomalies
// ---------------------------------------------------------------------------------------------

/// A reason for an approver to look twice at an entry. Never a refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Anomaly {
    DayOverThreshold,
    FarAboveStandard,
    NonWorkingDay,
    Duplicate,
    LateBackfill,
}

impl Anomaly {
    pub fn as_str(self) -> &'static str {
        match self {
            Anomaly::DayOverThreshold => "day_over_threshold",
            Anomaly::FarAboveStandard => "far_above_standard",
            Anomaly::NonWorkingDay => "non_working_day",
            Anomaly::Duplicate => "duplicate",
            Anomaly::LateBackfill => "late_backfill",
        }
    }
}

/// What is known about an entry when listing it for approval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryFacts {
    pub work_date: NaiveDate,
    pub created_on: NaiveDate,
    pub quantity: i32,
    pub minutes: i32,
    /// Standard minutes per unit of the product; 0 or less means "no standard set".
    pub standard_minutes: i32,
    /// Sum of the owner's minutes on `work_date`, this entry included.
    pub day_total: i64,
    pub is_working_day: bool,
    /// Number of OTHER entries of the same person with the same date, product, quantity,
    /// minutes and note.
    pub identical_entries: u32,
    /// A backdate permission covers the line's date (then it is not a late backfill).
    #[serde(default)]
    pub backdate_permitted: bool,
}

/// One live line of a person's day, as the anomaly rules see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayLine<'a> {
    pub product_id: i64,
    pub quantity: i32,
    pub minutes: i32,
    pub note: &'a str,
    /// Standard minutes per unit of the product; 0 or less means "no standard set".
    pub standard_minutes: i32,
    /// The organisation's local date the line was created on.
    pub created_on: NaiveDate,
    /// A backdate permission covers the line's date (see [`BackdateCover`]).
    pub backdate_permitted: bool,
}

/// A backdate permission as the rules see it: a date range, for one person or a whole unit
/// (the lines logged in that unit). Revoked permissions are not given to the rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackdateCover {
    pub staff_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl BackdateCover {
    /// The permission covers a line of `staff_id` logged in `unit_id` for `day`.
    pub fn covers(&self, staff_id: i64, unit_id: Option<i64>, day: NaiveDate) -> bool {
        let who = match (self.staff_id, self.unit_id) {
            (Some(s), _) => s == staff_id,
            (None, Some(u)) => unit_id == Some(u),
            (None, None) => false,
        };
        who && self.from <= day && day <= self.to
    }
}

/// Some permission of `permits` covers the line.
pub fn backdate_covered(
    permits: &[BackdateCover],
    staff_id: i64,
    unit_id: Option<i64>,
    day: NaiveDate,
) -> bool {
    permits.iter().any(|p| p.covers(staff_id, unit_id, day))
}

/// What makes two lines of a day "exact duplicates": same product, quantity, minutes and note,
/// the note compared trimmed and case-insensitively (Unicode lower case, so "Hồ sơ" = "hồ sơ ").
fn duplicate_key(l: &DayLine<'_>) -> (i64, i32, i32, String) {
    (
        l.product_id,
        l.quantity,
        l.minutes,
        l.note.trim().to_lowercase(),
    )
}

/// The facts of each line of one person's day, in the order of `lines`. The day total and the
/// identical lines are counted among `lines` only: the caller decides which lines a day is made
/// of (the approval queue: every live line; reports: the declared ones).
pub fn day_facts(
    work_date: NaiveDate,
    is_working_day: bool,
    lines: &[DayLine<'_>],
) -> Vec<EntryFacts> {
    let day_total: i64 = lines.iter().map(|l| i64::from(l.minutes)).sum();
    let keys: Vec<_> = lines.iter().map(duplicate_key).collect();
    let mut same: std::collections::HashMap<&(i64, i32, i32, String), u32> =
        std::collections::HashMap::new();
    for k in &keys {
        *same.entry(k).or_default() += 1;
    }
    lines
        .iter()
        .zip(&keys)
        .map(|(l, k)| EntryFacts {
            work_date,
            created_on: l.created_on,
            quantity: l.quantity,
            minutes: l.minutes,
            standard_minutes: l.standard_minutes,
            day_total,
            is_working_day,
            identical_entries: same.get(k).copied().unwrap_or(1).saturating_sub(1),
            backdate_permitted: l.backdate_permitted,
        })
        .collect()
}

/// The anomalies of an entry, in the fixed order of [`Anomaly`]'s variants.
pub fn anomalies(e: &EntryFacts, policy: &DiaryPolicy) -> Vec<Anomaly> {
    let mut out = Vec::new();
    if e.day_total > policy.anomaly_day_minutes {
        out.push(Anomaly::DayOverThreshold);
    }
    // Without a standard time there is nothing to compare against; flagging every entry of
    // such a product would only teach approvers to ignore the flag.
    if e.standard_minutes > 0 {
        let limit = policy
            .far_above_factor
            .saturating_mul(i64::from(e.quantity))
            .saturating_mul(i64::from(e.standard_minutes));
        if i64::from(e.minutes) > limit {
            out.push(Anomaly::FarAboveStandard);
        }
    }
    if !e.is_working_day {
        out.push(Anomaly::NonWorkingDay);
    }
    if e.identical_entries > 0 {
        out.push(Anomaly::Duplicate);
    }
    if !e.backdate_permitted && (e.created_on - e.work_date).num_days() > policy.late_backfill_days
    {
        out.push(Anomaly::LateBackfill);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// Why a diary operation was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiaryError {
    MinutesOutOfRange,
    QuantityOutOfRange,
    FutureDate,
    BeyondBackdatingWindow {
        oldest_allowed: NaiveDate,
    },
    DayOverLimit {
        total: i64,
    },
    IllegalTransition {
        from: EntryState,
        action: EntryAction,
    },
    SelfApproval,
    NotApprover,
}

impl DiaryError {
    /// User-facing message in Vietnamese (dates as dd/mm/yyyy, as users write them).
    pub fn message_vi(&self) -> String {
        match self {
            DiaryError::MinutesOutOfRange => format!(
                "Thời gian thực hiện phải từ {MIN_MINUTES} đến {MAX_MINUTES} phút."
            ),
            DiaryError::QuantityOutOfRange => "Số lượng phải từ 1 đến 10.000.".to_string(),
            DiaryError::FutureDate => {
                "Không thể ghi nhật ký cho một ngày trong tương lai.".to_string()
            }
            DiaryError::BeyondBackdatingWindow { oldest_allowed } => format!(
                "Chỉ được ghi bù nhật ký từ ngày {} trở đi; ngày cũ hơn cần được trưởng đơn vị cho phép.",
                oldest_allowed.format("%d/%m/%Y")
            ),
            DiaryError::DayOverLimit { total } => format!(
                "Tổng thời gian trong ngày ({total} phút) vượt quá 24 giờ ({MAX_DAY_MINUTES} phút)."
            ),
            DiaryError::IllegalTransition { from, action } => format!(
                "Không thể {} một dòng nhật ký ở trạng thái {}.",
                action.verb_vi(),
                from.label_vi()
            ),
            DiaryError::SelfApproval => {
                "Không ai được tự duyệt hoặc trả lại nhật ký của chính mình.".to_string()
            }
            DiaryError::NotApprover => {
                "Bạn không phải người duyệt dòng nhật ký này.".to_string()
            }
        }
    }

    /// User-facing message in English.
    pub fn message_en(&self) -> String {
        match self {
            DiaryError::MinutesOutOfRange => {
                format!("Minutes must be between {MIN_MINUTES} and {MAX_MINUTES}.")
            }
            DiaryError::QuantityOutOfRange => {
                format!("Quantity must be between {MIN_QUANTITY} and {MAX_QUANTITY}.")
            }
            DiaryError::FutureDate => "Cannot log work for a future date.".to_string(),
            DiaryError::BeyondBackdatingWindow { oldest_allowed } => format!(
                "Work can only be backdated to {oldest_allowed}; older dates need the unit head's permission."
            ),
            DiaryError::DayOverLimit { total } => format!(
                "The day's total ({total} minutes) exceeds 24 hours ({MAX_DAY_MINUTES} minutes)."
            ),
            DiaryError::IllegalTransition { from, action } => format!(
                "Cannot {} an entry that is {}.",
                action.verb_en(),
                from.label_en()
            ),
            DiaryError::SelfApproval => {
                "Nobody may approve or return their own entry.".to_string()
            }
            DiaryError::NotApprover => "You are not the approver of this entry.".to_string(),
        }
    }

    /// The request field at fault for validation errors, so the UI can highlight it; `None`
    /// for state and permission errors, which are not about one field.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            DiaryError::MinutesOutOfRange | DiaryError::DayOverLimit { .. } => Some("minutes"),
            DiaryError::QuantityOutOfRange => Some("quantity"),
            DiaryError::FutureDate | DiaryError::BeyondBackdatingWindow { .. } => Some("work_date"),
            DiaryError::IllegalTransition { .. }
            | DiaryError::SelfApproval
            | DiaryError::NotApprover => None,
        }
    }
}

impl fmt::Display for DiaryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message_en())
    }
}

impl std::error::Error for DiaryError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid test date")
    }

    const TODAY: (i32, u32, u32) = (2024, 3, 15);

    fn today() -> NaiveDate {
        d(TODAY.0, TODAY.1, TODAY.2)
    }

    fn days_ago(n: i64) -> NaiveDate {
        today() - TimeDelta::days(n)
    }

    #[test]
    fn minutes_bounds() {
        let cases = [
            (i32::MIN, false),
            (-1, false),
            (0, false),
            (1, true),
            (60, true),
            (1440, true),
            (1441, false),
            (i32::MAX, false),
        ];
        for (m, ok) in cases {
            let r = check_minutes(m);
            assert_eq!(r.is_ok(), ok, "minutes {m}");
            if !ok {
                assert_eq!(r, Err(DiaryError::MinutesOutOfRange));
            }
        }
    }

    #[test]
    fn quantity_bounds() {
        let cases = [
            (-5, false),
            (0, false),
            (1, true),
            (10_000, true),
            (10_001, false),
        ];
        for (q, ok) in cases {
            let r = check_quantity(q);
            assert_eq!(r.is_ok(), ok, "quantity {q}");
            if !ok {
                assert_eq!(r, Err(DiaryError::QuantityOutOfRange));
            }
        }
    }

    #[test]
    fn work_date_window() {
        let p = DiaryPolicy::default();
        let beyond = Err(DiaryError::BeyondBackdatingWindow {
            oldest_allowed: days_ago(7),
        });
        let cases = [
            ("today", today(), false, Ok(())),
            ("yesterday", days_ago(1), false, Ok(())),
            ("today-7", days_ago(7), false, Ok(())),
            ("today-8", days_ago(8), false, beyond),
            ("today-8 permitted", days_ago(8), true, Ok(())),
            ("today-400 permitted", days_ago(400), true, Ok(())),
            ("tomorrow", days_ago(-1), false, Err(DiaryError::FutureDate)),
            (
                "tomorrow permitted",
                days_ago(-1),
                true,
                Err(DiaryError::FutureDate),
            ),
        ];
        for (name, wd, perm, want) in cases {
            assert_eq!(check_work_date(today(), wd, &p, perm), want, "{name}");
        }
    }

    #[test]
    fn work_date_window_follows_policy_and_survives_absurd_values() {
        let p3 = DiaryPolicy {
            backdate_days: 3,
            ..DiaryPolicy::default()
        };
        assert_eq!(check_work_date(today(), days_ago(3), &p3, false), Ok(()));
        assert!(check_work_date(today(), days_ago(4), &p3, false).is_err());

        let huge = DiaryPolicy {
            backdate_days: i64::MAX,
            ..DiaryPolicy::default()
        };
        assert_eq!(
            check_work_date(today(), NaiveDate::MIN, &huge, false),
            Ok(())
        );

        // A negative window behaves as "today only", never as "the future is fine".
        let neg = DiaryPolicy {
            backdate_days: -5,
            ..DiaryPolicy::default()
        };
        assert_eq!(check_work_date(today(), today(), &neg, false), Ok(()));
        assert!(check_work_date(today(), days_ago(1), &neg, false).is_err());
    }

    #[test]
    fn day_total() {
        let p = DiaryPolicy::default();
        let cases: [(i64, i32, Result<DayLoad, DiaryError>); 6] = [
            (
                0,
                60,
                Ok(DayLoad {
                    total: 60,
                    over_threshold: false,
                }),
            ),
            (
                540,
                60,
                Ok(DayLoad {
                    total: 600,
                    over_threshold: false,
                }),
            ),
            (
                540,
                61,
                Ok(DayLoad {
                    total: 601,
                    over_threshold: true,
                }),
            ),
            (
                1380,
                60,
                Ok(DayLoad {
                    total: 1440,
                    over_threshold: true,
                }),
            ),
            (1381, 60, Err(DiaryError::DayOverLimit { total: 1441 })),
            (
                0,
                1440,
                Ok(DayLoad {
                    total: 1440,
                    over_threshold: true,
                }),
            ),
        ];
        for (other, this, want) in cases {
            assert_eq!(check_day_total(other, this, &p), want, "{other}+{this}");
        }
        // No overflow panic on nonsense input.
        assert!(check_day_total(i64::MAX, i32::MAX, &p).is_err());
    }

    #[test]
    fn full_transition_table() {
        use EntryAction as A;
        use EntryState as S;
        // One row per state, one column per action in `EntryAction::ALL` order:
        //        Edit, Delete, Submit, Withdraw, Approve, Return, Revoke.
        // Letters are the expected next state (D/S/A/R), '-' means illegal.
        let table = [
            (S::Draft, "DDS----"),
            (S::Submitted, "---DAR-"),
            (S::Approved, "------S"),
            (S::Returned, "RRS----"),
        ];
        let decode = |c: char| match c {
            'D' => Some(S::Draft),
            'S' => Some(S::Submitted),
            'A' => Some(S::Approved),
            'R' => Some(S::Returned),
            _ => None,
        };
        let mut checked = 0;
        for (from, row) in table {
            assert_eq!(row.len(), A::ALL.len());
            for (action, code) in A::ALL.into_iter().zip(row.chars()) {
                let got = next_state(from, action);
                let want = decode(code).ok_or(DiaryError::IllegalTransition { from, action });
                assert_eq!(got, want, "{} + {}", from.as_str(), action.as_str());
                checked += 1;
            }
        }
        assert_eq!(checked, 28);
        assert_eq!(S::ALL.len() * A::ALL.len(), 28);
    }

    #[test]
    fn rework_counting() {
        use EntryState as S;
        let cases = [
            (S::Returned, Some(ReturnKind::Quality), 0, 1),
            (S::Returned, Some(ReturnKind::Quality), 2, 3),
            (S::Returned, Some(ReturnKind::Other), 2, 2),
            (S::Returned, None, 2, 2),
            // A draft that was once returned for quality, withdrawn and resubmitted: no rework.
            (S::Draft, Some(ReturnKind::Quality), 1, 1),
            (S::Draft, None, 0, 0),
            (S::Returned, Some(ReturnKind::Quality), i32::MAX, i32::MAX),
        ];
        for (before, kind, count, want) in cases {
            assert_eq!(
                rework_after_submit(before, kind, count),
                want,
                "{before:?} {kind:?} {count}"
            );
        }
    }

    #[test]
    fn string_forms_round_trip() {
        for s in EntryState::ALL {
            assert_eq!(EntryState::parse(s.as_str()), Some(s));
        }
        for k in [ReturnKind::Quality, ReturnKind::Other] {
            assert_eq!(ReturnKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(EntryState::parse("Approved"), None);
        assert_eq!(EntryState::parse(""), None);
        assert_eq!(ReturnKind::parse("bad"), None);
        let actions: Vec<&str> = EntryAction::ALL.iter().map(|a| a.as_str()).collect();
        assert_eq!(
            actions,
            ["edit", "delete", "submit", "withdraw", "approve", "return", "revoke"]
        );
        let anomalies: Vec<&str> = [
            Anomaly::DayOverThreshold,
            Anomaly::FarAboveStandard,
            Anomaly::NonWorkingDay,
            Anomaly::Duplicate,
            Anomaly::LateBackfill,
        ]
        .iter()
        .map(|a| a.as_str())
        .collect();
        assert_eq!(
            anomalies,
            [
                "day_over_threshold",
                "far_above_standard",
                "non_working_day",
                "duplicate",
                "late_backfill"
            ]
        );
    }

    const OWNER: i64 = 1;

    fn facts(
        assigner: Option<i64>,
        supervisor: Option<i64>,
        head: Option<i64>,
        parent: Option<i64>,
    ) -> ApproverFacts {
        ApproverFacts {
            owner_id: OWNER,
            task_assigner_id: assigner,
            supervisor_id: supervisor,
            unit_head_id: head,
            parent_unit_head_id: parent,
        }
    }

    #[test]
    fn approver_resolution() {
        let cases = [
            (
                "task assigner first",
                facts(Some(10), Some(20), Some(30), Some(40)),
                Some(10),
            ),
            (
                "supervisor without task",
                facts(None, Some(20), Some(30), Some(40)),
                Some(20),
            ),
            (
                "unit head without supervisor",
                facts(None, None, Some(30), Some(40)),
                Some(30),
            ),
            (
                "owner is unit head",
                facts(None, None, Some(OWNER), Some(40)),
                Some(40),
            ),
            (
                "self-assigned task skipped",
                facts(Some(OWNER), Some(20), Some(30), None),
                Some(20),
            ),
            (
                "self-assigned, head is owner",
                facts(Some(OWNER), None, Some(OWNER), Some(40)),
                Some(40),
            ),
            ("no unit head", facts(None, None, None, Some(40)), Some(40)),
            ("nobody", facts(None, None, None, None), None),
            (
                "only the owner",
                facts(Some(OWNER), Some(OWNER), Some(OWNER), Some(OWNER)),
                None,
            ),
        ];
        for (name, f, want) in cases {
            assert_eq!(resolve_approver(&f), want, "{name}");
        }
    }

    const APPROVER: i64 = 30;

    fn deleg(acting: i64, from: NaiveDate, to: NaiveDate) -> Delegation {
        Delegation {
            approver_id: APPROVER,
            acting_id: acting,
            from,
            to,
        }
    }

    #[test]
    fn delegation_resolution() {
        let (from, to) = (d(2024, 3, 10), d(2024, 3, 20));
        let week = [deleg(50, from, to)];
        let other_approver = [Delegation {
            approver_id: 99,
            ..deleg(50, from, to)
        }];
        let to_owner = [deleg(OWNER, from, to)];
        let overlapping = [
            deleg(60, d(2024, 3, 12), to),
            deleg(50, from, to),
            deleg(70, d(2024, 3, 1), d(2024, 3, 31)),
        ];
        let owner_newest = [deleg(50, from, to), deleg(OWNER, d(2024, 3, 14), to)];
        let cases: [(&str, &[Delegation], NaiveDate, i64); 10] = [
            ("none", &[], d(2024, 3, 15), APPROVER),
            ("active", &week, d(2024, 3, 15), 50),
            ("first day inclusive", &week, from, 50),
            ("last day inclusive", &week, to, 50),
            ("day before", &week, d(2024, 3, 9), APPROVER),
            ("day after", &week, d(2024, 3, 21), APPROVER),
            (
                "someone else's delegation",
                &other_approver,
                d(2024, 3, 15),
                APPROVER,
            ),
            (
                "acting person is owner",
                &to_owner,
                d(2024, 3, 15),
                APPROVER,
            ),
            ("latest from wins", &overlapping, d(2024, 3, 15), 60),
            (
                "owner delegation skipped among several",
                &owner_newest,
                d(2024, 3, 15),
                50,
            ),
        ];
        for (name, ds, on, want) in cases {
            assert_eq!(acting_approver(APPROVER, OWNER, ds, on), want, "{name}");
        }
    }

    #[test]
    fn may_decide_rules() {
        let on = d(2024, 3, 15);
        let active = [deleg(50, d(2024, 3, 10), d(2024, 3, 20))];
        let expired = [deleg(50, d(2024, 3, 1), d(2024, 3, 14))];
        let ok = Ok(());
        let self_ = Err(DiaryError::SelfApproval);
        let not = Err(DiaryError::NotApprover);
        // (name, actor, org-wide, approver, delegations, expected)
        type Case<'a> = (
            &'a str,
            i64,
            bool,
            Option<i64>,
            &'a [Delegation],
            Result<(), DiaryError>,
        );
        let cases: [Case; 11] = [
            ("approver", APPROVER, false, Some(APPROVER), &[], ok),
            (
                "approver during delegation",
                APPROVER,
                false,
                Some(APPROVER),
                &active,
                ok,
            ),
            ("delegate", 50, false, Some(APPROVER), &active, ok),
            ("expired delegate", 50, false, Some(APPROVER), &expired, not),
            ("random head", 77, false, Some(APPROVER), &active, not),
            ("org role", 77, true, Some(APPROVER), &[], ok),
            ("org role, nobody to approve", 77, true, None, &[], ok),
            ("nobody to approve, not org", 77, false, None, &[], not),
            ("owner", OWNER, false, Some(APPROVER), &[], self_),
            (
                "owner with org role",
                OWNER,
                true,
                Some(APPROVER),
                &[],
                self_,
            ),
            (
                "owner as resolved approver",
                OWNER,
                false,
                Some(OWNER),
                &[],
                self_,
            ),
        ];
        for (name, actor, org, approver, ds, want) in cases {
            assert_eq!(
                may_decide(actor, org, OWNER, approver, ds, on),
                want,
                "{name}"
            );
        }
    }

    fn plain_entry() -> EntryFacts {
        EntryFacts {
            work_date: d(2024, 3, 15),
            created_on: d(2024, 3, 15),
            quantity: 2,
            minutes: 120,
            standard_minutes: 30, // limit 2 × 2 × 30 = 120
            day_total: 480,
            is_working_day: true,
            identical_entries: 0,
            backdate_permitted: false,
        }
    }

    #[test]
    fn day_facts_total_the_day_and_count_identical_lines() {
        let d = NaiveDate::from_ymd_opt(2026, 10, 5).unwrap();
        let line = |product_id, minutes, note| DayLine {
            product_id,
            quantity: 1,
            minutes,
            note,
            standard_minutes: 60,
            created_on: d,
            backdate_permitted: false,
        };
        let lines = [
            line(1, 120, "Hồ sơ A"),
            line(1, 120, "  hồ sơ a "), // same line: trimmed, Unicode lower case
            line(1, 120, "Hồ sơ B"),    // other note
            line(1, 90, "Hồ sơ A"),     // other minutes
            line(2, 120, "Hồ sơ A"),    // other product
        ];
        let facts = day_facts(d, false, &lines);
        let identical: Vec<u32> = facts.iter().map(|f| f.identical_entries).collect();
        assert_eq!(identical, vec![1, 1, 0, 0, 0]);
        assert!(facts
            .iter()
            .all(|f| f.day_total == 570 && !f.is_working_day));
        assert_eq!(facts[3].minutes, 90);
        assert!(day_facts(d, true, &[]).is_empty());
    }

    #[test]
    fn backdate_cover_by_person_or_unit_and_range() {
        let day = |n| NaiveDate::from_ymd_opt(2026, 10, n).expect("date");
        let person = BackdateCover {
            staff_id: Some(7),
            unit_id: None,
            from: day(1),
            to: day(31),
        };
        let unit = BackdateCover {
            staff_id: None,
            unit_id: Some(3),
            from: day(5),
            to: day(9),
        };
        assert!(person.covers(7, Some(99), day(1)));
        assert!(person.covers(7, None, day(31)));
        assert!(!person.covers(8, Some(3), day(15)));
        assert!(unit.covers(8, Some(3), day(5)) && unit.covers(8, Some(3), day(9)));
        assert!(!unit.covers(8, Some(3), day(4)) && !unit.covers(8, Some(3), day(10)));
        assert!(!unit.covers(8, Some(4), day(6)));
        assert!(backdate_covered(&[person, unit], 8, Some(3), day(6)));
        assert!(!backdate_covered(&[person, unit], 8, Some(3), day(12)));
        assert!(!backdate_covered(&[], 7, Some(3), day(6)));
    }

    #[test]
    fn anomalies_each_on_and_off() {
        let p = DiaryPolicy::default();
        let base = plain_entry();
        let cases: Vec<(&str, EntryFacts, Vec<Anomaly>)> = vec![
            ("clean", base, vec![]),
            (
                "day 600",
                EntryFacts {
                    day_total: 600,
                    ..base
                },
                vec![],
            ),
            (
                "day 601",
                EntryFacts {
                    day_total: 601,
                    ..base
                },
                vec![Anomaly::DayOverThreshold],
            ),
            (
                "minutes at 2x",
                EntryFacts {
                    minutes: 120,
                    ..base
                },
                vec![],
            ),
            (
                "minutes above 2x",
                EntryFacts {
                    minutes: 121,
                    ..base
                },
                vec![Anomaly::FarAboveStandard],
            ),
            (
                "no standard",
                EntryFacts {
                    minutes: 900,
                    standard_minutes: 0,
                    ..base
                },
                vec![],
            ),
            (
                "holiday",
                EntryFacts {
                    is_working_day: false,
                    ..base
                },
                vec![Anomaly::NonWorkingDay],
            ),
            (
                "duplicate",
                EntryFacts {
                    identical_entries: 1,
                    ..base
                },
                vec![Anomaly::Duplicate],
            ),
            (
                "created +3 days",
                EntryFacts {
                    created_on: d(2024, 3, 18),
                    ..base
                },
                vec![],
            ),
            (
                "created +4 days",
                EntryFacts {
                    created_on: d(2024, 3, 19),
                    ..base
                },
                vec![Anomaly::LateBackfill],
            ),
            (
                "created +40 days under a backdate permission",
                EntryFacts {
                    created_on: d(2024, 4, 24),
                    backdate_permitted: true,
                    ..base
                },
                vec![],
            ),
            (
                "all at once",
                EntryFacts {
                    day_total: 700,
                    minutes: 500,
                    is_working_day: false,
                    identical_entries: 3,
                    created_on: d(2024, 4, 1),
                    ..base
                },
                vec![
                    Anomaly::DayOverThreshold,
                    Anomaly::FarAboveStandard,
                    Anomaly::NonWorkingDay,
                    Anomaly::Duplicate,
                    Anomaly::LateBackfill,
                ],
            ),
            (
                "huge product does not overflow",
                EntryFacts {
                    quantity: i32::MAX,
                    standard_minutes: i32::MAX,
                    ..base
                },
                vec![],
            ),
        ];
        for (name, e, want) in cases {
            assert_eq!(anomalies(&e, &p), want, "{name}");
        }
    }

    #[test]
    fn error_messages_and_fields() {
        let illegal = DiaryError::IllegalTransition {
            from: EntryState::Approved,
            action: EntryAction::Submit,
        };
        assert_eq!(
            illegal.message_vi(),
            "Không thể gửi duyệt một dòng nhật ký ở trạng thái đã duyệt."
        );
        assert_eq!(
            illegal.message_en(),
            "Cannot submit an entry that is approved."
        );
        assert_eq!(illegal.to_string(), illegal.message_en());

        let window = DiaryError::BeyondBackdatingWindow {
            oldest_allowed: d(2024, 3, 8),
        };
        assert!(window.message_vi().contains("08/03/2024"));
        assert!(window.message_en().contains("2024-03-08"));
        assert!(DiaryError::DayOverLimit { total: 1441 }
            .message_vi()
            .contains("1441"));

        let cases = [
            (DiaryError::MinutesOutOfRange, Some("minutes")),
            (DiaryError::QuantityOutOfRange, Some("quantity")),
            (DiaryError::FutureDate, Some("work_date")),
            (window, Some("work_date")),
            (DiaryError::DayOverLimit { total: 1441 }, Some("minutes")),
            (illegal, None),
            (DiaryError::SelfApproval, None),
            (DiaryError::NotApprover, None),
        ];
        for (err, field) in cases {
            assert_eq!(err.field(), field, "{err:?}");
            assert!(!err.message_vi().is_empty() && !err.message_en().is_empty());
            assert_ne!(err.message_vi(), err.message_en(), "{err:?}");
        }
    }

    #[test]
    fn serde_uses_snake_case() {
        // serde_json is not a dependency; check the derive through the `as_str` contract using
        // serde's own value deserializer for strings.
        use serde::de::value::{Error as DeError, StrDeserializer};
        use serde::de::IntoDeserializer;
        for s in EntryState::ALL {
            let de: StrDeserializer<DeError> = s.as_str().into_deserializer();
            assert_eq!(EntryState::deserialize(de), Ok(s));
        }
        let de: StrDeserializer<DeError> = "late_backfill".into_deserializer();
        assert_eq!(Anomaly::deserialize(de), Ok(Anomaly::LateBackfill));
        let de: StrDeserializer<DeError> = "quality".into_deserializer();
        assert_eq!(ReturnKind::deserialize(de), Ok(ReturnKind::Quality));
    }
}
