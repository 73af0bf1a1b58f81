use super::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::analyze::Facts;
use crate::analyze::minify::{self, JS_MIN_SAVING_RATIO, Minified};
use crate::model::finding::Violation;

declare_rule! {
    /// ## What it does
    /// Reports JavaScript files (`.js`, `.mjs`, `.cjs`) that are not minified: removing their
    /// comments and unnecessary whitespace would save at least 2 KiB and at least 10% of the
    /// file (the thresholds of Lighthouse's "Minify JavaScript" audit).
    ///
    /// The estimate reads the file with swc's lexer and keeps every token, the separators the
    /// code needs (a space between two words, a line break or `;` where automatic semicolon
    /// insertion may depend on a line break) and the licence comments minifiers keep (`/*!`,
    /// `//!`, `@license`, `@preserve`). A minifier also shortens names, so it saves more than
    /// this estimate.
    ///
    /// **The saving is in raw bytes** (the file's size on disk and in the browser's memory),
    /// and the thresholds apply to it. Lighthouse reports transfer bytes instead (the raw saving
    /// times the file's compression ratio), which assumes the server compresses; whitespace
    /// compresses well, so that figure is typically a quarter to a third of the raw one and
    /// files that Lighthouse would not flag may be reported here. The message gives both: the
    /// transfer figure is the raw saving × gzip size / raw size.
    ///
    /// Scripts that cannot hold a reportable saving are not estimated: when the white space
    /// and comments between their tokens (counted by the module lexer in the pass that finds
    /// imports; if that lexer gives up, every white-space byte plus every byte that could be
    /// in a comment) stay under the thresholds, the estimate could not reach them either, and
    /// the slower swc pass is skipped. On real minified bundles that is nearly all of them.
    ///
    /// A script that carries its source map inline (`//# sourceMappingURL=data:…`) is
    /// reported the same way, since that comment is removable too, and the message says how
    /// much of the saving the map is. When the rest of the file is minified already, it says
    /// so: the fix is then a separate map file, not a minifier.
    ///
    /// A library's development copy shipped beside its minified build (`quasar.umd.js` beside
    /// `quasar.umd.prod.js`, `jquery.js` beside `jquery.min.js`, `react.development.js` beside
    /// `react.production.min.js`) is reported only when a page loads it, with the minified
    /// build to load instead; otherwise which copy a server sends is not in the folder, and the
    /// minified one exists already.
    ///
    /// ## Why is this bad?
    /// Every byte of a script is downloaded, decompressed, stored and parsed. Comments and
    /// indentation are for people reading the source, not for browsers.
    ///
    /// ## How to fix it
    /// Let the bundler minify (Vite, webpack and Rollup do in production mode), or run a
    /// minifier over vendored files: `npx esbuild --minify in.js --outfile=in.min.js`,
    /// `npx terser in.js -c -m -o in.min.js`. Many packages ship a ready `.min.js`.
    ///
    /// ## Options
    /// None.
    MinifyJs {
        id: "minify/js",
        summary: "Unminified JavaScript: comments and whitespace that could be removed",
        severity: Warning,
    }
}

impl Rule for MinifyJs {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &RuleContext, found: &mut Vec<Violation>) {
        // Only downloads: not TypeScript sources or build inputs left in the folder.
        for asset in context.assets.iter().filter(|a| a.counted()) {
            let Facts::Script(script) = &asset.facts else {
                continue;
            };
            if let Some(violation) = unminified(
                asset,
                script.minified.as_ref(),
                script.map.as_ref().map_or(0, |map| map.inline_bytes),
                JS_MIN_SAVING_RATIO,
                "minify/js",
            ) && let Some(violation) = beside_minified_build(context, asset, violation)
            {
                found.push(violation);
            }
        }
    }
}

/// Name parts that mark a file as the minified build of the file without them:
/// `jquery.min.js` of `jquery.js`, `vue.esm-browser.prod.js` of `vue.esm-browser.js`,
/// `react.production.min.js` of `react.development.js` or `react.js`.
const MINIFIED_NAME_PARTS: [&str; 3] = ["min", "prod", "production.min"];

