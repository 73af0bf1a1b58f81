//! The crate's data flows one way: scan → measure → analyze → site model → rules → report, with
//! the shared data model below every stage and the orchestrators (audit, fixers, check-url) on
//! top. This test reads the sources and fails when a module imports a later stage, or when
//! modules import each other in a circle (beyond two files of one stage).
//!
//! It reads `crate::…` paths in code (comments and `#[cfg(test)]` modules are left out: a test
//! may build its inputs with anything) and `super::…` paths, and maps each to the source file
//! that defines it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Each top-level module and its stage. A module may import modules of its own or an earlier
/// stage only.
const STAGES: &[(&str, &[&str])] = &[
    // Shared data and utilities that know no stage.
    (
        "model",
        &[
            "model", "error", "escape", "files", "atomic", "glob", "kind", "size", "imaging",
        ],
    ),
    // What the run is told: configuration, package knowledge, the baseline report.
    ("inputs", &["config", "knowledge", "baseline"]),
    ("scan", &["scan"]),
    ("measure", &["measure"]),
    ("analyze", &["analyze"]),
    ("site model", &["site", "pages", "composition", "origins"]),
    // Boxes of every page, from the analysis and the pages; read by the rules.
    ("layout", &["layout"]),
    ("rules", &["budget", "rules", "impact"]),
    ("report", &["report"]),
    ("audit", &["audit"]),
    // Built on the whole audit.
    ("on top", &["fix", "live", "init"]),
];

fn stage_of(module: &str) -> Option<usize> {
    STAGES
        .iter()
        .position(|(_, modules)| modules.contains(&module))
}

fn source_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            source_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a file without comments, string contents and `#[cfg(test)]` items.
fn code_only(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        if text[i..].starts_with("//") {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
        } else if text[i..].starts_with("/*") {
            let end = text[i + 2..]
                .find("*/")
                .map_or(bytes.len(), |e| i + 2 + e + 2);
            i = end;
        } else if bytes[i] == b'"' {
            // A string literal (raw strings with `#` are rare in this crate's imports and hold
            // no `crate::` paths that matter; they are skipped as far as the next quote).
            i += 1;
            while i < bytes.len() && bytes[i] != b'"' {
                if bytes[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else if bytes[i] == b'\''
            && i + 2 < bytes.len()
            && (bytes[i + 2] == b'\'' || bytes[i + 1] == b'\\')
        {
            // A char literal such as '"' or '\''.
            let end = text[i + 1..]
                .find('\'')
                .map_or(bytes.len(), |e| i + 1 + e + 1);
            let end = if bytes[i + 1] == b'\\' {
                text[i + 3..]
                    .find('\'')
                    .map_or(bytes.len(), |e| i + 3 + e + 1)
            } else {
                end
            };
            i = end;
        } else if text[i..].starts_with("#[cfg(test)]") {
            // Skip the attribute and the item after it (up to its matching closing brace, or
            // the end of a `;` item).
            i += "#[cfg(test)]".len();
            let mut depth = 0usize;
            while i < bytes.len() {
                match bytes[i] {
                    b'{' => depth += 1,
                    b'}' => {
                        depth -= 1;
                        if depth == 0 {
                            i += 1;
                            break;
                        }
                    }
                    b';' if depth == 0 => {
                        i += 1;
                        break;
                    }
                    _ => {}
                }
                i += 1;
            }
        } else {
            out.push(bytes[i] as char);
            i += 1;
        }
    }
    out
}

/// Every path a file names, as module segments from the crate root (`["analyze", "css", "X"]`).
fn referenced_paths(code: &str, own_module: &[String]) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    let bytes = code.as_bytes();
    let mut i = 0;
    while i < code.len() {
        let at_word_start = i == 0
            || !(bytes[i - 1].is_ascii_alphanumeric()
                || bytes[i - 1] == b'_'
                || bytes[i - 1] == b':');
        let prefix = if !at_word_start {
            None
        } else if code[i..].starts_with("crate::") {
            Some(("crate::".len(), Vec::new()))
        } else if code[i..].starts_with("super::") {
            let mut base = own_module.to_vec();
            let mut length = 0;
            while code[i + length..].starts_with("super::") {
                base.pop();
                length += "super::".len();
            }
            Some((length, base))
        } else {
            None
        };
        let Some((length, base)) = prefix else {
            i += 1;
            continue;
        };
        let start = i + length;
        let tail = &code[start..];
        if tail.starts_with('{') {
            // A group: `crate::{a, b::{c, d}}`: the first segment of each member.
            let mut depth = 0;
            let mut member = String::new();
            for c in tail.chars() {
                match c {
                    '{' => {
                        depth += 1;
                        if depth == 1 {
                            member.clear();
                            continue;
                        }
                    }
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            push_member(&mut paths, &base, &member);
                            break;
                        }
                    }
                    ',' if depth == 1 => {
                        push_member(&mut paths, &base, &member);
                        member.clear();
                        continue;
                    }
                    _ => {}
                }
                if depth >= 1 {
                    member.push(c);
                }
            }
        } else {
            let path: String = tail
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            let mut segments = base.clone();
            segments.extend(path.split("::").filter(|s| !s.is_empty()).map(String::from));
            paths.push(segments);
        }
        i = start;
    }
    paths
}

