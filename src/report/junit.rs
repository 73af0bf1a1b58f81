//! `--format junit`: JUnit XML for GitLab, Jenkins and other CI test reports.
//!
//! One test suite per rule that ran. Each (rule, asset) with findings is a test case named after
//! the asset (from the repository root; `whole app` for findings about the app as a whole); it
//! fails when one of its findings reaches `--fail-on`, so the test report agrees with the exit
//! code, and findings below it are listed in the case's `system-out`. A rule without findings
//! gets one passing case, so the report shows what was checked. Text goes through
//! [`crate::escape::xml`]: markup escaped, control characters (which XML 1.0 cannot carry) and
//! bidirectional controls shown as escapes.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use super::{Finding, Report};
use crate::escape::xml;

fn describe(report: &Report, finding: &Finding) -> String {
    let mut line = format!("[{}] ", finding.severity.name());
    // A finding mapped to an original source (or placed at the import of its package) names
    // that line first: the one to change.
    if let Some(source) = &finding.source {
        let _ = write!(line, "{}:{}:{}: ", source.path, source.line, source.column);
        if let Some(path) = &finding.path {
            let _ = write!(line, "in {}: ", report.repository_path(path));
        }
    } else if let Some(path) = &finding.path {
        line.push_str(&report.repository_path(path));
        if let Some(number) = finding.line {
            let _ = write!(line, ":{number}");
            if let Some(column) = finding.column {
                let _ = write!(line, ":{column}");
            }
        }
        line.push_str(": ");
    }
    line.push_str(&finding.message);
    if let Some(fix) = &finding.fix {
        let _ = write!(line, " (fix: {})", fix.one_line());
    }
    line
}

/// The findings, one escaped line each, joined by line-break references (a line break in a name
/// is shown as `\n` inside its line).
fn described(report: &Report, findings: &[&Finding]) -> String {
    findings
        .iter()
        .map(|f| xml(&describe(report, f)))
        .collect::<Vec<_>>()
        .join("&#10;")
}

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let fail_on = report.settings.fail_on;
    let rules = report.rules_run();
    // rule → asset (None: whole app) → findings, in the report's order.
    let mut cases: BTreeMap<&str, BTreeMap<Option<&str>, Vec<&Finding>>> = BTreeMap::new();
    for finding in &report.findings {
        cases
            .entry(finding.rule)
            .or_default()
            .entry(finding.path.as_deref())
            .or_default()
            .push(finding);
    }
    let mut total_tests = 0;
    let mut total_failures = 0;
    let mut suites = String::new();
    for rule in &rules {
        let mut body = String::new();
        let (mut tests, mut failures) = (0, 0);
        match cases.get(rule.id) {
            None => {
                tests += 1;
                let _ = writeln!(
                    body,
                    "    <testcase classname=\"{}\" name=\"{}\"/>",
                    xml(rule.id),
                    xml("no findings")
                );
            }
            Some(by_asset) => {
                for (path, findings) in by_asset {
                    tests += 1;
                    let name =
                        path.map_or_else(|| "whole app".to_string(), |p| report.repository_path(p));
                    let (failing, other): (Vec<&Finding>, Vec<&Finding>) =
                        findings.iter().partition(|f| fail_on.fails(f.severity));
                    let file = path
                        .map(|p| format!(" file=\"{}\"", xml(&report.repository_path(p))))
                        .unwrap_or_default();
                    let _ = writeln!(
                        body,
                        "    <testcase classname=\"{}\" name=\"{}\"{file}>",
                        xml(rule.id),
                        xml(&name)
                    );
                    if let Some(first) = failing.first() {
                        failures += 1;
                        let message = if failing.len() == 1 {
                            first.message.clone()
                        } else {
                            format!("{} findings; first: {}", failing.len(), first.message)
                        };
                        let _ = writeln!(
                            body,
                            "      <failure type=\"{}\" message=\"{}\">{}</failure>",
                            first.severity.name(),
                            xml(&message),
                            described(report, &failing)
                        );
                    }
                    if !other.is_empty() {
                        let _ = writeln!(
                            body,
                            "      <system-out>{}</system-out>",
                            described(report, &other)
                        );
                    }
                    body.push_str("    </testcase>\n");
                }
            }
        }
        total_tests += tests;
        total_failures += failures;
        let _ = write!(
            suites,
            "  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\">\n{body}  </testsuite>\n",
            xml(rule.id)
        );
    }
    write!(
        out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"webaudit\" tests=\"{total_tests}\" failures=\"{total_failures}\" errors=\"0\">\n{suites}</testsuites>\n"
    )
}
