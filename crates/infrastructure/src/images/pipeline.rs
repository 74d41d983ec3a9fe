//! The synchronous pipeline: recognise, check limits, decode, orient, crop,
//! resize, re-encode (which strips every byte of metadata).

use std::io::Cursor;

use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use image::codecs::png::{CompressionType, FilterType as PngFilter, PngEncoder};
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits, RgbaImage};
use profile_application::Cause;
use profile_application::model::ImageKind;
use profile_application::ports::image_processor::{EncodedImage, ImageError, ProcessedImage};

use super::jpeg;

/// Avatar renditions (square sides); 200 is the primary.
pub const AVATAR_SIDES: [u32; 3] = [48, 96, 200];
/// Side of the primary avatar.
pub const AVATAR_PRIMARY: u32 = 200;
/// The hi-dpi avatar, made when the source is at least this large.
pub const AVATAR_HIDPI: u32 = 400;
/// Narrowest accepted cover, and the primary cover width.
pub const COVER_MIN_WIDTH: u32 = 960;
/// Cover widths: a small one, the primary, and a wide one when the source allows.
pub const COVER_WIDTHS: [u32; 3] = [480, 960, 1920];
/// JPEG quality of every rendition.
pub const JPEG_QUALITY: u8 = 85;

/// Limits that keep hostile uploads from exhausting memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageLimits {
    /// Largest width or height accepted.
    pub max_side: u32,
    /// Largest width × height accepted.
    pub max_pixels: u64,
    /// Largest single allocation the decoder may make, in bytes.
    pub max_alloc: u64,
}

impl Default for ImageLimits {
    fn default() -> Self {
        Self { max_side: 12_000, max_pixels: 40_000_000, max_alloc: 256 * 1024 * 1024 }
    }
}

/// Turns `upload` into the renditions of a `kind` image.
pub fn process(kind: ImageKind, upload: &[u8], limits: ImageLimits) -> Result<ProcessedImage, ImageError> {
    let (format, width, height) = recognise(upload, limits)?;
    let decoded = match format {
        ImageFormat::Jpeg => {
            jpeg::decode(upload, |width, height| Ok(Plan::new(kind, width, height)?.jpeg_scale()))?
        }
        _ => None,
    };
    let jpeg::Decoded { image, source } = match decoded {
        Some(decoded) => decoded,
        None => decode(upload, format, limits).map_err(|e| decode_error(e, width, height))?,
    };
    let plan = Plan::new(kind, source.0, source.1)?;
    let pixels = Pixels::from_image(image);
    match kind {
        ImageKind::Avatar => avatar(pixels, plan),
        ImageKind::Cover => cover(pixels, plan),
    }
}

/// What the renditions need of the (upright) source: its size decides which
/// renditions exist, and the largest of them how far decoding may scale down.
#[derive(Debug, Clone, Copy)]
struct Plan {
    /// Width or side of the largest rendition.
    largest: u32,
    /// The source dimension `largest` is taken from: an avatar's shorter
    /// side, a cover's width.
    deciding: u32,
}

impl Plan {
    fn new(kind: ImageKind, width: u32, height: u32) -> Result<Self, ImageError> {
        match kind {
            ImageKind::Avatar => {
                let side = width.min(height);
                let largest = if side >= AVATAR_HIDPI { AVATAR_HIDPI } else { AVATAR_PRIMARY };
                Ok(Self { largest, deciding: side })
            }
            ImageKind::Cover if width < COVER_MIN_WIDTH => {
                Err(ImageError::TooNarrow { width, min: COVER_MIN_WIDTH })
            }
            ImageKind::Cover => {
                let largest =
                    COVER_WIDTHS.into_iter().filter(|w| *w <= width).max().unwrap_or(COVER_MIN_WIDTH);
                Ok(Self { largest, deciding: width })
            }
        }
    }

    fn jpeg_scale(self) -> u8 {
        jpeg::scale_for(self.deciding, self.largest)
    }
}

