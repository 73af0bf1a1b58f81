//! Walks the audited folder once and lists every regular file in it.
//!
//! Symbolic links are never followed (a link can point outside the folder, or loop), and
//! folders that are never deployed (`.git`, `node_modules`) or that the user ignores are
//! skipped. Everything passed over is listed with its reason, so nothing disappears silently.

use std::path::{Path, PathBuf};

use serde::Serialize;
use walkdir::WalkDir;

use crate::error::Error;
use crate::glob::PathPattern;

/// Folders that are never part of a deployed site.
pub const ALWAYS_SKIPPED_FOLDERS: [&str; 2] = [".git", "node_modules"];

/// One regular file found in the audited folder.
#[derive(Debug, Clone)]
pub struct ScannedFile {
    pub path: PathBuf,
    /// The path relative to the audited folder, `/`-separated; names that are not UTF-8 are
    /// shown with U+FFFD in place of the bad bytes.
    pub relative_path: String,
    pub extension: Option<String>,
}

/// Why a path was passed over.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum SkipCategory {
    /// `.git`, `node_modules`, or a user `ignore` pattern: expected, not worth a warning.
    Ignored,
    SymbolicLink,
    Unreadable,
    Vanished,
    NotAFile,
    /// webaudit itself failed on the file (a bug), and went on with the others.
    InternalError,
}

/// A path that was passed over, and why.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, schemars::JsonSchema)]
pub struct Skipped {
    pub path: String,
    pub category: SkipCategory,
    pub reason: String,
}

#[derive(Debug)]
pub struct Scan {
    pub root: PathBuf,
    pub files: Vec<ScannedFile>,
    pub skipped: Vec<Skipped>,
}

pub use crate::files::relative_path;

/// Deployment files of hosts that compress every response on the fly (gzip and brotli), so
/// that precompressed copies are not needed: found in the audited folder (`_headers`,
/// `.nojekyll`, … are copied into the output) or in a folder above it up to the repository
/// root (`netlify.toml`, `vercel.json`, … sit at the project's root).
const DYNAMIC_HOSTS: &[(&str, &str)] = &[
    ("netlify.toml", "Netlify"),
    ("_headers", "Netlify or Cloudflare Pages"),
    ("_redirects", "Netlify or Cloudflare Pages"),
    ("vercel.json", "Vercel"),
    (".vercel/project.json", "Vercel"),
    ("wrangler.toml", "Cloudflare"),
    ("firebase.json", "Firebase Hosting"),
    ("staticwebapp.config.json", "Azure Static Web Apps"),
    (".nojekyll", "GitHub Pages"),
];

/// How many folders above the audited one are searched for a host's deployment file (a
/// repository root found first ends the search).
pub const MAX_HOST_SEARCH_DEPTH: usize = 4;

/// The host the folder is deployed to, when a deployment file says it is one that compresses
/// on the fly: `(file found, host)`.
pub fn dynamic_host(root: &Path) -> Option<(PathBuf, &'static str)> {
    let start = root.canonicalize().ok()?;
    for folder in start.ancestors().take(MAX_HOST_SEARCH_DEPTH + 1) {
        for (name, host) in DYNAMIC_HOSTS {
            let candidate = folder.join(name);
            if std::fs::symlink_metadata(&candidate).is_ok_and(|m| m.is_file()) {
                return Some((candidate, host));
            }
        }
        if folder.join(".git").exists() {
            break;
        }
    }
    None
}

/// Checks that `root` is a folder that can be audited: a missing path or a file is fatal.
pub fn check_root(root: &Path) -> Result<(), Error> {
    let metadata = std::fs::metadata(root).map_err(|source| Error::Io {
        path: root.to_path_buf(),
        action: "cannot open the folder to audit",
        source,
    })?;
    if !metadata.is_dir() {
        return Err(Error::NotAFolder(root.to_path_buf()));
    }
    Ok(())
}

/// Lists every regular file below `root`, in a stable (sorted) order.
pub fn scan(root: &Path, ignore: &[PathPattern]) -> Result<Scan, Error> {
    scan_part(root, "", ignore)
}

/// [`scan`] of `folder`, a part of a larger folder where it is at `prefix` (`img`, `/`-separated;
/// empty for the folder itself): relative paths, and the `ignore` patterns matched against
/// them, start from the larger folder.
pub fn scan_part(folder: &Path, prefix: &str, ignore: &[PathPattern]) -> Result<Scan, Error> {
    let root = folder;
    let relative_of = |root: &Path, path: &Path| match (prefix, relative_path(root, path)) {
        ("", relative) => relative,
        (prefix, relative) if relative.is_empty() => prefix.to_string(),
        (prefix, relative) => format!("{prefix}/{relative}"),
    };
    check_root(root)?;
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    let mut walker = WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter();
    while let Some(entry) = walker.next() {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) => {
                let path = error
                    .path()
                    .map(|p| relative_of(root, p))
                    .unwrap_or_default();
                let reason = match error.io_error() {
                    Some(io) => format!("unreadable: {io}"),
                    None => error.to_string(),
                };
                skipped.push(Skipped {
                    path,
                    category: SkipCategory::Unreadable,
                    reason,
                });
                continue;
            }
        };
        if entry.depth() == 0 {
            continue;
        }
        let relative = relative_of(root, entry.path());
        let file_type = entry.file_type();
        if file_type.is_dir() {
            let name = entry.file_name().to_string_lossy();
            if ALWAYS_SKIPPED_FOLDERS.contains(&name.as_ref()) {
                skipped.push(Skipped {
                    path: relative,
                    category: SkipCategory::Ignored,
                    reason: format!("`{name}` folders are never deployed"),
                });
                walker.skip_current_dir();
            } else if let Some(pattern) = ignore
                .iter()
                .find(|p| p.matches(&relative) || p.matches(&format!("{relative}/")))
            {
                skipped.push(Skipped {
                    path: relative,
                    category: SkipCategory::Ignored,
                    reason: format!("ignored by pattern `{}`", pattern.pattern),
                });
                walker.skip_current_dir();
            }
            continue;
        }
        if file_type.is_symlink() {
            let target = std::fs::read_link(entry.path())
                .map(|t| format!(" -> {}", t.to_string_lossy()))
                .unwrap_or_default();
            skipped.push(Skipped {
                path: relative,
                category: SkipCategory::SymbolicLink,
                reason: format!("symbolic link{target} (links are not followed)"),
            });
            continue;
        }
        if !file_type.is_file() {
            skipped.push(Skipped {
                path: relative,
                category: SkipCategory::NotAFile,
                reason: "not a regular file (device, socket or pipe)".into(),
            });
            continue;
        }
        if let Some(pattern) = ignore.iter().find(|p| p.matches(&relative)) {
            skipped.push(Skipped {
                path: relative,
                category: SkipCategory::Ignored,
                reason: format!("ignored by pattern `{}`", pattern.pattern),
            });
            continue;
        }
        // From the name alone: `Path::extension` of the whole path parses it from the end.
        let extension = Path::new(entry.file_name())
            .extension()
            .map(|e| e.to_string_lossy().into_owned());
        files.push(ScannedFile {
            path: entry.into_path(),
            relative_path: relative,
            extension,
        });
    }
    Ok(Scan {
        root: root.to_path_buf(),
        files,
        skipped,
    })
}
