//! The pipeline on images made here: every accepted format, orientation by
//! pixel colour, metadata stripped, and every hostile input refused.

use std::io::Cursor;
use std::time::Instant;

use image::codecs::gif::GifEncoder;
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::codecs::webp::WebPEncoder;
use image::{Delay, Frame, GenericImageView, ImageEncoder, Rgb, RgbImage, Rgba, RgbaImage};

use super::*;

const RED: [u8; 3] = [220, 20, 20];
const BLUE: [u8; 3] = [20, 20, 220];

/// Left half red, right half blue.
fn halves(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, _| Rgb(if x < width / 2 { RED } else { BLUE }))
}

fn jpeg(image: &RgbImage) -> Vec<u8> {
    let mut bytes = Vec::new();
    image.write_with_encoder(JpegEncoder::new_with_quality(&mut bytes, 95)).unwrap();
    bytes
}

fn png_rgba(image: &RgbaImage) -> Vec<u8> {
    let mut bytes = Vec::new();
    PngEncoder::new(&mut bytes)
        .write_image(image, image.width(), image.height(), image::ExtendedColorType::Rgba8)
        .unwrap();
    bytes
}

/// A JPEG with an APP1 Exif segment carrying `orientation` right after SOI.
fn with_orientation(jpeg: &[u8], orientation: u16) -> Vec<u8> {
    let mut tiff = vec![b'I', b'I', 42, 0, 8, 0, 0, 0];
    tiff.extend(1_u16.to_le_bytes());
    tiff.extend(0x0112_u16.to_le_bytes());
    tiff.extend(3_u16.to_le_bytes());
    tiff.extend(1_u32.to_le_bytes());
    tiff.extend(orientation.to_le_bytes());
    tiff.extend([0, 0]);
    tiff.extend(0_u32.to_le_bytes());
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend(tiff);
    let length = u16::try_from(app1.len() + 2).unwrap();
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
    out.extend(length.to_be_bytes());
    out.extend(app1);
    out.extend(&jpeg[2..]);
    out
}

fn decoded(rendition: &EncodedImage) -> image::DynamicImage {
    image::load_from_memory(&rendition.bytes).unwrap()
}

fn close(actual: Rgb<u8>, expected: [u8; 3]) -> bool {
    actual.0.iter().zip(expected).all(|(a, e)| a.abs_diff(e) < 40)
}

fn primary(processed: &ProcessedImage) -> &EncodedImage {
    &processed.renditions[processed.primary]
}

#[test]
fn avatar_sizes_and_center_crop() {
    // 600×200: blue | red | blue thirds; the centred square is red.
    let image = RgbImage::from_fn(600, 200, |x, _| Rgb(if (200..400).contains(&x) { RED } else { BLUE }));
    let processed = process(ImageKind::Avatar, &jpeg(&image), ImageLimits::default()).unwrap();
    let sides: Vec<_> = processed.renditions.iter().map(|r| (r.width, r.height)).collect();
    assert_eq!(sides, [(48, 48), (96, 96), (200, 200)], "no hi-dpi: the source square is 200");
    let avatar = decoded(primary(&processed)).to_rgb8();
    for (x, y) in [(2, 2), (100, 100), (197, 197)] {
        assert!(close(*avatar.get_pixel(x, y), RED), "pixel {x},{y} is {:?}", avatar.get_pixel(x, y));
    }
    assert!(processed.renditions.iter().all(|r| r.content_type == "image/jpeg"));
}

#[test]
fn large_sources_get_a_hidpi_avatar() {
    let processed = process(ImageKind::Avatar, &jpeg(&halves(800, 600)), ImageLimits::default()).unwrap();
    let sides: Vec<_> = processed.renditions.iter().map(|r| r.width).collect();
    assert_eq!(sides, [48, 96, 200, 400]);
    assert_eq!(primary(&processed).width, 200);
}

