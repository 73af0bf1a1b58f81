//! JS analysis benchmark (issue: tree shaking): how fast webaudit extracts the imports of real
//! minified bundles and attributes their bytes to sources through their source maps, and what
//! that analysis adds to a whole audit compared with gzip sizing alone.
//!
//! ```sh
//! cargo bench --bench js_analysis                     # corpus: benches/work/js-maps (built if missing)
//! cargo bench --bench js_analysis -- CORPUS_DIR       # any folder of .js/.mjs files (+ maps)
//! cargo bench --bench js_analysis -- --strict         # exit 1 when a speed target is missed
//! ```
//!
//! Single-thread throughput in MB/s of JavaScript, best of 5: (a) `js::analyze` (the module
//! lexer, with its swc fallback), (b) `sourcemap::attribute` for scripts with maps, (c) both =
//! "JS analysis" (target ≥ 30 MB/s per core), and for context (d) `js::parse` (the full swc
//! parse the lexer replaces) and (e) `compress::gzip_size` at level 9 on the same bytes.
//!
//! All cores, best of 3, run alternately: (f) gzip sizing of every file the audit compresses
//! (read from disk, largest first, one worker per core; source maps are not compressed by the
//! audit, so they are not here), (g) the whole audit, `audit::run` without cache or
//! configuration. Target: (g)/(f) ≤ 1.5.
//!
//! Also checks that the lexer and swc find the same imports in every script swc parses, and
//! that (f)'s gzip sizes equal the audit's. Exit status: 0 measured (targets may show MISS), 1 a
//! correctness check failed, the audit failed, or (with `--strict`) a target was missed; 2 bad
//! usage or no corpus.
//!
//! Uses only std and the webaudit library.

use std::collections::{BTreeMap, HashMap};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use webaudit::analyze::url::{self, Resolved};
use webaudit::analyze::{Facts, js, js_scan, sourcemap};
use webaudit::audit::{self, AuditOptions};
use webaudit::kind::{AssetKind, Format, classify};
use webaudit::measure::compress;

const SINGLE_RUNS: usize = 5;
const ALL_CORES_RUNS: usize = 3;
const TARGET_ANALYSIS_MB_S: f64 = 30.0;
const TARGET_AUDIT_OVER_GZIP: f64 = 1.5;
/// As the audit's workers: parsing recurses.
const STACK: usize = 64 * 1024 * 1024;
/// Extensions `js::analyze` always hands to swc (see `js.rs`); the lexer never sees them.
const PARSED_EXTENSIONS: [&str; 5] = ["ts", "tsx", "jsx", "mts", "cts"];

fn main() -> ExitCode {
    // Run on a thread with the audit workers' stack: swc's parse recurses.
    match std::thread::Builder::new()
        .stack_size(STACK)
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

// ---------------------------------------------------------------------------------------------
// Corpus

struct CorpusFile {
    rel: String,
    path: PathBuf,
    size: u64,
}

struct Script {
    rel: String,
    extension: String,
    bytes: Vec<u8>,
    map: Option<MapFile>,
}

struct MapFile {
    /// Relative to the corpus; `X.map` for an inline map, as the audit names it.
    rel: String,
    bytes: Vec<u8>,
}

impl Script {
    /// The first folder of its path: the package in the default corpus.
    fn group(&self) -> &str {
        self.rel
            .split_once('/')
            .map_or("(top level)", |(first, _)| first)
    }
}

fn walk(root: &Path) -> std::io::Result<Vec<CorpusFile>> {
    let mut files = Vec::new();
    let mut pending = vec![(root.to_path_buf(), String::new())];
    while let Some((folder, prefix)) = pending.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&folder)?.collect::<Result<_, _>>()?;
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let name = entry.file_name().to_string_lossy().into_owned();
            let rel = if prefix.is_empty() {
                name
            } else {
                format!("{prefix}/{name}")
            };
            let metadata = std::fs::symlink_metadata(entry.path())?;
            if metadata.is_dir() {
                if rel != ".git" && !rel.ends_with("/node_modules") && rel != "node_modules" {
                    pending.push((entry.path(), rel));
                }
            } else if metadata.is_file() {
                files.push(CorpusFile {
                    rel,
                    path: entry.path(),
                    size: metadata.len(),
                });
            }
        }
    }
    files.sort_by(|a, b| a.rel.cmp(&b.rel));
    Ok(files)
}

