//! Precompressed files on the real fixtures: a stale copy and text shipped without any on the bad
//! page, none on its good twin, and a host that compresses on the fly. Stale, orphaned, corrupt
//! and useless copies case by case are beside the rules (src/rules/compression_*.rs).

mod common;

use std::fs;
use std::path::Path;

use common::*;

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
