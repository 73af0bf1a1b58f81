//! Chunk loading facts of webpack-style bundles (webpack 5, rspack, Next.js's webpack build):
//! which file each chunk id is (the runtime's chunk filename functions), the public path, which
//! chunks an entry waits for at start-up, which it loads on demand, which ids a chunk file
//! registers, and Next.js's build manifest.
//!
//! Why not the module lexer or swc: the lexer sees imports only, and swc builds the whole tree of
//! a multi-megabyte bundle to find a few runtime statements (most bundles are never parsed, see
//! [`super::js_scan`]). The runtime writes these statements in a handful of fixed shapes
//! (`r.u=e=>"static/js/"+e+"."+{12:"ab12"}[e]+".js"`, `e.O(0,[736,592],()=>…)`,
//! `push([[179],{…}])`), so each is located by its anchor text and read by a small parser of
//! constant expressions, bounded in length ([`MAX_EXPRESSION_BYTES`]) and nesting
//! ([`MAX_NESTING`]). What that parser cannot read is reported (`unresolved`), never guessed.

use super::js_scan::is_ascii_name_byte;
use std::cell::Cell;

use memchr::memmem;

use crate::model::facts::js::{ChunkFilenames, ChunkId, ChunkLoading};

/// The longest runtime expression read (a chunk filename function with a map of every chunk, a
/// build manifest): real ones reach a few hundred kilobytes (mlflow: 1,200 chunks, 90 kB).
pub const MAX_EXPRESSION_BYTES: usize = 8 << 20;
/// Deeper nesting of parentheses, objects, arrays and function bodies than any runtime writes;
/// it bounds the parser's recursion on hostile input. (A ternary chain over every chunk id is
/// read as a loop, not nested.)
pub const MAX_NESTING: usize = 64;
/// Chunk ids kept per list (start-up, on-demand, declared), and ids evaluated per filename
/// function: more than any build has chunks.
pub const MAX_CHUNK_IDS: usize = 100_000;
/// How far a call's arguments (`.O(0, [ids], …)`, `.e(id)`, `push([[ids], …`) are read: an id
/// list of a few thousand ids. It bounds the work of many look-alike calls to 16 KiB each.
pub const MAX_CALL_BYTES: usize = 16 << 10;
/// Occurrences of one anchor looked at per file: a bound on hostile files made of anchors.
pub const MAX_CANDIDATES: usize = 200_000;
/// Assignments to a runtime-looking object's `.u` (or CSS `.miniCssF`/`.k`) read per file
/// before giving up: minified libraries reuse the names, the runtime has one of each.
pub const MAX_RUNTIME_CANDIDATES: usize = 64;
/// Steps of evaluating one chunk filename function for all its ids (a ternary chain over `n`
/// ids costs about `n²` steps: 1,200 chunks take 4 million). Past it the function is unread.
pub const MAX_EVALUATION_STEPS: u64 = 20_000_000;

/// Reads the chunk loading facts of one script. Cheap when the file has none of the anchors.
pub fn chunk_loading(bytes: &[u8]) -> ChunkLoading {
    let mut facts = ChunkLoading::default();
    // The runtime object (`__webpack_require__`, minified `r`): one that is given the chunk
    // loader `.e` and its handlers `.f` besides a chunk filename function `.u`. Minified
    // libraries reuse one-letter names (`e.u=+n[0]` in d3, `n.u=void 0` in signals), so each
    // candidate is read, and the first that is a filename function wins.
    let has = |property: &'static [u8]| -> Vec<&[u8]> {
        assignments(bytes, property)
            .map(|(object, _)| object)
            .collect()
    };
    let (loaders, handlers) = (has(b".e"), has(b".f"));
    let is_runtime = |object: &[u8]| loaders.contains(&object) && handlers.contains(&object);
    let mut unreadable = None;
    for (object, at) in assignments(bytes, b".u")
        .filter(|(o, _)| is_runtime(o))
        .take(MAX_RUNTIME_CANDIDATES)
    {
        match read_filename_function(bytes, at) {
            FilenameFunction::Read(files) => {
                facts.script_files = Some(files);
                break;
            }
            FilenameFunction::Unreadable => unreadable = unreadable.or(Some(object)),
            FilenameFunction::NotOne => {}
        }
    }
    if facts.script_files.is_none()
        && let Some(object) = unreadable
    {
        facts.unresolved.push(format!(
            "the chunk filename function ({}.u) could not be read",
            String::from_utf8_lossy(object)
        ));
    }
    for property in [&b".miniCssF"[..], b".k"] {
        for (_, at) in assignments(bytes, property)
            .filter(|(o, _)| is_runtime(o))
            .take(MAX_RUNTIME_CANDIDATES)
        {
            if facts.stylesheet_files.is_some() {
                break;
            }
            if let FilenameFunction::Read(files) = read_filename_function(bytes, at) {
                facts.stylesheet_files = Some(files);
            }
        }
    }
    if let Some((_, at)) = assignments(bytes, b".p").find(|(o, _)| is_runtime(o)) {
        let mut parser = Parser::new(bytes, at, MAX_CALL_BYTES);
        if let Some(Node::Str(path)) = parser.primary(0) {
            facts.public_path = Some(path);
        }
    }
    for property in [&b".f.remotes"[..], b".f.consumes"] {
        if assignments(bytes, property).any(|(object, _)| is_runtime(object)) {
            let what = if property == b".f.remotes" {
                "remote containers"
            } else {
                "shared modules"
            };
            facts.unresolved.push(format!(
                "module federation: the runtime chooses its {what} while the page runs"
            ));
        }
    }
    facts.next_routes = next_build_manifest(bytes);
    let is_webpack = facts.script_files.is_some()
        || memmem::find(bytes, b"webpackChunk").is_some()
        || memmem::find(bytes, b"__webpack_require__").is_some()
        || memmem::find(bytes, b"__webpack_ids__").is_some();
    if !is_webpack {
        return facts;
    }
    facts.declared = declared_chunks(bytes);
    // `.O(0,[ids],…)` (JSONP: wait for chunks the page loads) and `.X(0,[ids],…)` (the runtime
    // loads them): both are chunks the entry needs before it starts.
    for call in [&b".O("[..], b".X("] {
        for at in calls(bytes, call) {
            let mut parser = Parser::new(bytes, at, MAX_CALL_BYTES);
            if !parser.startup_marker() || !parser.eat(b",") {
                continue;
            }
            // The entry's start callback follows: it tells the runtime's call from any
            // `x.O(0, [1, 2], …)` of a library.
            if let Some(ids) = parser.id_list()
                && parser.eat(b",")
                && parser.function_follows()
            {
                push_ids(&mut facts.startup, ids);
            }
        }
    }
    for at in calls(bytes, b".e(") {
        let mut parser = Parser::new(bytes, at, MAX_CALL_BYTES);
        if let Some(id) = parser.id_literal()
            && parser.eat(b")")
        {
            // `r.e(1).then(r.bind(r, 4120))`: one chunk, then the module.
            if facts.module_chunks.len() < MAX_CHUNK_IDS
                && let Some(module) = parser.then_module()
            {
                facts.module_chunks.push((module, vec![id.clone()]));
            }
            push_ids(&mut facts.on_demand, vec![id]);
        }
    }
    // `Promise.all([r.e(1), r.e(2)]).then(r.bind(r, 4120))`: several chunks, then the module.
    for at in memmem::find_iter(bytes, b"Promise.all([").take(MAX_CANDIDATES) {
        if facts.module_chunks.len() >= MAX_CHUNK_IDS {
            break;
        }
        let mut parser = Parser::new(bytes, at + b"Promise.all([".len(), MAX_CALL_BYTES);
        let mut ids = Vec::new();
        while let Some(id) = parser.ensure_chunk_call() {
            ids.push(id);
            if !parser.eat(b",") {
                break;
            }
        }
        if !ids.is_empty()
            && parser.eat(b"]")
            && parser.eat(b")")
            && let Some(module) = parser.then_module()
        {
            facts.module_chunks.push((module, ids));
        }
    }
    facts.startup = distinct(std::mem::take(&mut facts.startup));
    facts.on_demand = distinct(std::mem::take(&mut facts.on_demand));
    facts
}

