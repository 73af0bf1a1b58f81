use super::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::analyze::Facts;
use crate::analyze::sourcemap::package_of;
use crate::glob::PathPattern;
use crate::knowledge::{PackageInfo, ProblemKind};
use crate::model::finding::Violation;
use crate::size::human;

/// A barrel counts as bundled whole when at least this share of its modules is in the bundle.
pub const BARREL_SHARE: f64 = 0.5;

declare_rule! {
    /// ## What it does
    /// Looks inside built bundles, through their source maps, for known libraries shipped in
    /// their monolithic form: lodash's `lodash.js`, moment (whose `moment.js` is one CommonJS
    /// module) and its `locale/*` files or `min/locales`, full `core-js`, a CommonJS or UMD
    /// build of an icon set, or most of a barrel's modules (at least half of the modules the
    /// knowledge base counts for it, e.g. 1,046 of lucide-react's 2,092 icons). It reports the
    /// bundle, the package's bytes in it (raw, exact; gzip, estimated as the package's share of
    /// the bundle's raw bytes) and the replacement.
    ///
    /// Bundles without a source map are searched for signatures: strings that survive
    /// minification (error messages, version banners). Such findings say they are lower
    /// confidence and give the library's typical size instead of measured bytes. Barrels are not
    /// judged by signature, since a few icons carry the same strings as the whole set.
    ///
    /// ## Why is this bad?
    /// This is what users actually download: a whole library where the app uses a few
    /// functions. It is the most common reason a bundle blows its budget.
    ///
    /// ## How to fix it
    /// Change the import that pulls the whole library in (see
    /// `tree-shaking/whole-library-import`, which points at the line when run on your sources),
    /// or replace the library as the finding suggests. For moment's locales, import only the
    /// ones you need, or ignore the others in your bundler (`IgnorePlugin` in webpack); better,
    /// move to dayjs, date-fns or `Intl.DateTimeFormat`.
    ///
    /// ## Options
    /// `[[knowledge.package]]` in webaudit.toml (`bundled_module_paths`, `barrel_module_glob`,
    /// `barrel_module_count`, `signatures`).
    WholeLibraryBundled {
        id: "tree-shaking/whole-library-bundled",
        summary: "A known library bundled whole (seen through source maps, or by signature without one)",
        severity: Warning,
    }
}

fn patterns(list: &[String]) -> Vec<PathPattern> {
    list.iter()
        .filter_map(|p| PathPattern::new(p).ok())
        .collect()
}

/// Why the modules of one package copy amount to the whole library, if they do.
fn whole_form(package: &PackageInfo, modules: &[&str]) -> Option<String> {
    let monolith = patterns(&package.bundled_module_paths);
    let matched: Vec<&str> = modules
        .iter()
        .copied()
        .filter(|m| monolith.iter().any(|p| p.matches(m)))
        .collect();
    let barrel = (!package.barrel_module_glob.is_empty() && package.barrel_module_count > 0)
        .then(|| PathPattern::new(&package.barrel_module_glob).ok())
        .flatten();
    let barrel_modules = barrel
        .as_ref()
        .map_or(0, |glob| modules.iter().filter(|m| glob.matches(m)).count());
    let locales = modules.iter().filter(|m| m.contains("locale")).count();
    if package.kind == ProblemKind::Barrel {
        if let Some(glob) = &barrel {
            let share = barrel_modules as f64 / package.barrel_module_count as f64;
            if share >= BARREL_SHARE {
                return Some(format!(
                    "{barrel_modules} of its {} modules ({}) are bundled",
                    package.barrel_module_count, glob.pattern
                ));
            }
        }
        return matched
            .first()
            .map(|m| format!("its all-in-one module {m} is bundled"));
    }
    if matched.is_empty() {
        return None;
    }
    let mut reason = format!(
        "{} is bundled",
        matched[..matched.len().min(2)].join(" and ")
    );
    if matched.len() > 2 {
        reason.push_str(&format!(
            " (and {} more of its whole-library files)",
            matched.len() - 2
        ));
    }
    if package.kind == ProblemKind::LocaleBloat && locales > 1 {
        reason.push_str(&format!(", with {locales} locale modules"));
    }
    Some(reason)
}

impl Rule for WholeLibraryBundled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &RuleContext, found: &mut Vec<Violation>) {
        for asset in context.assets {
            if let (Some(composition), Some(attribution)) =
                (&asset.composition, crate::composition::attribution(asset))
            {
                for share in &composition.packages {
                    let Some(package) = context.knowledge.get(&share.name) else {
                        continue;
                    };
                    let prefix = format!("{}/", share.copy);
                    let sources: Vec<&str> = attribution
                        .sources
                        .iter()
                        .filter(|s| package_of(&s.source).is_some_and(|p| p.copy == share.copy))
                        .map(|s| s.source.as_str())
                        .collect();
                    let modules: Vec<&str> = sources
                        .iter()
                        .filter_map(|s| s.rsplit_once(prefix.as_str()).map(|(_, module)| module))
                        .collect();
                    let Some(reason) = whole_form(package, &modules) else {
                        continue;
                    };
                    let gzip = share
                        .gzip_estimate
                        .map(|g| format!(", ~{} gzip (estimated)", human(g)))
                        .unwrap_or_default();
                    found.push(Violation {
                        path: Some(asset.path.clone()),
                        message: format!(
                            "{} is bundled whole: {reason}; it costs {} raw{gzip} in this bundle. {}",
                            package.name,
                            human(share.raw),
                            package.replacement
                        ),
                        actual: Some(share.raw),
                        saving: share.gzip_estimate,
                        // Sources are sorted by bytes: the package's largest module.
                        source_hint: sources.first().map(|s| s.to_string()),
                        ..Violation::default()
                    });
                }
                continue;
            }
            let Facts::Script(script) = &asset.facts else {
                continue;
            };
            for hit in &script.signatures {
                let Some(package) = context.knowledge.get(&hit.package) else {
                    continue;
                };
                found.push(Violation {
                    path: Some(asset.path.clone()),
                    message: format!(
                        "lower confidence (no source map): {} appears to be bundled whole, recognised by {}; typically {} gzip. {}",
                        package.name,
                        hit.signatures.iter().map(|s| format!("{s:?}")).collect::<Vec<_>>().join(" and "),
                        human(package.typical_gzip_bytes),
                        package.replacement
                    ),
                    saving: Some(package.typical_gzip_bytes),
                    ..Violation::default()
                });
            }
        }
    }
}
