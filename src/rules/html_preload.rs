use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use std::collections::BTreeSet;

use super::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::kind::AssetKind;
use crate::measure::Asset;
use crate::model::facts::Facts;
use crate::model::facts::html::PreloadTag;
use crate::model::finding::{Severity, Violation};
use crate::site::{Page, Target};
use crate::size::human;

/// Preconnected origins one page may have before the rule reports them: Lighthouse's network
/// dependency tree insight warns past 4 (`TOO_MANY_PRECONNECTS_THRESHOLD` in Chrome DevTools'
/// `NetworkDependencyTree.ts`, which Lighthouse 12.6+ runs; its former `uses-rel-preconnect`
/// audit warned past 2).
pub const MAX_PRECONNECTED_ORIGINS: usize = 4;

/// The `as` values a preload can have: the HTML standard's "translate a preload destination"
/// accepts these and returns null (no fetch) for anything else.
const PRELOAD_DESTINATIONS: [&str; 6] = ["fetch", "font", "image", "script", "style", "track"];

/// Holders of the references that preloads and prefetches make: what they name is fetched
/// because of them, which is no use of the file.
const HINT_HOLDERS: [&str; 4] = [
    "<link rel=preload href>",
    "<link rel=prefetch href>",
    "<link rel=modulepreload href>",
    "<link imagesrcset>",
];

declare_rule! {
    /// ## What it does
    /// Reports `<link rel=preload>` and `<link rel=preconnect>` elements of HTML pages that
    /// do not do what they are written for:
    /// - a preload **without `as`**, or with an `as` the HTML standard does not define for
    ///   preloads (`img`, `document`, `video`, a typo): the standard's "translate a preload
    ///   destination" only accepts `fetch`, `font`, `image`, `script`, `style` and `track`, and
    ///   browsers ignore any other preload (Chromium since 2017: "Avoid fetching a resource if
    ///   `as` is missing", <https://codereview.chromium.org/2903653005>). Nothing is
    ///   downloaded, so nothing is preloaded;
    /// - a preload whose `as` does not match the file of the folder it names (`as=script` for a
    ///   stylesheet, `as=image` for a font): the preload is fetched for one destination and the
    ///   real request, for another, does not reuse it, so the file is downloaded twice;
    /// - a **font preloaded without `crossorigin`** (also `as=fetch`): fonts, like `fetch()`,
    ///   are requested in CORS mode, a preload without `crossorigin` in no-cors mode, and a
    ///   preload is only reused by a request of the same mode, so the font is downloaded twice
    ///   (MDN, "rel=preload", section "CORS-enabled fetches");
    /// - a preloaded **font or image of the folder that nothing uses**: no `@font-face`, no
    ///   `<img>`, `srcset`, `<picture>`, CSS `url()` or other reference of any page or
    ///   stylesheet resolves to it, and no script (file or inline) mentions it: by a path
    ///   that is its own (`../fonts/a.woff2` from the script's folder or the root), or by its
    ///   file name where the path written is no file of the folder.
    ///   Chrome then warns "The resource … was preloaded using link preload but not used
    ///   within a few seconds from the window's load event";
    /// - a preloaded **font in a second format**: a file that the `@font-face` rules listing
    ///   it name only as a fallback, after a source browsers download instead (the WOFF of a
    ///   face served as WOFF2 first, as Fontsource's and Google Fonts' stylesheets list them).
    ///   The browser downloads the preloaded file and then, for the face, its first source:
    ///   two formats of the same face (headless Chromium, `tests/font_formats_browser.rs`,
    ///   fetches both, and only the WOFF2 when the WOFF2 is preloaded). Faces of one family
    ///   that differ by `unicode-range` are different faces, each downloaded only when the
    ///   page uses characters of its range (the same test: Fontsource's Cyrillic and Greek
    ///   subsets are not fetched): not a double download, not reported;
    /// - a page that **preconnects to more than 4 origins**: Lighthouse's network dependency
    ///   tree insight warns "More than 4 `preconnect` connections were found. These should be
    ///   used sparingly and only to the most important origins." (its number, from Chrome
    ///   DevTools' `TOO_MANY_PRECONNECTS_THRESHOLD`; the retired `uses-rel-preconnect` audit
    ///   warned past 2). Reported once per page, as information.
    ///
    /// A double or wasted download gives the file's size as the saving.
    ///
    /// Not judged, because the files do not show it: whether a preloaded **script or
    /// stylesheet** is used (bundler runtimes, frameworks and `onload` handlers load them by
    /// names the site model resolves only in part); what a file on **another origin** is
    /// (only its missing `crossorigin` is reported for a font); whether a preconnected origin
    /// is used (scripts may fetch from it); `modulepreload` (which needs no `as`) and
    /// `prefetch` (low priority, for later navigations). An image a script builds the name of
    /// at run time, or one used only by a page of another folder, is counted as unused.
    ///
    /// ## Why is this bad?
    /// A preload is a high-priority download the browser starts before it reads the rest of
    /// the page. Ignored, it gives none of the head start it was written for; downloaded
    /// twice or for nothing, it takes bandwidth from what the first paint needs. Each
    /// preconnect opens a connection (DNS, TCP, TLS) early: a few for the origins the page
    /// needs first save round trips, more compete with the page's own requests.
    ///
    /// ## How to fix it
    /// Give every preload the `as` of what it fetches (`as=image`, `as=font`, `as=style`,
    /// `as=script`, `as=fetch`), or remove it; use `<link rel=modulepreload>` for ES modules.
    /// Add `crossorigin` to font preloads (even same-origin ones). Remove preloads of files the
    /// site no longer uses. Keep preconnects to the one or two origins the page needs first
    /// (the one serving its fonts or API, say) and use `dns-prefetch` for the others.
    ///
    /// ## Options
    /// None.
    HtmlPreload {
        id: "html/preload",
        summary: "Preloads that browsers ignore, download twice or that nothing uses, and pages preconnecting to more than 4 origins",
        severity: Warning,
    }
}

