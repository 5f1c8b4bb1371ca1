//! `/tasks`: assigned work (nhiệm vụ được giao) with one owner, an assigner and a due date.
//! "Whoever assigns evaluates": the assigner approves the diary lines linked to the task.

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

use crate::auth::AuthUser;
use crate::db::tasks::Task;
use crate::error::{AppError, Problem};
use crate::routes::leaves::OptionalJson;
use crate::routes::{
    created_versioned, if_match, local_today, ok_versioned, utc, Page, PageQuery, ValidJson,
};
use crate::services::tasks::{delays_of, TaskDraft, TaskKind, TaskPatch, TaskState};
use crate::services::{self, access::load_viewer};
use crate::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_tasks)
        .service(create_task)
        .service(get_task)
        .service(update_task)
        .service(complete_task);
}

/// An assigned task.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskView {
    /// Id.
    pub id: i64,
    /// Title.
    #[schema(example = "Dự thảo quyết định cấp phép xây dựng")]
    pub title: String,
    /// Details of the assignment.
    pub description: String,
    /// Who does the work (staff id).
    pub owner_id: i64,
    /// Who assigned it and evaluates it (approves its diary lines).
    pub assigner_id: i64,
    /// The owner's unit when the task was assigned.
    pub unit_id: i64,
    /// `planned` (from a work plan) or `ad_hoc`.
    pub kind: TaskKind,
    /// Due date.
    pub due_date: NaiveDate,
    /// `open`, `completed` or `cancelled`.
    pub state: TaskState,
    /// Day the owner reported it done.
    pub completed_on: Option<NaiveDate>,
    /// Missed due dates so far (completion date, or today while open): 0 on time, 1 for 1-7
    /// days late, one more per further full 7 days; 0 for a cancelled task.
    pub delays: i32,
    /// Version for `If-Match`.
    pub version: i64,
    /// Created (UTC).
    pub created_at: DateTime<Utc>,
    /// Last change (UTC).
    pub updated_at: DateTime<Utc>,
}

impl TaskView {
    fn new(t: Task, today: NaiveDate) -> TaskView {
        TaskView {
            delays: delays_of(&t, today),
            id: t.id,
            title: t.title,
            description: t.description,
            owner_id: t.owner_id,
            assigner_id: t.assigner_id,
            unit_id: t.unit_id,
            kind: TaskKind::parse(&t.kind).unwrap_or_default(),
            due_date: t.due_date,
            state: TaskState::parse(&t.state).unwrap_or(TaskState::Open),
            completed_on: t.completed_on,
            version: t.version,
            created_at: utc(t.created_at),
            updated_at: utc(t.updated_at),
        }
    }
}

/// A new task; the caller becomes its assigner.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"title": "Dự thảo quyết định cấp phép xây dựng", "description": "Hồ sơ số 45/2026", "owner_id": 12, "due_date": "2026-11-30", "kind": "planned"}))]
pub struct CreateTask {
    /// Title, 1 to 300 characters.
    #[validate(length(min = 1, max = 300))]
    pub title: String,
    /// Details.
    #[serde(default)]
    #[validate(length(max = 4000))]
    pub description: String,
    /// Who does the work: the caller, a direct subordinate, a person of a unit the caller heads,
    /// or anyone (organisation department). Must be active and belong to a unit.
    pub owner_id: i64,
    /// Due date (not more than 366 days in the past).
    pub due_date: NaiveDate,
    /// `planned` (default) or `ad_hoc`.
    #[serde(default)]
    pub kind: TaskKind,
}

/// Changes to an open task; omitted fields stay.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"due_date": "2026-12-05", "title": "Dự thảo quyết định (bổ sung)"}))]
pub struct UpdateTask {
    /// New title.
    #[validate(length(min = 1, max = 300))]
    pub title: Option<String>,
    /// New details.
    #[validate(length(max = 4000))]
    pub description: Option<String>,
    /// New due date (not more than 366 days in the past).
    pub due_date: Option<NaiveDate>,
    /// Only `cancelled` (cancels an open task).
    pub state: Option<TaskState>,
}

/// The owner reports the task done.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"completed_on": "2026-11-28"}))]
pub struct CompleteTask {
    /// Day it was done (default: today, in the organisation's time zone); not in the future.
    pub completed_on: Option<NaiveDate>,
}

/// Filters of the task list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TaskFilter {
    /// Tasks of this owner (heads: people of their subtree; organisation: anyone). Default: the
    /// tasks the caller owns or assigned.
    pub owner_id: Option<i64>,
    /// Only this state.
    pub state: Option<TaskState>,
}

/// Tasks the caller owns or assigned, or (with `owner_id`) those of a person in scope.
#[utoipa::path(
    tag = "tasks",
    params(PageQuery, TaskFilter),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of tasks", body = Page<TaskView>),
        (status = 400, description = "Malformed query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The owner does not exist or is not visible", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid paging", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/tasks")]
pub async fn list_tasks(
    state: web::Data<AppState>,
    user: AuthUser,
    page: web::Query<PageQuery>,
    filter: web::Query<TaskFilter>,
) -> Result<HttpResponse, AppError> {
    let paging = page.paging()?;
    let filter = filter.into_inner();
    let today = local_today(&state);
    let result = state
        .db(move |conn, _| {
            let viewer = load_viewer(conn, user)?;
            services::tasks::list(conn, &viewer, filter.owner_id, filter.state, paging)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Page::from_service(result, |t| TaskView::new(t, today))))
}

