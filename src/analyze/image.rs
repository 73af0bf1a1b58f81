//! Facts about one image file, computed once per content (and cached by content hash): its
//! header, whether it decodes, and what re-encoding it would save. The `images/*` rules read
//! these; they never touch the file.
//!
//! What is measured, and why:
//!
//! * **Header** (every PNG, JPEG, GIF, WebP, AVIF): format, size, animation, from the headers
//!   only ([`crate::imaging::read_header`]).
//! * **Decode** within [`Limits::default`] (40 megapixels, 512 MiB): every format but AVIF (no
//!   decoder is built in). A file that does not decode — corrupt, truncated, or declaring more
//!   pixels than the limit (a decompression bomb, or a camera original too large to analyse) —
//!   gets a [`ImageFacts::problem`] and no sizes; `images/unreadable` reports it. Such an image
//!   is not re-encoded at all, so a huge image costs its header read and nothing more.
//! * **Re-encodes**, only for JPEG, PNG and static GIF (the formats the size rules are about;
//!   animations are left to `images/animated-gif`):
//!   * lossy WebP at quality [`WEBP_QUALITY`] with libwebp's defaults — what `cwebp -q 80`
//!     writes. 80 is sharp's default WebP quality (the library most build pipelines and
//!     image CDNs convert with), between Squoosh's 75 and the 85 Lighthouse re-encodes JPEG
//!     at, and a conversion people ship without a visible change on photos;
//!   * the optimised size in the same format: PNG through oxipng preset [`PNG_PRESET`] with
//!     safe metadata stripping (lossless); JPEG re-encoded at quality [`JPEG_QUALITY`], as
//!     Lighthouse's uses-optimized-images does; GIF: none;
//!   * images over [`SAMPLE_ABOVE_PIXELS`] are measured on a banded sample of their rows
//!     (one in [`SAMPLE_ROW_FRACTION`]) unless `--exact-images` is given: WebP, JPEG and
//!     oxipng run on the sample and the sizes are scaled to all the rows
//!     ([`imaging::scale_sampled_size`]); [`ImageFacts::estimate`] says so;
//!   * AVIF: encoded (ravif at [`AVIF_QUALITY`], speed [`AVIF_SPEED`]) only when asked
//!     (`--avif`; it is 10–50× slower than WebP), otherwise estimated from the WebP size with
//!     [`AVIF_TO_WEBP_RATIO`] and labelled as an estimate.

use crate::imaging::{self, ImageFormat, ImageHeader, Limits};
pub use crate::model::facts::image::*;

/// Lossy WebP quality used to measure `images/modern-format` savings (see the module doc).
pub const WEBP_QUALITY: f32 = 80.0;
/// JPEG re-encode quality for `images/optimizable`, as Lighthouse's uses-optimized-images.
pub const JPEG_QUALITY: u8 = 85;
/// oxipng preset for `images/optimizable`: oxipng's default, 4–14% saved on real PNGs at a
/// fraction of preset 4's time (measured in shared/notes/dependencies.md).
pub const PNG_PRESET: u8 = 2;

/// RGBA8 copies of a picture its analysis holds besides the decoded image (see
/// `imaging::reserve_decode_memory`): the WebP encoder's input and oxipng's trials, which
/// work on the PNG's raw rows (measured: two 16-bit 6324² PNGs peaked at 2 GB together).
const ANALYSIS_WORKING_COPIES: u64 = 2;
/// ravif quality and speed for `--avif`: ravif's default quality (80 on its own scale, which
/// it maps to a quantizer comparable to WebP 80 in visual quality) and speed 6, a third faster
/// than ravif's default 4 for a few percent larger files.
pub const AVIF_QUALITY: f32 = 80.0;
pub const AVIF_SPEED: u8 = 6;
/// AVIF bytes / lossy-WebP bytes, to estimate the AVIF size without encoding it: the median
/// measured (`python3 benches/images.py --avif-ratio`, ravif quality 80 speed 6 against libwebp
/// quality 80) over the 55 JPEG and PNG files of the benchmark image corpus whose WebP is at
/// least 8 KiB — the images `images/modern-format` reports. Over all 70 files, icons included
/// (where AVIF's container overhead makes it larger than WebP), the median is 0.795.
pub const AVIF_TO_WEBP_RATIO: f64 = 0.74;

