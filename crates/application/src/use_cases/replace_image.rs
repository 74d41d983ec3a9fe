//! Uploading and removing avatar and cover images.
//!
//! Order of work, so a failure never loses the old image: store the new
//! files → commit the database change → delete the replaced files. When
//! anything fails before the commit, the new files are removed again.

use std::sync::Arc;

use profile_domain::profile::ImageAlt;
use profile_domain::user::{Privilege, UserId, UserRef};
use profile_domain::{FieldCode, FieldError};

use crate::model::{
    Caller, Edit, Edited, ImageKind, ImageVariant, ProfileImage, ProfileView, ProfileWrite, StoredProfile,
};
use crate::ports::{
    Clock, ImageError, ImageProcessor, MediaStore, ProfileReader, ProfileWriter, TokenIssuer,
};
use crate::use_cases::get_profile::view;
use crate::{AppError, Cause, Chain};

/// Replaces or removes a profile's avatar or cover.
#[derive(Clone)]
pub struct ReplaceImage {
    profiles: Arc<dyn ProfileReader>,
    writer: Arc<dyn ProfileWriter>,
    media: Arc<dyn MediaStore>,
    processor: Arc<dyn ImageProcessor>,
    clock: Arc<dyn Clock>,
    /// Unique values for each upload's file keys.
    nonces: Arc<dyn TokenIssuer>,
}

impl ReplaceImage {
    /// Wires the use case.
    pub fn new(
        profiles: Arc<dyn ProfileReader>,
        writer: Arc<dyn ProfileWriter>,
        media: Arc<dyn MediaStore>,
        processor: Arc<dyn ImageProcessor>,
        clock: Arc<dyn Clock>,
        nonces: Arc<dyn TokenIssuer>,
    ) -> Self {
        Self { profiles, writer, media, processor, clock, nonces }
    }

    /// Processes `upload` into the `kind` image of `target`, described by
    /// `alt` (a new upload never keeps the old image's alt text: it
    /// described the old picture).
    ///
    /// # Errors
    /// [`AppError::UnsupportedMedia`] for anything but JPEG, PNG, GIF and
    /// WebP; [`AppError::Validation`] at `avatar`/`cover` for corrupt,
    /// oversized or too narrow images; [`AppError::Forbidden`] unless the
    /// caller owns the profile or holds `profiles.write_any`.
    #[tracing::instrument(name = "upload_image", skip_all, fields(caller = %caller.user_id, target = %target, kind = kind.as_str(), bytes = upload.len()))]
    pub async fn upload(
        &self,
        caller: &Caller,
        target: &UserRef,
        kind: ImageKind,
        upload: Vec<u8>,
        alt: Option<ImageAlt>,
    ) -> Result<ProfileView, AppError> {
        let current = self.authorized_target(caller, target, kind).await?;
        let user = current.profile.id();
        let processed = self.processor.process(kind, upload).await.map_err(|e| image_error(kind, e))?;
        // Every upload's files are its own, even for the same picture: an
        // upload that replaces another deletes exactly the files it replaced,
        // never those of a concurrent upload of the same bytes that commits later.
        let owner = format!("user-{}/upload-{}", user.0, self.nonces.issue().digest.0);
        let mut stored: Vec<ImageVariant> = Vec::with_capacity(processed.renditions.len());
        for rendition in processed.renditions {
            let (width, height, content_type) = (rendition.width, rendition.height, rendition.content_type);
            match self.media.put(&owner, rendition.bytes, content_type).await {
                Ok(key) => {
                    stored.push(ImageVariant { key, width, height, content_type: content_type.to_owned() })
                }
                Err(error) => {
                    self.remove_files(stored.iter().map(|v| v.key.as_str()), current.image(kind)).await;
                    return Err(error.into());
                }
            }
        }
        let primary = stored
            .get(processed.primary)
            .cloned()
            .ok_or_else(|| AppError::Internal("the image processor returned no primary rendition".into()))?;
        let image = ProfileImage { primary, variants: stored, alt };
        self.swap(caller, user, kind, Some(image)).await
    }

    /// Puts the `kind` image of `target` back to the default.
    #[tracing::instrument(name = "remove_image", skip_all, fields(caller = %caller.user_id, target = %target, kind = kind.as_str()))]
    pub async fn remove(
        &self,
        caller: &Caller,
        target: &UserRef,
        kind: ImageKind,
    ) -> Result<ProfileView, AppError> {
        let current = self.authorized_target(caller, target, kind).await?;
        self.swap(caller, current.profile.id(), kind, None).await
    }

