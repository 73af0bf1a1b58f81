//! Comparison with a report saved earlier (usually on the base branch): per-asset and total
//! size deltas, with content-hashed file names matched across builds.
//!
//! The baseline is the JSON report (`--format json`) of an earlier run. It is read once, before
//! measuring, and serves twice:
//!
//! - as a **size source**: a file whose content hash (BLAKE3) appears in the baseline, measured
//!   there with the same compressor settings, takes its gzip/brotli sizes from the baseline
//!   instead of being compressed again ([`KnownSizes`]);
//! - as the **other side of the comparison** ([`compare`]): every asset browsers download is
//!   paired with its counterpart in the baseline, by path first and then by its name with the
//!   content hash taken out ([`HashPattern`]).
//!
//! Rules and renderers read the resulting [`Comparison`] from the report.

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use std::collections::{BTreeMap, VecDeque};
use std::path::Path;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::kind::AssetKind;
use crate::model::SCHEMA_VERSION;
use crate::model::asset::Asset;
use crate::model::asset::{Algorithm, ContentHash};
use crate::model::composition::OWN_CODE;
use crate::size::human;

/// Sizes of one asset in one build, as compared.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Sizes {
    pub raw: u64,
    /// Transfer size with gzip (raw size for already-compressed formats).
    pub gzip: u64,
    pub brotli: Option<u64>,
}

impl Sizes {
    /// Sums saturate: a baseline may claim any size up to `u64::MAX`, and a total that wrapped
    /// around would turn growth into shrinkage.
    fn add(&mut self, other: &Sizes) {
        self.raw = self.raw.saturating_add(other.raw);
        self.gzip = self.gzip.saturating_add(other.gzip);
        self.brotli = match (self.brotli, other.brotli) {
            (Some(a), Some(b)) => Some(a.saturating_add(b)),
            _ => None,
        };
    }
}

