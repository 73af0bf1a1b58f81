use super::image_refs::{image_files, img_uses, kib, place_of};
use super::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::imaging::ImageFormat;
use crate::model::finding::Violation;

/// Animated GIFs larger than this are reported (Lighthouse's efficient-animated-content
/// audit uses the same 100 KiB).
pub const MAX_ANIMATED_GIF: u64 = 100 * 1024;

declare_rule! {
    /// ## What it does
    /// Reports animated GIFs (more than one frame, read from the file's blocks) larger than
    /// 100 KiB, the threshold of Lighthouse's "Use video formats for animated content". The
    /// finding is placed at the first `<img>` that shows the GIF, or on the file.
    ///
    /// ## Why is this bad?
    /// GIF compresses each frame on its own with a 256-colour palette; a video codec stores
    /// only what changes between frames. The same animation as MP4 (H.264) or WebM (VP9/AV1)
    /// is usually many times smaller and decodes with less CPU.
    ///
    /// ## How to fix it
    /// Convert it, for example with ffmpeg
    /// (`ffmpeg -i anim.gif -movflags +faststart -pix_fmt yuv420p anim.mp4`), and show it as a
    /// silent looping video:
    ///
    /// ```html
    /// <video autoplay loop muted playsinline width="480" height="360">
    ///   <source src="anim.webm" type="video/webm">
    ///   <source src="anim.mp4" type="video/mp4">
    /// </video>
    /// ```
    ///
    /// An animated WebP (`<img>` stays an `<img>`) is the alternative when a video element is
    /// not possible.
    ///
    /// ## Options
    /// None.
    ImagesAnimatedGif {
        id: "images/animated-gif",
        summary: "animated GIF over 100 KiB: a video is much smaller",
        severity: Warning,
    }
}

impl Rule for ImagesAnimatedGif {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &RuleContext, found: &mut Vec<Violation>) {
        let uses = img_uses(context);
        for (path, image) in image_files(context) {
            let Some(header) = image.facts.header else {
                continue;
            };
            let raw = image.asset.raw;
            if header.format != ImageFormat::Gif || !header.animated || raw <= MAX_ANIMATED_GIF {
                continue;
            }
            let Some(place) = place_of(path, &uses, |_| true) else {
                continue;
            };
            found.push(Violation {
                path: Some(place.path.clone()),
                line: place.line,
                column: place.column,
                message: format!(
                    "{path} is an animated GIF of {} ({}×{}): as a looping MP4/WebM <video> it would be many times smaller{}",
                    kib(raw),
                    header.width,
                    header.height,
                    place.others_note()
                ),
                actual: Some(raw),
                limit: Some(MAX_ANIMATED_GIF),
                ..Violation::default()
            });
        }
    }
}
