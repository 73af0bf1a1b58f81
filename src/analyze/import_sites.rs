//! "Why is this package here?": the lines of the app's own code that import each npm package,
//! read from the original sources a source map carries in `sourcesContent`.
//!
//! Only first-party sources are read (outside `node_modules`, not a bundler's virtual module:
//! [`super::sourcemap`] picks them while it parses the map for attribution, and hands their
//! `sourcesContent` entries over as raw JSON text, so no package's code is ever decoded). Each
//! is scanned for static imports, re-exports, `import()` and `require()` like any script
//! ([`super::js::analyze`]: the module lexer, or swc for TypeScript and JSX); Vue and Svelte
//! single-file components and Astro pages have their `<script>` blocks (and Astro's frontmatter)
//! scanned at their place in the file. A specifier that names a package (`lodash/debounce`,
//! `@scope/pkg/x`) gives a site; relative paths, URLs, `node:` built-ins and `#` subpath imports
//! do not. A first-party file that re-exports a package counts as its importer; the files that
//! import it through that file do not (they never name the package).
//!
//! Maps built without `sourcesContent` (`sourcemapExcludeSources`, webpack's
//! `nosources-source-map`) still name the sources: those that are files of the repository are
//! read from disk instead, once the analysis is done ([`RepositorySources`]).

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use std::path::{Path, PathBuf};

use serde_json::value::RawValue;

use crate::model::facts::sourcemap::{ImportSite, ImportSites};

/// A first-party source whose `sourcesContent` entry is longer than this (as JSON text) is not
/// read: hand-written modules are far smaller, and a larger one is generated data.
pub const MAX_SOURCE_CONTENT_BYTES: usize = 2 * 1024 * 1024;

/// Most import sites kept per source map; further ones are only counted.
pub const MAX_SITES_PER_MAP: usize = 20_000;

/// Most `<script>` blocks read in one single-file component.
const MAX_SCRIPT_BLOCKS: usize = 8;

/// Most first-party sources without `sourcesContent` one map lists for reading from the
/// repository.
pub const MAX_SOURCES_WITHOUT_CONTENT: usize = 20_000;

/// Import sites of `sources` (resolved name, raw JSON string of its content), in their order.
pub fn find(sources: &[(String, &RawValue)]) -> ImportSites {
    let mut found = ImportSites::default();
    let mut seen: HashSet<&str> = HashSet::new();
    for (name, content) in sources {
        if !seen.insert(name.as_str()) || !scannable(name) {
            continue;
        }
        let raw = content.get();
        if raw.len() > MAX_SOURCE_CONTENT_BYTES {
            found.unread_sources += 1;
            continue;
        }
        if !may_import(raw.as_bytes()) {
            continue;
        }
        let Ok(text) = serde_json::from_str::<String>(raw) else {
            found.unread_sources += 1;
            continue;
        };
        scan_into(name, &text, &mut found);
    }
    found
}

/// Most modules that import nothing say neither word: they are not decoded or parsed.
fn may_import(bytes: &[u8]) -> bool {
    memchr::memmem::find(bytes, b"import").is_some()
        || memchr::memmem::find(bytes, b"require").is_some()
}

/// Whether a source of this name is code whose imports can be read.
fn scannable(name: &str) -> bool {
    extension_of(name).is_some_and(|extension| {
        matches!(extension.as_str(), "vue" | "svelte" | "astro")
            || super::js::EXTENSIONS.contains(&extension.as_str())
    })
}

/// Adds the import sites of the source `name` whose text is `text` to `found`.
fn scan_into(name: &str, text: &str, found: &mut ImportSites) {
    let Some(extension) = extension_of(name) else {
        return;
    };
    let blocks = match extension.as_str() {
        "vue" | "svelte" | "astro" => script_blocks(text, &extension),
        known if super::js::EXTENSIONS.contains(&known) => vec![Block {
            first_line: 0,
            code: text,
            extension: known.to_string(),
        }],
        // Stylesheets, JSON, images… import nothing a bundle counts as a package.
        _ => return,
    };
    for block in blocks {
        let Some(imports) = imports_of(&block) else {
            found.unread_sources += 1;
            continue;
        };
        for import in imports.into_iter().filter(|i| !i.type_only) {
            let Some(package) = package_of_specifier(&import.specifier) else {
                continue;
            };
            // `import React, { useState } from 'react'` is two imports of one line: one site.
            let same_line = found.sites.last().is_some_and(|last| {
                last.source == name
                    && last.line == import.line.saturating_add(block.first_line)
                    && last.specifier == import.specifier
            });
            if same_line {
                continue;
            }
            if found.sites.len() >= MAX_SITES_PER_MAP {
                found.left_out += 1;
                continue;
            }
            found.sites.push(ImportSite {
                source: name.to_string(),
                line: import.line.saturating_add(block.first_line),
                column: import.column,
                package: package.to_string(),
                specifier: import.specifier,
            });
        }
    }
}

