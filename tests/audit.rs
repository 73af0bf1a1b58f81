//! The audit command end to end: exit codes, budgets, the JSON document, rules and explain.

mod common;

use std::fs;
use std::path::Path;

use common::*;

/// A small app: two scripts, a stylesheet, an image, precompressed copies and a source map.
fn small_app() -> tempfile::TempDir {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path();
    fs::create_dir_all(root.join("assets")).unwrap();
    let script: String = (0..400)
        .map(|i| format!("export function f{i}(a){{return a*{i}+{}}}\n", i * 7))
        .collect();
    fs::write(root.join("assets/index-3f2a1b9c.js"), &script).unwrap();
    fs::write(root.join("assets/vendor-aa11bb22.js"), script.repeat(3)).unwrap();
    fs::write(
        root.join("assets/index-3f2a1b9c.js.map"),
        "{\"version\":3,\"sources\":[],\"mappings\":\"\"}",
    )
    .unwrap();
    fs::write(
        root.join("assets/style-77.css"),
        ".a{color:red}\n".repeat(300),
    )
    .unwrap();
    fs::write(
        root.join("index.html"),
        "<!doctype html><title>x</title><script src=/assets/index-3f2a1b9c.js></script>",
    )
    .unwrap();
    // A real (already optimal) PNG icon: a broken one would be reported by images/unreadable.
    fs::copy(
        fixture("images-src/camera-photo-32.png"),
        root.join("assets/logo.png"),
    )
    .unwrap();
    // Precompressed copies, as a static host serving `X.gz` expects them.
    for text in [
        "assets/style-77.css",
        "assets/index-3f2a1b9c.js",
        "assets/vendor-aa11bb22.js",
    ] {
        let bytes = fs::read(root.join(text)).unwrap();
        let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        std::io::Write::write_all(&mut gzip, &bytes).unwrap();
        fs::write(root.join(format!("{text}.gz")), gzip.finish().unwrap()).unwrap();
    }
    folder
}

#[test]
fn default_run_passes_and_reports_every_asset() {
    let app = small_app();
    let (code, report) = json_report(app.path(), &["--no-config"]);
    assert_eq!(code, 0);
    assert_eq!(report["schema"], webaudit::model::SCHEMA_VERSION);
    assert_eq!(report["tool"]["name"], "webaudit");
    assert_eq!(report["assets"].as_array().unwrap().len(), 9);

    let css = asset(&report, "assets/style-77.css");
    assert_eq!(css["kind"], "stylesheet");
    assert_eq!(
        css["variants"],
        serde_json::json!(["assets/style-77.css.gz"])
    );
    assert_eq!(css["hash"].as_str().unwrap().len(), 64);
    let gz = asset(&report, "assets/style-77.css.gz");
    assert_eq!(
        (gz["kind"].as_str(), gz["original"].as_str()),
        (Some("precompressed"), Some("assets/style-77.css"))
    );
    assert_eq!(
        asset(&report, "assets/index-3f2a1b9c.js.map")["kind"],
        "source-map"
    );
    let png = asset(&report, "assets/logo.png");
    assert!(png["gzip"].is_null(), "PNG is not compressed in transit");

    // Totals count what browsers download: not the map, not the .gz/.br copies.
    let scripts = &report["totals"]["by_type"]["script"];
    assert_eq!(scripts["files"], 2);
    let script_gzip: u64 = ["assets/index-3f2a1b9c.js", "assets/vendor-aa11bb22.js"]
        .iter()
        .map(|p| asset(&report, p)["gzip"].as_u64().unwrap())
        .sum();
    assert_eq!(scripts["gzip"].as_u64(), Some(script_gzip));
    assert_eq!(report["totals"]["all"]["files"], 5);
    assert_eq!(report["totals"]["not_counted"]["precompressed"]["files"], 3);

    let total = &report["budgets"][0];
    assert_eq!(total["rule"], "budget/total");
    assert_eq!(total["limit"], 200_000);
    let css_gzip = css["gzip"].as_u64().unwrap();
    assert_eq!(total["actual"].as_u64(), Some(script_gzip + css_gzip));
    assert_eq!(total["passed"], true);
    assert!(report["findings"].as_array().unwrap().is_empty());
}

