//! The source-map reader (`analyze::sourcemap`): `attribute` (every byte of a generated file to
//! its sources, as the audit runs it for each script and stylesheet with a map), the
//! `sourceMappingURL` comment and inline `data:` maps, `original_positions` and `package_of`.
//!
//! Input: the generated file, a 0xFF byte, then the map JSON (0xFF never occurs in UTF-8, so
//! neither part of a real pair contains it). Without a 0xFF the whole input is the generated
//! file and its map is the inline `data:` URL of its `sourceMappingURL` comment, if any, as
//! `analyze::find_map` reads it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use webaudit::analyze::sourcemap::{self, Lookup};
use webaudit_fuzz::{check, split_at_byte};

const MAP_PATH: &str = "assets/index-3f2a.js.map";

fuzz_target!(|data: &[u8]| {
    let (generated, map) = split_at_byte(data, 0xFF);
    let declared = sourcemap::source_mapping_url(generated);
    let inline;
    let map: &[u8] = if data.contains(&0xFF) {
        map
    } else {
        match declared.as_deref().and_then(sourcemap::decode_data_url) {
            Some(bytes) => {
                inline = bytes;
                &inline
            }
            None => return,
        }
    };

    let attribution = match sourcemap::attribute(generated, map, MAP_PATH) {
        Ok(attribution) => attribution,
        Err(_) => {
            // Still exercise the lookups on maps attribution refuses (they parse on their own).
            let _ = sourcemap::original_positions(
                map,
                MAP_PATH,
                &[Lookup::Generated { line: 0, column: 0 }],
            );
            return;
        }
    };
    let len = generated.len() as u64;
    check(attribution.generated_bytes == len, || {
        format!("generated_bytes {} != {len}", attribution.generated_bytes)
    });
    let mapped = attribution.mapped_bytes();
    check(
        mapped + attribution.unmapped + attribution.line_terminators == len,
        || {
            format!(
                "mapped {mapped} + unmapped {} + EOLs {} != {len}",
                attribution.unmapped, attribution.line_terminators
            )
        },
    );
    check(attribution.sources.iter().all(|s| s.bytes > 0), || {
        "a source with 0 bytes is listed".to_owned()
    });
    check(
        attribution
            .sources
            .windows(2)
            .all(|w| w[0].bytes > w[1].bytes || (w[0].bytes == w[1].bytes && w[0].source <= w[1].source)),
        || "sources not sorted by bytes then name".to_owned(),
    );
    let packages = attribution.by_package();
    let in_packages: u64 = packages.iter().map(|p| p.bytes).sum();
    check(in_packages <= mapped, || {
        format!("packages hold {in_packages} bytes of {mapped} mapped")
    });

    let mut lookups = vec![
        Lookup::Generated { line: 0, column: 0 },
        Lookup::Generated { line: 0, column: 40 },
        Lookup::Generated { line: 2, column: 3 },
    ];
    if let Some(first) = attribution.sources.first() {
        lookups.push(Lookup::FirstInto(&first.source));
    }
    match sourcemap::original_positions(map, MAP_PATH, &lookups) {
        Ok(found) => {
            check(found.len() == lookups.len(), || {
                format!("{} answers for {} lookups", found.len(), lookups.len())
            });
        }
        Err(error) => check(false, || {
            format!("attribute read the map but original_positions refused it: {error}")
        }),
    }
});
