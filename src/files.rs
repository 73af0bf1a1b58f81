//! Opening and reading files that webaudit does not control, without ever blocking on them or
//! reading them without bound.
//!
//! A FIFO opened for reading blocks in `open()` until a writer appears, and a link to
//! `/dev/zero` reads forever: every open here asks for `O_NONBLOCK` (which a regular file
//! ignores) and checks with `fstat` on the opened descriptor that it *is* a regular file before
//! a single byte is read. Checking the path first and opening it after would leave a window in
//! which the file can be swapped for a FIFO; the descriptor cannot be swapped.
//!
//! Whole-file reads take a limit, named by the caller, and are refused from the file's size
//! before any allocation; the read itself also stops one byte past the limit, in case the file
//! grows while it is read.

use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// Whether a symbolic link at the path itself is followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Links {
    /// The path was given by the user (`--baseline`, `--config`): a link is their choice.
    Follow,
    /// The path was found by walking a folder, or is webaudit's own (the cache): a link there
    /// was planted, or swapped in after the scan, and is refused (`ELOOP`).
    Refuse,
}

/// Opens `path` for reading if it is a regular file; anything else (FIFO, socket, device,
/// folder) is refused with an error saying what it is, without blocking.
pub fn open_regular(path: &Path, links: Links) -> io::Result<File> {
    let mut flags = libc::O_NONBLOCK | libc::O_CLOEXEC;
    if links == Links::Refuse {
        flags |= libc::O_NOFOLLOW;
    }
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(flags)
        .open(path)?;
    let file_type = file.metadata()?.file_type();
    if !file_type.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("is {}, not a regular file; not read", describe(file_type)),
        ));
    }
    Ok(file)
}

/// What kind of non-regular file this is, for messages.
fn describe(file_type: std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if file_type.is_fifo() {
        "a FIFO (named pipe)"
    } else if file_type.is_socket() {
        "a socket"
    } else if file_type.is_char_device() || file_type.is_block_device() {
        "a device"
    } else if file_type.is_dir() {
        "a folder"
    } else {
        "a special file"
    }
}

/// Reads the whole of `path`, a regular file of at most `limit` bytes (see [`open_regular`]).
/// A larger file is refused with an error that names the limit and what it bounds (`what`,
/// e.g. "a baseline report").
pub fn read_bounded(path: &Path, links: Links, limit: u64, what: &str) -> io::Result<Vec<u8>> {
    let file = open_regular(path, links)?;
    let length = file.metadata()?.len();
    if length > limit {
        return Err(too_large(length, limit, what));
    }
    let mut bytes = Vec::with_capacity(length as usize);
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(bytes.len() as u64, limit, what));
    }
    Ok(bytes)
}

/// [`read_bounded`] for text: invalid UTF-8 is an `InvalidData` error.
pub fn read_text_bounded(path: &Path, links: Links, limit: u64, what: &str) -> io::Result<String> {
    let bytes = read_bounded(path, links, limit, what)?;
    String::from_utf8(bytes)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "is not valid UTF-8 text"))
}

fn too_large(length: u64, limit: u64, what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::FileTooLarge,
        format!(
            "is {} bytes, more than the {} bytes webaudit reads as {what}",
            length, limit
        ),
    )
}

/// `path` below `root` as a `/`-separated relative path (lossy for names that are not UTF-8).
pub fn relative_path(root: &Path, path: &Path) -> String {
    if let Some(plain) = plain_relative_path(root, path) {
        return plain.to_owned();
    }
    let relative = path.strip_prefix(root).unwrap_or(path);
    let parts: Vec<String> = relative
        .components()
        .map(|part| part.as_os_str().to_string_lossy().into_owned())
        .collect();
    parts.join("/")
}

