//! Replacing (PUT) or merge-patching (PATCH) a profile without losing
//! concurrent updates.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use profile_domain::profile::{
    Annotations, FieldUpdate, ParseContext, ProfileChange, ProfileError, RawProfileInput, Version,
};
use profile_domain::user::{Privilege, Role, UserRef};
use profile_domain::{FieldCode, FieldError, ValidationErrors};

use crate::model::{
    Caller, Edit, Edited, ImageAltChange, ImageAltInput, ImageKind, ProfileImage, ProfileView, ProfileWrite,
    StoredProfile, UsernameRetirement,
};
use crate::ports::{Clock, ProfileReader, ProfileWriter, RateLimiter};
use crate::use_cases::get_profile::view;
use crate::use_cases::seconds_left;
use crate::{AppError, Cause};

/// Which fields a change sets, and what an absent field means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateMode {
    /// Replace the editable profile: required fields must be present,
    /// absent optional fields are cleared.
    Replace,
    /// RFC 7396: absent keys stay, `null` clears.
    MergePatch,
    /// Replace what is sent and keep the rest: the required fields must be
    /// present, as for [`UpdateMode::Replace`], but an absent optional field
    /// is kept, as for [`UpdateMode::MergePatch`]. For clients that know
    /// only some of the fields, whose replacement must not clear the others.
    ReplaceSent,
}

/// How sent annotations combine with the stored ones.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AnnotationsUpdate {
    /// The sent list replaces the whole list.
    #[default]
    ReplaceList,
    /// Each sent annotation replaces the stored one of its type, new types
    /// are appended, the others stay ([`Annotations::merged_by_type`]).
    MergeByType,
}

/// A requested change to one profile.
#[derive(Debug, Clone, PartialEq)]
pub struct UpdateProfileCommand {
    /// Whose profile.
    pub target: UserRef,
    /// The body as sent.
    pub input: RawProfileInput,
    /// PUT, PATCH, or a replacement of what is sent.
    pub mode: UpdateMode,
    /// `If-Match`: the versions the client accepts (the one it last saw);
    /// `None` when it set no precondition. An empty list matches nothing.
    pub if_match: Option<Vec<Version>>,
    /// How sent annotations combine with the stored ones.
    pub annotations: AnnotationsUpdate,
    /// The client's address, for the rename limit.
    pub client: Option<String>,
    /// The images' alt texts as sent (the native API only; absent keeps).
    pub image_alts: ImageAltInput,
}

/// Profile rules that come from configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProfilePolicy {
    /// Youngest allowed age.
    pub min_age_years: u32,
    /// How long a given-up username stays reserved for its last owner.
    pub username_cooldown: Duration,
    /// Renames allowed per account within `rename_window` (each reserves
    /// the old name for the cool-down).
    pub renames_per_account: u32,
    /// Renames allowed per client address within `rename_window`.
    pub renames_per_client: u32,
    /// The rename window.
    pub rename_window: Duration,
}

impl Default for ProfilePolicy {
    fn default() -> Self {
        Self {
            min_age_years: 13,
            username_cooldown: Duration::days(30),
            renames_per_account: 10,
            renames_per_client: 20,
            rename_window: Duration::hours(24),
        }
    }
}

/// Changes a profile under the domain's update rules.
#[derive(Clone)]
pub struct UpdateProfile {
    profiles: Arc<dyn ProfileReader>,
    writer: Arc<dyn ProfileWriter>,
    limiter: Arc<dyn RateLimiter>,
    clock: Arc<dyn Clock>,
    policy: ProfilePolicy,
}

impl UpdateProfile {
    /// Wires the use case.
    pub fn new(
        profiles: Arc<dyn ProfileReader>,
        writer: Arc<dyn ProfileWriter>,
        limiter: Arc<dyn RateLimiter>,
        clock: Arc<dyn Clock>,
        policy: ProfilePolicy,
    ) -> Self {
        Self { profiles, writer, limiter, clock, policy }
    }

