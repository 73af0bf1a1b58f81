use super::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::model::facts::css::{TEMPLATE_HOLE, display_with_holes};
use crate::model::finding::Violation;
use crate::site::Target;

declare_rule! {
    /// ## What it does
    /// Reports `@font-face` rules (in stylesheets and in pages' `<style>` blocks) with no
    /// `font-display` descriptor, or with `font-display: auto` (the browser's default, a block
    /// period of up to three seconds in Chrome and Firefox), at the rule's line.
    /// `swap`, `fallback`, `optional` and `block` pass, as in Lighthouse's "Ensure text remains
    /// visible during webfont load" audit: `block` is a choice written down, made for faces
    /// whose fallback would be wrong rather than late (icon fonts, whose glyphs a fallback
    /// shows as letters; KaTeX's math fonts, whose metrics lay formulas out).
    ///
    /// ## Why is this bad?
    /// While a blocking web font downloads, browsers hide the text that uses it for up to three
    /// seconds: on a slow connection the page is there but unreadable.
    ///
    /// ## How to fix it
    /// Add `font-display: swap;` (text shows at once in a fallback font, then swaps) or
    /// `font-display: optional;` (no swap if the font is late; best for layout stability) to each
    /// `@font-face`. Font services take a parameter (`&display=swap` for Google Fonts).
    ///
    /// Not reported: faces that download nothing, so nothing is waited for — every source is
    /// `local()`, or the first source a browser would fetch is a `data:` URL (KaTeX inlines
    /// its smallest fonts; next/font's metric-adjusted fallbacks are `local(Arial)`).
    ///
    /// Not reported either: icon fonts (Font Awesome, VS Code's codicons, Material Icons,
    /// Glyphicons), whose invisible period hides icons, not text. A fallback font would show
    /// their characters as boxes, or a ligature font's icon names as words, so the default
    /// block period is what they want. A face is an icon font when the font file of its first
    /// `url()` source the folder has maps most of its characters into Unicode's Private Use
    /// Areas (U+E000–U+F8FF, planes 15 and 16); text fonts map letters (Inter: 339 private-use
    /// characters of 2,529). A face whose font file's character map cannot be read is judged
    /// as text.
    ///
    /// A face whose fetched file the folder does not have is left to `references/missing`:
    /// the request fails and the fallback shows, so its display matters once the file exists.
    ///
    /// ## Options
    /// None. `@font-face` rules in stylesheet files, in `<style>` blocks of HTML pages and in
    /// scripts' CSS-in-JS (string and template literals, as styled-components'
    /// `createGlobalStyle` and emotion's `injectGlobal` ship them) are checked (a `style`
    /// attribute cannot hold one). A CSS-in-JS source whose URL is only a template hole
    /// (`url(${font})`) is not known to download anything (PixiJS fills such a hole with a
    /// `data:` URL it makes at run time), so its face is not reported; one whose URL holds a
    /// path besides the hole (`url(${base}fonts/roboto.woff2)`) is a file. A `font-display`
    /// whose value is a hole passes.
    FontDisplay {
        id: "fonts/font-display",
        summary: "@font-face without font-display (or with auto): text stays invisible while the font loads",
        severity: Warning,
    }
}

impl Rule for FontDisplay {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &RuleContext, found: &mut Vec<Violation>) {
        for declared in &context.site.font_faces {
            let face = declared.face;
            // An icon font hidden while it loads shows its icons late; a fallback would show
            // them as boxes or words at once, which `block` (the default) avoids.
            if !downloads(face) || declared.font.is_some_and(|font| font.is_icon_font()) {
                continue;
            }
            // A file the folder does not have is `references/missing`'s: the request fails,
            // the fallback shows, and how the font is displayed matters once it exists.
            if matches!(declared.download, Some(Target::Missing(_))) {
                continue;
            }
            let display = face.font_display.as_deref().map(str::to_ascii_lowercase);
            let problem = match display.as_deref() {
                None => "has no font-display".to_string(),
                Some("auto") => "has font-display: auto".to_string(),
                Some(_) => continue,
            };
            let family = face
                .family
                .as_deref()
                .map(|f| format!(" ({})", display_with_holes(f)))
                .unwrap_or_default();
            found.push(Violation {
                path: Some(declared.path.to_string()),
                line: Some(face.location.line),
                column: Some(face.location.column),
                message: format!(
                    "@font-face{family} {problem}: text using it stays invisible until the font arrives; add `font-display: swap` or `optional`"
                ),
                ..Violation::default()
            });
        }
    }
}

