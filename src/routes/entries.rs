//! `/entries`: the work diary (nhật ký công việc) and its state transitions.

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

use crate::auth::AuthUser;
use crate::db::entries::Entry;
use crate::domain::diary::{EntryAction, EntryState, ReturnKind};
use crate::error::{AppError, Problem};
use crate::routes::{
    double_option, etag, if_match, local_today, ok_versioned, utc, Page, PageQuery, ValidJson,
};
use crate::services::entries::{DiaryContext, EntryDraft, EntryPatch, ReturnReason};
use crate::services::{self, access::load_viewer};
use crate::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    // Fixed paths before `/entries/{id}` so that they are not read as ids.
    cfg.service(submit_day)
        .service(entry_changes)
        .service(list_entries)
        .service(create_entry)
        .service(get_entry)
        .service(update_entry)
        .service(delete_entry)
        .service(submit_entry)
        .service(withdraw_entry)
        .service(approve_entry)
        .service(return_entry)
        .service(revoke_entry)
        .service(amend_entry);
}

/// One line of the work diary: one product of one day.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntryView {
    /// Id.
    pub id: i64,
    /// Owner (staff id).
    pub staff_id: i64,
    /// The owner's unit when the line was logged.
    pub unit_id: i64,
    /// Day the work was done.
    pub work_date: NaiveDate,
    /// Product type from the catalogue.
    pub product_id: i64,
    /// Number of products (≥ 1).
    pub quantity: i32,
    /// Minutes spent (1..=1440).
    pub minutes: i32,
    /// Free-text note.
    pub note: String,
    /// Evidence reference (document number, link).
    pub evidence: Option<String>,
    /// The client's own reference (idempotent creates).
    pub client_ref: Option<String>,
    /// The assigned task it belongs to.
    pub task_id: Option<i64>,
    /// `draft`, `submitted`, `approved` or `returned`.
    pub state: EntryState,
    /// Who decides on it (resolved at submission).
    pub approver_id: Option<i64>,
    /// Times it was sent back for quality and resubmitted.
    pub rework_count: i32,
    /// Kind of the last send-back (`quality` or `other`).
    pub last_return_kind: Option<ReturnKind>,
    /// Reason of the last send-back.
    pub last_return_reason: Option<String>,
    /// When it was submitted.
    pub submitted_at: Option<DateTime<Utc>>,
    /// When it was approved or returned.
    pub decided_at: Option<DateTime<Utc>>,
    /// Who approved or returned it.
    pub decided_by: Option<i64>,
    /// True in the sync feed for deleted lines.
    pub deleted: bool,
    /// Version for `If-Match`.
    pub version: i64,
    /// Created (UTC).
    pub created_at: DateTime<Utc>,
    /// Last change (UTC).
    pub updated_at: DateTime<Utc>,
}

impl From<Entry> for EntryView {
    fn from(e: Entry) -> Self {
        EntryView {
            id: e.id,
            staff_id: e.staff_id,
            unit_id: e.unit_id,
            work_date: e.work_date,
            product_id: e.product_id,
            quantity: e.quantity,
            minutes: e.minutes,
            note: e.note,
            evidence: e.evidence,
            client_ref: e.client_ref,
            task_id: e.task_id,
            state: EntryState::parse(&e.state).unwrap_or(EntryState::Draft),
            approver_id: e.approver_id,
            rework_count: e.rework_count,
            last_return_kind: e.last_return_kind.as_deref().and_then(ReturnKind::parse),
            last_return_reason: e.last_return_reason,
            submitted_at: e.submitted_at.map(utc),
            decided_at: e.decided_at.map(utc),
            decided_by: e.decided_by,
            deleted: e.deleted_at.is_some(),
            version: e.version,
            created_at: utc(e.created_at),
            updated_at: utc(e.updated_at),
        }
    }
}

