use super::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::analyze::Facts;
use crate::analyze::fold::{Element, fold_guesses};
use crate::model::finding::Violation;

declare_rule! {
    /// ## What it does
    /// Reports `<img>` and `<iframe>` elements that are probably below the fold (not visible
    /// when the page opens) and load anyway: no `loading="lazy"`.
    ///
    /// Without a browser there is no layout, so "below the fold" is a documented guess from the
    /// element's place in the page (the same guess `webaudit optimize --rewrite-html` uses):
    /// the first `above_the_fold` images and iframes of `<body>`, in document order, are
    /// treated as possibly visible and never reported; every one after them is probably below
    /// the fold. Icons (`<img>` declaring both `width` and `height` of at most 64 px) and
    /// `data:` images do not use up one of those places, and are never reported. The default
    /// of 3 is WordPress's: since WordPress 6.3 (`wp_omit_loading_attr_threshold`, 1 before)
    /// it leaves the first 3 content images and iframes without `loading="lazy"`. Erring on
    /// the side of "visible" is deliberate: loading an image eagerly that could have waited
    /// costs little, lazy-loading a visible one delays the page's main paint.
    ///
    /// Deliberate choices are respected: `loading="eager"` and `fetchpriority="high"` are
    /// never reported. Images in `<template>` are ignored (inert).
    ///
    /// ## Why is this bad?
    /// The browser fetches every image and iframe of the page at once, competing with what the
    /// visitor actually sees first (the hero image, fonts, scripts) and spending data on images
    /// the visitor may never scroll to. `loading="lazy"` defers them until they come near the
    /// viewport; every current browser supports it.
    ///
    /// ## How to fix it
    /// ```html
    /// <img src="gallery-1.jpg" width="320" height="200" loading="lazy" alt="…">
    /// <iframe src="https://www.youtube-nocookie.com/embed/…" loading="lazy"></iframe>
    /// ```
    /// Keep the images at the top of the page eager (no `loading` attribute), and give the
    /// main one `fetchpriority="high"`.
    ///
    /// ## Options
    /// `[images] above_the_fold = 3` in `webaudit.toml`: how many images/iframes at the top of
    /// `<body>` are treated as possibly visible.
    ImagesLazyLoading {
        id: "images/lazy-loading",
        summary: "image or iframe probably below the fold without loading=\"lazy\"",
        severity: Warning,
    }
}

impl Rule for ImagesLazyLoading {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &RuleContext, found: &mut Vec<Violation>) {
        let above = context.config.images.above_the_fold;
        for asset in context.assets {
            let Facts::Document(html) = &asset.facts else {
                continue;
            };
            for guess in fold_guesses(html, above).into_iter().filter(|g| g.below) {
                let (element, src, loading, fetchpriority, location) = match guess.element {
                    Element::Image(index) => {
                        let Some(image) = html.images.get(index) else {
                            continue;
                        };
                        (
                            "img",
                            &image.src,
                            &image.loading,
                            image.fetchpriority.as_deref(),
                            image.location,
                        )
                    }
                    Element::Iframe(index) => {
                        let Some(iframe) = html.iframes.get(index) else {
                            continue;
                        };
                        (
                            "iframe",
                            &iframe.src,
                            &iframe.loading,
                            None,
                            iframe.location,
                        )
                    }
                };
                let deliberate = matches!(loading.as_deref(), Some("lazy" | "eager"))
                    || fetchpriority == Some("high");
                if deliberate {
                    continue;
                }
                let name = src.as_deref().unwrap_or("(no src)");
                let place = guess
                    .position
                    .map_or_else(String::new, |p| format!("image/iframe {} of <body>", p + 1));
                found.push(Violation {
                    path: Some(asset.path.clone()),
                    line: Some(location.line),
                    column: Some(location.column),
                    message: format!(
                        "<{element} src=\"{name}\"> is probably below the fold ({place}; the first {above} are treated as visible) and has no loading=\"lazy\": it loads with the page and competes with what is visible"
                    ),
                    ..Violation::default()
                });
            }
        }
    }
}
