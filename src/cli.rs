//! The command line: every command, option and help text, as clap reads them. Only
//! definitions and argument parsers live here; `main.rs` turns them into library calls.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use webaudit::Error;
use webaudit::baseline::{HashPattern, Increase};
use webaudit::config::migrate::Source;
use webaudit::report::emit::Format;
use webaudit::size;

pub const EXAMPLES: &str = "\
Examples:
  webaudit                               audit this project's dist/ (or build/…)
  webaudit dist/                         audit a built app against the default 200 kB budget
  webaudit dist/ --budget 150kB          set the total budget (gzip of scripts + stylesheets)
  webaudit dist/ --brotli                also compute brotli sizes (quality 11, ~1 MB/s per core)
  webaudit dist/ --format json -o report.json
  webaudit dist/ --budget-file budget.json   check a Lighthouse budget
  webaudit dist/ --baseline base.json --max-increase 5%
                                         compare with the base branch's JSON report
  webaudit dist/ --format github --report sarif=webaudit.sarif --report markdown=comment.md
                                         in GitHub Actions: annotations, code scanning, PR comment
  webaudit rules                         list every rule
  webaudit explain budget/total          what a rule checks, why, and how to fix it
  webaudit check-url http://127.0.0.1:8080/ dist/   how a running server serves dist/
  webaudit init                          write a starting webaudit.toml
  webaudit migrate                       size-limit/bundlewatch → webaudit.toml

Exit codes: 0 no finding at or above --fail-on; 1 at least one; 2 the run failed.";

#[derive(Parser)]
#[command(name = "webaudit", version, about = "Audit a built web app for size budgets and performance problems", after_help = EXAMPLES)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub audit: AuditArgs,
}

