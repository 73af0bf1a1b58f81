use super::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::analyze::Facts;
use crate::model::finding::Violation;

declare_rule! {
    /// ## What it does
    /// Reports `<img>` elements that do not tell the browser their size before the image
    /// arrives: without both `width` and `height` attributes (whole numbers, optionally in `px`),
    /// and without one of them plus an `aspect-ratio` in the inline style, nor both dimensions in
    /// the inline style. As in Lighthouse's unsized-images audit, images with `data:` SVG sources
    /// are ignored (they are drawn at once). CSS rules in stylesheets can also size images; that is
    /// not visible here, so a finding may be sized by your CSS — add the attributes anyway, they
    /// also give the aspect ratio.
    ///
    /// ## Why is this bad?
    /// The browser lays the page out before images load; an unsized image takes no space, then
    /// pushes everything below it down when it arrives. That layout shift (CLS, a Core Web Vital)
    /// makes people lose their place or click the wrong thing.
    ///
    /// ## How to fix it
    /// Give every image its intrinsic size as attributes; CSS can still scale it:
    ///
    /// ```html
    /// <img src="photo.jpg" width="1600" height="1067" alt="…" style="width:100%;height:auto">
    /// ```
    ///
    /// ## Options
    /// None.
    ImagesUnsized {
        id: "images/unsized",
        summary: "<img> without width and height: the page jumps when it loads (layout shift)",
        severity: Warning,
    }
}

fn style_has(style: &str, property: &str) -> bool {
    style.split(';').any(|declaration| {
        declaration.split_once(':').is_some_and(|(name, value)| {
            name.trim().eq_ignore_ascii_case(property)
                && !matches!(value.trim(), "" | "auto" | "inherit" | "initial")
        })
    })
}