/// How an asset of this build relates to the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    /// Present in both builds; sizes may still be equal.
    Changed,
    Unchanged,
    /// Only in this build.
    Added,
    /// Only in the baseline.
    Removed,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct AssetDelta {
    /// Path in this build (for `Removed`, the baseline's path).
    pub path: String,
    /// The baseline's path when it differs (a content-hashed name matched by pattern).
    pub baseline_path: Option<String>,
    /// The name with its content hash replaced by `[hash]`, used for matching.
    pub key: String,
    pub change: Change,
    pub before: Option<Sizes>,
    pub after: Option<Sizes>,
    /// `after.gzip - before.gzip` (missing side counts as 0).
    pub gzip_delta: i64,
    /// Relative change of the gzip size in percent; `None` for added or removed assets.
    pub gzip_percent: Option<f64>,
    /// `after.raw - before.raw` (missing side counts as 0).
    pub raw_delta: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Comparison {
    /// The baseline report as given on the command line.
    pub baseline: String,
    /// Totals of counted assets, before and after.
    pub before: Sizes,
    pub after: Sizes,
    pub gzip_delta: i64,
    pub gzip_percent: Option<f64>,
    /// Changed, added and removed assets first (largest absolute delta first), then unchanged.
    pub assets: Vec<AssetDelta>,
    /// `after.raw - before.raw`.
    pub raw_delta: i64,
    /// The regular expression that took content hashes out of names for matching.
    pub hash_pattern: String,
    /// Gzip totals of the assets that changed, were added or were removed only, before and
    /// after: the change without the unchanged assets diluting its percentage.
    pub changed_before_gzip: u64,
    pub changed_after_gzip: u64,
    pub changed_gzip_percent: Option<f64>,
    /// Packages whose bytes changed, from the source maps of both builds' bundles.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub packages: Vec<PackageDelta>,
}

impl Comparison {
    /// Assets that are not `Unchanged`.
    pub fn differences(&self) -> impl Iterator<Item = &AssetDelta> {
        self.assets.iter().filter(|a| a.change != Change::Unchanged)
    }
}

/// Content hashes in the file names bundlers write, by default:
///
/// - Vite / Rollup / Rolldown `[name]-[hash].[ext]`: 8 characters of `A-Z a-z 0-9 _ -`
///   (`main-D7fafypN.js`, `inter-cyrillic-ext-400-normal-DQukG94-.woff`);
/// - esbuild `[name]-[hash]`: 8 characters of `A-Z 2-7`;
/// - webpack `[name].[contenthash].js` (20 hex by default, `[contenthash:8]` for 8), Parcel
///   `name.1a2b3c4d.js`, Next.js `main-0123456789abcdef.js`: 8 to 64 lowercase hex digits.
///
/// The hash must follow a `-` or `.` and be followed only by extensions up to the end of the
/// path (`.js`, `.js.map`, `.chunk.js`).
pub const DEFAULT_HASH_PATTERN: &str =
    r"[-.](?P<hash>[A-Za-z0-9_-]{8}|[0-9a-f]{8,64})(?:\.[A-Za-z0-9]+)+$";

/// A regular expression that finds the content hash in a path, relative to the audited folder
/// (`assets/main-D7fafypN.js`). The group named `hash` (or, without one, the first group) is
/// replaced by `[hash]` to make the asset's key; the first match counts. A path the pattern
/// does not match is its own key.
#[derive(Debug, Clone)]
pub struct HashPattern {
    regex: Regex,
    group: usize,
}

impl HashPattern {
    pub fn new(source: &str) -> Result<HashPattern, String> {
        let regex = Regex::new(source).map_err(|e| format!("invalid regular expression: {e}"))?;
        let named = regex.capture_names().position(|name| name == Some("hash"));
        let group = match named {
            Some(index) => index,
            None if regex.captures_len() > 1 => 1,
            None => {
                return Err(
                    "the pattern must capture the hash in a group, e.g. `-(?P<hash>[0-9a-f]{8})\\.`"
                        .to_string(),
                );
            }
        };
        Ok(HashPattern { regex, group })
    }

    pub fn default_pattern() -> HashPattern {
        // The default is a constant checked by a test; a failure here is a bug in this file.
        HashPattern::new(DEFAULT_HASH_PATTERN).unwrap_or_else(|e| panic!("default pattern: {e}"))
    }

    pub fn as_str(&self) -> &str {
        self.regex.as_str()
    }

    /// The path with its content hash replaced by `[hash]`.
    pub fn key(&self, path: &str) -> String {
        let Some(range) = self
            .regex
            .captures(path)
            .and_then(|c| c.get(self.group))
            .map(|m| m.range())
            .filter(|r| !r.is_empty())
        else {
            return path.to_string();
        };
        format!("{}[hash]{}", &path[..range.start], &path[range.end..])
    }
}

/// How much an asset or the total may grow against the baseline (`--max-increase`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Increase {
    /// Percent of the baseline's size.
    Percent(f64),
    Bytes(u64),
}

impl Increase {
    /// Parses `5%`, `2.5 %`, or a size such as `10kB` (see [`crate::size::parse_size`]).
    pub fn parse(text: &str) -> Result<Increase, String> {
        let trimmed = text.trim();
        if let Some(number) = trimmed.strip_suffix('%') {
            let number = number.trim();
            let well_formed = !number.is_empty()
                && number.chars().all(|c| c.is_ascii_digit() || c == '.')
                && number.matches('.').count() <= 1
                && !number.starts_with('.')
                && !number.ends_with('.');
            return match number.parse::<f64>() {
                Ok(percent) if well_formed && percent.is_finite() => Ok(Increase::Percent(percent)),
                _ => Err(format!(
                    "invalid increase {text:?}: expected a percentage such as `5%` or a size such as `10kB`"
                )),
            };
        }
        crate::size::parse_size(trimmed)
            .map(Increase::Bytes)
            .map_err(|e| {
                format!("invalid increase {text:?}: expected a percentage such as `5%`, or {e}")
            })
    }

