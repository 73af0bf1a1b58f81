//! Finds polyfills and down-level transforms in a script, for `js/legacy-javascript`.
//!
//! The method is Lighthouse 12's `legacy-javascript` audit (its patterns are public; this is an
//! implementation of the same facts, not its code). For each polyfill of
//! `src/knowledge/legacy_javascript.json` that core-js provides (`Array.prototype.flat`), any of:
//!
//! - an assignment: `Array.prototype.flat = …`, `Array.prototype["flat"] = …`;
//! - `defineProperty(Array.prototype, "flat"`;
//! - an es-shims definition: `(Array.prototype, {flat: …}, {flat`;
//! - core-js 3's minified export table: `{target:"Array",proto:!0},{flat:`;
//! - core-js's module id in an unminified build: `es.array.flat"` or `es.array.flat.js"`;
//!
//! and for each transform a string of its runtime helper, which minifiers keep:
//! `Cannot call a class as a function` (classes), `Generator is already running` or
//! `regeneratorRuntime` (regenerator), `Invalid attempt to spread non-iterable instance`
//! (spread). With a source map, a polyfill the patterns missed is also found by a source whose
//! file is one of its modules (`…/es.error.cause.js`, `node_modules/focus-visible/…`).
//!
//! One literal search (Aho-Corasick) finds every place a pattern may start; each candidate is
//! then checked in a few bytes around it, so the cost is one pass over the file.

use super::js_scan::is_ascii_name_byte;
use foldhash::{HashMap, HashMapExt};
use std::sync::LazyLock;

use aho_corasick::AhoCorasick;

use crate::knowledge::legacy::LegacyData;
use crate::model::facts::legacy::{LegacyFacts, LegacySignal};
use crate::model::facts::location::Location;
use crate::model::facts::sourcemap::Attribution;

/// How far after `(Array.prototype,` an es-shims definition's second object may start (Lighthouse
/// allows the rest of the line, which in a minified bundle is the whole file; a real
/// `define(Object, {entries: r}, {entries: function…` spans a few dozen bytes).
pub const ES_SHIM_WINDOW: usize = 512;

/// How far after `{target:"Array"` the members of a core-js 3 export may start: the options
/// object (`proto:!0,forced:…`) holds at most a short inlined feature test.
pub const CORE_JS_EXPORT_WINDOW: usize = 1024;

/// Identifiers longer than this are not polyfilled members (`getOwnPropertyDescriptors` is 25).
const MAX_MEMBER_BYTES: usize = 64;

/// What a literal found by the automaton starts.
#[derive(Debug, Clone)]
enum Needle {
    /// `Object.` (or `Array.prototype.`): an assignment to a member follows.
    Member { object: String },
    /// `Object[`: an assignment to a quoted member follows.
    Bracket { object: String },
    /// `defineProperty(Object,`: a quoted member name follows.
    DefineProperty { object: String },
    /// `(Object,`: an es-shims definition may follow.
    EsShim { object: String },
    /// `{target:`: a core-js 3 export table.
    CoreJsTarget,
    /// `es.array.flat`: a core-js module id, with `"` or `.js"` after it.
    ModuleId { polyfill: usize },
    /// A string of a transform's runtime helper.
    Transform { transform: usize },
    /// `_classCallCheck`, counted for the class transform's estimate.
    ClassCallCheck,
    /// `.apply(void 0,`: counted for the spread transform's estimate when `_toConsumableArray`
    /// follows.
    SpreadApply,
    /// `regeneratorRuntime`: the transform, and counted when `.wrap`/`.awrap` follows.
    Regenerator { transform: usize },
}

struct Matcher {
    automaton: AhoCorasick,
    /// The strings searched for: what `needles` says each found one means.
    literals: Vec<String>,
    needles: Vec<Needle>,
    /// object → member → polyfill index, for the patterns' checks.
    members: HashMap<String, HashMap<String, usize>>,
    /// Constructor → its prototype's object name (`Array` → `Array.prototype`), for core-js's
    /// export tables, which name the constructor.
    prototypes: HashMap<String, String>,
    /// Module id (`es.array.flat`) or package name (`focus-visible`) → polyfill index, for
    /// source maps.
    modules: HashMap<String, usize>,
}

/// The transforms' helper strings, each with the transform it marks (by name in the data).
const TRANSFORM_STRINGS: &[(&str, &str)] = &[
    (
        "Cannot call a class as a function",
        "@babel/plugin-transform-classes",
    ),
    (
        "Generator is already running",
        "@babel/plugin-transform-regenerator",
    ),
    (
        "Invalid attempt to spread non-iterable instance",
        "@babel/plugin-transform-spread",
    ),
];

