//! One error type for the whole service, rendered as `application/problem+json` (RFC 9457) in the
//! caller's language. Causes of 5xx answers are logged, never sent.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::i18n::{self, Lang, Text};

/// One invalid field of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldIssue {
    pub field: String,
    pub code: String,
    pub message: Text,
}

impl FieldIssue {
    pub fn new(field: impl Into<String>, code: impl Into<String>, message: Text) -> FieldIssue {
        FieldIssue {
            field: field.into(),
            code: code.into(),
            message,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("malformed request: {}", .0.en)]
    BadRequest(Text),
    #[error("validation failed: {0:?}")]
    Validation(Vec<FieldIssue>),
    #[error("unauthorized: {}", .0.en)]
    Unauthorized(Text),
    #[error("forbidden: {}", .0.en)]
    Forbidden(Text),
    #[error("password change required: {}", .0.en)]
    PasswordChangeRequired(Text),
    #[error("not found")]
    NotFound,
    #[error("method not allowed: {}", .0.en)]
    MethodNotAllowed(Text),
    #[error("conflict: {}", .0.en)]
    Conflict(Text),
    #[error("precondition failed: {}", .0.en)]
    PreconditionFailed(Text),
    #[error("precondition required: {}", .0.en)]
    PreconditionRequired(Text),
    #[error("too many requests: {}", .text.en)]
    TooManyRequests { retry_after_secs: u64, text: Text },
    #[error("service unavailable: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub type AppResult<T> = Result<T, AppError>;

/// A problem document (RFC 9457).
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// URI identifying the kind of problem.
    #[serde(rename = "type")]
    #[schema(example = "urn:worklog-kpi:problem:validation")]
    pub problem_type: String,
    /// Short summary in the caller's language.
    #[schema(example = "Dữ liệu không hợp lệ")]
    pub title: String,
    /// HTTP status code.
    #[schema(example = 422)]
    pub status: u16,
    /// What went wrong, in the caller's language.
    pub detail: String,
    /// Per-field errors (validation problems only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
    /// The request's id, as answered in the `X-Request-Id` header: quote it when reporting a
    /// problem; the access log line of the request carries it too.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "4f1c2e9a0b7d4c55a1e2f3a4b5c6d7e8")]
    pub request_id: Option<String>,
}

/// One invalid field as sent to clients.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldError {
    /// The field's name (dotted path for nested fields, `line N: field` for CSV imports).
    pub field: String,
    /// Machine-readable reason, e.g. `required`, `range`, `length`, `unknown_reference`.
    pub code: String,
    /// Human-readable reason in the caller's language.
    pub message: String,
}

impl AppError {
    pub fn validation(field: &str, code: &str, vi: &str, en: &str) -> AppError {
        AppError::Validation(vec![FieldIssue::new(
            field,
            code,
            Text::new(vi.to_string(), en.to_string()),
        )])
    }

    pub fn conflict(vi: &str, en: &str) -> AppError {
        AppError::Conflict(Text::new(vi.to_string(), en.to_string()))
    }

    pub fn forbidden(vi: &str, en: &str) -> AppError {
        AppError::Forbidden(Text::new(vi.to_string(), en.to_string()))
    }

    pub fn bad_request(vi: &str, en: &str) -> AppError {
        AppError::BadRequest(Text::new(vi.to_string(), en.to_string()))
    }

