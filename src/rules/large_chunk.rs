use super::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::kind::AssetKind;
use crate::measure::Asset;
use crate::model::facts::Facts;
use crate::model::finding::{Severity, Violation};
use crate::size::human;

/// The size over which one script or stylesheet is reported, in raw bytes: webpack's
/// performance hints, whose `maxAssetSize` and `maxEntrypointSize` default to 250,000 bytes
/// (printed by webpack as "244 KiB"), compared with the size of the emitted file as it is on
/// disk, before any compression.
pub const LARGE_CHUNK_BYTES: u64 = 250_000;

/// Packages named in a finding: the largest few are what to split out or replace.
const PACKAGES_NAMED: usize = 3;

declare_rule! {
    /// ## What it does
    /// Reports a script or stylesheet larger than 250,000 bytes as it is on disk, before
    /// compression: the default of webpack's performance hints (`performance.maxAssetSize`,
    /// shown by webpack as "244 KiB"), which compare the emitted file's raw size. A chunk that
    /// a page loads on its first visit (its initial scripts and stylesheets, as the
    /// report's `pages` list them) is a warning; a chunk loaded only on demand (a dynamic `import()`),
    /// or by no page webaudit found, is info. A chunk reached only through `import()` from a
    /// page whose start-up webaudit could not resolve whole (module federation, a start-up
    /// chunk no file stands for) is info too, and the message says it may load on the first
    /// visit. The finding names the chunk's largest packages with their bytes, from its source
    /// map when it has one, else the libraries recognised in it by their signatures (without
    /// sizes, so not called the largest).
    ///
    /// ## Why is this bad?
    /// A browser must download, parse and compile one file whole before any of it runs: one
    /// large chunk on the first visit delays the page as much as its slowest part, cannot be
    /// cached in parts (a change of one module downloads all of it again), and on mobile CPUs
    /// a megabyte of JavaScript takes seconds to compile. A large lazy chunk delays the
    /// interaction that loads it.
    ///
    /// ## How to fix it
    /// Split the chunk: load rarely used features with dynamic `import()`, import only the
    /// parts of a large library that the page uses (a syntax highlighter's few grammars, not
    /// all of them), and let the bundler put large dependencies in their own chunks
    /// (`splitChunks` in webpack, `manualChunks` or `codeSplitting` in Rollup/Vite).
    ///
    /// The saving shown for a chunk on a first visit is its bytes over the limit: what a split
    /// can take off the first visit.
    ///
    /// ## Options
    /// None; the limit is webpack's default. Lower the rule's severity or turn it off in
    /// `[rules]`.
    LargeChunk {
        id: "bundle/large-chunk",
        summary: "A script or stylesheet over 244 KiB (250,000 bytes), webpack's performance hint",
        severity: Warning,
    }
}

impl Rule for LargeChunk {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &RuleContext, found: &mut Vec<Violation>) {
        for asset in context.assets.iter().filter(|a| {
            matches!(a.kind, AssetKind::Script | AssetKind::Stylesheet) && a.raw > LARGE_CHUNK_BYTES
        }) {
            let mut initial_on = Vec::new();
            let mut lazy = false;
            // A page whose start-up webaudit could not resolve whole (module federation, a
            // chunk no file stands for) may load its "lazy" files at start-up after all.
            let mut lazy_after_unresolved_start = None;
            for page in &context.site.pages {
                let Some(load) = page.load else {
                    continue;
                };
                if load.initial_scripts.files.contains(&asset.path)
                    || load.initial_stylesheets.files.contains(&asset.path)
                {
                    initial_on.push(page.path());
                } else if load.lazy_scripts.files.contains(&asset.path)
                    || load.lazy_stylesheets.files.contains(&asset.path)
                {
                    if load.incomplete.is_empty() {
                        lazy = true;
                    } else {
                        lazy_after_unresolved_start.get_or_insert(page.path());
                    }
                }
            }
            let loaded = match initial_on.as_slice() {
                [] if lazy => "loads on demand".to_string(),
                [] if lazy_after_unresolved_start.is_some() => format!(
                    "is loaded by {}, whose start-up webaudit could not resolve whole: on the first visit or on demand",
                    lazy_after_unresolved_start.unwrap_or_default()
                ),
                [] => "is loaded by no page webaudit found".to_string(),
                [page] => format!("loads on the first visit of {page}"),
                [page, other] => format!("loads on the first visit of {page} and {other}"),
                [page, rest @ ..] => format!(
                    "loads on the first visit of {page} and {} other pages",
                    rest.len()
                ),
            };
            let contents = match contents(asset) {
                Contents::Measured(parts) => format!("; largest parts: {}", parts.join(", ")),
                Contents::Recognised(libraries) => {
                    format!("; libraries recognised in it: {}", libraries.join(", "))
                }
                Contents::Unknown => String::new(),
            };
            let compressed = asset
                .gzip
                .map(|gzip| format!(" ({} gzip)", human(gzip)))
                .unwrap_or_default();
            let on_first_visit = !initial_on.is_empty();
            found.push(Violation {
                path: Some(asset.path.clone()),
                message: format!(
                    "is {}{compressed}, over the 244 KiB (250,000 bytes) webpack warns about, and {loaded}{contents}",
                    human(asset.raw)
                ),
                actual: Some(asset.raw),
                limit: Some(LARGE_CHUNK_BYTES),
                saving: on_first_visit.then(|| asset.raw - LARGE_CHUNK_BYTES),
                lowered: (!on_first_visit).then_some(Severity::Info),
                ..Violation::default()
            });
        }
    }
}

