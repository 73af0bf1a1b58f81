//! One page through Blitz: build the document once, give replaced elements their intrinsic
//! sizes, lay it out at each viewport and read the boxes back. Everything here runs on the
//! page's layout thread (see `lay_out_guarded`).

use foldhash::{HashMap, HashMapExt};
use std::sync::Arc;

use blitz_dom::node::{ImageData, RasterImageData, SpecialElementData};
use blitz_dom::{BaseDocument, DocumentConfig, LocalName, NodeId};
use blitz_html::HtmlDocument;
use blitz_traits::net::{Bytes, NetHandler, NetProvider, Request, Url};
use blitz_traits::shell::{ColorScheme, Viewport as EngineViewport};

use super::{
    ElementBox, ElementKind, FolderFiles, ObjectFit, Viewport, ViewportLayout, lcp, srcset,
};
use crate::analyze::url::{Resolved, resolve_in_document};

/// The origin pages are given: requests to it are answered from the folder, anything else is
/// not (`.invalid` is reserved: it never resolves).
const FOLDER_ORIGIN: &str = "http://webaudit.invalid";

pub(super) struct Page {
    pub path: String,
    pub html: String,
    pub files: Arc<FolderFiles>,
}

pub(super) struct LaidOut {
    pub viewports: Vec<ViewportLayout>,
    pub script_shell: bool,
    pub script_filled: bool,
}

/// Answers every request: a stylesheet of the folder with its bytes, anything else (images,
/// fonts, frames, other origins) with nothing. The engine waits for every stylesheet before
/// laying out, so an unanswered request would leave the page unlaid.
struct FolderNet {
    files: Arc<FolderFiles>,
    /// Stylesheets answered so far for this page (see [`super::MAX_STYLESHEETS_PER_PAGE`]).
    answered: std::sync::atomic::AtomicUsize,
    /// Their bytes: [`super::MAX_STYLESHEET_BYTES`] for the whole page, so that sheets
    /// importing each other cannot read one large file over and over.
    bytes_read: std::sync::atomic::AtomicU64,
}

impl FolderNet {
    fn stylesheet(&self, url: &Url) -> Option<Vec<u8>> {
        if url.origin().ascii_serialization() != FOLDER_ORIGIN {
            return None;
        }
        let answered = self
            .answered
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if answered >= super::MAX_STYLESHEETS_PER_PAGE {
            return None;
        }
        let read = self.bytes_read.load(std::sync::atomic::Ordering::Relaxed);
        if read >= super::MAX_STYLESHEET_BYTES {
            return None;
        }
        let path = crate::pages::strip_base(url.path(), self.files.base_path.as_deref());
        let path = in_folder(crate::analyze::url::resolve("", &path), |p| {
            self.files.stylesheets.contains_key(p)
        })?;
        let file = self.files.stylesheets.get(&path)?;
        let bytes = crate::files::read_bounded(
            file,
            crate::files::Links::Refuse,
            super::MAX_STYLESHEET_BYTES - read,
            "a stylesheet to lay out",
        )
        .ok()?;
        self.bytes_read
            .fetch_add(bytes.len() as u64, std::sync::atomic::Ordering::Relaxed);
        Some(bytes)
    }
}

impl NetProvider for FolderNet {
    fn fetch(&self, _doc_id: usize, request: Request, handler: Box<dyn NetHandler>) {
        let bytes = self.stylesheet(&request.url).unwrap_or_default();
        handler.bytes(request.url.to_string(), Bytes::from(bytes));
    }
}

fn engine_viewport(viewport: &Viewport) -> EngineViewport {
    // The engine takes physical pixels.
    EngineViewport::new(
        (viewport.width as f32 * viewport.scale).round() as u32,
        (viewport.height as f32 * viewport.scale).round() as u32,
        viewport.scale,
        ColorScheme::Light,
    )
}

