//! Pass and fail cases beside each rule, run in process: a folder is described in memory (files
//! as text or bytes, real encoded images, a `webaudit.toml`, the live answers `check-url`
//! would get), written to a temporary folder, and audited by the real pipeline
//! ([`crate::audit::prepare`], then the rules) without spawning the binary.
//!
//! ```ignore
//! let folder = Folder::new()
//!     .file("index.html", r#"<body><img src="a.png"></body>"#)
//!     .png("a.png", 40, 30);
//! assert_eq!(
//!     folder.findings("images/unsized"),
//!     ["index.html:1:7: <img src=\"a.png\"> has no width and height: …"]
//! );
//! ```
//!
//! A finding prints as `path:line:column: message` (`-` for what it lacks), so a case asserts
//! the rule's id (by asking for it), where it points and what it says.

#![cfg(test)]

use std::path::Path;

use crate::audit::{AuditOptions, Prepared};
use crate::model::finding::Finding;
use crate::model::response::{Answer, Response};

/// A folder to audit, described in memory.
// Each rule file uses the parts its cases need.
#[allow(dead_code)]
pub struct Folder {
    files: Vec<(String, Vec<u8>)>,
    responses: Vec<Response>,
    baseline: Option<String>,
    brotli: bool,
}

impl Default for Folder {
    fn default() -> Self {
        Self::new()
    }
}

#[allow(dead_code)]
impl Folder {
    pub fn new() -> Folder {
        Folder {
            files: Vec::new(),
            responses: Vec::new(),
            baseline: None,
            brotli: false,
        }
    }

    /// A file with the given content (`path` is `/`-separated, folders are created).
    pub fn file(mut self, path: &str, content: impl AsRef<[u8]>) -> Folder {
        self.files
            .push((path.to_string(), content.as_ref().to_vec()));
        self
    }

    /// Empty files at `paths`: files a test's references name, present in the folder (rules
    /// leave a missing file to `references/missing`), whose content does not matter.
    pub fn files(mut self, paths: &[&str]) -> Folder {
        for path in paths {
            self = self.file(path, "");
        }
        self
    }

    /// `webaudit.toml` in the audited folder.
    pub fn config(self, toml: &str) -> Folder {
        self.file("webaudit.toml", toml)
    }

    /// A real PNG of `width`×`height` (a gradient with noise, so it compresses like a photo).
    pub fn png(self, path: &str, width: u32, height: u32) -> Folder {
        let bytes = encode(width, height, image::ImageFormat::Png);
        self.file(path, bytes)
    }

    /// A real JPEG of `width`×`height` (quality 90).
    pub fn jpeg(self, path: &str, width: u32, height: u32) -> Folder {
        let bytes = encode(width, height, image::ImageFormat::Jpeg);
        self.file(path, bytes)
    }

    /// `X.gz`: the gzip encoding of `content` (level 9).
    pub fn gzip(self, path: &str, content: impl AsRef<[u8]>) -> Folder {
        use std::io::Write;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(content.as_ref()).unwrap();
        let bytes = encoder.finish().unwrap();
        self.file(path, bytes)
    }

    /// A chunk at `path` as Rollup writes it, one minified line of `modules` (source as the map
    /// names it, code), with a v3 source map beside it: one segment where each module starts.
    pub fn mapped_chunk<S: AsRef<str>>(self, path: &str, modules: &[(S, String)]) -> Folder {
        let mut code = String::new();
        let mut mappings = String::new();
        for (index, (_, text)) in modules.iter().enumerate() {
            // Relative to the previous segment: columns on, the next source, its line 0 column 0.
            let column = match index {
                0 => 0,
                _ => {
                    mappings.push(',');
                    modules[index - 1].1.len() as i64
                }
            };
            for delta in [column, (index > 0) as i64, 0, 0] {
                vlq(delta, &mut mappings);
            }
            code.push_str(text);
        }
        let name = path.rsplit('/').next().unwrap_or(path);
        code.push_str(&format!("\n//# sourceMappingURL={name}.map\n"));
        let sources: Vec<&str> = modules.iter().map(|(source, _)| source.as_ref()).collect();
        let map = serde_json::json!({
            "version": 3, "file": name, "sources": sources, "names": [], "mappings": mappings
        });
        self.file(path, code)
            .file(&format!("{path}.map"), map.to_string())
    }

