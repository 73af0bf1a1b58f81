//! How large a script or stylesheet would be with its comments and unnecessary whitespace
//! removed: the estimate behind the `minify/js` and `minify/css` rules.
//!
//! Only whitespace and comments are removed. Real minifiers also shorten names and rewrite
//! code, so they save more; the estimate is a floor on what minifying gains, never a promise of
//! a particular tool's output.
//!
//! JavaScript: the file is read by swc's lexer, driven by swc's parser (only the parser knows
//! whether a `/` starts a regular expression and where a template literal resumes after `${…}`).
//! The estimate is the bytes of every token, plus, between two tokens, what must stay:
//! one space between two words (`return x`), between `+ +`, `- -` and `/ /`; one byte (a line
//! break or `;`) where the original had a line break that automatic semicolon insertion may rely
//! on (see [`js_separator`]); and comments that minifiers keep (`/*!…*/`, `//!…`, and comments
//! with `@license`, `@preserve` or `@cc_on`).
//!
//! CSS: the stylesheet tokenizer of [`super::css`] (strings, comments, `url(…)` are tokens, so
//! their contents are never touched). A run of whitespace and comments is dropped next to
//! `{ } ; , : ( [ ) ] >` where CSS does not need it, and kept as one space elsewhere
//! (`a .b`, `1px solid`, `calc(1px + 2px)`); the `;` before a `}` is dropped; `/*!…*/` comments
//! are kept.

pub use crate::model::facts::minify::*;
use swc_common::sync::Lrc;
use swc_common::{FileName, SourceMap, Spanned};
use swc_ecma_ast::EsVersion;
use swc_ecma_parser::unstable::{Capturing, Token, TokenAndSpan};
use swc_ecma_parser::{Lexer, Parser, StringInput};

/// A saving is reported when it is at least this many bytes (Lighthouse's 2 KiB for both its
/// unminified-JavaScript and unminified-CSS audits) …
pub const MIN_SAVING_BYTES: u64 = 2048;
/// … and at least this share of the file: Lighthouse's 10% for JavaScript …
pub const JS_MIN_SAVING_RATIO: f64 = 0.10;
/// … and 5% for CSS.
pub const CSS_MIN_SAVING_RATIO: f64 = 0.05;

/// Whether removing `saving` bytes of a `raw`-byte file is worth a finding.
pub fn reportable(raw: u64, saving: u64, ratio: f64) -> bool {
    saving >= MIN_SAVING_BYTES && saving as f64 >= ratio * raw as f64
}

impl Minified {
    /// The estimated saving, when there is an estimate.
    pub fn saving(&self, raw: u64) -> Option<u64> {
        match self {
            Minified::Estimated { bytes } => Some(raw.saturating_sub(*bytes)),
            _ => None,
        }
    }
}

/// Whitespace a minifier removes: ASCII white space and line breaks, U+00A0, U+FEFF and the
/// Unicode line and paragraph separators — the same set the module lexer skips between tokens
/// (other Unicode spaces between tokens are kept by the estimate, so they need not be counted).
/// Returns the length of the whitespace character at the start of `bytes`, or 0.
fn whitespace_length(bytes: &[u8]) -> usize {
    match bytes {
        [b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C, ..] => 1,
        [0xC2, 0xA0, ..] => 2,
        [0xEF, 0xBB, 0xBF, ..] => 3,
        [0xE2, 0x80, 0xA8 | 0xA9, ..] => 3,
        _ => 0,
    }
}

fn is_line_break(bytes: &[u8]) -> bool {
    matches!(bytes, [b'\n' | b'\r', ..] | [0xE2, 0x80, 0xA8 | 0xA9, ..])
}

/// Every whitespace byte of the file, inside tokens or not.
fn whitespace_bytes(bytes: &[u8]) -> u64 {
    let mut count = 0u64;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C => {
                count += 1;
                i += 1;
            }
            0xC2 | 0xEF | 0xE2 => {
                let length = whitespace_length(&bytes[i..]);
                count += length as u64;
                i += length.max(1);
            }
            _ => i += 1,
        }
    }
    count
}

