//! The fixes the audit prints: each names only the files its finding is about (never the whole
//! folder), says whether it is safe and what it changes, and — run as printed, on a copy of the
//! fixture — removes the finding it came from. A fix that cannot remove its finding by itself
//! (an image loaded by CSS, a page to change by hand) is typed manual and has no command.

mod common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use common::*;
use serde_json::Value;

/// One size cache for the whole run, emptied at its start: a re-audit after a fix measures
/// only the files the fix changed.
fn cache() -> &'static Path {
    static CACHE: OnceLock<PathBuf> = OnceLock::new();
    CACHE.get_or_init(|| {
        let folder = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fix_scope-cache");
        let _ = std::fs::remove_dir_all(&folder);
        std::fs::create_dir_all(&folder).unwrap();
        folder
    })
}

/// The audit of `folder`: its terminal output and its JSON report.
fn audit(folder: &Path) -> (String, Value) {
    let json = tempfile::NamedTempFile::new().unwrap();
    let report = format!("json={}", json.path().display());
    let run = to_run(
        webaudit()
            .arg(folder)
            .args([
                "--no-config",
                "--color",
                "never",
                "--fail-on",
                "never",
                "--verbose",
            ])
            .args(["--top", "1", "--report", &report, "--cache-dir"])
            // One line per finding and per fix: no wrapping.
            .env("COLUMNS", "100000")
            .arg(cache())
            .output()
            .unwrap(),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report: Value = serde_json::from_slice(&std::fs::read(json.path()).unwrap()).unwrap();
    (run.stdout, report)
}

/// The words of a POSIX shell command line as webaudit quotes them (plain words, `'…'`, `\x`).
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' => words.extend(word.take()),
            '\'' => {
                let word = word.get_or_insert_with(String::new);
                for quoted in chars.by_ref() {
                    if quoted == '\'' {
                        break;
                    }
                    word.push(quoted);
                }
            }
            '\\' => word.get_or_insert_with(String::new).extend(chars.next()),
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    words
}

/// Options of the fixers' commands that take a value.
const VALUED: [&str; 3] = ["--max-width", "--min-saving-percent", "--root"];

/// A command's options, each with its value when it takes one.
type Options = Vec<(String, Option<String>)>;

/// A printed command's subcommand, its options and its PATHs.
fn parse_command(command: &str) -> (String, Options, Vec<PathBuf>) {
    let words = shell_words(command);
    assert_eq!(words[0], "webaudit", "{command}");
    let mut options = Vec::new();
    let mut paths = Vec::new();
    let mut rest = words[2..].iter();
    while let Some(word) = rest.next() {
        if word.starts_with("--") {
            let value = VALUED
                .contains(&word.as_str())
                .then(|| rest.next().expect("a value").clone());
            options.push((word.clone(), value));
        } else {
            paths.push(PathBuf::from(word));
        }
    }
    (words[1].clone(), options, paths)
}

/// The findings with a fix, grouped by rule (rules in the order of their first finding,
/// findings in report order within a rule): the order fixes are run in.
fn with_fixes(report: &Value) -> Vec<&Value> {
    let findings = report["findings"].as_array().unwrap();
    let mut rules: Vec<&str> = Vec::new();
    for finding in findings {
        let rule = finding["rule"].as_str().unwrap();
        if !rules.contains(&rule) {
            rules.push(rule);
        }
    }
    rules
        .iter()
        .flat_map(|rule| findings.iter().filter(move |f| f["rule"] == *rule))
        .filter(|f| !f["fix"].is_null())
        .collect()
}

