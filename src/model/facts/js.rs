//! What one script holds: the data [`crate::analyze::js`] reads.

use serde::Serialize;

/// How a module is brought in; rules decide which forms defeat tree shaking for which package.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ImportForm {
    /// `import x from "m"`
    Default,
    /// `import * as x from "m"`
    Namespace,
    /// `import { a, b } from "m"`
    Named,
    /// `import "m"`
    SideEffect,
    /// `export * from "m"` (and `export * as x from "m"`)
    ReExportAll,
    /// `export { a } from "m"`
    ReExportNamed,
    /// `require("m")`, and TypeScript's `import x = require("m")`
    Require,
    /// `import("m")`
    Dynamic,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Import {
    /// The module specifier as written: `lodash`, `./chunk-3f2a.js`, `lodash/debounce`.
    pub specifier: String,
    pub form: ImportForm,
    /// Imported names, for named imports and re-exports (`default` for `import { default as x }`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub names: Vec<String>,
    /// `import type` / `export type`: erased at compile time, never bundled.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub type_only: bool,
    pub line: u32,
    pub column: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ParseProblem {
    pub message: String,
    pub line: u32,
    pub column: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct JsFacts {
    pub imports: Vec<Import>,
    /// Why the file could not be analysed (syntax error, nesting too deep); imports are then empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<ParseProblem>,
    /// The content is not valid UTF-8 and was read with replacement characters.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub invalid_utf8: bool,
}
