//! The fixers: `webaudit compress` and `webaudit optimize`. They reuse the scan and the format
//! classification of the audit, work on files in parallel, and write only through
//! [`atomic`], so a run that fails or is killed never leaves a file half-written.
//!
//! Both produce a [`FixReport`]: the changes made (or planned, with `--dry-run`), what was
//! already up to date, and per-file errors. A file that cannot be fixed is an error for that
//! file; the run goes on with the others.

pub use crate::atomic;
pub mod compress;
pub mod optimize;
pub mod progress;
pub mod responsive;
pub mod rewrite_html;

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::Error;
use crate::escape;
use crate::size::human;

/// What a change does to its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// A new file beside its source (`app.js.gz`, `photo.webp`).
    Create,
    /// A file rewritten in place (an optimised PNG) or a stale sibling rewritten.
    Replace,
    /// A file deleted (`--clean`: a `.gz` whose original is gone).
    Remove,
}

/// One change, made or (with `--dry-run`) planned.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    /// The file written or removed, relative to the folder.
    pub path: String,
    /// The file it was made from (the same as `path` for an in-place change).
    pub source: String,
    pub action: Action,
    /// What was done: `gzip`, `brotli`, `png-lossless`, `webp-lossy`…
    pub what: String,
    /// Bytes of the source file (for an in-place change: before it).
    pub before: u64,
    /// Bytes of the written file; 0 for a removal.
    pub after: u64,
    /// Why the file was rewritten or removed, when it was not simply missing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Change {
    /// Bytes a visitor no longer downloads: the source minus the new file (0 for removals).
    pub fn saved(&self) -> u64 {
        match self.action {
            Action::Remove => 0,
            _ => self.before.saturating_sub(self.after),
        }
    }
}

/// A file the run could not fix (error) or chose to leave alone for a reason worth telling
/// (warning), with the reason.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Problem {
    pub path: String,
    pub message: String,
}

/// What one fixer run did.
#[derive(Debug, Clone, Serialize, Default)]
pub struct FixReport {
    pub command: &'static str,
    pub dry_run: bool,
    /// Files looked at (candidates for the fixer).
    pub files: usize,
    pub changes: Vec<Change>,
    /// Outputs that were already there and current (e.g. a `.gz` that decodes to its original,
    /// a PNG that was already optimised by an earlier run).
    pub up_to_date: usize,
    /// Candidates left alone because the change would not save enough.
    pub not_worth_it: usize,
    pub errors: Vec<Problem>,
    pub warnings: Vec<Problem>,
    /// Temporary files of killed runs removed at the start.
    pub temporaries_removed: Vec<String>,
    /// WebP/AVIF copies (relative paths) found up to date: with the copies in `changes`, the
    /// only ones `--rewrite-html` may point a page at (a `photo.webp` that is not a copy of
    /// `photo.png` is someone else's picture).
    #[serde(skip)]
    pub current_copies: Vec<String>,
    /// `optimize --responsive`: per source image, the width variants written (or, in a dry
    /// run, to be written) or found identical, for `--rewrite-html`'s `srcset`.
    #[serde(skip)]
    pub responsive: Vec<responsive::ResponsiveImage>,
}

impl FixReport {
    pub fn saved(&self) -> u64 {
        self.changes.iter().map(Change::saved).sum()
    }

    /// 0 when every file was handled, 1 when some file failed (the others were still fixed).
    pub fn exit_code(&self) -> u8 {
        u8::from(!self.errors.is_empty())
    }
}

/// What a worker reports for one source file.
#[derive(Debug, Default)]
pub struct FileOutcome {
    /// The file is one the fixer works on (counted in [`FixReport::files`]).
    pub candidate: bool,
    pub changes: Vec<Change>,
    pub up_to_date: usize,
    pub not_worth_it: usize,
    pub errors: Vec<Problem>,
    pub warnings: Vec<Problem>,
    /// See [`FixReport::current_copies`].
    pub current_copies: Vec<String>,
    /// See [`FixReport::responsive`].
    pub responsive: Vec<responsive::ResponsiveImage>,
}

