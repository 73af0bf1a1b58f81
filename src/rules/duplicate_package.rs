use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::analyze::sourcemap::PackageRef;
use crate::model::finding::Violation;
use crate::size::human;

/// Copies smaller than this are not reported: small helpers are often inlined twice on purpose.
pub const MIN_COPY_BYTES: u64 = 10 * 1024;

/// Folders that hold one build format of a package's code (`dist/esm/`, `lib/`, `es/`): the
/// same module sits under several of them, one per format, so they are no part of its identity.
/// A trailing number is part of the same word (`es2015`, `fesm2022`, `esm5`).
const FORMAT_FOLDERS: &[&str] = &[
    "dist", "lib", "es", "esm", "fesm", "cjs", "umd", "module", "build", "bundle", "bundles",
    "min", "mjs", "commonjs",
];

/// File-name suffixes that name a build variant of one module (`react-dom.production.min.js`,
/// `emotion-react.browser.esm.js`, `index.cjs`), stripped from the end of a file name.
/// A trailing number is part of the same word (`.es5`, `.es2015`). Stylesheet extensions are
/// here too: stylesheets are keyed apart from scripts before identities are compared.
const FORMAT_SUFFIXES: &[&str] = &[
    "min",
    "prod",
    "production",
    "dev",
    "development",
    "esm",
    "es",
    "cjs",
    "mjs",
    "umd",
    "module",
    "browser",
    "bundle",
    "js",
    "jsx",
    "ts",
    "tsx",
    "mts",
    "cts",
    "css",
    "scss",
    "sass",
    "less",
    "styl",
    "pcss",
];

/// Extensions of stylesheet sources: a package's CSS and its JS are different code even when
/// their file names match (`katex.css` and `katex.mjs`).
const STYLESHEET_EXTENSIONS: &[&str] = &["css", "scss", "sass", "less", "styl", "pcss"];

/// What a module of a package is, whatever build of it was bundled: its path within the package
/// without the leading build-format folders and without format suffixes and extension.
/// `moment.js` and `dist/moment.js` are both `moment`; `lib/index.js` and `es/index.js` are both
/// `index` (the CommonJS and ES builds of one module); `src/utils/index.js` and
/// `src/components/index.js` stay apart. Returns `None` when nothing is left (a module named
/// only by format words).
pub fn module_identity(module_path: &str) -> Option<String> {
    // Bundler-added queries (`?commonjs-proxy`) and fragments are not part of the file.
    let path = module_path.split(['?', '#']).next().unwrap_or_default();
    let mut segments: Vec<&str> = path
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect();
    let file = segments.pop()?;
    let format_folders = segments
        .iter()
        .take_while(|s| is_format_word(s, FORMAT_FOLDERS))
        .count();
    let mut stem = file;
    while let Some((before, suffix)) = stem.rsplit_once('.') {
        if before.is_empty() || !is_format_word(suffix, FORMAT_SUFFIXES) {
            break;
        }
        stem = before;
    }
    let mut identity: Vec<&str> = segments[format_folders..].to_vec();
    identity.push(stem);
    Some(identity.join("/"))
}

/// `word`, without a trailing version number and ignoring case, is one of `words`.
fn is_format_word(word: &str, words: &[&str]) -> bool {
    let lower = word.to_ascii_lowercase();
    let base = lower.trim_end_matches(|c: char| c.is_ascii_digit());
    words.contains(&base)
}

fn is_stylesheet_source(module_path: &str) -> bool {
    let path = module_path.split(['?', '#']).next().unwrap_or_default();
    path.rsplit_once('.').is_some_and(|(_, extension)| {
        STYLESHEET_EXTENSIONS.contains(&extension.to_ascii_lowercase().as_str())
    })
}

