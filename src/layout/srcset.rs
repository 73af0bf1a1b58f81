//! Which image a browser shows for an `<img>` (or `<picture>`) at a given viewport, and at what
//! density: the HTML standard's source selection with Chromium's choice among candidates. The
//! engine does not select sources itself, and the image's intrinsic size in CSS px is its pixel
//! size divided by that density.

use crate::analyze::url::{Descriptor, parse_srcset};

/// A `sizes` value longer than this is not evaluated (the default, `100vw`, applies).
pub const MAX_SIZES_BYTES: usize = 4096;

/// The font size `em`/`rem` in `sizes` and media conditions resolve against (the initial
/// value: `sizes` is evaluated without the page's styles).
const INITIAL_FONT_PX: f32 = 16.0;

/// The chosen candidate: its URL as written and the density it is shown at.
#[derive(Debug, Clone, PartialEq)]
pub struct Chosen {
    pub url: String,
    pub density: f32,
}

/// The candidate a browser picks from `srcset` (with `src` as `1x` when the standard adds it)
/// for a viewport `viewport_width` CSS px wide at `dpr` device pixels per CSS px.
pub fn choose(
    src: Option<&str>,
    srcset: Option<&str>,
    sizes: Option<&str>,
    viewport_width: f32,
    dpr: f32,
) -> Option<Chosen> {
    let candidates = srcset.map(parse_srcset).unwrap_or_default();
    let has_width = candidates
        .iter()
        .any(|c| matches!(c.descriptor, Some(Descriptor::Width(_))));
    let source_size = if has_width {
        source_size(sizes.unwrap_or(""), viewport_width)
    } else {
        viewport_width
    };
    let mut densities: Vec<Chosen> = candidates
        .iter()
        .filter_map(|c| {
            let density = match c.descriptor {
                None => 1.0,
                Some(Descriptor::Density(d)) => d,
                Some(Descriptor::Width(w)) if source_size > 0.0 => w as f32 / source_size,
                Some(Descriptor::Width(_)) => return None,
            };
            (density > 0.0 && density.is_finite()).then(|| Chosen {
                url: c.url.clone(),
                density,
            })
        })
        .collect();
    // The standard adds `src` as a 1x candidate unless a candidate is already 1x or any uses
    // a width descriptor.
    if let Some(src) = src.filter(|s| !s.trim().is_empty())
        && !has_width
        && !densities.iter().any(|c| c.density == 1.0)
    {
        densities.push(Chosen {
            url: src.to_string(),
            density: 1.0,
        });
    }
    densities.sort_by(|a, b| a.density.total_cmp(&b.density));
    densities.dedup_by(|b, a| a.density == b.density);
    // Chromium (`HTMLSrcsetParser`'s `PickWinner`): walk up from the lowest density and stop at
    // the first candidate whose geometric mean with the next one covers the device's density.
    let mut winner = 0;
    while winner + 1 < densities.len() {
        let mean = (densities[winner].density * densities[winner + 1].density).sqrt();
        if dpr <= mean {
            break;
        }
        winner += 1;
    }
    densities.into_iter().nth(winner)
}

/// The `<source>` of a `<picture>` a browser uses: the first whose `media` matches and whose
/// `type` is one browsers decode. `None`: the `<img>` itself.
pub fn picture_source_matches(
    media: Option<&str>,
    type_: Option<&str>,
    viewport_width: f32,
) -> bool {
    let supported = type_.is_none_or(|t| {
        let t = t.trim().to_ascii_lowercase();
        t.is_empty()
            || matches!(
                t.as_str(),
                "image/webp"
                    | "image/avif"
                    | "image/png"
                    | "image/jpeg"
                    | "image/jpg"
                    | "image/gif"
                    | "image/svg+xml"
                    | "image/apng"
            )
    });
    supported && media.is_none_or(|m| m.trim().is_empty() || media_matches(m, viewport_width))
}

/// The source size (CSS px) a `sizes` value gives at this viewport width: the first entry whose
/// media condition matches and whose length parses; `100vw` when none does.
pub fn source_size(sizes: &str, viewport_width: f32) -> f32 {
    if sizes.len() <= MAX_SIZES_BYTES {
        for entry in split_top_level(sizes) {
            let entry = entry.trim();
            if entry.is_empty() {
                continue;
            }
            // The length is the last component (a `calc()` may hold spaces); what comes
            // before it is the media condition.
            let lower = entry.to_ascii_lowercase();
            let length_start = if lower.ends_with(')') {
                lower.rfind("calc(").unwrap_or(0)
            } else {
                entry.rfind(char::is_whitespace).map_or(0, |at| at + 1)
            };
            let (condition, length) = entry.split_at(length_start);
            let condition = condition.trim();
            let Some(px) = length_px(length, viewport_width) else {
                continue;
            };
            if condition.is_empty() || media_matches(condition, viewport_width) {
                return px;
            }
        }
    }
    viewport_width
}

/// Splits at commas outside parentheses.
fn split_top_level(value: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0i32, 0usize);
    for (at, c) in value.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth <= 0 => {
                parts.push(&value[start..at]);
                start = at + 1;
            }
            _ => {}
        }
    }
    parts.push(&value[start..]);
    parts
}

