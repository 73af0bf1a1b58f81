use super::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::layout::lcp::LcpKind;
use crate::layout::{DESKTOP, MOBILE, PageLayout, ViewportLayout};
use crate::model::facts::html::HtmlFacts;
use crate::model::finding::Violation;
use crate::model::fix::{Applicability, Fix};
use crate::site::ImageHolder;

declare_rule! {
    /// ## What it does
    /// Reports the page's Largest Contentful Paint image (see `webaudit layout`: the image or
    /// text block with the largest area inside the first screen, as Chromium picks it) when
    /// the browser is not told it matters:
    /// - an `<img>` without `fetchpriority="high"` (a lazy one is `images/lcp-lazy`'s);
    /// - a CSS background image with no `<link rel="preload" as="image">` for it in the page:
    ///   the browser discovers it only once the stylesheet has arrived and the element is
    ///   styled;
    /// - an `<img>` whose image a lazy-loading script sets (its `src` is missing or a `data:`
    ///   placeholder, and `data-src`/`data-srcset`, or `data-lazy-src`/`data-lazy-srcset`,
    ///   name the image, as lazysizes, lozad, vanilla-lazyload and WordPress plugins write
    ///   it): the layout shows the image the script will set, and the browser's preload
    ///   scanner cannot see it, so it is requested only once the script has arrived and run.
    ///
    /// The page's mobile layout (412×823 CSS px at 1.75) decides; the desktop layout
    /// (1350×940) is a second opinion when its LCP element is another image, and the message
    /// names the layout. Pages that could not be laid out, pages whose LCP is text, and pages
    /// where a script renders content into an empty custom element (`<home-assistant>`: what
    /// it renders may be the real LCP) are not judged.
    ///
    /// Impact (see `docs/impact.md` for the model):
    /// - a late-discovered background: the round trip a preload saves (the stylesheet's,
    ///   before which the image cannot be requested);
    /// - an image set by script: one round trip (the script's request; its download and run
    ///   come on top, so this is a floor);
    /// - no `fetchpriority`: the bytes of the images the page requests before the LCP image
    ///   (in `<body>`, not lazy, not set by script, each file once). Until layout raises the
    ///   visible images, Chromium gives them all the same priority (Low, or Medium for the
    ///   first five large ones) and serves them in request order; with
    ///   `fetchpriority="high"` the LCP image goes first and the largest paint no longer waits
    ///   for them. They still download, so they count as deferred bytes (time, not bytes
    ///   saved). When no image comes before it the finding has no impact figure: the gain is
    ///   its place behind scripts and fonts, which the model does not estimate.
    ///
    /// ## Why is this bad?
    /// Browsers start images at low priority until layout shows which are on screen:
    /// Largest Contentful Paint (a Core Web Vital) waits while scripts, fonts and other
    /// images take the bandwidth. Lighthouse reports the same as "Preload Largest Contentful
    /// Paint image" and "LCP request discovery" (`fetchpriority=high` should be applied).
    ///
    /// ## How to fix it
    /// Give the LCP `<img>` a high priority:
    ///
    /// ```html
    /// <img src="hero.jpg" width="1280" height="800" fetchpriority="high" alt="…">
    /// ```
    ///
    /// For a background image, preload it in the page's `<head>`:
    ///
    /// ```html
    /// <link rel="preload" as="image" href="img/hero.jpg" fetchpriority="high">
    /// ```
    ///
    /// ## Options
    /// None.
    ImagesLcpPriority {
        id: "images/lcp-priority",
        summary: "the page's LCP image is not prioritised (no fetchpriority=\"high\"), or is discovered late (a CSS background, an image set by script)",
        severity: Warning,
    }
}

