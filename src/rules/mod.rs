//! The rule registry. Each rule lives in its own file with its documentation written as the doc
//! comment above it; `webaudit explain RULE` prints that comment. Adding a rule means adding its
//! file and one line to [`REGISTRY`].

mod budget_count;
mod budget_growth;
mod budget_initial;
mod budget_path;
mod budget_total;
mod budget_type;
mod compression_missing;
mod compression_stale;
mod compression_useless;
mod duplicate_code;
mod duplicate_package;
mod font_display;
mod font_legacy_format;
mod html_parse_problem;
mod html_preload;
mod html_render_blocking;
mod html_third_party;
mod identical_files;
mod image_refs;
mod images_animated_gif;
pub(crate) mod images_lazy_loading;
mod images_lcp_lazy;
mod images_lcp_priority;
mod images_modern_format;
mod images_optimizable;
mod images_oversized;
mod images_oversized_icon;
mod images_responsive;
mod images_unreadable;
mod images_unsized;
mod inlined_asset;
mod js_parse_error;
mod large_chunk;
mod legacy_javascript;
mod minify_css;
mod minify_js;
mod references_missing;
mod server_cache_control;
mod server_content_type;
mod server_missing;
mod server_uncompressed;
mod source_map_problem;
mod whole_library_bundled;
mod whole_library_import;

pub(crate) mod tester;

use crate::budget::BudgetCheck;
use crate::config::{Config, RuleSetting};
use crate::measure::Asset;
use crate::model::finding::{Finding, Severity, Violation};

/// What a rule knows about itself.
#[derive(Debug)]
pub struct RuleMeta {
    /// Stable id, `group/name`.
    pub id: &'static str,
    /// One line for `webaudit rules`.
    pub summary: &'static str,
    pub default_severity: Severity,
    /// The rule's documentation (its doc comment), in Markdown.
    pub doc: &'static str,
}

impl RuleMeta {
    /// The documentation as written, without the space rustdoc keeps after `///`.
    pub fn documentation(&self) -> String {
        self.doc
            .lines()
            .map(|line| line.strip_prefix(' ').unwrap_or(line))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// What rules read: the measured assets and what was derived from them, never the files.
pub struct RuleContext<'a> {
    /// The audited folder as given on the command line: for the commands that fix a finding.
    pub root: &'a std::path::Path,
    pub assets: &'a [Asset],
    /// What the assets mean together: pages, references, image uses, `@font-face` rules.
    pub site: &'a crate::site::Site<'a>,
    pub budgets: &'a [BudgetCheck],
    pub config: &'a Config,
    pub knowledge: &'a crate::knowledge::Knowledge,
    /// The comparison with `--baseline`, when one was given.
    pub baseline: Option<&'a crate::baseline::Comparison>,
    /// Files and folders of the audited folder that were not measured (ignored, unreadable,
    /// symbolic links): they exist, so a reference to them is not a missing file.
    pub skipped: &'a [crate::scan::Skipped],
    /// `check-url` only: how the live server answered for each asset (empty in an audit).
    pub responses: &'a [crate::model::response::Response],
    /// Every page's layout (boxes of images, iframes and videos at mobile and desktop).
    pub layouts: &'a crate::layout::Layouts,
}

pub trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, context: &RuleContext, found: &mut Vec<Violation>);
}

/// Declares a rule struct whose doc comment is also its `explain` text.
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])+
        $name:ident {
            id: $id:literal,
            summary: $summary:literal,
            severity: $severity:ident $(,)?
        }
    ) => {
        $(#[doc = $doc])+
        pub struct $name;

        impl $name {
            pub const META: $crate::rules::RuleMeta = $crate::rules::RuleMeta {
                id: $id,
                summary: $summary,
                default_severity: $crate::model::finding::Severity::$severity,
                doc: concat!($($doc, "\n"),+),
            };
        }
    };
}
pub(crate) use declare_rule;

/// A file of the audited folder (`relative`, `/`-separated) as a fix command names it: joined
/// to the folder as given on the command line, as one shell word (`dist/img/a.png`), never
/// mistakable for an option.
pub fn fix_path(root: &std::path::Path, relative: &str) -> String {
    let path = root.join(relative).to_string_lossy().into_owned();
    let path = if path.starts_with('-') {
        format!("./{path}")
    } else {
        path
    };
    crate::model::fix::shell_word(&path)
}

/// The audited folder as a fix command names it (`--root dist`).
pub fn fix_folder(root: &std::path::Path) -> String {
    let folder = root.to_string_lossy();
    let folder = if folder.starts_with('-') {
        format!("./{folder}")
    } else {
        folder.into_owned()
    };
    crate::model::fix::shell_word(&folder)
}