/// Lays `page` out at each of `viewports`, on one document.
pub(super) fn lay_out(page: &Page, viewports: &[Viewport]) -> LaidOut {
    let first = viewports.first().copied().unwrap_or(super::MOBILE);
    let config = DocumentConfig {
        base_url: Some(format!("{FOLDER_ORIGIN}/{}", page.path)),
        net_provider: Some(Arc::new(FolderNet {
            files: Arc::clone(&page.files),
            answered: std::sync::atomic::AtomicUsize::new(0),
            bytes_read: std::sync::atomic::AtomicU64::new(0),
        })),
        viewport: Some(engine_viewport(&first)),
        font_ctx: Some(super::fonts::shared()),
        // Intrinsic sizes change between viewports (srcset): lay out everything each time.
        incremental: Some(false),
        ua_stylesheets: vec![
            blitz_dom::UserAgentStylesheet::default_sheet(),
            no_transitions(),
        ],
        ..Default::default()
    };
    let mut document = HtmlDocument::from_html(&page.html, config);
    let document: &mut BaseDocument = &mut document;
    remove_noscript(document);
    let script_shell = is_script_shell(document);
    let script_filled = has_script_filled_element(document);
    let mut laid_out = Vec::with_capacity(viewports.len());
    let meta_viewport = meta_viewport(document);
    for viewport in viewports {
        let viewport = &layout_viewport(viewport, meta_viewport.as_deref());
        apply_stylesheet_media(document, viewport);
        let chosen = set_intrinsic_sizes(document, page, viewport);
        document.set_viewport(engine_viewport(viewport));
        document.resolve(0.0);
        let mut layout = read_boxes(document, viewport, &chosen);
        layout
            .elements
            .extend(read_backgrounds(document, page, viewport));
        layout.lcp = lcp::choose(
            &layout.elements,
            &read_text_blocks(document, viewport),
            |path| page.files.image_bytes.get(path).copied(),
            f64::from(viewport.width),
            f64::from(viewport.height),
        );
        laid_out.push(layout);
    }
    LaidOut {
        viewports: laid_out,
        script_shell,
        script_filled,
    }
}

/// Turns each `<style media>` and `<link rel=stylesheet media>` sheet on or off for
/// `viewport`: the engine applies every sheet whatever its `media` attribute, so a page's
/// print stylesheet would lay out its screen.
fn apply_stylesheet_media(document: &mut BaseDocument, viewport: &Viewport) {
    // Linked sheets are attached as their fetch's answer is handled: handle them first.
    document.handle_messages();
    let owners: Vec<(NodeId, bool)> = document
        .stylesheet_owner_nodes()
        .filter_map(|id| {
            let media = document.get_node(id).and_then(|n| attr(n, "media"))?;
            Some((id, stylesheet_media_applies(media, viewport.width as f32)))
        })
        .collect();
    for (id, applies) in owners {
        document.set_stylesheet_disabled(id, !applies);
    }
}

/// Whether a stylesheet's `media` list applies to a screen `width` CSS px wide: one of its
/// queries does. A query for another media type (`print`, `speech`) does not; a query on the
/// screen's width is evaluated; a query on anything else (`prefers-color-scheme`, `orientation`)
/// is taken to apply, as the engine would take it.
fn stylesheet_media_applies(media: &str, width: f32) -> bool {
    const OTHER_MEDIA: [&str; 9] = [
        "print",
        "speech",
        "aural",
        "braille",
        "embossed",
        "handheld",
        "projection",
        "tty",
        "tv",
    ];
    let media = media.trim().to_ascii_lowercase();
    if media.is_empty() {
        return true;
    }
    media.split(',').any(|query| {
        let query = query.trim();
        let (negated, rest) = match query.strip_prefix("not ") {
            Some(rest) => (true, rest.trim()),
            None => (false, query.strip_prefix("only ").unwrap_or(query).trim()),
        };
        let media_type = rest.split([' ', '(']).next().unwrap_or("");
        if OTHER_MEDIA.contains(&media_type) {
            return negated;
        }
        let on_width_only = rest.split(" and ").all(|part| {
            let part = part.trim();
            matches!(part, "screen" | "all")
                || part.strip_prefix('(').is_some_and(|feature| {
                    let name = feature.trim_start();
                    name.starts_with("min-width")
                        || name.starts_with("max-width")
                        || name.starts_with("width")
                })
        });
        if on_width_only {
            srcset::media_matches(query, width)
        } else {
            true
        }
    })
}

/// The `content` of the page's first `<meta name="viewport">`.
fn meta_viewport(document: &BaseDocument) -> Option<String> {
    let found = document.query_selector_all("meta[name]").ok()?;
    found.into_iter().find_map(|id| {
        let node = document.get_node(id)?;
        attr(node, "name")
            .filter(|name| name.trim().eq_ignore_ascii_case("viewport"))
            .and_then(|_| attr(node, "content"))
            .map(str::to_string)
    })
}

