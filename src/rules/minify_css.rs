use super::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::analyze::Facts;
use crate::analyze::minify::CSS_MIN_SAVING_RATIO;
use crate::model::finding::Violation;

declare_rule! {
    /// ## What it does
    /// Reports stylesheets that are not minified: removing their comments and unnecessary
    /// whitespace would save at least 2 KiB and at least 5% of the file (the thresholds of
    /// Lighthouse's "Minify CSS" audit).
    ///
    /// The estimate reads the stylesheet with webaudit's CSS tokenizer, so strings, `url(…)`
    /// and comments are recognised as such. Whitespace is dropped next to `{ } ; , : ( [ ) ] >`
    /// and `!`, and kept as one space elsewhere (`a .b`, `0 auto`, `calc(1px + 2px)`); the
    /// last `;` of a block is dropped; `/*!` licence comments are kept. Minifiers also shorten
    /// colours and merge rules, so they save more.
    ///
    /// **The saving is in raw bytes**, and the thresholds apply to it; Lighthouse reports
    /// transfer bytes (raw saving × compression ratio), typically a quarter to a third of it.
    /// The message gives both.
    ///
    /// ## Why is this bad?
    /// Stylesheets block rendering: the page is not drawn until they are downloaded and parsed.
    /// Comments and indentation only delay that.
    ///
    /// ## How to fix it
    /// Let the bundler minify CSS (Vite does by default), or minify vendored files:
    /// `npx esbuild --minify in.css --outfile=in.min.css`, `npx lightningcss --minify`.
    /// Many packages ship a ready `.min.css`.
    ///
    /// ## Options
    /// None.
    MinifyCss {
        id: "minify/css",
        summary: "Unminified CSS: comments and whitespace that could be removed",
        severity: Warning,
    }
}

impl Rule for MinifyCss {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &RuleContext, found: &mut Vec<Violation>) {
        for asset in context.assets {
            let Facts::Stylesheet(style) = &asset.facts else {
                continue;
            };
            if let Some(violation) = super::minify_js::unminified(
                asset,
                style.minified.as_ref(),
                CSS_MIN_SAVING_RATIO,
                "minify/css",
            ) {
                found.push(violation);
            }
        }
    }
}
