//! Whether a selector may apply to an `<img>`, judged from the element alone.
//!
//! Only the subject of each complex selector (the compound after the last combinator) is
//! matched, against the element's tag, `id` and classes; ancestors, attributes and
//! pseudo-classes are assumed to match. The answer is "may apply": a rule that sizes an image
//! only in some states still reserves its box in the usual one, and the question asked here
//! (is the image sized?) must not be answered "no" for an image a page's CSS does size. A
//! selector that cannot apply to an `<img>` at all (another element type, another id, a class
//! the element lacks, a pseudo-element) never does.

/// Whether any selector of `list` may select an `<img>` with this `id` and these classes.
pub fn may_select_img(list: &str, id: Option<&str>, classes: &[&str]) -> bool {
    split_top_level(list, |c| c == ',')
        .into_iter()
        .any(|selector| subject_may_match(subject(selector.trim()), id, classes))
}

/// The last compound selector of a complex selector.
fn subject(selector: &str) -> &str {
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in selector.char_indices() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth = depth.saturating_sub(1),
            ' ' | '>' | '+' | '~' | '\t' | '\n' if depth == 0 => start = i + c.len_utf8(),
            _ => {}
        }
    }
    &selector[start..]
}

fn subject_may_match(compound: &str, id: Option<&str>, classes: &[&str]) -> bool {
    if compound.is_empty() {
        return false;
    }
    let bytes = compound.as_bytes();
    let mut i = 0;
    // The type selector, when there is one.
    let name_end = compound
        .find(['.', '#', '[', ':'])
        .unwrap_or(compound.len());
    let element = &compound[..name_end];
    let element = element.rsplit('|').next().unwrap_or(element);
    if !element.is_empty() && element != "*" && !element.eq_ignore_ascii_case("img") {
        return false;
    }
    i += name_end;
    while i < bytes.len() {
        match bytes[i] {
            b'.' | b'#' => {
                let end = compound[i + 1..]
                    .find(['.', '#', '[', ':'])
                    .map_or(compound.len(), |e| i + 1 + e);
                let name = &compound[i + 1..end];
                let matches = if bytes[i] == b'.' {
                    classes.contains(&name)
                } else {
                    id == Some(name)
                };
                if !matches {
                    return false;
                }
                i = end;
            }
            b'[' => {
                // Attribute selectors are assumed to match.
                let end = compound[i..]
                    .find(']')
                    .map_or(compound.len(), |e| i + e + 1);
                i = end;
            }
            b':' => {
                if compound[i..].starts_with("::") {
                    // A pseudo-element is another box than the image.
                    return false;
                }
                // A pseudo-class (with its argument) is assumed to match.
                let mut depth = 0usize;
                let mut j = i + 1;
                while j < bytes.len() {
                    match bytes[j] {
                        b'(' => depth += 1,
                        b')' => depth = depth.saturating_sub(1),
                        b'.' | b'#' | b'[' | b':' if depth == 0 => break,
                        _ => {}
                    }
                    j += 1;
                }
                i = j;
            }
            _ => i += 1,
        }
    }
    true
}

/// Splits at `separator` characters outside parentheses and brackets.
fn split_top_level(text: &str, separator: impl Fn(char) -> bool) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth = depth.saturating_sub(1),
            c if depth == 0 && separator(c) => {
                parts.push(&text[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_that_may_apply_to_the_image() {
        let id = Some("hero");
        let classes = ["photo", "wide"];
        for selector in [
            "img",
            "IMG",
            "*",
            ".photo",
            "img.photo.wide",
            "#hero",
            "img#hero.photo",
            ".card > img",
            "main .grid img:first-child",
            "img[loading=lazy]",
            "a, .photo",
            ".x:not(.y) img",
            "img:is(.a, .b)",
            "svg|img",
        ] {
            assert!(may_select_img(selector, id, &classes), "{selector}");
        }
    }

    #[test]
    fn selectors_that_cannot() {
        let id = Some("hero");
        let classes = ["photo"];
        for selector in [
            "div",
            ".card",
            "img.other",
            "#logo",
            "img::before",
            ".photo + p",
            "picture",
            "img > span",
            "",
        ] {
            assert!(!may_select_img(selector, id, &classes), "{selector}");
        }
    }
}
