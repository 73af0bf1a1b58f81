//! What an asset is: its concrete format (from the extension, corrected by magic bytes) and
//! the resource type budgets and totals group it under.

use serde::Serialize;

/// The resource types of a built web app, as budgets and totals group them.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum AssetKind {
    Document,
    Script,
    Stylesheet,
    Image,
    Font,
    Media,
    Wasm,
    Data,
    Other,
    /// A `.map` file: never downloaded by users, so never counted in totals.
    SourceMap,
    /// `X.gz` / `X.br`: an encoding of another asset, which is what gets counted.
    Precompressed,
    /// TypeScript and JSX sources (`.ts`, `.tsx`, `.jsx`…): analysed for imports when webaudit
    /// is pointed at source files, never counted (browsers get the compiled output). Also a
    /// `.js` build input left in the output: an ES module importing bare package names with no
    /// import map to resolve them, or a CommonJS build for bundlers and Node that no page loads
    /// (see `audit`).
    Source,
    /// `X.LICENSE.txt` beside `X`: the license comments a minifier moved out of a bundle
    /// (webpack's default `extractComments`); the bundle only names it in a comment, browsers
    /// never request it.
    License,
    /// A file whose name or one of whose folders starts with `.`: a bundler's build manifest
    /// (`.vite/manifest.json`, read by the server-side integration), server configuration
    /// (`.htaccess`), files for agents other than browsers (`.well-known/…`) or an editor's and
    /// a file manager's leftovers (`.DS_Store`, `.gitkeep`). Pages do not request them (sirv,
    /// which `vite preview` serves with, refuses them by default), so none is counted.
    Hidden,
}

impl AssetKind {
    pub const ALL: [AssetKind; 14] = [
        AssetKind::Document,
        AssetKind::Script,
        AssetKind::Stylesheet,
        AssetKind::Image,
        AssetKind::Font,
        AssetKind::Media,
        AssetKind::Wasm,
        AssetKind::Data,
        AssetKind::Other,
        AssetKind::SourceMap,
        AssetKind::Precompressed,
        AssetKind::Source,
        AssetKind::License,
        AssetKind::Hidden,
    ];

    pub fn name(self) -> &'static str {
        match self {
            AssetKind::Document => "document",
            AssetKind::Script => "script",
            AssetKind::Stylesheet => "stylesheet",
            AssetKind::Image => "image",
            AssetKind::Font => "font",
            AssetKind::Media => "media",
            AssetKind::Wasm => "wasm",
            AssetKind::Data => "data",
            AssetKind::Other => "other",
            AssetKind::SourceMap => "source-map",
            AssetKind::Precompressed => "precompressed",
            AssetKind::Source => "source",
            AssetKind::License => "license",
            AssetKind::Hidden => "hidden",
        }
    }

    pub fn from_name(name: &str) -> Option<AssetKind> {
        AssetKind::ALL.into_iter().find(|kind| kind.name() == name)
    }

    /// Whether the asset is part of what a browser downloads, and so of totals and budgets.
    pub fn counted(self) -> bool {
        !matches!(
            self,
            AssetKind::SourceMap
                | AssetKind::Precompressed
                | AssetKind::Source
                | AssetKind::License
                | AssetKind::Hidden
        )
    }
}

/// Whether a folder-relative path names a hidden file: its name or a folder on the way starts
/// with `.` (see [`AssetKind::Hidden`]).
pub fn is_hidden(path: &str) -> bool {
    path.split('/').any(|part| part.starts_with('.'))
}

/// A concrete file format.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    Html,
    Js,
    Css,
    Png,
    Jpeg,
    Gif,
    Webp,
    Avif,
    Svg,
    Ico,
    Bmp,
    Woff2,
    Woff,
    Ttf,
    Otf,
    Eot,
    Mp4,
    Webm,
    Mp3,
    Ogg,
    Wav,
    Flac,
    Wasm,
    SourceMap,
    Json,
    Xml,
    Txt,
    /// Comma- or tab-separated values (`.csv`, `.tsv`): data tables fetched by charts and maps.
    Csv,
    /// Newline-delimited JSON (`.ndjson`, `.jsonl`): logs and data streams, compressible text.
    Ndjson,
    /// Binary vector map tiles (`.pbf`, `.mvt`: Mapbox Vector Tile protobuf). Tile pipelines
    /// store them gzip-compressed and serve them with `Content-Encoding: gzip`, so they are
    /// treated as already compressed.
    VectorTile,
    WebManifest,
    Gzip,
    Brotli,
    /// TypeScript or JSX source code.
    SourceCode,
    Unknown,
}

impl Format {
    pub fn kind(self) -> AssetKind {
        use Format::*;
        match self {
            Html => AssetKind::Document,
            Js => AssetKind::Script,
            Css => AssetKind::Stylesheet,
            Png | Jpeg | Gif | Webp | Avif | Svg | Ico | Bmp => AssetKind::Image,
            Woff2 | Woff | Ttf | Otf | Eot => AssetKind::Font,
            Mp4 | Webm | Mp3 | Ogg | Wav | Flac => AssetKind::Media,
            Wasm => AssetKind::Wasm,
            SourceMap => AssetKind::SourceMap,
            Json | Xml | Txt | Csv | Ndjson | VectorTile | WebManifest => AssetKind::Data,
            Gzip | Brotli => AssetKind::Precompressed,
            SourceCode => AssetKind::Source,
            Unknown => AssetKind::Other,
        }
    }

