//! The image and font file names a file's text mentions anywhere (string literals, comments,
//! markup): bundlers write an imported image's or font's URL as a plain string
//! (`"/assets/logo-3f2a.png"`, `n.p + "static/media/logo.3f2a.png"`), so a name in the text is
//! how a file used only by script shows that it is used. Read as bytes in one pass, with a bound
//! on how many names are kept.

use std::collections::BTreeSet;

/// At most this many distinct names are kept per file: a file naming more (a generated list of
/// every icon) still marks these as used; the rest count as unmentioned.
pub const MAX_MENTIONED_NAMES: usize = 20_000;

/// The extensions a mentioned name ends in (matched without regard to case), fonts last.
const EXTENSIONS: [&[u8]; 15] = [
    b"png", b"apng", b"jpg", b"jpeg", b"gif", b"webp", b"avif", b"svg", b"ico", b"bmp", b"woff",
    b"woff2", b"ttf", b"otf", b"eot",
];
/// [`EXTENSIONS`] from this index on are fonts.
const FIRST_FONT: usize = 10;
/// The longest of [`EXTENSIONS`].
const LONGEST_EXTENSION: usize = 5;
/// The first letters of [`EXTENSIONS`].
const EXTENSION_INITIALS: &[u8] = b"pajgwsibteo";

/// A byte a file name may hold: ASCII letters and digits, `_ . @ ~ + % - &`. Bundled file names
/// are ASCII; webpack and Next.js keep a source's name, `&` included (`tool-w&b-color.svg`).
fn is_name_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric()
        || matches!(byte, b'_' | b'.' | b'@' | b'~' | b'+' | b'%' | b'-' | b'&')
}

/// A byte of a word (what ends an extension: `x.pngx` names no PNG).
fn is_word_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

/// The extension of [`EXTENSIONS`] that the word after the `.` at `dot` is, as an index, and
/// where it ends.
fn extension_at(bytes: &[u8], dot: usize) -> Option<(usize, usize)> {
    let start = dot + 1;
    // Most dots of a script start a property name; one look at the letter after the dot turns
    // most of them away (`| 0x20` lowercases a letter and maps no other byte to one).
    if !bytes
        .get(start)
        .is_some_and(|&b| EXTENSION_INITIALS.contains(&(b | 0x20)))
    {
        return None;
    }
    let length = bytes[start..]
        .iter()
        .take(LONGEST_EXTENSION + 1)
        .take_while(|&&b| is_word_byte(b))
        .count();
    let word = &bytes[start..start + length];
    let index = EXTENSIONS
        .iter()
        .position(|extension| extension.eq_ignore_ascii_case(word))?;
    Some((index, start + length))
}

/// Every mentioned file name in `bytes`, left to right, with whether it is a font: each name
/// is a run of [`is_name_byte`]s that does not start with a `.` and ends, as late in its run as
/// it can, in `.` and one of [`EXTENSIONS`] followed by a byte that is not part of a word.
/// (The definition is that of the regular expression
/// `(?i-u)[A-Za-z0-9_@~+%&-][A-Za-z0-9_.@~+%&-]*\.(?:png|apng|…|eot)\b`, which the tests
/// check it against; found from each `.` with `memchr` instead, since a regular expression
/// whose matches may start at nearly any byte walks every byte of a 20 MB bundle through its
/// automaton.)
fn names(bytes: &[u8]) -> impl Iterator<Item = (&[u8], bool)> {
    // Where the last name ended: the next one starts at or after it.
    let mut floor = 0;
    let mut search = 0;
    std::iter::from_fn(move || {
        while let Some(found) = memchr::memchr(b'.', bytes.get(search..)?) {
            let dot = search + found;
            search = dot + 1;
            let Some((mut extension, mut end)) = extension_at(bytes, dot) else {
                continue;
            };
            // The run of name bytes before the `.`, back to the last name's end; the name
            // starts at its first byte that is not a `.`.
            let run_start = bytes[floor..dot]
                .iter()
                .rposition(|&b| !is_name_byte(b))
                .map_or(floor, |at| floor + at + 1);
            let Some(start) = bytes[run_start..dot]
                .iter()
                .position(|&b| b != b'.')
                .map(|at| run_start + at)
            else {
                continue;
            };
            // As long as it can be: to the last extension of the run.
            let mut at = end;
            while let Some(&b) = bytes.get(at)
                && is_name_byte(b)
            {
                if b == b'.'
                    && let Some((later, later_end)) = extension_at(bytes, at)
                {
                    (extension, end) = (later, later_end);
                }
                at += 1;
            }
            floor = end;
            search = end;
            return Some((&bytes[start..end], extension >= FIRST_FONT));
        }
        None
    })
}

/// At most this many folders are kept before a mentioned name: enough to tell a build's
/// `_images/` from its `images/`; more only makes the mention longer.
pub const MAX_MENTIONED_FOLDERS: usize = 8;
/// How far before a name its folders are looked for.
const MAX_FOLDER_BYTES: usize = 512;

