//! The browsers the project supports: what `js/legacy-javascript` compares polyfills and
//! transforms with.
//!
//! Where they come from, first found wins: `[targets] browsers` in webaudit.toml; else the
//! project's own browserslist configuration, looked for in the configuration folders nearest
//! first (a `.browserslistrc` or `browserslist` file, else the `browserslist` key of a
//! `package.json`); else the default, Lighthouse 12's Baseline target (Chrome, Edge, Firefox,
//! Safari and their mobile versions released in the 2.5 years before its data was made:
//! Chrome/Edge 106, Firefox 105, Safari 16.1 and later).
//!
//! A query is resolved by oxc-browserslist, the Rust port of browserslist that Oxc uses, with
//! its own copy of caniuse's data (compressed, built in): `defaults`, `> 0.5%`,
//! `last 2 versions`, `not dead`, `baseline widely available` and the other browserslist
//! queries mean what they mean to Babel, as of that data's date. A configuration with sections (`[production]`) is read
//! for its `production` section, as browserslist does when building for production.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::knowledge::legacy::{KNOWN_BROWSERS, LegacyData, Native, Version};

/// The oldest version of each targeted browser, by browserslist name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrowserTargets {
    pub minimum: BTreeMap<String, Version>,
    /// Where they come from: `default`, or the file (and key) and the query.
    pub origin: TargetOrigin,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetOrigin {
    /// Lighthouse 12's Baseline target.
    Default,
    /// A browserslist query, and the file that holds it.
    Query { query: String, file: PathBuf },
}

impl Default for BrowserTargets {
    fn default() -> BrowserTargets {
        BrowserTargets {
            minimum: LegacyData::built_in().default_targets.clone(),
            origin: TargetOrigin::Default,
        }
    }
}

/// Longest browserslist query read: real ones are a line or two.
pub const MAX_QUERY_BYTES: usize = 4096;

impl BrowserTargets {
    /// Resolves a browserslist query (`> 0.5%, not dead`); `file` is where it was written.
    pub fn from_query(query: &str, file: &Path) -> Result<BrowserTargets, String> {
        if query.len() > MAX_QUERY_BYTES {
            return Err(format!(
                "the browserslist query is {} bytes, over the {MAX_QUERY_BYTES}-byte limit",
                query.len()
            ));
        }
        let query = query.trim();
        if query.is_empty() {
            return Err("the browserslist query is empty".to_string());
        }
        let distribs = browserslist::resolve(&[query], &browserslist::Opts::default())
            .map_err(|e| format!("browserslist query {query:?}: {e}"))?;
        let mut minimum: BTreeMap<String, Version> = BTreeMap::new();
        for distrib in &distribs {
            // `TP` (Safari Technology Preview) and the like are newer than every release.
            let Some(version) = Version::parse(distrib.version()) else {
                continue;
            };
            minimum
                .entry(distrib.name().to_string())
                .and_modify(|oldest| *oldest = (*oldest).min(version))
                .or_insert(version);
        }
        if minimum.is_empty() {
            return Err(format!("browserslist query {query:?} selects no browser"));
        }
        Ok(BrowserTargets {
            minimum,
            origin: TargetOrigin::Query {
                query: query.to_string(),
                file: file.to_path_buf(),
            },
        })
    }

    /// Whether some targeted browser lacks what `native` says (the first version of each
    /// browser that has it). Browsers the compat data does not cover are left out.
    pub fn need(&self, native: &Native) -> bool {
        self.minimum.iter().any(|(browser, oldest)| {
            KNOWN_BROWSERS.contains(&browser.as_str())
                && native.get(browser).is_none_or(|first| first > oldest)
        })
    }

    /// How a finding names the targets: `the default targets (…)` or `.browserslistrc's
    /// browsers (> 0.5%, not dead)`.
    pub fn describe(&self) -> String {
        match &self.origin {
            TargetOrigin::Default => {
                "the default targets (Baseline: Chrome/Edge 106+, Firefox 105+, Safari 16.1+)"
                    .to_string()
            }
            TargetOrigin::Query { query, file } => {
                let name = file
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                format!("the target browsers ({query:?} from {name})")
            }
        }
    }
}

