//! Reads the directory of an ICO (icon) or CUR (cursor) file: which pictures it holds, at
//! which size, and how many bytes each takes. A browser downloads the whole file for a tab that
//! shows 16 CSS pixels, so the bytes of the large pictures are what `images/oversized-icon`
//! reports; nothing is decoded here (the directory and each picture's own header are enough).
//!
//! The format, as Microsoft documents it ("Icons", Win32 `ICONDIR`/`ICONDIRENTRY`):
//!
//! * a 6-byte header: reserved (0), type (1 = icon, 2 = cursor), number of pictures;
//! * one 16-byte entry per picture: width and height (one byte each, 0 meaning 256), colour
//!   count, reserved, planes or hotspot x, bit count or hotspot y, the picture's length and its
//!   offset in the file (32-bit little endian);
//! * each picture is either a whole PNG file (Windows Vista and later; the usual form of the
//!   256-pixel picture) or a BMP without its 14-byte file header: a DIB header
//!   (`BITMAPINFOHEADER`, 40 bytes, or a later version) whose height counts the colour rows
//!   and the 1-bit mask rows, so twice the picture's height.
//!
//! Named limits: at most [`MAX_ICO_ENTRIES`] pictures; every picture must lie inside the file
//! and no two may overlap (a directory that breaks either is not an icon a browser can show
//! as written: the file is reported with the problem instead of sizes). Nothing here panics on
//! any input.

use crate::model::facts::image::{IcoDirectory, IcoEntry, IcoPayload, IconKind};

/// Pictures one ICO file may list: 256 is far above what any icon tool writes (Windows'
/// own icons hold at most about a dozen sizes and colour depths), and bounds the directory
/// read at 4 kB whatever the header claims.
pub const MAX_ICO_ENTRIES: usize = 256;

/// The ICO header and one directory entry, in bytes.
const HEADER_BYTES: usize = 6;
const ENTRY_BYTES: usize = 16;

const PNG_SIGNATURE: &[u8; 8] = b"\x89PNG\r\n\x1a\n";

/// Whether `bytes` start like an ICO or CUR file (reserved 0, type 1 or 2).
pub fn looks_like_ico(bytes: &[u8]) -> bool {
    matches!(bytes.get(..4), Some([0, 0, 1 | 2, 0]))
}

