//! Measures every scanned file once, in parallel: raw size, content hash, format, and the gzip
//! and brotli sizes of compressible formats (through the size cache).
//!
//! Each file is opened once. Files up to [`IN_MEMORY_LIMIT`] are read whole and measured from
//! memory; larger ones are streamed (hashed on the first read, re-read only if a compressed
//! size is missing from the cache), so memory stays bounded whatever the folder holds. A file
//! the cache recognises by its metadata as read by an earlier run ([`known`]) is not opened at
//! all: its sizes and facts come from the cache.

pub mod cache;
pub mod compress;
pub mod known;
pub mod parallel_gzip;
pub mod progress;
pub mod zlib_model;

use foldhash::{HashMap, HashMapExt};
use std::fs::File;
use std::io::{self, Read};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::Serialize;

use crate::kind::{AssetKind, Format, classify};
pub use crate::model::asset::Asset;
use crate::model::facts::{ClaimedMap, Facts};
use crate::scan::{ScannedFile, SkipCategory, Skipped};
use cache::{Algorithm, Cache, ContentHash, Key};
use known::{FileStamp, KnownFile};
use progress::{MeasureProgress, Stopwatch, Work};

/// Files larger than this are streamed rather than read whole.
pub const IN_MEMORY_LIMIT: u64 = 64 * 1024 * 1024;

/// Files at least this large have their compressions and their analysis run side by side on
/// threads of their own. A smaller file's work is short (1 MiB of zlib level 9 takes about
/// 50 ms) and the workers already keep every core busy.
pub const OVERLAP_MIN_BYTES: u64 = 1024 * 1024;

/// How much more a byte of PNG, JPEG or GIF costs to measure than a byte of text, for the
/// order files are measured in: images are decoded and re-encoded (WebP, oxipng's quick pass,
/// JPEG q85), text is gzipped and parsed. Measured on an idle machine: 0.73 µs of CPU per byte
/// over image-app's 49 MB of images (default estimates), 0.062 µs per byte over mlflow's 27
/// MB of scripts and styles (gzip, analysis, hashing); the five PNGs of mlflow cost 1.8 µs
/// per byte. Without the weight, a 100 KB screenshot was measured last, alone.
pub const REENCODED_IMAGE_COST_PER_BYTE: u64 = 12;

/// Largest file whose gzip and brotli sizes are measured; a larger one counts at its raw size
/// in totals and budgets, with a note. The largest real web assets are tens of MB (a 31.7 MB
/// `.wasm`); a 4 GiB file took 12 s of gzip to be told what it already says.
pub const MAX_COMPRESSED_BYTES: u64 = 1024 * 1024 * 1024;

#[derive(Clone, Copy, Default)]
pub struct MeasureOptions<'a> {
    /// Compute brotli sizes (slow: about 1 MB/s per core at quality 11).
    pub brotli: bool,
    /// Worker threads; 0 = one per core.
    pub threads: usize,
    /// Sizes measured by a baseline report (`--baseline`), reused for unchanged content when
    /// the cache does not have them.
    pub known_sizes: Option<&'a crate::baseline::KnownSizes>,
    /// Counters to update as files finish (progress display, `--timings`).
    pub progress: Option<&'a MeasureProgress>,
    /// Files held in memory from this size on have their gzip size computed on several threads
    /// (`parallel_gzip`); 0: never. [`measure`] sets it to the larger of
    /// [`parallel_gzip::MIN_PARALLEL_BYTES`] and each worker's share of the folder's bytes: a
    /// file bigger than that share would otherwise still be compressing on one core when the
    /// other workers have finished.
    pub split_gzip_from: u64,
    /// The moment files' change times are compared with to tell whether they settled (see
    /// [`known`]); `None`: now. Tests set it later to recognise files they just wrote.
    pub now: Option<std::time::SystemTime>,
}

/// Reads what a file's content says from the bytes measuring holds, so that every file is read
/// once. The analysis stage implements it; measuring does not know what it computes.
pub trait ContentReader: Sync {
    /// What a file held in memory says, or its facts from `cache` when the same content was
    /// read before.
    fn read(
        &self,
        cache: &Cache,
        file: &ScannedFile,
        format: Format,
        bytes: &[u8],
        content_hash: &ContentHash,
        original: OriginalSize,
    ) -> Analysis;

    /// What can be said of a file too large to hold in memory, from its first bytes.
    fn read_head(&self, format: Format, head: &[u8]) -> Facts;

    /// Whether [`Self::read`] reads only the header of an image, leaving its decoding and
    /// re-encodes to [`Self::read_image`] once the site model knows whether anything uses it
    /// ([`measure_deferred_images`]).
    fn defers_images(&self) -> bool {
        false
    }

    /// The facts of an image measuring deferred: from `cache` when it has them (`bytes` is
    /// then not needed), else computed from `bytes`; `None` when they are not cached and no
    /// bytes were given. `used`: whether anything in the folder uses the image (an unused one
    /// is decoded, not re-encoded).
    fn read_image(
        &self,
        _cache: &Cache,
        _content_hash: &ContentHash,
        _used: bool,
        _bytes: Option<&[u8]>,
    ) -> Option<Analysis> {
        None
    }

    /// The facts of a file measuring recognised by its metadata and did not read, from `cache`
    /// alone; `None` when the bytes are needed after all (the file is then read). `map` is the
    /// source map file the file's record points at (read by an earlier run), `None` when it
    /// points at none or at a path the folder does not hold; `in_memory` says whether the file
    /// is small enough to be read whole ([`IN_MEMORY_LIMIT`]).
    #[allow(clippy::too_many_arguments)]
    fn read_known(
        &self,
        cache: &Cache,
        file: &ScannedFile,
        format: Format,
        content_hash: &ContentHash,
        map: Option<&ClaimedMap>,
        in_memory: bool,
        original: OriginalSize,
    ) -> Option<Analysis>;
}

/// What measuring knows of the size of a file's original (`a.js` for `a.js.gz`), which a
/// precompressed file's facts depend on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OriginalSize {
    /// The original is among the scanned files: its size, `None` when its metadata could not
    /// be had or it is not a regular file.
    Scanned(Option<u64>),
    /// Not among the scanned files (ignored, a link, or absent): the reader looks for it.
    NotScanned,
}

