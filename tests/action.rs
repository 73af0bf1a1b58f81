//! The GitHub Action's shell steps (action/*.sh), run locally the way action.yml runs them:
//! GITHUB_* variables point at temporary files, the built webaudit is on PATH, and a fake `gh`
//! (first on PATH) logs its arguments and answers with canned JSON.

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{fixture, repo};
use serde_json::Value;

const MARKER: &str = "<!-- webaudit-report -->";

/// A fake `gh`: records every call (one line of arguments), answers `gh api` reads with
/// `comments.json`, saves write requests (`--input FILE`) as `<METHOD>.json`, and refuses
/// writes with GitHub's 403 message when `deny-writes` exists.
const FAKE_GH: &str = r#"#!/usr/bin/env bash
set -euo pipefail
dir="$FAKE_GH_DIR"
printf '%s\n' "$*" >>"$dir/calls.log"
method=GET
input=""
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[i]}" in
    --method) method="${args[i + 1]}" ;;
    --input) input="${args[i + 1]}" ;;
  esac
done
if [ "$method" = GET ]; then
  cat "$dir/comments.json"
  exit 0
fi
if [ -e "$dir/deny-writes" ]; then
  echo 'gh: Resource not accessible by integration (HTTP 403)' >&2
  exit 1
fi
cp "$input" "$dir/$method.json"
printf '{"id": 99, "html_url": "https://github.com/octo/app/pull/7#issuecomment-99"}\n'
"#;

struct Sandbox {
    folder: tempfile::TempDir,
}

struct Step {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Sandbox {
    fn new() -> Sandbox {
        let folder = tempfile::tempdir().unwrap();
        let bin = folder.path().join("bin");
        fs::create_dir_all(&bin).unwrap();
        let gh = bin.join("gh");
        fs::write(&gh, FAKE_GH).unwrap();
        fs::set_permissions(&gh, fs::Permissions::from_mode(0o755)).unwrap();
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_webaudit"), bin.join("webaudit")).unwrap();
        fs::create_dir_all(folder.path().join("gh")).unwrap();
        fs::write(folder.path().join("gh/comments.json"), "[]").unwrap();
        // A summary written by an earlier step: webaudit must append, not replace.
        fs::write(folder.path().join("summary.md"), "## earlier step\n").unwrap();
        fs::write(folder.path().join("output.txt"), "").unwrap();
        let sandbox = Sandbox { folder };
        sandbox.pull_request_event("octo/app", "octo/app");
        sandbox
    }

    fn path(&self, name: &str) -> PathBuf {
        self.folder.path().join(name)
    }

    fn pull_request_event(&self, head: &str, base: &str) {
        let event = serde_json::json!({
            "action": "synchronize",
            "number": 7,
            "pull_request": {
                "number": 7,
                "head": { "ref": "feature", "repo": { "full_name": head } },
                "base": { "ref": "main", "repo": { "full_name": base } },
            },
            "repository": { "full_name": base },
        });
        fs::write(self.path("event.json"), event.to_string()).unwrap();
    }

