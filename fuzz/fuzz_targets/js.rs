//! JavaScript/TypeScript import analysis as the audit runs it (`analyze::analyze` for a script:
//! `js::analyze_counting_trivia`, which scans with the module lexer and falls back to the swc
//! parser, then `minify::estimate_js`), plus the direct swc path (`js::parse`).
//!
//! Input: one byte choosing the extension and the path, then the file's bytes.
//!   byte & 7      : extension, index into `js::EXTENSIONS` (js mjs cjs jsx ts tsx mts cts)
//!   byte & 8      : call `js::parse` (always swc) instead of the audit's path
//!   byte & 16     : (audit path) also run `minify::estimate_js_unchecked` and check that the
//!                   pre-check bound holds
#![no_main]

use libfuzzer_sys::fuzz_target;
use webaudit::analyze::url::LineIndex;
use webaudit::analyze::{js, minify};
use webaudit_fuzz::check;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let extension = js::EXTENSIONS[usize::from(selector & 7)];
    let lines = LineIndex::new(bytes).line_count();
    let facts = if selector & 8 != 0 {
        js::parse(extension, bytes)
    } else {
        let (facts, trivia) = js::analyze_counting_trivia(extension, bytes);
        if matches!(extension, "js" | "mjs" | "cjs") {
            let estimate = minify::estimate_js(bytes, extension, trivia);
            let raw = bytes.len() as u64;
            if let minify::Minified::BelowThreshold { removable_at_most } = estimate {
                check(removable_at_most <= raw, || {
                    format!("removable {removable_at_most} > raw {raw}")
                });
            }
            if selector & 16 != 0 {
                // The pre-check "cannot hide a finding": the real saving is at most the bound.
                let bound = trivia.unwrap_or_else(|| minify::lexer_free_bound(bytes));
                let unchecked = minify::estimate_js_unchecked(bytes, extension);
                if let Some(saving) = unchecked.saving(raw) {
                    check(saving <= bound, || {
                        format!("saving {saving} > pre-check bound {bound} (trivia {trivia:?})")
                    });
                }
            }
        }
        facts
    };
    check(facts.problem.is_none() || facts.imports.is_empty(), || {
        format!("imports {:?} with a problem {:?}", facts.imports, facts.problem)
    });
    for import in &facts.imports {
        check(
            import.line >= 1 && (import.line as usize) <= lines && import.column >= 1,
            || format!("import at {}:{} of a {lines}-line file", import.line, import.column),
        );
    }
    if let Some(problem) = &facts.problem {
        check(problem.line >= 1 && problem.column >= 1, || {
            format!("problem location {problem:?}")
        });
    }
});
