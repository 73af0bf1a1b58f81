use super::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::model::facts::html::IconRel;
use crate::model::finding::Violation;
use crate::site::{TAB_ICON_HOLDER, Target};

declare_rule! {
    /// ## What it does
    /// Reports references that point into the audited folder at a file that is not there:
    /// in HTML, `<script src>`, `<link rel=stylesheet|preload|modulepreload|prefetch href>` and
    /// `imagesrcset`, `<link rel=icon href>` (the tab icon, which browsers request on every
    /// visit; when a page has several, the one a browser picks by `media` and `sizes`; not
    /// `apple-touch-icon` or `mask-icon`, requested only when a visitor saves or pins the
    /// page), `<img src>` and `srcset`, `<picture><source srcset>`, `<iframe src>`,
    /// `<video src>`, `poster` and `<source src>`, and `url(…)`/`@import` in `<style>` blocks and
    /// `style` attributes; in stylesheets, `url(…)` and `@import`.
    ///
    /// References resolve as a browser resolves them when the folder is served as the site
    /// root: relative to the referring file (or the page's `<base href>`), root-absolute ones
    /// from the folder, `?query` and `#fragment` ignored, `%XX` escapes decoded. With
    /// `[pages] base = "/app/"`, `/app/x.js` means the folder's `x.js`. A reference to a folder
    /// (`docs/`, or `docs` when `docs/` exists) is satisfied by its `index.html`. Files left out
    /// of the audit (ignored, unreadable) count as present.
    ///
    /// Not reported: other origins (`https://…`, `//cdn…`), `data:` URLs, fragments (`#icon`),
    /// references that climb above the folder (`../x`), which may be served by a parent site,
    /// and placeholders a server or deploy step fills in: template syntax (`{{ … }}`,
    /// `{% … %}`, `<%= … %>`, `${…}`), `%NAME%` tokens (`%PUBLIC_URL%`), and a path segment
    /// written as a constant (`ASSET_PREFIX_PLACEHOLDER/…`) where no such folder exists. A
    /// templated `<base href>` is ignored. A template that shows a literal default
    /// (`{{ base_url | default('./assets/app.js') }}`) names that file, and is checked; so does a
    /// placeholder that is only a prefix (`{{ base_url }}static/app.js`,
    /// `/BASE_PLACEHOLDER/assets/app.js`, the URL the folder is served under) when the folder
    /// has the file that follows it. A page whose references name the folder's files only under
    /// a first folder the build does not have (MLflow's `static-files/static/js/main.js` for
    /// `static/js/main.js`: its server mounts the build there), two of them or more and none
    /// naming nothing either way, has its references read that way (the page's `mount` in the
    /// JSON report, and a note). Also not
    /// reported: a name that two or more language variants in its folder stand for (`po.js`
    /// beside `po.de.js`, `po.fr.js.gz`: the server picks the visitor's language) and a path
    /// with a `*` segment (`../*/po.js`, a pattern the server expands), and a route with no
    /// file extension (`/get_image`, `/api/avatar`) that names no file or folder: the server
    /// answers those itself, while built files always carry an extension. Links (`<a href>`)
    /// are navigations, not loads, and are not checked.
    ///
    /// A page in a subfolder whose missing references all name files of that subfolder (two
    /// or more: Playwright's `recorder/index.html` loads `/assets/index.js`, which is
    /// `recorder/assets/index.js`) is an app served from its own folder, audited from a folder
    /// above it. Its findings are still reported, and a note names the folder to audit.
    ///
    /// ## Why is this bad?
    /// A missing file is a failed request on every visit: a broken image, unstyled text, a
    /// script error, or a font that never arrives — and a wasted round trip before the browser
    /// gives up. It usually means a file was renamed by the build (content hashes) or not
    /// copied into the output folder.
    ///
    /// ## How to fix it
    /// Point the reference at the file's real name, or make the build copy the file (Vite:
    /// put it in `public/`, or import it so it is hashed and rewritten). If the file is served
    /// from elsewhere on purpose, use its full URL.
    ///
    /// ## Options
    /// `[pages] base` (the URL path the folder is served under).
    ReferencesMissing {
        id: "references/missing",
        summary: "A reference in HTML or CSS to a file that is not in the folder",
        severity: Warning,
    }
}