/// Without `--exact-images`, an image over this many pixels (512×512) whose file holds more
/// than [`SAMPLE_MIN_BYTES_PER_PIXEL`] is measured on a banded sample of its rows
/// ([`imaging::sample_bands`]); any other image is encoded whole. Measured on three corpora
/// (benches/README.md, "Image estimates (issue 18, item 3)"): sampling from 256×256 up
/// changed 32 % of the files `images/optimizable` flags on the image-heavy corpus, and
/// sampling compact images (flat logos, gradients, screenshots of empty charts) changed
/// 13–16 % of the apps' flagged files; with both conditions every corpus stays within the
/// targets (total saving ±10 %, flagged files ±5 %).
pub const SAMPLE_ABOVE_PIXELS: u64 = 512 * 512;
/// Bytes per pixel at or under which an image is encoded whole: Lighthouse's expectation for a
/// WebP photo (2/10 byte per pixel, its `modern-image-formats` estimate). A file that compact
/// owes its size to long-range redundancy (flat areas, repeated rows) that bands of rows cut
/// apart, so a sample misjudges it, by 35 KB on a 173 KB chart screenshot.
pub const SAMPLE_MIN_BYTES_PER_PIXEL: f64 = 2.0 / 10.0;
/// The sample holds this fraction of the image's rows (one row in eight)…
pub const SAMPLE_ROW_FRACTION: u32 = 8;
/// …and at most this many pixels, so that a camera original costs what a 512×512 image costs.
pub const SAMPLE_MAX_PIXELS: u64 = 512 * 512;
/// Rows per band of the sample: the macroblock height of JPEG (4:2:0) and WebP, so that the
/// bands are encoded as the same rows of the whole image are.
pub const SAMPLE_BAND_ROWS: u32 = 16;

/// How many [`SAMPLE_BAND_ROWS`]-row bands sample an image of `width` × `height` stored in
/// `file_bytes`, or `None` when it is measured whole.
pub fn sample_band_count(width: u32, height: u32, file_bytes: u64) -> Option<u32> {
    let pixels = u64::from(width) * u64::from(height);
    if pixels <= SAMPLE_ABOVE_PIXELS
        || width == 0
        || (file_bytes as f64) <= SAMPLE_MIN_BYTES_PER_PIXEL * pixels as f64
    {
        return None;
    }
    let target = (pixels / u64::from(SAMPLE_ROW_FRACTION)).min(SAMPLE_MAX_PIXELS);
    let band_pixels = u64::from(width) * u64::from(SAMPLE_BAND_ROWS);
    u32::try_from(target.div_ceil(band_pixels)).ok()
}

/// Which re-encodes to run. The audit turns off what no enabled rule reads: with
/// `images/optimizable` off, no PNG goes through oxipng (the costliest step, see
/// benches/README.md); with `images/modern-format` off, no WebP or AVIF is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageOptions {
    /// Encode lossy WebP (and estimate or encode AVIF).
    pub webp: bool,
    /// Measure the optimised size (oxipng for PNG, JPEG quality 85).
    pub optimized: bool,
    /// Encode AVIF (slow) instead of estimating its size.
    pub avif: bool,
    /// Encode every image whole (`--exact-images`); otherwise images over [`SAMPLE_PIXELS`]
    /// are measured on a banded sample.
    pub exact: bool,
}

impl Default for ImageOptions {
    fn default() -> ImageOptions {
        ImageOptions {
            webp: true,
            optimized: true,
            avif: false,
            exact: false,
        }
    }
}

impl ImageOptions {
    /// Whether any re-encode is asked for.
    pub fn reencodes(&self) -> bool {
        self.webp || self.optimized
    }

    /// The options for an image nothing uses: decoded (so that a broken file is still
    /// reported), not re-encoded.
    pub fn decode_only(self) -> ImageOptions {
        ImageOptions {
            webp: false,
            optimized: false,
            avif: false,
            ..self
        }
    }

    /// Distinguishes facts computed with different options (part of their cache key).
    pub fn fingerprint(&self) -> [u8; 4] {
        [
            u8::from(self.webp),
            u8::from(self.optimized),
            u8::from(self.avif),
            u8::from(self.exact),
        ]
    }
}

