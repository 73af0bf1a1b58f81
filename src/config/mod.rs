//! Finds and reads the configuration: `webaudit.toml`, size-limit's configuration, a Lighthouse
//! budget file, and command-line overrides, in that order (later ones win for the total budget).
//!
//! Where webaudit looks when no `--config` is given: the audited folder, then its parents up to
//! the repository root (the first folder holding `.git`), then the current folder and its
//! parents up to the repository root. The first `webaudit.toml` found is used, and separately
//! the first size-limit configuration.

pub mod lighthouse;
pub mod model;
pub mod size_limit;
pub mod webaudit_toml;

use std::path::{Path, PathBuf};

pub use model::*;

use crate::error::Error;
use crate::glob::PathPattern;

pub const FILE_NAME: &str = "webaudit.toml";

/// What the command line says about configuration.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub config_file: Option<PathBuf>,
    pub budget_file: Option<PathBuf>,
    pub total_budget: Option<u64>,
    pub ignore: Vec<String>,
    /// Skip looking for webaudit.toml and size-limit files (`--no-config`).
    pub no_discovery: bool,
    /// `--max-increase`.
    pub max_increase: Option<crate::baseline::Increase>,
    /// `--hash-pattern`.
    pub hash_pattern: Option<crate::baseline::HashPattern>,
}

fn ancestors_to_repository_root(start: &Path) -> Vec<PathBuf> {
    let mut folders = Vec::new();
    let Ok(start) = std::fs::canonicalize(start) else {
        return folders;
    };
    for folder in start.ancestors() {
        folders.push(folder.to_path_buf());
        if folder.join(".git").exists() {
            break;
        }
    }
    folders
}

/// The folders searched for configuration, nearest first, without repeats.
pub fn search_folders(root: &Path) -> Vec<PathBuf> {
    let mut folders = ancestors_to_repository_root(root);
    if let Ok(current) = std::env::current_dir() {
        for folder in ancestors_to_repository_root(&current) {
            if !folders.contains(&folder) {
                folders.push(folder);
            }
        }
    }
    folders
}

/// Largest configuration file read (webaudit.toml, size-limit's, a Lighthouse budget file,
/// package.json). Real ones are a few kilobytes; a hostile one of tens of megabytes would
/// compile into gigabytes of glob matchers.
pub const MAX_CONFIG_BYTES: u64 = 4 * 1024 * 1024;

/// Most path patterns (ignore globs and per-path budgets) one configuration may hold, counted
/// over every file and the command line. Each compiles to a matcher of a few kilobytes.
pub const MAX_PATTERNS: usize = 10_000;

pub(crate) fn read(path: &Path) -> Result<String, Error> {
    let what = "a configuration file";
    crate::files::read_text_bounded(path, crate::files::Links::Follow, MAX_CONFIG_BYTES, what)
        .map_err(|source| Error::Io {
            path: path.to_path_buf(),
            action: "cannot read the configuration",
            source,
        })
}

/// Builds the configuration for auditing `root`.
pub fn load(root: &Path, overrides: &Overrides) -> Result<Config, Error> {
    let mut config = Config {
        total: Some(Config::default_total()),
        ..Config::default()
    };
    let folders = if overrides.no_discovery {
        Vec::new()
    } else {
        search_folders(root)
    };

    let toml_file = match &overrides.config_file {
        Some(path) => Some(path.clone()),
        None => folders
            .iter()
            .map(|f| f.join(FILE_NAME))
            .find(|p| p.is_file()),
    };
    if let Some(path) = toml_file {
        let text = read(&path)?;
        webaudit_toml::apply(&path, &text, &mut config)?;
        config.files.push(path);
    }

    if let Some(found) = folders
        .iter()
        .find_map(|folder| size_limit::find_in(folder))
    {
        size_limit::apply(&found, root, &mut config)?;
        if let size_limit::Found::Json(path) | size_limit::Found::PackageJson(path) = found {
            config.files.push(path);
        }
    }

    if let Some(path) = &overrides.budget_file {
        let text = read(path)?;
        lighthouse::apply(path, &text, &mut config)?;
        config.files.push(path.clone());
    }

    if let Some(limit) = overrides.total_budget {
        let mut total = config.total.take().unwrap_or_else(Config::default_total);
        total.limit = limit;
        total.origin = "--budget".into();
        config.total = Some(total);
    }

    if let Some(limit) = overrides.max_increase {
        config.max_increase = Some(crate::baseline::MaxIncrease {
            limit,
            origin: "--max-increase".into(),
        });
    }
    if let Some(pattern) = &overrides.hash_pattern {
        config.hash_pattern = Some(pattern.clone());
    }

    for pattern in &overrides.ignore {
        if config.pattern_count() >= MAX_PATTERNS {
            return Err(Error::Usage(format!(
                "more than {MAX_PATTERNS} path patterns (configuration and --ignore)"
            )));
        }
        let compiled = PathPattern::new(pattern)
            .map_err(|e| Error::Usage(format!("--ignore {pattern:?}: invalid pattern: {e}")))?;
        config.ignore.push(compiled);
    }
    Ok(config)
}