/// Recognises the format from the bytes and refuses oversized dimensions
/// from the header alone, before anything is decoded.
fn recognise(upload: &[u8], limits: ImageLimits) -> Result<(ImageFormat, u32, u32), ImageError> {
    let format = image::guess_format(upload).map_err(|_| ImageError::Unsupported)?;
    if !matches!(format, ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::Gif | ImageFormat::WebP) {
        return Err(ImageError::Unsupported);
    }
    if format == ImageFormat::Jpeg && !jpeg_is_complete(upload) {
        return Err(ImageError::Corrupt("the JPEG ends before its end-of-image marker".into()));
    }
    let (width, height) = ImageReader::with_format(Cursor::new(upload), format)
        .into_dimensions()
        .map_err(|e| ImageError::Corrupt(Cause::new(e)))?;
    if width > limits.max_side
        || height > limits.max_side
        || u64::from(width) * u64::from(height) > limits.max_pixels
    {
        return Err(ImageError::TooLarge { width, height });
    }
    Ok((format, width, height))
}

/// Decodes any accepted format in full with the `image` crate (GIF: the
/// first frame) under its allocation limits, and applies the EXIF orientation.
fn decode(upload: &[u8], format: ImageFormat, limits: ImageLimits) -> image::ImageResult<jpeg::Decoded> {
    let mut decoder_limits = Limits::default();
    decoder_limits.max_image_width = Some(limits.max_side);
    decoder_limits.max_image_height = Some(limits.max_side);
    decoder_limits.max_alloc = Some(limits.max_alloc);
    let mut reader = ImageReader::with_format(Cursor::new(upload), format);
    reader.limits(decoder_limits);
    let mut decoder = reader.into_decoder()?;
    let orientation = decoder.orientation().unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder)?;
    image.apply_orientation(orientation);
    let source = (image.width(), image.height());
    Ok(jpeg::Decoded { image, source })
}

/// True when an end-of-image marker (FF D9) follows the last start-of-scan
/// (FF DA). The decoder fills a truncated scan with grey instead of failing;
/// inside entropy-coded data 0xFF is always stuffed, so the marker cannot
/// occur by chance, and an embedded EXIF thumbnail's EOI comes before the
/// main scan.
///
/// Said the cheap way round, as the last end-of-image marker with no scan
/// after it: the search from the end stops at once for a whole file.
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    const SCAN: [u8; 2] = [0xFF, 0xDA];
    let Some(end) = bytes.windows(2).rposition(|w| w == [0xFF, 0xD9]) else { return false };
    !bytes[end..].windows(2).any(|w| w == SCAN) && bytes[..end].windows(2).any(|w| w == SCAN)
}

fn decode_error(error: image::ImageError, width: u32, height: u32) -> ImageError {
    match error {
        image::ImageError::Limits(_) => ImageError::TooLarge { width, height },
        image::ImageError::Unsupported(_) => ImageError::Unsupported,
        other => ImageError::Corrupt(Cause::new(other)),
    }
}

/// Pixels in a form the resizer and encoders share: RGB, or RGBA when the
/// image has transparency that matters.
struct Pixels {
    width: u32,
    height: u32,
    data: Vec<u8>,
    alpha: bool,
}

impl Pixels {
    /// Takes the decoded image over; an 8-bit RGB image (every JPEG) is used
    /// in place, without a copy.
    fn from_image(image: DynamicImage) -> Self {
        let (width, height) = (image.width(), image.height());
        if !image.color().has_alpha() {
            return Self { width, height, data: image.into_rgb8().into_raw(), alpha: false };
        }
        let rgba = image.into_rgba8();
        if rgba.pixels().any(|p| p.0[3] < u8::MAX) {
            return Self { width, height, data: rgba.into_raw(), alpha: true };
        }
        let data = DynamicImage::ImageRgba8(rgba).into_rgb8().into_raw();
        Self { width, height, data, alpha: false }
    }

    fn pixel_type(&self) -> PixelType {
        if self.alpha { PixelType::U8x4 } else { PixelType::U8x3 }
    }

