//! Image primitives shared by the audit (image facts, `images/*` rules) and by the fixers
//! (`webaudit optimize`). Everything here works on bytes in memory: reading and writing files
//! (atomically) is the caller's job.
//!
//! # API
//!
//! | function | what it does |
//! |---|---|
//! | [`read_header`] | format, width, height and animation from the headers only (no pixel is decoded) |
//! | [`decode_bounded`] | decodes within [`Limits`]; refuses before allocating when the header declares too many pixels |
//! | [`encode_webp_lossy`] / [`encode_webp_lossless`] | libwebp (the encoder `cwebp` uses), default method 4 |
//! | [`encode_avif`] | ravif (rav1e); slow, quality 1–100, speed 1 (slowest) – 10 |
//! | [`optimize_png`] | oxipng at a preset, metadata stripped safely; never larger than the input |
//! | [`encode_jpeg`] | baseline JPEG at a quality 1–100 (alpha dropped) |
//! | [`resize_to_width`] | scales down to a maximum width, keeping the aspect ratio (Lanczos3) |
//! | [`pixels_equal`] | whether two images hold the same pixels (lossless verification) |
//!
//! Every failure is an [`ImagingError`] whose `Display` is a sentence meant for the user (the
//! caller adds the file name); nothing here panics on bad input.
//!
//! Formats: [`read_header`] knows PNG (and APNG), JPEG, GIF, WebP and AVIF. [`decode_bounded`]
//! decodes PNG, JPEG, GIF (first frame) and WebP; AVIF is recognised but not decoded (the
//! `image` crate is built without an AVIF decoder), which gives [`ImagingError::Unsupported`].

use std::fmt;
use std::io::Cursor;

use image::{DynamicImage, GenericImageView, ImageDecoder, ImageReader};
use serde::{Deserialize, Serialize};

/// The image formats webaudit reads headers of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ImageFormat {
    Png,
    Jpeg,
    Gif,
    Webp,
    Avif,
}

impl ImageFormat {
    pub fn name(self) -> &'static str {
        match self {
            ImageFormat::Png => "PNG",
            ImageFormat::Jpeg => "JPEG",
            ImageFormat::Gif => "GIF",
            ImageFormat::Webp => "WebP",
            ImageFormat::Avif => "AVIF",
        }
    }

    fn for_image_crate(self) -> Option<image::ImageFormat> {
        match self {
            ImageFormat::Png => Some(image::ImageFormat::Png),
            ImageFormat::Jpeg => Some(image::ImageFormat::Jpeg),
            ImageFormat::Gif => Some(image::ImageFormat::Gif),
            ImageFormat::Webp => Some(image::ImageFormat::WebP),
            ImageFormat::Avif => None,
        }
    }
}

/// What an image's headers say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ImageHeader {
    pub format: ImageFormat,
    /// Intrinsic size in pixels, as stored (EXIF orientation is not applied).
    pub width: u32,
    pub height: u32,
    /// More than one frame: an animated GIF, an APNG (`acTL` with more than one frame), an
    /// animated WebP with more than one `ANMF` frame, or an AVIF image sequence (`avis` brand
    /// with a `moov` track).
    pub animated: bool,
}

impl ImageHeader {
    pub fn pixels(&self) -> u64 {
        u64::from(self.width) * u64::from(self.height)
    }
}

/// Why an image could not be read, decoded or encoded. `Display` is a sentence for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImagingError {
    /// Not one of the formats this module reads, or a format it recognises but cannot decode.
    Unsupported(String),
    /// The headers themselves are broken (too short, impossible values).
    Malformed(String),
    /// The header declares more pixels than [`Limits::max_pixels`]: refused before decoding.
    TooLarge {
        width: u32,
        height: u32,
        max_pixels: u64,
    },
    /// Decoding would need more memory than [`Limits::max_alloc`].
    OverMemoryLimit(String),
    /// The file ends before its pixel data does.
    Truncated(String),
    /// The pixel data is corrupt (bad compressed stream, bad checksum).
    Corrupt(String),
    /// An encoder refused the image.
    Encode(String),
}

impl fmt::Display for ImagingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImagingError::Unsupported(why) => write!(f, "unsupported image: {why}"),
            ImagingError::Malformed(why) => write!(f, "malformed image header: {why}"),
            ImagingError::TooLarge {
                width,
                height,
                max_pixels,
            } => write!(
                f,
                "declares {width}×{height} pixels ({:.1} megapixels), over the {:.0}-megapixel \
                 decoding limit; not decoded (a decompression bomb or a mistake)",
                (*width as f64) * (*height as f64) / 1e6,
                *max_pixels as f64 / 1e6
            ),
            ImagingError::OverMemoryLimit(why) => {
                write!(f, "decoding would exceed the memory limit: {why}")
            }
            ImagingError::Truncated(why) => write!(f, "truncated image: {why}"),
            ImagingError::Corrupt(why) => write!(f, "corrupt image data: {why}"),
            ImagingError::Encode(why) => write!(f, "cannot be re-encoded: {why}"),
        }
    }
}

impl std::error::Error for ImagingError {}

/// Bounds on what decoding may cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Width × height above which an image is not decoded at all.
    pub max_pixels: u64,
    /// Bytes the decoder may allocate (the decoded image included).
    pub max_alloc: u64,
}

