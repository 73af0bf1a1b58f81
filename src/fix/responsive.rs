//! `webaudit optimize --responsive`: which images get width variants, and the displays each
//! variant plan is made from.
//!
//! The folder's pages are laid out as the audit lays them out (`layout::lay_out_scanned`, image
//! sizes from the files), and every `<img>` that a `srcset` could be added to — no `srcset`, no
//! `sizes`, not in a `<picture>` — contributes its displays at both viewports to its image's
//! list, across every page: a variant plan (`layout::responsive::plan`) then covers the widths
//! the image is shown at anywhere. An `<img>` that already chooses its own sources is left out:
//! its displays say what the author's candidates cost, not what ours would need.

use foldhash::{HashSet, HashSetExt};
use std::collections::BTreeMap;

use crate::fix::Problem;
use crate::layout::responsive::{Display, page_displays};
use crate::layout::{ElementKind, LayoutStatus, PageJob, PageLayout};
use crate::scan::ScannedFile;

/// The width variants `optimize --responsive` wrote (or, in a dry run, would write) or found
/// identical for one image: the widths it is shown at on every page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponsiveImage {
    /// The source image's path in the folder (`/`-separated).
    pub path: String,
    /// The source's width and height as displayed (pixels, after any EXIF turn): its `w`
    /// descriptor.
    pub width: u32,
    pub height: u32,
    /// Narrowest first.
    pub variants: Vec<Variant>,
}

/// One width variant of an image: `img/photo-640w.jpg`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variant {
    /// Its path in the folder.
    pub path: String,
    pub width: u32,
    pub height: u32,
}

/// Per image (path in the folder) of `wanted`, every display of it by an `<img>` that can be
/// given a `srcset`, on every page of `pages`; and a warning for each page that could not be
/// laid out or read (its images are planned from the other pages only). `image_size`: a
/// file's pixel size as displayed, by its path in the folder.
pub fn displays_by_image(
    folder: &[ScannedFile],
    pages: &[&ScannedFile],
    wanted: &HashSet<String>,
    image_size: impl Fn(&str) -> Option<(u32, u32)>,
    threads: usize,
) -> (BTreeMap<String, Vec<Display>>, Vec<Problem>) {
    let layouts = crate::layout::lay_out_scanned(
        folder.iter(),
        pages
            .iter()
            .map(|page| PageJob {
                path: page.relative_path.clone(),
                file: page.path.clone(),
            })
            .collect(),
        image_size,
        None,
        threads,
    );
    let mut by_image: BTreeMap<String, Vec<Display>> = BTreeMap::new();
    let mut warnings = Vec::new();
    for page in pages {
        let warn = |message: String| Problem {
            path: page.relative_path.clone(),
            message,
        };
        let Some(layout) = layouts.page(&page.relative_path) else {
            continue;
        };
        if layout.status != LayoutStatus::LaidOut {
            warnings.push(warn(format!(
                "{}: its images get no width variants from it",
                layout.note.as_deref().unwrap_or("not laid out")
            )));
            continue;
        }
        let html = match super::compress::read_limited(&page.path, crate::layout::MAX_PAGE_BYTES) {
            Ok(html) => html,
            Err(error) => {
                warnings.push(warn(format!(
                    "cannot be read ({error}): its images get no width variants from it"
                )));
                continue;
            }
        };
        let facts = crate::analyze::html::parse(&html);
        let eligible = srcset_candidates(&facts);
        for (image, shown) in page_displays(layout) {
            if !wanted.contains(image) {
                continue;
            }
            let kept = shown
                .into_iter()
                .filter(|display| displayed_by_eligible(layout, display, &eligible));
            by_image.entry(image.to_owned()).or_default().extend(kept);
        }
    }
    by_image.retain(|_, shown| !shown.is_empty());
    (by_image, warnings)
}

/// The `<img>` of a page a `srcset` can be added to, as (`src` as written, rank among the
/// page's `<img>` with that `src`): how the layout's boxes are matched to the page's tags
/// (`layout::fold`).
fn srcset_candidates(facts: &crate::model::facts::html::HtmlFacts) -> HashSet<(String, usize)> {
    let mut rank_of: foldhash::HashMap<&str, usize> = Default::default();
    let mut eligible = HashSet::new();
    for image in &facts.images {
        let Some(src) = image.src.as_deref() else {
            continue;
        };
        let rank = rank_of.entry(src).or_default();
        if image.in_body
            && !image.is_data_uri
            && image.srcset.is_none()
            && image.sizes.is_none()
            && image.in_picture.is_none()
        {
            eligible.insert((src.to_owned(), *rank));
        }
        *rank += 1;
    }
    eligible
}

/// Whether `display`'s box is an `<img>` of `eligible`.
fn displayed_by_eligible(
    layout: &PageLayout,
    display: &Display,
    eligible: &HashSet<(String, usize)>,
) -> bool {
    let Some(viewport) = layout.viewport(display.viewport) else {
        return false;
    };
    let Some(shown) = viewport.elements.get(display.element) else {
        return false;
    };
    let Some(src) = shown.src.as_deref() else {
        return false;
    };
    if shown.kind != ElementKind::Img {
        return false;
    }
    let rank = viewport.elements[..display.element]
        .iter()
        .filter(|e| e.kind == ElementKind::Img && e.src.as_deref() == Some(src))
        .count();
    eligible.contains(&(src.to_owned(), rank))
}
