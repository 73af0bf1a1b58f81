use std::collections::BTreeSet;

use super::image_refs::{
    ImgUse, Via, image_files, img_uses, kib, optimizer_rewrites, place_of, saving_option,
};
use super::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::analyze::url::Descriptor;
use crate::imaging::ImageHeader;
use crate::layout::LayoutStatus;
use crate::model::finding::Violation;
use crate::model::fix::{Applicability, Fix};

/// Smallest estimated saving worth a finding (Lighthouse's uses-responsive-images threshold).
pub const MIN_SAVING: u64 = 4 * 1024;

/// A file may be this many times the displayed size: screens of density 2 need it.
pub const DENSITY_ALLOWANCE: u32 = 2;

declare_rule! {
    /// ## What it does
    /// Reports images whose files have far more pixels than they are shown with:
    ///
    /// * on a page that could not be laid out (see `images/lazy-loading`), where the HTML
    ///   declares the displayed size — the `<img>` `width`/`height` attributes, or a `sizes`
    ///   that is a single pixel length (`sizes="320px"`) — and the file is more than 2× wider
    ///   or taller than that (2×: high-density screens need twice the CSS pixels; more is
    ///   never shown). On a laid-out page, `images/responsive` measures the displayed size
    ///   instead, CSS included;
    /// * a `srcset` candidate with a width descriptor (`photo.jpg 480w`) whose file is more
    ///   than 2× wider than the descriptor says (the browser picks it for a 480-pixel slot);
    /// * any image wider than `max_width` (default 2560 px) wherever it is shown, or not shown
    ///   by any page: a cap you set as policy, whatever the layout (on a laid-out page
    ///   `images/responsive` also reports what the displayed sizes waste).
    ///
    /// The saving is estimated, and labelled so: the file's bytes scaled by the share of
    /// pixels that resizing to the needed size (2× the displayed size, or `max_width`) removes.
    /// Findings under 4 KiB of estimated saving are not reported (Lighthouse's
    /// uses-responsive-images threshold). The intrinsic size comes from the file's header
    /// (EXIF rotation is not applied).
    ///
    /// Images that nothing in the folder uses (no page or stylesheet references them, no script
    /// or page names their file) are left out, with one note listing them: what they cost no
    /// visitor is known to pay.
    ///
    /// ## Why is this bad?
    /// The browser downloads and decodes every pixel, then throws most away when scaling
    /// down: a 2560-pixel photo in a 320-pixel card is 64× the pixels needed at 1×, and 16×
    /// at 2×.
    ///
    /// ## How to fix it
    /// `webaudit optimize --max-width N FILE` scales that image down to N pixels wide (every
    /// page showing it gets the smaller file). Better, offer several sizes and let the browser
    /// choose:
    ///
    /// ```html
    /// <img src="photo-640.jpg" srcset="photo-320.jpg 320w, photo-640.jpg 640w"
    ///      sizes="320px" width="320" height="200" alt="…">
    /// ```
    ///
    /// ## Options
    /// `[images] max_width = 2560` in `webaudit.toml`.
    ImagesOversized {
        id: "images/oversized",
        summary: "image file much larger (in pixels) than it is displayed",
        severity: Warning,
    }
}

/// `sizes` when it is one plain pixel length.
fn fixed_sizes(sizes: Option<&str>) -> Option<u32> {
    let value = sizes?.trim().strip_suffix("px")?;
    value.trim().parse::<u32>().ok().filter(|&v| v > 0)
}

/// The size (width, height) this use displays the file at, when the HTML says it; either may
/// be unknown.
fn displayed(usage: &ImgUse) -> Option<(Option<u32>, Option<u32>)> {
    match usage.via {
        Via::Src | Via::Srcset(None) | Via::Srcset(Some(Descriptor::Density(_))) => {
            let width = usage
                .tag
                .width_px
                .or_else(|| fixed_sizes(usage.tag.sizes.as_deref()));
            let height = usage.tag.height_px;
            (width.is_some() || height.is_some()).then_some((width, height))
        }
        Via::Srcset(Some(Descriptor::Width(width))) => Some((Some(width), None)),
    }
}

