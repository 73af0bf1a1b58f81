//! The size parser (`size::parse_size`: `"91kB"`, `"1.5 MB"`, `"200 KiB"`) and the size printers
//! (`size::human`, `size::human_delta`).
//!
//! Input: UTF-8 text (other inputs are skipped), parsed as a size. The first 8 bytes, as a
//! little-endian integer, are also printed with `human` / `human_delta`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use webaudit::size::{human, human_delta, parse_size};
use webaudit_fuzz::check;

fuzz_target!(|data: &[u8]| {
    if data.len() >= 8 {
        let value = u64::from_le_bytes(data[..8].try_into().unwrap());
        let printed = human(value);
        let _ = human_delta(value as i64);
        // What webaudit prints reads back as (about) the same size, while it fits.
        if value < 1_000_000_000_000_000_000 {
            match parse_size(&printed) {
                Ok(read) => {
                    let error = read.abs_diff(value);
                    check(error <= value / 200 + 5, || {
                        format!("human({value}) = {printed:?} reads back as {read}")
                    });
                }
                Err(e) => check(false, || format!("human({value}) = {printed:?} does not parse: {e}")),
            }
        }
    }

    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(bytes) = parse_size(text) {
        // A bare number of bytes reads back exactly.
        check(parse_size(&bytes.to_string()) == Ok(bytes), || {
            format!("{text:?} = {bytes} B, which does not read back")
        });
        let _ = human(bytes);
    }
});
