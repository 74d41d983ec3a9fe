//! Counting attempts per key (failed logins, sign-ups, renames) over a
//! window, shared by every instance.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::RepoError;

/// The recent attempts of one key: how many, when their window began and
/// when the latest one was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptWindow {
    /// Attempts counted in the window.
    pub count: u32,
    /// The first attempt of the window; it ends one policy window later.
    pub started_at: DateTime<Utc>,
    /// The latest attempt.
    pub last_at: DateTime<Utc>,
}

/// Attempt counters per key over fixed windows that start at a key's first
/// attempt.
///
/// Keys are whatever the use cases make of untrusted input (a login as
/// typed, a client address), of any length: adapters MUST store them in a
/// bounded size (a digest), so that no client can make a counter larger
/// than any other.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait RateLimiter: Send + Sync {
    /// The window of each of `keys` that began at `since` or later (`None`
    /// for a key with none), in the order of `keys`, read together.
    async fn windows(
        &self,
        keys: &[String],
        since: DateTime<Utc>,
    ) -> Result<Vec<Option<AttemptWindow>>, RepoError>;

    /// Counts one attempt for each of `keys` at `now`; a window that began
    /// before `window_start` starts again.
    async fn record(
        &self,
        keys: &[String],
        now: DateTime<Utc>,
        window_start: DateTime<Utc>,
    ) -> Result<(), RepoError>;

    /// Forgets the attempts of `key`.
    async fn clear(&self, key: &str) -> Result<(), RepoError>;

    /// Forgets every window that began before `before`; returns how many.
    async fn purge(&self, before: DateTime<Utc>) -> Result<u64, RepoError>;
}
