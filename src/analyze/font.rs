//! A web font's character map: how many characters it draws, and how many of those are in
//! Unicode's Private Use Areas. An icon font (Font Awesome, VS Code's codicons, Material Icons,
//! Bootstrap Icons) puts its glyphs there, where no text is written, and is shown through CSS
//! `content` escapes or ligatures; a text font maps letters. The `fonts/*` rules read the
//! difference: a fallback font shows an icon font's characters as boxes or words, so hiding them
//! while it loads (`font-display: block`, the default) is right for it.
//!
//! Only the `cmap` table is read, from a TrueType/OpenType file, a WOFF (zlib per table) or a
//! WOFF2 (one Brotli stream, decoded only as far as the `cmap` table ends; `cmap` is never
//! transformed). Collections (`ttcf`) and EOT are not read. Each step has a bound:
//! [`MAX_TABLES`], [`MAX_CMAP_BYTES`] and [`MAX_WOFF2_PREFIX_BYTES`].

use std::io::Read;

use read_fonts::tables::cmap::{Cmap, CmapIterLimits};
use read_fonts::{FontData, FontRead};

use crate::model::facts::font::FontFacts;

/// Most table records read from a font's directory (real fonts have 10–30).
pub const MAX_TABLES: usize = 512;
/// Largest `cmap` table read (Noto's CJK fonts, the largest common ones, have about 200 KB).
pub const MAX_CMAP_BYTES: u64 = 4 * 1024 * 1024;
/// Most bytes of a WOFF2's decompressed stream decoded to reach its `cmap` table.
pub const MAX_WOFF2_PREFIX_BYTES: u64 = 64 * 1024 * 1024;

/// Unicode's Private Use Areas: the BMP's (U+E000–U+F8FF) and planes 15 and 16.
pub fn is_private_use(codepoint: u32) -> bool {
    matches!(codepoint, 0xE000..=0xF8FF | 0xF_0000..=0xF_FFFD | 0x10_0000..=0x10_FFFD)
}

/// The character map of a font file, or why it could not be read.
pub fn read(bytes: &[u8]) -> FontFacts {
    match cmap_bytes(bytes).and_then(|cmap| count(&cmap)) {
        Ok((characters, private_use)) => FontFacts {
            characters,
            private_use,
            problem: None,
        },
        Err(problem) => FontFacts {
            problem: Some(problem),
            ..FontFacts::default()
        },
    }
}

fn be_u16(bytes: &[u8], at: usize) -> Result<u16, String> {
    bytes
        .get(at..at + 2)
        .map(|b| u16::from_be_bytes([b[0], b[1]]))
        .ok_or_else(|| "the font's table directory is cut short".to_string())
}

