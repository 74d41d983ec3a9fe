//! JPEG through libjpeg-turbo, as the `mozjpeg` crate builds it from its
//! bundled source (needing only a C compiler): decoding at a reduced scale,
//! and encoding the renditions.
//!
//! Renditions are at most 400 px (avatar) or 1920 px (cover) across, so a
//! 3000×2000 photo does not need decoding in full: libjpeg scales by n/8
//! inside the inverse DCT, skipping most of the work the resize would throw
//! away ("shrink on load", as libvips does).
//!
//! libjpeg reports fatal errors by unwinding (the `mozjpeg` crate's design,
//! its C code built with unwind tables); every call here is guarded, so
//! they come out as [`ImageError`]s.

use std::panic::{AssertUnwindSafe, catch_unwind};

use image::metadata::Orientation;
use image::{DynamicImage, RgbImage};
use mozjpeg::{ColorSpace, Compress, Decompress, Marker};
use profile_application::Cause;
use profile_application::ports::image_processor::ImageError;

/// Scale numerators run over eighths: 8 is full size.
pub const FULL_SCALE: u8 = 8;

/// A JPEG decoded, possibly scaled down, and turned upright.
#[derive(Debug)]
pub struct Decoded {
    /// The upright pixels.
    pub image: DynamicImage,
    /// The upright dimensions of the source at full size.
    pub source: (u32, u32),
}

/// Decodes `jpeg` at the scale `scale_for` picks from the upright source
/// dimensions (a numerator over 8), then applies the EXIF orientation.
///
/// `Ok(None)` means libjpeg cannot convert this JPEG's colour space to RGB
/// (CMYK, YCCK); the caller decodes it another way. A fatal libjpeg error is
/// [`ImageError::Corrupt`].
pub fn decode(
    jpeg: &[u8],
    scale_for: impl FnOnce(u32, u32) -> Result<u8, ImageError>,
) -> Result<Option<Decoded>, ImageError> {
    guarded(ImageError::Corrupt, || decode_unguarded(jpeg, scale_for))
}

/// Encodes 8-bit RGB pixels as a baseline JPEG of `quality` with optimised
/// Huffman tables; the JFIF header is its only metadata.
pub fn encode(width: u32, height: u32, rgb: &[u8], quality: u8) -> Result<Vec<u8>, ImageError> {
    guarded(ImageError::Internal, || {
        let failed = |e: std::io::Error| ImageError::Internal(Cause::new(e));
        let mut compress = Compress::new(ColorSpace::JCS_RGB);
        compress.set_fastest_defaults();
        compress.set_size(width as usize, height as usize);
        compress.set_quality(f32::from(quality));
        compress.set_optimize_coding(true);
        let mut started = compress.start_compress(Vec::with_capacity(rgb.len() / 8)).map_err(failed)?;
        started.write_scanlines(rgb).map_err(failed)?;
        started.finish().map_err(failed)
    })
}

/// Runs `work`, turning a libjpeg error that unwinds out of it into
/// `on_error(message)`.
fn guarded<T>(
    on_error: fn(Cause) -> ImageError,
    work: impl FnOnce() -> Result<T, ImageError>,
) -> Result<T, ImageError> {
    catch_unwind(AssertUnwindSafe(work)).unwrap_or_else(|payload| {
        let message = payload.downcast_ref::<String>().map_or("libjpeg failed", String::as_str);
        Err(on_error(message.into()))
    })
}

fn decode_unguarded(
    jpeg: &[u8],
    scale_for: impl FnOnce(u32, u32) -> Result<u8, ImageError>,
) -> Result<Option<Decoded>, ImageError> {
    let corrupt = |e: std::io::Error| ImageError::Corrupt(Cause::new(e));
    let mut decompress = Decompress::with_markers(&[Marker::APP(1)]).from_mem(jpeg).map_err(corrupt)?;
    if matches!(decompress.color_space(), ColorSpace::JCS_CMYK | ColorSpace::JCS_YCCK) {
        return Ok(None);
    }
    let orientation = exif_orientation(&decompress);
    let (width, height) = dimensions(&decompress)?;
    let source = if swaps_axes(orientation) { (height, width) } else { (width, height) };
    decompress.scale(scale_for(source.0, source.1)?.clamp(1, FULL_SCALE));
    let mut started = decompress.rgb().map_err(corrupt)?;
    let (scaled_width, scaled_height) = (started.width(), started.height());
    let pixels = started.read_scanlines::<u8>().map_err(corrupt)?;
    started.finish().map_err(corrupt)?;
    let (scaled_width, scaled_height) = (to_u32(scaled_width)?, to_u32(scaled_height)?);
    let buffer = RgbImage::from_raw(scaled_width, scaled_height, pixels)
        .ok_or_else(|| ImageError::Corrupt("the JPEG has fewer rows than its header declares".into()))?;
    let mut image = DynamicImage::ImageRgb8(buffer);
    image.apply_orientation(orientation);
    Ok(Some(Decoded { image, source }))
}

/// The orientation in the EXIF block (an APP1 segment starting `Exif\0\0`).
fn exif_orientation<R>(decompress: &Decompress<R>) -> Orientation {
    decompress
        .markers()
        .filter(|marker| marker.marker == Marker::APP(1))
        .find_map(|marker| marker.data.strip_prefix(b"Exif\0\0"))
        .and_then(Orientation::from_exif_chunk)
        .unwrap_or(Orientation::NoTransforms)
}