impl Rule for ImagesLcpPriority {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &RuleContext, found: &mut Vec<Violation>) {
        let assets: foldhash::HashMap<&str, &crate::measure::Asset> = context
            .assets
            .iter()
            .map(|a| (a.path.as_str(), a))
            .collect();
        let wire_bytes = |path: &str| assets.get(path).map_or(0, |asset| asset.transfer());
        for page in &context.site.pages {
            let path = page.asset.path.as_str();
            if !crate::pages::is_page(path, page.html) {
                continue;
            }
            let Some(layout) = context.layouts.page(path) else {
                continue;
            };
            // What script renders may be larger than anything of the static layout.
            if layout.script_filled {
                continue;
            }
            let preloaded: Vec<&str> = page
                .image_requests
                .iter()
                .filter(|r| r.holder == ImageHolder::Preload)
                .map(|r| r.target.as_str())
                .collect();
            // One finding per element, even when it shows another file at each viewport.
            let mut reported: Vec<Reported> = Vec::new();
            for viewport in [MOBILE.name, DESKTOP.name] {
                let Some(subject) = lcp_subject(page.html, layout, viewport) else {
                    continue;
                };
                let key = subject.reported();
                if reported.contains(&key) {
                    continue;
                }
                let ahead = match &subject {
                    Subject::Img { index, .. } => layout.viewport(viewport).map_or(0, |laid_out| {
                        requested_ahead(page.html, laid_out, *index)
                            .iter()
                            .map(|file| wire_bytes(file))
                            .sum()
                    }),
                    Subject::Background(_) => 0,
                };
                if let Some(violation) =
                    judge(path, page.html, &subject, viewport, &preloaded, ahead)
                {
                    found.push(violation);
                }
                reported.push(key);
            }
        }
    }
}

/// The LCP image of one layout.
#[derive(Debug, Clone, PartialEq)]
enum Subject {
    Img {
        /// Index in the page's `<img>` facts.
        index: usize,
        /// The image shown, as written (from `data-src`/`data-srcset` when `script_set`).
        shown: Option<String>,
        /// Its folder path.
        file: Option<String>,
        /// A lazy-loading script sets the image ([`crate::layout::ElementBox::script_set`]).
        script_set: bool,
    },
    /// The background image's folder path.
    Background(String),
}

/// What makes two subjects one finding: the element, or the background's file.
#[derive(Debug, Clone, PartialEq)]
enum Reported {
    Img(usize),
    Background(String),
}

impl Subject {
    fn reported(&self) -> Reported {
        match self {
            Subject::Img { index, .. } => Reported::Img(*index),
            Subject::Background(file) => Reported::Background(file.clone()),
        }
    }
}

fn lcp_subject(html: &HtmlFacts, layout: &PageLayout, viewport: &str) -> Option<Subject> {
    let (lcp, element) = crate::layout::fold::lcp_candidate(layout, viewport)?;
    match lcp.kind {
        LcpKind::Img => {
            let index = crate::layout::fold::lcp_image(html, layout, viewport)?;
            Some(Subject::Img {
                index,
                shown: element.and_then(|e| e.current_src.clone()),
                file: element.and_then(|e| e.current_file.clone()),
                script_set: lcp.script_set,
            })
        }
        LcpKind::Background => element?.current_file.clone().map(Subject::Background),
        LcpKind::Video | LcpKind::Text => None,
    }
}

/// The folder files of the `<img>` elements before the one at `lcp` in document order that a
/// browser requests as soon as its preload scanner reads them (in `<body>`, not lazy, not
/// set by script), at `layout`'s viewport: without `fetchpriority="high"` the LCP image
/// shares the connection with them at the same priority, after them, until layout raises the
/// visible ones. Each file once, the LCP image's own file left out.
fn requested_ahead(html: &HtmlFacts, layout: &ViewportLayout, lcp: usize) -> Vec<String> {
    let own =
        crate::layout::fold::image_box(html, layout, lcp).and_then(|b| b.current_file.clone());
    let mut files: Vec<String> = Vec::new();
    for (index, image) in html.images.iter().enumerate().take(lcp) {
        if !image.in_body || image.is_data_uri || image.loading.as_deref() == Some("lazy") {
            continue;
        }
        let Some(element) = crate::layout::fold::image_box(html, layout, index) else {
            continue;
        };
        if element.script_set {
            continue;
        }
        if let Some(file) = &element.current_file
            && own.as_ref() != Some(file)
            && !files.contains(file)
        {
            files.push(file.clone());
        }
    }
    files
}

