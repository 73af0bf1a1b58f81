//! What a SvelteKit build says about the code a page starts with: the data
//! [`crate::analyze::sveltekit`] reads.
//!
//! SvelteKit's client loads each route's code as "nodes" (a layout, a page, an error page), one
//! `import()` each, from the client manifest its `app.js` exports. A page's inline start-up
//! script calls `kit.start(app, element, …)`: with `node_ids` when the page was rendered on the
//! server (those nodes hydrate it), without when the client renders it, and the route matching
//! the page's URL in the manifest's `dictionary` says which nodes load. The root layout (node 0)
//! and root error page (node 1) load at every start.

use serde::Serialize;

/// SvelteKit's client manifest, from the `nodes` and `dictionary` an `app.js` exports.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct SvelteKitManifest {
    /// Each node by its id (its index): the module its `import()` names, as written.
    pub nodes: Vec<SvelteKitNode>,
    /// Each route of `dictionary`, in the manifest's order.
    pub routes: Vec<SvelteKitRoute>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct SvelteKitNode {
    /// The specifier of the node's `import()` (`../nodes/2.CA9cldlT.js`); `None` when the
    /// node is in the manifest's own file (a single-file build).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub module: Option<String>,
    /// The stylesheets Vite's preload helper loads with it (from `__vite__mapDeps` or an
    /// inline list), as written: SvelteKit pages list no stylesheet of a node chosen at run
    /// time.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stylesheets: Vec<String>,
    /// Whether those paths are relative to the manifest's file (`import.meta.url` is passed to
    /// the helper) rather than to the site's root.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub relative: bool,
}

/// One route: `"/(app)/c/[id]": [24, [2]]` is the route `/c/[id]` whose layouts are 0 and 2
/// and whose page is node 24.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct SvelteKitRoute {
    /// The route id as written, groups included (`/(app)/c/[id]`).
    pub id: String,
    /// Node ids the route loads: its layouts (root layout 0 first), its page, its error pages
    /// (root error page 1 first).
    pub nodes: Vec<u32>,
}

/// A page's SvelteKit start-up (`kit.start(app, element, …)` in an inline script).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct SvelteKitStart {
    /// The nodes the page hydrates (`node_ids: [0, 3]`), when the server rendered it; `None`
    /// when the client renders the route matching its URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_ids: Option<Vec<u32>>,
}
