use std::collections::{BTreeMap, BTreeSet};

use super::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::knowledge::PackageInfo;
use crate::model::facts::Facts;
use crate::model::finding::Violation;
use crate::size::human;

/// Two occurrences of one copy signature are two copies only when at least this share of the
/// library's minified size (`typical_raw_bytes`) lies between them: the same string in two
/// copies sits about one copy apart, while two occurrences closer than that are one module
/// body (a string a build repeats). A quarter leaves room for older, smaller releases.
pub const MIN_COPY_SEPARATION_SHARE: f64 = 0.25;

/// The separation required when the knowledge base has no measured size for the library (a
/// user's entry): no library worth a copy signature is smaller than this.
pub const MIN_COPY_SEPARATION_BYTES: u64 = 1024;

declare_rule! {
    /// ## What it does
    /// Finds a known library bundled more than once in bundles that have no source map, by
    /// counting its copy signatures: strings that occur exactly once in every copy of the
    /// library (checked by the knowledge script, `measure.py --derive-copies`, on the
    /// library's real builds, older releases among them). A chunk holds N copies when each of
    /// the library's copy signatures occurs N times in it, each occurrence at least a quarter
    /// of the library's minified size from the previous one (closer occurrences are one module
    /// body). A part of a library (a few per-method modules) lacks most copy signatures and is
    /// not counted as a copy. The library must first be recognised by its signatures, as
    /// `tree-shaking/whole-library-bundled` does.
    ///
    /// It reports one finding per library per chunk holding two or more copies, and one per
    /// group of chunks that a page loads together (its initial and lazy scripts) holding
    /// copies between them. Where the library embeds its version, the version of each copy is
    /// read beside a string found once per copy (its version anchor) and named.
    ///
    /// The bytes wasted are an estimate: the extra copies at the library's typical minified
    /// size (`typical_raw_bytes`, measured for one release), each capped by its chunk's size
    /// shared among the chunk's copies. Bundles with a usable source map are not searched
    /// (their map names every package copy exactly): `bundle/duplicate-package` reports
    /// those, so a library is never reported by both rules for the same chunk. Knowledge-base
    /// entries of one family that share their copy signatures (highlight.js inside
    /// react-syntax-highlighter) are reported once, under the first name.
    ///
    /// ## Why is this bad?
    /// Users download, parse and run the same library twice. Without source maps nothing else
    /// shows it: the bundle simply looks large. Copies come from a dependency pinning another
    /// release, from an npm alias, or from a pre-bundled dependency that embeds its own copy.
    ///
    /// ## How to fix it
    /// Find who brings each copy (`npm ls <package>`, `npm explain <package>`), then make them
    /// share one release: widen or align the version ranges, `npm dedupe`, or force one with
    /// `overrides` (npm), `resolutions` (Yarn) or `pnpm.overrides`; alias the package to one
    /// path in the bundler (`resolve.alias`). A dependency that ships a pre-bundled copy needs
    /// its unbundled build, or a replacement. Building with source maps lets
    /// `bundle/duplicate-package` name the copies' install folders exactly.
    ///
    /// ## Options
    /// `[[knowledge.package]]` in webaudit.toml (`copy_signatures`, `version_anchor`,
    /// `typical_raw_bytes`).
    DuplicateCode {
        id: "bundle/duplicate-code",
        summary: "The same library bundled more than once, found without source maps by strings each copy holds once",
        severity: Warning,
    }
}

/// The copies of one library in one chunk.
struct ChunkCopies<'a> {
    path: &'a str,
    copies: usize,
    versions: Vec<&'a str>,
    /// Estimated raw bytes of one copy here: the library's typical size, capped by the chunk's
    /// size shared among its copies.
    copy_bytes: u64,
}