fn judge(
    page: &str,
    html: &HtmlFacts,
    subject: &Subject,
    viewport: &str,
    preloaded: &[&str],
    ahead_bytes: u64,
) -> Option<Violation> {
    let which = format!("the page's largest contentful paint on the {viewport} layout");
    match subject {
        Subject::Img {
            index,
            shown,
            file,
            script_set: true,
        } => {
            let image = html.images.get(*index)?;
            let shown = shown.as_deref().unwrap_or("(unknown)");
            Some(Violation {
                path: Some(page.to_string()),
                line: Some(image.location.line),
                column: Some(image.location.column),
                message: format!(
                    "the <img> showing {shown} is {which} but a lazy-loading script sets its image from a data- attribute: the browser's preload scanner cannot see it and requests it only once that script has arrived and run (at least one more round trip); write it as src=\"{shown}\" with fetchpriority=\"high\" and leave this image out of the lazy loader"
                ),
                subject: file.clone(),
                round_trips: 1,
                fix: Some(Fix::manual(
                    Applicability::Unsafe,
                    format!(
                        "in {page}, give this <img> src=\"{shown}\" and fetchpriority=\"high\" in place of its lazy loader's data- attributes"
                    ),
                    vec![page.to_string()],
                    vec![page.to_string()],
                )),
                ..Violation::default()
            })
        }
        Subject::Img { index, file, .. } => {
            let image = html.images.get(*index)?;
            let lazy = image.loading.as_deref() == Some("lazy");
            let high = image
                .fetchpriority
                .as_deref()
                .is_some_and(|p| p.trim().eq_ignore_ascii_case("high"));
            if lazy || high {
                return None;
            }
            let src = image.src.as_deref().unwrap_or("(no src)");
            let cost = if ahead_bytes > 0 {
                format!(
                    "it shares the connection with {} of images requested before it",
                    crate::size::human(ahead_bytes)
                )
            } else {
                "no image is requested before it, so only its place behind scripts and fonts is at stake".to_string()
            };
            Some(Violation {
                path: Some(page.to_string()),
                line: Some(image.location.line),
                column: Some(image.location.column),
                message: format!(
                    "<img src=\"{src}\"> is {which} but has no fetchpriority=\"high\": browsers start it at low priority until layout ({cost}); add fetchpriority=\"high\" to this <img>"
                ),
                subject: file.clone(),
                // The images ahead still download, but the LCP no longer waits for them.
                deferred: (ahead_bytes > 0).then_some(ahead_bytes),
                deferred_on_wire: true,
                fix: Some(Fix::manual(
                    Applicability::Unsafe,
                    format!("add fetchpriority=\"high\" to <img src=\"{src}\"> in {page}"),
                    vec![page.to_string()],
                    vec![page.to_string()],
                )),
                ..Violation::default()
            })
        }
        Subject::Background(image) => {
            if preloaded.contains(&image.as_str()) {
                return None;
            }
            let href = relative_href(page, image);
            let link = format!(
                "<link rel=\"preload\" as=\"image\" href=\"{href}\" fetchpriority=\"high\">"
            );
            Some(Violation {
                path: Some(page.to_string()),
                message: format!(
                    "the CSS background image {image} is {which} but the browser finds it only when it styles the element, once the stylesheets have arrived (its preload scanner reads neither stylesheets nor style attributes): one more round trip; add {link} to the page's <head>"
                ),
                subject: Some(image.clone()),
                round_trips: 1,
                fix: Some(Fix::manual(
                    Applicability::Unsafe,
                    format!("add {link} to the <head> of {page}"),
                    vec![page.to_string()],
                    vec![page.to_string()],
                )),
                ..Violation::default()
            })
        }
    }
}

