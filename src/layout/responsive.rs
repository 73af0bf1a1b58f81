//! How large each image of a laid-out page is displayed, against the pixels of the file the
//! browser picked — Lighthouse's `uses-responsive-images` measure, at both profiles — and what
//! would serve each profile what it displays: the widths to generate and the `sizes` to write.
//! One source for the `images/responsive` rule and `webaudit optimize --responsive`.

use std::collections::BTreeMap;

use super::{ElementKind, PageLayout, ViewportLayout};

/// Two generated widths closer than this ratio are one: a browser picking the larger of the
/// two wastes under a fifth of the pixels (0.9² ≈ 0.81).
const MERGE_RATIO: f64 = 0.9;

/// One `<img>` displaying a file at one viewport.
#[derive(Debug, Clone, PartialEq)]
pub struct Display {
    pub viewport: &'static str,
    /// The layout viewport's width in CSS px (980 on mobile for a page without a viewport
    /// `<meta>`).
    pub viewport_width: u32,
    /// Device pixels per CSS px.
    pub scale: f32,
    /// Index of the element among the viewport's boxes (`ViewportLayout::elements`).
    pub element: usize,
    /// The displayed box, CSS px.
    pub width: f64,
    pub height: f64,
    /// The pixel size of the file shown.
    pub file_width: u32,
    pub file_height: u32,
}

impl Display {
    /// The device pixels the box covers: its CSS size times the device scale, in each
    /// dimension (Lighthouse's displayed dimensions × DPR).
    pub fn used_pixels(&self) -> f64 {
        let scale = f64::from(self.scale);
        (self.width * scale) * (self.height * scale)
    }

    /// The share of the file's pixels that are never displayed: `1 − used / file pixels`, or 0
    /// when the file has no more pixels than the box shows.
    pub fn wasted_share(&self) -> f64 {
        let file = f64::from(self.file_width) * f64::from(self.file_height);
        if file <= 0.0 {
            return 0.0;
        }
        (1.0 - self.used_pixels() / file).max(0.0)
    }

    /// The width in file pixels this display needs at its device scale.
    pub fn needed_width(&self) -> u32 {
        (self.width * f64::from(self.scale)).ceil() as u32
    }
}

/// Every file shown by an `<img>` (or `<video poster>`) of `layout` with a box, by its path in
/// the folder, with each display. Elements without a box (hidden) display nothing and are
/// left out, as are files whose pixel size is unknown.
pub fn displays(layout: &ViewportLayout) -> BTreeMap<&str, Vec<Display>> {
    let mut by_file: BTreeMap<&str, Vec<Display>> = BTreeMap::new();
    for (element, shown) in layout.elements.iter().enumerate() {
        if matches!(shown.kind, ElementKind::Iframe | ElementKind::Background)
            || shown.width <= 0.0
            || shown.height <= 0.0
        {
            continue;
        }
        let (Some(file), Some(file_width), Some(file_height)) = (
            shown.current_file.as_deref(),
            shown.file_width,
            shown.file_height,
        ) else {
            continue;
        };
        by_file.entry(file).or_default().push(Display {
            viewport: layout.name,
            viewport_width: layout.width,
            scale: layout.scale,
            element,
            width: shown.width,
            height: shown.height,
            file_width,
            file_height,
        });
    }
    by_file
}

/// Per file of `page`, its displays at every viewport (mobile first).
pub fn page_displays(page: &PageLayout) -> BTreeMap<&str, Vec<Display>> {
    let mut by_file: BTreeMap<&str, Vec<Display>> = BTreeMap::new();
    for viewport in &page.viewports {
        for (file, shown) in displays(viewport) {
            by_file.entry(file).or_default().extend(shown);
        }
    }
    by_file
}

/// The least waste among `displays` at `viewport`: a file another element of the page shows
/// larger is needed at that size (Lighthouse keeps an image's smallest waste per page).
pub fn least_waste<'d>(displays: &'d [Display], viewport: &str) -> Option<&'d Display> {
    displays
        .iter()
        .filter(|d| d.viewport == viewport)
        .min_by(|a, b| a.wasted_share().total_cmp(&b.wasted_share()))
}

/// What would serve every profile what it displays.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Widths in pixels to generate, ascending, none wider than the source.
    pub widths: Vec<u32>,
    /// The `sizes` attribute to write.
    pub sizes: String,
}