impl OptimizeMethod {
    pub fn describe(self) -> String {
        match self {
            OptimizeMethod::Oxipng => format!("oxipng preset {PNG_PRESET}, lossless"),
            OptimizeMethod::JpegQuality => format!("re-encoded at JPEG quality {JPEG_QUALITY}"),
        }
    }
}

/// Whether the size rules re-encode this image: JPEG, PNG and static GIF.
pub fn is_reencoded(header: &ImageHeader) -> bool {
    matches!(
        header.format,
        ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::Gif
    ) && !header.animated
}

/// Facts for an image too large to hold in memory (over
/// [`crate::measure::IN_MEMORY_LIMIT`]): the header, when its first bytes hold it, and a
/// problem saying it was not decoded.
pub fn too_large_to_read(head: &[u8]) -> ImageFacts {
    ImageFacts {
        header: imaging::read_header(head).ok(),
        problem: Some(format!(
            "the file is over {} MiB: not decoded (no web page should ship an image this large)",
            crate::measure::IN_MEMORY_LIMIT / (1024 * 1024)
        )),
        ..nothing_known()
    }
}

fn nothing_known() -> ImageFacts {
    ImageFacts {
        header: None,
        problem: None,
        webp: None,
        optimized: None,
        avif: None,
        estimate: None,
        png_quick: false,
        webp_quick: false,
        unused: false,
    }
}

/// The header of an image, read from its first bytes, with nothing decoded: what measuring
/// knows of an image whose decoding and re-encodes wait for the site model (see
/// [`crate::analyze::AnalyzeContext::defer_image_encodes`]).
pub fn header_only(bytes: &[u8]) -> ImageFacts {
    let mut facts = nothing_known();
    match imaging::read_header(bytes) {
        Ok(header) => facts.header = Some(header),
        Err(error) => facts.problem = Some(error.to_string()),
    }
    facts
}

/// Reads, decodes and re-encodes one image; never fails: problems are in the facts.
pub fn analyze(bytes: &[u8], options: ImageOptions) -> ImageFacts {
    let mut facts = header_only(bytes);
    let Some(header) = facts.header else {
        return facts;
    };
    if header.format == ImageFormat::Avif {
        return facts;
    }
    // Held until the facts are done: the WebP encode and oxipng work on copies of the picture.
    let _reservation = match imaging::reserve_decode_memory(bytes, ANALYSIS_WORKING_COPIES) {
        Ok(reservation) => reservation,
        Err(error) => {
            facts.problem = Some(error.to_string());
            return facts;
        }
    };
    let image = match imaging::decode_bounded(bytes, &Limits::default()) {
        Ok(image) => imaging::to_8_bit(image),
        Err(error) => {
            facts.problem = Some(error.to_string());
            return facts;
        }
    };
    if !is_reencoded(&header) {
        return facts;
    }
    // A large image is measured on a banded sample of its rows, its sizes scaled by the rows
    // each sampled row stands for.
    let sample = if options.exact {
        None
    } else {
        sample_band_count(image.width(), image.height(), bytes.len() as u64)
            .and_then(|bands| imaging::sample_bands(&image, bands, SAMPLE_BAND_ROWS))
    };
    let measured = sample.as_ref().unwrap_or(&image);
    facts.estimate = sample.as_ref().map(|sample| SampleEstimate {
        sampled_rows: sample.height(),
        rows: image.height(),
    });
    let scale = |encoded: &[u8]| match &facts.estimate {
        Some(estimate) => {
            imaging::scale_sampled_size(encoded, estimate.sampled_rows, estimate.rows)
        }
        None => encoded.len() as u64,
    };
    // An encoder refusing an image that decoded (WebP's 16383 px limit) is not a problem of
    // the file: the size is simply not known.
    if options.webp {
        let exact_webp = || {
            imaging::encode_webp_lossy(measured, WEBP_QUALITY)
                .ok()
                .map(|webp| scale(&webp))
        };
        facts.webp = if options.exact {
            exact_webp()
        } else {
            let quick =
                imaging::encode_webp_lossy_with_method(measured, WEBP_QUALITY, WEBP_QUICK_METHOD)
                    .ok()
                    .map(|webp| scale(&webp));
            match quick.map(|quick| scaled_quick_webp(bytes.len() as u64, quick)) {
                Some(Some(estimate)) => {
                    facts.webp_quick = true;
                    Some(estimate)
                }
                Some(None) => exact_webp(),
                None => None,
            }
        };
    }
    facts.avif = if !options.webp {
        None
    } else if options.avif {
        imaging::encode_avif(&image, AVIF_QUALITY, AVIF_SPEED)
            .ok()
            .map(|avif| AvifSize {
                bytes: avif.len() as u64,
                estimated: false,
            })
    } else {
        facts.webp.map(|webp| AvifSize {
            bytes: (webp as f64 * AVIF_TO_WEBP_RATIO).round() as u64,
            estimated: true,
        })
    };
    facts.optimized =
        match header.format {
            _ if !options.optimized => None,
            // After the decoded picture is dropped: oxipng works from the file's own bytes, and
            // its trials hold copies of the raw rows.
            ImageFormat::Png => {
                let sample_png = sample.as_ref().map(imaging::encode_png_fast);
                drop(sample);
                drop(image);
                match sample_png {
                    None if options.exact => imaging::optimize_png(bytes, PNG_PRESET)
                        .ok()
                        .map(|png| png.len() as u64),
                    None => match estimate_png(bytes) {
                        Some(PngEstimate::Quick(png)) => {
                            facts.png_quick = true;
                            Some(png)
                        }
                        Some(PngEstimate::Exact(png)) => Some(png),
                        None => None,
                    },
                    // The sample is optimised from its pixels: the chunks oxipng keeps from the
                    // file (colour profile, orientation) are added once.
                    Some(Ok(sample_png)) => imaging::optimize_png(&sample_png, PNG_PRESET)
                        .ok()
                        .map(|png| {
                            (scale(&png) + imaging::kept_png_chunk_bytes(bytes))
                                .min(bytes.len() as u64)
                        }),
                    Some(Err(_)) => None,
                }
                .map(|png| Optimized {
                    bytes: png,
                    method: OptimizeMethod::Oxipng,
                })
            }
            ImageFormat::Jpeg => imaging::encode_jpeg(measured, JPEG_QUALITY)
                .ok()
                .map(|jpeg| Optimized {
                    bytes: scale(&jpeg),
                    method: OptimizeMethod::JpegQuality,
                }),
            _ => None,
        };
    facts
}

