//! Swagger UI at `/docs` and the spec at `/api-docs/openapi.json` (vendored assets, no download).

use utoipa::openapi::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

pub fn swagger(api: OpenApi) -> SwaggerUi {
    SwaggerUi::new("/docs/{_:.*}").url("/api-docs/openapi.json", api)
}

/// `/docs` (no slash) redirects to the Swagger UI at `/docs/`, keeping any query string.
pub async fn redirect(req: actix_web::HttpRequest) -> actix_web::HttpResponse {
    let location = match req.query_string() {
        "" => "/docs/".to_string(),
        q => format!("/docs/?{q}"),
    };
    actix_web::HttpResponse::PermanentRedirect()
        .insert_header((actix_web::http::header::LOCATION, location))
        .finish()
}
