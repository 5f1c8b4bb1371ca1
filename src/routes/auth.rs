//! `POST /auth/login`, `/auth/refresh`, `/auth/logout`.

use actix_web::{post, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

use crate::error::{AppError, Problem};
use crate::routes::ValidJson;
use crate::services;
use crate::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(login).service(refresh).service(logout);
}

/// Credentials.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"username": "admin", "password": "Doi-mat-khau-ngay!"}))]
pub struct LoginRequest {
    /// Username.
    #[validate(length(min = 1, max = 64))]
    pub username: String,
    /// Password.
    #[validate(length(min = 1, max = 128))]
    pub password: String,
}

/// A refresh token to use or revoke.
#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct RefreshRequest {
    /// The refresh token from the last login or refresh (each works once).
    #[validate(length(min = 1, max = 256))]
    pub refresh_token: String,
}

/// Tokens for the API.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// Short-lived JWT for `Authorization: Bearer`.
    pub access_token: String,
    /// Always `Bearer`.
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// Seconds until the access token expires.
    #[schema(example = 900)]
    pub expires_in: i64,
    /// Opaque token for `/auth/refresh`; rotated on every use.
    pub refresh_token: String,
    /// True after an administrator reset the password: until the person chooses a new one with
    /// `POST /me/password`, every other route but `GET /me` answers 403 with problem type
    /// `urn:worklog-kpi:problem:password-change-required`.
    pub must_change_password: bool,
}

impl From<services::auth::Tokens> for TokenResponse {
    fn from(t: services::auth::Tokens) -> Self {
        TokenResponse {
            access_token: t.access_token,
            token_type: "Bearer".into(),
            expires_in: t.expires_in,
            refresh_token: t.refresh_token,
            must_change_password: t.must_change_password,
        }
    }
}

/// Log in with username and password.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in", body = TokenResponse),
        (status = 401, description = "Wrong username or password", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid request", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed logins (for this username from this client, or from this client address), too many password checks at once, or the client's rate limit; `Retry-After` says when to retry", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable (Retry-After)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    body: ValidJson<LoginRequest>,
) -> Result<HttpResponse, AppError> {
    let body = body.0;
    let client = crate::net::client_addr(&req, &state.settings);
    if let Some(wait) = state.login_throttle.blocked_for(&body.username, client) {
        tracing::warn!(%client, username = %body.username, wait, "login throttled");
        return Err(AppError::TooManyRequests {
            retry_after_secs: wait,
            text: crate::i18n::Text::new(
                format!(
                    "Đăng nhập sai quá nhiều lần; hãy thử lại sau {} giây.",
                    wait
                ),
                format!("Too many failed logins; try again in {wait} seconds."),
            ),
        });
    }
    let result = services::auth::login(&state, &body.username, &body.password, client).await;
    match result {
        Ok(tokens) => {
            state.login_throttle.record_success(&body.username, client);
            Ok(HttpResponse::Ok().json(TokenResponse::from(tokens)))
        }
        Err(e @ AppError::Unauthorized(_)) => {
            state.login_throttle.record_failure(&body.username, client);
            Err(e)
        }
        Err(e) => Err(e),
    }
}

/// Exchange a refresh token for new tokens. A token works once; reusing a spent token
/// revokes every token of that login.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "New tokens", body = TokenResponse),
        (status = 401, description = "Invalid, spent, revoked or expired refresh token", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "The client's rate limit (Retry-After)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable (Retry-After)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/refresh")]
pub async fn refresh(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    body: ValidJson<RefreshRequest>,
) -> Result<HttpResponse, AppError> {
    let token = body.0.refresh_token;
    let client = crate::net::client_addr(&req, &state.settings);
    let tokens = state
        .db(move |conn, st| services::auth::refresh(conn, st, &token, client))
        .await?;
    Ok(HttpResponse::Ok().json(TokenResponse::from(tokens)))
}

/// Log out everywhere: every refresh token of the person the token belongs to is revoked and
/// every access token of that person stops working at once.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses((status = 204, description = "Logged out (also for unknown, spent or expired tokens)"))
)]
#[post("/auth/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    body: ValidJson<RefreshRequest>,
) -> Result<HttpResponse, AppError> {
    let token = body.0.refresh_token;
    state
        .db(move |conn, _| services::auth::logout(conn, &token))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
