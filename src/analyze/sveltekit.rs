//! Reads what a SvelteKit build writes about the code a page starts with (see
//! [`crate::model::facts::sveltekit`]): the client manifest of its `app.js` and the
//! `kit.start(…)` call of a page's inline script.
//!
//! Both are generated code in a fixed shape, minified or not:
//!
//! ```js
//! const Bt=[()=>t(()=>import("../nodes/0.zfrqCKbs.js"),__vite__mapDeps([0,1,2]),import.meta.url), …],
//!   Ht={"/(app)":[9,[2]],"/auth":[53],"/(app)/c/[id]":[~24,[2],[3]], …};
//! export{…,Ht as dictionary,…,Bt as nodes,…};
//! ```
//!
//! A route's value is `[page, layouts, error pages]`; a page whose `load` runs on the server is
//! written `~n` (minifiers may fold it to `-n-1`), and a layout list may have holes (`[2,,4]`).
//! Anything else in those places means the text is not a manifest, and nothing is read.

use super::js_scan::is_ascii_name_byte;
use memchr::memmem;

pub use crate::model::facts::sveltekit::{
    SvelteKitManifest, SvelteKitNode, SvelteKitRoute, SvelteKitStart,
};

/// Nodes and routes read from one manifest at most (open-webui has 57 nodes and 56 routes).
pub const MAX_NODES: usize = 100_000;
pub const MAX_ROUTES: usize = 100_000;
/// Arrays nest at most this deep in a route's value (two levels are used).
const MAX_VALUE_DEPTH: usize = 4;

/// The client manifest `code` exports, if it is SvelteKit's `app.js`.
pub fn client_manifest(code: &[u8]) -> Option<SvelteKitManifest> {
    // Nearly every script is something else: one SIMD search decides.
    memmem::find(code, b"dictionary")?;
    let text = std::str::from_utf8(code).ok()?;
    let dictionary_at = exported_names(text, "dictionary")
        .into_iter()
        .flat_map(|name| definitions(text, &name, b'{'));
    let routes = dictionary_at
        .into_iter()
        .find_map(|at| read_dictionary(text, at))?;
    let dependencies = vite_dependency_list(text);
    let nodes = exported_names(text, "nodes")
        .into_iter()
        .flat_map(|name| definitions(text, &name, b'['))
        .find_map(|at| read_nodes(text, at, dependencies.as_deref()))?;
    Some(SvelteKitManifest { nodes, routes })
}

/// What a page's inline script says of SvelteKit's start, if it starts it: SvelteKit writes a
/// global `__sveltekit_<hash>` and calls `start` on the module it imports.
pub fn start(code: &[u8]) -> Option<SvelteKitStart> {
    memmem::find(code, b"__sveltekit_")?;
    memmem::find(code, b".start(")?;
    let node_ids = memmem::find(code, b"node_ids").and_then(|at| {
        let rest = &code[at + b"node_ids".len()..];
        let rest = skip_blanks(rest.strip_prefix(b"\"").unwrap_or(rest));
        let rest = skip_blanks(rest.strip_prefix(b":")?);
        let text = std::str::from_utf8(rest.strip_prefix(b"[")?).ok()?;
        let list = &text[..text.find(']')?];
        list.split(',')
            .map(|id| id.trim().parse::<u32>().ok())
            .collect::<Option<Vec<u32>>>()
    });
    Some(SvelteKitStart { node_ids })
}

fn skip_blanks(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    &bytes[start..]
}