declare_rule! {
    /// ## What it does
    /// Reads every bundle's source map and reports an npm package bundled more than once: two
    /// copies (`node_modules/lodash` and `node_modules/a/node_modules/lodash`, or two pnpm
    /// versions), or one copy whose same module is bundled from two of its builds
    /// (`moment/moment.js` and `moment/dist/moment.js`; `lib/index.js`, CommonJS, and
    /// `es/index.js`, ES module). A module is identified by its path within the package without
    /// the build-format folders in front (`dist`, `lib`, `es`, `esm`, `cjs`, `umd`, `build`, ...)
    /// and without format suffixes (`.min`, `.production`, `.development`, `.esm`, `.cjs`) and
    /// extension; `src/utils/index.js` and `src/components/index.js` are different modules.
    /// Two builds of a module in different chunks count when the chunks share a folder (one
    /// bundler output) or a page loads both: an app shipped as a modern and a legacy build in
    /// two folders has every module once per build, but a browser runs one of them. Copies and
    /// modules under 10 KiB are ignored. The saving is the bytes of every copy but
    /// the largest. A package's stylesheets and its scripts are compared apart: its CSS is never
    /// a copy of its JS. Versions come from the path where it has one (pnpm, Yarn berry);
    /// otherwise a copy is named by its install folder.
    ///
    /// ## Why is this bad?
    /// Users download, parse and run the same code twice. Duplicates come from version ranges that
    /// do not overlap, from a dependency that pins an old major, or from a package imported once as
    /// CommonJS and once as an ES module (the dual-package hazard).
    ///
    /// ## How to fix it
    /// Deduplicate the versions (`npm dedupe`, `npm ls <package>` to see who needs which;
    /// `overrides` in package.json, `resolutions` in Yarn, `pnpm.overrides`), or alias one entry
    /// to the other in the bundler (`resolve.alias` / `resolve.dedupe` in Vite). When two builds
    /// of one version are bundled, make every import resolve to the same one (one specifier,
    /// or `resolve.alias` / `resolve.mainFields`).
    ///
    /// ## Options
    /// None. Needs source maps (`build.sourcemap` in Vite, `devtool` in webpack).
    DuplicatePackage {
        id: "bundle/duplicate-package",
        summary: "The same npm package bundled more than once (two versions, or two builds of one module)",
        severity: Warning,
    }
}

/// One installed copy of a package, across every chunk.
#[derive(Default)]
struct Copy {
    bytes: u64,
    version: Option<String>,
    chunks: Vec<String>,
}

/// How a finding names a copy: its version when the install path tells it, and its folder.
fn copy_label(name: &str, folder: &str, version: Option<&str>) -> String {
    match version {
        Some(version) => format!("{name}@{version} ({folder})"),
        None => folder.to_string(),
    }
}

impl Rule for DuplicatePackage {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &RuleContext, found: &mut Vec<Violation>) {
        two_copies(context, found);
        one_module_twice(context, found);
    }
}

/// Two or more installed copies of one package, each at least [`MIN_COPY_BYTES`].
fn two_copies(context: &RuleContext, found: &mut Vec<Violation>) {
    // (package name, code kind) -> copy folder -> bytes across all chunks. A package's
    // stylesheet and its scripts are different code, never copies of each other, even when
    // their maps name the package folder differently.
    let mut packages: BTreeMap<(&str, bool), BTreeMap<&str, Copy>> = BTreeMap::new();
    for asset in context.assets {
        let Some(composition) = &asset.composition else {
            continue;
        };
        let stylesheet = asset.kind == crate::kind::AssetKind::Stylesheet;
        for share in &composition.packages {
            let copy = packages
                .entry((&share.name, stylesheet))
                .or_default()
                .entry(&share.copy)
                .or_default();
            copy.bytes += share.raw;
            copy.version = share.version.clone();
            copy.chunks.push(asset.path.clone());
        }
    }
    for ((name, _), copies) in packages {
        let mut copies: Vec<(&str, Copy)> = copies
            .into_iter()
            .filter(|(_, c)| c.bytes >= MIN_COPY_BYTES)
            .collect();
        if copies.len() < 2 {
            continue;
        }
        copies.sort_by(|a, b| b.1.bytes.cmp(&a.1.bytes).then(a.0.cmp(b.0)));
        let wasted: u64 = copies[1..].iter().map(|(_, c)| c.bytes).sum();
        let listed: Vec<String> = copies
            .iter()
            .map(|(folder, copy)| {
                format!(
                    "{} ({})",
                    copy_label(name, folder, copy.version.as_deref()),
                    human(copy.bytes)
                )
            })
            .collect();
        let mut chunks: Vec<String> = copies.iter().flat_map(|(_, c)| c.chunks.clone()).collect();
        chunks.sort();
        chunks.dedup();
        found.push(Violation {
            path: chunks.first().cloned(),
            message: format!(
                "`{name}` is bundled {} times: {}; the extra copies cost {} raw",
                copies.len(),
                listed.join(", "),
                human(wasted)
            ),
            actual: Some(copies.iter().map(|(_, c)| c.bytes).sum()),
            saving: Some(wasted),
            package: Some(name.to_string()),
            ..Violation::default()
        });
    }
}

