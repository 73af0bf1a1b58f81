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
}

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
