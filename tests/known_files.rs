//! A re-run recognises unchanged files by their metadata and reads none of them
//! (`measure::known`), yet measures exactly what reading them would: every size and every fact
//! equal to an uncached run, after each kind of change a build makes (a file rewritten, a source
//! map changed, added or removed).

mod common;

use std::fs;
use std::path::Path;
use std::time::{Duration, SystemTime};

use webaudit::analyze::AnalyzeContext;
use webaudit::knowledge::{Knowledge, Signatures};
use webaudit::measure::cache::Cache;
use webaudit::measure::{MeasureOptions, Measured, measure};

/// Measures `root` as an audit does (sizes, facts, source maps), with the cache in `cache_dir`
/// or none. Files written by this test are seconds old: the run's clock is set a minute later,
/// so that they count as settled.
fn measure_folder(root: &Path, cache_dir: Option<&Path>) -> Measured {
    let scan = webaudit::scan::scan(root, &[]).unwrap();
    let knowledge = Knowledge::built_in();
    let signatures = Signatures::new(&knowledge);
    let reader = AnalyzeContext::new(
        &scan.files,
        signatures.as_ref(),
        knowledge.fingerprint(),
        Default::default(),
    );
    let mut cache = match cache_dir {
        Some(dir) => Cache::open(dir, "known-files test").0,
        None => Cache::disabled(),
    };
    let options = MeasureOptions {
        brotli: true,
        now: Some(SystemTime::now() + Duration::from_secs(60)),
        ..Default::default()
    };
    let measured = measure(&scan.files, options, Some(&reader), &mut cache);
    cache.save().unwrap();
    measured
}

/// Everything measuring says of each file, facts included, the same in `warm` and `cold`;
/// a failure names the first file that differs.
fn assert_same(warm: &Measured, cold: &Measured, what: &str) {
    assert!(warm.skipped.is_empty(), "{what}: {:?}", warm.skipped);
    assert!(cold.skipped.is_empty(), "{what}: {:?}", cold.skipped);
    let paths = |m: &Measured| m.assets.iter().map(|a| a.path.clone()).collect::<Vec<_>>();
    assert_eq!(paths(warm), paths(cold), "{what}");
    for (warm, cold) in warm.assets.iter().zip(&cold.assets) {
        assert_eq!(
            format!("{warm:?}"),
            format!("{cold:?}"),
            "{what}: {}",
            warm.path
        );
    }
}

/// Rewrites `path` with the same length, one byte changed, after long enough for the change
/// time to move on any file system this runs on.
fn rewrite_in_place(path: &Path, from: &[u8], to: &[u8]) {
    std::thread::sleep(Duration::from_millis(50));
    let bytes = fs::read(path).unwrap();
    let at = bytes
        .windows(from.len())
        .position(|w| w == from)
        .unwrap_or_else(|| panic!("{}: no {:?}", path.display(), from));
    let mut changed = bytes.clone();
    changed[at..at + to.len()].copy_from_slice(to);
    assert_eq!(changed.len(), bytes.len());
    fs::write(path, changed).unwrap();
}

