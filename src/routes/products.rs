//! `/products`: the product catalogue with standard minutes per unit of product.

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

use crate::auth::AuthUser;
use crate::db::products::Product;
use crate::domain::org::is_valid_code;
use crate::error::{AppError, Problem};
use crate::routes::{
    created_versioned, if_match, ok_versioned, rule_error, utc, Page, PageQuery, ValidJson,
};
use crate::services::{self, access::load_viewer};
use crate::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_products)
        .service(create_product)
        .service(get_product)
        .service(update_product);
}

/// A catalogue item (danh mục sản phẩm).
#[derive(Debug, Serialize, ToSchema)]
pub struct ProductView {
    /// Id.
    pub id: i64,
    /// Unique code.
    #[schema(example = "VB-QD")]
    pub code: String,
    /// Name.
    #[schema(example = "Dự thảo quyết định")]
    pub name: String,
    /// Measuring unit.
    #[schema(example = "văn bản")]
    pub measuring_unit: String,
    /// Standard minutes per unit of product (định mức).
    #[schema(example = 120)]
    pub standard_minutes: i32,
    /// Whether it can be chosen for new entries.
    pub active: bool,
    /// Version for `If-Match`.
    pub version: i64,
    /// Created (UTC).
    pub created_at: DateTime<Utc>,
    /// Last change (UTC).
    pub updated_at: DateTime<Utc>,
}

impl From<Product> for ProductView {
    fn from(p: Product) -> Self {
        ProductView {
            id: p.id,
            code: p.code,
            name: p.name,
            measuring_unit: p.measuring_unit,
            standard_minutes: p.standard_minutes,
            active: p.active,
            version: p.version,
            created_at: utc(p.created_at),
            updated_at: utc(p.updated_at),
        }
    }
}

fn code_rule(code: &str) -> Result<(), validator::ValidationError> {
    if is_valid_code(code) {
        Ok(())
    } else {
        Err(rule_error(
            "format",
            "Mã chỉ gồm chữ, số, '_', '-', '.', tối đa 32 ký tự.",
            "Codes are 1-32 letters, digits, '_', '-', '.'.",
        ))
    }
}

/// A new catalogue item.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"code": "HS-TTHC", "name": "Hồ sơ thủ tục hành chính đã xử lý", "measuring_unit": "hồ sơ", "standard_minutes": 30}))]
pub struct CreateProduct {
    /// Unique code.
    #[validate(custom(function = "code_rule"))]
    pub code: String,
    /// Name.
    #[validate(length(min = 1, max = 300))]
    pub name: String,
    /// Measuring unit (văn bản, hồ sơ, cuộc họp...).
    #[validate(length(min = 1, max = 50))]
    pub measuring_unit: String,
    /// Standard minutes per unit, 1 to 14,400 (ten working days).
    #[validate(range(min = 1, max = 14400))]
    pub standard_minutes: i32,
    /// Whether it can be chosen (default true).
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

/// Changes to a catalogue item.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"standard_minutes": 45}))]
pub struct UpdateProduct {
    /// New code.
    #[validate(custom(function = "code_rule"))]
    pub code: Option<String>,
    /// New name.
    #[validate(length(min = 1, max = 300))]
    pub name: Option<String>,
    /// New measuring unit.
    #[validate(length(min = 1, max = 50))]
    pub measuring_unit: Option<String>,
    /// New standard minutes.
    #[validate(range(min = 1, max = 14400))]
    pub standard_minutes: Option<i32>,
    /// Active flag.
    pub active: Option<bool>,
}

/// Filters of the catalogue.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProductFilter {
    /// Only active (true) or retired (false) items.
    pub active: Option<bool>,
}

/// The catalogue (every authenticated user).
#[utoipa::path(
    tag = "catalogue",
    params(PageQuery, ProductFilter),
    security(("bearer" = [])),
    responses((status = 200, description = "A page of products", body = Page<ProductView>))
)]
#[get("/products")]
pub async fn list_products(
    state: web::Data<AppState>,
    user: AuthUser,
    page: web::Query<PageQuery>,
    filter: web::Query<ProductFilter>,
) -> Result<HttpResponse, AppError> {
    let paging = page.paging()?;
    let active = filter.active;
    let result = state
        .db(move |conn, _| {
            load_viewer(conn, user)?;
            services::products::list(conn, active, paging)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Page::from_service(result, ProductView::from)))
}

/// Add a catalogue item (organisation department, administrators).
#[utoipa::path(
    tag = "catalogue",
    request_body = CreateProduct,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = ProductView, headers(("Location" = String), ("ETag" = String))),
        (status = 403, description = "Not allowed", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Code already used", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/products")]
pub async fn create_product(
    state: web::Data<AppState>,
    user: AuthUser,
    body: ValidJson<CreateProduct>,
) -> Result<HttpResponse, AppError> {
    let b = body.0;
    let product = state
        .db(move |conn, _| {
            let viewer = load_viewer(conn, user)?;
            services::products::create(
                conn,
                &viewer,
                services::products::ProductDraft {
                    code: b.code,
                    name: b.name.trim().to_string(),
                    measuring_unit: b.measuring_unit.trim().to_string(),
                    standard_minutes: b.standard_minutes,
                    active: b.active,
                },
            )
        })
        .await?;
    Ok(created_versioned(
        format!("/api/v1/products/{}", product.id),
        product.version,
        &ProductView::from(product),
    ))
}

/// One catalogue item.
#[utoipa::path(
    tag = "catalogue",
    params(("If-None-Match" = Option<String>, Header, description = "ETags already held (list or `*`): 304 when one is current"), ("id" = i64, Path, description = "Product id")),
    security(("bearer" = [])),
    responses(
        (status = 304, description = "Not modified: `If-None-Match` names the current ETag (or `*`)"),
        (status = 200, description = "The product", body = ProductView, headers(("ETag" = String))),
        (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/products/{id}")]
pub async fn get_product(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let product = state
        .db(move |conn, _| {
            load_viewer(conn, user)?;
            services::products::get(conn, id)
        })
        .await?;
    Ok(ok_versioned(product.version, &ProductView::from(product)))
}

/// Change a catalogue item (organisation department, administrators). Needs `If-Match`.
#[utoipa::path(
    tag = "catalogue",
    params(("id" = i64, Path, description = "Product id"), ("If-Match" = String, Header, description = "ETag of the version being edited; a list of ETags or `*` (RFC 9110, strong comparison)")),
    request_body = UpdateProduct,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated", body = ProductView, headers(("ETag" = String))),
        (status = 403, description = "Not allowed", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match missing", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/products/{id}")]
pub async fn update_product(
    state: web::Data<AppState>,
    user: AuthUser,
    req: HttpRequest,
    id: web::Path<i64>,
    body: ValidJson<UpdateProduct>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let condition = if_match(&req)?;
    let b = body.0;
    let totals_policy = crate::routes::entries::context(&state).totals();
    let product = state
        .db(move |conn, _| {
            let version = condition.resolve(conn, crate::db::versions::Versioned::Product, id)?;
            let viewer = load_viewer(conn, user)?;
            services::products::update(
                conn,
                &viewer,
                id,
                version,
                services::products::ProductPatch {
                    code: b.code,
                    name: b.name.map(|n| n.trim().to_string()),
                    measuring_unit: b.measuring_unit.map(|n| n.trim().to_string()),
                    standard_minutes: b.standard_minutes,
                    active: b.active,
                },
                &totals_policy,
            )
        })
        .await?;
    Ok(ok_versioned(product.version, &ProductView::from(product)))
}
