use std::collections::BTreeSet;

use super::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::config::browsers::BrowserTargets;
use crate::knowledge::legacy::LegacyData;
use crate::model::facts::legacy::LegacySignal;
use crate::model::facts::{Facts, ScriptFacts};
use crate::model::finding::Violation;
use crate::site::{Site, Target};
use crate::size::human;

/// Polyfill packages and runtimes whose bytes a source map reports in the message.
const POLYFILL_PACKAGES: &[&str] = &[
    "core-js",
    "core-js-pure",
    "regenerator-runtime",
    "@babel/runtime",
    "@babel/runtime-corejs3",
    "@babel/polyfill",
    "babel-polyfill",
    "focus-visible",
];

/// Polyfill names listed in a message before "and N more".
const LISTED_POLYFILLS: usize = 6;

declare_rule! {
    /// ## What it does
    /// Reports scripts that ship polyfills and down-level transforms the target browsers do
    /// not need, with an estimate of the bytes they cost. It follows Lighthouse 12's
    /// `legacy-javascript` audit:
    ///
    /// - **Polyfills** of 86 built-ins that Baseline browsers have (`Array.prototype.flat`,
    ///   `Object.fromEntries`, `Promise.allSettled`, `String.prototype.replaceAll`, …), found
    ///   by their code: an assignment (`Array.prototype.flat = …`), `defineProperty(Array.prototype,
    ///   "flat"`, an es-shims definition, core-js 3's minified export table
    ///   (`{target:"Array",proto:!0},{flat:`) or core-js's module id in an unminified build
    ///   (`es.array.flat.js"`); with a source map, also by a source that is one of the
    ///   polyfill's core-js modules (`…/es.error.cause.js`) or the `focus-visible` package.
    /// - **Transforms**, by a string of their runtime helper: classes (`Cannot call a class
    ///   as a function`), generators and async functions (`regeneratorRuntime`, `Generator is
    ///   already running`), spread (`Invalid attempt to spread non-iterable instance`).
    ///
    /// Each one is compared with the target browsers: it is reported only when every target
    /// browser supports the feature natively (core-js-compat's and Babel's compat data). The
    /// targets are, first found: `[targets] browsers` in webaudit.toml; the project's
    /// `.browserslistrc` (its `[production]` section when it has sections), `browserslist`
    /// file, or `package.json` `browserslist` key, looked for in the configuration folders;
    /// else **the default: Lighthouse 12's Baseline target**, the Chrome, Edge, Firefox and
    /// Safari releases (desktop and mobile) of the 2.5 years before its data (Chrome/Edge 106,
    /// Firefox 105, Safari 16.1 and later). Browsers the compat data does not cover (Opera
    /// Mini, UC, QQ, Baidu, KaiOS) are left out, as Babel leaves them out.
    ///
    /// The legacy half of a differential build is not reported: a script that pages load only
    /// with `<script nomodule>` (modern browsers skip it), and the scripts of a folder most of
    /// whose scripts have a twin in one other folder (the same file name once its content hash
    /// is taken out, as `--hash-pattern` finds it) where a smaller share of scripts carries
    /// unneeded polyfills or transforms: an app that ships `frontend_es5/app.[hash].js` beside
    /// `frontend_latest/app.[hash].js` serves the first only to old browsers.
    ///
    /// The saving is estimated as Lighthouse does, in raw bytes: for core-js polyfills, the
    /// minified size of every core-js module they pull in (from core-js's module graph; modules
    /// shared by several polyfills counted once, at most the size of all of them); for classes,
    /// 1,000 bytes plus 17 per further `_classCallCheck` call; for spread, 1,169 bytes plus 20
    /// per `.apply(void 0, _toConsumableArray(…))`; for generators, 80 bytes per
    /// `regeneratorRuntime.wrap`. The message also gives it after gzip (the file's own
    /// ratio), the figure Lighthouse reports for a compressed script. With a source map it
    /// names the polyfill packages and their bytes (`core-js`, `regenerator-runtime`,
    /// `@babel/runtime`), and the polyfills' estimate is at most the bytes the map gives to
    /// core-js in that script (Lighthouse counts core-js's shared internals again in every
    /// chunk that holds a polyfill). Unlike Lighthouse, polyfills that are not core-js code (a hand-written
    /// `Math.hypot || (Math.hypot = …)`, an es-shims package, Next.js's built-in polyfills) are
    /// named but not sized with core-js's graph, which would count kilobytes of core-js
    /// internals for a few dozen bytes; their saving is not estimated.
    ///
    /// The data (polyfill list, module sizes and graph) is Lighthouse 12.8's, Apache-2.0; the
    /// native versions are core-js-compat 3.51's and @babel/compat-data 7.29's (see
    /// `src/knowledge/README.md`). core-js 3.51 still replaces Safari's
    /// `Array.prototype.includes` (up to Safari 27), so under the default targets that one is
    /// not reported, where Lighthouse reports it.
    ///
    /// ## Why is this bad?
    /// Every browser downloads, parses and runs code written for browsers it is not. A
    /// polyfilled method also replaces the browser's faster native one, and down-levelled
    /// classes and async functions are larger and slower than the originals.
    ///
    /// ## How to fix it
    /// Build for the browsers you support: give Babel's `@babel/preset-env` (or your
    /// framework's build) a current browserslist target, such as `defaults` or
    /// `baseline widely available`; use `useBuiltIns: 'usage'` rather than `'entry'` (or an
    /// `import 'core-js'` of everything) so only what the targets lack is included; drop
    /// polyfill packages the targets do not need. If old browsers must be served, build twice
    /// and load the legacy build with `<script nomodule>`.
    ///
    /// ## Options
    /// `[targets] browsers` in webaudit.toml: a browserslist query (`"> 0.5%, not dead"`) or a
    /// list of queries, used instead of the project's browserslist configuration.
    LegacyJavascript {
        id: "js/legacy-javascript",
        summary: "Polyfills and transforms shipped to browsers that do not need them",
        severity: Warning,
    }
}

