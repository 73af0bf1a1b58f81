//! The command line: parses arguments, calls the library, prints, and sets the exit code
//! (0: nothing reached --fail-on; 1: a finding did; 2: the run itself failed).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use webaudit::audit::{self, AuditOptions, CacheChoice};
use webaudit::baseline::{HashPattern, Increase};
use webaudit::config::Overrides;
use webaudit::config::migrate::Source;
use webaudit::escape;
use webaudit::live::{FollowRedirects, LiveOptions};
use webaudit::report::emit::{Emission, Format};
use webaudit::report::terminal::TerminalOptions;
use webaudit::report::{self, FailOn};
use webaudit::rules::{self, REGISTRY};
use webaudit::{Error, size};

const EXAMPLES: &str = "\
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
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    audit: AuditArgs,
}

#[derive(Subcommand)]
enum Command {
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
    /// Write .gz (zlib 9 or zopfli) and .br (quality 11) copies beside compressible assets.
    #[command(after_help = COMPRESS_HELP)]
    Compress(CompressArgs),
    /// Make PNGs smaller losslessly (oxipng), JPEGs with --lossy; write WebP/AVIF copies.
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
enum MigrateFrom {
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
struct InitArgs {
    /// The built folder to measure [default: the project's build folder: dist/, build/, out/…].
    path: Option<PathBuf>,
    /// Write the budgets of this tool's configuration instead of measuring.
    #[arg(long, value_enum)]
    from: Option<MigrateFrom>,
    /// The Lighthouse budget file for --from lighthouse [default: budget.json].
    #[arg(long, value_name = "FILE")]
    budget_file: Option<PathBuf>,
    /// Do not read or write the size cache.
    #[arg(long)]
    no_cache: bool,
}

#[derive(Args, Clone)]
struct MigrateArgs {
    /// The built folder the budgets will be checked on; paths are made relative to it
    /// [default: the project's build folder: dist/, build/, out/…].
    path: Option<PathBuf>,
    /// Only this tool's configuration [default: every one found].
    #[arg(long, value_enum)]
    from: Option<MigrateFrom>,
    /// A Lighthouse budget file [default: budget.json, when present].
    #[arg(long, value_name = "FILE")]
    budget_file: Option<PathBuf>,
}

#[derive(Args, Clone)]
struct CheckUrlArgs {
    /// Where the folder is served, e.g. http://127.0.0.1:8080/ or https://example.org/app/.
    url: String,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=64))]
    concurrency: u16,
    /// Seconds allowed to send each request and to receive its response headers (connecting:
    /// this, at most 5).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=600))]
    timeout: u64,
    /// Which redirects to follow (at most 5 per asset): same-origin (the scheme, host and port
    /// of URL), any, or none. Link-local and cloud metadata addresses are never requested.
    #[arg(long, value_enum, default_value_t = FollowRedirectsArg::SameOrigin)]
    follow_redirects: FollowRedirectsArg,
    /// Seconds allowed for the whole run; assets not checked by then are named in the report.
    #[arg(long, value_name = "SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    deadline: u64,
    #[command(flatten)]
    audit: AuditArgs,
}

#[derive(Clone, Copy, ValueEnum)]
enum FollowRedirectsArg {
    SameOrigin,
    Any,
    None,
}

const OPTIMIZE_HELP: &str = "\
PNGs are recompressed losslessly (oxipng preset --level, metadata that does not affect display
stripped). JPEGs are re-encoded only with --lossy (no lossless JPEG optimiser in this build).
A change is kept only when it saves at least --min-saving and --min-saving-percent; a file is
never replaced by a larger one. Every file is written to a temporary file in the same folder,
synced, read back and decoded (lossless results compared pixel by pixel with the original),
then renamed. Corrupt images and decompression bombs are skipped with a warning.

PATHs are folders and files, mixed as needed: a folder means every image in it, a file that
image only (its WebP/AVIF copies are written beside it). With --rewrite-html, PATH is the whole
built app folder, or --root names it: every page of --root is read, and only the <img> that
show an image named (or in a folder named) are rewritten, so `--rewrite-html --root dist
dist/img/a.png` changes the tags showing a.png and nothing else.