/// Every rule webaudit has, in the order `webaudit rules` lists them.
pub static REGISTRY: &[&dyn Rule] = &[
    &budget_total::BudgetTotal,
    &budget_type::BudgetType,
    &budget_path::BudgetPath,
    &budget_count::BudgetCount,
    &budget_initial::BudgetInitial,
    &budget_growth::BudgetGrowth,
    &whole_library_import::WholeLibraryImport,
    &whole_library_bundled::WholeLibraryBundled,
    &duplicate_package::DuplicatePackage,
    &duplicate_code::DuplicateCode,
    &identical_files::IdenticalFiles,
    &inlined_asset::InlinedAsset,
    &large_chunk::LargeChunk,
    &source_map_problem::SourceMapProblem,
    &compression_missing::CompressionMissing,
    &compression_stale::CompressionStale,
    &compression_useless::CompressionUseless,
    &images_unsized::ImagesUnsized,
    &images_lazy_loading::ImagesLazyLoading,
    &images_lcp_lazy::ImagesLcpLazy,
    &images_lcp_priority::ImagesLcpPriority,
    &images_modern_format::ImagesModernFormat,
    &images_oversized::ImagesOversized,
    &images_oversized_icon::ImagesOversizedIcon,
    &images_responsive::ImagesResponsive,
    &images_optimizable::ImagesOptimizable,
    &images_animated_gif::ImagesAnimatedGif,
    &images_unreadable::ImagesUnreadable,
    &font_display::FontDisplay,
    &font_legacy_format::FontLegacyFormat,
    &js_parse_error::JsParseError,
    &legacy_javascript::LegacyJavascript,
    &html_parse_problem::HtmlParseProblem,
    &html_render_blocking::HtmlRenderBlocking,
    &html_preload::HtmlPreload,
    &html_third_party::HtmlThirdParty,
    &minify_js::MinifyJs,
    &minify_css::MinifyCss,
    &references_missing::ReferencesMissing,
    &server_missing::ServerMissing,
    &server_uncompressed::ServerUncompressed,
    &server_content_type::ServerContentType,
    &server_cache_control::ServerCacheControl,
];

pub fn find(id: &str) -> Option<&'static dyn Rule> {
    REGISTRY.iter().copied().find(|rule| rule.meta().id == id)
}

/// Refuses a configuration whose `[rules]` names a rule that does not exist.
pub fn check_config(config: &Config) -> Result<(), crate::Error> {
    config.check_rule_ids(|id| find(id).is_some())
}

/// Runs every enabled rule and returns the findings, most severe first, then by path.
pub fn run(context: &RuleContext) -> Vec<Finding> {
    run_selected(context, |_| true, 0)
}

/// Runs the enabled rules whose id `selected` accepts (`check-url` runs the `server/` rules).
/// The rules run on up to `threads` threads (0: one per core, at most [`RULE_THREADS`]); the
/// findings are the same however many.
pub fn run_selected(
    context: &RuleContext,
    selected: impl Fn(&str) -> bool,
    threads: usize,
) -> Vec<Finding> {
    let enabled: Vec<(&dyn Rule, Severity)> = REGISTRY
        .iter()
        .filter(|rule| selected(rule.meta().id))
        .filter_map(|rule| {
            let meta = rule.meta();
            match context.config.rules.get(meta.id) {
                Some(RuleSetting::Off) => None,
                Some(RuleSetting::Severity(severity)) => Some((*rule, *severity)),
                None => Some((*rule, meta.default_severity)),
            }
        })
        .collect();
    let run = |(rule, severity): (&dyn Rule, Severity)| -> Vec<Finding> {
        let mut violations = Vec::new();
        rule.check(context, &mut violations);
        at_most_per_file(violations, MAX_FINDINGS_PER_RULE_AND_FILE)
            .into_iter()
            .map(|v| Finding::new(rule.meta().id, severity, v))
            .collect()
    };
    // The rules read the same model and write nothing but their findings: they run on every
    // core, each taking the next rule, and their findings are put back in the registry's order,
    // so the report is the same however they were scheduled.
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(&rule) = enabled.get(index) else {
                return done;
            };
            done.push((index, run(rule)));
        }
    };
    let helpers = crate::measure::worker_count(threads)
        .min(RULE_THREADS)
        .saturating_sub(1);
    let mut by_rule: Vec<(usize, Vec<Finding>)> = std::thread::scope(|scope| {
        let started: Vec<_> = (0..helpers)
            .filter_map(|_| std::thread::Builder::new().spawn_scoped(scope, work).ok())
            .collect();
        let mut all = work();
        for thread in started {
            // A rule that panicked on another thread panics here, as it would have on this one.
            match thread.join() {
                Ok(done) => all.extend(done),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        all
    });
    by_rule.sort_by_key(|(index, _)| *index);
    let mut findings: Vec<Finding> = by_rule.into_iter().flat_map(|(_, found)| found).collect();
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.path.cmp(&b.path))
            .then_with(|| a.line.cmp(&b.line))
    });
    findings
}

