//! What the configurations of other size tools (size-limit, bundlewatch) have in common once
//! read: path budgets written relative to the configuration's folder. Each tool's module reads
//! its own format into a [`PeerConfig`]; this module re-roots the patterns on the audited folder
//! and compiles them, and `migrate` writes the same budgets out as `webaudit.toml`.

use std::path::{Path, PathBuf};

use super::model::{Aggregate, Compression, Config, PathBudget};
use crate::error::Error;
use crate::glob::PathPattern;

/// A tool whose budget configuration webaudit reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    SizeLimit,
    Bundlewatch,
}

impl Tool {
    pub fn name(self) -> &'static str {
        match self {
            Tool::SizeLimit => "size-limit",
            Tool::Bundlewatch => "bundlewatch",
        }
    }
}

/// One budget of a peer configuration, its patterns already re-rooted on the audited folder.
#[derive(Debug, Clone, PartialEq)]
pub struct PeerBudget {
    pub name: String,
    /// Patterns relative to the audited folder; `!pattern` excludes.
    pub patterns: Vec<String>,
    pub limit: u64,
    /// The limit as the user wrote it, for messages and migrated comments ("91kB").
    pub written_limit: String,
    pub compression: Compression,
    pub aggregate: Aggregate,
    pub origin: String,
}

/// A peer tool's configuration, read and re-rooted.
#[derive(Debug, Clone)]
pub struct PeerConfig {
    pub tool: Tool,
    /// The file read (`package.json` for a key in it).
    pub path: PathBuf,
    pub budgets: Vec<PeerBudget>,
    /// What was read but cannot be checked, in the words of the report's notes.
    pub notes: Vec<String>,
    /// Whether the file could be read at all (a program is found but not run).
    pub read: bool,
}

impl PeerConfig {
    pub fn new(tool: Tool, path: &Path) -> PeerConfig {
        PeerConfig {
            tool,
            path: path.to_path_buf(),
            budgets: Vec::new(),
            notes: Vec::new(),
            read: true,
        }
    }

    /// The file name used in budget origins ("package.json", ".size-limit.json").
    pub fn file_name(&self) -> String {
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }
}

/// Where the audited folder lies as seen from a configuration's folder: `Some("dist")` when
/// `root` is `base/dist`, `Some("")` when they are the same folder, `None` when `root` is not
/// below `base`.
pub fn relative_prefix(base: &Path, root: &Path) -> Option<String> {
    let base = std::fs::canonicalize(base).ok()?;
    let root = std::fs::canonicalize(root).ok()?;
    let relative = root.strip_prefix(&base).ok()?;
    Some(crate::files::relative_path(Path::new(""), relative))
}

/// Re-roots a pattern written relative to the configuration's folder onto the audited folder;
/// `None` when it points outside the audited folder.
pub fn reroot(pattern: &str, prefix: Option<&str>) -> Option<String> {
    let pattern = pattern.trim_start_matches("./");
    match prefix {
        Some("") => Some(pattern.to_string()),
        Some(prefix) => pattern
            .strip_prefix(prefix)?
            .strip_prefix('/')
            .map(str::to_string),
        None => None,
    }
}

/// Re-roots `patterns` (`!` kept on exclusions) and splits off those outside the audited folder.
pub fn reroot_all(patterns: &[String], prefix: Option<&str>) -> (Vec<String>, Vec<String>) {
    let (mut inside, mut outside) = (Vec::new(), Vec::new());
    for pattern in patterns {
        let (negation, text) = match pattern.strip_prefix('!') {
            Some(rest) => ("!", rest),
            None => ("", pattern.as_str()),
        };
        match reroot(text, prefix) {
            Some(rerooted) => inside.push(format!("{negation}{rerooted}")),
            None => outside.push(pattern.clone()),
        }
    }
    (inside, outside)
}

/// Adds the peer's budgets and notes to `config`.
pub fn apply(peer: &PeerConfig, config: &mut Config) -> Result<(), Error> {
    config.notes.extend(peer.notes.iter().cloned());
    for budget in &peer.budgets {
        let (mut include, mut exclude) = (Vec::new(), Vec::new());
        for pattern in &budget.patterns {
            if config.pattern_count() + include.len() + exclude.len() >= super::MAX_PATTERNS {
                return Err(Error::Config {
                    path: peer.path.clone(),
                    line: 0,
                    column: 0,
                    message: format!(
                        "{}: more than {} path patterns in the configuration",
                        budget.origin,
                        super::MAX_PATTERNS
                    ),
                });
            }
            let (negated, text) = match pattern.strip_prefix('!') {
                Some(rest) => (true, rest),
                None => (false, pattern.as_str()),
            };
            let compiled = PathPattern::new(text).map_err(|e| Error::Config {
                path: peer.path.clone(),
                line: 0,
                column: 0,
                message: format!("{}: invalid pattern {pattern:?}: {e}", budget.origin),
            })?;
            if negated {
                exclude.push(compiled)
            } else {
                include.push(compiled)
            }
        }
        if include.is_empty() {
            continue;
        }
        config.path_budgets.push(PathBudget {
            name: budget.name.clone(),
            include,
            exclude,
            limit: budget.limit,
            compression: budget.compression,
            aggregate: budget.aggregate,
            origin: budget.origin.clone(),
        });
    }
    if peer.read {
        config.files.push(peer.path.clone());
    }
    Ok(())
}

pub(super) fn json_error(path: &Path, e: serde_json::Error, what: &str) -> Error {
    Error::Config {
        path: path.to_path_buf(),
        line: e.line(),
        column: e.column(),
        message: format!("{what}: {e}"),
    }
}

/// Reads `package.json` in `folder` and returns the value of its top-level `key`, when the
/// file exists, parses and has the key with a value other than `null`.
pub(super) fn package_key(folder: &Path, key: &str) -> Option<(PathBuf, serde_json::Value)> {
    let package = folder.join("package.json");
    let text = super::read(&package).ok()?;
    // A cheap check first: most package.json files have no such key and need no parse.
    if !text.contains(&format!("\"{key}\"")) {
        return None;
    }
    let mut value: serde_json::Value = serde_json::from_str(&text).ok()?;
    let found = value.get_mut(key)?.take();
    (!found.is_null()).then_some((package, found))
}

#[cfg(test)]
mod tests {
    use super::{reroot, reroot_all};

    #[test]
    fn patterns_are_rerooted_on_the_audited_folder() {
        assert_eq!(reroot("dist/*.js", Some("dist")).as_deref(), Some("*.js"));
        assert_eq!(
            reroot("./dist/app-*.js", Some("dist")).as_deref(),
            Some("app-*.js")
        );
        assert_eq!(reroot("index.js", Some("")).as_deref(), Some("index.js"));
        assert_eq!(reroot("lib/index.js", Some("dist")), None);
        assert_eq!(reroot("distant/x.js", Some("dist")), None);
    }

    #[test]
    fn exclusions_keep_their_mark() {
        let patterns = vec!["dist/*.js".to_string(), "!dist/vendor-*.js".to_string()];
        let (inside, outside) = reroot_all(&patterns, Some("dist"));
        assert_eq!(inside, ["*.js", "!vendor-*.js"]);
        assert!(outside.is_empty());
    }
}
