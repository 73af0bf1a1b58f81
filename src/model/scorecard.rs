//! The report's first screen: where the site stands against its targets, as a performance
//! analysis starts (metric, current, target, gap). Computed by `impact::scorecard`; every
//! renderer prints the same rows.

use serde::Serialize;

/// What a row counts, so renderers format the figures alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    /// Bytes on the wire (gzip for text formats, raw for the rest), or as the budget measures.
    Bytes,
    Requests,
    Milliseconds,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ScoreRow {
    /// What is measured, e.g. "total (script + stylesheet), gzip" or "initial JS, gzip".
    pub metric: String,
    /// The page or path the row is about, when it is about one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    pub unit: Unit,
    pub current: u64,
    /// The budget that applies, when one does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<u64>,
    /// Whether `current` is within `target` (absent without a target).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub passed: Option<bool>,
    /// Where the target was written ("(default)", a config file).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
}

impl ScoreRow {
    /// `current − target`: how far over (positive) or under (negative) the target.
    pub fn gap(&self) -> Option<i64> {
        self.target
            .map(|target| self.current as i64 - target as i64)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Scorecard {
    /// The network profile the transfer time is estimated for.
    pub profile: &'static str,
    /// The page whose first visit is heaviest (HTML + initial JS and CSS), when there are pages.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub heaviest_page: Option<String>,
    /// Some of that page's entries name no file in the folder, or its start-up could not be
    /// resolved whole: its figures leave those out.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub heaviest_page_incomplete: bool,
    /// Every budget check, then the heaviest first visit, then the site's transfer by type.
    pub rows: Vec<ScoreRow>,
}
