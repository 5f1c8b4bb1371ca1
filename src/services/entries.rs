//! The work diary: log, edit, delete, submit, withdraw; and the approver's decisions (approve,
//! return, revoke). Every change is versioned, written in one transaction with its audit row, and
//! refused in a locked period. The rules come from `domain::diary`.

use chrono::{NaiveDate, NaiveDateTime};

use crate::db::entries::{Entry, EntryChanges, EntryListFilter, NewEntry};
use crate::db::{self, DbConnection};
use crate::domain::diary::{
    check_day_total, check_minutes, check_quantity, check_work_date, next_state,
    rework_after_submit, DiaryError, DiaryPolicy, EntryAction, EntryState, ReturnKind,
};
use crate::domain::period::Period;
use crate::domain::scope::Viewer;
use crate::error::{AppError, AppResult, FieldIssue};
use crate::i18n::Text;
use crate::services::access::stale;
use crate::services::approvers::{approver_for, check_may_decide, to_domain};
use crate::services::totals::{self, TotalsPolicy, Touches};
use crate::services::{audit, Page, Paging};

/// Turns a refusal of the rulebook into the HTTP problem it deserves: field rules are 422, state
/// conflicts 409, permission refusals 403.
pub fn diary_error(e: DiaryError) -> AppError {
    let text = Text::new(e.message_vi(), e.message_en());
    match e {
        DiaryError::IllegalTransition { .. } => AppError::Conflict(text),
        DiaryError::SelfApproval | DiaryError::NotApprover => AppError::Forbidden(text),
        _ => AppError::Validation(vec![FieldIssue::new(
            e.field().unwrap_or("body"),
            error_code(&e),
            text,
        )]),
    }
}

fn error_code(e: &DiaryError) -> &'static str {
    match e {
        DiaryError::MinutesOutOfRange | DiaryError::QuantityOutOfRange => "range",
        DiaryError::FutureDate => "future_date",
        DiaryError::BeyondBackdatingWindow { .. } => "backdating_window",
        DiaryError::DayOverLimit { .. } => "day_over_24h",
        _ => "invalid",
    }
}

/// A new line of the diary as the owner sent it.
#[derive(Debug, Clone)]
pub struct EntryDraft {
    pub work_date: NaiveDate,
    pub product_id: i64,
    pub quantity: i32,
    pub minutes: i32,
    pub note: String,
    pub evidence: Option<String>,
    pub client_ref: Option<String>,
    /// The assigned task this work belongs to (its assigner approves it).
    pub task_id: Option<i64>,
}

/// Changes to a draft or returned line.
#[derive(Debug, Clone, Default)]
pub struct EntryPatch {
    pub work_date: Option<NaiveDate>,
    pub product_id: Option<i64>,
    pub quantity: Option<i32>,
    pub minutes: Option<i32>,
    pub note: Option<String>,
    pub evidence: Option<Option<String>>,
    pub task_id: Option<Option<i64>>,
}

/// What a create did: a retried create (same `client_ref` or `Idempotency-Key`) replays the
/// original entry instead of making a second one.
#[derive(Debug, Clone)]
pub struct Created {
    pub entry: Entry,
    pub replayed: bool,
}

/// Diary context of a request: the organisation's "today" and the policy.
#[derive(Debug, Clone, Copy)]
pub struct DiaryContext {
    pub today: NaiveDate,
    pub policy: DiaryPolicy,
    /// The organisation's offset from UTC (local creation dates of lines).
    pub utc_offset_minutes: i32,
}

impl DiaryContext {
    /// What the maintained daily totals are computed with.
    pub fn totals(&self) -> TotalsPolicy {
        TotalsPolicy {
            diary: self.policy,
            utc_offset_minutes: self.utc_offset_minutes,
        }
    }
}

fn month_of(day: NaiveDate) -> String {
    use chrono::Datelike;
    Period::Month {
        year: day.year(),
        month: day.month(),
    }
    .to_string()
}

