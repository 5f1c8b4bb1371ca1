//! Swagger UI at `/docs` and the spec at `/api-docs/openapi.json` (vendored assets, no download).

use utoipa::openapi::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

pub fn swagger(api: OpenApi) -> SwaggerUi {
    SwaggerUi::new("/docs/{_:.*}").url("/api-docs/openapi.json", api)
}
