//! Files inlined as `data:` URLs in a script or stylesheet: the data
//! [`crate::analyze::inlined`] reads.

use serde::Serialize;

use super::location::Location;

/// One `data:` URL of an image or font type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct InlinedData {
    /// The media type as written, lowercase (`image/png`, `font/woff2`).
    pub media_type: String,
    /// The payload is base64 (`;base64,`), else percent-encoded text.
    pub base64: bool,
    /// Bytes of the file the URL holds, decoded.
    pub decoded_bytes: u64,
    /// Bytes the whole URL takes in the file, `data:` included.
    pub encoded_bytes: u64,
    /// Where `data:` starts.
    pub location: Location,
}
