//! `webaudit compress`: copies that decode to their originals, at the audit's sizes, written
//! only where they help, never twice, never through links, and never half-written.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use common::*;
use serde_json::Value;

/// A copy of a fixture in a fresh temporary folder (the fixers write in place).
fn copy_of(fixture_name: &str) -> (tempfile::TempDir, PathBuf) {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path().join("site");
    let status = std::process::Command::new("cp")
        .arg("-a")
        .arg(fixture(fixture_name))
        .arg(&root)
        .status()
        .unwrap();
    assert!(status.success());
    (folder, root)
}

fn compress(root: &Path, args: &[&str]) -> (i32, Value, String) {
    let output = webaudit()
        .arg("compress")
        .arg(root)
        .args(["--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let run = to_run(output);
    let report: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("JSON expected ({e}): {} {}", run.stdout, run.stderr));
    (run.code, report, run.stderr)
}

fn changed_paths(report: &Value) -> Vec<String> {
    let mut paths: Vec<String> = report["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["path"].as_str().unwrap().to_string())
        .collect();
    paths.sort();
    paths
}

fn decode(path: &Path) -> Vec<u8> {
    let bytes = fs::read(path).unwrap();
    let mut decoded = Vec::new();
    if path.extension().unwrap() == "gz" {
        flate2::read::MultiGzDecoder::new(&bytes[..])
            .read_to_end(&mut decoded)
            .unwrap();
    } else {
        brotli_decompressor::Decompressor::new(&bytes[..], 4096)
            .read_to_end(&mut decoded)
            .unwrap();
    }
    decoded
}

/// Every file below `root` with its bytes, to show that a run changed nothing.
fn snapshot(root: &Path) -> BTreeMap<PathBuf, (Vec<u8>, i64)> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let metadata = e.metadata().unwrap();
            (
                e.path().to_path_buf(),
                (fs::read(e.path()).unwrap(), metadata.mtime_nsec()),
            )
        })
        .collect()
}

#[test]
fn copies_decode_to_their_originals_at_the_sizes_the_audit_reports() {
    let (_folder, root) = copy_of("images-bad");
    let (_, before) = json_report(&root, &["--no-config", "--brotli"]);
    let (code, report, stderr) = compress(&root, &[]);
    assert_eq!(code, 0, "{stderr}");
    let written = changed_paths(&report);
    for expected in [
        "fonts/OpenSans-Regular.ttf.br",
        "fonts/OpenSans-Regular.ttf.gz",
        "index.html.br",
        "index.html.gz",
        "style.css.br",
    ] {
        assert!(written.contains(&expected.to_string()), "{written:?}");
    }
    // Images and the Markdown README are not compressible web formats.
    assert!(
        written
            .iter()
            .all(|p| !p.starts_with("img/") && !p.starts_with("README")),
        "{written:?}"
    );
    for change in report["changes"].as_array().unwrap() {
        let path = root.join(change["path"].as_str().unwrap());
        let source = root.join(change["source"].as_str().unwrap());
        assert_eq!(decode(&path), fs::read(&source).unwrap(), "{path:?}");
        let size = fs::metadata(&path).unwrap().len();
        assert_eq!(change["after"], size);
        assert!(
            size as f64 <= 0.9 * fs::metadata(&source).unwrap().len() as f64,
            "{path:?}"
        );
        // The same definitions as the audit: the .gz/.br is the size the audit reported.
        let measured = asset(&before, change["source"].as_str().unwrap());
        let key = if path.extension().unwrap() == "gz" {
            "gzip"
        } else {
            "brotli"
        };
        assert_eq!(measured[key], size, "{path:?}");
    }
    assert!(report["errors"].as_array().unwrap().is_empty());
}

