//! The one place where failures become HTTP statuses. Handlers return [`AppError`]; the error-page
//! middleware renders it in the visitor's language (HTML) or as JSON under `/api/`. Internal causes
//! are logged with the request id and never shown.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use signaal_storage::StorageError;

/// What went wrong, as far as a visitor may know.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Also used where existence must not be revealed (another school's data).
    #[error("not found")]
    NotFound,
    /// A state-changing request without this session's CSRF token (or from another site).
    #[error("forbidden")]
    Forbidden,
    /// The database is down, busy or full; trying again later may work.
    #[error("temporarily unavailable: {0}")]
    Unavailable(String),
    /// A bug or an unexpected state; details go to the log only.
    #[error("internal error: {0}")]
    Internal(String),
    /// A change about a pupil whose processing is restricted or paused by an objection.
    #[error("the pupil's processing is paused")]
    Paused(signaal_domain::privacy::rights::PauseReason),
}

/// Which error page to render; carried from the handler to the error-page middleware.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    NotFound,
    Forbidden,
    Unavailable,
    /// Too many requests at once in this route group (see `busy`); trying again soon works.
    Busy,
    Internal,
    /// Refused because the pupil is restricted (GDPR art. 18) or objects (art. 21).
    Restricted,
    ObjectionPending,
}

impl ErrorKind {
    pub fn status(self) -> StatusCode {
        match self {
            ErrorKind::NotFound => StatusCode::NOT_FOUND,
            ErrorKind::Forbidden => StatusCode::FORBIDDEN,
            ErrorKind::Unavailable | ErrorKind::Busy => StatusCode::SERVICE_UNAVAILABLE,
            ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            ErrorKind::Restricted | ErrorKind::ObjectionPending => StatusCode::CONFLICT,
        }
    }

    /// The kind of page for a bare status (from the router's fallback, a panic, a timeout, a size limit).
    pub fn for_status(status: StatusCode) -> Option<ErrorKind> {
        match status {
            StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED => Some(ErrorKind::NotFound),
            StatusCode::SERVICE_UNAVAILABLE | StatusCode::REQUEST_TIMEOUT => {
                Some(ErrorKind::Unavailable)
            }
            status if status.is_server_error() => Some(ErrorKind::Internal),
            _ => None,
        }
    }
}

impl From<StorageError> for AppError {
    fn from(error: StorageError) -> Self {
        if let Some(reason) = signaal_storage::rights::paused_reason(&error) {
            return AppError::Paused(reason);
        }
        match error {
            StorageError::NotFound => AppError::NotFound,
            error if error.is_temporary() => AppError::Unavailable(error.to_string()),
            error => AppError::Internal(error.to_string()),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let kind = match &self {
            AppError::NotFound => ErrorKind::NotFound,
            AppError::Forbidden => ErrorKind::Forbidden,
            AppError::Unavailable(cause) => {
                tracing::warn!(%cause, "service unavailable");
                ErrorKind::Unavailable
            }
            AppError::Internal(cause) => {
                tracing::error!(%cause, "internal error");
                ErrorKind::Internal
            }
            AppError::Paused(signaal_domain::privacy::rights::PauseReason::Restriction) => {
                ErrorKind::Restricted
            }
            AppError::Paused(signaal_domain::privacy::rights::PauseReason::Objection) => {
                ErrorKind::ObjectionPending
            }
        };
        let mut response = kind.status().into_response();
        response.extensions_mut().insert(kind);
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_errors_map_to_statuses() {
        let status = |e: StorageError| AppError::from(e).into_response().status();
        assert_eq!(status(StorageError::NotFound), StatusCode::NOT_FOUND);
        assert_eq!(
            status(StorageError::Unavailable("down".into())),
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert_eq!(
            status(StorageError::Full("disk".into())),
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert_eq!(
            status(StorageError::Conflict("x".into())),
            StatusCode::INTERNAL_SERVER_ERROR
        );
        assert_eq!(
            status(signaal_storage::rights::paused_error(
                signaal_domain::privacy::rights::PauseReason::Restriction
            )),
            StatusCode::CONFLICT
        );
        assert_eq!(
            status(signaal_storage::rights::paused_error(
                signaal_domain::privacy::rights::PauseReason::Objection
            )),
            StatusCode::CONFLICT
        );
        assert_eq!(
            status(StorageError::Corrupt("x".into())),
            StatusCode::INTERNAL_SERVER_ERROR
        );
        assert_eq!(
            status(StorageError::SchemaTooNew {
                database: 2,
                binary: 1
            }),
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }

    #[test]
    fn bare_statuses_get_a_page() {
        assert_eq!(
            ErrorKind::for_status(StatusCode::NOT_FOUND),
            Some(ErrorKind::NotFound)
        );
        assert_eq!(
            ErrorKind::for_status(StatusCode::BAD_GATEWAY),
            Some(ErrorKind::Internal)
        );
        assert_eq!(ErrorKind::for_status(StatusCode::OK), None);
        assert_eq!(ErrorKind::for_status(StatusCode::PAYLOAD_TOO_LARGE), None);
    }
}