/// Whether a browser fetches a file for this face: its first source with a URL in a format
/// browsers use (`embedded-opentype` and `svg` are skipped, as browsers skip them) is not a
/// `data:` URL. `local()` sources are passed over: whether one is installed is unknown, and
/// either way nothing is fetched for it.
fn downloads(face: &crate::analyze::css::FontFace) -> bool {
    face.fetched_source()
        .and_then(|source| source.url.as_deref())
        .is_some_and(|url| {
            let url = url.trim();
            // A URL that is nothing but a template hole may be a `data:` URL made at run time
            // (PixiJS reads a font into one to draw text in an SVG): unknown, so not counted.
            let unknown = url.chars().all(|c| c == TEMPLATE_HOLE);
            !unknown
                && !url
                    .get(..5)
                    .is_some_and(|scheme| scheme.eq_ignore_ascii_case("data:"))
        })
}

#[cfg(test)]
mod site_model_tests {
    use crate::rules::tester::Folder;

    const RULE: &str = "fonts/font-display";

    #[test]
    fn finds_font_face_in_a_page_style_block() {
        let folder = Folder::new().files(&["fonts/inter.woff2"]).file(
            "index.html",
            "<!doctype html><html><head>\n<style>@font-face{font-family:Inter;src:url(/fonts/inter.woff2) format(\"woff2\")}</style>\n</head><body>Hi</body></html>",
        );
        assert_eq!(
            folder.findings(RULE),
            [
                "index.html:2:8: @font-face (Inter) has no font-display: text using it stays invisible until the font arrives; add `font-display: swap` or `optional`"
            ]
        );
    }

    #[test]
    fn passes_faces_that_download_nothing() {
        // KaTeX's smallest face: a data: URL first; next/font's fallback: local() only.
        Folder::new()
            .file(
                "assets/katex.css",
                "@font-face{font-family:KaTeX_Size3;font-display:block;src:url(data:font/woff2;base64,d09GMgABAAAAAA4oAA4AAAAAHbQAAA3TAAEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAGYAAggg) format(\"woff2\"),url(KaTeX_Size3-Regular.woff) format(\"woff\")}",
            )
            .file(
                "assets/next.css",
                "@font-face{font-family:Inter Fallback;src:local(\"Arial\");ascent-override:90.2%}",
            )
            .passes(RULE);
    }

    #[test]
    fn finds_a_face_whose_first_usable_source_is_a_file() {
        // An EOT listed first is skipped by browsers: the woff2 after it is fetched.
        let folder = Folder::new().file(
            "assets/icons.css",
            "@font-face{font-family:Icons;src:local(Icons),url(icons.eot) format(\"embedded-opentype\"),url(icons.woff2) format(\"woff2\"),url(data:font/woff;base64,AAAA) format(\"woff\")}",
        ).files(&["assets/icons.woff2"]);
        assert_eq!(folder.findings(RULE).len(), 1);
    }