impl Rule for ReferencesMissing {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &RuleContext, found: &mut Vec<Violation>) {
        // A browser requests one of a page's tab icons (by `media`, `sizes` and type).
        let tab_icons: std::collections::HashMap<&str, usize> = context
            .site
            .pages
            .iter()
            .map(|page| {
                let icons = page.icons.iter();
                (
                    page.path(),
                    icons.filter(|icon| icon.link.rel == IconRel::Icon).count(),
                )
            })
            .collect();
        for reference in &context.site.references {
            let Target::Missing(target) = &reference.target else {
                continue;
            };
            let text = &reference.text;
            let named = if target.is_empty() || target.ends_with('/') {
                format!(" (no {target}index.html)")
            } else if target == text {
                String::new()
            } else {
                format!(" (the file {target})")
            };
            let icons_on_page = if reference.holder == TAB_ICON_HOLDER {
                tab_icons.get(reference.from.as_str()).copied().unwrap_or(0)
            } else {
                0
            };
            let when = if icons_on_page > 1 {
                format!("whenever a browser picks it of the page's {icons_on_page} tab icons")
            } else {
                "on every visit".to_string()
            };
            found.push(Violation {
                path: Some(reference.from.clone()),
                line: Some(reference.location.line),
                column: Some(reference.location.column),
                message: format!(
                    "{} \"{text}\" names a file that is not in the folder{named}: the request fails {when}",
                    reference.holder
                ),
                ..Violation::default()
            });
        }
    }
}

#[cfg(test)]
mod site_model_tests {
    use crate::rules::tester::Folder;

    const RULE: &str = "references/missing";

    #[test]
    fn a_named_character_reference_resolves() {
        Folder::new()
            .file(
                "index.html",
                r#"<img src="caf&eacute;.png" width=8 height=8><link rel=preload as=image href="caf&#xE9;.png">"#,
            )
            .png("café.png", 8, 8)
            .passes(RULE);
    }

    #[test]
    fn an_encoded_traversal_stays_inside_the_folder() {
        // `%2F` is decoded before the path is split, as a server sees the request: a reference
        // that climbs above the folder that way names no file of the folder (nothing is
        // looked up outside it, nothing is reported), and one that climbs back inside names
        // the file it reaches.
        let folder = Folder::new()
            .file(
                "index.html",
                r#"<img src="img/..%2F..%2F..%2Fetc%2Fpasswd"><style>.a{background:url(..%2F..%2Fsecret.png)}</style><img src="img/%2E%2E%2Flogo.png">"#,
            )
            .png("logo.png", 8, 8);
        folder.passes(RULE);
        folder.prepared(|prepared, _| {
            let site = crate::site::build(
                &prepared.assets,
                &prepared.skipped,
                &prepared.config,
                &prepared.pages,
            );
            let targets: Vec<_> = site.references.iter().map(|r| r.target.clone()).collect();
            use crate::site::Target;
            assert_eq!(
                targets,
                [
                    Target::Elsewhere,
                    Target::Elsewhere,
                    Target::Present("logo.png".into())
                ]
            );
        });
    }

    #[test]
    fn finds_a_missing_file_imported_by_inline_module_code() {
        let folder = Folder::new().file(
            "index.html",
            "<script type=module>\nimport \"./assets/gone-3f2a.js\";\n</script>",
        );
        assert_eq!(
            folder.findings(RULE),
            [
                "index.html:2:1: import in inline <script> \"./assets/gone-3f2a.js\" names a file that is not in the folder (the file assets/gone-3f2a.js): the request fails on every visit"
            ]
        );
    }

    #[test]
    fn finds_a_missing_file_in_a_page_style_block() {
        let folder = Folder::new().file(
            "index.html",
            "<style>\n.hero{background-image:url(/img/hero.webp)}\n</style>",
        );
        assert_eq!(
            folder.findings(RULE),
            [
                "index.html:2:24: url() \"/img/hero.webp\" names a file that is not in the folder (the file img/hero.webp): the request fails on every visit"
            ]
        );
    }

    #[test]
    fn finds_a_missing_tab_icon_but_not_a_missing_home_screen_icon() {
        let page = concat!(
            "<link rel=icon type=image/png href=\"/img/favicon-32.png\">\n",
            "<link rel=\"shortcut icon\" href=favicon.ico>\n",
            "<link rel=apple-touch-icon href=\"/apple-touch-icon.png\">\n",
            "<link rel=mask-icon href=\"/safari-pinned-tab.svg\" color=\"#000\">"
        );
        let folder = Folder::new().file("index.html", page);
        assert_eq!(
            folder.findings(RULE),
            [
                "index.html:1:1: <link rel=icon href> \"/img/favicon-32.png\" names a file that is not in the folder (the file img/favicon-32.png): the request fails whenever a browser picks it of the page's 2 tab icons",
                "index.html:2:1: <link rel=icon href> \"favicon.ico\" names a file that is not in the folder: the request fails whenever a browser picks it of the page's 2 tab icons",
            ]
        );
        Folder::new()
            .file("index.html", page)
            .png("img/favicon-32.png", 32, 32)
            .file("favicon.ico", "ico")
            .passes(RULE);
        // The only tab icon: requested on every visit.
        let folder = Folder::new()
            .file("index.html", "<link rel=icon href=favicon.svg>")
            .file("about/index.html", "<link rel=icon href=../favicon.svg>")
            .file("favicon.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>");
        folder.passes(RULE);
        let folder = Folder::new().file("index.html", "<link rel=icon href=favicon.svg>");
        assert_eq!(
            folder.findings(RULE),
            [
                "index.html:1:1: <link rel=icon href> \"favicon.svg\" names a file that is not in the folder: the request fails on every visit"
            ]
        );
    }

