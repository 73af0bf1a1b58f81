use super::{Rule, RuleContext, RuleMeta, answered, declare_rule};
use crate::kind::is_hashed;
use crate::model::finding::Violation;

/// A year, the lifetime hashed assets are usually given (`max-age=31536000`).
pub const LONG_MAX_AGE_SECONDS: u64 = 31_536_000;

declare_rule! {
    /// ## What it does
    /// `webaudit check-url` only. Reports assets whose name carries a content hash but whose
    /// response does not let browsers keep them: no `Cache-Control`, or one without
    /// `immutable` and with a `max-age` under one year (31,536,000 s), or with `no-cache` /
    /// `no-store`.
    ///
    /// A name carries a content hash when, before its extension, it ends with `-` or `.` and
    /// then either
    /// * 8 characters of `A–Z a–z 0–9 _ -` with at least one digit or capital letter — the
    ///   `[name]-[hash]` of Vite and Rollup: `index-3f2a1b9c.js`, `about-Bya-HQu9.js`,
    ///   `inter-latin-400-normal-C38fXH4l.woff2`; or
    /// * 8 to 32 letters and digits with at least one digit — webpack's
    ///   `[name].[contenthash]`: `main.3f2a1b9c5d6e7f80.js`.
    ///
    /// All-lowercase words (`app-settings.js`) and version numbers (`jquery-3.7.1.min.js`) do
    /// not match. Only successful responses (2xx) are checked.
    ///
    /// ## Why is this bad?
    /// A hashed file never changes: a new version gets a new name. Caching it for a short time
    /// makes returning visitors download, or at least revalidate with a round trip, files they
    /// already have.
    ///
    /// ## How to fix it
    /// Serve hashed assets with `Cache-Control: public, max-age=31536000, immutable` (nginx:
    /// `location /assets/ { add_header Cache-Control "public, max-age=31536000, immutable"; }`),
    /// and keep HTML and other unhashed files short-lived or revalidated.
    ///
    /// ## Options
    /// None.
    ServerCacheControl {
        id: "server/cache-control",
        summary: "A content-hashed asset served without a long cache lifetime",
        severity: Warning,
    }
}

/// Why `cache_control` does not keep a file long, or `None` when it does.
fn too_short(cache_control: Option<&str>) -> Option<String> {
    let Some(value) = cache_control else {
        return Some("has no Cache-Control".to_string());
    };
    let directives: Vec<String> = value
        .split(',')
        .map(|d| d.trim().to_ascii_lowercase())
        .collect();
    if let Some(d) = directives
        .iter()
        .find(|d| *d == "no-store" || *d == "no-cache")
    {
        return Some(format!("has Cache-Control {value:?} ({d})"));
    }
    if directives.iter().any(|d| d == "immutable") {
        return None;
    }
    let max_age = directives.iter().find_map(|d| {
        d.strip_prefix("max-age=")
            .and_then(|v| v.trim_matches('"').parse::<u64>().ok())
    });
    match max_age {
        Some(age) if age >= LONG_MAX_AGE_SECONDS => None,
        _ => Some(format!("has Cache-Control {value:?}")),
    }
}