    /// The target's stored profile, when the caller may change its images.
    async fn authorized_target(
        &self,
        caller: &Caller,
        target: &UserRef,
        kind: ImageKind,
    ) -> Result<StoredProfile, AppError> {
        let who = target.resolve_me(Some(caller.user_id)).ok_or(AppError::Unauthenticated)?;
        let stored = self.profiles.find(&who).await?.ok_or(AppError::NotFound)?;
        if crate::use_cases::get_profile::hidden(&stored, Some(caller)) {
            return Err(AppError::NotFound);
        }
        if stored.profile.id() != caller.user_id && !caller.can(Privilege::WriteAnyProfile) {
            return Err(AppError::Forbidden(format!("change this user's {}", kind.as_str())));
        }
        Ok(stored)
    }

    /// Commits `image` as the new `kind` image, then deletes the files of the
    /// one it replaced; on failure before the commit, deletes the new files.
    async fn swap(
        &self,
        caller: &Caller,
        user: UserId,
        kind: ImageKind,
        image: Option<ProfileImage>,
    ) -> Result<ProfileView, AppError> {
        let now = self.clock.now();
        let new_image = image.clone();
        let decide = move |stored: &StoredProfile| -> Result<Edit, AppError> {
            let (mut avatar, mut cover) = (stored.avatar.clone(), stored.cover.clone());
            match kind {
                ImageKind::Avatar => avatar.clone_from(&new_image),
                ImageKind::Cover => cover.clone_from(&new_image),
            }
            let profile = stored.profile.touched(now);
            Ok(Edit::Store(ProfileWrite {
                profile,
                avatar,
                cover,
                retirement: None,
                requires_another_manager: false,
            }))
        };
        let failure = match self.writer.edit(&UserRef::Id(user), Box::new(decide), &caller.origin()).await {
            Ok(Edited::Stored { before, after }) => {
                if let Some(previous) = before.image(kind) {
                    self.remove_files(previous.keys(), image.as_ref()).await;
                }
                return view(self.profiles.as_ref(), after, Some(caller)).await;
            }
            Ok(Edited::Kept(_)) => AppError::Internal("an image change was kept".into()),
            Ok(Edited::Refused(error)) => error,
            Err(error) => error.into(),
        };
        if let Some(image) = &image {
            let current = self.profiles.find(&UserRef::Id(user)).await.ok().flatten();
            let in_use = current.as_ref().and_then(|c: &StoredProfile| c.image(kind));
            self.remove_files(image.keys(), in_use).await;
        }
        Err(failure)
    }

    /// Deletes `keys`, except those `keep` still uses (content addressing
    /// makes a re-upload of the same picture share keys). Failures are
    /// logged: an orphan file is harmless, a missing one is not.
    async fn remove_files<'a>(&self, keys: impl Iterator<Item = &'a str>, keep: Option<&ProfileImage>) {
        for key in keys {
            if keep.is_some_and(|image| image.keys().any(|k| k == key)) {
                continue;
            }
            if let Err(error) = self.media.delete(key).await {
                tracing::warn!(%key, error = %Chain(&error), "could not delete a replaced image file");
            }
        }
    }
}

