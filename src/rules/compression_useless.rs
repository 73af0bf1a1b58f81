use std::collections::HashMap;

use super::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::kind::AssetKind;
use crate::model::finding::Violation;
use crate::size::human;

declare_rule! {
    /// ## What it does
    /// Reports precompressed `.gz`/`.br` copies that cannot help: copies of formats that are
    /// already compressed (PNG, JPEG, WebP, AVIF, WOFF2, video…), and copies that are not smaller
    /// than their original.
    ///
    /// ## Why is this bad?
    /// They cost build time and storage, and a server that prefers them sends a file no smaller
    /// (often slightly larger) than the original, wrapped in an encoding the browser must undo.
    ///
    /// ## How to fix it
    /// Precompress only text formats and only when the result is smaller (most build plugins
    /// have a file filter and a minimum ratio), and delete the useless copies.
    ///
    /// ## Options
    /// None.
    CompressionUseless {
        id: "compression/useless",
        summary: "A .gz or .br copy of an already-compressed format, or one not smaller than its original",
        severity: Warning,
    }
}

impl Rule for CompressionUseless {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &RuleContext, found: &mut Vec<Violation>) {
        let by_path: HashMap<&str, &crate::measure::Asset> = context
            .assets
            .iter()
            .map(|a| (a.path.as_str(), a))
            .collect();
        for variant in context
            .assets
            .iter()
            .filter(|a| a.kind == AssetKind::Precompressed)
        {
            let Some(original) = variant.original.as_deref().and_then(|p| by_path.get(p)) else {
                continue;
            };
            let message = if !original.format.compressible() {
                format!(
                    "compresses {} ({}), a format that is already compressed: {} against {}",
                    original.path,
                    original.kind.name(),
                    human(variant.raw),
                    human(original.raw)
                )
            } else if variant.raw >= original.raw {
                format!(
                    "is not smaller than {}: {} against {}",
                    original.path,
                    human(variant.raw),
                    human(original.raw)
                )
            } else {
                continue;
            };
            found.push(Violation {
                path: Some(variant.path.clone()),
                message,
                actual: Some(variant.raw),
                limit: Some(original.raw),
                ..Violation::default()
            });
        }
    }
}
