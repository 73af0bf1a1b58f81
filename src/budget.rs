//! Evaluates every configured budget against the measured assets, once. Budget rules turn the
//! failed checks into findings; renderers print all checks, passed or not.

use serde::Serialize;

use crate::config::{Aggregate, Compression, Config, SizeBudget};
use crate::measure::Asset;
use crate::pages::PageLoad;
use crate::size::human;

#[derive(Debug, Clone, Serialize, PartialEq, Eq, schemars::JsonSchema)]
pub struct BudgetCheck {
    /// The rule that reports a failure of this check.
    pub rule: &'static str,
    /// What is measured: "total (script + stylesheet)", "script", a path pattern…
    pub name: String,
    /// The single file checked, for per-file path budgets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// "gzip", "brotli", "raw" (bytes), or "requests".
    pub measure: &'static str,
    pub actual: u64,
    pub limit: u64,
    pub passed: bool,
    /// How many files were counted.
    pub files: usize,
    /// Where the budget was written.
    pub origin: String,
    /// Entry references the figure leaves out because they name no file as shipped (a page's
    /// initial load): the check cannot pass while there are any.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unmeasured: Vec<String>,
    /// Why the page's start-up could not be resolved whole (a page's initial load): chunks the
    /// figure may leave out, so the check cannot pass either.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub incomplete: Vec<String>,
}

impl BudgetCheck {
    /// "script + stylesheet is 212.40 kB gzip, over the 200 kB budget by 12.40 kB (106%)".
    pub fn failure_message(&self) -> String {
        if self.unmeasured.is_empty() && !self.incomplete.is_empty() {
            let over = if self.actual > self.limit {
                format!(", already over the {} budget", human(self.limit))
            } else {
                format!(" against a {} budget", human(self.limit))
            };
            return format!(
                "the page's {} cannot be verified: webaudit could not resolve all of what its start-up loads ({}); the {} {} measured may leave chunks out{over} ({})",
                self.name,
                self.incomplete.join("; "),
                human(self.actual),
                self.measure,
                self.origin
            );
        }
        if !self.unmeasured.is_empty() {
            let over = if self.actual > self.limit {
                format!(", already over the {} budget", human(self.limit))
            } else {
                format!(" against a {} budget", human(self.limit))
            };
            return format!(
                "the page's {} cannot be checked: {} of its entry references name{} no file as shipped ({}); the {} {} measured leave{} {} out{over} ({})",
                self.name,
                self.unmeasured.len(),
                if self.unmeasured.len() == 1 { "s" } else { "" },
                self.unmeasured.join(", "),
                human(self.actual),
                self.measure,
                if self.unmeasured.len() == 1 { "s" } else { "" },
                if self.unmeasured.len() == 1 {
                    "it"
                } else {
                    "them"
                },
                self.origin
            );
        }
        let ratio = if self.limit == 0 {
            0.0
        } else {
            self.actual as f64 * 100.0 / self.limit as f64
        };
        if self.measure == "requests" {
            format!(
                "{} requests: {}, over the limit of {} by {} ({})",
                self.name,
                self.actual,
                self.limit,
                self.actual.saturating_sub(self.limit),
                self.origin
            )
        } else {
            let subject = match &self.path {
                // Page checks are located at the page and say what they measured.
                Some(_) if self.rule == "budget/initial" => format!("the page's {}", self.name),
                // Per-file checks are located at the file; say which budget it broke.
                Some(_) => format!("the file (budget {:?})", self.name),
                None => self.name.clone(),
            };
            format!(
                "{} is {} {}, over the {} budget by {} ({ratio:.0}%; {})",
                subject,
                human(self.actual),
                self.measure,
                human(self.limit),
                human(self.actual.saturating_sub(self.limit)),
                self.origin
            )
        }
    }
}

fn sum(assets: &[&Asset], compression: Compression) -> u64 {
    assets
        .iter()
        .map(|a| a.size(compression).unwrap_or(a.raw))
        .sum()
}

fn size_check(
    rule: &'static str,
    name: String,
    budget: &SizeBudget,
    assets: &[Asset],
) -> BudgetCheck {
    let selected: Vec<&Asset> = assets
        .iter()
        .filter(|a| a.counted() && budget.types.contains(a.kind))
        .collect();
    let actual = sum(&selected, budget.compression);
    BudgetCheck {
        rule,
        name,
        path: None,
        measure: budget.compression.name(),
        actual,
        limit: budget.limit,
        passed: actual <= budget.limit,
        files: selected.len(),
        origin: budget.origin.clone(),
        unmeasured: Vec::new(),
        incomplete: Vec::new(),
    }
}

