//! The reproductions of the adversarial campaign (issue: reliability), each as it was found:
//! inputs that aborted the run (stack overflow, memory), hung it (FIFOs), or that the fixers
//! treated as their own. Every run here must end by itself with a report, the offending file
//! named; a run that hangs is killed after a bound and fails the test.

mod common;

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// Runs `command` to completion, failing the test if it takes longer than `limit` (a hang) or
/// dies from a signal (an abort).
fn finishes_within(mut command: Command, limit: Duration) -> Run {
    use std::io::Read;
    let mut child = command
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("webaudit starts");
    // Drained as the child writes, or a report larger than the pipe would block it.
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            String::from_utf8_lossy(&bytes).into_owned()
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("still running after {limit:?}: {}", stderr.join().unwrap());
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let (stdout, stderr) = (stdout.join().unwrap(), stderr.join().unwrap());
    let code = status
        .code()
        .unwrap_or_else(|| panic!("ended by a signal ({status:?}): {stderr}"));
    Run {
        code,
        stdout,
        stderr,
    }
}

fn binary() -> Command {
    Command::new(assert_cmd::cargo::cargo_bin!("webaudit"))
}

fn audit_json(root: &Path, extra: &[&str], limit: Duration) -> (Run, serde_json::Value) {
    let mut command = binary();
    command
        .arg(root)
        .args(["--format", "json", "--no-cache", "--no-config"])
        .args(extra);
    let run = finishes_within(command, limit);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    let report = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("a JSON report ({e}): {}", run.stderr));
    (run, report)
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success());
}

#[test]
fn chains_that_overflowed_the_parser_are_named_and_the_run_goes_on() {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path();
    let cases = [
        (
            "bang.js",
            format!("x={}\"unterminated", "!".repeat(200_000)),
        ),
        ("ternary.ts", format!("x={}c;", "a?b:".repeat(300_000))),
        ("arrows.ts", format!("x={}c;", "a=>".repeat(300_000))),
        ("assignments.jsx", format!("x{};", "=a".repeat(300_000))),
        ("labels.ts", format!("{}x;", "a:".repeat(300_000))),
        ("sums.ts", format!("x={}a;", "a+".repeat(300_000))),
        (
            "else-if.ts",
            format!("if(a){{}}{}", "else if(a){}".repeat(200_000)),
        ),
        ("elements.jsx", format!("x={};", "<a>".repeat(300_000))),
        // A syntax tree takes ~120x its source: a 50 MB script took 6.2 GB in swc.
        ("large.ts", "export const a: number = 1;\n".repeat(200_000)),
    ];
    for (name, text) in &cases {
        fs::write(root.join(name), text).unwrap();
    }
    fs::write(
        root.join("news.mjs"),
        format!("x={}a;", "new ".repeat(300_000)),
    )
    .unwrap();
    fs::write(root.join("fine.ts"), "export const answer: number = 42;\n").unwrap();
    let (run, report) = audit_json(root, &[], Duration::from_secs(120));
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    let problems = findings(&report, "js/parse-error");
    for (name, _) in &cases {
        let finding = problems
            .iter()
            .find(|f| f["path"] == *name)
            .unwrap_or_else(|| panic!("{name} not reported: {problems:?}"));
        let message = finding["message"].as_str().unwrap();
        assert!(message.contains("not analysed"), "{name}: {message}");
    }
    assert!(!problems.iter().any(|f| f["path"] == "fine.ts"));
    assert_eq!(asset(&report, "news.mjs")["raw"], 1_200_004);
}

#[test]
fn scripts_that_start_with_a_byte_order_mark_are_analysed_without_a_panic() {
    // Found by the `js` fuzz target: swc drops a leading byte order mark, and the parser's
    // guard sliced the file with the shortened spans, cutting the mark in two.
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path();
    fs::write(root.join("a.ts"), "\u{feff}r = 1").unwrap();
    fs::write(
        root.join("b.tsx"),
        "\u{feff}export const b = <div>{'é'}</div>;\n",
    )
    .unwrap();
    fs::write(
        root.join("c.js"),
        "\u{feff}import { d } from './d.js';\n\u{0b}d();\n",
    )
    .unwrap();
    fs::write(root.join("d.js"), "export const d = () => 1;\n").unwrap();
    let (run, report) = audit_json(root, &[], Duration::from_secs(60));
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    assert!(!run.stderr.contains("a bug"), "{}", run.stderr);
    let skipped = report["skipped"].as_array().map_or(0, Vec::len);
    assert_eq!(skipped, 0, "{}", report["skipped"]);
    assert!(findings(&report, "js/parse-error").is_empty());
}