/// Smallest saving `images/modern-format` reports: the decision [`scaled_quick_webp`] must get
/// right.
pub const MODERN_FORMAT_MIN_SAVING: u64 = 8 * 1024;
/// libwebp's effort for the WebP size without `--exact-images`: method 2 took 0.31–0.47 of
/// method 4's time (`cwebp`'s default, what `--exact-images` and `webaudit optimize` use) on
/// three image corpora (benches/webp_estimate.rs; benches/README.md, "WebP estimates").
pub const WEBP_QUICK_METHOD: u8 = 2;
/// Method 4's size over method 2's: 1 / 1.037, the median ratio over image-app's 1,966 still
/// images (1 / 1.043 on images-corpus, 1 / 1.068 on the apps' images). Per file it spreads:
/// method 2's size is 1.01–1.13 times method 4's between the 5th and 95th percentiles there.
pub const WEBP_QUICK_TO_EXACT: f64 = 0.964;
/// A quick WebP estimate whose saving lies within this fraction of the quick size from
/// [`MODERN_FORMAT_MIN_SAVING`] is settled by method 4: replayed on the three corpora, 0.08
/// kept the flagged files within 0.3 % of method 4's (0 or 1 file on the apps corpus where 0.04
/// left 1 of 61) for 5 % of image-app's images encoded twice.
pub const WEBP_QUICK_DECISION_BAND: f64 = 0.08;

/// The WebP size method 4 would give an image of `raw` bytes that method 2 made `quick` bytes
/// (whole-image sizes), or `None` when the saving is too near [`MODERN_FORMAT_MIN_SAVING`] for
/// the estimate to decide the finding.
fn scaled_quick_webp(raw: u64, quick: u64) -> Option<u64> {
    let scaled = (quick as f64 * WEBP_QUICK_TO_EXACT).round() as u64;
    let saving = raw as f64 - scaled as f64;
    let margin = (saving - MODERN_FORMAT_MIN_SAVING as f64).abs();
    (margin >= WEBP_QUICK_DECISION_BAND * quick as f64).then_some(scaled)
}

