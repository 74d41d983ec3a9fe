//! Reading and purging the audit trail (it is written by the repositories,
//! in each change's transaction).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use profile_domain::user::UserId;

use super::RepoError;
use crate::model::AuditRecord;

/// The audit trail of every account, deleted ones included.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait AuditLog: Send + Sync {
    /// At most `limit` records of `user`, newest first, strictly older
    /// than the record `before` when it is set.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when the database cannot be reached.
    async fn list(
        &self,
        user: UserId,
        before: Option<i64>,
        limit: u64,
    ) -> Result<Vec<AuditRecord>, RepoError>;

    /// Deletes at most `batch` records made before `cutoff`; returns how
    /// many (fewer than `batch`: none are left).
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] when the database cannot be reached.
    async fn purge_before(&self, cutoff: DateTime<Utc>, batch: u64) -> Result<u64, RepoError>;
}