impl Rule for HtmlPreload {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &RuleContext, found: &mut Vec<Violation>) {
        let by_path = &context.site.assets_by_path;
        // Where each hint of each page leads, by (page, offset of the element).
        let mut hint_targets: HashMap<(&str, usize), Vec<(&str, &Target)>> = HashMap::new();
        for reference in &context.site.references {
            if HINT_HOLDERS.contains(&reference.holder.as_str()) {
                hint_targets
                    .entry((reference.from.as_str(), reference.location.offset))
                    .or_default()
                    .push((reference.holder.as_str(), &reference.target));
            }
        }
        let used = UsedFiles::of(context);
        for page in &context.site.pages {
            let mut reported: HashSet<usize> = HashSet::new();
            for preload in page.html.preloads.iter().filter(|p| p.rel == "preload") {
                // `rel="preload stylesheet"` gives one entry per token: judge the element once.
                if !reported.insert(preload.location.offset) {
                    continue;
                }
                let targets = hint_targets
                    .get(&(page.path(), preload.location.offset))
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                if let Some(violation) = judge(page, preload, targets, by_path, &used) {
                    found.push(violation);
                }
            }
            preconnects(page, found);
        }
    }
}

/// What a preload does wrong, if anything.
fn judge(
    page: &Page,
    preload: &PreloadTag,
    targets: &[(&str, &Target)],
    by_path: &HashMap<&str, &Asset>,
    used: &UsedFiles,
) -> Option<Violation> {
    let href = preload.href.as_deref().map(str::trim).unwrap_or_default();
    let imagesrcset = preload
        .imagesrcset
        .as_deref()
        .map(str::trim)
        .unwrap_or_default();
    // Nothing named, nothing fetched either way.
    if href.is_empty() && imagesrcset.is_empty() {
        return None;
    }
    let element = if href.is_empty() {
        format!("<link rel=preload imagesrcset=\"{imagesrcset}\">")
    } else {
        format!("<link rel=preload href=\"{href}\">")
    };
    let at = |message: String| Violation {
        path: Some(page.path().to_string()),
        line: Some(preload.location.line),
        column: Some(preload.location.column),
        message,
        ..Violation::default()
    };
    let destination = match preload.as_.as_deref() {
        None | Some("") => {
            return Some(at(format!(
                "{element} has no `as`: browsers ignore a preload without one, so nothing is preloaded (give the `as` of what it fetches: image, font, style, script, fetch)"
            )));
        }
        Some(value) if !PRELOAD_DESTINATIONS.contains(&value) => {
            return Some(at(format!(
                "{element} has as=\"{value}\", which is not a preload destination (HTML defines fetch, font, image, script, style and track): browsers ignore the preload{}",
                suggestion(value)
            )));
        }
        Some(value) => value,
    };
    let href_target = targets
        .iter()
        .find(|(holder, _)| *holder == "<link rel=preload href>")
        .map(|(_, target)| *target);
    let file = match href_target {
        Some(Target::Present(path)) => crate::site::served(by_path, path),
        _ => None,
    };
    if let Some(asset) = file
        && let Some(expected) = file_kind(destination)
        && is_judged_kind(asset.kind)
        && asset.kind != expected
    {
        return Some(Violation {
            saving: Some(asset.raw),
            subject: Some(asset.path.clone()),
            ..at(format!(
                "{element} has as={destination} but names {} ({}): the page's request for it does not reuse a preload made for another destination, so it is downloaded twice ({} more)",
                kind_name(asset.kind),
                asset.path,
                human(asset.transfer())
            ))
        });
    }
    let anonymous_needed = matches!(destination, "font" | "fetch");
    if destination == "font" || destination == "image" {
        let present: Vec<&str> = targets
            .iter()
            .filter_map(|(_, target)| match target {
                Target::Present(path) => Some(path.as_str()),
                _ => None,
            })
            .collect();
        let all_local = !present.is_empty() && present.len() == targets.len();
        if all_local && present.iter().all(|path| !used.uses(path)) {
            let assets: Vec<&Asset> = present
                .iter()
                .filter_map(|path| crate::site::served(by_path, path))
                .collect();
            let names: BTreeSet<&str> = present.iter().copied().collect();
            let size = assets.iter().map(|a| a.transfer()).max().unwrap_or(0);
            let what = if destination == "font" {
                "no @font-face"
            } else {
                "no <img>, srcset, <picture>, CSS url()"
            };
            return Some(Violation {
                // One candidate of an `imagesrcset` is fetched: the largest is an upper bound,
                // so the saving is the one file's when there is one only.
                saving: (assets.len() == 1).then(|| assets[0].raw),
                subject: (assets.len() == 1).then(|| assets[0].path.clone()),
                ..at(format!(
                    "{element} preloads {} that nothing in the folder uses: {what} or other reference of a page or stylesheet resolves to it and no script mentions its name ({} downloaded for nothing; browsers warn \"preloaded using link preload but not used\")",
                    names.into_iter().collect::<Vec<_>>().join(", "),
                    human(size)
                ))
            });
        }
    }
    if destination == "font"
        && let Some(asset) = file
        && !used.mentioned_by_name(&asset.path)
        && let Some(chosen) = used.chosen_instead_of(&asset.path)
    {
        return Some(Violation {
            saving: Some(asset.raw),
            subject: Some(asset.path.clone()),
            ..at(format!(
                "{element} preloads {}, which every @font-face listing it ({}) names after {}: browsers download that first source for the face, so this preload is a second download of the same face in another format ({} for nothing); preload {} instead",
                asset.path,
                chosen.family,
                chosen.source,
                human(asset.transfer()),
                chosen.source
            ))
        });
    }
    if anonymous_needed && preload.crossorigin.is_none() {
        let request = if destination == "font" {
            "fonts are requested in CORS mode"
        } else {
            "fetch() requests are in CORS mode"
        };
        let (size, saving, subject) = match file {
            Some(asset) => (
                format!(" ({} twice)", human(asset.transfer())),
                Some(asset.raw),
                Some(asset.path.clone()),
            ),
            None => (String::new(), None, None),
        };
        return Some(Violation {
            saving,
            subject,
            ..at(format!(
                "{element} as={destination} has no crossorigin: {request} and do not reuse a no-cors preload, so the file is downloaded twice{size}; add crossorigin"
            ))
        });
    }
    None
}

