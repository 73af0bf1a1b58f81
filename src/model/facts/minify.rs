//! How much smaller a file would be minified.

use serde::Serialize;

/// The estimate for one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub enum Minified {
    /// The file's size with comments and unnecessary whitespace removed.
    Estimated { bytes: u64 },
    /// Not estimated: the file has at most this many bytes of whitespace and comments, too few
    /// for a reportable saving (the cheap pre-check, see [`estimate_js`]).
    BelowThreshold { removable_at_most: u64 },
    /// The file could not be read as code (a syntax error, invalid UTF-8).
    Failed(String),
}
