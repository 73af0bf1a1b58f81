use super::{Rule, RuleContext, RuleMeta, declare_rule, failed_budgets};
use crate::model::finding::Violation;

declare_rule! {
    /// ## What it does
    /// Checks the total size of each resource type that has a budget — document, script,
    /// stylesheet, image, font, media, wasm, data, other, or `total` for everything a browser
    /// downloads — set in `[budget.types]` of `webaudit.toml` or as `resourceSizes` in a
    /// Lighthouse `budget.json` (`--budget-file`). Compressible types are measured compressed
    /// (`[budget] compression`, gzip by default); already-compressed formats such as PNG, JPEG,
    /// WebP and WOFF2 count at their size on disk, which is what travels over the network.
    ///
    /// ## Why is this bad?
    /// A single total hides where bytes go: images can double while scripts shrink. Per-type
    /// budgets keep each kind of asset in check, the way Lighthouse performance budgets do.
    ///
    /// ## How to fix it
    /// Look at the type's largest assets in the report. Images: modern formats and display-sized
    /// dimensions (`images/*` rules). Fonts: WOFF2, subsetting, fewer weights. Scripts and
    /// stylesheets: see `budget/total`. Or raise the budget if the growth is intended:
    ///
    /// ```toml
    /// [budget.types]
    /// image = "1.5MB"
    /// ```
    ///
    /// ## Options
    /// `[budget.types]`: one size per type; `--budget-file budget.json` (Lighthouse format,
    /// sizes in KiB). Lighthouse's `other` covers wasm, data and other.
    BudgetType {
        id: "budget/type",
        summary: "Total size of one resource type (script, image, font, …) over its budget",
        severity: Error,
    }
}

impl Rule for BudgetType {
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

    const RULE: &str = "budget/type";

    const PAGE: &str = r#"<!doctype html><html lang="en"><head><meta charset="UTF-8"><title>Shop</title><script type="module" crossorigin src="/assets/index-BqP3xK9z.js"></script><link rel="stylesheet" crossorigin href="/assets/index-C8mN2vQa.css"></head><body><div id="root"></div></body></html>"#;

    /// A minified chunk as Rollup emits it: `components` small React components with distinct
    /// names, numbers and UI strings, so it does not compress to nothing.
    fn chunk(components: usize) -> String {
        react_chunk(components, 0)
    }

    /// A minified stylesheet of `rules` utility classes.
    fn stylesheet(rules: usize) -> String {
        utility_css(rules)
    }

    /// A built app with a hero image; `config` is its webaudit.toml.
    fn app(config: &str) -> Folder {
        Folder::new()
            .file("index.html", PAGE)
            .file("assets/index-BqP3xK9z.js", chunk(60))
            .file("assets/index-C8mN2vQa.css", stylesheet(80))
            .png("assets/hero-Dx8aK2.png", 96, 64)
            .config(config)
    }

    /// The size of `path` on disk in `folder`.
    fn raw(folder: &Folder, path: &str) -> u64 {
        folder.prepared(|prepared, _| {
            prepared
                .assets
                .iter()
                .find(|asset| asset.path == path)
                .expect("the asset")
                .raw
        })
    }

    #[test]
    fn passes_when_every_type_is_under_its_budget() {
        app("[budget.types]\nscript = \"50kB\"\nstylesheet = \"10kB\"\nimage = \"100kB\"\n")
            .passes(RULE);
    }

    #[test]
    fn passes_for_types_without_a_budget() {
        app("[budget.types]\nfont = \"100kB\"\nmedia = \"1MB\"\n").passes(RULE);
    }

    #[test]
    fn passes_when_an_image_budget_is_exactly_the_size_on_disk() {
        let png = raw(&app(""), "assets/hero-Dx8aK2.png");
        app(&format!("[budget.types]\nimage = {png}\n")).passes(RULE);
    }

    #[test]
    fn passes_when_only_source_maps_and_precompressed_copies_are_large() {
        let map = format!(
            r#"{{"version":3,"sources":["../../src/main.tsx"],"sourcesContent":[{:?}],"names":[],"mappings":"AAAA"}}"#,
            chunk(200)
        );
        app("[budget.types]\nscript = \"3kB\"\nother = \"1kB\"\n")
            .file("assets/index-BqP3xK9z.js.map", map)
            .gzip("assets/index-BqP3xK9z.js.gz", chunk(60))
            .passes(RULE);
    }

    #[test]
    fn finds_scripts_over_their_budget() {
        let folder = app("[budget.types]\nscript = \"1kB\"\nimage = \"100kB\"\n");
        assert_eq!(
            folder.findings(RULE),
            [
                "-:-:-: script is 1.68 kB gzip, over the 1 kB budget by 675 B (168%; webaudit.toml:2)"
            ]
        );
        let finding = &folder.findings_of(RULE)[0];
        assert_eq!(finding.severity, crate::model::finding::Severity::Error);
        assert_eq!(finding.limit, Some(1000));
    }

    #[test]
    fn finds_images_over_their_budget_at_their_size_on_disk() {
        // PNG is not gzipped in transit: it counts at its size on disk (the message still
        // calls the measure "gzip", the budget's compression).
        let folder = app("[budget.types]\nimage = \"10kB\"\n");
        assert_eq!(
            folder.findings(RULE),
            [
                "-:-:-: image is 14.29 kB gzip, over the 10 kB budget by 4.29 kB (143%; webaudit.toml:2)"
            ]
        );
        let png = raw(&folder, "assets/hero-Dx8aK2.png");
        assert_eq!(folder.findings_of(RULE)[0].actual, Some(png));
    }

    #[test]
    fn finds_each_type_over_its_budget_with_its_line() {
        let folder =
            app("[budget.types]\nscript = \"1kB\"\nstylesheet = \"500B\"\nimage = \"1MB\"\n");
        assert_eq!(
            folder.findings(RULE),
            [
                "-:-:-: script is 1.68 kB gzip, over the 1 kB budget by 675 B (168%; webaudit.toml:2)",
                "-:-:-: stylesheet is 761 B gzip, over the 500 B budget by 261 B (152%; webaudit.toml:3)"
            ]
        );
    }

    #[test]
    fn finds_everything_downloaded_over_the_total_type() {
        let folder = app("[budget.types]\ntotal = \"10kB\"\n").file(
            "assets/inter-latin-400-Bq2.woff2",
            b"wOF2\0\x01\0\0".repeat(300),
        );
        assert_eq!(
            folder.findings(RULE),
            [
                "-:-:-: total is 19.36 kB gzip, over the 10 kB budget by 9.36 kB (194%; webaudit.toml:2)"
            ]
        );
    }

    #[test]
    fn finds_raw_bytes_with_compression_none() {
        let folder = app("[budget]\ncompression = \"none\"\n\n[budget.types]\nscript = \"10kB\"\n");
        assert_eq!(
            folder.findings(RULE),
            [
                "-:-:-: script is 14.02 kB raw, over the 10 kB budget by 4.02 kB (140%; webaudit.toml:5)"
            ]
        );
    }
}
