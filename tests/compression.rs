//! Precompressed files: stale, orphaned, corrupt and useless copies, and text shipped without any.

mod common;

use std::fs;
use std::io::Write;
use std::path::Path;

use common::*;

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

fn brotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli::BrotliCompress(
        &mut &bytes[..],
        &mut out,
        &brotli::enc::BrotliEncoderParams::default(),
    )
    .unwrap();
    out
}

fn located(report: &serde_json::Value, rule: &str) -> Vec<String> {
    let mut paths: Vec<String> = findings(report, rule)
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect();
    paths.sort();
    paths
}

#[test]
fn the_bad_page_has_a_stale_gz_and_text_without_copies_and_the_good_twin_has_neither() {
    let (_, bad) = json_report(&fixture("images-bad"), &["--no-config"]);
    assert_eq!(
        located(&bad, "compression/stale"),
        ["vendor/normalize.css.gz"]
    );
    let stale = &findings(&bad, "compression/stale")[0];
    assert_eq!(stale["severity"], "error");
    assert_eq!(
        located(&bad, "compression/missing"),
        ["fonts/OpenSans-Regular.ttf", "index.html"]
    );
    let ttf = findings(&bad, "compression/missing")
        .into_iter()
        .find(|f| f["path"] == "fonts/OpenSans-Regular.ttf")
        .unwrap();
    let asset = asset(&bad, "fonts/OpenSans-Regular.ttf");
    assert_eq!(
        ttf["saving"].as_u64(),
        Some(asset["raw"].as_u64().unwrap() - asset["gzip"].as_u64().unwrap())
    );

    let (_, good) = json_report(&fixture("images-good"), &["--no-config"]);
    for rule in [
        "compression/stale",
        "compression/missing",
        "compression/useless",
    ] {
        assert!(
            findings(&good, rule).is_empty(),
            "{rule}: {:#?}",
            findings(&good, rule)
        );
    }
}

fn folder_with(files: &[(&str, Vec<u8>)]) -> tempfile::TempDir {
    let folder = tempfile::tempdir().unwrap();
    for (name, bytes) in files {
        let path = folder.path().join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, bytes).unwrap();
    }
    folder
}

#[test]
fn orphaned_corrupt_and_useless_copies() {
    let script = "export const answer = 42;\n".repeat(400).into_bytes();
    let photo = fs::read(fixture("images-src/fresh-flower.jpg")).unwrap();
    let folder = folder_with(&[
        ("app.js", script.clone()),
        ("app.js.br", brotli(&script)),
        ("app.js.gz", gzip(&script)),
        ("gone.js.gz", gzip(b"old code")),
        ("corrupt.css", b"body{margin:0}".repeat(200)),
        (
            "corrupt.css.gz",
            b"\x1f\x8b\x08\x00garbage that is not deflate".to_vec(),
        ),
        ("photo.jpg", photo.clone()),
        ("photo.jpg.gz", gzip(&photo)),
        ("tiny.txt", b"ok".to_vec()),
        ("tiny.txt.br", brotli(b"ok")),
        ("release.tar.gz", gzip(b"an archive to download")),
    ]);
    let (code, report) = json_report(folder.path(), &["--no-config"]);
    assert_eq!(code, 1, "stale copies are errors");
    assert_eq!(
        located(&report, "compression/stale"),
        ["corrupt.css.gz", "gone.js.gz"]
    );
    let messages: Vec<String> = findings(&report, "compression/stale")
        .iter()
        .map(|f| f["message"].to_string())
        .collect();
    assert!(
        messages.iter().any(|m| m.contains("cannot be decoded")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("gone.js is not in the folder")),
        "{messages:?}"
    );
    // A JPEG gains nothing from gzip; "ok" grows when brotli-wrapped.
    assert_eq!(
        located(&report, "compression/useless"),
        ["photo.jpg.gz", "tiny.txt.br"]
    );
    // A .tar.gz with no original is a download, not a stale copy.
    assert_eq!(asset(&report, "release.tar.gz")["kind"], "other");
    assert!(
        findings(&report, "compression/missing").is_empty(),
        "app.js has its copies"
    );
}

fn write_config(root: &Path, text: &str) -> String {
    let file = root.join("webaudit.toml");
    fs::write(&file, text).unwrap();
    file.to_str().unwrap().to_string()
}

#[test]
fn a_host_that_compresses_on_the_fly_needs_no_copies() {
    let config = tempfile::tempdir().unwrap();
    let dynamic = write_config(config.path(), "[compression]\nserved = \"dynamic\"\n");
    let (_, report) = json_report(&fixture("vite-app/dist"), &["--config", &dynamic]);
    assert!(findings(&report, "compression/missing").is_empty());
    let (_, report) = json_report(&fixture("vite-app/dist"), &["--no-config"]);
    assert_eq!(
        located(&report, "compression/missing"),
        [
            "assets/main-D7fafypN.js",
            "assets/main-DhzmkGAC.css",
            "assets/style-Ddld_3hZ.js"
        ]
    );
    let wrong = write_config(config.path(), "[compression]\nserved = \"sometimes\"\n");
    let run = run(&[
        fixture("vite-app/dist").to_str().unwrap(),
        "--no-cache",
        "--config",
        &wrong,
    ]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("webaudit.toml:2:10") && run.stderr.contains("dynamic"),
        "{}",
        run.stderr
    );
}