Exit codes: 0 done (or nothing to do); 1 some file could not be handled (the others were);
2 the run failed (e.g. a path does not exist, is a link, or is outside --root).";

#[derive(Args, Clone)]
struct OptimizeArgs {
    #[command(flatten)]
    fix: FixArgs,
    /// oxipng preset for PNGs, 0 (fast) to 6 (slowest).
    #[arg(long, default_value_t = webaudit::fix::optimize::DEFAULT_LEVEL, value_parser = clap::value_parser!(u8).range(0..=6))]
    level: u8,
    /// Also re-encode JPEGs (lossy) at --jpeg-quality, when that saves enough.
    #[arg(long)]
    lossy: bool,
    /// JPEG quality for --lossy and --max-width (1-100).
    #[arg(long, default_value_t = webaudit::fix::optimize::DEFAULT_JPEG_QUALITY, value_parser = clap::value_parser!(u8).range(1..=100))]
    jpeg_quality: u8,
    /// Write NAME.webp beside each PNG, JPEG and static GIF (lossy q80, lossless when smaller).
    #[arg(long)]
    webp: bool,
    /// WebP quality (0-100).
    #[arg(long, default_value_t = webaudit::fix::optimize::DEFAULT_WEBP_QUALITY, value_parser = parse_webp_quality_arg)]
    webp_quality: f32,
    /// Write NAME.avif beside each PNG, JPEG and static GIF (slow: seconds per large image).
    #[arg(long)]
    avif: bool,
    /// AVIF quality (1-100).
    #[arg(long, default_value_t = webaudit::fix::optimize::DEFAULT_AVIF_QUALITY, value_parser = parse_avif_quality_arg)]
    avif_quality: f32,
    /// AVIF encoder speed, 1 (slowest, smallest) to 10.
    #[arg(long, default_value_t = webaudit::fix::optimize::DEFAULT_AVIF_SPEED, value_parser = clap::value_parser!(u8).range(1..=10))]
    avif_speed: u8,
    /// Scale PNGs and JPEGs wider than N pixels down to N (aspect ratio kept), in place.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    max_width: Option<u32>,
    /// Write only the --webp/--avif copies; leave the originals as they are.
    #[arg(long)]
    copies_only: bool,
    /// Also rewrite the HTML pages: <picture> with the WebP/AVIF copies, width/height from the
    /// real image, loading="lazy" below the fold (the audit's guess, [images] above_the_fold).
    /// With files (or part of the folder): only the <img> showing them, and --root is needed.
    #[arg(long)]
    rewrite_html: bool,
    /// Keep a change only when it saves at least this much.
    #[arg(long, value_name = "SIZE", value_parser = parse_size_arg, default_value = "1KiB")]
    min_saving: u64,
    /// Keep a change only when it saves at least this percentage of the file.
    #[arg(long, value_name = "PERCENT", default_value_t = webaudit::fix::optimize::DEFAULT_MIN_SAVING_PERCENT, value_parser = parse_percent_arg)]
    min_saving_percent: f64,
}