impl Rule for ServerCacheControl {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &RuleContext, found: &mut Vec<Violation>) {
        for (asset, response) in answered(context) {
            let Ok(answer) = &response.outcome else {
                continue;
            };
            if !(200..300).contains(&answer.status) || !is_hashed(&asset.path) {
                continue;
            }
            let Some(problem) = too_short(answer.cache_control.as_deref()) else {
                continue;
            };
            found.push(Violation {
                path: Some(asset.path.clone()),
                message: format!(
                    "{} has a content-hashed name but {problem}; serve it with `Cache-Control: public, max-age=31536000, immutable`",
                    response.url
                ),
                ..Violation::default()
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::tester::Folder;

    const RULE: &str = "server/cache-control";

    const YEAR: &str = "public, max-age=31536000, immutable";

    /// A Vite build (`[name]-[hash]` in assets/), a webpack chunk, and unhashed files.
    fn build() -> Folder {
        Folder::new()
            .file(
                "index.html",
                "<!doctype html>\n<html lang=\"en\">\n  <head>\n    <script type=\"module\" crossorigin src=\"/assets/index-D7fafypN.js\"></script>\n    <link rel=\"stylesheet\" crossorigin href=\"/assets/index-DhzmkGAC.css\">\n  </head>\n  <body><div id=\"app\"></div></body>\n</html>\n",
            )
            .file("assets/index-D7fafypN.js", "console.log(\"app\");\n")
            .file("assets/index-DhzmkGAC.css", "body{margin:0}\n")
            .file("assets/inter-latin-400-normal-C38fXH4l.woff2", b"wOF2\0\x01\0\0\0\0\0\0")
            .file("static/js/main.3f2a1b9c5d6e7f80.js", "console.log(\"webpack\");\n")
            .file("vendor/jquery-3.7.1.min.js", "/*! jQuery v3.7.1 */\n")
            .file("robots.txt", "User-agent: *\n")
    }

    fn short(path: &str, problem: &str) -> String {
        format!(
            "{path}:-:-: http://127.0.0.1/{path} has a content-hashed name but {problem}; serve it with `Cache-Control: public, max-age=31536000, immutable`"
        )
    }

    #[test]
    fn passes_when_hashed_assets_are_kept_a_year() {
        build()
            .response(
                "assets/index-D7fafypN.js",
                200,
                Some("text/javascript"),
                None,
                Some(YEAR),
            )
            .response(
                "assets/index-DhzmkGAC.css",
                200,
                Some("text/css"),
                None,
                Some("max-age=31536000"),
            )
            .response(
                "assets/inter-latin-400-normal-C38fXH4l.woff2",
                200,
                None,
                None,
                Some("Immutable"),
            )
            .response(
                "static/js/main.3f2a1b9c5d6e7f80.js",
                200,
                None,
                None,
                Some("public, MAX-AGE=63072000"),
            )
            .passes(RULE);
    }

    #[test]
    fn passes_for_unhashed_files_whatever_their_caching() {
        build()
            .response("index.html", 200, Some("text/html"), None, Some("no-cache"))
            .response(
                "vendor/jquery-3.7.1.min.js",
                200,
                None,
                None,
                Some("max-age=600"),
            )
            .response("robots.txt", 200, Some("text/plain"), None, None)
            .passes(RULE);
    }

    #[test]
    fn passes_for_answers_that_are_not_the_file() {
        build()
            .response(
                "assets/index-D7fafypN.js",
                404,
                Some("text/html"),
                None,
                Some("no-store"),
            )
            .response("assets/index-DhzmkGAC.css", 304, None, None, None)
            .no_response(
                "static/js/main.3f2a1b9c5d6e7f80.js",
                "no answer in time (global)",
            )
            .passes(RULE);
    }

    #[test]
    fn finds_hashed_assets_without_cache_control() {
        // Python's http.server, or a bucket without metadata.
        let folder = build()
            .response(
                "assets/index-D7fafypN.js",
                200,
                Some("text/javascript"),
                None,
                None,
            )
            .response(
                "static/js/main.3f2a1b9c5d6e7f80.js",
                200,
                Some("text/javascript"),
                None,
                None,
            );
        assert_eq!(
            folder.findings(RULE),
            [
                short("assets/index-D7fafypN.js", "has no Cache-Control"),
                short("static/js/main.3f2a1b9c5d6e7f80.js", "has no Cache-Control"),
            ]
        );
    }

    #[test]
    fn finds_hashed_assets_kept_less_than_a_year() {
        // s-maxage is for shared caches; browsers keep the file for max-age only.
        let folder = build()
            .response(
                "assets/index-D7fafypN.js",
                200,
                None,
                None,
                Some("public, max-age=3600"),
            )
            .response(
                "assets/index-DhzmkGAC.css",
                200,
                None,
                None,
                Some("public, s-maxage=31536000"),
            );
        assert_eq!(
            folder.findings(RULE),
            [
                short(
                    "assets/index-D7fafypN.js",
                    "has Cache-Control \"public, max-age=3600\""
                ),
                short(
                    "assets/index-DhzmkGAC.css",
                    "has Cache-Control \"public, s-maxage=31536000\""
                ),
            ]
        );
    }

    #[test]
    fn finds_hashed_assets_revalidated_or_not_stored() {
        // no-cache / no-store win over a long max-age, and over immutable.
        let folder = build()
            .response(
                "assets/index-D7fafypN.js",
                200,
                None,
                None,
                Some("max-age=31536000, no-store"),
            )
            .response(
                "assets/inter-latin-400-normal-C38fXH4l.woff2",
                200,
                None,
                None,
                Some("no-cache, immutable"),
            );
        assert_eq!(
            folder.findings(RULE),
            [
                short(
                    "assets/index-D7fafypN.js",
                    "has Cache-Control \"max-age=31536000, no-store\" (no-store)"
                ),
                short(
                    "assets/inter-latin-400-normal-C38fXH4l.woff2",
                    "has Cache-Control \"no-cache, immutable\" (no-cache)"
                ),
            ]
        );
    }

    #[test]
    fn lifetimes() {
        assert!(too_short(Some("public, max-age=31536000, immutable")).is_none());
        assert!(too_short(Some("max-age=31536000")).is_none());
        assert!(too_short(Some("immutable")).is_none());
        assert!(too_short(None).is_some());
        assert!(too_short(Some("max-age=3600")).is_some());
        assert!(too_short(Some("no-cache")).is_some());
        assert!(too_short(Some("max-age=31536000, no-store")).is_some());
    }
}
