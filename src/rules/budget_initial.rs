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
}
