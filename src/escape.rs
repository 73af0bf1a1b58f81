//! Escaping of text webaudit did not write itself — file names, messages that quote them,
//! configuration values, URLs and headers from a server — for each place it is printed. Every
//! output goes through exactly one function of this module for its context, so what a hostile
//! file name can do is decided here and nowhere else.
//!
//! What every context makes visible ([`is_hidden_control`]):
//!
//! - C0 and C1 control characters and DEL. A line break in a name would start a line of its own
//!   (in a GitHub Actions log, a forged workflow command such as `::error::…`); ESC starts
//!   terminal sequences that recolour, move the cursor, or make OSC 8 hyperlinks.
//! - Unicode's bidirectional controls (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C),
//!   which reorder what follows them (`\u{202e}gnp.js` is shown as `sj.png`), and the line and
//!   paragraph separators U+2028/U+2029, which some viewers break lines at.
//!
//! They are shown the way Rust writes them in a string (`\n`, `\x1b`, `\u{202e}`), so a reader
//! sees that the name holds them. A backslash itself is left alone: names rarely have one, and
//! doubling it everywhere would make every message harder to read.
//!
//! Plain text also never contains the two ways GitHub's runner recognises a workflow command in
//! any line of a log: `::` at the start of a line after white space (a top-level file named
//! `::error::x.js` printed first on a table row), and the legacy `##[command]` anywhere in a
//! line. A leading `::` is shown as `\x3a:`, and the `[` of `##[` as `\x5b`.
//!
//! Line breaks are never kept from the text: a renderer that wants several lines (an annotation
//! with a fix, a JUnit failure listing several findings) escapes each line and joins them with
//! its format's own line break.
//!
//! JSON is the exception that keeps the real names: [`write_json_pretty`] writes the same
//! characters as `\uXXXX` escapes, which decode back to the name.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io;

use serde::Serialize;
use serde_json::ser::{Formatter, PrettyFormatter};

/// Whether `c` changes how the text around it is shown instead of being shown: C0/C1 controls,
/// DEL, bidirectional controls and the Unicode line and paragraph separators.
pub fn is_hidden_control(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

/// The visible form of a hidden control character, as Rust writes it in a string.
fn visible(c: char, out: &mut String) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if c.is_ascii() => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
}

/// One character of the text as plain text shows it: itself, or an escape.
enum Shown {
    Itself(char),
    Escaped(String),
}

/// The text as plain text shows it (see the module documentation): hidden controls, a leading
/// `::` and the `[` of `##[` escaped, every other character itself.
fn shown(text: &str) -> impl Iterator<Item = Shown> + '_ {
    // Where a `::` after leading white space would start: the runner trims that white space
    // (escaped controls are not white space any more, they are shown).
    let indent = text
        .char_indices()
        .find(|&(_, c)| !c.is_whitespace() || is_hidden_control(c))
        .map_or(text.len(), |(i, _)| i);
    let command_colon = text[indent..].starts_with("::").then_some(indent);
    let mut previous = ['\0', '\0'];
    text.char_indices().map(move |(i, c)| {
        let after_hashes = previous == ['#', '#'];
        previous = [previous[1], c];
        if is_hidden_control(c) {
            let mut escape = String::new();
            visible(c, &mut escape);
            Shown::Escaped(escape)
        } else if Some(i) == command_colon {
            Shown::Escaped("\\x3a".into())
        } else if c == '[' && after_hashes {
            Shown::Escaped("\\x5b".into())
        } else {
            Shown::Itself(c)
        }
    })
}

fn needs_escaping(text: &str) -> bool {
    text.chars().any(is_hidden_control)
        || text.trim_start().starts_with("::")
        || text.contains("##[")
}

/// Text for a terminal or a log, on one line: plain text with hidden controls made visible.
/// Borrowed when nothing needed escaping (almost always).
pub fn terminal(text: &str) -> Cow<'_, str> {
    if !needs_escaping(text) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for piece in shown(text) {
        match piece {
            Shown::Itself(c) => out.push(c),
            Shown::Escaped(escape) => out.push_str(&escape),
        }
    }
    Cow::Owned(out)
}

/// The line break inside a workflow command's message, as the toolkit encodes it.
pub const GITHUB_LINE_BREAK: &str = "%0A";

/// The message of a GitHub workflow command (`::error …::MESSAGE`). `%` is encoded as
/// `@actions/core` does, so the runner's decoding gives the text back; line breaks and other
/// hidden controls are made visible rather than encoded (`%0A`), so a file name cannot add a
/// line to an annotation — join escaped lines with [`GITHUB_LINE_BREAK`] for that.
pub fn github_data(text: &str) -> String {
    github(text, false)
}

/// A property of a GitHub workflow command (`file=`, `title=`): as [`github_data`], plus `:`
/// and `,`, which would end the property.
pub fn github_property(text: &str) -> String {
    github(text, true)
}

