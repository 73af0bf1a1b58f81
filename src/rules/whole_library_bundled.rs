use foldhash::{HashMap, HashMapExt};

use super::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::analyze::Facts;
use crate::glob::PathPattern;
use crate::knowledge::{PackageInfo, ProblemKind};
use crate::model::finding::{Severity, Violation};
use crate::size::human;

/// A barrel counts as bundled whole when at least this share of its modules is in the bundle.
pub const BARREL_SHARE: f64 = 0.5;

/// Without a source map, a library counts as bundled whole when at least this share of its
/// wholeness markers (strings from modules spread over it) is in the chunk: a few markers can
/// be missing from an older or newer release, or from a build that drops one module.
pub const WHOLE_MARKER_SHARE: f64 = 0.8;

/// Without a source map and without markers, a library counts as bundled whole only when the
/// chunk's transfer size is at least this share of the library's typical size (a size close
/// to the full build).
pub const FULL_BUILD_SHARE: f64 = 0.8;

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
    /// (a banner especially) shows the library is there, not that all of it is. The claim
    /// "bundled whole" needs evidence of wholeness: at least 80 % of the library's wholeness
    /// markers (strings taken from modules spread over the whole library) in the chunk, and a
    /// chunk at least half the library's typical transfer size; for a library without markers,
    /// a chunk at least 80 % of its typical size. Otherwise the library is reported as present,
    /// probably in part, as `info` with no saving claimed: a partial build is what the fix
    /// asks for. Barrels are not judged by signature, since a
    /// few icons carry the same strings as the whole set.
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
    /// `barrel_module_count`, `signatures`, `wholeness_markers`).
    WholeLibraryBundled {
        id: "tree-shaking/whole-library-bundled",
        summary: "A known library bundled whole (seen through source maps, or by signature without one)",
        severity: Warning,
    }
}

/// A package's module globs, compiled once per run rather than once per bundle that holds it.
struct PackageGlobs {
    monolith: Vec<PathPattern>,
    barrel: Option<PathPattern>,
}

impl PackageGlobs {
    fn of(package: &PackageInfo) -> PackageGlobs {
        PackageGlobs {
            monolith: package
                .bundled_module_paths
                .iter()
                .filter_map(|p| PathPattern::new(p).ok())
                .collect(),
            barrel: (!package.barrel_module_glob.is_empty() && package.barrel_module_count > 0)
                .then(|| PathPattern::new(&package.barrel_module_glob).ok())
                .flatten(),
        }
    }
}

