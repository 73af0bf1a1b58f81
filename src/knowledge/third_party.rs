//! Which company a script's or frame's host belongs to and what it does: the entity list of
//! third-party-web (Patrick Hulce, MIT licence; the list Lighthouse names third parties with),
//! derived into `third_party.tsv` by `third_party.py` beside this file and compiled into the
//! binary. A host is matched as third-party-web's own `getEntity` matches it: the exact domain
//! first, then each wildcard parent domain (`*.youtube.com`), then the wildcard root domain.
//! Products (the YouTube embed, a chat widget) are matched on the whole URL, and name the
//! facades that can stand in for them.

use foldhash::{HashMap, HashMapExt};
use std::sync::LazyLock;

/// The derived list (see its header for the source, the licence and what was changed).
pub const BUILT_IN: &str = include_str!("third_party.tsv");

/// A company or service that pages load scripts and frames from.
#[derive(Debug, PartialEq, Eq)]
pub struct Entity {
    pub name: &'static str,
    /// third-party-web's category: `ad`, `analytics`, `social`, `video`, `utility`, `hosting`,
    /// `marketing`, `customer-success`, `content`, `cdn`, `tag-manager`, `consent-provider`,
    /// `other`.
    pub category: &'static str,
}

/// One integration of an entity that a facade can replace.
#[derive(Debug)]
pub struct Product {
    pub name: &'static str,
    entity: usize,
    patterns: Vec<UrlPattern>,
    pub facades: Vec<Facade>,
}

#[derive(Debug)]
enum UrlPattern {
    Contains(&'static str),
    Matches(regex::Regex),
}

/// A light element that looks like the product and loads it when the visitor interacts.
#[derive(Debug, PartialEq, Eq)]
pub struct Facade {
    pub name: &'static str,
    pub repository: &'static str,
}

/// The entity list, indexed for host lookups.
#[derive(Debug)]
pub struct ThirdParties {
    entities: Vec<Entity>,
    /// Domains written without a wildcard: only that host.
    by_domain: HashMap<&'static str, usize>,
    /// `*.a.b.example` below a root domain: that domain and its subdomains.
    by_subdomain: HashMap<&'static str, usize>,
    /// `*.example.com`: the root domain and every host under it.
    by_root: HashMap<&'static str, usize>,
    products: Vec<Product>,
}

static BUILT_IN_LIST: LazyLock<ThirdParties> = LazyLock::new(|| {
    ThirdParties::parse(BUILT_IN)
        .unwrap_or_else(|error| panic!("src/knowledge/third_party.tsv is invalid: {error}"))
});

/// The built-in list, read on first use (a few milliseconds, only for audits of pages that load
/// something from another origin).
pub fn built_in() -> &'static ThirdParties {
    &BUILT_IN_LIST
}

