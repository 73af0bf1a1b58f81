//! What a script must pass before swc parses it: swc's parser recurses once per level of
//! syntax (prefix operators, `?:`, `=>`, `=`, `new`, labels, `else if`, JSX elements…) without
//! a bound, so `x=!!!…!` 200,000 times overflows any thread's stack and aborts the whole run;
//! nested labels also cost it quadratic memory (5,000 took 1.9 GB here), and a syntax tree
//! takes about 120× its source in memory.
//!
//! One linear pass of swc's own lexer (no recursion) bounds the depth the parser can reach.
//! Every level of parser recursion consumes at least one token, and a `,` or `;` at a bracket
//! level ends every level opened since that bracket; so the tokens since the last `,`/`;` of
//! each enclosing bracket, summed, bound the depth (`chain` below). Inside JSX elements
//! `,` and `;` are text, so they end nothing there. Bracket nesting has its own bound, and so
//! have colons that no `?` explains (labels). A file over a bound is reported and not parsed;
//! the run goes on.
//!
//! The bounds sit far above real code (minifiers keep a statement's operator chain in the
//! hundreds) and far below what the parser survives: measured on a 64 MiB stack, every kind of
//! chain above parsed at 40,000 tokens, the shallowest to fail (`a=>` chains) at 100,000.
//! [`with_parser_stack`] gives the parse at least that stack on any thread.

use swc_common::sync::Lrc;
use swc_common::{BytePos, FileName, SourceMap};
use swc_ecma_ast::EsVersion;
use swc_ecma_parser::Lexer;
use swc_ecma_parser::StringInput;
use swc_ecma_parser::input::Tokens;
use swc_ecma_parser::unstable::Token;

/// Largest script parsed with swc. Its syntax tree takes about 120× the source in memory
/// (a 50 MB one-line script took 6.2 GB), so this keeps one parse near 500 MB; real TypeScript
/// and JSX sources are far smaller, and minified bundles go through the module lexer instead.
pub const MAX_PARSED_BYTES: usize = 4 * 1024 * 1024;

/// Most tokens the parser may have to hold on its stack at once (see the module documentation).
pub const MAX_CHAIN_TOKENS: usize = 25_000;

/// Most colons in one statement that no `?` explains: nested labels (`a:b:c:…`) and type
/// annotations. swc's memory grows with the square of nested labels.
pub const MAX_UNEXPLAINED_COLONS: usize = 500;

/// The stack [`with_parser_stack`] guarantees: 2.5× what the deepest allowed chain needed.
/// Deeper bracket nesting than this is not parsed: the parser, the syntax-tree walk and the
/// tree's destruction all recurse, and no real bundle or source file comes near it (minifiers
/// stay well under 100 levels).
pub const MAX_NESTING: usize = 1_000;

const PARSER_STACK: usize = 64 * 1024 * 1024;

/// Runs `parse` with at least [`PARSER_STACK`] bytes of stack left, on a fresh segment when
/// the calling thread has less (test threads have 2 MiB, the audit's workers 64 MiB).
pub fn with_parser_stack<T>(parse: impl FnOnce() -> T) -> T {
    stacker::maybe_grow(PARSER_STACK, PARSER_STACK, parse)
}

