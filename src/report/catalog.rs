//! The rule catalog as `webaudit rules` and `webaudit explain RULE` print it: every rule's id,
//! default severity and summary, and a rule's documentation (its doc comment).

use crate::error::Error;
use crate::escape;
use crate::rules::{self, REGISTRY};

/// One line per rule: id, default severity, summary.
pub fn text() -> String {
    let width = REGISTRY
        .iter()
        .map(|r| r.meta().id.len())
        .max()
        .unwrap_or(0);
    let mut text = String::new();
    for rule in REGISTRY {
        let meta = rule.meta();
        text.push_str(&format!(
            "{:<width$}  {:<7}  {}\n",
            meta.id,
            meta.default_severity.name(),
            meta.summary
        ));
    }
    text.push_str("\n`webaudit explain RULE` prints a rule's documentation.\n");
    text
}

/// The catalog as a JSON array, documentation included.
pub fn json() -> String {
    let rules: Vec<serde_json::Value> = REGISTRY
        .iter()
        .map(|r| {
            let meta = r.meta();
            serde_json::json!({
                "id": meta.id,
                "severity": meta.default_severity,
                "summary": meta.summary,
                "documentation": meta.documentation(),
            })
        })
        .collect();
    let mut rendered = Vec::new();
    escape::write_json_pretty(&mut rendered, &rules).unwrap_or_default();
    let mut text = String::from_utf8_lossy(&rendered).into_owned();
    text.push('\n');
    text
}

/// A rule's documentation, headed by its id, summary and default severity.
pub fn explanation(id: &str) -> Result<String, Error> {
    let Some(rule) = rules::find(id) else {
        let known: Vec<&str> = REGISTRY.iter().map(|r| r.meta().id).collect();
        return Err(Error::Usage(format!(
            "no rule named {id:?}; rules are: {}",
            known.join(", ")
        )));
    };
    let meta = rule.meta();
    Ok(format!(
        "# {} ({}, default severity {})\n\n{}\n",
        meta.id,
        meta.summary,
        meta.default_severity.name(),
        meta.documentation().trim_end()
    ))
}
