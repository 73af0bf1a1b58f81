//! Where the bytes of a generated file come from: the data [`crate::analyze::sourcemap`] reads.

use serde::Serialize;

/// Bytes of the generated file attributed to one original source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct SourceBytes {
    /// The resolved source path (see [`attribute`]), `[unknown]` for `null` sources, or
    /// `virtual:NAME` for bundler-internal modules.
    pub source: String,
    pub bytes: u64,
    /// The npm package of `source`, worked out on first use (see `SourceBytes::package`):
    /// the composition, `Attribution::by_package` and two rules each ask it of every source, and
    /// on a warm run over 11,646 files working it out again took 7% of the CPU.
    #[serde(skip)]
    pub(crate) package: PackageOnce,
}

impl SourceBytes {
    pub fn new(source: String, bytes: u64) -> SourceBytes {
        SourceBytes {
            source,
            bytes,
            package: PackageOnce::default(),
        }
    }
}

/// A source's package once worked out. Not part of the facts: never written to the cache or a
/// report, and equal whether worked out yet or not.
#[derive(Debug, Clone, Default)]
pub struct PackageOnce(pub(crate) std::sync::OnceLock<Option<PackageRef>>);

impl PartialEq for PackageOnce {
    fn eq(&self, _: &PackageOnce) -> bool {
        true
    }
}

impl Eq for PackageOnce {}

/// Where the bytes of one generated file come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Attribution {
    /// Total length of the generated file.
    pub generated_bytes: u64,
    /// Bytes attributed to each source, sorted by bytes (largest first) then name; sources that
    /// received no bytes are omitted.
    pub sources: Vec<SourceBytes>,
    /// Bytes covered by no mapping, or by a segment without a source (1-field segments), or by a
    /// segment the map got wrong (invalid VLQ, source index out of range, negative values).
    pub unmapped: u64,
    /// `\n` and `\r\n` bytes, counted apart like source-map-explorer's `[EOLs]`.
    pub line_terminators: u64,
    /// Problems found in the map, aggregated with counts (at most one message per kind).
    pub warnings: Vec<String>,
}

/// Bytes of one copy of an npm package, summed over its sources (see [`Attribution::by_package`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct PackageBytes {
    pub package: PackageRef,
    pub bytes: u64,
    /// How many of the attribution's sources belong to this copy.
    pub sources: usize,
}

/// The npm package a source belongs to (see [`package_of`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
pub struct PackageRef {
    /// The package name, `lodash` or `@scope/name`.
    pub name: String,
    /// The path up to and including the package folder, e.g. `../node_modules/lodash`: two
    /// installed copies of one package (`node_modules/a/node_modules/lodash` and
    /// `node_modules/lodash`) have different copies.
    pub copy: String,
    /// The version, when the path encodes one (pnpm, yarn berry); npm's layout does not.
    pub version: Option<String>,
}

/// One line of the app's own code that imports an npm package, read from the `sourcesContent`
/// of a source map (see [`crate::analyze::import_sites`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize)]
pub struct ImportSite {
    /// The importing source as the map resolves it (see [`attribute`]): relative to the audited
    /// folder (`../src/App.jsx` for a map in `dist/assets/` naming `../../src/App.jsx`), or
    /// absolute.
    pub source: String,
    /// 1-based line of the import statement.
    pub line: u32,
    /// 1-based column of the import on its line, in characters: its first imported name, or
    /// the statement or call when it names none.
    pub column: u32,
    /// The module specifier as written: `lodash`, `lodash/debounce`, `@scope/pkg/x`.
    pub specifier: String,
    /// The npm package the specifier names: `lodash`, `@scope/pkg`.
    pub package: String,
}

/// The import sites found in one source map's first-party sources.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ImportSites {
    /// In the map's order of sources, then by line.
    pub sites: Vec<ImportSite>,
    /// Sites beyond [`crate::analyze::import_sites::MAX_SITES_PER_MAP`], counted, not kept.
    pub left_out: u64,
    /// First-party sources not read: larger than
    /// [`crate::analyze::import_sites::MAX_SOURCE_CONTENT_BYTES`], or with unparsable code.
    pub unread_sources: u64,
    /// First-party sources the map names without their `sourcesContent` (maps built with
    /// `sourcemapExcludeSources`, or `nosources-source-map`), as resolved names: the audit reads
    /// the ones that are files of the repository instead (see
    /// [`crate::analyze::import_sites::RepositorySources`]). At most
    /// [`crate::analyze::import_sites::MAX_SOURCES_WITHOUT_CONTENT`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub without_content: Vec<String>,
}

impl ImportSites {
    pub fn is_empty(&self) -> bool {
        self.sites.is_empty()
            && self.left_out == 0
            && self.unread_sources == 0
            && self.without_content.is_empty()
    }
}
