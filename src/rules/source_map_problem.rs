use super::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::analyze::{Facts, MapLink};
use crate::model::finding::Violation;

declare_rule! {
    /// ## What it does
    /// Reports source maps that webaudit could not use to attribute a bundle's bytes: a
    /// `sourceMappingURL` naming a missing file or a place outside the audited folder, a map that
    /// is not a version-3 source map, and maps that do not match their bundle (mappings past the
    /// end of the file or of a line, bad source indexes, broken encoding). webaudit never reads
    /// the original sources a map names, so a map pointing outside the folder is only a name.
    ///
    /// A column past the end of a script line that starts inside a multi-line template literal
    /// (or a string continued by a backslash) is not reported: minifiers have been seen to count
    /// a raw line break inside a literal as the two characters `\n`, so a few columns on the
    /// next line overrun while the map is otherwise exact. webaudit clamps those mappings to the
    /// line end, which moves at most a few bytes of attribution.
    ///
    /// ## Why is this bad?
    /// A broken or stale map hides what a bundle is made of (the tree-shaking and duplicate
    /// checks see nothing) and misleads every tool that uses it: error trackers, browser dev
    /// tools, bundle analysers. A mismatched map usually means the bundle was changed after the
    /// map was written (a second minifier, a banner added by hand).
    ///
    /// ## How to fix it
    /// Generate maps in the last step that changes the bundle, deploy them together, and keep
    /// the `sourceMappingURL` comment relative (`//# sourceMappingURL=index-3f2a.js.map`). If
    /// maps are deliberately not deployed, remove the comment too (Vite: `build.sourcemap:
    /// 'hidden'`).
    ///
    /// ## Options
    /// None.
    SourceMapProblem {
        id: "bundle/source-map",
        summary: "A source map that is missing, unreadable, invalid or does not match its bundle",
        severity: Warning,
    }
}

fn map_of(facts: &Facts) -> Option<&MapLink> {
    match facts {
        Facts::Script(script) => script.map.as_ref(),
        Facts::Stylesheet(style) => style.map.as_ref(),
        _ => None,
    }
}