/// The minified build shipped beside `asset` in its folder, named as libraries name theirs
/// ([`MINIFIED_NAME_PARTS`]), of the same kind and minified itself.
fn minified_sibling<'a>(
    context: &RuleContext<'a>,
    asset: &crate::measure::Asset,
) -> Option<&'a crate::measure::Asset> {
    let (stem, extension) = asset.path.rsplit_once('.')?;
    let stem = stem.strip_suffix(".development").unwrap_or(stem);
    MINIFIED_NAME_PARTS.iter().find_map(|part| {
        let sibling = context
            .site
            .assets_by_path
            .get(format!("{stem}.{part}.{extension}").as_str())
            .copied()?;
        let (minified, ratio) = match &sibling.facts {
            Facts::Script(script) => (script.minified.as_ref(), JS_MIN_SAVING_RATIO),
            Facts::Stylesheet(style) => (
                style.minified.as_ref(),
                crate::analyze::minify::CSS_MIN_SAVING_RATIO,
            ),
            _ => return None,
        };
        let is_minified = match minified? {
            Minified::BelowThreshold { .. } => true,
            estimated @ Minified::Estimated { .. } => estimated
                .saving(sibling.raw)
                .is_some_and(|saving| !minify::reportable(sibling.raw, saving, ratio)),
            Minified::Failed(_) => false,
        };
        (sibling.kind == asset.kind && is_minified).then_some(sibling)
    })
}

/// `violation` for `asset`, unminified, as it stands when its minified build ships beside it
/// (a library's development copy next to its production one): not reported when no page
/// loads it, since which copy a server sends is then not in the folder and "minify it" is
/// done already; when a page loads it, the fix is to load the minified copy.
pub(super) fn beside_minified_build(
    context: &RuleContext,
    asset: &crate::measure::Asset,
    mut violation: Violation,
) -> Option<Violation> {
    let Some(sibling) = minified_sibling(context, asset) else {
        return Some(violation);
    };
    let loading: Vec<&str> = context
        .site
        .pages
        .iter()
        .filter(|page| {
            page.load.is_some_and(|load| {
                [
                    &load.initial_scripts,
                    &load.lazy_scripts,
                    &load.initial_stylesheets,
                    &load.lazy_stylesheets,
                ]
                .iter()
                .any(|group| group.files.contains(&asset.path))
            })
        })
        .map(|page| page.path())
        .collect();
    let page = loading.first()?;
    let more = match loading.len() {
        1 => String::new(),
        2 => " and 1 other page".to_string(),
        n => format!(" and {} other pages", n - 1),
    };
    let fix = format!(
        "its minified build {} ships beside it: load that from {page}{more}",
        sibling.path
    );
    violation.message = match violation.message.strip_suffix("; minify it") {
        Some(found) => format!("{found}; {fix}"),
        None => format!("{}; {fix}", violation.message),
    };
    Some(violation)
}

/// The finding for one script or stylesheet, if its estimated saving is reportable.
/// `inline_map`: the bytes of an inline source map's `data:` URL in the file (0 if none), a
/// comment the estimate removes too; when it is there, the message says how much of the saving
/// it is, and whether the rest of the file is minified already (then the fix is a map file,
/// not a minifier).
pub(super) fn unminified(
    asset: &crate::measure::Asset,
    minified: Option<&Minified>,
    inline_map: u64,
    ratio: f64,
    what: &str,
) -> Option<Violation> {
    let saving = minified?.saving(asset.raw)?;
    if !minify::reportable(asset.raw, saving, ratio) {
        return None;
    }
    let transfer = asset
        .gzip
        .map(|gzip| (saving as f64 * gzip as f64 / asset.raw.max(1) as f64).round() as u64);
    let transfer_text = transfer
        .map(|t| format!(", about {} after gzip", crate::size::human(t)))
        .unwrap_or_default();
    let kind = if what == "minify/js" {
        "JavaScript"
    } else {
        "CSS"
    };
    let saves = format!(
        "{} ({:.0}% of {}){transfer_text}",
        crate::size::human(saving),
        saving as f64 * 100.0 / asset.raw as f64,
        crate::size::human(asset.raw),
    );
    let inline_map = inline_map.min(saving);
    let message = if inline_map == 0 {
        format!("is unminified {kind}: removing comments and whitespace saves {saves}; minify it")
    } else {
        let map = crate::size::human(inline_map);
        let fix = "write the map to its own file (Vite: build.sourcemap true or 'hidden'; webpack: devtool 'source-map'), which only developer tools fetch";
        let without_map = asset.raw - inline_map;
        if minify::reportable(without_map, saving - inline_map, ratio) {
            format!(
                "is unminified {kind} and carries an inline source map ({map} data: URL): removing comments, the map among them, and whitespace saves {saves}; minify it and {fix}"
            )
        } else {
            format!(
                "is minified {kind} but carries an inline source map ({map} data: URL) that every visitor downloads: removing it saves {saves}; {fix}"
            )
        }
    };
    Some(Violation {
        path: Some(asset.path.clone()),
        message,
        actual: Some(asset.raw),
        saving: Some(saving),
        ..Violation::default()
    })
}