#[test]
fn a_fifo_in_the_folder_or_swapped_in_after_the_scan_never_blocks() {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path();
    fs::write(root.join("app.js"), "console.log(1)\n".repeat(100)).unwrap();
    fs::write(root.join("swapped.js"), "a").unwrap();
    mkfifo(&root.join("pipe.js"));
    // The scan sees a regular file; it becomes a FIFO before it is read.
    let scan = webaudit::scan::scan(root, &[]).unwrap();
    fs::remove_file(root.join("swapped.js")).unwrap();
    mkfifo(&root.join("swapped.js"));
    let started = Instant::now();
    let mut cache = webaudit::measure::cache::Cache::disabled();
    let measured = webaudit::measure::measure(
        &scan.files,
        Default::default(),
        Some(&webaudit::analyze::AnalyzeContext::new(
            &scan.files,
            None,
            [0; 32],
            Default::default(),
        )),
        &mut cache,
    );
    assert!(started.elapsed() < Duration::from_secs(30));
    let swapped = measured
        .skipped
        .iter()
        .find(|s| s.path == "swapped.js")
        .expect("skipped");
    assert_eq!(swapped.category, webaudit::scan::SkipCategory::NotAFile);
    assert!(swapped.reason.contains("FIFO"), "{}", swapped.reason);
    // The whole audit and `compress`, with the FIFO still there.
    let (run, _) = audit_json(root, &[], Duration::from_secs(60));
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    let mut compress = binary();
    compress.arg("compress").arg(root).arg("--quiet");
    let run = finishes_within(compress, Duration::from_secs(60));
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    assert!(root.join("app.js.gz").exists());
}

