//! The layout stage: every static HTML page laid out with its own CSS, as a browser would at
//! Lighthouse's mobile and desktop viewports, by Blitz (Stylo for the cascade, Taffy for block,
//! flex and grid layout, Parley for text). It runs once per audit, after analysis (it needs
//! the image facts: an image's box depends on its intrinsic size) and before the rules, which
//! read its boxes and never lay out themselves.
//!
//! What it records, per page and viewport: the box (CSS px, relative to the top of the page)
//! of every `<img>`, `<iframe>` and `<video>` with a poster, whether any part of it is in the
//! first viewport, and how far below the fold it starts.
//!
//! Inputs are the folder's files only: linked stylesheets are read from the folder; anything
//! else (another origin, web fonts, scripts) is answered empty, so no request leaves the
//! machine. Scripts do not run: a page whose content a script renders is laid out as shipped
//! (see [`SCRIPT_SHELL_NOTE`]). Text uses the bundled Liberation fonts ([`fonts`]).
//!
//! Guards ([`guard`]): nesting depth and element count are capped before the engine sees a
//! page; layout runs on its own thread with a large stack ([`LAYOUT_STACK_BYTES`]), panics are
//! caught, and a page taking longer than [`PAGE_TIME_BUDGET`] is given up (at most
//! [`MAX_OVERDUE_LAYOUTS`] given-up layouts run on; past that, pages fall back). A page that is not
//! laid out falls back to the positional guess (`analyze::fold`) with a note naming the page
//! and the cause.

mod engine;
pub mod fold;
pub mod fonts;
pub mod guard;
pub mod lcp;
pub mod responsive;
pub mod srcset;

use foldhash::{HashMap, HashMapExt};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use crate::analyze::Facts;
use crate::analyze::html::{HtmlFacts, ImageTag};
use crate::measure::Asset;
use crate::measure::cache::{self, Cache};

/// A viewport a page is laid out at.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Viewport {
    pub name: &'static str,
    /// CSS px.
    pub width: u32,
    pub height: u32,
    /// Device pixels per CSS px.
    pub scale: f32,
}

/// Lighthouse's mobile emulation (a Moto G Power): 412×823 CSS px at 1.75.
pub const MOBILE: Viewport = Viewport {
    name: "mobile",
    width: 412,
    height: 823,
    scale: 1.75,
};

/// Lighthouse's desktop emulation: 1350×940 CSS px at 1.
pub const DESKTOP: Viewport = Viewport {
    name: "desktop",
    width: 1350,
    height: 940,
    scale: 1.0,
};

pub const VIEWPORTS: [Viewport; 2] = [MOBILE, DESKTOP];

/// The stack of a layout thread. The engine recurses once or more per level of the element
/// tree: 2,000 nested `<div>` fit the default 8 MiB and 3,000 overflow it (about 3 KiB per
/// level), so the depth cap of 512 needs under 2 MiB; 256 MiB leaves a wide margin for what
/// recurses deeper per level (nested inline boxes, tables). Untouched stack costs no memory.
pub const LAYOUT_STACK_BYTES: usize = 256 * 1024 * 1024;

/// A page whose layout takes longer than this is given up (its thread is left to finish on its
/// own, its result dropped). Real pages take milliseconds; 20,000 nested elements took 6 s.
pub const PAGE_TIME_BUDGET: Duration = Duration::from_secs(10);

/// How many pages given up on for time may still be laid out in the background, per run. Their
/// threads cannot be stopped (the engine has no way to interrupt a layout), so past this many
/// the remaining pages fall back without starting: a folder of pathological pages costs at most
/// this many extra threads, not one per page.
pub const MAX_OVERDUE_LAYOUTS: usize = 2;

/// The largest HTML page laid out (the HTML analysis reads the same).
pub const MAX_PAGE_BYTES: u64 = crate::analyze::html::MAX_PARSED_BYTES as u64;

