//! `webaudit optimize --rewrite-html`: points pages at the images the optimiser wrote.
//!
//! For every `<img>` of a page whose image now has WebP or AVIF siblings, the tag is wrapped in
//! a `<picture>` whose `<source>`s offer them (AVIF first, then WebP, the `<img>` stays the
//! fallback); missing `width`/`height` are added from the image's real dimensions; images the
//! audit's fold verdict puts below the fold get `loading="lazy" decoding="async"` (not files
//! under 2 KiB, as `images/lazy-loading` leaves them out). With
//! `optimize --responsive`, an `<img>` without `srcset` whose image got width variants gets
//! `srcset` (the variants and the original, by width) and the `sizes` the layout measured; its
//! `<picture>`, when there are modern copies of every one of them, offers them per type.
//!
//! Why splicing instead of re-serialising: the page is parsed once (lol_html, a streaming HTML
//! parser) only to find the byte range of each `<img>` start tag; the output is then the input
//! with text *inserted* at a few offsets — before a tag, after it, and before its closing `>`.
//! Nothing is ever removed or re-quoted, so every byte that is not an intended insertion stays
//! as it was, including the rest of each edited tag, and line numbers do not move (insertions
//! never contain a line break). [`verify`] then re-parses the result and checks that it is the
//! same document apart from the intended changes before the caller writes anything.
//!
//! Pure: this module reads no file. The caller says what is on disk through [`ImageOnDisk`] and
//! writes the result through the atomic writer.

use std::cell::RefCell;
use std::ops::Range;
use std::rc::Rc;

use lol_html::{HtmlRewriter, Settings, element};

use crate::analyze::fold::Element;
use crate::analyze::html::{self, ImageTag};
use crate::analyze::url::{
    Descriptor, Resolved, SrcsetCandidate, is_html_whitespace, parse_srcset, resolve_in_document,
};
use crate::layout::fold::fold_verdicts;

pub use super::responsive::{ResponsiveImage, Variant};

/// What the optimiser left on disk for one image file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImageOnDisk {
    /// Intrinsic size of the image file the `<img>` names.
    pub width: u32,
    pub height: u32,
    /// File names (not paths) of the siblings in the same folder, e.g. `photo.webp`.
    pub webp: Option<String>,
    pub avif: Option<String>,
    /// The file's size in bytes; `None` for a variant not written yet (a dry run's plan).
    pub bytes: Option<u64>,
}

/// An `<img>` showing an image with variants that was not given a `srcset`, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftAlone {
    pub line: u32,
    pub src: String,
    pub reason: &'static str,
}

/// One intended change, for the fixer's report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// 1-based line of the `<img>`.
    pub line: u32,
    /// The `src` as written.
    pub src: String,
    pub kind: EditKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditKind {
    /// Wrapped in `<picture>` with sources of these MIME types, in order.
    Picture { types: Vec<&'static str> },
    /// `width`/`height` added (the values written).
    Size {
        width: Option<u32>,
        height: Option<u32>,
    },
    /// `loading="lazy"` (and `decoding="async"` when absent) added.
    Lazy,
    /// `srcset` (these widths, the original's last) and `sizes` added.
    Srcset { widths: Vec<u32> },
}

#[derive(Debug)]
pub struct RewrittenPage {
    /// The new page; equal to the input when `edits` is empty.
    pub html: Vec<u8>,
    pub edits: Vec<Edit>,
    /// `<img>` showing an image with variants that already choose their own sources.
    pub left_alone: Vec<LeftAlone>,
}

/// The result did not pass [`verify`]: a bug in the rewriter or markup it does not understand.
/// The caller keeps the original page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RewriteError(pub String);

impl std::fmt::Display for RewriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "rewritten page failed verification: {}", self.0)
    }
}

impl std::error::Error for RewriteError {}

/// Rewrites one page.
///
/// `page` is the page's path relative to the served folder (`/`-separated), used to resolve
/// its references; `image_on_disk` answers for a resolved path; `above_the_fold` is the
/// audit's lazy-loading setting: the same guess ([`fold_guesses`]) decides which images
/// `images/lazy-loading` reports and which ones get `loading="lazy"` here.
pub fn rewrite_page(
    page: &str,
    input: &[u8],
    image_on_disk: &dyn Fn(&str) -> Option<ImageOnDisk>,
    above_the_fold: usize,
) -> Result<RewrittenPage, RewriteError> {
    rewrite_page_selected(
        page,
        input,
        image_on_disk,
        above_the_fold,
        None,
        None,
        &Default::default(),
    )
}