impl Rule for SourceMapProblem {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &RuleContext, found: &mut Vec<Violation>) {
        // Files browsers never download (TypeScript sources and `.d.ts` declarations, whose
        // declaration maps point editors at sources) cost no visitor anything.
        for asset in context.assets.iter().filter(|a| a.counted()) {
            let Some(link) = map_of(&asset.facts) else {
                continue;
            };
            let map = link.path.as_deref().unwrap_or("inline map");
            match &link.attribution {
                // The reason names the map (or says it is inline / outside the folder).
                Err(why) => found.push(Violation {
                    path: Some(asset.path.clone()),
                    message: format!("source map not used: {why}"),
                    ..Violation::default()
                }),
                Ok(attribution) if !attribution.warnings.is_empty() => found.push(Violation {
                    path: Some(asset.path.clone()),
                    message: format!(
                        "source map {map} does not match this file: {}",
                        attribution.warnings.join("; ")
                    ),
                    ..Violation::default()
                }),
                Ok(_) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::tester::Folder;

    const RULE: &str = "bundle/source-map";

    /// A minified entry chunk: two modules on one line.
    const MAIN: &str = "function n(t){return t.filter(e=>e.done).length}";
    const APP: &str = "const o=document.getElementById(\"app\");o.textContent=`${n([])} done`;";

    /// The v3 map of `MAIN` + `APP` on one line: a segment at column 0 for src/count.ts and one
    /// where `APP` starts for src/main.ts.
    fn map() -> String {
        // The second segment: column +48 (VLQ "gD"), source +1 ("C"), original line and column
        // +0 ("AA").
        assert_eq!(MAIN.len(), 48);
        r#"{"version":3,"file":"index-BqP3xK9z.js","sources":["../../src/count.ts","../../src/main.ts"],"names":[],"mappings":"AAAA,gDCAA"}"#.to_string()
    }

    /// Standard base64 with padding, as bundlers write inline maps.
    fn base64(bytes: &[u8]) -> String {
        const DIGITS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut text = String::new();
        for group in bytes.chunks(3) {
            let n = group
                .iter()
                .enumerate()
                .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
            for i in 0..4 {
                if i <= group.len() {
                    text.push(DIGITS[(n >> (18 - 6 * i) & 63) as usize] as char);
                } else {
                    text.push('=');
                }
            }
        }
        text
    }

    fn bundle(comment: &str) -> String {
        format!("{MAIN}{APP}\n{comment}")
    }

    #[test]
    fn passes_for_a_map_that_matches_its_bundle() {
        let folder = Folder::new()
            .file(
                "assets/index-BqP3xK9z.js",
                bundle("//# sourceMappingURL=index-BqP3xK9z.js.map\n"),
            )
            .file("assets/index-BqP3xK9z.js.map", map());
        folder.passes(RULE);
        // Every byte of the code line goes to its module.
        folder.prepared(|prepared, _| {
            let attribution = crate::composition::attribution(&prepared.assets[0]).unwrap();
            let bytes: Vec<(&str, u64)> = attribution
                .sources
                .iter()
                .map(|s| (s.source.as_str(), s.bytes))
                .collect();
            assert_eq!(
                bytes,
                [
                    ("../src/main.ts", APP.len() as u64),
                    ("../src/count.ts", 48)
                ]
            );
        });
    }

    #[test]
    fn passes_for_declaration_files_browsers_never_download() {
        // `tsc --declarationMap` output shipped beside the bundle: `.d.ts` files are TypeScript
        // sources, never requested by a page, so their maps cost no visitor anything.
        Folder::new()
            .file(
                "types/index.d.ts",
                "export declare function mount(el: HTMLElement): void;\n//# sourceMappingURL=index.d.ts.map\n",
            )
            .file("types/index.d.ts.map", "{\"version\":3,\"file\":\"index.d.ts\"")
            .passes(RULE);
    }

    #[test]
    fn passes_for_bundles_without_a_map() {
        Folder::new()
            .file("assets/index-BqP3xK9z.js", bundle(""))
            .file("assets/index-C8mN2vQa.css", "body{margin:0}\n")
            .passes(RULE);
    }

    #[test]
    fn passes_for_a_sibling_map_without_a_comment() {
        // Vite's `build.sourcemap: 'hidden'`: the map is deployed, the comment is not.
        Folder::new()
            .file("assets/index-BqP3xK9z.js", bundle(""))
            .file("assets/index-BqP3xK9z.js.map", map())
            .passes(RULE);
    }

    #[test]
    fn passes_for_a_map_on_another_origin() {
        Folder::new()
            .file(
                "assets/index-BqP3xK9z.js",
                bundle("//# sourceMappingURL=https://sourcemaps.example.com/assets/index-BqP3xK9z.js.map\n"),
            )
            .passes(RULE);
    }

    #[test]
    fn passes_for_an_inline_map() {
        let inline = base64(map().as_bytes());
        Folder::new()
            .file(
                "assets/index-BqP3xK9z.js",
                bundle(&format!(
                    "//# sourceMappingURL=data:application/json;charset=utf-8;base64,{inline}\n"
                )),
            )
            .passes(RULE);
    }

    #[test]
    fn passes_for_a_stylesheet_and_its_map() {
        Folder::new()
            .file(
                "assets/index-C8mN2vQa.css",
                "body{margin:0}.btn{color:red}\n/*# sourceMappingURL=index-C8mN2vQa.css.map */\n",
            )
            .file(
                "assets/index-C8mN2vQa.css.map",
                r#"{"version":3,"sources":["../../src/base.css","../../src/button.css"],"names":[],"mappings":"AAAA,cCAA"}"#,
            )
            .passes(RULE);
    }

    #[test]
    fn finds_a_map_named_but_not_deployed() {
        let folder = Folder::new().file(
            "assets/index-BqP3xK9z.js",
            bundle("//# sourceMappingURL=index-BqP3xK9z.js.map\n"),
        );
        assert_eq!(
            folder.findings(RULE),
            [
                "assets/index-BqP3xK9z.js:-:-: source map not used: the source map assets/index-BqP3xK9z.js.map named by sourceMappingURL is missing"
            ]
        );
        assert_eq!(
            folder.findings_of(RULE)[0].severity,
            crate::model::finding::Severity::Warning
        );
    }

    #[test]
    fn finds_a_map_outside_the_audited_folder() {
        let folder = Folder::new().file(
            "index-BqP3xK9z.js",
            bundle("//# sourceMappingURL=../maps/index-BqP3xK9z.js.map\n"),
        );
        assert_eq!(
            folder.findings(RULE),
            [
                "index-BqP3xK9z.js:-:-: source map not used: sourceMappingURL \"../maps/index-BqP3xK9z.js.map\" points outside the audited folder; not read"
            ]
        );
    }

    #[test]
    fn finds_a_map_that_is_not_json() {
        // The host's 404 page, saved under the map's name.
        let folder = Folder::new()
            .file(
                "assets/index-BqP3xK9z.js",
                bundle("//# sourceMappingURL=index-BqP3xK9z.js.map\n"),
            )
            .file(
                "assets/index-BqP3xK9z.js.map",
                "<!DOCTYPE html><html><head><title>404</title></head><body>Not Found</body></html>",
            );
        assert_eq!(
            folder.findings(RULE),
            [
                "assets/index-BqP3xK9z.js:-:-: source map not used: not a usable JSON source map: expected value at line 1 column 1"
            ]
        );
    }

    #[test]
    fn finds_a_map_of_another_version() {
        let folder = Folder::new()
            .file(
                "assets/index-BqP3xK9z.js",
                bundle("//# sourceMappingURL=index-BqP3xK9z.js.map\n"),
            )
            .file(
                "assets/index-BqP3xK9z.js.map",
                map().replace("\"version\":3", "\"version\":2"),
            );
        assert_eq!(
            folder.findings(RULE),
            [
                "assets/index-BqP3xK9z.js:-:-: source map not used: unsupported source map version 2 (only version 3 is supported)"
            ]
        );
    }

    #[test]
    fn finds_a_map_without_mappings() {
        let folder = Folder::new()
            .file(
                "assets/index-BqP3xK9z.js",
                bundle("//# sourceMappingURL=index-BqP3xK9z.js.map\n"),
            )
            .file(
                "assets/index-BqP3xK9z.js.map",
                r#"{"version":3,"sources":["../../src/main.ts"],"names":[]}"#,
            );
        assert_eq!(
            folder.findings(RULE),
            [
                "assets/index-BqP3xK9z.js:-:-: source map not used: the source map has neither `mappings` nor `sections`"
            ]
        );
    }

    #[test]
    fn passes_a_sibling_map_made_for_another_file() {
        // webpack with mini-css-extract-plugin and `[name].js.map` map names: the stylesheet's
        // map is `style.js.map` (its `file` is `style.css`, which names it), beside an empty
        // `style.js` that names no map. The map is not the script's.
        let css = "body{margin:0}\n.a{color:red}\n/*# sourceMappingURL=style.js.map*/";
        let map = r#"{"version":3,"file":"style.css","sources":["webpack:///./src/style.css"],"names":[],"mappings":"AAAA,aAAa;AACb,QAAQ","sourcesContent":["body { margin: 0 }\n.a { color: red }\n"]}"#;
        let folder = Folder::new()
            .file(
                "js/generated/style.js",
                "define(()=>(()=>{\"use strict\";let e={};return e=e.default,e})());",
            )
            .file("js/generated/style.css", css)
            .file("js/generated/style.js.map", map);
        folder.passes(RULE);
        folder.prepared(|prepared, _| {
            let map_of = |path: &str| {
                prepared
                    .assets
                    .iter()
                    .find(|a| a.path == path)
                    .and_then(|a| super::map_of(&a.facts))
                    .map(|link| link.attribution.is_ok())
            };
            assert_eq!(map_of("js/generated/style.js"), None);
            assert_eq!(map_of("js/generated/style.css"), Some(true));
        });
        // The same map named for the script (its `file` is `style.js`) stays the script's.
        let folder = Folder::new()
            .file(
                "js/generated/style.js",
                "define(()=>(()=>{\"use strict\";let e={};return e=e.default,e})());",
            )
            .file(
                "js/generated/style.js.map",
                map.replace("style.css\",\"sources", "style.js\",\"sources"),
            );
        assert_eq!(
            folder.findings(RULE).len(),
            1,
            "{:?}",
            folder.findings(RULE)
        );
    }

    #[test]
    fn finds_a_map_written_before_a_banner_was_added() {
        // The map was written for the bundle without the licence banner: every mapping is now
        // one line up, on a line much shorter than the code it describes.
        let folder = Folder::new()
            .file(
                "assets/index-BqP3xK9z.js",
                format!(
                    "/*! shop v2.4 */\n{}",
                    bundle("//# sourceMappingURL=index-BqP3xK9z.js.map\n")
                ),
            )
            .file("assets/index-BqP3xK9z.js.map", map());
        assert_eq!(
            folder.findings(RULE),
            [
                "assets/index-BqP3xK9z.js:-:-: source map assets/index-BqP3xK9z.js.map does not match this file: 1 mapping points past the end of its generated line (the map does not match this file); clamped to the line end"
            ]
        );
    }

    #[test]
    fn finds_a_mapping_to_a_source_the_map_does_not_list() {
        let folder = Folder::new()
            .file(
                "assets/index-BqP3xK9z.js",
                bundle("//# sourceMappingURL=index-BqP3xK9z.js.map\n"),
            )
            .file(
                "assets/index-BqP3xK9z.js.map",
                map().replace("gDCAA", "gDEAA"),
            );
        assert_eq!(
            folder.findings(RULE),
            [
                "assets/index-BqP3xK9z.js:-:-: source map assets/index-BqP3xK9z.js.map does not match this file: 1 segment names a source index outside `sources` (counted as unmapped)"
            ]
        );
    }

    #[test]
    fn finds_an_inline_map_that_cannot_be_decoded() {
        let folder = Folder::new().file(
            "assets/index-BqP3xK9z.js",
            bundle("//# sourceMappingURL=data:application/json;base64,eyJ2ZXJzaW9uIjozLCJzb3VyY2Vz!!!\n"),
        );
        assert_eq!(
            folder.findings(RULE),
            [
                "assets/index-BqP3xK9z.js:-:-: source map not used: the inline source map (data: URL) cannot be decoded"
            ]
        );
    }

    #[test]
    fn finds_a_stylesheet_whose_map_is_missing() {
        let folder = Folder::new().file(
            "assets/index-C8mN2vQa.css",
            "body{margin:0}.btn{color:red}\n/*# sourceMappingURL=index-C8mN2vQa.css.map */\n",
        );
        assert_eq!(
            folder.findings(RULE),
            [
                "assets/index-C8mN2vQa.css:-:-: source map not used: the source map assets/index-C8mN2vQa.css.map named by sourceMappingURL is missing"
            ]
        );
    }
}
