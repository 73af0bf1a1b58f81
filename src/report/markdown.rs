//! `--format markdown`: a pull-request comment body, and the GitHub step summary built from the
//! same pieces.
//!
//! The comment starts with a hidden marker line ([`MARKER`]) by which the Action finds the
//! comment to update on the next run, and stays under GitHub's 65,536-character limit for a
//! comment body: when the full tables would not fit, fewer rows are shown (halving until they
//! fit) and a note says how many were left out. The step summary has no marker and a 1 MiB
//! limit (GitHub's, for everything a step writes to `$GITHUB_STEP_SUMMARY`).
//!
//! Every text that comes from the audited files or the configuration (file names, messages,
//! budget names, fix commands) goes through [`crate::escape::markdown`], so Markdown, HTML or
//! control characters in a file name show as the characters they are, never as markup.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::{Finding, Report, Severity};
use crate::baseline::{AssetDelta, Change, Comparison};
use crate::escape;
use crate::size::{human, human_delta};

/// First line of every comment body: the Action updates the comment that starts with it.
pub const MARKER: &str = "<!-- webaudit-report -->";
/// GitHub rejects comment bodies of 65,536 characters or more; bytes ≥ characters, so a body
/// under this many bytes is always accepted.
pub const COMMENT_LIMIT: usize = 65_536 - 1;
/// GitHub's limit for the step summary of one step, in bytes.
pub const STEP_SUMMARY_LIMIT: usize = 1024 * 1024;
/// Findings listed before "and N more".
pub const TOP_FINDINGS: usize = 50;

/// What the document holds and how long it may be.
#[derive(Debug, Clone, Copy)]
pub struct MarkdownOptions {
    /// Start with [`MARKER`] (the pull-request comment).
    pub marker: bool,
    /// Size limit in bytes.
    pub limit: usize,
}

impl MarkdownOptions {
    pub fn comment() -> MarkdownOptions {
        MarkdownOptions {
            marker: true,
            limit: COMMENT_LIMIT,
        }
    }

    pub fn step_summary(limit: usize) -> MarkdownOptions {
        MarkdownOptions {
            marker: false,
            limit,
        }
    }
}

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(document(report, MarkdownOptions::comment()).as_bytes())
}

/// How many rows each table may have in one attempt.
#[derive(Debug, Clone, Copy)]
struct Rows {
    findings: usize,
    changed: usize,
    unchanged: usize,
}

/// The whole document within `options.limit` bytes: fewer rows until it fits, and as a last
/// resort the status and budgets alone, cut at a line.
pub fn document(report: &Report, options: MarkdownOptions) -> String {
    let mut rows = Rows {
        findings: TOP_FINDINGS,
        changed: usize::MAX,
        unchanged: usize::MAX,
    };
    loop {
        let body = compose(report, options, rows);
        if body.len() <= options.limit {
            return body;
        }
        if rows.findings == 0 && rows.changed == 0 && rows.unchanged == 0 {
            return cut(&body, options.limit);
        }
        let comparison_len = report.baseline.as_ref().map_or(0, |c| c.assets.len());
        rows = Rows {
            findings: rows.findings / 2,
            changed: rows.changed.min(comparison_len) / 2,
            unchanged: rows.unchanged.min(comparison_len) / 2,
        };
    }
}

/// Cuts a document at the last line that fits, with a note.
fn cut(body: &str, limit: usize) -> String {
    const NOTE: &str = "\n\n_The report was cut to fit; see the full report._\n";
    let room = limit.saturating_sub(NOTE.len());
    let mut end = room.min(body.len());
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    let end = body[..end].rfind('\n').unwrap_or(0);
    format!("{}{NOTE}", &body[..end])
}

fn compose(report: &Report, options: MarkdownOptions, rows: Rows) -> String {
    let mut out = String::new();
    if options.marker {
        out.push_str(MARKER);
        out.push('\n');
    }
    status(report, &mut out);
    budgets(report, &mut out);
    opportunities(report, &mut out);
    if let Some(comparison) = &report.baseline {
        baseline(comparison, rows, &mut out);
    }
    findings(report, rows.findings, &mut out);
    out
}

fn plural(count: usize, word: &str) -> String {
    format!("{count} {word}{}", if count == 1 { "" } else { "s" })
}

fn status(report: &Report, out: &mut String) {
    let summary = &report.summary;
    let verdict = if summary.failed {
        "❌ **webaudit failed**"
    } else {
        "✅ **webaudit passed**"
    };
    let fail_on = match report.settings.fail_on {
        super::FailOn::Error => "errors",
        super::FailOn::Warning => "warnings",
        super::FailOn::Info => "any finding",
        super::FailOn::Never => "nothing",
    };
    let _ = writeln!(
        out,
        "## webaudit\n\n{verdict}: {}, {}, {} (fails on {fail_on})\n",
        plural(summary.errors, "error"),
        plural(summary.warnings, "warning"),
        plural(summary.infos, "info"),
    );
    let all = &report.totals.all;
    let brotli = all
        .brotli
        .map(|b| format!(", {} brotli", human(b)))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "{} downloaded by browsers: {} raw, {} gzip{brotli}.\n",
        plural(all.files, "file"),
        human(all.raw),
        human(all.gzip),
    );
}

