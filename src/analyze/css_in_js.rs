//! `@font-face` rules that a script carries as CSS-in-JS: styled-components'
//! `createGlobalStyle`, emotion's `injectGlobal`/`<Global>`, or any stylesheet text a bundle
//! injects into a `<style>` element. A browser sees them as it sees a page's `<style>` block, so
//! the font rules must see them too.
//!
//! Only string and template literals are read (the module lexer, [`super::js_scan`], tells them
//! from code), and only when the file contains `@font-face` at all: a script without one costs a
//! single substring search. Each literal is decoded as JavaScript would (`\"`, `\n`, `\u…`), each
//! `@font-face { … }` block in it is cut out (to its matching `}`) and read by the stylesheet
//! parser, and every location is mapped back into the script. A template literal's `${…}` holes
//! (`src: url(${interWoff2})`, where the bundler's URL of an imported font sits in a variable)
//! are read as [`TEMPLATE_HOLE`]: the face is kept, and the value holding the hole is unknown;
//! a hole that holds nothing but a string literal (`${"/assets/inter-C38f.woff2"}`, as Rolldown
//! and esbuild inline an imported font's URL) is read as that string.
//! A face whose block a hole or the literal's end cuts short is dropped.

use crate::analyze::css;
use crate::analyze::js_scan::{self, Literal};
use crate::analyze::url::LineIndex;
use crate::model::facts::css::{FontFace, TEMPLATE_HOLE};
use crate::model::facts::location::Location;

/// At most this many faces are kept per script: a bound on the facts of a hostile file; a
/// real app declares a few dozen (one per weight, style and subset).
pub const MAX_FACES_PER_SCRIPT: usize = 500;

/// A face block longer than this is not read: a real one is a few hundred bytes, or some
/// hundreds of kilobytes with a font inlined as a base64 `data:` URL.
pub const MAX_FACE_BYTES: usize = 2 * 1024 * 1024;

const AT_RULE: &[u8] = b"@font-face";

/// The `@font-face` rules of a script's string and template literals, with locations in the
/// script. Nothing when the script does not scan cleanly (its literals are then unknown).
pub fn font_faces(bytes: &[u8]) -> Vec<FontFace> {
    let offsets: Vec<usize> = memchr::memmem::find_iter(bytes, AT_RULE).collect();
    if offsets.is_empty() {
        return Vec::new();
    }
    let Ok(literals) = js_scan::literals_holding(bytes, offsets) else {
        return Vec::new();
    };
    let lines = LineIndex::new(bytes);
    let mut faces = Vec::new();
    for literal in &literals {
        let (text, raw_offsets) = decode(bytes, literal);
        for at in memchr::memmem::find_iter(&text, AT_RULE) {
            if faces.len() >= MAX_FACES_PER_SCRIPT {
                return faces;
            }
            let Some(end) = block_end(&text, at + AT_RULE.len()) else {
                continue;
            };
            let block = &text[at..end];
            let to_script = |location: Location| {
                let raw = raw_offsets
                    .get(at + location.offset)
                    .copied()
                    .unwrap_or(raw_offsets.last().copied().unwrap_or_default());
                lines.location(raw)
            };
            for mut face in css::parse(block).font_faces {
                face.location = to_script(face.location);
                for source in &mut face.sources {
                    source.location = to_script(source.location);
                }
                faces.push(face);
            }
        }
    }
    faces
}

/// The text of a literal as JavaScript reads it, with [`TEMPLATE_HOLE`] for each `${…}`, and
/// for each byte of it the offset in the script it comes from.
fn decode(bytes: &[u8], literal: &Literal) -> (Vec<u8>, Vec<usize>) {
    let mut text = Vec::new();
    let mut raw_offsets = Vec::new();
    let mut push = |text: &mut Vec<u8>, encoded: &[u8], raw: usize| {
        text.extend_from_slice(encoded);
        raw_offsets.extend(std::iter::repeat_n(raw, encoded.len()));
    };
    for (index, piece) in literal.pieces.iter().enumerate() {
        if index > 0 {
            // The hole runs from after the previous piece's `${` to before this piece's `}`.
            let hole = literal.pieces[index - 1].end + 2..piece.start.saturating_sub(1);
            match constant_literal(bytes, hole.clone()) {
                Some(value) => decode_into(bytes, value, &mut push, &mut text),
                None => {
                    let mut buffer = [0; 4];
                    push(
                        &mut text,
                        TEMPLATE_HOLE.encode_utf8(&mut buffer).as_bytes(),
                        hole.start.saturating_sub(2),
                    );
                }
            }
        }
        decode_into(bytes, piece.clone(), &mut push, &mut text);
    }
    (text, raw_offsets)
}