#[cfg(test)]
mod tests {
    use crate::rules::tester::Folder;

    const RULE: &str = "minify/js";

    /// A vendored library as its authors wrote it: JSDoc comments and two-space indentation,
    /// `functions` functions long.
    fn readable(functions: usize) -> String {
        let mut code = String::from("'use strict';\n\n");
        for i in 0..functions {
            code.push_str(&format!(
                "/**\n * Zooms image number {i} to fit the viewport.\n *\n * @param {{HTMLElement}} target - the image to zoom\n * @param {{number}} margin - space around it, in pixels\n * @returns {{Promise<void>}}\n */\nfunction zoom{i}(target, margin) {{\n  const bounds = target.getBoundingClientRect();\n  const scale = Math.min(\n    (window.innerWidth - margin * 2) / bounds.width,\n    (window.innerHeight - margin * 2) / bounds.height\n  );\n  if (scale <= {i}) {{\n    return Promise.resolve();\n  }}\n  return animate(target, {{ transform: `scale(${{scale}})` }});\n}}\n\n"
            ));
        }
        code.push_str("export { zoom0 as default };\n");
        code
    }

    /// The same library as a minifier leaves it.
    fn minified(functions: usize) -> String {
        let mut code = String::from("\"use strict\";");
        for i in 0..functions {
            code.push_str(&format!(
                "function z{i}(t,n){{const e=t.getBoundingClientRect(),o=Math.min((window.innerWidth-n*2)/e.width,(window.innerHeight-n*2)/e.height);return o<={i}?Promise.resolve():animate(t,{{transform:`scale(${{o}})`}})}}"
            ));
        }
        code.push_str("export{z0 as default};\n");
        code
    }

    /// The size of the only file of `folder`, and the bytes minifying would remove from it (the
    /// estimate, or the bound under which it was not estimated).
    fn removable(folder: &Folder) -> (u64, u64) {
        use crate::analyze::Facts;
        use crate::analyze::minify::Minified;
        folder.prepared(|prepared, _| {
            let asset = &prepared.assets[0];
            let Facts::Script(script) = &asset.facts else {
                panic!("not a script")
            };
            match script.minified.as_ref().unwrap() {
                Minified::Estimated { bytes } => (asset.raw, asset.raw - bytes),
                Minified::BelowThreshold { removable_at_most } => (asset.raw, *removable_at_most),
                Minified::Failed(why) => panic!("{why}"),
            }
        })
    }

