use std::collections::BTreeMap;

use super::images_oversized::MIN_SAVING;
use super::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::analyze::html::IconRel;
use crate::model::facts::Facts;
use crate::model::facts::image::{IcoDirectory, IcoEntry, ImageFacts};
use crate::model::finding::{Severity, Violation};
use crate::site::Target;
use crate::size::human;

/// The largest picture a browser draws from a tab icon: the tab, the address bar, bookmarks
/// and history show it at 16 CSS pixels, 48 device pixels on the densest (3×) screens. It is
/// also the largest of the sizes Microsoft, who designed the format, recommends for a
/// `favicon.ico` (16, 32 and 48).
pub const TAB_ICON_PX: u32 = 48;

/// The largest icon a browser takes from `<link rel=icon>` for anything else: Chrome on
/// Android uses it for a home-screen shortcut of a site without a manifest, and 192 px is the
/// size it asks for (the 192×192 of a web app manifest).
pub const LARGE_ICON_PX: u32 = 192;

/// The size of an `apple-touch-icon`: Apple asks for 180×180 (iPhone at 3×), the largest a
/// device draws.
pub const TOUCH_ICON_PX: u32 = 180;

/// Bytes one ICO directory entry takes.
const ICO_ENTRY_BYTES: u64 = 16;

declare_rule! {
    /// ## What it does
    /// Reports icon files that carry far more pixels than any browser draws from them:
    ///
    /// * **`.ico` pictures over 48 px.** A browser downloads the whole ICO file, every picture
    ///   in it, then draws one at 16 CSS pixels (tab, address bar, bookmarks, history): 48
    ///   device pixels on the densest (3×) screens. 16, 32 and 48 px are also the sizes
    ///   Microsoft recommends for a `favicon.ico`. The 64, 128 and 256 px pictures that icon
    ///   tools add by default (ImageMagick's `icon:auto-resize`, Pillow's default sizes) are
    ///   downloaded by every visitor and drawn by no browser; as 32-bit bitmaps they weigh
    ///   about 17 kB, 66 kB and 262 kB. The saving is their bytes (and their directory
    ///   entries).
    /// * **`<link rel=icon>` images over 192 px when the page offers no smaller icon** (no
    ///   other `rel=icon` of at most 192 px, no SVG, no ICO): the browser downloads it for the
    ///   tab. 192 px is allowed: Chrome on Android uses a page's icon for a home-screen
    ///   shortcut when there is no manifest, and 192×192 is what it asks for. An icon whose
    ///   `sizes` declares a size it is more than twice as large as is reported too: browsers
    ///   choose among icons by `sizes`, and download the large file for the small slot.
    /// * **`apple-touch-icon` images over 180 px**: Apple's size for the iPhone home screen (3×),
    ///   the largest any device draws. Safari fetches these when a visitor bookmarks or adds
    ///   the page to the home screen, not on every visit: reported as `info`.
    ///
    /// The icons looked at: `/favicon.ico` at the folder's root when a page declares no
    /// `rel=icon` (browsers then request it by default) or when no page is in the folder,
    /// and the files of every page's `<link rel="icon" | "shortcut icon" | "apple-touch-icon"
    /// | "mask-icon">`. Web app manifest icons (192 and 512 px) are legitimate and are not
    /// read. SVG icons (and `mask-icon`, which is SVG) have no pixel size and are not
    /// reported. A PNG named `favicon.ico` is read as the PNG it is.
    ///
    /// For PNG, JPEG, GIF and WebP icons the saving is estimated, and labelled so: the file's
    /// bytes scaled by the share of pixels that resizing to the allowed size removes. Findings
    /// under 4 KiB of saving are not reported (as `images/oversized`). Favicons load after the
    /// page, at low priority: the impact model counts their bytes off the critical path.
    ///
    /// ## Why is this bad?
    /// The icon is downloaded on every first visit. A `favicon.ico` written with every size
    /// from 16 to 256 px as bitmaps is 361 kB (webaudit issue 15 found a 365 kB one in a real
    /// build), of which the 16, 24, 32 and 48 px pictures are 17 kB.
    ///
    /// ## How to fix it
    /// Keep 16, 32 and 48 px in the ICO (or 32 px alone), and give large sizes their own
    /// files where they are used: `apple-touch-icon` 180×180, manifest icons 192 and 512.
    ///
    /// ```sh
    /// magick logo-256.png -define icon:auto-resize=48,32,16 favicon.ico     # ImageMagick 7
    /// convert logo-256.png -define icon:auto-resize=48,32,16 favicon.ico    # ImageMagick 6
    /// python3 -c "from PIL import Image; Image.open('logo-256.png').save('favicon.ico', sizes=[(16,16),(32,32),(48,48)])"
    /// ```
    ///
    /// A large `rel=icon` PNG: add a 32 or 48 px one for the tab (or an SVG) and keep the
    /// large one for the manifest: `<link rel="icon" href="/favicon-32.png" sizes="32x32">`.
    ///
    /// ## Options
    /// None: `webaudit.toml` has no per-rule options; lower the rule's severity or turn it
    /// off in `[rules]`.
    ImagesOversizedIcon {
        id: "images/oversized-icon",
        summary: "favicon or touch icon with far more pixels than a browser draws (a 256 px picture in favicon.ico)",
        severity: Warning,
    }
}

