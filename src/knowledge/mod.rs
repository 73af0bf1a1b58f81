//! What webaudit knows about npm packages that defeat tree shaking: a data file,
//! `packages.toml` (see this folder's README for its schema and sources), compiled into the
//! binary and extendable from `webaudit.toml` (`[[knowledge.package]]`, same keys; an entry with
//! the name of a built-in one replaces it).

pub mod legacy;

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::model::facts::js::ImportForm;
pub use crate::model::facts::signatures::{CopyOccurrences, FoundVersion, SignatureMatch};

pub mod third_party;

/// Why a package is a problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ProblemKind {
    /// One CommonJS module: any import ships all of it (lodash, moment, jquery).
    CommonjsMonolith,
    /// An index re-exporting hundreds of modules (icon sets, component libraries).
    Barrel,
    /// Ships every locale unless told otherwise (moment).
    LocaleBloat,
    /// Polyfills everything, for every browser (core-js, @babel/polyfill).
    FullPolyfill,
    /// Heavy where a much lighter or native alternative exists.
    HeavyReplaceable,
}

impl ProblemKind {
    pub fn describe(self) -> &'static str {
        match self {
            ProblemKind::CommonjsMonolith => {
                "a CommonJS monolith: any import ships the whole library"
            }
            ProblemKind::Barrel => "a barrel re-exporting every module of the library",
            ProblemKind::LocaleBloat => "every locale is bundled",
            ProblemKind::FullPolyfill => "a full polyfill set for every browser",
            ProblemKind::HeavyReplaceable => "heavy, with lighter alternatives",
        }
    }
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PackageInfo {
    pub name: String,
    pub kind: ProblemKind,
    /// Import forms that ship the whole library: default, namespace, named, require,
    /// side-effect, dynamic, re-export-all, re-export-named.
    pub harmful_imports: Vec<String>,
    /// Deep imports that are fine (`lodash/*`): patterns on the full specifier.
    #[serde(default)]
    pub safe_subpaths: Vec<String>,
    pub replacement: String,
    #[serde(default)]
    pub alternatives: Vec<String>,
    /// gzip bytes a whole-library import typically ships (measured; see typical_cost_note).
    pub typical_gzip_bytes: u64,
    #[serde(default)]
    pub typical_cost_note: String,
    /// Module paths inside the package that mark its monolithic form in a source map
    /// (`lodash.js`, `locale/*`).
    #[serde(default)]
    pub bundled_module_paths: Vec<String>,
    /// For barrels: the per-module files (`dist/esm/icons/*.js`) and how many there are.
    #[serde(default)]
    pub barrel_module_glob: String,
    #[serde(default)]
    pub barrel_module_count: u32,
    /// Strings that identify the library inside a minified bundle without a source map.
    #[serde(default)]
    pub signatures: Vec<String>,
    /// Strings from modules spread over the whole library (derived by `measure.py
    /// --derive-markers`): a bundle holding most of them holds the whole library, one holding
    /// a few holds part of it. Empty when the library has too few such strings.
    #[serde(default)]
    pub wholeness_markers: Vec<String>,
    /// Strings that occur exactly once in every copy of the library (derived by `measure.py
    /// --derive-copies` from real builds, old releases among them): a bundle holding each of
    /// them twice, far apart, holds two copies. Empty when not derived.
    #[serde(default)]
    pub copy_signatures: Vec<String>,
    /// A string that occurs once per copy within 256 bytes (`VERSION_WINDOW_BYTES`) of the library's
    /// embedded version literal (`"4.17.21"`), so a copy's version can be read beside it.
    /// `""` when the library embeds no version or none was derived.
    #[serde(default)]
    pub version_anchor: String,
    /// Minified bytes of the whole-import bundle measured with `typical_gzip_bytes`: what one
    /// copy of the library weighs before compression. `0` when not measured.
    #[serde(default)]
    pub typical_raw_bytes: u64,
    #[serde(default)]
    pub references: Vec<String>,
}

impl PackageInfo {
    pub fn harmful_forms(&self) -> Vec<ImportForm> {
        self.harmful_imports
            .iter()
            .filter_map(|name| ImportForm::from_name(name))
            .collect()
    }

