//! Comparison with a report saved earlier (usually on the base branch): per-asset and total
//! size deltas, with content-hashed file names matched across builds.
//!
//! This file holds the model every renderer reads; the matching and loading live beside it.

use serde::Serialize;

/// Sizes of one asset in one build, as compared.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Sizes {
    pub raw: u64,
    /// Transfer size with gzip (raw size for already-compressed formats).
    pub gzip: u64,
    pub brotli: Option<u64>,
}

/// How an asset of this build relates to the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    /// Present in both builds; sizes may still be equal.
    Changed,
    Unchanged,
    /// Only in this build.
    Added,
    /// Only in the baseline.
    Removed,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AssetDelta {
    /// Path in this build (for `Removed`, the baseline's path).
    pub path: String,
    /// The baseline's path when it differs (a content-hashed name matched by pattern).
    pub baseline_path: Option<String>,
    /// The name with its content hash replaced by `[hash]`, used for matching.
    pub key: String,
    pub change: Change,
    pub before: Option<Sizes>,
    pub after: Option<Sizes>,
    /// `after.gzip - before.gzip` (missing side counts as 0).
    pub gzip_delta: i64,
    /// Relative change of the gzip size in percent; `None` for added or removed assets.
    pub gzip_percent: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// The baseline report as given on the command line.
    pub baseline: String,
    /// Totals of counted assets, before and after.
    pub before: Sizes,
    pub after: Sizes,
    pub gzip_delta: i64,
    pub gzip_percent: Option<f64>,
    /// Changed, added and removed assets first (largest absolute delta first), then unchanged.
    pub assets: Vec<AssetDelta>,
}
