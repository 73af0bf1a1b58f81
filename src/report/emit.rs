//! Putting a report where it was asked for: the main format on standard output or in a file,
//! extra `--report FORMAT=PATH` files, GitHub's step summary, and the warnings and notes on
//! standard error. The command line only decides what is asked (and whether colour suits the
//! terminal); everything written is written here.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::Report;
use super::terminal::TerminalOptions;
use crate::error::Error;
use crate::escape;
use crate::scan::SkipCategory;

/// An output format of the report.
#[derive(Clone, Copy, PartialEq, Eq, Debug, clap::ValueEnum)]
pub enum Format {
    Terminal,
    Json,
    /// GitHub Actions annotations (workflow commands).
    Github,
    /// A pull-request comment body.
    Markdown,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
    /// JUnit XML, for GitLab, Jenkins and other CI test reports.
    Junit,
    /// One self-contained HTML page (treemap, pages, findings, budgets), for people; opens
    /// offline in any browser.
    Html,
}

/// Where and how to write one report.
#[derive(Debug, Clone)]
pub struct Emission {
    pub format: Format,
    /// A file for the main output; standard output when `None`.
    pub output: Option<PathBuf>,
    /// Extra `--report FORMAT=PATH` files.
    pub reports: Vec<(Format, PathBuf)>,
    /// GitHub's step summary file (`$GITHUB_STEP_SUMMARY`), appended to.
    pub step_summary: Option<PathBuf>,
    pub terminal: TerminalOptions,
}

/// Writes the report as `emission` says. Files are written first, so that a closed standard
/// output (`webaudit | head`) still leaves them; a closed standard output is not an error.
pub fn emit(
    report: &Report,
    emission: &Emission,
    stdout: &mut impl Write,
    stderr: &mut impl Write,
) -> Result<(), Error> {
    // Messages on standard error are best effort: a closed stderr must not fail the audit.
    for skipped in report
        .skipped
        .iter()
        .filter(|s| s.category != SkipCategory::Ignored)
    {
        // Names are data: escaped, so a crafted one cannot forge a line (or, under GitHub
        // Actions, a workflow command) on stderr.
        let _ = writeln!(
            stderr,
            "warning: {}: {}",
            escape::terminal(&skipped.path),
            escape::terminal(&skipped.reason)
        );
    }
    if emission.format != Format::Terminal {
        for note in &report.notes {
            let _ = writeln!(stderr, "note: {}", escape::terminal(note));
        }
    }
    let rendered = render(report, emission.format, emission.terminal)?;
    for (format, path) in &emission.reports {
        let bytes = render(report, *format, emission.terminal)?;
        write_atomically(path, &bytes)?;
    }
    if let Some(summary) = &emission.step_summary {
        // A summary that cannot be written does not fail the audit: the report itself is out.
        if let Err(e) = append_step_summary(summary, report) {
            let _ = writeln!(
                stderr,
                "warning: {}: cannot append the step summary: {e}",
                escape::terminal(&summary.to_string_lossy())
            );
        }
    }
    match &emission.output {
        Some(path) => write_atomically(path, &rendered),
        None => write_ignoring_closed_pipe(stdout, &rendered),
    }
}

/// The report in one format.
pub fn render(
    report: &Report,
    format: Format,
    terminal: TerminalOptions,
) -> Result<Vec<u8>, Error> {
    let mut rendered = Vec::new();
    let written = match format {
        Format::Terminal => super::terminal::render(report, terminal, &mut rendered),
        Format::Json => super::json::render(report, &mut rendered),
        Format::Github => super::github::render(report, &mut rendered),
        Format::Markdown => super::markdown::render(report, &mut rendered),
        Format::Sarif => super::sarif::render(report, &mut rendered),
        Format::Junit => super::junit::render(report, &mut rendered),
        Format::Html => super::html::render(report, &mut rendered),
    };
    written.map_err(|source| Error::Io {
        path: PathBuf::from("<report>"),
        action: "cannot render the report",
        source,
    })?;
    Ok(rendered)
}

/// Appends the Markdown summary to GitHub's step summary file. Appended, never rewritten: other
/// steps' summaries in the same file stay. GitHub accepts at most 1 MiB per step, so the
/// summary is made to fit in what the file leaves of it.
pub fn append_step_summary(path: &Path, report: &Report) -> std::io::Result<()> {
    use super::markdown::{self, MarkdownOptions, STEP_SUMMARY_LIMIT};
    let used = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let room = STEP_SUMMARY_LIMIT.saturating_sub(usize::try_from(used).unwrap_or(usize::MAX));
    if room < 1024 {
        return Err(std::io::Error::other(
            "the step summary is already at GitHub's 1 MiB limit",
        ));
    }
    let mut body = markdown::document(report, MarkdownOptions::step_summary(room - 2));
    body.insert(0, '\n');
    body.push('\n');
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)?;
    file.write_all(body.as_bytes())?;
    file.sync_all()
}

/// Writes a report file through the crate's one atomic writer, so an existing report is never
/// left half-written.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    use crate::atomic::{PermissionsFrom, write};
    write(path, bytes, PermissionsFrom::Target).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        action: "cannot write the report",
        source,
    })
}

/// Writes to standard output; a closed pipe (`webaudit … | head`) is not an error.
pub fn write_ignoring_closed_pipe(out: &mut impl Write, bytes: &[u8]) -> Result<(), Error> {
    match out.write_all(bytes).and_then(|_| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::Io {
            path: PathBuf::from("<stdout>"),
            action: "cannot write the output",
            source: e,
        }),
        _ => Ok(()),
    }
}
