//! The one model every renderer prints: findings with a rule id, a severity and a location.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn parse(text: &str) -> Option<Severity> {
        match text {
            "error" => Some(Severity::Error),
            "warning" | "warn" => Some(Severity::Warning),
            "info" => Some(Severity::Info),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// What one rule found at one place, before the rule's id and configured severity are attached.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Violation {
    pub path: Option<String>,
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub message: String,
    pub actual: Option<u64>,
    pub limit: Option<u64>,
    pub saving: Option<u64>,
    /// The command that fixes it, when one exists.
    pub fix: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    /// Path relative to the audited folder; `None` for findings about the whole app.
    pub path: Option<String>,
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub message: String,
    pub actual: Option<u64>,
    pub limit: Option<u64>,
    /// Estimated saving in bytes.
    pub saving: Option<u64>,
    pub fix: Option<String>,
}

impl Finding {
    pub fn new(rule: &'static str, severity: Severity, violation: Violation) -> Finding {
        let Violation {
            path,
            line,
            column,
            message,
            actual,
            limit,
            saving,
            fix,
        } = violation;
        Finding {
            rule,
            severity,
            path,
            line,
            column,
            message,
            actual,
            limit,
            saving,
            fix,
        }
    }
}
