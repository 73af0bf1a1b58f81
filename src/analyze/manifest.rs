//! Web app manifests (`<link rel="manifest">`): the images a browser requests from one to
//! install the app, so that no image a manifest names is called unused.

use crate::kind::Format;
use crate::model::facts::WebManifestFacts;

/// Largest manifest read: real ones are a few kilobytes (prefect's `site.webmanifest`: 465 B);
/// a larger file named like one is not read.
pub const MAX_MANIFEST_BYTES: usize = 1 << 20;

/// At most this many image names are kept from one manifest.
const MAX_MANIFEST_IMAGES: usize = 1_000;

/// Whether the file at `relative_path` is read as a web app manifest: any `.webmanifest`, and
/// a `manifest.json` (the name create-react-app's template and most PWA guides give it). Other
/// JSON files are not read: a build manifest (`asset-manifest.json`, `.vite/manifest.json`)
/// names every output file, used or not.
pub fn is_manifest(format: Format, relative_path: &str) -> bool {
    let name = relative_path.rsplit('/').next().unwrap_or(relative_path);
    match format {
        Format::WebManifest => true,
        Format::Json => {
            name.eq_ignore_ascii_case("manifest.json") && !crate::kind::is_hidden(relative_path)
        }
        _ => false,
    }
}

/// The lowercased file names of the images `bytes` (a manifest) names: its `icons`,
/// `screenshots`, and the `icons` of its `shortcuts` (W3C Web Application Manifest). Nothing
/// when the file is larger than [`MAX_MANIFEST_BYTES`] or is not a JSON object.
pub fn manifest_facts(bytes: &[u8]) -> WebManifestFacts {
    let mut names = std::collections::BTreeSet::new();
    if bytes.len() <= MAX_MANIFEST_BYTES
        && let Ok(serde_json::Value::Object(manifest)) =
            serde_json::from_slice::<serde_json::Value>(bytes)
    {
        let shortcut_icons = manifest
            .get("shortcuts")
            .and_then(|shortcuts| shortcuts.as_array())
            .into_iter()
            .flatten()
            .filter_map(|shortcut| shortcut.get("icons"));
        let lists = ["icons", "screenshots"]
            .into_iter()
            .filter_map(|member| manifest.get(member))
            .chain(shortcut_icons);
        for image in lists.filter_map(|list| list.as_array()).flatten() {
            if let Some(name) = image
                .get("src")
                .and_then(|src| src.as_str())
                .and_then(file_name)
                && names.len() < MAX_MANIFEST_IMAGES
            {
                names.insert(name);
            }
        }
    }
    WebManifestFacts {
        image_names: names.into_iter().collect(),
    }
}

/// The last segment of a URL's path, lowercased (as [`super::mentions::file_names`] keeps
/// names): `/ico/android-chrome-192x192.png?v=2` → `android-chrome-192x192.png`.
fn file_name(src: &str) -> Option<String> {
    let path = src.split(['?', '#']).next().unwrap_or(src);
    let name = path.rsplit('/').next().unwrap_or(path);
    (!name.is_empty()).then(|| name.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_icons_screenshots_and_shortcut_icons() {
        // prefect 3.9.1's ico/site.webmanifest, with a screenshot and a shortcut added.
        let manifest = br##"{
            "name": "", "short_name": "",
            "icons": [
                {"src": "/ico/android-chrome-192x192.png", "sizes": "192x192", "type": "image/png"},
                {"src": "/ico/Android-Chrome-512x512.png?v=2", "sizes": "512x512", "type": "image/png"}
            ],
            "screenshots": [{"src": "shots/Wide.webp#x", "sizes": "1280x720"}],
            "shortcuts": [{"name": "Runs", "url": "/runs", "icons": [{"src": "runs.svg"}]}],
            "theme_color": "#ffffff", "background_color": "#ffffff", "display": "standalone"
        }"##;
        assert_eq!(
            manifest_facts(manifest).image_names,
            [
                "android-chrome-192x192.png",
                "android-chrome-512x512.png",
                "runs.svg",
                "wide.webp"
            ]
        );
    }

    #[test]
    fn names_nothing_from_what_is_not_a_manifest_object() {
        for bytes in [
            &b"[{\"src\": \"a.png\"}]"[..],
            b"{\"icons\": [{\"src\": ",
            b"{\"icons\": {\"src\": \"a.png\"}}",
            b"{\"icons\": [{\"src\": 7}, {\"href\": \"b.png\"}, \"c.png\"]}",
            b"",
        ] {
            assert!(manifest_facts(bytes).image_names.is_empty(), "{bytes:?}");
        }
        let mut large = b"{\"icons\": [{\"src\": \"a.png\"}], \"description\": \"".to_vec();
        large.resize(MAX_MANIFEST_BYTES, b'x');
        large.extend_from_slice(b"\"}");
        assert!(manifest_facts(&large).image_names.is_empty());
    }

    #[test]
    fn reads_webmanifests_and_manifest_json_but_not_build_manifests() {
        assert!(is_manifest(Format::WebManifest, "ico/site.webmanifest"));
        assert!(is_manifest(Format::Json, "manifest.json"));
        assert!(is_manifest(Format::Json, "static/Manifest.JSON"));
        assert!(!is_manifest(Format::Json, "asset-manifest.json"));
        assert!(!is_manifest(Format::Json, ".vite/manifest.json"));
        assert!(!is_manifest(Format::Json, "locales/en.json"));
        assert!(!is_manifest(Format::Js, "manifest.json"));
    }
}
