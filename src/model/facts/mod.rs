//! What each file says, as the analysis found it: plain data that every later stage reads.

pub mod css;
pub mod font;
pub mod html;
pub mod image;
pub mod inlined;
pub mod js;
pub mod legacy;
pub mod location;
pub mod minify;
pub mod signatures;
pub mod sourcemap;
pub mod sveltekit;

use sourcemap::Attribution;

/// What one file's content says, beyond its sizes.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub enum Facts {
    #[default]
    None,
    Script(Box<ScriptFacts>),
    Stylesheet(Box<StylesheetFacts>),
    Document(Box<html::HtmlFacts>),
    Precompressed(Decoded),
    /// A `.gz`/`.br` whose original is not in the folder, decoded and analysed as the file it
    /// encodes (`app.js.gz` as a script): the audit counts it as that file when the deployment
    /// ships it alone (see `audit`), and as a copy otherwise.
    Encoded(Box<Encoded>),
    Image(Box<image::ImageFacts>),
    /// An ICO or CUR file (`favicon.ico`): its directory.
    Icon(Box<image::IconFacts>),
    /// An SVG image: its root element's sizing attributes.
    Svg(Box<image::SvgFacts>),
    /// A web app manifest (`site.webmanifest`, `manifest.json`): the images it names.
    WebManifest(Box<WebManifestFacts>),
    /// A TrueType, OpenType, WOFF or WOFF2 font: its character map.
    Font(Box<font::FontFacts>),
}

/// The images a web app manifest names (its icons, screenshots and shortcut icons), which a
/// browser requests to install the app: lowercased file names, as a script's mentions are kept.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct WebManifestFacts {
    pub image_names: Vec<String>,
}

/// A precompressed file shipped without its original: what it decodes to, and the facts of
/// the decoded content.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Encoded {
    pub decoded: Decoded,
    pub content: Facts,
}

/// What a `.gz` or `.br` file decodes to: compared with its original by the compression rules.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Decoded {
    /// BLAKE3 of the decoded content; `None` when it could not be decoded.
    pub hash: Option<[u8; 32]>,
    pub size: u64,
    /// Why decoding failed (corrupt stream, or more than [`crate::analyze::MAX_DECODED_BYTES`]).
    pub error: Option<String>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ScriptFacts {
    pub js: js::JsFacts,
    pub map: Option<MapLink>,
    /// Known libraries recognised by their signatures (looked for only without a usable map).
    pub signatures: Vec<signatures::SignatureMatch>,
    /// The size without comments and unnecessary whitespace (`.js`, `.mjs`, `.cjs` only).
    #[serde(default)]
    pub minified: Option<minify::Minified>,
    /// The image files the text mentions (see `analyze::mentions`): lowercased file names with
    /// the folders written before them (see `model::mention`).
    #[serde(default)]
    pub image_names: Vec<String>,
    /// The font files the text mentions, kept as images are: a font a script's CSS-in-JS or
    /// `FontFace` loads.
    #[serde(default)]
    pub font_names: Vec<String>,
    /// Images and fonts inlined as `data:` URLs (see `analyze::inlined`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inlined: Vec<inlined::InlinedData>,
    /// `@font-face` rules in the script's string and template literals (CSS-in-JS, see
    /// `analyze::css_in_js`), located in the script.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub font_faces: Vec<css::FontFace>,
    /// Polyfills and down-level transforms (see `analyze::legacy`); shipped scripts only.
    #[serde(default, skip_serializing_if = "legacy::LegacyFacts::is_empty")]
    pub legacy: legacy::LegacyFacts,
    /// Whether the script tests which module system runs it (`typeof exports`, `typeof module`,
    /// `typeof define`), as a UMD build does: its `require()` calls are then the CommonJS
    /// branch, and a browser takes another (`factory(window.jQuery)`).
    #[serde(default)]
    pub tests_module_system: bool,
    /// SvelteKit's client manifest, when the script is the `app.js` that exports it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sveltekit: Option<sveltekit::SvelteKitManifest>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct StylesheetFacts {
    pub css: css::CssFacts,
    pub map: Option<MapLink>,
    /// The size without comments and unnecessary whitespace.
    #[serde(default)]
    pub minified: Option<minify::Minified>,
    /// Images and fonts inlined as `data:` URLs in `url()` (see `analyze::inlined`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inlined: Vec<inlined::InlinedData>,
}

/// The source map of a script or stylesheet and what it attributes.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct MapLink {
    /// The map file, relative to the audited folder; `None` for an inline `data:` map.
    pub path: Option<String>,
    /// Where the map was found: a `sourceMappingURL` comment, or a sibling `X.map`.
    pub declared: bool,
    pub attribution: Result<Attribution, String>,
    /// The lines of the app's own sources (those the map carries in `sourcesContent`) that
    /// import npm packages; scripts' maps only.
    #[serde(default, skip_serializing_if = "sourcemap::ImportSites::is_empty")]
    pub import_sites: sourcemap::ImportSites,
    /// For an inline map, the bytes of its `data:` URL in the file: shipped to every visitor
    /// with the code, while a map file is fetched only by developer tools. 0 for a map file.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub inline_bytes: u64,
}

fn is_zero(value: &u64) -> bool {
    *value == 0
}

/// A map file read by the worker of the file it belongs to, so it is measured without reading
/// it again.
#[derive(Debug, Clone)]
pub struct ClaimedMap {
    pub path: String,
    pub raw: u64,
    pub content_hash: [u8; 32],
}
