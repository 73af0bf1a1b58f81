//! Reads bundlewatch's configuration, with its sizes as bundlewatch itself reads them.
//!
//! Where: `.bundlewatch.config.json`, then `.bundlewatch.config.js` when it is data only
//! (`module.exports = {…}`, see [`super::js_literal`]), then the `bundlewatch` key of
//! `package.json` (an object, or the `files` array alone). A configuration file wins over the
//! key because bundlewatch ignores the key when given `--config`.
//!
//! Each entry of `files` becomes a path budget checked on every matching file on its own,
//! failing when the size is over `maxSize` (bundlewatch's `size > maxSize`). The compression is
//! the entry's `compression`, else `defaultCompression`, else gzip; an unknown per-file value
//! means none, as in bundlewatch's `switch`. Paths are globs relative to the folder bundlewatch
//! runs in, taken to be the configuration's folder, and are re-rooted on the audited folder.
//!
//! Sizes (bundlewatch 0.4 passes `maxSize` to the `bytes` package, 3.1): `kb`, `mb`, `gb`, `tb`,
//! `pb` in any case are powers of 1024, so `"91kB"` is 93,184 bytes; a decimal number is
//! allowed (`"1.5kB"` = 1,536, rounded down); spaces may separate number and unit. Any other
//! text is read by JavaScript's `parseInt`: `"100B"` and `"100"` are 100 bytes, but `"91KiB"`
//! is 91 bytes and `" 91kB"` (leading space) too. A result of 0 or no number at all means no
//! limit. A `maxSize` written as a JSON number is never exceeded: `bytes` formats numbers
//! instead of parsing them and bundlewatch compares the size with that text. webaudit gives the
//! same verdicts and says so in a note when the text reads differently from how it looks.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::model::{Aggregate, Compression};
use super::peer::{self, PeerBudget, PeerConfig, Tool, json_error};
use crate::error::Error;

pub const JSON_CONFIG: &str = ".bundlewatch.config.json";
pub const JS_CONFIG: &str = ".bundlewatch.config.js";

/// Where a bundlewatch configuration was found.
pub enum Found {
    Json(PathBuf),
    /// `.bundlewatch.config.js`, read when it is data only.
    JavaScript(PathBuf),
    PackageJson(PathBuf, Value),
}

impl Found {
    pub fn path(&self) -> &Path {
        match self {
            Found::Json(path) | Found::JavaScript(path) | Found::PackageJson(path, _) => path,
        }
    }
}

/// Looks for a bundlewatch configuration in `folder`.
pub fn find_in(folder: &Path) -> Option<Found> {
    let json = folder.join(JSON_CONFIG);
    if json.is_file() {
        return Some(Found::Json(json));
    }
    let javascript = folder.join(JS_CONFIG);
    if javascript.is_file() {
        return Some(Found::JavaScript(javascript));
    }
    peer::package_key(folder, "bundlewatch").map(|(path, value)| Found::PackageJson(path, value))
}

