//! The site model: what the analysed files mean together, derived once per audit before any
//! rule runs. For every HTML page: every reference it makes, resolved to a file of the folder
//! (or marked missing, or not a request for a file of the folder); every `<img>` with the files
//! it may show and what gives it a size (its attributes, its `style`, the page's own `<style>`
//! rules). For the whole site: every `@font-face`, in stylesheets and in pages' `<style>`
//! blocks. Rules read this model and the measured assets; they never parse text or open files.
//!
//! Entry graphs (what a first visit loads) are in [`crate::pages`], part of this stage too.

pub mod selectors;

use foldhash::HashSet;
use std::collections::BTreeSet;

use crate::analyze::url::{
    Descriptor, Resolved, behind_server_prefix, has_placeholder_segment, is_template, parse_srcset,
    resolve, resolve_in_document, template_default,
};
use crate::config::Config;
use crate::model::asset::Asset;
use crate::model::facts::Facts;
use crate::model::facts::css::{CssFacts, FontFace, SizingRule};
use crate::model::facts::font::FontFacts;
use crate::model::facts::html::{HtmlFacts, IconRel, ImageTag, ScriptKind};
use crate::model::facts::location::Location;
use crate::pages::{PageLoad, strip_base};
use crate::scan::Skipped;

/// The whole site, as the rules see it.
pub struct Site<'a> {
    /// The HTML pages, in path order.
    pub pages: Vec<Page<'a>>,
    /// Every `@font-face`: those of stylesheet files and of scripts' CSS-in-JS, then those of
    /// pages' `<style>` blocks, each file in path order and its rules in source order.
    pub font_faces: Vec<FontFaceUse<'a>>,
    /// Every reference that pages and stylesheets make to other files, resolved, in file order
    /// then source order.
    pub references: Vec<Reference>,
    /// Images of the folder that nothing in it uses: no reference resolves to them and no
    /// script or HTML file mentions their file name. Unused, or named only by a server (an
    /// API that returns their URL): what they cost no visitor is known to pay. Raster images,
    /// and SVGs with a content-hashed name (a bundler that inlines SVGs as components may
    /// still emit their files). Empty for a folder with no page (a folder of images audited by
    /// itself).
    pub unreferenced_images: BTreeSet<&'a str>,
    /// Those of [`Site::unreferenced_images`] that a web app manifest names (its icons and
    /// screenshots): a browser requests them to install the app, not to show a page. Not
    /// unused, but no page load pays for them either, so the image rules leave them out too.
    pub install_images: BTreeSet<&'a str>,
    /// Every asset by its path: one index for the rules that follow references to files.
    pub assets_by_path: foldhash::HashMap<&'a str, &'a Asset>,
    /// Pages in a subfolder whose missing references all name files of that subfolder (see
    /// [`own_roots`]): the audit's folder is above the site they belong to.
    pub own_roots: Vec<OwnRoot>,
}

/// A page whose references read as if its own folder were the site root: Playwright's
/// `recorder/index.html` loads `/assets/index.js`, which is `recorder/assets/index.js`,
/// because Playwright serves `recorder/` at its own origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnRoot {
    pub page: String,
    /// The page's folder, with its trailing `/`.
    pub folder: String,
    /// The page's missing references that name a file of that folder.
    pub references: usize,
}

impl Site<'_> {
    /// For each page the rules can follow, every script one visit may run: its initial and its
    /// lazy scripts. Code in two of them can meet in one visitor's browser.
    pub fn scripts_per_page(&self) -> Vec<std::collections::BTreeSet<&str>> {
        self.pages
            .iter()
            .filter_map(|page| page.load)
            .map(|load| {
                load.initial_scripts
                    .files
                    .iter()
                    .chain(&load.lazy_scripts.files)
                    .map(String::as_str)
                    .collect()
            })
            .collect()
    }
}

/// The asset a request for `path` gets: the file, or the precompressed copy shipped without it
/// (`index.css.gz` answers for `index.css`).
pub fn served<'a>(by_path: &foldhash::HashMap<&str, &'a Asset>, path: &str) -> Option<&'a Asset> {
    by_path.get(path).copied().or_else(|| {
        ["gz", "br"]
            .iter()
            .find_map(|encoding| by_path.get(format!("{path}.{encoding}").as_str()).copied())
    })
}

/// One HTML page.
pub struct Page<'a> {
    pub asset: &'a Asset,
    pub html: &'a HtmlFacts,
    /// What a first visit loads and what loads later (the entry graph).
    pub load: Option<&'a PageLoad>,
    /// Every image the page may request, in document order within each kind: `<img>` `src`
    /// and `srcset`, `<picture><source srcset>`, `<link rel=preload as=image>` (`href` and
    /// `imagesrcset`), and `background`/`background-image` URLs of the page's `<style>`
    /// blocks, `style` attributes and initial stylesheets. (`<meta property=og:image>` is for
    /// link previews, not a request of the page.)
    pub image_requests: Vec<ImageRequest>,
    /// The page's `<img>` elements in document order (those inside `<template>` included:
    /// see [`ImageTag::in_body`]).
    pub images: Vec<ImageUse<'a>>,
    /// The page's icon links (`rel=icon`, `apple-touch-icon`, `mask-icon`) in document
    /// order, each with what its `href` leads to.
    pub icons: Vec<IconUse<'a>>,
}

