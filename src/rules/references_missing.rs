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

    #[test]
    fn a_path_is_present_when_it_or_a_folder_of_it_was_skipped() {
        assert_eq!(
            path_and_folders("a/b/c.js").collect::<Vec<_>>(),
            ["a/b/c.js", "a/b", "a"]
        );
        assert_eq!(path_and_folders("c.js").collect::<Vec<_>>(), ["c.js"]);
        let folder = Folder {
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
