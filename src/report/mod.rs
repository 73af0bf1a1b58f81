//! The report: everything one audit found, in the shape every renderer reads. Renderers only
//! print; they never measure or decide.

pub mod catalog;
pub mod emit;
pub mod github;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod sarif;
pub mod schema;
pub mod terminal;
pub mod timings;

use std::collections::BTreeMap;

use serde::Serialize;

pub use crate::model::finding::{self, Finding, Severity, Violation};
pub use crate::model::fix::{self, Applicability, Fix, FixKind};

use crate::budget::BudgetCheck;
use crate::kind::AssetKind;
use crate::measure::{Asset, Statistics};
use crate::scan::Skipped;

pub use crate::model::SCHEMA_VERSION;

/// The severity from which a run fails (exit code 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

impl FailOn {
    pub fn fails(self, severity: Severity) -> bool {
        match self {
            FailOn::Error => severity >= Severity::Error,
            FailOn::Warning => severity >= Severity::Warning,
            FailOn::Info => true,
            FailOn::Never => false,
        }
    }
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Settings {
    /// How gzip sizes are computed.
    pub gzip: String,
    /// How brotli sizes are computed, or `null` when they were not.
    pub brotli: Option<String>,
    pub fail_on: FailOn,
    pub config_files: Vec<String>,
    /// The size cache folder, or `null` with `--no-cache`.
    pub cache: Option<String>,
    /// Rules turned off by the configuration (they did not run).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rules_off: Vec<String>,
    /// The network profile findings are ranked under (`--profile`).
    pub profile: &'static str,
}

/// Sizes of a group of assets. Already-compressed formats count at raw size in `gzip` and
/// `brotli`, because that is what they cost in transfer.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq, schemars::JsonSchema)]
pub struct SizeTotal {
    pub files: usize,
    pub raw: u64,
    /// What the files weigh served gzipped: each file's gzip size where webaudit measured one
    /// (compressible files), its raw size otherwise (images, fonts, and source maps and
    /// precompressed copies, which are not compressed).
    pub gzip: u64,
    /// `null` when brotli sizes were not computed.
    pub brotli: Option<u64>,
}

impl SizeTotal {
    fn add(&mut self, asset: &Asset) {
        self.files += 1;
        self.raw += asset.raw;
        self.gzip += asset.transfer();
        if let Some(total) = self.brotli.as_mut() {
            *total += if asset.format.compressible() {
                asset.brotli.unwrap_or(asset.raw)
            } else {
                asset.raw
            };
        }
    }
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Totals {
    /// Per resource type, for the assets browsers download.
    pub by_type: BTreeMap<AssetKind, SizeTotal>,
    /// Everything browsers download.
    pub all: SizeTotal,
    /// What is in the folder but not counted above, by kind: source maps, precompressed copies,
    /// sources and build inputs, extracted licenses, hidden files.
    pub not_counted: BTreeMap<AssetKind, SizeTotal>,
}

impl Totals {
    pub fn of(assets: &[Asset], brotli: bool) -> Totals {
        let empty = || SizeTotal {
            brotli: brotli.then_some(0),
            ..SizeTotal::default()
        };
        let mut totals = Totals {
            by_type: BTreeMap::new(),
            all: empty(),
            not_counted: BTreeMap::new(),
        };
        for asset in assets {
            if asset.counted() {
                totals
                    .by_type
                    .entry(asset.kind)
                    .or_insert_with(empty)
                    .add(asset);
                totals.all.add(asset);
            } else {
                totals
                    .not_counted
                    .entry(asset.kind)
                    .or_insert_with(empty)
                    .add(asset);
            }
        }
        totals
    }
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    /// Whether a finding reached `--fail-on`: the run exits with 1.
    pub failed: bool,
}

/// Where an audit's time went (`--timings`), in milliseconds.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Timings {
    /// Wall-clock time from the start of the audit to its report (rendering excluded).
    pub total_ms: f64,
    /// Wall-clock time of each stage, in the order they ran: `scan` (configuration, listing
    /// the folder, the baseline), `measure` (reading, compressing and analysing every file, on
    /// `workers` threads), `pages and site model`, `rules`, `report`.
    pub stages: Vec<TimeSpent>,
    pub workers: usize,
    /// What the measuring workers spent their CPU time on, summed over workers (so up to
    /// `workers` × the `measure` stage): `read and hash`, `gzip`, `brotli`, and `analyse KIND`
    /// (parsing, source maps, image re-encoding) by kind of file. Thread CPU time where the
    /// system has it (Linux, macOS), else wall-clock time.
    pub work: Vec<TimeSpent>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct TimeSpent {
    pub name: String,
    pub ms: f64,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Report {
    /// The address of this report's JSON Schema, for editors and validators (see
    /// `schema::published_schema_url`).
    #[serde(rename = "$schema")]
    pub json_schema: String,
    pub schema: u32,
    pub tool: Tool,
    /// The audited folder as given on the command line.
    pub root: String,
    /// The audited folder relative to the repository root (`$GITHUB_WORKSPACE`, else the
    /// current folder), `/`-separated, `""` for the root itself; `null` when it lies outside.
    /// CI outputs (annotations, SARIF, JUnit) name files from the repository root with it.
    pub root_in_repository: Option<String>,
    pub settings: Settings,
    pub assets: Vec<Asset>,
    pub totals: Totals,
    pub budgets: Vec<BudgetCheck>,
    /// For each HTML page: what the first visit downloads and what is loaded later.
    pub pages: Vec<crate::pages::PageLoad>,
    pub findings: Vec<Finding>,
    /// Findings with a saving, most costly for a visitor first (see `impact`), under
    /// `settings.profile`.
    pub opportunities: Vec<crate::model::impact::Opportunity>,
    /// Where the site stands against its targets: the report's first screen.
    pub scorecard: crate::model::scorecard::Scorecard,
    pub skipped: Vec<Skipped>,
    /// Things the user should know that are not findings (configuration not applied, cache).
    pub notes: Vec<String>,
    /// Compression work done by this run and sizes reused from the cache.
    pub measurement: Statistics,
    /// Where the run's time went, with `--timings` only (times differ from run to run).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timings: Option<Timings>,
    /// Deltas against `--baseline`, when one was given.
    pub baseline: Option<crate::baseline::Comparison>,
    pub summary: Summary,
}

impl Report {
    pub fn exit_code(&self) -> i32 {
        if self.summary.failed { 1 } else { 0 }
    }

    /// A path of the audited folder (`assets/x.js`) named from the repository root
    /// (`dist/assets/x.js`), as annotations and code scanning need it. When the folder is outside
    /// the repository, the path under the folder as given on the command line.
    pub fn repository_path(&self, path: &str) -> String {
        match self.root_in_repository.as_deref() {
            Some("") => path.to_string(),
            Some(prefix) => format!("{prefix}/{path}"),
            None => {
                let root = self.root.trim_end_matches('/');
                match root {
                    "" | "." => path.to_string(),
                    _ => format!("{root}/{path}"),
                }
            }
        }
    }

    /// The findings, most important first: severity, then the bytes at stake (the saving, else
    /// how far over its limit, else the size), then path and line. Outputs that can show only
    /// some findings (annotations, comments) show these first.
    pub fn findings_by_importance(&self) -> Vec<&Finding> {
        let profile =
            crate::model::impact::Profile::parse(self.settings.profile).unwrap_or_default();
        // What a visitor saves, most first: priority, the critical path, milliseconds; findings
        // that save nothing measurable after those that do.
        let impact_key = |finding: &Finding| match &finding.impact {
            Some(impact) => (
                impact.priority as u8,
                !impact.critical_path,
                std::cmp::Reverse(impact.ms.of(profile)),
            ),
            None => (u8::MAX, true, std::cmp::Reverse(0)),
        };
        let mut findings: Vec<&Finding> = self.findings.iter().collect();
        findings.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then_with(|| impact_key(a).cmp(&impact_key(b)))
                .then_with(|| bytes_at_stake(b).cmp(&bytes_at_stake(a)))
                .then_with(|| a.path.cmp(&b.path))
                .then_with(|| a.line.cmp(&b.line))
                .then_with(|| a.column.cmp(&b.column))
        });
        findings
    }

    /// The rules that ran, in registry order.
    pub fn rules_run(&self) -> Vec<&'static crate::rules::RuleMeta> {
        crate::rules::REGISTRY
            .iter()
            .map(|rule| rule.meta())
            .filter(|meta| !self.settings.rules_off.iter().any(|off| off == meta.id))
            .collect()
    }
}

fn bytes_at_stake(finding: &Finding) -> u64 {
    finding
        .saving
        .or_else(|| match (finding.actual, finding.limit) {
            (Some(actual), Some(limit)) => Some(actual.saturating_sub(limit)),
            _ => None,
        })
        .or(finding.actual)
        .unwrap_or(0)
}
