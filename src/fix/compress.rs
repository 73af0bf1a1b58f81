//! `webaudit compress DIR`: writes `X.gz` and `X.br` beside each compressible asset, so a
//! static host that serves precompressed files (nginx `gzip_static`/`brotli_static`, Caddy's
//! `precompressed`…) sends them.
//!
//! - Which files: the formats the audit calls compressible (`kind::Format::compressible`) that
//!   browsers download (source maps and sources are left out, as `compression/missing` leaves
//!   them out), at least `min_size` bytes (default 1 KiB: below that, the response headers
//!   dominate and compression saves a few hundred bytes at most).
//! - The encodings are the audit's size definitions (`measure::compress`): gzip is zlib level 9
//!   (or zopfli with `--zopfli`, ~3–8% smaller and ~100× slower), brotli quality 11, window 22.
//!   A `.gz` written here is exactly the size the audit reports.
//! - A copy is written only when it is at most `max_ratio` of the original (default 0.9, i.e.
//!   saves ≥ 10%): the threshold Lighthouse uses to call compression worth enabling, and the
//!   one `compression/missing` reports at, so every file that rule reports gets a copy and no
//!   copy is written that `compression/useless` would call pointless.
//! - Up to date: an existing sibling that *decodes* to the original's exact bytes is kept,
//!   whatever settings made it. Decoding is ~300 MB/s against ~1 MB/s for brotli 11, and needs
//!   no state file that could go out of sync. A sibling that decodes to something else (or
//!   nothing) may be an old copy or someone's own file of that name: it is left alone and
//!   reported, and replaced only with `force` (`--force`), even when the new copy saves less
//!   than `max_ratio` (a server would otherwise keep sending the old content).
//! - Every written copy is read back and decoded before it is renamed into place.
//! - `clean`: removes `X.gz`/`X.br` whose `X` is gone, when `X` names a web format
//!   (`app.js.gz`), never an ordinary download (`data.tar.gz`).

use foldhash::HashSet;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::fix::atomic::{self, PermissionsFrom};
use crate::fix::{Action, Change, FileOutcome, FixReport, Problem};
use crate::glob::PathPattern;
use crate::kind::{Format, classify};
use crate::measure::compress::{brotli_bytes, gzip_bytes};
use crate::measure::open_without_following;
use crate::scan::ScannedFile;

pub const DEFAULT_MIN_SIZE: u64 = 1024;
pub const DEFAULT_MAX_RATIO: f64 = 0.9;

/// Files larger than this are not compressed (they are read whole): no web asset comes close.
pub const MAX_INPUT_BYTES: u64 = 256 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct CompressOptions {
    /// The folder paths in the report are relative to.
    pub root: PathBuf,
    /// Folders and files inside `root` to work on, as given; empty: all of `root`.
    pub paths: Vec<PathBuf>,
    pub ignore: Vec<PathPattern>,
    pub min_size: u64,
    pub max_ratio: f64,
    pub gzip: bool,
    pub brotli: bool,
    pub zopfli: bool,
    pub clean: bool,
    /// Replace an existing `X.gz`/`X.br` that does not decode to `X` (`--force`).
    pub force: bool,
    pub dry_run: bool,
    pub threads: usize,
    /// Print no progress.
    pub quiet: bool,
}

impl CompressOptions {
    pub fn new(root: PathBuf) -> CompressOptions {
        CompressOptions {
            root,
            paths: Vec::new(),
            ignore: Vec::new(),
            min_size: DEFAULT_MIN_SIZE,
            max_ratio: DEFAULT_MAX_RATIO,
            gzip: true,
            brotli: true,
            zopfli: false,
            clean: false,
            force: false,
            dry_run: false,
            threads: 0,
            quiet: true,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Gzip,
    Brotli,
}

impl Encoding {
    fn suffix(self) -> &'static str {
        match self {
            Encoding::Gzip => "gz",
            Encoding::Brotli => "br",
        }
    }
}

/// Reads a whole file without following a link, refusing files over `limit` bytes.
pub(crate) fn read_limited(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    crate::files::read_bounded(path, crate::files::Links::Refuse, limit, "a file to fix")
}

/// Whether `encoded` decodes to exactly `original` (decoding stops one byte past its length,
/// so a decompression bomb costs nothing).
fn decodes_to(encoding: Encoding, encoded: &[u8], original: &[u8]) -> bool {
    let limit = original.len() as u64 + 1;
    let mut decoded = Vec::with_capacity(original.len());
    let result = match encoding {
        Encoding::Gzip => flate2::read::MultiGzDecoder::new(encoded)
            .take(limit)
            .read_to_end(&mut decoded),
        Encoding::Brotli => brotli_decompressor::Decompressor::new(encoded, 64 * 1024)
            .take(limit)
            .read_to_end(&mut decoded),
    };
    result.is_ok() && decoded == original
}

fn encode(encoding: Encoding, original: &[u8], zopfli: bool) -> io::Result<Vec<u8>> {
    match encoding {
        Encoding::Gzip if zopfli => {
            let mut output = Vec::new();
            zopfli::compress(
                zopfli::Options::default(),
                zopfli::Format::Gzip,
                original,
                &mut output,
            )?;
            Ok(output)
        }
        Encoding::Gzip => gzip_bytes(original),
        Encoding::Brotli => brotli_bytes(original, original.len() as u64),
    }
}

fn sibling(path: &Path, encoding: Encoding) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".");
    name.push(encoding.suffix());
    PathBuf::from(name)
}

