use super::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::config::Served;
use crate::model::finding::Violation;
use crate::model::fix::{Applicability, Fix};
use crate::size::human;

/// Lighthouse's thresholds for "Enable text compression": a saving worth reporting must be at
/// least 1,400 bytes (about one TCP packet) and at least 10% of the file.
pub const MIN_SAVING_BYTES: u64 = 1_400;
pub const MIN_SAVING_RATIO: f64 = 0.10;

declare_rule! {
    /// ## What it does
    /// Reports compressible assets — HTML, JavaScript, CSS, SVG, JSON, XML, text, WebAssembly,
    /// ICO, TTF/OTF/EOT fonts — that have no precompressed `.br` or `.gz` copy next to them,
    /// when gzip would save at least 1,400 bytes and at least 10% of the file (the thresholds of
    /// Lighthouse's "Enable text compression" audit). The saving reported is the gzip saving.
    ///
    /// By default webaudit expects a static host that serves precompressed files (nginx
    /// `gzip_static` / `brotli_static`, many CDNs, `serve`, Caddy's `precompressed`). If your host
    /// compresses responses on the fly (Netlify, Vercel, Cloudflare, nginx `gzip on`), set
    /// `[compression] served = "dynamic"` and this rule reports nothing; `webaudit check-url` is
    /// the way to verify what a live server really sends.
    ///
    /// ## Why is this bad?
    /// Text compresses to a third or less of its size. Shipping it uncompressed multiplies the
    /// bytes every visitor downloads, and compressing on the fly at request time either costs
    /// CPU on every request or, at the low levels servers use, loses 10–20% against brotli 11.
    ///
    /// ## How to fix it
    /// `webaudit compress FILE` (the finding's fix; or a whole `DIR`) writes the missing `.gz`
    /// (zlib level 9, or `--zopfli`) and `.br` (quality 11) copies, safely and only where they
    /// save at least 10%.
    /// Or precompress at build time with gzip -9 and brotli -11 (e.g. `vite-plugin-compression`,
    /// `compression-webpack-plugin`, or `gzip -9 -k` and `brotli -k -q 11` over the output
    /// folder), and enable serving them (`gzip_static on; brotli_static on;` in nginx).
    ///
    /// ## Options
    /// `[compression] served = "precompressed"` (default) or `"dynamic"`. Unset, it is
    /// `"dynamic"` when the folder, or a folder above it up to the repository root, holds the
    /// deployment file of a host that compresses on the fly (`netlify.toml`, `_headers`,
    /// `_redirects`, `vercel.json`, `wrangler.toml`, `firebase.json`,
    /// `staticwebapp.config.json`, `.nojekyll`); a note names the file.
    CompressionMissing {
        id: "compression/missing",
        summary: "A compressible asset shipped without a .br or .gz copy (when the host serves precompressed files)",
        severity: Warning,
    }
}

