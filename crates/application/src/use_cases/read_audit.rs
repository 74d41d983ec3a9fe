//! Reading an account's audit trail, and forgetting records past retention.

use std::sync::Arc;

use chrono::Duration;
use profile_domain::user::{Privilege, UserId, UserRef};

use crate::AppError;
use crate::model::{AuditPage, Caller};
use crate::ports::{AuditLog, Clock, ProfileReader};

/// How many records one purge statement deletes at most.
const PURGE_BATCH: u64 = 1000;

/// The audit trail of an account: its owner reads their own, holders of
/// `users.manage` anyone's, deleted accounts' included (by id).
#[derive(Clone)]
pub struct ReadAudit {
    log: Arc<dyn AuditLog>,
    profiles: Arc<dyn ProfileReader>,
    clock: Arc<dyn Clock>,
    retention: Duration,
}

impl ReadAudit {
    /// Wires the use case; records older than `retention` are purged.
    pub fn new(
        log: Arc<dyn AuditLog>,
        profiles: Arc<dyn ProfileReader>,
        clock: Arc<dyn Clock>,
        retention: Duration,
    ) -> Self {
        Self { log, profiles, clock, retention }
    }

    /// At most `limit` records of `who`, newest first, older than the
    /// record `before` when it is set, and the cursor of the next page.
    ///
    /// # Errors
    /// [`AppError::NotFound`] when the caller may not read `who`'s trail
    /// (it is neither theirs nor do they hold `users.manage`) or no such
    /// user exists (an administrator reads a deleted account's by id).
    #[tracing::instrument(level = "debug", name = "read_audit", skip_all, fields(caller = caller.user_id.0, target = %who))]
    pub async fn execute(
        &self,
        caller: &Caller,
        who: &UserRef,
        before: Option<i64>,
        limit: u16,
    ) -> Result<AuditPage, AppError> {
        let user = self.target(caller, who).await?;
        let limit = u64::from(limit);
        let mut records = self.log.list(user, before, limit + 1).await?;
        let next_cursor = if records.len() as u64 > limit {
            records.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
            records.last().map(|r| r.id)
        } else {
            None
        };
        Ok(AuditPage { records, next_cursor })
    }

    /// Deletes the records older than the retention, in batches; returns how many.
    ///
    /// # Errors
    /// [`AppError::Unavailable`] when the database cannot be reached.
    #[tracing::instrument(name = "purge_audit", skip_all)]
    pub async fn purge(&self) -> Result<u64, AppError> {
        let cutoff = self.clock.now() - self.retention;
        let mut purged = 0;
        loop {
            let deleted = self.log.purge_before(cutoff, PURGE_BATCH).await?;
            purged += deleted;
            if deleted < PURGE_BATCH {
                return Ok(purged);
            }
        }
    }

    async fn target(&self, caller: &Caller, who: &UserRef) -> Result<UserId, AppError> {
        let who = who.resolve_me(Some(caller.user_id)).ok_or(AppError::NotFound)?;
        let manager = caller.can(Privilege::ManageUsers);
        let user = match who {
            UserRef::Id(id) => id,
            named => self.profiles.find(&named).await?.ok_or(AppError::NotFound)?.profile.id(),
        };
        if user == caller.user_id || manager { Ok(user) } else { Err(AppError::NotFound) }
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use profile_domain::profile::FieldChange;

    use super::*;
    use crate::model::AuditRecord;
    use crate::ports::audit_log::MockAuditLog;
    use crate::ports::profile_reader::MockProfileReader;
    use crate::use_cases::test_support::{alice_caller, fixed_clock, noon};

    fn record(id: i64) -> AuditRecord {
        AuditRecord {
            id,
            user_id: UserId(1),
            actor_kind: "user".into(),
            actor_id: Some(UserId(1)),
            request_id: None,
            action: "profile.updated".into(),
            changes: vec![FieldChange::private("birthdate")],
            created_at: Utc::now(),
        }
    }

    fn read(log: MockAuditLog) -> ReadAudit {
        ReadAudit::new(Arc::new(log), Arc::new(MockProfileReader::new()), fixed_clock(), Duration::days(365))
    }

    #[tokio::test]
    async fn the_owner_reads_a_page_and_the_cursor_of_the_next() {
        let caller = alice_caller();
        let me = caller.user_id;
        let mut log = MockAuditLog::new();
        log.expect_list()
            .withf(move |user, before, limit| *user == me && *before == Some(9) && *limit == 3)
            .returning(|_, _, _| Ok(vec![record(8), record(7), record(6)]));
        let page = read(log).execute(&caller, &UserRef::Me, Some(9), 2).await.unwrap();
        assert_eq!(page.records.iter().map(|r| r.id).collect::<Vec<_>>(), [8, 7]);
        assert_eq!(page.next_cursor, Some(7));
    }

    #[tokio::test]
    async fn another_account_s_trail_is_not_found_without_users_manage() {
        let result =
            read(MockAuditLog::new()).execute(&alice_caller(), &UserRef::Id(UserId(99)), None, 20).await;
        assert!(matches!(result, Err(AppError::NotFound)));
    }

    #[tokio::test]
    async fn the_purge_deletes_in_batches_until_a_short_one() {
        let mut log = MockAuditLog::new();
        let mut left = vec![3, PURGE_BATCH];
        log.expect_purge_before()
            .withf(|cutoff, _| *cutoff == noon() - Duration::days(365))
            .times(2)
            .returning(move |_, _| Ok(left.pop().unwrap_or(0)));
        assert_eq!(read(log).purge().await.unwrap(), PURGE_BATCH + 3);
    }
}
