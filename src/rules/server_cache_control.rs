use super::{Rule, RuleContext, RuleMeta, answered, declare_rule};
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

/// Whether the file name (last path segment) carries a content hash, per the documentation.
pub fn is_hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let Some((stem, _extension)) = name.rsplit_once('.') else {
        return false;
    };
    let hash_byte = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
    let bytes = stem.as_bytes();
    // Vite / Rollup: `-` or `.` then exactly 8 hash characters.
    if bytes.len() > 9 {
        let (before, hash) = bytes.split_at(bytes.len() - 8);
        if matches!(before.last(), Some(b'-' | b'.'))
            && hash.iter().all(|&b| hash_byte(b))
            && hash
                .iter()
                .any(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
        {
            return true;
        }
    }
    // webpack: the last `-`/`.`-separated part, 8 to 32 letters and digits with a digit.
    match stem.rfind(['-', '.']) {
        Some(split) if split > 0 => {
            let hash = &bytes[split + 1..];
            (8..=32).contains(&hash.len())
                && hash.iter().all(u8::is_ascii_alphanumeric)
                && hash.iter().any(u8::is_ascii_digit)
        }
        _ => false,
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

    #[test]
    fn hashed_names() {
        for hashed in [
            "assets/index-3f2a1b9c.js",
            "assets/about-Bya-HQu9.js",
            "assets/inter-latin-400-normal-C38fXH4l.woff2",
            "assets/style-Ddld_3hZ.js",
            "assets/inter-cyrillic-400-normal-obahsSVq.woff2",
            "main.3f2a1b9c5d6e7f80.js",
        ] {
            assert!(is_hashed(hashed), "{hashed}");
        }
        for plain in [
            "index.html",
            "vendor/medium-zoom.min.js",
            "app-settings.js",
            "jquery-3.7.1.min.js",
            "favicon.svg",
            "site.webmanifest",
            "img/ladybird.jpg",
        ] {
            assert!(!is_hashed(plain), "{plain}");
        }
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
