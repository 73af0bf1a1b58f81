use super::image_refs::{
    ImgUse, image_files, img_uses, kib, modern_source_offered, place_of, saving_option,
};
use super::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::analyze::image::{
    AVIF_TO_WEBP_RATIO, WEBP_QUALITY, WEBP_QUICK_DESCRIPTION, is_reencoded,
};
use crate::analyze::url::{Resolved, resolve_in_document};
use crate::model::finding::Violation;
use crate::model::fix::{Applicability, Fix};

/// Smallest saving worth a finding.
pub const MIN_SAVING: u64 = crate::analyze::image::MODERN_FORMAT_MIN_SAVING;

declare_rule! {
    /// ## What it does
    /// Reports JPEG, PNG and static GIF images that would be at least 8 KiB smaller as lossy
    /// WebP, unless every `<img>` showing them is the fallback of a `<picture>` that offers a
    /// WebP or AVIF `<source>`.
    ///
    /// The WebP size is measured, not guessed from the pixel count: each image is decoded and
    /// encoded with libwebp (the encoder of `cwebp`) at quality 80 with libwebp's default
    /// settings — the bytes `cwebp -q 80` writes. 80 is sharp's default WebP quality, the usual
    /// setting of build pipelines and image CDNs, and shows no visible difference on photos.
    /// An image over 512×512 pixels whose file holds more than 0.2 byte per pixel is encoded on
    /// a sample of its rows (evenly spaced bands of 16 rows, one row in eight, at most 512×512
    /// pixels in all) and the size scaled to all its rows; the message then says "estimated".
    /// The encode itself uses libwebp's quicker method 2 and scales its size by the median
    /// method-4/method-2 ratio measured on real images (0.964); where that estimate puts the
    /// saving within 8 % of the encoded size from 8 KiB, method 4 runs to decide. Such messages
    /// say "about … (estimated from a quicker WebP encode …)".
    /// `--exact-images` (or `[images] exact = true`) encodes every image whole at method 4: slower on
    /// image-heavy folders, the same findings on the benchmark corpora within the error stated
    /// in benches/README.md. The AVIF size is
    /// shown too: encoded (ravif, quality 80, speed 6) with `--avif`, otherwise estimated from
    /// the WebP size and labelled "estimated" (AVIF encoding is 10–50× slower than WebP; the
    /// ratio used is the median measured on the benchmark image corpus, see benches/README.md).
    ///
    /// The finding is placed at the first `<img>` that shows the image without a modern
    /// alternative, or on the image file when no page shows it (a CSS background, a script).
    /// When the image is a page's LCP candidate on the mobile layout (the largest element of
    /// its first screen, see `images/lcp-lazy`), the message says so: that page's Largest
    /// Contentful Paint waits for these bytes.
    ///
    /// Images that nothing in the folder uses (no page or stylesheet references them, no script
    /// or page names their file) are left out, with one note listing them: what they cost no
    /// visitor is known to pay.
    ///
    /// ## Why is this bad?
    /// WebP is typically 25–35% smaller than JPEG at the same visual quality, and photos stored
    /// as PNG are often 5–10× larger than needed. Every browser in use supports WebP
    /// (since 2020 with Safari 14); AVIF is smaller still.
    ///
    /// ## How to fix it
    /// `webaudit optimize --webp` writes a WebP next to each image (or to the images named);
    /// with `--rewrite-html` it also wraps the `<img>` showing them in a `<picture>` — the
    /// finding's fix does both for its one image. Serve the WebP directly, or keep the original
    /// as a fallback:
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
        // The <img> uses of each file, and the raster images by name without extension: looked
        // up per image instead of scanned (a folder of 2,000 images and as many <img>).
        let mut uses_of: foldhash::HashMap<String, Vec<ImgUse>> = foldhash::HashMap::default();
        for image_use in img_uses(context) {
            uses_of
                .entry(image_use.target.clone())
                .or_default()
                .push(image_use);
        }
        let mut rasters_by_stem: foldhash::HashMap<&str, Vec<&str>> = foldhash::HashMap::default();
        for asset in context.assets {
            if let Some((stem, extension)) = asset.path.rsplit_once('.')
                && matches!(
                    extension.to_ascii_lowercase().as_str(),
                    "png" | "jpg" | "jpeg" | "gif"
                )
            {
                rasters_by_stem.entry(stem).or_default().push(&asset.path);
            }
        }
        // The pages whose largest paint (on the mobile layout) is each image: its bytes are
        // what the page waits for.
        let mut lcp_pages_of: foldhash::HashMap<&str, Vec<&str>> = foldhash::HashMap::default();
        for page in &context.layouts.pages {
            if let Some(file) = page
                .viewport(crate::layout::MOBILE.name)
                .and_then(|v| v.lcp_file())
            {
                lcp_pages_of
                    .entry(file)
                    .or_default()
                    .push(page.page.as_str());
            }
        }
        for (path, image) in image_files(context) {
            // An image nothing in the folder uses costs no visitor anything known.
            if context.site.unreferenced_images.contains(path) {
                continue;
            }
            let (Some(header), Some(webp)) = (image.facts.header, image.facts.webp) else {
                continue;
            };
            let raw = image.asset.raw;
            if !is_reencoded(&header) || raw < webp + MIN_SAVING {
                continue;
            }
            let uses = uses_of.get(path).map_or(&[][..], Vec::as_slice);
            let Some(place) = place_of(path, uses, |u| !modern_source_offered(u.html, u.tag))
            else {
                continue;
            };
            let saving = raw - webp;
            let lcp_pages = lcp_pages_of.get(path).map_or(&[][..], Vec::as_slice);
            let lcp_note = match lcp_pages {
                [] => String::new(),
                [one] => format!(
                    "; it is the LCP image of {one} on mobile: that page's largest paint waits for these bytes"
                ),
                [first, rest @ ..] => format!(
                    "; it is the LCP image of {first} and {} other pages on mobile: their largest paint waits for these bytes",
                    rest.len()
                ),
            };
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
                subject: Some(path.to_string()),
                path: Some(place.path.clone()),
                line: place.line,
                column: place.column,
                message: format!(
                    "{path} ({}, {}) is {}{} as WebP (quality {WEBP_QUALITY}, {}): {} ({}%) smaller{avif}{}{lcp_note}",
                    header.format.name(),
                    kib(raw),
                    if image.facts.estimate.is_some() || image.facts.webp_quick {
                        "about "
                    } else {
                        ""
                    },
                    kib(webp),
                    match image.facts.estimate {
                        Some(sample) => sample.describe(),
                        None if image.facts.webp_quick => WEBP_QUICK_DESCRIPTION.to_string(),
                        None => "encoded".to_string(),
                    },
                    kib(saving),
                    saving * 100 / raw.max(1),
                    place.others_note()
                ),
                actual: Some(raw),
                saving: Some(saving),
                fix: Some(fix(context, path, uses, &rasters_by_stem, raw, saving)),
                ..Violation::default()
            });
        }
    }
}

