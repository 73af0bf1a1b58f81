//! `webaudit optimize DIR`: makes images smaller in place, and optionally writes WebP/AVIF
//! siblings, on top of the primitives in [`crate::imaging`].
//!
//! - PNG: lossless through oxipng at `--level` (preset 2 by default: measured here, preset 4
//!   took 2–2.5× longer and once gave a larger file), metadata that does not affect display
//!   stripped (colour profiles, sRGB, gamma and chromaticity, EXIF, pHYs, animation stay:
//!   `imaging::KEPT_PNG_CHUNKS`).
//! - JPEG: lossless by default, as `jpegtran -optimize -progressive` (the same DCT
//!   coefficients with optimised Huffman tables and progressive scans, through libjpeg-turbo:
//!   `imaging::optimize_jpeg`); markers are dropped unless they change what is displayed.
//!   With `--lossy`, JPEGs finer than `--jpeg-quality` (default 85) are re-encoded at it.
//! - `--webp`: `name.webp` beside each PNG, JPEG and static GIF: lossy at quality 80 through
//!   libwebp (the bytes `cwebp -q 80` writes); for PNG and GIF sources whose lossy copy is
//!   not far smaller than the source (flat graphics) also lossless, and the smaller is kept.
//!   `--copies-only` writes the copies and leaves the originals alone.
//! - `--avif`: `name.avif` through rav1e, quality 80 and speed 4 (the `cavif` tool's defaults);
//!   about 10–50× slower than WebP: the run says so and shows progress.
//! - `--max-width N`: wider PNGs and JPEGs are scaled down (aspect ratio kept) into their own
//!   format (lossy by nature: the pixels change).
//! - `--responsive`: the pages are laid out (`layout`, both viewports) and each PNG or JPEG an
//!   `<img>` without `srcset` shows gets new files beside it at the widths the layout needs
//!   (`layout::responsive::plan` over its displays on every page): `photo-640w.jpg`, scaled
//!   as `--max-width` scales and encoded as it encodes, with their own WebP/AVIF copies under
//!   `--webp`/`--avif`. A variant is never written over an existing file that differs from
//!   it (someone's own picture under that name), nor kept when it does not save
//!   `--min-saving` and `--min-saving-percent` on its source (a browser would download as
//!   much, or more, for fewer pixels). `--rewrite-html` then gives those `<img>` a `srcset`
//!   and `sizes`.
//!
//! Safety, beyond the atomic writer: a change is kept only when it saves at least
//! `--min-saving` bytes (1 KiB) and `--min-saving-percent` (5%); nothing is ever replaced by a
//! larger file; every lossless result is read back, decoded and compared pixel by pixel with
//! the original before it is renamed into place (a mismatch keeps the original and is an
//! error); lossy results must decode (AVIF: parse) to the expected dimensions. Corrupt images
//! and decompression bombs (refused from their header by `imaging::decode_bounded`) are skipped
//! with a warning, animated images are left alone.
//!
//! Up to date: an in-place result is recognised by not being improvable any more (oxipng finds
//! less than the thresholds on its own output; a JPEG at or below the target quality is not
//! re-encoded; an image at most `--max-width` wide is not scaled). A WebP/AVIF sibling is up to
//! date when it is newer than its source and has the expected dimensions: lossy encodings
//! cannot be compared with their source, and a source that changes gets a newer mtime. One
//! that is not up to date is replaced only when it holds exactly the bytes this run would
//! write, or with `--force`: otherwise it may be someone's own picture under that name.
//!
//! JPEG: the lossless transcode keeps the coefficients, so its pixels are compared with the
//! original's like oxipng's. On the 48 JPEGs of the image corpora it saves 1.76% in total,
//! 99.9% of what `jpegtran -copy none -optimize -progressive` saves (46 sizes equal; two keep
//! their markers), most real JPEGs having optimised tables already (benches/jpeg_lossless.py), so with the default thresholds (1 KiB and 5%) few are
//! rewritten. `--lossy` re-encodes at quality 85, the usual "visually lossless" setting for
//! photos
//! (libjpeg's default is 75, sharp's 80, Squoosh's MozJPEG 75); only JPEGs whose own
//! quantisation is finer than quality 85 are
//! re-encoded, so a second run never compounds the loss.

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use image::{DynamicImage, GenericImageView, ImageDecoder, ImageReader};

use crate::error::Error;
use crate::fix::atomic::{self, PermissionsFrom};
use crate::fix::compress::read_limited;
use crate::fix::responsive::{ResponsiveImage, Variant};
use crate::fix::{Action, Change, FileOutcome, FixReport, Problem};
use crate::glob::PathPattern;
use crate::imaging::{self, ImageFormat, Limits};
use crate::layout::responsive::{self, Display};
use crate::scan::ScannedFile;