/// The pre-check's bound without the module lexer: every whitespace byte of the file (inside
/// strings too) plus [`comment_bytes_any_start`]. It holds whatever any lexer would say, but is
/// loose on code with much whitespace in strings or `//` inside strings.
pub fn lexer_free_bound(bytes: &[u8]) -> u64 {
    // White space inside comments is counted twice; the sum stays a bound, and no saving can
    // exceed the file (found by fuzzing: 1,261 "removable" bytes in a 1,062-byte file).
    (whitespace_bytes(bytes) + comment_bytes_any_start(bytes)).min(bytes.len() as u64)
}

/// Comments minifiers keep by default (terser's and esbuild's "legal comments").
fn is_kept_comment(comment: &[u8]) -> bool {
    comment.starts_with(b"/*!")
        || comment.starts_with(b"//!")
        || [&b"@license"[..], b"@preserve", b"@cc_on"]
            .iter()
            .any(|tag| memchr::memmem::find(comment, tag).is_some())
}

/// Estimates the minified size of a script.
///
/// `trivia_bytes` is what the module lexer ([`super::js_scan`]) skipped between tokens — white
/// space and comments — when it read the whole file (`None` when it gave up on the file). The
/// swc parse runs at ~15–35 MB/s, several times slower than that lexer, and most shipped
/// scripts are minified; so it runs only when the file may hold a reportable saving.
///
/// The pre-check cannot hide a finding: the estimate only ever removes white space and
/// comments between tokens (and adds separators back), so its saving is at most the bytes
/// between tokens. When those are under the rule's thresholds, so is the saving. The count is
/// the module lexer's, which reads strings, templates, regular expressions and comments as swc
/// does (the lexer is checked against swc on real bundles, and gives up on anything it is not
/// sure of); when it gave up, the bound is [`lexer_free_bound`], which needs no lexer at all.
pub fn estimate_js(bytes: &[u8], extension: &str, trivia_bytes: Option<u64>) -> Minified {
    let raw = bytes.len() as u64;
    let bound = trivia_bytes.unwrap_or_else(|| lexer_free_bound(bytes));
    if !reportable(raw, bound, JS_MIN_SAVING_RATIO) {
        return Minified::BelowThreshold {
            removable_at_most: bound,
        };
    }
    estimate_js_unchecked(bytes, extension)
}

/// The swc-token estimate without the pre-check.
pub fn estimate_js_unchecked(bytes: &[u8], extension: &str) -> Minified {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Minified::Failed("not valid UTF-8".to_string());
    };
    if let Err(message) = super::js_guard::check(text, super::js::is_jsx_syntax(extension)) {
        return Minified::Failed(message);
    }
    let tokens = match super::js_guard::with_parser_stack(|| js_tokens(text, extension)) {
        Ok(tokens) => tokens,
        Err(message) => return Minified::Failed(message),
    };
    Minified::Estimated {
        bytes: js_minified_size(bytes, &tokens),
    }
}

/// The bytes covered by every span that starts at a `/*` or `//` anywhere in the file (inside
/// strings and regular expressions too) and runs to the first `*/` after it or to the end of its
/// line, plus a leading `#!` line. Every real comment is one of these spans, so this is at least
/// the file's comment bytes, with no tokenizer to trust. Linear: each terminator search starts
/// after the previous one's result.
pub fn comment_bytes_any_start(bytes: &[u8]) -> u64 {
    let mut total = 0u64;
    let mut covered_until = 0usize;
    if bytes.starts_with(b"#!") {
        covered_until = memchr::memchr2(b'\n', b'\r', bytes).unwrap_or(bytes.len());
        total = covered_until as u64;
    }
    // The next line break at or after some offset, and the next `*/`: cached, since the
    // offsets asked for only grow.
    let mut line_end: Option<usize> = None;
    let mut block_end: Option<usize> = None;
    let mut i = 0;
    while i + 1 < bytes.len() {
        // The next `/` that has a byte after it.
        let Some(slash) = memchr::memchr(b'/', &bytes[i..bytes.len() - 1]) else {
            break;
        };
        i += slash;
        if !matches!(bytes[i + 1], b'/' | b'*') {
            i += 1;
            continue;
        }
        let from = i + 2;
        let end = if bytes[i + 1] == b'/' {
            if line_end.is_none_or(|e| e < from) {
                line_end = Some(
                    memchr::memchr2(b'\n', b'\r', &bytes[from..]).map_or(bytes.len(), |p| from + p),
                );
            }
            line_end.unwrap_or(bytes.len())
        } else {
            if block_end.is_none_or(|e| e < from + 2) {
                block_end = Some(
                    memchr::memmem::find(&bytes[from..], b"*/")
                        .map_or(bytes.len(), |p| from + p + 2),
                );
            }
            block_end.unwrap_or(bytes.len())
        };
        let start = i.max(covered_until);
        if end > start {
            total += (end - start) as u64;
            covered_until = end;
        }
        i += 1;
    }
    total
}

