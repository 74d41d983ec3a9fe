//! Image URLs and the `{url, width, height, is_default}` objects profiles
//! show (with `alt` in the native API).

use profile_application::model::{ImageKind, ImageVariant, ProfileImage};
use serde::Serialize;

/// Width and height of the shipped default avatar.
pub const DEFAULT_AVATAR_SIZE: (u32, u32) = (200, 200);
/// Width and height of the shipped default cover.
pub const DEFAULT_COVER_SIZE: (u32, u32) = (960, 320);

/// Media key of the shipped default image of `kind`.
pub fn default_key(kind: ImageKind) -> &'static str {
    match kind {
        ImageKind::Avatar => "default/avatar.png",
        ImageKind::Cover => "default/cover.png",
    }
}

/// Where image URLs point: a CDN (`media.public_base_url`) or this
/// service's `/media/` at its configured public address
/// (`server.public_base_url`). Never the request's `Host` or forwarding
/// headers, which anyone can write.
#[derive(Debug, Clone)]
pub struct MediaUrls {
    base: String,
}

impl MediaUrls {
    /// URLs under `cdn` when set, else under `service`'s `/media`.
    pub fn new(service: &str, cdn: Option<&str>) -> Self {
        let base = match cdn {
            Some(base) if !base.is_empty() => base.trim_end_matches('/').to_owned(),
            _ => format!("{}/media", service.trim_end_matches('/')),
        };
        Self { base }
    }

    /// The URL of the object with `key`.
    pub fn url(&self, key: &str) -> String {
        format!("{}/{}", self.base, key)
    }

    /// The object a profile shows for its `kind` image.
    pub fn image(&self, kind: ImageKind, image: Option<&ProfileImage>) -> ImageJson {
        match image {
            Some(image) => self.variant(&image.primary, false),
            None => {
                let (width, height) = match kind {
                    ImageKind::Avatar => DEFAULT_AVATAR_SIZE,
                    ImageKind::Cover => DEFAULT_COVER_SIZE,
                };
                ImageJson { url: self.url(default_key(kind)), width, height, is_default: true }
            }
        }
    }

    /// The object the native API shows for the `kind` image: as
    /// [`MediaUrls::image`], with its alt text.
    pub fn described_image(&self, kind: ImageKind, image: Option<&ProfileImage>) -> DescribedImageJson {
        let ImageJson { url, width, height, is_default } = self.image(kind, image);
        let alt = image.and_then(|image| image.alt.as_ref()).map(|alt| alt.as_str().to_owned());
        DescribedImageJson { url, width, height, is_default, alt }
    }

    fn variant(&self, variant: &ImageVariant, is_default: bool) -> ImageJson {
        ImageJson { url: self.url(&variant.key), width: variant.width, height: variant.height, is_default }
    }
}

/// `{url, width, height, is_default}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ImageJson {
    /// Where the image is.
    pub url: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// True for the shipped default image.
    pub is_default: bool,
}

/// `{url, width, height, is_default, alt}`: an image as the native API
/// shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(title = "Image")]
pub struct DescribedImageJson {
    /// Where the image is.
    pub url: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// True for the shipped default image.
    pub is_default: bool,
    /// What the image shows, for people who cannot see it (at most 1,500
    /// characters); `null` when none was given, and always for the default
    /// image. Set with the upload's `alt` field or by PATCH/PUT of `{"alt": …}`.
    #[schema(max_length = 1500)]
    pub alt: Option<String>,
}
