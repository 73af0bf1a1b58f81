//! Files recognised by their metadata, so that a re-run over an unchanged folder reads none of
//! them: a record maps a file's identity and timestamps to what its bytes said last time (the
//! content hash, the format, and where its source map would be). Sizes and facts stay keyed by
//! content in the cache; a record only spares the read and the hash that find that content.
//!
//! A record is trusted only for a file whose metadata is exactly the same: device, inode, size,
//! modification and change times to the nanosecond, and the path relative to the audited
//! folder. Writing a file changes its change time (`ctime`), which no program can set back, so
//! a modified file never matches its old record.
//!
//! The exception is the one git's index has ("racily clean" files): a file written again
//! within the resolution of its timestamps keeps them. So a record is only made for a file
//! whose change time is at least [`SETTLE`] older than the moment its metadata was taken; any
//! later write then stamps a later change time. A file built a moment ago is simply read, and
//! recorded by the next run. File systems without a change time of their own (FAT, exFAT) get
//! no records at all ([`change_time_is_kept`]).

use std::time::{Duration, SystemTime};

use super::cache::{self, ContentHash, Key};
use crate::kind::Format;

/// How old a file's change time must be for its record to be trusted: more than the 2-second
/// timestamp resolution of the coarsest file systems (FAT; HFS+ and many network mounts have
/// 1 second).
pub const SETTLE: Duration = Duration::from_secs(3);

/// Longest source-map path a record keeps; a longer one (no real build has one) is not recorded,
/// so the file is read as usual.
const MAX_MAP_TARGET_BYTES: usize = 4096;

/// What identifies one version of a file without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStamp {
    device: u64,
    inode: u64,
    size: u64,
    modified: (i64, i64),
    changed: (i64, i64),
}

impl FileStamp {
    /// The stamp of a regular file whose last change is at least [`SETTLE`] before `now`; `None`
    /// for anything else, and on systems without inodes and change times.
    #[cfg(unix)]
    pub fn settled(metadata: &std::fs::Metadata, now: SystemTime) -> Option<FileStamp> {
        use std::os::unix::fs::MetadataExt;
        if !metadata.is_file() {
            return None;
        }
        let changed = (metadata.ctime(), metadata.ctime_nsec());
        let threshold = now.checked_sub(SETTLE)?;
        let threshold = threshold.duration_since(SystemTime::UNIX_EPOCH).ok()?;
        let change_second = u64::try_from(changed.0).ok()?;
        if change_second >= threshold.as_secs() {
            return None;
        }
        Some(FileStamp {
            device: metadata.dev(),
            inode: metadata.ino(),
            size: metadata.len(),
            modified: (metadata.mtime(), metadata.mtime_nsec()),
            changed,
        })
    }

    #[cfg(not(unix))]
    pub fn settled(_metadata: &std::fs::Metadata, _now: SystemTime) -> Option<FileStamp> {
        None
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn device(&self) -> u64 {
        self.device
    }

    /// The cache key of the record of the file at `relative_path` with this stamp. The path is
    /// part of it because what is recorded depends on it (the format on the extension, the
    /// source map's place on the folder).
    pub fn key(&self, relative_path: &str) -> Key {
        let mut stamp = [0u8; 48];
        stamp[..8].copy_from_slice(&self.device.to_le_bytes());
        stamp[8..16].copy_from_slice(&self.inode.to_le_bytes());
        stamp[16..24].copy_from_slice(&self.size.to_le_bytes());
        stamp[24..32].copy_from_slice(&self.modified.0.to_le_bytes());
        stamp[32..36].copy_from_slice(&(self.modified.1 as u32).to_le_bytes());
        stamp[36..44].copy_from_slice(&self.changed.0.to_le_bytes());
        stamp[44..48].copy_from_slice(&(self.changed.1 as u32).to_le_bytes());
        cache::key(&[b"known file", relative_path.as_bytes(), &stamp])
    }
}

/// Whether the file system holding `path` keeps a change time of its own. FAT and exFAT keep
/// none: the change time they report is the modification time, which a copy that preserves
/// times (`cp -p`, `rsync -t`) sets back, so a record could match a changed file. Their files
/// get no records, and are read on every run.
pub fn change_time_is_kept(path: &std::path::Path) -> bool {
    match file_system_name(path) {
        Some(name) => !WITHOUT_CHANGE_TIME.contains(&name.as_str()),
        // Unknown: a record needs the change time to be trusted.
        None => false,
    }
}

/// File systems whose change time is only the modification time.
const WITHOUT_CHANGE_TIME: [&str; 3] = ["msdos", "vfat", "exfat"];

/// `statfs` of the file system holding `path`.
#[cfg(any(target_os = "linux", target_os = "macos"))]
fn file_system_of(path: &std::path::Path) -> Option<libc::statfs> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
    // SAFETY: `statfs` writes only into `info`, a plain struct of integers and characters,
    // and reads the NUL-terminated path, which lives until the call returns.
    let mut info: libc::statfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statfs(path.as_ptr(), &mut info) } != 0 {
        return None;
    }
    Some(info)
}

