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
    /// Why the package is here: the lines of the app's own sources that import it, read from
    /// the `sourcesContent` of every mapped script of the site (an import in the entry chunk's
    /// sources explains a package placed in a vendor chunk), sorted by source then line; at
    /// most [`MAX_IMPORTERS`]. Empty when no map carries the importing source, or when only
    /// other packages import it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub imported_by: Vec<Importer>,
    /// Import sites beyond those listed.
    #[serde(skip_serializing_if = "is_zero")]
    pub imported_by_more: u64,
}

/// Most import sites listed per package (the rest are counted in `imported_by_more`).
pub const MAX_IMPORTERS: usize = 20;

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// One line of the app's own code that imports a package.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord, schemars::JsonSchema)]
pub struct Importer {
    /// The importing source as the source map names it, resolved against the map's folder:
    /// relative to the audited folder (`../src/App.jsx`), or absolute, or as the bundler wrote
    /// it after its URL scheme (`src/App.jsx` for `webpack://app/./src/App.jsx`).
    pub source: String,
    /// 1-based line of the import.
    pub line: u32,
    /// 1-based column of the import on its line, in characters: its first imported name, or
    /// the statement or call when it names none.
    pub column: u32,
    /// The module specifier as written (`lodash/debounce`).
    pub specifier: String,
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
