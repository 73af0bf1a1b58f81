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