/// Smallest saving `images/optimizable` reports (Lighthouse's uses-optimized-images
/// threshold): the decision [`estimate_png`] must get right.
pub const OPTIMIZE_MIN_SAVING: u64 = 4 * 1024;
/// Preset 2's size over [`imaging::optimize_png_quick`]'s: the median (0.948) over the PNGs
/// of image-app and the apps corpus that oxipng shrinks (benches/png_estimate.rs;
/// benches/README.md, "PNG estimates"). Per file it spreads: 5th percentile about 0.86.
pub const PNG_QUICK_TO_EXACT: f64 = 0.95;
/// The 1st percentile of that ratio (0.80 on both corpora; the least seen, 0.72): below it,
/// preset 2 is not expected to go.
pub const PNG_QUICK_LOW_RATIO: f64 = 0.80;
/// A quick estimate whose saving lies within this fraction of the quick size from
/// [`OPTIMIZE_MIN_SAVING`] is settled by the exact encode: near the threshold the model's
/// spread (above) would flip the verdict. Measured (benches/README.md, "PNG estimates"): 0.04
/// keeps the flagged files within 2 % of the exact ones on three corpora, 0.02 does not (6 %).
pub const PNG_QUICK_DECISION_BAND: f64 = 0.04;

/// How [`estimate_png`] sized a PNG's optimised version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PngEstimate {
    /// From the quick pass and [`PNG_QUICK_TO_EXACT`]: the verdict is clear.
    Quick(u64),
    /// oxipng preset 2 itself: the verdict was too close to call.
    Exact(u64),
}

/// The optimised size of a PNG without `--exact-images`: oxipng's quick pass (a fifth of
/// preset 2's time or less), scaled to what preset 2 writes; preset 2 itself only when the scaled
/// saving is too close to [`OPTIMIZE_MIN_SAVING`] to decide the finding.
fn estimate_png(bytes: &[u8]) -> Option<PngEstimate> {
    let quick = imaging::optimize_png_quick(bytes, PNG_PRESET).ok()?.len() as u64;
    match scaled_quick_size(bytes.len() as u64, quick) {
        Some(scaled) => Some(PngEstimate::Quick(scaled)),
        None => imaging::optimize_png(bytes, PNG_PRESET)
            .ok()
            .map(|png| PngEstimate::Exact(png.len() as u64)),
    }
}