#[test]
fn exceeding_the_total_budget_fails_with_exit_code_1() {
    let app = small_app();
    let (code, report) = json_report(app.path(), &["--no-config", "--budget", "1kB"]);
    assert_eq!(code, 1);
    let found = findings(&report, "budget/total");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["severity"], "error");
    assert_eq!(found[0]["limit"], 1000);
    assert!(
        found[0]["message"]
            .as_str()
            .unwrap()
            .contains("over the 1 kB budget"),
        "{}",
        found[0]["message"]
    );

    // --fail-on never reports but does not fail.
    let (code, _) = json_report(
        app.path(),
        &["--no-config", "--budget", "1kB", "--fail-on", "never"],
    );
    assert_eq!(code, 0);
}

#[test]
fn terminal_output_names_units_and_budget_verdicts() {
    let app = small_app();
    let run = run(&[
        app.path().to_str().unwrap(),
        "--no-cache",
        "--no-config",
        "--budget",
        "1KiB",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stdout.contains("Largest assets") || run.stdout.contains("Assets"),
        "{}",
        run.stdout
    );
    // The scorecard leads: the budget's metric, current, target and gap.
    assert!(run.stdout.contains("Scorecard"), "{}", run.stdout);
    let budget_row = run
        .stdout
        .lines()
        .find(|line| line.contains("✗ total (script + stylesheet), gzip"))
        .unwrap_or_else(|| panic!("no failed budget row: {}", run.stdout));
    assert!(budget_row.contains("1.02 kB"), "{budget_row}");
    assert!(budget_row.contains('+'), "the gap: {budget_row}");
    // The table of totals by type is in --verbose.
    assert!(!run.stdout.contains("Totals by type"), "{}", run.stdout);
    let verbose = common::run(&[
        app.path().to_str().unwrap(),
        "--no-cache",
        "--no-config",
        "--budget",
        "1KiB",
        "--verbose",
    ]);
    assert!(
        verbose.stdout.contains("Totals by type"),
        "{}",
        verbose.stdout
    );
    assert!(
        run.stdout.contains("1.02 kB"),
        "1 KiB is printed in kB: {}",
        run.stdout
    );
    assert!(run.stdout.contains("budget/total"));
    assert!(
        !run.stdout.contains('\x1b'),
        "no colour when not on a terminal"
    );
    assert!(
        run.stdout.trim_end().ends_with("failed (--fail-on error)"),
        "{}",
        run.stdout
    );

    let quiet = common::run(&[
        app.path().to_str().unwrap(),
        "--no-cache",
        "--no-config",
        "--quiet",
    ]);
    assert_eq!(quiet.code, 0);
    assert_eq!(quiet.stdout.trim(), "0 errors, 0 warnings, 0 infos: passed");

    let colour = common::run(&[
        app.path().to_str().unwrap(),
        "--no-cache",
        "--no-config",
        "--color",
        "always",
    ]);
    assert!(colour.stdout.contains("\x1b[32m"), "--color always colours");
}

#[test]
fn brotli_is_computed_only_when_asked() {
    let app = small_app();
    let (_, report) = json_report(app.path(), &["--no-config"]);
    assert!(asset(&report, "assets/style-77.css")["brotli"].is_null());
    assert!(report["settings"]["brotli"].is_null());
    let (_, report) = json_report(app.path(), &["--no-config", "--brotli"]);
    let brotli = asset(&report, "assets/style-77.css")["brotli"]
        .as_u64()
        .unwrap();
    assert!(
        brotli > 0
            && brotli
                < asset(&report, "assets/style-77.css")["gzip"]
                    .as_u64()
                    .unwrap()
    );
}

fn write_config(root: &Path, text: &str) {
    fs::write(root.join("webaudit.toml"), text).unwrap();
}

#[test]
fn type_path_and_count_budgets_from_webaudit_toml() {
    let app = small_app();
    write_config(
        app.path(),
        r#"
ignore = ["*.map"]

[budget]
total = "1MB"

[budget.types]
stylesheet = "10"
image = "1MB"

[budget.counts]
script = 1
total = 100

[[budget.path]]
path = "assets/*.js"
max_size = "3kB"

[[budget.path]]
path = ["assets/*.js", "!assets/vendor-*.js"]
maxSize = "1MB"
aggregate = "sum"
compression = "none"
name = "entry"

[rules]
"budget/count" = "warning"
"#,
    );
    let (code, report) = json_report(app.path(), &[]);
    assert_eq!(code, 1);
    // The map is ignored and listed as skipped.
    let skipped = report["skipped"].as_array().unwrap();
    assert!(
        skipped
            .iter()
            .any(|s| s["path"] == "assets/index-3f2a1b9c.js.map" && s["category"] == "ignored")
    );

    let css_gzip = asset(&report, "assets/style-77.css")["gzip"]
        .as_u64()
        .unwrap();
    let types = findings(&report, "budget/type");
    assert_eq!(types.len(), 1);
    assert_eq!(types[0]["actual"].as_u64(), Some(css_gzip));

    // Per-file: only the vendor chunk is over 3 kB gzip (the entry is 2,994 B).
    let paths = findings(&report, "budget/path");
    assert_eq!(paths.len(), 1, "{paths:?}");
    assert_eq!(paths[0]["path"], "assets/vendor-aa11bb22.js");
    let entry = report["budgets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["name"] == "entry")
        .unwrap();
    assert_eq!(entry["measure"], "raw");
    assert_eq!(entry["files"], 1);
    assert_eq!(
        entry["actual"],
        asset(&report, "assets/index-3f2a1b9c.js")["raw"]
    );

    let counts = findings(&report, "budget/count");
    assert_eq!(counts.len(), 1);
    assert_eq!(counts[0]["severity"], "warning");
    assert_eq!(
        (counts[0]["actual"].as_u64(), counts[0]["limit"].as_u64()),
        (Some(2), Some(1))
    );
}

#[test]
fn rules_can_be_turned_off() {
    let app = small_app();
    write_config(
        app.path(),
        "[budget]\ntotal = \"1kB\"\n\n[rules]\n\"budget/total\" = \"off\"\n",
    );
    let (code, report) = json_report(app.path(), &[]);
    assert_eq!(code, 0);
    assert!(report["findings"].as_array().unwrap().is_empty());
    assert_eq!(
        report["budgets"][0]["passed"], false,
        "the check is still shown"
    );
}

#[test]
fn brotli_budgets_compute_brotli() {
    let app = small_app();
    write_config(
        app.path(),
        "[budget]\ntotal = \"200kB\"\ncompression = \"brotli\"\n",
    );
    let (_, report) = json_report(app.path(), &[]);
    let total = &report["budgets"][0];
    assert_eq!(total["measure"], "brotli");
    let css = asset(&report, "assets/style-77.css");
    assert!(css["brotli"].as_u64().is_some());
}

#[test]
fn lighthouse_budget_file_is_checked() {
    let app = small_app();
    let budget = app.path().join("budget.json");
    fs::write(
        &budget,
        r#"[{"path": "/*", "resourceSizes": [{"resourceType": "script", "budget": 1}, {"resourceType": "total", "budget": 500}],
            "resourceCounts": [{"resourceType": "third-party", "budget": 0}], "timings": [{"metric": "interactive", "budget": 3000}]},
           {"path": "/checkout", "resourceSizes": [{"resourceType": "script", "budget": 1}]}]"#,
    )
    .unwrap();
    let (code, report) = json_report(
        app.path(),
        &["--no-config", "--budget-file", budget.to_str().unwrap()],
    );
    assert_eq!(code, 1);
    let types = findings(&report, "budget/type");
    assert_eq!(types.len(), 1);
    assert_eq!(types[0]["limit"], 1024, "Lighthouse budgets are KiB");
    let notes = report["notes"].to_string();
    assert!(
        notes.contains("/checkout") && notes.contains("timings") && notes.contains("third-party"),
        "{notes}"
    );
}