/// The local names `code` may export as `exported`: `X` of `export{…X as nodes…}`, or of the
/// module namespace object a single-file build writes (`{…,nodes:X,…}`), and the name itself
/// (`export const nodes =`). Several, since other code writes the same shapes (SvelteKit's own
/// client destructures `{nodes:e,dictionary:n}`): the caller keeps the one that reads whole.
fn exported_names(code: &str, exported: &str) -> Vec<String> {
    const MAX_NAMES: usize = 16;
    let bytes = code.as_bytes();
    let mut names = Vec::new();
    let renamed = format!(" as {exported}");
    for (at, _) in code.match_indices(&renamed) {
        let after = bytes.get(at + renamed.len()).copied();
        if after.is_some_and(is_ascii_name_byte) {
            continue;
        }
        let before = code[..at].trim_end();
        let start = before
            .bytes()
            .rposition(|b| !is_ascii_name_byte(b))
            .map_or(0, |p| p + 1);
        names.push(before[start..].to_string());
    }
    let property = format!("{exported}:");
    for (at, _) in code.match_indices(&property) {
        if at == 0 || !matches!(bytes[at - 1], b',' | b'{') {
            continue;
        }
        let value = &code[at + property.len()..];
        let length = value.bytes().take_while(|&b| is_ascii_name_byte(b)).count();
        if matches!(value.as_bytes().get(length), Some(b',' | b'}')) {
            names.push(value[..length].to_string());
        }
    }
    names.push(exported.to_string());
    names.retain(|name| !name.is_empty() && !name.as_bytes()[0].is_ascii_digit());
    let mut seen = std::collections::BTreeSet::new();
    names.retain(|name| seen.insert(name.clone()));
    names.truncate(MAX_NAMES);
    names
}

/// Where `name = <opening>` is written with `name` a whole identifier: the offsets of the
/// opening bracket, at most a few.
fn definitions(code: &str, name: &str, opening: u8) -> Vec<usize> {
    const MAX_CANDIDATES: usize = 16;
    let bytes = code.as_bytes();
    memmem::find_iter(bytes, name.as_bytes())
        .filter(|&at| at == 0 || !is_ascii_name_byte(bytes[at - 1]) && bytes[at - 1] != b'.')
        .filter_map(|at| {
            let rest = &bytes[at + name.len()..];
            let after_name = skip_blanks(rest);
            let after_equals = skip_blanks(after_name.strip_prefix(b"=")?);
            // `==` is a comparison, not a definition.
            (after_equals.first() == Some(&opening) && after_name.get(1) != Some(&b'='))
                .then(|| bytes.len() - after_equals.len())
        })
        .take(MAX_CANDIDATES)
        .collect()
}

/// The end (exclusive) of the bracketed text opening at `at`, skipping string literals; `None`
/// when it does not close.
fn matching_close(bytes: &[u8], at: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut index = at;
    while index < bytes.len() {
        match bytes[index] {
            quote @ (b'"' | b'\'' | b'`') => index = string_end(bytes, index, quote)?,
            b'[' | b'{' | b'(' => depth += 1,
            b']' | b'}' | b')' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(index + 1);
                }
            }
            _ => {}
        }
        index += 1;
    }
    None
}

/// The offset of the quote closing the string literal opened at `at`.
fn string_end(bytes: &[u8], at: usize, quote: u8) -> Option<usize> {
    let mut index = at + 1;
    while index < bytes.len() {
        match bytes[index] {
            b'\\' => index += 2,
            b if b == quote => return Some(index),
            _ => index += 1,
        }
    }
    None
}

/// The elements of the array or object opening at `at`, split at its top-level commas.
fn elements(code: &str, at: usize) -> Option<Vec<&str>> {
    let bytes = code.as_bytes();
    let end = matching_close(bytes, at)?;
    let mut parts = Vec::new();
    let (mut depth, mut start, mut index) = (0usize, at + 1, at + 1);
    while index < end - 1 {
        match bytes[index] {
            quote @ (b'"' | b'\'' | b'`') => index = string_end(bytes, index, quote)?,
            b'[' | b'{' | b'(' => depth += 1,
            b']' | b'}' | b')' => depth = depth.checked_sub(1)?,
            b',' if depth == 0 => {
                parts.push(&code[start..index]);
                start = index + 1;
            }
            _ => {}
        }
        index += 1;
    }
    let last = &code[start..end - 1];
    if !last.trim().is_empty() {
        parts.push(last);
    }
    Some(parts)
}

/// The text of the string literal at the start of `text` (after blanks), unescaped only as far
/// as file names need (they hold no escapes).
fn leading_string(text: &str) -> Option<&str> {
    let text = text.trim_start();
    let quote = *text.as_bytes().first()?;
    if !matches!(quote, b'"' | b'\'' | b'`') {
        return None;
    }
    let end = string_end(text.as_bytes(), 0, quote)?;
    let inner = &text[1..end];
    (!inner.contains('\\') && !inner.contains("${")).then_some(inner)
}

