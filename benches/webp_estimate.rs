//! What a cheaper libwebp effort changes in the WebP size `images/modern-format` compares with
//! (issue 18, item 3), on real images.
//!
//! ```sh
//! RAYON_NUM_THREADS=1 cargo bench --bench webp_estimate -- DIR... > webp.tsv   # default: benches/work/image-app
//! ```
//!
//! For every still PNG, JPEG and GIF under the folders, one line: its path, its size, its
//! pixels, then for libwebp's methods 4 (the default, `cwebp -q 80`), 3, 2, 1 and 0 the lossy
//! quality-80 size and the CPU seconds the encode took (one thread, decoding not counted).

mod support;

use std::process::ExitCode;
use std::time::Instant;

use webaudit::analyze::image::WEBP_QUALITY;
use webaudit::imaging::{
    ImageFormat, Limits, decode_bounded, encode_webp_lossy_with_method, read_header, to_8_bit,
};

const METHODS: [u8; 5] = [4, 3, 2, 1, 0];

fn main() -> ExitCode {
    let folders = support::folders_from_args("benches/work/image-app");
    let files = support::files_under(&folders, &|_, _| true);
    print!("path\tbytes\tpixels");
    for method in METHODS {
        print!("\tm{method}\tm{method}_s");
    }
    println!();
    for path in files {
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        let Ok(header) = read_header(&bytes) else {
            continue;
        };
        let still = matches!(
            header.format,
            ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::Gif
        ) && !header.animated;
        if !still {
            continue;
        }
        let Ok(picture) = decode_bounded(&bytes, &Limits::default()) else {
            continue;
        };
        let picture = to_8_bit(picture);
        print!(
            "{}\t{}\t{}",
            path.display(),
            bytes.len(),
            u64::from(picture.width()) * u64::from(picture.height())
        );
        for method in METHODS {
            let start = Instant::now();
            let size = encode_webp_lossy_with_method(&picture, WEBP_QUALITY, method)
                .map(|webp| webp.len())
                .unwrap_or(0);
            print!("\t{size}\t{:.4}", start.elapsed().as_secs_f64());
        }
        println!();
    }
    ExitCode::SUCCESS
}
