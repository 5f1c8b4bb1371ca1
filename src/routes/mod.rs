//! HTTP layer: thin handlers (extract, validate, call one service inside `web::block`, map to a
//! DTO) and the request/response types documented in the OpenAPI spec.

pub mod appeals;
pub mod approvals;
pub mod audit;
pub mod auth;
pub mod ballots;
pub mod calendar;
pub mod cors;
pub mod dashboard;
pub mod docs;
pub mod entries;
pub mod exports;
pub mod grading;
pub mod health;
pub mod hygiene;
pub mod kpi;
pub mod leaves;
pub mod me;
pub mod notes;
pub mod products;
pub mod reports;
pub mod staff;
pub mod tasks;
pub mod units;
/// The embedded web client (`web.rs`; not named `web`, which is actix's module here).
#[path = "web.rs"]
pub mod web_app;
pub mod weeks;

use std::future::Future;
use std::pin::Pin;

use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::{scope, service_config::ServiceConfig};
use validator::{Validate, ValidationErrors, ValidationErrorsKind};

use crate::error::{AppError, FieldIssue};
use crate::i18n::Text;
use crate::services::Paging;

/// Registers every route (API under `/api/v1`, operational routes at the root).
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(health::health)
        .service(health::ready)
        .service(health::metrics)
        .service(
            scope::scope("/api/v1")
                .configure(auth::configure)
                .configure(me::configure)
                .configure(units::configure)
                .configure(staff::configure)
                .configure(products::configure)
                .configure(audit::configure)
                .configure(tasks::configure)
                .configure(entries::configure)
                .configure(approvals::configure)
                .configure(kpi::configure)
                .configure(grading::configure)
                .configure(exports::configure)
                .configure(appeals::configure)
                .configure(calendar::configure)
                .configure(leaves::configure)
                .configure(weeks::configure)
                .configure(dashboard::configure)
                .configure(reports::configure)
                .configure(ballots::configure)
                .configure(notes::configure),
        );
}

/// Malformed query strings are 400 (the contract's "malformed JSON or query").
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default()
        .error_handler(|err, req| query_error(&err, req.query_string()).into())
}

/// A query string that does not deserialize: 400 in the request language, naming the parameter
/// (from the library's message, or the one parameter whose value cannot be what the message
/// says it should be).
fn query_error(err: &actix_web::error::QueryPayloadError, query: &str) -> AppError {
    let msg = match err {
        actix_web::error::QueryPayloadError::Deserialize(e) => e.to_string(),
        other => other.to_string(),
    };
    let text = crate::serde_text::translate(&msg);
    let field = crate::serde_text::named_field(&msg).or_else(|| guilty_parameter(&msg, query));
    match field {
        Some(f) => AppError::BadRequest(Text::new(
            format!("Tham số truy vấn `{f}` không hợp lệ: {}", text.vi),
            format!("Invalid query parameter `{f}`: {}", text.en),
        )),
        None => AppError::BadRequest(Text::new(
            format!("Tham số truy vấn không hợp lệ: {}", text.vi),
            format!("Invalid query parameters: {}", text.en),
        )),
    }
}

/// The single parameter whose value cannot be a number (for number errors) or a date (for date
/// errors); None when that is not one parameter.
fn guilty_parameter(msg: &str, query: &str) -> Option<String> {
    // Parameters that hold text in this API (never the culprit of a number error).
    const TEXT: [&str; 12] = [
        "format", "period", "cursor", "week", "entity", "action", "state", "kind", "basis", "from",
        "to", "q",
    ];
    let number = msg.contains("digit")
        || msg.contains("integer")
        || msg.contains("number")
        || msg.contains("float")
        || msg.contains("true` or `false");
    let date = msg.contains("input");
    let suspects: Vec<&str> = query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .filter(|(k, v)| {
            let is_number = v.parse::<f64>().is_ok() || *v == "true" || *v == "false";
            let is_date = chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").is_ok();
            (number && !is_number && !TEXT.contains(k)) || (date && !is_date && looks_like_date(v))
        })
        .map(|(k, _)| k)
        .collect();
    match suspects.as_slice() {
        [one] => Some((*one).to_owned()),
        _ => None,
    }
}

fn looks_like_date(v: &str) -> bool {
    v.len() >= 6 && v.chars().filter(|c| *c == '-').count() >= 2
}

/// A path segment of the wrong type (e.g. `/units/abc`) names nothing: 404.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|_, _| AppError::NotFound.into())
}