/// One `<link rel=icon | apple-touch-icon | mask-icon>` and the file it names.
pub struct IconUse<'a> {
    pub link: &'a crate::analyze::html::IconLink,
    /// [`Target::Elsewhere`] without an `href`.
    pub target: Target,
}

impl Page<'_> {
    pub fn path(&self) -> &str {
        &self.asset.path
    }
}

/// How an `<img>` refers to a file.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Via {
    Src,
    /// A `srcset` candidate with its descriptor (`None` = `1x`).
    Srcset(Option<Descriptor>),
}

/// What requests an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageHolder {
    ImgSrc,
    ImgSrcset,
    PictureSource,
    Preload,
    /// A `background`/`background-image` URL in the page's own CSS.
    PageCss,
    /// The same in a stylesheet the page loads at first visit.
    Stylesheet,
}

/// One image a page may request.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageRequest {
    pub holder: ImageHolder,
    /// The file of the folder, resolved (presence not checked).
    pub target: String,
    /// Where it is written: in the page, or in the stylesheet (`stylesheet` set).
    pub location: Location,
    pub stylesheet: Option<String>,
}

/// One `<img>` and what the model knows about it.
pub struct ImageUse<'a> {
    pub tag: &'a ImageTag,
    /// The files of the folder it may show (`src`, then `srcset` candidates), resolved; not
    /// checked for presence.
    pub targets: Vec<(String, Via)>,
    pub sizing: Sizing<'a>,
}

/// What tells the browser an image's size before it arrives.
#[derive(Debug, Clone, Default)]
pub struct Sizing<'a> {
    /// `width` / `height` attributes in pixels.
    pub width_attribute: bool,
    pub height_attribute: bool,
    /// What the `style` attribute sets.
    pub style: Option<&'a SizingRule>,
    /// The page's `<style>` rules whose selector may apply to the image.
    pub rules: Vec<&'a SizingRule>,
}

impl Sizing<'_> {
    /// Both dimensions are known, or one of them and an aspect ratio: the browser reserves
    /// the box. Any source counts, as in the cascade (an attribute gives a dimension that a
    /// rule does not override).
    pub fn is_sized(&self) -> bool {
        let css = self.style.into_iter().chain(self.rules.iter().copied());
        let (mut width, mut height, mut ratio) =
            (self.width_attribute, self.height_attribute, false);
        for rule in css {
            width |= rule.width;
            height |= rule.height;
            ratio |= rule.aspect_ratio;
        }
        (width && height) || ((width || height) && ratio)
    }

    /// The first same-page rule that takes part, for messages.
    pub fn first_rule(&self) -> Option<&SizingRule> {
        self.rules.first().copied()
    }
}

/// One `@font-face` rule and the file that declares it.
pub struct FontFaceUse<'a> {
    /// The stylesheet or HTML page holding the rule.
    pub path: &'a str,
    pub face: &'a FontFace,
    /// In a page's `<style>` block rather than in a stylesheet file.
    pub in_page: bool,
    /// In a script's string or template literal (CSS-in-JS): its `url()`s resolve against the
    /// page that runs the script, not against the script.
    pub in_script: bool,
    /// The character map of the face's font, read from the first of its `url()` sources that
    /// is a font file of the folder (a face lists one font in several formats); `None` when
    /// none is, or its map could not be read.
    pub font: Option<&'a FontFacts>,
    /// What the source a browser fetches ([`FontFace::fetched_source`]) names; `None` when the
    /// face has no such source. A CSS-in-JS URL is known only when a font file has its name.
    pub download: Option<Target>,
}

/// [`Reference::holder`] of a page's `<link rel=icon href>`: one of the page's tab icons, of
/// which a browser requests the one it picks.
pub const TAB_ICON_HOLDER: &str = "<link rel=icon href>";

/// A reference from a page or stylesheet to another file.
#[derive(Debug, Clone, PartialEq)]
pub struct Reference {
    /// The referring file.
    pub from: String,
    /// As written (entities and CSS escapes decoded).
    pub text: String,
    pub location: Location,
    /// What holds it: `<script src>`, `url()`, `<img srcset>`…
    pub holder: String,
    pub target: Target,
}

