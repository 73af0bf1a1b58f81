//! Bytes per npm package of one bundle, from its source map.

use serde::Serialize;

/// The app's own code (sources outside `node_modules`), where a package name would be.
pub const OWN_CODE: &str = "[own code]";

#[derive(Debug, Clone, Serialize, PartialEq, schemars::JsonSchema)]
pub struct PackageShare {
    pub name: String,
    /// The package folder the bytes came from (`node_modules/lodash`); two copies of one package
    /// have different folders.
    pub copy: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    pub raw: u64,
    /// Estimated: proportional to the raw share of the chunk's gzip size.
    pub gzip_estimate: Option<u64>,
    /// How many of the package's files contributed.
    pub modules: usize,
    /// The package's files that contributed, largest first, named inside the package folder
    /// (`dist/lodash.js`).
    pub sources: Vec<SourceShare>,
}

/// Bytes of a bundle that one original source file produced, from the source map.
#[derive(Debug, Clone, Serialize, PartialEq, schemars::JsonSchema)]
pub struct SourceShare {
    /// The source as the map resolves it: inside a package, relative to the package folder;
    /// otherwise relative to the map (`src/main.ts`), `[unknown]` or `virtual:NAME`.
    pub path: String,
    pub raw: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq, schemars::JsonSchema)]
pub struct Composition {
    /// The source map the composition comes from; `null` for an inline map.
    pub map: Option<String>,
    pub packages: Vec<PackageShare>,
    pub own_code: u64,
    /// The files of the app's own code that contributed, largest first.
    pub own_code_sources: Vec<SourceShare>,
    /// Bytes no mapping covers, line terminators included: shown, never hidden.
    pub unmapped: u64,
    pub warnings: Vec<String>,
}
