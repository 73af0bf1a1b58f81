//! Two formats of one font face downloaded: what `html/preload` reports on a real Vite build
//! (fixtures/font-formats: `@fontsource/inter`, whose `@font-face` rules list WOFF2 then WOFF)
//! against what headless Chromium fetches. `index.html` preloads the latin face's WOFF: the
//! browser downloads it and the WOFF2 the `@font-face` picks, and webaudit reports the
//! preload with the WOFF's size as the saving. `woff2.html` preloads the WOFF2 itself: one
//! download, no finding. Neither page fetches the other `unicode-range` subsets (Cyrillic,
//! Greek, Vietnamese…): faces that differ by range are not duplicates.
//!
//! Needs Debian's `chromium` and Node, as `tests/entry_graph_browser.rs`.

mod common;

use std::process::Command;

use common::*;
use serde_json::Value;

/// Every font request Chromium makes on the first load of `page` (one entry per request).
fn font_requests(folder: &std::path::Path, page: &str) -> Vec<String> {
    let output = Command::new("node")
        .arg(repo().join("tests/oracle/chromium_requests.js"))
        .arg(folder)
        .arg(page)
        .env("ORACLE_TYPES", "Font")
        .output()
        .expect("node runs (the browser oracle)");
    assert!(
        output.status.success(),
        "the browser oracle failed (is Debian's chromium installed?): {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let result: Value = serde_json::from_slice(&output.stdout).expect("the oracle prints JSON");
    result["font_requests"]
        .as_array()
        .expect("font requests recorded")
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_preloaded_fallback_format_is_downloaded_besides_the_face_and_reported() {
    let folder = fixture("font-formats/dist");
    let (_, report) = json_report(&folder, &["--no-config", "--fail-on", "never"]);
    let preload = findings(&report, "html/preload");

    let fetched = font_requests(&folder, "index.html");
    let [woff2, woff] = &fetched[..] else {
        panic!("two font downloads expected: {fetched:?}")
    };
    assert!(
        woff2.ends_with(".woff2") && woff.ends_with(".woff"),
        "{fetched:?}"
    );
    let stem = |file: &str| file.rsplit_once('-').unwrap().0.to_string();
    assert_eq!(stem(woff2), stem(woff), "the same face: {fetched:?}");

    let on_index: Vec<&&Value> = preload
        .iter()
        .filter(|f| f["path"] == "index.html")
        .collect();
    let [finding] = &on_index[..] else {
        panic!("one html/preload finding on index.html: {preload:?}")
    };
    let message = finding["message"].as_str().unwrap();
    assert!(
        message.contains(&format!(
            "preloads {woff}, which every @font-face listing it (Inter) names after {woff2}"
        )),
        "{message}"
    );
    let size = std::fs::metadata(folder.join(woff)).unwrap().len();
    assert_eq!(finding["saving"].as_u64(), Some(size));
    assert_eq!(finding["subject"].as_str(), Some(woff.as_str()));

    // Preloading the format the face downloads: one request, nothing reported.
    assert_eq!(
        font_requests(&folder, "woff2.html"),
        std::slice::from_ref(woff2)
    );
    assert!(
        preload.iter().all(|f| f["path"] != "woff2.html"),
        "{preload:?}"
    );
}
