//! The image file names a file's text mentions anywhere (string literals, comments, markup):
//! bundlers write an imported image's URL as a plain string (`"/assets/logo-3f2a.png"`,
//! `n.p + "static/media/logo.3f2a.png"`), so a name in the text is how an image used only by
//! script shows that it is used. Read as bytes, with a bound on how many names are kept.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use regex::bytes::Regex;

/// At most this many distinct names are kept per file: a file naming more (a generated list of
/// every icon) still marks these as used; the rest count as unmentioned.
pub const MAX_MENTIONED_NAMES: usize = 20_000;

/// A file name (the last path segment) ending in an image extension. Names start after a
/// character that cannot be part of one (`/`, a quote, `(`, whitespace…).
static IMAGE_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)[A-Za-z0-9_@~+%-][A-Za-z0-9_.@~+%-]*\.(?:png|apng|jpe?g|gif|webp|avif|svg|ico|bmp)\b",
    )
    .expect("a valid pattern")
});

/// The distinct image file names in `bytes`, lowercased (servers on case-insensitive file
/// systems aside, bundlers never change a name's case, but a comparison that ignores case
/// cannot call a used image unused).
pub fn image_names(bytes: &[u8]) -> Vec<String> {
    let mut names = BTreeSet::new();
    for found in IMAGE_NAME.find_iter(bytes) {
        if names.len() >= MAX_MENTIONED_NAMES {
            break;
        }
        names.insert(String::from_utf8_lossy(found.as_bytes()).to_ascii_lowercase());
    }
    names.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_names_in_strings_paths_and_markup() {
        let text = br#"const a=n.p+"static/media/Logo.3f2a9c.PNG",b="/assets/hero-DkL9x2Qa.webp";
            // see icons/close.svg
            <img src='avatar@2x.jpg'> url(bg_dark.jpeg) x.png.map"#;
        assert_eq!(
            image_names(text),
            [
                "avatar@2x.jpg",
                "bg_dark.jpeg",
                "close.svg",
                "hero-dkl9x2qa.webp",
                "logo.3f2a9c.png",
                // A source map's name mentions its image's name: harmless, it only ever
                // counts as used.
                "x.png",
            ]
        );
    }

    #[test]
    fn ignores_other_extensions_and_longer_words() {
        assert!(image_names(b"app.js style.css data.json x.pngx y.svgz").is_empty());
    }
}
