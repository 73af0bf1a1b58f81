//! The JavaScript module lexer (`analyze::js_scan::scan_counting_comments`).
//!
//! Input: any bytes, read as a script.
//!
//! `FUZZ_JS_DIFF=1` also compares the lexer with swc, as `benches/js_analysis.rs` does on real
//! bundles: when the lexer reads the whole file and swc parses it without a problem, both must
//! find the same imports (off by default: it runs swc on every input and is a correctness
//! check, not a crash hunt).
#![no_main]

use libfuzzer_sys::fuzz_target;
use webaudit::analyze::{js, js_scan, url::LineIndex};
use webaudit_fuzz::{check, opted_in};

fuzz_target!(|data: &[u8]| {
    let Ok(scanned) = js_scan::scan_counting_comments(data) else {
        return;
    };
    let len = data.len();
    check(scanned.trivia_bytes <= len as u64, || {
        format!("trivia {} > length {len}", scanned.trivia_bytes)
    });
    let lines = LineIndex::new(data).line_count();
    for import in &scanned.imports {
        check(
            import.line >= 1 && (import.line as usize) <= lines && import.column >= 1,
            || format!("import at {}:{} of a {lines}-line file", import.line, import.column),
        );
    }
    if opted_in("FUZZ_JS_DIFF") && std::str::from_utf8(data).is_ok() {
        let parsed = js::parse("js", data);
        if parsed.problem.is_none() {
            check(parsed.imports == scanned.imports, || {
                format!("lexer {:?}\nswc   {:?}", scanned.imports, parsed.imports)
            });
        }
    }
});