impl FileOutcome {
    pub fn saved(&self) -> u64 {
        self.changes.iter().map(Change::saved).sum()
    }

    /// One line for the plain (non-terminal) progress output; raw, the printer escapes it.
    pub fn describe(&self, path: &str, dry_run: bool) -> String {
        let mut parts: Vec<String> = self
            .changes
            .iter()
            .map(|c| {
                let verb = match (c.action, dry_run) {
                    (Action::Remove, false) => "removed",
                    (Action::Remove, true) => "would remove",
                    (_, false) => "wrote",
                    (_, true) => "would write",
                };
                if c.action == Action::Remove {
                    format!("{verb} {}", c.path)
                } else {
                    format!(
                        "{verb} {} ({}, {} → {})",
                        c.path,
                        c.what,
                        human(c.before),
                        human(c.after)
                    )
                }
            })
            .collect();
        if self.up_to_date > 0 {
            parts.push("up to date".into());
        }
        if self.not_worth_it > 0 && self.changes.is_empty() {
            parts.push("not worth changing".into());
        }
        for error in &self.errors {
            parts.push(format!("error: {}", error.message));
        }
        for warning in &self.warnings {
            parts.push(format!("warning: {}", warning.message));
        }
        format!("{path}: {}", parts.join("; "))
    }
}

impl FixReport {
    pub fn add(&mut self, outcome: FileOutcome) {
        self.files += usize::from(outcome.candidate);
        self.changes.extend(outcome.changes);
        self.up_to_date += outcome.up_to_date;
        self.not_worth_it += outcome.not_worth_it;
        self.errors.extend(outcome.errors);
        self.warnings.extend(outcome.warnings);
        self.current_copies.extend(outcome.current_copies);
        self.responsive.extend(outcome.responsive);
    }
}

/// What a fixer run works on: the root folder and the folders and files in it that the command
/// line named.
#[derive(Debug, Clone)]
pub struct Targets {
    /// Paths in the report are relative to it; `--rewrite-html` rewrites its pages.
    pub root: PathBuf,
    /// Folders named (as given), each with its place in `root` (`""`: `root` itself).
    pub folders: Vec<(PathBuf, String)>,
    /// Files named (as given), each with its path relative to `root`.
    pub files: Vec<(PathBuf, String)>,
}

impl Targets {
    /// The whole root is worked on: it was named itself (or nothing else was).
    pub fn whole_root(&self) -> bool {
        self.folders.iter().any(|(_, place)| place.is_empty())
    }
}

/// What a named path is.
enum Named {
    Folder,
    File,
}

fn named(path: &Path) -> Result<Named, Error> {
    let metadata = std::fs::symlink_metadata(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        action: "cannot open the path to fix",
        source,
    })?;
    if metadata.is_dir() {
        return Ok(Named::Folder);
    }
    if metadata.is_file() {
        return Ok(Named::File);
    }
    if metadata.is_symlink() && std::fs::metadata(path).is_ok_and(|m| m.is_dir()) {
        // A link to a folder, named as the folder to fix: followed, as it always was.
        return Ok(Named::Folder);
    }
    Err(Error::Usage(format!(
        "{}: is {}; name regular files and folders (webaudit never writes through links)",
        path.display(),
        if metadata.is_symlink() {
            "a symbolic link"
        } else {
            "not a regular file or a folder"
        }
    )))
}

/// The real folder `path` names, or holds when it is a file.
fn real_folder(path: &Path, kind: &Named) -> Result<PathBuf, Error> {
    let folder = match kind {
        Named::Folder => path,
        Named::File => match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        },
    };
    std::fs::canonicalize(folder).map_err(|source| Error::Io {
        path: folder.to_path_buf(),
        action: "cannot open the path to fix",
        source,
    })
}

