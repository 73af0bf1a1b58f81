//! The two size definitions webaudit reports.
//!
//! - gzip: C zlib, level 9, window 15, memLevel 8, default strategy, in a gzip wrapper with no
//!   file name (10-byte header + 8-byte trailer). Python's `zlib.compressobj(9, zlib.DEFLATED, 31)`
//!   produces the same bytes, which the tests use as an independent oracle.
//! - brotli: quality 11, window 22 (2^22 bytes), the encoder's defaults otherwise, with the input
//!   size as the size hint (as the brotli command-line tool passes it). The encoder is mbrotli,
//!   whose output is byte-identical to Google's C encoder (1.1 and 1.2) for these settings;
//!   the tests check every size against Node's zlib, which wraps Google's encoder.
//!
//! Both stream through a counting sink, so measuring a file of any size needs a fixed amount
//! of memory and no compressed copy is ever kept.
//!
//! The audit gets its gzip sizes from [`super::zlib_model`], which follows zlib's choices
//! without writing the stream: the same sizes in less time. zlib itself, here, stays the
//! definition the model is tested against, writes the `.gz` files of `webaudit compress`, and
//! sizes what the model does not take (inputs over 4 GiB).

use std::io::{self, Read, Write};

/// Version tag of the size definitions, stored in the cache: change it whenever the bytes the
/// definitions produce could change, and every cached size is recomputed.
pub fn definitions_fingerprint() -> String {
    format!(
        "gzip=zlib-{}-9-15-8;brotli=google-1.2-q11-w22-hint",
        zlib_version()
    )
}

pub fn zlib_version() -> String {
    // SAFETY: zlibVersion returns a pointer to a static NUL-terminated string.
    unsafe { std::ffi::CStr::from_ptr(libz_sys::zlibVersion()) }
        .to_string_lossy()
        .into_owned()
}

/// A writer that only counts what is written to it.
#[derive(Default)]
struct CountingSink {
    bytes: u64,
}

impl Write for CountingSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.bytes += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

pub(super) const CHUNK: usize = 256 * 1024;

/// Feeds all of `input` to `encoder` in [`CHUNK`]-sized writes.
fn pump(mut input: impl Read, encoder: &mut impl Write) -> io::Result<()> {
    let mut buffer = vec![0u8; CHUNK];
    loop {
        let read = match input.read(&mut buffer) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        encoder.write_all(&buffer[..read])?;
    }
}

/// Size of `input` as gzip (zlib level 9, no file name in the header).
pub fn gzip_size(input: impl Read) -> io::Result<u64> {
    Ok(gzip_into(input, CountingSink::default())?.bytes)
}

/// `input` as gzip (zlib level 9, no file name in the header): the bytes [`gzip_size`] counts,
/// so a `.gz` written by `webaudit compress` is exactly the size the audit reports.
pub fn gzip_bytes(input: impl Read) -> io::Result<Vec<u8>> {
    gzip_into(input, Vec::new())
}

fn gzip_into<W: Write>(input: impl Read, sink: W) -> io::Result<W> {
    let mut encoder = flate2::GzBuilder::new().write(sink, flate2::Compression::new(9));
    pump(input, &mut encoder)?;
    encoder.finish()
}

/// An encoder for quality 11, window 22, told the input's exact length: the length is the size
/// hint Google's command-line tool passes, and the output depends on it.
fn brotli_writer<W: Write>(
    encoder: &mut mbrotli::Compressor,
    sink: W,
    size_hint: u64,
) -> io::Result<mbrotli::io::EncoderWriter<'_, 'static, W>> {
    encoder
        .writer(sink, mbrotli::InputSize::Exact(size_hint).into())
        .map_err(io::Error::other)
}

fn brotli_into<W: Write>(input: impl Read, sink: W, size_hint: u64) -> io::Result<W> {
    let config = mbrotli::EncoderConfig::new()
        .with_quality(mbrotli::Quality::Q11)
        .with_window(mbrotli::Window::standard(22).map_err(io::Error::other)?);
    let mut encoder = mbrotli::Compressor::new(config).map_err(io::Error::other)?;
    let mut writer = brotli_writer(&mut encoder, sink, size_hint)?;
    pump(input, &mut writer)?;
    writer.finish().map_err(|e| e.into_error())
}

/// Size of `input` as brotli at quality 11, window 22. `size_hint` is the input's length.
pub fn brotli_size(input: impl Read, size_hint: u64) -> io::Result<u64> {
    Ok(brotli_into(input, CountingSink::default(), size_hint)?.bytes)
}

/// `input` as brotli at quality 11, window 22: the bytes [`brotli_size`] counts.
pub fn brotli_bytes(input: impl Read, size_hint: u64) -> io::Result<Vec<u8>> {
    brotli_into(input, Vec::new(), size_hint)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_input_is_header_plus_trailer() {
        // 10-byte header, a 2-byte empty final block, 8-byte trailer.
        assert_eq!(gzip_size(&b""[..]).unwrap(), 20);
        assert_eq!(brotli_size(&b""[..], 0).unwrap(), 1);
    }

    #[test]
    fn repetitive_text_compresses() {
        let text = "export const answer = 42;\n".repeat(1000);
        let gzip = gzip_size(text.as_bytes()).unwrap();
        let brotli = brotli_size(text.as_bytes(), text.len() as u64).unwrap();
        assert!(gzip < 200, "{gzip}");
        assert!(brotli < gzip, "{brotli} vs {gzip}");
    }
}
