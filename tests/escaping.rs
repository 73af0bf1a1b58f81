//! Every output escapes what webaudit did not write itself (issue 11, item 4): a folder of files
//! named to forge GitHub workflow commands, recolour the terminal, plant OSC 8 hyperlinks or
//! reorder text with bidirectional controls goes through every command and format, and neither
//! stdout nor stderr may carry a raw ESC, a raw bidirectional control, or a line the Actions
//! runner would read as a command other than webaudit's own annotations. The JSON report keeps
//! the real names.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use serde_json::Value;

/// File names at the top of the folder, each a script large enough to get findings.
const HOSTILE_SCRIPTS: [&str; 7] = [
    "x\n::error file=forged2.js::FORGED.js",
    "\u{1b}[31mred.js",
    "\u{1b}]8;;mailto:evil\u{1b}\\link.js",
    "\u{202e}gnp.js",
    "\u{2066}isolate\u{2069}\u{200f}\u{61c}.js",
    "::warning::top.js",
    "##[stop-commands]token.js",
];

/// An OSC 8 hyperlink to `http://evil`: the `/` makes it a folder and a file.
const OSC8_FOLDER: &str = "\u{1b}]8;;http:";
const OSC8_FILE: &str = "evil\u{1b}\\link.js";

/// Bidirectional controls and the Unicode line separators: none may reach any output raw.
fn is_bidi_or_separator(c: char) -> bool {
    matches!(
        c,
        '\u{061C}'
            | '\u{200E}'
            | '\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}'
            | '\u{2028}'
            | '\u{2029}'
    )
}

/// Unminified JavaScript, about 44 kB: it gets `compression/missing` and `minify/js` findings.
fn script() -> String {
    (0..300)
        .map(|i| {
            format!(
                "function add{i}(firstNumber, secondNumber) {{\n  // adds two numbers, number {i}\n  const total = firstNumber + secondNumber * {i};\n  return total;\n}}\n"
            )
        })
        .collect()
}

/// The hostile folder: the scripts above, the OSC 8 one in its folder, a page whose missing
/// references are hostile too (percent-decoded to ESC and a line break), and a FIFO with a
/// hostile name (skipped, with a warning on stderr).
fn hostile_site() -> (tempfile::TempDir, PathBuf) {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path().join("site");
    fs::create_dir(&root).unwrap();
    let body = script();
    for name in HOSTILE_SCRIPTS {
        fs::write(root.join(name), &body).unwrap();
    }
    fs::create_dir(root.join(OSC8_FOLDER)).unwrap();
    fs::write(root.join(OSC8_FOLDER).join(OSC8_FILE), &body).unwrap();
    fs::write(
        root.join("index.html"),
        "<!doctype html><html><head><title>t</title>\
         <script src=\"%1B%5B31mmissing.js\"></script>\
         <script src=\"x%0A::error file=forged3.js::MISSING.js\"></script>\
         <script src=\"%E2%80%AEgnp-missing.js\"></script>\
         </head><body><p>hi</p></body></html>",
    )
    .unwrap();
    let fifo = root.join("\u{1b}[2Jfifo\n::error::PIPE.js");
    let status = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(status.success());
    (folder, root)
}

/// Every real name of the folder, relative to it.
fn real_names() -> Vec<String> {
    let mut names: Vec<String> = HOSTILE_SCRIPTS.iter().map(|n| n.to_string()).collect();
    names.push(format!("{OSC8_FOLDER}/{OSC8_FILE}"));
    names
}