#[test]
fn every_accepted_format_decodes() {
    let rgb = halves(300, 300);
    let rgba = RgbaImage::from_fn(300, 300, |x, _| {
        Rgba(if x < 150 { [220, 20, 20, 255] } else { [20, 20, 220, 255] })
    });
    let mut gif = Vec::new();
    {
        let mut encoder = GifEncoder::new(&mut gif);
        let first = RgbaImage::from_pixel(300, 300, Rgba([220, 20, 20, 255]));
        let second = RgbaImage::from_pixel(300, 300, Rgba([20, 220, 20, 255]));
        encoder.encode_frame(Frame::from_parts(first, 0, 0, Delay::from_numer_denom_ms(100, 1))).unwrap();
        encoder.encode_frame(Frame::from_parts(second, 0, 0, Delay::from_numer_denom_ms(100, 1))).unwrap();
    }
    let mut webp = Vec::new();
    WebPEncoder::new_lossless(&mut webp)
        .write_image(&rgba, 300, 300, image::ExtendedColorType::Rgba8)
        .unwrap();
    for (name, bytes) in [("jpeg", jpeg(&rgb)), ("png", png_rgba(&rgba)), ("gif", gif), ("webp", webp)] {
        let processed = process(ImageKind::Avatar, &bytes, ImageLimits::default())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let avatar = decoded(primary(&processed)).to_rgb8();
        assert_eq!(avatar.dimensions(), (200, 200), "{name}");
        if name == "gif" {
            assert!(close(*avatar.get_pixel(100, 100), RED), "gif uses its first frame");
        }
    }
}

#[test]
fn exif_orientation_six_and_eight_rotate_the_pixels() {
    // 400×200, red left / blue right. Orientation 6 turns it clockwise: red on top.
    let source = jpeg(&halves(400, 200));
    for (orientation, top, bottom) in [(6, RED, BLUE), (8, BLUE, RED), (1, RED, RED)] {
        let processed =
            process(ImageKind::Avatar, &with_orientation(&source, orientation), ImageLimits::default())
                .unwrap();
        let avatar = decoded(primary(&processed)).to_rgb8();
        if orientation == 1 {
            // Unrotated: the centred square straddles the halves left/right.
            assert!(close(*avatar.get_pixel(20, 100), RED) && close(*avatar.get_pixel(180, 100), BLUE));
            continue;
        }
        assert!(
            close(*avatar.get_pixel(100, 20), top),
            "orientation {orientation}: top {:?}",
            avatar.get_pixel(100, 20)
        );
        assert!(close(*avatar.get_pixel(100, 180), bottom), "orientation {orientation}: bottom");
    }
}

#[test]
fn renditions_carry_no_metadata() {
    let processed =
        process(ImageKind::Avatar, &with_orientation(&jpeg(&halves(400, 200)), 6), ImageLimits::default())
            .unwrap();
    for rendition in &processed.renditions {
        assert!(!rendition.bytes.windows(6).any(|w| w == b"Exif\0\0"), "{rendition:?} keeps EXIF");
    }
}

#[test]
fn transparency_is_kept_as_png() {
    let image = RgbaImage::from_fn(300, 300, |x, _| Rgba([200, 30, 30, if x < 150 { 0 } else { 255 }]));
    let processed = process(ImageKind::Avatar, &png_rgba(&image), ImageLimits::default()).unwrap();
    assert!(processed.renditions.iter().all(|r| r.content_type == "image/png"));
    let avatar = decoded(primary(&processed)).to_rgba8();
    assert_eq!(avatar.get_pixel(5, 100).0[3], 0);
    // An RGBA image that is fully opaque becomes JPEG.
    let opaque = RgbaImage::from_pixel(300, 300, Rgba([1, 2, 3, 255]));
    let processed = process(ImageKind::Avatar, &png_rgba(&opaque), ImageLimits::default()).unwrap();
    assert!(processed.renditions.iter().all(|r| r.content_type == "image/jpeg"));
}

