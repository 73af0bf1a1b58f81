//! Minify-estimate benchmark (issue 4: `minify/js`, `minify/css`): what the estimate costs and
//! how close it is to a real whitespace minifier, on real files.
//!
//! ```sh
//! cargo bench --bench minify                  # corpus: benches/work/js-css (built if missing)
//! cargo bench --bench minify -- CORPUS_DIR    # any folder of .js/.mjs/.css files
//! cargo bench --bench minify -- CORPUS_DIR --list   # also list the scripts sent to swc
//! ```
//!
//! Single thread, best of 5 (3 for the slow parts), same run:
//! 1. The pre-check on every script: the module lexer counting what it skips between tokens,
//!    against the plain module lexer (ratio: what the counting adds).
//! 2. The swc-token estimate on the scripts the pre-check lets through, against the reference
//!    `esbuild --minify-whitespace` (one process for all those files) — time ratio, and each
//!    file's saving as a share of esbuild's.
//! 3. The CSS estimate on every stylesheet, against the same esbuild run on them.
//!
//! Correctness (exit 1 when violated): on every script, both pre-check bounds (the module
//! lexer's count of bytes between tokens, and the lexer-free bound) are at least the
//! estimated saving: the pre-check can never hide a finding.
//!
//! esbuild: `$ESBUILD`, else `benches/work/esbuild/node_modules/.bin/esbuild`, installed there
//! with `npm install esbuild@0.25.12` when missing. Uses only std and the webaudit library.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use webaudit::analyze::css;
use webaudit::analyze::js_scan;
use webaudit::analyze::minify::{
    CSS_MIN_SAVING_RATIO, JS_MIN_SAVING_RATIO, Minified, estimate_js_unchecked, lexer_free_bound,
    reportable,
};

const ESBUILD_VERSION: &str = "0.25.12";

struct File {
    rel: String,
    bytes: Vec<u8>,
}

fn walk(root: &Path, folder: &Path, found: &mut Vec<File>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(folder)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let metadata = std::fs::symlink_metadata(&path)?;
        if metadata.is_dir() {
            walk(root, &path, found)?;
        } else if metadata.is_file()
            && let Some(extension) = path.extension().and_then(|e| e.to_str())
            && matches!(extension, "js" | "mjs" | "css")
        {
            let rel = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .to_string_lossy()
                .into_owned();
            found.push(File {
                rel,
                bytes: std::fs::read(&path)?,
            });
        }
    }
    Ok(())
}