impl Default for Limits {
    /// 40 megapixels and 512 MiB. Why: the largest images real sites ship are camera
    /// originals (24–45 MP) and 8K artwork (7680×4320 = 33 MP); 40 MP admits nearly all of them
    /// while a decompression bomb (a few KB declaring 10⁸+ pixels) is refused from its header.
    /// 40 MP as RGBA8 is 160 MB, as 16-bit RGBA 320 MB: 512 MiB (the `image` crate's own
    /// default) covers the decoded image plus the decoder's working buffers, and bounds the
    /// audit's peak to about that much per worker thread.
    fn default() -> Limits {
        Limits {
            max_pixels: 40_000_000,
            max_alloc: 512 * 1024 * 1024,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Headers

// ---------------------------------------------------------------------------------------------
// Memory shared by every thread that decodes

/// Decoded pixels and their working copies that all threads together may hold at once. Each
/// worker's [`Limits`] bound one image, but two workers decoding two 16-bit 6324² PNGs held
/// 2 GB between them: a thread now reserves an image's cost here before decoding it and
/// waits while others hold the rest. Chosen so that a whole audit stays under 1 GiB: the
/// largest image [`Limits`] admits fits alone.
pub const SHARED_DECODE_BUDGET: u64 = 640 * 1024 * 1024;

static DECODE_BUDGET_IN_USE: std::sync::Mutex<u64> = std::sync::Mutex::new(0);
static DECODE_BUDGET_FREED: std::sync::Condvar = std::sync::Condvar::new();

/// Memory reserved in [`SHARED_DECODE_BUDGET`]; given back when dropped.
#[derive(Debug)]
pub struct DecodeReservation {
    bytes: u64,
}

impl DecodeReservation {
    pub fn bytes(&self) -> u64 {
        self.bytes
    }
}

impl Drop for DecodeReservation {
    fn drop(&mut self) {
        let mut in_use = DECODE_BUDGET_IN_USE
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        *in_use -= self.bytes;
        DECODE_BUDGET_FREED.notify_all();
    }
}

/// Bytes per pixel of the image as the `image` crate decodes it (palette and low bit depths
/// are expanded; 16-bit samples stay 16-bit). Only PNG has 16-bit samples; the rest is RGBA8
/// at most (JPEG's CMYK included, converted on decoding).
fn decoded_bytes_per_pixel(bytes: &[u8], header: &ImageHeader) -> u64 {
    if header.format != ImageFormat::Png || bytes.len() < 26 {
        return 4;
    }
    let (bit_depth, colour_type) = (bytes[24], bytes[25]);
    let channels = match colour_type {
        0 => 1,
        2 => 3,
        4 => 2,
        _ => 4,
    };
    channels * if bit_depth == 16 { 2 } else { 1 }
}

/// Reserves the memory that decoding `bytes` and working on the picture will take: the
/// decoded image plus `working_copies` RGBA8 copies of it (conversions, resizes, encoder
/// input, read-back checks). Waits while other threads hold the budget; an image that could
/// never fit is refused at once.
pub fn reserve_decode_memory(
    bytes: &[u8],
    working_copies: u64,
) -> Result<DecodeReservation, ImagingError> {
    let header = read_header(bytes)?;
    // A bomb is named as one (by its declared pixels) rather than by the memory it would take.
    let max_pixels = Limits::default().max_pixels;
    if header.pixels() > max_pixels {
        return Err(ImagingError::TooLarge {
            width: header.width,
            height: header.height,
            max_pixels,
        });
    }
    let wanted = header
        .pixels()
        .saturating_mul(decoded_bytes_per_pixel(bytes, &header) + 4 * working_copies);
    if wanted > SHARED_DECODE_BUDGET {
        return Err(ImagingError::OverMemoryLimit(format!(
            "{}×{} pixels and their working copies need {} MB, over the {} MB webaudit decodes at once",
            header.width,
            header.height,
            wanted / 1_000_000,
            SHARED_DECODE_BUDGET / 1_000_000
        )));
    }
    let mut in_use = DECODE_BUDGET_IN_USE
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    while *in_use + wanted > SHARED_DECODE_BUDGET {
        in_use = DECODE_BUDGET_FREED
            .wait(in_use)
            .unwrap_or_else(|e| e.into_inner());
    }
    *in_use += wanted;
    Ok(DecodeReservation { bytes: wanted })
}

/// Reads format, size and animation from the headers, without decoding pixels.
pub fn read_header(bytes: &[u8]) -> Result<ImageHeader, ImagingError> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        png_header(bytes)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        jpeg_header(bytes)
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        gif_header(bytes)
    } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        webp_header(bytes)
    } else if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" {
        avif_header(bytes)
    } else {
        Err(ImagingError::Unsupported(
            "not a PNG, JPEG, GIF, WebP or AVIF file".into(),
        ))
    }
}

fn be_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

fn be_u16(bytes: &[u8], at: usize) -> Option<u16> {
    let b = bytes.get(at..at.checked_add(2)?)?;
    Some(u16::from_be_bytes([b[0], b[1]]))
}

fn le_u16(bytes: &[u8], at: usize) -> Option<u16> {
    let b = bytes.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes([b[0], b[1]]))
}

fn le_u24(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at.checked_add(3)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], 0]))
}

fn le_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fn malformed(why: &str) -> ImagingError {
    ImagingError::Malformed(why.to_string())
}

fn checked(
    format: ImageFormat,
    width: u32,
    height: u32,
    animated: bool,
) -> Result<ImageHeader, ImagingError> {
    if width == 0 || height == 0 {
        return Err(ImagingError::Malformed(format!(
            "the {} header declares a size of {width}×{height}",
            format.name()
        )));
    }
    Ok(ImageHeader {
        format,
        width,
        height,
        animated,
    })
}

fn png_header(bytes: &[u8]) -> Result<ImageHeader, ImagingError> {
    if be_u32(bytes, 8).is_none() || bytes.get(12..16) != Some(b"IHDR") {
        return Err(malformed("the PNG has no IHDR chunk"));
    }
    let width = be_u32(bytes, 16).ok_or_else(|| malformed("the PNG IHDR chunk is cut short"))?;
    let height = be_u32(bytes, 20).ok_or_else(|| malformed("the PNG IHDR chunk is cut short"))?;
    // APNG: an acTL chunk before the first IDAT says how many frames there are.
    let mut animated = false;
    let mut at = 8usize;
    while let (Some(length), Some(name)) = (be_u32(bytes, at), bytes.get(at + 4..at + 8)) {
        match name {
            b"acTL" => {
                animated = be_u32(bytes, at + 8).is_some_and(|frames| frames > 1);
                break;
            }
            b"IDAT" | b"IEND" => break,
            _ => {}
        }
        // length + name + data + CRC
        match at.checked_add(12 + length as usize) {
            Some(next) => at = next,
            None => break,
        }
    }
    checked(ImageFormat::Png, width, height, animated)
}

fn jpeg_header(bytes: &[u8]) -> Result<ImageHeader, ImagingError> {
    let mut at = 2usize;
    loop {
        // Markers may be preceded by any number of 0xFF fill bytes.
        while bytes.get(at) == Some(&0xFF) && bytes.get(at + 1) == Some(&0xFF) {
            at += 1;
        }
        if bytes.get(at) != Some(&0xFF) {
            return Err(malformed(
                "the JPEG ends or goes wrong before its frame header (SOF)",
            ));
        }
        let marker = *bytes
            .get(at + 1)
            .ok_or_else(|| malformed("the JPEG ends before its frame header (SOF)"))?;
        at += 2;
        match marker {
            // Markers without a length.
            0x01 | 0xD0..=0xD7 => continue,
            0xD9 | 0xDA => {
                return Err(malformed(
                    "the JPEG has no frame header (SOF) before its data",
                ));
            }
            _ => {}
        }
        let length = be_u16(bytes, at)
            .ok_or_else(|| malformed("the JPEG ends inside a marker segment"))?
            as usize;
        let is_frame = matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if is_frame {
            let height = be_u16(bytes, at + 3)
                .ok_or_else(|| malformed("the JPEG frame header is cut short"))?;
            let width = be_u16(bytes, at + 5)
                .ok_or_else(|| malformed("the JPEG frame header is cut short"))?;
            return checked(ImageFormat::Jpeg, width.into(), height.into(), false);
        }
        if length < 2 {
            return Err(malformed("a JPEG marker segment has an impossible length"));
        }
        at += length;
    }
}