impl ThirdParties {
    /// Reads the TSV format `third_party.py` writes (see the header of `third_party.tsv`).
    pub fn parse(text: &'static str) -> Result<ThirdParties, String> {
        let mut list = ThirdParties {
            entities: Vec::new(),
            by_domain: HashMap::new(),
            by_subdomain: HashMap::new(),
            by_root: HashMap::new(),
            products: Vec::new(),
        };
        for (number, line) in text.lines().enumerate() {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let fields: Vec<&'static str> = line.split('\t').collect();
            let bad = |why: &str| format!("line {}: {why}", number + 1);
            match fields[..] {
                ["entity", name, category, domains] => {
                    let index = list.entities.len();
                    list.entities.push(Entity { name, category });
                    // An entity may list no domain yet (third-party-web keeps some for
                    // their products or history): nothing maps to it.
                    for domain in domains.split(' ').filter(|_| !domains.is_empty()) {
                        let (map, key) = match domain.strip_prefix("*.") {
                            Some(wildcard) if root_domain(wildcard) == wildcard => {
                                (&mut list.by_root, wildcard)
                            }
                            Some(wildcard) => (&mut list.by_subdomain, wildcard),
                            None => (&mut list.by_domain, domain),
                        };
                        if key.is_empty() || map.insert(key, index).is_some() {
                            return Err(bad(&format!("domain {domain:?} is empty or repeated")));
                        }
                    }
                }
                ["product", entity, name, patterns] => {
                    let entity = list
                        .entities
                        .iter()
                        .position(|e| e.name == entity)
                        .ok_or_else(|| bad(&format!("no entity {entity:?} before it")))?;
                    let patterns = patterns
                        .split(' ')
                        .map(|pattern| match pattern.strip_prefix("REGEXP:") {
                            Some(expression) => regex::Regex::new(expression)
                                .map(UrlPattern::Matches)
                                .map_err(|e| bad(&e.to_string())),
                            None => Ok(UrlPattern::Contains(pattern)),
                        })
                        .collect::<Result<_, _>>()?;
                    list.products.push(Product {
                        name,
                        entity,
                        patterns,
                        facades: Vec::new(),
                    });
                }
                ["facade", product, name, repository] => {
                    let product = list
                        .products
                        .iter_mut()
                        .find(|p| p.name == product)
                        .ok_or_else(|| bad(&format!("no product {product:?} before it")))?;
                    product.facades.push(Facade { name, repository });
                }
                _ => return Err(bad("not an entity, product or facade line")),
            }
        }
        Ok(list)
    }

    /// The entity `host` (lowercase, as [`crate::analyze::url::http_host`] gives it) belongs to.
    pub fn entity(&self, host: &str) -> Option<&Entity> {
        let index = self.by_domain.get(host).copied().or_else(|| {
            let root = root_domain(host);
            let mut domain = host;
            while domain.len() > root.len() {
                if let Some(&index) = self.by_subdomain.get(domain) {
                    return Some(index);
                }
                domain = domain.split_once('.').map_or(root, |(_, parent)| parent);
            }
            self.by_root.get(root).copied()
        })?;
        self.entities.get(index)
    }

    /// The product of `entity` that `url` loads, if the list knows it.
    pub fn product(&self, entity: &Entity, url: &str) -> Option<&Product> {
        self.products.iter().find(|product| {
            std::ptr::eq(&self.entities[product.entity], entity)
                && product.patterns.iter().any(|pattern| match pattern {
                    UrlPattern::Contains(text) => url.contains(text),
                    UrlPattern::Matches(expression) => expression.is_match(url),
                })
        })
    }

    pub fn len(&self) -> usize {
        self.entities.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entities.is_empty()
    }
}

