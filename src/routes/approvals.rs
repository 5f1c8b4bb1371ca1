//! The approver's routes: the queue with anomaly flags, batch decisions, delegations (acting
//! approvers) and permissions to backdate.

use actix_web::{delete, get, post, web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

use crate::auth::AuthUser;
use crate::domain::diary::{Anomaly, EntryAction, ReturnKind};
use crate::error::{AppError, Problem};
use crate::i18n;
use crate::routes::entries::EntryView;
use crate::routes::{local_today, rule_error, utc, Page, PageQuery, ValidJson};
use crate::services::entries::ReturnReason;
use crate::services::{self, access::load_viewer};
use crate::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(approval_queue)
        .service(decide_batch)
        .service(create_delegation)
        .service(list_delegations)
        .service(revoke_delegation)
        .service(grant_backdate)
        .service(grant_backdate_range)
        .service(list_backdate)
        .service(revoke_backdate);
}

/// An entry waiting for a decision.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueueItemView {
    /// The entry.
    pub entry: EntryView,
    /// Owner's full name.
    pub staff_name: String,
    /// Minutes the owner logged that day in all live entries.
    pub day_total: i64,
    /// What deserves a second look: `day_over_threshold`, `far_above_standard`,
    /// `non_working_day`, `duplicate`, `late_backfill`.
    pub anomalies: Vec<Anomaly>,
}

/// The queue.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueueView {
    /// Waiting entries, oldest work date first (then by id).
    pub items: Vec<QueueItemView>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// Queue filters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// Every submitted entry of this unit's subtree (heads within their subtree, organisation);
    /// without it, the entries the caller (or whoever delegated to them today) approves.
    pub unit_id: Option<i64>,
    /// At most this many (1..=500, default 200).
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// The queue's keyset cursor: `<work date>_<entry id>` of the previous page's last entry.
fn parse_queue_cursor(c: &str) -> Result<(NaiveDate, i64), AppError> {
    let bad = || {
        AppError::validation(
            "cursor",
            "invalid",
            "cursor không hợp lệ: hãy dùng next_cursor của trang trước.",
            "The cursor is not valid: pass the next_cursor of the previous page.",
        )
    };
    let (day, id) = c.split_once('_').ok_or_else(bad)?;
    let day = NaiveDate::parse_from_str(day, "%Y-%m-%d").map_err(|_| bad())?;
    let id = id.parse::<i64>().map_err(|_| bad())?;
    Ok((day, id))
}

/// Entries waiting for the caller, with each day's total and anomaly flags.
#[utoipa::path(
    tag = "approvals",
    params(QueueQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The queue", body = QueueView),
        (status = 404, description = "Unit outside the caller's subtree", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/approvals/queue")]
pub async fn approval_queue(
    state: web::Data<AppState>,
    user: AuthUser,
    q: web::Query<QueueQuery>,
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
    let after = q.cursor.as_deref().map(parse_queue_cursor).transpose()?;
    let unit_id = q.unit_id;
    let today = local_today(&state);
    let offset = state.settings.organisation.utc_offset_minutes;
    let policy = state.settings.diary.policy();
    let (items, next) = state
        .db(move |conn, _| {
            let viewer = load_viewer(conn, user)?;
            services::approvals::queue(conn, &viewer, unit_id, after, limit, today, offset, &policy)
        })
        .await?;
    Ok(HttpResponse::Ok().json(QueueView {
        next_cursor: next.map(|(d, id)| format!("{d}_{id}")),
        items: items
            .into_iter()
            .map(|i| QueueItemView {
                entry: EntryView::from(i.entry),
                staff_name: i.staff_name,
                day_total: i.day_total,
                anomalies: i.anomalies,
            })
            .collect(),
    }))
}

/// A batch decision.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum BatchAction {
    /// Approve every entry.
    Approve,
    /// Send every entry back (reason and reason_kind required).
    Return,
}

fn ids_rule(ids: &[i64]) -> Result<(), validator::ValidationError> {
    let mut sorted = ids.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    if ids.is_empty() || ids.len() > 200 {
        Err(rule_error(
            "length",
            "Cần từ 1 đến 200 dòng nhật ký.",
            "Between 1 and 200 entries are needed.",
        ))
    } else if sorted.len() != ids.len() {
        Err(rule_error(
            "duplicate",
            "Danh sách có mã dòng trùng nhau.",
            "The list repeats an entry id.",
        ))
    } else {
        Ok(())
    }
}

/// Approve or return several entries.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"entry_ids": [11, 12, 13], "action": "approve"}))]
pub struct BatchRequest {
    /// Entries to decide (1 to 200, no repeats).
    #[validate(custom(function = "ids_rule"))]
    pub entry_ids: Vec<i64>,
    /// `approve` or `return`.
    pub action: BatchAction,
    /// Reason (required to return).
    #[validate(length(min = 1, max = 1000))]
    pub reason: Option<String>,
    /// `quality` or `other` (required to return).
    pub reason_kind: Option<ReturnKind>,
}

/// The result for one entry of a batch.
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchItemResult {
    /// The entry.
    pub entry_id: i64,
    /// HTTP status this item would have had on its own (200, 403, 404, 409...).
    pub status: u16,
    /// The entry's new state when it succeeded.
    pub state: Option<String>,
    /// Why it failed, in the caller's language.
    pub error: Option<String>,
}

/// The results of a batch.
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchResult {
    /// One result per requested entry, in request order.
    pub results: Vec<BatchItemResult>,
    /// How many succeeded.
    pub succeeded: usize,
    /// How many failed.
    pub failed: usize,
}

/// Approve or return many entries at once; each is decided on its own and reported separately.
#[utoipa::path(
    tag = "approvals",
    request_body = BatchRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One result per entry", body = BatchResult),
        (status = 422, description = "Invalid request (e.g. return without reason)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/approvals")]
