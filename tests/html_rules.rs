//! Rules read from HTML and CSS facts: unsized images and web-font loading.

mod common;

use std::fs;

use common::*;

fn locations(report: &serde_json::Value, rule: &str) -> Vec<(String, u64, u64)> {
    findings(report, rule)
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn the_bad_page_is_reported_at_its_lines_and_the_good_twin_is_clean() {
    let (_, bad) = json_report(&fixture("images-bad"), &["--no-config"]);
    let unsized_lines: Vec<u64> = locations(&bad, "images/unsized")
        .iter()
        .map(|(_, line, _)| *line)
        .collect();
    // The fixture's README: hero (13) and gallery images without width/height; 43 and 73
    // declare a (too small) size and are not unsized.
    assert_eq!(unsized_lines, [13, 48, 53, 58, 63, 68, 78, 88]);
    assert_eq!(
        locations(&bad, "fonts/font-display"),
        [("style.css".to_string(), 9, 1)]
    );
    assert_eq!(
        locations(&bad, "fonts/legacy-format"),
        [("style.css".to_string(), 11, 8)]
    );

    for folder in ["images-good", "vite-app/dist", "treeshake-good/dist"] {
        let (_, good) = json_report(&fixture(folder), &["--no-config"]);
        for rule in [
            "images/unsized",
            "fonts/font-display",
            "fonts/legacy-format",
        ] {
            assert!(
                findings(&good, rule).is_empty(),
                "{folder} {rule}: {:#?}",
                findings(&good, rule)
            );
        }
    }
}

#[test]
fn what_counts_as_sized_and_as_a_modern_font() {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path();
    fs::write(
        root.join("index.html"),
        concat!(
            "<!doctype html><body>\n",
            "<img src=a.jpg width=300 height=200>\n",
            "<img src=b.jpg width=\"300px\" style=\"aspect-ratio: 3 / 2\">\n",
            "<img src=c.jpg style=\"width: 30px; height: 20px\">\n",
            "<img src=\"data:image/svg+xml,%3Csvg%3E%3C/svg%3E\">\n",
            "<img src=d.jpg width=300>\n",
            "<img src=e.jpg width=50% height=20%>\n",
            "</body>\n"
        ),
    )
    .unwrap();
    fs::write(
        root.join("fonts.css"),
        concat!(
            "@font-face{font-family:A;src:local(A),url(a.woff2) format(\"woff2\"),url(a.woff) format(\"woff\");font-display:swap}\n",
            "@font-face{font-family:B;src:url(b.ttf),url(b.woff2);font-display:optional}\n",
            "@font-face{font-family:C;src:url(c.woff);font-display:block}\n",
            "@font-face{font-family:D;src:url(d.woff2?v=2);font-display:auto}\n",
        ),
    )
    .unwrap();
    let (_, report) = json_report(root, &["--no-config"]);
    let unsized_lines: Vec<u64> = locations(&report, "images/unsized")
        .iter()
        .map(|(_, line, _)| *line)
        .collect();
    assert_eq!(
        unsized_lines,
        [6, 7],
        "one dimension missing, and percentages, are unsized"
    );
    let display: Vec<u64> = locations(&report, "fonts/font-display")
        .iter()
        .map(|(_, line, _)| *line)
        .collect();
    assert_eq!(
        display,
        [3, 4],
        "block and auto hide text; swap and optional do not"
    );
    let legacy = findings(&report, "fonts/legacy-format");
    assert_eq!(legacy.len(), 2, "{legacy:#?}");
    assert!(
        legacy[0]["message"]
            .as_str()
            .unwrap()
            .contains("list the WOFF2 source first")
    );
    assert!(legacy[1]["message"].as_str().unwrap().contains("c.woff"));
}