/// What a reference leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A file of the folder (or one left out of the audit, or a folder's `index.html`).
    Present(String),
    /// A path inside the folder where no file is: the request fails.
    Missing(String),
    /// Not a request for a file of the folder: another origin, a `data:` URL, a fragment, an
    /// empty reference, or a path above the folder.
    Elsewhere,
    /// A placeholder the server or a deploy step fills in (`{{ base_url }}`, `%PUBLIC_URL%`,
    /// a `SOME_PREFIX_PLACEHOLDER/` segment naming no folder): the page as shipped is a
    /// template, and the reference names no file until it is filled.
    Template,
    /// A request the server answers itself rather than from a file: one of several language
    /// variants of the folder (`po.js` for `po.de.js`, `po.pt_BR.js.gz`, …: content
    /// negotiation, as Apache's MultiViews or an app server's locale lookup do), a server-side
    /// pattern (`../*/po.js`), or a route with no file extension that names no file or folder
    /// (`/get_image`, `/api/avatar`): built files always carry an extension.
    Dynamic,
}

/// Builds the model from the measured and analysed assets. `skipped` are the files the audit
/// left out: they exist, so a reference to them is not missing.
pub fn build<'a>(
    assets: &'a [Asset],
    skipped: &[Skipped],
    config: &Config,
    loads: &'a [PageLoad],
) -> Site<'a> {
    let by_path: foldhash::HashMap<&str, &Asset> =
        assets.iter().map(|a| (a.path.as_str(), a)).collect();
    let folder = Folder {
        files: assets.iter().map(|a| a.path.as_str()).collect(),
        skipped: skipped.iter().map(|s| s.path.as_str()).collect(),
        negotiable: language_variant_names(assets.iter().map(|a| a.path.as_str())),
        folders: folders_of(assets.iter().map(|a| a.path.as_str())),
    };
    let base_path = config.base_path.as_deref();
    let mut site = Site {
        pages: Vec::new(),
        font_faces: Vec::new(),
        references: Vec::new(),
        unreferenced_images: BTreeSet::new(),
        install_images: BTreeSet::new(),
        assets_by_path: foldhash::HashMap::default(),
        own_roots: Vec::new(),
    };
    let mut page_font_faces = Vec::new();
    let fonts_by_name = fonts_by_name(assets);
    for asset in assets {
        match &asset.facts {
            // A fragment is pulled into a page, never opened as one (see `pages`).
            Facts::Document(html) if crate::pages::is_page(&asset.path, html) => {
                let page = &asset.path;
                // A `<base href>` under the served path is the folder's root (see `pages`).
                // A templated `<base href="{{ base_url }}">` is filled by the server; until then
                // references resolve as if there were none.
                let base_href = html
                    .base_href
                    .as_deref()
                    .filter(|href| !is_template(href))
                    .map(|href| strip_base(href, base_path));
                let load = loads.iter().find(|l| l.page == *page);
                let mount = load.and_then(|l| l.mount.as_deref());
                let locate = |text: &str| {
                    let resolved = resolve_in_document(
                        page,
                        base_href.as_deref(),
                        &strip_base(text, base_path),
                    );
                    match (folder.behind_prefix(text, &resolved), resolved, mount) {
                        (Some(path), _, _) => Resolved::Local(path),
                        // Under the folder's path on the server (see `pages::mount_of`).
                        (None, Resolved::Local(path), Some(mount)) => {
                            Resolved::Local(crate::pages::under_mount(path, mount, |p| {
                                folder.serves(p)
                            }))
                        }
                        (None, resolved, _) => resolved,
                    }
                };
                let mut references = page_references(html);
                references.sort_by_key(|(_, location, _)| location.offset);
                for (text, location, holder) in references {
                    // A template that shows a literal default names that file.
                    let target = match template_default(&text) {
                        Some(literal) => folder.target(literal, locate(literal)),
                        None => folder.target(&text, locate(&text)),
                    };
                    site.references.push(Reference {
                        from: page.clone(),
                        text,
                        location,
                        holder,
                        target,
                    });
                }
                let images = html
                    .images
                    .iter()
                    .map(|tag| image_use(tag, html, &locate))
                    .collect();
                let image_requests = image_requests(html, load, &by_path, &locate, base_path);
                let icons = html
                    .icons
                    .iter()
                    .map(|link| IconUse {
                        link,
                        target: match link.href.as_deref() {
                            None => Target::Elsewhere,
                            Some(text) => match template_default(text) {
                                Some(literal) => folder.target(literal, locate(literal)),
                                None => folder.target(text, locate(text)),
                            },
                        },
                    })
                    .collect();
                site.pages.push(Page {
                    asset,
                    html,
                    load,
                    images,
                    image_requests,
                    icons,
                });
                // A face's sources resolve against the page, as its other references do.
                let target = |url: &str| folder.target(url, locate(url));
                for style in &html.inline_styles {
                    for face in &style.css.font_faces {
                        page_font_faces.push(FontFaceUse {
                            path: page,
                            face,
                            in_page: true,
                            in_script: false,
                            font: face_font(face, &by_path, target),
                            download: download(face, target),
                        });
                    }
                }
            }
            Facts::Stylesheet(style) => {
                let mut references = Vec::new();
                css_references(&style.css, &mut references);
                for (text, location, holder) in references {
                    let target =
                        folder.target(&text, resolve(&asset.path, &strip_base(&text, base_path)));
                    site.references.push(Reference {
                        from: asset.path.clone(),
                        text,
                        location,
                        holder,
                        target,
                    });
                }
                let target = |url: &str| {
                    folder.target(url, resolve(&asset.path, &strip_base(url, base_path)))
                };
                site.font_faces
                    .extend(style.css.font_faces.iter().map(|face| FontFaceUse {
                        path: &asset.path,
                        face,
                        in_page: false,
                        in_script: false,
                        font: face_font(face, &by_path, target),
                        download: download(face, target),
                    }));
            }
            Facts::Script(script) => {
                let target = |url: &str| script_font_target(url, &fonts_by_name);
                site.font_faces
                    .extend(script.font_faces.iter().map(|face| FontFaceUse {
                        path: &asset.path,
                        face,
                        in_page: false,
                        in_script: true,
                        font: face_font(face, &by_path, target),
                        download: download(face, target),
                    }));
            }
            _ => {}
        }
    }
    site.font_faces.extend(page_font_faces);
    // Only a site can leave an image unused: a folder of images alone (an image library, a
    // `public/images` audited by itself) has nothing that could name them, and every image
    // in it is judged.
    if !site.pages.is_empty() {
        site.unreferenced_images = unreferenced_images(assets, &site.references);
        site.install_images = install_images(assets, &site.unreferenced_images);
    }
    site.own_roots = own_roots(&site.references, &site.pages, &folder);
    site.assets_by_path = by_path;
    site
}

