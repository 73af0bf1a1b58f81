//! A module lexer: finds every import, re-export, `require()` and `import()` of a JavaScript
//! file in one pass over its bytes, without building a syntax tree.
//!
//! Why not parse: swc parses minified bundles at 9–17 MB/s on one core (measured on 21 MB of
//! real bundles), and a bundle's syntax tree takes several times its size in memory; this scan
//! runs an order of magnitude faster in constant memory. It tokenises just enough of the
//! language to never mistake text for code: strings, template literals with nested `${}`,
//! comments, and regular expressions told apart from division by the previous token (as
//! es-module-lexer does). When the file does not end cleanly — an unterminated string, comment,
//! template or regex, unbalanced brackets, or markup instead of code — the scan gives up and the
//! caller parses the file with swc, which either finds the imports or locates the syntax error.
//! Its results equal swc's on every file of the benchmark corpus (see `benches/js_analysis.rs`).

use super::url::LineIndex;
use crate::model::facts::js::{CommonJsUse, Import, ImportForm};

/// Why the scan gave up: the file needs a real parser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suspicious(pub &'static str);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Last {
    /// Start of input, an operator, `(`, `[`, `{`, `}`, `,`, `;` or a keyword after which an
    /// expression starts: a `/` here begins a regular expression.
    ExpressionStart,
    /// An identifier, literal, `)` or `]`: a `/` here is division.
    Value,
    /// A `.` or `?.`: the next identifier is a property name, never a keyword.
    Dot,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Frame {
    /// `{` of a block (after `)`, `=>`, `else`, at a statement start): a `/` after its `}`
    /// begins a regular expression. `{` of an object literal: a `/` after its `}` divides.
    Brace { block: bool },
    /// `${` inside a template literal: the matching `}` resumes the template.
    Template,
}

/// Keywords after which `{` opens a block rather than an object literal.
const BLOCK_KEYWORDS: &[&[u8]] = &[b"else", b"do", b"try", b"finally"];

/// Keywords whose parenthesised condition is followed by a statement, which may start with a
/// regular expression: `if (a) /x/.test(b)`.
const CONDITION_KEYWORDS: &[&[u8]] = &[b"if", b"while", b"for", b"with"];

/// Bits of [`BYTE_CLASS`]: a byte that may start an identifier, one that may continue it.
const IDENT_START: u8 = 1;
const IDENT_PART: u8 = 2;

/// What each byte can be in an identifier, looked up instead of tested: the scan asks it of
/// every byte of every name, the most common token of a bundle.
const BYTE_CLASS: [u8; 256] = {
    let mut classes = [0u8; 256];
    let mut byte = 0;
    while byte < 256 {
        let b = byte as u8;
        if b.is_ascii_alphabetic() || b == b'_' || b == b'$' || b >= 0x80 || b == b'\\' {
            classes[byte] = IDENT_START | IDENT_PART;
        } else if b.is_ascii_digit() {
            classes[byte] = IDENT_PART;
        }
        byte += 1;
    }
    classes
};

/// A byte of an ASCII JavaScript name (`[A-Za-z0-9_$]`): enough for the searches over
/// minified output whose names are all ASCII (webpack's runtime, SvelteKit's manifest,
/// polyfilled members).
pub fn is_ascii_name_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'$'
}

#[inline(always)]
fn is_ident_start(byte: u8) -> bool {
    BYTE_CLASS[byte as usize] & IDENT_START != 0
}

#[inline(always)]
fn is_ident_part(byte: u8) -> bool {
    BYTE_CLASS[byte as usize] & IDENT_PART != 0
}

/// How many bytes `bytes` starts with that continue a name without an escape: ASCII letters,
/// digits, `_`, `$` and any byte of a multi-byte character (every [`is_ident_part`] byte but the
/// backslash). Eight bytes are classified at once in a `u64`: a minified bundle's names are
/// short, and the byte-at-a-time loop paid a branch per byte and a mispredicted one at the end
/// of each name (the scanner was 9 % of mlflow's cold audit; over mlflow's and streamlit's
/// scripts it went from 198 to 179 ms with this).
#[inline(always)]
fn plain_ident_run(bytes: &[u8]) -> usize {
    const LOW: u64 = u64::from_ne_bytes([0x7F; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    const fn splat(byte: u8) -> u64 {
        u64::from_ne_bytes([byte; 8])
    }
    // The high bit of each byte of the result is set when that byte of `x` (7-bit bytes) is at
    // least `least`: `x + 0x80 - least` stays within its byte, so no carry reaches the next.
    #[inline(always)]
    fn at_least(x: u64, least: u8) -> u64 {
        x.wrapping_add(splat(0x80 - least)) & HIGH
    }
    #[inline(always)]
    fn equal(x: u64, byte: u8) -> u64 {
        !(x ^ splat(byte)).wrapping_add(LOW) & HIGH
    }
    let mut run = 0;
    while let Some(chunk) = bytes.get(run..run + 8) {
        let word = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        let x = word & LOW;
        let folded = x | splat(0x20);
        let letter = at_least(folded, b'a') & !at_least(folded, b'z' + 1);
        let digit = at_least(x, b'0') & !at_least(x, b'9' + 1);
        let part = (word & HIGH) | letter | digit | equal(x, b'_') | equal(x, b'$');
        let stop = !part & HIGH;
        if stop != 0 {
            return run + (stop.trailing_zeros() / 8) as usize;
        }
        run += 8;
    }
    run + bytes[run..]
        .iter()
        .take_while(|&&b| b != b'\\' && is_ident_part(b))
        .count()
}

/// Whether `word` is a keyword after which an expression (and so a regular expression) may
/// start. (`of`, `yield` and `await` are left out: minifiers use them as plain names, and a
/// `/` after a name divides.) A `match` on the bytes, not a walk of a list: every name of a
/// bundle is checked.
#[inline(always)]
fn is_expression_keyword(word: &[u8]) -> bool {
    matches!(
        word,
        b"return"
            | b"typeof"
            | b"instanceof"
            | b"in"
            | b"new"
            | b"delete"
            | b"void"
            | b"throw"
            | b"case"
            | b"do"
            | b"else"
            | b"extends"
    )
}

struct Scanner<'a> {
    bytes: &'a [u8],
    position: usize,
    last: Last,
    frames: Vec<Frame>,
    /// For each open `(`: whether a condition keyword preceded it.
    parens: Vec<bool>,
    previous_ident: &'a [u8],
    /// The last punctuation byte read (0 after a word or literal): tells blocks from objects.
    last_byte: u8,
    lines: LineIndex<'a>,
    imports: Vec<Import>,
    /// Bytes of white space and comments between tokens (and of a `#!` line) skipped so far:
    /// the minified-size pre-check's bound ([`crate::analyze::minify`]).
    trivia_bytes: u64,
    /// Trivia before this offset is counted already (the scan steps back to re-read a few
    /// tokens after `import`/`export`).
    counted_until: usize,
    /// When recording: the offset of every line feed inside a literal (template text, or a
    /// string continued by a backslash), so the line after it starts inside that literal.
    literal_line_feeds: Option<Vec<usize>>,
    /// When recording: the literals that hold given offsets (see [`literals_holding`]).
    literals: Option<LiteralRecorder>,
    /// Signs of CommonJS, gathered as the names go by (see [`CommonJsSigns`]).
    commonjs: CommonJsSigns,
}

/// What the lexer notes about `require`, `module` and `exports` to tell code built for
/// CommonJS hosts ([`CommonJsUse`]). Offsets only, so the scanner stays cheap to copy for its
/// look-aheads.
#[derive(Clone, Copy, Default)]
struct CommonJsSigns {
    /// Where the first token is (after a byte order mark, white space and comments).
    code_start: usize,
    /// Where the `{` that opened the outermost open brace is.
    outer_brace: usize,
    /// `require` appears other than called or tested with `typeof` (a parameter, a variable,
    /// a property name, a function's name): it may be bound, so its calls prove nothing.
    require_bound: bool,
    /// `module` or `exports` appears other than as the object of a member access (a parameter
    /// or a variable may bind it), or is tested with `typeof` (the code checks for a CommonJS
    /// host, as a UMD wrapper does).
    module_bound_or_tested: bool,
    /// The index in `imports` of the first `X.exports = require("bare")`.
    required_external: Option<usize>,
    /// The span of the first top-level `module.exports` / `exports.name` up to its `=`.
    top_level_export: Option<(usize, usize)>,
}

/// The literals found so far that hold one of the offsets asked for.
struct LiteralRecorder {
    /// The offsets asked for, ascending.
    offsets: Vec<usize>,
    /// The pieces read so far of each template literal not yet closed, innermost last.
    open_templates: Vec<Vec<std::ops::Range<usize>>>,
    found: Vec<Literal>,
}

impl LiteralRecorder {
    fn holds_an_offset(&self, pieces: &[std::ops::Range<usize>]) -> bool {
        pieces.iter().any(|piece| {
            let first = self.offsets.partition_point(|&offset| offset < piece.start);
            self.offsets
                .get(first)
                .is_some_and(|&offset| offset < piece.end)
        })
    }
}

/// A string or template literal as its raw text pieces (the bytes between the quotes, or a
/// template's text between its backticks and `${…}` holes: one hole between consecutive
/// pieces). Escapes are not decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Literal {
    pub pieces: Vec<std::ops::Range<usize>>,
    pub template: bool,
}

