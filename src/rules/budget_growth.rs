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
    /// `[baseline] hash_pattern` says where content hashes sit in file names (see the README,
    /// "Baseline").
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
