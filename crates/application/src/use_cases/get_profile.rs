//! Reading a profile.

use std::sync::Arc;

use profile_domain::profile::Version;
use profile_domain::user::{Privilege, UserRef};

use crate::AppError;
use crate::model::{Caller, ProfileView, StoredProfile};
use crate::ports::ProfileReader;

/// Finds a profile by id, `me` or `@username` and processes its description.
///
/// One rule for every profile read, native and dialect alike: without a
/// caller a profile is read only when `public_read` is on.
#[derive(Clone)]
pub struct GetProfile {
    profiles: Arc<dyn ProfileReader>,
    public_read: bool,
}

impl GetProfile {
    /// Wires the use case; `public_read` lets callers without a token read
    /// profiles (public fields only).
    pub fn new(profiles: Arc<dyn ProfileReader>, public_read: bool) -> Self {
        Self { profiles, public_read }
    }

    /// The profile named by `who`, ready to show to `caller`: private fields
    /// only when [`Profile::can_see_private`] holds for them.
    ///
    /// [`Profile::can_see_private`]: profile_domain::profile::Profile::can_see_private
    ///
    /// # Errors
    /// [`AppError::NotFound`] when no such user exists;
    /// [`AppError::Unauthenticated`] without a caller, unless profiles are
    /// publicly readable (and then still for `me`).
    #[tracing::instrument(level = "debug", name = "get_profile", skip_all, fields(caller = caller.map(|c| c.user_id.0), target = %who))]
    pub async fn execute(&self, caller: Option<&Caller>, who: &UserRef) -> Result<ProfileView, AppError> {
        let stored = self.find(caller, who).await?;
        view(self.profiles.as_ref(), stored, caller).await
    }

    /// Like [`GetProfile::execute`], but when `seen` says the client already
    /// has the current version (`If-None-Match`), answers
    /// [`Fetched::NotModified`] without processing the description.
    ///
    /// # Errors
    /// As [`GetProfile::execute`].
    #[tracing::instrument(level = "debug", name = "get_profile", skip_all, fields(caller = caller.map(|c| c.user_id.0), target = %who))]
    pub async fn execute_unless_seen(
        &self,
        caller: Option<&Caller>,
        who: &UserRef,
        seen: impl Fn(Version) -> bool,
    ) -> Result<Fetched, AppError> {
        let stored = self.find(caller, who).await?;
        if seen(stored.profile.version()) {
            return Ok(Fetched::NotModified(stored.profile.version()));
        }
        Ok(Fetched::View(view(self.profiles.as_ref(), stored, caller).await?))
    }

    /// The profiles named by `who`, ready to show, in the order named; each
    /// user once, however often named. Users that do not exist, and `me`
    /// without a caller, are left out: a list read names what it wants and
    /// takes what there is.
    ///
    /// # Errors
    /// [`AppError::Unauthenticated`] without a caller, unless profiles are
    /// publicly readable.
    pub async fn execute_many(
        &self,
        caller: Option<&Caller>,
        who: &[UserRef],
    ) -> Result<Vec<ProfileView>, AppError> {
        if caller.is_none() && !self.public_read {
            return Err(AppError::Unauthenticated);
        }
        let mut views: Vec<ProfileView> = Vec::with_capacity(who.len());
        for who in who {
            let Some(who) = who.resolve_me(caller.map(|c| c.user_id)) else { continue };
            let Some(stored) = self.profiles.find(&who).await? else { continue };
            if hidden(&stored, caller) {
                continue;
            }
            if views.iter().all(|v| v.profile.id() != stored.profile.id()) {
                views.push(view(self.profiles.as_ref(), stored, caller).await?);
            }
        }
        Ok(views)
    }

    /// The stored profile and images, without processing the description.
    pub async fn find(&self, caller: Option<&Caller>, who: &UserRef) -> Result<StoredProfile, AppError> {
        if caller.is_none() && !self.public_read {
            return Err(AppError::Unauthenticated);
        }
        let who = who.resolve_me(caller.map(|c| c.user_id)).ok_or(AppError::Unauthenticated)?;
        let stored = self.profiles.find(&who).await?.ok_or(AppError::NotFound)?;
        if hidden(&stored, caller) {
            return Err(AppError::NotFound);
        }
        Ok(stored)
    }
}