    #[test]
    fn passes_a_fragment_that_is_not_a_page() {
        // TensorBoard ships a Polymer import (`font-roboto/roboto.html`: a `<style>` and no
        // document markup) whose faces its index.html also inlines: not a page a visitor opens.
        let face =
            "<style>@font-face{font-family:Roboto;src:url(roboto.woff2) format(\"woff2\")}</style>";
        let folder = Folder::new().file(
            "font-roboto/roboto.html",
            format!("<!-- @license -->\n{face}"),
        );
        folder.passes(RULE);
        folder.prepared(|prepared, _| assert!(prepared.pages.is_empty()));
        // The same markup in a document is a page, and its face is reported.
        let folder = Folder::new()
            .files(&["roboto.woff2"])
            .file("index.html", format!("<!DOCTYPE html>\n{face}"));
        assert_eq!(folder.findings(RULE).len(), 1);
        let folder = Folder::new()
            .files(&["roboto.woff2"])
            .file("index.html", format!("<HTML lang=en>\n{face}"));
        assert_eq!(folder.findings(RULE).len(), 1);
    }

    #[test]
    fn reads_css_in_js_faces_of_scripts() {
        // Home Assistant's Roboto faces in a lit `css` template, the base path in a hole; a
        // PixiJS face whose whole URL is a hole (a `data:` URL made at run time) is unknown.
        let folder = Folder::new().file(
            "frontend/app.js",
            "const roboto=css`@font-face{font-family:Roboto;src:local(\"Roboto\"),url(${base}fonts/roboto/Roboto-Regular.woff2) format(\"woff2\");font-weight:400}`;\nconst pixi=`@font-face {\n font-family: \"${e.fontFamily}\";\n src: url('${n}');\n}`;",
        );
        assert_eq!(
            folder.findings(RULE),
            [
                "frontend/app.js:1:18: @font-face (Roboto) has no font-display: text using it stays invisible until the font arrives; add `font-display: swap` or `optional`"
            ]
        );
    }