pub const DEFAULT_LEVEL: u8 = 2;
pub const DEFAULT_JPEG_QUALITY: u8 = 85;
pub const DEFAULT_WEBP_QUALITY: f32 = 80.0;
pub const DEFAULT_AVIF_QUALITY: f32 = 80.0;
pub const DEFAULT_AVIF_SPEED: u8 = 4;
pub use crate::model::fix::{DEFAULT_MIN_SAVING, DEFAULT_MIN_SAVING_PERCENT};

/// Image files larger than this are left alone (read whole; no web image comes close).
pub const MAX_INPUT_BYTES: u64 = 256 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct OptimizeOptions {
    /// The folder paths in the report are relative to, whose pages `rewrite_html` rewrites.
    pub root: PathBuf,
    /// Folders and files inside `root` to work on, as given; empty: all of `root`.
    pub paths: Vec<PathBuf>,
    pub ignore: Vec<PathPattern>,
    /// oxipng preset, 0–6.
    pub level: u8,
    /// Re-encode JPEGs (lossy) at `jpeg_quality`.
    pub lossy: bool,
    pub jpeg_quality: u8,
    pub webp: bool,
    pub webp_quality: f32,
    pub avif: bool,
    pub avif_quality: f32,
    pub avif_speed: u8,
    pub max_width: Option<u32>,
    /// Write only the WebP/AVIF copies; leave every original as it is.
    pub copies_only: bool,
    /// Replace an existing `X.webp`/`X.avif` that is not an up-to-date copy (`--force`).
    pub force: bool,
    pub min_saving: u64,
    pub min_saving_percent: f64,
    pub dry_run: bool,
    pub threads: usize,
    pub quiet: bool,
    /// `--rewrite-html`: point the pages at the WebP/AVIF copies, add sizes and lazy loading.
    pub rewrite_html: bool,
    /// `--responsive`: write width variants of the images pages show wider than they need.
    pub responsive: bool,
    /// The lazy-loading guess's setting (`[images] above_the_fold`), for `rewrite_html`.
    pub above_the_fold: usize,
}

impl OptimizeOptions {
    pub fn new(root: PathBuf) -> OptimizeOptions {
        OptimizeOptions {
            root,
            paths: Vec::new(),
            ignore: Vec::new(),
            level: DEFAULT_LEVEL,
            lossy: false,
            jpeg_quality: DEFAULT_JPEG_QUALITY,
            webp: false,
            webp_quality: DEFAULT_WEBP_QUALITY,
            avif: false,
            avif_quality: DEFAULT_AVIF_QUALITY,
            avif_speed: DEFAULT_AVIF_SPEED,
            max_width: None,
            copies_only: false,
            force: false,
            min_saving: DEFAULT_MIN_SAVING,
            min_saving_percent: DEFAULT_MIN_SAVING_PERCENT,
            dry_run: false,
            threads: 0,
            quiet: true,
            rewrite_html: false,
            responsive: false,
            above_the_fold: crate::analyze::fold::DEFAULT_ABOVE_THE_FOLD,
        }
    }

    /// Whether `after` bytes instead of `before` is a change worth making.
    /// Refuses settings no encoder can take: the command line checks them too, but the library
    /// is called directly by tests and benches (ravif aborts the process on a NaN quality).
    fn check(&self) -> Result<(), Error> {
        let numbers = [
            ("webp_quality", f64::from(self.webp_quality), 0.0, 100.0),
            ("avif_quality", f64::from(self.avif_quality), 1.0, 100.0),
            ("min_saving_percent", self.min_saving_percent, 0.0, 100.0),
        ];
        for (name, value, low, high) in numbers {
            if !value.is_finite() || !(low..=high).contains(&value) {
                return Err(Error::Usage(format!(
                    "{name} must be a number from {low} to {high}, not {value}"
                )));
            }
        }
        Ok(())
    }

    fn worth_it(&self, before: u64, after: u64) -> bool {
        after < before && {
            let saved = before - after;
            saved >= self.min_saving
                && saved as f64 * 100.0 >= self.min_saving_percent * before as f64
        }
    }
}

fn is_image_candidate(file: &ScannedFile) -> bool {
    matches!(
        file.extension
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("png" | "jpg" | "jpeg" | "gif")
    )
}

/// RGBA8 copies of a picture `optimize` holds besides the decoded image (see
/// `imaging::reserve_decode_memory`): the upright copy, the resized one, and the decoded
/// read-back of each written file.
const OPTIMIZE_WORKING_COPIES: u64 = 3;

