use super::{Rule, RuleContext, RuleMeta, declare_rule, failed_budgets};
use crate::model::finding::Violation;

declare_rule! {
    /// ## What it does
    /// Counts the assets of each resource type that has a request-count limit
    /// (`[budget.counts]` in `webaudit.toml`, or `resourceCounts` in a Lighthouse `budget.json`)
    /// and reports the types over their limit. Counting is per file in the built folder: every
    /// counted asset is one request when it is loaded. Source maps and precompressed copies do
    /// not count.
    ///
    /// ## Why is this bad?
    /// Each request has a cost beyond its bytes: a round trip on a cold connection, a slot in the
    /// browser's queue, scheduling and cache lookups. Dozens of tiny chunks or icons can load
    /// slower than a few larger files, even over HTTP/2.
    ///
    /// ## How to fix it
    /// Merge tiny chunks (your bundler's minimum chunk size, e.g. Rollup's
    /// `output.experimentalMinChunkSize`), inline small icons as an SVG sprite, and drop unused
    /// fonts and weights. Or raise the limit:
    ///
    /// ```toml
    /// [budget.counts]
    /// script = 20
    /// ```
    ///
    /// ## Options
    /// `[budget.counts]`: one whole number per type, `total` for every counted asset.
    BudgetCount {
        id: "budget/count",
        summary: "More files of a resource type than its request-count limit",
        severity: Error,
    }
}

impl Rule for BudgetCount {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, context: &RuleContext, found: &mut Vec<Violation>) {
        failed_budgets(context, Self::META.id, found);
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::tester::Folder;

    const RULE: &str = "budget/count";

    const PAGE: &str = r#"<!doctype html><html lang="en"><head><meta charset="UTF-8"><title>Docs</title><script type="module" crossorigin src="/assets/index-BqP3xK9z.js"></script><link rel="modulepreload" crossorigin href="/assets/vendor-DkL9x2Qa.js"><link rel="stylesheet" crossorigin href="/assets/index-C8mN2vQa.css"></head><body><div id="root"></div></body></html>"#;

    const ENTRY: &str = "import{r as o,j as e}from\"./vendor-DkL9x2Qa.js\";const t=()=>import(\"./search-Cq81LmZp.js\");function n(){const[s,a]=o.useState(!1);return e.jsx(\"button\",{onClick:()=>t().then(r=>a(r.default)),children:\"Search\"})}o.createRoot(document.getElementById(\"root\")).render(e.jsx(n,{}));\n";
    const VENDOR: &str = "var r={useState(t){return[t,()=>{}]},createRoot(){return{render(){}}}},j={jsx(t,e){return{t,e}}};export{r,j};\n";
    const SEARCH: &str = "const e=[\"guide\",\"api\",\"faq\"];function t(n){return e.filter(r=>r.includes(n))}export{t as default};\n";

    /// A docs site: two scripts loaded up front, one lazy chunk, a stylesheet and three fonts.
    fn site(config: &str) -> Folder {
        Folder::new()
            .file("index.html", PAGE)
            .file("assets/index-BqP3xK9z.js", ENTRY)
            .file("assets/vendor-DkL9x2Qa.js", VENDOR)
            .file("assets/search-Cq81LmZp.js", SEARCH)
            .file(
                "assets/index-C8mN2vQa.css",
                ".nav{display:flex}.nav a{padding:4px 8px}",
            )
            .file("assets/inter-400-Bq2xL.woff2", b"wOF2\0\x01\0\0".repeat(40))
            .file("assets/inter-600-Dk31a.woff2", b"wOF2\0\x01\0\0".repeat(40))
            .file("assets/inter-700-Zp0qW.woff2", b"wOF2\0\x01\0\0".repeat(40))
            .config(config)
    }

    #[test]
    fn passes_under_the_limits() {
        site("[budget.counts]\nscript = 5\nfont = 4\n").passes(RULE);
    }

    #[test]
    fn passes_at_exactly_the_limit() {
        site("[budget.counts]\nscript = 3\nfont = 3\nstylesheet = 1\n").passes(RULE);
    }

    #[test]
    fn passes_when_source_maps_and_precompressed_copies_are_not_counted() {
        site("[budget.counts]\nscript = 3\n")
            .file("assets/index-BqP3xK9z.js.map", r#"{"version":3,"sources":["../../src/main.tsx"],"names":[],"mappings":"AAAA"}"#)
            .file("assets/vendor-DkL9x2Qa.js.map", r#"{"version":3,"sources":["../../node_modules/react/index.js"],"names":[],"mappings":"AAAA"}"#)
            .gzip("assets/index-BqP3xK9z.js.gz", ENTRY)
            .gzip("assets/vendor-DkL9x2Qa.js.gz", VENDOR)
            .passes(RULE);
    }

    #[test]
    fn finds_too_many_scripts_lazy_chunks_included() {
        let folder = site("[budget.counts]\nscript = 2\n");
        assert_eq!(
            folder.findings(RULE),
            ["-:-:-: script requests: 3, over the limit of 2 by 1 (webaudit.toml:2)"]
        );
        let finding = &folder.findings_of(RULE)[0];
        assert_eq!(finding.severity, crate::model::finding::Severity::Error);
        assert_eq!((finding.actual, finding.limit), (Some(3), Some(2)));
    }

    #[test]
    fn finds_too_many_font_files() {
        let folder = site("[budget.counts]\nfont = 2\nscript = 10\n");
        assert_eq!(
            folder.findings(RULE),
            ["-:-:-: font requests: 3, over the limit of 2 by 1 (webaudit.toml:2)"]
        );
    }

    #[test]
    fn finds_too_many_requests_in_total() {
        // The page, three scripts, the stylesheet, three fonts, and webaudit.toml itself: it is
        // in the built folder, so it would be deployed with it.
        let folder = site("[budget.counts]\ntotal = 6\n");
        assert_eq!(
            folder.findings(RULE),
            ["-:-:-: total requests: 9, over the limit of 6 by 3 (webaudit.toml:2)"]
        );
    }

    #[test]
    fn finds_with_the_severity_set_in_rules() {
        let folder =
            site("[budget.counts]\nscript = 1\n\n[rules]\n\"budget/count\" = \"warning\"\n");
        assert_eq!(
            folder.findings(RULE),
            ["-:-:-: script requests: 3, over the limit of 1 by 2 (webaudit.toml:2)"]
        );
        assert_eq!(
            folder.findings_of(RULE)[0].severity,
            crate::model::finding::Severity::Warning
        );
    }
}
