use foldhash::{HashMap, HashSet, HashSetExt};

use super::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::measure::Asset;
use crate::model::facts::Facts;
use crate::model::facts::html::ScriptKind;
use crate::model::facts::location::Location;
use crate::model::finding::Violation;
use crate::model::impact::MOBILE;
use crate::site::{Page, Target};
use crate::size::human;

/// What a server's first round trip carries: TCP's initial congestion window of 10 segments
/// (RFC 6928) of 1,460 bytes. Inline code in `<head>` whose estimated transfer is over it
/// pushes the first paint past that round trip.
pub const FIRST_ROUND_TRIP_BYTES: u64 = 14_600;

/// How deep `@import` chains are followed: far past any real chain, and a bound on a cycle
/// the visited set would not stop (it does).
const MAX_IMPORT_DEPTH: usize = 16;

declare_rule! {
    /// ## What it does
    /// Reports what stops a page's first paint in its `<head>` (before the `<body>` start tag;
    /// a page that writes no `<body>` tag is not judged, since where its head ends is not
    /// written), as Lighthouse's render-blocking audit counts it:
    /// - `<script src>` without `async`, `defer` or `type=module` (nor `nomodule`, which
    ///   modern browsers skip): the parser stops until the script is fetched and run;
    /// - `<link rel=stylesheet>` whose `media` may match a screen (none, `all`, `screen`, or a
    ///   query of features only, which matches on some screens) and that is neither
    ///   `disabled` nor an `alternate` sheet: rendering waits for it (the `media=print`
    ///   `onload` trick loads a sheet without blocking, so it is not reported);
    /// - each `@import` in those stylesheets and in the head's `<style>` blocks, followed
    ///   through the stylesheets they import: the browser discovers the imported file only
    ///   after its parent arrives, one more round trip each;
    /// - a classic inline `<script>` or a `<style>` whose text, at the page's own compression
    ///   ratio, is over 14,600 bytes on the wire: more than a server's first round trip
    ///   carries (TCP's initial window of 10 segments, RFC 6928), so the first paint waits
    ///   for more round trips. (Inline module scripts are deferred; a `<style>` whose `type`
    ///   is not `text/css` is a data block browsers do not apply.)
    ///
    /// Each finding gives the transfer size (gzip for text) and an estimate of the delay on
    /// Lighthouse's mobile profile (1.6 Mbit/s, 150 ms round trip): one round trip plus the
    /// transfer for a file, one round trip for an `@import`, a file on another origin at
    /// least one round trip (its size is unknown).
    ///
    /// ## Why is this bad?
    /// Nothing renders until every blocking script and stylesheet of the head has arrived
    /// (and the scripts have run): on a mobile network each costs at least a round trip, and
    /// an `@import` another one after its parent. Lighthouse's "Eliminate render-blocking
    /// resources" audit counts the same elements.
    ///
    /// ## How to fix it
    /// Add `defer` (or `async` for independent scripts such as analytics) or use
    /// `type=module`; move scripts to the end of `<body>`. Inline the CSS the first screen
    /// needs and load the rest without blocking (`media=print onload="this.media='all'"`, or
    /// `<link rel=preload as=style>` then apply it). Replace `@import` by `<link>` elements
    /// in the page (fetched in parallel) or bundle the imported CSS. Move large inline code
    /// to a cached file loaded with `defer`.
    ///
    /// ## Options
    /// None.
    HtmlRenderBlocking {
        id: "html/render-blocking",
        summary: "Scripts, stylesheets, @import chains and large inline code that block a page's first paint",
        severity: Warning,
    }
}

