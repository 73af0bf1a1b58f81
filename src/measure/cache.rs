//! A persistent cache keyed by content, so a re-run over unchanged files compresses and
//! analyses nothing: compressed sizes (8 bytes each), the facts parsed from a file (JSON), and
//! the records that let a re-run find an unchanged file's content hash without reading it
//! ([`super::known`]).
//!
//! One file, `cache-v2.bin`, in the cache folder:
//!
//! ```text
//! magic "WEBAUDIT-CACHE\n" | u32 version | u16 fingerprint length | fingerprint (UTF-8)
//! u64 record count | records: [32-byte key | u32 day last used | u32 length | value]
//! 32-byte BLAKE3 of everything before it
//! ```
//!
//! All integers little-endian. A key is the BLAKE3 of what the value depends on: the content
//! hash, the compressor or analyser and its version, and for facts the source map's hash and the
//! package knowledge. The fingerprint names the compressor versions: a file written under
//! another one, or one that fails any check, is ignored and rebuilt (never fatal). The file is
//! replaced atomically, so a killed run leaves the old cache or the new one. At most
//! [`MAX_ENTRIES`] records and [`MAX_BYTES`] of values are kept, least recently used evicted first.

use foldhash::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

const MAGIC: &[u8] = b"WEBAUDIT-CACHE\n";
const VERSION: u32 = 2;
const HEADER_LEN: usize = 32 + 4 + 4;
pub const MAX_ENTRIES: usize = 250_000;
/// Facts of large HTML pages can take tens of kilobytes; this bounds the file.
pub const MAX_BYTES: usize = 64 * 1024 * 1024;
pub const FILE_NAME: &str = "cache-v2.bin";

pub use crate::model::asset::{Algorithm, ContentHash};
pub type Key = [u8; 32];

/// The key of a value that depends on `parts` (each length-prefixed, so parts cannot run into
/// one another).
pub fn key(parts: &[&[u8]]) -> Key {
    let mut hasher = blake3::Hasher::new();
    for part in parts {
        hasher.update(&(part.len() as u64).to_le_bytes());
        hasher.update(part);
    }
    *hasher.finalize().as_bytes()
}

fn size_key(hash: &ContentHash, algorithm: Algorithm) -> Key {
    let name: &[u8] = match algorithm {
        Algorithm::Gzip => b"size:gzip",
        Algorithm::Brotli => b"size:brotli",
    };
    key(&[name, hash])
}

#[derive(Debug)]
struct Entry {
    value: Value,
    /// Set by [`Cache::get`] through a shared reference: the measuring threads mark what they
    /// read as they read it.
    last_used_day: AtomicU32,
}

/// Where an entry's value is: in the bytes read from the cache file, or added by this run. A
/// warm run over a large folder looks up tens of thousands of values and changes none: they
/// stay where the file was read, with no allocation or copy each.
#[derive(Debug, Clone)]
enum Value {
    Loaded(std::ops::Range<usize>),
    Owned(Vec<u8>),
}

impl Entry {
    fn value<'a>(&'a self, loaded: &'a [u8]) -> &'a [u8] {
        match &self.value {
            Value::Loaded(range) => &loaded[range.clone()],
            Value::Owned(value) => value,
        }
    }
}

/// The entries by key. Keys are BLAKE3 hashes, so any hash function spreads them; foldhash
/// (seeded per process) costs a fraction of the standard library's SipHash on their 32 bytes.
type Entries = HashMap<Key, Entry>;

/// Values by key. Lookups are read-only so measuring threads can share it; new values are
/// inserted after the parallel pass.
#[derive(Debug, Default)]
pub struct Cache {
    file: Option<PathBuf>,
    fingerprint: String,
    entries: Entries,
    /// The cache file as read; [`Value::Loaded`] values are ranges of it.
    loaded: Vec<u8>,
    changed: AtomicBool,
    today: u32,
}

fn today() -> u32 {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    (seconds / 86_400) as u32
}

/// Why an existing cache file was not used (reported as a note, never fatal).
#[derive(Debug)]
pub struct CacheProblem(pub String);

impl Cache {
    /// A cache that keeps nothing between runs (`--no-cache`).
    pub fn disabled() -> Cache {
        Cache {
            today: today(),
            ..Default::default()
        }
    }

