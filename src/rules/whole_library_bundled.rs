use super::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::analyze::Facts;
use crate::analyze::sourcemap::package_of;
use crate::glob::PathPattern;
use crate::knowledge::{PackageInfo, ProblemKind};
use crate::model::finding::Violation;
use crate::size::human;

/// A barrel counts as bundled whole when at least this share of its modules is in the bundle.
pub const BARREL_SHARE: f64 = 0.5;

declare_rule! {
    /// ## What it does
    /// Looks inside built bundles, through their source maps, for known libraries shipped in
    /// their monolithic form: lodash's `lodash.js`, moment (whose `moment.js` is one CommonJS
    /// module) and its `locale/*` files or `min/locales`, full `core-js`, a CommonJS or UMD
    /// build of an icon set, or most of a barrel's modules (at least half of the modules the
    /// knowledge base counts for it, e.g. 1,046 of lucide-react's 2,092 icons). It reports the
    /// bundle, the package's bytes in it (raw, exact; gzip, estimated as the package's share of
    /// the bundle's raw bytes) and the replacement.
    ///
    /// Bundles without a source map are searched for signatures: strings that survive
    /// minification (error messages, version banners). Such findings say they are lower
    /// confidence and give the library's typical size instead of measured bytes. A signature
    /// (a banner especially) shows the library is there, not that all of it is: a bundle whose
    /// transfer size is under half the library's typical size cannot hold it whole, and is
    /// reported as holding part of it, with no saving claimed. Barrels are not judged by
    /// signature, since a few icons carry the same strings as the whole set.
    ///
    /// ## Why is this bad?
    /// This is what users actually download: a whole library where the app uses a few
    /// functions. It is the most common reason a bundle blows its budget.
    ///
    /// ## How to fix it
    /// Change the import that pulls the whole library in (see
    /// `tree-shaking/whole-library-import`, which points at the line when run on your sources),
    /// or replace the library as the finding suggests. For moment's locales, import only the
    /// ones you need, or ignore the others in your bundler (`IgnorePlugin` in webpack); better,
    /// move to dayjs, date-fns or `Intl.DateTimeFormat`.
    ///
    /// ## Options
    /// `[[knowledge.package]]` in webaudit.toml (`bundled_module_paths`, `barrel_module_glob`,
    /// `barrel_module_count`, `signatures`).
    WholeLibraryBundled {
        id: "tree-shaking/whole-library-bundled",
        summary: "A known library bundled whole (seen through source maps, or by signature without one)",
        severity: Warning,
    }
}

fn patterns(list: &[String]) -> Vec<PathPattern> {
    list.iter()
        .filter_map(|p| PathPattern::new(p).ok())
        .collect()
}

/// Why the modules of one package copy amount to the whole library, if they do.
fn whole_form(package: &PackageInfo, modules: &[&str]) -> Option<String> {
    let monolith = patterns(&package.bundled_module_paths);
    let matched: Vec<&str> = modules
        .iter()
        .copied()
        .filter(|m| monolith.iter().any(|p| p.matches(m)))
        .collect();
    let barrel = (!package.barrel_module_glob.is_empty() && package.barrel_module_count > 0)
        .then(|| PathPattern::new(&package.barrel_module_glob).ok())
        .flatten();
    let barrel_modules = barrel
        .as_ref()
        .map_or(0, |glob| modules.iter().filter(|m| glob.matches(m)).count());
    let locales = modules.iter().filter(|m| m.contains("locale")).count();
    if package.kind == ProblemKind::Barrel {
        if let Some(glob) = &barrel {
            let share = barrel_modules as f64 / package.barrel_module_count as f64;
            if share >= BARREL_SHARE {
                return Some(format!(
                    "{barrel_modules} of its {} modules ({}) are bundled",
                    package.barrel_module_count, glob.pattern
                ));
            }
        }
        return matched
            .first()
            .map(|m| format!("its all-in-one module {m} is bundled"));
    }
    if matched.is_empty() {
        return None;
    }
    let mut reason = format!(
        "{} is bundled",
        matched[..matched.len().min(2)].join(" and ")
    );
    if matched.len() > 2 {
        reason.push_str(&format!(
            " (and {} more of its whole-library files)",
            matched.len() - 2
        ));
    }
    if package.kind == ProblemKind::LocaleBloat && locales > 1 {
        reason.push_str(&format!(", with {locales} locale modules"));
    }
    Some(reason)
}