/// What a file is used as, the strictest use first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Use {
    /// The tab icon of a page that offers no smaller one (or the default `/favicon.ico`).
    Tab,
    /// A `rel=icon` whose `sizes` declares this largest side.
    Declared(u32),
    /// One `rel=icon` among smaller ones.
    LargeIcon,
    TouchIcon,
}

/// Where a file is first used, and how.
struct IconPlace {
    page: Option<String>,
    line: Option<u32>,
    column: Option<u32>,
    uses: Vec<Use>,
}

impl Rule for ImagesOversizedIcon {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &RuleContext, found: &mut Vec<Violation>) {
        let site = context.site;
        let mut icons: BTreeMap<String, IconPlace> = BTreeMap::new();
        let mut default_requested = site.pages.is_empty();
        for page in &site.pages {
            let tab_links: Vec<_> = page
                .icons
                .iter()
                .filter(|icon| icon.link.rel == IconRel::Icon)
                .collect();
            if tab_links.is_empty() {
                default_requested = true;
            }
            // A page offering a small, vector or ICO icon lets the browser pick that one for
            // the tab; large rasters are then for other uses (a home-screen shortcut).
            let smaller_offered = tab_links.iter().any(|icon| match &icon.target {
                Target::Present(path) => !is_large_raster(context, path),
                // What the browser would get is not known: assume it could be small.
                _ => true,
            });
            for icon in &page.icons {
                let Target::Present(path) = &icon.target else {
                    continue;
                };
                let usage = match icon.link.rel {
                    IconRel::MaskIcon => continue,
                    IconRel::AppleTouchIcon => Use::TouchIcon,
                    IconRel::Icon => match declared_side(icon.link.sizes.as_deref()) {
                        Some(side) => Use::Declared(side),
                        None if smaller_offered => Use::LargeIcon,
                        None => Use::Tab,
                    },
                };
                let place = icons.entry(path.clone()).or_insert_with(|| IconPlace {
                    page: Some(page.path().to_string()),
                    line: Some(icon.link.location.line),
                    column: Some(icon.link.location.column),
                    uses: Vec::new(),
                });
                place.uses.push(usage);
            }
        }
        if default_requested && site.assets_by_path.contains_key("favicon.ico") {
            icons
                .entry("favicon.ico".to_string())
                .or_insert_with(|| IconPlace {
                    page: None,
                    line: None,
                    column: None,
                    uses: Vec::new(),
                })
                .uses
                .push(Use::Tab);
        }
        for (path, place) in &icons {
            let Some(asset) = crate::site::served(&site.assets_by_path, path) else {
                continue;
            };
            // The strictest use decides what is needed; a touch icon only when that is all.
            let Some(&usage) = place.uses.iter().min() else {
                continue;
            };
            let violation = match &asset.facts {
                Facts::Icon(icon) => match &icon.directory {
                    Some(directory) => ico_violation(path, asset.raw, directory, usage),
                    // images/unreadable reports it.
                    None => None,
                },
                Facts::Image(image) => raster_violation(path, asset.raw, image, usage),
                _ => None,
            };
            if let Some(mut violation) = violation {
                match &place.page {
                    Some(page) => {
                        violation.path = Some(page.clone());
                        violation.line = place.line;
                        violation.column = place.column;
                        violation.subject = Some(path.clone());
                    }
                    None => violation.path = Some(path.clone()),
                }
                if usage == Use::TouchIcon {
                    violation.lowered = Some(Severity::Info);
                }
                found.push(violation);
            }
        }
    }
}