impl Rule for LegacyJavascript {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &RuleContext, found: &mut Vec<Violation>) {
        let data = LegacyData::built_in();
        let targets = &context.config.browsers;
        let nomodule_only = nomodule_only(context.site, context.assets);
        let flagged: Vec<Flagged> = context
            .assets
            .iter()
            .filter(|a| a.counted())
            .filter_map(|asset| {
                let script = script_of(&asset.facts)?;
                let unneeded: Vec<&LegacySignal> = script
                    .legacy
                    .signals
                    .iter()
                    .filter(|signal| !needed(data, targets, signal))
                    .collect();
                Some(Flagged {
                    asset,
                    script,
                    unneeded,
                })
            })
            .collect();
        let pattern = context
            .config
            .hash_pattern
            .clone()
            .unwrap_or_else(crate::baseline::HashPattern::default_pattern);
        let legacy_folders = legacy_build_folders(&flagged, &pattern);
        for Flagged {
            asset,
            script,
            unneeded,
        } in &flagged
        {
            if unneeded.is_empty()
                || nomodule_only.contains(asset.path.as_str())
                || legacy_folders.contains(folder_of(&asset.path))
            {
                continue;
            }
            let estimate = estimate(data, script, unneeded).min(asset.raw);
            let first = unneeded
                .iter()
                .filter_map(|s| s.location)
                .min_by_key(|l| l.offset);
            found.push(Violation {
                path: Some(asset.path.clone()),
                line: first.map(|l| l.line),
                column: first.map(|l| l.column),
                message: message(asset, script, targets, unneeded, estimate),
                actual: Some(asset.raw),
                saving: (estimate > 0).then_some(estimate),
                ..Violation::default()
            });
        }
    }
}

/// A script and the polyfills and transforms in it that the targets do not need.
struct Flagged<'a> {
    asset: &'a crate::measure::Asset,
    script: &'a ScriptFacts,
    unneeded: Vec<&'a LegacySignal>,
}

fn folder_of(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(folder, _)| folder)
}

