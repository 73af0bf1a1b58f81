//! The JSON Schema of the JSON report, generated from the very types that serialise it (so the
//! two cannot drift), committed as `docs/schema/report.schema.json` and checked against real
//! reports by `tests/schemas.rs`.

use schemars::generate::SchemaSettings;
use serde_json::Value;

use super::Report;

/// Where the committed schema lives in the repository.
pub const REPORT_SCHEMA_FILE: &str = "docs/schema/report.schema.json";

/// The report schema's published address: its `$id`, and the `$schema` of every report.
pub fn report_schema_url() -> String {
    crate::model::published_schema_url("report.schema.json")
}

/// The report's schema (JSON Schema draft 2020-12), as serialised: fields written only when set
/// are optional. Every object is closed (`additionalProperties: false`), so a field the schema
/// does not name fails validation.
pub fn report_schema() -> Value {
    let generator = SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator();
    let schema = generator.into_root_schema_for::<Report>();
    let mut value = schema.to_value();
    if let Value::Object(root) = &mut value {
        root.insert("$id".into(), Value::String(report_schema_url()));
        root.insert(
            "title".into(),
            Value::String(format!(
                "webaudit JSON report, schema {}",
                crate::model::SCHEMA_VERSION
            )),
        );
    }
    close_objects(&mut value);
    value
}

/// Closes every object schema that lists its properties and says nothing about others. One
/// whose properties continue in `oneOf`/`anyOf`/`allOf` branches (a flattened, tagged enum) is
/// closed with `unevaluatedProperties: false`, which sees the branch that matched; its branches
/// stay open, or each would refuse the other's properties.
fn close_objects(value: &mut Value) {
    close(value, false);
}

fn close(value: &mut Value, inside_combinator: bool) {
    match value {
        Value::Object(map) => {
            let combined = ["oneOf", "anyOf", "allOf"]
                .iter()
                .any(|k| map.contains_key(*k));
            let has_properties = map.contains_key("properties");
            if has_properties
                && !inside_combinator
                && !map.contains_key("additionalProperties")
                && !map.contains_key("unevaluatedProperties")
            {
                let key = if combined {
                    "unevaluatedProperties"
                } else {
                    "additionalProperties"
                };
                map.insert(key.into(), Value::Bool(false));
            }
            for (key, child) in map.iter_mut() {
                let branches = combined && matches!(key.as_str(), "oneOf" | "anyOf" | "allOf");
                close(child, branches && has_properties);
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|item| close(item, inside_combinator)),
        _ => {}
    }
}
