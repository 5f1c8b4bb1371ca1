//! Authentication: password hashing, JWT access tokens, opaque refresh tokens, and the
//! `AuthUser` extractor that every protected handler takes.

pub mod hashing;
pub mod jwt;
pub mod password;
pub mod throttle;

use std::future::{ready, Ready};

use actix_web::{dev::Payload, http::header, web, FromRequest, HttpRequest};

use crate::error::AppError;
use crate::i18n::Text;
use crate::AppState;

/// The authenticated caller, from a valid bearer token. Handlers pass it to services, which load
/// the caller's current record for scoping (so a deactivated account stops working at once).
#[derive(Debug, Clone, Copy)]
pub struct AuthUser {
    pub staff_id: i64,
    /// The session version the token was issued with (compared when the viewer is loaded).
    pub session_version: i64,
}

impl FromRequest for AuthUser {
    type Error = AppError;
    type Future = Ready<Result<AuthUser, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let user = authenticate(req);
        if let Ok(u) = &user {
            // The access log names the authenticated person (never the token).
            actix_web::HttpMessage::extensions_mut(req).insert(*u);
        }
        ready(user)
    }
}

impl AuthUser {
    /// The caller of a request from its bearer token (signature and expiry only: the session is
    /// checked when the viewer is loaded).
    pub fn from_http(req: &HttpRequest) -> Result<AuthUser, AppError> {
        authenticate(req)
    }
}

fn authenticate(req: &HttpRequest) -> Result<AuthUser, AppError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("application state missing")))?;
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            AppError::Unauthorized(Text::new(
                "Thiếu mã truy cập (Authorization: Bearer ...).",
                "Missing access token (Authorization: Bearer ...).",
            ))
        })?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .ok_or_else(|| {
            AppError::Unauthorized(Text::new(
                "Mã truy cập phải theo dạng Bearer.",
                "The access token must use the Bearer scheme.",
            ))
        })?;
    let claims = state.jwt.decode(token.trim())?;
    Ok(AuthUser {
        staff_id: claims.sub,
        session_version: claims.sv,
    })
}
