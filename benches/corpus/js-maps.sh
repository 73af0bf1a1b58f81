#!/usr/bin/env bash
# Builds the JS-analysis corpus: real minified JavaScript bundles copied out of pinned npm
# packages TOGETHER WITH THE SOURCE MAPS THE PACKAGES SHIP, so that the JS-analysis benchmark
# (benches/js_analysis.rs) lexes imports and attributes bytes to sources on what web apps
# actually ship.
#
# usage: benches/corpus/js-maps.sh OUT_DIR
#
# - Packages are fetched with `npm pack NAME@VERSION` (tarball only, no dependencies, no
#   install scripts) into the cache shared with js-css.sh, benches/work/npm (git-ignored;
#   override with JS_MAPS_CACHE=DIR), checked against the pinned sha512 integrity, and unpacked
#   once.
# - Each listed script is copied to OUT_DIR/<package-slug>/<path in package>, and its map to
#   OUT_DIR/<package-slug>/<path of the map in package>: the package's own layout is kept, so
#   every `//# sourceMappingURL=` comment still points at its map (monaco-editor's
#   `../../../min-maps/vs/editor/editor.main.js.map` included). The map is the file that comment
#   names; a script without the comment (jquery.min.js) is listed as `JS=MAP` and its map is
#   copied next to it as `JS.map`, the sibling name webaudit (and source-map-explorer) look for.
#   Script bytes are never modified.
# - Every map is checked: it must exist inside the package and be JSON with `"version": 3` and
#   `mappings` (or `sections`). A listed script without a usable map is an error.
# - OUT_DIR/MANIFEST.tsv lists: file (relative to OUT_DIR), package@version, bytes, map (relative
#   to OUT_DIR), map bytes.
# - Re-runnable: when OUT_DIR/MANIFEST.tsv already equals the manifest this spec produces and
#   every listed file is present with its size (and nothing else), nothing is copied.
# Only .js/.mjs scripts and their .map files are taken.
set -euo pipefail
shopt -s nullglob globstar

