//! What each finding costs a visitor: the bytes its fix saves on the wire, whether those bytes
//! are on the critical path of a first visit, and the milliseconds they take under named network
//! profiles; from that, a priority (P0–P3) that ranks findings. Severity gates a build; priority
//! only orders what to fix first.
//!
//! The model is Lighthouse's simple transfer estimate: `bytes × 8 / throughput`, plus one round
//! trip for every request a fix removes (a request that fails still costs its round trip). It
//! ignores CPU cost (parsing, compiling and running JavaScript, decoding images), caching (a
//! repeat visit pays nothing), HTTP/2 multiplexing and TCP slow start (bytes of parallel requests
//! are counted as if sent one after another at full throughput), and the server's think time.

use foldhash::{HashSet, HashSetExt};

use crate::model::finding::Finding;
use crate::pages::PageLoad;
use crate::site::Site;

pub use crate::model::impact::*;

/// The files a first visit needs before a page renders, over every page.
pub fn critical_files(
    site: &Site,
    pages: &[PageLoad],
    layouts: &crate::layout::Layouts,
    above_the_fold: usize,
) -> HashSet<String> {
    let mut files = HashSet::new();
    for page in pages {
        files.insert(page.page.clone());
        files.extend(page.initial_scripts.files.iter().cloned());
        files.extend(page.initial_stylesheets.files.iter().cloned());
    }
    for page in &site.pages {
        let guesses = crate::layout::fold::fold_verdicts(
            page.html,
            layouts.page(page.path()),
            above_the_fold,
        );
        for guess in guesses.iter().filter(|g| !g.below) {
            let crate::analyze::fold::Element::Image(index) = guess.element else {
                continue;
            };
            let Some(tag) = page.html.images.get(index) else {
                continue;
            };
            for image in page.images.iter().filter(|i| std::ptr::eq(i.tag, tag)) {
                files.extend(image.targets.iter().map(|(path, _)| path.clone()));
            }
        }
        for request in &page.image_requests {
            if request.holder == crate::site::ImageHolder::Preload {
                files.insert(request.target.clone());
            }
        }
        // The LCP image at either viewport, whatever shows it (a CSS background, an image a
        // script sets): the largest paint waits for it.
        if let Some(layout) = layouts.page(page.path()) {
            for viewport in [crate::layout::MOBILE.name, crate::layout::DESKTOP.name] {
                if let Some((_, Some(element))) =
                    crate::layout::fold::lcp_candidate(layout, viewport)
                    && let Some(file) = &element.current_file
                {
                    files.insert(file.clone());
                }
            }
        }
    }
    files
}

/// Fills in the impact of every finding that saves bytes or requests, ranked under `profile`.
pub fn assess(
    findings: &mut [Finding],
    assets: &[crate::measure::Asset],
    critical: &HashSet<String>,
    profile: Profile,
) {
    let by_path: foldhash::HashMap<&str, &crate::measure::Asset> =
        assets.iter().map(|a| (a.path.as_str(), a)).collect();
    for finding in findings.iter_mut() {
        let subject = finding.subject.as_deref().or(finding.path.as_deref());
        let asset = subject.and_then(|path| by_path.get(path).copied());
        let requests = u64::from(finding.rule == "references/missing") + finding.round_trips;
        let deferred = finding.deferred.filter(|&raw| raw > 0).map_or(0, |bytes| {
            if finding.deferred_on_wire {
                bytes
            } else {
                on_the_wire(bytes, asset)
            }
        });
        let Some(bytes) =
            wire_saving(finding, asset).or((requests > 0 || deferred > 0).then_some(0))
        else {
            continue;
        };
        let critical_path = subject.is_some_and(|path| critical.contains(path));
        // Deferred bytes still travel, but the first paint stops waiting for them.
        let delayed = bytes + deferred;
        let ms = ProfileMilliseconds {
            mobile: MOBILE.milliseconds(delayed, requests),
            desktop: DESKTOP.milliseconds(delayed, requests),
            slow3g: SLOW_3G.milliseconds(delayed, requests),
        };
        finding.impact = Some(Impact {
            bytes,
            deferred_bytes: deferred,
            requests,
            critical_path,
            ms,
            priority: priority(ms.of(profile), critical_path),
        });
    }
}

/// The bytes a finding's fix saves on the wire. Rules state savings in raw bytes except where
/// the saving is the compression itself; a raw saving inside a file served compressed shrinks
/// the transfer by about the file's own compression ratio.
fn wire_saving(finding: &Finding, asset: Option<&crate::measure::Asset>) -> Option<u64> {
    let saving = finding.saving?;
    if saving == 0 {
        return None;
    }
    // `compression/missing` states raw − gzip: the wire saving itself.
    if finding.rule == "compression/missing" {
        return Some(saving);
    }
    Some(on_the_wire(saving, asset))
}

