//! `--format html`: one self-contained page (no request of any kind: the page's Content Security
//! Policy forbids them) that draws the same document `--format json` writes, with a treemap of
//! the bundles, the pages, opportunities, findings by rule, budgets and, with `--baseline`, what
//! changed. The page's HTML, CSS and JavaScript are `src/report/html/` embedded at compile time;
//! the report and the documentation of the rules it names are embedded as JSON data.
//!
//! Names and messages stay data: the JSON sits in `<script type="application/json">` with every
//! `<` written `\u003c`, so no file name can close the element, and the page's script inserts
//! text only as text nodes. Reports whose JSON exceeds [`COMPRESS_ABOVE`] are embedded gzip
//! compressed and base64 encoded, and unpacked by the browser's `DecompressionStream`.

use std::io::{self, Write};

use base64::Engine;
use flate2::Compression;
use flate2::write::GzEncoder;
use serde::Serialize;

use super::Report;
use crate::escape;

const TEMPLATE: &str = include_str!("html/report.html");
const STYLE: &str = include_str!("html/report.css");
const SCRIPT: &str = include_str!("html/report.js");

/// Above this much JSON the data is embedded compressed: a large app's report shrinks about
/// tenfold, and a page of a few hundred kilobytes still opens instantly without it.
pub const COMPRESS_ABOVE: usize = 512 * 1024;

/// The documentation of one rule, as the page shows it.
#[derive(Serialize)]
struct RuleDoc {
    summary: &'static str,
    severity: &'static str,
    documentation: String,
}

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let data = serde_json::to_vec(report).map_err(io::Error::other)?;
    let rules: std::collections::BTreeMap<&str, RuleDoc> = report
        .rules_run()
        .into_iter()
        .filter(|meta| {
            report.findings.iter().any(|f| f.rule == meta.id)
                || report.budgets.iter().any(|b| b.rule == meta.id)
        })
        .map(|meta| {
            (
                meta.id,
                RuleDoc {
                    summary: meta.summary,
                    severity: meta.default_severity.name(),
                    documentation: meta.documentation(),
                },
            )
        })
        .collect();
    let rules = serde_json::to_vec(&rules).map_err(io::Error::other)?;
    let embedded = format!(
        "{}\n{}",
        data_element("webaudit-report", &data)?,
        data_element("webaudit-rules", &rules)?
    );
    let title = format!("webaudit report: {}", report.root);
    let page = fill(
        TEMPLATE,
        &[
            ("{{TITLE}}", &escape::html(&title)),
            ("{{STYLE}}", STYLE),
            ("{{DATA}}", &embedded),
            ("{{SCRIPT}}", SCRIPT),
        ],
    );
    out.write_all(page.as_bytes())
}

/// A `<script>` element that carries JSON as data: plain when small, gzip and base64 above
/// [`COMPRESS_ABOVE`]. `<` is escaped in the JSON (only strings can hold it), so the element
/// cannot be closed or turned into a comment by its content.
fn data_element(id: &str, json: &[u8]) -> io::Result<String> {
    if json.len() <= COMPRESS_ABOVE {
        let text = String::from_utf8_lossy(json).replace('<', "\\u003c");
        return Ok(format!(
            "<script type=\"application/json\" id=\"{id}\">{text}</script>"
        ));
    }
    let mut encoder = GzEncoder::new(Vec::new(), Compression::new(6));
    encoder.write_all(json)?;
    let compressed = encoder.finish()?;
    let text = base64::engine::general_purpose::STANDARD.encode(compressed);
    Ok(format!(
        "<script type=\"application/gzip+base64\" id=\"{id}\">{text}</script>"
    ))
}

/// The template with each placeholder replaced once, in one pass over the template, so that a
/// placeholder-looking string inside the inserted data is never replaced.
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out =
        String::with_capacity(template.len() + values.iter().map(|v| v.1.len()).sum::<usize>());
    let mut rest = template;
    while let Some((at, (key, value))) = values
        .iter()
        .filter_map(|pair| rest.find(pair.0).map(|at| (at, pair)))
        .min_by_key(|(at, _)| *at)
    {
        out.push_str(&rest[..at]);
        out.push_str(value);
        rest = &rest[at + key.len()..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_assets_cannot_end_their_own_elements() {
        assert!(!SCRIPT.to_ascii_lowercase().contains("</script"));
        assert!(!STYLE.to_ascii_lowercase().contains("</style"));
        for placeholder in ["{{TITLE}}", "{{STYLE}}", "{{DATA}}", "{{SCRIPT}}"] {
            assert_eq!(TEMPLATE.matches(placeholder).count(), 1, "{placeholder}");
        }
    }

    #[test]
    fn data_cannot_close_its_script_element() {
        let json = serde_json::to_vec(
            &serde_json::json!({"path": "</script><script>alert(1)</script><!--"}),
        )
        .unwrap();
        let element = data_element("x", &json).unwrap();
        assert_eq!(element.matches("</script>").count(), 1, "{element}");
        assert!(!element.contains("<!--"));
        let inner = element
            .strip_prefix("<script type=\"application/json\" id=\"x\">")
            .and_then(|e| e.strip_suffix("</script>"))
            .unwrap();
        let back: serde_json::Value = serde_json::from_str(inner).unwrap();
        assert_eq!(back["path"], "</script><script>alert(1)</script><!--");
    }

    #[test]
    fn large_data_is_compressed_and_decodes_back() {
        let big = serde_json::to_vec(&vec!["a</script>"; COMPRESS_ABOVE / 8]).unwrap();
        assert!(big.len() > COMPRESS_ABOVE);
        let element = data_element("x", &big).unwrap();
        assert!(element.len() < big.len() / 4, "{}", element.len());
        let encoded = element
            .strip_prefix("<script type=\"application/gzip+base64\" id=\"x\">")
            .and_then(|e| e.strip_suffix("</script>"))
            .unwrap();
        let compressed = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .unwrap();
        let mut decoded = Vec::new();
        io::Read::read_to_end(
            &mut flate2::read::GzDecoder::new(&compressed[..]),
            &mut decoded,
        )
        .unwrap();
        assert_eq!(decoded, big);
    }

    #[test]
    fn fill_does_not_replace_inside_inserted_values() {
        let page = fill(
            "<t>{{TITLE}}</t>{{DATA}}",
            &[("{{TITLE}}", "{{DATA}}"), ("{{DATA}}", "d")],
        );
        assert_eq!(page, "<t>{{DATA}}</t>d");
    }
}
