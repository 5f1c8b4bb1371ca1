//! HTTP hygiene shared by every route: security headers, 405 with `Allow`, sane date and year
//! ranges in query strings, idempotent creates (`Idempotency-Key` on every POST of the API) and
//! the audit of file downloads.

use std::sync::Arc;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, Error, HttpRequest, HttpResponse, ResponseError};
use sha2::{Digest, Sha256};

use crate::auth::AuthUser;
use crate::db;
use crate::domain::bounds;
use crate::error::AppError;
use crate::i18n::Text;
use crate::AppState;

// ---------------------------------------------------------------------------------------------
// Client address
// ---------------------------------------------------------------------------------------------

/// The client's address as recorded in the audit trail: the peer, or the `X-Forwarded-For`
/// address when the peer is a configured trusted proxy (`net::client_addr`).
pub fn client_address(req: &HttpRequest) -> String {
    match req.app_data::<web::Data<AppState>>() {
        Some(state) => crate::net::client_addr(req, &state.settings).to_string(),
        None => req
            .peer_addr()
            .map(|a| a.ip().to_string())
            .unwrap_or_default(),
    }
}

// ---------------------------------------------------------------------------------------------
// Security headers
// ---------------------------------------------------------------------------------------------

/// The policy of every page the service serves (the web client, a Vite bundle: scripts and
/// styles from its own origin, images and fonts possibly inlined as `data:` URIs).
pub const APP_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; \
    base-uri 'self'; frame-ancestors 'none'; form-action 'self'";
/// Swagger UI at `/docs` sets inline styles from its scripts.
pub const DOCS_CSP: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; \
    connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; \
    form-action 'self'";

/// `X-Content-Type-Options`, `Referrer-Policy` and a CSP on every response; `Cache-Control:
/// no-store` on the API (tokens and personal data must not stay in caches).
pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let path = req.path().to_string();
    let mut res = next.call(req).await?.map_into_boxed_body();
    let headers = res.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    let csp = if path.starts_with("/docs") {
        DOCS_CSP
    } else {
        APP_CSP
    };
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(csp),
    );
    if path.starts_with("/api/") {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(res)
}

// ---------------------------------------------------------------------------------------------
// 404 and 405
// ---------------------------------------------------------------------------------------------

/// Path templates of the API with their methods (from the OpenAPI document, which is built from
/// the same registrations as the routes).
#[derive(Debug, Default)]
pub struct RouteTable {
    routes: Vec<(Vec<String>, Vec<&'static str>)>,
}

impl RouteTable {
    pub fn from_openapi(api: &utoipa::openapi::OpenApi) -> RouteTable {
        let mut routes = Vec::new();
        for (path, item) in &api.paths.paths {
            let mut methods = Vec::new();
            for (name, op) in [
                ("GET", &item.get),
                ("POST", &item.post),
                ("PUT", &item.put),
                ("PATCH", &item.patch),
                ("DELETE", &item.delete),
            ] {
                if op.is_some() {
                    methods.push(name);
                }
            }
            routes.push((segments(path), methods));
        }
        RouteTable { routes }
    }

    /// The methods of the templates that match `path` (empty: no such path).
    pub fn allowed(&self, path: &str) -> Vec<&'static str> {
        let parts = segments(path);
        let mut out: Vec<&'static str> = Vec::new();
        for (template, methods) in &self.routes {
            let matches = template.len() == parts.len()
                && template
                    .iter()
                    .zip(&parts)
                    .all(|(t, p)| t.starts_with('{') || t == p);
            if matches {
                for m in methods {
                    if !out.contains(m) {
                        out.push(m);
                    }
                }
            }
        }
        out
    }
}

fn segments(path: &str) -> Vec<String> {
    path.trim_end_matches('/')
        .split('/')
        .map(str::to_string)
        .collect()
}

/// What no route answered: 405 with `Allow` when the path exists with other methods, else 404.
pub async fn fallback(req: HttpRequest, table: web::Data<RouteTable>) -> HttpResponse {
    let allowed = table.allowed(req.path());
    if allowed.is_empty() || allowed.iter().any(|m| *m == req.method().as_str()) {
        return AppError::NotFound.error_response();
    }
    let allow = allowed.join(", ");
    let mut res = AppError::MethodNotAllowed(Text::new(
        format!(
            "Phương thức {} không dùng được cho địa chỉ này; hãy dùng: {allow}.",
            req.method()
        ),
        format!(
            "Method {} is not allowed here; use one of: {allow}.",
            req.method()
        ),
    ))
    .error_response();
    if let Ok(v) = HeaderValue::from_str(&allow) {
        res.headers_mut().insert(header::ALLOW, v);
    }
    res
}