/// Why `text` is not handed to swc, or `Ok` when it may be.
pub fn check(text: &str, jsx: bool) -> Result<(), String> {
    if text.len() > MAX_PARSED_BYTES {
        return Err(format!(
            "{} bytes, more than the {MAX_PARSED_BYTES} bytes webaudit parses in one script; not analysed",
            text.len()
        ));
    }
    let source_map: Lrc<SourceMap> = Default::default();
    let file = source_map.new_source_file(Lrc::new(FileName::Anon), text.to_string());
    let base = file.start_pos.0;
    // The lexer's spans are offsets in the source file, which has no leading byte order mark
    // (swc removes it): slicing `text` with them would cut characters in two.
    let text: &str = &file.src;
    // Plain ES syntax: the lexer needs no TypeScript or JSX mode to split tokens, and the
    // counts below only need tokens.
    let mut lexer = Lexer::new(
        swc_ecma_parser::Syntax::Es(Default::default()),
        EsVersion::latest(),
        StringInput::from(&*file),
        None,
    );
    let bytes = text.as_bytes();
    let mut counter = Counter::new(jsx);
    let mut previous = Token::Semi;
    let mut previous_end = 0usize;
    loop {
        // A `/` where a value may start begins a regular expression: the parser tells its
        // lexer so, and so does this pass, or the pattern's `,` and `;` would count. (After a
        // `<` it is a JSX closing tag's.)
        if !ends_value(previous)
            && !matches!(previous, Token::Lt | Token::LessSlash)
            && let Some(slash) = next_significant(bytes, previous_end)
            && bytes[slash] == b'/'
            && !matches!(bytes.get(slash + 1), Some(b'/' | b'*'))
        {
            lexer.set_next_regexp(Some(BytePos(base + slash as u32)));
        }
        let next = lexer.next();
        // The lexer keeps the mark until told otherwise, and would read the same expression
        // again and again.
        lexer.set_next_regexp(None);
        let Some(mut token) = next else {
            break;
        };
        // A `}` that closes a template's `${`: the parser has the lexer read on in the
        // template (`}…${` or `}…\``), and so does this pass.
        if token.token == Token::RBrace && counter.in_template() {
            token = lexer.rescan_template_token(token.span.lo, false);
        }
        previous_end = (token.span.hi.0.saturating_sub(base) as usize).min(bytes.len());
        let start = (token.span.lo.0.saturating_sub(base) as usize).min(previous_end);
        // Outside JSX mode the lexer reads `</` as `<` then `/`: the start of a closing tag.
        if token.token == Token::Lt && bytes.get(previous_end) == Some(&b'/') {
            token.token = Token::LessSlash;
        }
        counter.take(token.token, &text[start..previous_end], previous)?;
        previous = token.token;
    }
    Ok(())
}

/// Whether a `/` after this token divides (the token ends a value) rather than starting a
/// regular expression.
fn ends_value(token: Token) -> bool {
    // Names the lexer knows (`require`, `async`, `of`, `type`…) are identifiers too.
    token.is_known_ident()
        || matches!(
            token,
            Token::RParen
                | Token::RBracket
                | Token::Ident
                | Token::Str
                | Token::Num
                | Token::BigInt
                | Token::Regex
                | Token::NoSubstitutionTemplateLiteral
                | Token::TemplateTail
                | Token::Template
                | Token::PlusPlus
                | Token::MinusMinus
                | Token::This
                | Token::Super
                | Token::Null
                | Token::True
                | Token::False
        )
}

/// Whether `token` (whose source is `text`), right after a `}`, can only start a new statement:
/// a value or a statement keyword cannot continue an expression that ended in `}`. `else`,
/// `catch`, `finally`, `while` (of `do…while`), operators and contextual operators (`as`,
/// `satisfies`, `of`) continue it, and count on.
fn starts_statement(token: Token, text: &str) -> bool {
    match token {
        token if token == Token::Ident || token.is_known_ident() => {
            !matches!(text, "as" | "satisfies" | "of")
        }
        Token::Else
        | Token::Catch
        | Token::Finally
        | Token::While
        | Token::In
        | Token::InstanceOf
        | Token::Extends => false,
        Token::Str
        | Token::Num
        | Token::BigInt
        | Token::Regex
        | Token::NoSubstitutionTemplateLiteral
        | Token::Bang
        | Token::Tilde
        | Token::At => true,
        other => other.is_keyword(),
    }
}

/// The position of the next byte after `from` that is not white space or inside a comment.
fn next_significant(bytes: &[u8], mut from: usize) -> Option<usize> {
    while from < bytes.len() {
        match bytes[from] {
            b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C => from += 1,
            b'/' if bytes.get(from + 1) == Some(&b'/') => {
                from += memchr::memchr(b'\n', &bytes[from..])? + 1;
            }
            b'/' if bytes.get(from + 1) == Some(&b'*') => {
                from += 2 + memchr::memmem::find(&bytes[from + 2..], b"*/")? + 2;
            }
            _ => return Some(from),
        }
    }
    None
}

/// One open bracket: what the counts were when it opened.
struct Level {
    /// Opened by a template's `${`: its `}` continues the template.
    template: bool,
    chain: usize,
    colons: usize,
    questions: usize,
}

/// The running counts of [`check`].
struct Counter {
    jsx: bool,
    /// Tokens the parser may be holding on its stack (see the module documentation).
    chain: usize,
    /// Colons since the last `,`/`;`/`case` of this level that no `?` explains.
    colons: usize,
    /// `?` still waiting for their `:`.
    questions: usize,
    /// Open JSX elements, by a heuristic: a `<` where a value may start opens one, `/>` and
    /// the `>` of a `</…>` close one. Each holds the chain at its opening, to which its closing
    /// returns (the parser returns from the element); inside them `,` and `;` are text.
    jsx_elements: Vec<usize>,
    /// A `</` was read and its `>` has not come yet.
    jsx_closing_tag: bool,
    /// The previous token closed a `{}` block or literal: unless the next token continues an
    /// expression, a new statement starts there.
    after_brace: bool,
    levels: Vec<Level>,
}

