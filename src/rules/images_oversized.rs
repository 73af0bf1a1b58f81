use std::collections::BTreeSet;

use super::image_refs::{
    ImgUse, Via, image_files, img_uses, kib, optimizer_rewrites, place_of, saving_option,
};
use super::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::analyze::url::Descriptor;
use crate::imaging::ImageHeader;
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
    /// * where the HTML declares the displayed size — the `<img>` `width`/`height` attributes,
    ///   or a `sizes` that is a single pixel length (`sizes="320px"`) — and the file is more
    ///   than 2× wider or taller than that (2×: high-density screens need twice the CSS
    ///   pixels; more is never shown);
    /// * a `srcset` candidate with a width descriptor (`photo.jpg 480w`) whose file is more
    ///   than 2× wider than the descriptor says (the browser picks it for a 480-pixel slot);
    /// * any image wider than `max_width` (default 2560 px) wherever it is shown, or not shown
    ///   by any page.
    ///
    /// The saving is estimated, and labelled so: the file's bytes scaled by the share of
    /// pixels that resizing to the needed size (2× the displayed size, or `max_width`) removes.
    /// Findings under 4 KiB of estimated saving are not reported (Lighthouse's
    /// uses-responsive-images threshold). The intrinsic size comes from the file's header
    /// (EXIF rotation is not applied). CSS can also size images; that is not visible here.
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
        let mut reported: BTreeSet<&str> = BTreeSet::new();
        for usage in &uses {
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
                source_hint: None,
            });
        }

        let max_width = context.config.images.max_width;
        for (path, image) in &files {
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
                source_hint: None,
            });
        }
    }
}