/// A bare module specifier: a package name (`react`, `@scope/pkg/sub`) or a host's built-in
/// (`node:fs`), which a bundler, an import map or the host resolves; not a relative or absolute
/// path, a URL, nor a `data:`/`blob:` URL.
pub(crate) fn is_bare_specifier(specifier: &str) -> bool {
    !specifier.is_empty()
        && !specifier.starts_with(['.', '/'])
        && !specifier.contains("://")
        && !specifier.starts_with("data:")
        && !specifier.starts_with("blob:")
}

/// Whether `head` (the code before the first `{` of a file) starts a function expression that
/// the file calls at once: `(()=>`, `(function(`, `!function name(`, `;(async () =>`.
fn is_wrapper_head(head: &[u8]) -> bool {
    let text = match std::str::from_utf8(head) {
        Ok(text) => text,
        Err(_) => return false,
    };
    let text = text.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == ';');
    // What makes the function an expression, called at once: a parenthesis around it or a
    // unary operator before it. Without one, `function f(){…}` is a declaration nobody calls.
    let Some(text) = text
        .strip_prefix(['(', '!', '~', '+', '-'])
        .or_else(|| text.strip_prefix("void "))
    else {
        return false;
    };
    let text = text.trim_start();
    let text = text
        .strip_prefix("async")
        .map_or(text, |rest| rest.trim_start());
    if let Some(rest) = text.strip_prefix("function") {
        // `function name(params)`: nothing but a name, parameters and white space.
        let rest = rest.trim();
        let Some(open) = rest.find('(') else {
            return false;
        };
        let (name, params) = rest.split_at(open);
        return name.bytes().all(is_ident_part)
            && params.ends_with(')')
            && !params[1..params.len() - 1].contains(['(', ')', '{', '}', '=']);
    }
    // An arrow function: `(params) =>` or `name =>`.
    let Some(params) = text.trim_end().strip_suffix("=>") else {
        return false;
    };
    let params = params.trim();
    params.bytes().all(is_ident_part)
        || (params.starts_with('(')
            && params.ends_with(')')
            && !params[1..params.len() - 1].contains(['(', ')', '{', '}', '=']))
}

/// What one pass of the module lexer found.
pub struct Scanned {
    pub imports: Vec<Import>,
    /// Whether the code shows it was built for a CommonJS host ([`CommonJsUse`]).
    pub commonjs: Option<CommonJsUse>,
    /// Bytes of white space and comments between tokens (and a leading `#!` line), each
    /// counted once: all a minifier could remove without touching a token.
    pub trivia_bytes: u64,
}

/// Scans `bytes` for imports. `Err` means the file must be parsed instead.
pub fn scan(bytes: &[u8]) -> Result<Vec<Import>, Suspicious> {
    scan_counting_comments(bytes).map(|scanned| scanned.imports)
}

/// [`scan`], also counting the white space and comments it skips between tokens.
pub fn scan_counting_comments(bytes: &[u8]) -> Result<Scanned, Suspicious> {
    let scanner = Scanner::run_over(bytes, false)?;
    Ok(Scanned {
        commonjs: scanner.commonjs_use(),
        imports: scanner.imports,
        trivia_bytes: scanner.trivia_bytes,
    })
}

/// The offsets of the line feeds that fall inside a string or template literal: the lines after
/// them start in the middle of a literal. Source-map checks need them because some minifiers
/// count columns wrongly on such lines ([`crate::analyze::sourcemap`]). `Err` when the file
/// does not scan cleanly (then no line is known to start inside a literal).
pub fn literal_line_feeds(bytes: &[u8]) -> Result<Vec<usize>, Suspicious> {
    let scanner = Scanner::run_over(bytes, true)?;
    Ok(scanner.literal_line_feeds.unwrap_or_default())
}

/// The string and template literals of the code that hold one of `offsets` (ascending, each in
/// a literal's text), in source order of their end. `Err` when the file does not scan cleanly:
/// then no text is known to be a literal.
pub fn literals_holding(bytes: &[u8], offsets: Vec<usize>) -> Result<Vec<Literal>, Suspicious> {
    let mut scanner = Scanner::new(bytes, false)?;
    scanner.literals = Some(LiteralRecorder {
        offsets,
        open_templates: Vec::new(),
        found: Vec::new(),
    });
    scanner.finish()?;
    Ok(scanner.literals.map(|r| r.found).unwrap_or_default())
}

impl<'a> Scanner<'a> {
    /// Scans all of `bytes`, recording line feeds inside literals when asked.
    fn run_over(bytes: &'a [u8], record_literal_line_feeds: bool) -> Result<Self, Suspicious> {
        let mut scanner = Scanner::new(bytes, record_literal_line_feeds)?;
        scanner.finish()?;
        Ok(scanner)
    }