fn locked_period(month: &str) -> AppError {
    AppError::Conflict(Text::new(
        format!("Kỳ {month} của đơn vị đã khoá (đã công bố kết quả); chỉ Ban Tổ chức được điều chỉnh."),
        format!("Period {month} of this unit is locked (results published); only the organisation department may amend it."),
    ))
}

fn refuse_if_locked(conn: &mut DbConnection, unit_id: i64, day: NaiveDate) -> AppResult<()> {
    let month = month_of(day);
    if db::locks::is_locked(conn, unit_id, &month)? {
        return Err(locked_period(&month));
    }
    Ok(())
}

fn unknown_product() -> AppError {
    AppError::validation(
        "product_id",
        "unknown_reference",
        "Sản phẩm không có trong danh mục hoặc đã ngừng sử dụng (không có sản phẩm thì không có giờ).",
        "The product is not in the catalogue or is retired (no product, no hours).",
    )
}

fn check_product(conn: &mut DbConnection, product_id: i64) -> AppResult<()> {
    match db::products::find(conn, product_id)? {
        Some(p) if p.active => Ok(()),
        _ => Err(unknown_product()),
    }
}

/// Field rules shared by create and edit: bounds, product, work date window, day cap, lock.
#[allow(clippy::too_many_arguments)]
fn check_line(
    conn: &mut DbConnection,
    ctx: &DiaryContext,
    staff_id: i64,
    unit_id: i64,
    work_date: NaiveDate,
    product_id: i64,
    quantity: i32,
    minutes: i32,
    editing: Option<i64>,
) -> AppResult<()> {
    let mut issues = Vec::new();
    for check in [check_minutes(minutes), check_quantity(quantity)] {
        if let Err(e) = check {
            if let AppError::Validation(mut v) = diary_error(e) {
                issues.append(&mut v);
            }
        }
    }
    // The permission is looked up only for a date the window refuses.
    let permitted = check_work_date(ctx.today, work_date, &ctx.policy, false).is_err()
        && db::backdate::covers(conn, staff_id, Some(unit_id), work_date)?;
    if let Err(e) = check_work_date(ctx.today, work_date, &ctx.policy, permitted) {
        if let AppError::Validation(mut v) = diary_error(e) {
            issues.append(&mut v);
        }
    }
    if !issues.is_empty() {
        return Err(AppError::Validation(issues));
    }
    // The product, the period lock and the day's other minutes: one statement, the refusals
    // in that order.
    let month = month_of(work_date);
    let (active, locked, others) = match editing {
        None => {
            db::entries::new_line_facts(conn, product_id, unit_id, &month, staff_id, work_date)?
        }
        Some(id) => {
            db::entries::line_facts(conn, product_id, unit_id, &month, staff_id, work_date, id)?
        }
    };
    if active != Some(true) {
        return Err(unknown_product());
    }
    if locked {
        return Err(locked_period(&month));
    }
    check_day_total(others, minutes, &ctx.policy).map_err(diary_error)?;
    Ok(())
}

/// A line may name a task only of its owner's, and not a cancelled one.
fn check_task(conn: &mut DbConnection, owner: i64, task_id: i64) -> AppResult<()> {
    match db::tasks::find(conn, task_id)? {
        Some(t) if t.owner_id == owner && t.state != "cancelled" => Ok(()),
        _ => Err(AppError::validation(
            "task_id",
            "unknown_reference",
            "Nhiệm vụ không tồn tại, không giao cho bạn hoặc đã huỷ.",
            "The task does not exist, is not assigned to you, or was cancelled.",
        )),
    }
}

fn owner_unit(viewer: &Viewer) -> AppResult<i64> {
    viewer.unit_id.ok_or_else(|| {
        AppError::forbidden(
            "Tài khoản hệ thống không thuộc đơn vị nào nên không ghi nhật ký.",
            "System accounts belong to no unit and keep no diary.",
        )
    })
}

