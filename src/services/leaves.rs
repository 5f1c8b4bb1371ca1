//! Leave (absences): a person requests leave for themselves; their approver (the same chain as
//! diary entries, delegations honoured) approves or rejects it. Only approved leave removes norm
//! minutes (`domain::calendar::LeaveKind::removes_norm`), which `leave_days` feeds to the week
//! summaries.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};

use crate::db::leaves::{Leave, LeaveListFilter, NewLeave};
use crate::db::{self, DbConnection};
use crate::domain::calendar::{DayPortion, LeaveDay, LeaveKind};
use crate::domain::period::SUPPORTED_YEARS;
use crate::domain::scope::Viewer;
use crate::error::{AppError, AppResult, FieldIssue};
use crate::i18n::Text;
use crate::services::{approvers, audit, Page, Paging};

/// Longest leave one request may cover, in calendar days (both ends included).
pub const MAX_LEAVE_DAYS: i64 = 366;

pub const REQUESTED: &str = "requested";
pub const APPROVED: &str = "approved";
pub const REJECTED: &str = "rejected";
pub const CANCELLED: &str = "cancelled";

/// A leave request as the caller sent it (shape already checked by the route).
#[derive(Debug, Clone)]
pub struct LeaveDraft {
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub kind: LeaveKind,
    pub portion: DayPortion,
    pub reason: String,
}

/// Approve or reject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeaveDecision {
    Approve,
    Reject,
}

impl LeaveDecision {
    fn action(self) -> &'static str {
        match self {
            LeaveDecision::Approve => "approve",
            LeaveDecision::Reject => "reject",
        }
    }

    fn to_state(self) -> &'static str {
        match self {
            LeaveDecision::Approve => APPROVED,
            LeaveDecision::Reject => REJECTED,
        }
    }
}

pub fn portion_str(p: DayPortion) -> &'static str {
    match p {
        DayPortion::Full => "full",
        DayPortion::Half => "half",
    }
}

fn parse_portion(s: &str) -> DayPortion {
    if s == "half" {
        DayPortion::Half
    } else {
        DayPortion::Full
    }
}

/// The date rules of a request, every broken one reported with its field.
fn check_draft(d: &LeaveDraft) -> AppResult<()> {
    let mut issues = Vec::new();
    for (field, date) in [("start_date", d.start_date), ("end_date", d.end_date)] {
        if !SUPPORTED_YEARS.contains(&date.year()) {
            issues.push(FieldIssue::new(
                field,
                "range",
                Text::new(
                    format!(
                        "Năm phải từ {} đến {}.",
                        SUPPORTED_YEARS.start(),
                        SUPPORTED_YEARS.end()
                    ),
                    format!(
                        "The year must be between {} and {}.",
                        SUPPORTED_YEARS.start(),
                        SUPPORTED_YEARS.end()
                    ),
                ),
            ));
        }
    }
    let days = (d.end_date - d.start_date).num_days() + 1;
    if d.end_date < d.start_date {
        issues.push(FieldIssue::new(
            "end_date",
            "before_start",
            Text::new(
                "Ngày kết thúc không được trước ngày bắt đầu.",
                "The end date may not be before the start date.",
            ),
        ));
    } else if days > MAX_LEAVE_DAYS {
        issues.push(FieldIssue::new(
            "end_date",
            "range",
            Text::new(
                format!("Một đơn nghỉ tối đa {MAX_LEAVE_DAYS} ngày."),
                format!("One leave request covers at most {MAX_LEAVE_DAYS} days."),
            ),
        ));
    }
    if d.portion == DayPortion::Half && d.start_date != d.end_date {
        issues.push(FieldIssue::new(
            "portion",
            "half_day_range",
            Text::new(
                "Nghỉ nửa ngày chỉ áp dụng cho một ngày (ngày bắt đầu trùng ngày kết thúc).",
                "Half-day leave covers a single day (start date equal to end date).",
            ),
        ));
    }
    if issues.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(issues))
    }
}