    /// The growth in bytes allowed for an asset of `before` bytes; `None` when the limit is a
    /// percentage and there is nothing to take a percentage of.
    pub fn allowed(self, before: u64) -> Option<u64> {
        match self {
            Increase::Bytes(bytes) => Some(bytes),
            Increase::Percent(_) if before == 0 => None,
            Increase::Percent(percent) => Some((before as f64 * percent / 100.0).floor() as u64),
        }
    }
}

impl std::fmt::Display for Increase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Increase::Percent(percent) => write!(f, "{percent}%"),
            Increase::Bytes(bytes) => f.write_str(&human(*bytes)),
        }
    }
}

/// `--max-increase` or `[budget] max_increase`, with where it was set.
#[derive(Debug, Clone, PartialEq)]
pub struct MaxIncrease {
    pub limit: Increase,
    pub origin: String,
}

/// One asset of the baseline report, as the comparison reads it.
#[derive(Debug, Clone, Deserialize)]
pub struct BaselineAsset {
    pub path: String,
    pub kind: String,
    pub raw: u64,
    pub gzip: Option<u64>,
    #[serde(default)]
    pub brotli: Option<u64>,
    pub hash: String,
    /// Bytes per package from the bundle's source map, when it had one.
    #[serde(default)]
    pub composition: Option<BaselineComposition>,
}

/// The part of a report's `composition` a comparison needs.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct BaselineComposition {
    #[serde(default)]
    pub packages: Vec<BaselinePackage>,
    #[serde(default)]
    pub own_code: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct BaselinePackage {
    pub name: String,
    pub raw: u64,
}

impl BaselineComposition {
    /// Raw bytes per package name (own code as [`OWN_CODE`]).
    fn shares(&self) -> BTreeMap<String, u64> {
        let mut shares = BTreeMap::new();
        for package in &self.packages {
            let share: &mut u64 = shares.entry(package.name.clone()).or_default();
            *share = share.saturating_add(package.raw);
        }
        if self.own_code > 0 {
            shares.insert(OWN_CODE.to_string(), self.own_code);
        }
        shares
    }
}

/// Raw bytes per package name of this build's bundle (own code as [`OWN_CODE`]).
fn shares_of(composition: &crate::model::composition::Composition) -> BTreeMap<String, u64> {
    let mut shares = BTreeMap::new();
    for package in &composition.packages {
        let share: &mut u64 = shares.entry(package.name.clone()).or_default();
        *share = share.saturating_add(package.raw);
    }
    if composition.own_code > 0 {
        shares.insert(OWN_CODE.to_string(), composition.own_code);
    }
    shares
}

/// How one package's bytes changed over the bundles of both builds that have source maps.
#[derive(Debug, Clone, Serialize, PartialEq, schemars::JsonSchema)]
pub struct PackageDelta {
    /// The npm package, or `[own code]`.
    pub name: String,
    pub before_raw: u64,
    pub after_raw: u64,
    pub raw_delta: i64,
    /// Estimated: each bundle's raw change at that bundle's gzip/raw ratio.
    pub gzip_estimate_delta: i64,
    /// The bundles (this build's paths; a removed bundle's old path) where it changed.
    pub bundles: Vec<String>,
}

impl BaselineAsset {
    fn counted(&self) -> bool {
        // A kind this version does not know (written by a newer one) is downloaded like any.
        AssetKind::from_name(&self.kind).is_none_or(|kind| kind.counted())
    }

    fn sizes(&self) -> Sizes {
        sizes_of(self.raw, self.gzip, self.brotli)
    }
}