/// `target` (a folder path) as a URL relative to the page `page` (a folder path).
fn relative_href(page: &str, target: &str) -> String {
    let page_dir: Vec<&str> = page.split('/').collect();
    let page_dir = &page_dir[..page_dir.len() - 1];
    let target_parts: Vec<&str> = target.split('/').collect();
    let common = page_dir
        .iter()
        .zip(&target_parts)
        .take_while(|(a, b)| a == b)
        .count();
    let mut parts: Vec<&str> = vec![".."; page_dir.len() - common];
    parts.extend(&target_parts[common..]);
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::relative_href;
    use crate::rules::tester::{Folder, vite_page};

    const RULE: &str = "images/lcp-priority";

    /// A hero filling the top of a page laid out 980 px wide (no viewport tag), with `extra`
    /// attributes.
    fn hero_page(extra: &str) -> String {
        vite_page(&format!(
            "    <img src=\"/assets/hero.jpg\" width=\"960\" height=\"600\"{extra} alt=\"\">\n    <p>Welcome.</p>"
        ))
    }

    #[test]
    fn passes_when_the_lcp_image_has_a_high_fetch_priority() {
        Folder::new()
            .file("index.html", hero_page(" fetchpriority=\"high\""))
            .jpeg("assets/hero.jpg", 960, 600)
            .passes(RULE);
    }

    #[test]
    fn passes_when_the_lcp_image_is_lazy_which_lcp_lazy_reports() {
        Folder::new()
            .file("index.html", hero_page(" loading=\"lazy\""))
            .jpeg("assets/hero.jpg", 960, 600)
            .passes(RULE);
    }

    #[test]
    fn finds_the_lcp_image_without_fetchpriority() {
        let folder =
            Folder::new()
                .file("index.html", hero_page(""))
                .jpeg("assets/hero.jpg", 960, 600);
        assert_eq!(
            folder.findings(RULE),
            [
                "index.html:8:5: <img src=\"/assets/hero.jpg\"> is the page's largest contentful paint on the mobile layout but has no fetchpriority=\"high\": browsers start it at low priority until layout (no image is requested before it, so only its place behind scripts and fonts is at stake); add fetchpriority=\"high\" to this <img>"
            ]
        );
    }

    /// The folder's single finding, and the size of its `assets/logo.png`.
    fn one_finding_and_logo_bytes(folder: &Folder) -> (Vec<crate::model::finding::Finding>, u64) {
        let logo = folder.prepared(|_, root| {
            std::fs::metadata(root.join("assets/logo.png"))
                .unwrap()
                .len()
        });
        let findings = folder.findings_of(RULE);
        assert_eq!(findings.len(), 1, "{findings:#?}");
        (findings, logo)
    }

    #[test]
    fn the_images_requested_before_it_are_its_impact() {
        let page = vite_page(
            "    <img src=\"/assets/logo.png\" width=\"120\" height=\"40\" alt=\"\">\n    <img src=\"/assets/badge.png\" width=\"40\" height=\"40\" alt=\"\" loading=\"lazy\">\n    <img src=\"/assets/hero.jpg\" width=\"960\" height=\"600\" alt=\"\">\n    <p>Welcome.</p>",
        );
        let folder = Folder::new()
            .file("index.html", page)
            .png("assets/logo.png", 120, 40)
            .png("assets/badge.png", 40, 40)
            .jpeg("assets/hero.jpg", 960, 600);
        let (findings, logo) = one_finding_and_logo_bytes(&folder);
        let finding = &findings[0];
        assert_eq!(finding.subject.as_deref(), Some("assets/hero.jpg"));
        assert!(
            finding.message.contains(&format!(
                "it shares the connection with {} of images requested before it",
                crate::size::human(logo)
            )),
            "{}",
            finding.message
        );
        // The lazy badge is not requested ahead of it; the logo is, and still downloads.
        let impact = finding.impact.as_ref().unwrap();
        assert_eq!((impact.bytes, impact.deferred_bytes), (0, logo));
        assert!(impact.critical_path);
        assert_eq!(
            impact.ms.mobile,
            crate::impact::MOBILE.milliseconds(logo, 0)
        );
    }

    #[test]
    fn the_images_ahead_of_an_lcp_image_on_another_origin_count_as_they_travel() {
        // No file of the folder to place the finding on: it stays on the page, whose
        // compression ratio must not shrink the images' bytes.
        let page = vite_page(&format!(
            "    <img src=\"/assets/logo.png\" width=\"120\" height=\"40\" alt=\"\">\n    <img src=\"https://cdn.example.com/hero.jpg\" width=\"960\" height=\"600\" alt=\"\">\n    <p>{}</p>",
            "Welcome to the site. ".repeat(20)
        ));
        let folder = Folder::new()
            .file("index.html", page)
            .png("assets/logo.png", 120, 40);
        let (findings, logo) = one_finding_and_logo_bytes(&folder);
        assert_eq!(findings[0].subject, None);
        assert_eq!(findings[0].impact.as_ref().unwrap().deferred_bytes, logo);
    }

    #[test]
    fn the_first_image_has_no_impact_figure() {
        let finding = &Folder::new()
            .file("index.html", hero_page(""))
            .jpeg("assets/hero.jpg", 960, 600)
            .findings_of(RULE)[0];
        assert!(finding.impact.is_none(), "{:?}", finding.impact);
        assert!(finding.message.contains("no image is requested before it"));
    }

    /// A 1×1 transparent GIF: lazysizes' placeholder.
    const PLACEHOLDER: &str =
        "data:image/gif;base64,R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw==";

    #[test]
    fn finds_an_lcp_image_set_by_a_lazy_loading_script() {
        for attributes in [
            format!("src=\"{PLACEHOLDER}\" data-src=\"/assets/hero.jpg\""),
            "data-srcset=\"/assets/hero.jpg 960w\" data-sizes=\"auto\"".to_string(),
            "data-lazy-src=\"/assets/hero.jpg\"".to_string(),
        ] {
            let page = vite_page(&format!(
                "    <img {attributes} class=\"lazyload\" width=\"960\" height=\"600\" alt=\"\">\n    <p>Welcome.</p>"
            ));
            let findings = Folder::new()
                .file("index.html", page)
                .jpeg("assets/hero.jpg", 960, 600)
                .findings_of(RULE);
            assert_eq!(findings.len(), 1, "{attributes}: {findings:#?}");
            let finding = &findings[0];
            assert!(
                finding.message.starts_with("the <img> showing /assets/hero.jpg is the page's largest contentful paint on the mobile layout but a lazy-loading script sets its image"),
                "{}",
                finding.message
            );
            let impact = finding.impact.as_ref().unwrap();
            assert_eq!(impact.requests, 1);
            assert!(impact.critical_path);
        }
    }

    #[test]
    fn passes_when_the_image_a_script_sets_is_below_the_fold() {
        let page = vite_page(&format!(
            "    <p>{}</p>\n    <img data-src=\"/assets/photo.jpg\" class=\"lazyload\" width=\"960\" height=\"600\" alt=\"\">",
            "A long introduction that fills the first screen with words. ".repeat(300)
        ));
        Folder::new()
            .file("index.html", page)
            .jpeg("assets/photo.jpg", 960, 600)
            .passes(RULE);
    }

    #[test]
    fn passes_when_a_script_renders_into_a_custom_element() {
        let page = hero_page("").replace("<p>Welcome.</p>", "<app-root></app-root>");
        Folder::new()
            .file("index.html", page)
            .jpeg("assets/hero.jpg", 960, 600)
            .passes(RULE);
    }

    #[test]
    fn passes_when_text_is_the_lcp() {
        let page = vite_page(&format!(
            "    <p>{}</p>\n    <img src=\"/assets/icon.jpg\" width=\"48\" height=\"48\" alt=\"\">",
            "A long introduction that fills the first screen with words. ".repeat(40)
        ));
        Folder::new()
            .file("index.html", page)
            .jpeg("assets/icon.jpg", 48, 48)
            .passes(RULE);
    }

    /// A hero whose image is a CSS background set by `css/site.css`, with `head` in the head.
    fn background_hero(head: &str) -> Folder {
        let page = format!(
            "<!doctype html>\n<html>\n<head>\n<link rel=\"stylesheet\" href=\"css/site.css\">{head}\n</head>\n<body>\n<div class=\"hero\"></div>\n</body>\n</html>\n"
        );
        Folder::new()
            .file(
                "blog/index.html",
                page.replace("css/site.css", "../css/site.css")
                    .replace("img/hero.jpg", "../img/hero.jpg"),
            )
            // The URL is relative to the stylesheet, not to the page.
            .file(
                "css/site.css",
                ".hero{height:600px;background:url(../img/hero.jpg) center/cover}",
            )
            .jpeg("img/hero.jpg", 1600, 900)
    }

    #[test]
    fn finds_a_background_lcp_image_that_is_not_preloaded() {
        let findings = background_hero("").findings(RULE);
        assert_eq!(
            findings,
            [
                "blog/index.html:-:-: the CSS background image img/hero.jpg is the page's largest contentful paint on the mobile layout but the browser finds it only when it styles the element, once the stylesheets have arrived (its preload scanner reads neither stylesheets nor style attributes): one more round trip; add <link rel=\"preload\" as=\"image\" href=\"../img/hero.jpg\" fetchpriority=\"high\"> to the page's <head>"
            ]
        );
        let finding = &background_hero("").findings_of(RULE)[0];
        assert!(
            finding
                .impact
                .as_ref()
                .is_some_and(|i| i.requests == 1 && i.ms.mobile >= 150)
        );
    }

    #[test]
    fn passes_when_the_background_lcp_image_is_preloaded() {
        background_hero("<link rel=\"preload\" as=\"image\" href=\"img/hero.jpg\">").passes(RULE);
    }

    #[test]
    fn hrefs_are_relative_to_the_page() {
        assert_eq!(relative_href("index.html", "img/a.jpg"), "img/a.jpg");
        assert_eq!(
            relative_href("blog/index.html", "img/a.jpg"),
            "../img/a.jpg"
        );
        assert_eq!(relative_href("blog/x/index.html", "blog/a.jpg"), "../a.jpg");
    }
}