#[test]
fn size_limit_configuration_in_package_json_is_imported() {
    let project = tempfile::tempdir().unwrap();
    fs::create_dir(project.path().join(".git")).unwrap();
    let app = small_app();
    let dist = project.path().join("dist");
    fs::rename(app.path(), &dist).unwrap_or_else(|_| {
        // Different file systems: copy instead.
        copy_tree(app.path(), &dist);
    });
    fs::write(
        project.path().join("package.json"),
        r#"{"name": "x", "size-limit": [
            {"path": "dist/assets/*.js", "limit": "1 kB", "gzip": true},
            {"path": "dist/assets/style-*.css", "limit": "50 kB"},
            {"path": "dist/index.html", "limit": "300 ms"},
            {"path": "lib/index.js", "limit": "1 kB"}]}"#,
    )
    .unwrap();
    let output = webaudit()
        .current_dir(project.path())
        .args(["dist", "--format", "json", "--no-cache"])
        .output()
        .unwrap();
    let run = to_run(output);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let checks: Vec<_> = report["budgets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["rule"] == "budget/path")
        .collect();
    assert_eq!(checks.len(), 2, "{checks:?}");
    assert_eq!(checks[0]["measure"], "gzip");
    assert_eq!(checks[0]["files"], 2, "size-limit sums the matching files");
    assert_eq!(checks[0]["passed"], false);
    assert_eq!(
        checks[1]["measure"], "brotli",
        "size-limit's default is brotli"
    );
    assert_eq!(checks[1]["passed"], true);
    let notes = report["notes"].to_string();
    assert!(
        notes.contains("300 ms") && notes.contains("lib/index.js"),
        "{notes}"
    );
}

