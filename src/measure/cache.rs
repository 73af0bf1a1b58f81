//! A persistent cache of compressed sizes keyed by content hash, so a re-run over unchanged
//! files compresses nothing.
//!
//! One file, `sizes-v1.bin`, in the cache folder:
//!
//! ```text
//! magic "WEBAUDIT-SIZES\n" | u32 version | u16 fingerprint length | fingerprint (UTF-8)
//! u64 record count | records: [32-byte BLAKE3 content hash | u8 algorithm | u64 size | u32 day last used]
//! 32-byte BLAKE3 of everything before it
//! ```
//!
//! All integers little-endian. The fingerprint names the compressor versions and settings; a
//! file written under another fingerprint, or one that fails any check, is ignored and rebuilt
//! (never fatal). The file is replaced atomically, so a killed run leaves the old cache or the new
//! one. At most [`MAX_ENTRIES`] records are kept, the least recently used evicted first.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

const MAGIC: &[u8] = b"WEBAUDIT-SIZES\n";
const VERSION: u32 = 1;
const RECORD_LEN: usize = 32 + 1 + 8 + 4;
/// About 11 MB on disk; enough for hundreds of builds of a large app.
pub const MAX_ENTRIES: usize = 250_000;
pub const FILE_NAME: &str = "sizes-v1.bin";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    Gzip = 1,
    Brotli = 2,
}

impl Algorithm {
    fn from_byte(byte: u8) -> Option<Algorithm> {
        match byte {
            1 => Some(Algorithm::Gzip),
            2 => Some(Algorithm::Brotli),
            _ => None,
        }
    }
}

pub type ContentHash = [u8; 32];

#[derive(Debug, Clone, Copy)]
struct Entry {
    size: u64,
    last_used_day: u32,
}

/// Sizes by (content hash, algorithm). Lookups are read-only so measuring threads can share it.
#[derive(Debug, Default)]
pub struct SizeCache {
    file: Option<PathBuf>,
    fingerprint: String,
    entries: HashMap<(ContentHash, Algorithm), Entry>,
    changed: bool,
    today: u32,
}

fn today() -> u32 {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    (seconds / 86_400) as u32
}

/// Why an existing cache file was not used (reported as a warning, never fatal).
#[derive(Debug)]
pub struct CacheProblem(pub String);

impl SizeCache {
    /// A cache that keeps nothing between runs (`--no-cache`).
    pub fn disabled() -> SizeCache {
        SizeCache {
            today: today(),
            ..Default::default()
        }
    }

