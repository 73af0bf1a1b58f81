//! Switching from size-limit or bundlewatch keeps their verdicts: their configurations are found
//! where they find them, read with their units, and nothing is checked that they did not check.

mod common;

use std::fs;
use std::path::Path;

use common::{to_run, webaudit};
use serde_json::Value;

/// A project (stopped by `.git`, so no configuration above it is found) with `dist/`.
fn new_project() -> tempfile::TempDir {
    let project = tempfile::tempdir().unwrap();
    fs::create_dir(project.path().join(".git")).unwrap();
    let dist = project.path().join("dist");
    fs::create_dir_all(&dist).unwrap();
    fs::write(
        dist.join("index.html"),
        "<!doctype html><title>x</title><script src=/app.js></script>",
    )
    .unwrap();
    fs::write(dist.join("app.js"), script(20_000)).unwrap();
    project
}

/// A script of exactly `bytes` bytes.
fn script(bytes: usize) -> String {
    let line = "export const value = [1, 2, 3].map((n) => n * 2);\n";
    let mut text = line.repeat(bytes / line.len() + 1);
    text.truncate(bytes - 1);
    text.push('\n');
    text
}

/// Audits `dist` from the project folder, as `npx webaudit dist` would run; returns the exit
/// code, the report and stderr.
fn audit(project: &Path, args: &[&str]) -> (i32, Value, String) {
    let run = to_run(
        webaudit()
            .current_dir(project)
            .args(["dist", "--format", "json", "--no-cache"])
            .args(args)
            .output()
            .unwrap(),
    );
    let report = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", run.stdout, run.stderr));
    (run.code, report, run.stderr)
}

fn checks<'a>(report: &'a Value, rule: &str) -> Vec<&'a Value> {
    report["budgets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["rule"] == rule)
        .collect()
}

fn check_of<'a>(report: &'a Value, path: &str) -> &'a Value {
    checks(report, "budget/path")
        .into_iter()
        .find(|c| c["path"] == path)
        .unwrap_or_else(|| panic!("no check of {path}: {}", report["budgets"]))
}

#[test]
fn bundlewatch_91kb_is_93184_bytes_and_fails_only_over_it() {
    let project = new_project();
    let dist = project.path().join("dist");
    // Raw sizes (compression "none") put the files exactly at and just over the limit.
    fs::write(dist.join("at-limit.js"), script(93_184)).unwrap();
    fs::write(dist.join("over.js"), script(93_185)).unwrap();
    fs::write(dist.join("under-webaudit-kb.js"), script(91_001)).unwrap();
    fs::write(
        project.path().join(".bundlewatch.config.json"),
        r#"{"files": [{"path": "./dist/*.js", "maxSize": "91kB", "compression": "none"}]}"#,
    )
    .unwrap();
    let (code, report, _) = audit(project.path(), &[]);
    assert_eq!(code, 1, "over.js is over the limit");
    for (path, passed) in [
        ("at-limit.js", true),
        ("over.js", false),
        // 91,001 bytes would fail if "91kB" were 91,000 bytes.
        ("under-webaudit-kb.js", true),
        ("app.js", true),
    ] {
        let check = check_of(&report, path);
        assert_eq!(check["limit"], 93_184, "{check}");
        assert_eq!(check["measure"], "raw");
        assert_eq!(check["passed"], passed, "{check}");
    }
    assert!(
        checks(&report, "budget/total").is_empty(),
        "no default total on top of bundlewatch's budgets"
    );
    let notes = report["notes"].to_string();
    assert!(
        notes.contains(".bundlewatch.config.json") && notes.contains("1,024 bytes"),
        "the report says which configuration and units were used: {notes}"
    );
    assert!(
        report["settings"]["config_files"]
            .to_string()
            .contains(".bundlewatch.config.json")
    );
}