    fn new(bytes: &'a [u8], record_literal_line_feeds: bool) -> Result<Self, Suspicious> {
        let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let first = text.iter().copied().find(|b| !b.is_ascii_whitespace());
        if first == Some(b'<') {
            return Err(Suspicious("starts with markup"));
        }
        let scanner = Scanner {
            bytes,
            position: bytes.len() - text.len(),
            last: Last::ExpressionStart,
            frames: Vec::new(),
            parens: Vec::new(),
            previous_ident: b"",
            last_byte: 0,
            lines: LineIndex::new(bytes),
            imports: Vec::new(),
            trivia_bytes: 0,
            counted_until: 0,
            literal_line_feeds: record_literal_line_feeds.then(Vec::new),
            literals: None,
            commonjs: CommonJsSigns::default(),
        };
        Ok(scanner)
    }

    /// Scans to the end.
    fn finish(&mut self) -> Result<(), Suspicious> {
        self.skip_trivia()?;
        self.commonjs.code_start = self.position;
        self.run()?;
        if !self.frames.is_empty() || !self.parens.is_empty() {
            return Err(Suspicious("unbalanced brackets"));
        }
        Ok(())
    }

    /// Notes a line feed inside a literal, when recording them.
    fn literal_line_feed(&mut self, offset: usize) {
        if let Some(feeds) = &mut self.literal_line_feeds
            && self.bytes.get(offset) == Some(&b'\n')
        {
            feeds.push(offset);
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.position).copied()
    }

    fn at(&self, offset: usize) -> Option<u8> {
        self.bytes.get(self.position + offset).copied()
    }

    /// Skips white space and comments, counting the bytes not counted before.
    #[inline(always)]
    fn skip_trivia(&mut self) -> Result<(), Suspicious> {
        // Most tokens of a bundle follow another directly: one look at the next byte settles
        // it (every byte that may start trivia is below `0x21`, a `/`, or a lead byte ≥ 0xC2).
        if let Some(&next) = self.bytes.get(self.position)
            && next > b' '
            && next != b'/'
            && next < 0xC2
            && self.position != 0
        {
            return Ok(());
        }
        self.skip_trivia_counted()
    }

    fn skip_trivia_counted(&mut self) -> Result<(), Suspicious> {
        let start = self.position;
        let skipped = self.skip_trivia_uncounted();
        let from = start.max(self.counted_until);
        if self.position > from {
            self.trivia_bytes += (self.position - from) as u64;
            self.counted_until = self.position;
        }
        skipped
    }

    /// Skips white space and comments. A `#!` line at the very start is a comment too.
    fn skip_trivia_uncounted(&mut self) -> Result<(), Suspicious> {
        if self.position == 0 && self.bytes.starts_with(b"#!") {
            self.skip_line();
        }
        loop {
            match self.peek() {
                // ECMAScript's white space includes the vertical tab, which ASCII's does not.
                Some(b) if b.is_ascii_whitespace() || b == 0x0B => self.position += 1,
                // U+00A0, U+FEFF and the Unicode line/paragraph separators are white space too.
                Some(0xC2) if self.at(1) == Some(0xA0) => self.position += 2,
                Some(0xEF) if self.at(1) == Some(0xBB) && self.at(2) == Some(0xBF) => {
                    self.position += 3
                }
                Some(0xE2)
                    if self.at(1) == Some(0x80) && matches!(self.at(2), Some(0xA8 | 0xA9)) =>
                {
                    self.position += 3
                }
                Some(b'/') if self.at(1) == Some(b'/') => self.skip_line(),
                Some(b'/') if self.at(1) == Some(b'*') => {
                    let end = memchr::memmem::find(&self.bytes[self.position + 2..], b"*/")
                        .ok_or(Suspicious("unterminated comment"))?;
                    self.position += 2 + end + 2;
                }
                _ => return Ok(()),
            }
        }
    }

    fn skip_line(&mut self) {
        self.position += memchr::memchr2(b'\n', b'\r', self.rest()).unwrap_or(self.rest().len());
    }

    fn run(&mut self) -> Result<(), Suspicious> {
        loop {
            self.skip_trivia()?;
            let Some(byte) = self.peek() else {
                return Ok(());
            };
            match byte {
                b'"' | b'\'' => {
                    let start = self.position + 1;
                    self.skip_string()?;
                    self.last = Last::Value;
                    if let Some(recorder) = &mut self.literals {
                        let pieces: Vec<_> = std::iter::once(start..self.position - 1).collect();
                        if recorder.holds_an_offset(&pieces) {
                            recorder.found.push(Literal {
                                pieces,
                                template: false,
                            });
                        }
                    }
                }
                b'`' => {
                    self.position += 1;
                    if let Some(recorder) = &mut self.literals {
                        recorder.open_templates.push(Vec::new());
                    }
                    self.read_template()?;
                }
                b'{' => {
                    self.position += 1;
                    let object = self.last == Last::ExpressionStart
                        && if self.last_byte == 0 {
                            !self.previous_ident.is_empty()
                                && !BLOCK_KEYWORDS.contains(&self.previous_ident)
                        } else {
                            // After `:` it could be a property value or a labelled / `case` block;
                            // treated as a block (rare either way, as is a `/` after it).
                            b"(,=[?!&|+-*%<~^".contains(&self.last_byte)
                        };
                    if self.frames.is_empty() {
                        self.commonjs.outer_brace = self.position - 1;
                    }
                    self.frames.push(Frame::Brace { block: !object });
                    self.last = Last::ExpressionStart;
                    self.last_byte = b'{';
                }
                b'}' => {
                    self.position += 1;
                    match self.frames.pop() {
                        Some(Frame::Template) => self.read_template()?,
                        Some(Frame::Brace { block: true }) => {
                            self.last = Last::ExpressionStart;
                            self.last_byte = b'}';
                        }
                        Some(Frame::Brace { block: false }) => {
                            self.last = Last::Value;
                            self.last_byte = 0;
                        }
                        None => return Err(Suspicious("unbalanced brackets")),
                    }
                }
                b'(' => {
                    self.position += 1;
                    let condition = self.last == Last::Value
                        && CONDITION_KEYWORDS.contains(&self.previous_ident);
                    self.parens.push(condition);
                    self.last = Last::ExpressionStart;
                }
                b')' => {
                    self.position += 1;
                    let condition = self.parens.pop().ok_or(Suspicious("unbalanced brackets"))?;
                    self.last = if condition {
                        Last::ExpressionStart
                    } else {
                        Last::Value
                    };
                    self.previous_ident = b"";
                }
                b'[' => {
                    self.position += 1;
                    self.last = Last::ExpressionStart;
                }
                b']' => {
                    self.position += 1;
                    self.last = Last::Value;
                }
                b'/' if self.last == Last::ExpressionStart => {
                    self.read_regex()?;
                    self.last = Last::Value;
                }
                b'/' => {
                    self.position += 1;
                    self.last = Last::ExpressionStart;
                }
                b'.' if self.at(1).is_some_and(|b| b.is_ascii_digit()) => self.read_number(),
                b'.' => {
                    self.position += 1;
                    self.last = Last::Dot;
                }
                b'?' if self.at(1) == Some(b'.')
                    && !self.at(2).is_some_and(|b| b.is_ascii_digit()) =>
                {
                    self.position += 2;
                    self.last = Last::Dot;
                }
                b'+' | b'-' if self.at(1) == Some(byte) => {
                    // `a++ / b` divides; `++/x/` is not valid code.
                    self.position += 2;
                    self.last = if self.last == Last::Value {
                        Last::Value
                    } else {
                        Last::ExpressionStart
                    };
                }
                b'0'..=b'9' => self.read_number(),
                b'#' => {
                    self.position += 1;
                    self.read_ident();
                    self.last = Last::Value;
                }
                _ if is_ident_start(byte) => self.ident()?,
                _ => {
                    self.position += 1;
                    self.last = Last::ExpressionStart;
                    self.last_byte = byte;
                    continue;
                }
            }
            if !matches!(byte, b'{' | b'}') {
                // Words and literals clear it; punctuation below sets it.
                self.last_byte = match byte {
                    b'(' | b')' | b'[' | b']' | b'.' | b'?' | b'/' | b'+' | b'-' => byte,
                    _ => 0,
                };
            }
        }
    }

