use super::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::analyze::css::FontSource;
use crate::model::facts::css::display_with_holes;
use crate::model::finding::Violation;
use crate::site::Target;

declare_rule! {
    /// ## What it does
    /// Reports `@font-face` rules whose first downloadable source is not WOFF2 — a TTF, OTF, EOT
    /// or WOFF file listed before any WOFF2 (or with none at all) — at the rule's line. Browsers
    /// take the first source they support, and every current browser supports WOFF2, so a
    /// legacy format listed first is what they download. Fallback sources listed after a WOFF2
    /// are fine. The format comes from `format()` or, without it, from the file extension. A
    /// source whose `format()` names a format no current browser supports
    /// (`embedded-opentype`, `svg`) is skipped without a download, as browsers skip it: the
    /// classic `url(x.eot?#iefix) format("embedded-opentype")` first entry costs nothing. An
    /// EOT without `format()` is downloaded (and then rejected), so it is reported.
    ///
    /// `@font-face` rules in stylesheets, in pages' `<style>` blocks and in scripts' CSS-in-JS
    /// (string and template literals) are checked; a source whose URL is a template hole
    /// (`url(${font})`) is judged by its `format()` alone. A face whose first source is a
    /// `data:` URL downloads nothing (the font is in the file already; when it is over 4 KiB
    /// `bundle/inlined-asset` reports it). A face whose fetched file the folder does not have is
    /// left to `references/missing`: its format matters once the file exists.
    ///
    /// ## Why is this bad?
    /// WOFF2 is Brotli-compressed font data, typically 30% smaller than WOFF and less than half
    /// the size of TTF/OTF; EOT serves only Internet Explorer.
    ///
    /// ## How to fix it
    /// Convert the fonts (`woff2_compress`, fonttools `pyftsubset --flavor=woff2`, or download
    /// the WOFF2 build) and list it first:
    ///
    /// ```css
    /// src: url(inter.woff2) format("woff2"), url(inter.woff) format("woff");
    /// ```
    ///
    /// ## Options
    /// None.
    FontLegacyFormat {
        id: "fonts/legacy-format",
        summary: "@font-face serving TTF/OTF/EOT/WOFF before (or instead of) WOFF2",
        severity: Warning,
    }
}

/// The format of a font source: its `format()` hint, else its file extension.
fn format_of(source: &FontSource) -> Option<String> {
    if let Some(format) = &source.format {
        return Some(format.to_ascii_lowercase());
    }
    let url = source.url.as_deref()?;
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let extension = path.rsplit_once('.')?.1.to_ascii_lowercase();
    Some(match extension.as_str() {
        "ttf" => "truetype".to_string(),
        "otf" => "opentype".to_string(),
        "eot" => "embedded-opentype".to_string(),
        other => other.to_string(),
    })
}

impl Rule for FontLegacyFormat {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &RuleContext, found: &mut Vec<Violation>) {
        for declared in &context.site.font_faces {
            let face = declared.face;
            // `local()` sources cost no download; the first file is what gets fetched.
            let Some(first) = face.fetched_source() else {
                continue;
            };
            // A file the folder does not have is `references/missing`'s: its format matters
            // once it exists.
            if matches!(declared.download, Some(Target::Missing(_))) {
                continue;
            }
            // A `data:` source is inside the stylesheet or script already: nothing is
            // downloaded for it, and a large one is `bundle/inlined-asset`'s.
            if first.url.as_deref().is_some_and(|url| {
                url.trim_start()
                    .get(..5)
                    .is_some_and(|scheme| scheme.eq_ignore_ascii_case("data:"))
            }) {
                continue;
            }
            let Some(format) = format_of(first) else {
                continue;
            };
            if format.starts_with("woff2") {
                continue;
            }
            let url = display_with_holes(first.url.as_deref().unwrap_or_default());
            let has_woff2 = face
                .sources
                .iter()
                .any(|s| format_of(s).is_some_and(|f| f.starts_with("woff2")));
            let advice = if has_woff2 {
                "list the WOFF2 source first"
            } else {
                "serve WOFF2 (typically 30% smaller than WOFF, half the size of TTF/OTF) and list it first"
            };
            found.push(Violation {
                path: Some(declared.path.to_string()),
                line: Some(first.location.line),
                column: Some(first.location.column),
                message: format!(
                    "@font-face downloads {url} ({format}) where WOFF2 is the norm; {advice}"
                ),
                ..Violation::default()
            });
        }
    }
}

#[cfg(test)]
mod site_model_tests {
    use crate::rules::tester::Folder;

    const RULE: &str = "fonts/legacy-format";

