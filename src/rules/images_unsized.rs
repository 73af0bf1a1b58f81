use super::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::analyze::html::{HtmlFacts, ImageTag};
use crate::layout::{ElementBox, LayoutStatus};
use crate::model::finding::Violation;

declare_rule! {
    /// ## What it does
    /// Reports `<img>` elements that do not tell the browser their size before the image
    /// arrives. An image is sized when its width and height are both known, or one of them and
    /// an `aspect-ratio`; `auto` sizes nothing.
    ///
    /// On a page that is laid out (see `webaudit layout`), that is read from the image's
    /// computed style at both profiles (mobile and desktop): its `width`/`height` attributes
    /// and every CSS rule that applies, from `<style>`, `style=""` and the stylesheets of the
    /// folder the page links, as Lighthouse's unsized-images audit counts them. Images with
    /// `position: absolute` or `fixed`, and images displayed at neither profile (a hidden
    /// parent), move nothing when they load and are left out, as Lighthouse does.
    ///
    /// On a page that could not be laid out, the attributes, the `style` attribute and the
    /// page's own `<style>` rules whose selector may apply to it are read (judged on the
    /// image's tag, `id` and classes; ancestors and states are assumed to match): rules in
    /// separate stylesheet files are not seen there, so a finding may be sized by your CSS —
    /// add the attributes anyway, they also give the aspect ratio.
    ///
    /// As in Lighthouse, images with `data:` SVG sources are ignored (they are drawn at once).
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

enum LayoutVerdict {
    /// `position: absolute` or `fixed` on the mobile layout: its box moves nothing else
    /// (Lighthouse leaves such images out too).
    OutOfFlow,
    /// No box at any viewport: it shifts nothing (Lighthouse leaves it out too).
    NotDisplayed,
    /// Whether its size is declared at every viewport the page is laid out at.
    Declared(bool),
}

/// What the page's layout says of `tag`, when the page was laid out and the tag has a box
/// record.
fn layout_verdict(
    context: &RuleContext,
    page: &str,
    html: &HtmlFacts,
    tag: &ImageTag,
) -> Option<LayoutVerdict> {
    let layout = context.layouts.page(page)?;
    if layout.status != LayoutStatus::LaidOut {
        return None;
    }
    let boxes: Vec<&ElementBox> = layout
        .viewports
        .iter()
        .filter_map(|viewport| viewport.img_box(html, tag))
        .collect();
    if boxes.len() != layout.viewports.len() || boxes.is_empty() {
        return None;
    }
    if boxes[0].out_of_flow {
        return Some(LayoutVerdict::OutOfFlow);
    }
    // Displayed nowhere (a hidden parent, `display: none`): not part of the layout. (An image
    // whose file is not in the folder has no size here either way: it is not known hidden.)
    if boxes
        .iter()
        .all(|b| b.width == 0.0 && b.height == 0.0 && b.file_width.is_some())
    {
        return Some(LayoutVerdict::NotDisplayed);
    }
    Some(LayoutVerdict::Declared(
        boxes.iter().all(|b| b.size_declared),
    ))
}

impl Rule for ImagesUnsized {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &RuleContext, found: &mut Vec<Violation>) {
        for page in &context.site.pages {
            for image in page.images.iter().filter(|i| i.tag.in_body) {
                let tag = image.tag;
                let svg_data = tag.is_data_uri
                    && tag
                        .src
                        .as_deref()
                        .is_some_and(|s| s.trim_start().starts_with("data:image/svg"));
                if svg_data {
                    continue;
                }
                // Laid out, the computed styles say it, every stylesheet included; else the
                // attributes and the page's own rules.
                let declared = match layout_verdict(context, page.path(), page.html, tag) {
                    Some(LayoutVerdict::OutOfFlow | LayoutVerdict::NotDisplayed) => continue,
                    // Both attributes give browsers the aspect ratio even where CSS overrides
                    // one of them (`height: auto`).
                    Some(LayoutVerdict::Declared(declared)) => {
                        declared || (tag.width_px.is_some() && tag.height_px.is_some())
                    }
                    None => image.sizing.is_sized(),
                };
                if declared {
                    continue;
                }
                let (width, height) = (tag.width_px.is_some(), tag.height_px.is_some());
                let missing = match (width, height) {
                    (false, false) => "width and height",
                    (true, false) => "height",
                    _ => "width",
                };
                let name = tag.src.as_deref().unwrap_or("(no src)");
                found.push(Violation {
                    path: Some(page.path().to_string()),
                    line: Some(tag.location.line),
                    column: Some(tag.location.column),
                    message: format!("<img src=\"{name}\"> has no {missing}: the layout shifts when it loads; add width and height attributes"),
                    ..Violation::default()
                });
            }
        }
    }
}

