//! What the benchmarks that read folders of real files share.

use std::path::{Path, PathBuf};

/// The folders named on the command line (flags left out), or `default` when none is.
pub fn folders_from_args(default: &str) -> Vec<PathBuf> {
    let mut folders: Vec<PathBuf> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .map(PathBuf::from)
        .collect();
    if folders.is_empty() {
        folders.push(PathBuf::from(default));
    }
    folders
}

/// Every regular file under `folders` that `wanted` accepts (given its path and size), sorted;
/// symbolic links are not followed.
pub fn files_under(folders: &[PathBuf], wanted: &dyn Fn(&Path, u64) -> bool) -> Vec<PathBuf> {
    fn walk(dir: &Path, wanted: &dyn Fn(&Path, u64) -> bool, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                walk(&path, wanted, out);
            } else if kind.is_file()
                && entry
                    .metadata()
                    .is_ok_and(|metadata| wanted(&path, metadata.len()))
            {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    for folder in folders {
        walk(folder, wanted, &mut files);
    }
    files.sort();
    files
}