/// Runs `webaudit optimize` over `options.paths` (or all of `options.root`).
pub fn run(options: &OptimizeOptions) -> Result<FixReport, Error> {
    options.check()?;
    let targets = super::targets(&options.root, &options.paths)?;
    let (scanned, mut report) =
        super::begin(&targets, &options.ignore, "optimize", options.dry_run)?;
    let candidates: Vec<&ScannedFile> = scanned
        .files
        .iter()
        .filter(|f| is_image_candidate(f))
        .collect();
    for (_, relative) in &targets.files {
        if let Some(file) = scanned.files.iter().find(|f| f.relative_path == *relative)
            && !is_image_candidate(file)
        {
            report.warnings.push(Problem {
                path: relative.clone(),
                message: "left alone: not a PNG, JPEG or GIF image (by its name)".into(),
            });
        }
    }
    // `photo.png` and `photo.jpg` would both make `photo.webp`: neither gets one. A file named
    // alone is counted with the images beside it, named or not.
    let mut sibling_owner: foldhash::HashMap<PathBuf, usize> = Default::default();
    let mut counted: foldhash::HashSet<PathBuf> = Default::default();
    let beside_named_files = targets.files.iter().flat_map(|(path, _)| {
        let folder = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        std::fs::read_dir(folder)
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .filter(|entry| entry.file_type().is_ok_and(|t| t.is_file()))
            .map(move |entry| folder.join(entry.file_name()))
    });
    let images = candidates
        .iter()
        .map(|f| f.path.clone())
        .chain(beside_named_files.filter(|path| {
            is_image_candidate(&ScannedFile {
                path: path.clone(),
                relative_path: String::new(),
                extension: path.extension().map(|e| e.to_string_lossy().into_owned()),
            })
        }))
        .collect::<Vec<_>>();
    for path in images {
        if counted.insert(path.clone()) {
            *sibling_owner.entry(path.with_extension("")).or_default() += 1;
        }
    }
    // The folder is read once for both `--responsive` and `--rewrite-html` (each lays the
    // pages out: the second sees the files this run wrote). Part of the folder named: every page of the folder is read, and only the
    // images named (or in a folder named) get variants or rewritten tags.
    let whole_root = targets.whole_root();
    let root_files;
    let folder: &[ScannedFile] = if whole_root || !(options.rewrite_html || options.responsive) {
        &scanned.files
    } else {
        root_files = crate::scan::scan(&options.root, &options.ignore)?.files;
        &root_files
    };
    let pages: Vec<&ScannedFile> = folder.iter().filter(|f| is_page(f)).collect();
    let displays = if options.responsive {
        let wanted = candidates.iter().map(|f| f.relative_path.clone()).collect();
        let no_copies = Default::default();
        let (displays, warnings) = super::responsive::displays_by_image(
            folder,
            &pages,
            &wanted,
            |path| {
                super::rewrite_html::image_on_disk(&options.root, path, &no_copies)
                    .map(|image| (image.width, image.height))
            },
            options.threads,
        );
        report.warnings.extend(warnings);
        displays
    } else {
        Default::default()
    };
    // A variant's WebP/AVIF copies are named by its stem too: `photo-640w.webp` would also be
    // the copy of an image `photo-640w.png` beside `photo.jpg` (the variant itself, from an
    // earlier run, does not count).
    let variant_stem_taken = |variant: &Path| {
        let owners = sibling_owner
            .get(&variant.with_extension(""))
            .copied()
            .unwrap_or(0);
        owners > usize::from(counted.contains(variant))
    };
    let slow_note = options.avif.then_some(
        "AVIF encoding is slow (rav1e: seconds per large image, 10–50× WebP); progress is shown per file.",
    );
    super::process_largest_first(
        &candidates,
        options.threads,
        options.quiet,
        options.dry_run,
        slow_note,
        &mut report,
        |file| {
            let shared_stem = sibling_owner
                .get(&file.path.with_extension(""))
                .is_some_and(|&count| count > 1);
            let shown = displays.get(&file.relative_path).map(Vec::as_slice);
            optimize_file(file, shared_stem, shown, &variant_stem_taken, options)
        },
    );
    if options.rewrite_html {
        // After the images: the pages are pointed only at copies this run wrote (or, in a dry
        // run, would) or found current, never at a `photo.webp` that is someone else's.
        let copies: foldhash::HashSet<String> = report
            .changes
            .iter()
            .filter(|c| c.what.starts_with("webp") || c.what.starts_with("avif"))
            .map(|c| c.path.clone())
            .chain(report.current_copies.iter().cloned())
            .collect();
        let selected: Option<foldhash::HashSet<String>> =
            (!whole_root).then(|| candidates.iter().map(|f| f.relative_path.clone()).collect());
        super::rewrite_html::rewrite_pages(
            &options.root,
            pages,
            folder,
            options.above_the_fold,
            &copies,
            selected.as_ref(),
            options.dry_run,
            &mut report,
        );
    }
    Ok(report)
}