/// The root folder of a run whose command line named `paths` (and `--root`, when given): that
/// folder; else the one folder named; else the deepest folder that holds every path (for one
/// file: its folder).
pub fn root_of(paths: &[PathBuf], root: Option<&Path>) -> Result<PathBuf, Error> {
    if let Some(root) = root {
        return Ok(root.to_path_buf());
    }
    let mut common: Option<PathBuf> = None;
    for path in paths {
        let kind = named(path)?;
        if paths.len() == 1 && matches!(kind, Named::Folder) {
            return Ok(path.clone());
        }
        let folder = real_folder(path, &kind)?;
        common = Some(match common {
            None => folder,
            Some(common) => common
                .components()
                .zip(folder.components())
                .take_while(|(a, b)| a == b)
                .map(|(a, _)| a)
                .collect(),
        });
    }
    common.ok_or_else(|| Error::Usage("name a folder or files to fix".into()))
}

/// Resolves the `paths` named on the command line inside `root` (no paths: all of `root`).
/// Every path must be a folder or a regular file inside `root`; nothing is written before all
/// of them are checked.
pub fn targets(root: &Path, paths: &[PathBuf]) -> Result<Targets, Error> {
    crate::scan::check_root(root)?;
    let mut targets = Targets {
        root: root.to_path_buf(),
        folders: Vec::new(),
        files: Vec::new(),
    };
    if paths.is_empty() {
        targets.folders.push((root.to_path_buf(), String::new()));
        return Ok(targets);
    }
    let real_root = real_folder(root, &Named::Folder)?;
    for path in paths {
        let kind = named(path)?;
        let folder = real_folder(path, &kind)?;
        let Ok(inside) = folder.strip_prefix(&real_root) else {
            return Err(Error::Usage(format!(
                "{}: is not inside the root folder {}",
                path.display(),
                root.display()
            )));
        };
        let place = crate::scan::relative_path(Path::new(""), inside);
        match kind {
            Named::Folder => targets.folders.push((path.clone(), place)),
            Named::File => {
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let relative = if place.is_empty() {
                    name
                } else {
                    format!("{place}/{name}")
                };
                targets.files.push((path.clone(), relative));
            }
        }
    }
    Ok(targets)
}

/// Whether an `--ignore` pattern skips the file at `relative`, or a folder on its way.
fn ignored(relative: &str, ignore: &[crate::glob::PathPattern]) -> bool {
    let folders = relative
        .match_indices('/')
        .map(|(end, _)| &relative[..end])
        .flat_map(|folder| [folder.to_string(), format!("{folder}/")]);
    std::iter::once(relative.to_string())
        .chain(folders)
        .any(|path| ignore.iter().any(|p| p.matches(&path)))
}

