//! The web client: the built single-page app (`web/dist`, committed) embedded in the binary, so
//! serving it needs no Node and no files on disk. `GET /` and any unknown non-API `GET` path
//! answer `index.html` (deep links such as `/diary/2026-11-30` work after a reload); hashed
//! files under `/assets/` are cached for a year, everything else (`index.html`, the service
//! worker, the manifest) is revalidated on each load so a new build is picked up at once.
//! API, docs and operational paths keep their own answers: an unknown `/api/...` path stays a
//! problem+json 404.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, HttpRequest, HttpResponse};
use rust_embed::RustEmbed;

use crate::routes::hygiene::{self, RouteTable};

#[derive(RustEmbed)]
#[folder = "web/dist/"]
struct Bundle;

/// Paths that belong to the API or to operations: never answered with the app.
fn reserved(path: &str) -> bool {
    let under = |prefix: &str| path == prefix || path.starts_with(&format!("{prefix}/"));
    under("/api")
        || under("/api-docs")
        || under("/docs")
        || under("/health")
        || under("/ready")
        || under("/metrics")
}

/// The default service: an embedded file, the app for a deep link, or what the API answers for
/// an unknown route (problem+json 404, or 405 with `Allow`: `hygiene::fallback`).
pub async fn fallback(req: HttpRequest, table: web::Data<RouteTable>) -> HttpResponse {
    match app_response(&req) {
        Some(res) => res,
        None => hygiene::fallback(req, table).await,
    }
}

fn app_response(req: &HttpRequest) -> Option<HttpResponse> {
    let method = req.method();
    if (method != actix_web::http::Method::GET && method != actix_web::http::Method::HEAD)
        || reserved(req.path())
    {
        return None;
    }
    let wanted = req.path().trim_start_matches('/');
    if let Some(file) = (!wanted.is_empty()).then(|| Bundle::get(wanted)).flatten() {
        return Some(respond(req, wanted, file));
    }
    // A missing file (a name with an extension, e.g. an old hashed asset) is a 404, not the app:
    // a browser that asked for a script must not receive HTML.
    let last = wanted.rsplit('/').next().unwrap_or_default();
    if last.contains('.') {
        return None;
    }
    Bundle::get("index.html").map(|file| respond(req, "index.html", file))
}

fn respond(req: &HttpRequest, path: &str, file: rust_embed::EmbeddedFile) -> HttpResponse {
    let etag = format!(
        "\"{}\"",
        file.metadata
            .sha256_hash()
            .iter()
            .take(16)
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    let cache = if path.starts_with("assets/") {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let mut builder = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    builder
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header((header::ETAG, etag));
    if fresh {
        return builder.finish();
    }
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    let content_type = if mime.type_() == "text" || mime.subtype() == "javascript" {
        format!("{mime}; charset=utf-8")
    } else if path.ends_with(".webmanifest") {
        "application/manifest+json".to_owned()
    } else {
        mime.to_string()
    };
    builder
        .insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_str(&content_type)
                .unwrap_or(HeaderValue::from_static("application/octet-stream")),
        ))
        .body(file.data.into_owned())
}

#[cfg(test)]
mod tests {
    use super::reserved;

    #[test]
    fn api_docs_and_operations_are_reserved_app_paths_are_not() {
        for path in [
            "/api",
            "/api/v1/nope",
            "/api-docs/openapi.json",
            "/docs/",
            "/health",
            "/ready",
            "/metrics",
        ] {
            assert!(reserved(path), "{path}");
        }
        for path in [
            "/",
            "/diary",
            "/approvals/queue",
            "/apiary",
            "/healthy",
            "/assets/index.js",
        ] {
            assert!(!reserved(path), "{path}");
        }
    }
}