fn replay(
    conn: &mut DbConnection,
    viewer: &Viewer,
    draft: &EntryDraft,
    idempotency_key: Option<&str>,
) -> AppResult<Option<Entry>> {
    if let Some(r) = &draft.client_ref {
        if let Some(e) = db::entries::find_by_client_ref(conn, viewer.staff_id, r)? {
            let same = e.work_date == draft.work_date
                && e.product_id == draft.product_id
                && e.quantity == draft.quantity
                && e.minutes == draft.minutes
                && e.note == draft.note
                && e.evidence == draft.evidence
                && e.task_id == draft.task_id;
            if !same {
                // Stripe's rule: a key names one request; another payload is a client bug.
                return Err(AppError::validation(
                    "client_ref",
                    "key_reused",
                    "client_ref này đã được dùng cho một dòng nhật ký khác nội dung; hãy dùng client_ref mới cho dòng mới.",
                    "This client_ref was already used for a diary line with different content; use a new client_ref for a new line.",
                ));
            }
            return Ok(Some(e));
        }
    }
    if let Some(key) = idempotency_key {
        if let Some(id) = db::idempotency::find(conn, viewer.staff_id, "entries", key)? {
            return Ok(db::entries::find(conn, id)?);
        }
    }
    Ok(None)
}

/// Logs a line of work as a draft. Retrying with the same `client_ref` or `Idempotency-Key`
/// returns the first result.
pub fn create(
    conn: &mut DbConnection,
    viewer: &Viewer,
    draft: EntryDraft,
    idempotency_key: Option<String>,
    ctx: &DiaryContext,
) -> AppResult<Created> {
    let unit_id = owner_unit(viewer)?;
    // A retry of a committed create is answered from a reader, without queueing for the
    // writer. Two copies of one request that both get past this are told apart by the unique
    // (staff, client_ref) and (staff, scope, key): the second's insert fails, its work is rolled
    // back, and it replays the first (below), which has committed by then.
    if let Some(entry) = replay(conn, viewer, &draft, idempotency_key.as_deref())? {
        return Ok(Created {
            entry,
            replayed: true,
        });
    }
    let result = db::write_transaction(conn, |conn| {
        db::staff::lock_person(conn, viewer.staff_id)?;
        check_line(
            conn,
            ctx,
            viewer.staff_id,
            unit_id,
            draft.work_date,
            draft.product_id,
            draft.quantity,
            draft.minutes,
            None,
        )?;
        if let Some(task) = draft.task_id {
            check_task(conn, viewer.staff_id, task)?;
        }
        let now = db::now_utc();
        let entry = db::entries::insert_returning(
            conn,
            &NewEntry {
                staff_id: viewer.staff_id,
                unit_id,
                work_date: draft.work_date,
                product_id: draft.product_id,
                quantity: draft.quantity,
                minutes: draft.minutes,
                note: draft.note.clone(),
                evidence: draft.evidence.clone(),
                client_ref: draft.client_ref.clone(),
                state: EntryState::Draft.as_str().to_string(),
                rework_count: 0,
                version: 1,
                created_at: now,
                updated_at: now,
                task_id: draft.task_id,
            },
        )?;
        // A new line is a draft: its minutes join the day's row; no logged or approved work
        // changes.
        totals::add_draft(
            conn,
            viewer.staff_id,
            draft.work_date,
            unit_id,
            draft.minutes,
        )?;
        let id = entry.id;
        if let Some(key) = &idempotency_key {
            db::idempotency::remember(conn, viewer.staff_id, "entries", key, id)?;
        }
        audit::record(
            conn,
            Some(viewer.staff_id),
            "entry",
            id,
            "create",
            None,
            Some("draft"),
            None,
            None,
        )?;
        Ok(Created {
            entry,
            replayed: false,
        })
    });
    match result {
        // Two retries raced on the unique (staff, client_ref): the loser replays the winner.
        Err(AppError::Conflict(_)) if draft.client_ref.is_some() || idempotency_key.is_some() => {
            match replay(conn, viewer, &draft, idempotency_key.as_deref())? {
                Some(entry) => Ok(Created {
                    entry,
                    replayed: true,
                }),
                None => Err(AppError::conflict(
                    "Dữ liệu trùng lặp.",
                    "Duplicate request.",
                )),
            }
        }
        other => other,
    }
}

