//! Deleting an account: one's own with the password, or anyone's with
//! `users.manage`.

use std::sync::Arc;

use chrono::Duration;
use profile_domain::user::{Privilege, UserId, UserRef};
use profile_domain::{FieldCode, FieldError};

use crate::model::Caller;
use crate::ports::{AccountRepository, Clock, MediaStore, PasswordHasher, ProfileReader};
use crate::{AppError, Chain};

/// Which account to delete, and the password when it is the caller's own.
#[derive(Clone, PartialEq, Eq)]
pub struct DeleteAccountCommand {
    /// `me`, an id or a username.
    pub target: UserRef,
    /// Required when the target is the caller; ignored otherwise.
    pub current_password: Option<String>,
}

impl std::fmt::Debug for DeleteAccountCommand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeleteAccountCommand").field("target", &self.target).finish_non_exhaustive()
    }
}

/// Deletes an account with everything it holds, retires its username and
/// removes its image files after the commit.
#[derive(Clone)]
pub struct DeleteAccount {
    profiles: Arc<dyn ProfileReader>,
    accounts: Arc<dyn AccountRepository>,
    hasher: Arc<dyn PasswordHasher>,
    media: Arc<dyn MediaStore>,
    clock: Arc<dyn Clock>,
    username_cooldown: Duration,
}

impl DeleteAccount {
    /// Usernames of deleted accounts stay unclaimable for `username_cooldown`.
    pub fn new(
        profiles: Arc<dyn ProfileReader>,
        accounts: Arc<dyn AccountRepository>,
        hasher: Arc<dyn PasswordHasher>,
        media: Arc<dyn MediaStore>,
        clock: Arc<dyn Clock>,
        username_cooldown: Duration,
    ) -> Self {
        Self { profiles, accounts, hasher, media, clock, username_cooldown }
    }

    /// Deletes `command.target`. The caller's own account (named `me`, by
    /// id or by username) needs their current password; another's needs
    /// `users.manage`.
    ///
    /// # Errors
    /// [`AppError::Validation`] naming `current_password` (`required` or
    /// `incorrect_password`, as a password change answers) and nothing
    /// deleted; [`AppError::Forbidden`] for another's account without
    /// `users.manage`; [`AppError::NotFound`] for an unknown account (to a
    /// caller allowed to delete it); [`AppError::LastManager`] for the last
    /// account holding `users.manage`.
    #[tracing::instrument(name = "delete_account", skip_all, fields(caller = %caller.user_id, target = %command.target))]
    pub async fn execute(&self, caller: &Caller, command: DeleteAccountCommand) -> Result<(), AppError> {
        let manages = caller.role.can(Privilege::ManageUsers);
        let target = match &command.target {
            UserRef::Me => caller.user_id,
            UserRef::Id(id) if *id == caller.user_id => caller.user_id,
            UserRef::Id(_) if !manages => return Err(AppError::Forbidden("delete another account".into())),
            other => {
                // A name may be the caller's own; anyone else's (or no one's)
                // is the same 403 to a caller without the privilege.
                let found = self.profiles.find(other).await?.map(|stored| stored.profile.id());
                match found {
                    Some(id) if id == caller.user_id => id,
                    _ if !manages => return Err(AppError::Forbidden("delete another account".into())),
                    Some(id) => id,
                    None => return Err(AppError::NotFound),
                }
            }
        };
        if target == caller.user_id {
            self.check_password(target, command.current_password.as_deref()).await?;
        }
        let now = self.clock.now();
        let deleted =
            self.accounts.delete(target, now + self.username_cooldown, now, &caller.origin()).await?;
        self.remove_files(target, &deleted.media_keys).await;
        Ok(())
    }

    async fn check_password(&self, user: UserId, password: Option<&str>) -> Result<(), AppError> {
        let Some(password) = password else {
            return Err(FieldError::new("current_password", FieldCode::Required).into());
        };
        let stored = self.accounts.password_hash(user).await?;
        if stored.is_none() {
            // The caller's account is gone since the token was checked.
            return Err(AppError::Unauthenticated);
        }
        if !self.hasher.verify(password, stored.as_deref()).await? {
            return Err(FieldError::new("current_password", FieldCode::IncorrectPassword).into());
        }
        Ok(())
    }

