//! One error type for the JSON API and its single response shape:
//! `{"error": {"code": "...", "message": "...", "fields": [...], "rows": [...]}}`.
//! Internal failures are logged with detail and answered with a generic message, so database
//! text never reaches a client.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// A field that failed validation: which, what was given, what was expected.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct FieldErrorBody {
    pub field: String,
    pub value: String,
    pub expected: String,
}

/// A row of an import file that failed validation (1-based line number as in a spreadsheet).
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct RowErrorBody {
    pub line: u64,
    pub column: String,
    pub field: String,
    pub value: String,
    pub expected: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code, e.g. `validation_failed`, `not_found`, `unauthorized`.
    pub code: &'static str,
    /// Human-readable explanation (English).
    pub message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldErrorBody>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rows: Vec<RowErrorBody>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("authentication required")]
    Unauthorized,
    #[error("your role does not allow this")]
    Forbidden,
    #[error("CSRF token missing or wrong")]
    Csrf,
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    #[error("the record was changed by someone else since it was loaded; reload and try again")]
    VersionMismatch,
    #[error("{message}")]
    Validation {
        message: String,
        fields: Vec<FieldErrorBody>,
    },
    #[error("{message}")]
    ImportRejected {
        message: String,
        rows: Vec<RowErrorBody>,
    },
    #[error("{0}")]
    BadRequest(String),
    #[error("request body too large (limit {limit_bytes} bytes)")]
    PayloadTooLarge { limit_bytes: usize },
    #[error("too many attempts, try again later")]
    RateLimited,
    #[error("internal error")]
    Internal(String),
    /// A listing export or shipment is blocked by missing or expired compliance items (an owner can override).
    #[error("{0}")]
    ComplianceBlocked(String),
    /// Stored data failed its integrity check (a vault file whose SHA-256 no longer matches): never served.
    #[error("{0}")]
    Integrity(String),
}

impl ApiError {
    pub fn internal(context: &str, error: impl std::fmt::Display) -> Self {
        ApiError::Internal(format!("{context}: {error}"))
    }

    pub fn validation(field: &str, value: &str, expected: &str) -> Self {
        ApiError::Validation {
            message: format!("{field}: expected {expected}"),
            fields: vec![FieldErrorBody {
                field: field.to_string(),
                value: value.to_string(),
                expected: expected.to_string(),
            }],
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden | ApiError::Csrf => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) | ApiError::VersionMismatch | ApiError::ComplianceBlocked(_) => {
                StatusCode::CONFLICT
            }
            ApiError::Validation { .. } | ApiError::ImportRejected { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Internal(_) | ApiError::Integrity(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Unauthorized => "unauthorized",
            ApiError::Forbidden => "forbidden",
            ApiError::Csrf => "csrf_failed",
            ApiError::NotFound => "not_found",
            ApiError::Conflict(_) => "conflict",
            ApiError::VersionMismatch => "version_mismatch",
            ApiError::Validation { .. } => "validation_failed",
            ApiError::ImportRejected { .. } => "import_rejected",
            ApiError::BadRequest(_) => "bad_request",
            ApiError::PayloadTooLarge { .. } => "payload_too_large",
            ApiError::RateLimited => "rate_limited",
            ApiError::Internal(_) => "internal",
            ApiError::Integrity(_) => "integrity_failed",
            ApiError::ComplianceBlocked(_) => "compliance_blocked",
        }
    }

    pub fn body(self) -> ErrorBody {
        let code = self.code();
        let message = self.to_string();
        let (fields, rows) = match self {
            ApiError::Validation { fields, .. } => (fields, Vec::new()),
            ApiError::ImportRejected { rows, .. } => (Vec::new(), rows),
            _ => (Vec::new(), Vec::new()),
        };
        ErrorBody {
            error: ErrorDetail {
                code,
                message,
                fields,
                rows,
            },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(detail) | ApiError::Integrity(detail) = &self {
            tracing::error!(%detail, "request failed");
        }
        let status = self.status();
        (status, Json(self.body())).into_response()
    }
}

impl From<tradelane_store::StoreError> for ApiError {
    fn from(error: tradelane_store::StoreError) -> Self {
        use tradelane_store::StoreError as E;
        match error {
            E::NotFound { .. } => ApiError::NotFound,
            E::Conflict { .. } => ApiError::Conflict(error.to_string()),
            E::VersionMismatch => ApiError::VersionMismatch,
            E::Invalid(message) => ApiError::Validation {
                message,
                fields: Vec::new(),
            },
            other => ApiError::internal("store", other),
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_do_not_leak_detail() {
        let body = ApiError::internal("store", "UNIQUE constraint failed: skus.code").body();
        let json = serde_json::to_string(&body).unwrap();
        assert!(!json.contains("UNIQUE"), "{json}");
        assert!(json.contains("\"code\":\"internal\""));
    }

    #[test]
    fn validation_shape() {
        let body = ApiError::validation("hs_code", "12ab", "6 to 10 digits").body();
        let json = serde_json::to_value(&body).unwrap();
        assert_eq!(json["error"]["code"], "validation_failed");
        assert_eq!(json["error"]["fields"][0]["field"], "hs_code");
        assert_eq!(json["error"]["fields"][0]["value"], "12ab");
        assert_eq!(json["error"]["fields"][0]["expected"], "6 to 10 digits");
        assert!(json["error"].get("rows").is_none());
    }
}
