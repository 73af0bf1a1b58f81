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