/// The character map of `face`'s font: that of the first `url()` source that `target` finds in
/// the folder as a font file whose map was read.
fn face_font<'a>(
    face: &FontFace,
    by_path: &foldhash::HashMap<&str, &'a Asset>,
    target: impl Fn(&str) -> Target,
) -> Option<&'a FontFacts> {
    face.sources
        .iter()
        .filter_map(|source| source.url.as_deref())
        .find_map(|url| match target(url) {
            Target::Present(path) => match &served(by_path, &path)?.facts {
                Facts::Font(font) if font.problem.is_none() => Some(&**font),
                _ => None,
            },
            _ => None,
        })
}

/// What `target` finds for the source of `face` a browser fetches.
fn download(face: &FontFace, target: impl Fn(&str) -> Target) -> Option<Target> {
    face.fetched_source()
        .and_then(|source| source.url.as_deref())
        .map(target)
}

/// The folder's font files by file name, lowercased; `None` for a name two of them share.
fn fonts_by_name(assets: &[Asset]) -> foldhash::HashMap<String, Option<&str>> {
    let mut by_name = foldhash::HashMap::default();
    for asset in assets {
        if matches!(asset.facts, Facts::Font(_)) {
            let name = asset.path.rsplit('/').next().unwrap_or_default();
            by_name
                .entry(name.to_ascii_lowercase())
                .and_modify(|path| *path = None)
                .or_insert(Some(asset.path.as_str()));
        }
    }
    by_name
}

/// The font file a CSS-in-JS `url()` names. The script runs in pages the model may not know,
/// and its URLs are often built from a base in a template hole (`${base}fonts/x.woff2`), so the
/// file is found by its name, when exactly one font file of the folder has it (built font names
/// carry a content hash or a family and weight).
fn script_font_target(
    url: &str,
    fonts_by_name: &foldhash::HashMap<String, Option<&str>>,
) -> Target {
    let path = url.split(['?', '#']).next().unwrap_or_default();
    let name = path.rsplit('/').next().unwrap_or_default();
    if name.is_empty() || name.contains(crate::model::facts::css::TEMPLATE_HOLE) {
        return Target::Elsewhere;
    }
    match fonts_by_name.get(&name.to_ascii_lowercase()) {
        Some(Some(path)) => Target::Present(path.to_string()),
        _ => Target::Elsewhere,
    }
}

/// At least this many of a page's missing references must name files of its folder for the
/// page to read as served from there: one file that happens to exist there is not enough.
const OWN_ROOT_SUPPORT: usize = 2;

/// The pages in a subfolder `F/` whose missing references (at least [`OWN_ROOT_SUPPORT`] of
/// them, and all of them) name files once read under `F/`: the page is served from `F/` as
/// a site root (an app of its own, audited from a folder above it), and its references are
/// missing only because of where the audit started.
fn own_roots(references: &[Reference], pages: &[Page], folder: &Folder) -> Vec<OwnRoot> {
    let pages: HashSet<&str> = pages.iter().map(Page::path).collect();
    // By page, in the order of the references: (page, its folder, under it, not under it).
    let mut counts: Vec<(&str, String, usize, usize)> = Vec::new();
    let mut index_of: foldhash::HashMap<&str, usize> = foldhash::HashMap::default();
    for reference in references {
        let Target::Missing(target) = &reference.target else {
            continue;
        };
        if !pages.contains(reference.from.as_str()) {
            continue;
        }
        let Some((page_folder, _)) = reference.from.rsplit_once('/') else {
            continue;
        };
        let index = *index_of.entry(&reference.from).or_insert_with(|| {
            counts.push((&reference.from, format!("{page_folder}/"), 0, 0));
            counts.len() - 1
        });
        let entry = &mut counts[index];
        if folder.serves(&format!("{}{target}", entry.1)) {
            entry.2 += 1;
        } else {
            entry.3 += 1;
        }
    }
    counts
        .into_iter()
        .filter(|(_, _, under, other)| *under >= OWN_ROOT_SUPPORT && *other == 0)
        .map(|(page, folder, references, _)| OwnRoot {
            page: page.to_string(),
            folder,
            references,
        })
        .collect()
}

