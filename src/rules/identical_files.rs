use foldhash::{HashMap, HashMapExt, HashSet};

use super::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::kind::AssetKind;
use crate::measure::Asset;
use crate::model::facts::Facts;
use crate::model::finding::Violation;
use crate::site::Target;
use crate::size::human;

declare_rule! {
    /// ## What it does
    /// Reports files whose content is byte-identical to another file of the folder under a
    /// different name: two copies of one image, font, script or stylesheet. Files are compared
    /// by the BLAKE3 hash of their content that measuring computes anyway. The copy whose path
    /// is shortest (then first in path order) is taken as the one to keep; each other copy is a
    /// finding, with its transfer size as the bytes wasted.
    ///
    /// Only files a page requests by their URL are compared: scripts, stylesheets, images,
    /// fonts, media and WebAssembly. Not reported, because no visitor is known to download two
    /// copies:
    /// - other files: source maps, `.gz`/`.br` copies (they follow their originals), licence
    ///   files, sources, and data (JSON, text) that code fetches under a key, such as a route's
    ///   payload written under two names (Next.js's `index.txt` and `__next._full.txt`);
    /// - HTML pages: `index.html` and the `404.html` or `200.html` an SPA host serves for
    ///   unknown routes, or `about.html` and `about/index.html`, are one document served under
    ///   several URLs on purpose, and a visitor opens one of them;
    /// - empty files (nothing to download);
    /// - in a site (a folder with pages), an image copy nothing is known to use: no reference
    ///   of a page or stylesheet resolves to it, and no script or page names its file, or the
    ///   name is also another copy's (a name cannot tell `logos/a.svg` from `old/logos/a.svg`):
    ///   dead weight in the deployment, not a second download;
    /// - language variants: copies whose paths differ only in a language tag with an ISO 639-1
    ///   language (`pt.json` and `pt-BR.json`, `en-3f2a….js` and `ta-9c41….js` when a
    ///   translation falls back to English): a visitor loads the files of one language.
    ///
    /// Copies shipped by separate apps in one folder (a trace viewer and a recorder each with
    /// its own copy of an icon font) are reported: a visitor of both downloads both.
    ///
    /// ## Why is this bad?
    /// Browsers cache by URL: two URLs for the same bytes are two downloads. A page that shows
    /// both copies (an image imported by the bundler, so renamed with a hash, and the same file
    /// kept in `public/` for another reference; one variable font saved as `Regular` and
    /// `SemiBold`; a CSS chunk emitted twice under two chunk names) makes every first visit
    /// pay for the same bytes twice.
    ///
    /// ## How to fix it
    /// Keep one copy and point every reference at it: import the asset everywhere (or
    /// reference the `public/` path everywhere), declare one `@font-face` with a weight range
    /// for a variable font, let the bundler share a chunk between entries.
    ///
    /// ## Options
    /// None.
    IdenticalFiles {
        id: "bundle/identical-files",
        summary: "Files with byte-identical content under different names",
        severity: Warning,
    }
}

impl Rule for IdenticalFiles {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &RuleContext, found: &mut Vec<Violation>) {
        let mut by_content: HashMap<&[u8; 32], Vec<&Asset>> = HashMap::new();
        for asset in context.assets.iter().filter(|a| may_waste(a)) {
            by_content
                .entry(&asset.content_hash)
                .or_default()
                .push(asset);
        }
        let usage = ImageUsage::of(context);
        let mut groups: Vec<Vec<&Asset>> = by_content
            .into_values()
            .map(|copies| usage.keep_used(copies))
            .filter(|copies| copies.len() > 1)
            .collect();
        for copies in &mut groups {
            copies.sort_by(|a, b| {
                a.path
                    .len()
                    .cmp(&b.path.len())
                    .then_with(|| a.path.cmp(&b.path))
            });
        }
        groups.sort_by(|a, b| a[0].path.cmp(&b[0].path));
        for copies in groups {
            let kept = copies[0];
            // A copy that is another copy's language variant is that language's file.
            let extra: Vec<&Asset> = copies[1..]
                .iter()
                .copied()
                .filter(|copy| {
                    !copies
                        .iter()
                        .any(|other| are_language_variants(&other.path, &copy.path))
                })
                .collect();
            let count = extra.len() + 1;
            for copy in extra {
                let others = if count > 2 {
                    format!(" ({count} copies in all)")
                } else {
                    String::new()
                };
                found.push(Violation {
                    path: Some(copy.path.clone()),
                    message: format!(
                        "has the same content as {}{others}: {} more to download for a visitor whose pages use both",
                        kept.path,
                        human(copy.transfer())
                    ),
                    actual: Some(copy.raw),
                    saving: Some(copy.raw),
                    ..Violation::default()
                });
            }
        }
    }
}

