//! Facts parsed once per file, in the same pass that measures it: JavaScript imports, source-map
//! attribution, HTML references, CSS references. Rules read these facts, never the files.
//!
//! A script or stylesheet with a source map reads its map in the same worker (the map is then
//! "claimed": measured from those bytes, never read again), so every file is read once.

pub mod css;
pub mod css_in_js;
pub mod fold;
pub mod font;
pub mod html;
pub mod icon;
pub mod image;
pub mod import_sites;
pub mod inlined;
pub mod js;
pub mod js_guard;
pub mod js_scan;
pub mod legacy;
pub mod manifest;
pub mod mentions;
pub mod minify;
pub mod sourcemap;
pub mod sveltekit;
pub mod svg;
pub mod url;
pub mod webpack;

use foldhash::HashMap;
use std::io::Read;

use crate::kind::Format;
use crate::measure::cache::{self, Cache};
use crate::measure::{Analysis, OriginalSize};
use crate::scan::ScannedFile;
use sourcemap::GeneratedLanguage;

pub use crate::model::facts::{ClaimedMap, Decoded, Facts, MapLink, ScriptFacts, StylesheetFacts};

/// Source maps larger than this are not read (the JSON parser holds the whole map in memory).
pub const MAX_MAP_BYTES: u64 = 256 * 1024 * 1024;

/// Bump when facts change shape or meaning: cached facts of older versions are then ignored.
pub const ANALYZER_VERSION: &str = "facts-27-commonjs-builds";

/// A precompressed file is decoded up to this size: enough for any real web asset, and a bound
/// on the work a decompression bomb can cause.
pub const MAX_DECODED_BYTES: u64 = 1 << 30;

/// A precompressed file is decoded at least this far (see `DecodeLimit`), and a file whose
/// original is not in the folder only this far.
pub const MAX_ORPHAN_DECODED_BYTES: u64 = 64 * 1024 * 1024;

/// How far a `.gz`/`.br` is decoded: far enough to tell any real copy (stale or current) of
/// its original exactly, and no further: 64 MiB or four times the original, whichever is
/// larger, up to [`MAX_DECODED_BYTES`]. A 1 GiB bomb beside a 20 kB original cost 2 s of CPU;
/// it now stops after 64 MiB (about 0.1 s).
#[derive(Debug, Clone, Copy)]
struct DecodeLimit {
    original_size: Option<u64>,
}

impl DecodeLimit {
    /// The bound of `file`, whose original measuring found in the scan or not (`original`):
    /// looked for on disk only when it is not among the scanned files.
    fn of(file: &ScannedFile, original: OriginalSize) -> DecodeLimit {
        let original_size = match original {
            OriginalSize::Scanned(size) => size,
            OriginalSize::NotScanned => std::fs::symlink_metadata(file.path.with_extension(""))
                .ok()
                .filter(|metadata| metadata.is_file())
                .map(|metadata| metadata.len()),
        };
        DecodeLimit { original_size }
    }

    fn bytes(self) -> u64 {
        self.original_size
            .map_or(0, |size| size.saturating_mul(4))
            .clamp(MAX_ORPHAN_DECODED_BYTES, MAX_DECODED_BYTES)
    }

    fn exceeded(self) -> String {
        let megabytes = self.bytes() / 1_000_000;
        match self.original_size {
            Some(size) => format!(
                "decodes to more than {megabytes} MB while its original has {size} bytes: not a copy of it (not decoded further)"
            ),
            None => format!("decodes to more than {megabytes} MB; not checked further"),
        }
    }
}