fn best_of(runs: usize, mut work: impl FnMut()) -> Duration {
    (0..runs)
        .map(|_| {
            let started = Instant::now();
            work();
            started.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn mb_s(bytes: usize, time: Duration) -> f64 {
    bytes as f64 / 1e6 / time.as_secs_f64().max(1e-9)
}

fn esbuild() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("ESBUILD") {
        return Some(PathBuf::from(path));
    }
    let prefix = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/work/esbuild");
    let binary = prefix.join("node_modules/.bin/esbuild");
    if !binary.exists() {
        eprintln!(
            "installing esbuild@{ESBUILD_VERSION} into {}",
            prefix.display()
        );
        std::fs::create_dir_all(&prefix).ok()?;
        let status = Command::new("npm")
            .args(["install", "--silent", "--no-save", "--prefix"])
            .arg(&prefix)
            .arg(format!("esbuild@{ESBUILD_VERSION}"))
            .status()
            .ok()?;
        if !status.success() {
            return None;
        }
    }
    binary.exists().then_some(binary)
}

/// Runs esbuild `--minify-whitespace` over `files` in one process (best of `runs`) and returns
/// the time and each output's size.
fn reference(
    esbuild: &Path,
    corpus: &Path,
    files: &[&File],
    runs: usize,
) -> Option<(Duration, Vec<u64>)> {
    let out = std::env::temp_dir().join(format!("webaudit-minify-bench-{}", std::process::id()));
    let mut failed = false;
    let time = best_of(runs, || {
        let _ = std::fs::remove_dir_all(&out);
        let status = Command::new(esbuild)
            .arg("--minify-whitespace")
            // Keep non-ASCII characters as they are (esbuild escapes them by default, which
            // makes its output grow on localised text and says nothing about whitespace).
            .arg("--charset=utf8")
            .arg("--log-level=error")
            .arg(format!("--outbase={}", corpus.display()))
            .arg(format!("--outdir={}", out.display()))
            .args(files.iter().map(|f| corpus.join(&f.rel)))
            .status();
        failed |= !status.is_ok_and(|s| s.success());
    });
    if failed {
        eprintln!("esbuild failed on this set of files; no reference");
        return None;
    }
    let sizes = files
        .iter()
        .map(|f| {
            let rel = Path::new(&f.rel);
            [rel.to_path_buf(), rel.with_extension("js")]
                .iter()
                .find_map(|p| std::fs::metadata(out.join(p)).ok())
                .map_or(0, |m| m.len())
        })
        .collect();
    let _ = std::fs::remove_dir_all(&out);
    Some((time, sizes))
}

fn share_summary(shares: &mut [f64]) -> String {
    if shares.is_empty() {
        return "-".to_string();
    }
    shares.sort_by(f64::total_cmp);
    format!(
        "min {:.3}, median {:.3}, max {:.3}",
        shares[0],
        shares[shares.len() / 2],
        shares[shares.len() - 1]
    )
}

fn extension(rel: &str) -> &str {
    rel.rsplit('.').next().unwrap_or("js")
}

fn run() -> ExitCode {
    let corpus = match std::env::args().nth(1).filter(|a| !a.starts_with('-')) {
        Some(dir) => PathBuf::from(dir),
        None => {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/work/js-css");
            let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/corpus/js-css.sh");
            if !Command::new("bash")
                .arg(script)
                .arg(&dir)
                .status()
                .is_ok_and(|s| s.success())
            {
                eprintln!("error: could not build the corpus in {}", dir.display());
                return ExitCode::from(2);
            }
            dir
        }
    };
    let mut files = Vec::new();
    if let Err(e) = walk(&corpus, &corpus, &mut files) {
        eprintln!("error: {}: {e}", corpus.display());
        return ExitCode::from(2);
    }
    let (scripts, sheets): (Vec<&File>, Vec<&File>) =
        files.iter().partition(|f| !f.rel.ends_with(".css"));
    let script_bytes: usize = scripts.iter().map(|f| f.bytes.len()).sum();
    println!(
        "corpus {}: {} scripts ({:.1} MB), {} stylesheets",
        corpus.display(),
        scripts.len(),
        script_bytes as f64 / 1e6,
        sheets.len()
    );

    // 1. The pre-check against the lexer alone.
    let lexer = best_of(5, || {
        for f in &scripts {
            std::hint::black_box(js_scan::scan(&f.bytes).is_ok());
        }
    });
    let mut passing: Vec<&File> = Vec::new();
    let pre_check = best_of(5, || {
        passing.clear();
        for f in &scripts {
            let skipped = match js_scan::scan_counting_comments(&f.bytes) {
                Ok(scanned) => {
                    let bound = scanned.trivia_bytes;
                    !reportable(f.bytes.len() as u64, bound, JS_MIN_SAVING_RATIO)
                }
                Err(_) => false,
            };
            if !skipped {
                passing.push(f);
            }
        }
    });
    println!(
        "pre-check: lexer alone {:.0} MB/s, lexer counting the bytes between tokens {:.0} MB/s: ratio {:.2}; {} of {} scripts go on to the swc estimate",
        mb_s(script_bytes, lexer),
        mb_s(script_bytes, pre_check),
        pre_check.as_secs_f64() / lexer.as_secs_f64().max(1e-9),
        passing.len(),
        scripts.len()
    );

    if std::env::args().any(|a| a == "--list") {
        for f in &passing {
            println!("  to swc: {} ({} B)", f.rel, f.bytes.len());
        }
    }

    // Correctness: the bound covers the estimate on every script the lexer reads.
    let mut violations = 0;
    let mut estimates = Vec::new();
    for f in &scripts {
        let Minified::Estimated { bytes } = estimate_js_unchecked(&f.bytes, extension(&f.rel))
        else {
            estimates.push(None);
            continue;
        };
        estimates.push(Some(bytes));
        let saving = (f.bytes.len() as u64).saturating_sub(bytes);
        let lexer_bound = js_scan::scan_counting_comments(&f.bytes)
            .ok()
            .map(|scanned| scanned.trivia_bytes);
        let any_start_bound = lexer_free_bound(&f.bytes);
        for bound in lexer_bound.into_iter().chain([any_start_bound]) {
            if saving > bound {
                violations += 1;
                eprintln!("VIOLATION {}: saving {saving} > bound {bound}", f.rel);
            }
        }
    }
    println!(
        "bound check: {} scripts estimated, {violations} with a saving above the pre-check bound",
        estimates.iter().flatten().count()
    );

    // 2. The swc estimate on the passing scripts, against esbuild.
    let passing_bytes: usize = passing.iter().map(|f| f.bytes.len()).sum();
    let estimate_time = best_of(3, || {
        for f in &passing {
            std::hint::black_box(estimate_js_unchecked(&f.bytes, extension(&f.rel)));
        }
    });
    let esbuild = esbuild();
    if esbuild.is_none() {
        eprintln!("esbuild unavailable: no reference figures");
    }
    let report = |name: &str, set: &[&File], ours: Duration, sizes: Vec<Option<u64>>| {
        let bytes: usize = set.iter().map(|f| f.bytes.len()).sum();
        print!(
            "{name}: {} files, {:.1} MB, webaudit {:.1} MB/s",
            set.len(),
            bytes as f64 / 1e6,
            mb_s(bytes, ours)
        );
        let Some((time, reference_sizes)) = esbuild
            .as_deref()
            .and_then(|e| reference(e, &corpus, set, 3))
        else {
            println!();
            return;
        };
        let mut shares = Vec::new();
        let mut outliers = Vec::new();
        for ((f, ours), theirs) in set.iter().zip(&sizes).zip(&reference_sizes) {
            let raw = f.bytes.len() as f64;
            if let Some(ours) = ours
                && *theirs > 0
                && raw - (*theirs as f64) > 0.0
            {
                let share = (raw - *ours as f64) / (raw - *theirs as f64);
                shares.push(share);
                if !(0.8..=1.25).contains(&share) {
                    outliers.push(format!(
                        "    {}: {} B, webaudit {ours} B, esbuild {theirs} B",
                        f.rel,
                        f.bytes.len()
                    ));
                }
            }
        }
        println!(
            ", esbuild --minify-whitespace {:.1} MB/s: time ratio {:.2}; saving / esbuild's saving: {}",
            mb_s(bytes, time),
            ours.as_secs_f64() / time.as_secs_f64().max(1e-9),
            share_summary(&mut shares)
        );
        if !outliers.is_empty() {
            println!("  saving outside 0.8–1.25 × esbuild's:");
            for line in outliers.iter().take(10) {
                println!("{line}");
            }
        }
    };
    let passing_sizes: Vec<Option<u64>> = passing
        .iter()
        .map(
            |f| match estimate_js_unchecked(&f.bytes, extension(&f.rel)) {
                Minified::Estimated { bytes } => Some(bytes),
                _ => None,
            },
        )
        .collect();
    if passing_bytes > 0 {
        report("swc estimate", &passing, estimate_time, passing_sizes);
    }

    // 3. CSS.
    let css_time = best_of(5, || {
        for f in &sheets {
            std::hint::black_box(css::minified_size(&f.bytes));
        }
    });
    let css_sizes = sheets
        .iter()
        .map(|f| Some(css::minified_size(&f.bytes)))
        .collect();
    if !sheets.is_empty() {
        report("css estimate", &sheets, css_time, css_sizes);
    }

    // What the rules would report.
    let mut reported = Vec::new();
    for f in &passing {
        if let Minified::Estimated { bytes } = estimate_js_unchecked(&f.bytes, extension(&f.rel)) {
            let saving = (f.bytes.len() as u64).saturating_sub(bytes);
            if reportable(f.bytes.len() as u64, saving, JS_MIN_SAVING_RATIO) {
                reported.push(format!("minify/js {} saves {saving} B", f.rel));
            }
        }
    }
    for f in &sheets {
        let saving = (f.bytes.len() as u64).saturating_sub(css::minified_size(&f.bytes));
        if reportable(f.bytes.len() as u64, saving, CSS_MIN_SAVING_RATIO) {
            reported.push(format!("minify/css {} saves {saving} B", f.rel));
        }
    }
    println!("{} files would be reported:", reported.len());
    for line in reported.iter().take(40) {
        println!("  {line}");
    }
    if violations > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn main() -> ExitCode {
    // swc's parser recurses: run with the audit workers' stack.
    match std::thread::Builder::new()
        .stack_size(64 * 1024 * 1024)
        .spawn(run)
        .map(|handle| handle.join())
    {
        Ok(Ok(code)) => code,
        _ => {
            eprintln!("error: the benchmark thread failed");
            ExitCode::from(1)
        }
    }
}