#[test]
fn rules_lists_every_rule_and_explain_prints_its_doc() {
    let rules = run(&["rules"]);
    assert_eq!(rules.code, 0);
    for id in ["budget/total", "budget/type", "budget/path", "budget/count"] {
        assert!(
            rules.stdout.contains(id),
            "{id} missing from {}",
            rules.stdout
        );
    }
    let explain = run(&["explain", "budget/total"]);
    assert_eq!(explain.code, 0);
    assert!(explain.stdout.contains("## Why is this bad?"));
    assert!(
        explain.stdout.contains("total = \"250kB\""),
        "the doc's example is printed: {}",
        explain.stdout
    );
    let unknown = run(&["explain", "budget/nope"]);
    assert_eq!(unknown.code, 2);
    assert!(
        unknown.stderr.contains("budget/total"),
        "lists the known rules: {}",
        unknown.stderr
    );
}

#[test]
fn report_can_be_written_to_a_file() {
    let app = small_app();
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("report.json");
    let run = run(&[
        app.path().to_str().unwrap(),
        "--no-config",
        "--no-cache",
        "--format",
        "json",
        "-o",
        file.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.is_empty());
    let report: serde_json::Value = serde_json::from_slice(&fs::read(&file).unwrap()).unwrap();
    assert_eq!(report["schema"], webaudit::model::SCHEMA_VERSION);
    assert_eq!(
        fs::read_dir(out.path()).unwrap().count(),
        1,
        "no temporary file left behind"
    );
}

#[test]
fn the_cache_spares_recompression_and_survives_corruption() {
    let app = small_app();
    let cache = tempfile::tempdir().unwrap();
    let dir = cache.path().to_str().unwrap();
    let (_, cold) = json_report(app.path(), &["--no-config", "--brotli"]);
    let run_cached = |label: &str| {
        let output = webaudit()
            .arg(app.path())
            .args([
                "--no-config",
                "--brotli",
                "--format",
                "json",
                "--cache-dir",
                dir,
            ])
            .output()
            .unwrap();
        let run = to_run(output);
        assert_eq!(run.code, 0, "{label}: {}", run.stderr);
        serde_json::from_str::<serde_json::Value>(&run.stdout).unwrap()
    };
    let first = run_cached("first");
    assert!(first["measurement"]["compressions"].as_u64().unwrap() > 0);
    let second = run_cached("second");
    assert_eq!(
        second["measurement"]["compressions"], 0,
        "a warm run compresses nothing"
    );
    assert!(second["measurement"]["cache_hits"].as_u64().unwrap() > 0);
    assert_eq!(
        second["assets"], cold["assets"],
        "cached sizes equal computed ones"
    );

    let file = cache.path().join("cache-v2.bin");
    let mut bytes = fs::read(&file).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x55;
    fs::write(&file, bytes).unwrap();
    let third = run_cached("corrupt cache");
    assert_eq!(third["assets"], cold["assets"]);
    assert!(
        third["notes"].to_string().contains("ignoring the cache"),
        "{}",
        third["notes"]
    );
    let fourth = run_cached("rebuilt cache");
    assert_eq!(
        fourth["measurement"]["compressions"], 0,
        "the cache was rebuilt"
    );
}

/// `webaudit rules | head -1`: a reader that goes away is not an error of webaudit (the
/// pipe is closed before webaudit writes anything, so every write fails with EPIPE).
#[test]
fn a_closed_stdout_pipe_is_not_an_error() {
    for args in [
        &["rules", "--format", "json"][..],
        &["explain", "minify/js"][..],
        &["rules"][..],
    ] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_webaudit"))
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("webaudit starts");
        drop(child.stdout.take());
        let output = child.wait_with_output().expect("webaudit ends");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
    }
}

