#!/usr/bin/env bash
# End-to-end test of the npm distribution, the way a user gets it: makes the @webaudit/linux-x64
# package from BINARY, packs it and the `webaudit` launcher with `npm pack`, installs both
# tarballs into a fresh project with no registry (--offline, an empty npm cache), then runs
# `npx webaudit --version` (must print Cargo.toml's version) and `npx webaudit dist` on a copy
# of fixtures/vite-app/dist (must exit 0 and print the report), then over a 1 kB budget (the
# binary's exit code 1 must come through). Last, it removes the platform package and checks
# that the launcher names it in its error.
#
# Usage: npm/test-e2e.sh BINARY
#   BINARY  a linux x86_64 webaudit binary (tests/npm_package.rs passes cargo's; .ci/run the
#           static musl build from release/package.sh)
# Needs node and npm, on linux x86_64 (the one platform package this machine can install).
set -euo pipefail

fail() {
  echo "npm/test-e2e.sh: FAILED: $*" >&2
  exit 1
}

[ $# -eq 1 ] || fail "usage: npm/test-e2e.sh BINARY"
binary="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
[ -x "$binary" ] || fail "$1 is not an executable file"
repo="$(cd "$(dirname "$0")/.." && pwd)"
command -v npm >/dev/null 2>&1 || fail "npm is needed (.ci/run installs it)"
[ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] || fail "runs on linux x86_64 only (it installs @webaudit/linux-x64), not $(uname -s)-$(uname -m)"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
version="$(cd "$repo/npm" && node --input-type=module -e 'import { cargoVersion } from "./cargo-version.mjs"; console.log(cargoVersion())')"

# No registry, no user configuration: every npm call uses an empty cache and fails rather
# than reach the network.
export npm_config_cache="$work/npm-cache"
export npm_config_userconfig="$work/npmrc"
export npm_config_offline=true
export npm_config_audit=false
export npm_config_fund=false
export npm_config_update_notifier=false
: >"$work/npmrc"

# The package carries the binary without its debug sections: cargo's debug build is 300 MB of
# debug information, which npm would take 30 s to pack. The code is the same.
strip --strip-debug -o "$work/webaudit" "$binary" 2>/dev/null || cp "$binary" "$work/webaudit"
node "$repo/npm/build-platform-package.mjs" --target x86_64-unknown-linux-musl \
  --binary "$work/webaudit" --out "$work/stage/linux-x64" >/dev/null
node "$repo/npm/build-main-package.mjs" --out "$work/stage/webaudit" >/dev/null
mkdir "$work/tarballs"
for package in linux-x64 webaudit; do
  # A path without ./ or / would be read as a GitHub owner/repo; $work is absolute.
  npm pack --silent --pack-destination "$work/tarballs" "$work/stage/$package" >/dev/null
done
launcher_tarball="$work/tarballs/webaudit-$version.tgz"
platform_tarball="$work/tarballs/webaudit-linux-x64-$version.tgz"
if [ ! -f "$launcher_tarball" ] || [ ! -f "$platform_tarball" ]; then
  fail "npm pack made $(ls "$work/tarballs"), expected webaudit-$version.tgz and webaudit-linux-x64-$version.tgz"
fi

project="$work/project"
mkdir "$project"
echo '{ "name": "webaudit-npm-e2e", "version": "1.0.0", "private": true }' >"$project/package.json"
cd "$project"
# The platform tarball is named first so npm has @webaudit/linux-x64@VERSION when it resolves
# the launcher's optionalDependencies; the other platforms' packages are not in the empty cache,
# and npm skips them as optional dependencies that cannot be installed.
npm install --silent "$platform_tarball" "$launcher_tarball" >"$work/install.log" 2>&1 \
  || fail "npm install of the tarballs failed: $(cat "$work/install.log")"
[ -x node_modules/@webaudit/linux-x64/bin/webaudit ] \
  || fail "node_modules/@webaudit/linux-x64/bin/webaudit is missing or not executable"

reported="$(npx --no-install webaudit --version)" || fail "npx webaudit --version exited with $?"
[ "$reported" = "webaudit $version" ] \
  || fail "npx webaudit --version printed '$reported', expected 'webaudit $version' (Cargo.toml)"
echo "ok: npx webaudit --version -> $reported"

cp -R "$repo/fixtures/vite-app/dist" dist
status=0
NO_COLOR=1 npx --no-install webaudit --no-cache dist >"$work/report.txt" 2>&1 || status=$?
[ "$status" -eq 0 ] || fail "npx webaudit dist exited with $status: $(cat "$work/report.txt")"
grep -q "^webaudit $version — dist (26 assets" "$work/report.txt" \
  || fail "npx webaudit dist printed no report header for dist: $(head -n 5 "$work/report.txt")"
grep -q '^Scorecard' "$work/report.txt" || fail "the report has no 'Scorecard' section"
echo "ok: npx webaudit dist -> exit 0, $(head -n 1 "$work/report.txt")"

# The JSON report names its schema by the address unpkg serves from this package: the schema
# must be in the installed package, with that address as its $id, and the report must be valid
# against it (checked fully by tests/schemas.rs; here: the names agree).
NO_COLOR=1 npx --no-install webaudit --no-cache --format json dist >"$work/report.json" \
  || fail "npx webaudit --format json dist failed"
node --input-type=module - "$work/report.json" node_modules/webaudit/schema/report.schema.json <<'NODE' \
  || fail "the report's \$schema does not name the schema in the installed package"
import { readFileSync } from "node:fs";
const [reportPath, schemaPath] = process.argv.slice(2);
const report = JSON.parse(readFileSync(reportPath, "utf8"));
const schema = JSON.parse(readFileSync(schemaPath, "utf8"));
const expected = `https://unpkg.com/webaudit@${report.tool.version}/schema/report.schema.json`;
if (report.$schema !== expected || schema.$id !== expected) {
  console.error(`report $schema ${report.$schema}, schema $id ${schema.$id}, expected ${expected}`);
  process.exit(1);
}
NODE
[ -f node_modules/webaudit/schema/webaudit.schema.json ] \
  || fail "node_modules/webaudit/schema/webaudit.schema.json is missing"
echo "ok: report \$schema = \$id of node_modules/webaudit/schema/report.schema.json"

# The binary's exit code comes through the launcher: 1 when a finding reaches --fail-on.
status=0
NO_COLOR=1 npx --no-install webaudit --no-cache --budget 1kB dist >"$work/over-budget.txt" 2>&1 || status=$?
[ "$status" -eq 1 ] || fail "npx webaudit --budget 1kB dist exited with $status, expected 1: $(cat "$work/over-budget.txt")"
echo "ok: npx webaudit --budget 1kB dist -> exit 1"

# Without the platform package (npm --omit=optional, node_modules from another OS), the
# launcher must say which package is missing, and exit 2 like a failed webaudit run.
rm -rf node_modules/@webaudit/linux-x64
status=0
npx --no-install webaudit --version >"$work/missing.txt" 2>&1 || status=$?
[ "$status" -eq 2 ] || fail "without @webaudit/linux-x64 the launcher exited with $status, expected 2"
grep -q '@webaudit/linux-x64' "$work/missing.txt" \
  || fail "the launcher's error does not name @webaudit/linux-x64: $(cat "$work/missing.txt")"
echo "ok: without @webaudit/linux-x64 -> exit 2, names the package"