/// An HTML page `--rewrite-html` rewrites.
fn is_page(file: &ScannedFile) -> bool {
    matches!(
        file.extension
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("html" | "htm")
    ) && !file
        .path
        .file_name()
        .is_some_and(super::atomic::is_temporary_name)
}

/// What the image's metadata says about how it must be shown.
struct Presentation {
    /// EXIF orientation other than "as stored": a re-encode without EXIF must rotate pixels.
    orientation: image::metadata::Orientation,
    /// An embedded colour profile that is not sRGB: re-encodes (which carry no profile) would
    /// shift the colours.
    foreign_profile: bool,
}

/// Whether the image's EXIF orientation turns it a quarter (values 5–8): it is displayed with
/// width and height swapped.
pub fn quarter_turned(bytes: &[u8], format: ImageFormat) -> bool {
    use image::metadata::Orientation::*;
    matches!(format, ImageFormat::Png | ImageFormat::Jpeg)
        && matches!(
            presentation(bytes, format).orientation,
            Rotate90 | Rotate270 | Rotate90FlipH | Rotate270FlipH
        )
}

/// Reads orientation and colour profile (headers only). A primitive `imaging` lacks; kept here.
fn presentation(bytes: &[u8], format: ImageFormat) -> Presentation {
    let image_format = match format {
        ImageFormat::Png => image::ImageFormat::Png,
        ImageFormat::Jpeg => image::ImageFormat::Jpeg,
        _ => image::ImageFormat::Gif,
    };
    let mut result = Presentation {
        orientation: image::metadata::Orientation::NoTransforms,
        foreign_profile: false,
    };
    let Ok(mut decoder) = ImageReader::with_format(Cursor::new(bytes), image_format).into_decoder()
    else {
        return result;
    };
    if let Ok(orientation) = decoder.orientation() {
        result.orientation = orientation;
    }
    if let Ok(Some(profile)) = decoder.icc_profile() {
        // sRGB profiles name themselves in their description tag (ASCII in ICC v2 `desc`,
        // UTF-16BE in v4 `mluc`); anything else is another colour space whose look depends
        // on the profile.
        let ascii = profile.windows(4).any(|w| w == b"sRGB");
        let utf16 = profile.windows(8).any(|w| w == b"\0s\0R\0G\0B");
        result.foreign_profile = !(ascii || utf16);
    }
    result
}

/// A JPEG of `image` at `quality`, then the lossless transcode: the encoder writes standard
/// Huffman tables, so without it a second run would find the transcode's saving to take
/// (6% of the re-encoded fixtures/images-src/wood.jpg).
fn encode_optimized_jpeg(image: &DynamicImage, quality: u8) -> Result<Vec<u8>, String> {
    imaging::encode_jpeg(image, quality)
        .and_then(|jpeg| imaging::optimize_jpeg(&jpeg, false))
        .map_err(|e| e.to_string())
}

/// A PNG of `image`, then oxipng: what `--max-width` writes for a PNG. (A primitive `imaging`
/// lacks: it optimises PNGs but does not encode them.)
fn encode_png(image: &DynamicImage, level: u8) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
        .map_err(|e| format!("cannot be encoded as PNG: {e}"))?;
    imaging::optimize_png(&out, level).map_err(|e| e.to_string())
}

/// The quality (1–100, libjpeg's scale) whose standard luminance table is closest to the
/// JPEG's own, from its first DQT table; `None` when there is none to read.
fn jpeg_quality_estimate(bytes: &[u8]) -> Option<u8> {
    // libjpeg's standard luminance quantisation table (ITU T.81, K.1), in zigzag order the
    // sum is the same, so order does not matter for the comparison below.
    const STANDARD: [u16; 64] = [
        16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69,
        56, 14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81,
        104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
    ];
    let mut position = 2;
    while position + 4 <= bytes.len() {
        if bytes.get(position) != Some(&0xFF) {
            return None;
        }
        let marker = *bytes.get(position + 1)?;
        let length = usize::from(u16::from_be_bytes([
            *bytes.get(position + 2)?,
            *bytes.get(position + 3)?,
        ]));
        if marker == 0xDB {
            let table = bytes.get(position + 4..position + 2 + length)?;
            let precision_16 = table.first()? >> 4 != 0;
            let values: Vec<u32> = if precision_16 {
                table
                    .get(1..129)?
                    .chunks(2)
                    .map(|c| u32::from(c[0]) << 8 | u32::from(c[1]))
                    .collect()
            } else {
                table.get(1..65)?.iter().map(|&v| u32::from(v)).collect()
            };
            let sum: u32 = values.iter().sum();
            let best = (1..=100u32).min_by_key(|&quality| {
                let scale = if quality < 50 {
                    5000 / quality
                } else {
                    200 - 2 * quality
                };
                let standard: u32 = STANDARD
                    .iter()
                    .map(|&v| ((u32::from(v) * scale + 50) / 100).clamp(1, 255))
                    .sum();
                standard.abs_diff(sum)
            })?;
            return u8::try_from(best).ok();
        }
        if marker == 0xDA {
            return None;
        }
        position += 2 + length;
    }
    None
}