/// A new line of the diary.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"work_date": "2026-11-23", "product_id": 1, "quantity": 3, "minutes": 90, "note": "Thẩm định 3 hồ sơ cấp phép xây dựng", "evidence": "Số 123/UBND", "client_ref": "a1b2c3d4-0001"}))]
pub struct CreateEntry {
    /// Day the work was done (not in the future, within the backdating window).
    pub work_date: NaiveDate,
    /// Product type (no product, no hours).
    pub product_id: i64,
    /// Number of products (default 1).
    #[serde(default = "one")]
    pub quantity: i32,
    /// Minutes spent, 1..=1440.
    pub minutes: i32,
    /// Note.
    #[serde(default)]
    #[validate(length(max = 2000))]
    pub note: String,
    /// Evidence reference.
    #[validate(length(max = 500))]
    pub evidence: Option<String>,
    /// The client's reference: retrying with the same value returns the same entry.
    #[validate(length(min = 1, max = 100))]
    pub client_ref: Option<String>,
    /// The assigned task this work belongs to (its assigner approves the line).
    pub task_id: Option<i64>,
}

fn one() -> i32 {
    1
}

/// Changes to a draft or returned line.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"minutes": 120, "note": "Thẩm định 4 hồ sơ"}))]
pub struct UpdateEntry {
    /// New work date.
    pub work_date: Option<NaiveDate>,
    /// New product type.
    pub product_id: Option<i64>,
    /// New quantity.
    pub quantity: Option<i32>,
    /// New minutes.
    pub minutes: Option<i32>,
    /// New note.
    #[validate(length(max = 2000))]
    pub note: Option<String>,
    /// New evidence (null clears it).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub evidence: Option<Option<String>>,
    /// Link to a task (null unlinks).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub task_id: Option<Option<i64>>,
}

/// Why a line is sent back.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Số hồ sơ không khớp sổ theo dõi", "reason_kind": "quality"}))]
pub struct ReturnRequest {
    /// Reason, shown to the owner.
    #[validate(length(min = 1, max = 1000))]
    pub reason: String,
    /// `quality` (counts as rework when resubmitted) or `other`.
    pub reason_kind: ReturnKind,
}

/// A day to submit.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"date": "2026-11-23"}))]
pub struct SubmitDay {
    /// The day whose drafts are submitted.
    pub date: NaiveDate,
}

/// Entries submitted together.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubmittedDay {
    /// The submitted entries.
    pub items: Vec<EntryView>,
}

/// Filters of the diary.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EntryFilter {
    /// Whose diary (default: the caller; heads and the organisation may name people in scope).
    pub staff_id: Option<i64>,
    /// From this work date.
    pub from: Option<NaiveDate>,
    /// Up to this work date.
    pub to: Option<NaiveDate>,
    /// Only this state.
    pub state: Option<EntryState>,
}

/// Sync feed parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChangesQuery {
    /// RFC 3339 time of the last sync (`next_since` of the previous call).
    pub since: DateTime<Utc>,
    /// At most this many changes (1..=500, default 200).
    pub limit: Option<i64>,
}

/// Changes since the last sync.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangesView {
    /// Changed entries, oldest change first; deleted ones have `deleted: true`.
    pub items: Vec<EntryView>,
    /// Pass as `since` next time.
    pub next_since: DateTime<Utc>,
}

/// Today, the diary policy and the UTC offset, as the diary services need them.
pub fn context(state: &AppState) -> DiaryContext {
    let totals = crate::totals_policy(&state.settings);
    DiaryContext {
        today: local_today(state),
        policy: totals.diary,
        utc_offset_minutes: totals.utc_offset_minutes,
    }
}

fn idempotency_key(req: &HttpRequest) -> Result<Option<String>, AppError> {
    match req.headers().get("Idempotency-Key") {
        None => Ok(None),
        Some(v) => {
            let key = v.to_str().unwrap_or("").trim().to_string();
            if key.is_empty() || key.len() > 200 {
                Err(AppError::bad_request(
                    "Idempotency-Key phải có từ 1 đến 200 ký tự.",
                    "Idempotency-Key must be 1 to 200 characters.",
                ))
            } else {
                Ok(Some(key))
            }
        }
    }
}

