use super::image_refs::image_files;
use super::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::model::finding::Violation;

declare_rule! {
    /// ## What it does
    /// Reports image files (PNG, JPEG, GIF, WebP, AVIF) that webaudit cannot read or decode: a
    /// broken header, corrupt compressed data, a file cut short, or a header declaring more
    /// pixels than webaudit decodes (40 megapixels, or more than 512 MiB to decode). The message
    /// names the file and the problem. ICO and CUR files (`favicon.ico`) are checked from their
    /// directory (not decoded): a directory listing more than 256 pictures, pictures outside
    /// the file or overlapping, or a picture that is neither a PNG nor a bitmap is reported. Such images are left out of the size rules
    /// (`images/modern-format`, `images/optimizable`); their header, when it could be read,
    /// still serves `images/oversized`. AVIF files are checked from their header only (no AVIF
    /// decoder is built in).
    ///
    /// ## Why is this bad?
    /// A corrupt or truncated image shows as a broken icon or a half-grey picture, usually
    /// because an upload or a build step was interrupted. An image declaring tens of thousands
    /// of pixels per side costs every visitor's browser gigabytes of memory to decode, or is a
    /// decompression bomb.
    ///
    /// ## How to fix it
    /// Re-export or re-copy the image from its source, and check that the build step that
    /// produced it completed. Scale images meant for the web to the size they are shown at.
    ///
    /// ## Options
    /// None.
    ImagesUnreadable {
        id: "images/unreadable",
        summary: "image that cannot be decoded: corrupt, truncated, or too many pixels",
        severity: Warning,
    }
}