/// The imports of a block of code, `None` when it does not parse. The module lexer is tried
/// first whatever the language: it reads TypeScript without JSX (most `.ts` files) an order of
/// magnitude faster than swc parses it, and gives up on what it cannot read (JSX markup), which
/// swc then parses. The lexer does not know `import type`: such statements are dropped here.
fn imports_of(block: &Block<'_>) -> Option<Vec<super::js::Import>> {
    if let Ok(imports) = super::js_scan::scan(block.code.as_bytes()) {
        let typescript = matches!(block.extension.as_str(), "ts" | "tsx" | "mts" | "cts");
        return Some(if typescript {
            without_type_imports(imports, block.code)
        } else {
            imports
        });
    }
    let facts = super::js::analyze(&block.extension, block.code.as_bytes());
    facts.problem.is_none().then_some(facts.imports)
}

/// `imports` as the lexer read them from TypeScript, without those of `import type { … }` and
/// `import type * as …` statements (the lexer takes `type` for a default import's name).
fn without_type_imports(imports: Vec<super::js::Import>, code: &str) -> Vec<super::js::Import> {
    use super::js::ImportForm;
    let lines: Vec<&str> = code.lines().collect();
    let type_only: HashSet<(u32, String)> = imports
        .iter()
        .filter(|import| import.form == ImportForm::Default)
        .filter(|import| {
            let Some(line) = lines.get(import.line.saturating_sub(1) as usize) else {
                return false;
            };
            let at: String = line
                .chars()
                .skip(import.column.saturating_sub(1) as usize)
                .collect();
            at.strip_prefix("type")
                .is_some_and(|rest| rest.trim_start().starts_with(['{', '*']))
        })
        .map(|import| (import.line, import.specifier.clone()))
        .collect();
    if type_only.is_empty() {
        return imports;
    }
    imports
        .into_iter()
        .filter(|import| !type_only.contains(&(import.line, import.specifier.clone())))
        .collect()
}

/// The app's sources read from the repository's files, for maps that name them without
/// `sourcesContent`. Only files inside the repository are read (a map is input, and may name
/// `/etc/passwd`), only code (by extension), at most [`MAX_SOURCE_CONTENT_BYTES`] each, and each
/// once, however many maps name it. Not cached with the facts: the files can change without
/// the bundle changing.
pub struct RepositorySources<'a> {
    audited_root: &'a Path,
    repository: Option<&'a Path>,
    read: HashMap<String, Vec<ImportSite>>,
    /// Folders of the sources named so far, resolved (`None`: they do not resolve).
    folders: HashMap<PathBuf, Option<PathBuf>>,
}