fn extension_of(rel: &str) -> Option<String> {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    name.rsplit_once('.')
        .map(|(_, extension)| extension.to_ascii_lowercase())
}

/// The map of a script, found as the audit finds it: the `sourceMappingURL` comment (inline
/// `data:` maps included), else a sibling `X.map`.
fn find_map(
    rel: &str,
    js: &[u8],
    by_rel: &HashMap<&str, &CorpusFile>,
) -> std::io::Result<Option<MapFile>> {
    let own = format!("{rel}.map");
    let target = match sourcemap::source_mapping_url(js) {
        Some(reference) if reference.starts_with("data:") => {
            return Ok(
                sourcemap::decode_data_url(&reference).map(|bytes| MapFile { rel: own, bytes })
            );
        }
        Some(reference) => match url::resolve(rel, &reference) {
            Resolved::Local(path) => path,
            _ => return Ok(None),
        },
        None => own,
    };
    match by_rel.get(target.as_str()) {
        Some(file) => Ok(Some(MapFile {
            rel: target,
            bytes: std::fs::read(&file.path)?,
        })),
        None => Ok(None),
    }
}

fn load_scripts(files: &[CorpusFile]) -> std::io::Result<Vec<Script>> {
    let by_rel: HashMap<&str, &CorpusFile> = files.iter().map(|f| (f.rel.as_str(), f)).collect();
    let mut scripts = Vec::new();
    for file in files {
        let Some(extension) = extension_of(&file.rel) else {
            continue;
        };
        if extension != "js" && extension != "mjs" {
            continue;
        }
        let bytes = std::fs::read(&file.path)?;
        let map = find_map(&file.rel, &bytes, &by_rel)?;
        scripts.push(Script {
            rel: file.rel.clone(),
            extension,
            bytes,
            map,
        });
    }
    Ok(scripts)
}

/// Builds the default corpus with its script when it is missing.
fn ensure_default_corpus(corpus: &Path) -> Result<(), String> {
    if corpus.join("MANIFEST.tsv").is_file() {
        return Ok(());
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/corpus/js-maps.sh");
    println!(
        "building the corpus: {} {}",
        script.display(),
        corpus.display()
    );
    let status = Command::new("bash")
        .arg(&script)
        .arg(corpus)
        .status()
        .map_err(|e| format!("cannot run bash {}: {e}", script.display()))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{} failed ({status})", script.display()))
    }
}

// ---------------------------------------------------------------------------------------------
// Machine state

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|_| "?".to_string())
}

/// CPU time (user + system) of this process so far, in seconds; Linux only (USER_HZ is 100 in
/// /proc's ABI).
fn process_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after_name = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

// ---------------------------------------------------------------------------------------------
// Timing

/// Best total over the runs, and for each script its best time over the runs.
struct SingleTiming {
    best: f64,
    all: Vec<f64>,
    per_script: Vec<f64>,
}

/// Times `work` over every script, `runs` times, on this thread. `work` returns whether it did
/// anything for that script (a script without a map has nothing to attribute).
fn time_scripts(scripts: &[Script], runs: usize, work: impl Fn(&Script) -> bool) -> SingleTiming {
    let mut per_script = vec![f64::INFINITY; scripts.len()];
    let mut all = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        for (i, script) in scripts.iter().enumerate() {
            let t = Instant::now();
            if work(script) {
                per_script[i] = per_script[i].min(t.elapsed().as_secs_f64());
            } else {
                per_script[i] = 0.0;
            }
        }
        all.push(start.elapsed().as_secs_f64());
    }
    SingleTiming {
        best: all.iter().copied().fold(f64::INFINITY, f64::min),
        all,
        per_script,
    }
}

struct WallTiming {
    wall: f64,
    cpu: Option<f64>,
}

fn timed<T>(work: impl FnOnce() -> T) -> (T, WallTiming) {
    let cpu_before = process_cpu_seconds();
    let start = Instant::now();
    let result = work();
    let wall = start.elapsed().as_secs_f64();
    let cpu = match (cpu_before, process_cpu_seconds()) {
        (Some(before), Some(after)) => Some(after - before),
        _ => None,
    };
    (result, WallTiming { wall, cpu })
}