/// What tells that an image of a site is used: a reference of a page or stylesheet that
/// resolves to it, or a mention of it in a script or page (bundlers write an imported image's
/// URL as a string; see `model::mention`). Without pages nothing can use an image, and every copy counts.
struct ImageUsage<'a> {
    judged: bool,
    referenced: HashSet<&'a str>,
    mentioned: crate::model::mention::MentionIndex,
}

impl<'a> ImageUsage<'a> {
    fn of(context: &'a RuleContext) -> ImageUsage<'a> {
        let referenced = context
            .site
            .references
            .iter()
            .filter_map(|reference| match &reference.target {
                Target::Present(path) => Some(path.as_str()),
                _ => None,
            })
            .collect();
        let mentioned = crate::model::mention::MentionIndex::new(
            context.assets.iter().flat_map(|asset| {
                mentioned_names(&asset.facts)
                    .iter()
                    .map(|name| (asset.path.as_str(), name.as_str()))
            }),
            context
                .assets
                .iter()
                .filter(|asset| asset.kind == AssetKind::Image)
                .map(|asset| asset.path.as_str()),
        );
        ImageUsage {
            judged: !context.site.pages.is_empty(),
            referenced,
            mentioned,
        }
    }

    /// The copies that may be requested: every copy that is not an image, and the images a
    /// reference names, or a mention names by its path, or by a file name that is no other
    /// copy's name too (a name alone cannot tell `logos/a.svg` from `old/logos/a.svg`).
    fn keep_used<'b>(&self, copies: Vec<&'b Asset>) -> Vec<&'b Asset> {
        if !self.judged || copies.len() < 2 {
            return copies;
        }
        let names =
            crate::model::mention::name_counts(copies.iter().map(|copy| copy.path.as_str()));
        let name_is_unique =
            |path: &str| names.get(&crate::model::mention::name_of(path)) == Some(&1);
        copies
            .into_iter()
            .filter(|copy| {
                copy.kind != AssetKind::Image
                    || self.referenced.contains(copy.path.as_str())
                    || self.mentioned.names_exactly(&copy.path)
                    || (self.mentioned.names_by_name(&copy.path) && name_is_unique(&copy.path))
            })
            .collect()
    }
}

fn mentioned_names(facts: &Facts) -> &[String] {
    match facts {
        Facts::Script(script) => &script.image_names,
        Facts::Document(html) => &html.image_names,
        Facts::Encoded(encoded) => mentioned_names(&encoded.content),
        _ => &[],
    }
}

/// Whether a copy of this asset can cost a visitor a download (see the rule's documentation):
/// a subresource a page loads by its URL, not empty.
fn may_waste(asset: &Asset) -> bool {
    matches!(
        asset.kind,
        AssetKind::Script
            | AssetKind::Stylesheet
            | AssetKind::Image
            | AssetKind::Font
            | AssetKind::Media
            | AssetKind::Wasm
    ) && asset.raw > 0
}

/// Whether two paths name the same file in two languages: split at `/` and `.`, they have the
/// same parts, and every part that differs is a language tag in both (`pt`, `pt-BR`,
/// `zh_TW`), alone or followed by `-` or `_` and a content hash (`en-94909bac`).
fn are_language_variants(a: &str, b: &str) -> bool {
    let (a, b): (Vec<&str>, Vec<&str>) =
        (a.split(['/', '.']).collect(), b.split(['/', '.']).collect());
    if a.len() != b.len() {
        return false;
    }
    let mut differing = a.iter().zip(&b).filter(|(x, y)| x != y).peekable();
    differing.peek().is_some() && differing.all(|(x, y)| is_language_part(x) && is_language_part(y))
}

