//! `webaudit optimize --responsive [--rewrite-html]` on the layout fixture pages (real JPEGs
//! written by fixtures/layout/make-images.py) and a PNG page: the variants have the widths the
//! layout plans, decode, and never replace a file; the pages get `srcset`/`sizes` and nothing
//! else changes; and the page laid out again shows phones a variant that covers the box at
//! their density instead of the full-size file.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use common::*;
use serde_json::Value;
use webaudit::layout::ObjectFit;
use webaudit::layout::responsive::{Display, Plan, plan, variant_name};

/// A copy of fixtures/layout.
fn layout_site() -> (tempfile::TempDir, PathBuf) {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path().join("site");
    let copied = std::process::Command::new("cp")
        .arg("-a")
        .arg(fixture("layout"))
        .arg(&root)
        .status()
        .unwrap();
    assert!(copied.success());
    (folder, root)
}

fn layout(root: &Path) -> Value {
    let run = to_run(
        webaudit()
            .arg("layout")
            .arg(root)
            .args(["--format", "json"])
            .output()
            .unwrap(),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    serde_json::from_str(&run.stdout).unwrap()
}

/// Every file under `root`, by path relative to it.
fn tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut folders = vec![root.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else {
                let relative = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                files.insert(relative, fs::read(&path).unwrap());
            }
        }
    }
    files
}

