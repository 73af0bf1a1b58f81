//! The command line: parses arguments, calls the library, prints, and sets the exit code
//! (0: nothing reached --fail-on; 1: a finding did; 2: the run itself failed).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;

mod audit_progress;
mod cli;

/// On musl (the static release binaries), mimalloc instead of musl's malloc, which returns freed
/// memory to the kernel at once while the audit frees and allocates large per-file buffers file
/// after file: 3x the wall time on a big folder (Cargo.toml says what was measured). The
/// crate's `override` feature makes it the C libraries' `malloc` too. The library leaves the
/// choice to its callers.
#[cfg(target_env = "musl")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use cli::*;

use webaudit::Error;
use webaudit::audit::{self, AuditOptions, CacheChoice};
use webaudit::baseline::HashPattern;
use webaudit::config::Overrides;
use webaudit::config::migrate::Source;
use webaudit::escape;
use webaudit::live::{FollowRedirects, LiveOptions};
use webaudit::report::emit::{Emission, Format};
use webaudit::report::terminal::TerminalOptions;
use webaudit::report::{self, FailOn};

fn run_optimize(args: &OptimizeArgs) -> Result<u8, Error> {
    survive_file_size_limits();
    let (root, paths) = args.fix.targets()?;
    if (args.rewrite_html || args.responsive) && args.fix.root.is_none() && !paths.is_empty() {
        // Which pages show these images, and where `/img/a.png` in them points, depends on
        // the site's folder: it is not guessed.
        return Err(Error::Usage(
            "--rewrite-html or --responsive with files (or several folders) needs --root DIR, the built app folder whose pages show them".into(),
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
    options.responsive = args.responsive;
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

fn run_layout(args: &cli::LayoutArgs) -> Result<u8, Error> {
    let mut options = webaudit::audit::AuditOptions::new(&args.path);
    // Only the image headers are needed, not re-encoded sizes.
    options.image_encodes = false;
    let prepared = webaudit::audit::prepare(&options)?;
    let mut rendered = Vec::new();
    match args.format {
        RulesFormat::Json => escape::write_json_pretty(&mut rendered, &prepared.layouts)
            .and_then(|()| rendered.write_all(b"\n")),
        RulesFormat::Text => webaudit::layout::render_text(&prepared.layouts, &mut rendered),
    }
    .map_err(|e| Error::Usage(format!("cannot render the layout: {e}")))?;
    print_to_stdout(&rendered)?;
    Ok(0)
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

fn main() -> ExitCode {
    grow_heaps_in_large_steps();
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
        Some(Command::Layout(ref args)) => run_layout(args),
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

/// glibc gives each thread's arena a heap that it makes writable a few pages at a time, one
/// `mprotect` each, as the arena grows: the measuring threads of a warm audit over 11,646
/// files, which turn cached facts back into thousands of small allocations, made 2,700 such
/// calls. A top pad of 64 MiB makes a heap writable in one call when it is created (address
/// space only: pages still take memory when first written). Measured: warm homeassistant
/// -4% wall (226 -> 217 ms, medians of 11), cold mlflow and homeassistant unchanged, peak RSS
/// +4 to +9 MB. Other C libraries (musl, whose builds use mimalloc) have no such setting.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn grow_heaps_in_large_steps() {
    // SAFETY: mallopt only sets an allocator parameter; called first thing, before any thread.
    unsafe {
        libc::mallopt(libc::M_TOP_PAD, 64 << 20);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn grow_heaps_in_large_steps() {}

fn run_audit(args: &AuditArgs) -> Result<u8, Error> {
    let mut options = audit_options(args)?;
    let progress = audit_progress::AuditProgress::start(progress_choice(args));
    options.progress = Some(progress.counters());
    let report = audit::run(&options);
    progress.finish();
    let report = report?;
    print_timings(args, &report);
    let code = emit(args, &report);
    // The process ends here: freeing the report's allocations one by one (every asset, fact
    // and finding) would only delay the exit, by 2-3% of a warm audit of 11,646 files.
    std::mem::forget(report);
    code
}

fn progress_choice(args: &AuditArgs) -> ProgressChoice {
    if args.quiet {
        ProgressChoice::Never
    } else {
        args.progress
    }
}

/// `--timings`: on standard error, so the report on standard output stays as it is.
fn print_timings(args: &AuditArgs, report: &report::Report) {
    if let Some(timings) = report.timings.as_ref().filter(|_| args.timings) {
        eprint!("{}", report::timings::render(timings));
    }
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
    let mut options = audit_options(&args.audit)?;
    let progress = audit_progress::AuditProgress::start(progress_choice(&args.audit));
    options.progress = Some(progress.counters());
    let report = webaudit::live::check_folder(&options, &live);
    progress.finish();
    let report = report?;
    print_timings(&args.audit, &report);
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
        exact_images: args.exact_images,
        cache,
        threads: args.threads,
        baseline: args.baseline.clone(),
        // Outputs that point at code want findings in bundles mapped back to their sources.
        original_sources: [args.format]
            .into_iter()
            .chain(args.reports.iter().map(|r| r.format))
            .any(|f| {
                matches!(
                    f,
                    Format::Github | Format::Sarif | Format::Markdown | Format::Junit
                )
            })
            || std::env::var_os("GITHUB_STEP_SUMMARY").is_some_and(|v| !v.is_empty()),
        image_encodes: true,
        profile: match args.profile {
            cli::ProfileArg::Mobile => webaudit::impact::MOBILE,
            cli::ProfileArg::Desktop => webaudit::impact::DESKTOP,
            cli::ProfileArg::Slow3g => webaudit::impact::SLOW_3G,
        },
        fail_on: match args.fail_on {
            FailOnArg::Error => FailOn::Error,
            FailOnArg::Warning => FailOn::Warning,
            FailOnArg::Info => FailOn::Info,
            FailOnArg::Never => FailOn::Never,
        },
        progress: None,
        timings: args.timings,
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
            verbose: args.verbose,
            width: terminal_width(),
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
    let text = match format {
        RulesFormat::Text => report::catalog::text(),
        RulesFormat::Json => report::catalog::json(),
    };
    print_to_stdout(text.as_bytes())?;
    Ok(0)
}

fn explain(id: &str) -> Result<u8, Error> {
    print_to_stdout(report::catalog::explanation(id)?.as_bytes())?;
    Ok(0)
}

/// Writes to stdout; a closed pipe (`webaudit … | head`) is not an error.
fn print_to_stdout(bytes: &[u8]) -> Result<(), Error> {
    report::emit::write_ignoring_closed_pipe(&mut std::io::stdout().lock(), bytes)
}

/// Columns the terminal report wraps at: `COLUMNS` when set, else the terminal's width when
/// standard output is one, else 80 (a pipe, a CI log).
fn terminal_width() -> usize {
    const DEFAULT: usize = 80;
    if let Some(columns) = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&c| c >= 40)
    {
        return columns;
    }
    DEFAULT
}