/// The largest stylesheet read for layout; a larger one is answered empty.
pub const MAX_STYLESHEET_BYTES: u64 = 16 * 1024 * 1024;

/// Stylesheets read to lay out one page (`<link>`s and `@import`s together); past this, every
/// request is answered empty. Real pages load tens; a stylesheet of 100,000 `@import`s made
/// the engine read and parse one file 100,000 times and abort at 1.6 GB.
pub const MAX_STYLESHEETS_PER_PAGE: usize = 512;

/// The note on a page whose body is filled by script.
pub const SCRIPT_SHELL_NOTE: &str =
    "content rendered by script: layout covers the static shell only";

/// The kinds of element laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ElementKind {
    Img,
    Iframe,
    Video,
    /// An element whose computed `background-image` is a `url()` of an image of the folder.
    Background,
}

impl ElementKind {
    pub fn tag(self) -> &'static str {
        match self {
            ElementKind::Img => "img",
            ElementKind::Iframe => "iframe",
            ElementKind::Video => "video",
            ElementKind::Background => "background",
        }
    }
}

/// One element's box at one viewport.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct ElementBox {
    pub kind: ElementKind,
    /// 0-based position among the page's elements of this kind, in document order (the order
    /// of `document.querySelectorAll(kind)`; `<img>` in `<noscript>` and `<template>` are not
    /// elements of the page, as in a browser with scripting on).
    pub index: usize,
    /// `src` as written (for a video, its `poster`).
    pub src: Option<String>,
    /// The image shown at this viewport, as written: the `srcset` (or `<picture>` `<source>`)
    /// candidate a browser picks, else `src` (for a video, its `poster`). `None` when nothing
    /// is chosen.
    pub current_src: Option<String>,
    /// `current_src`'s path in the folder, when it names a path of the folder (resolved
    /// against the page and its `<base>`; presence not checked).
    pub current_file: Option<String>,
    /// The pixel size of `current_src`'s file, when it is in the folder and its header was
    /// read (device pixels: divide by `density` for its intrinsic size in CSS px).
    pub file_width: Option<u32>,
    pub file_height: Option<u32>,
    /// The density the chosen candidate is shown at (image pixels per CSS px, as the
    /// standard's selection gives it: `2x`, or a `w` descriptor over the `sizes` width).
    pub density: Option<f32>,
    /// `current_src` comes from `data-src`/`data-srcset` (the element's `src` is missing or a
    /// `data:` placeholder): a lazy-loading script sets it, so the browser's preload scanner
    /// cannot see the image and requests it only once that script has run.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub script_set: bool,
    /// CSS px from the top left of the page.
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
    /// Some part of the box is inside the first viewport.
    pub in_first_viewport: bool,
    /// `max(0, y − viewport height)`.
    pub below_fold_px: f64,
    /// The element's width and height (or one of them and an `aspect-ratio`) are set before
    /// its image arrives — by its `width`/`height` attributes or any CSS (computed values:
    /// a width other than `auto`, a height that is a length; a percentage height is of an
    /// `auto`-high container in the usual flow) — so its box does not wait for the file.
    /// (Browsers also take an aspect ratio from the two attributes, which the engine does
    /// not: the rules add it.)
    pub size_declared: bool,
    /// `position: absolute` or `fixed`: its box moves nothing else when it changes.
    pub out_of_flow: bool,
    /// How the image fills the box (CSS `object-fit`).
    pub object_fit: ObjectFit,
}

/// CSS `object-fit`: how a replaced element's content is sized in its box.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ObjectFit {
    /// Stretched to the box.
    #[default]
    Fill,
    /// Scaled to fit inside the box, ratio kept.
    Contain,
    /// Scaled to cover the box, ratio kept, the rest cropped.
    Cover,
    /// Its intrinsic size, cropped to the box.
    None,
    /// `none` or `contain`, whichever is smaller.
    ScaleDown,
}

