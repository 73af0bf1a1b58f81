//! `webaudit optimize` on real images (fixtures/images-src): what it saves, that outputs decode,
//! that lossless outputs keep every pixel, that nothing grows, and that a second run, a broken
//! image, a read-only file or a kill never costs a file.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use common::*;
use image::GenericImageView;
use serde_json::Value;

const IMAGES: [&str; 11] = [
    "aqua.jpg",
    "camera-photo-32.png",
    "coffee.png",
    "fresh-flower.jpg",
    "futureprototype-1920.png",
    "garden.jpg",
    "green-meadow.jpg",
    "ladybird.jpg",
    "newtons-cradle.gif",
    "plasma-screenshot.png",
    "wood.jpg",
];

fn decode(path: &Path) -> image::DynamicImage {
    image::ImageReader::open(path)
        .unwrap()
        .with_guessed_format()
        .unwrap()
        .decode()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn same_pixels(a: &image::DynamicImage, b: &image::DynamicImage) -> bool {
    a.dimensions() == b.dimensions() && a.to_rgba16().as_raw() == b.to_rgba16().as_raw()
}

fn changes(report: &Value) -> BTreeMap<String, &Value> {
    report["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["path"].as_str().unwrap().to_string(), c))
        .collect()
}

fn snapshot(root: &Path) -> BTreeMap<String, Vec<u8>> {
    fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

#[test]
fn pngs_and_jpegs_shrink_losslessly_and_nothing_grows() {
    let (_folder, root) = images_site(&IMAGES);
    let (code, report, stderr) = optimize(&root, &[]);
    assert_eq!(code, 0, "{stderr}");
    let changed = changes(&report);
    // SOURCES.md: oxipng -o 2 --strip safe saves 16.2% on the screenshot, 5.7% on the photo PNG;
    // the icon is already optimal and the flat artwork has nothing worth 5%. Of the JPEGs only
    // wood.jpg gains 5% from optimised tables, progressive scans and dropping its 65 KB of EXIF
    // (its orientation is "as stored"); the others gain 0–1.5%.
    assert_eq!(
        changed.keys().collect::<Vec<_>>(),
        ["coffee.png", "plasma-screenshot.png", "wood.jpg"],
        "{report}"
    );
    for (name, change) in &changed {
        let lossless = if name.ends_with(".jpg") {
            "jpeg-lossless"
        } else {
            "png-lossless"
        };
        assert_eq!(change["what"], lossless);
        assert_eq!(change["action"], "replace");
        let original = fixture("images-src").join(name);
        let before = fs::metadata(&original).unwrap().len();
        let after = fs::metadata(root.join(name)).unwrap().len();
        assert_eq!(change["before"], before);
        assert_eq!(change["after"], after);
        assert!(
            before - after >= 1024 && (before - after) * 20 >= before,
            "{name}"
        );
        assert!(
            same_pixels(&decode(&original), &decode(&root.join(name))),
            "{name}: pixels changed"
        );
    }
    let saved: u64 = changed
        .values()
        .map(|c| c["before"].as_u64().unwrap() - c["after"].as_u64().unwrap())
        .sum();
    assert!(saved > 40_000, "{saved}");
    // `jpegtran -copy none -optimize -progressive wood.jpg` (libjpeg-turbo 2.1.5, Debian 12)
    // writes 415,945 bytes: the same transcode.
    let wood = fs::read(root.join("wood.jpg")).unwrap();
    assert_eq!(wood.len(), 415_945);
    assert!(jpeg_markers(&wood).contains(&0xC2), "not progressive");
    assert!(!jpeg_markers(&wood).contains(&0xE1), "EXIF kept");
    for name in IMAGES {
        let original = fs::read(fixture("images-src").join(name)).unwrap();
        let now = fs::read(root.join(name)).unwrap();
        assert!(now.len() <= original.len(), "{name} grew");
        if !changed.contains_key(name) {
            assert_eq!(now, original, "{name} changed without a reported change");
        }
    }
    // A second run finds nothing to do, and says so.
    let files = snapshot(&root);
    let (code, second, _) = optimize(&root, &[]);
    assert_eq!(code, 0);
    assert!(changes(&second).is_empty(), "{second}");
    assert_eq!(snapshot(&root), files);
    let text = to_run(webaudit().arg("optimize").arg(&root).output().unwrap());
    assert!(text.stdout.starts_with("Nothing to do:"), "{}", text.stdout);
}

/// The marker codes of a JPEG's segments up to its first scan (SOF2 = 0xC2 is progressive,
/// APP1 = 0xE1 holds EXIF).
fn jpeg_markers(jpeg: &[u8]) -> Vec<u8> {
    let mut markers = Vec::new();
    let mut at = 2;
    while at + 4 <= jpeg.len() && jpeg[at] == 0xFF {
        let marker = jpeg[at + 1];
        markers.push(marker);
        if marker == 0xDA {
            break;
        }
        at += 2 + usize::from(u16::from_be_bytes([jpeg[at + 2], jpeg[at + 3]]));
    }
    markers
}

/// `jpeg` with its EXIF APP1 segments replaced by one, right after SOI, whose only tag is
/// `orientation`.
fn with_exif_orientation(jpeg: &[u8], orientation: u16) -> Vec<u8> {
    let mut tiff = b"MM\0\x2a\0\0\0\x08\0\x01".to_vec();
    tiff.extend_from_slice(&[0x01, 0x12, 0x00, 0x03, 0, 0, 0, 1]);
    tiff.extend_from_slice(&orientation.to_be_bytes());
    tiff.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    let mut segment = b"Exif\0\0".to_vec();
    segment.extend_from_slice(&tiff);
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&u16::try_from(segment.len() + 2).unwrap().to_be_bytes());
    out.extend_from_slice(&segment);
    let mut at = 2;
    while jpeg[at + 1] != 0xDA {
        let end = at + 2 + usize::from(u16::from_be_bytes([jpeg[at + 2], jpeg[at + 3]]));
        if !(jpeg[at + 1] == 0xE1 && jpeg[at + 4..].starts_with(b"Exif\0\0")) {
            out.extend_from_slice(&jpeg[at..end]);
        }
        at = end;
    }
    out.extend_from_slice(&jpeg[at..]);
    out
}

#[test]
fn a_lossless_jpeg_keeps_its_exif_orientation_and_every_pixel() {
    // garden.jpg turned a quarter by EXIF: dropping the marker would show it sideways.
    let (_folder, root) = images_site(&[]);
    let turned = with_exif_orientation(
        &fs::read(fixture("images-src").join("garden.jpg")).unwrap(),
        6,
    );
    fs::write(root.join("garden.jpg"), &turned).unwrap();
    let (code, report, stderr) =
        optimize(&root, &["--min-saving", "0", "--min-saving-percent", "0"]);
    assert_eq!(code, 0, "{stderr}");
    let changed = changes(&report);
    assert_eq!(changed["garden.jpg"]["what"], "jpeg-lossless", "{report}");
    let now = fs::read(root.join("garden.jpg")).unwrap();
    assert!(now.len() < turned.len());
    let markers = jpeg_markers(&now);
    assert!(
        markers.contains(&0xE1) && markers.contains(&0xC2),
        "{markers:x?}"
    );
    let mut decoder = image::ImageReader::new(std::io::Cursor::new(&now))
        .with_guessed_format()
        .unwrap()
        .into_decoder()
        .unwrap();
    use image::ImageDecoder;
    assert_eq!(
        decoder.orientation().unwrap(),
        image::metadata::Orientation::Rotate90
    );
    assert!(same_pixels(
        &decode(&root.join("garden.jpg")),
        &decode(&fixture("images-src").join("garden.jpg"))
    ));
}

#[test]
fn webp_copies_decode_are_smaller_and_are_not_redone() {
    let (_folder, root) = images_site(&IMAGES);
    let (code, report, stderr) = optimize(&root, &["--webp"]);
    assert_eq!(code, 0, "{stderr}");
    let changed = changes(&report);
    let webps: Vec<&String> = changed.keys().filter(|p| p.ends_with(".webp")).collect();
    // Every static PNG and JPEG gets one (the animated GIF does not).
    assert_eq!(webps.len(), 10, "{webps:?}");
    assert!(!root.join("newtons-cradle.webp").exists());
    for path in webps {
        let change = changed[path.as_str()];
        let source = root.join(change["source"].as_str().unwrap());
        let webp = decode(&root.join(path));
        let original = decode(&fixture("images-src").join(change["source"].as_str().unwrap()));
        assert_eq!(webp.dimensions(), original.dimensions(), "{path}");
        let size = fs::metadata(root.join(path)).unwrap().len();
        assert!(size < fs::metadata(&source).unwrap().len(), "{path}");
        assert_eq!(change["after"], size);
        if change["what"] == "webp-lossless" {
            assert!(same_pixels(&webp, &original), "{path}");
        }
    }
    // cwebp -q 80 on coffee.png writes 37,994 bytes (SOURCES.md): the same encoder, settings.
    assert_eq!(
        fs::metadata(root.join("coffee.webp")).unwrap().len(),
        37_994
    );
    let files = snapshot(&root);
    let (_, second, _) = optimize(&root, &["--webp"]);
    assert!(changes(&second).is_empty(), "{second}");
    assert_eq!(second["up_to_date"], 10);
    assert_eq!(snapshot(&root), files);
}

#[test]
fn an_existing_webp_that_is_not_a_copy_is_never_overwritten_unasked() {
    let (_folder, root) = images_site(&["coffee.png", "garden.jpg"]);
    // Someone's own picture under the name the copy would take (another image, older than
    // its source), and a copy of the right picture that is older than its source.
    fs::copy(
        fixture("images-good").join("img/ladybird-1280.webp"),
        root.join("coffee.webp"),
    )
    .unwrap();
    let theirs = fs::read(root.join("coffee.webp")).unwrap();
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    fs::File::options()
        .write(true)
        .open(root.join("coffee.webp"))
        .unwrap()
        .set_modified(old)
        .unwrap();
    let (code, report, stderr) = optimize(&root, &["--webp", "--copies-only"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(fs::read(root.join("coffee.webp")).unwrap(), theirs);
    assert!(!changes(&report).contains_key("coffee.webp"), "{report}");
    let warning = report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["message"].as_str().unwrap().contains("coffee.webp"))
        .unwrap_or_else(|| panic!("{report}"));
    assert!(warning["message"].as_str().unwrap().contains("--force"));
    // The other copy is written as usual.
    assert!(root.join("garden.webp").exists());
    // With --force it is replaced by the copy of coffee.png.
    let (code, report, _) = optimize(&root, &["--webp", "--copies-only", "--force"]);
    assert_eq!(code, 0);
    assert_eq!(changes(&report)["coffee.webp"]["action"], "replace");
    assert_eq!(
        decode(&root.join("coffee.webp")).dimensions(),
        decode(&root.join("coffee.png")).dimensions()
    );
}

#[test]
fn lossy_jpegs_and_max_width_decode_at_the_expected_size() {
    let (_folder, root) = images_site(&["wood.jpg", "futureprototype-1920.png", "garden.jpg"]);
    let (code, report, stderr) = optimize(&root, &["--max-width", "1000"]);
    assert_eq!(code, 0, "{stderr}");
    let changed = changes(&report);
    for (name, width, height) in [
        ("wood.jpg", 1000, 750),
        ("futureprototype-1920.png", 1000, 563),
        ("garden.jpg", 1000, 625),
    ] {
        let image = decode(&root.join(name));
        assert_eq!(image.dimensions(), (width, height), "{name}");
        assert!(
            changed[name]["what"]
                .as_str()
                .unwrap()
                .ends_with("-resized")
        );
    }
    let (_, second, _) = optimize(&root, &["--max-width", "1000"]);
    assert!(changes(&second).is_empty(), "{second}");

    // --lossy: only JPEGs whose own quality is above 85 are re-encoded, never into more bytes;
    // the others may still be transcoded losslessly.
    let (_folder, root) = images_site(&["wood.jpg", "ladybird.jpg", "aqua.jpg"]);
    let (code, report, _) = optimize(&root, &["--lossy"]);
    assert_eq!(code, 0);
    let changed = changes(&report);
    assert!(
        changed.values().any(|c| c["what"] == "jpeg-lossy"),
        "{report}"
    );
    for (name, change) in changed {
        let original = decode(&fixture("images-src").join(&name));
        let now = decode(&root.join(&name));
        match change["what"].as_str() {
            Some("jpeg-lossy") => assert_eq!(now.dimensions(), original.dimensions()),
            Some("jpeg-lossless") => assert!(same_pixels(&now, &original), "{name}"),
            other => panic!("{name}: {other:?}"),
        }
        assert!(change["after"].as_u64() < change["before"].as_u64());
    }
    let files = snapshot(&root);
    let (_, second, _) = optimize(&root, &["--lossy"]);
    assert!(
        changes(&second).is_empty(),
        "a second --lossy run re-encoded: {second}"
    );
    assert_eq!(snapshot(&root), files);
}

#[test]
fn broken_images_and_bombs_are_skipped_with_a_warning() {
    let (_folder, root) = images_site(&["coffee.png"]);
    for name in [
        "corrupt-idat.png",
        "corrupt-idat-crc-ok.png",
        "truncated.jpg",
        "huge-dimensions.png",
    ] {
        fs::copy(fixture("images-src/broken").join(name), root.join(name)).unwrap();
    }
    let before = snapshot(&root);
    let (code, report, _) = optimize(&root, &["--webp"]);
    assert_eq!(code, 0, "{report}");
    let warned: Vec<&str> = report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["path"].as_str().unwrap())
        .collect();
    for name in [
        "corrupt-idat-crc-ok.png",
        "corrupt-idat.png",
        "huge-dimensions.png",
        "truncated.jpg",
    ] {
        assert!(warned.contains(&name), "{name} not warned about: {report}");
        assert_eq!(fs::read(root.join(name)).unwrap(), before[name]);
    }
    assert!(report["warnings"].to_string().contains("megapixel"));
    assert!(
        changes(&report).contains_key("coffee.png"),
        "the rest goes on"
    );
}

#[test]
fn permissions_are_kept_and_a_read_only_file_is_an_error_for_that_file() {
    let (folder, root) = images_site(&["coffee.png", "plasma-screenshot.png"]);
    fs::set_permissions(folder.path(), fs::Permissions::from_mode(0o755)).unwrap();
    fs::set_permissions(
        root.join("plasma-screenshot.png"),
        fs::Permissions::from_mode(0o640),
    )
    .unwrap();
    let binary = assert_cmd::cargo::cargo_bin!("webaudit");
    let is_root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout == b"0\n");
    let mut command = if is_root {
        // Root writes any file: run as nobody, owning the folder, like a user would.
        assert!(
            std::process::Command::new("chown")
                .args(["-R", "65534:65534"])
                .arg(&root)
                .status()
                .unwrap()
                .success()
        );
        let mut command = std::process::Command::new("setpriv");
        command
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(binary);
        command
    } else {
        std::process::Command::new(binary)
    };
    fs::set_permissions(root.join("coffee.png"), fs::Permissions::from_mode(0o444)).unwrap();
    let run = to_run(
        command
            .arg("optimize")
            .arg(&root)
            .args(["--format", "json"])
            .output()
            .unwrap(),
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["errors"][0]["path"], "coffee.png");
    assert!(
        report["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("read-only")
    );
    assert_eq!(
        fs::read(root.join("coffee.png")).unwrap(),
        fs::read(fixture("images-src/coffee.png")).unwrap()
    );
    assert!(changes(&report).contains_key("plasma-screenshot.png"));
    let mode = fs::metadata(root.join("plasma-screenshot.png"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o7777, 0o640);
    assert_eq!(fs::read_dir(&root).unwrap().count(), 2, "no temporary left");
}

#[test]
fn dry_run_writes_nothing_and_a_link_is_refused() {
    let (_folder, root) = images_site(&["coffee.png", "wood.jpg"]);
    let files = snapshot(&root);
    let (code, report, _) = optimize(&root, &["--dry-run", "--webp"]);
    assert_eq!(code, 0);
    let planned = changes(&report);
    assert!(planned.contains_key("coffee.png") && planned.contains_key("wood.webp"));
    assert_eq!(snapshot(&root), files);
    // A file is optimised where it is; a link to one is never written through.
    std::os::unix::fs::symlink("coffee.png", root.join("link.png")).unwrap();
    let files = snapshot(&root);
    let run = to_run(
        webaudit()
            .arg("optimize")
            .arg(root.join("link.png"))
            .output()
            .unwrap(),
    );
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("symbolic link"), "{}", run.stderr);
    assert_eq!(snapshot(&root), files);
}

fn optimize_paths(paths: &[PathBuf], args: &[&str]) -> (i32, Value, String) {
    fixer_json("optimize", paths, &[&["-q"], args].concat())
}

/// Files and folders named on the command line are the only ones changed (what the audit's
/// per-file fixes rely on: `--max-width 640` for the one image shown at 320 px resizes that
/// image, not the folder's); paths are relative to the folder holding them all.
#[test]
fn only_the_files_and_folders_named_are_changed() {
    let (_folder, root) = images_site(&["garden.jpg", "aqua.jpg", "coffee.png"]);
    let before = tree(&root);
    let (code, report, stderr) =
        optimize_paths(&[root.join("garden.jpg")], &["--max-width", "640"]);
    assert_eq!(code, 0, "{report} {stderr}");
    let changed = changes(&report);
    assert_eq!(
        changed.keys().collect::<Vec<_>>(),
        ["garden.jpg"],
        "{report}"
    );
    assert_eq!(changed["garden.jpg"]["what"], "jpeg-resized");
    assert_eq!(decode(&root.join("garden.jpg")).dimensions(), (640, 400));
    let mut others = tree(&root);
    others.remove(&root.join("garden.jpg"));
    let mut expected = before.clone();
    expected.remove(&root.join("garden.jpg"));
    assert_eq!(others, expected, "coffee.png and aqua.jpg are not touched");

    // A folder and a file, mixed: copies for what they name, nothing for aqua.jpg.
    fs::create_dir(root.join("sub")).unwrap();
    fs::copy(fixture("images-src/wood.jpg"), root.join("sub/wood.jpg")).unwrap();
    let (code, report, stderr) = optimize_paths(
        &[root.join("sub"), root.join("coffee.png")],
        &["--webp", "--copies-only"],
    );
    assert_eq!(code, 0, "{report} {stderr}");
    assert_eq!(
        changes(&report).keys().collect::<Vec<_>>(),
        ["coffee.webp", "sub/wood.webp"],
        "{report}"
    );
    assert!(!root.join("aqua.webp").exists());
    // A file that is not an image is said so.
    fs::write(root.join("notes.txt"), "not an image").unwrap();
    let (code, report, _) = optimize_paths(&[root.join("notes.txt")], &[]);
    assert_eq!(code, 0);
    assert!(
        report["warnings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("not a PNG, JPEG or GIF"),
        "{report}"
    );
}

/// `photo.png` named alone still shares `photo.webp` with the `photo.jpg` beside it: neither
/// gets a copy (one would be taken for the other's).
#[test]
fn a_file_named_alone_still_shares_its_copy_name_with_the_images_beside_it() {
    let (_folder, root) = images_site(&["coffee.png"]);
    fs::copy(fixture("images-src/garden.jpg"), root.join("coffee.jpg")).unwrap();
    let (code, report, _) =
        optimize_paths(&[root.join("coffee.png")], &["--webp", "--copies-only"]);
    assert_eq!(code, 0);
    assert!(!root.join("coffee.webp").exists(), "{report}");
    assert!(
        report["warnings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("same name"),
        "{report}"
    );
}

/// `--rewrite-html` with one image named needs `--root` (the folder whose pages show it), then
/// changes the `<img>` that show that image and no other tag, page or image.
#[test]
fn rewrite_html_for_one_image_changes_only_the_tags_showing_it() {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path().join("site");
    let copied = std::process::Command::new("cp")
        .arg("-a")
        .arg(fixture("images-bad"))
        .arg(&root)
        .status()
        .unwrap();
    assert!(copied.success());
    let before = tree(&root);
    let wood = root.join("img/wood.jpg");
    let args = ["--webp", "--copies-only", "--rewrite-html"];
    let run = to_run(
        webaudit()
            .arg("optimize")
            .args(args)
            .arg(&wood)
            .output()
            .unwrap(),
    );
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--root"), "{}", run.stderr);
    assert_eq!(tree(&root), before);

    let mut with_root = args.to_vec();
    with_root.extend(["--root", root.to_str().unwrap()]);
    let (code, report, stderr) = optimize_paths(std::slice::from_ref(&wood), &with_root);
    assert_eq!(code, 0, "{report} {stderr}");
    assert_eq!(
        changes(&report).keys().collect::<Vec<_>>(),
        ["img/wood.webp", "index.html"],
        "{report}"
    );
    let original = String::from_utf8(before[&root.join("index.html")].clone()).unwrap();
    let page = fs::read_to_string(root.join("index.html")).unwrap();
    let changed: Vec<(&str, &str)> = original
        .lines()
        .zip(page.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(changed.len(), 1, "{changed:?}");
    let (old, new) = changed[0];
    assert!(old.contains("src=\"img/wood.jpg\""), "{old}");
    assert!(
        new.contains("<picture><source type=\"image/webp\" srcset=\"img/wood.webp\">"),
        "{new}"
    );
    // The same tag's missing size and lazy loading come with it (README: --rewrite-html).
    assert!(new.contains("loading=\"lazy\""), "{new}");
    let mut after = tree(&root);
    for changed in ["index.html", "img/wood.webp"] {
        after.remove(&root.join(changed));
    }
    let mut expected = before.clone();
    expected.remove(&root.join("index.html"));
    assert_eq!(after, expected, "nothing else changed");
}

/// A few SIGKILLs at spread-out moments (benches/kill_test.py does fifty at random ones): every
/// PNG is its original or has its original's pixels, and the next run removes the leftovers.
#[test]
fn a_killed_run_leaves_originals_or_verified_versions() {
    let names = [
        "coffee.png",
        "plasma-screenshot.png",
        "futureprototype-1920.png",
        "wood.jpg",
    ];
    let (_folder, root) = images_site(&names);
    let originals: BTreeMap<&str, image::DynamicImage> = names
        .iter()
        .map(|n| (*n, decode(&fixture("images-src").join(n))))
        .collect();
    let binary = assert_cmd::cargo::cargo_bin!("webaudit");
    for delay_ms in [5u64, 40, 120, 300, 700] {
        for name in names {
            fs::copy(fixture("images-src").join(name), root.join(name)).unwrap();
        }
        let mut child = std::process::Command::new(binary)
            .arg("optimize")
            .arg(&root)
            .args(["--webp", "--quiet"])
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        child.wait().unwrap();
        for name in names {
            let now = fs::read(root.join(name)).unwrap();
            let original = fs::read(fixture("images-src").join(name)).unwrap();
            if now != original {
                assert!(
                    same_pixels(&decode(&root.join(name)), &originals[name]),
                    "{name} after a kill at {delay_ms} ms"
                );
            }
        }
        // A kill can land mid-write: a `.webaudit-tmp-` file may be partial (the next run
        // removes it, checked below); every file under its final name must decode.
        for entry in fs::read_dir(&root).unwrap() {
            let path = entry.unwrap().path();
            let temporary = path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(".webaudit-tmp-"));
            if path.extension().is_some_and(|e| e == "webp") && !temporary {
                decode(&path);
            }
        }
    }
    let (code, report, _) = optimize(&root, &["--webp"]);
    assert_eq!(code, 0, "{report}");
    let leftovers = fs::read_dir(&root)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with(".webaudit-tmp-")
        })
        .count();
    assert_eq!(leftovers, 0);
}

#[test]
fn the_audit_finds_nothing_left_to_optimise_afterwards() {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path().join("site");
    let copied = std::process::Command::new("cp")
        .arg("-a")
        .arg(fixture("images-bad"))
        .arg(&root)
        .status()
        .unwrap();
    assert!(copied.success());
    let (_, before) = json_report(&root, &["--no-config"]);
    let optimizable = findings(&before, "images/optimizable");
    let named: Vec<&str> = optimizable
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    for image in [
        "img/coffee.png",
        "img/plasma-screenshot.png",
        "img/wood.jpg",
    ] {
        assert!(
            named.iter().any(|m| m.starts_with(image)),
            "{image}: {named:?}"
        );
    }
    // Each fix names its one image: lossless (safe) for a PNG, --lossy (unsafe) for a JPEG.
    for finding in &optimizable {
        let fix = &finding["fix"];
        let image = fix["files"][0].as_str().unwrap();
        assert!(finding["message"].as_str().unwrap().starts_with(image));
        let file = root.join(image);
        let (command, applicability) = if image.ends_with(".png") {
            (format!("webaudit optimize {}", file.display()), "safe")
        } else {
            (
                format!("webaudit optimize --lossy {}", file.display()),
                "unsafe",
            )
        };
        assert_eq!(fix["command"], command.as_str());
        assert_eq!(fix["applicability"], applicability);
        assert_eq!(fix["changes"], serde_json::json!([image]));
    }
    let (code, report, _) = optimize(&root, &["--lossy"]);
    assert_eq!(code, 0, "{report}");
    let (_, after) = json_report(&root, &["--no-config"]);
    assert!(
        findings(&after, "images/optimizable").is_empty(),
        "{:?}",
        findings(&after, "images/optimizable")
    );
}

/// `--webp --rewrite-html` on a real page: the pages point at the copies, get real sizes and
/// lazy loading below the fold; the audit's modern-format, unsized and lazy-loading findings
/// are gone; every byte outside the inserted text is the original's; a second run is a no-op.
#[test]
fn rewrite_html_points_pages_at_the_copies_and_the_audit_agrees() {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path().join("site");
    let copied = std::process::Command::new("cp")
        .arg("-a")
        .arg(fixture("images-bad"))
        .arg(&root)
        .status()
        .unwrap();
    assert!(copied.success());
    let original = fs::read_to_string(root.join("index.html")).unwrap();
    let (_, before) = json_report(&root, &["--no-config"]);
    for rule in [
        "images/modern-format",
        "images/unsized",
        "images/lazy-loading",
    ] {
        assert!(!findings(&before, rule).is_empty(), "{rule}");
    }

    // A dry run plans the rewrite (against the copies it would write) and writes nothing.
    let untouched = tree(&root);
    let (code, plan, _) = optimize(&root, &["--webp", "--rewrite-html", "--dry-run"]);
    assert_eq!(code, 0, "{plan}");
    assert_eq!(changes(&plan)["index.html"]["what"], "html-rewrite");
    assert_eq!(tree(&root), untouched);

    let (code, report, stderr) = optimize(&root, &["--webp", "--rewrite-html"]);
    assert_eq!(code, 0, "{report} {stderr}");
    let rewritten = fs::read_to_string(root.join("index.html")).unwrap();
    assert_eq!(rewritten.lines().count(), original.lines().count());
    let line = |n: usize| rewritten.lines().nth(n - 1).unwrap();
    let (width, height) = decode(&root.join("img/ladybird.jpg")).dimensions();
    // The hero (line 13): a <picture>, its real size, never lazy.
    assert_eq!(
        line(13),
        format!(
            "  <picture><source type=\"image/webp\" srcset=\"img/ladybird.webp\"><img class=\"hero-image\" src=\"img/ladybird.jpg\" alt=\"A ladybird climbing a blade of grass between forget-me-nots\" width=\"{width}\" height=\"{height}\"></picture>"
        )
    );
    // A gallery image below the fold (line 53): lazy as well.
    assert!(
        line(53).ends_with("loading=\"lazy\" decoding=\"async\"></picture>"),
        "{}",
        line(53)
    );
    // Every line the rewriter did not touch is byte for byte the original.
    for (number, (old, new)) in original.lines().zip(rewritten.lines()).enumerate() {
        if !old.contains("<img") {
            assert_eq!(old, new, "line {}", number + 1);
        }
    }

    let (_, after) = json_report(&root, &["--no-config"]);
    for rule in [
        "images/modern-format",
        "images/unsized",
        "images/lazy-loading",
    ] {
        assert!(
            findings(&after, rule).is_empty(),
            "{rule}: {:?}",
            findings(&after, rule)
        );
    }
    let settled = tree(&root);
    let (code, again, _) = optimize(&root, &["--webp", "--rewrite-html"]);
    assert_eq!(code, 0);
    assert!(again["changes"].as_array().unwrap().is_empty(), "{again}");
    assert_eq!(tree(&root), settled);
}

/// Every file below `root` (recursively) with its bytes.
fn tree(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut folders = vec![root.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else {
                files.insert(path.clone(), fs::read(&path).unwrap());
            }
        }
    }
    files
}

/// An EXIF-rotated PNG (orientation 6: shown turned a quarter, 300×400 from 400×300 stored):
/// oxipng used to drop its `eXIf`, so the page got the stored 400×300 while its WebP copy,
/// whose pixels are turned, is 300×400: squashed in every browser that picks the copy.
#[test]
fn an_exif_rotated_png_keeps_its_turn_and_the_page_gets_the_displayed_size() {
    let (_folder, root) = images_site(&[]);
    let photo = decode(&fixture("images-src").join("garden.jpg")).resize_exact(
        400,
        300,
        image::imageops::FilterType::Triangle,
    );
    let mut png = Vec::new();
    photo
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    // Little-endian TIFF, one IFD entry: Orientation (0x0112) = 6.
    let exif: &[u8] = &[
        b'I', b'I', 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0,
    ];
    fs::write(
        root.join("turned.png"),
        png_with_chunks(&png, &[(b"eXIf", exif)]),
    )
    .unwrap();
    fs::write(
        root.join("index.html"),
        "<!doctype html>\n<html><body>\n<img src=\"turned.png\" alt=\"A garden\">\n</body></html>\n",
    )
    .unwrap();

    let (code, report, stderr) = optimize(&root, &["--webp", "--rewrite-html"]);
    assert_eq!(code, 0, "{report} {stderr}");
    assert_eq!(
        changes(&report)["turned.png"]["what"],
        "png-lossless",
        "{report}"
    );
    let optimized = fs::read(root.join("turned.png")).unwrap();
    assert!(
        optimized.windows(4).any(|w| w == b"eXIf"),
        "the optimised PNG lost its EXIF orientation"
    );
    assert_eq!(decode(&root.join("turned.webp")).dimensions(), (300, 400));
    let page = fs::read_to_string(root.join("index.html")).unwrap();
    assert!(
        page.contains("width=\"300\" height=\"400\""),
        "the page must get the displayed size: {page}"
    );
}

/// A `photo.webp` that is not a copy of `photo.png` is left alone by `--webp` and never put in
/// front of the page's `<img>` by `--rewrite-html` (browsers would show the other picture).
#[test]
fn rewrite_html_never_points_a_page_at_someone_elses_webp() {
    let (_folder, root) = images_site(&["coffee.png"]);
    fs::copy(
        fixture("images-good").join("img/ladybird-1280.webp"),
        root.join("coffee.webp"),
    )
    .unwrap();
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    fs::File::options()
        .write(true)
        .open(root.join("coffee.webp"))
        .unwrap()
        .set_modified(old)
        .unwrap();
    let page = "<!doctype html>\n<img src=\"coffee.png\" alt=\"Coffee\">\n";
    fs::write(root.join("index.html"), page).unwrap();
    let (code, report, stderr) = optimize(&root, &["--webp", "--rewrite-html"]);
    assert_eq!(code, 0, "{report} {stderr}");
    let rewritten = fs::read_to_string(root.join("index.html")).unwrap();
    assert!(!rewritten.contains("<picture>"), "{rewritten}");
    assert!(!rewritten.contains("coffee.webp"), "{rewritten}");
    // With --force the copy is made, and then the page uses it.
    let (code, _, _) = optimize(&root, &["--webp", "--rewrite-html", "--force"]);
    assert_eq!(code, 0);
    let rewritten = fs::read_to_string(root.join("index.html")).unwrap();
    assert!(rewritten.contains("srcset=\"coffee.webp\""), "{rewritten}");
}