/// The caller requests leave for themselves: state `requested`.
///
/// Overlaps: a request may not overlap the caller's requested or approved leave, except two
/// half days on the same day (morning and afternoon), which together make a full day.
pub fn request(conn: &mut DbConnection, viewer: &Viewer, draft: LeaveDraft) -> AppResult<Leave> {
    if viewer.unit_id.is_none() {
        return Err(AppError::forbidden(
            "Chỉ cán bộ thuộc một đơn vị mới đăng ký nghỉ được.",
            "Only people who belong to a unit can request leave.",
        ));
    }
    check_draft(&draft)?;
    db::write_transaction(conn, |conn| {
        let existing = db::leaves::overlapping(
            conn,
            viewer.staff_id,
            draft.start_date,
            draft.end_date,
            &[REQUESTED, APPROVED],
        )?;
        let fits = match existing.as_slice() {
            [] => true,
            // Morning and afternoon of the same day.
            [other] => draft.portion == DayPortion::Half && other.portion == "half",
            _ => false,
        };
        if !fits {
            return Err(AppError::conflict(
                "Đã có đơn nghỉ (đang chờ hoặc đã duyệt) trùng với những ngày này.",
                "Leave already requested or approved overlaps these days.",
            ));
        }
        let now = db::now_utc();
        let id = db::leaves::insert(
            conn,
            &NewLeave {
                staff_id: viewer.staff_id,
                start_date: draft.start_date,
                end_date: draft.end_date,
                kind: draft.kind.as_str(),
                portion: portion_str(draft.portion),
                reason: &draft.reason,
                state: REQUESTED,
                version: 1,
                created_at: now,
            },
        )?;
        audit::record(
            conn,
            Some(viewer.staff_id),
            "leave",
            id,
            "request",
            None,
            Some(REQUESTED),
            None,
            Some(serde_json::json!({
                "start_date": draft.start_date,
                "end_date": draft.end_date,
                "kind": draft.kind.as_str(),
                "portion": portion_str(draft.portion),
            })),
        )?;
        db::leaves::find(conn, id)?.ok_or(AppError::NotFound)
    })
}

/// Whether the viewer may read a person's records (404 otherwise).
fn can_read_person(conn: &mut DbConnection, viewer: &Viewer, staff_id: i64) -> AppResult<bool> {
    if viewer.is_org_wide() || viewer.staff_id == staff_id {
        return Ok(true);
    }
    let Some(person) = db::staff::find(conn, staff_id)? else {
        return Ok(false);
    };
    let path = match person.unit_id {
        Some(u) => db::units::find(conn, u)?.map(|u| u.path),
        None => None,
    };
    Ok(viewer.can_see_person(staff_id, path.as_deref()))
}

/// Leave of one person (default: the caller) overlapping an optional date range. Heads read
/// their subtree, the organisation everyone; anyone else is 404.
pub fn list(
    conn: &mut DbConnection,
    viewer: &Viewer,
    staff_id: Option<i64>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    paging: Paging,
) -> AppResult<Page<Leave>> {
    let target = staff_id.unwrap_or(viewer.staff_id);
    if !can_read_person(conn, viewer, target)? {
        return Err(AppError::NotFound);
    }
    let rows = db::leaves::list(
        conn,
        &LeaveListFilter {
            staff_id: target,
            from,
            to,
            after_id: paging.after_id,
            limit: paging.limit + 1,
        },
    )?;
    Ok(Page::from_overfetch(rows, paging.limit, |l| l.id))
}

/// One leave, if the viewer may read its owner's records.
pub fn get(conn: &mut DbConnection, viewer: &Viewer, id: i64) -> AppResult<Leave> {
    let leave = db::leaves::find(conn, id)?.ok_or(AppError::NotFound)?;
    if can_read_person(conn, viewer, leave.staff_id)? {
        Ok(leave)
    } else {
        Err(AppError::NotFound)
    }
}

/// Approves or rejects a requested leave. Decided by the owner's approver (or their acting
/// delegate, or the organisation department) or any head of the owner's unit or a unit above;
/// never by the owner. A leave the caller can
/// neither read nor decide is 404; one no longer `requested` is 409.
pub fn decide(
    conn: &mut DbConnection,
    viewer: &Viewer,
    id: i64,
    decision: LeaveDecision,
    reason: Option<String>,
    today: NaiveDate,
) -> AppResult<Leave> {
    db::write_transaction(conn, |conn| {
        let leave = db::leaves::find(conn, id)?.ok_or(AppError::NotFound)?;
        let owner = db::staff::find(conn, leave.staff_id)?.ok_or(AppError::NotFound)?;
        let approver = approvers::approver_for(conn, &owner, None)?;
        let owner_path = match owner.unit_id {
            Some(u) => db::units::find(conn, u)?.map(|u| u.path),
            None => None,
        };
        let decision_check = approvers::check_may_act_for(
            conn,
            viewer,
            owner.id,
            owner_path.as_deref(),
            approver,
            today,
        );
        // An acting delegate from another unit cannot read the person, yet may decide: only
        // callers who can do neither are told the leave does not exist.
        if decision_check.is_err() && !can_read_person(conn, viewer, owner.id)? {
            return Err(AppError::NotFound);
        }
        decision_check?;
        if leave.state != REQUESTED {
            return Err(AppError::Conflict(Text::new(
                format!(
                    "Đơn nghỉ đang ở trạng thái \"{}\", chỉ đơn đang chờ duyệt mới được quyết định.",
                    state_vi(&leave.state)
                ),
                format!(
                    "The leave is {}; only requested leave can be decided.",
                    leave.state
                ),
            )));
        }
        let to_state = decision.to_state();
        let now = db::now_utc();
        if !db::leaves::decide_versioned(conn, id, leave.version, to_state, viewer.staff_id, now)? {
            return Err(AppError::conflict(
                "Đơn nghỉ vừa được người khác quyết định; hãy tải lại.",
                "The leave was just decided by someone else; reload it.",
            ));
        }
        let reason = reason
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty());
        audit::record(
            conn,
            Some(viewer.staff_id),
            "leave",
            id,
            decision.action(),
            Some(REQUESTED),
            Some(to_state),
            reason.as_deref(),
            None,
        )?;
        if to_state == APPROVED {
            // The person's expected minutes of those weeks change (maintained rollups).
            crate::services::rollups::refresh_people(
                conn,
                &[leave.staff_id],
                leave.start_date,
                leave.end_date,
            )?;
        }
        db::leaves::find(conn, id)?.ok_or(AppError::NotFound)
    })
}