/// The largest side `sizes` declares (`16x16 32x32` → 32); `None` for `any` or nothing.
fn declared_side(sizes: Option<&str>) -> Option<u32> {
    sizes?
        .split_ascii_whitespace()
        .filter_map(|size| {
            let (width, height) = size
                .to_ascii_lowercase()
                .split_once('x')
                .map(|(w, h)| (w.parse::<u32>().ok(), h.parse::<u32>().ok()))?;
            Some(width?.max(height?))
        })
        .max()
}

/// A raster image (PNG, JPEG, GIF, WebP, AVIF) over [`LARGE_ICON_PX`].
fn is_large_raster(context: &RuleContext, path: &str) -> bool {
    match crate::site::served(&context.site.assets_by_path, path).map(|a| &a.facts) {
        Some(Facts::Image(image)) => image
            .header
            .is_some_and(|h| h.width.max(h.height) > LARGE_ICON_PX),
        _ => false,
    }
}

/// The largest side the use needs.
fn allowed(usage: Use) -> u32 {
    match usage {
        Use::Tab | Use::LargeIcon => LARGE_ICON_PX,
        // Twice the declared size: a browser may draw a 32×32 icon on a 2× screen.
        Use::Declared(side) => side.saturating_mul(2).max(TAB_ICON_PX),
        Use::TouchIcon => TOUCH_ICON_PX,
    }
}

fn ico_violation(path: &str, raw: u64, directory: &IcoDirectory, usage: Use) -> Option<Violation> {
    // An ICO is a tab icon whatever the link says: browsers draw one picture of it at 16 CSS
    // pixels. As a touch icon only Safari reads it, and it then takes the largest picture.
    if usage == Use::TouchIcon {
        return None;
    }
    let (large, kept): (Vec<&IcoEntry>, Vec<&IcoEntry>) = directory
        .entries
        .iter()
        .partition(|entry| entry.side() > TAB_ICON_PX);
    // An icon made only of large pictures still needs one: the smallest is kept.
    let (large, kept) = if kept.is_empty() {
        let smallest = large.iter().copied().min_by_key(|e| e.side())?;
        let rest: Vec<&IcoEntry> = large
            .iter()
            .copied()
            .filter(|e| !std::ptr::eq(*e, smallest))
            .collect();
        (rest, vec![smallest])
    } else {
        (large, kept)
    };
    let saving: u64 = large
        .iter()
        .map(|e| u64::from(e.bytes) + ICO_ENTRY_BYTES)
        .sum();
    if saving < MIN_SAVING {
        return None;
    }
    let sides = |entries: &[&IcoEntry]| {
        let mut sides: Vec<u32> = entries.iter().map(|e| e.side()).collect();
        sides.sort_unstable();
        sides.dedup();
        let names: Vec<String> = sides.iter().map(u32::to_string).collect();
        match names.split_last() {
            Some((last, [])) => last.clone(),
            Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
            None => String::new(),
        }
    };
    Some(Violation {
        message: format!(
            "{path} holds {} pictures in {}; its {} px pictures ({}) are larger than any browser draws a tab icon ({TAB_ICON_PX} px: 16 CSS px at 3×) and every visitor downloads them: keep {} px",
            directory.entries.len(),
            human(raw),
            sides(&large),
            human(saving),
            sides(&kept),
        ),
        actual: Some(raw),
        limit: Some(raw.saturating_sub(saving)),
        saving: Some(saving),
        ..Violation::default()
    })
}

