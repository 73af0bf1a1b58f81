//! Facts parsed once per file, in the same pass that measures it: JavaScript imports, source-map
//! attribution, HTML references, CSS references. Rules read these facts, never the files.
//!
//! A script or stylesheet with a source map reads its map in the same worker (the map is then
//! "claimed": measured from those bytes, never read again), so every file is read once.

pub mod css;
pub mod html;
pub mod js;
pub mod js_scan;
pub mod sourcemap;
pub mod url;

use std::collections::HashMap;
use std::io::Read;

use crate::kind::Format;
use crate::scan::ScannedFile;
use sourcemap::Attribution;

/// Source maps larger than this are not read (the JSON parser holds the whole map in memory).
pub const MAX_MAP_BYTES: u64 = 256 * 1024 * 1024;

/// What one file's content says, beyond its sizes.
#[derive(Debug, Clone, Default)]
pub enum Facts {
    #[default]
    None,
    Script(Box<ScriptFacts>),
    Stylesheet(Box<StylesheetFacts>),
    Document(Box<html::HtmlFacts>),
}

#[derive(Debug, Clone)]
pub struct ScriptFacts {
    pub js: js::JsFacts,
    pub map: Option<MapLink>,
    /// Known libraries recognised by their signatures (looked for only without a usable map).
    pub signatures: Vec<crate::knowledge::SignatureMatch>,
}

#[derive(Debug, Clone)]
pub struct StylesheetFacts {
    pub css: css::CssFacts,
    pub map: Option<MapLink>,
}

/// The source map of a script or stylesheet and what it attributes.
#[derive(Debug, Clone)]
pub struct MapLink {
    /// The map file, relative to the audited folder; `None` for an inline `data:` map.
    pub path: Option<String>,
    /// Where the map was found: a `sourceMappingURL` comment, or a sibling `X.map`.
    pub declared: bool,
    pub attribution: Result<Attribution, String>,
}

/// A map file read by the worker of the file it belongs to, so it is measured without reading
/// it again.
#[derive(Debug, Clone)]
pub struct ClaimedMap {
    pub path: String,
    pub raw: u64,
    pub content_hash: [u8; 32],
}

/// What analysing a file needs besides its bytes: the other files of the folder, to find maps.
pub struct AnalyzeContext<'a> {
    pub files: HashMap<&'a str, &'a ScannedFile>,
    pub signatures: Option<&'a crate::knowledge::Signatures>,
}

impl<'a> AnalyzeContext<'a> {
    pub fn new(
        files: &'a [ScannedFile],
        signatures: Option<&'a crate::knowledge::Signatures>,
    ) -> AnalyzeContext<'a> {
        AnalyzeContext {
            files: files
                .iter()
                .map(|f| (f.relative_path.as_str(), f))
                .collect(),
            signatures,
        }
    }
}

fn extension_of(file: &ScannedFile) -> String {
    file.extension.as_deref().unwrap_or("").to_ascii_lowercase()
}

/// Analyses one file's content. Returns its facts and the map it claimed, if any.
pub fn analyze(
    context: &AnalyzeContext,
    file: &ScannedFile,
    format: Format,
    bytes: &[u8],
) -> (Facts, Option<ClaimedMap>) {
    match format {
        Format::Js | Format::SourceCode => {
            let extension = extension_of(file);
            let js = js::analyze(
                if js::EXTENSIONS.contains(&extension.as_str()) {
                    &extension
                } else {
                    "js"
                },
                bytes,
            );
            let (map, claimed) = find_map(context, file, bytes);
            let attributed = map.as_ref().is_some_and(|m| m.attribution.is_ok());
            let signatures = match context.signatures {
                Some(signatures) if !attributed => signatures.find(bytes),
                _ => Vec::new(),
            };
            (
                Facts::Script(Box::new(ScriptFacts {
                    js,
                    map,
                    signatures,
                })),
                claimed,
            )
        }
        Format::Css => {
            let css = css::parse(bytes);
            let (map, claimed) = find_map(context, file, bytes);
            (
                Facts::Stylesheet(Box::new(StylesheetFacts { css, map })),
                claimed,
            )
        }
        Format::Html => (Facts::Document(Box::new(html::parse(bytes))), None),
        _ => (Facts::None, None),
    }
}

/// Finds, reads and attributes the source map of a script or stylesheet: the file named by its
/// `sourceMappingURL` comment (inline `data:` maps included), else a sibling `X.map`.
fn find_map(
    context: &AnalyzeContext,
    file: &ScannedFile,
    generated: &[u8],
) -> (Option<MapLink>, Option<ClaimedMap>) {
    let declared = sourcemap::source_mapping_url(generated);
    let own_map_path = format!("{}.map", file.relative_path);
    if let Some(reference) = &declared
        && reference.starts_with("data:")
    {
        let attribution = match sourcemap::decode_data_url(reference) {
            Some(map) => {
                sourcemap::attribute(generated, &map, &own_map_path).map_err(|e| e.to_string())
            }
            None => Err("the inline source map (data: URL) cannot be decoded".to_string()),
        };
        return (
            Some(MapLink {
                path: None,
                declared: true,
                attribution,
            }),
            None,
        );
    }
    let target = match &declared {
        Some(reference) => match url::resolve(&file.relative_path, reference) {
            url::Resolved::Local(path) => Some(path),
            url::Resolved::OutsideRoot => {
                let attribution = Err(format!(
                    "sourceMappingURL {reference:?} points outside the audited folder; not read"
                ));
                return (
                    Some(MapLink {
                        path: None,
                        declared: true,
                        attribution,
                    }),
                    None,
                );
            }
            // A map on another origin, or an empty comment: nothing to read here.
            _ => None,
        },
        None => context
            .files
            .contains_key(own_map_path.as_str())
            .then(|| own_map_path.clone()),
    };
    let Some(target) = target else {
        return (None, None);
    };
    let Some(map_file) = context.files.get(target.as_str()) else {
        let attribution = Err(format!(
            "the source map {target} named by sourceMappingURL is missing"
        ));
        return (
            Some(MapLink {
                path: Some(target),
                declared: true,
                attribution,
            }),
            None,
        );
    };
    let declared = declared.is_some();
    let bytes = match read_map(map_file) {
        Ok(bytes) => bytes,
        Err(why) => {
            return (
                Some(MapLink {
                    path: Some(target),
                    declared,
                    attribution: Err(why),
                }),
                None,
            );
        }
    };
    let claimed = ClaimedMap {
        path: target.clone(),
        raw: bytes.len() as u64,
        content_hash: *blake3::hash(&bytes).as_bytes(),
    };
    let attribution = sourcemap::attribute(generated, &bytes, &target).map_err(|e| e.to_string());
    (
        Some(MapLink {
            path: Some(target),
            declared,
            attribution,
        }),
        Some(claimed),
    )
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
