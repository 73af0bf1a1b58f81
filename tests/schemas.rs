//! The JSON Schemas of the JSON report (`docs/schema/report.schema.json`) and of `webaudit.toml`
//! (`docs/schema/webaudit.schema.json`): generated from the types, committed, and real reports
//! and configuration files validate against them.
//!
//! After changing the report's types: `WEBAUDIT_UPDATE_SCHEMA=1 cargo test --test schemas`.

mod common;

use common::*;
use serde_json::Value;
use webaudit::config::webaudit_toml::{CONFIG_SCHEMA_FILE, config_schema};
use webaudit::report::schema::{REPORT_SCHEMA_FILE, report_schema};

fn repo() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn the_committed_schemas_are_the_ones_the_types_generate() {
    for (file, schema) in [
        (REPORT_SCHEMA_FILE, report_schema()),
        (CONFIG_SCHEMA_FILE, config_schema()),
    ] {
        let generated = serde_json::to_string_pretty(&schema).unwrap() + "\n";
        let path = repo().join(file);
        if std::env::var_os("WEBAUDIT_UPDATE_SCHEMA").is_some() {
            std::fs::write(&path, &generated).unwrap();
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == generated,
            "{file} is stale: run WEBAUDIT_UPDATE_SCHEMA=1 cargo test --test schemas"
        );
    }
}

fn config_validator() -> jsonschema::Validator {
    jsonschema::validator_for(&config_schema()).expect("the configuration schema compiles")
}

fn toml_as_json(text: &str) -> Value {
    toml::from_str::<Value>(text).expect("TOML")
}

/// Every configuration the repository ships or writes validates; what the parser refuses, the
/// schema refuses.
#[test]
fn configuration_files_validate_against_the_config_schema() {
    let validator = config_validator();
    let mut files = vec![repo().join("benches/corpus/apps/litellm.toml")];
    for entry in std::fs::read_dir(repo().join("fixtures")).unwrap() {
        let candidate = entry.unwrap().path().join("webaudit.toml");
        if candidate.exists() {
            files.push(candidate);
        }
    }
    for file in &files {
        let config = toml_as_json(&std::fs::read_to_string(file).unwrap());
        let problems = errors(&validator, &config);
        assert!(problems.is_empty(), "{}: {problems:#?}", file.display());
    }
    // The commented file `webaudit init` writes into a project with a built dist/.
    let project = tempfile::tempdir().unwrap();
    std::fs::write(project.path().join("package.json"), "{}").unwrap();
    let site = project.path().join("dist");
    std::fs::create_dir(&site).unwrap();
    std::fs::write(
        site.join("index.html"),
        "<!doctype html><script src=app.js></script>",
    )
    .unwrap();
    std::fs::write(site.join("app.js"), "console.log(1)\n".repeat(50)).unwrap();
    let init = to_run(
        webaudit()
            .current_dir(project.path())
            .args(["init", "--no-cache"])
            .output()
            .expect("webaudit runs"),
    );
    assert_eq!(init.code, 0, "{}", init.stderr);
    let written = std::fs::read_to_string(project.path().join("webaudit.toml")).unwrap();
    assert!(written.contains("[budget]"), "{written}");
    // Its first line names the config schema by its published address, the schema's `$id`.
    let config_schema: Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("docs/schema/webaudit.schema.json")).unwrap(),
    )
    .unwrap();
    let id = config_schema["$id"]
        .as_str()
        .expect("the config schema has an $id");
    assert_eq!(
        id,
        format!(
            "https://unpkg.com/webaudit@{}/schema/webaudit.schema.json",
            env!("CARGO_PKG_VERSION")
        )
    );
    assert_eq!(
        written.lines().next(),
        Some(format!("#:schema {id}").as_str())
    );
    let problems = errors(&validator, &toml_as_json(&written));
    assert!(problems.is_empty(), "webaudit init's file: {problems:#?}");

    let example = r#"
