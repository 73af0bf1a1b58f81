#!/usr/bin/env bash
# Writes `key=…` to $GITHUB_OUTPUT: the actions/cache key of the installed binary. It names the
# action's ref and hashes its Cargo.lock and sources, so a new version (or a local `uses: ./`
# checkout with edited sources) builds again. hashFiles() cannot be used: it only reads the
# workspace, and the action's own files live outside it.
#
# Environment: GITHUB_ACTION_PATH, GITHUB_OUTPUT, RUNNER_OS, ACTION_REF (github.action_ref).
set -euo pipefail

source_dir="${GITHUB_ACTION_PATH:?GITHUB_ACTION_PATH must be set}"
hash_of() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum; else shasum -a 256; fi | cut -c1-16
}
lock=$(hash_of <"$source_dir/Cargo.lock")
sources=$(
  cd "$source_dir"
  find Cargo.toml Cargo.lock src -type f -print | LC_ALL=C sort | while IFS= read -r file; do
    printf '%s\n' "$file"
    cat "$file"
  done | hash_of
)
ref="${ACTION_REF:-local}"
key="webaudit-${RUNNER_OS:-unknown}-${ref//\//_}-${lock}-${sources}"
echo "key=$key" >>"${GITHUB_OUTPUT:?GITHUB_OUTPUT must be set}"
echo "webaudit build cache key: $key"