/// Why `webaudit optimize --rewrite-html` leaves this `<img>` showing `image` as it is, or
/// `None` when it wraps it in a `<picture>` offering the copy (the conditions of
/// `fix::rewrite_html`: an `.html`/`.htm` page, an `<img>` not already in a `<picture>`, with
/// a `src`, and every file it may show — its `src`, or every `srcset` candidate — this image,
/// resolved as the rewriter resolves them).
fn not_rewritten(usage: &ImgUse, image: &str) -> Option<String> {
    let at = format!("the <img> at {}:{}", usage.page, usage.tag.location.line);
    let extension = usage
        .page
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase());
    if !matches!(extension.as_deref(), Some("html" | "htm")) {
        return Some(format!(
            "{} is not an .html page, which --rewrite-html does not rewrite",
            usage.page
        ));
    }
    if usage.tag.in_picture.is_some() {
        return Some(format!(
            "{at} is in a <picture>, whose sources are the author's"
        ));
    }
    let Some(src) = usage.tag.src.as_deref() else {
        return Some(format!("{at} has no src"));
    };
    let references: Vec<String> = match usage.tag.srcset.as_deref() {
        Some(srcset) if !srcset.trim().is_empty() => usage
            .tag
            .srcset_candidates()
            .into_iter()
            .map(|c| c.url)
            .collect(),
        _ => vec![src.to_string()],
    };
    let base = usage.html.base_href.as_deref();
    let shows_only_this = references.iter().all(|reference| {
        matches!(resolve_in_document(usage.page, base, reference), Resolved::Local(p) if p == image)
    });
    if !shows_only_this {
        return Some(format!(
            "{at} names other files too (or names this one through the base path), which need copies as well"
        ));
    }
    None
}