// ---------------------------------------------------------------------------------------------
// Date and year ranges
// ---------------------------------------------------------------------------------------------

/// Refuses a date or year out of range in a JSON body (any depth), naming the field.
pub fn check_json_dates(value: &serde_json::Value) -> Result<(), AppError> {
    walk(value, "", &mut |field, key, v| check_value(field, key, v))
}

fn walk(
    value: &serde_json::Value,
    prefix: &str,
    f: &mut dyn FnMut(&str, &str, &serde_json::Value) -> Result<(), AppError>,
) -> Result<(), AppError> {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                let field = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                f(&field, k, v)?;
                walk(v, &field, f)?;
            }
        }
        serde_json::Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                walk(v, &format!("{prefix}[{i}]"), f)?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn check_value(field: &str, key: &str, value: &serde_json::Value) -> Result<(), AppError> {
    let Some(kind) = bounds::kind_of_field(key) else {
        return Ok(());
    };
    let verdict = match value {
        serde_json::Value::String(s) => match s.trim().parse::<chrono::NaiveDate>() {
            Ok(d) => bounds::check_date(d, kind),
            Err(_) => Ok(()),
        },
        serde_json::Value::Number(n) if key == "year" => match n.as_i64() {
            Some(y) => bounds::check_year(i32::try_from(y).unwrap_or(i32::MIN), kind),
            None => Ok(()),
        },
        _ => Ok(()),
    };
    verdict.map_err(|(first, last)| out_of_range(field, first, last))
}

fn out_of_range(field: &str, first: i32, last: i32) -> AppError {
    AppError::Validation(vec![crate::error::FieldIssue::new(
        field,
        "range",
        Text::new(
            format!("{field}: năm phải từ {first} đến {last}."),
            format!("{field}: the year must be between {first} and {last}."),
        ),
    )])
}

/// The same ranges for query parameters (`year=`, `from=`, `to=`, `date=` ...). Values that do
/// not parse are left to the route, which reports them.
pub async fn query_bounds(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    if req.path().starts_with("/api/") && !req.query_string().is_empty() {
        let pairs = web::Query::<Vec<(String, String)>>::from_query(req.query_string())
            .map(|q| q.into_inner())
            .unwrap_or_default();
        for (key, value) in pairs {
            let Some(kind) = bounds::kind_of_field(&key) else {
                continue;
            };
            let verdict = if key == "year" {
                match value.trim().parse::<i64>() {
                    Ok(y) => bounds::check_year(i32::try_from(y).unwrap_or(i32::MIN), kind),
                    Err(_) => Ok(()),
                }
            } else {
                match value.trim().parse::<chrono::NaiveDate>() {
                    Ok(d) => bounds::check_date(d, kind),
                    Err(_) => Ok(()),
                }
            };
            if let Err((first, last)) = verdict {
                return Ok(req.into_response(out_of_range(&key, first, last).error_response()));
            }
        }
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

// ---------------------------------------------------------------------------------------------
// Idempotency
// ---------------------------------------------------------------------------------------------

const MAX_KEY_LEN: usize = 200;
/// A reservation older than this is taken to be from a request that died (the server stopped
/// mid-request); a retry may then run again.
const STALE_RESERVATION_SECS: i64 = 120;
const SCOPE: &str = "http";

/// The hash of a request: method, path, query and the body (JSON canonicalised: keys sorted,
/// insignificant whitespace dropped), so that the same request reformatted is the same.
pub fn request_hash(method: &Method, path: &str, query: &str, body: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(method.as_str().as_bytes());
    h.update(b"\n");
    h.update(path.as_bytes());
    h.update(b"?");
    h.update(query.as_bytes());
    h.update(b"\n");
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(v) => h.update(canonical(&v).as_bytes()),
        Err(_) => h.update(body),
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn canonical(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let inner: Vec<String> = keys
                .into_iter()
                .map(|k| {
                    format!(
                        "{}:{}",
                        serde_json::Value::String(k.clone()),
                        canonical(&map[k])
                    )
                })
                .collect();
            format!("{{{}}}", inner.join(","))
        }
        serde_json::Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(canonical).collect();
            format!("[{}]", inner.join(","))
        }
        other => other.to_string(),
    }
}

