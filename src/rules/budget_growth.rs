use super::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::baseline::{AssetDelta, Change, MaxIncrease};
use crate::model::finding::Violation;
use crate::size::{human, human_delta};

declare_rule! {
    /// ## What it does
    /// Compares this build with a baseline report (`--baseline base.json`, the JSON report of
    /// the base branch) and reports growth beyond `--max-increase`:
    ///
    /// - the **total**: the transfer size (gzip for text formats, raw for already-compressed
    ///   ones) of every asset browsers download, as in the report's `totals.all`;
    /// - **each asset** present in both builds, matched by path or by its name with the content
    ///   hash taken out (`main-D7fafypN.js` ↔ `main-CrzbACqt.js`);
    /// - with a size limit (`10kB`), also each **new** asset, counted from zero. A percentage has
    ///   nothing to take a percentage of for a new asset: new assets then count through the
    ///   total only.
    ///
    /// A limit is exceeded when the growth in bytes is larger than the limit: for `5%`, larger
    /// than 5% of the baseline's size, rounded down to a whole byte. Shrinking and removed
    /// assets never fire. Without `--baseline` the rule checks nothing (a note says so when a
    /// maximum increase is set); without a maximum increase it checks nothing either.
    ///
    /// ## Why is this bad?
    /// Bundles rarely cross a budget in one step: they grow a few kilobytes per pull request, a
    /// dependency here, a polyfill there, until the budget fails on a change that is not to
    /// blame. A limit on growth catches the step that added the weight, in the pull request
    /// that added it, with the asset and the size before and after.
    ///
    /// ## How to fix it
    /// Look at what the grown asset now contains (the bundle composition in webaudit's report
    /// lists its packages when source maps are present): a new dependency imported whole, a
    /// library added for one function, code that belongs behind a dynamic `import()`. When the
    /// growth is intended, say so in the review and raise the limit for that run, or rely on the
    /// absolute budgets (`budget/total`, `budget/path`) alone.
    ///
    /// ## Options
    /// `--max-increase 5%` or `--max-increase 10kB` on the command line, or in `webaudit.toml`:
    ///
    /// ```toml
    /// [budget]
    /// max_increase = "5%"     # or "10kB"
    /// ```
    ///
    /// `--baseline FILE` gives the report to compare with; `--hash-pattern REGEX` or
    /// `[baseline] hash_pattern` says where content hashes sit in file names (see
    /// docs/baseline.md).
    BudgetGrowth {
        id: "budget/growth",
        summary: "An asset or the total grew more than --max-increase against the --baseline report",
        severity: Error,
    }
}

impl Rule for BudgetGrowth {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &RuleContext, found: &mut Vec<Violation>) {
        let (Some(comparison), Some(max)) = (context.baseline, &context.config.max_increase) else {
            return;
        };
        if let Some(allowed) = max.limit.allowed(comparison.before.gzip)
            && comparison.gzip_delta > i64::try_from(allowed).unwrap_or(i64::MAX)
        {
            found.push(Violation {
                path: None,
                message: format!(
                    "the total transfer size grew by {} gzip ({}), from {} to {}; {}",
                    human_delta(comparison.gzip_delta),
                    percent_text(comparison.gzip_percent),
                    human(comparison.before.gzip),
                    human(comparison.after.gzip),
                    over(max, allowed, &comparison.baseline),
                ),
                actual: Some(comparison.after.gzip),
                limit: Some(comparison.before.gzip.saturating_add(allowed)),
                ..Violation::default()
            });
        }
        for delta in comparison.differences() {
            if !matches!(delta.change, Change::Changed | Change::Added) {
                continue;
            }
            let before = delta.before.map_or(0, |s| s.gzip);
            let after = delta.after.map_or(0, |s| s.gzip);
            let Some(allowed) = max.limit.allowed(before) else {
                continue;
            };
            if delta.gzip_delta <= i64::try_from(allowed).unwrap_or(i64::MAX) {
                continue;
            }
            found.push(Violation {
                path: Some(delta.path.clone()),
                message: asset_message(delta, before, after, max, allowed, &comparison.baseline),
                actual: Some(after),
                limit: Some(before.saturating_add(allowed)),
                ..Violation::default()
            });
        }
    }
}

fn percent_text(percent: Option<f64>) -> String {
    match percent {
        Some(p) => format!("{p:+.1}%"),
        None => "new".into(),
    }
}

fn over(max: &MaxIncrease, allowed: u64, baseline: &str) -> String {
    let limit = match max.limit {
        crate::baseline::Increase::Percent(_) => {
            format!("{} = {}", max.limit, human(allowed))
        }
        crate::baseline::Increase::Bytes(_) => max.limit.to_string(),
    };
    format!(
        "more than the maximum increase of {limit} ({}) against {baseline}",
        max.origin
    )
}