/// A token as the estimate needs it: byte range in the file and what kind it is.
struct JsToken {
    start: usize,
    end: usize,
    regex: bool,
}

/// The tokens of `text` as swc's parser consumed them.
fn js_tokens(text: &str, extension: &str) -> Result<Vec<JsToken>, String> {
    let source_map: Lrc<SourceMap> = Default::default();
    let file = source_map.new_source_file(Lrc::new(FileName::Anon), text.to_string());
    let base = file.start_pos.0;
    // swc removes a leading byte order mark from the source file, so its spans start that
    // many bytes before the same tokens in `text`.
    let unmarked = text.len() - file.src.len();
    let lexer = Lexer::new(
        super::js::syntax_for(extension),
        EsVersion::latest(),
        StringInput::from(&*file),
        None,
    );
    let mut parser = Parser::new_from(Capturing::new(lexer));
    let parsed = if extension == "cjs" {
        parser.parse_script().map(drop)
    } else {
        parser.parse_program().map(drop)
    };
    if let Err(error) = parsed {
        return Err(format!(
            "not estimated: {} (at byte {})",
            error.kind().msg(),
            error.span().lo.0.saturating_sub(base) as usize + unmarked
        ));
    }
    let captured: Vec<TokenAndSpan> = parser.input_mut().iter_mut().take();
    let length = text.len();
    Ok(captured
        .into_iter()
        .filter(|t| t.token != Token::Eof)
        .filter_map(|t| {
            let start = t.span.lo.0.checked_sub(base)? as usize + unmarked;
            let end = t.span.hi.0.checked_sub(base)? as usize + unmarked;
            (start <= end && end <= length).then_some(JsToken {
                start,
                end,
                regex: t.token == Token::Regex,
            })
        })
        .collect())
}

/// What the text between two tokens holds.
#[derive(Default)]
struct Gap {
    /// Bytes that stay: kept comments, and anything that is neither whitespace nor a comment.
    kept: u64,
    /// Something was removed.
    removed: bool,
    /// A removed part contained a line break (a multi-line comment counts, as it does for
    /// automatic semicolon insertion).
    line_break: bool,
    /// Bytes other than whitespace and comments: the gap is then kept whole.
    other: bool,
}

fn js_gap(gap: &[u8]) -> Gap {
    let mut result = Gap::default();
    let mut i = 0;
    while i < gap.len() {
        let rest = &gap[i..];
        let whitespace = whitespace_length(rest);
        if whitespace > 0 {
            result.removed = true;
            result.line_break |= is_line_break(rest);
            i += whitespace;
            continue;
        }
        let comment_length = if rest.starts_with(b"/*") {
            memchr::memmem::find(&rest[2..], b"*/").map_or(rest.len(), |p| p + 4)
        } else if rest.starts_with(b"//") || (i == 0 && rest.starts_with(b"#!")) {
            memchr::memchr2(b'\n', b'\r', rest).unwrap_or(rest.len())
        } else {
            0
        };
        if comment_length > 0 {
            let comment = &rest[..comment_length.min(rest.len())];
            if is_kept_comment(comment) {
                result.kept += comment.len() as u64;
            } else {
                result.removed = true;
                result.line_break |= comment.iter().any(|&b| b == b'\n' || b == b'\r');
            }
            i += comment.len();
            continue;
        }
        result.other = true;
        result.kept += 1;
        i += 1;
    }
    result
}

