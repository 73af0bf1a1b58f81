//! `--format github`: GitHub Actions workflow commands, one annotation per finding
//! (`::error file=dist/x.js,line=3,col=5,title=…::message`; `warning`; `notice` for info).
//!
//! GitHub shows at most 10 error, 10 warning and 10 notice annotations per step and 50 per job,
//! in the order they are printed. So the most important findings come first (severity, then the
//! bytes at stake), each kind is capped, and a last notice says how many were left out and where
//! they are (the step summary and the full report).
//!
//! Every value is escaped as GitHub's toolkit does (`@actions/core`): in the message `%`, `\r`
//! and `\n`; in properties also `:` and `,`. With that, no file name or message can end the
//! command early or start a line of its own, so none can inject another workflow command. Every
//! line printed starts with `::` and a command of ours, or with `webaudit:`.

use std::io::{self, Write};

use super::{Finding, Report, Severity};

/// Annotations GitHub shows per step for each of error, warning and notice.
pub const PER_STEP: usize = 10;
/// Annotations GitHub shows per job (all steps together).
pub const PER_JOB: usize = 50;

/// Escapes a message as GitHub's toolkit does.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value (file, title) as GitHub's toolkit does.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

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
            escape_property("webaudit"),
            escape_data(&message)
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
/// there (that is the line a pull request changes), naming the built file in the message.
fn annotation(report: &Report, finding: &Finding) -> String {
    let mut properties = Vec::new();
    let mut message = String::new();
    match (&finding.source, &finding.path) {
        (Some(source), Some(path)) => {
            properties.push(format!("file={}", escape_property(&source.path)));
            properties.push(format!("line={}", source.line));
            properties.push(format!("col={}", source.column));
            message.push_str(&format!("in {}: ", report.repository_path(path)));
        }
        (None, Some(path)) => {
            properties.push(format!(
                "file={}",
                escape_property(&report.repository_path(path))
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
        escape_property(&format!("webaudit {}", finding.rule))
    ));
    message.push_str(&finding.message);
    if let Some(fix) = &finding.fix {
        message.push_str(&format!("\nFix: {fix}"));
    }
    message.push_str(&format!("\n(webaudit explain {})", finding.rule));
    format!(
        "::{} {}::{}",
        command(finding.severity),
        properties.join(","),
        escape_data(&message)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_as_the_toolkit_does() {
        assert_eq!(escape_data("100% a\r\nb"), "100%25 a%0D%0Ab");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
        // `%` first, so an escape in the input is not decoded back by GitHub.
        assert_eq!(escape_data("%0A"), "%250A");
        assert_eq!(escape_property("::set-output"), "%3A%3Aset-output");
    }
}