impl Rule for ImagesUnreadable {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &RuleContext, found: &mut Vec<Violation>) {
        // The problem is in the file, so the finding is on the file, wherever it is shown.
        for (path, image) in image_files(context) {
            if let Some(problem) = &image.facts.problem {
                found.push(Violation {
                    path: Some(path.to_string()),
                    message: format!("{path}: {problem}"),
                    ..Violation::default()
                });
            }
        }
        for asset in context.assets {
            if let crate::model::facts::Facts::Icon(icon) = &asset.facts
                && let Some(problem) = &icon.problem
            {
                found.push(Violation {
                    path: Some(asset.path.clone()),
                    message: format!("{}: {problem}", asset.path),
                    ..Violation::default()
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::image_refs::samples;
    use crate::rules::tester::Folder;

    const RULE: &str = "images/unreadable";

    /// Where the first IDAT chunk's data starts in `png`, and its length.
    fn idat(png: &[u8]) -> (usize, usize) {
        let mut at = 8;
        loop {
            let length = u32::from_be_bytes(png[at..at + 4].try_into().unwrap()) as usize;
            if &png[at + 4..at + 8] == b"IDAT" {
                return (at + 8, length);
            }
            at += 12 + length;
        }
    }

    /// A PNG whose pixel data is damaged in the middle, its chunk CRC recomputed so that only
    /// the compressed data is wrong (as after a bad copy that kept the chunk structure).
    fn corrupt_png() -> Vec<u8> {
        let mut png = samples::png(100, 75);
        let (start, length) = idat(&png);
        for byte in &mut png[start + length / 2..start + length / 2 + 64] {
            *byte ^= 0x5a;
        }
        let mut crc = flate2::Crc::new();
        crc.update(&png[start - 4..start + length]);
        png[start + length..start + length + 4].copy_from_slice(&crc.sum().to_be_bytes());
        png
    }

    /// A valid PNG header declaring `width`×`height`, with 1 byte of pixel data.
    fn png_declaring(width: u32, height: u32) -> Vec<u8> {
        let chunk = |name: &[u8], data: &[u8]| {
            let mut out = (data.len() as u32).to_be_bytes().to_vec();
            out.extend_from_slice(name);
            out.extend_from_slice(data);
            let mut crc = flate2::Crc::new();
            crc.update(name);
            crc.update(data);
            out.extend_from_slice(&crc.sum().to_be_bytes());
            out
        };
        let mut ihdr = width.to_be_bytes().to_vec();
        ihdr.extend_from_slice(&height.to_be_bytes());
        ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.extend(chunk(b"IHDR", &ihdr));
        png.extend(chunk(
            b"IDAT",
            &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
        ));
        png.extend(chunk(b"IEND", b""));
        png
    }

    #[test]
    fn passes_for_images_that_decode() {
        Folder::new()
            .png("img/photo.png", 100, 75)
            .jpeg("img/photo.jpg", 100, 75)
            .file("img/photo.webp", samples::webp(100, 75))
            .file("img/spinner.gif", samples::gif(32, 32, 3))
            .passes(RULE);
    }

    #[test]
    fn passes_for_a_png_with_bytes_after_its_end() {
        // Some upload tools append data after IEND; decoders stop at IEND, as browsers do.
        let mut png = samples::png(100, 75);
        png.extend_from_slice(b"\0\0\0\0 trailing bytes from an uploader");
        Folder::new().file("img/photo.png", png).passes(RULE);
    }

    #[test]
    fn passes_for_files_that_are_not_raster_images() {
        Folder::new()
            .file(
                "img/logo.svg",
                "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 10 10\"><circle r=\"5\"/></svg>",
            )
            .file("favicon.ico", icon_fixture("docusaurus-favicon.ico"))
            .passes(RULE);
    }

    fn icon_fixture(name: &str) -> Vec<u8> {
        std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("fixtures/icons")
                .join(name),
        )
        .unwrap()
    }

    #[test]
    fn finds_an_icon_whose_directory_points_past_its_end() {
        // The directory of a 16×16 32-bit icon, without the picture.
        let folder = Folder::new().file(
            "favicon.ico",
            b"\0\0\x01\0\x01\0\x10\x10\0\0\x01\0\x20\0\x68\x04\0\0\x16\0\0\0",
        );
        assert_eq!(
            folder.findings(RULE),
            [
                "favicon.ico:-:-: favicon.ico: picture 1 of the icon (16×16) claims bytes 22–1150 of a 22-byte file, outside the file or over its directory"
            ]
        );
    }

    #[test]
    fn finds_a_jpeg_cut_short_on_the_file_wherever_it_is_shown() {
        let jpeg = samples::jpeg(200, 150, 90);
        let folder = Folder::new()
            .file(
                "index.html",
                "<!doctype html><html><body>\n<img src=\"img/photo.jpg\" width=\"200\" height=\"150\" alt=\"\">\n</body></html>\n",
            )
            .file("img/photo.jpg", &jpeg[..jpeg.len() / 2]);
        assert_eq!(
            folder.findings(RULE),
            [
                "img/photo.jpg:-:-: img/photo.jpg: truncated image: the JPEG ends before its end-of-image marker (the bottom of the picture is missing)"
            ]
        );
        assert_eq!(
            folder.findings_of(RULE)[0].severity,
            crate::model::finding::Severity::Warning
        );
    }

    #[test]
    fn finds_a_png_cut_short() {
        let png = samples::png(100, 75);
        let (start, length) = idat(&png);
        let folder = Folder::new().file("img/photo.png", &png[..start + length / 2]);
        assert_eq!(
            folder.findings(RULE),
            [
                "img/photo.png:-:-: img/photo.png: truncated image: the file ends before its pixel data does"
            ]
        );
    }

    #[test]
    fn finds_a_png_whose_pixel_data_is_corrupt() {
        let folder = Folder::new().file("img/photo.png", corrupt_png());
        assert_eq!(
            folder.findings(RULE),
            [
                "img/photo.png:-:-: img/photo.png: corrupt image data: Format error decoding Png: Corrupt deflate stream. InvalidDistanceCode"
            ]
        );
    }

    #[test]
    fn finds_a_png_declaring_more_pixels_than_are_decoded() {
        // 10 gigapixels in 57 bytes: a decompression bomb is refused from its header.
        let folder = Folder::new().file("img/bomb.png", png_declaring(100_000, 100_000));
        assert_eq!(
            folder.findings(RULE),
            [
                "img/bomb.png:-:-: img/bomb.png: declares 100000×100000 pixels (10000.0 megapixels), over the 40-megapixel decoding limit; not decoded (a decompression bomb or a mistake)"
            ]
        );
    }

    #[test]
    fn finds_files_whose_header_is_not_an_image() {
        // A CDN's error page saved under the image's name, and a GIF cut inside its header.
        let folder = Folder::new()
            .file(
                "img/logo.png",
                "<!DOCTYPE html><html><head><title>404 Not Found</title></head><body>Not Found</body></html>",
            )
            .file("img/map.gif", b"GIF89a\x10");
        assert_eq!(
            folder.findings(RULE),
            [
                "img/logo.png:-:-: img/logo.png: unsupported image: not a PNG, JPEG, GIF, WebP or AVIF file",
                "img/map.gif:-:-: img/map.gif: malformed image header: the GIF header is cut short",
            ]
        );
    }
}