    /// Applies the change to the profile as stored, under the repository's
    /// write lock, so concurrent changes queue and none is lost. With
    /// `If-Match`, a version that is no longer current is a
    /// [`AppError::VersionConflict`] and nothing changes.
    ///
    /// # Errors
    /// [`AppError::Validation`] naming every bad field, [`AppError::Forbidden`],
    /// [`AppError::NotFound`], [`AppError::VersionConflict`],
    /// [`AppError::Duplicate`] for a taken username or email,
    /// [`AppError::TooManyAttempts`] for a rename past the caller's
    /// allowance (holders of `profiles.write_any` have none),
    /// [`AppError::LastManager`] when the change would leave no account
    /// holding `users.manage`.
    #[tracing::instrument(name = "update_profile", skip_all, fields(caller = %caller.user_id, target = %command.target, mode = ?command.mode))]
    pub async fn execute(
        &self,
        caller: &Caller,
        command: UpdateProfileCommand,
    ) -> Result<ProfileView, AppError> {
        let now = self.clock.now();
        let context = ParseContext { today: now.date_naive(), min_age_years: self.policy.min_age_years };
        let change = match command.mode {
            UpdateMode::Replace => ProfileChange::replace(&command.input, &context),
            UpdateMode::MergePatch => ProfileChange::merge_patch(&command.input, &context),
            UpdateMode::ReplaceSent => ProfileChange::replace(&command.input, &context)
                .and_then(|_| ProfileChange::merge_patch(&command.input, &context)),
        };
        let (mut change, alts) = match (change, command.image_alts.parse()) {
            (Ok(change), Ok(alts)) => (change, alts),
            (Err(mut errors), Err(more)) => {
                errors.extend(more);
                return Err(errors.into());
            }
            (Err(errors), _) | (_, Err(errors)) => return Err(errors.into()),
        };
        self.resolve_role(&mut change).await?;
        let who = command.target.resolve_me(Some(caller.user_id)).ok_or(AppError::Unauthenticated)?;
        let renaming =
            matches!(change.username, FieldUpdate::Set(_)) && !caller.can(Privilege::WriteAnyProfile);
        let rename_keys =
            if renaming { self.rename_keys(caller, command.client.as_deref()) } else { Vec::new() };
        let rename_wait = self.rename_wait(&rename_keys, now).await?;
        let actor = caller.actor();
        let cooldown = self.policy.username_cooldown;
        let UpdateProfileCommand { if_match, annotations, .. } = command;
        let decide = move |stored: &StoredProfile| -> Result<Edit, AppError> {
            let current = &stored.profile;
            // A suspended account is not there for whoever does not manage users.
            if stored.suspension.is_some() && !actor.can(Privilege::ManageUsers) {
                return Err(AppError::NotFound);
            }
            // Who may not write gets 403 whatever they claim to have seen
            // (RFC 9110 §13.2.1: preconditions come after authorization).
            current.authorize(&change, &actor).map_err(profile_error)?;
            if !alts.is_keep() && !actor.is(current.id()) && !actor.can(Privilege::WriteAnyProfile) {
                return Err(AppError::Forbidden("change an image's `alt`".into()));
            }
            if let Some(accepted) = &if_match
                && !accepted.contains(&current.version())
            {
                return Err(AppError::VersionConflict { expected: accepted.first().copied() });
            }
            let change = match annotations {
                AnnotationsUpdate::ReplaceList => change.clone(),
                AnnotationsUpdate::MergeByType => merged_annotations(change.clone(), current.annotations())?,
            };
            let next = current.apply(&change, &actor, now).map_err(profile_error)?;
            let (avatar, cover) = described(&alts, stored)?;
            let next =
                match (next.version() == current.version(), avatar == stored.avatar && cover == stored.cover)
                {
                    (true, true) => return Ok(Edit::Keep),
                    // Only an alt text changed: the profile shows it, so its version moves.
                    (true, false) => current.touched(now),
                    (false, _) => next,
                };
            let retirement = (next.username().canonical() != current.username().canonical()).then(|| {
                UsernameRetirement { old: current.username().clone(), available_at: now + cooldown }
            });
            if let (Some(_), Some(retry_after)) = (&retirement, rename_wait) {
                return Err(AppError::TooManyAttempts { retry_after });
            }
            let manages = |role: &Role| role.can(Privilege::ManageUsers);
            let requires_another_manager = manages(current.role()) && !manages(next.role());
            Ok(Edit::Store(ProfileWrite {
                profile: next,
                avatar,
                cover,
                retirement,
                requires_another_manager,
            }))
        };
        match self.writer.edit(&who, Box::new(decide), &caller.origin()).await? {
            Edited::Stored { before, after } => {
                if !rename_keys.is_empty()
                    && before.profile.username().canonical() != after.profile.username().canonical()
                {
                    let keys: Vec<String> = rename_keys.into_iter().map(|(key, _)| key).collect();
                    self.limiter.record(&keys, now, now - self.policy.rename_window).await?;
                }
                view(self.profiles.as_ref(), after, Some(caller)).await
            }
            Edited::Kept(after) => view(self.profiles.as_ref(), after, Some(caller)).await,
            Edited::Refused(error) => Err(error),
        }
    }

