//! The default output, for people: largest assets, totals by type, budgets, findings.
//!
//! Everything that did not come from webaudit itself (file names, messages quoting them, package
//! names from source maps, configuration values) goes through [`escape::terminal`], so it cannot
//! recolour the terminal, forge lines, or start a workflow command in a CI log.
//!
//! Columns are padded by display width — what a terminal shows, not bytes or characters: colour
//! escape sequences take no column, CJK characters and most emoji take two. The report is always
//! written with colour; without it, anstream's [`StripStream`] removes the escape sequences on
//! the way out, so both outputs have the same layout.

use std::io::{self, Write};

use anstream::StripStream;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::{Report, Severity, SizeTotal};
use crate::baseline::Change;
use crate::escape;
use crate::size::{human, human_delta};

#[derive(Debug, Clone, Copy)]
pub struct TerminalOptions {
    pub color: bool,
    /// How many of the largest assets to list; 0 lists all; `None`: 5, or 10 with `verbose`.
    pub top: Option<usize>,
    /// Only findings and the summary line.
    pub quiet: bool,
    /// Every finding of every rule, not the first few of each.
    pub verbose: bool,
    /// Columns to wrap at.
    pub width: usize,
}

/// Rules given a group of their own unless `--verbose` (rules with an error always are): the
/// others are named on one line.
const RULES_DETAILED: usize = 5;

/// Findings named per rule unless `--verbose` (the first with its message, the others by
/// place): errors are always all listed.
const FINDINGS_PER_RULE: usize = 3;

impl TerminalOptions {
    /// How many of the largest (or changed) assets to list: `usize::MAX` for all.
    fn assets_shown(&self) -> usize {
        match self.top {
            Some(0) => usize::MAX,
            Some(top) => top,
            None if self.verbose => 10,
            None => 5,
        }
    }
}

/// SGR colour sequences. Always written: [`render`] strips them when colour is off.
struct Paint;

impl Paint {
    fn wrap(&self, code: &str, text: &str) -> String {
        format!("\x1b[{code}m{text}\x1b[0m")
    }
    fn bold(&self, text: &str) -> String {
        self.wrap("1", text)
    }
    fn dim(&self, text: &str) -> String {
        self.wrap("2", text)
    }
    fn red(&self, text: &str) -> String {
        self.wrap("31", text)
    }
    fn green(&self, text: &str) -> String {
        self.wrap("32", text)
    }
    fn yellow(&self, text: &str) -> String {
        self.wrap("33", text)
    }
    fn severity(&self, severity: Severity) -> String {
        let label = format!("{:<7}", severity.name());
        match severity {
            Severity::Error => self.red(&label),
            Severity::Warning => self.yellow(&label),
            Severity::Info => self.dim(&label),
        }
    }
}

/// The columns `text` takes on a terminal: escape sequences none, wide characters two.
fn display_width(text: &str) -> usize {
    anstream::adapter::strip_str(text)
        .map(UnicodeWidthStr::width)
        .sum()
}

/// `text` left-aligned in a cell `width` columns wide (never cut).
fn pad_end(text: &str, width: usize) -> String {
    let fill = width.saturating_sub(display_width(text));
    format!("{text}{:fill$}", "")
}

/// `text` right-aligned in a cell `width` columns wide (never cut).
fn pad_start(text: &str, width: usize) -> String {
    let fill = width.saturating_sub(display_width(text));
    format!("{:fill$}{text}", "")
}

/// `text` (plain, no escape sequences) cut to at most `width` columns by keeping its end behind
/// a `…`: the end of a path is the part that tells files apart.
fn keep_end(text: &str, width: usize) -> String {
    if display_width(text) <= width {
        return text.to_owned();
    }
    let budget = width.saturating_sub(1);
    let mut start = text.len();
    let mut used = 0;
    for (i, c) in text.char_indices().rev() {
        used += c.width().unwrap_or(0);
        if used > budget {
            break;
        }
        start = i;
    }
    // A few sequences (emoji with a variation selector) are wider than their characters.
    let mut tail = &text[start..];
    while display_width(tail) > budget {
        let mut chars = tail.chars();
        chars.next();
        tail = chars.as_str();
    }
    format!("…{tail}")
}

fn optional(size: Option<u64>) -> String {
    size.map(human).unwrap_or_else(|| "-".into())
}

/// How many of `findings` are errors, warnings and infos, highest first: "1 warning, 6 infos".
fn by_severity(findings: &[&crate::model::finding::Finding]) -> String {
    let severities: Vec<Severity> = findings.iter().map(|f| f.severity).collect();
    count_by_severity(&severities)
}

