use super::image_refs::{image_files, img_uses, kib, modern_source_offered, place_of};
use super::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::analyze::image::{AVIF_TO_WEBP_RATIO, WEBP_QUALITY, is_reencoded};
use crate::model::finding::Violation;

/// Smallest saving worth a finding.
pub const MIN_SAVING: u64 = 8 * 1024;

declare_rule! {
    /// ## What it does
    /// Reports JPEG, PNG and static GIF images that would be at least 8 KiB smaller as lossy
    /// WebP, unless every `<img>` showing them is the fallback of a `<picture>` that offers a
    /// WebP or AVIF `<source>`.
    ///
    /// The WebP size is not a guess: each image is decoded and encoded with libwebp (the
    /// encoder of `cwebp`) at quality 80 with libwebp's default settings — the bytes
    /// `cwebp -q 80` writes. 80 is sharp's default WebP quality, the usual setting of build
    /// pipelines and image CDNs, and shows no visible difference on photos. The AVIF size is
    /// shown too: encoded (ravif, quality 80, speed 6) with `--avif`, otherwise estimated from
    /// the WebP size and labelled "estimated" (AVIF encoding is 10–50× slower than WebP; the
    /// ratio used is the median measured on the benchmark image corpus, see benches/README.md).
    ///
    /// The finding is placed at the first `<img>` that shows the image without a modern
    /// alternative, or on the image file when no page shows it (a CSS background, a script).
    ///
    /// ## Why is this bad?
    /// WebP is typically 25–35% smaller than JPEG at the same visual quality, and photos stored
    /// as PNG are often 5–10× larger than needed. Every browser in use supports WebP
    /// (since 2020 with Safari 14); AVIF is smaller still.
    ///
    /// ## How to fix it
    /// `webaudit optimize --webp` writes a WebP next to each image. Serve it directly, or
    /// keep the original as a fallback:
    ///
    /// ```html
    /// <picture>
    ///   <source type="image/webp" srcset="photo.webp">
    ///   <img src="photo.jpg" width="1280" height="800" alt="…">
    /// </picture>
    /// ```
    ///
    /// ## Options
    /// `--avif` measures the AVIF size by encoding it.
    ImagesModernFormat {
        id: "images/modern-format",
        summary: "JPEG/PNG/GIF that is much smaller as WebP (actually encoded) and not offered as WebP/AVIF",
        severity: Warning,
    }
}

impl Rule for ImagesModernFormat {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &RuleContext, found: &mut Vec<Violation>) {
        let uses = img_uses(context);
        for (path, image) in image_files(context) {
            let (Some(header), Some(webp)) = (image.facts.header, image.facts.webp) else {
                continue;
            };
            let raw = image.asset.raw;
            if !is_reencoded(&header) || raw < webp + MIN_SAVING {
                continue;
            }
            let Some(place) = place_of(path, &uses, |u| !modern_source_offered(u.html, u.tag))
            else {
                continue;
            };
            let saving = raw - webp;
            let avif = match image.facts.avif {
                Some(avif) if avif.estimated => format!(
                    "; as AVIF about {} (estimated: {:.2} × the WebP size; --avif measures it)",
                    kib(avif.bytes),
                    AVIF_TO_WEBP_RATIO
                ),
                Some(avif) => format!("; as AVIF {} (encoded)", kib(avif.bytes)),
                None => String::new(),
            };
            found.push(Violation {
                path: Some(place.path.clone()),
                line: place.line,
                column: place.column,
                message: format!(
                    "{path} ({}, {}) is {} as WebP (quality {WEBP_QUALITY}, encoded): {} ({}%) smaller{avif}{}",
                    header.format.name(),
                    kib(raw),
                    kib(webp),
                    kib(saving),
                    saving * 100 / raw.max(1),
                    place.others_note()
                ),
                actual: Some(raw),
                saving: Some(saving),
                fix: Some(super::fix_command("webaudit optimize --webp", context.root)),
                ..Violation::default()
            });
        }
    }
}
