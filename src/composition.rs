//! What each bundle is made of, from its source map: bytes per npm package (and per copy of a
//! package), the app's own code, and bytes no mapping covers.
//!
//! gzip shares are estimates: a package's share of the chunk's gzip size is taken to be its
//! share of the chunk's raw bytes (`package raw × chunk gzip / chunk raw`). Deflate compresses
//! code from different sources at different ratios, so this is a proportional estimate, not a
//! measurement; raw bytes are exact.

pub use crate::model::composition::{
    Composition, Importer, MAX_IMPORTERS, PackageShare, SourceShare,
};

use crate::analyze::Facts;
use crate::analyze::import_sites::RepositorySources;
use foldhash::{HashMap, HashMapExt};
use std::collections::BTreeSet;

use crate::analyze::sourcemap::{Attribution, path_in_package};
use crate::measure::Asset;

pub use crate::model::composition::OWN_CODE;

pub fn attribution(asset: &Asset) -> Option<&Attribution> {
    let link = match &asset.facts {
        Facts::Script(script) => script.map.as_ref()?,
        Facts::Stylesheet(style) => style.map.as_ref()?,
        _ => return None,
    };
    link.attribution.as_ref().ok()
}

/// The import sites of the whole site by package name: from the maps of every script, since
/// the module that imports a package is often in another chunk than the package (a vendor
/// chunk). Each site once, sorted by source, line and column.
#[derive(Debug, Default)]
pub struct ImportIndex {
    by_package: HashMap<String, Vec<Importer>>,
}

impl ImportIndex {
    /// `files` reads the sources that maps name without their content.
    pub fn of(assets: &[Asset], files: &mut RepositorySources<'_>) -> ImportIndex {
        let mut by_package: HashMap<String, BTreeSet<Importer>> = HashMap::new();
        for asset in assets {
            let Facts::Script(script) = &asset.facts else {
                continue;
            };
            let Some(link) = &script.map else {
                continue;
            };
            let from_files = link
                .import_sites
                .without_content
                .iter()
                .flat_map(|name| files.sites_of(name).to_vec());
            for site in link.import_sites.sites.iter().cloned().chain(from_files) {
                by_package
                    .entry(site.package.clone())
                    .or_default()
                    .insert(Importer {
                        source: site.source,
                        line: site.line,
                        column: site.column,
                        specifier: site.specifier,
                    });
            }
        }
        ImportIndex {
            by_package: by_package
                .into_iter()
                .map(|(package, sites)| (package, sites.into_iter().collect()))
                .collect(),
        }
    }

    /// Every import site of `package`, in order.
    pub fn of_package(&self, package: &str) -> &[Importer] {
        self.by_package.get(package).map_or(&[], Vec::as_slice)
    }
}

/// The first [`MAX_IMPORTERS`] import sites of `package`, and how many more there are.
pub fn importers(index: &ImportIndex, package: &str) -> (Vec<Importer>, u64) {
    let all = index.of_package(package);
    let shown = all.len().min(MAX_IMPORTERS);
    (all[..shown].to_vec(), (all.len() - shown) as u64)
}

/// Gives each finding about a package (see [`crate::model::finding::Violation::package`]) the
/// lines of the app's code that import it, as the bundles' compositions list them.
pub fn attach_importers(findings: &mut [crate::model::finding::Finding], assets: &[Asset]) {
    let mut by_package: HashMap<&str, &PackageShare> = HashMap::new();
    for share in assets
        .iter()
        .filter_map(|a| a.composition.as_ref())
        .flat_map(|c| &c.packages)
    {
        by_package.entry(share.name.as_str()).or_insert(share);
    }
    for finding in findings {
        let Some(share) = finding.package.as_deref().and_then(|p| by_package.get(p)) else {
            continue;
        };
        finding.imported_by = share.imported_by.clone();
        finding.imported_by_more = share.imported_by_more;
    }
}

pub fn of(asset: &Asset, index: &ImportIndex) -> Option<Composition> {
    let link = match &asset.facts {
        Facts::Script(script) => script.map.as_ref()?,
        Facts::Stylesheet(style) => style.map.as_ref()?,
        _ => return None,
    };
    let attribution = link.attribution.as_ref().ok()?;
    let ratio = asset
        .gzip
        .filter(|_| asset.raw > 0)
        .map(|gzip| gzip as f64 / asset.raw as f64);
    let mut packages: Vec<PackageShare> = Vec::new();
    let mut own_code = 0;
    let mut own_code_sources = Vec::new();
    let mut sources_by_copy: HashMap<String, Vec<SourceShare>> = HashMap::new();
    for source in &attribution.sources {
        match source.package() {
            Some(package) => sources_by_copy
                .entry(package.copy.clone())
                .or_default()
                .push(SourceShare {
                    path: path_in_package(&source.source, package),
                    raw: source.bytes,
                }),
            None => {
                own_code += source.bytes;
                own_code_sources.push(SourceShare {
                    path: source.source.clone(),
                    raw: source.bytes,
                });
            }
        }
    }
    for group in attribution.by_package() {
        let mut sources = sources_by_copy
            .remove(&group.package.copy)
            .unwrap_or_default();
        sort_largest_first(&mut sources);
        let (imported_by, imported_by_more) = importers(index, &group.package.name);
        packages.push(PackageShare {
            imported_by,
            imported_by_more,
            name: group.package.name.clone(),
            copy: group.package.copy.clone(),
            version: group.package.version.clone(),
            raw: group.bytes,
            gzip_estimate: ratio.map(|r| (group.bytes as f64 * r).round() as u64),
            modules: group.sources,
            sources,
        });
    }
    sort_largest_first(&mut own_code_sources);
    packages.sort_by(|a, b| b.raw.cmp(&a.raw).then(a.copy.cmp(&b.copy)));
    Some(Composition {
        map: link.path.clone(),
        packages,
        own_code,
        own_code_sources,
        unmapped: attribution.unmapped + attribution.line_terminators,
        warnings: attribution.warnings.clone(),
    })
}

fn sort_largest_first(sources: &mut [SourceShare]) {
    sources.sort_by(|a, b| b.raw.cmp(&a.raw).then_with(|| a.path.cmp(&b.path)));
}
