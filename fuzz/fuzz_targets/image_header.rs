//! The image header reader (`imaging::read_header`), the decode-memory reservation that reads it
//! first (`imaging::reserve_decode_memory`) and the EXIF orientation reader the HTML rewriter
//! uses (`fix::optimize::quarter_turned`). No pixel is decoded.
//!
//! Input: any bytes, read as an image file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use webaudit::fix::optimize::quarter_turned;
use webaudit::imaging::{self, ImagingError};
use webaudit_fuzz::check;

fuzz_target!(|data: &[u8]| {
    let header = imaging::read_header(data);
    if let Ok(header) = &header {
        check(header.width > 0 && header.height > 0, || {
            format!("header with an empty size: {header:?}")
        });
        let _ = quarter_turned(data, header.format);
    }
    // One thread: the reservation is given back at once, so this never waits.
    match imaging::reserve_decode_memory(data, 2) {
        Ok(reservation) => {
            check(reservation.bytes() <= imaging::SHARED_DECODE_BUDGET, || {
                format!("reserved {} bytes", reservation.bytes())
            });
            check(header.is_ok(), || "reserved memory for an unreadable header".to_owned());
        }
        Err(ImagingError::TooLarge { .. } | ImagingError::OverMemoryLimit(_)) => {
            check(header.is_ok(), || "size error for an unreadable header".to_owned());
        }
        Err(_) => {}
    }
});
