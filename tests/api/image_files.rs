//! Byte-level image files the `image` crate will not write: EXIF blocks
//! spliced into JPEG and PNG files, padded JPEGs, PNG chunks, and a PNG
//! decompression bomb.

/// A big-endian TIFF block holding one IFD: ImageDescription = `description`
/// and Orientation = `orientation`.
fn exif_tiff(orientation: u16, description: &str) -> Vec<u8> {
    let text: Vec<u8> = description.bytes().chain([0]).collect();
    let text_len = u32::try_from(text.len()).expect("short description");
    let mut tiff = b"MM\x00\x2a\x00\x00\x00\x08".to_vec();
    tiff.extend_from_slice(&2_u16.to_be_bytes());
    // 0x010E ImageDescription, ASCII, stored after the IFD (offset 8 + 2 + 2×12 + 4 = 38).
    tiff.extend_from_slice(&[0x01, 0x0e, 0x00, 0x02]);
    tiff.extend_from_slice(&text_len.to_be_bytes());
    tiff.extend_from_slice(&38_u32.to_be_bytes());
    // 0x0112 Orientation, SHORT, one value, inline.
    tiff.extend_from_slice(&[0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01]);
    tiff.extend_from_slice(&orientation.to_be_bytes());
    tiff.extend_from_slice(&[0, 0]);
    tiff.extend_from_slice(&[0, 0, 0, 0]);
    tiff.extend_from_slice(&text);
    tiff
}

/// `jpeg` with an APP1 Exif segment spliced in right after the SOI marker.
pub fn with_exif(jpeg: &[u8], orientation: u16, description: &str) -> Vec<u8> {
    assert_eq!(&jpeg[..2], [0xff, 0xd8], "starts with SOI");
    let mut payload = b"Exif\x00\x00".to_vec();
    payload.extend(exif_tiff(orientation, description));
    let length = u16::try_from(payload.len() + 2).expect("short segment");
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xff, 0xe1]);
    out.extend_from_slice(&length.to_be_bytes());
    out.extend(payload);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// `jpeg` padded with COM segments right after SOI to exactly `total` bytes.
pub fn padded_jpeg(jpeg: &[u8], total: usize) -> Vec<u8> {
    let mut missing = total.checked_sub(jpeg.len()).expect("jpeg is smaller than total");
    let mut out = jpeg[..2].to_vec();
    while missing > 0 {
        assert!(missing >= 4, "cannot pad by {missing} bytes with a segment");
        // A segment is 4 bytes of marker and length plus its payload; leave at least 4 for the next.
        let mut payload = (missing - 4).min(65_533);
        if missing - 4 - payload != 0 && missing - 4 - payload < 4 {
            payload -= 4;
        }
        out.extend_from_slice(&[0xff, 0xfe]);
        out.extend_from_slice(&u16::try_from(payload + 2).expect("segment length").to_be_bytes());
        out.extend(std::iter::repeat_n(b'x', payload));
        missing -= 4 + payload;
    }
    out.extend_from_slice(&jpeg[2..]);
    assert_eq!(out.len(), total);
    out
}

/// The PNG chunk `kind` holding `data`, with its CRC.
pub fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut chunk = u32::try_from(data.len()).expect("chunk length").to_be_bytes().to_vec();
    chunk.extend_from_slice(kind);
    chunk.extend_from_slice(data);
    chunk.extend_from_slice(&crc32(&chunk[4..]).to_be_bytes());
    chunk
}

/// `png` with `chunk` inserted right after IHDR (signature 8 bytes + IHDR 25 bytes).
pub fn with_png_chunk(png: &[u8], chunk: &[u8]) -> Vec<u8> {
    assert_eq!(&png[12..16], b"IHDR");
    let mut out = png[..33].to_vec();
    out.extend_from_slice(chunk);
    out.extend_from_slice(&png[33..]);
    out
}

/// `png` carrying an `eXIf` chunk with `orientation` and `description`.
pub fn png_with_exif(png: &[u8], orientation: u16, description: &str) -> Vec<u8> {
    with_png_chunk(png, &png_chunk(b"eXIf", &exif_tiff(orientation, description)))
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = u32::MAX;
    for byte in bytes {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// A decompression bomb: a small, valid, all-black 1-bit greyscale PNG of
/// `width`×`height` (about 13 bits per 258 decoded bytes).
pub fn png_bomb(width: u32, height: u32) -> Vec<u8> {
    let raw_len = u64::from(height) * (1 + u64::from(width.div_ceil(8)));
    let mut bits = BitWriter::default();
    bits.push(1, 1); // BFINAL
    bits.push(1, 2); // fixed Huffman codes
    bits.push_code(0x30, 8); // literal 0
    let mut left = raw_len - 1;
    while left >= 258 {
        bits.push_code(0xc5, 8); // length 258 (symbol 285)
        bits.push_code(0, 5); // distance 1
        left -= 258;
    }
    for _ in 0..left {
        bits.push_code(0x30, 8);
    }
    bits.push_code(0, 7); // end of block
    let mut zlib = vec![0x78, 0x01];
    zlib.extend(bits.finish());
    // Adler-32 of zeros: a stays 1, b is the length.
    let adler = u32::try_from(raw_len % 65_521).expect("mod fits") << 16 | 1;
    zlib.extend_from_slice(&adler.to_be_bytes());

    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[1, 0, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend(png_chunk(b"IHDR", &ihdr));
    out.extend(png_chunk(b"IDAT", &zlib));
    out.extend(png_chunk(b"IEND", &[]));
    out
}

#[derive(Default)]
struct BitWriter {
    bytes: Vec<u8>,
    current: u32,
    used: u32,
}

impl BitWriter {
    /// `count` bits of `value`, least significant first (deflate's data order).
    fn push(&mut self, value: u32, count: u32) {
        for i in 0..count {
            self.current |= ((value >> i) & 1) << self.used;
            self.used += 1;
            if self.used == 8 {
                self.bytes.push(u8::try_from(self.current).expect("one byte"));
                (self.current, self.used) = (0, 0);
            }
        }
    }

    /// A Huffman code, most significant bit first.
    fn push_code(&mut self, code: u32, count: u32) {
        for i in (0..count).rev() {
            self.push((code >> i) & 1, 1);
        }
    }

    fn finish(mut self) -> Vec<u8> {
        if self.used > 0 {
            self.bytes.push(u8::try_from(self.current).expect("one byte"));
        }
        self.bytes
    }
}