    /// What the live server answers for `path` (`check-url`): status and headers.
    pub fn response(
        mut self,
        path: &str,
        status: u16,
        content_type: Option<&str>,
        content_encoding: Option<&str>,
        cache_control: Option<&str>,
    ) -> Folder {
        self.responses.push(Response {
            path: path.to_string(),
            url: format!("http://127.0.0.1/{path}"),
            outcome: Ok(Answer {
                status,
                content_type: content_type.map(String::from),
                content_encoding: content_encoding.map(String::from),
                cache_control: cache_control.map(String::from),
            }),
        });
        self
    }

    /// A request for `path` that got no answer (`why`: timeout, connection reset…).
    pub fn no_response(mut self, path: &str, why: &str) -> Folder {
        self.responses.push(Response {
            path: path.to_string(),
            url: format!("http://127.0.0.1/{path}"),
            outcome: Err(why.to_string()),
        });
        self
    }

    /// A baseline report (`--baseline`): the JSON of an earlier run.
    pub fn baseline(mut self, json: &str) -> Folder {
        self.baseline = Some(json.to_string());
        self
    }

    /// Measure brotli sizes too.
    pub fn brotli(mut self) -> Folder {
        self.brotli = true;
        self
    }

    /// Writes the folder and prepares its audit; `inspect` sees the result while the folder
    /// still exists.
    pub fn prepared<T>(&self, inspect: impl FnOnce(&Prepared, &Path) -> T) -> T {
        let temporary = tempfile::tempdir().unwrap();
        let root = temporary.path().join("site");
        std::fs::create_dir(&root).unwrap();
        for (path, content) in &self.files {
            let file = root.join(path);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(&file, content).unwrap();
        }
        let mut options = AuditOptions::new(&root);
        options.brotli = self.brotli;
        options.threads = 1;
        if let Some(json) = &self.baseline {
            let file = temporary.path().join("baseline.json");
            std::fs::write(&file, json).unwrap();
            options.baseline = Some(file);
        }
        let prepared = crate::audit::prepare(&options)
            .unwrap_or_else(|error| panic!("the audit failed: {error}"));
        inspect(&prepared, &root)
    }

    /// The findings of `rule`, each as `path:line:column: message`.
    pub fn findings(&self, rule: &str) -> Vec<String> {
        self.findings_of(rule)
            .iter()
            .map(|finding| {
                let place = |value: Option<u32>| value.map_or("-".to_string(), |v| v.to_string());
                format!(
                    "{}:{}:{}: {}",
                    finding.path.as_deref().unwrap_or("-"),
                    place(finding.line),
                    place(finding.column),
                    finding.message
                )
            })
            .collect()
    }

    /// The findings of `rule` as the report holds them (fix, saving, severity…).
    pub fn findings_of(&self, rule: &str) -> Vec<Finding> {
        assert!(
            super::find(rule).is_some(),
            "{rule} is not a rule of the registry"
        );
        self.prepared(|prepared, _| prepared.findings(&self.responses, |id| id == rule))
    }

    /// Asserts that one of the audit's notes contains `part`.
    #[track_caller]
    pub fn has_note(&self, part: &str) {
        let notes = self.prepared(|prepared, _| prepared.notes.clone());
        assert!(
            notes.iter().any(|note| note.contains(part)),
            "no note contains {part:?}: {notes:#?}"
        );
    }

    /// Asserts that `rule` finds nothing here.
    #[track_caller]
    pub fn passes(&self, rule: &str) {
        let findings = self.findings(rule);
        assert!(
            findings.is_empty(),
            "{rule} should pass, found:\n{findings:#?}"
        );
    }
}

/// A page prerendered by Vite (vite-ssg) around `body`, which starts on line 8.
pub fn vite_page(body: &str) -> String {
    format!(
        r#"<!doctype html>
<html lang="en">
  <head>
    <meta charset="UTF-8" />
    <script type="module" crossorigin src="/assets/index-D7fafypN.js"></script>
  </head>
  <body>
{body}
  </body>
</html>
"#
    )
}