/// Whether the viewer may read an entry: its owner, heads of the owner's subtree, the
/// organisation, and whoever has to decide on it (the approver or their acting delegate).
fn visible(
    conn: &mut DbConnection,
    viewer: &Viewer,
    entry: &Entry,
    today: NaiveDate,
) -> AppResult<bool> {
    if entry.staff_id == viewer.staff_id || viewer.is_org_wide() {
        return Ok(true);
    }
    if let Some(unit) = db::units::find(conn, entry.unit_id)? {
        if viewer.can_see_person(entry.staff_id, Some(&unit.path)) {
            return Ok(true);
        }
    }
    if let Some(approver) = entry.approver_id {
        if approver == viewer.staff_id {
            return Ok(true);
        }
        let delegated = to_domain(db::delegations::active_from(conn, &[approver], today)?);
        return Ok(delegated.iter().any(|d| d.acting_id == viewer.staff_id));
    }
    Ok(false)
}

fn load_visible(
    conn: &mut DbConnection,
    viewer: &Viewer,
    id: i64,
    today: NaiveDate,
) -> AppResult<Entry> {
    let entry = db::entries::find(conn, id)?.ok_or(AppError::NotFound)?;
    if visible(conn, viewer, &entry, today)? {
        Ok(entry)
    } else {
        Err(AppError::NotFound)
    }
}

fn require_owner(viewer: &Viewer, entry: &Entry) -> AppResult<()> {
    if entry.staff_id == viewer.staff_id {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "Chỉ người ghi nhật ký mới được sửa, xoá, gửi hoặc rút dòng này.",
            "Only the owner may edit, delete, submit or withdraw this entry.",
        ))
    }
}

fn state_of(entry: &Entry) -> AppResult<EntryState> {
    EntryState::parse(&entry.state)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("unknown entry state {}", entry.state)))
}

fn check_if_match(expected: Option<i64>, entry: &Entry) -> AppResult<()> {
    match expected {
        Some(v) if v != entry.version => Err(stale()),
        _ => Ok(()),
    }
}

pub fn get(
    conn: &mut DbConnection,
    viewer: &Viewer,
    id: i64,
    today: NaiveDate,
) -> AppResult<Entry> {
    load_visible(conn, viewer, id, today)
}

/// Entries of one person (the caller by default; heads and the organisation may name someone in
/// their scope).
pub fn list(
    conn: &mut DbConnection,
    viewer: &Viewer,
    staff_id: Option<i64>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    state: Option<EntryState>,
    paging: Paging,
) -> AppResult<Page<Entry>> {
    let owner = staff_id.unwrap_or(viewer.staff_id);
    if owner != viewer.staff_id {
        let person = db::staff::find(conn, owner)?.ok_or(AppError::NotFound)?;
        let path = match person.unit_id {
            Some(u) => db::units::find(conn, u)?.map(|u| u.path),
            None => None,
        };
        if !viewer.can_see_person(owner, path.as_deref()) {
            return Err(AppError::NotFound);
        }
    }
    let rows = db::entries::list(
        conn,
        &EntryListFilter {
            staff_id: owner,
            from,
            to,
            state: state.map(|s| s.as_str().to_string()),
            after_id: paging.after_id,
            limit: paging.limit + 1,
        },
    )?;
    Ok(Page::from_overfetch(rows, paging.limit, |e| e.id))
}