/// Folders that hold the legacy half of a differential build: most of their scripts have a
/// twin (the same hashed file name once the content hash is taken out: `app.[hash].js`) in one
/// other folder, and a larger share of them carries unneeded polyfills or transforms than there.
/// Such an app serves the other folder to modern browsers and this one only to old ones (chosen
/// by a user-agent test or `nomodule`), like Home Assistant's `frontend_latest/` and
/// `frontend_es5/`.
fn legacy_build_folders<'a>(
    scripts: &[Flagged<'a>],
    pattern: &crate::baseline::HashPattern,
) -> BTreeSet<&'a str> {
    use foldhash::{HashMap, HashMapExt, HashSet};
    // folder -> (scripts, scripts with unneeded signals, file-name keys)
    let mut folders: HashMap<&str, (usize, usize, HashSet<String>)> = HashMap::new();
    for script in scripts {
        let path = script.asset.path.as_str();
        let name = path.rsplit('/').next().unwrap_or(path);
        let entry = folders.entry(folder_of(path)).or_default();
        entry.0 += 1;
        entry.1 += usize::from(!script.unneeded.is_empty());
        // Only hashed names tell two builds of one app apart from two apps that both have an
        // `index.js` (Cockpit's packages).
        let key = pattern.key(name);
        if key != name {
            entry.2.insert(key);
        }
    }
    let mut legacy = BTreeSet::new();
    for (folder, (count, flagged, keys)) in &folders {
        if *flagged == 0 {
            continue;
        }
        let twin = folders
            .iter()
            .any(|(other, (other_count, other_flagged, other_keys))| {
                let shared = keys.iter().filter(|k| other_keys.contains(*k)).count();
                other != folder
                && shared * 2 > *count
                // A larger share of flagged scripts: flagged / count > other_flagged / other_count.
                && flagged * other_count > other_flagged * count
            });
        if twin {
            legacy.insert(*folder);
        }
    }
    legacy
}

/// The script facts of a script, also of one shipped only as `.gz`/`.br`.
fn script_of(facts: &Facts) -> Option<&ScriptFacts> {
    match facts {
        Facts::Script(script) => Some(script),
        Facts::Encoded(encoded) => script_of(&encoded.content),
        _ => None,
    }
}

fn is_transform(signal: &LegacySignal) -> bool {
    signal.name.starts_with('@')
}

/// Whether some target browser needs this polyfill or transform.
fn needed(data: &LegacyData, targets: &BrowserTargets, signal: &LegacySignal) -> bool {
    let native = if is_transform(signal) {
        data.transform(&signal.name).map(|t| &t.native)
    } else {
        data.polyfill(&signal.name).map(|p| &p.native)
    };
    // A name the data no longer has (facts cached by another build): not judged.
    native.is_none_or(|native| targets.need(native))
}

/// Lighthouse's estimate of the raw bytes the unneeded signals cost.
fn estimate(data: &LegacyData, script: &ScriptFacts, unneeded: &[&LegacySignal]) -> u64 {
    let legacy = &script.legacy;
    // core-js's module graph sizes core-js's polyfills only: a hand-written `Math.hypot ||
    // (Math.hypot = …)` is a few dozen bytes, not the core-js modules a `Math.hypot` pulls in.
    let mut polyfills = data.polyfill_bytes(
        unneeded
            .iter()
            .filter(|s| !is_transform(s) && s.core_js)
            .map(|s| s.name.as_str()),
    );
    // The graph counts core-js's shared internals with every polyfill; a chunk whose map says
    // how much core-js it holds (a code-split app keeps the internals in one chunk) costs no
    // more than that.
    if let Some(attribution) = script
        .map
        .as_ref()
        .and_then(|m| m.attribution.as_ref().ok())
    {
        let core_js: u64 = attribution
            .by_package()
            .iter()
            .filter(|p| matches!(p.package.name.as_str(), "core-js" | "core-js-pure"))
            .map(|p| p.bytes)
            .sum();
        if core_js > 0 {
            polyfills = polyfills.min(core_js);
        }
    }
    let transforms: u64 = unneeded
        .iter()
        .filter(|s| is_transform(s))
        .map(|s| match s.name.as_str() {
            // The helper's definition, and a call per further class.
            "@babel/plugin-transform-classes" => {
                (1000 + (i64::from(legacy.class_call_checks) - 1) * 17).max(0) as u64
            }
            "@babel/plugin-transform-regenerator" => u64::from(legacy.regenerator_wraps) * 80,
            "@babel/plugin-transform-spread" => 1169 + u64::from(legacy.spread_applies) * 20,
            _ => 0,
        })
        .sum();
    polyfills + transforms
}

