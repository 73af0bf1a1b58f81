//! Facts about one stylesheet: what it `@import`s, every `url(…)` it references (with the
//! property it belongs to), and its `@font-face` rules.
//!
//! The text goes through a real tokenizer (CSS Syntax Level 3: comments, strings with escapes,
//! `url()` quoted and unquoted, `(`/`[`/`{` nesting) because searching the raw text finds URLs
//! inside comments and strings and loses track of blocks at the first `}` inside a string. Only the
//! structure the facts need is tracked: blocks, the at-rule or declaration a token belongs to, and
//! the function it sits in. No selector or value is validated; invalid CSS is read the way the
//! standard's error recovery reads it, and nothing panics on any input.

use std::borrow::Cow;

pub use super::url::{LineIndex, Location};
pub use crate::model::facts::css::*;

/// Parses a stylesheet file (or a `style="…"` value: a bare declaration list reads the same
/// way).
pub fn parse(text: &[u8]) -> CssFacts {
    parse_at(text, Location::START)
}

/// Parses CSS embedded in another file, starting at `base` there (a `<style>` block, a
/// `style="…"` attribute), so that every location points into the enclosing file.
pub fn parse_at(text: &[u8], base: Location) -> CssFacts {
    let index = LineIndex::new(text);
    let mut parser = Parser {
        text,
        index: &index,
        base,
        facts: CssFacts::default(),
        stack: vec![Nest::Block(Level::new(BlockKind::Root))],
        rules_seen: false,
        font_declaration: FontDeclaration::default(),
        style_rules: Vec::new(),
        top_level_declarations: SizingRule {
            location: base,
            ..SizingRule::default()
        },
    };
    let mut tokenizer = Tokenizer::new(text);
    while let Some(token) = tokenizer.next_token() {
        parser.token(&token);
    }
    for (message, offset) in tokenizer.warnings {
        parser.warn(message, offset);
    }
    parser.finish();
    parser.facts
}

/// The size of a stylesheet with comments and unnecessary whitespace removed (the `minify/css`
/// estimate; see [`super::minify`]). Strings and `url(…)` are single tokens, so their contents
/// are never touched.
pub fn minified_size(text: &[u8]) -> u64 {
    use TokenKind as K;
    // A run of whitespace and comments between two tokens can go entirely next to these.
    let no_space_after = |t: &Token| {
        matches!(
            t.kind,
            K::OpenBrace
                | K::CloseBrace
                | K::Semicolon
                | K::Comma
                | K::Colon
                | K::OpenParen
                | K::OpenBracket
                | K::Function
                | K::Comment
        ) || (t.kind == K::Delim && text.get(t.start) == Some(&b'>'))
    };
    let no_space_before = |t: &Token| {
        matches!(
            t.kind,
            K::OpenBrace
                | K::CloseBrace
                | K::Semicolon
                | K::Comma
                | K::CloseParen
                | K::CloseBracket
                | K::Comment
        ) || (t.kind == K::Delim && matches!(text.get(t.start), Some(b'>' | b'!')))
    };
    let mut tokenizer = Tokenizer::new(text);
    let mut total = 0u64;
    let mut previous: Option<Token> = None;
    // Whitespace or removed comments since the previous kept token.
    let mut pending_gap = false;
    // A `;` held back: dropped if the next token is `}`.
    let mut pending_semicolon = false;
    while let Some(token) = tokenizer.next_token() {
        match token.kind {
            K::Whitespace => {
                pending_gap = true;
                continue;
            }
            K::Comment if !text[token.start..].starts_with(b"/*!") => {
                pending_gap = true;
                continue;
            }
            _ => {}
        }
        if pending_semicolon {
            if token.kind != K::CloseBrace {
                total += 1;
            }
            pending_semicolon = false;
        }
        if pending_gap
            && let Some(before) = &previous
            && !no_space_after(before)
            && !no_space_before(&token)
        {
            total += 1;
        }
        pending_gap = false;
        if token.kind == K::Semicolon {
            pending_semicolon = true;
        } else {
            total += (token.end - token.start) as u64;
        }
        previous = Some(token);
    }
    total + u64::from(pending_semicolon)
}

// ---------------------------------------------------------------------------------------------
// Tokenizer

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TokenKind {
    Whitespace,
    Comment,
    Ident,
    /// `name(`; the name is the token without its last byte.
    Function,
    /// `@name`
    AtKeyword,
    Hash,
    String,
    BadString,
    /// Unquoted `url(…)`; the value is [`Token::value`].
    Url,
    BadUrl,
    Number,
    Delim,
    Colon,
    Semicolon,
    Comma,
    OpenBrace,
    CloseBrace,
    OpenParen,
    CloseParen,
    OpenBracket,
    CloseBracket,
    /// `<!--` or `-->`, which CSS ignores at the top level.
    HtmlComment,
}

#[derive(Debug, Clone, Copy)]
struct Token {
    kind: TokenKind,
    start: usize,
    end: usize,
    /// The part that carries the value: the name of an ident, function or at-keyword, the
    /// contents of a string, the URL of an unquoted `url(…)`.
    value: (usize, usize),
}

struct Tokenizer<'a> {
    text: &'a [u8],
    position: usize,
    warnings: Vec<(&'static str, usize)>,
}

fn is_css_whitespace(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r' | b'\x0C')
}

fn is_newline(byte: u8) -> bool {
    matches!(byte, b'\n' | b'\r' | b'\x0C')
}

fn is_name_start(byte: u8) -> bool {
    byte.is_ascii_alphabetic() || byte == b'_' || byte >= 0x80
}

fn is_name_byte(byte: u8) -> bool {
    is_name_start(byte) || byte.is_ascii_digit() || byte == b'-'
}

fn is_non_printable(byte: u8) -> bool {
    matches!(byte, 0x00..=0x08 | 0x0B | 0x0E..=0x1F | 0x7F)
}

impl<'a> Tokenizer<'a> {
    fn new(text: &'a [u8]) -> Self {
        Tokenizer {
            text,
            position: 0,
            warnings: Vec::new(),
        }
    }

    fn peek(&self, ahead: usize) -> Option<u8> {
        self.text.get(self.position + ahead).copied()
    }

