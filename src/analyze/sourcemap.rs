//! Source-map attribution: which original source produced each byte of a generated (bundled,
//! usually minified) JavaScript or CSS file, so a report can say "lodash costs 71 kB of this
//! chunk".
//!
//! The accounting is source-map-explorer's: on generated line L, a segment starting at column C
//! covers the bytes from C up to the next segment's column on that line, or to the end of the
//! line. Bytes before a line's first segment, and bytes covered by a segment without a source,
//! are unmapped; line terminators (`\n`, `\r\n`) are counted apart. Every byte of the generated
//! file lands in exactly one bucket, so `generated_bytes == Σ sources + unmapped +
//! line_terminators` always holds.
//!
//! Maps can be large (tens of MB for a big app), so the work is streamed: the `mappings` string is
//! decoded segment by segment and each generated line is attributed as soon as its segments are
//! complete. Beyond the input buffers, memory is O(number of sources + segments of one line): no
//! token list is ever built. The JSON is parsed with the `mappings` string borrowed from the input
//! and `sourcesContent`/`names` skipped, not copied.
//!
//! Nothing here reads files or panics: the caller passes bytes, and a map that does not match
//! its file (wrong line count, columns past the end, corrupt VLQ) still yields an attribution,
//! with the problems aggregated into a few counted warnings.

use foldhash::{HashMap, HashMapExt};
use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny, Visitor};
use serde_json::value::RawValue;

use super::MAX_MAP_BYTES;
use super::js_scan;

pub use crate::model::facts::sourcemap::*;

impl SourceBytes {
    /// [`package_of`] this source, worked out once however often it is asked.
    pub fn package(&self) -> Option<&PackageRef> {
        self.package
            .0
            .get_or_init(|| package_of(&self.source))
            .as_ref()
    }
}

impl Attribution {
    /// Bytes per package copy (grouped by [`PackageRef::copy`]), largest first then by copy.
    /// Sources outside any `node_modules/` folder (the app's own code, virtual modules,
    /// `[unknown]`) are not included: their total is `mapped_bytes() - Σ packages`.
    pub fn by_package(&self) -> Vec<PackageBytes> {
        let mut by_copy: HashMap<String, PackageBytes> = HashMap::new();
        for source in &self.sources {
            let Some(package) = source.package() else {
                continue;
            };
            let entry = by_copy
                .entry(package.copy.clone())
                .or_insert_with(|| PackageBytes {
                    package: package.clone(),
                    bytes: 0,
                    sources: 0,
                });
            entry.bytes += source.bytes;
            entry.sources += 1;
        }
        let mut packages: Vec<PackageBytes> = by_copy.into_values().collect();
        packages.sort_by(|a, b| {
            b.bytes
                .cmp(&a.bytes)
                .then_with(|| a.package.copy.cmp(&b.package.copy))
        });
        packages
    }

    /// Bytes attributed to some source (everything but unmapped bytes and line terminators).
    pub fn mapped_bytes(&self) -> u64 {
        self.sources.iter().map(|s| s.bytes).sum()
    }
}

/// A source map that cannot be used at all: not JSON, not version 3, no `mappings`…
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceMapError(pub String);

impl fmt::Display for SourceMapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SourceMapError {}

/// Name given to `null` entries of `sources`.
pub const UNKNOWN_SOURCE: &str = "[unknown]";

/// Attributes every byte of `generated` to the sources of its source map `map_json` (v3, plain
/// or index map with `sections`).
///
/// `map_path` is the map's path relative to the audited folder (`assets/index-3f2a.js.map`,
/// `/`-separated); sources are resolved against its folder: `sourceRoot` + source, `.` and `..`
/// folded, with `..` that climbs above the audited folder kept as a leading `../` (names only,
/// nothing is read). URL schemes are stripped to their path (`webpack://app/./src/a.js` →
/// `src/a.js`, `file:///home/me/a.js` → `/home/me/a.js`), absolute paths are kept, and rollup's
/// `\0`-prefixed virtual modules become `virtual:NAME`.
///
/// Columns are UTF-16 code units, as every mainstream bundler writes them, and are converted to
/// byte offsets line by line. Only maps that cannot be used at all are errors; everything else
/// that is wrong is counted in [`Attribution::warnings`] and its bytes go to `unmapped`.
///
/// A column past the end of a script line that starts inside a template literal (or a string
/// continued by a backslash) is clamped but not reported: minifiers have been seen to count
/// columns on such lines as if the raw line break were still the two characters `\\n` (11 of
/// 91,777 mappings of a real Next.js chunk, each 1–8 columns over, the rest of the map exact),
/// so the overrun says nothing about the map being stale.
pub fn attribute(
    generated: &[u8],
    map_json: &[u8],
    map_path: &str,
    language: GeneratedLanguage,
) -> Result<Attribution, SourceMapError> {
    let map = parse_map(map_json)?;
    Ok(attribute_parsed(&map, generated, map_path, language))
}

/// [`attribute`], and the lines of the map's first-party sources that import npm packages
/// (see [`super::import_sites`]), from the same parse of the map.
pub fn attribute_with_import_sites(
    generated: &[u8],
    map_json: &[u8],
    map_path: &str,
    language: GeneratedLanguage,
) -> Result<(Attribution, ImportSites), SourceMapError> {
    let map = parse_map(map_json)?;
    let attribution = attribute_parsed(&map, generated, map_path, language);
    let mut first_party = FirstParty::default();
    first_party.collect(&map, &parent_folder(map_path), 0);
    let mut sites = super::import_sites::find(&first_party.contents);
    sites.without_content = first_party.without_content;
    Ok((attribution, sites))
}

/// The sources of a map outside `node_modules` that are files (not `[unknown]` or a bundler's
/// virtual module), with their resolved names, sections included.
#[derive(Default)]
struct FirstParty<'a> {
    /// Those with `sourcesContent`: the raw JSON string of each.
    contents: Vec<(String, &'a RawValue)>,
    /// Those without (at most [`super::import_sites::MAX_SOURCES_WITHOUT_CONTENT`]).
    without_content: Vec<String>,
}

impl<'a> FirstParty<'a> {
    fn collect(&mut self, map: &RawMap<'a>, map_dir: &str, depth: u32) {
        for section in map.sections.iter().flatten() {
            if let Some(inner) = &section.map
                && depth < MAX_SECTION_DEPTH
            {
                self.collect(inner, map_dir, depth + 1);
            }
        }
        let Some(sources) = &map.sources else {
            return;
        };
        let contents = map.sources_content.as_deref().unwrap_or_default();
        let source_root = map.source_root.as_deref();
        for (index, source) in sources.iter().enumerate() {
            let Some(source) = source else {
                continue;
            };
            let name = resolve_source(Some(source), source_root, map_dir);
            if name.starts_with("virtual:") || package_of(&name).is_some() {
                continue;
            }
            match contents.get(index).copied().flatten() {
                Some(content) => self.contents.push((name, content)),
                None if self.without_content.len()
                    < super::import_sites::MAX_SOURCES_WITHOUT_CONTENT =>
                {
                    self.without_content.push(name)
                }
                None => {}
            }
        }
    }
}

/// The map's `file` field: the generated file it says it was made for, if it says.
pub fn generated_file(map_json: &[u8]) -> Option<String> {
    #[derive(Deserialize)]
    struct FileField {
        #[serde(default)]
        file: Option<String>,
    }
    serde_json::from_slice::<FileField>(strip_json_prefix(map_json))
        .ok()?
        .file
}

fn parse_map(map_json: &[u8]) -> Result<RawMap<'_>, SourceMapError> {
    let map: RawMap<'_> = serde_json::from_slice(strip_json_prefix(map_json))
        .map_err(|e| SourceMapError(format!("not a usable JSON source map: {e}")))?;
    if let Some(problem) = map.version_problem() {
        return Err(SourceMapError(problem));
    }
    if map.mappings.is_none() && map.sections.is_none() {
        return Err(SourceMapError(
            "the source map has neither `mappings` nor `sections`".to_owned(),
        ));
    }
    Ok(map)
}

fn attribute_parsed(
    map: &RawMap<'_>,
    generated: &[u8],
    map_path: &str,
    language: GeneratedLanguage,
) -> Attribution {
    let mut run = Run {
        map_dir: parent_folder(map_path),
        table: SourceTable::default(),
        walker: LineWalker::new(generated),
    };
    run.attribute_map(map, Position::default(), None, 0);
    run.walker.finish();
    if language == GeneratedLanguage::Script {
        run.walker.excuse_overruns_inside_literals();
    }

    let Run { table, walker, .. } = run;
    let mut sources: Vec<SourceBytes> = table
        .names
        .into_iter()
        .enumerate()
        .filter_map(|(slot, source)| {
            let bytes = walker.slot_bytes.get(slot).copied().unwrap_or(0);
            (bytes > 0).then_some(SourceBytes::new(source, bytes))
        })
        .collect();
    sources.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.source.cmp(&b.source)));

    let attribution = Attribution {
        generated_bytes: generated.len() as u64,
        sources,
        unmapped: walker.unmapped,
        line_terminators: walker.line_terminators,
        warnings: walker.issues.messages(),
    };
    debug_assert_eq!(
        attribution.generated_bytes,
        attribution.mapped_bytes() + attribution.unmapped + attribution.line_terminators
    );
    attribution
}

/// What the generated file is written in: only scripts have multi-line literals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeneratedLanguage {
    Script,
    Stylesheet,
}

// ---------------------------------------------------------------------------------------------
// JSON shape
// ---------------------------------------------------------------------------------------------

/// The fields of a v3 map that attribution needs. `mappings` is borrowed from the input when it
/// has no escapes (it never has: base64 digits, `,` and `;`), so a 50 MB map is not copied;
/// `names` is not listed, so serde skips it without allocating, and each `sourcesContent`
/// entry is kept as its raw JSON text, borrowed: only the app's own sources are ever decoded
/// (for their imports), never the packages' much larger code.
#[derive(Deserialize)]
struct RawMap<'a> {
    #[serde(default)]
    version: Option<serde_json::Value>,
    #[serde(default, rename = "sourceRoot")]
    source_root: Option<String>,
    #[serde(default, deserialize_with = "bounded_list::<_, _, MAX_SOURCES>")]
    sources: Option<Vec<Option<String>>>,
    #[serde(default, borrow)]
    mappings: Option<MaybeBorrowed<'a>>,
    #[serde(
        default,
        borrow,
        rename = "sourcesContent",
        deserialize_with = "bounded_list::<_, _, MAX_SOURCES>"
    )]
    sources_content: Option<Vec<Option<&'a RawValue>>>,
    #[serde(
        default,
        borrow,
        deserialize_with = "bounded_list::<_, _, MAX_SECTIONS>"
    )]
    sections: Option<Vec<RawSection<'a>>>,
}

/// Most `sources` one map (or one section) may list. The largest real bundles list tens of
/// thousands of modules; a hostile 263 MB map listing 10 million took 2.5 GB to read.
pub const MAX_SOURCES: usize = 200_000;

/// Most `sections` one indexed map may have (each holds a map of its own).
pub const MAX_SECTIONS: usize = 10_000;

/// A JSON array of at most `MAX` elements: reading stops with an error at element `MAX + 1`,
/// before anything more is allocated.
fn bounded_list<'de, D, T, const MAX: usize>(deserializer: D) -> Result<Option<Vec<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct Bounded<T, const MAX: usize>(PhantomData<T>);

    impl<'de, T: Deserialize<'de>, const MAX: usize> Visitor<'de> for Bounded<T, MAX> {
        type Value = Option<Vec<T>>;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            write!(f, "a list of at most {MAX} elements")
        }

        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> Result<Self::Value, A::Error> {
            let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(MAX));
            while let Some(item) = seq.next_element()? {
                if items.len() == MAX {
                    return Err(serde::de::Error::custom(format!(
                        "more than {MAX} elements in one list, more than webaudit reads"
                    )));
                }
                items.push(item);
            }
            Ok(Some(items))
        }
    }

    deserializer.deserialize_any(Bounded::<T, MAX>(PhantomData))
}

impl RawMap<'_> {
    /// Why this map is not version 3, if it is not. Like Mozilla's `source-map`, a missing
    /// version is rejected; the string `"3"` is accepted because JavaScript consumers accept it.
    fn version_problem(&self) -> Option<String> {
        match &self.version {
            None => Some("the source map has no `version` (expected 3)".to_owned()),
            Some(serde_json::Value::Number(n)) if n.as_u64() == Some(3) => None,
            Some(serde_json::Value::String(s)) if s.trim() == "3" => None,
            Some(other) => Some(format!(
                "unsupported source map version {other} (only version 3 is supported)"
            )),
        }
    }
}

