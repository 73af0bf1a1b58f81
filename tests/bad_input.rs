//! Bad input: a clear message naming the file and the problem; the run goes on unless the whole
//! run is meaningless (exit 2). Nothing panics.

mod common;

use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;

use common::*;

#[test]
fn a_missing_path_is_fatal_with_one_clear_line() {
    let run = run(&["/definitely/not/here", "--no-cache"]);
    assert_eq!(run.code, 2);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("/definitely/not/here") && run.stderr.contains("No such file"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty());
}

#[test]
fn a_file_instead_of_a_folder_is_fatal() {
    let folder = tempfile::tempdir().unwrap();
    let file = folder.path().join("app.js");
    fs::write(&file, "x").unwrap();
    let run = run(&[file.to_str().unwrap(), "--no-cache"]);
    assert_eq!(run.code, 2);
    assert_eq!(run.stderr.lines().count(), 1);
    assert!(
        run.stderr.contains("is a file, not a folder"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_empty_folder_passes_with_nothing_to_measure() {
    let folder = tempfile::tempdir().unwrap();
    let (code, report) = json_report(folder.path(), &["--no-config"]);
    assert_eq!(code, 0);
    assert!(report["assets"].as_array().unwrap().is_empty());
    assert_eq!(report["budgets"][0]["actual"], 0);
    let terminal = run(&[folder.path().to_str().unwrap(), "--no-cache", "--no-config"]);
    assert_eq!(terminal.code, 0);
    assert!(
        terminal.stdout.contains("No assets to measure."),
        "{}",
        terminal.stdout
    );
}

fn config_error(text: &str) -> String {
    let folder = tempfile::tempdir().unwrap();
    fs::write(folder.path().join("a.js"), "x").unwrap();
    fs::write(folder.path().join("webaudit.toml"), text).unwrap();
    let run = run(&[folder.path().to_str().unwrap(), "--no-cache"]);
    assert_eq!(
        run.code, 2,
        "{text:?} should be fatal; stderr: {}",
        run.stderr
    );
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    run.stderr
}

#[test]
fn a_bad_config_names_file_line_column_and_key() {
    let message = config_error("[budget]\ntotl = \"100kB\"\n");
    assert!(message.contains("webaudit.toml:2:1:"), "{message}");
    assert!(message.contains("totl"), "{message}");

    let message = config_error("[budget]\ntotal = \"12 kilobytes\"\n");
    assert!(message.contains("webaudit.toml:2:9:"), "{message}");
    assert!(
        message.contains("budget.total") && message.contains("\"12 kilobytes\""),
        "{message}"
    );
    assert!(
        message.contains("KiB") && message.contains("kB"),
        "lists the accepted forms: {message}"
    );

    let message = config_error("[budget.types]\nscripts = \"10kB\"\n");
    assert!(
        message.contains("webaudit.toml:2:11:") && message.contains("scripts"),
        "{message}"
    );

    let message = config_error("[rules]\n\"budget/totl\" = \"error\"\n");
    assert!(
        message.contains("webaudit.toml:2:") && message.contains("budget/totl"),
        "{message}"
    );

    let message = config_error("[rules]\n\"budget/total\" = \"loud\"\n");
    assert!(
        message.contains("\"loud\"") && message.contains("warning"),
        "{message}"
    );

    let message = config_error("[budget\ntotal = 1\n");
    assert!(message.contains("webaudit.toml:1:"), "{message}");

    let message =
        config_error("[[budget.path]]\npath = \"*.js\"\nmax_size = \"1kB\"\naggregate = \"avg\"\n");
    assert!(
        message.contains("webaudit.toml:4:") && message.contains("aggregate"),
        "{message}"
    );
}

#[test]
fn a_bad_size_on_the_command_line_lists_the_accepted_forms() {
    let folder = tempfile::tempdir().unwrap();
    let run = run(&[folder.path().to_str().unwrap(), "--budget", "12 kilobytes"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("\"12 kilobytes\"") && run.stderr.contains("KiB"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_bad_lighthouse_budget_names_line_and_column() {
    let folder = tempfile::tempdir().unwrap();
    let budget = folder.path().join("budget.json");
    fs::write(
        &budget,
        "[{\"resourceSizes\": [{\"resourceType\": \"scripts\", \"budget\": 1}]}]",
    )
    .unwrap();
    let run = run(&[
        folder.path().to_str().unwrap(),
        "--no-cache",
        "--budget-file",
        budget.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("budget.json:1:") && run.stderr.contains("scripts"),
        "{}",
        run.stderr
    );
}

#[test]
fn non_utf8_names_symlinks_and_loops_are_reported_and_the_run_goes_on() {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path();
    fs::write(root.join("app.js"), "console.log('hello');\n".repeat(20)).unwrap();
    let latin1 = std::ffi::OsStr::from_bytes(b"caf\xe9.js");
    fs::write(root.join(latin1), "export default 1;\n").unwrap();
    symlink(root.join("loop-b"), root.join("loop-a")).unwrap();
    symlink(root.join("loop-a"), root.join("loop-b")).unwrap();
    fs::create_dir(root.join("nested")).unwrap();
    symlink("..", root.join("nested/parent")).unwrap();
    symlink("/etc/passwd", root.join("outside.txt")).unwrap();
    fs::create_dir_all(root.join("node_modules/lodash")).unwrap();
    fs::write(root.join("node_modules/lodash/lodash.js"), "x").unwrap();
    fs::create_dir_all(root.join(".git")).unwrap();
    fs::write(root.join(".git/HEAD"), "ref").unwrap();

    let output = webaudit()
        .arg(root)
        .args(["--format", "json", "--no-cache", "--no-config"])
        .output()
        .unwrap();
    let run = to_run(output);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let paths: Vec<&str> = report["assets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["app.js", "caf\u{FFFD}.js"]);
    assert_eq!(asset(&report, "caf\u{FFFD}.js")["raw"], 18);

    let skipped = report["skipped"].as_array().unwrap();
    let category = |path: &str| {
        skipped
            .iter()
            .find(|s| s["path"] == path)
            .map(|s| s["category"].as_str().unwrap())
    };
    assert_eq!(category("loop-a"), Some("symbolic-link"));
    assert_eq!(category("loop-b"), Some("symbolic-link"));
    assert_eq!(category("nested/parent"), Some("symbolic-link"));
    assert_eq!(category("outside.txt"), Some("symbolic-link"));
    assert_eq!(category("node_modules"), Some("ignored"));
    assert_eq!(category(".git"), Some("ignored"));
    // Links are warned about, on stderr, by name; routine skips are not.
    assert!(
        run.stderr.contains("warning: loop-a: symbolic link"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("node_modules"), "{}", run.stderr);
}

/// Runs webaudit as an unprivileged user when the tests run as root (root reads any file).
fn run_unable_to_read(root: &Path) -> Run {
    let binary = assert_cmd::cargo::cargo_bin!("webaudit");
    let is_root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout == b"0\n")
        .unwrap_or(false);
    let mut command = if is_root {
        let mut command = std::process::Command::new("setpriv");
        command
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(binary);
        command
    } else {
        std::process::Command::new(binary)
    };
    command
        .arg(root)
        .args(["--format", "json", "--no-cache", "--no-config"])
        .env("NO_COLOR", "1");
    to_run(command.output().expect("the binary (or setpriv) runs"))
}

#[test]
fn an_unreadable_file_is_a_warning_and_the_run_goes_on() {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path();
    fs::set_permissions(root, fs::Permissions::from_mode(0o755)).unwrap();
    fs::write(root.join("ok.js"), "let a = 1;\n").unwrap();
    fs::write(root.join("secret.js"), "let b = 2;\n").unwrap();
    fs::set_permissions(root.join("ok.js"), fs::Permissions::from_mode(0o644)).unwrap();
    fs::set_permissions(root.join("secret.js"), fs::Permissions::from_mode(0o000)).unwrap();
    fs::create_dir(root.join("locked")).unwrap();
    fs::write(root.join("locked/inside.js"), "x").unwrap();
    fs::set_permissions(root.join("locked"), fs::Permissions::from_mode(0o000)).unwrap();

    let run = run_unable_to_read(root);
    fs::set_permissions(root.join("locked"), fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["assets"].as_array().unwrap().len(), 1);
    assert_eq!(report["assets"][0]["path"], "ok.js");
    let skipped = report["skipped"].as_array().unwrap();
    for path in ["secret.js", "locked"] {
        let entry = skipped
            .iter()
            .find(|s| s["path"] == path)
            .unwrap_or_else(|| panic!("{path} not skipped: {skipped:?}"));
        assert_eq!(entry["category"], "unreadable");
        assert!(
            entry["reason"]
                .as_str()
                .unwrap()
                .contains("Permission denied"),
            "{entry}"
        );
        assert!(
            run.stderr.contains(&format!("warning: {path}: unreadable")),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn a_file_vanishing_between_scan_and_measure_is_skipped() {
    let folder = tempfile::tempdir().unwrap();
    fs::write(folder.path().join("stays.js"), "a").unwrap();
    fs::write(folder.path().join("goes.js"), "b").unwrap();
    let scan = webaudit::scan::scan(folder.path(), &[]).unwrap();
    fs::remove_file(folder.path().join("goes.js")).unwrap();
    let mut cache = webaudit::measure::cache::Cache::disabled();
    let measured = webaudit::measure::measure(
        &scan.files,
        Default::default(),
        Some(&webaudit::analyze::AnalyzeContext::new(
            &scan.files,
            None,
            [0; 32],
            Default::default(),
        )),
        &mut cache,
    );
    assert_eq!(measured.assets.len(), 1);
    assert_eq!(measured.skipped.len(), 1);
    assert_eq!(measured.skipped[0].path, "goes.js");
    assert_eq!(
        measured.skipped[0].category,
        webaudit::scan::SkipCategory::Vanished
    );
}

#[test]
fn content_overrules_a_wrong_or_missing_extension() {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path();
    fs::write(
        root.join("photo.png"),
        [0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F'],
    )
    .unwrap();
    fs::write(
        root.join("index"),
        "<!DOCTYPE html><html><body>hi</body></html>",
    )
    .unwrap();
    fs::write(root.join("LICENSE"), "MIT").unwrap();
    let (code, report) = json_report(root, &["--no-config"]);
    assert_eq!(code, 0);
    let photo = asset(&report, "photo.png");
    assert_eq!(
        (
            photo["format"].as_str(),
            photo["extension_mismatch"].as_bool()
        ),
        (Some("jpeg"), Some(true))
    );
    let index = asset(&report, "index");
    assert_eq!(
        (index["kind"].as_str(), index["format"].as_str()),
        (Some("document"), Some("html"))
    );
    assert!(
        index["gzip"].as_u64().is_some(),
        "HTML without extension is still compressed"
    );
    assert_eq!(asset(&report, "LICENSE")["kind"], "other");
}

#[test]
fn a_user_ignore_pattern_skips_folders_and_files() {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path();
    fs::create_dir_all(root.join("legacy/deep")).unwrap();
    fs::write(root.join("legacy/deep/old.js"), "x").unwrap();
    fs::write(root.join("keep.js"), "x").unwrap();
    fs::write(root.join("notes.txt"), "x").unwrap();
    let (_, report) = json_report(
        root,
        &["--no-config", "--ignore", "legacy/**", "--ignore", "*.txt"],
    );
    let paths: Vec<&str> = report["assets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["keep.js"]);
    let skipped: Vec<&str> = report["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["path"].as_str().unwrap())
        .collect();
    assert_eq!(skipped, ["legacy", "notes.txt"]);
}

#[test]
fn file_names_cannot_forge_terminal_output() {
    let folder = tempfile::tempdir().unwrap();
    let name = "evil\x1b[31m\nerror budget-total fake.js";
    fs::write(folder.path().join(name), "x".repeat(3000)).unwrap();
    let run = run(&[
        folder.path().to_str().unwrap(),
        "--no-cache",
        "--no-config",
        "--top",
        "0",
    ]);
    assert!(
        !run.stdout.contains('\x1b'),
        "no escape sequence reaches the terminal"
    );
    assert!(
        !run.stdout
            .lines()
            .any(|l| l.starts_with("error budget-total")),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("evil\\x1b[31m\\nerror budget-total fake.js"),
        "{}",
        run.stdout
    );
}
