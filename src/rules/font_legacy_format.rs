use super::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::analyze::css::FontSource;
use crate::model::finding::Violation;

declare_rule! {
    /// ## What it does
    /// Reports `@font-face` rules whose first downloadable source is not WOFF2 — a TTF, OTF, EOT
    /// or WOFF file listed before any WOFF2 (or with none at all) — at the rule's line. Browsers
    /// take the first source they support, and every current browser supports WOFF2, so a
    /// legacy format listed first is what they download. Fallback sources listed after a WOFF2
    /// are fine. The format comes from `format()` or, without it, from the file extension.
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
            {
                // `local()` sources cost no download; the first file is what gets fetched.
                let Some(first) = face.sources.iter().find(|s| s.url.is_some()) else {
                    continue;
                };
                let Some(format) = format_of(first) else {
                    continue;
                };
                if format.starts_with("woff2") {
                    continue;
                }
                let url = first.url.as_deref().unwrap_or_default();
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
}

#[cfg(test)]
mod site_model_tests {
    use crate::rules::tester::Folder;

    const RULE: &str = "fonts/legacy-format";

    #[test]
    fn finds_a_ttf_first_in_a_page_style_block() {
        let folder = Folder::new().file(
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
    fn passes_woff2_first_in_a_page_style_block() {
        Folder::new()
            .file(
                "index.html",
                "<style>@font-face{font-family:Body;src:url(body.woff2) format(\"woff2\"),url(body.ttf)}</style>",
            )
            .passes(RULE);
    }
}