#[derive(Deserialize)]
struct RawSection<'a> {
    #[serde(default)]
    offset: Option<RawOffset>,
    #[serde(default, borrow)]
    map: Option<Box<RawMap<'a>>>,
    #[serde(default)]
    url: Option<IgnoredAny>,
}

#[derive(Deserialize, Clone, Copy)]
struct RawOffset {
    #[serde(default)]
    line: i64,
    #[serde(default)]
    column: i64,
}

/// A JSON string borrowed from the input when possible (serde's own `Cow` support only borrows
/// for direct fields, not inside `Option`).
struct MaybeBorrowed<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for MaybeBorrowed<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StrVisitor<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for StrVisitor<'a> {
            type Value = MaybeBorrowed<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(MaybeBorrowed(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(MaybeBorrowed(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(MaybeBorrowed(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(StrVisitor(PhantomData))
    }
}

/// Skips a UTF-8 byte order mark and the `)]}'` anti-XSSI line the spec allows before the JSON.
fn strip_json_prefix(json: &[u8]) -> &[u8] {
    let json = json.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(json);
    if json.starts_with(b")]}'") {
        match memchr::memchr(b'\n', json) {
            Some(newline) => &json[newline + 1..],
            None => &[],
        }
    } else {
        json
    }
}

// ---------------------------------------------------------------------------------------------
// Walking the map
// ---------------------------------------------------------------------------------------------

/// A generated position: line and UTF-16 column, both from 0.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Position {
    line: u64,
    column: u64,
}

/// Index maps nest sections; real ones have one level. The limit only stops hostile input.
const MAX_SECTION_DEPTH: u32 = 8;

/// State of one `attribute` call.
struct Run<'g> {
    map_dir: String,
    table: SourceTable,
    walker: LineWalker<'g>,
}

impl Run<'_> {
    /// Attributes `map` placed at `start` in the generated file; mappings at or after `limit`
    /// (where the next index-map section starts) are dropped, since sections must not overlap.
    fn attribute_map(
        &mut self,
        map: &RawMap<'_>,
        start: Position,
        limit: Option<Position>,
        depth: u32,
    ) {
        if let Some(sections) = &map.sections {
            self.attribute_sections(sections, start, limit, depth);
            return;
        }
        let Some(mappings) = &map.mappings else {
            self.walker.issues.unusable_sections += 1;
            return;
        };
        let source_root = map.source_root.as_deref();
        let slots: Vec<u32> = map
            .sources
            .as_deref()
            .unwrap_or_default()
            .iter()
            .map(|source| {
                let name = resolve_source(source.as_deref(), source_root, &self.map_dir);
                self.table.intern(name)
            })
            .collect();
        attribute_mappings(
            mappings.0.as_bytes(),
            &slots,
            start,
            limit,
            &mut self.walker,
        );
    }

    fn attribute_sections(
        &mut self,
        sections: &[RawSection<'_>],
        start: Position,
        limit: Option<Position>,
        depth: u32,
    ) {
        // Absolute starts; sections are meant to be sorted, but sorting costs nothing here and
        // keeps the walker's lines in order.
        let mut placed: Vec<(Position, &RawSection<'_>)> = Vec::with_capacity(sections.len());
        for section in sections {
            let Some(offset) = section.offset.filter(|o| o.line >= 0 && o.column >= 0) else {
                self.walker.issues.unusable_sections += 1;
                continue;
            };
            let (line, column) = (offset.line as u64, offset.column as u64);
            let at = Position {
                line: start.line.saturating_add(line),
                column: if line == 0 {
                    start.column.saturating_add(column)
                } else {
                    column
                },
            };
            placed.push((at, section));
        }
        placed.sort_by_key(|(at, _)| *at);

        for (i, &(at, section)) in placed.iter().enumerate() {
            let next = placed.get(i + 1).map(|(next, _)| *next);
            let section_limit = match (next, limit) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            if limit.is_some_and(|limit| at >= limit) {
                self.walker.issues.overlapping_mappings += 1;
                continue;
            }
            let Some(map) = &section.map else {
                if section.url.is_some() {
                    self.walker.issues.external_sections += 1;
                } else {
                    self.walker.issues.unusable_sections += 1;
                }
                continue;
            };
            if depth >= MAX_SECTION_DEPTH || map.version_problem().is_some() {
                self.walker.issues.unusable_sections += 1;
                continue;
            }
            // The previous section's last segment must not run into this one.
            self.walker.mark_boundary(at);
            self.attribute_map(map, at, section_limit, depth + 1);
        }
    }
}

/// Resolved source names, each with one slot; duplicates (the same file listed twice, or in two
/// sections) share a slot.
#[derive(Default)]
struct SourceTable {
    names: Vec<String>,
    slots: HashMap<String, u32>,
}

impl SourceTable {
    fn intern(&mut self, name: String) -> u32 {
        if let Some(&slot) = self.slots.get(&name) {
            return slot;
        }
        // 4 billion distinct sources cannot come from a map held in memory; saturating keeps the
        // reserved UNMAPPED value out of reach anyway.
        let slot = self.names.len().min(UNMAPPED as usize - 1) as u32;
        self.names.push(name.clone());
        self.slots.insert(name, slot);
        slot
    }
}

/// Decodes `mappings` segment by segment and hands each one to the walker, placed at `start`.
///
/// Fields are relative: the generated column to the previous segment on the same line, the
/// source index, original line, original column and name to the previous segment that had them.
/// Broken segments still move the generated column when it could be decoded, and are attributed
/// to unmapped.
fn attribute_mappings(
    mappings: &[u8],
    slots: &[u32],
    start: Position,
    limit: Option<Position>,
    walker: &mut LineWalker<'_>,
) {
    let mut line: u64 = 0;
    let mut column: i64 = 0;
    let (mut source, mut original_line, mut original_column, mut name) = (0i64, 0i64, 0i64, 0i64);
    let mut pos = 0;
    while pos < mappings.len() {
        match mappings[pos] {
            b';' => {
                line += 1;
                column = 0;
                pos += 1;
                continue;
            }
            b',' => {
                pos += 1;
                continue;
            }
            _ => {}
        }
        let segment = decode_segment(mappings, &mut pos);
        if segment.count == 0 {
            // Not even the generated column could be read: nothing to place.
            walker.issues.invalid_vlq += 1;
            continue;
        }
        let f = segment.fields;
        column = column.saturating_add(f[0]);
        let target = if !segment.valid {
            walker.issues.invalid_vlq += 1;
            UNMAPPED
        } else {
            // Relative state advances for every field present, so later segments stay right
            // even when this one is malformed.
            if segment.count >= 2 {
                source = source.saturating_add(f[1]);
            }
            if segment.count >= 3 {
                original_line = original_line.saturating_add(f[2]);
            }
            if segment.count >= 4 {
                original_column = original_column.saturating_add(f[3]);
            }
            if segment.count >= 5 {
                name = name.saturating_add(f[4]);
            }
            match segment.count {
                1 => UNMAPPED,
                4 | 5 => {
                    if source < 0
                        || original_line < 0
                        || original_column < 0
                        || (segment.count == 5 && name < 0)
                    {
                        walker.issues.negative_values += 1;
                        UNMAPPED
                    } else {
                        match usize::try_from(source).ok().and_then(|s| slots.get(s)) {
                            Some(&slot) => slot,
                            None => {
                                walker.issues.source_out_of_range += 1;
                                UNMAPPED
                            }
                        }
                    }
                }
                _ => {
                    walker.issues.bad_field_count += 1;
                    UNMAPPED
                }
            }
        };
        if column < 0 {
            walker.issues.negative_values += 1;
            continue;
        }
        let at = Position {
            line: start.line.saturating_add(line),
            column: if line == 0 {
                start.column.saturating_add(column as u64)
            } else {
                column as u64
            },
        };
        if limit.is_some_and(|limit| at >= limit) {
            walker.issues.overlapping_mappings += 1;
            continue;
        }
        walker.push(at, target);
    }
}

// ---------------------------------------------------------------------------------------------
// Base64 VLQ
// ---------------------------------------------------------------------------------------------

const NOT_A_DIGIT: u8 = 0xFF;
/// `,` and `;`, which end a segment.
const DELIMITER: u8 = 0xFE;

/// Value of each byte as a base64 digit, [`DELIMITER`] or [`NOT_A_DIGIT`]: one lookup per byte
/// of `mappings`.
static BASE64_DIGITS: [u8; 256] = {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut table = [NOT_A_DIGIT; 256];
    let mut i = 0;
    while i < 64 {
        table[alphabet[i] as usize] = i as u8;
        i += 1;
    }
    table[b',' as usize] = DELIMITER;
    table[b';' as usize] = DELIMITER;
    table
};

/// Digits of one value start at shifts 0, 5, …, 30: seven digits hold any 32-bit value (the
/// spec's range) with room to spare; longer runs are garbage and would overflow.
const MAX_VLQ_SHIFT: u32 = 30;

/// One segment's fields (only the first five are kept; more is an error the caller counts).
#[derive(Debug, PartialEq, Eq)]
struct RawSegment {
    fields: [i64; 5],
    /// How many complete values were decoded.
    count: usize,
    /// False when a byte was not a base64 digit, a value was too long, or the segment ended in
    /// the middle of a value (continuation bit on its last digit).
    valid: bool,
}

/// Decodes the segment starting at `*pos`, leaving `*pos` on the `,` or `;` that ends it (or at
/// the end). A broken segment is skipped entirely up to its delimiter.
fn decode_segment(bytes: &[u8], pos: &mut usize) -> RawSegment {
    let mut segment = RawSegment {
        fields: [0; 5],
        count: 0,
        valid: true,
    };
    loop {
        // One value: digits with the continuation bit (32), then one without.
        let mut value: i64 = 0;
        let mut shift: u32 = 0;
        let digit = loop {
            let Some(&byte) = bytes.get(*pos) else {
                break DELIMITER;
            };
            let digit = BASE64_DIGITS[byte as usize];
            if digit == DELIMITER {
                break DELIMITER;
            }
            *pos += 1;
            if digit == NOT_A_DIGIT || shift > MAX_VLQ_SHIFT {
                break NOT_A_DIGIT;
            }
            value |= i64::from(digit & 0b1_1111) << shift;
            if digit & 0b10_0000 == 0 {
                break digit;
            }
            shift += 5;
        };
        match digit {
            DELIMITER => {
                // The segment ended; in the middle of a value if digits were read.
                if shift > 0 {
                    segment.valid = false;
                }
                return segment;
            }
            NOT_A_DIGIT => {
                segment.valid = false;
                while bytes
                    .get(*pos)
                    .is_some_and(|&b| BASE64_DIGITS[b as usize] != DELIMITER)
                {
                    *pos += 1;
                }
                return segment;
            }
            _ => {
                // The lowest bit of the first digit is the sign.
                let magnitude = value >> 1;
                let decoded = if value & 1 == 1 {
                    -magnitude
                } else {
                    magnitude
                };
                if let Some(field) = segment.fields.get_mut(segment.count) {
                    *field = decoded;
                }
                segment.count += 1;
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Walking the generated file
// ---------------------------------------------------------------------------------------------

/// Target of segments without a source.
const UNMAPPED: u32 = u32::MAX;

#[derive(Debug, Clone, Copy)]
struct Segment {
    /// UTF-16 column; columns past 4 G units are past any real line and clamp anyway.
    column: u32,
    target: u32,
}

/// Walks the generated file line by line, in step with the mappings: segments of the current
/// line are buffered; when a later line is reached, the line is attributed and forgotten.
struct LineWalker<'g> {
    generated: &'g [u8],
    /// Byte offset where the current line starts.
    line_start: usize,
    /// Index of the current line.
    line_index: u64,
    /// The file's last line has been attributed; later lines do not exist.
    past_end: bool,
    /// Segments of the current line, in arrival order.
    segments: Vec<Segment>,
    segments_sorted: bool,
    slot_bytes: Vec<u64>,
    unmapped: u64,
    line_terminators: u64,
    issues: Issues,
    /// Lines with columns past their end, and how many: at most one entry per line.
    overrun_lines: Vec<(u64, u64)>,
}

impl<'g> LineWalker<'g> {
    fn new(generated: &'g [u8]) -> Self {
        LineWalker {
            generated,
            line_start: 0,
            line_index: 0,
            past_end: false,
            segments: Vec::new(),
            segments_sorted: true,
            slot_bytes: Vec::new(),
            unmapped: 0,
            line_terminators: 0,
            issues: Issues::default(),
            overrun_lines: Vec::new(),
        }
    }

    /// Stops reporting the overruns on lines that start inside a literal (see [`attribute`]).
    /// Runs only when some line overran, so a matching map costs nothing more.
    fn excuse_overruns_inside_literals(&mut self) {
        if self.overrun_lines.is_empty() {
            return;
        }
        let Ok(feeds) = js_scan::literal_line_feeds(self.generated) else {
            return;
        };
        // The line after the feed at `offset` is line (line feeds before it) + 1.
        let mut lines_inside = Vec::with_capacity(feeds.len());
        let (mut counted_to, mut feeds_before) = (0, 0u64);
        for offset in feeds {
            feeds_before +=
                memchr::memchr_iter(b'\n', &self.generated[counted_to..offset]).count() as u64;
            counted_to = offset;
            lines_inside.push(feeds_before + 1);
        }
        for &(line, overruns) in &self.overrun_lines {
            if lines_inside.binary_search(&line).is_ok() {
                self.issues.past_end_of_line -= overruns;
            }
        }
    }

    /// Moves to line `line` (attributing every line before it), or reports that it cannot
    /// because the walker is already past it. Returns whether `line` exists in the file.
    fn reach(&mut self, line: u64) -> bool {
        if line < self.line_index {
            // Only index maps with inconsistent sections can go back; their bytes are already
            // counted.
            self.issues.overlapping_mappings += 1;
            return false;
        }
        while self.line_index < line && !self.past_end {
            self.finish_line();
        }
        if self.past_end {
            self.line_index = line;
            return false;
        }
        true
    }

    fn push(&mut self, at: Position, target: u32) {
        if (at.line != self.line_index || self.past_end) && !self.reach(at.line) {
            if self.past_end {
                self.issues.past_end_of_file += 1;
            }
            return;
        }
        self.buffer(at.column, target);
    }

    /// Ends the mapped range of whatever segment precedes `at` on its line (index-map sections).
    fn mark_boundary(&mut self, at: Position) {
        if at.column > 0 && self.reach(at.line) {
            self.buffer(at.column, UNMAPPED);
        }
    }

    /// Adds a segment to the current line.
    fn buffer(&mut self, column: u64, target: u32) {
        let column = u32::try_from(column).unwrap_or(u32::MAX);
        if self
            .segments
            .last()
            .is_some_and(|last| column < last.column)
        {
            self.segments_sorted = false;
        }
        self.segments.push(Segment { column, target });
    }

    /// Attributes every line that is left.
    fn finish(&mut self) {
        while !self.past_end {
            self.finish_line();
        }
    }

    /// Attributes the current line with its buffered segments and moves to the next one.
    fn finish_line(&mut self) {
        let generated = self.generated;
        let rest = &generated[self.line_start.min(generated.len())..];
        let (content_len, terminator_len) = match memchr::memchr(b'\n', rest) {
            Some(newline) if newline > 0 && rest[newline - 1] == b'\r' => (newline - 1, 2),
            Some(newline) => (newline, 1),
            None => (rest.len(), 0),
        };
        let line = &rest[..content_len];

        if !self.segments_sorted {
            // Stable, so segments sharing a column keep their order: the last one wins, as
            // zero-width ones before it get nothing.
            self.segments.sort_by_key(|s| s.column);
        }
        // Taken out for the call so the walker can be borrowed mutably; the buffer is reused.
        let mut segments = std::mem::take(&mut self.segments);
        attribute_line(line, &segments, self);
        segments.clear();
        self.segments = segments;

        self.line_terminators += terminator_len as u64;
        self.segments_sorted = true;
        self.line_index += 1;
        if terminator_len == 0 {
            self.past_end = true;
        } else {
            self.line_start += content_len + terminator_len;
        }
    }

    fn add(&mut self, target: u32, bytes: usize) {
        let bytes = bytes as u64;
        if target == UNMAPPED {
            self.unmapped += bytes;
            return;
        }
        let slot = target as usize;
        if slot >= self.slot_bytes.len() {
            self.slot_bytes.resize(slot + 1, 0);
        }
        self.slot_bytes[slot] += bytes;
    }
}

/// Splits `line` (without its terminator) between its sorted `segments`.
fn attribute_line(line: &[u8], segments: &[Segment], walker: &mut LineWalker<'_>) {
    let Some(first) = segments.first() else {
        walker.unmapped += line.len() as u64;
        return;
    };
    let mut columns = ColumnToByte::new(line);
    let mut clamped = 0;
    let mut start = columns.byte_offset(first.column, &mut clamped);
    walker.unmapped += start as u64;
    for (i, segment) in segments.iter().enumerate() {
        let end = match segments.get(i + 1) {
            Some(next) => columns.byte_offset(next.column, &mut clamped),
            None => line.len(),
        };
        walker.add(segment.target, end - start);
        start = end;
    }
    walker.issues.past_end_of_line += clamped;
    if clamped > 0 {
        walker.overrun_lines.push((walker.line_index, clamped));
    }
}

/// Converts increasing UTF-16 columns of one line into byte offsets. ASCII lines (all of most
/// minified bundles) are 1:1; other lines are walked once, forward, as UTF-8 where invalid bytes
/// count as one unit each (what a decoder that escapes them, like Python's `surrogateescape`,
/// produces).
struct ColumnToByte<'l> {
    line: &'l [u8],
    ascii: bool,
    byte: usize,
    unit: u64,
}

impl<'l> ColumnToByte<'l> {
    fn new(line: &'l [u8]) -> Self {
        ColumnToByte {
            line,
            ascii: line.is_ascii(),
            byte: 0,
            unit: 0,
        }
    }

    /// The byte offset of `column`; columns must not decrease between calls. A column past the
    /// end of the line clamps to the end and is counted in `clamped`; a column inside a
    /// surrogate pair rounds down to the start of its character.
    fn byte_offset(&mut self, column: u32, clamped: &mut u64) -> usize {
        let column = u64::from(column);
        if self.ascii {
            let len = self.line.len() as u64;
            if column > len {
                *clamped += 1;
                return self.line.len();
            }
            return column as usize;
        }
        while self.unit < column {
            if self.byte >= self.line.len() {
                *clamped += 1;
                break;
            }
            let (bytes, units) = utf8_char(&self.line[self.byte..]);
            if self.unit + units > column {
                break;
            }
            self.byte += bytes;
            self.unit += units;
        }
        self.byte
    }
}

/// Length in bytes and in UTF-16 code units of the character at the start of `bytes`
/// (non-empty). An invalid or truncated sequence yields its first byte as one unit.
fn utf8_char(bytes: &[u8]) -> (usize, u64) {
    let lead = bytes[0];
    let (continuations, second_byte) = match lead {
        0x00..=0x7F => return (1, 1),
        0xC2..=0xDF => (1, 0x80..=0xBF),
        0xE0 => (2, 0xA0..=0xBF),
        0xED => (2, 0x80..=0x9F), // not surrogates
        0xE1..=0xEC | 0xEE..=0xEF => (2, 0x80..=0xBF),
        0xF0 => (3, 0x90..=0xBF),
        0xF1..=0xF3 => (3, 0x80..=0xBF),
        0xF4 => (3, 0x80..=0x8F), // not above U+10FFFF
        _ => return (1, 1),
    };
    let Some(tail) = bytes.get(1..=continuations) else {
        return (1, 1);
    };
    if !second_byte.contains(&tail[0]) || !tail[1..].iter().all(|b| (0x80..=0xBF).contains(b)) {
        return (1, 1);
    }
    // Four-byte characters are outside the BMP: a surrogate pair in UTF-16.
    let units = if continuations == 3 { 2 } else { 1 };
    (continuations + 1, units)
}

// ---------------------------------------------------------------------------------------------
// Warnings
// ---------------------------------------------------------------------------------------------

/// Problem counters, turned into at most one message each.
#[derive(Default)]
struct Issues {
    past_end_of_file: u64,
    past_end_of_line: u64,
    invalid_vlq: u64,
    bad_field_count: u64,
    source_out_of_range: u64,
    negative_values: u64,
    overlapping_mappings: u64,
    external_sections: u64,
    unusable_sections: u64,
}

impl Issues {
    fn messages(&self) -> Vec<String> {
        let mismatch = "(the map does not match this file)";
        let mut messages = Vec::new();
        let mut say = |count: u64, one: &str, many: &str, rest: &str| {
            if count > 0 {
                let what = if count == 1 { one } else { many };
                messages.push(format!("{count} {what} {rest}"));
            }
        };
        say(
            self.past_end_of_file,
            "mapping points",
            "mappings point",
            &format!("past the end of the generated file {mismatch}"),
        );
        say(
            self.past_end_of_line,
            "mapping points",
            "mappings point",
            &format!("past the end of its generated line {mismatch}; clamped to the line end"),
        );
        say(
            self.invalid_vlq,
            "segment has",
            "segments have",
            "invalid base64 VLQ data (counted as unmapped)",
        );
        say(
            self.bad_field_count,
            "segment has",
            "segments have",
            "a field count other than 1, 4 or 5 (counted as unmapped)",
        );
        say(
            self.source_out_of_range,
            "segment names",
            "segments name",
            "a source index outside `sources` (counted as unmapped)",
        );
        say(
            self.negative_values,
            "segment has",
            "segments have",
            "a negative column, source, line or name index (counted as unmapped)",
        );
        say(
            self.overlapping_mappings,
            "mapping overlaps",
            "mappings overlap",
            "the next index-map section (ignored)",
        );
        say(
            self.external_sections,
            "index-map section refers",
            "index-map sections refer",
            "to an external map by `url`, which is not supported (its bytes are unmapped)",
        );
        say(
            self.unusable_sections,
            "index-map section is",
            "index-map sections are",
            "unusable: no offset or map, not version 3, or nested too deep (its bytes are unmapped)",
        );
        messages
    }
}

// ---------------------------------------------------------------------------------------------
// Source names
// ---------------------------------------------------------------------------------------------

/// The folder of `map_path` (relative to the audited folder), `""` for the top.
fn parent_folder(map_path: &str) -> String {
    let path = normalize_path(&map_path.replace('\\', "/"));
    match path.rsplit_once('/') {
        Some(("", _)) => "/".to_owned(),
        Some((folder, _)) => folder.to_owned(),
        None if path == ".." => "..".to_owned(),
        None => String::new(),
    }
}

/// The display name of one entry of `sources` (see [`attribute`] for the rules).
fn resolve_source(source: Option<&str>, source_root: Option<&str>, map_dir: &str) -> String {
    let Some(source) = source else {
        return UNKNOWN_SOURCE.to_owned();
    };
    // Rollup marks plugin-internal modules with a leading NUL (`\0commonjsHelpers.js`); they
    // have no file, so neither the root nor the map's folder applies.
    if let Some(nul) = source.find('\0') {
        return format!("virtual:{}", source[nul..].replace('\0', ""));
    }
    let joined = match source_root {
        Some(root) if !root.is_empty() && url_scheme(source).is_none() => {
            if root.ends_with('/') || source.starts_with('/') {
                format!("{root}{source}")
            } else {
                format!("{root}/{source}")
            }
        }
        _ => source.to_owned(),
    };
    let joined = joined.replace('\\', "/");
    if let Some(scheme) = url_scheme(&joined) {
        return path_of_url(&joined, scheme);
    }
    if joined.starts_with('/') || is_drive_path(&joined) {
        // An absolute path: the build machine's file system, not the audited folder.
        return normalize_path(&joined);
    }
    if map_dir.is_empty() {
        normalize_path(&joined)
    } else {
        normalize_path(&format!("{map_dir}/{joined}"))
    }
}

/// The scheme of an absolute URL (`webpack`, `file`, `https`…): letters, digits, `+-.`, at least
/// two characters so that a Windows drive (`C:/`) is not taken for one.
fn url_scheme(s: &str) -> Option<&str> {
    let colon = s.find(':')?;
    let scheme = &s[..colon];
    let mut chars = scheme.chars();
    let valid = scheme.len() >= 2
        && chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    valid.then_some(scheme)
}

fn is_drive_path(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && b[2] == b'/'
}

/// The path part of a URL. `file:` paths are the build machine's absolute paths and stay
/// absolute; the authority of other schemes names a project (`webpack://my-app/`), and the path
/// after it is relative to that project.
fn path_of_url(url: &str, scheme: &str) -> String {
    let rest = &url[scheme.len() + 1..];
    let path = match rest.strip_prefix("//") {
        Some(after_slashes) => match after_slashes.find('/') {
            Some(slash) => &after_slashes[slash..],
            None => "",
        },
        None => rest,
    };
    if scheme.eq_ignore_ascii_case("file") {
        // `file:///C:/x` → `C:/x`.
        let path = match path.strip_prefix('/') {
            Some(p) if is_drive_path(p) => p,
            _ => path,
        };
        normalize_path(path)
    } else {
        normalize_path(path.trim_start_matches('/'))
    }
}

/// Folds `.`, `..` and empty segments. A relative path keeps the `..` that climb above its
/// start as a leading `../`; an absolute one cannot climb above `/`.
/// A source name `/`-separated and normalised ([`normalize_path`]); borrowed when it already
/// is, as nearly every bundler writes them: the package rules ask this of every source of every
/// map, on every run.
fn normalized_source(source: &str) -> std::borrow::Cow<'_, str> {
    let already = !source.contains('\\')
        && !source.contains("//")
        && !source.is_empty()
        && (source == "/" || !source.ends_with('/'))
        && !source.split('/').any(|part| part == "." || part == "..");
    if already {
        std::borrow::Cow::Borrowed(source)
    } else {
        std::borrow::Cow::Owned(normalize_path(&source.replace('\\', "/")))
    }
}

fn normalize_path(path: &str) -> String {
    let absolute = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    let mut climbs = 0usize;
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() && !absolute {
                    climbs += 1;
                }
            }
            _ => parts.push(part),
        }
    }
    let mut out = String::with_capacity(path.len());
    if absolute {
        out.push('/');
    }
    for _ in 0..climbs {
        out.push_str("../");
    }
    out.push_str(&parts.join("/"));
    if out.ends_with('/') && out.len() > 1 {
        out.pop();
    }
    if out.is_empty() {
        out.push('.');
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Packages
// ---------------------------------------------------------------------------------------------

/// The npm package a source path belongs to, from its LAST `node_modules/` segment:
/// `node_modules/<name>` or `node_modules/@scope/<name>`.
///
/// `copy` is the normalised path up to and including the package folder, so
/// `node_modules/a/node_modules/lodash` and `node_modules/lodash` are two copies. `version` is
/// read from pnpm's `.pnpm/<name>@<version>/node_modules/<name>` and yarn berry's
/// `<name>-npm-<version>-<hash>.zip/node_modules/<name>` (cache and `unplugged`) layouts.
/// Vite's pre-bundled `node_modules/.vite/deps/<flat-id>.js` files (dev server) name their
/// package only in the file name; their `copy` is `…/node_modules/.vite/deps/<name>` and they
/// have no version; its shared `chunk-*.js` belong to no single package.
///
/// Expects names as [`attribute`] returns them (`/`-separated); `.` and `..` are folded.
pub fn package_of(source: &str) -> Option<PackageRef> {
    // Most sources of an app's own code: no need to normalise them to know. One searcher for
    // every call: `str::contains` builds its own each time, which costs more than the search
    // in a source name (asked of every source of every map, several times, on every run).
    static NODE_MODULES: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new("node_modules"));
    NODE_MODULES.find(source.as_bytes())?;
    let normalized = normalized_source(source);
    let normalized = normalized.as_ref();
    let absolute = normalized.starts_with('/');
    let parts: Vec<&str> = normalized.split('/').filter(|p| !p.is_empty()).collect();
    let at = (0..parts.len().saturating_sub(1))
        .rev()
        .find(|&i| parts[i] == "node_modules")?;
    let join = |end: usize| {
        let joined = parts[..end].join("/");
        if absolute {
            format!("/{joined}")
        } else {
            joined
        }
    };

    let first = parts[at + 1];
    if first.starts_with('.') {
        return vite_dep(&parts, at, &join);
    }
    let (name, end) = if first.starts_with('@') {
        let second = parts.get(at + 2).filter(|s| !s.is_empty())?;
        if first.len() < 2 {
            return None;
        }
        (format!("{first}/{second}"), at + 3)
    } else {
        (first.to_owned(), at + 2)
    };
    let version = at.checked_sub(1).and_then(|before| {
        let holder = parts[before];
        let store = before.checked_sub(1).map(|i| parts[i]);
        pnpm_version(holder, store, &name).or_else(|| yarn_version(holder, &name))
    });
    Some(PackageRef {
        name,
        copy: join(end),
        version,
    })
}

/// pnpm's virtual store: `.pnpm/<name with / as +>@<version>[_peers|(peers)]`.
fn pnpm_version(holder: &str, store: Option<&str>, name: &str) -> Option<String> {
    if store != Some(".pnpm") {
        return None;
    }
    let rest = holder
        .strip_prefix(&name.replace('/', "+"))?
        .strip_prefix('@')?;
    let version = rest.split(['_', '(']).next().unwrap_or_default();
    (!version.is_empty()).then(|| version.to_owned())
}

/// Yarn berry's cache archives and unplugged folders:
/// `<name with / as ->-npm-<version>-<checksum>-<hash>[.zip]`.
fn yarn_version(holder: &str, name: &str) -> Option<String> {
    if !holder.contains("-npm-") {
        return None;
    }
    let prefix = format!("{}-npm-", name.replace('/', "-"));
    let rest = holder.strip_prefix(&prefix)?;
    let mut rest = rest.strip_suffix(".zip").unwrap_or(rest);
    // Drop the trailing hex hashes (one or two, 8+ digits), never the version itself.
    for _ in 0..2 {
        match rest.rsplit_once('-') {
            Some((before, hash))
                if hash.len() >= 8 && hash.bytes().all(|b| b.is_ascii_hexdigit()) =>
            {
                rest = before
            }
            _ => break,
        }
    }
    (!rest.is_empty()).then(|| rest.to_owned())
}

/// Vite's dependency pre-bundles: `node_modules/.vite/deps/<flattened id>.js`, where the id's
/// `/` became `_`, `.` became `__`, ` > ` (nested deps) `___` and `#` `____`.
/// Where a source lies inside its package folder (`dist/lodash.js` for
/// `node_modules/lodash/dist/lodash.js`); the normalized source when it does not start with the
/// folder (Vite's pre-bundled `.vite/deps` files).
pub fn path_in_package(source: &str, package: &PackageRef) -> String {
    let normalized = normalized_source(source);
    match normalized
        .strip_prefix(package.copy.as_str())
        .and_then(|rest| rest.strip_prefix('/'))
    {
        Some(inside) if !inside.is_empty() => inside.to_string(),
        _ => normalized.into_owned(),
    }
}

fn vite_dep(parts: &[&str], at: usize, join: &dyn Fn(usize) -> String) -> Option<PackageRef> {
    if !parts[at + 1].starts_with(".vite") || parts.get(at + 2).copied() != Some("deps") {
        return None;
    }
    let file = parts.get(at + 3)?;
    let stem = file.split('?').next().unwrap_or(file);
    let stem = stem
        .strip_suffix(".js")
        .or_else(|| stem.strip_suffix(".mjs"))
        .unwrap_or(stem);
    if stem.starts_with("chunk-") || stem.is_empty() {
        return None;
    }
    let mut id = String::with_capacity(stem.len());
    let mut chars = stem.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '_' {
            id.push(c);
            continue;
        }
        let mut run = 1;
        while chars.peek() == Some(&'_') {
            chars.next();
            run += 1;
        }
        id.push_str(match run {
            1 => "/",
            2 => ".",
            3 => " > ",
            _ => "#",
        });
    }
    // For `a > b` the bundled package is the last one.
    let id = id.rsplit(" > ").next().unwrap_or(&id);
    let mut segments = id.split('/');
    let first = segments.next().filter(|s| !s.is_empty())?;
    let name = if first.starts_with('@') {
        format!("{first}/{}", segments.next().filter(|s| !s.is_empty())?)
    } else {
        first.to_owned()
    };
    Some(PackageRef {
        copy: format!("{}/{name}", join(at + 3)),
        name,
        version: None,
    })
}

// ---------------------------------------------------------------------------------------------
// Finding the map
// ---------------------------------------------------------------------------------------------

/// The URL of the last `//# sourceMappingURL=` comment (or `/*# sourceMappingURL=… */` as CSS
/// writes it, or the legacy `//@` / `/*@` forms), if it is in the file's tail: only whitespace
/// and other comments may follow it. The same text inside code (a string literal in a bundled
/// source-map library) is not a comment and is ignored.
pub fn source_mapping_url(generated: &[u8]) -> Option<String> {
    const NEEDLE: &[u8] = b"sourceMappingURL=";
    // The last one. Searched forwards: memchr's forward search is vectorised and its reverse
    // search is not, and most scripts hold no such comment, so the whole file is searched
    // (26 MB of mlflow's scripts: 1.2 % of its cold audit backwards). The needle cannot
    // overlap itself, so every occurrence is found.
    let at = memchr::memmem::find_iter(generated, NEEDLE).last()?;

    // Before the needle: `//#` or `/*#` (or `@`), then optional blanks.
    let before = generated[..at].trim_ascii_end();
    let before = before
        .strip_suffix(b"#")
        .or_else(|| before.strip_suffix(b"@"))?;
    let block = if before.ends_with(b"/*") {
        true
    } else if before.ends_with(b"//") {
        false
    } else {
        return None;
    };

    let value_start = at + NEEDLE.len();
    let rest = &generated[value_start..];
    let line_end = memchr::memchr2(b'\n', b'\r', rest).unwrap_or(rest.len());
    let line = &rest[..line_end];
    let (url, after) = if block {
        match find(line, b"*/") {
            Some(close) => (&line[..close], &rest[close + 2..]),
            None => (line, &rest[line_end..]),
        }
    } else {
        (line, &rest[line_end..])
    };
    if !only_comments_and_whitespace(after) {
        return None;
    }
    let url = url.trim_ascii();
    // A URL has no blanks, quotes, backticks or braces. Code that writes a map comment
    // (TypeScript's emitter in Monaco's ts.worker.js: `writeComment(\`//# sourceMappingURL=${r}\`)`)
    // holds the text inside a template literal; on a minified line, the "comment" would run on
    // through megabytes of code, to the end of the file.
    if url.is_empty()
        || url
            .iter()
            .any(|b| b.is_ascii_whitespace() || matches!(b, b'`' | b'"' | b'\'' | b'{' | b'}'))
    {
        return None;
    }
    Some(String::from_utf8_lossy(url).into_owned())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(haystack, needle)
}

fn only_comments_and_whitespace(mut rest: &[u8]) -> bool {
    loop {
        rest = rest.trim_ascii_start();
        if rest.is_empty() {
            return true;
        }
        if rest.starts_with(b"//") {
            let end = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
            rest = &rest[end..];
        } else if rest.starts_with(b"/*") {
            match find(&rest[2..], b"*/") {
                Some(close) => rest = &rest[2 + close + 2..],
                None => return true,
            }
        } else {
            return false;
        }
    }
}

/// Decodes a `data:` URL holding an inline map: `data:application/json;base64,…` and its
/// `;charset=utf-8` variants (base64, standard or URL-safe alphabet, padding optional), or the
/// percent-encoded form `data:application/json,%7B…`. `None` when it is not a data URL, its
/// payload is not valid base64, or it would decode to more than [`MAX_MAP_BYTES`] (the limit a
/// map file has).
pub fn decode_data_url(url: &str) -> Option<Vec<u8>> {
    let url = url.trim();
    let scheme = url.get(..5)?;
    if !scheme.eq_ignore_ascii_case("data:") {
        return None;
    }
    let (meta, payload) = url[5..].split_once(',')?;
    let is_base64 = meta
        .rsplit(';')
        .next()
        .is_some_and(|last| last.trim().eq_ignore_ascii_case("base64"));
    // `%XX` → byte; a `%` not followed by two hex digits stays as it is.
    let bytes: Vec<u8> = percent_encoding::percent_decode_str(payload).collect();
    if is_base64 {
        base64_decode(bytes)
    } else {
        Some(bytes).filter(|bytes| bytes.len() as u64 <= MAX_MAP_BYTES)
    }
}

/// Bytes that `digits` base64 digits (no padding) decode to: three per four, the size is known
/// before decoding.
fn base64_decoded_len(digits: usize) -> u64 {
    let digits = digits as u64;
    digits / 4 * 3 + digits % 4 * 3 / 4
}

/// Standard or URL-safe base64 (even mixed); whitespace ignored; `=` padding optional but only
/// at the end; bits left over in the last digit ignored. The base64 crate decodes one alphabet,
/// rejects white space and wants exact padding, so the input is first brought to that form.
fn base64_decode(mut input: Vec<u8>) -> Option<Vec<u8>> {
    use base64::Engine as _;
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::RequireNone)
            .with_decode_allow_trailing_bits(true),
    );
    input.retain(|b| !b.is_ascii_whitespace());
    for byte in &mut input {
        match *byte {
            b'-' => *byte = b'+',
            b'_' => *byte = b'/',
            _ => {}
        }
    }
    let digits = input.len() - input.iter().rev().take_while(|&&b| b == b'=').count();
    if base64_decoded_len(digits) > MAX_MAP_BYTES {
        return None;
    }
    LENIENT.decode(&input[..digits]).ok()
}

