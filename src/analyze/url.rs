//! References found in HTML and CSS, turned into paths inside the audited folder, plus the
//! source positions (`line:column`) that findings point at.
//!
//! Everything here is pure string work: nothing touches the file system, so the caller decides
//! what a missing file means. Resolution follows what a browser requests when the audited folder
//! is served as the site root: `?query` and `#fragment` never name a different file,
//! percent-escapes are decoded because files on disk carry the decoded name, and `..` may not
//! climb above the folder (the folder may be deployed below a path prefix, so such a reference
//! cannot be attributed to a file of the audit).

use std::cell::Cell;

use percent_encoding::percent_decode_str;
use serde::Serialize;

pub use crate::model::facts::location::Location;

/// Maps byte offsets of one file to [`Location`]s. Built once per file.
///
/// Lines end at `\n`, `\r\n` or a lone `\r` (HTML and CSS both treat a lone CR as a line break).
/// Columns count characters, not bytes; an invalid UTF-8 sequence counts as one character, as it
/// shows up as one U+FFFD in an editor.
///
/// Lookups are cheapest in increasing offset order (the order parsers produce them): the index
/// remembers the last answer and counts characters from it, so a 5 MB single-line minified file
/// costs one pass in total instead of one pass per lookup. That memory is a
/// [`Cell`], so a `LineIndex` is not `Sync`; build one per thread.
#[derive(Debug)]
pub struct LineIndex<'a> {
    text: &'a [u8],
    /// Byte offset of the first byte of every line; `line_starts[0] == 0`.
    line_starts: Vec<usize>,
    last: Cell<Location>,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a [u8]) -> Self {
        let mut line_starts = vec![0];
        for i in memchr::memchr2_iter(b'\n', b'\r', text) {
            if text[i] == b'\n' || text.get(i + 1) != Some(&b'\n') {
                line_starts.push(i + 1);
            }
        }
        LineIndex {
            text,
            line_starts,
            last: Cell::new(Location::START),
        }
    }

    /// The text this index was built for.
    pub fn text(&self) -> &'a [u8] {
        self.text
    }

    /// Number of lines (an empty file has one, empty, line).
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// The location of byte `offset` (clamped to the end of the text). An offset inside a
    /// multi-byte character gets the column of that character.
    pub fn location(&self, offset: usize) -> Location {
        let offset = offset.min(self.text.len());
        let last = self.last.get();
        let line_index = self.line_starts.partition_point(|&start| start <= offset) - 1;
        let line_start = self.line_starts[line_index];
        let same_line = last.line as usize == line_index + 1;
        let column = if same_line && last.offset <= offset {
            last.column
                + count_chars(
                    &self.text[last.offset..offset],
                    self.is_char_boundary(offset),
                )
        } else if same_line
            && self.is_char_boundary(offset)
            && last.offset - offset < offset - line_start
        {
            // A short step back on a long line: count back from the last answer.
            last.column - count_chars(&self.text[offset..last.offset], true)
        } else {
            1 + count_chars(
                &self.text[line_start..offset],
                self.is_char_boundary(offset),
            )
        };
        let location = Location {
            line: u32::try_from(line_index + 1).unwrap_or(u32::MAX),
            column,
            offset,
        };
        // Only a character boundary is a safe place to resume counting from.
        if self.is_char_boundary(offset) {
            self.last.set(location);
        }
        location
    }

    /// Not a UTF-8 continuation byte (so a new character, valid or not, starts here).
    fn is_char_boundary(&self, offset: usize) -> bool {
        self.text
            .get(offset)
            .is_none_or(|&byte| byte & 0xC0 != 0x80)
    }
}

/// Characters in `bytes` as a lossy UTF-8 decoder sees them: one per valid scalar value and one
/// per maximal invalid sequence. When `ends_at_boundary` is false the text goes on with the rest
/// of a character that starts inside `bytes`; that character is not counted, so an offset inside
/// a character gets that character's column.
fn count_chars(bytes: &[u8], ends_at_boundary: bool) -> u32 {
    let count = match std::str::from_utf8(bytes) {
        Ok(valid) => valid.chars().count(),
        Err(_) => bytes
            .utf8_chunks()
            .map(|chunk| {
                let invalid = chunk.invalid();
                let is_last = std::ptr::eq(invalid.as_ptr_range().end, bytes.as_ptr_range().end);
                let counts = !invalid.is_empty()
                    && (ends_at_boundary || !is_last || !is_incomplete_prefix(invalid));
                chunk.valid().chars().count() + usize::from(counts)
            })
            .sum(),
    };
    u32::try_from(count).unwrap_or(u32::MAX)
}

/// True when `bytes` is the start of a valid multi-byte UTF-8 character that was cut short.
fn is_incomplete_prefix(bytes: &[u8]) -> bool {
    let needed = match bytes.first().copied().unwrap_or(0) {
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => return false,
    };
    bytes.len() < needed && bytes[1..].iter().all(|&b| b & 0xC0 == 0x80)
}