/// Why the modules of one package copy amount to the whole library, if they do.
fn whole_form(package: &PackageInfo, globs: &PackageGlobs, modules: &[&str]) -> Option<String> {
    let matched: Vec<&str> = modules
        .iter()
        .copied()
        .filter(|m| globs.monolith.iter().any(|p| p.matches(m)))
        .collect();
    let barrel = globs.barrel.as_ref();
    // From the package's root, as `barrel_module_count` was counted: date-fns's `*.js` is its
    // 247 function modules, not the 112 modules of 18 locales an app imports one by one.
    let barrel_modules = barrel.map_or(0, |glob| {
        modules.iter().filter(|m| glob.matches_from_root(m)).count()
    });
    let locales = modules.iter().filter(|m| m.contains("locale")).count();
    if package.kind == ProblemKind::Barrel {
        if let Some(glob) = barrel {
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
        let mut globs: HashMap<&str, PackageGlobs> = HashMap::new();
        for asset in context.assets {
            if let (Some(composition), Some(attribution)) =
                (&asset.composition, crate::composition::attribution(asset))
            {
                // Each source's package copy, found once for all the shares of the bundle.
                let mut sources_by_copy: Option<HashMap<String, Vec<&str>>> = None;
                for share in &composition.packages {
                    let Some(package) = context.knowledge.get(&share.name) else {
                        continue;
                    };
                    let by_copy = sources_by_copy.get_or_insert_with(|| {
                        let mut by_copy: HashMap<String, Vec<&str>> = HashMap::new();
                        for source in &attribution.sources {
                            if let Some(package) = source.package() {
                                by_copy
                                    .entry(package.copy.clone())
                                    .or_default()
                                    .push(source.source.as_str());
                            }
                        }
                        by_copy
                    });
                    let prefix = format!("{}/", share.copy);
                    let sources: &[&str] = by_copy.get(&share.copy).map_or(&[], Vec::as_slice);
                    let modules: Vec<&str> = sources
                        .iter()
                        .filter_map(|s| s.rsplit_once(prefix.as_str()).map(|(_, module)| module))
                        .collect();
                    let package_globs = globs
                        .entry(package.name.as_str())
                        .or_insert_with(|| PackageGlobs::of(package));
                    let Some(reason) = whole_form(package, package_globs, &modules) else {
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
                        // Raw, as every rule states savings: the impact model puts it on the
                        // wire at the file's ratio, which is the gzip estimate shown.
                        saving: Some(share.raw),
                        // Sources are sorted by bytes: the package's largest module.
                        source_hint: sources.first().map(|s| s.to_string()),
                        package: Some(share.name.clone()),
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
                // in every partial build. Wholeness needs its own evidence: most of the markers
                // spread over the library, in a chunk big enough to hold it.
                let typical = package.typical_gzip_bytes;
                let listed = package.wholeness_markers.len();
                let held = hit.markers.len();
                let big_enough = asset.transfer() * 2 >= typical;
                let most_markers = held as f64 >= WHOLE_MARKER_SHARE * listed as f64;
                let whole = if listed > 0 {
                    most_markers && big_enough
                } else {
                    asset.transfer() as f64 >= FULL_BUILD_SHARE * typical as f64
                };
                let markers = format!("{held} of its {listed} markers spread over the library");
                if whole {
                    let evidence = if listed > 0 {
                        format!("with {markers}")
                    } else {
                        format!(
                            "in a chunk ({} gzip) close to its full size",
                            human(asset.transfer())
                        )
                    };
                    found.push(Violation {
                        path: Some(asset.path.clone()),
                        message: format!(
                            "lower confidence (no source map): {} appears to be bundled whole, recognised by {recognised_by}, {evidence}; typically {} gzip. {}",
                            package.name,
                            human(typical),
                            package.replacement
                        ),
                        saving: Some(raw_equivalent(typical, asset)),
                        package: Some(hit.package.clone()),
                        ..Violation::default()
                    });
                    continue;
                }
                let mut short_of: Vec<String> = Vec::new();
                if listed > 0 && !most_markers {
                    short_of.push(format!("this chunk holds only {markers}"));
                }
                if !big_enough || listed == 0 {
                    short_of.push(format!(
                        "this chunk ({} gzip) is too small to hold all of it (typically {} gzip)",
                        human(asset.transfer()),
                        human(typical)
                    ));
                }
                found.push(Violation {
                    path: Some(asset.path.clone()),
                    message: format!(
                        "lower confidence (no source map): {} is present, recognised by {recognised_by}, but {}: probably a part of it. If it is more than you use: {}",
                        package.name,
                        short_of.join(" and "),
                        package.replacement
                    ),
                    package: Some(hit.package.clone()),
                    // No evidence of the problem the rule is about and no saving: a chunk
                    // holding a partial build (plotly's cartesian bundle, lodash's per-method
                    // modules) is what the fix asks for, so it is told, not warned about.
                    lowered: Some(Severity::Info),
                    ..Violation::default()
                });
            }
        }
    }
}

/// The raw bytes of `asset` that travel as `wire` bytes at its own compression ratio. Savings
/// are stated raw (the impact model compresses them at the file's ratio), while the knowledge
/// base measures a library's typical size gzipped; at most the whole file.
fn raw_equivalent(wire: u64, asset: &crate::measure::Asset) -> u64 {
    let (raw, transfer) = (asset.raw, asset.transfer());
    if transfer == 0 || transfer >= raw {
        return wire.min(raw);
    }
    u64::try_from(u128::from(wire) * u128::from(raw) / u128::from(transfer))
        .unwrap_or(raw)
        .min(raw)
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

    /// Chainlit's bundle: 43 date-fns functions and 18 locales imported one by one, each locale
    /// a handful of modules under `locale/<code>/`. The barrel is the 247 top-level function
    /// modules; locale modules are not members of it.
    #[test]
    fn passes_a_barrel_whose_nested_modules_are_not_its_members() {
        let mut modules: Vec<(String, String)> = (0..43)
            .map(|i| {
                from(
                    &format!("../../node_modules/date-fns/fn{i}.js"),
                    &format!("f{i}"),
                    400,
                )
            })
            .collect();
        for code in 0..18 {
            for part in [
                "index.js",
                "_lib/localize.js",
                "_lib/match.js",
                "_lib/formatLong.js",
                "_lib/formatRelative.js",
                "_lib/formatDistance.js",
            ] {
                modules.push(from(
                    &format!("../../node_modules/date-fns/locale/l{code}/{part}"),
                    &format!("l{code}{}", part.len()),
                    300,
                ));
            }
        }
        modules.push(from("../../src/i18n/dateLocale.ts", "s", 2_000));
        chunk("assets/index-B2u6IBgX.js", &modules).passes(RULE);
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

    /// The wholeness markers the knowledge base lists for `package`.
    fn markers(package: &str) -> Vec<String> {
        crate::knowledge::Knowledge::built_in()
            .get(package)
            .map(|p| p.wholeness_markers.clone())
            .unwrap_or_default()
    }

    /// A minified chunk without a source map: `head` (a banner, library code), each of
    /// `strings` as a string literal, then `components` React components of app code (about
    /// 15 B gzip each), which make the chunk as big as a test needs.
    fn unmapped_chunk(head: &str, strings: &[String], components: usize) -> String {
        let literals: Vec<String> = strings.iter().map(|s| format!("\"{s}\"")).collect();
        format!(
            "{head}var L=[{}];{}export{{L as _}};\n",
            literals.join(","),
            crate::rules::tester::react_components(components, 7)
        )
    }

    /// core-js's banner, as every core-js build carries it.
    const CORE_JS_BANNER: &str = "/*! core-js 3.37 | Denis Pushkarev (zloirock.ru) | https://github.com/zloirock/core-js/blob/v3.37.1/LICENSE */\n";

    #[test]
    fn finds_lodash_by_its_strings_when_there_is_no_map() {
        // A vendor chunk big enough to hold lodash whole, carrying its signatures and every
        // one of its markers.
        let folder = Folder::new().file(
            "assets/vendor-DkL9x2Qa.js",
            unmapped_chunk("var n=9007199254740991;", &markers("lodash"), 900),
        );
        let findings = folder.findings(RULE);
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert!(
            findings[0].starts_with("assets/vendor-DkL9x2Qa.js:-:-: lower confidence (no source map): lodash appears to be bundled whole, recognised by \"__lodash_placeholder__\" and \"__lodash_hash_undefined__\", with 4 of its 4 markers spread over the library; typically 26.63 kB gzip."),
            "{findings:#?}"
        );
        // The saving is stated raw: at the chunk's own ratio, lodash's typical 26,634 gzip
        // bytes on the wire, but never more than the chunk (this made-up one compresses far
        // better than lodash, so the cap applies).
        let saving = folder.findings_of(RULE)[0].saving.unwrap();
        folder.prepared(|prepared, _| {
            let chunk = &prepared.assets[0];
            let (raw, gzip) = (chunk.raw, chunk.gzip.unwrap());
            assert_eq!(saving, (26_634 * raw / gzip).min(raw));
        });
    }

    #[test]
    fn finds_only_presence_of_lodash_functions_bundled_one_by_one() {
        // Per-method lodash modules (memoize, uniq, curry) carry the two signatures, but not
        // the strings of the rest of the library, however big the chunk.
        let folder = Folder::new().file(
            "assets/vendor-DkL9x2Qa.js",
            unmapped_chunk(
                "",
                &[
                    "__lodash_hash_undefined__".to_string(),
                    "__lodash_placeholder__".to_string(),
                ],
                2_000,
            ),
        );
        let findings = folder.findings(RULE);
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert!(
            findings[0].starts_with("assets/vendor-DkL9x2Qa.js:-:-: lower confidence (no source map): lodash is present, recognised by \"__lodash_hash_undefined__\" and \"__lodash_placeholder__\", but this chunk holds only 2 of its 4 markers spread over the library: probably a part of it."),
            "{findings:#?}"
        );
        let finding = &folder.findings_of(RULE)[0];
        assert_eq!(finding.saving, None);
        // A partial build is what the fix asks for: told, not warned about.
        assert_eq!(finding.severity, crate::model::finding::Severity::Info);
    }

    #[test]
    fn finds_a_whole_core_js_build_by_its_markers() {
        // The banner, every marker (strings of polyfill modules spread over core-js), and a
        // chunk over half of core-js's typical size.
        let folder = Folder::new().file(
            "assets/polyfills-3f2a.js",
            unmapped_chunk(CORE_JS_BANNER, &markers("core-js"), 4_000),
        );
        let findings = folder.findings(RULE);
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert!(
            findings[0].starts_with("assets/polyfills-3f2a.js:-:-: lower confidence (no source map): core-js appears to be bundled whole, recognised by \"Denis Pushkarev (zloirock.ru)\" and \"https://github.com/zloirock/core-js\", with 12 of its 12 markers spread over the library; typically 106.55 kB gzip."),
            "{findings:#?}"
        );
        assert_eq!(
            folder.findings_of(RULE)[0].severity,
            crate::model::finding::Severity::Warning
        );
    }

    #[test]
    fn finds_only_presence_of_a_core_js_subset_in_a_big_chunk() {
        // A chunk as big as the whole library, but its core-js part is the banner and three
        // polyfills: what a banner-only signature used to call "bundled whole".
        let subset: Vec<String> = markers("core-js").into_iter().take(3).collect();
        let folder = Folder::new().file(
            "assets/index-3f2a.js",
            unmapped_chunk(CORE_JS_BANNER, &subset, 4_000),
        );
        let findings = folder.findings(RULE);
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert!(
            findings[0].starts_with("assets/index-3f2a.js:-:-: lower confidence (no source map): core-js is present, recognised by \"Denis Pushkarev (zloirock.ru)\" and \"https://github.com/zloirock/core-js\", but this chunk holds only 3 of its 12 markers spread over the library: probably a part of it."),
            "{findings:#?}"
        );
        assert_eq!(folder.findings_of(RULE)[0].saving, None);
    }

    #[test]
    fn whole_needs_eighty_percent_of_the_markers() {
        // core-js lists 12 markers: 10 (83 %) are enough, 9 (75 %) are not.
        let all = markers("core-js");
        assert_eq!(all.len(), 12);
        let chunk_with = |count: usize| {
            Folder::new().file(
                "assets/polyfills-3f2a.js",
                unmapped_chunk(CORE_JS_BANNER, &all[..count], 4_000),
            )
        };
        let ten = chunk_with(10).findings(RULE);
        assert!(
            ten[0].contains("core-js appears to be bundled whole")
                && ten[0].contains("with 10 of its 12 markers"),
            "{ten:#?}"
        );
        let nine = chunk_with(9).findings(RULE);
        assert!(
            nine[0].contains("core-js is present")
                && nine[0].contains("holds only 9 of its 12 markers"),
            "{nine:#?}"
        );
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
                "assets/polyfills-3f2a.js:-:-: lower confidence (no source map): core-js is present, recognised by \"Denis Pushkarev (zloirock.ru)\" and \"https://github.com/zloirock/core-js\", but this chunk holds only 0 of its 12 markers spread over the library and this chunk (232 B gzip) is too small to hold all of it (typically 106.55 kB gzip): probably a part of it. If it is more than you use: `import 'core-js'` (= core-js/full), `core-js/stable` and `core-js/actual` install every polyfill whether the target browsers need it or not. Let @babel/preset-env inject only what your code uses and your browserslist lacks (`useBuiltIns: 'usage'`, `corejs: 3`), or import single features (`core-js/actual/array/flat`)."
            ]
        );
        assert_eq!(folder.findings_of(RULE)[0].saving, None);
    }

    #[test]
    fn a_library_without_markers_needs_a_chunk_close_to_its_full_size() {
        // moment-timezone lists no markers (its strings are zone data): only the chunk's size
        // can say it is whole. Its typical size is 38.31 kB gzip.
        let head = "var a=\"Moment Timezone has no data for \",b=\"Moment Timezone setDefault() requires Moment.js\";";
        let small = Folder::new().file("assets/tz-3f2a.js", unmapped_chunk(head, &[], 1_500));
        let findings = small.findings(RULE);
        assert!(
            findings[0].contains("moment-timezone is present")
                && findings[0].contains("is too small to hold all of it"),
            "{findings:#?}"
        );
        let big = Folder::new().file("assets/tz-3f2a.js", unmapped_chunk(head, &[], 3_000));
        let findings = big.findings(RULE);
        assert!(
            findings[0].contains("moment-timezone appears to be bundled whole")
                && findings[0].contains("close to its full size"),
            "{findings:#?}"
        );
    }
}
