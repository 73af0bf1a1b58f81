//! Which folder `webaudit` audits when it is given none. Run at a project's root, auditing the
//! root itself would measure `package-lock.json`, `src/` and `node_modules/` — never what is
//! shipped — so in a folder that looks like a project (a `package.json` or a `src/`) webaudit
//! looks for the build output the common tools write, and refuses to guess between several.
//! Anywhere else the current folder is audited, as before.

use std::path::{Path, PathBuf};

use crate::error::Error;

/// Where the common tools write a built site: Vite, Rollup, webpack, Parcel (`dist`); Create
/// React App, SvelteKit's static adapter, Docusaurus (`build`); Next.js's static export, Astro
/// (`out`); Jekyll, Eleventy (`_site`); Nuxt (`.output/public`).
pub const BUILD_FOLDERS: [&str; 5] = ["dist", "build", "out", "_site", ".output/public"];

/// Gatsby and Hugo build into `public/`, but in Create React App and Vite projects `public/`
/// holds source files copied into the build; it counts only when no other build folder exists
/// and it has an `index.html`.
pub const PUBLIC_FOLDER: &str = "public";

/// How deep a candidate is searched for a page, script or stylesheet, and how many entries are
/// looked at: enough for `assets/js/x.js`, cheap on a huge folder.
const SEARCH_DEPTH: usize = 3;
const SEARCH_ENTRIES: usize = 10_000;

/// What makes a folder look like a project rather than a built site.
pub fn project_markers(folder: &Path) -> Vec<&'static str> {
    let mut markers = Vec::new();
    if folder.join("package.json").is_file() {
        markers.push("package.json");
    }
    if folder.join("src").is_dir() {
        markers.push("src/");
    }
    markers
}

/// Whether `folder` holds a page, a script or a stylesheet near its top.
fn has_web_output(folder: &Path) -> bool {
    if !folder.is_dir() {
        return false;
    }
    walkdir::WalkDir::new(folder)
        .max_depth(SEARCH_DEPTH)
        .follow_links(false)
        .into_iter()
        .take(SEARCH_ENTRIES)
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_file())
        .any(|entry| {
            let name = entry.file_name().to_string_lossy().to_ascii_lowercase();
            [".html", ".js", ".mjs", ".css"]
                .iter()
                .any(|ext| name.ends_with(ext))
        })
}

/// The build folders of the project at `folder`, relative to it.
pub fn candidates(folder: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = BUILD_FOLDERS
        .iter()
        .map(PathBuf::from)
        .filter(|name| has_web_output(&folder.join(name)))
        .collect();
    if found.is_empty() && folder.join(PUBLIC_FOLDER).join("index.html").is_file() {
        found.push(PathBuf::from(PUBLIC_FOLDER));
    }
    found
}

fn listed(folders: &[PathBuf]) -> String {
    folders
        .iter()
        .map(|f| format!("{}/", f.display()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The folder to audit when none is given, run from `folder`: `Ok(None)` when `folder` does not
/// look like a project (audit it as it is), `Ok(Some(build folder))` when it holds exactly one,
/// and a usage error (exit 2) listing the candidates otherwise.
pub fn detect(folder: &Path) -> Result<Option<PathBuf>, Error> {
    let markers = project_markers(folder);
    if markers.is_empty() {
        return Ok(None);
    }
    let found = candidates(folder);
    match found.len() {
        1 => Ok(found.into_iter().next()),
        0 => {
            let mut looked: Vec<PathBuf> = BUILD_FOLDERS.iter().map(PathBuf::from).collect();
            looked.push(PathBuf::from(PUBLIC_FOLDER));
            let next_hint = if folder.join(".next").is_dir() {
                " .next/ is Next.js's server build, not a site to audit; a static export (`output: 'export'`) is written to out/."
            } else {
                ""
            };
            Err(Error::Usage(format!(
                "this folder looks like a project ({}) but has no build folder with pages, scripts or stylesheets (looked for {} — public/ only with an index.html).{next_hint} Build the app first, or name the folder to audit: `webaudit PATH`",
                markers.join(", "),
                listed(&looked)
            )))
        }
        _ => Err(Error::Usage(format!(
            "this folder looks like a project ({}) and has several build folders: {}; name the one to audit, e.g. `webaudit {}`",
            markers.join(", "),
            listed(&found),
            found[0].display()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn public_counts_only_without_another_build_folder() {
        let project = tempfile::tempdir().unwrap();
        let root = project.path();
        write(&root.join("package.json"), "{}");
        write(&root.join("public/index.html"), "<!doctype html>");
        assert_eq!(detect(root).unwrap(), Some(PathBuf::from("public")));
        write(&root.join("build/static/js/main.js"), "console.log(1)");
        assert_eq!(detect(root).unwrap(), Some(PathBuf::from("build")));
    }

    #[test]
    fn a_folder_that_is_not_a_project_is_audited_as_it_is() {
        let site = tempfile::tempdir().unwrap();
        write(&site.path().join("index.html"), "<!doctype html>");
        write(&site.path().join("dist/a.js"), "1");
        assert_eq!(detect(site.path()).unwrap(), None);
    }

    #[test]
    fn an_empty_or_unbuilt_project_says_what_was_looked_for() {
        let project = tempfile::tempdir().unwrap();
        let root = project.path();
        write(&root.join("src/main.ts"), "export {}");
        std::fs::create_dir_all(root.join("dist")).unwrap();
        std::fs::create_dir_all(root.join(".next/server")).unwrap();
        let message = detect(root).unwrap_err().to_string();
        assert!(
            message.contains("src/") && message.contains("dist/"),
            "{message}"
        );
        assert!(message.contains("out/"), "{message}");
        assert!(message.contains(".next/"), "{message}");
    }
}
