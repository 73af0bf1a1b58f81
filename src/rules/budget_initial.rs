use super::{Rule, RuleContext, RuleMeta, declare_rule, failed_budgets};
use crate::model::finding::Violation;

declare_rule! {
    /// ## What it does
    /// For each HTML page, adds up what a first visit downloads — the scripts and stylesheets
    /// the page references, everything those scripts import statically and those stylesheets
    /// `@import` — and checks it against `[[budget.initial]]` limits for pages matching a
    /// pattern. Scripts reached only through dynamic `import()` are lazy and do not count. Sizes
    /// are gzip transfer sizes. The report shows every page's initial and lazy sizes and a
    /// transfer-time estimate at slow 3G (50 KiB/s) and 4G (1.6 Mbit/s), without latency.
    ///
    /// A page whose entry points (a `<script src>`, a static import of inline module code, a
    /// stylesheet) name no file as shipped — not in the folder, or a placeholder a server fills
    /// in (`{{ static_url }}`, `%PUBLIC_URL%`) — cannot be measured whole: its check fails and
    /// says which references it left out, rather than passing on an under-count (0 B).
    ///
    /// ## Why is this bad?
    /// The initial load decides how soon a page is usable. A total budget over the whole folder
    /// cannot tell a lazily loaded admin screen from the code every visitor pays for on the
    /// landing page.
    ///
    /// ## How to fix it
    /// Move code that the first screen does not need behind dynamic `import()` (routes, dialogs,
    /// charts, editors), defer third-party widgets, and split CSS per route. Or raise the limit:
    ///
    /// ```toml
    /// [[budget.initial]]
    /// page = "index.html"
    /// script = "170kB"      # initial JavaScript, gzip
    /// stylesheet = "50kB"   # initial CSS, gzip
    /// total = "200kB"       # both
    /// ```
    ///
    /// ## Options
    /// `[[budget.initial]]`: `page` (pattern of HTML paths, default every page), `script`,
    /// `stylesheet`, `total` (sizes, gzip).
    BudgetInitial {
        id: "budget/initial",
        summary: "A page's initial JavaScript or CSS (what the first visit downloads) over its budget",
        severity: Error,
    }
}

impl Rule for BudgetInitial {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, context: &RuleContext, found: &mut Vec<Violation>) {
        failed_budgets(context, Self::META.id, found);
    }
}

#[cfg(test)]
mod site_model_tests {
    use crate::rules::tester::Folder;

    const RULE: &str = "budget/initial";

    /// A chunk of minified-looking code that gzips to well over 1 kB.
    fn chunk() -> String {
        (0..400)
            .map(|i| format!("export const v{i}=(a,b)=>a*{i}+b^{};", i * 7919 % 1000))
            .collect()
    }

    #[test]
    fn an_inline_module_import_makes_the_chunk_initial() {
        let folder = Folder::new()
            .file(
                "index.html",
                "<!doctype html><body><div id=app></div>\n<script type=\"module\">import {mount} from \"./assets/app.js\";mount(document.getElementById(\"app\"))</script></body>",
            )
            .file("assets/app.js", chunk())
            .config("[[budget.initial]]\nscript = \"1kB\"\n");
        folder.prepared(|prepared, _| {
            assert_eq!(prepared.pages[0].initial_scripts.files, ["assets/app.js"]);
            assert!(prepared.pages[0].lazy_scripts.files.is_empty());
        });
        let findings = folder.findings(RULE);
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert!(findings[0].starts_with("index.html:"), "{findings:?}");
    }

    #[test]
    fn an_inline_dynamic_import_is_lazy() {
        let folder = Folder::new()
            .file(
                "index.html",
                "<script type=module>document.body.onclick=()=>import(\"./assets/app.js\")</script>",
            )
            .file("assets/app.js", chunk())
            .config("[[budget.initial]]\nscript = \"1kB\"\n");
        folder.prepared(|prepared, _| {
            assert!(prepared.pages[0].initial_scripts.files.is_empty());
            assert_eq!(prepared.pages[0].lazy_scripts.files, ["assets/app.js"]);
        });
        folder.passes(RULE);
    }

    #[test]
    fn finds_a_page_whose_entry_points_are_not_in_the_folder() {
        // Measured, the page loads 0 B; it passing a budget would be a silent under-count.
        let folder = Folder::new()
            .file(
                "index.html",
                "<!doctype html><head><script type=module src=\"/assets/index-4f1c.js\"></script></head>",
            )
            .config("[[budget.initial]]\nscript = \"170kB\"\n");
        let findings = folder.findings(RULE);
        assert_eq!(
            findings,
            [
                "index.html:-:-: the page's initial JS cannot be checked: 1 of its entry references names no file as shipped (/assets/index-4f1c.js at line 1: not in the folder); the 0 B gzip measured leaves it out against a 170 kB budget (webaudit.toml:2)"
            ]
        );
    }

