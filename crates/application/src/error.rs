//! Application errors: what went wrong, named for what happened, never how.

use profile_domain::profile::Version;
use profile_domain::{FieldError, ValidationErrors};

use crate::Cause;
use crate::ports::{HashError, MediaError, RepoError};

/// The outcome of a use case that did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The input broke one or more rules; every broken rule is listed.
    #[error("validation failed: {0}")]
    Validation(ValidationErrors),
    /// Login and password did not match an account (deliberately vague).
    #[error("invalid login or password")]
    InvalidCredentials,
    /// No valid token was presented.
    #[error("authentication required")]
    Unauthenticated,
    /// The caller may not do this.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The named user does not exist.
    #[error("user not found")]
    NotFound,
    /// A unique value (username, email) is already taken.
    #[error("{field} is already taken")]
    Duplicate {
        /// The input field whose value is taken.
        field: String,
    },
    /// The caller's precondition names no version that is current.
    #[error("the resource is not at the version the precondition names")]
    VersionConflict {
        /// The version the caller expected, when its precondition named one
        /// of ours (it may name only tags that are not versions).
        expected: Option<Version>,
    },
    /// The change would leave no account holding `users.manage`.
    #[error("the last account holding users.manage cannot lose it")]
    LastManager,
    /// An administrator tried to suspend their own account.
    #[error("an administrator cannot suspend themselves")]
    SelfSuspension,
    /// Too many failed attempts; retry after the given number of seconds.
    #[error("too many attempts; retry in {retry_after} s")]
    TooManyAttempts {
        /// Seconds until the window frees up.
        retry_after: u64,
    },
    /// An account token (a reset link) that is unknown, expired or used up;
    /// the three are deliberately not told apart.
    #[error("invalid or expired token")]
    InvalidToken,
    /// The upload is not of a supported media type.
    #[error("unsupported media type: {0}")]
    UnsupportedMedia(String),
    /// A dependency (the database, the media store) cannot be reached;
    /// retrying may help. The cause is for logs only.
    #[error("service unavailable")]
    Unavailable(#[source] Cause),
    /// Anything else: a bug or a broken invariant. The cause is for logs only.
    #[error("internal error")]
    Internal(#[source] Cause),
}

impl From<ValidationErrors> for AppError {
    fn from(errors: ValidationErrors) -> Self {
        AppError::Validation(errors)
    }
}

impl From<FieldError> for AppError {
    fn from(error: FieldError) -> Self {
        AppError::Validation(error.into())
    }
}

impl From<RepoError> for AppError {
    fn from(error: RepoError) -> Self {
        match error {
            RepoError::Duplicate { field } => AppError::Duplicate { field },
            RepoError::VersionConflict { expected } => {
                AppError::VersionConflict { expected: Some(Version(expected)) }
            }
            RepoError::NotFound => AppError::NotFound,
            RepoError::LastManager => AppError::LastManager,
            error @ (RepoError::Unavailable(_) | RepoError::Other(_)) => {
                let unavailable = matches!(error, RepoError::Unavailable(_));
                let cause = Cause::new(error);
                if unavailable { AppError::Unavailable(cause) } else { AppError::Internal(cause) }
            }
        }
    }
}

impl From<HashError> for AppError {
    fn from(error: HashError) -> Self {
        AppError::Internal(Cause::new(error))
    }
}

impl From<MediaError> for AppError {
    fn from(error: MediaError) -> Self {
        // The answer says only "unavailable" or "internal"; the chain goes to the log.
        match error {
            MediaError::Unavailable { .. } => AppError::Unavailable(Cause::new(error)),
            MediaError::Other(_) => AppError::Internal(Cause::new(error)),
        }
    }
}
