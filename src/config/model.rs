//! The resolved configuration every stage reads, whichever file it came from.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

use crate::glob::PathPattern;
use crate::kind::AssetKind;
pub use crate::model::asset::Compression;
use crate::model::finding::Severity;

/// A set of resource types a budget covers, with the name users gave it.
#[derive(Debug, Clone, Serialize)]
pub struct TypeSet {
    pub label: String,
    pub kinds: Vec<AssetKind>,
}

impl TypeSet {
    pub fn of(kind: AssetKind) -> TypeSet {
        TypeSet {
            label: kind.name().to_string(),
            kinds: vec![kind],
        }
    }

    /// Every asset a browser downloads.
    pub fn total() -> TypeSet {
        TypeSet {
            label: "total".into(),
            kinds: AssetKind::ALL.into_iter().filter(|k| k.counted()).collect(),
        }
    }

    /// Resolves a type name as webaudit.toml and Lighthouse's budget.json write it.
    pub fn by_name(name: &str) -> Option<TypeSet> {
        if name == "total" {
            return Some(TypeSet::total());
        }
        let kind = AssetKind::from_name(name).filter(|k| k.counted())?;
        Some(TypeSet::of(kind))
    }

    pub fn contains(&self, kind: AssetKind) -> bool {
        self.kinds.contains(&kind)
    }
}

/// Where a budget was written, for messages.
pub type Origin = String;

#[derive(Debug, Clone)]
pub struct SizeBudget {
    pub types: TypeSet,
    pub limit: u64,
    pub compression: Compression,
    pub origin: Origin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Aggregate {
    /// Every matching file must fit on its own (bundlewatch, bundlesize).
    Each,
    /// The matching files together must fit (size-limit).
    Sum,
}

#[derive(Debug, Clone)]
pub struct PathBudget {
    pub name: String,
    /// Patterns a file must match (any of them)...
    pub include: Vec<PathPattern>,
    /// ...and must not match (`!pattern` in size-limit).
    pub exclude: Vec<PathPattern>,
    pub limit: u64,
    pub compression: Compression,
    pub aggregate: Aggregate,
    pub origin: Origin,
}

impl PathBudget {
    pub fn matches(&self, relative_path: &str) -> bool {
        self.include.iter().any(|p| p.matches(relative_path))
            && !self.exclude.iter().any(|p| p.matches(relative_path))
    }
}

/// Limits on what a first visit to matching pages downloads (gzip).
#[derive(Debug, Clone)]
pub struct InitialBudget {
    /// Pages the limits apply to; `None` for every page.
    pub pages: Option<PathPattern>,
    pub script: Option<u64>,
    pub stylesheet: Option<u64>,
    pub total: Option<u64>,
    pub origin: Origin,
}

#[derive(Debug, Clone)]
pub struct CountBudget {
    pub types: TypeSet,
    pub limit: u64,
    pub origin: Origin,
}

/// How the site's text assets get compressed on their way to browsers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Served {
    /// The server sends `X.br` / `X.gz` files built ahead of time (the default expectation).
    #[default]
    Precompressed,
    /// The host compresses on the fly (Netlify, Vercel, Cloudflare, nginx `gzip on`).
    Dynamic,
}

/// `[images]`: the settings of the `images/*` rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ImageSettings {
    /// How many images/iframes at the top of `<body>` are treated as possibly visible
    /// (see [`crate::analyze::fold`]).
    pub above_the_fold: usize,
    /// Images wider than this are reported by `images/oversized` wherever they are shown.
    pub max_width: u32,
    /// `[images] exact = true`: encode every image whole, as `--exact-images`.
    pub exact: bool,
}

/// 2560 px: the width of a full-screen image on a 1280-px-wide (CSS) desktop viewport at 2×
/// density, or a 1440p monitor at 1×; wider files are not needed by any common screen.
pub const DEFAULT_MAX_IMAGE_WIDTH: u32 = 2560;

impl Default for ImageSettings {
    fn default() -> ImageSettings {
        ImageSettings {
            above_the_fold: DEFAULT_ABOVE_THE_FOLD,
            max_width: DEFAULT_MAX_IMAGE_WIDTH,
            exact: false,
        }
    }
}

/// A rule's configured severity, or `off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleSetting {
    Off,
    Severity(Severity),
}