/// Threads the rules run on at most: past four, the few costly rules decide the time.
const RULE_THREADS: usize = 4;

/// Findings of one rule listed for one file. A hostile file holds hundreds of thousands of the
/// same problem (500,000 missing `srcset` candidates in one `<img>` took 1.7 GB in findings and
/// reports, then aborted); past this, one more finding says how many were left out.
pub const MAX_FINDINGS_PER_RULE_AND_FILE: usize = 200;

/// `violations` with at most `limit` per path (in their order), and for each path over it one
/// more violation counting the rest; the savings of the rest are summed into it.
fn at_most_per_file(violations: Vec<Violation>, limit: usize) -> Vec<Violation> {
    let mut listed: foldhash::HashMap<Option<String>, usize> = Default::default();
    let mut left_out: Vec<(Option<String>, usize, u64)> = Vec::new();
    let mut kept = Vec::with_capacity(violations.len().min(limit * 4));
    for violation in violations {
        let count = listed.entry(violation.path.clone()).or_default();
        *count += 1;
        if *count <= limit {
            kept.push(violation);
            continue;
        }
        match left_out
            .iter_mut()
            .find(|(path, _, _)| *path == violation.path)
        {
            Some((_, n, saving)) => {
                *n += 1;
                *saving += violation.saving.unwrap_or(0);
            }
            None => left_out.push((violation.path, 1, violation.saving.unwrap_or(0))),
        }
    }
    for (path, n, saving) in left_out {
        kept.push(Violation {
            path,
            message: format!(
                "and {n} more findings of this rule in this file, not listed (at most {limit} are)"
            ),
            saving: (saving > 0).then_some(saving),
            ..Violation::default()
        });
    }
    kept
}

/// The response for each asset path, with the asset, for the `server/` rules.
fn answered<'a>(
    context: &'a RuleContext,
) -> impl Iterator<Item = (&'a Asset, &'a crate::model::response::Response)> {
    let by_path = &context.site.assets_by_path;
    context
        .responses
        .iter()
        .filter_map(move |response| Some((*by_path.get(response.path.as_str())?, response)))
}

/// Findings for the budget checks a budget rule owns: one per failed check.
fn failed_budgets(context: &RuleContext, rule: &str, found: &mut Vec<Violation>) {
    for check in context
        .budgets
        .iter()
        .filter(|c| c.rule == rule && !c.passed)
    {
        found.push(Violation {
            path: check.path.clone(),
            message: check.failure_message(),
            actual: Some(check.actual),
            limit: Some(check.limit),
            ..Violation::default()
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fix_commands_name_files_inside_the_folder_quoted_for_the_shell() {
        use std::path::Path;
        assert_eq!(fix_path(Path::new("dist/"), "img/a.png"), "dist/img/a.png");
        assert_eq!(
            fix_path(Path::new("my site's out"), "a.js"),
            "'my site'\\''s out/a.js'"
        );
        assert_eq!(fix_path(Path::new("-out"), "a.js"), "./-out/a.js");
        assert_eq!(fix_folder(Path::new("dist/")), "dist/");
    }

    #[test]
    fn ids_are_unique_and_documented() {
        let mut ids: Vec<&str> = REGISTRY.iter().map(|r| r.meta().id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), REGISTRY.len());
        for rule in REGISTRY {
            let doc = rule.meta().documentation();
            for section in ["## What it does", "## Why is this bad?", "## How to fix it"] {
                assert!(
                    doc.contains(section),
                    "{} lacks {section:?}",
                    rule.meta().id
                );
            }
        }
    }
}

#[cfg(test)]
mod finding_bound_tests {
    use super::*;

    fn violation(path: &str, saving: u64) -> Violation {
        Violation {
            path: Some(path.into()),
            message: "missing".into(),
            saving: Some(saving),
            ..Violation::default()
        }
    }

    #[test]
    fn findings_past_the_bound_become_one_counted_finding_per_file() {
        let mut many: Vec<Violation> = (0..10).map(|_| violation("a.html", 5)).collect();
        many.extend((0..2).map(|_| violation("b.html", 5)));
        many.push(violation("a.html", 7));
        let kept = at_most_per_file(many, 3);
        let on = |path: &str| {
            kept.iter()
                .filter(|v| v.path.as_deref() == Some(path))
                .count()
        };
        assert_eq!(on("a.html"), 4);
        assert_eq!(on("b.html"), 2);
        let summary = kept.last().unwrap();
        assert_eq!(summary.path.as_deref(), Some("a.html"));
        assert_eq!(
            summary.message,
            "and 8 more findings of this rule in this file, not listed (at most 3 are)"
        );
        assert_eq!(summary.saving, Some(7 * 5 + 7));
    }
}