fn gif_header(bytes: &[u8]) -> Result<ImageHeader, ImagingError> {
    let width = le_u16(bytes, 6).ok_or_else(|| malformed("the GIF header is cut short"))?;
    let height = le_u16(bytes, 8).ok_or_else(|| malformed("the GIF header is cut short"))?;
    let packed = *bytes
        .get(10)
        .ok_or_else(|| malformed("the GIF header is cut short"))?;
    let mut at = 13usize;
    if packed & 0x80 != 0 {
        at += 3 << ((packed & 0x07) + 1);
    }
    // Count image descriptors, skipping data sub-blocks, until a second frame or the trailer.
    let skip_sub_blocks = |mut at: usize| -> Option<usize> {
        loop {
            let size = *bytes.get(at)? as usize;
            at += 1;
            if size == 0 {
                return Some(at);
            }
            at += size;
        }
    };
    let mut frames = 0u32;
    while let Some(&block) = bytes.get(at) {
        match block {
            0x2C => {
                frames += 1;
                if frames > 1 {
                    break;
                }
                let Some(&local) = bytes.get(at + 9) else {
                    break;
                };
                at += 10;
                if local & 0x80 != 0 {
                    at += 3 << ((local & 0x07) + 1);
                }
                at += 1; // LZW minimum code size
                match skip_sub_blocks(at) {
                    Some(next) => at = next,
                    None => break,
                }
            }
            0x21 => match skip_sub_blocks(at + 2) {
                Some(next) => at = next,
                None => break,
            },
            _ => break, // 0x3B trailer, or garbage: the frames seen so far are what counts
        }
    }
    checked(ImageFormat::Gif, width.into(), height.into(), frames > 1)
}

fn webp_header(bytes: &[u8]) -> Result<ImageHeader, ImagingError> {
    let cut = || malformed("the WebP header is cut short");
    let first = bytes.get(12..16).ok_or_else(cut)?;
    let payload = 20usize;
    match first {
        b"VP8 " => {
            // 3-byte frame tag, start code 9d 01 2a, then 14-bit width and height.
            if bytes.get(payload + 3..payload + 6) != Some(&[0x9d, 0x01, 0x2a]) {
                return Err(malformed("the WebP VP8 frame has no start code"));
            }
            let width = le_u16(bytes, payload + 6).ok_or_else(cut)? & 0x3FFF;
            let height = le_u16(bytes, payload + 8).ok_or_else(cut)? & 0x3FFF;
            checked(ImageFormat::Webp, width.into(), height.into(), false)
        }
        b"VP8L" => {
            if bytes.get(payload) != Some(&0x2F) {
                return Err(malformed("the WebP lossless frame has no signature"));
            }
            let bits = le_u32(bytes, payload + 1).ok_or_else(cut)?;
            let width = (bits & 0x3FFF) + 1;
            let height = ((bits >> 14) & 0x3FFF) + 1;
            checked(ImageFormat::Webp, width, height, false)
        }
        b"VP8X" => {
            let flags = *bytes.get(payload).ok_or_else(cut)?;
            let width = le_u24(bytes, payload + 4).ok_or_else(cut)? + 1;
            let height = le_u24(bytes, payload + 7).ok_or_else(cut)? + 1;
            let mut frames = 0u32;
            if flags & 0x02 != 0 {
                let mut at = 12usize;
                while let (Some(name), Some(size)) = (bytes.get(at..at + 4), le_u32(bytes, at + 4))
                {
                    if name == b"ANMF" {
                        frames += 1;
                        if frames > 1 {
                            break;
                        }
                    }
                    // Chunks are padded to an even size.
                    let size = size as usize + (size as usize & 1);
                    match at.checked_add(8 + size) {
                        Some(next) => at = next,
                        None => break,
                    }
                }
            }
            checked(ImageFormat::Webp, width, height, frames > 1)
        }
        _ => Err(malformed("the WebP file has no VP8, VP8L or VP8X chunk")),
    }
}

/// Walks ISOBMFF boxes in `bytes[start..end]`, calling `visit(type, body_start, body_end)`.
fn each_box(bytes: &[u8], start: usize, end: usize, visit: &mut dyn FnMut(&[u8], usize, usize)) {
    let mut at = start;
    while at + 8 <= end {
        let (Some(size32), Some(name)) = (be_u32(bytes, at), bytes.get(at + 4..at + 8)) else {
            return;
        };
        let (header, size) = match size32 {
            0 => (8, (end - at) as u64),
            1 => match (be_u32(bytes, at + 8), be_u32(bytes, at + 12)) {
                (Some(high), Some(low)) => (16, (u64::from(high) << 32) | u64::from(low)),
                _ => return,
            },
            n => (8, u64::from(n)),
        };
        if size < header as u64 {
            return;
        }
        let box_end = usize::try_from(size)
            .ok()
            .and_then(|size| at.checked_add(size))
            .map_or(end, |e| e.min(end));
        visit(name, at + header, box_end);
        at = box_end;
    }
}

fn avif_header(bytes: &[u8]) -> Result<ImageHeader, ImagingError> {
    let mut brands: Vec<[u8; 4]> = Vec::new();
    let mut has_moov = false;
    let mut size: Option<(u32, u32)> = None;
    each_box(bytes, 0, bytes.len(), &mut |name, start, end| match name {
        b"ftyp" => {
            let mut at = start;
            while at + 4 <= end {
                if at != start + 4
                    && let Some(brand) = bytes.get(at..at + 4)
                {
                    brands.push([brand[0], brand[1], brand[2], brand[3]]);
                }
                at += 4;
            }
        }
        b"moov" => has_moov = true,
        b"meta" => {
            // A full box: 4 bytes of version and flags before the children.
            each_box(bytes, start + 4, end, &mut |name, start, end| {
                if name != b"iprp" {
                    return;
                }
                each_box(bytes, start, end, &mut |name, start, end| {
                    if name != b"ipco" {
                        return;
                    }
                    each_box(bytes, start, end, &mut |name, start, _| {
                        if name != b"ispe" {
                            return;
                        }
                        if let (Some(w), Some(h)) =
                            (be_u32(bytes, start + 4), be_u32(bytes, start + 8))
                        {
                            // Several ispe (alpha plane, thumbnails): the largest is the image.
                            let larger = size.is_none_or(|(sw, sh)| {
                                u64::from(w) * u64::from(h) > u64::from(sw) * u64::from(sh)
                            });
                            if larger {
                                size = Some((w, h));
                            }
                        }
                    });
                });
            });
        }
        _ => {}
    });
    if !brands.iter().any(|b| b == b"avif" || b == b"avis") {
        return Err(ImagingError::Unsupported(
            "an ISO media file that is not AVIF (HEIC, MP4…)".into(),
        ));
    }
    let animated = has_moov && brands.iter().any(|b| b == b"avis");
    let (width, height) =
        size.ok_or_else(|| malformed("the AVIF file has no image size (ispe)"))?;
    checked(ImageFormat::Avif, width, height, animated)
}

// ---------------------------------------------------------------------------------------------
// Decoding

