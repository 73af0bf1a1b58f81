use super::image_refs::{image_files, img_uses, kib, modern_source_offered, place_of};
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
    /// finding is placed at the first `<img>` that shows the GIF, or on the file. A GIF shown
    /// only as the fallback of a `<picture>` that offers a WebP or AVIF `<source>` is not
    /// reported: browsers load the modern source. GIFs that nothing in the folder uses are left
    /// out, with one note listing them.
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
            // An image nothing in the folder uses costs no visitor anything known.
            if context.site.unreferenced_images.contains(path) {
                continue;
            }
            let Some(header) = image.facts.header else {
                continue;
            };
            let raw = image.asset.raw;
            if header.format != ImageFormat::Gif || !header.animated || raw <= MAX_ANIMATED_GIF {
                continue;
            }
            // Where a <picture> already offers a WebP or AVIF source, browsers take that one.
            let Some(place) = place_of(path, &uses, |u| !modern_source_offered(u.html, u.tag))
            else {
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

#[cfg(test)]
mod tests {
    use std::sync::OnceLock;

    use crate::rules::image_refs::samples;
    use crate::rules::tester::{Folder, vite_page};

    const RULE: &str = "images/animated-gif";

    /// A page prerendered by Vite (vite-ssg): `body` starts on line 8.
    fn page(body: &str) -> String {
        vite_page(body)
    }

    /// A looping 240×180 GIF of 5 frames, over 100 KiB; encoded once for all cases.
    fn cradle() -> &'static [u8] {
        static GIF: OnceLock<Vec<u8>> = OnceLock::new();
        GIF.get_or_init(|| samples::gif(240, 180, 5))
    }

    #[test]
    fn passes_for_an_animated_gif_of_at_most_100_kib() {
        Folder::new()
            .file(
                "index.html",
                page("    <img src=\"/assets/spinner.gif\" width=\"64\" height=\"64\" alt=\"Loading\">"),
            )
            .file("assets/spinner.gif", samples::gif(64, 64, 8))
            .passes(RULE);
    }

    #[test]
    fn passes_for_a_still_gif_over_100_kib() {
        // One frame: nothing a video would do better (images/modern-format compares it with WebP).
        let still = samples::gif(600, 450, 1);
        assert!(still.len() > 100 * 1024, "{}", still.len());
        Folder::new()
            .file(
                "index.html",
                page("    <img src=\"/assets/map.gif\" width=\"600\" height=\"450\" alt=\"\">"),
            )
            .file("assets/map.gif", still)
            .passes(RULE);
    }

    #[test]
    fn passes_when_the_animation_is_already_a_video() {
        // The GIF converted as the rule advises; an MP4 header is enough for the audit.
        Folder::new()
            .file(
                "index.html",
                page(concat!(
                    "    <video autoplay loop muted playsinline width=\"240\" height=\"180\">\n",
                    "      <source src=\"/assets/cradle.mp4\" type=\"video/mp4\">\n",
                    "    </video>",
                )),
            )
            .file(
                "assets/cradle.mp4",
                b"\0\0\0\x18ftypmp42\0\0\0\0mp42isom\0\0\0\x08free",
            )
            .passes(RULE);
    }

    #[test]
    fn finds_an_animated_gif_over_100_kib_at_its_img() {
        let folder = Folder::new()
            .file(
                "index.html",
                page("    <img src=\"/assets/cradle.gif\" width=\"240\" height=\"180\" alt=\"Newton's cradle\">"),
            )
            .file("assets/cradle.gif", cradle());
        assert_eq!(
            folder.findings(RULE),
            [
                "index.html:8:5: assets/cradle.gif is an animated GIF of 117 KiB (240×180): as a looping MP4/WebM <video> it would be many times smaller"
            ]
        );
        let finding = &folder.findings_of(RULE)[0];
        assert_eq!(finding.actual, Some(cradle().len() as u64));
        assert_eq!(finding.limit, Some(100 * 1024));
    }

    #[test]
    fn finds_an_animated_gif_no_page_shows_on_the_file_itself() {
        let folder = Folder::new()
            .file(
                "assets/index-DhzmkGAC.css",
                ".loading{background:url(/assets/cradle.gif) no-repeat center}",
            )
            .file("assets/cradle.gif", cradle());
        assert_eq!(
            folder.findings(RULE),
            [
                "assets/cradle.gif:-:-: assets/cradle.gif is an animated GIF of 117 KiB (240×180): as a looping MP4/WebM <video> it would be many times smaller"
            ]
        );
    }

    #[test]
    fn passes_for_an_animated_gif_nothing_uses() {
        // apache-superset 6.1.0 ships tutorial GIFs in static/assets/images/tutorial/ that no
        // file of its build names (its docs site shows them).
        Folder::new()
            .file("index.html", page("    <p>No images</p>"))
            .file("assets/app-DkL9x2Qa.js", "console.log(1)")
            .file("assets/images/tutorial/tutorial_36.gif", cradle())
            .passes(RULE);
    }

    #[test]
    fn finds_the_first_img_and_counts_the_others() {
        let folder = Folder::new()
            .file(
                "index.html",
                page(concat!(
                    "    <img src=\"/assets/cradle.gif\" width=\"240\" height=\"180\" alt=\"\">\n",
                    "    <img src=\"assets/cradle.gif\" width=\"120\" height=\"90\" alt=\"\">",
                )),
            )
            .file(
                "blog/index.html",
                page("    <img src=\"../assets/cradle.gif\" alt=\"\">"),
            )
            .file("assets/cradle.gif", cradle());
        assert_eq!(
            folder.findings(RULE),
            [
                "blog/index.html:8:5: assets/cradle.gif is an animated GIF of 117 KiB (240×180): as a looping MP4/WebM <video> it would be many times smaller (also shown by 2 other <img>)"
            ]
        );
    }
}