impl Rule for HtmlRenderBlocking {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &RuleContext, found: &mut Vec<Violation>) {
        let by_path = &context.site.assets_by_path;
        // Where each page reference leads, by (page, offset of the element, holder).
        let targets: HashMap<(&str, usize, &str), &Target> = context
            .site
            .references
            .iter()
            .map(|r| {
                (
                    (r.from.as_str(), r.location.offset, r.holder.as_str()),
                    &r.target,
                )
            })
            .collect();
        // An `@import` shared by many pages' stylesheets is one finding.
        let mut imports_reported: HashSet<(String, usize)> = HashSet::new();
        for page in &context.site.pages {
            let Some(body) = page.html.body else {
                continue;
            };
            let in_head = |location: Location| location.offset < body.offset;
            let target = |location: Location, holder: &'static str| {
                targets
                    .get(&(page.path(), location.offset, holder))
                    .copied()
            };
            for script in page.html.scripts.iter().filter(|s| in_head(s.location)) {
                if script.kind != ScriptKind::Classic
                    || script.async_
                    || script.defer
                    || script.nomodule
                {
                    continue;
                }
                match script.src.as_deref() {
                    Some(src) if !src.trim().is_empty() => {
                        let what =
                            format!("<script src=\"{src}\"> has no async, defer or type=module");
                        let resolved = target(script.location, "<script src>");
                        blocking_file(page, by_path, script.location, what, src, resolved, found);
                    }
                    Some(_) => {}
                    None => large_inline(
                        page,
                        "<script>",
                        script.inline_bytes,
                        script.location,
                        found,
                    ),
                }
            }
            for link in page.html.stylesheets.iter().filter(|l| in_head(l.location)) {
                if link.disabled || link.alternate || !may_match_screen(link.media.as_deref()) {
                    continue;
                }
                let Some(href) = link.href.as_deref().filter(|h| !h.trim().is_empty()) else {
                    continue;
                };
                let media = link
                    .media
                    .as_deref()
                    .map(|m| format!(" media=\"{m}\""))
                    .unwrap_or_default();
                let what = format!("<link rel=stylesheet href=\"{href}\"{media}> blocks rendering");
                let resolved = target(link.location, "<link rel=stylesheet href>");
                blocking_file(page, by_path, link.location, what, href, resolved, found);
                if let Some(Target::Present(path)) = resolved {
                    imports(by_path, path, &mut imports_reported, found);
                }
            }
            for style in page
                .html
                .inline_styles
                .iter()
                .filter(|s| in_head(s.location))
            {
                if !may_match_screen(style.media.as_deref()) {
                    continue;
                }
                large_inline(page, "<style>", style.range.len(), style.location, found);
                for import in &style.css.imports {
                    let location = import.location;
                    found.push(Violation {
                        path: Some(page.path().to_string()),
                        line: Some(location.line),
                        column: Some(location.column),
                        message: format!(
                            "@import \"{}\" in a <style> of <head>: the browser fetches it only when it reads the block, one more round trip before the first paint (~{} ms on mobile)",
                            import.url, MOBILE.round_trip_ms
                        ),
                        round_trips: 1,
                        ..Violation::default()
                    });
                }
            }
        }
    }
}

/// A blocking `<script src>` or stylesheet: its transfer size and delay when it is a file of
/// the folder, a round trip when it is on another origin.
fn blocking_file(
    page: &Page,
    by_path: &HashMap<&str, &Asset>,
    location: Location,
    what: String,
    reference: &str,
    target: Option<&Target>,
    found: &mut Vec<Violation>,
) {
    let (cost, deferred, subject) = match target {
        Some(Target::Present(path)) => match crate::site::served(by_path, path) {
            Some(asset) => {
                let transfer = asset.transfer();
                (
                    format!(
                        "{} to download before the first paint (~{} ms on mobile: a round trip and the transfer)",
                        human(transfer),
                        MOBILE.milliseconds(transfer, 1)
                    ),
                    Some(asset.raw),
                    Some(asset.path.clone()),
                )
            }
            // Present but left out of the audit (ignored): its size is unknown.
            None => (
                format!(
                    "a request before the first paint (~{} ms on mobile, more for its transfer)",
                    MOBILE.round_trip_ms
                ),
                None,
                None,
            ),
        },
        Some(Target::Elsewhere) if is_other_origin(reference) => (
            format!(
                "a request to another origin before the first paint (at least a round trip, ~{} ms on mobile, plus connecting and the transfer)",
                MOBILE.round_trip_ms
            ),
            None,
            None,
        ),
        // Missing files are `references/missing`'s; templates and routes name no file yet.
        _ => return,
    };
    found.push(Violation {
        path: Some(page.path().to_string()),
        line: Some(location.line),
        column: Some(location.column),
        message: format!("{what}: {cost}"),
        // Loaded without blocking, the file is still downloaded: its bytes leave the critical
        // path of the first paint, they are not saved.
        deferred,
        subject,
        round_trips: 1,
        ..Violation::default()
    });
}