/// The start every fixer shares: the folders named scanned once (links not followed, ignore
/// patterns applied) and the files named added, an empty report, and — unless it is a dry run
/// — the temporaries of killed runs removed (in each folder named, and in the folder of each
/// file named). The files exclude those temporaries.
pub fn begin(
    targets: &Targets,
    ignore: &[crate::glob::PathPattern],
    command: &'static str,
    dry_run: bool,
) -> Result<(crate::scan::Scan, FixReport), Error> {
    let mut scanned = crate::scan::Scan {
        root: targets.root.clone(),
        files: Vec::new(),
        skipped: Vec::new(),
    };
    for (folder, place) in &targets.folders {
        let part = crate::scan::scan_part(folder, place, ignore)?;
        scanned.files.extend(part.files);
        scanned.skipped.extend(part.skipped);
    }
    for (path, relative) in &targets.files {
        if ignored(relative, ignore) {
            continue;
        }
        scanned.files.push(crate::scan::ScannedFile {
            path: path.clone(),
            relative_path: relative.clone(),
            extension: path.extension().map(|e| e.to_string_lossy().into_owned()),
        });
    }
    if targets.folders.len() + targets.files.len() > 1 {
        // Named twice (a folder and a file in it): worked on once, in path order.
        scanned
            .files
            .sort_by(|a, b| a.relative_path.cmp(&b.relative_path));
        scanned
            .files
            .dedup_by(|a, b| a.relative_path == b.relative_path);
    }
    let mut report = FixReport {
        command,
        dry_run,
        ..FixReport::default()
    };
    if !dry_run {
        for (folder, place) in &targets.folders {
            clear_leftovers(folder, place, usize::MAX, &mut report);
        }
        let mut cleared: Vec<(PathBuf, String)> = Vec::new();
        for (path, relative) in &targets.files {
            let folder = match path.parent() {
                Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
                _ => PathBuf::from("."),
            };
            let place = relative.rsplit_once('/').map_or("", |(place, _)| place);
            if !cleared.iter().any(|(f, _)| *f == folder) {
                cleared.push((folder, place.to_string()));
            }
        }
        for (folder, place) in &cleared {
            clear_leftovers(folder, place, 1, &mut report);
        }
    }
    scanned
        .files
        .retain(|f| !f.path.file_name().is_some_and(atomic::is_temporary_name));
    Ok((scanned, report))
}

/// Runs `work` on every candidate, largest file first (the slowest encodes start first and no
/// worker idles at the end), on `threads` workers (0: one per core), with progress, and adds
/// the outcomes to `report` in the candidates' order, so reports do not depend on scheduling.
pub fn process_largest_first(
    candidates: &[&crate::scan::ScannedFile],
    threads: usize,
    quiet: bool,
    dry_run: bool,
    slow_note: Option<&'static str>,
    report: &mut FixReport,
    work: impl Fn(&crate::scan::ScannedFile) -> FileOutcome + Sync,
) {
    let sizes: Vec<u64> = candidates
        .iter()
        .map(|f| std::fs::symlink_metadata(&f.path).map_or(0, |m| m.len()))
        .collect();
    let mut order: Vec<usize> = (0..candidates.len()).collect();
    order.sort_by(|&a, &b| sizes[b].cmp(&sizes[a]).then(a.cmp(&b)));
    let threads = if threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        threads
    };
    let progress = progress::Progress::new(candidates.len(), quiet, slow_note);
    let mut outcomes = crate::measure::run_pool(&order, threads, |index| {
        let file = candidates[index];
        // As in the audit, a bug that panics on one file's content costs that file only; the
        // atomic writer's temporary is removed as the panic unwinds.
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(file)))
            .unwrap_or_else(|panic| FileOutcome {
                candidate: true,
                errors: vec![Problem {
                    path: file.relative_path.clone(),
                    message: format!(
                        "webaudit failed on this file (a bug; please report it): {}",
                        crate::error::panic_message(&*panic)
                    ),
                }],
                ..FileOutcome::default()
            });
        progress.finished(
            outcome.saved(),
            &outcome.describe(&file.relative_path, dry_run),
        );
        outcome
    });
    progress.finish();
    outcomes.sort_by_key(|(index, _)| *index);
    for (_, outcome) in outcomes {
        report.add(outcome);
    }
}

/// Removes the temporaries of killed runs in `folder` (at `place` in the root) and up to
/// `depth` levels below it, and records them in `report`; a leftover that cannot be removed is
/// an error for that path.
pub fn clear_leftovers(folder: &Path, place: &str, depth: usize, report: &mut FixReport) {
    for leftover in atomic::remove_stale_temporaries_to_depth(folder, depth) {
        let relative = crate::scan::relative_path(folder, &leftover.path);
        let path = if place.is_empty() {
            relative
        } else {
            format!("{place}/{relative}")
        };
        match leftover.result {
            Ok(()) => report.temporaries_removed.push(path),
            Err(e) => report.errors.push(Problem {
                path,
                message: format!("cannot remove this temporary file of an earlier run: {e}"),
            }),
        }
    }
}