/// Plain `web::Json` is not used for bodies (see `ValidJson`), but keep its errors in shape.
pub fn json_config() -> web::JsonConfig {
    web::JsonConfig::default().error_handler(|err, _| {
        AppError::BadRequest(Text::new(
            format!("JSON không hợp lệ: {err}"),
            format!("Malformed JSON: {err}"),
        ))
        .into()
    })
}

const MAX_BODY_BYTES: usize = 1 << 20;

/// A JSON body, parsed and validated: syntax errors are 400; wrong types, missing fields and
/// rule violations are 422 with the field paths.
pub struct ValidJson<T>(pub T);

impl<T: DeserializeOwned + Validate + 'static> FromRequest for ValidJson<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<ValidJson<T>, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("application/json") || ct.contains("+json"));
        let bytes = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if !is_json {
                return Err(AppError::bad_request(
                    "Nội dung phải là JSON (Content-Type: application/json).",
                    "The body must be JSON (Content-Type: application/json).",
                ));
            }
            let bytes = bytes.await.map_err(|e| {
                AppError::BadRequest(Text::new(
                    format!("Không đọc được nội dung: {e}"),
                    format!("Cannot read the body: {e}"),
                ))
            })?;
            if bytes.len() > MAX_BODY_BYTES {
                return Err(AppError::bad_request(
                    "Nội dung quá lớn.",
                    "The body is too large.",
                ));
            }
            let value = parse_json::<T>(&bytes)?;
            value.validate().map_err(validation_issues)?;
            if let Ok(raw) = serde_json::from_slice::<serde_json::Value>(&bytes) {
                hygiene::check_json_dates(&raw)?;
            }
            Ok(ValidJson(value))
        })
    }
}

fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    // PostgreSQL text cannot hold NUL characters; refuse them here rather than fail in the
    // database with a 500.
    if bytes.windows(6).any(|w| w.eq_ignore_ascii_case(b"\\u0000")) {
        return Err(AppError::validation(
            "body",
            "nul_character",
            "Nội dung chứa ký tự NUL (\\u0000), không được chấp nhận.",
            "The body contains a NUL character (\\u0000), which is not accepted.",
        ));
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        if inner.classify() == serde_json::error::Category::Data {
            let msg = inner.to_string();
            // "missing field `x`" is reported at the parent's path: name the field itself.
            let field = match msg
                .strip_prefix("missing field `")
                .and_then(|r| r.split('`').next())
            {
                Some(name) if path == "." => name.to_string(),
                Some(name) => format!("{path}.{name}"),
                None => path,
            };
            let text = crate::serde_text::translate(&msg);
            AppError::Validation(vec![FieldIssue::new(field, "invalid", text)])
        } else {
            let text = crate::serde_text::translate(&inner.to_string());
            AppError::BadRequest(Text::new(
                format!("JSON không hợp lệ: {}", text.vi),
                format!("Malformed JSON: {}", text.en),
            ))
        }
    })
}

/// Converts `validator` errors into bilingual field issues.
pub fn validation_issues(errors: ValidationErrors) -> AppError {
    let mut issues = Vec::new();
    collect_issues("", &errors, &mut issues);
    issues.sort_by(|a, b| a.field.cmp(&b.field));
    AppError::Validation(issues)
}

fn collect_issues(prefix: &str, errors: &ValidationErrors, out: &mut Vec<FieldIssue>) {
    for (field, kind) in errors.errors() {
        let name = if prefix.is_empty() {
            field.to_string()
        } else {
            format!("{prefix}.{field}")
        };
        match kind {
            ValidationErrorsKind::Field(list) => {
                for e in list {
                    out.push(FieldIssue::new(
                        name.clone(),
                        e.code.to_string(),
                        describe(e),
                    ));
                }
            }
            ValidationErrorsKind::Struct(inner) => collect_issues(&name, inner, out),
            ValidationErrorsKind::List(items) => {
                for (i, inner) in items {
                    collect_issues(&format!("{name}[{i}]"), inner, out);
                }
            }
        }
    }
}