/// Every image a page may request (see [`Page::image_requests`]).
fn image_requests(
    html: &HtmlFacts,
    load: Option<&PageLoad>,
    by_path: &foldhash::HashMap<&str, &Asset>,
    locate: &impl Fn(&str) -> Resolved,
    base_path: Option<&str>,
) -> Vec<ImageRequest> {
    let mut requests = Vec::new();
    let mut add = |text: &str, holder: ImageHolder, location: Location| {
        if let Resolved::Local(target) = locate(text) {
            requests.push(ImageRequest {
                holder,
                target,
                location,
                stylesheet: None,
            });
        }
    };
    let candidates = |value: Option<&str>| value.map(parse_srcset).unwrap_or_default();
    for image in html.images.iter().filter(|i| i.in_body) {
        if !image.is_data_uri
            && let Some(src) = image.src.as_deref()
        {
            add(src, ImageHolder::ImgSrc, image.location);
        }
        for candidate in candidates(image.srcset.as_deref()) {
            add(&candidate.url, ImageHolder::ImgSrcset, image.location);
        }
    }
    for picture in &html.pictures {
        for source in &picture.sources {
            for candidate in candidates(source.srcset.as_deref()) {
                add(&candidate.url, ImageHolder::PictureSource, source.location);
            }
        }
    }
    for preload in html
        .preloads
        .iter()
        .filter(|p| p.rel == "preload" && p.as_.as_deref() == Some("image"))
    {
        if let Some(href) = preload.href.as_deref() {
            add(href, ImageHolder::Preload, preload.location);
        }
        for candidate in candidates(preload.imagesrcset.as_deref()) {
            add(&candidate.url, ImageHolder::Preload, preload.location);
        }
    }
    let embedded = html
        .inline_styles
        .iter()
        .map(|s| &s.css)
        .chain(html.style_attributes.iter().map(|a| &a.css));
    for css in embedded {
        for url in css
            .urls
            .iter()
            .filter(|u| is_background(u.property.as_deref()))
        {
            add(&url.url, ImageHolder::PageCss, url.location);
        }
    }
    for stylesheet in load
        .map(|l| l.initial_stylesheets.files.as_slice())
        .unwrap_or_default()
    {
        let Some(Facts::Stylesheet(style)) = by_path.get(stylesheet.as_str()).map(|a| &a.facts)
        else {
            continue;
        };
        for url in style
            .css
            .urls
            .iter()
            .filter(|u| is_background(u.property.as_deref()))
        {
            if let Resolved::Local(target) = resolve(stylesheet, &strip_base(&url.url, base_path)) {
                requests.push(ImageRequest {
                    holder: ImageHolder::Stylesheet,
                    target,
                    location: url.location,
                    stylesheet: Some(stylesheet.clone()),
                });
            }
        }
    }
    requests
}

fn is_background(property: Option<&str>) -> bool {
    matches!(property, Some("background" | "background-image"))
}

/// An `<img>`'s files and sizing.
fn image_use<'a>(
    tag: &'a ImageTag,
    html: &'a HtmlFacts,
    locate: &impl Fn(&str) -> Resolved,
) -> ImageUse<'a> {
    let local = |reference: &str| match locate(reference) {
        Resolved::Local(path) => Some(path),
        _ => None,
    };
    let mut targets = Vec::new();
    if !tag.is_data_uri
        && let Some(path) = tag.src.as_deref().and_then(local)
    {
        targets.push((path, Via::Src));
    }
    for candidate in tag.srcset.as_deref().map(parse_srcset).unwrap_or_default() {
        if let Some(path) = local(&candidate.url) {
            targets.push((path, Via::Srcset(candidate.descriptor)));
        }
    }
    let classes: Vec<&str> = tag
        .class
        .as_deref()
        .map(|c| c.split_ascii_whitespace().collect())
        .unwrap_or_default();
    let rules = html
        .inline_styles
        .iter()
        // A print style sheet does not lay out the screen.
        .filter(|style| {
            !style
                .media
                .as_deref()
                .is_some_and(|m| m.trim().eq_ignore_ascii_case("print"))
        })
        .flat_map(|style| style.css.sizing.iter())
        .filter(|rule| {
            !rule.selectors.is_empty()
                && selectors::may_select_img(&rule.selectors, tag.id.as_deref(), &classes)
        })
        .collect();
    ImageUse {
        tag,
        targets,
        sizing: Sizing {
            width_attribute: tag.width_px.is_some(),
            height_attribute: tag.height_px.is_some(),
            style: tag.style_sizing.as_ref(),
            rules,
        },
    }
}

