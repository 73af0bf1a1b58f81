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
//!
//! Bundles with a webpack-style runtime (webpack 5, rspack, Next.js) load more than they import:
//! an entry waits for start-up chunks (`.O(0, [ids])`, `.X(0, [ids])`), which are initial (with
//! their CSS) when no loaded file declares their ids, found through the runtime's chunk filename
//! map; chunks of `__webpack_require__.e(id)` are lazy. Next.js pages add what the build records
//! for them: the route's files in `_buildManifest.js`, the files their flight data names.
//! SvelteKit pages add the nodes its client loads as it starts (the root layout and error page,
//! and the nodes the page hydrates or its URL's route needs, from the client manifest in
//! `app.js`) with their stylesheets. What cannot be resolved makes the page incomplete
//! ([`PageLoad::incomplete`]), with the reason.

use foldhash::{HashMap, HashMapExt};
use std::collections::{BTreeSet, VecDeque};

use serde::Serialize;

use crate::analyze::url::{
    Resolved, behind_server_prefix, has_placeholder_segment, is_template, resolve,
    resolve_in_document, template_default,
};
use crate::analyze::{Facts, html::ScriptKind, js::ChunkLoading, sveltekit};
use crate::kind::AssetKind;
use crate::measure::Asset;

/// Throughputs used for load-time estimates: transfer time only (no latency, no parsing).
/// "Slow 3G" is size-limit's 50 KiB/s; "4G" is Lighthouse's mobile throttling, 1.6 Mbit/s
/// (1638.4 kbit/s = 204.8 KiB/s).
pub const SLOW_3G_BYTES_PER_SECOND: f64 = 50.0 * 1024.0;
pub const FOUR_G_BYTES_PER_SECOND: f64 = 1638.4 * 1000.0 / 8.0;

#[derive(Debug, Clone, Default, Serialize, PartialEq, schemars::JsonSchema)]
pub struct Group {
    pub files: Vec<String>,
    /// Transfer size (gzip for text formats) of the files.
    pub gzip: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq, schemars::JsonSchema)]
pub struct PageLoad {
    pub page: String,
    pub initial_scripts: Group,
    pub initial_stylesheets: Group,
    pub lazy_scripts: Group,
    /// The stylesheets of chunks loaded on demand (mini-css-extract-plugin's CSS chunks, which
    /// the runtime loads with their chunk), minus those of the first visit.
    pub lazy_stylesheets: Group,
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
    /// Parts of the first visit webaudit could not resolve from the files: a start-up chunk no
    /// file stands for, a chunk loading runtime it cannot read, module federation. The initial
    /// figures leave them out, so a budget on them cannot pass.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub incomplete: Vec<String>,
    /// The page is a server template as shipped: its `<base href>` or a reference it loads is
    /// a placeholder a server or deploy step fills in (`{{ base_url }}`, `%PUBLIC_URL%`,
    /// `ASSET_PREFIX_PLACEHOLDER/…`). Its figures are those of the file as shipped.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub template: bool,
    /// The path the page's server serves the folder under, as the page's own references show
    /// it (`static/`): references such as `./static/assets/index.js` that name no file of the
    /// folder, under a first folder the audit does not have, while `assets/index.js` is one
    /// (see [`mount_of`]). Those references are read as naming the file after it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mount: Option<String>,
}

/// An entry reference of a page that names no file of the folder as shipped.
#[derive(Debug, Clone, Serialize, PartialEq, schemars::JsonSchema)]
pub struct Unmeasured {
    pub reference: String,
    /// `script` or `stylesheet`.
    pub entry: &'static str,
    /// `missing` (not in the folder), `outside` (above the audited folder) or `template` (a
    /// placeholder).
    pub why: &'static str,
    pub line: u32,
    pub column: u32,
}