/// The kind of file system holding `path`, by the names above (others by any other name).
#[cfg(target_os = "linux")]
fn file_system_name(path: &std::path::Path) -> Option<String> {
    let info = file_system_of(path)?;
    // `f_type` is `i64` in glibc, `u64` in musl and 32 bits on some architectures; the magic
    // numbers fit in 32 bits, so the cast keeps them.
    #[allow(clippy::unnecessary_cast)]
    let magic = info.f_type as i64;
    Some(linux_file_system_name(magic).to_string())
}

/// Linux's `statfs` names a file system by a magic number (linux/magic.h).
#[cfg(any(target_os = "linux", test))]
fn linux_file_system_name(magic: i64) -> &'static str {
    match magic {
        0x4d44 => "msdos",
        0x2011_BAB0 => "exfat",
        _ => "other",
    }
}

/// macOS's `statfs` names it (`msdos`, `exfat`, `apfs`…).
#[cfg(target_os = "macos")]
fn file_system_name(path: &std::path::Path) -> Option<String> {
    let info = file_system_of(path)?;
    // SAFETY: `f_fstypename` is NUL-terminated within its array.
    let name = unsafe { std::ffi::CStr::from_ptr(info.f_fstypename.as_ptr()) };
    Some(name.to_string_lossy().into_owned())
}

/// Elsewhere, the file system is not known: no records.
#[cfg(not(any(target_os = "linux", target_os = "macos")))]
fn file_system_name(_path: &std::path::Path) -> Option<String> {
    None
}

/// What a file's bytes said when they were last read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownFile {
    pub content_hash: ContentHash,
    /// The format its first bytes and extension gave (`None` for a source map read by its
    /// script's worker, which does not classify it: such a record serves that script only).
    pub classification: Option<(Format, bool)>,
    /// The folder path where a script or stylesheet looks for its map, present or not. `None`
    /// when where it looks does not depend on other files (no map, an inline map, one on
    /// another origin).
    pub map_target: Option<String>,
}

impl KnownFile {
    pub fn encode(&self) -> Option<Vec<u8>> {
        let target = self.map_target.as_deref().unwrap_or("");
        if target.len() > MAX_MAP_TARGET_BYTES {
            return None;
        }
        // The format by its name, which stays the same when formats are added.
        let name = match self.classification {
            Some((format, _)) => serde_json::to_string(&format).ok()?,
            None => String::new(),
        };
        let mismatch = self.classification.is_some_and(|(_, mismatch)| mismatch);
        let mut out = Vec::with_capacity(32 + 3 + name.len() + target.len());
        out.extend_from_slice(&self.content_hash);
        out.push(u8::try_from(name.len()).ok()?);
        out.extend_from_slice(name.as_bytes());
        out.push(u8::from(mismatch));
        out.push(u8::from(self.map_target.is_some()));
        out.extend_from_slice(target.as_bytes());
        Some(out)
    }

