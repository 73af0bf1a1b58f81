//! Which images and iframes of a page are below the fold: from the page's mobile layout when
//! it was laid out, else the positional guess (`analyze::fold`). One source for
//! `images/lazy-loading`, `images/lcp-lazy`, the impact model and `optimize --rewrite-html`, so
//! they always agree.

use super::{ElementKind, PageLayout, ViewportLayout};
use crate::analyze::fold::{Element, fold_guesses};
use crate::analyze::html::HtmlFacts;

/// Lighthouse's offscreen-images threshold: an element starting more than this far below the
/// first viewport is offscreen (within it, it may be scrolled into view while the page loads).
pub const OFFSCREEN_MARGIN_PX: f64 = 100.0;

/// Where a verdict comes from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Source {
    /// The mobile layout: the element's box.
    Layout {
        /// CSS px from the top of the page.
        y: f64,
        width: f64,
        height: f64,
        in_first_viewport: bool,
        below_fold_px: f64,
    },
    /// The positional guess: the element's place among those that count (`None` for icons).
    Guess { position: Option<usize> },
}

/// One element's verdict.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FoldVerdict {
    pub element: Element,
    /// Below the fold: offscreen when the page opens.
    pub below: bool,
    pub source: Source,
}

/// The verdict for every `<img>` (in `<body>`, not `data:`) and `<iframe>` of a page, in
/// document order: from `layout`'s mobile viewport when the page was laid out, else the
/// positional guess with `above_the_fold` places.
///
/// Laid out, an element is matched to its box by its `src` as written and its rank among the
/// page's elements with that `src`; an element without a box (in `<noscript>`, which a browser
/// with scripting on does not render) or hidden (no box, `display: none`) is not below the
/// fold.
pub fn fold_verdicts(
    html: &HtmlFacts,
    layout: Option<&PageLayout>,
    above_the_fold: usize,
) -> Vec<FoldVerdict> {
    let guesses = fold_guesses(html, above_the_fold);
    let Some(mobile) = layout.and_then(|l| l.viewport(super::MOBILE.name)) else {
        return guesses
            .into_iter()
            .map(|guess| FoldVerdict {
                element: guess.element,
                below: guess.below,
                source: Source::Guess {
                    position: guess.position,
                },
            })
            .collect();
    };
    guesses
        .into_iter()
        .map(|guess| {
            let (kind, src, rank) = match guess.element {
                Element::Image(index) => {
                    let src = html.images.get(index).and_then(|i| i.src.as_deref());
                    let rank = html.images[..index]
                        .iter()
                        .filter(|i| i.src.as_deref() == src)
                        .count();
                    (ElementKind::Img, src, rank)
                }
                Element::Iframe(index) => {
                    let src = html.iframes.get(index).and_then(|i| i.src.as_deref());
                    let rank = html.iframes[..index]
                        .iter()
                        .filter(|i| i.src.as_deref() == src)
                        .count();
                    (ElementKind::Iframe, src, rank)
                }
            };
            let found = element_box(mobile, kind, src, rank);
            let source = found.map_or(
                Source::Layout {
                    y: 0.0,
                    width: 0.0,
                    height: 0.0,
                    in_first_viewport: false,
                    below_fold_px: 0.0,
                },
                |b| Source::Layout {
                    y: b.y,
                    width: b.width,
                    height: b.height,
                    in_first_viewport: b.in_first_viewport,
                    below_fold_px: b.below_fold_px,
                },
            );
            let below = found.is_some_and(|b| {
                b.width > 0.0 && b.height > 0.0 && b.below_fold_px > OFFSCREEN_MARGIN_PX
            });
            FoldVerdict {
                element: guess.element,
                below,
                source,
            }
        })
        .collect()
}

/// The box of the page's `<img>` at `index` in `html.images` (matched as [`fold_verdicts`]
/// matches boxes), when it has one at this viewport.
pub fn image_box<'l>(
    html: &HtmlFacts,
    layout: &'l ViewportLayout,
    index: usize,
) -> Option<&'l super::ElementBox> {
    let src = html.images.get(index)?.src.as_deref();
    let rank = html.images[..index]
        .iter()
        .filter(|i| i.src.as_deref() == src)
        .count();
    element_box(layout, ElementKind::Img, src, rank)
}

/// The `rank`-th box of `kind` whose `src` is `src`.
fn element_box<'l>(
    layout: &'l ViewportLayout,
    kind: ElementKind,
    src: Option<&str>,
    rank: usize,
) -> Option<&'l super::ElementBox> {
    layout
        .elements
        .iter()
        .filter(|e| e.kind == kind && e.src.as_deref() == src)
        .nth(rank)
}

/// The index in `html.images` of the page's LCP image at the viewport named `viewport`, when
/// the page was laid out there and its LCP candidate ([`super::lcp`]) is an `<img>` (matched
/// as [`fold_verdicts`] matches boxes: by `src` as written and rank among equal `src`s).
pub fn lcp_image(html: &HtmlFacts, layout: &PageLayout, viewport: &str) -> Option<usize> {
    let laid_out = layout.viewport(viewport)?;
    let lcp = laid_out.lcp.as_ref()?;
    let chosen = laid_out.elements.iter().find(|e| lcp.is(e))?;
    if chosen.kind != ElementKind::Img {
        return None;
    }
    (0..html.images.len())
        .find(|&index| image_box(html, laid_out, index).is_some_and(|b| std::ptr::eq(b, chosen)))
}

/// The page's LCP candidate at the viewport named `viewport`, when laid out there.
pub fn lcp_candidate<'l>(
    layout: &'l PageLayout,
    viewport: &str,
) -> Option<(&'l super::lcp::LcpCandidate, Option<&'l super::ElementBox>)> {
    let laid_out = layout.viewport(viewport)?;
    let lcp = laid_out.lcp.as_ref()?;
    Some((lcp, laid_out.elements.iter().find(|e| lcp.is(e))))
}
