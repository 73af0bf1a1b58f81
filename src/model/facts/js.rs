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
    /// What the file says about loading a bundler's chunks (webpack, rspack, Next.js).
    #[serde(default, skip_serializing_if = "ChunkLoading::is_empty")]
    pub chunks: ChunkLoading,
    /// Code that only runs where CommonJS's `require` and `module` exist (a bundler or Node),
    /// found by the module lexer; `None` when the file gave no such sign or went to the parser.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commonjs: Option<CommonJsUse>,
}

/// How a script shows it was built for CommonJS hosts, not for browsers: browsers define
/// neither `require` nor `module`, so such code stops with a `ReferenceError` where it uses
/// them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "name")]
pub enum CommonJsUse {
    /// A webpack module whose body is `module.exports = require("name")` with `require`
    /// bound nowhere in the file: how webpack writes an external of type `commonjs`, which
    /// the host that loads the bundle must provide. The package name is kept.
    RequiredExternal(String),
    /// `module.exports = …` or `exports.name = …` as a statement of the file's top level (or
    /// of the function expression the whole file is wrapped in and calls), with `module` and
    /// `exports` bound nowhere and never tested with `typeof`: webpack's `commonjs2` library
    /// output ends so. The statement's text up to `=` is kept.
    TopLevelExport(String),
}

/// A bundler chunk id as the runtime writes it: `179` (production ids) or
/// `"vendors-node_modules_react_index_js"` (named ids), kept as its decimal or string text.
pub type ChunkId = String;

/// What a webpack-style runtime (webpack 5, rspack, Next.js's webpack build) or a chunk of its
/// build says about chunk loading: read from the code by [`crate::analyze::webpack`], so the site
/// model can tell which chunks a page's start-up loads without reading any file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ChunkLoading {
    /// The chunk script filename function (`__webpack_require__.u = e => "static/js/" + e + …`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub script_files: Option<ChunkFilenames>,
    /// The CSS chunk filename function (mini-css-extract-plugin's `.miniCssF`, native CSS `.k`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stylesheet_files: Option<ChunkFilenames>,
    /// `__webpack_require__.p = "/"`: the public path, when it is a constant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_path: Option<String>,
    /// Chunk ids this file registers when it runs (`push([[179, 42], {…}])`, `__webpack_ids__`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub declared: Vec<ChunkId>,
    /// Chunks that must be loaded before this entry starts (`.O(0, [736, 592], …)` for JSONP
    /// loading, `.X(0, […], …)` where the runtime fetches them itself).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub startup: Vec<ChunkId>,
    /// Chunks loaded on demand (`__webpack_require__.e(123)`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub on_demand: Vec<ChunkId>,
    /// Why chunks this runtime loads at start-up cannot be resolved from the files: a chunk
    /// filename function that could not be read, module federation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unresolved: Vec<String>,
    /// Next.js's `_buildManifest.js`: each route with the chunk files (relative to `_next/`)
    /// that the route's page loads.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub next_routes: Vec<(String, Vec<String>)>,
    /// Modules brought in on demand with the chunks they need: `Promise.all([r.e(1), r.e(2)])
    /// .then(r.bind(r, 4120))` gives `("4120", ["1", "2"])`. Next.js records the modules of
    /// `next/dynamic` components a page rendered (`__NEXT_DATA__.dynamicIds`) by these ids.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub module_chunks: Vec<(String, Vec<ChunkId>)>,
}

impl ChunkLoading {
    pub fn is_empty(&self) -> bool {
        *self == ChunkLoading::default()
    }
}

/// A chunk filename function, evaluated: the file of every chunk id it names, and for other ids
/// the pattern it follows, if any (`"js/" + e + ".js"` gives `("js/", ".js")`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ChunkFilenames {
    /// Sorted by id (as text), for [`ChunkFilenames::file`]'s binary search.
    pub by_id: Vec<(ChunkId, String)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<(String, String)>,
}

impl ChunkFilenames {
    /// The file the runtime requests for chunk `id`, relative to the public path.
    pub fn file(&self, id: &str) -> Option<String> {
        if let Ok(index) = self
            .by_id
            .binary_search_by(|(known, _)| known.as_str().cmp(id))
        {
            return Some(self.by_id[index].1.clone());
        }
        self.pattern
            .as_ref()
            .map(|(prefix, suffix)| format!("{prefix}{id}{suffix}"))
    }
}
