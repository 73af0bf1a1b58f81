//! The image and font file names a file's text mentions anywhere (string literals, comments,
//! markup): bundlers write an imported image's or font's URL as a plain string
//! (`"/assets/logo-3f2a.png"`, `n.p + "static/media/logo.3f2a.png"`), so a name in the text is
//! how a file used only by script shows that it is used. Read as bytes in one pass, with a bound
//! on how many names are kept.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use regex::bytes::Regex;

/// At most this many distinct names are kept per file: a file naming more (a generated list of
/// every icon) still marks these as used; the rest count as unmentioned.
pub const MAX_MENTIONED_NAMES: usize = 20_000;

/// A file name (the last path segment) ending in an image or font extension. Names start after
/// a character that cannot be part of one (`/`, a quote, `(`, whitespace…).
///
/// ASCII only (`-u`): with Unicode word boundaries the regex engine's DFA gives up at the first
/// non-ASCII byte and the slow fallback took 40% of the CPU of auditing a 19.7 MB bundle full of
/// non-Latin text (a syntax highlighter's grammars). Bundled file names are ASCII.
static FILE_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i-u)[A-Za-z0-9_@~+%-][A-Za-z0-9_.@~+%-]*\.(?:png|apng|jpe?g|gif|webp|avif|svg|ico|bmp|woff2?|ttf|otf|eot)\b",
    )
    .expect("a valid pattern")
});

/// The distinct image and font file names a text mentions, each list sorted.
#[derive(Debug, Default, PartialEq)]
pub struct Mentioned {
    pub images: Vec<String>,
    pub fonts: Vec<String>,
}

/// The distinct image and font file names in `bytes`, lowercased (servers on case-insensitive
/// file systems aside, bundlers never change a name's case, but a comparison that ignores case
/// cannot call a used file unused). At most [`MAX_MENTIONED_NAMES`] of each kind.
pub fn file_names(bytes: &[u8]) -> Mentioned {
    let (mut images, mut fonts) = (BTreeSet::new(), BTreeSet::new());
    for found in FILE_NAME.find_iter(bytes) {
        let name = String::from_utf8_lossy(found.as_bytes()).to_ascii_lowercase();
        let is_font = [".woff2", ".woff", ".ttf", ".otf", ".eot"]
            .iter()
            .any(|extension| name.ends_with(extension));
        let names = if is_font { &mut fonts } else { &mut images };
        if names.len() < MAX_MENTIONED_NAMES {
            names.insert(name);
        }
    }
    Mentioned {
        images: images.into_iter().collect(),
        fonts: fonts.into_iter().collect(),
    }
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
            file_names(text).images,
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
        assert_eq!(
            file_names(b"app.js style.css data.json x.pngx y.svgz z.woff3 w.ttfx"),
            Mentioned::default()
        );
    }

    #[test]
    fn fonts_are_listed_apart_from_images() {
        let text = br#"url("/assets/Lora-Bold.3f2a.WOFF2") format("woff2"), url(a.woff), "b.ttf", icons.otf; e.eot x.png"#;
        assert_eq!(
            file_names(text),
            Mentioned {
                images: vec!["x.png".into()],
                fonts: [
                    "a.woff",
                    "b.ttf",
                    "e.eot",
                    "icons.otf",
                    "lora-bold.3f2a.woff2"
                ]
                .map(String::from)
                .to_vec(),
            }
        );
    }
}