#[cfg(test)]
mod site_model_tests {
    use crate::rules::tester::Folder;

    const RULE: &str = "images/unsized";

    fn page(style: &str, img: &str) -> Folder {
        Folder::new()
            .file(
                "index.html",
                format!("<html><head><style>{style}</style></head><body>\n{img}\n</body></html>"),
            )
            .png("hero.png", 64, 48)
    }

    #[test]
    fn passes_an_image_sized_by_a_same_page_rule() {
        page(
            ".hero img{width:640px;height:480px}",
            r#"<div class="hero"><img src="hero.png" alt=""></div>"#,
        )
        .passes(RULE);
    }

    #[test]
    fn passes_one_attribute_plus_an_aspect_ratio_rule() {
        page(
            "img.cover{aspect-ratio:4/3}",
            r#"<img class="cover" src="hero.png" width="640" alt="">"#,
        )
        .passes(RULE);
    }

    #[test]
    fn passes_an_image_sized_by_its_id() {
        page(
            "#lead{width:100%;aspect-ratio:16 / 9}",
            r#"<img id="lead" src="hero.png" alt="">"#,
        )
        .passes(RULE);
    }

    #[test]
    fn finds_an_image_the_rule_does_not_select() {
        assert_eq!(
            page(
                "img.cover{width:640px;height:480px}",
                r#"<img class="thumb" src="hero.png" alt="">"#
            )
            .findings(RULE),
            [
                "index.html:2:1: <img src=\"hero.png\"> has no width and height: the layout shifts when it loads; add width and height attributes"
            ]
        );
    }

    #[test]
    fn finds_a_rule_that_sets_only_auto_or_one_dimension() {
        assert_eq!(
            page(
                "img{width:100%;height:auto}",
                r#"<img src="hero.png" alt="">"#
            )
            .findings(RULE),
            [
                "index.html:2:1: <img src=\"hero.png\"> has no width and height: the layout shifts when it loads; add width and height attributes"
            ]
        );
    }

    #[test]
    fn passes_an_image_sized_by_a_linked_stylesheet_on_a_laid_out_page() {
        // The layout reads every stylesheet the page links: `.avatar` sets both dimensions.
        Folder::new()
            .file(
                "index.html",
                "<!doctype html><html><head><link rel=stylesheet href=\"site.css\"></head><body>\n<img class=\"avatar\" src=\"hero.png\" alt=\"\">\n</body></html>",
            )
            .file("site.css", ".avatar{width:3rem;height:3rem}")
            .png("hero.png", 64, 48)
            .passes(RULE);
    }

    #[test]
    fn passes_an_out_of_flow_image_on_a_laid_out_page() {
        Folder::new()
            .file(
                "index.html",
                "<!doctype html><html><head><style>.badge{position:absolute;top:0;right:0}</style></head><body>\n<img class=\"badge\" src=\"hero.png\" alt=\"\">\n</body></html>",
            )
            .png("hero.png", 64, 48)
            .passes(RULE);
    }

    #[test]
    fn passes_an_image_no_profile_displays() {
        Folder::new()
            .file(
                "index.html",
                "<!doctype html><html><head></head><body>\n<div hidden><img src=\"hero.png\" alt=\"\"></div>\n</body></html>",
            )
            .png("hero.png", 64, 48)
            .passes(RULE);
    }

    #[test]
    fn finds_a_percentage_height_which_sizes_nothing_in_the_flow() {
        let folder = Folder::new()
            .file(
                "index.html",
                "<!doctype html><html><head><style>img{width:100%;height:50%}</style></head><body>\n<img src=\"hero.png\" alt=\"\">\n</body></html>",
            )
            .png("hero.png", 64, 48);
        assert_eq!(folder.findings(RULE).len(), 1);
    }

    #[test]
    fn finds_an_image_sized_only_for_print() {
        let folder = Folder::new()
            .file(
                "index.html",
                "<style media=print>img{width:5cm;height:4cm}</style><img src=hero.png>",
            )
            .png("hero.png", 64, 48);
        assert_eq!(folder.findings(RULE).len(), 1);
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::tester::{Folder, vite_page};

    const RULE: &str = "images/unsized";

    /// A page prerendered by Vite (vite-ssg): `body` starts on line 8.
    fn page(body: &str) -> String {
        vite_page(body)
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
