//! The CSS analyzer (`analyze::css::parse`, `parse_at`) and the minified-size estimate
//! (`css::minified_size`), as the audit runs them on every stylesheet.
//!
//! Input: any bytes, read as a stylesheet.
#![no_main]

use libfuzzer_sys::fuzz_target;
use webaudit::analyze::css;
use webaudit::analyze::url::Location;
use webaudit_fuzz::check;

fuzz_target!(|data: &[u8]| {
    let len = data.len();
    let facts = css::parse(data);
    let locations = facts
        .imports
        .iter()
        .chain(&facts.urls)
        .map(|r| r.location)
        .chain(facts.font_faces.iter().map(|f| f.location))
        .chain(facts.font_faces.iter().flat_map(|f| f.sources.iter().map(|s| s.location)))
        .chain(facts.warnings.iter().map(|w| w.location));
    for location in locations {
        check(location.offset <= len, || {
            format!("offset {} past the end ({len})", location.offset)
        });
        check(location.line >= 1 && location.column >= 1, || {
            format!("location {location:?} not 1-based")
        });
    }
    for face in &facts.font_faces {
        for source in &face.sources {
            check(source.url.is_some() != source.local.is_some(), || {
                format!("font source with url {:?} and local {:?}", source.url, source.local)
            });
        }
    }

    // The same text embedded in a page (a `<style>` block on line 3): same facts, moved.
    let base = Location {
        line: 3,
        column: 8,
        offset: 40,
    };
    let embedded = css::parse_at(data, base);
    check(embedded.urls.len() == facts.urls.len(), || {
        format!("parse_at found {} urls, parse {}", embedded.urls.len(), facts.urls.len())
    });
    for (a, b) in embedded.urls.iter().zip(&facts.urls) {
        check(a.location == b.location.embedded_in(base) && a.url == b.url, || {
            format!("embedded {a:?} vs {b:?}")
        });
    }

    let minified = css::minified_size(data);
    // Only whitespace and comments are removed; a separator is added back only where some
    // whitespace or comment was.
    check(minified <= len as u64, || format!("minified {minified} > raw {len}"));
});
