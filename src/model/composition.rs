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
}

#[derive(Debug, Clone, Serialize, PartialEq, schemars::JsonSchema)]
pub struct Composition {
    /// The source map the composition comes from; `null` for an inline map.
    pub map: Option<String>,
    pub packages: Vec<PackageShare>,
    pub own_code: u64,
    /// Bytes no mapping covers, line terminators included: shown, never hidden.
    pub unmapped: u64,
    pub warnings: Vec<String>,
}