    #[inline(always)]
    fn read_ident(&mut self) -> &'a [u8] {
        let start = self.position;
        let mut end = start;
        loop {
            end += plain_ident_run(self.bytes.get(end..).unwrap_or(&[]));
            // \uXXXX or \u{...} escapes inside identifiers: the byte after the backslash is
            // part of the name whatever it is.
            if self.bytes.get(end) != Some(&b'\\') {
                break;
            }
            end += 2;
        }
        // A trailing backslash escape can step past the end: stay within the input.
        self.position = end.min(self.bytes.len());
        &self.bytes[start.min(self.position)..self.position]
    }

    /// The input from the current position (empty at the end).
    fn rest(&self) -> &'a [u8] {
        self.bytes.get(self.position..).unwrap_or(&[])
    }

    fn ident(&mut self) -> Result<(), Suspicious> {
        let start = self.position;
        let after_dot = self.last == Last::Dot;
        let before = self.previous_ident;
        let word = self.read_ident();
        self.previous_ident = word;
        self.last = if !after_dot && is_expression_keyword(word) {
            Last::ExpressionStart
        } else {
            Last::Value
        };
        if after_dot {
            return Ok(());
        }
        match word {
            b"import" => self.import(start),
            b"export" => self.export(start),
            // `new require("x")` constructs; it is not a module request.
            b"require" if before != b"new" => {
                let external = self.note_require(start);
                let recorded = self.imports.len();
                self.require(start)?;
                if external
                    && self.commonjs.required_external.is_none()
                    && self
                        .imports
                        .get(recorded)
                        .is_some_and(|import| is_bare_specifier(&import.specifier))
                {
                    self.commonjs.required_external = Some(recorded);
                }
                Ok(())
            }
            b"module" | b"exports" => {
                self.note_module_or_exports(start, word);
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn read_number(&mut self) {
        let start = self.position;
        while let Some(b) = self.peek() {
            let hex = matches!(self.bytes.get(start..start + 2), Some(b"0x" | b"0X"));
            let exponent_sign = (b == b'+' || b == b'-')
                && !hex
                && matches!(
                    self.bytes.get(self.position.wrapping_sub(1)),
                    Some(b'e' | b'E')
                );
            if b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || exponent_sign {
                self.position += 1;
            } else {
                break;
            }
        }
        self.last = Last::Value;
    }

    /// Reads a string literal at the current quote; returns its value when it has no escapes
    /// (specifiers never need them; an escaped specifier is decoded by the fallback parser).
    fn read_string(&mut self) -> Result<Option<String>, Suspicious> {
        let start = self.position + 1;
        let escaped = self.skip_string()?;
        if escaped {
            return Ok(None);
        }
        Ok(std::str::from_utf8(&self.bytes[start..self.position - 1])
            .ok()
            .map(str::to_string))
    }

    /// Steps over the string literal at the current quote; says whether it holds escapes.
    /// Most strings are skipped, not read: no copy is made, and the bytes between the quote,
    /// a backslash or a line feed are passed over by `memchr` rather than one at a time.
    fn skip_string(&mut self) -> Result<bool, Suspicious> {
        let quote = self.bytes[self.position];
        let mut i = self.position + 1;
        let mut escaped = false;
        loop {
            let rest = &self.bytes[i.min(self.bytes.len())..];
            let Some(found) = memchr::memchr3(quote, b'\\', b'\n', rest) else {
                return Err(Suspicious("unterminated string"));
            };
            // A carriage return ends the line as a line feed does; rare, so looked for apart.
            if memchr::memchr(b'\r', &rest[..found]).is_some() {
                return Err(Suspicious("unterminated string"));
            }
            i += found;
            match self.bytes[i] {
                b'\\' => {
                    escaped = true;
                    // A backslash before a line break continues the string on the next line.
                    i += if self.bytes.get(i + 1) == Some(&b'\r')
                        && self.bytes.get(i + 2) == Some(&b'\n')
                    {
                        self.literal_line_feed(i + 2);
                        3
                    } else {
                        self.literal_line_feed(i + 1);
                        2
                    };
                }
                b'\n' => return Err(Suspicious("unterminated string")),
                _ => break,
            }
        }
        self.position = i + 1;
        Ok(escaped)
    }

    /// Reads template text up to the closing backtick or a `${`, which opens a code frame.
    fn read_template(&mut self) -> Result<(), Suspicious> {
        let start = self.position;
        loop {
            // Template text runs to a backslash, a backtick or a `$`; its line feeds matter
            // only when they are recorded.
            let rest = self.rest();
            let Some(found) = memchr::memchr3(b'\\', b'`', b'$', rest) else {
                return Err(Suspicious("unterminated template literal"));
            };
            if let Some(feeds) = &mut self.literal_line_feeds {
                let base = self.position;
                feeds.extend(memchr::memchr_iter(b'\n', &rest[..found]).map(|at| base + at));
            }
            self.position += found;
            match self.peek() {
                None => return Err(Suspicious("unterminated template literal")),
                Some(b'\\') => {
                    self.literal_line_feed(self.position + 1);
                    self.position += 2
                }
                Some(b'`') => {
                    self.template_piece(start..self.position, true);
                    self.position += 1;
                    self.last = Last::Value;
                    return Ok(());
                }
                Some(b'$') if self.at(1) == Some(b'{') => {
                    self.template_piece(start..self.position, false);
                    self.position += 2;
                    self.frames.push(Frame::Template);
                    self.last = Last::ExpressionStart;
                    return Ok(());
                }
                Some(_) => self.position += 1,
            }
        }
    }

    /// Notes a piece of template text when recording literals; `last` when the template ends
    /// after it.
    fn template_piece(&mut self, piece: std::ops::Range<usize>, last: bool) {
        let Some(recorder) = &mut self.literals else {
            return;
        };
        let Some(pieces) = recorder.open_templates.last_mut() else {
            return;
        };
        pieces.push(piece.start.min(piece.end)..piece.end);
        if last {
            let pieces = recorder.open_templates.pop().unwrap_or_default();
            if recorder.holds_an_offset(&pieces) {
                recorder.found.push(Literal {
                    pieces,
                    template: true,
                });
            }
        }
    }

    fn read_regex(&mut self) -> Result<(), Suspicious> {
        self.position += 1;
        let mut in_class = false;
        loop {
            match self.peek() {
                None | Some(b'\n') | Some(b'\r') => {
                    return Err(Suspicious("unterminated regular expression"));
                }
                Some(b'\\') => self.position += 2,
                Some(b'[') => {
                    in_class = true;
                    self.position += 1;
                }
                Some(b']') => {
                    in_class = false;
                    self.position += 1;
                }
                Some(b'/') if !in_class => {
                    self.position += 1;
                    while self.peek().is_some_and(is_ident_part) {
                        self.position += 1;
                    }
                    return Ok(());
                }
                Some(_) => self.position += 1,
            }
        }
    }

    fn location(&self, offset: usize) -> (u32, u32) {
        let location = self.lines.location(offset);
        (location.line, location.column)
    }

    /// What the notes gathered over the whole file prove, once it is scanned.
    fn commonjs_use(&self) -> Option<CommonJsUse> {
        let signs = &self.commonjs;
        if !signs.require_bound
            && let Some(import) = signs.required_external.and_then(|i| self.imports.get(i))
        {
            return Some(CommonJsUse::RequiredExternal(import.specifier.clone()));
        }
        if !signs.module_bound_or_tested
            && let Some((start, end)) = signs.top_level_export
        {
            let text = String::from_utf8_lossy(&self.bytes[start..end]);
            return Some(CommonJsUse::TopLevelExport(
                text.split_whitespace().collect::<Vec<_>>().concat(),
            ));
        }
        None
    }

    /// The word that ends just before `offset` (white space skipped), or empty.
    fn word_before(&self, offset: usize) -> &'a [u8] {
        let start = self.word_start_before(offset);
        &self.bytes[start..self.end_before_space(offset)]
    }

    /// Where the word that ends just before `offset` (white space skipped) starts.
    fn word_start_before(&self, offset: usize) -> usize {
        let end = self.end_before_space(offset);
        end - self.bytes[..end]
            .iter()
            .rev()
            .take_while(|&&b| is_ident_part(b))
            .count()
    }

    /// `offset`, moved back over the white space before it.
    fn end_before_space(&self, offset: usize) -> usize {
        offset
            - self.bytes[..offset]
                .iter()
                .rev()
                .take_while(|b| b.is_ascii_whitespace())
                .count()
    }

    /// The first byte at or after `offset` that is not white space, and its offset.
    fn next_byte_from(&self, offset: usize) -> Option<(usize, u8)> {
        let rest = self.bytes.get(offset..)?;
        let skipped = rest.iter().take_while(|b| b.is_ascii_whitespace()).count();
        rest.get(skipped).map(|&b| (offset + skipped, b))
    }

    /// After the name `require` (not a property): notes whether it may be bound here, and says
    /// whether this call has webpack's form of a `commonjs` external (`e.exports=require(…)`).
    fn note_require(&mut self, start: usize) -> bool {
        let next = self.next_byte_from(self.position).map(|(_, b)| b);
        let called = next == Some(b'(');
        let before = self.word_before(start);
        // Tested, a property name (`{require: …}`) or a value after a condition's `?`.
        if before == b"typeof" || next == Some(b':') {
            return false;
        }
        if !called || matches!(before, b"function" | b"var" | b"let" | b"const" | b"class") {
            self.commonjs.require_bound = true;
            return false;
        }
        if self.commonjs.required_external.is_some() {
            return false;
        }
        // `IDENT.exports =` right before the call.
        let end = self.end_before_space(start);
        end >= 2
            && self.bytes[end - 1] == b'='
            && !b"=!<>+-*/%&|^?".contains(&self.bytes[end - 2])
            && self.word_before(end - 1) == b"exports"
            && {
                let exports = self.end_before_space(self.word_start_before(end - 1));
                exports >= 1 && self.bytes[exports - 1] == b'.' && {
                    let object = self.end_before_space(exports - 1);
                    object >= 1 && is_ident_part(self.bytes[object - 1])
                }
            }
    }

    /// After the name `module` or `exports` (not a property): notes whether it may be bound or
    /// is tested, and whether this is a top-level `module.exports = …` / `exports.name = …`.
    fn note_module_or_exports(&mut self, start: usize, word: &[u8]) {
        if self.commonjs.module_bound_or_tested {
            return;
        }
        if self.word_before(start) == b"typeof" {
            self.commonjs.module_bound_or_tested = true;
            return;
        }
        let dot = match self.next_byte_from(self.position) {
            Some((dot, b'.')) => dot,
            // A property name (`{exports: …}`) or a value after a condition's `?`: binds nothing.
            Some((_, b':')) => return,
            _ => {
                self.commonjs.module_bound_or_tested = true;
                return;
            }
        };
        if self.commonjs.top_level_export.is_some() {
            return;
        }
        // The member: `.exports` after `module`, any name after `exports`.
        let name_start = self
            .next_byte_from(dot + 1)
            .map_or(self.bytes.len(), |(at, _)| at);
        let name_length = self.bytes[name_start..]
            .iter()
            .take_while(|&&b| is_ident_part(b))
            .count();
        let name = &self.bytes[name_start..name_start + name_length];
        if name.is_empty() || (word == b"module" && name != b"exports") {
            return;
        }
        let assigned = self
            .next_byte_from(name_start + name_length)
            .is_some_and(|(at, b)| {
                b == b'=' && !matches!(self.bytes.get(at + 1), Some(b'=' | b'>'))
            });
        if !assigned || !self.at_statement_start_of_the_top_level(start) {
            return;
        }
        self.commonjs.top_level_export = Some((start, name_start + name_length));
    }

    /// Whether the token at `start` begins a statement (or a term of a comma-separated
    /// sequence) that runs when the file loads: at the top level, or in the body of a function
    /// expression that wraps the whole file (`(()=>{…})()`, `!function(){…}()`); never after a
    /// condition's `?`, `&&` or `||`, nor inside any other block.
    fn at_statement_start_of_the_top_level(&self, start: usize) -> bool {
        let after = if start == self.commonjs.code_start {
            true
        } else {
            matches!(self.last_byte, b';' | b',' | b'{' | b'}')
        };
        if !after || self.parens.len() > self.frames.len() {
            return false;
        }
        match self.frames.as_slice() {
            [] => true,
            [Frame::Brace { block: true }] => {
                is_wrapper_head(&self.bytes[self.commonjs.code_start..self.commonjs.outer_brace])
            }
            _ => false,
        }
    }

    fn push(&mut self, specifier: String, form: ImportForm, names: Vec<String>, offset: usize) {
        let (line, column) = self.location(offset);
        self.imports.push(Import {
            specifier,
            form,
            names,
            type_only: false,
            line,
            column,
        });
    }

    /// Looks ahead (without consuming) for a constant first argument, `("x"` or `` (`x` ``,
    /// and says whether it is the only argument (`("x")` or `("x",)`). A specifier written with
    /// escapes is left to the parser, which decodes it.
    fn constant_argument(&self) -> Result<Option<(String, bool)>, Suspicious> {
        let mut probe = Scanner {
            lines: LineIndex::new(b""),
            imports: Vec::new(),
            frames: Vec::new(),
            parens: Vec::new(),
            literal_line_feeds: None,
            literals: None,
            ..*self
        };
        probe.skip_trivia()?;
        if probe.peek() != Some(b'(') {
            return Ok(None);
        }
        probe.position += 1;
        probe.skip_trivia()?;
        let value = match probe.peek() {
            Some(b'"' | b'\'') => match probe.read_string()? {
                Some(value) => value,
                None => return Err(Suspicious("escaped module specifier")),
            },
            Some(b'`') => {
                let start = probe.position + 1;
                let Some(length) = memchr::memchr(b'`', &self.bytes[start..]) else {
                    return Err(Suspicious("unterminated template literal"));
                };
                let text = &self.bytes[start..start + length];
                if memchr::memmem::find(text, b"${").is_some() {
                    return Ok(None);
                }
                if text.contains(&b'\\') {
                    return Err(Suspicious("escaped module specifier"));
                }
                probe.position = start + length + 1;
                match String::from_utf8(text.to_vec()) {
                    Ok(value) => value,
                    Err(_) => return Ok(None),
                }
            }
            _ => return Ok(None),
        };
        probe.skip_trivia()?;
        // `import("a" + b)` is not a constant request.
        match probe.peek() {
            Some(b')') => Ok(Some((value, true))),
            Some(b',') => {
                probe.position += 1;
                probe.skip_trivia()?;
                Ok(Some((value, probe.peek() == Some(b')'))))
            }
            _ => Ok(None),
        }
    }

    fn require(&mut self, start: usize) -> Result<(), Suspicious> {
        // A module request is `require` called with exactly one constant argument.
        if let Some((specifier, true)) = self.constant_argument()? {
            self.push(specifier, ImportForm::Require, Vec::new(), start);
        }
        Ok(())
    }

    /// After the `import` keyword.
    fn import(&mut self, start: usize) -> Result<(), Suspicious> {
        let resume = self.position;
        self.skip_trivia()?;
        match self.peek() {
            Some(b'(') => {
                self.position = resume;
                if let Some((specifier, _)) = self.constant_argument()? {
                    self.push(specifier, ImportForm::Dynamic, Vec::new(), start);
                }
                Ok(())
            }
            Some(b'.') => {
                // import.meta
                self.position = resume;
                Ok(())
            }
            Some(b'"' | b'\'') => {
                let specifier = self
                    .read_string()?
                    .ok_or(Suspicious("escaped module specifier"))?;
                self.push(specifier, ImportForm::SideEffect, Vec::new(), start);
                self.last = Last::Value;
                Ok(())
            }
            Some(b) if is_ident_start(b) || b == b'{' || b == b'*' => {
                if !self.import_clause(start)? {
                    self.position = resume;
                    self.last = Last::Value;
                }
                Ok(())
            }
            _ => {
                self.position = resume;
                Ok(())
            }
        }
    }

    /// `import a, * as b from "x"` / `import a, { b as c } from "x"`. Returns false (consuming
    /// nothing the caller keeps) when the tokens are not an import declaration.
    fn import_clause(&mut self, start: usize) -> Result<bool, Suspicious> {
        let mut default_at = None;
        let mut namespace_at = None;
        let mut names = Vec::new();
        let mut named_defaults = Vec::new();
        let mut has_named = false;
        loop {
            self.skip_trivia()?;
            match self.peek() {
                Some(b'*') => {
                    namespace_at = Some(self.position);
                    self.position += 1;
                    self.skip_trivia()?;
                    if self.read_ident() != b"as" {
                        return Ok(false);
                    }
                    self.skip_trivia()?;
                    self.read_ident();
                }
                Some(b'{') => {
                    self.position += 1;
                    has_named = true;
                    for (name, at) in self.named_list()? {
                        // `import { default as x }` is a default import in disguise.
                        if name == "default" {
                            named_defaults.push(at)
                        } else {
                            names.push(name)
                        }
                    }
                }
                Some(b) if is_ident_start(b) => {
                    let at = self.position;
                    let word = self.read_ident();
                    if word == b"from"
                        && (default_at.is_some() || namespace_at.is_some() || has_named)
                    {
                        self.skip_trivia()?;
                        if !matches!(self.peek(), Some(b'"' | b'\'')) {
                            return Ok(false);
                        }
                        let specifier = self
                            .read_string()?
                            .ok_or(Suspicious("escaped module specifier"))?;
                        self.last = Last::Value;
                        if default_at.is_none()
                            && namespace_at.is_none()
                            && names.is_empty()
                            && named_defaults.is_empty()
                        {
                            // `import {} from "x"` still loads the module.
                            self.push(specifier, ImportForm::SideEffect, Vec::new(), start);
                            return Ok(true);
                        }
                        if let Some(at) = default_at {
                            self.push(specifier.clone(), ImportForm::Default, Vec::new(), at);
                        }
                        if let Some(at) = namespace_at {
                            self.push(specifier.clone(), ImportForm::Namespace, Vec::new(), at);
                        }
                        for at in named_defaults {
                            self.push(specifier.clone(), ImportForm::Default, Vec::new(), at);
                        }
                        if !names.is_empty() {
                            self.push(specifier, ImportForm::Named, names, start);
                        }
                        return Ok(true);
                    }
                    if default_at.is_some() {
                        return Ok(false);
                    }
                    default_at = Some(at);
                }
                _ => return Ok(false),
            }
            self.skip_trivia()?;
            if self.peek() == Some(b',') {
                self.position += 1;
            }
        }
    }

    /// Reads `a, b as c, "d-e" as f, default as g }`: the original names in order, each with
    /// where it stands.
    fn named_list(&mut self) -> Result<Vec<(String, usize)>, Suspicious> {
        let mut names = Vec::new();
        loop {
            self.skip_trivia()?;
            let at = self.position;
            let name = match self.peek() {
                Some(b'}') => {
                    self.position += 1;
                    return Ok(names);
                }
                Some(b',') => {
                    self.position += 1;
                    continue;
                }
                Some(b'"' | b'\'') => self.read_string()?.unwrap_or_default(),
                Some(b) if is_ident_start(b) => {
                    String::from_utf8_lossy(self.read_ident()).into_owned()
                }
                _ => return Err(Suspicious("unexpected token in an import or export list")),
            };
            self.skip_trivia()?;
            if self.rest().starts_with(b"as")
                && !self
                    .bytes
                    .get(self.position + 2)
                    .is_some_and(|&b| is_ident_part(b))
            {
                self.position += 2;
                self.skip_trivia()?;
                match self.peek() {
                    Some(b'"' | b'\'') => {
                        self.skip_string()?;
                    }
                    _ => {
                        self.read_ident();
                    }
                }
            }
            names.push((name, at));
        }
    }

    /// After the `export` keyword: only re-exports (`export … from`) concern imports.
    fn export(&mut self, start: usize) -> Result<(), Suspicious> {
        let resume = self.position;
        self.skip_trivia()?;
        match self.peek() {
            Some(b'*') => {
                self.position += 1;
                self.skip_trivia()?;
                if self.rest().starts_with(b"as") {
                    self.read_ident();
                    self.skip_trivia()?;
                    match self.peek() {
                        Some(b'"' | b'\'') => {
                            self.skip_string()?;
                        }
                        _ => {
                            self.read_ident();
                        }
                    }
                    self.skip_trivia()?;
                }
                if self.read_ident() == b"from" {
                    self.skip_trivia()?;
                    if matches!(self.peek(), Some(b'"' | b'\'')) {
                        let specifier = self
                            .read_string()?
                            .ok_or(Suspicious("escaped module specifier"))?;
                        self.push(specifier, ImportForm::ReExportAll, Vec::new(), start);
                    }
                }
                self.last = Last::Value;
                Ok(())
            }
            Some(b'{') => {
                self.position += 1;
                let names: Vec<String> = self
                    .named_list()?
                    .into_iter()
                    .map(|(name, _)| name)
                    .collect();
                let after_list = self.position;
                self.skip_trivia()?;
                let is_from = self.rest().starts_with(b"from")
                    && !self
                        .bytes
                        .get(self.position + 4)
                        .is_some_and(|&b| is_ident_part(b));
                if is_from {
                    self.position += 4;
                    self.skip_trivia()?;
                    if matches!(self.peek(), Some(b'"' | b'\'')) {
                        let specifier = self
                            .read_string()?
                            .ok_or(Suspicious("escaped module specifier"))?;
                        // `export {} from "x"` names nothing: swc reports no import either.
                        if !names.is_empty() {
                            self.push(specifier, ImportForm::ReExportNamed, names, start);
                        }
                    }
                    self.last = Last::Value;
                } else {
                    // A local export list: nothing imported. Resume after the list.
                    self.position = after_list;
                    self.last = Last::ExpressionStart;
                }
                Ok(())
            }
            _ => {
                self.position = resume;
                self.last = Last::ExpressionStart;
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commonjs(source: &str) -> Option<CommonJsUse> {
        scan_counting_comments(source.as_bytes()).unwrap().commonjs
    }

    #[test]
    fn webpack_externals_loaded_with_require_are_commonjs() {
        // swagger-ui-dist's swagger-ui.js: a UMD wrapper, and inside it webpack's module for a
        // `commonjs` external, which calls a `require` nothing in the file binds.
        let umd = "!function webpackUniversalModuleDefinition(e,t){\"object\"==typeof exports&&\"object\"==typeof module?module.exports=t():\"function\"==typeof define&&define.amd?define([],t):e.SwaggerUICore=t()}(this,(()=>(()=>{\"use strict\";var e={158(e){e.exports=require(\"buffer\")},71(e){e.exports=require(\"./local\")}},t={};return a.default})()));";
        assert_eq!(
            commonjs(umd),
            Some(CommonJsUse::RequiredExternal("buffer".into()))
        );
        // Webpack's development output writes the same external over several lines.
        let development = "(() => {\nvar __webpack_modules__ = ({\n/***/ \"react\":\n/***/ ((module) => {\n\n\"use strict\";\nmodule.exports = require(\"react\");\n\n/***/ })\n});\n})();";
        assert_eq!(
            commonjs(development),
            Some(CommonJsUse::RequiredExternal("react".into()))
        );
    }

    #[test]
    fn top_level_module_exports_are_commonjs() {
        // webpack's `commonjs2` library output: the wrapper's last statement.
        let library = "/*! license */\n(()=>{var s={1(s,o){o.a=1}},i={};(()=>{i.default=s})(),module.exports=i.default})();";
        assert_eq!(
            commonjs(library),
            Some(CommonJsUse::TopLevelExport("module.exports".into()))
        );
        // A CommonJS source: the first statement, after a directive.
        assert_eq!(
            commonjs("\"use strict\";\nexports.nanoid = nanoid;\nconst x = {exports: 1};"),
            Some(CommonJsUse::TopLevelExport("exports.nanoid".into()))
        );
        assert_eq!(
            commonjs("module.exports = false\n"),
            Some(CommonJsUse::TopLevelExport("module.exports".into()))
        );
        assert_eq!(
            commonjs("!function(){var a=1;module.exports={a:a}}();"),
            Some(CommonJsUse::TopLevelExport("module.exports".into()))
        );
    }

    #[test]
    fn code_that_runs_in_browsers_too_is_not_commonjs() {
        for source in [
            // A UMD bundle: its `require` and `module.exports` are behind `typeof` tests, and
            // browsers take the global branch.
            "!function(e,t){\"object\"==typeof exports&&\"object\"==typeof module?module.exports=t(require(\"react\")):e.X=t(e.React)}(this,(e=>{var t={1(t){t.exports=e}};return t}));",
            // browserify binds `require`, `module` and `exports` as each module's parameters.
            "(function(){function r(e,n,t){return e}return r})()({1:[function(require,module,exports){module.exports=require(\"react\")},{}]},{},[1]);",
            // A function declaration nobody calls at load.
            "function define(){module.exports=1}",
            // A condition's branch, and a block.
            "if(typeof window==\"undefined\")module.exports=x;",
            "if(isNode){module.exports=x}",
            "var a=isNode&&(module.exports=x);",
            "isNode?module.exports=x:window.x=x;",
            // `module` is a variable of the file's own.
            "var module={exports:{}};module.exports=1;",
            "(function(module){module.exports=1})(m);",
            // Properties named so, and nothing CommonJS at all.
            "a.module.exports=1;b.require(\"x\");c={require:1};",
            "import React from \"react\";export default React;",
            // A comparison is not an assignment.
            "module.exports==1;",
            // A relative request is no external.
            "(()=>{var e={1(e){e.exports=require(\"./x\")}}})();",
        ] {
            assert_eq!(commonjs(source), None, "{source}");
        }
        // Every prefix and suffix of such code scans without a panic (the notes look back
        // and ahead of a name, up to the ends of the input).
        let shapes = " .exports=require(\"x\") ; module .exports = 1 , exports.a=2 ";
        for cut in 0..=shapes.len() {
            let _ = scan(&shapes.as_bytes()[..cut]);
            let _ = scan(&shapes.as_bytes()[cut..]);
        }
        // `require` bound anywhere in the file makes every call to it unknown.
        assert_eq!(
            commonjs("var require=r;(()=>{var e={1(e){e.exports=require(\"react\")}}})();"),
            None
        );
    }

    #[test]
    fn vertical_tabs_and_form_feeds_are_white_space_between_tokens() {
        // ECMAScript's white space (U+000B, U+000C) besides ASCII's: the minify pre-check
        // counts what this skips, and a bound below the real saving could hide a finding.
        let spaced = b"a\x0B=\x0C1;\x0B\x0Bimport('x')";
        let scanned = scan_counting_comments(spaced).expect("scans");
        assert_eq!(scanned.trivia_bytes, 4);
        assert_eq!(scanned.imports.len(), 1);
        assert_eq!(
            scan_counting_comments(b"\x0B").expect("scans").trivia_bytes,
            1
        );
    }

    #[test]
    fn names_are_measured_eight_bytes_at_a_time_as_one_at_a_time() {
        let one_at_a_time = |bytes: &[u8]| {
            bytes
                .iter()
                .take_while(|&&b| b != b'\\' && is_ident_part(b))
                .count()
        };
        // Every byte value at every place of a 19-byte run (a word, a word, a tail of three),
        // after a name as long as the run allows.
        for stop in 0..=255u8 {
            for at in 0..19 {
                let mut bytes = vec![b'a'; 19];
                bytes[at] = stop;
                assert_eq!(
                    plain_ident_run(&bytes),
                    one_at_a_time(&bytes),
                    "byte {stop:#04x} at {at}"
                );
            }
        }
        for sample in [
            &b"a.b"[..],
            b"$_Zz09\\u0041",
            b"\xe2\x82\xac1(",
            b"",
            b"x",
            b"abcdefgh",
        ] {
            assert_eq!(plain_ident_run(sample), one_at_a_time(sample), "{sample:?}");
        }
    }

    fn both(source: &str) -> Vec<Import> {
        let scanned = scan(source.as_bytes()).unwrap_or_else(|e| panic!("{source:?}: {e:?}"));
        let parsed = super::super::js::parse("js", source.as_bytes());
        assert!(parsed.problem.is_none(), "{source:?}: {:?}", parsed.problem);
        assert_eq!(
            scanned, parsed.imports,
            "scan and parse disagree on {source:?}"
        );
        scanned
    }

    #[test]
    fn line_feeds_inside_literals_are_found() {
        // A template's raw line break, one inside `${}` code (not a literal's), a string
        // continued by a backslash, and a `` ` `` in a comment and a regex (no literal).
        let code = "a=`x\n${f(\n)}y\n`;b='p\\\nq';/*`*/c=/`/;\nd";
        let feeds = literal_line_feeds(code.as_bytes()).unwrap();
        let lines: Vec<usize> = feeds
            .iter()
            .map(|&offset| code[..offset].matches('\n').count())
            .collect();
        // Feeds at line ends 0 (template text), 2 (template text) and 3 (string continuation);
        // the feed inside `${f(\n)}` (end of line 1) and the last one are code.
        assert_eq!(lines, vec![0, 2, 3]);
        assert!(literal_line_feeds(b"a=`unterminated\n").is_err());
    }

    #[test]
    fn agrees_with_the_parser_on_every_form() {
        let found = both(
            "import _ from 'lodash';\nimport * as Icons from \"lucide-react\";\nimport { debounce, groupBy as g } from 'lodash-es';\nimport 'core-js';\nexport * from './barrel.js';\nexport * as ns from './ns.js';\nexport { a, default as b } from './x.js';\nconst m = require('moment');\nconst lazy = () => import('./chart.js');\nimport React, { useState, default as R2 } from 'react';\nimport def, * as all from 'both';\nexport { local };\nexport default function(){}\n",
        );
        assert_eq!(found.len(), 14);
    }

    #[test]
    fn strings_comments_templates_and_regexes_hide_nothing_and_fake_nothing() {
        let found = both(concat!(
            "const s = \"import x from 'no'\"; // import y from 'no'\n",
            "/* require('no') */ const t = `import('no') ${ require(\"yes-1\") } ${ `nested ${ import('yes-2') }` }`;\n",
            "const r = /import('no')[/\"']/g, d = a / b / c;\n",
            "if (x) /require('no')/.test(y); const q = (1) / 2 / import('yes-3').length;\n",
            "x = y.import('no'); z = obj.require('no'); w = {}.toString(), v = a++ / 2;\n",
            "label: { } /import('no')/; return_ = a\n/ b / require('yes-4');\n",
        ));
        let specifiers: Vec<&str> = found.iter().map(|i| i.specifier.as_str()).collect();
        assert_eq!(specifiers, ["yes-1", "yes-2", "yes-3", "yes-4"]);
    }

    #[test]
    fn minified_bundle_shapes() {
        both(
            "import{a as e,b as t}from\"./vendor-3f2a.js\";import\"./side.css\";const n=()=>import(\"./lazy-aa.js\");e(t,n);export{n as l};",
        );
        both(
            "!function(e){\"use strict\";var t=e.require?e.require(\"x\"):require(\"y\");t&&/[\"']/.test(e)}(this);",
        );
        both("var a=`${b}/${c}`,d=e?/re/:f/g;for(;;)/x/.test(a)&&require(\"z\");");
    }

    #[test]
    fn suspicious_files_are_handed_to_the_parser() {
        for bad in [
            "const a = 'open",
            "function f() {",
            "/* never closed",
            "<!doctype html><html>",
            "x = `open ${a}",
            "a = [1, 2));",
        ] {
            assert!(scan(bad.as_bytes()).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn numbers_with_exponents_are_one_token() {
        // `1e-5 / 2` divides; a hex literal ending in e is followed by a real operator.
        both("const a = 1e-5 / 2 / require('x'), b = 0xFE - 1, c = 2.5E+3 / 4; require('y');");
    }

    #[test]
    fn cases_found_by_review_agree_with_the_parser() {
        both("const of = 4; x = of / 2; import('h') / 3;");
        both("let await_ = 1, yield_ = 2; var x = {} / 1; import('h2') / 2;");
        both("if (a) {} /re/.test(b); require('y'); x = a ? {} / 2 : 1; import('z') / 1;");
        both(
            "import {} from 'loaded'; export {} from 'nothing'; require('a',); new require('not');",
        );
        both("try {} finally {} /x/.test(y); do {} while (0); import('w');");
        both("const o = [{} / 2, ({}) / 3]; import('v');");
    }

    #[test]
    fn escaped_specifiers_go_to_the_parser() {
        assert!(scan(b"import x from 'a\\x62';").is_err());
        assert!(scan(b"require('a\\u0062');").is_err());
        let facts = super::super::js::analyze("js", b"import x from 'a\\x62';");
        assert_eq!(facts.imports[0].specifier, "ab");
    }

    #[test]
    fn truncated_input_never_panics() {
        for input in [
            "export {a\\",
            "import {a\\",
            "export * as\\",
            "a\\",
            "`\\",
            "/\\",
            "'\\",
            "import(",
            "export {",
            "require(",
            "#!\\",
        ] {
            let _ = scan(input.as_bytes());
        }
        // Every prefix of a real module.
        let module = "import{a as e,b}from\"./v.js\";export*from'./x';export{c as d}from\"./y\";const t=()=>import(`./z.js`),u=/[/]\\//g;";
        for end in 0..=module.len() {
            let _ = scan(&module.as_bytes()[..end]);
        }
    }

    #[test]
    fn deep_nesting_is_just_counting() {
        let deep = format!(
            "x = {}require('deep'){};",
            "(".repeat(200_000),
            ")".repeat(200_000)
        );
        assert_eq!(scan(deep.as_bytes()).unwrap()[0].specifier, "deep");
    }
}