static MATCHER: LazyLock<Matcher> = LazyLock::new(|| Matcher::new(LegacyData::built_in()));

impl Matcher {
    fn new(data: &LegacyData) -> Matcher {
        let mut literals: Vec<String> = Vec::new();
        let mut needles = Vec::new();
        let mut members = HashMap::new();
        let mut modules = HashMap::new();
        let mut objects: Vec<&str> = Vec::new();
        for (index, polyfill) in data.polyfills.iter().enumerate() {
            for module in &polyfill.modules {
                modules.insert(module.clone(), index);
            }
            if !polyfill.patterns {
                continue;
            }
            let Some((object, member)) = polyfill.member() else {
                continue;
            };
            members
                .entry(object.to_string())
                .or_insert_with(HashMap::new)
                .insert(member.to_string(), index);
            if !objects.contains(&object) {
                objects.push(object);
            }
            if let Some(module) = polyfill.modules.first() {
                literals.push(module.clone());
                needles.push(Needle::ModuleId { polyfill: index });
            }
        }
        for object in objects {
            let object = object.to_string();
            literals.push(format!("{object}."));
            needles.push(Needle::Member {
                object: object.clone(),
            });
            literals.push(format!("{object}["));
            needles.push(Needle::Bracket {
                object: object.clone(),
            });
            literals.push(format!("defineProperty({object},"));
            needles.push(Needle::DefineProperty {
                object: object.clone(),
            });
            literals.push(format!("({object},"));
            needles.push(Needle::EsShim { object });
        }
        literals.push("{target:".to_string());
        needles.push(Needle::CoreJsTarget);
        for (text, name) in TRANSFORM_STRINGS {
            if let Some(transform) = data.transforms.iter().position(|t| t.name == *name) {
                literals.push(text.to_string());
                needles.push(Needle::Transform { transform });
            }
        }
        if let Some(transform) = data
            .transforms
            .iter()
            .position(|t| t.name == "@babel/plugin-transform-regenerator")
        {
            literals.push("regeneratorRuntime".to_string());
            needles.push(Needle::Regenerator { transform });
        }
        literals.push("_classCallCheck".to_string());
        needles.push(Needle::ClassCallCheck);
        literals.push(".apply(void 0,".to_string());
        needles.push(Needle::SpreadApply);
        let prototypes = members
            .keys()
            .filter_map(|object| object.strip_suffix(".prototype"))
            .map(|constructor| (constructor.to_string(), format!("{constructor}.prototype")))
            .collect();
        let automaton = AhoCorasick::builder()
            .kind(Some(aho_corasick::AhoCorasickKind::DFA))
            .build(&literals)
            .unwrap_or_else(|why| panic!("legacy JavaScript literals: {why}"));
        Matcher {
            automaton,
            literals,
            needles,
            members,
            prototypes,
            modules,
        }
    }

    fn member(&self, object: &str, member: &[u8]) -> Option<usize> {
        let member = std::str::from_utf8(member).ok()?;
        self.members.get(object)?.get(member).copied()
    }
}

/// The identifier at the start of `bytes` (ASCII only: every polyfilled member is).
fn identifier(bytes: &[u8]) -> &[u8] {
    let end = bytes
        .iter()
        .take(MAX_MEMBER_BYTES + 1)
        .position(|&b| !is_ascii_name_byte(b))
        .unwrap_or(bytes.len().min(MAX_MEMBER_BYTES + 1));
    &bytes[..end]
}

/// `\s?=[^=]` at the start of `bytes`: an assignment, not a comparison.
fn assignment_follows(bytes: &[u8]) -> bool {
    let rest = match bytes.first() {
        Some(b) if b.is_ascii_whitespace() => &bytes[1..],
        _ => bytes,
    };
    rest.first() == Some(&b'=') && rest.get(1).is_some_and(|&b| b != b'=')
}

/// A quoted name at the start of `bytes` (`"flat"` or `'flat'`, either quote on either side as
/// Lighthouse accepts): the name.
fn quoted(bytes: &[u8]) -> Option<&[u8]> {
    if !matches!(bytes.first(), Some(b'"' | b'\'')) {
        return None;
    }
    let name = identifier(&bytes[1..]);
    matches!(bytes.get(1 + name.len()), Some(b'"' | b'\'')).then_some(name)
}

