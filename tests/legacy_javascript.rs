//! `js/legacy-javascript` on a real webpack + Babel build (fixtures/legacy-js, built by its
//! build.sh): the same app compiled with `@babel/preset-env` (`useBuiltIns: 'usage'`, core-js 3)
//! for Internet Explorer 11 and for current browsers. The legacy build is compared with what
//! Lighthouse 12.8.2's `legacy-javascript` audit reported on it, served from 127.0.0.1
//! without compression (`lighthouse-12.8.2.json`, written by benches/legacy_javascript.py).

mod common;

use std::fs;

use common::*;
use serde_json::Value;

fn lighthouse() -> Value {
    let text = fs::read_to_string(fixture("legacy-js/lighthouse-12.8.2.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn the_legacy_build_is_found_within_ten_percent_of_lighthouse() {
    let (_, report) = json_report(&fixture("legacy-js/dist-legacy"), &["--no-config"]);
    let found = findings(&report, "js/legacy-javascript");
    let lighthouse = lighthouse();
    let scripts = lighthouse["scripts"].as_object().unwrap();
    assert_eq!(found.len(), scripts.len(), "{found:#?}");
    for (path, theirs) in scripts {
        let finding = found
            .iter()
            .find(|f| f["path"] == path.as_str())
            .unwrap_or_else(|| panic!("no finding for {path}: {found:#?}"));
        let wasted = theirs["wasted_bytes"].as_f64().unwrap();
        let saving = finding["saving"].as_f64().unwrap();
        assert!(
            (saving - wasted).abs() <= wasted * 0.10,
            "{path}: webaudit {saving} B, Lighthouse {wasted} B"
        );
        // Every signal Lighthouse names is in the message, but `Array.prototype.includes`,
        // which core-js 3.51 still ships to current Safari (see the rule's documentation).
        let message = finding["message"].as_str().unwrap();
        for signal in theirs["signals"].as_array().unwrap() {
            let signal = signal.as_str().unwrap();
            let short = signal
                .strip_prefix("@babel/plugin-transform-")
                .unwrap_or(signal);
            if signal == "Array.prototype.includes" {
                continue;
            }
            // The message lists six polyfills by name and counts the rest.
            if !signal.starts_with('@') && !message.contains(short) {
                assert!(message.contains("more"), "{signal} missing: {message}");
                continue;
            }
            assert!(message.contains(short), "{signal} missing: {message}");
        }
        // Attributed through the source map to the package that ships them.
        assert!(
            message.contains("(the source map has core-js "),
            "{message}"
        );
        assert!(finding["line"].as_u64().is_some() && finding["column"].as_u64().is_some());
    }
}

#[test]
fn the_modern_build_has_no_finding() {
    let (_, report) = json_report(&fixture("legacy-js/dist-modern"), &["--no-config"]);
    assert_eq!(findings(&report, "js/legacy-javascript").len(), 0);
}

#[test]
fn targeting_internet_explorer_keeps_what_it_needs() {
    let config = tempfile::tempdir().unwrap();
    let path = config.path().join("webaudit.toml");
    fs::write(&path, "[targets]\nbrowsers = \"ie 11\"\n").unwrap();
    let (_, report) = json_report(
        &fixture("legacy-js/dist-legacy"),
        &["--config", path.to_str().unwrap()],
    );
    let found = findings(&report, "js/legacy-javascript");
    // IE 11 needs every transform and every polyfill the app uses. What is left is
    // `Object.create`, which core-js ships as a dependency of other modules although IE 9 has
    // it natively (core-js-compat's data): true of the build, and named for those targets.
    assert!(found.len() <= 1, "{found:#?}");
    for finding in found {
        let message = finding["message"].as_str().unwrap();
        assert!(
            message.starts_with("ships 1 polyfill (Object.create) that the target browsers (\"ie 11\" from webaudit.toml)"),
            "{message}"
        );
    }
}

#[test]
fn a_query_webaudit_cannot_resolve_is_a_configuration_error() {
    let config = tempfile::tempdir().unwrap();
    let path = config.path().join("webaudit.toml");
    fs::write(&path, "[targets]\nbrowsers = \"netscape 4\"\n").unwrap();
    let run = run(&[
        fixture("legacy-js/dist-modern").to_str().unwrap(),
        "--config",
        path.to_str().unwrap(),
    ]);
    assert_ne!(run.code, 0);
    assert!(
        run.stderr.contains("targets.browsers") && run.stderr.contains("webaudit.toml"),
        "{}",
        run.stderr
    );
}
