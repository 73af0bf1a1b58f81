//! `--format github`: GitHub Actions workflow commands, one annotation per finding
//! (`::error file=dist/x.js,line=3,col=5,title=…::message`; `warning`; `notice` for info).
//!
//! GitHub shows at most 10 error, 10 warning and 10 notice annotations per step and 50 per job,
//! in the order they are printed. So the most important findings come first (severity, then the
//! bytes at stake), each kind is capped, and a last notice says how many were left out and where
//! they are (the step summary and the full report).
//!
//! Every value goes through [`crate::escape::github_data`] or [`crate::escape::github_property`]:
//! `%` (and in properties `:` and `,`) encoded as GitHub's toolkit does, line breaks, ESC and
//! bidirectional controls shown as escapes. With that, no file name or message can end the
//! command early or start a line of its own, so none can inject another workflow command. Every
//! line printed starts with `::` and a command of ours, or with `webaudit:`.

use std::io::{self, Write};

use super::{Finding, Report, Severity};
use crate::escape::{GITHUB_LINE_BREAK, github_data, github_property};

/// Annotations GitHub shows per step for each of error, warning and notice.
pub const PER_STEP: usize = 10;
/// Annotations GitHub shows per job (all steps together).
pub const PER_JOB: usize = 50;

fn command(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    }
}

/// Which findings get an annotation: the most important of each severity, within the limits.
/// The notice saying what was left out takes one notice slot.
fn annotated(report: &Report) -> (Vec<&Finding>, usize) {
    let ordered = report.findings_by_importance();
    let count = |severity| ordered.iter().filter(|f| f.severity == severity).count();
    let (errors, warnings, infos) = (
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info),
    );
    let omitted_loud = errors.saturating_sub(PER_STEP) + warnings.saturating_sub(PER_STEP);
    let notice_room = if omitted_loud > 0 || infos > PER_STEP {
        PER_STEP - 1
    } else {
        PER_STEP
    };
    let room = |severity| match severity {
        Severity::Error | Severity::Warning => PER_STEP,
        Severity::Info => notice_room,
    };
    let mut shown = Vec::new();
    let mut used = [0usize; 3];
    for finding in ordered {
        let slot = &mut used[finding.severity as usize];
        if *slot < room(finding.severity) && shown.len() < PER_JOB - 1 {
            *slot += 1;
            shown.push(finding);
        }
    }
    let omitted = report.findings.len() - shown.len();
    (shown, omitted)
}

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let (shown, omitted) = annotated(report);
    for finding in &shown {
        writeln!(out, "{}", annotation(report, finding))?;
    }
    if omitted > 0 {
        let message = format!(
            "{omitted} more finding{} not annotated: GitHub shows at most {PER_STEP} errors, {PER_STEP} warnings and {PER_STEP} notices per step. All {} findings are in the step summary and the full report.",
            if omitted == 1 { " is" } else { "s are" },
            report.findings.len()
        );
        writeln!(
            out,
            "::notice title={}::{}",
            github_property("webaudit"),
            github_data(&message)
        )?;
    }
    let summary = &report.summary;
    writeln!(
        out,
        "webaudit: {} error{}, {} warning{}, {} info{}; {}",
        summary.errors,
        if summary.errors == 1 { "" } else { "s" },
        summary.warnings,
        if summary.warnings == 1 { "" } else { "s" },
        summary.infos,
        if summary.infos == 1 { "" } else { "s" },
        if summary.failed { "failed" } else { "passed" }
    )
}

/// One finding as a workflow command. A finding mapped to an original source is annotated
/// there (that is the line a pull request changes), naming the built file in the message; a
/// finding about a package at the first line of the app's code that imports it, naming the
/// other importing lines.
fn annotation(report: &Report, finding: &Finding) -> String {
    let mut properties = Vec::new();
    // Lines of the message, each escaped on its own: a line break comes only from here.
    let mut lines = Vec::new();
    let mut first_line = String::new();
    match (&finding.source, &finding.path) {
        (Some(source), Some(path)) => {
            properties.push(format!("file={}", github_property(&source.path)));
            properties.push(format!("line={}", source.line));
            properties.push(format!("col={}", source.column));
            first_line.push_str(&format!("in {}: ", report.repository_path(path)));
        }
        (None, Some(path)) => {
            properties.push(format!(
                "file={}",
                github_property(&report.repository_path(path))
            ));
            if let Some(line) = finding.line {
                properties.push(format!("line={line}"));
                if let Some(column) = finding.column {
                    properties.push(format!("col={column}"));
                }
            }
        }
        _ => {}
    }
    properties.push(format!(
        "title={}",
        github_property(&format!("webaudit {}", finding.rule))
    ));
    first_line.push_str(&finding.message);
    lines.push(github_data(&first_line));
    if !finding.also_imported_at.is_empty() {
        let others: Vec<String> = finding
            .also_imported_at
            .iter()
            .map(|at| format!("{}:{}", at.path, at.line))
            .collect();
        lines.push(github_data(&format!(
            "Also imported by {}",
            others.join(", ")
        )));
    }
    if let Some(fix) = &finding.fix {
        lines.push(github_data(&format!("Fix: {}", fix.one_line())));
    }
    lines.push(github_data(&format!("(webaudit explain {})", finding.rule)));
    format!(
        "::{} {}::{}",
        command(finding.severity),
        properties.join(","),
        lines.join(GITHUB_LINE_BREAK)
    )
}