fn message(
    asset: &crate::measure::Asset,
    script: &ScriptFacts,
    targets: &BrowserTargets,
    unneeded: &[&LegacySignal],
    estimate: u64,
) -> String {
    let polyfills: Vec<&str> = unneeded
        .iter()
        .filter(|s| !is_transform(s))
        .map(|s| s.name.as_str())
        .collect();
    let transforms: Vec<&str> = unneeded
        .iter()
        .filter(|s| is_transform(s))
        .map(|s| {
            s.name
                .strip_prefix("@babel/plugin-transform-")
                .unwrap_or(&s.name)
        })
        .collect();
    let mut parts = Vec::new();
    if !polyfills.is_empty() {
        let mut listed = polyfills
            .iter()
            .take(LISTED_POLYFILLS)
            .copied()
            .collect::<Vec<_>>()
            .join(", ");
        if polyfills.len() > LISTED_POLYFILLS {
            listed.push_str(&format!(" and {} more", polyfills.len() - LISTED_POLYFILLS));
        }
        let noun = if polyfills.len() == 1 {
            "polyfill"
        } else {
            "polyfills"
        };
        parts.push(format!("{} {noun} ({listed})", polyfills.len()));
    }
    if !transforms.is_empty() {
        let noun = if transforms.len() == 1 {
            "transform"
        } else {
            "transforms"
        };
        parts.push(format!("{noun} for {}", transforms.join(", ")));
    }
    let hand_written = unneeded
        .iter()
        .filter(|s| !is_transform(s) && !s.core_js)
        .count();
    if hand_written > 0 {
        let what = if hand_written == polyfills.len() {
            "not from core-js, not estimated".to_string()
        } else {
            format!("{hand_written} not from core-js, not estimated")
        };
        parts[0].push_str(&format!(" [{what}]"));
    }
    let cost = if estimate > 0 {
        let gzip = asset
            .gzip
            .map(|gzip| (estimate as f64 * gzip as f64 / asset.raw.max(1) as f64).round() as u64)
            .map(|bytes| format!(", about {} after gzip", human(bytes)))
            .unwrap_or_default();
        format!(": about {}{gzip}", human(estimate))
    } else {
        String::new()
    };
    let packages = script
        .map
        .as_ref()
        .and_then(|m| m.attribution.as_ref().ok())
        .map(|attribution| {
            attribution
                .by_package()
                .into_iter()
                .filter(|p| POLYFILL_PACKAGES.contains(&p.package.name.as_str()))
                .map(|p| format!("{} {}", p.package.name, human(p.bytes)))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let packages = if packages.is_empty() {
        String::new()
    } else {
        format!(" (the source map has {})", packages.join(", "))
    };
    format!(
        "ships {} that {} support natively{cost}{packages}; build for those browsers (browserslist target, `useBuiltIns: 'usage'`) or drop the polyfills",
        parts.join(" and "),
        targets.describe(),
    )
}

/// Scripts that pages load only through `<script nomodule src>`: browsers that run modules
/// skip them, so their polyfills reach only old browsers. A `src` behind a placeholder a server
/// fills in (`ASSET_PREFIX/_next/static/chunks/polyfills-….js`) names the file it ends with.
fn nomodule_only<'a>(site: &Site, assets: &'a [crate::measure::Asset]) -> BTreeSet<&'a str> {
    let mut nomodule = BTreeSet::new();
    let mut other = BTreeSet::new();
    for page in &site.pages {
        for reference in site
            .references
            .iter()
            .filter(|r| r.from == page.path() && r.holder == "<script src>")
        {
            let path = match &reference.target {
                Target::Present(path) => assets.iter().find(|a| &a.path == path),
                Target::Template => assets.iter().find(|a| {
                    reference
                        .text
                        .strip_suffix(a.path.as_str())
                        .is_some_and(|prefix| prefix.ends_with('/'))
                }),
                _ => None,
            };
            let Some(asset) = path else {
                continue;
            };
            let tag = page
                .html
                .scripts
                .iter()
                .find(|s| s.location == reference.location);
            if tag.is_some_and(|t| t.nomodule) {
                nomodule.insert(asset.path.as_str());
            } else {
                other.insert(asset.path.as_str());
            }
        }
    }
    nomodule.retain(|path| !other.contains(path));
    nomodule
}

#[cfg(test)]
mod tests {
    use crate::rules::tester::Folder;

    const RULE: &str = "js/legacy-javascript";

    /// What Babel and core-js 3 leave in a minified bundle for old browsers: the export tables
    /// of `Array.prototype.flat` and `Object.fromEntries`, and the class helper.
    const LEGACY: &str = "!function(){var t=function(t,r){if(!(t instanceof r))throw new TypeError(\"Cannot call a class as a function\")};\
        n({target:\"Array\",proto:!0},{flat:function(){return o(this)}});\
        n({target:\"Object\",stat:!0},{fromEntries:function(t){return i(t)}});\
        var e=function e(){t(this,e)};window.app=new e}();";