#[test]
fn the_audit_finds_nothing_to_compress_afterwards_and_a_second_run_is_a_no_op() {
    let (_folder, root) = copy_of("images-bad");
    let (_, before) = json_report(&root, &["--no-config"]);
    let missing = findings(&before, "compression/missing");
    assert!(!missing.is_empty());
    // Each finding's fix compresses its one file, safely.
    for finding in &missing {
        let path = finding["path"].as_str().unwrap();
        let fix = &finding["fix"];
        assert_eq!(fix["kind"], "command");
        assert_eq!(
            fix["command"],
            format!("webaudit compress {}", root.join(path).display()).as_str()
        );
        assert_eq!(fix["applicability"], "safe");
        assert_eq!(fix["files"], serde_json::json!([path]));
        assert_eq!(
            fix["changes"],
            serde_json::json!([format!("{path}.gz"), format!("{path}.br")])
        );
    }

    let (code, first, _) = compress(&root, &[]);
    assert_eq!(code, 0);
    assert!(!changed_paths(&first).is_empty());
    // The fixture's stale vendor/normalize.css.gz is not webaudit's to replace unasked.
    let warnings = first["warnings"].as_array().unwrap();
    assert!(
        warnings
            .iter()
            .any(|w| w["path"] == "vendor/normalize.css.gz"
                && w["message"].as_str().unwrap().contains("--force")),
        "{first}"
    );
    let (_, between) = json_report(&root, &["--no-config"]);
    assert_eq!(
        findings(&between, "compression/stale").len(),
        1,
        "{between}"
    );
    let (code, forced, _) = compress(&root, &["--force"]);
    assert_eq!(code, 0);
    assert_eq!(changed_paths(&forced), ["vendor/normalize.css.gz"]);
    let (_, after) = json_report(&root, &["--no-config"]);
    for rule in [
        "compression/missing",
        "compression/stale",
        "compression/useless",
    ] {
        assert!(findings(&after, rule).is_empty(), "{rule}: {after}");
    }

    let files = snapshot(&root);
    let (code, second, _) = compress(&root, &[]);
    assert_eq!(code, 0);
    assert!(changed_paths(&second).is_empty(), "{second}");
    assert!(
        second["up_to_date"].as_u64().unwrap() >= first["changes"].as_array().unwrap().len() as u64
    );
    assert_eq!(snapshot(&root), files, "a second run touched files");
    let text = webaudit().arg("compress").arg(&root).output().unwrap();
    let text = to_run(text);
    assert!(text.stdout.starts_with("Nothing to do:"), "{}", text.stdout);
}

#[test]
fn a_stale_copy_is_rewritten_only_with_force_and_an_up_to_date_one_kept() {
    let (_folder, root) = copy_of("images-bad");
    // The fixture's style.css.gz is current; make index.html.gz a copy of another file.
    fs::copy(root.join("style.css.gz"), root.join("index.html.gz")).unwrap();
    let foreign = fs::read(root.join("index.html.gz")).unwrap();
    let kept = fs::read(root.join("style.css.gz")).unwrap();
    // Unasked, a copy that does not decode to its original is reported and left alone: it
    // may be someone's own file.
    let (code, report, _) = compress(&root, &["--no-brotli"]);
    assert_eq!(code, 0);
    assert!(!changed_paths(&report).contains(&"index.html.gz".to_string()));
    assert_eq!(fs::read(root.join("index.html.gz")).unwrap(), foreign);
    let warning = report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["path"] == "index.html.gz")
        .unwrap();
    assert!(warning["message"].as_str().unwrap().contains("left alone"));
    let (code, report, _) = compress(&root, &["--no-brotli", "--force"]);
    assert_eq!(code, 0);
    let change = report["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["path"] == "index.html.gz")
        .unwrap();
    assert_eq!(change["action"], "replace");
    assert!(
        change["reason"]
            .as_str()
            .unwrap()
            .contains("does not decode")
    );
    assert_eq!(
        decode(&root.join("index.html.gz")),
        fs::read(root.join("index.html")).unwrap()
    );
    assert_eq!(fs::read(root.join("style.css.gz")).unwrap(), kept);
    assert!(!changed_paths(&report).contains(&"style.css.gz".to_string()));
}

