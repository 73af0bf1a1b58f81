//! The first minutes with webaudit: `webaudit` at a project's root audits the build folder,
//! `webaudit init` writes a configuration that passes today, and the shell gets completions and
//! a manual page.

mod common;

use std::fs;
use std::path::Path;

use common::{Run, to_run, webaudit};

fn write(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

/// A project root as `npm create vite` leaves it after `npm run build`.
fn built_project() -> tempfile::TempDir {
    let project = tempfile::tempdir().unwrap();
    let root = project.path();
    fs::create_dir(root.join(".git")).unwrap();
    write(
        &root.join("package.json"),
        r#"{"name": "app", "private": true}"#,
    );
    write(&root.join("package-lock.json"), "{}");
    write(&root.join("src/main.js"), "import './style.css'\n");
    write(&root.join("public/vite.svg"), "<svg/>");
    let script: String = (0..300)
        .map(|i| format!("export function f{i}(a){{return a*{i}+{}}}\n", i * 7))
        .collect();
    write(&root.join("dist/assets/index-3f2a1b9c.js"), &script);
    write(
        &root.join("dist/assets/index-77aa.css"),
        &".a{color:red}\n".repeat(200),
    );
    write(
        &root.join("dist/index.html"),
        "<!doctype html><title>x</title><link rel=stylesheet href=/assets/index-77aa.css><script type=module src=/assets/index-3f2a1b9c.js></script>",
    );
    write(
        &root.join("dist/about/index.html"),
        "<!doctype html><title>about</title><script type=module src=/assets/index-3f2a1b9c.js></script>",
    );
    project
}

fn run_in(folder: &Path, args: &[&str]) -> Run {
    to_run(
        webaudit()
            .current_dir(folder)
            .args(args)
            .output()
            .expect("webaudit runs"),
    )
}

#[test]
fn no_path_at_a_project_root_audits_dist() {
    let project = built_project();
    let run = run_in(project.path(), &["--format", "json", "--no-cache"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("auditing dist/"), "{}", run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["root"], "dist");
    let paths = report["assets"].to_string();
    assert!(paths.contains("assets/index-3f2a1b9c.js"));
    assert!(!paths.contains("package-lock.json") && !paths.contains("main.js"));
}

#[test]
fn several_or_no_build_folders_exit_2_listing_the_candidates() {
    let project = built_project();
    write(&project.path().join("build/index.html"), "<!doctype html>");
    let run = run_in(project.path(), &["--no-cache"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("several build folders")
            && run.stderr.contains("dist/")
            && run.stderr.contains("build/"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty());

    let unbuilt = tempfile::tempdir().unwrap();
    write(&unbuilt.path().join("package.json"), "{}");
    let run = run_in(unbuilt.path(), &["--no-cache"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("no build folder") && run.stderr.contains("out/"),
        "{}",
        run.stderr
    );

    // A path given is audited as given, whatever the folder looks like.
    let run = run_in(project.path(), &["build", "--no-cache", "--quiet"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn init_writes_a_configuration_that_reads_back_and_passes_today() {
    let project = built_project();
    let run = run_in(project.path(), &["init", "--no-cache"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let path = project.path().join("webaudit.toml");
    let text = fs::read_to_string(&path).unwrap();
    assert!(text.contains("Build folder: dist/"), "{text}");
    assert!(text.contains("about/index.html"), "{text}");

    let run = run_in(project.path(), &["--format", "json", "--no-cache"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(
        report["settings"]["config_files"]
            .to_string()
            .contains("webaudit.toml")
    );
    let total = report["budgets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["rule"] == "budget/total")
        .unwrap();
    let current = total["actual"].as_u64().unwrap();
    let expected = (current * 11).div_ceil(10).div_ceil(1000) * 1000;
    assert_eq!(total["limit"].as_u64().unwrap(), expected, "{text}");
    assert_eq!(total["passed"], true);

    // Never replaced.
    fs::write(&path, "# mine\n").unwrap();
    let run = run_in(project.path(), &["init", "--no-cache"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("already exists"), "{}", run.stderr);
    assert_eq!(fs::read_to_string(&path).unwrap(), "# mine\n");
}

#[test]
fn completions_for_each_shell_and_a_manual_page() {
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef webaudit"),
        ("fish", "complete -c webaudit"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let run = common::run(&["completions", shell]);
        assert_eq!(run.code, 0, "{shell}: {}", run.stderr);
        assert!(run.stdout.contains(marker), "{shell}");
        assert!(
            run.stdout.contains("migrate") && run.stdout.contains("budget-file"),
            "{shell}"
        );
    }
    let run = common::run(&["man"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.starts_with(".ie") || run.stdout.contains(".TH webaudit 1"));
    assert!(run.stdout.contains("completions"));
}
