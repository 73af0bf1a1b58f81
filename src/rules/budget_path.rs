use super::{Rule, RuleContext, RuleMeta, declare_rule, failed_budgets};
use crate::model::finding::Violation;

declare_rule! {
    /// ## What it does
    /// Checks files matched by a path pattern against a size limit, as bundlewatch and
    /// bundlesize do (`[[budget.path]]` in `webaudit.toml`), and imports size-limit's checks
    /// from `.size-limit.json` or the `size-limit` key of `package.json`. With
    /// `aggregate = "each"` (the default) every matching file must fit on its own; with
    /// `aggregate = "sum"` (how size-limit measures) the matching files together must fit.
    /// Patterns are relative to the audited folder: `*` stays within a folder, `**` crosses
    /// folders, and `!pattern` excludes.
    ///
    /// ## Why is this bad?
    /// The entry chunk, the vendor chunk and the main stylesheet are what every visitor
    /// downloads first. A limit on each keeps one of them from absorbing the growth of the app.
    ///
    /// ## How to fix it
    /// Move code out of the named file (dynamic `import()` for routes and heavy widgets),
    /// trim its dependencies, or raise the limit if the growth is intended:
    ///
    /// ```toml
    /// [[budget.path]]
    /// path = "assets/index-*.js"
    /// max_size = "120kB"
    /// ```
    ///
    /// ## Options
    /// `path` (pattern or list), `max_size` (also `maxSize`, `limit`), `compression` (gzip,
    /// brotli, none; default gzip), `aggregate` (each, sum), `name`. size-limit entries keep
    /// size-limit's meaning: brotli unless `gzip: true`, raw when `brotli: false`, summed.
    BudgetPath {
        id: "budget/path",
        summary: "Files matching a path pattern (bundlewatch / size-limit style) over their size limit",
        severity: Error,
    }
}