/// Assign a task. The caller becomes its assigner and approves the diary lines linked to it.
/// Allowed: the organisation department to anyone, a head to people of their subtree, anyone to
/// their direct subordinates and to themselves.
#[utoipa::path(
    tag = "tasks",
    request_body = CreateTask,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = TaskView, headers(("Location" = String), ("ETag" = String))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller may not assign work to this person", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The owner does not exist or is not visible", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields: title length, owner inactive or without a unit, due date too old", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/tasks")]
pub async fn create_task(
    state: web::Data<AppState>,
    user: AuthUser,
    body: ValidJson<CreateTask>,
) -> Result<HttpResponse, AppError> {
    let b = body.0;
    let today = local_today(&state);
    let task = state
        .db(move |conn, _| {
            let viewer = load_viewer(conn, user)?;
            services::tasks::create(
                conn,
                &viewer,
                TaskDraft {
                    title: b.title.trim().to_string(),
                    description: b.description.trim().to_string(),
                    owner_id: b.owner_id,
                    due_date: b.due_date,
                    kind: b.kind,
                },
                today,
            )
        })
        .await?;
    Ok(created_versioned(
        format!("/api/v1/tasks/{}", task.id),
        task.version,
        &TaskView::new(task, today),
    ))
}

/// One task: its owner, its assigner, heads of the owner's unit subtree and the organisation
/// department; 404 for anyone else.
#[utoipa::path(
    tag = "tasks",
    params(("If-None-Match" = Option<String>, Header, description = "ETags already held (list or `*`): 304 when one is current"), ("id" = i64, Path, description = "Task id")),
    security(("bearer" = [])),
    responses(
        (status = 304, description = "Not modified: `If-None-Match` names the current ETag (or `*`)"),
        (status = 200, description = "The task", body = TaskView, headers(("ETag" = String))),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found or not visible", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/tasks/{id}")]
pub async fn get_task(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let today = local_today(&state);
    let task = state
        .db(move |conn, _| {
            let viewer = load_viewer(conn, user)?;
            services::tasks::get(conn, &viewer, id)
        })
        .await?;
    Ok(ok_versioned(task.version, &TaskView::new(task, today)))
}

/// Edit an open task or cancel it (`"state": "cancelled"`): its assigner or the organisation
/// department. Needs `If-Match`.
#[utoipa::path(
    tag = "tasks",
    params(("id" = i64, Path, description = "Task id"), ("If-Match" = String, Header, description = "ETag of the version being edited; a list of ETags or `*` (RFC 9110, strong comparison)")),
    request_body = UpdateTask,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated", body = TaskView, headers(("ETag" = String))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the assigner", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found or not visible", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The task is completed or cancelled", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (state other than cancelled, due date too old)", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match missing", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/tasks/{id}")]
pub async fn update_task(
    state: web::Data<AppState>,
    user: AuthUser,
    req: HttpRequest,
    id: web::Path<i64>,
    body: ValidJson<UpdateTask>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let condition = if_match(&req)?;
    let b = body.0;
    let today = local_today(&state);
    let task = state
        .db(move |conn, _| {
            let version = condition.resolve(conn, crate::db::versions::Versioned::Task, id)?;
            let viewer = load_viewer(conn, user)?;
            services::tasks::update(
                conn,
                &viewer,
                id,
                version,
                TaskPatch {
                    title: b.title.map(|t| t.trim().to_string()),
                    description: b.description.map(|d| d.trim().to_string()),
                    due_date: b.due_date,
                    state: b.state,
                },
                today,
            )
        })
        .await?;
    Ok(ok_versioned(task.version, &TaskView::new(task, today)))
}

/// The owner reports the task done (`completed_on` defaults to today; the body may be empty).
/// `If-Match` is optional.
#[utoipa::path(
    tag = "tasks",
    params(("id" = i64, Path, description = "Task id"), ("If-Match" = Option<String>, Header, description = "ETag of the version read")),
    request_body(content = Option<CompleteTask>, description = "Optional completion date"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Completed", body = TaskView, headers(("ETag" = String))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the owner", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found or not visible", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already completed or cancelled", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Completion date in the future or too old", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/tasks/{id}/complete")]
pub async fn complete_task(
    state: web::Data<AppState>,
    user: AuthUser,
    req: HttpRequest,
    id: web::Path<i64>,
    body: OptionalJson<CompleteTask>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let condition = crate::routes::optional_if_match(&req);
    let completed_on = body.0.and_then(|b| b.completed_on);
    let today = local_today(&state);
    let task = state
        .db(move |conn, _| {
            let version = condition
                .map(|c| c.resolve(conn, crate::db::versions::Versioned::Task, id))
                .transpose()?;
            let viewer = load_viewer(conn, user)?;
            services::tasks::complete(conn, &viewer, id, completed_on, version, today)
        })
        .await?;
    Ok(ok_versioned(task.version, &TaskView::new(task, today)))
}
