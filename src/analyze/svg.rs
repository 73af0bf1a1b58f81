//! An SVG file's intrinsic size, as a browser sizes it in an `<img>` or a CSS background: the
//! root `<svg>` element's `width`, `height` and `viewBox`. Only the root tag is read (within
//! [`MAX_ROOT_TAG_SCAN_BYTES`]); the drawing itself is never parsed.

use crate::model::facts::image::SvgFacts;

/// How far into the file the root `<svg>` tag is looked for (an XML declaration, comments
/// and a doctype may come first; real files have it within the first few hundred bytes).
pub const MAX_ROOT_TAG_SCAN_BYTES: usize = 64 * 1024;

/// The root element's sizing attributes, or why they could not be read.
pub fn read_intrinsic(bytes: &[u8]) -> SvgFacts {
    let head = &bytes[..bytes.len().min(MAX_ROOT_TAG_SCAN_BYTES)];
    let text = String::from_utf8_lossy(head);
    match root_tag(&text) {
        Ok(attributes) => {
            let value = |name: &str| {
                attributes
                    .iter()
                    .find(|(n, _)| n.as_str() == name)
                    .map(|(_, v)| v.as_str())
            };
            SvgFacts {
                width: value("width").and_then(absolute_length),
                height: value("height").and_then(absolute_length),
                view_box: value("viewBox").and_then(view_box_size),
                problem: None,
            }
        }
        Err(problem) => SvgFacts {
            width: None,
            height: None,
            view_box: None,
            problem: Some(problem),
        },
    }
}

/// The attributes of the first element of `text`, which must be `<svg>` (in any namespace
/// prefix), after the XML declaration, processing instructions, comments and the doctype.
fn root_tag(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut rest = text;
    loop {
        let Some(at) = rest.find('<') else {
            return Err(format!(
                "no root <svg> element in its first {} KiB",
                MAX_ROOT_TAG_SCAN_BYTES / 1024
            ));
        };
        rest = &rest[at..];
        let skip_to = |rest: &str, end: &str| rest.find(end).map(|i| i + end.len());
        let skipped = if rest.starts_with("<!--") {
            skip_to(rest, "-->")
        } else if rest.starts_with("<?") {
            skip_to(rest, "?>")
        } else if rest.starts_with("<!") {
            // A doctype, possibly with an internal subset in brackets.
            match (rest.find('['), rest.find('>')) {
                (Some(open), Some(close)) if open < close => {
                    skip_to(rest, "]").and_then(|i| skip_to(&rest[i..], ">").map(|j| i + j))
                }
                _ => skip_to(rest, ">"),
            }
        } else {
            return element_attributes(&rest[1..]);
        };
        match skipped {
            Some(length) => rest = &rest[length..],
            None => return Err("the root <svg> tag is not closed".to_string()),
        }
    }
}

fn element_attributes(tag: &str) -> Result<Vec<(String, String)>, String> {
    let name_end = tag
        .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
        .unwrap_or(tag.len());
    let name = &tag[..name_end];
    let local = name.rsplit(':').next().unwrap_or(name);
    if local != "svg" {
        return Err(format!("the root element is <{name}>, not <svg>"));
    }
    let mut attributes = Vec::new();
    let mut rest = &tag[name_end..];
    loop {
        rest = rest.trim_start();
        if rest.starts_with('>') || rest.starts_with("/>") {
            return Ok(attributes);
        }
        let Some(equals) = rest.find('=') else {
            return Err("the root <svg> tag is not closed".to_string());
        };
        let name = rest[..equals].trim().to_string();
        rest = rest[equals + 1..].trim_start();
        let Some(quote) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            return Err(format!(
                "the root <svg> tag's {name} attribute is not quoted"
            ));
        };
        let Some(end) = rest[1..].find(quote) else {
            return Err("the root <svg> tag is not closed".to_string());
        };
        attributes.push((name, rest[1..1 + end].to_string()));
        rest = &rest[1 + end + 1..];
    }
}

