//! The OpenAPI document: paths and schemas are collected from the route registrations
//! (utoipa-actix-web); this adds the title, security scheme and shared schemas.

use actix_web::App;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::server::Server;
use utoipa::openapi::{Content, OpenApi as OpenApiDoc, Ref, RefOr, Response, Type};
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
            resources answers 304. Downloads follow `?format=` or else the `Accept` header (`text/csv`, the XLSX type). \
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
        (name = "ballots", description = "Secret ballots: leader rating campaigns and the excellent-selection ballot of a grading round"),
        (name = "notes", description = "Reminders: the caller's inbox and muted kinds"),
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
    complete_responses(api);
}

/// Shared error responses, written once and referenced by every operation that can answer them.
const SHARED_RESPONSES: [(&str, &str, &str); 10] = [
    ("400", "BadRequest", "Malformed JSON body or query string (problem+json)"),
    ("401", "Unauthorized", "No access token, or an expired, forged or ended one"),
    ("403", "Forbidden", "Authenticated but not allowed (role, scope or a password that must be changed first)"),
    ("404", "NotFound", "Not found, or not visible to the caller (another unit's data is never revealed)"),
    ("409", "Conflict", "State conflict (a transition not allowed now, a duplicate, a request with the same key in flight)"),
    ("412", "PreconditionFailed", "Stale `If-Match`: the resource changed since it was read"),
    ("422", "ValidationFailed", "Validation failed; `errors` names each field"),
    ("428", "PreconditionRequired", "`If-Match` is required for this change"),
    ("429", "TooManyRequests", "Rate limited; retry after `Retry-After` seconds"),
    ("503", "Unavailable", "Database unavailable or overloaded; retry after `Retry-After` seconds"),
];

/// Completes what the route registrations produce, by rule rather than by hand on each of the
/// ~80 handlers, so a new route cannot forget it:
/// - `servers` (same origin) and an explicit `security: []` on public operations;
/// - the error statuses an operation can answer, from its shape: every `/api/v1` operation can
///   be rate limited (429) or meet an unavailable database (503); a secured one can answer 401
///   and 403; one with a path id or an id filter 404; one with a body or query 400 and 422; one
///   taking `If-Match` 412 and 428; one taking `Idempotency-Key` 409 (the same key in flight);
/// - the response headers clients rely on: `Retry-After` on 429/503, `Location` and
///   `Idempotency-Replayed` on 201.
///
/// Statuses a handler already documents keep its own, more precise description.
fn complete_responses(api: &mut OpenApiDoc) {
    api.servers = Some(vec![Server::new("/")]);
    let components = api.components.get_or_insert_with(Default::default);
    for (status, name, description) in SHARED_RESPONSES {
        let mut response = Response::new(description);
        response.content.insert(
            "application/problem+json".to_string(),
            Content::new(Some(RefOr::Ref(Ref::from_schema_name("Problem")))),
        );
        if matches!(status, "429" | "503") {
            response
                .headers
                .insert("Retry-After".to_string(), retry_after_header());
        }
        components
            .responses
            .insert(name.to_string(), RefOr::T(response));
    }
    for (path, item) in api.paths.paths.iter_mut() {
        let api_route = path.starts_with("/api/v1/");
        for op in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
        {
            complete_operation(op, api_route);
        }
    }
}

fn complete_operation(op: &mut Operation, api_route: bool) {
    let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
    if !secured {
        op.security = Some(Vec::new());
    }
    let params = op.parameters.as_deref().unwrap_or_default();
    let has = |location: ParameterIn, pred: &dyn Fn(&str) -> bool| {
        params
            .iter()
            .any(|p| p.parameter_in == location && pred(p.name.as_str()))
    };
    let path_id = has(ParameterIn::Path, &|_| true);
    let query = has(ParameterIn::Query, &|_| true);
    let id_filter = has(ParameterIn::Query, &|n| n == "id" || n.ends_with("_id"));
    let if_match = has(ParameterIn::Header, &|n| n.eq_ignore_ascii_case("if-match"));
    let idempotent = has(ParameterIn::Header, &|n| {
        n.eq_ignore_ascii_case("idempotency-key")
    });
    let body = op.request_body.is_some();
    let wanted = [
        ("400", api_route && (body || query)),
        ("401", secured),
        ("403", secured),
        ("404", api_route && (path_id || id_filter)),
        ("409", idempotent),
        ("412", if_match),
        ("422", api_route && (body || query || idempotent)),
        ("428", if_match),
        ("429", api_route),
        ("503", api_route),
    ];
    for (status, needed) in wanted {
        if !needed || op.responses.responses.contains_key(status) {
            continue;
        }
        if let Some((_, name, _)) = SHARED_RESPONSES.iter().find(|(s, _, _)| *s == status) {
            op.responses.responses.insert(
                status.to_string(),
                RefOr::Ref(Ref::from_response_name(*name)),
            );
        }
    }
    for (status, response) in op.responses.responses.iter_mut() {
        let RefOr::T(response) = response else {
            continue;
        };
        match status.as_str() {
            "201" => {
                response
                    .headers
                    .entry("Location".to_string())
                    .or_insert_with(|| string_header("Where the created resource can be read"));
                if idempotent || body {
                    response.headers.entry("Idempotency-Replayed".to_string()).or_insert_with(|| {
                        string_header("`true` when this answers a retried create with the original result")
                    });
                }
            }
            "429" | "503" => {
                response
                    .headers
                    .entry("Retry-After".to_string())
                    .or_insert_with(retry_after_header);
            }
            _ => {}
        }
    }
}