fn count_by_severity(severities: &[Severity]) -> String {
    [Severity::Error, Severity::Warning, Severity::Info]
        .into_iter()
        .filter_map(|severity| {
            let count = severities.iter().filter(|&&s| s == severity).count();
            (count > 0).then(|| plural(count, severity.name()))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn plural(count: usize, word: &str) -> String {
    format!("{count} {word}{}", if count == 1 { "" } else { "s" })
}

pub fn render(report: &Report, options: TerminalOptions, out: &mut dyn Write) -> io::Result<()> {
    if options.color {
        render_coloured(report, options, out)
    } else {
        let mut plain = StripStream::new(Vec::new());
        render_coloured(report, options, &mut plain)?;
        out.write_all(&plain.into_inner())
    }
}

fn render_coloured(
    report: &Report,
    options: TerminalOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let paint = Paint;
    let brotli = report.settings.brotli.is_some();

    if !options.quiet {
        let counted = report.assets.iter().filter(|a| a.counted()).count();
        let heading = format!(
            "{} {} — {} ({}, {} not counted{})",
            paint.bold("webaudit"),
            report.tool.version,
            escape::terminal(&report.root),
            plural(counted, "asset"),
            report.assets.len() - counted,
            if report.skipped.is_empty() {
                String::new()
            } else {
                format!(", {} skipped", report.skipped.len())
            }
        );
        writeln!(out, "{}", wrap(&heading, 0, 2, options.width))?;
        render_scorecard(report, options, &paint, out)?;
        render_assets(report, options, &paint, brotli, out)?;
        if options.verbose {
            render_totals(report, &paint, brotli, out)?;
        }
        render_composition(report, options, &paint, out)?;
        render_pages(report, options.width, options.verbose, &paint, out)?;
        render_baseline(report, options, &paint, out)?;
        if !report.notes.is_empty() {
            writeln!(out, "\n{}", paint.bold("Notes"))?;
            for note in &report.notes {
                // One line each by default (the rest with --verbose or in the JSON report).
                let lines = if options.verbose { usize::MAX } else { 1 };
                writeln!(
                    out,
                    "  {}",
                    clip(&escape::terminal(note), 2, 4, options.width, lines)
                )?;
            }
        }
    }

    if !options.quiet {
        render_opportunities(report, options.width, &paint, out)?;
    }

    if !report.findings.is_empty() {
        render_findings(report, options, &paint, out)?;
    }

    let summary = &report.summary;
    let counts = format!(
        "{}, {}, {}",
        plural(summary.errors, "error"),
        plural(summary.warnings, "warning"),
        plural(summary.infos, "info")
    );
    let verdict = if summary.failed {
        paint.red(&format!("failed (--fail-on {})", fail_on_name(report)))
    } else if summary.errors + summary.warnings + summary.infos > 0 {
        // Findings below the --fail-on threshold: say why the run still passes.
        paint.green(&format!("passed (--fail-on {})", fail_on_name(report)))
    } else {
        paint.green("passed")
    };
    writeln!(out, "\n{counts}: {verdict}")
}

/// `text` broken at spaces into lines of at most `width` columns after `indent` spaces (the
/// first line after `first` columns already used); a word longer than a line is kept whole.
fn wrap(text: &str, first: usize, indent: usize, width: usize) -> String {
    let mut out = String::new();
    let mut used = first;
    let mut line_start = true;
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let word_width = display_width(word);
        if !line_start && used + 1 + word_width > width {
            out.push('\n');
            out.push_str(&" ".repeat(indent));
            used = indent;
            line_start = true;
        }
        if !line_start {
            out.push(' ');
            used += 1;
        }
        out.push_str(word);
        used += word_width;
        line_start = false;
    }
    out
}

/// [`wrap`], kept to at most `lines` lines: what does not fit ends in `…`.
fn clip(text: &str, first: usize, indent: usize, width: usize, lines: usize) -> String {
    let wrapped = wrap(text, first, indent, width);
    let mut kept: Vec<&str> = wrapped.split('\n').collect();
    if kept.len() <= lines {
        return wrapped;
    }
    kept.truncate(lines);
    let last = kept.pop().unwrap_or_default();
    let room = width.saturating_sub(if kept.is_empty() { first } else { 0 });
    let mut cut = String::new();
    for c in last.chars() {
        if display_width(&cut) + c.width().unwrap_or(0) + 1 > room {
            break;
        }
        cut.push(c);
    }
    kept.iter()
        .map(|l| format!("{l}\n"))
        .chain(std::iter::once(format!("{}…", cut.trim_end())))
        .collect()
}

/// The first sentence of a message: up to a `. ` followed by a capital letter or a backquote
/// (a sentence that starts with code), the rest dropped.
fn first_sentence(message: &str) -> &str {
    let bytes = message.as_bytes();
    for (i, _) in message.match_indices(". ") {
        if let Some(&next) = bytes.get(i + 2)
            && (next.is_ascii_uppercase() || next == b'`')
        {
            return &message[..=i];
        }
    }
    message
}

/// One line (wrapped) per finding: place, message, fix.
fn render_finding(
    finding: &crate::model::finding::Finding,
    options: TerminalOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let location = match (&finding.path, finding.line, finding.column) {
        (Some(path), Some(line), Some(column)) => {
            format!("{}:{line}:{column}: ", escape::terminal(path))
        }
        (Some(path), Some(line), None) => format!("{}:{line}: ", escape::terminal(path)),
        (Some(path), None, _) => format!("{}: ", escape::terminal(path)),
        (None, ..) => String::new(),
    };
    // Without --verbose, the fact and its numbers: the first sentence (the explanation is in
    // `webaudit explain RULE`, the fix in --verbose and the JSON report).
    let message = if options.verbose {
        finding.message.as_str()
    } else {
        first_sentence(&finding.message)
    };
    // Messages that start with their file's name would say it twice after the location.
    let message = match &finding.path {
        Some(path) if !location.is_empty() => message
            .strip_prefix(path.as_str())
            .filter(|rest| rest.starts_with(' '))
            .map_or(message, str::trim_start),
        _ => message,
    };
    let text = format!("{location}{}", escape::terminal(message));
    let lines = if options.verbose { usize::MAX } else { 2 };
    writeln!(out, "    {}", clip(&text, 4, 6, options.width, lines))?;
    if let Some(importers) = imported_by_line(finding) {
        writeln!(out, "      {}", clip(&importers, 6, 6, options.width, 1))?;
    }
    if !options.verbose {
        return Ok(());
    }
    if let Some(fix) = &finding.fix {
        let headline = format!("fix: {}", escape::terminal(&fix.headline()));
        writeln!(out, "      {}", wrap(&headline, 6, 11, options.width))?;
        if let Some(detail) = fix.detail() {
            writeln!(
                out,
                "           {}",
                wrap(&escape::terminal(&detail), 11, 11, options.width)
            )?;
        }
    }
    Ok(())
}

/// "imported by src/App.jsx:5 (and 2 more)" for a finding about a package the app's code
/// imports: the first import site, from the repository root when it was located there, else as
/// the source map names it (relative to the audited folder).
fn imported_by_line(finding: &crate::model::finding::Finding) -> Option<String> {
    let first = finding.imported_by.first()?;
    let place = match &finding.source {
        Some(source) => format!("{}:{}", source.path, source.line),
        None => format!("{}:{}", first.source, first.line),
    };
    let more = finding.imported_by.len() as u64 - 1 + finding.imported_by_more;
    let more = if more > 0 {
        format!(" (and {more} more)")
    } else {
        String::new()
    };
    Some(format!("imported by {}{more}", escape::terminal(&place)))
}

/// Findings grouped by rule, rules in the order of their first finding: a header with the
/// count and the bytes their fixes save, then the findings that save the most (all of them for
/// errors, or with `--verbose`).
fn render_findings(
    report: &Report,
    options: TerminalOptions,
    paint: &Paint,
    out: &mut dyn Write,
) -> io::Result<()> {
    writeln!(out, "\n{}", paint.bold("Findings"))?;
    let mut rules: Vec<&'static str> = Vec::new();
    for finding in &report.findings {
        if !rules.contains(&finding.rule) {
            rules.push(finding.rule);
        }
    }
    // Rules in the order of what they cost: severity, then the milliseconds their fixes save,
    // then how many findings they have. Without --verbose, the first few (and every rule with
    // an error) get a group each; the others share one line at the end.
    let profile =
        crate::impact::Profile::parse(report.settings.profile).unwrap_or(crate::impact::MOBILE);
    let weight = |rule: &str| {
        let of_rule = report.findings.iter().filter(|f| f.rule == rule);
        let severity = of_rule.clone().map(|f| f.severity).max();
        let ms: u64 = of_rule
            .clone()
            .filter_map(|f| f.impact.as_ref().map(|i| i.ms.of(profile)))
            .sum();
        (severity, ms, of_rule.count())
    };
    rules.sort_by_cached_key(|rule| std::cmp::Reverse(weight(rule)));
    let mut summarised: Vec<String> = Vec::new();
    let mut detailed = 0;
    for rule in rules {
        let mut findings: Vec<&crate::model::finding::Finding> =
            report.findings.iter().filter(|f| f.rule == rule).collect();
        let severity = findings
            .iter()
            .map(|f| f.severity)
            .max()
            .unwrap_or(Severity::Info);
        if !options.verbose && severity != Severity::Error && detailed >= RULES_DETAILED {
            summarised.push(format!("{rule} ({})", by_severity(&findings)));
            continue;
        }
        detailed += 1;
        let bytes: u64 = findings
            .iter()
            .filter_map(|f| f.impact.as_ref().map(|i| i.bytes))
            .sum();
        let mut header = format!(
            "{} {}  {}",
            paint.severity(severity),
            paint.bold(rule),
            plural(findings.len(), "finding")
        );
        // A rule's findings may differ in severity (a chunk no page loads is only info): the
        // heading shows the highest, so say how many are which.
        if findings.iter().any(|f| f.severity != severity) {
            header.push_str(&format!(" ({})", by_severity(&findings)));
        }
        if bytes > 0 {
            header.push_str(&format!(", -{} on the wire", human(bytes)));
        } else {
            // Round trips or bytes moved off the first paint: the time is what they save.
            let ms: u64 = findings
                .iter()
                .filter_map(|f| f.impact.as_ref().map(|i| i.ms.of(profile)))
                .sum();
            if ms > 0 {
                header.push_str(&format!(", {} on {}", duration(ms), profile.name));
            }
        }
        writeln!(out, "  {header}")?;
        // The costliest first (findings without a saving keep their order); `--verbose` lists
        // every finding in the report's order.
        if !options.verbose {
            findings.sort_by_key(|f| std::cmp::Reverse(f.impact.as_ref().map_or(0, |i| i.bytes)));
        }
        if options.verbose || severity == Severity::Error {
            for finding in &findings {
                render_finding(finding, options, out)?;
            }
            continue;
        }
        // The costliest finding with its first sentence (two lines at most), then where the
        // next ones are: one screen for hundreds of findings (`--verbose` lists every one).
        render_finding(findings[0], options, out)?;
        let others = &findings[1..];
        if others.is_empty() {
            continue;
        }
        writeln!(
            out,
            "    {}",
            paint.dim(&also_line(others, options.width.saturating_sub(4)))
        )?;
    }
    if !summarised.is_empty() {
        let text = format!("and {}", summarised.join(", "));
        writeln!(out, "  {}", clip(&text, 2, 4, options.width, 2))?;
    }
    if !options.verbose && report.findings.len() > 1 {
        writeln!(
            out,
            "  {}",
            paint.dim(&wrap(
                "--verbose lists every finding with its fix; webaudit explain RULE says why",
                2,
                4,
                options.width
            ))
        )?;
    }
    Ok(())
}

/// `also A, B and N more`: the places of the next findings of a rule, as many of the first
/// two as fit in `width` columns.
fn also_line(others: &[&crate::model::finding::Finding], width: usize) -> String {
    let mut line = String::from("also");
    let mut named = 0;
    for finding in others.iter().take(FINDINGS_PER_RULE - 1) {
        let place = escape::terminal(&place(finding)).into_owned();
        let rest = others.len() - named - 1;
        let tail = if rest > 0 {
            format!(" and {rest} more")
        } else {
            String::new()
        };
        let separator = if named == 0 { " " } else { ", " };
        if display_width(&line) + separator.len() + display_width(&place) + display_width(&tail)
            > width
        {
            break;
        }
        line.push_str(separator);
        line.push_str(&place);
        named += 1;
    }
    let rest = others.len() - named;
    match (named, rest) {
        (_, 0) => line,
        (0, rest) => format!("and {rest} more"),
        (_, rest) => format!("{line} and {rest} more"),
    }
}

/// Where a finding is: `path:line:column`, `path`, or the rule's subject.
fn place(finding: &crate::model::finding::Finding) -> String {
    match (&finding.path, finding.line, finding.column) {
        (Some(path), Some(line), Some(column)) => format!("{path}:{line}:{column}"),
        (Some(path), Some(line), None) => format!("{path}:{line}"),
        (Some(path), None, _) => path.clone(),
        (None, ..) => finding
            .subject
            .clone()
            .unwrap_or_else(|| "(site)".to_string()),
    }
}

/// A section's title with the network its times are estimated for: `Scorecard (transfer time on
/// mobile: 1.6 Mbit/s, 150 ms round trips)`.
fn section_under_profile(
    title: &str,
    what: &str,
    profile: &str,
    paint: &Paint,
    out: &mut dyn Write,
) -> io::Result<()> {
    let profile = crate::impact::Profile::parse(profile).unwrap_or(crate::impact::MOBILE);
    writeln!(
        out,
        "\n{} {}",
        paint.bold(title),
        paint.dim(&format!(
            "({what} on {}: {:.1} Mbit/s, {} ms round trips)",
            profile.name,
            profile.throughput as f64 / 1_048_576.0,
            profile.round_trip_ms
        ))
    )
}

/// How many opportunities the terminal lists.
const TOP_OPPORTUNITIES: usize = 10;

/// A saving in time, as a person reads it: `~1.2 s`, `~340 ms`.
fn duration(ms: u64) -> String {
    if ms >= 1000 {
        format!("~{:.1} s", ms as f64 / 1000.0)
    } else {
        format!("~{ms} ms")
    }
}

/// The bytes an opportunity saves (`-12.3 kB`), the bytes it moves off the first paint without
/// saving them (`→12.3 kB`), or nothing when it saves a round trip only.
fn saved(opportunity: &crate::model::impact::Opportunity) -> String {
    match (opportunity.bytes, opportunity.deferred_bytes) {
        (0, 0) => String::new(),
        (0, deferred) => format!("→{}", human(deferred)),
        (bytes, _) => format!("-{}", human(bytes)),
    }
}

/// The findings that save the most for a visitor, one line each (the report's ranked list),
/// and what they add up to.
fn render_opportunities(
    report: &Report,
    width: usize,
    paint: &Paint,
    out: &mut dyn Write,
) -> io::Result<()> {
    if report.opportunities.is_empty() {
        return Ok(());
    }
    section_under_profile(
        "Top opportunities",
        "time saved",
        report.settings.profile,
        paint,
        out,
    )?;
    let shown = &report.opportunities[..TOP_OPPORTUNITIES.min(report.opportunities.len())];
    // Long rule names (over 24 columns) push their own row's path, not every row's.
    let rule_width = shown
        .iter()
        .map(|o| o.rule.len())
        .max()
        .unwrap_or(0)
        .clamp(22, 24);
    for opportunity in shown {
        let head = format!(
            "  {}  {}  {}  {}  ",
            opportunity.priority.name(),
            pad_start(&saved(opportunity), 10),
            pad_end(&duration(opportunity.ms), 8),
            pad_end(opportunity.rule, rule_width),
        );
        let path = opportunity.path.as_deref().unwrap_or("");
        let room = width.saturating_sub(display_width(&head) + 2);
        let lazy = if opportunity.critical_path { "" } else { " ·" };
        writeln!(
            out,
            "{}{}{}",
            head,
            escape::terminal(&keep_end(path, room)),
            paint.dim(lazy)
        )?;
    }
    let bytes: u64 = report.opportunities.iter().map(|o| o.bytes).sum();
    let ms: u64 = report.opportunities.iter().map(|o| o.ms).sum();
    let legend = format!(
        "all {}: -{}, {} (·: off the first visit; →: moved off the first paint, not saved; one file's savings overlap)",
        report.opportunities.len(),
        human(bytes),
        duration(ms)
    );
    writeln!(out, "  {}", paint.dim(&wrap(&legend, 2, 4, width)))
}

fn fail_on_name(report: &Report) -> &'static str {
    match report.settings.fail_on {
        super::FailOn::Error => "error",
        super::FailOn::Warning => "warning",
        super::FailOn::Info => "info",
        super::FailOn::Never => "never",
    }
}

fn render_assets(
    report: &Report,
    options: TerminalOptions,
    paint: &Paint,
    brotli: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut assets: Vec<_> = report.assets.iter().filter(|a| a.counted()).collect();
    if assets.is_empty() {
        return writeln!(out, "\nNo assets to measure.");
    }
    assets.sort_by(|a, b| b.transfer().cmp(&a.transfer()).then(a.path.cmp(&b.path)));
    let shown = options.assets_shown().min(assets.len());
    let width = assets[..shown]
        .iter()
        .map(|a| display_width(&escape::terminal(&a.path)))
        .max()
        .unwrap_or(4)
        // The figures take 36 columns (47 with brotli); long paths keep their end.
        .clamp(
            4,
            options
                .width
                .saturating_sub(if brotli { 47 } else { 36 })
                .max(16),
        );
    writeln!(
        out,
        "\n{}",
        paint.bold(if shown == assets.len() {
            "Assets"
        } else {
            "Largest assets"
        })
    )?;
    let header = format!(
        "  {:<width$}  {:<10} {:>10} {:>10}",
        "path", "type", "raw", "gzip"
    );
    writeln!(
        out,
        "{}",
        paint.dim(&if brotli {
            format!("{header} {:>10}", "brotli")
        } else {
            header
        })
    )?;
    for asset in &assets[..shown] {
        let path = keep_end(&escape::terminal(&asset.path), width);
        let gzip = if asset.format.compressible() {
            optional(asset.gzip)
        } else {
            paint.dim("(same)")
        };
        write!(
            out,
            "  {}  {:<10} {:>10} {}",
            pad_end(&path, width),
            asset.kind.name(),
            human(asset.raw),
            pad_start(&gzip, 10)
        )?;
        if brotli {
            let brotli = if asset.format.compressible() {
                optional(asset.brotli)
            } else {
                "(same)".into()
            };
            write!(out, " {}", pad_start(&brotli, 10))?;
        }
        writeln!(out)?;
    }
    if shown < assets.len() {
        writeln!(
            out,
            "  {}",
            paint.dim(&format!(
                "… {} more (--top 0 lists all)",
                assets.len() - shown
            ))
        )?;
    }
    Ok(())
}

fn total_line(label: &str, total: &SizeTotal, brotli: bool) -> String {
    let mut line = format!(
        "  {label:<14} {:>6} {:>10} {:>10}",
        total.files,
        human(total.raw),
        human(total.gzip)
    );
    if brotli {
        line.push_str(&format!(" {:>10}", optional(total.brotli)));
    }
    line
}

fn render_totals(
    report: &Report,
    paint: &Paint,
    brotli: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    writeln!(out, "\n{}", paint.bold("Totals by type"))?;
    let header = format!(
        "  {:<14} {:>6} {:>10} {:>10}",
        "type", "files", "raw", "gzip"
    );
    writeln!(
        out,
        "{}",
        paint.dim(&if brotli {
            format!("{header} {:>10}", "brotli")
        } else {
            header
        })
    )?;
    for (kind, total) in &report.totals.by_type {
        writeln!(out, "{}", total_line(kind.name(), total, brotli))?;
    }
    writeln!(
        out,
        "{}",
        paint.bold(&total_line("total", &report.totals.all, brotli))
    )?;
    for (kind, total) in &report.totals.not_counted {
        writeln!(
            out,
            "{}",
            paint.dim(&format!(
                "  {:<14} {:>6} {:>10}  (not counted)",
                kind.name(),
                total.files,
                human(total.raw)
            ))
        )?;
    }
    writeln!(
        out,
        "  {}",
        paint.dim("gzip/brotli: compressed size of text formats, raw size of compressed ones")
    )
}

/// Budgets listed without `--verbose` when they pass (every failed one is always listed).
const PASSED_BUDGETS_SHOWN: usize = 5;

/// A figure of the scorecard in its unit.
fn figure(value: u64, unit: crate::model::scorecard::Unit) -> String {
    use crate::model::scorecard::Unit;
    match unit {
        Unit::Bytes => human(value),
        Unit::Requests => value.to_string(),
        Unit::Milliseconds => duration(value),
    }
}

/// The first screen: metric, current, target and gap for every budget, the heaviest first visit
/// and the transfer by type (the report's [`Scorecard`](crate::model::scorecard::Scorecard)).
fn render_scorecard(
    report: &Report,
    options: TerminalOptions,
    paint: &Paint,
    out: &mut dyn Write,
) -> io::Result<()> {
    use crate::model::scorecard::Unit;
    let card = &report.scorecard;
    if card.rows.is_empty() {
        return Ok(());
    }
    section_under_profile("Scorecard", "transfer time", card.profile, paint, out)?;
    // Mark, metric, then three figures of 10 columns: the metric gets what they leave.
    // (A cell is at most 60 columns: very wide terminals get no padding runs.)
    let metric_width = options.width.saturating_sub(4 + 3 * 11).clamp(20, 60);
    writeln!(
        out,
        "{}",
        paint.dim(&format!(
            "    {:<metric_width$} {:>10} {:>10} {:>10}",
            "metric", "current", "target", "gap"
        ))
    )?;
    let passed_budgets = card.rows.iter().filter(|r| r.passed == Some(true)).count();
    let mut passed_shown = 0;
    let mut page_said = false;
    for row in &card.rows {
        if row.passed == Some(true) && !options.verbose {
            passed_shown += 1;
            if passed_shown > PASSED_BUDGETS_SHOWN {
                continue;
            }
        }
        let mark = match row.passed {
            Some(true) => paint.green("✓"),
            Some(false) => paint.red("✗"),
            None => " ".into(),
        };
        let on_heaviest_page =
            row.target.is_none() && row.subject.is_some() && row.subject == card.heaviest_page;
        if on_heaviest_page && !page_said {
            // The page's line carries its transfer time; the rows under it, the rest.
            page_said = true;
            let subject = row.subject.as_deref().unwrap_or_default();
            let time = card
                .rows
                .iter()
                .find(|r| r.subject == row.subject && r.unit == Unit::Milliseconds)
                .map(|r| figure(r.current, r.unit))
                .unwrap_or_default();
            let incomplete = if card.heaviest_page_incomplete {
                " (incomplete)"
            } else {
                ""
            };
            let label = keep_end(
                &format!("first visit of {}{incomplete}", escape::terminal(subject)),
                metric_width,
            );
            writeln!(
                out,
                "    {} {}",
                pad_end(&label, metric_width),
                pad_start(&time, 10)
            )?;
        }
        if on_heaviest_page && row.unit == Unit::Milliseconds {
            continue;
        }
        let (indent, label) = match (&row.subject, on_heaviest_page) {
            (_, true) => ("  ", row.metric.clone()),
            (Some(subject), false) => ("", format!("{} [{}]", row.metric, subject)),
            (None, false) => ("", row.metric.clone()),
        };
        let label = keep_end(&escape::terminal(&label), metric_width - indent.len());
        let gap = match row.gap() {
            Some(gap) if row.unit == Unit::Bytes => human_delta(gap),
            Some(gap) if row.unit == Unit::Requests => format!("{gap:+}"),
            Some(gap) => format!(
                "{}{}",
                if gap < 0 { "-" } else { "+" },
                duration(gap.unsigned_abs())
            ),
            None => String::new(),
        };
        let gap = if row.passed == Some(false) {
            paint.red(&gap)
        } else {
            gap
        };
        let line = format!(
            "  {mark} {} {} {} {}",
            pad_end(&format!("{indent}{label}"), metric_width),
            pad_start(&figure(row.current, row.unit), 10),
            pad_start(
                &row.target.map(|t| figure(t, row.unit)).unwrap_or_default(),
                10
            ),
            pad_start(&gap, 10),
        );
        writeln!(out, "{}", line.trim_end())?;
    }
    if passed_shown > PASSED_BUDGETS_SHOWN {
        writeln!(
            out,
            "    {}",
            paint.dim(&format!(
                "… {} more budgets pass (--verbose lists all)",
                passed_budgets - PASSED_BUDGETS_SHOWN
            ))
        )?;
    }
    Ok(())
}

/// The comparison with `--baseline`: changed, new and removed assets, then the total.
fn render_baseline(
    report: &Report,
    options: TerminalOptions,
    paint: &Paint,
    out: &mut dyn Write,
) -> io::Result<()> {
    let Some(comparison) = &report.baseline else {
        return Ok(());
    };
    writeln!(
        out,
        "\n{}",
        paint.bold(&format!(
            "Changes against {}",
            escape::terminal(&comparison.baseline)
        ))
    )?;
    let differences: Vec<_> = comparison.differences().collect();
    let shown = options.assets_shown().min(differences.len());
    let width = differences[..shown]
        .iter()
        .map(|d| display_width(&escape::terminal(&d.path)))
        .max()
        .unwrap_or(5)
        .clamp(5, 60);
    writeln!(
        out,
        "{}",
        paint.dim(&format!(
            "  {:<width$}  {:>10} {:>10} {:>11} {:>8}",
            "path", "before", "after", "delta", "%"
        ))
    )?;
    let signed = |delta: i64| {
        let text = human_delta(delta);
        if delta > 0 {
            paint.red(&format!("{text:>11}"))
        } else if delta < 0 {
            paint.green(&format!("{text:>11}"))
        } else {
            format!("{text:>11}")
        }
    };
    for delta in &differences[..shown] {
        let path = escape::terminal(&delta.path);
        let percent = match (delta.change, delta.gzip_percent) {
            (Change::Added, _) => "new".to_string(),
            (Change::Removed, _) => "removed".to_string(),
            (_, Some(p)) => format!("{p:+.1}%"),
            (_, None) => String::new(),
        };
        // A content-hashed name that changed is the usual case: its old name in --verbose.
        let was = match &delta.baseline_path {
            Some(old) if options.verbose => {
                paint.dim(&format!("  (was {})", escape::terminal(old)))
            }
            _ => String::new(),
        };
        writeln!(
            out,
            "  {}  {:>10} {:>10} {} {percent:>8}{was}",
            pad_end(&path, width),
            optional(delta.before.map(|s| s.gzip)),
            optional(delta.after.map(|s| s.gzip)),
            signed(delta.gzip_delta),
        )?;
    }
    if shown < differences.len() {
        writeln!(
            out,
            "  {}",
            paint.dim(&format!(
                "… {} more changed (--top 0 lists all)",
                differences.len() - shown
            ))
        )?;
    }
    let percent = comparison
        .gzip_percent
        .map(|p| format!("{p:+.1}%"))
        .unwrap_or_default();
    writeln!(
        out,
        "{}",
        paint.bold(&format!(
            "  {:<width$}  {:>10} {:>10} {} {percent:>8}",
            "total",
            human(comparison.before.gzip),
            human(comparison.after.gzip),
            signed(comparison.gzip_delta),
        ))
    )?;
    let unchanged = comparison.assets.len() - differences.len();
    writeln!(
        out,
        "  {}",
        paint.dim(&format!(
            "{} unchanged; gzip transfer sizes; content-hashed names matched across builds",
            plural(unchanged, "asset")
        ))
    )?;
    if comparison.packages.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "{}",
        paint.dim(&format!(
            "  {:<width$}  {:>10} {:>10} {:>11} {:>8}",
            "package (source maps, raw)", "before", "after", "delta", "gzip est."
        ))
    )?;
    let shown = options.assets_shown().min(comparison.packages.len());
    for package in &comparison.packages[..shown] {
        writeln!(
            out,
            "  {}  {:>10} {:>10} {} {:>8}",
            pad_end(&keep_end(&escape::terminal(&package.name), width), width),
            human(package.before_raw),
            human(package.after_raw),
            signed(package.raw_delta),
            human_delta(package.gzip_estimate_delta),
        )?;
    }
    if shown < comparison.packages.len() {
        writeln!(
            out,
            "  {}",
            paint.dim(&format!(
                "… {} more packages changed (--top 0 lists all)",
                comparison.packages.len() - shown
            ))
        )?;
    }
    Ok(())
}

