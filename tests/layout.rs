//! The layout stage (`webaudit layout`) on hand-written layout cases (fixtures/layout/), against
//! the boxes headless Chromium computed for the same pages with the same fonts
//! (fixtures/layout/chromium-boxes.py wrote expected-chromium.json), and the lazy-loading
//! verdicts it feeds.

mod common;

use common::*;
use serde_json::Value;

/// Boxes and page heights agree with Chromium's within this many CSS px (the target
/// for displayed widths; rounding to the engine's 1/64 px layout unit is far below it).
const TOLERANCE_PX: f64 = 2.0;

fn layout_json() -> Value {
    let run = run(&[
        "layout",
        fixture("layout").to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    serde_json::from_str(&run.stdout).expect("JSON layout")
}

fn page<'a>(layout: &'a Value, path: &str) -> &'a Value {
    layout["pages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["page"] == path)
        .unwrap_or_else(|| panic!("{path} is in the layout"))
}

#[test]
fn boxes_match_chromium_at_both_viewports() {
    let layout = layout_json();
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("layout/expected-chromium.json")).unwrap(),
    )
    .unwrap();
    let mut compared = 0;
    let mut differences = Vec::new();
    for (path, viewports) in expected["pages"].as_object().unwrap() {
        let laid_out = page(&layout, path);
        assert_eq!(
            laid_out["status"], "laid-out",
            "{path}: {}",
            laid_out["note"]
        );
        for (name, chromium) in viewports.as_object().unwrap() {
            let ours = laid_out["viewports"]
                .as_array()
                .unwrap()
                .iter()
                .find(|v| v["name"] == name.as_str())
                .unwrap();
            let mut check = |what: String, ours: f64, theirs: f64| {
                compared += 1;
                if (ours - theirs).abs() > TOLERANCE_PX {
                    differences.push(format!(
                        "{path} {name} {what}: webaudit {ours}, Chromium {theirs}"
                    ));
                }
            };
            check(
                "page height".into(),
                ours["page_height"].as_f64().unwrap(),
                chromium["page_height"].as_f64().unwrap(),
            );
            let elements = chromium["elements"].as_array().unwrap();
            assert_eq!(
                ours["elements"].as_array().unwrap().len(),
                elements.len(),
                "{path} {name}: element count"
            );
            for theirs in elements {
                let mine = ours["elements"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|e| e["kind"] == theirs["kind"] && e["index"] == theirs["index"])
                    .unwrap_or_else(|| panic!("{path} {name}: {theirs} is laid out"));
                assert_eq!(mine["src"], theirs["src"], "{path} {name}: src as written");
                for field in ["x", "y", "width", "height"] {
                    check(
                        format!("{}[{}].{field}", theirs["kind"], theirs["index"]),
                        mine[field].as_f64().unwrap(),
                        theirs[field].as_f64().unwrap(),
                    );
                }
                let height = ours["height"].as_f64().unwrap();
                let y = theirs["y"].as_f64().unwrap();
                let visible = theirs["width"].as_f64().unwrap() > 0.0
                    && y < height
                    && y + theirs["height"].as_f64().unwrap() > 0.0;
                assert_eq!(
                    mine["in_first_viewport"].as_bool().unwrap(),
                    visible,
                    "{path} {name}: {theirs} in the first viewport"
                );
            }
        }
    }
    assert!(compared > 100, "{compared} numbers compared");
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}

#[test]
fn a_page_over_the_nesting_cap_falls_back_and_the_run_goes_on() {
    let layout = layout_json();
    let deep = page(&layout, "deep.html");
    assert_eq!(deep["status"], "fallback");
    assert!(deep["viewports"].as_array().unwrap().is_empty());
    let note = deep["note"].as_str().unwrap();
    assert!(note.contains("nesting-depth cap of 512"), "{note}");
    assert_eq!(page(&layout, "tall.html")["status"], "laid-out");
}

#[test]
fn a_script_rendered_shell_is_laid_out_as_shipped_with_a_note() {
    let layout = layout_json();
    let shell = page(&layout, "spa/index.html");
    assert_eq!(shell["status"], "laid-out");
    assert_eq!(
        shell["note"],
        "content rendered by script: layout covers the static shell only"
    );
    assert_eq!(page(&layout, "tall.html")["note"], Value::Null);
}

