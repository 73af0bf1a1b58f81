use super::image_refs::{image_files, img_uses};
use super::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::analyze::Facts;
use crate::analyze::fold::{Element, fold_guesses};
use crate::model::finding::Violation;

/// Images at least this wide (declared, else intrinsic) can be a page's largest paint.
pub const LCP_MIN_WIDTH: u32 = 300;

declare_rule! {
    /// ## What it does
    /// Reports the page's likely LCP image (its hero) when it has `loading="lazy"`.
    ///
    /// The likely LCP image is the `<img>` with `fetchpriority="high"`, or else the first
    /// large `<img>` among those treated as possibly visible (the first `above_the_fold`
    /// images of `<body>`, the same guess as `images/lazy-loading`). Large means at least
    /// 300 px wide: its `width` attribute, or when it has none, the intrinsic width of the file
    /// its `src` names. 300 px is a phone screen's width minus margins (360–430 CSS px): an
    /// image narrower than that rarely is the largest thing painted on a page.
    ///
    /// ## Why is this bad?
    /// A lazy image is only requested after layout, once the browser knows it is in the
    /// viewport: the hero starts downloading late, and Largest Contentful Paint (a Core Web
    /// Vital) waits for it. Lighthouse reports the same as "Largest Contentful Paint image was
    /// lazily loaded". It typically happens when a plugin or component lazy-loads every image.
    ///
    /// ## How to fix it
    /// Remove `loading="lazy"` from the hero and raise its priority:
    ///
    /// ```html
    /// <img src="hero.jpg" width="1280" height="800" fetchpriority="high" alt="…">
    /// ```
    ///
    /// ## Options
    /// `[images] above_the_fold` (see `images/lazy-loading`).
    ImagesLcpLazy {
        id: "images/lcp-lazy",
        summary: "the likely LCP (hero) image has loading=\"lazy\"",
        severity: Warning,
    }
}

impl Rule for ImagesLcpLazy {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &RuleContext, found: &mut Vec<Violation>) {
        let files = image_files(context);
        let uses = img_uses(context);
        for asset in context.assets {
            let Facts::Document(html) = &asset.facts else {
                continue;
            };
            let intrinsic_width = |index: usize| {
                let image = html.images.get(index)?;
                let file = uses.iter().find(|u| {
                    u.page == asset.path
                        && std::ptr::eq(u.tag, image)
                        && u.via == super::image_refs::Via::Src
                })?;
                files
                    .get(file.target.as_str())?
                    .facts
                    .header
                    .map(|h| h.width)
            };
            let prioritised = html
                .images
                .iter()
                .position(|i| i.in_body && i.fetchpriority.as_deref() == Some("high"));
            let candidate = prioritised.or_else(|| {
                fold_guesses(html, context.config.images.above_the_fold)
                    .into_iter()
                    .filter(|g| !g.below && g.position.is_some())
                    .find_map(|g| match g.element {
                        Element::Image(index) => {
                            let image = html.images.get(index)?;
                            let width = image.width_px.or_else(|| intrinsic_width(index))?;
                            (width >= LCP_MIN_WIDTH).then_some(index)
                        }
                        Element::Iframe(_) => None,
                    })
            });
            let Some(image) = candidate.and_then(|i| html.images.get(i)) else {
                continue;
            };
            if image.loading.as_deref() != Some("lazy") {
                continue;
            }
            let why = if prioritised.is_some() {
                "it has fetchpriority=\"high\""
            } else {
                "the first large image at the top of <body>"
            };
            found.push(Violation {
                path: Some(asset.path.clone()),
                line: Some(image.location.line),
                column: Some(image.location.column),
                message: format!(
                    "<img src=\"{}\"> is the likely LCP image ({why}) but has loading=\"lazy\": it is requested late and delays the page's largest paint; remove loading=\"lazy\"",
                    image.src.as_deref().unwrap_or("(no src)")
                ),
                ..Violation::default()
            });
        }
    }
}
