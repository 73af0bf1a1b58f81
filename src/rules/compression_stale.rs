use foldhash::HashMap;

use super::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::analyze::Facts;
use crate::kind::AssetKind;
use crate::model::finding::Violation;

declare_rule! {
    /// ## What it does
    /// Decodes every precompressed `.gz` and `.br` file and compares it with the file it claims
    /// to encode (`app.js.gz` with `app.js`). Reports copies that decode to different content (a
    /// stale build artefact), copies that cannot be decoded, and copies whose original is gone.
    ///
    /// ## Why is this bad?
    /// A server configured to serve precompressed files sends `app.js.gz` instead of `app.js` to
    /// every browser that accepts gzip. A stale copy ships old code to most visitors while the
    /// uncompressed file (what you test with curl) looks right; an undecodable one breaks the
    /// page. An orphaned copy is served for a URL that no longer exists in the build.
    ///
    /// ## How to fix it
    /// Regenerate precompressed files as the last step of every build (after any step that
    /// changes the output), delete the output folder before building, and remove `.gz`/`.br`
    /// files whose original is gone.
    ///
    /// ## Options
    /// None.
    CompressionStale {
        id: "compression/stale",
        summary: "A .gz or .br copy that does not match its original, cannot be decoded, or has no original",
        severity: Error,
    }
}