/// Decodes an image (the first frame of an animation) within `limits`. The header is read
/// first and an image declaring more than `limits.max_pixels` is refused before anything is
/// allocated; the decoder itself is bounded by `limits.max_alloc`.
pub fn decode_bounded(bytes: &[u8], limits: &Limits) -> Result<DynamicImage, ImagingError> {
    let header = read_header(bytes)?;
    if header.pixels() > limits.max_pixels {
        return Err(ImagingError::TooLarge {
            width: header.width,
            height: header.height,
            max_pixels: limits.max_pixels,
        });
    }
    let Some(format) = header.format.for_image_crate() else {
        return Err(ImagingError::Unsupported(format!(
            "{} images are recognised but not decoded",
            header.format.name()
        )));
    };
    let mut image_limits = image::Limits::default();
    image_limits.max_image_width = Some(header.width);
    image_limits.max_image_height = Some(header.height);
    image_limits.max_alloc = Some(limits.max_alloc);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(image_limits);
    let decoder = reader.into_decoder().map_err(from_image_error)?;
    let (width, height) = decoder.dimensions();
    if u64::from(width) * u64::from(height) > limits.max_pixels {
        return Err(ImagingError::TooLarge {
            width,
            height,
            max_pixels: limits.max_pixels,
        });
    }
    // The decoded image alone must fit; not every decoder counts its output against
    // `image::Limits`.
    if decoder.total_bytes() > limits.max_alloc {
        return Err(ImagingError::OverMemoryLimit(format!(
            "{width}×{height} pixels decode to {} MB, over the {} MB limit",
            decoder.total_bytes() / 1_000_000,
            limits.max_alloc / 1_000_000
        )));
    }
    let image = DynamicImage::from_decoder(decoder).map_err(from_image_error)?;
    if header.format == ImageFormat::Jpeg && !jpeg_has_end(bytes) {
        // zune-jpeg fills a scan that ends early with grey and reports success; a browser
        // shows the same grey. Say so rather than measure a half-grey picture.
        return Err(ImagingError::Truncated(
            "the JPEG ends before its end-of-image marker (the bottom of the picture is missing)"
                .into(),
        ));
    }
    Ok(image)
}

/// Whether a JPEG's data ends with an end-of-image marker (trailing zero padding allowed, as
/// some cameras write it).
fn jpeg_has_end(bytes: &[u8]) -> bool {
    let end = bytes
        .iter()
        .rposition(|&b| b != 0)
        .map_or(0, |last| last + 1);
    bytes[..end].ends_with(&[0xFF, 0xD9])
}

fn from_image_error(error: image::ImageError) -> ImagingError {
    use image::ImageError as E;
    match error {
        E::Limits(limit) => ImagingError::OverMemoryLimit(limit.to_string()),
        E::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            ImagingError::Truncated("the file ends before its pixel data does".into())
        }
        E::Decoding(decoding) => {
            let text = decoding.to_string();
            let lower = text.to_ascii_lowercase();
            if lower.contains("eof") || lower.contains("end of") || lower.contains("truncat") {
                ImagingError::Truncated(text)
            } else {
                ImagingError::Corrupt(text)
            }
        }
        E::Unsupported(unsupported) => ImagingError::Unsupported(unsupported.to_string()),
        other => ImagingError::Corrupt(other.to_string()),
    }
}

// ---------------------------------------------------------------------------------------------
// Encoding

/// The pixels as 8-bit RGB or RGBA (alpha kept only when the image has an alpha channel), for
/// the encoders that take one of these two layouts.
/// The 8-bit samples libwebp takes, borrowed when the picture already is 8-bit RGB(A): a
/// copy of a 40-megapixel picture is 160 MB.
fn rgb_or_rgba(image: &DynamicImage) -> (std::borrow::Cow<'_, [u8]>, bool) {
    use std::borrow::Cow;
    match image {
        DynamicImage::ImageRgba8(rgba) => (Cow::Borrowed(rgba.as_raw().as_slice()), true),
        DynamicImage::ImageRgb8(rgb) => (Cow::Borrowed(rgb.as_raw().as_slice()), false),
        _ if image.color().has_alpha() => (Cow::Owned(image.to_rgba8().into_raw()), true),
        _ => (Cow::Owned(image.to_rgb8().into_raw()), false),
    }
}

/// `image` with 8-bit samples: what every encoder here takes, and half the memory of a
/// 16-bit PNG's picture, which can then be dropped (cwebp converts 16-bit input the same way).
pub fn to_8_bit(image: DynamicImage) -> DynamicImage {
    match image {
        DynamicImage::ImageRgba16(_)
        | DynamicImage::ImageRgba32F(_)
        | DynamicImage::ImageLumaA16(_) => DynamicImage::ImageRgba8(image.to_rgba8()),
        DynamicImage::ImageRgb16(_)
        | DynamicImage::ImageRgb32F(_)
        | DynamicImage::ImageLuma16(_) => DynamicImage::ImageRgb8(image.to_rgb8()),
        other => other,
    }
}

/// libwebp's largest dimension.
const WEBP_MAX_DIMENSION: u32 = 16383;

/// libwebp's default effort (`cwebp -m 4`): what the fixers write and the audit reports.
pub const WEBP_DEFAULT_METHOD: u8 = 4;

fn encode_webp(
    image: &DynamicImage,
    lossless: bool,
    quality: f32,
    method: u8,
) -> Result<Vec<u8>, ImagingError> {
    let (width, height) = image.dimensions();
    if width > WEBP_MAX_DIMENSION || height > WEBP_MAX_DIMENSION {
        return Err(ImagingError::Encode(format!(
            "WebP holds at most {WEBP_MAX_DIMENSION}×{WEBP_MAX_DIMENSION} pixels; this image is {width}×{height}"
        )));
    }
    if width == 0 || height == 0 {
        return Err(ImagingError::Encode("the image is empty".into()));
    }
    let (pixels, alpha) = rgb_or_rgba(image);
    let encoder = if alpha {
        webp::Encoder::from_rgba(&pixels, width, height)
    } else {
        webp::Encoder::from_rgb(&pixels, width, height)
    };
    // libwebp's defaults, as `cwebp` uses them (method 4, no sharp YUV, alpha compressed
    // losslessly in lossy mode): the output is the bytes `cwebp -q Q` writes.
    let mut config = webp::WebPConfig::new()
        .map_err(|()| ImagingError::Encode("libwebp refused its default configuration".into()))?;
    config.lossless = i32::from(lossless);
    config.quality = quality.clamp(0.0, 100.0);
    config.alpha_compression = i32::from(!lossless);
    // Lossless must keep every pixel, including the colour under fully transparent ones, which
    // libwebp otherwise rewrites (cwebp -exact): the fixers compare all pixels before replacing.
    config.exact = i32::from(lossless);
    config.method = i32::from(method.min(6));
    let memory = encoder
        .encode_advanced(&config)
        .map_err(|code| ImagingError::Encode(format!("libwebp failed ({code:?})")))?;
    Ok(memory.to_vec())
}