    /// Whether HTTP compression (gzip/brotli) shrinks this format: text, and binary formats that
    /// carry no compression of their own. Already-compressed formats (PNG, JPEG, WebP, WOFF2,
    /// video…) travel as they are, so their transfer size is their raw size.
    pub fn compressible(self) -> bool {
        use Format::*;
        matches!(
            self,
            Html | Js
                | Css
                | Svg
                | Ico
                | Bmp
                | Ttf
                | Otf
                | Eot
                | Wasm
                | SourceMap
                | Json
                | Xml
                | Txt
                | Csv
                | Ndjson
                | WebManifest
                | Wav
        )
    }

    pub fn from_extension(extension: &str) -> Option<Format> {
        use Format::*;
        let format = match extension.to_ascii_lowercase().as_str() {
            "html" | "htm" => Html,
            "js" | "mjs" | "cjs" => Js,
            "css" => Css,
            "png" | "apng" => Png,
            "jpg" | "jpeg" | "jfif" | "pjpeg" => Jpeg,
            "gif" => Gif,
            "webp" => Webp,
            "avif" => Avif,
            "svg" => Svg,
            "ico" | "cur" => Ico,
            "bmp" => Bmp,
            "woff2" => Woff2,
            "woff" => Woff,
            "ttf" => Ttf,
            "otf" => Otf,
            "eot" => Eot,
            "mp4" | "m4v" | "mov" => Mp4,
            "webm" => Webm,
            "mp3" => Mp3,
            "ogg" | "oga" | "ogv" | "opus" => Ogg,
            "wav" => Wav,
            "flac" => Flac,
            "wasm" => Wasm,
            "map" => SourceMap,
            // GeoJSON and TopoJSON are JSON (maps ship tens of MB of them).
            "json" | "geojson" | "topojson" => Json,
            "csv" | "tsv" => Csv,
            "ndjson" | "jsonl" => Ndjson,
            "pbf" | "mvt" => VectorTile,
            "xml" => Xml,
            "txt" => Txt,
            "webmanifest" => WebManifest,
            "gz" => Gzip,
            "br" => Brotli,
            "ts" | "tsx" | "jsx" | "mts" | "cts" => SourceCode,
            _ => return None,
        };
        Some(format)
    }
}

/// Formats whose magic bytes are distinctive enough to overrule a file's extension.
fn strong_magic(head: &[u8]) -> Option<Format> {
    use Format::*;
    let starts = |magic: &[u8]| head.starts_with(magic);
    if starts(b"\x89PNG\r\n\x1a\n") {
        Some(Png)
    } else if starts(&[0xFF, 0xD8, 0xFF]) {
        Some(Jpeg)
    } else if starts(b"GIF87a") || starts(b"GIF89a") {
        Some(Gif)
    } else if head.len() >= 12 && &head[0..4] == b"RIFF" && &head[8..12] == b"WEBP" {
        Some(Webp)
    } else if head.len() >= 12 && &head[0..4] == b"RIFF" && &head[8..12] == b"WAVE" {
        Some(Wav)
    } else if head.len() >= 12 && &head[4..8] == b"ftyp" {
        match &head[8..12] {
            b"avif" | b"avis" => Some(Avif),
            _ => Some(Mp4),
        }
    } else if starts(b"wOF2") {
        Some(Woff2)
    } else if starts(b"wOFF") {
        Some(Woff)
    } else if starts(b"OTTO") {
        Some(Otf)
    } else if starts(b"\0asm") {
        Some(Wasm)
    } else if starts(&[0x1F, 0x8B, 0x08]) {
        Some(Gzip)
    } else if starts(&[0x1A, 0x45, 0xDF, 0xA3]) {
        Some(Webm)
    } else if starts(b"OggS") {
        Some(Ogg)
    } else if starts(b"fLaC") {
        Some(Flac)
    } else {
        None
    }
}

/// Weaker signatures, trusted only when the extension says nothing.
fn weak_magic(head: &[u8]) -> Option<Format> {
    use Format::*;
    let starts = |magic: &[u8]| head.starts_with(magic);
    if starts(&[0, 0, 1, 0]) {
        return Some(Ico);
    }
    if starts(b"BM") && head.len() >= 14 {
        return Some(Bmp);
    }
    if starts(&[0, 1, 0, 0]) || starts(b"true") {
        return Some(Ttf);
    }
    if starts(b"ID3") {
        return Some(Mp3);
    }
    let text = String::from_utf8_lossy(&head[..head.len().min(512)]).to_ascii_lowercase();
    let text = text.trim_start_matches('\u{feff}').trim_start();
    if text.starts_with("<!doctype html") || text.starts_with("<html") {
        Some(Html)
    } else if text.starts_with("<svg") || (text.starts_with("<?xml") && text.contains("<svg")) {
        Some(Svg)
    } else if text.starts_with("<?xml") {
        Some(Xml)
    } else {
        None
    }
}

