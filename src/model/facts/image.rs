//! What one image is: the data [`crate::analyze::image`] reads.

use serde::{Deserialize, Serialize};

use crate::imaging::ImageHeader;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ImageFacts {
    /// `None` when even the header could not be read (then `problem` says why).
    pub header: Option<ImageHeader>,
    /// Why the image could not be read or decoded, as a sentence for the user.
    pub problem: Option<String>,
    /// Lossy WebP size at [`WEBP_QUALITY`] (JPEG, PNG, static GIF that decode).
    pub webp: Option<u64>,
    /// The same image in the same format, optimised (JPEG and PNG that decode).
    pub optimized: Option<Optimized>,
    /// AVIF size, measured (`--avif`) or estimated.
    pub avif: Option<AvifSize>,
    /// When `webp` and `optimized` are estimates: how they were measured on part of the
    /// image (large images without `--exact-images`). `None`: encoded from the whole image.
    #[serde(default)]
    pub estimate: Option<SampleEstimate>,
    /// `optimized` (a PNG's) is estimated from oxipng's quick pass, not encoded at preset 2
    /// (without `--exact-images`, when the finding's verdict is clear either way).
    #[serde(default)]
    pub png_quick: bool,
    /// `webp` is estimated from a quicker libwebp effort (method 2), not encoded at `cwebp`'s
    /// default (method 4): without `--exact-images`, when the finding's verdict is clear.
    #[serde(default)]
    pub webp_quick: bool,
    /// Nothing in the folder uses the image (no page or stylesheet refers to it and no script
    /// or page names it), so it was decoded but not re-encoded: `webp`, `optimized` and `avif`
    /// are absent, and the image rules leave it out. Re-encoding is most of an audit's time on
    /// image-heavy folders, and builds ship unused images (favicons of every size, the assets
    /// of a documentation theme) by the dozen.
    #[serde(default)]
    pub unused: bool,
}

/// How a PNG size estimated from oxipng's quick pass is described to the user.
pub const PNG_QUICK_DESCRIPTION: &str =
    "estimated from a quicker oxipng pass; --exact-images runs preset 2";

/// How a WebP size estimated from a quicker libwebp effort is described to the user.
pub const WEBP_QUICK_DESCRIPTION: &str =
    "estimated from a quicker WebP encode; --exact-images encodes at libwebp's default effort";

/// Sizes measured on a banded sample of an image's rows and scaled to the whole image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SampleEstimate {
    /// Rows the encoders saw.
    pub sampled_rows: u32,
    /// Rows the image has.
    pub rows: u32,
}

impl SampleEstimate {
    /// How a size measured this way is described to the user.
    pub fn describe(&self) -> String {
        format!(
            "estimated from {} of its {} rows; --exact-images encodes it whole",
            self.sampled_rows, self.rows
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Optimized {
    pub bytes: u64,
    pub method: OptimizeMethod,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum OptimizeMethod {
    /// oxipng at [`PNG_PRESET`], metadata stripped safely: lossless.
    Oxipng,
    /// Re-encoded at JPEG quality [`JPEG_QUALITY`]: lossy, as Lighthouse measures it.
    JpegQuality,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AvifSize {
    pub bytes: u64,
    /// Estimated from the WebP size, not encoded.
    pub estimated: bool,
}

/// What one ICO or CUR file holds (see [`crate::analyze::icon`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct IconFacts {
    /// `None` when the directory could not be read (then `problem` says why).
    pub directory: Option<IcoDirectory>,
    /// Why the file could not be read, as a sentence for the user.
    pub problem: Option<String>,
}

/// The directory of an ICO or CUR file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct IcoDirectory {
    pub kind: IconKind,
    /// In directory order.
    pub entries: Vec<IcoEntry>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum IconKind {
    /// Type 1: `.ico`.
    Icon,
    /// Type 2: `.cur`.
    Cursor,
}

/// One picture of an ICO file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct IcoEntry {
    /// As the directory declares it (0 in the file means 256).
    pub width: u32,
    pub height: u32,
    /// The picture's length in the file.
    pub bytes: u32,
    pub offset: u32,
    pub payload: IcoPayload,
}

impl IcoEntry {
    /// The larger side in pixels: what the picture holds (its own header), or what the
    /// directory declares when that is larger.
    pub fn side(&self) -> u32 {
        let (width, height) = match self.payload {
            IcoPayload::Png { width, height } | IcoPayload::Bmp { width, height, .. } => {
                (width, height)
            }
        };
        width.max(height).max(self.width).max(self.height)
    }
}

/// How a picture of an ICO file is stored, with its size from its own header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum IcoPayload {
    Png {
        width: u32,
        height: u32,
    },
    /// A DIB without its file header: colour rows then a 1-bit mask.
    Bmp {
        width: u32,
        height: u32,
        bit_count: u16,
    },
}

/// What an SVG file declares about its size (see [`crate::analyze::svg`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SvgFacts {
    /// The root element's `width`/`height` in CSS px, when absolute and positive.
    pub width: Option<f32>,
    pub height: Option<f32>,
    /// The root element's `viewBox` width and height.
    pub view_box: Option<(f32, f32)>,
    /// Why the root element could not be read, as a sentence for the user.
    pub problem: Option<String>,
}

/// The size a browser gives a replaced element that has no intrinsic size (CSS 2's default
/// object size).
pub const DEFAULT_OBJECT_SIZE: (f32, f32) = (300.0, 150.0);

impl SvgFacts {
    /// The aspect ratio (width / height): the declared size's, else the `viewBox`'s.
    pub fn ratio(&self) -> Option<f32> {
        match (self.width, self.height) {
            (Some(w), Some(h)) => Some(w / h),
            _ => self.view_box.map(|(w, h)| w / h),
        }
    }

    /// The size, in CSS px, that lays the image out as a browser does when given to a layout
    /// engine as a raster of that size: the declared sides, a missing side from the ratio, and
    /// with no declared side the ratio fitted inside [`DEFAULT_OBJECT_SIZE`] (CSS's
    /// default sizing: an element sized by CSS on one side then follows the ratio, and one
    /// sized by nothing gets that fit). Without a ratio, the default object size fills in.
    pub fn layout_size(&self) -> Option<(u32, u32)> {
        let (default_width, default_height) = DEFAULT_OBJECT_SIZE;
        let ratio = self.ratio();
        let (width, height) = match (self.width, self.height, ratio) {
            (Some(w), Some(h), _) => (w, h),
            (Some(w), None, Some(r)) => (w, w / r),
            (None, Some(h), Some(r)) => (h * r, h),
            (Some(w), None, None) => (w, default_height),
            (None, Some(h), None) => (default_width, h),
            (None, None, Some(r)) if r >= default_width / default_height => {
                (default_width, default_width / r)
            }
            (None, None, Some(r)) => (default_height * r, default_height),
            (None, None, None) => DEFAULT_OBJECT_SIZE,
        };
        let side = |v: f32| (v.is_finite() && v >= 0.5).then(|| v.round().min(1e6) as u32);
        Some((side(width)?, side(height)?))
    }
}
