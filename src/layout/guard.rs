//! What is checked before the engine sees a page. The engine styles and lays out the element
//! tree recursively: a deep enough tree overflows any stack, and a stack overflow aborts the
//! process (it cannot be caught). So nesting depth and element count are counted here, on the
//! page's bytes, and a page over a cap is not laid out.

/// The deepest element nesting laid out. Browsers' HTML parsers stop nesting at 512 levels
/// (Chromium's `HTMLConstructionSite` and Firefox both cap the tree depth there), so no page
/// that renders as its author meant is deeper.
pub const MAX_NESTING_DEPTH: usize = 512;

/// The most elements laid out on one page. Layout time grows with the element count; real
/// pages have a few thousand (large news pages: 5,000–15,000).
pub const MAX_ELEMENTS: usize = 100_000;

/// Why a page is not laid out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OverCap {
    Depth { at_least: usize },
    Elements { at_least: usize },
}

impl OverCap {
    pub fn describe(&self) -> String {
        match self {
            OverCap::Depth { at_least } => format!(
                "elements nest at least {at_least} levels deep, more than the nesting-depth cap of {MAX_NESTING_DEPTH} (the browsers' parser limit)"
            ),
            OverCap::Elements { at_least } => format!(
                "the page has at least {at_least} elements, more than the element-count cap of {MAX_ELEMENTS}"
            ),
        }
    }
}

/// Elements whose end tag is never written (void elements): they do not nest.
const VOID: [&[u8]; 14] = [
    b"area", b"base", b"br", b"col", b"embed", b"hr", b"img", b"input", b"link", b"meta",
    b"source", b"track", b"wbr", b"param",
];

/// Elements whose end tag may be left out (`<p>`, `<li>`, table cells…): the parser closes
/// them implicitly, so counting them as nesting would see depth that is not there. They are
/// counted as elements but not as levels; deep trees are built from the others.
const OPTIONAL_END: [&[u8]; 17] = [
    b"p",
    b"li",
    b"dt",
    b"dd",
    b"option",
    b"optgroup",
    b"tr",
    b"td",
    b"th",
    b"thead",
    b"tbody",
    b"tfoot",
    b"colgroup",
    b"caption",
    b"rb",
    b"rt",
    b"rp",
];

/// Elements whose content is text, not markup: a `<` inside them opens no element.
const RAW_TEXT: [&[u8]; 6] = [
    b"script",
    b"style",
    b"textarea",
    b"title",
    b"xmp",
    b"noscript",
];

/// Counts elements and nesting in one pass over the page, and returns the first cap crossed.
/// An approximation of the HTML parser (it does not apply every implied end tag or adoption
/// rule), erring on the side of a smaller depth.
pub fn check(html: &[u8]) -> Result<(), OverCap> {
    let mut depth = 0usize;
    let mut elements = 0usize;
    let mut position = 0usize;
    while let Some(offset) = memchr::memchr(b'<', &html[position..]) {
        let start = position + offset + 1;
        position = start;
        let Some(&first) = html.get(start) else {
            break;
        };
        if html[start..].starts_with(b"!--") {
            position = match memchr::memmem::find(&html[start..], b"-->") {
                Some(end) => start + end + 3,
                None => html.len(),
            };
            continue;
        }
        let closing = first == b'/';
        let name_start = if closing { start + 1 } else { start };
        let name_end = html[name_start..]
            .iter()
            .position(|b| !b.is_ascii_alphanumeric() && *b != b'-' && *b != b':')
            .map_or(html.len(), |n| name_start + n);
        if name_end == name_start || !html[name_start].is_ascii_alphabetic() {
            continue;
        }
        let name = html[name_start..name_end].to_ascii_lowercase();
        let tag_end = memchr::memchr(b'>', &html[name_end..]).map_or(html.len(), |n| name_end + n);
        let self_closing = tag_end > 0 && html.get(tag_end - 1) == Some(&b'/');
        position = tag_end;
        let nests = !VOID.contains(&name.as_slice()) && !OPTIONAL_END.contains(&name.as_slice());
        if closing {
            if nests {
                depth = depth.saturating_sub(1);
            }
            continue;
        }
        elements += 1;
        if elements > MAX_ELEMENTS {
            return Err(OverCap::Elements { at_least: elements });
        }
        if RAW_TEXT.contains(&name.as_slice()) {
            // Skip to the matching end tag: its content is not markup.
            position = raw_text_end(html, position, &name);
            continue;
        }
        if nests && !self_closing {
            depth += 1;
            if depth > MAX_NESTING_DEPTH {
                return Err(OverCap::Depth { at_least: depth });
            }
        }
    }
    Ok(())
}

/// Where the end tag `</name` of a raw-text element starting at `from` begins (any case).
fn raw_text_end(html: &[u8], from: usize, name: &[u8]) -> usize {
    let mut search = from;
    while let Some(found) = memchr::memmem::find(&html[search..], b"</") {
        let at = search + found;
        let candidate = &html[at + 2..];
        if candidate.len() >= name.len() && candidate[..name.len()].eq_ignore_ascii_case(name) {
            return at;
        }
        search = at + 2;
    }
    html.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(levels: usize) -> String {
        format!(
            "<!doctype html><body>{}x{}</body>",
            "<div>".repeat(levels),
            "</div>".repeat(levels)
        )
    }

    #[test]
    fn ordinary_pages_pass() {
        let page = "<!doctype html><html><head><title>a<b</title><script>if (a<b) x()</script></head><body><p>one<p>two<ul><li>a<li>b</ul><img src=a.png><br/><!-- <div><div> --></body></html>";
        assert_eq!(check(page.as_bytes()), Ok(()));
        // The (html, body) levels plus 510 divs: exactly the cap.
        assert_eq!(check(nested(MAX_NESTING_DEPTH - 1).as_bytes()), Ok(()));
    }

    #[test]
    fn deep_nesting_is_over_the_depth_cap() {
        assert_eq!(
            check(nested(5000).as_bytes()),
            Err(OverCap::Depth {
                at_least: MAX_NESTING_DEPTH + 1
            })
        );
    }

    #[test]
    fn siblings_do_not_nest_and_too_many_cross_the_element_cap() {
        let flat = "<span></span>".repeat(MAX_ELEMENTS + 1);
        assert_eq!(
            check(flat.as_bytes()),
            Err(OverCap::Elements {
                at_least: MAX_ELEMENTS + 1
            })
        );
        assert_eq!(check("<span></span>".repeat(1000).as_bytes()), Ok(()));
    }

    #[test]
    fn markup_in_raw_text_is_not_counted() {
        let page = format!("<body><script>{}</script></body>", "<div>".repeat(5000));
        assert_eq!(check(page.as_bytes()), Ok(()));
    }
}
