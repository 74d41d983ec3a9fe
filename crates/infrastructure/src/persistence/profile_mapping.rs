//! Between stored rows and the domain's `Profile`.
//!
//! Reading trusts what is stored: every value passed the domain's rules when
//! it was written, so it is rebuilt with the types' `restore` constructors
//! (no validation on the read path) and the JSON columns are decoded straight
//! into typed records. Only what must be parsed to exist at all (a time zone,
//! a URL, a country's name) is parsed; a value that does not is reported as
//! corrupt, not served.

use std::collections::HashMap;

use profile_application::model::{
    ImageVariant, ProfileImage, ProfileWrite, StoredProfile, Suspension, SuspensionReason,
};
use profile_application::ports::RepoError;
use profile_domain::account::{Email, Username};
use profile_domain::profile::{
    Annotation, Annotations, Birthdate, Country, Description, DisplayName, ImageAlt, Locale, Profile,
    StoredProfileParts, TextField, TimeZone, UserLink, Version,
};
use profile_domain::user::{Role, UserId};
use sea_orm::ActiveModelTrait as _;
use sea_orm::ActiveValue::{self, Set};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::entities::users;

/// One of the owner's links in `description_links`.
#[derive(Serialize, Deserialize)]
struct StoredLink<'a> {
    #[serde(borrow)]
    url: std::borrow::Cow<'a, str>,
    pos: usize,
    len: usize,
}

/// One annotation in `annotations`.
#[derive(Deserialize)]
struct StoredAnnotation {
    #[serde(rename = "type")]
    kind: String,
    value: Map<String, Value>,
}

/// One rendition in `avatar_image` / `cover_image` (the primary first).
#[derive(Serialize, Deserialize)]
struct StoredVariant {
    key: String,
    width: u32,
    height: u32,
    content_type: String,
}

