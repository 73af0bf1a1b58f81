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
//!
//! The server is not trusted. Redirects are followed here, not by the HTTP client, so each hop
//! is checked before anything connects: by default only within the origin of the URL given
//! ([`FollowRedirects`]), at most [`MAX_REDIRECTS`] hops, and never to a link-local or cloud
//! metadata address, whatever the policy — a redirect to `http://169.254.169.254/` would
//! otherwise make check-url read a cloud machine's credentials service. Host names are checked
//! again after DNS resolution, in the client's resolver ([`GuardedResolver`]), so a name that
//! resolves to such an address is refused too. A deadline bounds the whole run: what is not
//! checked by then is named in the report, which is otherwise complete.

pub use crate::model::response::{Answer, Response};
use std::net::{IpAddr, Ipv6Addr, SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};

use crate::audit::AuditOptions;
use crate::error::Error;
use crate::measure::Asset;
use crate::report::{Report, Severity, Summary};

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
    /// Which redirects are followed.
    pub follow_redirects: FollowRedirects,
    /// Time allowed for the whole run, from [`check_folder`]'s start; assets not checked by
    /// then are named in a note.
    pub deadline: Duration,
}

/// Which redirects `check-url` follows. Link-local and cloud metadata addresses are refused
/// under every policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowRedirects {
    /// Only to the scheme, host and port of the URL given (a server sending `/` for
    /// `/index.html`).
    SameOrigin,
    /// To any http(s) URL (a CDN, another host).
    Any,
    /// None: a redirect is reported as the answer not followed.
    None,
}

/// Redirects followed for one asset at most.
pub const MAX_REDIRECTS: usize = 5;

impl LiveOptions {
    pub fn new(base_url: impl Into<String>) -> LiveOptions {
        LiveOptions {
            base_url: base_url.into(),
            concurrency: 8,
            connect_timeout: Duration::from_secs(5),
            response_timeout: Duration::from_secs(10),
            follow_redirects: FollowRedirects::SameOrigin,
            deadline: Duration::from_secs(60),
        }
    }
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
    if let Some(refusal) = addresses.iter().find_map(|a| forbidden_address(a.ip())) {
        return Err(unreachable(refusal));
    }
    let mut last_error = format!("{address} resolves to no address");
    for socket_address in addresses {
        match TcpStream::connect_timeout(&socket_address, timeout) {
            Ok(_) => return Ok(()),
            Err(e) => last_error = format!("cannot connect to {socket_address}: {e}"),
        }
    }
    Err(unreachable(last_error))
}

/// Cloud metadata services answer at link-local addresses (AWS, Azure, GCP, DigitalOcean…:
/// 169.254.169.254; AWS over IPv6: fd00:ec2::254) or at a name: requesting them from a cloud
/// machine reads its credentials. Why a host or address is never requested, or `None`.
pub fn forbidden_host(host: &str) -> Option<String> {
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .trim_end_matches('.')
        .to_ascii_lowercase();
    if host == "metadata.google.internal" {
        return Some(format!("{host} is a cloud metadata service"));
    }
    host.parse::<IpAddr>().ok().and_then(forbidden_address)
}

/// Why an address is never connected to (see [`forbidden_host`]), or `None`.
pub fn forbidden_address(address: IpAddr) -> Option<String> {
    const AWS_METADATA_V6: Ipv6Addr = Ipv6Addr::new(0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x0254);
    let address = match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
        v4 => v4,
    };
    let why = match address {
        IpAddr::V4(v4) if v4.is_link_local() => {
            "a link-local address (where cloud metadata services answer)"
        }
        IpAddr::V6(v6) if v6 == AWS_METADATA_V6 => "a cloud metadata service",
        IpAddr::V6(v6) if v6.segments()[0] & 0xffc0 == 0xfe80 => "a link-local address",
        _ => return None,
    };
    Some(format!(
        "{address} is {why}: check-url never connects to link-local or cloud metadata addresses"
    ))
}

/// The client's resolver, with [`forbidden_address`] applied to what names resolve to: the last
/// check before every connection, so a host name pointing at a metadata address (or changed to
/// point at one after a first lookup) is refused.
#[derive(Debug, Default)]
struct GuardedResolver {
    system: DefaultResolver,
}

