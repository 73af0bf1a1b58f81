//! Libraries recognised in a script by their signatures.

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SignatureMatch {
    pub package: String,
    pub signatures: Vec<String>,
}