impl ObjectFit {
    /// The size (CSS px) the content of intrinsic size `content` (in any unit: only its
    /// ratio matters, except for `none`, which takes it in CSS px) is drawn at in a box of
    /// `width`×`height`.
    pub fn drawn_size(self, width: f64, height: f64, content: (f64, f64)) -> (f64, f64) {
        let (content_width, content_height) = content;
        if content_width <= 0.0 || content_height <= 0.0 {
            return (width, height);
        }
        let contain = (width / content_width).min(height / content_height);
        let scale = match self {
            ObjectFit::Fill => return (width, height),
            ObjectFit::Contain => contain,
            ObjectFit::Cover => (width / content_width).max(height / content_height),
            ObjectFit::None => 1.0,
            ObjectFit::ScaleDown => contain.min(1.0),
        };
        (content_width * scale, content_height * scale)
    }
}

/// A page laid out at one viewport.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ViewportLayout {
    pub name: &'static str,
    pub width: u32,
    pub height: u32,
    pub scale: f32,
    /// The page's scroll height (CSS px).
    pub page_height: f64,
    pub elements: Vec<ElementBox>,
    /// The Largest Contentful Paint candidate ([`lcp`]), when the first viewport shows any
    /// image or text.
    pub lcp: Option<lcp::LcpCandidate>,
}

/// A [`ViewportLayout`] as a cached layout holds it: the viewport by a name that must be one of
/// [`VIEWPORTS`].
#[derive(serde::Deserialize)]
struct CachedViewportLayout {
    name: String,
    width: u32,
    height: u32,
    scale: f32,
    page_height: f64,
    elements: Vec<ElementBox>,
    lcp: Option<lcp::LcpCandidate>,
}

// By hand: a derived implementation would ask for input that lives forever (the `'static`
// name), which a cache file read at run time is not.
impl<'de> serde::Deserialize<'de> for ViewportLayout {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let cached = CachedViewportLayout::deserialize(deserializer)?;
        let name = VIEWPORTS
            .iter()
            .map(|viewport| viewport.name)
            .find(|known| *known == cached.name)
            .ok_or_else(|| {
                serde::de::Error::custom(format!("no viewport is named {:?}", cached.name))
            })?;
        Ok(ViewportLayout {
            name,
            width: cached.width,
            height: cached.height,
            scale: cached.scale,
            page_height: cached.page_height,
            elements: cached.elements,
            lcp: cached.lcp,
        })
    }
}

impl ViewportLayout {
    /// The box of the page's `<img>` `tag`: matched by `src` as written and rank among the
    /// page's `<img>` with that `src` (robust to `<img>` the analysis and the engine count
    /// differently, such as those in `<template>`).
    pub fn img_box(&self, html: &HtmlFacts, tag: &ImageTag) -> Option<&ElementBox> {
        let rank = html
            .images
            .iter()
            .take_while(|t| !std::ptr::eq(*t, tag))
            .filter(|t| t.src == tag.src)
            .count();
        self.elements
            .iter()
            .filter(|b| b.kind == ElementKind::Img && b.src == tag.src)
            .nth(rank)
    }

    /// The folder path of the file the LCP candidate shows, when it is an image (an `<img>`,
    /// a video's poster or a background) of the folder.
    pub fn lcp_file(&self) -> Option<&str> {
        let lcp = self.lcp.as_ref()?;
        self.elements
            .iter()
            .find(|element| lcp.is(element))
            .and_then(|element| element.current_file.as_deref())
    }

    /// The page's `<img>` tag whose box is `elements[element]`: the inverse of `img_box`.
    pub fn img_tag<'h>(&self, html: &'h HtmlFacts, element: usize) -> Option<&'h ImageTag> {
        let shown = self.elements.get(element)?;
        let rank = self.elements[..element]
            .iter()
            .filter(|b| b.kind == ElementKind::Img && b.src == shown.src)
            .count();
        html.images
            .iter()
            .filter(|tag| tag.src == shown.src)
            .nth(rank)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LayoutStatus {
    LaidOut,
    /// Not laid out: the positional guess applies (`note` says why).
    Fallback,
}

