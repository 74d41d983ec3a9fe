//! Turning an upload into the stored renditions of an avatar or cover.

use async_trait::async_trait;

use crate::Cause;
use crate::model::ImageKind;

/// Why an upload cannot become an image.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageError {
    /// The bytes are not JPEG, PNG, GIF or WebP.
    #[error("not a JPEG, PNG, GIF or WebP image")]
    Unsupported,
    /// A supported format, but truncated or corrupt.
    #[error("the image is corrupt or truncated")]
    Corrupt(#[source] Cause),
    /// The declared dimensions exceed the limits (decompression bombs).
    #[error("the image is {width}×{height} pixels, more than allowed")]
    TooLarge {
        /// Declared width.
        width: u32,
        /// Declared height.
        height: u32,
    },
    /// Narrower than the kind's minimum width.
    #[error("the image is {width} px wide; at least {min} px are needed")]
    TooNarrow {
        /// Actual width (after orientation).
        width: u32,
        /// Required width.
        min: u32,
    },
    /// Anything else (worker pool gone).
    #[error("image processing failed")]
    Internal(#[source] Cause),
}

/// One encoded rendition.
#[derive(Clone, PartialEq, Eq)]
pub struct EncodedImage {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `image/jpeg` or `image/png`.
    pub content_type: &'static str,
    /// The file.
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for EncodedImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "EncodedImage({}×{} {}, {} bytes)",
            self.width,
            self.height,
            self.content_type,
            self.bytes.len()
        )
    }
}

/// Every rendition made from one upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessedImage {
    /// Index of the primary rendition in `renditions`.
    pub primary: usize,
    /// Renditions, narrowest first.
    pub renditions: Vec<EncodedImage>,
}

/// Decodes, orients, crops, resizes and re-encodes uploads.
///
/// Adapters MUST recognise the format from the bytes only, refuse
/// oversized dimensions before decoding, strip all metadata, and run off the
/// async worker threads with bounded concurrency.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ImageProcessor: Send + Sync {
    /// The renditions of `upload` as a `kind` image.
    async fn process(&self, kind: ImageKind, upload: Vec<u8>) -> Result<ProcessedImage, ImageError>;
}
