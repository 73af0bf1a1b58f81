use super::compression_missing::{MIN_SAVING_BYTES, MIN_SAVING_RATIO};
use super::{Rule, RuleContext, RuleMeta, answered, declare_rule};
use crate::model::finding::Violation;
use crate::size::human;

declare_rule! {
    /// ## What it does
    /// `webaudit check-url` only. Reports compressible assets (HTML, JavaScript, CSS, SVG,
    /// JSON, XML, text, WebAssembly, ICO, TTF/OTF/EOT fonts) that the server sends without a
    /// `Content-Encoding` (or with `identity`) although the request said
    /// `Accept-Encoding: br, gzip`, when gzip would save at least 1,400 bytes and at least 10%
    /// of the file — the thresholds of Lighthouse's "Enable text compression", applied to the
    /// gzip size webaudit measures for the file. The saving reported is that gzip saving.
    ///
    /// Unlike `compression/missing`, which looks for `.gz`/`.br` files in the folder, this is
    /// what the real server does, whether it compresses on the fly or serves precompressed
    /// files.
    ///
    /// ## Why is this bad?
    /// Text compresses to a third or less of its size; sent uncompressed, every visitor
    /// downloads the difference.
    ///
    /// ## How to fix it
    /// Enable compression on the server or CDN: nginx `gzip on; gzip_types …;` (or
    /// `gzip_static on` / `brotli_static on` with precompressed files), Apache `mod_deflate`,
    /// Caddy `encode zstd gzip`. Check that the file's `Content-Type` is in the server's list
    /// of compressible types.
    ///
    /// ## Options
    /// None.
    ServerUncompressed {
        id: "server/uncompressed",
        summary: "The live server sends a compressible asset without gzip or brotli",
        severity: Warning,
    }
}