/// What a reference points at, seen from the audited folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub enum Resolved {
    /// A path relative to the audited folder, `/`-separated, percent-decoded, without query or
    /// fragment, never starting with `/`. A reference to a folder keeps its trailing `/`
    /// (`img/`); the folder itself is `""`.
    Local(String),
    /// Another origin or a non-file scheme: `http(s)://`, `//host`, `mailto:`, `tel:`,
    /// `javascript:`, `blob:`, `about:`…
    External,
    /// A `data:` URL: the bytes are inline, nothing is requested.
    Data,
    /// Empty or whitespace only.
    Empty,
    /// Only a fragment (`#icon`, as in CSS `mask: url(#m)` or `<use href="#i">`): a part of the
    /// referring document itself, nothing is requested.
    Fragment,
    /// `..` climbs above the audited folder.
    OutsideRoot,
}

/// Resolves `reference`, found in the file `from` (relative to the audited folder,
/// `/`-separated), to a path relative to the audited folder.
///
/// Relative references resolve against `from`'s folder, root-absolute ones (`/assets/a.js`)
/// against the audited folder. Leading and trailing whitespace and control characters are
/// trimmed and tabs and newlines inside are dropped, as the URL parser does; `?query` and
/// `#fragment` are stripped; `%XX` escapes are decoded before the path is split into segments,
/// so an escaped `/` or `.` counts as one (invalid UTF-8 after decoding becomes U+FFFD);
/// repeated `/` collapse, as static servers do. Backslashes are ordinary characters.
pub fn resolve(from: &str, reference: &str) -> Resolved {
    let cleaned = clean_reference(reference);
    let reference = cleaned.as_ref();
    if reference.is_empty() {
        return Resolved::Empty;
    }
    if reference.starts_with('#') {
        return Resolved::Fragment;
    }
    if let Some(scheme) = scheme_of(reference) {
        return if scheme.eq_ignore_ascii_case("data") {
            Resolved::Data
        } else {
            Resolved::External
        };
    }
    if reference.starts_with("//") {
        return Resolved::External;
    }
    let path_end = reference.find(['?', '#']).unwrap_or(reference.len());
    let path = &reference[..path_end];

    let mut segments: Vec<String> = Vec::new();
    let relative_path = match path.strip_prefix('/') {
        Some(rooted) => rooted,
        None => {
            // The folder of `from`: everything up to and including its last `/`.
            let folder = from.rfind('/').map_or("", |slash| &from[..slash]);
            segments.extend(
                folder
                    .split('/')
                    .filter(|segment| !segment.is_empty())
                    .map(str::to_owned),
            );
            path
        }
    };

    // Decoded before splitting: servers that accept an escaped `/` decode it and then
    // normalise the path (nginx), the others refuse the request (Apache), so `..%2F..%2Fx`
    // climbs exactly like `../../x` and never names a file called `../../x`.
    let decoded = percent_decode_str(relative_path).decode_utf8_lossy();
    let mut ends_with_folder = decoded.is_empty();
    for segment in decoded.split('/') {
        ends_with_folder = false;
        match segment {
            "" => ends_with_folder = true,
            "." => ends_with_folder = true,
            ".." => {
                if segments.pop().is_none() {
                    return Resolved::OutsideRoot;
                }
                ends_with_folder = true;
            }
            _ => segments.push(segment.to_owned()),
        }
    }
    let mut resolved = segments.join("/");
    if ends_with_folder && !resolved.is_empty() {
        resolved.push('/');
    }
    Resolved::Local(resolved)
}

/// Whether a reference is a placeholder a server or deploy step fills in, not a URL: template
/// syntax (`{{ base_url }}`, `{% static 'x' %}`, `<%= url %>`, `${prefix}`) or a `%NAME%`
/// token (`%PUBLIC_URL%`). Such a page is served after substitution; the text as shipped names
/// no file.
pub fn is_template(reference: &str) -> bool {
    if ["{{", "{%", "<%", "${"]
        .iter()
        .any(|open| reference.contains(open))
    {
        return true;
    }
    // `%NAME%`: capitals, digits and `_` between two percent signs. A percent-escape (`%` and
    // two hex digits, `%C3%A9`) looks alike, so a name must have a `_` or not start with two
    // hex digits.
    let between: Vec<&str> = reference.split('%').collect();
    between.len() >= 3
        && between[1..between.len() - 1].iter().any(|name| {
            let hex = |i: usize| name.as_bytes().get(i).is_some_and(u8::is_ascii_hexdigit);
            name.len() >= 3
                && name.starts_with(|c: char| c.is_ascii_uppercase())
                && name
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
                && (name.contains('_') || !(hex(0) && hex(1)))
        })
}

/// The literal a template falls back to, when it shows one: Jinja's and Nunjucks's
/// `{{ base_url | default('./assets/index-X.js') }}` (or `default("…")`), the only part of a
/// template reference that names a file as shipped.
pub fn template_default(reference: &str) -> Option<&str> {
    let start = reference.find("default(")? + "default(".len();
    let rest = reference[start..].trim_start();
    let quote = rest.chars().next().filter(|c| *c == '\'' || *c == '"')?;
    let literal = &rest[1..];
    let end = literal.find(quote)?;
    Some(&literal[..end]).filter(|l| !l.is_empty() && !is_template(l))
}