fn decode(format: Format, bytes: &[u8], limit: DecodeLimit) -> Decoded {
    if format == Format::Gzip {
        // One buffer per worker, kept between files, so that each file's content does not
        // zero and fault in a fresh allocation (up to WHOLE_GUNZIP_MAX_BYTES stays held).
        thread_local! {
            static CONTENT: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        let decoded = CONTENT
            .with_borrow_mut(|buffer| gunzip_whole_into(bytes, limit, buffer).map(decoded_from));
        if let Some(decoded) = decoded {
            return decoded;
        }
    }
    let mut hasher = blake3::Hasher::new();
    let mut reader: Box<dyn Read> = match format {
        Format::Gzip => Box::new(flate2::read::MultiGzDecoder::new(bytes)),
        _ => Box::new(brotli_decompressor::Decompressor::new(bytes, 64 * 1024)),
    };
    let mut buffer = vec![0u8; 64 * 1024];
    let mut size = 0u64;
    loop {
        match reader.read(&mut buffer) {
            Ok(0) => {
                return Decoded {
                    hash: Some(*hasher.finalize().as_bytes()),
                    size,
                    error: None,
                };
            }
            Ok(n) => {
                size += n as u64;
                if size > limit.bytes() {
                    let error = limit.exceeded();
                    return Decoded {
                        hash: None,
                        size,
                        error: Some(error),
                    };
                }
                hasher.update(&buffer[..n]);
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                return Decoded {
                    hash: None,
                    size,
                    error: Some(format!("cannot be decoded: {e}")),
                };
            }
        }
    }
}

/// The largest content [`gunzip_whole`] decodes in one piece: every real asset, with two
/// workers' buffers well inside the memory budget. Larger ones are streamed.
const WHOLE_GUNZIP_MAX_BYTES: u64 = 32 * 1024 * 1024;

/// The most a deflate stream expands (a 258-byte match in about 2 bits): a size its gzip
/// trailer claims beyond this is a lie, and not allocated for.
const DEFLATE_MAX_RATIO: u64 = 1032;

/// A `.gz` of one gzip member decoded whole by libdeflate, whose inflate took a third of
/// zlib's time on homeassistant's 3,000 `.gz` files (0.10 s against 0.32 s, 97 MB decoded).
/// libdeflate needs the size before it starts: the member's trailer gives it (ISIZE, the last
/// four bytes). `None`, and zlib's streaming decoder decides, for anything else: several
/// members, a size over the decode limit, over [`WHOLE_GUNZIP_MAX_BYTES`] or more than a
/// deflate stream can expand to, a trailer that lies about it, or a broken stream (zlib's
/// decoder says what is wrong with it).
fn gunzip_whole(bytes: &[u8], limit: DecodeLimit) -> Option<Vec<u8>> {
    // An empty buffer is grown to exactly the decoded size.
    let mut content = Vec::new();
    gunzip_whole_into(bytes, limit, &mut content)?;
    Some(content)
}

/// What a precompressed file whose content decoded whole holds.
fn decoded_from(content: &[u8]) -> Decoded {
    Decoded {
        hash: Some(*blake3::hash(content).as_bytes()),
        size: content.len() as u64,
        error: None,
    }
}

/// [`gunzip_whole`] into `buffer`, grown as needed and never shrunk: the decoded bytes.
fn gunzip_whole_into<'a>(
    bytes: &[u8],
    limit: DecodeLimit,
    buffer: &'a mut Vec<u8>,
) -> Option<&'a [u8]> {
    let trailer: [u8; 4] = bytes.get(bytes.len().checked_sub(4)?..)?.try_into().ok()?;
    let claimed = u64::from(u32::from_le_bytes(trailer));
    let bound = limit
        .bytes()
        .min(WHOLE_GUNZIP_MAX_BYTES)
        .min((bytes.len() as u64).saturating_mul(DEFLATE_MAX_RATIO));
    if claimed > bound {
        return None;
    }
    let claimed = claimed as usize;
    if buffer.len() < claimed {
        buffer.resize(claimed, 0);
    }
    let content = &mut buffer[..claimed];
    let (consumed, written) = libdeflate::gzip_decompress(bytes, content)?;
    (consumed == bytes.len() && written == claimed).then_some(&content[..])
}

/// libdeflate's gzip decoder through its C interface: `libdeflater`, the safe wrapper oxipng
/// brings, does not say how much input a member took, and without that a second member
/// (which `MultiGzDecoder` reads) would go unnoticed.
mod libdeflate {
    use std::ptr::NonNull;

    /// One decompressor, freed when dropped.
    struct Decompressor(NonNull<libdeflate_sys::libdeflate_decompressor>);

    impl Drop for Decompressor {
        fn drop(&mut self) {
            // SAFETY: the pointer came from `libdeflate_alloc_decompressor` and is freed once.
            unsafe { libdeflate_sys::libdeflate_free_decompressor(self.0.as_ptr()) }
        }
    }

    /// Decodes the first gzip member of `input` into `output`: the bytes of `input` it took
    /// and the bytes it wrote, or `None` when the member is broken or does not fit.
    pub(super) fn gzip_decompress(input: &[u8], output: &mut [u8]) -> Option<(usize, usize)> {
        // SAFETY: allocation has no precondition; a null result is handled.
        let decompressor = Decompressor(NonNull::new(unsafe {
            libdeflate_sys::libdeflate_alloc_decompressor()
        })?);
        let (mut consumed, mut written) = (0usize, 0usize);
        // SAFETY: both buffers are valid for the lengths given and do not overlap; libdeflate
        // reads at most `input.len()` bytes, writes at most `output.len()`, and sets both counts
        // before returning success.
        let result = unsafe {
            libdeflate_sys::libdeflate_gzip_decompress_ex(
                decompressor.0.as_ptr(),
                input.as_ptr().cast(),
                input.len(),
                output.as_mut_ptr().cast(),
                output.len(),
                &mut consumed,
                &mut written,
            )
        };
        (result == libdeflate_sys::libdeflate_result_LIBDEFLATE_SUCCESS)
            .then_some((consumed, written))
    }
}

/// The formats whose precompressed copies, shipped without their original, are decoded and
/// analysed as the file they encode.
const ENCODED_CONTENT: &[&str] = &["js", "mjs", "cjs", "css", "html", "htm"];

/// Decodes a `.gz`/`.br` whole into memory, within `limit`: what it decodes to (size, hash)
/// and the decoded bytes; on failure, the `Decoded` that says why.
fn decode_to_memory(
    format: Format,
    bytes: &[u8],
    limit: DecodeLimit,
) -> Result<(Decoded, Vec<u8>), Decoded> {
    if format == Format::Gzip
        && let Some(content) = gunzip_whole(bytes, limit)
    {
        return Ok((decoded_from(&content), content));
    }
    let reader: Box<dyn Read> = match format {
        Format::Gzip => Box::new(flate2::read::MultiGzDecoder::new(bytes)),
        _ => Box::new(brotli_decompressor::Decompressor::new(bytes, 64 * 1024)),
    };
    let mut content = Vec::new();
    // One byte past the limit tells a stream that exceeds it from one that ends there.
    match reader.take(limit.bytes() + 1).read_to_end(&mut content) {
        Ok(_) if content.len() as u64 > limit.bytes() => Err(Decoded {
            hash: None,
            size: content.len() as u64,
            error: Some(limit.exceeded()),
        }),
        Ok(_) => Ok((decoded_from(&content), content)),
        Err(e) => Err(Decoded {
            hash: None,
            size: content.len() as u64,
            error: Some(format!("cannot be decoded: {e}")),
        }),
    }
}