    fn fixture(path: &str) -> Vec<u8> {
        std::fs::read(format!("{}/fixtures/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    /// open-iconic's WOFF (its glyphs at U+E000 on) and Inter's latin WOFF2, as Vite built them.
    fn icon_and_text_fonts(folder: Folder) -> Folder {
        folder
            .file(
                "assets/open-iconic-ChAtPn5z.woff",
                fixture("icon-font/dist/assets/open-iconic-ChAtPn5z.woff"),
            )
            .file(
                "assets/inter-latin-400-normal-C38fXH4l.woff2",
                fixture("icon-font/dist/assets/inter-latin-400-normal-C38fXH4l.woff2"),
            )
    }

    #[test]
    fn passes_an_icon_font_whose_characters_are_private_use() {
        // Both faces have no font-display; only the text face hides text. The icon face's first
        // source is missing, and its font is read from the next one the folder has.
        let folder = icon_and_text_fonts(Folder::new()).file(
            "assets/index.css",
            "@font-face{font-family:Icons;src:url(missing.woff2) format(\"woff2\"),url(open-iconic-ChAtPn5z.woff) format(\"woff\")}\n@font-face{font-family:Inter;src:url(inter-latin-400-normal-C38fXH4l.woff2) format(\"woff2\")}",
        );
        assert_eq!(
            folder.findings(RULE),
            [format!(
                "assets/index.css:2:1: @font-face (Inter) has no font-display{}",
                ": text using it stays invisible until the font arrives; add `font-display: swap` or `optional`"
            )]
        );
    }

    #[test]
    fn finds_an_icon_font_as_text_when_its_file_cannot_be_read() {
        // Nothing says what the font holds: the face is reported, as any other.
        let css =
            "@font-face{font-family:Icons;src:url(open-iconic-ChAtPn5z.woff) format(\"woff\")}";
        let folder = Folder::new()
            .file("assets/index.css", css)
            .file("assets/open-iconic-ChAtPn5z.woff", b"wOFF\0\0");
        assert_eq!(folder.findings(RULE).len(), 1);
    }

    #[test]
    fn leaves_a_face_whose_file_is_missing_to_references_missing() {
        // The request fails and the fallback shows: how the font would be displayed matters
        // once the file exists. The same face is reported once it does.
        let css = "@font-face{font-family:Inter;src:url(/fonts/inter.woff2) format(\"woff2\")}";
        let folder = Folder::new().file("assets/index.css", css);
        folder.passes(RULE);
        assert_eq!(folder.findings("references/missing").len(), 1);
        let folder = Folder::new()
            .file("assets/index.css", css)
            .files(&["fonts/inter.woff2"]);
        assert_eq!(folder.findings(RULE).len(), 1);
    }

    #[test]
    fn passes_an_icon_font_of_a_page_style_block_and_of_css_in_js() {
        // A page's face resolves against the page; a script's by the font file's name, which
        // one font file of the folder has.
        let folder = icon_and_text_fonts(Folder::new())
            .file(
                "index.html",
                "<!doctype html><style>@font-face{font-family:Icons;src:url(/assets/open-iconic-ChAtPn5z.woff)}</style>",
            )
            .file(
                "assets/app.js",
                "const icons=css`@font-face{font-family:Icons;src:url(${base}/open-iconic-ChAtPn5z.woff) format(\"woff\")}`;\nconst text=css`@font-face{font-family:Inter;src:url(${base}/inter-latin-400-normal-C38fXH4l.woff2)}`;",
            );
        assert_eq!(
            folder.findings(RULE),
            [format!(
                "assets/app.js:2:16: @font-face (Inter) has no font-display{}",
                ": text using it stays invisible until the font arrives; add `font-display: swap` or `optional`"
            )]
        );
    }

    #[test]
    fn passes_a_page_style_block_with_swap() {
        Folder::new()
            .file(
                "index.html",
                "<style>@font-face{font-family:Inter;font-display:swap;src:url(inter.woff2)}</style>",
            )
            .files(&["inter.woff2"])
            .passes(RULE);
    }

    #[test]
    fn a_style_attribute_cannot_declare_a_font() {
        // A `style` attribute is a declaration list: browsers drop an at-rule in it, so there
        // is no font to load and nothing to report.
        Folder::new()
            .file(
                "index.html",
                "<div style=\"@font-face{font-family:X;src:url(x.woff)} background:url(a.png)\">x</div>",
            )
            .passes(RULE);
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::tester::Folder;

    const RULE: &str = "fonts/font-display";

    /// One @font-face of fontsource as Vite minifies it, with `display` as its declaration
    /// (empty: none).
    fn inter(display: &str) -> String {
        format!(
            "@font-face{{font-family:Inter;font-style:normal;{display}font-weight:400;src:url(/assets/inter-latin-400-normal-C38fXH4l.woff2)format(\"woff2\"),url(/assets/inter-latin-400-normal-CyCys3Eg.woff)format(\"woff\");unicode-range:U+0000-00FF,U+0131,U+0152-0153}}"
        )
    }

    const END: &str = ": text using it stays invisible until the font arrives; add `font-display: swap` or `optional`";

    #[test]
    fn passes_for_swap_as_vite_builds_fontsource() {
        let css = format!(
            "{}{}:root{{font-family:Inter,system-ui,sans-serif}}",
            inter("font-display:swap;"),
            inter("font-display:swap;")
        );
        Folder::new()
            .file("assets/index-DhzmkGAC.css", css)
            .files(&["assets/inter-latin-400-normal-C38fXH4l.woff2"])
            .passes(RULE);
    }

    #[test]
    fn passes_for_optional_and_fallback_whatever_their_case() {
        let css = [
            "/* Self-hosted fonts */",
            "@font-face {",
            "  font-family: \"Source Serif\";",
            "  src: url(\"/fonts/source-serif.woff2\") format(\"woff2\");",
            "  font-display: OPTIONAL;",
            "}",
            "@font-face {",
            "  font-family: \"JetBrains Mono\";",
            "  src: url(\"/fonts/jetbrains-mono.woff2\") format(\"woff2\");",
            "  font-display: fallback /* shorter block than swap */;",
            "}",
        ]
        .join("\n");
        Folder::new()
            .file("css/fonts.css", css)
            .files(&["fonts/source-serif.woff2", "fonts/jetbrains-mono.woff2"])
            .passes(RULE);
    }

    #[test]
    fn passes_when_a_stylesheet_has_no_font_face() {
        Folder::new()
            .file(
                "assets/index-DhzmkGAC.css",
                ":root{font-family:system-ui,sans-serif;font-display:block}body{margin:0}",
            )
            .passes(RULE);
    }

    #[test]
    fn finds_a_font_face_without_font_display() {
        // fontsource before 4.5 had none; the minified rule is on line 1, each at its column.
        let css = format!("{}{}", inter("font-display:swap;"), inter(""));
        let column = inter("font-display:swap;").len() + 1;
        let folder = Folder::new()
            .files(&["assets/inter-latin-400-normal-C38fXH4l.woff2"])
            .file("assets/index-DhzmkGAC.css", css);
        assert_eq!(
            folder.findings(RULE),
            [format!(
                "assets/index-DhzmkGAC.css:1:{column}: @font-face (Inter) has no font-display{END}"
            )]
        );
    }

    #[test]
    fn finds_auto_and_passes_block_which_is_a_choice() {
        let css = [
            "@font-face {",
            "  font-family: codicon;",
            "  src: url(\"fonts/codicon.ttf\") format(\"truetype\");",
            "  font-display: block;",
            "}",
            "@font-face {",
            "  font-family: 'Open Sans';",
            "  font-weight: 700;",
            "  src: url(\"fonts/OpenSans-Bold.woff2\") format(\"woff2\");",
            "  font-display: Auto;",
            "}",
        ]
        .join("\n");
        let folder = Folder::new()
            .files(&["css/fonts/OpenSans-Bold.woff2"])
            .file("css/site.css", css);
        assert_eq!(
            folder.findings(RULE),
            [format!(
                "css/site.css:6:1: @font-face (Open Sans) has font-display: auto{END}"
            )]
        );
    }

    #[test]
    fn finds_a_font_face_without_a_family_or_with_font_display_only_in_a_comment() {
        let css = [
            "@font-face { src: url(icons.woff2) format(\"woff2\") }",
            "@font-face {",
            "  font-family: Icons;",
            "  src: url(icons.woff2) format(\"woff2\");",
            "  /* font-display: swap; */",
            "}",
        ]
        .join("\n");
        let folder = Folder::new()
            .files(&["css/icons.woff2"])
            .file("css/icons.css", css);
        assert_eq!(
            folder.findings(RULE),
            [
                format!("css/icons.css:1:1: @font-face has no font-display{END}"),
                format!("css/icons.css:2:1: @font-face (Icons) has no font-display{END}"),
            ]
        );
    }

    #[test]
    fn finds_font_faces_nested_in_conditional_rules_and_later_in_the_cascade() {
        // In @supports and @media, and a font-display that a later declaration overrides.
        let css = [
            "@supports (font-variation-settings: normal) {",
            "  @font-face { font-family: InterVariable; src: url(inter.var.woff2) format(\"woff2\") }",
            "}",
            "@media screen {",
            "  @font-face { font-family: Lora; src: url(lora.woff2); font-display: swap; font-display: auto }",
            "}",
        ]
        .join("\n");
        let folder = Folder::new()
            .files(&["css/inter.var.woff2", "css/lora.woff2"])
            .file("css/fonts.css", css);
        assert_eq!(
            folder.findings(RULE),
            [
                format!("css/fonts.css:2:3: @font-face (InterVariable) has no font-display{END}"),
                format!("css/fonts.css:5:3: @font-face (Lora) has font-display: auto{END}"),
            ]
        );
    }
}