/// A hint for the common wrong values.
fn suggestion(value: &str) -> &'static str {
    match value {
        "img" | "picture" => " (an image is as=image)",
        "css" | "stylesheet" => " (a stylesheet is as=style)",
        "js" | "module" | "javascript" => {
            " (a script is as=script; an ES module is <link rel=modulepreload>)"
        }
        "woff" | "woff2" | "ttf" => " (a font is as=font, with crossorigin)",
        "json" | "xhr" => " (data for fetch() is as=fetch, with crossorigin)",
        _ => "",
    }
}

/// The kind of file a destination fetches, for the four the folder's files tell apart.
fn file_kind(destination: &str) -> Option<AssetKind> {
    match destination {
        "font" => Some(AssetKind::Font),
        "image" => Some(AssetKind::Image),
        "script" => Some(AssetKind::Script),
        "style" => Some(AssetKind::Stylesheet),
        _ => None,
    }
}

fn is_judged_kind(kind: AssetKind) -> bool {
    matches!(
        kind,
        AssetKind::Font | AssetKind::Image | AssetKind::Script | AssetKind::Stylesheet
    )
}

fn kind_name(kind: AssetKind) -> &'static str {
    match kind {
        AssetKind::Font => "a font",
        AssetKind::Image => "an image",
        AssetKind::Script => "a script",
        AssetKind::Stylesheet => "a stylesheet",
        _ => "a file",
    }
}

