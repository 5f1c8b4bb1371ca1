//! `/me/notes`, `/me/note-mutes`: the caller's inbox of reminders and the kinds they muted.

use std::collections::BTreeMap;

use actix_web::{get, post, put, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

use crate::auth::AuthUser;
use crate::error::{AppError, Problem};
use crate::routes::{utc, ValidJson};
use crate::services::reminders::{Note, KINDS, MUTABLE};
use crate::services::{self, access::load_viewer};
use crate::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(inbox)
        .service(unread)
        .service(read_all)
        .service(read_one)
        .service(get_mutes)
        .service(put_mutes);
}

/// A note of the inbox, rendered in the request's language.
#[derive(Debug, Serialize, ToSchema)]
pub struct NoteView {
    pub id: i64,
    /// `week_short` (weekly: the ended week was under-logged), `approvals_waiting` (daily, to
    /// approvers: lines waiting more than N working days), `line_returned` (a line was returned,
    /// with the reason), `report_due` (to the organisation department: units' monthly reports).
    #[schema(example = "week_short")]
    pub kind: String,
    #[schema(example = "Tuần 2026-W47 ghi nhật ký chưa đủ")]
    pub title: String,
    #[schema(example = "Tuần 2026-W47 bạn ghi 32 giờ trên 40 giờ định mức, thiếu 8 giờ.")]
    pub text: String,
    /// The data the text is made from (per kind: week and minutes; lines and oldest date;
    /// entry id, date and reason; month and units).
    #[schema(value_type = Object)]
    pub params: serde_json::Value,
    pub created_at: DateTime<Utc>,
    /// Null while unread.
    pub read_at: Option<DateTime<Utc>>,
    /// When an e-mail copy was sent (null: none).
    pub emailed_at: Option<DateTime<Utc>>,
}

impl From<Note> for NoteView {
    fn from(n: Note) -> Self {
        NoteView {
            id: n.row.id,
            kind: n.row.kind,
            title: n.title.render(),
            text: n.body.render(),
            params: n.params,
            created_at: utc(n.row.created_at),
            read_at: n.row.read_at.map(utc),
            emailed_at: n.row.emailed_at.map(utc),
        }
    }
}

/// The inbox page.
#[derive(Debug, Serialize, ToSchema)]
pub struct InboxView {
    /// Newest first.
    pub items: Vec<NoteView>,
    /// Unread notes in all.
    #[schema(example = 3)]
    pub unread: i64,
    /// Unread notes per kind (every kind listed).
    #[schema(example = json!({"week_short": 1, "approvals_waiting": 2, "line_returned": 0, "report_due": 0}))]
    pub unread_by_kind: BTreeMap<String, i64>,
    /// Pass as `before` for the next (older) page; null at the end.
    pub next_before: Option<i64>,
}

/// Inbox filter and paging.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InboxQuery {
    /// `true`: unread notes only.
    pub unread: Option<bool>,
    /// Notes older than this note id (paging back).
    pub before: Option<i64>,
    /// Page size, 1..=200 (default 50).
    pub limit: Option<i64>,
}

/// The caller's notes, newest first, with unread counts.
#[utoipa::path(
    tag = "notes",
    params(InboxQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The inbox", body = InboxView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "limit out of range", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/me/notes")]
pub async fn inbox(
    state: web::Data<AppState>,
    user: AuthUser,
    q: web::Query<InboxQuery>,
) -> Result<HttpResponse, AppError> {
    let limit = q.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(AppError::validation(
            "limit",
            "range",
            "Số dòng mỗi trang từ 1 đến 200.",
            "The page size is 1 to 200.",
        ));
    }
    let (unread_only, before) = (q.unread.unwrap_or(false), q.before);
    let inbox = state
        .db(move |conn, _| {
            let viewer = load_viewer(conn, user)?;
            services::reminders::inbox(conn, &viewer, unread_only, before, limit)
        })
        .await?;
    let next_before = if inbox.notes.len() as i64 == limit {
        inbox.notes.last().map(|n| n.row.id)
    } else {
        None
    };
    Ok(HttpResponse::Ok().json(InboxView {
        items: inbox.notes.into_iter().map(NoteView::from).collect(),
        unread: inbox.unread,
        unread_by_kind: inbox.unread_by_kind.into_iter().collect(),
        next_before,
    }))
}

