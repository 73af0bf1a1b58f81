//! One audit, start to end: scan → measure → budgets → rules → report. Printing is left to the
//! renderers.

use std::path::{Path, PathBuf};

use crate::budget;
use crate::config::{self, Overrides};
use crate::error::Error;
use crate::knowledge::{Knowledge, Signatures};
use crate::measure::cache::Cache;
use crate::measure::{self, MeasureOptions, compress};
use crate::report::{FailOn, Report, SCHEMA_VERSION, Settings, Severity, Summary, Tool, Totals};
use crate::rules::{self, RuleContext};
use crate::scan;

#[derive(Debug, Clone)]
pub enum CacheChoice {
    /// No persistent cache (`--no-cache`).
    Disabled,
    Folder(PathBuf),
}

/// The default cache folder: `$WEBAUDIT_CACHE_DIR`, else `$XDG_CACHE_HOME/webaudit`, else
/// `~/.cache/webaudit`.
pub fn default_cache_folder() -> Option<PathBuf> {
    let non_empty = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    non_empty("WEBAUDIT_CACHE_DIR")
        .or_else(|| non_empty("XDG_CACHE_HOME").map(|p| p.join("webaudit")))
        .or_else(|| non_empty("HOME").map(|p| p.join(".cache").join("webaudit")))
}

#[derive(Debug, Clone)]
pub struct AuditOptions {
    pub root: PathBuf,
    pub overrides: Overrides,
    /// Compute brotli sizes even if no budget needs them.
    pub brotli: bool,
    /// Encode AVIF to measure its size (slow) instead of estimating it.
    pub avif: bool,
    /// Encode every image whole (`--exact-images`) instead of estimating large images' sizes
    /// from a banded sample; `[images] exact` in webaudit.toml asks for it too.
    pub exact_images: bool,
    pub cache: CacheChoice,
    pub threads: usize,
    pub fail_on: FailOn,
    /// A JSON report of an earlier run to compare with (`--baseline`).
    pub baseline: Option<PathBuf>,
    /// Look findings in bundles up in their source maps (see [`crate::origins`]): for outputs
    /// that point at code (SARIF, annotations). It walks each such bundle's map once more, so
    /// runs that only print the terminal report skip it.
    pub original_sources: bool,
    /// Re-encode images to measure what the image rules report (WebP, oxipng, JPEG q85). Off
    /// for `check-url`, which reports only how the server answers: encoding every image
    /// there would be the slowest part of the run for nothing.
    pub image_encodes: bool,
    /// The network profile that ranks findings by impact (`--profile`).
    pub profile: crate::impact::Profile,
    /// Counters measuring updates as it goes, for a caller that shows progress.
    pub progress: Option<std::sync::Arc<crate::measure::progress::MeasureProgress>>,
    /// Put where the time went into the report (`--timings`).
    pub timings: bool,
}

impl AuditOptions {
    pub fn new(root: impl Into<PathBuf>) -> AuditOptions {
        AuditOptions {
            root: root.into(),
            overrides: Overrides::default(),
            brotli: false,
            avif: false,
            exact_images: false,
            cache: CacheChoice::Disabled,
            threads: 0,
            fail_on: FailOn::Error,
            baseline: None,
            original_sources: false,
            image_encodes: true,
            profile: crate::impact::MOBILE,
            progress: None,
            timings: false,
        }
    }
}

/// How gzip sizes are computed, as the report's `settings.gzip` says; a baseline's sizes are
/// reused only when its report says the same.
pub fn gzip_setting() -> String {
    format!(
        "zlib {} level 9, gzip wrapper without file name",
        compress::zlib_version()
    )
}

/// How brotli sizes are computed, as the report's `settings.brotli` says when they are.
pub const BROTLI_SETTING: &str = "quality 11, window 22";

