use super::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::model::finding::Violation;

declare_rule! {
    /// ## What it does
    /// Reports `<img>` elements that do not tell the browser their size before the image
    /// arrives. An image is sized when its width and height are both known, or one of them and
    /// an `aspect-ratio`, from any of: the `width` and `height` attributes (whole numbers,
    /// optionally in `px`), its `style` attribute, and the page's own `<style>` rules whose
    /// selector may apply to it (judged on the image's tag, `id` and classes; ancestors and
    /// states are assumed to match). `auto` and CSS-wide keywords size nothing. As in
    /// Lighthouse's unsized-images audit, images with `data:` SVG sources are ignored (they are
    /// drawn at once). Rules in separate stylesheet files can also size images; that is not
    /// checked, so a finding may be sized by your CSS — add the attributes anyway, they also
    /// give the aspect ratio.
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
                if svg_data || image.sizing.is_sized() {
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