fn push_member(paths: &mut Vec<Vec<String>>, base: &[String], member: &str) {
    let member: String = member
        .trim()
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
        .collect();
    if member.is_empty() || member == "self" {
        return;
    }
    let mut segments = base.to_vec();
    segments.extend(
        member
            .split("::")
            .filter(|s| !s.is_empty())
            .map(String::from),
    );
    paths.push(segments);
}

/// The module path of a source file (`src/analyze/css.rs` → `["analyze", "css"]`).
fn module_of(file: &Path, src: &Path) -> Vec<String> {
    let relative = file.strip_prefix(src).unwrap().with_extension("");
    let mut segments: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if segments.last().is_some_and(|s| s == "mod") {
        segments.pop();
    }
    segments
}

/// The file that defines the longest prefix of `path`.
fn file_defining(path: &[String], files: &BTreeMap<Vec<String>, PathBuf>) -> Option<Vec<String>> {
    (1..=path.len())
        .rev()
        .map(|n| path[..n].to_vec())
        .find(|prefix| files.contains_key(prefix))
}

struct Graph {
    /// file module path → file module paths it imports.
    edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
}

fn graph() -> Graph {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut paths = Vec::new();
    source_files(&src, &mut paths);
    let files: BTreeMap<Vec<String>, PathBuf> = paths
        .iter()
        .map(|p| (module_of(p, &src), p.clone()))
        // The binary (main.rs, its command-line definitions in cli.rs and its progress display
        // in audit_progress.rs) sits on top of all.
        .filter(|(m, _)| {
            !m.is_empty() && !matches!(m[0].as_str(), "main" | "lib" | "cli" | "audit_progress")
        })
        .collect();
    let mut edges = BTreeMap::new();
    for (module, path) in &files {
        let text = std::fs::read_to_string(path).unwrap();
        // Test-only files (`#![cfg(test)]`, such as the rule tester, which runs a whole audit)
        // are not part of the flow.
        if text.contains("\n#![cfg(test)]") {
            continue;
        }
        let code = code_only(&text);
        let mut targets = BTreeSet::new();
        for reference in referenced_paths(&code, module) {
            if let Some(target) = file_defining(&reference, &files)
                && &target != module
            {
                targets.insert(target);
            }
        }
        edges.insert(module.clone(), targets);
    }
    Graph { edges }
}

#[test]
fn every_top_level_module_has_a_stage() {
    let graph = graph();
    let unplaced: BTreeSet<&String> = graph
        .edges
        .keys()
        .map(|m| &m[0])
        .filter(|m| stage_of(m).is_none())
        .collect();
    assert!(
        unplaced.is_empty(),
        "modules without a stage in tests/module_graph.rs: {unplaced:?}"
    );
}

