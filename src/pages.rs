//! The entry graph: for each HTML page, what a first visit downloads (initial) and what is
//! fetched later on demand (lazy), from the facts the measuring pass gathered — no file is read.
//!
//! Initial: `<script src>` (classic or module; `nomodule` scripts are skipped, modern browsers
//! ignore them), the static imports of inline `<script type=module>` code, `<link rel=stylesheet>`, `<link rel=modulepreload>` and `<link rel=preload>` of
//! scripts and styles, then everything those scripts import statically (`import … from`,
//! `export … from`, `require()`) and everything those stylesheets `@import`. Lazy: scripts
//! reached only through a dynamic `import()` (in files or inline code, and their own static
//! imports), and
//! `<link rel=prefetch>`. References to files outside the folder (CDNs) are not counted.

use std::collections::{BTreeSet, HashMap, VecDeque};

use serde::Serialize;

use crate::analyze::url::{
    Resolved, has_placeholder_segment, is_template, resolve, resolve_in_document, template_default,
};
use crate::analyze::{Facts, html::ScriptKind};
use crate::kind::AssetKind;
use crate::measure::Asset;

/// Throughputs used for load-time estimates: transfer time only (no latency, no parsing).
/// "Slow 3G" is size-limit's 50 KiB/s; "4G" is Lighthouse's mobile throttling, 1.6 Mbit/s
/// (1638.4 kbit/s = 204.8 KiB/s).
pub const SLOW_3G_BYTES_PER_SECOND: f64 = 50.0 * 1024.0;
pub const FOUR_G_BYTES_PER_SECOND: f64 = 1638.4 * 1000.0 / 8.0;

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Group {
    pub files: Vec<String>,
    /// Transfer size (gzip for text formats) of the files.
    pub gzip: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PageLoad {
    pub page: String,
    pub initial_scripts: Group,
    pub initial_stylesheets: Group,
    pub lazy_scripts: Group,
    /// Seconds to transfer the initial scripts and stylesheets at slow 3G and 4G.
    pub initial_seconds_slow_3g: f64,
    pub initial_seconds_4g: f64,
    /// References to files that are not in the folder: `(reference, line, column)`.
    pub missing: Vec<(String, u32, u32)>,
    /// Entry points of the first visit (`<script src>`, inline module imports, stylesheets)
    /// that could not be measured: not in the folder, or a placeholder a server fills in. The
    /// initial figures leave them out, so a budget on them cannot pass.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unmeasured: Vec<Unmeasured>,
}

/// An entry reference of a page that names no file of the folder as shipped.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Unmeasured {
    pub reference: String,
    /// `script` or `stylesheet`.
    pub entry: &'static str,
    /// `missing` (not in the folder) or `template` (a placeholder).
    pub why: &'static str,
    pub line: u32,
    pub column: u32,
}

struct Graph<'a> {
    by_path: HashMap<&'a str, &'a Asset>,
    base_path: Option<&'a str>,
}

impl<'a> Graph<'a> {
    fn script_imports(&self, path: &str) -> Vec<(String, bool)> {
        let Some(asset) = self.by_path.get(path) else {
            return Vec::new();
        };
        let Facts::Script(script) = &asset.facts else {
            return Vec::new();
        };
        script
            .js
            .imports
            .iter()
            .filter(|import| !import.type_only)
            .filter_map(|import| {
                match resolve(path, &strip_base(&import.specifier, self.base_path)) {
                    // Bare specifiers ("react") are resolved by an import map or a bundler, not
                    // by the browser from this folder.
                    Resolved::Local(target) if is_path_like(&import.specifier) => {
                        Some((self.file_serving(target), import.form.is_static()))
                    }
                    _ => None,
                }
            })
            .collect()
    }

    fn stylesheet_imports(&self, path: &str) -> Vec<String> {
        let Some(asset) = self.by_path.get(path) else {
            return Vec::new();
        };
        let Facts::Stylesheet(style) = &asset.facts else {
            return Vec::new();
        };
        style
            .css
            .imports
            .iter()
            .filter_map(
                |import| match resolve(path, &strip_base(&import.url, self.base_path)) {
                    Resolved::Local(target) => Some(self.file_serving(target)),
                    _ => None,
                },
            )
            .collect()
    }

    /// The file a request for `path` gets: itself, or the copy shipped in its place.
    fn file_serving(&self, path: String) -> String {
        if self.by_path.contains_key(path.as_str()) {
            return path;
        }
        self.copy_of(&path).unwrap_or(path)
    }