/// Runs `webaudit compress` over `options.paths` (or all of `options.root`).
pub fn run(options: &CompressOptions) -> Result<FixReport, Error> {
    let targets = super::targets(&options.root, &options.paths)?;
    let (scanned, mut report) =
        super::begin(&targets, &options.ignore, "compress", options.dry_run)?;
    let files: Vec<&ScannedFile> = scanned.files.iter().collect();
    let encodings: Vec<Encoding> = [
        (options.gzip, Encoding::Gzip),
        (options.brotli, Encoding::Brotli),
    ]
    .into_iter()
    .filter_map(|(on, encoding)| on.then_some(encoding))
    .collect();

    // Candidates by content (magic bytes overrule a wrong extension), as the audit classifies.
    let candidates: Vec<&ScannedFile> = files.iter().copied().filter(|f| is_candidate(f)).collect();
    // A file named on the command line that is not one to compress is said so, not skipped
    // silently (a `.gz`/`.br` named with `--clean` is one `clean` looks at).
    for (_, relative) in &targets.files {
        let named = files.iter().find(|f| f.relative_path == *relative);
        let cleaned = options.clean && (relative.ends_with(".gz") || relative.ends_with(".br"));
        if let Some(file) = named
            && !candidates.iter().any(|c| c.relative_path == *relative)
            && !cleaned
        {
            report.warnings.push(problem(
                file,
                "left alone: not a compressible format that browsers download".into(),
            ));
        }
    }
    super::process_largest_first(
        &candidates,
        options.threads,
        options.quiet,
        options.dry_run,
        None,
        &mut report,
        |file| compress_file(file, &encodings, options),
    );
    if options.clean {
        clean(&files, options, &mut report);
    }
    Ok(report)
}

/// Whether `file` is a compressible format browsers download; a file whose start cannot be
/// read is kept, so that its worker reports the error.
fn is_candidate(file: &ScannedFile) -> bool {
    let mut head = Vec::with_capacity(512);
    let read = open_without_following(&file.path).and_then(|f| f.take(512).read_to_end(&mut head));
    if read.is_err() {
        return true;
    }
    let format = classify(file.extension.as_deref(), &head).format;
    format.compressible() && format.kind().counted()
}

fn problem(file: &ScannedFile, message: String) -> Problem {
    Problem {
        path: file.relative_path.clone(),
        message,
    }
}