    pub fn validate(&self) -> Result<(), String> {
        if let Some(bad) = self
            .harmful_imports
            .iter()
            .find(|f| ImportForm::from_name(f).is_none())
        {
            return Err(format!(
                "package {:?}: unknown import form {bad:?} in harmful_imports",
                self.name
            ));
        }
        for pattern in self.safe_subpaths.iter().chain(&self.bundled_module_paths) {
            crate::glob::PathPattern::new(pattern)
                .map_err(|e| format!("package {:?}: bad pattern {pattern:?}: {e}", self.name))?;
        }
        Ok(())
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    package: Vec<PackageInfo>,
}

/// The built-in data, as shipped in the repository.
pub const BUILT_IN: &str = include_str!("packages.toml");

#[derive(Debug, Clone)]
pub struct Knowledge {
    packages: BTreeMap<String, PackageInfo>,
}

impl Knowledge {
    /// The built-in knowledge base. The data is tested, so a failure here is a build defect.
    pub fn built_in() -> Knowledge {
        Knowledge::from_toml(BUILT_IN)
            .unwrap_or_else(|e| panic!("src/knowledge/packages.toml is invalid: {e}"))
    }

    pub fn from_toml(text: &str) -> Result<Knowledge, String> {
        let file: File = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut knowledge = Knowledge {
            packages: BTreeMap::new(),
        };
        knowledge.extend(file.package)?;
        Ok(knowledge)
    }

    /// Adds or replaces entries (from webaudit.toml).
    pub fn extend(&mut self, packages: Vec<PackageInfo>) -> Result<(), String> {
        for package in packages {
            package.validate()?;
            self.packages.insert(package.name.clone(), package);
        }
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.packages.len()
    }

    /// Identifies this knowledge (built-in data plus user entries): facts computed with other
    /// knowledge are not reused from the cache.
    pub fn fingerprint(&self) -> [u8; 32] {
        let mut hasher = blake3::Hasher::new();
        for package in self.packages.values() {
            hasher.update(format!("{package:?}").as_bytes());
        }
        *hasher.finalize().as_bytes()
    }

    pub fn is_empty(&self) -> bool {
        self.packages.is_empty()
    }

    pub fn get(&self, name: &str) -> Option<&PackageInfo> {
        self.packages.get(name)
    }

    pub fn iter(&self) -> impl Iterator<Item = &PackageInfo> {
        self.packages.values()
    }

    /// The entry for a bare import specifier: the longest entry name that is the specifier or a
    /// path prefix of it (`react-icons/fa` before `react-icons`). Relative and absolute
    /// specifiers name no package.
    pub fn for_specifier(&self, specifier: &str) -> Option<&PackageInfo> {
        if specifier.starts_with('.') || specifier.starts_with('/') || specifier.contains(':') {
            return None;
        }
        let mut candidate = specifier;
        loop {
            if let Some(package) = self.packages.get(candidate) {
                return Some(package);
            }
            candidate = candidate.rsplit_once('/')?.0;
        }
    }
}

/// How far (bytes) from a version anchor a library's version literal is looked for; the same
/// window `measure.py` checks every real build with.
pub const VERSION_WINDOW_BYTES: usize = 256;

/// At most this many occurrences of one copy signature, and this many versions, are recorded
/// per script: a bundle with more copies than this is reported with this many.
pub const MAX_RECORDED_OCCURRENCES: usize = 16;

/// Finds known libraries inside bundles that have no source map, by strings that survive
/// minification, counts their wholeness markers, and records where each copy signature and
/// version anchor occurs (to count copies). Barrels are left out: their strings (icon
/// names) appear in any bundle that uses a few of their modules, which says nothing about the
/// whole barrel being shipped.
pub struct Signatures {
    /// Built on the first search: a run whose scripts' facts all come from the cache never
    /// needs it (building the DFA takes about 4 ms). `None`: the patterns cannot be searched.
    automaton: std::sync::OnceLock<Option<aho_corasick::AhoCorasick>>,
    /// For each pattern (each string once, though a string may be both a package's signature
    /// and its marker, or belong to two packages of one family): what it is evidence of.
    roles: Vec<Vec<Role>>,
    patterns: Vec<String>,
    /// How many signatures each package lists.
    listed: BTreeMap<String, usize>,
}

/// What finding one string says about `package`.
struct Role {
    package: String,
    evidence: Evidence,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Evidence {
    /// The library is there.
    Signature,
    /// How much of it is there.
    Marker,
    /// One copy of it is there (counted by occurrence).
    Copy,
    /// Its version literal is nearby.
    VersionAnchor,
}

/// What was found of one package while scanning a script.
#[derive(Default)]
struct Found<'a> {
    signatures: Vec<&'a str>,
    markers: Vec<&'a str>,
    copies: BTreeMap<&'a str, Vec<u64>>,
    versions: Vec<FoundVersion>,
}

impl Signatures {
    pub fn new(knowledge: &Knowledge) -> Option<Signatures> {
        let mut roles: Vec<Vec<Role>> = Vec::new();
        let mut patterns: Vec<String> = Vec::new();
        let mut listed = BTreeMap::new();
        for package in knowledge.iter().filter(|p| p.kind != ProblemKind::Barrel) {
            let signatures = package.signatures.iter().map(|s| (s, Evidence::Signature));
            let markers = package
                .wholeness_markers
                .iter()
                .map(|s| (s, Evidence::Marker));
            let copies = package.copy_signatures.iter().map(|s| (s, Evidence::Copy));
            let anchor = std::iter::once(&package.version_anchor)
                .filter(|a| !a.is_empty())
                .map(|s| (s, Evidence::VersionAnchor));
            let all = signatures.chain(markers).chain(copies).chain(anchor);
            for (text, evidence) in all.filter(|(s, _)| s.len() >= 8) {
                if evidence == Evidence::Signature {
                    *listed.entry(package.name.clone()).or_insert(0) += 1;
                }
                let role = Role {
                    package: package.name.clone(),
                    evidence,
                };
                match patterns.iter().position(|p| p == text) {
                    Some(index) => roles[index].push(role),
                    None => {
                        patterns.push(text.clone());
                        roles.push(vec![role]);
                    }
                }
            }
        }
        Some(Signatures {
            automaton: std::sync::OnceLock::new(),
            roles,
            patterns,
            listed,
        })
    }

