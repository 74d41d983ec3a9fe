//! Counting failed logins, shared by every instance.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::RepoError;

/// Failed-login counters per key (an account, a client address) over a
/// sliding window.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait LoginThrottle: Send + Sync {
    /// Failures recorded for `key` since `since`.
    async fn failures(&self, key: &str, since: DateTime<Utc>) -> Result<u32, RepoError>;

    /// Records one failure for each of `keys` at `now`; counts older than
    /// `window_start` are forgotten first.
    async fn record_failure(
        &self,
        keys: &[String],
        now: DateTime<Utc>,
        window_start: DateTime<Utc>,
    ) -> Result<(), RepoError>;

    /// Forgets the failures of `key` (after a successful login).
    async fn clear(&self, key: &str) -> Result<(), RepoError>;
}