if [[ $# -ne 1 || "$1" == -* ]]; then
  echo "usage: $0 OUT_DIR" >&2
  exit 2
fi
OUT_DIR=$1

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BENCHES_DIR=$(dirname "$SCRIPT_DIR")
CACHE_DIR=${JS_MAPS_CACHE:-$BENCHES_DIR/work/npm}

for tool in npm node tar; do
  command -v "$tool" >/dev/null || { echo "error: '$tool' is required (apt-get install nodejs npm)" >&2; exit 2; }
done

# One line per package: NAME@VERSION, sha512 integrity of its tarball, then the scripts
# (globs relative to the package root; bash globstar; each must match at least one file), or
# `JS=MAP` for a script whose map is not named by a sourceMappingURL comment.
# Approximate script bytes (map bytes) in the comments, to keep the mix visible.
#
# Checked and left out (no .map for their minified builds in these versions): react-dom 18,
# three 0.160, vue 3.4, d3 7, lodash, plotly.js-dist-min, katex, mathjax; echarts 5.5 and
# pdfjs-dist 3.11 / 4.10 ship maps only for their unminified builds (and pdf.sandbox, mostly an
# inlined wasm string).
SPEC=$(cat <<'EOF'
monaco-editor@0.45.0	sha512-mjv1G1ZzfEE3k9HZN0dQ2olMdwIfaeAAjFiwNprLfYNRSz7ctv9XuCT7gPtBGrMUeV1/iZzYKj17Khu1hxoHOA==	min/vs/editor/editor.main.js min/vs/editor/editor.main.nls*.js min/vs/base/worker/workerMain.js min/vs/loader.js min/vs/base/common/worker/simpleWorker.nls*.js
@tensorflow/tfjs@4.22.0	sha512-0TrIrXs6/b7FLhLVNmfh8Sah6JgjBPH4mZ8JGb7NU6WW+cx00qK5BcAZxw7NCzxj6N8MRAIfHq+oNbPUNG5VAg==	dist/tf.min.js
maplibre-gl@4.7.1	sha512-lgL7XpIwsgICiL82ITplfS7IGwrB1OJIw/pCvprDp2dhmSSEBgmPzYRvwYYYvJGJD7fxUv1Tvpih4nZ6VrLuaA==	dist/maplibre-gl.js dist/maplibre-gl-csp.js dist/maplibre-gl-csp-worker.js
mapbox-gl@1.13.3	sha512-p8lJFEiqmEQlyv+DQxFAOG/XPWN0Wp7j/Psq93Zywz7qt9CcUKFYDBOoOEKzqe6gudHVJY8/Bhqw6VDpX2lSBg==	dist/mapbox-gl.js
pixi.js@7.4.2	sha512-TifqgHGNofO7UCEbdZJOpUu7dUnpu4YZ0o76kfCqxDa4RS8ITc9zjECCbtalmuNXkVhSEZmBKQvE7qhHMqw/xg==	dist/pixi.min.js dist/pixi.min.mjs
hls.js@1.5.17	sha512-wA66nnYFvQa1o4DO/BFgLNRKnBTVXpNeldGRBJ2Y0SvFtdwvFKCbqa9zhHoZLoxHhZ+jYsj3aIBkWQQCPNOhMw==	dist/hls.min.js dist/hls.light.min.js
moment@2.30.1	sha512-uEmtNhbDOrWPFS+hdjFCBfy9f2YoyzRpwcl+DqpC6taX21FzsTLQVbMV/W7PzNSX6x/bhC1zA3c2UQ5NzH6how==	min/moment.min.js min/moment-with-locales.min.js min/locales.min.js
bootstrap@5.3.3	sha512-8HLCdWgyoMguSO9o+aH+iuZ+aht+mzW0u3HIMzVu7Srrpv7EBBxTnrFlSCskwdY1+EOFQSm7uMJhNQHkdPcmjg==	dist/js/bootstrap.bundle.min.js dist/js/bootstrap.min.js dist/js/bootstrap.esm.min.js
chart.js@4.4.1	sha512-C74QN1bxwV1v2PEujhmKjOZ7iUM4w6BWs23Md/6aOZZSlwMzeCIDGuZay++rBgChYru7/+QFeoQW0fQoP534Dg==	dist/chart.umd.js
angular@1.8.3	sha512-5qjkWIQQVsHj4Sb5TcEs4WZWpFeVFHXwxEBHUhrny41D8UrBAd6T/6nPPAsLngJCReIOqi95W3mxdveveutpZw==	angular.min.js
jquery@3.7.1	sha512-m4avr8yL8kmFN8psrbFFFmB/If14iN5o9nw/NgnnM+kybDJpRsAynV2BsfpTYrTRysYUdADVD7CkUUizgkpLfg==	dist/jquery.min.js=dist/jquery.min.map dist/jquery.slim.min.js=dist/jquery.slim.min.map
leaflet@1.9.4	sha512-nxS1ynzJOmOlHp+iL3FyWqK89GtNL8U8rvlMOsQdTTssxZwCXh8N2NB3GDQOL+YR3XnWyZAxwQixURb+FA74PA==	dist/leaflet.js
rxjs@7.8.1	sha512-AA3TVj+0A2iuIoQkWEK/tqFjBq2j+6PO6Y0zJcvzLAFhEFIO3HL0vls9hWLncZbAAbK0mar7oZ4V079I/qPMxg==	dist/bundles/rxjs.umd.min.js
@popperjs/core@2.11.8	sha512-P1st0aksCrn9sGZhp8GMYwBnQsbvAWsZAX44oXNNvLHGqAOcoVxmjZiohstwQ7SqKnbR47akdNi+uleWD8+g6A==	dist/umd/*.min.js
preact@10.24.3	sha512-Z2dPnBnMUfyQfSQ+GBdsGa16hz35YmLmtTLhM169uW944hYL6xzTYkJjC07j+Wosz733pMWx0fgON3JNw1jJQA==	dist/preact.module.js dist/preact.js hooks/dist/hooks.module.js hooks/dist/hooks.js compat/dist/compat.module.js compat/dist/compat.js jsx-runtime/dist/jsxRuntime.module.js jsx-runtime/dist/jsxRuntime.js debug/dist/debug.module.js devtools/dist/devtools.module.js
lit@3.2.1	sha512-1BBa1E/z0O9ye5fZprPtdqnc0BFzxIxTTOO/tQFmyC/hj1O3jL4TfmLBw0WEwjAokdLwpclkvGgDJwTIh0/22w==	*.js directives/*.js decorators/*.js
lit-element@4.1.1	sha512-HO9Tkkh34QkTeUmEdNYhMT8hzLid7YlMlATSi1q4q17HE5d9mrrEHJ/o8O2D0cMi182zK1F3v7x0PWFjrhXFew==	*.js decorators/*.js
lit-html@3.2.1	sha512-qI/3lziaPMSKsrwlxH/xMgikhQ0EGOX2ICU73Bi/YHFvz2j/yMCIrw4+puF2IpQ4+upd3EWbvnHM9+PnJn48YA==	*.js directives/*.js
@lit/reactive-element@2.0.4	sha512-GFn91inaUa2oHLak8awSIigYz0cU0Payr1rcFsrkf5OJ5eSPxElyZfKh0f2p9FsTiZWXQdWGJeXZICEfXXYSXQ==	*.js decorators/*.js
EOF
)
# Sizes (scripts / maps): monaco-editor 5.7 MB / 15.2 MB (editor.main.js 3.5 MB, 12 language
# packs, the worker, the AMD loader), tfjs 1.5 / 16.9, maplibre-gl 1.9 / 10.1, mapbox-gl 0.8 /
# 3.2, pixi.js 0.9 / 4.9, hls.js 0.7 / 3.2, moment 0.75 / 0.5, bootstrap 0.22 / 0.78,
# chart.js 0.2 / 0.95, angular 0.18 / 0.47, jquery 0.16 / 0.24, leaflet 0.15 / 0.23, rxjs 0.09 /
# 0.22, popper 0.04 / 0.25. Most of these are self-contained UMD/IIFE bundles with few imports;
# preact's ES-module and CommonJS builds and lit's ~100 minified ES modules (each importing its
# siblings: what a code-split app's chunks look like) add 0.1 MB and hundreds of imports.
# About 13.4 MB of scripts (155 files) and 58 MB of maps.

# Package fetching (npm pack + sha512 check + unpack), shared with the other corpus scripts.
# shellcheck source=benches/corpus/npm-fetch.sh
source "$(dirname "${BASH_SOURCE[0]}")/npm-fetch.sh"

# Given a package root and `JS` or `JS=MAP` entries (paths relative to the root), prints one
# line per script: JS, map path in the package, name the map gets in the corpus, script bytes,
# map bytes. Fails when a script has no sourceMappingURL comment (and no `=MAP`), when the
# comment names something outside the package, a URL or an inline map, or when the map is
# missing or not a v3 source map.
MAP_FINDER=$(cat <<'EOF'
const fs = require("fs"), path = require("path");
const [root, ...entries] = process.argv.slice(1);
const fail = (message) => { process.stderr.write(`error: ${message}\n`); process.exit(1); };
// The URL of the last sourceMappingURL comment in the file's tail, as webaudit reads it.
function mappingUrl(text) {
  const tail = text.slice(-4096);
  const found = [...tail.matchAll(/\/[\/*][#@]\s*sourceMappingURL=([^\s*]+)/g)];
  return found.length ? found[found.length - 1][1] : null;
}
for (const entry of entries) {
  const [js, explicitMap] = entry.split("=");
  const jsPath = path.join(root, js);
  const text = fs.readFileSync(jsPath, "latin1");
  let mapInPackage, mapInCorpus;
  const url = mappingUrl(text);
  if (explicitMap !== undefined) {
    if (url !== null) fail(`${js}: has a sourceMappingURL comment (${url}); list it without =MAP`);
    mapInPackage = path.posix.normalize(explicitMap);
    mapInCorpus = js + ".map";
  } else {
    if (url === null) fail(`${js}: no sourceMappingURL comment; list it as JS=MAP`);
    if (/^[a-z][a-z0-9+.-]*:/i.test(url) || url.startsWith("/")) fail(`${js}: sourceMappingURL ${url} is not a relative path`);
    const clean = decodeURIComponent(url.split(/[?#]/)[0]);
    mapInPackage = path.posix.normalize(path.posix.join(path.posix.dirname(js), clean));
    mapInCorpus = mapInPackage;
  }
  if (mapInPackage.startsWith("../") || path.isAbsolute(mapInPackage)) fail(`${js}: map ${mapInPackage} is outside the package`);
  const mapPath = path.join(root, mapInPackage);
  if (!fs.existsSync(mapPath)) fail(`${js}: map ${mapInPackage} is missing from the package`);
  let map;
  try { map = JSON.parse(fs.readFileSync(mapPath, "utf8")); } catch (e) { fail(`${js}: map ${mapInPackage} is not JSON: ${e.message}`); }
  if (Number(map.version) !== 3 || (typeof map.mappings !== "string" && !Array.isArray(map.sections))) {
    fail(`${js}: map ${mapInPackage} is not a version 3 source map with mappings`);
  }
  console.log([js, mapInPackage, mapInCorpus, fs.statSync(jsPath).size, fs.statSync(mapPath).size].join("\t"));
}
EOF
)

# Pass 1: fetch packages and work out the expected manifest (and the copy plan) from the
# cached packages alone.
mkdir -p "$CACHE_DIR"
PLAN=$(mktemp "$CACHE_DIR/.plan.XXXXXX")
EXPECTED=$(mktemp "$CACHE_DIR/.manifest.XXXXXX")
trap 'rm -f "$PLAN" "$EXPECTED"' EXIT
printf 'file\tpackage\tbytes\tmap\tmap_bytes\n' >"$EXPECTED"
while IFS=$'\t' read -r spec integrity globs; do
  [[ -z "$spec" ]] && continue
  pkg_dir=$(fetch_package "$spec" "$integrity")
  name=${spec%@*}
  pkg_slug=$(slug "$name")
  IFS=' ' read -r -a patterns <<<"$globs" # no pathname expansion here, unlike $globs
  selected=()
  for pattern in "${patterns[@]}"; do
    if [[ "$pattern" == *=* ]]; then
      [[ -f "$pkg_dir/${pattern%%=*}" ]] || { echo "error: $spec: '${pattern%%=*}' is missing" >&2; exit 1; }
      selected+=("$pattern")
      continue
    fi
    # shellcheck disable=SC2206 # the pattern is meant to glob (inside the package only)
    matches=("$pkg_dir"/$pattern)
    if [[ ${#matches[@]} -eq 0 ]]; then
      echo "error: $spec: '$pattern' matches nothing" >&2
      exit 1
    fi
    for src in "${matches[@]}"; do
      [[ -f "$src" ]] || continue
      case "$src" in
        *.js|*.mjs) selected+=("${src#"$pkg_dir"/}") ;;
      esac
    done
  done
  [[ ${#selected[@]} -gt 0 ]] || { echo "error: $spec: no .js/.mjs file selected" >&2; exit 1; }
  found=$(node -e "$MAP_FINDER" "$pkg_dir" "${selected[@]}") || { echo "error: $spec: see above" >&2; exit 1; }
  while IFS=$'\t' read -r js map_src map_dest js_bytes map_bytes; do
    printf '%s\t%s\t%s\t%s\t%s\n' "$pkg_slug/$js" "$spec" "$js_bytes" "$pkg_slug/$map_dest" "$map_bytes" >>"$EXPECTED"
    printf '%s\t%s\n' "$pkg_dir/$js" "$pkg_slug/$js" >>"$PLAN"
    printf '%s\t%s\n' "$pkg_dir/$map_src" "$pkg_slug/$map_dest" >>"$PLAN"
  done <<<"$found"
done <<<"$SPEC"

# Two scripts naming the same map, or a map name colliding with a script, would make the
# manifest lie about what is on disk.
if [[ -n "$(cut -f2 "$PLAN" | LC_ALL=C sort | uniq -d)" ]]; then
  echo "error: several files would be copied to the same place:" >&2
  cut -f2 "$PLAN" | LC_ALL=C sort | uniq -d >&2
  exit 1
fi

summary() {
  awk -F'\t' 'NR > 1 { n++; js += $3; maps += $5; packages[$2] = 1 }
    END { p = 0; for (k in packages) p++
          printf "corpus: %d packages, %d scripts, %d bytes (%.1f MB) of JavaScript + %d bytes (%.1f MB) of source maps in %s\n",
                 p, n, js, js / 1e6, maps, maps / 1e6, dir }' \
    dir="$OUT_DIR" "$OUT_DIR/MANIFEST.tsv"
}

# Pass 2: skip when OUT_DIR already matches, else rebuild it beside and swap it in.
if ! install_corpus "$PLAN" "$EXPECTED" '{ print $1 "\t" $3; print $4 "\t" $5 }'; then
  echo "up to date: $OUT_DIR"
  summary
  exit 0
fi
echo "built: $OUT_DIR"
summary
