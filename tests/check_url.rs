//! `webaudit check-url` against real servers on 127.0.0.1 started by the tests: Python's
//! `http.server` (no compression, no Cache-Control), a small server in a test thread that
//! gzips with flate2 and caches hashed files, one that accepts connections and never answers,
//! redirecting ones (within the server, to another port, to a cloud metadata address), and a
//! port where nothing listens. No test sends anything anywhere but 127.0.0.1.

mod common;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::*;

/// `python3 -m http.server` serving `root` on an ephemeral port of 127.0.0.1; killed on drop.
struct PythonServer {
    child: Child,
    port: u16,
}

impl PythonServer {
    fn start(root: &Path) -> PythonServer {
        let mut child = Command::new("python3")
            .args([
                "-u",
                "-m",
                "http.server",
                "0",
                "--bind",
                "127.0.0.1",
                "--directory",
            ])
            .arg(root)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 runs (the CI installs it)");
        // "Serving HTTP on 127.0.0.1 port 41234 (http://127.0.0.1:41234/) ..."
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .split_whitespace()
            .skip_while(|w| *w != "port")
            .nth(1)
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no port in {line:?}"));
        PythonServer { child, port }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }
}

impl Drop for PythonServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// How the test server in a thread answers.
#[derive(Clone, Copy)]
enum Behaviour {
    /// gzip for text when asked, right Content-Type, a year of caching under `/assets/`.
    Good,
    /// As `Good`, but CSS as `text/plain` and fonts without a Content-Type.
    WrongTypes,
    /// Accepts connections and never answers.
    Silent,
    /// Sends every path to `/moved/PATH` on itself (a `Location` without scheme and host),
    /// which it serves as `Good` does.
    RedirectWithin,
}

fn content_type(path: &str, behaviour: Behaviour) -> Option<&'static str> {
    let extension = path.rsplit('.').next().unwrap_or_default();
    let wrong = matches!(behaviour, Behaviour::WrongTypes);
    Some(match extension {
        "html" => "text/html; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "css" if wrong => "text/plain",
        "css" => "text/css",
        "svg" => "image/svg+xml",
        "jpg" => "image/jpeg",
        "woff" | "woff2" if wrong => return None,
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "txt" => "text/plain",
        "webmanifest" => "application/manifest+json",
        _ => "application/octet-stream",
    })
}

fn answer(mut stream: TcpStream, root: &Path, behaviour: Behaviour) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut accepts_gzip = false;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header.trim().is_empty() {
            break;
        }
        let lower = header.to_ascii_lowercase();
        if lower.starts_with("accept-encoding:") && lower.contains("gzip") {
            accepts_gzip = true;
        }
    }
    let mut path = request_line.split_whitespace().nth(1).unwrap_or("/");
    if matches!(behaviour, Behaviour::RedirectWithin) {
        match path.strip_prefix("/moved") {
            Some(moved) => path = moved,
            None => {
                return write!(
                    stream,
                    "HTTP/1.1 302 Found\r\nLocation: /moved{path}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                );
            }
        }
    }
    let file = root.join(path.trim_start_matches('/'));
    let Ok(body) = std::fs::read(&file) else {
        return stream.write_all(
            b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        );
    };
    let compressible = [".html", ".js", ".css", ".svg", ".txt", ".webmanifest"]
        .iter()
        .any(|e| path.ends_with(e));
    let (body, encoding) = if compressible && accepts_gzip {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(&body)?;
        (encoder.finish()?, "Content-Encoding: gzip\r\n")
    } else {
        (body, "")
    };
    let cache = if path.starts_with("/assets/") {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let kind = content_type(path, behaviour)
        .map(|t| format!("Content-Type: {t}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "HTTP/1.1 200 OK\r\n{kind}{encoding}Cache-Control: {cache}\r\nVary: Accept-Encoding\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    stream.write_all(&body)
}

/// A server in test threads on an ephemeral port of 127.0.0.1; lives until the test process
/// ends.
fn thread_server(root: PathBuf, behaviour: Behaviour) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            if matches!(behaviour, Behaviour::Silent) {
                // Keep the connection open, read nothing, answer nothing.
                held.push(stream);
                continue;
            }
            let root = root.clone();
            std::thread::spawn(move || {
                let _ = answer(stream, &root, behaviour);
            });
        }
    });
    format!("http://127.0.0.1:{port}/")
}

fn check_url(url: &str, folder: &Path, extra: &[&str]) -> (i32, serde_json::Value, String) {
    let output = webaudit()
        .args(["check-url", url])
        .arg(folder)
        .args(["--format", "json", "--no-cache", "--no-config"])
        .args(extra)
        .env_remove("http_proxy")
        .env_remove("HTTP_PROXY")
        .env_remove("https_proxy")
        .env_remove("HTTPS_PROXY")
        .env_remove("all_proxy")
        .env_remove("ALL_PROXY")
        .timeout(Duration::from_secs(120))
        .output()
        .expect("webaudit runs");
    let run = to_run(output);
    let report = serde_json::from_str(&run.stdout).unwrap_or(serde_json::Value::Null);
    (run.code, report, run.stderr)
}