/// The `@import`s of a blocking stylesheet and of the stylesheets they import, each reported
/// once at the `@import`.
fn imports(
    by_path: &HashMap<&str, &Asset>,
    stylesheet: &str,
    reported: &mut HashSet<(String, usize)>,
    found: &mut Vec<Violation>,
) {
    let mut pending = vec![(stylesheet.to_string(), 1usize)];
    let mut visited: HashSet<String> = HashSet::new();
    while let Some((path, depth)) = pending.pop() {
        if depth > MAX_IMPORT_DEPTH || !visited.insert(path.clone()) {
            continue;
        }
        let Some(asset) = crate::site::served(by_path, &path) else {
            continue;
        };
        let style = match &asset.facts {
            Facts::Stylesheet(style) => style,
            Facts::Encoded(encoded) => match &encoded.content {
                Facts::Stylesheet(style) => style,
                _ => continue,
            },
            _ => continue,
        };
        for import in &style.css.imports {
            let resolved = crate::analyze::url::resolve(&path, &import.url);
            let local = match resolved {
                crate::analyze::url::Resolved::Local(target) => Some(target),
                _ if is_other_origin(&import.url) => None,
                _ => continue,
            };
            if let Some(target) = &local {
                pending.push((target.clone(), depth + 1));
            }
            if !reported.insert((path.clone(), import.location.offset)) {
                continue;
            }
            let chain = if depth == 1 {
                String::new()
            } else {
                format!(" ({depth} stylesheets deep)")
            };
            found.push(Violation {
                path: Some(asset.path.clone()),
                line: Some(import.location.line),
                column: Some(import.location.column),
                message: format!(
                    "@import \"{}\" in a render-blocking stylesheet{chain}: the browser finds it only after {} arrives, one more round trip before the first paint (~{} ms on mobile)",
                    import.url, path, MOBILE.round_trip_ms
                ),
                round_trips: 1,
                ..Violation::default()
            });
        }
    }
}

/// A classic inline `<script>` or a `<style>` of the head whose text, at the page's compression
/// ratio, is over what the first round trip carries.
fn large_inline(
    page: &Page,
    element: &str,
    bytes: usize,
    location: Location,
    found: &mut Vec<Violation>,
) {
    let asset = page.asset;
    let raw = bytes as u64;
    let on_the_wire = if asset.raw > 0 {
        (raw as u128 * asset.transfer() as u128 / asset.raw as u128) as u64
    } else {
        raw
    };
    if on_the_wire <= FIRST_ROUND_TRIP_BYTES {
        return;
    }
    found.push(Violation {
        path: Some(page.path().to_string()),
        line: Some(location.line),
        column: Some(location.column),
        message: format!(
            "inline {element} of {} in <head> (about {} on the wire): more than the {} a first round trip carries, read before anything renders (~{} ms on mobile)",
            human(raw),
            human(on_the_wire),
            human(FIRST_ROUND_TRIP_BYTES),
            MOBILE.milliseconds(on_the_wire, 0)
        ),
        actual: Some(raw),
        // Moving it out of the head saves no bytes: the first paint stops waiting for them.
        deferred: Some(raw),
        ..Violation::default()
    });
}

fn is_other_origin(reference: &str) -> bool {
    let lower = reference.trim_start().to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("//")
}

