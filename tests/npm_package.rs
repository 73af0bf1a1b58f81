//! The npm distribution (npm/): the launcher package and the linux-x64 platform package made
//! from the binary cargo just built, packed, installed offline into a fresh project and run
//! with `npx` (npm/test-e2e.sh); the npm versions kept equal to Cargo.toml's; the release
//! workflow building every platform the launcher lists.

mod common;

use std::fs;
use std::process::{Command, Output};

use common::repo;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn describe(output: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        text(&output.stdout),
        text(&output.stderr)
    )
}

#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
fn run_e2e(binary: &std::path::Path) -> Output {
    Command::new("bash")
        .arg(repo().join("npm/test-e2e.sh"))
        .arg(binary)
        .output()
        .expect("bash runs npm/test-e2e.sh")
}

#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
#[test]
fn npx_runs_the_binary_from_the_installed_tarballs() {
    let output = run_e2e(env!("CARGO_BIN_EXE_webaudit").as_ref());
    assert!(output.status.success(), "{}", describe(&output));
    let stdout = text(&output.stdout);
    let version = env!("CARGO_PKG_VERSION");
    assert!(
        stdout.contains(&format!(
            "ok: npx webaudit --version -> webaudit {version}\n"
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "ok: npx webaudit dist -> exit 0, webaudit {version} — dist"
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "ok: report $schema = $id of node_modules/webaudit/schema/report.schema.json"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("ok: without @webaudit/linux-x64 -> exit 2"),
        "{stdout}"
    );
}

/// The end-to-end check compares versions for real: a binary that reports another version than
/// Cargo.toml's fails it.
#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
#[test]
fn npx_check_fails_for_a_binary_of_another_version() {
    use std::os::unix::fs::PermissionsExt;

    let folder = tempfile::tempdir().unwrap();
    let impostor = folder.path().join("webaudit");
    fs::write(&impostor, "#!/bin/sh\necho 'webaudit 9.9.9'\n").unwrap();
    fs::set_permissions(&impostor, fs::Permissions::from_mode(0o755)).unwrap();

    let output = run_e2e(&impostor);
    assert!(!output.status.success(), "{}", describe(&output));
    let stderr = text(&output.stderr);
    let version = env!("CARGO_PKG_VERSION");
    assert!(
        stderr.contains(&format!(
            "printed 'webaudit 9.9.9', expected 'webaudit {version}'"
        )),
        "{stderr}"
    );
}

fn sync_version_check(package_json: Option<&std::path::Path>) -> Output {
    let mut command = Command::new("node");
    command
        .arg(repo().join("npm/sync-version.mjs"))
        .arg("--check");
    match package_json {
        Some(path) => command.env("WEBAUDIT_NPM_PACKAGE_JSON", path),
        None => command.env_remove("WEBAUDIT_NPM_PACKAGE_JSON"),
    };
    command.output().expect("node runs npm/sync-version.mjs")
}

#[test]
fn npm_package_versions_match_cargo_toml() {
    let output = sync_version_check(None);
    assert!(
        output.status.success(),
        "npm/webaudit/package.json drifted: run `node npm/sync-version.mjs`\n{}",
        describe(&output)
    );

    // The same check on a copy one release behind must fail and name what drifted.
    let version = env!("CARGO_PKG_VERSION");
    let current = fs::read_to_string(repo().join("npm/webaudit/package.json")).unwrap();
    let stale = current.replace(&format!("\"{version}\""), "\"0.0.1\"");
    assert_ne!(stale, current);
    let folder = tempfile::tempdir().unwrap();
    let stale_path = folder.path().join("package.json");
    fs::write(&stale_path, stale).unwrap();
    let output = sync_version_check(Some(&stale_path));
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("version is 0.0.1"), "{stderr}");
    assert!(stderr.contains("@webaudit/linux-x64 is 0.0.1"), "{stderr}");
}

/// Every platform package the launcher depends on is built by the release workflow, and the
/// workflow builds no target that has no npm package.
#[test]
fn release_workflow_builds_every_npm_platform() {
    let platforms: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(repo().join("npm/platforms/platforms.json")).unwrap(),
    )
    .unwrap();
    let mut npm_targets: Vec<&str> = platforms["platforms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|platform| platform["rustTarget"].as_str().unwrap())
        .collect();
    npm_targets.sort_unstable();

    let workflow = fs::read_to_string(repo().join(".github/workflows/release.yml")).unwrap();
    let mut workflow_targets: Vec<&str> = workflow
        .lines()
        .filter_map(|line| line.trim().strip_prefix("- target: "))
        .collect();
    workflow_targets.sort_unstable();

    assert_eq!(npm_targets.len(), 5);
    assert_eq!(workflow_targets, npm_targets);
}