    /// A backslash that starts an escape (not followed by a newline).
    fn is_valid_escape(&self, ahead: usize) -> bool {
        self.peek(ahead) == Some(b'\\') && !self.peek(ahead + 1).is_some_and(is_newline)
    }

    fn starts_ident(&self, ahead: usize) -> bool {
        match self.peek(ahead) {
            Some(b'-') => {
                self.peek(ahead + 1)
                    .is_some_and(|b| is_name_start(b) || b == b'-')
                    || self.is_valid_escape(ahead + 1)
            }
            Some(b'\\') => self.is_valid_escape(ahead),
            Some(byte) => is_name_start(byte),
            None => false,
        }
    }

    fn starts_number(&self) -> bool {
        match self.peek(0) {
            Some(b'+' | b'-') => {
                self.peek(1).is_some_and(|b| b.is_ascii_digit())
                    || (self.peek(1) == Some(b'.')
                        && self.peek(2).is_some_and(|b| b.is_ascii_digit()))
            }
            Some(b'.') => self.peek(1).is_some_and(|b| b.is_ascii_digit()),
            Some(byte) => byte.is_ascii_digit(),
            None => false,
        }
    }

    fn next_token(&mut self) -> Option<Token> {
        let start = self.position;
        let byte = self.peek(0)?;
        let (kind, value) = match byte {
            b'/' if self.peek(1) == Some(b'*') => {
                self.consume_comment();
                (TokenKind::Comment, (start, self.position))
            }
            _ if is_css_whitespace(byte) => {
                while self.peek(0).is_some_and(is_css_whitespace) {
                    self.position += 1;
                }
                (TokenKind::Whitespace, (start, self.position))
            }
            b'"' | b'\'' => return Some(self.consume_string(byte)),
            b'#' if self.peek(1).is_some_and(is_name_byte) || self.is_valid_escape(1) => {
                self.position += 1;
                self.consume_name();
                (TokenKind::Hash, (start + 1, self.position))
            }
            b'@' if self.starts_ident(1) => {
                self.position += 1;
                self.consume_name();
                (TokenKind::AtKeyword, (start + 1, self.position))
            }
            b'<' if self.text[start..].starts_with(b"<!--") => {
                self.position += 4;
                (TokenKind::HtmlComment, (start, self.position))
            }
            b'-' if self.text[start..].starts_with(b"-->") => {
                self.position += 3;
                (TokenKind::HtmlComment, (start, self.position))
            }
            _ if self.starts_number() => {
                self.consume_number();
                (TokenKind::Number, (start, self.position))
            }
            _ if self.starts_ident(0) => return Some(self.consume_ident_like()),
            _ => {
                let kind = match byte {
                    b'(' => TokenKind::OpenParen,
                    b')' => TokenKind::CloseParen,
                    b'[' => TokenKind::OpenBracket,
                    b']' => TokenKind::CloseBracket,
                    b'{' => TokenKind::OpenBrace,
                    b'}' => TokenKind::CloseBrace,
                    b':' => TokenKind::Colon,
                    b';' => TokenKind::Semicolon,
                    b',' => TokenKind::Comma,
                    _ => TokenKind::Delim,
                };
                self.position += 1;
                (kind, (start, self.position))
            }
        };
        Some(Token {
            kind,
            start,
            end: self.position,
            value,
        })
    }

    fn consume_comment(&mut self) {
        let start = self.position;
        match find(&self.text[start + 2..], b"*/") {
            Some(end) => self.position = start + 2 + end + 2,
            None => {
                self.warnings.push(("unterminated comment", start));
                self.position = self.text.len();
            }
        }
    }

    fn consume_string(&mut self, quote: u8) -> Token {
        let start = self.position;
        self.position += 1;
        loop {
            match self.peek(0) {
                None => {
                    self.warnings.push(("unterminated string", start));
                    return self.string_token(TokenKind::String, start, self.position);
                }
                Some(byte) if byte == quote => {
                    self.position += 1;
                    return self.string_token(TokenKind::String, start, self.position - 1);
                }
                Some(byte) if is_newline(byte) => {
                    // The standard ends a string at an unescaped newline and drops the
                    // declaration; the newline itself is not part of the string.
                    self.warnings.push(("string ends at a newline", start));
                    return self.string_token(TokenKind::BadString, start, self.position);
                }
                Some(b'\\') => match self.peek(1) {
                    None => self.position += 1,
                    Some(b'\r') if self.peek(2) == Some(b'\n') => self.position += 3,
                    Some(byte) if is_newline(byte) => self.position += 2,
                    Some(_) => self.consume_escape(),
                },
                Some(_) => self.position += 1,
            }
        }
    }

    fn string_token(&self, kind: TokenKind, start: usize, value_end: usize) -> Token {
        Token {
            kind,
            start,
            end: self.position,
            value: (start + 1, value_end),
        }
    }

    /// Consumes `\` and what it escapes: 1–6 hex digits and one optional whitespace, or one
    /// character. The caller has checked that it is a valid escape.
    fn consume_escape(&mut self) {
        self.position += 1;
        let hex_digits = self.text[self.position..]
            .iter()
            .take(6)
            .take_while(|b| b.is_ascii_hexdigit())
            .count();
        if hex_digits > 0 {
            self.position += hex_digits;
            if self.peek(0) == Some(b'\r') && self.peek(1) == Some(b'\n') {
                self.position += 2;
            } else if self.peek(0).is_some_and(is_css_whitespace) {
                self.position += 1;
            }
        } else if let Some(byte) = self.peek(0) {
            self.position += utf8_length(byte);
        }
        self.position = self.position.min(self.text.len());
    }

    fn consume_name(&mut self) {
        loop {
            match self.peek(0) {
                Some(byte) if is_name_byte(byte) => self.position += 1,
                Some(b'\\') if self.is_valid_escape(0) => self.consume_escape(),
                _ => return,
            }
        }
    }

