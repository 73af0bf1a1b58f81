//! HTML and CSS facts on the real fixtures (`fixtures/images-bad`, `fixtures/images-good`, the
//! Vite builds in `fixtures/*/dist`), checked against the line numbers their READMEs document,
//! plus the edge cases the rules depend on: `<picture>` sources, srcset descriptors, attribute
//! case and values, `<base href>`, broken bytes, truncated input and a 5 MB page.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use webaudit::analyze::css::{self, CssFacts};
use webaudit::analyze::html::{self, HtmlFacts, ImageTag, ScriptKind};
use webaudit::analyze::url::{
    Descriptor, Location, Resolved, http_host, parse_srcset, resolve, resolve_in_document,
};

fn fixture(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(relative)
}

fn read(relative: &str) -> Vec<u8> {
    let path = fixture(relative);
    fs::read(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

fn line_column(location: Location) -> (u32, u32) {
    (location.line, location.column)
}

fn image_at_line(facts: &HtmlFacts, line: u32) -> &ImageTag {
    facts
        .images
        .iter()
        .find(|image| image.location.line == line)
        .unwrap_or_else(|| panic!("no <img> on line {line}"))
}

/// Every local reference must name a file that exists in the fixture: this checks the facts and
/// `resolve` against the real folder at once.
fn assert_exists(folder: &str, from: &str, reference: &str) {
    match resolve(from, reference) {
        Resolved::Local(path) => assert!(
            fixture(folder).join(&path).is_file(),
            "{folder}/{from}: {reference:?} resolves to {path:?}, which does not exist"
        ),
        other => panic!("{folder}/{from}: {reference:?} is {other:?}, expected a local file"),
    }
}

/// `(line, src)` of the rows of the "Images in the HTML" table of `fixtures/images-bad/README.md`
/// that name one `index.html` line and one `img/…` file.
fn documented_images() -> Vec<(u32, String)> {
    let readme = String::from_utf8(read("images-bad/README.md")).unwrap();
    let table = readme
        .split("### Images in the HTML")
        .nth(1)
        .and_then(|rest| rest.split("###").next())
        .expect("README has the images table");
    let mut rows = Vec::new();
    for line in table.lines().filter(|line| line.starts_with("| ")) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let (Some(place), Some(problem)) = (cells.get(2), cells.get(3)) else {
            continue;
        };
        let Some(number) = place
            .strip_prefix("`index.html:")
            .and_then(|rest| rest.strip_suffix('`'))
        else {
            continue;
        };
        let Some(image) = problem.split('`').find(|part| part.starts_with("img/")) else {
            continue;
        };
        rows.push((number.parse().unwrap(), image.to_owned()));
    }
    rows
}

#[test]
fn images_bad_page_matches_its_readme() {
    let facts = html::parse(&read("images-bad/index.html"));
    assert!(
        facts.parse_warnings.is_empty(),
        "{:?}",
        facts.parse_warnings
    );

    // Problems 1–10 of the README: each names a line and the image on it.
    let documented = documented_images();
    assert_eq!(documented.len(), 10, "{documented:?}");
    for (line, src) in &documented {
        assert_eq!(
            image_at_line(&facts, *line).src.as_deref(),
            Some(src.as_str()),
            "line {line}"
        );
    }

    // #1: the hero is the first image, first element of <body>, unsized, no loading, no
    // fetchpriority.
    let hero = &facts.images[0];
    assert_eq!(line_column(hero.location), (13, 3));
    assert_eq!(hero.src.as_deref(), Some("img/ladybird.jpg"));
    assert_eq!((hero.order, hero.in_body, hero.in_picture), (0, true, None));
    assert_eq!(
        (
            &hero.width,
            &hero.height,
            &hero.loading,
            &hero.fetchpriority
        ),
        (&None, &None, &None, &None)
    );
    assert_eq!(line_column(facts.body.unwrap()), (12, 1));
    assert!(hero.location.offset > facts.body.unwrap().offset);

    // The gallery: eight cards at column 11, two declaring a size far below the intrinsic one.
    let gallery: Vec<_> = facts
        .images
        .iter()
        .filter(|image| image.location.column == 11)
        .collect();
    let lines: Vec<u32> = gallery.iter().map(|image| image.location.line).collect();
    assert_eq!(lines, [43, 48, 53, 58, 63, 68, 73, 78]);
    let garden = image_at_line(&facts, 43);
    assert_eq!((garden.width_px, garden.height_px), (Some(320), Some(200)));
    let wallpaper = image_at_line(&facts, 73);
    assert_eq!(
        (wallpaper.width_px, wallpaper.height_px),
        (Some(320), Some(180))
    );
    let without_size = gallery
        .iter()
        .filter(|image| image.width.is_none() && image.height.is_none())
        .count();
    assert_eq!(without_size, 6);
    assert!(gallery.iter().all(|image| image.loading.is_none()));

    // Controls: the header logo (sized, eager) and the footer icon (sized, lazy).
    let logo = image_at_line(&facts, 17);
    assert_eq!(
        (logo.width_px, logo.height_px, logo.loading.as_deref()),
        (Some(32), Some(32), None)
    );
    assert_eq!(logo.alt.as_deref(), Some(""));
    let footer = image_at_line(&facts, 93);
    assert_eq!(line_column(footer.location), (93, 8));
    assert_eq!(footer.loading.as_deref(), Some("lazy"));
    assert_eq!(line_column(image_at_line(&facts, 88).location), (88, 7));
    assert_eq!(facts.images.len(), 12);
    assert_eq!(
        facts
            .images
            .iter()
            .map(|image| image.order)
            .collect::<Vec<_>>(),
        (0..12).collect::<Vec<_>>()
    );

    // #11: no <picture>, no modern format anywhere.
    assert!(facts.pictures.is_empty());
    assert!(
        facts
            .images
            .iter()
            .all(|image| image.srcset.is_none() && !image.is_data_uri)
    );

    // #15, #17: the two stylesheets; the favicon <link rel=icon> is neither a stylesheet nor a
    // preload.
    let sheets: Vec<_> = facts
        .stylesheets
        .iter()
        .map(|sheet| (sheet.href.as_deref().unwrap(), line_column(sheet.location)))
        .collect();
    assert_eq!(
        sheets,
        [("vendor/normalize.css", (8, 3)), ("style.css", (9, 3))]
    );
    assert!(facts.preloads.is_empty());

    // #14: the classic, parser-blocking script, and the inline one after it.
    let [external, inline] = &facts.scripts[..] else {
        panic!("{:?}", facts.scripts)
    };
    assert_eq!(external.src.as_deref(), Some("vendor/medium-zoom.js"));
    assert_eq!(
        (external.kind, external.async_, external.defer),
        (ScriptKind::Classic, false, false)
    );
    assert_eq!(line_column(external.location), (97, 3));
    assert_eq!(
        (inline.src.as_deref(), line_column(inline.location)),
        (None, (98, 3))
    );
    let inline_text = "\n    mediumZoom('.gallery-grid img', { margin: 24, background: 'rgba(20, 24, 20, 0.92)' });\n  ";
    assert_eq!(inline.inline_bytes, inline_text.len());

    assert!(facts.inline_styles.is_empty() && facts.style_attributes.is_empty());
    assert!(facts.iframes.is_empty() && facts.videos.is_empty() && facts.base_href.is_none());

    for image in &facts.images {
        assert_exists("images-bad", "index.html", image.src.as_deref().unwrap());
    }
    for sheet in &facts.stylesheets {
        assert_exists("images-bad", "index.html", sheet.href.as_deref().unwrap());
    }
    assert_exists("images-bad", "index.html", external.src.as_deref().unwrap());
}

#[test]
fn images_bad_stylesheet_loads_a_truetype_font_without_font_display() {
    let facts = css::parse(&read("images-bad/style.css"));
    assert!(facts.warnings.is_empty(), "{:?}", facts.warnings);
    assert!(facts.imports.is_empty());
    // #12: style.css:9-14, `src:` on line 11.
    let [face] = &facts.font_faces[..] else {
        panic!("{:?}", facts.font_faces)
    };
    assert_eq!(line_column(face.location), (9, 1));
    assert_eq!(face.family.as_deref(), Some("Open Sans"));
    assert_eq!(face.font_display, None);
    assert_eq!(face.font_weight.as_deref(), Some("400"));
    let [source] = &face.sources[..] else {
        panic!("{:?}", face.sources)
    };
    assert_eq!(source.url.as_deref(), Some("fonts/OpenSans-Regular.ttf"));
    assert_eq!(source.format.as_deref(), Some("truetype"));
    assert_eq!(line_column(source.location), (11, 8));
    // The only url( of the file; the comments around it mention none.
    let urls: Vec<_> = facts
        .urls
        .iter()
        .map(|r| {
            (
                r.url.as_str(),
                r.property.as_deref(),
                r.in_font_face,
                line_column(r.location),
            )
        })
        .collect();
    assert_eq!(
        urls,
        [("fonts/OpenSans-Regular.ttf", Some("src"), true, (11, 8))]
    );
    assert_exists("images-bad", "style.css", &facts.urls[0].url);

    let normalize = css::parse(&read("images-bad/vendor/normalize.css"));
    assert!(
        normalize.urls.is_empty()
            && normalize.imports.is_empty()
            && normalize.font_faces.is_empty()
    );
    assert!(normalize.warnings.is_empty());
}

#[test]
fn images_good_page_uses_pictures_preloads_and_a_video() {
    let facts = html::parse(&read("images-good/index.html"));
    assert!(
        facts.parse_warnings.is_empty(),
        "{:?}",
        facts.parse_warnings
    );

    // Fix #11: seven <picture>, each with one WebP <source> and its <img> fallback.
    let picture_lines: Vec<u32> = facts.pictures.iter().map(|p| p.location.line).collect();
    assert_eq!(picture_lines, [14, 21, 50, 58, 66, 74, 82]);
    for (index, picture) in facts.pictures.iter().enumerate() {
        let [source] = &picture.sources[..] else {
            panic!("{picture:?}")
        };
        assert_eq!(source.type_.as_deref(), Some("image/webp"));
        assert_eq!(source.location.line, picture.location.line + 1);
        let img = &facts.images[picture.img.expect("picture has an <img>")];
        assert_eq!(img.in_picture, Some(index));
        assert_eq!(img.location.line, picture.location.line + 2);
        for candidate in parse_srcset(source.srcset.as_deref().unwrap()) {
            assert_exists("images-good", "index.html", &candidate.url);
        }
    }
    let fallback_lines: Vec<u32> = facts
        .images
        .iter()
        .filter(|image| image.in_picture.is_some())
        .map(|image| image.location.line)
        .collect();
    assert_eq!(
        fallback_lines,
        [16, 23, 52, 60, 68, 76, 84],
        "README fix #11"
    );

    // Fix #1: the hero, eager, sized, high priority.
    let hero = &facts.images[0];
    assert_eq!(line_column(hero.location), (16, 5));
    assert_eq!((hero.width_px, hero.height_px), (Some(1280), Some(800)));
    assert_eq!(
        (hero.loading.as_deref(), hero.fetchpriority.as_deref()),
        (None, Some("high"))
    );

    // Every other image below the fold is lazy and async.
    for image in facts
        .images
        .iter()
        .filter(|image| image.location.line >= 50)
    {
        assert_eq!(
            image.loading.as_deref(),
            Some("lazy"),
            "line {}",
            image.location.line
        );
        assert_eq!(image.decoding.as_deref(), Some("async"));
        assert!(image.width_px.is_some() && image.height_px.is_some());
    }
    assert_eq!(facts.images.len(), 11);
    for image in &facts.images {
        assert_exists("images-good", "index.html", image.src.as_deref().unwrap());
    }

    // Fix #12: the font preload.
    let [preload] = &facts.preloads[..] else {
        panic!("{:?}", facts.preloads)
    };
    assert_eq!(preload.rel, "preload");
    assert_eq!(preload.as_.as_deref(), Some("font"));
    assert_eq!(preload.type_.as_deref(), Some("font/woff2"));
    assert_eq!(preload.crossorigin.as_deref(), Some(""), "bare crossorigin");
    assert_eq!(line_column(preload.location), (8, 3));
    assert_exists(
        "images-good",
        "index.html",
        preload.href.as_deref().unwrap(),
    );

    // Fix #9: the animated GIF became a video with two sources.
    let [video] = &facts.videos[..] else {
        panic!("{:?}", facts.videos)
    };
    assert_eq!(line_column(video.location), (100, 11));
    assert_eq!(
        (video.preload.as_deref(), video.autoplay, video.muted),
        (Some("none"), true, true)
    );
    let sources: Vec<_> = video
        .sources
        .iter()
        .map(|s| (s.src.as_deref().unwrap(), s.type_.as_deref().unwrap()))
        .collect();
    assert_eq!(
        sources,
        [
            ("img/newtons-cradle-320.webm", "video/webm"),
            ("img/newtons-cradle-320.mp4", "video/mp4")
        ]
    );
    for source in &video.sources {
        assert_exists("images-good", "index.html", source.src.as_deref().unwrap());
    }

    // Fix #14: deferred script, then an inline module.
    let [zoom, module] = &facts.scripts[..] else {
        panic!("{:?}", facts.scripts)
    };
    assert!(zoom.defer && !zoom.module && zoom.kind == ScriptKind::Classic);
    assert_eq!(line_column(zoom.location), (122, 3));
    assert!(module.module && module.src.is_none() && module.inline_bytes > 0);

    let sheets: Vec<_> = facts
        .stylesheets
        .iter()
        .map(|s| s.href.as_deref().unwrap())
        .collect();
    assert_eq!(sheets, ["vendor/normalize.min.css", "style.min.css"]);
    for sheet in sheets {
        assert_exists("images-good", "index.html", sheet);
    }
}

#[test]
fn images_good_minified_stylesheet_has_a_woff2_swap_font() {
    let facts = css::parse(&read("images-good/style.min.css"));
    assert!(facts.warnings.is_empty(), "{:?}", facts.warnings);
    let [face] = &facts.font_faces[..] else {
        panic!("{:?}", facts.font_faces)
    };
    assert_eq!(face.family.as_deref(), Some("Open Sans"));
    assert_eq!(face.font_display.as_deref(), Some("swap"));
    assert_eq!(face.sources.len(), 1);
    assert_eq!(face.sources[0].format.as_deref(), Some("woff2"));
    assert_eq!(line_column(face.sources[0].location), (1, 38));
    assert_eq!(facts.urls.len(), 1);
    assert_exists("images-good", "style.min.css", &facts.urls[0].url);
}

#[test]
fn treeshake_builds_load_one_module_entry() {
    for folder in ["treeshake-bad/dist", "treeshake-good/dist"] {
        let facts = html::parse(&read(&format!("{folder}/index.html")));
        assert!(
            facts.parse_warnings.is_empty(),
            "{:?}",
            facts.parse_warnings
        );
        let [entry] = &facts.scripts[..] else {
            panic!("{folder}: {:?}", facts.scripts)
        };
        assert!(entry.module && entry.kind == ScriptKind::Module);
        assert_eq!(entry.crossorigin.as_deref(), Some(""));
        assert_eq!(line_column(entry.location), (7, 5));
        let src = entry.src.as_deref().unwrap();
        assert!(
            src.starts_with("./assets/index-") && src.ends_with(".js"),
            "{src}"
        );
        assert_exists(folder, "index.html", src);
        assert!(
            facts.images.is_empty() && facts.stylesheets.is_empty() && facts.preloads.is_empty()
        );
    }
}

#[test]
fn vite_app_pages_share_a_preloaded_chunk_and_a_stylesheet() {
    let folder = "vite-app/dist";
    let index = html::parse(&read("vite-app/dist/index.html"));
    let about = html::parse(&read("vite-app/dist/about.html"));
    for facts in [&index, &about] {
        assert!(
            facts.parse_warnings.is_empty(),
            "{:?}",
            facts.parse_warnings
        );
        let [entry] = &facts.scripts[..] else {
            panic!("{:?}", facts.scripts)
        };
        assert!(entry.module && !entry.async_ && !entry.defer);
        let [shared] = &facts.preloads[..] else {
            panic!("{:?}", facts.preloads)
        };
        assert_eq!(shared.rel, "modulepreload");
        assert_eq!(shared.href.as_deref(), Some("/assets/style-Ddld_3hZ.js"));
        assert_eq!(shared.crossorigin.as_deref(), Some(""));
        assert_eq!(
            facts.stylesheets[0].href.as_deref(),
            Some("/assets/style-CpcGOdcP.css")
        );
    }
    // The icon and the manifest <link> are neither stylesheets nor preloads.
    assert_eq!(
        index.scripts[0].src.as_deref(),
        Some("/assets/main-D7fafypN.js")
    );
    assert_eq!(line_column(index.scripts[0].location), (9, 5));
    assert_eq!(line_column(index.preloads[0].location), (10, 5));
    let sheets: Vec<_> = index
        .stylesheets
        .iter()
        .map(|s| line_column(s.location))
        .collect();
    assert_eq!(sheets, [(11, 5), (12, 5)]);
    assert_eq!(
        about.scripts[0].src.as_deref(),
        Some("/assets/about-Bya-HQu9.js")
    );
    assert_eq!(line_column(about.scripts[0].location), (7, 5));
    assert_eq!(about.stylesheets.len(), 1);

    // Root-absolute references resolve inside the audited folder.
    assert_eq!(
        resolve("about.html", "/assets/about-Bya-HQu9.js"),
        Resolved::Local("assets/about-Bya-HQu9.js".into())
    );

    // The page CSS: seven @fontsource faces, `url(…)format("woff2")` without a space between.
    let css = css::parse(&read("vite-app/dist/assets/main-DhzmkGAC.css"));
    assert!(css.warnings.is_empty(), "{:?}", css.warnings);
    assert_eq!(css.font_faces.len(), 7);
    for face in &css.font_faces {
        assert_eq!(face.family.as_deref(), Some("Inter"));
        assert_eq!(face.font_display.as_deref(), Some("swap"));
        assert_eq!(
            (face.font_weight.as_deref(), face.font_style.as_deref()),
            (Some("400"), Some("normal"))
        );
        assert!(
            face.unicode_range
                .as_deref()
                .is_some_and(|range| range.starts_with("U+"))
        );
        let formats: Vec<_> = face
            .sources
            .iter()
            .map(|s| s.format.as_deref().unwrap())
            .collect();
        assert_eq!(formats, ["woff2", "woff"]);
        for source in &face.sources {
            assert_exists(
                folder,
                "assets/main-DhzmkGAC.css",
                source.url.as_deref().unwrap(),
            );
        }
    }
    assert_eq!(css.urls.len(), 14);
    assert!(
        css.urls
            .iter()
            .all(|r| r.in_font_face && r.property.as_deref() == Some("src"))
    );
    assert_eq!(line_column(css.font_faces[1].location), (1, 309));
}

/// Every page of every built fixture: each script, stylesheet, preload, image, picture source
/// and video source names an existing file, and so does every URL of the stylesheets they load.
#[test]
fn every_reference_of_every_built_page_exists() {
    // The served folders: the two hand-written sites and every Vite `dist/`.
    let mut sites = vec![fixture("images-bad"), fixture("images-good")];
    for entry in fs::read_dir(fixture("")).unwrap() {
        let dist = entry.unwrap().path().join("dist");
        if dist.is_dir() {
            sites.push(dist);
        }
    }
    let mut pages = Vec::new();
    for site in &sites {
        for file in fs::read_dir(site).unwrap() {
            let path = file.unwrap().path();
            if path
                .extension()
                .is_some_and(|extension| extension == "html")
            {
                pages.push((site.clone(), path));
            }
        }
    }
    assert!(pages.len() >= 6, "{pages:?}");
    for (site, page) in pages {
        let folder = site
            .strip_prefix(fixture(""))
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        let from = page.file_name().unwrap().to_str().unwrap().to_owned();
        let facts = html::parse(&fs::read(&page).unwrap());
        assert!(
            facts.parse_warnings.is_empty(),
            "{}: {:?}",
            page.display(),
            facts.parse_warnings
        );
        let mut references: Vec<String> = Vec::new();
        references.extend(facts.scripts.iter().filter_map(|s| s.src.clone()));
        references.extend(facts.stylesheets.iter().filter_map(|s| s.href.clone()));
        references.extend(facts.preloads.iter().filter_map(|p| p.href.clone()));
        references.extend(facts.images.iter().filter_map(|i| i.src.clone()));
        for picture in &facts.pictures {
            for source in &picture.sources {
                references.extend(
                    parse_srcset(source.srcset.as_deref().unwrap_or(""))
                        .into_iter()
                        .map(|c| c.url),
                );
            }
        }
        references.extend(
            facts
                .videos
                .iter()
                .flat_map(|v| v.sources.iter().filter_map(|s| s.src.clone())),
        );
        assert!(!references.is_empty(), "{}", page.display());
        for reference in &references {
            // A script on another origin (fixtures/html-hints loads analytics and a CDN library
            // on purpose) names no file of the folder: it must be read as one, not as a file.
            if http_host(reference).is_some() {
                assert_eq!(resolve(&from, reference), Resolved::External, "{reference}");
                continue;
            }
            assert_exists(&folder, &from, reference);
        }
        for sheet in &facts.stylesheets {
            let Resolved::Local(sheet_path) = resolve(&from, sheet.href.as_deref().unwrap()) else {
                unreachable!("checked above")
            };
            let css = css::parse(&read(&format!("{folder}/{sheet_path}")));
            assert!(css.warnings.is_empty(), "{sheet_path}: {:?}", css.warnings);
            // An inlined `data:` URL names no file (fixtures/vite-detect inlines a banner on
            // purpose); it must still be read as one, not as a file of the folder.
            for reference in css.imports.iter().chain(&css.urls) {
                if reference.url.starts_with("data:") {
                    assert_eq!(resolve(&sheet_path, &reference.url), Resolved::Data);
                    continue;
                }
                assert_exists(&folder, &sheet_path, &reference.url);
            }
        }
    }
}

#[test]
fn picture_with_avif_and_webp_sources_and_srcsets() {
    let data = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
    let html = format!(
        r#"<picture>
  <source type="image/avif" srcset="hero-640.avif 640w, hero-1280.avif 1280w" sizes="100vw">
  <source type="image/webp" srcset="hero.webp 1x, hero@2x.webp 2x">
  <img src="hero.jpg" srcset="{data} 1x, hero@2x.jpg 2x" loading=LAZY width=640 height=400>
</picture>"#
    );
    let facts = html::parse(html.as_bytes());
    let picture = &facts.pictures[0];
    assert_eq!(picture.sources.len(), 2);
    let avif = parse_srcset(picture.sources[0].srcset.as_deref().unwrap());
    let descriptors: Vec<_> = avif
        .iter()
        .map(|c| (c.url.as_str(), c.descriptor))
        .collect();
    assert_eq!(
        descriptors,
        [
            ("hero-640.avif", Some(Descriptor::Width(640))),
            ("hero-1280.avif", Some(Descriptor::Width(1280)))
        ]
    );
    let webp = parse_srcset(picture.sources[1].srcset.as_deref().unwrap());
    assert_eq!(webp[1].descriptor, Some(Descriptor::Density(2.0)));
    let img = &facts.images[0];
    assert_eq!(img.in_picture, Some(0));
    assert_eq!(
        img.loading.as_deref(),
        Some("lazy"),
        "LAZY matches case-insensitively"
    );
    let candidates = img.srcset_candidates();
    assert_eq!(
        candidates[0].url, data,
        "the comma inside the data: URL does not split it"
    );
    assert_eq!(candidates[0].descriptor, Some(Descriptor::Density(1.0)));
    assert_eq!(resolve("index.html", &candidates[0].url), Resolved::Data);
    assert_eq!(candidates[1].url, "hero@2x.jpg");
}

#[test]
fn attributes_without_values_and_in_any_case() {
    let facts = html::parse(b"<SCRIPT SRC=a.js ASYNC Defer NoModule></SCRIPT><img src=a.png alt loading><video autoplay muted><iframe src=f.html LOADING=Lazy></iframe>");
    let script = &facts.scripts[0];
    assert!(script.async_ && script.defer && script.nomodule);
    let img = &facts.images[0];
    assert_eq!(
        (img.alt.as_deref(), img.loading.as_deref()),
        (Some(""), Some(""))
    );
    assert!(facts.videos[0].autoplay && facts.videos[0].muted);
    assert_eq!(facts.iframes[0].loading.as_deref(), Some("lazy"));
}

#[test]
fn preload_stylesheet_tokens_and_base_href() {
    let html = br#"<base href="/static/"><link rel="preload stylesheet" as="style" href="app.css"><img src="a.png"><img src="/b.png"><base href="/ignored/">"#;
    let facts = html::parse(html);
    assert_eq!(facts.stylesheets.len(), 1);
    assert_eq!(facts.preloads.len(), 1);
    assert_eq!(facts.stylesheets[0].href, facts.preloads[0].href);
    let base = facts.base_href.as_deref();
    assert_eq!(base, Some("/static/"));
    let resolved: Vec<_> = facts
        .images
        .iter()
        .map(|image| resolve_in_document("blog/index.html", base, image.src.as_deref().unwrap()))
        .collect();
    assert_eq!(
        resolved,
        [
            Resolved::Local("static/a.png".into()),
            Resolved::Local("b.png".into())
        ]
    );
    assert_eq!(
        resolve_in_document(
            "index.html",
            base,
            facts.stylesheets[0].href.as_deref().unwrap()
        ),
        Resolved::Local("static/app.css".into())
    );
}

#[test]
fn invalid_utf8_keeps_positions_exact() {
    let page = b"<p>\xFF\xFE caf\xE9</p>\n\xC3<img src=\"a\xFF.png\">\n<style>\xFFa { background: url(b.png) }</style>";
    let facts = html::parse(page);
    assert!(
        facts.parse_warnings.iter().any(|w| w.contains("UTF-8")),
        "{:?}",
        facts.parse_warnings
    );
    let img = &facts.images[0];
    assert_eq!(
        img.location,
        Location {
            line: 2,
            column: 2,
            offset: 16
        }
    );
    assert_eq!(img.src.as_deref(), Some("a\u{FFFD}.png"));
    let style = &facts.inline_styles[0];
    assert_eq!(line_column(style.location), (3, 8));
    let css = css::parse_at(&page[style.range.clone()], style.location);
    assert_eq!(line_column(css.urls[0].location), (3, 25));
}

#[test]
fn empty_and_garbage_input() {
    let empty = html::parse(b"");
    // No doctype, `<html>`, `<head>` or `<body>`: a fragment, and nothing else.
    assert_eq!(
        empty,
        HtmlFacts {
            fragment: true,
            ..HtmlFacts::default()
        }
    );
    assert_eq!(css::parse(b""), CssFacts::default());
    for garbage in [
        &b"<"[..],
        b"<img",
        b"<img src=\"never closed",
        b"<picture><source srcset=a.webp",
        b"<script>",
        b"<style>/* never closed",
        b"</picture></video></template></script>",
        b"<!-- <img src=commented.png> ",
        b"<svg><script/><style>a{}</style></svg><img src=after.png>",
        b"<select><xmp><script>\"use strict\";</script></select>",
        b"\0\0\0<img src=\0>",
        b"<<<<>>>>&&&&;;;;\"\"''",
        b"\xEF\xBB\xBF<img src=bom.png>",
    ] {
        let _ = html::parse(garbage);
    }
    assert!(
        html::parse(b"<!-- <img src=commented.png> -->")
            .images
            .is_empty()
    );
    let after_svg = html::parse(b"<svg><script/><style>a{}</style></svg><img src=after.png>");
    assert_eq!(after_svg.images.len(), 1);
    let bom = html::parse(b"\xEF\xBB\xBF<img src=bom.png>");
    assert_eq!(
        line_column(bom.images[0].location),
        (1, 2),
        "the BOM is a character on line 1"
    );
}

#[test]
fn truncating_the_real_pages_anywhere_never_panics() {
    for page in ["images-bad/index.html", "images-good/index.html"] {
        let bytes = read(page);
        let full = html::parse(&bytes);
        for end in 0..bytes.len() {
            let facts = html::parse(&bytes[..end]);
            assert!(facts.images.len() <= full.images.len());
        }
    }
    for sheet in ["images-bad/style.css", "images-good/style.min.css"] {
        let bytes = read(sheet);
        for end in 0..bytes.len() {
            let _ = css::parse(&bytes[..end]);
        }
    }
}

/// Deterministic xorshift, so a failure is reproducible.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, limit: usize) -> usize {
        (self.next() % limit as u64) as usize
    }
}

