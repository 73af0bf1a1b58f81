use std::collections::HashSet;

use super::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::analyze::Facts;
use crate::analyze::css::{self, CssFacts};
use crate::analyze::html::{HtmlFacts, ScriptKind};
use crate::analyze::url::{Location, Resolved, resolve, resolve_in_document};
use crate::model::finding::Violation;
use crate::pages::strip_base;

declare_rule! {
    /// ## What it does
    /// Reports references that point into the audited folder at a file that is not there:
    /// in HTML, `<script src>`, `<link rel=stylesheet|preload|modulepreload|prefetch href>` and
    /// `imagesrcset`, `<img src>` and `srcset`, `<picture><source srcset>`, `<iframe src>`,
    /// `<video src>`, `poster` and `<source src>`, and `url(…)`/`@import` in `<style>` blocks and
    /// `style` attributes; in stylesheets, `url(…)` and `@import`.
    ///
    /// References resolve as a browser resolves them when the folder is served as the site
    /// root: relative to the referring file (or the page's `<base href>`), root-absolute ones
    /// from the folder, `?query` and `#fragment` ignored, `%XX` escapes decoded. With
    /// `[pages] base = "/app/"`, `/app/x.js` means the folder's `x.js`. A reference to a folder
    /// (`docs/`, or `docs` when `docs/` exists) is satisfied by its `index.html`. Files left out
    /// of the audit (ignored, unreadable) count as present.
    ///
    /// Not reported: other origins (`https://…`, `//cdn…`), `data:` URLs, fragments (`#icon`),
    /// and references that climb above the folder (`../x`), which may be served by a parent
    /// site. Links (`<a href>`) are navigations, not loads, and are not checked.
    ///
    /// ## Why is this bad?
    /// A missing file is a failed request on every visit: a broken image, unstyled text, a
    /// script error, or a font that never arrives — and a wasted round trip before the browser
    /// gives up. It usually means a file was renamed by the build (content hashes) or not
    /// copied into the output folder.
    ///
    /// ## How to fix it
    /// Point the reference at the file's real name, or make the build copy the file (Vite:
    /// put it in `public/`, or import it so it is hashed and rewritten). If the file is served
    /// from elsewhere on purpose, use its full URL.
    ///
    /// ## Options
    /// `[pages] base` (the URL path the folder is served under).
    ReferencesMissing {
        id: "references/missing",
        summary: "A reference in HTML or CSS to a file that is not in the folder",
        severity: Warning,
    }
}

/// One reference as written, with where it is and what holds it.
struct Reference<'a> {
    text: &'a str,
    location: Location,
    holder: String,
}

fn from_css<'a>(facts: &'a CssFacts, references: &mut Vec<Reference<'a>>) {
    for import in &facts.imports {
        references.push(Reference {
            text: &import.url,
            location: import.location,
            holder: "@import".to_string(),
        });
    }
    for url in &facts.urls {
        references.push(Reference {
            text: &url.url,
            location: url.location,
            holder: "url()".to_string(),
        });
    }
}

/// Every loaded reference of a page, in document order within each kind.
fn from_html<'a>(
    html: &'a HtmlFacts,
    embedded: &'a [CssFacts],
    references: &mut Vec<Reference<'a>>,
) {
    let mut push = |text: Option<&'a str>, location: Location, holder: &str| {
        if let Some(text) = text {
            references.push(Reference {
                text,
                location,
                holder: holder.to_string(),
            });
        }
    };
    for script in &html.scripts {
        if matches!(script.kind, ScriptKind::Classic | ScriptKind::Module) {
            push(script.src.as_deref(), script.location, "<script src>");
        }
    }
    for link in &html.stylesheets {
        push(
            link.href.as_deref(),
            link.location,
            "<link rel=stylesheet href>",
        );
    }
    for preload in &html.preloads {
        let holder = format!("<link rel={} href>", preload.rel);
        push(preload.href.as_deref(), preload.location, &holder);
    }
    for image in &html.images {
        push(image.src.as_deref(), image.location, "<img src>");
    }
    for iframe in &html.iframes {
        push(iframe.src.as_deref(), iframe.location, "<iframe src>");
    }
    for video in &html.videos {
        push(video.src.as_deref(), video.location, "<video src>");
        push(video.poster.as_deref(), video.location, "<video poster>");
        for source in &video.sources {
            push(source.src.as_deref(), source.location, "<source src>");
        }
    }
    for facts in embedded {
        from_css(facts, references);
    }
}