/// Whether a path has a segment written as a build-time placeholder constant: capitals and
/// digits in at least two `_`-joined words (`BUILDTIME_ASSETPREFIX_REPLACE_ME`,
/// `__PUBLIC_PATH__`). Such a segment in a path that names no file is a prefix a deploy step
/// replaces, not a folder that went missing.
pub fn has_placeholder_segment(path: &str) -> bool {
    path.split('/').any(is_placeholder_segment)
}

/// A segment written as a build-time constant (see [`has_placeholder_segment`]) or as a
/// template expression once percent-decoded: a stylesheet's `url(/%7B%7BBASE_PATH%7D%7D/a.woff)`
/// is n8n's `/{{BASE_PATH}}/a.woff`, which its server fills in.
fn is_placeholder_segment(segment: &str) -> bool {
    if is_template(segment) {
        return true;
    }
    let core = segment.trim_matches('_');
    let words: Vec<&str> = core.split('_').collect();
    words.len() >= 2
        && words.iter().all(|w| {
            !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        })
        && core.starts_with(|c: char| c.is_ascii_uppercase())
}

/// The path from the folder's root that a reference names once its server fills in the prefix
/// it starts with: a template expression (`{{ base_url }}static/app.js`,
/// `{{page_config.fullStaticUrl}}/main.js?v=1`, `%PUBLIC_URL%/favicon.ico`) or, in `resolved`,
/// a placeholder segment (`PREFECT_UI_SERVE_BASE_REPLACE_PLACEHOLDER/assets/index.js`). Such a
/// prefix stands for the URL the folder is served under, so what follows it is a path in the
/// folder. `None` when the reference has no such prefix or nothing follows it (`{{ js_file }}`,
/// `{{ base }}/{{ js_file }}`). The caller keeps the path only if the folder serves it: a
/// prefix that stood for something else names no file there.
pub fn behind_server_prefix(reference: &str, resolved: &Resolved) -> Option<String> {
    if is_template(reference) {
        // n8n writes `/{{BASE_PATH}}/assets/…`: the prefix starts the path.
        let trimmed = reference.trim();
        let unrooted = trimmed
            .strip_prefix("./")
            .or_else(|| trimmed.strip_prefix('/'))
            .unwrap_or(trimmed);
        let rest = after_leading_template(unrooted)?;
        if rest.is_empty() || is_template(rest) || scheme_of(rest).is_some() {
            return None;
        }
        return match resolve("", &format!("/{}", rest.trim_start_matches('/'))) {
            Resolved::Local(path) if !path.is_empty() => Some(path),
            _ => None,
        };
    }
    let Resolved::Local(path) = resolved else {
        return None;
    };
    let segments: Vec<&str> = path.split('/').collect();
    let last = segments.iter().rposition(|s| is_placeholder_segment(s))?;
    let rest = segments[last + 1..].join("/");
    (!rest.is_empty()).then_some(rest)
}

/// What follows the template expression a reference starts with (`{{ … }}`, `{% … %}`,
/// `<% … %>`, `${…}`, `%NAME%`), or `None` when it starts with none.
fn after_leading_template(reference: &str) -> Option<&str> {
    for (open, close) in [("{{", "}}"), ("{%", "%}"), ("<%", "%>"), ("${", "}")] {
        if let Some(inside) = reference.strip_prefix(open) {
            let end = inside.find(close)?;
            return Some(&inside[end + close.len()..]);
        }
    }
    let inside = reference.strip_prefix('%')?;
    let end = inside.find('%')?;
    is_template(&reference[..end + 2]).then(|| &inside[end + 1..])
}

/// Resolves `reference` found in the HTML document `document`, honouring the document's
/// `<base href>`, which browsers apply to every relative reference in the page.
///
/// An external base makes every reference that has no scheme of its own external; a base that
/// cannot serve as one (empty, a fragment, `data:`) is ignored, as it is by browsers that fall
/// back to the document's address or fail the request.
pub fn resolve_in_document(document: &str, base_href: Option<&str>, reference: &str) -> Resolved {
    let Some(base_href) = base_href else {
        return resolve(document, reference);
    };
    match resolve(document, base_href) {
        Resolved::Local(base) => {
            // `resolve` takes the folder of its `from` argument: "app/" stays "app/", "app/x"
            // becomes "app/", exactly as a base URL without a trailing slash behaves.
            resolve(&base, reference)
        }
        Resolved::External => {
            let cleaned = clean_reference(reference);
            match resolve(document, &cleaned) {
                Resolved::Local(_) | Resolved::OutsideRoot => Resolved::External,
                other => other,
            }
        }
        Resolved::OutsideRoot => match resolve(document, reference) {
            Resolved::Local(_) if !clean_reference(reference).starts_with('/') => {
                Resolved::OutsideRoot
            }
            other => other,
        },
        Resolved::Data | Resolved::Empty | Resolved::Fragment => resolve(document, reference),
    }
}

