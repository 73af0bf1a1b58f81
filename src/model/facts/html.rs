//! What one HTML page holds, as written (entities decoded): the data [`crate::analyze::html`] reads.

use std::ops::Range;

use serde::Serialize;

use super::css::{CssFacts, SizingRule};
use super::js::{ChunkLoading, Import};
use super::location::Location;

/// Everything the rules need to know about one HTML page. Every list is in document order.
#[derive(Debug, Clone, PartialEq, Default, Serialize, serde::Deserialize)]
pub struct HtmlFacts {
    pub scripts: Vec<ScriptTag>,
    /// `<link>` whose `rel` contains `stylesheet`.
    pub stylesheets: Vec<LinkTag>,
    /// One entry per `preload`, `modulepreload` or `prefetch` token of a `<link rel>`, so
    /// `rel="preload stylesheet"` is both a stylesheet and a preload.
    pub preloads: Vec<PreloadTag>,
    /// One entry per `preconnect` or `dns-prefetch` token of a `<link rel>`.
    #[serde(default)]
    pub connection_hints: Vec<ConnectionHint>,
    /// `<link rel>` naming an icon: `icon` (`shortcut icon` included), `apple-touch-icon`
    /// (and `-precomposed`), `mask-icon`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub icons: Vec<IconLink>,
    pub images: Vec<ImageTag>,
    pub pictures: Vec<PictureTag>,
    pub iframes: Vec<IframeTag>,
    pub videos: Vec<VideoTag>,
    pub inline_styles: Vec<InlineStyle>,
    /// `style="…"` attributes of any element that mention `url(` (case-insensitive).
    pub style_attributes: Vec<StyleAttribute>,
    /// The `href` of the first `<base href>`: browsers resolve every relative reference of the
    /// page against it (see [`crate::analyze::url::resolve_in_document`]).
    pub base_href: Option<String>,
    /// The `<body>` start tag, when the page has one: what comes before it is in the head.
    pub body: Option<Location>,
    pub parse_warnings: Vec<String>,
    /// The file writes no doctype and no `<html>`, `<head>` or `<body>` tag: a fragment that
    /// another page or a script pulls in, not a page (see `analyze::html`).
    #[serde(default)]
    pub fragment: bool,
    /// The image files the text mentions anywhere (inline scripts, icons, markup; see
    /// `analyze::mentions`): lowercased file names with the folders written before them.
    #[serde(default)]
    pub image_names: Vec<String>,
    /// The image and font files that the code of the page's inline scripts (classic and
    /// module) mentions, kept as `image_names` are: what the page's own code may load, apart
    /// from what its markup names.
    #[serde(default)]
    pub inline_script_file_names: Vec<String>,
    /// Next.js pages router: the page's route (`"page"` of its `__NEXT_DATA__`), which names
    /// its chunks in the build manifest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_route: Option<String>,
    /// Next.js pages router: the modules of the `next/dynamic` components the page rendered
    /// when it was built (`"dynamicIds"` of its `__NEXT_DATA__`), which load with it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub next_dynamic_ids: Vec<String>,
    /// Next.js app router: the script and stylesheet files the page's flight data
    /// (`self.__next_f.push(…)`) names for the client components and styles it hydrates, as
    /// written (`/_next/static/chunks/x.js`, or `static/chunks/x.js` under `_next/`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub next_flight_files: Vec<String>,
    /// SvelteKit: the page's inline script starts the client (`kit.start(app, element, …)`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sveltekit_start: Option<super::sveltekit::SvelteKitStart>,
}

