//! A measured file of the audited folder, and the sizes every stage reads.

use std::path::PathBuf;

use serde::Serialize;

use crate::kind::{AssetKind, Format};
use crate::model::composition::Composition;
use crate::model::facts::Facts;

/// Which size a budget measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    /// gzip size for compressible assets, raw size for already-compressed formats.
    Gzip,
    /// brotli size for compressible assets, raw size for already-compressed formats.
    Brotli,
    /// Raw size on disk.
    None,
}

impl Compression {
    pub fn name(self) -> &'static str {
        match self {
            Compression::Gzip => "gzip",
            Compression::Brotli => "brotli",
            Compression::None => "raw",
        }
    }

    pub fn parse(text: &str) -> Option<Compression> {
        match text {
            "gzip" => Some(Compression::Gzip),
            "brotli" | "br" => Some(Compression::Brotli),
            "none" | "raw" => Some(Compression::None),
            _ => None,
        }
    }
}

/// What a compressed size was measured with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Algorithm {
    Gzip,
    Brotli,
}

pub type ContentHash = [u8; 32];

/// One measured file of the audited folder.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Asset {
    /// Path relative to the audited folder, `/`-separated.
    pub path: String,
    #[serde(skip)]
    pub file: PathBuf,
    pub kind: AssetKind,
    pub format: Format,
    /// Bytes on disk.
    pub raw: u64,
    /// gzip size (zlib level 9); `None` for formats that are not compressed in transit.
    pub gzip: Option<u64>,
    /// brotli size (quality 11, window 22); `None` when not computed or not compressible.
    pub brotli: Option<u64>,
    /// BLAKE3 of the content, hex.
    pub hash: String,
    #[serde(skip)]
    pub content_hash: ContentHash,
    /// The content is another format than the extension says.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub extension_mismatch: bool,
    /// For a precompressed variant or a source map: the asset it belongs to, when present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original: Option<String>,
    /// For an original: its precompressed variants and source map.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<String>,
    /// What the content says (imports, references, source-map attribution). Only image facts
    /// are in the JSON report (as `image`: header, decode problem, re-encoded sizes).
    #[serde(
        rename = "image",
        skip_serializing_if = "is_not_image",
        serialize_with = "serialize_image_facts"
    )]
    #[schemars(with = "Option<crate::model::facts::image::ImageFacts>")]
    pub facts: Facts,
    /// Set when the file is shipped only encoded (`app.js.gz` without `app.js`) and counted as
    /// the file it encodes: `raw` is then the decoded size and this encoding's size is the
    /// file's own size.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoded_only: Option<Algorithm>,
    /// Bytes per npm package, from the source map (filled after measuring).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub composition: Option<Composition>,
}

fn is_not_image(facts: &Facts) -> bool {
    !matches!(facts, Facts::Image(_))
}

fn serialize_image_facts<S: serde::Serializer>(
    facts: &Facts,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match facts {
        Facts::Image(image) => image.serialize(serializer),
        _ => serializer.serialize_none(),
    }
}

impl Asset {
    /// Whether this asset is part of what browsers download (totals and budgets).
    pub fn counted(&self) -> bool {
        self.kind.counted()
    }

    /// The bytes that travel over the network: compressed size when the format is compressed
    /// in transit (gzip, the encoding every server and browser supports), raw size otherwise.
    pub fn transfer(&self) -> u64 {
        self.gzip.or_else(|| self.brotli_only()).unwrap_or(self.raw)
    }

    /// The size of a file shipped only as brotli: every visitor receives that copy.
    fn brotli_only(&self) -> Option<u64> {
        (self.encoded_only == Some(Algorithm::Brotli))
            .then_some(self.brotli)
            .flatten()
    }

    /// The size under a budget's compression; `None` when that size was not computed.
    pub fn size(&self, compression: Compression) -> Option<u64> {
        match compression {
            Compression::None => Some(self.raw),
            Compression::Gzip if self.format.compressible() => {
                self.gzip.or_else(|| self.brotli_only())
            }
            Compression::Brotli if self.format.compressible() => self.brotli,
            _ => Some(self.raw),
        }
    }
}
