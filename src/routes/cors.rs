//! CORS for the configured origins (`server.cors_allowed_origins`; none by default, and then no
//! CORS header is ever sent). Browsers on those origins may call the API with a bearer token and
//! read `ETag`, `Location`, `Idempotency-Replayed`, `Retry-After`, `Content-Disposition` and
//! `X-Request-Id`. Requests from other origins are not refused by the server (same-origin pages
//! send `Origin` too); the browser withholds the answer because no `Access-Control-Allow-Origin`
//! comes back.

use actix_cors::Cors;
use actix_web::http::header;
use actix_web::middleware::Condition;

pub fn cors(origins: &[String]) -> Condition<Cors> {
    let mut cors = Cors::default()
        .block_on_origin_mismatch(false)
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            header::ACCEPT_LANGUAGE,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
            header::HeaderName::from_static("idempotency-key"),
            header::HeaderName::from_static("x-request-id"),
        ])
        .expose_headers([
            header::ETAG,
            header::LOCATION,
            header::RETRY_AFTER,
            header::CONTENT_DISPOSITION,
            header::HeaderName::from_static("idempotency-replayed"),
            header::HeaderName::from_static("x-request-id"),
        ])
        .max_age(3600);
    for origin in origins {
        cors = cors.allowed_origin(origin.trim_end_matches('/'));
    }
    Condition::new(!origins.is_empty(), cors)
}
