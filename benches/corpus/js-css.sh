#!/usr/bin/env bash
# Builds the JS/CSS sizing corpus: real production bundles and stylesheets copied out of
# pinned npm packages, so that the sizing benchmark (benches/sizing.py) compresses what web
# apps actually ship rather than synthetic text.
#
# usage: benches/corpus/js-css.sh OUT_DIR
#
# - Packages are fetched with `npm pack NAME@VERSION` (tarball only, no dependencies, no
#   install scripts) into a cache under benches/work/npm (git-ignored; override with
#   JS_CSS_CACHE=DIR), checked against the pinned sha512 integrity, and unpacked once.
# - Files are copied to OUT_DIR/<package-slug>/<path in package>, so every name is unique and
#   the tree looks like a built app's asset folder (nested, mixed sizes).
# - OUT_DIR/MANIFEST.tsv lists: file (relative to OUT_DIR), package@version, path in package, bytes.
# - Re-runnable: when OUT_DIR/MANIFEST.tsv already equals the manifest this spec produces and
#   every listed file is present with its size, nothing is copied.
# Only .js/.mjs/.css files are taken, never source maps; identical contents are kept once.
set -euo pipefail
shopt -s nullglob globstar

if [[ $# -ne 1 || "$1" == -* ]]; then
  echo "usage: $0 OUT_DIR" >&2
  exit 2
fi
OUT_DIR=$1

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BENCHES_DIR=$(dirname "$SCRIPT_DIR")
CACHE_DIR=${JS_CSS_CACHE:-$BENCHES_DIR/work/npm}

for tool in npm node tar; do
  command -v "$tool" >/dev/null || { echo "error: '$tool' is required (apt-get install nodejs npm)" >&2; exit 2; }
done

# One line per package: NAME@VERSION, sha512 integrity of its tarball, then the file globs
# (relative to the package root; bash globstar). Every glob must match at least one file.
# Sizes in the comments are approximate, to keep the mix visible: a few 1–5 MB bundles,
# many 10–500 KB files, a few hundred small lazy-loaded chunks.
SPEC=$(cat <<'EOF'
react@18.3.1	sha512-wS+hAgJShR0KhEvPJArfuPVN1+Hz1t0Y6n5jLrGQbkb4urgPE/0Rve+1kMB1v/oWgHgm4WIcV+i7F2pTVj+2iQ==	umd/react.production.min.js
react-dom@18.3.1	sha512-5m4nQKp+rZRb09LNH59GM4BxTh9251/ylbKIbpe7TpGxfJ+9kv6BLkLBXIjjspbgbnIBNqlI23tRnTWT0snUIw==	umd/react-dom.production.min.js umd/react-dom.development.js umd/react-dom-server.browser.production.min.js
three@0.160.0	sha512-DLU8lc0zNIPkM7rH5/e1Ks1Z8tWCGRq6g8mPowdDJpw1CFBJMU7UoJjC6PefXW7z//SSl0b2+GCw14LB+uDhng==	build/three.module.min.js
echarts@5.5.0	sha512-rNYnNCzqDAPCr4m/fqyUFv7fD9qIsd50S6GDFgO1DxZhncCsNsG7IfUlAlvZe5oSEQxtsjnHiUuppzccry93Xw==	dist/echarts.min.js
monaco-editor@0.45.0	sha512-mjv1G1ZzfEE3k9HZN0dQ2olMdwIfaeAAjFiwNprLfYNRSz7ctv9XuCT7gPtBGrMUeV1/iZzYKj17Khu1hxoHOA==	min/vs/loader.js min/vs/editor/editor.main.js min/vs/editor/editor.main.css min/vs/editor/editor.main.nls*.js min/vs/base/**/*.js min/vs/basic-languages/*/*.js min/vs/language/*/*Mode.js min/vs/language/json/jsonWorker.js
lodash@4.17.21	sha512-v2kDEe57lecTulaDIuNTPy3Ry4gLGJ6Z1O3vE1krgXZNrsQ+LFTGHVxVjcXPs17LhbZVGedAJv8XZ1tvj5FvSg==	lodash.min.js core.min.js
moment@2.30.1	sha512-uEmtNhbDOrWPFS+hdjFCBfy9f2YoyzRpwcl+DqpC6taX21FzsTLQVbMV/W7PzNSX6x/bhC1zA3c2UQ5NzH6how==	min/moment-with-locales.min.js min/moment.min.js locale/*.js
d3@7.9.0	sha512-e1U46jVP+w7Iut8Jt8ri1YsPOvFpg46k+K8TpCb0P+zjCkjkPnV7WzfDJzMHy1LnA+wj5pLT1wjO901gLXeEhA==	dist/d3.min.js
bootstrap@5.3.3	sha512-8HLCdWgyoMguSO9o+aH+iuZ+aht+mzW0u3HIMzVu7Srrpv7EBBxTnrFlSCskwdY1+EOFQSm7uMJhNQHkdPcmjg==	dist/css/*.min.css dist/css/bootstrap.css dist/js/*.min.js
bulma@1.0.2	sha512-D7GnDuF6seb6HkcnRMM9E739QpEY9chDzzeFrHMyEns/EXyDJuQ0XA0KxbBl/B2NTsKSoDomW61jFGFaAxhK5A==	css/bulma.css
tailwindcss@2.2.19	sha512-6Ui7JSVtXadtTUo2NtkBBacobzWiQYVjYW0ZnKaP9S1ZCKQ0w7KVNz+YSDI/j7O7KCMHbOkz94ZMQhbT9pOqjw==	dist/tailwind.min.css dist/base.min.css dist/components.min.css
@fortawesome/fontawesome-free@6.5.1	sha512-CNy5vSwN3fsUStPRLX7fUYojyuzoEMSXPl7zSLJ8TgtRfjv24LOnOWKT2zYwaHZCJGkdyRnTmstR0P+Ah503Gw==	css/*.min.css js/all.min.js
jquery@3.7.1	sha512-m4avr8yL8kmFN8psrbFFFmB/If14iN5o9nw/NgnnM+kybDJpRsAynV2BsfpTYrTRysYUdADVD7CkUUizgkpLfg==	dist/jquery.min.js dist/jquery.slim.min.js
vue@3.4.21	sha512-5hjyV/jLEIKD/jYl4cavMcnzKwjMKohureP8ejn3hhEjwhWIhWeuzL2kJAjzl/WyVsgPY56Sy4Z40C3lVshxXA==	dist/vue.global.prod.js dist/vue.esm-browser.prod.js dist/vue.runtime.global.prod.js
chart.js@4.4.1	sha512-C74QN1bxwV1v2PEujhmKjOZ7iUM4w6BWs23Md/6aOZZSlwMzeCIDGuZay++rBgChYru7/+QFeoQW0fQoP534Dg==	dist/chart.umd.js
pdfjs-dist@3.11.174	sha512-TdTZPf1trZ8/UFu5Cx/GXB7GZM30LT+wWUNfsi6Bq8ePLnb+woNKtDymI2mxZYBpMbonNFqKmiz684DIfnd8dA==	build/pdf.min.js build/pdf.worker.min.js web/pdf_viewer.css
katex@0.16.9	sha512-fsSYjWS0EEOwvy81j3vRA8TEAhQhKiqO+FQaKWp0m39qwOzHVBgAUBIXWj1pB+O2W3fIpNa6Y9KSKCVbfPhyAQ==	dist/katex.min.js dist/katex.min.css dist/contrib/*.min.js
mathjax@3.2.2	sha512-Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/O9NliPc+x77k1/FEsPsjKPZGJvtRZM1vO+geW0OhGw==	es5/tex-mml-chtml.js
@highlightjs/cdn-assets@11.9.0	sha512-F1vJKVAkLwj2Uz2ik1PDc+mDbkrecLI6gcBlAxSRUjyDpMPJjeDBanT9Y2B+xpNe1MT6zSG204Ohm/+nUMCApQ==	highlight.min.js styles/*.min.css languages/*.min.js
plotly.js-dist-min@2.27.0	sha512-mbO7Mh1GlNEMSwqtdG1SjxVt/aAO47WBpzbkY5/YQyEa1n3MOX92AfhhIBq6xZ/dfJ82RHq92dQDm7WBahQ7DQ==	plotly.min.js
semantic-ui-css@2.5.0	sha512-jIWn3WXXE2uSaWCcB+gVJVRG3masIKtTMNEP2X8Aw909H2rHpXGneYOxzO3hT8TpyvB5/dEEo9mBFCitGwoj1A==	semantic.min.css semantic.min.js components/*.min.js
leaflet@1.9.4	sha512-nxS1ynzJOmOlHp+iL3FyWqK89GtNL8U8rvlMOsQdTTssxZwCXh8N2NB3GDQOL+YR3XnWyZAxwQixURb+FA74PA==	dist/leaflet.js dist/leaflet.css
EOF
)

# Package fetching (npm pack + sha512 check + unpack), shared with the other corpus scripts.
# shellcheck source=benches/corpus/npm-fetch.sh
source "$(dirname "${BASH_SOURCE[0]}")/npm-fetch.sh"

# Pass 1: fetch packages and work out the expected manifest (and the copy plan) from the
# cached packages alone.
mkdir -p "$CACHE_DIR"
PLAN=$(mktemp "$CACHE_DIR/.plan.XXXXXX")
EXPECTED=$(mktemp "$CACHE_DIR/.manifest.XXXXXX")
trap 'rm -f "$PLAN" "$EXPECTED"' EXIT
printf 'file\tpackage\tpath\tbytes\n' >"$EXPECTED"
declare -A seen_hash=()
duplicates=0
while IFS=$'\t' read -r spec integrity globs; do
  [[ -z "$spec" ]] && continue
  pkg_dir=$(fetch_package "$spec" "$integrity")
  name=${spec%@*}
  pkg_slug=$(slug "$name")
  IFS=' ' read -r -a patterns <<<"$globs" # no pathname expansion here, unlike $globs
  selected=()
  for pattern in "${patterns[@]}"; do
    # shellcheck disable=SC2206 # the pattern is meant to glob (inside the package only)
    matches=("$pkg_dir"/$pattern)
    if [[ ${#matches[@]} -eq 0 ]]; then
      echo "error: $spec: '$pattern' matches nothing" >&2
      exit 1
    fi
    for src in "${matches[@]}"; do
      [[ -f "$src" ]] || continue
      case "$src" in
        *.map) continue ;;
        *.js|*.mjs|*.css) selected+=("$src") ;;
      esac
    done
  done
  [[ ${#selected[@]} -gt 0 ]] || { echo "error: $spec: no .js/.mjs/.css file selected" >&2; exit 1; }
  # One sha256sum and one stat for the whole package (a process per file is slow).
  mapfile -t hashes < <(sha256sum -- "${selected[@]}" | cut -d' ' -f1)
  mapfile -t sizes < <(stat -c %s -- "${selected[@]}")
  for i in "${!selected[@]}"; do
    src=${selected[$i]}
    if [[ -n "${seen_hash[${hashes[$i]}]:-}" ]]; then
      duplicates=$((duplicates + 1))
      continue
    fi
    seen_hash[${hashes[$i]}]=1
    rel=${src#"$pkg_dir"/}
    file="$pkg_slug/$rel"
    printf '%s\t%s\t%s\t%s\n' "$file" "$spec" "$rel" "${sizes[$i]}" >>"$EXPECTED"
    printf '%s\t%s\n' "$src" "$file" >>"$PLAN"
  done
done <<<"$SPEC"

summary() {
  awk -F'\t' 'NR > 1 { n++; total += $4 } END { printf "corpus: %d files, %d bytes (%.1f MB) in %s\n", n, total, total / 1e6, dir }' \
    dir="$OUT_DIR" "$OUT_DIR/MANIFEST.tsv"
}

# Pass 2: skip when OUT_DIR already matches, else rebuild it beside and swap it in.
if ! install_corpus "$PLAN" "$EXPECTED" '{ print $1 "\t" $4 }'; then
  echo "up to date: $OUT_DIR"
  summary
  exit 0
fi
if [[ $duplicates -gt 0 ]]; then
  echo "skipped $duplicates file(s) whose content another listed file already has"
fi
echo "built: $OUT_DIR"
summary
