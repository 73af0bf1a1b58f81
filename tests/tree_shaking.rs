//! Tree shaking on real builds: the bad twin gets every finding with bytes and a replacement,
//! the good twin gets none; bytes agree with an independent brute-force count of the maps.

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;

use common::*;
use serde_json::Value;

const TREE_SHAKING: [&str; 3] = [
    "tree-shaking/whole-library-import",
    "tree-shaking/whole-library-bundled",
    "bundle/duplicate-package",
];

fn tree_shaking_findings(report: &Value) -> Vec<&Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| TREE_SHAKING.contains(&f["rule"].as_str().unwrap()))
        .collect()
}

/// Bytes per package folder according to the Python brute-force oracle.
fn oracle_packages(dist: &Path, js: &str) -> serde_json::Map<String, Value> {
    let output = Command::new("python3")
        .arg(repo().join("tests/oracle/sourcemap_attribution.py"))
        .arg(dist.join(js))
        .arg(dist.join(format!("{js}.map")))
        .arg("--root")
        .arg(dist)
        .output()
        .expect("python3 runs the attribution oracle");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let value: Value = serde_json::from_slice(&output.stdout).unwrap();
    value["packages"].as_object().unwrap().clone()
}

#[test]
fn the_bad_build_ships_lodash_moment_and_the_icon_barrel_whole() {
    let dist = fixture("treeshake-bad/dist");
    let (_, report) = json_report(&dist, &["--no-config"]);
    let found = findings(&report, "tree-shaking/whole-library-bundled");
    let chunk = "assets/index-D6t1oOL9.js";
    let oracle = oracle_packages(&dist, chunk);
    for (package, replacement_hint) in [
        ("lucide-react", "Import icons by name"),
        ("moment", "dayjs"),
        ("lodash", "lodash/debounce"),
    ] {
        let finding = found
            .iter()
            .find(|f| {
                f["message"]
                    .as_str()
                    .unwrap()
                    .starts_with(&format!("{package} is bundled whole"))
            })
            .unwrap_or_else(|| panic!("no whole-library finding for {package}: {found:#?}"));
        assert_eq!(finding["path"], chunk);
        let message = finding["message"].as_str().unwrap();
        assert!(message.contains(replacement_hint), "{package}: {message}");
        let bytes = finding["actual"].as_u64().unwrap();
        let reference = oracle
            .iter()
            .find(|(copy, _)| copy.ends_with(&format!("node_modules/{package}")))
            .map(|(_, b)| b.as_u64().unwrap())
            .unwrap_or_else(|| panic!("oracle has no {package}: {oracle:?}"));
        let difference = (bytes as f64 - reference as f64).abs() / reference as f64;
        assert!(
            difference <= 0.01,
            "{package}: {bytes} vs oracle {reference}"
        );
        assert!(
            finding["saving"].as_u64().unwrap() > 0,
            "gzip estimate present"
        );
    }
    assert!(found.iter().any(|f| {
        f["message"]
            .as_str()
            .unwrap()
            .contains("2091 of its 2092 modules")
    }));
    // The chunk's composition is in the report.
    let composition = &asset(&report, chunk)["composition"];
    assert_eq!(composition["map"], "assets/index-D6t1oOL9.js.map");
    assert_eq!(composition["packages"][0]["name"], "lucide-react");
}

#[test]
fn the_bad_sources_point_at_each_import() {
    let (_, report) = json_report(&fixture("treeshake-bad/src"), &["--no-config"]);
    let found: Vec<(String, u64, u64, String)> =
        findings(&report, "tree-shaking/whole-library-import")
            .iter()
            .map(|f| {
                (
                    f["path"].as_str().unwrap().to_string(),
                    f["line"].as_u64().unwrap(),
                    f["column"].as_u64().unwrap(),
                    f["message"].as_str().unwrap().to_string(),
                )
            })
            .collect();
    let located: Vec<(&str, u64, u64)> = found
        .iter()
        .map(|(p, l, c, _)| (p.as_str(), *l, *c))
        .collect();
    assert_eq!(
        located,
        [
            ("App.jsx", 5, 8),
            ("App.jsx", 7, 8),
            ("App.jsx", 10, 8),
            ("lazy.js", 2, 8)
        ]
    );
    assert!(found[0].3.contains("ships all of lodash") && found[0].3.contains("lodash-es"));
    assert!(found[1].3.contains("moment") && found[1].3.contains("dayjs"));
    assert!(found[2].3.contains("namespace import") && found[2].3.contains("lucide-react"));
}

