//! Where findings come from in the repository: the repository root, the audited folder's place
//! in it, and, through source maps, the original source file and line of a finding in a
//! generated (bundled) file. CI outputs name files from the repository root, and SARIF points at
//! original sources so code scanning can show a finding on the pull request's diff.
//!
//! This runs when the report is assembled, after the rules, only when an output that points at
//! code asks for it ([`crate::audit::AuditOptions::original_sources`]), and only for findings
//! that need it (a position or a source hint in a file with a usable map), with one parse and
//! one walk per map. The maps are those the analysis read and kept (it is asked to keep them
//! only then): no map is read twice, and nothing here opens a file.

use foldhash::{HashMap, HashMapExt};
use std::path::{Component, Path, PathBuf};

use crate::analyze::Facts;
use crate::analyze::sourcemap::{self, Lookup};
use crate::measure::Asset;
use crate::model::finding::{Finding, SourceLocation};

/// The repository root CI outputs name files from: `$GITHUB_WORKSPACE` when set (GitHub
/// resolves annotation and SARIF paths against the checkout), else the current folder.
/// Canonical, so that prefixes compare; `None` if it cannot be resolved.
pub fn repository_root() -> Option<PathBuf> {
    let root = std::env::var_os("GITHUB_WORKSPACE")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::current_dir().ok())?;
    root.canonicalize().ok()
}

/// `path` relative to `repository` (canonical), `/`-separated, `""` for the root itself;
/// `None` when it lies outside or does not exist.
pub fn relative_to(repository: &Path, path: &Path) -> Option<String> {
    let canonical = path.canonicalize().ok()?;
    let inside = canonical.strip_prefix(repository).ok()?;
    let parts: Option<Vec<&str>> = inside
        .components()
        .map(|c| match c {
            Component::Normal(part) => part.to_str(),
            _ => None,
        })
        .collect();
    parts.map(|p| p.join("/"))
}

/// Fills [`Finding::source`] for findings in generated files whose source map leads to an
/// original file that exists in the repository. `maps` are the source maps the analysis kept, by
/// the path of the file they map.
pub fn fill_source_locations(
    findings: &mut [Finding],
    assets: &[Asset],
    maps: &HashMap<String, Vec<u8>>,
    audited_root: &Path,
    repository: &Path,
) {
    let wanted = |f: &Finding| f.path.is_some() && (f.line.is_some() || f.source_hint.is_some());
    if !findings.iter().any(wanted) {
        return;
    }
    let by_path: HashMap<&str, &Asset> = assets.iter().map(|a| (a.path.as_str(), a)).collect();
    // Findings by the asset they are in: each map is read, parsed and walked once.
    let mut by_asset: HashMap<&str, Vec<usize>> = HashMap::new();
    for (index, finding) in findings.iter().enumerate().filter(|(_, f)| wanted(f)) {
        if let Some(path) = finding.path.as_deref()
            && let Some(asset) = by_path.get(path)
        {
            by_asset.entry(asset.path.as_str()).or_default().push(index);
        }
    }
    for (path, indexes) in by_asset {
        let Some(asset) = by_path.get(path) else {
            continue;
        };
        let link = match &asset.facts {
            Facts::Script(script) => script.map.as_ref(),
            Facts::Stylesheet(sheet) => sheet.map.as_ref(),
            _ => None,
        };
        let Some(link) = link.filter(|l| l.attribution.is_ok()) else {
            continue;
        };
        let Some(json) = maps.get(path) else {
            continue;
        };
        // Sources resolve against the map's place (an inline map's is beside its file).
        let map_path = link
            .path
            .clone()
            .unwrap_or_else(|| format!("{}.map", asset.path));
        let hints: Vec<Option<String>> = indexes
            .iter()
            .map(|&i| findings.get(i).and_then(|f| f.source_hint.clone()))
            .collect();
        let lookups: Vec<Lookup<'_>> = indexes
            .iter()
            .zip(&hints)
            .filter_map(|(&i, hint)| {
                let finding = findings.get(i)?;
                Some(match (finding.line, hint.as_deref()) {
                    (Some(line), _) => Lookup::Generated {
                        line: u64::from(line.saturating_sub(1)),
                        column: u64::from(finding.column.unwrap_or(1).saturating_sub(1)),
                    },
                    (None, Some(source)) => Lookup::FirstInto(source),
                    (None, None) => return None,
                })
            })
            .collect();
        if lookups.len() != indexes.len() {
            // Cannot happen (every index is `wanted`); keep answers aligned regardless.
            continue;
        }
        let Ok(answers) = sourcemap::original_positions(json, &map_path, &lookups) else {
            continue;
        };
        for (&index, original) in indexes.iter().zip(answers) {
            let Some(original) = original else { continue };
            let Some(path) = source_file(&original.source, audited_root, repository) else {
                continue;
            };
            if let Some(finding) = findings.get_mut(index) {
                finding.source = Some(SourceLocation {
                    path,
                    line: u32::try_from(original.line.saturating_add(1)).unwrap_or(u32::MAX),
                    column: u32::try_from(original.column.saturating_add(1)).unwrap_or(u32::MAX),
                });
            }
        }
    }
}

/// Places each finding about a package (see [`Finding::imported_by`]) at the first line of the
/// app's code that imports it, when that file is in the repository: that is the line to change,
/// where the built file or the package's own module is not. The other import sites in the
/// repository go to [`Finding::also_imported_at`].
pub fn fill_import_locations(findings: &mut [Finding], audited_root: &Path, repository: &Path) {
    // Several findings name the same importers: each file is looked up once.
    let mut files: HashMap<String, Option<String>> = HashMap::new();
    for finding in findings.iter_mut().filter(|f| !f.imported_by.is_empty()) {
        let mut located: Vec<SourceLocation> = Vec::new();
        for site in &finding.imported_by {
            let path = files
                .entry(site.source.clone())
                .or_insert_with(|| source_file(&site.source, audited_root, repository));
            if let Some(path) = path {
                located.push(SourceLocation {
                    path: path.clone(),
                    line: site.line,
                    column: site.column,
                });
            }
        }
        if located.is_empty() {
            continue;
        }
        let first = located.remove(0);
        finding.source = Some(first);
        finding.also_imported_at = located;
    }
}

/// A resolved source name (relative to the audited folder, or absolute) as a path from the
/// repository root, if that file exists there.
fn source_file(source: &str, audited_root: &Path, repository: &Path) -> Option<String> {
    if source.starts_with("virtual:") || source.starts_with('[') || source.contains('\0') {
        return None;
    }
    let candidate = if Path::new(source).is_absolute() {
        PathBuf::from(source)
    } else {
        audited_root.join(source)
    };
    if !candidate.is_file() {
        return None;
    }
    relative_to(repository, &candidate).filter(|p| !p.is_empty())
}
