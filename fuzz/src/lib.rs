//! Helpers shared by the fuzz targets in `fuzz_targets/`.
//!
//! Every target checks two kinds of things: that the code under test does not panic (the
//! library promises "never fails" for every parser fed from a built folder), and, unless
//! `FUZZ_LENIENT=1` is set in the environment, a few documented properties of the results
//! (offsets inside the input, resolved paths inside the folder…). A property failure panics
//! like a crash; `FUZZ_LENIENT=1` turns those checks off so that a known, not yet fixed,
//! property failure does not stop a long run from looking for real panics.
//!
//! `FUZZ_SKIP_KNOWN=1` is finer: the targets step around the problems already found and
//! reported (listed in fuzz/README.md, each guarded by [`skip_known`] at the place it would
//! fire), so that a long run keeps looking for new ones. Remove a guard once its bug is fixed.

use std::sync::OnceLock;

/// Whether the property checks are on (the default; `FUZZ_LENIENT=1` turns them off).
pub fn strict() -> bool {
    static STRICT: OnceLock<bool> = OnceLock::new();
    *STRICT.get_or_init(|| std::env::var_os("FUZZ_LENIENT").is_none_or(|v| v.is_empty() || v == "0"))
}

/// Whether the known, reported problems are to be stepped around (`FUZZ_SKIP_KNOWN=1`).
pub fn skip_known() -> bool {
    static SKIP: OnceLock<bool> = OnceLock::new();
    *SKIP.get_or_init(|| opted_in("FUZZ_SKIP_KNOWN"))
}

/// Whether an opt-in check named by the environment variable `name` is on (`name=1`).
pub fn opted_in(name: &str) -> bool {
    std::env::var_os(name).is_some_and(|v| !v.is_empty() && v != "0")
}

/// Panics with `message` when the property checks are on and `holds` is false.
#[track_caller]
pub fn check(holds: bool, message: impl FnOnce() -> String) {
    if !holds && strict() {
        panic!("property failed: {}", message());
    }
}

/// Splits `data` at the first `separator` byte: (before, after). Without one, everything is
/// `before` and `after` is empty.
pub fn split_at_byte(data: &[u8], separator: u8) -> (&[u8], &[u8]) {
    match data.iter().position(|&b| b == separator) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &[]),
    }
}

/// Whether `needle` is a subsequence of `haystack` (its bytes appear in it in order).
pub fn is_subsequence(needle: &[u8], haystack: &[u8]) -> bool {
    let mut rest = haystack.iter();
    needle.iter().all(|b| rest.any(|h| h == b))
}
