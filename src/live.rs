//! `webaudit check-url`: asks a running server for every asset of the folder and records how
//! it answers (status, `Content-Type`, `Content-Encoding`, `Cache-Control`). The `server/*`
//! rules judge the answers; this module only fetches.
//!
//! Each asset is requested once with `GET`, `Accept-Encoding: br, gzip`, from a small pool of
//! threads. Only the status line and headers are read; the body is dropped unread (closing the
//! connection), so a large file costs one round trip, not its download. Bodies are never
//! decompressed: the HTTP client is built without its gzip/brotli features, so
//! `Content-Encoding` is seen exactly as the server sent it. Connections are direct
//! (`HTTP_PROXY` and friends are not used).

use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde::Serialize;

use crate::audit::AuditOptions;
use crate::error::Error;
use crate::measure::Asset;
use crate::report::{Report, Severity, Summary};
use crate::rules::{self, RuleContext};

/// How the check talks to the server.
#[derive(Debug, Clone)]
pub struct LiveOptions {
    /// The URL the audited folder is served at (`http://127.0.0.1:8080/`, `https://example.org/app/`).
    pub base_url: String,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Time allowed to open a connection.
    pub connect_timeout: Duration,
    /// Time allowed, once connected, to send the request and receive the response headers.
    pub response_timeout: Duration,
}

impl LiveOptions {
    pub fn new(base_url: impl Into<String>) -> LiveOptions {
        LiveOptions {
            base_url: base_url.into(),
            concurrency: 8,
            connect_timeout: Duration::from_secs(5),
            response_timeout: Duration::from_secs(10),
        }
    }
}

/// What the server said about one asset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Response {
    /// The asset, relative to the audited folder.
    pub path: String,
    pub url: String,
    /// The answer, or why there was none (timeout, connection reset, protocol error).
    pub outcome: Result<Answer, String>,
}

/// The status and the headers the rules read (values as sent, `None` when absent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Answer {
    pub status: u16,
    pub content_type: Option<String>,
    pub content_encoding: Option<String>,
    pub cache_control: Option<String>,
}

/// The URL of `path` under `base` (which ends with `/`): each segment percent-encoded, so names
/// with spaces or `#` are requested as the files they are.
pub fn asset_url(base: &str, path: &str) -> String {
    let mut url = base.to_string();
    for (i, segment) in path.split('/').enumerate() {
        if i > 0 {
            url.push('/');
        }
        for byte in segment.bytes() {
            if byte.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@".contains(&byte) {
                url.push(byte as char);
            } else {
                url.push_str(&format!("%{byte:02X}"));
            }
        }
    }
    url
}

/// Checks that `url` is an `http(s)` URL with a host, and returns it ending with `/`, plus the
/// `host:port` to connect to.
fn parse_base(url: &str) -> Result<(String, String), Error> {
    let bad = |why: &str| Error::Usage(format!("{url:?} is not a usable server URL: {why}"));
    let uri: ureq::http::Uri = url.parse().map_err(|_| bad("cannot be parsed"))?;
    let default_port = match uri.scheme_str() {
        Some("http") => 80,
        Some("https") => 443,
        _ => return Err(bad("it must start with http:// or https://")),
    };
    let host = uri.host().ok_or_else(|| bad("it has no host"))?;
    if uri.query().is_some() {
        return Err(bad("it must not have a ?query"));
    }
    let port = uri.port_u16().unwrap_or(default_port);
    let mut base = url.split('#').next().unwrap_or(url).to_string();
    if !base.ends_with('/') {
        base.push('/');
    }
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let address = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    Ok((base, address))
}

/// Opens (and closes) one TCP connection to the server, so that a server that is not running
/// is one clear error rather than a finding per asset.
fn probe(url: &str, address: &str, timeout: Duration) -> Result<(), Error> {
    let unreachable = |reason: String| Error::Unreachable {
        url: url.to_string(),
        reason,
    };
    let addresses: Vec<_> = address
        .to_socket_addrs()
        .map_err(|e| unreachable(format!("cannot resolve {address}: {e}")))?
        .collect();
    let mut last_error = format!("{address} resolves to no address");
    for socket_address in addresses {
        match TcpStream::connect_timeout(&socket_address, timeout) {
            Ok(_) => return Ok(()),
            Err(e) => last_error = format!("cannot connect to {socket_address}: {e}"),
        }
    }
    Err(unreachable(last_error))
}

fn agent(options: &LiveOptions) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_resolve(Some(options.connect_timeout))
        .timeout_connect(Some(options.connect_timeout))
        .timeout_send_request(Some(options.response_timeout))
        .timeout_recv_response(Some(options.response_timeout))
        // Redirects are followed (a server may send `/` for `index.html`); each hop has the
        // same timeouts, and this caps the whole call.
        .max_redirects(5)
        .timeout_global(Some(options.connect_timeout + options.response_timeout * 2))
        .user_agent(concat!(
            "webaudit/",
            env!("CARGO_PKG_VERSION"),
            " check-url"
        ))
        .build()
        .into()
}