/// Every fix names only the files its finding is about: the JSON's `files`, which the finding
/// names, and for a command exactly those as its PATHs (a folder only as `--root` of
/// `--rewrite-html`, whose pages it reads); the terminal's `fix:` lines are the same fixes.
fn check_scope(name: &str, root: &Path, terminal: &str, report: &Value) -> usize {
    let mut seen = 0;
    let fixes = with_fixes(report);
    // Each `fix:` line with the line under it.
    let lines: Vec<&str> = terminal.lines().map(str::trim_start).collect();
    let fix_lines: Vec<(&str, &str)> = lines
        .iter()
        .enumerate()
        .filter_map(|(i, line)| {
            let fix = line.strip_prefix("fix: ")?;
            Some((fix, lines.get(i + 1).copied().unwrap_or("")))
        })
        .collect();
    assert_eq!(fix_lines.len(), fixes.len(), "{name}: {terminal}");
    // The terminal orders rules by what they cost: each fix is matched to its line by content.
    let mut fix_lines = fix_lines;
    for finding in &fixes {
        let fix = &finding["fix"];
        let description = fix["description"].as_str().unwrap();
        let position = fix_lines
            .iter()
            .position(|(line, detail)| match fix["command"].as_str() {
                Some(command) => *line == command && detail.ends_with(description),
                None => line.contains(description),
            })
            .unwrap_or_else(|| panic!("{name}: no fix line for {finding}: {terminal}"));
        let (line, detail) = fix_lines.remove(position);
        seen += 1;
        let what = format!("{name}: {finding}");
        assert!(
            ["safe", "unsafe"].contains(&fix["applicability"].as_str().unwrap()),
            "{what}"
        );
        assert!(!fix["description"].as_str().unwrap().is_empty(), "{what}");
        assert!(!fix["changes"].as_array().unwrap().is_empty(), "{what}");
        let files: Vec<&str> = fix["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f.as_str().unwrap())
            .collect();
        assert!(!files.is_empty(), "{what}");
        for file in &files {
            assert!(root.join(file).is_file(), "{what}: {file} is not a file");
            assert!(
                finding["path"] == *file || finding["message"].as_str().unwrap().contains(file),
                "{what}: {file} is not what the finding is about"
            );
        }
        match fix["kind"].as_str().unwrap() {
            "command" => {
                let command = fix["command"].as_str().unwrap();
                assert_eq!(line, command, "{what}");
                let applicability = fix["applicability"].as_str().unwrap();
                assert_eq!(
                    *detail,
                    format!("{applicability}: {}", fix["description"].as_str().unwrap()),
                    "{what}"
                );
                let (subcommand, options, paths) = parse_command(command);
                assert!(
                    ["compress", "optimize"].contains(&subcommand.as_str()),
                    "{what}"
                );
                let expected: Vec<PathBuf> = files.iter().map(|f| root.join(f)).collect();
                assert_eq!(paths, expected, "{what}");
                for (option, value) in &options {
                    if option == "--root" {
                        assert_eq!(value.as_deref(), Some(root.to_str().unwrap()));
                        assert!(options.iter().any(|(o, _)| o == "--rewrite-html"));
                    }
                }
                // Never the folder itself, anywhere but after --root.
                let words = shell_words(command);
                for (i, word) in words.iter().enumerate() {
                    if Path::new(word) == root {
                        assert_eq!(words[i - 1], "--root", "{what}");
                    }
                }
            }
            "manual" => {
                assert!(fix.get("command").is_none(), "{what}");
                assert!(line.starts_with("by hand ("), "{what}: {line}");
                assert!(
                    line.contains(fix["description"].as_str().unwrap()),
                    "{what}"
                );
            }
            other => panic!("{what}: kind {other}"),
        }
    }
    seen
}

/// Options added to a printed command to keep this test fast, which change nothing the finding
/// depends on: a `.gz` alone removes `compression/missing` (brotli at quality 11 runs at about
/// 1 MB/s; the `.br` copies are tested in tests/fix_compress.rs).
fn fast_options(subcommand: &str) -> &'static [&'static str] {
    match subcommand {
        "compress" => &["--no-brotli"],
        _ => &[],
    }
}

