//! `/dashboard`: one call with everything the organisation department (whole organisation) or a
//! head (own subtree) looks at for a period.

use actix_web::{get, web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::AuthUser;
use crate::error::{AppError, Problem};
use crate::routes::kpi::parse_period;
use crate::routes::local_today;
use crate::services::access::load_viewer;
use crate::services::dashboard::{self, Dashboard, DashboardSettings};
use crate::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_dashboard);
}

/// Period and subtree of the dashboard.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DashboardQuery {
    /// Month `2026-11` (also `2026-Q4` or `2026`; default: the current month).
    #[param(example = "2026-11")]
    pub period: Option<String>,
    /// Root of the subtree (default: the units the caller heads; for the organisation
    /// department, the whole organisation).
    pub unit_id: Option<i64>,
}

/// The dashboard of a subtree and period: headcount; grade distribution of the published rounds
/// (overall, by level, by unit); expected, logged, approved and credited minutes; under-logged
/// weeks with the longest streaks; workload and staffing per unit with the most over- and
/// under-staffed units; anomalies per kind and unit; KPI averages per unit with a six-month
/// trend; the approval backlog per approver. Each part is also a report under `/reports/...`
/// with CSV and XLSX.
#[utoipa::path(
    tag = "dashboard",
    params(DashboardQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The dashboard", body = Dashboard, content_type = "application/json"),
        (status = 400, description = "Malformed query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither a head nor the organisation department", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unit unknown or outside the caller's subtree", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid period", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/dashboard")]
pub async fn get_dashboard(
    state: web::Data<AppState>,
    user: AuthUser,
    q: web::Query<DashboardQuery>,
) -> Result<HttpResponse, AppError> {
    let q = q.into_inner();
    let today = local_today(&state);
    let period = parse_period(q.period.as_deref(), today)?;
    let settings = DashboardSettings {
        basis: state.settings.diary.basis(),
        diary: state.settings.diary.policy(),
        utc_offset_minutes: state.settings.organisation.utc_offset_minutes,
        today,
    };
    let view = state
        .db(move |conn, _| {
            let viewer = load_viewer(conn, user)?;
            dashboard::dashboard(conn, &viewer, period, q.unit_id, &settings)
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}
