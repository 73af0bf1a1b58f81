//! The JSON report's schema (`docs/schema/report.schema.json`): generated from the report's
//! types, committed, and every real report validates against it.
//!
//! After changing the report's types: `WEBAUDIT_UPDATE_SCHEMA=1 cargo test --test schemas`.

mod common;

use common::*;
use serde_json::Value;
use webaudit::report::schema::{REPORT_SCHEMA_FILE, report_schema};

fn repo() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn the_committed_schema_is_the_one_the_types_generate() {
    let generated = serde_json::to_string_pretty(&report_schema()).unwrap() + "\n";
    let path = repo().join(REPORT_SCHEMA_FILE);
    if std::env::var_os("WEBAUDIT_UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{REPORT_SCHEMA_FILE} is stale: run WEBAUDIT_UPDATE_SCHEMA=1 cargo test --test schemas"
    );
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
    let mut reports = 0;
    for fixture_name in [
        "vite-app/dist",
        "vite-app-next/dist",
        "treeshake-bad/dist",
        "images-bad",
        "webpack5-startup/dist",
    ] {
        let path = fixture(fixture_name);
        if !path.exists() {
            panic!("fixture {fixture_name} is missing");
        }
        let (_, report) = json_report(&path, &["--no-config"]);
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
    assert_eq!(reports, 5);
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