#[test]
fn a_cache_or_baseline_that_is_a_fifo_or_a_link_to_dev_zero_is_refused() {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path().join("site");
    fs::create_dir(&root).unwrap();
    fs::write(root.join("app.js"), "console.log(1)\n".repeat(100)).unwrap();

    // A FIFO where the cache file goes.
    let fifo_cache = folder.path().join("fifo-cache");
    fs::create_dir(&fifo_cache).unwrap();
    mkfifo(&fifo_cache.join(webaudit::measure::cache::FILE_NAME));
    let mut command = binary();
    command
        .arg(&root)
        .args(["--no-config", "--verbose", "--cache-dir"])
        .arg(&fifo_cache);
    let run = finishes_within(command, Duration::from_secs(60));
    assert_eq!(run.code, 0, "{}", run.stderr);
    // Notes are whole with --verbose and wrap at the terminal width: read the words.
    let words = run.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(words.contains("is a FIFO (named pipe)"), "{}", run.stdout);

    // A planted link where the cache file goes: neither read (4 GB of zeros) nor written
    // through (it would overwrite its destination).
    let linked_cache = folder.path().join("linked-cache");
    fs::create_dir(&linked_cache).unwrap();
    let victim = folder.path().join("victim.txt");
    fs::write(&victim, "the user's own").unwrap();
    std::os::unix::fs::symlink(
        &victim,
        linked_cache.join(webaudit::measure::cache::FILE_NAME),
    )
    .unwrap();
    let mut command = binary();
    command
        .arg(&root)
        .args(["--no-config", "--verbose", "--cache-dir"])
        .arg(&linked_cache);
    let run = finishes_within(command, Duration::from_secs(60));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(fs::read_to_string(&victim).unwrap(), "the user's own");
    assert!(run.stdout.contains("symbolic link"), "{}", run.stdout);

    // A baseline that is a link to /dev/zero, or a FIFO: exit 2 naming it, at once.
    let zero = folder.path().join("zero.json");
    std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
    let pipe = folder.path().join("pipe.json");
    mkfifo(&pipe);
    for baseline in [&zero, &pipe] {
        let mut command = binary();
        command
            .arg(&root)
            .args(["--no-config", "--no-cache", "--baseline"])
            .arg(baseline);
        let run = finishes_within(command, Duration::from_secs(30));
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert!(
            run.stderr.contains(&baseline.display().to_string())
                && run.stderr.contains("not a regular file"),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn configurations_and_globs_are_bounded() {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path().join("site");
    fs::create_dir(&root).unwrap();
    fs::write(root.join("app.js"), "x").unwrap();

    // Over the size bound: refused before it is parsed.
    let huge = folder.path().join("huge.toml");
    let mut text = String::from("ignore = [\n");
    while text.len() <= webaudit::config::MAX_CONFIG_BYTES as usize {
        text.push_str("  \"a/**/*.map\",\n");
    }
    text.push_str("]\n");
    fs::write(&huge, &text).unwrap();
    let mut command = binary();
    command
        .arg(&root)
        .args(["--no-cache", "--config"])
        .arg(&huge);
    let run = finishes_within(command, Duration::from_secs(30));
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("huge.toml") && run.stderr.contains("bytes"),
        "{}",
        run.stderr
    );

    // Within the size bound but over the pattern bound.
    let many = folder.path().join("many.toml");
    let patterns: Vec<String> = (0..=webaudit::config::MAX_PATTERNS)
        .map(|i| format!("\"p{i}\""))
        .collect();
    fs::write(&many, format!("ignore = [{}]\n", patterns.join(","))).unwrap();
    let mut command = binary();
    command
        .arg(&root)
        .args(["--no-cache", "--config"])
        .arg(&many);
    let run = finishes_within(command, Duration::from_secs(60));
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("path patterns"), "{}", run.stderr);

    // globset panicked on a couple of hundred nested alternates.
    let nested = format!("{}x{}", "{a,".repeat(250), "}".repeat(250));
    let mut command = binary();
    command
        .arg(&root)
        .args(["--no-cache", "--no-config", "--ignore", &nested]);
    let run = finishes_within(command, Duration::from_secs(30));
    assert_eq!(run.code, 2);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert!(run.stderr.contains("nest 250 levels"), "{}", run.stderr);
}

#[test]
fn encoder_settings_that_are_not_numbers_are_refused() {
    let folder = tempfile::tempdir().unwrap();
    for (flag, value) in [
        ("--avif-quality", "nan"),
        ("--webp-quality", "nan"),
        ("--webp-quality", "inf"),
        ("--webp-quality", "101"),
        ("--min-saving-percent", "101"),
    ] {
        let mut command = binary();
        command
            .arg("optimize")
            .arg(folder.path())
            .args(["--webp", "--avif", flag, value]);
        let run = finishes_within(command, Duration::from_secs(30));
        assert_eq!(run.code, 2, "{flag} {value}: {}", run.stderr);
        assert!(run.stderr.contains(flag), "{}", run.stderr);
    }
}

/// A PNG of `width`×`height` 16-bit RGBA pixels, all zero: a few hundred KB that decode to
/// 8 bytes a pixel.
fn png_16_bit(width: u32, height: u32) -> Vec<u8> {
    use std::io::Write;
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[16, 6, 0, 0, 0]);
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let row = vec![0u8; 1 + width as usize * 8];
    for _ in 0..height {
        encoder.write_all(&row).unwrap();
    }
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png_chunk(&mut png, b"IHDR", &ihdr);
    png_chunk(&mut png, b"IDAT", &encoder.finish().unwrap());
    png_chunk(&mut png, b"IEND", &[]);
    png
}