/// A page's name for the pages table, cut to `width` columns; a template says so
/// (`index.html (template)`).
fn page_label(page: &crate::pages::PageLoad, width: usize) -> String {
    let suffix = if page.template { " (template)" } else { "" };
    let name = keep_end(&page.page, width.saturating_sub(suffix.len()));
    format!("{}{suffix}", escape::terminal(&name))
}

fn render_pages(
    report: &Report,
    width: usize,
    verbose: bool,
    paint: &Paint,
    out: &mut dyn Write,
) -> io::Result<()> {
    if report.pages.is_empty() {
        return Ok(());
    }
    // 76 columns: the page name gets what the five figures leave.
    const PAGE: usize = 24;
    writeln!(out, "\n{}", paint.bold("Pages (first visit, gzip)"))?;
    writeln!(
        out,
        "{}",
        paint.dim(&format!(
            "  {:<PAGE$} {:>10} {:>11} {:>10} {:>8} {:>6}",
            "page", "initial JS", "initial CSS", "lazy JS", "slow 3G", "4G"
        ))
    )?;
    // The ten heaviest first visits unless --verbose; every page in path order with it.
    let mut pages: Vec<&crate::pages::PageLoad> = report.pages.iter().collect();
    if !verbose && pages.len() > PAGES_SHOWN {
        pages.sort_by_key(|p| {
            std::cmp::Reverse(p.initial_scripts.gzip + p.initial_stylesheets.gzip)
        });
        pages.truncate(PAGES_SHOWN);
    }
    for page in &pages {
        writeln!(
            out,
            "  {} {:>10} {:>11} {:>10} {:>7.2}s {:>5.2}s",
            pad_end(&page_label(page, PAGE), PAGE),
            human(page.initial_scripts.gzip),
            human(page.initial_stylesheets.gzip),
            human(page.lazy_scripts.gzip),
            page.initial_seconds_slow_3g,
            page.initial_seconds_4g
        )?;
    }
    if pages.len() < report.pages.len() {
        writeln!(
            out,
            "  {}",
            paint.dim(&format!(
                "… {} more pages (--verbose lists all)",
                report.pages.len() - pages.len()
            ))
        )?;
    }
    let missing = report
        .pages
        .iter()
        .filter(|p| !p.missing.is_empty())
        .count();
    let incomplete = report
        .pages
        .iter()
        .filter(|p| !p.incomplete.is_empty())
        .count();
    if !verbose && missing + incomplete > 0 {
        // One line: the pages' own entries are in --verbose, the JSON report and (when they
        // matter) the findings of references/missing and budget/initial.
        let verb = |count: usize, one: &str, many: &str| {
            format!(
                "{} {}",
                plural(count, "page"),
                if count == 1 { one } else { many }
            )
        };
        let mut said = Vec::new();
        if missing > 0 {
            said.push(verb(missing, "names files", "name files") + " not in the folder");
        }
        if incomplete > 0 {
            said.push(verb(incomplete, "loads chunks", "load chunks") + " not resolved");
        }
        let text = format!("{} (not counted; --verbose lists them)", said.join("; "));
        writeln!(out, "  {} {}", paint.yellow("!"), wrap(&text, 4, 6, width))?;
    }
    for page in report
        .pages
        .iter()
        .filter(|p| verbose && !p.missing.is_empty())
    {
        let listed: Vec<String> = page
            .missing
            .iter()
            .take(5)
            .map(|(reference, line, column)| {
                format!("{} ({line}:{column})", escape::terminal(reference))
            })
            .collect();
        let more = page.missing.len().saturating_sub(listed.len());
        let more = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        let text = format!(
            "{}: not in the folder, so not counted: {}{more}",
            escape::terminal(&page.page),
            listed.join(", ")
        );
        writeln!(out, "  {} {}", paint.yellow("!"), wrap(&text, 4, 6, width))?;
    }
    for page in report
        .pages
        .iter()
        .filter(|p| verbose && !p.incomplete.is_empty())
    {
        let reasons: Vec<String> = page
            .incomplete
            .iter()
            .map(|reason| escape::terminal(reason).into_owned())
            .collect();
        let text = format!(
            "{}: incomplete, the initial figures may leave chunks out: {}",
            escape::terminal(&page.page),
            reasons.join("; ")
        );
        writeln!(out, "  {} {}", paint.yellow("!"), wrap(&text, 4, 6, width))?;
    }
    if verbose {
        writeln!(
            out,
            "  {}",
            paint.dim(
                "gzip sizes; transfer time at 50 KiB/s (slow 3G), 1.6 Mbit/s (4G), no latency"
            )
        )?;
    }
    Ok(())
}

