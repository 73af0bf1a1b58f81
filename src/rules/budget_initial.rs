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
    /// says which references it left out, rather than passing on an under-count (0 B). A
    /// placeholder that is only the prefix a server fills in with the URL the folder is served
    /// under (`{{ base_url }}static/app.js`, `/BASE_PLACEHOLDER/assets/app.js`) is measured
    /// as the file that follows it, when the folder has that file.
    ///
    /// With a webpack-style runtime (webpack 5, rspack, Next.js), the chunks an entry waits for
    /// at start-up count too, found through the runtime's chunk filename map when the page does
    /// not list them; chunks loaded with `__webpack_require__.e()` are lazy. Next.js pages add
    /// the chunks their build manifest route or flight data names. SvelteKit pages add the
    /// nodes its client loads as it starts: the root layout and error page, the nodes the page
    /// hydrates (`node_ids`), or for a page the client renders those of the route its URL
    /// matches in the client manifest, with their stylesheets. When webaudit cannot resolve
    /// a page's start-up (a chunk id with no file, a runtime it cannot read, module federation,
    /// a SvelteKit fallback page whose route depends on the URL) the check fails as "cannot be
    /// verified", with the reason.
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
    /// `stylesheet`, `total` (sizes, gzip). To report pages that cannot be measured or
    /// verified as warnings rather than errors, lower the rule's severity:
    /// `[rules] "budget/initial" = "warning"`.
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
    fn a_folder_without_pages_says_it_has_no_first_visit_to_measure() {
        let note = "no HTML page in the folder";
        let scripts = Folder::new()
            .file("static/app.js", "console.log('app');\n")
            .config("[[budget.initial]]\nscript = \"170kB\"\n");
        scripts.passes(RULE);
        scripts.prepared(|prepared, _| {
            let notes: Vec<&String> = prepared.notes.iter().filter(|n| n.contains(note)).collect();
            assert_eq!(notes.len(), 1, "{:?}", prepared.notes);
            assert!(notes[0].contains("the initial-load budgets have nothing to check"));
        });
        let with_page = Folder::new()
            .file(
                "index.html",
                "<!doctype html><script src=static/app.js></script>",
            )
            .file("static/app.js", "console.log('app');\n");
        with_page.prepared(|prepared, _| {
            assert!(
                !prepared.notes.iter().any(|n| n.contains(note)),
                "{:?}",
                prepared.notes
            );
        });
    }

    #[test]
    fn finds_a_page_whose_entry_points_are_above_the_folder() {
        // pdf.js's viewer audited as `web/`: its module entry is `../build/pdf.mjs`.
        let folder = Folder::new()
            .file(
                "viewer.html",
                "<!doctype html><head><script src=\"../build/pdf.mjs\" type=module></script><script src=viewer.mjs type=module></script></head>",
            )
            .file("viewer.mjs", "console.log('viewer');\n")
            .config("[[budget.initial]]\nscript = \"170kB\"\n");
        folder.prepared(|prepared, _| {
            let page = &prepared.pages[0];
            assert_eq!(page.initial_scripts.files, ["viewer.mjs"]);
            assert_eq!(page.unmeasured.len(), 1, "{:?}", page.unmeasured);
            assert_eq!(page.unmeasured[0].why, "outside");
        });
        let findings = folder.findings(RULE);
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert!(
            findings[0].contains(
                "(../build/pdf.mjs at line 1: above the audited folder; audit the folder above)"
            ),
            "{findings:?}"
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

/// Bundler start-up (webpack 5, rspack, Next.js): chunks that the runtime loads or waits for.
#[cfg(test)]
pub(super) mod startup_tests {
    use crate::rules::tester::{Folder, react_components};

    const RULE: &str = "budget/initial";

    /// A webpack 5 runtime chunk (`runtimeChunk: 'single'`) as a production build minifies it:
    /// chunk 216 is the vendor split (a name map entry), 331 a route loaded by `import()`, and
    /// 216 has extracted CSS. `public_path` is what `__webpack_require__.p` is set to.
    pub(in crate::rules) fn runtime(public_path: &str) -> String {
        format!(
            r#"(()=>{{"use strict";var e,r,t,o={{}},n={{}};function a(e){{var r=n[e];if(void 0!==r)return r.exports;var t=n[e]={{exports:{{}}}};return o[e](t,t.exports,a),t.exports}}a.m=o,e=[],a.O=(r,t,o,n)=>{{if(!t){{var l=1/0;for(s=0;s<e.length;s++){{}}return r}}n=n||0;for(var s=e.length;s>0&&e[s-1][2]>n;s--)e[s]=e[s-1];e[s]=[t,o,n]}},a.f={{}},a.e=e=>Promise.all(Object.keys(a.f).reduce((r,t)=>(a.f[t](e,r),r),[])),a.u=e=>"static/js/"+({{216:"vendor"}}[e]||e)+"."+{{216:"4c1d2e3f",331:"9a8b7c6d"}}[e]+".chunk.js",a.miniCssF=e=>"static/css/"+({{216:"vendor"}}[e]||e)+"."+{{216:"77aa88bb"}}[e]+".chunk.css",a.p="{public_path}",(()=>{{var e={{121:0}};a.O.j=r=>0===e[r];var r=(r,t)=>{{}},t=self.webpackChunkapp=self.webpackChunkapp||[];t.forEach(r.bind(null,0)),t.push=r.bind(null,t.push.bind(t))}})()}})();"#
        )
    }

    /// The entry chunk: waits for the vendor chunk 216 (`a.O(0,[216],…)`) and loads route 331
    /// on demand (`a.e(331)`).
    pub(in crate::rules) fn entry(startup: &str) -> String {
        format!(
            r#"(self.webpackChunkapp=self.webpackChunkapp||[]).push([[792],{{5310:(e,t,n)=>{{document.body.onclick=()=>n.e(331).then(n.bind(n,4120));{}}}}},e=>{{e.O(0,[{startup}],()=>e(e.s=5310)),e.O()}}]);"#,
            react_components(8, 1)
        )
    }

    pub(in crate::rules) fn chunk(id: u32, seed: u32, size: usize) -> String {
        format!(
            "(self.webpackChunkapp=self.webpackChunkapp||[]).push([[{id}],{{{id}1:(e,t,n)=>{{{}}}}}]);",
            react_components(size, seed)
        )
    }

    /// A page that lists only its runtime and entry, as a server template or a hand-written
    /// page does: the vendor chunk comes through the runtime.
    fn app(public_path: &str) -> Folder {
        Folder::new()
            .file(
                "index.html",
                r#"<!doctype html><html><head><script defer src="/static/js/runtime.11aa22bb.js"></script><script defer src="/static/js/main.33cc44dd.js"></script></head><body><div id=root></div></body></html>"#,
            )
            .file("static/js/runtime.11aa22bb.js", runtime(public_path))
            .file("static/js/main.33cc44dd.js", entry("216"))
            .file("static/js/vendor.4c1d2e3f.chunk.js", chunk(216, 2, 60))
            .file("static/js/331.9a8b7c6d.chunk.js", chunk(331, 3, 40))
            .file(
                "static/css/vendor.77aa88bb.chunk.css",
                ".btn{color:#fff;background:#2f6fde;border-radius:4px}.card{padding:1rem}",
            )
    }

    #[test]
    fn start_up_chunks_the_runtime_names_are_initial() {
        for public_path in ["/", "", "https://cdn.example.com/app/"] {
            let folder = app(public_path);
            folder.prepared(|prepared, _| {
                let page = &prepared.pages[0];
                assert_eq!(
                    page.initial_scripts.files,
                    [
                        "static/js/main.33cc44dd.js",
                        "static/js/runtime.11aa22bb.js",
                        "static/js/vendor.4c1d2e3f.chunk.js"
                    ],
                    "public path {public_path:?}"
                );
                assert_eq!(
                    page.initial_stylesheets.files,
                    ["static/css/vendor.77aa88bb.chunk.css"]
                );
                assert!(page.incomplete.is_empty(), "{:?}", page.incomplete);
            });
        }
    }

    #[test]
    fn a_runtime_written_into_the_page_resolves_start_up_chunks() {
        // create-react-app's InlineChunkHtmlPlugin writes the runtime chunk into the page.
        let folder = app("/").file(
            "index.html",
            format!(
                r#"<!doctype html><html><head><script>{}</script><script defer src="/static/js/main.33cc44dd.js"></script></head><body></body></html>"#,
                runtime("/")
            ),
        );
        folder.prepared(|prepared, _| {
            let page = &prepared.pages[0];
            assert_eq!(
                page.initial_scripts.files,
                [
                    "static/js/main.33cc44dd.js",
                    "static/js/vendor.4c1d2e3f.chunk.js"
                ]
            );
            assert_eq!(page.lazy_scripts.files, ["static/js/331.9a8b7c6d.chunk.js"]);
            assert!(page.incomplete.is_empty(), "{:?}", page.incomplete);
        });
    }

    #[test]
    fn the_stylesheet_of_a_chunk_loaded_on_demand_is_lazy() {
        // Nx / Angular-style names (`e=>e+".css"`, no map of ids): the runtime asks for
        // `<id>.css` with each chunk; only chunk 358 has one.
        let runtime = runtime("/")
            .replace(
                r#"a.u=e=>"static/js/"+({216:"vendor"}[e]||e)+"."+{216:"4c1d2e3f",331:"9a8b7c6d"}[e]+".chunk.js""#,
                r#"a.u=e=>e+".js""#,
            )
            .replace(
                r#"a.miniCssF=e=>"static/css/"+({216:"vendor"}[e]||e)+"."+{216:"77aa88bb"}[e]+".chunk.css""#,
                r#"a.miniCssF=e=>e+".css""#,
            );
        assert!(runtime.contains(r#"a.miniCssF=e=>e+".css""#), "{runtime}");
        let main = entry("").replace("n.e(331)", "n.e(331).then(()=>n.e(358))");
        let folder = Folder::new()
            .file(
                "index.html",
                r#"<!doctype html><html><head><script defer src="runtime.js"></script><script defer src="main.js"></script></head><body></body></html>"#,
            )
            .file("runtime.js", runtime)
            .file("main.js", main)
            .file("331.js", chunk(331, 3, 4))
            .file("358.js", chunk(358, 5, 4))
            .file("358.css", ".dialog{display:grid;gap:8px}");
        folder.prepared(|prepared, _| {
            let page = &prepared.pages[0];
            assert_eq!(page.lazy_scripts.files, ["331.js", "358.js"]);
            assert_eq!(page.lazy_stylesheets.files, ["358.css"]);
            assert!(page.initial_stylesheets.files.is_empty());
        });
    }

    #[test]
    fn chunks_loaded_with_ensure_chunk_are_lazy() {
        app("/").prepared(|prepared, _| {
            let page = &prepared.pages[0];
            assert_eq!(page.lazy_scripts.files, ["static/js/331.9a8b7c6d.chunk.js"]);
            assert!(
                !page
                    .initial_scripts
                    .files
                    .contains(&"static/js/331.9a8b7c6d.chunk.js".to_string())
            );
        });
    }

    #[test]
    fn finds_the_vendor_chunk_over_the_budget() {
        let folder = app("/");
        let (main, vendor) = folder.prepared(|prepared, _| {
            let size = |path: &str| {
                prepared
                    .assets
                    .iter()
                    .find(|a| a.path == path)
                    .unwrap()
                    .transfer()
            };
            (
                size("static/js/main.33cc44dd.js") + size("static/js/runtime.11aa22bb.js"),
                size("static/js/vendor.4c1d2e3f.chunk.js"),
            )
        });
        // A budget that the page's own scripts meet and the vendor chunk breaks.
        let folder = folder.config(&format!("[[budget.initial]]\nscript = {}\n", main + 1));
        let findings = folder.findings(RULE);
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert!(
            findings[0].contains(&format!(
                "over the {} budget by {}",
                crate::size::human(main + 1),
                crate::size::human(vendor - 1)
            )),
            "{findings:?}"
        );
    }

    #[test]
    fn passes_when_the_html_already_lists_the_start_up_chunks() {
        // html-webpack-plugin lists every start-up chunk: nothing is counted twice.
        let folder = app("/").file(
            "index.html",
            r#"<script defer src="/static/js/runtime.11aa22bb.js"></script><script defer src="/static/js/vendor.4c1d2e3f.chunk.js"></script><script defer src="/static/js/main.33cc44dd.js"></script>"#,
        );
        folder.prepared(|prepared, _| {
            assert_eq!(prepared.pages[0].initial_scripts.files.len(), 3);
            assert!(prepared.pages[0].incomplete.is_empty());
        });
        folder
            .config("[[budget.initial]]\nscript = \"100kB\"\n")
            .passes(RULE);
    }

    #[test]
    fn finds_a_start_up_chunk_with_no_file_cannot_be_verified() {
        let folder = app("/")
            .file("static/js/main.33cc44dd.js", entry("216,4242"))
            .config("[[budget.initial]]\nscript = \"100kB\"\n");
        folder.prepared(|prepared, _| {
            assert_eq!(
                prepared.pages[0].incomplete,
                ["start-up chunk 4242: no file the page loads declares it, and the runtime (static/js/runtime.11aa22bb.js) names no file of the folder for it"]
            );
        });
        let findings = folder.findings(RULE);
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert!(
            findings[0].contains("the page's initial JS cannot be verified")
                && findings[0].contains("start-up chunk 4242"),
            "{findings:?}"
        );
    }

    #[test]
    fn finds_a_runtime_whose_chunk_names_cannot_be_read() {
        // The hash map is a variable: no constant says which file chunk 216 is.
        let folder = app("/")
            .file(
                "static/js/runtime.11aa22bb.js",
                runtime("/").replace(r#"{216:"4c1d2e3f",331:"9a8b7c6d"}[e]"#, "hashes[e]"),
            )
            .config("[[budget.initial]]\ntotal = \"100kB\"\n");
        folder.prepared(|prepared, _| {
            let incomplete = &prepared.pages[0].incomplete;
            assert_eq!(incomplete.len(), 2, "{incomplete:?}");
            assert!(incomplete[0].contains("chunk file names could not be read"));
            assert!(incomplete[1].contains("the chunk filename function (a.u) could not be read"));
        });
        let findings = folder.findings(RULE);
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert!(findings[0].contains("initial JS + CSS cannot be verified"));
    }

    #[test]
    fn finds_module_federation_cannot_be_verified() {
        let folder = app("/")
            .file(
                "static/js/runtime.11aa22bb.js",
                runtime("/").replace("a.p=", "a.f.remotes=(e,r)=>{},a.p="),
            )
            .config("[[budget.initial]]\nscript = \"100kB\"\n");
        let findings = folder.findings(RULE);
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert!(findings[0].contains("module federation"), "{findings:?}");
    }

    #[test]
    fn each_runtime_resolves_its_own_chunks() {
        // Two entries with a runtime each (homeassistant's core.js and app.js): both ask for
        // chunk 5, which is a different file in each build.
        let runtime = |map: &str| {
            format!(
                r#"(()=>{{var r={{}};r.f={{}},r.e=e=>Promise.all([]),r.u=e=>{map},r.p="/js/";r.e(5).then(r.bind(r,1))}})();"#
            )
        };
        let folder = Folder::new()
            .file(
                "index.html",
                r#"<script src="/js/core.js"></script><script src="/js/app.js"></script>"#,
            )
            .file("js/core.js", runtime(r#"""+e+".c0re.js""#))
            .file("js/app.js", runtime(r#"e+"."+{5:"a99",6:"b77"}[e]+".js""#))
            .file("js/5.c0re.js", chunk(5, 10, 5))
            .file(
                "js/5.a99.js",
                format!(
                    "(self.webpackChunkapp=self.webpackChunkapp||[]).push([[5],{{51:(e,t,n)=>{{n.e(6)}}}}]);{}",
                    react_components(5, 11)
                ),
            )
            .file("js/6.b77.js", chunk(6, 12, 5));
        folder.prepared(|prepared, _| {
            assert_eq!(
                prepared.pages[0].lazy_scripts.files,
                ["js/5.a99.js", "js/5.c0re.js", "js/6.b77.js"]
            );
        });
    }

    /// A statically exported Next.js pages-router page: the HTML lists the framework chunks,
    /// and the build manifest lists the route's own chunks, shared strings passed as
    /// parameters.
    fn next_app(manifest_route_files: &str) -> Folder {
        Folder::new()
            .file(
                "about.html",
                r#"<!DOCTYPE html><html><head><script src="/_next/static/chunks/webpack-aa11.js" defer=""></script><script src="/_next/static/chunks/main-bb22.js" defer=""></script><script src="/_next/static/Bld1/_buildManifest.js" defer=""></script></head><body><div id="__next"></div><script id="__NEXT_DATA__" type="application/json">{"props":{"pageProps":{}},"page":"/about","query":{},"buildId":"Bld1","nextExport":true}</script></body></html>"#,
            )
            .file(
                "_next/static/chunks/webpack-aa11.js",
                r#"(()=>{var r={};r.f={},r.e=e=>Promise.all([]),r.u=e=>"static/chunks/"+e+"."+({7:"c3"})[e]+".js",r.p="/_next/"})();"#,
            )
            .file("_next/static/chunks/main-bb22.js", chunk(600, 4, 10))
            .file(
                "_next/static/Bld1/_buildManifest.js",
                format!(
                    r#"self.__BUILD_MANIFEST=function(s,c){{return{{__rewrites:{{afterFiles:[],beforeFiles:[],fallback:[]}},"/":[s,"static/chunks/pages/index-11.js"],"/about":[{manifest_route_files}],sortedPages:["/","/_app","/about"]}}}}("static/chunks/shared-44.js","static/css/about-55.css"),self.__BUILD_MANIFEST_CB&&self.__BUILD_MANIFEST_CB();"#
                ),
            )
            .file("_next/static/chunks/shared-44.js", chunk(44, 5, 30))
            .file("_next/static/chunks/pages/about-66.js", chunk(66, 6, 20))
            .file("_next/static/chunks/pages/index-11.js", chunk(11, 7, 20))
            .file("_next/static/css/about-55.css", ".about{max-width:40rem;margin:auto}")
    }

    #[test]
    fn next_build_manifest_route_chunks_are_initial() {
        let folder = next_app(r#"s,c,"static/chunks/pages/about-66.js""#);
        folder.prepared(|prepared, _| {
            let page = &prepared.pages[0];
            assert_eq!(
                page.initial_scripts.files,
                [
                    "_next/static/Bld1/_buildManifest.js",
                    "_next/static/chunks/main-bb22.js",
                    "_next/static/chunks/pages/about-66.js",
                    "_next/static/chunks/shared-44.js",
                    "_next/static/chunks/webpack-aa11.js",
                ]
            );
            assert_eq!(
                page.initial_stylesheets.files,
                ["_next/static/css/about-55.css"]
            );
            assert!(page.incomplete.is_empty(), "{:?}", page.incomplete);
        });
        folder
            .config("[[budget.initial]]\nscript = \"100kB\"\n")
            .passes(RULE);
    }

    #[test]
    fn finds_a_next_manifest_file_that_is_not_in_the_folder() {
        let folder = next_app(r#"s,"static/chunks/pages/about-gone.js""#)
            .config("[[budget.initial]]\nscript = \"100kB\"\n");
        let findings = folder.findings(RULE);
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert!(
            findings[0].contains(
                "lists static/chunks/pages/about-gone.js for route /about, not in the folder"
            ),
            "{findings:?}"
        );
    }

    /// A pages-router page with two `next/dynamic` components; `dynamic_ids` is what its
    /// `__NEXT_DATA__` records as rendered at build time.
    fn next_dynamic_page(dynamic_ids: &str) -> Folder {
        Folder::new()
            .file(
                "index.html",
                format!(
                    r#"<script src="/_next/static/chunks/webpack-aa11.js" defer=""></script><script src="/_next/static/chunks/pages/index-11.js" defer=""></script><script id="__NEXT_DATA__" type="application/json">{{"props":{{}},"page":"/","buildId":"Bld1"{dynamic_ids}}}</script>"#
                ),
            )
            .file(
                "_next/static/chunks/webpack-aa11.js",
                r#"(()=>{var r={};r.f={},r.e=e=>Promise.all([]),r.u=e=>"static/chunks/"+e+"."+({4827:"c3",2541:"d4",99:"e5"})[e]+".js",r.miniCssF=e=>"static/css/"+({2541:"f6"})[e]+".css",r.p="/_next/"})();"#,
            )
            .file(
                "_next/static/chunks/pages/index-11.js",
                format!(
                    r#"(self.webpackChunk_N_E=self.webpackChunk_N_E||[]).push([[3332],{{37795:(e,t,l)=>{{let s=o()(()=>Promise.all([l.e(4827),l.e(2541)]).then(l.bind(l,64074)),{{loadableGenerated:{{webpack:()=>[64074]}},ssr:!0}}),c=o()(()=>l.e(99).then(l.bind(l,100)),{{loadableGenerated:{{webpack:()=>[100]}}}});{}}}}},e=>{{e.O(0,[],()=>e(e.s=37795))}}]);"#,
                    react_components(4, 13)
                ),
            )
            .file("_next/static/chunks/4827.c3.js", chunk(4827, 14, 10))
            .file("_next/static/chunks/2541.d4.js", chunk(2541, 15, 10))
            .file("_next/static/chunks/99.e5.js", chunk(99, 16, 10))
            .file("_next/static/css/f6.css", ".grid{display:grid}")
    }

    #[test]
    fn next_dynamic_chunks_the_page_recorded_are_initial() {
        next_dynamic_page(r#","dynamicIds":[64074]"#).prepared(|prepared, _| {
            let page = &prepared.pages[0];
            assert_eq!(
                page.initial_scripts.files,
                [
                    "_next/static/chunks/2541.d4.js",
                    "_next/static/chunks/4827.c3.js",
                    "_next/static/chunks/pages/index-11.js",
                    "_next/static/chunks/webpack-aa11.js",
                ]
            );
            assert_eq!(page.initial_stylesheets.files, ["_next/static/css/f6.css"]);
            assert_eq!(page.lazy_scripts.files, ["_next/static/chunks/99.e5.js"]);
        });
        // Not recorded (`ssr: false`, or not rendered when built): loaded on demand.
        next_dynamic_page("").prepared(|prepared, _| {
            let page = &prepared.pages[0];
            assert_eq!(page.initial_scripts.files.len(), 2);
            assert_eq!(page.lazy_scripts.files.len(), 3);
        });
    }

    #[test]
    fn next_app_router_flight_data_chunks_are_initial() {
        let folder = Folder::new()
            .file(
                "index.html",
                r#"<!DOCTYPE html><html><head><link rel="stylesheet" href="/_next/static/css/app-1.css"><script src="/_next/static/chunks/webpack-aa11.js" async=""></script></head><body><script>(self.__next_f=self.__next_f||[]).push([0])</script><script>self.__next_f.push([1,"1:\"$Sreact.fragment\"\n2:\"/_next/static/chunks/turbo-77.js\"\n3:I[4121,[\"static/chunks/client-88.js\",\"$2\"],\"default\"]\n"])</script><script>self.__next_f.push([1,":HL[\"/_next/static/css/extra-9.css\",\"style\"]\n4:I[7,[\"static/chunks/gone-1.js\",\"https://cdn.example.com/_next/static/chunks/cdn-2.js\"],\"Chart\"]\n"])</script></body></html>"#,
            )
            .file(
                "_next/static/chunks/webpack-aa11.js",
                r#"(()=>{var r={};r.f={},r.e=e=>Promise.all([]),r.u=e=>"static/chunks/"+e+".js",r.p="/_next/"})();"#,
            )
            .file("_next/static/chunks/turbo-77.js", chunk(77, 8, 10))
            .file("_next/static/chunks/client-88.js", chunk(88, 9, 10))
            .file("_next/static/css/app-1.css", "body{margin:0}")
            .file("_next/static/css/extra-9.css", ".x{color:red}");
        folder.prepared(|prepared, _| {
            let page = &prepared.pages[0];
            assert_eq!(
                page.initial_scripts.files,
                [
                    "_next/static/chunks/client-88.js",
                    "_next/static/chunks/turbo-77.js",
                    "_next/static/chunks/webpack-aa11.js",
                ]
            );
            assert_eq!(
                page.initial_stylesheets.files,
                ["_next/static/css/app-1.css", "_next/static/css/extra-9.css"]
            );
            // A file the build names that the folder lacks: the page cannot be verified. One
            // on another origin is not counted, like any CDN script.
            assert_eq!(
                page.incomplete,
                ["the page's Next.js flight data names static/chunks/gone-1.js, not in the folder"]
            );
            assert!(page.missing.is_empty(), "{:?}", page.missing);
        });
    }
}
