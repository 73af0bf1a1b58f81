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