impl FixArgs {
    /// The root folder, and the PATHs to work on in it (none: all of it, when PATH is that one
    /// folder).
    fn targets(&self) -> Result<(PathBuf, Vec<PathBuf>), Error> {
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

fn run_optimize(args: &OptimizeArgs) -> Result<u8, Error> {
    survive_file_size_limits();
    let (root, paths) = args.fix.targets()?;
    if args.rewrite_html && args.fix.root.is_none() && !paths.is_empty() {
        // Which pages show these images, and where `/img/a.png` in them points, depends on
        // the site's folder: it is not guessed.
        return Err(Error::Usage(
            "--rewrite-html with files (or several folders) needs --root DIR, the built app folder whose pages show them".into(),
        ));
    }
    let mut options = webaudit::fix::optimize::OptimizeOptions::new(root.clone());
    options.paths = paths;
    options.ignore = ignore_patterns(&args.fix.ignore)?;
    options.level = args.level;
    options.lossy = args.lossy;
    options.jpeg_quality = args.jpeg_quality;
    options.webp = args.webp;
    options.webp_quality = args.webp_quality;
    options.avif = args.avif;
    options.avif_quality = args.avif_quality;
    options.avif_speed = args.avif_speed;
    options.max_width = args.max_width;
    options.copies_only = args.copies_only;
    options.force = args.fix.force;
    options.rewrite_html = args.rewrite_html;
    if args.rewrite_html {
        // The lazy-loading guess must be the audit's: same webaudit.toml, same setting.
        let config = webaudit::config::load(&root, &Overrides::default())?;
        webaudit::rules::check_config(&config)?;
        options.above_the_fold = config.images.above_the_fold;
    }
    options.min_saving = args.min_saving;
    options.min_saving_percent = args.min_saving_percent;
    options.dry_run = args.fix.dry_run;
    options.threads = args.fix.threads;
    options.quiet = args.fix.quiet;
    let report = webaudit::fix::optimize::run(&options)?;
    print_fix_report(&report, args.fix.format)
}

const COMPRESS_HELP: &str = "\
A copy is written when the original is at least --min-size and the copy is at most --min-ratio
of it. Existing copies that decode to their original are kept; others are rewritten. Every file
is written to a temporary file in the same folder, synced, read back and decoded, then renamed.

PATHs are folders and files, mixed as needed: a folder means every file in it, a file that file
only (its .gz and .br are written beside it).

Exit codes: 0 done (or nothing to do); 1 some file could not be handled (the others were);
2 the run failed (e.g. a path does not exist, is a link, or is outside --root).";

/// Options every fixer shares.
#[derive(Args, Clone)]
struct FixArgs {
    /// Folders and files to fix, in place: a folder means every file in it, a file only that
    /// file (its copies are written beside it). Folders and files can be mixed.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// The built app folder the PATHs are in [default: the PATH when it is one folder, else the
    /// folder that holds every PATH]. Paths in the summary and --ignore patterns are relative to
    /// it; --rewrite-html reads its webaudit.toml and rewrites its pages.
    #[arg(long, value_name = "DIR")]
    root: Option<PathBuf>,
    /// Print what would change and the savings; write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Output format of the summary (on standard output).
    #[arg(long, value_enum, default_value_t = FixFormat::Terminal)]
    format: FixFormat,
    /// Skip files matching GLOB (relative to the root folder; repeatable).
    #[arg(long, value_name = "GLOB")]
    ignore: Vec<String>,
    /// Worker threads (0: one per core).
    #[arg(short = 'j', long, default_value_t = 0)]
    threads: usize,
    /// No progress output.
    #[arg(short, long)]
    quiet: bool,
    /// Replace existing .gz, .br, .webp and .avif files that are not up-to-date copies of their
    /// source. Without it they are left alone and reported: webaudit cannot tell whether it
    /// wrote them or they are someone's own files.
    #[arg(long)]
    force: bool,
}

#[derive(Args, Clone)]
struct CompressArgs {
    #[command(flatten)]
    fix: FixArgs,
    /// Leave files smaller than this alone.
    #[arg(long, value_name = "SIZE", value_parser = parse_size_arg, default_value = "1KiB")]
    min_size: u64,
    /// Write a copy only when it is at most this fraction of the original (0.9: saves ≥ 10%).
    #[arg(long, value_name = "RATIO", default_value_t = webaudit::fix::compress::DEFAULT_MAX_RATIO, value_parser = parse_ratio)]
    min_ratio: f64,
    /// gzip with zopfli (smaller, about 100 times slower) instead of zlib level 9.
    #[arg(long)]
    zopfli: bool,
    /// Do not write .gz copies.
    #[arg(long)]
    no_gzip: bool,
    /// Do not write .br copies.
    #[arg(long)]
    no_brotli: bool,
    /// Also remove .gz/.br copies whose original is gone.
    #[arg(long)]
    clean: bool,
}

fn parse_ratio(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(ratio) if ratio > 0.0 && ratio <= 1.0 => Ok(ratio),
        _ => Err(format!("{text:?} is not a ratio in (0, 1]")),
    }
}

fn ignore_patterns(globs: &[String]) -> Result<Vec<webaudit::glob::PathPattern>, Error> {
    globs
        .iter()
        .map(|glob| {
            webaudit::glob::PathPattern::new(glob)
                .map_err(|e| Error::Usage(format!("--ignore {glob:?}: {e}")))
        })
        .collect()
}

/// A file-size limit (`ulimit -f`) would kill a fixer with SIGXFSZ in the middle of a write;
/// ignored, the write fails with EFBIG instead and becomes an error for that one file, like a
/// full disk.
fn survive_file_size_limits() {
    // SAFETY: setting a signal's disposition to SIG_IGN installs no handler code.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
}

fn run_compress(args: &CompressArgs) -> Result<u8, Error> {
    survive_file_size_limits();
    let (root, paths) = args.fix.targets()?;
    let mut options = webaudit::fix::compress::CompressOptions::new(root);
    options.paths = paths;
    options.ignore = ignore_patterns(&args.fix.ignore)?;
    options.min_size = args.min_size;
    options.max_ratio = args.min_ratio;
    options.zopfli = args.zopfli;
    options.gzip = !args.no_gzip;
    options.brotli = !args.no_brotli;
    options.clean = args.clean;
    options.force = args.fix.force;
    options.dry_run = args.fix.dry_run;
    options.threads = args.fix.threads;
    options.quiet = args.fix.quiet;
    if !options.gzip && !options.brotli {
        return Err(Error::Usage(
            "--no-gzip and --no-brotli together leave nothing to write".into(),
        ));
    }
    let report = webaudit::fix::compress::run(&options)?;
    print_fix_report(&report, args.fix.format)
}

/// Output formats of the fixers' list of changes.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FixFormat {
    Terminal,
    Json,
}

