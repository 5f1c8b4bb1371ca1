//! Operational routes outside `/api/v1`: liveness, readiness, metrics.

use actix_web::{get, web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{AppError, Problem};
use crate::AppState;

/// Liveness/readiness answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct HealthStatus {
    /// `ok` (process up) or `ready` (database reachable, migrations applied).
    #[schema(example = "ok")]
    pub status: String,
}

/// The process is up.
#[utoipa::path(tag = "operations", responses((status = 200, description = "Process up", body = HealthStatus)))]
#[get("/health")]
pub async fn health() -> HttpResponse {
    HttpResponse::Ok().json(HealthStatus {
        status: "ok".into(),
    })
}

/// The database is reachable and every migration is applied.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, description = "Ready to serve", body = HealthStatus),
        (status = 503, description = "Database unreachable or migrations pending", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/ready")]
pub async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let up_to_date = state
        .db(|conn, _| Ok(crate::db::migrations_up_to_date(conn)))
        .await?;
    if up_to_date {
        Ok(HttpResponse::Ok().json(HealthStatus {
            status: "ready".into(),
        }))
    } else {
        Err(AppError::Unavailable("migrations pending".into()))
    }
}

/// Prometheus text metrics.
#[utoipa::path(tag = "operations", responses((status = 200, description = "Prometheus exposition format", body = String, content_type = "text/plain")))]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let pool = state.pool.state();
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(
            state
                .metrics
                .render(pool.connections, pool.idle_connections),
        )
}