/// What reading one file's content produced.
pub struct Analysis {
    pub facts: Facts,
    /// The source map this file's worker read, if any.
    pub claimed: Option<ClaimedMap>,
    /// Facts computed by this run, to add to the cache: (key, JSON).
    pub computed: Option<(Key, Vec<u8>)>,
    /// The file's source map, when the reader was asked to keep it.
    pub map_json: Option<Vec<u8>>,
    /// The path in the folder where the file's source map is looked for, present or not
    /// (`None` when that does not depend on the folder): kept in the file's record.
    pub map_target: Option<String>,
}

impl Analysis {
    /// Facts read from the bytes alone: no cache entry, no source map.
    pub fn of(facts: Facts) -> Analysis {
        Analysis {
            facts,
            claimed: None,
            computed: None,
            map_json: None,
            map_target: None,
        }
    }
}

/// What measuring produced: assets in scan order, files that could not be measured, and the
/// statistics of the cache.
#[derive(Debug, Default)]
pub struct Measured {
    pub assets: Vec<Asset>,
    pub skipped: Vec<Skipped>,
    pub statistics: Statistics,
    /// The source maps the reader kept, by the path of the file they map.
    pub maps: HashMap<String, Vec<u8>>,
}

/// How much compression this run did, and how much the cache spared it.
#[derive(Debug, Default, Clone, Copy, Serialize, PartialEq, Eq, schemars::JsonSchema)]
pub struct Statistics {
    /// Compressions run (one per file and algorithm).
    pub compressions: u64,
    /// Input bytes those compressions read.
    pub compressed_bytes: u64,
    /// Sizes taken from the cache instead.
    pub cache_hits: u64,
    /// Sizes taken from the baseline report (`--baseline`) for content it had measured.
    pub baseline_hits: u64,
    /// Files whose content was analysed by this run (facts not found in the cache).
    pub analyses: u64,
    /// Files recognised by their metadata as read by an earlier run, and measured from the
    /// cache without being read again.
    pub recognised: u64,
    /// How the image rules' sizes were measured.
    pub images: ImageSizing,
}

/// How `images/optimizable` and `images/modern-format` sizes were measured (the report's
/// `measurement.images`).
#[derive(Debug, Default, Clone, Copy, Serialize, PartialEq, Eq, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ImageSizing {
    /// Images over 512×512 pixels and 0.2 byte per pixel measured on a banded sample of their
    /// rows (the default); their findings say "estimated".
    #[default]
    Estimated,
    /// Every image encoded whole (`--exact-images`, `[images] exact = true`).
    Exact,
    /// No image re-encoded (`check-url`, or both size rules off).
    None,
}

struct Outcome {
    asset: Asset,
    computed: Vec<(Algorithm, u64)>,
    cache_hits: u64,
    baseline_hits: u64,
    claimed: Option<ClaimedMap>,
    /// Facts this run computed, for the cache.
    facts: Option<(Key, Vec<u8>)>,
    map_json: Option<Vec<u8>>,
    /// The record (`known`) to add for a file this run read: its key and value.
    record: Option<(Key, Vec<u8>)>,
    /// Measured from its record, without reading it.
    recognised: bool,
}

/// Each file's stamp (`known`), to recognise files read by an earlier run without reading them.
struct Stamps<'a> {
    files: &'a [ScannedFile],
    stamps: Vec<Option<FileStamp>>,
    /// Each stamped file's record key, and its record when the cache has one (looked up once:
    /// the read-ahead, the file's worker and the scripts it is the map of all ask).
    records: Vec<Option<(Key, Option<KnownFile>)>>,
    by_path: HashMap<&'a str, usize>,
    /// Each file's size when its metadata says it is a regular file.
    file_sizes: Vec<Option<u64>>,
}

impl<'a> Stamps<'a> {
    fn new(
        files: &'a [ScannedFile],
        stamps: Vec<Option<FileStamp>>,
        file_sizes: Vec<Option<u64>>,
        cache: &Cache,
        threads: usize,
    ) -> Self {
        // A key is a hash, and a record a lookup and a decoding: 12 ms for 11,646 files on
        // one core.
        let indices: Vec<usize> = (0..files.len()).collect();
        let records = map_in_parts(&indices, threads, |&i| {
            let key = stamps[i].as_ref()?.key(&files[i].relative_path);
            Some((key, cache.get(&key).and_then(KnownFile::decode)))
        });
        Stamps {
            files,
            stamps,
            records,
            by_path: files
                .iter()
                .enumerate()
                .map(|(i, f)| (f.relative_path.as_str(), i))
                .collect(),
            file_sizes,
        }
    }

    /// The size of the original of file `index` (the path without its last extension: `a.js`
    /// for `a.js.gz`) from the metadata taken for every file, so that the thousands of
    /// precompressed files of a large folder cost no `lstat` of their originals each.
    fn original_size(&self, index: usize) -> OriginalSize {
        let path = self.files[index].relative_path.as_str();
        let Some((original, extension)) = path.rsplit_once('.') else {
            return OriginalSize::NotScanned;
        };
        // `Path::with_extension("")` keeps a dot file's name (`.gz`) and a name in a folder
        // whose own name holds the dot (`a.b/c`): not an original of anything then.
        if extension.contains('/') || original.is_empty() || original.ends_with('/') {
            return OriginalSize::NotScanned;
        }
        match self.by_path.get(original) {
            Some(&at) => OriginalSize::Scanned(self.file_sizes[at]),
            None => OriginalSize::NotScanned,
        }
    }

    fn key(&self, index: usize) -> Option<Key> {
        Some(self.records.get(index)?.as_ref()?.0)
    }

    /// The record of file `index`, when one was made for exactly this version of it.
    fn record(&self, index: usize) -> Option<&KnownFile> {
        self.records.get(index)?.as_ref()?.1.as_ref()
    }

    /// A record to add for file `index`, whose `raw` bytes hashed to `known.content_hash` when
    /// this run read them. Not made when its size is not the stamp's (it changed meanwhile).
    fn new_record(&self, index: usize, raw: u64, known: &KnownFile) -> Option<(Key, Vec<u8>)> {
        let stamp = self.stamps.get(index)?.as_ref()?;
        if stamp.size() != raw {
            return None;
        }
        Some((self.key(index)?, known.encode()?))
    }
}