/// What the layout stage computed for one page.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct PageLayout {
    pub page: String,
    pub status: LayoutStatus,
    pub note: Option<String>,
    /// Part of the page is rendered by script into an empty custom element: the static
    /// layout's LCP candidate may not be the page's (the LCP rules do not judge it).
    pub script_filled: bool,
    pub viewports: Vec<ViewportLayout>,
}

impl PageLayout {
    fn fallback(page: &str, why: String) -> PageLayout {
        PageLayout {
            page: page.to_string(),
            status: LayoutStatus::Fallback,
            note: Some(why),
            script_filled: false,
            viewports: Vec::new(),
        }
    }

    pub fn viewport(&self, name: &str) -> Option<&ViewportLayout> {
        self.viewports.iter().find(|v| v.name == name)
    }
}

/// Every page's layout, by page path.
#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct Layouts {
    pub pages: Vec<PageLayout>,
}

impl Layouts {
    pub fn page(&self, path: &str) -> Option<&PageLayout> {
        self.pages
            .binary_search_by(|p| p.page.as_str().cmp(path))
            .ok()
            .map(|i| &self.pages[i])
    }

    /// The notes the audit prints: each page that fell back, with its cause. Pages rendered
    /// by script keep their note in `webaudit layout` only: most single-page apps are such a
    /// shell, and a note on every audit of one would say nothing the rules need.
    pub fn notes(&self) -> Vec<String> {
        self.pages
            .iter()
            .filter(|p| p.status == LayoutStatus::Fallback)
            .filter_map(|p| {
                p.note
                    .as_ref()
                    .map(|note| format!("{}: layout: {note}", p.page))
            })
            .collect()
    }
}

/// What the engine needs from the folder, shared by every page's thread.
pub(crate) struct FolderFiles {
    /// Stylesheets of the folder by path, and their files.
    pub stylesheets: HashMap<String, PathBuf>,
    /// Image files' pixel sizes by path (those whose header was read).
    pub image_sizes: HashMap<String, (u32, u32)>,
    /// SVG files' layout sizes in CSS px by path (`SvgFacts::layout_size`).
    pub vector_sizes: HashMap<String, (u32, u32)>,
    /// Image files' sizes in bytes by path (the LCP's low-entropy test).
    pub image_bytes: HashMap<String, u64>,
    /// `[pages] base`: the URL path the folder is served under.
    pub base_path: Option<String>,
}

/// One page to lay out: its path in the folder and its file.
pub struct PageJob {
    pub path: String,
    pub file: PathBuf,
}

/// Bump when what a layout says changes (the engine, the viewports, what is recorded): cached
/// layouts of other versions are then ignored.
pub const LAYOUT_VERSION: &str = "layout-3-text-in-anonymous-blocks";

/// Lays out every page of `assets` (HTML documents that are pages, see
/// [`crate::pages::is_page`]), `threads` at a time (0: one per core).
pub fn lay_out_pages(assets: &[Asset], base_path: Option<&str>, threads: usize) -> Layouts {
    lay_out_pages_cached(assets, base_path, threads, &mut Cache::disabled())
}