/// The facts of a precompressed copy's decoded content, read as the file it encodes
/// (`extension` is the original's). No source map is looked for: a map names the original.
fn encoded_content_facts(context: &AnalyzeContext, extension: &str, content: &[u8]) -> Facts {
    match extension {
        "js" | "mjs" | "cjs" => Facts::Script(Box::new(script_facts(
            context, extension, true, content, None,
        ))),
        "css" => Facts::Stylesheet(Box::new(stylesheet_facts(content, None))),
        _ => Facts::Document(Box::new(document_facts(content))),
    }
}

/// What a script says: imports, library signatures (looked for only without a usable map,
/// which names the packages exactly), the minified size of a `shipped` script (not of a
/// TypeScript or JSX source) and the image names it mentions.
fn script_facts(
    context: &AnalyzeContext,
    syntax: &str,
    shipped: bool,
    bytes: &[u8],
    map: Option<MapLink>,
) -> ScriptFacts {
    let (js, trivia_bytes) = js::analyze_counting_trivia(syntax, bytes);
    let minified = shipped.then(|| minify::estimate_js(bytes, syntax, trivia_bytes));
    let attributed = map.as_ref().is_some_and(|m| m.attribution.is_ok());
    let attribution = map.as_ref().and_then(|m| m.attribution.as_ref().ok());
    let (signatures, legacy) = match (context.signatures.filter(|_| !attributed), shipped) {
        (Some(_), true) => context.signatures_and_legacy(bytes, attribution),
        (Some(signatures), false) => (signatures.find(bytes), Default::default()),
        (None, true) => (Vec::new(), legacy::find(bytes, attribution)),
        (None, false) => (Vec::new(), Default::default()),
    };
    let mentioned = mentions::file_names(bytes);
    // Only a `require()` makes the answer matter: most bundles have none, and are not searched.
    let tests_module_system = js
        .imports
        .iter()
        .any(|import| import.form == js::ImportForm::Require)
        && tests_module_system(bytes);
    ScriptFacts {
        legacy,
        js,
        map,
        signatures,
        minified,
        image_names: mentioned.images,
        font_names: mentioned.fonts,
        inlined: inlined::in_script(bytes),
        // CSS-in-JS a TypeScript or JSX source holds reaches no browser as it is.
        font_faces: if shipped {
            css_in_js::font_faces(bytes)
        } else {
            Vec::new()
        },
        tests_module_system,
        // Only what a browser runs: a source file's manifest is generated again at build.
        sveltekit: shipped.then(|| sveltekit::client_manifest(bytes)).flatten(),
    }
}

/// Whether `bytes` test for CommonJS or AMD the way UMD wrappers do (see
/// `ScriptFacts::tests_module_system`). Minifiers print `typeof` and its operand with one space.
fn tests_module_system(bytes: &[u8]) -> bool {
    [&b"typeof exports"[..], b"typeof module", b"typeof define"]
        .iter()
        .any(|test| memchr::memmem::find(bytes, test).is_some())
}

/// What a stylesheet says, and its minified size.
fn stylesheet_facts(bytes: &[u8], map: Option<MapLink>) -> StylesheetFacts {
    let css = css::parse(bytes);
    StylesheetFacts {
        inlined: inlined::in_stylesheet(&css),
        css,
        map,
        minified: Some(minify::Minified::Estimated {
            bytes: css::minified_size(bytes),
        }),
    }
}

/// What a page says, with the image names it mentions.
fn document_facts(bytes: &[u8]) -> html::HtmlFacts {
    let mut html = html::parse(bytes);
    html.image_names = mentions::file_names(bytes).images;
    html
}

/// What analysing a file needs besides its bytes: the other files of the folder (to find
/// maps), the library signatures, and the cache of earlier runs' facts.
pub struct AnalyzeContext<'a> {
    pub files: HashMap<&'a str, &'a ScannedFile>,
    pub signatures: Option<&'a crate::knowledge::Signatures>,
    /// Identifies the package knowledge the signatures come from (facts depend on it).
    pub knowledge_fingerprint: [u8; 32],
    /// What image analysis measures (AVIF encoded or estimated).
    pub image: image::ImageOptions,
    /// Keep each source map this run reads (for the findings' original positions, see
    /// [`crate::origins`]), so that no map is read twice.
    pub retain_maps: bool,
    /// Leave images' decoding and re-encodes until the site model says which images something
    /// uses ([`crate::measure::measure_deferred_images`]): measuring then reads an image's
    /// header only, and an image nothing uses is decoded but never re-encoded. Off, every
    /// image is analysed whole as measuring reads it (what callers without a site model need).
    pub defer_image_encodes: bool,
    /// The library signatures and the legacy-JavaScript strings in one automaton, built on
    /// first use: a shipped script without a map is searched for both, and each search walks
    /// every byte through a DFA (about 2 ns a byte), so one walk instead of two.
    script_search: std::sync::OnceLock<Option<aho_corasick::AhoCorasick>>,
}