/// Appends `ids` up to [`MAX_CHUNK_IDS`]; [`distinct`] removes repeats once the list is whole
/// (a search per id would be quadratic in a file of many calls).
fn push_ids(list: &mut Vec<ChunkId>, ids: Vec<ChunkId>) {
    let room = MAX_CHUNK_IDS.saturating_sub(list.len());
    list.extend(ids.into_iter().take(room));
}

/// `ids` without repeats, in first-seen order.
fn distinct(ids: Vec<ChunkId>) -> Vec<ChunkId> {
    let mut seen = foldhash::HashSet::default();
    ids.into_iter()
        .filter(|id| seen.insert(id.clone()))
        .collect()
}

/// The identifier that ends right before `end`, if it is a whole expression (not a property
/// `a.b`).
fn object_before(bytes: &[u8], end: usize) -> Option<&[u8]> {
    let start = bytes[..end]
        .iter()
        .rposition(|&b| !is_ascii_name_byte(b))
        .map_or(0, |i| i + 1);
    let object = &bytes[start..end];
    let plain = !object.is_empty()
        && !object[0].is_ascii_digit()
        && (start == 0 || bytes[start - 1] != b'.');
    plain.then_some(object)
}

/// Every `X<property> = …` (not `==`, not `=>`): the object `X` and where the value starts.
fn assignments<'a>(
    bytes: &'a [u8],
    property: &'a [u8],
) -> impl Iterator<Item = (&'a [u8], usize)> + 'a {
    memmem::find_iter(bytes, property)
        .take(MAX_CANDIDATES)
        .filter_map(move |at| {
            let after = at + property.len();
            if bytes.get(after).is_some_and(|&b| is_ascii_name_byte(b)) {
                return None;
            }
            let object = object_before(bytes, at)?;
            let mut position = after;
            while bytes.get(position).is_some_and(|b| b.is_ascii_whitespace()) {
                position += 1;
            }
            let is_assignment = bytes.get(position) == Some(&b'=')
                && !matches!(bytes.get(position + 1), Some(b'=' | b'>'));
            is_assignment.then_some((object, position + 1))
        })
}

/// Every `X.name(` call: where its arguments start.
fn calls<'a>(bytes: &'a [u8], call: &'a [u8]) -> impl Iterator<Item = usize> + 'a {
    memmem::find_iter(bytes, call)
        .take(MAX_CANDIDATES)
        .filter(move |&at| object_before(bytes, at).is_some())
        .map(move |at| at + call.len())
}

/// Chunk ids registered by the file: `(self.webpackChunkX = …).push([[179, 42], {…}])` (JSONP
/// chunks) and `__webpack_ids__ = [179]` (ES module chunks).
fn declared_chunks(bytes: &[u8]) -> Vec<ChunkId> {
    let mut declared = Vec::new();
    for at in memmem::find_iter(bytes, b".push([").take(MAX_CANDIDATES) {
        let mut parser = Parser::new(bytes, at + b".push([".len(), MAX_CALL_BYTES);
        // The modules that follow the ids tell a chunk from any array of arrays being pushed.
        if let Some(ids) = parser.id_list()
            && parser.eat(b",")
            && parser.peek() == Some(b'{')
        {
            push_ids(&mut declared, ids);
        }
    }
    for at in memmem::find_iter(bytes, b"__webpack_ids__").take(MAX_CANDIDATES) {
        let mut parser = Parser::new(bytes, at + b"__webpack_ids__".len(), MAX_CALL_BYTES);
        if parser.eat(b"=")
            && let Some(ids) = parser.id_list()
        {
            push_ids(&mut declared, ids);
        }
    }
    distinct(declared)
}

/// Next.js's `self.__BUILD_MANIFEST = {…}` (or `= function(a, b){return {…}}(x, y)`, how it
/// is minified to share repeated strings): every route (a key starting with `/`) with its files.
fn next_build_manifest(bytes: &[u8]) -> Vec<(String, Vec<String>)> {
    let Some(at) = memmem::find(bytes, b"__BUILD_MANIFEST") else {
        return Vec::new();
    };
    let mut parser = Parser::new(bytes, at + b"__BUILD_MANIFEST".len(), MAX_EXPRESSION_BYTES);
    if !parser.eat(b"=") {
        return Vec::new();
    }
    let Some(node) = parser.assignment(0) else {
        return Vec::new();
    };
    let steps = Cell::new(MAX_EVALUATION_STEPS);
    let Some(Value::Object(properties)) = evaluate(&node, &Scope::default(), &steps, 0) else {
        return Vec::new();
    };
    properties
        .into_iter()
        .filter(|(route, _)| route.starts_with('/'))
        .filter_map(|(route, files)| match files {
            Value::Array(files) => Some((
                route,
                files
                    .into_iter()
                    .filter_map(|file| match file {
                        Value::Str(file) => Some(file),
                        _ => None,
                    })
                    .collect(),
            )),
            _ => None,
        })
        .collect()
}

/// What a `.u = …` assignment turned out to be.
enum FilenameFunction {
    Read(ChunkFilenames),
    /// A one-parameter function that builds script file names (a `.js` string is in its first
    /// kilobyte) which could not be evaluated: a runtime this reader does not understand.
    Unreadable,
    /// Anything else: some library's property of the same name.
    NotOne,
}

/// Reads `e => …` / `function(e){return …}` at `at` and evaluates it for every chunk id it
/// names.
fn read_filename_function(bytes: &[u8], at: usize) -> FilenameFunction {
    let head = &bytes[at.min(bytes.len())..bytes.len().min(at + 1024)];
    let names_scripts = [&b".js\""[..], b".js'", b".js`", b".mjs\""]
        .iter()
        .any(|suffix| memmem::find(head, suffix).is_some());
    let function_start = {
        let mut probe = Parser::new(bytes, at, MAX_CALL_BYTES);
        probe.arrow_params().is_some() || {
            let mut probe = Parser::new(bytes, at, MAX_CALL_BYTES);
            probe.eat(b"function")
        }
    };
    match evaluate_filename_function(bytes, at) {
        Some(files) => FilenameFunction::Read(files),
        None if function_start && names_scripts => FilenameFunction::Unreadable,
        None => FilenameFunction::NotOne,
    }
}

fn evaluate_filename_function(bytes: &[u8], at: usize) -> Option<ChunkFilenames> {
    let mut parser = Parser::new(bytes, at, MAX_EXPRESSION_BYTES);
    let Node::Function { params, body } = parser.assignment(0)? else {
        return None;
    };
    let [param] = params.as_slice() else {
        return None;
    };
    let mut ids = Vec::new();
    collect_ids(&body, &mut ids, 0);
    ids.sort();
    ids.dedup();
    ids.truncate(MAX_CHUNK_IDS);
    let steps = Cell::new(MAX_EVALUATION_STEPS);
    let file_for = |id: Value| -> Option<String> {
        let scope = Scope {
            bindings: vec![(param.clone(), id)],
        };
        match evaluate(&body, &scope, &steps, 0)? {
            Value::Str(file) if !file.is_empty() => Some(file),
            _ => None,
        }
    };
    let by_id: Vec<(ChunkId, String)> = ids
        .into_iter()
        .filter_map(|id| {
            let value = id_value(&id);
            file_for(value).map(|file| (id, file))
        })
        .collect();
    // An id no map names: the function may still give a file for it (`"js/" + e + ".js"`).
    const PLACEHOLDER: &str = "\u{0}chunk-id\u{0}";
    let pattern = file_for(Value::Str(PLACEHOLDER.to_string())).and_then(|file| {
        let (prefix, suffix) = file.split_once(PLACEHOLDER)?;
        (!suffix.contains(PLACEHOLDER)).then(|| (prefix.to_string(), suffix.to_string()))
    });
    // Out of steps, some ids went unevaluated: a partial map would pass for a whole one.
    if steps.get() == 0 || (by_id.is_empty() && pattern.is_none()) {
        return None;
    }
    Some(ChunkFilenames { by_id, pattern })
}

/// A chunk id as the runtime passes it: a number for numeric ids, else a string.
fn id_value(id: &str) -> Value {
    if is_canonical_number(id) {
        Value::Num(id.to_string())
    } else {
        Value::Str(id.to_string())
    }
}

fn is_canonical_number(text: &str) -> bool {
    !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'))
}

/// Every id a filename function names: keys of its maps and values it compares the id with.
fn collect_ids(node: &Node, ids: &mut Vec<ChunkId>, depth: usize) {
    if depth > MAX_NESTING || ids.len() > MAX_CHUNK_IDS {
        return;
    }
    let depth = depth + 1;
    match node {
        Node::Object(properties) => {
            for (key, value) in properties {
                ids.push(key.clone());
                collect_ids(value, ids, depth);
            }
        }
        Node::Equal(left, right) => {
            for side in [left, right] {
                match &**side {
                    Node::Num(text) | Node::Str(text) => ids.push(text.clone()),
                    other => collect_ids(other, ids, depth),
                }
            }
        }
        Node::Add(left, right) | Node::Or(left, right) | Node::Index(left, right) => {
            collect_ids(left, ids, depth);
            collect_ids(right, ids, depth);
        }
        Node::Choice {
            branches,
            otherwise,
        } => {
            for (test, then) in branches {
                collect_ids(test, ids, depth);
                collect_ids(then, ids, depth);
            }
            collect_ids(otherwise, ids, depth);
        }
        Node::Not(inner) => collect_ids(inner, ids, depth),
        _ => {}
    }
}

/// The constant expressions runtimes and manifests are written in.
#[derive(Debug, Clone, PartialEq)]
enum Node {
    Str(String),
    /// A number as written in canonical decimal (`179`); other numbers are `Opaque`.
    Num(String),
    Undefined,
    Bool(bool),
    /// A value the parser read but cannot know (`NaN`, `1e-4`, `null`): fine inside data,
    /// never a file name.
    Opaque,
    Ident(String),
    Object(Vec<(String, Node)>),
    Array(Vec<Node>),
    Add(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    Equal(Box<Node>, Box<Node>),
    Not(Box<Node>),
    /// `a ? b : c ? d : e`, flattened: `[(a, b), (c, d)]` otherwise `e`.
    Choice {
        branches: Vec<(Node, Node)>,
        otherwise: Box<Node>,
    },
    Index(Box<Node>, Box<Node>),
    Function {
        params: Vec<String>,
        body: Box<Node>,
    },
    Call(Box<Node>, Vec<Node>),
}

#[derive(Debug, Clone, PartialEq)]
enum Value {
    Str(String),
    Num(String),
    Undefined,
    Bool(bool),
    Opaque,
    Object(Vec<(String, Value)>),
    Array(Vec<Value>),
}

impl Value {
    fn truthy(&self) -> Option<bool> {
        match self {
            Value::Str(text) => Some(!text.is_empty()),
            Value::Num(text) => Some(text != "0"),
            Value::Undefined => Some(false),
            Value::Bool(value) => Some(*value),
            Value::Object(_) | Value::Array(_) => Some(true),
            Value::Opaque => None,
        }
    }

    /// The property key a value names (`o[179]` is `o["179"]`).
    fn key(&self) -> Option<String> {
        match self {
            Value::Str(text) | Value::Num(text) => Some(text.clone()),
            _ => None,
        }
    }
}

#[derive(Default)]
struct Scope {
    bindings: Vec<(String, Value)>,
}

/// Evaluates `node`; `None` for anything whose value cannot be known (an unknown variable,
/// `undefined` joined into a string, arithmetic).
fn evaluate(node: &Node, scope: &Scope, steps: &Cell<u64>, depth: usize) -> Option<Value> {
    if depth > MAX_NESTING || steps.get() == 0 {
        return None;
    }
    steps.set(steps.get() - 1);
    let depth = depth + 1;
    Some(match node {
        Node::Str(text) => Value::Str(text.clone()),
        Node::Num(text) => Value::Num(text.clone()),
        Node::Undefined => Value::Undefined,
        Node::Bool(value) => Value::Bool(*value),
        Node::Opaque => Value::Opaque,
        Node::Ident(name) => scope
            .bindings
            .iter()
            .rev()
            .find(|(bound, _)| bound == name)
            .map(|(_, value)| value.clone())?,
        Node::Object(properties) => Value::Object(
            properties
                .iter()
                // Data beside the part asked for may be anything (`has: someCheck`): unknown.
                .map(|(key, value)| {
                    let value = evaluate(value, scope, steps, depth).unwrap_or(Value::Opaque);
                    (key.clone(), value)
                })
                .collect(),
        ),
        Node::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| evaluate(item, scope, steps, depth).unwrap_or(Value::Opaque))
                .collect(),
        ),
        Node::Add(left, right) => {
            match (
                evaluate(left, scope, steps, depth)?,
                evaluate(right, scope, steps, depth)?,
            ) {
                (Value::Str(a), Value::Str(b) | Value::Num(b)) | (Value::Num(a), Value::Str(b)) => {
                    Value::Str(a + &b)
                }
                // `"x" + undefined` is a file no build writes: the id has no file.
                _ => return None,
            }
        }
        Node::Or(left, right) => {
            let left = evaluate(left, scope, steps, depth)?;
            if left.truthy()? {
                left
            } else {
                evaluate(right, scope, steps, depth)?
            }
        }
        Node::Equal(left, right) => {
            let left = evaluate(left, scope, steps, depth)?;
            let right = evaluate(right, scope, steps, depth)?;
            if left == Value::Opaque || right == Value::Opaque {
                return None;
            }
            Value::Bool(left == right)
        }
        Node::Not(inner) => Value::Bool(!evaluate(inner, scope, steps, depth)?.truthy()?),
        Node::Choice {
            branches,
            otherwise,
        } => {
            for (test, then) in branches {
                if evaluate(test, scope, steps, depth)?.truthy()? {
                    return evaluate(then, scope, steps, depth);
                }
            }
            evaluate(otherwise, scope, steps, depth)?
        }
        Node::Index(object, key) => {
            let key = evaluate(key, scope, steps, depth)?.key()?;
            // A map literal indexed by the id: evaluate only the property asked for.
            if let Node::Object(properties) = &**object {
                return match properties.iter().rev().find(|(name, _)| *name == key) {
                    Some((_, value)) => evaluate(value, scope, steps, depth),
                    None => Some(Value::Undefined),
                };
            }
            match evaluate(object, scope, steps, depth)? {
                Value::Object(properties) => properties
                    .into_iter()
                    .rev()
                    .find(|(name, _)| *name == key)
                    .map_or(Value::Undefined, |(_, value)| value),
                _ => return None,
            }
        }
        Node::Function { .. } => Value::Opaque,
        Node::Call(callee, arguments) => {
            let Node::Function { params, body } = &**callee else {
                return None;
            };
            let mut inner = Scope {
                bindings: scope.bindings.clone(),
            };
            for (index, param) in params.iter().enumerate() {
                let value = match arguments.get(index) {
                    Some(argument) => evaluate(argument, scope, steps, depth)?,
                    None => Value::Undefined,
                };
                inner.bindings.push((param.clone(), value));
            }
            evaluate(body, &inner, steps, depth)?
        }
    })
}

