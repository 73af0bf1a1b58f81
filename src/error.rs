//! Errors that make a whole run meaningless (exit code 2). Problems with single files are not
//! errors: they become skipped entries or findings, and the run goes on.

use std::fmt;
use std::path::PathBuf;

#[derive(Debug)]
pub enum Error {
    Io {
        path: PathBuf,
        action: &'static str,
        source: std::io::Error,
    },
    NotAFolder(PathBuf),
    /// A configuration file that cannot be used: `file:line:column: message`.
    Config {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    /// A bad command-line value.
    Usage(String),
    /// `check-url`: the server does not accept connections.
    Unreachable {
        url: String,
        reason: String,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io {
                path,
                action,
                source,
            } => write!(f, "{}: {action}: {source}", path.display()),
            Error::NotAFolder(path) => write!(
                f,
                "{}: is a file, not a folder; point webaudit at the folder of your built app (e.g. `webaudit dist/`)",
                path.display()
            ),
            Error::Config {
                path,
                line,
                column,
                message,
            } => {
                write!(f, "{}:{line}:{column}: {message}", path.display())
            }
            Error::Usage(message) => f.write_str(message),
            Error::Unreachable { url, reason } => write!(
                f,
                "cannot reach the server at {url}: {reason}; is it running, and is the URL right?"
            ),
        }
    }
}

impl std::error::Error for Error {}

/// 1-based line and column of a byte offset in `text`.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..text.floor_char_boundary(offset)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// The message a panic carried, for a per-file "webaudit failed on this file" problem: a bug
/// that panics on one file's content skips that file instead of ending the run.
pub fn panic_message(panic: &(dyn std::any::Any + Send)) -> &str {
    panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("unknown error")
}