    /// Opens the cache in `folder`. A missing, corrupt or foreign file gives an empty cache and,
    /// for the latter two, a problem to report.
    pub fn open(folder: &Path, fingerprint: &str) -> (Cache, Option<CacheProblem>) {
        let file = folder.join(FILE_NAME);
        let mut cache = Cache {
            file: Some(file.clone()),
            fingerprint: fingerprint.to_string(),
            entries: Entries::default(),
            loaded: Vec::new(),
            changed: AtomicBool::new(false),
            today: today(),
        };
        // webaudit's own file: a link or a FIFO in its place was planted, and is not read.
        let limit = (MAX_BYTES + MAX_ENTRIES * 64) as u64;
        let links = crate::files::Links::Refuse;
        let bytes = match crate::files::read_bounded(&file, links, limit, "a cache file") {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return (cache, None),
            Err(e) => {
                return (
                    cache,
                    Some(CacheProblem(format!(
                        "{}: cannot read the cache: {e}",
                        file.display()
                    ))),
                );
            }
        };
        match decode(&bytes, fingerprint) {
            Ok(Some(entries)) => {
                cache.entries = entries;
                cache.loaded = bytes;
            }
            // Written by other compressor versions: silently start over.
            Ok(None) => *cache.changed.get_mut() = true,
            Err(why) => {
                *cache.changed.get_mut() = true;
                let problem = format!(
                    "{}: ignoring the cache ({why}); it will be rebuilt",
                    file.display()
                );
                return (cache, Some(CacheProblem(problem)));
            }
        }
        (cache, None)
    }

    pub fn size(&self, hash: &ContentHash, algorithm: Algorithm) -> Option<u64> {
        let value = self.get(&size_key(hash, algorithm))?;
        Some(u64::from_le_bytes(value.try_into().ok()?))
    }

    pub fn insert_size(&mut self, hash: ContentHash, algorithm: Algorithm, size: u64) {
        self.insert(size_key(&hash, algorithm), size.to_le_bytes().to_vec());
    }

    /// The value of `key`, which is thereby marked as used today, so that eviction keeps it: a
    /// value read is a value used. Only a change of day rewrites the file.
    pub fn get(&self, key: &Key) -> Option<&[u8]> {
        let entry = self.entries.get(key)?;
        // Relaxed: the day is only read back once the measuring threads are joined.
        if entry.last_used_day.load(Ordering::Relaxed) != self.today {
            entry.last_used_day.store(self.today, Ordering::Relaxed);
            self.changed.store(true, Ordering::Relaxed);
        }
        Some(entry.value(&self.loaded))
    }

    pub fn insert(&mut self, key: Key, value: Vec<u8>) {
        if self.get(&key) == Some(value.as_slice()) {
            return;
        }
        self.entries.insert(
            key,
            Entry {
                value: Value::Owned(value),
                last_used_day: AtomicU32::new(self.today),
            },
        );
        *self.changed.get_mut() = true;
    }

    /// Whether what is added is written back (not `--no-cache`).
    pub fn is_persistent(&self) -> bool {
        self.file.is_some()
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
        if !*self.changed.get_mut() {
            return Ok(());
        }
        let folder = file.parent().unwrap_or(Path::new("."));
        let problem = |e: std::io::Error| {
            CacheProblem(format!("{}: cannot write the cache: {e}", file.display()))
        };
        std::fs::create_dir_all(folder).map_err(problem)?;
        let bytes = encode(&self.entries, &self.loaded, &self.fingerprint);
        // The fixers' writer: an unguessable temporary created exclusively (a planted link
        // is never followed), synced, then renamed over the old file.
        crate::atomic::write(&file, &bytes, crate::atomic::PermissionsFrom::Target)
            .map_err(problem)?;
        *self.changed.get_mut() = false;
        Ok(())
    }
}

fn encode(entries: &Entries, loaded: &[u8], fingerprint: &str) -> Vec<u8> {
    let mut records: Vec<(&Key, &Entry)> = entries.iter().collect();
    // Most recently used first, so eviction drops the tail; ties broken by key for stable files.
    let day = |entry: &Entry| entry.last_used_day.load(Ordering::Relaxed);
    records.sort_by(|a, b| day(b.1).cmp(&day(a.1)).then_with(|| a.0.cmp(b.0)));
    let mut kept = 0;
    let mut bytes = 0;
    for (_, entry) in &records {
        let length = entry.value(loaded).len();
        if kept == MAX_ENTRIES || bytes + length > MAX_BYTES {
            break;
        }
        kept += 1;
        bytes += length;
    }
    records.truncate(kept);
    let mut out = Vec::with_capacity(64 + fingerprint.len() + kept * HEADER_LEN + bytes);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(&(fingerprint.len() as u16).to_le_bytes());
    out.extend_from_slice(fingerprint.as_bytes());
    out.extend_from_slice(&(records.len() as u64).to_le_bytes());
    for (key, entry) in records {
        out.extend_from_slice(key);
        let value = entry.value(loaded);
        out.extend_from_slice(&day(entry).to_le_bytes());
        out.extend_from_slice(&(value.len() as u32).to_le_bytes());
        out.extend_from_slice(value);
    }
    let checksum = blake3::hash(&out);
    out.extend_from_slice(checksum.as_bytes());
    out
}