/// A length in px: `px`, `vw`, `em`, `rem`, or `calc()` of one sum/difference of those.
fn length_px(length: &str, viewport_width: f32) -> Option<f32> {
    let length = length.trim().to_ascii_lowercase();
    if let Some(inner) = length
        .strip_prefix("calc(")
        .and_then(|l| l.strip_suffix(')'))
    {
        // `a + b`, `a - b`: the operators of CSS calc need spaces around them.
        let mut total = 0.0;
        let mut sign = 1.0;
        for token in inner.split_whitespace() {
            match token {
                "+" => sign = 1.0,
                "-" => sign = -1.0,
                term => {
                    total += sign * length_px(term, viewport_width)?;
                }
            }
        }
        return Some(total);
    }
    let number_end = length
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+'))
        .unwrap_or(length.len());
    let number: f32 = length[..number_end].parse().ok()?;
    let px = match &length[number_end..] {
        "px" => number,
        "vw" => number * viewport_width / 100.0,
        "em" | "rem" => number * INITIAL_FONT_PX,
        "" if number == 0.0 => 0.0,
        _ => return None,
    };
    (px >= 0.0 && px.is_finite()).then_some(px)
}

/// Evaluates a media condition on width: `(min-width: …)`, `(max-width: …)`, `(width >= …)`
/// forms joined by `and`, optionally preceded by `not` or a media type (`screen and`).
/// Anything else does not match.
pub fn media_matches(condition: &str, viewport_width: f32) -> bool {
    let condition = condition.trim().to_ascii_lowercase();
    let (negated, condition) = match condition.strip_prefix("not ") {
        Some(rest) => (true, rest.trim().to_string()),
        None => (false, condition),
    };
    let mut matched = true;
    for part in condition.split(" and ") {
        let part = part.trim();
        if matches!(part, "screen" | "all" | "only screen") {
            continue;
        }
        let Some(feature) = part.strip_prefix('(').and_then(|p| p.strip_suffix(')')) else {
            return false;
        };
        let test = if let Some((name, value)) = feature.split_once(':') {
            let Some(px) = length_px(value, viewport_width) else {
                return false;
            };
            match name.trim() {
                "min-width" => viewport_width >= px,
                "max-width" => viewport_width <= px,
                "width" => viewport_width == px,
                _ => return false,
            }
        } else {
            let operators = [">=", "<=", ">", "<"];
            let Some((operator, at)) = operators
                .iter()
                .find_map(|op| feature.find(op).map(|at| (*op, at)))
            else {
                return false;
            };
            let (left, right) = (feature[..at].trim(), feature[at + operator.len()..].trim());
            let (px, width_first) = match (left, right) {
                ("width", value) => (length_px(value, viewport_width), true),
                (value, "width") => (length_px(value, viewport_width), false),
                _ => return false,
            };
            let Some(px) = px else { return false };
            let (a, b) = if width_first {
                (viewport_width, px)
            } else {
                (px, viewport_width)
            };
            match operator {
                ">=" => a >= b,
                "<=" => a <= b,
                ">" => a > b,
                _ => a < b,
            }
        };
        matched &= test;
    }
    matched != negated
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_pick_the_first_matching_entry() {
        let sizes = "(max-width: 600px) 100vw, (min-width: 1200px) 33vw, 50vw";
        assert_eq!(source_size(sizes, 412.0), 412.0);
        assert_eq!(source_size(sizes, 1350.0), 445.5);
        assert_eq!(source_size(sizes, 800.0), 400.0);
        assert_eq!(source_size("calc(100vw - 2rem)", 412.0), 380.0);
        assert_eq!(source_size("(width >= 40em) 600px, 90vw", 1350.0), 600.0);
        assert_eq!(source_size("garbage", 412.0), 412.0);
        assert_eq!(source_size("", 412.0), 412.0);
    }

    #[test]
    fn width_candidates_are_chosen_by_density() {
        let srcset = "a-400.jpg 400w, a-800.jpg 800w, a-1600.jpg 1600w";
        // 412 CSS px at 1.75 needs 721 px: 800w (density 1.94).
        let mobile = choose(Some("a.jpg"), Some(srcset), Some("100vw"), 412.0, 1.75).unwrap();
        assert_eq!(mobile.url, "a-800.jpg");
        // 1350 CSS px at 1: 1600w (density 1.19); 800w (0.59) is too small.
        let desktop = choose(Some("a.jpg"), Some(srcset), Some("100vw"), 1350.0, 1.0).unwrap();
        assert_eq!(desktop.url, "a-1600.jpg");
    }

    #[test]
    fn density_candidates_include_src_as_1x() {
        let chosen = choose(Some("a.png"), Some("a@2x.png 2x"), None, 412.0, 1.75).unwrap();
        assert_eq!((chosen.url.as_str(), chosen.density), ("a@2x.png", 2.0));
        let chosen = choose(Some("a.png"), Some("a@2x.png 2x"), None, 1350.0, 1.0).unwrap();
        assert_eq!((chosen.url.as_str(), chosen.density), ("a.png", 1.0));
        assert_eq!(choose(None, None, None, 412.0, 1.75), None);
    }

    #[test]
    fn picture_sources_match_on_media_and_type() {
        assert!(picture_source_matches(
            Some("(max-width: 600px)"),
            None,
            412.0
        ));
        assert!(!picture_source_matches(
            Some("(max-width: 600px)"),
            None,
            1350.0
        ));
        assert!(picture_source_matches(None, Some("image/avif"), 412.0));
        assert!(!picture_source_matches(None, Some("image/jxl"), 412.0));
    }
}