/// A path part that names a language: a BCP 47-like tag with an ISO 639-1 language, as file
/// names write it (`de`,
/// `pt-BR`, `es-419`, `sr-Latn`, `zh_TW`), alone or followed by a content hash
/// (`en-GB-6af3174fd354`).
fn is_language_part(part: &str) -> bool {
    let mut subtags: Vec<&str> = part.split(['-', '_']).collect();
    if subtags.len() > 1 && subtags.last().is_some_and(|last| is_hash(last)) {
        subtags.pop();
    }
    let Some((language, rest)) = subtags.split_first() else {
        return false;
    };
    ISO_639_1.split(' ').any(|code| code == *language)
        && rest.len() <= 2
        && rest.iter().all(|subtag| {
            let region = (subtag.len() == 2 && subtag.chars().all(|c| c.is_ascii_uppercase()))
                || (subtag.len() == 3 && subtag.chars().all(|c| c.is_ascii_digit()));
            let script = subtag.len() == 4
                && subtag.starts_with(|c: char| c.is_ascii_uppercase())
                && subtag[1..].chars().all(|c| c.is_ascii_lowercase());
            region || script
        })
}

/// The two-letter language codes of ISO 639-1: what locale file names start with. (Three-letter
/// codes are left out: `app`, `ui`-like chunk names would pass for them.)
const ISO_639_1: &str = "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu";

