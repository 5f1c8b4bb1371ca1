//! `/grades/{id}/appeals`, `/appeals/{id}/resolve`.

use actix_web::{post, web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

use crate::auth::AuthUser;
use crate::domain::grading::Grade;
use crate::error::{AppError, Problem};
use crate::routes::grading::AppealView;
use crate::routes::{local_today, ValidJson};
use crate::services::appeals::{AppealKind, Decision};
use crate::services::{self, access::load_viewer};
use crate::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(file_appeal).service(resolve_appeal);
}

/// What the person files.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AppealKindRequest {
    /// Ask the level above to review the grade.
    Appeal,
    /// Record a reserved opinion (ý kiến bảo lưu) without asking for a review.
    ReservedOpinion,
}

impl From<AppealKindRequest> for AppealKind {
    fn from(k: AppealKindRequest) -> Self {
        match k {
            AppealKindRequest::Appeal => AppealKind::Appeal,
            AppealKindRequest::ReservedOpinion => AppealKind::ReservedOpinion,
        }
    }
}

/// An appeal or reserved opinion on one's own published grade.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "appeal", "reason": "Tôi đã hoàn thành vượt tiến độ đề án chuyển đổi số nhưng chưa được ghi nhận"}))]
pub struct FileAppeal {
    /// `appeal` (reviewed by the level above) or `reserved_opinion` (recorded only).
    pub kind: AppealKindRequest,
    /// The person's reason.
    #[validate(length(min = 1, max = 4000))]
    pub reason: String,
}

/// File an appeal or record a reserved opinion on one's own grade (the graded person only),
/// once the round is published and within 10 days after the day of publication (organisation
/// time; the 10th day is still open). One appeal at a time per grade; reserved opinions are
/// recorded (state `recorded`) and need no resolution.
#[utoipa::path(
    tag = "grading",
    params(("id" = i64, Path, description = "Grade id")),
    request_body = FileAppeal,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Filed (`filed`) or recorded (`recorded`); `Location` is the grade's explanation, which lists it", body = AppealView),
        (status = 403, description = "Someone who sees the grade but is not the graded person", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Grade not visible", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Round not published, appeal window closed, or an appeal already waiting", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown kind, or reason missing or too long", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/grades/{id}/appeals")]
pub async fn file_appeal(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
    body: ValidJson<FileAppeal>,
) -> Result<HttpResponse, AppError> {
    let grade_id = id.into_inner();
    let b = body.0;
    let today = local_today(&state);
    let offset = state.settings.organisation.utc_offset_minutes;
    let row = state
        .db(move |conn, _| {
            let viewer = load_viewer(conn, user)?;
            services::appeals::file(
                conn,
                &viewer,
                grade_id,
                b.kind.into(),
                &b.reason,
                today,
                offset,
            )
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("/api/v1/grades/{grade_id}/explain"),
        ))
        .json(AppealView::from(row)))
}

/// The level above's decision on an appeal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ResolveDecision {
    /// The grade stands.
    Uphold,
    /// The grade becomes `grade`.
    Change,
}

/// Resolve an appeal.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"decision": "change", "grade": "good", "reason": "Kết quả thực hiện nhiệm vụ đạt mức tốt theo hồ sơ bổ sung"}))]
pub struct ResolveAppeal {
    /// `uphold` (the grade stands) or `change`.
    pub decision: ResolveDecision,
    /// The new grade: required with `change` (and different from the current final grade),
    /// not allowed with `uphold`.
    pub grade: Option<Grade>,
    /// Why (required).
    #[validate(length(min = 1, max = 4000))]
    pub reason: String,
}

impl ResolveAppeal {
    fn decision(&self) -> Result<Decision, AppError> {
        match (self.decision, self.grade) {
            (ResolveDecision::Uphold, None) => Ok(Decision::Uphold),
            (ResolveDecision::Uphold, Some(_)) => Err(AppError::validation(
                "grade",
                "not_allowed",
                "Giữ nguyên xếp loại thì không ghi xếp loại mới.",
                "Upholding takes no new grade.",
            )),
            (ResolveDecision::Change, Some(g)) => Ok(Decision::Change(g)),
            (ResolveDecision::Change, None) => Err(AppError::validation(
                "grade",
                "required",
                "Cần chọn xếp loại mới khi thay đổi.",
                "A change needs the new grade.",
            )),
        }
    }
}

/// Resolve a filed appeal (the level above the decider: the head of the parent unit of the
/// round's unit, anyone heading a subtree that contains that parent, or the organisation
/// department; never the appellant). `change` sets the final grade and adds an `appeal` rule
/// to its reasons; the earlier decision stays in the history.
#[utoipa::path(
    tag = "grading",
    params(("id" = i64, Path, description = "Appeal id")),
    request_body = ResolveAppeal,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Resolved: `upheld` or `changed`", body = AppealView),
        (status = 403, description = "The appellant, the decider, or anyone else who is not the level above", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Appeal not visible", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a filed appeal (already resolved, or a reserved opinion)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing reason, missing or unchanged grade for `change`, grade with `uphold`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/appeals/{id}/resolve")]
pub async fn resolve_appeal(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
    body: ValidJson<ResolveAppeal>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let b = body.0;
    let decision = b.decision()?;
    let row = state
        .db(move |conn, _| {
            let viewer = load_viewer(conn, user)?;
            services::appeals::resolve(conn, &viewer, id, decision, &b.reason)
        })
        .await?;
    Ok(HttpResponse::Ok().json(AppealView::from(row)))
}
