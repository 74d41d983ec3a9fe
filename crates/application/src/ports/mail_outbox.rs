//! The outbox: mail waiting to be sent, kept in the database so that a mail
//! server that is down delays a message instead of losing it or failing the
//! request that wrote it.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

use super::RepoError;
use crate::model::{MailMessage, QueuedMail};

/// Mail waiting to be sent, shared by every instance.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait MailOutbox: Send + Sync {
    /// Queues `message`, due at `now`.
    async fn enqueue(&self, message: &MailMessage, now: DateTime<Utc>) -> Result<(), RepoError>;

    /// Claims at most `limit` messages due at `now` that have not been given
    /// up: each is hidden from other claims until `now + lease`, so that two
    /// instances never send one message at once (a claim that is never
    /// settled is retried after its lease).
    async fn claim(
        &self,
        now: DateTime<Utc>,
        limit: u32,
        lease: Duration,
    ) -> Result<Vec<QueuedMail>, RepoError>;

    /// The message `id` was sent: it leaves the outbox.
    async fn delivered(&self, id: i64) -> Result<(), RepoError>;

    /// The attempt on message `id` failed at `now`, its `attempts`-th; it is
    /// due again at `retry_at`, or given up and kept for the operators when
    /// `retry_at` is `None`. `error` is a short reason without the body.
    async fn failed(
        &self,
        id: i64,
        attempts: u32,
        retry_at: Option<DateTime<Utc>>,
        error: &str,
        now: DateTime<Utc>,
    ) -> Result<(), RepoError>;

    /// Messages still to be sent (not given up).
    async fn pending(&self) -> Result<u64, RepoError>;
}
