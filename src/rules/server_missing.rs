use super::{Rule, RuleContext, RuleMeta, answered, declare_rule};
use crate::model::finding::Violation;

declare_rule! {
    /// ## What it does
    /// `webaudit check-url` only. Reports assets of the folder that the server does not serve:
    /// the response is an error status (404, 403, 500…), or there is no usable response at all
    /// (no answer within the timeout, connection reset, invalid HTTP). Redirects within the
    /// URL's origin are followed (at most 5) and the final status counts; a redirect elsewhere
    /// is reported here, not followed, unless `--follow-redirects any`. Link-local and cloud
    /// metadata addresses are never requested.
    ///
    /// ## Why is this bad?
    /// A file of the build that the server does not deliver is a broken image, stylesheet or
    /// script for visitors. It usually means the deploy is incomplete, the server's root or
    /// base path is not the folder's, or a rule of the server hides some files.
    ///
    /// ## How to fix it
    /// Check that the URL given to `check-url` is where the folder is served, that the deploy
    /// uploaded every file, and that no server rule (rewrites, access rules) catches them. If
    /// the server is slow rather than missing files, raise `--timeout`.
    ///
    /// ## Options
    /// `check-url --timeout SECONDS` (default 10), `--concurrency N` (default 8),
    /// `--follow-redirects same-origin|any|none` (default same-origin) and `--deadline SECONDS`
    /// (default 60; assets not checked by then are named in a note, not reported here).
    ServerMissing {
        id: "server/missing",
        summary: "An asset of the folder that the live server does not serve (error status or no answer)",
        severity: Error,
    }
}

impl Rule for ServerMissing {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &RuleContext, found: &mut Vec<Violation>) {
        for (asset, response) in answered(context) {
            let message = match &response.outcome {
                Err(reason) => format!("{}: no usable answer: {reason}", response.url),
                Ok(answer) if answer.status >= 400 => {
                    format!(
                        "{} answers {}: the file is not served",
                        response.url, answer.status
                    )
                }
                Ok(_) => continue,
            };
            found.push(Violation {
                path: Some(asset.path.clone()),
                message,
                ..Violation::default()
            });
        }
    }
}
