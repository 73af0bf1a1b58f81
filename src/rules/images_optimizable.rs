use super::image_refs::{image_files, img_uses, kib, optimizer_rewrites, place_of, saving_option};
use super::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::analyze::image::{OptimizeMethod, PNG_QUICK_DESCRIPTION};
use crate::imaging::ImageHeader;
use crate::model::finding::Violation;
use crate::model::fix::{Applicability, Fix};

/// Smallest saving worth a finding: Lighthouse's uses-optimized-images threshold.
pub const MIN_SAVING: u64 = crate::analyze::image::OPTIMIZE_MIN_SAVING;

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
    /// The sizes are measured by running the encoders on the image. An image over 512×512
    /// pixels whose file holds more than 0.2 byte per pixel is measured on a sample of its rows
    /// (evenly spaced bands of 16 rows, one row in eight, at most 512×512 pixels in all): the
    /// sample is recompressed or re-encoded the same way and its size scaled to all the rows
    /// (headers, tables and the metadata kept counted once); the message then says
    /// "estimated". Any other PNG first gets a quick oxipng pass (preset 2's reductions with two
    /// of its four row filters, a libdeflate level-7 last pass instead of level 11: a fifth of
    /// the time) whose size, × 0.95 (the median measured ratio), estimates preset 2's. Preset 2
    /// itself runs only when that estimate's saving is within 4 % of the quick size of the
    /// 4 KiB threshold, where the ratio's spread could change the verdict, or when the quick
    /// pass cannot shrink the file (already compressed better than it) and preset 2 might
    /// still save 4 KiB. Such a message says "estimated from a quicker oxipng pass".
    /// `--exact-images` (or `[images] exact = true`) runs preset 2 on every image whole;
    /// benches/README.md states how far the estimates are from it. The finding is placed at
    /// the first `<img>` that shows the image, or on the file when no page does.
    ///
    /// Images that nothing in the folder uses (no page or stylesheet references them, no script
    /// or page names their file) are left out, with one note listing them: what they cost no
    /// visitor is known to pay.
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
            // An image nothing in the folder uses costs no visitor anything known.
            if context.site.unreferenced_images.contains(path) {
                continue;
            }
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
            let estimate = match image.facts.estimate {
                Some(sample) => format!(" ({})", sample.describe()),
                None if image.facts.png_quick => format!(" ({PNG_QUICK_DESCRIPTION})"),
                None => String::new(),
            };
            found.push(Violation {
                subject: Some(path.to_string()),
                path: Some(place.path.clone()),
                line: place.line,
                column: place.column,
                message: format!(
                    "{path} ({}, {}) {how} is {}{}{estimate}: {} ({}%) smaller{}",
                    header.format.name(),
                    kib(raw),
                    if estimate.is_empty() { "" } else { "about " },
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

#[cfg(test)]
mod tests {
    use crate::rules::image_refs::samples;
    use crate::rules::tester::{Folder, vite_page};

    const RULE: &str = "images/optimizable";

    /// A page prerendered by Vite (vite-ssg): `body` starts on line 8.
    fn page(body: &str) -> String {
        vite_page(body)
    }

    /// The 100×75 PNG as oxipng leaves it: nothing more to gain losslessly.
    fn optimal_png() -> Vec<u8> {
        crate::imaging::optimize_png(&samples::png(100, 75), 2).unwrap()
    }

    /// An XMP packet as Photoshop embeds it (in an iTXt chunk), padded as it pads them.
    fn xmp() -> Vec<u8> {
        let packet = format!(
            "<?xpacket begin=\"\u{feff}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?><x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"><rdf:Description xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\" xmp:CreatorTool=\"Adobe Photoshop 25.0 (Macintosh)\"/></rdf:RDF></x:xmpmeta>{}<?xpacket end=\"w\"?>",
            " ".repeat(10_000)
        );
        let mut chunk = b"XML:com.adobe.xmp\0\0\0\0\0".to_vec();
        chunk.extend_from_slice(packet.as_bytes());
        chunk
    }

    #[test]
    fn passes_when_a_jpeg_is_already_at_quality_85_or_below() {
        // Re-encoding a quality-75 JPEG at 85 makes it larger.
        Folder::new()
            .file(
                "index.html",
                page("    <img src=\"/assets/hero.jpg\" width=\"400\" height=\"300\" alt=\"\">"),
            )
            .file("assets/hero.jpg", samples::jpeg(400, 300, 75))
            .passes(RULE);
    }

    #[test]
    fn passes_when_the_saving_is_under_4_kib() {
        // The quality-90 JPEG saves 3.8 KB at quality 85; the 48-px icon about 2.5 KB.
        Folder::new()
            .file(
                "index.html",
                page(concat!(
                    "    <img src=\"/assets/hero.jpg\" width=\"400\" height=\"300\" alt=\"\">\n",
                    "    <img src=\"/assets/icon.png\" width=\"48\" height=\"48\" alt=\"\">",
                )),
            )
            .jpeg("assets/hero.jpg", 400, 300)
            .png("assets/icon.png", 48, 48)
            .passes(RULE);
    }

    #[test]
    fn passes_for_a_png_oxipng_already_optimised() {
        Folder::new()
            .file(
                "index.html",
                page("    <img src=\"/assets/photo.png\" width=\"100\" height=\"75\" alt=\"\">"),
            )
            .file("assets/photo.png", optimal_png())
            .passes(RULE);
    }

    #[test]
    fn passes_for_gif_and_webp_which_are_not_recompressed() {
        Folder::new()
            .file(
                "index.html",
                page(concat!(
                    "    <img src=\"/assets/map.gif\" width=\"200\" height=\"150\" alt=\"\">\n",
                    "    <img src=\"/assets/photo.webp\" width=\"200\" height=\"150\" alt=\"\">",
                )),
            )
            .file("assets/map.gif", samples::gif(200, 150, 1))
            .file("assets/photo.webp", samples::webp(200, 150))
            .passes(RULE);
    }

    #[test]
    fn finds_a_png_that_recompresses_losslessly() {
        let folder = Folder::new()
            .file(
                "index.html",
                page("    <img src=\"/assets/photo.png\" width=\"100\" height=\"75\" alt=\"\">"),
            )
            .png("assets/photo.png", 100, 75);
        assert_eq!(
            folder.findings(RULE),
            [
                "index.html:8:5: assets/photo.png (PNG, 17 KiB) losslessly recompressed (oxipng preset 2, metadata stripped safely) is about 10 KiB (estimated from a quicker oxipng pass; --exact-images runs preset 2): 6 KiB (38%) smaller"
            ]
        );
        let finding = &folder.findings_of(RULE)[0];
        assert_eq!(finding.actual, Some(17_340));
        // The quick pass's estimate: preset 2 itself writes 9,463 B (`--exact-images`).
        assert_eq!(finding.saving, Some(17_340 - 10_712));
        let fix = finding.fix.as_ref().and_then(|f| f.command_line()).unwrap();
        assert!(
            fix.starts_with("webaudit optimize /") && fix.ends_with("/site/assets/photo.png"),
            "{fix}"
        );
    }

    #[test]
    fn passes_an_image_nothing_uses_and_says_so() {
        // Locust ships promo screenshots that no file of its build names: unused here.
        let folder = Folder::new()
            .file("index.html", page("    <p>No images</p>"))
            .file("assets/app-DkL9x2Qa.js", "console.log(1)")
            .png("assets/graphs-dark.png", 100, 75);
        folder.passes(RULE);
        folder.passes("images/modern-format");
        folder.has_note("1 image(s) are used by nothing in the folder (assets/graphs-dark.png)");
    }

    #[test]
    fn passes_the_icons_of_a_web_app_manifest_and_says_what_names_them() {
        // prefect 3.9.1 links ico/site.webmanifest, whose icons no page, stylesheet or script
        // names: a browser fetches them to install the app. Not unused, not a page's either.
        let folder = Folder::new()
            .file(
                "index.html",
                page("    <link rel=\"manifest\" href=\"/ico/site.webmanifest\">"),
            )
            .file(
                "ico/site.webmanifest",
                r##"{"name":"","icons":[{"src":"/ico/android-chrome-512x512.png","sizes":"512x512","type":"image/png"}],"display":"standalone"}"##,
            )
            .png("ico/android-chrome-512x512.png", 100, 75)
            .png("ico/mstile-150x150.png", 100, 75);
        folder.passes(RULE);
        folder.passes("images/modern-format");
        folder.prepared(|prepared, _| {
            let notes = &prepared.notes;
            assert!(
                notes.iter().any(|n| n.starts_with(
                    "1 image(s) are used by nothing in the folder (ico/mstile-150x150.png)"
                )),
                "{notes:?}"
            );
            assert!(
                notes.iter().any(|n| n.starts_with(
                    "1 image(s) are named only by a web app manifest (ico/android-chrome-512x512.png)"
                )),
                "{notes:?}"
            );
        });
    }

    #[test]
    fn finds_images_in_a_folder_of_images_alone() {
        // No page, no script: a folder of images audited by itself (an image library).
        let folder = Folder::new().png("photos/graphs-dark.png", 100, 75);
        assert_eq!(
            folder.findings(RULE).len(),
            1,
            "{:?}",
            folder.findings(RULE)
        );
    }

    #[test]
    fn finds_a_png_a_script_names() {
        // Bundlers write an imported image's URL into the script as a string.
        let folder = Folder::new()
            .file("index.html", page("    <div id=root></div>"))
            .file(
                "assets/app-DkL9x2Qa.js",
                "const l=\"/assets/Photo-Bq3xK9z.png\";document.body.append(Object.assign(new Image,{src:l}));",
            )
            .png("assets/Photo-Bq3xK9z.png", 100, 75);
        assert_eq!(
            folder.findings(RULE).len(),
            1,
            "{:?}",
            folder.findings(RULE)
        );
    }

    #[test]
    fn passes_a_copy_in_another_folder_of_an_image_a_page_shows() {
        // pgadmin4's Sphinx docs: pages show `_images/erd.png`; the `_static/` copy and the
        // source `images/` copy have the same name, and nothing names their folders.
        let folder = Folder::new()
            .file(
                "html/index.html",
                page("    <img src=\"_images/erd.png\" width=\"100\" height=\"75\" alt=\"\">"),
            )
            .png("html/_images/erd.png", 100, 75)
            .png("html/_static/erd.png", 100, 75)
            .png("images/erd.png", 100, 75);
        assert_eq!(
            folder.findings(RULE),
            [
                "html/index.html:8:5: html/_images/erd.png (PNG, 17 KiB) losslessly recompressed (oxipng preset 2, metadata stripped safely) is about 10 KiB (estimated from a quicker oxipng pass; --exact-images runs preset 2): 6 KiB (38%) smaller"
            ]
        );
        folder.has_note(
            "2 image(s) are used by nothing in the folder (html/_static/erd.png, images/erd.png)",
        );
    }

    #[test]
    fn finds_every_copy_a_path_no_file_has_may_name() {
        // label-studio: the script names `/static/images/a.png`, which Django serves from
        // `static_build/`; no file is at `static/images/a.png`, so the name decides.
        let folder = Folder::new()
            .file("index.html", page("    <div id=root></div>"))
            .file(
                "web/main.js",
                "const l=\"/static/images/opossum.png\";document.body.append(Object.assign(new Image,{src:l}));",
            )
            .png("core/static_build/images/opossum.png", 100, 75)
            .png("core/static/images/opossum.png", 100, 75);
        assert_eq!(
            folder.findings(RULE).len(),
            2,
            "{:?}",
            folder.findings(RULE)
        );
    }

    #[test]
    fn finds_a_png_carrying_metadata() {
        // Optimal pixels, and a 10 KB XMP packet that does not change the display.
        let folder = Folder::new()
            .file(
                "index.html",
                page("    <img src=\"/assets/photo.png\" width=\"100\" height=\"75\" alt=\"\">"),
            )
            .file(
                "assets/photo.png",
                samples::with_png_chunk(&optimal_png(), b"iTXt", &xmp()),
            );
        assert_eq!(
            folder.findings(RULE),
            [
                "index.html:8:5: assets/photo.png (PNG, 19 KiB) losslessly recompressed (oxipng preset 2, metadata stripped safely) is about 9 KiB (estimated from a quicker oxipng pass; --exact-images runs preset 2): 11 KiB (54%) smaller"
            ]
        );
    }

    #[test]
    fn finds_a_jpeg_saved_at_high_quality() {
        let folder = Folder::new()
            .file(
                "index.html",
                page("    <img src=\"/assets/card.jpg\" width=\"200\" height=\"150\" alt=\"\">"),
            )
            .file("assets/card.jpg", samples::jpeg(200, 150, 95));
        assert_eq!(
            folder.findings(RULE),
            [
                "index.html:8:5: assets/card.jpg (JPEG, 16 KiB) re-encoded at JPEG quality 85 (as Lighthouse measures it) is 9 KiB: 7 KiB (45%) smaller"
            ]
        );
        let finding = &folder.findings_of(RULE)[0];
        let fix = finding.fix.as_ref().and_then(|f| f.command_line()).unwrap();
        assert!(
            fix.starts_with("webaudit optimize --lossy /")
                && fix.ends_with("/site/assets/card.jpg"),
            "{fix}"
        );
    }

    #[test]
    fn finds_an_image_no_page_shows_on_the_file_itself() {
        let folder = Folder::new()
            .file(
                "assets/index-DhzmkGAC.css",
                ".hero{background:url(/assets/bg.png) center/cover}",
            )
            .png("assets/bg.png", 100, 75);
        assert_eq!(
            folder.findings(RULE),
            [
                "assets/bg.png:-:-: assets/bg.png (PNG, 17 KiB) losslessly recompressed (oxipng preset 2, metadata stripped safely) is about 10 KiB (estimated from a quicker oxipng pass; --exact-images runs preset 2): 6 KiB (38%) smaller"
            ]
        );
    }

    #[test]
    fn finds_the_first_page_that_shows_it_and_counts_the_others() {
        // Pages in path order: about.html before index.html; srcset counts as showing it.
        let folder = Folder::new()
            .file(
                "index.html",
                page("    <img src=\"/assets/photo.png\" width=\"100\" height=\"75\" alt=\"\">"),
            )
            .file(
                "about.html",
                page("    <img src=\"/assets/small.png\" srcset=\"/assets/photo.png 2x\" width=\"50\" height=\"38\" alt=\"\">"),
            )
            .png("assets/photo.png", 100, 75);
        assert_eq!(
            folder.findings(RULE),
            [
                "about.html:8:5: assets/photo.png (PNG, 17 KiB) losslessly recompressed (oxipng preset 2, metadata stripped safely) is about 10 KiB (estimated from a quicker oxipng pass; --exact-images runs preset 2): 6 KiB (38%) smaller (also shown by 1 other <img>)"
            ]
        );
    }
}
