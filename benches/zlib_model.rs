//! zlib's level-9 parse followed in Rust (`measure::zlib_model`) against zlib itself, on real
//! files: every size must be equal, and the times of both are printed.
//!
//! ```sh
//! cargo bench --bench zlib_model -- DIR...   # default: benches/work/apps
//! ```
//!
//! For every file under the folders whose format webaudit gzips (`Format::compressible`: scripts,
//! styles, markup, JSON, SVG, WebAssembly, fonts other than WOFF/WOFF2, source maps…), in one
//! run and one thread: zlib's gzip size and time (`measure::compress::gzip_size`, the definition webaudit
//! reports) and the model's. Exit 1 if any size differs. Printed: the totals, the ratio of the
//! times, and the ten files where the model gains least.

mod support;

use std::process::ExitCode;
use std::time::Instant;

use webaudit::kind::Format;
use webaudit::measure::compress::gzip_size;
use webaudit::measure::zlib_model;

fn main() -> ExitCode {
    let dirs = support::folders_from_args("benches/work/apps");
    // What webaudit gzips: the formats it calls compressible, by extension.
    let files = support::files_under(&dirs, &|path, _| {
        path.extension()
            .and_then(|e| e.to_str())
            .and_then(Format::from_extension)
            .is_some_and(Format::compressible)
    });
    let (mut zlib_seconds, mut model_seconds, mut bytes) = (0.0, 0.0, 0u64);
    let (mut checked, mut mismatches, mut not_derived) = (0usize, 0usize, 0usize);
    let mut per_file = Vec::new();
    for path in &files {
        let Ok(data) = std::fs::read(path) else {
            continue;
        };
        let start = Instant::now();
        let expected = gzip_size(&data[..]).expect("in memory");
        let zlib_time = start.elapsed().as_secs_f64();
        let start = Instant::now();
        let derived = zlib_model::gzip_size(&data);
        let model_time = start.elapsed().as_secs_f64();
        checked += 1;
        bytes += data.len() as u64;
        zlib_seconds += zlib_time;
        model_seconds += model_time;
        match derived {
            Ok(size) if size == expected => {}
            Ok(size) => {
                mismatches += 1;
                println!("MISMATCH {}: zlib {expected}, model {size}", path.display());
            }
            Err(reason) => {
                not_derived += 1;
                println!("not derived {}: {}", path.display(), reason.0);
            }
        }
        if data.len() >= 64 * 1024 {
            per_file.push((model_time / zlib_time, data.len(), path.clone()));
        }
    }
    per_file.sort_by(|a, b| b.0.total_cmp(&a.0));
    println!("files where the model gains least (of those of at least 64 KiB):");
    for (ratio, len, path) in per_file.iter().take(10) {
        println!("  {ratio:.2}  {:>10} B  {}", len, path.display());
    }
    println!(
        "{checked} files, {:.1} MB: zlib {zlib_seconds:.2} s, model {model_seconds:.2} s \
         (model/zlib {:.2}); {mismatches} sizes differ, {not_derived} not derived",
        bytes as f64 / 1e6,
        model_seconds / zlib_seconds
    );
    if mismatches > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