fn skip_whitespace(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    &bytes[start..]
}

/// Finds the polyfills and transforms of a script. `attribution` is its source map's, when it
/// has a usable one.
pub fn find(bytes: &[u8], attribution: Option<&Attribution>) -> LegacyFacts {
    find_with(&MATCHER, LegacyData::built_in(), bytes, attribution)
}

/// The strings [`find`] searches a script for, in the order [`find_from_hits`] numbers them.
pub fn literals() -> &'static [String] {
    &MATCHER.literals
}

/// What [`find`] returns, from the occurrences of [`literals`] in `bytes` (all of them,
/// overlapping ones included, as `(literal index, start, end)`): for a caller that searches
/// for other strings in the same pass.
pub fn find_from_hits(
    bytes: &[u8],
    attribution: Option<&Attribution>,
    hits: impl IntoIterator<Item = (usize, usize, usize)>,
) -> LegacyFacts {
    facts_from_hits(&MATCHER, LegacyData::built_in(), bytes, attribution, hits)
}

fn find_with(
    matcher: &Matcher,
    data: &LegacyData,
    bytes: &[u8],
    attribution: Option<&Attribution>,
) -> LegacyFacts {
    let hits = matcher
        .automaton
        .find_overlapping_iter(bytes)
        .map(|hit| (hit.pattern().as_usize(), hit.start(), hit.end()));
    facts_from_hits(matcher, data, bytes, attribution, hits)
}

