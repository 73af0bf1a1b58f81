//! Reads `webaudit.toml`.
//!
//! ```toml
//! ignore = ["*.map", "legacy/**"]
//!
//! [budget]
//! total = "200kB"                       # or false to disable
//! compression = "gzip"                  # gzip | brotli | none: for `total` and `[budget.types]`
//! total_types = ["script", "stylesheet"]
//! max_increase = "5%"                   # or "10kB": growth allowed against --baseline
//!
//! [budget.types]                        # per resource type, and "total" for everything
//! script = "170kB"
//! image = "1MB"
//!
//! [budget.counts]                       # request counts
//! script = 10
//!
//! [[budget.path]]                       # as bundlewatch / bundlesize users write them
//! path = "assets/index-*.js"            # or a list; "!pattern" excludes
//! max_size = "100kB"                    # also accepted: maxSize, limit
//! compression = "gzip"                  # default gzip
//! aggregate = "each"                    # each (every file) | sum (all files together)
//!
//! [images]
//! above_the_fold = 3                    # images/iframes at the top of <body> treated as visible
//! max_width = 2560                      # images wider than this are oversized anywhere
//! exact = false                         # true: encode every image whole (--exact-images)
//!
//! [targets]
//! browsers = "> 0.5%, not dead"         # a browserslist query or a list of them (js/legacy-javascript)
//!
//! [rules]
//! "budget/count" = "warning"            # error | warning | info | off
//!
//! [baseline]
//! hash_pattern = '-(?P<hash>[0-9a-f]{10})\.'   # where content hashes sit in file names
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::model::{
    Aggregate, Compression, Config, CountBudget, InitialBudget, PathBudget, RuleSetting,
    SizeBudget, TypeSet,
};
use crate::error::{Error, line_column};
use crate::glob::PathPattern;
use crate::kind::AssetKind;
use crate::model::finding::Severity;
use crate::size::parse_size;

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    ignore: Vec<Spanned<String>>,
    #[serde(default)]
    budget: Option<BudgetTable>,
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, value_schema::RuleLevel>")]
    rules: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    knowledge: Option<KnowledgeTable>,
    #[serde(default)]
    compression: Option<CompressionTable>,
    #[serde(default)]
    pages: Option<PagesTable>,
    #[serde(default)]
    baseline: Option<BaselineTable>,
    images: Option<ImagesTable>,
    #[serde(default)]
    targets: Option<TargetsTable>,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct TargetsTable {
    /// The browsers the app supports, as a browserslist query (`"> 0.5%, not dead"`) or a list
    /// of queries; used instead of the project's `.browserslistrc` or `package.json`
    /// `browserslist`.
    #[schemars(with = "Option<value_schema::Queries>")]
    browsers: Option<Spanned<toml::Value>>,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct BaselineTable {
    #[schemars(with = "Option<String>")]
    hash_pattern: Option<Spanned<String>>,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct ImagesTable {
    #[schemars(with = "Option<u32>")]
    above_the_fold: Option<Spanned<i64>>,
    #[schemars(with = "Option<u32>")]
    max_width: Option<Spanned<i64>>,
    /// Encode every image whole to measure the image rules' savings (`--exact-images`).
    exact: Option<bool>,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct PagesTable {
    #[schemars(with = "Option<String>")]
    base: Option<Spanned<String>>,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct CompressionTable {
    #[schemars(with = "Option<value_schema::Served>")]
    served: Option<Spanned<String>>,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct KnowledgeTable {
    #[serde(default)]
    #[schemars(with = "Vec<crate::knowledge::PackageInfo>")]
    package: Vec<Spanned<crate::knowledge::PackageInfo>>,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct BudgetTable {
    #[schemars(with = "Option<value_schema::Total>")]
    total: Option<Spanned<toml::Value>>,
    #[schemars(with = "Option<value_schema::Compression>")]
    compression: Option<Spanned<String>>,
    #[schemars(with = "Option<value_schema::Increase>")]
    max_increase: Option<Spanned<toml::Value>>,
    #[schemars(with = "Option<Vec<String>>")]
    total_types: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, value_schema::Size>")]
    types: BTreeMap<String, Spanned<toml::Value>>,
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, u64>")]
    counts: BTreeMap<String, Spanned<toml::Value>>,
    #[serde(default)]
    path: Vec<PathTable>,
    #[serde(default)]
    initial: Vec<InitialTable>,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct InitialTable {
    #[schemars(with = "Option<String>")]
    page: Option<Spanned<String>>,
    #[schemars(with = "Option<value_schema::Size>")]
    script: Option<Spanned<toml::Value>>,
    #[schemars(with = "Option<value_schema::Size>")]
    stylesheet: Option<Spanned<toml::Value>>,
    #[schemars(with = "Option<value_schema::Size>")]
    total: Option<Spanned<toml::Value>>,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct PathTable {
    #[schemars(with = "value_schema::Paths")]
    path: Spanned<toml::Value>,
    #[serde(alias = "maxSize", alias = "limit")]
    #[schemars(with = "value_schema::Size")]
    max_size: Spanned<toml::Value>,
    #[schemars(with = "Option<value_schema::Compression>")]
    compression: Option<Spanned<String>>,
    #[schemars(with = "Option<value_schema::Aggregate>")]
    aggregate: Option<Spanned<String>>,
    name: Option<String>,
}

/// What the fields read as text or `toml::Value` accept, for the JSON Schema only (see
/// [`config_schema`]); the parser below gives the same rules their error messages.
#[allow(dead_code)]
mod value_schema {
    /// Bytes, or a number with a unit: "200kB" (1000 bytes a kB), "1.5 MiB" (1024²).
    #[derive(schemars::JsonSchema)]
    #[serde(untagged)]
    pub enum Size {
        Bytes(u64),
        WithUnit(String),
    }

    /// A size, or `false` to turn the default total budget off.
    #[derive(schemars::JsonSchema)]
    #[serde(untagged)]
    pub enum Total {
        Bytes(u64),
        WithUnit(String),
        Off(bool),
    }

    /// Growth allowed against --baseline: "5%", "10kB", or bytes.
    #[derive(schemars::JsonSchema)]
    #[serde(untagged)]
    pub enum Increase {
        Bytes(u64),
        Text(String),
    }

    /// One browserslist query ("> 0.5%, not dead") or a list of queries.
    #[derive(schemars::JsonSchema)]
    #[serde(untagged)]
    pub enum Queries {
        One(String),
        Several(Vec<String>),
    }

    /// One glob or a list of globs ("!pattern" excludes).
    #[derive(schemars::JsonSchema)]
    #[serde(untagged)]
    pub enum Paths {
        One(String),
        Several(Vec<String>),
    }

    #[derive(schemars::JsonSchema)]
    #[serde(rename_all = "lowercase")]
    pub enum RuleLevel {
        Off,
        Error,
        Warning,
        Info,
    }

    #[derive(schemars::JsonSchema)]
    #[serde(rename_all = "lowercase")]
    pub enum Served {
        Precompressed,
        Dynamic,
    }

    #[derive(schemars::JsonSchema)]
    #[serde(rename_all = "lowercase")]
    pub enum Compression {
        Gzip,
        Brotli,
        Br,
        Raw,
        None,
    }

    #[derive(schemars::JsonSchema)]
    #[serde(rename_all = "lowercase")]
    pub enum Aggregate {
        Each,
        Sum,
    }
}

/// Where the committed schema of `webaudit.toml` lives in the repository.
pub const CONFIG_SCHEMA_FILE: &str = "docs/schema/webaudit.schema.json";

/// The JSON Schema of `webaudit.toml` (draft 2020-12), generated from the tables the parser
/// reads: editors that read TOML through a JSON Schema (taplo, Even Better TOML) complete and
/// check it. Unknown keys are refused, as the parser refuses them.
/// The published address of webaudit.toml's schema (`$id`, and the `#:schema` line that
/// `webaudit init` writes: TOML editors using Taplo read it).
pub fn config_schema_url() -> String {
    crate::model::published_schema_url("webaudit.schema.json")
}

pub fn config_schema() -> serde_json::Value {
    let generator = schemars::generate::SchemaSettings::draft2020_12().into_generator();
    let mut value = generator.into_root_schema_for::<File>().to_value();
    if let serde_json::Value::Object(root) = &mut value {
        root.insert("$id".into(), config_schema_url().into());
        root.insert("title".into(), "webaudit.toml".into());
    }
    value
}

struct Source<'a> {
    path: &'a Path,
    text: &'a str,
    /// Patterns compiled so far, this file's and those already in the configuration.
    patterns: std::cell::Cell<usize>,
}

impl Source<'_> {
    fn error(&self, span: std::ops::Range<usize>, message: String) -> Error {
        let (line, column) = line_column(self.text, span.start);
        Error::Config {
            path: self.path.to_path_buf(),
            line,
            column,
            message,
        }
    }

    fn origin<T>(&self, value: &Spanned<T>) -> String {
        let (line, _) = line_column(self.text, value.span().start);
        format!(
            "{}:{line}",
            self.path
                .file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default()
        )
    }

    fn size(&self, key: &str, value: &Spanned<toml::Value>) -> Result<u64, Error> {
        match value.get_ref() {
            toml::Value::Integer(bytes) if *bytes >= 0 => Ok(*bytes as u64),
            toml::Value::String(text) => {
                parse_size(text).map_err(|e| self.error(value.span(), format!("`{key}`: {e}")))
            }
            other => Err(self.error(
                value.span(),
                format!(
                    "`{key}`: expected a size such as \"150kB\" or a number of bytes, found {}",
                    other.type_str()
                ),
            )),
        }
    }

    fn compression(
        &self,
        key: &str,
        value: &Option<Spanned<String>>,
        default: Compression,
    ) -> Result<Compression, Error> {
        let Some(value) = value else {
            return Ok(default);
        };
        Compression::parse(value.get_ref()).ok_or_else(|| {
            self.error(
                value.span(),
                format!(
                    "`{key}`: unknown compression {:?}; expected gzip, brotli or none",
                    value.get_ref()
                ),
            )
        })
    }

    fn types(&self, key: &str, name: &str, span: std::ops::Range<usize>) -> Result<TypeSet, Error> {
        TypeSet::by_name(name).ok_or_else(|| {
            let known: Vec<&str> = AssetKind::ALL
                .iter()
                .filter(|k| k.counted())
                .map(|k| k.name())
                .collect();
            self.error(
                span,
                format!(
                    "`{key}`: unknown resource type {name:?}; expected one of {}, total",
                    known.join(", ")
                ),
            )
        })
    }

    fn pattern(
        &self,
        key: &str,
        text: &str,
        span: std::ops::Range<usize>,
    ) -> Result<PathPattern, Error> {
        self.patterns.set(self.patterns.get() + 1);
        if self.patterns.get() > super::MAX_PATTERNS {
            return Err(self.error(
                span,
                format!(
                    "`{key}`: more than {} path patterns in the configuration",
                    super::MAX_PATTERNS
                ),
            ));
        }
        PathPattern::new(text)
            .map_err(|e| self.error(span, format!("`{key}`: invalid pattern {text:?}: {e}")))
    }
}

/// Parses `text` (the contents of `path`) and merges it into `config`.
pub fn apply(path: &Path, text: &str, config: &mut Config) -> Result<(), Error> {
    let source = Source {
        path,
        text,
        patterns: std::cell::Cell::new(config.pattern_count()),
    };
    let file: File = toml::from_str(text)
        .map_err(|e| source.error(e.span().unwrap_or(0..0), e.message().to_string()))?;

    for pattern in &file.ignore {
        config
            .ignore
            .push(source.pattern("ignore", pattern.get_ref(), pattern.span())?);
    }

    for (rule, setting) in &file.rules {
        let parsed = match setting.get_ref().as_str() {
            "off" => RuleSetting::Off,
            other => match Severity::parse(other) {
                Some(severity) => RuleSetting::Severity(severity),
                None => {
                    return Err(source.error(
                        setting.span(),
                        format!("`rules.\"{rule}\"`: unknown severity {other:?}; expected error, warning, info or off"),
                    ));
                }
            },
        };
        let (line, column) = line_column(source.text, setting.span().start);
        config.rule_origins.insert(
            rule.clone(),
            super::model::RuleOrigin {
                path: path.to_path_buf(),
                line,
                column,
            },
        );
        config.rules.insert(rule.clone(), parsed);
    }

    if let Some(base) = file.pages.and_then(|p| p.base) {
        let text = base.get_ref().trim();
        if !text.starts_with('/') {
            return Err(source.error(
                base.span(),
                format!(
                    "`pages.base`: {text:?} must be a path starting with `/`, such as \"/app/\""
                ),
            ));
        }
        config.base_path = Some(format!("/{}/", text.trim_matches('/')).replace("//", "/"));
    }

    if let Some(served) = file.compression.and_then(|c| c.served) {
        config.served_written = true;
        config.served = match served.get_ref().as_str() {
            "precompressed" => super::model::Served::Precompressed,
            "dynamic" => super::model::Served::Dynamic,
            other => {
                return Err(source.error(
                    served.span(),
                    format!("`compression.served`: unknown value {other:?}; expected precompressed or dynamic"),
                ));
            }
        };
    }

    if let Some(images) = file.images {
        if let Some(exact) = images.exact {
            config.images.exact = exact;
        }
        if let Some(count) = images.above_the_fold {
            config.images.above_the_fold = usize::try_from(*count.get_ref()).map_err(|_| {
                source.error(
                    count.span(),
                    format!(
                        "`images.above_the_fold`: {} is not a count of images (0 or more)",
                        count.get_ref()
                    ),
                )
            })?;
        }
        if let Some(width) = images.max_width {
            config.images.max_width = u32::try_from(*width.get_ref())
                .ok()
                .filter(|&w| w > 0)
                .ok_or_else(|| {
                    source.error(
                        width.span(),
                        format!(
                            "`images.max_width`: {} is not a width in pixels (1 or more)",
                            width.get_ref()
                        ),
                    )
                })?;
        }
    }

    if let Some(knowledge) = file.knowledge {
        for package in knowledge.package {
            let span = package.span();
            let package = package.into_inner();
            package
                .validate()
                .map_err(|why| source.error(span, format!("`knowledge.package`: {why}")))?;
            config.packages.push(package);
        }
    }

    if let Some(browsers) = file.targets.and_then(|t| t.browsers) {
        let query = match browsers.get_ref() {
            toml::Value::String(query) => Some(query.clone()),
            toml::Value::Array(list) => list
                .iter()
                .map(|q| q.as_str())
                .collect::<Option<Vec<_>>>()
                .map(|queries| queries.join(", ")),
            _ => None,
        }
        .ok_or_else(|| {
            source.error(
                browsers.span(),
                "`targets.browsers`: expected a browserslist query or a list of queries"
                    .to_string(),
            )
        })?;
        config.browsers = super::browsers::BrowserTargets::from_query(&query, path)
            .map_err(|why| source.error(browsers.span(), format!("`targets.browsers`: {why}")))?;
        config.browsers_written = true;
    }

    if let Some(pattern) = file.baseline.and_then(|b| b.hash_pattern) {
        let compiled = crate::baseline::HashPattern::new(pattern.get_ref()).map_err(|why| {
            source.error(pattern.span(), format!("`baseline.hash_pattern`: {why}"))
        })?;
        config.hash_pattern = Some(compiled);
    }

    let Some(budget) = file.budget else {
        return Ok(());
    };
    if let Some(value) = &budget.max_increase {
        let limit = match value.get_ref() {
            toml::Value::String(text) => crate::baseline::Increase::parse(text),
            toml::Value::Integer(bytes) if *bytes >= 0 => {
                Ok(crate::baseline::Increase::Bytes(*bytes as u64))
            }
            other => Err(format!(
                "expected a percentage such as \"5%\" or a size such as \"10kB\", found {}",
                other.type_str()
            )),
        }
        .map_err(|why| source.error(value.span(), format!("`budget.max_increase`: {why}")))?;
        config.max_increase = Some(crate::baseline::MaxIncrease {
            limit,
            origin: source.origin(value),
        });
    }
    let compression =
        source.compression("budget.compression", &budget.compression, Compression::Gzip)?;

    let mut total = config.total.take().unwrap_or_else(Config::default_total);
    total.compression = compression;
    if let Some(types) = &budget.total_types {
        let mut kinds = Vec::new();
        for name in types {
            kinds.extend(
                source
                    .types("budget.total_types", name.get_ref(), name.span())?
                    .kinds,
            );
        }
        kinds.dedup();
        let label = types
            .iter()
            .map(|t| t.get_ref().as_str())
            .collect::<Vec<_>>()
            .join(" + ");
        total.types = TypeSet { label, kinds };
    }
    config.total = match &budget.total {
        Some(value) if matches!(value.get_ref(), toml::Value::Boolean(false)) => None,
        Some(value) => {
            total.limit = source.size("budget.total", value)?;
            total.origin = source.origin(value);
            Some(total)
        }
        None => Some(total),
    };

    for (name, value) in &budget.types {
        let key = format!("budget.types.{name}");
        let types = source.types(&key, name, value.span())?;
        let limit = source.size(&key, value)?;
        config.type_budgets.push(SizeBudget {
            types,
            limit,
            compression,
            origin: source.origin(value),
        });
    }

    for (name, value) in &budget.counts {
        let key = format!("budget.counts.{name}");
        let types = source.types(&key, name, value.span())?;
        let limit = match value.get_ref() {
            toml::Value::Integer(n) if *n >= 0 => *n as u64,
            _ => {
                return Err(source.error(
                    value.span(),
                    format!("`{key}`: expected a whole number of requests"),
                ));
            }
        };
        config.count_budgets.push(CountBudget {
            types,
            limit,
            origin: source.origin(value),
        });
    }

    for (index, entry) in budget.path.iter().enumerate() {
        let key = format!("budget.path[{index}]");
        let patterns: Vec<String> = match entry.path.get_ref() {
            toml::Value::String(one) => vec![one.clone()],
            toml::Value::Array(many) if many.iter().all(|v| v.is_str()) => many
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            _ => {
                return Err(source.error(
                    entry.path.span(),
                    format!("`{key}.path`: expected a pattern or a list of patterns"),
                ));
            }
        };
        let (mut include, mut exclude) = (Vec::new(), Vec::new());
        for text in &patterns {
            match text.strip_prefix('!') {
                Some(negated) => exclude.push(source.pattern(
                    &format!("{key}.path"),
                    negated,
                    entry.path.span(),
                )?),
                None => {
                    include.push(source.pattern(&format!("{key}.path"), text, entry.path.span())?)
                }
            }
        }
        let aggregate = match entry.aggregate.as_ref().map(|a| a.get_ref().as_str()) {
            None | Some("each") => Aggregate::Each,
            Some("sum") => Aggregate::Sum,
            Some(other) => {
                let span = entry.aggregate.as_ref().map(|a| a.span()).unwrap_or(0..0);
                return Err(source.error(
                    span,
                    format!("`{key}.aggregate`: unknown value {other:?}; expected each or sum"),
                ));
            }
        };
        config.path_budgets.push(PathBudget {
            name: entry.name.clone().unwrap_or_else(|| patterns.join(", ")),
            include,
            exclude,
            limit: source.size(&format!("{key}.max_size"), &entry.max_size)?,
            compression: source.compression(
                &format!("{key}.compression"),
                &entry.compression,
                Compression::Gzip,
            )?,
            aggregate,
            origin: source.origin(&entry.path),
        });
    }
    for (index, entry) in budget.initial.iter().enumerate() {
        let key = format!("budget.initial[{index}]");
        let pages = match &entry.page {
            Some(page) => {
                Some(source.pattern(&format!("{key}.page"), page.get_ref(), page.span())?)
            }
            None => None,
        };
        let size =
            |name: &str, value: &Option<Spanned<toml::Value>>| -> Result<Option<u64>, Error> {
                value
                    .as_ref()
                    .map(|v| source.size(&format!("{key}.{name}"), v))
                    .transpose()
            };
        let origin = match (&entry.page, &entry.script, &entry.stylesheet, &entry.total) {
            (Some(v), ..) => source.origin(v),
            (_, Some(v), ..) | (_, _, Some(v), _) | (.., Some(v)) => source.origin(v),
            _ => format!("{}", path.display()),
        };
        config.initial_budgets.push(InitialBudget {
            pages,
            script: size("script", &entry.script)?,
            stylesheet: size("stylesheet", &entry.stylesheet)?,
            total: size("total", &entry.total)?,
            origin,
        });
    }
    Ok(())
}