/// Lossy WebP at `quality` (0–100), libwebp's default settings otherwise, as `cwebp -q`.
pub fn encode_webp_lossy(image: &DynamicImage, quality: f32) -> Result<Vec<u8>, ImagingError> {
    encode_webp(image, false, quality, WEBP_DEFAULT_METHOD)
}

/// Lossy WebP at `quality` with libwebp's `method` (0 fastest – 6 slowest, `cwebp -m`): the
/// audit's quicker estimate (`analyze::image::WEBP_QUICK_METHOD`) and benches/webp_estimate.rs.
pub fn encode_webp_lossy_with_method(
    image: &DynamicImage,
    quality: f32,
    method: u8,
) -> Result<Vec<u8>, ImagingError> {
    encode_webp(image, false, quality, method)
}

/// Lossless WebP (the pixels are kept exactly), as `cwebp -lossless`.
pub fn encode_webp_lossless(image: &DynamicImage) -> Result<Vec<u8>, ImagingError> {
    // In lossless mode `quality` is the effort (75: cwebp's default).
    encode_webp(image, true, 75.0, WEBP_DEFAULT_METHOD)
}

/// AVIF through ravif (rav1e) at `quality` 1–100 and `speed` 1 (slowest, smallest) – 10;
/// out-of-range values are clamped. 10–50× slower than WebP.
pub fn encode_avif(image: &DynamicImage, quality: f32, speed: u8) -> Result<Vec<u8>, ImagingError> {
    let (width, height) = image.dimensions();
    let rgba = image.to_rgba8();
    let pixels: Vec<ravif::RGBA8> = rgba
        .as_raw()
        .chunks_exact(4)
        .map(|p| ravif::RGBA8::new(p[0], p[1], p[2], p[3]))
        .collect();
    let encoded = ravif::Encoder::new()
        .with_quality(quality.clamp(1.0, 100.0))
        .with_speed(speed.clamp(1, 10))
        .encode_rgba(ravif::Img::new(
            &pixels[..],
            width as usize,
            height as usize,
        ))
        .map_err(|e| ImagingError::Encode(format!("AVIF encoder failed: {e}")))?;
    Ok(encoded.avif_file)
}

/// Ancillary PNG chunks kept by [`optimize_png`]: those that change how the picture is shown.
/// oxipng's own "safe" set keeps colour profiles, sRGB, cICP, pHYs and animation but drops
/// `eXIf` (whose orientation turns the picture in browsers), `gAMA` and `cHRM` (used when
/// there is no profile), and the HDR metadata `mDCv`/`cLLi`; an EXIF-rotated PNG came out
/// unrotated.
pub const KEPT_PNG_CHUNKS: [[u8; 4]; 12] = [
    *b"cICP", *b"iCCP", *b"sRGB", *b"pHYs", *b"acTL", *b"fcTL", *b"fdAT", *b"eXIf", *b"gAMA",
    *b"cHRM", *b"mDCv", *b"cLLi",
];

/// Refuses `bytes` unless they are an image of `format` within `limits`' pixel count: what the
/// lossless optimisers check before handing a file to an encoder.
fn expect_format(bytes: &[u8], format: ImageFormat, limits: &Limits) -> Result<(), ImagingError> {
    let header = read_header(bytes)?;
    if header.format != format {
        return Err(ImagingError::Unsupported(format!(
            "{} given where {} was expected",
            header.format.name(),
            format.name()
        )));
    }
    if header.pixels() > limits.max_pixels {
        return Err(ImagingError::TooLarge {
            width: header.width,
            height: header.height,
            max_pixels: limits.max_pixels,
        });
    }
    Ok(())
}

/// Losslessly recompresses a PNG with oxipng at `preset` (0–6; 2 is oxipng's default and a
/// good cost/benefit), removing only metadata that does not affect display (everything but
/// [`KEPT_PNG_CHUNKS`]). Returns the input unchanged when oxipng cannot make it smaller, so
/// the result is never larger. PNGs over [`Limits::default`] are refused like
/// [`decode_bounded`] refuses them.
pub fn optimize_png(bytes: &[u8], preset: u8) -> Result<Vec<u8>, ImagingError> {
    optimize_png_with(bytes, oxipng::Options::from_preset(preset.min(6)))
}

/// libdeflate level of [`optimize_png_quick`]'s last pass.
pub const PNG_QUICK_LEVEL: u8 = 7;

/// [`optimize_png`] at `preset` (the audit's is 2) with its costly last pass (libdeflate level 11, near-optimal
/// parsing: most of preset 2's time on real PNGs) replaced by a level-7 pass, and its
/// reductions tried with the two row filters preset 2 evaluates them with (none and
/// bigrams), at level 5, without its two further filter trials. Nearly always at least what
/// preset 2 writes, in a fifth of its time (benches/png_estimate.rs; benches/README.md, "PNG
/// estimates").
pub fn optimize_png_quick(bytes: &[u8], preset: u8) -> Result<Vec<u8>, ImagingError> {
    let mut options = oxipng::Options::from_preset(preset.min(6));
    options.deflater = oxipng::Deflater::Libdeflater {
        compression: PNG_QUICK_LEVEL,
    };
    options.filters = [
        oxipng::FilterStrategy::NONE,
        oxipng::FilterStrategy::Bigrams,
    ]
    .into_iter()
    .collect();
    optimize_png_with(bytes, options)
}

fn optimize_png_with(bytes: &[u8], mut options: oxipng::Options) -> Result<Vec<u8>, ImagingError> {
    let limits = Limits::default();
    expect_format(bytes, ImageFormat::Png, &limits)?;
    options.strip = oxipng::StripChunks::Keep(KEPT_PNG_CHUNKS.iter().copied().collect());
    options.max_decompressed_size = usize::try_from(limits.max_alloc).ok();
    let optimised = oxipng::optimize_from_memory(bytes, &options).map_err(|e| match e {
        oxipng::PngError::TruncatedData => {
            ImagingError::Truncated("the PNG ends before its data does".into())
        }
        oxipng::PngError::InflatedDataTooLong(_) => {
            ImagingError::OverMemoryLimit("the PNG's pixel data inflates past the limit".into())
        }
        other => ImagingError::Corrupt(other.to_string()),
    })?;
    Ok(if optimised.len() < bytes.len() {
        optimised
    } else {
        bytes.to_vec()
    })
}

/// `image` as a PNG written quickly (the `image` crate's default, fast compression): input
/// for oxipng when only its optimised size matters ([`sample_bands`] estimates).
pub fn encode_png_fast(image: &DynamicImage) -> Result<Vec<u8>, ImagingError> {
    let mut out = Cursor::new(Vec::new());
    image
        .write_to(&mut out, image::ImageFormat::Png)
        .map_err(|e| ImagingError::Encode(e.to_string()))?;
    Ok(out.into_inner())
}

