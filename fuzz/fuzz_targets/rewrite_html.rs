//! The HTML rewriter of `webaudit optimize --rewrite-html` (`fix::rewrite_html::rewrite_page`,
//! which parses with `analyze::html`, splices, then `verify`s its own output), and `outline`.
//!
//! Input: a 6-byte header, then the page.
//!   bytes 0–1 : width of every image on disk (LE u16)
//!   bytes 2–3 : height (LE u16)
//!   byte 4    : bit 0 a `.webp` sibling exists, bit 1 an `.avif` one, bit 2 images whose path
//!               has an odd length are missing, bit 3 the page is `blog/post/index.html`
//!               (else `index.html`)
//!   byte 5    : above-the-fold count (mod 8)
//!
//! Properties (off with `FUZZ_LENIENT=1`): the rewriter only inserts, never removes (the input
//! is a subsequence of the output), and never adds a line break; no edit means the output is
//! the input; every `<source>` it adds has a `srcset` that parses to a candidate. A page that fails `verify` is left alone by the fixer (an `Err` here), which is
//! not a failure unless `FUZZ_REWRITE_STRICT=1` (verify failures are then reported as crashes,
//! to find markup the rewriter gets wrong).
#![no_main]

use libfuzzer_sys::fuzz_target;
use webaudit::analyze::{html, url};
use webaudit::fix::rewrite_html::{self, ImageOnDisk};
use webaudit_fuzz::{check, is_subsequence, opted_in};

fuzz_target!(|data: &[u8]| {
    if data.len() < 6 {
        return;
    }
    let (header, input) = data.split_at(6);
    let width = u32::from(u16::from_le_bytes([header[0], header[1]]));
    let height = u32::from(u16::from_le_bytes([header[2], header[3]]));
    let flags = header[4];
    let above_the_fold = usize::from(header[5] & 7);
    let page = if flags & 8 != 0 {
        "blog/post/index.html"
    } else {
        "index.html"
    };
    let image_on_disk = |path: &str| -> Option<ImageOnDisk> {
        if flags & 4 != 0 && path.len() % 2 == 1 {
            return None;
        }
        let stem = path.rsplit('/').next().unwrap_or(path);
        let stem = stem.rsplit_once('.').map_or(stem, |(stem, _)| stem);
        Some(ImageOnDisk {
            width,
            height,
            webp: (flags & 1 != 0).then(|| format!("{stem}.webp")),
            avif: (flags & 2 != 0).then(|| format!("{stem}.avif")),
        })
    };

    match rewrite_html::rewrite_page(page, input, &image_on_disk, above_the_fold) {
        Ok(rewritten) => {
            if rewritten.edits.is_empty() {
                check(rewritten.html == input, || "no edit, but the page changed".to_owned());
            } else {
                check(is_subsequence(input, &rewritten.html), || {
                    "the rewriter removed or changed bytes of the page".to_owned()
                });
                let lines = |b: &[u8]| b.iter().filter(|&&c| c == b'\n' || c == b'\r').count();
                check(lines(input) == lines(&rewritten.html), || {
                    format!(
                        "the rewriter added a line break; edits {:?}; output {:?}",
                        rewritten.edits,
                        String::from_utf8_lossy(&rewritten.html[..rewritten.html.len().min(2000)])
                    )
                });
                // Every `<source>` it adds offers its image: a `srcset` the browser can read.
                let unusable = |page: &[u8]| {
                    html::parse(page)
                        .pictures
                        .iter()
                        .flat_map(|p| &p.sources)
                        .filter(|s| s.srcset.as_deref().is_none_or(|v| url::parse_srcset(v).is_empty()))
                        .count()
                };
                check(unusable(&rewritten.html) <= unusable(input), || {
                    format!(
                        "an added <source> has an unusable srcset; edits {:?}; output {:?}",
                        rewritten.edits,
                        String::from_utf8_lossy(&rewritten.html[..rewritten.html.len().min(2000)])
                    )
                });
                // What the fixer's atomic writer checks again on the bytes written.
                let again = rewrite_html::verify(input, &rewritten.html, &rewritten.edits);
                check(again.is_ok(), || format!("verify is not repeatable: {again:?}"));
            }
        }
        Err(error) => {
            if opted_in("FUZZ_REWRITE_STRICT") {
                panic!("rewritten page failed verification: {error}");
            }
        }
    }
});