/// [`lay_out_pages`], taking from `cache` the layouts of pages laid out before with the same
/// inputs, and adding the ones it computes. A page's layout depends on its content and on
/// the folder: the stylesheets it may load, every image's size, the base path. The key holds
/// all of it, so a change to any stylesheet or image lays every page out again. Layouts cut
/// short (a page over its time budget or caps, see [`LayoutStatus::Fallback`]) are not kept.
pub fn lay_out_pages_cached(
    assets: &[Asset],
    base_path: Option<&str>,
    threads: usize,
    cache: &mut Cache,
) -> Layouts {
    let files = Arc::new(folder_files(assets, base_path));
    let folder = folder_fingerprint(assets, base_path);
    let mut cached = Vec::new();
    let mut jobs: Vec<(PageJob, cache::Key)> = Vec::new();
    for asset in assets {
        let Facts::Document(html) = &asset.facts else {
            continue;
        };
        if !crate::pages::is_page(&asset.path, html) {
            continue;
        }
        let key = cache::key(&[
            b"layout",
            LAYOUT_VERSION.as_bytes(),
            &folder,
            asset.path.as_bytes(),
            &asset.content_hash,
        ]);
        let reused = cache
            .get(&key)
            .and_then(|json| serde_json::from_slice::<PageLayout>(json).ok())
            .filter(|layout| layout.page == asset.path);
        match reused {
            Some(layout) => cached.push(layout),
            None => jobs.push((
                PageJob {
                    path: asset.path.clone(),
                    file: asset.file.clone(),
                },
                key,
            )),
        }
    }
    let keys: HashMap<String, cache::Key> = jobs
        .iter()
        .map(|(job, key)| (job.path.clone(), *key))
        .collect();
    let mut layouts = lay_out_jobs(
        jobs.into_iter().map(|(job, _)| job).collect(),
        files,
        threads,
    );
    for layout in &layouts.pages {
        // A cache that is not kept (`--no-cache`) would only hold layouts to drop.
        if layout.status == LayoutStatus::Fallback || !cache.is_persistent() {
            continue;
        }
        if let (Some(key), Ok(json)) = (keys.get(&layout.page), serde_json::to_vec(layout)) {
            cache.insert(*key, json);
        }
    }
    layouts.pages.extend(cached);
    layouts.pages.sort_by(|a, b| a.page.cmp(&b.page));
    layouts
}

/// What the engine may read of the folder besides a page: its stylesheets, and the sizes of
/// its images.
fn folder_files(assets: &[Asset], base_path: Option<&str>) -> FolderFiles {
    FolderFiles {
        stylesheets: assets
            .iter()
            .filter(|a| a.kind == crate::kind::AssetKind::Stylesheet)
            .map(|a| (a.path.clone(), a.file.clone()))
            .collect(),
        image_sizes: assets
            .iter()
            .filter_map(|a| match &a.facts {
                Facts::Image(image) => image.header.map(|h| (a.path.clone(), (h.width, h.height))),
                _ => None,
            })
            .collect(),
        vector_sizes: assets
            .iter()
            .filter_map(|a| match &a.facts {
                Facts::Svg(svg) => svg.layout_size().map(|size| (a.path.clone(), size)),
                _ => None,
            })
            .collect(),
        image_bytes: assets
            .iter()
            .filter(|a| a.kind == crate::kind::AssetKind::Image)
            .map(|a| (a.path.clone(), a.raw))
            .collect(),
        base_path: base_path.map(str::to_string),
    }
}