/// [`rewrite_page`] of only the `<img>` that may show a file `selected` accepts (their `src`
/// or a `srcset` candidate, resolved in the page); `None`: every `<img>`. With the page's
/// `layout`, below the fold is decided from it, as `images/lazy-loading` does. `responsive`:
/// the images with width variants, by path, whose `<img>` get `srcset` and `sizes`.
pub fn rewrite_page_selected(
    page: &str,
    input: &[u8],
    image_on_disk: &dyn Fn(&str) -> Option<ImageOnDisk>,
    above_the_fold: usize,
    selected: Option<&dyn Fn(&str) -> bool>,
    layout: Option<&crate::layout::PageLayout>,
    responsive: &foldhash::HashMap<String, ResponsiveImage>,
) -> Result<RewrittenPage, RewriteError> {
    let facts = html::parse(input);
    let below_the_fold: foldhash::HashSet<usize> = fold_verdicts(&facts, layout, above_the_fold)
        .into_iter()
        .filter_map(|guess| match guess.element {
            Element::Image(index) if guess.below => Some(index),
            _ => None,
        })
        .collect();
    let tag_ranges = img_tag_ranges(input);
    let base_href = facts.base_href.as_deref();

    let mut insertions: Vec<Insertion> = Vec::new();
    let mut edits = Vec::new();
    let mut left_alone = Vec::new();
    for (index, image) in facts.images.iter().enumerate() {
        // Images inside <template> are not rendered as they are; images already in a <picture>
        // have their sources chosen by the author.
        if !image.in_body || image.is_data_uri {
            continue;
        }
        let Some(tag) = tag_at(&tag_ranges, image.location.offset) else {
            continue;
        };
        let Some(src) = image.src.as_deref() else {
            continue;
        };
        if let Some(selected) = selected {
            let shows_selected = std::iter::once(src.to_owned())
                .chain(image.srcset.as_deref().map(parse_srcset).unwrap_or_default().into_iter().map(|c| c.url))
                .any(|reference| {
                    matches!(resolve_in_document(page, base_href, &reference), Resolved::Local(path) if selected(&path))
                });
            if !shows_selected {
                continue;
            }
        }
        // Lazy loading needs nothing from disk; the picture and the size need the file.
        let resolved = match resolve_in_document(page, base_href, src) {
            Resolved::Local(path) => Some(path),
            _ => None,
        };
        let on_disk = resolved.as_deref().and_then(image_on_disk);
        let line = image.location.line;
        let mut attributes = String::new();

        // Width variants: offered through `srcset`, unless the author chose the sources.
        let mut shown = std::borrow::Cow::Borrowed(image);
        if let Some(set) = resolved.as_deref().and_then(|path| responsive.get(path)) {
            // `sizes` is this element's: the same image may be a full-width hero on one page
            // and a thumbnail on another (the widths cover both).
            let sizes = element_sizes(layout, &facts, index, set.width);
            let reason = if image.srcset.is_some() {
                Some("already has a srcset")
            } else if image.in_picture.is_some() {
                Some("is in a <picture> whose sources choose the image")
            } else if image.sizes.is_some() {
                Some("has a sizes attribute of its own")
            } else if sizes.is_none() {
                // A guessed `sizes` smaller than the box would make browsers pick a blurry
                // variant.
                Some(
                    "has no box in the layout (the page was not laid out, or it is hidden), so its sizes are unknown",
                )
            } else {
                None
            };
            if let Some(reason) = reason {
                left_alone.push(LeftAlone {
                    line,
                    src: src.to_owned(),
                    reason,
                });
            } else if let Some(sizes) = sizes
                && !set.variants.is_empty()
            {
                let srcset = responsive_srcset(src, set);
                attributes.push_str(&format!(
                    " srcset=\"{}\" sizes=\"{}\"",
                    escape_attribute(&srcset),
                    escape_attribute(&sizes)
                ));
                edits.push(Edit {
                    line,
                    src: src.to_owned(),
                    kind: EditKind::Srcset {
                        widths: set
                            .variants
                            .iter()
                            .map(|v| v.width)
                            .chain([set.width])
                            .collect(),
                    },
                });
                let mut with_srcset = image.clone();
                with_srcset.srcset = Some(srcset);
                with_srcset.sizes = Some(sizes);
                shown = std::borrow::Cow::Owned(with_srcset);
            }
        }

        if image.in_picture.is_none()
            && let Some(on_disk) = &on_disk
            && let Some(picture) = picture_sources(page, base_href, &shown, on_disk, image_on_disk)
        {
            insertions.push(Insertion {
                offset: tag.range.start,
                text: picture.opening,
            });
            insertions.push(Insertion {
                offset: tag.range.end,
                text: "</picture>".to_owned(),
            });
            edits.push(Edit {
                line,
                src: src.to_owned(),
                kind: EditKind::Picture {
                    types: picture.types,
                },
            });
        }

        if let Some((width, height)) = on_disk.as_ref().and_then(|d| missing_size(image, d)) {
            if let Some(width) = width {
                attributes.push_str(&format!(" width=\"{width}\""));
            }
            if let Some(height) = height {
                attributes.push_str(&format!(" height=\"{height}\""));
            }
            edits.push(Edit {
                line,
                src: src.to_owned(),
                kind: EditKind::Size { width, height },
            });
        }

        // As images/lazy-loading: a file under 2 KiB saves too little to defer.
        let tiny = on_disk
            .as_ref()
            .and_then(|d| d.bytes)
            .is_some_and(|bytes| bytes < crate::rules::images_lazy_loading::MIN_IMAGE_BYTES);
        if image.loading.is_none()
            && image.fetchpriority.as_deref() != Some("high")
            && below_the_fold.contains(&index)
            && !tiny
        {
            attributes.push_str(" loading=\"lazy\"");
            if image.decoding.is_none() {
                attributes.push_str(" decoding=\"async\"");
            }
            edits.push(Edit {
                line,
                src: src.to_owned(),
                kind: EditKind::Lazy,
            });
        }

        if !attributes.is_empty() {
            insertions.push(attribute_insertion(input, tag, attributes));
        }
    }

    if edits.is_empty() {
        return Ok(RewrittenPage {
            html: input.to_vec(),
            edits,
            left_alone,
        });
    }
    let output = splice(input, insertions);
    verify(input, &output, &edits)?;
    Ok(RewrittenPage {
        html: output,
        edits,
        left_alone,
    })
}

/// The `sizes` for the `index`-th `<img>` of `facts` from its own displays in `layout` (both
/// viewports), or `None` when it has none: the page was not laid out, or the element has no
/// box. Boxes are matched to tags by `src` and rank among the tags with that `src`, as the
/// fold verdicts match them.
fn element_sizes(
    layout: Option<&crate::layout::PageLayout>,
    facts: &crate::model::facts::html::HtmlFacts,
    index: usize,
    source_width: u32,
) -> Option<String> {
    use crate::layout::{ElementKind, LayoutStatus, responsive};
    let layout = layout.filter(|l| l.status == LayoutStatus::LaidOut)?;
    let src = facts.images.get(index)?.src.as_deref()?;
    let rank = facts.images[..index]
        .iter()
        .filter(|image| image.src.as_deref() == Some(src))
        .count();
    let mut shown = Vec::new();
    for viewport in &layout.viewports {
        let Some((element, _)) = viewport
            .elements
            .iter()
            .enumerate()
            .filter(|(_, e)| e.kind == ElementKind::Img && e.src.as_deref() == Some(src))
            .nth(rank)
        else {
            continue;
        };
        shown.extend(
            responsive::displays(viewport)
                .into_values()
                .flatten()
                .filter(|display| display.element == element),
        );
    }
    responsive::plan(&shown, source_width).map(|plan| plan.sizes)
}

/// The `srcset` of an image and its variants (as the decoded attribute value): each variant by
/// its width, narrowest first, then the original, every URL `src` with its file name changed
/// (folder, query and fragment kept, as the variants lie beside the original).
fn responsive_srcset(src: &str, set: &ResponsiveImage) -> String {
    let mut candidates: Vec<String> = set
        .variants
        .iter()
        .map(|variant| {
            let name = variant.path.rsplit('/').next().unwrap_or(&variant.path);
            format!(
                "{} {}w",
                for_srcset(&with_file_name(src, name)),
                variant.width
            )
        })
        .collect();
    candidates.push(format!("{} {}w", for_srcset(src), set.width));
    candidates.join(", ")
}

/// Why a page could not be rewritten; the caller reports it and leaves the page as it was.
#[derive(Debug)]
pub enum PageError {
    Read(std::io::Error),
    Verify(RewriteError),
}

impl std::fmt::Display for PageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PageError::Read(error) => write!(f, "cannot read the page: {error}"),
            PageError::Verify(error) => error.fmt(f),
        }
    }
}