/// The project's browserslist query in `folder`, if it has one: `(query, file)`. An unreadable
/// file or a `package.json` that is not JSON is an error naming the file.
pub fn find_in(folder: &Path) -> Result<Option<(String, PathBuf)>, String> {
    for name in [".browserslistrc", "browserslist"] {
        let path = folder.join(name);
        if path.is_file() {
            let text = super::read(&path).map_err(|e| e.to_string())?;
            return Ok(Some((from_browserslistrc(&text), path)));
        }
    }
    let package = folder.join("package.json");
    if !package.is_file() {
        return Ok(None);
    }
    let text = super::read(&package).map_err(|e| e.to_string())?;
    let json: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| format!("{}: invalid JSON: {e}", package.display()))?;
    let Some(value) = json.get("browserslist") else {
        return Ok(None);
    };
    let query = from_package_value(value).ok_or_else(|| {
        format!(
            "{}: `browserslist` must be a query, a list of queries, or an object of them by environment",
            package.display()
        )
    })?;
    Ok(Some((query, package)))
}

/// The query of a `.browserslistrc`: its `[production]` section when it has sections, else the
/// lines outside any section; `#` starts a comment.
fn from_browserslistrc(text: &str) -> String {
    let mut outside = Vec::new();
    let mut sections: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut current: Option<Vec<String>> = None;
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        if let Some(names) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            current = Some(names.split_whitespace().map(String::from).collect());
            continue;
        }
        match &current {
            Some(names) => {
                for name in names {
                    sections
                        .entry(name.clone())
                        .or_default()
                        .push(line.to_string());
                }
            }
            None => outside.push(line.to_string()),
        }
    }
    let lines = sections.remove("production").unwrap_or(outside);
    lines.join(", ")
}

/// The query of a `package.json`'s `browserslist`: a string, a list, or environments.
fn from_package_value(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(query) => Some(query.clone()),
        serde_json::Value::Array(list) => {
            let queries: Option<Vec<&str>> = list.iter().map(|q| q.as_str()).collect();
            Some(queries?.join(", "))
        }
        serde_json::Value::Object(environments) => environments
            .get("production")
            .or_else(|| environments.get("defaults"))
            .and_then(from_package_value),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn versions(pairs: &[(&str, &str)]) -> Native {
        pairs
            .iter()
            .map(|(b, v)| (b.to_string(), Version::parse(v).unwrap()))
            .collect()
    }

    #[test]
    fn a_browser_older_than_the_native_version_needs_the_polyfill() {
        let targets = BrowserTargets::from_query("chrome 60, firefox 70", Path::new("x")).unwrap();
        let flat = versions(&[("chrome", "69"), ("firefox", "62")]);
        assert!(targets.need(&flat));
        let entries = versions(&[("chrome", "54"), ("firefox", "47")]);
        assert!(!targets.need(&entries));
        // A browser missing from the data supports it in no version.
        assert!(targets.need(&versions(&[("chrome", "54")])));
    }

    #[test]
    fn the_default_needs_nearly_nothing_of_the_polyfill_list() {
        let targets = BrowserTargets::default();
        let data = LegacyData::built_in();
        let needed: Vec<&str> = data
            .polyfills
            .iter()
            .filter(|p| targets.need(&p.native))
            .map(|p| p.name.as_str())
            .collect();
        // core-js 3.51 replaces Safari's `Array.prototype.includes` up to Safari 27 (a bug it
        // works around), so a build for current browsers keeps it: not legacy.
        assert_eq!(needed, ["Array.prototype.includes"]);
        for transform in &data.transforms {
            assert!(!targets.need(&transform.native), "{}", transform.name);
        }
    }

    #[test]
    fn old_browsers_need_polyfills_and_browsers_without_data_are_left_out() {
        let data = LegacyData::built_in();
        let flat = &data.polyfill("Array.prototype.flat").unwrap().native;
        let ie = BrowserTargets::from_query("ie 11", Path::new("x")).unwrap();
        assert!(ie.need(flat));
        let mini = BrowserTargets::from_query("op_mini all, chrome 120", Path::new("x")).unwrap();
        assert!(!mini.need(flat));
        assert!(BrowserTargets::from_query("not a browser 9", Path::new("x")).is_err());
        assert!(BrowserTargets::from_query("  ", Path::new("x")).is_err());
    }

    #[test]
    fn browserslistrc_sections_and_package_json_forms() {
        assert_eq!(
            from_browserslistrc("# comment\n> 1%\nlast 2 versions # old\n"),
            "> 1%, last 2 versions"
        );
        assert_eq!(
            from_browserslistrc(
                "ie 11\n[production staging]\n> 1%\n[development]\nlast 1 chrome version\n"
            ),
            "> 1%"
        );
        let value: serde_json::Value = serde_json::from_str(
            r#"{"production": [">0.2%", "not dead"], "development": ["last 1 chrome version"]}"#,
        )
        .unwrap();
        assert_eq!(
            from_package_value(&value).as_deref(),
            Some(">0.2%, not dead")
        );
        assert_eq!(from_package_value(&serde_json::json!(5)), None);
    }
}