/// Reads the directory of an ICO or CUR file. The error is a sentence for the user (the caller
/// names the file).
pub fn read_directory(bytes: &[u8]) -> Result<IcoDirectory, String> {
    let le_u16 = |at: usize| -> Option<u16> {
        let b = bytes.get(at..at.checked_add(2)?)?;
        Some(u16::from_le_bytes([b[0], b[1]]))
    };
    let le_u32 = |at: usize| -> Option<u32> {
        let b = bytes.get(at..at.checked_add(4)?)?;
        Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    if bytes.len() < HEADER_BYTES {
        return Err(format!(
            "not an icon: {} bytes, shorter than the 6-byte ICO header",
            bytes.len()
        ));
    }
    let kind = match (le_u16(0), le_u16(2)) {
        (Some(0), Some(1)) => IconKind::Icon,
        (Some(0), Some(2)) => IconKind::Cursor,
        _ => {
            return Err(
                "not an ICO or CUR file: the header is not reserved 0 then type 1 or 2".into(),
            );
        }
    };
    let count = usize::from(le_u16(4).unwrap_or(0));
    if count == 0 {
        return Err("the icon's directory lists no picture".into());
    }
    if count > MAX_ICO_ENTRIES {
        return Err(format!(
            "the icon's directory lists {count} pictures, over the {MAX_ICO_ENTRIES}-picture limit; not read"
        ));
    }
    let directory_end = HEADER_BYTES + count * ENTRY_BYTES;
    if bytes.len() < directory_end {
        return Err(format!(
            "the icon's directory lists {count} pictures but the file ends inside it ({} bytes)",
            bytes.len()
        ));
    }
    let mut entries = Vec::with_capacity(count);
    for index in 0..count {
        let at = HEADER_BYTES + index * ENTRY_BYTES;
        // One byte each; 0 stands for 256.
        let side = |value: u8| if value == 0 { 256 } else { u32::from(value) };
        let width = side(bytes[at]);
        let height = side(bytes[at + 1]);
        let length = le_u32(at + 8).unwrap_or(0);
        let offset = le_u32(at + 12).unwrap_or(0);
        let number = index + 1;
        let start = offset as usize;
        let end = start.checked_add(length as usize);
        let payload = match end {
            _ if length == 0 => return Err(format!("picture {number} of the icon has 0 bytes")),
            Some(end) if start >= directory_end && end <= bytes.len() => &bytes[start..end],
            _ => {
                return Err(format!(
                    "picture {number} of the icon ({width}×{height}) claims bytes {start}–{} of a {}-byte file, outside the file or over its directory",
                    u64::from(offset) + u64::from(length),
                    bytes.len()
                ));
            }
        };
        entries.push(IcoEntry {
            width,
            height,
            bytes: length,
            offset,
            payload: read_payload(payload)
                .map_err(|why| format!("picture {number} of the icon ({width}×{height}) {why}"))?,
        });
    }
    // Pictures that share bytes: a damaged or hand-made file (and a way to make a small file
    // declare large pictures).
    let mut ranges: Vec<(u32, u32)> = entries.iter().map(|e| (e.offset, e.bytes)).collect();
    ranges.sort_unstable();
    if let Some(pair) = ranges
        .windows(2)
        .find(|pair| u64::from(pair[0].0) + u64::from(pair[0].1) > u64::from(pair[1].0))
    {
        return Err(format!(
            "two pictures of the icon overlap (bytes from {} and from {})",
            pair[0].0, pair[1].0
        ));
    }
    Ok(IcoDirectory { kind, entries })
}

/// What one picture holds: a PNG (its size from IHDR) or a BMP (its size from the DIB header).
fn read_payload(payload: &[u8]) -> Result<IcoPayload, String> {
    if payload.starts_with(PNG_SIGNATURE) {
        let be_u32 = |at: usize| {
            payload
                .get(at..at + 4)
                .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        };
        if payload.get(12..16) != Some(b"IHDR") {
            return Err("is a PNG without an IHDR chunk".into());
        }
        return match (be_u32(16), be_u32(20)) {
            (Some(width), Some(height)) if width > 0 && height > 0 => {
                Ok(IcoPayload::Png { width, height })
            }
            (Some(_), Some(_)) => Err("is a PNG whose header declares no pixel".into()),
            _ => Err("is a PNG cut short inside its header".into()),
        };
    }
    let le_u32 = |at: usize| {
        payload
            .get(at..at + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let le_u16 = |at: usize| {
        payload
            .get(at..at + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
    };
    // BITMAPCOREHEADER is 12 bytes; BITMAPINFOHEADER 40; V4 108; V5 124.
    match le_u32(0) {
        Some(12) => {
            let (Some(width), Some(height)) = (le_u16(4), le_u16(6)) else {
                return Err("is a bitmap cut short inside its header".into());
            };
            bmp(u32::from(width), u32::from(height) / 2, le_u16(10))
        }
        Some(header @ 40..=124) if payload.len() >= header as usize => {
            let width = le_u32(4).unwrap_or(0) as i32;
            let height = le_u32(8).unwrap_or(0) as i32;
            // The stored height counts the colour rows and the AND-mask rows; negative means
            // top-down, which icons do not use, but the size is the same.
            bmp(width.unsigned_abs(), height.unsigned_abs() / 2, le_u16(14))
        }
        _ => Err("is neither a PNG nor a bitmap with a DIB header".into()),
    }
}

fn bmp(width: u32, height: u32, bit_count: Option<u16>) -> Result<IcoPayload, String> {
    if width == 0 || height == 0 {
        return Err(format!(
            "is a bitmap whose header declares {width}×{height} pixels"
        ));
    }
    Ok(IcoPayload::Bmp {
        width,
        height,
        bit_count: bit_count.unwrap_or(0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("fixtures/icons")
                .join(name),
        )
        .unwrap()
    }

    fn sizes(directory: &IcoDirectory) -> Vec<(u32, u32, u32, &'static str)> {
        directory
            .entries
            .iter()
            .map(|e| {
                let (w, h, kind) = match e.payload {
                    IcoPayload::Png { width, height } => (width, height, "png"),
                    IcoPayload::Bmp { width, height, .. } => (width, height, "bmp"),
                };
                assert_eq!(
                    (w, h),
                    (e.width, e.height),
                    "the directory and the picture agree"
                );
                (w, h, e.bytes, kind)
            })
            .collect()
    }

    #[test]
    fn reads_bitmap_and_png_pictures_of_real_icons() {
        // Python's IDLE icon: three bitmaps and a 256-pixel PNG (Windows Vista style).
        let idle = read_directory(&fixture("idle.ico")).unwrap();
        assert_eq!(idle.kind, IconKind::Icon);
        assert_eq!(
            sizes(&idle),
            [
                (16, 16, 1128, "bmp"),
                (32, 32, 4264, "bmp"),
                (48, 48, 9640, "bmp"),
                (256, 256, 42644, "png"),
            ]
        );
        // Docusaurus' template favicon: one 32×27 bitmap.
        let docusaurus = read_directory(&fixture("docusaurus-favicon.ico")).unwrap();
        assert_eq!(sizes(&docusaurus), [(32, 27, 3604, "bmp")]);
        // Written by Pillow from a real PNG (see fixtures/icons/make.py): PNG pictures only.
        let pillow = read_directory(&fixture("pillow-all-sizes.ico")).unwrap();
        let sides: Vec<u32> = sizes(&pillow).iter().map(|s| s.0).collect();
        assert_eq!(sides, [16, 24, 32, 48, 64, 128, 256]);
        assert!(
            pillow
                .entries
                .iter()
                .all(|e| matches!(e.payload, IcoPayload::Png { .. }))
        );
    }

    #[test]
    fn a_png_named_ico_is_not_an_icon() {
        let png = fixture("oauth2client-favicon.ico");
        assert!(!looks_like_ico(&png));
        assert_eq!(
            read_directory(&png).unwrap_err(),
            "not an ICO or CUR file: the header is not reserved 0 then type 1 or 2"
        );
    }

    /// An icon of the given pictures, each `(side, payload)`, laid out one after the other.
    fn icon(pictures: &[(u8, Vec<u8>)]) -> Vec<u8> {
        let mut out = vec![0, 0, 1, 0];
        out.extend((pictures.len() as u16).to_le_bytes());
        let mut offset = HEADER_BYTES + pictures.len() * ENTRY_BYTES;
        for (side, payload) in pictures {
            out.extend([*side, *side, 0, 0, 1, 0, 32, 0]);
            out.extend((payload.len() as u32).to_le_bytes());
            out.extend((offset as u32).to_le_bytes());
            offset += payload.len();
        }
        for (_, payload) in pictures {
            out.extend(payload);
        }
        out
    }

    fn dib(side: u32) -> Vec<u8> {
        let mut out = 40u32.to_le_bytes().to_vec();
        out.extend(side.to_le_bytes());
        out.extend((side * 2).to_le_bytes());
        out.extend([1, 0, 32, 0]);
        out.resize(40 + (side * side * 4) as usize, 0);
        out
    }

    #[test]
    fn broken_directories_are_problems_never_panics() {
        let good = icon(&[(16, dib(16)), (32, dib(32))]);
        assert!(read_directory(&good).is_ok());
        // Every truncation of a valid icon is an error or a smaller valid icon, never a panic.
        for end in 0..good.len() {
            let _ = read_directory(&good[..end]);
        }
        // Every single-byte change of its directory, likewise.
        for at in 0..HEADER_BYTES + 2 * ENTRY_BYTES {
            for value in [0u8, 1, 0x7f, 0xff] {
                let mut bad = good.clone();
                bad[at] = value;
                let _ = read_directory(&bad);
            }
        }
        let problem = |bytes: &[u8]| read_directory(bytes).unwrap_err();
        assert_eq!(
            problem(&good[..40]),
            "picture 1 of the icon (16×16) claims bytes 38–1102 of a 40-byte file, outside the file or over its directory"
        );
        let mut overlapping = good.clone();
        overlapping[6 + 16 + 12..6 + 16 + 16].copy_from_slice(&38u32.to_le_bytes());
        overlapping[6 + 16 + 8..6 + 16 + 12].copy_from_slice(&1064u32.to_le_bytes());
        assert_eq!(
            problem(&overlapping),
            "two pictures of the icon overlap (bytes from 38 and from 38)"
        );
        let mut many = good.clone();
        many[4..6].copy_from_slice(&300u16.to_le_bytes());
        assert_eq!(
            problem(&many),
            "the icon's directory lists 300 pictures, over the 256-picture limit; not read"
        );
        assert_eq!(
            problem(&icon(&[(16, b"not a picture at all, just text".to_vec())])),
            "picture 1 of the icon (16×16) is neither a PNG nor a bitmap with a DIB header"
        );
        assert_eq!(
            problem(&[0, 0, 1, 0, 0, 0]),
            "the icon's directory lists no picture"
        );
    }
}