impl<'a> RepositorySources<'a> {
    /// `audited_root`: the audited folder (source names are relative to it); `repository`: the
    /// canonical repository root, `None` to read nothing.
    pub fn new(audited_root: &'a Path, repository: Option<&'a Path>) -> RepositorySources<'a> {
        RepositorySources {
            audited_root,
            repository,
            read: HashMap::new(),
            folders: HashMap::new(),
        }
    }

    /// The import sites of the source named `name` (resolved as maps' sources are), read from
    /// its file when that is a file of the repository; empty otherwise.
    pub fn sites_of(&mut self, name: &str) -> &[ImportSite] {
        if !self.read.contains_key(name) {
            let sites = self.read_sites(name);
            self.read.insert(name.to_string(), sites);
        }
        self.read.get(name).map_or(&[], Vec::as_slice)
    }

    /// `candidate` with every link and `.`/`..` resolved, as `canonicalize` gives it, and the
    /// metadata of what it names. Maps name hundreds of sources in a few folders: each folder
    /// is resolved once, and each file costs one `lstat` (a link is resolved whole), where
    /// `canonicalize` looks up every component of every path again.
    fn resolve(&mut self, candidate: &Path) -> Option<(PathBuf, std::fs::Metadata)> {
        let whole = || {
            let canonical = candidate.canonicalize().ok()?;
            let metadata = std::fs::metadata(&canonical).ok()?;
            Some((canonical, metadata))
        };
        let (Some(parent), Some(std::path::Component::Normal(file_name))) =
            (candidate.parent(), candidate.components().next_back())
        else {
            return whole();
        };
        // `components` drops a trailing `/`, which `canonicalize` would refuse after a file.
        if candidate.as_os_str().as_encoded_bytes().ends_with(b"/") {
            return whole();
        }
        let folder = match self.folders.get(parent) {
            Some(folder) => folder.clone(),
            None => {
                let folder = parent.canonicalize().ok();
                self.folders.insert(parent.to_path_buf(), folder.clone());
                folder
            }
        }?;
        let joined = folder.join(file_name);
        let metadata = std::fs::symlink_metadata(&joined).ok()?;
        if metadata.file_type().is_symlink() {
            let canonical = joined.canonicalize().ok()?;
            let metadata = std::fs::metadata(&canonical).ok()?;
            return Some((canonical, metadata));
        }
        Some((joined, metadata))
    }

    fn read_sites(&mut self, name: &str) -> Vec<ImportSite> {
        let Some(repository) = self.repository else {
            return Vec::new();
        };
        if !scannable(name) || name.contains('\0') {
            return Vec::new();
        }
        let candidate = if Path::new(name).is_absolute() {
            PathBuf::from(name)
        } else {
            self.audited_root.join(name)
        };
        let Some((canonical, metadata)) = self.resolve(&candidate) else {
            return Vec::new();
        };
        if !canonical.starts_with(repository) {
            return Vec::new();
        }
        if !metadata.is_file() || metadata.len() > MAX_SOURCE_CONTENT_BYTES as u64 {
            return Vec::new();
        }
        let Ok(bytes) = std::fs::read(&canonical) else {
            return Vec::new();
        };
        let Ok(text) = String::from_utf8(bytes) else {
            return Vec::new();
        };
        if !may_import(text.as_bytes()) {
            return Vec::new();
        }
        let mut found = ImportSites::default();
        scan_into(name, &text, &mut found);
        found.sites
    }
}

/// The npm package a bare module specifier names: `lodash/debounce` → `lodash`,
/// `@scope/pkg/x` → `@scope/pkg`. `None` for relative and absolute paths, URLs and other
/// schemes (`node:fs`, `virtual:x`), `#` subpath imports and aliases that cannot be package
/// names (`@/components`, `~/lib`).
pub fn package_of_specifier(specifier: &str) -> Option<&str> {
    let first = specifier.chars().next()?;
    if !(first.is_ascii_alphanumeric() || first == '@') {
        return None;
    }
    let mut parts = specifier.splitn(3, '/');
    let head = parts.next()?;
    if head.contains(':') {
        return None;
    }
    let end = if let Some(scope) = head.strip_prefix('@') {
        let name = parts.next()?;
        if scope.is_empty() || name.is_empty() || name.contains(':') {
            return None;
        }
        head.len() + 1 + name.len()
    } else {
        head.len()
    };
    let package = &specifier[..end];
    // npm names are URL-safe and have no spaces; anything else is not a package.
    let valid = package
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'@' | b'/' | b'~'));
    valid.then_some(package)
}

/// The lower-case extension of a source name, its query (`App.vue?vue&type=script`) left out.
fn extension_of(name: &str) -> Option<String> {
    let path = name.split(['?', '#']).next().unwrap_or(name);
    let file = path.rsplit('/').next().unwrap_or(path);
    let (_, extension) = file.rsplit_once('.')?;
    Some(extension.to_ascii_lowercase())
}

/// Code inside a larger file, and where it starts.
struct Block<'a> {
    /// Lines of the file before the block's first line.
    first_line: u32,
    code: &'a str,
    extension: String,
}