fn best(timings: &[WallTiming]) -> &WallTiming {
    timings
        .iter()
        .min_by(|a, b| a.wall.total_cmp(&b.wall))
        .expect("at least one run")
}

/// (f): gzip sizes of `files` (read from disk), largest first, `threads` workers.
fn gzip_sizing(files: &[&CorpusFile], threads: usize) -> Result<HashMap<String, u64>, String> {
    let next = AtomicUsize::new(0);
    let sizes = Mutex::new(HashMap::with_capacity(files.len()));
    let failure = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..threads.min(files.len()).max(1) {
            scope.spawn(|| {
                while let Some(file) = files.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let result =
                        std::fs::read(&file.path).and_then(|bytes| compress::gzip_size(&bytes[..]));
                    match result {
                        Ok(size) => {
                            sizes.lock().unwrap().insert(file.rel.clone(), size);
                        }
                        Err(e) => {
                            *failure.lock().unwrap() = Some(format!("{}: {e}", file.rel));
                        }
                    }
                }
            });
        }
    });
    match failure.into_inner().unwrap() {
        Some(problem) => Err(problem),
        None => Ok(sizes.into_inner().unwrap()),
    }
}

// ---------------------------------------------------------------------------------------------
// Output helpers

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}

fn mark(ok: bool) -> &'static str {
    if ok { "PASS" } else { "MISS" }
}

fn spread(all: &[f64]) -> String {
    all.iter()
        .map(|s| format!("{s:.3}"))
        .collect::<Vec<_>>()
        .join(" ")
}

// ---------------------------------------------------------------------------------------------