#[test]
fn dry_run_plans_the_savings_and_writes_nothing() {
    let (_folder, root) = copy_of("images-bad");
    let files = snapshot(&root);
    let (code, report, _) = compress(&root, &["--dry-run"]);
    assert_eq!(code, 0);
    assert_eq!(report["dry_run"], true);
    let planned = changed_paths(&report);
    assert!(
        planned.contains(&"index.html.br".to_string()),
        "{planned:?}"
    );
    assert!(report["changes"][0]["after"].as_u64().unwrap() > 0);
    assert_eq!(snapshot(&root), files);
    // The same plan is what a real run then does.
    let (_, real, _) = compress(&root, &[]);
    assert_eq!(changed_paths(&real), planned);
}

#[test]
fn thresholds_decide_what_is_worth_a_copy() {
    let (_folder, root) = copy_of("images-bad");
    // normalize.css compresses to ~28% with gzip: not within a 0.2 ratio.
    // Only the fixture's stale vendor/normalize.css.gz is still rewritten (with --force): a
    // stale copy is replaced whatever it saves, or the server would keep sending old content.
    let (_, strict, _) = compress(&root, &["--dry-run", "--force", "--min-ratio", "0.2"]);
    assert_eq!(
        changed_paths(&strict),
        ["vendor/normalize.css.gz"],
        "{strict}"
    );
    assert_eq!(strict["changes"][0]["action"], "replace");
    assert!(strict["not_worth_it"].as_u64().unwrap() > 0);
    // Files under --min-size are left alone: index.html is 4,291 bytes.
    let (_, large_only, _) = compress(&root, &["--dry-run", "--min-size", "5000"]);
    let paths = changed_paths(&large_only);
    assert!(
        !paths.iter().any(|p| p.starts_with("index.html")),
        "{paths:?}"
    );
    assert!(paths.iter().any(|p| p.starts_with("fonts/")), "{paths:?}");
}

#[test]
fn copies_take_the_permissions_of_their_original() {
    let (_folder, root) = copy_of("images-bad");
    fs::set_permissions(root.join("index.html"), fs::Permissions::from_mode(0o640)).unwrap();
    let (code, _, _) = compress(&root, &[]);
    assert_eq!(code, 0);
    for copy in ["index.html.gz", "index.html.br"] {
        let mode = fs::metadata(root.join(copy)).unwrap().permissions().mode() & 0o7777;
        assert_eq!(mode, 0o640, "{copy}");
    }
}