    /// The rename counters of `caller` (and of `client`, when known), with
    /// their limits.
    fn rename_keys(&self, caller: &Caller, client: Option<&str>) -> Vec<(String, u32)> {
        let account = (format!("rename:account:{}", caller.user_id.0), self.policy.renames_per_account);
        let client = client.map(|client| (format!("rename:client:{client}"), self.policy.renames_per_client));
        std::iter::once(account).chain(client).collect()
    }

    /// Seconds until a rename is allowed again, when one of `keys` is at its limit.
    async fn rename_wait(&self, keys: &[(String, u32)], now: DateTime<Utc>) -> Result<Option<u64>, AppError> {
        if keys.is_empty() {
            return Ok(None);
        }
        let window = self.policy.rename_window;
        let names: Vec<String> = keys.iter().map(|(key, _)| key.clone()).collect();
        let windows = self.limiter.windows(&names, now - window).await?;
        Ok(keys
            .iter()
            .zip(windows)
            .filter_map(|((_, limit), found)| found.filter(|w| w.count >= *limit))
            .map(|w| seconds_left(w.started_at + window - now))
            .max())
    }

    async fn resolve_role(&self, change: &mut ProfileChange) -> Result<(), AppError> {
        if let FieldUpdate::Set(request) = &mut change.role {
            match self.writer.find_role(request.name().as_str()).await? {
                Some(role) => request.resolve(role),
                None => return Err(FieldError::new("role", FieldCode::UnknownRole).into()),
            }
        }
        Ok(())
    }
}

/// The stored images with `alts` applied, every error at once.
fn described(
    alts: &ImageAltChange,
    stored: &StoredProfile,
) -> Result<(Option<ProfileImage>, Option<ProfileImage>), AppError> {
    let mut errors = ValidationErrors::new();
    let avatar = errors.check(alts.applied_to(ImageKind::Avatar, stored.avatar.as_ref()));
    let cover = errors.check(alts.applied_to(ImageKind::Cover, stored.cover.as_ref()));
    errors.into_result(())?;
    Ok((avatar.flatten(), cover.flatten()))
}

/// `change` with its annotations laid over `current` by type.
fn merged_annotations(mut change: ProfileChange, current: &Annotations) -> Result<ProfileChange, AppError> {
    if let FieldUpdate::Set(sent) = &change.annotations {
        change.annotations = FieldUpdate::Set(current.merged_by_type(sent)?);
    }
    Ok(change)
}

