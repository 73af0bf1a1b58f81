//! The static guess of which images and iframes of a page are below the fold, shared by
//! `images/lazy-loading`, `images/lcp-lazy` and the HTML rewriter (`webaudit optimize
//! --rewrite-html`), so the audit and the fixer always agree.
//!
//! Without a browser there is no layout, so the guess is positional: the first
//! `above_the_fold` images and iframes of `<body>`, in document order, are treated as
//! possibly visible when the page opens; everything after them as probably below the fold.
//! Two kinds of element do not use up one of those places:
//!
//! * icons — `<img>` declaring both `width` and `height` of at most [`ICON_MAX_PX`] pixels
//!   (logos, avatars, social icons): they take a sliver of the viewport, and a page header
//!   full of them must not push the hero image "below the fold". Icons are never guessed
//!   below the fold either: most sit in headers and navigation, and lazy-loading a few
//!   hundred bytes saves nothing worth the risk;
//! * `data:` images — nothing is fetched, so there is nothing to lazy-load (they are often
//!   placeholders whose real image a script swaps in).
//!
//! `<img>` inside `<template>` (inert) is ignored. Iframes count like images.
//!
//! The default, [`DEFAULT_ABOVE_THE_FOLD`] = 3, is WordPress's: since WordPress 6.3 its
//! `wp_omit_loading_attr_threshold` leaves the first 3 content images and iframes without
//! `loading="lazy"` (it was 1 before). Erring on the side of "visible" is deliberate: an image
//! loaded eagerly that could have waited costs little, while lazy-loading an image that is
//! visible delays the page's main paint.

use super::html::HtmlFacts;

pub use crate::config::model::DEFAULT_ABOVE_THE_FOLD;

/// Images declaring both dimensions at most this size are icons (they do not use a place).
pub const ICON_MAX_PX: u32 = 64;

/// An element of [`HtmlFacts`]: an index into `images` or `iframes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Element {
    Image(usize),
    Iframe(usize),
}

/// Where one element stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FoldGuess {
    pub element: Element,
    /// 0-based place among the elements that count (`None` for icons).
    pub position: Option<usize>,
    /// Probably below the fold: `above_the_fold` counting elements come before it (never for
    /// icons).
    pub below: bool,
}

/// The guess for every `<img>` (in `<body>`, not `data:`) and `<iframe>` of a page, in
/// document order.
pub fn fold_guesses(html: &HtmlFacts, above_the_fold: usize) -> Vec<FoldGuess> {
    let body_start = html.body.map_or(0, |b| b.offset);
    let mut elements: Vec<(usize, Element, bool)> = Vec::new();
    for (index, image) in html.images.iter().enumerate() {
        if !image.in_body || image.is_data_uri {
            continue;
        }
        let icon = matches!((image.width_px, image.height_px), (Some(w), Some(h)) if w <= ICON_MAX_PX && h <= ICON_MAX_PX);
        elements.push((image.location.offset, Element::Image(index), !icon));
    }
    for (index, iframe) in html.iframes.iter().enumerate() {
        if iframe.location.offset >= body_start {
            elements.push((iframe.location.offset, Element::Iframe(index), true));
        }
    }
    elements.sort_by_key(|(offset, _, _)| *offset);
    let mut counted = 0usize;
    elements
        .into_iter()
        .map(|(_, element, counts)| {
            let guess = FoldGuess {
                element,
                position: counts.then_some(counted),
                below: counts && counted >= above_the_fold,
            };
            if counts {
                counted += 1;
            }
            guess
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hero_and_icons_stay_above_and_the_gallery_goes_below() {
        let html = super::super::html::parse(
            br#"<html><body>
<img src="logo.png" width="48" height="48">
<img src="hero.jpg">
<img src="a.jpg"><img src="data:image/gif;base64,R0lGOD"><img src="b.jpg">
<iframe src="map.html"></iframe>
<img src="icon.png" width="24" height="24">
<template><img src="inert.jpg"></template>
</body></html>"#,
        );
        let guesses = fold_guesses(&html, 2);
        let summary: Vec<(Element, Option<usize>, bool)> = guesses
            .iter()
            .map(|g| (g.element, g.position, g.below))
            .collect();
        assert_eq!(
            summary,
            vec![
                (Element::Image(0), None, false),    // logo: icon
                (Element::Image(1), Some(0), false), // hero
                (Element::Image(2), Some(1), false), // a
                (Element::Image(4), Some(2), true),  // b (the data: image is skipped)
                (Element::Iframe(0), Some(3), true),
                (Element::Image(5), None, false), // icons are never below
            ]
        );
        assert!(
            fold_guesses(&html, 0)
                .iter()
                .all(|g| g.below == g.position.is_some())
        );
    }
}