impl Rule for DuplicateCode {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &RuleContext, found: &mut Vec<Violation>) {
        // package -> chunks holding at least one whole copy, in path order
        let mut by_package: BTreeMap<&str, Vec<ChunkCopies>> = BTreeMap::new();
        for asset in context.assets {
            let Facts::Script(script) = &asset.facts else {
                continue;
            };
            for hit in &script.signatures {
                let Some(package) = context.knowledge.get(&hit.package) else {
                    continue;
                };
                let copies = hit.copy_count(&package.copy_signatures, min_separation(package));
                if copies == 0 {
                    continue;
                }
                let shared = asset.raw / copies as u64;
                let copy_bytes = match package.typical_raw_bytes {
                    0 => shared,
                    typical => typical.min(shared),
                };
                by_package
                    .entry(&package.name)
                    .or_default()
                    .push(ChunkCopies {
                        path: &asset.path,
                        copies,
                        versions: hit.distinct_versions(),
                        copy_bytes,
                    });
            }
        }
        let page_scripts: Vec<BTreeSet<&str>> = context.site.scripts_per_page();
        // Entries of one family share their copy signatures (react-syntax-highlighter bundles
        // highlight.js): the same copies are reported once, under the first name.
        let mut reported: BTreeSet<(Vec<&str>, Vec<&str>)> = BTreeSet::new();
        for (name, chunks) in by_package {
            let Some(package) = context.knowledge.get(name) else {
                continue;
            };
            let mut strings: Vec<&str> =
                package.copy_signatures.iter().map(String::as_str).collect();
            strings.sort_unstable();
            let groups = loaded_together(&chunks, &page_scripts);
            let grouped: BTreeSet<&str> = groups.iter().flatten().copied().collect();
            for chunk in chunks.iter().filter(|c| c.copies >= 2) {
                if !grouped.contains(chunk.path)
                    && reported.insert((strings.clone(), vec![chunk.path]))
                {
                    found.push(in_one_chunk(package, chunk));
                }
            }
            for group in groups {
                if !reported.insert((strings.clone(), group.iter().copied().collect())) {
                    continue;
                }
                let members: Vec<&ChunkCopies> =
                    chunks.iter().filter(|c| group.contains(&c.path)).collect();
                found.push(across_chunks(package, &members));
            }
        }
    }
}

fn min_separation(package: &PackageInfo) -> u64 {
    let share = (package.typical_raw_bytes as f64 * MIN_COPY_SEPARATION_SHARE) as u64;
    share.max(MIN_COPY_SEPARATION_BYTES)
}

/// The sets of two or more of `chunks` that one page loads together, each once; a set inside
/// another page's larger set is part of that one.
fn loaded_together<'a>(
    chunks: &[ChunkCopies<'a>],
    page_scripts: &[BTreeSet<&str>],
) -> Vec<BTreeSet<&'a str>> {
    let mut groups: Vec<BTreeSet<&'a str>> = Vec::new();
    for scripts in page_scripts {
        let group: BTreeSet<&'a str> = chunks
            .iter()
            .map(|c| c.path)
            .filter(|path| scripts.contains(path))
            .collect();
        if group.len() >= 2 && !groups.contains(&group) {
            groups.push(group);
        }
    }
    let all = groups.clone();
    groups.retain(|group| {
        !all.iter()
            .any(|other| other != group && group.is_subset(other))
    });
    groups
}

/// How the versions of copies read: `versions 4.17.21 and 4.17.15`, or what is unknown.
fn versions_note(versions: &[&str], copies: usize) -> String {
    match versions.len() {
        0 => "no version readable in the code".to_string(),
        1 if copies > 1 => format!(
            "version {} read for one, the same or unreadable for the others",
            versions[0]
        ),
        1 => format!("version {}", versions[0]),
        _ => {
            let (last, first) = versions.split_last().unwrap_or((&"", &[]));
            format!("versions {} and {last}", first.join(", "))
        }
    }
}

fn estimate_note(package: &PackageInfo) -> String {
    if package.typical_raw_bytes > 0 {
        format!(
            "an estimate at the library's typical size of {} raw per copy",
            human(package.typical_raw_bytes)
        )
    } else {
        "an estimate: the chunk's size shared among its copies".to_string()
    }
}