/// Vite's shared list of preloaded files (`const __vite__mapDeps=(i,m=…,d=(m.f||(m.f=[…])))`),
/// which `__vite__mapDeps([0,1])` indexes.
fn vite_dependency_list(code: &str) -> Option<Vec<String>> {
    let at = code.find("__vite__mapDeps=")?;
    let list = at + code[at..].find("m.f=[")? + "m.f=".len();
    elements(code, list)?
        .into_iter()
        .map(|element| leading_string(element).map(str::to_string))
        .collect()
}

/// The nodes array opening at `at`: each element loads one module by `import("…")`.
fn read_nodes(
    code: &str,
    at: usize,
    dependencies: Option<&[String]>,
) -> Option<Vec<SvelteKitNode>> {
    let parts = elements(code, at)?;
    if parts.is_empty() || parts.len() > MAX_NODES {
        return None;
    }
    parts
        .into_iter()
        .map(|element| read_node(element, dependencies))
        .collect()
}

fn read_node(element: &str, dependencies: Option<&[String]>) -> Option<SvelteKitNode> {
    let Some(import) = element.find("import(") else {
        // A single-file build (`bundleStrategy: 'single'` or `'inline'`) holds every node:
        // `()=>p(()=>Promise.resolve().then(()=>n),void 0,import.meta.url)`.
        return element
            .contains("Promise.resolve()")
            .then(SvelteKitNode::default);
    };
    let literal = element[import + "import(".len()..].trim_start();
    let module = leading_string(literal)?.to_string();
    let module_length = module.len();
    // The helper's arguments follow the import's closing parenthesis: the files to preload
    // (`__vite__mapDeps([…])`, or a list written out), then `import.meta.url` when they are
    // relative to this file.
    let after_literal = &literal[module_length + 2..];
    let rest = after_literal.trim_start().strip_prefix(')')?.trim_start();
    let mut files: Vec<String> = Vec::new();
    let mut after_list = "";
    if let Some(rest) = rest.strip_prefix(',').map(str::trim_start) {
        if let Some(indices) = rest.strip_prefix("__vite__mapDeps(") {
            let open = indices.find('[')?;
            let close = indices.find(']')?;
            let all = dependencies?;
            for index in indices[open + 1..close]
                .split(',')
                .filter(|i| !i.trim().is_empty())
            {
                let index: usize = index.trim().parse().ok()?;
                files.push(all.get(index)?.clone());
            }
            after_list = &indices[close + 1..];
        } else if rest.starts_with('[') {
            let start = element.len() - rest.len();
            for item in elements(element, start)? {
                files.push(leading_string(item)?.to_string());
            }
            after_list = &element[matching_close(element.as_bytes(), start)?..];
        }
    }
    Some(SvelteKitNode {
        module: Some(module),
        stylesheets: files
            .into_iter()
            .filter(|file| file.ends_with(".css"))
            .collect(),
        relative: after_list.contains("import.meta.url"),
    })
}

/// The dictionary object opening at `at`: `"route id": [page, layouts, error pages]`.
fn read_dictionary(code: &str, at: usize) -> Option<Vec<SvelteKitRoute>> {
    let parts = elements(code, at)?;
    // An app has one route at least; an empty object is something else.
    if parts.is_empty() || parts.len() > MAX_ROUTES {
        return None;
    }
    parts
        .into_iter()
        .map(|entry| {
            let entry = entry.trim();
            let key_end = string_end(entry.as_bytes(), 0, *entry.as_bytes().first()?)?;
            let id = leading_string(entry)?;
            if !id.starts_with('/') {
                return None;
            }
            let value = entry[key_end + 1..].trim_start().strip_prefix(':')?.trim();
            let value = read_value(value.as_bytes(), 0)?;
            route(id, &value)
        })
        .collect()
}

/// A route's value as parsed: numbers (decoded from `~n`) and nested lists with holes.
#[derive(Debug)]
enum Value {
    Number(u32),
    List(Vec<Option<Value>>),
}

/// The value `bytes` holds whole, or `None`.
fn read_value(bytes: &[u8], depth: usize) -> Option<Value> {
    let (value, rest) = value_at(bytes, depth)?;
    skip_blanks(rest).is_empty().then_some(value)
}