fn raster_violation(path: &str, raw: u64, image: &ImageFacts, usage: Use) -> Option<Violation> {
    let header = image.header?;
    let side = header.width.max(header.height);
    let allowed = allowed(usage);
    if side <= allowed {
        return None;
    }
    let kept = f64::from(allowed) / f64::from(side);
    let saving = (raw as f64 * (1.0 - kept * kept)).round() as u64;
    if saving < MIN_SAVING {
        return None;
    }
    let why = match usage {
        // The page offers a smaller icon for the tab: this one serves other uses.
        Use::LargeIcon => return None,
        Use::Tab => format!(
            "the page's only tab icon (no smaller icon, SVG or ICO is offered; at most {allowed} px is used, for an Android home-screen shortcut)"
        ),
        Use::Declared(declared) => {
            format!("declared as {declared} px by its `sizes` (browsers choose it for that size)")
        }
        Use::TouchIcon => format!("an apple-touch-icon ({allowed}×{allowed} is the largest used)"),
    };
    Some(Violation {
        message: format!(
            "{path} is a {}×{} {} ({}), {why}: about {} saved at {allowed} px (estimated)",
            header.width,
            header.height,
            header.format.name(),
            human(raw),
            human(saving),
        ),
        actual: Some(u64::from(side)),
        limit: Some(u64::from(allowed)),
        saving: Some(saving),
        ..Violation::default()
    })
}

#[cfg(test)]
mod tests {
    use crate::rules::tester::Folder;

