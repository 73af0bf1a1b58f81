//! The one way webaudit writes a file: never in place.
//!
//! The new content goes to a temporary file in the target's own folder (so the final rename
//! stays on one file system and is atomic), named `.webaudit-tmp-<pid>-<token><check>-<name>`:
//! `token` is 16 random hexadecimal digits, so nobody can plant a file or link under the name
//! before it is created (it is also created exclusively, without following links), and `check`
//! is 8 more digits derived from the pid and the token, so a run killed mid-write leaves a name
//! that webaudit recognises as its own, while a user's `.webaudit-tmp-notes.txt` is not one. The temporary is flushed, given the target's
//! permissions, synced to disk, optionally verified by reading it back, and only then renamed
//! over the target; the folder is synced last so the rename itself survives a power cut. At any
//! moment the target is either its old content or the complete new one.
//!
//! [`remove_stale_temporaries`] clears what killed runs left behind; every fixer calls it first.

use std::ffi::OsString;
use std::fs::{self, File, OpenOptions, Permissions};
use std::io::{self, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use walkdir::WalkDir;

/// Every temporary file webaudit creates starts with this.
pub const TEMPORARY_PREFIX: &str = ".webaudit-tmp-";

/// Mode of a new file that has no model to copy permissions from (before the umask).
const NEW_FILE_MODE: u32 = 0o644;

static NEXT_TEMPORARY: AtomicU64 = AtomicU64::new(0);

/// Hexadecimal digits of the random token and of its check in a temporary's name.
const TOKEN_DIGITS: usize = 16;
const CHECK_DIGITS: usize = 8;

/// 64 unpredictable bits from the kernel, mixed with a counter so that two temporaries of one
/// run never share a token even if the kernel call fails.
fn random_token() -> u64 {
    let mut bytes = [0u8; 8];
    // SAFETY: getrandom writes at most `bytes.len()` bytes into the buffer it is given.
    let filled = unsafe { libc::getrandom(bytes.as_mut_ptr().cast(), bytes.len(), 0) };
    let counter = NEXT_TEMPORARY.fetch_add(1, Ordering::Relaxed);
    if filled != bytes.len() as isize {
        // No entropy available: still unique within the run, and not reused across runs.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        bytes = (nanos ^ counter.rotate_left(48)).to_le_bytes();
    }
    u64::from_le_bytes(bytes) ^ counter
}

/// The name of a new temporary for a file named `target_name`, made by process `pid` (a fresh
/// random token each call). Public so that tests can plant what a killed run leaves.
pub fn temporary_name(pid: u32, target_name: &str) -> String {
    let pid = pid.to_string();
    let token = format!("{:0width$x}", random_token(), width = TOKEN_DIGITS);
    let check = check_digits(pid.as_bytes(), token.as_bytes());
    format!("{TEMPORARY_PREFIX}{pid}-{token}{check}-{target_name}")
}

/// The check digits that make a name webaudit's: derived from the pid and the token.
fn check_digits(pid: &[u8], token: &[u8]) -> String {
    let mut hasher = blake3::Hasher::new();
    hasher.update(b"webaudit temporary file\0");
    hasher.update(pid);
    hasher.update(b"-");
    hasher.update(token);
    hasher.finalize().to_hex()[..CHECK_DIGITS].to_string()
}

/// Which permissions the written file gets.
#[derive(Debug, Clone, Copy)]
pub enum PermissionsFrom<'a> {
    /// The target's own, when it exists (a file replaced in place keeps its mode and owner);
    /// a new target gets 0644 less the umask.
    Target,
    /// Another file's: a `.gz` or `.webp` made from `app.js` or `photo.png` is readable by
    /// the same people as its source.
    File(&'a Path),
}

fn temporary_path(target: &Path) -> io::Result<(PathBuf, PathBuf)> {
    let name = target
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the path has no file name"))?;
    let folder = match target.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut temporary = OsString::from(temporary_name(std::process::id(), ""));
    // Long names are cut so the temporary stays within NAME_MAX (255 bytes on Linux).
    let bytes = name.as_bytes();
    let room = 255usize.saturating_sub(temporary.len());
    temporary.push(std::ffi::OsStr::from_bytes(&bytes[..bytes.len().min(room)]));
    Ok((folder.join(&temporary), folder))
}

/// Removes the temporary file unless it was renamed into place.
struct TemporaryGuard {
    path: PathBuf,
    armed: bool,
}

impl Drop for TemporaryGuard {
    fn drop(&mut self) {
        if self.armed {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// Writes `bytes` to `target` atomically: see the module documentation. `verify` gets the
/// bytes read back from the synced temporary file and can refuse them (an image that does not
/// decode to the original pixels, a `.gz` that does not decode to its original); the target is
/// then left untouched and the reason returned as an `InvalidData` error.
///
/// A target that is a symbolic link or not a regular file is refused: the link would be
/// replaced by a file, or its destination (maybe outside the folder) written.
pub fn write_verified(
    target: &Path,
    bytes: &[u8],
    permissions: PermissionsFrom,
    verify: impl FnOnce(&[u8]) -> Result<(), String>,
) -> io::Result<()> {
    write_then_rename(target, bytes, permissions, Some(verify))
}

/// [`write_verified`], with `verify` only when there is one: without it, the temporary file is
/// compared with `bytes` a block at a time, never held whole (an 8 MB report read back into a
/// new buffer cost 4 ms of page faults and copies).
fn write_then_rename(
    target: &Path,
    bytes: &[u8],
    permissions: PermissionsFrom,
    verify: Option<impl FnOnce(&[u8]) -> Result<(), String>>,
) -> io::Result<()> {
    let existing = match fs::symlink_metadata(target) {
        Ok(metadata) if metadata.file_type().is_symlink() => {
            return Err(io::Error::other(
                "is a symbolic link; webaudit does not write through links",
            ));
        }
        Ok(metadata) if !metadata.is_file() => {
            return Err(io::Error::other("is not a regular file; not replaced"));
        }
        Ok(metadata) => {
            // No write bit at all is refused even for root, who may write anything: the mode
            // says the file is not to be changed.
            if metadata.permissions().readonly() || !writable(target) {
                return Err(io::Error::new(
                    io::ErrorKind::PermissionDenied,
                    "is read-only; not replaced",
                ));
            }
            Some(metadata)
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(e),
    };
    let model = match permissions {
        PermissionsFrom::Target => existing,
        PermissionsFrom::File(source) => Some(fs::symlink_metadata(source)?),
    };
    let (temporary, folder) = temporary_path(target)?;
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(NEW_FILE_MODE)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(&temporary)?;
    let mut guard = TemporaryGuard {
        path: temporary,
        armed: true,
    };
    file.write_all(bytes)?;
    file.flush()?;
    if let Some(model) = &model {
        // Owner first: chown clears set-id bits, which the mode then restores. Only root may
        // give a file away; anyone else keeps their own files, which is what they had.
        // SAFETY: fchown on a file descriptor we own; it only reads its arguments.
        let _ = unsafe {
            libc::fchown(
                std::os::fd::AsRawFd::as_raw_fd(&file),
                model.uid(),
                model.gid(),
            )
        };
        file.set_permissions(Permissions::from_mode(model.mode() & 0o7777))?;
    }
    file.sync_all()?;
    drop(file);
    let differs = || {
        io::Error::new(
            io::ErrorKind::InvalidData,
            "the temporary file reads back different bytes than were written",
        )
    };
    let mut reread = File::open(&guard.path)?;
    match verify {
        Some(verify) => {
            let mut written = Vec::with_capacity(bytes.len());
            reread.read_to_end(&mut written)?;
            if written != bytes {
                return Err(differs());
            }
            verify(&written)
                .map_err(|reason| io::Error::new(io::ErrorKind::InvalidData, reason))?;
        }
        None => {
            let mut block = vec![0u8; READ_BACK_BLOCK.min(bytes.len())];
            for expected in bytes.chunks(READ_BACK_BLOCK) {
                let block = &mut block[..expected.len()];
                match reread.read_exact(block) {
                    Ok(()) if block == expected => {}
                    Ok(()) => return Err(differs()),
                    Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Err(differs()),
                    Err(e) => return Err(e),
                }
            }
            // Nothing after the bytes written.
            if reread.read(&mut [0u8; 1])? != 0 {
                return Err(differs());
            }
        }
    }
    fs::rename(&guard.path, target)?;
    guard.armed = false;
    sync_folder(&folder)
}

/// Whether this process may write `path`: a rename would replace a read-only file regardless
/// of its mode, so its mode is honoured explicitly.
fn writable(path: &Path) -> bool {
    let Ok(name) = std::ffi::CString::new(path.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: `name` is a valid NUL-terminated string that outlives the call.
    unsafe { libc::access(name.as_ptr(), libc::W_OK) == 0 }
}

/// [`write_verified`] without a verification step (the bytes read back are still compared).
pub fn write(target: &Path, bytes: &[u8], permissions: PermissionsFrom) -> io::Result<()> {
    write_then_rename(
        target,
        bytes,
        permissions,
        None::<fn(&[u8]) -> Result<(), String>>,
    )
}

/// How much of a written file [`write`] reads back at a time.
const READ_BACK_BLOCK: usize = 256 * 1024;

/// Removes `path` (a regular file, never a link's destination) and syncs its folder.
pub fn remove(path: &Path) -> io::Result<()> {
    fs::remove_file(path)?;
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => sync_folder(parent),
        _ => sync_folder(Path::new(".")),
    }
}

/// Makes a rename or removal in `folder` durable.
fn sync_folder(folder: &Path) -> io::Result<()> {
    File::open(folder)?.sync_all()
}

/// Whether `name` is one of webaudit's temporary files: the prefix, a pid, a token and the
/// check digits that only webaudit's naming produces (see the module documentation).
pub fn is_temporary_name(name: &std::ffi::OsStr) -> bool {
    creator(name).is_some()
}

/// The id of the process that created a temporary file, from its name; `None` when the name
/// is not one webaudit gave.
fn creator(name: &std::ffi::OsStr) -> Option<i32> {
    let rest = name.as_bytes().strip_prefix(TEMPORARY_PREFIX.as_bytes())?;
    let (pid, rest) = rest.split_at(rest.iter().position(|&b| b == b'-')?);
    let marker = rest.get(1..1 + TOKEN_DIGITS + CHECK_DIGITS)?;
    let (token, check) = marker.split_at(TOKEN_DIGITS);
    let hexadecimal = |digits: &[u8]| {
        digits
            .iter()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    };
    if pid.is_empty()
        || !pid.iter().all(u8::is_ascii_digit)
        || !hexadecimal(marker)
        || rest.get(1 + TOKEN_DIGITS + CHECK_DIGITS) != Some(&b'-')
        || check != check_digits(pid, token).as_bytes()
    {
        return None;
    }
    std::str::from_utf8(pid).ok()?.parse().ok()
}

fn process_is_alive(pid: i32) -> bool {
    if pid <= 0 {
        return false;
    }
    if pid as u32 == std::process::id() {
        return true;
    }
    // SAFETY: signal 0 only checks that the process exists; nothing is sent.
    let result = unsafe { libc::kill(pid, 0) };
    result == 0 || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// What [`remove_stale_temporaries`] did with one leftover.
#[derive(Debug)]
pub struct Leftover {
    pub path: PathBuf,
    pub result: io::Result<()>,
}

/// Removes the temporary files that killed runs left below `root`: regular files whose name
/// starts with [`TEMPORARY_PREFIX`] and whose creating process is gone (a run still working in
/// the same folder keeps its own). Links are neither followed nor removed.
pub fn remove_stale_temporaries(root: &Path) -> Vec<Leftover> {
    remove_stale_temporaries_to_depth(root, usize::MAX)
}

/// [`remove_stale_temporaries`] in `folder` and at most `depth` levels below it (1: the
/// folder's own files): a fixer given one file clears the folder it writes into, no more.
pub fn remove_stale_temporaries_to_depth(folder: &Path, depth: usize) -> Vec<Leftover> {
    let mut removed = Vec::new();
    for entry in WalkDir::new(folder)
        .follow_links(false)
        .max_depth(depth)
        .into_iter()
        .filter_map(Result::ok)
    {
        let name = entry.file_name();
        if !entry.file_type().is_file() || !is_temporary_name(name) {
            continue;
        }
        if creator(name).is_some_and(process_is_alive) {
            continue;
        }
        let path = entry.into_path();
        let result = remove(&path);
        removed.push(Leftover { path, result });
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_target_and_keeps_its_mode() {
        let folder = tempfile::tempdir().unwrap();
        let target = folder.path().join("a.txt");
        fs::write(&target, b"old").unwrap();
        fs::set_permissions(&target, Permissions::from_mode(0o640)).unwrap();
        write(&target, b"new content", PermissionsFrom::Target).unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"new content");
        let mode = fs::metadata(&target).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
        let names: Vec<_> = fs::read_dir(folder.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![OsString::from("a.txt")], "no temporary left");
    }

    #[test]
    fn a_file_of_several_read_back_blocks_is_written_whole() {
        let folder = tempfile::tempdir().unwrap();
        let target = folder.path().join("report.json");
        // Not a multiple of the block, and no two blocks alike.
        let bytes: Vec<u8> = (0..READ_BACK_BLOCK * 3 + 1234)
            .map(|i| (i % 251) as u8)
            .collect();
        write(&target, &bytes, PermissionsFrom::Target).unwrap();
        assert_eq!(fs::read(&target).unwrap(), bytes);
        write(&target, b"", PermissionsFrom::Target).unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"");
    }

    #[test]
    fn a_refused_verification_leaves_the_target_and_no_temporary() {
        let folder = tempfile::tempdir().unwrap();
        let target = folder.path().join("a.txt");
        fs::write(&target, b"old").unwrap();
        let error = write_verified(&target, b"new", PermissionsFrom::Target, |read| {
            assert_eq!(read, b"new");
            Err("pixels differ".into())
        })
        .unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidData);
        assert!(error.to_string().contains("pixels differ"));
        assert_eq!(fs::read(&target).unwrap(), b"old");
        assert_eq!(fs::read_dir(folder.path()).unwrap().count(), 1);
    }

    #[test]
    fn new_files_copy_the_permissions_of_their_source() {
        let folder = tempfile::tempdir().unwrap();
        let source = folder.path().join("app.js");
        fs::write(&source, b"x").unwrap();
        fs::set_permissions(&source, Permissions::from_mode(0o604)).unwrap();
        let target = folder.path().join("app.js.gz");
        write(&target, b"gz", PermissionsFrom::File(&source)).unwrap();
        let mode = fs::metadata(&target).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o604);
    }

    #[test]
    fn links_are_refused() {
        let folder = tempfile::tempdir().unwrap();
        let outside = folder.path().join("outside.txt");
        fs::write(&outside, b"keep").unwrap();
        let link = folder.path().join("link.txt");
        std::os::unix::fs::symlink(&outside, &link).unwrap();
        assert!(write(&link, b"x", PermissionsFrom::Target).is_err());
        assert_eq!(fs::read(&outside).unwrap(), b"keep");
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
    }

    #[test]
    fn stale_temporaries_of_dead_processes_are_removed_and_nothing_else() {
        let folder = tempfile::tempdir().unwrap();
        let root = folder.path();
        fs::create_dir(root.join("sub")).unwrap();
        // pid 0 never names a live process; our own pid is alive.
        let dead = root.join("sub").join(temporary_name(0, "photo.png"));
        let ours = root.join(temporary_name(std::process::id(), "a.js"));
        let unrelated = root.join(".webaudit-tmpfoo");
        fs::write(&dead, b"half").unwrap();
        fs::write(&ours, b"busy").unwrap();
        fs::write(&unrelated, b"user file").unwrap();
        // A user's files that merely start with the prefix, even with digits after it, are not
        // temporaries: the check digits are missing or wrong.
        let users: Vec<PathBuf> = [
            ".webaudit-tmp-notes.txt",
            ".webaudit-tmp-0-3-photo.png",
            ".webaudit-tmp-0-00000000000000000000000000000000-x",
        ]
        .iter()
        .map(|name| root.join("sub").join(name))
        .collect();
        for user in &users {
            fs::write(user, b"user file").unwrap();
        }
        let outside = tempfile::tempdir().unwrap();
        let outside_temporary = outside.path().join(temporary_name(0, "x"));
        fs::write(&outside_temporary, b"not ours to touch").unwrap();
        std::os::unix::fs::symlink(outside.path(), root.join("link")).unwrap();

        let removed = remove_stale_temporaries(root);
        assert_eq!(removed.len(), 1, "{removed:?}");
        assert_eq!(removed[0].path, dead);
        assert!(removed[0].result.is_ok());
        assert!(!dead.exists());
        assert!(ours.exists());
        assert!(unrelated.exists());
        for user in &users {
            assert!(user.exists(), "{}", user.display());
        }
        assert!(outside_temporary.exists(), "links are not followed");
    }

    #[test]
    fn temporary_names_are_recognised_and_unpredictable() {
        let (first, _) = temporary_path(Path::new("dir/app.js")).unwrap();
        let (second, _) = temporary_path(Path::new("dir/app.js")).unwrap();
        assert_ne!(first, second);
        for path in [&first, &second] {
            let name = path.file_name().unwrap();
            assert!(is_temporary_name(name), "{}", path.display());
            assert_eq!(creator(name), Some(std::process::id() as i32));
        }
        // One digit changed anywhere in the marker: not ours.
        let mut forged = first.file_name().unwrap().as_bytes().to_vec();
        let position = TEMPORARY_PREFIX.len() + std::process::id().to_string().len() + 3;
        forged[position] = if forged[position] == b'0' { b'1' } else { b'0' };
        assert!(!is_temporary_name(std::ffi::OsStr::from_bytes(&forged)));
    }

    #[test]
    fn a_read_only_file_is_refused_even_for_root() {
        let folder = tempfile::tempdir().unwrap();
        let target = folder.path().join("locked.png");
        fs::write(&target, b"old").unwrap();
        fs::set_permissions(&target, Permissions::from_mode(0o444)).unwrap();
        let error = write(&target, b"new", PermissionsFrom::Target).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::PermissionDenied);
        assert!(error.to_string().contains("read-only"));
        assert_eq!(fs::read(&target).unwrap(), b"old");
        assert_eq!(fs::read_dir(folder.path()).unwrap().count(), 1);
    }

    #[test]
    fn long_names_stay_within_the_limit() {
        let folder = tempfile::tempdir().unwrap();
        let name = "n".repeat(250);
        let target = folder.path().join(&name);
        write(&target, b"x", PermissionsFrom::Target).unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"x");
    }
}