    #[test]
    fn a_page_served_from_its_own_folder_gets_a_note_naming_that_folder() {
        // Playwright's layout: `recorder/` is an app of its own, served at its origin's root.
        let page = "<link rel=icon href=/logo.svg>\n<script type=module src=/assets/index-3f2a.js></script>\n<link rel=stylesheet href=/assets/index-9c1d.css>";
        let app = Folder::new()
            .file("recorder/index.html", page)
            .file(
                "recorder/logo.svg",
                "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
            )
            .file("recorder/assets/index-3f2a.js", "console.log(1)")
            .file("recorder/assets/index-9c1d.css", "a{color:red}");
        assert_eq!(app.findings(RULE).len(), 3);
        app.prepared(|prepared, root| {
            let note = prepared
                .notes
                .iter()
                .find(|note| note.contains("own folder"))
                .expect("a note");
            assert_eq!(
                note,
                &format!(
                    "audit recorder/ by itself (webaudit {}): 1 page(s) name files that the folder has only under the page's own folder (recorder/index.html (3 under recorder/)), as an app served from its own folder as the site root does; their references/missing findings here show where the audit started, not what a visitor gets",
                    root.join("recorder").display()
                )
            );
        });
        // One reference that the page's folder would answer is not enough, and a reference
        // that names nothing there either says the page is not read that way.
        for folder in [
            Folder::new()
                .file("recorder/index.html", "<script src=/assets/a.js></script>")
                .file("recorder/assets/a.js", "1"),
            Folder::new()
                .file("recorder/index.html", page)
                .file(
                    "recorder/logo.svg",
                    "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
                )
                .file("recorder/assets/index-3f2a.js", "console.log(1)"),
        ] {
            folder.prepared(|prepared, _| {
                assert!(
                    !prepared
                        .notes
                        .iter()
                        .any(|note| note.contains("own folder")),
                    "{:?}",
                    prepared.notes
                );
            });
        }
    }

    #[test]
    fn a_base_href_under_the_served_path_is_the_folder_root() {
        // Angular's `--base-href /app/` with `[pages] base = "/app/"`.
        let folder = Folder::new()
            .config("[pages]\nbase = \"/app/\"\n")
            .file(
                "index.html",
                "<base href=\"/app/\"><script type=module src=\"main-3f2a1b9c.js\"></script><img src=\"media/logo.png\" width=8 height=8>",
            )
            .file("main-3f2a1b9c.js", "console.log(1)")
            .png("media/logo.png", 8, 8);
        folder.passes(RULE);
        folder.prepared(|prepared, _| {
            assert_eq!(
                prepared.pages[0].initial_scripts.files,
                ["main-3f2a1b9c.js"]
            );
        });
    }

    #[test]
    fn passes_server_template_placeholders() {
        // Pages served as templates (Jinja, EJS, CRA's %PUBLIC_URL%, a Next.js asset prefix a
        // deploy step replaces): the text as shipped names no file.
        let folder = Folder::new()
            .file(
                "index.html",
                concat!(
                    "<base href=\"{{ base_url | default('./') }}\">",
                    "<link rel=icon href=\"%PUBLIC_URL%/favicon.ico\">",
                    "<script src=\"{{ base_url | default('./assets/index-X.js') }}\"></script>",
                    "<script src=\"BUILDTIME_ASSETPREFIX_REPLACE_ME/_next/static/chunks/main-3f2a.js\"></script>",
                    "<script type=module src=\"./assets/app-9c1d.js\"></script>",
                ),
            )
            .file("assets/app-9c1d.js", "console.log(1)")
            .file("assets/index-X.js", "console.log(2)");
        folder.passes(RULE);
        // The templated <base href> is ignored: the real chunk still loads with the page, and
        // the template's literal default names the other.
        folder.prepared(|prepared, _| {
            assert_eq!(
                prepared.pages[0].initial_scripts.files,
                ["assets/app-9c1d.js", "assets/index-X.js"]
            );
            assert!(prepared.pages[0].missing.is_empty());
        });
    }