#[test]
fn random_fragments_never_panic() {
    const PIECES: [&str; 40] = [
        "<img ",
        "<picture>",
        "</picture>",
        "<source ",
        "<video>",
        "</video>",
        "<template>",
        "</template>",
        "<script>",
        "</script>",
        "<style>",
        "</style>",
        "<link rel=",
        "preload stylesheet",
        "srcset=\"",
        "a.png 1x, ",
        "data:,a,b 2x",
        "url(",
        "url(\"",
        ")",
        "\"",
        "'",
        "/*",
        "*/",
        "{",
        "}",
        ";",
        ":",
        "@import ",
        "@font-face",
        "src:",
        "format(",
        "local(",
        "\\",
        "\n",
        "é",
        "\u{FFFD}",
        "&amp;",
        "&#x",
        ">",
    ];
    let mut random = Random(0x9E37_79B9_7F4A_7C15);
    for _ in 0..3000 {
        let mut input: Vec<u8> = Vec::new();
        for _ in 0..random.below(40) {
            match random.below(10) {
                0 => input.push(random.below(256) as u8),
                _ => input.extend_from_slice(PIECES[random.below(PIECES.len())].as_bytes()),
            }
        }
        let facts = html::parse(&input);
        for style in &facts.inline_styles {
            let _ = css::parse_at(&input[style.range.clone()], style.location);
        }
        for image in &facts.images {
            let _ = image.srcset_candidates();
            let _ = resolve("a/b.html", image.src.as_deref().unwrap_or(""));
        }
        let _ = css::parse(&input);
        let text = String::from_utf8_lossy(&input);
        let _ = parse_srcset(&text);
        let _ = resolve("x/y.css", &text);
    }
}

