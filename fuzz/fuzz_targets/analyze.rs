//! One file's whole analysis, as measuring runs it (`analyze::analyze`): for a script the
//! module lexer (swc when it gives up), the minify estimate, the library signatures and legacy
//! strings (the built-in knowledge), webpack's chunk loading, file-name mentions, inlined
//! assets, CSS-in-JS and an inline source map; for a stylesheet, page, SVG, icon, font, web
//! manifest or precompressed copy, its own reader. The other targets call these readers one by
//! one; this one calls them the way the audit does, with what they hand each other.
//!
//! Input: 1 selector byte (`% NAMES.len()`: the file's name, hence its format), then the file.
//! The folder holds one file of each name and nothing else (no `.map`), so a source map can
//! only be inline.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use webaudit::analyze::{self, AnalyzeContext};
use webaudit::kind::Format;
use webaudit::knowledge::{Knowledge, Signatures};
use webaudit::measure::OriginalSize;
use webaudit::measure::cache::Cache;
use webaudit::model::facts::Facts;
use webaudit::scan::ScannedFile;
use webaudit_fuzz::check;

const NAMES: &[&str] = &[
    "app.js",
    "app.mjs",
    "app.ts",
    "app.tsx",
    "app.css",
    "index.html",
    "icon.svg",
    "favicon.ico",
    "font.woff2",
    "font.woff",
    "manifest.json",
    "site.webmanifest",
    "app.js.gz",
    "app.css.br",
];

/// One folder holding a file of each name, and the context measuring reads them with: built
/// once, as an audit builds it once (the library signatures and legacy strings become one
/// automaton on first use, which takes longer than analysing most inputs).
fn context() -> &'static AnalyzeContext<'static> {
    static FILES: OnceLock<Vec<ScannedFile>> = OnceLock::new();
    static SIGNATURES: OnceLock<Signatures> = OnceLock::new();
    static CONTEXT: OnceLock<AnalyzeContext<'static>> = OnceLock::new();
    CONTEXT.get_or_init(|| {
        let files = FILES.get_or_init(|| {
            NAMES
                .iter()
                .map(|name| ScannedFile {
                    // Nothing is read from disk: the folder does not exist.
                    path: PathBuf::from("/nonexistent-webaudit-fuzz").join(name),
                    relative_path: (*name).to_owned(),
                    extension: name.rsplit('.').next().map(str::to_owned),
                })
                .collect()
        });
        let signatures = SIGNATURES
            .get_or_init(|| Signatures::new(&Knowledge::built_in()).expect("built-in knowledge"));
        AnalyzeContext::new(files, Some(signatures), [0; 32], Default::default())
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let name = NAMES[selector as usize % NAMES.len()];
    let context = context();
    let file = context.files[name];
    let format = file
        .extension
        .as_deref()
        .and_then(Format::from_extension)
        .expect("every name has a known format");
    let analysis = analyze::analyze(
        context,
        &Cache::disabled(),
        file,
        format,
        bytes,
        &[0; 32],
        OriginalSize::Scanned(None),
    );
    // What the cache keeps must read back as the same facts: a later run takes them from there.
    if let Some((_, json)) = &analysis.computed {
        match serde_json::from_slice::<Facts>(json) {
            Ok(facts) => check(
                serde_json::to_vec(&facts).ok().as_deref() == Some(json.as_slice()),
                || format!("{name}: cached facts read back differently"),
            ),
            Err(error) => check(false, || {
                format!("{name}: cached facts do not read back: {error}")
            }),
        }
    }
});