pub async fn decide_batch(
    state: web::Data<AppState>,
    user: AuthUser,
    body: ValidJson<BatchRequest>,
) -> Result<HttpResponse, AppError> {
    let b = body.0;
    let (action, ret) = match b.action {
        BatchAction::Approve => (EntryAction::Approve, None),
        BatchAction::Return => match (b.reason, b.reason_kind) {
            (Some(reason), Some(kind)) => (
                EntryAction::Return,
                Some(ReturnReason {
                    reason: reason.trim().to_string(),
                    kind,
                }),
            ),
            (None, _) => {
                return Err(AppError::validation(
                    "reason",
                    "required",
                    "Trả lại cần nêu lý do.",
                    "A reason is required to return entries.",
                ))
            }
            (_, None) => {
                return Err(AppError::validation(
                    "reason_kind",
                    "required",
                    "Trả lại cần loại lý do (quality hoặc other).",
                    "A reason kind (quality or other) is required to return entries.",
                ))
            }
        },
    };
    let ids = b.entry_ids;
    let ctx = crate::routes::entries::context(&state);
    let lang = i18n::current();
    let outcomes = state
        .db(move |conn, _| {
            let viewer = load_viewer(conn, user)?;
            Ok(services::approvals::decide_batch(
                conn, &viewer, &ids, action, ret, &ctx,
            ))
        })
        .await?;
    let results: Vec<BatchItemResult> = outcomes
        .into_iter()
        .map(|o| match o.result {
            Ok(entry) => BatchItemResult {
                entry_id: o.entry_id,
                status: 200,
                state: Some(entry.state),
                error: None,
            },
            Err(e) => {
                use actix_web::ResponseError;
                let problem = e.problem(lang);
                BatchItemResult {
                    entry_id: o.entry_id,
                    status: e.status_code().as_u16(),
                    state: None,
                    error: Some(problem.detail),
                }
            }
        })
        .collect();
    let succeeded = results.iter().filter(|r| r.status == 200).count();
    Ok(HttpResponse::Ok().json(BatchResult {
        failed: results.len() - succeeded,
        succeeded,
        results,
    }))
}

/// An acting approver for a date range.
#[derive(Debug, Serialize, ToSchema)]
pub struct DelegationView {
    /// Id.
    pub id: i64,
    /// Who delegates (the usual approver).
    pub approver_id: i64,
    /// Who acts in their place.
    pub acting_id: i64,
    /// First day.
    pub from: NaiveDate,
    /// Last day (inclusive).
    pub to: NaiveDate,
    /// Whether it was revoked.
    pub revoked: bool,
    /// Created (UTC).
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl From<crate::db::delegations::DelegationRow> for DelegationView {
    fn from(d: crate::db::delegations::DelegationRow) -> Self {
        DelegationView {
            id: d.id,
            approver_id: d.approver_id,
            acting_id: d.acting_id,
            from: d.from_date,
            to: d.to_date,
            revoked: d.revoked_at.is_some(),
            created_at: utc(d.created_at),
        }
    }
}

/// A new delegation of the caller's approvals.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"acting_id": 7, "from": "2026-11-24", "to": "2026-11-28"}))]
pub struct CreateDelegation {
    /// Who approves in the caller's place.
    pub acting_id: i64,
    /// First day.
    pub from: NaiveDate,
    /// Last day (inclusive, at most 366 days after `from`).
    pub to: NaiveDate,
}

/// Delegations given or received by the caller.
#[derive(Debug, Serialize, ToSchema)]
pub struct DelegationList {
    /// Newest first.
    pub items: Vec<DelegationView>,
}

/// Let someone approve in the caller's place for a date range (heads, approvers).
#[utoipa::path(
    tag = "approvals",
    request_body = CreateDelegation,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = DelegationView),
        (status = 422, description = "Invalid dates or acting person", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/delegations")]
pub async fn create_delegation(
    state: web::Data<AppState>,
    user: AuthUser,
    body: ValidJson<CreateDelegation>,
) -> Result<HttpResponse, AppError> {
    let b = body.0;
    let row = state
        .db(move |conn, _| {
            let viewer = load_viewer(conn, user)?;
            services::delegations::create(conn, &viewer, b.acting_id, b.from, b.to)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("/api/v1/delegations/{}", row.id),
        ))
        .json(DelegationView::from(row)))
}

