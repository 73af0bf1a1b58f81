//! The one model every renderer prints: findings with a rule id, a severity and a location.

use serde::Serialize;

use crate::model::fix::Fix;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema,
)]
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
    /// How to fix it, when webaudit knows.
    pub fix: Option<Fix>,
    /// For a finding about a generated file as a whole that comes from one original source (a
    /// bundled library's module), that source as the map's attribution names it: outputs that
    /// point at code (SARIF) then point at its first mapped line.
    pub source_hint: Option<String>,
    /// The file the saving is in, when the finding is placed elsewhere (an image's finding at
    /// the `<img>` of the page that shows it).
    pub subject: Option<String>,
    /// Round trips the fix removes from the first visit (an `@import` the browser discovers
    /// only after its parent stylesheet arrived): counted by the impact model like removed
    /// requests.
    pub round_trips: u64,
    /// Raw bytes the fix takes off the first paint's critical path without saving them (a
    /// render-blocking file loaded without blocking): counted in the impact's milliseconds, never
    /// as bytes saved.
    pub deferred: Option<u64>,
    /// `deferred` is already bytes on the wire (the transfer sizes of other files, as the
    /// images a page requests before its LCP image), not raw bytes of the subject to scale by
    /// its compression ratio.
    pub deferred_on_wire: bool,
    /// A severity below the rule's for this finding alone (a large chunk that loads on demand
    /// is `info` where one on a page's initial path is a warning). It never raises a finding:
    /// the lower of it and the rule's configured severity applies.
    pub lowered: Option<Severity>,
    /// The npm package the finding is about (a library bundled whole, a duplicated package):
    /// the audit then gives the finding the lines of the app's code that import it.
    pub package: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
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
    pub fix: Option<Fix>,
    /// Where the finding comes from in the original sources, through the generated file's
    /// source map; filled by the audit when asked (see [`crate::origins`]) for findings in mapped
    /// files that have a position or a `source_hint`, when that source is in the repository.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<SourceLocation>,
    #[serde(skip)]
    pub source_hint: Option<String>,
    /// The file the saving is in, when the finding is placed elsewhere (see [`Violation`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// Round trips the fix removes (see [`Violation`]); in `impact.requests`.
    #[serde(skip)]
    pub round_trips: u64,
    /// Bytes the fix moves off the critical path (see [`Violation`]); in `impact.deferred_bytes`.
    #[serde(skip)]
    pub deferred: Option<u64>,
    /// See [`Violation`].
    #[serde(skip)]
    pub deferred_on_wire: bool,
    /// What fixing it saves a visitor (see `impact`): set for findings that save bytes or
    /// requests.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub impact: Option<crate::model::impact::Impact>,
    /// The npm package the finding is about (see [`Violation`]).
    #[serde(skip)]
    pub package: Option<String>,
    /// Why the package is here: the lines of the app's own sources that import it (see
    /// `composition.packages[].imported_by`), at most
    /// [`crate::model::composition::MAX_IMPORTERS`].
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub imported_by: Vec<crate::model::composition::Importer>,
    /// Import sites beyond those listed.
    #[serde(skip_serializing_if = "is_zero")]
    pub imported_by_more: u64,
    /// The other import sites that are files of the repository, when `source` is the first
    /// (filled with `source`, see [`crate::origins`]); SARIF lists them as related locations.
    #[serde(skip)]
    pub also_imported_at: Vec<SourceLocation>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// A place in an original source file, named from the repository root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct SourceLocation {
    /// `/`-separated path relative to the repository root.
    pub path: String,
    /// 1-based.
    pub line: u32,
    /// 1-based, in UTF-16 code units as source maps count them.
    pub column: u32,
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
            source_hint,
            subject,
            round_trips,
            deferred,
            deferred_on_wire,
            lowered,
            package,
        } = violation;
        let severity = lowered.map_or(severity, |lowered| lowered.min(severity));
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
            source: None,
            source_hint,
            subject,
            round_trips,
            deferred,
            deferred_on_wire,
            impact: None,
            package,
            imported_by: Vec::new(),
            imported_by_more: 0,
            also_imported_at: Vec::new(),
        }
    }
}