fn budgets(report: &Report, out: &mut String) {
    if report.budgets.is_empty() {
        return;
    }
    out.push_str(
        "### Budgets\n\n| Budget | Measure | Actual | Limit | Result |\n|---|---|---:|---:|---|\n",
    );
    for check in &report.budgets {
        let (actual, limit, over) = if check.measure == "requests" {
            (
                check.actual.to_string(),
                check.limit.to_string(),
                check.actual.saturating_sub(check.limit).to_string(),
            )
        } else {
            (
                human(check.actual),
                human(check.limit),
                human(check.actual.saturating_sub(check.limit)),
            )
        };
        let result = if check.passed {
            "✅ pass".to_string()
        } else {
            format!("❌ over by {over}")
        };
        let name = match &check.path {
            Some(path) => format!(
                "{} ({})",
                escape::markdown(&check.name),
                escape::markdown(path)
            ),
            None => escape::markdown(&check.name),
        };
        let _ = writeln!(
            out,
            "| {name} | {} | {actual} | {limit} | {result} |",
            check.measure
        );
    }
    out.push('\n');
}

fn percent(value: Option<f64>) -> String {
    match value {
        Some(p) if p.is_finite() => format!(" ({p:+.1}%)"),
        _ => String::new(),
    }
}

fn icon(delta: &AssetDelta) -> &'static str {
    match delta.change {
        Change::Added => "🆕",
        Change::Removed => "🗑️",
        Change::Unchanged => "➖",
        Change::Changed if delta.gzip_delta > 0 => "📈",
        Change::Changed if delta.gzip_delta < 0 => "📉",
        Change::Changed => "🔄",
    }
}

fn asset_name(delta: &AssetDelta) -> String {
    match &delta.baseline_path {
        Some(before) if *before != delta.path => {
            format!(
                "{} (was {})",
                escape::markdown(&delta.path),
                escape::markdown(before)
            )
        }
        _ => escape::markdown(&delta.path),
    }
}

fn sizes(sizes: Option<crate::baseline::Sizes>) -> String {
    sizes.map_or_else(|| "–".to_string(), |s| human(s.gzip))
}

/// Size changes against the baseline: the total, then changed, added and removed assets (the
/// comparison's order: largest change first), then the unchanged ones folded away.
fn baseline(comparison: &Comparison, rows: Rows, out: &mut String) {
    let total_icon = match comparison.gzip_delta {
        d if d > 0 => "📈",
        d if d < 0 => "📉",
        _ => "➖",
    };
    let _ = writeln!(
        out,
        "### Size changes against the baseline\n\n{total_icon} Total: {} gzip, {}{} against {} (baseline {}).\n",
        human(comparison.after.gzip),
        human_delta(comparison.gzip_delta),
        percent(comparison.gzip_percent),
        human(comparison.before.gzip),
        escape::markdown(&comparison.baseline),
    );
    let (changed, unchanged): (Vec<&AssetDelta>, Vec<&AssetDelta>) = comparison
        .assets
        .iter()
        .partition(|a| a.change != Change::Unchanged);
    if changed.is_empty() {
        out.push_str("No asset changed size or content.\n\n");
    } else {
        out.push_str(
            "| | Asset | Before (gzip) | After (gzip) | Change |\n|---|---|---:|---:|---:|\n",
        );
        for delta in changed.iter().take(rows.changed) {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {}{} |",
                icon(delta),
                asset_name(delta),
                sizes(delta.before),
                sizes(delta.after),
                human_delta(delta.gzip_delta),
                percent(delta.gzip_percent),
            );
        }
        more(changed.len(), rows.changed, "changed asset", out);
        let _ = writeln!(
            out,
            "\nThe {} that changed: {} → {} gzip, {}{}.\n",
            plural(changed.len(), "asset"),
            human(comparison.changed_before_gzip),
            human(comparison.changed_after_gzip),
            human_delta(
                comparison.changed_after_gzip as i64 - comparison.changed_before_gzip as i64
            ),
            percent(comparison.changed_gzip_percent),
        );
    }
    if !comparison.packages.is_empty() {
        out.push_str(
            "#### Packages that changed (from source maps)\n\n| Package | Before (raw) | After (raw) | Change (raw) | Change (gzip, est.) | Bundles |\n|---|---:|---:|---:|---:|---|\n",
        );
        for package in comparison.packages.iter().take(rows.changed) {
            let bundles: Vec<String> = package
                .bundles
                .iter()
                .map(|b| escape::markdown(b))
                .collect();
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                escape::markdown(&package.name),
                human(package.before_raw),
                human(package.after_raw),
                human_delta(package.raw_delta),
                human_delta(package.gzip_estimate_delta),
                bundles.join(", "),
            );
        }
        more(
            comparison.packages.len(),
            rows.changed,
            "changed package",
            out,
        );
        out.push('\n');
    }
    if !unchanged.is_empty() {
        let _ = writeln!(
            out,
            "<details><summary>{} unchanged</summary>\n\n| Asset | Size (gzip) |\n|---|---:|",
            plural(unchanged.len(), "asset")
        );
        for delta in unchanged.iter().take(rows.unchanged) {
            let _ = writeln!(out, "| {} | {} |", asset_name(delta), sizes(delta.after));
        }
        more(unchanged.len(), rows.unchanged, "unchanged asset", out);
        out.push_str("\n</details>\n\n");
    }
}