/// The checks every output must pass. `annotations`: the output is `--format github`, whose
/// lines that start with `::` must be webaudit's own annotations, well formed.
fn assert_harmless(what: &str, output: &str, annotations: bool) {
    assert!(!output.contains('\u{1b}'), "{what}: raw ESC in\n{output}");
    assert!(
        !output.chars().any(is_bidi_or_separator),
        "{what}: raw bidirectional control in\n{output}"
    );
    assert!(
        !output.chars().any(|c| c.is_control() && c != '\n'),
        "{what}: raw control character in\n{output:?}"
    );
    // The legacy form is recognised anywhere in a line.
    assert!(!output.contains("##["), "{what}: `##[` in\n{output}");
    for line in output.lines() {
        // The runner trims leading white space before looking for `::`.
        let trimmed = line.trim_start();
        if !trimmed.starts_with("::") {
            continue;
        }
        assert!(
            annotations && line == trimmed,
            "{what}: a line that is a workflow command: {line:?}"
        );
        assert_own_annotation(what, line);
    }
}

/// An annotation webaudit meant: `::error|warning|notice PROPERTIES::MESSAGE`, where the
/// properties hold no `:` (so the command cannot end early) and name the files as shown.
fn assert_own_annotation(what: &str, line: &str) {
    let rest = ["::error ", "::warning ", "::notice "]
        .iter()
        .find_map(|command| line.strip_prefix(command))
        .unwrap_or_else(|| panic!("{what}: not one of webaudit's commands: {line:?}"));
    let (properties, _message) = rest
        .split_once("::")
        .unwrap_or_else(|| panic!("{what}: no message: {line:?}"));
    assert!(!properties.contains(':'), "{what}: {line:?}");
    for property in properties.split(',') {
        let (key, value) = property
            .split_once('=')
            .unwrap_or_else(|| panic!("{what}: not key=value: {line:?}"));
        assert!(["file", "line", "col", "title"].contains(&key), "{line:?}");
        if key == "title" {
            assert!(
                value == "webaudit" || value.starts_with("webaudit "),
                "{line:?}"
            );
        }
    }
}

fn audit(root: &Path, format: &str) -> Run {
    to_run(
        webaudit()
            .arg(root)
            .args(["--no-cache", "--top", "0", "--verbose", "--format", format])
            .env("COLUMNS", "100000")
            .env_remove("GITHUB_STEP_SUMMARY")
            .output()
            .unwrap(),
    )
}

#[test]
fn every_audit_format_escapes_hostile_names_on_stdout_and_stderr() {
    let (_folder, root) = hostile_site();
    for format in ["terminal", "json", "github", "markdown", "sarif", "junit"] {
        let run = audit(&root, format);
        assert_eq!(run.code, 0, "--format {format}: {}", run.stderr);
        assert_harmless(
            &format!("--format {format} stdout"),
            &run.stdout,
            format == "github",
        );
        assert_harmless(&format!("--format {format} stderr"), &run.stderr, false);
        // The FIFO is skipped, and the warning names it, escaped.
        assert!(
            run.stderr.contains("\\x1b[2Jfifo\\n::error::PIPE.js"),
            "--format {format} stderr: {}",
            run.stderr
        );
    }
}

#[test]
fn terminal_and_github_outputs_show_the_names_escaped() {
    let (_folder, root) = hostile_site();
    let terminal = audit(&root, "terminal").stdout;
    for shown in [
        "x\\n::error file=forged2.js::FORGED.js",
        "\\x1b[31mred.js",
        "\\x1b]8;;mailto:evil\\x1b\\link.js",
        "\\x1b]8;;http:/evil\\x1b\\link.js",
        "\\u{202e}gnp.js",
        "\\x3a:warning::top.js",
        "##\\x5bstop-commands]token.js",
        // A missing reference, percent-decoded to a line break.
        "x\\n::error file=forged3.js::MISSING.js",
    ] {
        assert!(terminal.contains(shown), "{shown:?} not in\n{terminal}");
    }
    let github = audit(&root, "github").stdout;
    assert!(
        github.contains("/site/\\x1b[31mred.js,"),
        "ESC shown in file=: {github}"
    );
    assert!(
        github.contains("/site/x\\n%3A%3Aerror file=forged2.js%3A%3AFORGED.js,"),
        "{github}"
    );
    assert!(github.contains("/site/\\u{202e}gnp.js,"), "{github}");
}