/// Mobile browsers lay a page out `width` CSS px wide as its `<meta name="viewport">` says;
/// a page without one (written for desktops) is laid out [`LEGACY_MOBILE_LAYOUT_WIDTH`] px
/// wide and shown zoomed out, so its first screen is that wide and proportionally tall
/// (Chromium's mobile emulation, as Lighthouse runs it, does the same). Desktop browsers
/// ignore the tag.
fn layout_viewport(viewport: &Viewport, meta: Option<&str>) -> Viewport {
    if viewport.name != super::MOBILE.name {
        return *viewport;
    }
    let mut width = None;
    let mut initial_scale = None;
    for pair in meta.unwrap_or("").split([',', ';']) {
        let Some((key, value)) = pair.split_once('=') else {
            continue;
        };
        let value = value.trim();
        match key.trim().to_ascii_lowercase().as_str() {
            "width" if value.eq_ignore_ascii_case("device-width") => width = Some(viewport.width),
            "width" => {
                width = value
                    .parse::<f32>()
                    .ok()
                    .map(|w| w.clamp(1.0, 10_000.0) as u32)
            }
            "initial-scale" => initial_scale = value.parse::<f32>().ok().filter(|s| *s > 0.0),
            _ => {}
        }
    }
    let width = width
        .or(initial_scale.map(|scale| (viewport.width as f32 / scale.clamp(0.1, 10.0)) as u32))
        .unwrap_or(LEGACY_MOBILE_LAYOUT_WIDTH);
    Viewport {
        width,
        height: (viewport.height as u64 * width as u64 / viewport.width.max(1) as u64) as u32,
        ..*viewport
    }
}

/// The width mobile browsers lay out a page without `<meta name="viewport">` at (Chrome,
/// Safari and Firefox for Android all use 980 CSS px).
pub const LEGACY_MOBILE_LAYOUT_WIDTH: u32 = 980;

/// A browser with scripting on parses `<noscript>` content as text: its images are not
/// elements of the page. The engine parses without scripting, so they are removed.
fn remove_noscript(document: &mut BaseDocument) {
    let Ok(found) = document.query_selector_all("noscript") else {
        return;
    };
    let mut mutator = document.mutate();
    for id in found {
        mutator.remove_and_drop_node(id);
    }
}

/// The body holds no text and no replaced element, and the page has a script: what a visitor
/// sees is rendered by script.
fn is_script_shell(document: &BaseDocument) -> bool {
    let has_script = document
        .query_selector_all("script")
        .is_ok_and(|s| !s.is_empty());
    let Ok(body) = document.query_selector_all("body") else {
        return false;
    };
    let Some(body) = body.first().and_then(|id| document.get_node(*id)) else {
        return false;
    };
    let has_media = document
        .query_selector_all("img, iframe, video, svg, canvas, picture")
        .is_ok_and(|s| !s.is_empty());
    has_script && !has_media && visible_text(document, body).trim().is_empty()
}

/// The page has a script and an empty custom element in its body (`<home-assistant></home-assistant>`:
/// a name with a hyphen, which only a script defines): what it shows, possibly the largest
/// thing on the screen, is rendered by script, so the static layout's LCP candidate may not be
/// the page's.
fn has_script_filled_element(document: &BaseDocument) -> bool {
    let has_script = document
        .query_selector_all("script")
        .is_ok_and(|s| !s.is_empty());
    let Ok(found) = document.query_selector_all("body *") else {
        return false;
    };
    has_script
        && found.into_iter().any(|id| {
            document.get_node(id).is_some_and(|node| {
                node.element_data()
                    .is_some_and(|e| e.name.local.contains('-'))
                    && visible_text(document, node).trim().is_empty()
                    && node.children.iter().all(|child| {
                        document
                            .get_node(*child)
                            .is_none_or(|c| c.element_data().is_none())
                    })
            })
        })
}

/// The text of `node` outside `<script>`, `<style>` and `<template>`.
fn visible_text(document: &BaseDocument, node: &blitz_dom::Node) -> String {
    let mut text = String::new();
    let mut stack = vec![node.id];
    while let Some(id) = stack.pop() {
        let Some(node) = document.get_node(id) else {
            continue;
        };
        if let Some(element) = node.element_data()
            && matches!(&*element.name.local, "script" | "style" | "template")
        {
            continue;
        }
        if let blitz_dom::NodeData::Text(data) = &node.data {
            text.push_str(&data.content);
        }
        stack.extend(node.children.iter().copied());
    }
    text
}

fn attr<'n>(node: &'n blitz_dom::Node, name: &str) -> Option<&'n str> {
    node.element_data()?.attr(LocalName::from(name))
}

/// The pixel size of the folder's image `reference` names, seen from the page (whose
/// `<base href>` is `base_href`).
/// The folder path `reference` names from the page, when it is in the folder.
fn folder_path(page: &Page, base_href: Option<&str>, reference: &str) -> Option<String> {
    let stripped = crate::pages::strip_base(reference, page.files.base_path.as_deref());
    let resolved = resolve_in_document(&page.path, base_href, &stripped);
    let files = &page.files;
    let exists = |p: &str| files.image_sizes.contains_key(p) || files.vector_sizes.contains_key(p);
    // Behind a prefix the server fills in (`{{ base_url }}img/a.png`), when that names an
    // image and the reference as written does not.
    let behind = || crate::analyze::url::behind_server_prefix(reference, &resolved);
    match &resolved {
        Resolved::Local(path) if exists(path) => Some(path.clone()),
        Resolved::Local(path) => behind().filter(|b| exists(b)).or(Some(path.clone())),
        _ => behind().filter(|b| exists(b)),
    }
}