struct Graph<'a> {
    by_path: HashMap<&'a str, &'a Asset>,
    base_path: Option<&'a str>,
    /// Every chunk id a file of the folder declares, with the files (to say where a start-up
    /// chunk the page does not load is).
    declared_by: HashMap<&'a str, Vec<&'a str>>,
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

    /// Moves `queue` into the initial set with everything it imports statically; its dynamic
    /// imports go to `lazy`. `order` records the files in the order they were reached.
    fn close_initial(
        &self,
        queue: &mut VecDeque<String>,
        initial: &mut BTreeSet<String>,
        order: &mut Vec<String>,
        lazy: &mut VecDeque<String>,
    ) {
        while let Some(path) = queue.pop_front() {
            if !initial.insert(path.clone()) {
                continue;
            }
            order.push(path.clone());
            for (target, is_static) in self.script_imports(&path) {
                if !self.by_path.contains_key(target.as_str()) {
                    continue;
                }
                if is_static {
                    queue.push_back(target)
                } else {
                    lazy.push_back(target)
                }
            }
        }
    }

    /// SvelteKit's client manifest, when the script at `path` holds it.
    fn sveltekit(&self, path: &str) -> Option<&'a sveltekit::SvelteKitManifest> {
        match &self.by_path.get(path)?.facts {
            Facts::Script(script) => script.sveltekit.as_ref(),
            _ => None,
        }
    }

    /// What a script says about bundler chunk loading.
    fn chunks(&self, path: &str) -> Option<&'a ChunkLoading> {
        match &self.by_path.get(path)?.facts {
            Facts::Script(script) if !script.js.chunks.is_empty() => Some(&script.js.chunks),
            _ => None,
        }
    }

    /// `path` as shipped: the file, or the precompressed copy that stands for it.
    fn shipped(&self, path: &str) -> Option<String> {
        if self.by_path.contains_key(path) {
            Some(path.to_string())
        } else {
            self.copy_of(path)
        }
    }

    /// The file a bundler runtime at `runtime` (a file, or the page for an inline runtime)
    /// fetches for `file`, a chunk file name relative to its public path. The public path is
    /// tried when it is a constant; otherwise (and when it leads nowhere) the output folder is
    /// found as the runtime's own folder or one above it, since the runtime was written into
    /// the output folder too (`static/js/runtime.js` beside `static/js/` chunks, Next.js's
    /// `_next/static/chunks/webpack.js` under `_next/`).
    fn locate_chunk(
        &self,
        document: (&str, Option<&str>),
        runtime: &str,
        public_path: Option<&str>,
        file: &str,
    ) -> Option<String> {
        let (page, base) = document;
        if let Some(public_path) = public_path.filter(|p| !p.is_empty() && *p != "auto") {
            let reference = format!("{public_path}{file}");
            if let Resolved::Local(path) =
                resolve_in_document(page, base, &strip_base(&reference, self.base_path))
                && let Some(found) = self.shipped(&path)
            {
                return Some(found);
            }
        }
        let mut folder = runtime.rsplit_once('/').map_or("", |(folder, _)| folder);
        loop {
            // `file` relative to a file in `folder`.
            let from = format!("{folder}/.");
            if let Resolved::Local(path) = resolve(&from, file)
                && let Some(found) = self.shipped(&path)
            {
                return Some(found);
            }
            if folder.is_empty() {
                return None;
            }
            folder = folder.rsplit_once('/').map_or("", |(parent, _)| parent);
        }
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

/// SvelteKit's start-up (see [`crate::model::facts::sveltekit`]): the nodes the client loads
/// as it starts, from the client manifest among the scripts the page loaded (`loaded`), go to
/// `queues` (scripts, stylesheets). A page rendered on the server names its nodes; one the
/// client renders gets those of the route matching its URL. The root layout and root error
/// page load either way.
fn sveltekit_start_up(
    graph: &Graph,
    page: &str,
    start: &sveltekit::SvelteKitStart,
    loaded: &[String],
    queues: (&mut VecDeque<String>, &mut VecDeque<String>),
    incomplete: &mut Vec<String>,
) {
    let (scripts, styles) = queues;
    let Some((app, manifest)) = loaded
        .iter()
        .find_map(|path| graph.sveltekit(path).map(|manifest| (path, manifest)))
    else {
        incomplete.push(
            "the page starts SvelteKit's client, and none of its scripts holds the client manifest (SvelteKit's nodes and routes): the code of its route is not counted".to_string(),
        );
        return;
    };
    let mut ids: Vec<u32> = vec![0, 1];
    match &start.node_ids {
        Some(rendered) => ids.extend(rendered),
        None => {
            let url = url_path(page);
            match sveltekit::route_for(&manifest.routes, &url) {
                Ok(route) => ids.extend(&route.nodes),
                // A single-file build holds every route: nothing is left out either way.
                Err(_) if manifest.nodes.iter().all(|node| node.module.is_none()) => {}
                Err(why) => incomplete.push(format!(
                    "SvelteKit renders this page in the browser with the route its URL matches, and {why} ({app}): the page is a fallback whose first visit depends on the URL it answers, and its route's code is not counted"
                )),
            }
        }
    }
    let mut seen = BTreeSet::new();
    for id in ids.into_iter().filter(|id| seen.insert(*id)) {
        let Some(node) = manifest.nodes.get(id as usize) else {
            incomplete.push(format!(
                "SvelteKit node {id} is not in the client manifest ({app})"
            ));
            continue;
        };
        // A node without a module of its own is in the manifest's file, loaded already.
        if let Some(module) = &node.module {
            match resolve(app, module) {
                Resolved::Local(path) if graph.shipped(&path).is_some() => {
                    scripts.extend(graph.shipped(&path));
                }
                _ => incomplete.push(format!(
                    "SvelteKit node {id} ({module}, named by {app}) is not in the folder"
                )),
            }
        }
        for sheet in &node.stylesheets {
            // Vite writes preloads relative to the importer when it passes `import.meta.url`,
            // otherwise relative to the site's base: the folder's root.
            let from = if node.relative || sheet.starts_with("./") || sheet.starts_with("../") {
                app.as_str()
            } else {
                "index.html"
            };
            match resolve(from, sheet) {
                Resolved::Local(path) if graph.shipped(&path).is_some() => {
                    styles.extend(graph.shipped(&path));
                }
                _ => incomplete.push(format!(
                    "the stylesheet {sheet} of SvelteKit node {id} (named by {app}) is not in the folder"
                )),
            }
        }
    }
}

/// The URL path a server answers with `page`: `index.html` for `/`, `about/index.html` for
/// `/about/`, `about.html` for `/about`.
fn url_path(page: &str) -> String {
    let name_start = page.rfind('/').map_or(0, |slash| slash + 1);
    let name = &page[name_start..];
    let path = if name.eq_ignore_ascii_case("index.html") || name.eq_ignore_ascii_case("index.htm")
    {
        &page[..name_start]
    } else {
        page.strip_suffix(".html")
            .or_else(|| page.strip_suffix(".htm"))
            .unwrap_or(page)
    };
    format!("/{path}")
}

/// The file of chunk `id` (its stylesheet when `stylesheet`), as the `preferred` runtime, else
/// the first of `runtimes` that names a file of the folder for it, says; with the runtime's
/// index. A page can carry several runtimes (one per entry, or a legacy build beside a modern
/// one) whose chunk ids overlap: the one that loads the chunk knows its file.
fn resolve_chunk(
    graph: &Graph,
    document: (&str, Option<&str>),
    runtimes: &[(String, &ChunkLoading)],
    preferred: Option<usize>,
    id: &str,
    stylesheet: bool,
) -> Option<(String, usize)> {
    preferred
        .into_iter()
        .chain((0..runtimes.len()).filter(|&index| Some(index) != preferred))
        .find_map(|index| {
            let (at, runtime) = runtimes.get(index)?;
            let files = if stylesheet {
                runtime.stylesheet_files.as_ref()
            } else {
                runtime.script_files.as_ref()
            };
            let file = files?.file(id)?;
            graph
                .locate_chunk(document, at, runtime.public_path.as_deref(), &file)
                .map(|path| (path, index))
        })
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

/// The folder's path on the page's server, as the page's own references show it: a first
/// segment `S` such that references under `S/` name no file of the folder while what follows
/// `S/` does, `S` being no folder of the audit. MLflow's page loads
/// `static-files/static/js/main.js` and Airflow's `./static/assets/index.js`: their servers
/// mount the build folder at `/static-files/` and `/static/`, which the folder cannot show.
///
/// At least two of the page's references (scripts, stylesheets, preloads, icons, images) must
/// say so and none contradict it (a reference under `S/` whose rest is not in the folder
/// either): one file that happens to exist at the shorter path is not enough to read a whole
/// page differently. `resolve` resolves a reference from the page; `serves` says whether the
/// folder has a file at a path.
pub fn mount_of(
    html: &crate::analyze::html::HtmlFacts,
    resolve: impl Fn(&str) -> Resolved,
    serves: impl Fn(&str) -> bool,
    is_folder: impl Fn(&str) -> bool,
) -> Option<String> {
    const SUPPORT_NEEDED: usize = 2;
    let references = html
        .scripts
        .iter()
        .map(|s| s.src.as_deref())
        .chain(html.stylesheets.iter().map(|l| l.href.as_deref()))
        .chain(html.preloads.iter().map(|p| p.href.as_deref()))
        .chain(html.icons.iter().map(|i| i.href.as_deref()))
        .chain(html.images.iter().map(|i| i.src.as_deref()))
        .flatten()
        .filter(|reference| !is_template(reference));
    // (segment, references under it whose rest is a file, references whose rest is not)
    let mut candidates: Vec<(String, usize, usize)> = Vec::new();
    for reference in references {
        let Resolved::Local(path) = resolve(reference) else {
            continue;
        };
        if path.is_empty() || path.ends_with('/') || serves(&path) {
            continue;
        }
        let Some((segment, rest)) = path.split_once('/') else {
            continue;
        };
        let index = match candidates.iter().position(|(s, _, _)| s == segment) {
            Some(index) => index,
            None => {
                candidates.push((segment.to_string(), 0, 0));
                candidates.len() - 1
            }
        };
        if serves(rest) {
            candidates[index].1 += 1;
        } else {
            candidates[index].2 += 1;
        }
    }
    candidates
        .into_iter()
        .filter(|(segment, support, against)| {
            *support >= SUPPORT_NEEDED && *against == 0 && !is_folder(segment)
        })
        .max_by_key(|(_, support, _)| *support)
        .map(|(segment, _, _)| format!("{segment}/"))
}

/// `path` read under the page's `mount` (see [`mount_of`]): the path after it, when the folder
/// has no file at `path` and has one there.
pub fn under_mount(path: String, mount: &str, serves: impl Fn(&str) -> bool) -> String {
    match path.strip_prefix(mount) {
        Some(rest) if !serves(&path) && serves(rest) => rest.to_string(),
        _ => path,
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

/// Whether a page is a server template as shipped: its `<base href>`, or a script, stylesheet,
/// preload or image it loads, is written with template syntax (see `url::is_template`).
fn is_template_page(html: &crate::analyze::html::HtmlFacts) -> bool {
    let texts = std::iter::once(html.base_href.as_deref())
        .chain(html.scripts.iter().map(|s| s.src.as_deref()))
        .chain(html.stylesheets.iter().map(|l| l.href.as_deref()))
        .chain(html.preloads.iter().map(|p| p.href.as_deref()))
        .chain(html.images.iter().map(|i| i.src.as_deref()));
    texts.flatten().any(is_template)
}

/// Computes the initial and lazy load of every HTML page in `assets`. `base_path` is the URL
/// path the folder is served under (`[pages] base`), if not `/`.
pub fn page_loads(assets: &[Asset], base_path: Option<&str>) -> Vec<PageLoad> {
    let mut declared_by: HashMap<&str, Vec<&str>> = HashMap::new();
    for asset in assets {
        if let Facts::Script(script) = &asset.facts {
            for id in &script.js.chunks.declared {
                declared_by.entry(id).or_default().push(&asset.path);
            }
        }
    }
    let graph = Graph {
        by_path: assets.iter().map(|a| (a.path.as_str(), a)).collect(),
        base_path,
        declared_by,
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
        let mount = mount_of(
            html,
            |reference| resolve_in_document(page, base, &strip_base(reference, base_path)),
            |path| graph.shipped(path).is_some(),
            |folder| {
                graph
                    .by_path
                    .keys()
                    .any(|p| p.strip_prefix(folder).is_some_and(|r| r.starts_with('/')))
            },
        );
        let mut missing = Vec::new();
        let mut unmeasured = Vec::new();
        // Whether a reference the page loads is written with a prefix its server fills in.
        let mut served_through_prefix = false;
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
            let resolved = resolve_in_document(page, base, &strip_base(reference, base_path));
            // A prefix the server fills in (`{{ base_url }}`, `/BASE_PLACEHOLDER/`) stands for
            // the URL the folder is served under: a path after it that the folder serves is
            // that file. Any other placeholder names no file as shipped: not missing, but not
            // measurable either.
            if is_template(reference)
                || matches!(&resolved, Resolved::Local(path) if !graph.by_path.contains_key(path.as_str()) && has_placeholder_segment(path))
            {
                served_through_prefix = true;
                let found = behind_server_prefix(reference, &resolved)
                    .and_then(|path| graph.shipped(&path));
                if found.is_none() {
                    unmeasured_as("template");
                }
                return found;
            }
            let resolved = match (resolved, &mount) {
                (Resolved::Local(path), Some(mount)) => {
                    Resolved::Local(under_mount(path, mount, |p| graph.shipped(p).is_some()))
                }
                (resolved, _) => resolved,
            };
            match resolved {
                Resolved::Local(path) if graph.by_path.contains_key(path.as_str()) => Some(path),
                Resolved::Local(path) if graph.copy_of(&path).is_some() => graph.copy_of(&path),
                Resolved::Local(_) => {
                    unmeasured_as("missing");
                    missing.push((reference.to_string(), line, column));
                    None
                }
                // pdf.js's `web/viewer.html` loads `../build/pdf.mjs`: audited as `web/`, the
                // entry is there but not measured.
                Resolved::OutsideRoot => {
                    unmeasured_as("outside");
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
            // Inline code: a module's static imports load with the page, dynamic ones later,
            // except SvelteKit's start-up script, whose `import()`s of its runtime and client
            // manifest run as the page loads.
            for import in script.inline_imports.iter().filter(|i| !i.type_only) {
                if !is_path_like(&import.specifier) {
                    continue;
                }
                let initial = if import.form.is_static() {
                    script.kind == ScriptKind::Module
                } else {
                    html.sveltekit_start.is_some()
                };
                let Some(path) = local(
                    &Some(import.specifier.clone()),
                    import.line,
                    import.column,
                    initial.then_some("script"),
                ) else {
                    continue;
                };
                if initial {
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

        // Everything reachable through static imports from the initial scripts is initial;
        // `initial_order` keeps the order files were reached in (the page's order first).
        let mut initial = BTreeSet::new();
        let mut initial_order: Vec<String> = Vec::new();
        graph.close_initial(
            &mut initial_scripts,
            &mut initial,
            &mut initial_order,
            &mut lazy,
        );

        let mut incomplete = Vec::new();
        if let Some(start) = &html.sveltekit_start {
            sveltekit_start_up(
                &graph,
                page,
                start,
                &initial_order,
                (&mut initial_scripts, &mut initial_styles),
                &mut incomplete,
            );
        }

        // Next.js: the chunks the build records for this page (pages router: its route and
        // `/_app` in the build manifest; app router: the files its flight data names).
        if let Some(route) = &html.next_route {
            let manifest = initial_order.iter().find_map(|path| {
                graph
                    .chunks(path)
                    .filter(|c| !c.next_routes.is_empty())
                    .map(|c| (path.clone(), c))
            });
            if let Some((manifest_path, manifest)) = manifest {
                for (listed, files) in &manifest.next_routes {
                    if listed != route && listed != "/_app" {
                        continue;
                    }
                    for file in files {
                        match graph.locate_chunk((page, base), &manifest_path, None, file) {
                            Some(path) if graph.is(&path, AssetKind::Stylesheet) => {
                                initial_styles.push_back(path)
                            }
                            Some(path) => initial_scripts.push_back(path),
                            None => incomplete.push(format!(
                                "the Next.js build manifest ({manifest_path}) lists {file} for route {listed}, not in the folder"
                            )),
                        }
                    }
                }
            }
        }
        for file in &html.next_flight_files {
            // Not through `local`: a file the flight data names has no place in the page to
            // report it at; it makes the page incomplete instead. Root-absolute paths resolve
            // like the page's own references (another origin is not counted, as a CDN script
            // is not); relative ones (`static/chunks/x.js`) under `_next/`, found above the
            // page's scripts.
            let found = if file.starts_with('/') || file.contains("://") {
                match resolve_in_document(page, base, &strip_base(file, base_path)) {
                    Resolved::Local(path) => graph.shipped(&path),
                    _ => continue,
                }
            } else {
                initial_order
                    .iter()
                    .find_map(|from| graph.locate_chunk((page, base), from, None, file))
            };
            match found {
                Some(path) if graph.is(&path, AssetKind::Stylesheet) => {
                    initial_styles.push_back(path)
                }
                Some(path) => initial_scripts.push_back(path),
                None => incomplete.push(format!(
                    "the page's Next.js flight data names {file}, not in the folder"
                )),
            }
        }
        graph.close_initial(
            &mut initial_scripts,
            &mut initial,
            &mut initial_order,
            &mut lazy,
        );

        // Bundler start-up (webpack, rspack): the chunks an entry waits for (`.O(0, [ids])`)
        // or has its runtime fetch (`.X(0, [ids])`) are initial. A chunk is there when a file
        // already loaded declares its id; otherwise a runtime's chunk filename function names
        // its file. Each file added may wait for more chunks: repeat until nothing is added.
        let inline_chunks: Vec<&ChunkLoading> = html
            .scripts
            .iter()
            .filter(|s| s.src.is_none() && !s.nomodule)
            .map(|s| &s.inline_chunks)
            .filter(|c| !c.is_empty())
            .collect();
        // Where chunk facts come from: inline code (at the page), then the loaded files.
        let sources = |order: &[String]| -> Vec<(String, &ChunkLoading)> {
            inline_chunks
                .iter()
                .map(|c| (page.to_string(), *c))
                .chain(
                    order
                        .iter()
                        .filter_map(|path| graph.chunks(path).map(|c| (path.clone(), c))),
                )
                .collect()
        };
        let mut handled: BTreeSet<String> = BTreeSet::new();
        let mut missing_chunks: Vec<String> = Vec::new();
        let mut runtimes: Vec<(String, &ChunkLoading)>;
        loop {
            let loaded = sources(&initial_order);
            runtimes = loaded
                .iter()
                .filter(|(_, c)| c.script_files.is_some() || !c.unresolved.is_empty())
                .cloned()
                .collect();
            let declared: BTreeSet<&str> = loaded
                .iter()
                .flat_map(|(_, c)| c.declared.iter().map(String::as_str))
                .collect();
            let mut added = false;
            for (at, chunks) in &loaded {
                // Next.js records the `next/dynamic` modules a page rendered when it was built:
                // their chunks load with the page, like start-up chunks.
                let recorded = chunks
                    .module_chunks
                    .iter()
                    .filter(|(module, _)| html.next_dynamic_ids.contains(module))
                    .flat_map(|(_, ids)| ids);
                for id in chunks.startup.iter().chain(recorded) {
                    if !handled.insert(id.clone()) {
                        continue;
                    }
                    // An entry's own runtime (runtime in the entry chunk) comes first.
                    let own = runtimes.iter().position(|(runtime, _)| runtime == at);
                    // The chunk's CSS (mini-css-extract-plugin) is needed before it runs too.
                    if let Some((path, _)) =
                        resolve_chunk(&graph, (page, base), &runtimes, own, id, true)
                    {
                        initial_styles.push_back(path);
                    }
                    if declared.contains(id.as_str()) {
                        continue;
                    }
                    match resolve_chunk(&graph, (page, base), &runtimes, own, id, false) {
                        Some((path, _)) => {
                            initial_scripts.push_back(path);
                            added = true;
                        }
                        None => missing_chunks.push(id.clone()),
                    }
                }
            }
            if !added {
                break;
            }
            graph.close_initial(
                &mut initial_scripts,
                &mut initial,
                &mut initial_order,
                &mut lazy,
            );
        }
        // Ids no runtime resolved may be declared by a file added later.
        let declared: BTreeSet<String> = sources(&initial_order)
            .iter()
            .flat_map(|(_, c)| c.declared.iter().cloned())
            .collect();
        missing_chunks.retain(|id| !declared.contains(id));
        if !missing_chunks.is_empty() {
            let listed = missing_chunks.join(", ");
            let s = if missing_chunks.len() == 1 { "" } else { "s" };
            let them = if missing_chunks.len() == 1 {
                "it"
            } else {
                "them"
            };
            let readable: Vec<&str> = runtimes
                .iter()
                .filter(|(_, c)| c.script_files.is_some())
                .map(|(at, _)| at.as_str())
                .collect();
            let mut reason = match readable.as_slice() {
                [] if !runtimes.is_empty() => format!(
                    "start-up chunk{s} {listed}: the runtime's chunk file names could not be read"
                ),
                [] => format!(
                    "start-up chunk{s} {listed}: no file the page loads declares {them}, and no chunk loading runtime among its scripts names a file"
                ),
                [one] => format!(
                    "start-up chunk{s} {listed}: no file the page loads declares {them}, and the runtime ({one}) names no file of the folder for {them}"
                ),
                several => format!(
                    "start-up chunk{s} {listed}: no file the page loads declares {them}, and no runtime of the page ({}) names a file of the folder for {them}",
                    several.join(", ")
                ),
            };
            // webpack's runtime names async chunks only: a start-up chunk is the page's to
            // list. Say which file it is when the folder has it.
            let elsewhere: Vec<String> = missing_chunks
                .iter()
                .filter_map(|id| {
                    let files = graph.declared_by.get(id.as_str())?;
                    Some(format!("{id} is declared by {}", files.join(", ")))
                })
                .collect();
            if !elsewhere.is_empty() {
                reason.push_str(&format!(
                    " ({}, which the page does not load)",
                    elsewhere.join("; ")
                ));
            }
            incomplete.push(reason);
        }
        // What a runtime among the page's scripts cannot tell (module federation, an unread
        // filename function) leaves the start-up unknown.
        let mut seen_reasons = BTreeSet::new();
        for (at, chunks) in sources(&initial_order) {
            for reason in &chunks.unresolved {
                if seen_reasons.insert(reason.clone()) {
                    incomplete.push(format!("{at}: {reason}"));
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
        // Chunks loaded on demand (`import()`, `__webpack_require__.e(id)`) and their own
        // imports and chunks, minus what the first load already brought. A chunk's on-demand
        // ids are resolved by its own runtime, else by the runtime that loaded it, else by the
        // first of the page's runtimes that names a file for them.
        // A chunk's stylesheet (mini-css-extract-plugin) loads with it.
        let on_demand = |chunks: Option<&ChunkLoading>,
                         preferred: Option<usize>,
                         lazy: &mut VecDeque<(String, Option<usize>)>,
                         lazy_styles: &mut BTreeSet<String>| {
            for id in chunks.into_iter().flat_map(|c| c.on_demand.iter()) {
                if let Some((path, runtime)) =
                    resolve_chunk(&graph, (page, base), &runtimes, preferred, id, false)
                {
                    lazy.push_back((path, Some(runtime)));
                }
                if let Some((path, _)) =
                    resolve_chunk(&graph, (page, base), &runtimes, preferred, id, true)
                {
                    lazy_styles.insert(path);
                }
            }
        };
        let own_runtime = |at: &str| runtimes.iter().position(|(runtime, _)| runtime == at);
        let mut lazy: VecDeque<(String, Option<usize>)> =
            lazy.into_iter().map(|path| (path, None)).collect();
        let mut lazy_styles = BTreeSet::new();
        for chunks in &inline_chunks {
            on_demand(Some(chunks), own_runtime(page), &mut lazy, &mut lazy_styles);
        }
        for path in &initial_order {
            on_demand(
                graph.chunks(path),
                own_runtime(path),
                &mut lazy,
                &mut lazy_styles,
            );
        }
        let mut lazy_set = BTreeSet::new();
        while let Some((path, loaded_by)) = lazy.pop_front() {
            if initial.contains(&path) || !lazy_set.insert(path.clone()) {
                continue;
            }
            for (target, _) in graph.script_imports(&path) {
                if graph.by_path.contains_key(target.as_str()) {
                    lazy.push_back((target, loaded_by));
                }
            }
            on_demand(
                graph.chunks(&path),
                own_runtime(&path).or(loaded_by),
                &mut lazy,
                &mut lazy_styles,
            );
        }
        lazy_styles.retain(|path| !styles.contains(path));
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
            lazy_stylesheets: graph.group(lazy_styles),
            template: is_template_page(html) || served_through_prefix,
            mount,
            missing,
            unmeasured,
            incomplete,
        });
    }
    pages
}
