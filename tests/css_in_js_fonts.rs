//! Fonts declared in CSS-in-JS on a real build (fixtures/css-in-js-fonts, built by its
//! build.sh): styled-components' `createGlobalStyle` ships two `@font-face` rules inside the
//! bundle's template literal. The font rules must see the faces where they are written in the
//! script; places are checked against the built file, not against webaudit's own arithmetic.

mod common;

use std::fs;

use common::*;
use serde_json::Value;

const DIST: &str = "css-in-js-fonts/dist";

fn report() -> Value {
    json_report(&fixture(DIST), &["--no-config"]).1
}

/// The one script of the build and the (line, column) of each `@font-face` in it.
fn script_faces() -> (String, Vec<(u64, u64)>) {
    let assets = fixture(DIST).join("assets");
    let script = fs::read_dir(&assets)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .find(|name| name.ends_with(".js"))
        .unwrap();
    let text = fs::read_to_string(assets.join(&script)).unwrap();
    let places = text
        .lines()
        .enumerate()
        .filter_map(|(index, line)| {
            let column = line.find("@font-face")?;
            Some((index as u64 + 1, line[..column].chars().count() as u64 + 1))
        })
        .collect();
    (format!("assets/{script}"), places)
}

fn place(finding: &Value) -> (String, u64, u64) {
    (
        finding["path"].as_str().unwrap().to_string(),
        finding["line"].as_u64().unwrap_or(0),
        finding["column"].as_u64().unwrap_or(0),
    )
}

#[test]
fn a_css_in_js_face_without_font_display_is_found_in_the_script() {
    let report = report();
    let (script, faces) = script_faces();
    assert_eq!(
        faces.len(),
        2,
        "the build holds the two faces of src/main.js"
    );
    let found = findings(&report, "fonts/font-display");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(place(found[0]), (script, faces[0].0, faces[0].1));
    assert!(
        found[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("@font-face (Inter) has no font-display"),
        "{found:#?}"
    );
}

#[test]
fn a_css_in_js_face_serving_woff_only_is_found_at_its_source() {
    let report = report();
    let (script, faces) = script_faces();
    let found = findings(&report, "fonts/legacy-format");
    assert_eq!(found.len(), 1, "{found:#?}");
    let (path, line, _) = place(found[0]);
    // The source is written in the bold face, after its `@font-face`.
    assert_eq!(path, script);
    assert!(line > faces[1].0, "{found:#?}");
    let message = found[0]["message"].as_str().unwrap();
    assert!(
        message.contains("/assets/inter-latin-700-normal-") && message.contains("(woff)"),
        "{message}"
    );
}
