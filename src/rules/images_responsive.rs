use super::image_refs::{image_files, kib, optimizer_rewrites, saving_option};
use super::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::analyze::Facts;
use crate::analyze::html::{HtmlFacts, ImageTag};
use crate::kind::Format;
use crate::layout::responsive::{Display, least_waste, page_displays, plan, variant_name};
use crate::layout::{DESKTOP, LayoutStatus, MOBILE, PageLayout};
use crate::model::finding::Violation;
use crate::model::fix::{Applicability, Fix};

/// Smallest waste worth a finding (Lighthouse's uses-responsive-images threshold).
pub const MIN_WASTE: u64 = 4 * 1024;

/// Smallest waste worth a finding for an `<img>` that already offers a `srcset` or sits in a
/// `<picture>`: its author made it responsive, and what is left is the candidates' spacing.
pub const MIN_WASTE_ALREADY_RESPONSIVE: u64 = 12 * 1024;

declare_rule! {
    /// ## What it does
    /// Reports images whose file has more pixels than the page displays, as measured on the
    /// page's layout (see `webaudit layout`): at Lighthouse's mobile profile (412×823 CSS px,
    /// 1.75 device pixels per CSS px) and at its desktop profile (1350×940, 1×).
    ///
    /// For each `<img>` with a box, the file the browser picks at that profile (its `srcset`
    /// or `<picture>` candidate, else `src`) is compared with the box: the pixels displayed are
    /// the box's CSS width × height × the device scale² (with `object-fit: cover`, `contain`
    /// or `none`, the size the image is drawn at in the box), and the waste is the share of the
    /// file's pixels beyond that (1 − displayed / file pixels), applied to the file's bytes —
    /// Lighthouse's `uses-responsive-images` measure. When a page shows the same file in
    /// several places, the largest display counts (the file is needed at that size). A profile
    /// where the waste reaches 4 KiB is reported (12 KiB when the `<img>` already has a
    /// `srcset` or a `<picture>`), with the larger of the two profiles' wastes as the saving.
    ///
    /// Left out: SVG (vector: no pixels to waste), images with no box (hidden), images outside
    /// the folder, and pages that could not be laid out (see `images/lazy-loading`; for those,
    /// `images/oversized` compares files with the sizes the HTML declares). Only static HTML is
    /// laid out: an image a script inserts is not seen.
    ///
    /// ## Why is this bad?
    /// The browser downloads every pixel of the file, then scales most of them away: a
    /// 2400-pixel photo in a 380-pixel column of a phone (665 device pixels at 1.75×) is 13
    /// times the pixels displayed. The bytes delay the page and cost mobile data.
    ///
    /// ## How to fix it
    /// Offer the widths each profile displays and tell the browser how wide the image is shown;
    /// the finding's fix names the widths and the `sizes` value measured on the layout, and
    /// `webaudit optimize --responsive --rewrite-html` writes both (for a PNG or JPEG shown by
    /// an `<img>` without a `srcset` of its own):
    ///
    /// ```html
    /// <img src="photo.jpg" srcset="photo-760w.jpg 760w, photo-1520w.jpg 1520w, photo.jpg 2400w"
    ///      sizes="(max-width: 412px) 92vw, 760px" width="2400" height="1350" alt="…">
    /// ```
    ///
    /// webaudit lays pages out at the two profiles' widths only: between them the page's own
    /// breakpoints decide, so check the `sizes` value against them. When every width the layout
    /// needs is the whole file (a 2× phone needs all of it), the finding says so and has no
    /// fix: the waste is that of Lighthouse's 1.75× profile only.
    ImagesResponsive {
        id: "images/responsive",
        summary: "image file has more pixels than the page's layout displays",
        severity: Warning,
    }
}

/// The page's `<img>` tag that `element` (an index into a viewport's boxes) is.
fn tag_of<'h>(
    html: &'h HtmlFacts,
    page: &PageLayout,
    viewport: &str,
    element: usize,
) -> Option<&'h ImageTag> {
    page.viewport(viewport)?.img_tag(html, element)
}

