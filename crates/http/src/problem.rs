//! Errors as RFC 9457 `application/problem+json`, the one place application
//! errors become HTTP responses.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use profile_application::{AppError, Chain};
use profile_domain::{FieldCode, FieldError};
use serde::Serialize;

use crate::error_code::ErrorCode;

/// Media type of problem documents.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// One broken rule of a validation problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldProblem {
    /// JSON path of the field (`description.text`, `annotations[3].value`).
    pub field: String,
    /// Stable code (see docs/errors.md).
    pub code: String,
    /// Explanation for people.
    pub message: String,
}

impl From<&FieldError> for FieldProblem {
    fn from(error: &FieldError) -> Self {
        Self {
            field: error.field.to_string(),
            code: error.code.as_str().to_owned(),
            message: error.message.to_string(),
        }
    }
}

/// An error response: status, stable code, explanation, and for validation
/// every broken rule. Dialects turn the same value into their own envelopes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status: the code's, except for an error known only by a status
    /// that has no code of its own ([`ErrorCode::for_status`]).
    pub status: StatusCode,
    /// Stable machine-readable code (`validation_failed`, `not_found`, …).
    pub code: ErrorCode,
    /// Explanation for people; never internals.
    pub detail: String,
    /// Broken rules, for `validation_failed`.
    pub errors: Vec<FieldProblem>,
    /// Seconds to wait before retrying (429, 503).
    pub retry_after: Option<u64>,
    /// The methods a 405's resource supports (`Allow`).
    pub allow: Option<&'static str>,
}

impl ApiError {
    /// An error with `code` (and its status), with no field list.
    pub fn new(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self {
            status: code.status(),
            code,
            detail: detail.into(),
            errors: Vec::new(),
            retry_after: None,
            allow: None,
        }
    }

    /// An error known only by its status (an error response something other
    /// than our code made), with the status phrase as its explanation.
    pub fn for_status(status: StatusCode) -> Self {
        Self {
            status,
            ..Self::new(ErrorCode::for_status(status), status.canonical_reason().unwrap_or("Error"))
        }
    }

    /// 422 listing `errors`.
    pub fn validation<'a>(errors: impl IntoIterator<Item = &'a FieldError>) -> Self {
        Self {
            errors: errors.into_iter().map(FieldProblem::from).collect(),
            ..Self::new(ErrorCode::ValidationFailed, "The request has invalid fields.")
        }
    }

    /// 401 for a missing, unknown, expired or revoked token.
    pub fn unauthenticated() -> Self {
        Self::new(
            ErrorCode::Unauthenticated,
            "A valid token is required: send `Authorization: Bearer <token>`.",
        )
    }

    /// 404 for a route or user that does not exist.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, detail)
    }

    /// 404 for a path whose parameters cannot name anything.
    pub fn not_found_path(_error: &impl std::fmt::Display) -> Self {
        Self::not_found("No resource matches this path.")
    }

    /// 400 for an unparseable query string.
    pub fn bad_query(error: &impl std::fmt::Display) -> Self {
        Self::new(ErrorCode::InvalidQuery, format!("The query string is invalid: {error}"))
    }

    /// 408 for a body that stalled or took too long; the connection is closed.
    pub fn body_timeout() -> Self {
        Self::new(
            ErrorCode::RequestTimeout,
            "The request body did not arrive in time; send it again without pausing.",
        )
    }

    /// 405 for a known path with an unsupported method; `allow` lists the
    /// supported ones (`GET, PUT`).
    pub fn method_not_allowed(allow: Option<&'static str>) -> Self {
        Self { allow, ..Self::new(ErrorCode::MethodNotAllowed, "This method is not supported here.") }
    }

    /// Human title of the status.
    pub fn title(&self) -> &'static str {
        if self.status == self.code.status() {
            self.code.title()
        } else {
            self.status.canonical_reason().unwrap_or("Error")
        }
    }
}

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        match error {
            AppError::Validation(errors) => Self::validation(errors.errors()),
            AppError::InvalidCredentials => {
                Self::new(ErrorCode::InvalidCredentials, "The login or the password is wrong.")
            }
            AppError::Unauthenticated => Self::unauthenticated(),
            AppError::Forbidden(what) => Self::new(ErrorCode::Forbidden, format!("You may not {what}.")),
            AppError::NotFound => Self::not_found("No such user."),
            AppError::Duplicate { field } => Self {
                errors: vec![FieldProblem {
                    field: field.clone(),
                    code: FieldCode::Taken.as_str().to_owned(),
                    message: format!("This {field} is already taken."),
                }],
                ..Self::new(ErrorCode::Duplicate, format!("The {field} is already taken."))
            },
            AppError::VersionConflict { expected } => Self::new(
                ErrorCode::VersionConflict,
                match expected {
                    None => "No current version matches If-Match; fetch the resource again.".to_owned(),
                    Some(expected) => {
                        format!("The resource is no longer at version {expected}; fetch it again.")
                    }
                },
            ),
            AppError::SelfSuspension => {
                Self::new(ErrorCode::SelfSuspension, "Administrators cannot suspend their own account.")
            }
            AppError::LastManager => Self::new(
                ErrorCode::LastManager,
                "This is the last account holding users.manage: give the privilege to another account first.",
            ),
            AppError::TooManyAttempts { retry_after } => Self {
                retry_after: Some(retry_after),
                ..Self::new(ErrorCode::TooManyRequests, "Too many failed attempts; try again later.")
            },
            AppError::InvalidToken => Self::new(
                ErrorCode::InvalidToken,
                "This link is unknown, expired or already used; ask for a new one.",
            ),
            AppError::UnsupportedMedia(detail) => Self::new(ErrorCode::UnsupportedMediaType, detail),
            AppError::Unavailable(_) => {
                tracing::warn!(error = %Chain(&error), "a dependency is unavailable");
                Self {
                    retry_after: Some(5),
                    ..Self::new(
                        ErrorCode::Unavailable,
                        "The service cannot reach its database or media store; try again shortly.",
                    )
                }
            }
            AppError::Internal(_) => {
                tracing::error!(error = %Chain(&error), "internal error");
                Self::new(ErrorCode::Internal, "Something went wrong on our side.")
            }
        }
    }
}

#[derive(Serialize)]
struct ProblemBody<'a> {
    #[serde(rename = "type")]
    kind: String,
    title: &'a str,
    status: u16,
    detail: &'a str,
    code: &'a str,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    errors: &'a [FieldProblem],
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.detail)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let body = ProblemBody {
            kind: self.code.problem_type(),
            title: self.title(),
            status: self.status.as_u16(),
            detail: &self.detail,
            code: self.code.as_str(),
            errors: &self.errors,
        };
        let mut response = HttpResponse::build(self.status);
        response.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)));
        if self.status == StatusCode::UNAUTHORIZED {
            response.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")));
        }
        if let Some(allow) = self.allow {
            response.insert_header((header::ALLOW, allow));
        }
        if let Some(seconds) = self.retry_after {
            response.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        if self.status == StatusCode::REQUEST_TIMEOUT {
            // What is left of the body will never be read: the connection cannot be reused.
            response.force_close();
        }
        response.body(serde_json::to_string(&body).unwrap_or_default())
    }
}