/// A content hash as bundlers write it in names: six or more letters and digits, a digit
/// among them.
fn is_hash(text: &str) -> bool {
    text.len() >= 6
        && text.chars().all(|c| c.is_ascii_alphanumeric())
        && text.chars().any(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use crate::rules::tester::Folder;

    const RULE: &str = "bundle/identical-files";

    const STYLES: &str = ".toolbar{display:flex;gap:.5rem}.toolbar button{padding:.25rem .75rem;border:1px solid #ccd}";

    #[test]
    fn passes_for_distinct_files_and_copies_no_visitor_downloads() {
        let page = "<!doctype html><title>App</title><div id=root></div>";
        Folder::new()
            .file("index.html", page)
            // An SPA host serves the app for unknown routes.
            .file("404.html", page)
            .file("assets/a.css", STYLES)
            .file("assets/b.css", ".other{color:red}")
            // Precompressed copies and maps follow their originals.
            .gzip("assets/a.css.gz", STYLES)
            .gzip("assets/a-copy.css.gz", STYLES)
            .file("assets/a.css.map", "{\"version\":3}")
            .file("assets/b.css.map", "{\"version\":3}")
            // Empty placeholders.
            .file("assets/empty-1.js", "")
            .file("assets/empty-2.js", "")
            // Licence notes of two chunks.
            .file("assets/1.js", "export const a=1;")
            .file("assets/2.js", "export const b=2;")
            .file("assets/1.js.LICENSE.txt", "/*! MIT */")
            .file("assets/2.js.LICENSE.txt", "/*! MIT */")
            .passes(RULE);
    }

    #[test]
    fn passes_for_language_variants() {
        let messages = r#"{"save":"Save","cancel":"Cancel","title":"Energy dashboard"}"#;
        let numbers = r#"{"decimal":",","group":".","currency":"EUR"}"#;
        Folder::new()
            .file("translations/en-94909bac5e64.json", messages)
            .file("translations/ta-603014935b69.json", messages)
            .file("translations/de-0b1c2d3e4f56.json", messages)
            .file("locale-data/pt.json", numbers)
            .file("locale-data/pt-BR.json", numbers)
            .passes(RULE);
    }

    #[test]
    fn finds_an_imported_image_kept_in_public_too() {
        let folder = Folder::new()
            .jpeg("logos/acme.jpg", 120, 80)
            .jpeg("assets/acme-Cq81Lm.jpg", 120, 80)
            .jpeg("assets/acme-2x-Dd0a.jpg", 240, 160);
        assert_eq!(
            folder.findings(RULE),
            [
                "assets/acme-Cq81Lm.jpg:-:-: has the same content as logos/acme.jpg: 4.39 kB more to download for a visitor whose pages use both"
            ]
        );
        let finding = &folder.findings_of(RULE)[0];
        assert_eq!(finding.saving, Some(4_395));
        assert_eq!(finding.impact.as_ref().map(|i| i.bytes), Some(4_395));
    }

    #[test]
    fn passes_for_an_image_copy_nothing_uses() {
        Folder::new()
            .file(
                "index.html",
                "<!doctype html><body><img src=assets/acme-Cq81Lm.jpg alt=Acme></body>",
            )
            .jpeg("logos/acme.jpg", 120, 80)
            .jpeg("assets/acme-Cq81Lm.jpg", 120, 80)
            .passes(RULE);
    }

    #[test]
    fn a_name_two_copies_share_does_not_show_which_one_is_used() {
        let folder = Folder::new()
            .file(
                "index.html",
                "<!doctype html><body><div id=app></div><script src=app.js></script></body>",
            )
            // The script builds `/logos/${name}` from a name map: both copies named `acme.jpg`.
            .file(
                "app.js",
                "const logos={acme:\"acme.jpg\"},s=\"/media/acme.3f2a9c.jpg\";",
            )
            .jpeg("logos/acme.jpg", 120, 80)
            .jpeg("old/logos/acme.jpg", 120, 80)
            .jpeg("media/acme.3f2a9c.jpg", 120, 80);
        assert_eq!(folder.findings(RULE), Vec::<String>::new());
        // Once one of them is referenced, that one and the hashed copy are two downloads.
        let folder = folder.file(
            "about.html",
            "<!doctype html><body><img src=logos/acme.jpg alt=Acme></body>",
        );
        assert_eq!(
            folder.findings(RULE),
            [
                "media/acme.3f2a9c.jpg:-:-: has the same content as logos/acme.jpg: 4.39 kB more to download for a visitor whose pages use both"
            ]
        );
    }

    #[test]
    fn finds_every_extra_copy_of_a_chunk_with_its_transfer_size() {
        let folder = Folder::new()
            .file("static/css/5343.b4cc2aa3.chunk.css", STYLES)
            .file("static/css/experiment.b4cc2aa3.chunk.css", STYLES)
            .file("static/css/10.b4cc2aa3.chunk.css", STYLES);
        assert_eq!(
            folder.findings(RULE),
            [
                "static/css/5343.b4cc2aa3.chunk.css:-:-: has the same content as static/css/10.b4cc2aa3.chunk.css (3 copies in all): 100 B more to download for a visitor whose pages use both",
                "static/css/experiment.b4cc2aa3.chunk.css:-:-: has the same content as static/css/10.b4cc2aa3.chunk.css (3 copies in all): 100 B more to download for a visitor whose pages use both"
            ]
        );
        // The saving is stated raw; the impact model counts what travels (gzip).
        let finding = &folder.findings_of(RULE)[0];
        assert_eq!(finding.saving, Some(STYLES.len() as u64));
        assert_eq!(finding.impact.as_ref().map(|i| i.bytes), Some(92));
    }

    #[test]
    fn language_variants_need_every_difference_to_be_a_language() {
        use super::are_language_variants;
        assert!(are_language_variants("i18n/de.json", "i18n/fr.json"));
        assert!(are_language_variants(
            "l/en-94909bac5e.json",
            "l/ta-60301493fa.json"
        ));
        assert!(!are_language_variants("icons/user.svg", "icons/role.svg"));
        assert!(!are_language_variants("de/logo.png", "fr/logo-big.png"));
        assert!(!are_language_variants("a/x.png", "a/x.png"));
        assert!(!are_language_variants("a/de.json", "b/fr.json"));
        assert!(are_language_variants(
            "l/en-GB-6af3174fd3.js",
            "l/sr-Latn-290a37d9eb.js"
        ));
        assert!(are_language_variants(
            "map/es-419-70c7b8.js",
            "map/pt-BR-2f2e51.js"
        ));
        // Chunk names are not languages even when short.
        assert!(!are_language_variants(
            "a/app-1234567.js",
            "a/ui-7654321.js"
        ));
        assert!(!are_language_variants("a/vendor.js", "a/main.js"));
    }
}