impl Rule for ImagesUnsized {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &RuleContext, found: &mut Vec<Violation>) {
        for asset in context.assets {
            let Facts::Document(html) = &asset.facts else {
                continue;
            };
            for image in html.images.iter().filter(|i| i.in_body) {
                let svg_data = image.is_data_uri
                    && image
                        .src
                        .as_deref()
                        .is_some_and(|s| s.trim_start().starts_with("data:image/svg"));
                if svg_data {
                    continue;
                }
                let style = image.style.as_deref().unwrap_or_default();
                let (width, height) = (image.width_px.is_some(), image.height_px.is_some());
                let sized = (width && height)
                    || ((width || height) && style_has(style, "aspect-ratio"))
                    || (style_has(style, "width") && style_has(style, "height"));
                if sized {
                    continue;
                }
                let missing = match (width, height) {
                    (false, false) => "width and height",
                    (true, false) => "height",
                    _ => "width",
                };
                let name = image.src.as_deref().unwrap_or("(no src)");
                found.push(Violation {
                    path: Some(asset.path.clone()),
                    line: Some(image.location.line),
                    column: Some(image.location.column),
                    message: format!("<img src=\"{name}\"> has no {missing}: the layout shifts when it loads; add width and height attributes"),
                    ..Violation::default()
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::tester::Folder;

    const RULE: &str = "images/unsized";

    /// A page prerendered by Vite (vite-ssg): `body` starts on line 8.
    fn page(body: &str) -> String {
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

    #[test]
    fn passes_when_width_and_height_are_attributes() {
        Folder::new()
            .file(
                "index.html",
                page(concat!(
                    r#"    <img src="/assets/hero-BX3k9f2a.jpg" width="1280" height="800" alt="" style="width:100%;height:auto">"#,
                    "\n",
                    r#"    <img src="/assets/card-C1nco2VV.jpg" width="320px" height=" 200 " alt="">"#,
                )),
            )
            .passes(RULE);
    }

    #[test]
    fn passes_when_one_attribute_and_an_inline_aspect_ratio_give_the_size() {
        Folder::new()
            .file(
                "index.html",
                page(concat!(
                    r#"    <img src="/assets/card-C1nco2VV.jpg" width="300px" style="aspect-ratio: 3 / 2" alt="">"#,
                    "\n",
                    r#"    <img src="/assets/strip-DQukG94-.jpg" height="120" style="object-fit:cover;ASPECT-RATIO:16/9" alt="">"#,
                )),
            )
            .passes(RULE);
    }

    #[test]
    fn passes_when_the_inline_style_gives_both_dimensions() {
        Folder::new()
            .file(
                "index.html",
                page(r#"    <img src="/assets/avatar-Bya-HQu9.png" style="width: 30px; height: 20px" alt="">"#),
            )
            .passes(RULE);
    }

    #[test]
    fn passes_for_svg_data_uris_which_draw_at_once() {
        Folder::new()
            .file(
                "index.html",
                page(concat!(
                    r#"    <img src="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'%3E%3C/svg%3E" alt="">"#,
                    "\n",
                    r#"    <img src=" data:image/svg+xml;base64,PHN2Zy8+" alt="">"#,
                )),
            )
            .passes(RULE);
    }

    #[test]
    fn passes_for_images_that_do_not_load_with_the_page() {
        // <template> content is inert; <noscript> content is text when scripting is on.
        Folder::new()
            .file(
                "index.html",
                page(concat!(
                    r#"    <template id="row"><img src="/assets/row-B4URO6DV.png" alt=""></template>"#,
                    "\n",
                    r#"    <noscript><img src="/pixel.gif" alt=""></noscript>"#,
                )),
            )
            .passes(RULE);
    }

    #[test]
    fn finds_an_img_without_width_and_height() {
        let folder = Folder::new().file(
            "index.html",
            page(r#"    <img class="hero" src="/assets/hero-BX3k9f2a.jpg" alt="A meadow">"#),
        );
        assert_eq!(
            folder.findings(RULE),
            [
                "index.html:8:5: <img src=\"/assets/hero-BX3k9f2a.jpg\"> has no width and height: the layout shifts when it loads; add width and height attributes"
            ]
        );
    }

    #[test]
    fn finds_the_one_dimension_that_is_missing() {
        let folder = Folder::new().file(
            "index.html",
            page(concat!(
                r#"    <img src="a.jpg" width="300" alt="">"#,
                "\n",
                r#"    <img src="b.jpg" height="200" alt="">"#,
            )),
        );
        assert_eq!(
            folder.findings(RULE),
            [
                "index.html:8:5: <img src=\"a.jpg\"> has no height: the layout shifts when it loads; add width and height attributes",
                "index.html:9:5: <img src=\"b.jpg\"> has no width: the layout shifts when it loads; add width and height attributes",
            ]
        );
    }

    #[test]
    fn finds_sizes_that_are_not_pixel_lengths() {
        // Percentages and `auto` say nothing about the intrinsic size; neither does an
        // aspect-ratio without a dimension, nor `height: auto` in the style.
        let folder = Folder::new().file(
            "index.html",
            page(concat!(
                r#"    <img src="e.jpg" width="50%" height="20%" alt="">"#,
                "\n",
                r#"    <img src="f.jpg" style="aspect-ratio: 16 / 9" alt="">"#,
                "\n",
                r#"    <img src="g.jpg" style="width:100%;height:auto" alt="">"#,
                "\n",
                r#"    <img src="h.jpg" width="1.5" height="auto" alt="">"#,
            )),
        );
        let end = ": the layout shifts when it loads; add width and height attributes";
        assert_eq!(
            folder.findings(RULE),
            [
                format!("index.html:8:5: <img src=\"e.jpg\"> has no width and height{end}"),
                format!("index.html:9:5: <img src=\"f.jpg\"> has no width and height{end}"),
                format!("index.html:10:5: <img src=\"g.jpg\"> has no width and height{end}"),
                format!("index.html:11:5: <img src=\"h.jpg\"> has no width and height{end}"),
            ]
        );
    }

    #[test]
    fn finds_raster_data_uris_and_images_without_src() {
        // Only SVG data: URIs are exempt; a PNG placeholder is decoded like any image.
        let folder = Folder::new().file(
            "index.html",
            page(concat!(
                r#"    <img src="data:image/png;base64,iVBORw0KGgo=" alt="">"#,
                "\n",
                r#"    <img data-src="/assets/lazy-B4URO6DV.jpg" alt="">"#,
            )),
        );
        let end = ": the layout shifts when it loads; add width and height attributes";
        assert_eq!(
            folder.findings(RULE),
            [
                format!(
                    "index.html:8:5: <img src=\"data:image/png;base64,iVBORw0KGgo=\"> has no width and height{end}"
                ),
                format!("index.html:9:5: <img src=\"(no src)\"> has no width and height{end}"),
            ]
        );
    }

    #[test]
    fn finds_an_img_written_in_head_which_the_parser_moves_to_body() {
        let folder = Folder::new().file(
            "index.html",
            "<!doctype html>\n<html><head><title>Notes</title>\n<img src=\"/track.png\">\n</head><body></body></html>\n",
        );
        assert_eq!(
            folder.findings(RULE),
            [
                "index.html:3:1: <img src=\"/track.png\"> has no width and height: the layout shifts when it loads; add width and height attributes"
            ]
        );
    }

    #[test]
    fn finds_every_unsized_img_of_every_page() {
        let folder = Folder::new()
            .file("index.html", page(r#"    <img src="/a.jpg" alt="">"#))
            .file(
                "about/index.html",
                page(r#"    <p><img src="../a.jpg" width="40" alt=""></p>"#),
            );
        assert_eq!(
            folder.findings(RULE),
            [
                "about/index.html:8:8: <img src=\"../a.jpg\"> has no height: the layout shifts when it loads; add width and height attributes",
                "index.html:8:5: <img src=\"/a.jpg\"> has no width and height: the layout shifts when it loads; add width and height attributes",
            ]
        );
    }
}
