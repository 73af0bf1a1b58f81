use super::{Rule, RuleContext, RuleMeta, declare_rule};
use crate::analyze::url::http_host;
use crate::knowledge::third_party::{self, Entity, ThirdParties};
use crate::model::facts::html::ScriptKind;
use crate::model::finding::{Severity, Violation};
use crate::site::Page;

declare_rule! {
    /// ## What it does
    /// Names the third parties that pages load code from in their static HTML: each
    /// `<script src>` (classic or module) and `<iframe src>` on another origin whose host is in
    /// [third-party-web](https://github.com/patrickhulce/third-party-web)'s entity list (the
    /// list Lighthouse's third-party audits use; MIT licence, version 0.30.0, compiled in), with
    /// the company and its category: tag manager, analytics, advertising, customer support
    /// chat, video, social, consent management, public CDN…
    ///
    /// - A classic script in `<head>` without `async`, `defer` or `type=module` is a
    ///   **warning**: the page's parser stops until that origin is connected to and answers
    ///   (`html/render-blocking` reports the same element with its delay).
    /// - Anything else is **information**: where the page depends on another company's
    ///   servers, what it sends them, and what it costs (a connection to a new origin, code the
    ///   site does not control; browsers partition their cache per site since Chrome 86, so a
    ///   public CDN's copy of a library is never shared with other sites).
    /// - For the embeds and widgets the list pairs with **facades** (YouTube and Vimeo players,
    ///   Intercom, Drift, Help Scout, Freshchat, Facebook Messenger chat), the finding names them,
    ///   as Lighthouse's "Lazy load third-party resources with facades" audit does: a static
    ///   placeholder that loads the real embed when the visitor clicks.
    ///
    /// No saving is given: what a third party's script or embed downloads is decided on its
    /// servers and changes over time, and the render-blocking delay is counted once, by
    /// `html/render-blocking`.
    ///
    /// Not reported: hosts the list does not know, and platforms whose domains serve any
    /// customer's files (Amazon S3 and CloudFront, Azure, Akamai, Fastly, GitHub Pages,
    /// Netlify, Heroku and the list's `hosting` category: such a script is as likely the
    /// site's own); scripts and frames that scripts add at run time; `<noscript>` content.
    /// webaudit does not know the site's own domain: pages of a company in the list that load
    /// from that company's domains are reported too (turn the rule off for them).
    ///
    /// ## Why is this bad?
    /// Third-party code is often the heaviest part of a page that its authors did not write:
    /// tag managers load more scripts, chat widgets and video players download hundreds of
    /// kilobytes of JavaScript before anyone uses them, and each origin costs a DNS lookup and
    /// a TCP and TLS handshake. In `<head>` without `async` or `defer`, the page waits for it.
    ///
    /// ## How to fix it
    /// Load third-party scripts with `async` (independent ones: analytics, tag managers) or
    /// `defer`, and at the end of `<body>`. Replace video players and chat widgets by a facade
    /// (lite-youtube-embed, lite-vimeo-embed, react-live-chat-loader…) that loads them on
    /// interaction, or at least add `loading="lazy"` to embeds below the fold. Self-host
    /// libraries served from a public CDN with the site's own files. Remove what is no longer
    /// used.
    ///
    /// ## Options
    /// None.
    HtmlThirdParty {
        id: "html/third-party",
        summary: "Third-party scripts and iframes in static HTML, named by the third-party-web list, with facades for embeds",
        severity: Warning,
    }
}

impl Rule for HtmlThirdParty {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, context: &RuleContext, found: &mut Vec<Violation>) {
        // The list is read only for a page that loads something from another origin.
        let mut list: Option<&'static ThirdParties> = None;
        for page in &context.site.pages {
            for script in &page.html.scripts {
                if !matches!(script.kind, ScriptKind::Classic | ScriptKind::Module) {
                    continue;
                }
                let Some(src) = script.src.as_deref() else {
                    continue;
                };
                let Some((entity, host)) = known_third_party(src, &mut list) else {
                    continue;
                };
                let in_head = page
                    .html
                    .body
                    .is_some_and(|body| script.location.offset < body.offset);
                let blocking = in_head
                    && script.kind == ScriptKind::Classic
                    && !script.async_
                    && !script.defer
                    && !script.nomodule;
                let loading = if blocking {
                    ": in <head> without async or defer, the page waits for that origin before it renders (html/render-blocking counts the delay)".to_string()
                } else if script.async_ {
                    " (async)".to_string()
                } else if script.defer || script.kind == ScriptKind::Module {
                    " (deferred)".to_string()
                } else {
                    String::new()
                };
                let message = format!(
                    "<script src=\"{src}\"> loads {} from {host}{loading}{}",
                    described(entity),
                    facades(list, entity, src)
                );
                push(page, script.location, message, blocking, found);
            }
            for iframe in &page.html.iframes {
                let Some(src) = iframe.src.as_deref() else {
                    continue;
                };
                let Some((entity, host)) = known_third_party(src, &mut list) else {
                    continue;
                };
                let message = format!(
                    "<iframe src=\"{src}\"> embeds {} from {host}{}",
                    described(entity),
                    facades(list, entity, src)
                );
                push(page, iframe.location, message, false, found);
            }
        }
    }
}

/// The entity of a reference to another origin, unless it is unknown or a hosting platform.
fn known_third_party(
    src: &str,
    list: &mut Option<&'static ThirdParties>,
) -> Option<(&'static Entity, String)> {
    let host = http_host(src)?;
    let list = *list.get_or_insert_with(third_party::built_in);
    let entity = list.entity(&host)?;
    (entity.category != "hosting").then_some((entity, host))
}