#[derive(Subcommand)]
pub enum Command {
    /// Audit a built app folder (the default command).
    Audit(Box<AuditArgs>),
    /// List every rule with its id, default severity and summary.
    Rules {
        #[arg(long, value_enum, default_value_t = RulesFormat::Text)]
        format: RulesFormat,
    },
    /// Print a rule's documentation: what it finds, why it matters, how to fix it.
    Explain {
        /// Rule id, e.g. budget/total.
        rule: String,
    },
    /// Request every asset of PATH from a running server at URL and report how it is served
    /// (compression, Content-Type, Cache-Control of hashed files, missing files).
    CheckUrl(Box<CheckUrlArgs>),
    /// Print what the layout stage computed for each static page of PATH: the box of every
    /// <img>, <iframe> and <video poster> at the mobile (412×823 @1.75) and desktop
    /// (1350×940 @1) viewports, whether it is in the first screen and how far below it starts.
    Layout(LayoutArgs),
    /// Write .gz (zlib 9 or zopfli) and .br (quality 11) copies beside compressible assets.
    #[command(after_help = COMPRESS_HELP)]
    Compress(CompressArgs),
    /// Make PNGs and JPEGs smaller losslessly (and JPEGs lossy with --lossy); write WebP/AVIF copies.
    #[command(after_help = OPTIMIZE_HELP)]
    Optimize(OptimizeArgs),
    /// Write a commented webaudit.toml here: the build folder found, its pages, and a total
    /// budget at today's gzip size + 10% (never replaces an existing one).
    Init(InitArgs),
    /// Print the webaudit.toml that checks what the size-limit, bundlewatch or Lighthouse
    /// configuration found here checks, with the same verdicts.
    Migrate(MigrateArgs),
    /// Print a completion script for SHELL, e.g. `webaudit completions bash > /etc/bash_completion.d/webaudit`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), e.g. `webaudit man > webaudit.1`.
    Man,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum MigrateFrom {
    SizeLimit,
    Bundlewatch,
    Lighthouse,
}

impl From<MigrateFrom> for Source {
    fn from(from: MigrateFrom) -> Source {
        match from {
            MigrateFrom::SizeLimit => Source::SizeLimit,
            MigrateFrom::Bundlewatch => Source::Bundlewatch,
            MigrateFrom::Lighthouse => Source::Lighthouse,
        }
    }
}

#[derive(Args, Clone)]
pub struct InitArgs {
    /// The built folder to measure [default: the project's build folder: dist/, build/, out/…].
    pub path: Option<PathBuf>,
    /// Write the budgets of this tool's configuration instead of measuring.
    #[arg(long, value_enum)]
    pub from: Option<MigrateFrom>,
    /// The Lighthouse budget file for --from lighthouse [default: budget.json].
    #[arg(long, value_name = "FILE")]
    pub budget_file: Option<PathBuf>,
    /// Do not read or write the size cache.
    #[arg(long)]
    pub no_cache: bool,
}

#[derive(Args, Clone)]
pub struct MigrateArgs {
    /// The built folder the budgets will be checked on; paths are made relative to it
    /// [default: the project's build folder: dist/, build/, out/…].
    pub path: Option<PathBuf>,
    /// Only this tool's configuration [default: every one found].
    #[arg(long, value_enum)]
    pub from: Option<MigrateFrom>,
    /// A Lighthouse budget file [default: budget.json, when present].
    #[arg(long, value_name = "FILE")]
    pub budget_file: Option<PathBuf>,
}

#[derive(Args, Clone)]
pub struct CheckUrlArgs {
    /// Where the folder is served, e.g. http://127.0.0.1:8080/ or https://example.org/app/.
    pub url: String,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,
    /// Seconds allowed to send each request and to receive its response headers (connecting:
    /// this, at most 5).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub timeout: u64,
    /// Which redirects to follow (at most 5 per asset): same-origin (the scheme, host and port
    /// of URL), any, or none. Link-local and cloud metadata addresses are never requested.
    #[arg(long, value_enum, default_value_t = FollowRedirectsArg::SameOrigin)]
    pub follow_redirects: FollowRedirectsArg,
    /// Seconds allowed for the whole run; assets not checked by then are named in the report.
    #[arg(long, value_name = "SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub deadline: u64,
    #[command(flatten)]
    pub audit: AuditArgs,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum FollowRedirectsArg {
    SameOrigin,
    Any,
    None,
}

pub const OPTIMIZE_HELP: &str = "\
PNGs are recompressed losslessly (oxipng preset --level, metadata that does not affect display
stripped); JPEGs losslessly as jpegtran -optimize -progressive (same pixels; EXIF orientation
and colour profiles kept), and re-encoded at --jpeg-quality with --lossy.
A change is kept only when it saves at least --min-saving and --min-saving-percent; a file is
never replaced by a larger one. Every file is written to a temporary file in the same folder,
synced, read back and decoded (lossless results compared pixel by pixel with the original),
then renamed. Corrupt images and decompression bombs are skipped with a warning.

PATHs are folders and files, mixed as needed: a folder means every image in it, a file that
image only (its WebP/AVIF copies are written beside it). With --rewrite-html, PATH is the whole
built app folder, or --root names it: every page of --root is read, and only the <img> that
show an image named (or in a folder named) are rewritten, so `--rewrite-html --root dist
dist/img/a.png` changes the tags showing a.png and nothing else.

--responsive plans from the layout of every page of the folder: an image gets the widths its
widest display needs, at 2x on phones and at 1x and 2x on desktops, capped at its own width and
merged when within 10%, so a 1600 px hero shown 412 px wide on phones and 1350 px on desktops
gets img/hero-824w.jpg and img/hero-1350w.jpg, and with --rewrite-html a srcset listing them
(824w, 1350w) and the original (1600w), with the sizes the layout measured. Between the two laid-out widths the page's own
breakpoints decide: check the sizes value against them.

Exit codes: 0 done (or nothing to do); 1 some file could not be handled (the others were);
2 the run failed (e.g. a path does not exist, is a link, or is outside --root).";

#[derive(Args, Clone)]
pub struct OptimizeArgs {
    #[command(flatten)]
    pub fix: FixArgs,
    /// oxipng preset for PNGs, 0 (fast) to 6 (slowest).
    #[arg(long, default_value_t = webaudit::fix::optimize::DEFAULT_LEVEL, value_parser = clap::value_parser!(u8).range(0..=6))]
    pub level: u8,
    /// Also re-encode JPEGs (lossy) at --jpeg-quality, when that saves enough.
    #[arg(long)]
    pub lossy: bool,
    /// JPEG quality for --lossy and --max-width (1-100).
    #[arg(long, default_value_t = webaudit::fix::optimize::DEFAULT_JPEG_QUALITY, value_parser = clap::value_parser!(u8).range(1..=100))]
    pub jpeg_quality: u8,
    /// Write NAME.webp beside each PNG, JPEG and static GIF (lossy q80, lossless when smaller).
    #[arg(long)]
    pub webp: bool,
    /// WebP quality (0-100).
    #[arg(long, default_value_t = webaudit::fix::optimize::DEFAULT_WEBP_QUALITY, value_parser = parse_webp_quality_arg)]
    pub webp_quality: f32,
    /// Write NAME.avif beside each PNG, JPEG and static GIF (slow: seconds per large image).
    #[arg(long)]
    pub avif: bool,
    /// AVIF quality (1-100).
    #[arg(long, default_value_t = webaudit::fix::optimize::DEFAULT_AVIF_QUALITY, value_parser = parse_avif_quality_arg)]
    pub avif_quality: f32,
    /// AVIF encoder speed, 1 (slowest, smallest) to 10.
    #[arg(long, default_value_t = webaudit::fix::optimize::DEFAULT_AVIF_SPEED, value_parser = clap::value_parser!(u8).range(1..=10))]
    pub avif_speed: u8,
    /// Scale PNGs and JPEGs wider than N pixels down to N (aspect ratio kept), in place.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_width: Option<u32>,
    /// Write only the --webp/--avif copies; leave the originals as they are.
    #[arg(long)]
    pub copies_only: bool,
    /// Also rewrite the HTML pages: <picture> with the WebP/AVIF copies, width/height from the
    /// real image, loading="lazy" below the fold (the audit's guess, [images] above_the_fold).
    /// With files (or part of the folder): only the <img> showing them, and --root is needed.
    #[arg(long)]
    pub rewrite_html: bool,
    /// Lay the pages out (mobile 412 px at 1.75x, desktop 1350 px) and write, beside each PNG
    /// and JPEG an <img> without srcset shows, variants at the widths it is displayed at
    /// (NAME-640w.jpg; with --webp/--avif their copies too). New files only: an existing file
    /// of that name that differs is left alone. With --rewrite-html those <img> get srcset and
    /// sizes. With files (or part of the folder): --root is needed.
    #[arg(long)]
    pub responsive: bool,
    /// Keep a change only when it saves at least this much.
    #[arg(long, value_name = "SIZE", value_parser = parse_size_arg, default_value = "1KiB")]
    pub min_saving: u64,
    /// Keep a change only when it saves at least this percentage of the file.
    #[arg(long, value_name = "PERCENT", default_value_t = webaudit::fix::optimize::DEFAULT_MIN_SAVING_PERCENT, value_parser = parse_percent_arg)]
    pub min_saving_percent: f64,
}

impl FixArgs {
    /// The root folder, and the PATHs to work on in it (none: all of it, when PATH is that one
    /// folder).
    pub fn targets(&self) -> Result<(PathBuf, Vec<PathBuf>), Error> {
        let root = webaudit::fix::root_of(&self.paths, self.root.as_deref())?;
        let whole = self.root.is_none() && self.paths.len() == 1 && self.paths[0] == root;
        let paths = if whole {
            Vec::new()
        } else {
            self.paths.clone()
        };
        Ok((root, paths))
    }
}

pub const COMPRESS_HELP: &str = "\
A copy is written when the original is at least --min-size and the copy is at most --min-ratio
of it. Existing copies that decode to their original are kept; others are rewritten. Every file
is written to a temporary file in the same folder, synced, read back and decoded, then renamed.

PATHs are folders and files, mixed as needed: a folder means every file in it, a file that file
only (its .gz and .br are written beside it).

Exit codes: 0 done (or nothing to do); 1 some file could not be handled (the others were);
2 the run failed (e.g. a path does not exist, is a link, or is outside --root).";

/// Options every fixer shares.
#[derive(Args, Clone)]
pub struct FixArgs {
    /// Folders and files to fix, in place: a folder means every file in it, a file only that
    /// file (its copies are written beside it). Folders and files can be mixed.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// The built app folder the PATHs are in [default: the PATH when it is one folder, else the
    /// folder that holds every PATH]. Paths in the summary and --ignore patterns are relative to
    /// it; --rewrite-html reads its webaudit.toml and rewrites its pages.
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Print what would change and the savings; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Output format of the summary (on standard output).
    #[arg(long, value_enum, default_value_t = FixFormat::Terminal)]
    pub format: FixFormat,
    /// Skip files matching GLOB (relative to the root folder; repeatable).
    #[arg(long, value_name = "GLOB")]
    pub ignore: Vec<String>,
    /// Worker threads (0: one per core).
    #[arg(short = 'j', long, default_value_t = 0)]
    pub threads: usize,
    /// No progress output.
    #[arg(short, long)]
    pub quiet: bool,
    /// Replace existing .gz, .br, .webp and .avif files that are not up-to-date copies of their
    /// source. Without it they are left alone and reported: webaudit cannot tell whether it
    /// wrote them or they are someone's own files.
    #[arg(long)]
    pub force: bool,
}

#[derive(Args, Clone)]
pub struct CompressArgs {
    #[command(flatten)]
    pub fix: FixArgs,
    /// Leave files smaller than this alone.
    #[arg(long, value_name = "SIZE", value_parser = parse_size_arg, default_value = "1KiB")]
    pub min_size: u64,
    /// Write a copy only when it is at most this fraction of the original (0.9: saves ≥ 10%).
    #[arg(long, value_name = "RATIO", default_value_t = webaudit::fix::compress::DEFAULT_MAX_RATIO, value_parser = parse_ratio)]
    pub min_ratio: f64,
    /// gzip with zopfli (smaller, about 100 times slower) instead of zlib level 9.
    #[arg(long)]
    pub zopfli: bool,
    /// Do not write .gz copies.
    #[arg(long)]
    pub no_gzip: bool,
    /// Do not write .br copies.
    #[arg(long)]
    pub no_brotli: bool,
    /// Also remove .gz/.br copies whose original is gone.
    #[arg(long)]
    pub clean: bool,
}

pub fn parse_ratio(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(ratio) if ratio > 0.0 && ratio <= 1.0 => Ok(ratio),
        _ => Err(format!("{text:?} is not a ratio in (0, 1]")),
    }
}

