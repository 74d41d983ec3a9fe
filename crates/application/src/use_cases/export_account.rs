//! Exporting everything the service holds about an account, for its owner.

use std::sync::Arc;

use profile_domain::user::UserRef;

use crate::AppError;
use crate::model::{AccountExport, Caller};
use crate::ports::{Clock, ProfileReader, SessionRepository};
use crate::use_cases::get_profile::view;

/// The caller's own data as one record: the profile (private fields,
/// annotations, images with every size and alt text) and the sessions.
#[derive(Clone)]
pub struct ExportAccount {
    profiles: Arc<dyn ProfileReader>,
    sessions: Arc<dyn SessionRepository>,
    clock: Arc<dyn Clock>,
}

impl ExportAccount {
    /// Wires the use case.
    pub fn new(
        profiles: Arc<dyn ProfileReader>,
        sessions: Arc<dyn SessionRepository>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self { profiles, sessions, clock }
    }

    /// What the service holds about the caller's own account: never
    /// another's, and never a token, a token digest or the password hash.
    ///
    /// # Errors
    /// [`AppError::NotFound`] when the account is gone (deleted while its
    /// token was still cached), and the repositories' failures.
    #[tracing::instrument(name = "export_account", skip_all, fields(caller = %caller.user_id))]
    pub async fn execute(&self, caller: &Caller) -> Result<AccountExport, AppError> {
        let now = self.clock.now();
        let stored = self.profiles.find(&UserRef::Id(caller.user_id)).await?.ok_or(AppError::NotFound)?;
        let profile = view(self.profiles.as_ref(), stored, Some(caller)).await?;
        let sessions = self.sessions.list(caller.user_id, &caller.token_digest, now).await?;
        Ok(AccountExport { profile, sessions, exported_at: now })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{SessionInfo, StoredProfile, TokenDigest};
    use crate::ports::RepoError;
    use crate::ports::profile_reader::MockProfileReader;
    use crate::ports::session_repository::MockSessionRepository;
    use crate::use_cases::test_support::{fixed_clock, noon};
    use profile_domain::account::{Email, Username};
    use profile_domain::profile::{BankAccount, Profile};
    use profile_domain::user::{Role, UserId};

    fn caller() -> Caller {
        let role = Role::new(1, "user", Default::default());
        Caller {
            user_id: UserId(7),
            role,
            token_digest: TokenDigest("digest-of-this-request".into()),
            request_id: None,
        }
    }

    fn alice() -> StoredProfile {
        let mut parts = Profile::new(
            UserId(7),
            Username::try_from("alice").unwrap(),
            Email::try_from("alice@example.com").unwrap(),
            Role::new(1, "user", Default::default()),
            noon(),
        )
        .into_parts();
        parts.bank_account = Some(BankAccount::restore("DE89370400440532013000".into()));
        StoredProfile::without_images(Profile::restore(parts))
    }

    fn session(id: i64, current: bool) -> SessionInfo {
        SessionInfo {
            id,
            created_at: noon(),
            last_used_at: noon(),
            expires_at: noon() + chrono::Duration::days(30),
            user_agent: Some("curl/8.0".into()),
            current,
        }
    }

    fn reading_alice() -> MockProfileReader {
        let mut profiles = MockProfileReader::new();
        profiles
            .expect_find()
            .withf(|who| *who == UserRef::Id(UserId(7)))
            .times(1)
            .returning(|_| Ok(Some(alice())));
        profiles
    }

    #[tokio::test]
    async fn the_export_holds_the_private_fields_and_the_callers_sessions() {
        let mut sessions = MockSessionRepository::new();
        sessions
            .expect_list()
            .withf(|user, current, now| {
                *user == UserId(7) && current.0 == "digest-of-this-request" && *now == noon()
            })
            .times(1)
            .returning(|_, _, _| Ok(vec![session(1, false), session(2, true)]));
        let use_case = ExportAccount::new(Arc::new(reading_alice()), Arc::new(sessions), fixed_clock());

        let export = use_case.execute(&caller()).await.unwrap();

        assert_eq!(export.profile.profile.email().map(Email::as_str), Some("alice@example.com"));
        assert_eq!(
            export.profile.profile.bank_account().and_then(Option::as_ref).map(BankAccount::as_str),
            Some("DE89370400440532013000")
        );
        assert_eq!(export.sessions, [session(1, false), session(2, true)]);
        assert_eq!(export.exported_at, noon());
    }

    #[tokio::test]
    async fn an_account_gone_since_its_token_was_checked_is_not_found() {
        let mut profiles = MockProfileReader::new();
        profiles.expect_find().returning(|_| Ok(None));
        let mut sessions = MockSessionRepository::new();
        sessions.expect_list().never();
        let use_case = ExportAccount::new(Arc::new(profiles), Arc::new(sessions), fixed_clock());

        assert!(matches!(use_case.execute(&caller()).await, Err(AppError::NotFound)));
    }

    #[tokio::test]
    async fn a_session_store_that_fails_fails_the_export() {
        let mut sessions = MockSessionRepository::new();
        sessions.expect_list().returning(|_, _, _| Err(RepoError::Unavailable("down".into())));
        let use_case = ExportAccount::new(Arc::new(reading_alice()), Arc::new(sessions), fixed_clock());

        assert!(matches!(use_case.execute(&caller()).await, Err(AppError::Unavailable(_))));
    }
}