#[test]
fn big_images_pages_and_maps_stay_within_a_gigabyte() {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path();
    // Two 16-bit 6324² PNGs: 320 MB each decoded; together they took 2 GB.
    let png = png_16_bit(6324, 6324);
    fs::write(root.join("a.png"), &png).unwrap();
    fs::write(root.join("b.png"), &png).unwrap();
    // Used by a page, so that both are re-encoded (WebP, oxipng), not only decoded: the
    // re-encodes hold the working copies that the bound is about.
    fs::write(
        root.join("index.html"),
        "<html><body><img src=\"a.png\" alt=\"a\"><img src=\"b.png\" alt=\"b\"></body></html>",
    )
    .unwrap();
    // A page over the parsing bound, and one with more elements than the element bound.
    let mut over = String::from("<html><body>");
    while over.len() <= webaudit::analyze::html::MAX_PARSED_BYTES {
        over.push_str("<img src=\"missing.png\" alt=\"x\">");
    }
    fs::write(root.join("huge.html"), &over).unwrap();
    let mut crowded = String::from("<html><body>");
    for i in 0..webaudit::analyze::html::MAX_ELEMENTS_PER_PAGE + 10 {
        crowded.push_str(&format!("<img src=\"i{i}.png\" width=1 height=1 alt=\"\">"));
    }
    fs::write(root.join("crowded.html"), &crowded).unwrap();
    // A source map listing more sources than the bound.
    fs::write(
        root.join("app.js"),
        "x();\n//# sourceMappingURL=app.js.map\n",
    )
    .unwrap();
    let sources: Vec<String> = (0..=webaudit::analyze::sourcemap::MAX_SOURCES)
        .map(|i| format!("\"s{i}.js\""))
        .collect();
    fs::write(
        root.join("app.js.map"),
        format!(
            "{{\"version\":3,\"sources\":[{}],\"mappings\":\"AAAA\"}}",
            sources.join(",")
        ),
    )
    .unwrap();

    // Address space, not resident memory, is what prlimit bounds: 2 GiB holds the binary,
    // the worker stacks and a decoded image or two, not the 2 GB the PNGs took before.
    let mut command = Command::new("prlimit");
    command
        .arg("--as=2147483648")
        .arg(assert_cmd::cargo::cargo_bin!("webaudit"))
        .arg(root)
        .args(["--format", "json", "--no-cache", "--no-config", "-j", "2"]);
    let run = finishes_within(command, Duration::from_secs(300));
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let pages = findings(&report, "html/parse-problem");
    let message = |path: &str| {
        pages
            .iter()
            .find(|f| f["path"] == path)
            .unwrap_or_else(|| panic!("{path}: {pages:?}"))["message"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(message("huge.html").contains("bytes webaudit reads in one page"));
    assert!(message("crowded.html").contains("elements webaudit reads"));
    let maps = findings(&report, "bundle/source-map");
    assert!(
        maps.iter().any(|f| f["message"]
            .as_str()
            .unwrap()
            .contains("more than 200000 elements")),
        "{maps:?}"
    );
    for png in ["a.png", "b.png"] {
        let image = &asset(&report, png)["image"];
        assert_eq!(image["header"]["width"], 6324, "{png}");
        assert_eq!(image["unused"], false, "{png}");
        assert!(image["problem"].is_null(), "{png}: {image}");
        assert!(image["webp"].as_u64().is_some(), "{png}: {image}");
    }
}

#[test]
fn a_precompressed_bomb_is_decoded_only_as_far_as_it_needs() {
    use std::io::Write;
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path();
    fs::write(root.join("app.js"), "console.log(1);\n".repeat(1_000)).unwrap();
    // 1 GiB of zeros in about 1 MB: beside a 16 kB original, and with no original.
    let mut bomb = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..1024 {
        bomb.write_all(&zeros).unwrap();
    }
    let bomb = bomb.finish().unwrap();
    fs::write(root.join("app.js.gz"), &bomb).unwrap();
    fs::write(root.join("gone.js.gz"), &bomb).unwrap();
    // An original the scan leaves out is still found on disk.
    fs::write(root.join("ignored.js"), "console.log(2);\n".repeat(1_000)).unwrap();
    fs::write(root.join("ignored.js.gz"), &bomb).unwrap();
    let (run, report) = audit_json(root, &["--ignore", "ignored.js"], Duration::from_secs(120));
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    let stale = findings(&report, "compression/stale");
    let message = |path: &str| {
        stale
            .iter()
            .find(|f| f["path"] == path)
            .unwrap_or_else(|| panic!("{path}: {stale:?}"))["message"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(
        message("app.js.gz").contains("more than 67 MB while its original has 16000 bytes"),
        "{stale:?}"
    );
    assert!(
        message("ignored.js.gz").contains("more than 67 MB while its original has 16000 bytes"),
        "{stale:?}"
    );
    assert!(
        message("gone.js.gz").contains("more than 67 MB"),
        "{stale:?}"
    );
    assert!(!message("gone.js.gz").contains("original"), "{stale:?}");
}

#[test]
fn a_file_past_the_compression_bound_counts_at_its_raw_size_with_a_note() {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path();
    // Sparse: no disk space, and read back as zeros.
    let huge = fs::File::create(root.join("huge.js")).unwrap();
    huge.set_len(webaudit::measure::MAX_COMPRESSED_BYTES + 1)
        .unwrap();
    drop(huge);
    let (run, report) = audit_json(root, &[], Duration::from_secs(120));
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(asset(&report, "huge.js")["gzip"], serde_json::Value::Null);
    let notes = report["notes"].to_string();
    assert!(
        notes.contains("huge.js") && notes.contains("counted at its raw size"),
        "{notes}"
    );
}