/// Whether a lossless WebP of a `source_bytes` PNG/GIF could beat a `lossy_bytes` lossy one.
/// Lossless WebP is about 26% smaller than PNG (Google's published comparison), so it is worth
/// encoding (several times slower than lossy) only when the lossy copy is not already far
/// below that: flat graphics, where lossy WebP's blocks cost more than exact runs of colour.
fn lossless_may_win(source_bytes: u64, lossy_bytes: usize) -> bool {
    lossy_bytes as f64 > source_bytes as f64 * 0.74
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::symlink_metadata(path).ok()?.modified().ok()
}

/// Decodes `bytes` (AVIF: reads its header) and checks it against what was meant.
fn verify_output(bytes: &[u8], expected: &DynamicImage, lossless: bool) -> Result<(), String> {
    let header =
        imaging::read_header(bytes).map_err(|e| format!("the new file does not read back: {e}"))?;
    if (header.width, header.height) != expected.dimensions() {
        return Err(format!(
            "the new file is {}×{}, not {}×{}",
            header.width,
            header.height,
            expected.width(),
            expected.height()
        ));
    }
    if header.format == ImageFormat::Avif {
        // No AVIF decoder in this build: the header (ftyp, ispe) is what can be checked.
        return Ok(());
    }
    let decoded = imaging::decode_bounded(bytes, &Limits::default())
        .map_err(|e| format!("the new file does not decode: {e}"))?;
    if lossless && !imaging::pixels_equal(&decoded, expected) {
        return Err("the new file's pixels differ from the original's; original kept".into());
    }
    Ok(())
}

/// An in-place result: the encoded bytes (or why not), what it is, whether it is lossless, and
/// the picture it must decode to.
type InPlace<'a> = (
    Result<Vec<u8>, String>,
    &'static str,
    bool,
    &'a DynamicImage,
);

/// One file to write: where, what it replaces, and what it must decode to.
struct Output<'a> {
    target: &'a Path,
    relative: String,
    action: Action,
    what: &'a str,
    before: u64,
    bytes: &'a [u8],
    expected: &'a DynamicImage,
    lossless: bool,
}

struct Work<'a> {
    file: &'a ScannedFile,
    options: &'a OptimizeOptions,
    outcome: FileOutcome,
}

impl Work<'_> {
    fn error(&mut self, path: String, message: String) {
        self.outcome.errors.push(Problem { path, message });
    }

    fn warning(&mut self, message: String) {
        self.outcome.warnings.push(Problem {
            path: self.file.relative_path.clone(),
            message,
        });
    }

    /// Writes (unless dry-run) and records one change; false when the write failed (an error
    /// is recorded).
    fn commit(&mut self, output: Output) -> bool {
        if !self.options.dry_run {
            let permissions = if output.target == self.file.path {
                PermissionsFrom::Target
            } else {
                PermissionsFrom::File(&self.file.path)
            };
            let written =
                atomic::write_verified(output.target, output.bytes, permissions, |read_back| {
                    verify_output(read_back, output.expected, output.lossless)
                });
            if let Err(e) = written {
                self.error(output.relative, format!("not changed: {e}"));
                return false;
            }
        }
        self.outcome.changes.push(Change {
            path: output.relative,
            source: self.file.relative_path.clone(),
            action: output.action,
            what: output.what.to_string(),
            before: output.before,
            after: output.bytes.len() as u64,
            reason: None,
        });
        true
    }
}