impl Rule for CompressionMissing {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &RuleContext, found: &mut Vec<Violation>) {
        if context.config.served == Served::Dynamic {
            return;
        }
        for asset in context
            .assets
            .iter()
            // A file shipped only encoded (`app.js.gz` alone) is its own compressed copy.
            .filter(|a| a.counted() && a.format.compressible() && a.encoded_only.is_none())
            // An SVG nothing in the folder uses costs no visitor known to the audit (the
            // audit's note names it), as the image rules treat unused images.
            .filter(|a| !context.site.unreferenced_images.contains(a.path.as_str()))
        {
            let Some(gzip) = asset.gzip else { continue };
            let saving = asset.raw.saturating_sub(gzip);
            if saving < MIN_SAVING_BYTES || (saving as f64) < MIN_SAVING_RATIO * asset.raw as f64 {
                continue;
            }
            let precompressed = asset
                .variants
                .iter()
                .any(|v| v.ends_with(".gz") || v.ends_with(".br"));
            if precompressed {
                continue;
            }
            found.push(Violation {
                path: Some(asset.path.clone()),
                message: format!(
                    "has no precompressed .br or .gz copy; gzip saves {} ({:.0}% of {}). webaudit expects precompressed files; set `[compression] served = \"dynamic\"` if your host compresses on the fly",
                    human(saving),
                    saving as f64 * 100.0 / asset.raw as f64,
                    human(asset.raw)
                ),
                actual: Some(asset.raw),
                saving: Some(saving),
                fix: Some(Fix::command(
                    format!(
                        "webaudit compress {}",
                        super::fix_path(context.root, &asset.path)
                    ),
                    Applicability::Safe,
                    format!(
                        "writes {path}.gz and {path}.br beside it: lossless copies, the file itself is not changed",
                        path = asset.path
                    ),
                    vec![asset.path.clone()],
                    vec![format!("{}.gz", asset.path), format!("{}.br", asset.path)],
                )),
                ..Violation::default()
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::tester::{Folder, brotli_encode, react_chunk};

    const RULE: &str = "compression/missing";

    /// A minified chunk of `components` small React components with distinct names, numbers
    /// and UI strings: about 14 kB for 60, which gzip shrinks by 88%.
    fn chunk(components: usize) -> String {
        react_chunk(components, 0)
    }

    fn brotli(bytes: &[u8]) -> Vec<u8> {
        brotli_encode(bytes)
    }

    /// An icon sprite as SVG: a few kB of path data.
    fn sprite() -> String {
        let symbols: String = (0..40)
            .map(|i| {
                format!(
                    "<symbol id=\"icon-{i}\" viewBox=\"0 0 24 24\"><path d=\"M{} {}l{} {}h-{}v{}z\" fill=\"currentColor\"/></symbol>",
                    i % 24,
                    (i * 7) % 24,
                    (i * 3) % 11,
                    (i * 5) % 13,
                    i % 9,
                    (i * 11) % 17
                )
            })
            .collect();
        format!("<svg xmlns=\"http://www.w3.org/2000/svg\" style=\"display:none\">{symbols}</svg>")
    }

    /// A TrueType header and glyph data: pseudo-random bytes, every other one zero, so gzip
    /// saves a third, as on real fonts.
    fn truetype() -> Vec<u8> {
        let mut state = 0x2545_f491_u32;
        let mut font = b"\0\x01\0\0\0\x10\x01\0".to_vec();
        for _ in 0..3_000 {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            font.extend([state as u8, 0]);
        }
        font
    }

    /// What gzip saves on the only file of `folder`: bytes, and share of the file (rounded to
    /// hundredths).
    fn saving(folder: &Folder) -> (u64, f64) {
        folder.prepared(|prepared, _| {
            let asset = &prepared.assets[0];
            let saving = asset.raw - asset.gzip.unwrap();
            (
                saving,
                (saving as f64 * 100.0 / asset.raw as f64).round() / 100.0,
            )
        })
    }

    #[test]
    fn passes_when_each_text_asset_has_a_gz_or_br_copy() {
        let script = chunk(60);
        Folder::new()
            .file("assets/index-BqP3xK9z.js", &script)
            .gzip("assets/index-BqP3xK9z.js.gz", &script)
            .file("assets/icons-Dq1pX0.svg", sprite())
            .file("assets/icons-Dq1pX0.svg.br", brotli(sprite().as_bytes()))
            .passes(RULE);
    }

    #[test]
    fn passes_when_gzip_would_save_under_1400_bytes() {
        // A small chunk: gzip saves well over 10%, but less than about one TCP packet.
        let folder = Folder::new().file("assets/index-BqP3xK9z.js", chunk(5));
        folder.passes(RULE);
        assert_eq!(saving(&folder), (828, 0.67));
    }

    #[test]
    fn passes_when_gzip_would_save_under_10_percent() {
        // A WebAssembly module that is mostly embedded compressed data: gzip saves more than
        // 1,400 bytes, but only 7% of the file.
        let mut state = 0x2545_f491_u32;
        let mut module = b"\0asm\x01\0\0\0".to_vec();
        module.extend((0..20_000).map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state as u8
        }));
        module.extend([0u8; 1_600]);
        let folder = Folder::new().file("assets/decoder-Bx81LmZp.wasm", module);
        folder.passes(RULE);
        assert_eq!(saving(&folder), (1_516, 0.07));
    }

    #[test]
    fn passes_for_formats_that_are_already_compressed() {
        Folder::new()
            .png("assets/hero-Dx8aK2.png", 160, 90)
            .jpeg("assets/team-Cq81Lm.jpg", 160, 90)
            .file(
                "assets/inter-latin-400-Bq2.woff2",
                b"wOF2\0\x01\0\0".repeat(800),
            )
            .passes(RULE);
    }

    #[test]
    fn passes_for_source_maps_and_sources_browsers_never_download() {
        let map = format!(
            r#"{{"version":3,"sources":["../../src/App.tsx"],"sourcesContent":[{:?}],"names":[],"mappings":"AAAA"}}"#,
            chunk(60)
        );
        Folder::new()
            .file("assets/index-BqP3xK9z.js.map", map)
            .file("src/App.tsx", chunk(60))
            .passes(RULE);
    }

    #[test]
    fn passes_commonjs_builds_no_page_loads() {
        // swagger-ui-dist: its page loads the browser bundle; beside it, builds for bundlers
        // and Node that browsers cannot run (`module.exports` runs as the file loads).
        let commonjs = format!(
            "(()=>{{var i={{}};{}module.exports=i.default}})();",
            chunk(60)
        );
        let folder = Folder::new()
            .file(
                "index.html",
                "<!doctype html><script src=./swagger-ui-bundle.js></script>",
            )
            .file("swagger-ui-bundle.js", chunk(60))
            .file("swagger-ui-es-bundle.js", &commonjs);
        assert_eq!(folder.findings(RULE).len(), 1);
        assert!(folder.findings(RULE)[0].starts_with("swagger-ui-bundle.js:"));
        folder.has_note("1 CommonJS build(s) for bundlers and Node (swagger-ui-es-bundle.js)");
        // A page that loads it directly is believed (an Electron page has `require`).
        let folder = Folder::new()
            .file(
                "index.html",
                "<!doctype html><script src=js/renderer.js?v=2></script>",
            )
            .file("js/renderer.js", &commonjs);
        assert_eq!(folder.findings(RULE).len(), 1);
    }

    #[test]
    fn passes_when_the_host_compresses_on_the_fly() {
        Folder::new()
            .file("assets/index-BqP3xK9z.js", chunk(60))
            .config("[compression]\nserved = \"dynamic\"\n")
            .passes(RULE);
    }

    #[test]
    fn finds_a_bundle_without_any_copy() {
        let folder = Folder::new().file("assets/index-BqP3xK9z.js", chunk(60));
        assert_eq!(
            folder.findings(RULE),
            [
                "assets/index-BqP3xK9z.js:-:-: has no precompressed .br or .gz copy; gzip saves 12.34 kB (88% of 14.02 kB). webaudit expects precompressed files; set `[compression] served = \"dynamic\"` if your host compresses on the fly"
            ]
        );
        let finding = &folder.findings_of(RULE)[0];
        assert_eq!(finding.severity, crate::model::finding::Severity::Warning);
        let (raw, gzip) = folder.prepared(|prepared, _| {
            let asset = &prepared.assets[0];
            (asset.raw, asset.gzip.unwrap())
        });
        assert_eq!(finding.saving, Some(raw - gzip));
        let fix = finding.fix.as_ref().unwrap();
        let command = fix.command_line().unwrap();
        assert!(
            command.starts_with("webaudit compress /")
                && command.ends_with("/site/assets/index-BqP3xK9z.js"),
            "{command}"
        );
        assert_eq!(fix.applicability, crate::model::fix::Applicability::Safe);
        assert_eq!(
            fix.changes,
            ["assets/index-BqP3xK9z.js.gz", "assets/index-BqP3xK9z.js.br"]
        );
    }

    #[test]
    fn finds_each_text_format_without_a_copy() {
        let folder = Folder::new()
            .file("index.html", format!("<!doctype html><html><head><title>Icons</title></head><body>{}<img src=\"assets/icons-Dq1pX0.svg\" width=24 height=24 alt=\"\"></body></html>", sprite()))
            .file("assets/icons-Dq1pX0.svg", sprite())
            .file("data/products.json", format!("[{}]", (0..80).map(|i| format!("{{\"id\":{i},\"name\":\"Product {i}\",\"price\":{}.99,\"inStock\":{}}}", i * 3 % 50, i % 3 == 0)).collect::<Vec<_>>().join(",")))
            .file("fonts/OpenSans-Regular.ttf", truetype());
        assert_eq!(
            folder.findings(RULE),
            [
                "assets/icons-Dq1pX0.svg:-:-: has no precompressed .br or .gz copy; gzip saves 3.35 kB (84% of 3.97 kB). webaudit expects precompressed files; set `[compression] served = \"dynamic\"` if your host compresses on the fly",
                "data/products.json:-:-: has no precompressed .br or .gz copy; gzip saves 4.09 kB (86% of 4.74 kB). webaudit expects precompressed files; set `[compression] served = \"dynamic\"` if your host compresses on the fly",
                "fonts/OpenSans-Regular.ttf:-:-: has no precompressed .br or .gz copy; gzip saves 1.99 kB (33% of 6.01 kB). webaudit expects precompressed files; set `[compression] served = \"dynamic\"` if your host compresses on the fly",
                "index.html:-:-: has no precompressed .br or .gz copy; gzip saves 3.39 kB (83% of 4.10 kB). webaudit expects precompressed files; set `[compression] served = \"dynamic\"` if your host compresses on the fly"
            ]
        );
    }

    #[test]
    fn finds_newline_delimited_json_and_passes_vector_tiles() {
        // NDJSON is text that compresses like JSON; `.pbf` map tiles are stored gzip-compressed
        // by tile pipelines and travel as they are.
        let lines: String = (0..200)
            .map(|i| {
                format!(
                    "{{\"ts\":{},\"level\":\"info\",\"message\":\"request {i} served\"}}\n",
                    1_700_000_000 + i
                )
            })
            .collect();
        let folder = Folder::new()
            .file("data/events.ndjson", lines)
            .gzip("tiles/3/4/2.pbf", "\u{1a}layer-water".repeat(400));
        assert_eq!(
            folder.findings(RULE),
            [
                "data/events.ndjson:-:-: has no precompressed .br or .gz copy; gzip saves 11.61 kB (92% of 12.69 kB). webaudit expects precompressed files; set `[compression] served = \"dynamic\"` if your host compresses on the fly"
            ]
        );
        folder.prepared(|prepared, _| {
            let tile = prepared
                .assets
                .iter()
                .find(|a| a.path == "tiles/3/4/2.pbf")
                .unwrap();
            assert_eq!(tile.kind, crate::kind::AssetKind::Data);
            assert_eq!(tile.gzip, None);
        });
    }

    #[test]
    fn passes_a_folder_deployed_to_a_host_that_compresses_on_the_fly() {
        // A `_headers` file (Netlify, Cloudflare Pages) copied into the output: the host
        // compresses every response, and the report says why nothing is checked.
        let folder = Folder::new()
            .file("assets/icons-Dq1pX0.svg", sprite())
            .file(
                "_headers",
                "/assets/*\n  Cache-Control: public, max-age=31536000, immutable\n",
            );
        folder.passes(RULE);
        folder.has_note("_headers says the site is deployed to Netlify or Cloudflare Pages");
    }

    #[test]
    fn finds_copies_missing_on_such_a_host_when_the_configuration_asks() {
        let folder = Folder::new()
            .file("assets/icons-Dq1pX0.svg", sprite())
            .file(".nojekyll", "")
            .config("[compression]\nserved = \"precompressed\"\n");
        assert_eq!(folder.findings(RULE).len(), 1);
    }

    #[test]
    fn finds_map_data_and_tables_without_a_copy() {
        // GeoJSON, TopoJSON and CSV are data a page fetches (maps and charts ship megabytes of
        // them): measured and judged like JSON.
        let features: String = (0..60)
            .map(|i| format!("{{\"type\":\"Feature\",\"properties\":{{\"name\":\"Region {i}\"}},\"geometry\":{{\"type\":\"Point\",\"coordinates\":[{}.{},{}.5]}}}}", i % 180, i * 37 % 100, i % 90))
            .collect::<Vec<_>>()
            .join(",");
        let rows: String = (0..200)
            .map(|i| format!("{i},Product {i},{}.99,{}\n", i * 3 % 50, i % 7))
            .collect();
        let folder = Folder::new()
            .file(
                "data/regions.geojson",
                format!("{{\"type\":\"FeatureCollection\",\"features\":[{features}]}}"),
            )
            .file("data/sales.csv", format!("id,name,price,stock\n{rows}"));
        let findings = folder.findings(RULE);
        assert_eq!(findings.len(), 2, "{findings:#?}");
        assert!(findings[0].starts_with("data/regions.geojson:-:-: has no precompressed"));
        assert!(findings[1].starts_with("data/sales.csv:-:-: has no precompressed"));
        folder.prepared(|prepared, _| {
            for asset in &prepared.assets {
                assert_eq!(asset.kind, crate::kind::AssetKind::Data, "{}", asset.path);
                assert!(asset.gzip.is_some(), "{}", asset.path);
            }
        });
    }

    /// Each asset's path and kind, in the folder's order.
    fn kinds(prepared: &crate::audit::Prepared) -> Vec<(&str, &'static str)> {
        prepared
            .assets
            .iter()
            .map(|a| (a.path.as_str(), a.kind.name()))
            .collect()
    }

    #[test]
    fn passes_for_files_browsers_never_request() {
        // webpack 5's production default moves license comments to `X.LICENSE.txt`, named only
        // in a comment of `X`; `.d.ts` declarations ship beside bundles for editors.
        let license: String = (0..40)
            .map(|i| format!("/*!\n * package-{i} v1.{i}.0 | MIT License | https://example.org/package-{i}\n */\n"))
            .collect();
        let declarations: String = (0..60)
            .map(|i| format!("export declare function helper{i}(value: string, options?: Options{i}): Promise<Result{i}>;\n"))
            .collect();
        let folder = Folder::new()
            .file("static/js/main.3f2a.js", "/*! For license information please see main.3f2a.js.LICENSE.txt */\nconsole.log(1);")
            .file("static/js/main.3f2a.js.LICENSE.txt", license)
            .file("types/index.d.ts", declarations);
        folder.passes(RULE);
        folder.prepared(|prepared, _| {
            assert_eq!(
                kinds(prepared),
                [
                    ("static/js/main.3f2a.js", "script"),
                    ("static/js/main.3f2a.js.LICENSE.txt", "license"),
                    ("types/index.d.ts", "source"),
                ]
            );
            assert!(
                prepared.notes.iter().any(|n| n
                    .contains("1 TypeScript/JSX source or declaration file(s)")
                    && n.contains("1 license file(s) (X.LICENSE.txt beside X")),
                "{:?}",
                prepared.notes
            );
        });
    }

    #[test]
    fn passes_for_an_svg_nothing_uses() {
        // webpack with SVGR inlines icons as components and still emits their files: no page,
        // stylesheet or script names `heidi.3ae548c7.svg`, so no visitor requests it.
        let icon: String = (0..60)
            .map(|i| format!("<path d=\"M{i} {i}h10v10h-10z\" fill=\"#333\"/>\n"))
            .collect();
        let svg = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 100 100\">{icon}</svg>"
        );
        let folder = Folder::new()
            .file("index.html", "<script src=\"main.js\"></script>")
            .file(
                "main.js",
                "const logo=new URL(\"static/media/logo.9a1f2b3c.svg\",document.baseURI);",
            )
            .file("static/media/logo.9a1f2b3c.svg", &svg)
            .file("static/media/heidi.3ae548c7.svg", &svg)
            // A plain name may be put together at run time (`/assets/logos/${name}.svg`):
            // still reported.
            .file("assets/logos/ai21.svg", &svg);
        let findings = folder.findings(RULE);
        assert_eq!(findings.len(), 2, "{findings:?}");
        assert!(
            findings[0].starts_with("assets/logos/ai21.svg:")
                && findings[1].starts_with("static/media/logo.9a1f2b3c.svg:"),
            "{findings:?}"
        );
    }

