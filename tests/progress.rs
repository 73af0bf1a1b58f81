//! Progress and timings of an audit: a pipe (what CI logs are) never gets the redrawn progress
//! line, only the final timing line when one is due; a terminal (a pseudo-terminal made by
//! util-linux's `script`) gets the line and has it erased; `--timings` says where the time
//! went, on standard error and in the JSON report, without changing the report otherwise.

mod common;

use std::process::Command;

use common::{fixture, to_run, webaudit};
use serde_json::Value;

fn audit(args: &[&str]) -> common::Run {
    let output = webaudit()
        .env_remove("WEBAUDIT_PROGRESS")
        .arg(fixture("vite-app/dist"))
        .args(["--no-cache", "--no-config"])
        .args(args)
        .output()
        .expect("webaudit runs");
    to_run(output)
}

/// Every file under `folder`: what measuring goes through.
fn files_under(folder: &std::path::Path) -> usize {
    std::fs::read_dir(folder)
        .unwrap()
        .map(|entry| {
            let path = entry.unwrap().path();
            if path.is_dir() { files_under(&path) } else { 1 }
        })
        .sum()
}

/// The only progress a pipe may get: the one final line.
fn assert_no_progress_drawn(stderr: &str) {
    assert!(!stderr.contains('\r'), "{stderr:?}");
    assert!(!stderr.contains('\u{1b}'), "{stderr:?}");
    assert!(!stderr.contains("measuring "), "{stderr:?}");
    assert!(!stderr.contains("listing files"), "{stderr:?}");
    assert!(stderr.lines().count() <= 1, "{stderr:?}");
}

#[test]
fn a_pipe_never_gets_the_progress_line() {
    for args in [
        &[][..],
        &["--progress", "auto"][..],
        &["--progress", "always"][..],
        &["--format", "json"][..],
    ] {
        let run = audit(args);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        assert_no_progress_drawn(&run.stderr);
    }
}

#[test]
fn always_writes_the_timing_line_in_a_pipe_and_never_writes_nothing() {
    let always = audit(&["--progress", "always", "--format", "json"]);
    assert_eq!(always.code, 0, "{}", always.stderr);
    let line = always.stderr.trim_end();
    let files = files_under(&fixture("vite-app/dist"));
    let report = |text: &str| -> Value { serde_json::from_str(text).expect("a JSON report") };
    let images = report(&always.stdout)["assets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|asset| asset["kind"] == "image")
        .count();
    assert!(images >= 2, "the fixture has a photo and an icon");
    assert!(
        line.starts_with(&format!("webaudit: measured {files} files (")) && line.ends_with(" s"),
        "{line:?}"
    );
    assert!(
        line.contains(&format!(", {images} images) in ")),
        "{line:?}"
    );

    // The same report either way: progress goes to standard error only.
    let never = audit(&["--progress", "never", "--format", "json"]);
    assert_eq!(never.stderr, "");
    let (mut a, mut b) = (report(&always.stdout), report(&never.stdout));
    for report in [&mut a, &mut b] {
        report.as_object_mut().unwrap().remove("measurement");
    }
    assert_eq!(a, b);

    // WEBAUDIT_PROGRESS is the option's environment variable; --quiet silences it.
    let from_env = to_run(
        webaudit()
            .env("WEBAUDIT_PROGRESS", "always")
            .arg(fixture("vite-app/dist"))
            .args(["--no-cache", "--no-config", "--format", "json"])
            .output()
            .unwrap(),
    );
    assert!(
        from_env
            .stderr
            .starts_with(&format!("webaudit: measured {files} files")),
        "{}",
        from_env.stderr
    );
    let quiet = audit(&["--progress", "always", "--quiet"]);
    assert_eq!(quiet.stderr, "");
}

/// On a terminal the line is drawn (at once with `always`) and erased before the report.
#[test]
fn a_terminal_gets_the_progress_line() {
    let folder = tempfile::tempdir().unwrap();
    let report = folder.path().join("report.json");
    let command = format!(
        "{} {} --no-cache --no-config --progress always --format json --output {}",
        env!("CARGO_BIN_EXE_webaudit"),
        fixture("vite-app/dist").display(),
        report.display()
    );
    // `script` (util-linux) runs the command on a pseudo-terminal and copies what it writes.
    let output = Command::new("script")
        .args(["--quiet", "--return", "--command", &command, "/dev/null"])
        .env("TERM", "xterm")
        .env_remove("WEBAUDIT_PROGRESS")
        .output()
        .expect("script (util-linux) runs");
    let seen = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{seen}");
    assert!(
        [
            "listing files…",
            "measuring ",
            "; checking images ",
            "; checking pages and rules…"
        ]
        .iter()
        .any(|text| seen.contains(text)),
        "no progress line on the terminal: {seen:?}"
    );
    // Erased: indicatif clears the line with an erase-line sequence.
    assert!(seen.contains("\u{1b}[2K"), "{seen:?}");
    // No timing line on a terminal: the line that was drawn said it.
    assert!(!seen.contains("webaudit: measured"), "{seen:?}");
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(
        written["assets"].as_array().unwrap().len(),
        files_under(&fixture("vite-app/dist"))
    );
}

#[test]
fn timings_say_where_the_time_went() {
    let run = audit(&["--timings", "--progress", "never", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let timings = &report["timings"];
    let names = |list: &Value| -> Vec<String> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|spent| spent["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        names(&timings["stages"]),
        [
            "scan",
            "measure",
            "pages and site model",
            "images",
            "layout",
            "budgets",
            "rules",
            "report"
        ]
    );
    let work = names(&timings["work"]);
    for expected in ["read and hash", "gzip", "analyse script", "analyse image"] {
        assert!(
            work.iter().any(|w| w == expected),
            "{expected} missing: {work:?}"
        );
    }
    // Stages are laps of one clock: they add up to the total (each rounded to 0.1 ms).
    let sum: f64 = timings["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["ms"].as_f64().unwrap())
        .sum();
    let total = timings["total_ms"].as_f64().unwrap();
    assert!((sum - total).abs() <= 0.5, "{sum} vs {total}");
    assert!(timings["workers"].as_u64().unwrap() >= 1);

    // The table on standard error names the same stages.
    assert!(run.stderr.starts_with("timings: "), "{}", run.stderr);
    for stage in [
        "scan",
        "measure",
        "pages and site model",
        "rules",
        "report",
        "measuring, CPU time summed over",
    ] {
        assert!(run.stderr.contains(stage), "{stage}: {}", run.stderr);
    }

    // Without --timings, no `timings` in the report (it would differ from run to run).
    let plain = audit(&["--progress", "never", "--format", "json"]);
    let plain: Value = serde_json::from_str(&plain.stdout).unwrap();
    assert!(plain.get("timings").is_none());
}
