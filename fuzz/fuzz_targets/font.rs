//! The web font reader (`analyze::font::read`): the table directory of TrueType/OpenType, WOFF
//! (the `cmap` table inflated with zlib) and WOFF2 (its Brotli stream decoded only up to the
//! end of `cmap`), then read-fonts' `cmap` subtables.
//!
//! Input: any bytes, read as a font file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use webaudit::analyze::font;
use webaudit_fuzz::check;

fuzz_target!(|data: &[u8]| {
    let facts = font::read(data);
    check(facts.private_use <= facts.characters, || {
        format!("more private-use characters than characters: {facts:?}")
    });
    if facts.problem.is_some() {
        check(facts.characters == 0 && facts.private_use == 0, || {
            format!("counts beside a problem: {facts:?}")
        });
    }
    // A character map has at most one entry per code point (0 to U+10FFFF).
    check(facts.characters <= 0x11_0000, || {
        format!("more characters than Unicode has: {facts:?}")
    });
    // The same bytes say the same thing twice (nothing depends on state between reads).
    check(font::read(data) == facts, || {
        "two reads of one file differ".to_owned()
    });
});