/// Edits a draft or returned line (owner only, with the version read).
pub fn update(
    conn: &mut DbConnection,
    viewer: &Viewer,
    id: i64,
    expected_version: i64,
    patch: EntryPatch,
    ctx: &DiaryContext,
) -> AppResult<Entry> {
    db::write_transaction(conn, |conn| {
        db::staff::lock_person(conn, viewer.staff_id)?;
        let entry = load_visible(conn, viewer, id, ctx.today)?;
        require_owner(viewer, &entry)?;
        next_state(state_of(&entry)?, EntryAction::Edit).map_err(diary_error)?;
        check_if_match(Some(expected_version), &entry)?;
        let work_date = patch.work_date.unwrap_or(entry.work_date);
        if work_date != entry.work_date {
            refuse_if_locked(conn, entry.unit_id, entry.work_date)?;
        }
        check_line(
            conn,
            ctx,
            entry.staff_id,
            entry.unit_id,
            work_date,
            patch.product_id.unwrap_or(entry.product_id),
            patch.quantity.unwrap_or(entry.quantity),
            patch.minutes.unwrap_or(entry.minutes),
            Some(entry.id),
        )?;
        if let Some(Some(task)) = patch.task_id {
            check_task(conn, entry.staff_id, task)?;
        }
        let changes = EntryChanges {
            task_id: patch.task_id,
            work_date: patch.work_date,
            product_id: patch.product_id,
            quantity: patch.quantity,
            minutes: patch.minutes,
            note: patch.note.clone(),
            evidence: patch.evidence.clone(),
            ..Default::default()
        };
        let updated =
            db::entries::update_versioned(conn, id, expected_version, &changes, db::now_utc())?
                .ok_or_else(stale)?;
        let totals_policy = ctx.totals();
        // Only drafts and returned lines are edited: no approved work changes.
        totals::refresh_day(
            conn,
            &totals_policy,
            entry.staff_id,
            entry.work_date,
            Touches::Unsubmitted,
        )?;
        if work_date != entry.work_date {
            totals::refresh_day(
                conn,
                &totals_policy,
                entry.staff_id,
                work_date,
                Touches::Unsubmitted,
            )?;
        }
        audit::record(
            conn,
            Some(viewer.staff_id),
            "entry",
            id,
            "edit",
            Some(&entry.state),
            Some(&entry.state),
            None,
            Some(serde_json::json!({
                "work_date": patch.work_date, "product_id": patch.product_id, "quantity": patch.quantity,
                "minutes": patch.minutes, "note_changed": patch.note.is_some(),
            })),
        )?;
        Ok(updated)
    })
}

/// Deletes a draft or returned line (owner only). The row is kept as a tombstone for the sync
/// feed and the audit trail; its `client_ref` is freed.
pub fn delete(
    conn: &mut DbConnection,
    viewer: &Viewer,
    id: i64,
    expected_version: Option<i64>,
    ctx: &DiaryContext,
) -> AppResult<()> {
    db::write_transaction(conn, |conn| {
        db::staff::lock_person(conn, viewer.staff_id)?;
        let entry = load_visible(conn, viewer, id, ctx.today)?;
        require_owner(viewer, &entry)?;
        next_state(state_of(&entry)?, EntryAction::Delete).map_err(diary_error)?;
        check_if_match(expected_version, &entry)?;
        refuse_if_locked(conn, entry.unit_id, entry.work_date)?;
        let now = db::now_utc();
        let changes = EntryChanges {
            deleted_at: Some(Some(now)),
            client_ref: Some(None),
            ..Default::default()
        };
        if db::entries::update_versioned(conn, id, entry.version, &changes, now)?.is_none() {
            return Err(stale());
        }
        // Only drafts and returned lines are deleted: no approved work changes.
        let day = entry.work_date;
        totals::refresh_day(
            conn,
            &ctx.totals(),
            entry.staff_id,
            day,
            Touches::Unsubmitted,
        )?;
        audit::record(
            conn,
            Some(viewer.staff_id),
            "entry",
            id,
            "delete",
            Some(&entry.state),
            None,
            None,
            None,
        )?;
        Ok(())
    })
}

/// What an approver says when sending a line back.
#[derive(Debug, Clone)]
pub struct ReturnReason {
    pub reason: String,
    pub kind: ReturnKind,
}