/// Optimises one image; `displays`: how laid-out pages show it, when `--responsive` is to give
/// it width variants; `variant_stem_taken`: whether another image's copies share a variant's.
fn optimize_file(
    file: &ScannedFile,
    shared_stem: bool,
    displays: Option<&[Display]>,
    variant_stem_taken: &dyn Fn(&Path) -> bool,
    options: &OptimizeOptions,
) -> FileOutcome {
    let mut work = Work {
        file,
        options,
        outcome: FileOutcome::default(),
    };
    let bytes = match read_limited(&file.path, MAX_INPUT_BYTES) {
        Ok(bytes) => bytes,
        Err(e) => {
            work.outcome.candidate = true;
            work.error(file.relative_path.clone(), format!("cannot be read: {e}"));
            return work.outcome;
        }
    };
    let header = match imaging::read_header(&bytes) {
        Ok(header) => header,
        Err(e) => {
            work.outcome.candidate = true;
            work.warning(format!("skipped: {e}"));
            return work.outcome;
        }
    };
    if !matches!(
        header.format,
        ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::Gif
    ) {
        return work.outcome;
    }
    work.outcome.candidate = true;
    if header.animated {
        work.outcome.not_worth_it += 1;
        return work.outcome;
    }
    // Held for the whole file: the upright, resized and encoded copies and the read-back
    // checks all work on copies of the picture.
    let _reservation = match imaging::reserve_decode_memory(&bytes, OPTIMIZE_WORKING_COPIES) {
        Ok(reservation) => reservation,
        Err(e) => {
            work.warning(format!("skipped: {e}"));
            return work.outcome;
        }
    };
    let original = match imaging::decode_bounded(&bytes, &Limits::default()) {
        Ok(image) => image,
        Err(e) => {
            work.warning(format!("skipped: {e}"));
            return work.outcome;
        }
    };
    let presentation = presentation(&bytes, header.format);
    let before = bytes.len() as u64;
    // An EXIF orientation must survive: re-encodes carry no EXIF, so their pixels are turned
    // instead, and `--max-width` applies to the width as displayed.
    // (Borrowed when there is nothing to turn: most images, and a full copy saved.)
    let display: std::borrow::Cow<DynamicImage> =
        if presentation.orientation == image::metadata::Orientation::NoTransforms {
            std::borrow::Cow::Borrowed(&original)
        } else {
            let mut image = original.clone();
            image.apply_orientation(presentation.orientation);
            std::borrow::Cow::Owned(image)
        };
    let resized = options
        .max_width
        .and_then(|width| imaging::resize_to_width(&display, width));
    let keeps_colours = !presentation.foreign_profile;

    // In place: scale down, or optimise in the same format.
    let in_place: Option<InPlace> = match (header.format, &resized) {
        _ if options.copies_only => None,
        (ImageFormat::Png, Some(smaller)) if keeps_colours => Some((
            encode_png(smaller, options.level),
            "png-resized",
            false,
            smaller,
        )),
        (ImageFormat::Jpeg, Some(smaller)) if keeps_colours => Some((
            encode_optimized_jpeg(smaller, options.jpeg_quality),
            "jpeg-resized",
            false,
            smaller,
        )),
        (ImageFormat::Png, None) => Some((
            imaging::optimize_png(&bytes, options.level).map_err(|e| e.to_string()),
            "png-lossless",
            true,
            &original,
        )),
        (ImageFormat::Jpeg, None)
            if options.lossy
                && keeps_colours
                && jpeg_quality_estimate(&bytes)
                    .is_none_or(|quality| quality > options.jpeg_quality) =>
        {
            Some((
                encode_optimized_jpeg(&display, options.jpeg_quality),
                "jpeg-lossy",
                false,
                &display,
            ))
        }
        // Lossless: the same coefficients, so the same pixels as stored (`original`, before
        // any EXIF turn). Markers that change what is displayed (EXIF orientation, a colour
        // profile other than sRGB) are kept; otherwise none is, as `jpegtran -copy none`.
        (ImageFormat::Jpeg, None) => Some((
            imaging::optimize_jpeg(
                &bytes,
                presentation.orientation != image::metadata::Orientation::NoTransforms
                    || presentation.foreign_profile,
            )
            .map_err(|e| e.to_string()),
            "jpeg-lossless",
            true,
            &original,
        )),
        _ => None,
    };
    let re_encodes = (header.format == ImageFormat::Jpeg && options.lossy && !options.copies_only)
        || (resized.is_some() && !options.copies_only)
        || options.webp
        || options.avif
        || displays.is_some();
    if !keeps_colours && re_encodes {
        work.warning(
            "has a colour profile other than sRGB, which a re-encoded copy would lose; only lossless changes made"
                .into(),
        );
    }
    if let Some((encoded, what, lossless, expected)) = in_place {
        match encoded {
            Err(e) => work.error(file.relative_path.clone(), e),
            Ok(new) if options.worth_it(before, new.len() as u64) => {
                let _ = work.commit(Output {
                    target: &file.path,
                    relative: file.relative_path.clone(),
                    action: Action::Replace,
                    what,
                    before,
                    bytes: &new,
                    expected,
                    lossless,
                });
            }
            Ok(_) => work.outcome.not_worth_it += 1,
        }
    }

    // Siblings in modern formats, from the (scaled, upright) picture.
    let source = resized.as_ref().unwrap_or(&display);
    let graphics = header.format != ImageFormat::Jpeg;
    if (options.webp || options.avif) && keeps_colours {
        if shared_stem {
            work.warning("another image has the same name before its extension; no WebP/AVIF copy (they would overwrite each other)".into());
        } else {
            work.modern_copies(&file.path, &file.relative_path, before, source, graphics);
        }
    }

    // Width variants, from the picture as it is on disk after this run.
    if let Some(shown) = displays
        && keeps_colours
        && matches!(header.format, ImageFormat::Png | ImageFormat::Jpeg)
    {
        let in_place = work
            .outcome
            .changes
            .iter()
            .find(|change| change.path == file.relative_path);
        let on_disk = match in_place {
            Some(change) if change.what.ends_with("-resized") => source,
            _ => &*display,
        };
        let source_bytes = in_place.map_or(before, |change| change.after);
        // A variant finer than its source spends bytes on detail the source never had: a
        // q50 JPEG's 760 px variant at q85 came out larger than the 1200 px source.
        let quality = jpeg_quality_estimate(&bytes).map_or(options.jpeg_quality, |source| {
            source.min(options.jpeg_quality)
        });
        work.responsive_variants(
            shown,
            on_disk,
            header.format,
            source_bytes,
            quality,
            &|variant| shared_stem || variant_stem_taken(variant),
        );
    }
    work.outcome
}