#[test]
fn the_json_report_keeps_the_real_names() {
    let (_folder, root) = hostile_site();
    let run = audit(&root, "json");
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let paths: Vec<&str> = report["assets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["path"].as_str().unwrap())
        .collect();
    for name in real_names() {
        assert!(paths.contains(&name.as_str()), "{name:?} not in {paths:?}");
    }
    assert!(
        run.stdout.contains("\\u202e"),
        "bidi written as a JSON escape"
    );
}

fn fixer(command: &str, root: &Path, args: &[&str]) -> Run {
    to_run(
        webaudit()
            .arg(command)
            .arg(root)
            .args(args)
            .output()
            .unwrap(),
    )
}

#[test]
fn compress_escapes_names_in_progress_summary_and_warnings() {
    let (_folder, root) = hostile_site();
    // A stale copy beside a hostile name: left alone and reported by name in the summary.
    fs::write(root.join("\u{202e}gnp.js.gz"), b"not gzip").unwrap();
    let run = fixer("compress", &root, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_harmless("compress stdout", &run.stdout, false);
    assert_harmless("compress stderr", &run.stderr, false);
    // Progress lines (stderr is not a terminal) name every file, escaped.
    assert!(
        run.stderr
            .contains("x\\n::error file=forged2.js::FORGED.js: wrote"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("\\x1b]8;;http:/evil\\x1b\\link.js"));
    assert!(
        run.stdout.contains("warning: \\u{202e}gnp.js.gz"),
        "{}",
        run.stdout
    );

    // The JSON list of changes keeps the real names.
    let (_folder, root) = hostile_site();
    let run = fixer("compress", &root, &["--format", "json", "--dry-run"]);
    assert_harmless("compress --format json stdout", &run.stdout, false);
    assert_harmless("compress --format json stderr", &run.stderr, false);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let sources: Vec<&str> = report["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["source"].as_str().unwrap())
        .collect();
    for name in real_names() {
        assert!(sources.contains(&name.as_str()), "{name:?} in {sources:?}");
    }
}

#[test]
fn optimize_escapes_image_names() {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path().join("site");
    fs::create_dir(&root).unwrap();
    let png = fixture("images-src").join("camera-photo-32.png");
    let names = [
        "x\n::error file=forged4.png::FORGED.png",
        "\u{1b}[31mred.png",
        "\u{202e}gnp.png",
    ];
    for name in names {
        fs::copy(&png, root.join(name)).unwrap();
    }
    // Not an image at all: an error naming the file.
    fs::write(
        root.join("\u{1b}]8;;mailto:x\u{1b}\\broken.png"),
        b"not a png",
    )
    .unwrap();
    let run = fixer("optimize", &root, &["--webp"]);
    assert_harmless("optimize stdout", &run.stdout, false);
    assert_harmless("optimize stderr", &run.stderr, false);
    assert!(
        run.stderr
            .contains("x\\n::error file=forged4.png::FORGED.png"),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout.contains("\\x1b]8;;mailto:x\\x1b\\broken.png"),
        "{}",
        run.stdout
    );
}

#[test]
fn errors_name_hostile_paths_escaped() {
    let folder = tempfile::tempdir().unwrap();
    let missing = folder.path().join("\u{1b}[31mgone\n::error::E\u{202e}");
    for command in [&["compress"][..], &["optimize"], &["audit"]] {
        let run = to_run(webaudit().args(command).arg(&missing).output().unwrap());
        assert_eq!(run.code, 2, "{command:?}: {}", run.stderr);
        assert_harmless(&format!("{command:?} error"), &run.stderr, false);
        assert!(run.stderr.contains("\\x1b[31mgone\\n::error::E\\u{202e}"));
    }
    // A bad value quoted back by the argument parser.
    let run = run(&["--format", "\u{1b}[31m\n::error::bad"]);
    assert_eq!(run.code, 2);
    assert_harmless("a bad --format", &run.stderr, false);
}
