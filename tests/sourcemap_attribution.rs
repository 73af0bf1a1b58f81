//! Source-map attribution on real Vite builds (`fixtures/treeshake-*/dist`), checked against an
//! independent brute-force oracle in Python (`tests/oracle/sourcemap_attribution.py`), plus
//! maps that do not match their file, inline and index maps built from the real ones, and a
//! synthetic 50 MB map.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use webaudit::analyze::sourcemap::*;

const NO_PACKAGE: &str = "[no package]";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// One built chunk: the audited folder, the script, and its map (found through the script's
/// `sourceMappingURL` comment).
struct Chunk {
    dist: PathBuf,
    js: PathBuf,
    map: PathBuf,
}

impl Chunk {
    /// The map's path relative to the audited folder, as webaudit passes it.
    fn map_path(&self) -> String {
        relative(&self.map, &self.dist)
    }
    fn attribute(&self) -> Attribution {
        let a = attribute(
            &read(&self.js),
            &read(&self.map),
            &self.map_path(),
            GeneratedLanguage::Script,
        )
        .unwrap_or_else(|e| panic!("{}: {e}", self.map.display()));
        check_invariant(&a);
        a
    }
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn relative(path: &Path, root: &Path) -> String {
    path.strip_prefix(root)
        .unwrap()
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

fn files_under(folder: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    let mut entries: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// Every `*.js` with a map under the tree-shaking fixtures' `dist/` folders.
fn fixture_chunks() -> Vec<Chunk> {
    let mut chunks = Vec::new();
    for fixture in ["treeshake-bad", "treeshake-good"] {
        let dist = repo().join("fixtures").join(fixture).join("dist");
        let mut files = Vec::new();
        files_under(&dist, &mut files);
        for js in files {
            if js.extension().is_none_or(|e| e != "js") {
                continue;
            }
            let map = js.with_extension("js.map");
            if !map.exists() {
                continue;
            }
            // The comment must lead to the same file.
            let url = source_mapping_url(&read(&js))
                .unwrap_or_else(|| panic!("{}: no sourceMappingURL", js.display()));
            assert_eq!(js.parent().unwrap().join(&url), map, "{}", js.display());
            chunks.push(Chunk {
                dist: dist.clone(),
                js,
                map,
            });
        }
    }
    chunks
}

fn check_invariant(a: &Attribution) {
    let mapped: u64 = a.sources.iter().map(|s| s.bytes).sum();
    assert_eq!(
        a.generated_bytes,
        mapped + a.unmapped + a.line_terminators,
        "every byte is counted once"
    );
}

/// Bytes per package copy, grouped with `package_of`; sources in no package together.
fn rust_packages(a: &Attribution) -> BTreeMap<String, u64> {
    let mut packages = BTreeMap::new();
    for source in &a.sources {
        let key = package_of(&source.source).map_or_else(|| NO_PACKAGE.to_owned(), |p| p.copy);
        *packages.entry(key).or_insert(0) += source.bytes;
    }
    packages
}

/// What the Python oracle says about this chunk.
fn oracle(chunk: &Chunk) -> serde_json::Value {
    let output = Command::new("python3")
        .arg(repo().join("tests/oracle/sourcemap_attribution.py"))
        .arg(&chunk.js)
        .arg(&chunk.map)
        .arg("--root")
        .arg(&chunk.dist)
        .output()
        .expect("python3 runs (the tests need it as an oracle)");
    assert!(
        output.status.success(),
        "oracle failed on {}: {}",
        chunk.js.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("the oracle prints JSON")
}

#[test]
fn fixtures_agree_with_the_python_oracle() {
    let chunks = fixture_chunks();
    assert!(
        chunks.len() >= 4,
        "expected the chunks of both tree-shaking fixtures, found {}",
        chunks.len()
    );
    let mut seen_lodash = false;
    for chunk in &chunks {
        let ours = chunk.attribute();
        let theirs = oracle(chunk);
        let name = relative(&chunk.js, &repo());
        for key in ["generated_bytes", "unmapped", "line_terminators"] {
            let ours = match key {
                "generated_bytes" => ours.generated_bytes,
                "unmapped" => ours.unmapped,
                _ => ours.line_terminators,
            };
            assert_eq!(Some(ours), theirs[key].as_u64(), "{name}: {key}");
        }
        assert!(
            ours.warnings.is_empty(),
            "{name}: a real build's map has no problems: {:?}",
            ours.warnings
        );

        let rust = rust_packages(&ours);
        let python: BTreeMap<String, u64> = theirs["packages"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_u64().unwrap()))
            .collect();
        assert_eq!(
            rust.values().sum::<u64>(),
            python.values().sum::<u64>(),
            "{name}: mapped total"
        );
        println!("{name}: {} bytes", ours.generated_bytes);
        println!("  {:<40} {:>10} {:>10}", "package", "rust", "python");
        let keys: std::collections::BTreeSet<&String> = rust.keys().chain(python.keys()).collect();
        for key in keys {
            let r = rust.get(key).copied().unwrap_or(0);
            let p = python.get(key).copied().unwrap_or(0);
            println!("  {key:<40} {r:>10} {p:>10}");
            if r.max(p) >= 1000 {
                let difference = r.abs_diff(p) as f64 / p.max(1) as f64;
                assert!(
                    difference <= 0.01,
                    "{name}: {key}: rust {r} vs python {p} bytes"
                );
            }
        }
        println!(
            "  {:<40} {:>10} {:>10}",
            "[unmapped]",
            ours.unmapped,
            theirs["unmapped"].as_u64().unwrap_or(0)
        );
        seen_lodash |= rust.keys().any(|k| k.ends_with("node_modules/lodash"));
    }
    assert!(seen_lodash, "treeshake-bad bundles lodash");
}

#[test]
fn by_package_matches_grouping_by_copy() {
    for chunk in fixture_chunks() {
        let a = chunk.attribute();
        let grouped = rust_packages(&a);
        let packages = a.by_package();
        for p in &packages {
            assert_eq!(Some(&p.bytes), grouped.get(&p.package.copy));
            assert!(p.package.copy.ends_with(&p.package.name));
            assert_eq!(p.package.version, None, "npm's layout has no versions");
        }
        let in_packages: u64 = packages.iter().map(|p| p.bytes).sum();
        assert_eq!(
            in_packages + grouped.get(NO_PACKAGE).copied().unwrap_or(0),
            a.mapped_bytes()
        );
    }
}

/// The treeshake-bad entry chunk: the largest real map.
fn largest_chunk() -> Chunk {
    fixture_chunks()
        .into_iter()
        .max_by_key(|c| std::fs::metadata(&c.map).unwrap().len())
        .expect("fixture chunks exist")
}

#[test]
fn a_map_for_a_longer_file_warns_and_does_not_panic() {
    let chunk = largest_chunk();
    let js = read(&chunk.js);
    let map = read(&chunk.map);
    let lines: Vec<&[u8]> = js.split(|&b| b == b'\n').collect();
    assert!(lines.len() > 4, "the entry chunk has several lines");

    // Half of the lines: the map's later lines point past the end of the file.
    let half = lines[..lines.len() / 2].join(&b'\n');
    let a = attribute(&half, &map, &chunk.map_path(), GeneratedLanguage::Script).unwrap();
    check_invariant(&a);
    assert_eq!(a.generated_bytes, half.len() as u64);
    assert!(
        a.warnings
            .iter()
            .any(|w| w.contains("past the end of the generated file")),
        "{:?}",
        a.warnings
    );
    assert!(a.warnings.len() <= 3, "aggregated: {:?}", a.warnings);

    // Cut in the middle of a line too: columns past the end of the last line are clamped.
    let cut = &js[..js.len() / 2];
    let a = attribute(cut, &map, &chunk.map_path(), GeneratedLanguage::Script).unwrap();
    check_invariant(&a);
    assert!(
        a.warnings
            .iter()
            .any(|w| w.contains("past the end of its generated line")),
        "{:?}",
        a.warnings
    );

    // The same map against an unrelated file, and against nothing.
    for other in [&b""[..], b"\n\n\n", &read(&fixture_chunks()[1].js)] {
        let a = attribute(other, &map, &chunk.map_path(), GeneratedLanguage::Script).unwrap();
        check_invariant(&a);
        assert!(!a.warnings.is_empty());
    }
}

fn base64(bytes: &[u8]) -> String {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for group in bytes.chunks(3) {
        let n = group
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= group.len() {
                out.push(alphabet[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The generated code without its trailing `//# sourceMappingURL=` line.
fn body(js: &[u8]) -> &[u8] {
    let last_newline = js.iter().rposition(|&b| b == b'\n').unwrap();
    assert!(js[last_newline..].starts_with(b"\n//# sourceMappingURL="));
    &js[..last_newline]
}

#[test]
fn an_inline_map_gives_the_same_attribution() {
    for chunk in fixture_chunks() {
        let external = chunk.attribute();
        let map = read(&chunk.map);
        let mut js = body(&read(&chunk.js)).to_vec();
        js.extend_from_slice(b"\n//# sourceMappingURL=data:application/json;charset=utf-8;base64,");
        js.extend_from_slice(base64(&map).as_bytes());
        js.push(b'\n');

        let url = source_mapping_url(&js).expect("the inline comment is found");
        let decoded = decode_data_url(&url).expect("valid base64");
        assert_eq!(decoded, map);
        // An inline map resolves sources against the script's folder: the same as its sibling.
        let inline =
            attribute(&js, &decoded, &chunk.map_path(), GeneratedLanguage::Script).unwrap();
        check_invariant(&inline);
        assert_eq!(inline.sources, external.sources);
    }
}

#[test]
fn an_index_map_of_two_real_chunks_adds_them_up() {
    let chunks = fixture_chunks();
    let good: Vec<&Chunk> = chunks
        .iter()
        .filter(|c| c.dist.ends_with("treeshake-good/dist"))
        .collect();
    let (first, second) = (good[0], good[1]);
    let body_first = body(&read(&first.js)).to_vec();
    let body_second = body(&read(&second.js)).to_vec();
    let lines_first = body_first.iter().filter(|&&b| b == b'\n').count() as u64 + 1;

    let separately: Vec<Attribution> = [(first, &body_first), (second, &body_second)]
        .iter()
        .map(|(c, body)| {
            attribute(
                body,
                &read(&c.map),
                &c.map_path(),
                GeneratedLanguage::Script,
            )
            .unwrap()
        })
        .collect();
    let mut expected: BTreeMap<String, u64> = BTreeMap::new();
    for a in &separately {
        for s in &a.sources {
            *expected.entry(s.source.clone()).or_insert(0) += s.bytes;
        }
    }

    // `first` then, on the next line, `second`; and again with `second` starting mid-line.
    for joiner in [&b"\n"[..], b";"] {
        let mut generated = body_first.clone();
        generated.extend_from_slice(joiner);
        generated.extend_from_slice(&body_second);
        let offset = if joiner == b"\n" {
            serde_json::json!({"line": lines_first, "column": 0})
        } else {
            let last_line = body_first.rsplit(|&b| b == b'\n').next().unwrap();
            let column = String::from_utf8_lossy(last_line).encode_utf16().count() + 1;
            serde_json::json!({"line": lines_first - 1, "column": column})
        };
        let parse = |c: &Chunk| serde_json::from_slice::<serde_json::Value>(&read(&c.map)).unwrap();
        let index = serde_json::json!({
            "version": 3,
            "sections": [
                {"offset": {"line": 0, "column": 0}, "map": parse(first)},
                {"offset": offset, "map": parse(second)},
            ]
        });
        let a = attribute(
            &generated,
            index.to_string().as_bytes(),
            &first.map_path(),
            GeneratedLanguage::Script,
        )
        .unwrap();
        check_invariant(&a);
        assert!(a.warnings.is_empty(), "{:?}", a.warnings);
        let got: BTreeMap<String, u64> = a
            .sources
            .iter()
            .map(|s| (s.source.clone(), s.bytes))
            .collect();
        assert_eq!(got, expected);
    }
}

// ---- a 50 MB map ---------------------------------------------------------------------------

const VLQ_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// The source index, original line, original column and name index after the last segment.
fn final_state(mappings: &str) -> [i64; 4] {
    let mut state = [0i64; 4];
    for segment in mappings.split([',', ';']).filter(|s| !s.is_empty()) {
        let (mut value, mut shift, mut field) = (0i64, 0, 0);
        for b in segment.bytes() {
            let digit = VLQ_ALPHABET.iter().position(|&a| a == b).unwrap() as i64;
            value |= (digit & 31) << shift;
            if digit & 32 != 0 {
                shift += 5;
                continue;
            }
            let decoded = if value & 1 == 1 {
                -(value >> 1)
            } else {
                value >> 1
            };
            if field >= 1 {
                state[field - 1] += decoded;
            }
            field += 1;
            (value, shift) = (0, 0);
        }
    }
    state
}

fn encode_vlq(value: i64, out: &mut String) {
    let mut v = if value < 0 {
        ((-value as u64) << 1) | 1
    } else {
        (value as u64) << 1
    };
    loop {
        let digit = (v & 31) as usize | if v >= 32 { 32 } else { 0 };
        out.push(VLQ_ALPHABET[digit] as char);
        v >>= 5;
        if v == 0 {
            break;
        }
    }
}

#[test]
fn a_50_mb_map_streams_through() {
    let chunk = largest_chunk();
    let map: serde_json::Value = serde_json::from_slice(&read(&chunk.map)).unwrap();
    let mappings = map["mappings"].as_str().unwrap();
    let code = body(&read(&chunk.js)).to_vec();
    let code_lines = code.iter().filter(|&&b| b == b'\n').count() + 1;
    assert_eq!(
        mappings.split(';').count(),
        code_lines,
        "one mappings line per code line"
    );

    // One copy: the code, then an empty line whose zero-width segment brings the relative
    // source/line/column/name state back to zero, so the next copy decodes like the first.
    let mut reset = String::new();
    encode_vlq(0, &mut reset);
    for value in final_state(mappings) {
        encode_vlq(-value, &mut reset);
    }
    let copy_mappings = format!("{mappings};{reset};");
    let mut copy_code = code.clone();
    copy_code.extend_from_slice(b"\n\n");

    let copies = (50_000_000 / copy_mappings.len()) + 1;
    let big_mappings = copy_mappings.repeat(copies);
    let big_code = copy_code.repeat(copies);
    let with_mappings = |m: &str| {
        let mut map = map.clone();
        map["mappings"] = serde_json::Value::String(m.to_owned());
        map.to_string().into_bytes()
    };
    let big_map = with_mappings(&big_mappings);
    drop(big_mappings);
    assert!(big_map.len() >= 50_000_000);

    let one = attribute(
        &copy_code,
        &with_mappings(&copy_mappings),
        &chunk.map_path(),
        GeneratedLanguage::Script,
    )
    .unwrap();
    let started = Instant::now();
    let big = attribute(
        &big_code,
        &big_map,
        &chunk.map_path(),
        GeneratedLanguage::Script,
    )
    .unwrap();
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{copies} copies: {:.1} MB map + {:.1} MB code in {seconds:.2} s ({:.0} MB/s of map)",
        big_map.len() as f64 / 1e6,
        big_code.len() as f64 / 1e6,
        big_map.len() as f64 / 1e6 / seconds
    );

    check_invariant(&big);
    assert!(big.warnings.is_empty(), "{:?}", big.warnings);
    assert_eq!(big.unmapped, one.unmapped * copies as u64);
    assert_eq!(big.sources.len(), one.sources.len());
    for (b, o) in big.sources.iter().zip(&one.sources) {
        assert_eq!(b.source, o.source);
        assert_eq!(b.bytes, o.bytes * copies as u64, "{}", o.source);
    }
}

/// Throughput on the largest real map, printed (run with `--release --nocapture` to read it).
#[test]
fn throughput_on_the_largest_real_map() {
    let chunk = largest_chunk();
    let (js, map) = (read(&chunk.js), read(&chunk.map));
    let rounds = 10;
    let started = Instant::now();
    for _ in 0..rounds {
        let a = attribute(&js, &map, &chunk.map_path(), GeneratedLanguage::Script).unwrap();
        assert!(!a.sources.is_empty());
    }
    let seconds = started.elapsed().as_secs_f64() / rounds as f64;
    println!(
        "{}: {:.2} MB map + {:.2} MB code in {:.1} ms: {:.0} MB/s of map",
        relative(&chunk.map, &repo()),
        map.len() as f64 / 1e6,
        js.len() as f64 / 1e6,
        seconds * 1e3,
        map.len() as f64 / 1e6 / seconds
    );
}

/// Real maps with corrupted `mappings` (bytes replaced, cut, duplicated) and cut JSON: never a
/// panic, always every byte counted once.
#[test]
fn corrupted_real_maps_never_panic() {
    let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
    let mut random = move |below: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % below as u64) as usize
    };
    let noise = b"AZaz09+/gB,;;!\"\\ \x00\xFF";
    for chunk in fixture_chunks() {
        let (js, map) = (read(&chunk.js), read(&chunk.map));
        let mappings_at = map
            .windows(12)
            .position(|w| w == b"\"mappings\":\"")
            .unwrap()
            + 12;
        let rounds = if map.len() > 100_000 { 10 } else { 300 };
        for _ in 0..rounds {
            let mut broken = map.clone();
            for _ in 0..1 + random(20) {
                let at = mappings_at + random(broken.len() - mappings_at);
                broken[at] = noise[random(noise.len())];
            }
            if let Ok(a) = attribute(&js, &broken, &chunk.map_path(), GeneratedLanguage::Script) {
                check_invariant(&a);
                assert!(a.warnings.len() <= 9);
            }
            let cut = random(map.len());
            if let Ok(a) = attribute(
                &js,
                &map[..cut],
                &chunk.map_path(),
                GeneratedLanguage::Script,
            ) {
                check_invariant(&a);
            }
        }
    }
}