fn describe(e: &validator::ValidationError) -> Text {
    let p = |k: &str| e.params.get(k).map(|v| v.to_string());
    if let Some(msg) = &e.message {
        // Custom rules carry "vi|en" messages.
        let (vi, en) = msg.split_once('|').unwrap_or((msg, msg));
        return Text::new(vi.to_string(), en.to_string());
    }
    match e.code.as_ref() {
        "length" => match (p("min"), p("max")) {
            (Some(min), Some(max)) => Text::new(
                format!("Độ dài phải từ {min} đến {max} ký tự."),
                format!("Length must be between {min} and {max}."),
            ),
            (Some(min), None) => Text::new(
                format!("Độ dài tối thiểu {min}."),
                format!("Length must be at least {min}."),
            ),
            (None, Some(max)) => Text::new(
                format!("Độ dài tối đa {max}."),
                format!("Length must be at most {max}."),
            ),
            _ => Text::new("Độ dài không hợp lệ.", "Invalid length."),
        },
        "range" => match (p("min"), p("max")) {
            (Some(min), Some(max)) => Text::new(
                format!("Giá trị phải từ {min} đến {max}."),
                format!("Value must be between {min} and {max}."),
            ),
            (Some(min), None) => Text::new(
                format!("Giá trị tối thiểu {min}."),
                format!("Value must be at least {min}."),
            ),
            (None, Some(max)) => Text::new(
                format!("Giá trị tối đa {max}."),
                format!("Value must be at most {max}."),
            ),
            _ => Text::new("Giá trị ngoài phạm vi.", "Value out of range."),
        },
        "email" => Text::new("Địa chỉ email không hợp lệ.", "Invalid email address."),
        other => Text::new(
            format!("Không hợp lệ ({other})."),
            format!("Invalid ({other})."),
        ),
    }
}

/// Builds a custom validation error with a "vi|en" message.
pub fn rule_error(code: &'static str, vi: &str, en: &str) -> validator::ValidationError {
    let mut e = validator::ValidationError::new(code);
    e.message = Some(format!("{vi}|{en}").into());
    e
}

/// `?limit=&cursor=` of every list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl PageQuery {
    pub fn paging(&self) -> Result<Paging, AppError> {
        let limit = self.limit.unwrap_or(50);
        if !(1..=500).contains(&limit) {
            return Err(AppError::validation(
                "limit",
                "range",
                "limit phải từ 1 đến 500.",
                "limit must be between 1 and 500.",
            ));
        }
        let after_id = match &self.cursor {
            None => None,
            Some(c) => Some(c.parse::<i64>().map_err(|_| {
                AppError::bad_request("cursor không hợp lệ.", "The cursor is not valid.")
            })?),
        };
        Ok(Paging { limit, after_id })
    }
}

/// A page of results.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T: ToSchema> {
    /// The items of this page.
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
}

impl<T: ToSchema> Page<T> {
    pub fn from_service<U>(page: crate::services::Page<U>, f: impl FnMut(U) -> T) -> Page<T> {
        Page {
            items: page.items.into_iter().map(f).collect(),
            next_cursor: page.next_cursor.map(|c| c.to_string()),
        }
    }
}

/// An `If-Match` condition (RFC 9110 §13.1.1): `*` (any current version) or a list of entity
/// tags (`"3"`, `"3", "4"`). Comparison is strong: a weak tag (`W/"3"`) or anything that is not
/// one of our version tags never matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IfMatch {
    Any,
    Versions(Vec<i64>),
}

impl IfMatch {
    pub fn parse(raw: &str) -> IfMatch {
        if raw.trim() == "*" {
            return IfMatch::Any;
        }
        IfMatch::Versions(
            raw.split(',')
                .map(str::trim)
                .filter(|t| !t.starts_with("W/"))
                .filter_map(|t| t.strip_prefix('"').and_then(|t| t.strip_suffix('"')))
                .filter_map(|t| t.parse::<i64>().ok())
                .collect(),
        )
    }

    pub fn matches(&self, version: i64) -> bool {
        match self {
            IfMatch::Any => true,
            IfMatch::Versions(v) => v.contains(&version),
        }
    }

    /// The version to hand the service: the stored one when the condition holds, else a version
    /// no row has, so that the service answers as for a stale tag (412) after its own checks
    /// (404 for a resource the caller may not see comes first).
    pub fn resolve(
        &self,
        conn: &mut crate::db::DbConnection,
        what: crate::db::versions::Versioned,
        id: i64,
    ) -> Result<i64, AppError> {
        Ok(match crate::db::versions::current(conn, what, id)? {
            Some(v) if self.matches(v) => v,
            _ => NO_VERSION,
        })
    }
}

/// A version no row ever has (versions start at 1).
pub const NO_VERSION: i64 = -1;

/// The `If-Match` condition, if the request has one.
pub fn optional_if_match(req: &HttpRequest) -> Option<IfMatch> {
    req.headers()
        .get(header::IF_MATCH)
        .map(|v| IfMatch::parse(v.to_str().unwrap_or("")))
}