/// Runs `work` on every index of `order` with `threads` workers, each taking the next index as
/// it finishes: given largest-first order, the slowest file starts first and no worker idles at
/// the end while another compresses a big bundle.
pub(crate) fn run_pool<T: Send>(
    order: &[usize],
    threads: usize,
    work: impl Fn(usize) -> T + Sync,
) -> Vec<(usize, T)> {
    if order.is_empty() {
        return Vec::new();
    }
    let next = AtomicUsize::new(0);
    let results = Mutex::new(Vec::with_capacity(order.len()));
    std::thread::scope(|scope| {
        for _ in 0..threads.min(order.len()).max(1) {
            // Parsing and walking syntax trees recurses; give workers room beyond the default.
            let spawned = std::thread::Builder::new()
                .stack_size(WORKER_STACK)
                .spawn_scoped(scope, || {
                    loop {
                        let position = next.fetch_add(1, Ordering::Relaxed);
                        let Some(&index) = order.get(position) else {
                            break;
                        };
                        let result = work(index);
                        results
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .push((index, result));
                    }
                });
            if spawned.is_err() {
                break;
            }
        }
    });
    let mut results = results.into_inner().unwrap_or_else(|e| e.into_inner());
    // If no worker thread could be started, do the work here rather than lose it.
    if results.is_empty() && !order.is_empty() {
        results = order.iter().map(|&index| (index, work(index))).collect();
    }
    results
}

const WORKER_STACK: usize = 64 * 1024 * 1024;

/// The workers measuring uses for `--threads N` (0: one per core).
pub fn worker_count(threads: usize) -> usize {
    if threads == 0 {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    } else {
        threads
    }
}

/// Measures `files`, reading sizes from `cache` and adding the ones it computes to it.
///
/// Two phases: every file but source maps, then the maps that no script or stylesheet claimed
/// (read them for their hash only).
pub fn measure(
    files: &[ScannedFile],
    options: MeasureOptions,
    reader: Option<&dyn ContentReader>,
    cache: &mut Cache,
) -> Measured {
    let threads = worker_count(options.threads);
    // Taken before any file is read: a record made from this run's read names the version of
    // the file that was there before (see `known`).
    let now = options.now.unwrap_or_else(std::time::SystemTime::now);
    let metadata = metadata_of(files);
    let sizes: Vec<u64> = metadata
        .iter()
        .map(|m| m.as_ref().map_or(0, |m| m.len()))
        .collect();
    // Whether each device's file system keeps a change time (asked once per device).
    let mut change_time_kept: HashMap<u64, bool> = HashMap::new();
    // A cache that is not kept would only hold records to drop.
    let stamped: Vec<Option<FileStamp>> = metadata
        .iter()
        .zip(files)
        .map(|(m, file)| {
            let stamp = m
                .as_ref()
                .filter(|_| cache.is_persistent())
                .and_then(|m| FileStamp::settled(m, now))?;
            let kept = *change_time_kept
                .entry(stamp.device())
                .or_insert_with(|| known::change_time_is_kept(&file.path));
            kept.then_some(stamp)
        })
        .collect();
    let file_sizes = metadata
        .iter()
        .map(|m| m.as_ref().filter(|m| m.is_file()).map(|m| m.len()))
        .collect();
    let stamps = Stamps::new(files, stamped, file_sizes, cache, threads);
    drop(metadata);
    // Costliest first, so that no long job starts last while the other workers run dry. A
    // file's cost is its size, weighted for the formats that are re-encoded.
    let work: Vec<u64> = files
        .iter()
        .zip(&sizes)
        .map(|(file, &bytes)| {
            let reencoded = file
                .extension
                .as_deref()
                .and_then(Format::from_extension)
                .is_some_and(|f| matches!(f, Format::Png | Format::Jpeg | Format::Gif));
            if reencoded {
                bytes.saturating_mul(REENCODED_IMAGE_COST_PER_BYTE)
            } else {
                bytes
            }
        })
        .collect();
    let largest_first =
        |indices: &mut Vec<usize>| indices.sort_by(|&a, &b| work[b].cmp(&work[a]).then(a.cmp(&b)));
    let is_map = |file: &ScannedFile| {
        file.extension
            .as_deref()
            .is_some_and(|e| e.eq_ignore_ascii_case("map"))
    };

    let share = sizes.iter().sum::<u64>() / threads as u64;
    let options = MeasureOptions {
        split_gzip_from: if threads > 1 {
            share.max(parallel_gzip::MIN_PARALLEL_BYTES as u64)
        } else {
            0
        },
        ..options
    };
    let quiet = MeasureProgress::new();
    let progress = options.progress.unwrap_or(&quiet);
    progress.start(files.len() as u64, sizes.iter().sum());
    let done = |i: usize, outcome: &Result<Outcome, Skipped>| {
        let kind = outcome.as_ref().ok().map(|o| o.asset.kind);
        progress.file_done(sizes[i], kind);
    };

    let shared_cache: &Cache = cache;
    let mut first: Vec<usize> = (0..files.len()).filter(|&i| !is_map(&files[i])).collect();
    largest_first(&mut first);
    // Files recognised by their record are probably not read: the read-ahead passes them over
    // (counted as empty), so that it neither opens them nor stops short of the ones to read.
    let ahead_sizes: Vec<u64> = (0..files.len())
        .map(|i| match stamps.record(i) {
            Some(_) => 0,
            None => sizes[i],
        })
        .collect();
    let started = AtomicUsize::new(0);
    let finished = std::sync::atomic::AtomicBool::new(false);
    let mut results = std::thread::scope(|scope| {
        // Best effort: a thread that cannot start leaves reading to the workers.
        let _ = std::thread::Builder::new().spawn_scoped(scope, || {
            read_ahead(files, &first, &ahead_sizes, &started, &finished)
        });
        // Set however the pool ends (a panic included), so that the scope never waits on a
        // read-ahead thread waiting for workers that are gone.
        let _finished = SetOnDrop(&finished);
        run_pool(&first, threads, |i| {
            started.fetch_add(1, Ordering::Relaxed);
            let outcome = measure_guarded(i, &stamps, options, shared_cache, reader, progress);
            done(i, &outcome);
            outcome
        })
    });

    // Each claimed map, and whether its claim came from a recognised file (then nobody read it).
    let claimed: HashMap<String, (ClaimedMap, bool)> = results
        .iter()
        .filter_map(|(_, r)| {
            let outcome = r.as_ref().ok()?;
            Some((outcome.claimed.clone()?, outcome.recognised))
        })
        .map(|(c, recognised)| (c.path.clone(), (c, recognised)))
        .collect();
    let mut second = Vec::new();
    for (i, file) in files.iter().enumerate().filter(|(_, f)| is_map(f)) {
        match claimed.get(&file.relative_path) {
            Some((map, recognised)) => {
                let mut outcome = claimed_map_outcome(i, file, map, &stamps);
                outcome.recognised = *recognised;
                let outcome = Ok(outcome);
                done(i, &outcome);
                results.push((i, outcome));
            }
            None => second.push(i),
        }
    }
    largest_first(&mut second);
    results.extend(run_pool(&second, threads, |i| {
        let outcome = measure_guarded(i, &stamps, options, shared_cache, None, progress);
        done(i, &outcome);
        outcome
    }));
    // Taken in the scan's order through a sorted permutation: outcomes are 600 bytes, and
    // sorting them, or moving them into a new vector, cost 7-10 ms of a warm run over 11,646
    // files (the copies and the page faults of the new memory). This map reuses the vector.
    let mut in_order: Vec<usize> = (0..results.len()).collect();
    in_order.sort_unstable_by_key(|&at| results[at].0);
    let mut outcomes: Vec<Option<Result<Outcome, Skipped>>> = results
        .into_iter()
        .map(|(_, outcome)| Some(outcome))
        .collect();

    let mut measured = Measured::default();
    measured.assets.reserve(files.len());
    for outcome in in_order.into_iter().filter_map(|at| outcomes[at].take()) {
        match outcome {
            Ok(outcome) => {
                if let Some((key, json)) = outcome.facts {
                    cache.insert(key, json);
                    measured.statistics.analyses += 1;
                }
                if let Some((key, value)) = outcome.record {
                    cache.insert(key, value);
                }
                measured.statistics.recognised += u64::from(outcome.recognised);
                for (algorithm, size) in &outcome.computed {
                    cache.insert_size(outcome.asset.content_hash, *algorithm, *size);
                    measured.statistics.compressions += 1;
                    measured.statistics.compressed_bytes += outcome.asset.raw;
                }
                measured.statistics.cache_hits += outcome.cache_hits;
                measured.statistics.baseline_hits += outcome.baseline_hits;
                if let Some(json) = outcome.map_json {
                    measured.maps.insert(outcome.asset.path.clone(), json);
                }
                measured.assets.push(outcome.asset);
            }
            Err(skipped) => measured.skipped.push(skipped),
        }
    }
    link_variants(&mut measured.assets);
    measured
}