    /// The precompressed copy that stands for `path` when only the copy was shipped
    /// (`app.js.br` or `app.js.gz` without `app.js`): servers that serve precompressed files
    /// answer a request for `app.js` with it.
    fn copy_of(&self, path: &str) -> Option<String> {
        ["br", "gz"].iter().find_map(|extension| {
            let copy = format!("{path}.{extension}");
            self.by_path
                .get(copy.as_str())
                .filter(|a| a.kind == AssetKind::Precompressed && a.original.is_none())
                .map(|_| copy)
        })
    }

    fn is(&self, path: &str, kind: AssetKind) -> bool {
        self.by_path.get(path).is_some_and(|a| a.kind == kind)
    }

    fn group(&self, files: BTreeSet<String>) -> Group {
        let gzip = files
            .iter()
            .filter_map(|f| self.by_path.get(f.as_str()))
            .map(|a| a.transfer())
            .sum();
        Group {
            files: files.into_iter().collect(),
            gzip,
        }
    }
}

fn is_path_like(specifier: &str) -> bool {
    specifier.starts_with("./") || specifier.starts_with("../") || specifier.starts_with('/')
}

/// A root-absolute reference under the site's base path (`/app/assets/x.js` with base `/app/`)
/// as a reference from the folder's root (`/assets/x.js`).
pub(crate) fn strip_base<'r>(reference: &'r str, base: Option<&str>) -> std::borrow::Cow<'r, str> {
    match base.and_then(|base| reference.strip_prefix(base)) {
        Some(rest) => std::borrow::Cow::Owned(format!("/{rest}")),
        None => std::borrow::Cow::Borrowed(reference),
    }
}

/// Whether an HTML file is a page a visitor opens: written as a document (a doctype, `<html>`,
/// `<head>` or `<body>`), or a folder's `index.html`, which a server opens for the folder's URL
/// whatever it holds. Any other file without document markup is a fragment pulled into a
/// page (a Polymer import, a component template).
pub fn is_page(path: &str, html: &crate::analyze::html::HtmlFacts) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    !html.fragment
        || name.eq_ignore_ascii_case("index.html")
        || name.eq_ignore_ascii_case("index.htm")
}

