use super::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::analyze::Facts;
use crate::model::finding::Violation;

declare_rule! {
    /// ## What it does
    /// Reports `@font-face` rules in stylesheets with no `font-display` descriptor, or with
    /// `font-display: block` or `auto` (which browsers treat as `block`), at the rule's line.
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
    /// None. `@font-face` rules in `<style>` blocks of HTML pages are not checked yet.
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
        for asset in context.assets {
            let Facts::Stylesheet(style) = &asset.facts else {
                continue;
            };
            for face in &style.css.font_faces {
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
                    path: Some(asset.path.clone()),
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