#[test]
fn clean_removes_orphaned_copies_only() {
    let (_folder, root) = copy_of("images-bad");
    fs::copy(root.join("style.css.gz"), root.join("removed-page.css.gz")).unwrap();
    fs::copy(root.join("style.css.gz"), root.join("archive.tar.gz")).unwrap();
    let (code, report, _) = compress(&root, &["--clean", "--no-brotli"]);
    assert_eq!(code, 0);
    let removed: Vec<&Value> = report["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["action"] == "remove")
        .collect();
    assert_eq!(removed.len(), 1, "{report}");
    assert_eq!(removed[0]["path"], "removed-page.css.gz");
    assert!(!root.join("removed-page.css.gz").exists());
    assert!(
        root.join("archive.tar.gz").exists(),
        "a download, not a copy"
    );
    assert!(root.join("style.css.gz").exists());
}

#[test]
fn links_are_not_followed_and_leftover_temporaries_are_removed() {
    let (folder, root) = copy_of("images-bad");
    let outside = folder.path().join("outside.js");
    fs::copy(root.join("vendor/medium-zoom.js"), &outside).unwrap();
    std::os::unix::fs::symlink(&outside, root.join("linked.js")).unwrap();
    // A .gz that is a link: writing it would write through the link.
    let outside_gz = folder.path().join("outside.html.gz");
    fs::write(&outside_gz, b"not to be touched").unwrap();
    std::os::unix::fs::symlink(&outside_gz, root.join("index.html.gz")).unwrap();
    // What a killed run leaves: a temporary of a process that is gone (pid 0 never is one).
    let leftover_name = webaudit::fix::atomic::temporary_name(0, "coffee.png");
    let leftover = root.join("img").join(&leftover_name);
    fs::write(&leftover, b"half an image").unwrap();
    // A user's files named like temporaries, but not made by webaudit, are left alone.
    let lookalikes = [
        root.join(".webaudit-tmp-notes.txt"),
        root.join("img/.webaudit-tmp-0-7-coffee.png"),
    ];
    for lookalike in &lookalikes {
        fs::write(lookalike, b"the user's own").unwrap();
    }

    let (code, report, _) = compress(&root, &[]);
    assert_eq!(code, 1, "the link is an error for that file: {report}");
    assert!(!root.join("linked.js.gz").exists());
    assert!(!folder.path().join("outside.js.gz").exists());
    assert_eq!(fs::read(&outside_gz).unwrap(), b"not to be touched");
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["path"], "index.html.gz");
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap()
            .contains("symbolic link")
    );
    assert!(root.join("index.html.br").exists(), "the rest goes on");
    assert!(!leftover.exists());
    assert_eq!(
        report["temporaries_removed"],
        serde_json::json!([format!("img/{leftover_name}")])
    );
    for lookalike in &lookalikes {
        assert_eq!(fs::read(lookalike).unwrap(), b"the user's own");
    }
}

/// Files named on the command line (mixed with folders) are the only ones compressed; their
/// paths are relative to the folder holding them all; `--force` and the refusal to replace a
/// stranger's `.gz` hold for a named file as for a folder.
#[test]
fn files_named_are_the_only_ones_compressed() {
    let (_folder, root) = copy_of("images-bad");
    let before = snapshot(&root);
    let (code, report, stderr) =
        compress_paths(&[&root.join("index.html"), &root.join("fonts")], &[]);
    assert_eq!(code, 0, "{report} {stderr}");
    assert_eq!(
        changed_paths(&report),
        [
            "fonts/OpenSans-Regular.ttf.br",
            "fonts/OpenSans-Regular.ttf.gz",
            "index.html.br",
            "index.html.gz"
        ]
    );
    for path in changed_paths(&report) {
        let source = root.join(path.rsplit_once('.').unwrap().0);
        assert_eq!(
            decode(&root.join(&path)),
            fs::read(&source).unwrap(),
            "{path}"
        );
    }
    let after = snapshot(&root);
    let mut untouched = after.clone();
    untouched.retain(|path, _| before.contains_key(path));
    assert_eq!(untouched, before, "no other file changed");
    assert_eq!(after.len(), before.len() + 4, "no other file written");

    // A stale copy beside a named file: left alone, then replaced with --force.
    let normalize = root.join("vendor/normalize.css");
    let (code, report, _) = compress_paths(&[&normalize], &[]);
    assert_eq!(code, 0);
    assert_eq!(report["warnings"][0]["path"], "normalize.css.gz");
    assert!(changed_paths(&report).iter().all(|p| !p.ends_with(".gz")));
    let (code, report, _) = compress_paths(&[&normalize], &["--force"]);
    assert_eq!(code, 0);
    assert!(changed_paths(&report).contains(&"normalize.css.gz".to_string()));
    assert_eq!(
        decode(&root.join("vendor/normalize.css.gz")),
        fs::read(&normalize).unwrap()
    );

    // A file that is not one to compress is said so.
    let (code, report, _) = compress_paths(&[&root.join("img/coffee.png")], &[]);
    assert_eq!(code, 0);
    assert!(changed_paths(&report).is_empty());
    assert!(
        report["warnings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("not a compressible format"),
        "{report}"
    );
}

/// A path that is a link, missing, or outside --root is refused before anything is written.
#[test]
fn a_link_a_missing_path_or_one_outside_the_root_is_refused() {
    let (_folder, root) = copy_of("images-bad");
    std::os::unix::fs::symlink("index.html", root.join("link.html")).unwrap();
    let before = snapshot(&root);
    for (args, says) in [
        (vec![root.join("link.html")], "symbolic link"),
        (
            vec![root.join("index.html"), root.join("gone.js")],
            "gone.js",
        ),
        (
            vec![
                PathBuf::from("--root"),
                root.join("vendor"),
                root.join("index.html"),
            ],
            "not inside the root folder",
        ),
    ] {
        let run = to_run(webaudit().arg("compress").args(&args).output().unwrap());
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(says), "{args:?}: {}", run.stderr);
        assert_eq!(snapshot(&root), before, "{args:?}");
    }
}