/// The raw text of the string or hole-less template literal that is all a hole holds:
/// `${"/assets/inter-C38f.woff2"}`, as Rolldown and esbuild write an imported asset's URL in
/// place of its variable. `None` for any other expression.
fn constant_literal(bytes: &[u8], hole: std::ops::Range<usize>) -> Option<std::ops::Range<usize>> {
    let text = bytes.get(hole.clone())?;
    let start = text.iter().position(|b| !b.is_ascii_whitespace())?;
    let end = text.iter().rposition(|b| !b.is_ascii_whitespace())? + 1;
    let expression = &text[start..end];
    let (&quote, inside) = expression.split_first()?;
    let inside = inside.strip_suffix(&[quote])?;
    if !matches!(quote, b'"' | b'\'' | b'`')
        || (quote == b'`' && memchr::memmem::find(inside, b"${").is_some())
    {
        return None;
    }
    // The quote must not close earlier: `${"a" + b + "c"}` is not one literal.
    let mut i = 0;
    while i < inside.len() {
        match inside[i] {
            b'\\' => i += 2,
            byte if byte == quote => return None,
            _ => i += 1,
        }
    }
    let from = hole.start + start + 1;
    Some(from..from + inside.len())
}

/// Appends the JavaScript-decoded text of `piece` of the script.
fn decode_into(
    bytes: &[u8],
    piece: std::ops::Range<usize>,
    push: &mut impl FnMut(&mut Vec<u8>, &[u8], usize),
    text: &mut Vec<u8>,
) {
    let raw = bytes.get(piece.clone()).unwrap_or_default();
    let mut i = 0;
    while i < raw.len() {
        let start = piece.start + i;
        if raw[i] != b'\\' {
            push(text, &raw[i..i + 1], start);
            i += 1;
            continue;
        }
        let (decoded, length) = escape(&raw[i + 1..]);
        let mut buffer = [0; 4];
        if let Some(character) = decoded {
            push(text, character.encode_utf8(&mut buffer).as_bytes(), start);
        }
        i += 1 + length;
    }
}

/// One escape sequence after its backslash: the character it stands for (`None` for a line
/// continuation) and how many bytes it takes. An invalid escape stands for the character
/// itself, as in sloppy-mode strings and as harmless for reading CSS.
fn escape(after: &[u8]) -> (Option<char>, usize) {
    let hex = |digits: &[u8]| {
        std::str::from_utf8(digits)
            .ok()
            .and_then(|d| u32::from_str_radix(d, 16).ok())
            .and_then(char::from_u32)
    };
    match after {
        [] => (None, 0),
        [b'\r', b'\n', ..] => (None, 2),
        [b'\n' | b'\r', ..] => (None, 1),
        [b'n', ..] => (Some('\n'), 1),
        [b't', ..] => (Some('\t'), 1),
        [b'r', ..] => (Some('\r'), 1),
        [b'b', ..] => (Some('\u{8}'), 1),
        [b'f', ..] => (Some('\u{c}'), 1),
        [b'v', ..] => (Some('\u{b}'), 1),
        [b'0', next, ..] if !next.is_ascii_digit() => (Some('\0'), 1),
        [b'0'] => (Some('\0'), 1),
        [b'x', digits @ ..] if digits.len() >= 2 => match hex(&digits[..2]) {
            Some(character) => (Some(character), 3),
            None => (Some('x'), 1),
        },
        [b'u', b'{', rest @ ..] => match memchr::memchr(b'}', rest).filter(|&end| end <= 6) {
            Some(end) => match hex(&rest[..end]) {
                Some(character) => (Some(character), 3 + end),
                None => (Some('u'), 1),
            },
            None => (Some('u'), 1),
        },
        [b'u', digits @ ..] if digits.len() >= 4 => match hex(&digits[..4]) {
            Some(character) => (Some(character), 5),
            None => (Some('u'), 1),
        },
        [first, ..] => {
            // One whole UTF-8 character (a backslash before `é` stands for `é`).
            let length = match first {
                0xF0.. => 4,
                0xE0.. => 3,
                0xC0.. => 2,
                _ => 1,
            }
            .min(after.len());
            let character = std::str::from_utf8(&after[..length])
                .ok()
                .and_then(|s| s.chars().next());
            (character, length)
        }
    }
}