// ---------------------------------------------------------------------------------------------
// Original positions
// ---------------------------------------------------------------------------------------------

/// A place in an original source, as a source map gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginalPosition {
    /// The source, resolved like [`attribute`]'s source names.
    pub source: String,
    /// 0-based, as in the map.
    pub line: u64,
    /// 0-based UTF-16 column, as in the map.
    pub column: u64,
}

/// What [`original_position`] looks for.
#[derive(Debug, Clone, Copy)]
pub enum Lookup<'a> {
    /// Where a generated position (0-based line and UTF-16 column) comes from: the mapping
    /// with the largest column at or before it on that line (the usual "greatest lower bound"
    /// of source-map consumers). A position whose closest mapping has no source has none.
    Generated { line: u64, column: u64 },
    /// The first mapping, in generated order, into the source with this resolved name.
    FirstInto(&'a str),
}

/// Looks one position up in a map (see [`original_positions`]).
pub fn original_position(
    map_json: &[u8],
    map_path: &str,
    lookup: Lookup<'_>,
) -> Result<Option<OriginalPosition>, SourceMapError> {
    Ok(original_positions(map_json, map_path, &[lookup])?
        .pop()
        .flatten())
}

/// Looks several positions up in one parse and one walk of a map, stopping as soon as every
/// answer is known. Unlike [`attribute`] this keeps nothing per line: it runs for the few
/// findings that need an original position (outputs that point at sources), after the rules,
/// not on the audit's hot path. Each answer is `None` when the map has no such mapping.
pub fn original_positions(
    map_json: &[u8],
    map_path: &str,
    lookups: &[Lookup<'_>],
) -> Result<Vec<Option<OriginalPosition>>, SourceMapError> {
    let map: RawMap<'_> = serde_json::from_slice(strip_json_prefix(map_json))
        .map_err(|e| SourceMapError(format!("not a usable JSON source map: {e}")))?;
    if let Some(problem) = map.version_problem() {
        return Err(SourceMapError(problem));
    }
    let map_dir = parent_folder(map_path);
    let owned = |original: Option<(&str, u64, u64)>| {
        original.map(|(source, line, column)| OriginalPosition {
            source: source.to_owned(),
            line,
            column,
        })
    };
    let mut best: Vec<Option<(Position, Option<OriginalPosition>)>> = vec![None; lookups.len()];
    let mut done = vec![false; lookups.len()];
    visit_mappings(
        &map,
        &map_dir,
        Position::default(),
        None,
        0,
        &mut |at, original| {
            let mut pending = false;
            for ((lookup, best), done) in lookups.iter().zip(&mut best).zip(&mut done) {
                if *done {
                    continue;
                }
                match *lookup {
                    Lookup::Generated { line, column } => {
                        // Lines arrive in order (sections are sorted): past the wanted line
                        // nothing can match.
                        if at.line > line {
                            *done = true;
                            continue;
                        }
                        pending = true;
                        if at.line == line
                            && at.column <= column
                            && best
                                .as_ref()
                                .is_none_or(|(seen, _)| at.column >= seen.column)
                        {
                            *best = Some((at, owned(original)));
                        }
                    }
                    Lookup::FirstInto(wanted) => match original {
                        Some((source, ..)) if source == wanted => {
                            *best = Some((at, owned(original)));
                            *done = true;
                        }
                        _ => pending = true,
                    },
                }
            }
            pending
        },
    );
    Ok(best
        .into_iter()
        .map(|found| found.and_then(|(_, original)| original))
        .collect())
}

/// Receives a generated position and, for a mapped segment, (source, original line, column);
/// returns false to stop the walk.
type MappingVisitor<'v> = dyn FnMut(Position, Option<(&str, u64, u64)>) -> bool + 'v;

/// Calls `visit` with every decodable mapping of `map` placed at `start` (index-map sections
/// included, each ending where the next starts): the generated position and, for segments
/// with a source, (resolved source, original line, original column). `visit` returns false to
/// stop. Broken segments are skipped, as [`attribute`] counts them unmapped.
fn visit_mappings(
    map: &RawMap<'_>,
    map_dir: &str,
    start: Position,
    limit: Option<Position>,
    depth: u32,
    visit: &mut MappingVisitor<'_>,
) -> bool {
    if let Some(sections) = &map.sections {
        let mut placed: Vec<(Position, &RawSection<'_>)> = sections
            .iter()
            .filter_map(|section| {
                let offset = section.offset.filter(|o| o.line >= 0 && o.column >= 0)?;
                let (line, column) = (offset.line as u64, offset.column as u64);
                let at = Position {
                    line: start.line.saturating_add(line),
                    column: if line == 0 {
                        start.column.saturating_add(column)
                    } else {
                        column
                    },
                };
                Some((at, section))
            })
            .collect();
        placed.sort_by_key(|(at, _)| *at);
        for (i, &(at, section)) in placed.iter().enumerate() {
            let next = placed.get(i + 1).map(|(next, _)| *next);
            let section_limit = match (next, limit) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            let Some(inner) = &section.map else { continue };
            if depth >= MAX_SECTION_DEPTH
                || inner.version_problem().is_some()
                || limit.is_some_and(|limit| at >= limit)
            {
                continue;
            }
            if !visit_mappings(inner, map_dir, at, section_limit, depth + 1, visit) {
                return false;
            }
        }
        return true;
    }
    let Some(mappings) = &map.mappings else {
        return true;
    };
    let source_root = map.source_root.as_deref();
    let names: Vec<String> = map
        .sources
        .as_deref()
        .unwrap_or_default()
        .iter()
        .map(|source| resolve_source(source.as_deref(), source_root, map_dir))
        .collect();
    let mappings = mappings.0.as_bytes();
    let mut line: u64 = 0;
    let mut column: i64 = 0;
    let (mut source, mut original_line, mut original_column) = (0i64, 0i64, 0i64);
    let mut pos = 0;
    while let Some(&byte) = mappings.get(pos) {
        match byte {
            b';' => {
                line += 1;
                column = 0;
                pos += 1;
                continue;
            }
            b',' => {
                pos += 1;
                continue;
            }
            _ => {}
        }
        let segment = decode_segment(mappings, &mut pos);
        if segment.count == 0 || !segment.valid {
            continue;
        }
        let f = segment.fields;
        column = column.saturating_add(f[0]);
        if segment.count >= 2 {
            source = source.saturating_add(f[1]);
        }
        if segment.count >= 3 {
            original_line = original_line.saturating_add(f[2]);
        }
        if segment.count >= 4 {
            original_column = original_column.saturating_add(f[3]);
        }
        if column < 0 {
            continue;
        }
        let at = Position {
            line: start.line.saturating_add(line),
            column: if line == 0 {
                start.column.saturating_add(column as u64)
            } else {
                column as u64
            },
        };
        if limit.is_some_and(|limit| at >= limit) {
            continue;
        }
        let original = match segment.count {
            4 | 5 if original_line >= 0 && original_column >= 0 => usize::try_from(source)
                .ok()
                .and_then(|s| names.get(s))
                .map(|name| (name.as_str(), original_line as u64, original_column as u64)),
            _ => None,
        };
        if !visit(at, original) {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    // ---- helpers ------------------------------------------------------------------------

    fn encode_vlq(value: i64, out: &mut String) {
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut v: u64 = if value < 0 {
            ((-value as u64) << 1) | 1
        } else {
            (value as u64) << 1
        };
        loop {
            let mut digit = (v & 31) as usize;
            v >>= 5;
            if v > 0 {
                digit |= 32;
            }
            out.push(alphabet[digit] as char);
            if v == 0 {
                break;
            }
        }
    }

    /// One segment with absolute values: (column, Some((source, line, column))).
    type Seg = (i64, Option<(i64, i64, i64)>);

    /// Encodes lines of absolute segments as a `mappings` string.
    fn encode_mappings(lines: &[&[Seg]]) -> String {
        let mut out = String::new();
        let (mut src, mut ol, mut oc) = (0, 0, 0);
        for (i, line) in lines.iter().enumerate() {
            if i > 0 {
                out.push(';');
            }
            let mut col = 0;
            for (j, &(c, mapped)) in line.iter().enumerate() {
                if j > 0 {
                    out.push(',');
                }
                encode_vlq(c - col, &mut out);
                col = c;
                if let Some((s, l, o)) = mapped {
                    encode_vlq(s - src, &mut out);
                    encode_vlq(l - ol, &mut out);
                    encode_vlq(o - oc, &mut out);
                    (src, ol, oc) = (s, l, o);
                }
            }
        }
        out
    }

    fn map_json(sources: &[&str], mappings: &str) -> Vec<u8> {
        serde_json::json!({"version": 3, "sources": sources, "names": [], "mappings": mappings})
            .to_string()
            .into_bytes()
    }

    fn check_invariant(a: &Attribution) {
        assert_eq!(
            a.generated_bytes,
            a.mapped_bytes() + a.unmapped + a.line_terminators,
            "{a:?}"
        );
    }

    fn attr(generated: &str, map: &[u8]) -> Attribution {
        let a = attribute(
            generated.as_bytes(),
            map,
            "assets/app.js.map",
            GeneratedLanguage::Script,
        )
        .expect("usable map");
        check_invariant(&a);
        a
    }

    fn bytes_of(a: &Attribution, source: &str) -> u64 {
        a.sources
            .iter()
            .find(|s| s.source == source)
            .map_or(0, |s| s.bytes)
    }

    fn decode(s: &str) -> RawSegment {
        let mut pos = 0;
        decode_segment(s.as_bytes(), &mut pos)
    }

    /// A small deterministic PRNG (xorshift64*), so fuzz-ish tests are reproducible.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    // ---- VLQ ----------------------------------------------------------------------------

    #[test]
    fn vlq_single_digits_and_signs() {
        assert_eq!(decode("A").fields[0], 0);
        assert_eq!(decode("C").fields[0], 1);
        assert_eq!(decode("D").fields[0], -1);
        assert_eq!(decode("e").fields[0], 15);
        assert_eq!(decode("f").fields[0], -15);
        // "B" is negative zero: zero.
        assert_eq!(decode("B").fields[0], 0);
    }

    #[test]
    fn vlq_multi_digit_values() {
        assert_eq!(decode("gB").fields[0], 16);
        assert_eq!(decode("hB").fields[0], -16);
        assert_eq!(decode("2H").fields[0], 123);
        assert_eq!(decode("+/////D").fields[0], i64::from(i32::MAX));
        assert_eq!(decode("//////D").fields[0], -i64::from(i32::MAX));
        let s = decode("AAgBC");
        assert!(s.valid);
        assert_eq!(s.count, 4);
        assert_eq!(&s.fields[..4], &[0, 0, 16, 1]);
    }

    #[test]
    fn vlq_roundtrip() {
        for v in [
            0,
            1,
            -1,
            15,
            16,
            -16,
            31,
            32,
            1000,
            -1000,
            1 << 20,
            i64::from(i32::MIN) + 1,
        ] {
            let mut s = String::new();
            encode_vlq(v, &mut s);
            let seg = decode(&s);
            assert!(seg.valid && seg.count == 1 && seg.fields[0] == v, "{v} {s}");
        }
    }

    #[test]
    fn vlq_errors() {
        // Continuation bit on the last digit of the string, or of the segment.
        let s = decode("g");
        assert!(!s.valid);
        assert_eq!(s.count, 0);
        let mut pos = 0;
        let s = decode_segment(b"AAg,AAAA", &mut pos);
        assert!(!s.valid);
        assert_eq!((s.count, pos), (2, 3));
        // Not a base64 digit.
        assert!(!decode("A!AA").valid);
        assert!(!decode("A=").valid);
        // Too long for any real value: rejected instead of overflowing.
        let s = decode("gggggggggggggggggggggggggA");
        assert!(!s.valid);
        // More than five fields are counted, not stored.
        let s = decode("AAAAAAA");
        assert!(s.valid);
        assert_eq!(s.count, 7);
    }

    // ---- segments -----------------------------------------------------------------------

    #[test]
    fn four_field_segments_cover_up_to_the_next_segment() {
        let mappings = encode_mappings(&[&[(2, Some((0, 0, 0))), (5, Some((1, 3, 4)))]]);
        let a = attr("ab0123456", &map_json(&["a.js", "b.js"], &mappings));
        assert_eq!(bytes_of(&a, "assets/a.js"), 3);
        assert_eq!(bytes_of(&a, "assets/b.js"), 4);
        assert_eq!(a.unmapped, 2, "before the first segment");
        assert!(a.warnings.is_empty(), "{:?}", a.warnings);
    }

    #[test]
    fn one_field_segments_are_unmapped_and_five_field_segments_mapped() {
        // col 0 → a.js (5 fields: with a name), col 4 → 1-field, col 6 → b.js.
        let mappings = "AAAAA,I,ECAAA";
        let a = attr("01234567", &map_json(&["a.js", "b.js"], mappings));
        assert_eq!(bytes_of(&a, "assets/a.js"), 4);
        assert_eq!(a.unmapped, 2);
        assert_eq!(bytes_of(&a, "assets/b.js"), 2);
    }

    #[test]
    fn two_and_three_field_segments_are_counted_and_unmapped() {
        let a = attr("0123456789", &map_json(&["a.js"], "AAAA,EA,EAA,EAAA"));
        assert_eq!(bytes_of(&a, "assets/a.js"), 2 + 4);
        assert_eq!(a.unmapped, 4);
        assert_eq!(a.warnings.len(), 1);
        assert!(
            a.warnings[0].starts_with("2 segments have a field count"),
            "{:?}",
            a.warnings
        );
    }

    #[test]
    fn lines_and_terminators() {
        // Line 0: mapped from col 1; line 1: no segments; line 2 (\r\n): mapped from 0.
        let mappings = encode_mappings(&[&[(1, Some((0, 0, 0)))], &[], &[(0, Some((0, 1, 0)))]]);
        let a = attr("abc\ndef\r\nxyz\n", &map_json(&["a.js"], &mappings));
        assert_eq!(a.line_terminators, 1 + 2 + 1);
        assert_eq!(bytes_of(&a, "assets/a.js"), 2 + 3);
        assert_eq!(a.unmapped, 1 + 3);
        assert_eq!(a.generated_bytes, 13);
    }

    #[test]
    fn utf16_columns_on_a_line_with_emoji_and_accents() {
        // UTF-16 columns: a0 =1 "2 é3 😀4-5 "6 ;7 b8 ñ9 c10
        // bytes:          a0 =1 "2 é3-4 😀5-8 "9 ;10 b11 ñ12-13 c14
        let generated = "a=\"é😀\";bñc";
        let mappings = encode_mappings(&[&[
            (0, Some((0, 0, 0))),
            (6, Some((1, 0, 0))),
            (9, Some((2, 0, 0))),
        ]]);
        let a = attr(generated, &map_json(&["x.js", "y.js", "z.js"], &mappings));
        assert_eq!(bytes_of(&a, "assets/x.js"), 9);
        assert_eq!(bytes_of(&a, "assets/y.js"), 3);
        assert_eq!(bytes_of(&a, "assets/z.js"), 3);
        assert!(a.warnings.is_empty(), "{:?}", a.warnings);

        // A column inside the surrogate pair rounds down to the emoji's first byte.
        let mappings = encode_mappings(&[&[(0, Some((0, 0, 0))), (5, Some((1, 0, 0)))]]);
        let a = attr(generated, &map_json(&["x.js", "y.js"], &mappings));
        assert_eq!(bytes_of(&a, "assets/x.js"), 5);
        assert_eq!(bytes_of(&a, "assets/y.js"), 10);
    }

    #[test]
    fn invalid_utf8_bytes_count_as_one_unit_each() {
        // \xFF and a truncated 3-byte sequence: 3 units for 3 bytes, then "ab".
        let generated = b"\xFF\xE2\x82ab";
        let mappings = encode_mappings(&[&[(0, Some((0, 0, 0))), (3, Some((1, 0, 0)))]]);
        let a = attribute(
            generated,
            &map_json(&["x.js", "y.js"], &mappings),
            "m.map",
            GeneratedLanguage::Script,
        )
        .unwrap();
        check_invariant(&a);
        assert_eq!(bytes_of(&a, "x.js"), 3);
        assert_eq!(bytes_of(&a, "y.js"), 2);
    }

    #[test]
    fn utf8_char_matches_std_on_valid_text() {
        let text = "aé€😀\u{7FF}\u{800}\u{FFFF}\u{10000}\u{10FFFF}z";
        let mut i = 0;
        for c in text.chars() {
            let (len, units) = utf8_char(&text.as_bytes()[i..]);
            assert_eq!((len, units), (c.len_utf8(), c.len_utf16() as u64), "{c:?}");
            i += len;
        }
        // Overlong, surrogate and out-of-range sequences are invalid: one byte, one unit.
        for bad in [
            &b"\xC0\x80"[..],
            b"\xE0\x80\x80",
            b"\xED\xA0\x80",
            b"\xF4\x90\x80\x80",
            b"\xF8",
        ] {
            assert_eq!(utf8_char(bad), (1, 1), "{bad:?}");
        }
    }

    #[test]
    fn unsorted_segments_are_sorted_per_line() {
        // Columns 6, 0, 3 in that order.
        let mappings = "MAAA,NCAA,GCAA";
        let a = attr("0123456789", &map_json(&["a.js", "b.js", "c.js"], mappings));
        assert_eq!(bytes_of(&a, "assets/b.js"), 3);
        assert_eq!(bytes_of(&a, "assets/c.js"), 3);
        assert_eq!(bytes_of(&a, "assets/a.js"), 4);
        assert_eq!(a.unmapped, 0);
    }

    #[test]
    fn mappings_past_the_end_are_clamped_and_counted() {
        let mappings = encode_mappings(&[
            &[(0, Some((0, 0, 0))), (10, Some((1, 0, 0)))],
            &[(0, Some((0, 0, 0)))],
            &[(0, Some((0, 0, 0)))],
            &[(0, Some((0, 0, 0)))],
        ]);
        let a = attr("abc\nde", &map_json(&["a.js", "b.js"], &mappings));
        assert_eq!(bytes_of(&a, "assets/a.js"), 5);
        assert_eq!(bytes_of(&a, "assets/b.js"), 0);
        assert_eq!(
            a.warnings,
            vec![
                "2 mappings point past the end of the generated file (the map does not match this file)",
                "1 mapping points past the end of its generated line (the map does not match this file); clamped to the line end",
            ]
        );
    }

    #[test]
    fn overruns_on_lines_inside_a_literal_are_not_reported_for_scripts() {
        // Line 1 starts inside the template literal opened on line 0; a minifier that counted
        // the raw line break as `\n` writes column 7 for the `}` of the 6-unit line `${b}`;.
        let generated = "let a=`x\n${b}`;\nc()";
        let overrun = encode_mappings(&[
            &[(0, Some((0, 0, 0)))],
            &[(0, Some((0, 1, 0))), (7, Some((1, 1, 0)))],
            &[(0, Some((0, 2, 0)))],
        ]);
        let map = map_json(&["a.js", "b.js"], &overrun);
        let script = attribute(
            generated.as_bytes(),
            &map,
            "a.js.map",
            GeneratedLanguage::Script,
        )
        .unwrap();
        assert!(script.warnings.is_empty(), "{:?}", script.warnings);
        // The bytes are still clamped to the line's end, as for any other overrun.
        assert_eq!(bytes_of(&script, "a.js"), generated.len() as u64 - 2);

        // The same map on a stylesheet (no literals), or a script whose overrun is on a line
        // that starts in code, is reported.
        let stylesheet = attribute(
            generated.as_bytes(),
            &map,
            "a.js.map",
            GeneratedLanguage::Stylesheet,
        )
        .unwrap();
        assert_eq!(stylesheet.warnings.len(), 1, "{:?}", stylesheet.warnings);
        let in_code = encode_mappings(&[
            &[(0, Some((0, 0, 0)))],
            &[(0, Some((0, 1, 0)))],
            &[(0, Some((0, 2, 0))), (9, Some((1, 2, 0)))],
        ]);
        let in_code = map_json(&["a.js", "b.js"], &in_code);
        let script = attribute(
            generated.as_bytes(),
            &in_code,
            "a.js.map",
            GeneratedLanguage::Script,
        )
        .unwrap();
        assert_eq!(
            script.warnings,
            vec![
                "1 mapping points past the end of its generated line (the map does not match this file); clamped to the line end"
            ]
        );
    }

    #[test]
    fn bad_indexes_and_negative_values_are_unmapped() {
        // Source index 5 of 1; then back to 0 (valid); then source -1.
        let a = attr("0123456789", &map_json(&["a.js"], "AKAA,ELAA,EDAA,EAAA"));
        // col 0: out of range; col 2: a.js; col 4: -1; col 6: still -1.
        assert_eq!(bytes_of(&a, "assets/a.js"), 2);
        assert_eq!(a.unmapped, 8);
        assert_eq!(a.warnings.len(), 2, "{:?}", a.warnings);
        assert!(a.warnings[0].starts_with("1 segment names a source index outside"));
        assert!(a.warnings[1].starts_with("2 segments have a negative"));
        // A negative generated column cannot be placed at all.
        let a = attr("0123", &map_json(&["a.js"], "EAAA,HAAA"));
        assert_eq!(bytes_of(&a, "assets/a.js"), 2);
        assert!(a.warnings[0].starts_with("1 segment has a negative"));
    }

    #[test]
    fn invalid_vlq_keeps_going() {
        // The broken middle segment still moves the column (to 4) and its bytes are unmapped.
        let a = attr("0123456789", &map_json(&["a.js"], "AAAA,I!,EAAA"));
        assert_eq!(bytes_of(&a, "assets/a.js"), 4 + 4);
        assert_eq!(a.unmapped, 2);
        assert_eq!(a.warnings.len(), 1);
    }

    #[test]
    fn null_and_virtual_sources() {
        let json =
            br#"{"version":3,"sources":[null,"\u0000commonjsHelpers.js"],"mappings":"AAAA,ECAA"}"#;
        let a = attr("0123", json);
        assert_eq!(bytes_of(&a, UNKNOWN_SOURCE), 2);
        assert_eq!(bytes_of(&a, "virtual:commonjsHelpers.js"), 2);
    }

    #[test]
    fn duplicate_sources_share_a_name() {
        let a = attr("0123", &map_json(&["./a.js", "a.js"], "AAAA,ECAA"));
        assert_eq!(a.sources, vec![SourceBytes::new("assets/a.js".into(), 4)]);
    }

    #[test]
    fn sources_are_sorted_by_bytes_then_name() {
        // col 0 → b.js, col 5 → c.js, col 6 → a.js.
        let a = attr(
            "0123456",
            &map_json(&["a.js", "b.js", "c.js"], "ACAA,KCAA,CFAA"),
        );
        let order: Vec<_> = a
            .sources
            .iter()
            .map(|s| (s.source.as_str(), s.bytes))
            .collect();
        assert_eq!(
            order,
            vec![("assets/b.js", 5), ("assets/a.js", 1), ("assets/c.js", 1)]
        );
    }

    // ---- index maps ---------------------------------------------------------------------

    #[test]
    fn index_maps_place_each_section_at_its_offset() {
        // Line 0: "aaaa" from section 1 then "bbbb" from section 2 (offset column 4);
        // line 1: "cc" from section 2 (its line 1, mapped from column 0).
        let json = serde_json::json!({
            "version": 3,
            "sections": [
                {"offset": {"line": 0, "column": 4},
                 "map": {"version": 3, "sources": ["b.js"], "mappings": "AAAA;AAAA"}},
                {"offset": {"line": 0, "column": 0},
                 "map": {"version": 3, "sources": ["a.js"], "mappings": "AAAA"}},
            ]
        })
        .to_string();
        let a = attr("aaaabbbb\ncc", json.as_bytes());
        assert_eq!(bytes_of(&a, "assets/a.js"), 4);
        assert_eq!(bytes_of(&a, "assets/b.js"), 6);
        assert!(a.warnings.is_empty(), "{:?}", a.warnings);
    }

    #[test]
    fn index_map_sections_end_where_the_next_one_starts() {
        // Section 1 maps column 0 only; section 2 starts at column 4 but its first segment is at
        // its column 2: bytes 4..6 are unmapped, not section 1's. Section 1's mapping on line 1
        // is past section 2's start: dropped.
        let json = serde_json::json!({
            "version": 3,
            "sections": [
                {"offset": {"line": 0, "column": 0},
                 "map": {"version": 3, "sources": ["a.js"], "mappings": "AAAA;AAAA"}},
                {"offset": {"line": 0, "column": 4},
                 "map": {"version": 3, "sources": ["b.js"], "mappings": "EAAA"}},
                {"offset": {"line": 5, "column": 0}, "url": "other.map"},
            ]
        })
        .to_string();
        let a = attr("aaaa__bb\ncc", json.as_bytes());
        assert_eq!(bytes_of(&a, "assets/a.js"), 4);
        assert_eq!(bytes_of(&a, "assets/b.js"), 2);
        assert_eq!(a.unmapped, 2 + 2);
        assert_eq!(a.warnings.len(), 2, "{:?}", a.warnings);
        assert!(a.warnings[0].starts_with("1 mapping overlaps"));
        assert!(a.warnings[1].contains("`url`"));
    }

    // ---- source names -------------------------------------------------------------------

    #[test]
    fn sources_resolve_against_the_map_folder_and_root() {
        let dir = "assets";
        let r = |s: &str, root: Option<&str>| resolve_source(Some(s), root, dir);
        assert_eq!(
            r("../../node_modules/react/index.js", None),
            "../node_modules/react/index.js"
        );
        assert_eq!(r("./src/./a/../b.js", None), "assets/src/b.js");
        assert_eq!(r("b.js", Some("../src")), "src/b.js");
        assert_eq!(r("b.js", Some("../src/")), "src/b.js");
        assert_eq!(r("/abs/x.js", None), "/abs/x.js");
        assert_eq!(r("/../x.js", None), "/x.js");
        assert_eq!(r("webpack://my-app/./src/index.js", None), "src/index.js");
        assert_eq!(r("webpack:///./src/index.js", None), "src/index.js");
        assert_eq!(
            r(
                "webpack://my-app/node_modules/lodash/lodash.js",
                Some("ignored/")
            ),
            "node_modules/lodash/lodash.js"
        );
        assert_eq!(r("./src/a.js", Some("webpack:///")), "src/a.js");
        assert_eq!(
            r("file:///home/me/app/src/a.js", None),
            "/home/me/app/src/a.js"
        );
        assert_eq!(r("file:///C:/app/src/a.js", None), "C:/app/src/a.js");
        assert_eq!(r("C:\\app\\src\\a.js", None), "C:/app/src/a.js");
        assert_eq!(r("src\\a.js", None), "assets/src/a.js");
        assert_eq!(
            r("\0vite/preload-helper.js", Some("../")),
            "virtual:vite/preload-helper.js"
        );
        assert_eq!(resolve_source(None, None, dir), "[unknown]");
        assert_eq!(resolve_source(Some("../../a.js"), None, ""), "../../a.js");
        assert_eq!(
            resolve_source(Some("a.js"), None, &parent_folder("x/y/m.map")),
            "x/y/a.js"
        );
        assert_eq!(parent_folder("m.map"), "");
        assert_eq!(parent_folder("./a/../b/m.map"), "b");
    }

    // ---- packages -----------------------------------------------------------------------

    fn pkg(name: &str, copy: &str, version: Option<&str>) -> Option<PackageRef> {
        Some(PackageRef {
            name: name.into(),
            copy: copy.into(),
            version: version.map(Into::into),
        })
    }

    #[test]
    fn a_source_already_normalised_is_taken_as_it_is() {
        for source in [
            "node_modules/lodash/lodash.js",
            "/home/me/app/node_modules/react/index.js",
            "../node_modules/.pnpm/lodash@4.17.21/node_modules/lodash/a.js",
            "webpack://app/./node_modules/x/a.js",
            "./node_modules/x/../lodash/a.js",
            "node_modules\\a\\b.js",
            "node_modules//a/b.js",
            "node_modules/a/",
            "node_modules/a/.",
            "../../node_modules/a/b.js",
            "/",
            "",
            ".",
            "a/.b/..c/d",
        ] {
            let expected = normalize_path(&source.replace('\\', "/"));
            assert_eq!(normalized_source(source), expected, "{source:?}");
        }
        assert!(matches!(
            normalized_source("node_modules/.pnpm/a@1/node_modules/a/x.js"),
            std::borrow::Cow::Borrowed(_)
        ));
    }

    #[test]
    fn package_of_plain_scoped_and_nested() {
        assert_eq!(
            package_of("../node_modules/lodash/lodash.js"),
            pkg("lodash", "../node_modules/lodash", None)
        );
        assert_eq!(
            package_of("node_modules/@babel/runtime/helpers/extends.js"),
            pkg("@babel/runtime", "node_modules/@babel/runtime", None)
        );
        assert_eq!(
            package_of("node_modules/a/node_modules/lodash/fp.js"),
            pkg("lodash", "node_modules/a/node_modules/lodash", None)
        );
        assert_eq!(
            package_of("/home/me/app/node_modules/react/index.js"),
            pkg("react", "/home/me/app/node_modules/react", None)
        );
        assert_eq!(
            package_of("./node_modules/x/../lodash/a.js"),
            pkg("lodash", "node_modules/lodash", None)
        );
        assert_eq!(package_of("src/App.jsx"), None);
        assert_eq!(package_of("node_modules/"), None);
        assert_eq!(package_of("node_modules/@scope"), None);
        assert_eq!(package_of("my_node_modules/x/a.js"), None);
        assert_eq!(package_of("[unknown]"), None);
        assert_eq!(
            package_of("node_modules/lodash"),
            pkg("lodash", "node_modules/lodash", None)
        );
    }

    #[test]
    fn package_of_pnpm_and_yarn_layouts() {
        assert_eq!(
            package_of("../node_modules/.pnpm/lodash@4.17.21/node_modules/lodash/lodash.js"),
            pkg(
                "lodash",
                "../node_modules/.pnpm/lodash@4.17.21/node_modules/lodash",
                Some("4.17.21")
            )
        );
        assert_eq!(
            package_of("node_modules/.pnpm/@babel+runtime@7.24.0/node_modules/@babel/runtime/x.js"),
            pkg(
                "@babel/runtime",
                "node_modules/.pnpm/@babel+runtime@7.24.0/node_modules/@babel/runtime",
                Some("7.24.0")
            )
        );
        assert_eq!(
            package_of(
                "node_modules/.pnpm/react-dom@18.2.0_react@18.2.0/node_modules/react-dom/index.js"
            )
            .and_then(|p| p.version),
            Some("18.2.0".into())
        );
        assert_eq!(
            package_of(
                "node_modules/.pnpm/react-dom@19.0.0(react@19.0.0)/node_modules/react-dom/a.js"
            )
            .and_then(|p| p.version),
            Some("19.0.0".into())
        );
        // A dependency of lodash inside pnpm's store folder is not lodash's version.
        assert_eq!(
            package_of("node_modules/.pnpm/lodash@4.17.21/node_modules/other/a.js")
                .and_then(|p| p.version),
            None
        );
        assert_eq!(
            package_of(
                ".yarn/cache/lodash-npm-4.17.21-6382451519-eb835a2e51.zip/node_modules/lodash/lodash.js"
            ),
            pkg(
                "lodash",
                ".yarn/cache/lodash-npm-4.17.21-6382451519-eb835a2e51.zip/node_modules/lodash",
                Some("4.17.21")
            )
        );
        assert_eq!(
            package_of(".yarn/cache/@babel-core-npm-7.0.0-beta.1-abcdef0123-0123456789.zip/node_modules/@babel/core/a.js")
                .and_then(|p| p.version),
            Some("7.0.0-beta.1".into())
        );
        assert_eq!(
            package_of(
                ".yarn/unplugged/esbuild-npm-0.19.0-4c1e2d3b4a/node_modules/esbuild/lib/main.js"
            )
            .and_then(|p| p.version),
            Some("0.19.0".into())
        );
    }

    #[test]
    fn package_of_vite_deps() {
        assert_eq!(
            package_of("node_modules/.vite/deps/react-dom_client.js"),
            pkg("react-dom", "node_modules/.vite/deps/react-dom", None)
        );
        assert_eq!(
            package_of("node_modules/.vite/deps/@vue_shared.js"),
            pkg("@vue/shared", "node_modules/.vite/deps/@vue/shared", None)
        );
        assert_eq!(
            package_of("node_modules/.vite/deps/lodash__debounce.js").map(|p| p.name),
            Some("lodash.debounce".into())
        );
        assert_eq!(package_of("node_modules/.vite/deps/chunk-ABC123.js"), None);
        assert_eq!(package_of("node_modules/.cache/x.js"), None);
    }

    #[test]
    fn path_in_package_is_relative_to_the_package_folder() {
        let inside = |source: &str| {
            let package = package_of(source).expect("a package source");
            path_in_package(source, &package)
        };
        assert_eq!(inside("node_modules/lodash/dist/a.js"), "dist/a.js");
        assert_eq!(inside("../node_modules/@scope/pkg/./x/../y.js"), "y.js");
        assert_eq!(
            inside("node_modules/x/node_modules/lodash/a.js"),
            "a.js",
            "the innermost package folder"
        );
    }

    #[test]
    fn by_package_groups_copies() {
        let a = Attribution {
            generated_bytes: 10,
            sources: vec![
                SourceBytes::new("node_modules/lodash/a.js".into(), 4),
                SourceBytes::new("node_modules/x/node_modules/lodash/a.js".into(), 3),
                SourceBytes::new("node_modules/lodash/b.js".into(), 2),
                SourceBytes::new("src/a.js".into(), 1),
            ],
            unmapped: 0,
            line_terminators: 0,
            warnings: vec![],
        };
        let packages = a.by_package();
        let got: Vec<_> = packages
            .iter()
            .map(|p| (p.package.copy.as_str(), p.bytes, p.sources))
            .collect();
        assert_eq!(
            got,
            vec![
                ("node_modules/lodash", 6, 2),
                ("node_modules/x/node_modules/lodash", 3, 1)
            ]
        );
    }

    // ---- finding the map ----------------------------------------------------------------

    #[test]
    fn data_urls() {
        let json = br#"{"version":3}"#;
        assert_eq!(
            decode_data_url("data:application/json;base64,eyJ2ZXJzaW9uIjozfQ==").as_deref(),
            Some(&json[..])
        );
        assert_eq!(
            decode_data_url("data:application/json;charset=utf-8;base64,eyJ2ZXJzaW9uIjozfQ")
                .as_deref(),
            Some(&json[..])
        );
        assert_eq!(
            decode_data_url(
                "DATA:application/json;charset:utf-8;base64,eyJ2ZXJz\naW9uIjozfQ%3D%3D"
            )
            .as_deref(),
            Some(&json[..])
        );
        assert_eq!(
            decode_data_url("data:application/json,%7B%22version%22%3A3%7D").as_deref(),
            Some(&json[..])
        );
        assert_eq!(decode_data_url("data:,100%").as_deref(), Some(&b"100%"[..]));
        // URL-safe alphabet: 0xFB 0xFF → "-_8".
        assert_eq!(
            decode_data_url("data:;base64,-_8").as_deref(),
            Some(&[0xFB, 0xFF][..])
        );
        assert_eq!(decode_data_url("data:application/json;base64,e!!"), None);
        assert_eq!(decode_data_url("data:application/json;base64,eyJ2Z"), None);
        assert_eq!(decode_data_url("data:application/json;base64,ey=J"), None);
        assert_eq!(decode_data_url("index.js.map"), None);
        assert_eq!(decode_data_url("data:no-comma"), None);
        assert_eq!(decode_data_url("dat"), None);
        assert_eq!(decode_data_url("data:é,"), Some(vec![]));
        // `%` needs two hex digits (the local decoder took `%+4` for a signed number).
        assert_eq!(
            decode_data_url("data:,%+41%4").as_deref(),
            Some(&b"%+41%4"[..])
        );
    }

    /// What the decoder accepted before it used the base64 crate, it still accepts.
    #[test]
    fn data_url_base64_stays_lenient() {
        let json = br#"{"version":3}"#;
        let decode = |payload: &str| decode_data_url(&format!("data:;base64,{payload}"));
        // Both alphabets, even mixed.
        assert_eq!(decode("+/8").as_deref(), Some(&[0xFB, 0xFF][..]));
        assert_eq!(decode("-/8").as_deref(), Some(&[0xFB, 0xFF][..]));
        // Padding: none, canonical, short or extra, white space anywhere.
        for payload in [
            "eyJ2ZXJzaW9uIjozfQ",
            "eyJ2ZXJzaW9uIjozfQ=",
            "eyJ2ZXJzaW9uIjozfQ==",
            "eyJ2ZXJzaW9uIjozfQ===",
            " eyJ2\tZXJz aW9u\r\nIjozfQ= =\n",
            "eyJ2ZXJzaW9uIjozfQ%3d%3D",
        ] {
            assert_eq!(decode(payload).as_deref(), Some(&json[..]), "{payload:?}");
        }
        // Bits left over in the last digit are ignored, not an error.
        assert_eq!(decode("eh").as_deref(), Some(&b"z"[..]));
        assert_eq!(decode("").as_deref(), Some(&b""[..]));
        assert_eq!(decode("==").as_deref(), Some(&b""[..]));
        // Padding inside, a lone last digit, or a byte of neither alphabet.
        for payload in ["ey=J", "eyJ2Z", "e", "eyJ2.", "eyJ2%00"] {
            assert_eq!(decode(payload), None, "{payload:?}");
        }
    }

    #[test]
    fn base64_decoded_size_is_known_from_the_digits() {
        use base64::Engine as _;
        for length in 0..40 {
            let data = vec![0xA5u8; length];
            let digits = base64::engine::general_purpose::STANDARD_NO_PAD.encode(&data);
            assert_eq!(base64_decoded_len(digits.len()), length as u64);
        }
    }

    #[test]
    fn source_mapping_urls() {
        let url = |s: &str| source_mapping_url(s.as_bytes());
        assert_eq!(
            url("a();\n//# sourceMappingURL=a.js.map\n").as_deref(),
            Some("a.js.map")
        );
        assert_eq!(
            url("a();//# sourceMappingURL=a.js.map").as_deref(),
            Some("a.js.map")
        );
        assert_eq!(
            url("a()\n//@ sourceMappingURL=old.map \r\n\n").as_deref(),
            Some("old.map")
        );
        assert_eq!(
            url("a{}\n/*# sourceMappingURL=s.css.map */\n").as_deref(),
            Some("s.css.map")
        );
        assert_eq!(
            url("a{}\n/*# sourceMappingURL=s.css.map*/").as_deref(),
            Some("s.css.map")
        );
        // The last one wins; comments may follow it.
        assert_eq!(
            url("//# sourceMappingURL=one.map\n//# sourceMappingURL=two.map\n//# debugId=abc\n/* x */")
                .as_deref(),
            Some("two.map")
        );
        let inline = "x\n//# sourceMappingURL=data:application/json;base64,eyJ2ZXJzaW9uIjozfQ==";
        assert_eq!(
            url(inline).and_then(|u| decode_data_url(&u)).as_deref(),
            Some(&br#"{"version":3}"#[..])
        );
        // Inside code, not a comment in the tail.
        assert_eq!(url("var s = '//# sourceMappingURL=' + x;\nfoo();"), None);
        assert_eq!(url("var s = \"sourceMappingURL=\";"), None);
        // In a template literal on a minified last line (Monaco's ts.worker.js): the "comment"
        // would run to the end of the file, through code.
        assert_eq!(
            url("f(),w.writeComment(`//# sourceMappingURL=${r}`)),t){const e=d.toString()}})();"),
            None
        );
        assert_eq!(url("//# sourceMappingURL=\n"), None);
        assert_eq!(url(""), None);
        assert_eq!(url("sourceMappingURL="), None);
    }

    // ---- errors and garbage -------------------------------------------------------------

    #[test]
    fn unusable_maps_are_errors() {
        let err = |json: &str| {
            attribute(b"x", json.as_bytes(), "a.map", GeneratedLanguage::Script)
                .unwrap_err()
                .to_string()
        };
        assert!(err("not json").starts_with("not a usable JSON source map"));
        assert!(err("[1,2]").starts_with("not a usable JSON source map"));
        assert!(err(r#"{"version":3,"sources":[1],"mappings":""}"#).starts_with("not a usable"));
        assert_eq!(
            err(r#"{"version":2,"sources":[],"mappings":""}"#),
            "unsupported source map version 2 (only version 3 is supported)"
        );
        assert_eq!(
            err(r#"{"sources":[],"mappings":""}"#),
            "the source map has no `version` (expected 3)"
        );
        assert_eq!(
            err(r#"{"version":3,"sources":[]}"#),
            "the source map has neither `mappings` nor `sections`"
        );
        // Accepted oddities: string version, XSSI prefix, BOM, no sources.
        for map in [
            &br#"{"version":"3","mappings":"AAAA"}"#[..],
            b")]}'\n{\"version\":3,\"mappings\":\"\"}",
            b"\xEF\xBB\xBF{\"version\":3,\"mappings\":\"\"}",
        ] {
            assert!(attribute(b"x", map, "a.map", GeneratedLanguage::Script).is_ok());
        }
    }

    #[test]
    fn the_mappings_string_is_borrowed_from_the_input() {
        let json = br#"{"version":3,"sources":["a"],"mappings":"AAAA;AACA"}"#;
        let map: RawMap<'_> = serde_json::from_slice(json).unwrap();
        assert!(matches!(map.mappings.unwrap().0, Cow::Borrowed(_)));
    }

    #[test]
    fn garbage_never_panics_and_keeps_the_invariant() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/,;;;!g/";
        let text_bytes = "ab\n\r\né😀\u{2028}x\0\u{FFFF}".as_bytes();
        for _ in 0..2000 {
            let len = rng.below(60);
            let mappings: String = (0..len)
                .map(|_| alphabet[rng.below(alphabet.len())] as char)
                .collect();
            let glen = rng.below(80);
            let mut generated: Vec<u8> = (0..glen)
                .map(|_| text_bytes[rng.below(text_bytes.len())])
                .collect();
            if rng.below(4) == 0 {
                generated.push((rng.next() & 0xFF) as u8);
            }
            let nsources = rng.below(4);
            let sources: Vec<String> = (0..nsources).map(|i| format!("../s{i}.js")).collect();
            let sources: Vec<&str> = sources.iter().map(String::as_str).collect();
            let json = map_json(&sources, &mappings);
            let a = attribute(&generated, &json, "a/b.map", GeneratedLanguage::Script)
                .expect("valid JSON");
            check_invariant(&a);
            assert!(a.warnings.len() <= 9);
            // Random bytes as a map, and every prefix of a real one.
            let junk: Vec<u8> = (0..rng.below(100))
                .map(|_| (rng.next() & 0xFF) as u8)
                .collect();
            let _ = attribute(&generated, &junk, "", GeneratedLanguage::Script);
            let cut = rng.below(json.len() + 1);
            if let Ok(a) = attribute(&generated, &json[..cut], "x", GeneratedLanguage::Script) {
                check_invariant(&a);
            }
            let _ = source_mapping_url(&junk);
            let _ = decode_data_url(&String::from_utf8_lossy(&junk));
            let _ = package_of(&String::from_utf8_lossy(&junk));
        }
    }

    #[test]
    fn huge_numbers_never_panic() {
        let cases = [
            r#"{"version":3,"sources":["a"],"mappings":"+/////////////////D"}"#,
            r#"{"version":3,"sources":["a"],"mappings":"+/////D,+/////D,+/////D;//////D+/////D+/////D+/////D"}"#,
            r#"{"version":3,"sources":["a"],"mappings":"AAAA,+/////DAAA"}"#,
            r#"{"version":1e400,"mappings":""}"#,
            r#"{"version":18446744073709551616,"mappings":""}"#,
            r#"{"version":3,"sections":[{"offset":{"line":9223372036854775807,"column":9223372036854775807},"map":{"version":3,"sources":["a"],"mappings":"AAAA;+/////DAAA"}}]}"#,
            r#"{"version":3,"sections":[{"offset":{"line":-1,"column":0},"map":{"version":3,"mappings":"AAAA"}}]}"#,
            r#"{"version":3,"sections":[{"offset":{"line":0,"column":4294967295},"map":{"version":3,"sources":["a"],"mappings":"+/////D"}}]}"#,
            r#"{"version":3,"sections":[{"offset":{"line":0,"column":0},"map":{"version":3,"sections":[{"offset":{"line":0,"column":0},"map":{"version":3,"sources":["n"],"mappings":"AAAA"}}]}}]}"#,
        ];
        for json in cases {
            if let Ok(a) = attribute(
                b"abc\ndef",
                json.as_bytes(),
                "m.map",
                GeneratedLanguage::Script,
            ) {
                check_invariant(&a);
            }
        }
        // Deeply nested sections stop at the depth limit.
        let mut json = r#"{"version":3,"sources":["deep"],"mappings":"AAAA"}"#.to_owned();
        for _ in 0..20 {
            json = format!(
                r#"{{"version":3,"sections":[{{"offset":{{"line":0,"column":0}},"map":{json}}}]}}"#
            );
        }
        let a = attr("abc", json.as_bytes());
        assert_eq!(a.unmapped, 3);
        assert_eq!(a.warnings.len(), 1);
    }

    // ---- original positions ---------------------------------------------------------------

    fn position(source: &str, line: u64, column: u64) -> Option<OriginalPosition> {
        Some(OriginalPosition {
            source: source.to_owned(),
            line,
            column,
        })
    }

    #[test]
    fn generated_positions_map_to_the_closest_mapping_at_or_before_them() {
        // Line 0: columns 0 → a.js 0:0, 10 → b.js 4:2, 20 → unmapped; line 1: column 5 → a.js 7:1.
        let mappings = encode_mappings(&[
            &[(0, Some((0, 0, 0))), (10, Some((1, 4, 2))), (20, None)],
            &[(5, Some((0, 7, 1)))],
        ]);
        let json = map_json(&["a.js", "../src/b.js"], &mappings);
        let at = |line, column| {
            original_position(
                &json,
                "assets/app.js.map",
                Lookup::Generated { line, column },
            )
            .expect("usable map")
        };
        assert_eq!(at(0, 0), position("assets/a.js", 0, 0));
        assert_eq!(at(0, 9), position("assets/a.js", 0, 0));
        assert_eq!(at(0, 10), position("src/b.js", 4, 2));
        assert_eq!(at(0, 15), position("src/b.js", 4, 2));
        // Covered by a segment without a source: no original position.
        assert_eq!(at(0, 25), None);
        // Before the line's first mapping, and on a line without mappings.
        assert_eq!(at(1, 4), None);
        assert_eq!(at(1, 5), position("assets/a.js", 7, 1));
        assert_eq!(at(7, 0), None);
    }

    #[test]
    fn unsorted_segments_still_find_the_closest_one() {
        let mappings = encode_mappings(&[&[(10, Some((0, 3, 0))), (0, Some((0, 1, 0)))]]);
        let json = map_json(&["a.js"], &mappings);
        let found = original_position(
            &json,
            "app.js.map",
            Lookup::Generated { line: 0, column: 5 },
        );
        assert_eq!(found.expect("usable map"), position("a.js", 1, 0));
    }

    #[test]
    fn first_mapping_into_a_source() {
        let mappings = encode_mappings(&[
            &[(0, Some((0, 0, 0))), (4, Some((1, 12, 3)))],
            &[(0, Some((1, 2, 0)))],
        ]);
        let json = map_json(&["a.js", "node_modules/lodash/lodash.js"], &mappings);
        let first = |name| original_position(&json, "app.js.map", Lookup::FirstInto(name));
        assert_eq!(
            first("node_modules/lodash/lodash.js").expect("usable map"),
            position("node_modules/lodash/lodash.js", 12, 3)
        );
        assert_eq!(first("missing.js").expect("usable map"), None);
    }

    #[test]
    fn several_lookups_in_one_walk_agree_with_single_ones() {
        let mappings = encode_mappings(&[
            &[(0, Some((0, 0, 0))), (4, Some((1, 12, 3)))],
            &[(0, Some((1, 2, 0))), (6, None)],
            &[(2, Some((0, 9, 9)))],
        ]);
        let json = map_json(&["a.js", "b.js"], &mappings);
        let lookups = [
            Lookup::Generated { line: 2, column: 5 },
            Lookup::FirstInto("b.js"),
            Lookup::Generated { line: 1, column: 7 },
            Lookup::Generated { line: 0, column: 3 },
            Lookup::FirstInto("c.js"),
        ];
        let together = original_positions(&json, "m.map", &lookups).expect("usable map");
        let alone: Vec<_> = lookups
            .iter()
            .map(|l| original_position(&json, "m.map", *l).expect("usable map"))
            .collect();
        assert_eq!(together, alone);
        assert_eq!(
            together,
            [
                position("a.js", 9, 9),
                position("b.js", 12, 3),
                None,
                position("a.js", 0, 0),
                None
            ]
        );
    }

    #[test]
    fn lookups_follow_index_map_sections() {
        let json = serde_json::json!({
            "version": 3,
            "sections": [
                {"offset": {"line": 2, "column": 4},
                 "map": {"version": 3, "sources": ["b.js"], "mappings": "AAEA"}},
                {"offset": {"line": 0, "column": 0},
                 "map": {"version": 3, "sources": ["a.js"], "mappings": "AAAA"}},
            ]
        })
        .to_string();
        let at = |line, column| {
            original_position(
                json.as_bytes(),
                "x.js.map",
                Lookup::Generated { line, column },
            )
            .expect("usable map")
        };
        assert_eq!(at(0, 3), position("a.js", 0, 0));
        assert_eq!(at(2, 3), None);
        assert_eq!(at(2, 9), position("b.js", 2, 0));
    }

    #[test]
    fn lookups_in_unusable_or_garbage_maps_never_panic() {
        assert!(original_position(b"{", "m.map", Lookup::FirstInto("a")).is_err());
        assert!(
            original_position(br#"{"mappings":"AAAA"}"#, "m.map", Lookup::FirstInto("a")).is_err()
        );
        let mut rng = Rng(7);
        let alphabet = b"ABCDEFghij+/0;,;,!";
        for _ in 0..200 {
            let garbage: String = (0..rng.below(40))
                .map(|_| alphabet[rng.below(alphabet.len())] as char)
                .collect();
            let json = map_json(&["a.js"], &garbage);
            let line = rng.below(3) as u64;
            let _ = original_position(&json, "m.map", Lookup::Generated { line, column: 3 });
            let _ = original_position(&json, "m.map", Lookup::FirstInto("a.js"));
        }
    }
}