/// Rewrites the page `page` (relative to `root`, `/`-separated) against what is on disk now,
/// without writing it: the caller writes `html` through the atomic writer when `edits` is not
/// empty. `copies` lists the WebP/AVIF siblings (relative paths) that are copies of their
/// image: written by this run (or, in a dry run, to be written) or found up to date; a page is
/// pointed only at those, never at a `photo.webp` that merely exists beside `photo.png`. Images are looked up once per path; symbolic links are not followed (an image
/// reached through a link, to it or to a folder on its path, is treated as absent, as the
/// fixers never touch files through links and the scan never enters them).
pub fn rewrite_file(
    root: &std::path::Path,
    page: &str,
    above_the_fold: usize,
    copies: &foldhash::HashSet<String>,
    selected: Option<&foldhash::HashSet<String>>,
    layout: Option<&crate::layout::PageLayout>,
    responsive: &foldhash::HashMap<String, ResponsiveImage>,
) -> Result<RewrittenPage, PageError> {
    let input = std::fs::read(root.join(page)).map_err(PageError::Read)?;
    // A dry run's variants are not on disk: their size is known from the plan.
    let planned: foldhash::HashMap<&str, (u32, u32)> = responsive
        .values()
        .flat_map(|set| &set.variants)
        .map(|variant| (variant.path.as_str(), (variant.width, variant.height)))
        .collect();
    let seen: RefCell<foldhash::HashMap<String, Option<ImageOnDisk>>> = RefCell::default();
    let image_on_disk = |path: &str| -> Option<ImageOnDisk> {
        if let Some(known) = seen.borrow().get(path) {
            return known.clone();
        }
        let found = image_on_disk(root, path, copies).or_else(|| {
            let &(width, height) = planned.get(path)?;
            Some(ImageOnDisk {
                width,
                height,
                webp: copy_sibling(path, "webp", copies),
                avif: copy_sibling(path, "avif", copies),
                bytes: None,
            })
        });
        seen.borrow_mut().insert(path.to_owned(), found.clone());
        found
    };
    let in_selected = |path: &str| selected.is_some_and(|set| set.contains(path));
    let filter = selected.map(|_| &in_selected as &dyn Fn(&str) -> bool);
    rewrite_page_selected(
        page,
        &input,
        &image_on_disk,
        above_the_fold,
        filter,
        layout,
        responsive,
    )
    .map_err(PageError::Verify)
}

/// `--rewrite-html`: rewrites every HTML page of the folder against the images as they are
/// now (or, in a dry run, as they would be; only `copies` count as copies) and records one
/// change per page. With `selected` (the images of a run given files or part of the folder),
/// only the `<img>` that may show one of them are rewritten. A page is written through the atomic writer, whose read-back check runs
/// [`verify`] again on the bytes that reached the disk.
#[allow(clippy::too_many_arguments)]
pub fn rewrite_pages(
    root: &std::path::Path,
    pages: Vec<&crate::scan::ScannedFile>,
    folder: &[crate::scan::ScannedFile],
    above_the_fold: usize,
    copies: &foldhash::HashSet<String>,
    selected: Option<&foldhash::HashSet<String>>,
    dry_run: bool,
    report: &mut super::FixReport,
) {
    let responsive: foldhash::HashMap<String, ResponsiveImage> = report
        .responsive
        .iter()
        .map(|set| (set.path.clone(), set.clone()))
        .collect();
    // The pages laid out as the audit lays them out, so that both agree on the fold.
    let layouts = crate::layout::lay_out_scanned(
        folder.iter(),
        pages
            .iter()
            .map(|page| crate::layout::PageJob {
                path: page.relative_path.clone(),
                file: page.path.clone(),
            })
            .collect(),
        |path| image_on_disk(root, path, copies).map(|image| (image.width, image.height)),
        None,
        0,
    );
    for page in pages {
        let problem = |message: String| super::Problem {
            path: page.relative_path.clone(),
            message,
        };
        let rewritten = match rewrite_file(
            root,
            &page.relative_path,
            above_the_fold,
            copies,
            selected,
            layouts.page(&page.relative_path),
            &responsive,
        ) {
            Ok(rewritten) => rewritten,
            Err(error) => {
                report
                    .errors
                    .push(problem(format!("not rewritten: {error}")));
                continue;
            }
        };
        for alone in &rewritten.left_alone {
            report.warnings.push(problem(format!(
                "line {}: <img src=\"{}\"> {}; no srcset added for its width variants",
                alone.line, alone.src, alone.reason
            )));
        }
        if rewritten.edits.is_empty() {
            report.up_to_date += 1;
            continue;
        }
        let before = std::fs::symlink_metadata(&page.path).map_or(0, |m| m.len());
        if !dry_run {
            let original = match std::fs::read(&page.path) {
                Ok(original) => original,
                Err(error) => {
                    report
                        .errors
                        .push(problem(format!("not rewritten: {error}")));
                    continue;
                }
            };
            let written = super::atomic::write_verified(
                &page.path,
                &rewritten.html,
                super::atomic::PermissionsFrom::Target,
                |read_back| verify(&original, read_back, &rewritten.edits).map_err(|e| e.0),
            );
            if let Err(error) = written {
                report
                    .errors
                    .push(problem(format!("not rewritten: {error}")));
                continue;
            }
        }
        report.changes.push(super::Change {
            path: page.relative_path.clone(),
            source: page.relative_path.clone(),
            action: super::Action::Replace,
            what: "html-rewrite".to_owned(),
            before,
            after: rewritten.html.len() as u64,
            reason: Some(describe(&rewritten.edits)),
        });
    }
}

/// "2 <img> wrapped in <picture> (lines 13, 48); sizes added to 3; loading=lazy added to 5".
fn describe(edits: &[Edit]) -> String {
    let lines = |pick: fn(&EditKind) -> bool| -> Vec<u32> {
        edits
            .iter()
            .filter(|e| pick(&e.kind))
            .map(|e| e.line)
            .collect()
    };
    let mut parts = Vec::new();
    for (label, found) in [
        (
            "wrapped in <picture>",
            lines(|k| matches!(k, EditKind::Picture { .. })),
        ),
        (
            "width/height added",
            lines(|k| matches!(k, EditKind::Size { .. })),
        ),
        ("loading=lazy added", lines(|k| matches!(k, EditKind::Lazy))),
        (
            "srcset/sizes added",
            lines(|k| matches!(k, EditKind::Srcset { .. })),
        ),
    ] {
        if !found.is_empty() {
            let list: Vec<String> = found.iter().map(u32::to_string).collect();
            parts.push(format!("{label} at line {}", list.join(", ")));
        }
    }
    parts.join("; ")
}

/// The image at `path` under `root` and its modern siblings (`name.webp`, `name.avif` beside
/// `name.jpg`, the names `webaudit optimize` writes), or `None` when it is not a regular
/// image file whose size can be read.
pub(crate) fn image_on_disk(
    root: &std::path::Path,
    path: &str,
    copies: &foldhash::HashSet<String>,
) -> Option<ImageOnDisk> {
    let file = regular_file_inside(root, path)?;
    let bytes = std::fs::read(&file).ok()?;
    let header = crate::imaging::read_header(&bytes).ok()?;
    // Browsers apply EXIF orientation (`image-orientation: from-image`): a camera JPEG stored
    // 4000×3000 but turned a quarter is displayed 3000×4000.
    let (width, height) = if crate::fix::optimize::quarter_turned(&bytes, header.format) {
        (header.height, header.width)
    } else {
        (header.width, header.height)
    };
    Some(ImageOnDisk {
        width,
        height,
        webp: copy_sibling(path, "webp", copies),
        avif: copy_sibling(path, "avif", copies),
        bytes: Some(bytes.len() as u64),
    })
}

/// The file name of `path`'s `extension` sibling (`photo.webp` beside `img/photo.jpg`) when
/// `copies` lists it as a copy of it.
fn copy_sibling(path: &str, extension: &str, copies: &foldhash::HashSet<String>) -> Option<String> {
    let (folder, name) = path.rsplit_once('/').map_or(("", path), |(f, n)| (f, n));
    let stem = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
    let sibling = format!("{stem}.{extension}");
    let relative = if folder.is_empty() {
        sibling.clone()
    } else {
        format!("{folder}/{sibling}")
    };
    (sibling != name && copies.contains(&relative)).then_some(sibling)
}