/// The folder path a resolved reference names: itself, or when `exists` denies it, the path
/// behind a placeholder prefix its server fills in (`BASE_PLACEHOLDER/assets/a.css`, see
/// `url::behind_server_prefix`) that `exists` grants. The engine has turned templates into
/// URLs by then, so only `{{ … }}` and placeholder segments left in the path are seen.
fn in_folder(resolved: Resolved, exists: impl Fn(&str) -> bool) -> Option<String> {
    let Resolved::Local(path) = resolved else {
        return None;
    };
    if exists(&path) {
        return Some(path);
    }
    crate::analyze::url::behind_server_prefix(&path, &Resolved::Local(path.clone()))
        .filter(|behind| exists(behind))
}

fn image_size(page: &Page, base_href: Option<&str>, reference: &str) -> Option<(u32, u32)> {
    let path = folder_path(page, base_href, reference)?;
    page.files.image_sizes.get(&path).copied()
}

/// The size an SVG of the folder is laid out with (see `SvgFacts::layout_size`): not a pixel
/// size, so kept apart from `image_size`, which the pixel measures read.
fn vector_size(page: &Page, base_href: Option<&str>, reference: &str) -> Option<(u32, u32)> {
    let path = folder_path(page, base_href, reference)?;
    page.files.vector_sizes.get(&path).copied()
}

/// Gives every `<img>` and `<video poster>` the intrinsic size of the image a browser shows at
/// `viewport`: the candidate its `srcset` (or its `<picture>`'s matching `<source>`) selects,
/// divided by the candidate's density. Elements whose image is not in the folder keep none
/// (a browser without the image lays them out from their CSS and attributes alone).
fn set_intrinsic_sizes(
    document: &mut BaseDocument,
    page: &Page,
    viewport: &Viewport,
) -> HashMap<NodeId, ChosenImage> {
    let mut chosen_images = HashMap::new();
    let mut sizes: Vec<(NodeId, Option<(u32, u32)>)> = Vec::new();
    let width = viewport.width as f32;
    // The first `<base href>` applies to the whole document, as in a browser.
    let base_href = document
        .query_selector_all("base[href]")
        .ok()
        .and_then(|found| found.first().copied())
        .and_then(|id| document.get_node(id))
        .and_then(|node| attr(node, "href"))
        .map(str::to_string);
    let base_href = base_href.as_deref();
    if let Ok(images) = document.query_selector_all("img") {
        for id in images {
            let Some(node) = document.get_node(id) else {
                continue;
            };
            let mut chosen = None;
            let parent = node.parent.and_then(|p| document.get_node(p));
            if let Some(picture) = parent.filter(|p| {
                p.element_data()
                    .is_some_and(|e| &*e.name.local == "picture")
            }) {
                for source_id in &picture.children {
                    let Some(source) = document.get_node(*source_id) else {
                        continue;
                    };
                    if source
                        .element_data()
                        .is_none_or(|e| &*e.name.local != "source")
                    {
                        continue;
                    }
                    if srcset::picture_source_matches(
                        attr(source, "media"),
                        attr(source, "type"),
                        width,
                    ) && let Some(candidate) = srcset::choose(
                        None,
                        attr(source, "srcset"),
                        attr(source, "sizes"),
                        width,
                        viewport.scale,
                    ) {
                        chosen = Some(candidate);
                        break;
                    }
                }
            }
            let chosen = chosen.or_else(|| {
                srcset::choose(
                    attr(node, "src"),
                    attr(node, "srcset"),
                    attr(node, "sizes"),
                    width,
                    viewport.scale,
                )
            });
            // Lazy-loading libraries (lazysizes, lozad, vanilla-lazyload, WordPress plugins)
            // leave `src` empty or a `data:` placeholder and copy `data-src`/`data-srcset` into
            // it from a script: what a visitor ends up seeing is that image.
            let placeholder = chosen
                .as_ref()
                .is_none_or(|c| c.url.trim_start().starts_with("data:"));
            let scripted = placeholder
                .then(|| script_set_source(node, width, viewport.scale))
                .flatten();
            let script_set = scripted.is_some();
            let chosen = scripted.or(chosen);
            let file_size = chosen
                .as_ref()
                .and_then(|c| image_size(page, base_href, &c.url));
            let size = chosen
                .as_ref()
                .zip(file_size.or_else(|| {
                    chosen
                        .as_ref()
                        .and_then(|c| vector_size(page, base_href, &c.url))
                }))
                .map(|(c, (w, h))| {
                    let css = |pixels: u32| ((pixels as f32 / c.density).round() as u32).max(1);
                    (css(w), css(h))
                });
            if let Some(c) = chosen {
                chosen_images.insert(
                    id,
                    ChosenImage {
                        file: folder_path(page, base_href, &c.url),
                        url: c.url,
                        density: c.density,
                        file_size,
                        script_set,
                    },
                );
            }
            sizes.push((id, size));
        }
    }
    if let Ok(videos) = document.query_selector_all("video[poster]") {
        for id in videos {
            let size = document
                .get_node(id)
                .and_then(|n| attr(n, "poster"))
                .and_then(|poster| image_size(page, base_href, poster));
            if let Some(poster) = document.get_node(id).and_then(|n| attr(n, "poster")) {
                chosen_images.insert(
                    id,
                    ChosenImage {
                        file: folder_path(page, base_href, poster),
                        url: poster.to_string(),
                        density: 1.0,
                        file_size: size,
                        script_set: false,
                    },
                );
            }
            sizes.push((id, size));
        }
    }
    for (id, size) in sizes {
        let Some(element) = document.get_node_mut(id).and_then(|n| n.element_data_mut()) else {
            continue;
        };
        element.special_data = match size {
            Some((w, h)) => SpecialElementData::Image(Box::new(ImageData::Raster(
                RasterImageData::new(w, h, Arc::new(Vec::new())),
            ))),
            None => SpecialElementData::None,
        };
    }
    chosen_images
}