/// A hash of everything [`folder_files`] gives the engine (stylesheets by content), in the
/// folder's order.
fn folder_fingerprint(assets: &[Asset], base_path: Option<&str>) -> [u8; 32] {
    let mut hasher = blake3::Hasher::new();
    let mut part = |bytes: &[u8]| {
        hasher.update(&(bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    };
    part(base_path.unwrap_or("").as_bytes());
    part(&[u8::from(base_path.is_some())]);
    for asset in assets {
        let image = match &asset.facts {
            Facts::Image(image) => image.header.map(|h| (h.width, h.height)),
            _ => None,
        };
        let vector = match &asset.facts {
            Facts::Svg(svg) => svg.layout_size(),
            _ => None,
        };
        let stylesheet = asset.kind == crate::kind::AssetKind::Stylesheet;
        let counted_image = asset.kind == crate::kind::AssetKind::Image;
        if !stylesheet && !counted_image && image.is_none() && vector.is_none() {
            continue;
        }
        part(asset.path.as_bytes());
        part(&[u8::from(stylesheet), u8::from(counted_image)]);
        if stylesheet {
            part(&asset.content_hash);
        }
        if counted_image {
            part(&asset.raw.to_le_bytes());
        }
        part(format!("{image:?}|{vector:?}").as_bytes());
    }
    *hasher.finalize().as_bytes()
}

/// Lays out the HTML `pages` of a scanned folder (for the fixers, which have no analysis):
/// stylesheets are the folder's `.css` files, image sizes come from `image_size` (a file's
/// pixel size by its path in the folder).
pub fn lay_out_scanned<'f>(
    files: impl Iterator<Item = &'f crate::scan::ScannedFile>,
    pages: Vec<PageJob>,
    image_size: impl Fn(&str) -> Option<(u32, u32)>,
    base_path: Option<&str>,
    threads: usize,
) -> Layouts {
    let mut stylesheets = HashMap::new();
    let mut image_sizes = HashMap::new();
    for file in files {
        let kind = file
            .extension
            .as_deref()
            .and_then(crate::kind::Format::from_extension)
            .map(crate::kind::Format::kind);
        match kind {
            Some(crate::kind::AssetKind::Stylesheet) => {
                stylesheets.insert(file.relative_path.clone(), file.path.clone());
            }
            Some(crate::kind::AssetKind::Image) => {
                if let Some(size) = image_size(&file.relative_path) {
                    image_sizes.insert(file.relative_path.clone(), size);
                }
            }
            _ => {}
        }
    }
    let files = Arc::new(FolderFiles {
        stylesheets,
        image_sizes,
        // The fixers read raster headers only: their SVG images lay out without a size.
        vector_sizes: HashMap::new(),
        image_bytes: HashMap::new(),
        base_path: base_path.map(str::to_string),
    });
    lay_out_jobs(pages, files, threads)
}

fn lay_out_jobs(mut jobs: Vec<PageJob>, files: Arc<FolderFiles>, threads: usize) -> Layouts {
    jobs.sort_by(|a, b| a.path.cmp(&b.path));
    let workers = crate::measure::worker_count(threads).clamp(1, jobs.len().max(1));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let overdue = Overdue::default();
    let results: std::sync::Mutex<Vec<PageLayout>> = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let at = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(job) = jobs.get(at) else { break };
                    let layout = lay_out_guarded(job, &files, PAGE_TIME_BUDGET, &overdue);
                    results
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push(layout);
                }
            });
        }
    });
    let mut pages = results.into_inner().unwrap_or_else(|e| e.into_inner());
    pages.sort_by(|a, b| a.page.cmp(&b.page));
    Layouts { pages }
}

/// The name of the threads pages are laid out on.
const LAYOUT_THREAD_NAME: &str = "webaudit-layout";

/// A panic in the engine is caught and becomes the page's fallback note, which names it: the
/// default hook would also print it to stderr, in the middle of the report's progress. Other
/// threads' panics still go to the previous hook.
fn quiet_layout_panics() {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if std::thread::current().name() != Some(LAYOUT_THREAD_NAME) {
                previous(info);
            }
        }));
    });
}

/// The layout threads of one run still working past the time budget (see
/// [`MAX_OVERDUE_LAYOUTS`]).
#[derive(Default, Clone)]
struct Overdue(Arc<std::sync::atomic::AtomicUsize>);

/// Where a layout thread is: the thread and the page's worker race to say which came first,
/// so that only a thread given up on counts as overdue, and it stops counting when it ends.
const RUNNING: u8 = 0;
const FINISHED: u8 = 1;
const GIVEN_UP: u8 = 2;