/// Log a line of work (a draft). Retrying with the same `client_ref` or `Idempotency-Key`
/// returns the original entry (201 again, header `Idempotency-Replayed: true`), never a second one.
#[utoipa::path(
    tag = "diary",
    request_body = CreateEntry,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried create return the original entry")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created (or replayed)", body = EntryView, headers(("Location" = String), ("ETag" = String))),
        (status = 403, description = "System accounts keep no diary", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The period is locked", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields: minutes 1..=1440, quantity ≥ 1, unknown product, future or too-old date, day over 24 h", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/entries")]
pub async fn create_entry(
    state: web::Data<AppState>,
    user: AuthUser,
    req: HttpRequest,
    body: ValidJson<CreateEntry>,
) -> Result<HttpResponse, AppError> {
    let key = idempotency_key(&req)?;
    let ctx = context(&state);
    let b = body.0;
    let created = state
        .db(move |conn, _| {
            let viewer = load_viewer(conn, user)?;
            services::entries::create(
                conn,
                &viewer,
                EntryDraft {
                    work_date: b.work_date,
                    product_id: b.product_id,
                    quantity: b.quantity,
                    minutes: b.minutes,
                    note: b.note.trim().to_string(),
                    evidence: b.evidence,
                    client_ref: b.client_ref,
                    task_id: b.task_id,
                },
                key,
                &ctx,
            )
        })
        .await?;
    let entry = created.entry;
    Ok(HttpResponse::Created()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("/api/v1/entries/{}", entry.id),
        ))
        .insert_header(etag(entry.version))
        .insert_header((
            "Idempotency-Replayed",
            if created.replayed { "true" } else { "false" },
        ))
        .json(EntryView::from(entry)))
}

/// The caller's diary (or, for heads and the organisation, that of a person in scope).
#[utoipa::path(
    tag = "diary",
    params(PageQuery, EntryFilter),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of entries", body = Page<EntryView>),
        (status = 404, description = "Person not visible", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/entries")]
pub async fn list_entries(
    state: web::Data<AppState>,
    user: AuthUser,
    page: web::Query<PageQuery>,
    filter: web::Query<EntryFilter>,
) -> Result<HttpResponse, AppError> {
    let paging = page.paging()?;
    let f = filter.into_inner();
    let result = state
        .db(move |conn, _| {
            let viewer = load_viewer(conn, user)?;
            services::entries::list(conn, &viewer, f.staff_id, f.from, f.to, f.state, paging)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Page::from_service(result, EntryView::from)))
}

/// Changes of the caller's diary since a time (offline clients).
#[utoipa::path(
    tag = "diary",
    params(ChangesQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "Changed entries", body = ChangesView))
)]
#[get("/entries/changes")]
pub async fn entry_changes(
    state: web::Data<AppState>,
    user: AuthUser,
    q: web::Query<ChangesQuery>,
) -> Result<HttpResponse, AppError> {
    let limit = q.limit.unwrap_or(200);
    if !(1..=500).contains(&limit) {
        return Err(AppError::validation(
            "limit",
            "range",
            "limit phải từ 1 đến 500.",
            "limit must be between 1 and 500.",
        ));
    }
    let since = q.since;
    let rows = state
        .db(move |conn, _| {
            let viewer = load_viewer(conn, user)?;
            services::entries::changes_since(conn, &viewer, since.naive_utc(), limit)
        })
        .await?;
    let next_since = rows.last().map(|e| utc(e.updated_at)).unwrap_or(since);
    Ok(HttpResponse::Ok().json(ChangesView {
        items: rows.into_iter().map(EntryView::from).collect(),
        next_since,
    }))
}