/// A user-agent sheet that turns CSS transitions off. One document is laid out at both
/// viewports, and switching viewport changes computed values (`@media` rules): with their
/// transitions on, the engine starts animating from the mobile values, so the desktop layout
/// kept mobile widths and paddings (a Hexo theme's `transition: all .3s` main column was laid
/// out 899 px wide where Chromium, which loads the page at its viewport, shows 786). A page
/// loaded at one viewport has no earlier style to transition from. `!important` in a
/// user-agent sheet wins over any author declaration.
fn no_transitions() -> blitz_dom::UserAgentStylesheet {
    static SHEET: std::sync::LazyLock<blitz_dom::UserAgentStylesheet> =
        std::sync::LazyLock::new(|| {
            blitz_dom::UserAgentStylesheet::parse(
                "*, *::before, *::after { transition: none !important; }",
            )
        });
    SHEET.clone()
}

/// The image an element shows at one viewport.
struct ChosenImage {
    /// As written in `src`, `srcset` or `poster`.
    url: String,
    /// Its path in the folder, when it is one of the folder's files' paths.
    file: Option<String>,
    density: f32,
    /// Its file's pixel size, when it is in the folder.
    file_size: Option<(u32, u32)>,
    /// Named by `data-src`/`data-srcset`: a script sets it (see [`script_set_source`]).
    script_set: bool,
}

/// The image a lazy-loading script will give an `<img>` whose `src` is missing or a `data:`
/// placeholder: its `data-srcset` (with `data-sizes`; lazysizes' `auto` is the box's width,
/// which is not known before layout, so the viewport's), else `data-src`; `data-lazy-srcset`
/// and `data-lazy-src` are the same convention with another prefix.
fn script_set_source(
    node: &blitz_dom::Node,
    viewport_width: f32,
    dpr: f32,
) -> Option<srcset::Chosen> {
    let non_empty = |name: &str| attr(node, name).filter(|value| !value.trim().is_empty());
    let src = non_empty("data-src").or_else(|| non_empty("data-lazy-src"));
    let set = non_empty("data-srcset").or_else(|| non_empty("data-lazy-srcset"));
    if src.is_none() && set.is_none() {
        return None;
    }
    let sizes = non_empty("data-sizes").filter(|sizes| !sizes.trim().eq_ignore_ascii_case("auto"));
    srcset::choose(src, set, sizes, viewport_width, dpr)
        .filter(|chosen| !chosen.url.trim_start().starts_with("data:"))
}

