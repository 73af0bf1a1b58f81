//! Images and fonts inlined as `data:` URLs in scripts and stylesheets: their media type, decoded
//! size and place, for `bundle/inlined-asset`. A stylesheet's URLs come from its parsed `url()`s;
//! a script is searched for `data:` right after a string quote or `url(` (bundlers write asset
//! URLs as string literals, CSS-in-JS as `url(data:…)` inside strings).

use crate::model::facts::css::CssFacts;
use crate::model::facts::inlined::InlinedData;
use crate::model::facts::location::Location;

/// URLs whose decoded content is smaller than this are not recorded: far below any threshold
/// worth reporting (an icon of a few hundred bytes is cheaper inline than as a request), and it
/// keeps the facts of a bundle of a thousand inline icons small.
pub const MIN_RECORDED_BYTES: u64 = 1024;

/// At most this many inlined files are recorded per script or stylesheet: a bound on the facts
/// of a hostile file; a real bundle holds a few dozen.
pub const MAX_RECORDED_PER_FILE: usize = 1_000;

/// A media type longer than this is not one (`application/vnd.ms-fontobject` is 29 bytes).
const MAX_MEDIA_TYPE_BYTES: usize = 80;

/// The `data:` URLs of images and fonts in a script.
pub fn in_script(bytes: &[u8]) -> Vec<InlinedData> {
    let mut found = Vec::new();
    let mut position = Position::default();
    for start in memchr::memmem::find_iter(bytes, b"data:") {
        if found.len() >= MAX_RECORDED_PER_FILE {
            break;
        }
        // What closes the URL: the quote that opens the string, or for `url(data:…)` a `)`.
        let closing: &[u8] = match start.checked_sub(1).map(|i| bytes[i]) {
            Some(quote @ (b'"' | b'\'' | b'`')) => match quote {
                b'"' => b"\"",
                b'\'' => b"'",
                _ => b"`",
            },
            Some(b'(') if start >= 4 && bytes[start - 4..start].eq_ignore_ascii_case(b"url(") => {
                b")\"'"
            }
            _ => continue,
        };
        // `url(\"data:…\")` inside a JS string: the quotes are escaped, and so is the one that
        // closes the URL.
        let escaped = closing.len() == 1 && start >= 2 && bytes[start - 2] == b'\\';
        let rest = &bytes[start..];
        let length = url_length(rest, closing, escaped);
        let Some(mut data) = read(&rest[..length]) else {
            continue;
        };
        if data.decoded_bytes < MIN_RECORDED_BYTES {
            continue;
        }
        data.location = position.advance(bytes, start);
        found.push(data);
    }
    found
}

/// The `data:` URLs of images and fonts among a stylesheet's `url()`s.
pub fn in_stylesheet(css: &CssFacts) -> Vec<InlinedData> {
    css.urls
        .iter()
        .filter_map(|reference| {
            let mut data = read(reference.url.as_bytes())?;
            data.location = reference.location;
            (data.decoded_bytes >= MIN_RECORDED_BYTES).then_some(data)
        })
        .take(MAX_RECORDED_PER_FILE)
        .collect()
}

/// The length of a URL in a string of a script: up to the first unescaped closing character
/// (the first escaped one when the URL was opened by an `escaped` quote), or a line break
/// outside a template literal.
fn url_length(text: &[u8], closing: &[u8], escaped: bool) -> usize {
    let template = closing == b"`";
    let mut index = 0;
    while index < text.len() {
        match text[index] {
            b'\\'
                if escaped
                    && text
                        .get(index + 1)
                        .is_some_and(|next| closing.contains(next)) =>
            {
                return index;
            }
            b'\\' => index += 2,
            b'\n' | b'\r' if !template => return index,
            byte if closing.contains(&byte) => return index,
            _ => index += 1,
        }
    }
    text.len()
}

