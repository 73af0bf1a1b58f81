//! What the `images/*` rules share: the analysed image files, which of them each `<img>`
//! shows (its `src` and `srcset` candidates, resolved in the folder), and where a finding
//! about an image file is reported — at the first `<img>` that shows it (page and line), or on
//! the file itself when no page shows it (a CSS background, an image loaded by script).

use std::collections::BTreeMap;

use super::RuleContext;
use crate::analyze::Facts;
use crate::analyze::html::{HtmlFacts, ImageTag};
use crate::analyze::image::ImageFacts;
use crate::measure::Asset;

/// One analysed image file.
pub(super) struct ImageFile<'a> {
    pub asset: &'a Asset,
    pub facts: &'a ImageFacts,
}

/// The analysed image files by path.
pub(super) fn image_files<'a>(context: &RuleContext<'a>) -> BTreeMap<&'a str, ImageFile<'a>> {
    context
        .assets
        .iter()
        .filter_map(|asset| match &asset.facts {
            Facts::Image(facts) => Some((asset.path.as_str(), ImageFile { asset, facts })),
            _ => None,
        })
        .collect()
}

pub(super) use crate::site::Via;

/// One file an `<img>` may show.
pub(super) struct ImgUse<'a> {
    pub page: &'a str,
    pub html: &'a HtmlFacts,
    pub tag: &'a ImageTag,
    /// The file, relative to the audited folder.
    pub target: String,
    pub via: Via,
}

/// Every local file every `<img>` in `<body>` may show, pages in path order, then document
/// order (`src` before `srcset` candidates), from the site model.
pub(super) fn img_uses<'a>(context: &RuleContext<'a>) -> Vec<ImgUse<'a>> {
    let mut uses = Vec::new();
    for page in &context.site.pages {
        for image in &page.images {
            if !image.tag.in_body || image.tag.is_data_uri {
                continue;
            }
            for (target, via) in &image.targets {
                uses.push(ImgUse {
                    page: page.path(),
                    html: page.html,
                    tag: image.tag,
                    target: target.clone(),
                    via: *via,
                });
            }
        }
    }
    uses
}

/// The `<img>` is the fallback of a `<picture>` that offers a WebP or AVIF `<source>`
/// (by its `type`, or by the file extensions of its `srcset`).
pub(super) fn modern_source_offered(html: &HtmlFacts, tag: &ImageTag) -> bool {
    let Some(picture) = tag.in_picture.and_then(|i| html.pictures.get(i)) else {
        return false;
    };
    picture.sources.iter().any(|source| {
        let by_type = source.type_.as_deref().is_some_and(|t| {
            let t = t.trim().to_ascii_lowercase();
            t == "image/webp" || t == "image/avif"
        });
        let by_name = source.type_.is_none()
            && source.srcset.as_deref().is_some_and(|srcset| {
                crate::analyze::url::parse_srcset(srcset).iter().all(|c| {
                    let path = c.url.split(['?', '#']).next().unwrap_or("");
                    let lower = path.to_ascii_lowercase();
                    lower.ends_with(".webp") || lower.ends_with(".avif")
                }) && !srcset.trim().is_empty()
            });
        by_type || by_name
    })
}

/// Where a finding about an image file goes.
pub(super) struct Place {
    pub path: String,
    pub line: Option<u32>,
    pub column: Option<u32>,
    /// Other `<img>` showing the same file, not counted in `path`/`line`.
    pub others: usize,
}

impl Place {
    /// " (also shown by N other <img>)", or nothing.
    pub fn others_note(&self) -> String {
        match self.others {
            0 => String::new(),
            1 => " (also shown by 1 other <img>)".to_string(),
            n => format!(" (also shown by {n} other <img>)"),
        }
    }
}

/// The first of `uses` that shows `image` and passes `keep`, else the file itself when no
/// `<img>` shows it at all; `None` when `<img>` show it but `keep` rejects all of them.
pub(super) fn place_of(
    image: &str,
    uses: &[ImgUse],
    keep: impl Fn(&ImgUse) -> bool,
) -> Option<Place> {
    let mut showing = uses.iter().filter(|u| u.target == image).peekable();
    if showing.peek().is_none() {
        return Some(Place {
            path: image.to_string(),
            line: None,
            column: None,
            others: 0,
        });
    }
    let kept: Vec<&ImgUse> = showing.filter(|u| keep(u)).collect();
    let first = kept.first()?;
    // The same <img> may name a file in both src and srcset: count tags, not references.
    let mut tags: Vec<(&str, usize)> = kept
        .iter()
        .map(|u| (u.page, u.tag.location.offset))
        .collect();
    tags.dedup();
    Some(Place {
        path: first.page.to_string(),
        line: Some(first.tag.location.line),
        column: Some(first.tag.location.column),
        others: tags.len().saturating_sub(1),
    })
}

