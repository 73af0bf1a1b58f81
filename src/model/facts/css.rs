//! What one stylesheet holds: the data [`crate::analyze::css`] reads.

use serde::Serialize;

use super::location::Location;

/// Everything the rules need to know about one stylesheet.
#[derive(Debug, Clone, PartialEq, Default, Serialize, serde::Deserialize)]
pub struct CssFacts {
    /// `@import url(…)` and `@import "…"` that browsers honour: at the top level, before any
    /// other rule. Location: the `@import` keyword.
    pub imports: Vec<CssRef>,
    /// Every `url(…)` (and string inside `image-set()`) outside `@import`, in source order.
    /// Location: the start of `url(` (or of the string).
    pub urls: Vec<CssRef>,
    pub font_faces: Vec<FontFace>,
    /// Style rules that give an element a size before its content arrives (`width`, `height`,
    /// `aspect-ratio` with a definite value), in source order. A bare declaration list (a
    /// `style="…"` value) gives one rule with an empty selector.
    #[serde(default)]
    pub sizing: Vec<SizingRule>,
    /// Things a browser ignores or repairs: unterminated comments, strings and `url(`,
    /// `@import` rules it drops.
    pub warnings: Vec<CssWarning>,
}

/// A reference from CSS to another file, as written (not resolved: see
/// [`crate::analyze::url::resolve`]).
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct CssRef {
    /// The URL with CSS escapes decoded and surrounding whitespace removed.
    pub url: String,
    pub location: Location,
    /// The declaration the URL belongs to (`background-image`, `src`, `--hero`), ASCII-lowercased
    /// unless it is a custom property (those are case-sensitive). `None` for `@import` and for a
    /// URL outside any declaration.
    pub property: Option<String>,
    pub in_font_face: bool,
}

/// What stands for a `${…}` hole of a template literal in CSS-in-JS text (see
/// [`crate::analyze::css_in_js`]): a value holding it is unknown (a font's URL kept in a
/// variable, a weight passed as a prop). U+FFFC, the Unicode object replacement character.
pub const TEMPLATE_HOLE: char = '\u{FFFC}';

/// Shows a value that may hold [`TEMPLATE_HOLE`] the way the template writes it: `${…}`.
pub fn display_with_holes(value: &str) -> std::borrow::Cow<'_, str> {
    if value.contains(TEMPLATE_HOLE) {
        value.replace(TEMPLATE_HOLE, "${…}").into()
    } else {
        value.into()
    }
}

/// One `@font-face` rule.
#[derive(Debug, Clone, PartialEq, Default, Serialize, serde::Deserialize)]
pub struct FontFace {
    /// `font-family`, unquoted (`"Open Sans"` and `Open Sans` both give `Open Sans`).
    pub family: Option<String>,
    /// The sources of the last `src` descriptor (a later `src` replaces an earlier one, as in the
    /// cascade), in order of preference.
    pub sources: Vec<FontSource>,
    /// The values of these descriptors as written, comments removed and whitespace collapsed
    /// (`swap`, `400 700`, `U+0000-00FF`).
    pub font_display: Option<String>,
    pub font_weight: Option<String>,
    pub font_style: Option<String>,
    pub unicode_range: Option<String>,
    /// The `@font-face` keyword.
    pub location: Location,
}

/// One entry of an `@font-face` `src` list: either a file (`url`) or an installed font
/// (`local`), exactly one of the two is set.
#[derive(Debug, Clone, PartialEq, Default, Serialize, serde::Deserialize)]
pub struct FontSource {
    pub url: Option<String>,
    /// The font name of `local("Name")` / `local(Name)`.
    pub local: Option<String>,
    /// `format("woff2")` or `format(woff2)`, as written without quotes.
    pub format: Option<String>,
    /// `tech(variations)`, as written.
    pub tech: Option<String>,
    pub location: Location,
}

impl FontSource {
    /// Browsers skip a source whose `format()` hint names a format they do not support, without
    /// requesting it. No current browser supports these.
    pub fn skipped_by_browsers(&self) -> bool {
        self.format.as_deref().is_some_and(|format| {
            let format = format.trim().to_ascii_lowercase();
            format == "embedded-opentype" || format == "svg"
        })
    }
}

impl FontFace {
    /// The source a browser fetches: the first with a URL whose format it supports (`local()`
    /// sources cost no download).
    pub fn fetched_source(&self) -> Option<&FontSource> {
        self.sources
            .iter()
            .find(|source| source.url.is_some() && !source.skipped_by_browsers())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct CssWarning {
    pub message: String,
    pub location: Location,
}

/// A style rule (or a `style="…"` value) that sizes what it applies to.
#[derive(Debug, Clone, PartialEq, Default, Serialize, serde::Deserialize)]
pub struct SizingRule {
    /// The selector list as written, comments removed and whitespace collapsed; empty for a
    /// bare declaration list.
    pub selectors: String,
    /// `width` / `height` / `aspect-ratio` set to something other than `auto` or a CSS-wide
    /// keyword (`inherit`, `initial`, `unset`, `revert`, `revert-layer`).
    pub width: bool,
    pub height: bool,
    pub aspect_ratio: bool,
    /// The first byte of the selector (of the value, for a declaration list).
    pub location: Location,
}

impl SizingRule {
    /// Whether the rule alone tells the browser the box's size before the content arrives:
    /// both dimensions, or one of them with an aspect ratio.
    pub fn sizes(&self) -> bool {
        (self.width && self.height) || ((self.width || self.height) && self.aspect_ratio)
    }
}