    /// The `crop` region (left, top, width, height) scaled to `width`×`height`.
    fn resized(&self, crop: (f64, f64, f64, f64), width: u32, height: u32) -> Result<Pixels, ImageError> {
        let internal = |e: &dyn std::fmt::Display| ImageError::Internal(e.to_string().into());
        let source = ImageRef::new(self.width, self.height, &self.data, self.pixel_type())
            .map_err(|e| internal(&e))?;
        let mut target = Image::new(width, height, self.pixel_type());
        let options = ResizeOptions::new()
            .crop(crop.0, crop.1, crop.2, crop.3)
            .resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
        Resizer::new().resize(&source, &mut target, &options).map_err(|e| internal(&e))?;
        Ok(Pixels { width, height, data: target.into_vec(), alpha: self.alpha })
    }

    fn whole(&self) -> (f64, f64, f64, f64) {
        (0.0, 0.0, f64::from(self.width), f64::from(self.height))
    }

    /// JPEG when opaque, PNG when transparency matters.
    fn encode(self) -> Result<EncodedImage, ImageError> {
        let mut bytes = Vec::new();
        let failed = |e: image::ImageError| ImageError::Internal(Cause::new(e));
        let (width, height) = (self.width, self.height);
        let content_type = if self.alpha {
            let buffer = RgbaImage::from_raw(width, height, self.data)
                .ok_or_else(|| ImageError::Internal("pixel buffer size".into()))?;
            let encoder =
                PngEncoder::new_with_quality(&mut bytes, CompressionType::Fast, PngFilter::Adaptive);
            buffer.write_with_encoder(encoder).map_err(failed)?;
            "image/png"
        } else {
            bytes = jpeg::encode(width, height, &self.data, JPEG_QUALITY)?;
            "image/jpeg"
        };
        Ok(EncodedImage { width, height, content_type, bytes })
    }
}

/// Center-cropped squares of 48, 96 and 200 px, plus 400 px when the source
/// is that large. The crop and the first (largest) resize happen in one pass;
/// the smaller sizes are made from that intermediate.
fn avatar(pixels: Pixels, plan: Plan) -> Result<ProcessedImage, ImageError> {
    let side = pixels.width.min(pixels.height);
    let crop = (
        f64::from((pixels.width - side) / 2),
        f64::from((pixels.height - side) / 2),
        f64::from(side),
        f64::from(side),
    );
    let intermediate = pixels.resized(crop, plan.largest, plan.largest)?;
    let mut renditions = Vec::with_capacity(AVATAR_SIDES.len() + 1);
    for side in AVATAR_SIDES.into_iter().filter(|s| *s < plan.largest) {
        renditions.push(intermediate.resized(intermediate.whole(), side, side)?.encode()?);
    }
    renditions.push(intermediate.encode()?);
    let primary = renditions.iter().position(|r| r.width == AVATAR_PRIMARY).unwrap_or(0);
    Ok(ProcessedImage { primary, renditions })
}

/// Widths 480 and 960 (the primary), and 1920 when the source is that wide;
/// the aspect ratio is kept.
fn cover(pixels: Pixels, plan: Plan) -> Result<ProcessedImage, ImageError> {
    let height_for = |width: u32| {
        let scaled = u64::from(pixels.height) * u64::from(width) / u64::from(pixels.width);
        u32::try_from(scaled).unwrap_or(u32::MAX).max(1)
    };
    let mut renditions = Vec::with_capacity(COVER_WIDTHS.len());
    for width in COVER_WIDTHS.into_iter().filter(|w| *w <= plan.largest) {
        renditions.push(pixels.resized(pixels.whole(), width, height_for(width))?.encode()?);
    }
    let primary = renditions.iter().position(|r| r.width == COVER_MIN_WIDTH).unwrap_or(0);
    Ok(ProcessedImage { primary, renditions })
}

#[cfg(test)]
#[path = "pipeline_tests.rs"]
mod tests;