    /// `None` for bytes no version of [`KnownFile::encode`] wrote (the record is then ignored).
    pub fn decode(bytes: &[u8]) -> Option<KnownFile> {
        let content_hash: ContentHash = bytes.get(..32)?.try_into().ok()?;
        let (&name_length, rest) = bytes.get(32..)?.split_first()?;
        let name = rest.get(..usize::from(name_length))?;
        let rest = &rest[name.len()..];
        let (&mismatch, rest) = rest.split_first()?;
        let (&has_target, target) = rest.split_first()?;
        let classification = match name {
            [] => None,
            name => Some((serde_json::from_slice::<Format>(name).ok()?, mismatch == 1)),
        };
        let map_target = match has_target {
            0 if target.is_empty() => None,
            1 => Some(std::str::from_utf8(target).ok()?.to_string()),
            _ => return None,
        };
        Some(KnownFile {
            content_hash,
            classification,
            map_target,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_and_reject_what_they_did_not_write() {
        for format in [
            Format::Js,
            Format::SourceMap,
            Format::WebManifest,
            Format::Unknown,
        ] {
            for map_target in [None, Some(String::new()), Some("js/app.js.map".into())] {
                let record = KnownFile {
                    content_hash: [7; 32],
                    classification: Some((format, true)),
                    map_target,
                };
                let bytes = record.encode().unwrap();
                assert_eq!(KnownFile::decode(&bytes), Some(record));
            }
        }
        let unclassified = KnownFile {
            content_hash: [1; 32],
            classification: None,
            map_target: None,
        };
        assert_eq!(
            KnownFile::decode(&unclassified.encode().unwrap()),
            Some(unclassified)
        );
        // Truncated, an unknown format, a bad flag, a path that is not UTF-8.
        assert_eq!(KnownFile::decode(&[0; 34]), None);
        let mut bytes = vec![0; 32];
        bytes.push(5);
        bytes.extend_from_slice(b"\"jsx\"");
        bytes.extend_from_slice(&[0, 0]);
        assert_eq!(KnownFile::decode(&bytes), None);
        bytes[33..38].copy_from_slice(b"\"css\"");
        assert!(KnownFile::decode(&bytes).is_some());
        bytes.truncate(32);
        bytes.extend_from_slice(&[0, 0, 2]);
        assert_eq!(KnownFile::decode(&bytes), None);
        bytes[34] = 1;
        bytes.push(0xff);
        assert_eq!(KnownFile::decode(&bytes), None);
        // A path past the bound is not recorded at all.
        let long = KnownFile {
            content_hash: [0; 32],
            classification: None,
            map_target: Some("a".repeat(MAX_MAP_TARGET_BYTES + 1)),
        };
        assert_eq!(long.encode(), None);
    }

    #[test]
    fn file_systems_without_a_change_time_get_no_records() {
        assert_eq!(linux_file_system_name(0x4d44), "msdos");
        assert_eq!(linux_file_system_name(0x2011_BAB0), "exfat");
        assert_eq!(linux_file_system_name(0xEF53), "other"); // ext4
        // This machine's temporary folder (tmpfs, ext4, overlayfs or APFS) keeps one.
        #[cfg(any(target_os = "linux", target_os = "macos"))]
        assert!(change_time_is_kept(&std::env::temp_dir()));
        assert!(!change_time_is_kept(std::path::Path::new(
            "/no/such/folder"
        )));
    }

    #[cfg(unix)]
    #[test]
    fn only_files_changed_before_the_settling_time_are_stamped() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("app.js");
        std::fs::write(&path, b"let a = 1;").unwrap();
        let metadata = std::fs::symlink_metadata(&path).unwrap();
        // Just written: racily clean, not stamped.
        assert_eq!(FileStamp::settled(&metadata, SystemTime::now()), None);
        let later = SystemTime::now() + SETTLE + Duration::from_secs(1);
        let stamp = FileStamp::settled(&metadata, later).unwrap();
        assert_eq!(stamp.size(), 10);
        // Same file, same stamp; another path, another key.
        let again = FileStamp::settled(&std::fs::symlink_metadata(&path).unwrap(), later);
        assert_eq!(again, Some(stamp));
        assert_ne!(stamp.key("app.js"), stamp.key("other.js"));
        // Rewritten with the same size: the change time moves, so the key does.
        std::thread::sleep(Duration::from_millis(20));
        std::fs::write(&path, b"let b = 2;").unwrap();
        let rewritten = std::fs::symlink_metadata(&path).unwrap();
        let later = SystemTime::now() + SETTLE + Duration::from_secs(1);
        let new_stamp = FileStamp::settled(&rewritten, later).unwrap();
        assert_ne!(new_stamp.key("app.js"), stamp.key("app.js"));
        // A folder is never stamped.
        let folder_metadata = std::fs::symlink_metadata(folder.path()).unwrap();
        assert_eq!(FileStamp::settled(&folder_metadata, later), None);
    }
}