    /// Runs `action/<script>` with a clean environment: only what a runner would set, plus
    /// `extra`.
    fn step(&self, script: &str, extra: &[(&str, &str)]) -> Step {
        let path = format!(
            "{}:{}",
            self.path("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut command = Command::new("bash");
        command
            .arg(repo().join("action").join(script))
            .current_dir(repo())
            .env_clear()
            .env("PATH", path)
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_EVENT_NAME", "pull_request")
            .env("GITHUB_EVENT_PATH", self.path("event.json"))
            .env("GITHUB_REPOSITORY", "octo/app")
            .env("GITHUB_STEP_SUMMARY", self.path("summary.md"))
            .env("GITHUB_OUTPUT", self.path("output.txt"))
            .env("GITHUB_ACTION_PATH", repo())
            .env("RUNNER_TEMP", self.path("runner-temp"))
            .env("WEBAUDIT_REPORT_DIR", self.path("reports"))
            .env("WEBAUDIT_CACHE_DIR", self.path("cache"))
            .env("GH_TOKEN", "test-token")
            .env("FAKE_GH_DIR", self.path("gh"))
            .env("NO_COLOR", "1");
        // python3 may be a pyenv shim, which needs its home.
        for name in ["HOME", "PYENV_ROOT", "PYENV_VERSION", "LANG"] {
            if let Some(value) = std::env::var_os(name) {
                command.env(name, value);
            }
        }
        for (name, value) in extra {
            command.env(name, value);
        }
        let output = command.output().expect("bash runs");
        Step {
            code: output.status.code().expect("exited normally"),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// The step outputs written so far (`name=value` lines; later values win).
    fn outputs(&self) -> std::collections::HashMap<String, String> {
        fs::read_to_string(self.path("output.txt"))
            .unwrap()
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn gh_calls(&self) -> Vec<String> {
        fs::read_to_string(self.path("gh/calls.log"))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    fn write_body(&self, text: &str) -> PathBuf {
        let path = self.path("comment.md");
        fs::write(&path, text).unwrap();
        path
    }
}

fn base_report(sandbox: &Sandbox) -> PathBuf {
    let path = sandbox.path("base.json");
    let output = common::webaudit()
        .arg(fixture("vite-app/dist"))
        .args(["--no-config", "--no-cache", "--format", "json", "-o"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(output.status.success() || output.status.code() == Some(1));
    path
}

/// Lines of standard output that GitHub reads as workflow commands.
fn workflow_commands(stdout: &str) -> Vec<&str> {
    stdout.lines().filter(|l| l.starts_with("::")).collect()
}

#[test]
fn run_annotates_appends_the_summary_writes_the_reports_and_passes_the_exit_code_through() {
    let sandbox = Sandbox::new();
    let baseline = base_report(&sandbox);
    let step = sandbox.step(
        "run.sh",
        &[
            (
                "INPUT_PATH",
                fixture("vite-app-next/dist").to_str().unwrap(),
            ),
            ("INPUT_FAIL_ON", "error"),
            ("INPUT_BASELINE", baseline.to_str().unwrap()),
            ("INPUT_MAX_INCREASE", "5%"),
            ("INPUT_ARGS", "--no-config"),
        ],
    );
    assert_eq!(step.code, 0, "run.sh never fails the step: {}", step.stderr);

    // Annotations: budget/growth fires on the main chunk and the total.
    let commands = workflow_commands(&step.stdout);
    let growth: Vec<&&str> = commands
        .iter()
        .filter(|l| l.starts_with("::error") && l.contains("budget/growth"))
        .collect();
    assert_eq!(growth.len(), 2, "{}", step.stdout);
    assert!(
        growth.iter().any(|l| l.contains("main-CrzbACqt.js")),
        "{growth:?}"
    );
    assert!(
        commands
            .iter()
            .any(|l| l.starts_with("::warning") && l.contains("compression/missing")),
        "{}",
        step.stdout
    );

    // The step summary was appended to, not replaced, and shows the comparison.
    let summary = fs::read_to_string(sandbox.path("summary.md")).unwrap();
    assert!(summary.starts_with("## earlier step\n"), "{summary}");
    assert!(summary.len() > "## earlier step\n".len() + 100);
    assert!(summary.contains("main-CrzbACqt.js"), "{summary}");

    // Outputs: the exit code and both reports.
    let outputs = sandbox.outputs();
    assert_eq!(outputs["exit-code"], "1");
    let json: Value = serde_json::from_slice(&fs::read(&outputs["json"]).unwrap()).unwrap();
    assert_eq!(json["schema"], webaudit::model::SCHEMA_VERSION);
    assert_eq!(
        json["baseline"]["baseline"],
        baseline.to_str().unwrap(),
        "the JSON report carries the comparison"
    );
    let markdown = fs::read_to_string(&outputs["markdown"]).unwrap();
    assert_eq!(markdown.lines().next(), Some(MARKER));
    assert!(markdown.chars().count() < 65_536);

    // The last step ends the action with webaudit's code.
    let finish = sandbox.step(
        "finish.sh",
        &[("WEBAUDIT_EXIT_CODE", &outputs["exit-code"])],
    );
    assert_eq!(finish.code, 1);

    // The same build with a generous limit passes: exit code 0 all the way.
    fs::write(sandbox.path("output.txt"), "").unwrap();
    let step = sandbox.step(
        "run.sh",
        &[
            (
                "INPUT_PATH",
                fixture("vite-app-next/dist").to_str().unwrap(),
            ),
            ("INPUT_BASELINE", baseline.to_str().unwrap()),
            ("INPUT_MAX_INCREASE", "300%"),
            ("INPUT_ARGS", "--no-config"),
        ],
    );
    assert_eq!(step.code, 0);
    assert!(
        !workflow_commands(&step.stdout)
            .iter()
            .any(|l| l.starts_with("::error")),
        "{}",
        step.stdout
    );
    let outputs = sandbox.outputs();
    assert_eq!(outputs["exit-code"], "0");
    let finish = sandbox.step(
        "finish.sh",
        &[("WEBAUDIT_EXIT_CODE", &outputs["exit-code"])],
    );
    assert_eq!(finish.code, 0);
}

#[test]
fn the_full_sequence_comments_on_the_pull_request_with_the_markdown_report() {
    let sandbox = Sandbox::new();
    let baseline = base_report(&sandbox);
    sandbox.step(
        "run.sh",
        &[
            (
                "INPUT_PATH",
                fixture("vite-app-next/dist").to_str().unwrap(),
            ),
            ("INPUT_BASELINE", baseline.to_str().unwrap()),
            ("INPUT_ARGS", "--no-config"),
        ],
    );
    let markdown = sandbox.outputs()["markdown"].clone();
    let step = sandbox.step("comment.sh", &[("WEBAUDIT_MARKDOWN", &markdown)]);
    assert_eq!(step.code, 0, "{}", step.stderr);
    let sent: Value =
        serde_json::from_slice(&fs::read(sandbox.path("gh/POST.json")).unwrap()).unwrap();
    assert_eq!(
        sent["body"].as_str().unwrap(),
        fs::read_to_string(&markdown).unwrap()
    );
    assert!(sent["body"].as_str().unwrap().contains("main-CrzbACqt.js"));
}

#[test]
fn a_missing_baseline_or_a_failed_run_is_reported_without_breaking_the_action() {
    let sandbox = Sandbox::new();
    // A crafted path: the notice must not let it start a workflow command of its own.
    let step = sandbox.step(
        "run.sh",
        &[
            ("INPUT_PATH", fixture("vite-app/dist").to_str().unwrap()),
            ("INPUT_BASELINE", "missing\n::error title=x::injected.json"),
            ("INPUT_ARGS", "--no-config"),
        ],
    );
    assert_eq!(step.code, 0);
    let notice = step
        .stdout
        .lines()
        .find(|l| l.starts_with("::notice") && l.contains("no baseline report"))
        .unwrap_or_else(|| panic!("{}", step.stdout));
    assert!(
        notice.contains("missing%0A::error title=x::injected.json"),
        "{notice}"
    );
    assert!(
        !step
            .stdout
            .lines()
            .any(|l| l.starts_with("::error title=x"))
    );
    assert_eq!(sandbox.outputs()["exit-code"], "0");

    // webaudit cannot run at all (no such folder): exit code 2, no report, no comment.
    fs::write(sandbox.path("output.txt"), "").unwrap();
    let step = sandbox.step("run.sh", &[("INPUT_PATH", "no/such/dist")]);
    assert_eq!(step.code, 0);
    let outputs = sandbox.outputs();
    assert_eq!(outputs["exit-code"], "2");
    assert!(!outputs.contains_key("json") && !outputs.contains_key("markdown"));
    let comment = sandbox.step("comment.sh", &[("WEBAUDIT_MARKDOWN", "")]);
    assert_eq!(comment.code, 0);
    assert!(comment.stdout.starts_with("::notice"), "{}", comment.stdout);
    assert!(sandbox.gh_calls().is_empty());
    let finish = sandbox.step("finish.sh", &[("WEBAUDIT_EXIT_CODE", "2")]);
    assert_eq!(finish.code, 2);
    let finish = sandbox.step("finish.sh", &[("WEBAUDIT_EXIT_CODE", "")]);
    assert_eq!(finish.code, 2, "no exit code at all is a failure too");
}

#[test]
fn a_new_comment_is_created_when_the_pull_request_has_none() {
    let sandbox = Sandbox::new();
    fs::write(
        sandbox.path("gh/comments.json"),
        r#"[{"id": 5, "body": "Looks good"}, {"id": 6, "body": "quoting:\n<!-- webaudit-report -->"}]"#,
    )
    .unwrap();
    // A body without the marker gets it as its first line.
    let body = sandbox.write_body("## webaudit\n\n| asset | size |\n");
    let step = sandbox.step(
        "comment.sh",
        &[("WEBAUDIT_MARKDOWN", body.to_str().unwrap())],
    );
    assert_eq!(step.code, 0, "{}", step.stderr);
    assert_eq!(
        sandbox.gh_calls(),
        [
            "api --paginate repos/octo/app/issues/7/comments".to_string(),
            format!(
                "api --method POST repos/octo/app/issues/7/comments --input {}",
                sent_payload(&sandbox)
            ),
        ]
    );
    let sent: Value =
        serde_json::from_slice(&fs::read(sandbox.path("gh/POST.json")).unwrap()).unwrap();
    assert_eq!(
        sent["body"],
        format!("{MARKER}\n## webaudit\n\n| asset | size |\n")
    );
    assert_eq!(
        sandbox.outputs()["comment-url"],
        "https://github.com/octo/app/pull/7#issuecomment-99"
    );
}

/// The temporary payload path the script passed to `gh api --input` (from the call log).
fn sent_payload(sandbox: &Sandbox) -> String {
    sandbox
        .gh_calls()
        .iter()
        .find_map(|c| c.split_once("--input ").map(|(_, p)| p.to_string()))
        .unwrap()
}

#[test]
fn the_existing_comment_is_updated_in_place() {
    let sandbox = Sandbox::new();
    // Two pages, as `gh api --paginate` prints them; ours is on the second.
    fs::write(
        sandbox.path("gh/comments.json"),
        "[{\"id\": 1, \"body\": \"First!\"}]\n[{\"id\": 42, \"body\": \"<!-- webaudit-report -->\\nold report\"}, {\"id\": 43, \"body\": \"<!-- webaudit-report -->\\nlater duplicate\"}]\n",
    )
    .unwrap();
    let body = sandbox.write_body(&format!("{MARKER}\nnew report\n"));
    let step = sandbox.step(
        "comment.sh",
        &[("WEBAUDIT_MARKDOWN", body.to_str().unwrap())],
    );
    assert_eq!(step.code, 0, "{}", step.stderr);
    let calls = sandbox.gh_calls();
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert!(
        calls[1].starts_with("api --method PATCH repos/octo/app/issues/comments/42 --input "),
        "{calls:?}"
    );
    assert!(!sandbox.path("gh/POST.json").exists(), "no second comment");
    let sent: Value =
        serde_json::from_slice(&fs::read(sandbox.path("gh/PATCH.json")).unwrap()).unwrap();
    assert_eq!(sent["body"], format!("{MARKER}\nnew report\n"));
    assert!(step.stdout.contains("updated the pull-request comment"));
}

#[test]
fn a_fork_pull_request_gets_a_notice_and_no_write() {
    let sandbox = Sandbox::new();
    sandbox.pull_request_event("someone/app", "octo/app");
    let body = sandbox.write_body(&format!("{MARKER}\nreport\n"));
    let step = sandbox.step(
        "comment.sh",
        &[("WEBAUDIT_MARKDOWN", body.to_str().unwrap())],
    );
    assert_eq!(step.code, 0);
    let commands = workflow_commands(&step.stdout);
    assert_eq!(commands.len(), 1, "{}", step.stdout);
    assert!(
        commands[0].starts_with("::notice") && commands[0].contains("fork (someone/app)"),
        "{commands:?}"
    );
    assert!(sandbox.gh_calls().is_empty(), "{:?}", sandbox.gh_calls());

    // A deleted fork has no head repository at all: still a fork.
    let event = r#"{"pull_request": {"number": 7, "head": {"repo": null}, "base": {"repo": {"full_name": "octo/app"}}}}"#;
    fs::write(sandbox.path("event.json"), event).unwrap();
    let step = sandbox.step(
        "comment.sh",
        &[("WEBAUDIT_MARKDOWN", body.to_str().unwrap())],
    );
    assert_eq!(step.code, 0);
    assert!(step.stdout.contains("fork"), "{}", step.stdout);
    assert!(sandbox.gh_calls().is_empty());
}

#[test]
fn without_write_permission_or_outside_pull_requests_the_comment_is_skipped() {
    let sandbox = Sandbox::new();
    let body = sandbox.write_body(&format!("{MARKER}\nreport\n"));
    let body = body.to_str().unwrap();

    // The token is read-only: GitHub answers 403; a notice, not a failure.
    fs::write(sandbox.path("gh/deny-writes"), "").unwrap();
    let step = sandbox.step("comment.sh", &[("WEBAUDIT_MARKDOWN", body)]);
    assert_eq!(step.code, 0, "{}", step.stderr);
    let commands = workflow_commands(&step.stdout);
    assert!(
        commands.len() == 1
            && commands[0].starts_with("::notice")
            && commands[0].contains("cannot write comments"),
        "{}",
        step.stdout
    );
    assert!(!sandbox.path("gh/POST.json").exists());

    // No token at all: no call to gh.
    fs::remove_file(sandbox.path("gh/calls.log")).unwrap();
    let step = sandbox.step(
        "comment.sh",
        &[("WEBAUDIT_MARKDOWN", body), ("GH_TOKEN", "")],
    );
    assert_eq!(step.code, 0);
    assert!(step.stdout.starts_with("::notice"), "{}", step.stdout);
    assert!(sandbox.gh_calls().is_empty());

    // A push event: nothing to comment on.
    let step = sandbox.step(
        "comment.sh",
        &[("WEBAUDIT_MARKDOWN", body), ("GITHUB_EVENT_NAME", "push")],
    );
    assert_eq!(step.code, 0);
    assert!(step.stdout.contains("push event"), "{}", step.stdout);
    assert!(sandbox.gh_calls().is_empty());
}

#[test]
fn the_cache_key_follows_the_sources_and_the_install_step_reuses_a_cached_build() {
    let sandbox = Sandbox::new();
    let step = sandbox.step(
        "cache-key.sh",
        &[("ACTION_REF", "v1"), ("RUNNER_OS", "Linux")],
    );
    assert_eq!(step.code, 0, "{}", step.stderr);
    let key = sandbox.outputs()["key"].clone();
    assert!(key.starts_with("webaudit-Linux-v1-"), "{key}");

    // Another source tree (one changed byte in a source file) gives another key.
    let copy = sandbox.path("action-copy");
    for entry in ["Cargo.toml", "Cargo.lock"] {
        fs::create_dir_all(&copy).unwrap();
        fs::copy(repo().join(entry), copy.join(entry)).unwrap();
    }
    copy_dir(&repo().join("src"), &copy.join("src"));
    let key_of = |path: &Path| {
        fs::write(sandbox.path("output.txt"), "").unwrap();
        let step = sandbox.step(
            "cache-key.sh",
            &[
                ("ACTION_REF", "v1"),
                ("RUNNER_OS", "Linux"),
                ("GITHUB_ACTION_PATH", path.to_str().unwrap()),
            ],
        );
        assert_eq!(step.code, 0, "{}", step.stderr);
        sandbox.outputs()["key"].clone()
    };
    assert_eq!(key_of(&copy), key, "same sources, same key");
    let lib = copy.join("src/lib.rs");
    let mut text = fs::read_to_string(&lib).unwrap();
    text.push('\n');
    fs::write(&lib, text).unwrap();
    assert_ne!(key_of(&copy), key);

    // A cached binary that runs is used as is: no cargo, and its folder goes on GITHUB_PATH.
    let root = sandbox.path("install-root");
    fs::create_dir_all(root.join("bin")).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_webaudit"), root.join("bin/webaudit")).unwrap();
    fs::write(sandbox.path("path.txt"), "").unwrap();
    let step = sandbox.step(
        "install.sh",
        &[
            ("WEBAUDIT_INSTALL_ROOT", root.to_str().unwrap()),
            ("GITHUB_PATH", sandbox.path("path.txt").to_str().unwrap()),
        ],
    );
    assert_eq!(step.code, 0, "{}", step.stderr);
    assert!(
        step.stdout.contains("using the cached build"),
        "{}",
        step.stdout
    );
    assert_eq!(
        fs::read_to_string(sandbox.path("path.txt")).unwrap(),
        format!("{}\n", root.join("bin").display())
    );
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[test]
fn action_yml_runs_these_scripts_with_the_documented_inputs() {
    let action = fs::read_to_string(repo().join("action.yml")).unwrap();
    assert!(action.contains("using: composite"));
    for input in [
        "path",
        "config",
        "budget",
        "fail-on",
        "baseline",
        "max-increase",
        "comment",
        "args",
        "artifact-name",
        "github-token",
    ] {
        assert!(action.contains(&format!("\n  {input}:\n")), "input {input}");
    }
    assert!(action.contains("  comment:\n    description: Create or update"));
    assert!(
        action.contains("    default: \"false\"\n  args:"),
        "comment defaults to false"
    );
    for script in [
        "cache-key.sh",
        "install.sh",
        "run.sh",
        "comment.sh",
        "finish.sh",
    ] {
        assert!(
            action.contains(&format!("bash \"$GITHUB_ACTION_PATH/action/{script}\"")),
            "{script}"
        );
        assert!(repo().join("action").join(script).is_file());
    }
    for used in ["actions/cache@v4", "actions/upload-artifact@v4"] {
        assert!(action.contains(used), "{used}");
    }
    // The example workflow fetches the base branch's report and runs the action with it.
    let example = fs::read_to_string(repo().join("examples/github-workflow.yml")).unwrap();
    for part in [
        "gh run list",
        "gh run download",
        "--name webaudit-report",
        "baseline: base-report/webaudit-report.json",
    ] {
        assert!(example.contains(part), "{part}");
    }
}