/// The boxes of the page's images, iframes and videos with a poster, and its height.
fn read_boxes(
    document: &BaseDocument,
    viewport: &Viewport,
    chosen: &HashMap<NodeId, ChosenImage>,
) -> ViewportLayout {
    let mut elements = Vec::new();
    for (kind, selector) in [
        (ElementKind::Img, "img"),
        (ElementKind::Iframe, "iframe"),
        (ElementKind::Video, "video"),
    ] {
        let Ok(found) = document.query_selector_all(selector) else {
            continue;
        };
        for (index, id) in found.into_iter().enumerate() {
            let Some(node) = document.get_node(id) else {
                continue;
            };
            let src = match kind {
                ElementKind::Video => match attr(node, "poster") {
                    Some(poster) => Some(poster.to_string()),
                    None => continue,
                },
                _ => attr(node, "src").map(str::to_string),
            };
            let rect = if node.has_boxes() {
                document.get_client_bounding_rect(id)
            } else {
                None
            };
            let (x, y, width, height) =
                rect.map_or((0.0, 0.0, 0.0, 0.0), |r| (r.x, r.y, r.width, r.height));
            let (view_width, view_height) = (viewport.width as f64, viewport.height as f64);
            let in_first_viewport = width > 0.0
                && height > 0.0
                && y < view_height
                && y + height > 0.0
                && x < view_width
                && x + width > 0.0;
            let shown = chosen.get(&id);
            let size_declared = node.primary_styles().is_some_and(|styles| {
                let position = styles.get_position();
                let width = !stylo_taffy::convert::dimension(&position.width).is_auto();
                // A percentage height is of the containing block's height, which is `auto`
                // (so is the percentage) in the usual flow: only a length declares it.
                let height = stylo_taffy::convert::dimension(&position.height)
                    .into_option()
                    .is_some();
                let ratio = stylo_taffy::convert::aspect_ratio(position.aspect_ratio).is_some();
                (width && height) || ((width || height) && ratio)
            });
            elements.push(ElementBox {
                kind,
                index,
                src,
                current_src: shown.map(|c| c.url.clone()),
                current_file: shown.and_then(|c| c.file.clone()),
                file_width: shown.and_then(|c| c.file_size).map(|(w, _)| w),
                file_height: shown.and_then(|c| c.file_size).map(|(_, h)| h),
                density: shown.map(|c| c.density),
                script_set: shown.is_some_and(|c| c.script_set),
                x,
                y,
                width,
                height,
                in_first_viewport,
                below_fold_px: (y - view_height).max(0.0),
                size_declared,
                out_of_flow: node.is_out_of_flow(),
                object_fit: node.primary_styles().map_or(ObjectFit::Fill, |styles| {
                    use style::computed_values::object_fit::T;
                    match styles.get_position().object_fit {
                        T::Fill => ObjectFit::Fill,
                        T::Contain => ObjectFit::Contain,
                        T::Cover => ObjectFit::Cover,
                        T::None => ObjectFit::None,
                        T::ScaleDown => ObjectFit::ScaleDown,
                    }
                }),
            });
        }
    }
    // `document.documentElement.scrollHeight`: never less than the viewport.
    let page_height =
        f64::from(document.root_element().scroll_height()).max(f64::from(viewport.height));
    ViewportLayout {
        name: viewport.name,
        width: viewport.width,
        height: viewport.height,
        scale: viewport.scale,
        page_height,
        elements,
        lcp: None,
    }
}

/// The folder path of the image `url` (as the engine resolved it) names, when it is one of
/// the folder's images.
fn folder_image(files: &FolderFiles, url: &Url) -> Option<String> {
    if url.origin().ascii_serialization() != FOLDER_ORIGIN {
        return None;
    }
    let path = crate::pages::strip_base(url.path(), files.base_path.as_deref());
    in_folder(crate::analyze::url::resolve("", &path), |p| {
        files.image_sizes.contains_key(p) || files.vector_sizes.contains_key(p)
    })
}

/// The boxes of the elements whose computed `background-image` has a `url()` layer naming an
/// image of the folder (the first such layer: the one painted on top), in document order.
/// The layers are read from the engine's copy of the computed value (Stylo resolves each
/// `url()` against the stylesheet that wrote it, not against the page), never from the CSS.
fn read_backgrounds(document: &BaseDocument, page: &Page, viewport: &Viewport) -> Vec<ElementBox> {
    let Ok(found) = document.query_selector_all("*") else {
        return Vec::new();
    };
    let mut boxes = Vec::new();
    for id in found {
        let Some(node) = document.get_node(id) else {
            continue;
        };
        let Some(element) = node.element_data() else {
            continue;
        };
        let Some(path) = element
            .background_images
            .iter()
            .flatten()
            .find_map(|layer| folder_image(&page.files, &layer.url))
        else {
            continue;
        };
        let rect = node
            .has_boxes()
            .then(|| document.get_client_bounding_rect(id))
            .flatten();
        let (x, y, width, height) =
            rect.map_or((0.0, 0.0, 0.0, 0.0), |r| (r.x, r.y, r.width, r.height));
        let file_size = page.files.image_sizes.get(&path).copied();
        boxes.push(ElementBox {
            kind: ElementKind::Background,
            index: boxes.len(),
            src: Some(path.clone()),
            current_src: Some(path.clone()),
            current_file: Some(path),
            file_width: file_size.map(|(w, _)| w),
            file_height: file_size.map(|(_, h)| h),
            density: Some(1.0),
            script_set: false,
            x,
            y,
            width,
            height,
            in_first_viewport: width > 0.0
                && height > 0.0
                && y < f64::from(viewport.height)
                && y + height > 0.0
                && x < f64::from(viewport.width)
                && x + width > 0.0,
            below_fold_px: (y - f64::from(viewport.height)).max(0.0),
            // What sizes an <img> before its file arrives; a background never sizes its box.
            size_declared: false,
            out_of_flow: node.is_out_of_flow(),
            object_fit: ObjectFit::Fill,
        });
    }
    boxes
}