/// The path of `path` under `root` when it is already what [`relative_path`] makes of it: `root`
/// and a separator, then UTF-8 names with no empty or `.` component. Every path a walk of
/// `root` gives is (`root` joined with names), and building it again component by component
/// was a tenth of a warm run over 11,646 files.
#[cfg(unix)]
fn plain_relative_path<'a>(root: &Path, path: &'a Path) -> Option<&'a str> {
    let root = root.as_os_str().as_encoded_bytes();
    let rest = path.as_os_str().as_encoded_bytes().strip_prefix(root)?;
    let rest = if root.ends_with(b"/") {
        rest
    } else {
        rest.strip_prefix(b"/")?
    };
    let rest = std::str::from_utf8(rest).ok()?;
    let plain = !rest.is_empty() && rest.split('/').all(|part| !part.is_empty() && part != ".");
    plain.then_some(rest)
}

#[cfg(not(unix))]
fn plain_relative_path<'a>(_root: &Path, _path: &'a Path) -> Option<&'a str> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_relative_path_is_what_the_components_give() {
        let by_components = |root: &str, path: &str| {
            let (root, path) = (Path::new(root), Path::new(path));
            let relative = path.strip_prefix(root).unwrap_or(path);
            relative
                .components()
                .map(|part| part.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/")
        };
        for (root, path) in [
            ("dist", "dist/a.js"),
            ("dist/", "dist/assets/a.js"),
            ("./dist", "./dist/assets/a.js"),
            ("/", "/etc/a.js"),
            ("dist", "dist/a/../b.js"),
            ("dist", "dist//a.js"),
            ("dist", "dist/./a.js"),
            ("dist", "dist/a/"),
            ("dist", "distant/a.js"),
            ("dist", "dist"),
            ("", "a/b.js"),
            ("dist", "other/a.js"),
            ("a b", "a b/c d/é.js"),
        ] {
            assert_eq!(
                relative_path(Path::new(root), Path::new(path)),
                by_components(root, path),
                "{root:?} {path:?}"
            );
        }
        assert_eq!(
            plain_relative_path(Path::new("dist"), Path::new("dist/assets/a.js")),
            Some("assets/a.js")
        );
    }
    use std::time::{Duration, Instant};

    fn fifo(path: &Path) {
        let name = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: `name` is a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o644) }, 0);
    }

    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let folder = tempfile::tempdir().unwrap();
        let pipe = folder.path().join("pipe.js");
        fifo(&pipe);
        let started = Instant::now();
        let error = open_regular(&pipe, Links::Follow).unwrap_err();
        assert!(error.to_string().contains("FIFO"), "{error}");
        // No writer ever opens the pipe: without O_NONBLOCK this would never return.
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn devices_and_folders_are_refused() {
        let error =
            read_bounded(Path::new("/dev/zero"), Links::Follow, 1 << 20, "a test").unwrap_err();
        assert!(error.to_string().contains("a device"), "{error}");
        let folder = tempfile::tempdir().unwrap();
        let error = open_regular(folder.path(), Links::Follow).unwrap_err();
        assert!(error.to_string().contains("a folder"), "{error}");
    }

    #[test]
    fn links_are_refused_or_followed_as_asked() {
        let folder = tempfile::tempdir().unwrap();
        let target = folder.path().join("real.json");
        std::fs::write(&target, b"{}").unwrap();
        let link = folder.path().join("link.json");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert_eq!(
            read_bounded(&link, Links::Follow, 10, "a test").unwrap(),
            b"{}"
        );
        let error = read_bounded(&link, Links::Refuse, 10, "a test").unwrap_err();
        assert_eq!(error.raw_os_error(), Some(libc::ELOOP));
        // A link to /dev/zero is refused as a device, not read forever.
        let zero = folder.path().join("zero.json");
        std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
        assert!(read_bounded(&zero, Links::Follow, 1 << 30, "a test").is_err());
    }

    #[test]
    fn the_limit_is_named_and_checked_before_reading() {
        let folder = tempfile::tempdir().unwrap();
        let file = folder.path().join("big.toml");
        std::fs::write(&file, vec![b'a'; 101]).unwrap();
        let error = read_bounded(&file, Links::Refuse, 100, "a configuration file").unwrap_err();
        assert_eq!(
            error.to_string(),
            "is 101 bytes, more than the 100 bytes webaudit reads as a configuration file"
        );
        assert_eq!(
            read_bounded(&file, Links::Refuse, 101, "x").unwrap().len(),
            101
        );
    }
}