/// Every reference a page makes that loads something: `(text, location, holder)`.
fn page_references(html: &HtmlFacts) -> Vec<(String, Location, String)> {
    let mut found = Vec::new();
    let mut push = |text: Option<&str>, location: Location, holder: &str| {
        if let Some(text) = text {
            found.push((text.to_string(), location, holder.to_string()));
        }
    };
    for script in &html.scripts {
        if matches!(script.kind, ScriptKind::Classic | ScriptKind::Module) {
            push(script.src.as_deref(), script.location, "<script src>");
            // Bare specifiers (`react`) are resolved by an import map, not from the folder.
            for import in script.inline_imports.iter().filter(|i| {
                !i.type_only
                    && (i.specifier.starts_with("./")
                        || i.specifier.starts_with("../")
                        || i.specifier.starts_with('/'))
            }) {
                let location = Location {
                    line: import.line,
                    column: import.column,
                    offset: script.inline_range.start,
                };
                push(
                    Some(&import.specifier),
                    location,
                    "import in inline <script>",
                );
            }
        }
    }
    for link in &html.stylesheets {
        push(
            link.href.as_deref(),
            link.location,
            "<link rel=stylesheet href>",
        );
    }
    for preload in &html.preloads {
        let holder = format!("<link rel={} href>", preload.rel);
        push(preload.href.as_deref(), preload.location, &holder);
    }
    for image in &html.images {
        push(image.src.as_deref(), image.location, "<img src>");
    }
    // Browsers request a page's tab icon on every visit. An `apple-touch-icon` or
    // `mask-icon` is requested only when the page is saved to a home screen or pinned.
    for icon in html.icons.iter().filter(|icon| icon.rel == IconRel::Icon) {
        push(icon.href.as_deref(), icon.location, TAB_ICON_HOLDER);
    }
    for iframe in &html.iframes {
        push(iframe.src.as_deref(), iframe.location, "<iframe src>");
    }
    for video in &html.videos {
        push(video.src.as_deref(), video.location, "<video src>");
        push(video.poster.as_deref(), video.location, "<video poster>");
        for source in &video.sources {
            push(source.src.as_deref(), source.location, "<source src>");
        }
    }
    let mut srcset = |value: Option<&str>, location: Location, holder: &str| {
        for candidate in value.map(parse_srcset).unwrap_or_default() {
            found.push((candidate.url, location, holder.to_string()));
        }
    };
    for preload in &html.preloads {
        srcset(
            preload.imagesrcset.as_deref(),
            preload.location,
            "<link imagesrcset>",
        );
    }
    for image in &html.images {
        srcset(image.srcset.as_deref(), image.location, "<img srcset>");
    }
    for picture in &html.pictures {
        for source in &picture.sources {
            srcset(source.srcset.as_deref(), source.location, "<source srcset>");
        }
    }
    for style in &html.inline_styles {
        css_references(&style.css, &mut found);
    }
    for attribute in &html.style_attributes {
        css_references(&attribute.css, &mut found);
    }
    found
}

fn css_references(css: &CssFacts, found: &mut Vec<(String, Location, String)>) {
    for import in &css.imports {
        found.push((import.url.clone(), import.location, "@import".to_string()));
    }
    for url in &css.urls {
        found.push((url.url.clone(), url.location, "url()".to_string()));
    }
}

/// The files of the folder, for presence checks.
struct Folder<'a> {
    files: HashSet<&'a str>,
    /// Paths the scan left out (files, and folders whose content counts as present).
    skipped: HashSet<&'a str>,
    /// Names a server answers with a language variant (see [`language_variant_names`]).
    negotiable: HashSet<String>,
    /// Every folder that holds a file of the audit (`a`, `a/b` for `a/b/c.js`).
    folders: HashSet<&'a str>,
}

/// The images no reference resolves to and no script or HTML file names (see
/// [`Site::unreferenced_images`]).
fn unreferenced_images<'a>(assets: &'a [Asset], references: &[Reference]) -> BTreeSet<&'a str> {
    let referenced: HashSet<&str> = references
        .iter()
        .filter_map(|reference| match &reference.target {
            Target::Present(path) => Some(path.as_str()),
            _ => None,
        })
        .collect();
    let mentioned = crate::model::mention::MentionIndex::new(
        assets.iter().flat_map(|asset| {
            let names = match &asset.facts {
                Facts::Script(script) => script.image_names.as_slice(),
                Facts::Document(html) => html.image_names.as_slice(),
                _ => &[],
            };
            names
                .iter()
                .map(|name| (asset.path.as_str(), name.as_str()))
        }),
        assets
            .iter()
            .filter(|asset| matches!(asset.facts, Facts::Image(_) | Facts::Svg(_)))
            .map(|asset| asset.path.as_str()),
    );
    assets
        .iter()
        // An SVG only under a content-hashed name: a bundler emitted it for an import, so a
        // page's code would carry that name (an SVG inlined as a component leaves its file
        // behind, named by nothing). A plain name (`logos/ai21.svg`) may be put together at
        // run time from data or a server's answer.
        .filter(|asset| match asset.facts {
            Facts::Image(_) => true,
            Facts::Svg(_) => crate::kind::is_hashed(&asset.path),
            _ => false,
        })
        .map(|asset| asset.path.as_str())
        .filter(|path| !referenced.contains(path))
        .filter(|path| !mentioned.names(path))
        .collect()
}