/// "380×214 CSS px on mobile at 1.75×", "not displayed on desktop".
fn described(display: Option<&Display>, profile: &str) -> String {
    let Some(d) = display else {
        return format!("not displayed on {profile}");
    };
    let drawn = if (d.drawn_width - d.width).abs() > 1.0 || (d.drawn_height - d.height).abs() > 1.0
    {
        format!(
            ", drawn {:.0}×{:.0} by its object-fit",
            d.drawn_width, d.drawn_height
        )
    } else {
        String::new()
    };
    format!(
        "{:.0}×{:.0} CSS px on {profile} at {}×{drawn}",
        d.width, d.height, d.scale
    )
}

impl Rule for ImagesResponsive {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &RuleContext, found: &mut Vec<Violation>) {
        let files = image_files(context);
        for page in &context.layouts.pages {
            if page.status != LayoutStatus::LaidOut {
                continue;
            }
            let Some(html) = context.assets.iter().find_map(|a| match &a.facts {
                Facts::Document(html) if a.path == page.page => Some(html),
                _ => None,
            }) else {
                continue;
            };
            for (file, displays) in page_displays(page) {
                let Some(image) = files.get(file) else {
                    continue;
                };
                // Vector images have no pixels to waste.
                if image.asset.format == Format::Svg {
                    continue;
                }
                let Some(header) = image.facts.header else {
                    continue;
                };
                let raw = image.asset.raw;
                let waste = |d: Option<&Display>| {
                    d.map_or(0, |d| (raw as f64 * d.wasted_share()).round() as u64)
                };
                let mobile = least_waste(&displays, MOBILE.name);
                let desktop = least_waste(&displays, DESKTOP.name);
                let (worse, worse_name) = if waste(mobile) >= waste(desktop) {
                    (mobile, MOBILE.name)
                } else {
                    (desktop, DESKTOP.name)
                };
                let Some(worse) = worse else {
                    continue;
                };
                let saving = waste(Some(worse));
                let tags: Vec<&ImageTag> = displays
                    .iter()
                    .filter_map(|d| tag_of(html, page, d.viewport, d.element))
                    .collect();
                let already_responsive = tags
                    .iter()
                    .any(|t| t.srcset.is_some() || t.in_picture.is_some());
                let threshold = if already_responsive {
                    MIN_WASTE_ALREADY_RESPONSIVE
                } else {
                    MIN_WASTE
                };
                if saving < threshold {
                    continue;
                }
                let tag = tag_of(html, page, worse.viewport, worse.element);
                let shown_as = page
                    .viewport(worse.viewport)
                    .and_then(|v| v.elements.get(worse.element))
                    .and_then(|b| b.current_src.clone())
                    .unwrap_or_else(|| file.to_string());
                let largest = displays
                    .iter()
                    .map(|d| d.file_width)
                    .max()
                    .unwrap_or(header.width);
                let advice = plan(&displays, largest).map(|plan| {
                    let mut candidates: Vec<String> = plan
                        .widths
                        .iter()
                        .filter(|&&w| w < largest)
                        .map(|&w| format!("{} {w}w", variant_name(&shown_as, w)))
                        .collect();
                    candidates.push(format!("{shown_as} {largest}w"));
                    (plan, candidates.join(", "))
                });
                let message = format!(
                    "{file} is {}×{} but displayed {} and {}: {:.0}% of its pixels are never shown on {worse_name}, about {} wasted",
                    worse.file_width,
                    worse.file_height,
                    described(mobile, MOBILE.name),
                    described(desktop, DESKTOP.name),
                    worse.wasted_share() * 100.0,
                    kib(saving)
                );
                // `optimize --responsive` takes PNG and JPEG files shown by an <img> without a
                // srcset, sizes or <picture> (it leaves an author's own choices alone).
                let fixer_takes = optimizer_rewrites(file, &header)
                    && !already_responsive
                    && tags.iter().all(|t| t.sizes.is_none());
                // Every width the layout needs (2× on phones, 1× and 2× on desktops) is the
                // whole file: the waste is the 1.75× profile's alone, and a 2× phone needs it
                // all. Reported, as Lighthouse does, with nothing smaller to offer.
                let advice = advice.filter(|(plan, _)| plan.widths.iter().any(|&w| w < largest));
                let message = if advice.is_none() {
                    format!(
                        "{message} (a 2× phone needs the whole file: there is no smaller width to offer)"
                    )
                } else {
                    message
                };
                let fix = advice.map(|(plan, srcset)| {
                    let widths = plan
                        .widths
                        .iter()
                        .filter(|&&w| w < largest)
                        .map(|&w| format!("{w} px"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    if fixer_takes {
                        let variants: Vec<String> = plan
                            .widths
                            .iter()
                            .filter(|&&w| w < largest)
                            .map(|&w| variant_name(file, w))
                            .collect();
                        let mut changes = variants.clone();
                        changes.push(page.page.clone());
                        return Fix::command(
                            format!(
                                "webaudit optimize --responsive --copies-only --rewrite-html {}--root {} {}",
                                saving_option(raw, saving),
                                super::fix_folder(context.root),
                                super::fix_path(context.root, file)
                            ),
                            Applicability::Unsafe,
                            format!(
                                "writes {} beside {file} (lossy: scaled down; {file} is not changed) at the widths every laid-out page displays it at, and adds srcset and sizes to the <img> showing it in {} (here: srcset=\"{srcset}\" sizes=\"{}\"), with the page's other --rewrite-html edits",
                                variants.join(", "),
                                page.page,
                                plan.sizes
                            ),
                            vec![file.to_string()],
                            changes,
                        );
                    }
                    let existing = if already_responsive {
                        " (replacing its srcset: the candidates offered do not fit the layout)"
                    } else {
                        ""
                    };
                    Fix::manual(
                        Applicability::Unsafe,
                        format!(
                            "generate {widths} and write srcset=\"{srcset}\" sizes=\"{}\" on the <img>{existing}; the widths are what the layout displays at 2× on phones and 1× and 2× on desktops",
                            plan.sizes
                        ),
                        vec![page.page.clone(), file.to_string()],
                        vec![page.page.clone()],
                    )
                });
                found.push(Violation {
                    subject: Some(file.to_string()),
                    path: Some(page.page.clone()),
                    line: tag.map(|t| t.location.line),
                    column: tag.map(|t| t.location.column),
                    message,
                    actual: Some(u64::from(worse.file_width)),
                    limit: Some(u64::from(worse.needed_width())),
                    saving: Some(saving),
                    fix,
                    ..Violation::default()
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::tester::Folder;

    const RULE: &str = "images/responsive";

    /// A phone-ready page whose body is `body`, with a 380 px column on phones and 760 px on
    /// desktops.
    fn page(body: &str) -> String {
        format!(
            "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>t</title>\n<style>body {{ margin: 0 }} main {{ margin: 0 auto; max-width: 760px; padding: 0 16px }} img {{ display: block; width: 100%; height: auto }}</style>\n</head>\n<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
        )
    }

    #[test]
    fn reports_a_file_wider_than_the_column_it_fills() {
        // 2400 px wide: 760 CSS px on desktop, 380 on mobile (665 device px).
        let folder = Folder::new()
            .file("index.html", page("<img src=\"photo.jpg\" alt=\"\">"))
            .jpeg("photo.jpg", 2400, 1200);
        let findings = folder.findings(RULE);
        assert_eq!(findings.len(), 1, "{findings:?}");
        let finding = &findings[0];
        assert!(
            finding.starts_with("index.html:11:1: photo.jpg is 2400×1200 but displayed 380×190 CSS px on mobile at 1.75× and 760×380 CSS px on desktop at 1×: 92% of its pixels are never shown on mobile"),
            "{finding}"
        );
        let fix = folder.findings_of(RULE)[0].fix.clone().unwrap();
        assert!(
            fix.description.contains("srcset=\"photo-760w.jpg 760w, photo-1520w.jpg 1520w, photo.jpg 2400w\" sizes=\"(max-width: 412px) 92vw, 760px\""),
            "{}",
            fix.description
        );
        let command = fix.command_line().unwrap();
        assert!(
            command.starts_with(
                "webaudit optimize --responsive --copies-only --rewrite-html --root /"
            ) && command.ends_with("/site/photo.jpg"),
            "{command}"
        );
        assert_eq!(
            fix.changes,
            ["photo-760w.jpg", "photo-1520w.jpg", "index.html"]
        );
    }

    #[test]
    fn passes_when_the_file_fits_the_largest_display() {
        // 665 px: the mobile display's device pixels (380 × 1.75); desktop shows it 760 wide.
        Folder::new()
            .file("index.html", page("<img src=\"photo.jpg\" alt=\"\">"))
            .jpeg("photo.jpg", 665, 332)
            .passes(RULE);
    }

    #[test]
    fn the_largest_display_on_a_page_counts() {
        // The same file shown as a 100 px thumbnail and full width: the full-width one needs it.
        Folder::new()
            .file(
                "index.html",
                page(
                    "<img src=\"photo.jpg\" style=\"width: 100px\" alt=\"\">\n<img src=\"photo.jpg\" alt=\"\">",
                ),
            )
            .jpeg("photo.jpg", 665, 332)
            .passes(RULE);
    }

    #[test]
    fn a_srcset_that_offers_each_profile_its_width_passes() {
        // Mobile picks the 665w candidate (1.75× of 92vw = 379 px), desktop the 760w one.
        Folder::new()
            .file(
                "index.html",
                page(
                    "<img src=\"photo.jpg\" srcset=\"small.jpg 665w, mid.jpg 760w, photo.jpg 2400w\" sizes=\"(max-width: 412px) 92vw, 760px\" alt=\"\">",
                ),
            )
            .jpeg("photo.jpg", 2400, 1200)
            .jpeg("mid.jpg", 760, 380)
            .jpeg("small.jpg", 665, 332)
            .passes(RULE);
    }

    #[test]
    fn a_srcset_whose_candidates_miss_the_layout_is_reported_with_the_profile_that_wastes() {
        // Neither profile has a candidate near what it displays: between 150w and 2400w, both
        // take the 2400 px file (Chromium takes the lower candidate only when the device's
        // density is under the two candidates' geometric mean).
        let findings = Folder::new()
            .file(
                "index.html",
                page(
                    "<img src=\"photo.jpg\" srcset=\"tiny.jpg 150w, photo.jpg 2400w\" sizes=\"(max-width: 412px) 92vw, 760px\" alt=\"\">",
                ),
            )
            .jpeg("photo.jpg", 2400, 1200)
            .jpeg("tiny.jpg", 150, 75)
            .findings(RULE);
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert!(
            findings[0].contains("photo.jpg is 2400×1200 but displayed 380×190 CSS px on mobile at 1.75× and 760×380 CSS px on desktop at 1×: 92% of its pixels are never shown on mobile"),
            "{}",
            findings[0]
        );
    }

    #[test]
    fn a_covering_image_is_measured_as_drawn() {
        // A 380×380 square cut from a 2400×1200 file: drawn 760×380 on mobile, so it needs
        // 1330 px (760 × 1.75), not the box's 665.
        let findings = Folder::new()
            .file(
                "index.html",
                page(
                    "<img src=\"photo.jpg\" style=\"aspect-ratio: 1; object-fit: cover\" alt=\"\">",
                ),
            )
            .jpeg("photo.jpg", 2400, 1200)
            .findings(RULE);
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert!(
            findings[0].contains("displayed 380×380 CSS px on mobile at 1.75×, drawn 760×380 by its object-fit and 760×760 CSS px on desktop at 1×, drawn 1520×760 by its object-fit"),
            "{}",
            findings[0]
        );
    }

    #[test]
    fn svg_and_hidden_images_pass() {
        Folder::new()
            .file(
                "index.html",
                page("<img src=\"photo.jpg\" style=\"display: none\" alt=\"\">"),
            )
            .jpeg("photo.jpg", 2400, 1200)
            .passes(RULE);
    }
}