#[test]
fn bundlewatch_key_of_package_json_is_gzip_by_default_with_bundlewatchs_rule() {
    let project = new_project();
    fs::write(
        project.path().join("package.json"),
        r#"{"name": "x", "bundlewatch": {"files": [
            {"path": "dist/*.js", "maxSize": "1kB"},
            {"path": "dist/*.html", "maxSize": "91KiB"},
            {"path": "dist/index.html", "maxSize": 93184}]}}"#,
    )
    .unwrap();
    let (_, report, _) = audit(project.path(), &[]);
    let script = check_of(&report, "app.js");
    assert_eq!(script["measure"], "gzip");
    assert_eq!(script["limit"], 1024);
    let gzip = script["actual"].as_u64().unwrap();
    assert_eq!(script["passed"], gzip <= 1024, "fails when size > limit");
    // bytes reads "91KiB" with parseInt: 91 bytes. The report says so.
    assert_eq!(check_of(&report, "index.html")["limit"], 91);
    let notes = report["notes"].to_string();
    assert!(
        notes.contains("91KiB") && notes.contains("91 bytes"),
        "{notes}"
    );
    // A number is never exceeded in bundlewatch: not checked, and said.
    assert_eq!(
        checks(&report, "budget/path")
            .iter()
            .filter(|c| c["path"] == "index.html")
            .count(),
        1
    );
    assert!(notes.contains("as a number"), "{notes}");
}

#[test]
fn bundlewatch_javascript_configuration_is_read_only_when_it_is_data() {
    let project = new_project();
    let config = project.path().join(".bundlewatch.config.js");
    fs::write(
        &config,
        "// budgets\nmodule.exports = {\n  files: [{ path: 'dist/*.js', maxSize: '1kB', compression: 'none' }],\n};\n",
    )
    .unwrap();
    let (_, report, _) = audit(project.path(), &[]);
    assert_eq!(check_of(&report, "app.js")["limit"], 1024);

    fs::write(
        &config,
        "const limit = '1kB';\nmodule.exports = { files: [{ path: 'dist/*.js', maxSize: limit }] };\n",
    )
    .unwrap();
    let (_, report, _) = audit(project.path(), &[]);
    assert!(checks(&report, "budget/path").is_empty());
    let notes = report["notes"].to_string();
    assert!(
        notes.contains(".bundlewatch.config.js") && notes.contains("not read"),
        "{notes}"
    );
}

#[test]
fn size_limit_configuration_is_found_in_size_limits_order() {
    let project = new_project();
    fs::write(
        project.path().join(".size-limit.json"),
        r#"[{"path": "dist/app.js", "limit": "500 kB"}]"#,
    )
    .unwrap();
    fs::write(
        project.path().join("package.json"),
        r#"{"name": "x", "size-limit": [{"path": "dist/app.js", "limit": "10 B", "gzip": true}]}"#,
    )
    .unwrap();
    // size-limit (lilconfig) tries package.json's key before .size-limit.json.
    let (code, report, _) = audit(project.path(), &[]);
    let used = checks(&report, "budget/path");
    assert_eq!(used.len(), 1, "{used:?}");
    assert_eq!(used[0]["limit"], 10);
    assert!(used[0]["origin"].as_str().unwrap().contains("package.json"));
    assert_eq!(code, 1);
    let files = report["settings"]["config_files"].to_string();
    assert!(
        files.contains("package.json") && !files.contains(".size-limit.json"),
        "{files}"
    );

    // Without the key, .size-limit.json comes next; then `.size-limit`.
    fs::write(project.path().join("package.json"), r#"{"name": "x"}"#).unwrap();
    let (_, report, _) = audit(project.path(), &[]);
    assert_eq!(checks(&report, "budget/path")[0]["limit"], 500_000);
    fs::remove_file(project.path().join(".size-limit.json")).unwrap();
    fs::write(
        project.path().join(".size-limit"),
        r#"[{"path": "dist/app.js", "limit": "7 kB"}]"#,
    )
    .unwrap();
    let (_, report, _) = audit(project.path(), &[]);
    assert_eq!(checks(&report, "budget/path")[0]["limit"], 7000);
}

#[test]
fn no_default_total_budget_when_the_user_brings_budgets() {
    let project = new_project();
    fs::write(
        project.path().join(".size-limit.json"),
        r#"[{"path": "dist/app.js", "limit": "500 kB"}]"#,
    )
    .unwrap();
    let (_, report, _) = audit(project.path(), &[]);
    assert!(checks(&report, "budget/total").is_empty());
    assert!(
        report["notes"]
            .to_string()
            .contains("no default total budget"),
        "{}",
        report["notes"]
    );

    // Asked for: --budget, or webaudit.toml's [budget] total.
    let (_, report, _) = audit(project.path(), &["--budget", "150kB"]);
    assert_eq!(checks(&report, "budget/total")[0]["limit"], 150_000);
    fs::write(
        project.path().join("webaudit.toml"),
        "[budget]\ntotal = \"300kB\"\n",
    )
    .unwrap();
    let (_, report, _) = audit(project.path(), &[]);
    assert_eq!(checks(&report, "budget/total")[0]["limit"], 300_000);

    // A Lighthouse budget file counts too.
    let bare = new_project();
    let budget = bare.path().join("budget.json");
    fs::write(
        &budget,
        r#"[{"resourceSizes": [{"resourceType": "script", "budget": 300}]}]"#,
    )
    .unwrap();
    let (_, report, _) = audit(bare.path(), &["--budget-file", budget.to_str().unwrap()]);
    assert!(checks(&report, "budget/total").is_empty());
    assert_eq!(checks(&report, "budget/type").len(), 1);
    // And without any, the default stays.
    let (_, report, _) = audit(bare.path(), &[]);
    assert_eq!(checks(&report, "budget/total")[0]["limit"], 200_000);
}

fn verdicts(report: &Value) -> Vec<(String, u64, bool)> {
    let mut verdicts: Vec<_> = report["budgets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["path"]
                    .as_str()
                    .unwrap_or(c["name"].as_str().unwrap())
                    .to_string(),
                c["limit"].as_u64().unwrap(),
                c["passed"].as_bool().unwrap(),
            )
        })
        .collect();
    verdicts.sort();
    verdicts
}