/// `root/relative` when every folder on the way is a real folder and the end is a regular
/// file: a symbolic link anywhere on the path (`img -> /elsewhere`), a `..`, or an absolute
/// part would let a page's reference read, and write into the page, the size of a file outside
/// the folder, which the scan never entered either. `relative` is `/`-separated, as
/// [`resolve_in_document`] returns it.
fn regular_file_inside(root: &std::path::Path, relative: &str) -> Option<std::path::PathBuf> {
    let mut path = root.to_path_buf();
    let mut segments = relative.split('/').peekable();
    while let Some(segment) = segments.next() {
        let is_name = !matches!(segment, "" | "." | "..")
            && std::path::Path::new(segment)
                .components()
                .eq([std::path::Component::Normal(segment.as_ref())]);
        if !is_name {
            return None;
        }
        path.push(segment);
        let file_type = std::fs::symlink_metadata(&path).ok()?.file_type();
        let expected = if segments.peek().is_some() {
            file_type.is_dir()
        } else {
            file_type.is_file()
        };
        if !expected {
            return None;
        }
    }
    Some(path)
}

/// Text to insert at a byte offset of the input.
struct Insertion {
    offset: usize,
    text: String,
}

/// The input with every insertion applied; insertions at the same offset keep their order.
fn splice(input: &[u8], mut insertions: Vec<Insertion>) -> Vec<u8> {
    insertions.sort_by_key(|insertion| insertion.offset);
    let extra: usize = insertions.iter().map(|i| i.text.len()).sum();
    let mut output = Vec::with_capacity(input.len() + extra);
    let mut copied = 0;
    for insertion in insertions {
        let offset = insertion.offset.min(input.len());
        output.extend_from_slice(&input[copied..offset]);
        output.extend_from_slice(insertion.text.as_bytes());
        copied = offset;
    }
    output.extend_from_slice(&input[copied..]);
    output
}

/// Where new attributes go in a start tag: before a self-closing `/` that stands on its own,
/// otherwise before the `>`. (In `<img src=a.png/>` the slash belongs to the unquoted value,
/// so the attributes go after it.)
fn attribute_insertion(input: &[u8], tag: &ImgTagRange, attributes: String) -> Insertion {
    let raw = &input[tag.range.clone()];
    let closing = tag.range.end - 1;
    let self_closing_slash = raw.ends_with(b"/>")
        && raw.len() >= 3
        && matches!(
            raw[raw.len() - 3],
            b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'"' | b'\''
        )
        && !tag.last_value_unquoted_to_end;
    if self_closing_slash {
        let slash = tag.range.end - 2;
        if raw[raw.len() - 3].is_ascii_whitespace() {
            // `<img src="a" />` → `<img src="a" width="1" />`
            Insertion {
                offset: slash,
                text: format!("{} ", attributes.trim_start()),
            }
        } else {
            // `<img src="a"/>` → `<img src="a" width="1"/>`
            Insertion {
                offset: slash,
                text: attributes,
            }
        }
    } else {
        Insertion {
            offset: closing,
            text: attributes,
        }
    }
}

/// The byte range of an `<img>` start tag, and whether its last attribute value is unquoted
/// and runs to the tag's end (then a final `/` is part of that value).
struct ImgTagRange {
    range: Range<usize>,
    last_value_unquoted_to_end: bool,
}

/// The tag starting at `offset`. `ranges` are in document order, so a binary search: a linear
/// one for every image made a page of 50,000 images quadratic.
fn tag_at(ranges: &[ImgTagRange], offset: usize) -> Option<&ImgTagRange> {
    let index = ranges.partition_point(|tag| tag.range.start < offset);
    ranges.get(index).filter(|tag| tag.range.start == offset)
}

/// Every `<img>` start tag of `input`, in document order.
fn img_tag_ranges(input: &[u8]) -> Vec<ImgTagRange> {
    let found: Rc<RefCell<Vec<ImgTagRange>>> = Rc::default();
    let sink = Rc::clone(&found);
    let settings = Settings::new()
        .with_strict(false)
        .append_element_content_handler(element!("img", move |el| {
            let range = el.source_location().bytes();
            let last_value_unquoted_to_end = el
                .attributes()
                .last()
                .and_then(|attribute| attribute.value_source_location())
                .is_some_and(|value| {
                    let value = value.bytes();
                    // A quoted value is followed by its quote; an unquoted one ends at `>`.
                    value.end + 1 >= range.end && !value.is_empty()
                });
            sink.borrow_mut().push(ImgTagRange {
                range,
                last_value_unquoted_to_end,
            });
            Ok(())
        }));
    let mut rewriter = HtmlRewriter::new(settings, |_: &[u8]| {});
    if rewriter.write(input).is_ok() {
        let _ = rewriter.end();
    }
    found.take()
}

struct PictureOpening {
    opening: String,
    types: Vec<&'static str>,
}

/// `<picture>` and its `<source>`s for an image, or `None` when no candidate of its `srcset`
/// (or its `src`) has a modern sibling for every entry: a `<source>` must offer every width the
/// `<img>` offers, or the browser would pick a worse image.
fn picture_sources(
    page: &str,
    base_href: Option<&str>,
    image: &ImageTag,
    src_on_disk: &ImageOnDisk,
    image_on_disk: &dyn Fn(&str) -> Option<ImageOnDisk>,
) -> Option<PictureOpening> {
    let src = image.src.as_deref()?;
    let candidates: Vec<SrcsetCandidate> = match image.srcset.as_deref() {
        Some(srcset) if !srcset.trim().is_empty() => parse_srcset(srcset),
        _ => vec![SrcsetCandidate {
            url: src.to_owned(),
            descriptor: None,
        }],
    };
    let mut opening = String::from("<picture>");
    let mut types = Vec::new();
    for (mime, pick) in [
        (
            "image/avif",
            (|d: &ImageOnDisk| d.avif.clone()) as fn(&ImageOnDisk) -> Option<String>,
        ),
        ("image/webp", |d: &ImageOnDisk| d.webp.clone()),
    ] {
        let mut mapped = Vec::new();
        for candidate in &candidates {
            let on_disk = if candidate.url == src {
                Some(src_on_disk.clone())
            } else {
                match resolve_in_document(page, base_href, &candidate.url) {
                    Resolved::Local(path) => image_on_disk(&path),
                    _ => None,
                }
            };
            let Some(sibling) = on_disk.as_ref().and_then(pick) else {
                mapped.clear();
                break;
            };
            let url = for_srcset(&with_file_name(&candidate.url, &sibling));
            mapped.push(match candidate.descriptor {
                None => url,
                Some(Descriptor::Width(w)) => format!("{url} {w}w"),
                Some(Descriptor::Density(d)) => format!("{url} {d}x"),
            });
        }
        if mapped.is_empty() {
            continue;
        }
        opening.push_str(&format!(
            "<source type=\"{mime}\" srcset=\"{}\"",
            escape_attribute(&mapped.join(", "))
        ));
        if let Some(sizes) = image.sizes.as_deref() {
            let sizes = collapse_whitespace(sizes);
            opening.push_str(&format!(" sizes=\"{}\"", escape_attribute(&sizes)));
        }
        opening.push('>');
        types.push(mime);
    }
    (!types.is_empty()).then_some(PictureOpening { opening, types })
}

