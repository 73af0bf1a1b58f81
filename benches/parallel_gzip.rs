//! Exact gzip on several cores (issue 18, item 2): `measure::parallel_gzip` against zlib's own
//! sequential stream, on real files.
//!
//! ```sh
//! cargo bench --bench parallel_gzip -- DIR...   # default: benches/work/apps
//! ```
//!
//! For every file of at least 1 MiB under the folders (source maps excluded), in one run:
//! zlib's sequential gzip size and time (the definition webaudit reports), and the size
//! derived from 2 and 4 pieces compressed in parallel, with its time. Every derived size must
//! equal the sequential one (exit 1 otherwise); a file whose size cannot be derived is listed
//! with the reason (webaudit then compresses it sequentially). Printed: per file, and the
//! totals with the wall-time ratio derived/sequential.

mod support;

use std::process::ExitCode;
use std::time::Instant;

use webaudit::measure::compress::gzip_size;
use webaudit::measure::parallel_gzip;

fn main() -> ExitCode {
    let dirs = support::folders_from_args("benches/work/apps");
    let files = support::files_under(&dirs, &|path, len| {
        len >= 1 << 20 && !path.to_string_lossy().ends_with(".map")
    });
    let (mut sequential_total, mut two_total, mut four_total) = (0.0, 0.0, 0.0);
    let (mut mismatches, mut fallbacks, mut checked) = (0, 0, 0);
    println!("| file | MB | sequential s | 2 pieces s | 4 pieces s | result |");
    println!("|---|---|---|---|---|---|");
    for path in &files {
        let Ok(data) = std::fs::read(path) else {
            continue;
        };
        let start = Instant::now();
        let expected = gzip_size(&data[..]).expect("in memory");
        let sequential = start.elapsed().as_secs_f64();
        let mut cells = Vec::new();
        let mut result = String::from("equal");
        for (pieces, total) in [(2, &mut two_total), (4, &mut four_total)] {
            let start = Instant::now();
            let derived = parallel_gzip::gzip_size(&data, pieces);
            let seconds = start.elapsed().as_secs_f64();
            cells.push(format!("{seconds:.3}"));
            match derived {
                Ok(size) if size == expected => *total += seconds,
                Ok(size) => {
                    mismatches += 1;
                    result = format!("MISMATCH {size} vs {expected}");
                }
                Err(why) => {
                    fallbacks += 1;
                    *total += seconds + sequential;
                    result = format!("not derived ({pieces} pieces): {}", why.0);
                }
            }
        }
        sequential_total += sequential;
        checked += 1;
        println!(
            "| {} | {:.1} | {sequential:.3} | {} | {} | {result} |",
            path.display(),
            data.len() as f64 / 1e6,
            cells[0],
            cells[1]
        );
    }
    println!(
        "\n{checked} files; sequential {sequential_total:.2} s; 2 pieces {two_total:.2} s ({:.2}x); 4 pieces {four_total:.2} s ({:.2}x); {mismatches} mismatches; {fallbacks} not derived (counted at derived + sequential time)",
        two_total / sequential_total,
        four_total / sequential_total
    );
    if mismatches > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