fn is_word_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'$' | b'\\') || byte >= 0x80
}

/// Keywords after which a line break ends the statement whatever follows
/// (`return\n(x)` returns `undefined`).
const RESTRICTED: &[&[u8]] = &[
    b"return",
    b"break",
    b"continue",
    b"throw",
    b"yield",
    b"async",
];

/// Bytes needed between `before` and `after` once the whitespace and comments between them are
/// gone: 1 or 0. Errs towards keeping a byte.
fn js_separator(before: &JsToken, after: &JsToken, bytes: &[u8], line_break: bool) -> u64 {
    let text = |t: &JsToken| bytes.get(t.start..t.end).unwrap_or_default();
    let (left, right) = (text(before), text(after));
    let (Some(&last), Some(&first)) = (left.last(), right.first()) else {
        return 0;
    };
    let second = right.get(1).copied();
    // Tokens that would merge: `return x`, `a + +b`, `a - -b`, `a / /re/`, `1 .toString()`.
    let merge = (is_word_byte(last) && is_word_byte(first))
        || (last == b'+' && first == b'+')
        || (last == b'-' && first == b'-')
        || (last == b'/' && first == b'/' && !before.regex)
        || (last.is_ascii_digit() && first == b'.');
    if merge {
        return 1;
    }
    if !line_break {
        return 0;
    }
    if RESTRICTED.contains(&left) {
        return 1;
    }
    // A line break may end a statement (automatic semicolon insertion) when what precedes can
    // end an expression and what follows cannot continue it; a minifier then writes `;`.
    let ends_value = is_word_byte(last)
        || matches!(last, b'"' | b'\'' | b'`' | b')' | b']' | b'}')
        || before.regex
        || left == b"++"
        || left == b"--";
    let starts_statement = is_word_byte(first)
        || matches!(
            first,
            b'"' | b'\'' | b'`' | b'{' | b'!' | b'~' | b'#' | b'@'
        )
        || (first == b'.' && second.is_some_and(|b| b.is_ascii_digit()))
        || right.starts_with(b"++")
        || right.starts_with(b"--");
    u64::from(ends_value && starts_statement)
}