    /// The packages whose signatures all occur in `bytes` (a package listing several needs at
    /// least two of them, so one common-looking string is never enough), with what was found,
    /// which of their wholeness markers occur, where their copy signatures occur and the
    /// versions read beside their version anchor. Markers and copy signatures alone identify
    /// nothing.
    pub fn find(&self, bytes: &[u8]) -> Vec<SignatureMatch> {
        let Some(automaton) = self
            .automaton
            .get_or_init(|| search_automaton(&self.patterns))
        else {
            return Vec::new();
        };
        self.matches_from_hits(
            bytes,
            automaton
                .find_overlapping_iter(bytes)
                .map(|hit| (hit.pattern().as_usize(), hit.start(), hit.end())),
        )
    }

    /// The strings searched for, in the order [`Self::matches_from_hits`] numbers them.
    pub fn patterns(&self) -> &[String] {
        &self.patterns
    }

    /// What [`Self::find`] returns, from the occurrences of [`Self::patterns`] in `bytes` (all
    /// of them, overlapping ones included, as `(pattern index, start, end)` in the order an
    /// overlapping search reports them): for a caller that searches for other strings in the
    /// same pass.
    pub fn matches_from_hits(
        &self,
        bytes: &[u8],
        hits: impl IntoIterator<Item = (usize, usize, usize)>,
    ) -> Vec<SignatureMatch> {
        let mut found: BTreeMap<&str, Found> = BTreeMap::new();
        for (index, start, end) in hits {
            let text = self.patterns[index].as_str();
            for role in &self.roles[index] {
                let package = found.entry(&role.package).or_default();
                match role.evidence {
                    Evidence::Signature | Evidence::Marker => {
                        let list = if role.evidence == Evidence::Marker {
                            &mut package.markers
                        } else {
                            &mut package.signatures
                        };
                        if !list.contains(&text) {
                            list.push(text);
                        }
                    }
                    Evidence::Copy => {
                        let offsets = package.copies.entry(text).or_default();
                        if offsets.len() < MAX_RECORDED_OCCURRENCES {
                            offsets.push(start as u64);
                        }
                    }
                    Evidence::VersionAnchor => {
                        if package.versions.len() < MAX_RECORDED_OCCURRENCES
                            && let Some(version) = version_near(bytes, start, end)
                        {
                            package.versions.push(FoundVersion {
                                offset: start as u64,
                                version,
                            });
                        }
                    }
                }
            }
        }
        found
            .into_iter()
            .filter(|(package, found)| {
                let listed = self.listed.get(*package).copied().unwrap_or(0);
                listed > 0 && found.signatures.len() >= listed.min(2)
            })
            .map(|(package, found)| SignatureMatch {
                package: package.to_string(),
                signatures: found.signatures.into_iter().map(str::to_string).collect(),
                markers: found.markers.into_iter().map(str::to_string).collect(),
                copies: found
                    .copies
                    .into_iter()
                    .map(|(signature, offsets)| CopyOccurrences {
                        signature: signature.to_string(),
                        offsets,
                    })
                    .collect(),
                versions: found.versions,
            })
            .collect()
    }
}

/// The version literal (a quoted `major.minor.patch[-pre]` string) nearest an anchor found at
/// `start..end`, within [`VERSION_WINDOW_BYTES`] of it: how `measure.py` checked that every real
/// build of the library reads its own version there.
fn version_near(bytes: &[u8], start: usize, end: usize) -> Option<String> {
    let low = start.saturating_sub(VERSION_WINDOW_BYTES);
    let high = end.saturating_add(VERSION_WINDOW_BYTES).min(bytes.len());
    let mut best: Option<(usize, &[u8])> = None;
    let mut at = low;
    while at < high {
        let quote = bytes[at];
        if quote != b'"' && quote != b'\'' {
            at += 1;
            continue;
        }
        let Some(length) = semver_length(&bytes[at + 1..high]) else {
            at += 1;
            continue;
        };
        if bytes.get(at + 1 + length) != Some(&quote) {
            at += 1;
            continue;
        }
        let literal_start = at;
        let distance = if literal_start < start {
            start - literal_start
        } else {
            literal_start - end
        };
        if best.is_none_or(|(nearest, _)| distance < nearest) {
            best = Some((distance, &bytes[at + 1..at + 1 + length]));
        }
        at += length + 2;
    }
    best.map(|(_, version)| String::from_utf8_lossy(version).into_owned())
}

/// The length of the `digits.digits.digits` version (with an optional `-prerelease` of
/// letters, digits, dots and dashes) at the start of `text`, if one is there.
fn semver_length(text: &[u8]) -> Option<usize> {
    let mut at = 0;
    for part in 0..3 {
        let digits = text[at..].iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        at += digits;
        if part < 2 {
            if text.get(at) != Some(&b'.') {
                return None;
            }
            at += 1;
        }
    }
    if text.get(at) == Some(&b'-') {
        let pre = text[at + 1..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'.' || **b == b'-')
            .count();
        if pre > 0 {
            at += 1 + pre;
        }
    }
    Some(at)
}

/// Most patterns searched with a DFA: its tables grow with the patterns (2.9 MB for the 165
/// built-in ones), and webaudit.toml may add packages.
const MAX_DFA_PATTERNS: usize = 1_000;

/// The search for many strings at once (every signature, or those and other strings a script
/// is searched for). A DFA: over phoenix's 20 MB bundle the script analysis took 0.27 s of
/// CPU against 0.37 s with the automaton aho-corasick picks by default (benches/README.md,
/// "Signature search"). Past [`MAX_DFA_PATTERNS`], that default.
pub(crate) fn search_automaton(patterns: &[String]) -> Option<aho_corasick::AhoCorasick> {
    let kind = (patterns.len() <= MAX_DFA_PATTERNS).then_some(aho_corasick::AhoCorasickKind::DFA);
    aho_corasick::AhoCorasick::builder()
        .kind(kind)
        .build(patterns)
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_signatures_are_searched_with_a_dfa_built_on_first_use() {
        let signatures = Signatures::new(&Knowledge::built_in()).unwrap();
        assert!(
            signatures.automaton.get().is_none(),
            "built before any search"
        );
        assert!(signatures.find(b"no library here").is_empty());
        let automaton = signatures.automaton.get().unwrap().as_ref().unwrap();
        assert_eq!(automaton.kind(), aho_corasick::AhoCorasickKind::DFA);
        // Past the bound, the default kind (whatever aho-corasick picks) is used.
        let many: Vec<String> = (0..=MAX_DFA_PATTERNS)
            .map(|n| format!("pattern{n:06}"))
            .collect();
        assert!(search_automaton(&many).is_some());
    }

    #[test]
    fn the_built_in_data_is_valid_and_large_enough() {
        let knowledge = Knowledge::built_in();
        assert!(knowledge.len() >= 40, "{} entries", knowledge.len());
        for package in knowledge.iter() {
            assert!(
                !package.harmful_forms().is_empty(),
                "{} lists no harmful import form",
                package.name
            );
            assert!(
                !package.replacement.trim().is_empty(),
                "{} has no replacement",
                package.name
            );
            assert!(
                package.typical_gzip_bytes > 0,
                "{} has no measured cost",
                package.name
            );
            // Wholeness is a share of the markers: one or two would make it all or nothing.
            assert!(
                package.wholeness_markers.is_empty() || package.wholeness_markers.len() >= 3,
                "{} lists too few wholeness markers to take a share of",
                package.name
            );
            assert!(
                package.wholeness_markers.iter().all(|m| m.len() >= 8),
                "{} lists a wholeness marker shorter than the 8 bytes that are searched for",
                package.name
            );
        }
    }

    #[test]
    fn specifiers_find_the_most_specific_entry() {
        let knowledge = Knowledge::built_in();
        assert_eq!(
            knowledge.for_specifier("lodash").map(|p| p.name.as_str()),
            Some("lodash")
        );
        assert_eq!(
            knowledge
                .for_specifier("lodash/debounce")
                .map(|p| p.name.as_str()),
            Some("lodash")
        );
        assert!(knowledge.for_specifier("./lodash").is_none());
        assert!(
            knowledge
                .for_specifier("lodash-es")
                .is_none_or(|p| p.name == "lodash-es")
        );
    }
}