    #[test]
    fn finds_a_missing_file_beside_placeholders() {
        let folder = Folder::new().file(
            "index.html",
            "<link rel=stylesheet href=\"{{ static }}/a.css\"><script src=\"assets/GONE_FILE.js\"></script><img src=\"100%.png\">",
        );
        assert_eq!(
            folder.findings(RULE),
            [
                "index.html:1:48: <script src> \"assets/GONE_FILE.js\" names a file that is not in the folder: the request fails on every visit",
                "index.html:1:91: <img src> \"100%.png\" names a file that is not in the folder: the request fails on every visit",
            ]
        );
    }

    #[test]
    fn a_prefix_the_server_fills_in_names_the_file_after_it() {
        // Prefect's page: its URLs start with a placeholder its server replaces with the path
        // the UI is served under. Jupyter's: a Jinja variable holding that path.
        let page = "<script type=module src=\"/PREFECT_UI_SERVE_BASE_REPLACE_PLACEHOLDER/assets/index-B.js\"></script>\n<link rel=stylesheet href=\"{{ base_url }}static/app.css\">\n<link rel=stylesheet href=\"{{ base_url }}custom/custom.css\">\n<img src=\"/PREFECT_UI_SERVE_BASE_REPLACE_PLACEHOLDER/img/logo.png\" alt=\"\">";
        let folder = Folder::new()
            .file("index.html", page)
            .file("assets/index-B.js", "import './chunk-C.js';")
            .file("assets/chunk-C.js", "console.log(1)")
            .file("static/app.css", "body{color:red}");
        // What follows a prefix and names no file of the folder may be served from elsewhere
        // (Jupyter's custom.css is the user's): not reported, as before.
        folder.passes(RULE);
        folder.prepared(|prepared, _| {
            let page = &prepared.pages[0];
            assert_eq!(
                page.initial_scripts.files,
                ["assets/chunk-C.js", "assets/index-B.js"]
            );
            assert_eq!(page.initial_stylesheets.files, ["static/app.css"]);
            let unmeasured: Vec<&str> = page
                .unmeasured
                .iter()
                .map(|u| u.reference.as_str())
                .collect();
            assert_eq!(unmeasured, ["{{ base_url }}custom/custom.css"]);
            assert!(page.template);
            // The site model sees the same files: the references name them.
            let site = crate::site::build(
                &prepared.assets,
                &prepared.skipped,
                &prepared.config,
                &prepared.pages,
            );
            let present: Vec<&str> = site
                .references
                .iter()
                .filter_map(|r| match &r.target {
                    crate::site::Target::Present(path) => Some(path.as_str()),
                    _ => None,
                })
                .collect();
            assert_eq!(present, ["assets/index-B.js", "static/app.css"]);
        });
    }

    #[test]
    fn a_folder_the_server_mounts_the_build_under_is_read_from_the_page() {
        // MLflow's page: its server serves the build folder under /static-files/, which no
        // folder of the build shows; every reference of the page says so.
        let page = "<link rel=icon href=\"./static-files/favicon.ico\">\n<script defer src=\"static-files/static/js/main.1a.js\"></script>\n<link href=\"static-files/static/css/main.2b.css\" rel=stylesheet>";
        let folder = Folder::new()
            .file("index.html", page)
            .file("favicon.ico", "ico")
            .file("static/js/main.1a.js", "console.log(1)")
            .file("static/css/main.2b.css", "body{margin:0}");
        folder.passes(RULE);
        folder.prepared(|prepared, _| {
            let page = &prepared.pages[0];
            assert_eq!(page.mount.as_deref(), Some("static-files/"));
            assert_eq!(page.initial_scripts.files, ["static/js/main.1a.js"]);
            assert_eq!(page.initial_stylesheets.files, ["static/css/main.2b.css"]);
            assert!(
                prepared
                    .notes
                    .iter()
                    .any(|n| n.contains("index.html (static-files/)")),
                "{:?}",
                prepared.notes
            );
        });
        // One reference is not enough to read a page differently, and one under the same
        // folder that names nothing either way contradicts it: both stay missing.
        for page in [
            "<script src=\"cdn/app.js\"></script>",
            "<script src=\"cdn/app.js\"></script><link rel=stylesheet href=\"cdn/app.css\"><script src=\"cdn/gone.js\"></script>",
        ] {
            let folder = Folder::new()
                .file("index.html", page)
                .file("app.js", "console.log(1)")
                .file("app.css", "body{margin:0}");
            let findings = folder.findings(RULE);
            assert!(
                findings
                    .iter()
                    .any(|f| f.contains("\"cdn/app.js\" names a file that is not in the folder")),
                "{findings:#?}"
            );
            folder.prepared(|prepared, _| assert_eq!(prepared.pages[0].mount, None));
        }
        // A folder the build has is no mount: `static/` holds other files.
        let folder = Folder::new()
            .file(
                "index.html",
                "<script src=\"static/app.js\"></script><link rel=stylesheet href=\"static/app.css\">",
            )
            .file("static/other.js", "console.log(0)")
            .file("app.js", "console.log(1)")
            .file("app.css", "body{margin:0}");
        folder.prepared(|prepared, _| assert_eq!(prepared.pages[0].mount, None));
    }