/// Reads, checks and lays out one page on a thread of its own, within the caps: `budget` of
/// time, and no new thread while [`MAX_OVERDUE_LAYOUTS`] given-up ones still run.
fn lay_out_guarded(
    job: &PageJob,
    files: &Arc<FolderFiles>,
    budget: Duration,
    overdue: &Overdue,
) -> PageLayout {
    use std::sync::atomic::{AtomicU8, Ordering};
    let still_running = overdue.0.load(Ordering::SeqCst);
    if still_running >= MAX_OVERDUE_LAYOUTS {
        return PageLayout::fallback(
            &job.path,
            format!(
                "not laid out: {still_running} pages given up for taking longer than {} s are still being laid out (at most {MAX_OVERDUE_LAYOUTS} may run on)",
                budget.as_secs()
            ),
        );
    }
    let html = match crate::files::read_bounded(
        &job.file,
        crate::files::Links::Refuse,
        MAX_PAGE_BYTES,
        "a page to lay out",
    ) {
        Ok(bytes) => bytes,
        Err(problem) => return PageLayout::fallback(&job.path, format!("not laid out: {problem}")),
    };
    if let Err(cap) = guard::check(&html) {
        return PageLayout::fallback(&job.path, format!("not laid out: {}", cap.describe()));
    }
    let html = String::from_utf8_lossy(&html).into_owned();
    quiet_layout_panics();
    let (sender, receiver) = std::sync::mpsc::channel();
    let page = engine::Page {
        path: job.path.clone(),
        html,
        files: Arc::clone(files),
    };
    let state = Arc::new(AtomicU8::new(RUNNING));
    let thread_state = Arc::clone(&state);
    let thread_overdue = overdue.clone();
    let spawned = std::thread::Builder::new()
        .name(LAYOUT_THREAD_NAME.into())
        .stack_size(LAYOUT_STACK_BYTES)
        .spawn(move || {
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                engine::lay_out(&page, &VIEWPORTS)
            }));
            if thread_state.swap(FINISHED, Ordering::SeqCst) == GIVEN_UP {
                thread_overdue.0.fetch_sub(1, Ordering::SeqCst);
            }
            let _ = sender.send(result);
        });
    if let Err(problem) = spawned {
        return PageLayout::fallback(
            &job.path,
            format!("not laid out: no thread for the layout ({problem})"),
        );
    }
    let received = receiver.recv_timeout(budget);
    if received.is_err() {
        // Counted before the thread can see it given up, so its decrement never comes first.
        overdue.0.fetch_add(1, Ordering::SeqCst);
        if state
            .compare_exchange(RUNNING, GIVEN_UP, Ordering::SeqCst, Ordering::SeqCst)
            .is_err()
        {
            overdue.0.fetch_sub(1, Ordering::SeqCst);
        }
    }
    match received {
        Ok(Ok(laid_out)) => PageLayout {
            page: job.path.clone(),
            status: LayoutStatus::LaidOut,
            note: laid_out.script_shell.then(|| SCRIPT_SHELL_NOTE.to_string()),
            script_filled: laid_out.script_filled,
            viewports: laid_out.viewports,
        },
        Ok(Err(panic)) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "no message".to_string());
            PageLayout::fallback(
                &job.path,
                format!("not laid out: the layout engine failed ({message})"),
            )
        }
        Err(_) => PageLayout::fallback(
            &job.path,
            format!(
                "not laid out: layout took longer than the time budget of {} s per page",
                budget.as_secs()
            ),
        ),
    }
}