/// The image's WebP copy, as `webaudit optimize --webp` names it.
fn webp_name(image: &str) -> String {
    match image.rsplit_once('.') {
        Some((stem, _)) => format!("{stem}.webp"),
        None => format!("{image}.webp"),
    }
}

/// `webaudit optimize --webp --copies-only --rewrite-html` on this one image when that makes
/// every page use the copy; otherwise what to do by hand (the copy alone changes nothing a
/// visitor gets, and the finding stays).
/// The fix for `image`; `uses` are its <img> uses, `rasters_by_stem` the folder's PNG, JPEG and
/// GIF files by path without extension.
fn fix(
    context: &RuleContext,
    image: &str,
    uses: &[ImgUse],
    rasters_by_stem: &foldhash::HashMap<&str, Vec<&str>>,
    raw: u64,
    saving: u64,
) -> Fix {
    let file = super::fix_path(context.root, image);
    let copy = webp_name(image);
    let copy_command = format!("webaudit optimize --webp --copies-only {file}");
    let mut pages: Vec<String> = uses
        .iter()
        .filter(|u| u.target == image)
        .map(|u| u.page.to_string())
        .collect();
    pages.dedup();
    let changes = std::iter::once(copy.clone())
        .chain(pages.iter().cloned())
        .collect::<Vec<_>>();
    let manual = |what: String| {
        Fix::manual(
            Applicability::Unsafe,
            what,
            vec![image.to_string()],
            changes.clone(),
        )
    };
    let extension = image.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    if !matches!(extension.as_deref(), Some("png" | "jpg" | "jpeg" | "gif")) {
        return manual(format!(
            "convert {image} to WebP (quality 80, lossy) with your image tools and point what loads it at the copy: `webaudit optimize` takes only images named .png, .jpg, .jpeg or .gif"
        ));
    }
    // `photo.png` and `photo.jpg` would both make `photo.webp`: the optimiser writes neither.
    let stem = copy.trim_end_matches(".webp");
    let rival = rasters_by_stem
        .get(stem)
        .and_then(|paths| paths.iter().find(|&&path| path != image));
    if let Some(rival) = rival {
        return manual(format!(
            "convert {image} to WebP under a name of its own and point the pages at it: {image} and {rival} would both make {copy}, so `webaudit optimize` writes neither"
        ));
    }
    if pages.is_empty() {
        return manual(format!(
            "write a WebP copy with `{copy_command}` (lossy) and change the stylesheet or script that loads {image} to load {copy}: no page shows it in an <img>, so --rewrite-html cannot"
        ));
    }
    let blocked: Vec<String> = uses
        .iter()
        .filter(|u| u.target == image && !modern_source_offered(u.html, u.tag))
        .filter_map(|u| not_rewritten(u, image))
        .collect();
    if let Some(reason) = blocked.first() {
        return manual(format!(
            "write a WebP copy with `{copy_command}` (lossy) and offer it in the page by hand (<picture> with <source type=\"image/webp\" srcset=\"…\">): {reason}, so --rewrite-html leaves it alone"
        ));
    }
    Fix::command(
        format!(
            "webaudit optimize --webp --copies-only --rewrite-html {}--root {} {file}",
            saving_option(raw, saving),
            super::fix_folder(context.root)
        ),
        Applicability::Unsafe,
        format!(
            "writes {copy} (lossy WebP, quality 80) beside {image}, which is not changed, and wraps the <img> showing it in {} in a <picture> offering the copy, adding width/height where missing and loading=\"lazy\" below the fold",
            and_list(&pages)
        ),
        vec![image.to_string()],
        changes,
    )
}

