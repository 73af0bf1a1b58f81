use super::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::config::Served;
use crate::model::finding::Violation;
use crate::model::fix::{Applicability, Fix};
use crate::size::human;

/// Lighthouse's thresholds for "Enable text compression": a saving worth reporting must be at
/// least 1,400 bytes (about one TCP packet) and at least 10% of the file.
pub const MIN_SAVING_BYTES: u64 = 1_400;
pub const MIN_SAVING_RATIO: f64 = 0.10;

declare_rule! {
    /// ## What it does
    /// Reports compressible assets — HTML, JavaScript, CSS, SVG, JSON, XML, text, WebAssembly,
    /// ICO, TTF/OTF/EOT fonts — that have no precompressed `.br` or `.gz` copy next to them,
    /// when gzip would save at least 1,400 bytes and at least 10% of the file (the thresholds of
    /// Lighthouse's "Enable text compression" audit). The saving reported is the gzip saving.
    ///
    /// By default webaudit expects a static host that serves precompressed files (nginx
    /// `gzip_static` / `brotli_static`, many CDNs, `serve`, Caddy's `precompressed`). If your host
    /// compresses responses on the fly (Netlify, Vercel, Cloudflare, nginx `gzip on`), set
    /// `[compression] served = "dynamic"` and this rule reports nothing; `webaudit check-url` is
    /// the way to verify what a live server really sends.
    ///
    /// ## Why is this bad?
    /// Text compresses to a third or less of its size. Shipping it uncompressed multiplies the
    /// bytes every visitor downloads, and compressing on the fly at request time either costs
    /// CPU on every request or, at the low levels servers use, loses 10–20% against brotli 11.
    ///
    /// ## How to fix it
    /// `webaudit compress FILE` (the finding's fix; or a whole `DIR`) writes the missing `.gz`
    /// (zlib level 9, or `--zopfli`) and `.br` (quality 11) copies, safely and only where they
    /// save at least 10%.
    /// Or precompress at build time with gzip -9 and brotli -11 (e.g. `vite-plugin-compression`,
    /// `compression-webpack-plugin`, or `gzip -9 -k` and `brotli -k -q 11` over the output
    /// folder), and enable serving them (`gzip_static on; brotli_static on;` in nginx).
    ///
    /// ## Options
    /// `[compression] served = "precompressed"` (default) or `"dynamic"`.
    CompressionMissing {
        id: "compression/missing",
        summary: "A compressible asset shipped without a .br or .gz copy (when the host serves precompressed files)",
        severity: Warning,
    }
}

impl Rule for CompressionMissing {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &RuleContext, found: &mut Vec<Violation>) {
        if context.config.served == Served::Dynamic {
            return;
        }
        for asset in context
            .assets
            .iter()
            .filter(|a| a.counted() && a.format.compressible())
        {
            let Some(gzip) = asset.gzip else { continue };
            let saving = asset.raw.saturating_sub(gzip);
            if saving < MIN_SAVING_BYTES || (saving as f64) < MIN_SAVING_RATIO * asset.raw as f64 {
                continue;
            }
            let precompressed = asset
                .variants
                .iter()
                .any(|v| v.ends_with(".gz") || v.ends_with(".br"));
            if precompressed {
                continue;
            }
            found.push(Violation {
                path: Some(asset.path.clone()),
                message: format!(
                    "has no precompressed .br or .gz copy; gzip saves {} ({:.0}% of {}). webaudit expects precompressed files; set `[compression] served = \"dynamic\"` if your host compresses on the fly",
                    human(saving),
                    saving as f64 * 100.0 / asset.raw as f64,
                    human(asset.raw)
                ),
                actual: Some(asset.raw),
                saving: Some(saving),
                fix: Some(Fix::command(
                    format!(
                        "webaudit compress {}",
                        super::fix_path(context.root, &asset.path)
                    ),
                    Applicability::Safe,
                    format!(
                        "writes {path}.gz and {path}.br beside it: lossless copies, the file itself is not changed",
                        path = asset.path
                    ),
                    vec![asset.path.clone()],
                    vec![format!("{}.gz", asset.path), format!("{}.br", asset.path)],
                )),
                ..Violation::default()
            });
        }
    }
}