/// `url` with its last path segment replaced by `file_name` (percent-encoded where a URL needs
/// it); query and fragment are kept.
fn with_file_name(url: &str, file_name: &str) -> String {
    let path_end = url.find(['?', '#']).unwrap_or(url.len());
    let segment_start = url[..path_end].rfind('/').map_or(0, |slash| slash + 1);
    let mut result = String::with_capacity(url.len() + 8);
    result.push_str(&url[..segment_start]);
    for byte in file_name.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@".contains(&byte) {
            result.push(byte as char);
        } else {
            result.push_str(&format!("%{byte:02X}"));
        }
    }
    result.push_str(&url[path_end..]);
    result
}

/// `url` as one `srcset` candidate: white space would end the URL there and make the rest a
/// (bad) descriptor, and commas separate candidates, so both are percent-encoded, which means
/// the same resource (found by fuzzing: `src="img/hero.jpg# x"` gave an unusable `<source>`).
fn for_srcset(url: &str) -> String {
    let mut encoded = String::with_capacity(url.len());
    for c in url.chars() {
        if c == ',' || (c.is_ascii() && is_html_whitespace(c as u8)) {
            encoded.push_str(&format!("%{:02X}", c as u32));
        } else {
            encoded.push(c);
        }
    }
    encoded
}

/// `value` with each run of HTML white space made one space, and none at either end. A copied
/// `sizes` that spans lines would otherwise add lines to the page (the rewrite promises that
/// no line moves); `sizes` means the same with its white space collapsed.
fn collapse_whitespace(value: &str) -> String {
    value
        .split(|c: char| c.is_ascii() && is_html_whitespace(c as u8))
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn escape_attribute(value: &str) -> String {
    value.replace('&', "&amp;").replace('"', "&quot;")
}

/// The `width`/`height` to add, or `None` when the image already has both (or gives its size
/// another way an edit would contradict: CSS `aspect-ratio` or both dimensions in `style`).
/// With one attribute present, the other follows the file's aspect ratio.
fn missing_size(image: &ImageTag, on_disk: &ImageOnDisk) -> Option<(Option<u32>, Option<u32>)> {
    if on_disk.width == 0 || on_disk.height == 0 {
        return None;
    }
    let has_width = image.width.is_some();
    let has_height = image.height.is_some();
    let style = image
        .style
        .as_deref()
        .unwrap_or_default()
        .to_ascii_lowercase();
    if (has_width && has_height) || style.contains("aspect-ratio") {
        return None;
    }
    let ratio = f64::from(on_disk.height) / f64::from(on_disk.width);
    match (has_width, has_height) {
        (false, false) => Some((Some(on_disk.width), Some(on_disk.height))),
        (true, false) => {
            let width = image.width_px?;
            Some((None, Some((f64::from(width) * ratio).round() as u32)))
        }
        (false, true) => {
            let height = image.height_px?;
            Some((Some((f64::from(height) / ratio).round() as u32), None))
        }
        (true, true) => None,
    }
}

/// One element of a document as a parser sees it: name and attributes, in document order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutlineElement {
    pub name: String,
    pub attributes: Vec<(String, String)>,
}

/// Every element of a document, in order, with its attributes (names lowercased, values as
/// written), plus the document's text with all markup removed. Two pages with equal outlines
/// and text parse to the same document.
pub fn outline(input: &[u8]) -> (Vec<OutlineElement>, String) {
    let elements: Rc<RefCell<Vec<OutlineElement>>> = Rc::default();
    let text: Rc<RefCell<String>> = Rc::default();
    let element_sink = Rc::clone(&elements);
    let text_sink = Rc::clone(&text);
    let settings = Settings::new()
        .with_strict(false)
        .append_element_content_handler(element!("*", move |el| {
            element_sink.borrow_mut().push(OutlineElement {
                name: el.tag_name(),
                attributes: el
                    .attributes()
                    .iter()
                    .map(|a| (a.name(), a.value()))
                    .collect(),
            });
            Ok(())
        }))
        .append_document_content_handler(lol_html::doc_text!(move |chunk| {
            text_sink.borrow_mut().push_str(chunk.as_str());
            Ok(())
        }));
    let mut rewriter = HtmlRewriter::new(settings, |_: &[u8]| {});
    if rewriter.write(input).is_ok() {
        let _ = rewriter.end();
    }
    let elements = elements.take();
    let text = text.take();
    (elements, text)
}

/// Checks that `output` is `input` apart from the intended edits: the same text, and the same
/// elements once the inserted `<picture>`/`<source>` elements and the added `<img>` attributes
/// are taken away.
pub fn verify(input: &[u8], output: &[u8], edits: &[Edit]) -> Result<(), RewriteError> {
    let (before, before_text) = outline(input);
    let (after, after_text) = outline(output);
    if before_text != after_text {
        return Err(RewriteError("the text of the page changed".to_owned()));
    }
    let added_pictures = edits
        .iter()
        .filter(|e| matches!(e.kind, EditKind::Picture { .. }))
        .count();
    let mut stripped = Vec::with_capacity(after.len());
    let mut removed_pictures = 0;
    let mut index = 0;
    while index < after.len() {
        let element = &after[index];
        // An inserted picture is `<picture>`, one or more `<source>`, then the `<img>` it wraps,
        // and it has no attributes.
        if element.name == "picture" && element.attributes.is_empty() {
            let mut next = index + 1;
            while after.get(next).is_some_and(|e| e.name == "source") {
                next += 1;
            }
            let wraps_new = next > index + 1
                && after.get(next).is_some_and(|e| e.name == "img")
                && !before_has_picture_at(&before, stripped.len());
            if wraps_new {
                removed_pictures += 1;
                index = next;
                continue;
            }
        }
        stripped.push(strip_added_attributes(element, &before, stripped.len()));
        index += 1;
    }
    if removed_pictures != added_pictures {
        return Err(RewriteError(format!(
            "expected {added_pictures} new <picture> elements, found {removed_pictures}"
        )));
    }
    if stripped != before {
        let position = stripped
            .iter()
            .zip(&before)
            .position(|(a, b)| a != b)
            .unwrap_or(stripped.len().min(before.len()));
        return Err(RewriteError(format!(
            "element {} differs from the original ({:?} vs {:?})",
            position + 1,
            stripped.get(position).map(|e| &e.name),
            before.get(position).map(|e| &e.name)
        )));
    }
    Ok(())
}

/// Whether the original document has a `<picture>` at this position of its outline (then a
/// `<picture>` found there in the output is the author's, not ours).
fn before_has_picture_at(before: &[OutlineElement], position: usize) -> bool {
    before.get(position).is_some_and(|e| e.name == "picture")
}

