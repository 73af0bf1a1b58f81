//! `rust-version` in Cargo.toml stays true when dependencies move: no normal or build
//! dependency in Cargo.lock, on any target, may declare a higher `rust-version` than webaudit's.
//! (Dev-dependencies are left out: they are not built by `cargo install`.) The toolchain itself
//! is exercised by the release workflow's `msrv` job; the crate's own use of newer standard
//! library items by clippy's `incompatible_msrv` lint.

use std::collections::{BTreeSet, HashMap};
use std::process::Command;

use serde_json::Value;

fn parse_version(text: &str) -> (u64, u64, u64) {
    let mut parts = text.split('.').map(|part| part.parse::<u64>().unwrap());
    (
        parts.next().unwrap(),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    )
}

#[test]
fn no_dependency_needs_a_newer_rust_than_rust_version() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let metadata = || {
        Command::new(&cargo)
            .args(["metadata", "--format-version", "1", "--locked", "--offline"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("cargo metadata runs")
    };
    let mut output = metadata();
    // Metadata covers every target's dependencies; a build fetches only this platform's
    // (a fresh machine lacks the Windows-only crates): fetch the locked rest, then read.
    if !output.status.success() {
        let fetched = Command::new(&cargo)
            .args(["fetch", "--locked"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("cargo fetch runs");
        assert!(
            fetched.status.success(),
            "{}",
            String::from_utf8_lossy(&fetched.stderr)
        );
        output = metadata();
    }
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: Value = serde_json::from_slice(&output.stdout).unwrap();

    let packages: HashMap<&str, &Value> = metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|package| (package["id"].as_str().unwrap(), package))
        .collect();
    let nodes: HashMap<&str, &Value> = metadata["resolve"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|node| (node["id"].as_str().unwrap(), node))
        .collect();
    let root = metadata["resolve"]["root"].as_str().unwrap();
    let declared = packages[root]["rust_version"]
        .as_str()
        .expect("Cargo.toml sets rust-version");

    // Everything reachable from webaudit through normal and build edges.
    let mut reached = BTreeSet::new();
    let mut pending = vec![root];
    while let Some(id) = pending.pop() {
        for dependency in nodes[id]["deps"].as_array().unwrap() {
            let built = dependency["dep_kinds"]
                .as_array()
                .unwrap()
                .iter()
                .any(|kind| kind["kind"].as_str() != Some("dev"));
            let dependency_id = dependency["pkg"].as_str().unwrap();
            if built && reached.insert(dependency_id) {
                pending.push(dependency_id);
            }
        }
    }
    assert!(
        reached.len() > 100,
        "only {} dependencies found",
        reached.len()
    );

    let too_new: Vec<String> = reached
        .iter()
        .filter_map(|id| {
            let package = packages[id];
            let needs = package["rust_version"].as_str()?;
            (parse_version(needs) > parse_version(declared)).then(|| {
                format!(
                    "{} {} needs Rust {needs}",
                    package["name"].as_str().unwrap(),
                    package["version"].as_str().unwrap()
                )
            })
        })
        .collect();
    assert!(
        too_new.is_empty(),
        "rust-version is {declared} in Cargo.toml, but: {}",
        too_new.join("; ")
    );
}
