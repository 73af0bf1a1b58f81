//! Polyfills and down-level transforms found in a script: the data
//! [`crate::analyze::legacy`] reads for `js/legacy-javascript`. They are recorded whatever
//! browsers the project targets; the rule decides which of them those browsers do not need.

use serde::Serialize;

use super::location::Location;

/// What a script holds of legacy JavaScript.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct LegacyFacts {
    /// One entry per polyfill or transform found, in the order of
    /// `src/knowledge/legacy_javascript.json` (polyfills, then transforms).
    pub signals: Vec<LegacySignal>,
    /// Uses of the class transform's helper by its unminified name (`_classCallCheck`).
    pub class_call_checks: u32,
    /// `regeneratorRuntime.wrap` / `.awrap` calls (one per generator or `await`).
    pub regenerator_wraps: u32,
    /// `.apply(void 0, _toConsumableArray(…))`: spread arguments compiled to ES5.
    pub spread_applies: u32,
}

impl LegacyFacts {
    pub fn is_empty(&self) -> bool {
        self.signals.is_empty()
    }
}

/// One polyfill (`Array.prototype.flat`) or transform (`@babel/plugin-transform-classes`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct LegacySignal {
    /// The name as the knowledge file spells it.
    pub name: String,
    /// Where the code was found; `None` when only the source map names its module.
    pub location: Option<Location>,
    /// The source (as the map's attribution names it) that holds the polyfill's module, when
    /// the map was searched.
    pub source: Option<String>,
    /// Found as core-js code (its export table, its module id, or one of its modules in the
    /// map), rather than as a hand-written or es-shims polyfill.
    #[serde(default)]
    pub core_js: bool,
}