fn print_fix_report(report: &webaudit::fix::FixReport, format: FixFormat) -> Result<u8, Error> {
    let mut rendered = Vec::new();
    let written = match format {
        FixFormat::Terminal => webaudit::fix::render_summary(report, &mut rendered),
        FixFormat::Json => escape::write_json_pretty(&mut rendered, report)
            .and_then(|()| rendered.write_all(b"\n")),
    };
    written.map_err(|source| Error::Io {
        path: PathBuf::from("<report>"),
        action: "cannot render the report",
        source,
    })?;
    print_to_stdout(&rendered)?;
    Ok(report.exit_code())
}

#[derive(Clone, Copy, ValueEnum)]
enum RulesFormat {
    Text,
    Json,
}

/// One `--report FORMAT=PATH`.
#[derive(Clone, Debug)]
struct ExtraReport {
    format: Format,
    path: PathBuf,
}

fn parse_extra_report(text: &str) -> Result<ExtraReport, String> {
    let (format, path) = text
        .split_once('=')
        .ok_or_else(|| format!("expected FORMAT=PATH (e.g. sarif=webaudit.sarif), got {text:?}"))?;
    let format = match format {
        "json" => Format::Json,
        "github" => Format::Github,
        "markdown" => Format::Markdown,
        "sarif" => Format::Sarif,
        "junit" => Format::Junit,
        other => {
            return Err(format!(
                "unknown report format {other:?}; use json, github, markdown, sarif or junit"
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
enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, ValueEnum)]
enum FailOnArg {
    Error,
    Warning,
    Info,
    Never,
}

fn parse_size_arg(text: &str) -> Result<u64, String> {
    size::parse_size(text).map_err(|e| e.to_string())
}

/// A number in `low..=high`: `nan` and `inf` parse as floats but no encoder takes them (ravif
/// aborts on a NaN quality).
fn parse_bounded_number(text: &str, low: f64, high: f64) -> Result<f64, String> {
    let value: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a number"))?;
    if !value.is_finite() || !(low..=high).contains(&value) {
        return Err(format!("{text:?} is not a number from {low} to {high}"));
    }
    Ok(value)
}

fn parse_webp_quality_arg(text: &str) -> Result<f32, String> {
    parse_bounded_number(text, 0.0, 100.0).map(|value| value as f32)
}

fn parse_avif_quality_arg(text: &str) -> Result<f32, String> {
    parse_bounded_number(text, 1.0, 100.0).map(|value| value as f32)
}

fn parse_percent_arg(text: &str) -> Result<f64, String> {
    parse_bounded_number(text, 0.0, 100.0)
}

fn parse_increase_arg(text: &str) -> Result<Increase, String> {
    Increase::parse(text)
}

/// Checked while parsing, so a bad pattern is reported like any bad option; compiled again when
/// the audit starts (a compiled pattern would make the arguments large).
fn parse_hash_pattern_arg(text: &str) -> Result<String, String> {
    HashPattern::new(text).map(|_| text.to_string())
}

#[derive(Args, Clone)]
struct AuditArgs {
    /// The built app folder to audit [default: the current folder; at a project's root (package.json
    /// or src/), its build folder: dist/, build/, out/, _site/, .output/public/ or public/].
    path: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Terminal)]
    format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Also write the report in FORMAT (json, github, markdown, sarif, junit) to PATH, atomically
    /// (repeatable), e.g. --report sarif=webaudit.sarif --report markdown=comment.md.
    #[arg(long = "report", value_name = "FORMAT=PATH", value_parser = parse_extra_report)]
    reports: Vec<ExtraReport>,
    /// Exit with 1 when a finding of this severity or worse exists.
    #[arg(long, value_enum, default_value_t = FailOnArg::Error)]
    fail_on: FailOnArg,
    /// Total budget for scripts + stylesheets (e.g. 150kB, 1.5MB, 200KiB); overrides the config.
    #[arg(long, value_name = "SIZE", value_parser = parse_size_arg)]
    budget: Option<u64>,
    /// A Lighthouse budget file (budget.json) to check.
    #[arg(long, value_name = "FILE")]
    budget_file: Option<PathBuf>,
    /// A JSON report of an earlier run (e.g. the base branch) to compare sizes with.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Growth allowed against --baseline, per asset and in total: a percentage (5%) or a size (10kB).
    #[arg(long, value_name = "LIMIT", value_parser = parse_increase_arg)]
    max_increase: Option<Increase>,
    /// Regular expression finding the content hash in asset paths, in a group named `hash`
    /// [default: Vite/Rollup `-XXXXXXXX.` and webpack `.<hex>.` names].
    #[arg(long, value_name = "REGEX", value_parser = parse_hash_pattern_arg)]
    hash_pattern: Option<String>,
    /// Use this webaudit.toml instead of looking for one.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Do not look for webaudit.toml, size-limit or bundlewatch configuration.
    #[arg(long, conflicts_with = "config")]
    no_config: bool,
    /// Skip files matching GLOB (relative to PATH; repeatable).
    #[arg(long, value_name = "GLOB")]
    ignore: Vec<String>,
    /// Also compute brotli sizes (quality 11, window 22).
    #[arg(long)]
    brotli: bool,
    /// Encode images as AVIF to measure that saving (slow: 10-50x WebP); estimated otherwise.
    #[arg(long)]
    avif: bool,
    /// Folder of the size cache [default: ~/.cache/webaudit].
    #[arg(long, value_name = "DIR", env = "WEBAUDIT_CACHE_DIR")]
    cache_dir: Option<PathBuf>,
    /// Do not read or write the size cache.
    #[arg(long)]
    no_cache: bool,
    /// Worker threads (0: one per core).
    #[arg(short = 'j', long, default_value_t = 0)]
    threads: usize,
    /// How many of the largest assets to list (0: all).
    #[arg(long, default_value_t = 10)]
    top: usize,
    /// Print only findings and the summary line.
    #[arg(short, long)]
    quiet: bool,
    /// Colour: auto (on a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) if !error.use_stderr() => error.exit(), // --help, --version
        Err(error) => {
            // Clap quotes the bad value as given: shown escaped, like every name.
            let message = error.render().to_string();
            for line in message.trim_end().lines() {
                eprintln!("{}", escape::terminal(line));
            }
            return ExitCode::from(2);
        }
    };
    let result = std::panic::catch_unwind(|| match cli.command {
        None => run_audit(&cli.audit),
        Some(Command::Audit(ref args)) => run_audit(args),
        Some(Command::Rules { format }) => list_rules(format),
        Some(Command::Explain { ref rule }) => explain(rule),
        Some(Command::CheckUrl(ref args)) => run_check_url(args),
        Some(Command::Compress(ref args)) => run_compress(args),
        Some(Command::Optimize(ref args)) => run_optimize(args),
        Some(Command::Init(ref args)) => run_init(args),
        Some(Command::Migrate(ref args)) => run_migrate(args),
        Some(Command::Completions { shell }) => print_completions(shell),
        Some(Command::Man) => print_man_page(),
    });
    match result {
        Ok(Ok(code)) => ExitCode::from(code),
        Ok(Err(error)) => {
            // Errors name paths and URLs as given: escaped.
            eprintln!("error: {}", escape::terminal(&error.to_string()));
            ExitCode::from(2)
        }
        Err(_) => {
            eprintln!(
                "error: webaudit hit an internal error (a bug); please report it with the command you ran"
            );
            ExitCode::from(2)
        }
    }
}