/// Decodes and re-encodes the images whose analysis measuring left for later
/// ([`ContentReader::defers_images`]), now that `is_used` says which images something in the
/// folder uses: a used image gets the re-encodes the image rules need, an unused one is only
/// decoded (to report a broken file). Facts the cache holds are taken from it; otherwise the
/// file is read again (the page cache usually still has it) and must hash as it did when it
/// was measured. Costliest first on `threads` workers, as measuring. Returns a note for each
/// image that could not be analysed (read again, changed meanwhile, or a bug in a decoder):
/// it keeps its header and gets no sizes.
#[allow(clippy::too_many_arguments)]
pub fn measure_deferred_images(
    assets: &mut [Asset],
    is_used: &(dyn Fn(&str) -> bool + Sync),
    threads: usize,
    reader: &dyn ContentReader,
    cache: &mut Cache,
    progress: &MeasureProgress,
    statistics: &mut Statistics,
) -> Vec<String> {
    if !reader.defers_images() {
        return Vec::new();
    }
    let mut order: Vec<usize> = (0..assets.len())
        .filter(|&i| matches!(assets[i].facts, Facts::Image(_)) && assets[i].raw <= IN_MEMORY_LIMIT)
        .collect();
    // Costliest first: the images to re-encode, then those only decoded (short jobs that fill
    // the end), each by pixels, which decoding and encoding take time by: mlflow's 24 KB
    // 1024×1024 logo takes 0.13 s, its 111 KB 1240×696 screenshot 0.08 s.
    let used: Vec<bool> = assets.iter().map(|a| is_used(&a.path)).collect();
    let pixels = |i: usize| match &assets[i].facts {
        Facts::Image(image) => image.header.map_or(0, |h| h.pixels()),
        _ => 0,
    };
    order.sort_by(|&a, &b| {
        used[b]
            .cmp(&used[a])
            .then(pixels(b).cmp(&pixels(a)))
            .then(a.cmp(&b))
    });
    // Copies of one image (a Sphinx build's `_images/`, `_static/` and source `images/` hold
    // the same screenshot three times) are analysed once: an image's facts depend only on its
    // content and on whether anything uses it. Each copy takes the facts of the first in
    // `order`; if that one could not be analysed (it changed or vanished since it was
    // measured), the copies are tried in another round.
    let shared_cache: &Cache = cache;
    let mut outcomes: Vec<(usize, Result<Analysis, String>)> = Vec::new();
    let mut copies: Vec<(usize, usize)> = Vec::new();
    let mut pending = order;
    while !pending.is_empty() {
        let mut first_copy: HashMap<(ContentHash, bool), usize> = HashMap::new();
        let mut waiting: Vec<(usize, usize)> = Vec::new();
        pending.retain(
            |&i| match first_copy.entry((assets[i].content_hash, used[i])) {
                std::collections::hash_map::Entry::Occupied(first) => {
                    waiting.push((i, *first.get()));
                    false
                }
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(i);
                    true
                }
            },
        );
        progress.images_start(pending.iter().map(|&i| assets[i].raw));
        let shared_assets: &[Asset] = assets;
        let results = run_pool(&pending, worker_count(threads), |i| {
            let asset = &shared_assets[i];
            let stopwatch = Stopwatch::start();
            let used = used[i];
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                deferred_image(asset, used, reader, shared_cache)
            }))
            .unwrap_or_else(|panic| {
                let detail = crate::error::panic_message(&*panic);
                Err(format!(
                    "webaudit failed on this image (a bug; please report it): {detail}"
                ))
            });
            progress.spent(Work::Analysis(AssetKind::Image), stopwatch.elapsed());
            progress.image_done(asset.raw);
            outcome
        });
        let failed: std::collections::HashSet<usize> = results
            .iter()
            .filter(|(_, outcome)| outcome.is_err())
            .map(|(i, _)| *i)
            .collect();
        outcomes.extend(results);
        pending = Vec::new();
        for (copy, first) in waiting {
            if failed.contains(&first) {
                pending.push(copy);
            } else {
                copies.push((copy, first));
            }
        }
    }
    let mut notes = Vec::new();
    for (i, outcome) in outcomes {
        match outcome {
            Ok(analysis) => {
                if let Some((key, json)) = analysis.computed {
                    cache.insert(key, json);
                    statistics.analyses += 1;
                }
                assets[i].facts = analysis.facts;
            }
            Err(problem) => notes.push(format!(
                "{}: {problem}; its re-encoded sizes are not measured",
                assets[i].path
            )),
        }
    }
    for (copy, first) in copies {
        assets[copy].facts = assets[first].facts.clone();
    }
    notes.sort();
    notes
}

