use super::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::analyze::Facts;
use crate::model::finding::Violation;

declare_rule! {
    /// ## What it does
    /// Reports JavaScript and TypeScript files that webaudit could not analyse: a syntax error
    /// (with its line and column), content that is not valid UTF-8 (analysed with replacement
    /// characters), or a file the parser is not given because it would exhaust it: over 4 MiB,
    /// brackets nested deeper than 1,000 levels, more than 25,000 tokens chained without a `,`
    /// or `;` (e.g. 200,000 `!` in a row), or more than 500 nested labels. The rest of the
    /// audit goes on; only this file's imports are unknown.
    ///
    /// ## Why is this bad?
    /// A file that does not parse here may not parse in every browser either, and its imports
    /// escape the tree-shaking and entry-graph checks. Invalid UTF-8 in a script served as UTF-8
    /// is displayed or executed as replacement characters.
    ///
    /// ## How to fix it
    /// Check that the file really is JavaScript (not HTML served under a `.js` name, not a
    /// truncated upload), that the build finished, and that the bundler targets syntax that
    /// webaudit's parser (swc, latest ECMAScript plus JSX and TypeScript) understands. Serve
    /// scripts as UTF-8 and keep non-ASCII text escaped or encoded as UTF-8.
    ///
    /// ## Options
    /// None.
    JsParseError {
        id: "js/parse-error",
        summary: "A script that cannot be analysed (syntax error, extreme nesting, invalid UTF-8)",
        severity: Warning,
    }
}

impl Rule for JsParseError {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &RuleContext, found: &mut Vec<Violation>) {
        for asset in context.assets {
            let Facts::Script(script) = &asset.facts else {
                continue;
            };
            if let Some(problem) = &script.js.problem {
                found.push(Violation {
                    path: Some(asset.path.clone()),
                    line: Some(problem.line),
                    column: Some(problem.column),
                    message: format!("cannot be analysed: {}", problem.message),
                    ..Violation::default()
                });
            }
            if script.js.invalid_utf8 {
                found.push(Violation {
                    path: Some(asset.path.clone()),
                    message: "is not valid UTF-8; it was analysed with replacement characters"
                        .into(),
                    ..Violation::default()
                });
            }
        }
    }
}