/// What the site uses, besides what hints fetch: the files references of pages and stylesheets
/// resolve to, and the image and font file names scripts mention.
struct UsedFiles<'a> {
    referenced: HashSet<&'a str>,
    mentioned: crate::model::mention::MentionIndex,
    font_faces: Vec<ResolvedFace>,
}

impl<'a> UsedFiles<'a> {
    fn of(context: &'a RuleContext) -> UsedFiles<'a> {
        let referenced = context
            .site
            .references
            .iter()
            .filter(|r| !HINT_HOLDERS.contains(&r.holder.as_str()))
            .filter_map(|r| match &r.target {
                Target::Present(path) => Some(path.as_str()),
                _ => None,
            })
            .collect();
        let mut mentioned = Vec::new();
        for asset in context.assets {
            let facts = match &asset.facts {
                Facts::Encoded(encoded) => &encoded.content,
                facts => facts,
            };
            match facts {
                Facts::Script(script) => mentioned.extend(
                    script
                        .image_names
                        .iter()
                        .chain(&script.font_names)
                        .map(|name| (asset.path.as_str(), name.as_str())),
                ),
                Facts::Document(html) => mentioned.extend(
                    html.inline_script_file_names
                        .iter()
                        .map(|name| (asset.path.as_str(), name.as_str())),
                ),
                _ => {}
            }
        }
        UsedFiles {
            referenced,
            mentioned: crate::model::mention::MentionIndex::new(
                mentioned,
                context.assets.iter().map(|asset| asset.path.as_str()),
            ),
            font_faces: resolved_faces(context),
        }
    }

    fn uses(&self, path: &str) -> bool {
        self.referenced.contains(path) || self.mentioned_by_name(path)
    }

    /// A script or inline script names the file (it may load it with `FontFace`).
    fn mentioned_by_name(&self, path: &str) -> bool {
        self.mentioned.names(path)
    }

    /// When `font` is a source of at least one `@font-face`, and in every one of them a source
    /// listed before it is what browsers download: that source (of the first such rule).
    fn chosen_instead_of(&self, font: &str) -> Option<ChosenSource> {
        let mut chosen = None;
        for face in self
            .font_faces
            .iter()
            .filter(|f| f.sources.contains(&font.to_string()))
        {
            match &face.downloaded {
                Some(first) if first != font => {
                    chosen.get_or_insert_with(|| ChosenSource {
                        family: face.family.clone(),
                        source: first.clone(),
                    });
                }
                // The face downloads this very file (or its first source is not a file of the
                // folder): the preload is used.
                _ => return None,
            }
        }
        chosen
    }
}

/// The source browsers download for a face whose later source a page preloads.
struct ChosenSource {
    family: String,
    source: String,
}

/// An `@font-face` with its file sources resolved in the folder.
struct ResolvedFace {
    family: String,
    /// The files its `url()` sources name, in order (those outside the folder left out).
    sources: Vec<String>,
    /// The file browsers download for it: its first `url()` source whose `format()` they
    /// support (see `fonts/legacy-format`), when that is a file of the folder.
    downloaded: Option<String>,
}

/// The `@font-face` rules of the site with their sources resolved against the file that holds
/// them. A script's CSS-in-JS resolves against the page that runs it, which is not known: only
/// its root-relative URLs are resolved.
fn resolved_faces(context: &RuleContext) -> Vec<ResolvedFace> {
    use crate::analyze::url::{Resolved, resolve};
    context
        .site
        .font_faces
        .iter()
        .map(|declared| {
            let local = |url: &str| match resolve(declared.path, url) {
                Resolved::Local(path) if !declared.in_script || url.starts_with('/') => Some(path),
                _ => None,
            };
            let face = declared.face;
            let first = face.fetched_source();
            ResolvedFace {
                family: face
                    .family
                    .clone()
                    .unwrap_or_else(|| "no family".to_string()),
                sources: face
                    .sources
                    .iter()
                    .filter_map(|s| s.url.as_deref().and_then(local))
                    .collect(),
                downloaded: first.and_then(|s| s.url.as_deref()).and_then(local),
            }
        })
        .collect()
}

/// One finding for a page that preconnects to more origins than Lighthouse accepts.
fn preconnects(page: &Page, found: &mut Vec<Violation>) {
    let mut origins: Vec<String> = Vec::new();
    let mut first_over = None;
    for hint in page
        .html
        .connection_hints
        .iter()
        .filter(|h| h.rel == "preconnect")
    {
        let Some(host) = hint
            .href
            .as_deref()
            .and_then(crate::analyze::url::http_host)
        else {
            continue;
        };
        if origins.contains(&host) {
            continue;
        }
        origins.push(host);
        if origins.len() == MAX_PRECONNECTED_ORIGINS + 1 {
            first_over = Some(hint.location);
        }
    }
    let Some(location) = first_over else {
        return;
    };
    found.push(Violation {
        path: Some(page.path().to_string()),
        line: Some(location.line),
        column: Some(location.column),
        message: format!(
            "the page preconnects to {} origins ({}): more than the {MAX_PRECONNECTED_ORIGINS} Lighthouse accepts; each opens a connection early and competes with the page's own requests (keep the one or two needed first, dns-prefetch the others)",
            origins.len(),
            origins.join(", ")
        ),
        lowered: Some(Severity::Info),
        ..Violation::default()
    });
}

#[cfg(test)]
mod tests {
    use crate::model::finding::Severity;
    use crate::rules::tester::Folder;