#[test]
fn no_stage_imports_a_later_stage() {
    let graph = graph();
    let mut backwards = Vec::new();
    for (from, targets) in &graph.edges {
        let Some(from_stage) = stage_of(&from[0]) else {
            continue;
        };
        for to in targets {
            let Some(to_stage) = stage_of(&to[0]) else {
                continue;
            };
            if to_stage > from_stage {
                backwards.push(format!(
                    "{} ({}) imports {} ({})",
                    from.join("::"),
                    STAGES[from_stage].0,
                    to.join("::"),
                    STAGES[to_stage].0
                ));
            }
        }
    }
    assert!(
        backwards.is_empty(),
        "imports against the flow:\n{}",
        backwards.join("\n")
    );
}

/// Strongly connected components of the file graph (Tarjan).
fn cycles(edges: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>) -> Vec<Vec<Vec<String>>> {
    struct State<'a> {
        edges: &'a BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        index: BTreeMap<&'a Vec<String>, usize>,
        low: BTreeMap<&'a Vec<String>, usize>,
        stack: Vec<&'a Vec<String>>,
        on_stack: BTreeSet<&'a Vec<String>>,
        components: Vec<Vec<Vec<String>>>,
    }
    fn visit<'a>(state: &mut State<'a>, node: &'a Vec<String>) {
        let number = state.index.len();
        state.index.insert(node, number);
        state.low.insert(node, number);
        state.stack.push(node);
        state.on_stack.insert(node);
        let edges = state.edges;
        for next in edges.get(node).into_iter().flatten() {
            let Some((next, _)) = edges.get_key_value(next) else {
                continue;
            };
            if !state.index.contains_key(next) {
                visit(state, next);
                let low = state.low[next].min(state.low[node]);
                state.low.insert(node, low);
            } else if state.on_stack.contains(next) {
                let low = state.index[next].min(state.low[node]);
                state.low.insert(node, low);
            }
        }
        if state.low[node] == state.index[node] {
            let mut component = Vec::new();
            while let Some(member) = state.stack.pop() {
                state.on_stack.remove(member);
                component.push(member.clone());
                if member == node {
                    break;
                }
            }
            if component.len() > 1 {
                state.components.push(component);
            }
        }
    }
    let mut state = State {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        components: Vec::new(),
    };
    for node in edges.keys() {
        if !state.index.contains_key(node) {
            visit(&mut state, node);
        }
    }
    state.components
}

#[test]
fn no_import_cycle_beyond_two_files_of_one_stage() {
    let graph = graph();
    let mut problems = Vec::new();
    for component in cycles(&graph.edges) {
        let names: Vec<String> = component.iter().map(|m| m.join("::")).collect();
        let stages: BTreeSet<Option<usize>> = component.iter().map(|m| stage_of(&m[0])).collect();
        if component.len() > 2 || stages.len() > 1 {
            problems.push(names.join(" → "));
        }
    }
    assert!(
        problems.is_empty(),
        "import cycles:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_reader_sees_grouped_and_relative_imports() {
    let module = vec!["analyze".to_string(), "css".to_string()];
    let code = code_only(
        "use crate::{kind::Format, model::{facts, finding::Finding}};\n\
         // use crate::rules;\n\
         use super::url::Location;\n\
         fn f() { let _ = \"crate::report\"; crate::measure::IN_MEMORY_LIMIT }\n\
         #[cfg(test)]\nmod tests { use crate::audit; }\n",
    );
    let paths: Vec<String> = referenced_paths(&code, &module)
        .into_iter()
        .map(|p| p.join("::"))
        .collect();
    assert_eq!(
        paths,
        [
            "kind::Format",
            "model",
            "analyze::url::Location",
            "measure::IN_MEMORY_LIMIT"
        ]
    );
}