/// One image's deferred analysis (see [`measure_deferred_images`]).
fn deferred_image(
    asset: &Asset,
    used: bool,
    reader: &dyn ContentReader,
    cache: &Cache,
) -> Result<Analysis, String> {
    if let Some(analysis) = reader.read_image(cache, &asset.content_hash, used, None) {
        return Ok(analysis);
    }
    let bytes = open_without_following(&asset.file)
        .and_then(|file| {
            let mut bytes = Vec::with_capacity(asset.raw as usize + 1);
            // One byte past the bound tells a file that grew past it.
            file.take(IN_MEMORY_LIMIT + 1).read_to_end(&mut bytes)?;
            Ok(bytes)
        })
        .map_err(|error| format!("could not be read again: {error}"))?;
    if *blake3::hash(&bytes).as_bytes() != asset.content_hash {
        return Err("changed while it was being audited".into());
    }
    reader
        .read_image(cache, &asset.content_hash, used, Some(&bytes))
        .ok_or_else(|| "could not be analysed".into())
}

/// Threads that ask for files' metadata: from a cold disk each call waits for its inode to be
/// read, and the disk serves many such reads at once.
const METADATA_THREADS: usize = 16;

/// Each file's metadata (`lstat`), `None` where it cannot be had (the file is then measured as
/// usual, and its problem reported there).
fn metadata_of(files: &[ScannedFile]) -> Vec<Option<std::fs::Metadata>> {
    map_in_parts(files, METADATA_THREADS, |f| {
        std::fs::symlink_metadata(&f.path).ok()
    })
}

/// `items.iter().map(work)`, in order, with the items cut into up to `threads` parts of at
/// least 256, each on a thread of its own. A part whose thread could not start, or failed, is
/// done here.
fn map_in_parts<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    work: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let chunk = items.len().div_ceil(threads.max(1)).max(256);
    let mut mapped: Vec<R> = Vec::with_capacity(items.len());
    let map_part = |part: &[T]| -> Vec<R> { part.iter().map(&work).collect() };
    std::thread::scope(|scope| {
        let parts: Vec<_> = items
            .chunks(chunk)
            .map(|part| {
                let thread = std::thread::Builder::new().spawn_scoped(scope, || map_part(part));
                (part, thread)
            })
            .collect();
        for (part, thread) in parts {
            match thread
                .map_err(|_| ())
                .and_then(|t| t.join().map_err(|_| ()))
            {
                Ok(done) => mapped.extend(done),
                Err(()) => mapped.extend(map_part(part)),
            }
        }
    });
    mapped
}

/// How far ahead of the workers [`read_ahead`] asks the kernel to read.
pub const READ_AHEAD_BYTES: u64 = 64 * 1024 * 1024;