#[test]
fn cover_widths_keep_the_aspect_ratio() {
    let processed = process(ImageKind::Cover, &jpeg(&halves(2000, 500)), ImageLimits::default()).unwrap();
    let sizes: Vec<_> = processed.renditions.iter().map(|r| (r.width, r.height)).collect();
    assert_eq!(sizes, [(480, 120), (960, 240), (1920, 480)]);
    assert_eq!(primary(&processed).width, 960);
    let exact = process(ImageKind::Cover, &jpeg(&halves(960, 300)), ImageLimits::default()).unwrap();
    assert_eq!(primary(&exact).width, 960);
}

#[test]
fn a_cover_959_pixels_wide_is_too_narrow() {
    let error = process(ImageKind::Cover, &jpeg(&halves(959, 400)), ImageLimits::default()).unwrap_err();
    assert_eq!(error, ImageError::TooNarrow { width: 959, min: 960 });
}

#[test]
fn not_an_image_is_unsupported_whatever_it_claims() {
    for bytes in [&b"hello, I am a text file pretending to be a JPEG"[..], b"", b"BM\x00\x00bitmap"] {
        assert_eq!(
            process(ImageKind::Avatar, bytes, ImageLimits::default()).unwrap_err(),
            ImageError::Unsupported
        );
    }
}

#[test]
fn truncated_files_are_corrupt() {
    let noisy = RgbaImage::from_fn(400, 400, |x, y| {
        Rgba([(x * 7 % 251) as u8, (y * 13 % 251) as u8, ((x ^ y) % 251) as u8, 255])
    });
    let mut webp = Vec::new();
    WebPEncoder::new_lossless(&mut webp)
        .write_image(&noisy, 400, 400, image::ExtendedColorType::Rgba8)
        .unwrap();
    let noisy_rgb = image::DynamicImage::ImageRgba8(noisy.clone()).to_rgb8();
    for (name, whole) in [("jpeg", jpeg(&noisy_rgb)), ("png", png_rgba(&noisy)), ("webp", webp)] {
        // Cuts inside the pixel data (a PNG missing only its IEND trailer still has every pixel).
        for cut in [whole.len() / 2, whole.len() - 20] {
            let result = process(ImageKind::Avatar, &whole[..cut], ImageLimits::default());
            let error = result.expect_err(&format!("{name} cut at {cut} of {} was accepted", whole.len()));
            assert!(matches!(error, ImageError::Corrupt(_)), "{name} cut at {cut}: {error:?}");
        }
    }
}

