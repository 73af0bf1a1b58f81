//! What the `images/*` rules share: the analysed image files, which of them each `<img>`
//! shows (its `src` and `srcset` candidates, resolved in the folder), and where a finding
//! about an image file is reported — at the first `<img>` that shows it (page and line), or on
//! the file itself when no page shows it (a CSS background, an image loaded by script).

use std::collections::BTreeMap;

use super::RuleContext;
use crate::analyze::Facts;
use crate::analyze::html::{HtmlFacts, ImageTag};
use crate::analyze::image::ImageFacts;
use crate::analyze::url::{Descriptor, Resolved, resolve_in_document};
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

/// How an `<img>` refers to a file.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Via {
    Src,
    /// A `srcset` candidate with its descriptor (`None` = `1x`).
    Srcset(Option<Descriptor>),
}

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
/// order (`src` before `srcset` candidates).
pub(super) fn img_uses<'a>(context: &RuleContext<'a>) -> Vec<ImgUse<'a>> {
    let base_path = context.config.base_path.as_deref();
    let mut uses = Vec::new();
    for asset in context.assets {
        let Facts::Document(html) = &asset.facts else {
            continue;
        };
        let resolve = |reference: &str| match resolve_in_document(
            &asset.path,
            html.base_href.as_deref(),
            &crate::pages::strip_base(reference, base_path),
        ) {
            Resolved::Local(path) => Some(path),
            _ => None,
        };
        for tag in html.images.iter().filter(|i| i.in_body && !i.is_data_uri) {
            let src = tag.src.as_deref().and_then(resolve).map(|p| (p, Via::Src));
            let candidates = tag
                .srcset_candidates()
                .into_iter()
                .filter_map(|c| resolve(&c.url).map(|p| (p, Via::Srcset(c.descriptor))));
            for (target, via) in src.into_iter().chain(candidates) {
                uses.push(ImgUse {
                    page: &asset.path,
                    html,
                    tag,
                    target,
                    via,
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

/// Real encoded images for the image rules' cases, besides the tester's PNG and JPEG: JPEGs at
/// other qualities, GIFs (animated or not), WebP, and PNG chunks to add or break.
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
