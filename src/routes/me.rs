//! `GET /me`: the caller.

use actix_web::{get, web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::AuthUser;
use crate::error::{AppError, Problem};
use crate::routes::local_today;
use crate::routes::staff::StaffView;
use crate::routes::units::UnitView;
use crate::services::{self, access::load_viewer};
use crate::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(me);
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
    let (record, unit, supervisor, headed) = state
        .db(move |conn, _| {
            let viewer = load_viewer(conn, user.staff_id)?;
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
            Ok((record, unit, supervisor, headed))
        })
        .await?;
    Ok(HttpResponse::Ok().json(MeView {
        staff: StaffView::from_record(record, today),
        unit: unit.map(UnitView::from),
        supervisor,
        headed_unit_ids: headed,
    }))
}
