//! URL and `srcset` parsing (`analyze::url`): `resolve`, `resolve_in_document` (with and
//! without `<base href>`), `parse_srcset`, and `LineIndex` (byte offset → line:column).
//!
//! Input: UTF-8 text (other inputs are skipped) in up to three `\n`-separated parts:
//! `from` (the referring file), `base href`, `reference`. The whole text is also parsed as a
//! `srcset` value and indexed by `LineIndex`.
//!
//! Properties (off with `FUZZ_LENIENT=1`): a `Resolved::Local` path is what the audit and the
//! fixers join to the audited folder, so it must stay inside it: not absolute (no leading `/`)
//! and no `..` segment.
#![no_main]

use libfuzzer_sys::fuzz_target;
use webaudit::analyze::url::{self, Descriptor, LineIndex, Resolved};
use webaudit_fuzz::check;

fn local_ok(what: &str, resolved: &Resolved) {
    if let Resolved::Local(path) = resolved {
        check(!path.starts_with('/'), || {
            format!("{what}: Local path {path:?} starts with '/' (absolute once joined)")
        });
        check(!path.split('/').any(|segment| segment == ".."), || {
            format!("{what}: Local path {path:?} has a '..' segment (climbs out of the folder)")
        });
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = text.splitn(3, '\n');
    let first = parts.next().unwrap_or("");
    let second = parts.next();
    let third = parts.next();
    let (from, base, reference) = match (second, third) {
        (None, _) => ("index.html", None, first),
        (Some(reference), None) => (first, None, reference),
        (Some(base), Some(reference)) => (first, Some(base), reference),
    };
    // `from` is a scanned file's path relative to the folder: no empty, `.` or `..` segment,
    // no leading `/`.
    let from: String = from
        .split('/')
        .filter(|segment| !matches!(*segment, "" | "." | ".."))
        .collect::<Vec<_>>()
        .join("/");
    let from = from.as_str();

    local_ok("resolve", &url::resolve(from, reference));
    local_ok("resolve(base)", &url::resolve(from, base.unwrap_or("")));
    local_ok(
        "resolve_in_document",
        &url::resolve_in_document(from, base, reference),
    );
    local_ok(
        "resolve_in_document(no base)",
        &url::resolve_in_document(from, None, reference),
    );

    for candidate in url::parse_srcset(text) {
        check(!candidate.url.is_empty(), || "srcset candidate with an empty URL".to_owned());
        match candidate.descriptor {
            Some(Descriptor::Width(w)) => check(w > 0, || "srcset 0w kept".to_owned()),
            Some(Descriptor::Density(d)) => {
                check(d.is_finite() && d >= 0.0, || format!("srcset density {d}"))
            }
            None => {}
        }
        local_ok("srcset url", &url::resolve(from, &candidate.url));
    }

    let index = LineIndex::new(data);
    let len = data.len();
    let mut previous = None;
    // Increasing offsets (the parsers' order), then a few steps back.
    let step = (len / 16).max(1);
    let offsets = (0..=len).step_by(step).chain([len / 2, 1, len, 0, len + 5]);
    for offset in offsets {
        let location = index.location(offset);
        check(location.offset == offset.min(len), || {
            format!("location({offset}) has offset {}", location.offset)
        });
        check(
            location.line >= 1 && (location.line as usize) <= index.line_count() && location.column >= 1,
            || format!("location({offset}) = {location:?} of {} lines", index.line_count()),
        );
        // The answer does not depend on what was asked before.
        let fresh = LineIndex::new(data).location(offset);
        check(fresh == location, || {
            format!("location({offset}) = {location:?} after {previous:?}, but {fresh:?} fresh")
        });
        previous = Some(offset);
    }
});