fn run_audit(args: &AuditArgs) -> Result<u8, Error> {
    let report = audit::run(&audit_options(args)?)?;
    emit(args, &report)
}

fn run_check_url(args: &CheckUrlArgs) -> Result<u8, Error> {
    let mut live = LiveOptions::new(args.url.clone());
    live.concurrency = usize::from(args.concurrency);
    live.response_timeout = Duration::from_secs(args.timeout);
    live.connect_timeout = Duration::from_secs(args.timeout.min(5));
    live.follow_redirects = match args.follow_redirects {
        FollowRedirectsArg::SameOrigin => FollowRedirects::SameOrigin,
        FollowRedirectsArg::Any => FollowRedirects::Any,
        FollowRedirectsArg::None => FollowRedirects::None,
    };
    live.deadline = Duration::from_secs(args.deadline);
    let report = webaudit::live::check_folder(&audit_options(&args.audit)?, &live)?;
    emit(&args.audit, &report)
}

/// The folder given, else the one found by looking from the current folder (said on stderr,
/// so a report piped elsewhere stays clean), else the current folder.
fn folder_to_audit(path: Option<&Path>) -> Result<PathBuf, Error> {
    if let Some(path) = path {
        return Ok(path.to_path_buf());
    }
    match webaudit::config::build_folder::detect(Path::new("."))? {
        Some(found) => {
            eprintln!(
                "webaudit: auditing {}/, the build folder of this project (name a folder to audit another)",
                escape::terminal(&found.display().to_string())
            );
            Ok(found)
        }
        None => Ok(PathBuf::from(".")),
    }
}

