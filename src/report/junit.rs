//! `--format junit`: JUnit XML for GitLab, Jenkins and other CI test reports.
//!
//! One test suite per rule that ran. Each (rule, asset) with findings is a test case named after
//! the asset (from the repository root; `whole app` for findings about the app as a whole); it
//! fails when one of its findings reaches `--fail-on`, so the test report agrees with the exit
//! code, and findings below it are listed in the case's `system-out`. A rule without findings
//! gets one passing case, so the report shows what was checked. Text is XML-escaped; characters
//! XML 1.0 cannot carry (control characters other than tab and line breaks) become U+FFFD.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use super::{Finding, Report};

/// Escapes text for XML content and attribute values (XML 1.0).
pub fn escape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len() + 8);
    for c in raw.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Attribute values normalise raw line breaks and tabs to spaces: keep them as
            // references.
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            '\u{0}'..='\u{1F}' | '\u{FFFE}' | '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

fn describe(report: &Report, finding: &Finding) -> String {
    let mut line = format!("[{}] ", finding.severity.name());
    if let Some(path) = &finding.path {
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
        let _ = write!(line, " (fix: {fix})");
    }
    line
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
                    escape(rule.id),
                    escape("no findings")
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
                        .map(|p| format!(" file=\"{}\"", escape(&report.repository_path(p))))
                        .unwrap_or_default();
                    let _ = writeln!(
                        body,
                        "    <testcase classname=\"{}\" name=\"{}\"{file}>",
                        escape(rule.id),
                        escape(&name)
                    );
                    if let Some(first) = failing.first() {
                        failures += 1;
                        let message = if failing.len() == 1 {
                            first.message.clone()
                        } else {
                            format!("{} findings; first: {}", failing.len(), first.message)
                        };
                        let details: Vec<String> =
                            failing.iter().map(|f| describe(report, f)).collect();
                        let _ = writeln!(
                            body,
                            "      <failure type=\"{}\" message=\"{}\">{}</failure>",
                            first.severity.name(),
                            escape(&message),
                            escape(&details.join("\n"))
                        );
                    }
                    if !other.is_empty() {
                        let details: Vec<String> =
                            other.iter().map(|f| describe(report, f)).collect();
                        let _ = writeln!(
                            body,
                            "      <system-out>{}</system-out>",
                            escape(&details.join("\n"))
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
            escape(rule.id)
        );
    }
    write!(
        out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"webaudit\" tests=\"{total_tests}\" failures=\"{total_failures}\" errors=\"0\">\n{suites}</testsuites>\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_quotes_and_control_characters() {
        assert_eq!(
            escape("a<b & \"c\" 'd'>"),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;"
        );
        assert_eq!(escape("x\u{1}y\u{1B}\n"), "x\u{FFFD}y\u{FFFD}&#10;");
    }
}
