use super::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::analyze::Facts;
use crate::model::finding::Violation;

declare_rule! {
    /// ## What it does
    /// Reports HTML pages that webaudit could not read whole: a page larger than 32 MiB (not
    /// read at all), a page with more than 50,000 scripts, links, images and other elements of
    /// interest (read up to that point), markup the HTML parser gave up on, or content that is
    /// not valid UTF-8 (read with replacement characters). The rest of the audit goes on; only
    /// what the unread part of the page references is unknown.
    ///
    /// ## Why is this bad?
    /// References in the unread part escape every check: missing files, unsized or eagerly
    /// loaded images, the page's initial scripts and stylesheets. A page this large, or one that
    /// is not UTF-8 while served as such, is usually a build or export mistake.
    ///
    /// ## How to fix it
    /// Check that the file really is the page the build meant to ship (not a data dump saved
    /// as `.html`, not a truncated upload); split very large pages; save pages as UTF-8.
    ///
    /// ## Options
    /// None. The bounds are `analyze::html::MAX_PARSED_BYTES` and
    /// `analyze::html::MAX_ELEMENTS_PER_PAGE`.
    HtmlParseProblem {
        id: "html/parse-problem",
        summary: "An HTML page that could not be read whole (too large, too many elements, broken markup, invalid UTF-8)",
        severity: Warning,
    }
}

impl Rule for HtmlParseProblem {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &RuleContext, found: &mut Vec<Violation>) {
        for asset in context.assets {
            let Facts::Document(page) = &asset.facts else {
                continue;
            };
            for warning in &page.parse_warnings {
                found.push(Violation {
                    path: Some(asset.path.clone()),
                    message: format!("not read whole: {warning}"),
                    ..Violation::default()
                });
            }
        }
    }
}