fn written(report: &Value, what: &str) -> Vec<String> {
    report["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["what"] == what)
        .map(|c| c["path"].as_str().unwrap().to_owned())
        .collect()
}

fn decode(bytes: &[u8]) -> image::DynamicImage {
    image::load_from_memory(bytes).unwrap()
}

/// The widths `optimize --responsive` plans for the image `file` of `root` as `page` shows it,
/// and the file's width.
fn plan_for(root: &Path, laid_out: &Value, page: &str, file: &str) -> (Plan, u32) {
    let width = decode(&fs::read(root.join(file)).unwrap()).width();
    (
        plan(&displays_of(laid_out, page, file), width).unwrap(),
        width,
    )
}

/// The displays of `file` on `page` by its `<img>` boxes, from `webaudit layout`'s JSON.
fn displays_of(laid_out: &Value, page: &str, file: &str) -> Vec<Display> {
    let page = laid_out["pages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["page"] == page)
        .unwrap();
    let mut shown = Vec::new();
    for viewport in page["viewports"].as_array().unwrap() {
        let name: &'static str = if viewport["name"] == "mobile" {
            "mobile"
        } else {
            "desktop"
        };
        for (element, b) in viewport["elements"].as_array().unwrap().iter().enumerate() {
            if b["kind"] == "img" && b["current_file"] == file && b["width"].as_f64().unwrap() > 0.0
            {
                let fit = match b["object_fit"].as_str().unwrap() {
                    "contain" => ObjectFit::Contain,
                    "cover" => ObjectFit::Cover,
                    "none" => ObjectFit::None,
                    "scale-down" => ObjectFit::ScaleDown,
                    _ => ObjectFit::Fill,
                };
                let (width, height) = (b["width"].as_f64().unwrap(), b["height"].as_f64().unwrap());
                let (file_width, file_height) = (
                    b["file_width"].as_u64().unwrap() as u32,
                    b["file_height"].as_u64().unwrap() as u32,
                );
                let density = b["density"].as_f64().unwrap_or(1.0);
                let (drawn_width, drawn_height) = fit.drawn_size(
                    width,
                    height,
                    (
                        f64::from(file_width) / density,
                        f64::from(file_height) / density,
                    ),
                );
                shown.push(Display {
                    viewport: name,
                    viewport_width: viewport["width"].as_u64().unwrap() as u32,
                    scale: viewport["scale"].as_f64().unwrap() as f32,
                    element,
                    width,
                    height,
                    drawn_width,
                    drawn_height,
                    file_width,
                    file_height,
                });
            }
        }
    }
    shown
}

/// tall.html's hero is shown by that page only: its variants are the plan's widths below its
/// own, each decodes to that width with the aspect ratio kept, and no original changed.
#[test]
fn variants_have_the_planned_widths_decode_and_leave_originals_alone() {
    let (_folder, root) = layout_site();
    let before = tree(&root);
    let laid_out = layout(&root);
    let (code, report, stderr) = optimize(&root, &["--responsive", "--copies-only"]);
    assert_eq!(code, 0, "{report} {stderr}");

    // --copies-only leaves the original as it was.
    let (planned, hero_width) = plan_for(&root, &laid_out, "tall.html", "img/hero.jpg");
    let expected: Vec<String> = planned
        .widths
        .iter()
        .filter(|&&w| w < hero_width)
        .map(|&w| variant_name("img/hero.jpg", w))
        .collect();
    assert!(!expected.is_empty(), "{planned:?}");
    let variants = written(&report, "jpeg-variant");
    for name in &expected {
        assert!(variants.contains(name), "{name} not in {variants:?}");
    }

    let after = tree(&root);
    for (path, bytes) in &before {
        assert_eq!(&after[path], bytes, "{path} changed");
    }
    for path in &variants {
        let variant = decode(&after[path]);
        let source = path.rsplit_once('-').unwrap().0.to_owned() + ".jpg";
        let source = decode(&before[&source]);
        let width: u32 = path
            .rsplit_once('-')
            .unwrap()
            .1
            .trim_end_matches("w.jpg")
            .parse()
            .unwrap();
        assert_eq!(variant.width(), width, "{path}");
        assert!(variant.width() < source.width(), "{path}");
        let height = f64::from(source.height()) * f64::from(width) / f64::from(source.width());
        assert!(
            (f64::from(variant.height()) - height).abs() <= 1.0,
            "{path}"
        );
        // Smaller than its source, or it would not be worth offering.
        assert!(
            after[path].len() < before[&format!("{}.jpg", path.rsplit_once('-').unwrap().0)].len()
        );
    }
    // Only variants were added.
    assert_eq!(after.len(), before.len() + variants.len());
}

/// A file already under a variant's name that is not that variant is someone's own: it is
/// kept byte for byte, the run says so, and no page offers it.
#[test]
fn a_different_file_under_a_variant_name_is_never_overwritten() {
    // Not even with `--force`, which replaces stale WebP/AVIF copies.
    for force in [false, true] {
        let (_folder, root) = layout_site();
        let laid_out = layout(&root);
        // grid.html's third card (only grid.html lays it out) gets two variants: one name is
        // taken, the other is still offered.
        let (planned, card_width) = plan_for(&root, &laid_out, "grid.html", "img/card-3.jpg");
        let below: Vec<u32> = planned
            .widths
            .iter()
            .copied()
            .filter(|&w| w < card_width)
            .collect();
        assert!(below.len() >= 2, "{planned:?}");
        let taken = variant_name("img/card-3.jpg", below[0]);
        let theirs = fs::read(root.join("img/square.jpg")).unwrap();
        fs::write(root.join(&taken), &theirs).unwrap();

        let mut args = vec!["--responsive", "--rewrite-html", "--copies-only"];
        if force {
            args.push("--force");
        }
        let (code, report, stderr) = optimize(&root, &args);
        assert_eq!(code, 0, "{report} {stderr}");
        assert_eq!(fs::read(root.join(&taken)).unwrap(), theirs);
        let warned = report["warnings"].as_array().unwrap().iter().any(|w| {
            w["message"].as_str().unwrap().contains(&taken)
                && w["message"].as_str().unwrap().contains("left alone")
        });
        assert!(warned, "{report}");
        let page = fs::read_to_string(root.join("grid.html")).unwrap();
        let name = taken.rsplit('/').next().unwrap();
        assert!(!page.contains(name), "{page}");
        let other = variant_name("img/card-3.jpg", below[1]);
        assert!(
            page.contains(&format!("srcset=\"{other} {}w", below[1])),
            "the other widths are offered: {page}"
        );
    }
}

/// The real check: laid out again, each rewritten `<img>` shows phones a variant at least as
/// wide as its box × 1.75 and narrower than the original; what a phone downloads for the
/// pages' images shrinks; every page is its original plus the inserted attributes; a second run
/// changes nothing.
#[test]
fn rewritten_pages_show_phones_a_variant_that_covers_the_box() {
    let (_folder, root) = layout_site();
    let before = tree(&root);
    let laid_out_before = layout(&root);
    let (code, report, stderr) =
        optimize(&root, &["--responsive", "--rewrite-html", "--copies-only"]);
    assert_eq!(code, 0, "{report} {stderr}");
    let after = tree(&root);

    // Pages: the original once the inserted attributes are taken out.
    let inserted = regex::Regex::new(
        r#" srcset="[^"]*" sizes="[^"]*"| width="\d+" height="\d+"| loading="lazy" decoding="async""#,
    )
    .unwrap();
    let mut srcsets = 0;
    for (path, bytes) in &before {
        if !path.ends_with(".html") {
            continue;
        }
        let page = String::from_utf8(after[path].clone()).unwrap();
        srcsets += page.matches(" srcset=\"img/").count();
        let original = String::from_utf8(bytes.clone()).unwrap();
        let stripped = inserted.replace_all(&page, "");
        let original_stripped = inserted.replace_all(&original, "");
        assert_eq!(stripped, original_stripped, "{path}");
    }
    assert!(srcsets > 0);

    let laid_out = layout(&root);
    let mobile_bytes = |laid_out: &Value, files: &BTreeMap<String, Vec<u8>>| -> usize {
        let mut total = 0;
        for page in laid_out["pages"].as_array().unwrap() {
            for viewport in page["viewports"].as_array().unwrap() {
                if viewport["name"] != "mobile" {
                    continue;
                }
                for b in viewport["elements"].as_array().unwrap() {
                    if let Some(file) = b["current_file"].as_str()
                        && b["width"].as_f64().unwrap() > 0.0
                    {
                        total += files.get(file).map_or(0, Vec::len);
                    }
                }
            }
        }
        total
    };
    let (downloaded_before, downloaded_after) = (
        mobile_bytes(&laid_out_before, &before),
        mobile_bytes(&laid_out, &after),
    );
    assert!(
        downloaded_after < downloaded_before,
        "{downloaded_after} ≥ {downloaded_before}"
    );

    let mut variants_shown = 0;
    for page in laid_out["pages"].as_array().unwrap() {
        let html = String::from_utf8(after[page["page"].as_str().unwrap()].clone()).unwrap();
        for viewport in page["viewports"].as_array().unwrap() {
            if viewport["name"] != "mobile" {
                continue;
            }
            let scale = viewport["scale"].as_f64().unwrap();
            for b in viewport["elements"].as_array().unwrap() {
                let (Some(src), Some(current)) = (b["src"].as_str(), b["current_file"].as_str())
                else {
                    continue;
                };
                let ours = format!("src=\"{src}\"");
                let rewritten = html.lines().any(|line| {
                    line.contains(&ours)
                        && line.contains(&format!("srcset=\"{}", &src[..src.len() - 4]))
                });
                if !rewritten || current == src {
                    continue;
                }
                variants_shown += 1;
                let file_width = b["file_width"].as_f64().unwrap();
                let needed = (b["width"].as_f64().unwrap() * scale).ceil();
                let source = decode(&before[src]);
                assert!(file_width >= needed, "{current}: {file_width} < {needed}");
                assert!(file_width < f64::from(source.width()), "{current}");
            }
        }
    }
    assert!(variants_shown > 0);

    let (code, again, stderr) =
        optimize(&root, &["--responsive", "--rewrite-html", "--copies-only"]);
    assert_eq!(code, 0, "{again} {stderr}");
    assert_eq!(again["changes"].as_array().unwrap().len(), 0, "{again}");
    assert_eq!(tree(&root), after);
}

/// `--dry-run` writes nothing and reports the same variants and pages as the real run.
#[test]
fn dry_run_reports_the_variants_and_pages_and_writes_nothing() {
    let (_folder, root) = layout_site();
    let before = tree(&root);
    let args = ["--responsive", "--rewrite-html", "--copies-only", "--webp"];
    let mut dry = args.to_vec();
    dry.push("--dry-run");
    let (code, planned, stderr) = optimize(&root, &dry);
    assert_eq!(code, 0, "{planned} {stderr}");
    assert_eq!(tree(&root), before);
    let (code, done, stderr) = optimize(&root, &args);
    assert_eq!(code, 0, "{done} {stderr}");
    let paths = |report: &Value| -> Vec<(String, String)> {
        report["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["path"].as_str().unwrap().to_owned(),
                    c["what"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let (mut planned, mut done) = (paths(&planned), paths(&done));
    planned.sort();
    done.sort();
    assert_eq!(planned, done);
    assert!(done.iter().any(|(_, what)| what == "jpeg-variant"));
    // The WebP copies of the variants are offered per type in a <picture>.
    let page = fs::read_to_string(root.join("tall.html")).unwrap();
    assert!(
        page.contains("<picture><source type=\"image/webp\" srcset=\"img/hero-"),
        "{page}"
    );
}

/// A PNG stays PNG; an `<img>` that already has `srcset` keeps its markup, and the run says so.
#[test]
fn png_variants_and_an_img_with_srcset_left_alone() {
    let (_folder, root) = images_site(&["coffee.png"]);
    let chosen = "<img src=\"coffee.png\" srcset=\"coffee.png 1x\" width=\"600\" height=\"400\" alt=\"chosen\">";
    let page = format!(
        "<!doctype html>\n<html><head><meta name=\"viewport\" content=\"width=device-width\">\n<style>img {{ display: block; width: 150px; }}</style></head>\n<body>\n<img src=\"coffee.png\" alt=\"plain\">\n{chosen}\n</body></html>\n"
    );
    fs::write(root.join("index.html"), &page).unwrap();
    let (code, report, stderr) =
        optimize(&root, &["--responsive", "--rewrite-html", "--copies-only"]);
    assert_eq!(code, 0, "{report} {stderr}");
    let variants = written(&report, "png-variant");
    assert!(!variants.is_empty(), "{report}");
    for path in &variants {
        let bytes = fs::read(root.join(path)).unwrap();
        assert!(bytes.starts_with(b"\x89PNG"), "{path}");
        let width: u32 = path
            .trim_start_matches("coffee-")
            .trim_end_matches("w.png")
            .parse()
            .unwrap();
        assert_eq!(decode(&bytes).width(), width);
    }
    let rewritten = fs::read_to_string(root.join("index.html")).unwrap();
    assert!(rewritten.contains(chosen), "{rewritten}");
    assert!(rewritten.contains("sizes=\"150px\""), "{rewritten}");
    let warned = report["warnings"].as_array().unwrap().iter().any(|w| {
        w["message"]
            .as_str()
            .unwrap()
            .contains("already has a srcset")
    });
    assert!(warned, "{report}");
}

/// `photo-760w.webp` would be the copy of both the variant `photo-760w.jpg` and an image
/// `photo-760w.png` of the site's own: the variant gets none, the site's image keeps its copy.
#[test]
fn a_variant_gets_no_copy_whose_name_another_image_owns() {
    let (_folder, root) = layout_site();
    let laid_out = layout(&root);
    let (planned, _) = plan_for(&root, &laid_out, "tall.html", "img/hero.jpg");
    let width = planned.widths[0];
    let variant = variant_name("img/hero.jpg", width);
    let theirs = variant.replace(".jpg", ".png");
    fs::copy(fixture("images-src/coffee.png"), root.join(&theirs)).unwrap();
    let (code, report, stderr) = optimize(&root, &["--responsive", "--webp", "--copies-only"]);
    assert_eq!(code, 0, "{report} {stderr}");
    assert!(
        written(&report, "jpeg-variant").contains(&variant),
        "{report}"
    );
    let copy = decode(&fs::read(root.join(variant.replace(".jpg", ".webp"))).unwrap());
    let own = decode(&fs::read(root.join(&theirs)).unwrap());
    assert_eq!((copy.width(), copy.height()), (own.width(), own.height()));
    let warned = report["warnings"].as_array().unwrap().iter().any(|w| {
        let message = w["message"].as_str().unwrap();
        message.contains("no WebP/AVIF copy") && message.contains(&variant)
    });
    assert!(warned, "{report}");
}