/// A recursive-descent reader of constant JavaScript expressions, starting anywhere in a file
/// and stopping where the expression ends. Every method returns `None` (or `false`) on input it
/// does not read; nothing panics, and no read goes past [`MAX_EXPRESSION_BYTES`] from the start.
struct Parser<'a> {
    bytes: &'a [u8],
    position: usize,
    end: usize,
}

impl<'a> Parser<'a> {
    /// A parser of the expression at `start` that reads at most `limit` bytes.
    fn new(bytes: &'a [u8], start: usize, limit: usize) -> Parser<'a> {
        Parser {
            bytes,
            position: start.min(bytes.len()),
            end: bytes.len().min(start.saturating_add(limit)),
        }
    }

    fn skip_trivia(&mut self) {
        while self.position < self.end {
            let rest = &self.bytes[self.position..self.end];
            if rest[0].is_ascii_whitespace() {
                self.position += 1;
            } else if rest.starts_with(b"/*") {
                self.position = match memmem::find(&rest[2..], b"*/") {
                    Some(close) => self.position + 2 + close + 2,
                    None => self.end,
                };
            } else if rest.starts_with(b"//") {
                self.position = match memchr::memchr(b'\n', rest) {
                    Some(newline) => self.position + newline,
                    None => self.end,
                };
            } else {
                return;
            }
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip_trivia();
        (self.position < self.end).then(|| self.bytes[self.position])
    }

    fn rest(&self) -> &'a [u8] {
        &self.bytes[self.position..self.end]
    }

    /// Consumes `token` if it comes next (a word only when not followed by an identifier byte).
    fn eat(&mut self, token: &[u8]) -> bool {
        self.skip_trivia();
        let rest = self.rest();
        if !rest.starts_with(token) {
            return false;
        }
        let word = token.last().is_some_and(|&b| is_ascii_name_byte(b));
        if word
            && rest
                .get(token.len())
                .is_some_and(|&b| is_ascii_name_byte(b))
        {
            return false;
        }
        // `=` must not be the start of `==` or `=>`, nor `|` of `||`, when asked alone.
        if token == b"=" && matches!(rest.get(1), Some(b'=' | b'>')) {
            return false;
        }
        self.position += token.len();
        true
    }

    fn identifier(&mut self) -> Option<String> {
        self.skip_trivia();
        let rest = self.rest();
        let length = rest.iter().take_while(|&&b| is_ascii_name_byte(b)).count();
        if length == 0 || rest[0].is_ascii_digit() {
            return None;
        }
        self.position += length;
        Some(String::from_utf8_lossy(&rest[..length]).into_owned())
    }

    /// `r.e(123)`: the id of a chunk loaded on demand.
    fn ensure_chunk_call(&mut self) -> Option<ChunkId> {
        self.identifier()?;
        if !(self.eat(b".") && self.eat(b"e") && self.eat(b"(")) {
            return None;
        }
        let id = self.id_literal()?;
        self.eat(b")").then_some(id)
    }

    /// `.then(r.bind(r, 4120))` or `.then(r.t.bind(r, 4120, 23))`: the module required once
    /// the chunks are in.
    fn then_module(&mut self) -> Option<String> {
        if !(self.eat(b".") && self.eat(b"then") && self.eat(b"(")) {
            return None;
        }
        self.identifier()?;
        self.eat(b".");
        if self.eat(b"t") {
            self.eat(b".");
        }
        if !(self.eat(b"bind") && self.eat(b"(")) {
            return None;
        }
        self.identifier()?;
        if !self.eat(b",") {
            return None;
        }
        self.id_literal()
    }

    /// Whether a function expression (`() => …`, `e => …`, `function …`) starts here.
    fn function_follows(&mut self) -> bool {
        let start = self.position;
        let found = self.arrow_params().is_some() || self.eat(b"function");
        self.position = start;
        found
    }

    /// `0`, `void 0`, `undefined` or `null`: the first argument of a start-up `.O(…)`/`.X(…)`.
    fn startup_marker(&mut self) -> bool {
        self.eat(b"0")
            || (self.eat(b"void") && self.eat(b"0"))
            || self.eat(b"undefined")
            || self.eat(b"null")
    }

    /// A chunk id literal: a number or a string.
    fn id_literal(&mut self) -> Option<ChunkId> {
        match self.primary(MAX_NESTING)? {
            Node::Num(id) | Node::Str(id) => Some(id),
            _ => None,
        }
    }

    /// `[179, "vendors"]`.
    fn id_list(&mut self) -> Option<Vec<ChunkId>> {
        if !self.eat(b"[") {
            return None;
        }
        let mut ids = Vec::new();
        loop {
            if self.eat(b"]") {
                return Some(ids);
            }
            let id = self.id_literal()?;
            if ids.len() < MAX_CHUNK_IDS {
                ids.push(id);
            }
            if !self.eat(b",") && self.peek() != Some(b']') {
                return None;
            }
        }
    }

    /// An expression without the comma operator.
    fn assignment(&mut self, depth: usize) -> Option<Node> {
        if depth > MAX_NESTING {
            return None;
        }
        // `e => …` and `(e, t) => …`.
        let start = self.position;
        if let Some(params) = self.arrow_params() {
            let body = if self.peek() == Some(b'{') {
                self.block_body(depth + 1)?
            } else {
                self.assignment(depth + 1)?
            };
            return Some(Node::Function {
                params,
                body: Box::new(body),
            });
        }
        self.position = start;
        self.conditional(depth)
    }

    fn arrow_params(&mut self) -> Option<Vec<String>> {
        let params = if self.eat(b"(") {
            let mut params = Vec::new();
            while !self.eat(b")") {
                params.push(self.identifier()?);
                if !self.eat(b",") && self.peek() != Some(b')') {
                    return None;
                }
            }
            params
        } else {
            vec![self.identifier()?]
        };
        self.eat(b"=>").then_some(params)
    }

    /// `{ return x; }`: the only function body a runtime's filename function has.
    fn block_body(&mut self, depth: usize) -> Option<Node> {
        if !(self.eat(b"{") && self.eat(b"return")) {
            return None;
        }
        let value = self.expression(depth)?;
        self.eat(b";");
        self.eat(b"}").then_some(value)
    }

    /// An expression, including `a, b` (whose value is `b`).
    fn expression(&mut self, depth: usize) -> Option<Node> {
        let mut value = self.assignment(depth)?;
        while self.eat(b",") {
            value = self.assignment(depth)?;
        }
        Some(value)
    }

    fn conditional(&mut self, depth: usize) -> Option<Node> {
        let mut branches = Vec::new();
        loop {
            let test = self.or(depth)?;
            if !self.eat(b"?") {
                return Some(if branches.is_empty() {
                    test
                } else {
                    Node::Choice {
                        branches,
                        otherwise: Box::new(test),
                    }
                });
            }
            let then = self.assignment(depth + 1)?;
            if !self.eat(b":") {
                return None;
            }
            branches.push((test, then));
        }
    }

    fn or(&mut self, depth: usize) -> Option<Node> {
        let mut left = self.equality(depth)?;
        while self.eat(b"||") {
            let right = self.equality(depth)?;
            left = Node::Or(Box::new(left), Box::new(right));
        }
        Some(left)
    }

    fn equality(&mut self, depth: usize) -> Option<Node> {
        let left = self.additive(depth)?;
        if self.eat(b"===") || self.eat(b"==") {
            let right = self.additive(depth)?;
            return Some(Node::Equal(Box::new(left), Box::new(right)));
        }
        if self.eat(b"!==") || self.eat(b"!=") {
            let right = self.additive(depth)?;
            return Some(Node::Not(Box::new(Node::Equal(
                Box::new(left),
                Box::new(right),
            ))));
        }
        Some(left)
    }

    fn additive(&mut self, depth: usize) -> Option<Node> {
        let mut left = self.unary(depth)?;
        loop {
            self.skip_trivia();
            // `+` but not `++` or `+=`.
            if self.rest().starts_with(b"+") && !matches!(self.rest().get(1), Some(b'+' | b'=')) {
                self.position += 1;
                let right = self.unary(depth)?;
                left = Node::Add(Box::new(left), Box::new(right));
            } else {
                return Some(left);
            }
        }
    }

    fn unary(&mut self, depth: usize) -> Option<Node> {
        if depth > MAX_NESTING {
            return None;
        }
        if self.eat(b"void") {
            self.unary(depth + 1)?;
            return Some(Node::Undefined);
        }
        self.skip_trivia();
        if self.rest().starts_with(b"!") && !self.rest().starts_with(b"!=") {
            self.position += 1;
            return Some(Node::Not(Box::new(self.unary(depth + 1)?)));
        }
        if self.rest().starts_with(b"-") && !self.rest().starts_with(b"--") {
            self.position += 1;
            self.unary(depth + 1)?;
            return Some(Node::Opaque);
        }
        self.postfix(depth)
    }

    fn postfix(&mut self, depth: usize) -> Option<Node> {
        let mut value = self.primary(depth)?;
        loop {
            if self.eat(b"[") {
                let key = self.expression(depth + 1)?;
                if !self.eat(b"]") {
                    return None;
                }
                value = Node::Index(Box::new(value), Box::new(key));
            } else if self.eat(b"(") {
                let mut arguments = Vec::new();
                while !self.eat(b")") {
                    arguments.push(self.assignment(depth + 1)?);
                    if !self.eat(b",") && self.peek() != Some(b')') {
                        return None;
                    }
                }
                value = Node::Call(Box::new(value), arguments);
            } else {
                return Some(value);
            }
        }
    }

    fn primary(&mut self, depth: usize) -> Option<Node> {
        if depth > MAX_NESTING {
            return None;
        }
        let depth = depth + 1;
        match self.peek()? {
            b'"' | b'\'' => self.string().map(Node::Str),
            b'`' => self.template(),
            b'0'..=b'9' | b'.' => self.number(),
            b'(' => {
                self.position += 1;
                let value = self.expression(depth)?;
                self.eat(b")").then_some(value)
            }
            b'{' => self.object(depth),
            b'[' => {
                self.position += 1;
                let mut items = Vec::new();
                while !self.eat(b"]") {
                    items.push(self.assignment(depth)?);
                    if !self.eat(b",") && self.peek() != Some(b']') {
                        return None;
                    }
                }
                Some(Node::Array(items))
            }
            _ => {
                let word = self.identifier()?;
                Some(match word.as_str() {
                    "undefined" => Node::Undefined,
                    "null" | "NaN" | "Infinity" => Node::Opaque,
                    "true" => Node::Bool(true),
                    "false" => Node::Bool(false),
                    "function" => {
                        self.identifier();
                        if !self.eat(b"(") {
                            return None;
                        }
                        let mut params = Vec::new();
                        while !self.eat(b")") {
                            params.push(self.identifier()?);
                            if !self.eat(b",") && self.peek() != Some(b')') {
                                return None;
                            }
                        }
                        let body = self.block_body(depth)?;
                        Node::Function {
                            params,
                            body: Box::new(body),
                        }
                    }
                    _ => Node::Ident(word),
                })
            }
        }
    }

    fn number(&mut self) -> Option<Node> {
        let rest = self.rest();
        let length = rest
            .iter()
            .enumerate()
            .take_while(|&(i, &b)| {
                b.is_ascii_alphanumeric()
                    || b == b'.'
                    || b == b'_'
                    || ((b == b'+' || b == b'-') && i > 0 && matches!(rest[i - 1], b'e' | b'E'))
            })
            .count();
        if length == 0 {
            return None;
        }
        self.position += length;
        let text = String::from_utf8_lossy(&rest[..length]).into_owned();
        Some(if is_canonical_number(&text) {
            Node::Num(text)
        } else {
            Node::Opaque
        })
    }

    /// A quoted string, its escapes decoded.
    fn string(&mut self) -> Option<String> {
        let rest = self.rest();
        let quote = *rest.first()?;
        let mut value = Vec::new();
        let mut i = 1;
        loop {
            let byte = *rest.get(i)?;
            match byte {
                b'\n' | b'\r' => return None,
                b'\\' => {
                    let escaped = *rest.get(i + 1)?;
                    i += 2;
                    match escaped {
                        b'n' => value.push(b'\n'),
                        b't' => value.push(b'\t'),
                        b'r' => value.push(b'\r'),
                        b'0' => value.push(0),
                        b'x' | b'u' => {
                            let digits = if escaped == b'x' { 2 } else { 4 };
                            let hex = std::str::from_utf8(rest.get(i..i + digits)?).ok()?;
                            let code = u32::from_str_radix(hex, 16).ok()?;
                            let mut buffer = [0; 4];
                            value.extend_from_slice(
                                char::from_u32(code)?.encode_utf8(&mut buffer).as_bytes(),
                            );
                            i += digits;
                        }
                        b'\n' => {}
                        other => value.push(other),
                    }
                }
                _ if byte == quote => {
                    self.position += i + 1;
                    return String::from_utf8(value).ok();
                }
                _ => {
                    value.push(byte);
                    i += 1;
                }
            }
        }
    }

    /// `` `static/js/${e}.js` ``: its text parts joined with the (identifier) expressions.
    fn template(&mut self) -> Option<Node> {
        self.position += 1;
        let mut parts: Vec<Node> = Vec::new();
        let mut text = Vec::new();
        loop {
            let byte = *self.rest().first()?;
            match byte {
                b'`' => {
                    self.position += 1;
                    break;
                }
                b'\\' => return None,
                b'$' if self.rest().get(1) == Some(&b'{') => {
                    self.position += 2;
                    parts.push(Node::Str(
                        String::from_utf8(std::mem::take(&mut text)).ok()?,
                    ));
                    parts.push(Node::Ident(self.identifier()?));
                    if !self.eat(b"}") {
                        return None;
                    }
                }
                _ => {
                    text.push(byte);
                    self.position += 1;
                }
            }
        }
        parts.push(Node::Str(String::from_utf8(text).ok()?));
        parts
            .into_iter()
            .reduce(|left, right| Node::Add(Box::new(left), Box::new(right)))
    }

    fn object(&mut self, depth: usize) -> Option<Node> {
        self.position += 1;
        let mut properties = Vec::new();
        loop {
            if self.eat(b"}") {
                return Some(Node::Object(properties));
            }
            let key = match self.peek()? {
                b'"' | b'\'' => self.string()?,
                b'0'..=b'9' => match self.number()? {
                    Node::Num(text) => text,
                    _ => return None,
                },
                _ => self.identifier()?,
            };
            if !self.eat(b":") {
                return None;
            }
            let value = self.assignment(depth)?;
            properties.push((key, value));
            if !self.eat(b",") && self.peek() != Some(b'}') {
                return None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(loading: &ChunkLoading) -> Vec<(String, String)> {
        loading.script_files.as_ref().unwrap().by_id.clone()
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn reads_a_minified_runtime_with_name_and_hash_maps() {
        let runtime = br#"(()=>{var r={};r.f={},r.e=e=>Promise.all([]),r.u=e=>"static/chunks/"+(({860:"icons",4566:"8c30eb02"})[e]||e)+"."+({506:"4f04",860:"3cbf",4566:"5e0d"})[e]+".js",r.miniCssF=e=>"static/css/"+({1113:"81b1"})[e]+".css",r.p="/_next/",r.O=(t,a,n,o)=>{};var s=self.webpackChunk_N_E=self.webpackChunk_N_E||[]})();"#;
        let facts = chunk_loading(runtime);
        assert_eq!(
            files(&facts),
            pairs(&[
                ("4566", "static/chunks/8c30eb02.5e0d.js"),
                ("506", "static/chunks/506.4f04.js"),
                ("860", "static/chunks/icons.3cbf.js"),
            ])
        );
        assert_eq!(facts.script_files.unwrap().pattern, None);
        assert_eq!(
            facts.stylesheet_files.unwrap().by_id,
            pairs(&[("1113", "static/css/81b1.css")])
        );
        assert_eq!(facts.public_path.as_deref(), Some("/_next/"));
        assert!(facts.unresolved.is_empty());
    }

    #[test]
    fn reads_ternary_chains_function_bodies_and_templates() {
        let chain = br#"n.f={},n.e=e=>0,n.u=e=>9961===e?"static/js/9961.0cfc.chunk.js":8975===e?"worker.js":void 0,n.p="static-files/";"#;
        assert_eq!(
            files(&chunk_loading(chain)),
            pairs(&[
                ("8975", "worker.js"),
                ("9961", "static/js/9961.0cfc.chunk.js")
            ])
        );
        let function = br#"c.f={},c.e=function(e){},c.u=function(e){return({36961:"recorder"}[e]||e)+"."+{10106:"e6ab",36961:"77aa"}[e]+".js"},c.p="/frontend_latest/""#;
        assert_eq!(
            files(&chunk_loading(function)),
            pairs(&[("10106", "10106.e6ab.js"), ("36961", "recorder.77aa.js")])
        );
        let template = b"__webpack_require__.f = {};\n__webpack_require__.e = (chunkId) => {};\n__webpack_require__.u = (chunkId) => {\n  // named chunks\n  return `js/${chunkId}.chunk.js`;\n};";
        let facts = chunk_loading(template);
        let pattern = facts.script_files.unwrap();
        assert!(pattern.by_id.is_empty());
        assert_eq!(
            pattern.file("src_x_js").as_deref(),
            Some("js/src_x_js.chunk.js")
        );
        let jupyter = br#"__webpack_require__.f={},__webpack_require__.e=e=>1,__webpack_require__.u=e=>""+(5531===e?"jlab_core":e)+"."+({1014:"0733",5531:"aaaa"})[e]+".js""#;
        assert_eq!(
            files(&chunk_loading(jupyter)),
            pairs(&[("1014", "1014.0733.js"), ("5531", "jlab_core.aaaa.js")])
        );
    }

    #[test]
    fn reads_start_up_declared_and_on_demand_chunks() {
        let entry = br#"(self.webpackChunk_N_E=self.webpackChunk_N_E||[]).push([[3332],{1:(e,t,l)=>{Promise.all([l.e(12),l.e("vendors-x")]).then(l.bind(l,5));l.e(/*! import() */ 7).then(l.bind(l,8))}},e=>{e.O(0,[636,6593],()=>e(e.s=27420)),_N_E=e.O()}]);"#;
        let facts = chunk_loading(entry);
        assert_eq!(facts.declared, ["3332"]);
        assert_eq!(facts.startup, ["636", "6593"]);
        assert_eq!(facts.on_demand, ["12", "vendors-x", "7"]);
        assert_eq!(
            facts.module_chunks,
            vec![
                ("8".to_string(), vec!["7".to_string()]),
                (
                    "5".to_string(),
                    vec!["12".to_string(), "vendors-x".to_string()]
                ),
            ]
        );
        let runtime_in_main = b"var __webpack_exports__ = __webpack_require__.O(undefined, [\"vendors\", 592], () => (__webpack_require__(1234)));\n__webpack_exports__ = __webpack_require__.O(__webpack_exports__);";
        assert_eq!(chunk_loading(runtime_in_main).startup, ["vendors", "592"]);
        let module_chunk =
            b"export const __webpack_ids__=[179];export const __webpack_modules__={};";
        assert_eq!(chunk_loading(module_chunk).declared, ["179"]);
    }

    #[test]
    fn ignores_look_alikes() {
        // Start-up calls pass the entry's callback; a library's `x.O(0, [1, 2], v)` does not.
        let library = br#"var __webpack_require__;m.O(0,[1,2],v),m.X(void 0,[3],null);"#;
        assert!(chunk_loading(library).startup.is_empty());
        // Minified libraries reuse the runtime's one-letter names: d3's `e.u=+n[0]` beside
        // decimal.js's `e.e=` and `e.f=`, signals' `n.u=void 0` before the real runtime.
        let libraries = br#"function rq(e,t){return n?(e.u=+n[0],r):-1}e.e=r,e.f=c;function S(n){n.u=void 0,n.f=2}var __webpack_require__;n.f={},n.e=e=>1,n.u=e=>"js/"+{7:"a1"}[e]+".js""#;
        let facts = chunk_loading(libraries);
        assert!(facts.unresolved.is_empty(), "{:?}", facts.unresolved);
        assert_eq!(files(&facts), pairs(&[("7", "js/a1.js")]));
        // Not a runtime: `.u` without a chunk loader `.e`, data arrays, calls with variables.
        let code = br#"P.u=R.prototype;this.u=function(e){return"x"+e};a.push([[1,2],[3,4]]);t.e(n);x.O(a,[1])"#;
        let facts = chunk_loading(code);
        assert!(facts.is_empty(), "{facts:?}");
        let strings = br#"var __webpack_require__;s="r.f={},r.e=1,r.u=e=>\"a\"+e";"#;
        // Inside a string the function is still read: harmless, since only ids a page asks for
        // are looked up; what matters is that nothing panics and nothing is made up.
        let _ = chunk_loading(strings);
    }

    #[test]
    fn reports_what_it_cannot_read() {
        let computed =
            br#"r.f={},r.e=e=>1,r.u=e=>"js/"+e+"."+hashes[e]+".js",r.f.remotes=(e,t)=>{}"#;
        let facts = chunk_loading(computed);
        assert_eq!(facts.script_files, None);
        assert_eq!(facts.unresolved.len(), 2, "{:?}", facts.unresolved);
        assert!(facts.unresolved[0].contains("could not be read"));
        assert!(facts.unresolved[1].contains("module federation"));
    }

    #[test]
    fn reads_a_next_build_manifest_wrapped_in_a_function() {
        let manifest = br#"self.__BUILD_MANIFEST=function(e,r,t){return{__rewrites:{afterFiles:[],beforeFiles:[{has:void 0,source:"/x/:path+"}],fallback:[]},__routerFilterStatic:{numItems:0,errorRate:1e-4,numHashes:t,bitArray:[]},"/":[e,"static/chunks/pages/index-37.js"],"/about":["static/css/a.css",e,"static/chunks/pages/about-1.js"],sortedPages:["/","/_app"]}}("static/chunks/shared-9.js",1e-4,NaN),self.__BUILD_MANIFEST_CB&&self.__BUILD_MANIFEST_CB();"#;
        let facts = chunk_loading(manifest);
        assert_eq!(
            facts.next_routes,
            vec![
                (
                    "/".to_string(),
                    vec![
                        "static/chunks/shared-9.js".to_string(),
                        "static/chunks/pages/index-37.js".to_string()
                    ]
                ),
                (
                    "/about".to_string(),
                    vec![
                        "static/css/a.css".to_string(),
                        "static/chunks/shared-9.js".to_string(),
                        "static/chunks/pages/about-1.js".to_string()
                    ]
                ),
            ]
        );
    }

    #[test]
    fn every_prefix_of_a_runtime_and_entry_is_read_without_panicking() {
        let code = concat!(
            r#"(()=>{var r={};r.f={},r.e=e=>Promise.all([]),r.u=e=>"static/chunks/"+(({860:"icons"})[e]||e)+"."+({506:"4f04",860:"3cbf"})[e]+".js",r.miniCssF=e=>`static/css/${e}.css`,r.p="/_next/"})();"#,
            r#"(self.webpackChunk_N_E=self.webpackChunk_N_E||[]).push([[3332],{1:(e,t,l)=>{Promise.all([l.e(12),l.e("v")]).then(l.bind(l,5))}},e=>{e.O(0,[636,6593],()=>e(e.s=27420)),_N_E=e.O()}]);"#,
            r#"self.__BUILD_MANIFEST=function(e,r){return{"/":[e,"static/chunks/pages/index-37.js"],sortedPages:["/"]}}("static/chunks/s.js",1e-4);"#,
        );
        let whole = chunk_loading(code.as_bytes());
        assert_eq!(whole.startup, ["636", "6593"]);
        assert_eq!(whole.next_routes.len(), 1);
        for end in 0..code.len() {
            let _ = chunk_loading(&code.as_bytes()[..end]);
        }
    }

    #[test]
    fn hostile_input_is_bounded() {
        let deep = format!(
            "r.f={{}},r.e=1,r.u=e=>{}\"x\"{}",
            "(".repeat(100_000),
            ")".repeat(100_000)
        );
        assert_eq!(chunk_loading(deep.as_bytes()).script_files, None);
        // Many calls: linear, capped, repeats removed.
        let calls: String = (0..150_000)
            .map(|i| format!("n.e({}),", i % 120_000))
            .collect();
        let many = chunk_loading(format!("var __webpack_require__;{calls}").as_bytes());
        assert_eq!(many.on_demand.len(), 100_000);
        let chain = |ids: usize| {
            let chain: String = (0..ids).map(|i| format!("{i}===e?\"{i}.js\":")).collect();
            chunk_loading(format!("r.f={{}},r.e=1,r.u=e=>{chain}void 0").as_bytes())
        };
        assert_eq!(chain(1_500).script_files.unwrap().by_id.len(), 1_500);
        // Quadratic in the ids: past the step budget it is reported unread, not half read.
        let too_long = chain(20_000);
        assert_eq!(too_long.script_files, None);
        assert_eq!(too_long.unresolved.len(), 1);
        for cut in [
            "r.f={},r.e=1,r.u=e=>\"a",
            "r.f={},r.e=1,r.u=e=>({1:",
            "r.f={},r.e=1,r.u=",
            "x.O(0,[1,",
            ".push([[",
            "self.__BUILD_MANIFEST=function(",
            "r.f={},r.e=1,r.u=e=>`a${",
            "r.f={},r.e=1,r.u=e=>\"\\u12",
        ] {
            let _ = chunk_loading(cut.as_bytes());
        }
    }
}