#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The configuration files that were read, in order.
    pub files: Vec<PathBuf>,
    pub ignore: Vec<PathPattern>,
    /// The total budget (default: 200 kB gzip of scripts and stylesheets, unless the user brings
    /// size-limit, bundlewatch or Lighthouse budgets); `None` when disabled.
    pub total: Option<SizeBudget>,
    pub type_budgets: Vec<SizeBudget>,
    pub path_budgets: Vec<PathBudget>,
    pub count_budgets: Vec<CountBudget>,
    pub initial_budgets: Vec<InitialBudget>,
    /// `[compression] served`.
    pub served: Served,
    /// Whether `served` was written in a configuration file (otherwise the audit may infer it
    /// from the deployment, see [`crate::scan::dynamic_host`]).
    pub served_written: bool,
    /// `[images]`.
    pub images: ImageSettings,
    /// `[pages] base`: the URL path the folder is served under (`/app/`), stripped from
    /// root-absolute references before they are looked up in the folder.
    pub base_path: Option<String>,
    pub rules: BTreeMap<String, RuleSetting>,
    /// Where each `[rules]` entry was written, for [`Config::check_rule_ids`].
    pub rule_origins: BTreeMap<String, RuleOrigin>,
    /// Package knowledge added or replaced by `[[knowledge.package]]` in webaudit.toml.
    pub packages: Vec<crate::knowledge::PackageInfo>,
    /// Things in the configuration that webaudit read but does not apply, said once to the user.
    pub notes: Vec<String>,
    /// `[budget] max_increase` / `--max-increase`: growth allowed against `--baseline`.
    pub max_increase: Option<crate::baseline::MaxIncrease>,
    /// `[baseline] hash_pattern` / `--hash-pattern`: where content hashes sit in file names;
    /// `None` for [`crate::baseline::DEFAULT_HASH_PATTERN`].
    pub hash_pattern: Option<crate::baseline::HashPattern>,
    /// The browsers the app supports (`[targets] browsers`, the project's browserslist, or the
    /// default): see [`super::browsers`].
    pub browsers: super::browsers::BrowserTargets,
    /// Whether `[targets] browsers` was written in webaudit.toml (then no browserslist file is
    /// looked for).
    pub browsers_written: bool,
}

/// 200 kB: the default total budget for scripts and stylesheets, gzipped.
pub const DEFAULT_TOTAL_BUDGET: u64 = 200_000;

/// The origin of the default total budget. webaudit.toml and `--budget` give theirs a file and
/// line or the option's name, so a budget with this origin is one nobody asked for.
pub const DEFAULT_ORIGIN: &str = "default";

impl Config {
    /// Path patterns compiled so far (bounded by `config::MAX_PATTERNS`).
    pub fn pattern_count(&self) -> usize {
        self.ignore.len()
            + self
                .path_budgets
                .iter()
                .map(|budget| budget.include.len() + budget.exclude.len())
                .sum::<usize>()
            + self.initial_budgets.len()
    }

    pub fn default_total() -> SizeBudget {
        SizeBudget {
            types: TypeSet {
                label: "script + stylesheet".into(),
                kinds: vec![AssetKind::Script, AssetKind::Stylesheet],
            },
            limit: DEFAULT_TOTAL_BUDGET,
            compression: Compression::Gzip,
            origin: DEFAULT_ORIGIN.into(),
        }
    }

    /// Whether the total budget is webaudit's own default, not one the user asked for.
    pub fn has_default_total(&self) -> bool {
        self.total
            .as_ref()
            .is_some_and(|total| total.origin == DEFAULT_ORIGIN)
    }

    /// Whether any budget is measured in brotli, so brotli sizes must be computed.
    pub fn needs_brotli(&self) -> bool {
        let brotli = |c: Compression| c == Compression::Brotli;
        self.total.as_ref().is_some_and(|b| brotli(b.compression))
            || self.type_budgets.iter().any(|b| brotli(b.compression))
            || self.path_budgets.iter().any(|b| brotli(b.compression))
    }
}

/// How many images/iframes at the top of `<body>` are treated as possibly visible (see
/// [`crate::analyze::fold`] for why 3).
pub const DEFAULT_ABOVE_THE_FOLD: usize = 3;

/// A place in a configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleOrigin {
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
}

impl Config {
    /// Refuses a `[rules]` entry that names no rule. The rule ids are known to the rules stage,
    /// which runs after the configuration is read: it passes `is_rule`.
    pub fn check_rule_ids(&self, is_rule: impl Fn(&str) -> bool) -> Result<(), crate::Error> {
        for rule in self.rules.keys() {
            if is_rule(rule) {
                continue;
            }
            let message =
                format!("`rules.\"{rule}\"`: no rule has this id; `webaudit rules` lists them");
            return Err(match self.rule_origins.get(rule) {
                Some(origin) => crate::Error::Config {
                    path: origin.path.clone(),
                    line: origin.line,
                    column: origin.column,
                    message,
                },
                None => crate::Error::Usage(message),
            });
        }
        Ok(())
    }
}