/// Asks the kernel to start reading the files the workers will take next (`order`, of which
/// `started` are taken), at most [`READ_AHEAD_BYTES`] ahead, until `finished`. From a cold page
/// cache the workers otherwise wait for the disk file by file: a quarter of the wall time on a
/// folder of 11,646 files and 182 MB (benches/README.md, "Read-ahead"). The hint reads nothing
/// itself and changes no result: a file it cannot open is simply not hinted.
fn read_ahead(
    files: &[ScannedFile],
    order: &[usize],
    sizes: &[u64],
    started: &AtomicUsize,
    finished: &std::sync::atomic::AtomicBool,
) {
    // Bytes of `order` before each position.
    let mut before = Vec::with_capacity(order.len() + 1);
    before.push(0u64);
    for &index in order {
        before.push(before.last().copied().unwrap_or(0) + sizes[index]);
    }
    for (position, &index) in order.iter().enumerate() {
        loop {
            if finished.load(Ordering::Relaxed) {
                return;
            }
            let taken = started.load(Ordering::Relaxed).min(order.len());
            if position < taken {
                break; // a worker already has it
            }
            if sizes[index] == 0 {
                break;
            }
            if before[position] - before[taken] <= READ_AHEAD_BYTES {
                hint_will_need(&files[index].path, sizes[index]);
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    }
}

/// Sets its flag when dropped.
struct SetOnDrop<'a>(&'a std::sync::atomic::AtomicBool);

impl Drop for SetOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// `posix_fadvise(WILLNEED)`: the kernel reads the file into its cache in the background.
#[cfg(target_os = "linux")]
fn hint_will_need(path: &std::path::Path, size: u64) {
    use std::os::fd::AsRawFd;
    if let Ok(file) = open_without_following(path) {
        let length = libc::off_t::try_from(size.min(READ_AHEAD_BYTES)).unwrap_or(0);
        // SAFETY: the descriptor is open for the duration of the call; the advice has no
        // other effect on the file or on memory.
        unsafe {
            libc::posix_fadvise(file.as_raw_fd(), 0, length, libc::POSIX_FADV_WILLNEED);
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn hint_will_need(_path: &std::path::Path, _size: u64) {}

/// A map already read by its script's worker: measured from what that worker saw.
fn claimed_map_outcome(
    index: usize,
    file: &ScannedFile,
    map: &ClaimedMap,
    stamps: &Stamps,
) -> Outcome {
    // The worker only hashed the map: a record it leaves serves its script, not the map's own
    // measuring (no format). One made when the map itself was measured says more: kept.
    let record = match stamps.record(index) {
        Some(known) if known.content_hash == map.content_hash => None,
        _ => {
            let known = KnownFile {
                content_hash: map.content_hash,
                classification: None,
                map_target: None,
            };
            stamps.new_record(index, map.raw, &known)
        }
    };
    let asset = Asset {
        path: file.relative_path.clone(),
        file: file.path.clone(),
        kind: AssetKind::SourceMap,
        format: Format::SourceMap,
        raw: map.raw,
        gzip: None,
        brotli: None,
        hash: blake3::Hash::from_bytes(map.content_hash)
            .to_hex()
            .to_string(),
        content_hash: map.content_hash,
        extension_mismatch: false,
        original: None,
        variants: Vec::new(),
        facts: Facts::None,
        encoded_only: None,
        composition: None,
    };
    Outcome {
        asset,
        computed: Vec::new(),
        cache_hits: 0,
        baseline_hits: 0,
        claimed: None,
        facts: None,
        map_json: None,
        record,
        recognised: false,
    }
}

/// Opens a file found by the scan: a file swapped for a symbolic link after the scan is refused,
/// not followed, and one swapped for a FIFO or device is refused without blocking.
pub fn open_without_following(path: &std::path::Path) -> io::Result<File> {
    crate::files::open_regular(path, crate::files::Links::Refuse)
}

fn skip(file: &ScannedFile, error: io::Error) -> Skipped {
    let (category, reason) = match error.kind() {
        io::ErrorKind::NotFound => (
            SkipCategory::Vanished,
            "vanished during the audit".to_string(),
        ),
        _ if error.raw_os_error() == Some(libc::ELOOP) => (
            SkipCategory::SymbolicLink,
            "became a symbolic link during the audit (not followed)".into(),
        ),
        // From `files::open_regular`: swapped for a FIFO, device or folder after the scan.
        io::ErrorKind::InvalidInput => (SkipCategory::NotAFile, error.to_string()),
        _ => (SkipCategory::Unreadable, format!("unreadable: {error}")),
    };
    Skipped {
        path: file.relative_path.clone(),
        category,
        reason,
    }
}

fn read_fully(file: &mut File, capacity: u64) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::with_capacity(capacity as usize + 1);
    file.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Hashes a stream and keeps its first bytes for classification.
fn hash_stream(file: &mut File, head: &mut Vec<u8>) -> io::Result<(ContentHash, u64)> {
    let mut hasher = blake3::Hasher::new();
    let mut buffer = vec![0u8; 1024 * 1024];
    let mut total = 0u64;
    loop {
        let read = match file.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if head.len() < 512 {
            let wanted = (512 - head.len()).min(read);
            head.extend_from_slice(&buffer[..wanted]);
        }
        hasher.update(&buffer[..read]);
        total += read as u64;
    }
    Ok((*hasher.finalize().as_bytes(), total))
}

/// Measures one file; a bug that panics on this file's content skips the file, with a reason
/// naming it, instead of ending the whole run.
fn measure_guarded(
    index: usize,
    stamps: &Stamps,
    options: MeasureOptions,
    cache: &Cache,
    reader: Option<&dyn ContentReader>,
    progress: &MeasureProgress,
) -> Result<Outcome, Skipped> {
    let file = &stamps.files[index];
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let looking = Stopwatch::start_wall();
        let known = measure_known(index, stamps, options, cache, reader);
        progress.spent(Work::Read, looking.elapsed());
        match known {
            Some(outcome) => Ok(outcome),
            None => measure_file(index, stamps, options, cache, reader, progress),
        }
    }))
    .unwrap_or_else(|panic| {
        let detail = crate::error::panic_message(&*panic);
        Err(Skipped {
            path: file.relative_path.clone(),
            category: SkipCategory::InternalError,
            reason: format!("webaudit failed on this file (a bug; please report it): {detail}"),
        })
    })
}

/// Measures a file recognised by its record (`known`) without reading it: every size and fact
/// from the cache. `None` when anything is missing, and the file is read instead.
fn measure_known(
    index: usize,
    stamps: &Stamps,
    options: MeasureOptions,
    cache: &Cache,
    reader: Option<&dyn ContentReader>,
) -> Option<Outcome> {
    let file = &stamps.files[index];
    let record = stamps.record(index)?;
    let (format, extension_mismatch) = record.classification?;
    let raw = stamps.stamps[index]?.size();
    let content_hash = record.content_hash;
    let mut sizes: HashMap<Algorithm, u64> = HashMap::new();
    let (mut cache_hits, mut baseline_hits) = (0, 0);
    for algorithm in wanted_sizes(format, raw, options.brotli) {
        if let Some(size) = cache.size(&content_hash, algorithm) {
            sizes.insert(algorithm, size);
            cache_hits += 1;
        } else {
            let known = options.known_sizes?;
            sizes.insert(algorithm, known.size(&content_hash, raw, algorithm)?);
            baseline_hits += 1;
        }
    }
    // The map the record points at, known by its own record: present, or absent from the folder.
    let map = match &record.map_target {
        Some(target) => match stamps.by_path.get(target.as_str()) {
            Some(&map_index) => {
                let map_record = stamps.record(map_index)?;
                Some(ClaimedMap {
                    path: target.clone(),
                    raw: stamps.stamps[map_index]?.size(),
                    content_hash: map_record.content_hash,
                })
            }
            None => None,
        },
        None => None,
    };
    let analysis = match reader {
        Some(reader) => Some(reader.read_known(
            cache,
            file,
            format,
            &content_hash,
            map.as_ref(),
            raw <= IN_MEMORY_LIMIT,
            stamps.original_size(index),
        )?),
        None => None,
    };
    let (facts, claimed) = match analysis {
        Some(analysis) => (analysis.facts, analysis.claimed),
        None => (Facts::None, None),
    };
    let asset = measured_asset(
        file,
        format,
        raw,
        &sizes,
        content_hash,
        extension_mismatch,
        facts,
    );
    Some(Outcome {
        asset,
        computed: Vec::new(),
        cache_hits,
        baseline_hits,
        claimed,
        facts: None,
        map_json: None,
        record: None,
        recognised: true,
    })
}

/// The asset of a measured file, before variants are linked and the site model adds to it.
fn measured_asset(
    file: &ScannedFile,
    format: Format,
    raw: u64,
    sizes: &HashMap<Algorithm, u64>,
    content_hash: ContentHash,
    extension_mismatch: bool,
    facts: Facts,
) -> Asset {
    Asset {
        path: file.relative_path.clone(),
        file: file.path.clone(),
        kind: format.kind(),
        format,
        raw,
        gzip: sizes.get(&Algorithm::Gzip).copied(),
        brotli: sizes.get(&Algorithm::Brotli).copied(),
        hash: blake3::Hash::from_bytes(content_hash).to_hex().to_string(),
        content_hash,
        extension_mismatch,
        original: None,
        variants: Vec::new(),
        facts,
        encoded_only: None,
        composition: None,
    }
}

/// The compressed sizes measured for a file of `format` and `raw` bytes. Source maps are
/// compressible but never sent to users: measuring them would only cost time. Past the
/// compression bound a file counts at its raw size (see [`MAX_COMPRESSED_BYTES`]).
fn wanted_sizes(format: Format, raw: u64, brotli: bool) -> Vec<Algorithm> {
    let measured =
        format.compressible() && format != Format::SourceMap && raw <= MAX_COMPRESSED_BYTES;
    let mut wanted = Vec::new();
    if measured {
        wanted.push(Algorithm::Gzip);
        if brotli {
            wanted.push(Algorithm::Brotli);
        }
    }
    wanted
}

fn measure_file(
    index: usize,
    stamps: &Stamps,
    options: MeasureOptions,
    cache: &Cache,
    reader: Option<&dyn ContentReader>,
    progress: &MeasureProgress,
) -> Result<Outcome, Skipped> {
    let file = &stamps.files[index];
    let reading = Stopwatch::start();
    let mut handle = open_without_following(&file.path).map_err(|e| skip(file, e))?;
    let metadata = handle.metadata().map_err(|e| skip(file, e))?;
    if !metadata.is_file() {
        return Err(Skipped {
            path: file.relative_path.clone(),
            category: SkipCategory::NotAFile,
            reason: "not a regular file".into(),
        });
    }
    let (bytes, content_hash, raw, head) = if metadata.len() <= IN_MEMORY_LIMIT {
        let bytes = read_fully(&mut handle, metadata.len()).map_err(|e| skip(file, e))?;
        let hash = *blake3::hash(&bytes).as_bytes();
        let head = bytes[..bytes.len().min(512)].to_vec();
        let raw = bytes.len() as u64;
        (Some(bytes), hash, raw, head)
    } else {
        let mut head = Vec::with_capacity(512);
        let (hash, raw) = hash_stream(&mut handle, &mut head).map_err(|e| skip(file, e))?;
        (None, hash, raw, head)
    };
    drop(handle);
    progress.spent(Work::Read, reading.elapsed());

    let classification = classify(file.extension.as_deref(), &head);
    let format = classification.format;
    let wanted = wanted_sizes(format, raw, options.brotli);

    let mut cache_hits = 0;
    let mut baseline_hits = 0;
    let mut sizes: HashMap<Algorithm, u64> = HashMap::new();
    let mut to_compress = Vec::new();
    for algorithm in wanted {
        if let Some(size) = cache.size(&content_hash, algorithm) {
            sizes.insert(algorithm, size);
            cache_hits += 1;
            continue;
        }
        // Not added to the cache: the cache holds only sizes webaudit computed itself.
        if let Some(size) = options
            .known_sizes
            .and_then(|known| known.size(&content_hash, raw, algorithm))
        {
            sizes.insert(algorithm, size);
            baseline_hits += 1;
            continue;
        }
        to_compress.push(algorithm);
    }

    let compress = |algorithm: Algorithm| -> io::Result<u64> {
        let compressing = Stopwatch::start();
        let split = options.split_gzip_from > 0 && raw >= options.split_gzip_from;
        let size = match &bytes {
            Some(bytes) if split && algorithm == Algorithm::Gzip => {
                let pieces = worker_count(options.threads);
                // When the size cannot be derived from pieces, zlib's own run decides.
                parallel_gzip::gzip_size(bytes, pieces)
                    .or_else(|_| compress_size(algorithm, &bytes[..], raw))
            }
            // zlib's stream followed without writing it: the same size, in less time. zlib
            // itself runs only where the model cannot follow (inputs over 4 GiB).
            Some(bytes) if algorithm == Algorithm::Gzip => {
                zlib_model::gzip_size(bytes).or_else(|_| compress_size(algorithm, &bytes[..], raw))
            }
            Some(bytes) => compress_size(algorithm, &bytes[..], raw),
            None => open_without_following(&file.path)
                .and_then(|f| compress_size(algorithm, io::BufReader::new(f), raw)),
        }?;
        let work = match algorithm {
            Algorithm::Gzip => Work::Gzip,
            Algorithm::Brotli => Work::Brotli,
        };
        progress.spent(work, compressing.elapsed());
        Ok(size)
    };
    // Facts come from the same bytes; files too large to hold in memory are measured only.
    let analyse = || {
        let analysing = Stopwatch::start();
        let analysis = match (&bytes, reader) {
            (Some(bytes), Some(reader)) => {
                let original = stamps.original_size(index);
                let analysis = reader.read(cache, file, format, bytes, &content_hash, original);
                (
                    analysis.facts,
                    analysis.claimed,
                    analysis.computed,
                    analysis.map_json,
                    analysis.map_target,
                )
            }
            (None, Some(reader)) => (reader.read_head(format, &head), None, None, None, None),
            _ => (Facts::None, None, None, None, None),
        };
        if reader.is_some() {
            progress.spent(Work::Analysis(format.kind()), analysing.elapsed());
        }
        analysis
    };

    // A big file's compressions and its analysis are independent work on the same bytes: they
    // run side by side, so that the largest bundle of a folder (started first) does not keep one
    // worker busy for gzip, brotli and analysis in a row after the others have finished.
    let tasks = to_compress.len() + usize::from(reader.is_some() && bytes.is_some());
    let overlap = raw >= OVERLAP_MIN_BYTES && tasks > 1;
    let (compressed, (facts, claimed, computed_facts, map_json, map_target)) = if overlap {
        std::thread::scope(|scope| {
            let handles: Vec<_> = to_compress
                .iter()
                .map(|&algorithm| (algorithm, scope.spawn(move || compress(algorithm))))
                .collect();
            let analysis = analyse();
            let compressed: Vec<_> = handles
                .into_iter()
                .map(|(algorithm, handle)| {
                    // A panic in a compression thread is raised again here, where
                    // `measure_guarded` turns it into a skipped file like any other.
                    let size = handle
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                    (algorithm, size)
                })
                .collect();
            (compressed, analysis)
        })
    } else {
        let compressed: Vec<_> = to_compress
            .iter()
            .map(|&algorithm| (algorithm, compress(algorithm)))
            .collect();
        (compressed, analyse())
    };
    let mut computed = Vec::new();
    for (algorithm, size) in compressed {
        let size = size.map_err(|e| skip(file, e))?;
        sizes.insert(algorithm, size);
        computed.push((algorithm, size));
    }
    // Without a reader, where a script's map is was not looked at: such a record would tell a
    // later run with one that the script has no map.
    let analysed =
        reader.is_some() || !matches!(format, Format::Js | Format::SourceCode | Format::Css);
    let record = analysed
        .then_some(KnownFile {
            content_hash,
            classification: Some((format, classification.extension_mismatch)),
            map_target,
        })
        .and_then(|known| stamps.new_record(index, raw, &known));
    let asset = measured_asset(
        file,
        format,
        raw,
        &sizes,
        content_hash,
        classification.extension_mismatch,
        facts,
    );
    Ok(Outcome {
        asset,
        computed,
        cache_hits,
        baseline_hits,
        claimed,
        facts: computed_facts,
        map_json,
        record,
        recognised: false,
    })
}

/// Whether `path` names a text file of third-party licenses or notices that a build writes for
/// the legal record: Angular CLI's `3rdpartylicenses.txt`, `THIRD_PARTY_NOTICES.txt`,
/// `licenses.txt`, `vendor.LICENSE.txt` (also as `.gz` or `.br`). No page or script requests
/// one. Read from the name: a plain `.txt` whose name, without its separators, ends in
/// "license(s)", "licence(s)" or "notice(s)".
fn is_license_collection(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let name = name
        .strip_suffix(".gz")
        .or_else(|| name.strip_suffix(".br"))
        .unwrap_or(name);
    let Some(stem) = name
        .len()
        .checked_sub(4)
        .filter(|&at| name.is_char_boundary(at) && name[at..].eq_ignore_ascii_case(".txt"))
        .map(|at| &name[..at])
    else {
        return false;
    };
    let letters: String = stem
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    [
        "license", "licenses", "licence", "licences", "notice", "notices",
    ]
    .iter()
    .any(|word| letters.ends_with(word))
}

fn compress_size(algorithm: Algorithm, input: impl Read, raw: u64) -> io::Result<u64> {
    match algorithm {
        Algorithm::Gzip => compress::gzip_size(input),
        Algorithm::Brotli => compress::brotli_size(input, raw),
    }
}

/// Links `X.gz`, `X.br` and `X.map` to `X`. A `.gz`/`.br` whose original is missing stays a
/// precompressed variant when its name says what it encoded (`app.js.gz`), and is an ordinary
/// download otherwise (`data.tar.gz`).
fn link_variants(assets: &mut [Asset]) {
    let index: HashMap<String, usize> = assets
        .iter()
        .enumerate()
        .map(|(i, a)| (a.path.clone(), i))
        .collect();
    // `X.LICENSE.txt` beside `X`: extracted license comments, never requested by a browser.
    // In a deployment that ships files only precompressed, `X.LICENSE.txt.gz` beside `X.gz`.
    let shipped = |path: &str| {
        ["", ".gz", ".br"]
            .iter()
            .any(|encoding| index.contains_key(&format!("{path}{encoding}")))
    };
    for asset in assets.iter_mut() {
        let bundle = match asset.format {
            Format::Txt => asset.path.strip_suffix(".LICENSE.txt"),
            Format::Gzip => asset.path.strip_suffix(".LICENSE.txt.gz"),
            Format::Brotli => asset.path.strip_suffix(".LICENSE.txt.br"),
            _ => None,
        };
        if bundle.is_some_and(shipped)
            || (matches!(asset.format, Format::Txt | Format::Gzip | Format::Brotli)
                && is_license_collection(&asset.path))
        {
            asset.kind = AssetKind::License;
        }
    }
    for i in 0..assets.len() {
        let by_name = matches!(assets[i].path.rsplit('.').next(), Some("gz" | "br" | "map"));
        if !by_name {
            if assets[i].kind == AssetKind::Precompressed {
                // Gzip content under another name (`archive.tgz`) is a download, not a variant.
                assets[i].kind = AssetKind::Other;
            }
            continue;
        }
        let stem = assets[i]
            .path
            .rsplit_once('.')
            .map(|(stem, _)| stem.to_string())
            .unwrap_or_default();
        match index.get(&stem) {
            Some(&original) => {
                assets[i].original = Some(stem);
                let variant = assets[i].path.clone();
                assets[original].variants.push(variant);
            }
            None if assets[i].kind == AssetKind::Precompressed => {
                let names_a_format = stem
                    .rsplit_once('.')
                    .and_then(|(_, ext)| Format::from_extension(ext))
                    .is_some();
                if !names_a_format {
                    assets[i].kind = AssetKind::Other;
                }
            }
            None => {}
        }
    }
    // Hidden files are named by their path alone, as licenses are; a copy (`X.gz`) of one stays
    // a copy, which is not counted either.
    for asset in assets.iter_mut() {
        if asset.kind.counted() && crate::kind::is_hidden(&asset.path) {
            asset.kind = AssetKind::Hidden;
        }
    }
}