/// Those of `unreferenced` whose file name a web app manifest of the folder names (see
/// [`Site::install_images`]). By name, as scripts' mentions are matched.
fn install_images<'a>(assets: &[Asset], unreferenced: &BTreeSet<&'a str>) -> BTreeSet<&'a str> {
    let named: HashSet<&str> = assets
        .iter()
        .flat_map(|asset| match &asset.facts {
            Facts::WebManifest(manifest) => manifest.image_names.as_slice(),
            _ => &[],
        })
        .map(String::as_str)
        .collect();
    unreferenced
        .iter()
        .copied()
        .filter(|path| {
            let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
            named.contains(name.as_str())
        })
        .collect()
}

/// The names that at least two language variants of the folder stand for: `po.de.js` and
/// `po.fr.js.gz` make `po.js` (a server picks the visitor's language). A variant's middle
/// segment is a language tag (`de`, `pt_BR`, `zh-TW`), which a content hash never is.
fn language_variant_names<'a>(paths: impl Iterator<Item = &'a str>) -> HashSet<String> {
    let mut variants: foldhash::HashMap<String, usize> = foldhash::HashMap::default();
    for path in paths {
        let path = path
            .strip_suffix(".gz")
            .or_else(|| path.strip_suffix(".br"))
            .unwrap_or(path);
        let (folder, name) = path.rsplit_once('/').unwrap_or(("", path));
        let mut parts = name.rsplitn(3, '.');
        let (Some(extension), Some(tag), Some(stem)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        if stem.is_empty() || extension.is_empty() || !is_language_tag(tag) {
            continue;
        }
        let standing_for = if folder.is_empty() {
            format!("{stem}.{extension}")
        } else {
            format!("{folder}/{stem}.{extension}")
        };
        *variants.entry(standing_for).or_default() += 1;
    }
    variants
        .into_iter()
        .filter(|(_, count)| *count >= 2)
        .map(|(name, _)| name)
        .collect()
}

/// A BCP 47-like language tag as file names carry them: `de`, `fil`, `pt_BR`, `zh-TW`.
fn is_language_tag(tag: &str) -> bool {
    let (language, region) = match tag.split_once(['_', '-']) {
        Some((language, region)) => (language, Some(region)),
        None => (tag, None),
    };
    (2..=3).contains(&language.len())
        && language.chars().all(|c| c.is_ascii_lowercase())
        && region.is_none_or(|region| {
            (region.len() == 2 && region.chars().all(|c| c.is_ascii_uppercase()))
                || (region.len() == 4
                    && region.starts_with(|c: char| c.is_ascii_uppercase())
                    && region[1..].chars().all(|c| c.is_ascii_lowercase()))
        })
}

impl Folder<'_> {
    fn target(&self, text: &str, resolved: Resolved) -> Target {
        if let Some(path) = self.behind_prefix(text, &resolved) {
            return Target::Present(path);
        }
        if is_template(text) {
            return Target::Template;
        }
        match resolved {
            Resolved::Local(path) if self.serves(&path) => Target::Present(path),
            Resolved::Local(path) if has_placeholder_segment(&path) => Target::Template,
            Resolved::Local(path)
                if self.negotiable.contains(&path)
                    || path.split('/').any(|s| s == "*")
                    || self.is_route(&path) =>
            {
                Target::Dynamic
            }
            Resolved::Local(path) => Target::Missing(path),
            _ => Target::Elsewhere,
        }
    }

    /// The file of the folder a reference names behind a prefix its server fills in
    /// (`{{ base_url }}static/a.js`, `/BASE_PLACEHOLDER/assets/a.js`; see
    /// `behind_server_prefix`), when the folder serves that path and not the reference as
    /// written.
    fn behind_prefix(&self, text: &str, resolved: &Resolved) -> Option<String> {
        if let Resolved::Local(path) = resolved
            && !is_template(text)
            && self.serves(path)
        {
            return None;
        }
        behind_server_prefix(text, resolved).filter(|path| self.serves(path))
    }

    /// A path with no file extension that names neither a file nor a folder of the audit
    /// (`get_image`, `api/avatar`): a route the server answers. A folder's own path (`docs`,
    /// `docs/`) is not a route: it is served by its `index.html` or fails.
    fn is_route(&self, path: &str) -> bool {
        let name = path.rsplit('/').next().unwrap_or_default();
        !name.is_empty() && !name.contains('.') && !self.folders.contains(path)
    }

    /// A file of the audit, or one left out of it: itself or one of its folders skipped. Set
    /// lookups, one per folder of `path`: a scan over every skipped path for every reference
    /// made 1,000 pages of 300 references in a site with 1,000 links quadratic.
    fn has(&self, path: &str) -> bool {
        self.files.contains(path) || path_and_folders(path).any(|p| self.skipped.contains(p))
    }

    /// Whether a request for `path` finds a file: the file itself, or the `index.html` of a
    /// folder.
    fn serves(&self, path: &str) -> bool {
        if path.is_empty() || path.ends_with('/') {
            return self.has(&format!("{path}index.html"));
        }
        // A precompressed copy answers for a file shipped only that way (`app.js.gz`).
        self.has(path)
            || self.has(&format!("{path}/index.html"))
            || self.has(&format!("{path}.br"))
            || self.has(&format!("{path}.gz"))
    }
}

