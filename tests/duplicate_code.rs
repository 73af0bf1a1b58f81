//! `bundle/duplicate-code` on real builds without source maps: esbuild's bundle of an app with
//! two lodash releases (fixtures/dup-lodash) gets one finding naming both versions; Vite's
//! bundle with one lodash copy (fixtures/treeshake-bad, its map left out) gets none.

mod common;

use std::fs;

use common::*;
use webaudit::knowledge::Knowledge;

const RULE: &str = "bundle/duplicate-code";

/// The lodash version literals in a script, read independently of webaudit: every `"4.x.y"`
/// (lodash declares its version once per copy; the app's own code has none).
fn lodash_versions_in(script: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(script);
    let mut found: Vec<String> = text
        .match_indices("\"4.")
        .filter_map(|(at, _)| {
            let rest = &text[at + 1..];
            let literal = &rest[..rest.find('"')?];
            let parts: Vec<&str> = literal.split('.').collect();
            let numeric = parts
                .iter()
                .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
            (parts.len() == 3 && numeric).then(|| literal.to_string())
        })
        .collect();
    found.sort();
    found
}

#[test]
fn a_bundle_with_two_lodash_releases_and_no_map_has_one_finding_naming_both() {
    let dist = fixture("dup-lodash/dist");
    let script = fs::read(dist.join("assets/main.js")).unwrap();
    assert!(
        !dist.join("assets/main.js.map").exists(),
        "the fixture is built without a source map"
    );
    let versions = lodash_versions_in(&script);
    assert_eq!(versions, ["4.17.15", "4.17.21"], "the fixture's two copies");

    let (_, report) = json_report(&dist, &["--no-config"]);
    let found = findings(&report, RULE);
    assert_eq!(found.len(), 1, "{found:#?}");
    let finding = found[0];
    assert_eq!(finding["path"], "assets/main.js");
    let message = finding["message"].as_str().unwrap();
    assert!(message.contains("lodash is bundled 2 times"), "{message}");
    for version in &versions {
        assert!(message.contains(version.as_str()), "{version}: {message}");
    }
    // The extra copy at lodash's measured size, within what the chunk can hold.
    let knowledge = Knowledge::built_in();
    let typical = knowledge.get("lodash").unwrap().typical_raw_bytes;
    assert!(typical > 0);
    let saving = finding["saving"].as_u64().unwrap();
    assert_eq!(saving, typical.min(script.len() as u64 / 2));
    // The impact model counts it, at the file's compression ratio.
    let impact = finding["impact"]["bytes"].as_u64().unwrap();
    assert!(impact > 0 && impact < saving, "{impact} of {saving}");
    // No map, so the map-based rule cannot see the copies.
    assert!(findings(&report, "bundle/duplicate-package").is_empty());
}

#[test]
fn a_bundle_with_one_lodash_copy_has_no_finding() {
    // treeshake-bad's Vite chunk bundles lodash.js once; without its map the chunk is searched
    // by signature, and lodash is recognised there.
    let source = fixture("treeshake-bad/dist");
    let folder = tempfile::tempdir().unwrap();
    fs::create_dir_all(folder.path().join("assets")).unwrap();
    fs::copy(source.join("index.html"), folder.path().join("index.html")).unwrap();
    for entry in fs::read_dir(source.join("assets")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "js") {
            let script = fs::read(&path).unwrap();
            // Keep the chunk but drop the comment that names its map.
            let text = String::from_utf8_lossy(&script);
            let without_map: String = text
                .lines()
                .filter(|line| !line.starts_with("//# sourceMappingURL="))
                .collect::<Vec<_>>()
                .join("\n");
            fs::write(
                folder.path().join("assets").join(path.file_name().unwrap()),
                without_map,
            )
            .unwrap();
        }
    }
    let (_, report) = json_report(folder.path(), &["--no-config"]);
    let recognised = findings(&report, "tree-shaking/whole-library-bundled");
    assert!(
        recognised
            .iter()
            .any(|f| f["message"].as_str().unwrap().contains("lodash")),
        "lodash is recognised by its signatures: {recognised:#?}"
    );
    let found = findings(&report, RULE);
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn a_mapped_build_is_left_to_the_map_based_rule() {
    let (_, report) = json_report(&fixture("treeshake-bad/dist"), &["--no-config"]);
    assert!(findings(&report, RULE).is_empty());
}