/// Delegations the caller gave or received.
#[utoipa::path(tag = "approvals", security(("bearer" = [])), responses((status = 200, description = "Delegations", body = DelegationList)))]
#[get("/delegations")]
pub async fn list_delegations(
    state: web::Data<AppState>,
    user: AuthUser,
) -> Result<HttpResponse, AppError> {
    let rows = state
        .db(move |conn, _| {
            let viewer = load_viewer(conn, user)?;
            Ok(crate::db::delegations::involving(conn, viewer.staff_id)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(DelegationList {
        items: rows.into_iter().map(DelegationView::from).collect(),
    }))
}

/// End a delegation (the approver who gave it, or the organisation).
#[utoipa::path(
    tag = "approvals",
    params(("id" = i64, Path, description = "Delegation id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Revoked"),
        (status = 404, description = "Not found or not the caller's", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/delegations/{id}")]
pub async fn revoke_delegation(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    state
        .db(move |conn, _| {
            let viewer = load_viewer(conn, user)?;
            services::delegations::revoke(conn, &viewer, id)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Permission to log one older work date.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"work_date": "2026-11-02", "reason": "Đi công tác vùng sâu không có mạng"}))]
pub struct BackdateRequest {
    /// The work date the person may still log.
    pub work_date: NaiveDate,
    /// Why (kept in the audit trail).
    #[validate(length(min = 1, max = 1000))]
    pub reason: String,
}

/// The granted permission.
#[derive(Debug, Serialize, ToSchema)]
pub struct BackdateView {
    /// Id.
    pub id: i64,
    /// The person.
    pub staff_id: i64,
    /// The work date.
    pub work_date: NaiveDate,
}

/// Let a person log one work date older than the backdating window (the single-day form of
/// `POST /backdate-permissions`, kept for existing clients).
#[utoipa::path(
    tag = "approvals",
    params(("id" = i64, Path, description = "Staff id")),
    request_body = BackdateRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Granted", body = BackdateView),
        (status = 403, description = "Neither the person's approver nor a head of their unit or a unit above (or the person themselves)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Person not visible", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already granted", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/staff/{id}/backdate-permissions")]
pub async fn grant_backdate(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
    body: ValidJson<BackdateRequest>,
) -> Result<HttpResponse, AppError> {
    let staff_id = id.into_inner();
    let b = body.0;
    let today = local_today(&state);
    let reason = b.reason.trim().to_string();
    let work_date = b.work_date;
    let totals = crate::totals_policy(&state.settings);
    let p = state
        .db(move |conn, _| {
            let viewer = load_viewer(conn, user)?;
            services::backdate::grant(
                conn,
                &viewer,
                services::backdate::Target::Person(staff_id),
                work_date,
                work_date,
                &reason,
                today,
                &totals,
            )
        })
        .await?;
    Ok(HttpResponse::Created().json(BackdateView {
        id: p.id,
        staff_id,
        work_date,
    }))
}

/// A backdate permission for a date range, for one person or a whole unit.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"unit_id": 3, "from": "2026-10-01", "to": "2026-10-31", "reason": "Đưa hệ thống vào sử dụng: nhập bù tháng 10"}))]
pub struct BackdateGrant {
    /// One person (give exactly one of `staff_id` and `unit_id`).
    pub staff_id: Option<i64>,
    /// Everyone logging in this unit (a go-live backfill, an outage).
    pub unit_id: Option<i64>,
    /// First work date covered.
    pub from: NaiveDate,
    /// Last work date covered (not in the future; at most 366 days after `from`).
    pub to: NaiveDate,
    /// Why (kept with the permission and in the audit trail).
    #[validate(length(min = 1, max = 1000))]
    pub reason: String,
}

/// A backdate permission.
#[derive(Debug, Serialize, ToSchema)]
pub struct BackdatePermissionView {
    /// Id.
    pub id: i64,
    /// The person, for a personal permission.
    pub staff_id: Option<i64>,
    /// The unit, for a unit-wide permission.
    pub unit_id: Option<i64>,
    /// First work date covered.
    pub from: NaiveDate,
    /// Last work date covered.
    pub to: NaiveDate,
    /// Why.
    pub reason: String,
    /// Who granted it.
    pub granted_by: i64,
    /// When (RFC 3339).
    pub created_at: DateTime<Utc>,
    /// Who revoked it.
    pub revoked_by: Option<i64>,
    /// When it was revoked (RFC 3339); null while live.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<crate::db::backdate::Permission> for BackdatePermissionView {
    fn from(p: crate::db::backdate::Permission) -> Self {
        Self {
            id: p.id,
            staff_id: p.staff_id,
            unit_id: p.unit_id,
            from: p.from_date,
            to: p.to_date,
            reason: p.reason,
            granted_by: p.granted_by,
            created_at: utc(p.created_at),
            revoked_by: p.revoked_by,
            revoked_at: p.revoked_at.map(utc),
        }
    }
}

/// Grant a backdate permission for a date range, to one person (their approver, any head of
/// their unit or a unit above, the organisation department) or to a whole unit (heads of it or
/// above, the organisation department). Lines it covers are not flagged as late backfills.
#[utoipa::path(
    tag = "approvals",
    request_body = BackdateGrant,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Granted", body = BackdatePermissionView),
        (status = 403, description = "Not allowed to grant for that person or unit", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Person or unit not visible", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A live permission already covers the range", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Neither or both of staff_id and unit_id; to before from; future dates; over 366 days", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/backdate-permissions")]
pub async fn grant_backdate_range(
    state: web::Data<AppState>,
    user: AuthUser,
    body: ValidJson<BackdateGrant>,
) -> Result<HttpResponse, AppError> {
    let b = body.0;
    let target = match (b.staff_id, b.unit_id) {
        (Some(s), None) => services::backdate::Target::Person(s),
        (None, Some(u)) => services::backdate::Target::Unit(u),
        _ => {
            return Err(AppError::validation(
                "staff_id",
                "one_of",
                "Hãy chọn đúng một trong hai: staff_id (một người) hoặc unit_id (cả đơn vị).",
                "Give exactly one of staff_id (one person) and unit_id (a whole unit).",
            ))
        }
    };
    let today = local_today(&state);
    let reason = b.reason.trim().to_string();
    let totals = crate::totals_policy(&state.settings);
    let p = state
        .db(move |conn, _| {
            let viewer = load_viewer(conn, user)?;
            services::backdate::grant(conn, &viewer, target, b.from, b.to, &reason, today, &totals)
        })
        .await?;
    Ok(HttpResponse::Created().json(BackdatePermissionView::from(p)))
}

/// Filters of the backdate permission list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BackdateFilter {
    /// Only this person's personal permissions.
    pub staff_id: Option<i64>,
    /// Only this unit's unit-wide permissions.
    pub unit_id: Option<i64>,
    /// Include revoked permissions (default false).
    pub include_revoked: Option<bool>,
}