    fn kind(&self) -> &'static str {
        match self {
            AppError::BadRequest(_) => "bad-request",
            AppError::Validation(_) => "validation",
            AppError::Unauthorized(_) => "unauthorized",
            AppError::Forbidden(_) => "forbidden",
            AppError::PasswordChangeRequired(_) => "password-change-required",
            AppError::NotFound => "not-found",
            AppError::MethodNotAllowed(_) => "method-not-allowed",
            AppError::Conflict(_) => "conflict",
            AppError::PreconditionFailed(_) => "precondition-failed",
            AppError::PreconditionRequired(_) => "precondition-required",
            AppError::TooManyRequests { .. } => "too-many-requests",
            AppError::Unavailable(_) => "unavailable",
            AppError::Internal(_) => "internal",
        }
    }

    fn title(&self) -> Text {
        match self {
            AppError::BadRequest(_) => {
                Text::new("Yêu cầu không đúng định dạng", "Malformed request")
            }
            AppError::Validation(_) => Text::new("Dữ liệu không hợp lệ", "Validation failed"),
            AppError::Unauthorized(_) => Text::new("Chưa xác thực", "Unauthorized"),
            AppError::Forbidden(_) => Text::new("Không có quyền", "Forbidden"),
            AppError::PasswordChangeRequired(_) => {
                Text::new("Cần đổi mật khẩu", "Password change required")
            }
            AppError::NotFound => Text::new("Không tìm thấy", "Not found"),
            AppError::MethodNotAllowed(_) => {
                Text::new("Phương thức không được hỗ trợ", "Method not allowed")
            }
            AppError::Conflict(_) => Text::new("Xung đột trạng thái", "Conflict"),
            AppError::PreconditionFailed(_) => {
                Text::new("Dữ liệu đã bị thay đổi", "Precondition failed")
            }
            AppError::PreconditionRequired(_) => {
                Text::new("Thiếu điều kiện phiên bản", "Precondition required")
            }
            AppError::TooManyRequests { .. } => Text::new("Quá nhiều yêu cầu", "Too many requests"),
            AppError::Unavailable(_) => {
                Text::new("Dịch vụ tạm thời không khả dụng", "Service unavailable")
            }
            AppError::Internal(_) => Text::new("Lỗi hệ thống", "Internal server error"),
        }
    }

    fn detail(&self) -> Text {
        match self {
            AppError::BadRequest(t)
            | AppError::Unauthorized(t)
            | AppError::Forbidden(t)
            | AppError::PasswordChangeRequired(t)
            | AppError::MethodNotAllowed(t)
            | AppError::Conflict(t)
            | AppError::PreconditionFailed(t)
            | AppError::PreconditionRequired(t) => t.clone(),
            AppError::TooManyRequests { text, .. } => text.clone(),
            AppError::Validation(_) => Text::new(
                "Một số trường không hợp lệ, xem danh sách lỗi.",
                "Some fields are invalid; see the list of errors.",
            ),
            AppError::NotFound => Text::new(
                "Không tìm thấy đối tượng, hoặc bạn không được xem đối tượng này.",
                "The resource does not exist or is not visible to you.",
            ),
            AppError::Unavailable(_) => Text::new(
                "Cơ sở dữ liệu tạm thời không truy cập được, vui lòng thử lại sau.",
                "The database is temporarily unreachable; retry later.",
            ),
            AppError::Internal(_) => Text::new(
                "Đã xảy ra lỗi không mong muốn; sự cố đã được ghi lại.",
                "An unexpected error occurred; it has been logged.",
            ),
        }
    }

    /// The problem document in a given language.
    pub fn problem(&self, lang: Lang) -> Problem {
        Problem {
            problem_type: format!("urn:worklog-kpi:problem:{}", self.kind()),
            title: self.title().get(lang).to_string(),
            status: self.status_code().as_u16(),
            detail: self.detail().get(lang).to_string(),
            errors: match self {
                AppError::Validation(issues) => Some(
                    issues
                        .iter()
                        .map(|i| FieldError {
                            field: i.field.clone(),
                            code: i.code.clone(),
                            message: i.message.get(lang).to_string(),
                        })
                        .collect(),
                ),
                _ => None,
            },
            request_id: crate::telemetry::current_request_id(),
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::PasswordChangeRequired(_) => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            AppError::PreconditionRequired(_) => StatusCode::PRECONDITION_REQUIRED,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            AppError::Internal(e) => tracing::error!(error = ?e, "internal error"),
            AppError::Unavailable(e) => tracing::warn!(error = %e, "database unavailable"),
            _ => {}
        }
        let mut builder = HttpResponse::build(self.status_code());
        builder.content_type("application/problem+json");
        match self {
            AppError::Unavailable(_) => {
                builder.insert_header((header::RETRY_AFTER, "5"));
            }
            AppError::Unauthorized(_) => {
                builder.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            AppError::TooManyRequests {
                retry_after_secs, ..
            } => {
                builder.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            _ => {}
        }
        builder.json(self.problem(i18n::current()))
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> AppError {
        use diesel::result::{DatabaseErrorKind as K, Error as E};
        match e {
            E::NotFound => AppError::NotFound,
            E::DatabaseError(K::UniqueViolation, info) => {
                tracing::info!(constraint = ?info.constraint_name(), "unique violation");
                AppError::conflict(
                    "Dữ liệu trùng với một bản ghi đã có.",
                    "This duplicates an existing record.",
                )
            }
            E::DatabaseError(K::ForeignKeyViolation, _) => AppError::conflict(
                "Dữ liệu tham chiếu tới một bản ghi không tồn tại hoặc đang được sử dụng.",
                "A referenced record does not exist or is still in use.",
            ),
            E::DatabaseError(K::ClosedConnection | K::UnableToSendCommand, info) => {
                AppError::Unavailable(info.message().to_string())
            }
            E::DatabaseError(_, info)
                if info.message().contains("database is locked")
                    || info.message().contains("database is busy") =>
            {
                AppError::Unavailable(info.message().to_string())
            }
            E::DatabaseError(_, info) if is_storage_message(info.message()) => {
                AppError::Unavailable(format!("{STORAGE_PREFIX}{}", info.message()))
            }
            E::DatabaseError(_, info) if is_unreachable_message(info.message()) => {
                AppError::Unavailable(info.message().to_string())
            }
            other => AppError::Internal(anyhow::Error::new(other)),
        }
    }
}

const STORAGE_PREFIX: &str = "storage failure: ";

/// SQLite's messages for a storage that cannot take writes or be read: SQLITE_FULL, SQLITE_IOERR,
/// SQLITE_READONLY, SQLITE_CORRUPT, SQLITE_NOTADB, SQLITE_CANTOPEN (and PostgreSQL's disk full).
/// They pass (or need an operator), they are not the client's fault: 503, never 500.
fn is_storage_message(message: &str) -> bool {
    const STORAGE: [&str; 8] = [
        "database or disk is full",
        "disk I/O error",
        "attempt to write a readonly database",
        "database disk image is malformed",
        "file is not a database",
        "unable to open database file",
        "could not extend file",
        "No space left on device",
    ];
    STORAGE.iter().any(|m| message.contains(m))
}

/// PostgreSQL cancelled a statement that ran past `statement_timeout`, or the server is going
/// away, or it aborted the transaction to break a deadlock between writers (two transactions
/// adding to the same counter rows in opposite orders, e.g. `unit_day_anomalies`): the
/// transaction was rolled back whole and the request may be retried (a retried create with its
/// `client_ref` or `Idempotency-Key` creates nothing twice).
fn is_unreachable_message(message: &str) -> bool {
    const UNREACHABLE: [&str; 7] = [
        "deadlock detected",
        "canceling statement due to statement timeout",
        "terminating connection",
        "server closed the connection unexpectedly",
        "the database system is shutting down",
        "the database system is starting up",
        "no connection to the server",
    ];
    UNREACHABLE.iter().any(|m| message.contains(m))
}

/// True for the reason of an `Unavailable` error that came from a failing storage (see
/// `is_storage_message`): `/ready` reports it for a while.
pub fn is_storage_failure(reason: &str) -> bool {
    reason.starts_with(STORAGE_PREFIX)
}

impl From<diesel::r2d2::PoolError> for AppError {
    fn from(e: diesel::r2d2::PoolError) -> AppError {
        AppError::Unavailable(e.to_string())
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(e: actix_web::error::BlockingError) -> AppError {
        AppError::Internal(anyhow::anyhow!("blocking task failed: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_problem_lists_fields_in_the_chosen_language() {
        let err =
            AppError::validation("minutes", "range", "Phải từ 1 đến 1440", "Must be 1..=1440");
        let vi = err.problem(Lang::Vi);
        assert_eq!(vi.status, 422);
        assert_eq!(vi.title, "Dữ liệu không hợp lệ");
        let errors = vi.errors.expect("field errors");
        assert_eq!(errors[0].field, "minutes");
        assert_eq!(errors[0].message, "Phải từ 1 đến 1440");
        let en = err.problem(Lang::En);
        assert_eq!(
            en.errors.expect("field errors")[0].message,
            "Must be 1..=1440"
        );
    }

    #[test]
    fn storage_failures_and_timeouts_are_503() {
        use diesel::result::{DatabaseErrorKind, Error as E};
        for (message, storage) in [
            ("database or disk is full", true),
            ("disk I/O error", true),
            ("attempt to write a readonly database", true),
            ("database disk image is malformed", true),
            ("canceling statement due to statement timeout", false),
            ("deadlock detected", false),
        ] {
            let err: AppError =
                E::DatabaseError(DatabaseErrorKind::Unknown, Box::new(message.to_string())).into();
            assert_eq!(
                err.status_code(),
                StatusCode::SERVICE_UNAVAILABLE,
                "{message}"
            );
            let AppError::Unavailable(reason) = &err else {
                panic!("{message}: {err:?}")
            };
            assert_eq!(is_storage_failure(reason), storage, "{message}");
            let res = err.error_response();
            assert_eq!(
                res.headers().get(header::RETRY_AFTER).map(|v| v.as_bytes()),
                Some(&b"5"[..])
            );
        }
        let other: AppError = E::DatabaseError(
            DatabaseErrorKind::Unknown,
            Box::new("syntax error".to_string()),
        )
        .into();
        assert_eq!(other.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn diesel_not_found_is_404() {
        let err: AppError = diesel::result::Error::NotFound.into();
        assert_eq!(err.status_code(), StatusCode::NOT_FOUND);
    }
}