/// The scale (≤ 1) that brings `header` within `limit` (width, height), or `None` when it
/// already fits.
fn scale_to_fit(header: &ImageHeader, limit: (Option<u64>, Option<u64>)) -> Option<f64> {
    let by_width = limit
        .0
        .filter(|&w| u64::from(header.width) > w)
        .map(|w| w as f64 / f64::from(header.width));
    let by_height = limit
        .1
        .filter(|&h| u64::from(header.height) > h)
        .map(|h| h as f64 / f64::from(header.height));
    match (by_width, by_height) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn estimated_saving(raw: u64, scale: f64) -> u64 {
    (raw as f64 * (1.0 - scale * scale)).round().max(0.0) as u64
}

fn target_size(header: &ImageHeader, scale: f64) -> (u32, u32) {
    let scaled = |v: u32| ((f64::from(v) * scale).round() as u32).max(1);
    (scaled(header.width), scaled(header.height))
}

/// `webaudit optimize --max-width` on this one image: every page showing it gets the smaller
/// file, which is why the fix is not safe (another page may show it larger).
fn fix(
    context: &RuleContext,
    path: &str,
    header: &ImageHeader,
    raw: u64,
    saving: u64,
    target: (u32, u32),
) -> Fix {
    let (width, height) = target;
    if !optimizer_rewrites(path, header) {
        return Fix::manual(
            Applicability::Unsafe,
            format!(
                "scale {path} down to {width}×{height} with your image tools (lossy; every page that shows it gets the smaller file): `webaudit optimize` resizes only still images named .png, .jpg or .jpeg"
            ),
            vec![path.to_string()],
            vec![path.to_string()],
        );
    }
    let encoding = if header.format == crate::imaging::ImageFormat::Png {
        "re-encoded as PNG"
    } else {
        "re-encoded as JPEG at quality 85"
    };
    Fix::command(
        format!(
            "webaudit optimize --max-width {width} {}{}",
            saving_option(raw, saving),
            super::fix_path(context.root, path)
        ),
        Applicability::Unsafe,
        format!(
            "scales {path} down to {width}×{height} in place, {encoding} (lossy); every page showing it gets the smaller file"
        ),
        vec![path.to_string()],
        vec![path.to_string()],
    )
}

impl Rule for ImagesOversized {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &RuleContext, found: &mut Vec<Violation>) {
        let files = image_files(context);
        let uses = img_uses(context);
        let laid_out = |page: &str| {
            context
                .layouts
                .page(page)
                .is_some_and(|l| l.status == LayoutStatus::LaidOut)
        };
        let mut reported: BTreeSet<&str> = BTreeSet::new();
        for usage in &uses {
            // On a laid-out page, `images/responsive` measures what is displayed; a `srcset`
            // width descriptor that misstates its file is still this rule's (the browser
            // picks by the descriptor, so the layout shows the wrong file without saying why).
            let descriptor = matches!(usage.via, Via::Srcset(Some(Descriptor::Width(_))));
            if laid_out(usage.page) && !descriptor {
                continue;
            }
            let Some(image) = files.get(usage.target.as_str()) else {
                continue;
            };
            let (Some(header), Some((shown_width, shown_height))) =
                (image.facts.header, displayed(usage))
            else {
                continue;
            };
            let allowance = u64::from(DENSITY_ALLOWANCE);
            let limit = (
                shown_width.map(|w| u64::from(w) * allowance),
                shown_height.map(|h| u64::from(h) * allowance),
            );
            let Some(scale) = scale_to_fit(&header, limit) else {
                continue;
            };
            let saving = estimated_saving(image.asset.raw, scale);
            if saving < MIN_SAVING {
                continue;
            }
            let (target_width, target_height) = target_size(&header, scale);
            let shown = match (shown_width, shown_height, usage.via) {
                (Some(w), _, Via::Srcset(Some(Descriptor::Width(_)))) => {
                    format!("its srcset descriptor says {w}w")
                }
                (Some(w), Some(h), _) => format!("it is shown at {w}×{h}"),
                (Some(w), None, _) => format!("it is shown {w} px wide"),
                (None, Some(h), _) => format!("it is shown {h} px high"),
                (None, None, _) => continue,
            };
            reported.insert(usage.target.as_str());
            found.push(Violation {
                subject: Some(usage.target.clone()),
                path: Some(usage.page.to_string()),
                line: Some(usage.tag.location.line),
                column: Some(usage.tag.location.column),
                message: format!(
                    "{} is {}×{} but {shown} here: resized to {target_width}×{target_height} (2× for high-density screens) it would be about {} smaller (estimated from the pixel count)",
                    usage.target,
                    header.width,
                    header.height,
                    kib(saving)
                ),
                actual: Some(u64::from(header.width)),
                limit: limit.0,
                saving: Some(saving),
                fix: Some(fix(
                    context,
                    &usage.target,
                    &header,
                    image.asset.raw,
                    saving,
                    (target_width, target_height),
                )),
                ..Violation::default()
            });
        }

        let max_width = context.config.images.max_width;
        for (path, image) in &files {
            // An image nothing in the folder uses costs no visitor anything known.
            if context.site.unreferenced_images.contains(path) {
                continue;
            }
            let Some(header) = image.facts.header else {
                continue;
            };
            if reported.contains(path) {
                continue;
            }
            let Some(scale) = scale_to_fit(&header, (Some(u64::from(max_width)), None)) else {
                continue;
            };
            let saving = estimated_saving(image.asset.raw, scale);
            if saving < MIN_SAVING {
                continue;
            }
            let Some(place) = place_of(path, &uses, |_| true) else {
                continue;
            };
            let (target_width, target_height) = target_size(&header, scale);
            found.push(Violation {
                subject: Some(path.to_string()),
                path: Some(place.path.clone()),
                line: place.line,
                column: place.column,
                message: format!(
                    "{path} is {}×{}, wider than the {max_width} px any common screen needs: resized to {target_width}×{target_height} it would be about {} smaller (estimated from the pixel count){}",
                    header.width,
                    header.height,
                    kib(saving),
                    place.others_note()
                ),
                actual: Some(u64::from(header.width)),
                limit: Some(u64::from(max_width)),
                saving: Some(saving),
                fix: Some(fix(
                    context,
                    path,
                    &header,
                    image.asset.raw,
                    saving,
                    (target_width, target_height),
                )),
                ..Violation::default()
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::tester::{Folder, vite_page};

    const RULE: &str = "images/oversized";

    /// A page prerendered by Vite (vite-ssg): `body` starts on line 8. The page is nested
    /// over the layout's depth cap after `body`, so it is not laid out and this rule reads
    /// the sizes its HTML declares (laid out, `images/responsive` measures them).
    fn page(body: &str) -> String {
        vite_page(&format!("{body}\n{}", not_laid_out()))
    }

    /// 600 nested elements: over the layout's nesting cap of 512.
    fn not_laid_out() -> String {
        format!("{}{}", "<div>".repeat(600), "</div>".repeat(600))
    }

    /// The tester's 400×300 JPEG (41,602 bytes) at `assets/photo.jpg`, shown by `body`.
    fn shown(body: &str) -> Folder {
        Folder::new()
            .file("index.html", page(body))
            .jpeg("assets/photo.jpg", 400, 300)
    }

    #[test]
    fn passes_when_the_file_is_at_most_twice_the_displayed_size() {
        shown("    <img src=\"/assets/photo.jpg\" width=\"200\" height=\"150\" alt=\"\">")
            .passes(RULE);
    }

    #[test]
    fn passes_when_the_saving_is_under_4_kib() {
        // A 48-px icon shown at 16 px: a third of 5 KB of pixels is not worth a finding.
        Folder::new()
            .file(
                "index.html",
                page("    <img src=\"/assets/icon.png\" width=\"16\" height=\"16\" alt=\"\">"),
            )
            .png("assets/icon.png", 48, 48)
            .passes(RULE);
    }

    #[test]
    fn passes_when_the_html_does_not_say_the_displayed_size() {
        // No attributes, and sizes that are not one pixel length.
        shown(concat!(
            "    <img src=\"/assets/photo.jpg\" alt=\"\">\n",
            "    <img src=\"/assets/photo.jpg\" sizes=\"(max-width: 600px) 100vw, 50vw\" alt=\"\">\n",
            "    <img src=\"/assets/photo.jpg\" sizes=\"50vw\" width=\"50%\" alt=\"\">",
        ))
        .passes(RULE);
    }

    #[test]
    fn passes_when_srcset_width_descriptors_tell_the_truth() {
        shown(concat!(
            "    <img src=\"/assets/photo-200.jpg\" srcset=\"/assets/photo-200.jpg 200w, /assets/photo.jpg 400w\"\n",
            "         sizes=\"(max-width: 600px) 100vw, 400px\" alt=\"\">",
        ))
        .jpeg("assets/photo-200.jpg", 200, 150)
        .passes(RULE);
    }

    #[test]
    fn passes_when_a_2x_candidate_is_twice_the_displayed_width() {
        shown("    <img src=\"/assets/photo-200.jpg\" srcset=\"/assets/photo-200.jpg 1x, /assets/photo.jpg 2x\" width=\"200\" height=\"150\" alt=\"\">")
            .jpeg("assets/photo-200.jpg", 200, 150)
            .passes(RULE);
    }

    #[test]
    fn passes_for_images_elsewhere_or_under_max_width() {
        // Another origin and a data: URI are not files of the folder; the 400-px file is shown
        // at an unknown size and is far under max_width.
        shown(concat!(
            "    <img src=\"https://images.example-cdn.com/photo.jpg\" width=\"40\" height=\"30\" alt=\"\">\n",
            "    <img src=\"data:image/gif;base64,R0lGODlhAQABAAAAACw=\" width=\"1\" height=\"1\" alt=\"\">\n",
            "    <img src=\"/assets/photo.jpg\" alt=\"\">",
        ))
        .passes(RULE);
    }

    #[test]
    fn leaves_a_laid_out_page_to_images_responsive() {
        // The same <img> on a page that is laid out: its displayed box is measured there.
        let folder = Folder::new()
            .file(
                "index.html",
                vite_page(
                    "    <img src=\"/assets/photo.jpg\" width=\"100\" height=\"75\" alt=\"\">",
                ),
            )
            .jpeg("assets/photo.jpg", 400, 300);
        folder.passes(RULE);
        assert_eq!(folder.findings("images/responsive").len(), 1);
    }

    #[test]
    fn finds_a_file_shown_at_less_than_half_its_size() {
        let folder =
            shown("    <img src=\"/assets/photo.jpg\" width=\"100\" height=\"75\" alt=\"\">");
        assert_eq!(
            folder.findings(RULE),
            [
                "index.html:8:5: assets/photo.jpg is 400×300 but it is shown at 100×75 here: resized to 200×150 (2× for high-density screens) it would be about 30 KiB smaller (estimated from the pixel count)"
            ]
        );
        let finding = &folder.findings_of(RULE)[0];
        assert_eq!(finding.actual, Some(400));
        assert_eq!(finding.limit, Some(200));
        // 1 − (200×150)/(400×300) of the file's bytes.
        assert_eq!(finding.saving, Some(31_202));
        let fix = finding.fix.as_ref().and_then(|f| f.command_line()).unwrap();
        assert!(
            fix.starts_with("webaudit optimize --max-width 200 /")
                && fix.ends_with("/site/assets/photo.jpg"),
            "{fix}"
        );
    }

    #[test]
    fn finds_a_file_by_the_one_dimension_declared() {
        assert_eq!(
            shown(concat!(
                "    <img src=\"/assets/photo.jpg\" width=\"100\" alt=\"\">\n",
                "    <img src=\"/assets/photo.jpg\" height=\"50px\" alt=\"\">\n",
                "    <img src=\"/assets/photo.jpg\" sizes=\"120px\" alt=\"\">",
            ))
            .findings(RULE),
            [
                "index.html:8:5: assets/photo.jpg is 400×300 but it is shown 100 px wide here: resized to 200×150 (2× for high-density screens) it would be about 30 KiB smaller (estimated from the pixel count)",
                "index.html:9:5: assets/photo.jpg is 400×300 but it is shown 50 px high here: resized to 133×100 (2× for high-density screens) it would be about 36 KiB smaller (estimated from the pixel count)",
                "index.html:10:5: assets/photo.jpg is 400×300 but it is shown 120 px wide here: resized to 240×180 (2× for high-density screens) it would be about 26 KiB smaller (estimated from the pixel count)",
            ]
        );
    }

    #[test]
    fn finds_a_srcset_candidate_wider_than_its_descriptor() {
        let folder = shown(concat!(
            "    <img src=\"/assets/photo-200.jpg\"\n",
            "         srcset=\"/assets/photo-200.jpg 200w, /assets/photo.jpg 150w\" sizes=\"100vw\" alt=\"\">",
        ))
        .jpeg("assets/photo-200.jpg", 200, 150);
        assert_eq!(
            folder.findings(RULE),
            [
                "index.html:8:5: assets/photo.jpg is 400×300 but its srcset descriptor says 150w here: resized to 300×225 (2× for high-density screens) it would be about 18 KiB smaller (estimated from the pixel count)"
            ]
        );
    }

    #[test]
    fn finds_files_wider_than_max_width_wherever_they_are() {
        // Not shown by any page: on the file; shown without a declared size: at the <img>.
        let folder = Folder::new()
            .config("[images]\nmax_width = 300\n")
            .file(
                "index.html",
                page("    <img src=\"assets/hero.jpg\" alt=\"\">"),
            )
            .file(
                "assets/index-DhzmkGAC.css",
                ".hero{background:url(/assets/photo.jpg)}",
            )
            .jpeg("assets/photo.jpg", 400, 300)
            .jpeg("assets/hero.jpg", 400, 300);
        assert_eq!(
            folder.findings(RULE),
            [
                "assets/photo.jpg:-:-: assets/photo.jpg is 400×300, wider than the 300 px any common screen needs: resized to 300×225 it would be about 18 KiB smaller (estimated from the pixel count)",
                "index.html:8:5: assets/hero.jpg is 400×300, wider than the 300 px any common screen needs: resized to 300×225 it would be about 18 KiB smaller (estimated from the pixel count)",
            ]
        );
    }

    #[test]
    fn finds_each_img_that_shows_the_file_too_small() {
        // One finding per <img>, through a query and a <base href>.
        let folder = Folder::new()
            .file(
                "index.html",
                page("    <img src=\"/assets/photo.jpg?v=3\" width=\"100\" height=\"75\" alt=\"\">"),
            )
            .file(
                "blog/post.html",
                format!("<!doctype html><html><head><base href=\"/assets/\"></head>\n<body><img src=\"photo.jpg\" width=\"100\" height=\"75\" alt=\"\">{}</body></html>\n", not_laid_out()),
            )
            .jpeg("assets/photo.jpg", 400, 300);
        assert_eq!(
            folder.findings(RULE),
            [
                "blog/post.html:2:7: assets/photo.jpg is 400×300 but it is shown at 100×75 here: resized to 200×150 (2× for high-density screens) it would be about 30 KiB smaller (estimated from the pixel count)",
                "index.html:8:5: assets/photo.jpg is 400×300 but it is shown at 100×75 here: resized to 200×150 (2× for high-density screens) it would be about 30 KiB smaller (estimated from the pixel count)",
            ]
        );
    }

    #[test]
    fn finds_images_named_under_the_configured_base_path() {
        let folder = Folder::new()
            .config("[pages]\nbase = \"/app/\"\n")
            .file(
                "index.html",
                page(
                    "    <img src=\"/app/assets/photo.jpg\" width=\"100\" height=\"75\" alt=\"\">",
                ),
            )
            .jpeg("assets/photo.jpg", 400, 300);
        assert_eq!(
            folder.findings(RULE),
            [
                "index.html:8:5: assets/photo.jpg is 400×300 but it is shown at 100×75 here: resized to 200×150 (2× for high-density screens) it would be about 30 KiB smaller (estimated from the pixel count)"
            ]
        );
    }
}
