//! Reads a JavaScript configuration file that is only data: `module.exports = { … };` with an
//! object literal of strings, numbers, booleans, `null`, arrays and objects (unquoted keys,
//! single quotes, comments and trailing commas allowed, as people write them). Anything that
//! would need running — a `require`, a variable, a function call, a template string, a spread —
//! makes the file "not static", and the caller says it was not read rather than guess.

use serde_json::{Map, Number, Value};

/// Deeper nesting than any configuration needs; it bounds the recursion on hostile input.
const MAX_DEPTH: usize = 64;

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Punct(char),
    Str(String),
    Number(String),
    Ident(String),
}

/// Why a file was not read, for the note that says so.
pub type NotStatic = String;

fn tokenize(text: &str) -> Result<Vec<Token>, NotStatic> {
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some(&(at, c)) = chars.peek() {
        match c {
            c if c.is_whitespace() || c == '\u{feff}' => {
                chars.next();
            }
            '/' if text[at..].starts_with("//") => {
                while chars.next_if(|&(_, c)| c != '\n').is_some() {}
            }
            '/' if text[at..].starts_with("/*") => {
                let end = text[at + 2..].find("*/").ok_or("a comment is not closed")?;
                let resume = at + 2 + end + 2;
                while chars.next_if(|&(i, _)| i < resume).is_some() {}
            }
            '{' | '}' | '[' | ']' | ':' | ',' | ';' | '=' | '.' | '-' | '+' => {
                tokens.push(Token::Punct(c));
                chars.next();
            }
            quote @ ('"' | '\'') => {
                chars.next();
                let mut value = String::new();
                loop {
                    let Some((_, c)) = chars.next() else {
                        return Err("a string is not closed".into());
                    };
                    match c {
                        _ if c == '\n' => {
                            return Err("a string runs past the end of its line".into());
                        }
                        _ if c == quote => break,
                        '\\' => {
                            let Some((_, escaped)) = chars.next() else {
                                return Err("a string is not closed".into());
                            };
                            value.push(match escaped {
                                'n' => '\n',
                                't' => '\t',
                                'r' => '\r',
                                'b' => '\u{8}',
                                'f' => '\u{c}',
                                'v' => '\u{b}',
                                '0' => '\0',
                                'u' | 'x' => {
                                    return Err(
                                        "a string uses \\u or \\x escapes; write the character itself"
                                            .into(),
                                    );
                                }
                                other => other,
                            });
                        }
                        _ => value.push(c),
                    }
                }
                tokens.push(Token::Str(value));
            }
            '0'..='9' => {
                let mut number = String::new();
                while let Some((_, c)) =
                    chars.next_if(|&(_, c)| c.is_ascii_alphanumeric() || c == '.' || c == '_')
                {
                    number.push(c);
                }
                tokens.push(Token::Number(number));
            }
            c if c.is_alphabetic() || c == '_' || c == '$' => {
                let mut name = String::new();
                while let Some((_, c)) =
                    chars.next_if(|&(_, c)| c.is_alphanumeric() || c == '_' || c == '$')
                {
                    name.push(c);
                }
                tokens.push(Token::Ident(name));
            }
            other => return Err(format!("it contains `{other}`, which data does not need")),
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    next: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.next)
    }

    fn take(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.next).cloned();
        self.next += 1;
        token
    }

    fn eat(&mut self, punct: char) -> bool {
        if self.peek() == Some(&Token::Punct(punct)) {
            self.next += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, punct: char) -> Result<(), NotStatic> {
        if self.eat(punct) {
            Ok(())
        } else {
            Err(format!("expected `{punct}` {}", self.here()))
        }
    }

    fn here(&self) -> String {
        match self.peek() {
            None => "at the end".into(),
            Some(Token::Punct(c)) => format!("before `{c}`"),
            Some(Token::Str(s)) => format!("before the string {s:?}"),
            Some(Token::Number(n)) => format!("before {n}"),
            Some(Token::Ident(name)) => format!("before `{name}`"),
        }
    }

    fn number(text: &str, negative: bool) -> Result<Value, NotStatic> {
        let not_a_number = || format!("{text} is not a plain decimal number");
        if !text.chars().all(|c| c.is_ascii_digit() || c == '.') || text.ends_with('.') {
            return Err(not_a_number());
        }
        if let Ok(whole) = text.parse::<u64>() {
            return Ok(if negative {
                Value::from(-(whole as i128).clamp(i64::MIN as i128, 0) as i64)
            } else {
                Value::from(whole)
            });
        }
        let value: f64 = text.parse().map_err(|_| not_a_number())?;
        Number::from_f64(if negative { -value } else { value })
            .map(Value::Number)
            .ok_or_else(not_a_number)
    }

    fn value(&mut self, depth: usize) -> Result<Value, NotStatic> {
        if depth > MAX_DEPTH {
            return Err(format!("it nests deeper than {MAX_DEPTH} levels"));
        }
        match self.take() {
            Some(Token::Punct('{')) => {
                let mut object = Map::new();
                while !self.eat('}') {
                    let key = match self.take() {
                        Some(Token::Ident(name)) | Some(Token::Str(name)) => name,
                        Some(Token::Number(n)) => n,
                        _ => {
                            self.next -= 1;
                            return Err(format!("expected a key {}", self.here()));
                        }
                    };
                    self.expect(':')?;
                    object.insert(key, self.value(depth + 1)?);
                    if !self.eat(',') {
                        self.expect('}')?;
                        break;
                    }
                }
                Ok(Value::Object(object))
            }
            Some(Token::Punct('[')) => {
                let mut array = Vec::new();
                while !self.eat(']') {
                    array.push(self.value(depth + 1)?);
                    if !self.eat(',') {
                        self.expect(']')?;
                        break;
                    }
                }
                Ok(Value::Array(array))
            }
            Some(Token::Str(text)) => Ok(Value::String(text)),
            Some(Token::Number(text)) => Parser::number(&text, false),
            Some(Token::Punct(sign @ ('-' | '+'))) => match self.take() {
                Some(Token::Number(text)) => Parser::number(&text, sign == '-'),
                _ => Err(format!("`{sign}` is not followed by a number")),
            },
            Some(Token::Ident(name)) => match name.as_str() {
                "true" => Ok(Value::Bool(true)),
                "false" => Ok(Value::Bool(false)),
                "null" => Ok(Value::Null),
                _ => Err(format!(
                    "it uses `{name}`, which only running the file would give a value"
                )),
            },
            Some(Token::Punct(c)) => Err(format!("unexpected `{c}`")),
            None => Err("it ends before the value does".into()),
        }
    }
}