#[test]
fn unchanged_files_are_not_read_again_and_changed_ones_are() {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path().join("site");
    // Scripts with maps, stylesheets, pages, images, icons, an SVG, precompressed copies.
    for (fixture, name) in [
        ("vite-app/dist", "vite"),
        ("treeshake-bad/dist", "treeshake"),
        ("images-good", "images"),
        ("icons", "icons"),
    ] {
        common::copy_tree(&common::fixture(fixture), &root.join(name));
    }
    let cache = tempfile::tempdir().unwrap();
    let cache = cache.path();

    let cold = measure_folder(&root, None);
    let first = measure_folder(&root, Some(cache));
    assert_eq!(first.statistics.recognised, 0);
    assert_same(&first, &cold, "first run");

    let second = measure_folder(&root, Some(cache));
    let files = second.assets.len() as u64;
    assert_eq!(second.statistics.recognised, files, "every file recognised");
    assert_eq!(second.statistics.compressions, 0);
    assert_eq!(second.statistics.analyses, 0);
    assert_same(&second, &cold, "second run");

    // Each change, then: the changed files are read again, and everything measured equals an
    // uncached run over the folder as it now is.
    let check = |what: &str, reread: u64| {
        let warm = measure_folder(&root, Some(cache));
        let cold = measure_folder(&root, None);
        assert_same(&warm, &cold, what);
        let files = warm.assets.len() as u64;
        assert_eq!(
            warm.statistics.recognised,
            files - reread,
            "{what}: {reread} file(s) read again"
        );
        // And the run after that reads nothing.
        let again = measure_folder(&root, Some(cache));
        assert_eq!(
            again.statistics.recognised, files,
            "{what}: then recognised"
        );
        assert_same(&again, &cold, what);
    };

    let assets = root.join("vite/assets");
    // A script rewritten with the same size: read, and its map with it (its worker reads the
    // map to analyse the script).
    rewrite_in_place(&assets.join("about-Bya-HQu9.js"), b"about", b"abaut");
    check("a script rewritten", 2);
    // Its map rewritten: the map, and the script whose facts depend on it, are read.
    rewrite_in_place(
        &assets.join("chart-PeU972xK.js.map"),
        b"\"version\":3",
        b"\"version\":4",
    );
    check("a map rewritten", 2);
    // A map removed: the script's facts change, from the script's bytes.
    fs::remove_file(assets.join("main-D7fafypN.js.map")).unwrap();
    check("a map removed", 1);
    // A map added back: the script and the new map are read.
    std::thread::sleep(Duration::from_millis(50));
    fs::copy(
        common::fixture("vite-app/dist/assets/main-D7fafypN.js.map"),
        assets.join("main-D7fafypN.js.map"),
    )
    .unwrap();
    check("a map added", 2);
    // A precompressed copy's original grows: the copy's facts depend on that size.
    let page = root.join("images/index.html");
    std::thread::sleep(Duration::from_millis(50));
    let mut html = fs::read(&page).unwrap();
    html.extend_from_slice(b"\n<!-- more -->\n");
    fs::write(&page, html).unwrap();
    check("an original grows", 1);
    // An image replaced by another of the same name.
    std::thread::sleep(Duration::from_millis(50));
    fs::copy(
        root.join("images/img/wood-320.jpg"),
        root.join("images/img/aqua-320.jpg"),
    )
    .unwrap();
    check("an image replaced", 1);
}

/// Without a persistent cache nothing is recorded, and files a moment old (which could still
/// change within their timestamps' resolution) are read every time.
#[test]
fn files_that_may_still_change_are_read_every_time() {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path();
    fs::write(root.join("data.json"), "[1, 2, 3]\n".repeat(50)).unwrap();
    let cache = tempfile::tempdir().unwrap();
    let run = || {
        let scan = webaudit::scan::scan(root, &[]).unwrap();
        let mut cache = Cache::open(cache.path(), "known-files test").0;
        let measured = measure(&scan.files, MeasureOptions::default(), None, &mut cache);
        cache.save().unwrap();
        measured
    };
    // Both runs come well within `known::SETTLE` of the write.
    assert_eq!(run().statistics.recognised, 0);
    assert_eq!(run().statistics.recognised, 0);
    // Once settled, the next run makes the record and the one after uses it.
    let later = SystemTime::now() + Duration::from_secs(60);
    let settled = || {
        let scan = webaudit::scan::scan(root, &[]).unwrap();
        let mut cache = Cache::open(cache.path(), "known-files test").0;
        let options = MeasureOptions {
            now: Some(later),
            ..Default::default()
        };
        let measured = measure(&scan.files, options, None, &mut cache);
        cache.save().unwrap();
        measured
    };
    assert_eq!(settled().statistics.recognised, 0);
    assert_eq!(settled().statistics.recognised, 1);
    let mut disabled = Cache::disabled();
    let scan = webaudit::scan::scan(root, &[]).unwrap();
    let options = MeasureOptions {
        now: Some(later),
        ..Default::default()
    };
    let measured = measure(&scan.files, options, None, &mut disabled);
    assert_eq!(measured.statistics.recognised, 0);
    assert_eq!(disabled.len(), 1, "the gzip size only: no record");
}