/// Applies one state transition of the rulebook to an entry, with its side effects, inside the
/// caller's transaction.
fn apply(
    conn: &mut DbConnection,
    viewer: &Viewer,
    entry: &Entry,
    action: EntryAction,
    ret: Option<&ReturnReason>,
    ctx: &DiaryContext,
) -> AppResult<Entry> {
    let today = ctx.today;
    let from = state_of(entry)?;
    let to = next_state(from, action).map_err(diary_error)?;
    let now = db::now_utc();
    let mut changes = EntryChanges {
        state: Some(to.as_str().to_string()),
        ..Default::default()
    };
    match action {
        EntryAction::Submit | EntryAction::Withdraw => {
            require_owner(viewer, entry)?;
            refuse_if_locked(conn, entry.unit_id, entry.work_date)?;
            if action == EntryAction::Submit {
                let owner = db::staff::find(conn, entry.staff_id)?.ok_or(AppError::NotFound)?;
                let assigner = match entry.task_id {
                    Some(t) => db::tasks::find(conn, t)?.map(|t| t.assigner_id),
                    None => None,
                };
                changes.approver_id = Some(approver_for(conn, &owner, assigner)?);
                let last_kind = entry
                    .last_return_kind
                    .as_deref()
                    .and_then(ReturnKind::parse);
                changes.rework_count =
                    Some(rework_after_submit(from, last_kind, entry.rework_count));
                changes.submitted_at = Some(Some(now));
            } else {
                changes.submitted_at = Some(None);
            }
        }
        EntryAction::Approve | EntryAction::Return | EntryAction::Revoke => {
            check_may_decide(conn, viewer, entry.staff_id, entry.approver_id, today)?;
            refuse_if_locked(conn, entry.unit_id, entry.work_date)?;
            let (decided_by, decided_at): (Option<i64>, Option<NaiveDateTime>) = match action {
                EntryAction::Revoke => (None, None),
                _ => (Some(viewer.staff_id), Some(now)),
            };
            changes.decided_by = Some(decided_by);
            changes.decided_at = Some(decided_at);
            if let Some(r) = ret {
                changes.last_return_kind = Some(Some(r.kind.as_str().to_string()));
                changes.last_return_reason = Some(Some(r.reason.clone()));
            }
        }
        EntryAction::Edit | EntryAction::Delete => {}
    }
    let updated = db::entries::update_versioned(conn, entry.id, entry.version, &changes, now)?
        .ok_or_else(stale)?;
    let touches = if from == EntryState::Approved || to == EntryState::Approved {
        Touches::DayAndMonth
    } else {
        Touches::Day
    };
    totals::refresh_day(
        conn,
        &ctx.totals(),
        entry.staff_id,
        entry.work_date,
        touches,
    )?;
    audit::record(
        conn,
        Some(viewer.staff_id),
        "entry",
        entry.id,
        action.as_str(),
        Some(from.as_str()),
        Some(to.as_str()),
        ret.map(|r| r.reason.as_str()),
        ret.map(|r| serde_json::json!({"reason_kind": r.kind.as_str()})),
    )?;
    if let (EntryAction::Return, Some(r)) = (action, ret) {
        // The owner's note is written in the return's transaction (issue 13).
        crate::services::reminders::note_returned(
            conn,
            entry,
            viewer.staff_id,
            &r.reason,
            r.kind.as_str(),
            now,
        )?;
    }
    Ok(updated)
}

/// One transition on one entry, in its own transaction (`If-Match` optional).
pub fn transition(
    conn: &mut DbConnection,
    viewer: &Viewer,
    id: i64,
    action: EntryAction,
    expected_version: Option<i64>,
    ret: Option<ReturnReason>,
    ctx: &DiaryContext,
) -> AppResult<Entry> {
    db::write_transaction(conn, |conn| {
        let entry = load_visible(conn, viewer, id, ctx.today)?;
        db::staff::lock_person(conn, entry.staff_id)?;
        // Re-read under the lock so that the version check sees the latest write. On SQLite
        // the first read already happened under the database's write lock.
        let entry = if db::is_sqlite(conn) {
            entry
        } else {
            db::entries::find(conn, entry.id)?.ok_or(AppError::NotFound)?
        };
        check_if_match(expected_version, &entry)?;
        apply(conn, viewer, &entry, action, ret.as_ref(), ctx)
    })
}

