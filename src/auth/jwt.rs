//! Short-lived HS256 access tokens and opaque, hashed, rotating refresh tokens.

use base64::Engine;
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::AppError;
use crate::i18n::Text;

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    /// Staff id of the caller.
    pub sub: i64,
    /// Roles at issue time (informational: services re-read the current roles).
    pub roles: Vec<String>,
    /// The person's session version at issue time: a token whose version is not the stored one
    /// was ended by logout, a password or role change, or deactivation.
    #[serde(default)]
    pub sv: i64,
    pub iat: i64,
    pub exp: i64,
}

pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    pub access_ttl_secs: i64,
}

impl JwtKeys {
    pub fn new(secret: &str, access_ttl_secs: i64) -> JwtKeys {
        JwtKeys {
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            decoding: DecodingKey::from_secret(secret.as_bytes()),
            access_ttl_secs,
        }
    }

    pub fn issue(
        &self,
        staff_id: i64,
        roles: Vec<String>,
        session_version: i64,
    ) -> anyhow::Result<String> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: staff_id,
            roles,
            sv: session_version,
            iat: now,
            exp: now + self.access_ttl_secs,
        };
        Ok(encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.encoding,
        )?)
    }

    pub fn decode(&self, token: &str) -> Result<Claims, AppError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 5;
        decode::<Claims>(token, &self.decoding, &validation)
            .map(|d| d.claims)
            .map_err(|e| {
                let expired = matches!(e.kind(), jsonwebtoken::errors::ErrorKind::ExpiredSignature);
                AppError::Unauthorized(if expired {
                    Text::new("Mã truy cập đã hết hạn.", "The access token has expired.")
                } else {
                    Text::new("Mã truy cập không hợp lệ.", "The access token is invalid.")
                })
            })
    }
}

/// A new random refresh token (256 bits, URL-safe) to hand to the client once.
pub fn new_refresh_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Refresh tokens are stored only as their SHA-256 (they are random, so no salt is needed).
pub fn hash_refresh_token(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_reject_other_keys() {
        let keys = JwtKeys::new("0123456789abcdef0123456789abcdef", 60);
        let token = keys.issue(42, vec!["staff".into()], 3).expect("issue");
        let claims = keys.decode(&token).expect("valid");
        assert_eq!((claims.sub, claims.sv), (42, 3));
        let other = JwtKeys::new("another-secret-0123456789abcdef0123", 60);
        assert!(other.decode(&token).is_err());
    }

    #[test]
    fn expired_tokens_are_refused() {
        let keys = JwtKeys::new("0123456789abcdef0123456789abcdef", -120);
        let token = keys.issue(1, vec![], 0).expect("issue");
        assert!(matches!(
            keys.decode(&token),
            Err(AppError::Unauthorized(_))
        ));
    }

    #[test]
    fn refresh_tokens_are_random_and_hashed() {
        let a = new_refresh_token();
        assert_ne!(a, new_refresh_token());
        assert_eq!(hash_refresh_token(&a).len(), 64);
        assert_eq!(hash_refresh_token(&a), hash_refresh_token(&a));
    }
}
