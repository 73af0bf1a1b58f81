//! How far a cheap oxipng pass is from the exact one `images/optimizable` needs (issue 18,
//! item 3), on real PNGs.
//!
//! ```sh
//! RAYON_NUM_THREADS=1 cargo bench --bench png_estimate -- DIR... > pngs.tsv
//! ```
//!
//! For every PNG under the folders, one line: its path, its size, then for each method the
//! optimised size and the CPU seconds it took (one thread): `exact` is oxipng preset 2
//! (`imaging::optimize_png`, what `--exact-images` reports), `quick` is the default's first
//! pass (`imaging::optimize_png_quick`: preset 2's reductions with the none and bigrams
//! filters, a libdeflate level-7 last pass). `--variants` adds other quick passes: `q5` (preset
//! 2's four filters, level 5 throughout), `q5f2` (two filters, level 5) and `q7f4` (four
//! filters, a level-7 last pass).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use webaudit::analyze::image::PNG_PRESET;
use webaudit::imaging::{KEPT_PNG_CHUNKS, optimize_png, optimize_png_quick};

/// Other quick passes, to compare with [`optimize_png_quick`] (`--variants`): preset 2's
/// reductions and filters (only none and bigrams when `two_filters`), the last pass at
/// libdeflate `level` (evaluations at level 5; at level 5 the evaluated stream is kept).
fn variant(bytes: &[u8], level: u8, two_filters: bool) -> Option<usize> {
    let mut options = oxipng::Options::from_preset(PNG_PRESET);
    options.strip = oxipng::StripChunks::Keep(KEPT_PNG_CHUNKS.iter().copied().collect());
    options.deflater = oxipng::Deflater::Libdeflater { compression: level };
    if two_filters {
        options.filters = [
            oxipng::FilterStrategy::NONE,
            oxipng::FilterStrategy::Bigrams,
        ]
        .into_iter()
        .collect();
    }
    let out = oxipng::optimize_from_memory(bytes, &options).ok()?;
    Some(out.len().min(bytes.len()))
}

fn main() -> ExitCode {
    let dirs: Vec<PathBuf> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .map(PathBuf::from)
        .collect();
    // The folders as an audit scans them (links not followed, one entry per file).
    let mut files: Vec<PathBuf> = Vec::new();
    for dir in &dirs {
        let Ok(scan) = webaudit::scan::scan(dir, &[]) else {
            eprintln!("{}: cannot be scanned", dir.display());
            return ExitCode::from(2);
        };
        files.extend(
            scan.files
                .into_iter()
                .filter(|f| {
                    f.extension
                        .as_deref()
                        .is_some_and(|e| e.eq_ignore_ascii_case("png"))
                })
                .map(|f| f.path),
        );
    }
    files.sort();
    let variants = std::env::args().any(|a| a == "--variants");
    print!("path\tbytes\texact\texact_s\tquick\tquick_s");
    if variants {
        print!("\tq5\tq5_s\tq5f2\tq5f2_s\tq7f4\tq7f4_s");
    }
    println!();
    for path in files {
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        let start = Instant::now();
        let Ok(exact) = optimize_png(&bytes, PNG_PRESET) else {
            continue;
        };
        let exact_s = start.elapsed().as_secs_f64();
        let start = Instant::now();
        let Ok(quick) = optimize_png_quick(&bytes, PNG_PRESET) else {
            continue;
        };
        let quick_s = start.elapsed().as_secs_f64();
        print!(
            "{}\t{}\t{}\t{exact_s:.4}\t{}\t{quick_s:.4}",
            path.display(),
            bytes.len(),
            exact.len(),
            quick.len()
        );
        if variants {
            for (level, two) in [(5, false), (5, true), (7, false)] {
                let start = Instant::now();
                let size = variant(&bytes, level, two).unwrap_or(bytes.len());
                print!("\t{size}\t{:.4}", start.elapsed().as_secs_f64());
            }
        }
        println!();
    }
    ExitCode::SUCCESS
}
