use super::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::model::finding::Violation;
use crate::site::Target;

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

impl Rule for ReferencesMissing {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &RuleContext, found: &mut Vec<Violation>) {
        for reference in &context.site.references {
            let Target::Missing(target) = &reference.target else {
                continue;
            };
            let text = &reference.text;
            let named = if target.is_empty() || target.ends_with('/') {
                format!(" (no {target}index.html)")
            } else if target == text {
                String::new()
            } else {
                format!(" (the file {target})")
            };
            found.push(Violation {
                path: Some(reference.from.clone()),
                line: Some(reference.location.line),
                column: Some(reference.location.column),
                message: format!(
                    "{} \"{text}\" names a file that is not in the folder{named}: the request fails on every visit",
                    reference.holder
                ),
                ..Violation::default()
            });
        }
    }
}

#[cfg(test)]
mod site_model_tests {
    use crate::rules::tester::Folder;

    const RULE: &str = "references/missing";

    #[test]
    fn a_named_character_reference_resolves() {
        Folder::new()
            .file(
                "index.html",
                r#"<img src="caf&eacute;.png" width=8 height=8><link rel=preload as=image href="caf&#xE9;.png">"#,
            )
            .png("café.png", 8, 8)
            .passes(RULE);
    }

    #[test]
    fn an_encoded_traversal_stays_inside_the_folder() {
        // `%2F` is decoded before the path is split, as a server sees the request: a reference
        // that climbs above the folder that way names no file of the folder (nothing is
        // looked up outside it, nothing is reported), and one that climbs back inside names
        // the file it reaches.
        let folder = Folder::new()
            .file(
                "index.html",
                r#"<img src="img/..%2F..%2F..%2Fetc%2Fpasswd"><style>.a{background:url(..%2F..%2Fsecret.png)}</style><img src="img/%2E%2E%2Flogo.png">"#,
            )
            .png("logo.png", 8, 8);
        folder.passes(RULE);
        folder.prepared(|prepared, _| {
            let site = crate::site::build(
                &prepared.assets,
                &prepared.skipped,
                &prepared.config,
                &prepared.pages,
            );
            let targets: Vec<_> = site.references.iter().map(|r| r.target.clone()).collect();
            use crate::site::Target;
            assert_eq!(
                targets,
                [
                    Target::Elsewhere,
                    Target::Elsewhere,
                    Target::Present("logo.png".into())
                ]
            );
        });
    }

    #[test]
    fn finds_a_missing_file_imported_by_inline_module_code() {
        let folder = Folder::new().file(
            "index.html",
            "<script type=module>\nimport \"./assets/gone-3f2a.js\";\n</script>",
        );
        assert_eq!(
            folder.findings(RULE),
            [
                "index.html:2:1: import in inline <script> \"./assets/gone-3f2a.js\" names a file that is not in the folder (the file assets/gone-3f2a.js): the request fails on every visit"
            ]
        );
    }

    #[test]
    fn finds_a_missing_file_in_a_page_style_block() {
        let folder = Folder::new().file(
            "index.html",
            "<style>\n.hero{background-image:url(/img/hero.webp)}\n</style>",
        );
        assert_eq!(
            folder.findings(RULE),
            [
                "index.html:2:24: url() \"/img/hero.webp\" names a file that is not in the folder (the file img/hero.webp): the request fails on every visit"
            ]
        );
    }
}