/// The registrable part of a host as third-party-web approximates it: the last two labels, or
/// three when the second-level one is `gov`, `com`, `co` or `ne` under a two-letter country
/// (`bbc.co.uk`, `globo.com.br`). An IPv4 address is its own root.
fn root_domain(host: &str) -> &str {
    let is_ipv4 = host.split('.').count() == 4
        && host
            .split('.')
            .all(|part| (1..=3).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_digit()));
    if is_ipv4 {
        return host;
    }
    let labels: Vec<&str> = host.rsplitn(4, '.').collect();
    let country_second_level = labels.len() >= 3
        && labels[0].len() == 2
        && labels[0]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && matches!(labels[1], "gov" | "com" | "co" | "ne");
    let keep = if country_second_level { 3 } else { 2 };
    let kept: usize = labels
        .iter()
        .take(keep)
        .map(|label| label.len() + 1)
        .sum::<usize>()
        .saturating_sub(1);
    &host[host.len().saturating_sub(kept)..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_domains_as_third_party_web_computes_them() {
        for (host, root) in [
            ("www.googletagmanager.com", "googletagmanager.com"),
            ("googletagmanager.com", "googletagmanager.com"),
            ("a.b.bbc.co.uk", "bbc.co.uk"),
            ("x.globo.com.br", "globo.com.br"),
            ("adservice.google.com.au", "google.com.au"),
            ("example.org.uk", "org.uk"),
            ("localhost", "localhost"),
            ("10.0.0.1", "10.0.0.1"),
        ] {
            assert_eq!(root_domain(host), root, "{host}");
        }
    }

    #[test]
    fn the_built_in_list_names_hosts_like_third_party_web() {
        let list = built_in();
        assert!(list.len() > 2000, "{} entities", list.len());
        let name = |host: &str| list.entity(host).map(|e| (e.name, e.category));
        // Wildcard root domain, exact domains, wildcard subdomains.
        assert_eq!(
            name("www.googletagmanager.com"),
            Some(("Google Tag Manager", "tag-manager"))
        );
        assert_eq!(
            name("googletagmanager.com"),
            Some(("Google Tag Manager", "tag-manager"))
        );
        assert_eq!(name("fonts.googleapis.com"), Some(("Google Fonts", "cdn")));
        assert_eq!(name("ajax.googleapis.com"), Some(("Google CDN", "cdn")));
        assert_eq!(name("i.ytimg.com"), Some(("YouTube", "video")));
        assert_eq!(
            name("pagead2.googlesyndication.com"),
            Some(("Google/Doubleclick Ads", "ad"))
        );
        // Platforms that serve their customers' own files are filed under hosting.
        assert_eq!(
            name("gradio.s3-us-west-2.amazonaws.com"),
            Some(("Amazon Web Services", "hosting"))
        );
        assert_eq!(name("example.github.io").map(|n| n.1), Some("hosting"));
        // An exact domain does not cover its subdomains; unknown hosts are nobody's.
        assert_eq!(name("sub.fonts.googleapis.com"), None);
        assert_eq!(name("static.example.com"), None);
        assert_eq!(name("com"), None);
    }

    #[test]
    fn products_and_their_facades() {
        let list = built_in();
        let youtube = list.entity("www.youtube.com").unwrap();
        let embed = list
            .product(youtube, "https://www.youtube.com/embed/aqz-KE-bpKQ")
            .unwrap();
        assert_eq!(embed.name, "YouTube Embedded Player");
        assert_eq!(
            embed.facades[0],
            Facade {
                name: "Lite YouTube",
                repository: "https://github.com/paulirish/lite-youtube-embed"
            }
        );
        assert!(
            list.product(youtube, "https://www.youtube.com/iframe_api")
                .is_none()
        );
        let facebook = list.entity("connect.facebook.net").unwrap();
        let chat = list
            .product(
                facebook,
                "https://connect.facebook.net/en_US/sdk/xfbml.customerchat.js",
            )
            .unwrap();
        assert_eq!(chat.name, "Facebook Messenger Customer Chat");
        assert!(
            list.product(facebook, "https://connect.facebook.net/en_US/sdk.js")
                .is_none()
        );
    }

    #[test]
    fn an_entity_without_domains_is_read() {
        let list = ThirdParties::parse("entity\tClickio\tad\t\nentity\tB\tad\tb.com").unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(list.entity("b.com").map(|e| e.name), Some("B"));
    }

    #[test]
    fn malformed_lists_are_refused_with_the_line() {
        for (text, error) in [
            (
                "entity\tA\tad\t*.a.com\nentity\tB\tad\ta.com *.a.com",
                "line 2",
            ),
            ("product\tNobody\tWidget\tx.com/w", "line 1: no entity"),
            (
                "facade\tWidget\tLite\thttps://example.com",
                "line 1: no product",
            ),
            ("entity\tA\tad", "line 1: not an entity"),
            ("entity\tA\tad\ta.com  b.com", "line 1: domain \"\""),
            ("entity\tA\tad\ta.com\nproduct\tA\tW\tREGEXP:(", "line 2"),
        ] {
            let refused = ThirdParties::parse(text).unwrap_err();
            assert!(refused.starts_with(error), "{refused}");
        }
    }
}
