use super::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::analyze::Facts;
use crate::analyze::minify::{self, JS_MIN_SAVING_RATIO, Minified};
use crate::model::finding::Violation;

declare_rule! {
    /// ## What it does
    /// Reports JavaScript files (`.js`, `.mjs`, `.cjs`) that are not minified: removing their
    /// comments and unnecessary whitespace would save at least 2 KiB and at least 10% of the
    /// file (the thresholds of Lighthouse's "Minify JavaScript" audit).
    ///
    /// The estimate reads the file with swc's lexer and keeps every token, the separators the
    /// code needs (a space between two words, a line break or `;` where automatic semicolon
    /// insertion may depend on a line break) and the licence comments minifiers keep (`/*!`,
    /// `//!`, `@license`, `@preserve`). A minifier also shortens names, so it saves more than
    /// this estimate.
    ///
    /// **The saving is in raw bytes** (the file's size on disk and in the browser's memory),
    /// and the thresholds apply to it. Lighthouse reports transfer bytes instead (the raw saving
    /// times the file's compression ratio), which assumes the server compresses; whitespace
    /// compresses well, so that figure is typically a quarter to a third of the raw one and
    /// files that Lighthouse would not flag may be reported here. The message gives both: the
    /// transfer figure is the raw saving × gzip size / raw size.
    ///
    /// Scripts that cannot hold a reportable saving are not estimated: when the white space
    /// and comments between their tokens (counted by the module lexer in the pass that finds
    /// imports; if that lexer gives up, every white-space byte plus every byte that could be
    /// in a comment) stay under the thresholds, the estimate could not reach them either, and
    /// the slower swc pass is skipped. On real minified bundles that is nearly all of them.
    ///
    /// ## Why is this bad?
    /// Every byte of a script is downloaded, decompressed, stored and parsed. Comments and
    /// indentation are for people reading the source, not for browsers.
    ///
    /// ## How to fix it
    /// Let the bundler minify (Vite, webpack and Rollup do in production mode), or run a
    /// minifier over vendored files: `npx esbuild --minify in.js --outfile=in.min.js`,
    /// `npx terser in.js -c -m -o in.min.js`. Many packages ship a ready `.min.js`.
    ///
    /// ## Options
    /// None.
    MinifyJs {
        id: "minify/js",
        summary: "Unminified JavaScript: comments and whitespace that could be removed",
        severity: Warning,
    }
}

impl Rule for MinifyJs {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &RuleContext, found: &mut Vec<Violation>) {
        for asset in context.assets {
            let Facts::Script(script) = &asset.facts else {
                continue;
            };
            if let Some(violation) = unminified(
                asset,
                script.minified.as_ref(),
                JS_MIN_SAVING_RATIO,
                "minify/js",
            ) {
                found.push(violation);
            }
        }
    }
}

/// The finding for one script or stylesheet, if its estimated saving is reportable.
pub(super) fn unminified(
    asset: &crate::measure::Asset,
    minified: Option<&Minified>,
    ratio: f64,
    what: &str,
) -> Option<Violation> {
    let saving = minified?.saving(asset.raw)?;
    if !minify::reportable(asset.raw, saving, ratio) {
        return None;
    }
    let transfer = asset
        .gzip
        .map(|gzip| (saving as f64 * gzip as f64 / asset.raw.max(1) as f64).round() as u64);
    let transfer_text = transfer
        .map(|t| format!(", about {} after gzip", crate::size::human(t)))
        .unwrap_or_default();
    let kind = if what == "minify/js" {
        "JavaScript"
    } else {
        "CSS"
    };
    Some(Violation {
        path: Some(asset.path.clone()),
        message: format!(
            "is unminified {kind}: removing comments and whitespace saves {} ({:.0}% of {}){transfer_text}; minify it",
            crate::size::human(saving),
            saving as f64 * 100.0 / asset.raw as f64,
            crate::size::human(asset.raw),
        ),
        actual: Some(asset.raw),
        saving: Some(saving),
        ..Violation::default()
    })
}
