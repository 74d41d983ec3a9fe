//! The profile as the native API shows it.

use chrono::{DateTime, NaiveDate, Utc};
use profile_application::model::{Caller, ImageKind, ProfileView};
use profile_domain::profile::{Profile, RenderedDescription};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::media::{ImageJson, MediaUrls};

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

/// A profile; `email`, `birthdate` and `bank_account` only for the owner
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
    /// Text, HTML and entities.
    #[schema(value_type = crate::openapi::DescriptionSchema)]
    pub description: RenderedDescription,
    /// Free-text location.
    pub location: Option<String>,
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
    /// Gender.
    pub gender: Option<String>,
    /// Web site.
    pub website_url: Option<String>,
    /// Twitter/X.
    pub twitter_url: Option<String>,
    /// Facebook.
    pub facebook_url: Option<String>,
    /// Instagram.
    pub instagram_url: Option<String>,
    /// Ethereum address.
    pub eth_address: Option<String>,
    /// Private: absent for viewers who may not see it, else the IBAN or `null`.
    #[schema(value_type = Option<String>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bank_account: Option<Option<String>>,
    /// Creator flag.
    pub is_creator: bool,
    /// Role and privileges.
    pub role: RoleResponse,
    /// The avatar (a default image until one is uploaded).
    pub avatar_image: ImageJson,
    /// The cover (a default image until one is uploaded).
    pub cover_image: ImageJson,
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
    /// The profile as `viewer` may see it.
    pub fn for_viewer(
        view: ProfileView,
        viewer: Option<&Caller>,
        with_annotations: bool,
        urls: &MediaUrls,
    ) -> Self {
        let show_private = viewer.is_some_and(|v| v.may_read_private_of(view.profile.id));
        Self::new(view, show_private, with_annotations, urls)
    }

    /// The profile, with private fields when `show_private`.
    pub fn new(view: ProfileView, show_private: bool, with_annotations: bool, urls: &MediaUrls) -> Self {
        let ProfileView { profile: p, description, avatar, cover } = view;
        let text = |value: Option<&str>| value.map(str::to_owned);
        Self {
            id: p.id.0,
            username: p.username.as_str().to_owned(),
            name: p.name.as_str().to_owned(),
            email: show_private.then(|| p.email.as_str().to_owned()),
            description,
            location: text(p.location.as_ref().map(|v| v.as_str())),
            country: p.country.as_ref().map(|c| CountryResponse { code: c.code(), label: c.label() }),
            locale: p.locale.as_str().to_owned(),
            timezone: p.timezone.as_str().to_owned(),
            birthdate: show_private.then(|| p.birthdate.as_ref().map(|b| b.date())),
            gender: text(p.gender.as_ref().map(|v| v.as_str())),
            website_url: text(p.website_url.as_ref().map(|v| v.as_str())),
            twitter_url: text(p.twitter_url.as_ref().map(|v| v.as_str())),
            facebook_url: text(p.facebook_url.as_ref().map(|v| v.as_str())),
            instagram_url: text(p.instagram_url.as_ref().map(|v| v.as_str())),
            eth_address: text(p.eth_address.as_ref().map(|v| v.as_str())),
            bank_account: show_private.then(|| p.bank_account.as_ref().map(|b| b.as_str().to_owned())),
            is_creator: p.is_creator,
            role: role(&p),
            avatar_image: urls.image(ImageKind::Avatar, avatar.as_ref()),
            cover_image: urls.image(ImageKind::Cover, cover.as_ref()),
            annotations: with_annotations.then(|| p.annotations.to_json()),
            created_at: p.created_at,
            updated_at: p.updated_at,
            version: p.version.0,
        }
    }
}

fn role(profile: &Profile) -> RoleResponse {
    RoleResponse {
        name: profile.role.name.clone(),
        privileges: profile.role.privileges.iter().map(|p| p.as_str()).collect(),
    }
}