/// `Ok(None)`: a valid cache written under another fingerprint or format version. The values
/// are ranges of `bytes`.
fn decode(bytes: &[u8], fingerprint: &str) -> Result<Option<Entries>, String> {
    let body_len = bytes.len().checked_sub(32).ok_or("file too short")?;
    let (body, checksum) = bytes.split_at(body_len);
    if !body.starts_with(MAGIC) {
        return Err("not a webaudit cache".into());
    }
    if blake3::hash(body).as_bytes() != checksum {
        return Err("checksum mismatch".into());
    }
    let mut reader = Reader {
        bytes: &body[MAGIC.len()..],
        offset: MAGIC.len(),
    };
    if reader.u32()? != VERSION {
        return Ok(None);
    }
    let fingerprint_len = reader.u16()? as usize;
    if reader.take(fingerprint_len)? != fingerprint.as_bytes() {
        return Ok(None);
    }
    let count = reader.u64()? as usize;
    if count > MAX_ENTRIES {
        return Err("too many records".into());
    }
    let mut entries = Entries::with_capacity_and_hasher(count, Default::default());
    for _ in 0..count {
        let key: Key = reader.take(32)?.try_into().map_err(|_| "short record")?;
        let last_used_day = reader.u32()?;
        let length = reader.u32()? as usize;
        let start = reader.offset;
        reader.take(length)?;
        entries.insert(
            key,
            Entry {
                value: Value::Loaded(start..start + length),
                last_used_day: AtomicU32::new(last_used_day),
            },
        );
    }
    if !reader.bytes.is_empty() {
        return Err("trailing bytes after the records".into());
    }
    Ok(Some(entries))
}