/// Whether a `media` attribute may match a screen: absent or empty, or one of its queries is
/// of type `all` or `screen` (`only` ignored), `not` a non-screen type, or features alone
/// (`(min-width: 40em)`, true on some screens).
fn may_match_screen(media: Option<&str>) -> bool {
    let Some(media) = media else {
        return true;
    };
    if media.trim().is_empty() {
        return true;
    }
    media.split(',').any(|query| {
        let query = query.trim().to_ascii_lowercase();
        let (negated, rest) = match query.strip_prefix("not ") {
            Some(rest) => (true, rest.trim_start()),
            None => (
                false,
                query.strip_prefix("only ").unwrap_or(&query).trim_start(),
            ),
        };
        if rest.is_empty() || rest.starts_with('(') {
            return !negated;
        }
        let media_type = rest
            .split(|c: char| c.is_whitespace() || c == '(')
            .next()
            .unwrap_or_default();
        let screen = matches!(media_type, "all" | "screen");
        screen != negated
    })
}

#[cfg(test)]
mod tests {
    use crate::rules::tester::Folder;

    const RULE: &str = "html/render-blocking";

    const APP: &str =
        "window.__app={started:Date.now()};document.documentElement.classList.add('js');\n";
    const THEME: &str = ":root{--accent:#2f7d32}body{margin:0;color:#1d1d1b;background:#fbfaf6}";

    fn page(head: &str) -> String {
        format!(
            "<!doctype html>\n<html>\n<head>\n{head}\n</head>\n<body>\n<div id=app></div>\n</body>\n</html>\n"
        )
    }

    #[test]
    fn passes_for_scripts_and_stylesheets_that_do_not_block() {
        Folder::new()
            .file(
                "index.html",
                page(concat!(
                    "<script src=app.js defer></script>",
                    "<script src=app.js async></script>",
                    "<script type=module src=app.js></script>",
                    "<script nomodule src=app.js></script>",
                    "<script type=application/ld+json>{\"@type\":\"WebSite\"}</script>",
                    "<script>document.documentElement.className='js'</script>",
                    "<link rel=stylesheet href=print.css media=print>",
                    "<link rel=stylesheet href=print.css media=\"print\" onload=\"this.media='all'\">",
                    "<link rel=\"alternate stylesheet\" href=theme.css title=Dark>",
                    "<link rel=stylesheet href=theme.css disabled>",
                    "<link rel=preload href=theme.css as=style>",
                )),
            )
            .file("app.js", APP)
            .file("theme.css", THEME)
            .file("print.css", "nav{display:none}")
            .passes(RULE);
    }

    #[test]
    fn passes_for_what_is_in_the_body_or_in_a_page_without_body_tag() {
        Folder::new()
            .file(
                "index.html",
                "<!doctype html><html><head><title>x</title></head><body><script src=app.js></script><link rel=stylesheet href=theme.css></body></html>",
            )
            .file(
                "partial.html",
                "<!doctype html><title>x</title><script src=app.js></script>",
            )
            .file("app.js", APP)
            .file("theme.css", THEME)
            .passes(RULE);
    }

    #[test]
    fn finds_a_blocking_script_and_stylesheet_with_size_and_delay() {
        let folder = Folder::new()
            .file(
                "index.html",
                page("<script src=\"/app.js\"></script>\n<link rel=stylesheet href=theme.css media=\"screen and (min-width: 40em)\">"),
            )
            .file("app.js", APP)
            .file("theme.css", THEME);
        assert_eq!(
            folder.findings(RULE),
            [
                "index.html:4:1: <script src=\"/app.js\"> has no async, defer or type=module: 90 B to download before the first paint (~151 ms on mobile: a round trip and the transfer)",
                "index.html:5:1: <link rel=stylesheet href=\"theme.css\" media=\"screen and (min-width: 40em)\"> blocks rendering: 88 B to download before the first paint (~151 ms on mobile: a round trip and the transfer)"
            ]
        );
        let script = &folder.findings_of(RULE)[0];
        let impact = script.impact.as_ref().unwrap();
        assert!(impact.critical_path);
        // Nothing is saved: the bytes leave the first paint's critical path.
        assert_eq!(
            (
                impact.bytes,
                impact.deferred_bytes,
                impact.requests,
                impact.ms.mobile
            ),
            (0, 80, 1, 151)
        );
    }