/// `a/b/c.js`, `a/b`, `a`: the path, then each folder it is in, innermost first.
/// Every folder that holds one of `paths`. A folder already present has its own folders
/// present too, so each path adds folders only up to the first one seen: most files of a build
/// share their folder with the file before them.
fn folders_of<'a>(paths: impl Iterator<Item = &'a str>) -> HashSet<&'a str> {
    let mut folders = HashSet::default();
    for path in paths {
        for folder in path_and_folders(path).skip(1) {
            if !folders.insert(folder) {
                break;
            }
        }
    }
    folders
}

fn path_and_folders(path: &str) -> impl Iterator<Item = &str> {
    std::iter::successors(Some(path), |p| p.rfind('/').map(|slash| &p[..slash]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_is_present_when_it_or_a_folder_of_it_was_skipped() {
        assert_eq!(
            path_and_folders("a/b/c.js").collect::<Vec<_>>(),
            ["a/b/c.js", "a/b", "a"]
        );
        assert_eq!(path_and_folders("c.js").collect::<Vec<_>>(), ["c.js"]);
        let folders = folders_of(
            [
                "a/b/c.js",
                "a/b/d.js",
                "a/e.js",
                "x/y/z/f.js",
                "x/g.js",
                "h.js",
            ]
            .into_iter(),
        );
        let mut folders: Vec<&str> = folders.into_iter().collect();
        folders.sort_unstable();
        assert_eq!(folders, ["a", "a/b", "x", "x/y", "x/y/z"]);
        let folder = Folder {
            files: HashSet::from_iter(["app.js"]),
            skipped: HashSet::from_iter(["vendor", "img/link.png"]),
            negotiable: HashSet::default(),
            folders: HashSet::default(),
        };
        for present in ["app.js", "vendor", "vendor/x/y.js", "img/link.png"] {
            assert!(folder.has(present), "{present}");
        }
        for absent in [
            "vendors/x.js",
            "img/link.png.webp",
            "img",
            "ven",
            "x/vendor/y.js",
        ] {
            assert!(!folder.has(absent), "{absent}");
        }
        assert!(folder.serves("vendor/"));
    }

    #[test]
    fn every_image_a_page_may_request_is_in_the_model() {
        let folder = crate::rules::tester::Folder::new()
            .file(
                "index.html",
                concat!(
                    "<link rel=preload as=image href=hero.avif imagesrcset=\"hero-2x.avif 2x\">",
                    "<link rel=stylesheet href=site.css>",
                    "<meta property=og:image content=card.png>",
                    "<style>.a{background-image:url(bg.webp)}.b{mask:url(m.svg)}</style>",
                    "<picture><source srcset=\"p.avif 1x, p2.avif 2x\" type=image/avif>",
                    "<img src=p.jpg srcset=\"p-2x.jpg 2x\"></picture>",
                    "<div style=\"background:url(tile.png)\"></div>",
                    "<template><img src=inert.png></template>",
                ),
            )
            .file(
                "site.css",
                ".c{background:url(img/c.png)}@font-face{src:url(f.woff2)}",
            );
        folder.prepared(|prepared, _| {
            let site = build(
                &prepared.assets,
                &prepared.skipped,
                &prepared.config,
                &prepared.pages,
            );
            let page = &site.pages[0];
            assert_eq!(page.load.map(|l| l.page.as_str()), Some("index.html"));
            let requests: Vec<(ImageHolder, &str)> = page
                .image_requests
                .iter()
                .map(|r| (r.holder, r.target.as_str()))
                .collect();
            assert_eq!(
                requests,
                [
                    (ImageHolder::ImgSrc, "p.jpg"),
                    (ImageHolder::ImgSrcset, "p-2x.jpg"),
                    (ImageHolder::PictureSource, "p.avif"),
                    (ImageHolder::PictureSource, "p2.avif"),
                    (ImageHolder::Preload, "hero.avif"),
                    (ImageHolder::Preload, "hero-2x.avif"),
                    (ImageHolder::PageCss, "bg.webp"),
                    (ImageHolder::PageCss, "tile.png"),
                    (ImageHolder::Stylesheet, "img/c.png"),
                ]
            );
        });
    }
}
