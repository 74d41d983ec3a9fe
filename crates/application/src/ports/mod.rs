//! Ports: what the use cases need from the outside world, as traits named
//! for their role. Each trait's documentation is the contract every adapter
//! keeps, errors included.

pub mod account_repository;
pub mod account_tokens;
pub mod audit_log;
pub mod clock;
pub mod health;
pub mod image_processor;
pub mod mail_outbox;
pub mod mailer;
pub mod media_store;
pub mod password_hasher;
pub mod profile_reader;
pub mod profile_writer;
pub mod rate_limiter;
pub mod session_repository;
pub mod token_issuer;
pub mod user_directory;
pub mod webhooks;

pub use account_repository::AccountRepository;
pub use account_tokens::AccountTokenRepository;
pub use audit_log::AuditLog;
pub use clock::Clock;
pub use health::HealthCheck;
pub use image_processor::{ImageError, ImageProcessor};
pub use mail_outbox::MailOutbox;
pub use mailer::{MailError, Mailer};
pub use media_store::{MediaError, MediaStore};
pub use password_hasher::{HashError, PasswordHasher};
pub use profile_reader::ProfileReader;
pub use profile_writer::{Editor, ProfileEditor, ProfileWriter};
pub use rate_limiter::{AttemptWindow, RateLimiter};
pub use session_repository::SessionRepository;
pub use token_issuer::TokenIssuer;
pub use user_directory::UserDirectory;
pub use webhooks::{WebhookSender, WebhookStore};

use crate::Cause;

/// Failure of a repository adapter.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RepoError {
    /// A unique value is taken; `field` is the input field name
    /// (`username`, `email`).
    #[error("duplicate {field}")]
    Duplicate {
        /// Field whose value is taken.
        field: String,
    },
    /// The stored version was not the expected one; nothing was changed.
    #[error("version conflict (expected {expected})")]
    VersionConflict {
        /// The version the caller expected.
        expected: i64,
    },
    /// The record to change does not exist.
    #[error("not found")]
    NotFound,
    /// The change would leave no account holding `users.manage`; nothing
    /// was changed.
    #[error("the last account holding users.manage")]
    LastManager,
    /// The database cannot be reached.
    #[error("database unavailable")]
    Unavailable(#[source] Cause),
    /// Any other storage failure (for logs, never for clients).
    #[error("storage error")]
    Other(#[source] Cause),
}