/// The folders written before the name at `start` (in a run of name bytes, `/` and `\`, which
/// JSON writes as `\/`, back to `floor`) and the name, as [`crate::model::mention`] keeps a
/// mention.
fn with_folders(bytes: &[u8], floor: usize, start: usize, end: usize) -> String {
    let low = floor.max(start.saturating_sub(MAX_FOLDER_BYTES));
    // A backslash only as JSON's escape of a `/` (`static\/media\/a.png`).
    let is_path_byte = |at: usize| {
        is_name_byte(bytes[at])
            || bytes[at] == b'/'
            || (bytes[at] == b'\\' && bytes.get(at + 1) == Some(&b'/'))
    };
    let path_start = (low..start)
        .rev()
        .find(|&at| !is_path_byte(at))
        .map_or(low, |at| at + 1);
    // Only what ends in a separator is folders: the bytes between the last one and the name
    // are the dots a name does not start with (`..x.png`).
    let before = &bytes[path_start..start];
    let folders_end = before
        .iter()
        .rposition(|&b| b == b'/' || b == b'\\')
        .map_or(0, |at| at + 1);
    let folders = &before[..folders_end];
    let mut segments: Vec<&[u8]> = folders
        .split(|&b| b == b'/' || b == b'\\')
        .filter(|segment| !segment.is_empty())
        .collect();
    // `//cdn.example/img/a.png`: a host, not a folder; the path after it is from a root. A run
    // cut by the byte bound starts inside a folder's name.
    let host = folders.starts_with(b"//") || folders.starts_with(b"\\/\\/");
    let cut = path_start == low && low > floor && is_path_byte(low - 1);
    if (host || cut) && !segments.is_empty() {
        segments.remove(0);
    }
    segments.push(&bytes[start..end]);
    let kept_from = segments.len().saturating_sub(MAX_MENTIONED_FOLDERS + 1);
    let from_root =
        kept_from == 0 && !cut && folders.first().is_some_and(|&b| b == b'/' || b == b'\\');
    let mut mention = String::from(if from_root { "/" } else { "" });
    mention.push_str(&String::from_utf8_lossy(&segments[kept_from..].join(&b'/')));
    mention.make_ascii_lowercase();
    mention
}

/// The distinct image and font files a text mentions, each list sorted: each a file name
/// with the folders written before it (see [`crate::model::mention`]), `..` and a leading `/`
/// kept, no more than [`MAX_MENTIONED_FOLDERS`].
#[derive(Debug, Default, PartialEq)]
pub struct Mentioned {
    pub images: Vec<String>,
    pub fonts: Vec<String>,
}