fn image_error(kind: ImageKind, error: ImageError) -> AppError {
    let field = kind.as_str();
    let invalid =
        |code: FieldCode, message: String| AppError::from(FieldError::new(field, code).with_message(message));
    match error {
        ImageError::Unsupported => {
            AppError::UnsupportedMedia("Upload a JPEG, PNG, GIF or WebP image.".into())
        }
        ImageError::Corrupt(_) => {
            invalid(FieldCode::InvalidImage, "The image is corrupt or truncated.".into())
        }
        ImageError::TooLarge { width, height } => invalid(
            FieldCode::ImageTooLarge,
            format!("The image is {width}×{height} pixels, more than allowed."),
        ),
        ImageError::TooNarrow { width, min } => invalid(
            FieldCode::TooNarrow,
            format!("The image is {width} px wide; at least {min} px are needed."),
        ),
        error @ ImageError::Internal(_) => AppError::Internal(Cause::new(error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::RepoError;
    use crate::ports::image_processor::{EncodedImage, MockImageProcessor, ProcessedImage};
    use crate::ports::media_store::MockMediaStore;
    use crate::ports::profile_reader::MockProfileReader;
    use crate::ports::profile_writer::MockProfileWriter;
    use crate::use_cases::test_support::{edit_on, fixed_clock, fixed_tokens, member_caller, noon};
    use mockall::Sequence;
    use profile_domain::account::{Email, Username};
    use profile_domain::profile::{Profile, Version};
    use profile_domain::user::Role;
    use std::sync::Mutex;

    fn caller(id: i64) -> Caller {
        member_caller(id)
    }

    fn old_avatar() -> ProfileImage {
        let variant = ImageVariant {
            key: "old.jpg".into(),
            width: 200,
            height: 200,
            content_type: "image/jpeg".into(),
        };
        ProfileImage { primary: variant.clone(), variants: vec![variant], alt: None }
    }

    fn alice_with_old_avatar() -> StoredProfile {
        let profile = Profile::new(
            UserId(1),
            Username::try_from("alice").unwrap(),
            Email::try_from("a@example.com").unwrap(),
            Role::new(1, "user", Default::default()),
            noon(),
        );
        StoredProfile { profile, avatar: Some(old_avatar()), cover: None, mentions: None, suspension: None }
    }

    fn processor() -> MockImageProcessor {
        let mut processor = MockImageProcessor::new();
        processor.expect_process().returning(|_, _| {
            let rendition =
                |side| EncodedImage { width: side, height: side, content_type: "image/jpeg", bytes: vec![1] };
            Ok(ProcessedImage { primary: 1, renditions: vec![rendition(96), rendition(200)] })
        });
        processor
    }

    fn media_storing_two_files(seq: &mut Sequence) -> MockMediaStore {
        let mut media = MockMediaStore::new();
        media
            .expect_put()
            .withf(|owner, _, _| owner == "user-1/upload-digest-of-secret")
            .times(1)
            .in_sequence(seq)
            .returning(|_, _, _| Ok("new-96.jpg".into()));
        media.expect_put().times(1).in_sequence(seq).returning(|_, _, _| Ok("new-200.jpg".into()));
        media
    }

    /// The use case on a store holding `alice_with_old_avatar()`, written through `users`.
    fn replace_image(
        users: MockProfileWriter,
        media: MockMediaStore,
        processor: MockImageProcessor,
    ) -> ReplaceImage {
        let mut profiles = MockProfileReader::new();
        profiles.expect_find().returning(|_| Ok(Some(alice_with_old_avatar())));
        ReplaceImage::new(
            Arc::new(profiles),
            Arc::new(users),
            Arc::new(media),
            Arc::new(processor),
            fixed_clock(),
            fixed_tokens(),
        )
    }

    #[tokio::test]
    async fn old_files_are_deleted_only_after_the_commit() {
        let mut seq = Sequence::new();
        let mut users = MockProfileWriter::new();
        let mut media = media_storing_two_files(&mut seq);
        let written = Arc::new(Mutex::new(Vec::new()));
        users
            .expect_edit()
            .withf(|who, _, _| *who == UserRef::Id(UserId(1)))
            .times(1)
            .in_sequence(&mut seq)
            .returning(edit_on(alice_with_old_avatar(), written.clone()));
        media
            .expect_delete()
            .withf(|key| key == "old.jpg")
            .times(1)
            .in_sequence(&mut seq)
            .returning(|_| Ok(()));
        let use_case = replace_image(users, media, processor());

        let view =
            use_case.upload(&caller(1), &UserRef::Me, ImageKind::Avatar, vec![0xFF], None).await.unwrap();

        assert_eq!(view.avatar.unwrap().primary.key, "new-200.jpg");
        let written = written.lock().unwrap();
        let image = written[0].avatar.as_ref().unwrap();
        assert_eq!((image.primary.key.as_str(), image.variants.len()), ("new-200.jpg", 2));
        assert_eq!(written[0].profile.version(), Version(2), "an image change bumps the version");
    }

    #[tokio::test]
    async fn the_uploads_alt_text_is_stored_with_it_and_the_old_one_is_not_kept() {
        let mut seq = Sequence::new();
        let mut users = MockProfileWriter::new();
        let mut media = media_storing_two_files(&mut seq);
        let mut described = alice_with_old_avatar();
        described.avatar =
            Some(ProfileImage { alt: Some(ImageAlt::restore("The old picture".into())), ..old_avatar() });
        let written = Arc::new(Mutex::new(Vec::new()));
        users.expect_edit().times(2).returning(edit_on(described, written.clone()));
        media.expect_put().returning(|_, _, _| Ok("again.jpg".into()));
        media.expect_delete().returning(|_| Ok(()));
        let use_case = replace_image(users, media, processor());

        let alt = ImageAlt::parse("A new picture", "alt").unwrap();
        let view = use_case
            .upload(&caller(1), &UserRef::Me, ImageKind::Avatar, vec![0xFF], Some(alt.clone()))
            .await
            .unwrap();
        assert_eq!(view.avatar.unwrap().alt, Some(alt.clone()));
        use_case.upload(&caller(1), &UserRef::Me, ImageKind::Avatar, vec![0xFF], None).await.unwrap();

        let written = written.lock().unwrap();
        assert_eq!(written[0].avatar.as_ref().unwrap().alt, Some(alt));
        assert_eq!(written[1].avatar.as_ref().unwrap().alt, None, "a new upload without alt has none");
    }

    #[tokio::test]
    async fn a_failed_commit_removes_the_new_files_and_keeps_the_old_image() {
        let mut seq = Sequence::new();
        let mut users = MockProfileWriter::new();
        let mut media = media_storing_two_files(&mut seq);
        users
            .expect_edit()
            .times(1)
            .in_sequence(&mut seq)
            .returning(|_, _, _| Err(RepoError::Unavailable("gone".into())));
        media.expect_delete().withf(|key| key.starts_with("new-")).times(2).returning(|_| Ok(()));
        let use_case = replace_image(users, media, processor());

        let result = use_case.upload(&caller(1), &UserRef::Me, ImageKind::Avatar, vec![0xFF], None).await;

        assert!(matches!(result, Err(AppError::Unavailable(_))));
    }

    #[tokio::test]
    async fn a_store_that_cannot_write_makes_the_upload_unavailable_and_keeps_the_old_image() {
        let mut users = MockProfileWriter::new();
        users.expect_edit().never();
        let mut media = MockMediaStore::new();
        media.expect_put().times(1).returning(|_, _, _| {
            Err(crate::ports::MediaError::unavailable(
                "writing new-96.jpg",
                std::io::Error::other("disk full"),
            ))
        });
        media.expect_delete().never();
        let use_case = replace_image(users, media, processor());

        let result = use_case.upload(&caller(1), &UserRef::Me, ImageKind::Avatar, vec![0xFF], None).await;

        assert!(matches!(result, Err(AppError::Unavailable(_))));
    }

    #[tokio::test]
    async fn a_failed_store_during_a_reupload_keeps_the_files_the_current_image_shares() {
        let users = MockProfileWriter::new(); // a write would panic
        let mut media = MockMediaStore::new();
        let mut seq = Sequence::new();
        // The same picture again: the first rendition's key is the current one.
        media.expect_put().times(1).in_sequence(&mut seq).returning(|_, _, _| Ok("old.jpg".into()));
        media
            .expect_put()
            .times(1)
            .in_sequence(&mut seq)
            .returning(|_, _, _| Err(crate::ports::MediaError::Other("key clash".into())));
        media.expect_delete().never();
        let use_case = replace_image(users, media, processor());

        let result = use_case.upload(&caller(1), &UserRef::Me, ImageKind::Avatar, vec![0xFF], None).await;

        assert!(matches!(result, Err(AppError::Internal(_))));
    }

    #[tokio::test]
    async fn someone_elses_image_is_forbidden_before_any_processing() {
        let users = MockProfileWriter::new(); // a write would panic
        let processor = MockImageProcessor::new(); // a call would panic
        let use_case = replace_image(users, MockMediaStore::new(), processor);

        let result =
            use_case.upload(&caller(2), &UserRef::Id(UserId(1)), ImageKind::Cover, vec![1], None).await;

        assert!(matches!(result, Err(AppError::Forbidden(_))));
    }

    #[tokio::test]
    async fn a_rejected_upload_stores_nothing() {
        let users = MockProfileWriter::new(); // a write would panic
        let mut processor = MockImageProcessor::new();
        processor.expect_process().returning(|_, _| Err(ImageError::TooNarrow { width: 959, min: 960 }));
        let use_case = replace_image(users, MockMediaStore::new(), processor);

        let Err(AppError::Validation(errors)) =
            use_case.upload(&caller(1), &UserRef::Me, ImageKind::Cover, vec![1], None).await
        else {
            panic!("expected a validation error");
        };
        assert_eq!(
            (errors.errors()[0].field.as_ref(), errors.errors()[0].code.as_str()),
            ("cover", "too_narrow")
        );
        assert!(errors.errors()[0].message.contains("959"));
    }

    #[tokio::test]
    async fn removing_puts_back_the_default_and_deletes_the_files_after_the_commit() {
        let mut seq = Sequence::new();
        let mut users = MockProfileWriter::new();
        let written = Arc::new(Mutex::new(Vec::new()));
        users
            .expect_edit()
            .times(1)
            .in_sequence(&mut seq)
            .returning(edit_on(alice_with_old_avatar(), written.clone()));
        let mut media = MockMediaStore::new();
        media
            .expect_delete()
            .withf(|key| key == "old.jpg")
            .times(1)
            .in_sequence(&mut seq)
            .returning(|_| Ok(()));
        let use_case = replace_image(users, media, MockImageProcessor::new());

        let view = use_case.remove(&caller(1), &UserRef::Me, ImageKind::Avatar).await.unwrap();

        assert!(view.avatar.is_none());
        assert!(written.lock().unwrap()[0].avatar.is_none());
    }
}