    #[test]
    fn finds_a_page_whose_entry_points_are_placeholders() {
        let folder = Folder::new()
            .file(
                "index.html",
                "<script src=\"BUILDTIME_ASSETPREFIX_REPLACE_ME/_next/static/chunks/main-28206b.js\"></script>\n<link rel=stylesheet href=\"{{ static_url }}/app.css\">",
            )
            .config("[[budget.initial]]\ntotal = \"200kB\"\n");
        let findings = folder.findings(RULE);
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert!(
            findings[0]
                .contains("cannot be checked: 2 of its entry references name no file as shipped")
                && findings[0].contains("a placeholder the server fills in"),
            "{findings:#?}"
        );
    }

    #[test]
    fn passes_a_script_budget_when_only_a_stylesheet_is_missing() {
        Folder::new()
            .file(
                "index.html",
                "<script src=app.js></script><link rel=stylesheet href=gone.css>",
            )
            .file("app.js", "console.log(1)")
            .config("[[budget.initial]]\nscript = \"1kB\"\n")
            .passes(RULE);
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::tester::{Folder, react_components};

    const RULE: &str = "budget/initial";

    /// A minified chunk of `components` small React components with distinct names, numbers
    /// and UI strings, so it does not compress to nothing.
    fn chunk(components: usize, seed: u32) -> String {
        react_components(components, seed)
    }

    const INDEX: &str = r#"<!doctype html><html lang="en"><head><meta charset="UTF-8"><title>Dashboard</title><script type="module" crossorigin src="/assets/index-BqP3xK9z.js"></script><link rel="stylesheet" crossorigin href="/assets/index-C8mN2vQa.css"></head><body><div id="root"></div></body></html>"#;

    /// A dashboard: the entry imports the vendor chunk statically and the chart route through
    /// `import()`; the stylesheet `@import`s a reset. About 1.5 kB of initial JS (gzip), 4 kB
    /// of lazy chart code, 0.3 kB of CSS.
    fn dashboard() -> Folder {
        Folder::new()
            .file("index.html", INDEX)
            .file(
                "assets/index-BqP3xK9z.js",
                format!(
                    "import{{j as e,r as s}}from\"./vendor-DkL9x2Qa.js\";const h=()=>import(\"./chart-PeU972xK.js\");{}export{{C0 as default}};\n",
                    chunk(10, 1)
                ),
            )
            .file(
                "assets/vendor-DkL9x2Qa.js",
                format!("{}export{{s as r,e as j}};\n", chunk(20, 2)),
            )
            .file(
                "assets/chart-PeU972xK.js",
                format!("import{{j as e,r as s}}from\"./vendor-DkL9x2Qa.js\";{}export{{C0 as default}};\n", chunk(100, 3)),
            )
            .file(
                "assets/index-C8mN2vQa.css",
                "@import \"./reset-Dq1pX0.css\";:root{--brand:#4f46e5}body{font-family:Inter,system-ui,sans-serif}.card{padding:1rem;border-radius:.5rem;box-shadow:0 1px 3px #0002}",
            )
            .file(
                "assets/reset-Dq1pX0.css",
                "*,:after,:before{box-sizing:border-box;border:0 solid}html{line-height:1.5;-webkit-text-size-adjust:100%}body{margin:0}h1,h2,p{margin:0}img,svg{display:block;max-width:100%}",
            )
    }

    /// What the first visit to index.html downloads: (JS, CSS), gzip.
    fn initial(folder: &Folder) -> (u64, u64) {
        folder.prepared(|prepared, _| {
            let page = &prepared.pages[0];
            (page.initial_scripts.gzip, page.initial_stylesheets.gzip)
        })
    }

    #[test]
    fn passes_under_the_budgets() {
        dashboard()
            .config("[[budget.initial]]\npage = \"index.html\"\nscript = \"10kB\"\nstylesheet = \"2kB\"\ntotal = \"12kB\"\n")
            .passes(RULE);
    }

    #[test]
    fn passes_when_the_heavy_route_is_only_imported_dynamically() {
        let folder = dashboard().config("[[budget.initial]]\nscript = \"3kB\"\n");
        folder.passes(RULE);
        folder.prepared(|prepared, _| {
            assert_eq!(
                prepared.pages[0].lazy_scripts.files,
                ["assets/chart-PeU972xK.js"]
            );
        });
    }

    #[test]
    fn passes_when_a_prefetched_chunk_and_a_legacy_nomodule_script_are_not_initial() {
        let page = INDEX.replace(
            "</head>",
            "<link rel=\"prefetch\" href=\"/assets/chart-PeU972xK.js\"><script nomodule src=\"/assets/polyfills-legacy-Cx2.js\"></script></head>",
        );
        dashboard()
            .file("index.html", page)
            .file("assets/polyfills-legacy-Cx2.js", chunk(100, 4))
            .config("[[budget.initial]]\nscript = \"3kB\"\n")
            .passes(RULE);
    }

    #[test]
    fn passes_for_pages_the_pattern_does_not_match() {
        dashboard()
            .file(
                "admin/reports.html",
                INDEX.replace("index-BqP3xK9z", "chart-PeU972xK"),
            )
            .config("[[budget.initial]]\npage = \"index.html\"\nscript = \"3kB\"\n")
            .passes(RULE);
    }

    #[test]
    fn finds_pages_of_that_name_in_every_folder() {
        // A pattern without `/` matches file names at any depth, and a leading `/` does not
        // anchor it: there is no way to name only the root index.html.
        for page in ["index.html", "/index.html"] {
            let folder = dashboard()
                .file(
                    "admin/index.html",
                    INDEX.replace("index-BqP3xK9z", "chart-PeU972xK"),
                )
                .config(&format!(
                    "[[budget.initial]]\npage = \"{page}\"\nscript = \"3kB\"\n"
                ));
            assert_eq!(
                folder.findings(RULE),
                [
                    "admin/index.html:-:-: the page's initial JS is 3.22 kB gzip, over the 3 kB budget by 219 B (107%; webaudit.toml:2)"
                ],
                "{page}"
            );
        }
    }

    #[test]
    fn finds_initial_js_with_its_static_imports() {
        let folder =
            dashboard().config("[[budget.initial]]\npage = \"index.html\"\nscript = \"1kB\"\n");
        assert_eq!(
            folder.findings(RULE),
            [
                "index.html:-:-: the page's initial JS is 1.35 kB gzip, over the 1 kB budget by 351 B (135%; webaudit.toml:2)"
            ]
        );
        let finding = &folder.findings_of(RULE)[0];
        assert_eq!(finding.severity, crate::model::finding::Severity::Error);
        assert_eq!(finding.actual, Some(initial(&folder).0));
        folder.prepared(|prepared, _| {
            assert_eq!(
                prepared.pages[0].initial_scripts.files,
                ["assets/index-BqP3xK9z.js", "assets/vendor-DkL9x2Qa.js"]
            );
        });
    }

    #[test]
    fn finds_initial_css_with_its_imports() {
        let folder = dashboard().config("[[budget.initial]]\nstylesheet = \"200B\"\n");
        assert_eq!(
            folder.findings(RULE),
            [
                "index.html:-:-: the page's initial CSS is 310 B gzip, over the 200 B budget by 110 B (155%; webaudit.toml:2)"
            ]
        );
        folder.prepared(|prepared, _| {
            assert_eq!(
                prepared.pages[0].initial_stylesheets.files,
                ["assets/index-C8mN2vQa.css", "assets/reset-Dq1pX0.css"]
            );
        });
    }

    #[test]
    fn finds_the_total_of_js_and_css() {
        let folder = dashboard();
        let (js, css) = initial(&folder);
        let folder = folder.config(&format!(
            "[[budget.initial]]\nscript = {js}\nstylesheet = {css}\ntotal = {}\n",
            js + css - 1
        ));
        assert_eq!(
            folder.findings(RULE),
            [
                "index.html:-:-: the page's initial JS + CSS is 1.66 kB gzip, over the 1.66 kB budget by 1 B (100%; webaudit.toml:2)"
            ]
        );
    }

    #[test]
    fn finds_each_matching_page() {
        let folder = dashboard()
            .file(
                "admin/index.html",
                INDEX.replace("index-BqP3xK9z", "chart-PeU972xK"),
            )
            .config("[[budget.initial]]\npage = \"**/*.html\"\nscript = \"1kB\"\n");
        assert_eq!(
            folder.findings(RULE),
            [
                "admin/index.html:-:-: the page's initial JS is 3.22 kB gzip, over the 1 kB budget by 2.22 kB (322%; webaudit.toml:2)",
                "index.html:-:-: the page's initial JS is 1.35 kB gzip, over the 1 kB budget by 351 B (135%; webaudit.toml:2)"
            ]
        );
    }
}