fn header(response: &ureq::http::Response<ureq::Body>, name: &str) -> Option<String> {
    let values: Vec<String> = response
        .headers()
        .get_all(name)
        .iter()
        .map(|v| String::from_utf8_lossy(v.as_bytes()).trim().to_string())
        .collect();
    (!values.is_empty()).then(|| values.join(", "))
}

fn fetch(agent: &ureq::Agent, url: &str) -> Result<Answer, String> {
    let response = agent
        .get(url)
        .header("Accept-Encoding", "br, gzip")
        .call()
        .map_err(|e| match e {
            ureq::Error::Timeout(which) => format!("no answer in time ({which})"),
            other => other.to_string(),
        })?;
    Ok(Answer {
        status: response.status().as_u16(),
        content_type: header(&response, "content-type"),
        content_encoding: header(&response, "content-encoding"),
        cache_control: header(&response, "cache-control"),
    })
    // The response, and with it the unread body and the connection, is dropped here.
}

/// The assets a browser may request: what the folder serves, without source maps,
/// precompressed copies and sources.
pub fn requested(assets: &[Asset]) -> Vec<&Asset> {
    assets.iter().filter(|a| a.counted()).collect()
}

/// Requests every asset of `assets` that browsers download, `options.concurrency` at a time, and
/// returns the answers in the order of `assets`. Fails only when the server cannot be reached
/// at all (or the URL is unusable).
pub fn check(options: &LiveOptions, assets: &[Asset]) -> Result<Vec<Response>, Error> {
    let (base, address) = parse_base(&options.base_url)?;
    probe(&options.base_url, &address, options.connect_timeout)?;
    Ok(fetch_all(options, &base, assets))
}

/// The whole `check-url` run: the folder is audited (scan, sizes, formats), every asset is
/// requested, and the report carries the `server/` rules' findings instead of the audit's.
/// The server is probed before the folder is measured, so an unreachable server fails at once.
pub fn check_folder(audit: &AuditOptions, options: &LiveOptions) -> Result<Report, Error> {
    let (base, address) = parse_base(&options.base_url)?;
    crate::scan::check_root(&audit.root)?;
    probe(&options.base_url, &address, options.connect_timeout)?;
    // Only the asset list and each file's format are needed here, not the image encodes.
    let mut report = crate::audit::run(&AuditOptions {
        image_encodes: false,
        ..audit.clone()
    })?;
    let responses = fetch_all(options, &base, &report.assets);

    let config = crate::config::load(&audit.root, &audit.overrides)?;
    let knowledge = crate::knowledge::Knowledge::built_in();
    let findings = rules::run_selected(
        &RuleContext {
            root: &audit.root,
            assets: &report.assets,
            budgets: &[],
            config: &config,
            knowledge: &knowledge,
            skipped: &report.skipped,
            baseline: None,
            responses: &responses,
        },
        |id| id.starts_with("server/"),
    );
    let failed = responses.iter().filter(|r| r.outcome.is_err()).count();
    report.notes.push(format!(
        "check-url: {} requests to {base} ({} at a time){}",
        responses.len(),
        options.concurrency,
        if failed > 0 {
            format!(", {failed} without a usable answer")
        } else {
            String::new()
        }
    ));
    // What check-url checks is the server; budgets and page loads belong to the audit.
    report.budgets.clear();
    report.pages.clear();
    let count = |severity: Severity| findings.iter().filter(|f| f.severity == severity).count();
    report.summary = Summary {
        errors: count(Severity::Error),
        warnings: count(Severity::Warning),
        infos: count(Severity::Info),
        failed: findings.iter().any(|f| audit.fail_on.fails(f.severity)),
    };
    report.findings = findings;
    Ok(report)
}

fn fetch_all(options: &LiveOptions, base: &str, assets: &[Asset]) -> Vec<Response> {
    let base = base.to_string();
    let agent = agent(options);
    let wanted = requested(assets);
    let next = AtomicUsize::new(0);
    let answers: Mutex<Vec<Option<Response>>> = Mutex::new(vec![None; wanted.len()]);
    let workers = options.concurrency.clamp(1, 64).min(wanted.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(asset) = wanted.get(index) else {
                        return;
                    };
                    let url = asset_url(&base, &asset.path);
                    let outcome = fetch(&agent, &url);
                    let response = Response {
                        path: asset.path.clone(),
                        url,
                        outcome,
                    };
                    if let Ok(mut answers) = answers.lock()
                        && let Some(slot) = answers.get_mut(index)
                    {
                        *slot = Some(response);
                    }
                }
            });
        }
    });
    let answers = answers.into_inner().unwrap_or_else(|e| e.into_inner());
    answers.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_joined_and_encoded() {
        assert_eq!(
            asset_url("http://h/app/", "img/a b#1.png"),
            "http://h/app/img/a%20b%231.png"
        );
        assert_eq!(
            parse_base("http://127.0.0.1:8080").unwrap(),
            (
                "http://127.0.0.1:8080/".to_string(),
                "127.0.0.1:8080".to_string()
            )
        );
        assert_eq!(
            parse_base("https://example.org/app").unwrap().1,
            "example.org:443"
        );
        assert!(parse_base("ftp://example.org/").is_err());
        assert!(parse_base("example.org").is_err());
    }
}
