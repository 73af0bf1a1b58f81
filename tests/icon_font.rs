//! An icon font beside a text font on a real build (fixtures/icon-font, built by its build.sh):
//! open-iconic's stylesheet declares its face with no `font-display`, and so does the page's own
//! Inter face. Only Inter's hides text while it loads; the icon font's block period is what an
//! icon font wants (a fallback would draw boxes), and webaudit tells them apart by reading each
//! face's font file.

mod common;

use common::*;
use serde_json::Value;

const DIST: &str = "icon-font/dist";

#[test]
fn the_text_face_is_reported_and_the_icon_face_is_not() {
    let report = json_report(&fixture(DIST), &["--no-config"]).1;
    let stylesheet = std::fs::read_dir(fixture(DIST).join("assets"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .find(|name| name.ends_with(".css"))
        .unwrap();
    let css = std::fs::read_to_string(fixture(DIST).join("assets").join(&stylesheet)).unwrap();
    // Both faces are in the built stylesheet, and neither says how to display.
    assert_eq!(css.matches("@font-face").count(), 2, "{css}");
    assert!(!css.contains("font-display"), "{css}");
    let found = findings(&report, "fonts/font-display");
    let messages: Vec<&str> = found
        .iter()
        .map(|finding| finding["message"].as_str().unwrap())
        .collect();
    assert_eq!(messages.len(), 1, "{found:#?}");
    assert!(
        messages[0].starts_with("@font-face (Inter) has no font-display"),
        "{messages:?}"
    );
    assert_eq!(
        found[0]["path"].as_str(),
        Some(format!("assets/{stylesheet}").as_str())
    );
}

#[test]
fn the_icon_face_is_still_checked_for_its_formats() {
    // Being an icon font changes what its invisible period costs, not what it downloads: the
    // face serves a WOFF where WOFF2 is the norm.
    let report = json_report(&fixture(DIST), &["--no-config"]).1;
    let found: Vec<&Value> = findings(&report, "fonts/legacy-format");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0]["message"]
            .as_str()
            .unwrap()
            .contains("/assets/open-iconic-"),
        "{found:#?}"
    );
}