/// Everything about one original: its `.gz` and its `.br`.
fn compress_file(
    file: &ScannedFile,
    encodings: &[Encoding],
    options: &CompressOptions,
) -> FileOutcome {
    let mut outcome = FileOutcome::default();
    let original = match read_limited(&file.path, MAX_INPUT_BYTES) {
        Ok(bytes) => bytes,
        Err(e) => {
            outcome.candidate = true;
            outcome
                .errors
                .push(problem(file, format!("cannot be read: {e}")));
            return outcome;
        }
    };
    let head = &original[..original.len().min(512)];
    let format = classify(file.extension.as_deref(), head).format;
    if !format.compressible() || !format.kind().counted() {
        return outcome;
    }
    outcome.candidate = true;
    for &encoding in encodings {
        let target = sibling(&file.path, encoding);
        let target_relative = format!("{}.{}", file.relative_path, encoding.suffix());
        let stale_reason = match std::fs::symlink_metadata(&target) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => {
                outcome.errors.push(Problem {
                    path: target_relative,
                    message: format!("cannot be examined: {e}"),
                });
                continue;
            }
            Ok(metadata) if !metadata.is_file() => {
                outcome.errors.push(Problem {
                    path: target_relative,
                    message: "is a symbolic link or not a regular file; left alone".into(),
                });
                continue;
            }
            Ok(_) => match read_limited(&target, MAX_INPUT_BYTES) {
                Ok(existing) if decodes_to(encoding, &existing, &original) => {
                    outcome.up_to_date += 1;
                    continue;
                }
                Ok(_) => Some(format!(
                    "the existing {} does not decode to {}",
                    encoding.suffix(),
                    file.relative_path
                )),
                Err(e) => Some(format!("the existing copy cannot be read: {e}")),
            },
        };
        if let Some(reason) = &stale_reason
            && !options.force
        {
            // It may be an old copy made from an earlier `X`, or a file of someone else's
            // that happens to have this name: nothing here can tell, so it is not replaced.
            outcome.warnings.push(Problem {
                path: target_relative,
                message: format!(
                    "left alone: {reason}, and webaudit cannot tell that it wrote it; `--force` replaces it"
                ),
            });
            continue;
        }
        if stale_reason.is_none() && (original.len() as u64) < options.min_size {
            continue;
        }
        let encoded = match encode(encoding, &original, options.zopfli) {
            Ok(bytes) => bytes,
            Err(e) => {
                outcome.errors.push(Problem {
                    path: target_relative,
                    message: format!("compression failed: {e}"),
                });
                continue;
            }
        };
        let worth_it = (encoded.len() as f64) <= options.max_ratio * original.len() as f64;
        if stale_reason.is_none() && !worth_it {
            outcome.not_worth_it += 1;
            continue;
        }
        let change = Change {
            path: target_relative.clone(),
            source: file.relative_path.clone(),
            action: if stale_reason.is_some() {
                Action::Replace
            } else {
                Action::Create
            },
            what: match encoding {
                Encoding::Gzip if options.zopfli => "gzip (zopfli)".into(),
                Encoding::Gzip => "gzip".into(),
                Encoding::Brotli => "brotli".into(),
            },
            before: original.len() as u64,
            after: encoded.len() as u64,
            reason: stale_reason,
        };
        if !options.dry_run {
            let written = atomic::write_verified(
                &target,
                &encoded,
                PermissionsFrom::File(&file.path),
                |read_back| {
                    if decodes_to(encoding, read_back, &original) {
                        Ok(())
                    } else {
                        Err("the written copy does not decode to the original".into())
                    }
                },
            );
            if let Err(e) = written {
                outcome.errors.push(Problem {
                    path: target_relative,
                    message: format!("cannot be written: {e}"),
                });
                continue;
            }
        }
        outcome.changes.push(change);
    }
    outcome
}

/// `--clean`: removes `X.gz`/`X.br` whose `X` is gone.
fn clean(files: &[&ScannedFile], options: &CompressOptions, report: &mut FixReport) {
    let present: HashSet<&str> = files.iter().map(|f| f.relative_path.as_str()).collect();
    for file in files {
        let encoding = match file.extension.as_deref() {
            Some("gz") => Encoding::Gzip,
            Some("br") => Encoding::Brotli,
            _ => continue,
        };
        let Some((stem, _)) = file.relative_path.rsplit_once('.') else {
            continue;
        };
        let names_a_format = stem
            .rsplit_once('.')
            .and_then(|(_, extension)| Format::from_extension(extension))
            .is_some_and(|format| !matches!(format, Format::Gzip | Format::Brotli));
        if !names_a_format || present.contains(stem) {
            continue;
        }
        // The original may still exist as something the scan passes over (a link): keep.
        let original_path = file.path.with_extension("");
        if std::fs::symlink_metadata(&original_path).is_ok() {
            continue;
        }
        if encoding == Encoding::Gzip {
            let is_gzip = read_limited(&file.path, MAX_INPUT_BYTES)
                .map(|bytes| bytes.starts_with(&[0x1F, 0x8B]))
                .unwrap_or(false);
            if !is_gzip {
                report.warnings.push(problem(
                    file,
                    format!("its original {stem} is gone, but it is not gzip data; left alone"),
                ));
                continue;
            }
        }
        let size = std::fs::symlink_metadata(&file.path).map_or(0, |m| m.len());
        if !options.dry_run
            && let Err(e) = atomic::remove(&file.path)
        {
            report
                .errors
                .push(problem(file, format!("cannot be removed: {e}")));
            continue;
        }
        report.changes.push(Change {
            path: file.relative_path.clone(),
            source: stem.to_string(),
            action: Action::Remove,
            what: match encoding {
                Encoding::Gzip => "gzip".into(),
                Encoding::Brotli => "brotli".into(),
            },
            before: size,
            after: 0,
            reason: Some(format!("its original {stem} is gone")),
        });
    }
}