fn cache_choice(no_cache: bool, cache_dir: Option<PathBuf>) -> CacheChoice {
    if no_cache {
        return CacheChoice::Disabled;
    }
    match cache_dir.or_else(audit::default_cache_folder) {
        Some(folder) => CacheChoice::Folder(folder),
        None => CacheChoice::Disabled,
    }
}

fn run_init(args: &InitArgs) -> Result<u8, Error> {
    let written = webaudit::init::init(&webaudit::init::InitOptions {
        project: PathBuf::from("."),
        build_folder: args.path.clone(),
        from: args.from.map(Source::from),
        budget_file: args.budget_file.clone(),
        cache: cache_choice(args.no_cache, None),
    })?;
    eprintln!(
        "webaudit: wrote {} for {}{}",
        escape::terminal(&written.path.display().to_string()),
        escape::terminal(&written.build_folder),
        if written.detected {
            " (the build folder found here)"
        } else {
            ""
        }
    );
    Ok(0)
}

fn run_migrate(args: &MigrateArgs) -> Result<u8, Error> {
    let root = match &args.path {
        Some(path) => path.clone(),
        None => webaudit::config::build_folder::detect(Path::new("."))
            .ok()
            .flatten()
            .unwrap_or_else(|| PathBuf::from(".")),
    };
    let text = webaudit::config::migrate::migrate(
        &root,
        args.from.map(Source::from),
        args.budget_file.as_deref(),
    )?;
    print_to_stdout(text.as_bytes())?;
    Ok(0)
}

fn print_completions(shell: clap_complete::Shell) -> Result<u8, Error> {
    use clap::CommandFactory;
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "webaudit", &mut script);
    print_to_stdout(&script)?;
    Ok(0)
}

fn print_man_page() -> Result<u8, Error> {
    use clap::CommandFactory;
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut page)
        .map_err(|source| Error::Io {
            path: PathBuf::from("<man page>"),
            action: "cannot render the manual page",
            source,
        })?;
    print_to_stdout(&page)?;
    Ok(0)
}