/// Pages the table lists without --verbose.
const PAGES_SHOWN: usize = 5;

/// Packages in each bundle that has a source map, largest bundles first.
fn render_composition(
    report: &Report,
    options: TerminalOptions,
    paint: &Paint,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut bundles: Vec<_> = report
        .assets
        .iter()
        .filter(|a| a.composition.is_some())
        .collect();
    if bundles.is_empty() {
        return Ok(());
    }
    bundles.sort_by(|a, b| b.raw.cmp(&a.raw).then(a.path.cmp(&b.path)));
    // The three largest bundles and their five largest packages, unless asked for more
    // (`--top N` bundles, `--top 0` or `--verbose` all): the report should fit a screen.
    let limit = match (options.top, options.verbose) {
        (Some(0), _) => usize::MAX,
        (Some(top), _) => top,
        (None, true) => 10,
        (None, false) => 3,
    };
    let packages_per_bundle = match (options.top, options.verbose) {
        (Some(0), _) => usize::MAX,
        (_, true) => 8,
        (_, false) => 5,
    };
    writeln!(
        out,
        "\n{}",
        paint.bold("Bundle composition (from source maps)")
    )?;
    let compact = !options.verbose && options.top.is_none();
    for asset in bundles.iter().take(limit) {
        let Some(composition) = &asset.composition else {
            continue;
        };
        if compact {
            // One entry per bundle: its three largest packages (`--verbose` gives the table).
            let mut parts: Vec<String> = composition
                .packages
                .iter()
                .take(3)
                .map(|share| format!("{} {}", share.name, human(share.raw)))
                .collect();
            if composition.packages.len() > 3 {
                parts.push(format!("{} more packages", composition.packages.len() - 3));
            }
            parts.push(format!(
                "{} {}",
                crate::composition::OWN_CODE,
                human(composition.own_code)
            ));
            let text = format!(
                "{} ({} raw): {}",
                asset.path,
                human(asset.raw),
                parts.join(", ")
            );
            writeln!(
                out,
                "  {}",
                clip(&escape::terminal(&text), 2, 4, options.width, 2)
            )?;
            continue;
        }
        writeln!(
            out,
            "  {} {}",
            escape::terminal(&asset.path),
            paint.dim(&format!("({} raw)", human(asset.raw)))
        )?;
        let shown = composition.packages.len().min(packages_per_bundle);
        for share in &composition.packages[..shown] {
            let gzip = share
                .gzip_estimate
                .map(|g| format!("~{} gzip", human(g)))
                .unwrap_or_default();
            let version = share
                .version
                .as_deref()
                .map(|v| format!("@{v}"))
                .unwrap_or_default();
            writeln!(
                out,
                "    {} {:>10} {:>14}",
                pad_end(&escape::terminal(&format!("{}{version}", share.name)), 36),
                human(share.raw),
                gzip
            )?;
        }
        if composition.packages.len() > shown {
            let rest: u64 = composition.packages[shown..].iter().map(|p| p.raw).sum();
            writeln!(
                out,
                "    {:<36} {:>10}",
                format!("… {} more packages", composition.packages.len() - shown),
                human(rest)
            )?;
        }
        writeln!(
            out,
            "    {:<36} {:>10}",
            crate::composition::OWN_CODE,
            human(composition.own_code)
        )?;
        writeln!(
            out,
            "    {:<36} {:>10}",
            "[unmapped]",
            human(composition.unmapped)
        )?;
    }
    if bundles.len() > limit {
        writeln!(
            out,
            "  {}",
            paint.dim(&format!(
                "… {} more bundles with source maps (--verbose or --top N lists more)",
                bundles.len() - limit
            ))
        )?;
    }
    if compact {
        return Ok(());
    }
    writeln!(
        out,
        "  {}",
        paint.dim("raw bytes are exact; gzip shares are estimated in proportion to raw bytes")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_with_findings_of_several_severities_counts_each() {
        use Severity::{Error, Info, Warning};
        assert_eq!(
            count_by_severity(&[Info, Warning, Info, Info]),
            "1 warning, 3 infos"
        );
        assert_eq!(count_by_severity(&[Warning, Error]), "1 error, 1 warning");
        assert_eq!(count_by_severity(&[Warning, Warning]), "2 warnings");
    }

    #[test]
    fn width_is_what_a_terminal_shows() {
        assert_eq!(display_width("app.js"), 6);
        assert_eq!(display_width(&Paint.dim("(same)")), 6);
        assert_eq!(display_width("图表.js"), 7);
        assert_eq!(display_width("🚀"), 2);
        assert_eq!(display_width("e\u{301}"), 1);
        assert_eq!(display_width("…"), 1);
    }

    #[test]
    fn cells_pad_to_display_width() {
        assert_eq!(pad_end("图表", 6), "图表  ");
        assert_eq!(pad_start("图表", 6), "  图表");
        let dim = Paint.dim("(same)");
        assert_eq!(pad_start(&dim, 10), format!("    {dim}"));
        assert_eq!(pad_end("too wide", 3), "too wide");
    }

    #[test]
    fn long_names_keep_their_end() {
        assert_eq!(keep_end("short", 10), "short");
        assert_eq!(keep_end("abcdefghij", 5), "…ghij");
        assert_eq!(keep_end("一二三四五六", 7), "…四五六");
        // A wide character that does not fit whole is left out, and the cell padded.
        assert_eq!(keep_end("一二三四五六", 6), "…五六");
        assert_eq!(display_width(&keep_end("a/🚀🚀🚀.js", 6)), 6);
    }
}
