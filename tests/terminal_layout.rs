//! The terminal report's layout: findings grouped by rule, lines that fit 80 columns in a pipe,
//! and the same columns with colour on and off.

mod common;

use std::fs;

use common::{fixture, webaudit};

/// Every fixture folder the README and the tests audit.
const FIXTURES: &[&str] = &[
    "vite-app/dist",
    "vite-app-next/dist",
    "images-bad",
    "images-good",
    "images-src",
    "treeshake-bad",
    "treeshake-good",
    "broken-refs",
];

fn terminal(path: &std::path::Path, args: &[&str]) -> String {
    let output = webaudit()
        .arg(path)
        .args(["--no-cache", "--no-config"])
        .args(args)
        .env("COLUMNS", "80")
        .output()
        .expect("webaudit runs");
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

/// The text a terminal shows: SGR sequences removed.
fn strip_colour(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' && chars.peek() == Some(&'[') {
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
            continue;
        }
        out.push(c);
    }
    out
}

fn columns(line: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(line)
}

#[test]
fn no_line_is_wider_than_80_columns_and_colour_moves_nothing() {
    for name in FIXTURES {
        let path = fixture(name);
        let plain = terminal(&path, &["--color", "never"]);
        for line in plain.lines() {
            assert!(
                columns(line) <= 80,
                "{name}: {} columns: {line:?}",
                columns(line)
            );
        }
        let coloured = terminal(&path, &["--color", "always"]);
        assert_ne!(coloured, plain, "{name}: --color always writes colour");
        assert_eq!(strip_colour(&coloured), plain, "{name}");
    }
}

#[test]
fn findings_of_one_rule_are_one_group_with_the_top_three_unless_verbose() {
    let folder = tempfile::tempdir().unwrap();
    let body: String = (0..60)
        .map(|i| format!("const value{i} = document.querySelector('#item-{i}');\n"))
        .collect();
    for i in 0..300 {
        // Different sizes, so the top three are known: the largest files.
        let repeat = 1 + i % 7 + usize::from(i >= 297) * 10;
        fs::write(
            folder.path().join(format!("chunk-{i:03}.js")),
            body.repeat(repeat),
        )
        .unwrap();
    }
    let default = terminal(folder.path(), &["--color", "never"]);
    let headers: Vec<&str> = default
        .lines()
        .filter(|l| l.contains("compression/missing  300 findings"))
        .collect();
    assert_eq!(headers.len(), 1, "{default}");
    // The costliest with its message, the next two by place, then how many more.
    let listed: Vec<&str> = default
        .lines()
        .filter(|l| l.trim_start().starts_with("chunk-") && l.contains("has no precompressed"))
        .collect();
    assert_eq!(listed.len(), 1, "{default}");
    assert!(listed[0].contains("chunk-299"), "the costliest: {default}");
    let also = default
        .lines()
        .find(|l| l.trim_start().starts_with("also "))
        .unwrap_or_else(|| panic!("no `also` line: {default}"));
    assert_eq!(
        also.trim(),
        "also chunk-298.js, chunk-297.js and 297 more",
        "the next two save the most"
    );
    assert!(
        default.contains("--verbose lists every finding with its fix"),
        "{default}"
    );
    let verbose = terminal(folder.path(), &["--color", "never", "--verbose"]);
    let listed = verbose
        .lines()
        .filter(|l| l.trim_start().starts_with("chunk-") && l.contains("has no precompressed"))
        .count();
    assert_eq!(listed, 300);
}
