//! The HTML analyzer (`analyze::html::parse`) and what the audit does with its facts: the CSS of
//! `<style>` blocks and `style` attributes (`css::parse_at`), `srcset` values and the fold guess.
//!
//! Input: any bytes, read as an HTML page.
#![no_main]

use libfuzzer_sys::fuzz_target;
use webaudit::analyze::html::{self, Location};
use webaudit::analyze::{css, fold, url};
use webaudit_fuzz::check;

fn location_ok(what: &str, location: Location, len: usize) {
    check(location.offset <= len, || {
        format!("{what}: offset {} past the end ({len})", location.offset)
    });
    check(location.line >= 1 && location.column >= 1, || {
        format!("{what}: location {location:?} not 1-based")
    });
}

fuzz_target!(|data: &[u8]| {
    let facts = html::parse(data);
    if data.len() > html::MAX_PARSED_BYTES {
        return;
    }
    let len = data.len();

    for script in &facts.scripts {
        location_ok("<script>", script.location, len);
        let range = &script.inline_range;
        check(range.start <= range.end && range.end <= len, || {
            format!("<script> inline range {range:?} outside the input ({len})")
        });
        check(script.inline_bytes == range.len(), || {
            format!("<script> inline_bytes {} != range {range:?}", script.inline_bytes)
        });
    }
    for link in &facts.stylesheets {
        location_ok("<link stylesheet>", link.location, len);
    }
    for preload in &facts.preloads {
        location_ok("<link preload>", preload.location, len);
        if let Some(srcset) = &preload.imagesrcset {
            let _ = url::parse_srcset(srcset);
        }
    }
    for (index, image) in facts.images.iter().enumerate() {
        location_ok("<img>", image.location, len);
        check(image.order == index, || {
            format!("<img> {index} has order {}", image.order)
        });
        if let Some(picture) = image.in_picture {
            check(picture < facts.pictures.len(), || {
                format!("<img> {index} in picture {picture} of {}", facts.pictures.len())
            });
        }
        let _ = image.srcset_candidates();
    }
    for picture in &facts.pictures {
        location_ok("<picture>", picture.location, len);
        if let Some(img) = picture.img {
            check(img < facts.images.len(), || {
                format!("<picture> img {img} of {}", facts.images.len())
            });
        }
        for source in &picture.sources {
            location_ok("<source>", source.location, len);
            if let Some(srcset) = &source.srcset {
                let _ = url::parse_srcset(srcset);
            }
        }
    }
    for iframe in &facts.iframes {
        location_ok("<iframe>", iframe.location, len);
    }
    for video in &facts.videos {
        location_ok("<video>", video.location, len);
        for source in &video.sources {
            location_ok("<video><source>", source.location, len);
        }
    }
    if let Some(body) = facts.body {
        location_ok("<body>", body, len);
    }

    // As `rules::references_missing` reads embedded CSS.
    for style in &facts.inline_styles {
        location_ok("<style>", style.location, len);
        let range = &style.range;
        check(range.start <= range.end && range.end <= len, || {
            format!("<style> range {range:?} outside the input ({len})")
        });
        let css = css::parse_at(style.text.as_bytes(), style.location);
        for reference in css.imports.iter().chain(&css.urls) {
            // The text is the input's bytes (invalid UTF-8 as U+FFFD, which is longer), so
            // only valid UTF-8 input gives offsets that must fall inside it.
            if std::str::from_utf8(data).is_ok() {
                location_ok("<style> url()", reference.location, len);
            }
        }
    }
    for attribute in &facts.style_attributes {
        location_ok("style=\"\"", attribute.location, len);
        let _ = css::parse_at(attribute.value.as_bytes(), attribute.value_location);
    }

    for above in [0, fold::DEFAULT_ABOVE_THE_FOLD] {
        for guess in fold::fold_guesses(&facts, above) {
            let exists = match guess.element {
                fold::Element::Image(i) => i < facts.images.len(),
                fold::Element::Iframe(i) => i < facts.iframes.len(),
            };
            check(exists, || format!("fold guess for a missing element: {guess:?}"));
        }
    }
});
