//! The data every stage shares: measured assets, what their content says (facts), findings.
//! Nothing here imports a stage (scan, measure, analyze, rules, report…); stages import it. See
//! `tests/module_graph.rs`, which keeps it that way.

pub mod asset;
pub mod composition;
pub mod facts;
pub mod finding;
pub mod fix;
pub mod impact;
pub mod mention;
pub mod response;
pub mod scorecard;

/// Version of the JSON report; bumped on any incompatible change. A baseline report of another
/// version is refused.
pub const SCHEMA_VERSION: u32 = 3;

/// The address a published JSON Schema (the report's, webaudit.toml's) is read from: the npm
/// package `webaudit` carries both under `schema/` (npm/build-main-package.mjs copies them from
/// docs/schema), and unpkg serves every file of every published version. An address by version,
/// not by repository owner or branch: a report names the schema of the webaudit that wrote it.
pub fn published_schema_url(file_name: &str) -> String {
    format!(
        "https://unpkg.com/webaudit@{}/schema/{file_name}",
        env!("CARGO_PKG_VERSION")
    )
}