    #[test]
    fn a_development_copy_beside_its_minified_build_is_reported_only_when_a_page_loads_it() {
        // nicegui ships quasar.umd.js beside quasar.umd.prod.js, and its server sends one: with
        // no page loading the readable copy, "minify it" is done already.
        let library = |page: &str| {
            Folder::new()
                .file("index.html", page)
                .file("vendor/zoom.umd.js", readable(40))
                .file("vendor/zoom.umd.prod.js", minified(40))
        };
        library("<!doctype html><script src=vendor/zoom.umd.prod.js></script>").passes(RULE);
        Folder::new()
            .file("vendor/zoom.umd.js", readable(40))
            .file("vendor/zoom.umd.prod.js", minified(40))
            .passes(RULE);
        // Loaded by a page, it is a finding whose fix is the build beside it.
        let findings =
            library("<!doctype html><script src=vendor/zoom.umd.js></script>").findings(RULE);
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert!(
            findings[0].ends_with(
                "; its minified build vendor/zoom.umd.prod.js ships beside it: load that from index.html"
            ),
            "{}",
            findings[0]
        );
        // A `.min.js` that is not minified is no minified build: the advice stays.
        let findings = Folder::new()
            .file("zoom.js", readable(40))
            .file("zoom.min.js", readable(40))
            .findings(RULE);
        assert_eq!(findings.len(), 2, "{findings:?}");
        assert!(
            findings.iter().all(|f| f.ends_with("; minify it")),
            "{findings:?}"
        );
    }

    #[test]
    fn passes_for_minified_bundles() {
        Folder::new()
            .file("assets/zoom-Cq81LmZp.js", minified(80))
            .passes(RULE);
    }

    #[test]
    fn passes_a_build_input_no_browser_can_run() {
        // JupyterLab copies its webpack entry into the output: an ES module importing bare
        // package names, with no import map on any page. It is a source, not a download.
        let entry = format!(
            "import {{ PageConfig }} from '@jupyterlab/coreutils';\nimport './style.js';\n{}",
            readable(40)
        );
        let folder = Folder::new()
            .file("index.html", "<!doctype html><script src=main.js></script>")
            .file("main.js", minified(80))
            .file("index.out.js", entry.clone());
        folder.passes(RULE);
        folder.prepared(|prepared, _| {
            let input = prepared
                .assets
                .iter()
                .find(|a| a.path == "index.out.js")
                .unwrap();
            assert_eq!(input.kind, crate::kind::AssetKind::Source);
            assert!(
                prepared
                    .notes
                    .iter()
                    .any(|n| n.contains("1 JavaScript build input(s) (index.out.js)")),
                "{:?}",
                prepared.notes
            );
        });
        // With an import map, the browser resolves those names: the module is shipped code.
        let folder = Folder::new()
            .file("index.html", "<!doctype html><script type=importmap>{\"imports\":{\"@jupyterlab/coreutils\":\"/coreutils.js\"}}</script><script type=module src=index.out.js></script>")
            .file("index.out.js", entry);
        assert_eq!(folder.findings(RULE).len(), 1);
    }

    #[test]
    fn finds_a_umd_bundle_that_requires_a_package() {
        // `require("react")` sits in a UMD wrapper's CommonJS branch: the file is shipped code.
        let folder = Folder::new().file(
            "vendor/widget.js",
            format!("(function (global, factory) {{\n  typeof exports === 'object'\n    ? factory(require('react'))\n    : factory(global.React);\n}})(this, function (React) {{\n{}}});\n", readable(40).replace("export { zoom0 as default };\n", "")),
        );
        assert_eq!(folder.findings(RULE).len(), 1);
    }

    #[test]
    fn passes_when_the_saving_is_under_2_kib() {
        // Half the file is comments and indentation, but that is under 2 KiB.
        let folder = Folder::new().file("assets/zoom.js", readable(7));
        folder.passes(RULE);
        let (raw, removable) = removable(&folder);
        assert!(
            removable < 2_048 && removable * 10 > raw,
            "{removable} of {raw}"
        );
    }

    #[test]
    fn passes_when_the_saving_is_under_10_percent() {
        // Mostly minified code, with one readable module: its comments and indentation are over
        // 2 KiB, but under 10% of the file.
        let folder = Folder::new().file(
            "assets/zoom-Cq81LmZp.js",
            format!("{}{}", minified(200), readable(10)),
        );
        folder.passes(RULE);
        let (raw, removable) = removable(&folder);
        assert!(
            removable >= 2_048 && removable * 10 < raw,
            "{removable} of {raw}"
        );
    }

