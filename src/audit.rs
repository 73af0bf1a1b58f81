//! One audit, start to end: scan → measure → budgets → rules → report. Printing is left to the
//! renderers.

use std::path::{Path, PathBuf};

use crate::budget;
use crate::config::{self, Overrides};
use crate::error::Error;
use crate::knowledge::{Knowledge, Signatures};
use crate::measure::cache::Cache;
use crate::measure::{self, MeasureOptions, compress};
use crate::report::{FailOn, Report, SCHEMA_VERSION, Settings, Severity, Summary, Tool, Totals};
use crate::rules::{self, RuleContext};
use crate::scan;

#[derive(Debug, Clone)]
pub enum CacheChoice {
    /// No persistent cache (`--no-cache`).
    Disabled,
    Folder(PathBuf),
}

/// The default cache folder: `$WEBAUDIT_CACHE_DIR`, else `$XDG_CACHE_HOME/webaudit`, else
/// `~/.cache/webaudit`.
pub fn default_cache_folder() -> Option<PathBuf> {
    let non_empty = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    non_empty("WEBAUDIT_CACHE_DIR")
        .or_else(|| non_empty("XDG_CACHE_HOME").map(|p| p.join("webaudit")))
        .or_else(|| non_empty("HOME").map(|p| p.join(".cache").join("webaudit")))
}

#[derive(Debug, Clone)]
pub struct AuditOptions {
    pub root: PathBuf,
    pub overrides: Overrides,
    /// Compute brotli sizes even if no budget needs them.
    pub brotli: bool,
    /// Encode AVIF to measure its size (slow) instead of estimating it.
    pub avif: bool,
    pub cache: CacheChoice,
    pub threads: usize,
    pub fail_on: FailOn,
}

impl AuditOptions {
    pub fn new(root: impl Into<PathBuf>) -> AuditOptions {
        AuditOptions {
            root: root.into(),
            overrides: Overrides::default(),
            brotli: false,
            avif: false,
            cache: CacheChoice::Disabled,
            threads: 0,
            fail_on: FailOn::Error,
        }
    }
}

fn display(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// Re-encode only for the rules that will read the sizes.
fn image_options(config: &config::Config, avif: bool) -> crate::analyze::image::ImageOptions {
    let enabled = |rule: &str| !matches!(config.rules.get(rule), Some(config::RuleSetting::Off));
    let webp = enabled("images/modern-format");
    crate::analyze::image::ImageOptions {
        webp,
        optimized: enabled("images/optimizable"),
        avif: avif && webp,
    }
}

pub fn run(options: &AuditOptions) -> Result<Report, Error> {
    scan::check_root(&options.root)?;
    let config = config::load(&options.root, &options.overrides)?;
    let scanned = scan::scan(&options.root, &config.ignore)?;
    let mut notes = config.notes.clone();

    let (mut cache, cache_folder) = match &options.cache {
        CacheChoice::Disabled => (Cache::disabled(), None),
        CacheChoice::Folder(folder) => {
            let (cache, problem) = Cache::open(folder, &compress::definitions_fingerprint());
            notes.extend(problem.map(|p| p.0));
            (cache, Some(display(folder)))
        }
    };
    let brotli = options.brotli || config.needs_brotli();
    let mut knowledge = Knowledge::built_in();
    knowledge
        .extend(config.packages.clone())
        .map_err(Error::Usage)?;
    let signatures = Signatures::new(&knowledge);
    let measured = measure::measure(
        &scanned.files,
        MeasureOptions {
            brotli,
            threads: options.threads,
            signatures: signatures.as_ref(),
            knowledge_fingerprint: knowledge.fingerprint(),
            image: image_options(&config, options.avif),
        },
        &mut cache,
    );
    if let Err(problem) = cache.save() {
        notes.push(problem.0);
    }

    let mut assets = measured.assets;
    for asset in &mut assets {
        asset.composition = crate::composition::of(asset);
    }
    let statistics = measured.statistics;
    let pages = crate::pages::page_loads(&assets, config.base_path.as_deref());
    let budgets = budget::evaluate(&config, &assets, &pages);
    notes.extend(budget::unmatched_path_budgets(&config, &assets));
    let findings = rules::run(&RuleContext {
        root: &options.root,
        assets: &assets,
        budgets: &budgets,
        config: &config,
        knowledge: &knowledge,
    });

    let mut skipped = scanned.skipped;
    skipped.extend(measured.skipped);
    skipped.sort_by(|a, b| a.path.cmp(&b.path));

    let count = |severity: Severity| findings.iter().filter(|f| f.severity == severity).count();
    let summary = Summary {
        errors: count(Severity::Error),
        warnings: count(Severity::Warning),
        infos: count(Severity::Info),
        failed: findings.iter().any(|f| options.fail_on.fails(f.severity)),
    };
    Ok(Report {
        schema: SCHEMA_VERSION,
        tool: Tool {
            name: "webaudit",
            version: env!("CARGO_PKG_VERSION"),
        },
        root: display(&options.root),
        settings: Settings {
            gzip: format!(
                "zlib {} level 9, gzip wrapper without file name",
                compress::zlib_version()
            ),
            brotli: brotli.then(|| "quality 11, window 22".to_string()),
            fail_on: options.fail_on,
            config_files: config.files.iter().map(|p| display(p)).collect(),
            cache: cache_folder,
        },
        totals: Totals::of(&assets, brotli),
        assets,
        budgets,
        pages,
        findings,
        skipped,
        notes,
        measurement: statistics,
        baseline: None,
        summary,
    })
}