impl Rule for ServerUncompressed {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &RuleContext, found: &mut Vec<Violation>) {
        for (asset, response) in answered(context) {
            let Ok(answer) = &response.outcome else {
                continue;
            };
            if !(200..300).contains(&answer.status) || !asset.format.compressible() {
                continue;
            }
            let encoded = answer.content_encoding.as_deref().is_some_and(|e| {
                !e.trim().is_empty() && !e.trim().eq_ignore_ascii_case("identity")
            });
            if encoded {
                continue;
            }
            let Some(gzip) = asset.gzip else { continue };
            let saving = asset.raw.saturating_sub(gzip);
            if saving < MIN_SAVING_BYTES || (saving as f64) < MIN_SAVING_RATIO * asset.raw as f64 {
                continue;
            }
            found.push(Violation {
                path: Some(asset.path.clone()),
                message: format!(
                    "{} is served without Content-Encoding although the request accepts br and gzip; gzip would save {} ({:.0}% of {})",
                    response.url,
                    human(saving),
                    saving as f64 * 100.0 / asset.raw as f64,
                    human(asset.raw)
                ),
                actual: Some(asset.raw),
                saving: Some(saving),
                ..Violation::default()
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::tester::Folder;

    const RULE: &str = "server/uncompressed";

    /// A bundle as esbuild writes it (22,280 bytes; gzip saves 93%).
    fn bundle() -> String {
        (0..300)
            .map(|n| {
                format!(
                    "function h{n}(e,t){{return e.filter(r=>r.id!==t).map(r=>({{...r,seen:{n}}}))}}\n"
                )
            })
            .collect()
    }

    /// A Vite build with a large script, a small one, a stylesheet, an image and a font.
    fn vite_build() -> Folder {
        Folder::new()
            .file(
                "index.html",
                "<!doctype html>\n<html lang=\"en\">\n  <head>\n    <script type=\"module\" crossorigin src=\"/assets/index-D7fafypN.js\"></script>\n  </head>\n  <body><div id=\"app\"></div></body>\n</html>\n",
            )
            .file("assets/index-D7fafypN.js", bundle())
            .file("assets/about-Bya-HQu9.js", "export const about=\"Field Notes\";\n")
            .file("assets/index-DhzmkGAC.css", ".card{margin:0 auto;padding:1rem}\n".repeat(200))
            .jpeg("assets/flower-fk9K17a6.jpg", 200, 150)
    }

    #[test]
    fn passes_when_text_is_served_compressed() {
        vite_build()
            .response("index.html", 200, Some("text/html"), Some("gzip"), None)
            .response(
                "assets/index-D7fafypN.js",
                200,
                Some("text/javascript"),
                Some("br"),
                None,
            )
            .response(
                "assets/index-DhzmkGAC.css",
                200,
                Some("text/css"),
                Some(" GZIP "),
                None,
            )
            .passes(RULE);
    }

    #[test]
    fn passes_when_compression_would_save_little() {
        // The small chunk saves under 1,400 bytes; the JPEG is compressed already.
        vite_build()
            .response(
                "assets/about-Bya-HQu9.js",
                200,
                Some("text/javascript"),
                None,
                None,
            )
            .response(
                "assets/flower-fk9K17a6.jpg",
                200,
                Some("image/jpeg"),
                None,
                None,
            )
            .passes(RULE);
    }

    #[test]
    fn passes_for_answers_that_are_not_the_file() {
        // An error page is server/missing's to report.
        vite_build()
            .response(
                "assets/index-D7fafypN.js",
                404,
                Some("text/html"),
                None,
                None,
            )
            .no_response("assets/index-DhzmkGAC.css", "no answer in time (global)")
            .passes(RULE);
    }

    #[test]
    fn finds_a_script_served_without_content_encoding() {
        let folder = vite_build().response(
            "assets/index-D7fafypN.js",
            200,
            Some("text/javascript"),
            None,
            Some("public, max-age=31536000, immutable"),
        );
        assert_eq!(
            folder.findings(RULE),
            [
                "assets/index-D7fafypN.js:-:-: http://127.0.0.1/assets/index-D7fafypN.js is served without Content-Encoding although the request accepts br and gzip; gzip would save 20.67 kB (93% of 22.28 kB)"
            ]
        );
        let finding = &folder.findings_of(RULE)[0];
        assert_eq!(finding.actual, Some(22_280));
        assert_eq!(finding.saving, Some(20_674));
    }

    #[test]
    fn finds_identity_and_empty_encodings() {
        let folder = vite_build()
            .response(
                "assets/index-D7fafypN.js",
                200,
                Some("text/javascript"),
                Some("identity"),
                None,
            )
            .response(
                "assets/index-DhzmkGAC.css",
                200,
                Some("text/css"),
                Some(""),
                None,
            );
        assert_eq!(
            folder.findings(RULE),
            [
                "assets/index-D7fafypN.js:-:-: http://127.0.0.1/assets/index-D7fafypN.js is served without Content-Encoding although the request accepts br and gzip; gzip would save 20.67 kB (93% of 22.28 kB)",
                "assets/index-DhzmkGAC.css:-:-: http://127.0.0.1/assets/index-DhzmkGAC.css is served without Content-Encoding although the request accepts br and gzip; gzip would save 6.71 kB (99% of 6.80 kB)",
            ]
        );
    }

    #[test]
    fn finds_every_compressible_format() {
        // Not only scripts and stylesheets: SVG and JSON compress as well.
        let svg = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 100 100\">{}</svg>",
            (0..100)
                .map(|n| format!("<circle cx=\"{n}\" cy=\"50\" r=\"4\" fill=\"#3d7a4f\"/>"))
                .collect::<String>()
        );
        let json = format!(
            "[{}]",
            (0..100)
                .map(|n| format!(
                    "{{\"id\":{n},\"title\":\"Note {n}\",\"tags\":[\"garden\",\"macro\"]}}"
                ))
                .collect::<Vec<_>>()
                .join(",")
        );
        let folder = Folder::new()
            .file("img/leaves.svg", &svg)
            .file("data/notes.json", &json)
            .response("img/leaves.svg", 200, Some("image/svg+xml"), None, None)
            .response("data/notes.json", 200, Some("application/json"), None, None);
        assert_eq!(
            folder.findings(RULE),
            [
                "data/notes.json:-:-: http://127.0.0.1/data/notes.json is served without Content-Encoding although the request accepts br and gzip; gzip would save 4.83 kB (90% of 5.38 kB)",
                "img/leaves.svg:-:-: http://127.0.0.1/img/leaves.svg is served without Content-Encoding although the request accepts br and gzip; gzip would save 4.30 kB (92% of 4.66 kB)",
            ]
        );
    }
}
