//! `--format sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.
//!
//! `runs[0].tool.driver` lists every rule that ran, with its summary as the short description,
//! its "What it does" section as the full description and its whole documentation (the
//! `webaudit explain` text) as help, in text and Markdown. Each finding is a result with the
//! rule's id and index, a level (`error`, `warning`, `note` for info) and one location:
//!
//! - a finding mapped through a source map to an original file in the repository (see
//!   [`crate::origins`]) points at that file and line, so code scanning shows it on the pull
//!   request's diff; the built file is then given as a related location. A finding about a
//!   package (a library bundled whole, a duplicated package) points at the first line of the
//!   app's code that imports it, and the other importing lines are related locations too;
//! - any other finding about a file points at the built file, from the repository root
//!   (`dist/assets/x.js`), with its line and column when it has them;
//! - a finding about the app as a whole (a total budget) has no file of its own. GitHub rejects
//!   a whole upload in which one result has no location, so such results are anchored at the
//!   app's entry page (`index.html` at the top of the audited folder) or, without one, at the
//!   largest asset, and carry `"properties": {"wholeApp": true}`.
//!
//! Sizes behind a finding (actual, limit, saving, in bytes) are in the result's `properties`.

use std::io::{self, Write};

use serde_json::{Value, json};

use super::{Finding, Report, Severity};
use crate::rules::RuleMeta;

pub const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// The text of one `## Section` of a rule's documentation.
fn section(documentation: &str, title: &str) -> String {
    let mut lines = documentation.lines().skip_while(|l| l.trim() != title);
    lines.next();
    lines
        .take_while(|l| !l.starts_with("## "))
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
}

fn rule_descriptor(meta: &RuleMeta) -> Value {
    let documentation = meta.documentation();
    let what = section(&documentation, "## What it does");
    json!({
        "id": meta.id,
        "name": meta.id,
        "shortDescription": {"text": meta.summary},
        "fullDescription": {"text": if what.is_empty() { meta.summary.to_string() } else { what }},
        "help": {"text": documentation, "markdown": documentation},
        "defaultConfiguration": {"level": level(meta.default_severity)},
    })
}

/// Percent-encodes a `/`-separated relative path for `artifactLocation.uri` (a URI reference):
/// every byte outside RFC 3986's unreserved characters and a few safe sub-delimiters.
pub fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(byte as char)
            }
            b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'=' | b'@' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

fn physical(path: &str, line: Option<u32>, column: Option<u32>) -> Value {
    let mut location = json!({"artifactLocation": {"uri": uri(path)}});
    if let Some(line) = line.filter(|&l| l > 0) {
        let mut region = json!({"startLine": line});
        if let Some(column) = column.filter(|&c| c > 0) {
            region["startColumn"] = json!(column);
        }
        location["region"] = region;
    }
    location
}

/// The file whole-app findings are anchored at (see the module documentation).
fn whole_app_anchor(report: &Report) -> Option<String> {
    let entry = report
        .assets
        .iter()
        .find(|a| a.path.eq_ignore_ascii_case("index.html"));
    let largest = || {
        report
            .assets
            .iter()
            .filter(|a| a.counted())
            .max_by(|a, b| a.raw.cmp(&b.raw).then_with(|| b.path.cmp(&a.path)))
    };
    entry
        .or_else(largest)
        .map(|a| report.repository_path(&a.path))
}

