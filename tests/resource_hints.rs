//! `html/preload` and `html/third-party` on a real Vite build (fixtures/html-hints, built by its
//! build.sh): where each finding points is checked against the built page's own text, and each
//! size against the files the build started from, not against webaudit's own arithmetic.

mod common;

use std::fs;

use common::*;
use serde_json::Value;

fn report() -> Value {
    json_report(&fixture("html-hints/dist"), &["--no-config"]).1
}

/// The 1-based line of the first line of `page` (in the built folder) that contains `needle`.
fn line_of(page: &str, needle: &str) -> u64 {
    let text = fs::read_to_string(fixture("html-hints/dist").join(page)).unwrap();
    text.lines()
        .position(|line| line.contains(needle))
        .unwrap_or_else(|| panic!("{needle} is not in {page}")) as u64
        + 1
}

/// The built file whose name starts with `stem` (Vite adds a content hash).
fn built(stem: &str) -> String {
    let assets = fixture("html-hints/dist/assets");
    let name = fs::read_dir(&assets)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .find(|name| name.starts_with(stem) && (name.ends_with(".woff2") || name.ends_with(".jpg")))
        .unwrap_or_else(|| panic!("no {stem}* in {}", assets.display()));
    format!("assets/{name}")
}

fn place(finding: &Value) -> (&str, u64) {
    (
        finding["path"].as_str().unwrap(),
        finding["line"].as_u64().unwrap(),
    )
}

#[test]
fn preload_mistakes_are_found_where_the_page_writes_them() {
    let report = report();
    let mut found = findings(&report, "html/preload");
    found.sort_by_key(|f| place(f));
    let places: Vec<(&str, u64)> = found.iter().map(|f| place(f)).collect();
    let bold = built("lora-latin-700-normal-");
    let mono = built("fira-mono-latin-400-normal-");
    let hero = built("old-hero-");
    let photo = built("ridge-");
    assert_eq!(
        places,
        [
            (
                "index.html",
                line_of("index.html", "https://cdn.jsdelivr.net\"")
            ),
            ("index.html", line_of("index.html", &format!("/{bold}\""))),
            ("index.html", line_of("index.html", &format!("/{mono}\""))),
            (
                "index.html",
                line_of("index.html", &format!("/{photo}\" />"))
            ),
            ("index.html", line_of("index.html", "as=\"img\"")),
            ("index.html", line_of("index.html", &format!("/{hero}\""))),
        ],
        "{found:#?}"
    );
    let message = |index: usize| found[index]["message"].as_str().unwrap();
    // Five distinct origins, named in the page's order.
    assert!(
        message(0).starts_with("the page preconnects to 5 origins (fonts.googleapis.com, fonts.gstatic.com, www.googletagmanager.com, www.youtube.com, cdn.jsdelivr.net)"),
        "{}",
        message(0)
    );
    assert_eq!(found[0]["severity"], "info");
    assert!(message(1).contains("has no crossorigin"), "{}", message(1));
    assert!(
        message(2).contains("that nothing in the folder uses"),
        "{}",
        message(2)
    );
    assert!(message(3).contains("has no `as`"), "{}", message(3));
    assert!(message(4).contains("as=\"img\""), "{}", message(4));
    assert!(
        message(5).contains("that nothing in the folder uses"),
        "{}",
        message(5)
    );
    // What is downloaded twice or for nothing is the whole file: the font files as the build
    // wrote them, the image as the sources hold it (Vite copies it unchanged).
    let size = |path: std::path::PathBuf| fs::metadata(path).unwrap().len();
    for (index, bytes) in [
        (1, size(fixture("html-hints/dist").join(&bold))),
        (2, size(fixture("html-hints/dist").join(&mono))),
        (5, size(fixture("html-hints/src/assets/old-hero.jpg"))),
    ] {
        assert_eq!(found[index]["saving"], bytes, "{:#?}", found[index]);
        assert_eq!(found[index]["severity"], "warning");
    }
    // Ignored preloads download nothing: no saving.
    assert!(found[3]["saving"].is_null() && found[4]["saving"].is_null());
    // The page whose preloads are all used is clean.
    assert!(found.iter().all(|f| f["path"] != "about.html"));
}

#[test]
fn third_parties_are_named_with_facades_for_embeds() {
    let report = report();
    let mut found = findings(&report, "html/third-party");
    found.sort_by_key(|f| place(f));
    let summary: Vec<(&str, u64, &str)> = found
        .iter()
        .map(|f| {
            let (path, line) = place(f);
            (path, line, f["severity"].as_str().unwrap())
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("about.html", line_of("about.html", "<iframe"), "info"),
            (
                "about.html",
                line_of("about.html", "widget.intercom.io/widget"),
                "info"
            ),
            (
                "index.html",
                line_of("index.html", "dayjs.min.js"),
                "warning"
            ),
            ("index.html", line_of("index.html", "gtag/js"), "info"),
            ("index.html", line_of("index.html", "<iframe"), "info"),
        ],
        "{found:#?}"
    );
    let message = |index: usize| found[index]["message"].as_str().unwrap();
    assert!(message(0).contains("Vimeo (video)") && message(0).contains("Lite Vimeo"));
    assert!(
        message(1).contains("Intercom (customer support)") && message(1).contains("(deferred)")
    );
    assert!(
        message(2).contains("JSDelivr CDN (public CDN)")
            && message(2).contains("in <head> without async or defer")
    );
    assert!(
        message(3).contains("Google Tag Manager (tag manager)") && message(3).contains("(async)")
    );
    assert!(message(4).contains("YouTube (video)") && message(4).contains("lite-youtube-embed"));
    // The blocking script is html/render-blocking's too, which counts its delay once.
    let blocking = findings(&report, "html/render-blocking");
    assert!(
        blocking.iter().any(|f| place(f) == place(found[2])),
        "{blocking:#?}"
    );
    assert!(found.iter().all(|f| f["impact"].is_null()));
}