/// One source file of a package copy as bundled: its bytes (the largest count when several
/// chunks carry it) and the chunks it is in.
#[derive(Default)]
struct Build<'a> {
    bytes: u64,
    chunks: Vec<&'a str>,
}

/// The folder of a chunk's path (`assets` for `assets/a.js`).
fn folder_of(chunk: &str) -> &str {
    chunk.rsplit_once('/').map_or("", |(folder, _)| folder)
}

/// One copy of a package contributing one module through two or more of its builds, each at
/// least [`MIN_COPY_BYTES`] (`moment/moment.js` and `moment/dist/moment.js`; `lib/index.js` and
/// `es/index.js`): that module's code is in the bundle twice.
fn one_module_twice(context: &RuleContext, found: &mut Vec<Violation>) {
    // (copy folder, stylesheet, module identity) -> source path -> build. The same source in
    // two chunks is one file bundled into two outputs, not two builds: it is counted once.
    // Keys are borrowed from the model and hashed: sorted once at the end (this loop visits
    // every source of every map; with owned keys in ordered maps it was the slowest rule).
    type Builds<'a> = HashMap<&'a str, Build<'a>>;
    let mut modules: HashMap<(&str, bool, String), Builds> = HashMap::new();
    // Each copy folder's package (its name and, when its path says, the version).
    let mut packages: HashMap<&str, &PackageRef> = HashMap::new();
    for asset in context.assets {
        let Some(attribution) = crate::composition::attribution(asset) else {
            continue;
        };
        let stylesheet_chunk = asset.kind == crate::kind::AssetKind::Stylesheet;
        for source in &attribution.sources {
            let Some(package) = source.package() else {
                continue;
            };
            let Some((_, module_path)) = source.source.rsplit_once(&format!("{}/", package.copy))
            else {
                continue;
            };
            let Some(identity) = module_identity(module_path) else {
                continue;
            };
            let stylesheet = stylesheet_chunk || is_stylesheet_source(module_path);
            let build = modules
                .entry((package.copy.as_str(), stylesheet, identity))
                .or_default()
                .entry(source.source.as_str())
                .or_default();
            build.bytes = build.bytes.max(source.bytes);
            build.chunks.push(asset.path.as_str());
            packages.entry(package.copy.as_str()).or_insert(package);
        }
    }
    let mut modules: Vec<_> = modules.into_iter().collect();
    modules.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    // Two builds in different chunks are a duplicate when one visit may load both: the chunks
    // share a folder (one bundler output: Vite's `assets/`, webpack's lazy chunks, which load
    // each other at run time where no page shows it), or a page loads both (initial and lazy
    // scripts). A folder holding a modern and a legacy build of the app in two folders
    // (`frontend_latest/`, `frontend_es5/`) has a copy of each module per build, but a
    // browser runs one build.
    let page_scripts: Vec<BTreeSet<&str>> = context.site.scripts_per_page();
    let loaded_together = |a: &Build, b: &Build| {
        let folders: BTreeSet<&str> = a.chunks.iter().map(|c| folder_of(c)).collect();
        b.chunks.iter().any(|c| folders.contains(folder_of(c)))
            || page_scripts.iter().any(|scripts| {
                a.chunks.iter().any(|c| scripts.contains(c))
                    && b.chunks.iter().any(|c| scripts.contains(c))
            })
    };
    for ((copy, _, _), builds) in modules {
        let mut large: Vec<(&str, Build)> = builds
            .into_iter()
            .filter(|(_, build)| build.bytes >= MIN_COPY_BYTES)
            .collect();
        if large.len() < 2 {
            continue;
        }
        large.sort_by(|a, b| b.1.bytes.cmp(&a.1.bytes).then(a.0.cmp(b.0)));
        // Keep the largest build and those loaded with it.
        let keep: Vec<bool> = large
            .iter()
            .enumerate()
            .map(|(index, (_, build))| index == 0 || loaded_together(&large[0].1, build))
            .collect();
        let mut keep = keep.into_iter();
        large.retain(|_| keep.next().unwrap_or(false));
        if large.len() < 2 {
            continue;
        }
        let wasted: u64 = large[1..].iter().map(|(_, b)| b.bytes).sum();
        let listed: Vec<String> = large
            .iter()
            .map(|(source, build)| format!("{source} ({})", human(build.bytes)))
            .collect();
        let mut chunks: Vec<&str> = large
            .iter()
            .flat_map(|(_, b)| b.chunks.iter().copied())
            .collect();
        chunks.sort();
        chunks.dedup();
        let label = packages.get(copy).map_or_else(
            || copy.to_string(),
            |installed| copy_label(&installed.name, copy, installed.version.as_deref()),
        );
        found.push(Violation {
            path: chunks.first().map(|chunk| chunk.to_string()),
            message: format!(
                "{label} bundles one module through {} of its builds: {}; the extra builds cost {} raw",
                large.len(),
                listed.join(", "),
                human(wasted)
            ),
            actual: Some(large.iter().map(|(_, b)| b.bytes).sum()),
            saving: Some(wasted),
            package: packages.get(copy).map(|installed| installed.name.clone()),
            ..Violation::default()
        });
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::tester::{Folder, module_code};

    const RULE: &str = "bundle/duplicate-package";

    /// Minified module code of at least `bytes` bytes, its functions named after `name`.
    fn module(name: &str, bytes: usize) -> String {
        module_code(name, bytes)
    }

    /// A chunk at `path` as Rollup writes it, one minified line of `modules` (source as the map
    /// names it, code), with a v3 source map beside it: one segment where each module starts.
    fn chunk(folder: Folder, path: &str, modules: &[(&str, String)]) -> Folder {
        folder.mapped_chunk(path, modules)
    }

    #[test]
    fn passes_for_one_copy_of_each_package() {
        let folder = chunk(
            Folder::new(),
            "assets/vendor-DkL9x2Qa.js",
            &[
                (
                    "../../node_modules/react/cjs/react.production.min.js",
                    module("r", 12_000),
                ),
                ("../../node_modules/lodash/lodash.js", module("l", 24_000)),
                ("../../src/main.tsx", module("m", 3_000)),
            ],
        );
        folder.passes(RULE);
        // The generated map is a real one: it matches its chunk.
        folder.passes("bundle/source-map");
    }

    #[test]
    fn passes_for_a_packages_stylesheet_and_its_script() {
        // KaTeX's CSS (through css-loader, named from the app's root) and its JS (named from
        // the chunk's folder): the same package folder written two ways, but different code,
        // never two copies.
        let folder = chunk(
            Folder::new(),
            "assets/vendor-Cq1pX0.js",
            &[(
                "../../node_modules/katex/dist/katex.mjs",
                module("k", 14_000),
            )],
        );
        let folder = chunk(
            folder,
            "assets/vendor-Bf8Lw2.css",
            &[(
                "webpack://app/./node_modules/katex/dist/katex.css",
                module("c", 12_000),
            )],
        );
        folder.passes(RULE);
    }

    #[test]
    fn passes_for_small_helpers_bundled_twice() {
        // Copies under 10 KiB are often inlined twice on purpose.
        chunk(
            Folder::new(),
            "assets/index-BqP3xK9z.js",
            &[
                ("../../node_modules/tslib/tslib.es6.mjs", module("t", 9_000)),
                (
                    "../../node_modules/@floating-ui/dom/node_modules/tslib/tslib.es6.mjs",
                    module("u", 9_000),
                ),
                ("../../src/main.tsx", module("m", 3_000)),
            ],
        )
        .passes(RULE);
    }

    #[test]
    fn passes_when_only_one_of_two_versions_is_large() {
        chunk(
            Folder::new(),
            "assets/index-BqP3xK9z.js",
            &[
                ("../../node_modules/lodash/lodash.js", module("l", 24_000)),
                (
                    "../../node_modules/legacy-widget/node_modules/lodash/debounce.js",
                    module("d", 2_000),
                ),
            ],
        )
        .passes(RULE);
    }

    #[test]
    fn passes_for_several_modules_of_one_copy() {
        chunk(
            Folder::new(),
            "assets/index-BqP3xK9z.js",
            &[
                ("../../node_modules/date-fns/format.js", module("f", 12_000)),
                ("../../node_modules/date-fns/parse.js", module("p", 12_000)),
                (
                    "../../node_modules/date-fns/locale/en-US.js",
                    module("e", 11_000),
                ),
            ],
        )
        .passes(RULE);
    }

    #[test]
    fn passes_when_one_copy_is_split_across_chunks() {
        let folder = chunk(
            Folder::new(),
            "assets/index-BqP3xK9z.js",
            &[("../../node_modules/date-fns/format.js", module("f", 12_000))],
        );
        chunk(
            folder,
            "assets/calendar-Cq81LmZp.js",
            &[("../../node_modules/date-fns/parse.js", module("p", 12_000))],
        )
        .passes(RULE);
    }

    #[test]
    fn finds_two_versions_of_a_package() {
        let folder = chunk(
            Folder::new(),
            "assets/index-BqP3xK9z.js",
            &[
                ("../../node_modules/lodash/lodash.js", module("l", 24_000)),
                (
                    "../../node_modules/legacy-widget/node_modules/lodash/lodash.js",
                    module("k", 20_000),
                ),
                ("../../src/main.tsx", module("m", 3_000)),
            ],
        );
        assert_eq!(
            folder.findings(RULE),
            [
                "assets/index-BqP3xK9z.js:-:-: `lodash` is bundled 2 times: ../node_modules/lodash (24.01 kB), ../node_modules/legacy-widget/node_modules/lodash (20.01 kB); the extra copies cost 20.01 kB raw"
            ]
        );
        let finding = &folder.findings_of(RULE)[0];
        assert_eq!(finding.severity, crate::model::finding::Severity::Warning);
        assert_eq!(finding.saving, Some(module("k", 20_000).len() as u64));
    }

    #[test]
    fn finds_two_pnpm_versions_in_two_chunks() {
        let folder = chunk(
            Folder::new(),
            "assets/index-BqP3xK9z.js",
            &[(
                "../../node_modules/.pnpm/date-fns@3.6.0/node_modules/date-fns/format.js",
                module("f", 14_000),
            )],
        );
        let folder = chunk(
            folder,
            "assets/calendar-Cq81LmZp.js",
            &[(
                "../../node_modules/.pnpm/date-fns@2.30.0/node_modules/date-fns/esm/format/index.js",
                module("g", 12_000),
            )],
        );
        assert_eq!(
            folder.findings(RULE),
            [
                "assets/calendar-Cq81LmZp.js:-:-: `date-fns` is bundled 2 times: date-fns@3.6.0 (../node_modules/.pnpm/date-fns@3.6.0/node_modules/date-fns) (14.03 kB), date-fns@2.30.0 (../node_modules/.pnpm/date-fns@2.30.0/node_modules/date-fns) (12 kB); the extra copies cost 12 kB raw"
            ]
        );
    }

    #[test]
    fn finds_a_scoped_package_three_times() {
        let folder = chunk(
            Folder::new(),
            "assets/index-BqP3xK9z.js",
            &[
                (
                    "../../node_modules/@emotion/react/dist/emotion-react.browser.esm.js",
                    module("a", 16_000),
                ),
                (
                    "../../node_modules/@mui/material/node_modules/@emotion/react/dist/emotion-react.browser.esm.js",
                    module("b", 15_000),
                ),
                (
                    "../../node_modules/@mui/system/node_modules/@emotion/react/dist/emotion-react.browser.esm.js",
                    module("c", 14_000),
                ),
            ],
        );
        assert_eq!(
            folder.findings(RULE),
            [
                "assets/index-BqP3xK9z.js:-:-: `@emotion/react` is bundled 3 times: ../node_modules/@emotion/react (16.00 kB), ../node_modules/@mui/material/node_modules/@emotion/react (15.02 kB), ../node_modules/@mui/system/node_modules/@emotion/react (14.03 kB); the extra copies cost 29.04 kB raw"
            ]
        );
    }

    #[test]
    fn finds_one_version_bundled_through_two_entry_files() {
        let folder = chunk(
            Folder::new(),
            "assets/index-BqP3xK9z.js",
            &[
                ("../../node_modules/moment/moment.js", module("m", 30_000)),
                (
                    "../../node_modules/moment/dist/moment.js",
                    module("d", 29_000),
                ),
                ("../../src/main.tsx", module("s", 3_000)),
            ],
        );
        assert_eq!(
            folder.findings(RULE),
            [
                "assets/index-BqP3xK9z.js:-:-: ../node_modules/moment bundles one module through 2 of its builds: ../node_modules/moment/moment.js (30.04 kB), ../node_modules/moment/dist/moment.js (29.00 kB); the extra builds cost 29.00 kB raw"
            ]
        );
    }

    #[test]
    fn passes_for_two_different_index_modules_of_one_package() {
        // Same file name, different modules: only build-format folders are no part of a
        // module's identity.
        chunk(
            Folder::new(),
            "assets/index-BqP3xK9z.js",
            &[
                (
                    "../../node_modules/ui-kit/src/utils/index.js",
                    module("u", 14_000),
                ),
                (
                    "../../node_modules/ui-kit/src/components/index.js",
                    module("c", 16_000),
                ),
            ],
        )
        .passes(RULE);
    }

    #[test]
    fn passes_for_a_packages_stylesheet_and_script_of_one_name() {
        // katex.css and katex.mjs have one identity once extensions go, but CSS is never a
        // build of JS, even inside one chunk (a JS chunk that injects the CSS).
        chunk(
            Folder::new(),
            "assets/vendor-Cq1pX0.js",
            &[
                (
                    "../../node_modules/katex/dist/katex.mjs",
                    module("k", 14_000),
                ),
                (
                    "../../node_modules/katex/dist/katex.css",
                    module("c", 12_000),
                ),
            ],
        )
        .passes(RULE);
    }

    #[test]
    fn passes_when_one_of_two_builds_is_small() {
        // The CommonJS entry that only re-exports the ES build is not a second copy.
        chunk(
            Folder::new(),
            "assets/index-BqP3xK9z.js",
            &[
                ("../../node_modules/widget/es/index.js", module("e", 20_000)),
                ("../../node_modules/widget/lib/index.js", module("l", 400)),
            ],
        )
        .passes(RULE);
    }

    #[test]
    fn finds_the_commonjs_and_es_builds_of_one_module() {
        let folder = chunk(
            Folder::new(),
            "assets/index-BqP3xK9z.js",
            &[
                (
                    "../../node_modules/widget/lib/index.js",
                    module("l", 22_000),
                ),
                ("../../node_modules/widget/es/index.js", module("e", 20_000)),
            ],
        );
        assert_eq!(
            folder.findings(RULE),
            [
                "assets/index-BqP3xK9z.js:-:-: ../node_modules/widget bundles one module through 2 of its builds: ../node_modules/widget/lib/index.js (22.04 kB), ../node_modules/widget/es/index.js (20.01 kB); the extra builds cost 20.01 kB raw"
            ]
        );
        assert_eq!(
            folder.findings_of(RULE)[0].saving,
            Some(module("e", 20_000).len() as u64)
        );
    }

    #[test]
    fn finds_a_production_and_a_development_build_in_two_chunks() {
        // One chunk took the production build, another (in the same bundler output) the
        // development build: the version comes from the pnpm store path.
        let store = "../../node_modules/.pnpm/react-dom@18.3.1_react@18.3.1/node_modules/react-dom";
        let folder = chunk(
            Folder::new(),
            "assets/index-BqP3xK9z.js",
            &[(
                &format!("{store}/cjs/react-dom.production.min.js") as &str,
                module("p", 40_000),
            )],
        );
        let folder = chunk(
            folder,
            "assets/editor-Cq81LmZp.js",
            &[(
                &format!("{store}/cjs/react-dom.development.js") as &str,
                module("d", 60_000),
            )],
        );
        assert_eq!(
            folder.findings(RULE),
            [
                "assets/editor-Cq81LmZp.js:-:-: react-dom@18.3.1 (../node_modules/.pnpm/react-dom@18.3.1_react@18.3.1/node_modules/react-dom) bundles one module through 2 of its builds: ../node_modules/.pnpm/react-dom@18.3.1_react@18.3.1/node_modules/react-dom/cjs/react-dom.development.js (60.04 kB), ../node_modules/.pnpm/react-dom@18.3.1_react@18.3.1/node_modules/react-dom/cjs/react-dom.production.min.js (40.03 kB); the extra builds cost 40.03 kB raw"
            ]
        );
    }

    #[test]
    fn finds_two_builds_in_two_folders_a_page_loads() {
        let folder = chunk(
            Folder::new(),
            "js/app-BqP3xK9z.js",
            &[("../../node_modules/widget/es/index.js", module("e", 20_000))],
        );
        let folder = chunk(
            folder,
            "vendor/legacy-Cq81LmZp.js",
            &[(
                "../../node_modules/widget/lib/index.js",
                module("l", 20_000),
            )],
        );
        // Two folders and no page: two builds of the app, as far as anything shows.
        folder.passes(RULE);
        let folder = folder.file(
            "index.html",
            "<!doctype html><script type=\"module\" src=\"/js/app-BqP3xK9z.js\"></script><script src=\"/vendor/legacy-Cq81LmZp.js\"></script>",
        );
        assert_eq!(
            folder.findings(RULE).len(),
            1,
            "{:#?}",
            folder.findings(RULE)
        );
    }

    #[test]
    fn passes_for_the_modern_and_the_legacy_build_of_an_app() {
        // Differential serving: each build has its own copy of every module, but a browser
        // runs the module build or the nomodule one, never both.
        let folder = chunk(
            Folder::new(),
            "frontend_latest/app-BqP3xK9z.js",
            &[(
                "../../node_modules/decimal.js/decimal.mjs",
                module("m", 32_000),
            )],
        );
        let folder = chunk(
            folder,
            "frontend_es5/app-Cq81LmZp.js",
            &[(
                "../../node_modules/decimal.js/decimal.js",
                module("c", 32_000),
            )],
        );
        folder
            .file(
                "index.html",
                "<!doctype html><script type=\"module\" src=\"/frontend_latest/app-BqP3xK9z.js\"></script><script nomodule src=\"/frontend_es5/app-Cq81LmZp.js\"></script>",
            )
            .passes(RULE);
    }

    #[test]
    fn module_identities_drop_build_folders_and_format_suffixes() {
        use super::module_identity;
        let same = [
            ("moment.js", "dist/moment.js"),
            ("lib/index.js", "es/index.js"),
            ("dist/esm/index.mjs", "dist/cjs/index.cjs"),
            (
                "dist/emotion-react.browser.esm.js",
                "dist/emotion-react.cjs.js",
            ),
            ("fesm2022/core.mjs", "core.js"),
            (
                "umd/react-dom.production.min.js",
                "cjs/react-dom.development.js",
            ),
            ("esm/format/index.js?commonjs-proxy", "format/index.js"),
        ];
        for (a, b) in same {
            assert_eq!(module_identity(a), module_identity(b), "{a} vs {b}");
        }
        let different = [
            ("src/utils/index.js", "src/components/index.js"),
            ("lib/index.js", "lib/core/index.js"),
            ("jquery.slim.min.js", "jquery.min.js"),
            ("src/lib/index.js", "src/index.js"),
        ];
        for (a, b) in different {
            assert_ne!(module_identity(a), module_identity(b), "{a} vs {b}");
        }
        assert_eq!(module_identity(""), None);
        assert_eq!(module_identity(".min.js").as_deref(), Some(".min"));
    }
}