/// Every budget check, in configuration order: total, per type, per path, counts, initial load.
pub fn evaluate(config: &Config, assets: &[Asset], pages: &[PageLoad]) -> Vec<BudgetCheck> {
    let mut checks = Vec::new();
    if let Some(total) = &config.total {
        checks.push(size_check(
            "budget/total",
            format!("total ({})", total.types.label),
            total,
            assets,
        ));
    }
    for budget in &config.type_budgets {
        checks.push(size_check(
            "budget/type",
            budget.types.label.clone(),
            budget,
            assets,
        ));
    }
    for budget in &config.path_budgets {
        // Path budgets name files, so source maps and precompressed files count when named.
        let matched: Vec<&Asset> = assets.iter().filter(|a| budget.matches(&a.path)).collect();
        let measure = budget.compression.name();
        match budget.aggregate {
            Aggregate::Sum => {
                let actual = sum(&matched, budget.compression);
                checks.push(BudgetCheck {
                    rule: "budget/path",
                    name: budget.name.clone(),
                    path: None,
                    measure,
                    actual,
                    limit: budget.limit,
                    passed: actual <= budget.limit,
                    files: matched.len(),
                    origin: budget.origin.clone(),
                    unmeasured: Vec::new(),
                    incomplete: Vec::new(),
                });
            }
            Aggregate::Each => {
                for asset in &matched {
                    let actual = asset.size(budget.compression).unwrap_or(asset.raw);
                    checks.push(BudgetCheck {
                        rule: "budget/path",
                        name: budget.name.clone(),
                        path: Some(asset.path.clone()),
                        measure,
                        actual,
                        limit: budget.limit,
                        passed: actual <= budget.limit,
                        files: 1,
                        origin: budget.origin.clone(),
                        unmeasured: Vec::new(),
                        incomplete: Vec::new(),
                    });
                }
            }
        }
    }
    for budget in &config.count_budgets {
        let count = assets
            .iter()
            .filter(|a| a.counted() && budget.types.contains(a.kind))
            .count() as u64;
        checks.push(BudgetCheck {
            rule: "budget/count",
            name: budget.types.label.clone(),
            path: None,
            measure: "requests",
            actual: count,
            limit: budget.limit,
            passed: count <= budget.limit,
            files: count as usize,
            origin: budget.origin.clone(),
            unmeasured: Vec::new(),
            incomplete: Vec::new(),
        });
    }
    for budget in &config.initial_budgets {
        for page in pages.iter().filter(|p| {
            budget
                .pages
                .as_ref()
                .is_none_or(|glob| glob.matches(&p.page))
        }) {
            let unmeasured = |entries: &[&str]| -> Vec<String> {
                page.unmeasured
                    .iter()
                    .filter(|u| entries.contains(&u.entry))
                    .map(|u| {
                        let why = match u.why {
                            "template" => "a placeholder the server fills in",
                            "outside" => "above the audited folder; audit the folder above",
                            _ => "not in the folder",
                        };
                        format!("{} at line {}: {why}", u.reference, u.line)
                    })
                    .collect()
            };
            let limits = [
                (
                    "initial JS",
                    budget.script,
                    page.initial_scripts.gzip,
                    page.initial_scripts.files.len(),
                ),
                (
                    "initial CSS",
                    budget.stylesheet,
                    page.initial_stylesheets.gzip,
                    page.initial_stylesheets.files.len(),
                ),
                (
                    "initial JS + CSS",
                    budget.total,
                    page.initial_scripts.gzip + page.initial_stylesheets.gzip,
                    page.initial_scripts.files.len() + page.initial_stylesheets.files.len(),
                ),
            ];
            let entries: [&[&str]; 3] = [&["script"], &["stylesheet"], &["script", "stylesheet"]];
            for ((what, limit, actual, files), entries) in limits.into_iter().zip(entries) {
                let Some(limit) = limit else { continue };
                let unmeasured = unmeasured(entries);
                checks.push(BudgetCheck {
                    rule: "budget/initial",
                    name: what.to_string(),
                    path: Some(page.page.clone()),
                    measure: "gzip",
                    actual,
                    limit,
                    passed: actual <= limit && unmeasured.is_empty() && page.incomplete.is_empty(),
                    files,
                    origin: budget.origin.clone(),
                    unmeasured,
                    incomplete: page.incomplete.clone(),
                });
            }
        }
    }
    checks
}

/// Path budgets that match no file: usually a renamed output, worth telling the user.
pub fn unmatched_path_budgets(config: &Config, assets: &[Asset]) -> Vec<String> {
    config
        .path_budgets
        .iter()
        .filter(|budget| !assets.iter().any(|a| budget.matches(&a.path)))
        .map(|budget| {
            format!(
                "{}: path budget {:?} matches no file; nothing was checked",
                budget.origin, budget.name
            )
        })
        .collect()
}