    #[test]
    fn finds_files_shipped_only_precompressed() {
        let folder = Folder::new()
            .file(
                "app/index.html",
                page("<script src=\"../base1/cockpit.js\"></script>"),
            )
            .gzip("base1/cockpit.js.gz", APP.repeat(20));
        let findings = folder.findings_of(RULE);
        assert_eq!(findings.len(), 1, "{findings:#?}");
        assert!(
            findings[0]
                .message
                .contains(" to download before the first paint"),
            "{}",
            findings[0].message
        );
        assert_eq!(findings[0].subject.as_deref(), Some("base1/cockpit.js.gz"));
    }

    #[test]
    fn finds_scripts_on_other_origins() {
        let folder = Folder::new().file(
            "index.html",
            page("<script src=\"https://www.googletagmanager.com/gtag/js?id=G-1\"></script>"),
        );
        assert_eq!(
            folder.findings(RULE),
            [
                "index.html:4:1: <script src=\"https://www.googletagmanager.com/gtag/js?id=G-1\"> has no async, defer or type=module: a request to another origin before the first paint (at least a round trip, ~150 ms on mobile, plus connecting and the transfer)"
            ]
        );
    }

    #[test]
    fn finds_each_import_of_a_chain_once() {
        let folder = Folder::new()
            .file(
                "index.html",
                page("<link rel=stylesheet href=css/site.css>"),
            )
            .file(
                "about.html",
                page("<link rel=stylesheet href=css/site.css>"),
            )
            .file("css/site.css", format!("@import url(base.css);\n{THEME}"))
            .file(
                "css/base.css",
                "@import \"reset.css\";\nbody{line-height:1.5}",
            )
            .file("css/reset.css", "*{box-sizing:border-box}");
        let imports: Vec<String> = folder
            .findings(RULE)
            .into_iter()
            .filter(|f| f.contains("@import"))
            .collect();
        assert_eq!(
            imports,
            [
                "css/base.css:1:1: @import \"reset.css\" in a render-blocking stylesheet (2 stylesheets deep): the browser finds it only after css/base.css arrives, one more round trip before the first paint (~150 ms on mobile)",
                "css/site.css:1:1: @import \"base.css\" in a render-blocking stylesheet: the browser finds it only after css/site.css arrives, one more round trip before the first paint (~150 ms on mobile)"
            ]
        );
        let import = &folder.findings_of(RULE)[0];
        assert_eq!(import.impact.as_ref().map(|i| i.requests), Some(1));
    }

    #[test]
    fn finds_large_inline_code_in_the_head_only() {
        // Text that compresses little (so its share of the page is large on the wire).
        let mut state = 0x2545_f491_u32;
        let noise: String = (0..40_000)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                char::from(b'a' + (state % 26) as u8)
            })
            .collect();
        let folder = Folder::new().file(
            "index.html",
            page(&format!(
                "<script>window.__i18n=\"{noise}\"</script>\n<style>.a{{content:\"{noise}\"}}</style>\n<script type=module>window.__m=\"{noise}\"</script>\n<style media=print>.p{{content:\"{noise}\"}}</style>\n<style type=\"discovery/style\">.d{{content:\"{noise}\"}}</style>\n<script>window.small=1</script>"
            )),
        );
        let findings = folder.findings(RULE);
        assert_eq!(findings.len(), 2, "{findings:#?}");
        assert!(
            findings[0]
                .starts_with("index.html:4:1: inline <script> of 40.02 kB in <head> (about 2"),
            "{findings:#?}"
        );
        assert!(
            findings[1].starts_with("index.html:5:8: inline <style> of 40.01 kB in <head>"),
            "{findings:#?}"
        );
    }

    #[test]
    fn media_that_may_match_a_screen() {
        use super::may_match_screen;
        for media in [
            None,
            Some(""),
            Some("all"),
            Some("screen"),
            Some("only screen and (min-width: 40em)"),
            Some("(prefers-color-scheme: dark)"),
            Some("print, screen"),
            Some("not print"),
            Some("SCREEN"),
        ] {
            assert!(may_match_screen(media), "{media:?}");
        }
        for media in [
            Some("print"),
            Some("speech"),
            Some("not all"),
            Some("not screen"),
            Some("only print"),
            Some("not (min-width: 1px)"),
        ] {
            assert!(!may_match_screen(media), "{media:?}");
        }
    }
}
