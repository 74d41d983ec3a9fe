//! The profile as the native API shows it.

use chrono::{DateTime, NaiveDate, Utc};
use profile_application::model::{ImageKind, ProfileView};
use profile_domain::profile::{RenderedDescription, TextField};
use profile_domain::user::Role;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::media::{DescribedImageJson, MediaUrls};

/// A role and what it allows.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoleResponse {
    /// `user`, `admin`, …
    pub name: String,
    /// Privilege names, sorted.
    #[schema(value_type = Vec<String>)]
    pub privileges: Vec<&'static str>,
}

/// A country, read as code and canonical English name.
#[derive(Debug, Serialize, ToSchema)]
pub struct CountryResponse {
    /// ISO 3166-1 alpha-2.
    #[schema(value_type = String)]
    pub code: &'static str,
    /// English name, derived from the code.
    #[schema(value_type = String)]
    pub label: &'static str,
}

/// A text field of a [`VisibleProfile`](profile_domain::profile::VisibleProfile)
/// as JSON: the outer `None` (a private field the viewer may not see) leaves
/// it out, else it is the value or `null`.
macro_rules! shown {
    (public $value:expr) => {
        Some(text($value))
    };
    (private $value:expr) => {
        $value.map(text)
    };
}

macro_rules! profile_response {
    ($($(#[$doc:meta])* $field:ident: $ty:ty => $wire:literal, $vis:ident;)*) => {
        /// A profile; `email`, `email_verified`, `email_verified_at`, `birthdate` and `bank_account` only for the owner
        /// and holders of `profiles.read_private` (absent otherwise).
        #[derive(Debug, Serialize, ToSchema)]
        #[schema(title = "Profile")]
        pub struct ProfileResponse {
            /// Server-assigned id.
            pub id: i64,
            /// Public handle.
            pub username: String,
            /// Display name.
            pub name: String,
            /// Private.
            #[serde(skip_serializing_if = "Option::is_none")]
            pub email: Option<String>,
            /// Private, read-only: whether `email` is verified (by a mailed link).
            #[serde(skip_serializing_if = "Option::is_none")]
            pub email_verified: Option<bool>,
            /// Private, read-only: when `email` was verified; `null` while it is not.
            #[schema(value_type = Option<DateTime<Utc>>)]
            #[serde(skip_serializing_if = "Option::is_none")]
            pub email_verified_at: Option<Option<DateTime<Utc>>>,
            /// Text, HTML and entities.
            #[schema(value_type = crate::openapi::DescriptionSchema)]
            pub description: RenderedDescription,
            /// Country.
            pub country: Option<CountryResponse>,
            /// BCP 47 tag.
            pub locale: String,
            /// IANA time zone.
            pub timezone: String,
            /// Private: absent for viewers who may not see it, else the date or `null`.
            #[schema(value_type = Option<String>, format = Date)]
            #[serde(skip_serializing_if = "Option::is_none")]
            pub birthdate: Option<Option<NaiveDate>>,
            $(
                $(#[$doc])*
                #[schema(value_type = Option<String>)]
                #[serde(skip_serializing_if = "Option::is_none")]
                pub $field: Option<Option<String>>,
            )*
            /// Creator flag.
            pub is_creator: bool,
            /// Role and privileges.
            pub role: RoleResponse,
            /// The avatar (a default image until one is uploaded).
            pub avatar_image: DescribedImageJson,
            /// The cover (a default image until one is uploaded).
            pub cover_image: DescribedImageJson,
            /// Present when asked for with `include_annotations=1`.
            #[schema(value_type = Option<Vec<crate::openapi::AnnotationSchema>>)]
            #[serde(skip_serializing_if = "Option::is_none")]
            pub annotations: Option<Value>,
            /// Creation time.
            pub created_at: DateTime<Utc>,
            /// Last change.
            pub updated_at: DateTime<Utc>,
            /// Version, also sent as the `ETag`.
            pub version: i64,
        }

        impl ProfileResponse {
            /// The profile as the view holds it (already redacted for its viewer).
            pub fn new(view: ProfileView, with_annotations: bool, urls: &MediaUrls) -> Self {
                let ProfileView { profile: p, description, avatar, cover } = view;
                Self {
                    id: p.id().0,
                    username: p.username().as_str().to_owned(),
                    name: p.name().as_str().to_owned(),
                    email: p.email().map(|e| e.as_str().to_owned()),
                    email_verified: p.email_verified(),
                    email_verified_at: p.email_verified_at(),
                    description,
                    country: p.country().as_ref().map(|c| CountryResponse { code: c.code(), label: c.label() }),
                    locale: p.locale().as_str().to_owned(),
                    timezone: p.timezone().as_str().to_owned(),
                    birthdate: p.birthdate().map(|b| b.map(|b| b.date())),
                    $($field: shown!($vis p.$field()),)*
                    is_creator: *p.is_creator(),
                    role: role(p.role()),
                    avatar_image: urls.described_image(ImageKind::Avatar, avatar.as_ref()),
                    cover_image: urls.described_image(ImageKind::Cover, cover.as_ref()),
                    annotations: with_annotations.then(|| p.annotations().to_json()),
                    created_at: p.created_at(),
                    updated_at: p.updated_at(),
                    version: p.version().0,
                }
            }
        }
    };
}

profile_domain::for_each_profile_text_field!(profile_response);

fn text<T: TextField>(value: &Option<T>) -> Option<String> {
    value.as_ref().map(|v| v.as_text().to_owned())
}

fn role(role: &Role) -> RoleResponse {
    RoleResponse { name: role.name.clone(), privileges: role.privileges.iter().map(|p| p.as_str()).collect() }
}