/// The `If-Match` condition of a versioned update. Missing is 428, since every versioned update
/// must say which version it edits.
pub fn if_match(req: &HttpRequest) -> Result<IfMatch, AppError> {
    optional_if_match(req).ok_or_else(|| {
        AppError::PreconditionRequired(Text::new(
            "Thiếu tiêu đề If-Match (ETag của bản ghi đã đọc).",
            "The If-Match header (the ETag you read) is required.",
        ))
    })
}

/// `If-None-Match` on a `GET`/`HEAD` (RFC 9110 §13.1.2): a 200 whose `ETag` matches one of the
/// listed tags (weak comparison) or `*` becomes `304 Not Modified` without a body, keeping the
/// `ETag` and the other headers.
pub async fn conditional_get(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let condition = if matches!(
        *req.method(),
        actix_web::http::Method::GET | actix_web::http::Method::HEAD
    ) {
        req.headers()
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    } else {
        None
    };
    let res = next.call(req).await?;
    let Some(condition) = condition else {
        return Ok(res.map_into_left_body());
    };
    let etag = res
        .headers()
        .get(header::ETAG)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    match etag {
        Some(etag)
            if res.status() == actix_web::http::StatusCode::OK
                && none_match_hits(&condition, &etag) =>
        {
            let (req, res) = res.into_parts();
            let mut not_modified = HttpResponse::NotModified();
            for (name, value) in res.headers() {
                if name != header::CONTENT_LENGTH && name != header::CONTENT_TYPE {
                    not_modified.insert_header((name.clone(), value.clone()));
                }
            }
            Ok(
                actix_web::dev::ServiceResponse::new(req, not_modified.finish())
                    .map_into_right_body(),
            )
        }
        _ => Ok(res.map_into_left_body()),
    }
}

/// Weak comparison of an `If-None-Match` list with an `ETag`.
pub fn none_match_hits(condition: &str, etag: &str) -> bool {
    if condition.trim() == "*" {
        return true;
    }
    let opaque = |t: &str| t.trim().trim_start_matches("W/").to_string();
    let current = opaque(etag);
    condition.split(',').any(|t| opaque(t) == current)
}

pub fn etag(version: i64) -> header::ETag {
    header::ETag(header::EntityTag::new_strong(version.to_string()))
}

/// 200 with the body and its ETag.
pub fn ok_versioned<T: Serialize>(version: i64, body: &T) -> HttpResponse {
    HttpResponse::Ok().insert_header(etag(version)).json(body)
}

/// 201 with `Location` and ETag.
pub fn created_versioned<T: Serialize>(location: String, version: i64, body: &T) -> HttpResponse {
    HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .insert_header(etag(version))
        .json(body)
}

/// Deserializes a field that may be absent (no change), null (clear) or a value (set).
pub fn double_option<'de, T, D>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// The organisation's local date ("today" for diary rules).
pub fn local_today(state: &crate::AppState) -> chrono::NaiveDate {
    let offset =
        chrono::Duration::minutes(i64::from(state.settings.organisation.utc_offset_minutes));
    (chrono::Utc::now().naive_utc() + offset).date()
}

/// Stored timestamps are UTC without an offset; clients get RFC 3339 with `Z`.
pub fn utc(t: chrono::NaiveDateTime) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_naive_utc_and_offset(t, chrono::Utc)
}

/// The download format the `Accept` header prefers, when it names one of ours (`text/csv`, the
/// XLSX media type); `?format=` wins over it. `*/*`, `application/json` or nothing: None.
#[derive(Debug, Clone, Copy, Default)]
pub struct AcceptFormat(pub Option<crate::services::exports::ExportFormat>);

impl AcceptFormat {
    pub fn parse(value: &str) -> AcceptFormat {
        use crate::services::exports::{ExportFormat, XLSX_CONTENT_TYPE};
        let mut best: Option<(f32, Option<ExportFormat>)> = None;
        for part in value.split(',') {
            let mut pieces = part.split(';');
            let media = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = pieces
                .find_map(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|q| q.parse::<f32>().ok())
                })
                .unwrap_or(1.0);
            let format = match media.as_str() {
                "text/csv" => Some(ExportFormat::Csv),
                m if m == XLSX_CONTENT_TYPE => Some(ExportFormat::Xlsx),
                "application/json" => None,
                _ => continue,
            };
            if q > 0.0 && best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, format));
            }
        }
        AcceptFormat(best.and_then(|(_, f)| f))
    }
}

impl FromRequest for AcceptFormat {
    type Error = AppError;
    type Future = std::future::Ready<Result<AcceptFormat, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        std::future::ready(Ok(req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .map(AcceptFormat::parse)
            .unwrap_or_default()))
    }
}
