//! Readiness of the service's dependencies.

use async_trait::async_trait;

/// Tells whether the service can do its work now.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait HealthCheck: Send + Sync {
    /// True when the database answers.
    async fn ready(&self) -> bool;
}