/// The owner withdraws their leave: a requested one at any time, an approved one only before it
/// starts (leave already taken is history). Others: 404 if they cannot read it, else 403.
pub fn cancel(
    conn: &mut DbConnection,
    viewer: &Viewer,
    id: i64,
    today: NaiveDate,
) -> AppResult<Leave> {
    db::write_transaction(conn, |conn| {
        let leave = db::leaves::find(conn, id)?.ok_or(AppError::NotFound)?;
        if leave.staff_id != viewer.staff_id {
            return Err(if can_read_person(conn, viewer, leave.staff_id)? {
                AppError::forbidden(
                    "Chỉ người xin nghỉ mới được huỷ đơn.",
                    "Only the person who asked for the leave may cancel it.",
                )
            } else {
                AppError::NotFound
            });
        }
        let cancellable =
            leave.state == REQUESTED || (leave.state == APPROVED && leave.start_date > today);
        if !cancellable {
            return Err(AppError::Conflict(Text::new(
                format!(
                    "Đơn nghỉ \"{}\" không huỷ được (đơn đã duyệt chỉ huỷ trước ngày bắt đầu).",
                    state_vi(&leave.state)
                ),
                format!(
                    "This {} leave cannot be cancelled (approved leave only before it starts).",
                    leave.state
                ),
            )));
        }
        let now = db::now_utc();
        if !db::leaves::decide_versioned(conn, id, leave.version, CANCELLED, viewer.staff_id, now)?
        {
            return Err(AppError::conflict(
                "Đơn nghỉ vừa thay đổi; hãy tải lại.",
                "The leave just changed; reload it.",
            ));
        }
        audit::record(
            conn,
            Some(viewer.staff_id),
            "leave",
            id,
            "cancel",
            Some(&leave.state),
            Some(CANCELLED),
            None,
            None,
        )?;
        if leave.state == APPROVED {
            crate::services::rollups::refresh_people(
                conn,
                &[leave.staff_id],
                leave.start_date,
                leave.end_date,
            )?;
        }
        db::leaves::find(conn, id)?.ok_or(AppError::NotFound)
    })
}

fn state_vi(state: &str) -> &'static str {
    match state {
        REQUESTED => "chờ duyệt",
        APPROVED => "đã duyệt",
        REJECTED => "bị từ chối",
        CANCELLED => "đã hủy",
        _ => "không rõ",
    }
}

/// Approved leave of many people expanded to days within `[from, to]` (one query), keyed by
/// person. Every kind is returned; the domain decides which kinds remove the norm.
pub fn approved_leave_days(
    conn: &mut DbConnection,
    staff_ids: &[i64],
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<HashMap<i64, Vec<LeaveDay>>> {
    let rows = db::leaves::approved_overlapping(conn, staff_ids, from, to)?;
    let mut out: HashMap<i64, Vec<LeaveDay>> = HashMap::new();
    for leave in rows {
        // A kind written by an older version of the service that is unknown now is skipped
        // rather than failing every report that touches the person.
        let Ok(kind) = LeaveKind::parse(&leave.kind) else {
            tracing::warn!(leave_id = leave.id, kind = %leave.kind, "unknown leave kind");
            continue;
        };
        let portion = parse_portion(&leave.portion);
        let first = leave.start_date.max(from);
        let last = leave.end_date.min(to);
        let days = out.entry(leave.staff_id).or_default();
        days.extend(
            first
                .iter_days()
                .take_while(|d| *d <= last)
                .map(|date| LeaveDay {
                    date,
                    kind,
                    portion,
                }),
        );
    }
    Ok(out)
}
