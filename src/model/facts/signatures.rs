//! Libraries recognised in a script by their signatures.

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SignatureMatch {
    pub package: String,
    /// The package's signatures found: they say the library is there.
    pub signatures: Vec<String>,
    /// The package's wholeness markers found: how much of the library is there.
    #[serde(default)]
    pub markers: Vec<String>,
}