/// Rebuilds the profile from its row and its role.
pub(crate) fn to_profile(row: users::ProfileColumns, role: Role) -> Result<Profile, RepoError> {
    let id = row.id;
    let corrupt = |what: &str| RepoError::Other(format!("stored user {id} has an invalid {what}").into());
    let links: Vec<StoredLink<'_>> =
        serde_json::from_str(&row.description_links).map_err(|_| corrupt("description link list"))?;
    let links = links.into_iter().map(|l| UserLink::restore(l.url.into_owned(), l.pos, l.len)).collect();
    let annotations: Vec<StoredAnnotation> =
        serde_json::from_str(&row.annotations).map_err(|_| corrupt("annotation list"))?;
    let annotations = annotations.into_iter().map(|a| Annotation::restore(a.kind, a.value)).collect();
    macro_rules! profile {
        ($($(#[$doc:meta])* $field:ident: $pt:ty, $ct:ty => $wire:literal, $rule:ident, $vis:ident, $kind:ident;)*) => {
            Profile::restore(StoredProfileParts {
                id: UserId(id),
                $($field: column!($kind $field $ct, $wire),)*
                created_at: row.created_at,
                updated_at: row.updated_at,
                version: Version(row.version),
                email_verified_at: row.email_verified_at,
            })
        };
    }
    /// A field from its column(s): text fields uniformly, the others one arm each.
    macro_rules! column {
        (text $field:ident $ct:ty, $wire:literal) => {
            row.$field
                .filter(|s| !s.is_empty())
                .map(|s| <$ct>::restore_text(s).ok_or_else(|| corrupt($wire)))
                .transpose()?
        };
        ($kind:ident username $ct:ty, $wire:literal) => {
            Username::restore(row.username)
        };
        ($kind:ident email $ct:ty, $wire:literal) => {
            Email::restore(row.email)
        };
        ($kind:ident name $ct:ty, $wire:literal) => {
            DisplayName::restore(row.name)
        };
        ($kind:ident description $ct:ty, $wire:literal) => {
            Description::restore(row.description_text, links)
        };
        ($kind:ident country $ct:ty, $wire:literal) => {
            row.country
                .filter(|s| !s.is_empty())
                .map(|code| Country::try_from(code.as_str()).map_err(|_| corrupt("country")))
                .transpose()?
        };
        ($kind:ident locale $ct:ty, $wire:literal) => {
            Locale::restore(row.locale)
        };
        ($kind:ident timezone $ct:ty, $wire:literal) => {
            TimeZone::try_from(row.timezone.as_str()).map_err(|_| corrupt("timezone"))?
        };
        ($kind:ident birthdate $ct:ty, $wire:literal) => {
            row.birthdate.map(Birthdate::restore)
        };
        ($kind:ident is_creator $ct:ty, $wire:literal) => {
            row.is_creator
        };
        ($kind:ident annotations $ct:ty, $wire:literal) => {
            Annotations::restore(annotations)
        };
        ($kind:ident role $ct:ty, $wire:literal) => {
            role
        };
    }
    Ok(profile_domain::for_each_profile_field!(profile))
}

/// The profile, its images and (when the row carried them) its resolved
/// mentions.
pub(crate) fn to_stored_profile(
    row: users::ProfileColumns,
    role: Role,
    mentions: Option<HashMap<String, UserId>>,
) -> Result<StoredProfile, RepoError> {
    let id = row.id;
    let avatar = image_from_column(row.avatar_image.as_deref(), row.avatar_alt.clone())
        .map_err(|()| RepoError::Other(format!("stored user {id} has an invalid avatar_image").into()))?;
    let cover = image_from_column(row.cover_image.as_deref(), row.cover_alt.clone())
        .map_err(|()| RepoError::Other(format!("stored user {id} has an invalid cover_image").into()))?;
    let suspension = suspension_from_columns(&row);
    Ok(StoredProfile { profile: to_profile(row, role)?, avatar, cover, mentions, suspension })
}

/// The suspension in force, from `suspended_at`, `suspended_by` and
/// `suspension_reason` (written together, always valid).
pub(crate) fn suspension_from_columns(row: &users::ProfileColumns) -> Option<Suspension> {
    let (Some(suspended_at), Some(by), Some(reason)) =
        (row.suspended_at, row.suspended_by, row.suspension_reason.as_deref())
    else {
        return None;
    };
    let reason = SuspensionReason::try_from(reason).ok()?;
    Some(Suspension { reason, suspended_at, suspended_by: UserId(by) })
}

/// `mention_ids` as the read statement gives it: `[["bob", 2], …]`.
pub(crate) fn mentions_from_column(raw: Option<&str>) -> Option<HashMap<String, UserId>> {
    let pairs: Vec<(String, i64)> = serde_json::from_str(raw?).ok()?;
    Some(pairs.into_iter().map(|(name, id)| (name, UserId(id))).collect())
}

/// The columns of `write` that differ from `before`, the only ones its
/// `UPDATE` sets: SQLite rewrites the entries of every index whose columns a
/// statement sets, changed or not (six indexes on `users`), and fires the
/// triggers `OF` them.
pub(crate) fn changed_columns(write: &ProfileWrite, before: &StoredProfile) -> users::ActiveModel {
    let old = columns_of(&before.profile, before.avatar.as_ref(), before.cover.as_ref());
    let mut new = columns_of(&write.profile, write.avatar.as_ref(), write.cover.as_ref());
    for column in <users::Column as sea_orm::Iterable>::iter() {
        if let (ActiveValue::Set(now), ActiveValue::Set(was)) = (new.get(column), old.get(column))
            && now == was
        {
            new.not_set(column);
        }
    }
    new
}

/// The columns a profile's write stores (everything but id, password,
/// created_at and the suspension).
fn columns_of(
    profile: &Profile,
    avatar: Option<&ProfileImage>,
    cover: Option<&ProfileImage>,
) -> users::ActiveModel {
    let links: Vec<StoredLink<'_>> = profile
        .description()
        .user_links()
        .iter()
        .map(|link| StoredLink { url: link.url().into(), pos: link.pos(), len: link.len() })
        .collect();
    let mut columns = users::ActiveModel {
        username: Set(profile.username().as_str().to_owned()),
        username_key: Set(profile.username().canonical()),
        email: Set(profile.email().as_str().to_owned()),
        email_key: Set(profile.email().canonical()),
        name: Set(profile.name().as_str().to_owned()),
        role_id: Set(profile.role().id),
        updated_at: Set(profile.updated_at()),
        version: Set(profile.version().0),
        email_verified_at: Set(profile.email_verified_at()),
        description_text: Set(profile.description().text().to_owned()),
        description_links: Set(serde_json::to_string(&links).unwrap_or_else(|_| "[]".into())),
        mentions: Set(Some(mentions_column(profile))),
        country: Set(profile.country().as_ref().map(|c| c.code().to_owned())),
        locale: Set(profile.locale().as_str().to_owned()),
        timezone: Set(profile.timezone().as_str().to_owned()),
        birthdate: Set(profile.birthdate().as_ref().map(Birthdate::date)),
        is_creator: Set(*profile.is_creator()),
        annotations: Set(profile.annotations().to_json().to_string()),
        avatar_image: Set(image_to_column(avatar)),
        cover_image: Set(image_to_column(cover)),
        avatar_alt: Set(alt_column(avatar)),
        cover_alt: Set(alt_column(cover)),
        ..Default::default()
    };
    macro_rules! text_columns {
        ($($(#[$doc:meta])* $field:ident: $ty:ty => $wire:literal, $vis:ident;)*) => {
            $(columns.$field = Set(profile.$field().as_ref().map(|v| v.as_text().to_owned()));)*
        };
    }
    profile_domain::for_each_profile_text_field!(text_columns);
    columns
}

/// The `mentions` column of `profile`: its mentioned names, lower-case.
pub(crate) fn mentions_column(profile: &Profile) -> String {
    serde_json::to_string(&profile.description().mentioned_names()).unwrap_or_else(|_| "[]".into())
}

/// `[{key, width, height, content_type}]`, the primary first.
fn image_to_column(image: Option<&ProfileImage>) -> Option<String> {
    let image = image?;
    let variant = |v: &ImageVariant| StoredVariant {
        key: v.key.clone(),
        width: v.width,
        height: v.height,
        content_type: v.content_type.clone(),
    };
    let mut list = vec![variant(&image.primary)];
    list.extend(image.variants.iter().filter(|v| v.key != image.primary.key).map(variant));
    serde_json::to_string(&list).ok()
}

/// The alt text of an uploaded image; `NULL` for none and for the default image.
fn alt_column(image: Option<&ProfileImage>) -> Option<String> {
    image?.alt.as_ref().map(|alt| alt.as_str().to_owned())
}

/// The image stored in `raw`, described by `alt` (ignored without an image).
fn image_from_column(raw: Option<&str>, alt: Option<String>) -> Result<Option<ProfileImage>, ()> {
    let Some(raw) = raw else { return Ok(None) };
    let list: Vec<StoredVariant> = serde_json::from_str(raw).map_err(|_| ())?;
    let mut variants: Vec<ImageVariant> = list
        .into_iter()
        .map(|v| ImageVariant { key: v.key, width: v.width, height: v.height, content_type: v.content_type })
        .collect();
    let primary = variants.first().cloned().ok_or(())?;
    variants.sort_by_key(|v| (v.width, v.height));
    let alt = alt.filter(|alt| !alt.is_empty()).map(ImageAlt::restore);
    Ok(Some(ProfileImage { primary, variants, alt }))
}