/// The caller's unread count, cheap to poll (no note is read or rendered).
#[derive(Debug, Serialize, ToSchema)]
pub struct UnreadView {
    #[schema(example = 3)]
    pub unread: i64,
    /// Unread notes per kind (every kind listed).
    #[schema(example = json!({"week_short": 1, "approvals_waiting": 2, "line_returned": 0, "report_due": 0}))]
    pub unread_by_kind: BTreeMap<String, i64>,
}

/// How many of the caller's notes are unread (the header's bell).
#[utoipa::path(
    tag = "notes",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Unread counts", body = UnreadView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/me/notes/unread")]
pub async fn unread(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, AppError> {
    let by_kind = state
        .db(move |conn, _| {
            let viewer = load_viewer(conn, user)?;
            services::reminders::unread(conn, &viewer)
        })
        .await?;
    Ok(HttpResponse::Ok().json(UnreadView {
        unread: by_kind.iter().map(|(_, n)| n).sum(),
        unread_by_kind: by_kind.into_iter().collect(),
    }))
}

/// Mark one of the caller's notes read.
#[utoipa::path(
    tag = "notes",
    params(("id" = i64, Path, description = "Note id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Marked read", body = NoteView),
        (status = 404, description = "Not the caller's note", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/me/notes/{id}/read")]
pub async fn read_one(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let note = state
        .db(move |conn, _| {
            let viewer = load_viewer(conn, user)?;
            services::reminders::mark_read(conn, &viewer, id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(NoteView::from(note)))
}

/// How many notes were marked read.
#[derive(Debug, Serialize, ToSchema)]
pub struct MarkedRead {
    #[schema(example = 3)]
    pub marked: usize,
}

/// Mark every unread note of the caller read.
#[utoipa::path(
    tag = "notes",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Marked", body = MarkedRead),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/me/notes/read-all")]
pub async fn read_all(
    state: web::Data<AppState>,
    user: AuthUser,
) -> Result<HttpResponse, AppError> {
    let marked = state
        .db(move |conn, _| {
            let viewer = load_viewer(conn, user)?;
            services::reminders::mark_all_read(conn, &viewer)
        })
        .await?;
    Ok(HttpResponse::Ok().json(MarkedRead { marked }))
}

/// The kinds the caller muted.
#[derive(Debug, Serialize, ToSchema)]
pub struct MutesView {
    /// Muted kinds.
    #[schema(example = json!(["report_due"]))]
    pub muted: Vec<String>,
    /// Kinds that may be muted (`line_returned` may not).
    pub mutable: Vec<String>,
    /// Every kind.
    pub kinds: Vec<String>,
}

fn mutes_view(muted: Vec<String>) -> MutesView {
    MutesView {
        muted,
        mutable: MUTABLE.iter().map(|k| k.to_string()).collect(),
        kinds: KINDS.iter().map(|k| k.to_string()).collect(),
    }
}

/// The kinds of notes the caller muted.
#[utoipa::path(
    tag = "notes",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Muted kinds", body = MutesView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/me/note-mutes")]
pub async fn get_mutes(
    state: web::Data<AppState>,
    user: AuthUser,
) -> Result<HttpResponse, AppError> {
    let muted = state
        .db(move |conn, _| {
            let viewer = load_viewer(conn, user)?;
            services::reminders::mutes(conn, &viewer)
        })
        .await?;
    Ok(HttpResponse::Ok().json(mutes_view(muted)))
}

/// The kinds to mute (replaces the list).
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"muted": ["report_due"]}))]
pub struct SetMutes {
    /// Kinds to mute; an empty list unmutes everything.
    pub muted: Vec<String>,
}

/// Replace the caller's muted kinds. Notes about returned lines cannot be muted.
#[utoipa::path(
    tag = "notes",
    request_body = SetMutes,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Muted kinds", body = MutesView),
        (status = 422, description = "Unknown kind, or `line_returned`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/me/note-mutes")]
pub async fn put_mutes(
    state: web::Data<AppState>,
    user: AuthUser,
    body: ValidJson<SetMutes>,
) -> Result<HttpResponse, AppError> {
    let kinds = body.0.muted;
    let muted = state
        .db(move |conn, _| {
            let viewer = load_viewer(conn, user)?;
            services::reminders::set_mutes(conn, &viewer, &kinds)
        })
        .await?;
    Ok(HttpResponse::Ok().json(mutes_view(muted)))
}
