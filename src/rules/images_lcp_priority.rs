use super::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::layout::lcp::LcpKind;
use crate::layout::{DESKTOP, MOBILE, PageLayout};
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
    ///   styled.
    ///
    /// The page's mobile layout (412×823 CSS px at 1.75) decides; the desktop layout
    /// (1350×940) is a second opinion when its LCP element is another image, and the message
    /// names the layout. Pages that could not be laid out, pages whose LCP is text, and pages
    /// where a script renders content into an empty custom element (`<home-assistant>`: what
    /// it renders may be the real LCP) are not judged.
    ///
    /// The impact of a late-discovered background counts the round trip the preload saves
    /// (the stylesheet's, before which the image cannot be requested). The gain of
    /// `fetchpriority` is queueing time the impact model does not estimate, so that finding
    /// carries no impact.
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
        summary: "the page's LCP image is not prioritised (no fetchpriority=\"high\", or a CSS background discovered late)",
        severity: Warning,
    }
}

impl Rule for ImagesLcpPriority {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &RuleContext, found: &mut Vec<Violation>) {
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
            let mut reported: Vec<Subject> = Vec::new();
            for viewport in [MOBILE.name, DESKTOP.name] {
                let Some(subject) = lcp_subject(page.html, layout, viewport) else {
                    continue;
                };
                if reported.contains(&subject) {
                    continue;
                }
                if let Some(violation) = judge(path, page.html, &subject, viewport, &preloaded) {
                    found.push(violation);
                }
                reported.push(subject);
            }
        }
    }
}

/// The LCP image of one layout.
#[derive(Debug, Clone, PartialEq)]
enum Subject {
    /// Index in the page's `<img>` facts.
    Img(usize),
    /// The background image's folder path.
    Background(String),
}

fn lcp_subject(html: &HtmlFacts, layout: &PageLayout, viewport: &str) -> Option<Subject> {
    let (lcp, element) = crate::layout::fold::lcp_candidate(layout, viewport)?;
    match lcp.kind {
        LcpKind::Img => crate::layout::fold::lcp_image(html, layout, viewport).map(Subject::Img),
        LcpKind::Background => element?.current_file.clone().map(Subject::Background),
        LcpKind::Video | LcpKind::Text => None,
    }
}

fn judge(
    page: &str,
    html: &HtmlFacts,
    subject: &Subject,
    viewport: &str,
    preloaded: &[&str],
) -> Option<Violation> {
    let which = format!("the page's largest contentful paint on the {viewport} layout");
    match subject {
        Subject::Img(index) => {
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
            Some(Violation {
                path: Some(page.to_string()),
                line: Some(image.location.line),
                column: Some(image.location.column),
                message: format!(
                    "<img src=\"{src}\"> is {which} but has no fetchpriority=\"high\": browsers start it at low priority until layout, behind scripts and fonts; add fetchpriority=\"high\" to this <img>"
                ),
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
                    "the CSS background image {image} is {which} but nothing in the HTML names it: the browser requests it only after the stylesheet has arrived and the element is styled (one more round trip); add {link} to the page's <head>"
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
                "index.html:8:5: <img src=\"/assets/hero.jpg\"> is the page's largest contentful paint on the mobile layout but has no fetchpriority=\"high\": browsers start it at low priority until layout, behind scripts and fonts; add fetchpriority=\"high\" to this <img>"
            ]
        );
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
                "blog/index.html:-:-: the CSS background image img/hero.jpg is the page's largest contentful paint on the mobile layout but nothing in the HTML names it: the browser requests it only after the stylesheet has arrived and the element is styled (one more round trip); add <link rel=\"preload\" as=\"image\" href=\"../img/hero.jpg\" fetchpriority=\"high\"> to the page's <head>"
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
