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
