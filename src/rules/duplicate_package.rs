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
    /// ignored. The saving is the bytes of every copy but the largest.
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
        // package name -> copy folder -> bytes across all chunks
        let mut packages: BTreeMap<&str, BTreeMap<&str, Copy>> = BTreeMap::new();
        for asset in context.assets {
            let Some(composition) = &asset.composition else {
                continue;
            };
            for share in &composition.packages {
                let copy = packages
                    .entry(&share.name)
                    .or_default()
                    .entry(&share.copy)
                    .or_default();
                copy.bytes += share.raw;
                copy.version = share.version.clone();
                copy.chunks.push(asset.path.clone());
            }
        }
        for (name, copies) in packages {
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
