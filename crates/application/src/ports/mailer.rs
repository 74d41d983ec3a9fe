//! Sending mail.

use async_trait::async_trait;

use crate::Cause;
use crate::model::MailMessage;

/// Why a mail was not sent.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The mail server cannot be reached or refused for now; a later
    /// attempt may succeed.
    #[error("mail transport unavailable")]
    Transient(#[source] Cause),
    /// The message can never be sent as it is (a malformed address, a
    /// permanent refusal).
    #[error("mail refused")]
    Permanent(#[source] Cause),
}

/// Hands one message to a mail transport. Only the outbox drain calls it:
/// no request ever waits on a mail server.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Mailer: Send + Sync {
    /// Sends `message` (plain text and HTML alternatives) to its recipient.
    ///
    /// Adapters MUST NOT log the bodies: they carry single-use links.
    ///
    /// # Errors
    /// [`MailError::Transient`] when a retry may succeed, otherwise
    /// [`MailError::Permanent`].
    async fn send(&self, message: &MailMessage) -> Result<(), MailError>;
}