#[test]
fn the_good_twin_has_no_tree_shaking_findings() {
    for folder in ["treeshake-good/dist", "treeshake-good/src", "vite-app/dist"] {
        let (_, report) = json_report(&fixture(folder), &["--no-config"]);
        assert!(
            tree_shaking_findings(&report).is_empty(),
            "{folder}: {:#?}",
            tree_shaking_findings(&report)
        );
    }
}

#[test]
fn without_a_source_map_libraries_are_recognised_by_signature() {
    let folder = tempfile::tempdir().unwrap();
    let js = fs::read(fixture("treeshake-bad/dist/assets/index-D6t1oOL9.js")).unwrap();
    let text = String::from_utf8(js).unwrap();
    let without_comment: String = text
        .lines()
        .filter(|l| !l.starts_with("//# sourceMappingURL"))
        .collect::<Vec<_>>()
        .join("\n");
    fs::write(folder.path().join("bundle.js"), without_comment).unwrap();
    let (_, report) = json_report(folder.path(), &["--no-config"]);
    let found = findings(&report, "tree-shaking/whole-library-bundled");
    let messages: Vec<&str> = found
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    for package in ["lodash", "moment"] {
        assert!(
            messages
                .iter()
                .any(|m| m.starts_with("lower confidence (no source map)")
                    && m.contains(&format!(": {package} appears"))),
            "{package}: {messages:#?}"
        );
    }
    assert!(
        !messages.iter().any(|m| m.contains("lucide-react")),
        "barrels are not judged by signature"
    );
}

#[test]
fn pages_list_initial_and_lazy_chunks_and_budget_initial_checks_them() {
    let dist = fixture("vite-app/dist");
    let (_, report) = json_report(&dist, &["--no-config"]);
    let pages = report["pages"].as_array().unwrap();
    let index = pages.iter().find(|p| p["page"] == "index.html").unwrap();
    let initial: Vec<&str> = index["initial_scripts"]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert_eq!(
        initial,
        ["assets/main-D7fafypN.js", "assets/style-Ddld_3hZ.js"]
    );
    assert_eq!(
        index["lazy_scripts"]["files"],
        serde_json::json!(["assets/chart-PeU972xK.js"])
    );
    let expected: u64 = initial
        .iter()
        .map(|p| asset(&report, p)["gzip"].as_u64().unwrap())
        .sum();
    assert_eq!(index["initial_scripts"]["gzip"].as_u64(), Some(expected));
    let seconds = index["initial_seconds_slow_3g"].as_f64().unwrap();
    let bytes = expected + index["initial_stylesheets"]["gzip"].as_u64().unwrap();
    assert!((seconds - bytes as f64 / 51_200.0).abs() < 1e-9);

    let config = tempfile::tempdir().unwrap();
    let file = config.path().join("webaudit.toml");
    fs::write(
        &file,
        "[[budget.initial]]\npage = \"index.html\"\nscript = \"5kB\"\ntotal = \"1MB\"\n",
    )
    .unwrap();
    let (code, report) = json_report(&dist, &["--config", file.to_str().unwrap()]);
    assert_eq!(code, 1);
    let found = findings(&report, "budget/initial");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0]["path"], "index.html");
    assert_eq!(found[0]["actual"].as_u64(), Some(expected));
    assert!(found[0]["message"].as_str().unwrap().contains("initial JS"));
}

/// Cached facts must read back as they were written, or the cache silently misses: every
/// fixture file's facts survive a JSON round trip unchanged.
#[test]
fn facts_of_every_fixture_file_round_trip_through_the_cache_format() {
    let mut checked = 0;
    for folder in [
        "vite-app/dist",
        "treeshake-bad/dist",
        "treeshake-good/dist",
        "treeshake-bad/src",
        "images-bad",
        "images-good",
    ] {
        let root = fixture(folder);
        let scan = webaudit::scan::scan(&root, &[]).unwrap();
        let cache = webaudit::measure::cache::Cache::disabled();
        let context = webaudit::analyze::AnalyzeContext::new(
            &scan.files,
            None,
            [0; 32],
            webaudit::analyze::image::ImageOptions::default(),
        );
        for file in &scan.files {
            let bytes = fs::read(&file.path).unwrap();
            let format =
                webaudit::kind::classify(file.extension.as_deref(), &bytes[..bytes.len().min(512)])
                    .format;
            let analysis = webaudit::analyze::analyze(
                &context,
                &cache,
                file,
                format,
                &bytes,
                blake3::hash(&bytes).as_bytes(),
                webaudit::measure::OriginalSize::NotScanned,
            );
            let Some((_, json)) = analysis.computed else {
                continue;
            };
            let back: webaudit::analyze::Facts = serde_json::from_slice(&json)
                .unwrap_or_else(|e| panic!("{}: {e}", file.relative_path));
            assert_eq!(
                serde_json::to_vec(&back).unwrap(),
                json,
                "{}",
                file.relative_path
            );
            checked += 1;
        }
    }
    assert!(checked >= 20, "{checked}");
}