fn value_at(bytes: &[u8], depth: usize) -> Option<(Value, &[u8])> {
    if depth > MAX_VALUE_DEPTH {
        return None;
    }
    let bytes = skip_blanks(bytes);
    match bytes.first()? {
        b'[' => {
            let mut items = Vec::new();
            let mut rest = skip_blanks(&bytes[1..]);
            if let Some(after) = rest.strip_prefix(b"]") {
                return Some((Value::List(items), after));
            }
            loop {
                rest = skip_blanks(rest);
                if matches!(rest.first(), Some(b',') | Some(b']')) {
                    items.push(None);
                } else {
                    let (item, after) = value_at(rest, depth + 1)?;
                    items.push(Some(item));
                    rest = skip_blanks(after);
                }
                match rest.first()? {
                    b',' => rest = &rest[1..],
                    b']' => return Some((Value::List(items), &rest[1..])),
                    _ => return None,
                }
            }
        }
        b'~' | b'-' | b'0'..=b'9' => {
            let (sign, digits) = match bytes[0] {
                b'~' | b'-' => (Some(bytes[0]), skip_blanks(&bytes[1..])),
                _ => (None, bytes),
            };
            let length = digits.iter().take_while(|b| b.is_ascii_digit()).count();
            let number: u32 = std::str::from_utf8(&digits[..length]).ok()?.parse().ok()?;
            // `~n` is a page whose data loads on the server; a minifier folds it to `-(n+1)`.
            let id = match sign {
                Some(b'-') => number.checked_sub(1)?,
                _ => number,
            };
            Some((Value::Number(id), &digits[length..]))
        }
        _ => None,
    }
}

/// The nodes of `[page, layouts, error pages]`, as SvelteKit's client parses it: layouts after
/// the root layout 0, the page, error pages after the root error page 1.
fn route(id: &str, value: &Value) -> Option<SvelteKitRoute> {
    let Value::List(items) = value else {
        return None;
    };
    let Some(Some(Value::Number(page))) = items.first() else {
        return None;
    };
    let list = |index: usize| -> Option<Vec<u32>> {
        match items.get(index) {
            None | Some(None) => Some(Vec::new()),
            Some(Some(Value::List(ids))) => Some(
                ids.iter()
                    .filter_map(|id| match id {
                        Some(Value::Number(n)) => Some(Some(*n)),
                        None => None,
                        Some(Value::List(_)) => Some(None),
                    })
                    .collect::<Option<Vec<u32>>>()?,
            ),
            Some(Some(Value::Number(_))) => None,
        }
    };
    let mut nodes = vec![0];
    nodes.extend(list(1)?);
    nodes.push(*page);
    nodes.push(1);
    nodes.extend(list(2)?);
    Some(SvelteKitRoute {
        id: id.to_string(),
        nodes,
    })
}

