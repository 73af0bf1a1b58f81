use super::image_refs::{image_files, img_uses, kib, place_of};
use super::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::analyze::image::OptimizeMethod;
use crate::model::finding::Violation;

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
    /// `webaudit optimize` rewrites the files in place (PNG losslessly with oxipng, verified
    /// pixel for pixel), or run `oxipng -o 2 --strip safe` and `jpegtran -optimize -copy none`
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
                fix: Some(super::fix_command(
                    match optimized.method {
                        OptimizeMethod::Oxipng => "webaudit optimize",
                        OptimizeMethod::JpegQuality => "webaudit optimize --lossy",
                    },
                    context.root,
                )),
                ..Violation::default()
            });
        }
    }
}