#[test]
fn a_knowledge_entry_with_an_unknown_import_form_exits_2_naming_the_line() {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path();
    fs::write(root.join("main.js"), "import _ from 'lodash';\n").unwrap();
    fs::write(root.join("webaudit.toml"), "[[knowledge.package]]\nname = \"x\"\nkind = \"barrel\"\nharmful_imports = [\"everything\"]\nreplacement = \"\"\ntypical_gzip_bytes = 1\n").unwrap();
    let run = run(&[root.to_str().unwrap(), "--no-cache"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("webaudit.toml:1:") && run.stderr.contains("everything"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_site_served_under_a_base_path_resolves_with_pages_base() {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path();
    fs::create_dir_all(root.join("assets")).unwrap();
    fs::write(
        root.join("index.html"),
        "<!doctype html><title>x</title><script type=\"module\" src=\"/app/assets/main.js\"></script><link rel=\"stylesheet\" href=\"/app/assets/main.css\">",
    )
    .unwrap();
    fs::write(
        root.join("assets/main.js"),
        "import \"./dep.js\";\nconst lazy = () => import(\"/app/assets/lazy.js\");\n",
    )
    .unwrap();
    fs::write(root.join("assets/dep.js"), "export const dep = 1;\n").unwrap();
    fs::write(root.join("assets/lazy.js"), "export const lazy = 1;\n").unwrap();
    fs::write(root.join("assets/main.css"), "body{margin:0}\n").unwrap();

    // Without the base path, the page's two references under /app/ (no folder of the build)
    // that name files once it is removed say where the server mounts the folder.
    let (_, report) = json_report(root, &["--no-config"]);
    let page = &report["pages"][0];
    assert_eq!(page["mount"], "app/");
    assert_eq!(
        page["initial_scripts"]["files"],
        serde_json::json!(["assets/dep.js", "assets/main.js"])
    );
    assert!(page["missing"].as_array().unwrap().is_empty());
    assert!(
        report["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n.as_str().unwrap().contains("index.html (app/)")),
        "{}",
        report["notes"]
    );

    // One reference alone is not enough: nothing resolves, and the pages' missing entries are
    // listed with --verbose (one line says how many without).
    let single = tempfile::tempdir().unwrap();
    fs::create_dir_all(single.path().join("assets")).unwrap();
    fs::write(
        single.path().join("index.html"),
        "<!doctype html><title>x</title><script type=\"module\" src=\"/app/assets/main.js\"></script>",
    )
    .unwrap();
    fs::write(
        single.path().join("assets/main.js"),
        "export const main = 1;\n",
    )
    .unwrap();
    let (_, report) = json_report(single.path(), &["--no-config"]);
    let page = &report["pages"][0];
    assert_eq!(
        page["initial_scripts"]["gzip"], 0,
        "without the base path nothing resolves"
    );
    assert_eq!(page["missing"].as_array().unwrap().len(), 1);
    let terminal = run(&[
        single.path().to_str().unwrap(),
        "--no-cache",
        "--no-config",
        "--verbose",
    ]);
    assert!(
        terminal
            .stdout
            .contains("index.html: not in the folder, so not counted: /app/assets/main.js (1:32)"),
        "{}",
        terminal.stdout
    );

    let config = tempfile::tempdir().unwrap();
    let file = config.path().join("webaudit.toml");
    fs::write(&file, "[pages]\nbase = \"/app\"\n").unwrap();
    let (_, report) = json_report(root, &["--config", file.to_str().unwrap()]);
    let page = &report["pages"][0];
    assert_eq!(
        page["initial_scripts"]["files"],
        serde_json::json!(["assets/dep.js", "assets/main.js"])
    );
    assert_eq!(
        page["initial_stylesheets"]["files"],
        serde_json::json!(["assets/main.css"])
    );
    assert_eq!(
        page["lazy_scripts"]["files"],
        serde_json::json!(["assets/lazy.js"])
    );
    assert!(page["missing"].as_array().unwrap().is_empty());
}
