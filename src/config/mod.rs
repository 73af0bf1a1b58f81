//! Finds and reads the configuration: `webaudit.toml`, size-limit's and bundlewatch's
//! configurations, a Lighthouse budget file, and command-line overrides, in that order (later
//! ones win for the total budget).
//!
//! Where webaudit looks when no `--config` is given: the audited folder, then its parents up to
//! the repository root (the first folder holding `.git`), then the current folder and its
//! parents up to the repository root. The first `webaudit.toml` found is used, and separately
//! the first size-limit configuration and the first bundlewatch configuration.
//!
//! Users who bring their own budgets (size-limit, bundlewatch, a Lighthouse budget file) get
//! those and no 200 kB total on top, unless they ask for one with `--budget` or
//! `[budget] total`: a check they never wrote would change the verdict they are used to.

pub mod browsers;
pub mod build_folder;
pub mod bundlewatch;
pub mod js_literal;
pub mod lighthouse;
pub mod migrate;
pub mod model;
pub mod peer;
pub mod size_limit;
pub mod starter;
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
    /// Skip looking for webaudit.toml, size-limit and bundlewatch files (`--no-config`).
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

/// The size-limit and bundlewatch configurations that apply to `root`: for each tool, the first
/// found in `folders`, re-rooted on `root`.
pub fn peer_configs(root: &Path, folders: &[PathBuf]) -> Result<Vec<peer::PeerConfig>, Error> {
    let mut peers = Vec::new();
    if let Some(found) = folders.iter().find_map(|f| size_limit::find_in(f)) {
        peers.push(size_limit::read_config(&found, root)?);
    }
    if let Some(found) = folders.iter().find_map(|f| bundlewatch::find_in(f)) {
        peers.push(bundlewatch::read_config(&found, root)?);
    }
    Ok(peers)
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

    // The project's own browserslist: a broken one is said once and the default applies, since
    // it belongs to the build, not to webaudit's configuration.
    if !config.browsers_written {
        for folder in &folders {
            let found = browsers::find_in(folder).and_then(|found| {
                found
                    .map(|(query, file)| {
                        browsers::BrowserTargets::from_query(&query, &file)
                            .map_err(|why| format!("{}: {why}", file.display()))
                    })
                    .transpose()
            });
            match found {
                Ok(None) => continue,
                Ok(Some(targets)) => config.browsers = targets,
                Err(why) => config.notes.push(format!(
                    "browser targets not read ({why}); js/legacy-javascript uses its default targets"
                )),
            }
            break;
        }
    }

    let peers = peer_configs(root, &folders)?;
    for peer_config in &peers {
        peer::apply(peer_config, &mut config)?;
    }

    if let Some(path) = &overrides.budget_file {
        let text = read(path)?;
        lighthouse::apply(path, &text, &mut config)?;
        config.files.push(path.clone());
    }

    let brought: Vec<String> = peers
        .iter()
        .map(|p| p.path.display().to_string())
        .chain(
            overrides
                .budget_file
                .iter()
                .map(|p| p.display().to_string()),
        )
        .collect();
    if !brought.is_empty() && config.has_default_total() && overrides.total_budget.is_none() {
        config.total = None;
        config.notes.push(format!(
            "no default total budget: the budgets of {} are checked instead; `--budget` or `[budget] total` in webaudit.toml adds one",
            brought.join(" and ")
        ));
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