impl Counter {
    fn new(jsx: bool) -> Counter {
        Counter {
            jsx,
            chain: 0,
            colons: 0,
            questions: 0,
            jsx_elements: Vec::new(),
            jsx_closing_tag: false,
            after_brace: false,
            levels: Vec::new(),
        }
    }

    fn in_template(&self) -> bool {
        self.levels.last().is_some_and(|level| level.template)
    }

    /// Ends the chain of the current bracket level: what a `,` or `;` does.
    fn end_statement(&mut self) {
        self.chain = self.levels.last().map_or(0, |level| level.chain + 1);
        self.colons = 0;
        self.questions = 0;
    }

    fn take(&mut self, token: Token, text: &str, previous: Token) -> Result<(), String> {
        if std::mem::take(&mut self.after_brace)
            && self.jsx_elements.is_empty()
            && starts_statement(token, text)
        {
            self.end_statement();
        }
        match token {
            Token::TemplateMiddle => {
                // `}…${`: one substitution closed, the next opened, on the same level.
                if let Some(level) = self.levels.last() {
                    self.chain = level.chain + 1;
                }
            }
            Token::LParen
            | Token::LBrace
            | Token::LBracket
            | Token::DollarLBrace
            | Token::TemplateHead => {
                self.levels.push(Level {
                    template: token == Token::TemplateHead,
                    chain: self.chain,
                    colons: self.colons,
                    questions: self.questions,
                });
                if self.levels.len() > MAX_NESTING {
                    return Err(format!(
                        "brackets nest more than {} levels deep; not analysed",
                        MAX_NESTING
                    ));
                }
                self.chain += 1;
                self.colons = 0;
                self.questions = 0;
            }
            Token::RParen | Token::RBrace | Token::RBracket | Token::TemplateTail => {
                if let Some(level) = self.levels.pop() {
                    self.chain = level.chain;
                    self.colons = level.colons;
                    self.questions = level.questions;
                }
                self.chain += 1;
                self.after_brace = token == Token::RBrace;
            }
            Token::Semi | Token::Comma if self.jsx_elements.is_empty() => self.end_statement(),
            _ => {
                self.chain += 1;
                match token {
                    Token::Case | Token::Default => self.colons = 0,
                    Token::QuestionMark => self.questions += 1,
                    Token::Colon if self.questions > 0 => self.questions -= 1,
                    Token::Colon => self.colons += 1,
                    Token::Lt if self.jsx && !ends_value(previous) => {
                        self.jsx_elements.push(self.chain - 1)
                    }
                    Token::LessSlash if self.jsx => self.jsx_closing_tag = true,
                    Token::Gt if self.jsx && (previous == Token::Slash || self.jsx_closing_tag) => {
                        self.jsx_closing_tag = false;
                        if let Some(chain) = self.jsx_elements.pop() {
                            // The element's own tokens are done; the parser is back where the
                            // element started, with one more token read.
                            self.chain = chain + 1;
                        }
                    }
                    _ => {}
                }
            }
        }
        if self.chain > MAX_CHAIN_TOKENS {
            return Err(format!(
                "an expression or statement chains more than {MAX_CHAIN_TOKENS} tokens without a `,` or `;`, deeper than webaudit parses; not analysed"
            ));
        }
        if self.colons > MAX_UNEXPLAINED_COLONS {
            return Err(format!(
                "more than {MAX_UNEXPLAINED_COLONS} nested labels in one statement; not analysed"
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(text: &str, jsx: bool) -> String {
        check(text, jsx).expect_err("should be refused")
    }

    #[test]
    fn a_byte_order_mark_before_the_first_token_is_not_cut_in_two() {
        // swc drops the mark from its source file, so its spans are 3 bytes short of `text`:
        // the first token (`r`) was sliced as the mark's first byte, which panicked.
        assert_eq!(check("\u{feff}r = 1", false), Ok(()));
        assert_eq!(
            check("\u{feff}const é = /ü/.test(x) ? 1 : 2;", true),
            Ok(())
        );
        // The counts read the right tokens: a long chain after a mark is refused as without.
        let chain = format!("x={}a;", "!".repeat(60_000));
        assert_eq!(
            check(&format!("\u{feff}{chain}"), false),
            check(&chain, false)
        );
        assert!(check(&chain, false).is_err());
    }

    #[test]
    fn unbounded_chains_are_refused_before_the_parser_sees_them() {
        let n = 60_000;
        let chains = [
            format!("x={}a;", "!".repeat(n)),
            format!("x={}c;", "a?b:".repeat(n)),
            format!("x={}c;", "a=>".repeat(n)),
            format!("x{};", "=a".repeat(n)),
            format!("x={}a;", "new ".repeat(n)),
            format!("x={}a;", "a+".repeat(n)),
            format!("if(a){{}}{}", "else if(a){}".repeat(n / 4)),
            // A `;` inside a nested function body ends nothing outside it.
            format!("x={}a;", "a+(function(){b;})+".repeat(n / 4)),
            // Nor does one inside a regular expression.
            format!("x={}a;", "a+/;,/+".repeat(n / 2)),
        ];
        for text in &chains {
            assert!(
                refused(text, false).contains("chains more than"),
                "{}",
                &text[..40]
            );
        }
        let labels = refused(&format!("{}x;", "a:".repeat(2_000)), false);
        assert!(labels.contains("nested labels"), "{labels}");
        let brackets = refused(
            &format!("x={}1{};", "(".repeat(5_000), ")".repeat(5_000)),
            false,
        );
        assert!(brackets.contains("nest more than"), "{brackets}");
        // JSX text holds commas, and they end nothing.
        let elements = refused(&format!("x={}", "<a>,".repeat(n)), true);
        assert!(elements.contains("chains more than"), "{elements}");
        let big = "x=1;".repeat(MAX_PARSED_BYTES / 4 + 1);
        assert!(refused(&big, false).contains("bytes webaudit parses"));
    }

    #[test]
    fn real_code_passes() {
        // Long lists and many statements are flat: each `,` or `;` ends the chain.
        let array = format!("export const table=[{}];", "1,".repeat(200_000));
        let statements = "a.b(c);if(d){e=f?g:h}else{i()}".repeat(20_000);
        let object = format!("x={{{}}};", "a:1,".repeat(50_000));
        let switch = format!("switch(x){{{}return 1}}", "case 1:".repeat(5_000));
        let template = format!("x=`{}`;", "${a,b}, ".repeat(20_000));
        let nested_template = "x=`a${`b${c}d${e}`}f${g}`;".repeat(20_000);
        let typescript = "function f(a: A, b: B): C { const x: Map<K, V> = new Map(); return x }";
        let jsx =
            "const A = () => <div className=\"a\">Hello, world; <b>{x ? y : z}</b><br/></div>;";
        let siblings = format!(
            "const Page = () => <main>{}</main>;",
            "<p class=\"a\">Text, more; <b>{x}</b></p><br/>".repeat(5_000)
        );
        let regex = "x = a / b / c; y = /[,;]+/g.test(s) ? 1 : 2; z = (a) / 2;";
        for text in [
            array.as_str(),
            statements.as_str(),
            object.as_str(),
            switch.as_str(),
            template.as_str(),
            nested_template.as_str(),
            typescript,
            jsx,
            siblings.as_str(),
            regex,
        ] {
            assert_eq!(check(text, true), Ok(()), "{}", &text[..text.len().min(60)]);
        }
        // A 300-deep ternary and a 2,000-term concatenation are well within bounds.
        let ternary = format!("x={}c;", "a?b:".repeat(300));
        let concatenation = format!("x={}a;", "\"s\"+a+".repeat(1_000));
        assert_eq!(check(&ternary, false), Ok(()));
        assert_eq!(check(&concatenation, false), Ok(()));
    }

    #[test]
    fn the_deepest_allowed_chain_parses_on_the_guaranteed_stack() {
        // Just under the bound, with the constructs that cost the parser most stack per token,
        // on this test thread's small stack: the parse must not overflow.
        let just_under = [
            format!("x={}c;", "a=>".repeat(MAX_CHAIN_TOKENS / 2 - 10)),
            format!("x={}a;", "!".repeat(MAX_CHAIN_TOKENS - 10)),
            format!("x={}c;", "a?b:".repeat(MAX_CHAIN_TOKENS / 4 - 10)),
            format!(
                "x={};",
                "<a>".repeat(MAX_CHAIN_TOKENS / 6 - 10) + &"</a>".repeat(MAX_CHAIN_TOKENS / 6 - 10)
            ),
        ];
        for text in &just_under {
            assert_eq!(check(text, true), Ok(()), "{}", &text[..30]);
            let facts = super::super::js::parse("jsx", text.as_bytes());
            assert!(facts.problem.is_none(), "{:?}", facts.problem);
        }
    }
}