impl Resolver for GuardedResolver {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        config: &ureq::config::Config,
        timeout: ureq::unversioned::transport::NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let refused =
            |why: String| ureq::Error::Io(std::io::Error::other(format!("refused: {why}")));
        if let Some(why) = uri.host().and_then(forbidden_host) {
            return Err(refused(why));
        }
        let addresses = self.system.resolve(uri, config, timeout)?;
        match addresses
            .iter()
            .find_map(|a: &SocketAddr| forbidden_address(a.ip()))
        {
            Some(why) => Err(refused(why)),
            None => Ok(addresses),
        }
    }
}

fn agent(options: &LiveOptions) -> ureq::Agent {
    let config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_resolve(Some(options.connect_timeout))
        .timeout_connect(Some(options.connect_timeout))
        .timeout_send_request(Some(options.response_timeout))
        .timeout_recv_response(Some(options.response_timeout))
        // Redirects are followed by `fetch`, which checks each hop before connecting.
        .max_redirects(0)
        .user_agent(concat!(
            "webaudit/",
            env!("CARGO_PKG_VERSION"),
            " check-url"
        ))
        .build();
    ureq::Agent::with_parts(
        config,
        ureq::unversioned::transport::DefaultConnector::default(),
        GuardedResolver::default(),
    )
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

/// The outcome of requesting one asset.
enum Fetched {
    /// The answer, or why there was none.
    Done(Result<Answer, String>),
    /// The deadline ran out before the asset was checked (or while it was).
    NotChecked,
}

/// What one fetch needs to know besides the URL.
struct FetchPlan<'a> {
    agent: &'a ureq::Agent,
    /// Where redirects may go under [`FollowRedirects::SameOrigin`].
    origin: url::Origin,
    follow: FollowRedirects,
    /// The timeout of one request on its own (connect, send, receive).
    per_request: Duration,
    deadline: Instant,
}

/// Requests `url`, following redirects as `plan.follow` allows; every hop is checked by
/// [`redirect_refusal`] before it is requested.
fn fetch(plan: &FetchPlan, url: &str) -> Fetched {
    let mut current = url.to_string();
    for hop in 0..=MAX_REDIRECTS {
        // No request may run past the deadline.
        let remaining = plan.deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Fetched::NotChecked;
        }
        let called = plan
            .agent
            .get(&current)
            .header("Accept-Encoding", "br, gzip")
            .config()
            .timeout_global(Some(plan.per_request.min(remaining)))
            .build()
            .call();
        let response = match called {
            Ok(response) => response,
            Err(_) if Instant::now() >= plan.deadline => return Fetched::NotChecked,
            Err(ureq::Error::Timeout(which)) => {
                return Fetched::Done(Err(format!("no answer in time ({which})")));
            }
            Err(other) => return Fetched::Done(Err(other.to_string())),
        };
        let status = response.status().as_u16();
        let location = header(&response, "location");
        let redirect = matches!(status, 301 | 302 | 303 | 307 | 308);
        let (true, Some(location)) = (redirect, location) else {
            return Fetched::Done(Ok(Answer {
                status,
                content_type: header(&response, "content-type"),
                content_encoding: header(&response, "content-encoding"),
                cache_control: header(&response, "cache-control"),
            }));
            // The response, and with it the unread body and the connection, is dropped here.
        };
        drop(response);
        let next = match url::Url::parse(&current).and_then(|base| base.join(&location)) {
            Ok(next) => next,
            Err(e) => {
                return Fetched::Done(Err(format!(
                    "answers {status} with an unusable Location {location:?}: {e}"
                )));
            }
        };
        if hop == MAX_REDIRECTS {
            return Fetched::Done(Err(format!(
                "more than {MAX_REDIRECTS} redirects (the last to {next})"
            )));
        }
        if let Some(why) = redirect_refusal(plan, &next) {
            return Fetched::Done(Err(format!(
                "answers {status}, a redirect to {next}, not followed: {why}"
            )));
        }
        current = next.to_string();
    }
    unreachable!("the loop returns at hop MAX_REDIRECTS")
}

