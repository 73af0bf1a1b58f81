//! The CI outputs (`--format github|markdown|sarif|junit`, `--report`, the step summary) on real
//! fixtures: snapshots, escaping against crafted file names, SARIF schema validation, and
//! findings in bundles pointed back at their sources through the source map.
//!
//! Snapshots live in tests/snapshots/; after a change to rules or fixtures, regenerate them with
//! `INSTA_UPDATE=always cargo test --test ci_outputs` and review the diff.

mod common;

use std::path::Path;

use common::{Run, fixture, repo, to_run, webaudit};
use serde_json::Value;
use webaudit::audit::{self, AuditOptions};
use webaudit::baseline::{AssetDelta, Change, Comparison, Sizes};
use webaudit::report::markdown::{self, MarkdownOptions};
use webaudit::report::{Finding, Report};

/// The fixtures that together have findings of every kind: budgets, compression, images,
/// fonts, tree shaking (by map and by import, with and without positions).
const FIXTURES: [&str; 2] = ["images-bad", "treeshake-bad"];

/// Runs webaudit in `workspace` as GitHub Actions would (GITHUB_WORKSPACE set).
fn run_in_workspace(workspace: &Path, args: &[&str], summary: Option<&Path>) -> Run {
    let mut command = webaudit();
    command
        .current_dir(workspace)
        .env("GITHUB_WORKSPACE", workspace)
        .env_remove("GITHUB_STEP_SUMMARY")
        .arg("--no-cache")
        .args(args);
    if let Some(summary) = summary {
        command.env("GITHUB_STEP_SUMMARY", summary);
    }
    to_run(command.output().expect("webaudit runs"))
}

/// Replaces what changes between machines and releases.
fn normalise(text: &str) -> String {
    text.replace(env!("CARGO_PKG_VERSION"), "[version]")
        .replace(&repo().display().to_string(), "[repo]")
}

/// Copies a folder without its `node_modules` (which exists only where someone ran the
/// fixture's build script, and would change where findings map to).
fn copy_without_node_modules(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            if entry.file_name() != "node_modules" {
                copy_without_node_modules(&entry.path(), &target);
            }
        } else if kind.is_file() {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The fixture audited as `fixtures/<name>` from a repository that holds exactly what git
/// tracks of it, so snapshots do not depend on whether its dependencies are installed here.
fn output(fixture_name: &str, format: &str) -> String {
    let workspace = tempfile::tempdir().expect("temp dir");
    let path = format!("fixtures/{fixture_name}");
    copy_without_node_modules(&fixture(fixture_name), &workspace.path().join(&path));
    let run = to_run(
        webaudit()
            .current_dir(workspace.path())
            .env_remove("GITHUB_WORKSPACE")
            .env_remove("GITHUB_STEP_SUMMARY")
            .args(["--no-cache", &path, "--format", format])
            .output()
            .expect("webaudit runs"),
    );
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    normalise(&run.stdout).replace(&workspace.path().display().to_string(), "[repo]")
}

#[test]
fn github_annotations_snapshot() {
    for name in FIXTURES {
        insta::assert_snapshot!(format!("github_{name}"), output(name, "github"));
    }
}

#[test]
fn markdown_comment_snapshot() {
    for name in FIXTURES {
        let body = output(name, "markdown");
        assert!(body.starts_with("<!-- webaudit-report -->\n"), "{body}");
        insta::assert_snapshot!(format!("markdown_{name}"), body);
    }
}

#[test]
fn sarif_snapshot() {
    for name in FIXTURES {
        insta::assert_snapshot!(format!("sarif_{name}"), output(name, "sarif"));
    }
}

#[test]
fn junit_snapshot() {
    for name in FIXTURES {
        insta::assert_snapshot!(format!("junit_{name}"), output(name, "junit"));
    }
}

fn sarif_validator() -> jsonschema::Validator {
    let schema_path = repo().join("tests/schemas/sarif-schema-2.1.0.json");
    let schema: Value = serde_json::from_slice(&std::fs::read(&schema_path).expect("schema"))
        .expect("schema is JSON");
    jsonschema::validator_for(&schema).expect("the SARIF schema compiles")
}

fn assert_valid_sarif(validator: &jsonschema::Validator, log: &Value, what: &str) {
    let errors: Vec<String> = validator
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{what}: {errors:#?}");
}

#[test]
fn sarif_is_valid_against_the_official_schema() {
    let validator = sarif_validator();
    // The validator really checks: a log with a bad level is rejected.
    let broken = serde_json::json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}},
        "results": [{"message": {"text": "m"}, "level": "fatal"}]}]});
    assert!(!validator.is_valid(&broken));

    for name in FIXTURES {
        let log: Value = serde_json::from_str(&output(name, "sarif")).expect("SARIF is JSON");
        assert_valid_sarif(&validator, &log, name);
        let run = &log["runs"][0];
        let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
        for result in run["results"].as_array().expect("results") {
            // GitHub rejects the whole upload when one result has no file location.
            let uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap_or_else(|| panic!("{name}: result without a location: {result}"));
            assert!(
                uri.starts_with(&format!("fixtures/{name}/")),
                "{name}: {uri} is not from the repository root"
            );
            let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
            assert_eq!(rules[index]["id"], result["ruleId"]);
            assert!(["error", "warning", "note"].contains(&result["level"].as_str().unwrap()));
        }
        for rule in rules {
            let help = rule["help"]["markdown"].as_str().expect("help");
            assert!(help.contains("## What it does"), "{rule}");
            assert!(!rule["fullDescription"]["text"].as_str().unwrap().is_empty());
        }
    }
}