    #[test]
    fn a_jinja_default_literal_is_the_file_the_page_loads() {
        // Gradio's template: the literal default is what the page loads as shipped.
        let page = "<script type=module src=\"{{ base_url | default('./assets/index-DphvyggB.js') }}\"></script>\n<link rel=stylesheet href=\"{{ base_url | default('./assets/index-Gone.css') }}\">";
        let folder = Folder::new()
            .file("index.html", page)
            .file("assets/index-DphvyggB.js", "console.log(1)");
        assert_eq!(
            folder.findings(RULE),
            [
                "index.html:2:1: <link rel=stylesheet href> \"{{ base_url | default('./assets/index-Gone.css') }}\" names a file that is not in the folder (the file assets/index-Gone.css): the request fails on every visit"
            ]
        );
        folder.prepared(|prepared, _| {
            assert_eq!(
                prepared.pages[0].initial_scripts.files,
                ["assets/index-DphvyggB.js"]
            );
            // The page is labelled a template in the report.
            assert!(prepared.pages[0].template);
        });
        // A page without template syntax is not.
        let folder = Folder::new()
            .file(
                "index.html",
                "<script type=module src=\"./assets/index-DphvyggB.js\"></script>",
            )
            .file("assets/index-DphvyggB.js", "console.log(1)");
        folder.prepared(|prepared, _| assert!(!prepared.pages[0].template));
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::tester::Folder;

    const RULE: &str = "references/missing";

    /// `… names a file that is not in the folder…: the request fails on every visit` for the
    /// reference `text` in `holder`, `named` saying what it resolved to (or empty).
    fn missing(place: &str, holder: &str, text: &str, named: &str) -> String {
        format!(
            "{place}: {holder} \"{text}\" names a file that is not in the folder{named}: the request fails on every visit"
        )
    }

    /// `index.html` as Vite builds it, and the files it names.
    fn vite_build() -> Folder {
        Folder::new()
            .file(
                "index.html",
                concat!(
                    "<!doctype html>\n",
                    "<html lang=\"en\">\n",
                    "  <head>\n",
                    "    <meta charset=\"UTF-8\" />\n",
                    "    <link rel=\"icon\" type=\"image/svg+xml\" href=\"/favicon.svg\" />\n",
                    "    <link rel=\"manifest\" href=\"/site.webmanifest\" />\n",
                    "    <script type=\"module\" crossorigin src=\"/assets/main-D7fafypN.js\"></script>\n",
                    "    <link rel=\"modulepreload\" crossorigin href=\"/assets/style-Ddld_3hZ.js\">\n",
                    "    <link rel=\"stylesheet\" crossorigin href=\"/assets/main-DhzmkGAC.css\">\n",
                    "  </head>\n",
                    "  <body>\n",
                    "    <div id=\"app\"></div>\n",
                    "  </body>\n",
                    "</html>\n",
                ),
            )
            .file("favicon.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>")
            .file("site.webmanifest", "{\"name\":\"Field Notes\"}")
            .file(
                "assets/main-D7fafypN.js",
                "import\"./style-Ddld_3hZ.js\";console.log(\"main\");\n",
            )
            .file("assets/style-Ddld_3hZ.js", "console.log(\"style\");\n")
            .file(
                "assets/main-DhzmkGAC.css",
                "@font-face{font-family:Inter;font-display:swap;src:url(/assets/inter-latin-400-normal-C38fXH4l.woff2)format(\"woff2\")}.hero{background:url(./flower-fk9K17a6.jpg) center/cover}",
            )
            .file("assets/inter-latin-400-normal-C38fXH4l.woff2", b"wOF2\0\x01\0\0")
            .jpeg("assets/flower-fk9K17a6.jpg", 40, 30)
    }

    #[test]
    fn passes_for_a_vite_build_whose_references_all_exist() {
        vite_build().passes(RULE);
    }

    #[test]
    fn passes_for_references_that_are_not_files_of_the_folder() {
        // Other origins, data: URLs, fragments, references above the folder (escaped too),
        // and links, which are navigations.
        Folder::new()
            .file(
                "index.html",
                concat!(
                    "<!doctype html><html><head>\n",
                    "<link rel=\"stylesheet\" href=\"https://fonts.googleapis.com/css2?family=Inter&display=swap\">\n",
                    "<script src=\"//cdn.jsdelivr.net/npm/alpinejs@3/dist/cdn.min.js\" defer></script>\n",
                    "<style>.a{background:url(data:image/png;base64,iVBORw0KGgo=)}.b{fill:url(#gradient)}</style>\n",
                    "</head><body>\n",
                    "<img src=\"../shared/logo.png\" width=\"10\" height=\"10\" alt=\"\">\n",
                    "<img src=\"..%2Fsecret.jpg\" width=\"10\" height=\"10\" alt=\"\">\n",
                    "<a href=\"/gone.html\">Gone</a> <a href=\"#top\">Top</a>\n",
                    "</body></html>\n",
                ),
            )
            .passes(RULE);
    }

    #[test]
    fn passes_when_a_query_or_fragment_follows_and_escapes_are_decoded() {
        Folder::new()
            .file(
                "index.html",
                concat!(
                    "<!doctype html><html><head>\n",
                    "<script src=\"js/app.js?v=3\"></script>\n",
                    "<link rel=\"preload\" as=\"image\" href=\"img/sprite.svg#icon-search\">\n",
                    "</head><body>\n",
                    "<div style=\"background-image:url('img/texture%20paper.png')\"></div>\n",
                    "</body></html>\n",
                ),
            )
            .file("js/app.js", "console.log(1)\n")
            .file(
                "img/sprite.svg",
                "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
            )
            .png("img/texture paper.png", 8, 8)
            .passes(RULE);
    }

    #[test]
    fn passes_for_folders_served_by_their_index_html() {
        Folder::new()
            .file(
                "index.html",
                concat!(
                    "<!doctype html><html><body>\n",
                    "<iframe src=\"docs/\"></iframe>\n",
                    "<iframe src=\"docs\"></iframe>\n",
                    "<iframe src=\"/\"></iframe>\n",
                    "</body></html>\n",
                ),
            )
            .file("docs/index.html", "<!doctype html><p>Docs</p>\n")
            .passes(RULE);
    }

    #[test]
    fn passes_under_the_configured_base_path() {
        // Served under /app/: /app/x means the folder's x, from pages and stylesheets.
        Folder::new()
            .config("[pages]\nbase = \"/app/\"\n")
            .file(
                "index.html",
                concat!(
                    "<!doctype html><html><head>\n",
                    "<link rel=\"stylesheet\" href=\"/app/css/main.css\">\n",
                    "</head><body>\n",
                    "<img src=\"/app/img/a.png\" width=\"8\" height=\"8\" alt=\"\">\n",
                    "</body></html>\n",
                ),
            )
            .file(
                "css/main.css",
                "@import \"/app/css/more.css\";\nbody{background:url(/app/img/a.png)}\n",
            )
            .file("css/more.css", "a{color:red}\n")
            .png("img/a.png", 8, 8)
            .passes(RULE);
    }

    #[test]
    fn passes_for_files_left_out_of_the_audit() {
        // Ignored files exist: the server has them.
        Folder::new()
            .config("ignore = [\"media/**\"]\n")
            .file(
                "index.html",
                "<!doctype html><html><body>\n<video src=\"media/clip.mp4\" poster=\"media/clip.jpg\"></video>\n</body></html>\n",
            )
            .file("media/clip.mp4", b"\0\0\0\x18ftypmp42\0\0\0\0mp42isom")
            .jpeg("media/clip.jpg", 16, 9)
            .passes(RULE);
    }

    #[test]
    fn passes_for_references_resolved_from_base_href_and_from_the_stylesheet() {
        Folder::new()
            .file(
                "with-base.html",
                "<!doctype html><html><head><base href=\"sub/\"></head>\n<body><img src=\"b.png\" width=\"8\" height=\"8\" alt=\"\"></body></html>\n",
            )
            .file(
                "css/site.css",
                "@import \"typography.css\";\n.card{background:url(\"../img/card-bg.png\")}\n",
            )
            .file("css/typography.css", "body{font-family:serif}\n")
            .png("img/card-bg.png", 8, 8)
            .png("sub/b.png", 8, 8)
            .passes(RULE);
    }

    #[test]
    fn finds_a_script_whose_hashed_name_changed() {
        // The page of an earlier build names a chunk the new build hashed differently.
        let folder = vite_build().file(
            "about.html",
            "<!doctype html>\n<html><head>\n<script type=\"module\" crossorigin src=\"/assets/main-C3kLq0Zx.js\"></script>\n</head><body></body></html>\n",
        );
        assert_eq!(
            folder.findings(RULE),
            [missing(
                "about.html:3:1",
                "<script src>",
                "/assets/main-C3kLq0Zx.js",
                " (the file assets/main-C3kLq0Zx.js)"
            )]
        );
    }

    #[test]
    fn finds_missing_imports_and_urls_of_a_stylesheet() {
        let folder = Folder::new().file(
            "css/site.css",
            "@import \"typography.css\";\n.card {\n  background: #fff url(\"../img/card-bg.webp\") no-repeat;\n}\n",
        );
        assert_eq!(
            folder.findings(RULE),
            [
                missing(
                    "css/site.css:1:1",
                    "@import",
                    "typography.css",
                    " (the file css/typography.css)"
                ),
                missing(
                    "css/site.css:3:20",
                    "url()",
                    "../img/card-bg.webp",
                    " (the file img/card-bg.webp)"
                ),
            ]
        );
    }

    #[test]
    fn finds_each_missing_srcset_candidate_at_its_tag() {
        let folder = Folder::new()
            .file(
                "index.html",
                concat!(
                    "<!doctype html><html><head>\n",
                    "<link rel=\"preload\" as=\"image\" href=\"img/hero.jpg\" imagesrcset=\"img/hero-640.jpg 640w, img/hero.jpg 1280w\">\n",
                    "</head><body>\n",
                    "<picture>\n",
                    "  <source type=\"image/webp\" srcset=\"img/hero.webp 1x, img/hero@2x.webp 2x\">\n",
                    "  <img src=\"img/hero.jpg\" srcset=\"img/hero-640.jpg 640w, img/hero.jpg 1280w\" sizes=\"100vw\" alt=\"\">\n",
                    "</picture>\n",
                    "</body></html>\n",
                ),
            )
            .jpeg("img/hero.jpg", 64, 40)
            .file("img/hero.webp", crate::rules::image_refs::samples::webp(64, 40));
        assert_eq!(
            folder.findings(RULE),
            [
                missing(
                    "index.html:2:1",
                    "<link imagesrcset>",
                    "img/hero-640.jpg",
                    ""
                ),
                missing("index.html:5:3", "<source srcset>", "img/hero@2x.webp", ""),
                missing("index.html:6:3", "<img srcset>", "img/hero-640.jpg", ""),
            ]
        );
    }

    #[test]
    fn finds_missing_links_media_and_frames() {
        let folder = Folder::new().file(
            "index.html",
            concat!(
                "<!doctype html><html><head>\n",
                "<link rel=\"stylesheet\" media=\"print\" href=\"/css/print.css\">\n",
                "<link rel=\"preload\" as=\"font\" type=\"font/woff2\" href=\"fonts/inter-latin.woff2\" crossorigin>\n",
                "<link rel=\"modulepreload\" href=\"/assets/vendor-BQZuk6qB.js\">\n",
                "</head><body>\n",
                "<video controls poster=\"img/poster.jpg\" src=\"media/intro.webm\">\n",
                "  <source src=\"media/clip.mp4\" type=\"video/mp4\">\n",
                "</video>\n",
                "<iframe src=\"embed/\"></iframe>\n",
                "</body></html>\n",
            ),
        );
        assert_eq!(
            folder.findings(RULE),
            [
                missing(
                    "index.html:2:1",
                    "<link rel=stylesheet href>",
                    "/css/print.css",
                    " (the file css/print.css)"
                ),
                missing(
                    "index.html:3:1",
                    "<link rel=preload href>",
                    "fonts/inter-latin.woff2",
                    ""
                ),
                missing(
                    "index.html:4:1",
                    "<link rel=modulepreload href>",
                    "/assets/vendor-BQZuk6qB.js",
                    " (the file assets/vendor-BQZuk6qB.js)"
                ),
                missing("index.html:6:1", "<video src>", "media/intro.webm", ""),
                missing("index.html:6:1", "<video poster>", "img/poster.jpg", ""),
                missing("index.html:7:3", "<source src>", "media/clip.mp4", ""),
                missing(
                    "index.html:9:1",
                    "<iframe src>",
                    "embed/",
                    " (no embed/index.html)"
                ),
            ]
        );
    }

    #[test]
    fn finds_references_by_the_file_they_resolve_to() {
        // A query, a percent-escape, the configured base path and a <base href>: the message
        // names the file looked for.
        let folder = Folder::new()
            .config("[pages]\nbase = \"/app/\"\n")
            .file(
                "index.html",
                concat!(
                    "<!doctype html><html><head>\n",
                    "<script src=\"js/app.js?v=3\"></script>\n",
                    "</head><body>\n",
                    "<div style=\"background-image: url('img/texture%20paper.png')\"></div>\n",
                    "<img src=\"/app/img/gone.png\" width=\"8\" height=\"8\" alt=\"\">\n",
                    "</body></html>\n",
                ),
            )
            .file(
                "with-base.html",
                "<!doctype html><html><head><base href=\"sub/\"></head>\n<body><img src=\"c.png\" width=\"8\" height=\"8\" alt=\"\"></body></html>\n",
            );
        assert_eq!(
            folder.findings(RULE),
            [
                missing(
                    "index.html:2:1",
                    "<script src>",
                    "js/app.js?v=3",
                    " (the file js/app.js)"
                ),
                missing(
                    "index.html:4:31",
                    "url()",
                    "img/texture%20paper.png",
                    " (the file img/texture paper.png)"
                ),
                missing(
                    "index.html:5:1",
                    "<img src>",
                    "/app/img/gone.png",
                    " (the file img/gone.png)"
                ),
                missing(
                    "with-base.html:2:7",
                    "<img src>",
                    "c.png",
                    " (the file sub/c.png)"
                ),
            ]
        );
    }

    #[test]
    fn finds_urls_in_style_blocks_and_attributes_at_their_place() {
        let folder = Folder::new().file(
            "index.html",
            concat!(
                "<!doctype html><html><head>\n",
                "<style>\n",
                "  @import url(\"/css/theme.css\");\n",
                "  .hero { background: url(/img/hero-bg.jpg) }\n",
                "</style>\n",
                "</head><body>\n",
                "<section class=\"hero\" style=\"background-image:url(img/banner.webp)\"></section>\n",
                "</body></html>\n",
            ),
        );
        assert_eq!(
            folder.findings(RULE),
            [
                missing(
                    "index.html:3:3",
                    "@import",
                    "/css/theme.css",
                    " (the file css/theme.css)"
                ),
                missing(
                    "index.html:4:23",
                    "url()",
                    "/img/hero-bg.jpg",
                    " (the file img/hero-bg.jpg)"
                ),
                missing("index.html:7:47", "url()", "img/banner.webp", ""),
            ]
        );
    }

    #[test]
    fn passes_a_name_the_server_answers_with_a_language_variant() {
        // Cockpit's pages load `po.js`; its server answers with `po.de.js.gz` or another
        // language's file, and expands `../*/po.js` over its packages.
        Folder::new()
            .file(
                "users/index.html",
                r#"<script src="po.js"></script><script src="../base1/po.js"></script><script src="../*/po.js"></script>"#,
            )
            .gzip("users/po.de.js.gz", "var po={};")
            .gzip("users/po.pt_BR.js.gz", "var po={};")
            .file("base1/po.zh-TW.js", "var po={};")
            .file("base1/po.fr.js", "var po={};")
            .passes(RULE);
    }

    #[test]
    fn passes_a_server_route_without_a_file_extension() {
        // LiteLLM's pages load their logo from the proxy's `/get_image` endpoint.
        Folder::new()
            .file(
                "index.html",
                r#"<link rel=preload as=image href="/get_image?theme=dark"><img src="/get_image" width=8 height=8>"#,
            )
            .passes(RULE);
    }

    #[test]
    fn finds_a_missing_file_with_an_extension_and_a_folder_without_its_index() {
        let folder = Folder::new()
            .file(
                "index.html",
                r#"<img src="/img/logo.png" width=8 height=8><iframe src="/docs/"></iframe>"#,
            )
            .file("docs/readme.txt", "x");
        assert_eq!(
            folder.findings(RULE).len(),
            2,
            "{:?}",
            folder.findings(RULE)
        );
    }

    #[test]
    fn finds_a_name_with_one_variant_or_hashed_builds_only() {
        // One translation is not a set of variants; two content-hashed builds of `main.js`
        // are not language variants: the plain name is missing.
        let folder = Folder::new()
            .file(
                "index.html",
                r#"<script src="po.js"></script><script src="main.js"></script>"#,
            )
            .file("po.de.js", "var po={};")
            .file("main.3f2a9c1b.js", "1")
            .file("main.77aa01ce.js", "2");
        assert_eq!(
            folder.findings(RULE),
            [
                "index.html:1:1: <script src> \"po.js\" names a file that is not in the folder: the request fails on every visit",
                "index.html:1:30: <script src> \"main.js\" names a file that is not in the folder: the request fails on every visit"
            ]
        );
    }
}