/// The `<script>` blocks of a Vue or Svelte component or Astro page, and an Astro page's
/// frontmatter (between its first two `---` lines).
fn script_blocks<'a>(text: &'a str, extension: &str) -> Vec<Block<'a>> {
    let mut blocks = Vec::new();
    let lines_before =
        |offset: usize| memchr::memchr_iter(b'\n', &text.as_bytes()[..offset]).count();
    if extension == "astro"
        && let Some(rest) = text.trim_start().strip_prefix("---")
    {
        let start = text.len() - rest.len();
        if let Some(end) = rest.find("\n---") {
            blocks.push(Block {
                first_line: lines_before(start) as u32,
                code: &rest[..end],
                extension: "ts".to_string(),
            });
        }
    }
    let mut from = 0;
    while blocks.len() < MAX_SCRIPT_BLOCKS {
        let Some(open) = find_ascii_case_insensitive(&text[from..], "<script").map(|i| from + i)
        else {
            break;
        };
        let Some(tag_end) = text[open..].find('>').map(|i| open + i) else {
            break;
        };
        let tag = &text[open..tag_end];
        let body_start = tag_end + 1;
        let Some(close) =
            find_ascii_case_insensitive(&text[body_start..], "</script").map(|i| body_start + i)
        else {
            break;
        };
        let typescript = [
            "lang=\"ts\"",
            "lang='ts'",
            "lang=ts",
            "lang=\"tsx\"",
            "lang='tsx'",
        ]
        .iter()
        .any(|attribute| tag.contains(attribute));
        let jsx = tag.contains("tsx");
        blocks.push(Block {
            first_line: lines_before(body_start) as u32,
            code: &text[body_start..close],
            extension: match (typescript, jsx) {
                (true, true) => "tsx",
                (true, false) => "ts",
                _ => "js",
            }
            .to_string(),
        });
        from = close;
    }
    blocks
}