    fn consume_number(&mut self) {
        if matches!(self.peek(0), Some(b'+' | b'-')) {
            self.position += 1;
        }
        self.skip_digits();
        if self.peek(0) == Some(b'.') && self.peek(1).is_some_and(|b| b.is_ascii_digit()) {
            self.position += 1;
            self.skip_digits();
        }
        if matches!(self.peek(0), Some(b'e' | b'E')) {
            let sign = usize::from(matches!(self.peek(1), Some(b'+' | b'-')));
            if self.peek(1 + sign).is_some_and(|b| b.is_ascii_digit()) {
                self.position += 1 + sign;
                self.skip_digits();
            }
        }
        if self.starts_ident(0) {
            self.consume_name();
        } else if self.peek(0) == Some(b'%') {
            self.position += 1;
        }
    }

    fn skip_digits(&mut self) {
        while self.peek(0).is_some_and(|b| b.is_ascii_digit()) {
            self.position += 1;
        }
    }

    fn consume_ident_like(&mut self) -> Token {
        let start = self.position;
        self.consume_name();
        let name = (start, self.position);
        if self.peek(0) != Some(b'(') {
            return Token {
                kind: TokenKind::Ident,
                start,
                end: self.position,
                value: name,
            };
        }
        self.position += 1;
        let function = Token {
            kind: TokenKind::Function,
            start,
            end: self.position,
            value: name,
        };
        if !decode(&self.text[name.0..name.1], Escapes::Name).eq_ignore_ascii_case("url") {
            return function;
        }
        let mut after_whitespace = self.position;
        while self
            .text
            .get(after_whitespace)
            .copied()
            .is_some_and(is_css_whitespace)
        {
            after_whitespace += 1;
        }
        if matches!(self.text.get(after_whitespace), Some(b'"' | b'\'')) {
            // `url("…")` is a function whose argument is a string token.
            return function;
        }
        self.position = after_whitespace;
        self.consume_url(start)
    }

    /// The body of an unquoted `url(`, after its leading whitespace.
    fn consume_url(&mut self, start: usize) -> Token {
        let value_start = self.position;
        loop {
            match self.peek(0) {
                None => {
                    self.warnings.push(("unterminated url(", start));
                    return self.url_token(TokenKind::Url, start, value_start, self.position);
                }
                Some(b')') => {
                    self.position += 1;
                    return self.url_token(TokenKind::Url, start, value_start, self.position - 1);
                }
                Some(byte) if is_css_whitespace(byte) => {
                    let value_end = self.position;
                    while self.peek(0).is_some_and(is_css_whitespace) {
                        self.position += 1;
                    }
                    match self.peek(0) {
                        Some(b')') => {
                            self.position += 1;
                            return self.url_token(TokenKind::Url, start, value_start, value_end);
                        }
                        None => {
                            self.warnings.push(("unterminated url(", start));
                            return self.url_token(TokenKind::Url, start, value_start, value_end);
                        }
                        Some(_) => return self.consume_bad_url(start),
                    }
                }
                Some(b'"' | b'\'' | b'(') => return self.consume_bad_url(start),
                Some(byte) if is_non_printable(byte) => return self.consume_bad_url(start),
                Some(b'\\') if self.is_valid_escape(0) => self.consume_escape(),
                Some(b'\\') => return self.consume_bad_url(start),
                Some(_) => self.position += 1,
            }
        }
    }

    /// Skips the rest of an invalid `url(…)` (browsers ignore it) up to its `)`.
    fn consume_bad_url(&mut self, start: usize) -> Token {
        loop {
            match self.peek(0) {
                None => break,
                Some(b')') => {
                    self.position += 1;
                    break;
                }
                Some(b'\\') if self.is_valid_escape(0) => self.consume_escape(),
                Some(_) => self.position += 1,
            }
        }
        self.warnings.push(("invalid url( is ignored", start));
        self.url_token(TokenKind::BadUrl, start, start, start)
    }

    fn url_token(
        &self,
        kind: TokenKind,
        start: usize,
        value_start: usize,
        value_end: usize,
    ) -> Token {
        Token {
            kind,
            start,
            end: self.position,
            value: (value_start, value_end),
        }
    }
}