/// Output formats of the fixers' list of changes.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FixFormat {
    Terminal,
    Json,
}

#[derive(Args)]
pub struct LayoutArgs {
    /// The built folder.
    pub path: PathBuf,
    #[arg(long, value_enum, default_value_t = RulesFormat::Text)]
    pub format: RulesFormat,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum RulesFormat {
    Text,
    Json,
}

/// One `--report FORMAT=PATH`.
#[derive(Clone, Debug)]
pub struct ExtraReport {
    pub format: Format,
    pub path: PathBuf,
}

pub fn parse_extra_report(text: &str) -> Result<ExtraReport, String> {
    let (format, path) = text
        .split_once('=')
        .ok_or_else(|| format!("expected FORMAT=PATH (e.g. sarif=webaudit.sarif), got {text:?}"))?;
    let format = match format {
        "json" => Format::Json,
        "github" => Format::Github,
        "markdown" => Format::Markdown,
        "sarif" => Format::Sarif,
        "junit" => Format::Junit,
        "html" => Format::Html,
        other => {
            return Err(format!(
                "unknown report format {other:?}; use json, github, markdown, sarif, junit or html"
            ));
        }
    };
    if path.is_empty() {
        return Err(format!("no file given for the {format:?} report"));
    }
    Ok(ExtraReport {
        format,
        path: PathBuf::from(path),
    })
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum FailOnArg {
    Error,
    Warning,
    Info,
    Never,
}

pub fn parse_size_arg(text: &str) -> Result<u64, String> {
    size::parse_size(text).map_err(|e| e.to_string())
}

/// A number in `low..=high`: `nan` and `inf` parse as floats but no encoder takes them (ravif
/// aborts on a NaN quality).
pub fn parse_bounded_number(text: &str, low: f64, high: f64) -> Result<f64, String> {
    let value: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a number"))?;
    if !value.is_finite() || !(low..=high).contains(&value) {
        return Err(format!("{text:?} is not a number from {low} to {high}"));
    }
    Ok(value)
}

pub fn parse_webp_quality_arg(text: &str) -> Result<f32, String> {
    parse_bounded_number(text, 0.0, 100.0).map(|value| value as f32)
}

pub fn parse_avif_quality_arg(text: &str) -> Result<f32, String> {
    parse_bounded_number(text, 1.0, 100.0).map(|value| value as f32)
}

pub fn parse_percent_arg(text: &str) -> Result<f64, String> {
    parse_bounded_number(text, 0.0, 100.0)
}

pub fn parse_increase_arg(text: &str) -> Result<Increase, String> {
    Increase::parse(text)
}

/// Checked while parsing, so a bad pattern is reported like any bad option; compiled again when
/// the audit starts (a compiled pattern would make the arguments large).
pub fn parse_hash_pattern_arg(text: &str) -> Result<String, String> {
    HashPattern::new(text).map(|_| text.to_string())
}

#[derive(Args, Clone)]
pub struct AuditArgs {
    /// The built app folder to audit [default: the current folder; at a project's root (package.json
    /// or src/), its build folder: dist/, build/, out/, _site/, .output/public/ or public/].
    pub path: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Terminal)]
    pub format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also write the report in FORMAT (json, github, markdown, sarif, junit, html) to PATH, atomically
    /// (repeatable), e.g. --report sarif=webaudit.sarif --report markdown=comment.md.
    #[arg(long = "report", value_name = "FORMAT=PATH", value_parser = parse_extra_report)]
    pub reports: Vec<ExtraReport>,
    /// Exit with 1 when a finding of this severity or worse exists.
    #[arg(long, value_enum, default_value_t = FailOnArg::Error)]
    pub fail_on: FailOnArg,
    /// Total budget for scripts + stylesheets (e.g. 150kB, 1.5MB, 200KiB); overrides the config.
    #[arg(long, value_name = "SIZE", value_parser = parse_size_arg)]
    pub budget: Option<u64>,
    /// A Lighthouse budget file (budget.json) to check.
    #[arg(long, value_name = "FILE")]
    pub budget_file: Option<PathBuf>,
    /// A JSON report of an earlier run (e.g. the base branch) to compare sizes with.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Growth allowed against --baseline, per asset and in total: a percentage (5%) or a size (10kB).
    #[arg(long, value_name = "LIMIT", value_parser = parse_increase_arg)]
    pub max_increase: Option<Increase>,
    /// Regular expression finding the content hash in asset paths, in a group named `hash`
    /// [default: Vite/Rollup `-XXXXXXXX.` and webpack `.<hex>.` names].
    #[arg(long, value_name = "REGEX", value_parser = parse_hash_pattern_arg)]
    pub hash_pattern: Option<String>,
    /// Use this webaudit.toml instead of looking for one.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Do not look for webaudit.toml, size-limit or bundlewatch configuration.
    #[arg(long, conflicts_with = "config")]
    pub no_config: bool,
    /// Skip files matching GLOB (relative to PATH; repeatable).
    #[arg(long, value_name = "GLOB")]
    pub ignore: Vec<String>,
    /// Also compute brotli sizes (quality 11, window 22).
    #[arg(long)]
    pub brotli: bool,
    /// Encode images as AVIF to measure that saving (slow: 10-50x WebP); estimated otherwise.
    #[arg(long)]
    pub avif: bool,
    /// Encode every image whole to measure the image rules' savings (slow on image-heavy
    /// folders); by default images over 512x512 pixels and 0.2 byte per pixel are measured on
    /// one row in eight, other PNGs' oxipng savings are estimated from a quicker pass unless
    /// near the 4 KiB threshold, and such savings are labelled as estimates. Also
    /// `[images] exact = true` in webaudit.toml.
    #[arg(long)]
    pub exact_images: bool,
    /// The network that ranks findings by impact: mobile (Lighthouse's 1.6 Mbit/s, 150 ms
    /// RTT), desktop (10 Mbit/s, 40 ms) or slow3g (50 KiB/s, 400 ms).
    #[arg(long, value_enum, default_value = "mobile")]
    pub profile: ProfileArg,
    /// Folder of the size cache [default: ~/.cache/webaudit].
    #[arg(long, value_name = "DIR", env = "WEBAUDIT_CACHE_DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Do not read or write the size cache.
    #[arg(long)]
    pub no_cache: bool,
    /// Worker threads (0: one per core).
    #[arg(short = 'j', long, default_value_t = 0)]
    pub threads: usize,
    /// How many of the largest assets (and changed assets) to list; 0 lists all [default: 5,
    /// or 10 with --verbose].
    #[arg(long)]
    pub top: Option<usize>,
    /// Print only findings and the summary line.
    #[arg(short, long)]
    pub quiet: bool,
    /// List every finding of every rule (by default: the 3 that save the most per rule, and
    /// every error).
    #[arg(short, long)]
    pub verbose: bool,
    /// Colour: auto (on a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Progress on standard error: auto (on a terminal, a bar once the audit has run 2 s; in a
    /// pipe or CI log, one timing line after an audit that took 2 s or more), always (the bar
    /// at once; the timing line after every audit), never. Nothing with --quiet.
    #[arg(long, value_enum, default_value_t = ProgressChoice::Auto, env = "WEBAUDIT_PROGRESS")]
    pub progress: ProgressChoice,
    /// Say where the time went: each stage's wall-clock time and what the measuring workers
    /// spent their time on, on standard error (and as `timings` in the JSON report).
    #[arg(long)]
    pub timings: bool,
}

/// `--progress`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProgressChoice {
    Auto,
    Always,
    Never,
}

/// `--profile`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ProfileArg {
    Mobile,
    Desktop,
    #[value(name = "slow3g")]
    Slow3g,
}