/// The route of `routes` that a client-rendered page at URL path `path` (`/`, `/about/`)
/// shows: the most specific route whose id matches it (groups `(name)` leave no segment;
/// `[x]` takes one segment, `[[x]]` zero or one, `[...x]` any number). `Err` says why none is
/// chosen.
pub fn route_for<'m>(
    routes: &'m [SvelteKitRoute],
    path: &str,
) -> Result<&'m SvelteKitRoute, String> {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let mut best: Vec<(&SvelteKitRoute, (usize, usize, usize))> = Vec::new();
    for route in routes {
        let pattern: Vec<&str> = route
            .id
            .split('/')
            .filter(|s| !s.is_empty() && !is_group(s))
            .collect();
        if pattern.len() > 64 || !matches(&pattern, &segments) {
            continue;
        }
        let count = |kind: SegmentKind| pattern.iter().filter(|s| segment_kind(s) == kind).count();
        let rank = (
            count(SegmentKind::Rest),
            count(SegmentKind::Optional),
            count(SegmentKind::Parameter),
        );
        match best.first() {
            Some((_, known)) if rank > *known => {}
            Some((_, known)) if rank == *known => best.push((route, rank)),
            _ => best = vec![(route, rank)],
        }
    }
    match best.as_slice() {
        [] => Err(format!("no route of the client manifest matches {path}")),
        [(one, _)] => Ok(one),
        [(first, _), rest @ ..] if rest.iter().all(|(r, _)| r.nodes == first.nodes) => Ok(first),
        several => Err(format!(
            "{} routes of the client manifest match {path} equally ({})",
            several.len(),
            several
                .iter()
                .map(|(r, _)| r.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// A layout group (`(app)`): it organises layouts and adds no segment to the URL.
fn is_group(segment: &str) -> bool {
    segment.starts_with('(') && segment.ends_with(')')
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SegmentKind {
    Static,
    Parameter,
    Optional,
    Rest,
}

fn segment_kind(segment: &str) -> SegmentKind {
    if segment.starts_with("[[") && segment.ends_with("]]") {
        SegmentKind::Optional
    } else if segment.starts_with("[...") && segment.ends_with(']') {
        SegmentKind::Rest
    } else if segment.contains('[') {
        SegmentKind::Parameter
    } else {
        SegmentKind::Static
    }
}

fn matches(pattern: &[&str], segments: &[&str]) -> bool {
    let Some((first, rest)) = pattern.split_first() else {
        return segments.is_empty();
    };
    match segment_kind(first) {
        SegmentKind::Static => segments
            .split_first()
            .is_some_and(|(segment, others)| segment == first && matches(rest, others)),
        SegmentKind::Parameter => segments
            .split_first()
            .is_some_and(|(_, others)| matches(rest, others)),
        SegmentKind::Optional => {
            matches(rest, segments)
                || segments
                    .split_first()
                    .is_some_and(|(_, others)| matches(rest, others))
        }
        SegmentKind::Rest => (0..=segments.len()).any(|taken| matches(rest, &segments[taken..])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIFIED: &str = r#"const __vite__mapDeps=(i,m=__vite__mapDeps,d=(m.f||(m.f=["../nodes/0.a.js","../chunks/x.js","../assets/0.a.css","../nodes/1.b.js","../nodes/2.c.js","../assets/2.c.css"])))=>i.map(i=>d[i]);
import{a as t}from"../chunks/x.js";const Bt=[()=>t(()=>import("../nodes/0.a.js"),__vite__mapDeps([0,1,2]),import.meta.url),()=>t(()=>import("../nodes/1.b.js"),__vite__mapDeps([3,1]),import.meta.url),()=>t(()=>import("../nodes/2.c.js"),__vite__mapDeps([4,1,5]),import.meta.url)],Gt=[],Ht={"/(app)":[~2,[,]],"/auth":[-3],"/c/[id]":[2,[2,,],[3]]};export{Ht as dictionary,Bt as nodes,Gt as server_loads};"#;

    #[test]
    fn reads_a_minified_client_manifest() {
        let manifest = client_manifest(MINIFIED.as_bytes()).expect("a manifest");
        assert_eq!(
            manifest
                .nodes
                .iter()
                .map(|n| n.module.as_deref().unwrap())
                .collect::<Vec<_>>(),
            ["../nodes/0.a.js", "../nodes/1.b.js", "../nodes/2.c.js"]
        );
        assert_eq!(manifest.nodes[0].stylesheets, ["../assets/0.a.css"]);
        assert!(manifest.nodes[1].stylesheets.is_empty());
        assert_eq!(manifest.nodes[2].stylesheets, ["../assets/2.c.css"]);
        assert!(manifest.nodes.iter().all(|n| n.relative));
        let routes: Vec<(&str, &[u32])> = manifest
            .routes
            .iter()
            .map(|r| (r.id.as_str(), r.nodes.as_slice()))
            .collect();
        assert_eq!(
            routes,
            [
                ("/(app)", &[0, 2, 1][..]),
                ("/auth", &[0, 2, 1][..]),
                ("/c/[id]", &[0, 2, 2, 1, 3][..]),
            ]
        );
    }

    #[test]
    fn reads_an_unminified_manifest_with_written_out_dependencies() {
        let code = r#"import { p } from "../chunks/preload.js";
export const nodes = [
	() => p(() => import("./nodes/0.js"), ["_app/immutable/nodes/0.js", "_app/immutable/assets/0.css"]),
	() => p(() => import("./nodes/1.js"), [])
];
export const server_loads = [];
export const dictionary = {
		"/": [~1],
		"/blog/[slug]": [1, [0]]
	};"#;
        let manifest = client_manifest(code.as_bytes()).expect("a manifest");
        assert_eq!(manifest.nodes[0].module.as_deref(), Some("./nodes/0.js"));
        assert_eq!(
            manifest.nodes[0].stylesheets,
            ["_app/immutable/assets/0.css"]
        );
        assert!(!manifest.nodes[0].relative);
        assert_eq!(manifest.routes[0].nodes, [0, 1, 1]);
        assert_eq!(manifest.routes[1].nodes, [0, 0, 1, 1]);
    }

    #[test]
    fn reads_a_single_file_build_whose_nodes_are_in_it() {
        let code = r#"const Su=[()=>Wt(()=>Promise.resolve().then(()=>Nu),void 0,import.meta.url),()=>Wt(()=>Promise.resolve().then(()=>qu),void 0,import.meta.url)],Tu={"/":[1],"/about":[~1]},Au=Object.freeze(Object.defineProperty({__proto__:null,decode:Mu,dictionary:Tu,nodes:Su,root:Eu},Symbol.toStringTag,{value:"Module"}));"#;
        let manifest = client_manifest(code.as_bytes()).expect("a manifest");
        assert_eq!(manifest.nodes, vec![SvelteKitNode::default(); 2]);
        assert_eq!(manifest.routes[1].nodes, [0, 1, 1]);
    }

    #[test]
    fn other_scripts_are_no_manifest() {
        for code in [
            "const dictionary={a:1};export{dictionary};",
            r#"const n=[1,2],d={"/":[0]};export{d as dictionary,n as nodes};"#,
            r#"const n=[()=>import("./a.js")],d={"/":["x"]};export{d as dictionary,n as nodes};"#,
            "var words = 'a dictionary of nodes';",
        ] {
            assert_eq!(client_manifest(code.as_bytes()), None, "{code}");
        }
    }

    #[test]
    fn reads_the_start_call_of_a_page() {
        let rendered = r#"{ __sveltekit_fxvmnx = { base: "" }; const element = document.currentScript.parentElement;
Promise.all([import("./a.js"), import("./b.js")]).then(([kit, app]) => { kit.start(app, element, { node_ids: [0, 3], data: [null,null], form: null, error: null }); }); }"#;
        assert_eq!(
            start(rendered.as_bytes()).unwrap().node_ids,
            Some(vec![0, 3])
        );
        let client_rendered = r#"{ __sveltekit_ju6y2j = { base: "" }; Promise.all([import("/a.js"), import("/b.js")]).then(([kit, app]) => { kit.start(app, element); }); }"#;
        assert_eq!(start(client_rendered.as_bytes()).unwrap().node_ids, None);
        assert_eq!(start(b"window.app.start(1)"), None);
    }

    fn routes(ids: &[&str]) -> Vec<SvelteKitRoute> {
        ids.iter()
            .enumerate()
            .map(|(n, id)| SvelteKitRoute {
                id: id.to_string(),
                nodes: vec![0, n as u32 + 2, 1],
            })
            .collect()
    }

    #[test]
    fn a_url_takes_the_most_specific_route() {
        let all = routes(&[
            "/(app)",
            "/(app)/c/[id]",
            "/[...rest]",
            "/about",
            "/[[lang]]/about",
        ]);
        assert_eq!(route_for(&all, "/").unwrap().id, "/(app)");
        assert_eq!(route_for(&all, "/c/42/").unwrap().id, "/(app)/c/[id]");
        assert_eq!(route_for(&all, "/about").unwrap().id, "/about");
        assert_eq!(route_for(&all, "/en/about").unwrap().id, "/[[lang]]/about");
        assert_eq!(route_for(&all, "/200.html").unwrap().id, "/[...rest]");
        let without_rest = routes(&["/(app)", "/about"]);
        assert!(route_for(&without_rest, "/200.html").is_err());
        let ambiguous = routes(&["/(a)/[x]", "/(b)/[y]"]);
        assert!(route_for(&ambiguous, "/z").unwrap_err().contains("equally"));
    }
}
