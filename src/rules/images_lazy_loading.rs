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
            // A fragment's place in the page that pulls it in is unknown: it has no fold.
            if !crate::pages::is_page(&asset.path, html) {
                continue;
            }
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

#[cfg(test)]
mod tests {
    use crate::rules::tester::{Folder, vite_page};

    const RULE: &str = "images/lazy-loading";

    /// A page prerendered by Vite (vite-ssg): `body` starts on line 8.
    fn page(body: &str) -> String {
        vite_page(body)
    }

    /// `<img>` lines of a gallery: `photo-1.jpg`… at 320×200, with `extra` attributes.
    fn gallery(count: usize, extra: &str) -> String {
        (1..=count)
            .map(|n| {
                format!(r#"    <img src="/assets/photo-{n}.jpg" width="320" height="200" alt=""{extra}>"#)
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn below(line: u32, src: &str, place: usize, element: &str) -> String {
        format!(
            "index.html:{line}:5: <{element} src=\"{src}\"> is probably below the fold (image/iframe {place} of <body>; the first 3 are treated as visible) and has no loading=\"lazy\": it loads with the page and competes with what is visible"
        )
    }

    #[test]
    fn passes_when_a_page_has_only_the_first_three_images() {
        Folder::new()
            .file("index.html", page(&gallery(3, "")))
            .passes(RULE);
    }

    #[test]
    fn passes_when_images_after_the_first_three_are_lazy() {
        let body = format!(
            "{}\n{}\n    <iframe src=\"https://www.youtube-nocookie.com/embed/aqz-KE-bpKQ\" loading=\"lazy\"></iframe>",
            gallery(3, ""),
            gallery(3, r#" loading="lazy""#).replace("photo-", "more-")
        );
        Folder::new().file("index.html", page(&body)).passes(RULE);
    }

    #[test]
    fn passes_when_eager_loading_or_high_priority_is_deliberate() {
        let body = format!(
            "{}\n{}\n{}\n{}",
            gallery(3, ""),
            r#"    <img src="/assets/a.jpg" width="320" height="200" loading="eager" alt="">"#,
            r#"    <img src="/assets/b.jpg" width="320" height="200" fetchpriority="high" alt="">"#,
            r#"    <img src="/assets/c.jpg" width="320" height="200" LOADING=" LAZY " alt="">"#,
        );
        Folder::new().file("index.html", page(&body)).passes(RULE);
    }

    #[test]
    fn passes_when_icons_and_data_uris_take_no_place() {
        // Six 32-px social icons in the header and a blurred placeholder, then the three places.
        let icons = (1..=6)
            .map(|n| {
                format!(r#"    <img src="/icons/social-{n}.svg" width="32" height="32" alt="">"#)
            })
            .collect::<Vec<_>>()
            .join("\n");
        let body = format!(
            "{icons}\n    <img src=\"data:image/jpeg;base64,/9j/4AAQSkZJRg==\" alt=\"\">\n{}\n    <img src=\"/icons/top.png\" width=\"64\" height=\"64\" alt=\"\">",
            gallery(3, "")
        );
        Folder::new().file("index.html", page(&body)).passes(RULE);
    }

    #[test]
    fn passes_for_images_in_a_template() {
        let body = format!(
            "{}\n    <template id=\"card\">\n{}\n    </template>",
            gallery(3, ""),
            gallery(4, "").replace("photo-", "card-")
        );
        Folder::new().file("index.html", page(&body)).passes(RULE);
    }

    #[test]
    fn passes_when_the_configured_fold_holds_every_image() {
        Folder::new()
            .config("[images]\nabove_the_fold = 6\n")
            .file("index.html", page(&gallery(6, "")))
            .passes(RULE);
    }

    #[test]
    fn finds_images_after_the_first_three() {
        let folder = Folder::new().file("index.html", page(&gallery(5, "")));
        assert_eq!(
            folder.findings(RULE),
            [
                below(11, "/assets/photo-4.jpg", 4, "img"),
                below(12, "/assets/photo-5.jpg", 5, "img"),
            ]
        );
    }

    #[test]
    fn finds_an_iframe_below_the_fold() {
        let body = format!(
            "{}\n    <iframe src=\"https://www.youtube-nocookie.com/embed/aqz-KE-bpKQ\" width=\"560\" height=\"315\"></iframe>",
            gallery(3, "")
        );
        let folder = Folder::new().file("index.html", page(&body));
        assert_eq!(
            folder.findings(RULE),
            [below(
                11,
                "https://www.youtube-nocookie.com/embed/aqz-KE-bpKQ",
                4,
                "iframe"
            )]
        );
    }

    #[test]
    fn finds_images_that_are_not_icons_in_both_dimensions() {
        // An icon declares both sizes of at most 64 px; these use a place each.
        let body = concat!(
            "    <img src=\"/assets/logo.png\" width=\"32\" alt=\"\">\n",
            "    <img src=\"/assets/banner.png\" width=\"600\" height=\"48\" alt=\"\">\n",
            "    <img src=\"/assets/hero.jpg\" width=\"1280\" height=\"800\" alt=\"\">\n",
            "    <img src=\"/assets/photo.jpg\" width=\"320\" height=\"200\" alt=\"\">",
        );
        let folder = Folder::new().file("index.html", page(body));
        assert_eq!(
            folder.findings(RULE),
            [below(11, "/assets/photo.jpg", 4, "img")]
        );
    }

    #[test]
    fn finds_loading_values_that_are_not_lazy_or_eager() {
        let body = format!(
            "{}\n{}\n{}",
            gallery(3, ""),
            r#"    <img src="/assets/a.jpg" width="320" height="200" loading="auto" alt="">"#,
            r#"    <img src="/assets/b.jpg" width="320" height="200" fetchpriority="low" alt="">"#,
        );
        let folder = Folder::new().file("index.html", page(&body));
        assert_eq!(
            folder.findings(RULE),
            [
                below(11, "/assets/a.jpg", 4, "img"),
                below(12, "/assets/b.jpg", 5, "img"),
            ]
        );
    }

    #[test]
    fn finds_the_second_image_when_the_fold_is_configured_to_one() {
        let folder = Folder::new()
            .config("[images]\nabove_the_fold = 1\n")
            .file("index.html", page(&gallery(2, "")));
        assert_eq!(
            folder.findings(RULE),
            [
                "index.html:9:5: <img src=\"/assets/photo-2.jpg\"> is probably below the fold (image/iframe 2 of <body>; the first 1 are treated as visible) and has no loading=\"lazy\": it loads with the page and competes with what is visible"
            ]
        );
    }
}