fn asset_message(
    delta: &AssetDelta,
    before: u64,
    after: u64,
    max: &MaxIncrease,
    allowed: u64,
    baseline: &str,
) -> String {
    match delta.change {
        Change::Added => format!(
            "new asset of {} gzip; {}",
            human(after),
            over(max, allowed, baseline)
        ),
        _ => {
            let was = match &delta.baseline_path {
                Some(old) => format!(" (was {old})"),
                None => String::new(),
            };
            format!(
                "grew by {} gzip ({}), from {} to {}{was}; {}",
                human_delta(delta.gzip_delta),
                percent_text(delta.gzip_percent),
                human(before),
                human(after),
                over(max, allowed, baseline)
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::tester::{Folder, react_chunk};

    const RULE: &str = "budget/growth";

    const PAGE: &str = r#"<!doctype html><html lang="en"><head><meta charset="UTF-8"><title>Shop</title><script type="module" crossorigin src="/assets/index-BqP3xK9z.js"></script><link rel="stylesheet" crossorigin href="/assets/index-C8mN2vQa.css"></head><body><div id="root"></div></body></html>"#;

    /// A minified chunk of `components` small React components with distinct names, numbers
    /// and UI strings, so it does not compress to nothing.
    fn chunk(components: usize, seed: u32) -> String {
        react_chunk(components, seed)
    }

    const STYLES: &str = ":root{--brand:#4f46e5}body{margin:0;font-family:Inter,system-ui,sans-serif}.btn{padding:.5rem 1rem;border-radius:.375rem;background:var(--brand);color:#fff}";

    /// The base branch's build: an entry chunk of `entry` components, a vendor chunk and a
    /// stylesheet; `config` is its webaudit.toml (the same in both builds, so it does not grow).
    fn build(entry_file: &str, entry: usize, config: &str) -> Folder {
        let page = PAGE.replace("index-BqP3xK9z.js", entry_file);
        let mut folder = Folder::new()
            .file("index.html", page)
            .file(&format!("assets/{entry_file}"), chunk(entry, 1))
            .file("assets/vendor-DkL9x2Qa.js", chunk(60, 2))
            .file("assets/index-C8mN2vQa.css", STYLES);
        if !config.is_empty() {
            folder = folder.config(config);
        }
        folder
    }

    /// The JSON report of `folder`, as CI saves it on the base branch.
    fn report_of(folder: &Folder) -> String {
        folder.prepared(|_, root| {
            let mut options = crate::audit::AuditOptions::new(root);
            options.threads = 1;
            let report = crate::audit::run(&options).unwrap();
            let mut json = Vec::new();
            crate::report::json::render(&report, &mut json).unwrap();
            String::from_utf8(json).unwrap()
        })
    }

    /// The findings, with the temporary folder of the baseline file left out.
    fn growth(folder: &Folder) -> Vec<String> {
        folder
            .findings(RULE)
            .into_iter()
            .map(|finding| match finding.rsplit_once(" against ") {
                Some((head, file)) if file.ends_with("/baseline.json") => {
                    format!("{head} against …/baseline.json")
                }
                _ => finding,
            })
            .collect()
    }

    /// The gzip growth of the total and of the entry chunk from `base` to `next`.
    fn deltas(base: &Folder, next: Folder) -> (i64, i64) {
        next.baseline(&report_of(base)).prepared(|prepared, _| {
            let comparison = prepared.comparison.as_ref().unwrap();
            let entry = comparison
                .differences()
                .into_iter()
                .find(|d| d.path.starts_with("assets/index-") && d.path.ends_with(".js"))
                .unwrap()
                .gzip_delta;
            (comparison.gzip_delta, entry)
        })
    }

    #[test]
    fn passes_without_a_baseline_and_says_so() {
        let folder = build("index-BqP3xK9z.js", 80, "[budget]\nmax_increase = \"1%\"\n");
        folder.passes(RULE);
        folder.prepared(|prepared, _| {
            assert_eq!(
                prepared.notes,
                ["webaudit.toml:2: a maximum increase of 1% is set, but there is no --baseline to compare with: budget/growth was not checked"]
            );
        });
    }

    #[test]
    fn passes_without_a_maximum_increase() {
        let base = report_of(&build("index-BqP3xK9z.js", 10, ""));
        build("index-D7fafypN.js", 80, "")
            .baseline(&base)
            .passes(RULE);
    }

    #[test]
    fn passes_when_growth_stays_within_the_percentage() {
        let config = "[budget]\nmax_increase = \"10%\"\n";
        let base = report_of(&build("index-BqP3xK9z.js", 40, config));
        build("index-D7fafypN.js", 41, config)
            .baseline(&base)
            .passes(RULE);
    }

    #[test]
    fn passes_when_assets_shrink_or_are_removed() {
        let config = "[budget]\nmax_increase = \"0%\"\n";
        let base = report_of(
            &build("index-BqP3xK9z.js", 40, config).file("assets/legacy-Zq81Lm0p.js", chunk(30, 3)),
        );
        build("index-D7fafypN.js", 30, config)
            .baseline(&base)
            .passes(RULE);
    }

    #[test]
    fn passes_when_the_growth_equals_a_byte_limit() {
        let (total, entry) = deltas(
            &build("index-BqP3xK9z.js", 40, ""),
            build("index-BqP3xK9z.js", 44, ""),
        );
        assert_eq!(total, entry, "only the entry chunk changed");
        let config = format!("[budget]\nmax_increase = {total}\n");
        let base = report_of(&build("index-BqP3xK9z.js", 40, &config));
        build("index-BqP3xK9z.js", 44, &config)
            .baseline(&base)
            .passes(RULE);
    }

    #[test]
    fn finds_the_total_and_the_chunk_one_byte_over_a_byte_limit() {
        let (total, _) = deltas(
            &build("index-BqP3xK9z.js", 40, ""),
            build("index-BqP3xK9z.js", 44, ""),
        );
        let config = format!("[budget]\nmax_increase = {}\n", total - 1);
        let base = report_of(&build("index-BqP3xK9z.js", 40, &config));
        let folder = build("index-BqP3xK9z.js", 44, &config).baseline(&base);
        assert_eq!(
            growth(&folder),
            [
                "-:-:-: the total transfer size grew by +87 B gzip (+2.6%), from 3.33 kB to 3.42 kB; more than the maximum increase of 86 B (webaudit.toml:2) against …/baseline.json",
                "assets/index-BqP3xK9z.js:-:-: grew by +87 B gzip (+6.9%), from 1.26 kB to 1.35 kB; more than the maximum increase of 86 B (webaudit.toml:2) against …/baseline.json"
            ]
        );
    }

    #[test]
    fn finds_the_total_and_a_chunk_grown_past_a_percentage() {
        let config = "[budget]\nmax_increase = \"5%\"\n";
        let base = report_of(&build("index-BqP3xK9z.js", 40, config));
        let folder = build("index-D7fafypN.js", 80, config).baseline(&base);
        assert_eq!(
            growth(&folder),
            [
                "-:-:-: the total transfer size grew by +812 B gzip (+24.4%), from 3.33 kB to 4.14 kB; more than the maximum increase of 5% = 166 B (webaudit.toml:2) against …/baseline.json",
                "assets/index-D7fafypN.js:-:-: grew by +819 B gzip (+64.7%), from 1.26 kB to 2.08 kB (was assets/index-BqP3xK9z.js); more than the maximum increase of 5% = 63 B (webaudit.toml:2) against …/baseline.json"
            ]
        );
        let findings = folder.findings_of(RULE);
        assert_eq!(findings[0].severity, crate::model::finding::Severity::Error);
        assert!(findings[0].actual > findings[0].limit);
    }

    #[test]
    fn finds_a_new_chunk_against_a_size_limit() {
        let config = "[budget]\nmax_increase = \"2kB\"\n";
        let base = report_of(&build("index-BqP3xK9z.js", 40, config));
        let folder = build("index-BqP3xK9z.js", 40, config)
            .file("assets/settings-Cq81LmZp.js", chunk(120, 4));
        assert_eq!(
            growth(&folder.baseline(&base)),
            [
                "-:-:-: the total transfer size grew by +2.83 kB gzip (+84.9%), from 3.33 kB to 6.16 kB; more than the maximum increase of 2 kB (webaudit.toml:2) against …/baseline.json",
                "assets/settings-Cq81LmZp.js:-:-: new asset of 2.83 kB gzip; more than the maximum increase of 2 kB (webaudit.toml:2) against …/baseline.json"
            ]
        );
    }

    #[test]
    fn finds_only_the_total_when_a_new_chunk_comes_under_a_percentage() {
        // A percentage of nothing is nothing: new assets count through the total only.
        let config = "[budget]\nmax_increase = \"10%\"\n";
        let base = report_of(&build("index-BqP3xK9z.js", 40, config));
        let folder = build("index-BqP3xK9z.js", 40, config)
            .file("assets/settings-Cq81LmZp.js", chunk(120, 4));
        assert_eq!(
            growth(&folder.baseline(&base)),
            [
                "-:-:-: the total transfer size grew by +2.83 kB gzip (+84.9%), from 3.33 kB to 6.16 kB; more than the maximum increase of 10% = 333 B (webaudit.toml:2) against …/baseline.json"
            ]
        );
    }
}
