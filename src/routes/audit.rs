//! `GET /audit`: the audit trail (organisation department).

use actix_web::{get, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::AuthUser;
use crate::db::audit::AuditRow;
use crate::error::{AppError, Problem};
use crate::routes::{utc, Page, PageQuery};
use crate::services::{self, access::load_viewer};
use crate::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_audit);
}

/// One recorded change.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditView {
    /// Id (increasing).
    pub id: i64,
    /// When (UTC).
    pub at: DateTime<Utc>,
    /// Who (staff id; null for the system).
    pub actor_id: Option<i64>,
    /// Kind of record (`unit`, `staff`, `product`, `entry`...).
    pub entity: String,
    /// Its id.
    pub entity_id: i64,
    /// What happened.
    pub action: String,
    /// State before.
    pub from_state: Option<String>,
    /// State after.
    pub to_state: Option<String>,
    /// Reason given.
    pub reason: Option<String>,
    /// Details (JSON).
    #[schema(value_type = Option<Object>)]
    pub detail: Option<serde_json::Value>,
}

impl From<AuditRow> for AuditView {
    fn from(r: AuditRow) -> Self {
        AuditView {
            id: r.id,
            at: utc(r.at),
            actor_id: r.actor_id,
            entity: r.entity,
            entity_id: r.entity_id,
            action: r.action,
            from_state: r.from_state,
            to_state: r.to_state,
            reason: r.reason,
            detail: r.detail.and_then(|d| serde_json::from_str(&d).ok()),
        }
    }
}

/// Filters of the audit trail.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditFilter {
    /// Kind of record.
    pub entity: Option<String>,
    /// Its id.
    pub id: Option<i64>,
}

/// The audit trail, oldest first (organisation department, administrators).
#[utoipa::path(
    tag = "audit",
    params(PageQuery, AuditFilter),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of audit rows", body = Page<AuditView>),
        (status = 403, description = "Not allowed", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/audit")]
pub async fn list_audit(
    state: web::Data<AppState>,
    user: AuthUser,
    page: web::Query<PageQuery>,
    filter: web::Query<AuditFilter>,
) -> Result<HttpResponse, AppError> {
    let paging = page.paging()?;
    let filter = filter.into_inner();
    let result = state
        .db(move |conn, _| {
            let viewer = load_viewer(conn, user)?;
            services::audit::list(conn, &viewer, filter.entity, filter.id, paging)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Page::from_service(result, AuditView::from)))
}
