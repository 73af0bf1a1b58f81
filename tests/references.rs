//! references/missing: references in HTML and CSS to files that are not in the folder.

mod common;

use std::fs;

use common::*;

fn missing(report: &serde_json::Value) -> Vec<(String, u64, u64, String)> {
    findings(report, "references/missing")
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn every_missing_file_of_the_fixture_is_reported_at_its_reference_and_nothing_else() {
    let (_, report) = json_report(&fixture("broken-refs"), &["--no-config"]);
    let found = missing(&report);
    let located: Vec<(&str, u64, u64, &str)> = found
        .iter()
        .map(|(path, line, column, message)| {
            // The quoted reference as written.
            let reference = message.split('"').nth(1).unwrap();
            (path.as_str(), *line, *column, reference)
        })
        .collect();
    // The table of fixtures/broken-refs/README.md.
    assert_eq!(
        located,
        [
            ("css/site.css", 1, 1, "typography.css"),
            ("css/site.css", 10, 21, "../img/card-bg.webp"),
            ("index.html", 7, 3, "/css/print.css"),
            ("index.html", 8, 3, "fonts/inter-latin.woff2"),
            ("index.html", 11, 27, "img/banner.webp"),
            ("index.html", 16, 3, "img/hero.jpg"),
            ("index.html", 16, 3, "img/hero-640.jpg"),
            ("index.html", 20, 5, "img/camera-photo-32.webp"),
            ("index.html", 23, 3, "img/poster.jpg"),
            ("index.html", 24, 5, "media/clip.mp4"),
            ("index.html", 26, 48, "img/texture%20paper.png"),
            ("index.html", 27, 3, "embed/"),
            ("index.html", 29, 3, "js/app.js?v=3"),
        ]
    );
    for finding in findings(&report, "references/missing") {
        assert_eq!(finding["severity"], "warning");
    }
    let messages: Vec<&str> = found.iter().map(|f| f.3.as_str()).collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("(the file img/texture paper.png)"))
    );
    assert!(messages.iter().any(|m| m.contains("(no embed/index.html)")));
    assert!(messages.iter().any(|m| m.starts_with("<video poster>")));
}

#[test]
fn the_good_fixtures_and_real_builds_reference_only_existing_files() {
    for folder in [
        "images-bad",
        "images-good",
        "vite-app/dist",
        "treeshake-bad/dist",
        "treeshake-good/dist",
    ] {
        let (_, report) = json_report(&fixture(folder), &["--no-config"]);
        assert!(
            missing(&report).is_empty(),
            "{folder}: {:?}",
            missing(&report)
        );
    }
}

#[test]
fn root_absolute_css_imports_under_the_base_path_are_found_and_loaded() {
    let site = tempfile::tempdir().unwrap();
    let root = site.path();
    fs::create_dir_all(root.join("css")).unwrap();
    fs::write(root.join("webaudit.toml"), "[pages]\nbase = \"/app/\"\n").unwrap();
    fs::write(
        root.join("index.html"),
        "<!doctype html><link rel=stylesheet href=\"/app/css/main.css\">\n",
    )
    .unwrap();
    fs::write(
        root.join("css/main.css"),
        "@import \"/app/css/more.css\";\n@import \"/app/css/gone.css\";\n",
    )
    .unwrap();
    fs::write(root.join("css/more.css"), "a { color: red }\n").unwrap();
    let (_, report) = json_report(root, &[]);
    let found = missing(&report);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].0.as_str(), found[0].1), ("css/main.css", 2));
    let page = &report["pages"][0];
    assert_eq!(
        page["initial_stylesheets"]["files"],
        serde_json::json!(["css/main.css", "css/more.css"])
    );
}

#[test]
fn character_references_in_attributes_are_decoded_before_the_file_is_looked_up() {
    let site = tempfile::tempdir().unwrap();
    let root = site.path();
    let mut png = Vec::new();
    image::RgbImage::new(2, 2)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    fs::write(root.join("café.png"), &png).unwrap();
    fs::write(root.join("a&copy=2.png"), &png).unwrap();
    fs::write(
        root.join("index.html"),
        concat!(
            "<!doctype html>\n",
            "<img src=\"caf&eacute;.png\" width=2 height=2>\n",
            // A legacy name without `;` decodes before a character that is not a letter,
            // digit or `=`…
            "<img src=\"caf&eacute.png\" width=2 height=2>\n",
            "<img src=\"caf&#233;.png\" width=2 height=2>\n",
            "<img src=\"caf&#xE9;.png\" width=2 height=2>\n",
            "<img src=\"caf%C3%A9.png\" width=2 height=2>\n",
            // …and stays as written before `=`: this is the file `a&copy=2.png`.
            "<img src=\"a&copy=2.png\" width=2 height=2>\n",
            "<img src=\"gon&eacute;.png\" width=2 height=2>\n",
        ),
    )
    .unwrap();
    let (_, report) = json_report(root, &["--no-config"]);
    let found = missing(&report);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].0.as_str(), found[0].1), ("index.html", 8));
    assert!(found[0].3.contains("\"goné.png\""), "{:?}", found[0].3);
}