impl<'a> AnalyzeContext<'a> {
    pub fn new(
        files: &'a [ScannedFile],
        signatures: Option<&'a crate::knowledge::Signatures>,
        knowledge_fingerprint: [u8; 32],
        image: image::ImageOptions,
    ) -> AnalyzeContext<'a> {
        AnalyzeContext {
            files: files
                .iter()
                .map(|f| (f.relative_path.as_str(), f))
                .collect(),
            signatures,
            knowledge_fingerprint,
            image,
            retain_maps: false,
            defer_image_encodes: false,
            script_search: std::sync::OnceLock::new(),
        }
    }

    /// [`crate::knowledge::Signatures::find`] with [`Self::signatures`] and [`legacy::find`] of
    /// one script, from one search for the strings of both (the automaton is built for
    /// [`Self::signatures`], so they are not a parameter).
    fn signatures_and_legacy(
        &self,
        bytes: &[u8],
        attribution: Option<&crate::model::facts::sourcemap::Attribution>,
    ) -> (
        Vec<crate::knowledge::SignatureMatch>,
        crate::model::facts::legacy::LegacyFacts,
    ) {
        let Some(signatures) = self.signatures else {
            return (Vec::new(), legacy::find(bytes, attribution));
        };
        let patterns = signatures.patterns();
        let automaton = self.script_search.get_or_init(|| {
            let both: Vec<String> = patterns.iter().chain(legacy::literals()).cloned().collect();
            crate::knowledge::search_automaton(&both)
        });
        let Some(automaton) = automaton else {
            return (signatures.find(bytes), legacy::find(bytes, attribution));
        };
        let (mut signature_hits, mut legacy_hits) = (Vec::new(), Vec::new());
        for hit in automaton.find_overlapping_iter(bytes) {
            let index = hit.pattern().as_usize();
            match index.checked_sub(patterns.len()) {
                None => signature_hits.push((index, hit.start(), hit.end())),
                Some(literal) => legacy_hits.push((literal, hit.start(), hit.end())),
            }
        }
        (
            signatures.matches_from_hits(bytes, signature_hits),
            legacy::find_from_hits(bytes, attribution, legacy_hits),
        )
    }
}

/// Measuring hands each file's bytes to the analysis while it holds them, so every file is read
/// once.
impl crate::measure::ContentReader for AnalyzeContext<'_> {
    fn read(
        &self,
        cache: &Cache,
        file: &ScannedFile,
        format: Format,
        bytes: &[u8],
        content_hash: &[u8; 32],
        original: OriginalSize,
    ) -> Analysis {
        analyze(self, cache, file, format, bytes, content_hash, original)
    }

    fn read_known(
        &self,
        cache: &Cache,
        file: &ScannedFile,
        format: Format,
        content_hash: &[u8; 32],
        map: Option<&ClaimedMap>,
        in_memory: bool,
        original: OriginalSize,
    ) -> Option<Analysis> {
        analyze_known(
            self,
            cache,
            file,
            format,
            content_hash,
            map,
            in_memory,
            original,
        )
    }

    fn defers_images(&self) -> bool {
        self.defer_image_encodes && self.image.reencodes()
    }

    fn read_image(
        &self,
        cache: &Cache,
        content_hash: &[u8; 32],
        used: bool,
        bytes: Option<&[u8]>,
    ) -> Option<Analysis> {
        let options = if used {
            self.image
        } else {
            self.image.decode_only()
        };
        let key = image_key(options, content_hash);
        if let Some(analysis) = cached_image(cache, key) {
            return Some(analysis);
        }
        let mut facts = image::analyze(bytes?, options);
        facts.unused = !used;
        let facts = Facts::Image(Box::new(facts));
        let computed = serde_json::to_vec(&facts).ok().map(|json| (key, json));
        Some(Analysis {
            computed,
            ..Analysis::of(facts)
        })
    }

    fn read_head(&self, format: Format, head: &[u8]) -> Facts {
        match format {
            Format::Png | Format::Jpeg | Format::Gif | Format::Webp | Format::Avif => {
                Facts::Image(Box::new(image::too_large_to_read(head)))
            }
            Format::Svg => Facts::Svg(Box::new(svg::read_intrinsic(head))),
            _ => Facts::None,
        }
    }
}

fn extension_of(file: &ScannedFile) -> String {
    file.extension.as_deref().unwrap_or("").to_ascii_lowercase()
}

/// Where a script's or stylesheet's source map is, once read.
enum MapSource {
    None,
    /// Known to be unusable without reading anything (outside the folder, missing, undecodable).
    Unusable(MapLink),
    Bytes {
        path: Option<String>,
        declared: bool,
        bytes: Vec<u8>,
        claimed: Option<ClaimedMap>,
        /// The length of an inline map's `data:` URL; 0 for a map file.
        inline_bytes: u64,
    },
}

