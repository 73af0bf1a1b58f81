//! Reads size-limit's configuration where size-limit itself finds it. size-limit asks lilconfig
//! to try, in each folder: the `size-limit` key of `package.json`, `.size-limit.json`,
//! `.size-limit` (JSON), then the programs `.size-limit.js`/`.mjs`/`.cjs`/`.ts`/`.mts`/`.cts`;
//! the first one present wins and empty files are passed over (size-limit 12, lilconfig 3).
//! webaudit cannot run the programs and says so.
//!
//! Each entry becomes a path budget over the sum of its files, as size-limit measures it.
//! Paths in the file are relative to the file's folder and are re-rooted on the audited folder;
//! entries outside it are reported and skipped. size-limit compresses with brotli unless
//! `gzip: true`; `brotli: false` means no compression. Time limits (size-limit takes any limit
//! containing an `s`, as in `500 ms` or `2 s`) and `import` checks need a bundler or a browser
//! and are reported, not checked.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::model::{Aggregate, Compression};
use super::peer::{self, PeerBudget, PeerConfig, Tool, json_error};
use crate::error::Error;
use crate::size::parse_size;

#[derive(Deserialize)]
struct Entry {
    path: Option<Paths>,
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

/// The files size-limit tries after `package.json`, in its order.
pub const FILE_CONFIGS: [&str; 2] = [".size-limit.json", ".size-limit"];

/// size-limit's configurations written as programs, in its order.
pub const PROGRAM_CONFIGS: [&str; 6] = [
    ".size-limit.js",
    ".size-limit.mjs",
    ".size-limit.cjs",
    ".size-limit.ts",
    ".size-limit.mts",
    ".size-limit.cts",
];

/// Where a size-limit configuration was found.
pub enum Found {
    Json(PathBuf),
    PackageJson(PathBuf, serde_json::Value),
    Program(PathBuf),
}

impl Found {
    pub fn path(&self) -> &Path {
        match self {
            Found::Json(path) | Found::PackageJson(path, _) | Found::Program(path) => path,
        }
    }
}

/// Whether a file exists with something other than white space in it: lilconfig passes over
/// empty configuration files.
fn non_empty_file(path: &Path) -> bool {
    path.is_file() && super::read(path).is_ok_and(|text| !text.trim().is_empty())
}

/// Looks for a size-limit configuration in `folder`, in size-limit's order.
pub fn find_in(folder: &Path) -> Option<Found> {
    if let Some((package, value)) = peer::package_key(folder, "size-limit") {
        return Some(Found::PackageJson(package, value));
    }
    for name in FILE_CONFIGS {
        let path = folder.join(name);
        if non_empty_file(&path) {
            return Some(Found::Json(path));
        }
    }
    PROGRAM_CONFIGS
        .iter()
        .map(|name| folder.join(name))
        .find(|path| non_empty_file(path))
        .map(Found::Program)
}

/// Whether size-limit reads `limit` as a time: it tests `/ ?ms/i`, then `/ ?s/i`, anywhere in
/// the text, before trying it as a size.
fn is_time_limit(limit: &str) -> bool {
    limit.contains(['s', 'S'])
}

/// Reads the size-limit entries of `found`, re-rooted on the audited `root`.
pub fn read_config(found: &Found, root: &Path) -> Result<PeerConfig, Error> {
    let mut peer_config = PeerConfig::new(Tool::SizeLimit, found.path());
    let entries: Vec<Entry> = match found {
        Found::Program(path) => {
            peer_config.notes.push(format!(
                "{}: size-limit configuration written as a program is not read; move it to .size-limit.json to have webaudit check it",
                path.display()
            ));
            peer_config.read = false;
            return Ok(peer_config);
        }
        Found::Json(path) => {
            let text = read(path)?;
            serde_json::from_str(&text).map_err(|e| {
                json_error(
                    path,
                    e,
                    "not a size-limit configuration (an array of checks)",
                )
            })?
        }
        Found::PackageJson(path, value) => {
            serde_json::from_value(value.clone()).map_err(|e| Error::Config {
                path: path.clone(),
                line: 0,
                column: 0,
                message: format!(
                    "`size-limit` key: not an array of checks, as size-limit requires: {e}"
                ),
            })?
        }
    };
    let path = found.path();
    let file_name = peer_config.file_name();
    let base = path.parent().unwrap_or(Path::new("."));
    // The audited folder as seen from the configuration's folder ("dist" for ./dist).
    let prefix = peer::relative_prefix(base, root);

    for (index, entry) in entries.iter().enumerate() {
        let label = entry.name.clone().unwrap_or_else(|| match &entry.path {
            Some(Paths::One(p)) => p.clone(),
            Some(Paths::Many(ps)) => ps.join(", "),
            None => "package main".into(),
        });
        let origin = format!("{file_name} size-limit #{} ({label})", index + 1);
        if entry.import.is_some() {
            peer_config.notes.push(format!(
                "{origin}: `import` checks bundle a partial import and need a bundler; not checked"
            ));
            continue;
        }
        let Some(paths) = &entry.path else {
            peer_config.notes.push(format!(
                "{origin}: no `path`; size-limit checks the package's `main` file, which is not in a built app folder; not checked"
            ));
            continue;
        };
        let Some(limit_text) = &entry.limit else {
            peer_config
                .notes
                .push(format!("{origin}: no `limit`; nothing to check"));
            continue;
        };
        let limit_text = limit_text.trim();
        if is_time_limit(limit_text) {
            peer_config.notes.push(format!(
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
        let patterns = match paths {
            Paths::One(p) => vec![p.clone()],
            Paths::Many(ps) => ps.clone(),
        };
        let (patterns, outside) = peer::reroot_all(&patterns, prefix.as_deref());
        if !outside.is_empty() {
            peer_config.notes.push(format!(
                "{origin}: {} outside the audited folder; not checked",
                outside.join(", ")
            ));
        }
        if !patterns.iter().any(|p| !p.starts_with('!')) {
            continue;
        }
        peer_config.budgets.push(PeerBudget {
            name: label,
            patterns,
            limit,
            written_limit: limit_text.to_string(),
            compression,
            aggregate: Aggregate::Sum,
            origin,
        });
    }
    Ok(peer_config)
}

fn read(path: &Path) -> Result<String, Error> {
    super::read(path)
}

#[cfg(test)]
mod tests {
    use super::is_time_limit;

    #[test]
    fn time_limits_are_told_apart_as_size_limit_does() {
        for time in ["500 ms", "2 s", "1s", "300MS"] {
            assert!(is_time_limit(time), "{time}");
        }
        for size in ["10 kB", "1.5 MB", "200 KiB", "12345"] {
            assert!(!is_time_limit(size), "{size}");
        }
    }
}