/// True when `stored` is suspended and `caller` does not manage users: the
/// profile is then answered as if it did not exist.
pub(crate) fn hidden(stored: &StoredProfile, caller: Option<&Caller>) -> bool {
    stored.suspension.is_some() && !caller.is_some_and(|c| c.can(Privilege::ManageUsers))
}

/// A read that may find the client's copy still current.
// Returned once per request and matched at once: boxing would only add an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Fetched {
    /// The client's version is the current one.
    NotModified(Version),
    /// The profile, ready to show.
    View(ProfileView),
}

/// Processes the description of a stored profile, resolving mentions of
/// users that exist (with the repository's answer when it gave one), and
/// leaves out what `viewer` may not see.
pub(crate) async fn view(
    profiles: &dyn ProfileReader,
    stored: StoredProfile,
    viewer: Option<&Caller>,
) -> Result<ProfileView, AppError> {
    let StoredProfile { profile, avatar, cover, mentions, .. } = stored;
    let known = match mentions {
        Some(known) => known,
        None => {
            let names = profile.description().mentioned_names();
            if names.is_empty() { Default::default() } else { profiles.user_ids(&names).await? }
        }
    };
    let description = profile.description().render(&known);
    let profile = profile.visible_to(viewer.map(Caller::actor).as_ref());
    Ok(ProfileView { profile, description, avatar, cover })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::profile_reader::MockProfileReader;
    use crate::use_cases::test_support::{member_caller, noon};
    use profile_domain::account::{Email, Username};
    use profile_domain::profile::{Description, Profile, StoredProfileParts};
    use profile_domain::user::{Role, UserId};

    fn caller(id: i64) -> Caller {
        member_caller(id)
    }

    #[tokio::test]
    async fn me_is_looked_up_as_the_callers_id() {
        let mut users = MockProfileReader::new();
        users.expect_find().withf(|who| *who == UserRef::Id(UserId(4))).times(1).returning(|_| Ok(None));

        let result = GetProfile::new(Arc::new(users), false).execute(Some(&caller(4)), &UserRef::Me).await;

        assert!(matches!(result, Err(AppError::NotFound)));
    }

    #[tokio::test]
    async fn me_without_a_caller_is_unauthenticated_even_when_profiles_are_public() {
        for public_read in [false, true] {
            let users = MockProfileReader::new(); // no lookup may happen
            let result = GetProfile::new(Arc::new(users), public_read).execute(None, &UserRef::Me).await;
            assert!(matches!(result, Err(AppError::Unauthenticated)), "public_read {public_read}");
        }
    }

    #[tokio::test]
    async fn without_a_caller_nothing_is_read_unless_profiles_are_public() {
        let users = MockProfileReader::new(); // no lookup may happen
        let read = GetProfile::new(Arc::new(users), false);
        for who in [UserRef::Id(UserId(1)), "@alice".parse().unwrap()] {
            assert!(matches!(read.execute(None, &who).await, Err(AppError::Unauthenticated)), "{who:?}");
            assert!(matches!(read.find(None, &who).await, Err(AppError::Unauthenticated)), "{who:?}");
        }
    }

    fn profile(id: i64, name: &str) -> StoredProfile {
        StoredProfile::without_images(Profile::new(
            UserId(id),
            Username::try_from(name).unwrap(),
            Email::try_from(format!("{name}@example.com").as_str()).unwrap(),
            Role::new(1, "user", Default::default()),
            noon(),
        ))
    }

    /// Alice's new profile taken apart, to be set up and restored.
    fn alice_parts() -> StoredProfileParts {
        Profile::new(
            UserId(1),
            Username::try_from("alice").unwrap(),
            Email::try_from("a@example.com").unwrap(),
            Role::new(1, "user", Default::default()),
            noon(),
        )
        .into_parts()
    }

    #[tokio::test]
    async fn several_are_read_in_order_once_each_leaving_out_who_does_not_exist() {
        let mut users = MockProfileReader::new();
        users.expect_find().returning(|who| {
            Ok(match who {
                UserRef::Id(UserId(1)) => Some(profile(1, "alice")),
                UserRef::Id(UserId(2)) => Some(profile(2, "bob")),
                UserRef::Username(name) if name.as_str() == "alice" => Some(profile(1, "alice")),
                _ => None,
            })
        });
        let who = [
            UserRef::Id(UserId(2)),
            UserRef::Id(UserId(9)),
            UserRef::Me,
            "@alice".parse().unwrap(),
            UserRef::Id(UserId(2)),
        ];

        let read = GetProfile::new(Arc::new(users), true);
        let anonymous = read.execute_many(None, &who).await.unwrap();
        let as_alice = read.execute_many(Some(&caller(1)), &who).await.unwrap();

        let ids = |views: Vec<ProfileView>| views.iter().map(|v| v.profile.id().0).collect::<Vec<_>>();
        assert_eq!(ids(anonymous), [2, 1], "me names no one without a caller");
        assert_eq!(ids(as_alice), [2, 1], "me is alice, listed once");
    }

    #[tokio::test]
    async fn several_without_a_caller_need_public_profiles() {
        let users = MockProfileReader::new(); // no lookup may happen
        let result =
            GetProfile::new(Arc::new(users), false).execute_many(None, &[UserRef::Id(UserId(1))]).await;
        assert!(matches!(result, Err(AppError::Unauthenticated)));
    }

    #[tokio::test]
    async fn mentions_resolve_to_users_that_exist() {
        let mut users = MockProfileReader::new();
        users.expect_find().returning(|_| {
            let mut profile = alice_parts();
            profile.description = Description::try_from("hi @Bob and @ghost").unwrap();
            Ok(Some(StoredProfile::without_images(Profile::restore(profile))))
        });
        users
            .expect_user_ids()
            .withf(|names| names == ["bob".to_owned(), "ghost".to_owned()])
            .returning(|_| Ok([("bob".to_owned(), UserId(2))].into_iter().collect()));

        let view =
            GetProfile::new(Arc::new(users), true).execute(None, &UserRef::Id(UserId(1))).await.unwrap();

        let ids: Vec<_> = view.description.entities.mentions.iter().map(|m| m.id).collect();
        assert_eq!(ids, [Some(2), None]);
    }

    #[tokio::test]
    async fn a_strangers_view_holds_no_private_value_and_the_owners_does() {
        let mut users = MockProfileReader::new();
        users.expect_find().returning(|_| {
            let mut profile = alice_parts();
            profile.birthdate = Some(profile_domain::profile::Birthdate::restore(
                chrono::NaiveDate::from_ymd_opt(1990, 4, 1).unwrap(),
            ));
            profile.bank_account =
                Some(profile_domain::profile::BankAccount::restore("DE89370400440532013000".into()));
            Ok(Some(StoredProfile::without_images(Profile::restore(profile))))
        });
        let read = GetProfile::new(Arc::new(users), true);
        let alice = UserRef::Id(UserId(1));

        for viewer in [None, Some(caller(2))] {
            let seen = read.execute(viewer.as_ref(), &alice).await.unwrap().profile;
            assert_eq!(
                (seen.email(), seen.birthdate(), seen.bank_account()),
                (None, None, None),
                "{viewer:?}"
            );
        }
        let own = read.execute(Some(&caller(1)), &alice).await.unwrap().profile;
        assert_eq!(own.email().map(|e| e.as_str().to_owned()).as_deref(), Some("a@example.com"));
        assert!(own.birthdate().and_then(Option::as_ref).is_some());
        assert_eq!(
            own.bank_account().and_then(Option::as_ref).map(|b| b.as_str().to_owned()).as_deref(),
            Some("DE89370400440532013000")
        );
    }
}