/// What the finding can say a chunk holds: its largest packages with their raw bytes, from its
/// source map; without a usable map, the libraries its signatures recognise (no sizes).
enum Contents {
    /// Its largest packages with their bytes, from its source map.
    Measured(Vec<String>),
    /// Libraries its signatures show are in it: no sizes, so no order by size either.
    Recognised(Vec<String>),
    Unknown,
}

fn contents(asset: &Asset) -> Contents {
    if let Some(composition) = &asset.composition
        && !composition.packages.is_empty()
    {
        return Contents::Measured(
            composition
                .packages
                .iter()
                .take(PACKAGES_NAMED)
                .map(|share| format!("{} {}", share.name, human(share.raw)))
                .collect(),
        );
    }
    match &asset.facts {
        Facts::Script(script) if !script.signatures.is_empty() => Contents::Recognised(
            script
                .signatures
                .iter()
                .take(PACKAGES_NAMED)
                .map(|found| found.package.clone())
                .collect(),
        ),
        _ => Contents::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use crate::model::finding::Severity;
    use crate::rules::tester::{Folder, module_code, utility_css};

    const RULE: &str = "bundle/large-chunk";

    fn page(head: &str) -> String {
        format!("<!doctype html><html><head>{head}</head><body><div id=app></div></body></html>")
    }

    #[test]
    fn passes_for_chunks_up_to_the_limit() {
        let mut code = module_code("ok", 250_000);
        code.truncate(250_000);
        Folder::new()
            .file(
                "index.html",
                page("<script type=module src=app.js></script>"),
            )
            .file("app.js", &code)
            // Not a script or stylesheet: images have their own rules.
            .file("data/geo.json", "[1]".repeat(100_000))
            .passes(RULE);
    }

    #[test]
    fn an_initial_chunk_is_a_warning_with_its_bytes_over_the_limit() {
        let code = module_code("vendor", 250_001);
        let folder = Folder::new()
            .file(
                "index.html",
                page("<script type=module src=app.js></script><link rel=stylesheet href=app.css>"),
            )
            .file("app.js", &code)
            .file("app.css", utility_css(6_000));
        let findings = folder.findings_of(RULE);
        assert_eq!(findings.len(), 2, "{findings:#?}");
        let script = findings
            .iter()
            .find(|f| f.path.as_deref() == Some("app.js"))
            .unwrap();
        assert_eq!(script.severity, Severity::Warning);
        assert_eq!(script.saving, Some(code.len() as u64 - 250_000));
        assert!(
            script.message.starts_with("is 250.0")
                && script
                    .message
                    .ends_with("over the 244 KiB (250,000 bytes) webpack warns about, and loads on the first visit of index.html"),
            "{}",
            script.message
        );
        let stylesheet = findings
            .iter()
            .find(|f| f.path.as_deref() == Some("app.css"))
            .unwrap();
        assert_eq!(stylesheet.severity, Severity::Warning);
        assert!(stylesheet.impact.as_ref().unwrap().critical_path);
    }

    /// A chunk the page fetches with `import()`, when a start-up chunk of the page has no file
    /// (so what starts the app is not known whole): not said to load on demand.
    #[test]
    fn a_lazy_chunk_of_a_page_with_an_unresolved_start_up_is_not_called_on_demand() {
        use crate::rules::budget_initial::startup_tests::{chunk, entry, runtime};
        let folder = |startup: &str| {
            Folder::new()
                .file(
                    "index.html",
                    page("<script defer src=/static/js/runtime.11aa22bb.js></script><script defer src=/static/js/main.33cc44dd.js></script>"),
                )
                .file("static/js/runtime.11aa22bb.js", runtime("/"))
                .file("static/js/main.33cc44dd.js", entry(startup))
                .file("static/js/vendor.4c1d2e3f.chunk.js", chunk(216, 2, 60))
                .file("static/js/331.9a8b7c6d.chunk.js", chunk(331, 3, 3_000))
        };
        let message = |startup: &str| {
            let findings = folder(startup).findings_of(RULE);
            assert_eq!(findings.len(), 1, "{findings:#?}");
            assert_eq!(
                findings[0].path.as_deref(),
                Some("static/js/331.9a8b7c6d.chunk.js")
            );
            findings[0].message.clone()
        };
        assert!(
            message("216").ends_with("and loads on demand"),
            "{}",
            message("216")
        );
        assert!(
            message("216,4242").ends_with("and is loaded by index.html, whose start-up webaudit could not resolve whole: on the first visit or on demand"),
            "{}",
            message("216,4242")
        );
    }

    #[test]
    fn a_lazy_chunk_is_info_and_names_its_largest_packages() {
        let modules = vec![
            (
                "../node_modules/highlight.js/lib/core.js",
                module_code("core", 60_000),
            ),
            (
                "../node_modules/highlight.js/lib/languages/a.js",
                module_code("lang", 150_000),
            ),
            (
                "../node_modules/refractor/index.js",
                module_code("refr", 50_000),
            ),
            ("../node_modules/tiny/index.js", module_code("tiny", 1_000)),
            ("../src/code.js", module_code("own", 5_000)),
        ];
        let folder = Folder::new()
            .file(
                "index.html",
                page("<script type=module src=assets/app.js></script>"),
            )
            .file(
                "assets/app.js",
                "document.onclick=()=>import(\"./highlight.js\");\n",
            )
            .mapped_chunk("assets/highlight.js", &modules);
        let findings = folder.findings_of(RULE);
        assert_eq!(findings.len(), 1, "{findings:#?}");
        let finding = &findings[0];
        assert_eq!(finding.severity, Severity::Info);
        assert_eq!(finding.saving, None);
        assert!(
            finding.message.ends_with(
                "and loads on demand; largest parts: highlight.js 210.05 kB, refractor 50.05 kB, tiny 1.04 kB"
            ),
            "{}",
            finding.message
        );
    }

    #[test]
    fn a_chunk_without_a_map_names_the_libraries_recognised_in_it_not_the_largest() {
        // No source map: lodash's signatures show it is there, not how much of the chunk it is.
        let code = format!(
            "var a=\"__lodash_hash_undefined__\",b=\"__lodash_placeholder__\";\n{}",
            module_code("app", 300_000)
        );
        let folder = Folder::new()
            .file(
                "index.html",
                page("<script type=module src=assets/vendor.js></script>"),
            )
            .file("assets/vendor.js", code);
        let findings = folder.findings_of(RULE);
        assert_eq!(findings.len(), 1, "{findings:#?}");
        let message = &findings[0].message;
        assert!(
            message.ends_with("; libraries recognised in it: lodash")
                && !message.contains("largest"),
            "{message}"
        );
    }

    #[test]
    fn a_configured_severity_applies_to_initial_chunks_and_lazy_ones_stay_info() {
        let folder = Folder::new()
            .config("[rules]\n\"bundle/large-chunk\" = \"error\"\n")
            .file(
                "index.html",
                page("<script type=module src=app.js></script>"),
            )
            .file(
                "app.js",
                format!(
                    "{}\ndocument.onclick=()=>import(\"./later.js\");\n",
                    module_code("app", 260_000)
                ),
            )
            .file("later.js", module_code("later", 260_000));
        let mut found: Vec<(String, Severity)> = folder
            .findings_of(RULE)
            .into_iter()
            .map(|f| (f.path.unwrap(), f.severity))
            .collect();
        found.sort();
        assert_eq!(
            found,
            [
                ("app.js".to_string(), Severity::Error),
                ("later.js".to_string(), Severity::Info)
            ]
        );
    }

    #[test]
    fn a_chunk_no_page_loads_is_info() {
        let folder = Folder::new().file("worker.js", module_code("worker", 300_000));
        let findings = folder.findings_of(RULE);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].severity, Severity::Info);
        assert!(
            findings[0]
                .message
                .ends_with("is loaded by no page webaudit found")
        );
    }
}