/// `<script>`, external or inline.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct ScriptTag {
    pub src: Option<String>,
    /// The `type` attribute as written.
    pub type_: Option<String>,
    /// What the browser does with the element, derived from `type` (and the legacy
    /// `language`) as the HTML standard says.
    pub kind: ScriptKind,
    /// `kind == ScriptKind::Module`.
    pub module: bool,
    pub nomodule: bool,
    pub async_: bool,
    pub defer: bool,
    /// The `crossorigin` attribute (`""` when present without a value).
    pub crossorigin: Option<String>,
    /// Byte length of the text between `<script>` and `</script>` (browsers ignore it when
    /// `src` is set).
    pub inline_bytes: usize,
    /// Where that text is in the input, to hand inline code to the JavaScript reader.
    pub inline_range: Range<usize>,
    /// What the inline code imports (classic and module scripts without `src`), located in
    /// the page: a module's static imports load with the page.
    #[serde(default)]
    pub inline_imports: Vec<Import>,
    /// What inline code says about chunk loading (a bundler runtime written into the page).
    #[serde(default, skip_serializing_if = "ChunkLoading::is_empty")]
    pub inline_chunks: ChunkLoading,
    pub location: Location,
}

/// How a browser treats a `<script>` element.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
pub enum ScriptKind {
    /// Classic JavaScript: no `type`, an empty one, or a JavaScript MIME type.
    Classic,
    /// `type="module"`.
    Module,
    /// `type="importmap"`: JSON, fetched from nowhere.
    ImportMap,
    /// `type="speculationrules"`: JSON.
    SpeculationRules,
    /// Any other type (`application/ld+json`, `text/template`, `text/javascript; charset=…`):
    /// a data block, never fetched or run.
    Data,
}

/// `<link rel="stylesheet">`.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct LinkTag {
    pub href: Option<String>,
    pub media: Option<String>,
    /// The `disabled` attribute is present: the sheet is not applied.
    pub disabled: bool,
    /// `rel` also contains `alternate`: not applied until the user picks it.
    pub alternate: bool,
    pub location: Location,
}

/// `<link rel="preload" | "modulepreload" | "prefetch">`.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct PreloadTag {
    pub href: Option<String>,
    /// The matching `rel` token, lowercase: `preload`, `modulepreload` or `prefetch`.
    pub rel: String,
    /// `as`, trimmed and lowercase (an enumerated attribute).
    pub as_: Option<String>,
    pub type_: Option<String>,
    /// `""` when present without a value (which means `anonymous`).
    pub crossorigin: Option<String>,
    pub media: Option<String>,
    pub imagesrcset: Option<String>,
    pub imagesizes: Option<String>,
    /// Trimmed and lowercase.
    pub fetchpriority: Option<String>,
    /// The element has an `onload` attribute: a script acts on the file once it arrives (the
    /// `onload="this.rel='stylesheet'"` pattern applies a preloaded stylesheet).
    #[serde(default)]
    pub onload: bool,
    pub location: Location,
}

/// `<link rel="preconnect" | "dns-prefetch">`.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct ConnectionHint {
    pub href: Option<String>,
    /// The matching `rel` token, lowercase: `preconnect` or `dns-prefetch`.
    pub rel: String,
    /// `""` when present without a value (which means `anonymous`).
    pub crossorigin: Option<String>,
    pub location: Location,
}

/// `<link rel="icon" | "apple-touch-icon" | "mask-icon">`.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct IconLink {
    pub href: Option<String>,
    pub rel: IconRel,
    /// `sizes` as written (`16x16 32x32`, `any`).
    pub sizes: Option<String>,
    pub type_: Option<String>,
    pub media: Option<String>,
    pub location: Location,
}

/// What an icon link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
pub enum IconRel {
    /// `icon` or `shortcut icon`: the tab, bookmarks and history.
    Icon,
    /// `apple-touch-icon` or `apple-touch-icon-precomposed`: iOS home screen, Safari favourites.
    AppleTouchIcon,
    /// `mask-icon`: Safari's pinned tab (a one-colour SVG).
    MaskIcon,
}