/// Prints the summary: one row per kind of change, then what was left alone and why. Names and
/// messages are escaped for a terminal or a CI log.
pub fn render_summary(report: &FixReport, out: &mut impl Write) -> io::Result<()> {
    for path in &report.temporaries_removed {
        writeln!(
            out,
            "removed {}: a temporary file left by an interrupted run",
            escape::terminal(path)
        )?;
    }
    for problem in &report.errors {
        writeln!(
            out,
            "error: {}: {}",
            escape::terminal(&problem.path),
            escape::terminal(&problem.message)
        )?;
    }
    for problem in &report.warnings {
        writeln!(
            out,
            "warning: {}: {}",
            escape::terminal(&problem.path),
            escape::terminal(&problem.message)
        )?;
    }
    if report.changes.is_empty() {
        writeln!(
            out,
            "Nothing to do: {} file(s) looked at, {} output(s) already up to date, {} not worth changing{}.",
            report.files,
            report.up_to_date,
            report.not_worth_it,
            if report.errors.is_empty() {
                String::new()
            } else {
                format!(", {} error(s)", report.errors.len())
            }
        )?;
        return Ok(());
    }
    let mut rows: Vec<(String, usize, u64, u64, u64)> = Vec::new();
    for change in &report.changes {
        let what = match change.action {
            Action::Remove => format!("{} (removed)", change.what),
            _ => change.what.clone(),
        };
        match rows.iter_mut().find(|row| row.0 == what) {
            Some(row) => {
                row.1 += 1;
                row.2 += change.before;
                row.3 += change.after;
                row.4 += change.saved();
            }
            None => rows.push((what, 1, change.before, change.after, change.saved())),
        }
    }
    let width = rows.iter().map(|r| r.0.len()).max().unwrap_or(0).max(6);
    writeln!(
        out,
        "{:<width$}  {:>5}  {:>10}  {:>10}  {:>10}",
        "change", "files", "before", "after", "saved"
    )?;
    for (what, files, before, after, saved) in &rows {
        writeln!(
            out,
            "{what:<width$}  {files:>5}  {:>10}  {:>10}  {:>10}",
            human(*before),
            human(*after),
            human(*saved)
        )?;
    }
    writeln!(
        out,
        "{} {} change(s) in {} file(s) looked at, saving {}; {} output(s) already up to date, {} not worth changing, {} error(s).",
        if report.dry_run {
            "Dry run: would make"
        } else {
            "Made"
        },
        report.changes.len(),
        report.files,
        human(report.saved()),
        report.up_to_date,
        report.not_worth_it,
        report.errors.len()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_on_one_file_is_an_error_for_that_file_and_the_rest_goes_on() {
        let files: Vec<crate::scan::ScannedFile> = ["a.png", "bad.png", "c.png"]
            .iter()
            .map(|name| crate::scan::ScannedFile {
                path: std::path::PathBuf::from(name),
                relative_path: name.to_string(),
                extension: Some("png".into()),
            })
            .collect();
        let candidates: Vec<&crate::scan::ScannedFile> = files.iter().collect();
        let mut report = FixReport::default();
        // Silence the default hook's message for the deliberate panic.
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        process_largest_first(&candidates, 2, true, false, None, &mut report, |file| {
            if file.relative_path == "bad.png" {
                panic!("decoder bug");
            }
            FileOutcome {
                candidate: true,
                up_to_date: 1,
                ..FileOutcome::default()
            }
        });
        std::panic::set_hook(hook);
        assert_eq!(report.up_to_date, 2);
        assert_eq!(report.errors.len(), 1);
        assert_eq!(report.errors[0].path, "bad.png");
        assert!(report.errors[0].message.contains("decoder bug"));
    }
}