fn in_one_chunk(package: &PackageInfo, chunk: &ChunkCopies) -> Violation {
    let extra = chunk.copies as u64 - 1;
    let wasted = extra * chunk.copy_bytes;
    Violation {
        path: Some(chunk.path.to_string()),
        message: format!(
            "lower confidence (no source map): {} is bundled {} times in this chunk ({}), each of its {} copy signatures found {} times far apart; the extra {} about {} raw ({}). {}",
            package.name,
            chunk.copies,
            versions_note(&chunk.versions, chunk.copies),
            package.copy_signatures.len(),
            chunk.copies,
            if extra == 1 {
                "copy costs"
            } else {
                "copies cost"
            },
            human(wasted),
            estimate_note(package),
            fix_hint(package)
        ),
        actual: Some(chunk.copies as u64 * chunk.copy_bytes),
        saving: Some(wasted),
        ..Violation::default()
    }
}

fn across_chunks(package: &PackageInfo, members: &[&ChunkCopies]) -> Violation {
    // Every copy's estimated bytes; the largest is the one to keep.
    let mut copies: Vec<u64> = members
        .iter()
        .flat_map(|c| std::iter::repeat_n(c.copy_bytes, c.copies))
        .collect();
    copies.sort_unstable();
    let total: u64 = copies.iter().sum();
    let wasted = total - copies.last().copied().unwrap_or(0);
    let count = copies.len();
    let versions: Vec<&str> = members
        .iter()
        .flat_map(|c| c.versions.iter().copied())
        .collect::<BTreeSet<&str>>()
        .into_iter()
        .collect();
    let listed: Vec<String> = members
        .iter()
        .map(|c| {
            let versions = if c.versions.is_empty() {
                String::new()
            } else {
                format!(", {}", c.versions.join(", "))
            };
            let times = if c.copies == 1 {
                "1 copy".to_string()
            } else {
                format!("{} copies", c.copies)
            };
            format!("{} ({times}{versions})", c.path)
        })
        .collect();
    Violation {
        path: members.first().map(|c| c.path.to_string()),
        message: format!(
            "lower confidence (no source map): {} is bundled {count} times in chunks a page loads together: {} ({}); the extra {} about {} raw ({}). {}",
            package.name,
            listed.join(", "),
            versions_note(&versions, count),
            if count == 2 {
                "copy costs"
            } else {
                "copies cost"
            },
            human(wasted),
            estimate_note(package),
            fix_hint(package)
        ),
        actual: Some(total),
        saving: Some(wasted),
        ..Violation::default()
    }
}

fn fix_hint(package: &PackageInfo) -> String {
    format!(
        "Make every dependency share one release of `{}` (`npm ls {}`, then `overrides`/`resolutions` or a bundler alias).",
        package.name, package.name
    )
}

#[cfg(test)]
mod tests {
    use crate::knowledge::Knowledge;
    use crate::rules::tester::{Folder, module_code};

    const RULE: &str = "bundle/duplicate-code";

    /// One copy of lodash as a minified bundle holds it: its signatures, its copy signatures
    /// spread over about the library's typical size, and its version literal beside the
    /// version anchor (all taken from the knowledge base, not written here).
    fn lodash_copy(version: &str, seed: &str) -> String {
        let knowledge = Knowledge::built_in();
        let lodash = knowledge
            .get("lodash")
            .expect("lodash is in the knowledge base");
        assert!(
            lodash.copy_signatures.len() >= 2 && !lodash.version_anchor.is_empty(),
            "lodash has copy signatures and a version anchor"
        );
        // At least the typical size, so the estimate is the typical size, not the chunk share.
        let filler = lodash.typical_raw_bytes as usize / lodash.copy_signatures.len();
        let mut code = format!(
            "var {seed}v=\"{version}\",{seed}a=\"{}\";",
            lodash.version_anchor
        );
        for (index, signature) in lodash.signatures.iter().enumerate() {
            code.push_str(&format!("var {seed}s{index}=\"{signature}\";"));
        }
        for (index, signature) in lodash.copy_signatures.iter().enumerate() {
            if !lodash.signatures.contains(signature) && *signature != lodash.version_anchor {
                code.push_str(&format!("var {seed}c{index}=\"{signature}\";"));
            }
            code.push_str(&module_code(&format!("{seed}m{index}"), filler));
        }
        code
    }