    const RULE: &str = "images/oversized-icon";

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("fixtures/icons")
                .join(name),
        )
        .unwrap()
    }

    fn page(head: &str) -> String {
        format!("<!doctype html><html><head>{head}</head><body><h1>Hi</h1></body></html>")
    }

    #[test]
    fn passes_for_icons_browsers_use_whole() {
        Folder::new()
            // Small pictures only (a 32×27 bitmap), requested by default.
            .file("favicon.ico", fixture("docusaurus-favicon.ico"))
            .file("index.html", page(""))
            // A 180 px touch icon, a 192 px icon for Android, a 32 px one for the tab.
            .png("icons/touch.png", 180, 180)
            .png("icons/android.png", 192, 192)
            .png("icons/tab.png", 32, 32)
            .file(
                "about.html",
                page(
                    r#"<link rel=apple-touch-icon href=icons/touch.png><link rel=icon href=icons/android.png sizes=192x192><link rel=icon href=icons/tab.png sizes=32x32><link rel=mask-icon href=icons/m.svg>"#,
                ),
            )
            .passes(RULE);
    }

    #[test]
    fn a_large_icon_beside_a_smaller_one_is_for_other_uses() {
        // The page offers the 32 px ICO for the tab: the 512 px PNG without `sizes` is what
        // Android takes for a shortcut, not downloaded for the tab.
        Folder::new()
            .file("favicon.ico", fixture("docusaurus-favicon.ico"))
            .png("logo-512.png", 512, 512)
            .file(
                "index.html",
                page(r#"<link rel=icon href=/favicon.ico><link rel=icon href=/logo-512.png>"#),
            )
            .passes(RULE);
    }

    #[test]
    fn an_ico_not_requested_is_not_reported() {
        // Every page names an SVG icon: browsers do not ask for /favicon.ico.
        Folder::new()
            .file("favicon.ico", fixture("pillow-all-sizes-bmp.ico"))
            .file("favicon.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>")
            .file("index.html", page(r#"<link rel=icon href=favicon.svg>"#))
            .passes(RULE);
    }

    #[test]
    fn finds_the_large_pictures_of_a_default_favicon() {
        let findings = Folder::new()
            .file("favicon.ico", fixture("pillow-all-sizes-bmp.ico"))
            .file("index.html", page(""))
            .findings_of(RULE);
        let [finding] = &findings[..] else {
            panic!("{findings:?}")
        };
        assert_eq!(
            finding.message,
            "favicon.ico holds 7 pictures in 361.10 kB; its 64, 128 and 256 px pictures (344.23 kB) are larger than any browser draws a tab icon (48 px: 16 CSS px at 3×) and every visitor downloads them: keep 16, 24, 32 and 48 px"
        );
        assert_eq!(finding.path.as_deref(), Some("favicon.ico"));
        // The three bitmaps and their directory entries, exactly: a 40-byte DIB header and
        // 4 bytes a pixel (Pillow writes 32-bit pictures without the 1-bit mask).
        let bitmaps: u64 = [64u64, 128, 256]
            .iter()
            .map(|side| 40 + side * side * 4 + 16)
            .sum();
        assert_eq!(finding.saving, Some(bitmaps));
        let impact = finding
            .impact
            .as_ref()
            .expect("the saving feeds the impact model");
        assert!(!impact.critical_path, "a favicon loads after the page");
    }

    #[test]
    fn finds_a_png_picture_of_a_linked_icon_at_the_link() {
        let findings = Folder::new()
            .file("static/idle.ico", fixture("idle.ico"))
            .file(
                "app/index.html",
                page(r#"<link rel="shortcut icon" href="../static/idle.ico">"#),
            )
            .findings(RULE);
        assert_eq!(
            findings,
            [
                "app/index.html:1:28: static/idle.ico holds 4 pictures in 57.75 kB; its 256 px pictures (42.66 kB) are larger than any browser draws a tab icon (48 px: 16 CSS px at 3×) and every visitor downloads them: keep 16, 32 and 48 px"
            ]
        );
    }

    #[test]
    fn finds_large_raster_icons_by_their_use() {
        let mut findings = Folder::new()
            .file(
                "favicon.png",
                crate::rules::image_refs::samples::png(400, 400),
            )
            .file(
                "touch.png",
                crate::rules::image_refs::samples::png(360, 360),
            )
            .file(
                "small.png",
                crate::rules::image_refs::samples::png(200, 200),
            )
            .file(
                "index.html",
                page(
                    r#"<link rel=icon href=favicon.png><link rel=apple-touch-icon href=touch.png>"#,
                ),
            )
            .file(
                "other.html",
                page(r#"<link rel=icon type=image/png sizes=32x32 href=small.png>"#),
            )
            .findings(RULE);
        findings.sort();
        assert_eq!(findings.len(), 3, "{findings:#?}");
        assert!(findings[0].starts_with("index.html:1:28: favicon.png is a 400×400 PNG ("));
        assert!(findings[0].contains("the page's only tab icon"));
        assert!(
            findings[1].starts_with("index.html:1:60: touch.png is a 360×360 PNG ("),
            "{findings:#?}"
        );
        assert!(findings[2].starts_with("other.html:1:28: small.png is a 200×200 PNG ("));
        assert!(findings[2].contains("declared as 32 px by its `sizes`"));
        let touch = Folder::new()
            .file(
                "touch.png",
                crate::rules::image_refs::samples::png(360, 360),
            )
            .file(
                "index.html",
                page(r#"<link rel=apple-touch-icon href=touch.png>"#),
            )
            .findings_of(RULE);
        assert_eq!(touch[0].severity, crate::model::finding::Severity::Info);
    }
}