    #[test]
    fn passes_for_license_collections_a_build_writes() {
        // Angular CLI writes every dependency's license to `3rdpartylicenses.txt`; other
        // builds write `THIRD_PARTY_NOTICES.txt` or `licenses.txt`. A data file that only
        // ends in "txt" is still served.
        let license: String = (0..40)
            .map(|i| format!("package-{i}\nMIT\nPermission is hereby granted, free of charge, to any person obtaining a copy {i}\n\n"))
            .collect();
        let folder = Folder::new()
            .file("3rdpartylicenses.txt", license.clone())
            .file("browser/THIRD_PARTY_NOTICES.txt", license.clone())
            .file(
                "licenses.txt.gz",
                crate::measure::compress::gzip_bytes(license.as_bytes()).unwrap(),
            )
            .file("data/words.txt", license.replace("MIT", "words"));
        folder.prepared(|prepared, _| {
            assert_eq!(
                kinds(prepared),
                [
                    ("3rdpartylicenses.txt", "license"),
                    ("browser/THIRD_PARTY_NOTICES.txt", "license"),
                    ("data/words.txt", "data"),
                    ("licenses.txt.gz", "license"),
                ]
            );
        });
        // Only the data file is served.
        let findings = folder.findings(RULE);
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert!(findings[0].starts_with("data/words.txt:"), "{findings:?}");
    }