/// How much of a text block's content the candidate's label keeps.
const TEXT_LABEL_CHARS: usize = 60;

/// The page's text blocks: every element laying out inline content with visible text, with
/// the box of its lines (not of the whole block: a short heading in a wide block counts its
/// text's width, as in Chromium).
fn read_text_blocks(document: &BaseDocument, viewport: &Viewport) -> Vec<lcp::TextBlock> {
    let Ok(found) = document.query_selector_all("body, body *") else {
        return Vec::new();
    };
    // Text is laid out in device pixels.
    let scale = f64::from(viewport.scale.max(f32::EPSILON));
    let mut blocks = Vec::new();
    for id in found {
        let Some(node) = document.get_node(id) else {
            continue;
        };
        if !node.has_boxes() {
            continue;
        }
        // An element's text is laid out in its own inline box, or, when it also has block
        // children (`<pre>` text around `<div>`s, `<div>words<div>tail</div></div>`), in the
        // anonymous blocks that hold each run. A browser counts that text as the element's,
        // as one area: the union of the runs.
        let anonymous: Vec<NodeId> = node
            .layout_children
            .borrow()
            .iter()
            .flatten()
            .copied()
            .filter(|&child| document.get_node(child).is_some_and(|c| c.is_anonymous()))
            .collect();
        let mut words = String::new();
        let mut area: Option<lcp::Rect> = None;
        for text_id in std::iter::once(id).chain(anonymous) {
            let Some((text, rect)) = text_area(document, text_id, scale) else {
                continue;
            };
            if !words.is_empty() {
                words.push(' ');
            }
            words.push_str(&text);
            area = Some(match area {
                None => rect,
                Some(union) => union.union(&rect),
            });
        }
        let Some(rect) = area else {
            continue;
        };
        let tag = node.element_data().map_or("", |e| &*e.name.local);
        let label: String = words.chars().take(TEXT_LABEL_CHARS).collect();
        blocks.push(lcp::TextBlock {
            label: format!("<{tag}> {label}"),
            rect,
        });
    }
    blocks
}