/// `srcset` candidates are parsed from the attribute, so they are owned strings.
fn srcset_references(html: &HtmlFacts) -> Vec<(String, Location, &'static str)> {
    let mut found = Vec::new();
    let mut add = |value: Option<&str>, location: Location, holder: &'static str| {
        for candidate in value
            .map(crate::analyze::url::parse_srcset)
            .unwrap_or_default()
        {
            found.push((candidate.url, location, holder));
        }
    };
    for preload in &html.preloads {
        add(
            preload.imagesrcset.as_deref(),
            preload.location,
            "<link imagesrcset>",
        );
    }
    for image in &html.images {
        add(image.srcset.as_deref(), image.location, "<img srcset>");
    }
    for picture in &html.pictures {
        for source in &picture.sources {
            add(source.srcset.as_deref(), source.location, "<source srcset>");
        }
    }
    found
}

/// The CSS of a page's `<style>` blocks and `style` attributes, located in the page.
fn embedded_css(html: &HtmlFacts) -> Vec<CssFacts> {
    let blocks = html
        .inline_styles
        .iter()
        .map(|style| css::parse_at(style.text.as_bytes(), style.location));
    let attributes = html
        .style_attributes
        .iter()
        .map(|attribute| css::parse_at(attribute.value.as_bytes(), attribute.value_location));
    blocks.chain(attributes).collect()
}

struct Folder<'a> {
    files: HashSet<&'a str>,
    /// Paths the scan left out (files, and folders whose content counts as present).
    skipped: HashSet<&'a str>,
}

impl Folder<'_> {
    /// A file of the audit, or one left out of it: itself or one of its folders skipped. Set
    /// lookups, one per folder of `path`: a scan over every skipped path for every reference
    /// made 1,000 pages of 300 references in a site with 1,000 links quadratic.
    fn has(&self, path: &str) -> bool {
        self.files.contains(path) || path_and_folders(path).any(|p| self.skipped.contains(p))
    }

    /// Whether a request for `path` finds a file: the file itself, or the `index.html` of a
    /// folder.
    fn serves(&self, path: &str) -> bool {
        if path.is_empty() || path.ends_with('/') {
            return self.has(&format!("{path}index.html"));
        }
        self.has(path) || self.has(&format!("{path}/index.html"))
    }
}

/// `a/b/c.js`, `a/b`, `a`: the path, then each folder it is in, innermost first.
fn path_and_folders(path: &str) -> impl Iterator<Item = &str> {
    std::iter::successors(Some(path), |p| p.rfind('/').map(|slash| &p[..slash]))
}

