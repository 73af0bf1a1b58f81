//! The entry graph against a real browser: webaudit's initial and lazy files of a webpack 5
//! page (fixtures/webpack5-startup: a runtime chunk, a vendor split, extracted CSS, one
//! `import()` chunk) equal what headless Chromium requests on the first load and after the
//! click that triggers the `import()`, and the initial gzip bytes equal the sum of the
//! independent zlib oracle's sizes of those files.
//!
//! Needs Debian's `chromium` (`.ci/run` installs it) and Node: the oracle is
//! `tests/oracle/chromium_requests.js`, which drives the browser over the DevTools protocol.

mod common;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

use common::*;
use serde_json::Value;

fn strings(value: &Value) -> BTreeSet<String> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("an array expected, not {value}"))
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

/// What Chromium requests: (first load, after clicking `selector`), scripts and stylesheets.
fn browser_requests(folder: &std::path::Path, page: &str, selector: Option<&str>) -> Value {
    let output = Command::new("node")
        .arg(repo().join("tests/oracle/chromium_requests.js"))
        .arg(folder)
        .arg(page)
        .args(selector)
        .output()
        .expect("node runs (the browser oracle)");
    assert!(
        output.status.success(),
        "the browser oracle failed (is Debian's chromium installed?): {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("the oracle prints JSON")
}

#[test]
fn webpack_start_up_and_lazy_chunks_match_what_chromium_loads() {
    let folder = fixture("webpack5-startup/dist");
    let (_, report) = json_report(&folder, &["--no-config", "--fail-on", "never"]);
    let page = report["pages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["page"] == "index.html")
        .expect("index.html in the report's pages");
    assert!(page.get("incomplete").is_none(), "{page}");

    let crawled = browser_requests(&folder, "index.html", Some("#show-chart"));
    let first_load = strings(&crawled["initial"]);
    let on_click = strings(&crawled["after_click"]);
    let with_extension = |files: &BTreeSet<String>, extension: &str| -> BTreeSet<String> {
        files
            .iter()
            .filter(|f| f.ends_with(extension))
            .cloned()
            .collect()
    };
    // The build splits start-up into a runtime, a vendor chunk and the entry: a first load of
    // three scripts, one stylesheet; the click fetches one more chunk.
    assert_eq!(with_extension(&first_load, ".js").len(), 3, "{crawled}");
    assert_eq!(with_extension(&first_load, ".css").len(), 1, "{crawled}");
    assert_eq!(on_click.len(), 1, "{crawled}");

    let initial_js = strings(&page["initial_scripts"]["files"]);
    let initial_css = strings(&page["initial_stylesheets"]["files"]);
    let lazy_js = strings(&page["lazy_scripts"]["files"]);
    assert_eq!(initial_js, with_extension(&first_load, ".js"), "initial JS");
    assert_eq!(
        initial_css,
        with_extension(&first_load, ".css"),
        "initial CSS"
    );
    assert_eq!(lazy_js, with_extension(&on_click, ".js"), "lazy JS");

    // Exact bytes: the sum of zlib level 9 (gzip wrapper) sizes of the files the browser loaded.
    let sum = |files: &BTreeSet<String>| -> u64 {
        let paths: Vec<PathBuf> = files.iter().map(|f| folder.join(f)).collect();
        let sizes = python_gzip_sizes(&paths);
        paths.iter().map(|p| sizes[&p.display().to_string()]).sum()
    };
    assert_eq!(
        page["initial_scripts"]["gzip"].as_u64(),
        Some(sum(&with_extension(&first_load, ".js"))),
        "initial JS gzip bytes"
    );
    assert_eq!(
        page["initial_stylesheets"]["gzip"].as_u64(),
        Some(sum(&with_extension(&first_load, ".css"))),
        "initial CSS gzip bytes"
    );
}

#[test]
fn a_start_up_chunk_the_page_does_not_list_makes_it_incomplete() {
    // The same build served from a page that lists only the runtime and the entry, as a
    // hand-written server template might. webpack's chunk filename function names async
    // chunks only, so nothing loads the vendor chunk the entry waits for: the browser fetches
    // two scripts and the app never starts. webaudit must not pass that page on the two
    // scripts' size: it marks it incomplete, naming the chunk id.
    let dist = fixture("webpack5-startup/dist");
    let copy = tempfile::tempdir().unwrap();
    let mut listed = Vec::new();
    for entry in walk(&dist) {
        let relative = entry.strip_prefix(&dist).unwrap();
        let target = copy.path().join(relative);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(&entry, &target).unwrap();
        listed.push(relative.to_string_lossy().replace('\\', "/"));
    }
    let vendor = listed
        .iter()
        .find(|f| f.starts_with("static/js/vendor."))
        .expect("a vendor chunk in the build")
        .clone();
    let html = std::fs::read_to_string(dist.join("index.html")).unwrap();
    let without_vendor = html.replace(&format!("<script defer src=/{vendor}></script>"), "");
    assert_ne!(html, without_vendor, "the page lists {vendor}");
    std::fs::write(copy.path().join("index.html"), without_vendor).unwrap();

    let (_, report) = json_report(copy.path(), &["--no-config", "--fail-on", "never"]);
    let page = &report["pages"][0];
    let initial_js = strings(&page["initial_scripts"]["files"]);
    let crawled = browser_requests(copy.path(), "index.html", None);
    let first_load: BTreeSet<String> = strings(&crawled["initial"])
        .into_iter()
        .filter(|f| f.ends_with(".js"))
        .collect();
    assert_eq!(initial_js, first_load, "{crawled}");
    assert!(!initial_js.contains(&vendor));
    let incomplete = strings(&page["incomplete"]);
    assert_eq!(incomplete.len(), 1, "{page}");
    let reason = incomplete.iter().next().unwrap();
    let declared = std::fs::read_to_string(copy.path().join(&vendor)).unwrap();
    let id = reason
        .strip_prefix("start-up chunk ")
        .and_then(|rest| rest.split(':').next())
        .unwrap_or_else(|| panic!("{reason}"));
    assert!(
        declared.contains(&format!(".push([[{id}],")),
        "{reason} names the vendor chunk's id"
    );
    assert!(
        reason.ends_with(&format!(
            "({id} is declared by {vendor}, which the page does not load)"
        )),
        "{reason}"
    );
}

fn walk(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// The scripts and stylesheets of `page` in the report: (initial JS, initial CSS), and its
/// `incomplete` reasons.
fn initial_files(report: &Value, page: &str) -> (BTreeSet<String>, BTreeSet<String>, Vec<String>) {
    let load = report["pages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["page"] == page)
        .unwrap_or_else(|| panic!("{page} in the report's pages"));
    let incomplete = load
        .get("incomplete")
        .map(|reasons| strings(reasons).into_iter().collect())
        .unwrap_or_default();
    (
        strings(&load["initial_scripts"]["files"]),
        strings(&load["initial_stylesheets"]["files"]),
        incomplete,
    )
}

/// What Chromium requests on the first load of `page`: (scripts, stylesheets).
fn first_load(folder: &std::path::Path, page: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let crawled = browser_requests(folder, page, None);
    let all = strings(&crawled["initial"]);
    let with = |extension: &str| {
        all.iter()
            .filter(|f| f.ends_with(extension))
            .cloned()
            .collect()
    };
    (with(".js"), with(".css"))
}

#[test]
fn sveltekit_start_up_matches_what_chromium_loads() {
    // fixtures/sveltekit-app: `/about/` is rendered at build time (`kit.start` names the
    // nodes it hydrates), `/` is a shell the client renders (its route's nodes are those the
    // URL matches in the client manifest). Either way the client also loads the root layout
    // and the root error page, which no page lists.
    let folder = fixture("sveltekit-app/build");
    let (_, report) = json_report(&folder, &["--no-config", "--fail-on", "never"]);
    for page in ["index.html", "about/index.html"] {
        let (js, css, incomplete) = initial_files(&report, page);
        assert!(incomplete.is_empty(), "{page}: {incomplete:?}");
        let (browser_js, browser_css) = first_load(&folder, page);
        assert!(
            browser_js.iter().any(|f| f.contains("/nodes/1.")),
            "{page}: Chromium loads the root error page: {browser_js:?}"
        );
        assert_eq!(js, browser_js, "{page}: initial JS");
        assert_eq!(css, browser_css, "{page}: initial CSS");
    }
}

#[test]
fn a_sveltekit_fallback_page_loads_the_route_of_its_url() {
    // `200.html` lists only the runtime and the root layout: what else loads depends on the
    // URL it answers. Served as the site's index.html (open-webui ships its app so), its first
    // visit is `/`, whose page node and stylesheet come from the client manifest alone (Vite's
    // preload list). As `200.html` itself no route matches: the page is incomplete.
    let build = fixture("sveltekit-app/build");
    let copy = tempfile::tempdir().unwrap();
    for entry in walk(&build) {
        let relative = entry.strip_prefix(&build).unwrap();
        let target = copy.path().join(relative);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(&entry, &target).unwrap();
    }
    std::fs::copy(build.join("200.html"), copy.path().join("index.html")).unwrap();
    let (_, report) = json_report(copy.path(), &["--no-config", "--fail-on", "never"]);
    let (js, css, incomplete) = initial_files(&report, "index.html");
    assert!(incomplete.is_empty(), "{incomplete:?}");
    let (browser_js, browser_css) = first_load(copy.path(), "index.html");
    assert!(
        browser_css.iter().any(|f| f.contains("/assets/2.")),
        "the route's stylesheet is requested by the client: {browser_css:?}"
    );
    assert_eq!(js, browser_js, "initial JS");
    assert_eq!(css, browser_css, "initial CSS");

    let (_, _, incomplete) = initial_files(&report, "200.html");
    assert_eq!(incomplete.len(), 1, "{incomplete:?}");
    assert!(
        incomplete[0].contains("no route of the client manifest matches /200"),
        "{incomplete:?}"
    );
}