#[test]
fn css_edge_cases() {
    let stylesheet = br#"@import url("reset.css");
@import 'theme.css' screen;
/* .old { background: url(fake.png) } */
.a::before { content: "} ; url(not-a-url.png) {"; background: url(real.png) }
@font-face {
  font-family: 'Brand';
  src: url(brand.woff2) format("woff2"), url(brand.woff) format("woff"), url(brand.ttf) format("truetype");
  font-display: swap;
}
.b { background: url(after.png) }
.c { content: "never closed"#;
    let facts = css::parse(stylesheet);
    let imports: Vec<_> = facts.imports.iter().map(|r| r.url.as_str()).collect();
    assert_eq!(imports, ["reset.css", "theme.css"]);
    let urls: Vec<_> = facts
        .urls
        .iter()
        .map(|r| (r.url.as_str(), r.location.line))
        .collect();
    assert_eq!(
        urls,
        [
            ("real.png", 4),
            ("brand.woff2", 7),
            ("brand.woff", 7),
            ("brand.ttf", 7),
            ("after.png", 10)
        ]
    );
    let face = &facts.font_faces[0];
    let formats: Vec<_> = face
        .sources
        .iter()
        .map(|s| s.format.as_deref().unwrap())
        .collect();
    assert_eq!(formats, ["woff2", "woff", "truetype"]);
    assert_eq!(face.font_display.as_deref(), Some("swap"));
    assert_eq!(face.family.as_deref(), Some("Brand"));
    assert_eq!(facts.warnings.len(), 1, "{:?}", facts.warnings);
    assert_eq!(line_column(facts.warnings[0].location), (11, 15));
}

/// A generated page of about 5 MB: every element is found and located. Prints the throughput
/// (run with `cargo test --release --test html_css_facts -- --nocapture large`); no timing is
/// asserted, as machines differ.
#[test]
fn large_generated_pages() {
    const CARD: &str = r#"<li class="card"><picture><source type="image/webp" srcset="img/p-320.webp 320w, img/p-640.webp 640w" sizes="(min-width: 40em) 320px, 100vw"><img src="img/p-320.jpg" width="320" height="200" loading="lazy" decoding="async" alt="A photo of something small, close up"></picture><h3>Title</h3><p style="background: url(img/bg.png)">Some text about the photo, long enough to look like a real card.</p></li>"#;
    let cards = 5_000_000 / (CARD.len() + 1);
    let mut lines = String::from(
        "<!doctype html>\n<html><head><link rel=stylesheet href=app.css></head>\n<body><ul>\n",
    );
    let mut single_line = String::from(
        "<!doctype html><html><head><link rel=stylesheet href=app.css></head><body><ul>",
    );
    for _ in 0..cards {
        lines.push_str(CARD);
        lines.push('\n');
        single_line.push_str(CARD);
    }
    lines.push_str("</ul><script src=app.js defer></script></body></html>\n");
    single_line.push_str("</ul><script src=app.js defer></script></body></html>");

    for (name, page) in [
        ("one card per line", &lines),
        ("minified, one line", &single_line),
    ] {
        let started = Instant::now();
        let facts = html::parse(page.as_bytes());
        let seconds = started.elapsed().as_secs_f64();
        eprintln!(
            "html::parse, {name}: {:.1} MB in {:.1} ms = {:.0} MB/s",
            page.len() as f64 / 1e6,
            seconds * 1e3,
            page.len() as f64 / 1e6 / seconds
        );
        assert_eq!(facts.images.len(), cards);
        assert_eq!(facts.pictures.len(), cards);
        assert_eq!(facts.style_attributes.len(), cards);
        assert!(
            facts
                .images
                .iter()
                .enumerate()
                .all(|(i, image)| image.in_picture == Some(i))
        );
        let last = facts.images.last().unwrap();
        let img_offset = CARD.find("<img").unwrap();
        assert_eq!(
            &page.as_bytes()[last.location.offset..last.location.offset + 4],
            b"<img"
        );
        if name == "one card per line" {
            assert_eq!(
                line_column(last.location),
                (cards as u32 + 3, img_offset as u32 + 1)
            );
        } else {
            assert_eq!(last.location.line, 1);
            assert_eq!(
                last.location.column as usize,
                last.location.offset + 1,
                "ASCII: columns are offsets"
            );
        }
        assert_eq!(facts.scripts.len(), 1);
    }
}

/// A 5 MB stylesheet made of the fixtures' real CSS: every copy's font face and URL is found.
/// Prints the throughput like `large_generated_pages`.
#[test]
fn large_stylesheet() {
    let mut sheet = read("images-bad/vendor/normalize.css");
    sheet.extend_from_slice(&read("images-bad/style.css"));
    let copy_length = sheet.len();
    let copies = 5_000_000 / copy_length;
    let sheet = sheet.repeat(copies);
    let started = Instant::now();
    let facts = css::parse(&sheet);
    let seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "css::parse: {:.1} MB in {:.1} ms = {:.0} MB/s",
        sheet.len() as f64 / 1e6,
        seconds * 1e3,
        sheet.len() as f64 / 1e6 / seconds
    );
    assert_eq!(facts.font_faces.len(), copies);
    assert_eq!(facts.urls.len(), copies);
    // Imports are not allowed after rules, and there are none anyway.
    assert!(facts.imports.is_empty() && facts.warnings.is_empty());
    let normalize_length = read("images-bad/vendor/normalize.css").len();
    let font_face_in_style = 263; // `@font-face` in images-bad/style.css, line 9
    let last = facts.font_faces.last().unwrap();
    assert_eq!(
        last.location.offset,
        (copies - 1) * copy_length + normalize_length + font_face_in_style
    );
}
