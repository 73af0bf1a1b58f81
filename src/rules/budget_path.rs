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