/// The object a data-only `module.exports = {…}` file exports, or why the file is not that.
pub fn module_exports(text: &str) -> Result<Value, NotStatic> {
    let mut parser = Parser {
        tokens: tokenize(text)?,
        next: 0,
    };
    // A "use strict" directive changes nothing about data.
    if matches!(parser.peek(), Some(Token::Str(s)) if s == "use strict") {
        parser.next += 1;
        parser.eat(';');
    }
    let assignment = [
        Token::Ident("module".into()),
        Token::Punct('.'),
        Token::Ident("exports".into()),
        Token::Punct('='),
    ];
    for expected in assignment {
        if parser.take() != Some(expected) {
            return Err("it is not a single `module.exports = {…}` assignment".into());
        }
    }
    let value = parser.value(0)?;
    parser.eat(';');
    if parser.peek().is_some() {
        return Err(format!(
            "more code follows the exported object ({})",
            parser.here()
        ));
    }
    if !value.is_object() {
        return Err("it does not export an object".into());
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::module_exports;
    use serde_json::json;

    #[test]
    fn reads_data_written_as_people_write_javascript() {
        let text = r#"'use strict';
            // bundlewatch settings
            module.exports = {
                files: [
                    { path: './dist/*.js', maxSize: '91kB', }, /* the entry */
                    { "path": "dist/*.css", maxSize: "10 KB", compression: 'none' },
                ],
                defaultCompression: 'gzip',
                ci: { trackBranches: ['main'], enabled: true, retries: 3, ratio: -0.5 },
            };
        "#;
        assert_eq!(
            module_exports(text).unwrap(),
            json!({
                "files": [
                    { "path": "./dist/*.js", "maxSize": "91kB" },
                    { "path": "dist/*.css", "maxSize": "10 KB", "compression": "none" }
                ],
                "defaultCompression": "gzip",
                "ci": { "trackBranches": ["main"], "enabled": true, "retries": 3, "ratio": -0.5 }
            })
        );
    }

    #[test]
    fn refuses_what_needs_running() {
        for program in [
            "const size = '91kB'; module.exports = { files: [{ path: 'a.js', maxSize: size }] };",
            "module.exports = { files: require('./files.json') };",
            "module.exports = { files: [`dist/${name}.js`] };",
            "module.exports = { ...base, files: [] };",
            "export default { files: [] };",
            "module.exports = { files: [] }; console.log('hi');",
            "module.exports = ['a'];",
            "module.exports = { a: 0x10 };",
            "module.exports = { a: 'unclosed };",
        ] {
            assert!(module_exports(program).is_err(), "{program}");
        }
        let deep = format!(
            "module.exports = {{ a: {}1{} }};",
            "[".repeat(10_000),
            "]".repeat(10_000)
        );
        assert!(module_exports(&deep).is_err());
    }
}