    /// Opens the cache in `folder`. A missing, corrupt or foreign file gives an empty cache and,
    /// for the latter two, a problem to report.
    pub fn open(folder: &Path, fingerprint: &str) -> (SizeCache, Option<CacheProblem>) {
        let file = folder.join(FILE_NAME);
        let mut cache = SizeCache {
            file: Some(file.clone()),
            fingerprint: fingerprint.to_string(),
            entries: HashMap::new(),
            changed: false,
            today: today(),
        };
        let bytes = match std::fs::read(&file) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return (cache, None),
            Err(e) => {
                return (
                    cache,
                    Some(CacheProblem(format!(
                        "{}: cannot read the size cache: {e}",
                        file.display()
                    ))),
                );
            }
        };
        match decode(&bytes, fingerprint) {
            Ok(Some(entries)) => cache.entries = entries,
            // Written by another version of the compressors: silently start over.
            Ok(None) => cache.changed = true,
            Err(why) => {
                cache.changed = true;
                return (
                    cache,
                    Some(CacheProblem(format!(
                        "{}: ignoring the size cache ({why}); it will be rebuilt",
                        file.display()
                    ))),
                );
            }
        }
        (cache, None)
    }

    pub fn get(&self, hash: &ContentHash, algorithm: Algorithm) -> Option<u64> {
        self.entries
            .get(&(*hash, algorithm))
            .map(|entry| entry.size)
    }

    pub fn insert(&mut self, hash: ContentHash, algorithm: Algorithm, size: u64) {
        self.entries.insert(
            (hash, algorithm),
            Entry {
                size,
                last_used_day: self.today,
            },
        );
        self.changed = true;
    }

    /// Marks an entry as used today, so eviction keeps it. Only a change of day rewrites the file.
    pub fn touch(&mut self, hash: &ContentHash, algorithm: Algorithm) {
        if let Some(entry) = self.entries.get_mut(&(*hash, algorithm))
            && entry.last_used_day != self.today
        {
            entry.last_used_day = self.today;
            self.changed = true;
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Writes the cache back if anything changed: to a temporary file, then renamed over the old.
    pub fn save(&mut self) -> Result<(), CacheProblem> {
        let Some(file) = self.file.clone() else {
            return Ok(());
        };
        if !self.changed {
            return Ok(());
        }
        let folder = file.parent().unwrap_or(Path::new("."));
        let problem = |e: std::io::Error| {
            CacheProblem(format!(
                "{}: cannot write the size cache: {e}",
                file.display()
            ))
        };
        std::fs::create_dir_all(folder).map_err(problem)?;
        let bytes = encode(&self.entries, &self.fingerprint);
        let temporary = folder.join(format!(".{FILE_NAME}.{}.tmp", std::process::id()));
        let result = (|| {
            let mut out = std::fs::File::create(&temporary)?;
            out.write_all(&bytes)?;
            out.sync_all()?;
            std::fs::rename(&temporary, &file)
        })();
        if let Err(e) = result {
            let _ = std::fs::remove_file(&temporary);
            return Err(problem(e));
        }
        self.changed = false;
        Ok(())
    }
}

fn encode(entries: &HashMap<(ContentHash, Algorithm), Entry>, fingerprint: &str) -> Vec<u8> {
    let mut records: Vec<(&(ContentHash, Algorithm), &Entry)> = entries.iter().collect();
    // Most recently used first, so eviction drops the tail; ties broken by key for stable files.
    records.sort_by(|a, b| {
        b.1.last_used_day
            .cmp(&a.1.last_used_day)
            .then_with(|| (a.0.0, a.0.1 as u8).cmp(&(b.0.0, b.0.1 as u8)))
    });
    records.truncate(MAX_ENTRIES);
    let mut out = Vec::with_capacity(64 + fingerprint.len() + records.len() * RECORD_LEN);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(&(fingerprint.len() as u16).to_le_bytes());
    out.extend_from_slice(fingerprint.as_bytes());
    out.extend_from_slice(&(records.len() as u64).to_le_bytes());
    for ((hash, algorithm), entry) in records {
        out.extend_from_slice(hash);
        out.push(*algorithm as u8);
        out.extend_from_slice(&entry.size.to_le_bytes());
        out.extend_from_slice(&entry.last_used_day.to_le_bytes());
    }
    let checksum = blake3::hash(&out);
    out.extend_from_slice(checksum.as_bytes());
    out
}

/// `Ok(None)`: a valid cache written under another fingerprint.
#[allow(clippy::type_complexity)]
fn decode(
    bytes: &[u8],
    fingerprint: &str,
) -> Result<Option<HashMap<(ContentHash, Algorithm), Entry>>, String> {
    let body_len = bytes.len().checked_sub(32).ok_or("file too short")?;
    let (body, checksum) = bytes.split_at(body_len);
    if !body.starts_with(MAGIC) {
        return Err("not a webaudit size cache".into());
    }
    if blake3::hash(body).as_bytes() != checksum {
        return Err("checksum mismatch".into());
    }
    let mut reader = Reader {
        bytes: &body[MAGIC.len()..],
    };
    if reader.u32()? != VERSION {
        return Ok(None);
    }
    let fingerprint_len = reader.u16()? as usize;
    if reader.take(fingerprint_len)? != fingerprint.as_bytes() {
        return Ok(None);
    }
    let count = reader.u64()? as usize;
    if reader.bytes.len() != count.checked_mul(RECORD_LEN).ok_or("bad record count")? {
        return Err("record count does not match the file length".into());
    }
    let mut entries = HashMap::with_capacity(count);
    for _ in 0..count {
        let hash: ContentHash = reader.take(32)?.try_into().map_err(|_| "short record")?;
        let algorithm = Algorithm::from_byte(reader.take(1)?[0]).ok_or("unknown algorithm")?;
        let size = reader.u64()?;
        let last_used_day = reader.u32()?;
        entries.insert(
            (hash, algorithm),
            Entry {
                size,
                last_used_day,
            },
        );
    }
    Ok(Some(entries))
}

struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if self.bytes.len() < n {
            return Err("file truncated".into());
        }
        let (head, tail) = self.bytes.split_at(n);
        self.bytes = tail;
        Ok(head)
    }
    fn u16(&mut self) -> Result<u16, String> {
        Ok(u16::from_le_bytes(self.take(2)?.try_into().unwrap()))
    }
    fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().unwrap()))
    }
    fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(self.take(8)?.try_into().unwrap()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash(n: u8) -> ContentHash {
        [n; 32]
    }

    #[test]
    fn round_trips_and_survives_corruption() {
        let folder = tempfile::tempdir().unwrap();
        let (mut cache, problem) = SizeCache::open(folder.path(), "fp");
        assert!(problem.is_none() && cache.is_empty());
        cache.insert(hash(1), Algorithm::Gzip, 123);
        cache.insert(hash(1), Algorithm::Brotli, 99);
        cache.save().unwrap();

        let (cache, problem) = SizeCache::open(folder.path(), "fp");
        assert!(problem.is_none());
        assert_eq!(cache.get(&hash(1), Algorithm::Gzip), Some(123));
        assert_eq!(cache.get(&hash(1), Algorithm::Brotli), Some(99));
        assert_eq!(cache.get(&hash(2), Algorithm::Gzip), None);

        // Another compressor fingerprint: a clean start, no complaint.
        let (cache, problem) = SizeCache::open(folder.path(), "other");
        assert!(problem.is_none() && cache.is_empty());

        // Flip one byte: ignored with a problem, then rebuilt on save.
        let file = folder.path().join(FILE_NAME);
        let mut bytes = std::fs::read(&file).unwrap();
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0xFF;
        std::fs::write(&file, &bytes).unwrap();
        let (mut cache, problem) = SizeCache::open(folder.path(), "fp");
        assert!(problem.unwrap().0.contains("checksum"));
        assert!(cache.is_empty());
        cache.insert(hash(3), Algorithm::Gzip, 7);
        cache.save().unwrap();
        let (cache, problem) = SizeCache::open(folder.path(), "fp");
        assert!(problem.is_none());
        assert_eq!(cache.get(&hash(3), Algorithm::Gzip), Some(7));

        // A foreign file and a truncated one are ignored too.
        for garbage in [
            &b"{\"not\": \"a cache\"}"[..],
            &b"WEBAUDIT-SIZES\n\x01"[..],
            &b""[..],
        ] {
            std::fs::write(&file, garbage).unwrap();
            let (cache, problem) = SizeCache::open(folder.path(), "fp");
            assert!(cache.is_empty());
            assert!(problem.is_some(), "{garbage:?}");
        }
    }

    #[test]
    fn keeps_at_most_max_entries_most_recent_first() {
        let mut entries = HashMap::new();
        for i in 0..(MAX_ENTRIES + 10) {
            let mut h = [0u8; 32];
            h[..8].copy_from_slice(&(i as u64).to_le_bytes());
            // The ten oldest entries are the ten with the lowest day.
            entries.insert(
                (h, Algorithm::Gzip),
                Entry {
                    size: i as u64,
                    last_used_day: if i < 10 { 1 } else { 2 },
                },
            );
        }
        let decoded = decode(&encode(&entries, "fp"), "fp").unwrap().unwrap();
        assert_eq!(decoded.len(), MAX_ENTRIES);
        assert!(decoded.values().all(|e| e.last_used_day == 2));
    }
}