fn audit_options(args: &AuditArgs) -> Result<AuditOptions, Error> {
    let cache = cache_choice(args.no_cache, args.cache_dir.clone());
    Ok(AuditOptions {
        root: folder_to_audit(args.path.as_deref())?,
        overrides: Overrides {
            config_file: args.config.clone(),
            budget_file: args.budget_file.clone(),
            total_budget: args.budget,
            ignore: args.ignore.clone(),
            no_discovery: args.no_config,
            max_increase: args.max_increase,
            hash_pattern: args
                .hash_pattern
                .as_deref()
                .map(HashPattern::new)
                .transpose()
                .map_err(|why| Error::Usage(format!("--hash-pattern: {why}")))?,
        },
        brotli: args.brotli,
        avif: args.avif,
        cache,
        threads: args.threads,
        baseline: args.baseline.clone(),
        // Outputs that point at code want findings in bundles mapped back to their sources.
        original_sources: [args.format]
            .into_iter()
            .chain(args.reports.iter().map(|r| r.format))
            .any(|f| matches!(f, Format::Github | Format::Sarif | Format::Markdown))
            || std::env::var_os("GITHUB_STEP_SUMMARY").is_some_and(|v| !v.is_empty()),
        image_encodes: true,
        fail_on: match args.fail_on {
            FailOnArg::Error => FailOn::Error,
            FailOnArg::Warning => FailOn::Warning,
            FailOnArg::Info => FailOn::Info,
            FailOnArg::Never => FailOn::Never,
        },
    })
}

/// Prints the report as asked and returns the exit code.
fn emit(args: &AuditArgs, report: &report::Report) -> Result<u8, Error> {
    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    let emission = Emission {
        format: args.format,
        output: args.output.clone(),
        reports: args
            .reports
            .iter()
            .map(|extra| (extra.format, extra.path.clone()))
            .collect(),
        step_summary: std::env::var_os("GITHUB_STEP_SUMMARY")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from),
        terminal: TerminalOptions {
            color,
            top: args.top,
            quiet: args.quiet,
        },
    };
    report::emit::emit(
        report,
        &emission,
        &mut std::io::stdout().lock(),
        &mut std::io::stderr().lock(),
    )?;
    Ok(report.exit_code() as u8)
}

fn list_rules(format: RulesFormat) -> Result<u8, Error> {
    let mut text = String::new();
    match format {
        RulesFormat::Text => {
            let width = REGISTRY
                .iter()
                .map(|r| r.meta().id.len())
                .max()
                .unwrap_or(0);
            for rule in REGISTRY {
                let meta = rule.meta();
                text.push_str(&format!(
                    "{:<width$}  {:<7}  {}\n",
                    meta.id,
                    meta.default_severity.name(),
                    meta.summary
                ));
            }
            text.push_str("\n`webaudit explain RULE` prints a rule's documentation.\n");
        }
        RulesFormat::Json => {
            let rules: Vec<serde_json::Value> = REGISTRY
                .iter()
                .map(|r| {
                    let meta = r.meta();
                    serde_json::json!({
                        "id": meta.id,
                        "severity": meta.default_severity,
                        "summary": meta.summary,
                        "documentation": meta.documentation(),
                    })
                })
                .collect();
            let mut rendered = Vec::new();
            escape::write_json_pretty(&mut rendered, &rules).unwrap_or_default();
            text = String::from_utf8_lossy(&rendered).into_owned();
            text.push('\n');
        }
    }
    print_to_stdout(text.as_bytes())?;
    Ok(0)
}

fn explain(id: &str) -> Result<u8, Error> {
    let Some(rule) = rules::find(id) else {
        let known: Vec<&str> = REGISTRY.iter().map(|r| r.meta().id).collect();
        return Err(Error::Usage(format!(
            "no rule named {id:?}; rules are: {}",
            known.join(", ")
        )));
    };
    let meta = rule.meta();
    let text = format!(
        "# {} ({}, default severity {})\n\n{}\n",
        meta.id,
        meta.summary,
        meta.default_severity.name(),
        meta.documentation().trim_end()
    );
    print_to_stdout(text.as_bytes())?;
    Ok(0)
}

/// Writes to stdout; a closed pipe (`webaudit … | head`) is not an error.
fn print_to_stdout(bytes: &[u8]) -> Result<(), Error> {
    report::emit::write_ignoring_closed_pipe(&mut std::io::stdout().lock(), bytes)
}