/// Why a redirect to `next` is not followed, or `None`. Checked before connecting: the host as
/// written here, what it resolves to in [`GuardedResolver`].
fn redirect_refusal(plan: &FetchPlan, next: &url::Url) -> Option<String> {
    if !matches!(next.scheme(), "http" | "https") {
        return Some("only http and https are requested".into());
    }
    let Some(host) = next.host_str() else {
        return Some("it names no host".into());
    };
    if let Some(why) = forbidden_host(host) {
        return Some(format!("refused: {why}"));
    }
    match plan.follow {
        FollowRedirects::Any => None,
        FollowRedirects::None => Some("--follow-redirects none".into()),
        FollowRedirects::SameOrigin if next.origin() == plan.origin => None,
        FollowRedirects::SameOrigin => Some(format!(
            "another origin than {}; --follow-redirects any follows it",
            plan.origin.ascii_serialization()
        )),
    }
}

/// The assets a browser may request: what the folder serves, without source maps,
/// precompressed copies and sources.
pub fn requested(assets: &[Asset]) -> Vec<&Asset> {
    assets.iter().filter(|a| a.counted()).collect()
}

/// The answers of one check, in the order of the assets, and the assets the deadline left
/// unchecked.
#[derive(Debug, Clone, Default)]
pub struct Checked {
    pub responses: Vec<Response>,
    /// Paths of the assets not checked when the deadline ran out.
    pub not_checked: Vec<String>,
}

/// Requests every asset of `assets` that browsers download, `options.concurrency` at a time,
/// within `options.deadline` from now. Fails only when the server cannot be reached at all (or
/// the URL is unusable).
pub fn check(options: &LiveOptions, assets: &[Asset]) -> Result<Checked, Error> {
    let deadline = Instant::now() + options.deadline;
    let (base, address) = parse_base(&options.base_url)?;
    probe(&options.base_url, &address, options.connect_timeout)?;
    Ok(fetch_all(options, &base, assets, deadline))
}