/// A copy of the tree-shaking fixture's build laid out as a repository: `dist/` plus the
/// `node_modules/lodash/lodash.js` its map names (empty content: only its existence matters).
fn workspace_with_lodash_source() -> tempfile::TempDir {
    let workspace = tempfile::tempdir().expect("temp dir");
    let dist = workspace.path().join("dist/assets");
    std::fs::create_dir_all(&dist).unwrap();
    for entry in std::fs::read_dir(fixture("treeshake-bad/dist/assets")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dist.join(entry.file_name())).unwrap();
    }
    let lodash = workspace.path().join("node_modules/lodash");
    std::fs::create_dir_all(&lodash).unwrap();
    std::fs::write(
        lodash.join("lodash.js"),
        "/* stands for lodash's source */\n",
    )
    .unwrap();
    workspace
}

#[test]
fn sarif_points_at_the_original_source_through_the_source_map() {
    let workspace = workspace_with_lodash_source();
    let run = run_in_workspace(workspace.path(), &["dist", "--format", "sarif"], None);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let log: Value = serde_json::from_str(&run.stdout).expect("SARIF");
    assert_valid_sarif(&sarif_validator(), &log, "mapped");
    let results = log["runs"][0]["results"].as_array().unwrap();
    let message = |r: &&Value| {
        r["message"]["text"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let lodash = results
        .iter()
        .find(|r| {
            r["ruleId"] == "tree-shaking/whole-library-bundled" && message(r).starts_with("lodash")
        })
        .expect("the lodash finding");
    let location = &lodash["locations"][0]["physicalLocation"];
    assert_eq!(
        location["artifactLocation"]["uri"],
        "node_modules/lodash/lodash.js"
    );
    // The independent oracle decodes the map itself.
    let oracle = std::process::Command::new("python3")
        .arg(repo().join("tests/oracle/first_mapping.py"))
        .arg(fixture("treeshake-bad/dist/assets/index-D6t1oOL9.js.map"))
        .arg("../../node_modules/lodash/lodash.js")
        .output()
        .expect("python3 runs");
    let expected = String::from_utf8(oracle.stdout).unwrap();
    let (line, column) = expected
        .trim()
        .split_once(' ')
        .expect("oracle found a mapping");
    assert_eq!(location["region"]["startLine"].to_string(), line);
    assert_eq!(location["region"]["startColumn"].to_string(), column);
    assert_eq!(
        lodash["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "dist/assets/index-D6t1oOL9.js"
    );
    // moment's sources are not in this repository: those findings stay on the built file.
    let moment = results
        .iter()
        .find(|r| message(r).starts_with("moment"))
        .expect("the moment finding");
    assert_eq!(
        moment["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "dist/assets/index-D6t1oOL9.js"
    );
    // The JSON report written beside it carries the mapped location too; a JSON-only run
    // does not look maps up at all.
    let mapped_in = |args: &[&str]| {
        let json = run_in_workspace(workspace.path(), args, None);
        let report: Value = serde_json::from_str(&json.stdout).unwrap();
        assert_eq!(report["root_in_repository"], "dist");
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| !f["source"].is_null())
            .map(|f| f["source"]["path"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        mapped_in(&["dist", "--format", "json", "--report", "sarif=out.sarif"]),
        ["node_modules/lodash/lodash.js"]
    );
    assert!(mapped_in(&["dist", "--format", "json"]).is_empty());
}

/// Whether line `line` (1-based) of `file` imports `package` (or a module inside it): the
/// statement or call that names it as a string.
fn line_imports(file: &Path, line: u64, package: &str) -> bool {
    let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let Some(code) = text.lines().nth(line as usize - 1) else {
        return false;
    };
    let names_it = ['\'', '"'].iter().any(|quote| {
        code.contains(&format!("{quote}{package}{quote}"))
            || code.contains(&format!("{quote}{package}/"))
    });
    names_it && (code.contains("import") || code.contains("require(") || code.contains("export"))
}

/// tree-shaking/whole-library-bundled on the tree-shaking fixture, audited from a checkout of
/// the repository (sources and build, no node_modules): SARIF and GitHub annotations put each
/// finding on the line of the fixture's source that imports the library, which the test reads.
#[test]
fn whole_library_findings_land_on_the_importing_line_of_the_source() {
    let workspace = tempfile::tempdir().expect("temp dir");
    let path = "fixtures/treeshake-bad";
    copy_without_node_modules(&fixture("treeshake-bad"), &workspace.path().join(path));
    let dist = format!("{path}/dist");

    let run = run_in_workspace(workspace.path(), &[&dist, "--format", "sarif"], None);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let log: Value = serde_json::from_str(&run.stdout).expect("SARIF");
    assert_valid_sarif(&sarif_validator(), &log, "import sites");
    let results: Vec<&Value> = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["ruleId"] == "tree-shaking/whole-library-bundled")
        .collect();
    assert!(results.len() >= 2, "lodash, moment…: {results:?}");
    let mut located = Vec::new();
    for result in &results {
        let message = result["message"]["text"].as_str().unwrap();
        let package = message.split_whitespace().next().unwrap();
        let location = &result["locations"][0]["physicalLocation"];
        let uri = location["artifactLocation"]["uri"].as_str().unwrap();
        let line = location["region"]["startLine"].as_u64().unwrap();
        assert!(
            uri.starts_with(&format!("{path}/src/")),
            "{package} is not placed in the fixture's sources: {uri}"
        );
        assert!(
            line_imports(&workspace.path().join(uri), line, package),
            "{uri}:{line} does not import {package}"
        );
        // The built file stays a related location.
        assert_eq!(
            result["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            format!("{dist}/assets/index-D6t1oOL9.js")
        );
        located.push((package.to_string(), uri.to_string(), line));
    }
    assert!(located.iter().any(|(package, ..)| package == "lodash"));

    // GitHub annotations: the same file and line.
    let run = run_in_workspace(workspace.path(), &[&dist, "--format", "github"], None);
    for (package, uri, line) in &located {
        let annotation = run
            .stdout
            .lines()
            .find(|l| {
                l.contains("tree-shaking/whole-library-bundled")
                    && l.split("::")
                        .nth(2)
                        .is_some_and(|m| m.contains(&format!(": {package} ")))
            })
            .unwrap_or_else(|| panic!("no annotation for {package}: {}", run.stdout));
        let properties = annotation.split("::").nth(1).unwrap();
        assert!(
            properties.contains(&format!("file={uri},line={line},")),
            "{annotation}"
        );
    }

    // The terminal says where the package is imported, within 80 columns.
    let run = to_run(
        webaudit()
            .current_dir(workspace.path())
            .env("COLUMNS", "80")
            .args(["--no-cache", &dist, "--verbose"])
            .output()
            .expect("webaudit runs"),
    );
    let imported_by: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.trim_start().starts_with("imported by "))
        .collect();
    assert!(imported_by.len() >= results.len(), "{}", run.stdout);
    for line in &imported_by {
        assert!(unicode_width::UnicodeWidthStr::width(*line) <= 80, "{line}");
    }
}

#[test]
fn a_finding_at_a_line_of_a_bundle_points_at_the_original_line() {
    // A minimal bundle with a syntax error on its second line, and the map a bundler would
    // write for it: generated line 2, columns 0 and 8 come from src/app.ts lines 5 and 6.
    let workspace = tempfile::tempdir().expect("temp dir");
    let root = workspace.path();
    std::fs::create_dir_all(root.join("dist")).unwrap();
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::write(
        root.join("src/app.ts"),
        "// the original\n\n\n\nlet a = 1;\nlet b = (1;\n",
    )
    .unwrap();
    std::fs::write(
        root.join("dist/app.js"),
        "\"use strict\";\nlet a=1;let b=(1;\n//# sourceMappingURL=app.js.map\n",
    )
    .unwrap();
    // Line 2: column 0 → source 0, line 4, column 0; column 8 → line 5, column 0.
    let map = serde_json::json!({
        "version": 3, "sources": ["../src/app.ts"], "names": [], "mappings": ";AAIA,QACA"
    });
    std::fs::write(root.join("dist/app.js.map"), map.to_string()).unwrap();

    let run = run_in_workspace(root, &["dist", "--format", "sarif"], None);
    let log: Value = serde_json::from_str(&run.stdout).expect("SARIF");
    assert_valid_sarif(&sarif_validator(), &log, "bundle with a map");
    let parse_error = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "js/parse-error")
        .unwrap_or_else(|| panic!("a parse error in {}", run.stdout));
    let location = &parse_error["locations"][0]["physicalLocation"];
    let related = &parse_error["relatedLocations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "src/app.ts");
    assert_eq!(related["artifactLocation"]["uri"], "dist/app.js");
    // The error is after column 8 of generated line 2, which maps to line 6 (1-based).
    let generated_column = related["region"]["startColumn"].as_u64().unwrap();
    assert_eq!(related["region"]["startLine"], 2);
    assert!(generated_column > 8, "{related}");
    assert_eq!(location["region"]["startLine"], 6, "{location}");
    assert_eq!(location["region"]["startColumn"], 1, "{location}");

    // The annotation goes to the original line too, naming the built file.
    let github = run_in_workspace(root, &["dist", "--format", "github"], None);
    let line = github
        .stdout
        .lines()
        .find(|l| l.contains("js/parse-error"))
        .expect("an annotation");
    assert!(line.contains("file=src/app.ts,line=6,col=1,"), "{line}");
    assert!(line.contains("::in dist/app.js: "), "{line}");

    // Without the original in the repository, it stays on the built file.
    std::fs::remove_file(root.join("src/app.ts")).unwrap();
    let run = run_in_workspace(root, &["dist", "--format", "sarif"], None);
    let log: Value = serde_json::from_str(&run.stdout).unwrap();
    let result = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "js/parse-error")
        .unwrap()
        .clone();
    assert_eq!(
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "dist/app.js"
    );
    assert!(result.get("relatedLocations").is_none());
}

/// Names that try to end a workflow command early or start one of their own.
const CRAFTED_NAMES: [&str; 6] = [
    "100%.html",
    "a:b,c.html",
    "line\nbreak.html",
    "x\n::set-output name=hacked::1.html",
    "::warning::forged.html",
    "c%0A::error::d.html",
];

/// A workspace whose `dist/` holds a real page (the images fixture's) under each of `names`.
fn workspace_with_pages(names: &[&str]) -> tempfile::TempDir {
    let workspace = tempfile::tempdir().expect("temp dir");
    let dist = workspace.path().join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    let page = std::fs::read(fixture("images-bad/index.html")).unwrap();
    for name in names {
        std::fs::write(dist.join(name), &page).unwrap();
    }
    workspace
}

fn unescape_property(value: &str) -> String {
    value
        .replace("%2C", ",")
        .replace("%3A", ":")
        .replace("%0A", "\n")
        .replace("%0D", "\r")
        .replace("%25", "%")
}

#[test]
fn github_annotations_cannot_be_injected_by_file_names() {
    let workspace = workspace_with_pages(&CRAFTED_NAMES);
    // The pages are copies of one page: with its missing images, the failed requests of the
    // first page alone (150 ms each) would fill the 10 warnings. Without them, each page's own
    // costliest finding (its missing compression) is annotated, so every crafted name is.
    let config = workspace.path().join("annotations.toml");
    std::fs::write(&config, "[rules]\n\"references/missing\" = \"off\"\n").unwrap();
    let config = config.to_str().unwrap();
    let run = run_in_workspace(
        workspace.path(),
        &["dist", "--format", "github", "--config", config],
        None,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut annotated_files = Vec::new();
    let lines: Vec<&str> = run.stdout.lines().collect();
    for line in &lines {
        if line.starts_with("webaudit: ") {
            continue;
        }
        let rest = ["::error ", "::warning ", "::notice "]
            .iter()
            .find_map(|command| line.strip_prefix(command))
            .unwrap_or_else(|| panic!("not one of our commands: {line:?}"));
        // Properties end at the first `::`; escaped values hold no `:` at all.
        let (properties, _message) = rest.split_once("::").expect("a message");
        assert!(!properties.contains(':'), "{line:?}");
        for property in properties.split(',') {
            let (key, value) = property.split_once('=').expect("key=value");
            assert!(["file", "line", "col", "title"].contains(&key), "{line:?}");
            if key == "file" {
                annotated_files.push(unescape_property(value));
            }
        }
    }
    // The last line is the summary, the one before it the notice about the rest.
    assert!(lines.last().unwrap().starts_with("webaudit: "));
    for name in CRAFTED_NAMES {
        // A line break in a name is shown as `\n`: it cannot add a line to the annotation.
        let shown = format!("dist/{}", name.replace('\n', "\\n"));
        assert!(
            annotated_files.contains(&shown),
            "{shown:?} not annotated (exactly) in {annotated_files:?}"
        );
    }
    // Annotations are capped per step: 10 warnings and the notice saying more are elsewhere.
    let warnings = lines.iter().filter(|l| l.starts_with("::warning ")).count();
    assert_eq!(warnings, 10);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("::notice ") && l.contains("more findings"))
    );
    // Nothing on stderr may start a workflow command either.
    assert!(
        run.stderr
            .lines()
            .all(|l| !l.trim_start().starts_with("::")),
        "{}",
        run.stderr
    );
}

fn cells(row: &str) -> usize {
    let bytes = row.as_bytes();
    (0..bytes.len())
        .filter(|&i| bytes[i] == b'|' && (i == 0 || bytes[i - 1] != b'\\'))
        .count()
}

#[test]
fn markdown_shows_markup_in_file_names_as_text() {
    let name = "<img src=x onerror=alert(1)>[a](javascript:alert(1))**b**|`c`@someone.html";
    let workspace = workspace_with_pages(&[name]);
    let run = run_in_workspace(workspace.path(), &["dist", "--format", "markdown"], None);
    let body = run.stdout;
    assert!(body.starts_with("<!-- webaudit-report -->\n"));
    assert!(!body.contains("<img"), "{body}");
    assert!(!body.contains("]("), "{body}");
    assert!(!body.contains("**b"), "{body}");
    assert!(!body.contains("@someone"), "{body}");
    let escaped = "dist/&lt;img src=x onerror=alert\\(1\\)&gt;\\[a\\]\\(javascript:alert\\(1\\)\\)\\*\\*b\\*\\*\\|\\`c\\`@\u{200B}someone.html";
    assert!(body.contains(escaped), "{body}");
    // Every row of the findings table has the header's number of cells.
    let table: Vec<&str> = body
        .lines()
        .skip_while(|l| !l.starts_with("| Severity"))
        .take_while(|l| l.starts_with('|'))
        .collect();
    assert!(table.len() > 2);
    for row in &table {
        assert_eq!(cells(row), cells(table[0]), "{row}");
    }
}

#[test]
fn junit_is_well_formed_xml_with_crafted_names() {
    let names = ["a<b>&\"c'.html", "ctrl\u{1}\u{1b}[31m.html", "ok.html"];
    let workspace = workspace_with_pages(&names);
    let run = run_in_workspace(workspace.path(), &["dist", "--format", "junit"], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // Python's XML parser (an independent one) reads it, and sees the names as written
    // (control characters, which XML cannot carry, shown as escapes).
    let script = r#"
import sys, xml.etree.ElementTree as E
root = E.fromstring(sys.stdin.buffer.read())
cases = [c.get("name") for c in root.iter("testcase")]
failures = len(list(root.iter("failure")))
print("\n".join(sorted(set(cases))))
print("tests", root.get("tests"), len(cases), "failures", root.get("failures"), failures)
"#;
    let mut child = std::process::Command::new("python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs");
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(run.stdout.as_bytes())
        .unwrap();
    let parsed = child.wait_with_output().unwrap();
    assert!(parsed.status.success(), "not XML:\n{}", run.stdout);
    let parsed = String::from_utf8(parsed.stdout).unwrap();
    assert!(parsed.contains("dist/a<b>&\"c'.html"), "{parsed}");
    assert!(parsed.contains("dist/ctrl\\x01\\x1b[31m.html"), "{parsed}");
    // Rules without findings are passing test cases.
    assert!(parsed.contains("no findings"), "{parsed}");
    let totals = parsed.lines().last().unwrap();
    let words: Vec<&str> = totals.split(' ').collect();
    assert_eq!(words[1], words[2], "{totals}");
    assert_eq!(words[4], words[5], "{totals}");
    // Warnings do not fail the default --fail-on error: no failures, as the exit code says.
    assert_eq!(words[4], "0", "{totals}");
    let failing = run_in_workspace(
        workspace.path(),
        &["dist", "--format", "junit", "--fail-on", "warning"],
        None,
    );
    assert_eq!(failing.code, 1);
    assert!(failing.stdout.contains("<failure type=\"warning\""));
}

#[test]
fn rules_turned_off_are_not_listed_as_checked() {
    let workspace = workspace_with_pages(&["index.html"]);
    let config = workspace.path().join("webaudit.toml");
    std::fs::write(&config, "[rules]\n\"images/unsized\" = \"off\"\n").unwrap();
    let config = config.to_string_lossy().into_owned();
    let args = |format| vec!["dist", "--config", config.as_str(), "--format", format];
    let junit = run_in_workspace(workspace.path(), &args("junit"), None).stdout;
    assert!(!junit.contains("images/unsized"), "{junit}");
    assert!(
        junit.contains("<testsuite name=\"fonts/font-display\""),
        "{junit}"
    );
    let sarif: Value =
        serde_json::from_str(&run_in_workspace(workspace.path(), &args("sarif"), None).stdout)
            .unwrap();
    let ids: Vec<&str> = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert!(
        !ids.contains(&"images/unsized") && ids.contains(&"budget/total"),
        "{ids:?}"
    );
    // Without the configuration the rule runs and finds the page's unsized images.
    let default = run_in_workspace(
        workspace.path(),
        &["dist", "--no-config", "--format", "junit"],
        None,
    );
    assert!(
        default
            .stdout
            .contains("<testsuite name=\"images/unsized\" tests=\"1\""),
        "{}",
        default.stdout
    );
}

#[test]
fn several_reports_in_one_run_are_written_atomically() {
    let workspace = workspace_with_lodash_source();
    let out = workspace.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    // An existing file is replaced whole.
    std::fs::write(out.join("webaudit.sarif"), "old content").unwrap();
    let run = run_in_workspace(
        workspace.path(),
        &[
            "dist",
            "--format",
            "sarif",
            "--report",
            "json=out/report.json",
            "--report",
            "sarif=out/webaudit.sarif",
            "--report",
            "markdown=out/comment.md",
            "--report",
            "junit=out/junit.xml",
            "--report",
            "github=out/annotations.txt",
        ],
        None,
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let read = |name: &str| std::fs::read_to_string(out.join(name)).unwrap();
    assert_eq!(read("webaudit.sarif"), run.stdout);
    let report: Value = serde_json::from_str(&read("report.json")).unwrap();
    assert_eq!(report["summary"]["errors"], 1);
    assert!(read("comment.md").starts_with(markdown::MARKER));
    assert!(read("junit.xml").starts_with("<?xml"));
    assert!(read("annotations.txt").starts_with("::error "));
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "annotations.txt",
            "comment.md",
            "junit.xml",
            "report.json",
            "webaudit.sarif"
        ],
        "no temporary file is left behind"
    );

    let bad = run_in_workspace(workspace.path(), &["dist", "--report", "pdf=x.pdf"], None);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("unknown report format"),
        "{}",
        bad.stderr
    );
    let unwritable = run_in_workspace(
        workspace.path(),
        &["dist", "--report", "sarif=missing-folder/x.sarif"],
        None,
    );
    assert_eq!(unwritable.code, 2, "{}", unwritable.stderr);
    assert!(
        unwritable.stderr.contains("missing-folder/x.sarif"),
        "{}",
        unwritable.stderr
    );
}

#[test]
fn step_summary_is_appended_whatever_the_format() {
    let workspace = workspace_with_lodash_source();
    let summary = workspace.path().join("summary.md");
    std::fs::write(&summary, "## an earlier step\n").unwrap();
    for format in ["terminal", "github"] {
        let run = run_in_workspace(
            workspace.path(),
            &["dist", "--format", format],
            Some(&summary),
        );
        assert_eq!(run.code, 1, "{}", run.stderr);
    }
    let text = std::fs::read_to_string(&summary).unwrap();
    assert!(text.starts_with("## an earlier step\n"), "{text}");
    assert_eq!(text.matches("## webaudit").count(), 2, "{text}");
    assert!(
        !text.contains(markdown::MARKER),
        "the marker is for the comment only"
    );
    assert!(
        text.contains("| total \\(script + stylesheet\\) | gzip |"),
        "{text}"
    );
    assert!(text.contains("❌ over by"), "{text}");
    assert!(
        text.contains("tree-shaking/whole-library-bundled"),
        "{text}"
    );

    // A summary that cannot be written is a warning; the audit's result stands.
    let missing = workspace.path().join("no-such-folder/summary.md");
    let run = run_in_workspace(
        workspace.path(),
        &["dist", "--format", "json"],
        Some(&missing),
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("cannot append the step summary"),
        "{}",
        run.stderr
    );
    assert!(serde_json::from_str::<Value>(&run.stdout).is_ok());
}

// ---- the Markdown document on an in-process report -----------------------------------------

fn report_of(fixture_name: &str) -> Report {
    let mut report = audit::run(&AuditOptions::new(fixture(fixture_name))).expect("audit runs");
    // Independent of where the tests run: name files as from a repository holding `dist/`.
    report.root_in_repository = Some("dist".to_string());
    report
}

fn sizes(gzip: u64) -> Sizes {
    Sizes {
        raw: gzip * 3,
        gzip,
        brotli: None,
    }
}

fn delta(path: &str, before: Option<u64>, after: Option<u64>, change: Change) -> AssetDelta {
    let gzip_delta = after.unwrap_or(0) as i64 - before.unwrap_or(0) as i64;
    AssetDelta {
        path: path.to_string(),
        baseline_path: None,
        key: path.to_string(),
        change,
        before: before.map(sizes),
        after: after.map(sizes),
        gzip_delta,
        gzip_percent: match (before, after) {
            (Some(b), Some(_)) if b > 0 => Some(gzip_delta as f64 * 100.0 / b as f64),
            _ => None,
        },
        raw_delta: gzip_delta * 3,
    }
}

fn comparison() -> Comparison {
    let mut grown = delta(
        "assets/index-D6t1oOL9.js",
        Some(370_000),
        Some(383_000),
        Change::Changed,
    );
    grown.baseline_path = Some("assets/index-B1a2c3d4.js".to_string());
    grown.key = "assets/index-[hash].js".to_string();
    Comparison {
        baseline: "base/report.json".to_string(),
        before: sizes(372_000),
        after: sizes(384_750),
        gzip_delta: 12_750,
        gzip_percent: Some(12_750.0 * 100.0 / 372_000.0),
        assets: vec![
            grown,
            delta("assets/new-<chunk>.js", None, Some(1_200), Change::Added),
            delta("assets/old.js", Some(600), None, Change::Removed),
            delta(
                "assets/lazy-CuMmhXhO.js",
                Some(1_300),
                Some(1_250),
                Change::Changed,
            ),
            delta("index.html", Some(450), Some(450), Change::Unchanged),
        ],
        raw_delta: 12_750 * 3,
        hash_pattern: webaudit::baseline::DEFAULT_HASH_PATTERN.to_string(),
        // The changed, added and removed assets above.
        changed_before_gzip: 370_000 + 600 + 1_300,
        changed_after_gzip: 383_000 + 1_200 + 1_250,
        changed_gzip_percent: Some((385_450.0 - 371_900.0) * 100.0 / 371_900.0),
        packages: vec![webaudit::baseline::PackageDelta {
            name: "date-fns".to_string(),
            before_raw: 0,
            after_raw: 56_000,
            raw_delta: 56_000,
            gzip_estimate_delta: 14_000,
            bundles: vec!["assets/index-D6t1oOL9.js".to_string()],
        }],
    }
}

#[test]
fn markdown_with_a_baseline_shows_changes_first_and_folds_the_unchanged() {
    let mut report = report_of("treeshake-bad/dist");
    let without = markdown::document(&report, MarkdownOptions::comment());
    assert!(!without.contains("against the baseline"), "{without}");

    report.baseline = Some(comparison());
    let body = markdown::document(&report, MarkdownOptions::comment());
    let section = body
        .split("### Size changes against the baseline")
        .nth(1)
        .expect("a baseline section")
        .split("### Findings")
        .next()
        .unwrap()
        .to_string();
    insta::assert_snapshot!("markdown_baseline_section", section);
    let position = |needle: &str| {
        section
            .find(needle)
            .unwrap_or_else(|| panic!("{needle:?} missing in {section}"))
    };
    // Growth, then added, removed and shrunk (the comparison's order), then the unchanged,
    // folded inside <details>.
    assert!(
        position("📈 | assets/index-D6t1oOL9.js (was assets/index-B1a2c3d4.js)") < position("🆕")
    );
    assert!(position("🆕 | assets/new-&lt;chunk&gt;.js") < position("🗑️ | assets/old.js"));
    assert!(position("📉 | assets/lazy-CuMmhXhO.js") < position("<details>"));
    assert!(position("<details>") < position("| index.html | 450 B |"));
    assert!(section.contains("+13 kB (+3.5%)"), "{section}");
    assert!(section.contains("-50 B (-3.8%)"), "{section}");
    assert!(section.contains("📈 Total: 384.75 kB gzip, +12.75 kB (+3.4%) against 372 kB"));

    // The step summary reuses the same pieces, without the marker.
    let summary = markdown::document(&report, MarkdownOptions::step_summary(1 << 20));
    assert!(summary.contains(&section));
    assert!(!summary.contains(markdown::MARKER));
}

#[test]
fn markdown_stays_under_the_comment_limit() {
    let mut report = report_of("treeshake-bad/dist");
    let mut comparison = comparison();
    let template: Finding = report.findings[1].clone();
    for i in 0..3_000 {
        let mut finding = template.clone();
        finding.path = Some(format!("assets/chunk-{i:05}.js"));
        report.findings.push(finding);
        comparison.assets.push(delta(
            &format!("assets/chunk-{i:05}.js"),
            Some(1000),
            Some(1000 + i),
            Change::Changed,
        ));
        comparison.assets.push(delta(
            &format!("assets/same-{i:05}.js"),
            Some(1000),
            Some(1000),
            Change::Unchanged,
        ));
    }
    report.baseline = Some(comparison);
    let body = markdown::document(&report, MarkdownOptions::comment());
    assert!(body.len() < 65_536, "{}", body.len());
    assert!(body.starts_with(markdown::MARKER));
    assert!(
        body.contains("not shown here; see the full report"),
        "{body}"
    );
    // The important parts survive: the verdict, the budgets, the most important finding.
    assert!(body.contains("❌ **webaudit failed**"));
    assert!(body.contains("### Budgets"));
    assert!(body.contains("| ❌ error | budget/total |"));
    // Far more room (the step summary's 1 MiB) shows more rows.
    let summary = markdown::document(&report, MarkdownOptions::step_summary(1 << 20));
    assert!(summary.len() > body.len() && summary.len() <= 1 << 20);

    // A limit too small even for the status and budgets cuts at a line, with a note.
    let tiny = markdown::document(
        &report,
        MarkdownOptions {
            marker: true,
            limit: 300,
        },
    );
    assert!(tiny.len() <= 300 && tiny.contains("cut to fit"), "{tiny}");
}
