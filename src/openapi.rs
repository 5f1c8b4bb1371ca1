//! The OpenAPI document: paths and schemas are collected from the route registrations
//! (utoipa-actix-web); this adds the title, security scheme and shared schemas.

use actix_web::App;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::OpenApi as OpenApiDoc;
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;

use crate::error::{FieldError, Problem};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "worklog-kpi",
        description = "Work diary, approval, KPI and grading for Vietnamese public bodies (Decree 335/2025). \
            Errors are application/problem+json with the request's `request_id`; `Accept-Language: vi|en` chooses \
            the language of messages. Every answer carries `X-Request-Id` (a sane incoming one is kept). \
            `If-Match` takes a list of ETags or `*` (strong comparison); `If-None-Match` on GETs of versioned \
            resources answers 304. Downloads follow `?format=` or else the `Accept` header (`text/csv`, the XLSX type).",
        license(name = "MIT")
    ),
    components(schemas(Problem, FieldError)),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Login and tokens"),
        (name = "organisation", description = "Units, staff, CSV import"),
        (name = "catalogue", description = "Product catalogue"),
        (name = "diary", description = "Work diary: entries and their transitions"),
        (name = "approvals", description = "Approval queue, batch decisions, delegations, backdate permissions"),
        (name = "calendar", description = "Public holidays"),
        (name = "leave", description = "Leave requests and decisions"),
        (name = "reports", description = "Week summaries and reports"),
        (name = "dashboard", description = "Dashboard of a subtree and period for heads and the organisation department"),
        (name = "kpi", description = "KPI breakdowns of people and units"),
        (name = "tasks", description = "Assigned tasks"),
        (name = "grading", description = "Grading rounds, grades, appeals, published results"),
        (name = "audit", description = "Audit trail"),
        (name = "operations", description = "Health, readiness, metrics"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut OpenApiDoc) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                Http::builder()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "metrics_token",
            SecurityScheme::Http(
                Http::builder()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The configured `server.metrics_token` (not a JWT); the admin listener needs none.",
                    ))
                    .build(),
            ),
        );
    }
}

/// The document before routes are added.
pub fn base() -> OpenApiDoc {
    let mut api = ApiDoc::openapi();
    api.info.version = env!("CARGO_PKG_VERSION").to_string();
    api
}

/// The complete document, exactly as the server serves it.
pub fn spec() -> OpenApiDoc {
    let (_, api) = App::new()
        .into_utoipa_app()
        .openapi(base())
        .configure(crate::routes::configure)
        .split_for_parts();
    api
}

/// The document as committed in `openapi/openapi.json`.
pub fn spec_json() -> String {
    let mut text = spec().to_pretty_json().unwrap_or_default();
    text.push('\n');
    text
}
