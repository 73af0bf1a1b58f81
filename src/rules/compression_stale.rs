use std::collections::HashMap;

use super::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::analyze::Facts;
use crate::kind::AssetKind;
use crate::model::finding::Violation;

declare_rule! {
    /// ## What it does
    /// Decodes every precompressed `.gz` and `.br` file and compares it with the file it claims
    /// to encode (`app.js.gz` with `app.js`). Reports copies that decode to different content (a
    /// stale build artefact), copies that cannot be decoded, and copies whose original is gone.
    ///
    /// ## Why is this bad?
    /// A server configured to serve precompressed files sends `app.js.gz` instead of `app.js` to
    /// every browser that accepts gzip. A stale copy ships old code to most visitors while the
    /// uncompressed file (what you test with curl) looks right; an undecodable one breaks the
    /// page. An orphaned copy is served for a URL that no longer exists in the build.
    ///
    /// ## How to fix it
    /// Regenerate precompressed files as the last step of every build (after any step that
    /// changes the output), delete the output folder before building, and remove `.gz`/`.br`
    /// files whose original is gone.
    ///
    /// ## Options
    /// None.
    CompressionStale {
        id: "compression/stale",
        summary: "A .gz or .br copy that does not match its original, cannot be decoded, or has no original",
        severity: Error,
    }
}

impl Rule for CompressionStale {
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
            let Facts::Precompressed(decoded) = &variant.facts else {
                continue;
            };
            let message = match (&variant.original, &decoded.hash, &decoded.error) {
                (_, _, Some(error)) => error.clone(),
                (None, _, None) => {
                    let stem = variant.path.rsplit_once('.').map_or("", |(stem, _)| stem);
                    format!(
                        "its original {stem} is not in the folder: a leftover of an earlier build"
                    )
                }
                (Some(original), Some(hash), None) => match by_path.get(original.as_str()) {
                    Some(asset) if asset.content_hash != *hash => format!(
                        "does not decode to {original}: it holds {} bytes of other content (a stale build artefact), while {original} has {}",
                        decoded.size, asset.raw
                    ),
                    _ => continue,
                },
                (Some(_), None, None) => continue,
            };
            found.push(Violation {
                path: Some(variant.path.clone()),
                message,
                ..Violation::default()
            });
        }
    }
}