/// Bytes in KiB for messages ("343 KiB").
pub(super) fn kib(bytes: u64) -> String {
    format!("{} KiB", (bytes + 512) / 1024)
}

/// `--min-saving-percent 0 ` when `saving` bytes of a `raw`-byte file are under the share
/// `webaudit optimize` keeps by default: without it, the fix would leave the file as it is (the
/// rules report savings from 4 or 8 KiB, whatever the file's size).
pub(super) fn saving_option(raw: u64, saving: u64) -> &'static str {
    let kept = saving as f64 * 100.0 >= crate::model::fix::DEFAULT_MIN_SAVING_PERCENT * raw as f64;
    if kept { "" } else { "--min-saving-percent 0 " }
}

/// Whether `webaudit optimize` rewrites the image at `path`, of header `header`, in place: it
/// takes files named `.png`, `.jpg`, `.jpeg` (or `.gif`, for copies only) and leaves animated
/// images alone.
pub(super) fn optimizer_rewrites(path: &str, header: &crate::imaging::ImageHeader) -> bool {
    use crate::imaging::ImageFormat;
    let extension = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    matches!(extension.as_deref(), Some("png" | "jpg" | "jpeg"))
        && matches!(header.format, ImageFormat::Png | ImageFormat::Jpeg)
        && !header.animated
}

#[cfg(test)]
pub(super) mod samples {
    use std::io::Cursor;

    use image::{ImageEncoder, RgbaImage};

    /// A gradient with pseudo-random noise (as the tester draws), `seed` varying the noise.
    pub fn photo(width: u32, height: u32, seed: u32) -> RgbaImage {
        let mut state = 0x2545_f491_u32 ^ seed.wrapping_mul(0x9e37_79b9);
        RgbaImage::from_fn(width, height, |x, y| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            let noise = (state % 24) as u8;
            image::Rgba([
                ((x * 255 / width.max(1)) as u8).saturating_add(noise),
                ((y * 255 / height.max(1)) as u8).saturating_add(noise),
                128u8.saturating_add(noise),
                255,
            ])
        })
    }

    /// A PNG as the tester writes it.
    pub fn png(width: u32, height: u32) -> Vec<u8> {
        let mut bytes = Cursor::new(Vec::new());
        image::DynamicImage::ImageRgba8(photo(width, height, 0))
            .to_rgb8()
            .write_to(&mut bytes, image::ImageFormat::Png)
            .unwrap();
        bytes.into_inner()
    }

    /// A JPEG saved at `quality` (1–100).
    pub fn jpeg(width: u32, height: u32, quality: u8) -> Vec<u8> {
        let picture = image::DynamicImage::ImageRgba8(photo(width, height, 0)).to_rgb8();
        let mut bytes = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, quality)
            .write_image(&picture, width, height, image::ExtendedColorType::Rgb8)
            .unwrap();
        bytes
    }

    /// A looping GIF of `frames` different pictures (one: a still GIF), 100 ms each, written by
    /// the `image` crate's encoder (quantised to 256 colours per frame).
    pub fn gif(width: u32, height: u32, frames: u32) -> Vec<u8> {
        let mut bytes = Vec::new();
        {
            let mut encoder = image::codecs::gif::GifEncoder::new_with_speed(&mut bytes, 30);
            if frames > 1 {
                encoder
                    .set_repeat(image::codecs::gif::Repeat::Infinite)
                    .unwrap();
            }
            encoder
                .encode_frames((0..frames).map(|seed| {
                    image::Frame::from_parts(
                        photo(width, height, seed),
                        0,
                        0,
                        image::Delay::from_numer_denom_ms(100, 1),
                    )
                }))
                .unwrap();
        }
        bytes
    }

    /// A lossy WebP (quality 80, libwebp).
    pub fn webp(width: u32, height: u32) -> Vec<u8> {
        let picture = image::DynamicImage::ImageRgba8(photo(width, height, 0));
        crate::imaging::encode_webp_lossy(&picture, 80.0).unwrap()
    }

    /// `png` with a chunk added after IHDR (with its CRC).
    pub fn with_png_chunk(png: &[u8], name: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let after_ihdr = 8 + 8 + 13 + 4;
        let mut out = png[..after_ihdr].to_vec();
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut crc = flate2::Crc::new();
        crc.update(name);
        crc.update(data);
        out.extend_from_slice(name);
        out.extend_from_slice(data);
        out.extend_from_slice(&crc.sum().to_be_bytes());
        out.extend_from_slice(&png[after_ihdr..]);
        out
    }
}