/// Analyses one file's content, or takes its facts from the cache when the same content (and
/// the same source map) was analysed before. `original`: what measuring knows of the size of
/// the file's original, which a precompressed file's facts depend on.
pub fn analyze(
    context: &AnalyzeContext,
    cache: &Cache,
    file: &ScannedFile,
    format: Format,
    bytes: &[u8],
    content_hash: &[u8; 32],
    original: OriginalSize,
) -> Analysis {
    if matches!(
        format,
        Format::Png | Format::Jpeg | Format::Gif | Format::Webp | Format::Avif
    ) {
        return analyze_image(context, cache, bytes, content_hash);
    }
    let web_manifest = manifest::is_manifest(format, &file.relative_path);
    if web_manifest || is_intrinsic(format) {
        // Read in microseconds from the first bytes (a manifest: a few kilobytes; a font: its
        // character map), so recomputed from bytes in hand; kept in the cache for the runs that
        // do not read the file (`measure::known`).
        let facts = match format {
            Format::Svg => Facts::Svg(Box::new(svg::read_intrinsic(bytes))),
            Format::Ico => Facts::Icon(Box::new(icon_facts(bytes))),
            Format::Woff2 | Format::Woff | Format::Ttf | Format::Otf => {
                Facts::Font(Box::new(font::read(bytes)))
            }
            _ => Facts::WebManifest(Box::new(manifest::manifest_facts(bytes))),
        };
        let key = intrinsic_key(format, content_hash);
        let computed = match cache.get(&key) {
            Some(_) => None,
            None => serde_json::to_vec(&facts).ok().map(|json| (key, json)),
        };
        return Analysis {
            computed,
            ..Analysis::of(facts)
        };
    }
    let (map, map_target) = match format {
        Format::Js | Format::SourceCode | Format::Css => find_map(context, file, bytes),
        _ => (MapSource::None, None),
    };
    // Attribution depends on the map's content and on where the map is (sources resolve
    // against its folder). A map file was hashed when it was read (its claim); an inline map is
    // part of the file's own content, which the key already covers.
    let (map_hash, map_path) = match &map {
        MapSource::Bytes { claimed, path, .. } => (
            claimed.as_ref().map_or([0; 32], |c| c.content_hash),
            path.clone().unwrap_or_default(),
        ),
        _ => ([0; 32], String::new()),
    };
    let decode_limit =
        matches!(format, Format::Gzip | Format::Brotli).then(|| DecodeLimit::of(file, original));
    let Some(key) = facts_key(
        context,
        file,
        format,
        content_hash,
        decode_limit,
        &map_hash,
        &map_path,
    ) else {
        return Analysis::of(Facts::None);
    };
    let extension = extension_of(file);
    let claimed = match &map {
        MapSource::Bytes { claimed, .. } => claimed.clone(),
        _ => None,
    };
    if let Some(cached) = cache.get(&key)
        && let Ok(facts) = serde_json::from_slice::<Facts>(cached)
    {
        // The map was read for its hash (part of the key): keep it if asked.
        let map_json = match map {
            MapSource::Bytes { bytes, .. } if context.retain_maps => Some(bytes),
            _ => None,
        };
        return Analysis {
            facts,
            claimed,
            computed: None,
            map_json,
            map_target,
        };
    }

    let mut retained_map = None;
    let facts = match format {
        Format::Js | Format::SourceCode => {
            let syntax = if js::EXTENSIONS.contains(&extension.as_str()) {
                extension.as_str()
            } else {
                "js"
            };
            let (map, json) = attribute(map, file, bytes, GeneratedLanguage::Script);
            retained_map = json.filter(|_| context.retain_maps);
            // Only files browsers run as scripts: TypeScript or JSX sources are not shipped code.
            let shipped = matches!(extension.as_str(), "js" | "mjs" | "cjs");
            Facts::Script(Box::new(script_facts(context, syntax, shipped, bytes, map)))
        }
        Format::Css => {
            let (map, json) = attribute(map, file, bytes, GeneratedLanguage::Stylesheet);
            retained_map = json.filter(|_| context.retain_maps);
            Facts::Stylesheet(Box::new(stylesheet_facts(bytes, map)))
        }
        Format::Gzip | Format::Brotli => {
            let limit = decode_limit.unwrap_or(DecodeLimit {
                original_size: None,
            });
            let encodes = file
                .relative_path
                .rsplit_once('.')
                .and_then(|(stem, _)| stem.rsplit_once('.'))
                .map(|(_, extension)| extension.to_ascii_lowercase());
            match encodes {
                // Without its original, the copy may be the asset itself: read what it holds.
                Some(encodes)
                    if limit.original_size.is_none()
                        && ENCODED_CONTENT.contains(&encodes.as_str()) =>
                {
                    match decode_to_memory(format, bytes, limit) {
                        Ok((decoded, content)) => {
                            Facts::Encoded(Box::new(crate::model::facts::Encoded {
                                decoded,
                                content: encoded_content_facts(context, &encodes, &content),
                            }))
                        }
                        Err(decoded) => Facts::Precompressed(decoded),
                    }
                }
                _ => Facts::Precompressed(decode(format, bytes, limit)),
            }
        }
        _ => Facts::Document(Box::new(document_facts(bytes))),
    };
    let computed = serde_json::to_vec(&facts).ok().map(|json| (key, json));
    Analysis {
        facts,
        claimed,
        computed,
        map_json: retained_map,
        map_target,
    }
}

/// The cache key of the facts of a script, stylesheet, page or precompressed file (`None` for
/// the formats whose facts are not read this way). `map_hash` and `map_path` name the source
/// map read beside it (zeros and empty when there is none).
fn facts_key(
    context: &AnalyzeContext,
    file: &ScannedFile,
    format: Format,
    content_hash: &[u8; 32],
    decode_limit: Option<DecodeLimit>,
    map_hash: &[u8; 32],
    map_path: &str,
) -> Option<cache::Key> {
    let tag: &[u8] = match format {
        Format::Js | Format::SourceCode => b"script",
        Format::Css => b"stylesheet",
        Format::Html => b"document",
        Format::Gzip | Format::Brotli => b"precompressed",
        _ => return None,
    };
    let extension = extension_of(file);
    // What a precompressed file's facts say depends on its original's size (how far it is
    // decoded): part of the key.
    let decode_bound = decode_limit.map_or(0, DecodeLimit::bytes).to_le_bytes();
    Some(cache::key(&[
        b"facts",
        &decode_bound,
        ANALYZER_VERSION.as_bytes(),
        &context.knowledge_fingerprint,
        // The polyfill patterns come from the built-in legacy JavaScript data.
        crate::knowledge::legacy::fingerprint(),
        tag,
        extension.as_bytes(),
        content_hash,
        map_hash,
        map_path.as_bytes(),
        // Inline maps resolve sources against the file's own folder, and map problems name
        // paths: the same content elsewhere has other facts.
        file.relative_path.as_bytes(),
    ]))
}

