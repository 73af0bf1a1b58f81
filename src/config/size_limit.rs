//! Reads size-limit's configuration: `.size-limit.json`, or the `size-limit` key of
//! `package.json`. (`.size-limit.js`/`.cjs`/`.mjs`/`.ts` are programs; webaudit cannot run them
//! and says so.)
//!
//! Each entry becomes a path budget over the sum of its files, as size-limit measures it.
//! Paths in the file are relative to the file's folder and are re-rooted on the audited folder;
//! entries outside it are reported and skipped. size-limit compresses with brotli unless
//! `gzip: true`; `brotli: false` means no compression. Time limits (`500 ms`) and `import`
//! checks need a bundler or a browser and are reported, not checked.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::model::{Aggregate, Compression, Config, PathBudget};
use crate::error::Error;
use crate::glob::PathPattern;
use crate::size::parse_size;

#[derive(Deserialize)]
struct Entry {
    path: Paths,
    limit: Option<String>,
    name: Option<String>,
    gzip: Option<bool>,
    brotli: Option<bool>,
    import: Option<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Paths {
    One(String),
    Many(Vec<String>),
}

pub const PROGRAM_CONFIGS: [&str; 4] = [
    ".size-limit.js",
    ".size-limit.cjs",
    ".size-limit.mjs",
    ".size-limit.ts",
];

/// Where a size-limit configuration was found.
pub enum Found {
    Json(PathBuf),
    PackageJson(PathBuf),
    Program(PathBuf),
}

/// Looks for a size-limit configuration in `folder`.
pub fn find_in(folder: &Path) -> Option<Found> {
    let json = folder.join(".size-limit.json");
    if json.is_file() {
        return Some(Found::Json(json));
    }
    for name in PROGRAM_CONFIGS {
        let program = folder.join(name);
        if program.is_file() {
            return Some(Found::Program(program));
        }
    }
    let package = folder.join("package.json");
    let text = super::read(&package).ok()?;
    // Only a package.json that has the key counts; a cheap check avoids parsing every one.
    if !text.contains("\"size-limit\"") {
        return None;
    }
    let value: serde_json::Value = serde_json::from_str(&text).ok()?;
    value
        .get("size-limit")
        .filter(|v| v.is_array())
        .map(|_| Found::PackageJson(package))
}

fn json_error(path: &Path, e: serde_json::Error, what: &str) -> Error {
    Error::Config {
        path: path.to_path_buf(),
        line: e.line(),
        column: e.column(),
        message: format!("{what}: {e}"),
    }
}

/// Applies the size-limit entries of `found` to `config`, re-rooted on the audited `root`.
pub fn apply(found: &Found, root: &Path, config: &mut Config) -> Result<(), Error> {
    let (path, entries): (&Path, Vec<Entry>) = match found {
        Found::Program(path) => {
            config.notes.push(format!(
                "{}: size-limit configuration written as a program is not read; move it to .size-limit.json to have webaudit check it",
                path.display()
            ));
            return Ok(());
        }
        Found::Json(path) => {
            let text = read(path)?;
            (
                path,
                serde_json::from_str(&text)
                    .map_err(|e| json_error(path, e, "not a size-limit configuration"))?,
            )
        }
        Found::PackageJson(path) => {
            #[derive(Deserialize)]
            struct Package {
                #[serde(rename = "size-limit")]
                size_limit: Vec<Entry>,
            }
            let text = read(path)?;
            let package: Package = serde_json::from_str(&text)
                .map_err(|e| json_error(path, e, "invalid `size-limit` key"))?;
            (path, package.size_limit)
        }
    };
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let base = path.parent().unwrap_or(Path::new("."));
    // The audited folder as seen from the configuration's folder ("dist" for ./dist).
    let prefix = relative_prefix(base, root);

    for (index, entry) in entries.iter().enumerate() {
        let label = entry.name.clone().unwrap_or_else(|| match &entry.path {
            Paths::One(p) => p.clone(),
            Paths::Many(ps) => ps.join(", "),
        });
        let origin = format!("{file_name} size-limit #{} ({label})", index + 1);
        if entry.import.is_some() {
            config.notes.push(format!(
                "{origin}: `import` checks bundle a partial import and need a bundler; not checked"
            ));
            continue;
        }
        let Some(limit_text) = &entry.limit else {
            config
                .notes
                .push(format!("{origin}: no `limit`; nothing to check"));
            continue;
        };
        let limit_text = limit_text.trim();
        if limit_text.ends_with("ms") || limit_text.ends_with(" s") || limit_text.ends_with("sec") {
            config.notes.push(format!(
                "{origin}: time limit {limit_text:?} needs a browser; not checked"
            ));
            continue;
        }
        let limit = parse_size(limit_text).map_err(|e| Error::Config {
            path: path.to_path_buf(),
            line: 0,
            column: 0,
            message: format!("size-limit entry #{} `limit`: {e}", index + 1),
        })?;
        let compression = if entry.gzip == Some(true) {
            Compression::Gzip
        } else if entry.brotli == Some(false) {
            Compression::None
        } else {
            Compression::Brotli
        };
        let patterns = match &entry.path {
            Paths::One(p) => vec![p.clone()],
            Paths::Many(ps) => ps.clone(),
        };
        let (mut include, mut exclude) = (Vec::new(), Vec::new());
        let mut outside = Vec::new();
        for pattern in &patterns {
            let (negated, text) = match pattern.strip_prefix('!') {
                Some(rest) => (true, rest),
                None => (false, pattern.as_str()),
            };
            let Some(rerooted) = reroot(text, prefix.as_deref()) else {
                outside.push(pattern.clone());
                continue;
            };
            if config.pattern_count() + include.len() + exclude.len() >= super::MAX_PATTERNS {
                return Err(Error::Config {
                    path: path.to_path_buf(),
                    line: 0,
                    column: 0,
                    message: format!(
                        "size-limit entry #{}: more than {} path patterns in the configuration",
                        index + 1,
                        super::MAX_PATTERNS
                    ),
                });
            }
            let compiled = PathPattern::new(&rerooted).map_err(|e| Error::Config {
                path: path.to_path_buf(),
                line: 0,
                column: 0,
                message: format!(
                    "size-limit entry #{} `path`: invalid pattern {pattern:?}: {e}",
                    index + 1
                ),
            })?;
            if negated {
                exclude.push(compiled)
            } else {
                include.push(compiled)
            }
        }
        if !outside.is_empty() {
            config.notes.push(format!(
                "{origin}: {} outside the audited folder; not checked",
                outside.join(", ")
            ));
        }
        if include.is_empty() {
            continue;
        }
        config.path_budgets.push(PathBudget {
            name: label,
            include,
            exclude,
            limit,
            compression,
            aggregate: Aggregate::Sum,
            origin,
        });
    }
    Ok(())
}

fn read(path: &Path) -> Result<String, Error> {
    super::read(path)
}

/// `Some("dist")` when `root` is `base/dist`, `Some("")` when they are the same folder, `None`
/// when `root` is not below `base`.
fn relative_prefix(base: &Path, root: &Path) -> Option<String> {
    let base = std::fs::canonicalize(base).ok()?;
    let root = std::fs::canonicalize(root).ok()?;
    let relative = root.strip_prefix(&base).ok()?;
    Some(crate::scan::relative_path(Path::new(""), relative))
}

/// Re-roots a pattern written relative to the configuration's folder onto the audited folder.
fn reroot(pattern: &str, prefix: Option<&str>) -> Option<String> {
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

#[cfg(test)]
mod tests {
    use super::reroot;

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
}