#[test]
fn migrated_configuration_gives_the_same_verdicts() {
    let project = new_project();
    let dist = project.path().join("dist");
    fs::write(dist.join("big.js"), script(93_185)).unwrap();
    fs::write(
        project.path().join(".bundlewatch.config.json"),
        r#"{"defaultCompression": "none", "files": [{"path": "dist/*.js", "maxSize": "91kB"}]}"#,
    )
    .unwrap();
    fs::write(
        project.path().join("package.json"),
        r#"{"name": "x", "size-limit": [{"path": ["dist/*.js", "!dist/big.js"], "limit": "5 kB"}]}"#,
    )
    .unwrap();
    let (code, original, _) = audit(project.path(), &[]);

    let run = to_run(
        webaudit()
            .current_dir(project.path())
            .args(["migrate", "dist"])
            .output()
            .unwrap(),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("max_size = 93184"), "{}", run.stdout);
    // Switch: the peer configurations go, the migrated webaudit.toml takes their place.
    let bundlewatch_config = fs::read(project.path().join(".bundlewatch.config.json")).unwrap();
    fs::remove_file(project.path().join(".bundlewatch.config.json")).unwrap();
    fs::write(project.path().join("package.json"), r#"{"name": "x"}"#).unwrap();
    fs::write(project.path().join("webaudit.toml"), &run.stdout).unwrap();
    let (migrated_code, from_toml, stderr) = audit(project.path(), &[]);
    assert_eq!(
        verdicts(&original),
        verdicts(&from_toml),
        "{stderr}\n{}",
        run.stdout
    );
    assert_eq!(code, migrated_code);
    assert!(verdicts(&original).iter().any(|(_, _, passed)| !passed));

    // `init --from` writes the same budgets where `webaudit` will find them.
    fs::remove_file(project.path().join("webaudit.toml")).unwrap();
    fs::write(
        project.path().join(".bundlewatch.config.json"),
        bundlewatch_config,
    )
    .unwrap();
    let run = to_run(
        webaudit()
            .current_dir(project.path())
            .args(["init", "dist", "--from", "bundlewatch", "--no-cache"])
            .output()
            .unwrap(),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let written = fs::read_to_string(project.path().join("webaudit.toml")).unwrap();
    assert!(written.contains("max_size = 93184") && !written.contains("5 kB"));
}

#[test]
fn migrate_without_any_configuration_says_so() {
    let project = new_project();
    let run = to_run(
        webaudit()
            .current_dir(project.path())
            .args(["migrate", "dist", "--from", "size-limit"])
            .output()
            .unwrap(),
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("no size-limit configuration"),
        "{}",
        run.stderr
    );
}