/// The formats whose facts depend on their content only and are read quickly whole: SVGs
/// (their root tag), icons (their directory) and fonts (their character map).
fn is_intrinsic(format: Format) -> bool {
    matches!(
        format,
        Format::Svg | Format::Ico | Format::Woff2 | Format::Woff | Format::Ttf | Format::Otf
    )
}

/// The cache key of an SVG's, icon's, font's or web app manifest's facts, which depend on the
/// content only.
fn intrinsic_key(format: Format, content_hash: &[u8; 32]) -> cache::Key {
    let tag: &[u8] = match format {
        Format::Svg => b"svg",
        Format::Ico => b"icon",
        Format::Woff2 | Format::Woff | Format::Ttf | Format::Otf => b"font",
        _ => b"web-manifest",
    };
    cache::key(&[b"facts", ANALYZER_VERSION.as_bytes(), tag, content_hash])
}

fn image_key(options: image::ImageOptions, content_hash: &[u8; 32]) -> cache::Key {
    cache::key(&[
        b"facts",
        ANALYZER_VERSION.as_bytes(),
        b"image",
        &options.fingerprint(),
        content_hash,
    ])
}

/// An image's facts under `key`, when the cache has them.
fn cached_image(cache: &Cache, key: cache::Key) -> Option<Analysis> {
    let facts = serde_json::from_slice::<Facts>(cache.get(&key)?).ok()?;
    matches!(facts, Facts::Image(_)).then(|| Analysis::of(facts))
}

/// A file's facts from the cache alone, for a file measuring recognised by its metadata
/// (`measure::known`) and did not read: `None` when they are not there, or when this run needs
/// the bytes anyway (a map to keep for original positions, the head of a file too large to hold).
/// `map` is the source map file the file's record points at, `None` when it points at none or
/// at a file the folder does not have.
#[allow(clippy::too_many_arguments)]
fn analyze_known(
    context: &AnalyzeContext,
    cache: &Cache,
    file: &ScannedFile,
    format: Format,
    content_hash: &[u8; 32],
    map: Option<&ClaimedMap>,
    in_memory: bool,
    original: OriginalSize,
) -> Option<Analysis> {
    let cached = |key: cache::Key| -> Option<Analysis> {
        let facts = serde_json::from_slice::<Facts>(cache.get(&key)?).ok()?;
        Some(Analysis::of(facts))
    };
    let image = matches!(
        format,
        Format::Png | Format::Jpeg | Format::Gif | Format::Webp | Format::Avif
    );
    if !in_memory {
        // The facts of a streamed file come from its first bytes (`read_head`).
        return (!image && format != Format::Svg).then(|| Analysis::of(Facts::None));
    }
    if image {
        // Deferring, facts made for an image nothing used (decoded only) serve as well: the
        // re-encodes, when it is used now, come after the site model.
        let decode_only = context
            .defer_image_encodes
            .then(|| context.image.decode_only());
        return std::iter::once(context.image)
            .chain(decode_only)
            .find_map(|options| cached_image(cache, image_key(options, content_hash)));
    }
    if is_intrinsic(format) || manifest::is_manifest(format, &file.relative_path) {
        return cached(intrinsic_key(format, content_hash));
    }
    // A map past the size bound is not read, as when the script is read.
    let map = map.filter(|map| map.raw <= MAX_MAP_BYTES);
    if map.is_some() && context.retain_maps {
        return None;
    }
    let decode_limit =
        matches!(format, Format::Gzip | Format::Brotli).then(|| DecodeLimit::of(file, original));
    let (map_hash, map_path) = match map {
        Some(map) => (map.content_hash, map.path.as_str()),
        None => ([0; 32], ""),
    };
    let Some(key) = facts_key(
        context,
        file,
        format,
        content_hash,
        decode_limit,
        &map_hash,
        map_path,
    ) else {
        return Some(Analysis::of(Facts::None));
    };
    let mut analysis = cached(key)?;
    analysis.claimed = map.cloned();
    Some(analysis)
}

/// Image facts depend on the content only (not on the file's name or place) and on which
/// re-encodes were asked for: the same picture copied under three names is analysed once.
fn analyze_image(
    context: &AnalyzeContext,
    cache: &Cache,
    bytes: &[u8],
    content_hash: &[u8; 32],
) -> Analysis {
    let key = image_key(context.image, content_hash);
    if let Some(analysis) = cached_image(cache, key) {
        return analysis;
    }
    if crate::measure::ContentReader::defers_images(context) {
        // Decoded and re-encoded after the site model, for the images something uses.
        return Analysis::of(Facts::Image(Box::new(image::header_only(bytes))));
    }
    let facts = Facts::Image(Box::new(image::analyze(bytes, context.image)));
    let computed = serde_json::to_vec(&facts).ok().map(|json| (key, json));
    Analysis {
        computed,
        ..Analysis::of(facts)
    }
}

/// An icon's directory, read in microseconds from the first bytes of the file.
fn icon_facts(bytes: &[u8]) -> crate::model::facts::image::IconFacts {
    match icon::read_directory(bytes) {
        Ok(directory) => crate::model::facts::image::IconFacts {
            directory: Some(directory),
            problem: None,
        },
        Err(problem) => crate::model::facts::image::IconFacts {
            directory: None,
            problem: Some(problem),
        },
    }
}

