//! File names that a text mentions (see `analyze::mentions`), and which files of the folder
//! they stand for.
//!
//! A mention is kept as it was written, lowercased: `n.p+"static/media/logo.3f2a.png"` is
//! `static/media/logo.3f2a.png`, `<img src="../_images/erd.png">` is `../_images/erd.png`,
//! `"/static/img/a.png"` is `/static/img/a.png`. Where a path with a folder, read from the
//! folder of the file that mentions it or from the folder's root, is a file of the folder, the
//! mention stands for that file alone: a Sphinx page's `_images/erd.png` does not make the `_static/erd.png`
//! or `images/erd.png` it was copied from look used. Otherwise it stands for every file of its
//! name: a server may serve a folder under another name (Django's `/static/` from
//! `static_build/`), and a script may put the URL together at run time.

use std::collections::{HashMap, HashSet};

/// The files that the mentions of a folder's files stand for.
#[derive(Debug, Default)]
pub struct MentionIndex {
    /// Lowercased paths that a mention names exactly.
    exact: HashSet<String>,
    /// Lowercased file names of the mentions that name no file exactly.
    by_name: HashSet<String>,
}

/// `base/path` with `.` and `..` resolved, lowercased; `None` when it climbs above the root.
fn resolve(base: &str, path: &str) -> Option<String> {
    let mut segments: Vec<&str> = Vec::new();
    for segment in base.split('/').chain(path.split('/')) {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop()?;
            }
            segment => segments.push(segment),
        }
    }
    Some(segments.join("/").to_ascii_lowercase())
}

/// The file name of `path`, lowercased: how a mention without folders names files.
pub fn name_of(path: &str) -> String {
    path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase()
}

impl MentionIndex {
    /// `mentions`: (the path of the file that mentions, the mention); `files`: the paths a
    /// mention may name exactly.
    pub fn new<'a>(
        mentions: impl IntoIterator<Item = (&'a str, &'a str)>,
        files: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        let files: HashSet<String> = files.into_iter().map(str::to_ascii_lowercase).collect();
        let mut index = MentionIndex::default();
        for (holder, mention) in mentions {
            let folder = holder.rsplit_once('/').map_or("", |(folder, _)| folder);
            let mut named = false;
            // A name written with no folder (`logo.png`, `"/" + size + "/logo.png"`) may be
            // put in any folder at run time: it names by name.
            let bases: &[&str] = if !mention.trim_start_matches('/').contains('/') {
                &[]
            } else if mention.starts_with('/') {
                &[""]
            } else {
                &[folder, ""]
            };
            for base in bases {
                if let Some(path) = resolve(base, mention)
                    && files.contains(&path)
                {
                    index.exact.insert(path);
                    named = true;
                }
            }
            if !named {
                index.by_name.insert(name_of(mention));
            }
        }
        index
    }

    /// Whether a mention stands for the file at `path`.
    pub fn names(&self, path: &str) -> bool {
        self.names_exactly(path) || self.by_name.contains(&name_of(path))
    }

    /// Whether a mention names the file at `path` by its path (and so no other file).
    pub fn names_exactly(&self, path: &str) -> bool {
        self.exact.contains(&path.to_ascii_lowercase())
    }

    /// Whether a mention stands for every file named as `path` is.
    pub fn names_by_name(&self, path: &str) -> bool {
        self.by_name.contains(&name_of(path))
    }
}

/// How many times each lowercased file name occurs among `paths`.
pub fn name_counts<'a>(paths: impl IntoIterator<Item = &'a str>) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for path in paths {
        *counts.entry(name_of(path)).or_default() += 1;
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_that_is_a_file_names_that_file_alone() {
        let files = [
            "docs/html/_images/erd.png",
            "docs/html/_static/erd.png",
            "docs/images/erd.png",
            "shell/images/bg.jpg",
            "branding/bg.jpg",
            "static/media/logo.png",
        ];
        let index = MentionIndex::new(
            [
                // From the page's folder.
                ("docs/html/page.html", "_images/erd.png"),
                // From the script's folder, and from the root.
                ("shell/index.js", "../shell/images/bg.jpg"),
                ("static/js/main.js", "static/media/logo.png"),
            ],
            files,
        );
        assert!(index.names("docs/html/_images/erd.png"));
        assert!(!index.names("docs/html/_static/erd.png"));
        assert!(!index.names("docs/images/erd.png"));
        assert!(index.names("shell/images/bg.jpg"));
        assert!(!index.names("branding/bg.jpg"));
        assert!(index.names_exactly("static/media/logo.png"));
    }

    #[test]
    fn a_path_that_is_no_file_names_every_file_of_its_name() {
        let files = [
            "label/static_build/images/a.png",
            "label/static/images/a.png",
        ];
        let index = MentionIndex::new(
            [
                ("web/main.js", "/static/images/a.png"),
                ("web/main.js", "../../../b.png"),
                ("web/main.js", "C.PNG"),
                // No folder: by name, though `d.png` is a file of the root.
                ("main.js", "/d.png"),
            ],
            files
                .into_iter()
                .chain(["x/b.png", "y/c.png", "d.png", "z/d.png"]),
        );
        assert!(index.names("label/static_build/images/a.png"));
        assert!(index.names("label/static/images/a.png"));
        assert!(index.names_by_name("elsewhere/A.png"));
        // Above the root: no file, so by name.
        assert!(index.names("x/b.png"));
        assert!(index.names("y/c.png") && !index.names_exactly("y/c.png"));
        assert!(index.names("z/d.png") && !index.names_exactly("d.png"));
        assert!(!index.names("y/e.png"));
    }

    #[test]
    fn dots_resolve_and_the_root_cannot_be_left() {
        assert_eq!(resolve("a/b", "../c/./d.png").as_deref(), Some("a/c/d.png"));
        assert_eq!(resolve("", "/x/Y.png").as_deref(), Some("x/y.png"));
        assert_eq!(resolve("a", "../../d.png"), None);
    }
}