/// Terminal tables line up by display width: a CJK file name takes two columns per character
/// and a coloured cell's escape sequences take none.
#[test]
fn terminal_tables_align_wide_names_and_coloured_cells() {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path();
    fs::create_dir_all(root.join("assets")).unwrap();
    fs::create_dir_all(root.join("img")).unwrap();
    let script: String = (0..200)
        .map(|i| format!("export function f{i}(a){{return a*{i}}}\n"))
        .collect();
    fs::write(root.join("assets/图表-组件.js"), &script).unwrap();
    fs::write(root.join("assets/app.js"), script.repeat(2)).unwrap();
    fs::write(root.join("assets/🚀.js"), &script[..2000]).unwrap();
    let mut png = Vec::new();
    image::RgbImage::new(8, 8)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    // Not compressible: its gzip cell is a dimmed "(same)".
    fs::write(root.join("img/photo.png"), &png).unwrap();
    fs::write(
        root.join("页面.html"),
        "<!doctype html><script type=module src=\"assets/图表-组件.js\"></script>",
    )
    .unwrap();
    fs::write(
        root.join("index.html"),
        "<!doctype html><script type=module src=\"assets/app.js\"></script>",
    )
    .unwrap();
    let args = [
        root.to_str().unwrap(),
        "--no-cache",
        "--no-config",
        "--top",
        "0",
    ];
    let coloured = run(&[&args[..], &["--color", "always"]].concat());
    let plain = run(&[&args[..], &["--color", "never"]].concat());
    assert_eq!(coloured.code, 0, "{}", coloured.stderr);
    assert!(
        coloured.stdout.contains("\x1b[2m(same)\x1b[0m"),
        "{}",
        coloured.stdout
    );
    assert!(!plain.stdout.contains('\x1b'), "{}", plain.stdout);
    let stripped = anstream::adapter::strip_str(&coloured.stdout).to_string();
    assert_eq!(stripped, plain.stdout, "colour changes nothing but colour");

    let table = |title: &str| -> Vec<String> {
        plain
            .stdout
            .lines()
            .skip_while(|line| *line != title)
            .skip(1)
            .take_while(|line| !line.is_empty() && !line.contains("gzip sizes;"))
            .map(str::to_owned)
            .collect()
    };
    let width = |line: &str| unicode_width::UnicodeWidthStr::width(line);
    // The type column starts at the same display column on every row, and every row ends at
    // the same one (the size columns are right-aligned).
    let assets = table("Assets");
    assert_eq!(assets.len(), 7, "{assets:?}");
    assert!(assets.iter().any(|line| line.contains("图表-组件.js")));
    assert!(assets.iter().any(|line| line.contains("🚀.js")));
    let type_column = |line: &str| {
        let at = ["type", "script", "image", "document"]
            .iter()
            .filter_map(|kind| line.find(&format!("  {kind} ")))
            .min()
            .unwrap_or_else(|| panic!("no type column in {line:?}"));
        width(&line[..at])
    };
    for line in &assets {
        assert_eq!(type_column(line), type_column(&assets[0]), "{assets:#?}");
        assert_eq!(width(line), width(&assets[0]), "{assets:#?}");
    }
    let pages = table("Pages (first visit, gzip)");
    assert_eq!(pages.len(), 3, "{pages:?}");
    assert!(pages.iter().any(|line| line.contains("页面.html")));
    for line in &pages {
        assert_eq!(width(line), width(&pages[0]), "{pages:#?}");
    }
}