/// The layouts as text: one block per page, one line per element and viewport.
pub fn render_text(layouts: &Layouts, out: &mut impl std::io::Write) -> std::io::Result<()> {
    for page in &layouts.pages {
        let status = match page.status {
            LayoutStatus::LaidOut => "laid out",
            LayoutStatus::Fallback => "fallback",
        };
        writeln!(out, "{} ({status})", page.page)?;
        if let Some(note) = &page.note {
            writeln!(out, "  note: {note}")?;
        }
        for viewport in &page.viewports {
            writeln!(
                out,
                "  {} {}×{} @{}: page height {:.1}",
                viewport.name,
                viewport.width,
                viewport.height,
                viewport.scale,
                viewport.page_height
            )?;
            for element in &viewport.elements {
                let place = if element.in_first_viewport {
                    "in the first screen".to_string()
                } else if element.width == 0.0 || element.height == 0.0 {
                    "no box".to_string()
                } else {
                    format!("{:.1} px below the fold", element.below_fold_px)
                };
                // The file shown, when a srcset or <picture> picks another than `src`.
                let shown = match (
                    &element.current_src,
                    element.file_width,
                    element.file_height,
                ) {
                    (Some(current), Some(w), Some(h)) if element.current_src != element.src => {
                        format!(" (shows {current}, {w}×{h})")
                    }
                    (Some(current), _, _) if element.current_src != element.src => {
                        format!(" (shows {current})")
                    }
                    (_, Some(w), Some(h)) => format!(" ({w}×{h})"),
                    _ => String::new(),
                };
                let shown = if element.script_set {
                    format!("{shown} (set by a lazy-loading script)")
                } else {
                    shown
                };
                writeln!(
                    out,
                    "    {}[{}] {}{shown}: x {:.1} y {:.1} {:.1}×{:.1}, {place}",
                    element.kind.tag(),
                    element.index,
                    element.src.as_deref().unwrap_or("(no src)"),
                    element.x,
                    element.y,
                    element.width,
                    element.height
                )?;
            }
            if let Some(lcp) = &viewport.lcp {
                let what = match (&lcp.src, &lcp.text) {
                    (Some(src), _) => {
                        format!("{}[{}] {src}", lcp.kind_name(), lcp.index.unwrap_or(0))
                    }
                    (None, Some(text)) => format!("text {text}"),
                    (None, None) => lcp.kind_name().to_string(),
                };
                writeln!(
                    out,
                    "    LCP candidate: {what} ({:.0} px² visible)",
                    lcp.area
                )?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A page of `paragraphs` paragraphs of text (10,000 take the engine a while).
    fn page(dir: &std::path::Path, name: &str, paragraphs: usize) -> PageJob {
        let file = dir.join(name);
        std::fs::write(&file, "<p>Some words to lay out.</p>\n".repeat(paragraphs)).unwrap();
        PageJob {
            path: name.to_string(),
            file,
        }
    }

    #[test]
    fn pages_given_up_for_time_stop_new_layouts_once_the_cap_is_reached() {
        let dir = tempfile::tempdir().unwrap();
        let files = Arc::new(FolderFiles {
            stylesheets: HashMap::new(),
            image_sizes: HashMap::new(),
            vector_sizes: HashMap::new(),
            image_bytes: HashMap::new(),
            base_path: None,
        });
        let overdue = Overdue::default();
        // No time at all: each page is given up at once while its thread works on.
        for at in 0..MAX_OVERDUE_LAYOUTS {
            let job = page(dir.path(), &format!("slow-{at}.html"), 10_000);
            let layout = lay_out_guarded(&job, &files, Duration::ZERO, &overdue);
            assert_eq!(layout.status, LayoutStatus::Fallback);
            assert!(
                layout
                    .note
                    .as_deref()
                    .is_some_and(|n| n.contains("longer than the time budget")),
                "{:?}",
                layout.note
            );
        }
        let job = page(dir.path(), "next.html", 10_000);
        let layout = lay_out_guarded(&job, &files, Duration::ZERO, &overdue);
        assert_eq!(
            layout.note.as_deref(),
            Some(
                "not laid out: 2 pages given up for taking longer than 0 s are still being laid out (at most 2 may run on)"
            )
        );
        // When the given-up threads end, layouts start again.
        let deadline = std::time::Instant::now() + Duration::from_secs(300);
        while overdue.0.load(std::sync::atomic::Ordering::SeqCst) > 0 {
            assert!(
                std::time::Instant::now() < deadline,
                "the threads never ended"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        let small = page(dir.path(), "small.html", 10);
        let layout = lay_out_guarded(&small, &files, PAGE_TIME_BUDGET, &overdue);
        assert_eq!(layout.status, LayoutStatus::LaidOut, "{:?}", layout.note);
    }
}
