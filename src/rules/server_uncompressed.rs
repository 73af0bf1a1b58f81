use super::compression_missing::{MIN_SAVING_BYTES, MIN_SAVING_RATIO};
use super::{Rule, RuleContext, RuleMeta, answered, declare_rule};
use crate::model::finding::Violation;
use crate::size::human;

declare_rule! {
    /// ## What it does
    /// `webaudit check-url` only. Reports compressible assets (HTML, JavaScript, CSS, SVG,
    /// JSON, XML, text, WebAssembly, ICO, TTF/OTF/EOT fonts) that the server sends without a
    /// `Content-Encoding` (or with `identity`) although the request said
    /// `Accept-Encoding: br, gzip`, when gzip would save at least 1,400 bytes and at least 10%
    /// of the file — the thresholds of Lighthouse's "Enable text compression", applied to the
    /// gzip size webaudit measures for the file. The saving reported is that gzip saving.
    ///
    /// Unlike `compression/missing`, which looks for `.gz`/`.br` files in the folder, this is
    /// what the real server does, whether it compresses on the fly or serves precompressed
    /// files.
    ///
    /// ## Why is this bad?
    /// Text compresses to a third or less of its size; sent uncompressed, every visitor
    /// downloads the difference.
    ///
    /// ## How to fix it
    /// Enable compression on the server or CDN: nginx `gzip on; gzip_types …;` (or
    /// `gzip_static on` / `brotli_static on` with precompressed files), Apache `mod_deflate`,
    /// Caddy `encode zstd gzip`. Check that the file's `Content-Type` is in the server's list
    /// of compressible types.
    ///
    /// ## Options
    /// None.
    ServerUncompressed {
        id: "server/uncompressed",
        summary: "The live server sends a compressible asset without gzip or brotli",
        severity: Warning,
    }
}

impl Rule for ServerUncompressed {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &RuleContext, found: &mut Vec<Violation>) {
        for (asset, response) in answered(context) {
            let Ok(answer) = &response.outcome else {
                continue;
            };
            if !(200..300).contains(&answer.status) || !asset.format.compressible() {
                continue;
            }
            let encoded = answer.content_encoding.as_deref().is_some_and(|e| {
                !e.trim().is_empty() && !e.trim().eq_ignore_ascii_case("identity")
            });
            if encoded {
                continue;
            }
            let Some(gzip) = asset.gzip else { continue };
            let saving = asset.raw.saturating_sub(gzip);
            if saving < MIN_SAVING_BYTES || (saving as f64) < MIN_SAVING_RATIO * asset.raw as f64 {
                continue;
            }
            found.push(Violation {
                path: Some(asset.path.clone()),
                message: format!(
                    "{} is served without Content-Encoding although the request accepts br and gzip; gzip would save {} ({:.0}% of {})",
                    response.url,
                    human(saving),
                    saving as f64 * 100.0 / asset.raw as f64,
                    human(asset.raw)
                ),
                actual: Some(asset.raw),
                saving: Some(saving),
                ..Violation::default()
            });
        }
    }
}