fn utf8_length(lead: u8) -> usize {
    match lead {
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF7 => 4,
        _ => 1,
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(haystack, needle)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Escapes {
    /// Idents and unquoted URLs.
    Name,
    /// Strings, where a backslash before a newline continues the line.
    String,
}

/// The value of a token's text with CSS escapes decoded. Borrows when there is nothing to
/// decode; invalid UTF-8 becomes U+FFFD.
fn decode(raw: &[u8], escapes: Escapes) -> Cow<'_, str> {
    if !raw.contains(&b'\\') {
        return String::from_utf8_lossy(raw);
    }
    let mut out: Vec<u8> = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] != b'\\' {
            out.push(raw[i]);
            i += 1;
            continue;
        }
        i += 1;
        let hex_digits = raw[i..]
            .iter()
            .take(6)
            .take_while(|b| b.is_ascii_hexdigit())
            .count();
        if hex_digits > 0 {
            let code = std::str::from_utf8(&raw[i..i + hex_digits])
                .ok()
                .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                .filter(|&code| code != 0)
                .and_then(char::from_u32)
                .unwrap_or(char::REPLACEMENT_CHARACTER);
            let mut buffer = [0; 4];
            out.extend_from_slice(code.encode_utf8(&mut buffer).as_bytes());
            i += hex_digits;
            if raw[i..].starts_with(b"\r\n") {
                i += 2;
            } else if raw.get(i).copied().is_some_and(is_css_whitespace) {
                i += 1;
            }
        } else if let Some(&byte) = raw.get(i) {
            if escapes == Escapes::String && is_newline(byte) {
                i += if raw[i..].starts_with(b"\r\n") { 2 } else { 1 };
            } else {
                let length = utf8_length(byte).min(raw.len() - i);
                out.extend_from_slice(&raw[i..i + length]);
                i += length;
            }
        } else if escapes == Escapes::Name {
            out.extend_from_slice(char::REPLACEMENT_CHARACTER.to_string().as_bytes());
        }
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

// ---------------------------------------------------------------------------------------------
// Parser: tracks only blocks, statements and functions.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BlockKind {
    Root,
    /// The block of the `@font-face` rule at this index of `facts.font_faces`.
    FontFace(usize),
    /// A style rule's block: index into the parser's `style_rules`.
    Style(usize),
    /// Any other `{}` block: `@media`, `@supports`, `@layer`, keyframes…
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Statement {
    /// Between statements: after `{`, `;` or `}`.
    Start,
    /// An at-rule's prelude, up to its `;` or `{`.
    AtRule {
        name: String,
        start: usize,
        /// For `@import`: whether its URL has been seen.
        import_done: bool,
    },
    /// An ident at the start of a statement: a property name if a `:` follows, else a selector.
    Name(String),
    /// A declaration's value, up to its `;` or `}`. `invalid` once a bad string or bad `url(`
    /// appeared in it: browsers drop such a declaration, so its URLs load nothing.
    Declaration {
        property: String,
        value_start: usize,
        invalid: bool,
    },
    /// A selector (or junk) up to its `{` or `;`.
    Prelude,
}

#[derive(Debug)]
struct Level {
    kind: BlockKind,
    statement: Statement,
    /// Where the current statement began (its first token).
    statement_start: usize,
}

impl Level {
    fn new(kind: BlockKind) -> Self {
        Level {
            kind,
            statement: Statement::Start,
            statement_start: 0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FunctionKind {
    /// `url("…")` and CSS Values 4 `src("…")`: their string argument is a URL.
    Url,
    /// `image-set()` / `-webkit-image-set()`: a bare string argument is a URL.
    ImageSet,
    /// In an `@font-face` `src`: `format()`, `tech()`, `local()`.
    Format,
    Tech,
    Local,
    /// Any other function, or a bare `(`.
    Other,
}

#[derive(Debug)]
enum Nest {
    /// A `{}` block in which statements are read.
    Block(Level),
    /// A function or a bare `(`, up to its `)`; `start` is where it begins.
    Parenthesis { kind: FunctionKind, start: usize },
    /// `[`, up to its `]`.
    Bracket,
    /// A `{}` inside a value or inside parentheses (custom properties may hold them): its
    /// tokens belong to the enclosing value.
    ValueBlock,
}

/// What the current `@font-face` declaration has gathered so far.
#[derive(Debug, Default)]
struct FontDeclaration {
    sources: Vec<FontSource>,
    family_parts: Vec<String>,
}

struct Parser<'a, 'i> {
    text: &'a [u8],
    index: &'i LineIndex<'a>,
    base: Location,
    facts: CssFacts,
    /// Innermost last; the bottom is always the top-level block.
    stack: Vec<Nest>,
    /// A top-level rule other than `@charset`, `@import` and `@layer …;` has been seen: from now
    /// on browsers ignore `@import`.
    rules_seen: bool,
    font_declaration: FontDeclaration,
    /// Every style rule seen (sizing or not), and the declarations at the top level (a bare
    /// declaration list); only those that size something end up in the facts.
    style_rules: Vec<SizingRule>,
    top_level_declarations: SizingRule,
}

impl Parser<'_, '_> {
    fn location(&self, offset: usize) -> Location {
        self.index.location(offset).embedded_in(self.base)
    }

    fn warn(&mut self, message: &str, offset: usize) {
        let location = self.location(offset);
        self.facts.warnings.push(CssWarning {
            message: message.to_owned(),
            location,
        });
    }

    fn decode(&self, range: (usize, usize), escapes: Escapes) -> String {
        decode(&self.text[range.0..range.1], escapes).into_owned()
    }

    /// Position in `stack` of the innermost `{}` block whose statements are being read.
    fn level_position(&self) -> usize {
        self.stack
            .iter()
            .rposition(|nest| matches!(nest, Nest::Block(_)))
            .unwrap_or(0)
    }

    fn level(&self) -> &Level {
        match &self.stack[self.level_position()] {
            Nest::Block(level) => level,
            _ => unreachable!("the bottom of the stack is the top-level block"),
        }
    }

    fn level_mut(&mut self) -> &mut Level {
        let position = self.level_position();
        match &mut self.stack[position] {
            Nest::Block(level) => level,
            _ => unreachable!("the bottom of the stack is the top-level block"),
        }
    }

    /// The function the current token sits directly in.
    fn function(&self) -> Option<(FunctionKind, usize)> {
        match self.stack.last() {
            Some(Nest::Parenthesis { kind, start }) => Some((*kind, *start)),
            _ => None,
        }
    }

    /// The declaration being read, if it is `property` inside an `@font-face`.
    fn in_font_face_declaration(&self, property: &str) -> bool {
        let level = self.level();
        matches!(level.kind, BlockKind::FontFace(_))
            && matches!(&level.statement, Statement::Declaration { property: p, .. } if p == property)
    }

    fn token(&mut self, token: &Token) {
        if matches!(self.stack.last(), Some(Nest::Block(_))) {
            self.statement_token(token);
        } else {
            self.nested_token(token);
        }
    }

    /// A token directly inside a `{}` block or at the top level: statements start and end here.
    fn statement_token(&mut self, token: &Token) {
        use TokenKind as T;
        match token.kind {
            T::Whitespace | T::Comment | T::HtmlComment => {}
            T::Semicolon => self.end_statement(token.start),
            T::CloseBrace => {
                if self.stack.len() > 1 {
                    self.end_statement(token.start);
                    self.stack.pop();
                    self.level_mut().statement = Statement::Start;
                }
            }
            T::OpenBrace => self.open_block(token.start),
            T::AtKeyword if self.level().statement == Statement::Start => {
                let name = self.decode(token.value, Escapes::Name).to_ascii_lowercase();
                self.level_mut().statement_start = token.start;
                self.level_mut().statement = Statement::AtRule {
                    name,
                    start: token.start,
                    import_done: false,
                };
            }
            T::Ident if self.level().statement == Statement::Start => {
                let name = self.decode(token.value, Escapes::Name);
                self.level_mut().statement_start = token.start;
                self.level_mut().statement = Statement::Name(name);
            }
            T::Colon if matches!(self.level().statement, Statement::Name(_)) => {
                let Statement::Name(name) =
                    std::mem::replace(&mut self.level_mut().statement, Statement::Start)
                else {
                    unreachable!("checked by the match guard")
                };
                let property = if name.starts_with("--") {
                    name
                } else {
                    name.to_ascii_lowercase()
                };
                self.font_declaration = FontDeclaration::default();
                self.level_mut().statement = Statement::Declaration {
                    property,
                    value_start: token.end,
                    invalid: false,
                };
            }
            _ => {
                if self.level().statement == Statement::Start {
                    self.level_mut().statement_start = token.start;
                }
                if matches!(
                    self.level().statement,
                    Statement::Start | Statement::Name(_)
                ) {
                    self.level_mut().statement = Statement::Prelude;
                }
                self.value_token(token);
            }
        }
    }

    /// A token inside parentheses, brackets or a value block. A stray closing token of another
    /// kind is an ordinary token here, as in the standard's "consume a simple block".
    fn nested_token(&mut self, token: &Token) {
        use TokenKind as T;
        match (token.kind, self.stack.last()) {
            (T::CloseParen, Some(Nest::Parenthesis { .. }))
            | (T::CloseBracket, Some(Nest::Bracket))
            | (T::CloseBrace, Some(Nest::ValueBlock)) => {
                self.stack.pop();
            }
            (T::OpenBrace, _) => self.stack.push(Nest::ValueBlock),
            _ => self.value_token(token),
        }
    }

    /// A `{` (at `brace`) that ends the current statement's prelude.
    fn open_block(&mut self, brace: usize) {
        let at_top_level = self.stack.len() == 1;
        let kind = match &self.level().statement {
            Statement::Declaration { property, .. } if property.starts_with("--") => {
                self.stack.push(Nest::ValueBlock);
                return;
            }
            Statement::AtRule { name, start, .. } if name == "font-face" => {
                let location = self.location(*start);
                self.facts.font_faces.push(FontFace {
                    location,
                    ..FontFace::default()
                });
                BlockKind::FontFace(self.facts.font_faces.len() - 1)
            }
            // A selector: what reads as a declaration (`a:hover`) or a name is one too when a
            // block follows.
            Statement::Prelude | Statement::Name(_) | Statement::Declaration { .. } => {
                let start = self.level().statement_start.min(brace);
                let location = self.location(start);
                self.style_rules.push(SizingRule {
                    selectors: normalize_value(&self.text[start..brace]),
                    location,
                    ..SizingRule::default()
                });
                BlockKind::Style(self.style_rules.len() - 1)
            }
            _ => BlockKind::Other,
        };
        if at_top_level {
            self.rules_seen = true;
        }
        self.level_mut().statement = Statement::Start;
        self.stack.push(Nest::Block(Level::new(kind)));
    }

    /// A `;`, `}` or the end of the text ends the current statement at `end`.
    fn end_statement(&mut self, end: usize) {
        let at_top_level = self.stack.len() == 1;
        let level_kind = self.level().kind;
        match std::mem::replace(&mut self.level_mut().statement, Statement::Start) {
            Statement::AtRule { name, .. } => {
                if at_top_level && !matches!(name.as_str(), "charset" | "import" | "layer") {
                    self.rules_seen = true;
                }
            }
            Statement::Declaration {
                property,
                value_start,
                invalid,
            } => {
                if let (BlockKind::FontFace(face), false) = (level_kind, invalid) {
                    self.end_font_descriptor(face, &property, (value_start, end));
                }
                if !invalid {
                    self.end_declaration(level_kind, &property, (value_start, end));
                }
            }
            Statement::Start | Statement::Name(_) | Statement::Prelude => {}
        }
    }

    /// Notes a finished `width`, `height` or `aspect-ratio` declaration of a style rule (or of
    /// a bare declaration list) that sets a definite value.
    fn end_declaration(&mut self, level: BlockKind, property: &str, value: (usize, usize)) {
        if !matches!(property, "width" | "height" | "aspect-ratio") {
            return;
        }
        let value = normalize_value(&self.text[value.0..value.1]).to_ascii_lowercase();
        let value = value.trim_end_matches("!important").trim();
        if matches!(
            value,
            "" | "auto" | "inherit" | "initial" | "unset" | "revert" | "revert-layer"
        ) {
            return;
        }
        let rule = match level {
            BlockKind::Style(index) => &mut self.style_rules[index],
            BlockKind::Root => &mut self.top_level_declarations,
            _ => return,
        };
        match property {
            "width" => rule.width = true,
            "height" => rule.height = true,
            _ => rule.aspect_ratio = true,
        }
    }

    /// Stores a finished `@font-face` descriptor. Only the last `src` (or other descriptor)
    /// counts, as in the cascade.
    fn end_font_descriptor(&mut self, face: usize, property: &str, value: (usize, usize)) {
        let declaration = std::mem::take(&mut self.font_declaration);
        let text = self.text;
        let font_face = &mut self.facts.font_faces[face];
        let field = match property {
            "src" => {
                font_face.sources = declaration.sources;
                return;
            }
            "font-family" => {
                if !declaration.family_parts.is_empty() {
                    font_face.family = Some(declaration.family_parts.join(" "));
                }
                return;
            }
            "font-display" => &mut font_face.font_display,
            "font-weight" => &mut font_face.font_weight,
            "font-style" => &mut font_face.font_style,
            "unicode-range" => &mut font_face.unicode_range,
            _ => return,
        };
        *field = Some(normalize_value(&text[value.0..value.1])).filter(|value| !value.is_empty());
    }

    /// A token of a prelude or a value, at any parenthesis depth: where URLs are found.
    fn value_token(&mut self, token: &Token) {
        use TokenKind as T;
        let function = self.function();
        match token.kind {
            T::Url => {
                let url = self.decode(token.value, Escapes::Name);
                self.found_url(url, token.start);
            }
            T::String => {
                let value = self.decode(token.value, Escapes::String);
                match function {
                    // Located at the `url(` that holds the string.
                    Some((FunctionKind::Url, start)) => self.found_url(value, start),
                    Some((FunctionKind::ImageSet, _)) => self.found_url(value, token.start),
                    Some((
                        kind @ (FunctionKind::Format | FunctionKind::Tech | FunctionKind::Local),
                        _,
                    )) => {
                        self.font_function_argument(kind, value);
                    }
                    Some(_) => {}
                    None => {
                        if matches!(&self.level().statement, Statement::AtRule { name, .. } if name == "import")
                        {
                            self.found_url(value, token.start);
                        } else if self.in_font_face_declaration("font-family") {
                            self.font_declaration.family_parts.push(value);
                        }
                    }
                }
            }
            T::Ident => match function {
                Some((
                    kind @ (FunctionKind::Format | FunctionKind::Tech | FunctionKind::Local),
                    _,
                )) => {
                    let value = self.decode(token.value, Escapes::Name);
                    self.font_function_argument(kind, value);
                }
                None if self.in_font_face_declaration("font-family") => {
                    let value = self.decode(token.value, Escapes::Name);
                    self.font_declaration.family_parts.push(value);
                }
                _ => {}
            },
            T::Function => {
                let name = self.decode(token.value, Escapes::Name).to_ascii_lowercase();
                let in_src_list = function.is_none() && self.in_font_face_declaration("src");
                let kind = match name.as_str() {
                    "url" | "src" => FunctionKind::Url,
                    "image-set" | "-webkit-image-set" => FunctionKind::ImageSet,
                    "format" if in_src_list => FunctionKind::Format,
                    "tech" if in_src_list => FunctionKind::Tech,
                    "local" if in_src_list => FunctionKind::Local,
                    _ => FunctionKind::Other,
                };
                if kind == FunctionKind::Local {
                    let location = self.location(token.start);
                    self.font_declaration.sources.push(FontSource {
                        local: Some(String::new()),
                        location,
                        ..FontSource::default()
                    });
                }
                self.stack.push(Nest::Parenthesis {
                    kind,
                    start: token.start,
                });
            }
            T::OpenParen => self.stack.push(Nest::Parenthesis {
                kind: FunctionKind::Other,
                start: token.start,
            }),
            T::OpenBracket => self.stack.push(Nest::Bracket),
            T::BadString | T::BadUrl => {
                if let Statement::Declaration { invalid, .. } = &mut self.level_mut().statement {
                    *invalid = true;
                }
            }
            _ => {}
        }
    }

    /// An argument of `format()`, `tech()` or `local()` in an `@font-face` `src`.
    fn font_function_argument(&mut self, kind: FunctionKind, value: String) {
        let Some(source) = self.font_declaration.sources.last_mut() else {
            return;
        };
        match kind {
            FunctionKind::Format => source.format = Some(value),
            FunctionKind::Tech => source.tech = Some(value),
            // Words after a `url()` written inside an unclosed `local(` belong to no name: the
            // last source is then that URL's (found by fuzzing: a source with both set).
            FunctionKind::Local if source.url.is_some() => {}
            FunctionKind::Local => {
                // `local(Open Sans)`: the idents make up one name.
                let name = source.local.get_or_insert_with(String::new);
                if !name.is_empty() {
                    name.push(' ');
                }
                name.push_str(&value);
            }
            _ => {}
        }
    }

    fn found_url(&mut self, url: String, offset: usize) {
        let at_top_level = self.level_position() == 0;
        let in_font_face = matches!(self.level().kind, BlockKind::FontFace(_));
        match &self.level().statement {
            Statement::AtRule {
                name,
                start,
                import_done,
            } => {
                // Other at-rules name URLs that are not requests (`@namespace url(…)`).
                if name != "import" || *import_done {
                    return;
                }
                let start = *start;
                if let Statement::AtRule { import_done, .. } = &mut self.level_mut().statement {
                    *import_done = true;
                }
                if !at_top_level {
                    self.warn("@import inside a block is ignored by browsers", start);
                } else if self.rules_seen {
                    self.warn("@import after other rules is ignored by browsers", start);
                } else {
                    let location = self.location(start);
                    self.facts.imports.push(CssRef {
                        url,
                        location,
                        property: None,
                        in_font_face: false,
                    });
                }
            }
            Statement::Declaration { invalid: true, .. } => {}
            Statement::Declaration { property, .. } => {
                let property = property.clone();
                let location = self.location(offset);
                if in_font_face && property == "src" {
                    self.font_declaration.sources.push(FontSource {
                        url: Some(url.clone()),
                        location,
                        ..FontSource::default()
                    });
                }
                self.facts.urls.push(CssRef {
                    url,
                    location,
                    property: Some(property),
                    in_font_face,
                });
            }
            Statement::Start | Statement::Name(_) | Statement::Prelude => {
                let location = self.location(offset);
                self.facts.urls.push(CssRef {
                    url,
                    location,
                    property: None,
                    in_font_face,
                });
            }
        }
    }

    /// The end of the text closes every open statement and block, as browsers do.
    fn finish(&mut self) {
        let end = self.text.len();
        while let Some(nest) = self.stack.last() {
            if matches!(nest, Nest::Block(_)) {
                self.end_statement(end);
                if self.stack.len() == 1 {
                    break;
                }
            }
            self.stack.pop();
        }
        let top_level = std::mem::take(&mut self.top_level_declarations);
        let sizing = |rule: &SizingRule| rule.width || rule.height || rule.aspect_ratio;
        self.facts.sizing = std::iter::once(top_level)
            .chain(std::mem::take(&mut self.style_rules))
            .filter(sizing)
            .collect();
    }
}

/// A declaration value as written, with comments removed and whitespace collapsed to single
/// spaces, trimmed.
fn normalize_value(raw: &[u8]) -> String {
    let mut tokenizer = Tokenizer::new(raw);
    let mut out = String::new();
    let mut space_pending = false;
    while let Some(token) = tokenizer.next_token() {
        match token.kind {
            TokenKind::Whitespace | TokenKind::Comment => space_pending = true,
            _ => {
                if space_pending && !out.is_empty() {
                    out.push(' ');
                }
                space_pending = false;
                out.push_str(&String::from_utf8_lossy(&raw[token.start..token.end]));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minified_size_keeps_what_css_needs() {
        let cases = [
            // A space before `:` stays: in a selector it is a descendant combinator (`a :hover`).
            (
                "a  .b  >  c {\n  color : red ;\n  margin: 0 auto;\n}\n",
                "a .b>c{color :red;margin:0 auto}",
            ),
            (
                "/* x */ @media screen and (max-width: 10px) { a { b: c } }",
                "@media screen and (max-width:10px){a{b:c}}",
            ),
            (
                "a { width: calc(1px + 2px); content: \"  ;  \" }",
                "a{width:calc(1px + 2px);content:\"  ;  \"}",
            ),
            (
                "a { background: url( x  y.png ) }",
                "a{background:url( x  y.png )}",
            ),
            (
                "/*! licence */\na:hover , b :focus { color: red !important; }",
                "/*! licence */a:hover,b :focus{color:red!important}",
            ),
        ];
        for (source, minified) in cases {
            assert_eq!(
                minified_size(source.as_bytes()),
                minified.len() as u64,
                "{source:?}"
            );
        }
    }

    fn urls(css: &str) -> Vec<String> {
        parse(css.as_bytes())
            .urls
            .into_iter()
            .map(|r| r.url)
            .collect()
    }

    fn at(line: u32, column: u32) -> (u32, u32) {
        (line, column)
    }

    fn line_column(location: Location) -> (u32, u32) {
        (location.line, location.column)
    }

    #[test]
    fn urls_in_comments_are_not_references() {
        let css =
            "/* background: url(fake.png) */ a { /* url(fake2.png) */ background: url(real.png) }";
        assert_eq!(urls(css), ["real.png"]);
    }

    #[test]
    fn quoted_unquoted_and_escaped_urls() {
        let css = r#"a { background: url( "a b.png" ) } b { background: url(  c.png  ) }
            c { background: url('d\'e.png') } d { background: url(f\)g.png) }
            e { background: URL(h.png) } f { background: url(\69 .png) }"#;
        assert_eq!(
            urls(css),
            ["a b.png", "c.png", "d'e.png", "f)g.png", "h.png", "i.png"]
        );
    }

    #[test]
    fn strings_containing_braces_and_semicolons_do_not_end_blocks() {
        let css = r#"a::after { content: "}; url(no.png) {"; background: url(yes.png) }
            b { content: '\'}'; mask: url(also.png) }"#;
        let facts = parse(css.as_bytes());
        let found: Vec<_> = facts
            .urls
            .iter()
            .map(|r| (r.url.as_str(), r.property.as_deref()))
            .collect();
        assert_eq!(
            found,
            [("yes.png", Some("background")), ("also.png", Some("mask"))]
        );
    }

    #[test]
    fn property_context_follows_nested_blocks() {
        let css = "@media (min-width: 1px) { .a { BACKGROUND-IMAGE: url(a.png) } }
            .b { --Hero: url(b.png); &:hover { cursor: url(c.cur), auto } }
            .c { background: image-set(\"d.avif\" type(\"image/avif\") 1x, url(e.jpg) 2x) }";
        let facts = parse(css.as_bytes());
        let found: Vec<_> = facts
            .urls
            .iter()
            .map(|r| (r.url.as_str(), r.property.as_deref().unwrap_or("-")))
            .collect();
        assert_eq!(
            found,
            [
                ("a.png", "background-image"),
                ("b.png", "--Hero"),
                ("c.cur", "cursor"),
                ("d.avif", "background"),
                ("e.jpg", "background"),
            ]
        );
    }

    #[test]
    fn imports_in_both_forms() {
        let css = "@charset \"utf-8\";\n@import url(\"a.css\") screen;\n@IMPORT 'b.css';\n@import url(c.css) layer(x);\n@layer base;\n@import \"d.css\";";
        let facts = parse(css.as_bytes());
        let imports: Vec<_> = facts
            .imports
            .iter()
            .map(|r| (r.url.as_str(), line_column(r.location)))
            .collect();
        assert_eq!(
            imports,
            [
                ("a.css", at(2, 1)),
                ("b.css", at(3, 1)),
                ("c.css", at(4, 1)),
                ("d.css", at(6, 1))
            ]
        );
        assert!(facts.urls.is_empty(), "{:?}", facts.urls);
        assert!(facts.warnings.is_empty(), "{:?}", facts.warnings);
    }

    #[test]
    fn imports_browsers_ignore_are_warnings() {
        let css = "a { color: red }\n@import 'late.css';\n@media print { @import 'nested.css'; }";
        let facts = parse(css.as_bytes());
        assert!(facts.imports.is_empty());
        assert!(facts.urls.is_empty());
        let warnings: Vec<_> = facts
            .warnings
            .iter()
            .map(|w| (w.message.as_str(), line_column(w.location)))
            .collect();
        assert_eq!(
            warnings,
            [
                ("@import after other rules is ignored by browsers", at(2, 1)),
                ("@import inside a block is ignored by browsers", at(3, 16)),
            ]
        );
    }

    #[test]
    fn font_face_with_several_sources() {
        let css = r#"@font-face {
  font-family: "Inter Var";
  src: local("Inter"), local(Inter Regular),
       url(/fonts/inter.woff2) format("woff2") tech(variations),
       url('/fonts/inter.woff') format(woff),
       url(/fonts/inter.ttf) format("truetype");
  font-display: swap;
  font-weight: 100 /* thin */   900;
  unicode-range: U+0000-00FF;
}
body { font-family: "Inter Var", sans-serif; background: url(bg.png) }"#;
        let facts = parse(css.as_bytes());
        assert_eq!(facts.font_faces.len(), 1);
        let face = &facts.font_faces[0];
        assert_eq!(face.family.as_deref(), Some("Inter Var"));
        assert_eq!(face.font_display.as_deref(), Some("swap"));
        assert_eq!(face.font_weight.as_deref(), Some("100 900"));
        assert_eq!(face.unicode_range.as_deref(), Some("U+0000-00FF"));
        assert_eq!(
            face.location,
            Location {
                line: 1,
                column: 1,
                offset: 0
            }
        );
        let sources: Vec<_> = face
            .sources
            .iter()
            .map(|s| {
                (
                    s.local.as_deref().or(s.url.as_deref()).unwrap(),
                    s.format.as_deref(),
                    s.tech.as_deref(),
                    line_column(s.location),
                )
            })
            .collect();
        assert_eq!(
            sources,
            [
                ("Inter", None, None, at(3, 8)),
                ("Inter Regular", None, None, at(3, 24)),
                (
                    "/fonts/inter.woff2",
                    Some("woff2"),
                    Some("variations"),
                    at(4, 8)
                ),
                ("/fonts/inter.woff", Some("woff"), None, at(5, 8)),
                ("/fonts/inter.ttf", Some("truetype"), None, at(6, 8)),
            ]
        );
        assert!(face.sources[0].url.is_none() && face.sources[2].local.is_none());
        let in_font_face: Vec<_> = facts
            .urls
            .iter()
            .map(|r| (r.url.as_str(), r.in_font_face))
            .collect();
        assert_eq!(
            in_font_face,
            [
                ("/fonts/inter.woff2", true),
                ("/fonts/inter.woff", true),
                ("/fonts/inter.ttf", true),
                ("bg.png", false),
            ]
        );
        assert!(
            facts.urls[..3]
                .iter()
                .all(|r| r.property.as_deref() == Some("src"))
        );
    }

    #[test]
    fn minified_font_face_with_unquoted_family() {
        let css = b"@font-face{font-family:Open Sans;src:url(fonts/a.woff2) format(\"woff2\");font-display:swap}";
        let face = &parse(css).font_faces[0];
        assert_eq!(face.family.as_deref(), Some("Open Sans"));
        assert_eq!(face.font_display.as_deref(), Some("swap"));
        assert_eq!(face.sources[0].url.as_deref(), Some("fonts/a.woff2"));
        assert_eq!(face.sources[0].format.as_deref(), Some("woff2"));
    }

    #[test]
    fn a_later_src_replaces_an_earlier_one() {
        let css = b"@font-face { src: url(a.ttf); src: url(b.woff2) format('woff2') }";
        let facts = parse(css);
        let sources: Vec<_> = facts.font_faces[0]
            .sources
            .iter()
            .map(|s| s.url.clone().unwrap())
            .collect();
        assert_eq!(sources, ["b.woff2"]);
        assert_eq!(facts.urls.len(), 2, "both are still references");
    }

    #[test]
    fn namespace_and_fragment_urls() {
        let css = "@namespace svg url(http://www.w3.org/2000/svg);\n.a { filter: url(#blur) }";
        assert_eq!(urls(css), ["#blur"]);
    }

    #[test]
    fn a_url_inside_an_unclosed_local_is_a_url_source_only() {
        let facts = parse(b"@font-face{font-family:X;src:local(url(/a.woff2)format(\"woff2\"),url(/b.woff) y z;unicode-range:U+0}");
        let sources = &facts.font_faces[0].sources;
        assert!(sources.len() >= 2, "{sources:?}");
        for source in sources {
            assert!(source.url.is_some() != source.local.is_some(), "{source:?}");
        }
    }

    #[test]
    fn unterminated_comment_string_and_url_do_not_panic() {
        for css in [
            "a { background: url(a.png) } /* never closed url(b.png)",
            "a { content: \"never closed; background: url(b.png) }",
            "a { background: url(never-closed.png",
            "a { background: url(  ",
            "@import",
            "@import url(",
            "@font-face { src: url(a.woff2) format(",
            "@font-face { src: local(",
            "a { b: c(; } d { background: url(x.png) }",
            "\\",
            "a\\",
            "url(\\",
            "'\\",
            "}}}{{{ ))) ((( ]]] [[[",
            "@",
            "#",
            "-",
            "--",
            "<!--",
            "u\\72l(",
            "a { background: url(a\\",
        ] {
            let _ = parse(css.as_bytes());
        }
        let facts = parse(b"a { background: url(a.png) } /* never closed url(b.png)");
        assert_eq!(facts.urls.len(), 1);
        assert_eq!(facts.warnings[0].message, "unterminated comment");
        assert_eq!(line_column(facts.warnings[0].location), at(1, 30));
        let facts = parse(b"a { background: url(never-closed.png");
        assert_eq!(facts.urls[0].url, "never-closed.png");
        let facts = parse(b"@font-face { font-family: X; src: url(a.woff2");
        assert_eq!(
            facts.font_faces[0].sources[0].url.as_deref(),
            Some("a.woff2")
        );
        assert_eq!(facts.font_faces[0].family.as_deref(), Some("X"));
    }

    #[test]
    fn bad_urls_and_bad_strings_are_ignored() {
        let facts = parse(b"a { background: url(a b.png) } b { background: url(ok.png) }");
        assert_eq!(
            facts
                .urls
                .iter()
                .map(|r| r.url.as_str())
                .collect::<Vec<_>>(),
            ["ok.png"]
        );
        assert_eq!(facts.warnings[0].message, "invalid url( is ignored");
        // The newline ends the string; the declaration it is in is dropped up to its `;`.
        let facts = parse(
            b"a { content: \"broken\n; background: url(x.png) } b { background: url(ok.png) }",
        );
        assert_eq!(
            facts
                .urls
                .iter()
                .map(|r| r.url.as_str())
                .collect::<Vec<_>>(),
            ["x.png", "ok.png"]
        );
        // Browsers drop a declaration with a bad url(; the URLs before it were already reported.
        let facts = parse(b"a { background: url(a.png), url(b c.png) }");
        assert_eq!(
            facts
                .urls
                .iter()
                .map(|r| r.url.as_str())
                .collect::<Vec<_>>(),
            ["a.png"]
        );
    }

    #[test]
    fn locations_count_characters_and_embed_in_a_base() {
        let css = "/* é */ a {\n  background: url(x.png);\n}";
        let facts = parse(css.as_bytes());
        assert_eq!(line_column(facts.urls[0].location), at(2, 15));
        let base = Location {
            line: 10,
            column: 12,
            offset: 300,
        };
        let facts = parse_at(b"a { background: url(x.png) }", base);
        let location = facts.urls[0].location;
        assert_eq!(
            location,
            Location {
                line: 10,
                column: 12 + 16,
                offset: 316
            }
        );
    }

    #[test]
    fn a_style_attribute_is_a_declaration_list() {
        let facts = parse(b"background-image: url('hero.jpg'); color: red");
        assert_eq!(facts.urls[0].url, "hero.jpg");
        assert_eq!(facts.urls[0].property.as_deref(), Some("background-image"));
    }

    #[test]
    fn invalid_utf8_is_read_lossily() {
        let facts = parse(b"a { background: url(caf\xE9.png) } /* \xFF */ b { background: url(\xF0\x9F\x98\x80.png) }");
        assert_eq!(facts.urls[0].url, "caf\u{FFFD}.png");
        assert_eq!(facts.urls[1].url, "\u{1F600}.png");
    }
}