fn github(text: &str, property: bool) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for piece in shown(text) {
        match piece {
            Shown::Itself('%') => out.push_str("%25"),
            Shown::Itself(':') if property => out.push_str("%3A"),
            Shown::Itself(',') if property => out.push_str("%2C"),
            Shown::Itself(c) => out.push(c),
            Shown::Escaped(escape) => out.push_str(&escape),
        }
    }
    out
}

/// Text for HTML element content or a quoted attribute value, shown as itself: the
/// characters that are markup become entities, hidden controls are made visible.
pub fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for piece in shown(text) {
        match piece {
            Shown::Itself(c) => push_html(c, &mut out),
            Shown::Escaped(escape) => out.push_str(&escape),
        }
    }
    out
}

fn push_html(c: char, out: &mut String) {
    match c {
        '&' => out.push_str("&amp;"),
        '<' => out.push_str("&lt;"),
        '>' => out.push_str("&gt;"),
        '"' => out.push_str("&quot;"),
        '\'' => out.push_str("&#39;"),
        c => out.push(c),
    }
}

/// Text for GitHub-flavoured Markdown, including inside a table cell, shown as itself: HTML's
/// special characters become entities, punctuation that can start markup (and `|`, which ends a
/// cell) is backslash-escaped, hidden controls are made visible (their backslash escaped in
/// turn), and `@` gets a zero-width space after it so `@font-face` or a crafted name mentions
/// nobody.
pub fn markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for piece in shown(text) {
        match piece {
            Shown::Itself(
                c @ ('\\' | '`' | '*' | '_' | '[' | ']' | '(' | ')' | '!' | '|' | '~' | '$' | '#'),
            ) => {
                out.push('\\');
                out.push(c);
            }
            Shown::Itself('@') => out.push_str("@\u{200B}"),
            // An apostrophe is text in Markdown, and common in messages.
            Shown::Itself('\'') => out.push('\''),
            Shown::Itself(c) => push_html(c, &mut out),
            Shown::Escaped(escape) => out.push_str(&escape.replace('\\', "\\\\")),
        }
    }
    out
}

/// Text for XML 1.0 element content and attribute values (JUnit): markup characters become
/// entities and hidden controls are made visible — XML 1.0 cannot carry most C0 characters at
/// all, and `&#10;` in an attribute would be a line break again.
pub fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for piece in shown(text) {
        match piece {
            Shown::Itself('\'') => out.push_str("&apos;"),
            // Noncharacters XML 1.0 does not allow.
            Shown::Itself('\u{FFFE}' | '\u{FFFF}') => out.push('\u{FFFD}'),
            Shown::Itself(c) => push_html(c, &mut out),
            Shown::Escaped(escape) => out.push_str(&escape),
        }
    }
    out
}

/// Writes `value` as pretty-printed JSON that keeps every string exactly (it decodes to the
/// real file names), with the characters that could act on a terminal or a CI log written as
/// `\uXXXX` escapes: hidden controls that JSON itself leaves raw (DEL, C1, bidirectional
/// controls, U+2028/U+2029), and the `[` of `##[`.
pub fn write_json_pretty<W: io::Write, T: ?Sized + Serialize>(out: W, value: &T) -> io::Result<()> {
    let mut serializer =
        serde_json::Serializer::with_formatter(out, SafeJson(PrettyFormatter::new()));
    value.serialize(&mut serializer).map_err(io::Error::from)
}