/// The whole `check-url` run: the folder is audited (scan, sizes, formats), every asset is
/// requested, and the report carries the `server/` rules' findings instead of the audit's.
/// The server is probed before the folder is measured, so an unreachable server fails at once.
/// `options.deadline` counts from here: the audit takes part of it, the requests the rest.
pub fn check_folder(audit: &AuditOptions, options: &LiveOptions) -> Result<Report, Error> {
    let deadline = Instant::now() + options.deadline;
    let (base, address) = parse_base(&options.base_url)?;
    crate::scan::check_root(&audit.root)?;
    probe(&options.base_url, &address, options.connect_timeout)?;
    // Only the asset list and each file's format are needed here, not the image encodes.
    let options_without_encodes = AuditOptions {
        image_encodes: false,
        ..audit.clone()
    };
    let prepared = crate::audit::prepare(&options_without_encodes)?;
    let Checked {
        responses,
        not_checked,
    } = fetch_all(options, &base, &prepared.assets, deadline);
    // The same audit, with the server's answers, and only the rules about the server.
    let findings = prepared.findings(&responses, |id| id.starts_with("server/"));
    let mut report = crate::audit::report(&options_without_encodes, prepared, Vec::new());
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
    if !not_checked.is_empty() {
        report.notes.push(format!(
            "check-url: the deadline of {} s (--deadline) ran out; {} asset{} not checked: {}",
            options.deadline.as_secs_f64(),
            not_checked.len(),
            if not_checked.len() == 1 {
                " was"
            } else {
                "s were"
            },
            not_checked.join(", ")
        ));
    }
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

fn fetch_all(options: &LiveOptions, base: &str, assets: &[Asset], deadline: Instant) -> Checked {
    let agent = agent(options);
    let plan = FetchPlan {
        agent: &agent,
        // `parse_base` accepted it, so it parses.
        origin: url::Url::parse(base).map_or_else(|_| url::Origin::new_opaque(), |u| u.origin()),
        follow: options.follow_redirects,
        per_request: options.connect_timeout + options.response_timeout * 2,
        deadline,
    };
    let wanted = requested(assets);
    let next = AtomicUsize::new(0);
    let answers: Mutex<Vec<Option<Fetched>>> = Mutex::new(wanted.iter().map(|_| None).collect());
    let workers = options.concurrency.clamp(1, 64).min(wanted.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(asset) = wanted.get(index) else {
                        return;
                    };
                    let fetched = fetch(&plan, &asset_url(base, &asset.path));
                    if let Ok(mut answers) = answers.lock()
                        && let Some(slot) = answers.get_mut(index)
                    {
                        *slot = Some(fetched);
                    }
                }
            });
        }
    });
    let answers = answers.into_inner().unwrap_or_else(|e| e.into_inner());
    let mut checked = Checked::default();
    for (asset, fetched) in wanted.iter().zip(answers) {
        match fetched {
            Some(Fetched::Done(outcome)) => checked.responses.push(Response {
                path: asset.path.clone(),
                url: asset_url(base, &asset.path),
                outcome,
            }),
            Some(Fetched::NotChecked) | None => checked.not_checked.push(asset.path.clone()),
        }
    }
    checked
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

    #[test]
    fn link_local_and_metadata_hosts_are_refused() {
        for host in [
            "169.254.169.254",
            "169.254.0.1",
            "[fe80::1]",
            "febf::1",
            "[fd00:ec2::254]",
            "::ffff:169.254.169.254",
            "metadata.google.internal",
            "METADATA.Google.Internal.",
        ] {
            assert!(forbidden_host(host).is_some(), "{host}");
        }
        for host in [
            "127.0.0.1",
            "[::1]",
            "10.0.0.1",
            "fd00::1",
            "fec0::1",
            "example.org",
        ] {
            assert!(forbidden_host(host).is_none(), "{host}");
        }
    }

    fn plan(agent: &ureq::Agent, follow: FollowRedirects) -> FetchPlan<'_> {
        FetchPlan {
            agent,
            origin: url::Url::parse("http://127.0.0.1:8080/app/")
                .unwrap()
                .origin(),
            follow,
            per_request: Duration::from_secs(1),
            deadline: Instant::now(),
        }
    }

    #[test]
    fn each_redirect_is_judged_by_the_policy_before_it_is_requested() {
        let agent = agent(&LiveOptions::new("http://127.0.0.1:8080/app/"));
        let refusal = |follow, to: &str| {
            redirect_refusal(&plan(&agent, follow), &url::Url::parse(to).unwrap())
        };
        use FollowRedirects::{Any, None as Never, SameOrigin};
        assert_eq!(
            refusal(SameOrigin, "http://127.0.0.1:8080/elsewhere/x.js"),
            None
        );
        let other_port = refusal(SameOrigin, "http://127.0.0.1:8081/x.js").unwrap();
        assert!(
            other_port.contains("another origin than http://127.0.0.1:8080"),
            "{other_port}"
        );
        assert!(refusal(SameOrigin, "https://127.0.0.1:8080/x.js").is_some());
        assert_eq!(refusal(Any, "http://127.0.0.1:8081/x.js"), None);
        assert!(refusal(Never, "http://127.0.0.1:8080/x.js").is_some());
        assert!(refusal(Any, "file:///etc/passwd").is_some());
        // Metadata addresses, however written, under every policy.
        for to in [
            "http://169.254.169.254/latest/meta-data/",
            "http://0xa9fea9fe/",
            "http://2852039166/",
            "http://[fd00:ec2::254]/",
            "http://[::ffff:a9fe:a9fe]/",
            "http://metadata.google.internal./computeMetadata/v1/",
        ] {
            for follow in [SameOrigin, Any, Never] {
                let why = refusal(follow, to).unwrap_or_default();
                assert!(why.starts_with("refused: "), "{to}: {why}");
            }
        }
    }

    #[test]
    fn a_name_resolving_to_a_link_local_address_is_refused_by_the_resolver() {
        // A lone 32-bit number is parsed as an IPv4 address by the system resolver itself (no
        // lookup, no traffic): the HTTP client's URI keeps it as a name, so only the check
        // after resolution can see that it is 169.254.169.254.
        let timeout = ureq::unversioned::transport::NextTimeout {
            after: Duration::from_secs(5).into(),
            reason: ureq::Timeout::Resolve,
            per_read: None,
            per_write: None,
        };
        let config = ureq::config::Config::default();
        let resolver = GuardedResolver::default();
        let uri: ureq::http::Uri = "http://2852039166/".parse().unwrap();
        let error = resolver.resolve(&uri, &config, timeout).unwrap_err();
        assert!(
            error.to_string().contains("refused: 169.254.169.254"),
            "{error}"
        );
        let uri: ureq::http::Uri = "http://127.0.0.1:9/".parse().unwrap();
        assert!(resolver.resolve(&uri, &config, timeout).is_ok());
    }
}
