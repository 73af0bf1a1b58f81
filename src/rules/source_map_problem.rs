use super::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::analyze::{Facts, MapLink};
use crate::model::finding::Violation;

declare_rule! {
    /// ## What it does
    /// Reports source maps that webaudit could not use to attribute a bundle's bytes: a
    /// `sourceMappingURL` naming a missing file or a place outside the audited folder, a map that
    /// is not a version-3 source map, and maps that do not match their bundle (mappings past the
    /// end of the file or of a line, bad source indexes, broken encoding). webaudit never reads
    /// the original sources a map names, so a map pointing outside the folder is only a name.
    ///
    /// ## Why is this bad?
    /// A broken or stale map hides what a bundle is made of (the tree-shaking and duplicate
    /// checks see nothing) and misleads every tool that uses it: error trackers, browser dev
    /// tools, bundle analysers. A mismatched map usually means the bundle was changed after the
    /// map was written (a second minifier, a banner added by hand).
    ///
    /// ## How to fix it
    /// Generate maps in the last step that changes the bundle, deploy them together, and keep
    /// the `sourceMappingURL` comment relative (`//# sourceMappingURL=index-3f2a.js.map`). If
    /// maps are deliberately not deployed, remove the comment too (Vite: `build.sourcemap:
    /// 'hidden'`).
    ///
    /// ## Options
    /// None.
    SourceMapProblem {
        id: "bundle/source-map",
        summary: "A source map that is missing, unreadable, invalid or does not match its bundle",
        severity: Warning,
    }
}

fn map_of(facts: &Facts) -> Option<&MapLink> {
    match facts {
        Facts::Script(script) => script.map.as_ref(),
        Facts::Stylesheet(style) => style.map.as_ref(),
        _ => None,
    }
}

impl Rule for SourceMapProblem {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &RuleContext, found: &mut Vec<Violation>) {
        for asset in context.assets {
            let Some(link) = map_of(&asset.facts) else {
                continue;
            };
            let map = link.path.as_deref().unwrap_or("inline map");
            match &link.attribution {
                // The reason names the map (or says it is inline / outside the folder).
                Err(why) => found.push(Violation {
                    path: Some(asset.path.clone()),
                    message: format!("source map not used: {why}"),
                    ..Violation::default()
                }),
                Ok(attribution) if !attribution.warnings.is_empty() => found.push(Violation {
                    path: Some(asset.path.clone()),
                    message: format!(
                        "source map {map} does not match this file: {}",
                        attribution.warnings.join("; ")
                    ),
                    ..Violation::default()
                }),
                Ok(_) => {}
            }
        }
    }
}