ignore = ["*.map"]
[budget]
total = "200kB"
compression = "gzip"
max_increase = "5%"
[budget.types]
script = "170kB"
[budget.counts]
script = 10
[[budget.path]]
path = ["assets/index-*.js", "!assets/legacy-*"]
max_size = 100000
aggregate = "sum"
[[budget.initial]]
page = "index.html"
script = "120kB"
[images]
above_the_fold = 3
[compression]
served = "dynamic"
[rules]
"budget/count" = "off"
"#;
    let problems = errors(&validator, &toml_as_json(example));
    assert!(problems.is_empty(), "{problems:#?}");
    for refused in [
        "surprise = 1\n",
        "[budget]\ntotal = [1]\n",
        "[rules]\n\"budget/count\" = \"loud\"\n",
        "[compression]\nserved = \"sometimes\"\n",
        "[[budget.path]]\npath = \"a.js\"\n",
    ] {
        assert!(
            !validator.is_valid(&toml_as_json(refused)),
            "accepted: {refused}"
        );
    }
    assert!(!files.is_empty());
}

fn validator() -> jsonschema::Validator {
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(repo().join(REPORT_SCHEMA_FILE)).unwrap())
            .unwrap();
    jsonschema::validator_for(&schema).expect("the report schema compiles")
}

fn errors(validator: &jsonschema::Validator, report: &Value) -> Vec<String> {
    validator
        .iter_errors(report)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect()
}

#[test]
fn real_reports_validate_and_the_schema_rejects_what_they_do_not_say() {
    let validator = validator();
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(repo().join(REPORT_SCHEMA_FILE)).unwrap())
            .unwrap();
    let schema_id = schema["$id"].clone();
    assert_eq!(
        schema_id,
        format!(
            "https://unpkg.com/webaudit@{}/schema/report.schema.json",
            env!("CARGO_PKG_VERSION")
        )
    );
    let mut reports = 0;
    for fixture_name in [
        "vite-app/dist",
        "vite-app-next/dist",
        "treeshake-bad/dist",
        "images-bad",
        "webpack5-startup/dist",
        "sveltekit-app/build",
    ] {
        let path = fixture(fixture_name);
        if !path.exists() {
            panic!("fixture {fixture_name} is missing");
        }
        let (_, report) = json_report(&path, &["--no-config"]);
        // The report names its schema by the address the schema gives itself.
        assert_eq!(report["$schema"], schema_id, "{fixture_name}");
        let problems = errors(&validator, &report);
        assert!(problems.is_empty(), "{fixture_name}: {problems:#?}");
        reports += 1;

        // Closed objects: a field the schema does not name is refused, as is a wrong type.
        let mut extra = report.clone();
        extra["assets"][0]["surprise"] = Value::Bool(true);
        assert!(
            !validator.is_valid(&extra),
            "{fixture_name}: extra field accepted"
        );
        let mut wrong = report.clone();
        wrong["summary"]["errors"] = Value::String("none".into());
        assert!(
            !validator.is_valid(&wrong),
            "{fixture_name}: wrong type accepted"
        );
    }
    assert_eq!(reports, 6);
}

/// A report with a baseline comparison (and its per-package changes) validates too.
#[test]
fn a_report_with_a_baseline_validates() {
    let folder = tempfile::tempdir().unwrap();
    let (_, base) = json_report(&fixture("vite-app/dist"), &["--no-config"]);
    let base_file = folder.path().join("base.json");
    std::fs::write(&base_file, serde_json::to_vec(&base).unwrap()).unwrap();
    let (_, report) = json_report(
        &fixture("vite-app-next/dist"),
        &["--no-config", "--baseline", base_file.to_str().unwrap()],
    );
    assert!(
        !report["baseline"]["packages"]
            .as_array()
            .unwrap()
            .is_empty(),
        "the comparison has package changes"
    );
    let problems = errors(&validator(), &report);
    assert!(problems.is_empty(), "{problems:#?}");
}