fn facts_from_hits(
    matcher: &Matcher,
    data: &LegacyData,
    bytes: &[u8],
    attribution: Option<&Attribution>,
    hits: impl IntoIterator<Item = (usize, usize, usize)>,
) -> LegacyFacts {
    let polyfill_count = data.polyfills.len();
    // The first offset of each polyfill, then each transform.
    let mut first: Vec<Option<usize>> = vec![None; polyfill_count + data.transforms.len()];
    let mut core_js = vec![false; polyfill_count];
    let mut note = |slot: usize, offset: usize| {
        if first[slot].is_none_or(|seen| offset < seen) {
            first[slot] = Some(offset);
        }
    };
    let mut facts = LegacyFacts::default();
    for (pattern, start, end) in hits {
        let after = &bytes[end..];
        // A member of another object (`MyObject.assign`, `xString.raw`) is no polyfill.
        let bounded = start == 0 || !is_ascii_name_byte(bytes[start - 1]);
        match &matcher.needles[pattern] {
            Needle::Member { object } if bounded => {
                let member = identifier(after);
                if assignment_follows(&after[member.len()..])
                    && let Some(index) = matcher.member(object, member)
                {
                    note(index, start);
                }
            }
            Needle::Bracket { object } if bounded => {
                // `["flat"]` then `=`.
                if let Some(member) = quoted(after)
                    && after.get(member.len() + 2) == Some(&b']')
                    && assignment_follows(&after[member.len() + 3..])
                    && let Some(index) = matcher.member(object, member)
                {
                    note(index, start);
                }
            }
            Needle::DefineProperty { object } => {
                let rest = match after.first() {
                    Some(b) if b.is_ascii_whitespace() => &after[1..],
                    _ => after,
                };
                if let Some(member) = quoted(rest)
                    && let Some(index) = matcher.member(object, member)
                {
                    note(index, start);
                }
            }
            Needle::EsShim { object } => {
                // `(Object, {entries: r}, {entries` within the window.
                let window = &after[..after.len().min(ES_SHIM_WINDOW)];
                let rest = skip_whitespace(window);
                if rest.first() != Some(&b'{') {
                    continue;
                }
                let member = identifier(&rest[1..]);
                let Some(index) = matcher.member(object, member) else {
                    continue;
                };
                if rest.get(1 + member.len()) != Some(&b':') {
                    continue;
                }
                let second = [b"{".as_slice(), member].concat();
                let line_end = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
                let tail = &rest[1 + member.len()..line_end];
                let defined_again = memchr::memmem::find_iter(tail, b"},").any(|at| {
                    let next = skip_whitespace(&tail[at + 2..]);
                    next.starts_with(&second)
                });
                if defined_again {
                    note(index, start);
                }
            }
            Needle::CoreJsTarget => {
                // `{target:"Array",proto:!0},{flat:` — every member exported in the window.
                let Some(object) = quoted(after) else {
                    continue;
                };
                let window = &after[object.len() + 2..];
                let window = &window[..window.len().min(CORE_JS_EXPORT_WINDOW)];
                let window = &window[..memchr::memchr(b';', window).unwrap_or(window.len())];
                let Ok(object) = std::str::from_utf8(object) else {
                    continue;
                };
                if !matcher.members.contains_key(object) && !matcher.prototypes.contains_key(object)
                {
                    continue;
                }
                for at in memchr::memmem::find_iter(window, b"},{") {
                    let member = identifier(&window[at + 3..]);
                    if window.get(at + 3 + member.len()) != Some(&b':') {
                        continue;
                    }
                    // The table names the constructor; instance members sit on its prototype.
                    let index = matcher
                        .prototypes
                        .get(object)
                        .and_then(|prototype| matcher.member(prototype, member))
                        .or_else(|| matcher.member(object, member));
                    if let Some(index) = index {
                        note(index, start);
                        core_js[index] = true;
                    }
                }
            }
            Needle::ModuleId { polyfill } => {
                if after.starts_with(b"\"") || after.starts_with(b".js\"") {
                    note(*polyfill, start);
                    core_js[*polyfill] = true;
                }
            }
            Needle::Transform { transform } => note(polyfill_count + transform, start),
            Needle::Regenerator { transform } => {
                note(polyfill_count + transform, start);
                // `regeneratorRuntime.wrap`, `regeneratorRuntime().wrap`, `.awrap`.
                let rest = after.strip_prefix(b"()").unwrap_or(after);
                if rest.starts_with(b".wrap") || rest.starts_with(b".awrap") {
                    facts.regenerator_wraps += 1;
                }
            }
            Needle::ClassCallCheck => facts.class_call_checks += 1,
            Needle::SpreadApply => {
                if skip_whitespace(after).starts_with(b"_toConsumableArray") {
                    facts.spread_applies += 1;
                }
            }
            Needle::Member { .. } | Needle::Bracket { .. } => {}
        }
    }

    let mut located: Vec<(usize, usize)> = first
        .iter()
        .enumerate()
        .filter_map(|(slot, offset)| offset.map(|o| (o, slot)))
        .collect();
    located.sort_unstable();
    let mut position = super::inlined::Position::default();
    let mut locations: Vec<Option<Location>> = vec![None; first.len()];
    for (offset, slot) in located {
        locations[slot] = Some(position.advance(bytes, offset));
    }

    // With a map: polyfills whose module is one of its sources, where no pattern found them.
    let mut sources: Vec<Option<String>> = vec![None; polyfill_count];
    if let Some(attribution) = attribution {
        for source in &attribution.sources {
            let path = source.source.as_str();
            for index in modules_named_by(matcher, path) {
                if sources[index].is_none() {
                    sources[index] = Some(path.to_string());
                }
                if path.contains("core-js") {
                    core_js[index] = true;
                }
            }
        }
    }

    for (slot, location) in locations.into_iter().enumerate() {
        let source = sources.get(slot).cloned().flatten();
        if location.is_none() && source.is_none() {
            continue;
        }
        let name = match slot.checked_sub(polyfill_count) {
            None => data.polyfills[slot].name.clone(),
            Some(transform) => data.transforms[transform].name.clone(),
        };
        facts.signals.push(LegacySignal {
            name,
            location,
            source,
            core_js: core_js.get(slot).copied().unwrap_or(false),
        });
    }
    facts
}