    const RULE: &str = "html/preload";

    const STYLE: &str = "@font-face{font-family:Lora;font-display:swap;src:url(fonts/lora.woff2)format(\"woff2\")}body{font-family:Lora,serif}";

    fn page(head: &str) -> String {
        format!(
            "<!doctype html>\n<html>\n<head>\n{head}\n<link rel=stylesheet href=site.css>\n</head>\n<body>\n<img src=img/photo.png width=40 height=30 alt=\"\">\n</body>\n</html>\n"
        )
    }

    /// A WOFF2 signature and filler: the audit knows a font by its extension and signature.
    const FONT: &[u8] = b"wOF2\x00\x01\x00\x00fake font bytes for the test";

    fn site(head: &str) -> Folder {
        Folder::new()
            .file("index.html", page(head))
            .file("site.css", STYLE)
            .file("fonts/lora.woff2", FONT)
            .file("fonts/old.woff2", FONT)
            .png("img/photo.png", 40, 30)
            .png("img/hero.png", 64, 48)
    }

    #[test]
    fn passes_for_preloads_that_are_used_and_well_formed() {
        site(concat!(
            "<link rel=preload href=fonts/lora.woff2 as=font type=font/woff2 crossorigin>\n",
            "<link rel=preload href=img/photo.png as=IMAGE fetchpriority=high>\n",
            "<link rel=preload href=site.css as=style>\n",
            "<link rel=preload href=data.json as=fetch crossorigin=anonymous>\n",
            "<link rel=modulepreload href=app.js>\n",
            "<link rel=prefetch href=fonts/old.woff2>\n",
            "<link rel=preload href=https://cdn.example.net/a.woff2 as=font crossorigin>\n",
            "<link rel=preload>\n",
            "<link rel=preconnect href=https://a.example><link rel=preconnect href=https://b.example>",
            "<link rel=preconnect href=https://c.example crossorigin><link rel=preconnect href=https://d.example>",
            "<link rel=preconnect href=https://d.example crossorigin><link rel=dns-prefetch href=https://e.example>",
        ))
        .file("data.json", "{}")
        .file("app.js", "export const a = 1;\n")
        .passes(RULE);
    }

    #[test]
    fn passes_for_images_and_fonts_only_scripts_name() {
        site(concat!(
            "<link rel=preload href=img/hero.png as=image>\n",
            "<link rel=preload href=fonts/old.woff2 as=font crossorigin>\n",
            "<script>window.slides=['/img/hero.png']</script>",
        ))
        .file(
            "code.js",
            "document.fonts.add(new FontFace('Old', 'url(/fonts/old.woff2)'))",
        )
        .passes(RULE);
    }

