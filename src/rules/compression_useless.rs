use foldhash::HashMap;

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

#[cfg(test)]
mod tests {
    use crate::rules::tester::{Folder, brotli_encode};

    const RULE: &str = "compression/useless";

    const STYLES: &str = ":root{--brand:#4f46e5}body{margin:0;font-family:Inter,system-ui,sans-serif}.btn{padding:.5rem 1rem;border-radius:.375rem;background:var(--brand);color:#fff}.btn:hover{filter:brightness(1.1)}.card{padding:1rem;border-radius:.5rem;box-shadow:0 1px 3px #0002}";

    fn brotli(bytes: &[u8]) -> Vec<u8> {
        brotli_encode(bytes)
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn passes_for_smaller_copies_of_text() {
        Folder::new()
            .file("assets/index-C8mN2vQa.css", STYLES)
            .gzip("assets/index-C8mN2vQa.css.gz", STYLES)
            .file("assets/index-C8mN2vQa.css.br", brotli(STYLES.as_bytes()))
            .passes(RULE);
    }

    #[test]
    fn passes_for_copies_without_an_original() {
        // compression/stale reports those.
        Folder::new()
            .gzip("assets/index-D7fafypN.js.gz", "console.log(1)")
            .passes(RULE);
    }

    #[test]
    fn passes_for_compressed_downloads() {
        Folder::new()
            .gzip("downloads/release-2.4.0.tar.gz", b"press-kit/logo.svg\0")
            .passes(RULE);
    }

    #[test]
    fn finds_a_gzip_copy_of_a_jpeg() {
        let photo = Folder::new().jpeg("team.jpg", 120, 80);
        let bytes = photo.prepared(|_, root| std::fs::read(root.join("team.jpg")).unwrap());
        let folder = Folder::new()
            .file("assets/team-Cq81Lm.jpg", &bytes)
            .file("assets/team-Cq81Lm.jpg.gz", gzip(&bytes));
        assert_eq!(
            folder.findings(RULE),
            [
                "assets/team-Cq81Lm.jpg.gz:-:-: compresses assets/team-Cq81Lm.jpg (image), a format that is already compressed: 3.86 kB against 4.39 kB"
            ]
        );
        let finding = &folder.findings_of(RULE)[0];
        assert_eq!(finding.severity, crate::model::finding::Severity::Warning);
        assert_eq!(finding.limit, Some(bytes.len() as u64));
    }

    #[test]
    fn finds_brotli_copies_of_a_png_and_a_woff2_font() {
        let icon = Folder::new().png("icon.png", 32, 32);
        let png = icon.prepared(|_, root| std::fs::read(root.join("icon.png")).unwrap());
        // A WOFF2 header and brotli-compressed font tables: noise to a compressor.
        let mut state = 0x2545_f491_u32;
        let font: Vec<u8> = b"wOF2\0\x01\0\0"
            .iter()
            .copied()
            .chain((0..600).map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                state as u8
            }))
            .collect();
        let folder = Folder::new()
            .file("assets/icon-Bq2xL.png", &png)
            .file("assets/icon-Bq2xL.png.br", brotli(&png))
            .file("assets/inter-400-Dk31a.woff2", &font)
            .file("assets/inter-400-Dk31a.woff2.br", brotli(&font));
        assert_eq!(
            folder.findings(RULE),
            [
                "assets/icon-Bq2xL.png.br:-:-: compresses assets/icon-Bq2xL.png (image), a format that is already compressed: 2.60 kB against 2.61 kB",
                "assets/inter-400-Dk31a.woff2.br:-:-: compresses assets/inter-400-Dk31a.woff2 (font), a format that is already compressed: 612 B against 608 B"
            ]
        );
    }

    #[test]
    fn finds_copies_of_tiny_text_that_are_not_smaller() {
        let folder = Folder::new()
            .file("robots.txt", "User-agent: *\nAllow: /\n")
            .gzip("robots.txt.gz", "User-agent: *\nAllow: /\n")
            .file("assets/empty-Cx2.css", "")
            .file("assets/empty-Cx2.css.br", brotli(b""));
        assert_eq!(
            folder.findings(RULE),
            [
                "assets/empty-Cx2.css.br:-:-: is not smaller than assets/empty-Cx2.css: 1 B against 0 B",
                "robots.txt.gz:-:-: is not smaller than robots.txt: 43 B against 23 B"
            ]
        );
    }
}