impl Work<'_> {
    /// Writes `base`'s WebP/AVIF siblings (`--webp`/`--avif`) from `picture`, what `base`
    /// shows; `base_bytes` is `base`'s size, which a copy must beat.
    fn modern_copies(
        &mut self,
        base: &Path,
        base_relative: &str,
        base_bytes: u64,
        picture: &DynamicImage,
        graphics: bool,
    ) {
        let options = self.options;
        let source_modified = modified(base);
        for (enabled, extension) in [(options.webp, "webp"), (options.avif, "avif")] {
            if !enabled {
                continue;
            }
            let target = base.with_extension(extension);
            let target_relative = match base_relative.rsplit_once('.') {
                Some((stem, _)) => format!("{stem}.{extension}"),
                None => format!("{base_relative}.{extension}"),
            };
            let existing = std::fs::symlink_metadata(&target).ok();
            if let Some(metadata) = &existing {
                if !metadata.is_file() {
                    self.error(
                        target_relative,
                        "is a symbolic link or not a regular file; left alone".into(),
                    );
                    continue;
                }
                let newer =
                    metadata.modified().ok() >= source_modified && source_modified.is_some();
                let same_size = read_limited(&target, MAX_INPUT_BYTES)
                    .ok()
                    .and_then(|b| imaging::read_header(&b).ok())
                    .is_some_and(|h| (h.width, h.height) == picture.dimensions());
                if newer && same_size {
                    self.outcome.up_to_date += 1;
                    self.outcome.current_copies.push(target_relative);
                    continue;
                }
            }
            let replaced = existing.is_some();
            let encoded = if extension == "webp" {
                match imaging::encode_webp_lossy(picture, options.webp_quality) {
                    Err(e) => Err(e.to_string()),
                    Ok(lossy) if graphics && lossless_may_win(base_bytes, lossy.len()) => {
                        match imaging::encode_webp_lossless(picture) {
                            Ok(lossless) if lossless.len() <= lossy.len() => {
                                Ok((lossless, "webp-lossless", true))
                            }
                            _ => Ok((lossy, "webp-lossy", false)),
                        }
                    }
                    Ok(lossy) => Ok((lossy, "webp-lossy", false)),
                }
            } else {
                imaging::encode_avif(picture, options.avif_quality, options.avif_speed)
                    .map(|bytes| (bytes, "avif", false))
                    .map_err(|e| e.to_string())
            };
            match encoded {
                Err(e) => self.error(target_relative, e),
                Ok((new, _, _))
                    if replaced
                        && read_limited(&target, MAX_INPUT_BYTES).ok().as_deref()
                            == Some(&new[..]) =>
                {
                    self.outcome.up_to_date += 1;
                    self.outcome.current_copies.push(target_relative);
                }
                Ok(_) if replaced && !options.force => {
                    // Older than its source or of other dimensions: an old copy, or a picture of
                    // someone's own under this name (an art-directed crop); nothing tells which.
                    self.warning(format!(
                        "{target_relative} exists and is not an up-to-date copy of this image; left alone (`--force` replaces it)"
                    ));
                }
                Ok((new, what, lossless)) if options.worth_it(base_bytes, new.len() as u64) => {
                    let action = if replaced {
                        Action::Replace
                    } else {
                        Action::Create
                    };
                    let _ = self.commit(Output {
                        target: &target,
                        relative: target_relative,
                        action,
                        what,
                        before: base_bytes,
                        bytes: &new,
                        expected: picture,
                        lossless,
                    });
                }
                Ok(_) => self.outcome.not_worth_it += 1,
            }
        }
    }

    /// `--responsive`: writes the width variants of this image that `displays` call for, from
    /// `picture` (the image as it is on disk after this run, upright, `source_bytes` long), in
    /// the image's own format (a JPEG at `jpeg_quality`), each with its WebP/AVIF copies;
    /// records the set for `--rewrite-html`.
    fn responsive_variants(
        &mut self,
        displays: &[Display],
        picture: &DynamicImage,
        format: ImageFormat,
        source_bytes: u64,
        jpeg_quality: u8,
        copies_clash: &dyn Fn(&Path) -> bool,
    ) {
        let options = self.options;
        let Some(plan) = responsive::plan(displays, picture.width()) else {
            return;
        };
        let (what, graphics) = match format {
            ImageFormat::Png => ("png-variant", true),
            _ => ("jpeg-variant", false),
        };
        let mut variants = Vec::new();
        for width in plan.widths.iter().copied().filter(|&w| w < picture.width()) {
            let Some(scaled) = imaging::resize_to_width(picture, width) else {
                continue;
            };
            let relative = responsive::variant_name(&self.file.relative_path, width);
            let Some(name) = relative.rsplit('/').next() else {
                continue;
            };
            let target = self.file.path.with_file_name(name);
            let encoded = match format {
                ImageFormat::Png => encode_png(&scaled, options.level),
                _ => encode_optimized_jpeg(&scaled, jpeg_quality),
            };
            let new = match encoded {
                Ok(new) => new,
                Err(e) => {
                    self.error(relative, e);
                    continue;
                }
            };
            // A narrower file that is not smaller would have a browser download more bytes for
            // fewer pixels (a flat PNG scaled with a smoothing filter gains colours); one that
            // saves less than the optimiser's thresholds is a file to keep for nothing.
            if !options.worth_it(source_bytes, new.len() as u64) {
                self.outcome.not_worth_it += 1;
                continue;
            }
            match std::fs::symlink_metadata(&target) {
                Ok(metadata) if !metadata.is_file() => {
                    self.error(
                        relative,
                        "is a symbolic link or not a regular file; left alone".into(),
                    );
                    continue;
                }
                Ok(_) => {
                    if read_limited(&target, MAX_INPUT_BYTES).ok().as_deref() == Some(&new[..]) {
                        self.outcome.up_to_date += 1;
                    } else {
                        // Never replaced, even with `--force`: the name is ours only by
                        // convention, and the file may be someone's own picture.
                        self.warning(format!(
                            "{relative} exists and is not this image at {width} px wide; left alone (variants never overwrite a file: remove it to have it written)"
                        ));
                        continue;
                    }
                }
                Err(_) => {
                    let written = self.commit(Output {
                        target: &target,
                        relative: relative.clone(),
                        action: Action::Create,
                        what,
                        before: source_bytes,
                        bytes: &new,
                        expected: &scaled,
                        lossless: false,
                    });
                    if !written {
                        continue;
                    }
                }
            }
            if options.webp || options.avif {
                if copies_clash(&target) {
                    self.warning(format!("another image has the same name before its extension; no WebP/AVIF copy of {relative} (they would overwrite each other)"));
                } else {
                    // From the variant's own pixels, as a later run would make them: copies
                    // of the file, and the same bytes then (idempotent runs).
                    match imaging::decode_bounded(&new, &Limits::default()) {
                        Ok(variant) => self.modern_copies(
                            &target,
                            &relative,
                            new.len() as u64,
                            &variant,
                            graphics,
                        ),
                        Err(e) => self.error(relative.clone(), format!("does not decode: {e}")),
                    }
                }
            }
            variants.push(Variant {
                path: relative,
                width: scaled.width(),
                height: scaled.height(),
            });
        }
        if !variants.is_empty() {
            self.outcome.responsive.push(ResponsiveImage {
                path: self.file.relative_path.clone(),
                width: picture.width(),
                height: picture.height(),
                variants,
            });
        }
    }
}