fn compress_paths(paths: &[&Path], args: &[&str]) -> (i32, Value, String) {
    fixer_json("compress", paths, &[&["-q"], args].concat())
}

fn is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout == b"0\n")
        .unwrap_or(false)
}

/// The binary as an unprivileged user when the tests run as root (root writes anywhere).
fn unprivileged(root: &Path) -> std::process::Command {
    let binary = assert_cmd::cargo::cargo_bin!("webaudit");
    let mut command = if is_root() {
        let status = std::process::Command::new("chown")
            .args(["-R", "65534:65534"])
            .arg(root)
            .status()
            .unwrap();
        assert!(status.success());
        let mut command = std::process::Command::new("setpriv");
        command
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(binary);
        command
    } else {
        std::process::Command::new(binary)
    };
    command.env("NO_COLOR", "1");
    command
}

#[test]
fn a_read_only_folder_is_an_error_for_its_files_and_the_rest_continue() {
    let (folder, root) = copy_of("images-bad");
    fs::set_permissions(folder.path(), fs::Permissions::from_mode(0o755)).unwrap();
    let mut command = unprivileged(&root);
    fs::set_permissions(root.join("fonts"), fs::Permissions::from_mode(0o555)).unwrap();
    let run = to_run(
        command
            .arg("compress")
            .arg(&root)
            .args(["--format", "json"])
            .output()
            .unwrap(),
    );
    fs::set_permissions(root.join("fonts"), fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let errors: Vec<&str> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        errors,
        [
            "fonts/OpenSans-Regular.ttf.gz",
            "fonts/OpenSans-Regular.ttf.br"
        ]
    );
    assert!(root.join("index.html.gz").exists());
    assert!(root.join("index.html.br").exists());
    assert_eq!(fs::read_dir(root.join("fonts")).unwrap().count(), 1);
}

#[test]
fn a_full_disk_is_an_error_for_that_file_and_leaves_no_partial_file() {
    // A file-size limit makes writes past 50 kB fail (EFBIG) as a full disk would (ENOSPC):
    // the font's copies (114 kB and 71 kB) cannot be written, index.html's (2 kB) can.
    let (_folder, root) = copy_of("images-bad");
    let run = to_run(
        std::process::Command::new("prlimit")
            .arg("--fsize=50000")
            .arg(assert_cmd::cargo::cargo_bin!("webaudit"))
            .arg("compress")
            .arg(&root)
            .args(["--format", "json"])
            .output()
            .expect("prlimit (util-linux) runs"),
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let errors: Vec<&str> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        errors,
        [
            "fonts/OpenSans-Regular.ttf.gz",
            "fonts/OpenSans-Regular.ttf.br"
        ]
    );
    assert_eq!(
        decode(&root.join("index.html.br")),
        fs::read(root.join("index.html")).unwrap()
    );
    let names: Vec<String> = fs::read_dir(root.join("fonts"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["OpenSans-Regular.ttf"], "no temporary left behind");
}