/// The map's attribution, and the map's JSON when it is usable (for the caller to keep or drop).
fn attribute(
    map: MapSource,
    file: &ScannedFile,
    generated: &[u8],
    language: GeneratedLanguage,
) -> (Option<MapLink>, Option<Vec<u8>>) {
    match map {
        MapSource::None => (None, None),
        MapSource::Unusable(link) => (Some(link), None),
        MapSource::Bytes {
            path,
            declared,
            bytes,
            inline_bytes,
            ..
        } => {
            // `X.map` beside `X`, which names no map, is X's only when the map does not say
            // it was made for another file: webpack's CSS extraction can write a stylesheet's
            // map as `style.js.map` beside an empty `style.js` (the stylesheet names it).
            if !declared
                && sourcemap::generated_file(&bytes).is_some_and(|made_for| {
                    let made_for = made_for.rsplit('/').next().unwrap_or_default();
                    let own = file.relative_path.rsplit('/').next().unwrap_or_default();
                    !made_for.is_empty() && made_for != own
                })
            {
                return (None, None);
            }
            let map_path = path
                .clone()
                .unwrap_or_else(|| format!("{}.map", file.relative_path));
            // Only scripts import packages; a stylesheet's `@import` of one is rare and its
            // sources are not scanned.
            let (attribution, import_sites) = match language {
                GeneratedLanguage::Script => {
                    match sourcemap::attribute_with_import_sites(
                        generated, &bytes, &map_path, language,
                    ) {
                        Ok((attribution, sites)) => (Ok(attribution), sites),
                        Err(e) => (Err(e.to_string()), Default::default()),
                    }
                }
                GeneratedLanguage::Stylesheet => (
                    sourcemap::attribute(generated, &bytes, &map_path, language)
                        .map_err(|e| e.to_string()),
                    Default::default(),
                ),
            };
            let usable = attribution.is_ok().then_some(bytes);
            (
                Some(MapLink {
                    path,
                    declared,
                    attribution,
                    import_sites,
                    inline_bytes,
                }),
                usable,
            )
        }
    }
}

/// Finds and reads the source map of a script or stylesheet: the file named by its
/// `sourceMappingURL` comment (inline `data:` maps included), else a sibling `X.map`.
fn find_map(
    context: &AnalyzeContext,
    file: &ScannedFile,
    generated: &[u8],
) -> (MapSource, Option<String>) {
    let declared = sourcemap::source_mapping_url(generated);
    let own_map_path = format!("{}.map", file.relative_path);
    if let Some(reference) = &declared
        && reference.starts_with("data:")
    {
        let map = match sourcemap::decode_data_url(reference) {
            Some(bytes) => MapSource::Bytes {
                path: None,
                declared: true,
                bytes,
                claimed: None,
                inline_bytes: reference.len() as u64,
            },
            None => MapSource::Unusable(MapLink {
                path: None,
                declared: true,
                attribution: Err("the inline source map (data: URL) cannot be decoded".to_string()),
                import_sites: Default::default(),
                inline_bytes: reference.len() as u64,
            }),
        };
        return (map, None);
    }
    let target = match &declared {
        Some(reference) => match url::resolve(&file.relative_path, reference) {
            url::Resolved::Local(path) => Some(path),
            url::Resolved::OutsideRoot => {
                let attribution = Err(format!(
                    "sourceMappingURL {reference:?} points outside the audited folder; not read"
                ));
                let map = MapSource::Unusable(MapLink {
                    path: None,
                    declared: true,
                    attribution,
                    import_sites: Default::default(),
                    inline_bytes: 0,
                });
                return (map, None);
            }
            // A map on another origin, or an empty comment: nothing to read here.
            _ => None,
        },
        // Where a map would be, present or not: one added later changes the facts.
        None if !context.files.contains_key(own_map_path.as_str()) => {
            return (MapSource::None, Some(own_map_path));
        }
        None => Some(own_map_path),
    };
    let Some(target) = target else {
        return (MapSource::None, None);
    };
    let declared = declared.is_some();
    let Some(map_file) = context.files.get(target.as_str()) else {
        let attribution = Err(format!(
            "the source map {target} named by sourceMappingURL is missing"
        ));
        let map = MapSource::Unusable(MapLink {
            path: Some(target.clone()),
            declared,
            attribution,
            import_sites: Default::default(),
            inline_bytes: 0,
        });
        return (map, Some(target));
    };
    let map = match read_map(map_file) {
        Ok(bytes) => {
            let claimed = ClaimedMap {
                path: target.clone(),
                raw: bytes.len() as u64,
                content_hash: *blake3::hash(&bytes).as_bytes(),
            };
            MapSource::Bytes {
                path: Some(target.clone()),
                declared,
                bytes,
                claimed: Some(claimed),
                inline_bytes: 0,
            }
        }
        Err(why) => MapSource::Unusable(MapLink {
            path: Some(target.clone()),
            declared,
            attribution: Err(why),
            import_sites: Default::default(),
            inline_bytes: 0,
        }),
    };
    (map, Some(target))
}

