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

#[cfg(test)]
mod tests {
    use crate::model::finding::Severity;
    use crate::rules::tester::Folder;

    const RULE: &str = "server/missing";

    /// A Vite build: the page, its script and stylesheet, and a public file.
    fn vite_build() -> Folder {
        Folder::new()
            .file(
                "index.html",
                "<!doctype html>\n<html lang=\"en\">\n  <head>\n    <script type=\"module\" crossorigin src=\"/assets/index-D7fafypN.js\"></script>\n    <link rel=\"stylesheet\" crossorigin href=\"/assets/index-DhzmkGAC.css\">\n  </head>\n  <body><div id=\"app\"></div></body>\n</html>\n",
            )
            .file("assets/index-D7fafypN.js", "console.log(\"app\");\n")
            .file("assets/index-DhzmkGAC.css", "body{margin:0}\n")
            .file("robots.txt", "User-agent: *\nAllow: /\n")
    }

    #[test]
    fn passes_when_every_asset_is_served() {
        vite_build()
            .response("index.html", 200, Some("text/html"), Some("gzip"), None)
            .response(
                "assets/index-D7fafypN.js",
                200,
                Some("text/javascript"),
                None,
                None,
            )
            .response("assets/index-DhzmkGAC.css", 304, None, None, None)
            .response("robots.txt", 206, Some("text/plain"), None, None)
            .passes(RULE);
    }

    #[test]
    fn passes_for_answers_about_paths_that_are_not_assets_of_the_folder() {
        vite_build()
            .response("assets/index-OLDHASH1.js", 404, None, None, None)
            .no_response("favicon.ico", "no answer in time (global)")
            .passes(RULE);
    }

    #[test]
    fn passes_in_an_audit_which_requests_nothing() {
        vite_build().passes(RULE);
    }

    #[test]
    fn finds_assets_the_server_answers_with_an_error_status() {
        // Not deployed, hidden by an access rule, a broken backend.
        let folder = vite_build()
            .response("index.html", 200, Some("text/html"), None, None)
            .response(
                "assets/index-D7fafypN.js",
                404,
                Some("text/html"),
                None,
                None,
            )
            .response("assets/index-DhzmkGAC.css", 403, None, None, None)
            .response("robots.txt", 502, None, None, None);
        assert_eq!(
            folder.findings(RULE),
            [
                "assets/index-D7fafypN.js:-:-: http://127.0.0.1/assets/index-D7fafypN.js answers 404: the file is not served",
                "assets/index-DhzmkGAC.css:-:-: http://127.0.0.1/assets/index-DhzmkGAC.css answers 403: the file is not served",
                "robots.txt:-:-: http://127.0.0.1/robots.txt answers 502: the file is not served",
            ]
        );
    }

    #[test]
    fn finds_assets_without_a_usable_answer() {
        let folder = vite_build()
            .no_response("assets/index-D7fafypN.js", "no answer in time (global)")
            .no_response(
                "index.html",
                "answers 302, a redirect to https://login.example.com/index.html, not followed: another origin than http://127.0.0.1; --follow-redirects any follows it",
            );
        assert_eq!(
            folder.findings(RULE),
            [
                "assets/index-D7fafypN.js:-:-: http://127.0.0.1/assets/index-D7fafypN.js: no usable answer: no answer in time (global)",
                "index.html:-:-: http://127.0.0.1/index.html: no usable answer: answers 302, a redirect to https://login.example.com/index.html, not followed: another origin than http://127.0.0.1; --follow-redirects any follows it",
            ]
        );
    }

    #[test]
    fn finds_missing_files_as_errors() {
        let folder = vite_build().response("robots.txt", 404, None, None, None);
        let findings = folder.findings_of(RULE);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].severity, Severity::Error);
    }
}
