//! The image pipeline (recognise, check limits, decode, orient, crop,
//! resize, re-encode) with the service's default limits (`[media]` in
//! `config/default.toml`).
//!
//! Input: the first byte picks the kind (even: avatar, odd: cover), the rest
//! is the upload.

use profile_application::model::ImageKind;
use profile_infrastructure::images::pipeline::{AVATAR_PRIMARY, COVER_MIN_WIDTH};
use profile_infrastructure::images::{ImageLimits, process};

/// `media.avatar_max_bytes` and `media.cover_max_bytes`: larger uploads are
/// refused before they reach the pipeline.
const AVATAR_MAX_BYTES: usize = 1_048_575;
const COVER_MAX_BYTES: usize = 4_194_303;

/// Processes the upload in `data`; an accepted one has renditions of the
/// promised sizes.
pub fn check(data: &[u8]) {
    let Some((selector, upload)) = super::selector(data) else { return };
    let (kind, max_bytes) = if selector % 2 == 0 {
        (ImageKind::Avatar, AVATAR_MAX_BYTES)
    } else {
        (ImageKind::Cover, COVER_MAX_BYTES)
    };
    if upload.len() > max_bytes {
        return;
    }
    // media.max_image_side and media.max_image_pixels; max_alloc is not configurable.
    let limits = ImageLimits { max_side: 12_000, max_pixels: 40_000_000, ..ImageLimits::default() };
    let Ok(processed) = process(kind, upload, limits) else { return };
    let primary = processed.renditions.get(processed.primary).expect("the primary rendition exists");
    match kind {
        ImageKind::Avatar => {
            assert_eq!((primary.width, primary.height), (AVATAR_PRIMARY, AVATAR_PRIMARY));
            assert!(processed.renditions.iter().all(|r| r.width == r.height), "a non-square avatar");
        }
        ImageKind::Cover => assert_eq!(primary.width, COVER_MIN_WIDTH),
    }
    for rendition in &processed.renditions {
        assert!(rendition.height >= 1 && !rendition.bytes.is_empty());
        assert!(matches!(rendition.content_type, "image/jpeg" | "image/png"));
    }
}