fn js_minified_size(bytes: &[u8], tokens: &[JsToken]) -> u64 {
    let mut total = 0u64;
    let mut cursor = 0usize;
    let mut previous: Option<&JsToken> = None;
    for token in tokens {
        if token.start < cursor {
            // Overlapping spans (never seen): count only the new part.
            total += token.end.saturating_sub(cursor) as u64;
            cursor = cursor.max(token.end);
            previous = Some(token);
            continue;
        }
        let gap = js_gap(bytes.get(cursor..token.start).unwrap_or_default());
        total += if gap.other {
            (token.start - cursor) as u64
        } else {
            gap.kept
                + match previous {
                    Some(before) if gap.removed => {
                        js_separator(before, token, bytes, gap.line_break)
                    }
                    _ => 0,
                }
        };
        total += (token.end - token.start) as u64;
        cursor = token.end;
        previous = Some(token);
    }
    let tail = js_gap(bytes.get(cursor..).unwrap_or_default());
    total
        + if tail.other {
            (bytes.len() - cursor) as u64
        } else {
            tail.kept
        }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn estimate(source: &str) -> u64 {
        match estimate_js_unchecked(source.as_bytes(), "js") {
            Minified::Estimated { bytes } => bytes,
            other => panic!("{source:?}: {other:?}"),
        }
    }

    #[test]
    fn removes_whitespace_and_comments_but_keeps_needed_separators() {
        // Hand-minified equivalents, byte for byte the size the estimate must give.
        let cases = [
            ("var  a = 1 ;\n", "var a=1;"),
            // The `;` before `}` stays: the estimate only removes whitespace and comments.
            (
                "/* doc */ function f ( x ) {\n  return x + +1;\n}\n",
                "function f(x){return x+ +1;}",
            ),
            ("let a = b\nlet c = d\n", "let a=b;let c=d"),
            ("a = b\n(c)\n", "a=b(c)"),
            ("x = `a  ${ y }  b` // tail\n", "x=`a  ${y}  b`"),
            ("if (a) /re/.test(b)\n", "if(a)/re/.test(b)"),
            ("a = b / c / d\n", "a=b/c/d"),
            ("/*! keep me */\nvar a;\n", "/*! keep me */var a;"),
            (
                "function g() {\n  return\n  (1)\n}\n",
                "function g(){return;(1)}",
            ),
            ("x = 'a  b'   ;", "x='a  b';"),
        ];
        for (source, minified) in cases {
            assert_eq!(estimate(source), minified.len() as u64, "{source:?}");
        }
    }

    #[test]
    fn a_byte_order_mark_is_removed_and_the_tokens_after_it_stay_in_place() {
        // swc drops the mark from its source file; its token spans are mapped back past it.
        for source in [
            "var  a = 1 ;\n",
            "x = `a  ${ y }  b` // tail\n",
            "a = b\n(c)\n",
        ] {
            assert_eq!(
                estimate(&format!("\u{feff}{source}")),
                estimate(source),
                "{source:?}"
            );
        }
    }

    #[test]
    fn the_lexer_free_bound_never_exceeds_the_file() {
        // Every byte is both white space and inside a comment span.
        let text = b"/*            \n            */";
        assert!(whitespace_bytes(text) + comment_bytes_any_start(text) > text.len() as u64);
        assert_eq!(lexer_free_bound(text), text.len() as u64);
    }

    #[test]
    fn pre_check_skips_files_without_enough_whitespace_or_comments() {
        let minified = "a=1;b=2;".repeat(2000);
        let scanned = super::super::js_scan::scan_counting_comments(minified.as_bytes())
            .map(|s| s.trivia_bytes)
            .ok();
        assert!(matches!(
            estimate_js(minified.as_bytes(), "js", scanned),
            Minified::BelowThreshold { .. }
        ));
    }

    #[test]
    fn every_possible_comment_is_counted_without_a_lexer() {
        let cases: [(&str, u64); 5] = [
            ("a = 1; // c\nb", 4),
            ("/* a */ x /* b */", 14),
            // A string holding `//` counts to the end of its line: an over-count is safe.
            ("u = 'http://x'; /* c */\ny", 13),
            // Overlapping readings are counted once.
            ("s = '/*'; /* real */", 15),
            ("#!/usr/bin/env node\nf()", 19),
        ];
        for (source, expected) in cases {
            assert_eq!(
                comment_bytes_any_start(source.as_bytes()),
                expected,
                "{source:?}"
            );
        }
    }

    #[test]
    fn syntax_errors_are_reported_not_estimated() {
        assert!(matches!(
            estimate_js_unchecked(b"function (", "js"),
            Minified::Failed(_)
        ));
    }

    #[test]
    fn the_bounds_are_never_below_the_saving() {
        for source in [
            "var a = '    ';  // c\n",
            "/* a */ x = `\n\n ${ y } ` /* b */\n",
            "#!/usr/bin/env node\nf( 1 )",
            "import { a } from './a.js' ;\nexport { a } ;\n",
        ] {
            let bytes = source.as_bytes();
            let trivia = super::super::js_scan::scan_counting_comments(bytes)
                .unwrap()
                .trivia_bytes;
            let saving = bytes.len() as u64 - estimate(source);
            assert!(trivia >= saving, "{source:?}: {trivia} {saving}");
            // Only separators are added back (and a `#!` line, which the lexer counts as
            // trivia, is kept).
            if !source.starts_with("#!") {
                assert!(trivia - saving <= 8, "{source:?}: {trivia} {saving}");
            }
            assert!(lexer_free_bound(bytes) >= trivia, "{source:?}");
        }
    }
}
