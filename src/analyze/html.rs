//! Facts about one HTML page: the scripts, stylesheets and preloads it loads (for the entry
//! graph), its images, pictures, iframes and videos (for the image rules), its `<style>` blocks
//! and `style="…url(…)"` attributes (for the CSS reader), and its `<base href>`.
//!
//! Facts only: attribute values are reported as written (entities decoded), nothing is resolved
//! or judged here, and no file is read. The page is read in one streaming pass by lol_html with
//! one handler per element of interest; lol_html never builds a tree, so nesting (`<img>` in
//! `<picture>`, `<source>` in `<video>`, content of `<template>`) is tracked with end-tag
//! handlers. Any byte sequence is accepted: invalid UTF-8 is read as U+FFFD, truncated markup
//! yields what was seen, and a parser error becomes a warning instead of a failure.

use std::cell::RefCell;
use std::ops::Range;
use std::rc::Rc;

use lol_html::html_content::{Element, EndTag};
use lol_html::{HtmlRewriter, Settings, element};

pub use super::url::{LineIndex, Location};
use super::url::{SrcsetCandidate, parse_srcset};
pub use crate::model::facts::html::*;

impl ImageTag {
    /// The parsed `srcset` (empty without one).
    pub fn srcset_candidates(&self) -> Vec<SrcsetCandidate> {
        self.srcset.as_deref().map(parse_srcset).unwrap_or_default()
    }
}

/// Reads the facts of one HTML page. Never fails: problems end up in `parse_warnings`.
pub fn parse(bytes: &[u8]) -> HtmlFacts {
    if bytes.len() > MAX_PARSED_BYTES {
        return HtmlFacts {
            parse_warnings: vec![format!(
                "{} bytes, more than the {MAX_PARSED_BYTES} bytes webaudit reads in one page; not read",
                bytes.len()
            )],
            ..HtmlFacts::default()
        };
    }
    let index = LineIndex::new(bytes);
    let state = Rc::new(RefCell::new(Collector::default()));
    let result = {
        let settings = handlers(&state, &index);
        let mut rewriter = HtmlRewriter::new(settings, |_: &[u8]| {});
        // One chunk: the input is already in memory, and lol_html then parses it in place.
        match rewriter.write(bytes) {
            // After an error the rewriter is poisoned and `end` would panic.
            Ok(()) => rewriter.end(),
            Err(error) => Err(error),
        }
    };
    let mut collector = state.take();
    if let Err(error) = result {
        collector
            .facts
            .parse_warnings
            .push(format!("HTML parser stopped early: {error}"));
    }
    if let Some(open) = collector.open_raw_text.take() {
        // A `<script>` or `<style>` without an end tag runs to the end of the input.
        collector.set_raw_text_range(open.target, open.content_start..bytes.len());
    }
    for style in &mut collector.facts.inline_styles {
        style.text = String::from_utf8_lossy(&bytes[style.range.clone()]).into_owned();
    }
    read_embedded_code(bytes, &mut collector.facts);
    collector.facts.fragment = !has_document_markup(bytes);
    if std::str::from_utf8(bytes).is_err() {
        collector
            .facts
            .parse_warnings
            .push("not valid UTF-8: invalid bytes were read as U+FFFD".to_owned());
    }
    collector.facts
}

/// Whether the file is written as a document: a doctype, or an `<html>`, `<head>` or `<body>`
/// tag (matched case-insensitively, followed by `>`, whitespace or `/`). Browsers imply these
/// for any HTML, but a file that writes none of them is a fragment another page or a script
/// pulls in (a Polymer import, a component template), not a page a visitor opens.
fn has_document_markup(bytes: &[u8]) -> bool {
    const OPENINGS: [&[u8]; 4] = [b"!doctype", b"html", b"head", b"body"];
    memchr::memchr_iter(b'<', bytes).any(|at| {
        let rest = &bytes[at + 1..];
        OPENINGS.iter().any(|opening| {
            rest.len() > opening.len()
                && rest[..opening.len()].eq_ignore_ascii_case(opening)
                && matches!(
                    rest[opening.len()],
                    b'>' | b'/' | b' ' | b'\t' | b'\n' | b'\r' | b'\x0c'
                )
        })
    })
}

/// Reads the CSS and JavaScript written inside the page with the same readers as files, located
/// in the page: `<style>` blocks and `style` attributes as stylesheets, the sizing an `<img>`'s
/// `style` sets, and what inline scripts import.
fn read_embedded_code(bytes: &[u8], facts: &mut HtmlFacts) {
    for style in &mut facts.inline_styles {
        style.css = super::css::parse_at(&bytes[style.range.clone()], style.location);
    }
    for attribute in &mut facts.style_attributes {
        attribute.css = super::css::parse_at(attribute.value.as_bytes(), attribute.value_location);
    }
    for image in &mut facts.images {
        if let Some(style) = &image.style {
            image.style_sizing = super::css::parse(style.as_bytes())
                .sizing
                .into_iter()
                .find(|rule| rule.selectors.is_empty());
        }
    }
    let index = LineIndex::new(bytes);
    let mut warnings = Vec::new();
    let mut flight = String::new();
    let mut mentioned = std::collections::BTreeSet::new();
    for script in &mut facts.scripts {
        if script.src.is_some() || script.inline_range.is_empty() {
            continue;
        }
        let code = &bytes[script.inline_range.clone()];
        // Data blocks too: the page's code reads them (a JSON list of the images to show).
        let names = super::mentions::file_names(code);
        mentioned.extend(names.images.into_iter().chain(names.fonts));
        if script.kind == ScriptKind::Data
            && facts.next_route.is_none()
            && let Some((route, dynamic_ids)) = next_data(code)
        {
            facts.next_route = Some(route);
            facts.next_dynamic_ids = dynamic_ids;
        }
        let runs = matches!(script.kind, ScriptKind::Classic | ScriptKind::Module);
        if !runs {
            continue;
        }
        script.inline_chunks = super::webpack::chunk_loading(code);
        // A start-up script that holds the client manifest itself (`bundleStrategy:
        // 'inline'`) holds every node too: it loads nothing more.
        if facts.sveltekit_start.is_none()
            && let Some(start) = super::sveltekit::start(code)
            && super::sveltekit::client_manifest(code).is_none()
        {
            facts.sveltekit_start = Some(start);
        }
        append_flight_data(code, &mut flight);
        let start = index.location(script.inline_range.start);
        // A parser bug on one inline script costs that script's imports, not the page.
        let imports =
            std::panic::catch_unwind(|| super::js::analyze(super::js::INLINE_SCRIPT, code).imports);
        let Ok(imports) = imports else {
            warnings.push(format!(
                "the inline <script> at line {} could not be read (a webaudit bug; please report it)",
                script.location.line
            ));
            continue;
        };
        script.inline_imports = imports
            .into_iter()
            .map(|mut import| {
                let inside = Location {
                    line: import.line,
                    column: import.column,
                    offset: 0,
                };
                let located = inside.embedded_in(start);
                (import.line, import.column) = (located.line, located.column);
                import
            })
            .collect();
    }
    facts.parse_warnings.extend(warnings);
    facts.next_flight_files = next_flight_files(&flight);
    facts.inline_script_file_names = mentioned.into_iter().collect();
}