/// A length in CSS px when it is absolute (`px`, unitless, `in`, `cm`, `mm`, `pt`, `pc`, and
/// `em`/`ex` at the default 16 px font); percentages and non-positive lengths declare no
/// intrinsic size, as in browsers.
fn absolute_length(value: &str) -> Option<f32> {
    let value = value.trim();
    let split = value
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E')))
        .unwrap_or(value.len());
    // `1em`: the `e` belongs to the unit, not to an exponent.
    let split = if value[..split].ends_with(['e', 'E']) {
        split - 1
    } else {
        split
    };
    let number: f32 = value[..split].parse().ok()?;
    let px_per_unit = match value[split..].trim().to_ascii_lowercase().as_str() {
        "" | "px" => 1.0,
        "in" => 96.0,
        "cm" => 96.0 / 2.54,
        "mm" => 96.0 / 25.4,
        "pt" => 96.0 / 72.0,
        "pc" => 16.0,
        "em" => 16.0,
        "ex" => 8.0,
        _ => return None,
    };
    let px = number * px_per_unit;
    (px.is_finite() && px > 0.0).then_some(px)
}

/// The width and height of a `viewBox="min-x min-y width height"`, when both are positive.
fn view_box_size(value: &str) -> Option<(f32, f32)> {
    let numbers: Vec<f32> = value
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().ok())
        .collect::<Option<_>>()?;
    match numbers[..] {
        [_, _, width, height] if width > 0.0 && height > 0.0 && (width / height).is_finite() => {
            Some((width, height))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn size(svg: &str) -> Option<(u32, u32)> {
        read_intrinsic(svg.as_bytes()).layout_size()
    }

    #[test]
    fn width_and_height_attributes_are_the_intrinsic_size() {
        assert_eq!(
            size(r#"<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40px"></svg>"#),
            Some((120, 40))
        );
        assert_eq!(size(r#"<svg width="1in" height="0.5in"/>"#), Some((96, 48)));
    }

    #[test]
    fn one_declared_side_and_a_view_box_give_the_other_side() {
        assert_eq!(
            size(r#"<svg width="100" viewBox="0 0 200 50"/>"#),
            Some((100, 25))
        );
    }

    #[test]
    fn a_view_box_alone_gives_the_ratio_fitted_in_the_default_300_by_150() {
        // Sized by CSS on one side, the other follows the ratio; sized by nothing, a browser
        // fits the ratio in 300×150.
        assert_eq!(size(r#"<svg viewBox="0 0 24 24"></svg>"#), Some((150, 150)));
        assert_eq!(
            size(r#"<svg viewBox="0,0,1000,100"></svg>"#),
            Some((300, 30))
        );
    }

    #[test]
    fn percentages_and_nothing_declared_give_the_default_object_size() {
        assert_eq!(
            size(r#"<svg width="100%" height="100%"></svg>"#),
            Some((300, 150))
        );
    }

    #[test]
    fn the_prolog_is_skipped_and_a_prefixed_root_is_read() {
        let svg = r#"<?xml version="1.0"?>
<!-- made by hand -->
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x.dtd" [ <!ENTITY a "b"> ]>
<svg:svg xmlns:svg="http://www.w3.org/2000/svg" width='32' height='16'/>"#;
        assert_eq!(size(svg), Some((32, 16)));
    }

    #[test]
    fn bad_input_says_why_and_never_panics() {
        for input in [
            "",
            "<html></html>",
            "<svg width=",
            "<svg width=12>",
            "<!-- open",
            "<svg width=\"é\" viewBox=\"0 0 a b\"",
            "\u{0}\u{1}<<<>>>",
        ] {
            let facts = read_intrinsic(input.as_bytes());
            assert!(facts.problem.is_some() || facts.width.is_none(), "{input}");
        }
        assert!(
            read_intrinsic(b"<html/>")
                .problem
                .unwrap()
                .contains("<html")
        );
    }
}