/// Minified React components as a bundler emits them: `count` small components with distinct
/// names, numbers and UI strings (so they do not compress to nothing), drawn from `seed`.
pub fn react_components(count: usize, seed: u32) -> String {
    const WORDS: [&str; 16] = [
        "cart", "checkout", "total", "shipping", "address", "coupon", "invalid", "order",
        "payment", "declined", "retry", "saved", "items", "remove", "quantity", "delivery",
    ];
    let mut state = 0x9e37_79b9_u32 ^ seed;
    let mut word = || {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        WORDS[state as usize % WORDS.len()]
    };
    let mut code = String::new();
    for i in 0..count {
        let label = format!("{} {} {}", word(), word(), word());
        code.push_str(&format!(
            "function C{i}({{items:t,onSelect:n}}){{const[r,o]=s.useState({});return e.jsx(\"ul\",{{className:\"{}-{i:x}\",\"aria-label\":\"{label}\",children:t.slice(0,{}).map(l=>e.jsx(\"li\",{{onClick:()=>n(l.id+{}),children:l.{}}},l.id))}})}}",
            i % 7,
            word(),
            i * 3 % 50 + 1,
            i * 17 % 1000,
            word()
        ));
    }
    code
}

/// A whole minified entry chunk: the components between an import of the vendor chunk and an
/// export.
pub fn react_chunk(count: usize, seed: u32) -> String {
    format!(
        "import{{j as e,r as s}}from\"./vendor-DkL9x2Qa.js\";{}export{{C0 as default}};\n",
        react_components(count, seed)
    )
}

/// `bytes` brotli-encoded as webaudit measures and writes it: a `.br` copy.
pub fn brotli_encode(bytes: &[u8]) -> Vec<u8> {
    crate::measure::compress::brotli_bytes(bytes, bytes.len() as u64).unwrap()
}

/// A minified stylesheet of `rules` utility classes.
pub fn utility_css(rules: usize) -> String {
    (0..rules)
        .map(|i| {
            format!(
                ".card-{i:x}{{display:flex;margin:{}px auto;color:#{:06x}}}",
                i % 24,
                (i as u64 * 2_654_435_761) % 0xff_ffff
            )
        })
        .collect()
}

/// Minified module code of at least `bytes` bytes, its functions named after `name`.
pub fn module_code(name: &str, bytes: usize) -> String {
    let mut code = String::new();
    let mut i = 0;
    while code.len() < bytes {
        code.push_str(&format!(
            "function {name}{i}(n,t){{return n==null?t:n.map(e=>e+{i})}}"
        ));
        i += 1;
    }
    code
}

/// Appends `value` to `out` as a source-map VLQ.
fn vlq(value: i64, out: &mut String) {
    const DIGITS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut rest = if value < 0 {
        ((-value) << 1) | 1
    } else {
        value << 1
    } as u64;
    loop {
        let mut digit = rest & 31;
        rest >>= 5;
        if rest > 0 {
            digit |= 32;
        }
        out.push(DIGITS[digit as usize] as char);
        if rest == 0 {
            break;
        }
    }
}

/// A deterministic picture: a gradient with pseudo-random noise, so encoders work as on a photo.
fn encode(width: u32, height: u32, format: image::ImageFormat) -> Vec<u8> {
    let mut state = 0x2545_f491_u32;
    let picture = image::RgbImage::from_fn(width, height, |x, y| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let noise = (state % 24) as u8;
        image::Rgb([
            ((x * 255 / width.max(1)) as u8).saturating_add(noise),
            ((y * 255 / height.max(1)) as u8).saturating_add(noise),
            128u8.saturating_add(noise),
        ])
    });
    let mut bytes = std::io::Cursor::new(Vec::new());
    match format {
        image::ImageFormat::Jpeg => {
            let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 90);
            picture.write_with_encoder(encoder).unwrap();
        }
        _ => picture.write_to(&mut bytes, format).unwrap(),
    }
    bytes.into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_is_audited_by_the_real_pipeline() {
        let folder = Folder::new()
            .file("index.html", "<script src=app.js></script>")
            .file("app.js", "console.log(1)\n".repeat(50))
            .png("a.png", 8, 8);
        folder.prepared(|prepared, root| {
            assert!(root.join("app.js").is_file());
            let paths: Vec<&str> = prepared.assets.iter().map(|a| a.path.as_str()).collect();
            assert_eq!(paths, ["a.png", "app.js", "index.html"]);
            assert_eq!(prepared.pages[0].initial_scripts.files, ["app.js"]);
        });
    }

    #[test]
    fn findings_name_place_and_message() {
        let folder = Folder::new().file("index.html", "<script src=gone.js></script>");
        assert_eq!(
            folder.findings("references/missing"),
            [
                "index.html:1:1: <script src> \"gone.js\" names a file that is not in the folder: the request fails on every visit"
            ]
        );
    }

    #[test]
    #[should_panic(expected = "not a rule")]
    fn an_unknown_rule_is_refused() {
        Folder::new().findings("no/such-rule");
    }
}