/// "a", "a and b", "a, b and c".
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::image_refs::samples;
    use crate::rules::tester::{Folder, vite_page};

    const RULE: &str = "images/modern-format";

    /// A page prerendered by Vite (vite-ssg): `body` starts on line 8.
    fn page(body: &str) -> String {
        vite_page(body)
    }

    /// What the rule says of the tester's 100×75 PNG (17,340 bytes; 1,720 as WebP).
    /// The finding on the 100×75 sample PNG by default: its WebP size from libwebp's quicker
    /// method, scaled.
    const PHOTO_PNG: &str = "assets/photo.png (PNG, 17 KiB) is about 2 KiB as WebP (quality 80, estimated from a quicker WebP encode; --exact-images encodes at libwebp's default effort): 15 KiB (90%) smaller; as AVIF about 1 KiB (estimated: 0.74 × the WebP size; --avif measures it)";
    /// The same with `--exact-images`: the bytes `cwebp -q 80` writes.
    const PHOTO_PNG_EXACT: &str = "assets/photo.png (PNG, 17 KiB) is 2 KiB as WebP (quality 80, encoded): 15 KiB (90%) smaller; as AVIF about 1 KiB (estimated: 0.74 × the WebP size; --avif measures it)";

    #[test]
    fn passes_when_webp_would_save_less_than_8_kib() {
        // The JPEG saves 5.7 KiB as WebP, the 48-px PNG icon about 6 KiB.
        Folder::new()
            .file(
                "index.html",
                page(concat!(
                    "    <img src=\"/assets/card.jpg\" width=\"200\" height=\"150\" alt=\"\">\n",
                    "    <img src=\"/assets/icon.png\" width=\"48\" height=\"48\" alt=\"\">",
                )),
            )
            .jpeg("assets/card.jpg", 200, 150)
            .png("assets/icon.png", 48, 48)
            .passes(RULE);
    }

    #[test]
    fn passes_when_a_picture_offers_webp_by_type() {
        Folder::new()
            .file(
                "index.html",
                page(concat!(
                    "    <picture>\n",
                    "      <source type=\"image/webp\" srcset=\"/assets/photo.webp\">\n",
                    "      <img src=\"/assets/photo.png\" width=\"100\" height=\"75\" alt=\"\">\n",
                    "    </picture>",
                )),
            )
            .file("assets/photo.webp", samples::webp(100, 75))
            .png("assets/photo.png", 100, 75)
            .passes(RULE);
    }

    #[test]
    fn passes_when_a_picture_offers_avif_by_type_or_by_file_name() {
        // A type as written by hand (case, spaces), and sources without a type whose every
        // candidate is .avif/.webp (a query does not hide the extension).
        Folder::new()
            .file(
                "index.html",
                page(concat!(
                    "    <picture>\n",
                    "      <source type=\" IMAGE/AVIF \" srcset=\"/assets/photo.avif\">\n",
                    "      <img src=\"/assets/photo.png\" width=\"100\" height=\"75\" alt=\"\">\n",
                    "    </picture>\n",
                    "    <picture>\n",
                    "      <source srcset=\"/assets/hero-640.avif?v=2 640w, /assets/hero-1280.webp 1280w\" sizes=\"100vw\">\n",
                    "      <img src=\"/assets/hero.jpg\" width=\"400\" height=\"300\" alt=\"\">\n",
                    "    </picture>",
                )),
            )
            .png("assets/photo.png", 100, 75)
            .jpeg("assets/hero.jpg", 400, 300)
            .passes(RULE);
    }

    #[test]
    fn passes_for_webp_files_and_animated_gifs() {
        // A WebP is the modern format; animations are images/animated-gif's.
        Folder::new()
            .file(
                "index.html",
                page(concat!(
                    "    <img src=\"/assets/photo.webp\" width=\"200\" height=\"150\" alt=\"\">\n",
                    "    <img src=\"/assets/spinner.gif\" width=\"200\" height=\"150\" alt=\"\">",
                )),
            )
            .file("assets/photo.webp", samples::webp(200, 150))
            .file("assets/spinner.gif", samples::gif(200, 150, 3))
            .passes(RULE);
    }

    #[test]
    fn finds_a_png_shown_by_an_img_with_the_encoded_webp_size() {
        let folder = Folder::new()
            .file(
                "index.html",
                page("    <img src=\"/assets/photo.png\" width=\"100\" height=\"75\" alt=\"\">"),
            )
            .png("assets/photo.png", 100, 75)
            .config("[images]\nexact = true\n");
        assert_eq!(
            folder.findings(RULE),
            [format!(
                "index.html:8:5: {PHOTO_PNG_EXACT}; it is the LCP image of index.html on mobile: that page's largest paint waits for these bytes"
            )]
        );
        let finding = &folder.findings_of(RULE)[0];
        assert_eq!(finding.actual, Some(17_340));
        assert_eq!(finding.saving, Some(17_340 - 1_720));
        let fix = finding.fix.as_ref().and_then(|f| f.command_line()).unwrap();
        assert!(
            fix.starts_with("webaudit optimize --webp --copies-only --rewrite-html --root /")
                && fix.ends_with("/site/assets/photo.png"),
            "{fix}"
        );
    }

    #[test]
    fn names_the_pages_whose_lcp_image_it_is() {
        // The photo fills the first screen of index.html; about.html shows it far below a
        // heading and a long paragraph, where its LCP is the text.
        let text = "<p>".to_string() + &"Words of a long paragraph. ".repeat(400) + "</p>";
        let folder = Folder::new()
            .file(
                "index.html",
                vite_page("    <img src=\"/assets/photo.png\" style=\"width:100%\" alt=\"\">"),
            )
            .file(
                "about.html",
                vite_page(&format!(
                    "{text}\n    <img src=\"/assets/photo.png\" alt=\"\">"
                )),
            )
            .file("assets/photo.png", samples::png(800, 500));
        let findings = folder.findings(RULE);
        assert_eq!(findings.len(), 1, "{findings:?}");
        // Placed at about.html's <img> (the first page in path order), naming index.html's LCP.
        assert!(
            findings[0].starts_with("about.html:")
                && findings[0].ends_with("(also shown by 1 other <img>); it is the LCP image of index.html on mobile: that page's largest paint waits for these bytes"),
            "{}",
            findings[0]
        );
    }

    #[test]
    fn finds_an_image_no_page_shows_on_the_file_itself() {
        // A CSS background: no <img> to point at.
        let folder = Folder::new()
            .file(
                "assets/index-DhzmkGAC.css",
                ".hero{background:url(/assets/bg.png) center/cover}",
            )
            .png("assets/bg.png", 100, 75);
        assert_eq!(
            folder.findings(RULE),
            [PHOTO_PNG
                .replace("assets/photo.png", "assets/bg.png:-:-: assets/bg.png")
                .to_string()]
        );
    }

    #[test]
    fn finds_the_img_that_has_no_modern_alternative() {
        // The same PNG in a <picture> with a WebP source (line 9), then in two plain <img>.
        let folder = Folder::new()
            .file(
                "index.html",
                page(concat!(
                    "    <picture><source type=\"image/webp\" srcset=\"/assets/photo.webp\">\n",
                    "      <img src=\"/assets/photo.png\" width=\"100\" height=\"75\" alt=\"\"></picture>\n",
                    "    <img src=\"/assets/photo.png\" width=\"100\" height=\"75\" alt=\"\">\n",
                    "    <img src=\"assets/photo.png\" width=\"100\" height=\"75\" alt=\"\">",
                )),
            )
            .file("assets/photo.webp", samples::webp(100, 75))
            .png("assets/photo.png", 100, 75);
        assert_eq!(
            folder.findings(RULE),
            [format!(
                "index.html:10:5: {PHOTO_PNG} (also shown by 1 other <img>)"
            )]
        );
    }

    #[test]
    fn finds_a_picture_whose_sources_are_not_modern() {
        // A JPEG <source>, and one mixing WebP and JPEG candidates without a type.
        let folder = Folder::new()
            .file(
                "index.html",
                page(concat!(
                    "    <picture>\n",
                    "      <source type=\"image/jpeg\" media=\"(min-width: 800px)\" srcset=\"/assets/wide.jpg\">\n",
                    "      <source srcset=\"/assets/photo.webp 1x, /assets/photo@2x.jpg 2x\">\n",
                    "      <img src=\"/assets/photo.png\" width=\"100\" height=\"75\" alt=\"\">\n",
                    "    </picture>",
                )),
            )
            .png("assets/photo.png", 100, 75);
        assert_eq!(
            folder.findings(RULE),
            [format!("index.html:11:7: {PHOTO_PNG}")]
        );
    }

    #[test]
    fn finds_images_named_by_srcset_and_resolved_through_base_href() {
        let folder = Folder::new()
            .file(
                "blog/post.html",
                concat!(
                    "<!doctype html>\n",
                    "<html><head><base href=\"/assets/\"></head>\n",
                    "<body><img src=\"photo-small.jpg\" srcset=\"photo.png 2x\" width=\"50\" height=\"38\" alt=\"\"></body></html>\n",
                ),
            )
            .png("assets/photo.png", 100, 75);
        assert_eq!(
            folder.findings(RULE),
            [format!(
                "blog/post.html:3:7: {PHOTO_PNG}; it is the LCP image of blog/post.html on mobile: that page's largest paint waits for these bytes"
            )]
        );
    }

    #[test]
    fn finds_jpegs_and_still_gifs() {
        let folder = Folder::new()
            .file(
                "index.html",
                page(concat!(
                    "    <img src=\"/assets/hero.jpg\" width=\"400\" height=\"300\" alt=\"\">\n",
                    "    <img src=\"/assets/map.gif\" width=\"200\" height=\"150\" alt=\"\">",
                )),
            )
            .jpeg("assets/hero.jpg", 400, 300)
            .file("assets/map.gif", samples::gif(200, 150, 1));
        assert_eq!(
            folder.findings(RULE),
            [
                "index.html:8:5: assets/hero.jpg (JPEG, 41 KiB) is about 20 KiB as WebP (quality 80, estimated from a quicker WebP encode; --exact-images encodes at libwebp's default effort): 20 KiB (49%) smaller; as AVIF about 15 KiB (estimated: 0.74 × the WebP size; --avif measures it); it is the LCP image of index.html on mobile: that page's largest paint waits for these bytes",
                "index.html:9:5: assets/map.gif (GIF, 17 KiB) is about 5 KiB as WebP (quality 80, estimated from a quicker WebP encode; --exact-images encodes at libwebp's default effort): 11 KiB (67%) smaller; as AVIF about 4 KiB (estimated: 0.74 × the WebP size; --avif measures it)",
            ]
        );
    }
}
