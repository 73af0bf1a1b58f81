use super::{Rule, RuleContext, RuleMeta, declare_rule, failed_budgets};
use crate::model::finding::Violation;

declare_rule! {
    /// ## What it does
    /// Adds up the compressed size of the app's scripts and stylesheets (gzip by default) and
    /// compares it with the total budget: 200 kB unless `[budget] total` in `webaudit.toml` or
    /// `--budget` says otherwise. `[budget] total_types` changes which resource types count, and
    /// `[budget] compression` switches to brotli or raw bytes. Source maps and precompressed
    /// copies (`.gz`, `.br`) never count: browsers do not download them as separate assets.
    ///
    /// ## Why is this bad?
    /// Every byte of JavaScript and CSS is downloaded, parsed and executed before a page becomes
    /// usable, and on a mid-range phone over a slow network the JavaScript cost dominates load
    /// time. A total budget turns "the bundle slowly got bigger" into a failing check at the pull
    /// request that crossed the line.
    ///
    /// ## How to fix it
    /// Find the largest scripts in webaudit's asset table, then: remove unused dependencies,
    /// replace libraries shipped whole with tree-shakable imports (see the `tree-shaking/*`
    /// rules), split rarely used routes behind dynamic `import()`, and drop polyfills modern
    /// browsers do not need. If the growth is intended, raise the budget deliberately:
    ///
    /// ```toml
    /// [budget]
    /// total = "250kB"
    /// ```
    ///
    /// ## Options
    /// `[budget] total` (size, or `false` to disable), `compression` (gzip, brotli, none),
    /// `total_types` (default `["script", "stylesheet"]`); `--budget SIZE` on the command line.
    BudgetTotal {
        id: "budget/total",
        summary: "Total compressed size of scripts and stylesheets over the budget (default 200 kB gzip)",
        severity: Error,
    }
}

impl Rule for BudgetTotal {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, context: &RuleContext, found: &mut Vec<Violation>) {
        failed_budgets(context, Self::META.id, found);
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::tester::{Folder, react_chunk, utility_css};

    const RULE: &str = "budget/total";

    const PAGE: &str = r#"<!doctype html><html lang="en"><head><meta charset="UTF-8"><meta name="viewport" content="width=device-width,initial-scale=1.0"><title>Shop</title><script type="module" crossorigin src="/assets/index-BqP3xK9z.js"></script><link rel="stylesheet" crossorigin href="/assets/index-C8mN2vQa.css"></head><body><div id="root"></div></body></html>"#;

    /// A minified chunk as Rollup emits it: `components` small React components with distinct
    /// names, numbers and UI strings, so it does not compress to nothing.
    fn chunk(components: usize) -> String {
        react_chunk(components, 0)
    }

    /// A minified stylesheet of `rules` utility classes.
    fn stylesheet(rules: usize) -> String {
        utility_css(rules)
    }

    fn app() -> Folder {
        Folder::new()
            .file("index.html", PAGE)
            .file("assets/index-BqP3xK9z.js", chunk(60))
            .file("assets/index-C8mN2vQa.css", stylesheet(80))
    }

    /// What the total budget measured in `folder`.
    fn measured(folder: &Folder) -> u64 {
        folder.prepared(|prepared, _| {
            prepared
                .budgets
                .iter()
                .find(|check| check.rule == RULE)
                .expect("a total budget")
                .actual
        })
    }

    #[test]
    fn passes_under_the_default_200_kb() {
        app().passes(RULE);
    }

    #[test]
    fn passes_when_the_total_is_disabled() {
        app().config("[budget]\ntotal = false\n").passes(RULE);
    }

    #[test]
    fn passes_when_only_images_fonts_and_pages_are_large() {
        app()
            .config("[budget]\ntotal = \"3kB\"\n")
            .png("assets/hero-Dx8aK2.png", 96, 64)
            .file(
                "assets/inter-latin-400-Bq2.woff2",
                b"wOF2\0\x01\0\0".repeat(600),
            )
            .file("about.html", PAGE.repeat(20))
            .passes(RULE);
    }

    #[test]
    fn passes_when_only_source_maps_and_precompressed_copies_are_large() {
        let map = format!(
            r#"{{"version":3,"file":"index-BqP3xK9z.js","sources":["../../src/main.tsx"],"sourcesContent":[{:?}],"names":[],"mappings":"AAAA"}}"#,
            chunk(200)
        );
        app()
            .config("[budget]\ntotal = \"3kB\"\n")
            .file("assets/index-BqP3xK9z.js.map", map)
            .gzip("assets/index-BqP3xK9z.js.gz", chunk(60))
            .gzip("assets/index-C8mN2vQa.css.gz", stylesheet(80))
            .passes(RULE);
    }

    #[test]
    fn passes_at_exactly_the_limit() {
        let limit = measured(&app());
        app()
            .config(&format!("[budget]\ntotal = {limit}\n"))
            .passes(RULE);
    }

    #[test]
    fn finds_scripts_and_stylesheets_over_the_total() {
        let folder = app().config("[budget]\ntotal = \"1kB\"\n");
        assert_eq!(
            folder.findings(RULE),
            [
                "-:-:-: total (script + stylesheet) is 2.44 kB gzip, over the 1 kB budget by 1.44 kB (244%; webaudit.toml:2)"
            ]
        );
        let finding = &folder.findings_of(RULE)[0];
        assert_eq!(finding.severity, crate::model::finding::Severity::Error);
        assert_eq!(finding.limit, Some(1000));
        assert_eq!(finding.actual, Some(measured(&folder)));
    }

    #[test]
    fn finds_one_byte_over_the_limit() {
        let limit = measured(&app()) - 1;
        let folder = app().config(&format!("[budget]\ntotal = {limit}\n"));
        assert_eq!(
            folder.findings(RULE),
            [
                "-:-:-: total (script + stylesheet) is 2.44 kB gzip, over the 2.44 kB budget by 1 B (100%; webaudit.toml:2)"
            ]
        );
    }

    #[test]
    fn finds_the_total_in_brotli_when_asked() {
        let folder = app().config("[budget]\ntotal = \"1kB\"\ncompression = \"brotli\"\n");
        assert_eq!(
            folder.findings(RULE),
            [
                "-:-:-: total (script + stylesheet) is 1.89 kB brotli, over the 1 kB budget by 894 B (189%; webaudit.toml:2)"
            ]
        );
    }

    #[test]
    fn finds_raw_bytes_with_compression_none() {
        let folder = app().config("[budget]\ntotal = \"10kB\"\ncompression = \"none\"\n");
        assert_eq!(
            folder.findings(RULE),
            [
                "-:-:-: total (script + stylesheet) is 18.20 kB raw, over the 10 kB budget by 8.20 kB (182%; webaudit.toml:2)"
            ]
        );
    }

    #[test]
    fn finds_images_when_total_types_include_them() {
        let folder = app()
            .config("[budget]\ntotal = \"5kB\"\ntotal_types = [\"script\", \"stylesheet\", \"image\"]\n")
            .png("assets/hero-Dx8aK2.png", 96, 64);
        assert_eq!(
            folder.findings(RULE),
            [
                "-:-:-: total (script + stylesheet + image) is 16.73 kB gzip, over the 5 kB budget by 11.73 kB (335%; webaudit.toml:2)"
            ]
        );
    }
}