fn find_ascii_case_insensitive(haystack: &str, needle: &str) -> Option<usize> {
    let needle = needle.as_bytes();
    haystack
        .as_bytes()
        .windows(needle.len())
        .position(|window| window.eq_ignore_ascii_case(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sites_of(name: &str, code: &str) -> Vec<(u32, String, String)> {
        let json = serde_json::to_string(code).unwrap();
        let raw = RawValue::from_string(json).unwrap();
        find(&[(name.to_string(), &raw)])
            .sites
            .into_iter()
            .map(|s| (s.line, s.specifier, s.package))
            .collect()
    }

    #[cfg(unix)]
    #[test]
    fn repository_sources_are_read_only_inside_the_repository_through_any_link() {
        use std::os::unix::fs::symlink;
        let outside = tempfile::tempdir().unwrap();
        let repository = tempfile::tempdir().unwrap();
        let repository = repository.path().canonicalize().unwrap();
        let dist = repository.join("dist");
        let importing = "import _ from 'lodash';\n";
        std::fs::create_dir_all(&dist).unwrap();
        std::fs::create_dir_all(repository.join("src/deep")).unwrap();
        std::fs::write(repository.join("src/a.ts"), importing).unwrap();
        std::fs::write(repository.join("src/deep/b.ts"), importing).unwrap();
        std::fs::write(outside.path().join("secret.ts"), importing).unwrap();
        // A link inside the repository to a file outside it, and one to a file inside it.
        symlink(
            outside.path().join("secret.ts"),
            repository.join("src/leak.ts"),
        )
        .unwrap();
        symlink(repository.join("src/a.ts"), repository.join("src/alias.ts")).unwrap();
        // A folder that is a link out of the repository.
        symlink(outside.path(), repository.join("src/away")).unwrap();
        std::fs::create_dir(repository.join("src/folder.ts")).unwrap();

        let mut sources = RepositorySources::new(&dist, Some(&repository));
        let packages = |sources: &mut RepositorySources, name: &str| -> Vec<String> {
            sources
                .sites_of(name)
                .iter()
                .map(|s| s.package.clone())
                .collect()
        };
        for name in [
            "../src/a.ts",
            "../src/deep/b.ts",
            "../src/deep/../a.ts",
            "../src/alias.ts",
        ] {
            assert_eq!(packages(&mut sources, name), ["lodash"], "{name}");
        }
        let absolute = repository.join("src/a.ts");
        assert_eq!(
            packages(&mut sources, absolute.to_str().unwrap()),
            ["lodash"]
        );
        for name in [
            "../src/leak.ts",
            "../src/away/secret.ts",
            "../src/missing.ts",
            "../nowhere/a.ts",
            "../src/folder.ts",
            "../src/a.ts/",
            "../src/a.ts/..",
        ] {
            assert!(packages(&mut sources, name).is_empty(), "{name}");
        }
        let outside_file = outside.path().join("secret.ts");
        assert!(packages(&mut sources, outside_file.to_str().unwrap()).is_empty());
        // Without a repository nothing is read.
        let mut none = RepositorySources::new(&dist, None);
        assert!(packages(&mut none, "../src/a.ts").is_empty());
    }

    #[test]
    fn specifiers_name_their_package() {
        assert_eq!(package_of_specifier("lodash"), Some("lodash"));
        assert_eq!(package_of_specifier("lodash/debounce"), Some("lodash"));
        assert_eq!(package_of_specifier("@scope/pkg/x/y"), Some("@scope/pkg"));
        assert_eq!(package_of_specifier("@scope/pkg"), Some("@scope/pkg"));
        for not_a_package in [
            "./a.js",
            "../b",
            "/abs",
            "#internal",
            "node:fs",
            "virtual:x",
            "@/components/A",
            "~/lib",
            "@scope",
            "https://cdn.example/x.js",
            "",
            "a b",
        ] {
            assert_eq!(package_of_specifier(not_a_package), None, "{not_a_package}");
        }
    }

    #[test]
    fn every_form_of_import_is_a_site_with_its_line() {
        let code = "import a, { b as c } from 'lodash';\nexport { b } from \"@scope/pkg/x\";\nconst c = require('moment');\nconst d = () => import('chart.js/auto');\nimport './local.js';\nimport type { T } from 'types-only';\n";
        assert_eq!(
            sites_of("../src/a.ts", code),
            vec![
                (1, "lodash".into(), "lodash".into()),
                (2, "@scope/pkg/x".into(), "@scope/pkg".into()),
                (3, "moment".into(), "moment".into()),
                (4, "chart.js/auto".into(), "chart.js".into()),
            ]
        );
    }

    #[test]
    fn type_only_imports_are_not_sites() {
        let code = "import type { A } from 'types-a';\nimport type * as B from 'types-b';\nimport { type C, d } from 'mixed';\nexport type { E } from 'types-e';\nconst x: A = d as unknown as A;\n";
        assert_eq!(
            sites_of("src/a.ts", code),
            vec![(3, "mixed".into(), "mixed".into())]
        );
    }

    #[test]
    fn jsx_sources_are_parsed() {
        let code = "import { useState } from 'react';\nexport const A = () => <div>{useState(1)[0]}</div>;\n";
        assert_eq!(
            sites_of("src/A.jsx", code),
            vec![(1, "react".into(), "react".into())]
        );
    }

    #[test]
    fn component_scripts_are_read_at_their_line() {
        let code = "<template>\n  <p>{{ x }}</p>\n</template>\n<script setup lang=\"ts\">\nimport { ref } from 'vue';\nconst x: number = ref(1).value;\n</script>\n";
        assert_eq!(
            sites_of("../src/App.vue", code),
            vec![(5, "vue".into(), "vue".into())]
        );
        let astro = "---\nimport dayjs from 'dayjs';\n---\n<p>{dayjs().year()}</p>\n";
        assert_eq!(
            sites_of("src/pages/index.astro", astro),
            vec![(2, "dayjs".into(), "dayjs".into())]
        );
    }

    #[test]
    fn unreadable_sources_are_counted_not_fatal() {
        let json = serde_json::to_string("import { from 'lodash'").unwrap();
        let raw = RawValue::from_string(json).unwrap();
        let found = find(&[("src/broken.ts".to_string(), &raw)]);
        assert!(found.sites.is_empty());
        assert_eq!(found.unread_sources, 1);
        let big = serde_json::to_string(&format!(
            "import 'lodash';{}",
            " ".repeat(MAX_SOURCE_CONTENT_BYTES)
        ))
        .unwrap();
        let raw = RawValue::from_string(big).unwrap();
        let found = find(&[("src/big.js".to_string(), &raw)]);
        assert!(found.sites.is_empty());
        assert_eq!(found.unread_sources, 1);
    }

    #[test]
    fn styles_and_data_are_not_scanned() {
        assert!(sites_of("src/a.css", "@import 'normalize.css';").is_empty());
        assert!(sites_of("src/a.json", "{\"import\": \"lodash\"}").is_empty());
    }
}
