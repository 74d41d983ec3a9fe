//! Suspending an account, reading its suspension and lifting it.

use std::sync::Arc;

use profile_domain::user::{Privilege, UserRef};

use crate::AppError;
use crate::model::{Caller, Suspension, SuspensionReason};
use crate::ports::{Clock, ProfileReader, UserDirectory};

/// Administrators (`users.manage`) keep an account out: it cannot log in,
/// its sessions end at once, and its profile is hidden from everyone else.
#[derive(Clone)]
pub struct SuspendAccount {
    directory: Arc<dyn UserDirectory>,
    profiles: Arc<dyn ProfileReader>,
    clock: Arc<dyn Clock>,
}

impl SuspendAccount {
    /// Wires the use case.
    pub fn new(
        directory: Arc<dyn UserDirectory>,
        profiles: Arc<dyn ProfileReader>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self { directory, profiles, clock }
    }

    /// Suspends `who` for `reason`; returns the suspension in force and
    /// whether this call made it (an account suspended already keeps its
    /// suspension).
    ///
    /// # Errors
    /// [`AppError::Forbidden`] without `users.manage`; [`AppError::NotFound`]
    /// when no such user exists; [`AppError::SelfSuspension`] when `who` is
    /// the caller.
    #[tracing::instrument(level = "debug", name = "suspend_account", skip_all, fields(caller = caller.user_id.0, target = %who))]
    pub async fn execute(
        &self,
        caller: &Caller,
        who: &UserRef,
        reason: SuspensionReason,
    ) -> Result<(Suspension, bool), AppError> {
        let user = self.target(caller, who).await?;
        if user == caller.user_id {
            return Err(AppError::SelfSuspension);
        }
        let suspension = Suspension { reason, suspended_at: self.clock.now(), suspended_by: caller.user_id };
        Ok(self.directory.suspend(user, &suspension, &caller.origin()).await?)
    }

    /// The suspension of `who`.
    ///
    /// # Errors
    /// [`AppError::Forbidden`] without `users.manage`; [`AppError::NotFound`]
    /// when no such user exists or it is not suspended.
    pub async fn find(&self, caller: &Caller, who: &UserRef) -> Result<Suspension, AppError> {
        Self::authorize(caller)?;
        let who = who.resolve_me(Some(caller.user_id)).ok_or(AppError::NotFound)?;
        let stored = self.profiles.find(&who).await?.ok_or(AppError::NotFound)?;
        stored.suspension.ok_or(AppError::NotFound)
    }

    /// Lifts the suspension of `who`; lifting one that is not there is not
    /// an error.
    ///
    /// # Errors
    /// [`AppError::Forbidden`] without `users.manage`; [`AppError::NotFound`]
    /// when no such user exists.
    #[tracing::instrument(level = "debug", name = "lift_suspension", skip_all, fields(caller = caller.user_id.0, target = %who))]
    pub async fn lift(&self, caller: &Caller, who: &UserRef) -> Result<(), AppError> {
        let user = self.target(caller, who).await?;
        self.directory.lift(user, self.clock.now(), &caller.origin()).await?;
        Ok(())
    }

    fn authorize(caller: &Caller) -> Result<(), AppError> {
        if caller.can(Privilege::ManageUsers) {
            Ok(())
        } else {
            Err(AppError::Forbidden("manage users".into()))
        }
    }

    async fn target(&self, caller: &Caller, who: &UserRef) -> Result<profile_domain::user::UserId, AppError> {
        Self::authorize(caller)?;
        match who.resolve_me(Some(caller.user_id)).ok_or(AppError::NotFound)? {
            UserRef::Id(id) => Ok(id),
            named => Ok(self.profiles.find(&named).await?.ok_or(AppError::NotFound)?.profile.id()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TokenDigest;
    use crate::ports::profile_reader::MockProfileReader;
    use crate::ports::user_directory::MockUserDirectory;
    use crate::use_cases::test_support::{fixed_clock, noon};
    use profile_domain::user::{Role, UserId};

    fn admin() -> Caller {
        Caller {
            user_id: UserId(1),
            role: Role::new(2, "admin", [Privilege::ManageUsers].into_iter().collect()),
            token_digest: TokenDigest("t".into()),
            request_id: None,
        }
    }

    fn suspend(directory: MockUserDirectory) -> SuspendAccount {
        SuspendAccount::new(Arc::new(directory), Arc::new(MockProfileReader::new()), fixed_clock())
    }

    fn reason() -> SuspensionReason {
        SuspensionReason::try_from("spam").unwrap()
    }

    #[tokio::test]
    async fn an_administrator_cannot_suspend_themselves_and_nothing_is_stored() {
        let result =
            suspend(MockUserDirectory::new()).execute(&admin(), &UserRef::Id(UserId(1)), reason()).await;
        assert!(matches!(result, Err(AppError::SelfSuspension)));
        let result = suspend(MockUserDirectory::new()).execute(&admin(), &UserRef::Me, reason()).await;
        assert!(matches!(result, Err(AppError::SelfSuspension)));
    }

    #[tokio::test]
    async fn without_users_manage_nothing_is_stored() {
        let mut caller = admin();
        caller.role = Role::new(1, "user", Default::default());
        let result =
            suspend(MockUserDirectory::new()).execute(&caller, &UserRef::Id(UserId(2)), reason()).await;
        assert!(matches!(result, Err(AppError::Forbidden(_))));
        let result = suspend(MockUserDirectory::new()).lift(&caller, &UserRef::Id(UserId(2))).await;
        assert!(matches!(result, Err(AppError::Forbidden(_))));
    }

    #[tokio::test]
    async fn a_suspension_is_stored_with_the_time_and_the_administrator() {
        let mut directory = MockUserDirectory::new();
        directory
            .expect_suspend()
            .withf(|user, s, _| {
                *user == UserId(2)
                    && s.suspended_by == UserId(1)
                    && s.suspended_at == noon()
                    && s.reason.as_str() == "spam"
            })
            .times(1)
            .returning(|_, s, _| Ok((s.clone(), true)));

        let (suspension, created) =
            suspend(directory).execute(&admin(), &UserRef::Id(UserId(2)), reason()).await.unwrap();

        assert!(created);
        assert_eq!(suspension.suspended_by, UserId(1));
    }

    #[test]
    fn a_reason_has_one_to_five_hundred_characters() {
        for (raw, ok) in
            [("", false), ("   ", false), ("x", true), (&"é".repeat(500), true), (&"é".repeat(501), false)]
        {
            assert_eq!(SuspensionReason::try_from(raw).is_ok(), ok, "{} chars", raw.chars().count());
        }
    }
}