    #[test]
    fn finds_polyfills_and_transforms_under_the_default_targets() {
        let folder = Folder::new().file("assets/app.js", LEGACY);
        let findings = folder.findings(RULE);
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert!(
            findings[0].starts_with("assets/app.js:1:"),
            "{}",
            findings[0]
        );
        assert!(
            findings[0].contains("ships 2 polyfills (Array.prototype.flat, Object.fromEntries) and transform for classes that the default targets"),
            "{}",
            findings[0]
        );
        let finding = &folder.findings_of(RULE)[0];
        let data = crate::knowledge::legacy::LegacyData::built_in();
        let polyfills = data.polyfill_bytes(["Array.prototype.flat", "Object.fromEntries"]);
        // No `_classCallCheck` by that name (minified): 1,000 − 17 bytes for the helper.
        let expected = (polyfills + 983).min(LEGACY.len() as u64);
        assert_eq!(finding.saving, Some(expected));
    }

    #[test]
    fn passes_when_the_targets_need_them() {
        Folder::new()
            .file("assets/app.js", LEGACY)
            .config("[targets]\nbrowsers = \"ie 11\"\n")
            .passes(RULE);
        // A list of queries, some of which need them.
        Folder::new()
            .file("assets/app.js", LEGACY)
            .config("[targets]\nbrowsers = [\"chrome 100\", \"safari 9\"]\n")
            .passes(RULE);
    }

    #[test]
    fn reads_the_projects_browserslist_unless_webaudit_toml_names_browsers() {
        let folder = Folder::new().file("assets/app.js", LEGACY).file(
            ".browserslistrc",
            "# old Safari too\nsafari 9\nchrome 100\n",
        );
        folder.passes(RULE);
        let folder = folder.config("[targets]\nbrowsers = \"chrome >= 100, safari >= 16\"\n");
        assert_eq!(folder.findings(RULE).len(), 1);
        // Safari 12 has `flat` and classes, not `Object.fromEntries` (12.1): two of three.
        let folder = Folder::new()
            .file("assets/app.js", LEGACY)
            .file("package.json", r#"{"browserslist": ["safari 12"]}"#);
        let findings = folder.findings(RULE);
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert!(
            findings[0].contains("ships 1 polyfill (Array.prototype.flat) and transform for classes that the target browsers (\"safari 12\" from package.json)"),
            "{}",
            findings[0]
        );
    }

    #[test]
    fn passes_for_a_script_only_nomodule_scripts_load() {
        let folder = Folder::new()
            .file("legacy/app.js", LEGACY)
            .file("modern/app.js", LEGACY)
            .file(
                "index.html",
                "<!doctype html><script type=module src=/modern/app.js></script><script nomodule src=/legacy/app.js></script>",
            );
        let findings = folder.findings(RULE);
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert!(findings[0].starts_with("modern/app.js"), "{}", findings[0]);
    }

    #[test]
    fn passes_for_the_legacy_folder_of_a_differential_build() {
        let modern = "class A{m(){return[1,[2]].flat()}}window.app=new A;";
        let folder = Folder::new()
            .file("frontend_es5/app.5df5b748b3c265fa.js", LEGACY)
            .file("frontend_es5/core.f7297029ac319be9.js", LEGACY)
            .file("frontend_es5/12345.0b0e85cfe2afb4f4.js", LEGACY)
            .file("frontend_latest/app.29d5c4747883200a.js", modern)
            .file("frontend_latest/core.90b82bb347e95a67.js", modern);
        folder.passes(RULE);
        // Without the modern build, the same scripts are reported.
        let folder = Folder::new()
            .file("frontend_es5/app.5df5b748b3c265fa.js", LEGACY)
            .file("frontend_es5/core.f7297029ac319be9.js", LEGACY)
            .file("frontend_es5/12345.0b0e85cfe2afb4f4.js", LEGACY);
        assert_eq!(folder.findings(RULE).len(), 3);
    }

    #[test]
    fn passes_for_a_nomodule_script_behind_a_placeholder_prefix() {
        Folder::new()
            .file("_next/static/chunks/polyfills-42372ed130431b0a.js", LEGACY)
            .file(
                "index.html",
                "<!doctype html><script defer nomodule src=\"BUILDTIME_ASSETPREFIX_REPLACE_ME/_next/static/chunks/polyfills-42372ed130431b0a.js\"></script>",
            )
            .passes(RULE);
    }

    #[test]
    fn passes_for_modern_code_and_uses_of_the_methods() {
        Folder::new()
            .file(
                "assets/app.js",
                "class A{m(){return[1,[2]].flat()}}const o=Object.fromEntries([[\"a\",1]]);if(!Array.prototype.flat)throw new Error(\"old\");export{A,o};",
            )
            .passes(RULE);
    }
}