struct Reader<'a> {
    bytes: &'a [u8],
    /// Where `bytes` starts in the file.
    offset: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if self.bytes.len() < n {
            return Err("file truncated".into());
        }
        let (head, tail) = self.bytes.split_at(n);
        self.bytes = tail;
        self.offset += n;
        Ok(head)
    }
    fn u16(&mut self) -> Result<u16, String> {
        Ok(u16::from_le_bytes(
            self.take(2)?.try_into().map_err(|_| "file truncated")?,
        ))
    }
    fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().map_err(|_| "file truncated")?,
        ))
    }
    fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().map_err(|_| "file truncated")?,
        ))
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
        let (mut cache, problem) = Cache::open(folder.path(), "fp");
        assert!(problem.is_none() && cache.is_empty());
        cache.insert_size(hash(1), Algorithm::Gzip, 123);
        cache.insert_size(hash(1), Algorithm::Brotli, 99);
        cache.insert(key(&[b"facts", &hash(1)]), b"{\"imports\":[]}".to_vec());
        cache.save().unwrap();

        let (cache, problem) = Cache::open(folder.path(), "fp");
        assert!(problem.is_none());
        assert_eq!(cache.size(&hash(1), Algorithm::Gzip), Some(123));
        assert_eq!(cache.size(&hash(1), Algorithm::Brotli), Some(99));
        assert_eq!(cache.size(&hash(2), Algorithm::Gzip), None);
        assert_eq!(
            cache.get(&key(&[b"facts", &hash(1)])),
            Some(&b"{\"imports\":[]}"[..])
        );

        // Other compressor versions: a clean start, no complaint.
        let (cache, problem) = Cache::open(folder.path(), "other");
        assert!(problem.is_none() && cache.is_empty());

        // Flip one byte: ignored with a problem, then rebuilt on save.
        let file = folder.path().join(FILE_NAME);
        let mut bytes = std::fs::read(&file).unwrap();
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0xFF;
        std::fs::write(&file, &bytes).unwrap();
        let (mut cache, problem) = Cache::open(folder.path(), "fp");
        assert!(problem.unwrap().0.contains("checksum"));
        assert!(cache.is_empty());
        cache.insert_size(hash(3), Algorithm::Gzip, 7);
        cache.save().unwrap();
        let (cache, problem) = Cache::open(folder.path(), "fp");
        assert!(problem.is_none());
        assert_eq!(cache.size(&hash(3), Algorithm::Gzip), Some(7));

        // A foreign file and a truncated one are ignored too.
        for garbage in [
            &b"{\"not\": \"a cache\"}"[..],
            &b"WEBAUDIT-CACHE\n\x02"[..],
            &b""[..],
        ] {
            std::fs::write(&file, garbage).unwrap();
            let (cache, problem) = Cache::open(folder.path(), "fp");
            assert!(cache.is_empty());
            assert!(problem.is_some(), "{garbage:?}");
        }
    }

    #[test]
    fn a_value_read_is_kept_as_used_today_and_one_not_read_keeps_its_day() {
        let folder = tempfile::tempdir().unwrap();
        let (read, unread) = (key(&[b"read"]), key(&[b"unread"]));
        let mut entries = Entries::default();
        for k in [read, unread] {
            entries.insert(
                k,
                Entry {
                    value: Value::Owned(vec![7; 8]),
                    last_used_day: AtomicU32::new(1),
                },
            );
        }
        std::fs::write(folder.path().join(FILE_NAME), encode(&entries, &[], "fp")).unwrap();
        let (mut cache, _) = Cache::open(folder.path(), "fp");
        // Read through a shared reference, as the measuring threads do.
        let shared: &Cache = &cache;
        assert_eq!(shared.get(&read), Some(&[7u8; 8][..]));
        cache.save().unwrap();
        let bytes = std::fs::read(folder.path().join(FILE_NAME)).unwrap();
        let saved = decode(&bytes, "fp").unwrap().unwrap();
        let day = |k: &Key| saved[k].last_used_day.load(Ordering::Relaxed);
        assert_eq!(day(&read), today());
        assert_eq!(day(&unread), 1);
    }

    #[test]
    fn keeps_the_most_recent_entries_within_the_bounds() {
        let mut entries = Entries::default();
        for i in 0..(MAX_ENTRIES + 10) {
            let mut k = [0u8; 32];
            k[..8].copy_from_slice(&(i as u64).to_le_bytes());
            // The ten oldest entries are the ten with the lowest day.
            entries.insert(
                k,
                Entry {
                    value: Value::Owned(vec![1; 8]),
                    last_used_day: AtomicU32::new(if i < 10 { 1 } else { 2 }),
                },
            );
        }
        let decoded = decode(&encode(&entries, &[], "fp"), "fp").unwrap().unwrap();
        assert_eq!(decoded.len(), MAX_ENTRIES);
        assert!(
            decoded
                .values()
                .all(|e| e.last_used_day.load(Ordering::Relaxed) == 2)
        );

        let mut big = Entries::default();
        for i in 0..5u8 {
            big.insert(
                [i; 32],
                Entry {
                    value: Value::Owned(vec![0; MAX_BYTES / 4]),
                    last_used_day: AtomicU32::new(i as u32),
                },
            );
        }
        let decoded = decode(&encode(&big, &[], "fp"), "fp").unwrap().unwrap();
        assert_eq!(
            decoded.len(),
            4,
            "the oldest value is evicted to stay within MAX_BYTES"
        );
        assert!(!decoded.contains_key(&[0; 32]));
    }

    #[test]
    fn saving_never_writes_through_a_planted_link() {
        let folder = tempfile::tempdir().unwrap();
        let victim = folder.path().join("victim.txt");
        std::fs::write(&victim, "the user's own").unwrap();
        let cache_folder = folder.path().join("cache");
        std::fs::create_dir(&cache_folder).unwrap();
        // Where the old writer put its temporary (a name anyone could predict), a link.
        let predictable = cache_folder.join(format!(".{FILE_NAME}.{}.tmp", std::process::id()));
        std::os::unix::fs::symlink(&victim, &predictable).unwrap();
        let (mut cache, problem) = Cache::open(&cache_folder, "fp");
        assert!(problem.is_none());
        cache.insert_size(hash(1), Algorithm::Gzip, 42);
        cache.save().unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "the user's own");
        let (reopened, _) = Cache::open(&cache_folder, "fp");
        assert_eq!(reopened.size(&hash(1), Algorithm::Gzip), Some(42));
        // A link in place of the cache file itself is neither read nor replaced.
        let linked = folder.path().join("linked");
        std::fs::create_dir(&linked).unwrap();
        std::os::unix::fs::symlink(&victim, linked.join(FILE_NAME)).unwrap();
        let (mut cache, problem) = Cache::open(&linked, "fp");
        assert!(problem.is_some());
        cache.insert_size(hash(2), Algorithm::Gzip, 7);
        assert!(cache.save().is_err());
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "the user's own");
    }
}