impl Rule for ReferencesMissing {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &RuleContext, found: &mut Vec<Violation>) {
        let folder = Folder {
            files: context.assets.iter().map(|a| a.path.as_str()).collect(),
            skipped: context.skipped.iter().map(|s| s.path.as_str()).collect(),
        };
        let base_path = context.config.base_path.as_deref();
        for asset in context.assets {
            let page = asset.path.as_str();
            let mut report = |text: &str, location: Location, holder: &str, resolved: Resolved| {
                let Resolved::Local(target) = resolved else {
                    return;
                };
                if folder.serves(&target) {
                    return;
                }
                let named = if target.is_empty() || target.ends_with('/') {
                    format!(" (no {target}index.html)")
                } else if target == text {
                    String::new()
                } else {
                    format!(" (the file {target})")
                };
                found.push(Violation {
                    path: Some(page.to_string()),
                    line: Some(location.line),
                    column: Some(location.column),
                    message: format!(
                        "{holder} \"{text}\" names a file that is not in the folder{named}: the request fails on every visit"
                    ),
                    ..Violation::default()
                });
            };
            match &asset.facts {
                Facts::Document(html) => {
                    let base_href = html.base_href.as_deref();
                    let locate = |text: &str| {
                        resolve_in_document(page, base_href, &strip_base(text, base_path))
                    };
                    let embedded = embedded_css(html);
                    let mut references = Vec::new();
                    from_html(html, &embedded, &mut references);
                    let srcsets = srcset_references(html);
                    let mut all: Vec<(&str, Location, &str)> = references
                        .iter()
                        .map(|r| (r.text, r.location, r.holder.as_str()))
                        .chain(srcsets.iter().map(|(t, l, h)| (t.as_str(), *l, *h)))
                        .collect();
                    all.sort_by_key(|(_, location, _)| location.offset);
                    for (text, location, holder) in all {
                        report(text, location, holder, locate(text));
                    }
                }
                Facts::Stylesheet(style) => {
                    let mut references = Vec::new();
                    from_css(&style.css, &mut references);
                    for reference in references {
                        let resolved = resolve(page, &strip_base(reference.text, base_path));
                        report(
                            reference.text,
                            reference.location,
                            &reference.holder,
                            resolved,
                        );
                    }
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::tester::Folder;

    const RULE: &str = "references/missing";

    /// `… names a file that is not in the folder…: the request fails on every visit` for the
    /// reference `text` in `holder`, `named` saying what it resolved to (or empty).
    fn missing(place: &str, holder: &str, text: &str, named: &str) -> String {
        format!(
            "{place}: {holder} \"{text}\" names a file that is not in the folder{named}: the request fails on every visit"
        )
    }

    /// `index.html` as Vite builds it, and the files it names.
    fn vite_build() -> Folder {
        Folder::new()
            .file(
                "index.html",
                concat!(
                    "<!doctype html>\n",
                    "<html lang=\"en\">\n",
                    "  <head>\n",
                    "    <meta charset=\"UTF-8\" />\n",
                    "    <link rel=\"icon\" type=\"image/svg+xml\" href=\"/favicon.svg\" />\n",
                    "    <link rel=\"manifest\" href=\"/site.webmanifest\" />\n",
                    "    <script type=\"module\" crossorigin src=\"/assets/main-D7fafypN.js\"></script>\n",
                    "    <link rel=\"modulepreload\" crossorigin href=\"/assets/style-Ddld_3hZ.js\">\n",
                    "    <link rel=\"stylesheet\" crossorigin href=\"/assets/main-DhzmkGAC.css\">\n",
                    "  </head>\n",
                    "  <body>\n",
                    "    <div id=\"app\"></div>\n",
                    "  </body>\n",
                    "</html>\n",
                ),
            )
            .file("favicon.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>")
            .file("site.webmanifest", "{\"name\":\"Field Notes\"}")
            .file(
                "assets/main-D7fafypN.js",
                "import\"./style-Ddld_3hZ.js\";console.log(\"main\");\n",
            )
            .file("assets/style-Ddld_3hZ.js", "console.log(\"style\");\n")
            .file(
                "assets/main-DhzmkGAC.css",
                "@font-face{font-family:Inter;font-display:swap;src:url(/assets/inter-latin-400-normal-C38fXH4l.woff2)format(\"woff2\")}.hero{background:url(./flower-fk9K17a6.jpg) center/cover}",
            )
            .file("assets/inter-latin-400-normal-C38fXH4l.woff2", b"wOF2\0\x01\0\0")
            .jpeg("assets/flower-fk9K17a6.jpg", 40, 30)
    }

    #[test]
    fn passes_for_a_vite_build_whose_references_all_exist() {
        vite_build().passes(RULE);
    }

    #[test]
    fn passes_for_references_that_are_not_files_of_the_folder() {
        // Other origins, data: URLs, fragments, references above the folder (escaped too),
        // and links, which are navigations.
        Folder::new()
            .file(
                "index.html",
                concat!(
                    "<!doctype html><html><head>\n",
                    "<link rel=\"stylesheet\" href=\"https://fonts.googleapis.com/css2?family=Inter&display=swap\">\n",
                    "<script src=\"//cdn.jsdelivr.net/npm/alpinejs@3/dist/cdn.min.js\" defer></script>\n",
                    "<style>.a{background:url(data:image/png;base64,iVBORw0KGgo=)}.b{fill:url(#gradient)}</style>\n",
                    "</head><body>\n",
                    "<img src=\"../shared/logo.png\" width=\"10\" height=\"10\" alt=\"\">\n",
                    "<img src=\"..%2Fsecret.jpg\" width=\"10\" height=\"10\" alt=\"\">\n",
                    "<a href=\"/gone.html\">Gone</a> <a href=\"#top\">Top</a>\n",
                    "</body></html>\n",
                ),
            )
            .passes(RULE);
    }

    #[test]
    fn passes_when_a_query_or_fragment_follows_and_escapes_are_decoded() {
        Folder::new()
            .file(
                "index.html",
                concat!(
                    "<!doctype html><html><head>\n",
                    "<script src=\"js/app.js?v=3\"></script>\n",
                    "<link rel=\"preload\" as=\"image\" href=\"img/sprite.svg#icon-search\">\n",
                    "</head><body>\n",
                    "<div style=\"background-image:url('img/texture%20paper.png')\"></div>\n",
                    "</body></html>\n",
                ),
            )
            .file("js/app.js", "console.log(1)\n")
            .file(
                "img/sprite.svg",
                "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
            )
            .png("img/texture paper.png", 8, 8)
            .passes(RULE);
    }

    #[test]
    fn passes_for_folders_served_by_their_index_html() {
        Folder::new()
            .file(
                "index.html",
                concat!(
                    "<!doctype html><html><body>\n",
                    "<iframe src=\"docs/\"></iframe>\n",
                    "<iframe src=\"docs\"></iframe>\n",
                    "<iframe src=\"/\"></iframe>\n",
                    "</body></html>\n",
                ),
            )
            .file("docs/index.html", "<!doctype html><p>Docs</p>\n")
            .passes(RULE);
    }

    #[test]
    fn passes_under_the_configured_base_path() {
        // Served under /app/: /app/x means the folder's x, from pages and stylesheets.
        Folder::new()
            .config("[pages]\nbase = \"/app/\"\n")
            .file(
                "index.html",
                concat!(
                    "<!doctype html><html><head>\n",
                    "<link rel=\"stylesheet\" href=\"/app/css/main.css\">\n",
                    "</head><body>\n",
                    "<img src=\"/app/img/a.png\" width=\"8\" height=\"8\" alt=\"\">\n",
                    "</body></html>\n",
                ),
            )
            .file(
                "css/main.css",
                "@import \"/app/css/more.css\";\nbody{background:url(/app/img/a.png)}\n",
            )
            .file("css/more.css", "a{color:red}\n")
            .png("img/a.png", 8, 8)
            .passes(RULE);
    }

    #[test]
    fn passes_for_files_left_out_of_the_audit() {
        // Ignored files exist: the server has them.
        Folder::new()
            .config("ignore = [\"media/**\"]\n")
            .file(
                "index.html",
                "<!doctype html><html><body>\n<video src=\"media/clip.mp4\" poster=\"media/clip.jpg\"></video>\n</body></html>\n",
            )
            .file("media/clip.mp4", b"\0\0\0\x18ftypmp42\0\0\0\0mp42isom")
            .jpeg("media/clip.jpg", 16, 9)
            .passes(RULE);
    }

    #[test]
    fn passes_for_references_resolved_from_base_href_and_from_the_stylesheet() {
        Folder::new()
            .file(
                "with-base.html",
                "<!doctype html><html><head><base href=\"sub/\"></head>\n<body><img src=\"b.png\" width=\"8\" height=\"8\" alt=\"\"></body></html>\n",
            )
            .file(
                "css/site.css",
                "@import \"typography.css\";\n.card{background:url(\"../img/card-bg.png\")}\n",
            )
            .file("css/typography.css", "body{font-family:serif}\n")
            .png("img/card-bg.png", 8, 8)
            .png("sub/b.png", 8, 8)
            .passes(RULE);
    }

    #[test]
    fn finds_a_script_whose_hashed_name_changed() {
        // The page of an earlier build names a chunk the new build hashed differently.
        let folder = vite_build().file(
            "about.html",
            "<!doctype html>\n<html><head>\n<script type=\"module\" crossorigin src=\"/assets/main-C3kLq0Zx.js\"></script>\n</head><body></body></html>\n",
        );
        assert_eq!(
            folder.findings(RULE),
            [missing(
                "about.html:3:1",
                "<script src>",
                "/assets/main-C3kLq0Zx.js",
                " (the file assets/main-C3kLq0Zx.js)"
            )]
        );
    }

    #[test]
    fn finds_missing_imports_and_urls_of_a_stylesheet() {
        let folder = Folder::new().file(
            "css/site.css",
            "@import \"typography.css\";\n.card {\n  background: #fff url(\"../img/card-bg.webp\") no-repeat;\n}\n",
        );
        assert_eq!(
            folder.findings(RULE),
            [
                missing(
                    "css/site.css:1:1",
                    "@import",
                    "typography.css",
                    " (the file css/typography.css)"
                ),
                missing(
                    "css/site.css:3:20",
                    "url()",
                    "../img/card-bg.webp",
                    " (the file img/card-bg.webp)"
                ),
            ]
        );
    }

    #[test]
    fn finds_each_missing_srcset_candidate_at_its_tag() {
        let folder = Folder::new()
            .file(
                "index.html",
                concat!(
                    "<!doctype html><html><head>\n",
                    "<link rel=\"preload\" as=\"image\" href=\"img/hero.jpg\" imagesrcset=\"img/hero-640.jpg 640w, img/hero.jpg 1280w\">\n",
                    "</head><body>\n",
                    "<picture>\n",
                    "  <source type=\"image/webp\" srcset=\"img/hero.webp 1x, img/hero@2x.webp 2x\">\n",
                    "  <img src=\"img/hero.jpg\" srcset=\"img/hero-640.jpg 640w, img/hero.jpg 1280w\" sizes=\"100vw\" alt=\"\">\n",
                    "</picture>\n",
                    "</body></html>\n",
                ),
            )
            .jpeg("img/hero.jpg", 64, 40)
            .file("img/hero.webp", crate::rules::image_refs::samples::webp(64, 40));
        assert_eq!(
            folder.findings(RULE),
            [
                missing(
                    "index.html:2:1",
                    "<link imagesrcset>",
                    "img/hero-640.jpg",
                    ""
                ),
                missing("index.html:5:3", "<source srcset>", "img/hero@2x.webp", ""),
                missing("index.html:6:3", "<img srcset>", "img/hero-640.jpg", ""),
            ]
        );
    }

    #[test]
    fn finds_missing_links_media_and_frames() {
        let folder = Folder::new().file(
            "index.html",
            concat!(
                "<!doctype html><html><head>\n",
                "<link rel=\"stylesheet\" media=\"print\" href=\"/css/print.css\">\n",
                "<link rel=\"preload\" as=\"font\" type=\"font/woff2\" href=\"fonts/inter-latin.woff2\" crossorigin>\n",
                "<link rel=\"modulepreload\" href=\"/assets/vendor-BQZuk6qB.js\">\n",
                "</head><body>\n",
                "<video controls poster=\"img/poster.jpg\" src=\"media/intro.webm\">\n",
                "  <source src=\"media/clip.mp4\" type=\"video/mp4\">\n",
                "</video>\n",
                "<iframe src=\"embed/\"></iframe>\n",
                "</body></html>\n",
            ),
        );
        assert_eq!(
            folder.findings(RULE),
            [
                missing(
                    "index.html:2:1",
                    "<link rel=stylesheet href>",
                    "/css/print.css",
                    " (the file css/print.css)"
                ),
                missing(
                    "index.html:3:1",
                    "<link rel=preload href>",
                    "fonts/inter-latin.woff2",
                    ""
                ),
                missing(
                    "index.html:4:1",
                    "<link rel=modulepreload href>",
                    "/assets/vendor-BQZuk6qB.js",
                    " (the file assets/vendor-BQZuk6qB.js)"
                ),
                missing("index.html:6:1", "<video src>", "media/intro.webm", ""),
                missing("index.html:6:1", "<video poster>", "img/poster.jpg", ""),
                missing("index.html:7:3", "<source src>", "media/clip.mp4", ""),
                missing(
                    "index.html:9:1",
                    "<iframe src>",
                    "embed/",
                    " (no embed/index.html)"
                ),
            ]
        );
    }

    #[test]
    fn finds_references_by_the_file_they_resolve_to() {
        // A query, a percent-escape, the configured base path and a <base href>: the message
        // names the file looked for.
        let folder = Folder::new()
            .config("[pages]\nbase = \"/app/\"\n")
            .file(
                "index.html",
                concat!(
                    "<!doctype html><html><head>\n",
                    "<script src=\"js/app.js?v=3\"></script>\n",
                    "</head><body>\n",
                    "<div style=\"background-image: url('img/texture%20paper.png')\"></div>\n",
                    "<img src=\"/app/img/gone.png\" width=\"8\" height=\"8\" alt=\"\">\n",
                    "</body></html>\n",
                ),
            )
            .file(
                "with-base.html",
                "<!doctype html><html><head><base href=\"sub/\"></head>\n<body><img src=\"c.png\" width=\"8\" height=\"8\" alt=\"\"></body></html>\n",
            );
        assert_eq!(
            folder.findings(RULE),
            [
                missing(
                    "index.html:2:1",
                    "<script src>",
                    "js/app.js?v=3",
                    " (the file js/app.js)"
                ),
                missing(
                    "index.html:4:31",
                    "url()",
                    "img/texture%20paper.png",
                    " (the file img/texture paper.png)"
                ),
                missing(
                    "index.html:5:1",
                    "<img src>",
                    "/app/img/gone.png",
                    " (the file img/gone.png)"
                ),
                missing(
                    "with-base.html:2:7",
                    "<img src>",
                    "c.png",
                    " (the file sub/c.png)"
                ),
            ]
        );
    }

    #[test]
    fn finds_urls_in_style_blocks_and_attributes_at_their_place() {
        let folder = Folder::new().file(
            "index.html",
            concat!(
                "<!doctype html><html><head>\n",
                "<style>\n",
                "  @import url(\"/css/theme.css\");\n",
                "  .hero { background: url(/img/hero-bg.jpg) }\n",
                "</style>\n",
                "</head><body>\n",
                "<section class=\"hero\" style=\"background-image:url(img/banner.webp)\"></section>\n",
                "</body></html>\n",
            ),
        );
        assert_eq!(
            folder.findings(RULE),
            [
                missing(
                    "index.html:3:3",
                    "@import",
                    "/css/theme.css",
                    " (the file css/theme.css)"
                ),
                missing(
                    "index.html:4:23",
                    "url()",
                    "/img/hero-bg.jpg",
                    " (the file img/hero-bg.jpg)"
                ),
                missing("index.html:7:47", "url()", "img/banner.webp", ""),
            ]
        );
    }

    #[test]
    fn a_path_is_present_when_it_or_a_folder_of_it_was_skipped() {
        assert_eq!(
            path_and_folders("a/b/c.js").collect::<Vec<_>>(),
            ["a/b/c.js", "a/b", "a"]
        );
        assert_eq!(path_and_folders("c.js").collect::<Vec<_>>(), ["c.js"]);
        let folder = super::Folder {
            files: HashSet::from(["app.js"]),
            skipped: HashSet::from(["vendor", "img/link.png"]),
        };
        for present in ["app.js", "vendor", "vendor/x/y.js", "img/link.png"] {
            assert!(folder.has(present), "{present}");
        }
        for absent in [
            "vendors/x.js",
            "img/link.png.webp",
            "img",
            "ven",
            "x/vendor/y.js",
        ] {
            assert!(!folder.has(absent), "{absent}");
        }
        assert!(folder.serves("vendor/"));
    }
}
