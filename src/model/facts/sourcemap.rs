//! Where the bytes of a generated file come from: the data [`crate::analyze::sourcemap`] reads.

use serde::Serialize;

/// Bytes of the generated file attributed to one original source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct SourceBytes {
    /// The resolved source path (see [`attribute`]), `[unknown]` for `null` sources, or
    /// `virtual:NAME` for bundler-internal modules.
    pub source: String,
    pub bytes: u64,
}

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