/// The end (exclusive) of the `{ … }` block that follows `from` in CSS text, after white space
/// and comments only; `None` when there is none, it is not closed, or it is longer than
/// [`MAX_FACE_BYTES`]. Strings and comments inside are skipped, so a `}` in them does not close
/// it.
fn block_end(text: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    loop {
        match text.get(i..)? {
            [b'/', b'*', ..] => i += 2 + memchr::memmem::find(&text[i + 2..], b"*/")? + 2,
            [b, ..] if b.is_ascii_whitespace() => i += 1,
            [b'{', ..] => break,
            _ => return None,
        }
    }
    let open = i;
    let mut depth = 0usize;
    while i < text.len() && i - open <= MAX_FACE_BYTES {
        match text[i] {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            quote @ (b'"' | b'\'') => {
                let mut j = i + 1;
                while j < text.len() && text[j] != quote && text[j] != b'\n' {
                    j += if text[j] == b'\\' { 2 } else { 1 };
                }
                i = j;
            }
            b'/' if text.get(i + 1) == Some(&b'*') => {
                i += 2 + memchr::memmem::find(&text[i + 2..], b"*/")? + 1;
            }
            _ => {}
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Family, source URLs, font-display, line and column of each face.
    type FaceSummary = (
        Option<String>,
        Vec<Option<String>>,
        Option<String>,
        u32,
        u32,
    );

    fn summary(code: &str) -> Vec<FaceSummary> {
        font_faces(code.as_bytes())
            .into_iter()
            .map(|face| {
                (
                    face.family,
                    face.sources.into_iter().map(|s| s.url).collect(),
                    face.font_display,
                    face.location.line,
                    face.location.column,
                )
            })
            .collect()
    }

    #[test]
    fn reads_faces_in_strings_with_escapes_and_locations_in_the_script() {
        // emotion's injectGlobal compiled to a string; a double-quoted string escapes its quotes.
        let code = "var a=1;\nvar css=\"body{margin:0}@font-face{font-family:\\\"Inter\\\";src:url(/assets/inter-C38f.woff2) format(\\\"woff2\\\");font-display:swap}\";\nx('@font-face{font-family:\"Lora\";src:url(\\x2ffonts/lora.woff)}');";
        assert_eq!(
            summary(code),
            [
                (
                    Some("Inter".to_string()),
                    vec![Some("/assets/inter-C38f.woff2".to_string())],
                    Some("swap".to_string()),
                    2,
                    24
                ),
                (
                    Some("Lora".to_string()),
                    vec![Some("/fonts/lora.woff".to_string())],
                    None,
                    3,
                    4
                ),
            ]
        );
        let faces = font_faces(code.as_bytes());
        // The source's location is where its `url(` is written in the script.
        let source = faces[0].sources[0].location;
        assert_eq!(&code.as_bytes()[source.offset..source.offset + 4], b"url(");
    }

    #[test]
    fn reads_template_holes_as_unknown_values() {
        // styled-components' createGlobalStyle as a bundle keeps it: imported fonts in holes.
        let code = "const G=Ut`\n  @font-face {\n    font-family: 'Inter';\n    src: url(${Fa}) format('woff2'), url(${`${n.p}x.woff`}) format('woff'), url(${\"a\"+b}), url(${ `/assets/x\\u002ettf` });\n    font-weight: ${w};\n  }\n  body { font-family: Inter }\n`;";
        let faces = font_faces(code.as_bytes());
        assert_eq!(faces.len(), 1);
        let hole = TEMPLATE_HOLE.to_string();
        let face = &faces[0];
        assert_eq!(face.family.as_deref(), Some("Inter"));
        assert_eq!(face.font_weight.as_deref(), Some(hole.as_str()));
        let urls: Vec<_> = face.sources.iter().map(|s| s.url.as_deref()).collect();
        // A hole holding only a literal is read as its value (escapes decoded).
        assert_eq!(
            urls,
            [
                Some(hole.as_str()),
                Some(hole.as_str()),
                Some(hole.as_str()),
                Some("/assets/x.ttf")
            ]
        );
        assert_eq!((face.location.line, face.location.column), (2, 3));
    }

    #[test]
    fn skips_faces_cut_short_by_a_hole_or_the_literal_and_text_outside_literals() {
        let code = [
            // The block is not closed inside the literal: concatenated with code.
            "a=\"@font-face{font-family:\"+f+\";src:url(\"+u+\")}\";",
            // A hole where the block should start.
            "b=`@font-face${rules}`;",
            // Not in a literal at all: a comment and an identifier-like text.
            "/* @font-face{font-family:X;src:url(x.woff)} */",
            // A string without the at-rule beside one with it in a brace-less mention.
            "c='no faces here',d='@font-face is an at-rule';",
        ]
        .join("\n");
        assert!(font_faces(code.as_bytes()).is_empty());
    }

    #[test]
    fn a_script_that_does_not_scan_yields_nothing_and_never_panics() {
        for code in [
            "a=\"@font-face{src:url(x.woff)}",
            "`@font-face{src:url(${",
            "x='@font-face{\\",
            "x='@font-face{\\u{110000}}'",
            "x='@font-face{\\u{'",
            "x='@font-face{/*'",
            "x='\\xZZ@font-face{'",
        ] {
            let _ = font_faces(code.as_bytes());
        }
        assert!(font_faces(b"a=\"@font-face{src:url(x.woff)}").is_empty());
    }

    #[test]
    fn keeps_at_most_the_limit_of_faces() {
        let code = format!(
            "x=\"{}\";",
            "@font-face{font-family:A;src:url(a.woff2)}".repeat(MAX_FACES_PER_SCRIPT + 5)
        );
        assert_eq!(font_faces(code.as_bytes()).len(), MAX_FACES_PER_SCRIPT);
    }
}