/// `<img>`.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct ImageTag {
    pub src: Option<String>,
    /// As written; see [`ImageTag::srcset_candidates`].
    pub srcset: Option<String>,
    pub sizes: Option<String>,
    /// `width` / `height` as written.
    pub width: Option<String>,
    pub height: Option<String>,
    /// `width` / `height` when they are a plain non-negative integer, optionally followed by
    /// `px` (`320`, `320px`), surrounding whitespace allowed. `None` for anything else
    /// (`50%`, `auto`, `1.5`, empty), whose raw value is in `width` / `height`.
    pub width_px: Option<u32>,
    pub height_px: Option<u32>,
    /// `loading`, `decoding` and `fetchpriority` are enumerated attributes, which HTML matches
    /// case-insensitively: trimmed and lowercase here (`LAZY` → `lazy`).
    pub loading: Option<String>,
    pub decoding: Option<String>,
    pub fetchpriority: Option<String>,
    pub style: Option<String>,
    /// What the `style` attribute sets of `width`, `height` and `aspect-ratio`.
    #[serde(default)]
    pub style_sizing: Option<SizingRule>,
    /// `id` and `class` as written: what same-page style rules select the image by.
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub class: Option<String>,
    pub alt: Option<String>,
    /// `src` is a `data:` URL.
    pub is_data_uri: bool,
    /// Index into [`HtmlFacts::pictures`] when this is the `<img>` of a `<picture>`.
    pub in_picture: Option<usize>,
    /// 0-based position among all `<img>` of the page, in document order.
    pub order: usize,
    /// False inside `<template>`, whose content is inert (nothing loads until script clones
    /// it). An `<img>` written inside `<head>` counts as in the body: the HTML parser moves it
    /// there. (`<noscript>` content is not reported at all: with scripting on it is text.)
    pub in_body: bool,
    pub location: Location,
}

/// `<picture>` and its `<source>` children.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct PictureTag {
    pub sources: Vec<SourceTag>,
    /// Index into [`HtmlFacts::images`] of the picture's `<img>`.
    pub img: Option<usize>,
    pub location: Location,
}

/// `<source>` inside `<picture>`; attributes as written.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct SourceTag {
    pub srcset: Option<String>,
    pub type_: Option<String>,
    pub media: Option<String>,
    pub sizes: Option<String>,
    pub width: Option<String>,
    pub height: Option<String>,
    pub location: Location,
}

/// `<iframe>`.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct IframeTag {
    pub src: Option<String>,
    /// Trimmed and lowercase.
    pub loading: Option<String>,
    pub width: Option<String>,
    pub height: Option<String>,
    pub location: Location,
}

/// `<video>` and its `<source>` children.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct VideoTag {
    pub src: Option<String>,
    pub poster: Option<String>,
    /// Trimmed and lowercase (`none`, `metadata`, `auto`, `""`).
    pub preload: Option<String>,
    pub autoplay: bool,
    pub muted: bool,
    pub width: Option<String>,
    pub height: Option<String>,
    pub sources: Vec<MediaSource>,
    pub location: Location,
}

/// `<source>` inside `<video>`.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct MediaSource {
    pub src: Option<String>,
    pub type_: Option<String>,
    pub media: Option<String>,
    pub location: Location,
}

/// A `<style>` block. To read it, pass the original bytes of `range` and `location` to
/// [`crate::analyze::css::parse_at`], so CSS locations point into the HTML file.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct InlineStyle {
    /// The CSS text (invalid UTF-8 as U+FFFD).
    pub text: String,
    /// Byte range of the CSS text in the input.
    pub range: Range<usize>,
    /// The first byte of the CSS text (just after `<style …>`).
    pub location: Location,
    pub media: Option<String>,
    /// The block read as a stylesheet, located in the page.
    #[serde(default)]
    pub css: CssFacts,
}

/// A `style="…"` attribute that mentions `url(`. Read it with
/// [`crate::analyze::css::parse_at`]`(value, value_location)`; an entity in the raw value
/// (`&quot;`) shifts later columns on that line by the difference.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct StyleAttribute {
    /// The value, entities decoded.
    pub value: String,
    /// The first byte of the value in the input.
    pub value_location: Location,
    /// Lowercase tag name of the element.
    pub tag: String,
    /// The element's start tag.
    pub location: Location,
    /// The value read as a declaration list, located in the page.
    #[serde(default)]
    pub css: CssFacts,
}