fn more(total: usize, shown: usize, what: &str, out: &mut String) {
    if total > shown {
        let _ = writeln!(
            out,
            "\n_…and {} not shown here; see the full report._",
            plural(total - shown, what)
        );
    }
}

fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "❌ error",
        Severity::Warning => "⚠️ warning",
        Severity::Info => "ℹ️ info",
    }
}

fn place(report: &Report, finding: &Finding) -> String {
    let Some(path) = &finding.path else {
        return "whole app".to_string();
    };
    let mut place = escape::markdown(&report.repository_path(path));
    if let Some(line) = finding.line {
        let _ = write!(place, ":{line}");
        if let Some(column) = finding.column {
            let _ = write!(place, ":{column}");
        }
    }
    if let Some(source) = &finding.source {
        let _ = write!(
            place,
            "<br>from {}:{}",
            escape::markdown(&source.path),
            source.line
        );
    }
    place
}

/// How many of the report's ranked opportunities the comment lists.
const OPPORTUNITIES: usize = 5;

/// What to fix first: the findings that save a visitor the most (see `impact`).
fn opportunities(report: &Report, out: &mut String) {
    if report.opportunities.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "### Top opportunities\n\n| Priority | Saves | Time ({}) | Rule | File |\n|---|---:|---:|---|---|",
        report.settings.profile
    );
    for opportunity in report.opportunities.iter().take(OPPORTUNITIES) {
        let file = opportunity
            .path
            .as_deref()
            .map(|path| escape::markdown(&report.repository_path(path)))
            .unwrap_or_else(|| "whole app".into());
        let _ = writeln!(
            out,
            "| {}{} | {} | {} ms | {} | {file} |",
            opportunity.priority.name(),
            if opportunity.critical_path {
                ""
            } else {
                " (later)"
            },
            saves(opportunity),
            opportunity.ms,
            opportunity.rule,
        );
    }
    if report.opportunities.len() > OPPORTUNITIES {
        let _ = writeln!(
            out,
            "\n_…and {} more findings with a saving in the full report; \"later\": not on the first visit's critical path._",
            report.opportunities.len() - OPPORTUNITIES
        );
    }
    out.push('\n');
}

/// What an opportunity saves: bytes, or the bytes it moves off the first paint, or a request.
fn saves(opportunity: &crate::model::impact::Opportunity) -> String {
    match (opportunity.bytes, opportunity.deferred_bytes) {
        (0, 0) => "a round trip".to_string(),
        (0, deferred) => format!("{} off the first paint", crate::size::human(deferred)),
        (bytes, _) => crate::size::human(bytes),
    }
}

/// The most important findings (see [`Report::findings_by_importance`]).
fn findings(report: &Report, limit: usize, out: &mut String) {
    if report.findings.is_empty() {
        out.push_str("### Findings\n\nNo findings.\n");
        return;
    }
    let ordered = report.findings_by_importance();
    let _ = writeln!(
        out,
        "### Findings\n\n| Severity | Rule | Where | Finding |\n|---|---|---|---|"
    );
    for finding in ordered.iter().take(limit) {
        let mut message = escape::markdown(&finding.message);
        if let Some(fix) = &finding.fix {
            let _ = write!(message, "<br>Fix: {}", escape::markdown(&fix.one_line()));
        }
        let _ = writeln!(
            out,
            "| {} | {} | {} | {message} |",
            severity(finding.severity),
            finding.rule,
            place(report, finding),
        );
    }
    more(ordered.len(), limit, "finding", out);
    out.push_str(
        "\n`webaudit explain RULE` says what a rule checks, why it matters and how to fix it.\n",
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cut_stops_at_a_line_and_stays_under_the_limit() {
        let body = "line one\nline two é\nline three\n".repeat(50);
        let cut_body = cut(&body, 200);
        assert!(cut_body.len() <= 200, "{}", cut_body.len());
        assert!(cut_body.contains("cut to fit"));
        assert!(cut_body.starts_with("line one\nline two é\n"));
    }
}