fn paths(report: &serde_json::Value, rule: &str) -> BTreeSet<String> {
    findings(report, rule)
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect()
}

fn dist() -> PathBuf {
    fixture("vite-app/dist")
}

/// Every file of `assets/` except source maps: Vite names them all `[name]-[hash]`.
fn hashed_assets() -> BTreeSet<String> {
    std::fs::read_dir(dist().join("assets"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|name| !name.ends_with(".map"))
        .map(|name| format!("assets/{name}"))
        .collect()
}

#[test]
fn a_server_without_compression_or_caching_is_reported() {
    let server = PythonServer::start(&dist());
    let (code, report, stderr) = check_url(&server.url(), &dist(), &[]);
    assert_eq!(code, 0, "{stderr}");
    // The text files whose gzip saving passes 1,400 bytes and 10% (the others are too small).
    assert_eq!(
        paths(&report, "server/uncompressed"),
        BTreeSet::from([
            "assets/main-D7fafypN.js".to_string(),
            "assets/main-DhzmkGAC.css".to_string(),
            "assets/style-Ddld_3hZ.js".to_string(),
        ])
    );
    for finding in findings(&report, "server/uncompressed") {
        let asset = asset(&report, finding["path"].as_str().unwrap());
        assert_eq!(
            finding["saving"].as_u64().unwrap(),
            asset["raw"].as_u64().unwrap() - asset["gzip"].as_u64().unwrap()
        );
    }
    // http.server sends no Cache-Control: every hashed file is reported, nothing else.
    assert_eq!(paths(&report, "server/cache-control"), hashed_assets());
    assert!(paths(&report, "server/missing").is_empty());
    // Only server findings: the audit's own rules are not part of check-url.
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["rule"].as_str().unwrap().starts_with("server/"))
    );
    let notes = report["notes"].to_string();
    assert!(
        notes.contains(&format!("requests to {}", server.url())),
        "{notes}"
    );
}

#[test]
fn a_compressing_server_with_long_caching_is_clean() {
    let url = thread_server(dist(), Behaviour::Good);
    let (code, report, stderr) = check_url(&url, &dist(), &[]);
    assert_eq!(code, 0, "{stderr}");
    let found: Vec<_> = report["findings"].as_array().unwrap().clone();
    assert!(found.is_empty(), "{found:#?}");
    // The requests did happen: every asset browsers download, source maps excluded.
    let requested = report["notes"].to_string();
    let counted = report["assets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| !a["path"].as_str().unwrap().ends_with(".map"))
        .count();
    assert!(
        requested.contains(&format!("{counted} requests")),
        "{requested}"
    );
}

#[test]
fn wrong_and_missing_content_types_are_reported() {
    let url = thread_server(dist(), Behaviour::WrongTypes);
    let (_, report, stderr) = check_url(&url, &dist(), &[]);
    let wrong = paths(&report, "server/content-type");
    let expected: BTreeSet<String> = hashed_assets()
        .into_iter()
        .filter(|p| p.ends_with(".css") || p.ends_with(".woff") || p.ends_with(".woff2"))
        .collect();
    assert_eq!(wrong, expected, "{stderr}");
    let messages: Vec<String> = findings(&report, "server/content-type")
        .iter()
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("is served as \"text/plain\"; expected text/css"))
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("has no Content-Type; expected font/woff2"))
    );
}

#[test]
fn files_the_server_does_not_have_are_errors() {
    // The audited folder has a file the server's copy does not.
    let folder = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(dist()).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            std::fs::copy(&path, folder.path().join(path.file_name().unwrap())).unwrap();
        }
    }
    std::fs::write(folder.path().join("not-deployed.txt"), "hello").unwrap();
    let server = PythonServer::start(&dist());
    let (code, report, _) = check_url(&server.url(), folder.path(), &[]);
    assert_eq!(code, 1);
    let missing = findings(&report, "server/missing");
    assert_eq!(missing.len(), 1, "{missing:#?}");
    assert_eq!(missing[0]["path"], "not-deployed.txt");
    assert_eq!(missing[0]["severity"], "error");
    assert!(
        missing[0]["message"]
            .as_str()
            .unwrap()
            .contains("answers 404")
    );
}

#[test]
fn an_unreachable_server_is_exit_2_naming_the_url() {
    // A port that was free a moment ago: nothing listens on it.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/");
    let (code, _, stderr) = check_url(&url, &dist(), &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(&format!("cannot reach the server at {url}")),
        "{stderr}"
    );
}

#[test]
fn a_server_that_never_answers_ends_in_bounded_time_naming_each_asset() {
    let url = thread_server(dist(), Behaviour::Silent);
    // The command runs under a 120 s kill timeout (`check_url`); with a 1 s timeout and 8
    // requests at a time it needs a few seconds.
    let (code, report, stderr) = check_url(&url, &dist(), &["--timeout", "1"]);
    assert_eq!(code, 1, "{stderr}");
    let missing = findings(&report, "server/missing");
    let named: BTreeSet<String> = missing
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect();
    assert!(named.contains("assets/main-D7fafypN.js"), "{named:?}");
    assert!(named.contains("index.html"), "{named:?}");
    for finding in &missing {
        let message = finding["message"].as_str().unwrap();
        assert!(message.contains("no answer in time"), "{message}");
        assert!(
            message.contains(finding["path"].as_str().unwrap()),
            "{message}"
        );
    }
}