/// Transfer sizes: compressed sizes for formats that are compressed in transit (those with a
/// gzip size), raw size otherwise, as the report's totals count them.
fn sizes_of(raw: u64, gzip: Option<u64>, brotli: Option<u64>) -> Sizes {
    match gzip {
        Some(gzip) => Sizes { raw, gzip, brotli },
        None => Sizes {
            raw,
            gzip: raw,
            brotli: Some(raw),
        },
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
struct BaselineSettings {
    #[serde(default)]
    gzip: Option<String>,
    #[serde(default)]
    brotli: Option<String>,
}

#[derive(Deserialize)]
struct BaselineDocument {
    #[serde(default)]
    settings: BaselineSettings,
    assets: Vec<BaselineAsset>,
}

/// A JSON report read back as a baseline.
#[derive(Debug, Clone)]
pub struct Baseline {
    /// The file as given on the command line, for messages.
    pub file: String,
    pub assets: Vec<BaselineAsset>,
    settings: BaselineSettings,
}

/// Largest baseline report read. webaudit's JSON report takes about 600 bytes per asset, so
/// this holds about 100,000 assets; a larger file is refused before it is parsed.
pub const MAX_BASELINE_BYTES: u64 = 64 * 1024 * 1024;

/// Reads the JSON report at `path`. A file that cannot be read, is not a webaudit JSON report,
/// or was written under another schema is a run-wide error naming the file.
pub fn load(path: &Path) -> Result<Baseline, Error> {
    let file = path.display().to_string();
    let what = "a baseline report";
    let links = crate::files::Links::Follow;
    let text =
        crate::files::read_bounded(path, links, MAX_BASELINE_BYTES, what).map_err(|source| {
            Error::Io {
                path: path.to_path_buf(),
                action: "cannot read the baseline report",
                source,
            }
        })?;
    let unusable = |why: String| {
        Error::Usage(format!(
            "{file}: cannot use it as a baseline: {why}; pass a report written by `webaudit --format json -o FILE`"
        ))
    };
    let value: serde_json::Value =
        serde_json::from_slice(&text).map_err(|e| unusable(format!("not JSON ({e})")))?;
    let schema = match value.get("schema") {
        Some(schema) => schema
            .as_u64()
            .ok_or_else(|| unusable(format!("`schema` is {schema}, not a number")))?,
        None => {
            return Err(unusable(
                "it has no `schema` field, so it is not a webaudit JSON report".into(),
            ));
        }
    };
    // Schemas 1 and 2 differ only in the findings (`fix` a string in 1; no `impact`,
    // `subject` or `opportunities` before 3), which a baseline does not read: their assets and
    // settings are used as they are.
    if schema != u64::from(SCHEMA_VERSION) && schema != 2 && schema != 1 {
        return Err(Error::Usage(format!(
            "{file}: the baseline report has schema {schema}, but this webaudit ({}) reads schema {SCHEMA_VERSION}; write the baseline again with this version",
            env!("CARGO_PKG_VERSION")
        )));
    }
    let document: BaselineDocument =
        serde_json::from_value(value).map_err(|e| unusable(e.to_string()))?;
    Ok(Baseline {
        file,
        assets: document.assets,
        settings: document.settings,
    })
}

/// Sizes a baseline already measured, by content hash: a size source for the measure step.
#[derive(Debug, Clone, Default)]
pub struct KnownSizes {
    sizes: HashMap<ContentHash, (u64, Option<u64>, Option<u64>)>,
}

impl KnownSizes {
    /// The size of content `hash` (of `raw` bytes) under `algorithm`, when known. A raw size
    /// that disagrees with the baseline's means the baseline is not what it claims: not used.
    pub fn size(&self, hash: &ContentHash, raw: u64, algorithm: Algorithm) -> Option<u64> {
        let (known_raw, gzip, brotli) = self.sizes.get(hash)?;
        if *known_raw != raw {
            return None;
        }
        match algorithm {
            Algorithm::Gzip => *gzip,
            Algorithm::Brotli => *brotli,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.sizes.is_empty()
    }
}

impl Baseline {
    /// The baseline's sizes that this run can reuse: gzip sizes only when the baseline was
    /// measured with the same gzip settings (`gzip` is this run's `settings.gzip`), brotli sizes
    /// only with the same brotli settings. Returns notes for settings that differ.
    pub fn known_sizes(&self, gzip: &str, brotli: &str) -> (KnownSizes, Vec<String>) {
        let mut notes = Vec::new();
        let same_gzip = self.settings.gzip.as_deref() == Some(gzip);
        if !same_gzip {
            notes.push(format!(
                "{}: its gzip sizes were measured with {:?}, this run uses {gzip:?}: files are compressed again rather than reusing them",
                self.file,
                self.settings.gzip.as_deref().unwrap_or("unknown settings")
            ));
        }
        let same_brotli = self.settings.brotli.as_deref() == Some(brotli);
        let mut known = KnownSizes::default();
        for asset in &self.assets {
            let Ok(hash) = blake3::Hash::from_hex(&asset.hash) else {
                continue;
            };
            known.sizes.insert(
                *hash.as_bytes(),
                (
                    asset.raw,
                    asset.gzip.filter(|_| same_gzip),
                    asset.brotli.filter(|_| same_brotli),
                ),
            );
        }
        (known, notes)
    }
}

/// One side of a pair.
struct Side<'a> {
    path: &'a str,
    hash: &'a str,
    sizes: Sizes,
    key: String,
    /// Bytes per package, when the bundle had a source map.
    shares: Option<BTreeMap<String, u64>>,
}

/// Pairs this build's assets with the baseline's and computes the deltas. Only assets browsers
/// download are compared (source maps and precompressed copies are not).
///
/// Pairing, deterministic whatever order the assets come in:
/// 1. the same path in both builds;
/// 2. among the rest, the same key (path with its content hash replaced by `[hash]`): first
///    assets with identical content, then the others in order of gzip size, largest with
///    largest (ties by path), so that when a bundler writes two `index-[hash].js` the big entry
///    chunk is compared with the big one;
/// 3. what is left is added (only in this build) or removed (only in the baseline).
pub fn compare(baseline: &Baseline, assets: &[Asset], pattern: &HashPattern) -> Comparison {
    let before: Vec<Side> = baseline
        .assets
        .iter()
        .filter(|a| a.counted())
        .map(|a| Side {
            path: &a.path,
            hash: &a.hash,
            sizes: a.sizes(),
            key: pattern.key(&a.path),
            shares: a.composition.as_ref().map(BaselineComposition::shares),
        })
        .collect();
    let after: Vec<Side> = assets
        .iter()
        .filter(|a| a.counted())
        .map(|a| Side {
            path: &a.path,
            hash: &a.hash,
            sizes: sizes_of(
                a.raw,
                a.gzip,
                if a.gzip.is_some() { a.brotli } else { None },
            ),
            key: pattern.key(&a.path),
            shares: a.composition.as_ref().map(shares_of),
        })
        .collect();

    let mut pairs: Vec<(Option<usize>, Option<usize>)> = Vec::new();
    let mut before_used = vec![false; before.len()];
    let mut after_used = vec![false; after.len()];

    let before_by_path: HashMap<&str, usize> = before
        .iter()
        .enumerate()
        .map(|(i, side)| (side.path, i))
        .collect();
    for (a, side) in after.iter().enumerate() {
        if let Some(&b) = before_by_path.get(side.path) {
            pairs.push((Some(b), Some(a)));
            before_used[b] = true;
            after_used[a] = true;
        }
    }

    let mut groups: BTreeMap<&str, (Vec<usize>, Vec<usize>)> = BTreeMap::new();
    for (b, side) in before.iter().enumerate().filter(|(b, _)| !before_used[*b]) {
        groups.entry(&side.key).or_default().0.push(b);
    }
    for (a, side) in after.iter().enumerate().filter(|(a, _)| !after_used[*a]) {
        groups.entry(&side.key).or_default().1.push(a);
    }
    let by_size_then_path = |sides: &[Side], list: &mut Vec<usize>| {
        list.sort_by(|&x, &y| {
            sides[y]
                .sizes
                .gzip
                .cmp(&sides[x].sizes.gzip)
                .then_with(|| sides[x].path.cmp(sides[y].path))
        })
    };
    for (_, (mut olds, mut news)) in groups {
        news.sort_by(|&x, &y| after[x].path.cmp(after[y].path));
        olds.sort_by(|&x, &y| before[x].path.cmp(before[y].path));
        // Identical content first, each side in path order (a map, so a custom pattern that
        // gives thousands of assets one key stays linear).
        let mut by_hash: HashMap<&str, VecDeque<usize>> = HashMap::new();
        for &b in &olds {
            by_hash.entry(before[b].hash).or_default().push_back(b);
        }
        let mut taken = HashSet::new();
        news.retain(|&a| {
            match by_hash
                .get_mut(after[a].hash)
                .and_then(|same| same.pop_front())
            {
                Some(b) => {
                    pairs.push((Some(b), Some(a)));
                    taken.insert(b);
                    false
                }
                None => true,
            }
        });
        olds.retain(|b| !taken.contains(b));
        by_size_then_path(&before, &mut olds);
        by_size_then_path(&after, &mut news);
        let matched = olds.len().min(news.len());
        for (&b, &a) in olds.iter().zip(&news) {
            pairs.push((Some(b), Some(a)));
        }
        pairs.extend(olds[matched..].iter().map(|&b| (Some(b), None)));
        pairs.extend(news[matched..].iter().map(|&a| (None, Some(a))));
    }

    let packages = package_deltas(&pairs, &before, &after);
    let mut deltas: Vec<AssetDelta> = pairs
        .into_iter()
        .filter_map(|(b, a)| {
            let old = b.and_then(|b| before.get(b));
            let new = a.and_then(|a| after.get(a));
            let (path, key) = match (old, new) {
                (_, Some(new)) => (new.path, &new.key),
                (Some(old), None) => (old.path, &old.key),
                (None, None) => return None,
            };
            let change = match (old, new) {
                (Some(old), Some(new)) if old.hash == new.hash => Change::Unchanged,
                (Some(_), Some(_)) => Change::Changed,
                (None, Some(_)) => Change::Added,
                _ => Change::Removed,
            };
            let before_sizes = old.map(|s| s.sizes);
            let after_sizes = new.map(|s| s.sizes);
            let gzip_of = |sizes: Option<Sizes>| sizes.map_or(0, |s| s.gzip);
            let raw_of = |sizes: Option<Sizes>| sizes.map_or(0, |s| s.raw);
            let gzip_delta = delta(gzip_of(before_sizes), gzip_of(after_sizes));
            let raw_delta = delta(raw_of(before_sizes), raw_of(after_sizes));
            let gzip_percent = match (before_sizes, after_sizes) {
                (Some(b), Some(a)) => percent(b.gzip, a.gzip),
                _ => None,
            };
            Some(AssetDelta {
                path: path.to_string(),
                baseline_path: old
                    .filter(|old| new.is_some_and(|new| new.path != old.path))
                    .map(|old| old.path.to_string()),
                key: key.clone(),
                change,
                before: before_sizes,
                after: after_sizes,
                gzip_delta,
                gzip_percent,
                raw_delta,
            })
        })
        .collect();
    deltas.sort_by(|x, y| {
        let unchanged = |d: &AssetDelta| d.change == Change::Unchanged;
        unchanged(x)
            .cmp(&unchanged(y))
            .then_with(|| {
                y.gzip_delta
                    .unsigned_abs()
                    .cmp(&x.gzip_delta.unsigned_abs())
            })
            .then_with(|| x.path.cmp(&y.path))
    });

    let total = |sides: &[Side]| {
        let mut sum = Sizes {
            brotli: Some(0),
            ..Sizes::default()
        };
        for side in sides {
            sum.add(&side.sizes);
        }
        sum
    };
    let (before_total, after_total) = (total(&before), total(&after));
    let changed = deltas.iter().filter(|d| d.change != Change::Unchanged);
    // Saturating: a baseline may claim any size a JSON number holds.
    let sum = |sizes: &mut dyn Iterator<Item = u64>| sizes.fold(0u64, u64::saturating_add);
    let changed_before_gzip = sum(&mut changed.clone().filter_map(|d| d.before).map(|s| s.gzip));
    let changed_after_gzip = sum(&mut changed.filter_map(|d| d.after).map(|s| s.gzip));
    Comparison {
        baseline: baseline.file.clone(),
        before: before_total,
        after: after_total,
        gzip_delta: delta(before_total.gzip, after_total.gzip),
        gzip_percent: percent(before_total.gzip, after_total.gzip),
        assets: deltas,
        raw_delta: delta(before_total.raw, after_total.raw),
        hash_pattern: pattern.as_str().to_string(),
        changed_before_gzip,
        changed_after_gzip,
        changed_gzip_percent: percent(changed_before_gzip, changed_after_gzip),
        packages,
    }
}

/// Per-package changes over the paired bundles whose both sides have source maps (or that one
/// build adds or removes, with a map): largest absolute raw change first, unchanged left out.
fn package_deltas(
    pairs: &[(Option<usize>, Option<usize>)],
    before: &[Side],
    after: &[Side],
) -> Vec<PackageDelta> {
    let empty = BTreeMap::new();
    let mut by_name: BTreeMap<String, PackageDelta> = BTreeMap::new();
    for &(b, a) in pairs {
        let old = b.map(|b| &before[b]);
        let new = a.map(|a| &after[a]);
        if old.is_some_and(|o| new.is_some_and(|n| o.hash == n.hash)) {
            continue;
        }
        let (old_shares, new_shares) = match (old.map(|o| &o.shares), new.map(|n| &n.shares)) {
            (Some(Some(o)), Some(Some(n))) => (o, n),
            (None, Some(Some(n))) => (&empty, n),
            (Some(Some(o)), None) => (o, &empty),
            // One side has no map: nothing to compare package by package.
            _ => continue,
        };
        let bundle = new.or(old).map(|s| s.path.to_string()).unwrap_or_default();
        let names: std::collections::BTreeSet<&String> =
            old_shares.keys().chain(new_shares.keys()).collect();
        // A package's gzip change is estimated at its bundle's own compression ratio: the
        // shares' proportional estimates move with every other package's bytes.
        let ratio = new
            .or(old)
            .map_or(0.0, |s| s.sizes.gzip as f64 / s.sizes.raw.max(1) as f64);
        for name in names {
            let old_raw = old_shares.get(name).copied().unwrap_or_default();
            let new_raw = new_shares.get(name).copied().unwrap_or_default();
            if old_raw == new_raw {
                continue;
            }
            let entry = by_name.entry(name.clone()).or_insert_with(|| PackageDelta {
                name: name.clone(),
                before_raw: 0,
                after_raw: 0,
                raw_delta: 0,
                gzip_estimate_delta: 0,
                bundles: Vec::new(),
            });
            entry.before_raw = entry.before_raw.saturating_add(old_raw);
            entry.after_raw = entry.after_raw.saturating_add(new_raw);
            entry.raw_delta = delta(entry.before_raw, entry.after_raw);
            entry.gzip_estimate_delta = entry
                .gzip_estimate_delta
                .saturating_add((delta(old_raw, new_raw) as f64 * ratio).round() as i64);
            entry.bundles.push(bundle.clone());
        }
    }
    let mut deltas: Vec<PackageDelta> =
        by_name.into_values().filter(|d| d.raw_delta != 0).collect();
    deltas.sort_by(|x, y| {
        y.raw_delta
            .unsigned_abs()
            .cmp(&x.raw_delta.unsigned_abs())
            .then_with(|| x.name.cmp(&y.name))
    });
    deltas
}

/// `after - before`, exact in i128 and then clamped to what an i64 holds, so the sign is always
/// right (clamping each side to i64 first turned `u64::MAX` → 0 into a -50% change).
fn delta(before: u64, after: u64) -> i64 {
    let exact = i128::from(after) - i128::from(before);
    i64::try_from(exact).unwrap_or(if exact < 0 { i64::MIN } else { i64::MAX })
}

/// The change from `before` to `after` in percent of `before`, from the exact difference;
/// `None` when there is nothing to take a percentage of.
fn percent(before: u64, after: u64) -> Option<f64> {
    let exact = i128::from(after) - i128::from(before);
    (before > 0).then(|| exact as f64 * 100.0 / before as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_pattern_takes_hashes_out_of_bundler_names() {
        let pattern = HashPattern::default_pattern();
        for (path, key) in [
            // Vite / Rollup, including hashes containing `-` and `_` (real fixture names).
            ("assets/main-D7fafypN.js", "assets/main-[hash].js"),
            ("assets/main-D7fafypN.js.map", "assets/main-[hash].js.map"),
            ("assets/about-Bya-HQu9.js", "assets/about-[hash].js"),
            ("assets/style-Ddld_3hZ.js", "assets/style-[hash].js"),
            (
                "assets/inter-cyrillic-ext-400-normal-DQukG94-.woff",
                "assets/inter-cyrillic-ext-400-normal-[hash].woff",
            ),
            // webpack contenthash (20 hex), CRA, Parcel, Next.js.
            ("main.3f2a1b9c4d5e6f708192.js", "main.[hash].js"),
            (
                "static/js/main.3f2a1b9c.chunk.js",
                "static/js/main.[hash].chunk.js",
            ),
            ("index.1a2b3c4d.css", "index.[hash].css"),
            (
                "_next/static/chunks/main-0123456789abcdef.js",
                "_next/static/chunks/main-[hash].js",
            ),
            // esbuild base32.
            ("out/app-QWERTY23.js", "out/app-[hash].js"),
            // Names without a hash are their own key.
            ("index.html", "index.html"),
            ("favicon.svg", "favicon.svg"),
            ("site.webmanifest", "site.webmanifest"),
            ("jquery-3.7.1.min.js", "jquery-3.7.1.min.js"),
            (
                "assets/inter-latin-400-normal.woff2",
                "assets/inter-latin-400-normal.woff2",
            ),
        ] {
            assert_eq!(pattern.key(path), key, "{path}");
        }
    }

    #[test]
    fn custom_patterns_need_a_group() {
        assert!(HashPattern::new(r"-[0-9a-f]{8}\.").is_err());
        assert!(HashPattern::new(r"(").is_err());
        let named = HashPattern::new(r"^(static)/(?P<hash>[0-9]+)/").unwrap();
        assert_eq!(named.key("static/12345/app.js"), "static/[hash]/app.js");
        let first = HashPattern::new(r"_([a-z]{4})\.js$").unwrap();
        assert_eq!(first.key("app_abcd.js"), "app_[hash].js");
    }

    #[test]
    fn deltas_and_percentages_are_exact_at_the_ends_of_u64() {
        assert_eq!(delta(u64::MAX, 0), i64::MIN);
        assert_eq!(delta(0, u64::MAX), i64::MAX);
        assert_eq!(delta(u64::MAX, u64::MAX - 5), -5);
        assert_eq!(delta(10, 15), 5);
        assert_eq!(percent(u64::MAX, 0), Some(-100.0));
        assert_eq!(percent(1, u64::MAX), Some((u64::MAX - 1) as f64 * 100.0));
        assert_eq!(percent(200, 100), Some(-50.0));
        assert_eq!(percent(0, 100), None);
        let mut total = Sizes {
            raw: u64::MAX,
            gzip: u64::MAX - 1,
            brotli: Some(u64::MAX),
        };
        total.add(&Sizes {
            raw: 5,
            gzip: 5,
            brotli: Some(1),
        });
        assert_eq!(
            total,
            Sizes {
                raw: u64::MAX,
                gzip: u64::MAX,
                brotli: Some(u64::MAX)
            }
        );
    }

    #[test]
    fn increases_parse_as_percent_or_size() {
        assert_eq!(Increase::parse("5%"), Ok(Increase::Percent(5.0)));
        assert_eq!(Increase::parse(" 2.5 %"), Ok(Increase::Percent(2.5)));
        assert_eq!(Increase::parse("10kB"), Ok(Increase::Bytes(10_000)));
        assert_eq!(Increase::parse("512"), Ok(Increase::Bytes(512)));
        for bad in [
            "%",
            "-5%",
            "five%",
            "1e3%",
            ".5%",
            "5..1%",
            "10 kilobytes",
            "inf%",
        ] {
            assert!(Increase::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(Increase::Percent(5.0).allowed(1000), Some(50));
        assert_eq!(Increase::Percent(5.0).allowed(0), None);
        assert_eq!(Increase::Bytes(10).allowed(0), Some(10));
    }
}
