//! References that try to reach outside the audited folder (issue 11): a folder that is a
//! symbolic link to elsewhere, and `..%2F` escapes. Neither the audit nor
//! `optimize --rewrite-html` may read the file they point at, and the page must not be given
//! that file's size.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::*;
use serde_json::Value;

/// Images say `loading="eager"`: lazy loading is the one edit that needs no file, so with it
/// any change to the page means a file was read.
///
/// `outer/site/` holding `index.html` with `page`, and a real JPEG (1600 wide) at
/// `outer/outside/photo.jpg` and `outer/secret.jpg`, both outside the site.
fn site_beside_outside_images(page: &str) -> (tempfile::TempDir, PathBuf) {
    let outer = tempfile::tempdir().unwrap();
    let root = outer.path().join("site");
    fs::create_dir(&root).unwrap();
    fs::create_dir(outer.path().join("outside")).unwrap();
    let photo = fixture("images-src").join("ladybird.jpg");
    fs::copy(&photo, outer.path().join("outside/photo.jpg")).unwrap();
    fs::copy(&photo, outer.path().join("secret.jpg")).unwrap();
    fs::write(root.join("index.html"), page).unwrap();
    (outer, root)
}

fn rewrite_html(root: &Path) -> (i32, Value, String) {
    let run = to_run(
        webaudit()
            .arg("optimize")
            .arg(root)
            .args(["--format", "json", "--rewrite-html"])
            .output()
            .unwrap(),
    );
    let report: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("JSON expected ({e}): {} {}", run.stdout, run.stderr));
    (run.code, report, run.stderr)
}

fn asset_paths(report: &Value) -> Vec<&str> {
    report["assets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["path"].as_str().unwrap())
        .collect()
}

#[test]
fn a_folder_linked_out_of_the_site_is_neither_read_nor_written_into_the_page() {
    let page = "<!doctype html>\n<body>\n<img src=\"img/photo.jpg\" alt=\"\" loading=\"eager\">\n</body>\n";
    let (outer, root) = site_beside_outside_images(page);
    std::os::unix::fs::symlink(outer.path().join("outside"), root.join("img")).unwrap();

    let (code, report, stderr) = rewrite_html(&root);
    assert!(code == 0 || code == 1, "{report} {stderr}");
    assert_eq!(
        fs::read_to_string(root.join("index.html")).unwrap(),
        page,
        "the page was given the size of an image outside the folder: {report}"
    );

    let (_, audit) = json_report(&root, &["--no-config"]);
    assert_eq!(asset_paths(&audit), ["index.html"], "{audit}");
    let skipped = audit["skipped"].to_string();
    assert!(skipped.contains("symbolic link"), "{skipped}");
}

#[test]
fn escaped_slashes_do_not_climb_out_of_the_site() {
    let page = "<!doctype html>\n<body>\n<img src=\"..%2Fsecret.jpg\" alt=\"\" loading=\"eager\">\n<img src=\"x%2F..%2F..%2Fsecret.jpg\" alt=\"\" loading=\"eager\">\n</body>\n";
    let (_outer, root) = site_beside_outside_images(page);

    let (code, report, stderr) = rewrite_html(&root);
    assert!(code == 0 || code == 1, "{report} {stderr}");
    assert_eq!(
        fs::read_to_string(root.join("index.html")).unwrap(),
        page,
        "the page was given the size of an image outside the folder: {report}"
    );

    // Above the folder: not the audit's to report as missing, and nothing read.
    let (_, audit) = json_report(&root, &["--no-config"]);
    assert_eq!(asset_paths(&audit), ["index.html"], "{audit}");
    assert!(findings(&audit, "references/missing").is_empty(), "{audit}");
}

#[test]
fn escaped_slashes_in_css_urls_do_not_climb_out_of_the_site() {
    let page = concat!(
        "<!doctype html>\n<link rel=stylesheet href=\"css/site.css\">\n",
        "<div style=\"background: url(..%2F..%2Fsecret.jpg)\"></div>\n",
    );
    let (_outer, root) = site_beside_outside_images(page);
    fs::create_dir(root.join("css")).unwrap();
    fs::write(
        root.join("css/site.css"),
        concat!(
            "@import url(\"..%2F..%2Foutside%2Fmore.css\");\n",
            "a { background: url(..%2F..%2Fsecret.jpg) }\n",
            "b { background: url('x%2F..%2F..%2F..%2Foutside/photo.jpg') }\n",
            // Inside the folder and missing: proves these url()s are resolved at all.
            "c { background: url(..%2Fimg%2Fgone.png) }\n",
        ),
    )
    .unwrap();

    let (_, audit) = json_report(&root, &["--no-config"]);
    assert_eq!(
        asset_paths(&audit),
        ["css/site.css", "index.html"],
        "{audit}"
    );
    let missing: Vec<String> = findings(&audit, "references/missing")
        .iter()
        .map(|f| format!("{}:{}", f["path"].as_str().unwrap(), f["line"]))
        .collect();
    // Above the folder: not the audit's to report as missing, and nothing read.
    assert_eq!(missing, ["css/site.css:4"], "{audit}");
}