/// Computes the initial and lazy load of every HTML page in `assets`. `base_path` is the URL
/// path the folder is served under (`[pages] base`), if not `/`.
pub fn page_loads(assets: &[Asset], base_path: Option<&str>) -> Vec<PageLoad> {
    let graph = Graph {
        by_path: assets.iter().map(|a| (a.path.as_str(), a)).collect(),
        base_path,
    };
    let mut pages = Vec::new();
    for asset in assets {
        let Facts::Document(html) = &asset.facts else {
            continue;
        };
        if !is_page(&asset.path, html) {
            continue;
        }
        let page = asset.path.as_str();
        // A `<base href>` under the served path (`/app/` with `[pages] base = "/app/"`, as
        // Angular's `--base-href` writes it) is the folder's root.
        let base = html
            .base_href
            .as_deref()
            .filter(|href| !is_template(href))
            .map(|href| strip_base(href, base_path));
        let base = base.as_deref();
        let mut missing = Vec::new();
        let mut unmeasured = Vec::new();
        // `entry`: the reference is an entry point of the first visit (`script`/`stylesheet`),
        // whose size the initial figures need.
        let mut local = |reference: &Option<String>,
                         line: u32,
                         column: u32,
                         entry: Option<&'static str>|
         -> Option<String> {
            let reference = reference.as_deref()?;
            // A template that shows a literal default names that file.
            let reference = template_default(reference).unwrap_or(reference);
            let mut unmeasured_as = |why: &'static str| {
                if let Some(entry) = entry {
                    unmeasured.push(Unmeasured {
                        reference: reference.to_string(),
                        entry,
                        why,
                        line,
                        column,
                    });
                }
            };
            // A placeholder the server fills in names no file as shipped: not missing, but not
            // measurable either.
            if is_template(reference) {
                unmeasured_as("template");
                return None;
            }
            match resolve_in_document(page, base, &strip_base(reference, base_path)) {
                Resolved::Local(path) if graph.by_path.contains_key(path.as_str()) => Some(path),
                Resolved::Local(path) if graph.copy_of(&path).is_some() => graph.copy_of(&path),
                Resolved::Local(path) if has_placeholder_segment(&path) => {
                    unmeasured_as("template");
                    None
                }
                Resolved::Local(_) => {
                    unmeasured_as("missing");
                    missing.push((reference.to_string(), line, column));
                    None
                }
                _ => None,
            }
        };

        let mut initial_scripts: VecDeque<String> = VecDeque::new();
        let mut initial_styles: VecDeque<String> = VecDeque::new();
        let mut lazy: VecDeque<String> = VecDeque::new();
        for script in &html.scripts {
            if script.nomodule || !matches!(script.kind, ScriptKind::Classic | ScriptKind::Module) {
                continue;
            }
            let entry = Some("script");
            if let Some(path) = local(
                &script.src,
                script.location.line,
                script.location.column,
                entry,
            ) {
                initial_scripts.push_back(path);
            }
            // Inline code: a module's static imports load with the page, dynamic ones later.
            for import in script.inline_imports.iter().filter(|i| !i.type_only) {
                if !is_path_like(&import.specifier) {
                    continue;
                }
                let initial = import.form.is_static() && script.kind == ScriptKind::Module;
                let Some(path) = local(
                    &Some(import.specifier.clone()),
                    import.line,
                    import.column,
                    initial.then_some("script"),
                ) else {
                    continue;
                };
                if import.form.is_static() && script.kind == ScriptKind::Module {
                    initial_scripts.push_back(path);
                } else if !import.form.is_static() {
                    lazy.push_back(path);
                }
            }
        }
        for link in html
            .stylesheets
            .iter()
            .filter(|l| !l.disabled && !l.alternate)
        {
            if let Some(path) = local(
                &link.href,
                link.location.line,
                link.location.column,
                Some("stylesheet"),
            ) {
                initial_styles.push_back(path);
            }
        }
        for preload in &html.preloads {
            let Some(path) = local(
                &preload.href,
                preload.location.line,
                preload.location.column,
                None,
            ) else {
                continue;
            };
            match preload.rel.as_str() {
                "prefetch" if graph.is(&path, AssetKind::Script) => lazy.push_back(path),
                "modulepreload" => initial_scripts.push_back(path),
                "preload" if graph.is(&path, AssetKind::Script) => initial_scripts.push_back(path),
                "preload" if graph.is(&path, AssetKind::Stylesheet) => {
                    initial_styles.push_back(path)
                }
                _ => {}
            }
        }

        // Everything reachable through static imports from the initial scripts is initial.
        let mut initial = BTreeSet::new();
        while let Some(path) = initial_scripts.pop_front() {
            if !initial.insert(path.clone()) {
                continue;
            }
            for (target, is_static) in graph.script_imports(&path) {
                if !graph.by_path.contains_key(target.as_str()) {
                    continue;
                }
                if is_static {
                    initial_scripts.push_back(target)
                } else {
                    lazy.push_back(target)
                }
            }
        }
        let mut styles = BTreeSet::new();
        while let Some(path) = initial_styles.pop_front() {
            if styles.insert(path.clone()) {
                initial_styles.extend(
                    graph
                        .stylesheet_imports(&path)
                        .into_iter()
                        .filter(|t| graph.by_path.contains_key(t.as_str())),
                );
            }
        }
        // Lazy chunks and their own imports, minus what the first load already brought.
        let mut lazy_set = BTreeSet::new();
        while let Some(path) = lazy.pop_front() {
            if initial.contains(&path) || !lazy_set.insert(path.clone()) {
                continue;
            }
            for (target, _) in graph.script_imports(&path) {
                if graph.by_path.contains_key(target.as_str()) {
                    lazy.push_back(target);
                }
            }
        }
        // Initial scripts that are stylesheets by mistake (or vice versa) stay where the page put them.
        let initial_scripts = graph.group(initial);
        let initial_stylesheets = graph.group(styles);
        let initial_bytes = (initial_scripts.gzip + initial_stylesheets.gzip) as f64;
        pages.push(PageLoad {
            page: page.to_string(),
            initial_seconds_slow_3g: initial_bytes / SLOW_3G_BYTES_PER_SECOND,
            initial_seconds_4g: initial_bytes / FOUR_G_BYTES_PER_SECOND,
            initial_scripts,
            initial_stylesheets,
            lazy_scripts: graph.group(lazy_set),
            missing,
            unmeasured,
        });
    }
    pages
}
