//! What a server answered for one asset (`check-url`): the data the `server/*` rules read.

use serde::Serialize;

/// What the server said about one asset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Response {
    /// The asset, relative to the audited folder.
    pub path: String,
    pub url: String,
    /// The answer, or why there was none (timeout, connection reset, protocol error).
    pub outcome: Result<Answer, String>,
}

/// The status and the headers the rules read (values as sent, `None` when absent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Answer {
    pub status: u16,
    pub content_type: Option<String>,
    pub content_encoding: Option<String>,
    pub cache_control: Option<String>,
}
