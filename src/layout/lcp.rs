//! The page's Largest Contentful Paint candidate at one viewport, as Chromium chooses it for a
//! page that loads without interaction: among images (`<img>`, `<video poster>`, elements with
//! a CSS background image) and text blocks, the one whose visible area in the first viewport
//! is largest. The engine (`engine.rs`) supplies the boxes; the arithmetic lives here.

use serde::Serialize;

use super::{ElementBox, ElementKind};

/// What the LCP candidate is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LcpKind {
    Img,
    Video,
    Background,
    /// A block's text (the element whose inline content holds it).
    Text,
}

/// The largest contentful element in the first viewport.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct LcpCandidate {
    pub kind: LcpKind,
    /// For an image: its `index` among the layout's elements of its kind.
    pub index: Option<usize>,
    /// For an image: the image it shows at this viewport as written (`current_src`; a
    /// background: its folder path).
    pub src: Option<String>,
    /// For text: the element's tag and the start of its text.
    pub text: Option<String>,
    /// The area counted (CSS px²): see [`image_area`] and [`visible_area`].
    pub area: f64,
    /// An `<img>` whose image a lazy-loading script sets from `data-src`/`data-srcset`
    /// ([`ElementBox::script_set`]): Chromium, which runs the script, paints that image.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub script_set: bool,
}

impl LcpCandidate {
    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            LcpKind::Img => "img",
            LcpKind::Video => "video",
            LcpKind::Background => "background",
            LcpKind::Text => "text",
        }
    }

    /// Whether this candidate is `element` of the layout.
    pub fn is(&self, element: &ElementBox) -> bool {
        let kind = match element.kind {
            ElementKind::Img => LcpKind::Img,
            ElementKind::Video => LcpKind::Video,
            ElementKind::Background => LcpKind::Background,
            ElementKind::Iframe => return false,
        };
        self.kind == kind && self.index == Some(element.index)
    }
}

/// A rectangle in CSS px from the top left of the page.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

impl Rect {
    /// The smallest rectangle holding both: what a browser takes as the area of one element's
    /// text laid out in several runs.
    pub fn union(&self, other: &Rect) -> Rect {
        let (left, top) = (self.x.min(other.x), self.y.min(other.y));
        let right = (self.x + self.width).max(other.x + other.width);
        let bottom = (self.y + self.height).max(other.y + other.height);
        Rect {
            x: left,
            y: top,
            width: right - left,
            height: bottom - top,
        }
    }
}

/// A text block the engine found: the element holding the text and the text's box.
#[derive(Debug, Clone, PartialEq)]
pub struct TextBlock {
    pub label: String,
    pub rect: Rect,
}

/// The part of `rect` inside the first viewport (`viewport_width`×`viewport_height` at the top
/// of the page), in CSS px².
pub fn visible_area(rect: Rect, viewport_width: f64, viewport_height: f64) -> f64 {
    let width = (rect.x + rect.width).min(viewport_width) - rect.x.max(0.0);
    let height = (rect.y + rect.height).min(viewport_height) - rect.y.max(0.0);
    if width > 0.0 && height > 0.0 {
        width * height
    } else {
        0.0
    }
}

/// An image's LCP area: its visible area, scaled down by natural ÷ displayed area when it is
/// shown larger than its intrinsic size (Chromium does not let an upscaled small image win).
/// `intrinsic` is the image's size in CSS px (file pixels ÷ density), when known.
pub fn image_area(
    element: &ElementBox,
    intrinsic: Option<(f64, f64)>,
    viewport_width: f64,
    viewport_height: f64,
) -> f64 {
    let rect = Rect {
        x: element.x,
        y: element.y,
        width: element.width,
        height: element.height,
    };
    let visible = visible_area(rect, viewport_width, viewport_height);
    let displayed = element.width * element.height;
    match intrinsic {
        Some((width, height)) if displayed > 0.0 && width * height < displayed => {
            visible * (width * height) / displayed
        }
        _ => visible,
    }
}

/// Chromium's floor for an image to be a candidate, in bits of file per displayed CSS px²:
/// below it the image is a placeholder or a plain fill, not content (Chromium 112 and later).
pub const MIN_BITS_PER_PIXEL: f64 = 0.05;

/// Whether an image of `file_bytes` shown `width`×`height` is too plain to be a candidate.
pub fn is_low_entropy(file_bytes: u64, width: f64, height: f64) -> bool {
    let displayed = width * height;
    displayed > 0.0 && (file_bytes as f64 * 8.0) / displayed < MIN_BITS_PER_PIXEL
}