/// One entry (owner, heads of the owner's subtree, its approver, the organisation).
#[utoipa::path(
    tag = "diary",
    params(("If-None-Match" = Option<String>, Header, description = "ETags already held (list or `*`): 304 when one is current"), ("id" = i64, Path, description = "Entry id")),
    security(("bearer" = [])),
    responses(
        (status = 304, description = "Not modified: `If-None-Match` names the current ETag (or `*`)"),
        (status = 200, description = "The entry", body = EntryView, headers(("ETag" = String))),
        (status = 404, description = "Not found or not visible", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/entries/{id}")]
pub async fn get_entry(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let today = local_today(&state);
    let entry = state
        .db(move |conn, _| {
            let viewer = load_viewer(conn, user)?;
            services::entries::get(conn, &viewer, id, today)
        })
        .await?;
    Ok(ok_versioned(entry.version, &EntryView::from(entry)))
}

/// Edit a draft or returned line (owner; `If-Match` required).
#[utoipa::path(
    tag = "diary",
    params(("id" = i64, Path, description = "Entry id"), ("If-Match" = String, Header, description = "ETag of the version being edited; a list of ETags or `*` (RFC 9110, strong comparison)")),
    request_body = UpdateEntry,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated", body = EntryView, headers(("ETag" = String))),
        (status = 403, description = "Not the owner", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Submitted or approved entries cannot be edited; locked period", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match missing", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/entries/{id}")]
pub async fn update_entry(
    state: web::Data<AppState>,
    user: AuthUser,
    req: HttpRequest,
    id: web::Path<i64>,
    body: ValidJson<UpdateEntry>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let condition = if_match(&req)?;
    let ctx = context(&state);
    let b = body.0;
    let entry = state
        .db(move |conn, _| {
            let version = condition.resolve(conn, crate::db::versions::Versioned::Entry, id)?;
            let viewer = load_viewer(conn, user)?;
            services::entries::update(
                conn,
                &viewer,
                id,
                version,
                EntryPatch {
                    work_date: b.work_date,
                    product_id: b.product_id,
                    quantity: b.quantity,
                    minutes: b.minutes,
                    note: b.note.map(|n| n.trim().to_string()),
                    evidence: b.evidence,
                    task_id: b.task_id,
                },
                &ctx,
            )
        })
        .await?;
    Ok(ok_versioned(entry.version, &EntryView::from(entry)))
}

/// Delete a draft or returned line (owner; `If-Match` optional).
#[utoipa::path(
    tag = "diary",
    params(("id" = i64, Path, description = "Entry id"), ("If-Match" = Option<String>, Header, description = "ETag of the version being deleted")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Not the owner", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Only draft or returned entries can be deleted; locked period", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/entries/{id}")]
pub async fn delete_entry(
    state: web::Data<AppState>,
    user: AuthUser,
    req: HttpRequest,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let condition = crate::routes::optional_if_match(&req);
    let ctx = context(&state);
    state
        .db(move |conn, _| {
            let version = condition
                .map(|c| c.resolve(conn, crate::db::versions::Versioned::Entry, id))
                .transpose()?;
            let viewer = load_viewer(conn, user)?;
            services::entries::delete(conn, &viewer, id, version, &ctx)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn run_transition(
    state: web::Data<AppState>,
    user: AuthUser,
    req: HttpRequest,
    id: i64,
    action: EntryAction,
    ret: Option<ReturnReason>,
) -> Result<HttpResponse, AppError> {
    let condition = crate::routes::optional_if_match(&req);
    let ctx = context(&state);
    let entry = state
        .db(move |conn, _| {
            let version = condition
                .map(|c| c.resolve(conn, crate::db::versions::Versioned::Entry, id))
                .transpose()?;
            let viewer = load_viewer(conn, user)?;
            services::entries::transition(conn, &viewer, id, action, version, ret, &ctx)
        })
        .await?;
    Ok(ok_versioned(entry.version, &EntryView::from(entry)))
}

/// Submit a draft or returned line for approval (owner). Resubmitting a line returned for
/// quality counts one rework.
#[utoipa::path(
    tag = "diary",
    params(("id" = i64, Path, description = "Entry id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Submitted", body = EntryView),
        (status = 403, description = "Not the owner", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Illegal transition or locked period", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/entries/{id}/submit")]
pub async fn submit_entry(
    state: web::Data<AppState>,
    user: AuthUser,
    req: HttpRequest,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    run_transition(state, user, req, id.into_inner(), EntryAction::Submit, None).await
}

/// Withdraw a submitted line back to draft (owner).
#[utoipa::path(
    tag = "diary",
    params(("id" = i64, Path, description = "Entry id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Back to draft", body = EntryView),
        (status = 403, description = "Not the owner", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Illegal transition or locked period", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/entries/{id}/withdraw")]
pub async fn withdraw_entry(
    state: web::Data<AppState>,
    user: AuthUser,
    req: HttpRequest,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    run_transition(
        state,
        user,
        req,
        id.into_inner(),
        EntryAction::Withdraw,
        None,
    )
    .await
}

/// Approve a submitted line (its approver or their acting delegate, or the organisation; never
/// the owner).
#[utoipa::path(
    tag = "approvals",
    params(("id" = i64, Path, description = "Entry id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Approved", body = EntryView),
        (status = 403, description = "Not the approver, or the caller's own entry", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Illegal transition or locked period", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/entries/{id}/approve")]
pub async fn approve_entry(
    state: web::Data<AppState>,
    user: AuthUser,
    req: HttpRequest,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    run_transition(
        state,
        user,
        req,
        id.into_inner(),
        EntryAction::Approve,
        None,
    )
    .await
}

/// Send a submitted line back with a reason and its kind.
#[utoipa::path(
    tag = "approvals",
    params(("id" = i64, Path, description = "Entry id")),
    request_body = ReturnRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Returned", body = EntryView),
        (status = 403, description = "Not the approver, or the caller's own entry", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Illegal transition or locked period", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Reason or reason kind missing", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/entries/{id}/return")]
pub async fn return_entry(
    state: web::Data<AppState>,
    user: AuthUser,
    req: HttpRequest,
    id: web::Path<i64>,
    body: ValidJson<ReturnRequest>,
) -> Result<HttpResponse, AppError> {
    let b = body.0;
    let ret = ReturnReason {
        reason: b.reason.trim().to_string(),
        kind: b.reason_kind,
    };
    run_transition(
        state,
        user,
        req,
        id.into_inner(),
        EntryAction::Return,
        Some(ret),
    )
    .await
}

/// Revoke an approval (back to submitted) until the period is locked.
#[utoipa::path(
    tag = "approvals",
    params(("id" = i64, Path, description = "Entry id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Back to submitted", body = EntryView),
        (status = 403, description = "Not the approver", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not approved, or the period is locked", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/entries/{id}/revoke")]
pub async fn revoke_entry(
    state: web::Data<AppState>,
    user: AuthUser,
    req: HttpRequest,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    run_transition(state, user, req, id.into_inner(), EntryAction::Revoke, None).await
}

/// Submit every draft of one day (owner), all or nothing.
#[utoipa::path(
    tag = "diary",
    request_body = SubmitDay,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The submitted entries (empty when there were no drafts)", body = SubmittedDay),
        (status = 409, description = "Locked period", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/entries/submit-day")]
pub async fn submit_day(
    state: web::Data<AppState>,
    user: AuthUser,
    body: ValidJson<SubmitDay>,
) -> Result<HttpResponse, AppError> {
    let day = body.0.date;
    let ctx = context(&state);
    let entries = state
        .db(move |conn, _| {
            let viewer = load_viewer(conn, user)?;
            services::entries::submit_day(conn, &viewer, day, &ctx)
        })
        .await?;
    Ok(HttpResponse::Ok().json(SubmittedDay {
        items: entries.into_iter().map(EntryView::from).collect(),
    }))
}

/// A correction by the organisation department (also in locked periods).
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"minutes": 240, "reason": "Quyết định số 12/QĐ-BTC điều chỉnh theo kết quả thanh tra"}))]
pub struct AmendRequest {
    /// Why (kept in the audit trail).
    #[validate(length(min = 1, max = 1000))]
    pub reason: String,
    /// Corrected product.
    pub product_id: Option<i64>,
    /// Corrected quantity.
    pub quantity: Option<i32>,
    /// Corrected minutes.
    pub minutes: Option<i32>,
    /// Corrected note.
    #[validate(length(max = 2000))]
    pub note: Option<String>,
    /// Corrected state (`approved` or `returned`).
    pub state: Option<EntryState>,
}

/// Amend an entry after its period is locked (organisation department; never one's own entry).
/// Every amendment is in the audit trail with its reason and the values before and after.
#[utoipa::path(
    tag = "diary",
    params(("id" = i64, Path, description = "Entry id")),
    request_body = AmendRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Amended", body = EntryView),
        (status = 403, description = "Not the organisation department, or one's own entry", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid values", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/entries/{id}/amend")]
pub async fn amend_entry(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
    body: ValidJson<AmendRequest>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let b = body.0;
    if matches!(
        b.state,
        Some(EntryState::Draft) | Some(EntryState::Submitted)
    ) {
        return Err(AppError::validation(
            "state",
            "enum",
            "Chỉ điều chỉnh sang trạng thái approved hoặc returned.",
            "An amendment may only set the state to approved or returned.",
        ));
    }
    let reason = b.reason.trim().to_string();
    let patch = EntryPatch {
        product_id: b.product_id,
        quantity: b.quantity,
        minutes: b.minutes,
        note: b.note,
        ..Default::default()
    };
    let new_state = b.state;
    let ctx = context(&state);
    let entry = state
        .db(move |conn, _| {
            let viewer = load_viewer(conn, user)?;
            services::entries::amend(conn, &viewer, id, patch, new_state, &reason, &ctx)
        })
        .await?;
    Ok(ok_versioned(entry.version, &EntryView::from(entry)))
}
