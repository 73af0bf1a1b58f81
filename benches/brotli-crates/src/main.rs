//! Compare the `brotli` crate (webaudit's encoder until December 2026) with `mbrotli` (its
//! encoder since) at quality 11, window 22: per-file output sizes and time, alternating which
//! encoder goes first. How to run it: see Cargo.toml.
use std::io::Write;
use std::time::Instant;

fn rust_brotli(data: &[u8]) -> Vec<u8> {
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        size_hint: data.len(),
        ..Default::default()
    };
    let mut out = Vec::new();
    brotli::BrotliCompress(&mut &data[..], &mut out, &params).unwrap();
    out
}

fn m_brotli(data: &[u8]) -> Vec<u8> {
    let config = mbrotli::EncoderConfig::default()
        .with_quality(mbrotli::Quality::Q11)
        .with_window(mbrotli::Window::standard(22).unwrap());
    let mut c = mbrotli::Compressor::new(config).unwrap();
    c.compress(data).unwrap()
}

fn main() {
    let list = std::fs::read_to_string(std::env::args().nth(1).unwrap()).unwrap();
    let out_dir = std::env::args().nth(2).unwrap();
    let mut tr = 0f64;
    let mut tm = 0f64;
    let mut manifest = std::fs::File::create(format!("{out_dir}/sizes.tsv")).unwrap();
    for (i, path) in list.lines().enumerate() {
        let data = std::fs::read(path).unwrap();
        let (a, b, ta, tb);
        if i % 2 == 0 {
            let t = Instant::now(); a = rust_brotli(&data); ta = t.elapsed().as_secs_f64();
            let t = Instant::now(); b = m_brotli(&data); tb = t.elapsed().as_secs_f64();
        } else {
            let t = Instant::now(); b = m_brotli(&data); tb = t.elapsed().as_secs_f64();
            let t = Instant::now(); a = rust_brotli(&data); ta = t.elapsed().as_secs_f64();
        }
        tr += ta; tm += tb;
        std::fs::write(format!("{out_dir}/{i}.m.br"), &b).unwrap();
        writeln!(manifest, "{path}\t{}\t{}\t{}\t{ta:.4}\t{tb:.4}", data.len(), a.len(), b.len()).unwrap();
    }
    eprintln!("rust-brotli {tr:.2} s, mbrotli {tm:.2} s, ratio {:.3}", tm / tr);
}
