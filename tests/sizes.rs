//! Sizes are exact: every gzip size equals the independent oracle's (CPython's zlib), and every
//! brotli size equals Google's encoder's (Node's zlib).

mod common;

use std::path::{Path, PathBuf};

use common::*;

fn compressible_assets(report: &serde_json::Value) -> Vec<&serde_json::Value> {
    report["assets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| !a["gzip"].is_null())
        .collect()
}

fn check_against_oracles(root: &Path) {
    let (code, report) = json_report(root, &["--brotli", "--no-config", "--fail-on", "never"]);
    assert_eq!(code, 0);
    let assets = compressible_assets(&report);
    assert!(
        assets.len() >= 3,
        "expected several compressible assets in {}",
        root.display()
    );
    let paths: Vec<PathBuf> = assets
        .iter()
        .map(|a| root.join(a["path"].as_str().unwrap()))
        .collect();
    let gzip = python_gzip_sizes(&paths);
    let brotli = node_brotli_sizes(&paths);
    for (asset, path) in assets.iter().zip(&paths) {
        let key = path.display().to_string();
        assert_eq!(
            asset["gzip"].as_u64(),
            Some(gzip[&key]),
            "gzip size of {key}"
        );
        assert_eq!(
            asset["brotli"].as_u64(),
            Some(brotli[&key]),
            "brotli size of {key}"
        );
    }
}

#[test]
fn vite_app_sizes_match_the_reference_encoders() {
    check_against_oracles(&fixture("vite-app/dist"));
}

#[test]
fn treeshake_fixture_sizes_match_the_reference_encoders() {
    // Its bundle is larger than `OVERLAP_MIN_BYTES`: its gzip, brotli and analysis run side by
    // side on threads of their own, and must give the sizes sequential work gives.
    let bundle = fixture("treeshake-bad/dist/assets/index-D6t1oOL9.js");
    assert!(std::fs::metadata(bundle).unwrap().len() >= webaudit::measure::OVERLAP_MIN_BYTES);
    check_against_oracles(&fixture("treeshake-bad/dist"));
}

#[test]
fn a_file_bigger_than_a_workers_share_is_sized_exactly_on_several_threads() {
    // Over `parallel_gzip::MIN_PARALLEL_BYTES` and over half the folder's bytes: with two
    // workers its gzip size is derived from pieces compressed side by side.
    let folder = tempfile::tempdir().unwrap();
    let bundle = folder.path().join("bundle.js");
    let mut text = String::new();
    let mut i: u64 = 7;
    while text.len() < 6 * 1024 * 1024 {
        i = i
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        text.push_str(&format!(
            "function f{}(a){{return a.map(x=>x*{})}}\n",
            i % 50_021,
            (i >> 40) % 977
        ));
    }
    std::fs::write(&bundle, &text).unwrap();
    std::fs::write(folder.path().join("small.css"), "p{margin:0}\n".repeat(40)).unwrap();
    assert!(text.len() as u64 >= webaudit::measure::parallel_gzip::MIN_PARALLEL_BYTES as u64);
    let (code, report) = json_report(
        folder.path(),
        &["--no-config", "--threads", "2", "--fail-on", "never"],
    );
    assert_eq!(code, 0);
    let asset = report["assets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["path"] == "bundle.js")
        .unwrap();
    let expected = python_gzip_sizes(std::slice::from_ref(&bundle));
    assert_eq!(
        asset["gzip"].as_u64(),
        Some(expected[&bundle.display().to_string()])
    );
}

#[test]
fn a_large_generated_file_is_streamed_and_sized_exactly() {
    // Larger than the in-memory limit (64 MiB), so the streaming path measures it.
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("huge.js");
    let mut text = String::with_capacity(70 * 1024 * 1024);
    let mut i: u64 = 0;
    while text.len() < 70 * 1024 * 1024 {
        // Varied enough that deflate has real work; deterministic so failures reproduce.
        i = i
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        text.push_str(&format!(
            "export const v{} = {};\n",
            i % 100_003,
            (i >> 33) % 1_000_000
        ));
    }
    std::fs::write(&path, &text).unwrap();
    std::fs::write(
        folder.path().join("small.css"),
        "body { margin: 0 }\n".repeat(50),
    )
    .unwrap();

    let (code, report) = json_report(folder.path(), &["--no-config", "--fail-on", "never"]);
    assert_eq!(code, 0);
    let huge = asset(&report, "huge.js");
    assert_eq!(huge["raw"].as_u64(), Some(text.len() as u64));
    let expected = python_gzip_sizes(&[path.clone(), folder.path().join("small.css")]);
    assert_eq!(
        huge["gzip"].as_u64(),
        Some(expected[&path.display().to_string()])
    );
    assert_eq!(
        asset(&report, "small.css")["gzip"].as_u64(),
        Some(expected[&folder.path().join("small.css").display().to_string()])
    );
}

#[test]
fn zero_byte_files_have_exact_sizes() {
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join("empty.js"), "").unwrap();
    std::fs::write(folder.path().join("empty.png"), "").unwrap();
    let (code, report) = json_report(folder.path(), &["--brotli", "--no-config"]);
    assert_eq!(code, 0);
    let js = asset(&report, "empty.js");
    assert_eq!(
        (
            js["raw"].as_u64(),
            js["gzip"].as_u64(),
            js["brotli"].as_u64()
        ),
        (Some(0), Some(20), Some(1))
    );
    let png = asset(&report, "empty.png");
    assert_eq!((png["raw"].as_u64(), png["gzip"].as_u64()), (Some(0), None));
}