/// Orientations that turn the image a quarter, swapping width and height.
fn swaps_axes(orientation: Orientation) -> bool {
    matches!(
        orientation,
        Orientation::Rotate90
            | Orientation::Rotate270
            | Orientation::Rotate90FlipH
            | Orientation::Rotate270FlipH
    )
}

fn dimensions<R>(decompress: &Decompress<R>) -> Result<(u32, u32), ImageError> {
    Ok((to_u32(decompress.width())?, to_u32(decompress.height())?))
}

fn to_u32(value: usize) -> Result<u32, ImageError> {
    u32::try_from(value).map_err(|_| ImageError::Corrupt("the JPEG declares an impossible size".into()))
}

/// The smallest numerator n (over 8) for which `side` × n/8 still reaches
/// `needed`: libjpeg rounds scaled sizes up, so the result is never short.
/// Full scale when the source is smaller than needed.
pub fn scale_for(side: u32, needed: u32) -> u8 {
    if side == 0 || needed >= side {
        return FULL_SCALE;
    }
    let eighths = (u64::from(needed) * u64::from(FULL_SCALE)).div_ceil(u64::from(side));
    u8::try_from(eighths).unwrap_or(FULL_SCALE).clamp(1, FULL_SCALE)
}

#[cfg(test)]
mod tests {
    use image::codecs::jpeg::JpegEncoder;
    use image::{GenericImageView, Rgb};
    use mozjpeg::Compress;

    use super::*;

    fn gradient_jpeg(width: u32, height: u32) -> Vec<u8> {
        let image = RgbImage::from_fn(width, height, |x, y| Rgb([(x % 256) as u8, (y % 256) as u8, 128]));
        let mut bytes = Vec::new();
        image.write_with_encoder(JpegEncoder::new_with_quality(&mut bytes, 90)).unwrap();
        bytes
    }

    #[test]
    fn decoding_scales_down_by_the_numerator_it_is_given() {
        let mut asked = None;
        let decoded = decode(&gradient_jpeg(3000, 2000), |width, height| {
            asked = Some((width, height));
            Ok(2)
        })
        .unwrap()
        .expect("an RGB JPEG");
        assert_eq!(asked, Some((3000, 2000)));
        assert_eq!(decoded.source, (3000, 2000));
        assert_eq!(decoded.image.dimensions(), (750, 500));
    }

    #[test]
    fn the_scale_is_chosen_from_the_upright_dimensions() {
        // The same JPEG with an EXIF orientation 6 (a quarter turn).
        let plain = gradient_jpeg(1600, 800);
        let mut tiff = vec![b'I', b'I', 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0];
        tiff.extend([0, 0, 0, 0]);
        let mut turned = vec![0xFF, 0xD8, 0xFF, 0xE1];
        turned.extend(u16::try_from(tiff.len() + 8).unwrap().to_be_bytes());
        turned.extend(b"Exif\0\0");
        turned.extend(tiff);
        turned.extend(&plain[2..]);
        let mut asked = None;
        let decoded = decode(&turned, |width, height| {
            asked = Some((width, height));
            Ok(4)
        })
        .unwrap()
        .unwrap();
        assert_eq!(asked, Some((800, 1600)));
        assert_eq!(decoded.source, (800, 1600));
        assert_eq!(decoded.image.dimensions(), (400, 800));
    }

    #[test]
    fn cmyk_is_left_to_the_full_decoder() {
        let mut compress = Compress::new(ColorSpace::JCS_CMYK);
        compress.set_size(16, 16);
        let mut started = compress.start_compress(Vec::new()).unwrap();
        started.write_scanlines(&[0_u8; 16 * 16 * 4]).unwrap();
        let cmyk = started.finish().unwrap();
        assert!(decode(&cmyk, |_, _| Ok(FULL_SCALE)).unwrap().is_none());
    }

    #[test]
    fn the_scale_is_the_smallest_that_still_covers_the_largest_rendition() {
        assert_eq!(scale_for(2000, 400), 2); // 500 px
        assert_eq!(scale_for(2001, 400), 2); // 501 px
        assert_eq!(scale_for(1600, 400), 2); // exactly 400 px
        assert_eq!(scale_for(1599, 400), 3); // 2/8 would give 400 px only by rounding up
        assert_eq!(scale_for(3200, 400), 1);
        assert_eq!(scale_for(40_000, 400), 1);
        assert_eq!(scale_for(3000, 1920), 6); // 2250 px
        assert_eq!(scale_for(400, 400), FULL_SCALE);
        assert_eq!(scale_for(150, 200), FULL_SCALE);
        assert_eq!(scale_for(0, 200), FULL_SCALE);
    }

    #[test]
    fn a_fatal_libjpeg_error_is_a_corrupt_image_not_a_crash() {
        // SOI, then a quantisation-table segment whose length is impossible.
        let bogus = [0xFF, 0xD8, 0xFF, 0xDB, 0x00, 0x01, 0x00, 0xFF, 0xD9];
        let error = decode(&bogus, |_, _| Ok(FULL_SCALE)).expect_err("a bogus JPEG");
        assert!(matches!(error, ImageError::Corrupt(_)), "{error:?}");
    }

    #[test]
    fn not_a_jpeg_at_all_is_corrupt() {
        let error = decode(b"GIF89a", |_, _| Ok(FULL_SCALE)).expect_err("not a JPEG");
        assert!(matches!(error, ImageError::Corrupt(_)), "{error:?}");
    }
}