    #[test]
    fn finds_a_ttf_first_in_a_page_style_block() {
        let folder = Folder::new().files(&["f/body.ttf"]).file(
            "about/index.html",
            "<html><head><style>\n@font-face{font-family:Body;font-display:swap;src:url(/f/body.ttf) format(\"truetype\"),url(/f/body.woff2) format(\"woff2\")}\n</style></head></html>",
        );
        assert_eq!(
            folder.findings(RULE),
            [
                "about/index.html:2:51: @font-face downloads /f/body.ttf (truetype) where WOFF2 is the norm; list the WOFF2 source first"
            ]
        );
    }

    #[test]
    fn leaves_a_face_whose_file_is_missing_to_references_missing() {
        // The TTF is what browsers would download, but the folder does not have it: the
        // failed request is the problem, and its format matters once the file exists.
        let css = "@font-face{font-family:Icons;src:url(../fonts/icons.ttf) format(\"truetype\")}";
        let folder = Folder::new().file("css/site.css", css);
        folder.passes(RULE);
        let folder = folder.files(&["fonts/icons.ttf"]);
        assert_eq!(folder.findings(RULE).len(), 1);
    }

    #[test]
    fn passes_woff2_first_in_a_page_style_block() {
        Folder::new()
            .file(
                "index.html",
                "<style>@font-face{font-family:Body;src:url(body.woff2) format(\"woff2\"),url(body.ttf)}</style>",
            )
            .files(&["body.woff2"])
            .passes(RULE);
    }

    #[test]
    fn passes_the_iefix_eot_that_browsers_skip() {
        // Font Awesome 4.7's layout: the EOT is named with format("embedded-opentype"), which
        // no current browser supports, so it is skipped without a request; WOFF2 is taken.
        Folder::new()
            .file(
                "css/fa.css",
                "@font-face{font-family:FontAwesome;font-display:block;src:url(../fonts/fa.eot?#iefix&v=4.7.0) format('embedded-opentype'),url(../fonts/fa.woff2?v=4.7.0) format('woff2'),url(../fonts/fa.woff?v=4.7.0) format('woff')}",
            )
            .files(&["fonts/fa.woff2"])
            .passes(RULE);
    }

    #[test]
    fn passes_a_font_inlined_as_a_data_url() {
        // FullCalendar's icon font, inlined by the library as a base64 TrueType `data:` URL:
        // nothing is downloaded for it.
        Folder::new()
            .file(
                "assets/index.js",
                "const css=`@font-face{font-family:fcicons;src:url(\"data:application/x-font-ttf;charset=utf-8;base64,AAEAAAALAIAAAwAwT1MvMg8SBfAAAAC8AAAAYGNtYXAXVtKNAAABHAAAAFRnYXNwAAAAEAAAAXAAAAAIZ2x5Zg==\") format(\"truetype\");font-weight:400}`;document.head.append(css);",
            )
            .passes(RULE);
        // The same face with a file first is still reported.
        let folder = Folder::new().file(
            "assets/index.js",
            "const css=`@font-face{font-family:fcicons;src:url(fcicons.ttf) format(\"truetype\"),url(\"data:font/woff2;base64,d09GMgABAAAAAA==\") format(\"woff2\")}`;",
        );
        assert_eq!(
            folder.findings(RULE).len(),
            1,
            "{:?}",
            folder.findings(RULE)
        );
    }