fn push(
    page: &Page,
    location: crate::model::facts::location::Location,
    message: String,
    blocking: bool,
    found: &mut Vec<Violation>,
) {
    found.push(Violation {
        path: Some(page.path().to_string()),
        line: Some(location.line),
        column: Some(location.column),
        message,
        lowered: (!blocking).then_some(Severity::Info),
        ..Violation::default()
    });
}

/// `Google Tag Manager (tag manager)`.
fn described(entity: &Entity) -> String {
    let category = match entity.category {
        "ad" => "advertising",
        "tag-manager" => "tag manager",
        "customer-success" => "customer support",
        "consent-provider" => "consent management",
        "cdn" => "public CDN",
        other => other,
    };
    format!("{} ({category})", entity.name)
}

/// `; a facade can stand in for the YouTube Embedded Player until the visitor clicks: Lite
/// YouTube (https://…)`, or nothing.
fn facades(list: Option<&ThirdParties>, entity: &Entity, src: &str) -> String {
    let Some(product) = list.and_then(|list| list.product(entity, src)) else {
        return String::new();
    };
    if product.facades.is_empty() {
        return String::new();
    }
    let names: Vec<String> = product
        .facades
        .iter()
        .map(|facade| format!("{} ({})", facade.name, facade.repository))
        .collect();
    format!(
        "; a facade can stand in for the {} until the visitor interacts: {}",
        product.name,
        names.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use crate::model::finding::Severity;
    use crate::rules::tester::Folder;

    const RULE: &str = "html/third-party";

    fn page(head: &str, body: &str) -> String {
        format!(
            "<!doctype html>\n<html>\n<head>\n{head}\n</head>\n<body>\n{body}\n</body>\n</html>\n"
        )
    }

    #[test]
    fn passes_for_first_party_hosting_and_unknown_origins() {
        Folder::new()
            .file(
                "index.html",
                page(
                    concat!(
                        "<script src=/app.js></script>\n",
                        "<script src=https://gradio.s3-us-west-2.amazonaws.com/6.31.0/gradio.js type=module></script>\n",
                        "<script src=https://example.github.io/widget.js></script>\n",
                        "<script src=https://static.example-shop.com/app.js></script>\n",
                        "<script type=application/ld+json>{\"url\":\"https://www.youtube.com/embed/x\"}</script>\n",
                        "<link rel=stylesheet href=https://fonts.googleapis.com/css2?family=Lora>",
                    ),
                    "<iframe src=/embed.html></iframe><iframe src=https://maps.example.org/x></iframe>",
                ),
            )
            .file("app.js", "window.started = Date.now();\n")
            .file("embed.html", "<!doctype html><title>embed</title>")
            .passes(RULE);
    }

    #[test]
    fn a_blocking_third_party_script_in_head_is_a_warning() {
        let folder = Folder::new().file(
            "index.html",
            page(
                "<script src=\"https://cdn.jsdelivr.net/npm/dayjs@1.11.13/dayjs.min.js\"></script>",
                "<script src=\"https://cdn.jsdelivr.net/npm/dayjs@1.11.13/dayjs.min.js\"></script>",
            ),
        );
        assert_eq!(
            folder.findings(RULE),
            [
                "index.html:4:1: <script src=\"https://cdn.jsdelivr.net/npm/dayjs@1.11.13/dayjs.min.js\"> loads JSDelivr CDN (public CDN) from cdn.jsdelivr.net: in <head> without async or defer, the page waits for that origin before it renders (html/render-blocking counts the delay)",
                "index.html:7:1: <script src=\"https://cdn.jsdelivr.net/npm/dayjs@1.11.13/dayjs.min.js\"> loads JSDelivr CDN (public CDN) from cdn.jsdelivr.net",
            ]
        );
        let severities: Vec<Severity> = folder
            .findings_of(RULE)
            .iter()
            .map(|f| f.severity)
            .collect();
        assert_eq!(severities, [Severity::Warning, Severity::Info]);
        // No saving of its own: the delay is html/render-blocking's.
        assert!(folder.findings_of(RULE).iter().all(|f| f.impact.is_none()));
    }

    #[test]
    fn async_analytics_and_embeds_are_information_with_facades() {
        let folder = Folder::new().file(
            "index.html",
            page(
                "<script async src=\"https://www.googletagmanager.com/gtag/js?id=G-1\"></script>",
                concat!(
                    "<iframe src=\"https://www.youtube.com/embed/aqz-KE-bpKQ\"></iframe>\n",
                    "<script defer src=\"//widget.intercom.io/widget/abc\"></script>",
                ),
            ),
        );
        assert_eq!(
            folder.findings(RULE),
            [
                "index.html:4:1: <script src=\"https://www.googletagmanager.com/gtag/js?id=G-1\"> loads Google Tag Manager (tag manager) from www.googletagmanager.com (async)",
                "index.html:7:1: <iframe src=\"https://www.youtube.com/embed/aqz-KE-bpKQ\"> embeds YouTube (video) from www.youtube.com; a facade can stand in for the YouTube Embedded Player until the visitor interacts: Lite YouTube (https://github.com/paulirish/lite-youtube-embed), Ngx Lite Video (https://github.com/karim-mamdouh/ngx-lite-video)",
                "index.html:8:1: <script src=\"//widget.intercom.io/widget/abc\"> loads Intercom (customer support) from widget.intercom.io (deferred); a facade can stand in for the Intercom Widget until the visitor interacts: React Live Chat Loader (https://github.com/calibreapp/react-live-chat-loader), Intercom Facade (https://github.com/danielbachhuber/intercom-facade/)",
            ]
        );
        assert!(
            folder
                .findings_of(RULE)
                .iter()
                .all(|f| f.severity == Severity::Info)
        );
    }
}