/// Rows of `image` taken as `bands` evenly spaced horizontal bands of `band_rows` rows each,
/// stacked into one picture of the same width; `None` when they would not be fewer rows than
/// the image has (measure it whole). Each band keeps its rows whole, so an encoder sees the
/// textures, edges and colours of the image at the places they are; what the sample costs,
/// scaled by the rows each sampled row stands for ([`scale_sampled_size`]), estimates what
/// the whole image costs.
pub fn sample_bands(image: &DynamicImage, bands: u32, band_rows: u32) -> Option<DynamicImage> {
    let (width, height) = image.dimensions();
    let band_rows = band_rows.max(1);
    let bands = bands.max(1);
    if width == 0 || u64::from(bands) * u64::from(band_rows) * 2 > u64::from(height) {
        return None;
    }
    let mut sample = DynamicImage::new(width, bands * band_rows, image.color());
    let slice = height / bands;
    for band in 0..bands {
        // Band i is centred in the i-th of `bands` equal slices of the height.
        let top = (band * slice + slice.saturating_sub(band_rows) / 2).min(height - band_rows);
        let view = image.crop_imm(0, top, width, band_rows);
        image::imageops::replace(&mut sample, &view, 0, i64::from(band * band_rows));
    }
    Some(sample)
}

/// The bytes of an encoded PNG, JPEG or WebP that do not grow with its rows: headers,
/// palettes, tables and chunk framing (PNG: everything but the IDAT data; JPEG: everything up
/// to the first scan's data; WebP: the RIFF and chunk headers). 0 for anything else.
pub fn fixed_bytes(encoded: &[u8]) -> u64 {
    match read_header(encoded).map(|h| h.format) {
        Ok(ImageFormat::Png) => {
            let mut pixel_data = 0u64;
            let mut at = 8usize;
            while let (Some(length), Some(name)) =
                (be_u32(encoded, at), encoded.get(at + 4..at + 8))
            {
                if name == b"IDAT" {
                    pixel_data += u64::from(length);
                }
                match at.checked_add(12 + length as usize) {
                    Some(next) => at = next,
                    None => break,
                }
            }
            (encoded.len() as u64).saturating_sub(pixel_data)
        }
        Ok(ImageFormat::Jpeg) => {
            let mut at = 2usize;
            while encoded.get(at) == Some(&0xFF) {
                let Some(&marker) = encoded.get(at + 1) else {
                    break;
                };
                let Some(length) = be_u16(encoded, at + 2) else {
                    break;
                };
                at += 2 + usize::from(length);
                if marker == 0xDA {
                    return at as u64;
                }
            }
            encoded.len() as u64
        }
        // RIFF header (12) and one chunk header (8), plus the VP8 frame header (10).
        Ok(ImageFormat::Webp) => 30.min(encoded.len() as u64),
        _ => 0,
    }
}

/// The size `encoded` (an encoding of a [`sample_bands`] sample of `sampled_rows` rows)
/// stands for in an image of `rows` rows: its [`fixed_bytes`] once, the rest scaled by
/// `rows / sampled_rows`.
pub fn scale_sampled_size(encoded: &[u8], sampled_rows: u32, rows: u32) -> u64 {
    let fixed = fixed_bytes(encoded);
    let scalable = encoded.len() as u64 - fixed.min(encoded.len() as u64);
    fixed + (scalable as f64 * f64::from(rows) / f64::from(sampled_rows.max(1))).round() as u64
}

/// Bytes of the chunks [`optimize_png`] keeps from a PNG ([`KEPT_PNG_CHUNKS`]: colour
/// profiles, orientation, animation control), with their framing: what a PNG optimised from
/// its decoded pixels lacks and the optimised file keeps.
pub fn kept_png_chunk_bytes(png: &[u8]) -> u64 {
    let mut kept = 0u64;
    let mut at = 8usize;
    while let (Some(length), Some(name)) = (be_u32(png, at), png.get(at + 4..at + 8)) {
        if KEPT_PNG_CHUNKS.iter().any(|k| k == name) {
            kept += 12 + u64::from(length);
        }
        match at.checked_add(12 + length as usize) {
            Some(next) => at = next,
            None => break,
        }
    }
    kept
}

/// Most scans a JPEG may declare before [`optimize_jpeg`] refuses it. A progressive JPEG can
/// declare thousands of tiny scans, each a full pass over the coefficients (the "scan bomb"
/// libjpeg-turbo warns about); real encoders write at most a few dozen, and libjpeg-turbo's
/// own tools suggest 500 as a limit.
pub const MAX_JPEG_SCANS: usize = 500;

/// Losslessly recompresses a JPEG as `jpegtran -optimize -progressive` does: the DCT
/// coefficients are copied untouched (libjpeg-turbo's coefficient transcoding through
/// TurboJPEG), with optimised Huffman tables and progressive scans, so every decoder shows the
/// same pixels. `keep_markers` keeps every APPn/COM marker (EXIF orientation, colour
/// profiles); without it none is copied (`-copy none`). Returns the input unchanged when
/// the result is not smaller. JPEGs over [`Limits::default`] or with more than
/// [`MAX_JPEG_SCANS`] scans are refused.
pub fn optimize_jpeg(bytes: &[u8], keep_markers: bool) -> Result<Vec<u8>, ImagingError> {
    expect_format(bytes, ImageFormat::Jpeg, &Limits::default())?;
    // Start-of-scan markers: entropy-coded data stuffs every 0xFF with 0x00, so FF DA occurs
    // only as a marker (or inside an embedded EXIF thumbnail, which over-counts by its scans).
    let scans = bytes.windows(2).filter(|w| w == &[0xFF, 0xDA]).count();
    if scans > MAX_JPEG_SCANS {
        return Err(ImagingError::OverMemoryLimit(format!(
            "the JPEG declares {scans} scans, more than the {MAX_JPEG_SCANS} webaudit transcodes"
        )));
    }
    let mut transform = turbojpeg::Transform::default();
    transform.optimize = true;
    transform.progressive = true;
    transform.copy_none = !keep_markers;
    let optimised = turbojpeg::Transformer::new()
        .and_then(|mut transformer| transformer.transform_to_vec(&transform, bytes))
        .map_err(|e| ImagingError::Corrupt(e.to_string()))?;
    Ok(if optimised.len() < bytes.len() {
        optimised
    } else {
        bytes.to_vec()
    })
}

/// Baseline JPEG at `quality` 1–100 (clamped) with the `image` crate's encoder: standard
/// Huffman tables, 4:2:0 chroma subsampling, no metadata. Alpha is dropped (JPEG has none);
/// greyscale stays greyscale.
pub fn encode_jpeg(image: &DynamicImage, quality: u8) -> Result<Vec<u8>, ImagingError> {
    let mut out = Vec::new();
    let encoder =
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality.clamp(1, 100));
    let result = match image {
        DynamicImage::ImageLuma8(grey) => grey.write_with_encoder(encoder),
        other => other.to_rgb8().write_with_encoder(encoder),
    };
    result.map_err(|e| ImagingError::Encode(e.to_string()))?;
    Ok(out)
}

