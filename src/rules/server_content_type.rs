use super::{Rule, RuleContext, RuleMeta, answered, declare_rule};
use crate::kind::Format;
use crate::model::finding::Violation;

declare_rule! {
    /// ## What it does
    /// `webaudit check-url` only. Reports assets served without a `Content-Type`, or with one
    /// that does not match the file's format (the format webaudit detected from the extension
    /// and the content). Parameters (`; charset=utf-8`) and case are ignored. Accepted types:
    ///
    /// | format | accepted `Content-Type` |
    /// | --- | --- |
    /// | HTML | `text/html` |
    /// | JavaScript | `text/javascript`, `application/javascript`, `application/x-javascript`, `application/ecmascript`, `text/ecmascript` |
    /// | CSS | `text/css` |
    /// | SVG | `image/svg+xml` |
    /// | PNG, JPEG, GIF, WebP, AVIF, BMP | `image/png`, `image/jpeg`, `image/gif`, `image/webp`, `image/avif`, `image/bmp` |
    /// | ICO | `image/x-icon`, `image/vnd.microsoft.icon` |
    /// | WOFF2, WOFF | `font/woff2`, `font/woff` (and the older `application/font-woff2`, `application/font-woff`) |
    /// | TTF, OTF | `font/ttf`, `font/otf`, `font/sfnt`, `application/font-sfnt`, `application/x-font-ttf`, `application/x-font-otf`, `application/x-font-opentype` |
    /// | EOT | `application/vnd.ms-fontobject` |
    /// | MP4, WebM | `video/mp4`, `video/webm` (`audio/…` too) |
    /// | MP3, Ogg, WAV, FLAC | `audio/mpeg`, `audio/ogg` (`video/ogg`, `application/ogg`), `audio/wav` (`audio/wave`, `audio/x-wav`), `audio/flac` (`audio/x-flac`) |
    /// | WebAssembly | `application/wasm` |
    /// | JSON | `application/json`, any `…+json` |
    /// | Web app manifest | `application/manifest+json`, `application/json` |
    /// | XML | `application/xml`, `text/xml`, any `…+xml` |
    /// | Text | `text/plain` |
    ///
    /// Other formats are not checked. Only successful responses (2xx) are.
    ///
    /// ## Why is this bad?
    /// Browsers refuse module scripts whose type is not a JavaScript type and stylesheets that
    /// are not `text/css` (always in standards mode, and for any type with
    /// `X-Content-Type-Options: nosniff`); `WebAssembly.instantiateStreaming` requires
    /// `application/wasm`; servers decide what to compress from the type, so a wrong or
    /// missing one often also means an uncompressed response.
    ///
    /// ## How to fix it
    /// Add the missing types to the server's MIME table (nginx `mime.types`/`types {}`,
    /// Apache `AddType`, your CDN's settings), e.g. `application/wasm wasm;`,
    /// `font/woff2 woff2;`, `application/manifest+json webmanifest;`.
    ///
    /// ## Options
    /// None.
    ServerContentType {
        id: "server/content-type",
        summary: "The live server sends an asset with a missing or wrong Content-Type",
        severity: Warning,
    }
}

/// The table of the documentation: the types accepted for a format, `None` when the format is
/// not checked.
pub fn accepted_types(format: Format) -> Option<&'static [&'static str]> {
    use Format::*;
    Some(match format {
        Html => &["text/html"],
        Js => &[
            "text/javascript",
            "application/javascript",
            "application/x-javascript",
            "application/ecmascript",
            "text/ecmascript",
        ],
        Css => &["text/css"],
        Svg => &["image/svg+xml"],
        Png => &["image/png"],
        Jpeg => &["image/jpeg"],
        Gif => &["image/gif"],
        Webp => &["image/webp"],
        Avif => &["image/avif"],
        Bmp => &["image/bmp"],
        Ico => &["image/x-icon", "image/vnd.microsoft.icon"],
        Woff2 => &["font/woff2", "application/font-woff2"],
        Woff => &["font/woff", "application/font-woff"],
        Ttf | Otf => &[
            "font/ttf",
            "font/otf",
            "font/sfnt",
            "application/font-sfnt",
            "application/x-font-ttf",
            "application/x-font-otf",
            "application/x-font-opentype",
        ],
        Eot => &["application/vnd.ms-fontobject"],
        Mp4 => &["video/mp4", "audio/mp4"],
        Webm => &["video/webm", "audio/webm"],
        Mp3 => &["audio/mpeg"],
        Ogg => &["audio/ogg", "video/ogg", "application/ogg"],
        Wav => &["audio/wav", "audio/wave", "audio/x-wav"],
        Flac => &["audio/flac", "audio/x-flac"],
        Wasm => &["application/wasm"],
        Json => &["application/json"],
        WebManifest => &["application/manifest+json", "application/json"],
        Xml => &["application/xml", "text/xml"],
        Txt => &["text/plain"],
        Csv => &["text/csv", "text/tab-separated-values", "text/plain"],
        Ndjson => &[
            "application/x-ndjson",
            "application/jsonl",
            "application/json",
            "text/plain",
        ],
        VectorTile => &[
            "application/x-protobuf",
            "application/vnd.mapbox-vector-tile",
            "application/octet-stream",
        ],
        _ => return None,
    })
}

