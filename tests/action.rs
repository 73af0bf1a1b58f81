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

/// A fake `gh`: records every call (one line of arguments) and answers from files in
/// `$FAKE_GH_DIR`, applying `--jq` with jq as the real gh does:
/// - `api`: reads answer with `comments.json`; writes (`--input FILE`) are saved as
///   `<METHOD>.json`, or refused with GitHub's 403 message when `deny-writes` exists;
/// - `release list`, `release view [TAG]`, `release download TAG`: the release TAG is the
///   folder `releases/TAG` (its files are the assets), the latest one is named by
///   `releases/latest`;
///   `release-error` (when it exists) is printed as the error of every release command;
/// - `run list`: `runs.json`, or the error in `run-list-error`;
/// - `run download ID --name NAME`: the folder `artifacts/ID/NAME`.
const FAKE_GH: &str = r#"#!/usr/bin/env bash
set -euo pipefail
dir="$FAKE_GH_DIR"
printf '%s\n' "$*" >>"$dir/calls.log"
args=("$@")
# The value after a flag (the last one when repeated), and all values of a repeated flag.
flag() {
  local value="" i
  for ((i = 0; i < ${#args[@]}; i++)); do
    [ "${args[i]}" = "$1" ] && value="${args[i + 1]}"
  done
  printf '%s' "$value"
}
patterns=()
for ((i = 0; i < ${#args[@]}; i++)); do
  [ "${args[i]}" = --pattern ] && patterns+=("${args[i + 1]}")
done
# gh prints --json output through --jq when it is given.
answer() {
  local query
  query="$(flag --jq)"
  if [ -n "$query" ]; then jq -r "$query"; else cat; fi
}
positional="${3:-}"
[ "${positional#-}" = "$positional" ] || positional=""

case "$1 ${2:-}" in
  "release list")
    # Newest first: by version here.
    (cd "$dir/releases" && find . -mindepth 1 -maxdepth 1 -type d | sed 's|^\./||' | sort -rV) \
      | jq -R . | jq -s 'map({tagName: .})' | answer
    exit 0
    ;;
  "release view" | "release download")
    if [ -e "$dir/release-error" ]; then
      cat "$dir/release-error" >&2
      exit 1
    fi
    tag="$positional"
    if [ -z "$tag" ] && [ -e "$dir/releases/latest" ]; then
      tag="$(cat "$dir/releases/latest")"
    fi
    if [ -z "$tag" ] || [ ! -d "$dir/releases/$tag" ]; then
      echo "release not found" >&2
      exit 1
    fi
    if [ "$2" = view ]; then
      (cd "$dir/releases/$tag" && ls) | jq -R . | jq -s --arg tag "$tag" '{tagName: $tag, assets: map({name: .})}' | answer
      exit 0
    fi
    dest="$(flag --dir)"
    mkdir -p "$dest"
    copied=0
    for file in "$dir/releases/$tag"/*; do
      name="$(basename "$file")"
      for pattern in "${patterns[@]}"; do
        if [[ "$name" == $pattern ]]; then
          cp "$file" "$dest/"
          copied=$((copied + 1))
          break
        fi
      done
    done
    if [ "$copied" = 0 ]; then
      echo "no assets match the file pattern" >&2
      exit 1
    fi
    exit 0
    ;;
  "run list")
    if [ -e "$dir/run-list-error" ]; then
      cat "$dir/run-list-error" >&2
      exit 1
    fi
    answer <"$dir/runs.json"
    exit 0
    ;;
  "run download")
    source="$dir/artifacts/$positional/$(flag --name)"
    if [ ! -d "$source" ]; then
      echo "no valid artifacts found to download" >&2
      exit 1
    fi
    mkdir -p "$(flag --dir)"
    cp -R "$source/." "$(flag --dir)/"
    exit 0
    ;;
esac

method="$(flag --method)"
method="${method:-GET}"
input="$(flag --input)"
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
        fs::write(folder.path().join("path.txt"), "").unwrap();
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
            .env("GITHUB_PATH", self.path("path.txt"))
            .env("GITHUB_BASE_REF", "main")
            .env(
                "GITHUB_WORKFLOW_REF",
                "octo/app/.github/workflows/webaudit.yml@refs/pull/7/merge",
            )
            .env("GITHUB_WORKFLOW", "webaudit")
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_ARCH", "X64")
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
    sandbox.install_fake_cargo();
    let step = sandbox.step(
        "build.sh",
        &[("WEBAUDIT_INSTALL_ROOT", root.to_str().unwrap())],
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
    assert!(
        sandbox.cargo_calls().is_empty(),
        "{:?}",
        sandbox.cargo_calls()
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
        "version",
        "cache",
        "github-token",
    ] {
        assert!(action.contains(&format!("\n  {input}:\n")), "input {input}");
    }
    assert!(action.contains("  comment:\n    description: Create or update"));
    assert!(
        action.contains("    default: \"false\"\n  args:"),
        "comment defaults to false"
    );
    assert!(
        action.contains("      failed (needs `actions: read`). A path: that JSON report. \"\": no comparison. A missing\n      report is a notice, and the run goes on without comparison.\n    required: false\n    default: auto\n"),
        "baseline defaults to auto"
    );
    for script in [
        "install.sh",
        "cache-key.sh",
        "build.sh",
        "baseline.sh",
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
    // The source build's four steps (key, restore, build, save) run only when install.sh found
    // no release binary.
    assert_eq!(
        action
            .matches("if: steps.install.outputs.build-from-source == 'true'")
            .count(),
        4
    );
    // The size cache: restored from the newest entry by prefix, saved under the built folder's
    // content hash, in the folder the run step gives webaudit.
    assert!(action.contains(
        "        path: ${{ runner.temp }}/webaudit-cache\n        key: webaudit-sizes-${{ runner.os }}-${{ hashFiles(format('{0}/**', inputs.path)) }}\n        restore-keys: webaudit-sizes-${{ runner.os }}-\n"
    ));
    assert!(action.contains("        WEBAUDIT_CACHE_DIR: ${{ runner.temp }}/webaudit-cache\n"));
    // Saved by its own step before the verdict: actions/cache's post step skips failed jobs.
    let save = action
        .find("    - name: Save webaudit's size cache\n")
        .expect("a save step");
    assert!(save > action.find("    - name: Run webaudit\n").unwrap());
    assert!(save < action.find("    - name: webaudit verdict\n").unwrap());
    assert!(action[save..].contains(
        "        path: ${{ runner.temp }}/webaudit-cache\n        key: ${{ steps.size-cache.outputs.cache-primary-key }}\n"
    ));
    assert!(action.contains("        INPUT_BASELINE: ${{ steps.baseline.outputs.report }}\n"));
    // Actions are pinned by commit, as in the release workflow.
    for used in [
        "actions/cache/restore@27d5ce7f107fe9357f9df03efb73ab90386fccae # v5.0.5",
        "actions/cache/save@27d5ce7f107fe9357f9df03efb73ab90386fccae # v5.0.5",
        "actions/upload-artifact@bbbca2ddaa5d8feaa63e36b76fdaad77386f024f # v7.0.0",
    ] {
        assert!(action.contains(used), "{used}");
    }
    // The example workflow is checkout, build, and the action: baseline auto does the rest.
    let example = fs::read_to_string(repo().join("examples/github-workflow.yml")).unwrap();
    assert!(example.contains("      - uses: owner/webaudit@v1"));
    assert!(example.contains("actions: read"));
    assert!(!example.contains("gh run"), "no baseline step of its own");
    assert_eq!(example.matches("\n      - ").count(), 3, "{example}");
}

#[test]
fn the_action_scripts_pass_shellcheck() {
    let scripts: Vec<PathBuf> = fs::read_dir(repo().join("action"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sh"))
        .collect();
    assert!(scripts.len() >= 8, "{scripts:?}");
    let output = Command::new("shellcheck")
        .args(["-x", "-P", "SCRIPTDIR"])
        .args(&scripts)
        .output()
        .expect("shellcheck is installed (.ci/run installs it)");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
}

// ---- Installing: the release binary, verified, else a build from source ----

const LINUX_X64: &str = "x86_64-unknown-linux-musl";

enum Checksum {
    /// ARCHIVE.sha256 with the archive's real hash.
    Right,
    /// ARCHIVE.sha256 with another file's hash.
    Wrong,
    /// Only SHA256SUMS, holding the archive's line among others.
    Sums,
    /// No checksum asset at all.
    Missing,
}

impl Sandbox {
    /// Publishes release `tag` on the fake gh with one asset for `target`, made the way
    /// release/package.sh makes it: webaudit-TARGET-TAG/webaudit in a .tar.gz. The binary is a
    /// stand-in that prints `webaudit VERSION` (the audits themselves use the built webaudit).
    fn publish_release(&self, tag: &str, target: &str, checksum: Checksum) {
        let releases = self.path("gh/releases");
        let assets = releases.join(tag);
        fs::create_dir_all(&assets).unwrap();
        fs::write(releases.join("latest"), tag).unwrap();
        let name = format!("webaudit-{target}-{tag}");
        let stage = self.path(&format!("stage-{tag}"));
        fs::create_dir_all(stage.join(&name)).unwrap();
        let windows = target.contains("-windows-");
        let binary = stage
            .join(&name)
            .join(if windows { "webaudit.exe" } else { "webaudit" });
        fs::write(
            &binary,
            format!(
                "#!/bin/sh\necho \"webaudit {}\"\n",
                tag.trim_start_matches('v')
            ),
        )
        .unwrap();
        fs::set_permissions(&binary, fs::Permissions::from_mode(0o755)).unwrap();
        let archive = format!("{name}.{}", if windows { "zip" } else { "tar.gz" });
        let status = if windows {
            // Python's zipfile (no zip tool needed) keeps the file mode, so the stand-in runs here.
            Command::new("python3")
                .current_dir(&stage)
                .args(["-c", "import sys, zipfile\nwith zipfile.ZipFile(sys.argv[1], 'w') as z:\n    z.write(sys.argv[2])"])
                .arg(assets.join(&archive))
                .arg(format!("{name}/webaudit.exe"))
                .status()
        } else {
            Command::new("tar")
                .arg("-C")
                .arg(&stage)
                .args(["-czf"])
                .arg(assets.join(&archive))
                .arg(&name)
                .status()
        }
        .unwrap();
        assert!(status.success());
        let hash = |path: &Path| -> String {
            let output = Command::new("sha256sum").arg(path).output().unwrap();
            String::from_utf8(output.stdout).unwrap()[..64].to_string()
        };
        let right = hash(&assets.join(&archive));
        let line = |hash: &str| format!("{hash}  {archive}\n");
        match checksum {
            Checksum::Right => fs::write(assets.join(format!("{archive}.sha256")), line(&right)),
            Checksum::Wrong => fs::write(
                assets.join(format!("{archive}.sha256")),
                line(&hash(&repo().join("Cargo.toml"))),
            ),
            Checksum::Sums => fs::write(
                assets.join("SHA256SUMS"),
                format!(
                    "{}  webaudit-aarch64-apple-darwin-{tag}.tar.gz\n{}",
                    "0".repeat(64),
                    line(&right)
                ),
            ),
            Checksum::Missing => Ok(()),
        }
        .unwrap();
    }

    /// A fake `cargo` first on PATH: logs its arguments and "installs" the built webaudit into
    /// `--root`/bin, as `cargo install --root` does.
    fn install_fake_cargo(&self) {
        let cargo = self.path("bin/cargo");
        fs::write(
            &cargo,
            format!(
                "#!/usr/bin/env bash\nset -eu\nprintf '%s\\n' \"$*\" >>\"{log}\"\nroot=\"\"\nwhile [ $# -gt 0 ]; do [ \"$1\" = --root ] && root=\"$2\"; shift; done\nmkdir -p \"$root/bin\"\nln -sf \"{webaudit}\" \"$root/bin/webaudit\"\n",
                log = self.path("cargo.log").display(),
                webaudit = env!("CARGO_BIN_EXE_webaudit"),
            ),
        )
        .unwrap();
        fs::set_permissions(&cargo, fs::Permissions::from_mode(0o755)).unwrap();
    }

    fn cargo_calls(&self) -> Vec<String> {
        fs::read_to_string(self.path("cargo.log"))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    fn github_path(&self) -> Vec<String> {
        fs::read_to_string(self.path("path.txt"))
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect()
    }

    fn install(&self, extra: &[(&str, &str)]) -> Step {
        fs::write(self.path("output.txt"), "").unwrap();
        fs::write(self.path("path.txt"), "").unwrap();
        let _ = fs::remove_file(self.path("gh/calls.log"));
        let root = self.path("release-root");
        let mut env = vec![
            ("WEBAUDIT_INSTALL_ROOT", root.to_str().unwrap()),
            ("ACTION_REPOSITORY", "octo/webaudit"),
        ];
        env.extend_from_slice(extra);
        self.step("install.sh", &env)
    }
}

#[test]
fn the_release_binary_for_the_runner_is_downloaded_verified_and_put_on_the_path() {
    let sandbox = Sandbox::new();
    let version = env!("CARGO_PKG_VERSION");
    let tag = format!("v{version}");
    sandbox.publish_release(&tag, LINUX_X64, Checksum::Right);
    let step = sandbox.install(&[("ACTION_REF", "main")]);
    assert_eq!(step.code, 0, "{}{}", step.stdout, step.stderr);
    let archive = format!("webaudit-{LINUX_X64}-{tag}.tar.gz");
    let calls = sandbox.gh_calls();
    assert_eq!(
        calls[0],
        "release view --repo octo/webaudit --json tagName,assets --jq .tagName, .assets[].name"
    );
    assert!(
        calls[1].starts_with(&format!(
            "release download {tag} --repo octo/webaudit --pattern {archive} --pattern {archive}.sha256 --dir "
        )),
        "{calls:?}"
    );
    assert_eq!(calls.len(), 2);
    assert!(
        step.stdout.contains(&format!("{archive} verified")),
        "{}",
        step.stdout
    );
    let folder = sandbox.path(&format!("release-root/webaudit-{LINUX_X64}-{tag}"));
    assert_eq!(sandbox.github_path(), [folder.display().to_string()]);
    let ran = Command::new(folder.join("webaudit"))
        .arg("--version")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&ran.stdout).trim(),
        format!("webaudit {version}")
    );
    let outputs = sandbox.outputs();
    assert_eq!(outputs["version"], version);
    assert!(!outputs.contains_key("build-from-source"));

    // The action's own version tag, or the version input, asks for that release by name.
    for (input, reference) in [("", tag.as_str()), (version, "main")] {
        let step = sandbox.install(&[("ACTION_REF", reference), ("INPUT_VERSION", input)]);
        assert_eq!(step.code, 0, "{}", step.stdout);
        assert!(
            sandbox.gh_calls()[0].starts_with(&format!("release view {tag} --repo octo/webaudit ")),
            "{:?}",
            sandbox.gh_calls()
        );
    }

    // Without github.action_repository and github.action_ref (not promised in composite
    // actions), both are read from where the runner checked the action out.
    let checkout = sandbox.path(&format!("_actions/octo/webaudit/{tag}"));
    fs::create_dir_all(checkout.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(repo(), &checkout).unwrap();
    let step = sandbox.install(&[
        ("ACTION_REPOSITORY", ""),
        ("GITHUB_ACTION_PATH", checkout.to_str().unwrap()),
    ]);
    assert_eq!(step.code, 0, "{}", step.stdout);
    assert!(
        sandbox.gh_calls()[0].starts_with(&format!("release view {tag} --repo octo/webaudit ")),
        "{:?}",
        sandbox.gh_calls()
    );

    // SHA256SUMS alone verifies the archive too.
    let sums = Sandbox::new();
    sums.publish_release(&tag, LINUX_X64, Checksum::Sums);
    let step = sums.install(&[]);
    assert_eq!(step.code, 0, "{}", step.stdout);
    assert!(sums.gh_calls()[1].contains("--pattern SHA256SUMS"));
    assert_eq!(sums.outputs()["version"], version);

    // Windows runners get the .zip and webaudit.exe.
    let windows = Sandbox::new();
    windows.publish_release(&tag, "x86_64-pc-windows-msvc", Checksum::Right);
    let step = windows.install(&[("RUNNER_OS", "Windows")]);
    assert_eq!(step.code, 0, "{}", step.stdout);
    assert!(
        step.stdout.contains(&format!(
            "webaudit-x86_64-pc-windows-msvc-{tag}.zip verified"
        )),
        "{}",
        step.stdout
    );
    let folder = windows.path(&format!(
        "release-root/webaudit-x86_64-pc-windows-msvc-{tag}"
    ));
    assert!(folder.join("webaudit.exe").is_file());
    assert_eq!(windows.github_path(), [folder.display().to_string()]);
}

#[test]
fn a_download_that_does_not_match_its_checksum_is_refused() {
    let sandbox = Sandbox::new();
    sandbox.publish_release("v0.1.0", LINUX_X64, Checksum::Wrong);
    let step = sandbox.install(&[]);
    assert_eq!(step.code, 1, "the step fails: {}", step.stdout);
    let error = step
        .stdout
        .lines()
        .find(|l| l.starts_with("::error"))
        .unwrap_or_else(|| panic!("{}", step.stdout));
    assert!(
        error.contains("checksum mismatch for webaudit-x86_64-unknown-linux-musl-v0.1.0.tar.gz")
            && error.contains("Refusing to run it"),
        "{error}"
    );
    assert!(sandbox.github_path().is_empty(), "nothing goes on PATH");
    assert!(!sandbox.outputs().contains_key("build-from-source"));
    assert!(
        !sandbox.path("release-root").exists(),
        "nothing is unpacked"
    );

    // No checksum at all: refused before anything is downloaded.
    let unverifiable = Sandbox::new();
    unverifiable.publish_release("v0.1.0", LINUX_X64, Checksum::Missing);
    let step = unverifiable.install(&[]);
    assert_eq!(step.code, 1);
    assert!(
        step.stdout
            .contains("has no checksum for webaudit-x86_64-unknown-linux-musl-v0.1.0.tar.gz"),
        "{}",
        step.stdout
    );
    assert_eq!(
        unverifiable.gh_calls().len(),
        1,
        "{:?}",
        unverifiable.gh_calls()
    );
    assert!(unverifiable.github_path().is_empty());
}

#[test]
fn without_a_matching_release_the_action_builds_its_own_source() {
    let sandbox = Sandbox::new();
    sandbox.install_fake_cargo();
    // No release at all.
    let step = sandbox.install(&[]);
    assert_eq!(step.code, 0, "{}{}", step.stdout, step.stderr);
    assert_eq!(sandbox.outputs()["build-from-source"], "true");
    assert!(
        step.stdout.starts_with("::notice")
            && step
                .stdout
                .contains("octo/webaudit has no release (latest)")
            && step.stdout.contains("building webaudit"),
        "{}",
        step.stdout
    );
    assert!(sandbox.github_path().is_empty());
    // Then action.yml runs build.sh: `cargo install --locked` of the action's own source.
    let root = sandbox.path("source-root");
    let build = sandbox.step(
        "build.sh",
        &[("WEBAUDIT_INSTALL_ROOT", root.to_str().unwrap())],
    );
    assert_eq!(build.code, 0, "{}", build.stderr);
    assert_eq!(
        sandbox.cargo_calls(),
        [format!(
            "install --locked --path {} --root {}",
            repo().display(),
            root.display()
        )]
    );
    assert_eq!(
        sandbox.github_path(),
        [root.join("bin").display().to_string()]
    );

    // A pinned version without a release: built from source, with a warning when the source is
    // another version.
    let step = sandbox.install(&[("INPUT_VERSION", "9.9.9")]);
    assert_eq!(step.code, 0);
    assert_eq!(sandbox.outputs()["build-from-source"], "true");
    assert!(sandbox.gh_calls()[0].starts_with("release view v9.9.9 "));
    assert!(
        step.stdout.lines().any(|l| l.starts_with("::warning")
            && l.contains("version v9.9.9 was asked for")
            && l.contains(env!("CARGO_PKG_VERSION"))),
        "{}",
        step.stdout
    );

    // A release without an asset for this runner (arm64 Linux here).
    sandbox.publish_release("v0.1.0", LINUX_X64, Checksum::Right);
    let step = sandbox.install(&[("RUNNER_ARCH", "ARM64")]);
    assert_eq!(step.code, 0);
    assert_eq!(sandbox.outputs()["build-from-source"], "true");
    assert!(
        step.stdout
            .contains("has no webaudit-aarch64-unknown-linux-musl-v0.1.0.tar.gz"),
        "{}",
        step.stdout
    );
    assert_eq!(sandbox.gh_calls().len(), 1, "nothing downloaded");

    // A platform no release is built for, and `version: source`: gh is not even asked.
    for extra in [[("RUNNER_ARCH", "ARM")], [("INPUT_VERSION", "source")]] {
        let step = sandbox.install(&extra);
        assert_eq!(step.code, 0);
        assert_eq!(sandbox.outputs()["build-from-source"], "true", "{extra:?}");
        assert!(sandbox.gh_calls().is_empty(), "{extra:?}");
    }
}

#[test]
fn a_failing_gh_or_a_bad_version_input_fails_the_install_clearly() {
    let sandbox = Sandbox::new();
    sandbox.publish_release("v0.1.0", LINUX_X64, Checksum::Right);
    // Not "no such release": the action cannot tell, so it does not silently build for minutes.
    fs::write(
        sandbox.path("gh/release-error"),
        "HTTP 401: Bad credentials (https://api.github.com/repos/octo/webaudit/releases/latest)",
    )
    .unwrap();
    let step = sandbox.install(&[]);
    assert_eq!(step.code, 1);
    assert!(
        step.stdout.starts_with("::error title=webaudit::cannot look up release (latest) of octo/webaudit with gh: HTTP 401: Bad credentials"),
        "{}",
        step.stdout
    );
    assert!(!sandbox.outputs().contains_key("build-from-source"));
    fs::remove_file(sandbox.path("gh/release-error")).unwrap();

    for bad in ["1.2", "newest", "v1.2.x"] {
        let step = sandbox.install(&[("INPUT_VERSION", bad)]);
        assert_eq!(step.code, 1, "{bad}");
        assert!(
            step.stdout.starts_with("::error title=webaudit::version: ")
                && step.stdout.contains(bad),
            "{}",
            step.stdout
        );
        assert!(sandbox.gh_calls().is_empty());
    }
}

// ---- baseline: auto ----

impl Sandbox {
    /// The base branch's runs, newest first, as `gh run list --json` gives them.
    fn base_runs(&self, runs: &[(u64, &str, &str, &str)]) {
        let runs: Vec<Value> = runs
            .iter()
            .map(|(id, status, conclusion, event)| {
                serde_json::json!({"databaseId": id, "status": status, "conclusion": conclusion, "event": event})
            })
            .collect();
        fs::write(self.path("gh/runs.json"), Value::Array(runs).to_string()).unwrap();
    }

    /// The `webaudit-report` artifact of run `id`, holding `report` as run.sh names it.
    fn artifact(&self, id: u64, report: &Path) {
        let folder = self.path(&format!("gh/artifacts/{id}/webaudit-report"));
        fs::create_dir_all(&folder).unwrap();
        fs::copy(report, folder.join("webaudit-report.json")).unwrap();
    }

    fn baseline(&self, extra: &[(&str, &str)]) -> Step {
        fs::write(self.path("output.txt"), "").unwrap();
        let _ = fs::remove_file(self.path("gh/calls.log"));
        let mut env = vec![
            ("INPUT_BASELINE", "auto"),
            ("INPUT_ARTIFACT_NAME", "webaudit-report"),
        ];
        env.extend_from_slice(extra);
        self.step("baseline.sh", &env)
    }
}

#[test]
fn baseline_auto_uses_the_base_branchs_newest_report_even_from_a_failed_run() {
    let sandbox = Sandbox::new();
    let report = base_report(&sandbox);
    sandbox.base_runs(&[
        (305, "in_progress", "", "push"),
        // A pull request from a fork's branch named main: not the base branch.
        (304, "completed", "success", "pull_request"),
        // The build failed before the action: no artifact.
        (303, "completed", "failure", "push"),
        // Over budget: the action failed the job, after uploading its report.
        (302, "completed", "failure", "push"),
        (301, "completed", "success", "push"),
    ]);
    sandbox.artifact(304, &sandbox.path("summary.md"));
    sandbox.artifact(302, &report);
    sandbox.artifact(301, &sandbox.path("summary.md"));
    let step = sandbox.baseline(&[]);
    assert_eq!(step.code, 0, "{}{}", step.stdout, step.stderr);
    let calls = sandbox.gh_calls();
    assert!(
        calls[0].starts_with(
            "run list --repo octo/app --workflow webaudit.yml --branch main --limit 20 --json databaseId,status,conclusion,event --jq "
        ),
        "{calls:?}"
    );
    assert!(calls[1].starts_with("run download 303 --repo octo/app --name webaudit-report --dir "));
    assert!(calls[2].starts_with("run download 302 "), "{calls:?}");
    assert_eq!(calls.len(), 3, "stops at the first report: {calls:?}");
    let outputs = sandbox.outputs();
    assert_eq!(outputs["baseline-run"], "302");
    assert!(
        step.stdout
            .contains("the report of run 302 on main (that run's conclusion: failure)"),
        "{}",
        step.stdout
    );
    assert!(
        workflow_commands(&step.stdout).is_empty(),
        "{}",
        step.stdout
    );

    // run.sh compares with it.
    let run = sandbox.step(
        "run.sh",
        &[
            (
                "INPUT_PATH",
                fixture("vite-app-next/dist").to_str().unwrap(),
            ),
            ("INPUT_BASELINE", &outputs["report"]),
            ("INPUT_ARGS", "--no-config"),
        ],
    );
    assert_eq!(run.code, 0);
    let json: Value =
        serde_json::from_slice(&fs::read(&sandbox.outputs()["json"]).unwrap()).unwrap();
    assert_eq!(json["baseline"]["baseline"], outputs["report"].as_str());
    assert!(
        json["baseline"]["assets"]
            .as_array()
            .is_some_and(|a| !a.is_empty()),
        "{}",
        json["baseline"]
    );
}

#[test]
fn baseline_auto_without_a_report_is_a_notice_and_the_run_goes_on_without_comparison() {
    let sandbox = Sandbox::new();
    // No run on the base branch yet.
    sandbox.base_runs(&[]);
    let step = sandbox.baseline(&[]);
    assert_eq!(step.code, 0);
    let commands = workflow_commands(&step.stdout);
    assert!(
        commands.len() == 1
            && commands[0].starts_with("::notice")
            && commands[0].contains("no completed run of webaudit.yml on main yet"),
        "{}",
        step.stdout
    );
    assert_eq!(sandbox.outputs().get("report").map(String::as_str), None);

    // Runs whose artifacts expired.
    sandbox.base_runs(&[
        (9, "completed", "success", "push"),
        (8, "completed", "failure", "push"),
    ]);
    let step = sandbox.baseline(&[]);
    assert_eq!(step.code, 0);
    assert!(step.stdout.contains("::notice title=webaudit::none of the last 2 completed runs of webaudit.yml on main has a webaudit-report artifact"), "{}", step.stdout);
    assert_eq!(sandbox.gh_calls().len(), 3);

    // A token without actions: read.
    fs::write(
        sandbox.path("gh/run-list-error"),
        "HTTP 403: Resource not accessible by integration",
    )
    .unwrap();
    let step = sandbox.baseline(&[]);
    assert_eq!(step.code, 0);
    assert!(
        step.stdout.starts_with("::notice")
            && step.stdout.contains("actions: read")
            && step.stdout.contains("HTTP 403"),
        "{}",
        step.stdout
    );

    // Then run.sh runs without a baseline, and without a notice of its own.
    let run = sandbox.step(
        "run.sh",
        &[
            ("INPUT_PATH", fixture("vite-app/dist").to_str().unwrap()),
            ("INPUT_BASELINE", ""),
            ("INPUT_ARGS", "--no-config"),
        ],
    );
    assert_eq!(run.code, 0);
    assert!(!run.stdout.contains("no baseline report"), "{}", run.stdout);
    assert_eq!(sandbox.outputs()["exit-code"], "0");
}

#[test]
fn baseline_auto_compares_only_pull_requests_and_a_path_is_passed_on() {
    let sandbox = Sandbox::new();
    sandbox.base_runs(&[(1, "completed", "success", "push")]);
    let step = sandbox.baseline(&[("GITHUB_EVENT_NAME", "push")]);
    assert_eq!(step.code, 0);
    assert!(
        step.stdout
            .contains("this is a push run, so nothing is compared"),
        "{}",
        step.stdout
    );
    assert!(workflow_commands(&step.stdout).is_empty());
    assert!(sandbox.gh_calls().is_empty());
    assert!(!sandbox.outputs().contains_key("report"));

    let step = sandbox.baseline(&[("INPUT_BASELINE", "reports/base.json")]);
    assert_eq!(step.code, 0);
    assert_eq!(sandbox.outputs()["report"], "reports/base.json");
    assert!(sandbox.gh_calls().is_empty());

    // No artifact name: nothing to download, said once.
    let step = sandbox.baseline(&[("INPUT_ARTIFACT_NAME", "")]);
    assert!(step.stdout.starts_with("::notice") && step.stdout.contains("artifact-name is empty"));
    assert!(sandbox.gh_calls().is_empty());
}

#[test]
fn a_restored_size_cache_means_unchanged_files_are_not_compressed_again() {
    let sandbox = Sandbox::new();
    let run = |sandbox: &Sandbox| -> Value {
        fs::write(sandbox.path("output.txt"), "").unwrap();
        let step = sandbox.step(
            "run.sh",
            &[
                ("INPUT_PATH", fixture("vite-app/dist").to_str().unwrap()),
                ("INPUT_ARGS", "--no-config"),
            ],
        );
        assert_eq!(step.code, 0);
        serde_json::from_slice(&fs::read(&sandbox.outputs()["json"]).unwrap()).unwrap()
    };
    // WEBAUDIT_CACHE_DIR is the folder action.yml restores and saves with actions/cache.
    let first = run(&sandbox);
    assert!(
        first["measurement"]["compressions"].as_u64().unwrap() > 0,
        "{}",
        first["measurement"]
    );
    assert!(sandbox.path("cache/cache-v2.bin").is_file());
    let second = run(&sandbox);
    assert_eq!(
        second["measurement"]["compressions"], 0,
        "{}",
        second["measurement"]
    );
    assert!(second["measurement"]["cache_hits"].as_u64().unwrap() > 0);
}

#[test]
fn a_moving_tag_such_as_v1_runs_the_newest_release_under_it() {
    let sandbox = Sandbox::new();
    for tag in ["v1.9.0", "v1.10.0", "v2.0.0", "v11.0.0"] {
        sandbox.publish_release(tag, LINUX_X64, Checksum::Right);
    }
    fs::write(sandbox.path("gh/releases/latest"), "v11.0.0").unwrap();
    for (reference, expected) in [("v1", "v1.10.0"), ("v1.9", "v1.9.0"), ("v2", "v2.0.0")] {
        let step = sandbox.install(&[("ACTION_REF", reference)]);
        assert_eq!(step.code, 0, "{}", step.stdout);
        let calls = sandbox.gh_calls();
        assert!(
            calls[0].starts_with(
                "release list --repo octo/webaudit --exclude-drafts --exclude-pre-releases "
            ),
            "{calls:?}"
        );
        assert!(
            calls[1].starts_with(&format!("release view {expected} ")),
            "{reference}: {calls:?}"
        );
        assert_eq!(sandbox.outputs()["version"], &expected[1..]);
    }
    // No release in the series: the action's own source (which is that series) is built.
    let step = sandbox.install(&[("ACTION_REF", "v3")]);
    assert_eq!(step.code, 0);
    assert_eq!(sandbox.outputs()["build-from-source"], "true");
    assert!(
        step.stdout.contains("octo/webaudit has no release v3.x"),
        "{}",
        step.stdout
    );
}
