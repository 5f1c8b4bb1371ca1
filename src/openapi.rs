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
            Errors are application/problem+json; `Accept-Language: vi|en` chooses the language of messages. \
            Every create (POST) accepts `Idempotency-Key`: a retry with the same key and the same request replays \
            the first response (status, body, Location) with `Idempotency-Replayed: true`; the same key with another \
            request is 422 (`Idempotency-Key`, code `key_reused`); while the first still runs, 409. \
            A wrong method is 405 with `Allow`. Years are 2000-2100 (periods, `year=`, work dates) and 1950-2100 \
            for a person's record dates (`joined_on`, `left_on`, contract `effective_from`): 422 naming the field. \
            Logout, a password change, a role change and deactivation end every access token of the person. \
            After an administrator's password reset, login answers `must_change_password: true` and every route but \
            `GET /me` and `POST /me/password` answers 403 `urn:worklog-kpi:problem:password-change-required`.",
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
    let (_, mut api) = App::new()
        .into_utoipa_app()
        .openapi(base())
        .configure(crate::routes::configure)
        .split_for_parts();
    finish(&mut api);
    api
}

/// What applies to routes as a whole: the `Idempotency-Key` header of every create.
pub fn finish(api: &mut OpenApiDoc) {
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    use utoipa::openapi::{ObjectBuilder, Required, Type};
    for (path, item) in api.paths.paths.iter_mut() {
        if !path.starts_with("/api/v1/") || path.starts_with("/api/v1/auth/") {
            continue;
        }
        let Some(op) = item.post.as_mut() else {
            continue;
        };
        let params = op.parameters.get_or_insert_with(Vec::new);
        if params.iter().any(|p| p.name == "Idempotency-Key") {
            continue;
        }
        params.push(
            ParameterBuilder::new()
                .name("Idempotency-Key")
                .parameter_in(ParameterIn::Header)
                .required(Required::False)
                .description(Some(
                    "Makes a retry safe: the same key and request replay the first response \
                     (`Idempotency-Replayed: true`); the same key with another request is 422.",
                ))
                .schema(Some(
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .min_length(Some(1))
                        .max_length(Some(200)),
                ))
                .build(),
        );
    }
}

/// The document as committed in `openapi/openapi.json`.
pub fn spec_json() -> String {
    let mut text = spec().to_pretty_json().unwrap_or_default();
    text.push('\n');
    text
}