/// Backdate permissions the caller may see, newest first: the organisation department all;
/// heads those of their subtrees' people and units; everyone their own and their unit's.
#[utoipa::path(
    tag = "approvals",
    params(PageQuery, BackdateFilter),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of permissions", body = Page<BackdatePermissionView>),
        (status = 422, description = "Invalid paging", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/backdate-permissions")]
pub async fn list_backdate(
    state: web::Data<AppState>,
    user: AuthUser,
    page: web::Query<PageQuery>,
    filter: web::Query<BackdateFilter>,
) -> Result<HttpResponse, AppError> {
    let paging = page.paging()?;
    let f = filter.into_inner();
    let result = state
        .db(move |conn, _| {
            let viewer = load_viewer(conn, user)?;
            services::backdate::list(
                conn,
                &viewer,
                f.staff_id,
                f.unit_id,
                f.include_revoked.unwrap_or(false),
                paging,
            )
        })
        .await?;
    Ok(HttpResponse::Ok().json(Page::from_service(result, BackdatePermissionView::from)))
}

/// Revoke a backdate permission (whoever may grant it); the lines it covered are judged again.
#[utoipa::path(
    tag = "approvals",
    params(("id" = i64, Path, description = "Permission id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Revoked", body = BackdatePermissionView),
        (status = 403, description = "Not allowed to revoke it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found or not visible", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already revoked", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/backdate-permissions/{id}")]
pub async fn revoke_backdate(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let today = local_today(&state);
    let totals = crate::totals_policy(&state.settings);
    let p = state
        .db(move |conn, _| {
            let viewer = load_viewer(conn, user)?;
            services::backdate::revoke(conn, &viewer, id, None, today, &totals)
        })
        .await?;
    Ok(HttpResponse::Ok().json(BackdatePermissionView::from(p)))
}