/// The result of classifying one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Classification {
    pub format: Format,
    /// The content is of another format than the extension claims (e.g. a JPEG named `.png`).
    pub extension_mismatch: bool,
}

/// Classifies a file by its extension, letting distinctive magic bytes overrule a wrong one.
/// `head` is the start of the file (a few hundred bytes suffice).
pub fn classify(extension: Option<&str>, head: &[u8]) -> Classification {
    let by_extension = extension.and_then(Format::from_extension);
    match (by_extension, strong_magic(head)) {
        // A brotli stream has no magic bytes, and a `.gz` is known by its name and checked below.
        (Some(Format::Brotli), _) => Classification {
            format: Format::Brotli,
            extension_mismatch: false,
        },
        // Vector tiles are stored gzip-compressed: gzip bytes are what a `.pbf` should hold.
        (Some(Format::VectorTile), Some(Format::Gzip)) => Classification {
            format: Format::VectorTile,
            extension_mismatch: false,
        },
        (Some(declared), Some(sniffed)) if declared != sniffed => Classification {
            format: sniffed,
            extension_mismatch: true,
        },
        (Some(declared), _) => Classification {
            format: declared,
            extension_mismatch: false,
        },
        (None, Some(sniffed)) => Classification {
            format: sniffed,
            extension_mismatch: false,
        },
        (None, None) => Classification {
            format: weak_magic(head).unwrap_or(Format::Unknown),
            extension_mismatch: false,
        },
    }
}

/// Whether the file name (last path segment) carries a content hash: Vite and Rollup's 8
/// characters after `-` or `.`, webpack's 8 to 32 letters and digits. A bundler writes such a
/// name for a file its output imports, so only that output (or a manifest) can name it.
pub fn is_hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let Some((stem, _extension)) = name.rsplit_once('.') else {
        return false;
    };
    let hash_byte = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
    let bytes = stem.as_bytes();
    // Vite / Rollup: `-` or `.` then exactly 8 hash characters.
    if bytes.len() > 9 {
        let (before, hash) = bytes.split_at(bytes.len() - 8);
        if matches!(before.last(), Some(b'-' | b'.'))
            && hash.iter().all(|&b| hash_byte(b))
            && hash
                .iter()
                .any(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
        {
            return true;
        }
    }
    // webpack: the last `-`/`.`-separated part, 8 to 32 letters and digits with a digit.
    match stem.rfind(['-', '.']) {
        Some(split) if split > 0 => {
            let hash = &bytes[split + 1..];
            (8..=32).contains(&hash.len())
                && hash.iter().all(u8::is_ascii_alphanumeric)
                && hash.iter().any(u8::is_ascii_digit)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_names() {
        for hashed in [
            "assets/index-3f2a1b9c.js",
            "assets/about-Bya-HQu9.js",
            "assets/inter-latin-400-normal-C38fXH4l.woff2",
            "assets/style-Ddld_3hZ.js",
            "assets/inter-cyrillic-400-normal-obahsSVq.woff2",
            "main.3f2a1b9c5d6e7f80.js",
        ] {
            assert!(is_hashed(hashed), "{hashed}");
        }
        for plain in [
            "index.html",
            "vendor/medium-zoom.min.js",
            "app-settings.js",
            "jquery-3.7.1.min.js",
            "favicon.svg",
            "site.webmanifest",
            "img/ladybird.jpg",
        ] {
            assert!(!is_hashed(plain), "{plain}");
        }
    }

    #[test]
    fn extension_decides_when_content_agrees_or_is_silent() {
        assert_eq!(classify(Some("js"), b"(()=>{})()").format, Format::Js);
        assert_eq!(
            classify(Some("PNG"), b"\x89PNG\r\n\x1a\n....").format,
            Format::Png
        );
        assert_eq!(classify(Some("woff2"), b"wOF2....").format, Format::Woff2);
    }

    #[test]
    fn magic_bytes_overrule_a_wrong_extension() {
        let jpeg_named_png = classify(Some("png"), &[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]);
        assert_eq!(
            jpeg_named_png,
            Classification {
                format: Format::Jpeg,
                extension_mismatch: true
            }
        );
    }

    #[test]
    fn files_without_extension_are_sniffed() {
        assert_eq!(classify(None, b"GIF89a...").format, Format::Gif);
        assert_eq!(
            classify(None, b"\n<!DOCTYPE html><html>").format,
            Format::Html
        );
        assert_eq!(
            classify(None, b"<?xml version=\"1.0\"?><svg xmlns=").format,
            Format::Svg
        );
        assert_eq!(classify(None, b"just some words").format, Format::Unknown);
        assert_eq!(classify(None, b"\0\0\x01\0\x01\0").format, Format::Ico);
        assert_eq!(classify(None, b"....ftypavif").format, Format::Avif);
    }

    #[test]
    fn weak_signatures_do_not_overrule_extensions() {
        // A JS file that happens to start with "true" is still JS.
        assert_eq!(classify(Some("js"), b"true&&x()").format, Format::Js);
    }
}