/// An output `<img>` with the attributes the rewriter may add removed, when the original
/// element at the same position lacks them.
fn strip_added_attributes(
    element: &OutlineElement,
    before: &[OutlineElement],
    position: usize,
) -> OutlineElement {
    const ADDED: [&str; 6] = ["width", "height", "loading", "decoding", "srcset", "sizes"];
    let Some(original) = before.get(position).filter(|_| element.name == "img") else {
        return element.clone();
    };
    OutlineElement {
        name: element.name.clone(),
        attributes: element
            .attributes
            .iter()
            .filter(|(name, _)| {
                !ADDED.contains(&name.as_str())
                    || original
                        .attributes
                        .iter()
                        .any(|(existing, _)| existing == name)
            })
            .cloned()
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn disk(path: &str) -> Option<ImageOnDisk> {
        match path {
            "img/hero.jpg" => Some(ImageOnDisk {
                width: 1600,
                height: 900,
                webp: Some("hero.webp".into()),
                avif: Some("hero.avif".into()),
                bytes: None,
            }),
            "img/a b.png" => Some(ImageOnDisk {
                width: 400,
                height: 300,
                webp: Some("a b.webp".into()),
                avif: None,
                bytes: None,
            }),
            "img/plain.gif" => Some(ImageOnDisk {
                width: 10,
                height: 20,
                webp: None,
                avif: None,
                bytes: None,
            }),
            "img/small.jpg" => Some(ImageOnDisk {
                width: 800,
                height: 450,
                webp: Some("small.webp".into()),
                avif: None,
                bytes: None,
            }),
            "img/big.jpg" => Some(ImageOnDisk {
                width: 1600,
                height: 900,
                webp: None,
                avif: None,
                bytes: None,
            }),
            "img/café.jpg" => Some(ImageOnDisk {
                width: 40,
                height: 30,
                webp: Some("café.webp".into()),
                avif: None,
                bytes: None,
            }),
            "img/dot.png" => Some(ImageOnDisk {
                width: 24,
                height: 24,
                webp: None,
                avif: None,
                bytes: Some(900),
            }),
            _ => None,
        }
    }

    fn rewrite(page: &str) -> RewrittenPage {
        rewrite_page("index.html", page.as_bytes(), &disk, 1).unwrap()
    }

    #[test]
    fn wraps_sizes_and_lazies_with_only_insertions() {
        let page = "<!doctype html>\n<body>\n<img src=\"img/hero.jpg\" alt=\"Hero\">\n<p>text</p>\n<img src='img/a%20b.png' alt=x />\n</body>\n";
        let result = rewrite(page);
        let expected = "<!doctype html>\n<body>\n<picture><source type=\"image/avif\" srcset=\"img/hero.avif\"><source type=\"image/webp\" srcset=\"img/hero.webp\"><img src=\"img/hero.jpg\" alt=\"Hero\" width=\"1600\" height=\"900\"></picture>\n<p>text</p>\n<picture><source type=\"image/webp\" srcset=\"img/a%20b.webp\"><img src='img/a%20b.png' alt=x width=\"400\" height=\"300\" loading=\"lazy\" decoding=\"async\" /></picture>\n</body>\n";
        assert_eq!(String::from_utf8(result.html).unwrap(), expected);
        assert_eq!(result.edits.len(), 5);
        assert!(result.edits.iter().all(|e| e.line == 3 || e.line == 5));
    }

    #[test]
    fn an_image_under_2_kib_is_not_made_lazy() {
        // images/lazy-loading does not report it: deferring it saves too little.
        let page = "<!doctype html>\n<body>\n<img src=\"img/big.jpg\" alt=\"\">\n<img src=\"img/dot.png\" alt=\"\">\n<img src=\"img/big.jpg\" alt=\"\">\n</body>\n";
        let html = String::from_utf8(rewrite(page).html).unwrap();
        assert!(
            html.contains("<img src=\"img/dot.png\" alt=\"\" width=\"24\" height=\"24\">"),
            "{html}"
        );
        assert!(
            html.contains(
                "<img src=\"img/big.jpg\" alt=\"\" width=\"1600\" height=\"900\" loading=\"lazy\""
            ),
            "{html}"
        );
    }

    #[test]
    fn maps_every_srcset_candidate_or_none() {
        let page = "<body><img src=\"img/small.jpg\" srcset=\"img/small.jpg 800w, img/big.jpg 1600w\" sizes=\"50vw\" width=\"800\" height=\"450\"><img src=\"img/small.jpg\" srcset=\"img/small.jpg 1x\" width=800 height=450 loading=eager></body>";
        let result = rewrite(page);
        let html = String::from_utf8(result.html).unwrap();
        // big.jpg has no WebP: the first image keeps its markup (a source offering only the
        // 800w file would make large screens download a blurry image).
        assert!(
            html.starts_with("<body><img src=\"img/small.jpg\" srcset"),
            "{html}"
        );
        assert!(
            html.contains("<picture><source type=\"image/webp\" srcset=\"img/small.webp 1x\"><img src=\"img/small.jpg\" srcset=\"img/small.jpg 1x\" width=800 height=450 loading=eager></picture>"),
            "{html}"
        );
    }

    /// The `src` is looked up with its character references decoded, as a browser requests it;
    /// the markup around it stays as written.
    #[test]
    fn character_references_in_src_name_the_file() {
        let page = "<body><img src=\"img/caf&eacute;.jpg?a=1&amp;b=2\" alt=x></body>";
        let result = rewrite(page);
        let html = String::from_utf8(result.html).unwrap();
        assert_eq!(
            html,
            "<body><picture><source type=\"image/webp\" srcset=\"img/caf%C3%A9.webp?a=1&amp;b=2\"><img src=\"img/caf&eacute;.jpg?a=1&amp;b=2\" alt=x width=\"40\" height=\"30\"></picture></body>"
        );
    }

    /// A `sizes` written over several lines is copied onto one: the new `<source>` elements add
    /// no line to the page.
    #[test]
    fn copied_sizes_span_no_lines() {
        let page = "<body>\n<img src=\"img/small.jpg\" srcset=\"img/small.jpg 800w\"\n     sizes=\"(max-width: 600px)\r\n\t 100vw,\n     50vw \"\n     width=\"800\" height=\"450\">\n</body>\n";
        let result = rewrite(page);
        let html = String::from_utf8(result.html).unwrap();
        assert!(
            html.contains("<source type=\"image/webp\" srcset=\"img/small.webp 800w\" sizes=\"(max-width: 600px) 100vw, 50vw\">"),
            "{html}"
        );
        assert_eq!(html.lines().count(), page.lines().count(), "{html}");
        assert_eq!(collapse_whitespace(" \x0Ca\u{A0}b \n"), "a\u{A0}b");
    }

    #[test]
    fn respects_existing_picture_attributes_and_unquoted_slash() {
        let page = "<body><picture><source srcset=\"x.webp\" type=\"image/webp\"><img src=\"img/hero.jpg\" width=\"100\" height=\"100\"></picture><img src=img/plain.gif/><img src=\"img/plain.gif\" style=\"aspect-ratio: 1/2\"><template><img src=\"img/hero.jpg\"></template><img src=\"missing.png\"></body>";
        let result = rewrite(page);
        let html = String::from_utf8(result.html.clone()).unwrap();
        // The author's picture is left alone; the unquoted `img/plain.gif/` keeps its slash;
        // the aspect-ratio image keeps its size; <template> content is untouched; lazy loading
        // needs no file, so the missing image still gets it.
        assert_eq!(
            html,
            "<body><picture><source srcset=\"x.webp\" type=\"image/webp\"><img src=\"img/hero.jpg\" width=\"100\" height=\"100\"></picture><img src=img/plain.gif/ loading=\"lazy\" decoding=\"async\"><img src=\"img/plain.gif\" style=\"aspect-ratio: 1/2\" loading=\"lazy\" decoding=\"async\"><template><img src=\"img/hero.jpg\"></template><img src=\"missing.png\" loading=\"lazy\" decoding=\"async\"></body>"
        );
        // `img/plain.gif/` resolves to a folder, so it gets no size; it is still lazy.
        assert!(result.edits.iter().all(|e| e.kind == EditKind::Lazy));
    }

    #[test]
    fn one_dimension_given_the_other_follows_the_aspect_ratio() {
        let page = "<body><img src=\"img/hero.jpg\" width=\"800\" fetchpriority=high></body>";
        let html = String::from_utf8(rewrite(page).html).unwrap();
        assert!(
            html.contains("width=\"800\" fetchpriority=high height=\"450\">"),
            "{html}"
        );
        assert!(!html.contains("lazy"));
    }

    /// `srcset`/`sizes` from the element's own layout; the `<picture>` offers every width per
    /// type when each has a copy; a tag that chose its sources, or has no box, is left alone.
    #[test]
    fn responsive_images_get_srcset_from_their_own_layout() {
        use crate::layout::{ElementBox, ElementKind, LayoutStatus, PageLayout, ViewportLayout};
        let page = "<body><img src=\"img/hero.jpg\" alt=a width=1600 height=900>\n<img src=\"img/hero.jpg\" srcset=\"img/hero.jpg 1x\" width=1600 height=900>\n<img src=\"img/hero.jpg\" width=1600 height=900 hidden></body>";
        let shown = |width: f64| ElementBox {
            kind: ElementKind::Img,
            index: 0,
            src: Some("img/hero.jpg".into()),
            current_src: Some("img/hero.jpg".into()),
            current_file: Some("img/hero.jpg".into()),
            file_width: Some(1600),
            file_height: Some(900),
            density: Some(1.0),
            script_set: false,
            x: 0.0,
            y: 0.0,
            width,
            height: width * 9.0 / 16.0,
            in_first_viewport: true,
            below_fold_px: 0.0,
            size_declared: true,
            out_of_flow: false,
            object_fit: crate::layout::ObjectFit::Fill,
        };
        let viewport = |v: crate::layout::Viewport, width: f64| ViewportLayout {
            name: v.name,
            width: v.width,
            height: v.height,
            scale: v.scale,
            page_height: 1000.0,
            // The first two are laid out; the hidden third has no box.
            elements: vec![shown(width), shown(width), shown(0.0)],
            lcp: None,
        };
        let layout = PageLayout {
            page: "index.html".into(),
            status: LayoutStatus::LaidOut,
            note: None,
            script_filled: false,
            viewports: vec![
                viewport(crate::layout::MOBILE, 380.0),
                viewport(crate::layout::DESKTOP, 760.0),
            ],
        };
        let variant = |width: u32| Variant {
            path: format!("img/hero-{width}w.jpg"),
            width,
            height: width * 9 / 16,
        };
        let responsive = foldhash::HashMap::from_iter([(
            "img/hero.jpg".to_owned(),
            ResponsiveImage {
                path: "img/hero.jpg".into(),
                width: 1600,
                height: 900,
                variants: vec![variant(380), variant(760)],
            },
        )]);
        let with_copies = |path: &str| {
            let name = path.rsplit('/').next()?;
            let stem = name.rsplit_once('.')?.0;
            Some(ImageOnDisk {
                width: 1600,
                height: 900,
                webp: Some(format!("{stem}.webp")),
                avif: None,
                bytes: None,
            })
        };
        let result = rewrite_page_selected(
            "index.html",
            page.as_bytes(),
            &with_copies,
            3,
            None,
            Some(&layout),
            &responsive,
        )
        .unwrap();
        let html = String::from_utf8(result.html).unwrap();
        let first = html.lines().next().unwrap();
        assert_eq!(
            first,
            "<body><picture><source type=\"image/webp\" srcset=\"img/hero-380w.webp 380w, img/hero-760w.webp 760w, img/hero.webp 1600w\" sizes=\"(max-width: 412px) 92vw, 760px\"><img src=\"img/hero.jpg\" alt=a width=1600 height=900 srcset=\"img/hero-380w.jpg 380w, img/hero-760w.jpg 760w, img/hero.jpg 1600w\" sizes=\"(max-width: 412px) 92vw, 760px\"></picture>"
        );
        // The author's srcset: its <picture> maps it, no srcset of ours.
        assert!(html.lines().nth(1).unwrap().contains("<img src=\"img/hero.jpg\" srcset=\"img/hero.jpg 1x\" width=1600 height=900></picture>"), "{html}");
        assert!(
            html.lines()
                .nth(2)
                .unwrap()
                .starts_with("<picture><source type=\"image/webp\" srcset=\"img/hero.webp\">"),
            "{html}"
        );
        let reasons: Vec<(u32, &str)> = result
            .left_alone
            .iter()
            .map(|l| (l.line, l.reason))
            .collect();
        assert_eq!(reasons.len(), 2, "{reasons:?}");
        assert!(reasons[0].0 == 2 && reasons[0].1.contains("srcset"));
        assert!(reasons[1].0 == 3 && reasons[1].1.contains("no box"));
        // What verify accepts: attributes and wrappers added, nothing else.
        assert!(verify(page.as_bytes(), html.as_bytes(), &result.edits).is_ok());
    }

    #[test]
    fn nothing_to_do_returns_the_input() {
        let page = "<body><img src=\"img/plain.gif\" width=\"10\" height=\"20\"></body>";
        let result = rewrite(page);
        assert!(result.edits.is_empty());
        assert_eq!(result.html, page.as_bytes());
    }

    #[test]
    fn verify_rejects_other_changes() {
        let original = b"<body><p class=a>hi</p><img src=x.png></body>";
        let edits = [Edit {
            line: 1,
            src: "x.png".into(),
            kind: EditKind::Lazy,
        }];
        assert!(
            verify(
                original,
                b"<body><p class=a>hi</p><img src=x.png loading=lazy></body>",
                &edits
            )
            .is_ok()
        );
        assert!(
            verify(
                original,
                b"<body><p class=b>hi</p><img src=x.png></body>",
                &edits
            )
            .is_err()
        );
        assert!(
            verify(
                original,
                b"<body><p class=a>ho</p><img src=x.png></body>",
                &edits
            )
            .is_err()
        );
        assert!(
            verify(
                original,
                b"<body><p class=a>hi</p><img src=y.png></body>",
                &edits
            )
            .is_err()
        );
        assert!(
            verify(
                original,
                b"<body><picture><source srcset=a><p class=a>hi</p><img src=x.png></body>",
                &edits
            )
            .is_err()
        );
    }

    #[test]
    fn with_file_name_keeps_folder_query_and_encodes() {
        assert_eq!(
            with_file_name("/a/b.jpg?v=1#x", "b.webp"),
            "/a/b.webp?v=1#x"
        );
        assert_eq!(with_file_name("b.jpg", "b c.webp"), "b%20c.webp");
        assert_eq!(with_file_name("x/é.png", "é.webp"), "x/%C3%A9.webp");
    }

    /// A real page with every kind of image markup: the result verifies, keeps its line count,
    /// and removing the inserted text gives back the original bytes.
    #[test]
    fn real_page_round_trips() {
        let page = include_bytes!("../../fixtures/images-bad/index.html");
        let every_image = |path: &str| {
            let name = path.rsplit('/').next()?;
            let stem = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
            Some(ImageOnDisk {
                width: 1200,
                height: 800,
                webp: Some(format!("{stem}.webp")),
                avif: None,
                bytes: None,
            })
        };
        let result = rewrite_page("index.html", page, &every_image, 1).unwrap();
        assert!(result.edits.len() >= 6, "{:?}", result.edits);
        let count_lines = |bytes: &[u8]| bytes.iter().filter(|&&b| b == b'\n').count();
        assert_eq!(count_lines(&result.html), count_lines(page));
        let text = String::from_utf8(result.html).unwrap();
        let mut restored = text.clone();
        for inserted in [" loading=\"lazy\" decoding=\"async\"", "</picture>"] {
            restored = restored.replace(inserted, "");
        }
        let restored = regex_free_strip(&restored);
        assert_eq!(restored, String::from_utf8_lossy(page));
    }

    /// Removes `<picture><source …>…` openings and ` width="N" height="N"` pairs the rewriter
    /// inserted (the fixture's own sizes are written differently or kept by `verify`).
    fn regex_free_strip(text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("<picture><source type=") {
            out.push_str(&rest[..start]);
            let after = &rest[start..];
            let img = after.find("<img").unwrap();
            rest = &after[img..];
        }
        out.push_str(rest);
        out.replace(" width=\"1200\" height=\"800\"", "")
    }

    #[test]
    fn tags_are_found_by_their_start() {
        let page = b"<img src=a><p><img src=b>x<IMG src=c/>";
        let ranges = img_tag_ranges(page);
        let starts: Vec<usize> = ranges.iter().map(|t| t.range.start).collect();
        assert_eq!(starts, [0, 14, 26]);
        for start in starts {
            assert_eq!(tag_at(&ranges, start).unwrap().range.start, start);
        }
        for not_a_start in [1, 13, 15, 27, 1000] {
            assert!(tag_at(&ranges, not_a_start).is_none(), "{not_a_start}");
        }
    }

    #[test]
    fn only_regular_files_reached_through_real_folders_are_inside() {
        let outer = tempfile::tempdir().unwrap();
        let root = outer.path().join("site");
        std::fs::create_dir_all(root.join("img")).unwrap();
        std::fs::create_dir(outer.path().join("outside")).unwrap();
        for file in ["site/img/a.png", "outside/b.png", "c.png"] {
            std::fs::write(outer.path().join(file), b"x").unwrap();
        }
        std::os::unix::fs::symlink(outer.path().join("outside"), root.join("linked")).unwrap();
        std::os::unix::fs::symlink(root.join("img/a.png"), root.join("img/alias.png")).unwrap();
        assert_eq!(
            regular_file_inside(&root, "img/a.png"),
            Some(root.join("img/a.png"))
        );
        for refused in [
            "linked/b.png",
            "img/alias.png",
            "../c.png",
            "img/../img/a.png",
            "./img/a.png",
            "/img/a.png",
            "img",
            "img/",
            "",
            "img/missing.png",
        ] {
            assert_eq!(regular_file_inside(&root, refused), None, "{refused}");
        }
    }

    /// The disk side on a copy of a real page: the hero gets a <picture> for the WebP written
    /// beside it and its real size; images without siblings only get sizes (and lazy loading
    /// below the fold); the animated GIF keeps no WebP because none was written.
    #[test]
    fn srcset_candidates_keep_their_url_whole() {
        assert_eq!(
            for_srcset("img/hero.webp# srcset=load"),
            "img/hero.webp#%20srcset=load"
        );
        assert_eq!(for_srcset("a,b.webp?x=1,2"), "a%2Cb.webp?x=1%2C2");
        assert_eq!(
            crate::analyze::url::parse_srcset(&for_srcset("img/a b.webp#\tc,")).len(),
            1
        );
    }

    #[test]
    fn rewrite_file_reads_real_sizes_and_siblings() {
        let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/images-bad");
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir(root.path().join("img")).unwrap();
        std::fs::copy(fixture.join("index.html"), root.path().join("index.html")).unwrap();
        for name in ["ladybird.jpg", "aqua.jpg", "camera-photo-32.png"] {
            std::fs::copy(
                fixture.join("img").join(name),
                root.path().join("img").join(name),
            )
            .unwrap();
        }
        let hero = std::fs::read(root.path().join("img/ladybird.jpg")).unwrap();
        let decoded =
            crate::imaging::decode_bounded(&hero, &crate::imaging::Limits::default()).unwrap();
        let webp = crate::imaging::encode_webp_lossy(&decoded, 80.0).unwrap();
        std::fs::write(root.path().join("img/ladybird.webp"), webp).unwrap();
        let header = crate::imaging::read_header(&hero).unwrap();

        // Only a copy the caller vouches for is used: the same file, not listed, is ignored.
        let unlisted = rewrite_file(
            root.path(),
            "index.html",
            3,
            &Default::default(),
            None,
            None,
            &Default::default(),
        )
        .unwrap();
        assert!(
            !String::from_utf8(unlisted.html)
                .unwrap()
                .contains("ladybird.webp")
        );
        let copies = foldhash::HashSet::from_iter(["img/ladybird.webp".to_string()]);
        let result = rewrite_file(
            root.path(),
            "index.html",
            3,
            &copies,
            None,
            None,
            &Default::default(),
        )
        .unwrap();
        let html = String::from_utf8(result.html).unwrap();
        let line = |n: usize| html.lines().nth(n - 1).unwrap().to_owned();
        assert_eq!(
            line(13),
            format!(
                "  <picture><source type=\"image/webp\" srcset=\"img/ladybird.webp\"><img class=\"hero-image\" src=\"img/ladybird.jpg\" alt=\"A ladybird climbing a blade of grass between forget-me-nots\" width=\"{}\" height=\"{}\"></picture>",
                header.width, header.height
            )
        );
        let aqua =
            crate::imaging::read_header(&std::fs::read(root.path().join("img/aqua.jpg")).unwrap())
                .unwrap();
        assert_eq!(
            line(48).trim(),
            format!(
                "<img src=\"img/aqua.jpg\" alt=\"A single water drop bouncing off a still surface\" width=\"{}\" height=\"{}\">",
                aqua.width, aqua.height
            )
        );
        // Not copied: no size is invented for it, but it is below the fold.
        assert!(
            line(53).ends_with("soft focus\" loading=\"lazy\" decoding=\"async\">"),
            "{}",
            line(53)
        );
        // The logo (an icon: it neither counts nor is lazy-loaded) keeps its markup; aqua is the
        // third counting image, so with above_the_fold = 3 it is not lazy.
        assert_eq!(
            line(17),
            "      <img src=\"img/camera-photo-32.png\" width=\"32\" height=\"32\" alt=\"\">"
        );
        // The footer logo already says loading=lazy.
        assert!(line(93).contains("loading=\"lazy\" alt=\"\">"));
        assert!(
            html.lines().count()
                == std::fs::read_to_string(root.path().join("index.html"))
                    .unwrap()
                    .lines()
                    .count()
        );
    }
}