/// The polyfills whose module a source path is: `…/es.array.flat.js` (core-js, core-js-pure) or
/// a file of `node_modules/focus-visible/`.
fn modules_named_by(matcher: &Matcher, path: &str) -> Vec<usize> {
    let mut found = Vec::new();
    let file = path.rsplit('/').next().unwrap_or(path);
    if let Some(stem) = file.strip_suffix(".js")
        && let Some(&index) = matcher.modules.get(stem)
    {
        found.push(index);
    }
    for (at, _) in path.match_indices("node_modules/") {
        let package = path[at + "node_modules/".len()..].split('/').next();
        if let Some(&index) = package.and_then(|p| matcher.modules.get(p))
            && !found.contains(&index)
        {
            found.push(index);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(facts: &LegacyFacts) -> Vec<&str> {
        facts.signals.iter().map(|s| s.name.as_str()).collect()
    }

    fn found(code: &str) -> Vec<String> {
        let facts = find(code.as_bytes(), None);
        names(&facts).into_iter().map(String::from).collect()
    }

    #[test]
    fn finds_each_polyfill_form() {
        assert_eq!(
            found("Array.prototype.flat = function(){};"),
            ["Array.prototype.flat"]
        );
        assert_eq!(
            found("String.prototype['startsWith']=function(){}"),
            ["String.prototype.startsWith"]
        );
        assert_eq!(
            found("Object.defineProperty(Array.prototype, 'flatMap', {value: f})"),
            ["Array.prototype.flatMap"]
        );
        assert_eq!(
            found("define(Object,{entries:r},{entries:function(){return Object.entries!==r}})"),
            ["Object.entries"]
        );
        assert_eq!(
            found(
                "n({target:\"Array\",proto:!0,forced:a},{flat:function(){}}),n({target:\"Object\",stat:!0},{fromEntries:function(e){}})"
            ),
            ["Array.prototype.flat", "Object.fromEntries"]
        );
        assert_eq!(
            found(
                "__webpack_require__(\"./node_modules/core-js/modules/es.object.from-entries.js\")"
            ),
            ["Object.fromEntries"]
        );
        // core-js's own forms are told from hand-written polyfills.
        let facts = find(
            b"Math.hypot||(Math.hypot=function(){});n({target:\"Math\",stat:!0},{trunc:t})",
            None,
        );
        let flags: Vec<(&str, bool)> = facts
            .signals
            .iter()
            .map(|s| (s.name.as_str(), s.core_js))
            .collect();
        assert_eq!(flags, [("Math.hypot", false), ("Math.trunc", true)]);
    }

    #[test]
    fn leaves_uses_comparisons_and_other_objects_alone() {
        let code = "a.flat();Array.prototype.flat.call(b);if(Array.prototype.flat==null){}\
                    MyObject.assign=1;x=Object.assign({},y);Object.entries(z);\
                    n({target:\"Array\",proto:!0},{customThing:1});var s=\"es.array.flat.mjs\";";
        assert_eq!(found(code), Vec::<String>::new());
    }

    #[test]
    fn finds_transforms_and_counts_their_helpers() {
        let code = "function _classCallCheck(a,n){if(!(a instanceof n))throw new TypeError(\"Cannot call a class as a function\")}\n\
                    _classCallCheck(this,A);_classCallCheck(this,B);\n\
                    f.apply(void 0,_toConsumableArray(x));throw new TypeError(\"Invalid attempt to spread non-iterable instance\");\n\
                    regeneratorRuntime.wrap(g);regeneratorRuntime.awrap(p);";
        let facts = find(code.as_bytes(), None);
        assert_eq!(
            names(&facts),
            [
                "@babel/plugin-transform-classes",
                "@babel/plugin-transform-regenerator",
                "@babel/plugin-transform-spread"
            ]
        );
        assert_eq!(facts.class_call_checks, 3);
        assert_eq!(facts.spread_applies, 1);
        assert_eq!(facts.regenerator_wraps, 2);
        // Located at the first occurrence: line 1 for the class helper's message, line 4 for
        // `regeneratorRuntime`.
        assert_eq!(facts.signals[0].location.unwrap().line, 1);
        assert_eq!(facts.signals[1].location.unwrap().line, 4);
        assert_eq!(facts.signals[1].location.unwrap().column, 1);
    }

    #[test]
    fn a_source_map_names_polyfills_the_patterns_miss() {
        let attribution = Attribution {
            generated_bytes: 100,
            sources: vec![
                crate::model::facts::sourcemap::SourceBytes::new(
                    "node_modules/core-js/modules/es.error.cause.js".into(),
                    60,
                ),
                crate::model::facts::sourcemap::SourceBytes::new(
                    "node_modules/focus-visible/dist/focus-visible.js".into(),
                    40,
                ),
            ],
            unmapped: 0,
            line_terminators: 0,
            warnings: Vec::new(),
        };
        let facts = find(b"var x=1;", Some(&attribution));
        assert_eq!(names(&facts), ["focus-visible", "Error.prototype.cause"]);
        assert_eq!(facts.signals[0].location, None);
        assert_eq!(
            facts.signals[1].source.as_deref(),
            Some("node_modules/core-js/modules/es.error.cause.js")
        );
    }

    #[test]
    fn windows_bound_the_search_after_a_candidate() {
        let far = format!(
            "n({{target:\"Array\",proto:!0,forced:{}}},{{flat:f}})",
            "x".repeat(CORE_JS_EXPORT_WINDOW)
        );
        assert_eq!(found(&far), Vec::<String>::new());
        // A `;` ends the export call.
        assert_eq!(
            found("n({target:\"Array\",proto:!0});g({a:1},{flat:f})"),
            Vec::<String>::new()
        );
    }
}
