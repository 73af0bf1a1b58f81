//! Libraries recognised in a script by their signatures.

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SignatureMatch {
    pub package: String,
    /// The package's signatures found: they say the library is there.
    pub signatures: Vec<String>,
    /// The package's wholeness markers found: how much of the library is there.
    #[serde(default)]
    pub markers: Vec<String>,
    /// Where each of the package's copy signatures (strings once per copy of the library)
    /// occurs, byte offsets in order, at most `knowledge::MAX_RECORDED_OCCURRENCES` each.
    #[serde(default)]
    pub copies: Vec<CopyOccurrences>,
    /// The versions read beside the package's version anchor, one per anchor found, in order.
    #[serde(default)]
    pub versions: Vec<FoundVersion>,
}

impl SignatureMatch {
    /// How many copies of the library the script holds, as its copy signatures tell: the
    /// fewest occurrences of any of `listed` (each must be there once per copy), where
    /// occurrences of one string closer than `min_separation` bytes count once (they are in
    /// one module body, not two copies). 0 when the package lists none, or one is missing (a
    /// part of the library, not a copy of it).
    pub fn copy_count(&self, listed: &[String], min_separation: u64) -> usize {
        if listed.is_empty() {
            return 0;
        }
        listed
            .iter()
            .map(|signature| {
                let Some(found) = self.copies.iter().find(|c| &c.signature == signature) else {
                    return 0;
                };
                let mut distinct = 0;
                let mut last: Option<u64> = None;
                for &offset in &found.offsets {
                    if last.is_none_or(|previous| offset >= previous + min_separation) {
                        distinct += 1;
                        last = Some(offset);
                    }
                }
                distinct
            })
            .min()
            .unwrap_or(0)
    }

    /// The versions found, each once, in the order their copies appear.
    pub fn distinct_versions(&self) -> Vec<&str> {
        let mut versions: Vec<&str> = Vec::new();
        for found in &self.versions {
            if !versions.contains(&found.version.as_str()) {
                versions.push(&found.version);
            }
        }
        versions
    }
}

/// Where one copy signature occurs in a script.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CopyOccurrences {
    pub signature: String,
    /// Byte offsets, in order.
    pub offsets: Vec<u64>,
}

/// A library version read beside its version anchor.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FoundVersion {
    /// Byte offset of the anchor.
    pub offset: u64,
    pub version: String,
}