fn profile_error(error: ProfileError) -> AppError {
    match error {
        ProfileError::Forbidden { field } => AppError::Forbidden(format!("change `{field}`")),
        ProfileError::Invalid(errors) => AppError::Validation(errors),
        ProfileError::UnresolvedRole { .. } => {
            AppError::Validation(ValidationErrors::from(FieldError::new("role", FieldCode::UnknownRole)))
        }
        // A refusal this version does not know yet: not the client's fault to guess.
        other => AppError::Internal(Cause::new(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TokenDigest;
    use crate::ports::AttemptWindow;
    use crate::ports::profile_reader::MockProfileReader;
    use crate::ports::profile_writer::MockProfileWriter;
    use crate::ports::rate_limiter::MockRateLimiter;
    use crate::use_cases::test_support::{edit_on, fixed_clock, noon, open_limiter};
    use profile_domain::account::{Email, Username};
    use profile_domain::profile::Profile;
    use profile_domain::user::{Role, UserId};
    use serde_json::json;
    use std::sync::Mutex;

    const POLICY: ProfilePolicy = ProfilePolicy {
        min_age_years: 13,
        username_cooldown: Duration::days(30),
        renames_per_account: 10,
        renames_per_client: 20,
        rename_window: Duration::hours(24),
    };

    fn role() -> Role {
        Role::new(1, "user", Default::default())
    }

    fn caller(id: i64) -> Caller {
        Caller { user_id: UserId(id), role: role(), token_digest: TokenDigest("t".into()), request_id: None }
    }

    fn alice(version: i64) -> Profile {
        let mut profile = Profile::new(
            UserId(1),
            Username::try_from("alice").unwrap(),
            Email::try_from("alice@example.com").unwrap(),
            role(),
            noon(),
        )
        .into_parts();
        profile.version = Version(version);
        Profile::restore(profile)
    }

    fn patch(body: serde_json::Value, if_match: Option<i64>) -> UpdateProfileCommand {
        UpdateProfileCommand {
            target: UserRef::Me,
            input: RawProfileInput::from_json(&body).unwrap(),
            mode: UpdateMode::MergePatch,
            if_match: if_match.map(|v| vec![Version(v)]),
            annotations: AnnotationsUpdate::ReplaceList,
            client: Some("192.0.2.4".into()),
            image_alts: ImageAltInput::default(),
        }
    }

    /// The use case writing through `writer`; it reads nothing (the written
    /// profile comes back from the edit), so a read would panic.
    fn updating(writer: MockProfileWriter, limiter: Arc<MockRateLimiter>) -> UpdateProfile {
        UpdateProfile::new(
            Arc::new(MockProfileReader::new()),
            Arc::new(writer),
            limiter,
            fixed_clock(),
            POLICY,
        )
    }

    /// A repository holding `alice(version)`; `written` gets what is stored.
    fn holding(version: i64, written: &Arc<Mutex<Vec<ProfileWrite>>>) -> MockProfileWriter {
        let mut users = MockProfileWriter::new();
        users
            .expect_edit()
            .times(1)
            .returning(edit_on(StoredProfile::without_images(alice(version)), written.clone()));
        users
    }

    #[tokio::test]
    async fn stale_version_is_rejected_and_nothing_is_saved() {
        let written = Arc::new(Mutex::new(Vec::new()));
        let use_case = updating(holding(3, &written), open_limiter());

        let result = use_case.execute(&caller(1), patch(json!({"name": "Al"}), Some(2))).await;

        assert!(matches!(result, Err(AppError::VersionConflict { expected: Some(Version(2)) })));
        assert!(written.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn the_change_is_applied_to_the_profile_as_stored_and_bumps_its_version() {
        let written = Arc::new(Mutex::new(Vec::new()));
        let use_case = updating(holding(7, &written), open_limiter());

        let view = use_case.execute(&caller(1), patch(json!({"name": "Al"}), None)).await.unwrap();

        assert_eq!((view.profile.name().as_str(), view.profile.version()), ("Al", Version(8)));
        let written = written.lock().unwrap();
        assert_eq!(written.len(), 1);
        assert_eq!((written[0].profile.version(), written[0].profile.updated_at()), (Version(8), noon()));
        assert!(written[0].retirement.is_none());
    }

    #[tokio::test]
    async fn a_change_that_changes_nothing_writes_nothing() {
        let written = Arc::new(Mutex::new(Vec::new()));
        let use_case = updating(holding(4, &written), open_limiter());

        let view = use_case.execute(&caller(1), patch(json!({"name": "alice"}), None)).await.unwrap();

        assert_eq!(view.profile.version(), Version(4));
        assert!(written.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn who_may_not_write_is_forbidden_before_any_precondition_is_looked_at() {
        let written = Arc::new(Mutex::new(Vec::new()));
        let use_case = updating(holding(5, &written), open_limiter());
        let mut command = patch(json!({"name": "Mallory"}), Some(2));
        command.target = UserRef::Id(UserId(1));

        let result = use_case.execute(&caller(2), command).await;

        assert!(matches!(result, Err(AppError::Forbidden(_))), "{result:?}");
        assert!(written.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn another_users_profile_is_forbidden_without_write_any() {
        let written = Arc::new(Mutex::new(Vec::new()));
        let use_case = updating(holding(1, &written), open_limiter());
        let mut command = patch(json!({"name": "Mallory"}), None);
        command.target = UserRef::Id(UserId(1));

        let result = use_case.execute(&caller(2), command).await;

        assert!(matches!(result, Err(AppError::Forbidden(_))));
        assert!(written.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn every_bad_field_is_reported_before_anything_is_read() {
        let users = MockProfileWriter::new(); // no find, no update
        let use_case = updating(users, open_limiter());

        let Err(AppError::Validation(errors)) = use_case
            .execute(&caller(1), patch(json!({"name": null, "timezone": "Mars/Base", "country": 5}), None))
            .await
        else {
            panic!("expected a validation error");
        };

        let fields: Vec<_> = errors.errors().iter().map(|e| e.field.to_string()).collect();
        assert_eq!(fields, ["name", "country", "timezone"]);
    }

    #[tokio::test]
    async fn a_rename_retires_the_old_name_for_the_cool_down() {
        let written = Arc::new(Mutex::new(Vec::new()));
        let use_case = updating(holding(1, &written), open_limiter());

        use_case.execute(&caller(1), patch(json!({"username": "alice2"}), None)).await.unwrap();

        let written = written.lock().unwrap();
        assert_eq!(written[0].profile.username().as_str(), "alice2");
        let retirement = written[0].retirement.as_ref().unwrap();
        assert_eq!(
            (retirement.old.as_str(), retirement.available_at),
            ("alice", noon() + Duration::days(30))
        );
    }

    #[tokio::test]
    async fn a_rename_counts_for_the_account_and_the_address() {
        let written = Arc::new(Mutex::new(Vec::new()));
        let mut limiter = MockRateLimiter::new();
        let keys = ["rename:account:1".to_owned(), "rename:client:192.0.2.4".to_owned()];
        let expected = keys.clone();
        limiter.expect_windows().withf(move |k, _| k == expected).returning(|_, _| Ok(vec![None, None]));
        limiter
            .expect_record()
            .withf(move |k, now, start| k == keys && *now == noon() && *start == noon() - Duration::hours(24))
            .times(1)
            .returning(|_, _, _| Ok(()));
        let use_case = updating(holding(1, &written), Arc::new(limiter));

        use_case.execute(&caller(1), patch(json!({"username": "alice2"}), None)).await.unwrap();

        assert_eq!(written.lock().unwrap().len(), 1);
    }

    #[tokio::test]
    async fn a_rename_past_the_allowance_is_refused_and_nothing_is_saved_but_other_changes_go_through() {
        let written = Arc::new(Mutex::new(Vec::new()));
        let mut users = MockProfileWriter::new();
        users
            .expect_edit()
            .times(2)
            .returning(edit_on(StoredProfile::without_images(alice(1)), written.clone()));
        let mut limiter = MockRateLimiter::new();
        limiter.expect_windows().returning(|_, _| {
            let full = AttemptWindow { count: 10, started_at: noon() - Duration::hours(20), last_at: noon() };
            Ok(vec![Some(full), None])
        });
        limiter.expect_record().never();
        let use_case = updating(users, Arc::new(limiter));

        let result = use_case.execute(&caller(1), patch(json!({"username": "alice2"}), None)).await;
        assert!(matches!(result, Err(AppError::TooManyAttempts { retry_after: 14_400 })), "{result:?}");
        assert!(written.lock().unwrap().is_empty());

        // Sending the current name back is no rename.
        let same = patch(json!({"username": "alice", "name": "Alice A."}), None);
        assert_eq!(use_case.execute(&caller(1), same).await.unwrap().profile.name().as_str(), "Alice A.");
    }

    #[tokio::test]
    async fn taking_users_manage_away_asks_the_repository_to_keep_another_manager() {
        let written = Arc::new(Mutex::new(Vec::new()));
        let admin_role =
            Role::new(2, "admin", [Privilege::ManageUsers, Privilege::WriteAnyProfile].into_iter().collect());
        let mut profile = alice(1).into_parts();
        profile.role = admin_role.clone();
        let profile = Profile::restore(profile);
        let mut users = MockProfileWriter::new();
        users.expect_find_role().returning(|_| Ok(Some(Role::new(1, "user", Default::default()))));
        users
            .expect_edit()
            .times(1)
            .returning(edit_on(StoredProfile::without_images(profile), written.clone()));
        let use_case = updating(users, open_limiter());
        let admin = Caller { role: admin_role, ..caller(1) };

        use_case.execute(&admin, patch(json!({"role": "user"}), None)).await.unwrap();

        assert!(written.lock().unwrap()[0].requires_another_manager);
    }

    #[tokio::test]
    async fn an_unknown_role_is_a_validation_error() {
        let mut users = MockProfileWriter::new();
        users.expect_find_role().returning(|_| Ok(None));
        let use_case = updating(users, open_limiter());

        let Err(AppError::Validation(errors)) =
            use_case.execute(&caller(1), patch(json!({"role": "wizard"}), None)).await
        else {
            panic!("expected a validation error");
        };
        assert_eq!(
            (errors.errors()[0].field.as_ref(), errors.errors()[0].code.as_str()),
            ("role", "unknown_role")
        );
    }
}

#[cfg(test)]
mod merge_tests {
    use super::*;
    use serde_json::json;

    fn annotations(value: serde_json::Value) -> Annotations {
        Annotations::from_json(&value).unwrap()
    }

    #[test]
    fn sent_annotations_are_laid_over_the_stored_ones_by_type() {
        let current = annotations(json!([
            {"type": "com.example.blog", "value": {"url": "http://old.example"}},
            {"type": "com.example.theme", "value": {"dark": true}}
        ]));
        let change = ProfileChange {
            annotations: FieldUpdate::Set(annotations(json!([
                {"type": "com.example.blog", "value": {"url": "http://new.example"}}
            ]))),
            ..ProfileChange::default()
        };

        let merged = merged_annotations(change, &current).unwrap();

        let FieldUpdate::Set(merged) = merged.annotations else { panic!("annotations are set") };
        assert_eq!(
            merged.to_json(),
            json!([
                {"type": "com.example.blog", "value": {"url": "http://new.example"}},
                {"type": "com.example.theme", "value": {"dark": true}}
            ])
        );
    }

    #[test]
    fn a_change_without_annotations_keeps_them() {
        let current = annotations(json!([{"type": "com.example.theme", "value": {}}]));

        let merged = merged_annotations(ProfileChange::default(), &current).unwrap();

        assert_eq!(merged.annotations, FieldUpdate::Keep);
    }

    #[test]
    fn merging_past_the_limit_is_a_validation_error() {
        let many: Vec<_> =
            (0..20).map(|i| json!({"type": format!("com.example.t{i}"), "value": {}})).collect();
        let change = ProfileChange {
            annotations: FieldUpdate::Set(annotations(json!([{"type": "com.example.extra", "value": {}}]))),
            ..ProfileChange::default()
        };

        let result = merged_annotations(change, &annotations(json!(many)));

        assert!(matches!(result, Err(AppError::Validation(e)) if e.errors()[0].field == "annotations"));
    }
}

#[cfg(test)]
#[path = "update_profile_alt_tests.rs"]
mod alt_tests;