impl Rule for BudgetPath {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }
    fn check(&self, context: &RuleContext, found: &mut Vec<Violation>) {
        failed_budgets(context, Self::META.id, found);
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::tester::{Folder, react_components};

    const RULE: &str = "budget/path";

    const PAGE: &str = r#"<!doctype html><html lang="en"><head><meta charset="UTF-8"><title>Shop</title><script type="module" crossorigin src="/assets/index-BqP3xK9z.js"></script><link rel="modulepreload" crossorigin href="/assets/vendor-DkL9x2Qa.js"><link rel="stylesheet" crossorigin href="/assets/index-C8mN2vQa.css"></head><body><div id="root"></div></body></html>"#;

    /// A minified chunk of `components` small React components with distinct names, numbers
    /// and UI strings, so it does not compress to nothing.
    fn chunk(components: usize, seed: u32) -> String {
        react_components(components, seed)
    }

    /// A built app: a small entry chunk, a large vendor chunk (both gzip over 1 kB, the vendor
    /// one over 4 kB), a stylesheet and the entry's source map.
    fn app() -> Folder {
        let entry = format!(
            "import{{j as e,r as s}}from\"./vendor-DkL9x2Qa.js\";{}export{{C0 as default}};\n//# sourceMappingURL=index-BqP3xK9z.js.map\n",
            chunk(40, 1)
        );
        let map = format!(
            r#"{{"version":3,"sources":["../../src/App.tsx"],"sourcesContent":[{:?}],"names":[],"mappings":"AAAA"}}"#,
            chunk(80, 3)
        );
        Folder::new()
            .file("index.html", PAGE)
            .file("assets/index-BqP3xK9z.js", entry)
            .file("assets/index-BqP3xK9z.js.map", map)
            .file(
                "assets/vendor-DkL9x2Qa.js",
                format!("{}export{{s as r,e as j}};\n", chunk(160, 2)),
            )
            .file(
                "assets/index-C8mN2vQa.css",
                ":root{--brand:#4f46e5}body{margin:0;font-family:Inter,system-ui,sans-serif}.btn{padding:.5rem 1rem;border-radius:.375rem;background:var(--brand);color:#fff}",
            )
    }

    #[test]
    fn passes_when_each_matching_file_fits() {
        app()
            .config("[[budget.path]]\npath = \"assets/*.js\"\nmax_size = \"20kB\"\n")
            .passes(RULE);
    }

    #[test]
    fn passes_when_the_pattern_matches_no_file() {
        // A renamed output: a note says nothing was checked, and no finding.
        let folder =
            app().config("[[budget.path]]\npath = \"static/js/main.*.js\"\nmax_size = \"1kB\"\n");
        folder.passes(RULE);
        folder.prepared(|prepared, _| {
            assert_eq!(
                prepared.notes,
                ["webaudit.toml:2: path budget \"static/js/main.*.js\" matches no file; nothing was checked"]
            );
        });
    }

    #[test]
    fn passes_when_the_large_chunk_is_excluded() {
        app()
            .config("[[budget.path]]\npath = [\"assets/*.js\", \"!assets/vendor-*.js\"]\nmax_size = \"2kB\"\n")
            .passes(RULE);
    }

    #[test]
    fn passes_when_a_star_does_not_cross_folders() {
        app()
            .file("assets/workers/pdf-D2kq9s.js", chunk(200, 5))
            .config("[[budget.path]]\npath = \"assets/*.js\"\nmax_size = \"4kB\"\n")
            .passes(RULE);
    }

    #[test]
    fn passes_when_the_sum_fits() {
        app()
            .config("[[budget.path]]\npath = \"assets/*.js\"\nmax_size = \"30kB\"\naggregate = \"sum\"\n")
            .passes(RULE);
    }

    #[test]
    fn finds_each_file_over_the_limit_at_the_file() {
        let folder = app().config("[[budget.path]]\npath = \"assets/*.js\"\nmax_size = \"3kB\"\n");
        assert_eq!(
            folder.findings(RULE),
            [
                "assets/vendor-DkL9x2Qa.js:-:-: the file (budget \"assets/*.js\") is 3.59 kB gzip, over the 3 kB budget by 586 B (120%; webaudit.toml:2)"
            ]
        );
        let finding = &folder.findings_of(RULE)[0];
        assert_eq!(finding.severity, crate::model::finding::Severity::Error);
        assert_eq!(finding.limit, Some(3000));
    }

    #[test]
    fn finds_every_matching_file_across_folders_with_a_double_star() {
        let folder = app().config("[[budget.path]]\npath = \"**/*.js\"\nmax_size = \"1kB\"\n");
        assert_eq!(
            folder.findings(RULE),
            [
                "assets/index-BqP3xK9z.js:-:-: the file (budget \"**/*.js\") is 1.30 kB gzip, over the 1 kB budget by 305 B (130%; webaudit.toml:2)",
                "assets/vendor-DkL9x2Qa.js:-:-: the file (budget \"**/*.js\") is 3.59 kB gzip, over the 1 kB budget by 2.59 kB (359%; webaudit.toml:2)"
            ]
        );
    }

    #[test]
    fn finds_files_in_every_folder_with_a_pattern_without_a_slash() {
        // As in .gitignore, a pattern without `/` matches file names at any depth; a leading
        // `/` does not anchor it (size-limit and bundlewatch would match `*.js` at the root
        // only).
        for pattern in ["*.js", "/*.js"] {
            let folder = app().config(&format!(
                "[[budget.path]]\npath = \"{pattern}\"\nmax_size = \"3kB\"\n"
            ));
            assert_eq!(
                folder.findings(RULE),
                [format!(
                    "assets/vendor-DkL9x2Qa.js:-:-: the file (budget \"{pattern}\") is 3.59 kB gzip, over the 3 kB budget by 586 B (120%; webaudit.toml:2)"
                )],
                "{pattern}"
            );
        }
    }

    #[test]
    fn finds_the_sum_of_the_matching_files_under_its_name() {
        let folder = app().config(
            "[[budget.path]]\npath = \"assets/*.{js,css}\"\nmaxSize = \"5kB\"\naggregate = \"sum\"\nname = \"first load\"\n",
        );
        assert_eq!(
            folder.findings(RULE),
            [
                "-:-:-: first load is 5.04 kB gzip, over the 5 kB budget by 41 B (101%; webaudit.toml:2)"
            ]
        );
    }

    #[test]
    fn finds_a_source_map_when_the_pattern_names_it() {
        let folder = app().config(
            "[[budget.path]]\npath = \"assets/*.map\"\nlimit = \"5kB\"\ncompression = \"none\"\n",
        );
        assert_eq!(
            folder.findings(RULE),
            [
                "assets/index-BqP3xK9z.js.map:-:-: the file (budget \"assets/*.map\") is 19.45 kB raw, over the 5 kB budget by 14.45 kB (389%; webaudit.toml:2)"
            ]
        );
    }

    #[test]
    fn finds_size_limit_entries_summed_in_brotli() {
        let folder = app().file(
            ".size-limit.json",
            r#"[{"name": "JS", "path": "assets/*.js", "limit": "4 kB"}, {"path": "assets/*.css", "limit": "100 B"}]"#,
        );
        assert_eq!(
            folder.findings(RULE),
            [
                "-:-:-: JS is 4.13 kB brotli, over the 4 kB budget by 134 B (103%; .size-limit.json size-limit #1 (JS))",
                "-:-:-: assets/*.css is 118 B brotli, over the 100 B budget by 18 B (118%; .size-limit.json size-limit #2 (assets/*.css))"
            ]
        );
    }

    #[test]
    fn finds_bundlewatch_entries_with_kilobytes_of_1024() {
        let folder = app().file(
            ".bundlewatch.config.json",
            r#"{"files": [{"path": "assets/vendor-*.js", "maxSize": "3kB"}, {"path": "assets/index-*.js", "maxSize": "2kB"}]}"#,
        );
        assert_eq!(
            folder.findings(RULE),
            [
                "assets/vendor-DkL9x2Qa.js:-:-: the file (budget \"assets/vendor-*.js\") is 3.59 kB gzip, over the 3.07 kB budget by 514 B (117%; .bundlewatch.config.json bundlewatch #1 (assets/vendor-*.js), maxSize 3,072 B)"
            ]
        );
    }
}