    #[test]
    fn passes_for_hidden_files() {
        // Vite writes its build manifest (`build.manifest`, for a server-side integration such
        // as Laravel's or Django's) to `.vite/manifest.json` in the output; Apache's
        // `.htaccess` and `.well-known/` files ship beside pages too. No page requests them.
        let entries: String = (0..40)
            .map(|i| format!("\"src/pages/page{i}.tsx\":{{\"file\":\"assets/page{i}-Cq3x{i}.js\",\"name\":\"page{i}\",\"src\":\"src/pages/page{i}.tsx\",\"isDynamicEntry\":true,\"imports\":[\"_vendor-B8tY.js\"]}}"))
            .collect::<Vec<_>>()
            .join(",");
        let rules: String = (0..60)
            .map(|i| format!("RewriteRule ^old/page{i}/?$ /pages/{i}/ [R=301,L]\n"))
            .collect();
        let folder = Folder::new()
            .file(".vite/manifest.json", format!("{{{entries}}}"))
            .file(".htaccess", rules)
            .file("index.html", "<!doctype html><title>x</title>");
        folder.passes(RULE);
        folder.prepared(|prepared, _| {
            assert_eq!(
                kinds(prepared),
                [
                    (".htaccess", "hidden"),
                    (".vite/manifest.json", "hidden"),
                    ("index.html", "document"),
                ]
            );
            assert!(
                prepared
                    .notes
                    .iter()
                    .any(|n| n.contains("2 hidden file(s), named or in a folder named with a leading `.` (.htaccess, .vite/manifest.json)")),
                "{:?}",
                prepared.notes
            );
        });
    }

    #[test]
    fn finds_a_file_when_only_its_neighbour_has_a_copy() {
        let entry = chunk(60);
        let folder = Folder::new()
            .file("assets/index-BqP3xK9z.js", &entry)
            .gzip("assets/index-BqP3xK9z.js.gz", &entry)
            .file("assets/vendor-DkL9x2Qa.js", chunk(61));
        assert_eq!(
            folder.findings(RULE),
            [
                "assets/vendor-DkL9x2Qa.js:-:-: has no precompressed .br or .gz copy; gzip saves 12.55 kB (88% of 14.25 kB). webaudit expects precompressed files; set `[compression] served = \"dynamic\"` if your host compresses on the fly"
            ]
        );
    }
}