/// `raw` bytes of `asset` as they travel: at the file's own compression ratio when it is served
/// compressed.
fn on_the_wire(raw_bytes: u64, asset: Option<&crate::measure::Asset>) -> u64 {
    let Some(asset) = asset else {
        return raw_bytes;
    };
    match (asset.format.compressible(), asset.transfer(), asset.raw) {
        (true, transfer, raw) if raw > 0 && transfer < raw => {
            (raw_bytes as u128 * transfer as u128 / raw as u128) as u64
        }
        _ => raw_bytes,
    }
}

/// The findings with an impact, most costly first under `profile`: critical-path savings before
/// others of the same priority, then by milliseconds, then by bytes.
pub fn ranked(findings: &[Finding], profile: Profile) -> Vec<&Finding> {
    let mut ranked: Vec<&Finding> = findings.iter().filter(|f| f.impact.is_some()).collect();
    ranked.sort_by(|a, b| {
        let (a, b) = (a.impact.as_ref().unwrap(), b.impact.as_ref().unwrap());
        a.priority
            .cmp(&b.priority)
            .then(b.critical_path.cmp(&a.critical_path))
            .then(b.ms.of(profile).cmp(&a.ms.of(profile)))
            .then(b.bytes.cmp(&a.bytes))
    });
    ranked
}

/// The report's ranked list: every finding with a saving, most costly first (see [`ranked`]).
pub fn opportunities(findings: &[Finding], profile: Profile) -> Vec<Opportunity> {
    let index: foldhash::HashMap<*const Finding, usize> = findings
        .iter()
        .enumerate()
        .map(|(i, f)| (f as *const Finding, i))
        .collect();
    ranked(findings, profile)
        .into_iter()
        .filter_map(|finding| {
            let impact = finding.impact.as_ref()?;
            Some(Opportunity {
                finding: index[&(finding as *const Finding)],
                rule: finding.rule,
                path: finding.subject.clone().or_else(|| finding.path.clone()),
                priority: impact.priority,
                critical_path: impact.critical_path,
                bytes: impact.bytes,
                deferred_bytes: impact.deferred_bytes,
                ms: impact.ms.of(profile),
            })
        })
        .collect()
}