fn key_reused() -> AppError {
    AppError::Validation(vec![crate::error::FieldIssue::new(
        "Idempotency-Key",
        "key_reused",
        Text::new(
            "Idempotency-Key này đã được dùng cho một yêu cầu khác (khác địa chỉ hoặc nội dung); hãy dùng khoá mới cho yêu cầu mới.",
            "This Idempotency-Key was already used for a different request (another path or body); use a new key for a new request.",
        ),
    )])
}

fn in_progress() -> AppError {
    AppError::conflict(
        "Một yêu cầu với cùng Idempotency-Key đang được xử lý; hãy thử lại sau giây lát.",
        "A request with the same Idempotency-Key is still being processed; retry in a moment.",
    )
}

enum Claim {
    /// Not ours to handle (no valid session): let the route answer.
    PassThrough,
    /// Reserved: run the request and store its response.
    Reserved(i64),
    /// Replay a stored response.
    Replay(db::idempotency::StoredResponse),
}

/// `Idempotency-Key` on every create (POST) of the API: the first request runs and its response
/// (status, body, `Location`, `ETag`) is stored with a hash of the request; a retry with the same
/// key and the same request gets that response again with `Idempotency-Replayed: true`; the same
/// key with another request is 422; a retry while the first still runs is 409. Failed requests
/// (4xx/5xx) are not stored: the client may correct and retry with the same key.
pub async fn idempotency(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let key = req
        .headers()
        .get("Idempotency-Key")
        .map(|v| v.to_str().map(|s| s.trim().to_string()));
    let applies = req.method() == Method::POST
        && req.path().starts_with("/api/v1/")
        && !req.path().starts_with("/api/v1/auth/");
    let key = match key {
        Some(k) if applies => k,
        _ => return Ok(next.call(req).await?.map_into_boxed_body()),
    };
    let key = match key {
        Ok(k) if !k.is_empty() && k.len() <= MAX_KEY_LEN => k,
        _ => {
            let e = AppError::validation(
                "Idempotency-Key",
                "length",
                "Idempotency-Key phải có từ 1 đến 200 ký tự.",
                "Idempotency-Key must be 1 to 200 characters.",
            );
            return Ok(req.into_response(e.error_response()));
        }
    };
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let user = match AuthUser::from_http(req.request()) {
        Ok(u) => u,
        Err(_) => return Ok(next.call(req).await?.map_into_boxed_body()),
    };
    let body = match req.extract::<web::Bytes>().await {
        Ok(b) => b,
        Err(e) => return Ok(req.into_response(e.error_response())),
    };
    let hash = request_hash(req.method(), req.path(), req.query_string(), body.as_ref());
    req.set_payload(actix_web::dev::Payload::from(body));

    let state = state.into_inner();
    let claim_key = key.clone();
    let claim_hash = hash.clone();
    let claim = state
        .db(move |conn, _| {
            if crate::services::access::load_viewer(conn, user).is_err() {
                return Ok(Claim::PassThrough);
            }
            claim(conn, user.staff_id, &claim_key, &claim_hash)
        })
        .await;
    let row_id = match claim {
        Ok(Claim::PassThrough) => return Ok(next.call(req).await?.map_into_boxed_body()),
        Ok(Claim::Replay(stored)) => return Ok(req.into_response(replay(stored))),
        Ok(Claim::Reserved(id)) => id,
        Err(e) => return Ok(req.into_response(e.error_response())),
    };

    let res = match next.call(req).await {
        Ok(r) => r,
        Err(e) => {
            release(&state, row_id).await;
            return Err(e);
        }
    };
    if !res.status().is_success() {
        release(&state, row_id).await;
        return Ok(res.map_into_boxed_body());
    }
    let (http_req, response) = res.into_parts();
    let (response, body) = response.into_parts();
    let bytes = match actix_web::body::to_bytes(body).await {
        Ok(b) => b,
        Err(_) => {
            release(&state, row_id).await;
            let e = AppError::Internal(anyhow::anyhow!(
                "reading a response body for Idempotency-Key failed"
            ));
            return Ok(ServiceResponse::new(http_req, e.error_response()));
        }
    };
    let header_text = |name: HeaderName| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let stored = db::idempotency::StoredResponse {
        status: i32::from(response.status().as_u16()),
        location: header_text(header::LOCATION),
        etag: header_text(header::ETAG),
        content_type: header_text(header::CONTENT_TYPE),
        body: String::from_utf8(bytes.to_vec()).ok(),
    };
    let saved = state
        .db(move |conn, _| Ok(db::idempotency::complete(conn, row_id, &stored)?))
        .await;
    if let Err(e) = saved {
        tracing::warn!(error = %e, "storing the response of an Idempotency-Key failed");
    }
    let response = response.set_body(BoxBody::new(bytes));
    Ok(ServiceResponse::new(http_req, response))
}