/// The widths to generate and the `sizes` to write for a file displayed as `displays`, from a
/// source `source_width` pixels wide.
///
/// Widths: each profile's largest displayed width at 1× and 2× (phones are 2–3×, Lighthouse's
/// mobile profile 1.75×, desktops 1–2×), none wider than the source (the source itself then
/// serves), merged when within 10% of each other. `sizes`: the displayed widths the layout
/// measured — one pixel length when both profiles show the image equally wide, one `vw`
/// share when both show the same share of the viewport, else the mobile share up to the
/// mobile viewport's width and the desktop length above it (webaudit lays pages out at those
/// two widths only: between them, the page's own breakpoints decide, so check the value
/// against them).
pub fn plan(displays: &[Display], source_width: u32) -> Option<Plan> {
    let widest = |viewport: &str| {
        displays
            .iter()
            .filter(|d| d.viewport == viewport)
            .max_by(|a, b| a.width.total_cmp(&b.width))
    };
    let mobile = widest(super::MOBILE.name);
    let desktop = widest(super::DESKTOP.name);
    let mut wanted: Vec<u32> = Vec::new();
    for shown in [mobile, desktop].into_iter().flatten() {
        let css = shown.width.ceil() as u32;
        wanted.extend([css, css.saturating_mul(2)]);
    }
    if wanted.is_empty() || source_width == 0 {
        return None;
    }
    let mut capped: Vec<u32> = wanted
        .into_iter()
        .map(|w| w.clamp(1, source_width))
        .collect();
    capped.sort_unstable_by(|a, b| b.cmp(a));
    let mut widths: Vec<u32> = Vec::new();
    for width in capped {
        match widths.last() {
            Some(&kept) if f64::from(width) >= f64::from(kept) * MERGE_RATIO => {}
            _ => widths.push(width),
        }
    }
    widths.reverse();
    let share = |d: &Display| (d.width / f64::from(d.viewport_width) * 100.0).round() as u32;
    let sizes = match (mobile, desktop) {
        (Some(m), Some(d)) if (m.width - d.width).abs() <= 2.0 => {
            format!("{}px", d.width.round() as u32)
        }
        (Some(m), Some(d)) if share(m) == share(d) => format!("{}vw", share(d)),
        (Some(m), Some(d)) => format!(
            "(max-width: {}px) {}vw, {}px",
            m.viewport_width,
            share(m),
            d.width.round() as u32
        ),
        (Some(only), None) | (None, Some(only)) => format!("{}px", only.width.round() as u32),
        (None, None) => return None,
    };
    Some(Plan { widths, sizes })
}

/// The name of `path`'s variant `width` pixels wide: `img/photo.jpg` → `img/photo-640w.jpg`.
pub fn variant_name(path: &str, width: u32) -> String {
    let (folder, name) = match path.rsplit_once('/') {
        Some((folder, name)) => (Some(folder), name),
        None => (None, path),
    };
    let renamed = match name.rsplit_once('.') {
        Some((stem, extension)) if !stem.is_empty() => format!("{stem}-{width}w.{extension}"),
        _ => format!("{name}-{width}w"),
    };
    match folder {
        Some(folder) => format!("{folder}/{renamed}"),
        None => renamed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn display(viewport: &'static str, width: f64, file_width: u32) -> Display {
        let (viewport_width, scale) = if viewport == "mobile" {
            (412, 1.75)
        } else {
            (1350, 1.0)
        };
        Display {
            viewport,
            viewport_width,
            scale,
            element: 0,
            width,
            height: width / 2.0,
            file_width,
            file_height: file_width / 2,
        }
    }

    #[test]
    fn waste_is_the_share_of_file_pixels_not_displayed() {
        // 380 CSS px at 1.75 = 665 device px of a 1330-px file: a quarter of its pixels shown.
        let shown = display("mobile", 380.0, 1330);
        assert!((shown.wasted_share() - 0.75).abs() < 1e-9);
        // A file smaller than its box wastes nothing.
        assert_eq!(display("desktop", 800.0, 400).wasted_share(), 0.0);
    }

    #[test]
    fn the_least_waste_of_a_page_counts() {
        let shown = [
            display("mobile", 100.0, 1000),
            display("mobile", 380.0, 1000),
        ];
        assert_eq!(least_waste(&shown, "mobile").map(|d| d.width), Some(380.0));
        assert!(least_waste(&shown, "desktop").is_none());
    }

    #[test]
    fn a_fluid_image_gets_one_vw_share() {
        let plan = plan(
            &[
                display("mobile", 412.0, 3000),
                display("desktop", 1350.0, 3000),
            ],
            3000,
        )
        .unwrap();
        assert_eq!(plan.sizes, "100vw");
        assert_eq!(plan.widths, vec![412, 824, 1350, 2700]);
    }

    #[test]
    fn a_fixed_image_gets_one_length_and_widths_stop_at_the_source() {
        let plan = plan(
            &[
                display("mobile", 320.0, 500),
                display("desktop", 320.0, 500),
            ],
            500,
        )
        .unwrap();
        assert_eq!(plan.sizes, "320px");
        // 320 at 1× and 500 (2× capped at the source); the desktop ones are the same.
        assert_eq!(plan.widths, vec![320, 500]);
    }

    #[test]
    fn a_column_image_gets_a_breakpoint_at_the_mobile_width() {
        let plan = plan(
            &[
                display("mobile", 380.0, 4000),
                display("desktop", 760.0, 4000),
            ],
            4000,
        )
        .unwrap();
        assert_eq!(plan.sizes, "(max-width: 412px) 92vw, 760px");
        // 760 (mobile 2×) and 760 (desktop 1×) merge.
        assert_eq!(plan.widths, vec![380, 760, 1520]);
    }

    #[test]
    fn variants_are_named_by_width() {
        assert_eq!(variant_name("img/photo.jpg", 640), "img/photo-640w.jpg");
        assert_eq!(variant_name("photo.png", 2), "photo-2w.png");
        assert_eq!(variant_name("a.b/noext", 10), "a.b/noext-10w");
    }
}
