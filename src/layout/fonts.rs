//! The fonts text is laid out with: the Liberation fonts bundled in the binary (SIL OFL 1.1,
//! Debian's `fonts-liberation2` 2.1.5, see `assets/fonts/liberation/`), and nothing from the
//! machine. Liberation Sans, Serif and Mono have the advance widths of Arial, Times New Roman
//! and Courier New, the fonts browsers use by default, so line breaks (and so the heights of
//! text blocks that push images down) come out as a browser's would — and the same on every
//! machine.

use std::sync::{Arc, LazyLock};

use blitz_dom::FontContext;
use parley::fontique::{
    Blob, Collection, CollectionOptions, FallbackKey, FamilyId, GenericFamily, Script,
};

/// The bundled font files: (family, bytes).
const LIBERATION: [(&str, &[u8]); 6] = [
    (
        "Liberation Sans",
        include_bytes!("../../assets/fonts/liberation/LiberationSans-Regular.ttf"),
    ),
    (
        "Liberation Sans",
        include_bytes!("../../assets/fonts/liberation/LiberationSans-Bold.ttf"),
    ),
    (
        "Liberation Serif",
        include_bytes!("../../assets/fonts/liberation/LiberationSerif-Regular.ttf"),
    ),
    (
        "Liberation Serif",
        include_bytes!("../../assets/fonts/liberation/LiberationSerif-Bold.ttf"),
    ),
    (
        "Liberation Mono",
        include_bytes!("../../assets/fonts/liberation/LiberationMono-Regular.ttf"),
    ),
    (
        "Liberation Mono",
        include_bytes!("../../assets/fonts/liberation/LiberationMono-Bold.ttf"),
    ),
];

/// Built once per process (registering the fonts parses their tables); every document gets a
/// clone, which shares the font data.
static SHARED: LazyLock<FontContext> = LazyLock::new(build);

/// A font context holding only the bundled fonts.
pub fn shared() -> FontContext {
    SHARED.clone()
}

fn build() -> FontContext {
    let mut collection = Collection::new(CollectionOptions {
        shared: false,
        system_fonts: false,
    });
    let mut family = |name: &str| -> Option<FamilyId> {
        let mut id = None;
        for (_, bytes) in LIBERATION.iter().filter(|(family, _)| *family == name) {
            let registered = collection.register_fonts(Blob::new(Arc::new(*bytes)), None);
            id = id.or(registered.first().map(|(id, _)| *id));
        }
        id
    };
    let (sans, serif, mono) = (
        family("Liberation Sans"),
        family("Liberation Serif"),
        family("Liberation Mono"),
    );
    // Browsers' defaults: serif for the page and for any family they do not have, sans-serif
    // for the user-interface families, monospace for code.
    let generics = [
        (GenericFamily::Serif, serif),
        (GenericFamily::SansSerif, sans),
        (GenericFamily::Monospace, mono),
        (GenericFamily::Cursive, serif),
        (GenericFamily::Fantasy, serif),
        (GenericFamily::SystemUi, sans),
        (GenericFamily::UiSerif, serif),
        (GenericFamily::UiSansSerif, sans),
        (GenericFamily::UiMonospace, mono),
        (GenericFamily::UiRounded, sans),
        (GenericFamily::Emoji, sans),
        (GenericFamily::Math, serif),
        (GenericFamily::FangSong, serif),
    ];
    for (generic, id) in generics {
        collection.set_generic_families(generic, id.into_iter());
    }
    // An unknown family (a web font that is not loaded, `font-family: Inter`) falls back to the
    // default family, as in a browser.
    for script in [*b"Latn", *b"Zyyy", *b"Zinh", *b"Grek", *b"Cyrl"] {
        collection.set_fallbacks(
            FallbackKey::new(Script::from_bytes(script), None),
            serif.into_iter(),
        );
    }
    FontContext {
        collection,
        source_cache: Default::default(),
    }
}