/// Scales `image` down to `max_width` pixels wide, keeping the aspect ratio (height rounded,
/// at least 1). `None` when the image is not wider than `max_width` (nothing to do; images are
/// never enlarged). Lanczos3: the kernel sharp/libvips and most image CDNs use by default for
/// downscaling, sharper than Catmull-Rom and without the blur of a box or triangle filter; its
/// cost is small next to the encode that follows.
pub fn resize_to_width(image: &DynamicImage, max_width: u32) -> Option<DynamicImage> {
    let (width, height) = image.dimensions();
    if width <= max_width || max_width == 0 {
        return None;
    }
    let new_height = ((u64::from(height) * u64::from(max_width) + u64::from(width) / 2)
        / u64::from(width))
    .max(1) as u32;
    Some(image.resize_exact(max_width, new_height, image::imageops::FilterType::Lanczos3))
}

/// Whether two images have the same size and the same pixels, whatever their storage (8 or
/// 16 bits, palette or RGB, with or without an opaque alpha channel): compared as 16-bit RGBA,
/// which represents every 8- and 16-bit format exactly.
pub fn pixels_equal(a: &DynamicImage, b: &DynamicImage) -> bool {
    if a.dimensions() != b.dimensions() {
        return false;
    }
    if a.color() == b.color() {
        return a.as_bytes() == b.as_bytes();
    }
    a.to_rgba16().as_raw() == b.to_rgba16().as_raw()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    /// `png` with ancillary chunks inserted right after IHDR.
    pub(crate) fn with_chunks(png: &[u8], chunks: &[(&[u8; 4], &[u8])]) -> Vec<u8> {
        let ihdr_end = 8 + 4 + 4 + 13 + 4;
        let mut out = png[..ihdr_end].to_vec();
        for (name, data) in chunks {
            out.extend_from_slice(&(data.len() as u32).to_be_bytes());
            let mut crc = flate2::Crc::new();
            crc.update(&name[..]);
            crc.update(data);
            out.extend_from_slice(&name[..]);
            out.extend_from_slice(data);
            out.extend_from_slice(&crc.sum().to_be_bytes());
        }
        out.extend_from_slice(&png[ihdr_end..]);
        out
    }

    /// The ancillary chunk names of a PNG, in order.
    fn chunk_names(png: &[u8]) -> Vec<[u8; 4]> {
        let mut names = Vec::new();
        let mut at = 8;
        while at + 8 <= png.len() {
            let length = u32::from_be_bytes(png[at..at + 4].try_into().unwrap()) as usize;
            names.push(png[at + 4..at + 8].try_into().unwrap());
            at += 12 + length;
        }
        names
    }

    #[test]
    fn optimized_pngs_keep_what_changes_their_display() {
        // EXIF orientation 6 (turn 90°), little-endian TIFF with one IFD entry.
        let exif: &[u8] = &[
            b'I', b'I', 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0,
            0,
        ];
        let gamma = 45455u32.to_be_bytes();
        let chromaticities = [0u8; 32];
        let png = with_chunks(
            &fixture("coffee.png"),
            &[
                (b"eXIf", exif),
                (b"gAMA", &gamma),
                (b"cHRM", &chromaticities),
                (b"tEXt", b"Comment\0made by a test"),
            ],
        );
        let optimized = optimize_png(&png, 2).unwrap();
        assert!(optimized.len() < png.len());
        let names = chunk_names(&optimized);
        for kept in [b"eXIf", b"gAMA", b"cHRM"] {
            assert!(
                names.contains(kept),
                "{} dropped",
                String::from_utf8_lossy(kept)
            );
        }
        assert!(
            !names.contains(b"tEXt"),
            "a comment does not change the display"
        );
    }

    fn fixture(name: &str) -> Vec<u8> {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/images-src")
            .join(name);
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    fn image_crate_dimensions(bytes: &[u8]) -> (u32, u32) {
        ImageReader::new(Cursor::new(bytes))
            .with_guessed_format()
            .unwrap()
            .into_dimensions()
            .unwrap()
    }

    #[test]
    fn headers_of_real_images_agree_with_the_image_crate() {
        for (name, format, animated) in [
            ("ladybird.jpg", ImageFormat::Jpeg, false),
            ("wood.jpg", ImageFormat::Jpeg, false),
            ("fresh-flower.jpg", ImageFormat::Jpeg, false),
            ("coffee.png", ImageFormat::Png, false),
            ("plasma-screenshot.png", ImageFormat::Png, false),
            ("camera-photo-32.png", ImageFormat::Png, false),
            ("newtons-cradle.gif", ImageFormat::Gif, true),
        ] {
            let bytes = fixture(name);
            let header = read_header(&bytes).unwrap();
            assert_eq!(header.format, format, "{name}");
            assert_eq!(header.animated, animated, "{name}");
            assert_eq!(
                (header.width, header.height),
                image_crate_dimensions(&bytes),
                "{name}"
            );
        }
        let good = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/images-good/img");
        let webp = std::fs::read(good.join("ladybird-1280.webp")).unwrap();
        let header = read_header(&webp).unwrap();
        assert_eq!(header.format, ImageFormat::Webp);
        assert_eq!((header.width, header.height), image_crate_dimensions(&webp));
        assert!(!header.animated);
    }

    #[test]
    fn headers_of_encoded_webp_and_avif() {
        let image = decode_bounded(&fixture("camera-photo-32.png"), &Limits::default()).unwrap();
        let lossy = encode_webp_lossy(&image, 80.0).unwrap();
        let lossless = encode_webp_lossless(&image).unwrap();
        for bytes in [&lossy, &lossless] {
            let header = read_header(bytes).unwrap();
            assert_eq!(
                (header.format, header.width, header.height, header.animated),
                (ImageFormat::Webp, 32, 32, false)
            );
        }
        let avif = encode_avif(&image, 60.0, 10).unwrap();
        let header = read_header(&avif).unwrap();
        assert_eq!(
            (header.format, header.width, header.height, header.animated),
            (ImageFormat::Avif, 32, 32, false)
        );
        assert!(matches!(
            decode_bounded(&avif, &Limits::default()),
            Err(ImagingError::Unsupported(_))
        ));
    }

    #[test]
    fn broken_images_give_typed_errors() {
        let limits = Limits::default();
        let huge = fixture("broken/huge-dimensions.png");
        let header = read_header(&huge).unwrap();
        assert_eq!((header.width, header.height), (100_000, 100_000));
        let error = decode_bounded(&huge, &limits).unwrap_err();
        assert!(matches!(error, ImagingError::TooLarge { .. }), "{error:?}");
        assert!(error.to_string().contains("100000×100000"), "{error}");
        assert!(matches!(
            optimize_png(&huge, 2),
            Err(ImagingError::TooLarge { .. })
        ));

        let truncated = decode_bounded(&fixture("broken/truncated.jpg"), &limits).unwrap_err();
        assert!(
            matches!(truncated, ImagingError::Truncated(_)),
            "{truncated:?}"
        );

        for name in ["broken/corrupt-idat.png", "broken/corrupt-idat-crc-ok.png"] {
            let error = decode_bounded(&fixture(name), &limits).unwrap_err();
            assert!(
                matches!(error, ImagingError::Corrupt(_) | ImagingError::Truncated(_)),
                "{name}: {error:?}"
            );
        }

        assert!(matches!(
            read_header(b"hello world, not an image"),
            Err(ImagingError::Unsupported(_))
        ));
        assert!(matches!(
            read_header(b"\x89PNG\r\n\x1a\n\0\0\0\x0dIH"),
            Err(ImagingError::Malformed(_))
        ));
        // A header cut anywhere never panics.
        for name in ["ladybird.jpg", "coffee.png", "newtons-cradle.gif"] {
            let bytes = fixture(name);
            for cut in 0..600.min(bytes.len()) {
                let _ = read_header(&bytes[..cut]);
                let _ = decode_bounded(&bytes[..cut], &limits);
            }
        }
    }

    #[test]
    fn the_pixel_limit_is_checked_before_decoding() {
        let bytes = fixture("coffee.png"); // 600×400 = 240 000 pixels
        let tight = Limits {
            max_pixels: 200_000,
            max_alloc: 512 * 1024 * 1024,
        };
        let error = decode_bounded(&bytes, &tight).unwrap_err();
        assert!(matches!(error, ImagingError::TooLarge { .. }), "{error:?}");
        let small_memory = Limits {
            max_pixels: 1_000_000,
            max_alloc: 100_000,
        };
        let error = decode_bounded(&bytes, &small_memory).unwrap_err();
        assert!(
            matches!(error, ImagingError::OverMemoryLimit(_)),
            "{error:?}"
        );
    }

    #[test]
    fn optimised_png_is_smaller_and_pixel_identical() {
        let original = fixture("plasma-screenshot.png");
        let optimised = optimize_png(&original, 2).unwrap();
        assert!(optimised.len() < original.len() * 90 / 100);
        let limits = Limits::default();
        assert!(pixels_equal(
            &decode_bounded(&original, &limits).unwrap(),
            &decode_bounded(&optimised, &limits).unwrap()
        ));
        // An already optimal PNG comes back unchanged.
        let optimal = fixture("camera-photo-32.png");
        assert_eq!(optimize_png(&optimal, 2).unwrap(), optimal);
    }

    #[test]
    fn lossless_webp_keeps_pixels_and_lossy_does_not() {
        let limits = Limits::default();
        let image = decode_bounded(&fixture("coffee.png"), &limits).unwrap();
        let lossless = encode_webp_lossless(&image).unwrap();
        let back = decode_bounded(&lossless, &limits).unwrap();
        assert!(pixels_equal(&image, &back));
        let lossy = encode_webp_lossy(&image, 80.0).unwrap();
        assert!(lossy.len() < lossless.len() / 4);
        assert!(!pixels_equal(
            &image,
            &decode_bounded(&lossy, &limits).unwrap()
        ));
    }

    #[test]
    fn jpeg_reencode_and_resize() {
        let limits = Limits::default();
        let image = decode_bounded(&fixture("green-meadow.jpg"), &limits).unwrap();
        let jpeg = encode_jpeg(&image, 85).unwrap();
        let header = read_header(&jpeg).unwrap();
        assert_eq!(
            (header.format, header.width, header.height),
            (ImageFormat::Jpeg, 1280, 1024)
        );
        assert!(resize_to_width(&image, 2000).is_none());
        let smaller = resize_to_width(&image, 640).unwrap();
        assert_eq!(smaller.dimensions(), (640, 512));
        let odd = resize_to_width(&image, 333).unwrap();
        assert_eq!(odd.dimensions(), (333, 266)); // 1024 × 333 / 1280 = 266.4
    }

    #[test]
    fn banded_samples_hold_whole_rows_from_across_the_image() {
        let limits = Limits::default();
        let image = decode_bounded(&fixture("green-meadow.jpg"), &limits).unwrap(); // 1280×1024
        let sample = sample_bands(&image, 4, 16).unwrap();
        assert_eq!(sample.dimensions(), (1280, 64));
        // Band i is centred in the i-th quarter of the height: rows 120.., 376.., 632.., 888...
        for (band, top) in [(0u32, 120u32), (1, 376), (2, 632), (3, 888)] {
            for row in [0, 15] {
                for x in [0, 640, 1279] {
                    assert_eq!(
                        sample.get_pixel(x, band * 16 + row),
                        image.get_pixel(x, top + row),
                        "band {band} row {row}"
                    );
                }
            }
        }
        // Bands covering half the rows or more: measure the image whole.
        assert!(sample_bands(&image, 33, 16).is_none());
        assert!(sample_bands(&image, 32, 16).is_some());
    }

    #[test]
    fn sampled_sizes_scale_only_what_grows_with_the_rows() {
        let limits = Limits::default();
        let image = decode_bounded(&fixture("coffee.png"), &limits).unwrap();
        for encoded in [
            encode_jpeg(&image, 85).unwrap(),
            encode_png_fast(&image).unwrap(),
            encode_webp_lossy(&image, 80.0).unwrap(),
        ] {
            let fixed = fixed_bytes(&encoded);
            assert!(fixed > 0 && fixed < encoded.len() as u64 / 2, "{fixed}");
            assert_eq!(scale_sampled_size(&encoded, 400, 400), encoded.len() as u64);
            let doubled = scale_sampled_size(&encoded, 200, 400);
            assert_eq!(doubled, 2 * encoded.len() as u64 - fixed);
        }
        // A JPEG's fixed part ends where its first scan's data starts (after FF DA and its
        // header): the quantisation and Huffman tables are in it.
        let jpeg = encode_jpeg(&image, 85).unwrap();
        let fixed = fixed_bytes(&jpeg) as usize;
        let sos = jpeg.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
        assert_eq!(
            fixed,
            sos + 2 + usize::from(u16::from_be_bytes([jpeg[sos + 2], jpeg[sos + 3]]))
        );
        // Truncated or foreign bytes never panic.
        for cut in 0..200.min(jpeg.len()) {
            let _ = fixed_bytes(&jpeg[..cut]);
        }
        assert_eq!(fixed_bytes(b"not an image"), 0);
        // The chunks oxipng keeps from a file, with their framing.
        let gamma = 45455u32.to_be_bytes();
        let png = with_chunks(
            &fixture("coffee.png"),
            &[(b"gAMA", &gamma), (b"tEXt", b"a\0b")],
        );
        assert_eq!(
            kept_png_chunk_bytes(&png),
            kept_png_chunk_bytes(&fixture("coffee.png")) + 12 + 4
        );
    }

    #[test]
    fn pixels_equal_across_storage() {
        let limits = Limits::default();
        let rgb = decode_bounded(&fixture("coffee.png"), &limits).unwrap();
        let rgba = DynamicImage::ImageRgba8(rgb.to_rgba8());
        assert!(pixels_equal(&rgb, &rgba));
        let mut changed = rgb.to_rgb8();
        changed.put_pixel(5, 5, image::Rgb([0, 0, 1]));
        assert!(!pixels_equal(&rgb, &DynamicImage::ImageRgb8(changed)));
    }
}
