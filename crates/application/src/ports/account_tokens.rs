//! Single-use account tokens (password reset, email verification, email
//! change), stored only as digests.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::RepoError;
use crate::model::{AccountToken, ChangeOrigin, MailMessage, NewAccountToken, TokenDigest, TokenPurpose};

/// Where account tokens live; shared by every instance.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait AccountTokenRepository: Send + Sync {
    /// Stores `token` and queues `mails` (the first carries its secret; the
    /// others are notices that go with it) in the outbox, in one
    /// transaction: either all happen or none.
    ///
    /// # Errors
    /// [`RepoError::NotFound`] when the account does not exist (any more).
    async fn issue(&self, token: &NewAccountToken, mails: &[MailMessage]) -> Result<(), RepoError>;

    /// The token with `digest` for `purpose` when it exists, is unused and
    /// has not expired at `now`.
    async fn find_usable(
        &self,
        digest: &TokenDigest,
        purpose: TokenPurpose,
        now: DateTime<Utc>,
    ) -> Result<Option<AccountToken>, RepoError>;

    /// Redeems the password-reset `token`: in one transaction it is marked
    /// used (with every other reset token of the account), the account's
    /// password hash becomes `hash`, and every session of the account is
    /// revoked on every instance; with the audit record (by `origin`) and
    /// the `user.password_changed` event.
    ///
    /// # Errors
    /// [`RepoError::NotFound`] when the token is no longer usable at `now`
    /// (used meanwhile, expired) or the account is gone; nothing changes.
    async fn reset_password(
        &self,
        token: &AccountToken,
        hash: &str,
        now: DateTime<Utc>,
        origin: &ChangeOrigin,
    ) -> Result<(), RepoError>;

    /// Redeems the email-verification `token`: in one transaction it is
    /// marked used (with every other verification token of the account) and
    /// the account's address is marked verified at `now` (its version
    /// bumped), provided the address is still the one the token was mailed
    /// to (the token's payload, lower-case); with the audit record (by
    /// `origin`) and the `user.email_verified` event.
    ///
    /// # Errors
    /// [`RepoError::NotFound`] when the token is no longer usable at `now`,
    /// the account is gone or its address changed since; nothing changes.
    async fn verify_email(
        &self,
        token: &AccountToken,
        now: DateTime<Utc>,
        origin: &ChangeOrigin,
    ) -> Result<(), RepoError>;

    /// Redeems the email-change `token`: in one transaction it is marked
    /// used (with every other verification and change token of the
    /// account), the account's address becomes the token's payload,
    /// verified at `now` (its version bumped); with the audit record (by
    /// `origin`) and the `user.email_changed` event.
    ///
    /// # Errors
    /// [`RepoError::NotFound`] when the token is no longer usable at `now`
    /// or the account is gone; [`RepoError::Duplicate`] (`email`) when the
    /// address was taken meanwhile; nothing changes.
    async fn change_email(
        &self,
        token: &AccountToken,
        now: DateTime<Utc>,
        origin: &ChangeOrigin,
    ) -> Result<(), RepoError>;

    /// Deletes every token that expired, or was used, before `now`; returns how many.
    async fn purge_expired(&self, now: DateTime<Utc>) -> Result<u64, RepoError>;
}