fn display(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// Re-encode only for the rules that will read the sizes.
fn image_options(
    config: &config::Config,
    avif: bool,
    exact: bool,
    encodes: bool,
) -> crate::analyze::image::ImageOptions {
    let enabled =
        |rule: &str| encodes && !matches!(config.rules.get(rule), Some(config::RuleSetting::Off));
    let webp = enabled("images/modern-format");
    crate::analyze::image::ImageOptions {
        webp,
        optimized: enabled("images/optimizable"),
        avif: avif && webp,
        exact: exact || config.images.exact,
    }
}

/// Everything an audit knows before its rules run: the configuration, the measured and
/// analysed assets, and what was derived from them (page loads, budgets, the baseline
/// comparison). Built once; the rules and `check-url` read it.
pub struct Prepared {
    pub root: PathBuf,
    pub config: config::Config,
    pub knowledge: Knowledge,
    pub assets: Vec<crate::measure::Asset>,
    pub skipped: Vec<crate::scan::Skipped>,
    pub pages: Vec<crate::pages::PageLoad>,
    /// Every page laid out at the mobile and desktop viewports (see [`crate::layout`]).
    pub layouts: crate::layout::Layouts,
    pub budgets: Vec<budget::BudgetCheck>,
    pub comparison: Option<crate::baseline::Comparison>,
    pub notes: Vec<String>,
    pub statistics: crate::measure::Statistics,
    pub brotli: bool,
    pub cache_folder: Option<String>,
    /// Source maps kept by the analysis (only with [`AuditOptions::original_sources`]).
    pub maps: foldhash::HashMap<String, Vec<u8>>,
    /// The network profile findings are ranked under.
    pub profile: crate::impact::Profile,
    /// Wall-clock time of the stages so far, and the measuring workers' time by kind of work.
    pub clock: StageClock,
    /// Threads the work may use (0: one per core), as [`AuditOptions::threads`].
    pub threads: usize,
}

/// Where an audit's time goes, stage by stage (`--timings`).
#[derive(Debug, Clone)]
pub struct StageClock {
    started: std::time::Instant,
    last: std::time::Instant,
    stages: Vec<(&'static str, std::time::Duration)>,
    work: Vec<(crate::measure::progress::Work, std::time::Duration)>,
    workers: usize,
}

impl StageClock {
    fn start() -> StageClock {
        let now = std::time::Instant::now();
        StageClock {
            started: now,
            last: now,
            stages: Vec::new(),
            work: Vec::new(),
            workers: 0,
        }
    }

    /// The stage `name` ends now.
    fn lap(&mut self, name: &'static str) {
        let now = std::time::Instant::now();
        self.stages.push((name, now - self.last));
        self.last = now;
    }

    fn timings(&self) -> crate::report::Timings {
        use crate::measure::progress::Work;
        let ms = |time: std::time::Duration| (time.as_secs_f64() * 1e4).round() / 10.0;
        let spent = |name: String, time| crate::report::TimeSpent { name, ms: ms(time) };
        crate::report::Timings {
            total_ms: ms(self.last - self.started),
            stages: self
                .stages
                .iter()
                .map(|(name, time)| spent(name.to_string(), *time))
                .collect(),
            workers: self.workers,
            work: self
                .work
                .iter()
                .map(|(work, time)| {
                    let name = match work {
                        Work::Read => "read and hash".to_string(),
                        Work::Gzip => "gzip".to_string(),
                        Work::Brotli => "brotli".to_string(),
                        Work::Analysis(kind) => format!("analyse {}", kind.name()),
                    };
                    spent(name, *time)
                })
                .collect(),
        }
    }
}

impl Prepared {
    /// The findings of the rules `selected` keeps, given the live server's answers
    /// (`check-url`; empty for an audit).
    pub fn findings(
        &self,
        responses: &[crate::model::response::Response],
        selected: impl Fn(&str) -> bool,
    ) -> Vec<crate::model::finding::Finding> {
        let site = crate::site::build(&self.assets, &self.skipped, &self.config, &self.pages);
        let mut findings = rules::run_selected(
            &RuleContext {
                root: &self.root,
                assets: &self.assets,
                site: &site,
                budgets: &self.budgets,
                config: &self.config,
                knowledge: &self.knowledge,
                baseline: self.comparison.as_ref(),
                skipped: &self.skipped,
                responses,
                layouts: &self.layouts,
            },
            selected,
            self.threads,
        );
        let critical = crate::impact::critical_files(
            &site,
            &self.pages,
            &self.layouts,
            self.config.images.above_the_fold,
        );
        crate::impact::assess(&mut findings, &self.assets, &critical, self.profile);
        findings
    }
}

/// The whole audit: prepare, run every rule, build the report.
pub fn run(options: &AuditOptions) -> Result<Report, Error> {
    let mut prepared = prepare(options)?;
    let findings = prepared.findings(&[], |_| true);
    prepared.clock.lap("rules");
    Ok(report(options, prepared, findings))
}

/// Scan, measure and analyse the folder, and derive what the rules read.
pub fn prepare(options: &AuditOptions) -> Result<Prepared, Error> {
    let mut clock = StageClock::start();
    scan::check_root(&options.root)?;
    let mut config = config::load(&options.root, &options.overrides)?;
    rules::check_config(&config)?;
    // The cache file and the package knowledge do not depend on the folder's files: read and
    // parsed on another core while the scan lists them (together 16 ms of a warm run over
    // 11,646 files, as long as the scan itself).
    let open_cache = || match &options.cache {
        CacheChoice::Disabled => (Cache::disabled(), None, None),
        CacheChoice::Folder(folder) => {
            let (cache, problem) = Cache::open(folder, &compress::definitions_fingerprint());
            (cache, problem, Some(display(folder)))
        }
    };
    let know = || -> Result<(Knowledge, Option<Signatures>), Error> {
        let mut knowledge = Knowledge::built_in();
        knowledge
            .extend(config.packages.clone())
            .map_err(Error::Usage)?;
        let signatures = Signatures::new(&knowledge);
        Ok((knowledge, signatures))
    };
    let (scanned, (mut cache, cache_problem, cache_folder), known) = std::thread::scope(|scope| {
        let side = std::thread::Builder::new().spawn_scoped(scope, || (open_cache(), know()));
        let scanned = scan::scan(&options.root, &config.ignore);
        let ((cache, problem, folder), known) = match side.map(|thread| thread.join()) {
            Ok(Ok(done)) => done,
            Ok(Err(panic)) => std::panic::resume_unwind(panic),
            // No thread: the same work here.
            Err(_) => (open_cache(), know()),
        };
        (scanned, (cache, problem, folder), known)
    });
    let scanned = scanned?;
    let (knowledge, signatures) = known?;
    let mut notes = config.notes.clone();
    if !config.served_written
        && let Some((file, host)) = scan::dynamic_host(&options.root)
    {
        config.served = config::Served::Dynamic;
        notes.push(format!(
            "{} says the site is deployed to {host}, which compresses responses on the fly: precompressed copies are not expected (compression/missing is off; set `[compression] served = \"precompressed\"` to check for them anyway)",
            display(&file)
        ));
    }
    // Read before measuring: a missing or foreign baseline fails the run before any work, and
    // its sizes spare compressing the files it already measured.
    let baseline = options
        .baseline
        .as_deref()
        .map(crate::baseline::load)
        .transpose()?;
    let known_sizes = baseline.as_ref().map(|baseline| {
        let (known, problems) = baseline.known_sizes(&gzip_setting(), BROTLI_SETTING);
        notes.extend(problems);
        known
    });

    notes.extend(cache_problem.map(|p| p.0));
    let brotli = options.brotli || config.needs_brotli();
    let image_options = image_options(
        &config,
        options.avif,
        options.exact_images,
        options.image_encodes,
    );
    let mut reader = crate::analyze::AnalyzeContext::new(
        &scanned.files,
        signatures.as_ref(),
        knowledge.fingerprint(),
        image_options,
    );
    // Outputs that point at original sources look findings up in the maps the analysis reads:
    // kept then, so that no map is read twice.
    reader.retain_maps = options.original_sources;
    // Images are decoded and re-encoded once the site model says which ones something uses.
    reader.defer_image_encodes = true;
    clock.lap("scan");
    let own_progress;
    let progress = match &options.progress {
        Some(progress) => progress.as_ref(),
        None => {
            own_progress = crate::measure::progress::MeasureProgress::new();
            &own_progress
        }
    };
    let measured = measure::measure(
        &scanned.files,
        MeasureOptions {
            brotli,
            threads: options.threads,
            known_sizes: known_sizes.as_ref(),
            progress: Some(progress),
            ..Default::default()
        },
        Some(&reader),
        &mut cache,
    );
    clock.lap("measure");
    clock.work = progress.work_times();
    clock.workers = measure::worker_count(options.threads);

    let maps = measured.maps;
    let mut assets = measured.assets;
    // Sources that maps name without their content are read where the repository has them.
    let repository = crate::origins::repository_root();
    let mut source_files =
        crate::analyze::import_sites::RepositorySources::new(&options.root, repository.as_deref());
    let import_index = crate::composition::ImportIndex::of(&assets, &mut source_files);
    for asset in &mut assets {
        asset.composition = crate::composition::of(asset, &import_index);
    }
    for asset in assets.iter().filter(|a| {
        a.format.compressible() && a.gzip.is_none() && a.raw > crate::measure::MAX_COMPRESSED_BYTES
    }) {
        notes.push(format!(
            "{}: {} bytes, more than the {} bytes webaudit compresses; counted at its raw size",
            asset.path,
            asset.raw,
            crate::measure::MAX_COMPRESSED_BYTES
        ));
    }
    let mut statistics = measured.statistics;
    statistics.images = if !image_options.webp && !image_options.optimized {
        crate::measure::ImageSizing::None
    } else if image_options.exact {
        crate::measure::ImageSizing::Exact
    } else {
        crate::measure::ImageSizing::Estimated
    };
    let (build_inputs, commonjs_builds) = mark_build_inputs(&mut assets);
    // Files a browser never requests are measured but not counted: say which, once.
    let left_out = |kind: crate::kind::AssetKind| assets.iter().filter(|a| a.kind == kind).count();
    let (sources, licenses) = (
        left_out(crate::kind::AssetKind::Source),
        left_out(crate::kind::AssetKind::License),
    );
    let sources = sources - build_inputs.len() - commonjs_builds.len();
    let hidden: Vec<&str> = assets
        .iter()
        .filter(|a| a.kind == crate::kind::AssetKind::Hidden)
        .map(|a| a.path.as_str())
        .collect();
    if sources + licenses + build_inputs.len() + commonjs_builds.len() + hidden.len() > 0 {
        let mut parts = Vec::new();
        if !build_inputs.is_empty() {
            parts.push(format!(
                "{} JavaScript build input(s) ({}): ES modules that import bare package names (`import … from \"react\"`) while no page has an import map, so no browser can run them",
                build_inputs.len(),
                first_few(&build_inputs)
            ));
        }
        if !commonjs_builds.is_empty() {
            parts.push(format!(
                "{} CommonJS build(s) for bundlers and Node ({}): no page loads them, and they use `require` or `module`, which browsers do not define (a webpack external loaded with `require(\"…\")`, or `module.exports = …` run as the file loads)",
                commonjs_builds.len(),
                first_few(&commonjs_builds)
            ));
        }
        if sources > 0 {
            parts.push(format!(
                "{sources} TypeScript/JSX source or declaration file(s) (.ts, .d.ts, .tsx, .jsx)"
            ));
        }
        if licenses > 0 {
            parts.push(format!(
                "{licenses} license file(s) (X.LICENSE.txt beside X, third-party license lists such as 3rdpartylicenses.txt)"
            ));
        }
        if !hidden.is_empty() {
            parts.push(format!(
                "{} hidden file(s), named or in a folder named with a leading `.` ({})",
                hidden.len(),
                first_few(&hidden)
            ));
        }
        notes.push(format!(
            "not counted in totals and budgets, and not checked for compression or source maps, because browsers never request them: {}",
            parts.join(", ")
        ));
    }
    // Copies shipped without their original are read as the files they encode while the pages
    // are followed (a page's `app.js` may be `app.js.gz`, and what it imports counts).
    let encoded = open_encoded_copies(&mut assets);
    let pages = crate::pages::page_loads(&assets, config.base_path.as_deref());
    notes.extend(count_copies_shipped_alone(&mut assets, &pages, encoded));
    let mounted: Vec<String> = pages
        .iter()
        .filter_map(|p| {
            p.mount
                .as_ref()
                .map(|mount| format!("{} ({mount})", p.page))
        })
        .collect();
    if !mounted.is_empty() {
        notes.push(format!(
            "{} page(s) name the folder's files under a folder the audit does not have, as a server that serves the folder there would ({}): such references are read as naming the file that follows",
            mounted.len(),
            first_few(&mounted)
        ));
    }
    // A folder of scripts and stylesheets with no page (a Python app's `static/`, whose pages
    // its server renders from templates) has no first visit to measure: say so, rather than
    // show no per-page figures without a word.
    let has_code = assets.iter().any(|a| {
        a.counted()
            && matches!(
                a.kind,
                crate::kind::AssetKind::Script | crate::kind::AssetKind::Stylesheet
            )
    });
    if pages.is_empty() && has_code {
        let budgets = if config.initial_budgets.is_empty() {
            ""
        } else {
            ", and the initial-load budgets have nothing to check"
        };
        notes.push(format!(
            "no HTML page in the folder: what a first visit loads is not known (pages a server renders from templates are not here), so there are no per-page initial-load figures{budgets}; the totals count every file"
        ));
    }
    let unused: std::collections::BTreeSet<String> = {
        let skipped = &measured.skipped;
        let site = crate::site::build(&assets, skipped, &config, &pages);
        if let [first, ..] = site.own_roots.as_slice() {
            let listed: Vec<String> = site
                .own_roots
                .iter()
                .map(|own| format!("{} ({} under {})", own.page, own.references, own.folder))
                .collect();
            // The command first: the terminal shows a note's first line only.
            notes.push(format!(
                "audit {} by itself (webaudit {}): {} page(s) name files that the folder has only under the page's own folder ({}), as an app served from its own folder as the site root does; their references/missing findings here show where the audit started, not what a visitor gets",
                first.folder,
                display(&options.root.join(first.folder.trim_end_matches('/'))),
                listed.len(),
                first_few(&listed),
            ));
        }
        let unused = &site.unreferenced_images;
        // A manifest's icons are used (to install the app), though no page load shows them.
        let unnamed: Vec<&str> = unused
            .iter()
            .filter(|path| !site.install_images.contains(*path))
            .copied()
            .collect();
        if !unnamed.is_empty() {
            notes.push(format!(
                "{} image(s) are used by nothing in the folder ({}): no page or stylesheet references them and no script or page names them. Unused, or named only by a server; the images/* rules leave them out",
                unnamed.len(),
                first_few(&unnamed)
            ));
        }
        let install = &site.install_images;
        if !install.is_empty() {
            let install: Vec<&str> = install.iter().copied().collect();
            notes.push(format!(
                "{} image(s) are named only by a web app manifest ({}): a browser requests them to install the app, no page load shows them; the images/* rules leave them out",
                install.len(),
                first_few(&install)
            ));
        }
        unused.iter().map(|path| path.to_string()).collect()
    };
    clock.lap("pages and site model");
    // The site model does not read images' re-encoded sizes (only the rules do), so they are
    // measured now, for the images it found used.
    notes.extend(measure::measure_deferred_images(
        &mut assets,
        &|path| !unused.contains(path),
        options.threads,
        &reader,
        &mut cache,
        progress,
        &mut statistics,
    ));
    clock.work = progress.work_times();
    clock.lap("images");
    // After analysis (an image's box depends on its measured size), before the rules.
    let layouts = crate::layout::lay_out_pages_cached(
        &assets,
        config.base_path.as_deref(),
        options.threads,
        &mut cache,
    );
    notes.extend(layouts.notes());
    // Once, with what measuring and the layouts added.
    if let Err(problem) = cache.save() {
        notes.push(problem.0);
    }
    clock.lap("layout");
    let budgets = budget::evaluate(&config, &assets, &pages);
    notes.extend(budget::unmatched_path_budgets(&config, &assets));
    let comparison = baseline.as_ref().map(|baseline| {
        let default_pattern;
        let pattern = match &config.hash_pattern {
            Some(pattern) => pattern,
            None => {
                default_pattern = crate::baseline::HashPattern::default_pattern();
                &default_pattern
            }
        };
        crate::baseline::compare(baseline, &assets, pattern)
    });
    if let (Some(limit), None) = (&config.max_increase, &comparison) {
        notes.push(format!(
            "{}: a maximum increase of {} is set, but there is no --baseline to compare with: budget/growth was not checked",
            limit.origin, limit.limit
        ));
    }
    let mut skipped = scanned.skipped;
    skipped.extend(measured.skipped);
    skipped.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Prepared {
        root: options.root.clone(),
        config,
        knowledge,
        assets,
        skipped,
        pages,
        budgets,
        comparison,
        notes,
        statistics,
        brotli,
        cache_folder,
        maps,
        profile: options.profile,
        layouts,
        clock: {
            clock.lap("budgets");
            clock
        },
        threads: options.threads,
    })
}

/// A deployment that ships some files only precompressed (`app.js.gz` without `app.js`, as
/// compression plugins do with `deleteOriginalAssets`, or as Cockpit's packages do) serves each
/// copy in its original's place. Whether an orphan copy is such an asset or a leftover of an
/// earlier build is decided from its folder, since one build writes a folder one way:
/// - a page loads it (a reference to `app.js` resolved to `app.js.gz`): an asset;
/// - its folder also holds copies beside their originals (`x.js` + `x.js.gz`), or files of its
///   format shipped plain without any copy: the build there keeps originals, so an orphan is a
///   leftover (`compression/stale`);
/// - otherwise (its folder ships that format only precompressed): an asset.
///
/// Such a copy is counted as the file it encodes: its kind and format are the original's, its
/// raw size is the decoded size, and its own size is the transfer size of its encoding (a `.br`
/// shipped with a `.gz` of the same file becomes that asset's brotli variant). Returns the note
/// naming the pattern.
/// What a copy decodes to: recorded when its content was opened, or its own facts.
fn decoded_of(
    asset: &crate::measure::Asset,
    encoded: &foldhash::HashMap<String, crate::analyze::Decoded>,
) -> Option<crate::analyze::Decoded> {
    match (&asset.facts, encoded.get(&asset.path)) {
        (_, Some(decoded)) => Some(decoded.clone()),
        (crate::analyze::Facts::Precompressed(decoded), None) => Some(decoded.clone()),
        _ => None,
    }
}

/// Gives every copy analysed as the file it encodes (`Facts::Encoded`) that file's facts, and
/// returns what each decodes to, by path.
fn open_encoded_copies(
    assets: &mut [crate::measure::Asset],
) -> foldhash::HashMap<String, crate::analyze::Decoded> {
    let mut decoded = foldhash::HashMap::default();
    for asset in assets.iter_mut() {
        if !matches!(asset.facts, crate::analyze::Facts::Encoded(_)) {
            continue;
        }
        let crate::analyze::Facts::Encoded(encoded) =
            std::mem::replace(&mut asset.facts, crate::analyze::Facts::None)
        else {
            continue;
        };
        let crate::model::facts::Encoded {
            decoded: what,
            content,
        } = *encoded;
        asset.facts = content;
        decoded.insert(asset.path.clone(), what);
    }
    decoded
}

fn count_copies_shipped_alone(
    assets: &mut [crate::measure::Asset],
    pages: &[crate::pages::PageLoad],
    mut encoded: foldhash::HashMap<String, crate::analyze::Decoded>,
) -> Option<String> {
    use crate::analyze::Facts;
    use crate::kind::{AssetKind, Format};
    use crate::model::asset::Algorithm;
    use foldhash::{HashMap, HashSet, HashSetExt};
    let loaded: HashSet<&str> = pages
        .iter()
        .flat_map(|p| {
            p.initial_scripts
                .files
                .iter()
                .chain(&p.initial_stylesheets.files)
                .chain(&p.lazy_scripts.files)
                .chain(&p.lazy_stylesheets.files)
        })
        .map(String::as_str)
        .collect();
    let folder_of = |path: &str| {
        path.rsplit_once('/')
            .map_or("", |(folder, _)| folder)
            .to_string()
    };
    // The format an encoded copy's name says it holds: `app.js.gz` -> JavaScript.
    let encoded_format = |path: &str| {
        path.rsplit_once('.')
            .and_then(|(stem, _)| stem.rsplit_once('.'))
            .and_then(|(_, extension)| Format::from_extension(extension))
    };
    // Per folder and format: does the build there keep originals?
    let mut keeps_originals: HashSet<(String, Format)> = HashSet::new();
    for asset in assets.iter() {
        let plain_without_copy = asset.kind != AssetKind::Precompressed
            && asset.counted()
            && asset.format.compressible()
            && asset.variants.is_empty();
        let copy_with_original = asset.kind == AssetKind::Precompressed && asset.original.is_some();
        let format = if copy_with_original {
            encoded_format(&asset.path)
        } else if plain_without_copy {
            Some(asset.format)
        } else {
            None
        };
        if let Some(format) = format {
            keeps_originals.insert((folder_of(&asset.path), format));
        }
    }
    let mut alone: Vec<(usize, Format)> = Vec::new();
    for (index, asset) in assets.iter().enumerate() {
        if asset.kind != AssetKind::Precompressed || asset.original.is_some() {
            continue;
        }
        let Some(format) = encoded_format(&asset.path) else {
            continue;
        };
        if loaded.contains(asset.path.as_str())
            || !keeps_originals.contains(&(folder_of(&asset.path), format))
        {
            alone.push((index, format));
        }
    }
    let is_alone: HashSet<usize> = alone.iter().map(|&(index, _)| index).collect();
    // A copy that stays a copy (a leftover) is compared with what it decodes to.
    for (index, asset) in assets.iter_mut().enumerate() {
        if !is_alone.contains(&index)
            && let Some(decoded) = encoded.remove(&asset.path)
        {
            asset.facts = Facts::Precompressed(decoded);
        }
    }
    if alone.is_empty() {
        return None;
    }
    let names: Vec<String> = alone
        .iter()
        .take(3)
        .map(|&(index, _)| assets[index].path.clone())
        .collect();
    let count = alone.len();
    // When one file is shipped as both `.gz` and `.br`, the `.gz` stands for it (the encoding
    // every browser accepts) and the `.br` is its brotli variant.
    let by_path: HashMap<String, usize> = alone
        .iter()
        .map(|&(index, _)| (assets[index].path.clone(), index))
        .collect();
    for &(index, _) in &alone {
        let path = assets[index].path.clone();
        let Some(stem) = path.strip_suffix(".br") else {
            continue;
        };
        if let Some(&gzip_copy) = by_path.get(&format!("{stem}.gz")) {
            let gzip_path = assets[gzip_copy].path.clone();
            assets[index].original = Some(gzip_path.clone());
            let own = assets[index].raw;
            assets[gzip_copy].variants.push(path.clone());
            assets[gzip_copy].brotli = Some(own);
            // The variant stays a copy: `compression/stale` checks it decodes to what the
            // `.gz` decodes to.
            let brotli_decoded = decoded_of(&assets[index], &encoded);
            let gzip_decoded = decoded_of(&assets[gzip_copy], &encoded);
            let mut decoded = brotli_decoded.unwrap_or(crate::analyze::Decoded {
                hash: None,
                size: 0,
                error: None,
            });
            if let (Some(gzip), Some(brotli)) = (gzip_decoded, decoded.hash)
                && decoded.error.is_none()
                && gzip.hash.is_some_and(|hash| hash != brotli)
            {
                decoded.error = Some(format!(
                    "does not decode to what {gzip_path} decodes to: it holds {} bytes of other content (a stale build artefact), while {gzip_path} holds {}",
                    decoded.size, gzip.size
                ));
            }
            encoded.remove(&path);
            assets[index].facts = Facts::Precompressed(decoded);
        }
    }
    for &(index, format) in &alone {
        let asset = &mut assets[index];
        if asset.original.is_some() {
            continue;
        }
        let algorithm = if asset.path.ends_with(".br") {
            Algorithm::Brotli
        } else {
            Algorithm::Gzip
        };
        let own = asset.raw;
        match decoded_of(asset, &encoded) {
            Some(decoded) if decoded.error.is_none() => {
                asset.raw = decoded.size;
                asset.format = format;
                match algorithm {
                    Algorithm::Gzip => asset.gzip = Some(own),
                    // Its gzip size stays unknown (`Asset::transfer` then uses this size).
                    Algorithm::Brotli => asset.brotli = Some(own),
                }
                asset.encoded_only = Some(algorithm);
            }
            // A copy that does not decode stays a copy: `compression/stale` reports it.
            _ => continue,
        }
        asset.kind = format.kind();
    }
    Some(format!(
        "{count} file(s) are shipped only precompressed ({}{}), and their folders ship no plain copy of that format: each is counted as the file it encodes (raw = decoded size, gzip/brotli = the file's own size), and references to that file resolve to it",
        names.join(", "),
        if count > 3 { ", …" } else { "" }
    ))
}

/// The first three of `paths`, comma-separated, with `, …` when there are more: how a note
/// names the files it counts.
fn first_few(paths: &[impl AsRef<str>]) -> String {
    let mut named: Vec<&str> = paths.iter().take(3).map(AsRef::as_ref).collect();
    if paths.len() > 3 {
        named.push("…");
    }
    named.join(", ")
}

/// Marks as sources the `.js` files a browser cannot run as shipped: ES modules with a static
/// `import`/`export … from` of a bare package name (`@jupyterlab/coreutils`), when no page has
/// an import map to resolve such names (JupyterLab copies its webpack entry `index.out.js`
/// into its static folder). `require("react")` does not count: UMD bundles carry it in a
/// branch browsers never take.
///
/// Also marks the CommonJS builds no page loads with a `<script src>` ([`CommonJsUse`]:
/// swagger-ui-dist ships its webpack builds for bundlers, `swagger-ui.js` with `require`d
/// externals and `swagger-ui-es-bundle.js` ending in `module.exports=…`, beside the bundle its
/// page loads). A page that loads one directly is believed: an Electron renderer page has
/// `require`. Returns the paths of the ES modules, then of the CommonJS builds.
///
/// [`CommonJsUse`]: crate::model::facts::js::CommonJsUse
fn mark_build_inputs(assets: &mut [crate::measure::Asset]) -> (Vec<String>, Vec<String>) {
    use crate::analyze::{Facts, html::ScriptKind, js::ImportForm};
    let import_map = assets.iter().any(|asset| match &asset.facts {
        Facts::Document(html) => html.scripts.iter().any(|s| s.kind == ScriptKind::ImportMap),
        _ => false,
    });
    // The file names pages load as classic or module scripts, without their folders: a
    // script a page may load is never marked, whichever folder the page meant.
    let loaded_by_pages: std::collections::HashSet<String> = assets
        .iter()
        .filter_map(|asset| match &asset.facts {
            Facts::Document(html) => Some(html.scripts.iter()),
            _ => None,
        })
        .flatten()
        .filter_map(|script| script.src.as_deref())
        .map(|src| {
            let path = src.split(['?', '#']).next().unwrap_or(src);
            path.rsplit('/').next().unwrap_or(path).to_string()
        })
        .collect();
    let (mut marked, mut commonjs) = (Vec::new(), Vec::new());
    for asset in assets.iter_mut() {
        if asset.kind != crate::kind::AssetKind::Script {
            continue;
        }
        let Facts::Script(script) = &asset.facts else {
            continue;
        };
        let name = asset.path.rsplit('/').next().unwrap_or(&asset.path);
        let builds = if script.js.commonjs.is_some() && !loaded_by_pages.contains(name) {
            &mut commonjs
        } else if !import_map
            && script.js.imports.iter().any(|import| {
                !import.type_only
                    && !matches!(import.form, ImportForm::Require | ImportForm::Dynamic)
                    && crate::analyze::js_scan::is_bare_specifier(&import.specifier)
            })
        {
            &mut marked
        } else {
            continue;
        };
        asset.kind = crate::kind::AssetKind::Source;
        builds.push(asset.path.clone());
    }
    (marked, commonjs)
}

/// The report of a prepared audit with its findings.
pub fn report(
    options: &AuditOptions,
    prepared: Prepared,
    mut findings: Vec<crate::model::finding::Finding>,
) -> Report {
    let Prepared {
        config,
        assets,
        skipped,
        pages,
        budgets,
        comparison,
        notes,
        statistics,
        brotli,
        cache_folder,
        maps,
        mut clock,
        ..
    } = prepared;
    crate::composition::attach_importers(&mut findings, &assets);
    let repository = crate::origins::repository_root();
    if let Some(repository) = repository.as_ref().filter(|_| options.original_sources) {
        crate::origins::fill_source_locations(
            &mut findings,
            &assets,
            &maps,
            &options.root,
            repository,
        );
        crate::origins::fill_import_locations(&mut findings, &options.root, repository);
    }
    let root_in_repository = repository
        .as_deref()
        .and_then(|repository| crate::origins::relative_to(repository, &options.root));

    let count = |severity: Severity| findings.iter().filter(|f| f.severity == severity).count();
    let summary = Summary {
        errors: count(Severity::Error),
        warnings: count(Severity::Warning),
        infos: count(Severity::Info),
        failed: findings.iter().any(|f| options.fail_on.fails(f.severity)),
    };
    let opportunities = crate::impact::opportunities(&findings, options.profile);
    let scorecard = crate::impact::scorecard(&assets, &pages, &budgets, options.profile);
    clock.lap("report");
    Report {
        timings: options.timings.then(|| clock.timings()),
        json_schema: crate::report::schema::report_schema_url(),
        schema: SCHEMA_VERSION,
        tool: Tool {
            name: "webaudit",
            version: env!("CARGO_PKG_VERSION"),
        },
        root: display(&options.root),
        root_in_repository,
        settings: Settings {
            gzip: gzip_setting(),
            brotli: brotli.then(|| BROTLI_SETTING.to_string()),
            fail_on: options.fail_on,
            config_files: config.files.iter().map(|p| display(p)).collect(),
            cache: cache_folder,
            rules_off: config
                .rules
                .iter()
                .filter(|(_, setting)| matches!(setting, config::RuleSetting::Off))
                .map(|(id, _)| id.clone())
                .collect(),
            profile: options.profile.name,
        },
        totals: Totals::of(&assets, brotli),
        assets,
        budgets,
        pages,
        findings,
        opportunities,
        scorecard,
        skipped,
        notes,
        measurement: statistics,
        baseline: comparison,
        summary,
    }
}
