//! Operational routes outside `/api/v1`: liveness, readiness, metrics.

use std::time::Duration;

use actix_web::http::header;
use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{AppError, Problem};
use crate::i18n::Text;
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

/// Marks the admin listener's application: `/metrics` needs no token there.
#[derive(Debug, Clone, Copy)]
pub struct AdminListener;

/// Prometheus metrics. On the main listener `/metrics` answers only with
/// `Authorization: Bearer <server.metrics_token>` (404 when no token is configured, 401 with a
/// wrong one); the admin listener (`server.admin_address`) serves it without a token.
#[utoipa::path(
    tag = "operations",
    security(("metrics_token" = [])),
    responses(
        (status = 200, description = "Prometheus exposition format", body = String, content_type = "text/plain"),
        (status = 401, description = "Missing or wrong metrics token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Metrics are not served on this listener (no token configured)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/metrics")]
pub async fn metrics(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    if req.app_data::<web::Data<AdminListener>>().is_none() {
        let Some(expected) = state.settings.server.metrics_token.as_deref() else {
            return Err(AppError::NotFound);
        };
        let given = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        if !constant_time_eq(given.trim().as_bytes(), expected.trim().as_bytes()) {
            return Err(AppError::Unauthorized(Text::new(
                "Cần mã truy cập số liệu giám sát (Authorization: Bearer ...).",
                "The metrics token is required (Authorization: Bearer ...).",
            )));
        }
    }
    let page = web::block(move || {
        let today = crate::routes::local_today(&state);
        let basis = state.settings.diary.basis();
        state
            .metrics
            .render(&state.pool, state.settings.database.pool_size, |conn| {
                crate::services::ops::business_gauges(conn, today, basis)
            })
    })
    .await?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(page))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
