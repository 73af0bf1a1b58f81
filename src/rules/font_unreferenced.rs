use super::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::model::finding::Violation;
use crate::size::human;

declare_rule! {
    /// ## What it does
    /// Reports font files (`.woff2`, `.woff`, `.ttf`, `.otf`, `.eot`) of a site that nothing in
    /// the folder uses: no `url()` of a stylesheet or page `<style>` block and no page reference
    /// (a `<link rel=preload as=font>`) resolves to them, and no script, page or stylesheet
    /// mentions their file name anywhere in its text (which covers `@font-face` rules of
    /// CSS-in-JS, `new FontFace(…, "url(…)")` and URLs a bundler writes as strings). Folders
    /// without an HTML page (a font library audited by itself) are not checked.
    ///
    /// ## Why is this bad?
    /// Visitors do not download a font nothing asks for, so this costs no one time. It is
    /// weight in the deployment and a sign of a mistake: a weight or subset copied into
    /// `public/` and forgotten, a font package's whole `files/` folder copied next to the one
    /// face in use, or a face whose `@font-face` points at another name than the file shipped.
    ///
    /// ## How to fix it
    /// Delete the files nobody uses (or stop copying them), or, if a face was meant to use one,
    /// fix its `src: url(…)`. A file that a server or a data file names (an API returning the
    /// URL) is invisible to a static audit: turn the rule off for it with `ignore` if so.
    ///
    /// ## Options
    /// None. No saving is claimed: no visitor downloads the file.
    FontUnreferenced {
        id: "fonts/unreferenced",
        summary: "Font file that no stylesheet, CSS-in-JS face, page or script uses",
        severity: Info,
    }
}

impl Rule for FontUnreferenced {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &RuleContext, found: &mut Vec<Violation>) {
        for path in &context.site.unreferenced_fonts {
            let Some(asset) = context.site.assets_by_path.get(path) else {
                continue;
            };
            found.push(Violation {
                path: Some(path.to_string()),
                message: format!(
                    "font file {path} ({}) is used by no stylesheet, CSS-in-JS face, page or script of the site: no visitor downloads it; delete it, or fix the @font-face that should use it",
                    human(asset.raw)
                ),
                actual: Some(asset.raw),
                ..Violation::default()
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::tester::Folder;

    const RULE: &str = "fonts/unreferenced";

    /// A page loading a stylesheet whose face uses `inter.woff2`.
    fn site() -> Folder {
        Folder::new()
            .file(
                "index.html",
                "<!doctype html><link rel=stylesheet href=/assets/app.css><script type=module src=/assets/app.js></script>",
            )
            .file(
                "assets/app.css",
                "@font-face{font-family:Inter;font-display:swap;src:url(inter.woff2) format(\"woff2\")}",
            )
            .file("assets/inter.woff2", "wOF2 font data")
            .file("assets/app.js", "console.log(1)")
    }

    #[test]
    fn passes_fonts_a_stylesheet_a_script_or_a_page_uses() {
        site()
            // Named by a CSS-in-JS face in a script (a bundler writes the URL as a string).
            .file(
                "assets/app.js",
                "const u=\"/assets/lora-3f2a.woff\";x(`@font-face{font-family:Lora;src:url(${u})}`)",
            )
            .file("assets/lora-3f2a.woff", "wOFF font data")
            // Preloaded by the page.
            .file(
                "index.html",
                "<!doctype html><link rel=preload as=font href=/fonts/mono.woff2 crossorigin><link rel=stylesheet href=/assets/app.css><script type=module src=/assets/app.js></script>",
            )
            .file("fonts/mono.woff2", "wOF2 font data")
            .passes(RULE);
    }

    #[test]
    fn finds_a_font_nothing_uses() {
        let folder = site().file("fonts/inter-latin-700-normal.woff2", "wOF2 bold");
        assert_eq!(
            folder.findings(RULE),
            [
                "fonts/inter-latin-700-normal.woff2:-:-: font file fonts/inter-latin-700-normal.woff2 (9 B) is used by no stylesheet, CSS-in-JS face, page or script of the site: no visitor downloads it; delete it, or fix the @font-face that should use it"
            ]
        );
    }

    #[test]
    fn a_folder_without_pages_is_not_checked() {
        Folder::new()
            .file("fonts/a.woff2", "wOF2")
            .file("fonts/b.ttf", "ttf")
            .passes(RULE);
    }
}
