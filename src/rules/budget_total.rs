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