/// The distinct image and font files `bytes` mentions, lowercased (servers on case-insensitive
/// file systems aside, bundlers never change a name's case, but a comparison that ignores case
/// cannot call a used file unused). At most [`MAX_MENTIONED_NAMES`] of each kind.
pub fn file_names(bytes: &[u8]) -> Mentioned {
    let (mut images, mut fonts) = (BTreeSet::new(), BTreeSet::new());
    let mut floor = 0;
    for (name, is_font) in names(bytes) {
        // `name` is a slice of `bytes`: where it starts.
        let start = name.as_ptr() as usize - bytes.as_ptr() as usize;
        let end = start + name.len();
        let mention = with_folders(bytes, floor, start, end);
        floor = end;
        let names = if is_font { &mut fonts } else { &mut images };
        if names.len() < MAX_MENTIONED_NAMES {
            names.insert(mention);
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
    use regex::bytes::Regex;

    #[test]
    fn every_extension_starts_with_a_listed_initial() {
        for extension in EXTENSIONS {
            assert!(EXTENSION_INITIALS.contains(&extension[0]), "{extension:?}");
        }
    }

    /// The definition [`names`] follows, as the regular expression it replaced.
    fn oracle(bytes: &[u8]) -> Vec<(&[u8], bool)> {
        let pattern = Regex::new(
            r"(?i-u)[A-Za-z0-9_@~+%&-][A-Za-z0-9_.@~+%&-]*\.(?:png|apng|jpe?g|gif|webp|avif|svg|ico|bmp|woff2?|ttf|otf|eot)\b",
        )
        .unwrap();
        pattern
            .find_iter(bytes)
            .map(|found| {
                let name = found.as_bytes().to_ascii_lowercase();
                let font = [".woff2", ".woff", ".ttf", ".otf", ".eot"]
                    .iter()
                    .any(|extension| name.ends_with(extension.as_bytes()));
                (found.as_bytes(), font)
            })
            .collect()
    }

    #[test]
    fn names_are_those_of_the_regular_expression() {
        let cases: [&[u8]; 17] = [
            b"a.png.map x.png-b.svg ..x.png .png a..png a.png.png.js",
            b"logo.PNG\xc3\xa9 \xc3\xa9logo.jpeg_ a.jpe.jpg a.woff2x.ttf a.woff22.eot",
            b"url(a.svg)b.svg\"c.gif' d.webp; e.avif,f.ico@2x.bmp",
            b"-.png @.png ~a.png +%.apng a.svgz.svg",
            b"x.png",
            b".png",
            b"a.",
            b"a.pn",
            b"",
            b"a.png.",
            b"a.png.woff",
            b"a-.-.-.png.-",
            b"abc.txt.jpg/def.JPG?x=1#y.gif",
            b"A.PnG a.Woff2 b.OTF",
            b"a.png_b.png c.png0.svg",
            b"...a...png...b.svg",
            b"\"tool-w&b-color.dd51f747.svg\" a&&b.png &amp;c.gif",
        ];
        for case in cases {
            assert_eq!(
                names(case).collect::<Vec<_>>(),
                oracle(case),
                "{:?}",
                String::from_utf8_lossy(case)
            );
        }
        // Random text over the bytes that matter.
        let alphabet = b"aPnGgsvjpeEwof2t.-_@& /\"\xc3x1";
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..20_000 {
            let length = (state % 40) as usize;
            let text: Vec<u8> = (0..length)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    alphabet[(state % alphabet.len() as u64) as usize]
                })
                .collect();
            assert_eq!(
                names(&text).collect::<Vec<_>>(),
                oracle(&text),
                "{:?}",
                String::from_utf8_lossy(&text)
            );
        }
    }

    /// `MENTIONS_CORPUS=DIR cargo test --release --lib every_file_of_a_corpus -- --ignored`:
    /// [`names`] against the regular expression on every file under `DIR`.
    #[test]
    #[ignore = "needs a corpus: MENTIONS_CORPUS=DIR"]
    fn every_file_of_a_corpus_names_what_the_regular_expression_finds() {
        let root = std::env::var("MENTIONS_CORPUS").expect("MENTIONS_CORPUS=DIR");
        let (mut files, mut found) = (0, 0);
        let mut folders = vec![std::path::PathBuf::from(root)];
        while let Some(folder) = folders.pop() {
            for entry in std::fs::read_dir(&folder).unwrap().flatten() {
                let path = entry.path();
                let kind = entry.file_type().unwrap();
                if kind.is_dir() {
                    folders.push(path);
                } else if kind.is_file()
                    && let Ok(bytes) = std::fs::read(&path)
                {
                    let names: Vec<_> = names(&bytes).collect();
                    assert_eq!(names, oracle(&bytes), "{}", path.display());
                    files += 1;
                    found += names.len();
                }
            }
        }
        eprintln!("{files} files, {found} names, all as the regular expression finds them");
    }

    #[test]
    fn finds_names_in_strings_paths_and_markup() {
        let text = br#"const a=n.p+"static/media/Logo.3f2a9c.PNG",b="/assets/hero-DkL9x2Qa.webp";
            // see icons/close.svg
            <img src='avatar@2x.jpg'> url(bg_dark.jpeg) x.png.map"#;
        assert_eq!(
            file_names(text).images,
            [
                "/assets/hero-dkl9x2qa.webp",
                "avatar@2x.jpg",
                "bg_dark.jpeg",
                "icons/close.svg",
                "static/media/logo.3f2a9c.png",
                // A source map's name mentions its image's name: harmless, it only ever
                // counts as used.
                "x.png",
            ]
        );
    }

    #[test]
    fn folders_are_kept_as_written_without_hosts_or_escapes() {
        let text = br#"<img src="../_images/Erd.png"> "static\/media\/a.3f.svg" //cdn.example/img/b.png
            https://cdn.example/c.png "./d.png" ..e.png x/..f.png "line\nimages/g.png" h.png/i.png"#;
        assert_eq!(
            file_names(text).images,
            [
                "../_images/erd.png",
                "./d.png",
                // After a host: from a root.
                "/c.png",
                // A name is not a folder: `h.png/i.png` are two names.
                "/i.png",
                "/img/b.png",
                "e.png",
                "h.png",
                // The folder before a name is the run of name bytes before it: an escaped
                // newline's `n` cannot be told from a folder's first letter.
                "nimages/g.png",
                "static/media/a.3f.svg",
                "x/f.png",
            ]
        );
        // No more than eight folders, and none cut by the byte bound.
        let deep = format!("\"{}/z.png\"", "d/".repeat(20));
        assert_eq!(
            file_names(deep.as_bytes()).images,
            [format!("{}z.png", "d/".repeat(8))]
        );
        let long = format!("{}/y.png", "q".repeat(600));
        assert_eq!(file_names(long.as_bytes()).images, ["y.png"]);
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
                    "/assets/lora-bold.3f2a.woff2",
                    "a.woff",
                    "b.ttf",
                    "e.eot",
                    "icons.otf",
                ]
                .map(String::from)
                .to_vec(),
            }
        );
    }
}