/// The words of node `id`'s own inline layout and the rectangle its line boxes cover (CSS px,
/// page coordinates), or `None` when it lays out no text.
fn text_area(document: &BaseDocument, id: NodeId, scale: f64) -> Option<(String, lcp::Rect)> {
    let node = document.get_node(id)?;
    let text = node.element_data()?.inline_layout_data.as_ref()?;
    let words = text.text.split_whitespace().collect::<Vec<_>>().join(" ");
    if words.is_empty() {
        return None;
    }
    let rect = document.get_client_bounding_rect(id)?;
    let layout = node.final_layout();
    let origin_x = rect.x + f64::from(layout.border.left + layout.padding.left);
    let origin_y =
        rect.y + f64::from(layout.border.top + layout.padding.top) + f64::from(text.block_offset);
    let (mut left, mut top, mut right, mut bottom) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for line in text.layout.lines() {
        let metrics = line.metrics();
        let end = metrics.offset + metrics.advance - metrics.hanging_advance;
        if end <= metrics.offset {
            continue;
        }
        left = left.min(f64::from(metrics.offset) / scale);
        right = right.max(f64::from(end) / scale);
        top = top.min(f64::from(metrics.content_block_min_coord) / scale);
        bottom = bottom.max(f64::from(metrics.content_block_max_coord) / scale);
    }
    if right <= left || bottom <= top {
        return None;
    }
    Some((
        words,
        lcp::Rect {
            x: origin_x + left,
            y: origin_y + top,
            width: right - left,
            height: bottom - top,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::{DESKTOP, MOBILE};

    /// A network that answers the folder's `stylesheets` (folder path, file) and nothing else.
    fn folder_net(stylesheets: &[(&str, &std::path::Path)]) -> FolderNet {
        FolderNet {
            files: Arc::new(FolderFiles {
                stylesheets: stylesheets
                    .iter()
                    .map(|(name, path)| (name.to_string(), path.to_path_buf()))
                    .collect(),
                image_sizes: Default::default(),
                vector_sizes: Default::default(),
                image_bytes: Default::default(),
                base_path: None,
            }),
            answered: std::sync::atomic::AtomicUsize::new(0),
            bytes_read: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// Sheets that import each other are answered until the page's bounds, then empty: a
    /// stylesheet of 100,000 `@import`s of a sheet importing it back made the engine read and
    /// parse the large one over and over (1.6 GB, then an abort).
    #[test]
    fn a_page_reads_at_most_its_bounds_of_stylesheets() {
        let folder = tempfile::tempdir().unwrap();
        let big = folder.path().join("big.css");
        // 1 MiB: sixteen reads fill the page's byte bound.
        std::fs::write(&big, format!("/*{}*/", "x".repeat((1 << 20) - 4))).unwrap();
        let small = folder.path().join("small.css");
        std::fs::write(&small, "a{color:red}").unwrap();
        let net = folder_net;
        let url = |name: &str| Url::parse(&format!("{FOLDER_ORIGIN}/{name}")).unwrap();

        let by_bytes = net(&[("big.css", &big)]);
        let answered = (0..100)
            .filter(|_| {
                by_bytes
                    .stylesheet(&url("big.css"))
                    .is_some_and(|b| !b.is_empty())
            })
            .count();
        assert_eq!(
            answered as u64,
            super::super::MAX_STYLESHEET_BYTES / (1 << 20)
        );

        let by_count = net(&[("small.css", &small)]);
        let answered = (0..2 * super::super::MAX_STYLESHEETS_PER_PAGE)
            .filter(|_| by_count.stylesheet(&url("small.css")).is_some())
            .count();
        assert_eq!(answered, super::super::MAX_STYLESHEETS_PER_PAGE);
    }

    /// The engine resolves a page's references to URLs of the folder's origin; a placeholder
    /// prefix the server fills in stays in the path (Prefect's stylesheet), or arrives escaped
    /// (a Jinja `{{ base_url }}`), and the stylesheet after it is still answered.
    #[test]
    fn a_stylesheet_behind_a_server_prefix_is_answered() {
        let folder = tempfile::tempdir().unwrap();
        let sheet = folder.path().join("app.css");
        std::fs::write(&sheet, "a{color:red}").unwrap();
        let net = folder_net(&[("assets/app.css", &sheet)]);
        let page = Url::parse(&format!("{FOLDER_ORIGIN}/index.html")).unwrap();
        for reference in [
            "/assets/app.css",
            "/PREFECT_UI_SERVE_BASE_REPLACE_PLACEHOLDER/assets/app.css",
            "{{ base_url }}assets/app.css",
        ] {
            let url = page.join(reference).unwrap();
            assert_eq!(
                net.stylesheet(&url).as_deref(),
                Some(&b"a{color:red}"[..]),
                "{reference}"
            );
        }
        let url = page.join("/BASE_PLACEHOLDER/assets/gone.css").unwrap();
        assert_eq!(net.stylesheet(&url), None);
    }

    fn width_and_height(meta: Option<&str>) -> (u32, u32) {
        let viewport = layout_viewport(&MOBILE, meta);
        (viewport.width, viewport.height)
    }

    #[test]
    fn a_page_without_a_viewport_tag_is_laid_out_980_px_wide_on_mobile() {
        assert_eq!(width_and_height(None), (980, 1957));
        assert_eq!(width_and_height(Some("user-scalable=no")), (980, 1957));
    }

    #[test]
    fn the_viewport_tag_sets_the_mobile_layout_width() {
        assert_eq!(
            width_and_height(Some("width=device-width, initial-scale=1")),
            (412, 823)
        );
        assert_eq!(width_and_height(Some("initial-scale=1.0")), (412, 823));
        assert_eq!(width_and_height(Some("width=600")), (600, 1198));
    }

    #[test]
    fn stylesheet_media_lists_are_read_for_the_screen() {
        assert!(stylesheet_media_applies("", 412.0));
        assert!(stylesheet_media_applies("screen", 412.0));
        assert!(stylesheet_media_applies("all", 412.0));
        assert!(!stylesheet_media_applies("print", 412.0));
        assert!(!stylesheet_media_applies("PRINT", 1350.0));
        assert!(stylesheet_media_applies("not print", 412.0));
        assert!(stylesheet_media_applies("print, screen", 412.0));
        assert!(!stylesheet_media_applies(
            "only print and (min-width: 1px)",
            412.0
        ));
        assert!(stylesheet_media_applies("(max-width: 600px)", 412.0));
        assert!(!stylesheet_media_applies("(max-width: 600px)", 1350.0));
        assert!(!stylesheet_media_applies(
            "screen and (min-width: 768px)",
            412.0
        ));
        assert!(stylesheet_media_applies(
            "screen and (min-width: 768px)",
            1350.0
        ));
        // Not on the width: applied, as before.
        assert!(stylesheet_media_applies(
            "(prefers-color-scheme: dark)",
            412.0
        ));
    }

    #[test]
    fn desktop_ignores_the_viewport_tag() {
        assert_eq!(layout_viewport(&DESKTOP, None), DESKTOP);
    }
}