fn result(
    report: &Report,
    finding: &Finding,
    rule_index: Option<usize>,
    anchor: Option<&str>,
) -> Value {
    // Viewers show the message as text: control characters in it are made visible. Files are
    // named by `uri`, percent-encoded, so they keep their real names.
    let mut message = crate::escape::terminal(&finding.message).into_owned();
    if let Some(fix) = &finding.fix {
        message.push_str(&format!(
            " Fix: {}",
            crate::escape::terminal(&fix.one_line())
        ));
    }
    let mut properties = serde_json::Map::new();
    for (name, value) in [
        ("actual", finding.actual),
        ("limit", finding.limit),
        ("saving", finding.saving),
    ] {
        if let Some(value) = value {
            properties.insert(name.to_string(), json!(value));
        }
    }
    if let Some(fix) = &finding.fix {
        // SARIF's own `fixes` need byte replacements in text files, which image re-encodes
        // and new files are not: the fix goes in the property bag, files from the repository
        // root like every other location.
        let mut value = json!(fix);
        for (list, paths) in [("files", &fix.files), ("changes", &fix.changes)] {
            let paths: Vec<Value> = paths
                .iter()
                .map(|path| json!(report.repository_path(path)))
                .collect();
            value[list] = Value::Array(paths);
        }
        properties.insert("fix".to_string(), value);
    }
    let (location, related) = match (&finding.source, &finding.path) {
        (Some(source), Some(path)) => {
            let mut related = vec![json!({
                "id": 1,
                "physicalLocation": physical(&report.repository_path(path), finding.line, finding.column),
                "message": {"text": "the built file"},
            })];
            // A finding placed at the first import of its package lists the other imports.
            for (id, also) in (2..).zip(&finding.also_imported_at) {
                related.push(json!({
                    "id": id,
                    "physicalLocation": physical(&also.path, Some(also.line), Some(also.column)),
                    "message": {"text": "also imports the package"},
                }));
            }
            (
                Some(physical(
                    &source.path,
                    Some(source.line),
                    Some(source.column),
                )),
                Some(Value::Array(related)),
            )
        }
        (None, Some(path)) => (
            Some(physical(
                &report.repository_path(path),
                finding.line,
                finding.column,
            )),
            None,
        ),
        _ => {
            properties.insert("wholeApp".to_string(), json!(true));
            (anchor.map(|a| physical(a, None, None)), None)
        }
    };
    let mut result = json!({
        "ruleId": finding.rule,
        "level": level(finding.severity),
        "message": {"text": message},
    });
    if let Some(index) = rule_index {
        result["ruleIndex"] = json!(index);
    }
    if let Some(impact) = &finding.impact {
        let profile =
            crate::model::impact::Profile::parse(report.settings.profile).unwrap_or_default();
        result["rank"] = json!(crate::model::impact::sarif_rank(impact.ms.of(profile)));
    }
    if let Some(location) = location {
        result["locations"] = json!([{"physicalLocation": location}]);
    }
    if let Some(related) = related {
        result["relatedLocations"] = related;
    }
    if !properties.is_empty() {
        result["properties"] = Value::Object(properties);
    }
    result
}

/// The SARIF log as a JSON value.
pub fn log(report: &Report) -> Value {
    let rules = report.rules_run();
    let anchor = whole_app_anchor(report);
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|finding| {
            let index = rules.iter().position(|r| r.id == finding.rule);
            result(report, finding, index, anchor.as_deref())
        })
        .collect();
    let mut driver = json!({
        "name": report.tool.name,
        "version": report.tool.version,
        "semanticVersion": report.tool.version,
        "rules": rules.iter().map(|meta| rule_descriptor(meta)).collect::<Vec<_>>(),
    });
    let information = [env!("CARGO_PKG_HOMEPAGE"), env!("CARGO_PKG_REPOSITORY")]
        .into_iter()
        .find(|uri| !uri.is_empty());
    if let Some(information) = information {
        driver["informationUri"] = json!(information);
    }
    json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": driver},
            "invocations": [{"executionSuccessful": true}],
            "results": results,
        }],
    })
}

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    crate::escape::write_json_pretty(&mut *out, &log(report))?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(
            uri("dist/assets/a b%#?.js"),
            "dist/assets/a%20b%25%23%3F.js"
        );
        assert_eq!(uri("dist/é.js"), "dist/%C3%A9.js");
        assert_eq!(uri("dist/x-1_2.~js"), "dist/x-1_2.~js");
    }

    #[test]
    fn sections_of_a_rule_documentation() {
        let doc = "## What it does\nFinds things.\nMore.\n\n## Why is this bad?\nBecause.";
        assert_eq!(section(doc, "## What it does"), "Finds things.\nMore.");
        assert_eq!(section(doc, "## Options"), "");
    }
}
