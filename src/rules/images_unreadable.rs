use super::image_refs::image_files;
use super::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::model::finding::Violation;

declare_rule! {
    /// ## What it does
    /// Reports image files (PNG, JPEG, GIF, WebP, AVIF) that webaudit cannot read or decode: a
    /// broken header, corrupt compressed data, a file cut short, or a header declaring more
    /// pixels than webaudit decodes (40 megapixels, or more than 512 MiB to decode). The message
    /// names the file and the problem. Such images are left out of the size rules
    /// (`images/modern-format`, `images/optimizable`); their header, when it could be read,
    /// still serves `images/oversized`. AVIF files are checked from their header only (no AVIF
    /// decoder is built in).
    ///
    /// ## Why is this bad?
    /// A corrupt or truncated image shows as a broken icon or a half-grey picture, usually
    /// because an upload or a build step was interrupted. An image declaring tens of thousands
    /// of pixels per side costs every visitor's browser gigabytes of memory to decode, or is a
    /// decompression bomb.
    ///
    /// ## How to fix it
    /// Re-export or re-copy the image from its source, and check that the build step that
    /// produced it completed. Scale images meant for the web to the size they are shown at.
    ///
    /// ## Options
    /// None.
    ImagesUnreadable {
        id: "images/unreadable",
        summary: "image that cannot be decoded: corrupt, truncated, or too many pixels",
        severity: Warning,
    }
}

impl Rule for ImagesUnreadable {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &RuleContext, found: &mut Vec<Violation>) {
        // The problem is in the file, so the finding is on the file, wherever it is shown.
        for (path, image) in image_files(context) {
            if let Some(problem) = &image.facts.problem {
                found.push(Violation {
                    path: Some(path.to_string()),
                    message: format!("{path}: {problem}"),
                    ..Violation::default()
                });
            }
        }
    }
}