/// What preset 2 would make of a `raw`-byte PNG that the quick pass made `quick` bytes, or
/// `None` when that estimate cannot be trusted: too close to the reporting threshold, or the
/// quick pass did not shrink the file and preset 2 might.
///
/// The ratio is what level 11 gains over the quick pass's own output. A file the quick pass
/// cannot shrink is already compressed better than that pass (by oxipng, zopfli or `webaudit
/// optimize` itself): scaling its size would claim a saving preset 2 does not make. Preset 2
/// makes at least [`PNG_QUICK_LOW_RATIO`] of the quick size, so when even that would save
/// under [`OPTIMIZE_MIN_SAVING`] the file is left at its size (no finding either way);
/// otherwise preset 2 decides.
fn scaled_quick_size(raw: u64, quick: u64) -> Option<u64> {
    if quick >= raw {
        let at_best = (quick as f64 * PNG_QUICK_LOW_RATIO) as u64;
        return (raw.saturating_sub(at_best) < OPTIMIZE_MIN_SAVING).then_some(raw);
    }
    let scaled = ((quick as f64 * PNG_QUICK_TO_EXACT).round() as u64).min(raw);
    let margin = (raw - scaled).abs_diff(OPTIMIZE_MIN_SAVING) as f64;
    (margin >= PNG_QUICK_DECISION_BAND * quick as f64).then_some(scaled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_images_are_sampled_one_row_in_eight_within_bounds() {
        let photo = |width: u64, height: u64| width * height / 2; // half a byte per pixel
        // At most 512×512: whole.
        assert_eq!(sample_band_count(512, 512, photo(512, 512)), None);
        assert_eq!(sample_band_count(1, 0, 100), None);
        // 1280×1024: an eighth is 163 840 pixels, 8 bands of 16 rows.
        assert_eq!(sample_band_count(1280, 1024, photo(1280, 1024)), Some(8));
        // 6000×4000: an eighth would be 3 megapixels; capped at 512×512 = 3 bands.
        assert_eq!(sample_band_count(6000, 4000, photo(6000, 4000)), Some(3));
        // 400×700 (280 000 pixels): an eighth is 35 000 pixels, 5.5 bands of 16 rows.
        assert_eq!(sample_band_count(400, 700, photo(400, 700)), Some(6));
        // As compact as Lighthouse's WebP expectation (0.2 byte per pixel) or more: whole.
        assert_eq!(sample_band_count(1280, 1024, 1280 * 1024 / 5), None);
        assert_eq!(sample_band_count(1280, 1024, 1280 * 1024 / 5 + 1), Some(8));
    }

    #[test]
    fn a_quick_webp_estimate_is_trusted_only_away_from_the_threshold() {
        // 100 000 B whose quick WebP is 20 000 B: about 19 280 B, far from the 8 KiB line.
        assert_eq!(scaled_quick_webp(100_000, 20_000), Some(19_280));
        // No saving at all, far below the line: the estimate stands (no finding either way).
        assert_eq!(scaled_quick_webp(10_000, 30_000), Some(28_920));
        // A saving of about 8 KiB (40 000 − 31 812 = 8 188 B) within 8 % of the quick size
        // (2 640 B): method 4 decides.
        assert_eq!(scaled_quick_webp(40_000, 33_000), None);
        assert_eq!(scaled_quick_webp(38_000, 33_000), None);
        // …but 2 660 B away from it with a 30 000 B quick size (band: 2 400 B) is decided here.
        assert_eq!(scaled_quick_webp(39_772, 30_000), Some(28_920));
    }

    #[test]
    fn a_quick_png_estimate_is_trusted_only_away_from_the_threshold() {
        // 100 000 B made 60 000 by the quick pass: preset 2 about 57 000, 43 000 saved.
        assert_eq!(scaled_quick_size(100_000, 60_000), Some(57_000));
        // Little to gain, far from 4 KiB: about 5 % under the quick pass's 19 500 B.
        assert_eq!(scaled_quick_size(20_000, 19_500), Some(18_525));
        // A quick pass that cannot shrink the file: the file may be preset 2's own output,
        // so no saving is claimed. A small file stays at its size (even 0.80 of the quick
        // size saves under 4 KiB)…
        assert_eq!(scaled_quick_size(20_000, 20_000), Some(20_000));
        assert_eq!(scaled_quick_size(20_000, 20_400), Some(20_000));
        // …a larger one may still shrink by 4 KiB: preset 2 decides.
        assert_eq!(scaled_quick_size(21_000, 21_000), None);
        assert_eq!(scaled_quick_size(430_000, 430_000), None);
        // A saving of about 4 KiB is settled by preset 2 itself: the model's spread (a few
        // percent of the quick size) decides the finding there.
        assert_eq!(scaled_quick_size(30_000, 27_500), None);
        assert_eq!(scaled_quick_size(24_000, 20_500), None);
        // …but 904 B from it with a 20 000 B quick size (band: 800 B) is decided by the model.
        assert_eq!(scaled_quick_size(24_000, 20_000), Some(19_000));
    }

    #[test]
    fn a_clear_png_verdict_skips_preset_2_and_says_so() {
        let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        // A 600×400 photo saved as a 456 KiB PNG (not sampled: at most 512² pixels), which
        // oxipng shrinks by far more than 4 KiB.
        let png = std::fs::read(fixtures.join("images-src/coffee.png")).unwrap();
        let estimated = analyze(&png, ImageOptions::default());
        let exact = analyze(
            &png,
            ImageOptions {
                exact: true,
                ..ImageOptions::default()
            },
        );
        let (estimated_bytes, exact_bytes) = (
            estimated.optimized.unwrap().bytes as f64,
            exact.optimized.unwrap().bytes as f64,
        );
        assert!(!exact.png_quick);
        assert!(
            estimated.png_quick && estimated.estimate.is_none(),
            "{estimated:?}"
        );
        assert!(
            (estimated_bytes - exact_bytes).abs() <= 0.15 * exact_bytes,
            "estimated {estimated_bytes}, preset 2 {exact_bytes}"
        );
    }

    #[test]
    fn the_mode_is_part_of_the_facts_key() {
        let exact = ImageOptions {
            exact: true,
            ..ImageOptions::default()
        };
        assert_ne!(exact.fingerprint(), ImageOptions::default().fingerprint());
    }
}
