use super::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::model::finding::Violation;

declare_rule! {
    /// ## What it does
    /// Reports `@font-face` rules (in stylesheets and in pages' `<style>` blocks) with no
    /// `font-display` descriptor, or with `font-display: block` or `auto` (which browsers treat
    /// as `block`), at the rule's line.
    /// `swap`, `fallback` and `optional` pass, as in Lighthouse's "Ensure text remains visible
    /// during webfont load" audit.
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
    /// ## Options
    /// None. `@font-face` rules in stylesheet files and in `<style>` blocks of HTML pages are
    /// checked (a `style` attribute cannot hold one).
    FontDisplay {
        id: "fonts/font-display",
        summary: "@font-face without font-display (or with block/auto): text stays invisible while the font loads",
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
            {
                let display = face.font_display.as_deref().map(str::to_ascii_lowercase);
                let problem = match display.as_deref() {
                    None => "has no font-display".to_string(),
                    Some(value @ ("block" | "auto")) => format!("has font-display: {value}"),
                    Some(_) => continue,
                };
                let family = face
                    .family
                    .as_deref()
                    .map(|f| format!(" ({f})"))
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
}

#[cfg(test)]
mod site_model_tests {
    use crate::rules::tester::Folder;

    const RULE: &str = "fonts/font-display";

    #[test]
    fn finds_font_face_in_a_page_style_block() {
        let folder = Folder::new().file(
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
    fn passes_a_page_style_block_with_swap() {
        Folder::new()
            .file(
                "index.html",
                "<style>@font-face{font-family:Inter;font-display:swap;src:url(inter.woff2)}</style>",
            )
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
