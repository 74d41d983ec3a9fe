//! The images' alt texts in a profile edit.

use std::sync::{Arc, Mutex};

use profile_domain::account::{Email, Username};
use profile_domain::profile::{ImageAlt, Profile, RawField, RawProfileInput, Version};
use profile_domain::user::{Role, UserId, UserRef};
use serde_json::json;

use super::*;
use crate::model::{ImageVariant, ProfileImage, TokenDigest};
use crate::ports::profile_reader::MockProfileReader;
use crate::ports::profile_writer::MockProfileWriter;
use crate::use_cases::test_support::{edit_on, fixed_clock, noon, open_limiter};

fn caller(id: i64, privileges: &[Privilege]) -> Caller {
    let role = Role::new(1, "user", privileges.iter().copied().collect());
    Caller { user_id: UserId(id), role, token_digest: TokenDigest("t".into()), request_id: None }
}

fn avatar(alt: Option<&str>) -> ProfileImage {
    let variant =
        ImageVariant { key: "a.jpg".into(), width: 200, height: 200, content_type: "image/jpeg".into() };
    ProfileImage {
        primary: variant.clone(),
        variants: vec![variant],
        alt: alt.map(|a| ImageAlt::restore(a.into())),
    }
}

/// Alice at version 3, with an uploaded avatar described by `alt` and the default cover.
fn alice(alt: Option<&str>) -> StoredProfile {
    let mut parts = Profile::new(
        UserId(1),
        Username::try_from("alice").unwrap(),
        Email::try_from("alice@example.com").unwrap(),
        Role::new(1, "user", Default::default()),
        noon(),
    )
    .into_parts();
    parts.version = Version(3);
    StoredProfile {
        profile: Profile::restore(parts),
        avatar: Some(avatar(alt)),
        cover: None,
        mentions: None,
        suspension: None,
    }
}

fn command(body: serde_json::Value, avatar: RawField, cover: RawField) -> UpdateProfileCommand {
    UpdateProfileCommand {
        target: UserRef::Id(UserId(1)),
        input: RawProfileInput::from_json(&body).unwrap(),
        mode: UpdateMode::MergePatch,
        if_match: None,
        annotations: AnnotationsUpdate::ReplaceList,
        client: None,
        image_alts: ImageAltInput { avatar, cover },
    }
}

/// The use case on a store holding `stored`; `written` gets what is stored.
fn updating(stored: StoredProfile, written: &Arc<Mutex<Vec<ProfileWrite>>>) -> UpdateProfile {
    let mut writer = MockProfileWriter::new();
    writer.expect_edit().returning(edit_on(stored, written.clone()));
    UpdateProfile::new(
        Arc::new(MockProfileReader::new()),
        Arc::new(writer),
        open_limiter(),
        fixed_clock(),
        ProfilePolicy::default(),
    )
}

#[tokio::test]
async fn an_alt_text_alone_is_stored_with_the_image_and_bumps_the_version() {
    let written = Arc::new(Mutex::new(Vec::new()));
    let use_case = updating(alice(None), &written);

    let view = use_case
        .execute(&caller(1, &[]), command(json!({}), RawField::Value(json!("A cat")), RawField::Absent))
        .await
        .unwrap();

    assert_eq!(view.avatar.unwrap().alt.map(|a| a.as_str().to_owned()).as_deref(), Some("A cat"));
    let written = written.lock().unwrap();
    assert_eq!(written[0].avatar, Some(avatar(Some("A cat"))), "the image itself unchanged");
    assert_eq!((written[0].profile.version(), written[0].profile.updated_at()), (Version(4), noon()));
}

#[tokio::test]
async fn null_clears_the_alt_text_and_the_same_text_again_writes_nothing() {
    let written = Arc::new(Mutex::new(Vec::new()));
    let use_case = updating(alice(Some("A cat")), &written);
    use_case.execute(&caller(1, &[]), command(json!({}), RawField::Null, RawField::Absent)).await.unwrap();
    assert_eq!(written.lock().unwrap()[0].avatar, Some(avatar(None)));

    let unchanged = Arc::new(Mutex::new(Vec::new()));
    let use_case = updating(alice(Some("A cat")), &unchanged);
    let view = use_case
        .execute(&caller(1, &[]), command(json!({}), RawField::Value(json!("A cat")), RawField::Absent))
        .await
        .unwrap();
    assert_eq!(view.profile.version(), Version(3));
    assert!(unchanged.lock().unwrap().is_empty());
}

#[tokio::test]
async fn an_alt_text_for_the_default_image_is_refused_with_the_other_errors_and_nothing_is_saved() {
    let written = Arc::new(Mutex::new(Vec::new()));
    let use_case = updating(alice(None), &written);

    let result = use_case
        .execute(&caller(1, &[]), command(json!({}), RawField::Absent, RawField::Value(json!("A beach"))))
        .await;

    let Err(AppError::Validation(errors)) = result else { panic!("{result:?}") };
    let errors: Vec<_> = errors.errors().iter().map(|e| (e.field.to_string(), e.code.as_str())).collect();
    assert_eq!(errors, [("cover_image.alt".to_owned(), "no_image")]);
    assert!(written.lock().unwrap().is_empty());
}

#[tokio::test]
async fn alt_errors_come_with_the_fields_errors_before_anything_is_read() {
    let use_case = UpdateProfile::new(
        Arc::new(MockProfileReader::new()),
        Arc::new(MockProfileWriter::new()),
        open_limiter(),
        fixed_clock(),
        ProfilePolicy::default(),
    );
    let long = RawField::Value(json!("a".repeat(1501)));

    let result = use_case
        .execute(&caller(1, &[]), command(json!({"name": ""}), long, RawField::Value(json!(1))))
        .await;

    let Err(AppError::Validation(errors)) = result else { panic!("{result:?}") };
    let mut errors: Vec<_> = errors.errors().iter().map(|e| (e.field.to_string(), e.code.as_str())).collect();
    errors.sort();
    assert_eq!(
        errors,
        [
            ("avatar_image.alt".to_owned(), "too_long"),
            ("cover_image.alt".to_owned(), "invalid_type"),
            ("name".to_owned(), "too_short")
        ]
    );
}

#[tokio::test]
async fn only_the_owner_or_write_any_changes_an_alt_text() {
    let written = Arc::new(Mutex::new(Vec::new()));
    let use_case = updating(alice(None), &written);
    let set = || command(json!({}), RawField::Value(json!("Mine now")), RawField::Absent);

    let result = use_case.execute(&caller(2, &[Privilege::ManageUsers]), set()).await;
    assert!(matches!(result, Err(AppError::Forbidden(_))), "{result:?}");
    assert!(written.lock().unwrap().is_empty());

    use_case.execute(&caller(2, &[Privilege::WriteAnyProfile]), set()).await.unwrap();
    assert_eq!(written.lock().unwrap()[0].avatar, Some(avatar(Some("Mine now"))));
}