fn run() -> ExitCode {
    let mut strict = false;
    let mut corpus_arg = None;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--strict" => strict = true,
            // cargo bench passes --bench to harness-less targets; other flags are cargo's too.
            a if a.starts_with('-') => {}
            a => {
                if corpus_arg.replace(PathBuf::from(a)).is_some() {
                    eprintln!("usage: cargo bench --bench js_analysis -- [--strict] [CORPUS_DIR]");
                    return ExitCode::from(2);
                }
            }
        }
    }
    let corpus = match corpus_arg {
        Some(corpus) => corpus,
        None => {
            let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/work/js-maps");
            if let Err(problem) = ensure_default_corpus(&corpus) {
                eprintln!("error: {problem}");
                return ExitCode::from(2);
            }
            corpus
        }
    };
    if !corpus.is_dir() {
        eprintln!("error: {} is not a folder", corpus.display());
        return ExitCode::from(2);
    }

    let nproc = std::thread::available_parallelism().map_or(1, |n| n.get());
    let load_at_start = load_average();

    let files = match walk(&corpus) {
        Ok(files) => files,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", corpus.display());
            return ExitCode::from(2);
        }
    };
    let scripts = match load_scripts(&files) {
        Ok(scripts) => scripts,
        Err(e) => {
            eprintln!("error: cannot read the corpus: {e}");
            return ExitCode::from(2);
        }
    };
    if scripts.is_empty() {
        eprintln!("error: no .js/.mjs file in {}", corpus.display());
        return ExitCode::from(2);
    }
    let js_bytes: u64 = scripts.iter().map(|s| s.bytes.len() as u64).sum();
    let mapped: Vec<&Script> = scripts.iter().filter(|s| s.map.is_some()).collect();
    let mapped_js_bytes: u64 = mapped.iter().map(|s| s.bytes.len() as u64).sum();
    let map_bytes: u64 = mapped
        .iter()
        .map(|s| s.map.as_ref().map_or(0, |m| m.bytes.len() as u64))
        .sum();
    let all_bytes: u64 = files.iter().map(|f| f.size).sum();

    // What the audit compresses: compressible formats except source maps (src/measure/mod.rs).
    let mut compressed_by_audit: Vec<&CorpusFile> = Vec::new();
    for file in &files {
        let head = match std::fs::File::open(&file.path) {
            Ok(handle) => {
                use std::io::Read;
                let mut head = Vec::with_capacity(512);
                let _ = handle.take(512).read_to_end(&mut head);
                head
            }
            Err(_) => Vec::new(),
        };
        let format = classify(extension_of(&file.rel).as_deref(), &head).format;
        if format.compressible() && format != Format::SourceMap {
            compressed_by_audit.push(file);
        }
    }
    compressed_by_audit.sort_by(|a, b| b.size.cmp(&a.size).then(a.rel.cmp(&b.rel)));
    let gzip_input_bytes: u64 = compressed_by_audit.iter().map(|f| f.size).sum();

    println!("webaudit JS analysis benchmark");
    println!("corpus: {}", corpus.display());
    println!(
        "  {} files, {:.2} MB: {} scripts ({:.2} MB of JavaScript), {} with a source map ({:.2} MB of JS, {:.2} MB of maps)",
        files.len(),
        mb(all_bytes),
        scripts.len(),
        mb(js_bytes),
        mapped.len(),
        mb(mapped_js_bytes),
        mb(map_bytes)
    );
    println!(
        "machine: nproc {nproc}, load average at start {load_at_start}, zlib {}",
        compress::zlib_version()
    );
    if load_at_start
        .split_whitespace()
        .next()
        .and_then(|l| l.parse::<f64>().ok())
        .is_some_and(|l| l >= 0.5 * nproc as f64)
    {
        println!(
            "  note: the 1-minute load is high (a build just finished, or other work is running); all-core numbers suffer most"
        );
    }
    println!();

    // ---- correctness first (also warms caches and the page cache) ----
    let mut fallbacks = Vec::new();
    let mut parse_problems = Vec::new();
    let mut disagreements = Vec::new();
    let mut compared = 0usize;
    let mut imports_found = 0usize;
    for script in &scripts {
        if !PARSED_EXTENSIONS.contains(&script.extension.as_str()) {
            match std::str::from_utf8(&script.bytes) {
                Err(_) => fallbacks.push((script.rel.clone(), "not valid UTF-8".to_string())),
                Ok(_) => {
                    if let Err(why) = js_scan::scan(&script.bytes) {
                        fallbacks.push((script.rel.clone(), why.0.to_string()));
                    }
                }
            }
        }
        let analyzed = js::analyze(&script.extension, &script.bytes);
        let parsed = js::parse(&script.extension, &script.bytes);
        imports_found += analyzed.imports.len();
        match &parsed.problem {
            Some(problem) => parse_problems.push((script.rel.clone(), problem.clone())),
            None => {
                compared += 1;
                if analyzed.imports != parsed.imports || analyzed.problem.is_some() {
                    disagreements.push((script.rel.clone(), analyzed, parsed));
                }
            }
        }
    }
    let mut attribution_errors = Vec::new();
    let mut attribution_warnings = Vec::new();
    let mut unmapped_bytes = 0u64;
    for script in &mapped {
        let map = script.map.as_ref().expect("mapped");
        match sourcemap::attribute(
            &script.bytes,
            &map.bytes,
            &map.rel,
            sourcemap::GeneratedLanguage::Script,
        ) {
            Ok(attribution) => {
                unmapped_bytes += attribution.unmapped;
                if !attribution.warnings.is_empty() {
                    attribution_warnings.push((script.rel.clone(), attribution.warnings));
                }
            }
            Err(e) => attribution_errors.push((script.rel.clone(), e.to_string())),
        }
    }

    // ---- single thread ----
    let analyze = time_scripts(&scripts, SINGLE_RUNS, |s| {
        black_box(js::analyze(&s.extension, black_box(&s.bytes)));
        true
    });
    let attribute = time_scripts(&scripts, SINGLE_RUNS, |s| match &s.map {
        Some(map) => {
            let _ = black_box(sourcemap::attribute(
                black_box(&s.bytes),
                black_box(&map.bytes),
                &map.rel,
                sourcemap::GeneratedLanguage::Script,
            ));
            true
        }
        None => false,
    });
    let both = time_scripts(&scripts, SINGLE_RUNS, |s| {
        black_box(js::analyze(&s.extension, black_box(&s.bytes)));
        if let Some(map) = &s.map {
            let _ = black_box(sourcemap::attribute(
                &s.bytes,
                &map.bytes,
                &map.rel,
                sourcemap::GeneratedLanguage::Script,
            ));
        }
        true
    });
    let parse = time_scripts(&scripts, SINGLE_RUNS, |s| {
        black_box(js::parse(&s.extension, black_box(&s.bytes)));
        true
    });
    let gzip = time_scripts(&scripts, SINGLE_RUNS, |s| {
        let _ = black_box(compress::gzip_size(black_box(&s.bytes[..])));
        true
    });

    // ---- all cores: gzip sizing alone vs the whole audit, alternately ----
    let mut options = AuditOptions::new(&corpus);
    options.overrides.no_discovery = true;
    let mut sizing_runs = Vec::new();
    let mut audit_runs = Vec::new();
    let mut sizing_sizes = HashMap::new();
    let mut report = None;
    for _ in 0..ALL_CORES_RUNS {
        let (sizes, timing) = timed(|| gzip_sizing(&compressed_by_audit, nproc));
        match sizes {
            Ok(sizes) => sizing_sizes = sizes,
            Err(problem) => {
                eprintln!("error: gzip sizing failed: {problem}");
                return ExitCode::from(1);
            }
        }
        sizing_runs.push(timing);
        let (result, timing) = timed(|| audit::run(&options));
        match result {
            Ok(r) => report = Some(r),
            Err(e) => {
                eprintln!("error: the audit failed: {e}");
                return ExitCode::from(1);
            }
        }
        audit_runs.push(timing);
    }
    let report = report.expect("at least one audit");
    let load_at_end = load_average();

    // The audit's view of the corpus.
    let audit_scripts = report
        .assets
        .iter()
        .filter(|a| a.kind == AssetKind::Script)
        .count();
    let audit_maps = report
        .assets
        .iter()
        .filter(|a| a.kind == AssetKind::SourceMap)
        .count();
    let mut audit_attributed = 0usize;
    let mut audit_map_errors = Vec::new();
    let mut audit_js_problems = Vec::new();
    for asset in &report.assets {
        if let Facts::Script(facts) = &asset.facts {
            if let Some(problem) = &facts.js.problem {
                audit_js_problems.push((asset.path.clone(), problem.message.clone()));
            }
            match facts.map.as_ref().map(|m| &m.attribution) {
                Some(Ok(_)) => audit_attributed += 1,
                Some(Err(e)) => audit_map_errors.push((asset.path.clone(), e.clone())),
                None => {}
            }
        }
    }
    let gzip_mismatches: Vec<(String, Option<u64>, u64)> = compressed_by_audit
        .iter()
        .filter_map(|file| {
            let ours = sizing_sizes.get(&file.rel).copied().unwrap_or(0);
            let audit = report
                .assets
                .iter()
                .find(|a| a.path == file.rel)
                .and_then(|a| a.gzip);
            (audit != Some(ours)).then(|| (file.rel.clone(), audit, ours))
        })
        .collect();

    // ---- report ----
    let rate = |bytes: u64, seconds: f64| mb(bytes) / seconds;
    let analysis_rate = rate(js_bytes, both.best);
    let analysis_ok = analysis_rate >= TARGET_ANALYSIS_MB_S;
    let f = best(&sizing_runs);
    let g = best(&audit_runs);
    let ratio = g.wall / f.wall;
    let ratio_ok = ratio <= TARGET_AUDIT_OVER_GZIP;
    // The parse guard must never hold a real script back for its depth (its bounds sit far
    // above real code); the size bound is a documented limit, not a wrong verdict.
    let guard_refusals: Vec<&(String, js::ParseProblem)> = parse_problems
        .iter()
        .filter(|(_, problem)| {
            ["chains more than", "nested labels", "nest more than"]
                .iter()
                .any(|cause| problem.message.contains(cause))
        })
        .collect();
    let correct =
        disagreements.is_empty() && gzip_mismatches.is_empty() && guard_refusals.is_empty();

    println!("single thread, best of {SINGLE_RUNS} (MB/s of JavaScript; MB = 10^6 bytes)");
    println!(
        "  {:<52} {:>9} {:>10}  {:<12} runs (s)",
        "measurement", "best", "MB/s", "target"
    );
    let row = |label: &str, timing: &SingleTiming, bytes: u64, target: &str| {
        println!(
            "  {:<52} {:>7.3} s {:>10.1}  {:<12} {}",
            label,
            timing.best,
            rate(bytes, timing.best),
            target,
            spread(&timing.all)
        );
    };
    row(
        "(a) js::analyze (module lexer, swc fallback)",
        &analyze,
        js_bytes,
        "",
    );
    if mapped.is_empty() {
        println!("  (b) sourcemap::attribute: no script has a source map");
    } else {
        row(
            &format!(
                "(b) sourcemap::attribute ({} scripts with maps)",
                mapped.len()
            ),
            &attribute,
            mapped_js_bytes,
            "",
        );
    }
    row(
        "(c) JS analysis = (a) + (b)",
        &both,
        js_bytes,
        &format!("≥ {TARGET_ANALYSIS_MB_S:.0}  {}", mark(analysis_ok)),
    );
    row(
        "(d) js::parse (full swc parse; context)",
        &parse,
        js_bytes,
        "",
    );
    row(
        "(e) compress::gzip_size, zlib level 9 (context)",
        &gzip,
        js_bytes,
        "",
    );
    if !mapped.is_empty() {
        println!(
            "  (b) reads {:.2} MB of maps: {:.1} MB/s of map JSON",
            mb(map_bytes),
            rate(map_bytes, attribute.best)
        );
    }
    println!(
        "  ratios (same run): lexer (a) is {:.1}x the swc parse (d); JS analysis (c) is {:.1}x gzip level 9 (e)",
        parse.best / analyze.best,
        gzip.best / both.best
    );
    println!();

    println!("per package (first folder), single thread, best time of each script summed");
    println!(
        "  {:<20} {:>7} {:>8} {:>8} {:>11} {:>11} {:>11}",
        "package", "scripts", "JS MB", "map MB", "(a) MB/s", "(b) MB/s", "(d) MB/s"
    );
    let mut groups: BTreeMap<&str, (usize, u64, u64, f64, f64, f64)> = BTreeMap::new();
    for (i, script) in scripts.iter().enumerate() {
        let entry = groups.entry(script.group()).or_default();
        entry.0 += 1;
        entry.1 += script.bytes.len() as u64;
        entry.2 += script.map.as_ref().map_or(0, |m| m.bytes.len() as u64);
        entry.3 += analyze.per_script[i];
        entry.4 += attribute.per_script[i];
        entry.5 += parse.per_script[i];
    }
    let mut groups: Vec<_> = groups.into_iter().collect();
    groups.sort_by_key(|(_, totals)| std::cmp::Reverse(totals.1));
    for (group, (count, js, maps, a, b, d)) in groups {
        let per = |seconds: f64| {
            if seconds > 0.0 {
                format!("{:.1}", rate(js, seconds))
            } else {
                "-".to_string()
            }
        };
        println!(
            "  {:<20} {:>7} {:>8.2} {:>8.2} {:>11} {:>11} {:>11}",
            group,
            count,
            mb(js),
            mb(maps),
            per(a),
            per(b),
            per(d)
        );
    }
    println!();

    let cpu = |t: &WallTiming| t.cpu.map_or("?".to_string(), |c| format!("{c:.2} s"));
    println!("all cores ({nproc} threads), wall clock, best of {ALL_CORES_RUNS}, run alternately");
    println!(
        "  (f) gzip sizing alone: {} files the audit compresses ({:.2} MB; maps are not compressed), largest first",
        compressed_by_audit.len(),
        mb(gzip_input_bytes)
    );
    println!(
        "      {:.3} s (cpu {}), {:.1} MB/s; runs {}",
        f.wall,
        cpu(f),
        rate(gzip_input_bytes, f.wall),
        spread(&sizing_runs.iter().map(|t| t.wall).collect::<Vec<_>>())
    );
    println!(
        "  (g) whole audit: audit::run, no cache, no configuration, {} files ({:.2} MB)",
        files.len(),
        mb(all_bytes)
    );
    println!(
        "      {:.3} s (cpu {}); runs {}",
        g.wall,
        cpu(g),
        spread(&audit_runs.iter().map(|t| t.wall).collect::<Vec<_>>())
    );
    println!(
        "  (g)/(f) = {ratio:.2}   target ≤ {TARGET_AUDIT_OVER_GZIP}   {}",
        mark(ratio_ok)
    );
    println!();

    println!("checks");
    println!(
        "  imports, lexer vs swc: {} scripts, {compared} parsed by swc without a problem, {} imports found; disagreements: {}   {}",
        scripts.len(),
        imports_found,
        disagreements.len(),
        if disagreements.is_empty() {
            "PASS"
        } else {
            "FAIL"
        }
    );
    println!(
        "  lexer fallbacks to swc: {}; swc parse problems: {}; held back by the parse guard: {}   {}",
        fallbacks.len(),
        parse_problems.len(),
        guard_refusals.len(),
        if guard_refusals.is_empty() {
            "PASS"
        } else {
            "FAIL"
        }
    );
    for (rel, why) in &fallbacks {
        println!("    fallback: {rel}: {why}");
    }
    for (rel, problem) in &parse_problems {
        println!(
            "    swc problem: {rel}:{}:{}: {}",
            problem.line, problem.column, problem.message
        );
    }
    for (rel, analyzed, parsed) in disagreements.iter().take(5) {
        println!(
            "    disagreement: {rel}: lexer {} imports {:?}, swc {} imports",
            analyzed.imports.len(),
            analyzed.problem,
            parsed.imports.len()
        );
        let first = analyzed
            .imports
            .iter()
            .zip(&parsed.imports)
            .find(|(a, p)| a != p);
        if let Some((a, p)) = first {
            println!("      first difference: lexer {a:?}\n                        swc   {p:?}");
        }
    }
    println!(
        "  attribution: {} maps attributed ({:.1}% of their bytes unmapped), {} with warnings, {} unusable",
        mapped.len() - attribution_errors.len(),
        100.0 * unmapped_bytes as f64 / mapped_js_bytes.max(1) as f64,
        attribution_warnings.len(),
        attribution_errors.len()
    );
    for (rel, warnings) in &attribution_warnings {
        println!("    warning: {rel}: {}", warnings.join("; "));
    }
    for (rel, why) in &attribution_errors {
        println!("    unusable map: {rel}: {why}");
    }
    println!(
        "  audit: {} scripts ({} attributed through their map, {} map problems, {} js problems), {} source maps, {} findings, {} skipped",
        audit_scripts,
        audit_attributed,
        audit_map_errors.len(),
        audit_js_problems.len(),
        audit_maps,
        report.findings.len(),
        report.skipped.len()
    );
    for (path, why) in audit_map_errors.iter().chain(&audit_js_problems) {
        println!("    {path}: {why}");
    }
    let mut by_rule: BTreeMap<&str, usize> = BTreeMap::new();
    for finding in &report.findings {
        *by_rule.entry(finding.rule).or_default() += 1;
    }
    if !by_rule.is_empty() {
        let rules: Vec<String> = by_rule.iter().map(|(r, n)| format!("{r} x{n}")).collect();
        println!("    findings: {}", rules.join(", "));
    }
    println!(
        "  gzip sizes, (f) vs the audit: {} files, mismatches: {}   {}",
        compressed_by_audit.len(),
        gzip_mismatches.len(),
        if gzip_mismatches.is_empty() {
            "PASS"
        } else {
            "FAIL"
        }
    );
    for (rel, audit, ours) in gzip_mismatches.iter().take(5) {
        println!("    {rel}: audit {audit:?}, zlib level 9 {ours}");
    }
    println!();
    println!("load average at end {load_at_end}");

    println!();
    println!("summary");
    println!(
        "  JS analysis (parse + extract + attribution), 1 core: {analysis_rate:.1} MB/s   target ≥ {TARGET_ANALYSIS_MB_S:.0} MB/s per core   {}",
        mark(analysis_ok)
    );
    println!(
        "  whole audit / gzip sizing, {nproc} cores: {ratio:.2}   target ≤ {TARGET_AUDIT_OVER_GZIP}   {}",
        mark(ratio_ok)
    );
    println!(
        "  lexer vs swc imports: {} disagreements   {}",
        disagreements.len(),
        if disagreements.is_empty() {
            "PASS"
        } else {
            "FAIL"
        }
    );

    let missed = strict && !(analysis_ok && ratio_ok);
    if !correct || missed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