/// The first screen of a report: every budget against its target, the heaviest first visit
/// (its initial JS and CSS, requests and estimated transfer time under `profile`), and what
/// the site transfers by type.
///
/// The transfer time of a first visit is the page's HTML and initial scripts and stylesheets at
/// the profile's throughput, plus one round trip for the page and one for its resources (HTTP/2
/// requests them in parallel); images, fonts and what scripts fetch later are left out.
pub fn scorecard(
    assets: &[crate::measure::Asset],
    pages: &[PageLoad],
    budgets: &[crate::budget::BudgetCheck],
    profile: Profile,
) -> crate::model::scorecard::Scorecard {
    use crate::kind::AssetKind;
    use crate::model::scorecard::{ScoreRow, Scorecard, Unit};

    let row = |metric: &str, subject: Option<String>, unit: Unit, current: u64| ScoreRow {
        metric: metric.to_string(),
        subject,
        unit,
        current,
        target: None,
        passed: None,
        origin: None,
    };
    let mut rows: Vec<ScoreRow> = budgets
        .iter()
        .map(|check| ScoreRow {
            metric: format!("{}, {}", check.name, check.measure),
            subject: check.path.clone(),
            unit: if check.measure == "requests" {
                Unit::Requests
            } else {
                Unit::Bytes
            },
            current: check.actual,
            target: Some(check.limit),
            passed: Some(check.passed),
            origin: Some(check.origin.clone()),
        })
        .collect();

    let transfer_by_path: foldhash::HashMap<&str, u64> = assets
        .iter()
        .map(|a| (a.path.as_str(), a.transfer()))
        .collect();
    let transfer_of = |path: &str| transfer_by_path.get(path).copied().unwrap_or(0);
    let first_visit = |page: &PageLoad| {
        transfer_of(&page.page) + page.initial_scripts.gzip + page.initial_stylesheets.gzip
    };
    let heaviest = pages.iter().max_by(|a, b| {
        first_visit(a)
            .cmp(&first_visit(b))
            .then(b.page.cmp(&a.page))
    });
    if let Some(page) = heaviest {
        let resources =
            (page.initial_scripts.files.len() + page.initial_stylesheets.files.len()) as u64;
        let round_trips = 1 + u64::from(resources > 0);
        rows.push(row(
            "initial JS, transfer",
            Some(page.page.clone()),
            Unit::Bytes,
            page.initial_scripts.gzip,
        ));
        rows.push(row(
            "initial CSS, transfer",
            Some(page.page.clone()),
            Unit::Bytes,
            page.initial_stylesheets.gzip,
        ));
        rows.push(row(
            "requests (page, initial JS and CSS)",
            Some(page.page.clone()),
            Unit::Requests,
            1 + resources,
        ));
        rows.push(row(
            "first-visit transfer time",
            Some(page.page.clone()),
            Unit::Milliseconds,
            profile.milliseconds(first_visit(page), round_trips),
        ));
    }
    // Scripts and stylesheets are the total budget's figure when there is one.
    let has_total_budget = budgets.iter().any(|c| c.rule == "budget/total");
    let transfer_of_kinds = |kinds: &[AssetKind]| -> u64 {
        assets
            .iter()
            .filter(|a| kinds.contains(&a.kind))
            .map(|a| a.transfer())
            .sum()
    };
    if !has_total_budget {
        rows.push(row(
            "scripts and stylesheets, transfer",
            None,
            Unit::Bytes,
            transfer_of_kinds(&[AssetKind::Script, AssetKind::Stylesheet]),
        ));
    }
    for kind in [AssetKind::Image, AssetKind::Font] {
        let transfer = transfer_of_kinds(&[kind]);
        if transfer > 0 {
            rows.push(row(
                &format!("all {}s, transfer", kind.name()),
                None,
                Unit::Bytes,
                transfer,
            ));
        }
    }
    let all: u64 = assets
        .iter()
        .filter(|a| a.counted())
        .map(|a| a.transfer())
        .sum();
    rows.push(row("all files, transfer", None, Unit::Bytes, all));
    Scorecard {
        profile: profile.name,
        heaviest_page: heaviest.map(|p| p.page.clone()),
        heaviest_page_incomplete: heaviest.is_some_and(|p| {
            !p.missing.is_empty() || !p.unmeasured.is_empty() || !p.incomplete.is_empty()
        }),
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::finding::{Severity, Violation};

    fn finding(rule: &'static str, path: &str, bytes: u64, critical_path: bool) -> Finding {
        let mut finding = Finding::new(
            rule,
            Severity::Warning,
            Violation {
                path: Some(path.to_string()),
                saving: Some(bytes),
                ..Violation::default()
            },
        );
        let ms = ProfileMilliseconds {
            mobile: MOBILE.milliseconds(bytes, 0),
            desktop: DESKTOP.milliseconds(bytes, 0),
            slow3g: SLOW_3G.milliseconds(bytes, 0),
        };
        finding.impact = Some(Impact {
            bytes,
            deferred_bytes: 0,
            requests: 0,
            critical_path,
            ms,
            priority: priority(ms.mobile, critical_path),
        });
        finding
    }

    #[test]
    fn ranking_puts_priority_then_the_critical_path_then_time_first() {
        let findings = vec![
            // 20 kB on the first visit: 98 ms, P2.
            finding("minify/js", "small-initial.js", 20_000, true),
            // 300 kB lazy: 1465 ms, P0 off the path -> P1.
            finding("compression/missing", "lazy.js", 300_000, false),
            // 50 kB on the path: 245 ms, P1; ranks above the lazy P1 though it saves less.
            finding("images/oversized", "hero.jpg", 50_000, true),
            // 250 kB on the path: 1221 ms, P0.
            finding("images/modern-format", "banner.png", 250_000, true),
            // No saving: not ranked.
            Finding::new("budget/total", Severity::Error, Violation::default()),
        ];
        let order: Vec<&str> = ranked(&findings, MOBILE)
            .iter()
            .map(|f| f.path.as_deref().unwrap())
            .collect();
        assert_eq!(
            order,
            ["banner.png", "hero.jpg", "lazy.js", "small-initial.js"]
        );
        let listed = opportunities(&findings, MOBILE);
        assert_eq!(listed[0].finding, 3);
        assert_eq!(listed[0].priority, Priority::P0);
        assert_eq!(listed[0].ms, 1221);
        assert_eq!(listed.len(), 4);
    }

    #[test]
    fn a_raw_saving_in_a_compressed_file_counts_at_its_ratio() {
        let asset = crate::measure::Asset {
            raw: 100_000,
            gzip: Some(25_000),
            format: crate::kind::Format::Js,
            ..test_asset()
        };
        let minify = Finding::new(
            "minify/js",
            Severity::Warning,
            Violation {
                saving: Some(40_000),
                ..Violation::default()
            },
        );
        assert_eq!(wire_saving(&minify, Some(&asset)), Some(10_000));
        // compression/missing states raw - gzip: already what the wire saves.
        let missing = Finding {
            rule: "compression/missing",
            ..minify.clone()
        };
        assert_eq!(wire_saving(&missing, Some(&asset)), Some(40_000));
        // An image travels as it is.
        let image = crate::measure::Asset {
            format: crate::kind::Format::Jpeg,
            gzip: None,
            ..asset
        };
        assert_eq!(wire_saving(&minify, Some(&image)), Some(40_000));
    }

    fn test_asset() -> crate::measure::Asset {
        crate::measure::Asset {
            path: "app.js".into(),
            file: "app.js".into(),
            kind: crate::kind::AssetKind::Script,
            format: crate::kind::Format::Js,
            raw: 0,
            gzip: None,
            brotli: None,
            hash: String::new(),
            content_hash: [0; 32],
            extension_mismatch: false,
            original: None,
            variants: Vec::new(),
            facts: crate::analyze::Facts::None,
            encoded_only: None,
            composition: None,
        }
    }
}