/// Reads one `data:` URL (`data:` included) of an image or font; `None` for other types or a
/// URL without a payload.
fn read(url: &[u8]) -> Option<InlinedData> {
    let after = url
        .get(..5)?
        .eq_ignore_ascii_case(b"data:")
        .then(|| &url[5..])?;
    let comma = memchr::memchr(b',', after)?;
    let header = std::str::from_utf8(&after[..comma]).ok()?;
    let mut parts = header.split(';');
    let media_type = parts.next()?.trim().to_ascii_lowercase();
    if media_type.len() > MAX_MEDIA_TYPE_BYTES || !is_image_or_font(&media_type) {
        return None;
    }
    let base64 = parts.any(|p| p.trim().eq_ignore_ascii_case("base64"));
    let payload = &after[comma + 1..];
    let decoded_bytes = if base64 {
        let digits = payload
            .iter()
            .filter(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_'))
            .count() as u64;
        digits * 3 / 4
    } else {
        // Each `%XX` escape is one byte.
        let escapes = payload.iter().filter(|b| **b == b'%').count() as u64;
        (payload.len() as u64).saturating_sub(escapes * 2)
    };
    Some(InlinedData {
        media_type,
        base64,
        decoded_bytes,
        encoded_bytes: url.len() as u64,
        location: Location::START,
    })
}

/// Images (`image/…`) and fonts (`font/…`, and the older `application/font-woff`,
/// `application/x-font-ttf`, `application/vnd.ms-fontobject`).
fn is_image_or_font(media_type: &str) -> bool {
    media_type.starts_with("image/")
        || media_type.starts_with("font/")
        || media_type.starts_with("application/font-")
        || media_type.starts_with("application/x-font-")
        || media_type == "application/vnd.ms-fontobject"
}

/// Line and column of increasing offsets, counted from the last one so a file is walked once.
#[derive(Default)]
pub(crate) struct Position {
    offset: usize,
    line: u32,
    /// Characters from the start of the line to `offset`.
    column: u32,
}

impl Position {
    pub(crate) fn advance(&mut self, bytes: &[u8], to: usize) -> Location {
        if self.line == 0 {
            *self = Position {
                offset: 0,
                line: 1,
                column: 0,
            };
        }
        let between = &bytes[self.offset..to];
        let characters = |text: &[u8]| text.iter().filter(|b| (**b & 0xC0) != 0x80).count() as u32;
        match memchr::memrchr(b'\n', between) {
            Some(last) => {
                self.line += memchr::memchr_iter(b'\n', between).count() as u32;
                self.column = characters(&between[last + 1..]);
            }
            None => self.column += characters(between),
        }
        self.offset = to;
        Location {
            line: self.line,
            column: self.column + 1,
            offset: to,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base64_of(length: usize) -> String {
        "QUJD".repeat(length / 3)
    }

    #[test]
    fn finds_images_and_fonts_in_script_strings_with_their_place() {
        let png = base64_of(6_000);
        let code = format!(
            "const a=1;\nconst icon=\"data:image/png;base64,{png}\",é=2,font='data:font/woff2;base64,{png}';\nconst css=`.x{{background:url(data:image/svg+xml,%3Csvg%20{})}}`;",
            "x".repeat(3_000)
        );
        let found = in_script(code.as_bytes());
        let summary: Vec<(&str, bool, u64, u32, u32)> = found
            .iter()
            .map(|d| {
                (
                    d.media_type.as_str(),
                    d.base64,
                    d.decoded_bytes,
                    d.location.line,
                    d.location.column,
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("image/png", true, 6_000, 2, 13),
                ("font/woff2", true, 6_000, 2, 8_047),
                ("image/svg+xml", false, 3_005, 3, 30),
            ]
        );
        assert_eq!(
            found[0].encoded_bytes as usize,
            "data:image/png;base64,".len() + png.len()
        );
    }

    #[test]
    fn skips_other_types_small_files_and_look_alikes() {
        let big = base64_of(9_000);
        let code = format!(
            "a=\"data:application/json;base64,{big}\";b=\"data:image/png;base64,QUJD\";c=metadata:1;d=\"see data:image/png;base64,{big}\";e=x.data:image"
        );
        assert!(in_script(code.as_bytes()).is_empty());
    }

    #[test]
    fn an_escaped_quote_does_not_end_the_url() {
        let svg = format!(
            "data:image/svg+xml,<svg xmlns=\\\"http://www.w3.org/2000/svg\\\">{}</svg>",
            "<path/>".repeat(300)
        );
        let code = format!("i=\"{svg}\";");
        let found = in_script(code.as_bytes());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].encoded_bytes as usize, svg.len());
    }

    #[test]
    fn an_escaped_opening_quote_ends_at_the_escaped_closing_one() {
        // CSS-in-JS: a stylesheet in a string, its url("…") quotes escaped.
        let svg = format!(
            "data:image/svg+xml,%3Csvg%3E{}%3C/svg%3E",
            "%3Cpath/%3E".repeat(200)
        );
        let code = format!(
            "const css=\".a{{background:url(\\\"{svg}\\\")}} .b{{color:red;{}}}\";",
            "margin:0;".repeat(2_000)
        );
        let found = in_script(code.as_bytes());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].encoded_bytes as usize, svg.len());
    }

    #[test]
    fn unterminated_and_truncated_urls_never_panic() {
        for code in [
            "\"data:",
            "\"data:image/png",
            "\"data:image/png;base64,QUJD\\",
            "url(data:font/woff2;base64,",
            "(data:image/png,x",
            "'data:",
        ] {
            let _ = in_script(code.as_bytes());
        }
    }

    #[test]
    fn finds_stylesheet_urls() {
        let css = format!(
            ".a{{background:url(\"data:image/jpeg;base64,{}\")}}\n.b{{background:url(data:image/gif;base64,R0lGOD)}}",
            base64_of(3_000)
        );
        let facts = crate::analyze::css::parse(css.as_bytes());
        let found = in_stylesheet(&facts);
        assert_eq!(found.len(), 1);
        assert_eq!(
            (found[0].media_type.as_str(), found[0].decoded_bytes),
            ("image/jpeg", 3_000)
        );
        assert_eq!((found[0].location.line, found[0].location.column), (1, 15));
    }
}