fn claim(
    conn: &mut db::DbConnection,
    actor: i64,
    key: &str,
    hash: &str,
) -> crate::error::AppResult<Claim> {
    let now = db::now_utc();
    db::write_transaction(conn, |conn| {
        match db::idempotency::find_request(conn, actor, SCOPE, key)? {
            Some(row) if row.request_hash != hash => Err(key_reused()),
            Some(row) => match row.response {
                Some(stored) => Ok(Claim::Replay(stored)),
                None if (now - row.created_at).num_seconds() > STALE_RESERVATION_SECS => {
                    db::idempotency::refresh_reservation(conn, row.id, now)?;
                    Ok(Claim::Reserved(row.id))
                }
                None => Err(in_progress()),
            },
            None => match db::idempotency::reserve(conn, actor, SCOPE, key, hash, now) {
                Ok(id) => Ok(Claim::Reserved(id)),
                Err(diesel::result::Error::DatabaseError(
                    diesel::result::DatabaseErrorKind::UniqueViolation,
                    _,
                )) => Err(in_progress()),
                Err(e) => Err(e.into()),
            },
        }
    })
}

async fn release(state: &Arc<AppState>, row_id: i64) {
    let done = state
        .db(move |conn, _| Ok(db::idempotency::release(conn, row_id)?))
        .await;
    if let Err(e) = done {
        tracing::warn!(error = %e, "releasing an Idempotency-Key reservation failed");
    }
}

fn replay(stored: db::idempotency::StoredResponse) -> HttpResponse {
    let status = u16::try_from(stored.status)
        .ok()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::OK);
    let mut builder = HttpResponse::build(status);
    builder.insert_header(("Idempotency-Replayed", "true"));
    if let Some(l) = stored.location {
        builder.insert_header((header::LOCATION, l));
    }
    if let Some(e) = stored.etag {
        builder.insert_header((header::ETAG, e));
    }
    if let Some(ct) = stored.content_type {
        builder.insert_header((header::CONTENT_TYPE, ct));
    }
    builder.body(stored.body.unwrap_or_default())
}

// ---------------------------------------------------------------------------------------------
// Download audit
// ---------------------------------------------------------------------------------------------

/// Every file handed out by the API (grading sheets, reward lists, reports as XLSX/CSV) leaves
/// an audit row: who, from which address, which path and file. A download that cannot be
/// recorded is not handed out.
pub async fn download_audit(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let res = next.call(req).await?.map_into_boxed_body();
    let http = res.request().clone();
    let attachment = res
        .headers()
        .get(header::CONTENT_DISPOSITION)
        .and_then(|v| v.to_str().ok())
        .filter(|v| v.starts_with("attachment"))
        .map(str::to_string);
    let (Some(disposition), Some(state), true) = (
        attachment,
        state,
        res.status().is_success() && http.path().starts_with("/api/"),
    ) else {
        return Ok(res);
    };
    let actor = AuthUser::from_http(&http).ok().map(|u| u.staff_id);
    let file = disposition
        .split("filename=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or("")
        .to_string();
    let detail = serde_json::json!({
        "path": http.path(),
        "query": http.query_string(),
        "file": file,
        "client_address": client_address(&http),
    });
    let entity_id = http
        .path()
        .split('/')
        .find_map(|s| s.parse::<i64>().ok())
        .unwrap_or(0);
    let recorded = state
        .into_inner()
        .db(move |conn, _| {
            crate::services::audit::record(
                conn,
                actor,
                "download",
                entity_id,
                "download",
                None,
                None,
                None,
                Some(detail),
            )
        })
        .await;
    drop(http);
    match recorded {
        Ok(()) => Ok(res),
        Err(e) => {
            let (http, _) = res.into_parts();
            Ok(ServiceResponse::new(http, e.error_response()))
        }
    }
}