    /// After the commit: a file that cannot be removed is logged, not reported.
    async fn remove_files(&self, user: UserId, keys: &[String]) {
        for key in keys {
            if let Err(error) = self.media.delete(key).await {
                tracing::warn!(%user, %key, error = %Chain(&error), "could not delete an image file of a deleted account");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DeletedAccount, StoredProfile, TokenDigest};
    use crate::ports::account_repository::MockAccountRepository;
    use crate::ports::media_store::MockMediaStore;
    use crate::ports::password_hasher::MockPasswordHasher;
    use crate::ports::profile_reader::MockProfileReader;
    use crate::ports::{MediaError, RepoError};
    use crate::use_cases::test_support::{fixed_clock, noon};
    use profile_domain::account::{Email, Username};
    use profile_domain::profile::Profile;
    use profile_domain::user::Role;

    fn user_caller() -> Caller {
        Caller {
            user_id: UserId(5),
            role: Role::new(1, "user", Default::default()),
            token_digest: TokenDigest("current".into()),
            request_id: None,
        }
    }

    fn admin_caller() -> Caller {
        Caller {
            user_id: UserId(1),
            role: Role::new(2, "admin", [Privilege::ManageUsers].into_iter().collect()),
            token_digest: TokenDigest("admin".into()),
            request_id: None,
        }
    }

    fn bob() -> Arc<MockProfileReader> {
        let mut profiles = MockProfileReader::new();
        profiles.expect_find().returning(|who| {
            let is_bob = match who {
                UserRef::Username(name) => name.canonical() == "bob_k",
                UserRef::Id(id) => *id == UserId(9),
                UserRef::Me => false,
            };
            if !is_bob {
                return Ok(None);
            }
            let username = Username::try_from("bob_k").unwrap();
            let email = Email::try_from("bob@example.com").unwrap();
            let role = Role::new(1, "user", Default::default());
            Ok(Some(StoredProfile::without_images(Profile::new(UserId(9), username, email, role, noon()))))
        });
        Arc::new(profiles)
    }

    fn hasher(matches: bool) -> Arc<MockPasswordHasher> {
        let mut hasher = MockPasswordHasher::new();
        hasher
            .expect_verify()
            .withf(|_, stored| *stored == Some("$argon2id$stored"))
            .returning(move |_, _| Ok(matches));
        Arc::new(hasher)
    }

    fn with_hash(accounts: &mut MockAccountRepository) {
        accounts.expect_password_hash().returning(|_| Ok(Some("$argon2id$stored".into())));
    }

    fn use_case(
        accounts: MockAccountRepository,
        hasher: Arc<MockPasswordHasher>,
        media: MockMediaStore,
    ) -> DeleteAccount {
        DeleteAccount::new(
            bob(),
            Arc::new(accounts),
            hasher,
            Arc::new(media),
            fixed_clock(),
            Duration::days(30),
        )
    }

    fn command(target: UserRef, password: Option<&str>) -> DeleteAccountCommand {
        DeleteAccountCommand { target, current_password: password.map(Into::into) }
    }

    fn field_codes(result: Result<(), AppError>) -> Vec<(String, String)> {
        let Err(AppError::Validation(errors)) = result else {
            panic!("expected a validation error: {result:?}")
        };
        errors.errors().iter().map(|e| (e.field.to_string(), e.code.as_str().to_owned())).collect()
    }

    #[tokio::test]
    async fn the_right_password_deletes_the_account_and_then_its_files() {
        let mut accounts = MockAccountRepository::new();
        with_hash(&mut accounts);
        accounts
            .expect_delete()
            .withf(|user, available_at, now, _| {
                *user == UserId(5) && *available_at == noon() + Duration::days(30) && *now == noon()
            })
            .times(1)
            .returning(|_, _, _, _| Ok(DeletedAccount { media_keys: vec!["a1".into(), "a2".into()] }));
        let mut media = MockMediaStore::new();
        media.expect_delete().withf(|key| key == "a1" || key == "a2").times(2).returning(|_| Ok(()));

        use_case(accounts, hasher(true), media)
            .execute(&user_caller(), command(UserRef::Me, Some("pw")))
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn a_wrong_password_deletes_nothing_and_answers_as_a_password_change() {
        let mut accounts = MockAccountRepository::new(); // no delete expectation: a call would panic
        with_hash(&mut accounts);
        let result = use_case(accounts, hasher(false), MockMediaStore::new())
            .execute(&user_caller(), command(UserRef::Me, Some("no")))
            .await;
        assert_eq!(field_codes(result), [("current_password".to_owned(), "incorrect_password".to_owned())]);
    }

    #[tokio::test]
    async fn a_missing_password_is_required_even_for_a_manager_deleting_themself() {
        let accounts = MockAccountRepository::new();
        let result = use_case(accounts, hasher(true), MockMediaStore::new())
            .execute(&admin_caller(), command(UserRef::Id(UserId(1)), None))
            .await;
        assert_eq!(field_codes(result), [("current_password".to_owned(), "required".to_owned())]);
    }

    #[tokio::test]
    async fn a_manager_deletes_another_account_without_a_password() {
        let mut accounts = MockAccountRepository::new();
        accounts
            .expect_delete()
            .withf(|user, _, _, _| *user == UserId(9))
            .times(1)
            .returning(|_, _, _, _| Ok(DeletedAccount::default()));
        let mut media = MockMediaStore::new();
        media.expect_delete().never();
        use_case(accounts, Arc::new(MockPasswordHasher::new()), media)
            .execute(&admin_caller(), command(UserRef::Username(Username::try_from("bob_k").unwrap()), None))
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn another_account_without_users_manage_is_forbidden_whether_or_not_it_exists() {
        for target in [
            UserRef::Id(UserId(9)),
            UserRef::Id(UserId(404)),
            UserRef::Username(Username::try_from("bob_k").unwrap()),
            UserRef::Username(Username::try_from("nobody").unwrap()),
        ] {
            let result = use_case(
                MockAccountRepository::new(),
                Arc::new(MockPasswordHasher::new()),
                MockMediaStore::new(),
            )
            .execute(&user_caller(), command(target, Some("pw")))
            .await;
            assert!(matches!(result, Err(AppError::Forbidden(_))), "{result:?}");
        }
    }

    #[tokio::test]
    async fn ones_own_username_needs_the_password_without_any_privilege() {
        let mut accounts = MockAccountRepository::new();
        with_hash(&mut accounts);
        accounts
            .expect_delete()
            .withf(|user, _, _, _| *user == UserId(9))
            .times(1)
            .returning(|_, _, _, _| Ok(DeletedAccount::default()));
        let bob_caller = Caller { user_id: UserId(9), ..user_caller() };
        let by_name = UserRef::Username(Username::try_from("BOB_K").unwrap());
        let use_case = use_case(accounts, hasher(true), MockMediaStore::new());
        let missing = use_case.execute(&bob_caller, command(by_name.clone(), None)).await;
        assert_eq!(field_codes(missing), [("current_password".to_owned(), "required".to_owned())]);
        use_case.execute(&bob_caller, command(by_name, Some("pw"))).await.unwrap();
    }

    #[tokio::test]
    async fn an_unknown_account_is_not_found_for_a_manager() {
        let result = use_case(
            MockAccountRepository::new(),
            Arc::new(MockPasswordHasher::new()),
            MockMediaStore::new(),
        )
        .execute(&admin_caller(), command(UserRef::Id(UserId(404)), None))
        .await;
        assert!(matches!(result, Err(AppError::NotFound)), "{result:?}");
    }

    #[tokio::test]
    async fn a_file_that_cannot_be_removed_is_logged_not_reported() {
        let mut accounts = MockAccountRepository::new();
        with_hash(&mut accounts);
        accounts.expect_delete().returning(|_, _, _, _| Ok(DeletedAccount { media_keys: vec!["a1".into()] }));
        let mut media = MockMediaStore::new();
        media.expect_delete().times(1).returning(|_| Err(MediaError::unavailable("delete a1", "disk gone")));
        use_case(accounts, hasher(true), media)
            .execute(&user_caller(), command(UserRef::Me, Some("pw")))
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn a_failed_deletion_removes_no_file() {
        let mut accounts = MockAccountRepository::new();
        with_hash(&mut accounts);
        accounts
            .expect_delete()
            .returning(|_, _, _, _| Err(RepoError::Unavailable("connection lost".into())));
        let mut media = MockMediaStore::new();
        media.expect_delete().never();
        let result = use_case(accounts, hasher(true), media)
            .execute(&user_caller(), command(UserRef::Me, Some("pw")))
            .await;
        assert!(matches!(result, Err(AppError::Unavailable(_))), "{result:?}");
    }
}
