//! The data every stage shares: measured assets, what their content says (facts), findings.
//! Nothing here imports a stage (scan, measure, analyze, rules, report…); stages import it. See
//! `tests/module_graph.rs`, which keeps it that way.

pub mod asset;
pub mod composition;
pub mod facts;
pub mod finding;
pub mod fix;
pub mod impact;
pub mod response;
pub mod scorecard;

/// Version of the JSON report; bumped on any incompatible change. A baseline report of another
/// version is refused.
pub const SCHEMA_VERSION: u32 = 3;
