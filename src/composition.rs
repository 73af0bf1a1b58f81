//! What each bundle is made of, from its source map: bytes per npm package (and per copy of a
//! package), the app's own code, and bytes no mapping covers.
//!
//! gzip shares are estimates: a package's share of the chunk's gzip size is taken to be its
//! share of the chunk's raw bytes (`package raw × chunk gzip / chunk raw`). Deflate compresses
//! code from different sources at different ratios, so this is a proportional estimate, not a
//! measurement; raw bytes are exact.

pub use crate::model::composition::{Composition, PackageShare, SourceShare};

use crate::analyze::Facts;
use std::collections::HashMap;

use crate::analyze::sourcemap::{Attribution, package_of, path_in_package};
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

pub fn of(asset: &Asset) -> Option<Composition> {
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
        match package_of(&source.source) {
            Some(package) => sources_by_copy
                .entry(package.copy.clone())
                .or_default()
                .push(SourceShare {
                    path: path_in_package(&source.source, &package),
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
        packages.push(PackageShare {
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