    #[test]
    fn finds_an_eot_without_a_format_hint() {
        // Without format(), browsers request the EOT, then reject it.
        let folder = Folder::new()
            .file(
                "css/site.css",
                "@font-face{font-family:Icons;src:url(icons.eot),url(icons.woff2) format('woff2')}",
            )
            .files(&["css/icons.eot"]);
        assert_eq!(
            folder.findings(RULE),
            [
                "css/site.css:1:34: @font-face downloads icons.eot (embedded-opentype) where WOFF2 is the norm; list the WOFF2 source first"
            ]
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::tester::Folder;

    const RULE: &str = "fonts/legacy-format";

    const SERVE: &str = "where WOFF2 is the norm; serve WOFF2 (typically 30% smaller than WOFF, half the size of TTF/OTF) and list it first";

    #[test]
    fn passes_when_woff2_comes_first_as_vite_builds_fontsource() {
        let css = "@font-face{font-family:Inter;font-style:normal;font-display:swap;font-weight:400;src:url(/assets/inter-latin-400-normal-C38fXH4l.woff2)format(\"woff2\"),url(/assets/inter-latin-400-normal-CyCys3Eg.woff)format(\"woff\");unicode-range:U+0000-00FF}";
        Folder::new()
            .file("assets/index-DhzmkGAC.css", css)
            .files(&["assets/inter-latin-400-normal-C38fXH4l.woff2"])
            .passes(RULE);
    }

    #[test]
    fn passes_when_local_fonts_come_before_woff2() {
        // local() costs no download; the first file is the WOFF2.
        let css = [
            "@font-face {",
            "  font-family: \"Open Sans\";",
            "  src: local(\"Open Sans\"), local(OpenSans-Regular),",
            "       url(\"../fonts/open-sans.woff2\") format(\"woff2\"),",
            "       url(\"../fonts/open-sans.ttf\") format(\"truetype\");",
            "  font-display: swap;",
            "}",
            "@font-face { font-family: System; src: local(\"Helvetica Neue\"), local(Arial) }",
        ]
        .join("\n");
        Folder::new()
            .file("css/site.css", css)
            .files(&["fonts/open-sans.woff2"])
            .passes(RULE);
    }

    #[test]
    fn passes_for_woff2_named_by_variations_format_unquoted_format_or_extension() {
        let css = [
            "@font-face{font-family:A;src:url(a.woff2) format(\"woff2-variations\"),url(a.ttf) format(\"truetype-variations\")}",
            "@font-face{font-family:B;src:url(b.woff2) format(woff2) tech(variations)}",
            "@font-face{font-family:C;src:url(c.WOFF2?v=4.7.0#iefix),url(c.woff)}",
        ]
        .join("\n");
        Folder::new()
            .file("css/fonts.css", css)
            .files(&["css/a.woff2", "css/b.woff2", "css/c.WOFF2"])
            .passes(RULE);
    }

    #[test]
    fn passes_when_a_later_src_replaces_a_legacy_one() {
        // The cascade keeps the last src descriptor.
        let css = "@font-face{font-family:D;src:url(d.ttf);src:url(d.woff2) format(\"woff2\"),url(d.ttf) format(\"truetype\")}";
        Folder::new()
            .file("css/fonts.css", css)
            .files(&["css/d.woff2"])
            .passes(RULE);
    }

    #[test]
    fn finds_a_truetype_font_without_woff2() {
        // A font package's CSS copied as is: the 212 KiB TTF is what browsers download.
        let css = [
            "@font-face {",
            "  font-family: \"Open Sans\";",
            "  src: url(\"fonts/OpenSans-Regular.ttf\") format(\"truetype\");",
            "  font-weight: 400;",
            "}",
        ]
        .join("\n");
        let folder = Folder::new()
            .files(&["fonts/OpenSans-Regular.ttf"])
            .file("style.css", css);
        assert_eq!(
            folder.findings(RULE),
            [format!(
                "style.css:3:8: @font-face downloads fonts/OpenSans-Regular.ttf (truetype) {SERVE}"
            )]
        );
    }

    #[test]
    fn finds_woff_listed_before_woff2() {
        let css = "@font-face{font-family:Inter;src:url(/assets/inter-CyCys3Eg.woff) format(\"woff\"),url(/assets/inter-C38fXH4l.woff2) format(\"woff2\")}";
        let folder = Folder::new()
            .files(&["assets/inter-CyCys3Eg.woff"])
            .file("assets/index-DhzmkGAC.css", css);
        assert_eq!(
            folder.findings(RULE),
            [
                "assets/index-DhzmkGAC.css:1:34: @font-face downloads /assets/inter-CyCys3Eg.woff (woff) where WOFF2 is the norm; list the WOFF2 source first"
            ]
        );
    }

    #[test]
    fn finds_legacy_formats_known_by_their_extension() {
        // Without format(): the extension says TrueType, OpenType or WOFF (query ignored).
        let css = [
            "@font-face{font-family:A;src:url(a.ttf?v=2)}",
            "@font-face{font-family:B;src:local(B),url(b.otf),url(b.woff2)}",
            "@font-face{font-family:C;src:url(c.woff#c)}",
        ]
        .join("\n");
        let folder = Folder::new()
            .files(&["css/a.ttf", "css/b.otf", "css/c.woff"])
            .file("css/fonts.css", css);
        assert_eq!(
            folder.findings(RULE),
            [
                format!("css/fonts.css:1:30: @font-face downloads a.ttf?v=2 (truetype) {SERVE}"),
                "css/fonts.css:2:39: @font-face downloads b.otf (opentype) where WOFF2 is the norm; list the WOFF2 source first".to_string(),
                format!("css/fonts.css:3:30: @font-face downloads c.woff#c (woff) {SERVE}"),
            ]
        );
    }

    #[test]
    fn finds_a_legacy_src_that_replaces_a_woff2_one() {
        let css = "@font-face{font-family:W;src:url(w.woff2) format(\"woff2\");src:url(w.ttf)}";
        let folder = Folder::new()
            .files(&["css/w.ttf"])
            .file("css/fonts.css", css);
        assert_eq!(
            folder.findings(RULE),
            [format!(
                "css/fonts.css:1:63: @font-face downloads w.ttf (truetype) {SERVE}"
            )]
        );
    }
}