/// Submits every draft of one day of the caller's diary, all or nothing.
pub fn submit_day(
    conn: &mut DbConnection,
    viewer: &Viewer,
    day: NaiveDate,
    ctx: &DiaryContext,
) -> AppResult<Vec<Entry>> {
    db::write_transaction(conn, |conn| {
        db::staff::lock_person(conn, viewer.staff_id)?;
        let drafts = db::entries::drafts_of_day(conn, viewer.staff_id, day)?;
        let mut out = Vec::with_capacity(drafts.len());
        for entry in &drafts {
            out.push(apply(conn, viewer, entry, EntryAction::Submit, None, ctx)?);
        }
        Ok(out)
    })
}

/// The caller's entries changed after `since`, deleted ones included (offline sync).
pub fn changes_since(
    conn: &mut DbConnection,
    viewer: &Viewer,
    since: NaiveDateTime,
    limit: i64,
) -> AppResult<Vec<Entry>> {
    Ok(db::entries::changes_since(
        conn,
        viewer.staff_id,
        since,
        limit,
    )?)
}

/// A correction of an entry by the organisation department, allowed in locked periods too
/// (rulebook: after the lock, corrections are amendments with a reason, in the audit log).
pub fn amend(
    conn: &mut DbConnection,
    viewer: &Viewer,
    id: i64,
    patch: EntryPatch,
    new_state: Option<EntryState>,
    reason: &str,
    ctx: &DiaryContext,
) -> AppResult<Entry> {
    if !viewer.is_org_wide() {
        return Err(AppError::forbidden(
            "Chỉ Ban Tổ chức được điều chỉnh nhật ký sau khi khoá kỳ.",
            "Only the organisation department amends diary entries.",
        ));
    }
    db::write_transaction(conn, |conn| {
        let entry = db::entries::find(conn, id)?.ok_or(AppError::NotFound)?;
        db::staff::lock_person(conn, entry.staff_id)?;
        let entry = db::entries::find(conn, id)?.ok_or(AppError::NotFound)?;
        if entry.staff_id == viewer.staff_id {
            return Err(diary_error(DiaryError::SelfApproval));
        }
        let minutes = patch.minutes.unwrap_or(entry.minutes);
        let quantity = patch.quantity.unwrap_or(entry.quantity);
        let mut issues = Vec::new();
        for check in [check_minutes(minutes), check_quantity(quantity)] {
            if let Err(e) = check {
                if let AppError::Validation(mut v) = diary_error(e) {
                    issues.append(&mut v);
                }
            }
        }
        if !issues.is_empty() {
            return Err(AppError::Validation(issues));
        }
        if let Some(p) = patch.product_id {
            check_product(conn, p)?;
        }
        let others =
            db::entries::day_minutes(conn, entry.staff_id, entry.work_date, Some(entry.id))?;
        check_day_total(others, minutes, &ctx.policy).map_err(diary_error)?;
        let now = db::now_utc();
        let changes = EntryChanges {
            product_id: patch.product_id,
            quantity: patch.quantity,
            minutes: patch.minutes,
            note: patch.note.clone(),
            state: new_state.map(|s| s.as_str().to_string()),
            decided_by: new_state.map(|_| Some(viewer.staff_id)),
            decided_at: new_state.map(|_| Some(now)),
            ..Default::default()
        };
        let updated = db::entries::update_versioned(conn, id, entry.version, &changes, now)?
            .ok_or_else(stale)?;
        // Amendments touch approved lines (or make lines approved).
        let (day, touches) = (entry.work_date, Touches::DayAndMonth);
        totals::refresh_day(conn, &ctx.totals(), entry.staff_id, day, touches)?;
        audit::record(
            conn,
            Some(viewer.staff_id),
            "entry",
            id,
            "amend",
            Some(&entry.state),
            Some(new_state.map(|s| s.as_str()).unwrap_or(&entry.state)),
            Some(reason),
            Some(serde_json::json!({
                "before": {"product_id": entry.product_id, "quantity": entry.quantity, "minutes": entry.minutes},
                "after": {"product_id": patch.product_id, "quantity": patch.quantity, "minutes": patch.minutes, "note_changed": patch.note.is_some()},
            })),
        )?;
        Ok(updated)
    })
}