/// Trims C0 controls and spaces at both ends and removes tabs and newlines inside, as the URL
/// parser does before anything else.
fn clean_reference(reference: &str) -> std::borrow::Cow<'_, str> {
    let trimmed = reference.trim_matches(|c: char| c <= ' ');
    if trimmed.contains(['\t', '\n', '\r']) {
        trimmed.replace(['\t', '\n', '\r'], "").into()
    } else {
        trimmed.into()
    }
}

/// The host of a reference to another origin over HTTP, lowercase: `https://www.youtube.com/…`,
/// `HTTP://A.example:8080`, `//cdn.example.net/x.js` (protocol-relative). `None` for anything
/// else (a path of the folder, `data:`, `mailto:`) and for a host that is empty, longer than
/// a DNS name can be, or holds a character no host name has. As browsers do for `http(s)`,
/// `\` counts as `/`; user information (`user@`) and the port are dropped.
pub fn http_host(reference: &str) -> Option<String> {
    /// The longest DNS name (RFC 1035): 253 characters written out.
    const MAX_HOST_CHARS: usize = 253;
    let cleaned = clean_reference(reference);
    let cleaned = cleaned.replace('\\', "/");
    let after_scheme = match scheme_of(&cleaned) {
        Some(scheme)
            if scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https") =>
        {
            cleaned[scheme.len() + 1..].trim_start_matches('/')
        }
        Some(_) => return None,
        None => cleaned.strip_prefix("//")?.trim_start_matches('/'),
    };
    let authority = after_scheme
        .split(['/', '?', '#'])
        .next()
        .unwrap_or_default();
    let host_and_port = authority.rsplit('@').next().unwrap_or_default();
    let host = match host_and_port.rsplit_once(':') {
        Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => host,
        _ => host_and_port,
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let valid = !host.is_empty()
        && host.len() <= MAX_HOST_CHARS
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
    valid.then_some(host)
}

/// The scheme of an absolute URL (`https` in `https://…`), per the URL standard: an ASCII letter,
/// then letters, digits, `+`, `-` or `.`, then `:`.
fn scheme_of(reference: &str) -> Option<&str> {
    let colon = reference.find(':')?;
    let scheme = &reference[..colon];
    let mut bytes = scheme.bytes();
    let first = bytes.next()?;
    (first.is_ascii_alphabetic()
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')))
    .then_some(scheme)
}

/// One image candidate of a `srcset` attribute.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct SrcsetCandidate {
    /// The URL as written (not resolved, not decoded).
    pub url: String,
    /// `None` when the candidate has no descriptor, which the HTML standard defines as `1x`.
    pub descriptor: Option<Descriptor>,
}

/// The descriptor of a `srcset` candidate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, serde::Deserialize)]
pub enum Descriptor {
    /// `480w`: the image's intrinsic width in pixels.
    Width(u32),
    /// `2x`, `1.5x`: the pixel density the image is meant for.
    Density(f32),
}

/// Parses a `srcset` (or `imagesrcset`) value with the HTML standard's algorithm ("parse a
/// srcset attribute"), so URLs containing commas (`data:image/png;base64,…`) stay whole: a URL
/// ends at whitespace, and only trailing commas are separators. Candidates the standard drops
/// (invalid or conflicting descriptors, `h` without `w`, `0w`, negative density) are dropped.
pub fn parse_srcset(value: &str) -> Vec<SrcsetCandidate> {
    let bytes = value.as_bytes();
    let mut candidates = Vec::new();
    let mut position = 0;
    loop {
        // 1. Skip whitespace and commas between candidates.
        while position < bytes.len()
            && (is_html_whitespace(bytes[position]) || bytes[position] == b',')
        {
            position += 1;
        }
        if position >= bytes.len() {
            return candidates;
        }
        // 2. The URL runs to the next whitespace.
        let url_start = position;
        while position < bytes.len() && !is_html_whitespace(bytes[position]) {
            position += 1;
        }
        let mut url = &value[url_start..position];
        let mut descriptors: Vec<&str> = Vec::new();
        if url.ends_with(',') {
            // A trailing comma ends the candidate: it has no descriptors.
            url = url.trim_end_matches(',');
        } else {
            position = tokenize_descriptors(value, position, &mut descriptors);
        }
        if let Some(descriptor) = parse_descriptors(&descriptors) {
            candidates.push(SrcsetCandidate {
                url: url.to_owned(),
                descriptor,
            });
        }
    }
}

/// The descriptor tokenizer of the srcset algorithm: whitespace separates descriptors, a comma
/// outside parentheses ends the candidate. Returns the position after the candidate.
fn tokenize_descriptors<'v>(value: &'v str, mut position: usize, out: &mut Vec<&'v str>) -> usize {
    let bytes = value.as_bytes();
    while position < bytes.len() && is_html_whitespace(bytes[position]) {
        position += 1;
    }
    let mut start = position;
    let mut in_parens = false;
    while position < bytes.len() {
        let byte = bytes[position];
        if in_parens {
            if byte == b')' {
                in_parens = false;
            }
        } else if is_html_whitespace(byte) {
            if start < position {
                out.push(&value[start..position]);
            }
            start = position + 1;
        } else if byte == b',' {
            if start < position {
                out.push(&value[start..position]);
            }
            return position + 1;
        } else if byte == b'(' {
            in_parens = true;
        }
        position += 1;
    }
    if start < position {
        out.push(&value[start..position]);
    }
    position
}

