//! Password hashing.

use async_trait::async_trait;

use crate::Cause;

/// Hashing failed (bad stored hash, worker pool gone).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("password hashing failed")]
pub struct HashError(#[source] pub Cause);

/// Turns passwords into stored hashes and checks them.
///
/// Adapters MUST do the work off the async worker threads and bound how many
/// hashes run at once.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait PasswordHasher: Send + Sync {
    /// A PHC string for `password`, with a fresh salt.
    async fn hash(&self, password: &str) -> Result<String, HashError>;

    /// True when `password` matches `stored`. With `stored` = `None` the
    /// adapter MUST verify against a dummy hash of the same cost and return
    /// `false`, so an unknown login takes as long as a wrong password.
    async fn verify<'a>(&self, password: &str, stored: Option<&'a str>) -> Result<bool, HashError>;
}