/// The `page` and `dynamicIds` of Next.js's `<script id="__NEXT_DATA__" type="application/json">`:
/// a JSON data block with `page` and `buildId`.
fn next_data(code: &[u8]) -> Option<(String, Vec<String>)> {
    // Most data blocks are something else: skip the JSON parse unless the key is there.
    memchr::memmem::find(code, b"\"buildId\"")?;
    let data: serde_json::Value = serde_json::from_slice(code).ok()?;
    data.get("buildId")?;
    let route = data.get("page")?.as_str()?.to_string();
    let dynamic_ids = data
        .get("dynamicIds")
        .and_then(|ids| ids.as_array())
        .map(|ids| {
            ids.iter()
                .filter_map(|id| match id {
                    serde_json::Value::Number(number) => Some(number.to_string()),
                    serde_json::Value::String(text) => Some(text.clone()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    Some((route, dynamic_ids))
}

/// Appends the text each `self.__next_f.push([1, "…"])` of inline code carries: React's flight
/// rows, split across scripts at arbitrary points.
fn append_flight_data(code: &[u8], flight: &mut String) {
    const PUSH: &[u8] = b"self.__next_f.push([1,";
    for at in memchr::memmem::find_iter(code, PUSH) {
        let rest = &code[at + PUSH.len()..];
        let Some(start) = rest.iter().position(|b| !b.is_ascii_whitespace()) else {
            continue;
        };
        if rest[start] != b'"' {
            continue;
        }
        // The literal is JSON.stringify's output: it ends at the first unescaped quote.
        let mut end = start + 1;
        while end < rest.len() && rest[end] != b'"' {
            end += if rest[end] == b'\\' { 2 } else { 1 };
        }
        if let Some(literal) = rest.get(start..=end)
            && let Ok(text) = serde_json::from_slice::<String>(literal)
        {
            flight.push_str(&text);
        }
    }
}

/// Files named by flight rows, at most this many per page.
const MAX_FLIGHT_FILES: usize = 10_000;

/// The chunk files of the client references (`5:I[419159,["static/chunks/x.js",…],"default"]`,
/// or `["$2","$3"]` pointing at string rows `2:"/_next/static/chunks/x.js"`) and the
/// stylesheets of style hints (`:HL["/_next/static/css/a.css","style"]`).
fn next_flight_files(flight: &str) -> Vec<String> {
    if flight.is_empty() {
        return Vec::new();
    }
    let string_rows: foldhash::HashMap<&str, String> = flight
        .lines()
        .filter_map(|line| {
            let (id, value) = line.split_once(':')?;
            let value = serde_json::from_str::<String>(value.strip_prefix('"').map(|_| value)?);
            Some((id, value.ok()?))
        })
        .collect();
    let mut files = Vec::new();
    let mut add = |name: &str| {
        let name = name
            .strip_prefix('$')
            .and_then(|row| string_rows.get(row))
            .map_or(name, |value| value.as_str());
        let is_file = name.ends_with(".js") || name.ends_with(".css");
        if is_file && files.len() < MAX_FLIGHT_FILES && !files.iter().any(|f| f == name) {
            files.push(name.to_string());
        }
    };
    for (marker, position) in [(":I[", 1usize), (":HL[", 0)] {
        for (at, _) in flight.match_indices(marker) {
            let array = &flight[at + marker.len() - 1..];
            let Some(Ok(serde_json::Value::Array(items))) =
                serde_json::Deserializer::from_str(array)
                    .into_iter::<serde_json::Value>()
                    .next()
            else {
                continue;
            };
            match items.get(position) {
                Some(serde_json::Value::Array(chunks)) => {
                    chunks.iter().filter_map(|c| c.as_str()).for_each(&mut add)
                }
                Some(serde_json::Value::String(href)) => add(href),
                _ => {}
            }
        }
    }
    files
}

/// State shared by the handlers of one parse. End-tag handlers must be `'static`, hence the
/// `Rc<RefCell<…>>`; lol_html runs one handler at a time, so borrows never overlap.
#[derive(Default)]
struct Collector {
    facts: HtmlFacts,
    /// Open `<picture>`, `<video>` and `<audio>` elements, innermost last: a `<source>` belongs
    /// to the innermost one.
    open_media: Vec<OpenMedia>,
    /// Depth of `<template>` nesting.
    template_depth: usize,
    /// Elements of interest seen so far (bounded by [`MAX_ELEMENTS_PER_PAGE`]).
    elements: usize,
    /// The last `<script>` or `<style>` whose end tag has not been seen yet: if the input ends
    /// inside it, its text runs to the end.
    open_raw_text: Option<OpenRawText>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OpenMedia {
    Picture(usize),
    Video(usize),
    /// `<audio>`: tracked only so that its `<source>` children are not given to a picture or
    /// video around it.
    Audio,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RawText {
    Script(usize),
    Style(usize),
}

#[derive(Debug, Clone, Copy)]
struct OpenRawText {
    target: RawText,
    content_start: usize,
}

impl Collector {
    fn close_media(&mut self, media: OpenMedia) {
        if let Some(position) = self.open_media.iter().rposition(|open| *open == media) {
            self.open_media.truncate(position);
        }
    }

    /// Records where the text of a `<script>` / `<style>` is, once its end is known.
    fn set_raw_text_range(&mut self, target: RawText, range: Range<usize>) {
        match target {
            RawText::Script(i) => {
                let script = &mut self.facts.scripts[i];
                script.inline_bytes = range.len();
                script.inline_range = range;
            }
            RawText::Style(i) => self.facts.inline_styles[i].range = range,
        }
    }
}

type Shared = Rc<RefCell<Collector>>;

/// The elements the facts come from, as one lol_html selector list.
const ELEMENTS: &str =
    "script, link, img, picture, source, iframe, video, audio, style, base, body, template";

/// One handler for all elements of interest, dispatching on the tag name: lol_html matches one
/// selector list faster than a dozen separate selectors.
/// Elements of interest (scripts, links, images, sources, styles…) read from one page. Real
/// pages hold hundreds, the largest listings and documentation pages tens of thousands (a
/// 5 MB page of 12,000 `<picture>` cards has 37,000); a 60 MB page of `<img>` tags took 7 GB
/// in facts and findings. Past this the page's reading stops, with a
/// warning naming the bound, and what was read is kept.
pub const MAX_ELEMENTS_PER_PAGE: usize = 50_000;

/// Largest page parsed. Pages over it are measured but not read: no real HTML page comes near
/// it (single-page documentation runs to a few MB).
pub const MAX_PARSED_BYTES: usize = 32 * 1024 * 1024;

fn handlers<'h>(state: &Shared, index: &'h LineIndex<'h>) -> Settings<'h, 'static> {
    let element_state = Rc::clone(state);
    let style_attribute_state = Rc::clone(state);
    let settings = Settings::new()
        // Never give up on ambiguous markup (`<select><xmp><script>`): facts from a best-effort
        // reading beat no facts.
        .with_strict(false)
        .append_element_content_handler(element!(ELEMENTS, move |el| {
            let seen = {
                let mut collector = element_state.borrow_mut();
                collector.elements += 1;
                collector.elements
            };
            if seen > MAX_ELEMENTS_PER_PAGE {
                return Err(format!(
                    "more than {MAX_ELEMENTS_PER_PAGE} scripts, links, images and other elements webaudit reads; the rest of the page is not read"
                )
                .into());
            }
            on_element(&element_state, index, el);
            Ok(())
        }));
    // An attribute selector makes lol_html read the attributes of every element, which halves
    // its speed; a page that never writes `url(` cannot have a style attribute with one. (An
    // entity-escaped `url&#40;`, which a browser would decode, is missed.)
    if !mentions_url_function(index.text()) {
        return settings;
    }
    settings.append_element_content_handler(element!("[style]", move |el| {
        on_style_attribute(&style_attribute_state, index, el);
        Ok(())
    }))
}

fn on_element(state: &Shared, index: &LineIndex, el: &mut Element) {
    let tag = Tag::read(el, index.text());
    // Lowercase the name without allocating; every name in `ELEMENTS` fits in 8 bytes.
    let mut buffer = [0u8; 8];
    let Some(name) = buffer.get_mut(..tag.name.len()) else {
        return;
    };
    name.copy_from_slice(tag.name);
    name.make_ascii_lowercase();
    match &*name {
        b"script" => on_script(state, index, el, &tag),
        b"link" => on_link(state, index, &tag),
        b"img" => on_img(state, index, &tag),
        b"picture" => on_picture(state, index, el, &tag),
        b"source" => on_source(state, index, &tag),
        b"iframe" => {
            let iframe = IframeTag {
                src: tag.text("src"),
                loading: tag.enumerated("loading"),
                width: tag.text("width"),
                height: tag.text("height"),
                location: index.location(tag.start),
            };
            state.borrow_mut().facts.iframes.push(iframe);
        }
        b"video" => on_video(state, index, el, &tag),
        b"audio" => {
            state.borrow_mut().open_media.push(OpenMedia::Audio);
            let closing = Rc::clone(state);
            on_end_tag(el, move |_| {
                closing.borrow_mut().close_media(OpenMedia::Audio)
            });
        }
        b"style" => on_style(state, index, el, &tag),
        b"base" => {
            let mut collector = state.borrow_mut();
            if collector.facts.base_href.is_none() {
                collector.facts.base_href = tag.text("href");
            }
        }
        b"body" => {
            let mut collector = state.borrow_mut();
            if collector.facts.body.is_none() {
                collector.facts.body = Some(index.location(tag.start));
            }
        }
        b"template" => {
            state.borrow_mut().template_depth += 1;
            let closing = Rc::clone(state);
            on_end_tag(el, move |_| {
                let mut collector = closing.borrow_mut();
                collector.template_depth = collector.template_depth.saturating_sub(1);
            });
        }
        _ => {}
    }
}

fn on_script(state: &Shared, index: &LineIndex, el: &mut Element, tag: &Tag) {
    let type_ = tag.text("type");
    let kind = script_kind(type_.as_deref(), tag.text("language").as_deref());
    let script = ScriptTag {
        src: tag.text("src"),
        type_,
        kind,
        module: kind == ScriptKind::Module,
        nomodule: tag.has("nomodule"),
        async_: tag.has("async"),
        defer: tag.has("defer"),
        crossorigin: tag.text("crossorigin"),
        inline_bytes: 0,
        inline_range: tag.end..tag.end,
        inline_imports: Vec::new(),
        inline_chunks: Default::default(),
        location: index.location(tag.start),
    };
    let mut collector = state.borrow_mut();
    collector.facts.scripts.push(script);
    let target = RawText::Script(collector.facts.scripts.len() - 1);
    drop(collector);
    track_raw_text(state, el, target, tag.end);
}

fn on_style(state: &Shared, index: &LineIndex, el: &mut Element, tag: &Tag) {
    // A `type` other than text/css makes it a data block browsers do not apply (HTML's style
    // processing model): @nuxt/devtools' discovery page keeps `<style type="discovery/style">`
    // for its script to read.
    if tag
        .text("type")
        .is_some_and(|kind| !kind.is_empty() && !kind.eq_ignore_ascii_case("text/css"))
    {
        return;
    }
    let style = InlineStyle {
        text: String::new(),
        range: tag.end..tag.end,
        location: index.location(tag.end),
        media: tag.text("media"),
        css: Default::default(),
    };
    let mut collector = state.borrow_mut();
    collector.facts.inline_styles.push(style);
    let target = RawText::Style(collector.facts.inline_styles.len() - 1);
    drop(collector);
    track_raw_text(state, el, target, tag.end);
}

/// Records where the text of a `<script>` / `<style>` ends when its end tag arrives. The text is
/// taken from the input bytes between the tags rather than from lol_html's decoded text chunks,
/// so offsets and lengths are exact even when the input is not valid UTF-8.
fn track_raw_text(state: &Shared, el: &mut Element, target: RawText, content_start: usize) {
    if !el.can_have_content() {
        // `<script/>` inside `<svg>`: self-closing for real, no text.
        return;
    }
    state.borrow_mut().open_raw_text = Some(OpenRawText {
        target,
        content_start,
    });
    let closing = Rc::clone(state);
    on_end_tag(el, move |end| {
        let mut collector = closing.borrow_mut();
        // Inside `<svg>` a `<script>` is ordinary markup and may contain another one, so the
        // slot is only cleared by the element that filled it.
        if collector
            .open_raw_text
            .is_some_and(|open| open.target == target)
        {
            collector.open_raw_text = None;
        }
        let end = end.source_location().bytes().start.max(content_start);
        collector.set_raw_text_range(target, content_start..end);
    });
}

fn on_link(state: &Shared, index: &LineIndex, tag: &Tag) {
    let Some(rel) = tag.text("rel") else {
        return;
    };
    let rel = rel.to_ascii_lowercase();
    let tokens: Vec<&str> = rel.split_ascii_whitespace().collect();
    let is_stylesheet = tokens.contains(&"stylesheet");
    let preload_tokens: Vec<&str> = tokens
        .iter()
        .copied()
        .filter(|token| matches!(*token, "preload" | "modulepreload" | "prefetch"))
        .collect();
    let connection_tokens: Vec<&str> = tokens
        .iter()
        .copied()
        .filter(|token| matches!(*token, "preconnect" | "dns-prefetch"))
        .collect();
    // One icon per element, however many icon tokens its `rel` has.
    let icon_rel = tokens.iter().find_map(|token| match *token {
        "icon" => Some(IconRel::Icon),
        "apple-touch-icon" | "apple-touch-icon-precomposed" => Some(IconRel::AppleTouchIcon),
        "mask-icon" => Some(IconRel::MaskIcon),
        _ => None,
    });
    if !is_stylesheet
        && preload_tokens.is_empty()
        && connection_tokens.is_empty()
        && icon_rel.is_none()
    {
        return;
    }
    let location = index.location(tag.start);
    let href = tag.text("href");
    let media = tag.text("media");
    let mut collector = state.borrow_mut();
    if let Some(rel) = icon_rel {
        collector.facts.icons.push(IconLink {
            href: href.clone(),
            rel,
            sizes: tag.text("sizes"),
            type_: tag.text("type"),
            media: media.clone(),
            location,
        });
    }
    for token in connection_tokens {
        collector.facts.connection_hints.push(ConnectionHint {
            href: href.clone(),
            rel: token.to_owned(),
            crossorigin: tag.text("crossorigin"),
            location,
        });
    }
    if is_stylesheet {
        collector.facts.stylesheets.push(LinkTag {
            href: href.clone(),
            media: media.clone(),
            disabled: tag.has("disabled"),
            alternate: tokens.contains(&"alternate"),
            location,
        });
    }
    for token in preload_tokens {
        collector.facts.preloads.push(PreloadTag {
            href: href.clone(),
            rel: token.to_owned(),
            as_: tag.enumerated("as"),
            type_: tag.text("type"),
            crossorigin: tag.text("crossorigin"),
            media: media.clone(),
            imagesrcset: tag.text("imagesrcset"),
            imagesizes: tag.text("imagesizes"),
            fetchpriority: tag.enumerated("fetchpriority"),
            onload: tag.has("onload"),
            location,
        });
    }
}

fn on_img(state: &Shared, index: &LineIndex, tag: &Tag) {
    let src = tag.text("src");
    let width = tag.text("width");
    let height = tag.text("height");
    let mut image = ImageTag {
        is_data_uri: src.as_deref().is_some_and(is_data_url),
        src,
        srcset: tag.text("srcset"),
        sizes: tag.text("sizes"),
        width_px: width.as_deref().and_then(parse_pixels),
        height_px: height.as_deref().and_then(parse_pixels),
        width,
        height,
        loading: tag.enumerated("loading"),
        decoding: tag.enumerated("decoding"),
        fetchpriority: tag.enumerated("fetchpriority"),
        style: tag.text("style"),
        style_sizing: None,
        id: tag.text("id"),
        class: tag.text("class"),
        alt: tag.text("alt"),
        in_picture: None,
        order: 0,
        in_body: true,
        location: index.location(tag.start),
    };
    let mut collector = state.borrow_mut();
    let collector = &mut *collector;
    let image_index = collector.facts.images.len();
    image.order = image_index;
    image.in_body = collector.template_depth == 0;
    // The first `<img>` of an open picture is its image. Later ones are not claimed: with a
    // missing `</picture>` they are outside it in the browser's tree.
    if let Some(OpenMedia::Picture(picture)) = collector.open_media.last().copied()
        && collector.facts.pictures[picture].img.is_none()
    {
        collector.facts.pictures[picture].img = Some(image_index);
        image.in_picture = Some(picture);
    }
    collector.facts.images.push(image);
}

fn on_picture(state: &Shared, index: &LineIndex, el: &mut Element, tag: &Tag) {
    let picture = PictureTag {
        sources: Vec::new(),
        img: None,
        location: index.location(tag.start),
    };
    let mut collector = state.borrow_mut();
    collector.facts.pictures.push(picture);
    let open = OpenMedia::Picture(collector.facts.pictures.len() - 1);
    collector.open_media.push(open);
    drop(collector);
    let closing = Rc::clone(state);
    on_end_tag(el, move |_| closing.borrow_mut().close_media(open));
}

fn on_video(state: &Shared, index: &LineIndex, el: &mut Element, tag: &Tag) {
    let video = VideoTag {
        src: tag.text("src"),
        poster: tag.text("poster"),
        preload: tag.enumerated("preload"),
        autoplay: tag.has("autoplay"),
        muted: tag.has("muted"),
        width: tag.text("width"),
        height: tag.text("height"),
        sources: Vec::new(),
        location: index.location(tag.start),
    };
    let mut collector = state.borrow_mut();
    collector.facts.videos.push(video);
    let open = OpenMedia::Video(collector.facts.videos.len() - 1);
    collector.open_media.push(open);
    drop(collector);
    let closing = Rc::clone(state);
    on_end_tag(el, move |_| closing.borrow_mut().close_media(open));
}

fn on_source(state: &Shared, index: &LineIndex, tag: &Tag) {
    let mut collector = state.borrow_mut();
    match collector.open_media.last().copied() {
        Some(OpenMedia::Picture(picture)) => {
            let source = SourceTag {
                srcset: tag.text("srcset"),
                type_: tag.text("type"),
                media: tag.text("media"),
                sizes: tag.text("sizes"),
                width: tag.text("width"),
                height: tag.text("height"),
                location: index.location(tag.start),
            };
            collector.facts.pictures[picture].sources.push(source);
        }
        Some(OpenMedia::Video(video)) => {
            let source = MediaSource {
                src: tag.text("src"),
                type_: tag.text("type"),
                media: tag.text("media"),
                location: index.location(tag.start),
            };
            collector.facts.videos[video].sources.push(source);
        }
        Some(OpenMedia::Audio) | None => {}
    }
}

fn on_style_attribute(state: &Shared, index: &LineIndex, el: &mut Element) {
    let tag = Tag::read(el, index.text());
    let Some((raw_value, value_offset)) = tag.raw_with_offset("style") else {
        return;
    };
    if !contains_ignore_ascii_case(raw_value, b"url(") {
        return;
    }
    let attribute = StyleAttribute {
        value: decode_character_references(String::from_utf8_lossy(raw_value).into_owned()),
        value_location: index.location(value_offset),
        tag: el.tag_name(),
        location: index.location(tag.start),
        css: Default::default(),
    };
    state.borrow_mut().facts.style_attributes.push(attribute);
}

/// Registers an end-tag handler; elements that cannot have content (void elements, self-closed
/// foreign elements) have no end tag and are simply not tracked.
fn on_end_tag(el: &mut Element, mut handler: impl FnMut(&mut EndTag) + 'static) {
    let _ = el.on_end_tag(Box::new(move |end: &mut EndTag| {
        handler(end);
        Ok(())
    }));
}

/// One start tag with its attributes, read once from the input bytes.
///
/// lol_html's `get_attribute` lowercases the wanted name into a new `String` and re-reads the
/// raw tag on every call; an `<img>` needs a dozen attributes, so that dominated the parse.
/// lol_html reports where each attribute's name and value are in the input, so they are
/// compared and sliced here without copying.
struct Tag<'b> {
    /// The tag name as written.
    name: &'b [u8],
    /// The `<` of the start tag.
    start: usize,
    /// Just after its `>`.
    end: usize,
    /// Name, raw value (empty for an attribute without one) and the value's offset, in source
    /// order. A repeated attribute keeps its first value, as in browsers.
    attributes: Vec<(&'b [u8], &'b [u8], usize)>,
}

impl<'b> Tag<'b> {
    fn read(el: &Element, input: &'b [u8]) -> Self {
        let range = el.source_location().bytes();
        let attributes = el
            .attributes()
            .iter()
            .filter_map(|attribute| {
                let name = attribute.name_source_location()?.bytes();
                let name = (input.get(name.clone())?, name.end);
                Some(
                    match attribute.value_source_location().map(|value| value.bytes()) {
                        Some(value) => (name.0, input.get(value.clone())?, value.start),
                        None => (name.0, &b""[..], name.1),
                    },
                )
            })
            .collect();
        let name = input
            .get(range.start + 1..range.end)
            .map_or(&b""[..], |tag| {
                let end = tag
                    .iter()
                    .position(|&b| b.is_ascii_whitespace() || b == b'/' || b == b'>')
                    .unwrap_or(tag.len());
                &tag[..end]
            });
        Tag {
            name,
            start: range.start,
            end: range.end,
            attributes,
        }
    }

    fn raw_with_offset(&self, name: &str) -> Option<(&'b [u8], usize)> {
        self.attributes
            .iter()
            .find(|(candidate, _, _)| candidate.eq_ignore_ascii_case(name.as_bytes()))
            .map(|&(_, value, offset)| (value, offset))
    }

    fn has(&self, name: &str) -> bool {
        self.raw_with_offset(name).is_some()
    }

    /// The value as text: invalid UTF-8 as U+FFFD, character references decoded (lol_html
    /// keeps them as written).
    fn text(&self, name: &str) -> Option<String> {
        let (raw, _) = self.raw_with_offset(name)?;
        Some(decode_character_references(
            String::from_utf8_lossy(raw).into_owned(),
        ))
    }

    /// An enumerated attribute (`loading`, `decoding`, `as`…): HTML matches their values ASCII
    /// case-insensitively and ignores surrounding whitespace, so they are normalised here.
    fn enumerated(&self, name: &str) -> Option<String> {
        let (raw, _) = self.raw_with_offset(name)?;
        Some(String::from_utf8_lossy(raw.trim_ascii()).to_ascii_lowercase())
    }
}

/// The script kind per the HTML standard's "prepare the script element".
fn script_kind(type_: Option<&str>, language: Option<&str>) -> ScriptKind {
    let essence = match (type_, language) {
        (Some(""), _) | (None, Some("") | None) => return ScriptKind::Classic,
        (Some(type_), _) => type_.trim_ascii().to_ascii_lowercase(),
        (None, Some(language)) => format!("text/{}", language.to_ascii_lowercase()),
    };
    const JAVASCRIPT_TYPES: [&str; 16] = [
        "application/ecmascript",
        "application/javascript",
        "application/x-ecmascript",
        "application/x-javascript",
        "text/ecmascript",
        "text/javascript",
        "text/javascript1.0",
        "text/javascript1.1",
        "text/javascript1.2",
        "text/javascript1.3",
        "text/javascript1.4",
        "text/javascript1.5",
        "text/jscript",
        "text/livescript",
        "text/x-ecmascript",
        "text/x-javascript",
    ];
    match essence.as_str() {
        "module" => ScriptKind::Module,
        "importmap" => ScriptKind::ImportMap,
        "speculationrules" => ScriptKind::SpeculationRules,
        javascript if JAVASCRIPT_TYPES.contains(&javascript) => ScriptKind::Classic,
        _ => ScriptKind::Data,
    }
}

/// `320`, `320px`, ` 320 ` → 320; anything else → `None`.
fn parse_pixels(value: &str) -> Option<u32> {
    let value = value.trim_ascii().as_bytes();
    let digits = match value.len().checked_sub(2) {
        Some(end) if value[end..].eq_ignore_ascii_case(b"px") => &value[..end],
        _ => value,
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

fn is_data_url(src: &str) -> bool {
    let src = src.trim_start_matches(|c: char| c <= ' ');
    src.len() >= 5 && src.as_bytes()[..5].eq_ignore_ascii_case(b"data:")
}

/// Whether `url(` occurs anywhere, in any case.
fn mentions_url_function(bytes: &[u8]) -> bool {
    memchr::memchr_iter(b'(', bytes).any(|i| i >= 3 && bytes[i - 3..i].eq_ignore_ascii_case(b"url"))
}

fn contains_ignore_ascii_case(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window.eq_ignore_ascii_case(needle))
}

/// Decodes the character references in an attribute value as a browser does: every name of the
/// HTML standard's table, numeric references with the standard's replacements (U+FFFD for 0,
/// surrogates and values past U+10FFFF; windows-1252 for 0x80–0x9F), and the legacy names
/// written without `;` unless a letter, digit or `=` follows (`?a=1&copy=2` stays as written).
fn decode_character_references(value: String) -> String {
    htmlize::unescape_attribute(value).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line_column(location: Location) -> (u32, u32) {
        (location.line, location.column)
    }

    #[test]
    fn script_kinds_follow_the_html_standard() {
        let html = br#"<script src=a.js></script>
<script type="module" src="b.js" crossorigin></script>
<script type=" TEXT/JavaScript "></script>
<script type="application/ld+json">{"a": 1}</script>
<script type="importmap">{}</script>
<script type="text/javascript; charset=utf-8"></script>
<script language="javascript"></script>
<script type="" nomodule async defer>x()</script>"#;
        let facts = parse(html);
        let kinds: Vec<_> = facts.scripts.iter().map(|s| s.kind).collect();
        use ScriptKind::*;
        assert_eq!(
            kinds,
            [
                Classic, Module, Classic, Data, ImportMap, Data, Classic, Classic
            ]
        );
        assert!(facts.scripts[1].module && !facts.scripts[0].module);
        assert_eq!(facts.scripts[1].crossorigin.as_deref(), Some(""));
        let last = &facts.scripts[7];
        assert!(last.nomodule && last.async_ && last.defer);
        assert_eq!(last.inline_bytes, 3);
        assert_eq!(&html[last.inline_range.clone()], b"x()");
        assert_eq!(facts.scripts[3].inline_bytes, 8);
        assert_eq!(line_column(facts.scripts[7].location), (8, 1));
    }

    #[test]
    fn link_rel_is_a_case_insensitive_token_list() {
        let html = br#"<link rel="preload stylesheet" href="a.css" as="STYLE">
<link REL=" Alternate  StyleSheet " href=b.css title=x>
<link rel=stylesheet href=c.css media=print disabled>
<link rel=modulepreload href=/d.js>
<link rel="prefetch preload" href=e.woff2 as=font type=font/woff2 crossorigin=anonymous>
<link rel=icon href=f.png><link rel=stylesheetx href=g.css><link href=h.css>"#;
        let facts = parse(html);
        let sheets: Vec<_> = facts
            .stylesheets
            .iter()
            .map(|l| {
                (
                    l.href.as_deref().unwrap(),
                    l.alternate,
                    l.disabled,
                    l.media.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            sheets,
            [
                ("a.css", false, false, None),
                ("b.css", true, false, None),
                ("c.css", false, true, Some("print")),
            ]
        );
        let preloads: Vec<_> = facts
            .preloads
            .iter()
            .map(|p| (p.href.as_deref().unwrap(), p.rel.as_str(), p.as_.as_deref()))
            .collect();
        assert_eq!(
            preloads,
            [
                ("a.css", "preload", Some("style")),
                ("/d.js", "modulepreload", None),
                ("e.woff2", "prefetch", Some("font")),
                ("e.woff2", "preload", Some("font")),
            ]
        );
        assert_eq!(facts.preloads[3].crossorigin.as_deref(), Some("anonymous"));
        assert_eq!(facts.preloads[3].type_.as_deref(), Some("font/woff2"));
        assert!(facts.preloads.iter().all(|p| !p.onload));
    }

    #[test]
    fn icon_links_one_per_element() {
        let html = br#"<link rel="SHORTCUT ICON" href=/favicon.ico>
<link rel=icon type=image/png sizes=32x32 href=icon-32.png media="(prefers-color-scheme: dark)">
<link rel="apple-touch-icon-precomposed" href=touch.png><link rel=mask-icon href=m.svg color=red>
<link rel="icon shortcut icon" href=twice.png><link rel=icons href=no.png>"#;
        let icons: Vec<_> = parse(html)
            .icons
            .into_iter()
            .map(|i| {
                (
                    i.href.unwrap(),
                    i.rel,
                    i.sizes,
                    i.media.is_some(),
                    i.location.line,
                )
            })
            .collect();
        use IconRel::*;
        assert_eq!(
            icons,
            [
                ("/favicon.ico".to_string(), Icon, None, false, 1),
                (
                    "icon-32.png".to_string(),
                    Icon,
                    Some("32x32".to_string()),
                    true,
                    2
                ),
                ("touch.png".to_string(), AppleTouchIcon, None, false, 3),
                ("m.svg".to_string(), MaskIcon, None, false, 3),
                ("twice.png".to_string(), Icon, None, false, 4),
            ]
        );
    }

    #[test]
    fn connection_hints_and_preload_onload() {
        let html =
            br#"<link rel="preconnect dns-prefetch" href="https://fonts.gstatic.com" crossorigin>
<link REL=PRECONNECT href=//cdn.example.net><link rel=dns-prefetch href=https://a.example>
<link rel=preload as=style href=late.css onload="this.rel='stylesheet'">"#;
        let facts = parse(html);
        let hints: Vec<_> = facts
            .connection_hints
            .iter()
            .map(|h| {
                (
                    h.rel.as_str(),
                    h.href.as_deref().unwrap(),
                    h.crossorigin.as_deref(),
                    h.location.line,
                )
            })
            .collect();
        assert_eq!(
            hints,
            [
                ("preconnect", "https://fonts.gstatic.com", Some(""), 1),
                ("dns-prefetch", "https://fonts.gstatic.com", Some(""), 1),
                ("preconnect", "//cdn.example.net", None, 2),
                ("dns-prefetch", "https://a.example", None, 2),
            ]
        );
        assert!(facts.preloads[0].onload);
        assert!(facts.stylesheets.is_empty());
    }

    #[test]
    fn file_names_inline_scripts_mention() {
        let html = br#"<link rel=preload as=image href=/hero.jpg><img src=photo.png>
<script>const slides = ["/img/Slide-1.webp", "/fonts/code.woff2"]</script>
<script type="application/json">{"poster": "poster.avif"}</script>
<script src="app.js">ignored.png</script>"#;
        let facts = parse(html);
        assert_eq!(
            facts.inline_script_file_names,
            ["/fonts/code.woff2", "/img/slide-1.webp", "poster.avif"]
        );
    }

    #[test]
    fn image_attributes_raw_and_parsed() {
        let html = br#"<IMG SRC="a&amp;b.png" WIDTH="320" height=" 200px " loading=LAZY decoding=Async fetchpriority=HIGH alt>
<img src=" data:image/gif;base64,R0lGOD== " width=50% height=auto ismap>
<img srcset="a-1x.png 1x, a-2x.png 2x" sizes="100vw" width=1.5 height=99999999999>"#;
        let facts = parse(html);
        let [first, second, third] = &facts.images[..] else {
            panic!("{:?}", facts.images)
        };
        assert_eq!(first.src.as_deref(), Some("a&b.png"));
        assert_eq!((first.width_px, first.height_px), (Some(320), Some(200)));
        assert_eq!(first.height.as_deref(), Some(" 200px "));
        assert_eq!(first.loading.as_deref(), Some("lazy"));
        assert_eq!(first.decoding.as_deref(), Some("async"));
        assert_eq!(first.fetchpriority.as_deref(), Some("high"));
        assert_eq!(first.alt.as_deref(), Some(""), "attribute without a value");
        assert!(!first.is_data_uri && second.is_data_uri);
        assert_eq!((second.width_px, second.height_px), (None, None));
        assert_eq!(second.width.as_deref(), Some("50%"));
        assert_eq!(second.alt, None);
        assert_eq!((third.width_px, third.height_px), (None, None));
        assert_eq!(third.srcset_candidates().len(), 2);
        assert_eq!(
            facts.images.iter().map(|i| i.order).collect::<Vec<_>>(),
            [0, 1, 2]
        );
        assert_eq!(line_column(third.location), (3, 1));
    }

    #[test]
    fn pictures_own_their_sources_and_first_image() {
        let html = br#"<picture>
  <source type="image/avif" srcset="a.avif 1x, a@2x.avif 2x">
  <source type="image/webp" srcset="a.webp" media="(min-width: 600px)" sizes=50vw width=600 height=400>
  <img src="a.jpg">
</picture>
<img src="outside.jpg">
<video poster=p.jpg preload=NONE autoplay muted><source src=v.webm type=video/webm><source src=v.mp4></video>
<audio><source src=s.mp3></audio>
<picture><img src=b.jpg><source srcset=late.webp></picture>"#;
        let facts = parse(html);
        assert_eq!(facts.pictures.len(), 2);
        let types: Vec<_> = facts.pictures[0]
            .sources
            .iter()
            .map(|s| s.type_.as_deref().unwrap())
            .collect();
        assert_eq!(types, ["image/avif", "image/webp"]);
        let webp = &facts.pictures[0].sources[1];
        assert_eq!(webp.media.as_deref(), Some("(min-width: 600px)"));
        assert_eq!(
            (webp.width.as_deref(), webp.height.as_deref()),
            (Some("600"), Some("400"))
        );
        assert_eq!(line_column(webp.location), (3, 3));
        let in_picture: Vec<_> = facts.images.iter().map(|i| i.in_picture).collect();
        assert_eq!(in_picture, [Some(0), None, Some(1)]);
        assert_eq!(facts.pictures[0].img, Some(0));
        assert_eq!(facts.pictures[1].img, Some(2));
        assert_eq!(facts.pictures[1].sources.len(), 1);
        let video = &facts.videos[0];
        let sources: Vec<_> = video
            .sources
            .iter()
            .map(|s| s.src.as_deref().unwrap())
            .collect();
        assert_eq!(sources, ["v.webm", "v.mp4"]);
        assert_eq!(video.preload.as_deref(), Some("none"));
        assert!(video.autoplay && video.muted);
        assert_eq!(video.poster.as_deref(), Some("p.jpg"));
    }

    #[test]
    fn template_content_is_not_in_the_body() {
        let html = b"<template><img src=t.png><template><img src=u.png></template><img src=v.png></template><img src=w.png><noscript><img src=n.png></noscript>";
        let facts = parse(html);
        let in_body: Vec<_> = facts
            .images
            .iter()
            .map(|i| (i.src.as_deref().unwrap(), i.in_body))
            .collect();
        assert_eq!(
            in_body,
            [
                ("t.png", false),
                ("u.png", false),
                ("v.png", false),
                ("w.png", true)
            ]
        );
    }

    #[test]
    fn inline_styles_and_style_attributes() {
        let html = "<head>\n<style media=screen>\n  .a { background: url(a.png) }\n</style>\n</head>\n<body>\n  <div style=\"background-image: URL(&quot;b.png&quot;)\"></div><p style=\"color: red\"></p>\n</body>";
        let facts = parse(html.as_bytes());
        let style = &facts.inline_styles[0];
        assert_eq!(style.text, "\n  .a { background: url(a.png) }\n");
        assert_eq!(line_column(style.location), (2, 21));
        assert_eq!(style.media.as_deref(), Some("screen"));
        assert_eq!(&html.as_bytes()[style.range.clone()], style.text.as_bytes());
        let css =
            crate::analyze::css::parse_at(&html.as_bytes()[style.range.clone()], style.location);
        assert_eq!(line_column(css.urls[0].location), (3, 20));
        assert_eq!(facts.style_attributes.len(), 1);
        let attribute = &facts.style_attributes[0];
        assert_eq!(attribute.value, "background-image: URL(\"b.png\")");
        assert_eq!(attribute.tag, "div");
        assert_eq!(line_column(attribute.location), (7, 3));
        assert_eq!(line_column(attribute.value_location), (7, 15));
        assert_eq!(line_column(facts.body.unwrap()), (6, 1));
    }

    #[test]
    fn base_href_is_the_first_one_with_href() {
        let facts = parse(b"<base target=_blank><base href=\"/app/\"><base href=/other/>");
        assert_eq!(facts.base_href.as_deref(), Some("/app/"));
    }

    #[test]
    fn unterminated_script_and_style_run_to_the_end() {
        let facts = parse(b"<style>a { background: url(x.png) }");
        assert_eq!(facts.inline_styles[0].text, "a { background: url(x.png) }");
        let facts = parse(b"<script>let a = 1;");
        assert_eq!(facts.scripts[0].inline_bytes, 10);
    }

    #[test]
    fn script_and_style_inside_svg() {
        let html = b"<svg><script>a<style>b{}</style>c</script></svg><script>d</script>";
        let facts = parse(html);
        let scripts: Vec<_> = facts
            .scripts
            .iter()
            .map(|s| &html[s.inline_range.clone()])
            .collect();
        assert_eq!(scripts, [&b"a<style>b{}</style>c"[..], b"d"]);
        assert_eq!(facts.inline_styles[0].text, "b{}");
    }

    #[test]
    fn character_references() {
        let decode = |value: &str| decode_character_references(value.to_owned());
        assert_eq!(decode("a&amp;b&#47;c&#x2F;d"), "a&b/c/d");
        assert_eq!(decode("&quot;x&quot&nbsp;"), "\"x\"\u{A0}");
        assert_eq!(decode("?a=1&ampx&copy;&#;&#0;&"), "?a=1&ampx©&#;\u{FFFD}&");
        assert_eq!(decode("&#99999999999;"), "\u{FFFD}");
        assert_eq!(decode("plain"), "plain");
    }

    #[test]
    fn named_character_references_from_the_whole_table() {
        let decode = |value: &str| decode_character_references(value.to_owned());
        assert_eq!(decode("caf&eacute;.png"), "café.png");
        assert_eq!(decode("&notin;"), "∉");
        assert_eq!(decode("&NotNestedGreaterGreater;"), "\u{2AA2}\u{338}");
        assert_eq!(decode("&Eacute;&eacute;&EACUTE;"), "Éé&EACUTE;");
        // Legacy names (no `;`) decode when no letter, digit or `=` follows…
        assert_eq!(decode("&not"), "¬");
        assert_eq!(decode("a&not b"), "a¬ b");
        assert_eq!(decode("&not;"), "¬");
        assert_eq!(decode("caf&eacute.png"), "café.png");
        assert_eq!(decode("&copy-x"), "©-x");
        // …but not in front of one: in an attribute `&notit;` is not `¬it;`.
        assert_eq!(decode("&notit;"), "&notit;");
        assert_eq!(decode("&notin"), "&notin");
        assert_eq!(decode("?a=1&copy=2"), "?a=1&copy=2");
        assert_eq!(decode("?a=1&copy2"), "?a=1&copy2");
        assert_eq!(decode("?lang=en&region=us"), "?lang=en&region=us");
        // Names that only exist with `;` never decode without it.
        assert_eq!(decode("&eacutex"), "&eacutex");
        assert_eq!(decode("&notin x"), "&notin x");
        assert_eq!(decode("&hellip x"), "&hellip x");
        assert_eq!(decode("&unknown;&;&"), "&unknown;&;&");
    }

    #[test]
    fn numeric_character_references() {
        let decode = |value: &str| decode_character_references(value.to_owned());
        assert_eq!(decode("&#233;&#xE9;&#XE9;&#xe9"), "éééé");
        assert_eq!(decode("&#0000000000065;"), "A");
        // U+0000, surrogates and values past U+10FFFF become U+FFFD.
        assert_eq!(decode("&#0;&#x0;"), "\u{FFFD}\u{FFFD}");
        assert_eq!(decode("&#xD800;&#xDFFF;"), "\u{FFFD}\u{FFFD}");
        assert_eq!(decode("&#x110000;&#x10FFFF;"), "\u{FFFD}\u{10FFFF}");
        assert_eq!(decode("&#xFFFFFFFFFFFF;"), "\u{FFFD}");
        // 0x80–0x9F are read as windows-1252, except the five it leaves undefined.
        assert_eq!(decode("&#x80;&#150;&#x9F;"), "€–Ÿ");
        assert_eq!(decode("&#x81;&#x8D;&#x9D;"), "\u{81}\u{8D}\u{9D}");
        // Not references: no digits.
        assert_eq!(decode("&#;&#x;&#xg;&#a"), "&#;&#x;&#xg;&#a");
    }

    #[test]
    fn pixel_values() {
        assert_eq!(parse_pixels("320"), Some(320));
        assert_eq!(parse_pixels(" 320PX\n"), Some(320));
        assert_eq!(parse_pixels("0"), Some(0));
        for invalid in [
            "", "px", "-1", "+1", "1.5", "50%", "auto", "3 20", "320 px", "１",
        ] {
            assert_eq!(parse_pixels(invalid), None, "{invalid:?}");
        }
    }
}

#[cfg(test)]
mod next_tests {
    use super::*;

    #[test]
    fn reads_the_next_route_and_flight_files() {
        let page = br#"<script id="__NEXT_DATA__" type="application/json">{"props":{},"page":"/runs/[id]","buildId":"b1"}</script><script>self.__next_f.push([1,"2:\"/_next/static/chunks/a.js\"\n3:I[9,[\"$2\",\"static/chunks/b.js\"],\"x\"]\n4:I[1"])</script><script>self.__next_f.push([1,"0,[\"static/chunks/c.js\"],\"y\"]\n:HL[\"/_next/static/css/d.css\",\"style\"]\n"])</script>"#;
        let facts = parse(page);
        assert_eq!(facts.next_route.as_deref(), Some("/runs/[id]"));
        // Rows split across pushes are joined before they are read.
        assert_eq!(
            facts.next_flight_files,
            [
                "/_next/static/chunks/a.js",
                "static/chunks/b.js",
                "static/chunks/c.js",
                "/_next/static/css/d.css"
            ]
        );
    }

    #[test]
    fn broken_flight_data_and_look_alikes_yield_nothing_and_never_panic() {
        let pages: [&[u8]; 6] = [
            br#"<script>self.__next_f.push([1,"unterminated</script>"#,
            br#"<script>self.__next_f.push([1,"3:I[9,[\"$77\"],\"x\"]\n"])</script>"#,
            br#"<script>self.__next_f.push([1,"3:I[9,[\"a.js\""])</script>"#,
            br#"<script>self.__next_f.push([1,"\\"])</script>"#,
            br#"<script type="application/json">{"page":"/x"}</script>"#,
            br#"<script type="application/json">{"buildId":1,"page":</script>"#,
        ];
        for page in pages {
            let facts = parse(page);
            assert!(facts.next_flight_files.is_empty(), "{facts:?}");
            assert_eq!(facts.next_route, None);
        }
        let code = br#"<script>self.__next_f.push([1,"2:\"/a.js\"\n3:I[9,[\"$2\",\"b.js\"],\"x\"]\n:HL[\"/d.css\",\"style\"]"])</script>"#;
        for end in 0..code.len() {
            let _ = parse(&code[..end]);
        }
    }
}
