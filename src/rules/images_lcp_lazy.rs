use super::image_refs::{image_files, img_uses};
use super::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::analyze::Facts;
use crate::analyze::fold::Element;
use crate::layout::fold::{Source, fold_verdicts};
use crate::model::finding::Violation;

/// Images at least this wide (declared, else intrinsic) can be a page's largest paint.
pub const LCP_MIN_WIDTH: u32 = 300;

declare_rule! {
    /// ## What it does
    /// Reports the page's likely LCP image (its hero) when it has `loading="lazy"`.
    ///
    /// The likely LCP image is the `<img>` with `fetchpriority="high"`, or else the page's
    /// Largest Contentful Paint candidate on its mobile layout (412×823 CSS px at 1.75, see
    /// `webaudit layout`) and on its desktop layout (1350×940), when that is an `<img>`: the
    /// image or text block with the largest area inside the first screen, as Chromium picks
    /// it (an image partly below the fold counts only its visible part, so a lazy banner
    /// peeking in at the fold's edge loses to the text above it). The message names the
    /// layout.
    ///
    /// A page that could not be laid out (see `images/lazy-loading`) gets the positional guess:
    /// the first large `<img>` among those treated as possibly visible (the first
    /// `above_the_fold` images of `<body>`). Large means at least 300 px wide: its `width`
    /// attribute, or when it has none, the intrinsic width of the file its `src` names. 300 px
    /// is a phone screen's width minus margins (360–430 CSS px): an image narrower than that
    /// rarely is the largest thing painted on a page.
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
            // A fragment's place in the page that pulls it in is unknown: it has no fold.
            if !crate::pages::is_page(&asset.path, html) {
                continue;
            }
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
            let verdicts = fold_verdicts(
                html,
                context.layouts.page(&asset.path),
                context.config.images.above_the_fold,
            );
            let large = |index: usize| {
                html.images
                    .get(index)
                    .and_then(|image| image.width_px.or_else(|| intrinsic_width(index)))
                    .is_some_and(|width| width >= LCP_MIN_WIDTH)
            };
            // Laid out: the page's LCP candidate on each layout (which may be text or a
            // background: then no <img> is the LCP). Guessed: the first large image among
            // those treated as visible.
            let layout = context
                .layouts
                .page(&asset.path)
                .filter(|l| l.viewport(crate::layout::MOBILE.name).is_some());
            // (index in html.images, why it is the likely LCP image)
            let mut candidates: Vec<(usize, &str)> = Vec::new();
            if let Some(index) = prioritised {
                candidates.push((index, "it has fetchpriority=\"high\""));
            } else if let Some(layout) = layout {
                // The LCP candidate at each profile: a desktop hero the phone layout hides
                // (or shows smaller than some text) is still the desktop visitor's LCP.
                for (viewport, why) in [
                    (
                        crate::layout::MOBILE.name,
                        "the page's largest contentful paint on the mobile layout",
                    ),
                    (
                        crate::layout::DESKTOP.name,
                        "the page's largest contentful paint on the desktop layout",
                    ),
                ] {
                    if let Some(index) = crate::layout::fold::lcp_image(html, layout, viewport)
                        && !candidates.iter().any(|(i, _)| *i == index)
                    {
                        candidates.push((index, why));
                    }
                }
            } else if let Some(index) = verdicts
                .iter()
                .filter(|v| !v.below && matches!(v.source, Source::Guess { position: Some(_) }))
                .find_map(|v| match v.element {
                    Element::Image(index) => large(index).then_some(index),
                    Element::Iframe(_) => None,
                })
            {
                candidates.push((index, "the first large image at the top of <body>"));
            }
            for (index, why) in candidates {
                let Some(image) = html.images.get(index) else {
                    continue;
                };
                if image.loading.as_deref() != Some("lazy") {
                    continue;
                }
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
}

#[cfg(test)]
mod tests {
    use crate::rules::tester::{Folder, vite_page};

    const RULE: &str = "images/lcp-lazy";

    /// A page prerendered by Vite (vite-ssg): `body` starts on line 8.
    fn page(body: &str) -> String {
        vite_page(body)
    }

    /// The hero as the mobile layout finds it.
    fn first_large(line: u32, src: &str) -> String {
        format!(
            "index.html:{line}:5: <img src=\"{src}\"> is the likely LCP image (the page's largest contentful paint on the mobile layout) but has loading=\"lazy\": it is requested late and delays the page's largest paint; remove loading=\"lazy\""
        )
    }

    /// The hero as the positional guess finds it (pages that are not laid out).
    fn guessed(line: u32, src: &str) -> String {
        format!(
            "index.html:{line}:5: <img src=\"{src}\"> is the likely LCP image (the first large image at the top of <body>) but has loading=\"lazy\": it is requested late and delays the page's largest paint; remove loading=\"lazy\""
        )
    }

    /// Nested 600 levels deep: over the layout's nesting cap, so the page gets the guess.
    fn too_deep(body: &str) -> String {
        format!("{}\n{body}\n{}", "<div>".repeat(600), "</div>".repeat(600))
    }

    #[test]
    fn passes_when_the_hero_loads_eagerly() {
        let body = concat!(
            "    <img src=\"/assets/hero-BX3k9f2a.jpg\" width=\"1280\" height=\"800\" fetchpriority=\"high\" alt=\"\">\n",
            "    <img src=\"/assets/a.jpg\" width=\"320\" height=\"200\" loading=\"lazy\" alt=\"\">\n",
            "    <img src=\"/assets/b.jpg\" width=\"320\" height=\"200\" loading=\"lazy\" alt=\"\">",
        );
        Folder::new().file("index.html", page(body)).passes(RULE);
    }

    #[test]
    fn passes_when_the_lazy_images_before_the_hero_are_small() {
        // 200 px declared, and 120 px intrinsic (no width attribute): neither is the LCP.
        let body = concat!(
            "    <img src=\"/assets/badge.png\" width=\"200\" height=\"100\" loading=\"lazy\" alt=\"\">\n",
            "    <img src=\"/assets/thumb.png\" loading=\"lazy\" alt=\"\">\n",
            "    <img src=\"/assets/hero.jpg\" width=\"1280\" height=\"800\" alt=\"\">",
        );
        Folder::new()
            .file("index.html", page(body))
            .png("assets/badge.png", 200, 100)
            .png("assets/thumb.png", 120, 90)
            .jpeg("assets/hero.jpg", 1280, 800)
            .passes(RULE);
    }

    #[test]
    fn passes_when_the_large_lazy_image_is_below_the_fold() {
        let body = concat!(
            "    <img src=\"/assets/a.jpg\" width=\"200\" height=\"200\" alt=\"\">\n",
            "    <section style=\"height: 3000px\"></section>\n",
            "    <img src=\"/assets/b.jpg\" width=\"200\" height=\"200\" alt=\"\">\n",
            "    <img src=\"/assets/c.jpg\" width=\"200\" height=\"200\" alt=\"\">\n",
            "    <img src=\"/assets/d.jpg\" width=\"1280\" height=\"800\" loading=\"lazy\" alt=\"\">",
        );
        Folder::new().file("index.html", page(body)).passes(RULE);
    }

    #[test]
    fn passes_when_the_prioritised_image_is_eager_though_another_is_lazy() {
        // fetchpriority="high" names the LCP image; the lazy one is not it.
        let body = concat!(
            "    <img src=\"/assets/banner.jpg\" width=\"1280\" height=\"300\" loading=\"lazy\" alt=\"\">\n",
            "    <img src=\"/assets/hero.jpg\" width=\"1280\" height=\"800\" fetchpriority=\"high\" alt=\"\">",
        );
        Folder::new().file("index.html", page(body)).passes(RULE);
    }

    #[test]
    fn passes_when_the_width_is_unknown() {
        // No width attribute and no file to read it from (another origin, a missing file).
        let body = concat!(
            "    <img src=\"https://images.example-cdn.com/hero.jpg\" loading=\"lazy\" alt=\"\">\n",
            "    <img src=\"/assets/gone.jpg\" loading=\"lazy\" alt=\"\">",
        );
        Folder::new().file("index.html", page(body)).passes(RULE);
    }

    /// A page laid out 980×1957 CSS px (no viewport tag): a block of `intro` fills the first
    /// screen but its last 9 px, where a lazy banner starts (as on Docusaurus's blog list).
    fn banner_at_the_fold_edge(intro: &str) -> String {
        page(&format!(
            "    <div style=\"height: 1940px\"><p>{intro}</p></div>\n    <img src=\"/assets/banner.jpg\" style=\"display: block; width: 100%; height: 127px\" loading=\"lazy\" alt=\"\">"
        ))
    }

    #[test]
    fn passes_when_text_is_the_lcp_and_a_lazy_banner_peeks_in_at_the_fold() {
        let intro = "Release notes, guides and stories from the team. ".repeat(8);
        Folder::new()
            .file("index.html", banner_at_the_fold_edge(&intro))
            .jpeg("assets/banner.jpg", 1600, 254)
            .passes(RULE);
    }

    #[test]
    fn finds_the_lazy_banner_when_nothing_larger_is_on_the_first_screen() {
        let folder = Folder::new()
            .file("index.html", banner_at_the_fold_edge(""))
            .jpeg("assets/banner.jpg", 1600, 254);
        assert_eq!(
            folder.findings(RULE),
            [first_large(9, "/assets/banner.jpg")]
        );
    }

    #[test]
    fn finds_a_lazy_hero_that_only_the_desktop_layout_shows() {
        let page = "<!doctype html>\n<html>\n<head>\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<style>@media (max-width: 600px) { .wide { display: none } }</style>\n</head>\n<body>\n<h1>Release notes</h1>\n<img class=\"wide\" src=\"hero.jpg\" width=\"1200\" height=\"500\" loading=\"lazy\" alt=\"\">\n</body>\n</html>\n";
        let folder = Folder::new()
            .file("index.html", page)
            .jpeg("hero.jpg", 1200, 500);
        assert_eq!(
            folder.findings(RULE),
            [
                "index.html:9:1: <img src=\"hero.jpg\"> is the likely LCP image (the page's largest contentful paint on the desktop layout) but has loading=\"lazy\": it is requested late and delays the page's largest paint; remove loading=\"lazy\""
            ]
        );
    }

    #[test]
    fn passes_for_a_lazy_hero_in_a_template() {
        let body = "    <template><img src=\"/assets/hero.jpg\" width=\"1280\" height=\"800\" loading=\"lazy\" alt=\"\"></template>";
        Folder::new().file("index.html", page(body)).passes(RULE);
    }

    #[test]
    fn finds_the_first_large_image_when_it_is_lazy() {
        // The 32-px logo is an icon (no place), the 200-px badge is too narrow.
        let body = concat!(
            "    <img src=\"/assets/logo.svg\" width=\"32\" height=\"32\" alt=\"\">\n",
            "    <img src=\"/assets/badge.png\" width=\"200\" height=\"100\" alt=\"\">\n",
            "    <img src=\"/assets/hero-BX3k9f2a.jpg\" width=\"300\" height=\"200\" loading=\"lazy\" alt=\"\">",
        );
        // A missing image never paints: the files are there.
        let folder = Folder::new()
            .file("index.html", page(body))
            .png("assets/badge.png", 200, 100)
            .jpeg("assets/hero-BX3k9f2a.jpg", 300, 200);
        assert_eq!(
            folder.findings(RULE),
            [first_large(10, "/assets/hero-BX3k9f2a.jpg")]
        );
    }

    #[test]
    fn finds_a_lazy_hero_by_the_width_of_its_file() {
        // No width attribute: the PNG's 400 px decide, read through the page's folder.
        let folder = Folder::new()
            .file(
                "blog/index.html",
                page("    <img src=\"../assets/hero.png\" loading=\"lazy\" alt=\"\">"),
            )
            .png("assets/hero.png", 400, 300);
        assert_eq!(
            folder.findings(RULE),
            [first_large(8, "../assets/hero.png").replace("index.html", "blog/index.html")]
        );
    }

    #[test]
    fn finds_a_prioritised_image_that_is_lazy() {
        // fetchpriority="high" makes it the LCP image whatever its size or place.
        let body = concat!(
            "    <img src=\"/assets/a.jpg\" width=\"320\" height=\"200\" alt=\"\">\n",
            "    <img src=\"/assets/b.jpg\" width=\"320\" height=\"200\" alt=\"\">\n",
            "    <img src=\"/assets/c.jpg\" width=\"320\" height=\"200\" alt=\"\">\n",
            "    <img src=\"/assets/d.jpg\" width=\"120\" height=\"90\" loading=\"lazy\" fetchpriority=\"high\" alt=\"\">",
        );
        let folder = Folder::new().file("index.html", page(body));
        assert_eq!(
            folder.findings(RULE),
            [
                "index.html:11:5: <img src=\"/assets/d.jpg\"> is the likely LCP image (it has fetchpriority=\"high\") but has loading=\"lazy\": it is requested late and delays the page's largest paint; remove loading=\"lazy\""
            ]
        );
    }

    #[test]
    fn finds_a_lazy_hero_on_each_page() {
        let hero = "    <img src=\"/assets/hero.jpg\" width=\"1280\" height=\"800\" loading=\"LAZY\" alt=\"\">";
        let folder = Folder::new()
            .file("index.html", page(hero))
            .file("about.html", page(hero))
            .jpeg("assets/hero.jpg", 1280, 800);
        assert_eq!(
            folder.findings(RULE),
            [
                first_large(8, "/assets/hero.jpg").replace("index.html", "about.html"),
                first_large(8, "/assets/hero.jpg"),
            ]
        );
    }

    #[test]
    fn finds_the_hero_within_a_configured_fold() {
        let body = concat!(
            "    <img src=\"/assets/a.jpg\" width=\"200\" height=\"200\" alt=\"\">\n",
            "    <img src=\"/assets/b.jpg\" width=\"200\" height=\"200\" alt=\"\">\n",
            "    <img src=\"/assets/c.jpg\" width=\"200\" height=\"200\" alt=\"\">\n",
            "    <img src=\"/assets/d.jpg\" width=\"1280\" height=\"800\" loading=\"lazy\" alt=\"\">",
        );
        let folder = Folder::new()
            .config("[images]\nabove_the_fold = 4\n")
            .file("index.html", page(&too_deep(body)));
        assert_eq!(folder.findings(RULE), [guessed(12, "/assets/d.jpg")]);
    }
}
