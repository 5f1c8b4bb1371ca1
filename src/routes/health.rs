//! Operational routes outside `/api/v1`: liveness, readiness, metrics.

use std::time::Duration;

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

/// How long `/ready` waits for the database before saying it is not ready.
const READY_DEADLINE: Duration = Duration::from_millis(1500);

/// The database is reachable and every migration is applied, and the storage has not failed
/// recently. Answers within 2 seconds whatever the database does.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, description = "Ready to serve", body = HealthStatus),
        (status = 503, description = "Database unreachable or not answering, migrations pending, or the storage failed recently (disk full, I/O error); Retry-After", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/ready")]
pub async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let window = Duration::from_secs(state.settings.database.storage_error_window_secs);
    if let Some(age) = state.storage_failure_age().filter(|age| *age < window) {
        return Err(AppError::Unavailable(format!(
            "the storage failed {} s ago",
            age.as_secs()
        )));
    }
    let check = state.db(|conn, _| Ok(crate::db::migrations_up_to_date(conn)));
    let up_to_date = tokio::time::timeout(READY_DEADLINE, check)
        .await
        .map_err(|_| AppError::Unavailable("the database did not answer within 1.5 s".into()))??;
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