/// The scorecard's first visit is the page whose HTML and initial scripts and stylesheets weigh
/// most, its time those bytes at 1.6 Mbit/s plus two 150 ms round trips (the page, then its
/// resources in parallel), computed here from the report's own pages and assets.
#[test]
fn the_scorecard_estimates_the_heaviest_first_visit_from_the_pages() {
    let (_, report) = json_report(&fixture("vite-app-next/dist"), &["--no-config"]);
    let transfer = |path: &str| {
        let asset = report["assets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["path"] == path)
            .unwrap();
        asset["gzip"]
            .as_u64()
            .unwrap_or_else(|| asset["raw"].as_u64().unwrap())
    };
    let visits: Vec<(String, u64, u64)> = report["pages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|page| {
            let name = page["page"].as_str().unwrap().to_string();
            let bytes = transfer(&name)
                + page["initial_scripts"]["gzip"].as_u64().unwrap()
                + page["initial_stylesheets"]["gzip"].as_u64().unwrap();
            let requests = 1
                + page["initial_scripts"]["files"].as_array().unwrap().len() as u64
                + page["initial_stylesheets"]["files"]
                    .as_array()
                    .unwrap()
                    .len() as u64;
            (name, bytes, requests)
        })
        .collect();
    let (page, bytes, requests) = visits.iter().max_by_key(|(_, bytes, _)| *bytes).unwrap();
    let card = &report["scorecard"];
    assert_eq!(card["heaviest_page"], page.as_str());
    let row = |metric: &str| {
        card["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["metric"] == metric)
            .unwrap_or_else(|| panic!("no {metric} row: {card}"))["current"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(row("requests (page, initial JS and CSS)"), *requests);
    let expected_ms = (bytes * 8 * 1000).div_ceil(1_638_400) + 2 * 150;
    assert_eq!(row("first-visit transfer time"), expected_ms);
    assert!(row("all files, transfer") >= *bytes);
}

/// The rules run on several threads; their findings, in order, are what one thread gives, on
/// fixtures where many rules report (several per file, same lines).
#[test]
fn the_findings_are_the_same_on_one_thread_and_on_several() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    for fixture in ["images-bad", "html-hints", "vite-detect", "layout"] {
        let mut options = webaudit::audit::AuditOptions::new(fixtures.join(fixture));
        options.overrides.no_discovery = true;
        let mut prepared = webaudit::audit::prepare(&options).unwrap();
        let findings = |prepared: &webaudit::audit::Prepared| {
            serde_json::to_string(&prepared.findings(&[], |_| true)).unwrap()
        };
        prepared.threads = 1;
        let one = findings(&prepared);
        assert!(one.matches("\"rule\"").count() > 30, "{fixture}: {one}");
        prepared.threads = 4;
        for _ in 0..5 {
            assert_eq!(findings(&prepared), one, "{fixture}");
        }
    }
}