/// Interprets a candidate's descriptors. `None` means the candidate is invalid and dropped;
/// `Some(None)` means it has no descriptor.
fn parse_descriptors(descriptors: &[&str]) -> Option<Option<Descriptor>> {
    let mut width: Option<u32> = None;
    let mut density: Option<f32> = None;
    let mut height: Option<u32> = None;
    for descriptor in descriptors {
        // Split off the last character (not byte: the descriptor may end in any character).
        let unit_start = descriptor.char_indices().last().map_or(0, |(i, _)| i);
        let (number, unit) = descriptor.split_at(unit_start);
        match unit {
            "w" => {
                if width.is_some() || density.is_some() {
                    return None;
                }
                width = Some(parse_non_negative_integer(number).filter(|&w| w > 0)?);
            }
            "x" => {
                if width.is_some() || density.is_some() || height.is_some() {
                    return None;
                }
                density = Some(parse_float(number).filter(|&d| d >= 0.0)?);
            }
            "h" => {
                if height.is_some() || density.is_some() {
                    return None;
                }
                height = Some(parse_non_negative_integer(number).filter(|&h| h > 0)?);
            }
            _ => return None,
        }
    }
    if height.is_some() && width.is_none() {
        return None;
    }
    Some(
        width
            .map(Descriptor::Width)
            .or(density.map(Descriptor::Density)),
    )
}