    fn page(scripts: &[&str]) -> String {
        let tags: String = scripts
            .iter()
            .map(|s| format!("<script type=\"module\" src=\"/{s}\"></script>"))
            .collect();
        format!("<!doctype html><html><head>{tags}</head><body></body></html>")
    }

    #[test]
    fn passes_for_one_copy_in_a_chunk() {
        Folder::new()
            .file("index.html", page(&["assets/index.js"]))
            .file(
                "assets/index.js",
                lodash_copy("4.17.21", "a") + &module_code("app", 5_000),
            )
            .passes(RULE);
    }

    #[test]
    fn fails_for_two_copies_in_one_chunk_naming_both_versions() {
        let folder = Folder::new()
            .file("index.html", page(&["assets/index.js"]))
            .file(
                "assets/index.js",
                lodash_copy("4.17.21", "a") + &lodash_copy("4.17.15", "b"),
            );
        let findings = folder.findings_of(RULE);
        assert_eq!(findings.len(), 1, "{findings:?}");
        let finding = &findings[0];
        assert_eq!(finding.path.as_deref(), Some("assets/index.js"));
        assert!(
            finding.message.contains("bundled 2 times"),
            "{}",
            finding.message
        );
        assert!(
            finding.message.contains("4.17.21") && finding.message.contains("4.17.15"),
            "{}",
            finding.message
        );
        let typical = Knowledge::built_in()
            .get("lodash")
            .unwrap()
            .typical_raw_bytes;
        assert_eq!(finding.saving, Some(typical));
    }

    #[test]
    fn fails_for_copies_in_two_chunks_one_page_loads() {
        let folder = Folder::new()
            .file("index.html", page(&["assets/index.js", "assets/vendor.js"]))
            .file("assets/index.js", lodash_copy("4.17.21", "a"))
            .file("assets/vendor.js", lodash_copy("4.17.21", "b"));
        let findings = folder.findings(RULE);
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert!(
            findings[0].contains("assets/index.js (1 copy, 4.17.21)")
                && findings[0].contains("assets/vendor.js (1 copy, 4.17.21)"),
            "{}",
            findings[0]
        );
    }

    #[test]
    fn passes_for_copies_in_chunks_of_different_pages() {
        // Two apps in one folder, each with its own copy: no visit loads both.
        Folder::new()
            .file("a/index.html", page(&["a/app.js"]))
            .file("b/index.html", page(&["b/app.js"]))
            .file("a/app.js", lodash_copy("4.17.21", "a"))
            .file("b/app.js", lodash_copy("4.17.15", "b"))
            .passes(RULE);
    }

    #[test]
    fn passes_when_a_copy_signature_repeats_close_together() {
        // One copy, then a second run of every copy signature within a few bytes of the first:
        // one module body repeating strings, not a second copy.
        let knowledge = Knowledge::built_in();
        let lodash = knowledge.get("lodash").unwrap();
        let repeated: String = lodash
            .copy_signatures
            .iter()
            .map(|s| format!("x[\"{s}\"]=1;"))
            .collect();
        Folder::new()
            .file("index.html", page(&["assets/index.js"]))
            .file(
                "assets/index.js",
                repeated.clone() + &repeated + &lodash_copy("4.17.21", "a")[..],
            )
            .passes(RULE);
    }

    #[test]
    fn passes_for_a_part_of_the_library_beside_a_copy() {
        // A copy plus per-method modules carrying the signatures again (as lodash/memoize and
        // lodash/uniq do) but not the strings of the whole library: one copy.
        let knowledge = Knowledge::built_in();
        let lodash = knowledge.get("lodash").unwrap();
        let part: String = lodash
            .signatures
            .iter()
            .map(|s| format!("var h=\"{s}\";{}", module_code("p", 40_000)))
            .collect();
        Folder::new()
            .file("index.html", page(&["assets/index.js"]))
            .file("assets/index.js", part + &lodash_copy("4.17.21", "a"))
            .passes(RULE);
    }
}