/// The candidate among `elements` (of one viewport's layout) and `texts`: the largest area,
/// the first in document order on a tie (Chromium keeps the earlier one). Iframes are not
/// candidates (their content is another document); images with no area are not, nor
/// low-entropy images ([`is_low_entropy`]; `file_bytes` gives a folder file's size by path),
/// nor images naming a file of the folder that is missing.
pub fn choose(
    elements: &[ElementBox],
    texts: &[TextBlock],
    file_bytes: impl Fn(&str) -> Option<u64>,
    viewport_width: f64,
    viewport_height: f64,
) -> Option<LcpCandidate> {
    let mut best: Option<LcpCandidate> = None;
    let mut consider = |candidate: LcpCandidate| {
        if candidate.area > 0.0 && best.as_ref().is_none_or(|b| candidate.area > b.area) {
            best = Some(candidate);
        }
    };
    for element in elements {
        let kind = match element.kind {
            ElementKind::Img => LcpKind::Img,
            ElementKind::Video => LcpKind::Video,
            ElementKind::Background => LcpKind::Background,
            ElementKind::Iframe => continue,
        };
        // An image of the folder that is not there never paints; one on another origin
        // (no folder path) may.
        if let Some(path) = element.current_file.as_deref() {
            match file_bytes(path) {
                None => continue,
                Some(bytes) if is_low_entropy(bytes, element.width, element.height) => continue,
                Some(_) => {}
            }
        }
        let intrinsic = element.file_width.zip(element.file_height).map(|(w, h)| {
            let density = f64::from(element.density.unwrap_or(1.0).max(f32::EPSILON));
            (f64::from(w) / density, f64::from(h) / density)
        });
        consider(LcpCandidate {
            kind,
            index: Some(element.index),
            src: element.current_src.clone().or_else(|| element.src.clone()),
            text: None,
            area: image_area(element, intrinsic, viewport_width, viewport_height),
            script_set: element.script_set,
        });
    }
    for text in texts {
        consider(LcpCandidate {
            kind: LcpKind::Text,
            index: None,
            src: None,
            text: Some(text.label.clone()),
            area: visible_area(text.rect, viewport_width, viewport_height),
            script_set: false,
        });
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(y: f64, width: f64, height: f64, file: Option<(u32, u32)>) -> ElementBox {
        ElementBox {
            kind: ElementKind::Img,
            index: 0,
            src: Some("a.jpg".into()),
            current_src: None,
            current_file: None,
            file_width: file.map(|f| f.0),
            file_height: file.map(|f| f.1),
            density: file.map(|_| 1.0),
            script_set: false,
            x: 0.0,
            y,
            width,
            height,
            in_first_viewport: true,
            below_fold_px: 0.0,
            size_declared: true,
            out_of_flow: false,
            object_fit: crate::layout::ObjectFit::Fill,
        }
    }

    #[test]
    fn only_the_part_in_the_first_viewport_counts() {
        let banner = image(814.0, 412.0, 127.0, Some((824, 254)));
        assert_eq!(
            image_area(&banner, Some((824.0, 254.0)), 412.0, 823.0),
            9.0 * 412.0
        );
        let below = image(900.0, 412.0, 127.0, None);
        assert_eq!(image_area(&below, None, 412.0, 823.0), 0.0);
    }

    #[test]
    fn a_placeholder_with_few_bits_per_pixel_is_not_a_candidate() {
        let mut plain = image(0.0, 300.0, 150.0, None);
        plain.current_file = Some("plain.svg".into());
        // 93 bytes over 45,000 px²: 0.017 bits per px².
        assert!(is_low_entropy(93, 300.0, 150.0));
        assert_eq!(
            choose(&[plain.clone()], &[], |_| Some(93), 412.0, 823.0),
            None
        );
        assert!(
            choose(
                std::slice::from_ref(&plain),
                &[],
                |_| Some(2_000),
                412.0,
                823.0
            )
            .is_some()
        );
        // Missing from the folder: never painted.
        assert_eq!(choose(&[plain], &[], |_| None, 412.0, 823.0), None);
    }

    #[test]
    fn an_upscaled_image_counts_its_natural_area() {
        let upscaled = image(0.0, 400.0, 400.0, None);
        assert_eq!(
            image_area(&upscaled, Some((100.0, 100.0)), 412.0, 823.0),
            10_000.0
        );
        assert_eq!(
            image_area(&upscaled, Some((800.0, 800.0)), 412.0, 823.0),
            160_000.0
        );
    }

    #[test]
    fn text_wins_over_an_image_with_less_visible_area() {
        let banner = image(814.0, 412.0, 127.0, None);
        let heading = TextBlock {
            label: "h1 Blog".into(),
            rect: Rect {
                x: 16.0,
                y: 100.0,
                width: 200.0,
                height: 40.0,
            },
        };
        let chosen = choose(
            std::slice::from_ref(&banner),
            &[heading],
            |_| None,
            412.0,
            823.0,
        )
        .unwrap();
        assert_eq!(chosen.kind, LcpKind::Text);
        let chosen = choose(&[banner], &[], |_| None, 412.0, 823.0).unwrap();
        assert_eq!(chosen.kind, LcpKind::Img);
        assert_eq!(choose(&[], &[], |_| None, 412.0, 823.0), None);
    }
}