impl Rule for CompressionStale {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &RuleContext, found: &mut Vec<Violation>) {
        let by_path: HashMap<&str, &crate::measure::Asset> = context
            .assets
            .iter()
            .map(|a| (a.path.as_str(), a))
            .collect();
        for variant in context
            .assets
            .iter()
            .filter(|a| a.kind == AssetKind::Precompressed)
        {
            let Facts::Precompressed(decoded) = &variant.facts else {
                continue;
            };
            let message = match (&variant.original, &decoded.hash, &decoded.error) {
                (_, _, Some(error)) => error.clone(),
                (None, _, None) => {
                    let stem = variant.path.rsplit_once('.').map_or("", |(stem, _)| stem);
                    format!(
                        "its original {stem} is not in the folder: a leftover of an earlier build"
                    )
                }
                (Some(original), Some(hash), None) => match by_path.get(original.as_str()) {
                    // The `.br` of a file shipped only as `.gz` was compared when the audit
                    // linked them (a difference is its decoding error).
                    Some(asset) if asset.encoded_only.is_some() => continue,
                    Some(asset) if asset.content_hash != *hash => format!(
                        "does not decode to {original}: it holds {} bytes of other content (a stale build artefact), while {original} has {}",
                        decoded.size, asset.raw
                    ),
                    _ => continue,
                },
                (Some(_), None, None) => continue,
            };
            found.push(Violation {
                path: Some(variant.path.clone()),
                message,
                ..Violation::default()
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::tester::{Folder, brotli_encode};

    const RULE: &str = "compression/stale";

    const ENTRY: &str = "import{r as o,j as e}from\"./vendor-DkL9x2Qa.js\";function n(){const[t,s]=o.useState(0);return e.jsxs(\"button\",{onClick:()=>s(t+1),children:[\"Clicked \",t,\" times\"]})}o.createRoot(document.getElementById(\"root\")).render(e.jsx(n,{}));\n";
    /// The same entry from the previous build: the label changed since.
    const PREVIOUS_ENTRY: &str = "import{r as o,j as e}from\"./vendor-DkL9x2Qa.js\";function n(){const[t,s]=o.useState(0);return e.jsxs(\"button\",{onClick:()=>s(t+1),children:[\"Count: \",t]})}o.createRoot(document.getElementById(\"root\")).render(e.jsx(n,{}));\n";
    const STYLES: &str = ":root{--brand:#4f46e5}body{margin:0;font-family:Inter,system-ui,sans-serif}.btn{padding:.5rem 1rem;border-radius:.375rem;background:var(--brand);color:#fff}";

    fn brotli(bytes: &[u8]) -> Vec<u8> {
        brotli_encode(bytes)
    }

    #[test]
    fn passes_when_copies_decode_to_their_originals() {
        Folder::new()
            .file("assets/index-BqP3xK9z.js", ENTRY)
            .gzip("assets/index-BqP3xK9z.js.gz", ENTRY)
            .file("assets/index-BqP3xK9z.js.br", brotli(ENTRY.as_bytes()))
            .file("assets/index-C8mN2vQa.css", STYLES)
            .gzip("assets/index-C8mN2vQa.css.gz", STYLES)
            .passes(RULE);
    }

    #[test]
    fn passes_for_compressed_downloads_that_encode_no_asset() {
        let folder = Folder::new()
            .gzip("downloads/release-2.4.0.tar.gz", b"press-kit/logo.svg\0")
            .gzip("downloads/fonts.tgz", b"inter/Inter.woff2\0");
        folder.passes(RULE);
        folder.prepared(|prepared, _| {
            for asset in &prepared.assets {
                assert_eq!(asset.kind, crate::kind::AssetKind::Other, "{}", asset.path);
            }
        });
    }

    #[test]
    fn passes_for_copies_of_source_maps_and_data() {
        let map = r#"{"version":3,"sources":["../../src/main.tsx"],"names":[],"mappings":"AAAA"}"#;
        Folder::new()
            .file("assets/index-BqP3xK9z.js.map", map)
            .gzip("assets/index-BqP3xK9z.js.map.gz", map)
            .file("data/products.json", "[{\"id\":1,\"name\":\"Mug\"}]")
            .file(
                "data/products.json.br",
                brotli(b"[{\"id\":1,\"name\":\"Mug\"}]"),
            )
            .passes(RULE);
    }

    #[test]
    fn finds_a_copy_of_the_previous_build() {
        let folder = Folder::new()
            .file("assets/index-BqP3xK9z.js", ENTRY)
            .gzip("assets/index-BqP3xK9z.js.gz", PREVIOUS_ENTRY);
        assert_eq!(
            folder.findings(RULE),
            [
                "assets/index-BqP3xK9z.js.gz:-:-: does not decode to assets/index-BqP3xK9z.js: it holds 221 bytes of other content (a stale build artefact), while assets/index-BqP3xK9z.js has 231"
            ]
        );
        assert_eq!(
            folder.findings_of(RULE)[0].severity,
            crate::model::finding::Severity::Error
        );
    }

    #[test]
    fn finds_a_stale_brotli_copy_beside_a_current_gzip_one() {
        let folder = Folder::new()
            .file("assets/index-BqP3xK9z.js", ENTRY)
            .gzip("assets/index-BqP3xK9z.js.gz", ENTRY)
            .file(
                "assets/index-BqP3xK9z.js.br",
                brotli(PREVIOUS_ENTRY.as_bytes()),
            );
        assert_eq!(
            folder.findings(RULE),
            [
                "assets/index-BqP3xK9z.js.br:-:-: does not decode to assets/index-BqP3xK9z.js: it holds 221 bytes of other content (a stale build artefact), while assets/index-BqP3xK9z.js has 231"
            ]
        );
    }

    #[test]
    fn finds_copies_that_cannot_be_decoded() {
        let gzip = {
            use std::io::Write;
            let mut encoder =
                flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            encoder.write_all(STYLES.as_bytes()).unwrap();
            encoder.finish().unwrap()
        };
        let folder = Folder::new()
            .file("assets/index-C8mN2vQa.css", STYLES)
            .file("assets/index-C8mN2vQa.css.gz", &gzip[..gzip.len() / 2])
            .file("assets/index-BqP3xK9z.js", ENTRY)
            .file(
                "assets/index-BqP3xK9z.js.br",
                b"<!DOCTYPE html><title>404 Not Found</title>",
            );
        assert_eq!(
            folder.findings(RULE),
            [
                "assets/index-BqP3xK9z.js.br:-:-: cannot be decoded: Invalid Data",
                "assets/index-C8mN2vQa.css.gz:-:-: cannot be decoded: incomplete deflate stream"
            ]
        );
    }

    #[test]
    fn finds_a_copy_whose_original_is_gone() {
        let folder = Folder::new()
            .file("assets/index-BqP3xK9z.js", ENTRY)
            .gzip("assets/index-BqP3xK9z.js.gz", ENTRY)
            .gzip("assets/index-D7fafypN.js.gz", PREVIOUS_ENTRY);
        assert_eq!(
            folder.findings(RULE),
            [
                "assets/index-D7fafypN.js.gz:-:-: its original assets/index-D7fafypN.js is not in the folder: a leftover of an earlier build"
            ]
        );
    }

    #[test]
    fn passes_a_deployment_that_ships_files_only_precompressed() {
        // A compression plugin with `deleteOriginalAssets`: the server answers `app.js` with
        // `app.js.gz`. The copies are the assets, not leftovers.
        let folder = Folder::new()
            .file(
                "index.html",
                "<!doctype html><link rel=stylesheet href=/assets/index-D7fafypN.css><script type=module src=/assets/index-BqP3xK9z.js></script>",
            )
            .gzip("assets/index-BqP3xK9z.js.gz", ENTRY)
            .file("assets/index-D7fafypN.css.br", brotli(STYLES.as_bytes()));
        folder.passes(RULE);
        folder.passes("references/missing");
        folder.prepared(|prepared, _| {
            let page = &prepared.pages[0];
            assert_eq!(page.initial_scripts.files, ["assets/index-BqP3xK9z.js.gz"]);
            assert_eq!(
                page.initial_stylesheets.files,
                ["assets/index-D7fafypN.css.br"]
            );
            let copy = prepared
                .assets
                .iter()
                .find(|a| a.path == "assets/index-BqP3xK9z.js.gz")
                .unwrap();
            // Counted as the script it encodes: raw is what it decodes to, and its own size is
            // what travels.
            assert_eq!(copy.kind, crate::kind::AssetKind::Script);
            assert_eq!(copy.raw, ENTRY.len() as u64);
            let own = std::fs::metadata(&copy.file).unwrap().len();
            assert_eq!(copy.gzip, Some(own));
            assert_eq!(page.initial_scripts.gzip, own);
            assert_eq!(
                copy.encoded_only,
                Some(crate::model::asset::Algorithm::Gzip)
            );
            assert!(
                prepared
                    .notes
                    .iter()
                    .any(|n| n.starts_with("2 file(s) are shipped only precompressed")),
                "{:?}",
                prepared.notes
            );
        });
    }

    #[test]
    fn passes_copies_no_page_loads_in_a_folder_shipped_precompressed() {
        // Cockpit's packages: translations `po.de.js.gz` fetched by its server, never named by
        // a page, in folders with no plain script, beside another folder (`static/`) that
        // ships its scripts plain. The build writes each folder one way: these are the assets.
        let folder = Folder::new()
            .file("static/login.js", ENTRY)
            .gzip("users/users.js.gz", ENTRY)
            .gzip("users/po.de.js.gz", PREVIOUS_ENTRY)
            .gzip("users/po.fr.js.gz", STYLES)
            .file("users/po.pt_BR.js.br", brotli(STYLES.as_bytes()));
        folder.passes(RULE);
        folder.prepared(|prepared, _| {
            let kinds: Vec<_> = prepared
                .assets
                .iter()
                .filter(|a| a.path.starts_with("users/"))
                .map(|a| (a.path.as_str(), a.kind, a.raw))
                .collect();
            assert!(
                kinds
                    .iter()
                    .all(|(_, kind, _)| *kind == crate::kind::AssetKind::Script),
                "{kinds:?}"
            );
        });
    }

    #[test]
    fn a_brotli_copy_beside_a_gzip_copy_of_a_file_shipped_only_precompressed_is_its_variant() {
        let folder = Folder::new()
            .gzip("assets/app-BqP3xK9z.js.gz", ENTRY)
            .file("assets/app-BqP3xK9z.js.br", brotli(ENTRY.as_bytes()));
        folder.passes(RULE);
        folder.prepared(|prepared, _| {
            let gzip = prepared
                .assets
                .iter()
                .find(|a| a.path == "assets/app-BqP3xK9z.js.gz")
                .unwrap();
            assert_eq!(gzip.variants, ["assets/app-BqP3xK9z.js.br"]);
            let brotli_size = std::fs::metadata(gzip.file.with_extension("br"))
                .unwrap()
                .len();
            assert_eq!(gzip.brotli, Some(brotli_size));
        });
        // A brotli copy that decodes to something else than the gzip copy is stale.
        let folder = Folder::new().gzip("assets/app-BqP3xK9z.js.gz", ENTRY).file(
            "assets/app-BqP3xK9z.js.br",
            brotli(PREVIOUS_ENTRY.as_bytes()),
        );
        assert_eq!(
            folder.findings(RULE),
            [format!(
                "assets/app-BqP3xK9z.js.br:-:-: does not decode to what assets/app-BqP3xK9z.js.gz decodes to: it holds {} bytes of other content (a stale build artefact), while assets/app-BqP3xK9z.js.gz holds {}",
                PREVIOUS_ENTRY.len(),
                ENTRY.len()
            )]
        );
    }

    #[test]
    fn finds_an_orphan_copy_in_a_folder_that_ships_that_format_plain() {
        // The build in `assets/` writes plain scripts without copies: an orphan `.gz` there is
        // left from an earlier build.
        let folder = Folder::new()
            .file("assets/index-BqP3xK9z.js", ENTRY)
            .gzip("assets/index-D7fafypN.js.gz", PREVIOUS_ENTRY);
        assert_eq!(
            folder.findings(RULE),
            [
                "assets/index-D7fafypN.js.gz:-:-: its original assets/index-D7fafypN.js is not in the folder: a leftover of an earlier build"
            ]
        );
    }

    #[test]
    fn a_copy_shipped_alone_is_read_as_the_file_it_encodes() {
        // The page loads `app.js` (shipped as `app.js.gz`), which imports `vendor.js` (shipped
        // as `vendor.js.gz`); its stylesheet, shipped as `.gz`, uses an image.
        let folder = Folder::new()
            .file(
                "index.html",
                "<!doctype html><link rel=stylesheet href=/assets/app.css><script type=module src=/assets/app.js></script>",
            )
            .gzip("assets/app.js.gz", "import{r}from\"./vendor.js\";r();")
            .gzip("assets/vendor.js.gz", "export function r(){document.title=\"x\"}")
            .gzip("assets/app.css.gz", "body{background:url(bg.png)}")
            .png("assets/bg.png", 40, 30);
        folder.passes(RULE);
        folder.passes("references/missing");
        folder.prepared(|prepared, _| {
            assert_eq!(
                prepared.pages[0].initial_scripts.files,
                ["assets/app.js.gz", "assets/vendor.js.gz"]
            );
            let site = crate::site::build(
                &prepared.assets,
                &prepared.skipped,
                &prepared.config,
                &prepared.pages,
            );
            assert!(
                site.unreferenced_images.is_empty(),
                "{:?}",
                site.unreferenced_images
            );
        });
    }
}
