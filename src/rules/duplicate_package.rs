use std::collections::BTreeMap;

use super::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::model::finding::Violation;
use crate::size::human;

/// Copies smaller than this are not reported: small helpers are often inlined twice on purpose.
pub const MIN_COPY_BYTES: u64 = 10 * 1024;

declare_rule! {
    /// ## What it does
    /// Reads every bundle's source map and reports an npm package bundled more than once: two
    /// versions (`node_modules/lodash` and `node_modules/a/node_modules/lodash`, or two pnpm
    /// versions), or the same package through two entry files (`moment/moment.js` and
    /// `moment/dist/moment.js`, both of which contain the whole library). Copies under 10 KiB are
    /// ignored. The saving is the bytes of every copy but the largest. A package's stylesheets
    /// and its scripts are compared apart: its CSS is never a copy of its JS.
    ///
    /// ## Why is this bad?
    /// Users download, parse and run the same code twice. Duplicates come from version ranges that
    /// do not overlap, from a dependency that pins an old major, or from a package imported once as
    /// CommonJS and once as an ES module.
    ///
    /// ## How to fix it
    /// Deduplicate the versions (`npm dedupe`, `npm ls <package>` to see who needs which;
    /// `overrides` in package.json, `resolutions` in Yarn, `pnpm.overrides`), or alias one entry
    /// to the other in the bundler (`resolve.alias` / `resolve.dedupe` in Vite). When two entry
    /// files of one version are bundled, make every import use the same specifier.
    ///
    /// ## Options
    /// None. Needs source maps (`build.sourcemap` in Vite, `devtool` in webpack).
    DuplicatePackage {
        id: "bundle/duplicate-package",
        summary: "The same npm package bundled more than once (two versions, or two entry files)",
        severity: Warning,
    }
}

#[derive(Default)]
struct Copy {
    bytes: u64,
    version: Option<String>,
    chunks: Vec<String>,
}

impl Rule for DuplicatePackage {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &RuleContext, found: &mut Vec<Violation>) {
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
                    let version = copy
                        .version
                        .as_deref()
                        .map(|v| format!(" {v}"))
                        .unwrap_or_default();
                    format!("{folder}{version} ({})", human(copy.bytes))
                })
                .collect();
            let mut chunks: Vec<String> =
                copies.iter().flat_map(|(_, c)| c.chunks.clone()).collect();
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
                ..Violation::default()
            });
        }
        same_package_twice(context, found);
    }
}

/// One copy of a package contributing two files with the same name from different folders, both
/// large (`moment/moment.js` and `moment/dist/moment.js`): the library is in the bundle twice.
fn same_package_twice(context: &RuleContext, found: &mut Vec<Violation>) {
    for asset in context.assets {
        let Some(attribution) = crate::composition::attribution(asset) else {
            continue;
        };
        let mut by_file: BTreeMap<(String, String), Vec<(&str, u64)>> = BTreeMap::new();
        for source in &attribution.sources {
            let Some(package) = crate::analyze::sourcemap::package_of(&source.source) else {
                continue;
            };
            let file_name = source
                .source
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_string();
            by_file
                .entry((package.copy, file_name))
                .or_default()
                .push((source.source.as_str(), source.bytes));
        }
        for ((copy, file_name), sources) in by_file {
            let large: Vec<&(&str, u64)> = sources
                .iter()
                .filter(|(_, bytes)| *bytes >= MIN_COPY_BYTES)
                .collect();
            if large.len() < 2 {
                continue;
            }
            let smaller: u64 = large.iter().map(|(_, b)| *b).sum::<u64>()
                - large.iter().map(|(_, b)| *b).max().unwrap_or(0);
            let paths: Vec<String> = large
                .iter()
                .map(|(path, bytes)| format!("{path} ({})", human(*bytes)))
                .collect();
            found.push(Violation {
                path: Some(asset.path.clone()),
                message: format!(
                    "{copy} is bundled through {} files named {file_name}: {}; the smaller cost {} raw",
                    large.len(),
                    paths.join(", "),
                    human(smaller)
                ),
                saving: Some(smaller),
                ..Violation::default()
            });
        }
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
                "assets/calendar-Cq81LmZp.js:-:-: `date-fns` is bundled 2 times: ../node_modules/.pnpm/date-fns@3.6.0/node_modules/date-fns 3.6.0 (14.03 kB), ../node_modules/.pnpm/date-fns@2.30.0/node_modules/date-fns 2.30.0 (12 kB); the extra copies cost 12 kB raw"
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
                "assets/index-BqP3xK9z.js:-:-: ../node_modules/moment is bundled through 2 files named moment.js: ../node_modules/moment/moment.js (30.04 kB), ../node_modules/moment/dist/moment.js (29.00 kB); the smaller cost 29.00 kB raw"
            ]
        );
    }
}
