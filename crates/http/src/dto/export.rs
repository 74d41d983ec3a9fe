//! The data export (`GET /v1/users/me/export`): everything the service
//! holds about the caller, as one JSON document.
//!
//! The `profile` member is the profile exactly as its owner reads it with
//! `GET /v1/users/me?include_annotations=1`, so a field added to the
//! profile (the email verification state, say) is in the export with no
//! change here; the sessions are listed exactly as
//! `GET /v1/users/me/sessions` lists them ([`SessionListItem`]).

use chrono::{DateTime, Utc};
use profile_application::model::{AccountExport, ImageKind, ProfileImage};
use serde::Serialize;
use utoipa::ToSchema;

use crate::dto::profile::ProfileResponse;
use crate::dto::session::SessionListItem;
use crate::media::{DEFAULT_AVATAR_SIZE, DEFAULT_COVER_SIZE, MediaUrls, default_key};

/// The export's format name and version, for programs that read it.
pub const FORMAT: &str = "profiled-export/1";

/// Everything the service holds about the caller's account: the account
/// and profile (private fields and annotations included), both images in
/// every stored size with their alt texts, and the live sessions. Never a
/// password hash, a token or a token digest.
#[derive(Debug, Serialize, ToSchema)]
#[schema(title = "AccountExport")]
pub struct AccountExportResponse {
    /// `profiled-export/1`: this document's format and version.
    #[schema(value_type = String, example = "profiled-export/1")]
    pub format: &'static str,
    /// When the export was made.
    pub exported_at: DateTime<Utc>,
    /// The account and profile exactly as the owner reads them with
    /// `GET /v1/users/me?include_annotations=1`: id, username, email,
    /// role and privileges, every profile field including the private
    /// ones, annotations, the images as shown (with `alt`), `created_at`,
    /// `updated_at` and `version`.
    pub profile: ProfileResponse,
    /// The avatar and the cover in every stored size.
    pub images: ImagesExport,
    /// The account's live sessions (not revoked, not expired), newest first.
    pub sessions: Vec<SessionListItem>,
}

/// Both images.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImagesExport {
    /// The avatar.
    pub avatar: ImageExport,
    /// The cover.
    pub cover: ImageExport,
}

/// One image in every size the service stores.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImageExport {
    /// True while the shipped default image is shown (nothing uploaded).
    pub is_default: bool,
    /// The alt text; `null` when none (always for the default image).
    pub alt: Option<String>,
    /// The size profiles show (`avatar_image.url`).
    pub primary_url: String,
    /// Every stored size, narrowest first.
    pub sizes: Vec<ImageSizeExport>,
}

/// One stored size of an image.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImageSizeExport {
    /// Where it is.
    pub url: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `image/jpeg` or `image/png`.
    pub content_type: String,
}

impl AccountExportResponse {
    /// The export as JSON, its URLs under `urls`.
    pub fn new(export: AccountExport, urls: &MediaUrls) -> Self {
        let AccountExport { profile, sessions, exported_at } = export;
        let images = ImagesExport {
            avatar: image(urls, ImageKind::Avatar, profile.avatar.as_ref()),
            cover: image(urls, ImageKind::Cover, profile.cover.as_ref()),
        };
        Self {
            format: FORMAT,
            exported_at,
            profile: ProfileResponse::new(profile, true, urls),
            images,
            sessions: sessions.into_iter().map(SessionListItem::from).collect(),
        }
    }

    /// The name the download is saved under.
    pub fn file_name(&self) -> String {
        format!("profiled-export-{}.json", self.profile.username)
    }
}

fn image(urls: &MediaUrls, kind: ImageKind, image: Option<&ProfileImage>) -> ImageExport {
    let Some(image) = image else {
        let (width, height) = match kind {
            ImageKind::Avatar => DEFAULT_AVATAR_SIZE,
            ImageKind::Cover => DEFAULT_COVER_SIZE,
        };
        let url = urls.url(default_key(kind));
        let size = ImageSizeExport { url: url.clone(), width, height, content_type: "image/png".into() };
        return ImageExport { is_default: true, alt: None, primary_url: url, sizes: vec![size] };
    };
    ImageExport {
        is_default: false,
        alt: image.alt.as_ref().map(|alt| alt.as_str().to_owned()),
        primary_url: urls.url(&image.primary.key),
        sizes: image
            .variants
            .iter()
            .map(|v| ImageSizeExport {
                url: urls.url(&v.key),
                width: v.width,
                height: v.height,
                content_type: v.content_type.clone(),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use utoipa::OpenApi;

    use crate::docs::ApiDoc;

    #[test]
    fn the_export_and_alt_text_are_in_the_document() {
        let document = serde_json::to_value(ApiDoc::openapi()).unwrap();
        let schemas = &document["components"]["schemas"];
        let export = &schemas["AccountExportResponse"];
        let mut members: Vec<&str> =
            export["properties"].as_object().unwrap().keys().map(String::as_str).collect();
        members.sort_unstable();
        assert_eq!(members, ["exported_at", "format", "images", "profile", "sessions"]);
        for (schema, member) in [
            ("AccountExportResponse", "profile"),
            ("ImageExport", "sizes"),
            ("ImageSizeExport", "content_type"),
            ("SessionListItem", "current"),
            ("SessionListItem", "user_agent"),
            ("DescribedImageJson", "alt"),
        ] {
            let property = &schemas[schema]["properties"][member];
            assert!(property.is_object(), "{schema}.{member}");
        }
        assert!(schemas["SessionListItem"]["properties"].get("token").is_none());

        let operation = &document["paths"]["/v1/users/me/export"]["get"];
        let ok = &operation["responses"]["200"];
        assert!(
            ok["headers"]["Content-Disposition"].is_object() && ok["headers"]["Cache-Control"].is_object()
        );
        assert_eq!(
            ok["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/AccountExportResponse"
        );

        let input = &schemas["ProfileInput"]["properties"]["avatar_image"];
        assert_eq!(input["properties"]["alt"]["maxLength"], 1500);
        assert_eq!(input["properties"]["url"]["readOnly"], true);
        let upload = &document["paths"]["/v1/users/{user}/avatar"]["post"]["requestBody"]["content"]["multipart/form-data"]
            ["schema"];
        assert_eq!(upload["properties"]["alt"]["maxLength"], 1500, "{upload}");
    }
}
