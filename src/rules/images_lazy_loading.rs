use super::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::analyze::Facts;
use crate::analyze::fold::Element;
use crate::layout::fold::{Source, fold_verdicts};
use crate::model::finding::Violation;

/// Lighthouse's offscreen-images rule ignores images smaller than this: deferring them saves
/// too little to matter.
pub const MIN_IMAGE_BYTES: u64 = 2048;

declare_rule! {
    /// ## What it does
    /// Reports `<img>` and `<iframe>` elements that are below the fold (not visible when the
    /// page opens) and load anyway: no `loading="lazy"`.
    ///
    /// "Below the fold" comes from the page's layout: webaudit lays every static page out with
    /// its own CSS at Lighthouse's mobile viewport (412×823 CSS px, device scale 1.75; see
    /// `webaudit layout`), and an element is below the fold when it starts more than 100 px
    /// below the first screen — Lighthouse's `offscreen-images` rule. As in that rule, images of
    /// the folder smaller than 2 KiB are not reported (deferring them saves too little), and
    /// hidden elements (no box) are not either. Same verdicts as `webaudit optimize
    /// --rewrite-html`.
    ///
    /// A page the layout stage could not lay out (over its nesting-depth, element-count or time
    /// caps; the audit's notes name it and the cap) gets the positional guess instead: the first
    /// `above_the_fold` images and iframes of `<body>`, in document order, are treated as
    /// possibly visible and never reported; every one after them is probably below the fold.
    /// Icons (`<img>` declaring both `width` and `height` of at most 64 px) and `data:` images do
    /// not use up one of those places, and are never reported. The default of 3 is WordPress's:
    /// since WordPress 6.3 (`wp_omit_loading_attr_threshold`, 1 before) it leaves the first 3
    /// content images and iframes without `loading="lazy"`.
    ///
    /// Scripts do not run: on a page whose content a script renders, only what the page ships
    /// is laid out (the audit notes such pages).
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
    /// `[images] above_the_fold = 3` in `webaudit.toml`: for pages that are not laid out, how
    /// many images/iframes at the top of `<body>` are treated as possibly visible.
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
            let layout = context.layouts.page(&asset.path);
            let page = context.site.pages.iter().find(|p| p.path() == asset.path);
            for guess in fold_verdicts(html, layout, above)
                .into_iter()
                .filter(|g| g.below)
            {
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
                let message = match guess.source {
                    Source::Layout { below_fold_px, .. } => {
                        // An image of the folder too small to be worth deferring.
                        let small = match guess.element {
                            Element::Image(index) => page
                                .and_then(|p| {
                                    let tag = html.images.get(index)?;
                                    p.images.iter().find(|i| std::ptr::eq(i.tag, tag))
                                })
                                .and_then(|i| i.targets.first())
                                .and_then(|(target, _)| {
                                    context.site.assets_by_path.get(target.as_str())
                                })
                                .is_some_and(|file| file.raw < MIN_IMAGE_BYTES),
                            Element::Iframe(_) => false,
                        };
                        if small {
                            continue;
                        }
                        format!(
                            "<{element} src=\"{name}\"> starts {below_fold_px:.0} px below the first screen of the mobile layout ({}×{} CSS px) and has no loading=\"lazy\": it loads with the page and competes with what is visible",
                            crate::layout::MOBILE.width,
                            crate::layout::MOBILE.height
                        )
                    }
                    Source::Guess { position } => {
                        let place = position.map_or_else(String::new, |p| {
                            format!("image/iframe {} of <body>", p + 1)
                        });
                        format!(
                            "<{element} src=\"{name}\"> is probably below the fold ({place}; the first {above} are treated as visible) and has no loading=\"lazy\": it loads with the page and competes with what is visible"
                        )
                    }
                };
                found.push(Violation {
                    path: Some(asset.path.clone()),
                    line: Some(location.line),
                    column: Some(location.column),
                    message,
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
    /// A page written for phones (`<meta name="viewport">`, on the charset's line so that the
    /// body still starts on line 8): laid out 412 CSS px wide at the mobile profile.
    fn page(body: &str) -> String {
        vite_page(body).replacen(
            "<meta charset=\"UTF-8\" />",
            "<meta charset=\"UTF-8\" /><meta name=\"viewport\" content=\"width=device-width\" />",
            1,
        )
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

    /// A section 3,000 px tall: what follows is far below the first screen.
    const TALL: &str = r#"    <section style="height: 3000px"></section>"#;

    /// The findings as (line, src, px below the first screen).
    fn below(folder: &Folder) -> Vec<(String, String, f64)> {
        folder
            .findings(RULE)
            .iter()
            .map(|finding| {
                let (place, rest) = finding.split_once(": <").unwrap();
                let src = rest.split('"').nth(1).unwrap().to_string();
                let px = rest
                    .split_once(" starts ")
                    .and_then(|(_, r)| r.split_once(" px below the first screen of the mobile layout (412×823 CSS px) and has no loading=\"lazy\""))
                    .map_or(f64::NAN, |(px, _)| px.parse().unwrap());
                (place.to_string(), src, px)
            })
            .collect()
    }

    /// Nested 600 levels deep: over the layout's nesting cap, so the page gets the guess.
    fn too_deep(body: &str) -> String {
        format!("{}\n{body}\n{}", "<div>".repeat(600), "</div>".repeat(600))
    }

    fn guessed(line: u32, src: &str, place: usize, element: &str) -> String {
        format!(
            "index.html:{line}:5: <{element} src=\"{src}\"> is probably below the fold (image/iframe {place} of <body>; the first 3 are treated as visible) and has no loading=\"lazy\": it loads with the page and competes with what is visible"
        )
    }

    #[test]
    fn passes_when_the_images_start_on_or_near_the_first_screen() {
        // Five 200-px images stacked: the fifth starts about at the fold (823 px), within
        // Lighthouse's 100-px margin. The positional guess would have reported the last two.
        Folder::new()
            .file("index.html", page(&gallery(5, "")))
            .passes(RULE);
    }

    #[test]
    fn passes_when_the_images_below_the_fold_are_lazy() {
        let body = format!(
            "{}\n{TALL}\n{}\n    <iframe src=\"https://www.youtube-nocookie.com/embed/aqz-KE-bpKQ\" loading=\"lazy\"></iframe>",
            gallery(1, ""),
            gallery(3, r#" loading="lazy""#).replace("photo-", "more-")
        );
        Folder::new().file("index.html", page(&body)).passes(RULE);
    }

    #[test]
    fn passes_when_eager_loading_or_high_priority_is_deliberate() {
        let body = format!(
            "{TALL}\n{}\n{}\n{}",
            r#"    <img src="/assets/a.jpg" width="320" height="200" loading="eager" alt="">"#,
            r#"    <img src="/assets/b.jpg" width="320" height="200" fetchpriority="high" alt="">"#,
            r#"    <img src="/assets/c.jpg" width="320" height="200" LOADING=" LAZY " alt="">"#,
        );
        Folder::new().file("index.html", page(&body)).passes(RULE);
    }

    #[test]
    fn passes_for_small_images_hidden_images_and_data_uris() {
        // A 24-px PNG of the folder is under 2 KiB; a hidden image has no box.
        let body = format!(
            "{TALL}\n{}\n{}\n{}",
            r#"    <img src="/icons/up.png" alt="">"#,
            r#"    <img src="/assets/photo.jpg" width="320" height="200" style="display: none" alt="">"#,
            r#"    <img src="data:image/jpeg;base64,/9j/4AAQSkZJRg==" width="320" height="200" alt="">"#,
        );
        Folder::new()
            .file("index.html", page(&body))
            .png("icons/up.png", 24, 24)
            .passes(RULE);
    }

    #[test]
    fn passes_for_images_in_a_template() {
        let body = format!(
            "{TALL}\n    <template id=\"card\">\n{}\n    </template>",
            gallery(4, "").replace("photo-", "card-")
        );
        Folder::new().file("index.html", page(&body)).passes(RULE);
    }

    #[test]
    fn finds_images_a_tall_section_pushes_below_the_fold() {
        // The second image is only the second of the page, but 3,000 px of section come first.
        let body = format!(
            "{}\n{TALL}\n{}",
            gallery(1, ""),
            gallery(2, "").replace("photo-", "more-")
        );
        let found = below(&Folder::new().file("index.html", page(&body)));
        let places: Vec<(&str, &str)> = found
            .iter()
            .map(|(p, s, _)| (p.as_str(), s.as_str()))
            .collect();
        assert_eq!(
            places,
            [
                ("index.html:10:5", "/assets/more-1.jpg"),
                ("index.html:11:5", "/assets/more-2.jpg")
            ]
        );
        // Below the first image (at least 200 px) and the section: 3,200 px, minus the 823 px
        // of the first screen; the second image starts one 200-px image further down.
        assert!(
            found[0].2 > 3200.0 - 823.0 && found[0].2 < 3300.0 - 823.0,
            "{found:?}"
        );
        assert!(found[1].2 - found[0].2 >= 200.0, "{found:?}");
    }

    #[test]
    fn finds_an_iframe_below_the_fold() {
        let body = format!(
            "{TALL}\n    <iframe src=\"https://www.youtube-nocookie.com/embed/aqz-KE-bpKQ\" width=\"560\" height=\"315\"></iframe>"
        );
        let found = below(&Folder::new().file("index.html", page(&body)));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, "index.html:9:5");
        assert_eq!(
            found[0].1,
            "https://www.youtube-nocookie.com/embed/aqz-KE-bpKQ"
        );
    }

    #[test]
    fn finds_loading_values_that_are_not_lazy_or_eager() {
        let body = format!(
            "{TALL}\n{}\n{}",
            r#"    <img src="/assets/a.jpg" width="320" height="200" loading="auto" alt="">"#,
            r#"    <img src="/assets/b.jpg" width="320" height="200" fetchpriority="low" alt="">"#,
        );
        let found = below(&Folder::new().file("index.html", page(&body)));
        let srcs: Vec<&str> = found.iter().map(|(_, s, _)| s.as_str()).collect();
        assert_eq!(srcs, ["/assets/a.jpg", "/assets/b.jpg"]);
    }

    #[test]
    fn a_page_that_is_not_laid_out_gets_the_positional_guess() {
        let folder = Folder::new().file("index.html", page(&too_deep(&gallery(5, ""))));
        assert_eq!(
            folder.findings(RULE),
            [
                guessed(12, "/assets/photo-4.jpg", 4, "img"),
                guessed(13, "/assets/photo-5.jpg", 5, "img"),
            ]
        );
        // The guess's places are configurable.
        Folder::new()
            .config("[images]\nabove_the_fold = 6\n")
            .file("index.html", page(&too_deep(&gallery(6, ""))))
            .passes(RULE);
    }
}