/// The audit of a copy of fixture `name`; the scope of its fixes checked (see
/// [`check_scope`]); and with `run`, for each fix: a fresh copy at the same place, the printed
/// command run there with the built binary, and a re-audit without the finding. Returns how
/// many fixes were checked and how many commands were run.
fn check_fixture(name: &str, run: bool) -> (usize, usize) {
    let folder = tempfile::tempdir().unwrap();
    let site = folder.path().join("site");
    let fresh_copy = || {
        let _ = std::fs::remove_dir_all(&site);
        let copied = std::process::Command::new("cp")
            .arg("-a")
            .arg(fixture(name))
            .arg(&site)
            .status()
            .unwrap();
        assert!(copied.success());
    };
    fresh_copy();
    let (terminal, before) = audit(&site);
    let seen = check_scope(name, &site, &terminal, &before);
    let mut ran = 0;
    for finding in with_fixes(&before).into_iter().filter(|_| run) {
        let fix = &finding["fix"];
        let what = format!("{name}: {} {}", finding["rule"], fix["files"]);
        let Some(command) = fix["command"].as_str() else {
            // Manual: not claimed to be a command.
            assert_eq!(fix["kind"], "manual", "{what}");
            continue;
        };
        assert_eq!(fix["kind"], "command", "{what}");
        fresh_copy();
        let words = shell_words(command);
        let output = webaudit()
            .args(&words[1..])
            .args(fast_options(&words[1]))
            .arg("-q")
            .output()
            .unwrap();
        let result = to_run(output);
        assert_eq!(
            result.code, 0,
            "{what}: {command}: {} {}",
            result.stdout, result.stderr
        );
        ran += 1;
        let (_, after) = audit(&site);
        let again: Vec<&Value> = after["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == finding["rule"])
            .filter(|f| {
                f["fix"]["files"] == fix["files"]
                    || (f["path"] == finding["path"]
                        && f["message"]
                            .as_str()
                            .unwrap()
                            .contains(fix["files"][0].as_str().unwrap()))
            })
            .collect();
        assert!(again.is_empty(), "{what}: `{command}` left {again:?}");
    }
    (seen, ran)
}

/// The image page has a fix of every kind: compress, lossless and lossy optimisation, resizing,
/// and WebP copies with the pages rewritten. Then the source images (the same files, measured
/// already: the cache has them), shown by no page: their WebP fixes are manual, and their
/// optimisations are the ones just run on the page.
#[test]
fn fixes_on_the_image_page_name_their_files_and_remove_their_findings() {
    let (seen, ran) = check_fixture("images-bad", true);
    // 25 seen: images/lcp-priority's manual fix (fetchpriority on the hero) and
    // images/responsive's for the animated GIF (width variants by hand) are not run; the seven
    // `optimize --responsive --rewrite-html` fixes are, and remove their findings.
    assert_eq!((seen, ran), (25, 23));
    let (seen, _) = check_fixture("images-src", false);
    assert_eq!(seen, 12);
}

/// The apps: compress fixes, and a WebP fix for an image loaded by CSS and script, which only a
/// manual change can apply. Their twins (the next build, the tree-shaking pair) print the same
/// kinds of fixes: their scope is checked, their commands are not run again.
#[test]
fn fixes_on_the_apps_name_their_files_and_remove_their_findings() {
    let (seen, ran) = check_fixture("vite-app/dist", true);
    assert_eq!((seen, ran), (4, 3));
    let mut seen = 0;
    for name in [
        "vite-app-next/dist",
        "treeshake-bad/dist",
        "treeshake-good/dist",
        "broken-refs",
        "images-good",
    ] {
        seen += check_fixture(name, false).0;
    }
    // 6. broken-refs' hero shows its one present srcset candidate (32 px), but its page's LCP
    // is text: the body's own text (the link after the iframe, laid out in an anonymous box
    // beside the banner <div>), as headless Chromium 148 measures it too (`body`, 156,150 px²
    // on the desktop layout). So images/lcp-priority has no fix to offer there.
    assert_eq!(seen, 6);
}

/// `images/modern-format` is a command only where `--rewrite-html` makes every `<img>` showing
/// the image use the copy; otherwise it is manual and says why.
#[test]
fn a_webp_fix_is_manual_where_rewrite_html_cannot_make_the_page_use_the_copy() {
    let folder = tempfile::tempdir().unwrap();
    let site = folder.path().join("site");
    std::fs::create_dir(&site).unwrap();
    let photo = fixture("images-src/fresh-flower.jpg");
    for name in ["a.jpg", "b.jpg", "b2.jpg", "c.jpg", "d.jpg", "e.jpg"] {
        std::fs::copy(&photo, site.join(name)).unwrap();
    }
    std::fs::copy(
        fixture("images-src/camera-photo-32.png"),
        site.join("c.png"),
    )
    .unwrap();
    std::fs::write(site.join("style.css"), "body { background: url(e.jpg); }\n").unwrap();
    std::fs::write(
        site.join("index.html"),
        "<!doctype html>\n<link rel=\"stylesheet\" href=\"style.css\">\n\
         <picture><source media=\"(min-width: 800px)\" srcset=\"b.jpg\"><img src=\"a.jpg\" alt=\"\"></picture>\n\
         <img src=\"b.jpg\" srcset=\"b.jpg 1x, b2.jpg 2x\" alt=\"\">\n\
         <img src=\"c.jpg\" alt=\"\">\n\
         <img src=\"d.jpg\" alt=\"\">\n",
    )
    .unwrap();
    let (terminal, report) = audit(&site);
    check_scope("webp", &site, &terminal, &report);
    let fix_of = |image: &str| {
        findings(&report, "images/modern-format")
            .into_iter()
            .map(|f| &f["fix"])
            .find(|fix| fix["files"] == serde_json::json!([image]))
            .unwrap_or_else(|| panic!("{image}: {report}"))
            .clone()
    };
    for (image, why) in [
        ("a.jpg", "is in a <picture>"),
        ("b.jpg", "names other files"),
        ("b2.jpg", "names other files"),
        ("c.jpg", "would both make c.webp"),
        ("e.jpg", "no page shows it in an <img>"),
    ] {
        let fix = fix_of(image);
        assert_eq!(fix["kind"], "manual", "{image}: {fix}");
        assert!(fix.get("command").is_none(), "{image}");
        assert!(
            fix["description"].as_str().unwrap().contains(why),
            "{image}: {fix}"
        );
    }
    let fix = fix_of("d.jpg");
    assert_eq!(fix["kind"], "command", "{fix}");
    let words = shell_words(fix["command"].as_str().unwrap());
    let run = to_run(webaudit().args(&words[1..]).arg("-q").output().unwrap());
    assert_eq!(run.code, 0, "{}", run.stderr);
    let (_, after) = audit(&site);
    assert!(
        findings(&after, "images/modern-format")
            .iter()
            .all(|f| f["fix"]["files"] != serde_json::json!(["d.jpg"])),
        "{after}"
    );
}