fn read_map(file: &ScannedFile) -> Result<Vec<u8>, String> {
    let mut handle = crate::measure::open_without_following(&file.path)
        .map_err(|e| format!("cannot read the source map: {e}"))?;
    let length = handle.metadata().map(|m| m.len()).unwrap_or(0);
    if length > MAX_MAP_BYTES {
        return Err(format!(
            "the source map is {} MB, over the {} MB analysis limit; not read",
            length / 1_000_000,
            MAX_MAP_BYTES / 1_000_000
        ));
    }
    let mut bytes = Vec::with_capacity(length as usize + 1);
    handle
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read the source map: {e}"))?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `.js` file under `fixtures/` (built bundles: polyfilled, transpiled, lodash,
    /// vendor chunks).
    fn fixture_scripts() -> Vec<(std::path::PathBuf, Vec<u8>)> {
        let mut scripts = Vec::new();
        let mut folders =
            vec![std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")];
        while let Some(folder) = folders.pop() {
            for entry in std::fs::read_dir(&folder).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() && !path.ends_with("node_modules") {
                    folders.push(path);
                } else if path.extension().is_some_and(|e| e == "js") {
                    scripts.push((path.clone(), std::fs::read(&path).unwrap()));
                }
            }
        }
        scripts
    }

    /// What zlib's streaming decoder alone makes of a `.gz`: the decoding before libdeflate's
    /// whole-file path.
    fn streamed(bytes: &[u8], limit: DecodeLimit) -> (Option<[u8; 32]>, u64, bool) {
        let mut content = Vec::new();
        let result = flate2::read::MultiGzDecoder::new(bytes)
            .take(limit.bytes() + 1)
            .read_to_end(&mut content);
        match result {
            Ok(_) if content.len() as u64 <= limit.bytes() => (
                Some(*blake3::hash(&content).as_bytes()),
                content.len() as u64,
                false,
            ),
            _ => (None, content.len() as u64, true),
        }
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        std::io::Write::write_all(&mut encoder, bytes).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn a_gz_decodes_to_what_zlibs_streaming_decoder_makes_of_it() {
        let text: Vec<u8> = (0..200_000u32)
            .flat_map(|i| format!("line {} of {}\n", i % 977, i % 13).into_bytes())
            .collect();
        let one = gzip(&text);
        let mut two_members = one.clone();
        two_members.extend_from_slice(&gzip(b"and a second member"));
        let mut same_member_twice = one.clone();
        same_member_twice.extend_from_slice(&one);
        let mut trailing_garbage = one.clone();
        trailing_garbage.extend_from_slice(b"\0\0\0\0");
        // A trailer claiming a smaller size, then a larger one (CRC unchanged).
        let mut size_too_small = one.clone();
        let at = size_too_small.len() - 4;
        size_too_small[at..].copy_from_slice(&100u32.to_le_bytes());
        let mut size_too_large = one.clone();
        size_too_large[at..].copy_from_slice(&(text.len() as u32 + 1).to_le_bytes());
        let mut bad_crc = one.clone();
        bad_crc[at - 4] ^= 1;
        let mut broken_stream = one.clone();
        broken_stream[40] ^= 0x55;
        let truncated = one[..one.len() / 2].to_vec();
        let unlimited = DecodeLimit {
            original_size: None,
        };
        // An original of 1 000 bytes: decoded up to 64 MiB still, so the text fits.
        let small_original = DecodeLimit {
            original_size: Some(1_000),
        };
        let cases: [(&str, &[u8]); 11] = [
            ("one member", &one),
            ("two members", &two_members),
            ("the same member twice", &same_member_twice),
            ("trailing zeros", &trailing_garbage),
            ("a size too small", &size_too_small),
            ("a size too large", &size_too_large),
            ("a wrong CRC", &bad_crc),
            ("a broken stream", &broken_stream),
            ("half the file", &truncated),
            ("empty", b""),
            ("three bytes", b"\x1f\x8b\x08"),
        ];
        for (name, bytes) in cases {
            for limit in [unlimited, small_original] {
                let decoded = decode(Format::Gzip, bytes, limit);
                let (hash, size, failed) = streamed(bytes, limit);
                assert_eq!(decoded.hash, hash, "{name}: content");
                assert_eq!(
                    decoded.error.is_some(),
                    failed,
                    "{name}: {:?}",
                    decoded.error
                );
                if !failed {
                    assert_eq!(decoded.size, size, "{name}: size");
                }
                match decode_to_memory(Format::Gzip, bytes, limit) {
                    Ok((decoded, content)) => {
                        assert_eq!(Some(*blake3::hash(&content).as_bytes()), hash, "{name}");
                        assert_eq!(decoded.size, content.len() as u64, "{name}");
                    }
                    Err(decoded) => assert!(decoded.error.is_some() && failed, "{name}"),
                }
            }
        }
        // The fast path took the plain member, and only it.
        assert_eq!(gunzip_whole(&one, unlimited).as_deref(), Some(&text[..]));
        for bytes in [&two_members, &same_member_twice, &size_too_small, &bad_crc] {
            assert_eq!(gunzip_whole(bytes, unlimited), None);
        }
    }

    #[test]
    fn a_gz_claiming_more_than_deflate_can_expand_to_is_not_allocated_for() {
        // 40 bytes claiming 4 GiB − 1: over the limit, the ratio and the in-one-piece bound.
        let mut lie = gzip(b"tiny");
        let at = lie.len() - 4;
        lie[at..].copy_from_slice(&u32::MAX.to_le_bytes());
        let limit = DecodeLimit {
            original_size: None,
        };
        assert_eq!(gunzip_whole(&lie, limit), None);
        assert!(decode(Format::Gzip, &lie, limit).error.is_some());
    }

    #[test]
    fn one_search_for_signatures_and_legacy_strings_finds_what_two_do() {
        let knowledge = crate::knowledge::Knowledge::built_in();
        let signatures = crate::knowledge::Signatures::new(&knowledge).unwrap();
        let context = AnalyzeContext::new(&[], Some(&signatures), [0; 32], Default::default());
        let (mut libraries, mut polyfills) = (0, 0);
        for (path, bytes) in fixture_scripts() {
            let (found, legacy) = context.signatures_and_legacy(&bytes, None);
            assert_eq!(found, signatures.find(&bytes), "{}", path.display());
            assert_eq!(legacy, legacy::find(&bytes, None), "{}", path.display());
            libraries += found.len();
            polyfills += legacy.signals.len();
        }
        // The fixtures hold both kinds, so the comparison is not between empty lists.
        assert!(libraries > 0 && polyfills > 0, "{libraries} {polyfills}");
    }
}