/// What bundlewatch makes of a `maxSize`.
#[derive(Debug, Clone, PartialEq)]
pub enum MaxSize {
    /// Files over this many bytes fail.
    Bytes(u64),
    /// Nothing fails; the reason, for the note.
    Unlimited(&'static str),
}

/// JavaScript's `parseInt(text, 10)`: white space, a sign, then as many decimal digits as
/// there are; `None` when there are none (NaN).
fn parse_int(text: &str) -> Option<f64> {
    // JavaScript's white space is Unicode's, without U+0085 and with the byte-order mark.
    let text =
        text.trim_start_matches(|c: char| (c.is_whitespace() && c != '\u{85}') || c == '\u{feff}');
    let (negative, rest) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    let value: f64 = rest[..digits].parse().ok()?;
    Some(if negative { -value } else { value })
}

/// Where the number of `^(-|\+)?\d+(\.\d+)?` ends in `text`, if it starts with one.
fn unit_number_end(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut end = usize::from(matches!(bytes.first(), Some(b'-' | b'+')));
    let whole = bytes[end..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    if whole == 0 {
        return None;
    }
    end += whole;
    if bytes.get(end) == Some(&b'.') {
        let fraction = bytes[end + 1..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if fraction > 0 {
            end += 1 + fraction;
        }
    }
    Some(end)
}

/// The `bytes` package's `parse` on a string: `/^((-|\+)?(\d+(?:\.\d+)?)) *(kb|mb|gb|tb|pb)$/i`,
/// else `parseInt`. `None` for its `null`.
pub fn bytes_parse(text: &str) -> Option<f64> {
    let number_end = unit_number_end(text);
    let with_unit = number_end.and_then(|end| {
        let unit = text[end..].trim_start_matches(' ');
        let multiplier = match unit.to_ascii_lowercase().as_str() {
            "kb" => 1024f64,
            "mb" => 1024f64.powi(2),
            "gb" => 1024f64.powi(3),
            "tb" => 1024f64.powi(4),
            "pb" => 1024f64.powi(5),
            _ => return None,
        };
        let number: f64 = text[..end].parse().ok()?;
        Some((multiplier * number).floor())
    });
    with_unit.or_else(|| parse_int(text))
}

/// bundlewatch's `bytes(file.maxSize) || Infinity`, as a limit.
pub fn max_size(value: Option<&Value>) -> MaxSize {
    match value {
        Some(Value::String(text)) => match bytes_parse(text) {
            None => MaxSize::Unlimited("it has no number bundlewatch can read, so no limit"),
            Some(0.0) => MaxSize::Unlimited("it reads as 0, which bundlewatch takes as no limit"),
            // A negative limit fails every file; 0 fails every non-empty one, and bundlewatch
            // fails empty files as unreadable.
            Some(bytes) if bytes < 0.0 => MaxSize::Bytes(0),
            // `as` saturates: a limit beyond u64 is no limit in practice.
            Some(bytes) => MaxSize::Bytes(bytes as u64),
        },
        Some(Value::Number(_)) => MaxSize::Unlimited(
            "bundlewatch never fails a maxSize written as a number (its `bytes` call formats it instead of reading it); write it as text, e.g. \"100kB\"",
        ),
        _ => MaxSize::Unlimited("no maxSize, so no limit"),
    }
}

/// Whether `text` means to bundlewatch what it seems to: a number with a unit `bytes` knows,
/// or a whole number of bytes (`100`, `100 B`). Others fall through to `parseInt`.
fn reads_as_written(text: &str) -> bool {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let after_digits = text[digits..].trim_start_matches(' ');
    let whole_bytes = digits > 0 && matches!(after_digits, "" | "b" | "B");
    whole_bytes || bytes_unit_matches(text)
}

/// Whether the `bytes` package's pattern (a number and a unit) matches `text` in full.
fn bytes_unit_matches(text: &str) -> bool {
    unit_number_end(text).is_some_and(|end| {
        let unit = text[end..].trim_start_matches(' ').to_ascii_lowercase();
        matches!(unit.as_str(), "kb" | "mb" | "gb" | "tb" | "pb")
    })
}

/// 93184 → "93,184": byte counts in notes read like the numbers people check them against.
pub fn with_thousands(bytes: u64) -> String {
    let digits = bytes.to_string();
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

fn compression_named(name: &str) -> Option<Compression> {
    match name {
        "gzip" => Some(Compression::Gzip),
        "brotli" => Some(Compression::Brotli),
        "none" => Some(Compression::None),
        _ => None,
    }
}

fn config_error(path: &Path, message: String) -> Error {
    Error::Config {
        path: path.to_path_buf(),
        line: 0,
        column: 0,
        message,
    }
}

/// Reads the bundlewatch configuration of `found`, re-rooted on the audited `root`. A
/// `.bundlewatch.config.js` that is a program gives a note and no budgets.
pub fn read_config(found: &Found, root: &Path) -> Result<PeerConfig, Error> {
    let path = found.path();
    let mut peer_config = PeerConfig::new(Tool::Bundlewatch, path);
    let settings = match found {
        Found::Json(path) => {
            let text = super::read(path)?;
            serde_json::from_str::<Value>(&text)
                .map_err(|e| json_error(path, e, "not a bundlewatch configuration"))?
        }
        Found::JavaScript(path) => {
            let text = super::read(path)?;
            match super::js_literal::module_exports(&text) {
                Ok(value) => value,
                Err(why) => {
                    peer_config.notes.push(format!(
                        "{}: bundlewatch configuration not read: {why}; webaudit reads only a data-only `module.exports = {{…}}` (or move it to {JSON_CONFIG})",
                        path.display()
                    ));
                    peer_config.read = false;
                    return Ok(peer_config);
                }
            }
        }
        // bundlewatch takes an array under the key as the `files` list itself.
        Found::PackageJson(_, Value::Array(files)) => {
            serde_json::json!({ "files": files })
        }
        Found::PackageJson(_, value) => value.clone(),
    };
    let Value::Object(settings) = settings else {
        return Err(config_error(
            path,
            "bundlewatch configuration must be an object with a `files` array".into(),
        ));
    };
    let default_compression = match settings.get("defaultCompression") {
        None => Compression::Gzip,
        Some(value) => value
            .as_str()
            .and_then(compression_named)
            .ok_or_else(|| {
                config_error(
                    path,
                    format!("`defaultCompression`: {value} is not gzip, brotli or none, which bundlewatch requires"),
                )
            })?,
    };
    let files = match settings.get("files") {
        Some(Value::Array(files)) => files.as_slice(),
        None => &[],
        Some(_) => {
            return Err(config_error(
                path,
                "`files` must be an array, as bundlewatch requires".into(),
            ));
        }
    };
    if files.is_empty() {
        peer_config.notes.push(format!(
            "{}: bundlewatch configuration has no `files`; nothing to check",
            path.display()
        ));
    }
    let file_name = peer_config.file_name();
    let base = path.parent().unwrap_or(Path::new("."));
    let prefix = peer::relative_prefix(base, root);

    for (index, entry) in files.iter().enumerate() {
        let Some(pattern) = entry.get("path").and_then(Value::as_str) else {
            return Err(config_error(
                path,
                format!("bundlewatch `files[{index}]`: no `path` glob"),
            ));
        };
        let written = entry.get("maxSize");
        let written_limit = match written {
            Some(Value::String(text)) => text.clone(),
            Some(other) => other.to_string(),
            None => String::new(),
        };
        let origin = format!("{file_name} bundlewatch #{} ({pattern})", index + 1);
        let limit = match max_size(written) {
            MaxSize::Bytes(limit) => limit,
            MaxSize::Unlimited(why) => {
                let shown = if written_limit.is_empty() {
                    String::new()
                } else {
                    format!("maxSize {written_limit}: ")
                };
                peer_config
                    .notes
                    .push(format!("{origin}: {shown}{why}; not checked"));
                continue;
            }
        };
        if let Some(Value::String(text)) = written
            && !reads_as_written(text)
        {
            peer_config.notes.push(format!(
                "{origin}: maxSize {text:?} is {} bytes as bundlewatch reads it (its `bytes` library knows kb, mb, gb in powers of 1024 and reads anything else as a plain number); checked as that",
                with_thousands(limit)
            ));
        }
        let compression = match entry.get("compression") {
            None | Some(Value::Null) | Some(Value::Bool(false)) => default_compression,
            Some(Value::String(name)) if name.is_empty() => default_compression,
            // bundlewatch's `switch` measures anything else as raw bytes.
            Some(value) => value
                .as_str()
                .and_then(compression_named)
                .unwrap_or(Compression::None),
        };
        let (patterns, outside) = peer::reroot_all(&[pattern.to_string()], prefix.as_deref());
        if !outside.is_empty() {
            peer_config.notes.push(format!(
                "{origin}: {pattern} is outside the audited folder; not checked"
            ));
            continue;
        }
        peer_config.budgets.push(PeerBudget {
            name: pattern.to_string(),
            patterns,
            limit,
            written_limit,
            compression,
            aggregate: Aggregate::Each,
            origin: format!("{origin}, maxSize {} B", with_thousands(limit)),
        });
    }
    if !peer_config.budgets.is_empty() {
        peer_config.notes.push(format!(
            "{}: bundlewatch budgets read with bundlewatch's units (1 kB = 1,024 bytes, as its `bytes` library parses them)",
            path.display()
        ));
    }
    Ok(peer_config)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Expected values: `require("bytes")(text)` with bytes 3.1.2 under Node.
    #[test]
    fn sizes_read_as_bundlewatchs_bytes_library_reads_them() {
        let cases: [(&str, Option<f64>); 17] = [
            ("91kB", Some(93_184.0)),
            ("91KB", Some(93_184.0)),
            ("91 kb", Some(93_184.0)),
            ("1.5kB", Some(1_536.0)),
            ("1.1kb", Some(1_126.0)),
            ("91KiB", Some(91.0)),
            (" 91kB", Some(91.0)),
            ("91kB ", Some(91.0)),
            ("100B", Some(100.0)),
            ("100", Some(100.0)),
            ("1.5B", Some(1.0)),
            ("1MB", Some(1_048_576.0)),
            ("1gb", Some(1_073_741_824.0)),
            ("-5kb", Some(-5_120.0)),
            ("+2kb", Some(2_048.0)),
            ("abc", None),
            ("", None),
        ];
        for (text, expected) in cases {
            assert_eq!(bytes_parse(text), expected, "{text:?}");
        }
    }

    #[test]
    fn limits_follow_bundlewatchs_or_infinity() {
        assert_eq!(max_size(Some(&json!("91kB"))), MaxSize::Bytes(93_184));
        assert!(matches!(
            max_size(Some(&json!("0kb"))),
            MaxSize::Unlimited(_)
        ));
        assert!(matches!(
            max_size(Some(&json!("abc"))),
            MaxSize::Unlimited(_)
        ));
        assert!(matches!(
            max_size(Some(&json!(93184))),
            MaxSize::Unlimited(_)
        ));
        assert!(matches!(max_size(None), MaxSize::Unlimited(_)));
        assert_eq!(max_size(Some(&json!("-5kb"))), MaxSize::Bytes(0));
    }

    #[test]
    fn surprising_sizes_are_told_apart() {
        for plain in ["91kB", "1.5 MB", "100", "100B", "100 B"] {
            assert!(reads_as_written(plain), "{plain}");
        }
        for surprising in ["91KiB", " 91kB", "91kB ", "1.5B", "2 GiB"] {
            assert!(!reads_as_written(surprising), "{surprising}");
        }
        assert_eq!(with_thousands(93_184), "93,184");
        assert_eq!(with_thousands(999), "999");
        assert_eq!(with_thousands(1_000_000), "1,000,000");
    }
}
