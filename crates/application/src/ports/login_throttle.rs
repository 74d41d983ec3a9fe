//! Counting failed logins, shared by every instance.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::RepoError;

/// The recent failures of one key: how many, and when their window began.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureWindow {
    /// Failures counted in the window.
    pub failures: u32,
    /// The first failure of the window; it ends one policy window later.
    pub started_at: DateTime<Utc>,
}

/// Failed-login counters per key (an account, a client address) over a
/// sliding window.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait LoginThrottle: Send + Sync {
    /// The failures of `key` in a window that began at `since` or later;
    /// `None` when there are none.
    async fn failures(&self, key: &str, since: DateTime<Utc>) -> Result<Option<FailureWindow>, RepoError>;

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