/// serde_json's pretty formatter, with [`write_json_pretty`]'s string escaping.
struct SafeJson(PrettyFormatter<'static>);

impl Formatter for SafeJson {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        // serde_json escapes C0 controls, `"` and `\` between fragments, so a `##[` that
        // reaches the output lies within one fragment.
        let bytes = fragment.as_bytes();
        // Nearly every string of a report (paths, rule ids, messages) is printable ASCII: one
        // pass over its bytes instead of one per character.
        if bytes
            .iter()
            .all(|&b| (b' '..=b'~').contains(&b) && b != b'#')
            || (bytes.iter().all(|b| (b' '..=b'~').contains(b))
                && !bytes.windows(3).any(|w| w == b"##["))
        {
            return writer.write_all(bytes);
        }
        let mut previous = ['\0', '\0'];
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            let after_hashes = previous == ['#', '#'];
            previous = [previous[1], c];
            if is_hidden_control(c) || (c == '[' && after_hashes) {
                writer.write_all(&fragment.as_bytes()[start..i])?;
                write!(writer, "\\u{:04x}", c as u32)?;
                start = i + c.len_utf8();
            }
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }

    fn begin_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_array(writer)
    }

    fn end_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_array(writer)
    }

    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_array_value(writer, first)
    }

    fn end_array_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_array_value(writer)
    }

    fn begin_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_object(writer)
    }

    fn end_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object(writer)
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_object_key(writer, first)
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_object_value(writer)
    }

    fn end_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object_value(writer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FORGED_COMMAND: &str = "x\n::error file=forged2.js::FORGED.js";
    const OSC8_LINK: &str = "\u{1b}]8;;http://evil\u{1b}\\link.js";

    #[test]
    fn terminal_shows_controls_and_bidi_as_escapes() {
        assert_eq!(terminal("plain/é.js"), Cow::Borrowed("plain/é.js"));
        assert_eq!(
            terminal(FORGED_COMMAND),
            "x\\n::error file=forged2.js::FORGED.js"
        );
        assert_eq!(terminal("\u{1b}[31mred.js"), "\\x1b[31mred.js");
        assert_eq!(terminal(OSC8_LINK), "\\x1b]8;;http://evil\\x1b\\link.js");
        assert_eq!(terminal("\u{202e}gnp.js"), "\\u{202e}gnp.js");
        assert_eq!(
            terminal("a\u{7f}\u{9b}\u{2067}\u{61c}\r\t"),
            "a\\x7f\\u{9b}\\u{2067}\\u{61c}\\r\\t"
        );
    }

    #[test]
    fn terminal_text_never_starts_a_workflow_command() {
        assert_eq!(terminal("::error::x.js"), "\\x3a:error::x.js");
        assert_eq!(terminal(" \u{a0}::warning::x"), " \u{a0}\\x3a:warning::x");
        // A shown control is not white space the runner trims.
        assert_eq!(terminal("\t::x"), "\\t::x");
        assert_eq!(terminal("a::b"), Cow::Borrowed("a::b"));
        assert_eq!(terminal("x##[stop-commands]t"), "x##\\x5bstop-commands]t");
        assert_eq!(terminal("#[x] ##"), Cow::Borrowed("#[x] ##"));
    }

    #[test]
    fn github_escapes_as_the_toolkit_and_shows_controls() {
        assert_eq!(github_data("100% a"), "100%25 a");
        // `%` first, so an escape in the input is not decoded back by GitHub.
        assert_eq!(github_data("%0A"), "%250A");
        assert_eq!(github_property("a:b,c%"), "a%3Ab%2Cc%25");
        assert_eq!(
            github_property(FORGED_COMMAND),
            "x\\n%3A%3Aerror file=forged2.js%3A%3AFORGED.js"
        );
        assert_eq!(github_data("a\r\nb"), "a\\r\\nb");
        assert_eq!(github_property("\u{1b}[31mred.js"), "\\x1b[31mred.js");
        assert_eq!(github_data("\u{202e}gnp.js"), "\\u{202e}gnp.js");
    }

    #[test]
    fn markdown_shows_markup_as_itself() {
        assert_eq!(markdown("<b>&"), "&lt;b&gt;&amp;");
        assert_eq!(markdown("[x](y)"), "\\[x\\]\\(y\\)");
        assert_eq!(markdown("a|b"), "a\\|b");
        assert_eq!(markdown("**x**"), "\\*\\*x\\*\\*");
        assert_eq!(markdown("@font-face"), "@\u{200B}font-face");
        assert_eq!(markdown("page's"), "page's");
        // The escape's backslash is escaped too, so it renders as `\n`.
        assert_eq!(markdown("a\nb"), "a\\\\nb");
        assert_eq!(markdown("\u{202e}gnp.js"), "\\\\u{202e}gnp.js");
        assert_eq!(markdown("\u{1b}[31m"), "\\\\x1b\\[31m");
    }

    #[test]
    fn html_and_xml_escape_markup_and_show_controls() {
        assert_eq!(
            html("<a href=\"x\">'&"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;"
        );
        assert_eq!(html("\u{202e}x"), "\\u{202e}x");
        assert_eq!(
            xml("a<b & \"c\" 'd'>"),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;"
        );
        assert_eq!(xml("x\u{1}y\u{1b}\n\u{FFFE}"), "x\\x01y\\x1b\\n\u{FFFD}");
    }

    #[test]
    fn json_keeps_the_real_text_and_escapes_what_acts_on_a_terminal() {
        let names = [
            FORGED_COMMAND,
            "\u{1b}[31mred.js",
            OSC8_LINK,
            "\u{202e}gnp.js\u{9b}\u{7f}",
            "##[stop-commands]x",
            "plain é",
            "assets/app-3f2a.js ~ [#] {ok}",
        ];
        let mut out = Vec::new();
        write_json_pretty(&mut out, &names).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            !text.chars().any(is_hidden_control_other_than_line_breaks),
            "{text}"
        );
        assert!(!text.contains("##["), "{text}");
        assert!(text.contains("\\u202e") && text.contains("\\u009b") && text.contains("\\u007f"));
        assert!(text.starts_with("[\n  \""), "pretty-printed: {text}");
        let decoded: Vec<String> = serde_json::from_str(&text).unwrap();
        assert_eq!(decoded, names);
    }

    fn is_hidden_control_other_than_line_breaks(c: char) -> bool {
        c != '\n' && is_hidden_control(c)
    }
}