/// A valid PNG whose header declares `width`×`height` over a tiny all-zero,
/// highly compressed body: the classic decompression bomb.
pub(crate) fn png_bomb(width: u32, height: u32) -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend(u32::try_from(data.len()).unwrap().to_be_bytes());
        let mut crc_input = kind.to_vec();
        crc_input.extend(data);
        out.extend(kind);
        out.extend(data);
        out.extend(crc32(&crc_input).to_be_bytes());
    }
    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([8, 0, 0, 0, 0]); // 8-bit grayscale
    // Two rows of zeros, stored as a tiny deflate stream (the rest is missing).
    let idat = [0x78, 0x9c, 0x63, 0x60, 0x18, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00];
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &idat);
    chunk(&mut out, b"IEND", &[]);
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFF_u32;
    for byte in bytes {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

#[test]
fn a_png_bomb_is_refused_from_its_header_at_once() {
    let started = Instant::now();
    let error = process(ImageKind::Avatar, &png_bomb(20_000, 20_000), ImageLimits::default()).unwrap_err();
    assert_eq!(error, ImageError::TooLarge { width: 20_000, height: 20_000 });
    assert!(started.elapsed().as_millis() < 1000, "took {:?}", started.elapsed());
}

#[test]
fn many_pixels_within_the_side_limit_are_refused_too() {
    let limits = ImageLimits { max_side: 12_000, max_pixels: 1_000_000, max_alloc: 64 * 1024 * 1024 };
    let error = process(ImageKind::Avatar, &png_bomb(2_000, 2_000), limits).unwrap_err();
    assert_eq!(error, ImageError::TooLarge { width: 2_000, height: 2_000 });
}

#[test]
fn the_decoder_allocation_limit_holds_even_when_the_header_passes() {
    let limits = ImageLimits { max_side: 12_000, max_pixels: 40_000_000, max_alloc: 1024 * 1024 };
    let error = process(ImageKind::Avatar, &png_bomb(4_000, 4_000), limits).unwrap_err();
    assert!(matches!(error, ImageError::TooLarge { .. } | ImageError::Corrupt(_)), "{error:?}");
}

#[test]
fn oriented_dimensions_decide_the_cover_width() {
    // 500×1000 portrait turned by orientation 6 becomes 1000×500: wide enough.
    let source = with_orientation(&jpeg(&halves(500, 1000)), 6);
    let processed = process(ImageKind::Cover, &source, ImageLimits::default()).unwrap();
    assert_eq!((primary(&processed).width, primary(&processed).height), (960, 480));
    let _ = Cursor::new(());
}

#[test]
fn a_cmyk_jpeg_is_decoded_in_full_and_still_makes_an_avatar() {
    let mut compress = mozjpeg::Compress::new(mozjpeg::ColorSpace::JCS_CMYK);
    compress.set_size(300, 300);
    let mut started = compress.start_compress(Vec::new()).unwrap();
    started.write_scanlines(&[0_u8; 300 * 300 * 4]).unwrap();
    let cmyk = started.finish().unwrap();
    let processed = process(ImageKind::Avatar, &cmyk, ImageLimits::default()).unwrap();
    assert_eq!((primary(&processed).width, primary(&processed).height), (200, 200));
    assert_eq!(decoded(primary(&processed)).dimensions(), (200, 200));
}

#[test]
fn a_jpeg_is_complete_only_with_an_end_marker_after_its_last_scan() {
    let whole = jpeg(&halves(64, 64));
    assert!(jpeg_is_complete(&whole));
    // Bytes after the end marker (some cameras append them) are harmless.
    assert!(jpeg_is_complete(&[whole.as_slice(), b"trailing"].concat()));
    assert!(!jpeg_is_complete(&whole[..whole.len() - 2]));
    // An EXIF thumbnail is a whole JPEG inside APP1, ahead of the main scan:
    // its end marker must not vouch for a main image cut short.
    let thumbnail = jpeg(&halves(8, 8));
    let mut app1 = vec![0xFF, 0xE1];
    app1.extend(u16::try_from(thumbnail.len() + 8).unwrap().to_be_bytes());
    app1.extend(b"Exif\0\0");
    app1.extend(&thumbnail);
    let with_thumbnail = [&whole[..2], app1.as_slice(), &whole[2..]].concat();
    assert!(jpeg_is_complete(&with_thumbnail));
    assert!(!jpeg_is_complete(&with_thumbnail[..with_thumbnail.len() - 20]));
    assert!(!jpeg_is_complete(b"\xFF\xD8\xFF\xD9"));
}

#[test]
fn a_large_jpeg_decoded_at_a_reduced_scale_is_cropped_and_turned_like_the_full_one() {
    // 3200×1600, left red and right blue, turned a quarter by orientation 6:
    // upright it is 1600×3200 with red on top. Decoding runs at 2/8 scale.
    let source = with_orientation(&jpeg(&halves(3200, 1600)), 6);
    let processed = process(ImageKind::Avatar, &source, ImageLimits::default()).unwrap();
    let sides: Vec<_> = processed.renditions.iter().map(|r| (r.width, r.height)).collect();
    assert_eq!(sides, [(48, 48), (96, 96), (200, 200), (400, 400)]);
    let hidpi = decoded(processed.renditions.last().unwrap()).to_rgb8();
    for (x, y, colour) in [(200, 20, RED), (20, 180, RED), (200, 380, BLUE), (380, 220, BLUE)] {
        assert!(close(*hidpi.get_pixel(x, y), colour), "pixel {x},{y} is {:?}", hidpi.get_pixel(x, y));
    }
}