#[test]
fn lazy_loading_follows_the_layout_where_it_disagrees_with_the_guess() {
    let (_, report) = json_report(&fixture("layout"), &["--no-config"]);
    let reported: Vec<(String, String)> = findings(&report, "images/lazy-loading")
        .iter()
        .map(|f| {
            let message = f["message"].as_str().unwrap();
            let src = message.split('"').nth(1).unwrap().to_string();
            (f["path"].as_str().unwrap().to_string(), src)
        })
        .collect();
    let on = |page: &str| -> Vec<&str> {
        reported
            .iter()
            .filter(|(p, _)| p == page)
            .map(|(_, src)| src.as_str())
            .collect()
    };
    // The third image, which the guess treats as visible, is 3,000 px down.
    assert_eq!(on("tall.html"), ["img/pushed.jpg", "img/card-1.jpg"]);
    // Four cards in the first screen: the guess would report the fourth.
    assert!(on("grid.html").is_empty(), "{:?}", on("grid.html"));
    // Over the nesting cap: the guess decides (the 4th and 5th images).
    assert_eq!(on("deep.html"), ["img/card-2.jpg", "img/square.jpg"]);
    let notes = report["notes"].as_array().unwrap();
    assert!(
        notes.iter().any(|n| n
            .as_str()
            .unwrap()
            .starts_with("deep.html: layout: not laid out")),
        "{notes:?}"
    );
}

/// Chromium's LCP area and ours (line boxes against glyph boxes for text) agree within this.
const LCP_AREA_TOLERANCE: f64 = 0.10;

#[test]
fn the_lcp_candidate_is_chromiums_at_both_viewports() {
    let layout = layout_json();
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("layout/expected-chromium.json")).unwrap(),
    )
    .unwrap();
    let mut compared = 0;
    for (path, viewports) in expected["pages"].as_object().unwrap() {
        for (name, chromium) in viewports.as_object().unwrap() {
            let ours = &page(&layout, path)["viewports"]
                .as_array()
                .unwrap()
                .iter()
                .find(|v| v["name"] == name.as_str())
                .unwrap()["lcp"];
            let theirs = &chromium["lcp"];
            let kind = match (theirs["tag"].as_str(), theirs["url"].as_str()) {
                (Some("img"), _) => "img",
                (Some("video"), _) => "video",
                (_, Some(_)) => "background",
                _ => "text",
            };
            assert_eq!(
                ours["kind"], kind,
                "{path} {name}: {ours} vs Chromium's {theirs}"
            );
            if kind != "text" {
                assert_eq!(ours["src"], theirs["url"], "{path} {name}");
            }
            let (area, size) = (
                ours["area"].as_f64().unwrap(),
                theirs["size"].as_f64().unwrap(),
            );
            assert!(
                (area - size).abs() <= size * LCP_AREA_TOLERANCE,
                "{path} {name}: area {area}, Chromium {size}"
            );
            compared += 1;
        }
    }
    assert!(compared >= 14, "{compared} candidates compared");
}

#[test]
fn lcp_rules_follow_the_lcp_candidate() {
    let (_, report) = json_report(&fixture("layout"), &["--no-config"]);
    let on = |rule: &str, page: &str| -> Vec<String> {
        findings(&report, rule)
            .iter()
            .filter(|f| f["path"] == page)
            .map(|f| f["message"].as_str().unwrap().to_string())
            .collect()
    };
    // Text is the LCP on phones; the lazy banner at the fold's edge is not (Chromium agrees,
    // see the_lcp_candidate_is_chromiums_at_both_viewports). On desktops the banner is the LCP
    // and it is lazy: images/lcp-lazy's to say, naming the layout, not lcp-priority's.
    assert_eq!(
        on("images/lcp-lazy", "fold-edge.html"),
        [
            "<img src=\"img/wide-800.jpg\"> is the likely LCP image (the page's largest contentful paint on the desktop layout) but has loading=\"lazy\": it is requested late and delays the page's largest paint; remove loading=\"lazy\""
        ]
    );
    assert!(on("images/lcp-priority", "fold-edge.html").is_empty());
    // The code listing's text, laid out around block children (anonymous boxes), is the LCP
    // at both viewports, not the logo beside it (Chromium agrees).
    assert!(on("images/lcp-priority", "mixed.html").is_empty());
    assert!(on("images/lcp-lazy", "mixed.html").is_empty());
    // The hero <img> without fetchpriority, and the background hero without a preload.
    let tall = on("images/lcp-priority", "tall.html");
    assert_eq!(tall.len(), 1, "{tall:?}");
    assert!(
        tall[0].starts_with("<img src=\"img/hero.jpg\">"),
        "{tall:?}"
    );
    let hero = on("images/lcp-priority", "hero-bg.html");
    assert_eq!(hero.len(), 1, "{hero:?}");
    assert!(
        hero[0].contains("img/bg-hero.jpg")
            && hero[0].contains("<link rel=\"preload\" as=\"image\" href=\"img/bg-hero.jpg\""),
        "{hero:?}"
    );
}