    #[test]
    fn finds_preloads_browsers_ignore() {
        let folder = site(concat!(
            "<link rel=preload href=img/photo.png>\n",
            "<link rel=preload href=img/photo.png as=img>\n",
            "<link rel=preload href=page.html as=document>",
        ))
        .file("page.html", "<!doctype html><title>x</title>");
        assert_eq!(
            folder.findings(RULE),
            [
                "index.html:4:1: <link rel=preload href=\"img/photo.png\"> has no `as`: browsers ignore a preload without one, so nothing is preloaded (give the `as` of what it fetches: image, font, style, script, fetch)",
                "index.html:5:1: <link rel=preload href=\"img/photo.png\"> has as=\"img\", which is not a preload destination (HTML defines fetch, font, image, script, style and track): browsers ignore the preload (an image is as=image)",
                "index.html:6:1: <link rel=preload href=\"page.html\"> has as=\"document\", which is not a preload destination (HTML defines fetch, font, image, script, style and track): browsers ignore the preload",
            ]
        );
        // Nothing is downloaded, so nothing is saved.
        assert!(folder.findings_of(RULE).iter().all(|f| f.impact.is_none()));
    }

    #[test]
    fn finds_fonts_downloaded_twice() {
        let folder = site(concat!(
            "<link rel=preload href=fonts/lora.woff2 as=font type=font/woff2>\n",
            "<link rel=preload href=https://fonts.gstatic.com/s/lora/v1/x.woff2 as=font>",
        ));
        let findings = folder.findings(RULE);
        assert_eq!(
            findings,
            [
                format!(
                    "index.html:4:1: <link rel=preload href=\"fonts/lora.woff2\"> as=font has no crossorigin: fonts are requested in CORS mode and do not reuse a no-cors preload, so the file is downloaded twice ({} B twice); add crossorigin",
                    FONT.len()
                ),
                "index.html:5:1: <link rel=preload href=\"https://fonts.gstatic.com/s/lora/v1/x.woff2\"> as=font has no crossorigin: fonts are requested in CORS mode and do not reuse a no-cors preload, so the file is downloaded twice; add crossorigin".to_string(),
            ]
        );
        let local = &folder.findings_of(RULE)[0];
        assert_eq!(local.subject.as_deref(), Some("fonts/lora.woff2"));
        assert_eq!(
            local.impact.as_ref().map(|i| i.bytes),
            Some(FONT.len() as u64)
        );
    }

    #[test]
    fn finds_a_destination_that_does_not_match_the_file() {
        let folder = site("<link rel=preload href=site.css as=script>");
        let findings = folder.findings(RULE);
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert!(
            findings[0].starts_with("index.html:4:1: <link rel=preload href=\"site.css\"> has as=script but names a stylesheet (site.css): the page's request for it does not reuse a preload made for another destination, so it is downloaded twice ("),
            "{findings:#?}"
        );
    }

    #[test]
    fn finds_preloaded_fonts_and_images_nothing_uses() {
        let folder = site(concat!(
            "<link rel=preload href=fonts/old.woff2 as=font crossorigin>\n",
            "<link rel=preload href=img/hero.png as=image>\n",
            "<link rel=preload as=image imagesrcset=\"img/hero.png 1x, img/photo.png 2x\">",
        ));
        let findings = folder.findings(RULE);
        assert_eq!(findings.len(), 2, "{findings:#?}");
        assert!(
            findings[0].starts_with(&format!("index.html:4:1: <link rel=preload href=\"fonts/old.woff2\"> preloads fonts/old.woff2 that nothing in the folder uses: no @font-face or other reference of a page or stylesheet resolves to it and no script mentions its name ({} B downloaded for nothing;", FONT.len())),
            "{findings:#?}"
        );
        assert!(
            findings[1].starts_with("index.html:5:1: <link rel=preload href=\"img/hero.png\"> preloads img/hero.png that nothing in the folder uses: no <img>, srcset, <picture>, CSS url() or other reference"),
            "{findings:#?}"
        );
        // The imagesrcset names one used image: not reported.
        let hero = &folder.findings_of(RULE)[1];
        assert_eq!(hero.subject.as_deref(), Some("img/hero.png"));
        assert!(hero.impact.as_ref().is_some_and(|i| i.bytes > 0));
    }

    #[test]
    fn finds_more_than_four_preconnected_origins_once_as_information() {
        let hints: String = ["a", "b", "c", "b", "d", "e", "f"]
            .iter()
            .map(|name| format!("<link rel=preconnect href=https://{name}.example.com/>\n"))
            .collect();
        let folder = site(&hints);
        assert_eq!(
            folder.findings(RULE),
            [
                "index.html:9:1: the page preconnects to 6 origins (a.example.com, b.example.com, c.example.com, d.example.com, e.example.com, f.example.com): more than the 4 Lighthouse accepts; each opens a connection early and competes with the page's own requests (keep the one or two needed first, dns-prefetch the others)"
            ]
        );
        assert_eq!(folder.findings_of(RULE)[0].severity, Severity::Info);
    }
}