fn string_header(description: &str) -> utoipa::openapi::header::Header {
    HeaderBuilder::new()
        .schema(utoipa::openapi::schema::Object::with_type(Type::String))
        .description(Some(description))
        .build()
}

fn retry_after_header() -> utoipa::openapi::header::Header {
    HeaderBuilder::new()
        .schema(utoipa::openapi::schema::Object::with_type(Type::Integer))
        .description(Some("Seconds to wait before retrying"))
        .build()
}

/// The document as committed in `openapi/openapi.json`.
pub fn spec_json() -> String {
    let mut text = spec().to_pretty_json().unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    /// Every (JSON pointer, node) of the document.
    fn walk<'a>(node: &'a Value, at: String, out: &mut Vec<(String, &'a Value)>) {
        out.push((at.clone(), node));
        match node {
            Value::Object(map) => {
                for (k, v) in map {
                    walk(v, format!("{at}/{k}"), out);
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    walk(v, format!("{at}/{i}"), out);
                }
            }
            _ => {}
        }
    }

    fn nodes(doc: &Value) -> Vec<(String, &Value)> {
        let mut out = Vec::new();
        walk(doc, String::new(), &mut out);
        out
    }

    fn spec() -> Value {
        serde_json::from_str(&super::spec_json()).expect("the spec is JSON")
    }

    /// Generators (openapi-python-client) drop a schema, and everything that refers to it,
    /// whose property has an object as its default ("ModelProperty cannot have a default value").
    #[test]
    fn no_schema_has_an_object_valued_default() {
        let doc = spec();
        let bad: Vec<String> = nodes(&doc)
            .into_iter()
            .filter(|(at, n)| {
                at.starts_with("/components/schemas/")
                    && n.get("default")
                        .is_some_and(|d| d.is_object() || d.is_array())
            })
            .map(|(at, _)| at)
            .collect();
        assert!(bad.is_empty(), "object-valued defaults: {bad:?}");
    }

    /// Free-form objects (`type: object` with neither properties nor additionalProperties)
    /// give clients nothing to type. The one left: a note's `params`, whose keys depend on the
    /// kind of note (documented in its description).
    #[test]
    fn objects_have_a_schema() {
        let doc = spec();
        let free: Vec<String> = nodes(&doc)
            .into_iter()
            .filter(|(_, n)| {
                n.get("type").and_then(Value::as_str) == Some("object")
                    && n.get("properties").is_none()
                    && n.get("additionalProperties").is_none()
            })
            .map(|(at, _)| at)
            .filter(|at| at != "/components/schemas/NoteView/properties/params")
            .collect();
        assert!(free.is_empty(), "free-form objects: {free:?}");
        let inputs = &doc["components"]["schemas"]["ExplainView"]["properties"]["inputs"];
        assert_eq!(
            inputs["$ref"], "#/components/schemas/GradeInputs",
            "{inputs}"
        );
    }

    /// Every request body has a media type generators handle (JSON, a form, or a file): an
    /// operation whose only body type is e.g. `text/csv` is skipped by openapi-python-client.
    #[test]
    fn request_bodies_use_media_types_generators_handle() {
        let doc = spec();
        let supported = [
            "application/json",
            "multipart/form-data",
            "application/x-www-form-urlencoded",
            "application/octet-stream",
        ];
        let mut unsupported = Vec::new();
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for (method, op) in item.as_object().expect("path item") {
                let Some(content) = op
                    .get("requestBody")
                    .and_then(|b| b.get("content"))
                    .and_then(Value::as_object)
                else {
                    continue;
                };
                for media in content.keys() {
                    if !supported.contains(&media.as_str()) {
                        unsupported.push(format!("{method} {path}: {media}"));
                    }
                }
            }
        }
        assert!(unsupported.is_empty(), "{unsupported:?}");
        let import = &doc["paths"]["/api/v1/staff/import"]["post"]["requestBody"]["content"];
        assert_eq!(
            import["application/octet-stream"]["schema"]["$ref"], "#/components/schemas/CsvUpload",
            "{import}"
        );
        let file = &doc["components"]["schemas"]["CsvUpload"];
        assert_eq!(file["type"], "string", "{file}");
        assert_eq!(file["format"], "binary", "{file}");
    }
}
