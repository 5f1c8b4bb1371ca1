//! Structured logging with `tracing` (`RUST_LOG` filters, JSON lines with `LOG_FORMAT=json`), the
//! request id and the access log: one line per request with the method, the route pattern, the
//! status, the duration, the request id and the authenticated person. Nothing else of the
//! request is logged (no query string, no headers, no body), so tokens and passwords never are.

use std::io::IsTerminal;
use std::time::Instant;

use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{body::MessageBody, middleware::Next, Error, HttpMessage};
use tracing_subscriber::{fmt, EnvFilter};

/// The header carrying the request id, in and out.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,actix_server=warn"));
    let json = std::env::var("LOG_FORMAT").is_ok_and(|v| v == "json");
    // Colours only on a terminal (journald, files and `docker logs` get plain text) and never
    // when NO_COLOR is set (https://no-color.org).
    let ansi = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let builder = fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_ansi(ansi);
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

/// The id of the request being served, stored in the request's extensions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub String);

tokio::task_local! {
    static CURRENT_REQUEST_ID: RequestId;
}

/// The id of the request being served, for problem documents (none outside a request).
pub fn current_request_id() -> Option<String> {
    CURRENT_REQUEST_ID.try_with(|r| r.0.clone()).ok()
}

/// An incoming `X-Request-Id` is kept when it is 1 to 128 characters of letters, digits and
/// `-_.:`; anything else (empty, too long, spaces, control characters) is replaced.
pub fn sane_request_id(value: &str) -> bool {
    (1..=128).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// A new random request id: 32 hexadecimal digits.
pub fn new_request_id() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Middleware (outermost): assigns the request id, answers it in `X-Request-Id`, keeps it in
/// scope for problem documents, and writes the access log line.
pub async fn request_log(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let id = req
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| sane_request_id(v))
        .map(str::to_string)
        .unwrap_or_else(new_request_id);
    req.extensions_mut().insert(RequestId(id.clone()));
    let method = req.method().to_string();
    let header_value = HeaderValue::from_str(&id).ok();
    let rid = RequestId(id.clone());
    let outcome = CURRENT_REQUEST_ID
        .scope(rid, async move {
            // An error from an inner layer is rendered here, inside the scope, so that its problem
            // document carries the request id too.
            next.call(req).await.map_err(|e| (e.error_response(), e))
        })
        .await;
    let mut res = match outcome {
        Ok(res) => res,
        Err((mut rendered, e)) => {
            if let Some(value) = header_value {
                rendered
                    .headers_mut()
                    .insert(HeaderName::from_static(REQUEST_ID_HEADER), value);
            }
            let status = rendered.status().as_u16();
            let elapsed = started.elapsed();
            crate::metrics::observe_request(&method, "error", status, elapsed.as_secs_f64());
            tracing::warn!(target: "access", %method, route = "error", status,
                duration_ms = elapsed.as_millis() as u64, request_id = %id, "request");
            return Err(actix_web::error::InternalError::from_response(e, rendered).into());
        }
    };
    if let Some(value) = header_value {
        res.headers_mut()
            .insert(HeaderName::from_static(REQUEST_ID_HEADER), value);
    }
    let route = route_label(&res);
    let status = res.status().as_u16();
    let elapsed = started.elapsed();
    let person_id = res
        .request()
        .extensions()
        .get::<crate::auth::AuthUser>()
        .map(|u| u.staff_id);
    crate::metrics::observe_request(&method, &route, status, elapsed.as_secs_f64());
    let duration_ms = (elapsed.as_secs_f64() * 1000.0 * 10.0).round() / 10.0;
    if status >= 500 {
        tracing::warn!(target: "access", %method, %route, status, duration_ms, request_id = %id, person_id, "request");
    } else {
        tracing::info!(target: "access", %method, %route, status, duration_ms, request_id = %id, person_id, "request");
    }
    Ok(res)
}

/// The route pattern that matched (`/api/v1/entries/{id}`), never the raw path: ids and query
/// strings stay out of logs and metric labels. Unmatched paths share one label.
pub fn route_label<B>(res: &ServiceResponse<B>) -> String {
    res.request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sane_request_ids_are_kept() {
        assert!(sane_request_id("abc-123"));
        assert!(sane_request_id("0f8fad5b-d9cb-469f-a165-70867728950e"));
        assert!(sane_request_id("trace:1.2_3"));
        assert!(!sane_request_id(""));
        assert!(!sane_request_id("has space"));
        assert!(!sane_request_id("a\u{7f}b"));
        assert!(!sane_request_id("mã"));
        assert!(!sane_request_id(&"x".repeat(129)));
        assert!(sane_request_id(&"x".repeat(128)));
    }

    #[test]
    fn generated_ids_are_sane_and_distinct() {
        let a = new_request_id();
        let b = new_request_id();
        assert_eq!(a.len(), 32);
        assert!(sane_request_id(&a));
        assert_ne!(a, b);
    }
}