/// A server in test threads on an ephemeral port of 127.0.0.1 that answers every request with a
/// 302 to `target` followed by the requested path (without its leading `/`).
fn redirect_server(target: &str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let target = target.to_string();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            let _ = reader.read_line(&mut request_line);
            loop {
                let mut header = String::new();
                match reader.read_line(&mut header) {
                    Ok(n) if n > 0 && !header.trim().is_empty() => {}
                    _ => break,
                }
            }
            let path = request_line.split_whitespace().nth(1).unwrap_or("/");
            let _ = write!(
                stream,
                "HTTP/1.1 302 Found\r\nLocation: {target}{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                path.trim_start_matches('/')
            );
        }
    });
    format!("http://127.0.0.1:{port}/")
}

fn messages(report: &serde_json::Value, rule: &str) -> Vec<String> {
    findings(report, rule)
        .iter()
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect()
}

/// Every asset check-url requests from the vite app: all of `dist/` but source maps.
fn requested_assets(report: &serde_json::Value) -> BTreeSet<String> {
    report["assets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["path"].as_str().unwrap().to_string())
        .filter(|p| !p.ends_with(".map"))
        .collect()
}

#[test]
fn redirects_within_the_origin_are_followed_and_to_another_only_with_any() {
    // Same origin (a relative Location on the same server): followed by default.
    let within = thread_server(dist(), Behaviour::RedirectWithin);
    let (code, report, stderr) = check_url(&within, &dist(), &[]);
    assert_eq!(code, 0, "{stderr}");
    let found: Vec<_> = report["findings"].as_array().unwrap().clone();
    assert!(found.is_empty(), "{found:#?}");
    // ... and not with `none`.
    let (code, report, _) = check_url(&within, &dist(), &["--follow-redirects", "none"]);
    assert_eq!(code, 1);
    assert_eq!(paths(&report, "server/missing"), requested_assets(&report));
    assert!(
        messages(&report, "server/missing")
            .iter()
            .all(|m| m.contains("not followed: --follow-redirects none")),
        "{report}"
    );

    // Another port of 127.0.0.1 is another origin.
    let good = thread_server(dist(), Behaviour::Good);
    let redirector = redirect_server(&good);
    let (code, report, stderr) = check_url(&redirector, &dist(), &[]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(paths(&report, "server/missing"), requested_assets(&report));
    for message in messages(&report, "server/missing") {
        assert!(
            message.contains(&format!("a redirect to {good}"))
                && message.contains("another origin")
                && message.contains("--follow-redirects any"),
            "{message}"
        );
    }
    let (code, report, stderr) = check_url(&redirector, &dist(), &["--follow-redirects", "any"]);
    assert_eq!(code, 0, "{stderr}");
    let found: Vec<_> = report["findings"].as_array().unwrap().clone();
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn a_redirect_to_a_cloud_metadata_address_is_refused_even_with_any() {
    // The refusal happens before any connection (see live::redirect_refusal and its unit tests):
    // nothing is sent to 169.254.169.254.
    let redirector = redirect_server("http://169.254.169.254/latest/meta-data/");
    for policy in ["same-origin", "any"] {
        let (code, report, stderr) =
            check_url(&redirector, &dist(), &["--follow-redirects", policy]);
        assert_eq!(code, 1, "{stderr}");
        assert_eq!(paths(&report, "server/missing"), requested_assets(&report));
        for message in messages(&report, "server/missing") {
            assert!(
                message.contains("not followed: refused: 169.254.169.254 is a link-local address"),
                "{message}"
            );
        }
    }
}

#[test]
fn the_deadline_ends_a_run_against_a_silent_server_naming_what_was_not_checked() {
    let folder = tempfile::tempdir().unwrap();
    let names: Vec<String> = (0..20).map(|i| format!("asset-{i:02}.js")).collect();
    for name in &names {
        std::fs::write(
            folder.path().join(name),
            format!("console.log({name:?});\n"),
        )
        .unwrap();
    }
    let url = thread_server(folder.path().to_path_buf(), Behaviour::Silent);
    let started = std::time::Instant::now();
    // The timeout (10 s) alone would make this 3 rounds of 8 requests: 30 s.
    let (code, report, stderr) = check_url(&url, folder.path(), &["--deadline", "3"]);
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_secs(8), "{elapsed:?}");
    assert_eq!(code, 0, "{stderr}");
    let notes = report["notes"].to_string();
    assert!(
        notes.contains("the deadline of 3 s (--deadline) ran out; 20 assets were not checked"),
        "{notes}"
    );
    for name in &names {
        assert!(notes.contains(name.as_str()), "{name} not named in {notes}");
    }
    // The notes are on stderr too, for people.
    assert!(stderr.contains("not checked: asset-00.js"), "{stderr}");
}
