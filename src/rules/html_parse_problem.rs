use super::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::analyze::Facts;
use crate::model::finding::Violation;

declare_rule! {
    /// ## What it does
    /// Reports HTML pages that webaudit could not read whole: a page larger than 32 MiB (not
    /// read at all), a page with more than 50,000 scripts, links, images and other elements of
    /// interest (read up to that point), markup the HTML parser gave up on, or content that is
    /// not valid UTF-8 (read with replacement characters). The rest of the audit goes on; only
    /// what the unread part of the page references is unknown.
    ///
    /// ## Why is this bad?
    /// References in the unread part escape every check: missing files, unsized or eagerly
    /// loaded images, the page's initial scripts and stylesheets. A page this large, or one that
    /// is not UTF-8 while served as such, is usually a build or export mistake.
    ///
    /// ## How to fix it
    /// Check that the file really is the page the build meant to ship (not a data dump saved
    /// as `.html`, not a truncated upload); split very large pages; save pages as UTF-8.
    ///
    /// ## Options
    /// None. The bounds are `analyze::html::MAX_PARSED_BYTES` and
    /// `analyze::html::MAX_ELEMENTS_PER_PAGE`.
    HtmlParseProblem {
        id: "html/parse-problem",
        summary: "An HTML page that could not be read whole (too large, too many elements, broken markup, invalid UTF-8)",
        severity: Warning,
    }
}

impl Rule for HtmlParseProblem {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &RuleContext, found: &mut Vec<Violation>) {
        for asset in context.assets {
            let Facts::Document(page) = &asset.facts else {
                continue;
            };
            for warning in &page.parse_warnings {
                found.push(Violation {
                    path: Some(asset.path.clone()),
                    message: format!("not read whole: {warning}"),
                    ..Violation::default()
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::tester::Folder;

    const RULE: &str = "html/parse-problem";

    const PAGE: &str = r#"<!doctype html><html lang="en"><head><meta charset="UTF-8"><meta name="viewport" content="width=device-width,initial-scale=1.0"><title>Shop</title><script type="module" crossorigin src="/assets/index-BqP3xK9z.js"></script><link rel="stylesheet" crossorigin href="/assets/index-C8mN2vQa.css"></head><body><div id="root"></div></body></html>"#;

    /// A product listing of `cards` cards, each with an image and a link.
    fn listing(cards: usize) -> String {
        let cards: String = (0..cards)
            .map(|i| {
                format!("<a href=/p/{i}><img src=/img/{i}.webp width=160 height=120 alt=\"\"></a>")
            })
            .collect();
        format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>All products</title></head><body><main>{cards}</main></body></html>"
        )
    }

    #[test]
    fn passes_for_a_built_page() {
        Folder::new().file("index.html", PAGE).passes(RULE);
    }

    #[test]
    fn passes_for_sloppy_markup_browsers_repair() {
        // Unclosed elements, a stray end tag, markup the spec parses in odd ways, and a script
        // left open at the end of the file.
        Folder::new()
            .file(
                "legacy/index.html",
                "<html><head><title>Old page<body><p>One<p>Two</div><table><tr><td>Cell</table><select><xmp><script>alert(1)</script></xmp></select><ul><li>a<li>b</ul><script>document.write('<p>unterminated')",
            )
            .passes(RULE);
    }

    #[test]
    fn passes_for_utf8_with_a_byte_order_mark() {
        Folder::new()
            .file(
                "fr/index.html",
                "\u{feff}<!doctype html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>Café — À propos</title></head><body><h1>Crème brûlée 🍮</h1></body></html>",
            )
            .passes(RULE);
    }

    #[test]
    fn passes_for_a_long_listing_under_the_element_bound() {
        Folder::new()
            .file("products/index.html", listing(2_000))
            .passes(RULE);
    }

    #[test]
    fn finds_a_page_that_is_not_utf8() {
        // Exported as Windows-1252: é is the single byte E9.
        let folder = Folder::new().file(
            "about.html",
            b"<!doctype html><html lang=\"fr\"><head><title>Caf\xe9</title></head><body><p>Bienvenue au caf\xe9</p></body></html>",
        );
        assert_eq!(
            folder.findings(RULE),
            ["about.html:-:-: not read whole: not valid UTF-8: invalid bytes were read as U+FFFD"]
        );
        assert_eq!(
            folder.findings_of(RULE)[0].severity,
            crate::model::finding::Severity::Warning
        );
    }

    #[test]
    fn finds_a_page_saved_as_utf16() {
        // "Unicode" in Windows' Save As dialog: UTF-16 little-endian with a byte order mark.
        let mut page = vec![0xff, 0xfe];
        for unit in "<!doctype html><html><head><title>Menu</title></head><body><p>Caf\u{e9}</p></body></html>".encode_utf16() {
            page.extend(unit.to_le_bytes());
        }
        let folder = Folder::new().file("menu.html", page);
        assert_eq!(
            folder.findings(RULE),
            ["menu.html:-:-: not read whole: not valid UTF-8: invalid bytes were read as U+FFFD"]
        );
    }

    #[test]
    fn finds_a_page_cut_in_the_middle_of_a_character() {
        // A truncated upload: the last two bytes of the three of "…" are missing.
        let page = b"<!doctype html><html lang=\"en\"><head><title>News</title></head><body><p>Read more\xe2".to_vec();
        let folder = Folder::new().file("news/index.html", page);
        assert_eq!(
            folder.findings(RULE),
            [
                "news/index.html:-:-: not read whole: not valid UTF-8: invalid bytes were read as U+FFFD"
            ]
        );
    }
}
