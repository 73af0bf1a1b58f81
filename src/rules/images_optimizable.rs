use super::image_refs::{image_files, img_uses, kib, optimizer_rewrites, place_of, saving_option};
use super::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::analyze::image::OptimizeMethod;
use crate::imaging::ImageHeader;
use crate::model::finding::Violation;
use crate::model::fix::{Applicability, Fix};

/// Smallest saving worth a finding: Lighthouse's uses-optimized-images threshold.
pub const MIN_SAVING: u64 = 4 * 1024;

declare_rule! {
    /// ## What it does
    /// Reports JPEG and PNG images that can be made at least 4 KiB smaller in the same format:
    ///
    /// * PNG: recompressed with oxipng at preset 2 (oxipng's default; fast) with metadata that
    ///   does not affect display stripped (`--strip safe`: colour profiles are kept). This is
    ///   lossless: the pixels stay exactly the same.
    /// * JPEG: re-encoded at quality 85, which is how Lighthouse's uses-optimized-images audit
    ///   measures JPEGs (with the same 4 KiB threshold). This is lossy: a JPEG saved at a
    ///   high quality (90–100) shrinks a lot, one already at 85 or below is not reported
    ///   (re-encoding it makes it larger).
    ///
    /// The sizes are measured by running the encoders on the image, not estimated. The finding
    /// is placed at the first `<img>` that shows the image, or on the file when no page does.
    ///
    /// ## Why is this bad?
    /// The extra bytes are sent to every visitor and bring nothing: PNG exporters rarely
    /// compress well and often embed metadata (EXIF, XMP, timestamps, thumbnails); cameras and
    /// editors save JPEGs at qualities well above what a web page needs.
    ///
    /// ## How to fix it
    /// `webaudit optimize FILE` rewrites the image in place (PNG losslessly with oxipng, verified
    /// pixel for pixel; JPEG with `--lossy`), or run `oxipng -o 2 --strip safe` and `jpegtran -optimize -copy none`
    /// / your image pipeline's JPEG quality setting in the build.
    ///
    /// ## Options
    /// None.
    ImagesOptimizable {
        id: "images/optimizable",
        summary: "JPEG/PNG with savings from recompression (oxipng, JPEG quality 85)",
        severity: Warning,
    }
}

impl Rule for ImagesOptimizable {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &RuleContext, found: &mut Vec<Violation>) {
        let uses = img_uses(context);
        for (path, image) in image_files(context) {
            let (Some(header), Some(optimized)) = (image.facts.header, image.facts.optimized)
            else {
                continue;
            };
            let raw = image.asset.raw;
            if raw < optimized.bytes + MIN_SAVING {
                continue;
            }
            let Some(place) = place_of(path, &uses, |_| true) else {
                continue;
            };
            let saving = raw - optimized.bytes;
            let how = match optimized.method {
                OptimizeMethod::Oxipng => {
                    "losslessly recompressed (oxipng preset 2, metadata stripped safely)"
                }
                OptimizeMethod::JpegQuality => {
                    "re-encoded at JPEG quality 85 (as Lighthouse measures it)"
                }
            };
            found.push(Violation {
                path: Some(place.path.clone()),
                line: place.line,
                column: place.column,
                message: format!(
                    "{path} ({}, {}) {how} is {}: {} ({}%) smaller{}",
                    header.format.name(),
                    kib(raw),
                    kib(optimized.bytes),
                    kib(saving),
                    saving * 100 / raw.max(1),
                    place.others_note()
                ),
                actual: Some(raw),
                saving: Some(saving),
                fix: Some(fix(context, path, &header, raw, saving, optimized.method)),
                ..Violation::default()
            });
        }
    }
}

/// `webaudit optimize` on this one image: lossless for a PNG, `--lossy` for a JPEG.
fn fix(
    context: &RuleContext,
    path: &str,
    header: &ImageHeader,
    raw: u64,
    saving: u64,
    method: OptimizeMethod,
) -> Fix {
    let file = super::fix_path(context.root, path);
    let threshold = saving_option(raw, saving);
    if !optimizer_rewrites(path, header) {
        let how = match method {
            OptimizeMethod::Oxipng => (
                "recompress",
                "with `oxipng -o 2 --strip safe` (lossless)",
                Applicability::Safe,
            ),
            OptimizeMethod::JpegQuality => (
                "re-encode",
                "at JPEG quality 85 (lossy)",
                Applicability::Unsafe,
            ),
        };
        return Fix::manual(
            how.2,
            format!(
                "{} {path} {} with your image tools: `webaudit optimize` takes only still images named .png, .jpg or .jpeg",
                how.0, how.1
            ),
            vec![path.to_string()],
            vec![path.to_string()],
        );
    }
    match method {
        OptimizeMethod::Oxipng => Fix::command(
            format!("webaudit optimize {threshold}{file}"),
            Applicability::Safe,
            format!(
                "recompresses {path} in place with oxipng: the pixels stay the same (compared before the file is replaced); metadata that does not affect display is dropped"
            ),
            vec![path.to_string()],
            vec![path.to_string()],
        ),
        OptimizeMethod::JpegQuality => Fix::command(
            format!("webaudit optimize --lossy {threshold}{file}"),
            Applicability::Unsafe,
            format!("re-encodes {path} in place at JPEG quality 85 (lossy)"),
            vec![path.to_string()],
            vec![path.to_string()],
        ),
    }
}
