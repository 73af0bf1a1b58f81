//! Helpers shared by the integration tests: run the real binary, read its JSON report, and ask
//! the independent size oracles (Python's zlib, Node's C brotli) what sizes should be.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use assert_cmd::cargo::cargo_bin_cmd;
use serde_json::Value;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(relative: &str) -> PathBuf {
    repo().join("fixtures").join(relative)
}

/// A temporary `site/` folder holding copies of `fixtures/images-src/NAMES` (the folder is
/// removed when the returned guard drops).
pub fn images_site(names: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path().join("site");
    std::fs::create_dir(&root).unwrap();
    for name in names {
        std::fs::copy(fixture("images-src").join(name), root.join(name)).unwrap();
    }
    (folder, root)
}

/// The webaudit binary with no configuration discovery and no cache, so tests see only what
/// they set up.
pub fn webaudit() -> assert_cmd::Command {
    let mut command = cargo_bin_cmd!("webaudit");
    command
        .env_remove("WEBAUDIT_CACHE_DIR")
        .env("NO_COLOR", "1")
        // Tests compare standard error; a slow run would add its timing line (tests/progress.rs
        // checks progress itself).
        .env("WEBAUDIT_PROGRESS", "never");
    command
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn run(args: &[&str]) -> Run {
    let output = webaudit().args(args).output().expect("webaudit runs");
    to_run(output)
}

pub fn to_run(output: Output) -> Run {
    Run {
        code: output
            .status
            .code()
            .expect("exited normally, not by a signal"),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Runs an audit with `--format json --no-cache` plus `args` and returns (exit code, report).
/// `webaudit SUBCOMMAND PATHS --format json ARGS` for a fixer (`optimize`, `compress`): its
/// exit code, JSON report and stderr.
pub fn fixer_json<P: AsRef<std::ffi::OsStr>>(
    subcommand: &str,
    paths: &[P],
    args: &[&str],
) -> (i32, Value, String) {
    let run = to_run(
        webaudit()
            .arg(subcommand)
            .args(paths)
            .args(["--format", "json"])
            .args(args)
            .output()
            .unwrap(),
    );
    let report: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("JSON expected ({e}): {} {}", run.stdout, run.stderr));
    (run.code, report, run.stderr)
}

/// `webaudit optimize ROOT --format json ARGS`.
pub fn optimize(root: &Path, args: &[&str]) -> (i32, Value, String) {
    fixer_json("optimize", &[root], args)
}

pub fn json_report(path: &Path, args: &[&str]) -> (i32, Value) {
    let output = webaudit()
        .arg(path)
        .args(["--format", "json", "--no-cache"])
        .args(args)
        .output()
        .expect("webaudit runs");
    let run = to_run(output);
    let report: Value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| {
        panic!(
            "JSON report expected ({e}); stdout: {} stderr: {}",
            run.stdout, run.stderr
        )
    });
    (run.code, report)
}

pub fn asset<'a>(report: &'a Value, path: &str) -> &'a Value {
    report["assets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["path"] == path)
        .unwrap_or_else(|| panic!("no asset {path} in {}", report["assets"]))
}

pub fn findings<'a>(report: &'a Value, rule: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .collect()
}

fn oracle(program: &str, script: &str, input: String) -> HashMap<String, u64> {
    let mut child = Command::new(program)
        .arg(repo().join("tests/oracle").join(script))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("the {program} size oracle must be installed to run this test: {e}")
        });
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{script} failed");
    serde_json::from_slice(&output.stdout).unwrap()
}

/// gzip sizes computed by CPython's zlib (level 9, wbits 31).
pub fn python_gzip_sizes(paths: &[PathBuf]) -> HashMap<String, u64> {
    let input: String = paths.iter().map(|p| format!("{}\n", p.display())).collect();
    oracle("python3", "gzip_sizes.py", input)
}

/// brotli sizes computed by Node's zlib (Google's C encoder, q11, window 22).
pub fn node_brotli_sizes(paths: &[PathBuf]) -> HashMap<String, u64> {
    let list: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    oracle(
        "node",
        "brotli_sizes.js",
        serde_json::to_string(&list).unwrap(),
    )
}

/// One PNG chunk: length, name, data and CRC.
pub fn png_chunk(out: &mut Vec<u8>, name: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let mut crc = flate2::Crc::new();
    crc.update(name);
    crc.update(data);
    out.extend_from_slice(name);
    out.extend_from_slice(data);
    out.extend_from_slice(&crc.sum().to_be_bytes());
}

/// `png` with ancillary chunks inserted right after IHDR.
pub fn png_with_chunks(png: &[u8], chunks: &[(&[u8; 4], &[u8])]) -> Vec<u8> {
    let ihdr_end = 8 + 4 + 4 + 13 + 4;
    let mut out = png[..ihdr_end].to_vec();
    for (name, data) in chunks {
        png_chunk(&mut out, name, data);
    }
    out.extend_from_slice(&png[ihdr_end..]);
    out
}

/// Copies the folder `from` to `to`, recursively.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
