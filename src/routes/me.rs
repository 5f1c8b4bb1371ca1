//! `GET /me`: the caller.

use actix_web::{get, post, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

use crate::auth::AuthUser;
use crate::error::{AppError, Problem};
use crate::routes::auth::TokenResponse;
use crate::routes::staff::StaffView;
use crate::routes::units::UnitView;
use crate::routes::{local_today, ValidJson};
use crate::services::{self, access::load_viewer_allowing_password_change};
use crate::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(me).service(change_password);
}

/// The caller's current password and the new one.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"current_password": "Mat-khau-123", "new_password": "ngựa ô bên sông Hậu"}))]
pub struct ChangePassword {
    /// The password used now.
    #[validate(length(min = 1, max = 128))]
    pub current_password: String,
    /// The new password: at least `auth.min_password_length` characters (default 10), not the
    /// username, not a common password; no composition rules (NIST SP 800-63B).
    #[validate(length(min = 1, max = 128))]
    pub new_password: String,
}

/// Change your own password. Every session of yours ends (other devices too); the answer is a
/// fresh login for this client. Also the way out of `must_change_password` after a reset.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    request_body = ChangePassword,
    responses(
        (status = 200, description = "Changed; new tokens for this client", body = TokenResponse),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Wrong current password (`current_password`) or a new password the policy refuses (`new_password`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/me/password")]
pub async fn change_password(
    state: web::Data<AppState>,
    user: AuthUser,
    body: ValidJson<ChangePassword>,
) -> Result<HttpResponse, AppError> {
    let b = body.0;
    let state = state.into_inner();
    let tokens =
        services::auth::change_password(&state, user, &b.current_password, &b.new_password).await?;
    Ok(HttpResponse::Ok().json(TokenResponse::from(tokens)))
}

/// Who is calling: their record, unit, supervisor and the subtrees they head.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeView {
    /// The caller's staff record.
    pub staff: StaffView,
    /// The caller's unit.
    pub unit: Option<UnitView>,
    /// The caller's direct supervisor (id and name).
    pub supervisor: Option<PersonRef>,
    /// Ids of the units the caller heads.
    pub headed_unit_ids: Vec<i64>,
    /// The password was reset by an administrator: choose a new one with `POST /me/password`
    /// (other routes answer 403 `password-change-required` until then).
    pub must_change_password: bool,
}

/// A short reference to a person.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonRef {
    /// Staff id.
    pub id: i64,
    /// Full name.
    pub full_name: String,
}

/// The caller.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller", body = MeView),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/me")]
pub async fn me(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, AppError> {
    let today = local_today(&state);
    let (record, unit, supervisor, headed, must_change_password) = state
        .db(move |conn, _| {
            let (viewer, caller) = load_viewer_allowing_password_change(conn, user)?;
            let must_change = caller.must_change_password;
            let record = services::staff::get(conn, &viewer, viewer.staff_id)?;
            let unit = match record.staff.unit_id {
                Some(u) => Some(services::units::get(conn, &viewer, u)?),
                None => None,
            };
            let supervisor = match record.staff.supervisor_id {
                Some(s) => crate::db::staff::find(conn, s)?.map(|p| PersonRef {
                    id: p.id,
                    full_name: p.full_name,
                }),
                None => None,
            };
            let headed = crate::db::units::ids_in_subtrees(conn, &viewer.headed_paths)?;
            Ok((record, unit, supervisor, headed, must_change))
        })
        .await?;
    Ok(HttpResponse::Ok().json(MeView {
        staff: StaffView::from_record(record, today),
        unit: unit.map(UnitView::from),
        supervisor,
        headed_unit_ids: headed,
        must_change_password,
    }))
}
