//! The HTML report in a real browser: headless Chromium (Debian's `chromium`, which `.ci/run`
//! installs) opens `--format html` output through its file:// URL, driven over the DevTools
//! protocol by `tests/browser/open_report.js`. The page must draw itself with no console error
//! and no request but the file itself; its treemap must have one rectangle per package of each
//! bundle (and one per bundle's unmapped bytes) with areas proportional to the bytes the JSON
//! report gives; with `--baseline`, the packages that changed are the ones outlined; a file name
//! made of markup shows as text. Each run's screenshot is left in
//! `target/tmp/html_report/CASE/report.png` for a person to look at.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use serde_json::Value;

/// Where a case's report and screenshot go (kept after the test, under `target/tmp`).
fn output_folder(case: &str) -> PathBuf {
    let folder = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("html_report")
        .join(case);
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).unwrap();
    folder
}

/// Writes `folder`'s HTML report into `out` and returns its path.
fn html_report(folder: &Path, out: &Path, args: &[&str]) -> PathBuf {
    let path = out.join("report.html");
    let output = webaudit()
        .arg(folder)
        .args(["--no-cache", "--no-config", "--fail-on", "never"])
        .args(args)
        .arg("--report")
        .arg(format!("html={}", path.display()))
        .output()
        .expect("webaudit runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    path
}

/// What Chromium saw of the page (see the script's header for the fields).
fn open_in_chromium(report: &Path, out: &Path, size: &str, scheme: &str) -> Value {
    open_and_act(report, out, size, scheme, &serde_json::json!([]))
}

/// [`open_in_chromium`], doing `steps` (clicks, key presses, typing, probes: see the script's
/// header) once the page has drawn itself.
fn open_and_act(report: &Path, out: &Path, size: &str, scheme: &str, steps: &Value) -> Value {
    let output = Command::new("node")
        .arg(repo().join("tests/browser/open_report.js"))
        .arg(report)
        .arg(out)
        .arg(size)
        .arg(scheme)
        .arg("")
        .arg(steps.to_string())
        .output()
        .expect("node runs (the browser driver)");
    assert!(
        output.status.success(),
        "the browser driver failed (is Debian's chromium installed?): {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("the driver prints JSON")
}

/// The checks every page passes: drawn, quiet, offline, a screenshot.
fn assert_drew_itself_offline(page: &Value, out: &Path) {
    assert_eq!(
        page["ready"], "true",
        "the page did not draw: {}",
        page["text"]
    );
    assert_eq!(
        page["console"].as_array().unwrap().len(),
        0,
        "console messages: {}",
        page["console"]
    );
    let requests = page["requests"].as_array().unwrap();
    assert!(
        requests.iter().all(|url| url == &page["url"]),
        "requests other than the file itself: {requests:?}"
    );
    // The report, the rules' documentation, the page's script: nothing else is a script.
    assert_eq!(page["scripts"], 3);
    assert_eq!(page["injected"], false);
    let shot = std::fs::read(out.join("report.png")).expect("a screenshot");
    assert!(shot.starts_with(b"\x89PNG\r\n\x1a\n") && shot.len() > 10_000);
}

/// (bundle, package or `[own code]` or unmapped) → bytes, from the JSON report: what the
/// treemap's first level must show, rectangle for rectangle.
fn expected_rectangles(report: &Value) -> BTreeMap<(String, String, String), u64> {
    let mut expected = BTreeMap::new();
    for asset in report["assets"].as_array().unwrap() {
        let kind = asset["kind"].as_str().unwrap();
        if kind != "script" && kind != "stylesheet" {
            continue;
        }
        let bundle = asset["path"].as_str().unwrap().to_string();
        let mut add = |kind: &str, name: &str, bytes: u64| {
            if bytes > 0 {
                *expected
                    .entry((bundle.clone(), kind.to_string(), name.to_string()))
                    .or_insert(0) += bytes;
            }
        };
        match asset.get("composition") {
            Some(composition) => {
                for package in composition["packages"].as_array().unwrap() {
                    add(
                        "package",
                        package["name"].as_str().unwrap(),
                        package["raw"].as_u64().unwrap(),
                    );
                }
                add(
                    "package",
                    "[own code]",
                    composition["own_code"].as_u64().unwrap(),
                );
                add(
                    "unmapped",
                    "unmapped bytes",
                    composition["unmapped"].as_u64().unwrap(),
                );
            }
            None => add("unmapped", "no source map", asset["raw"].as_u64().unwrap()),
        }
    }
    expected
}

/// One rectangle per package of each bundle, each with an area proportional to its bytes.
fn assert_treemap_matches(page: &Value, report: &Value) {
    let expected = expected_rectangles(report);
    let mut drawn: BTreeMap<(String, String, String), f64> = BTreeMap::new();
    let mut count: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    for tile in page["tiles"].as_array().unwrap() {
        let key = (
            tile["chunk"].as_str().unwrap().to_string(),
            tile["kind"].as_str().unwrap().to_string(),
            tile["name"].as_str().unwrap().to_string(),
        );
        let area = tile["width"].as_f64().unwrap() * tile["height"].as_f64().unwrap();
        *drawn.entry(key.clone()).or_insert(0.0) += area;
        *count.entry(key).or_insert(0) += 1;
    }
    // Two copies of one package in a bundle are two rectangles under one name.
    let copies = |key: &(String, String, String)| -> usize {
        let Some(asset) = report["assets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["path"] == key.0.as_str())
        else {
            return 0;
        };
        match (key.1.as_str(), asset.get("composition")) {
            ("package", Some(c)) if key.2 != "[own code]" => c["packages"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|p| p["name"] == key.2.as_str() && p["raw"].as_u64() > Some(0))
                .count(),
            _ => 1,
        }
    };
    assert_eq!(
        drawn.keys().collect::<BTreeSet<_>>(),
        expected.keys().collect::<BTreeSet<_>>(),
        "the treemap's rectangles are not the report's packages"
    );
    for (key, n) in &count {
        assert_eq!(*n, copies(key), "rectangles for {key:?}");
    }
    let total_area: f64 = drawn.values().sum();
    let total_bytes: u64 = expected.values().sum();
    let px_per_byte = total_area / total_bytes as f64;
    assert!(
        total_area > 100_000.0,
        "a treemap too small to see: {total_area} px²"
    );
    for (key, bytes) in &expected {
        let area = drawn[key];
        let want = *bytes as f64 * px_per_byte;
        // Layout positions are multiples of 1/64 px: a tiny rectangle may be off by a pixel.
        assert!(
            (area - want).abs() <= want * 0.01 + 2.0,
            "{key:?}: {area:.1} px² for {bytes} bytes, {want:.1} px² expected"
        );
    }
}

#[test]
fn treeshake_bad_report_opens_offline_with_a_proportional_treemap() {
    let folder = fixture("treeshake-bad/dist");
    let out = output_folder("treeshake-bad");
    let (_, report) = json_report(&folder, &["--no-config", "--fail-on", "never"]);
    assert!(
        !expected_rectangles(&report).is_empty(),
        "the fixture has bundles with source maps"
    );
    let html = html_report(&folder, &out, &[]);
    let page = open_in_chromium(&html, &out, "1280x900", "light");
    assert_drew_itself_offline(&page, &out);
    assert_treemap_matches(&page, &report);
    let text = page["text"].as_str().unwrap();
    for finding in report["findings"].as_array().unwrap() {
        assert!(
            text.contains(finding["rule"].as_str().unwrap()),
            "{} not shown",
            finding["rule"]
        );
    }
    assert!(!page["overflow"].as_bool().unwrap());
}

/// Total area of the tiles of each bundle in a probe.
fn area_by_chunk(probe: &Value) -> BTreeMap<String, f64> {
    let mut areas = BTreeMap::new();
    for tile in probe["tiles"].as_array().unwrap() {
        *areas
            .entry(tile["chunk"].as_str().unwrap().to_string())
            .or_insert(0.0) += tile["width"].as_f64().unwrap() * tile["height"].as_f64().unwrap();
    }
    areas
}

/// Clicking a package (with the mouse, or Enter on its rectangle) shows the lines of the app's
/// code that import it, as the JSON report lists them, and each listed line of the fixture's
/// source really imports it; the filter box dims the rectangles and hides the findings that do
/// not match; the brotli switch sizes bundles by their brotli sizes.
#[test]
fn clicking_a_package_shows_its_import_sites_and_the_controls_work() {
    let folder = fixture("treeshake-bad/dist");
    let out = output_folder("import-sites");
    let args = ["--no-config", "--fail-on", "never", "--brotli"];
    let (_, report) = json_report(&folder, &args);
    let lodash = report["assets"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a.get("composition"))
        .flat_map(|c| c["packages"].as_array().unwrap())
        .find(|p| p["name"] == "lodash")
        .expect("lodash is in a bundle");
    let expected: Vec<(String, u64)> = lodash["imported_by"]
        .as_array()
        .expect("lodash has import sites")
        .iter()
        .map(|s| {
            (
                s["source"].as_str().unwrap().to_string(),
                s["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(!expected.is_empty());
    for (source, line) in &expected {
        let text = std::fs::read_to_string(folder.join(source)).unwrap();
        let code = text.lines().nth(*line as usize - 1).unwrap();
        assert!(
            code.contains("import") && code.contains("'lodash"),
            "{source}:{line} is `{code}`"
        );
    }

    let html = html_report(&folder, &out, &["--brotli"]);
    let lodash_tile = r#".tile[data-kind="package"][data-name="lodash"]"#;
    let steps = serde_json::json!([
        {"probe": "start"},
        {"click": lodash_tile},
        {"probe": "clicked"},
        // Back to the bundle (the crumb after "all bundles"), where lodash is a framed group of
        // its files, then Enter on the group's name.
        {"click": ".crumbs button:nth-of-type(2)"},
        {"probe": "bundle"},
        {"press": r#".frame-label[data-kind="package"][data-name="lodash"]"#, "key": "Enter"},
        {"probe": "keyboard"},
        {"click": ".crumbs button"},
        {"click": r#".seg button[data-value="brotli"]"#},
        {"probe": "brotli"},
        {"click": r#".seg button[data-value="raw"]"#},
        {"type": "#filter", "text": "lodash"},
        {"probe": "filtered"},
        {"type": "#filter", "text": ""},
        {"probe": "unfiltered"},
    ]);
    let page = open_and_act(&html, &out, "1280x900", "light", &steps);
    assert_drew_itself_offline(&page, &out);
    let step = |name: &str| &page["steps"][name];
    let sites = |name: &str| -> Vec<(String, u64)> {
        step(name)["why"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["source"].as_str().unwrap().to_string(),
                    s["line"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    assert!(sites("start").is_empty(), "nothing is shown before a click");
    assert_eq!(sites("clicked"), expected, "mouse click");
    assert!(sites("bundle").is_empty(), "zoomed out of the package");
    assert_eq!(sites("keyboard"), expected, "Enter on the rectangle");
    let shown = step("keyboard")["text"].as_str().unwrap();
    assert!(shown.contains("Why is lodash here?"));

    // The filter: lodash's rectangles stay, the others dim; only matching findings remain.
    let tiles = step("filtered")["tiles"].as_array().unwrap();
    assert!(
        tiles
            .iter()
            .any(|t| t["name"] == "lodash" && t["dim"] == false)
    );
    for tile in tiles {
        let matches = [&tile["name"], &tile["chunk"]]
            .iter()
            .any(|v| v.as_str().unwrap_or("").to_lowercase().contains("lodash"));
        if !matches {
            assert_eq!(tile["dim"], true, "{tile}");
        }
    }
    let findings = report["findings"].as_array().unwrap();
    let matching = findings
        .iter()
        .filter(|f| {
            format!(
                "{}\n{}\n{}",
                f["path"].as_str().unwrap_or("null"),
                f["message"],
                f["rule"]
            )
            .to_lowercase()
            .contains("lodash")
        })
        .count();
    assert!(matching > 0 && matching < findings.len());
    assert_eq!(step("filtered")["findings"], matching);
    assert_eq!(step("unfiltered")["findings"], findings.len());
    assert!(
        step("unfiltered")["tiles"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["dim"] == false)
    );

    // The brotli switch: each bundle's area is its share of the bundles' brotli bytes.
    let areas = area_by_chunk(step("brotli"));
    let brotli: BTreeMap<String, f64> = report["assets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["kind"] == "script" || a["kind"] == "stylesheet")
        .map(|a| {
            (
                a["path"].as_str().unwrap().to_string(),
                a["brotli"].as_f64().expect("--brotli sizes"),
            )
        })
        .collect();
    assert!(brotli.len() >= 2);
    let total_area: f64 = areas.values().sum();
    let total_brotli: f64 = brotli.values().sum();
    for (chunk, size) in &brotli {
        let want = size / total_brotli * total_area;
        assert!(
            (areas[chunk] - want).abs() <= want * 0.01 + 4.0,
            "{chunk}: {} px² for brotli {size}, {want:.1} expected",
            areas[chunk]
        );
    }
    // …and differs from the raw layout.
    let raw_areas = area_by_chunk(step("start"));
    assert!(
        raw_areas
            .iter()
            .any(|(chunk, area)| (area - areas[chunk]).abs() > 100.0)
    );
}

#[test]
fn vite_app_next_report_shows_what_changed_since_vite_app() {
    let out = output_folder("vite-app-next");
    let baseline = out.join("baseline.json");
    let output = webaudit()
        .arg(fixture("vite-app/dist"))
        .args(["--no-cache", "--no-config", "--fail-on", "never"])
        .args(["--format", "json", "--output"])
        .arg(&baseline)
        .output()
        .unwrap();
    assert!(output.status.success());
    let baseline = baseline.to_str().unwrap();
    let folder = fixture("vite-app-next/dist");
    let (_, report) = json_report(
        &folder,
        &["--no-config", "--fail-on", "never", "--baseline", baseline],
    );
    let html = html_report(&folder, &out, &["--baseline", baseline]);
    let page = open_in_chromium(&html, &out, "1280x900", "light");
    assert_drew_itself_offline(&page, &out);
    assert_treemap_matches(&page, &report);

    // The outlined rectangles are the packages that grew or shrank in their bundles.
    let mut changed_in_report = BTreeSet::new();
    for package in report["baseline"]["packages"].as_array().unwrap() {
        if package["raw_delta"] != 0 && package["after_raw"] != 0 {
            for bundle in package["bundles"].as_array().unwrap() {
                changed_in_report.insert((
                    bundle.as_str().unwrap().to_string(),
                    package["name"].as_str().unwrap().to_string(),
                ));
            }
        }
    }
    assert!(
        !changed_in_report.is_empty(),
        "the fixtures differ in packages"
    );
    let outlined: BTreeSet<(String, String)> = page["tiles"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["changed"] == true)
        .map(|t| {
            (
                t["chunk"].as_str().unwrap().to_string(),
                t["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(outlined, changed_in_report);
    let text = page["text"].as_str().unwrap();
    assert!(text.contains("What changed"));
    for package in report["baseline"]["packages"].as_array().unwrap() {
        assert!(text.contains(package["name"].as_str().unwrap()));
    }

    // On a phone-sized, dark screen: still drawn, quiet, and no sideways scrolling.
    let phone = out.join("phone");
    let page = open_in_chromium(&html, &phone, "390x844", "dark");
    assert_drew_itself_offline(&page, &phone);
    assert!(!page["overflow"].as_bool().unwrap(), "wider than a phone");
}

#[test]
fn a_file_name_made_of_markup_renders_as_text() {
    let out = output_folder("hostile-name");
    let folder = out.join("dist");
    copy_tree(&fixture("treeshake-bad/dist"), &folder);
    let name = "<script>\"<img src=x onerror=window.__webaudit_injected=true>.js";
    let bundle = std::fs::read_dir(folder.join("assets"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "js"))
        .expect("a script in the fixture");
    std::fs::rename(&bundle, folder.join("assets").join(name)).unwrap();
    let html = html_report(&folder, &out, &[]);
    let page = open_in_chromium(&html, &out, "1280x900", "light");
    assert_drew_itself_offline(&page, &out);
    let text = page["text"].as_str().unwrap();
    assert!(
        text.contains(&format!("assets/{name}")),
        "the name is not shown as text"
    );
    assert!(
        page["tiles"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["chunk"] == format!("assets/{name}").as_str()),
        "the renamed bundle is not in the treemap"
    );
}
