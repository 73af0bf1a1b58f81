//! Reads a Lighthouse performance budget (`budget.json`, passed with `--budget-file`).
//!
//! `resourceSizes` (KiB of transfer size) become type budgets measured in gzip, and
//! `resourceCounts` become request-count budgets. Lighthouse applies a budget to the pages its
//! `path` matches; statically, webaudit applies the budgets written for every page (no `path`,
//! `/` or `/*`) to the whole folder and says so for the others. `timings` need a browser and are
//! not checked.

use std::path::Path;

use serde::Deserialize;

use super::model::{Compression, Config, CountBudget, SizeBudget, TypeSet};
use crate::error::Error;
use crate::kind::AssetKind;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Budget {
    path: Option<String>,
    #[serde(default)]
    resource_sizes: Vec<Resource>,
    #[serde(default)]
    resource_counts: Vec<Resource>,
    #[serde(default)]
    timings: Vec<serde_json::Value>,
    #[serde(default)]
    #[allow(dead_code)]
    options: serde_json::Value,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Resource {
    resource_type: ResourceType,
    budget: f64,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "kebab-case")]
enum ResourceType {
    Document,
    Script,
    Stylesheet,
    Image,
    Media,
    Font,
    Other,
    Total,
    ThirdParty,
}

impl ResourceType {
    fn types(self) -> Option<TypeSet> {
        Some(match self {
            ResourceType::Document => TypeSet::of(AssetKind::Document),
            ResourceType::Script => TypeSet::of(AssetKind::Script),
            ResourceType::Stylesheet => TypeSet::of(AssetKind::Stylesheet),
            ResourceType::Image => TypeSet::of(AssetKind::Image),
            ResourceType::Media => TypeSet::of(AssetKind::Media),
            ResourceType::Font => TypeSet::of(AssetKind::Font),
            // Lighthouse's "other" is everything not in the named types.
            ResourceType::Other => TypeSet {
                label: "other".into(),
                kinds: vec![AssetKind::Wasm, AssetKind::Data, AssetKind::Other],
            },
            ResourceType::Total => TypeSet::total(),
            ResourceType::ThirdParty => return None,
        })
    }
}

pub fn apply(path: &Path, text: &str, config: &mut Config) -> Result<(), Error> {
    let budgets: Vec<Budget> = serde_json::from_str(text).map_err(|e| Error::Config {
        path: path.to_path_buf(),
        line: e.line(),
        column: e.column(),
        message: format!("not a Lighthouse budget file (an array of budgets): {e}"),
    })?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    for (index, budget) in budgets.iter().enumerate() {
        let origin = format!("{name} budget #{}", index + 1);
        if let Some(page) = budget
            .path
            .as_deref()
            .filter(|p| !matches!(*p, "/" | "/*" | ""))
        {
            config.notes.push(format!(
                "{origin}: applies to pages matching {page:?} only; webaudit applies page-wide budgets (no path, \"/\" or \"/*\") to the whole folder and skipped this one"
            ));
            continue;
        }
        if !budget.timings.is_empty() {
            config.notes.push(format!(
                "{origin}: `timings` need a browser and are not checked"
            ));
        }
        for resource in &budget.resource_sizes {
            let Some(types) = resource.resource_type.types() else {
                config.notes.push(format!(
                    "{origin}: third-party budgets need the page's origin and are not checked"
                ));
                continue;
            };
            config.type_budgets.push(SizeBudget {
                types,
                limit: (resource.budget * 1024.0).round() as u64,
                compression: Compression::Gzip,
                origin: origin.clone(),
            });
        }
        for resource in &budget.resource_counts {
            let Some(types) = resource.resource_type.types() else {
                config.notes.push(format!(
                    "{origin}: third-party budgets need the page's origin and are not checked"
                ));
                continue;
            };
            config.count_budgets.push(CountBudget {
                types,
                limit: resource.budget.round() as u64,
                origin: origin.clone(),
            });
        }
    }
    Ok(())
}