fn matches(format: Format, essence: &str) -> bool {
    let Some(accepted) = accepted_types(format) else {
        return true;
    };
    accepted.contains(&essence)
        || (format == Format::Json && essence.ends_with("+json"))
        || (format == Format::Xml && essence.ends_with("+xml"))
}

impl Rule for ServerContentType {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &RuleContext, found: &mut Vec<Violation>) {
        for (asset, response) in answered(context) {
            let Ok(answer) = &response.outcome else {
                continue;
            };
            let Some(accepted) = accepted_types(asset.format) else {
                continue;
            };
            if !(200..300).contains(&answer.status) {
                continue;
            }
            let problem = match answer.content_type.as_deref() {
                None => "has no Content-Type".to_string(),
                Some(value) => {
                    let essence = value
                        .split(';')
                        .next()
                        .unwrap_or_default()
                        .trim()
                        .to_ascii_lowercase();
                    if matches(asset.format, &essence) {
                        continue;
                    }
                    format!("is served as {value:?}")
                }
            };
            found.push(Violation {
                path: Some(asset.path.clone()),
                message: format!(
                    "{} {problem}; expected {}",
                    response.url,
                    accepted.first().copied().unwrap_or_default()
                ),
                ..Violation::default()
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::tester::Folder;

    const RULE: &str = "server/content-type";

    /// A Vite build with a WebAssembly module, fonts, an image and the web app manifest.
    fn vite_build() -> Folder {
        Folder::new()
            .file(
                "index.html",
                "<!doctype html>\n<html lang=\"en\">\n  <head>\n    <link rel=\"manifest\" href=\"/site.webmanifest\" />\n    <script type=\"module\" crossorigin src=\"/assets/index-D7fafypN.js\"></script>\n    <link rel=\"stylesheet\" crossorigin href=\"/assets/index-DhzmkGAC.css\">\n  </head>\n  <body><div id=\"app\"></div></body>\n</html>\n",
            )
            .file("assets/index-D7fafypN.js", "console.log(\"app\");\n")
            .file("assets/index-DhzmkGAC.css", "body{margin:0}\n")
            .file("assets/inter-latin-400-normal-C38fXH4l.woff2", b"wOF2\0\x01\0\0\0\0\0\0")
            .file("assets/zstd-C1nco2VV.wasm", b"\0asm\x01\0\0\0\x01\x04\x01\x60\0\0")
            .jpeg("assets/flower-fk9K17a6.jpg", 40, 30)
            .file("site.webmanifest", "{\"name\":\"Field Notes\",\"display\":\"standalone\"}\n")
            .file("data/notes.json", "[{\"id\":1}]\n")
    }

    #[test]
    fn passes_when_every_type_matches() {
        vite_build()
            .response(
                "index.html",
                200,
                Some("text/html; charset=utf-8"),
                None,
                None,
            )
            .response(
                "assets/index-D7fafypN.js",
                200,
                Some("application/javascript"),
                None,
                None,
            )
            .response(
                "assets/index-DhzmkGAC.css",
                200,
                Some("Text/CSS; Charset=UTF-8"),
                None,
                None,
            )
            .response(
                "assets/inter-latin-400-normal-C38fXH4l.woff2",
                200,
                Some("font/woff2"),
                None,
                None,
            )
            .response(
                "assets/zstd-C1nco2VV.wasm",
                200,
                Some("application/wasm"),
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
            .response(
                "site.webmanifest",
                200,
                Some("application/manifest+json"),
                None,
                None,
            )
            .passes(RULE);
    }

    #[test]
    fn passes_for_the_older_and_suffixed_types_that_are_accepted() {
        vite_build()
            .response(
                "assets/index-D7fafypN.js",
                200,
                Some("text/javascript"),
                None,
                None,
            )
            .response(
                "assets/inter-latin-400-normal-C38fXH4l.woff2",
                200,
                Some("application/font-woff2"),
                None,
                None,
            )
            .response(
                "site.webmanifest",
                200,
                Some("application/json"),
                None,
                None,
            )
            .response(
                "data/notes.json",
                200,
                Some("application/ld+json"),
                None,
                None,
            )
            .passes(RULE);
    }

    #[test]
    fn passes_for_formats_that_are_not_checked_and_answers_that_are_not_the_file() {
        vite_build()
            .file(
                "assets/index-D7fafypN.js.map",
                "{\"version\":3,\"sources\":[],\"mappings\":\"\"}",
            )
            .response(
                "assets/index-D7fafypN.js.map",
                200,
                Some("application/octet-stream"),
                None,
                None,
            )
            .response(
                "assets/index-DhzmkGAC.css",
                404,
                Some("text/html"),
                None,
                None,
            )
            .no_response("assets/zstd-C1nco2VV.wasm", "no answer in time (global)")
            .passes(RULE);
    }

    #[test]
    fn finds_a_stylesheet_served_as_text() {
        let folder = vite_build().response(
            "assets/index-DhzmkGAC.css",
            200,
            Some("text/plain"),
            None,
            None,
        );
        assert_eq!(
            folder.findings(RULE),
            [
                "assets/index-DhzmkGAC.css:-:-: http://127.0.0.1/assets/index-DhzmkGAC.css is served as \"text/plain\"; expected text/css"
            ]
        );
    }

    #[test]
    fn finds_a_script_answered_by_the_spa_fallback() {
        // A rewrite of every path to index.html answers 200 with the page for a stale chunk.
        let folder = vite_build().response(
            "assets/index-D7fafypN.js",
            200,
            Some("text/html; charset=utf-8"),
            None,
            None,
        );
        assert_eq!(
            folder.findings(RULE),
            [
                "assets/index-D7fafypN.js:-:-: http://127.0.0.1/assets/index-D7fafypN.js is served as \"text/html; charset=utf-8\"; expected text/javascript"
            ]
        );
    }

    #[test]
    fn finds_types_missing_from_the_servers_table() {
        // An old nginx mime.types: no woff2, no wasm, no webmanifest.
        let folder = vite_build()
            .response(
                "assets/inter-latin-400-normal-C38fXH4l.woff2",
                200,
                None,
                None,
                None,
            )
            .response(
                "assets/zstd-C1nco2VV.wasm",
                200,
                Some("application/octet-stream"),
                None,
                None,
            )
            .response("site.webmanifest", 200, Some("text/plain"), None, None);
        assert_eq!(
            folder.findings(RULE),
            [
                "assets/inter-latin-400-normal-C38fXH4l.woff2:-:-: http://127.0.0.1/assets/inter-latin-400-normal-C38fXH4l.woff2 has no Content-Type; expected font/woff2",
                "assets/zstd-C1nco2VV.wasm:-:-: http://127.0.0.1/assets/zstd-C1nco2VV.wasm is served as \"application/octet-stream\"; expected application/wasm",
                "site.webmanifest:-:-: http://127.0.0.1/site.webmanifest is served as \"text/plain\"; expected application/manifest+json",
            ]
        );
    }

    #[test]
    fn finds_near_miss_image_types() {
        // `image/jpg` is not a registered type.
        let folder = vite_build().response(
            "assets/flower-fk9K17a6.jpg",
            200,
            Some("image/jpg"),
            None,
            None,
        );
        assert_eq!(
            folder.findings(RULE),
            [
                "assets/flower-fk9K17a6.jpg:-:-: http://127.0.0.1/assets/flower-fk9K17a6.jpg is served as \"image/jpg\"; expected image/jpeg"
            ]
        );
    }
}
