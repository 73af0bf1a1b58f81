use super::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::model::facts::Facts;
use crate::model::facts::inlined::InlinedData;
use crate::model::finding::Violation;
use crate::size::human;

/// Inlined files up to this size (decoded) are not reported: Vite's default
/// `build.assetsInlineLimit` (4,096 bytes), the size under which saving a request is worth the
/// bytes. (webpack 5's `asset` modules inline up to 8 KiB by default.)
pub const INLINED_BYTES: u64 = 4 * 1024;

declare_rule! {
    /// ## What it does
    /// Reports images and fonts inlined as `data:` URLs in scripts and stylesheets whose
    /// decoded size is over 4 KiB (4,096 bytes: Vite's default `build.assetsInlineLimit`, the
    /// size up to which a bundler inlines an asset by default), with the decoded size, the
    /// bytes the URL takes in the file (base64 adds a third) and where it is (line and
    /// column). Image types are `image/…`; font types `font/…`, `application/font-…`,
    /// `application/x-font-…` and `application/vnd.ms-fontobject`. Facts come from the
    /// stylesheet's `url()`s and from `data:` URLs right after a quote or `url(` in scripts.
    ///
    /// ## Why is this bad?
    /// An inlined file is part of the script or stylesheet: it cannot be cached apart from
    /// it (every change to the code downloads the image again), cannot be lazy-loaded or
    /// loaded at a lower priority, is downloaded even by pages that never show it, and
    /// takes a third more bytes as base64 (compression takes back only part of that). In a
    /// stylesheet or an initial script it delays the first paint.
    ///
    /// ## How to fix it
    /// Lower the bundler's inline limit (Vite `build.assetsInlineLimit`, webpack
    /// `parser.dataUrlCondition.maxSize` or `url-loader`'s `limit`) so larger files are
    /// emitted as files, or reference the file by URL. The saving shown is the bytes the URL
    /// takes out of the file.
    ///
    /// ## Options
    /// None: `webaudit.toml` has no per-rule options; lower the rule's severity or turn it
    /// off in `[rules]`.
    InlinedAsset {
        id: "bundle/inlined-asset",
        summary: "An image or font over 4 KiB inlined as a data: URL in a script or stylesheet",
        severity: Warning,
    }
}

impl Rule for InlinedAsset {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &RuleContext, found: &mut Vec<Violation>) {
        for asset in context.assets {
            let Some(inlined) = inlined_in(&asset.facts) else {
                continue;
            };
            for data in inlined.iter().filter(|d| d.decoded_bytes > INLINED_BYTES) {
                let encoding = if data.base64 { "base64" } else { "text" };
                found.push(Violation {
                    path: Some(asset.path.clone()),
                    line: Some(data.location.line),
                    column: Some(data.location.column),
                    message: format!(
                        "inlines {} of {} as a data: URL ({} as {encoding} in the file): it cannot be cached or loaded apart from this {}",
                        data.media_type,
                        human(data.decoded_bytes),
                        human(data.encoded_bytes),
                        asset.kind.name()
                    ),
                    actual: Some(data.decoded_bytes),
                    limit: Some(INLINED_BYTES),
                    saving: Some(data.encoded_bytes),
                    ..Violation::default()
                });
            }
        }
    }
}

/// The inlined files of a script or stylesheet, also of one shipped only as `.gz`/`.br` (read
/// as the file it encodes).
fn inlined_in(facts: &Facts) -> Option<&[InlinedData]> {
    match facts {
        Facts::Script(script) => Some(&script.inlined),
        Facts::Stylesheet(style) => Some(&style.inlined),
        Facts::Encoded(encoded) => inlined_in(&encoded.content),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::tester::Folder;

    const RULE: &str = "bundle/inlined-asset";

    fn base64_image(decoded: usize) -> String {
        use base64::Engine;
        let bytes: Vec<u8> = (0..decoded).map(|i| (i * 7919 % 251) as u8).collect();
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    #[test]
    fn passes_for_small_inlined_files_and_other_data() {
        Folder::new()
            .file(
                "assets/app.js",
                format!(
                    "const icon=\"data:image/png;base64,{}\";const blob=\"data:application/octet-stream;base64,{}\";",
                    base64_image(4_096),
                    base64_image(40_000)
                ),
            )
            .file(
                "assets/app.css",
                format!(".i{{background:url(data:image/svg+xml;base64,{})}}", base64_image(2_000)),
            )
            // An HTML page's own data: URLs are not in a script or stylesheet.
            .file(
                "index.html",
                format!("<img src=\"data:image/png;base64,{}\">", base64_image(10_000)),
            )
            .passes(RULE);
    }

    #[test]
    fn finds_a_font_in_a_stylesheet_shipped_only_compressed() {
        let css = format!(
            "@font-face{{font-family:pficon;src:url(data:application/font-woff;base64,{})}}",
            base64_image(8_000)
        );
        let folder = Folder::new()
            .file(
                "index.html",
                "<!doctype html><link rel=stylesheet href=app.css><body>",
            )
            .gzip("app.css.gz", css);
        assert_eq!(
            folder.findings(RULE),
            [
                "app.css.gz:1:35: inlines application/font-woff of 8 kB as a data: URL (10.70 kB as base64 in the file): it cannot be cached or loaded apart from this stylesheet"
            ]
        );
    }

    #[test]
    fn finds_images_in_a_script_and_fonts_in_a_stylesheet() {
        let folder = Folder::new()
            .file(
                "assets/app.js",
                format!(
                    "import\"./vendor.js\";\nconst hero=\"data:image/jpeg;base64,{}\";export{{hero}};",
                    base64_image(60_000)
                ),
            )
            .file(
                "assets/app.css",
                format!(
                    "@font-face{{font-family:Icons;src:url(data:font/woff2;base64,{}) format(\"woff2\")}}",
                    base64_image(4_097)
                ),
            );
        assert_eq!(
            folder.findings(RULE),
            [
                "assets/app.css:1:34: inlines font/woff2 of 4.10 kB as a data: URL (5.49 kB as base64 in the file): it cannot be cached or loaded apart from this stylesheet",
                "assets/app.js:2:13: inlines image/jpeg of 60 kB as a data: URL (80.02 kB as base64 in the file): it cannot be cached or loaded apart from this script"
            ]
        );
        let finding = &folder.findings_of(RULE)[1];
        assert_eq!(finding.actual, Some(60_000));
        assert_eq!(finding.saving, Some(80_023));
    }
}