/// A "valid non-negative integer": ASCII digits only.
fn parse_non_negative_integer(text: &str) -> Option<u32> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// A "valid floating-point number" (`-`? digits, optional `.digits`, optional exponent; no `+`,
/// no `inf`), which is stricter than Rust's `f32::from_str`.
fn parse_float(text: &str) -> Option<f32> {
    let bytes = text.as_bytes();
    let mut i = usize::from(bytes.first() == Some(&b'-'));
    let integer_digits = bytes[i..].iter().take_while(|b| b.is_ascii_digit()).count();
    i += integer_digits;
    let mut fraction_digits = 0;
    if bytes.get(i) == Some(&b'.') {
        i += 1;
        fraction_digits = bytes[i..].iter().take_while(|b| b.is_ascii_digit()).count();
        if fraction_digits == 0 {
            return None;
        }
        i += fraction_digits;
    }
    if integer_digits == 0 && fraction_digits == 0 {
        return None;
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(bytes.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let exponent_digits = bytes[i..].iter().take_while(|b| b.is_ascii_digit()).count();
        if exponent_digits == 0 {
            return None;
        }
        i += exponent_digits;
    }
    if i != bytes.len() {
        return None;
    }
    text.parse::<f32>().ok().filter(|value| value.is_finite())
}

/// ASCII whitespace as HTML defines it: tab, LF, FF, CR, space.
pub(crate) fn is_html_whitespace(byte: u8) -> bool {
    matches!(byte, b'\t' | b'\n' | b'\x0C' | b'\r' | b' ')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(path: &str) -> Resolved {
        Resolved::Local(path.to_owned())
    }

    #[test]
    fn relative_references_resolve_against_the_referring_folder() {
        assert_eq!(resolve("index.html", "img/a.png"), local("img/a.png"));
        assert_eq!(resolve("index.html", "./a.png"), local("a.png"));
        assert_eq!(resolve("blog/post.html", "a.png"), local("blog/a.png"));
        assert_eq!(resolve("blog/post.html", "../a.png"), local("a.png"));
        assert_eq!(
            resolve("a/b/c.css", "../../x/./y.woff2"),
            local("x/y.woff2")
        );
        assert_eq!(resolve("", "a.png"), local("a.png"));
    }

    #[test]
    fn root_absolute_references_resolve_against_the_audited_folder() {
        assert_eq!(
            resolve("blog/post.html", "/assets/a.js"),
            local("assets/a.js")
        );
        assert_eq!(resolve("x/y/z.css", "/a.png"), local("a.png"));
    }

    #[test]
    fn climbing_above_the_folder_is_outside_the_root() {
        assert_eq!(resolve("index.html", "../a.png"), Resolved::OutsideRoot);
        assert_eq!(
            resolve("a/index.html", "../../a.png"),
            Resolved::OutsideRoot
        );
        assert_eq!(resolve("index.html", "/../a.png"), Resolved::OutsideRoot);
        assert_eq!(resolve("index.html", "%2e%2e/a.png"), Resolved::OutsideRoot);
    }

    #[test]
    fn query_and_fragment_are_stripped() {
        assert_eq!(resolve("index.html", "a.css?v=3#x"), local("a.css"));
        assert_eq!(resolve("index.html", "a.svg#icon"), local("a.svg"));
        assert_eq!(resolve("index.html", "a.js?x=a/../b"), local("a.js"));
        assert_eq!(resolve("index.html", "#top"), Resolved::Fragment);
    }

    #[test]
    fn percent_escapes_are_decoded_before_splitting() {
        // An escaped `/` separates segments and an escaped `..` climbs: neither can smuggle a
        // path out of the folder as one odd file name.
        assert_eq!(
            resolve("index.html", "..%2F..%2Fsecret.png"),
            Resolved::OutsideRoot
        );
        assert_eq!(
            resolve("a/b/index.html", "%2e%2e%2F..%2f..%2Fsecret.png"),
            Resolved::OutsideRoot
        );
        assert_eq!(
            resolve("a/b/index.html", "..%2F..%2Fsecret.png"),
            local("secret.png")
        );
        assert_eq!(resolve("index.html", "img%2Fa.png"), local("img/a.png"));
        assert_eq!(resolve("index.html", "img%2F"), local("img/"));
        assert_eq!(resolve("blog/p.html", "%2Fa.png"), local("blog/a.png"));
        assert_eq!(resolve("index.html", "a%3Fb.png?v=1"), local("a?b.png"));
        assert_eq!(
            resolve("index.html", "my%20photo.jpg"),
            local("my photo.jpg")
        );
        assert_eq!(resolve("index.html", "caf%C3%A9.png"), local("café.png"));
        assert_eq!(resolve("index.html", "100%.png"), local("100%.png"));
        assert_eq!(
            resolve("index.html", "bad%FF.png"),
            local("bad\u{FFFD}.png")
        );
    }

    #[test]
    fn whitespace_is_trimmed_and_backslashes_kept() {
        assert_eq!(
            resolve("index.html", "  \n img/a.png \t"),
            local("img/a.png")
        );
        assert_eq!(resolve("index.html", "img/\na.png"), local("img/a.png"));
        assert_eq!(resolve("index.html", "img\\a.png"), local("img\\a.png"));
        assert_eq!(resolve("index.html", "   "), Resolved::Empty);
        assert_eq!(resolve("index.html", ""), Resolved::Empty);
    }

    #[test]
    fn schemes_are_external_or_data() {
        for external in [
            "https://cdn.example/a.js",
            "HTTP://x/y",
            "//cdn.example/a.js",
            "mailto:a@b.c",
            "tel:+123",
            "javascript:void(0)",
            "blob:https://x/1",
            "about:blank",
        ] {
            assert_eq!(
                resolve("index.html", external),
                Resolved::External,
                "{external}"
            );
        }
        assert_eq!(
            resolve("index.html", "data:image/png;base64,AA=="),
            Resolved::Data
        );
        assert_eq!(resolve("index.html", " DATA:,x"), Resolved::Data);
        // Not a scheme: does not start with a letter.
        assert_eq!(resolve("index.html", "1:2.png"), local("1:2.png"));
    }

    #[test]
    fn folders_keep_their_trailing_slash() {
        assert_eq!(resolve("index.html", "img/"), local("img/"));
        assert_eq!(resolve("index.html", "/"), local(""));
        assert_eq!(resolve("a/index.html", "./"), local("a/"));
        assert_eq!(resolve("index.html", "a//b.png"), local("a/b.png"));
    }

    #[test]
    fn base_href_changes_the_folder_references_resolve_against() {
        let base = Some("/app/");
        assert_eq!(
            resolve_in_document("index.html", base, "a.js"),
            local("app/a.js")
        );
        assert_eq!(
            resolve_in_document("index.html", base, "/b.js"),
            local("b.js")
        );
        assert_eq!(
            resolve_in_document("index.html", Some("static/x.html"), "a.js"),
            local("static/a.js")
        );
        let cdn = Some("https://cdn.example/v1/");
        assert_eq!(
            resolve_in_document("index.html", cdn, "a.js"),
            Resolved::External
        );
        assert_eq!(
            resolve_in_document("index.html", cdn, "/a.js"),
            Resolved::External
        );
        assert_eq!(
            resolve_in_document("index.html", cdn, "data:,x"),
            Resolved::Data
        );
        assert_eq!(
            resolve_in_document("index.html", Some(""), "a.js"),
            local("a.js")
        );
        assert_eq!(
            resolve_in_document("index.html", None, "a.js"),
            local("a.js")
        );
    }

    fn width(url: &str, w: u32) -> SrcsetCandidate {
        SrcsetCandidate {
            url: url.to_owned(),
            descriptor: Some(Descriptor::Width(w)),
        }
    }

    fn density(url: &str, x: f32) -> SrcsetCandidate {
        SrcsetCandidate {
            url: url.to_owned(),
            descriptor: Some(Descriptor::Density(x)),
        }
    }

    fn bare(url: &str) -> SrcsetCandidate {
        SrcsetCandidate {
            url: url.to_owned(),
            descriptor: None,
        }
    }

    #[test]
    fn srcset_with_width_and_density_descriptors() {
        assert_eq!(
            parse_srcset("a-320.jpg 320w, a-640.jpg 640w,a-1280.jpg   1280w"),
            vec![
                width("a-320.jpg", 320),
                width("a-640.jpg", 640),
                width("a-1280.jpg", 1280)
            ]
        );
        assert_eq!(
            parse_srcset("a.png, a@2x.png 2x, a@1.5.png 1.5x"),
            vec![
                bare("a.png"),
                density("a@2x.png", 2.0),
                density("a@1.5.png", 1.5)
            ]
        );
        assert_eq!(parse_srcset("a.png 1e1x"), vec![density("a.png", 10.0)]);
    }

    #[test]
    fn srcset_keeps_commas_inside_urls() {
        let data = "data:image/png;base64,iVBORw0KGgo=";
        assert_eq!(
            parse_srcset(&format!("{data} 1x, b.png 2x")),
            vec![density(data, 1.0), density("b.png", 2.0)]
        );
        assert_eq!(parse_srcset("a.png,b.png"), vec![bare("a.png,b.png")]);
        assert_eq!(
            parse_srcset("a.png,, b.png"),
            vec![bare("a.png"), bare("b.png")]
        );
        assert_eq!(parse_srcset(" \n a.png \n "), vec![bare("a.png")]);
    }

    #[test]
    fn srcset_drops_invalid_candidates() {
        assert_eq!(parse_srcset(""), vec![]);
        assert_eq!(parse_srcset(" , ,"), vec![]);
        assert_eq!(
            parse_srcset("a.png 0w, b.png 10w"),
            vec![width("b.png", 10)]
        );
        assert_eq!(parse_srcset("a.png 2x 3x, b.png"), vec![bare("b.png")]);
        assert_eq!(parse_srcset("a.png 100w 2x"), vec![]);
        assert_eq!(parse_srcset("a.png 100h"), vec![]);
        assert_eq!(parse_srcset("a.png 100w 50h"), vec![width("a.png", 100)]);
        assert_eq!(parse_srcset("a.png -1x"), vec![]);
        assert_eq!(parse_srcset("a.png +1x"), vec![]);
        assert_eq!(parse_srcset("a.png 1.x"), vec![]);
        assert_eq!(parse_srcset("a.png 12px"), vec![]);
        assert_eq!(parse_srcset("a.png 1é, b.png 1€"), vec![]);
        assert_eq!(parse_srcset("é.png 2x"), vec![density("é.png", 2.0)]);
        assert_eq!(parse_srcset("a.png (x 1) 1x, b.png"), vec![bare("b.png")]);
    }

    #[test]
    fn line_index_counts_lines_and_characters() {
        let text = "ab\ncé\r\nx\ry\n\nz€z";
        let index = LineIndex::new(text.as_bytes());
        assert_eq!(index.line_count(), 6);
        let at = |needle: &str| index.location(text.find(needle).unwrap());
        assert_eq!(
            at("b"),
            Location {
                line: 1,
                column: 2,
                offset: 1
            }
        );
        assert_eq!(
            at("é"),
            Location {
                line: 2,
                column: 2,
                offset: 4
            }
        );
        assert_eq!(
            at("x"),
            Location {
                line: 3,
                column: 1,
                offset: 8
            }
        );
        assert_eq!(
            at("y"),
            Location {
                line: 4,
                column: 1,
                offset: 10
            }
        );
        // Backwards and forwards again on the same line after the cursor moved.
        let last_z = text.rfind('z').unwrap();
        assert_eq!(index.location(last_z).column, 3);
        assert_eq!(at("z").column, 1);
        assert_eq!(index.location(last_z).column, 3);
        assert_eq!(index.location(usize::MAX).offset, text.len());
    }

    #[test]
    fn line_index_counts_invalid_utf8_as_one_character_per_sequence() {
        let text = b"\xFF\xFEa\xE2\x82b<\x80\x80";
        // U+FFFD for \xFF, U+FFFD for \xFE, a, U+FFFD for the truncated \xE2\x82, b, <, and
        // one U+FFFD per stray continuation byte.
        for (offset, column) in [
            (2, 3),
            (3, 4),
            (4, 4),
            (5, 5),
            (6, 6),
            (7, 7),
            (8, 8),
            (9, 9),
        ] {
            assert_eq!(
                LineIndex::new(text).location(offset).column,
                column,
                "offset {offset}"
            );
        }
        let index = LineIndex::new(text);
        for (offset, column) in [(5, 5), (3, 4), (9, 9), (8, 8), (2, 3)] {
            assert_eq!(index.location(offset).column, column, "offset {offset}");
        }
        // Offsets inside a character: the column of that character.
        let euro = "x€".as_bytes();
        let index = LineIndex::new(euro);
        assert_eq!(index.location(2).column, 2);
        assert_eq!(index.location(3).column, 2);
        assert_eq!(index.location(4).column, 3);
    }

    #[test]
    fn embedded_locations_shift_only_the_first_line_column() {
        let base = Location {
            line: 10,
            column: 8,
            offset: 200,
        };
        let inner = Location {
            line: 1,
            column: 3,
            offset: 2,
        };
        assert_eq!(
            inner.embedded_in(base),
            Location {
                line: 10,
                column: 10,
                offset: 202
            }
        );
        let inner = Location {
            line: 3,
            column: 5,
            offset: 40,
        };
        assert_eq!(
            inner.embedded_in(base),
            Location {
                line: 12,
                column: 5,
                offset: 240
            }
        );
    }

    #[test]
    fn template_placeholders_are_told_from_urls() {
        for template in [
            "{{ base_url | default('./assets/index-X.js') }}",
            "{% static 'app.js' %}",
            "<%= BASE_URL %>app.js",
            "${prefix}/app.js",
            "%PUBLIC_URL%/favicon.ico",
            "%BASE_URL%x.js",
        ] {
            assert!(is_template(template), "{template}");
        }
        for url in [
            "caf%C3%A9.png",
            "a%20b%20c.js",
            "100%.png",
            "/assets/index-X.js",
            "%E2%80%99x%E2%80%99.png",
            "a%41BC%42.png",
        ] {
            assert!(!is_template(url), "{url}");
        }
        assert!(has_placeholder_segment(
            "BUILDTIME_ASSETPREFIX_REPLACE_ME/_next/static/x.js"
        ));
        assert!(has_placeholder_segment("__PUBLIC_PATH__/a.js"));
        for path in [
            "_next/static/x.js",
            "assets/README_en.md",
            "assets/A_b.js",
            "JS/x.js",
        ] {
            assert!(!has_placeholder_segment(path), "{path}");
        }
    }

    #[test]
    fn a_server_filled_prefix_leaves_the_path_it_stands_before() {
        let behind =
            |reference: &str| behind_server_prefix(reference, &resolve("index.html", reference));
        for (reference, path) in [
            (
                "/PREFECT_UI_SERVE_BASE_REPLACE_PLACEHOLDER/assets/index-B.js",
                "assets/index-B.js",
            ),
            (
                "BUILDTIME_ASSETPREFIX_REPLACE_ME/_next/static/x.js",
                "_next/static/x.js",
            ),
            (
                "{{page_config.fullStaticUrl}}/main.efd3.js?v=efd3",
                "main.efd3.js",
            ),
            (
                "{{ base_url | escape }}static/favicons/favicon.ico",
                "static/favicons/favicon.ico",
            ),
            ("%PUBLIC_URL%/favicon.ico", "favicon.ico"),
            ("<%= BASE_URL %>app.js", "app.js"),
            ("/{{BASE_PATH}}/assets/index-C.js", "assets/index-C.js"),
            (
                "/%7B%7BBASE_PATH%7D%7D/assets/inter.woff2",
                "assets/inter.woff2",
            ),
        ] {
            assert_eq!(behind(reference).as_deref(), Some(path), "{reference}");
        }
        // Nothing follows, the rest is itself filled in, or the prefix is not leading.
        for reference in [
            "{{ js_file }}",
            "{{ basename }}/{{ js_file }}",
            "{{ url_for('static', filename='a.js') }}",
            "http://localhost:{{ vite_port }}/index.tsx",
            "/__NUXT_DEVTOOLS_BASE__/",
            "/assets/index.js",
            "{{ base }}https://cdn.example/x.js",
        ] {
            assert_eq!(behind(reference), None, "{reference}");
        }
    }

    #[test]
    fn a_template_default_literal_is_found() {
        assert_eq!(
            template_default("{{ base_url | default('./assets/index-X.js') }}"),
            Some("./assets/index-X.js")
        );
        assert_eq!(
            template_default("{{ url|default(\"/static/app.css\") }}"),
            Some("/static/app.css")
        );
        assert_eq!(template_default("{{ base_url }}/app.js"), None);
        assert_eq!(template_default("{{ x | default(y) }}"), None);
    }

    #[test]
    fn http_hosts() {
        for (reference, host) in [
            (
                "https://www.YouTube.com/embed/x?a=1",
                Some("www.youtube.com"),
            ),
            ("  HTTP://user:pw@A.example:8080/x", Some("a.example")),
            ("//cdn.example.net/lib.js", Some("cdn.example.net")),
            ("https:\\\\cdn.example.net\\x.js", Some("cdn.example.net")),
            ("https://example.com.", Some("example.com")),
            ("https://example.com#top", Some("example.com")),
            ("/assets/app.js", None),
            ("assets/app.js", None),
            ("data:text/javascript,1", None),
            ("mailto:a@example.com", None),
            ("https://", None),
            ("https://exa mple.com/", None),
            ("https://[::1]/x", None),
        ] {
            assert_eq!(http_host(reference).as_deref(), host, "{reference:?}");
        }
        assert_eq!(
            http_host(&format!("https://{}.com/", "a".repeat(300))),
            None
        );
    }
}