    #[test]
    fn passes_for_licence_comments_minifiers_keep() {
        let licence: String = (0..40)
            .map(|i| format!("/*! medium-zoom 1.1.0 | MIT License | clause {i}: THE SOFTWARE IS PROVIDED \"AS IS\", WITHOUT WARRANTY OF ANY KIND */\n"))
            .collect();
        let folder = Folder::new().file(
            "assets/zoom-Cq81LmZp.js",
            format!("{licence}{}", minified(40)),
        );
        folder.passes(RULE);
        // Only the line breaks after the licence comments and at the end can go.
        assert_eq!(removable(&folder).1, 41);
    }

    #[test]
    fn passes_for_sources_browsers_never_download() {
        Folder::new()
            .file("src/zoom.ts", readable(20))
            .file("src/Zoom.jsx", readable(20))
            .passes(RULE);
    }

    #[test]
    fn finds_a_vendored_library_shipped_unminified() {
        let folder = Folder::new().file("vendor/medium-zoom.js", readable(20));
        assert_eq!(
            folder.findings(RULE),
            [
                "vendor/medium-zoom.js:-:-: is unminified JavaScript: removing comments and whitespace saves 5.02 kB (47% of 10.61 kB), about 272 B after gzip; minify it"
            ]
        );
        let finding = &folder.findings_of(RULE)[0];
        assert_eq!(finding.severity, crate::model::finding::Severity::Warning);
        assert!(finding.saving.unwrap() >= 2_048);
    }

    #[test]
    fn finds_mjs_and_cjs_modules() {
        // The page loads the CommonJS file itself, so it is not taken for a build for Node.
        let folder = Folder::new()
            .file("vendor/zoom.mjs", readable(10))
            .file(
                "vendor/zoom.cjs",
                readable(10).replace("export { zoom0 as default };", "module.exports = zoom0;"),
            )
            .file(
                "index.html",
                "<!doctype html><script src=vendor/zoom.cjs></script>",
            );
        assert_eq!(
            folder.findings(RULE),
            [
                "vendor/zoom.cjs:-:-: is unminified JavaScript: removing comments and whitespace saves 2.50 kB (47% of 5.31 kB), about 220 B after gzip; minify it",
                "vendor/zoom.mjs:-:-: is unminified JavaScript: removing comments and whitespace saves 2.51 kB (47% of 5.31 kB), about 222 B after gzip; minify it"
            ]
        );
    }

    #[test]
    fn finds_a_chunk_with_one_readable_module_over_10_percent() {
        let folder = Folder::new().file(
            "assets/zoom-Cq81LmZp.js",
            format!("{}{}", minified(40), readable(10)),
        );
        assert_eq!(
            folder.findings(RULE),
            [
                "assets/zoom-Cq81LmZp.js:-:-: is unminified JavaScript: removing comments and whitespace saves 2.51 kB (19% of 13.25 kB), about 154 B after gzip; minify it"
            ]
        );
    }

    #[test]
    fn finds_a_chunk_built_with_minify_turned_off() {
        // Vite with `build.minify: false`: Rollup's readable output, `//#region` comments
        // and all.
        let modules: String = (0..30)
            .map(|i| {
                format!(
                    "//#region src/components/Card{i}.tsx\nfunction Card{i}({{ title, items }}) {{\n\tconst [open, setOpen] = useState(false);\n\treturn /* @__PURE__ */ jsxs(\"section\", {{\n\t\tclassName: \"card card-{i}\",\n\t\tchildren: [/* @__PURE__ */ jsx(\"h2\", {{ children: title }}), open && items.map((item) => /* @__PURE__ */ jsx(Item, {{ ...item }}, item.id))]\n\t}});\n}}\n\n//#endregion\n"
                )
            })
            .collect();
        let folder = Folder::new().file(
            "assets/index-BqP3xK9z.js",
            format!("import {{ jsx, jsxs, useState }} from \"./vendor-DkL9x2Qa.js\";\n\n{modules}export {{ Card0 as default }};\n"),
        );
        assert_eq!(
            folder.findings(RULE),
            [
                "assets/index-BqP3xK9z.js:-:-: is unminified JavaScript: removing comments and whitespace saves 4.05 kB (39% of 10.41 kB), about 230 B after gzip; minify it"
            ]
        );
    }
}