fn be_u32(bytes: &[u8], at: usize) -> Result<u32, String> {
    bytes
        .get(at..at + 4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        .ok_or_else(|| "the font's table directory is cut short".to_string())
}

fn table_count(bytes: &[u8], at: usize) -> Result<usize, String> {
    let tables = be_u16(bytes, at)? as usize;
    if tables > MAX_TABLES {
        return Err(format!(
            "the font lists {tables} tables, more than {MAX_TABLES}"
        ));
    }
    Ok(tables)
}

/// The bytes of the font's `cmap` table.
fn cmap_bytes(bytes: &[u8]) -> Result<Vec<u8>, String> {
    match bytes.get(..4) {
        Some(b"wOFF") => woff_cmap(bytes),
        Some(b"wOF2") => woff2_cmap(bytes),
        Some([0, 1, 0, 0] | b"OTTO" | b"true" | b"typ1") => sfnt_cmap(bytes),
        Some(b"ttcf") => Err("a font collection: not read".to_string()),
        _ => Err("not a TrueType, OpenType, WOFF or WOFF2 font".to_string()),
    }
}

fn cmap_too_large(length: u32) -> String {
    format!("its cmap table is {length} bytes, more than {MAX_CMAP_BYTES}")
}

fn no_cmap() -> String {
    "the font has no cmap table".to_string()
}

fn slice(bytes: &[u8], offset: u32, length: u32) -> Result<&[u8], String> {
    if u64::from(length) > MAX_CMAP_BYTES {
        return Err(cmap_too_large(length));
    }
    let start = offset as usize;
    bytes
        .get(start..start.saturating_add(length as usize))
        .ok_or_else(|| "the cmap table lies past the end of the file".to_string())
}

fn sfnt_cmap(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let tables = table_count(bytes, 4)?;
    for index in 0..tables {
        let record = 12 + 16 * index;
        if bytes.get(record..record + 4) == Some(b"cmap") {
            let (offset, length) = (be_u32(bytes, record + 8)?, be_u32(bytes, record + 12)?);
            return slice(bytes, offset, length).map(<[u8]>::to_vec);
        }
    }
    Err(no_cmap())
}

fn woff_cmap(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let tables = table_count(bytes, 12)?;
    for index in 0..tables {
        let record = 44 + 20 * index;
        if bytes.get(record..record + 4) != Some(b"cmap") {
            continue;
        }
        let offset = be_u32(bytes, record + 4)?;
        let stored = be_u32(bytes, record + 8)?;
        let length = be_u32(bytes, record + 12)?;
        if u64::from(length) > MAX_CMAP_BYTES {
            return Err(cmap_too_large(length));
        }
        let stored = slice(bytes, offset, stored)?;
        if stored.len() >= length as usize {
            return Ok(stored[..length as usize].to_vec());
        }
        let mut table = Vec::with_capacity(length as usize);
        flate2::read::ZlibDecoder::new(stored)
            .take(u64::from(length))
            .read_to_end(&mut table)
            .map_err(|e| format!("its cmap table does not inflate: {e}"))?;
        if table.len() != length as usize {
            return Err("its cmap table inflates short of its length".to_string());
        }
        return Ok(table);
    }
    Err(no_cmap())
}

/// WOFF2's variable-length unsigned integer (at most 5 bytes, no leading zeros).
fn base128(bytes: &[u8], at: &mut usize) -> Result<u32, String> {
    let mut value: u32 = 0;
    for index in 0..5 {
        let byte = *bytes
            .get(*at)
            .ok_or_else(|| "the font's table directory is cut short".to_string())?;
        *at += 1;
        if index == 0 && byte == 0x80 {
            return Err("the font's table directory is malformed".to_string());
        }
        if value & 0xFE00_0000 != 0 {
            return Err("the font's table directory is malformed".to_string());
        }
        value = (value << 7) | u32::from(byte & 0x7F);
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err("the font's table directory is malformed".to_string())
}

/// WOFF2's known-table index of `cmap`, `glyf` and `loca` (its table of 63 tags).
const WOFF2_CMAP: u8 = 0;
const WOFF2_GLYF: u8 = 10;
const WOFF2_LOCA: u8 = 11;
/// The header's size: the table directory follows.
const WOFF2_HEADER_BYTES: usize = 48;

fn woff2_cmap(bytes: &[u8]) -> Result<Vec<u8>, String> {
    if bytes.get(4..8) == Some(b"ttcf") {
        return Err("a font collection: not read".to_string());
    }
    let tables = table_count(bytes, 12)?;
    let compressed = be_u32(bytes, 20)? as usize;
    let mut at = WOFF2_HEADER_BYTES;
    // Where each table starts in the decompressed stream: tables follow one another in
    // directory order, each as long as its transformed form (its own length when not
    // transformed).
    let mut stream_offset: u64 = 0;
    let mut cmap = None;
    for _ in 0..tables {
        let flags = *bytes
            .get(at)
            .ok_or_else(|| "the font's table directory is cut short".to_string())?;
        at += 1;
        let known = flags & 0x3F;
        let tag: [u8; 4] = if known == 0x3F {
            let tag = bytes
                .get(at..at + 4)
                .ok_or_else(|| "the font's table directory is cut short".to_string())?;
            at += 4;
            [tag[0], tag[1], tag[2], tag[3]]
        } else {
            match known {
                WOFF2_CMAP => *b"cmap",
                WOFF2_GLYF => *b"glyf",
                WOFF2_LOCA => *b"loca",
                _ => [0; 4],
            }
        };
        let version = flags >> 6;
        let length = base128(bytes, &mut at)?;
        let transformed = if &tag == b"glyf" || &tag == b"loca" {
            version != 3
        } else {
            version != 0
        };
        let stored = if transformed {
            base128(bytes, &mut at)?
        } else {
            length
        };
        if &tag == b"cmap" && cmap.is_none() {
            if transformed {
                return Err("its cmap table is transformed, which WOFF2 does not define".into());
            }
            cmap = Some((stream_offset, length));
        }
        stream_offset += u64::from(stored);
    }
    let (offset, length) = cmap.ok_or_else(no_cmap)?;
    if u64::from(length) > MAX_CMAP_BYTES {
        return Err(cmap_too_large(length));
    }
    let end = offset + u64::from(length);
    if end > MAX_WOFF2_PREFIX_BYTES {
        return Err(format!(
            "its cmap table ends {end} bytes into the decompressed data, past {MAX_WOFF2_PREFIX_BYTES}"
        ));
    }
    let stream = bytes
        .get(at..at.saturating_add(compressed))
        .ok_or_else(|| "the font's compressed data is cut short".to_string())?;
    let mut prefix = Vec::new();
    brotli_decompressor::Decompressor::new(stream, 4096)
        .take(end)
        .read_to_end(&mut prefix)
        .map_err(|e| format!("its compressed data does not decode: {e}"))?;
    if (prefix.len() as u64) < end {
        return Err("its compressed data ends before its cmap table does".to_string());
    }
    Ok(prefix[offset as usize..].to_vec())
}

/// How many characters the best subtable of `cmap` maps to a glyph (glyph 0, `.notdef`, is no
/// glyph), and how many of those are private-use.
fn count(cmap: &[u8]) -> Result<(u32, u32), String> {
    let table = Cmap::read(FontData::new(cmap)).map_err(|e| format!("its cmap table: {e}"))?;
    let (_, _, subtable) = table
        .best_subtable()
        .ok_or_else(|| "its cmap table has no subtable a browser reads".to_string())?;
    let limits = CmapIterLimits {
        max_char: char::MAX as u32,
        glyph_count: u32::from(u16::MAX) + 1,
    };
    let (mut characters, mut private_use) = (0u32, 0u32);
    for (codepoint, glyph) in subtable.iter_with_limits(limits) {
        if glyph.to_u32() == 0 {
            continue;
        }
        characters += 1;
        if is_private_use(codepoint) {
            private_use += 1;
        }
    }
    Ok((characters, private_use))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(path: &str) -> Vec<u8> {
        std::fs::read(format!("{}/fixtures/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    #[test]
    fn a_text_font_maps_letters_in_woff_and_woff2_alike() {
        // @fontsource/inter's latin subset, as Vite copied it.
        let woff2 = read(&fixture(
            "font-formats/dist/assets/inter-latin-400-normal-C38fXH4l.woff2",
        ));
        let woff = read(&fixture(
            "font-formats/dist/assets/inter-latin-400-normal-CyCys3Eg.woff",
        ));
        assert_eq!(woff2.problem, None);
        assert_eq!(woff2, woff);
        assert!(woff2.characters > 150, "{woff2:?}");
        assert_eq!(woff2.private_use, 0);
        assert!(!woff2.is_icon_font());
    }

    #[test]
    fn an_icon_font_maps_private_use_characters_in_every_format() {
        // open-iconic 1.1.1's font, as Vite copied its WOFF, TrueType and OpenType builds.
        let dir = format!(
            "{}/fixtures/icon-font/dist/assets",
            env!("CARGO_MANIFEST_DIR")
        );
        let mut read_any = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            if !name.starts_with("open-iconic")
                || !(name.ends_with(".woff") || name.ends_with(".ttf") || name.ends_with(".otf"))
            {
                continue;
            }
            let facts = read(&std::fs::read(&path).unwrap());
            assert_eq!(facts.problem, None, "{name}");
            assert!(facts.is_icon_font(), "{name}: {facts:?}");
            assert!(facts.private_use > 200, "{name}: {facts:?}");
            read_any += 1;
        }
        assert_eq!(read_any, 3);
    }

    #[test]
    fn damaged_fonts_say_what_is_wrong() {
        let woff2 = fixture("font-formats/dist/assets/inter-latin-400-normal-C38fXH4l.woff2");
        for cut in [0, 3, 20, 60, woff2.len() / 2] {
            let facts = read(&woff2[..cut]);
            assert!(facts.problem.is_some(), "cut at {cut}");
            assert!(!facts.is_icon_font());
        }
        assert!(
            read(b"ttcf\0\0\0\0")
                .problem
                .unwrap()
                .contains("collection")
        );
        // A directory that claims more tables than any font has.
        let mut many = woff2.clone();
        many[12..14].copy_from_slice(&u16::MAX.to_be_bytes());
        assert!(read(&many).problem.unwrap().contains("more than"));
    }

    #[test]
    fn damaged_bytes_anywhere_never_panic() {
        // Each real file with bytes overwritten at evenly spread places (the directory, the
        // compressed stream, the cmap itself), several values each: a reader that trusts an
        // offset or a length panics or reads past its bound here.
        let files = [
            fixture("font-formats/dist/assets/inter-latin-400-normal-C38fXH4l.woff2"),
            fixture("font-formats/dist/assets/inter-latin-400-normal-CyCys3Eg.woff"),
            fixture("icon-font/dist/assets/open-iconic-QtVr7Cw7.ttf"),
            fixture("icon-font/dist/assets/open-iconic-CWXKtUuw.otf"),
        ];
        let mut damaged = 0;
        for file in &files {
            let places = (0..400).map(|i| i * file.len() / 400).chain(0..64);
            for place in places {
                for value in [0x00, 0x7F, 0x80, 0xFF] {
                    let mut bytes = file.clone();
                    if bytes[place] == value {
                        continue;
                    }
                    bytes[place] = value;
                    let facts = read(&bytes);
                    assert!(facts.private_use <= facts.characters);
                    damaged += 1;
                }
            }
        }
        assert!(damaged > 5_000);
    }

    #[test]
    fn base128_rejects_leading_zeros_and_overflow() {
        let mut at = 0;
        assert_eq!(base128(&[0x3F], &mut at), Ok(63));
        let mut at = 0;
        assert_eq!(base128(&[0x81, 0x00], &mut at), Ok(128));
        assert!(base128(&[0x80, 0x01], &mut 0).is_err());
        assert!(base128(&[0xFF, 0xFF, 0xFF, 0xFF, 0x7F], &mut 0).is_err());
    }
}