/// A re-run takes each page's layout from the cache when nothing it depends on changed: the
/// page, the folder's stylesheets, its images' sizes. Layouts cut short are not kept.
#[test]
fn layouts_are_reused_until_a_page_stylesheet_or_image_changes() {
    use webaudit::layout::{LayoutStatus, lay_out_pages, lay_out_pages_cached};
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path();
    copy_tree(&fixture("layout"), root);
    let scan = webaudit::scan::scan(root, &[]).unwrap();
    let reader =
        webaudit::analyze::AnalyzeContext::new(&scan.files, None, [0; 32], Default::default());
    let mut nothing_kept = webaudit::measure::cache::Cache::disabled();
    let measured = webaudit::measure::measure(
        &scan.files,
        Default::default(),
        Some(&reader),
        &mut nothing_kept,
    );
    let mut assets = measured.assets;
    let cache_folder = tempfile::tempdir().unwrap();
    let mut cache = webaudit::measure::cache::Cache::open(cache_folder.path(), "layout test").0;
    let uncached = lay_out_pages(&assets, None, 0);
    let first = lay_out_pages_cached(&assets, None, 0, &mut cache);
    assert_eq!(first, uncached);
    assert!(first.pages.len() > 5);
    // `--no-cache`: nothing is kept.
    let mut not_kept = webaudit::measure::cache::Cache::disabled();
    lay_out_pages_cached(&assets, None, 0, &mut not_kept);
    assert!(not_kept.is_empty());

    // Without the pages on disk, only a layout from the cache can be a laid-out one.
    let pages: Vec<String> = first.pages.iter().map(|p| p.page.clone()).collect();
    for page in &pages {
        std::fs::remove_file(root.join(page)).unwrap();
    }
    let second = lay_out_pages_cached(&assets, None, 0, &mut cache);
    for (before, after) in first.pages.iter().zip(&second.pages) {
        if before.status == LayoutStatus::Fallback {
            // Cut short (deep.html, over the nesting cap): laid out again, and now unreadable.
            let note = after.note.as_deref().unwrap_or_default();
            assert!(note.contains("not laid out"), "{}: {note}", after.page);
            assert_ne!(before.note, after.note, "{}", after.page);
        } else {
            assert_eq!(before, after, "{} comes from the cache", after.page);
        }
    }

    // A stylesheet's content or an image's size changes: every page is laid out again (and
    // falls back, its file being gone).
    let changes: [fn(&mut webaudit::measure::Asset) -> bool; 2] = [
        |asset| {
            let stylesheet = asset.kind == webaudit::kind::AssetKind::Stylesheet;
            if stylesheet {
                asset.content_hash[0] ^= 1;
            }
            stylesheet
        },
        |asset| match &mut asset.facts {
            webaudit::model::facts::Facts::Image(image) => match &mut image.header {
                Some(header) => {
                    header.width += 1;
                    true
                }
                None => false,
            },
            _ => false,
        },
    ];
    for change in changes {
        let original = assets.clone();
        let changed = assets.iter_mut().map(change).fold(false, |a, b| a | b);
        assert!(changed, "the fixture has what the change needs");
        let again = lay_out_pages_cached(&assets, None, 0, &mut cache);
        assert!(
            again
                .pages
                .iter()
                .all(|p| p.status == LayoutStatus::Fallback),
            "{:?}",
            again
                .pages
                .iter()
                .map(|p| (&p.page, p.status))
                .collect::<Vec<_>>()
        );
        assets = original;
    }
}