impl Rule for WholeLibraryBundled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &RuleContext, found: &mut Vec<Violation>) {
        for asset in context.assets {
            if let (Some(composition), Some(attribution)) =
                (&asset.composition, crate::composition::attribution(asset))
            {
                for share in &composition.packages {
                    let Some(package) = context.knowledge.get(&share.name) else {
                        continue;
                    };
                    let prefix = format!("{}/", share.copy);
                    let sources: Vec<&str> = attribution
                        .sources
                        .iter()
                        .filter(|s| package_of(&s.source).is_some_and(|p| p.copy == share.copy))
                        .map(|s| s.source.as_str())
                        .collect();
                    let modules: Vec<&str> = sources
                        .iter()
                        .filter_map(|s| s.rsplit_once(prefix.as_str()).map(|(_, module)| module))
                        .collect();
                    let Some(reason) = whole_form(package, &modules) else {
                        continue;
                    };
                    let gzip = share
                        .gzip_estimate
                        .map(|g| format!(", ~{} gzip (estimated)", human(g)))
                        .unwrap_or_default();
                    found.push(Violation {
                        path: Some(asset.path.clone()),
                        message: format!(
                            "{} is bundled whole: {reason}; it costs {} raw{gzip} in this bundle. {}",
                            package.name,
                            human(share.raw),
                            package.replacement
                        ),
                        actual: Some(share.raw),
                        saving: share.gzip_estimate,
                        // Sources are sorted by bytes: the package's largest module.
                        source_hint: sources.first().map(|s| s.to_string()),
                        ..Violation::default()
                    });
                }
                continue;
            }
            let Facts::Script(script) = &asset.facts else {
                continue;
            };
            for hit in &script.signatures {
                let Some(package) = context.knowledge.get(&hit.package) else {
                    continue;
                };
                let recognised_by = hit
                    .signatures
                    .iter()
                    .map(|s| format!("{s:?}"))
                    .collect::<Vec<_>>()
                    .join(" and ");
                // Signatures say the library is there, not that all of it is: a banner survives
                // in every partial build. A chunk smaller than half the whole library cannot
                // hold it whole, so it is reported as present, with no saving claimed.
                if asset.transfer() * 2 < package.typical_gzip_bytes {
                    found.push(Violation {
                        path: Some(asset.path.clone()),
                        message: format!(
                            "lower confidence (no source map): {} is present, recognised by {recognised_by}, but this chunk ({} gzip) is too small to hold all of it (typically {} gzip): probably a part of it. If it is more than you use: {}",
                            package.name,
                            human(asset.transfer()),
                            human(package.typical_gzip_bytes),
                            package.replacement
                        ),
                        ..Violation::default()
                    });
                    continue;
                }
                found.push(Violation {
                    path: Some(asset.path.clone()),
                    message: format!(
                        "lower confidence (no source map): {} appears to be bundled whole, recognised by {recognised_by}; typically {} gzip. {}",
                        package.name,
                        human(package.typical_gzip_bytes),
                        package.replacement
                    ),
                    saving: Some(package.typical_gzip_bytes),
                    ..Violation::default()
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::tester::{Folder, module_code};

    const RULE: &str = "tree-shaking/whole-library-bundled";

    /// Minified module code of at least `bytes` bytes, its functions named after `name`.
    fn module(name: &str, bytes: usize) -> String {
        module_code(name, bytes)
    }

    /// A chunk at `path` as Rollup writes it, one minified line of `modules` (source as the map
    /// names it, code), with a v3 source map beside it: one segment where each module starts.
    fn chunk(path: &str, modules: &[(String, String)]) -> Folder {
        Folder::new().mapped_chunk(path, modules)
    }

    /// `(source, code)` for a module of `bytes` bytes.
    fn from(source: &str, name: &str, bytes: usize) -> (String, String) {
        (source.to_string(), module(name, bytes))
    }

    /// The first `count` icon modules of lucide-react's ES build.
    fn icons(count: usize) -> Vec<(String, String)> {
        (0..count)
            .map(|i| {
                (
                    format!("../../node_modules/lucide-react/dist/esm/icons/icon-{i}.mjs"),
                    format!(
                        "const i{i}=c(\"icon-{i}\",[[\"path\",{{d:\"M{} {}h{}\",key:\"k{i}\"}}]]);",
                        i % 24,
                        i % 17,
                        i % 9
                    ),
                )
            })
            .collect()
    }

    #[test]
    fn passes_for_per_method_lodash_modules() {
        chunk(
            "assets/index-BqP3xK9z.js",
            &[
                from("../../node_modules/lodash/debounce.js", "d", 1_600),
                from("../../node_modules/lodash/throttle.js", "t", 900),
                from("../../node_modules/lodash/_root.js", "r", 300),
                from("../../src/main.tsx", "m", 4_000),
            ],
        )
        .passes(RULE);
    }

    #[test]
    fn passes_for_a_few_icons_of_a_barrel() {
        let mut modules = icons(40);
        modules.push(from(
            "../../node_modules/lucide-react/dist/esm/createLucideIcon.mjs",
            "c",
            1_200,
        ));
        modules.push(from("../../src/App.tsx", "a", 3_000));
        chunk("assets/index-BqP3xK9z.js", &modules).passes(RULE);
    }

    #[test]
    fn passes_for_single_core_js_polyfills() {
        chunk(
            "assets/polyfills-Cq81LmZp.js",
            &[
                from(
                    "../../node_modules/core-js/modules/es.array.flat.js",
                    "f",
                    1_400,
                ),
                from(
                    "../../node_modules/core-js/internals/flatten-into-array.js",
                    "i",
                    900,
                ),
                from(
                    "../../node_modules/core-js/modules/es.promise.finally.js",
                    "p",
                    1_100,
                ),
            ],
        )
        .passes(RULE);
    }

    #[test]
    fn passes_for_packages_the_knowledge_base_does_not_list() {
        chunk(
            "assets/vendor-DkL9x2Qa.js",
            &[
                from(
                    "../../node_modules/react-dom/cjs/react-dom.production.min.js",
                    "r",
                    40_000,
                ),
                from(
                    "../../node_modules/scheduler/cjs/scheduler.production.min.js",
                    "s",
                    4_000,
                ),
            ],
        )
        .passes(RULE);
    }

    #[test]
    fn passes_for_barrel_strings_in_a_bundle_without_a_map() {
        // A few icons carry the same names as the whole set: barrels are not judged by signature.
        Folder::new()
            .file(
                "assets/index-BqP3xK9z.js",
                "import{c as e}from\"./vendor-DkL9x2Qa.js\";const a=e(\"alarm-clock-minus\",[[\"path\",{d:\"M12 6v6l4 2\",key:\"1\"}]]),b=e(\"square-dashed-bottom-code\",[[\"path\",{d:\"M10 9.5 8 12l2 2.5\",key:\"2\"}]]);export{a as AlarmClockMinus,b as SquareDashedBottomCode};\n",
            )
            .passes(RULE);
    }

    #[test]
    fn finds_lodash_js_through_the_source_map() {
        let folder = chunk(
            "assets/index-BqP3xK9z.js",
            &[
                from("../../node_modules/lodash/lodash.js", "l", 24_000),
                from("../../src/main.tsx", "m", 3_000),
            ],
        );
        assert_eq!(
            folder.findings(RULE),
            [
                "assets/index-BqP3xK9z.js:-:-: lodash is bundled whole: lodash.js is bundled; it costs 24.01 kB raw, ~2.43 kB gzip (estimated) in this bundle. Every form of import from the `lodash` root resolves to the single CommonJS file lodash.js, so one helper drags in all ~300. Import per method (`import debounce from 'lodash/debounce'`), or switch to `lodash-es` / `es-toolkit` with named imports. `lodash/fp` as a whole is also a full copy (it wraps lodash.min.js); use `lodash/fp/<method>`. The standalone `lodash.<method>` packages work but are frozen at old versions and duplicate lodash internals when several are installed."
            ]
        );
        let finding = &folder.findings_of(RULE)[0];
        assert_eq!(finding.severity, crate::model::finding::Severity::Warning);
        assert_eq!(finding.actual, Some(module("l", 24_000).len() as u64));
        assert_eq!(
            finding.source_hint.as_deref(),
            Some("../node_modules/lodash/lodash.js")
        );
    }

    #[test]
    fn finds_moment_with_its_locales() {
        let folder = chunk(
            "assets/index-BqP3xK9z.js",
            &[
                from("../../node_modules/moment/moment.js", "m", 20_000),
                from("../../node_modules/moment/locale/de.js", "d", 2_000),
                from("../../node_modules/moment/locale/fr.js", "f", 2_000),
                from("../../node_modules/moment/locale/ja.js", "j", 2_000),
                from("../../src/main.tsx", "s", 3_000),
            ],
        );
        assert_eq!(
            folder.findings(RULE),
            [
                "assets/index-BqP3xK9z.js:-:-: moment is bundled whole: moment.js and locale/de.js is bundled (and 2 more of its whole-library files), with 3 locale modules; it costs 26.10 kB raw, ~2.47 kB gzip (estimated) in this bundle. moment is a single non-tree-shakeable file, and its dynamic `require('./locale/' + name)` makes webpack bundle every locale in moment/locale/. At minimum strip locales (webpack IgnorePlugin or moment-locales-webpack-plugin) and import only the ones you use; moment is in maintenance mode, so prefer `date-fns`, `dayjs`, `luxon` or native `Intl` / `Temporal`."
            ]
        );
    }

    #[test]
    fn finds_half_of_a_barrels_modules() {
        let mut modules = icons(1_046);
        modules.push(from("../../src/App.tsx", "a", 3_000));
        let folder = chunk("assets/index-BqP3xK9z.js", &modules);
        assert_eq!(
            folder.findings(RULE),
            [
                "assets/index-BqP3xK9z.js:-:-: lucide-react is bundled whole: 1046 of its 2092 modules (dist/esm/icons/*.mjs) are bundled; it costs 63.60 kB raw, ~11.35 kB gzip (estimated) in this bundle. The entry re-exports ~2,100 icons. Named imports tree-shake, but `import * as Icons`, the `icons` export (an object of every icon) and `dynamicIconImports` / `lucide-react/dynamic` pull in all of them. Import icons by name, or by path for bundlers without tree shaking."
            ]
        );
        let one_short = {
            let mut modules = icons(1_045);
            modules.push(from("../../src/App.tsx", "a", 3_000));
            chunk("assets/index-BqP3xK9z.js", &modules)
        };
        one_short.passes(RULE);
    }

    #[test]
    fn finds_a_barrels_all_in_one_build() {
        let folder = chunk(
            "assets/index-BqP3xK9z.js",
            &[
                from(
                    "../../node_modules/lucide-react/dist/cjs/lucide-react.js",
                    "l",
                    30_000,
                ),
                from("../../src/App.tsx", "a", 3_000),
            ],
        );
        assert_eq!(
            folder.findings(RULE),
            [
                "assets/index-BqP3xK9z.js:-:-: lucide-react is bundled whole: its all-in-one module dist/cjs/lucide-react.js is bundled; it costs 30.04 kB raw, ~3.04 kB gzip (estimated) in this bundle. The entry re-exports ~2,100 icons. Named imports tree-shake, but `import * as Icons`, the `icons` export (an object of every icon) and `dynamicIconImports` / `lucide-react/dynamic` pull in all of them. Import icons by name, or by path for bundlers without tree shaking."
            ]
        );
    }

    #[test]
    fn finds_the_full_core_js_entry() {
        let folder = chunk(
            "assets/polyfills-Cq81LmZp.js",
            &[
                from("../../node_modules/core-js/index.js", "i", 200),
                from("../../node_modules/core-js/full/index.js", "f", 300),
                from(
                    "../../node_modules/core-js/modules/es.array.flat.js",
                    "a",
                    1_400,
                ),
                from(
                    "../../node_modules/core-js/modules/es.promise.finally.js",
                    "p",
                    1_100,
                ),
            ],
        );
        assert_eq!(
            folder.findings(RULE),
            [
                "assets/polyfills-Cq81LmZp.js:-:-: core-js is bundled whole: full/index.js and index.js is bundled; it costs 3.14 kB raw, ~362 B gzip (estimated) in this bundle. `import 'core-js'` (= core-js/full), `core-js/stable` and `core-js/actual` install every polyfill whether the target browsers need it or not. Let @babel/preset-env inject only what your code uses and your browserslist lacks (`useBuiltIns: 'usage'`, `corejs: 3`), or import single features (`core-js/actual/array/flat`)."
            ]
        );
    }

    #[test]
    fn finds_lodash_by_its_strings_when_there_is_no_map() {
        // A vendor chunk big enough to hold lodash whole, carrying its internal strings.
        let folder = Folder::new().file(
            "assets/vendor-DkL9x2Qa.js",
            format!(
                "var e=\"__lodash_hash_undefined__\",t=\"__lodash_placeholder__\",n=9007199254740991;function r(o){{return o===void 0?e:t}}{}export{{r as _}};\n",
                crate::rules::tester::react_components(900, 7)
            ),
        );
        let findings = folder.findings(RULE);
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert!(
            findings[0].starts_with("assets/vendor-DkL9x2Qa.js:-:-: lower confidence (no source map): lodash appears to be bundled whole, recognised by \"__lodash_hash_undefined__\" and \"__lodash_placeholder__\"; typically 26.63 kB gzip."),
            "{findings:#?}"
        );
        assert_eq!(folder.findings_of(RULE)[0].saving, Some(26_634));
    }

    #[test]
    fn finds_only_presence_in_a_chunk_too_small_to_hold_the_library() {
        // A polyfill chunk with a few core-js modules: every core-js build carries its banner,
        // so the signature says core-js is there, not that all 106 kB of it is.
        let folder = Folder::new().file(
            "assets/polyfills-3f2a.js",
            "/*! core-js 3.37 | Denis Pushkarev (zloirock.ru) | https://github.com/zloirock/core-js/blob/v3.37.1/LICENSE */\n!function(){\"use strict\";var t=Array.prototype;t.flat||(t.flat=function(n){return this.reduce(function(r,e){return r.concat(Array.isArray(e)&&n>1?e.flat(n-1):e)},[])})}();\n",
        );
        assert_eq!(
            folder.findings(RULE),
            [
                "assets/polyfills-3f2a.js:-:-: lower confidence (no source map): core-js is present, recognised by \"Denis Pushkarev (zloirock.ru)\" and \"https://github.com/zloirock/core-js\", but this chunk (232 B gzip) is too small to hold all of it (typically 106.55 kB gzip): probably a part of it. If it is more than you use: `import 'core-js'` (= core-js/full), `core-js/stable` and `core-js/actual` install every polyfill whether the target browsers need it or not. Let @babel/preset-env inject only what your code uses and your browserslist lacks (`useBuiltIns: 'usage'`, `corejs: 3`), or import single features (`core-js/actual/array/flat`)."
            ]
        );
        assert_eq!(folder.findings_of(RULE)[0].saving, None);
    }
}
