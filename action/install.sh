#!/usr/bin/env bash
# Installs webaudit's release binary for the runner and puts it on the job's PATH, so a run costs
# a download instead of a Rust build (≈ 450 CPU-seconds).
#
# The release is the one `version` names; by default the action's own ref when it is a version
# tag (`uses: owner/webaudit@v1.2.3` runs webaudit 1.2.3; `@v1` the newest v1.x.y), else the
# latest release. The asset is
# the archive .github/workflows/release.yml attaches for the runner's platform
# (webaudit-TARGET-vVERSION.tar.gz, .zip on Windows; release/package.sh names it), and its SHA-256
# must match the release's checksum file (ARCHIVE.sha256, else SHA256SUMS): a mismatch, or no
# checksum at all, fails the step rather than run an unverified binary.
#
# Only when no release fits (none published, no asset for this OS/architecture, `version:
# source`, or no `gh`) does it write `build-from-source=true` to $GITHUB_OUTPUT: action.yml then
# restores the cached source build or runs build.sh (`cargo install --locked` of the action's
# own source). Everything goes through `gh` (GitHub only, with the job's token).
#
# Environment: INPUT_VERSION, ACTION_REF (github.action_ref), ACTION_REPOSITORY
# (github.action_repository; empty for a local `uses: ./`, then GITHUB_REPOSITORY),
# GITHUB_ACTION_PATH, RUNNER_OS, RUNNER_ARCH, WEBAUDIT_INSTALL_ROOT, GH_TOKEN, GITHUB_PATH,
# GITHUB_OUTPUT.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

root="${WEBAUDIT_INSTALL_ROOT:?WEBAUDIT_INSTALL_ROOT must be set}"
repo="${ACTION_REPOSITORY:-}"
action_ref="${ACTION_REF:-}"
# github.action_repository and github.action_ref are not promised inside composite actions
# (actions/runner#2473; empty in some runners, the outer action's in a nested one). The runner
# checks a remote action out at .../_actions/OWNER/REPO/REF: read them from there when empty.
if [ -z "$repo" ] && [[ "${GITHUB_ACTION_PATH:-}" =~ /_actions/([^/]+)/([^/]+)/([^/]+)/?$ ]]; then
  repo="${BASH_REMATCH[1]}/${BASH_REMATCH[2]}"
  action_ref="${action_ref:-${BASH_REMATCH[3]}}"
fi
# A local `uses: ./`: the releases of the repository running the workflow.
repo="${repo:-${GITHUB_REPOSITORY:-}}"

fail() {
  printf '::error title=webaudit::%s\n' "$(escape_message "$1")"
  exit 1
}

# The version in the action's own Cargo.toml: what a source build gives.
source_version() {
  sed -n 's/^version = "\(.*\)"$/\1/p' "${GITHUB_ACTION_PATH:-.}/Cargo.toml" 2>/dev/null | head -n 1
}

build_from_source() {
  local why="$1" built
  built="$(source_version)"
  notice "$why: building webaudit ${built:+$built }from the action's source instead (cargo install --locked)"
  if [ -n "${pinned:-}" ] && [ -n "$built" ] && [ "${pinned#v}" != "$built" ]; then
    warning "version $pinned was asked for, but the action's source is webaudit $built: that is what runs"
  fi
  set_output build-from-source true
  exit 0
}

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d' ' -f1
  else
    shasum -a 256 "$1" | cut -d' ' -f1
  fi
}

# The version: `latest`, `source`, or X.Y.Z / vX.Y.Z.
requested="${INPUT_VERSION:-}"
if [ -z "$requested" ]; then
  if [[ "$action_ref" =~ ^v?[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.+-]+)?$ ]]; then
    requested="$action_ref"
  elif [[ "$action_ref" =~ ^v[0-9]+(\.[0-9]+)?$ ]]; then
    # A moving tag such as v1 or v1.4: the newest release under it (below), not a v2 whose
    # options the scripts of v1 may not know.
    requested=series
  else
    # A branch, a commit, or a local `uses: ./`.
    requested=latest
  fi
fi
case "$requested" in
  source) tag="" && build_from_source "version: source" ;;
  latest | series) tag="" ;;
  v[0-9]*) tag="$requested" ;;
  [0-9]*) tag="v$requested" ;;
  *) fail "version: expected latest, source or a release version such as 1.2.3, got '$requested'" ;;
esac
if [ -n "$tag" ] && ! [[ "$tag" =~ ^v[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.+-]+)?$ ]]; then
  fail "version: '$requested' is not a release version (expected 1.2.3 or v1.2.3, latest or source)"
fi
# The version a source build would have to match (empty for latest).
pinned="$tag"

# The release targets, by GitHub's runner names (release.yml's matrix).
case "${RUNNER_OS:-}/${RUNNER_ARCH:-}" in
  Linux/X64) target=x86_64-unknown-linux-musl ;;
  Linux/ARM64) target=aarch64-unknown-linux-musl ;;
  macOS/X64) target=x86_64-apple-darwin ;;
  macOS/ARM64) target=aarch64-apple-darwin ;;
  Windows/X64) target=x86_64-pc-windows-msvc ;;
  *) build_from_source "no release binary is built for ${RUNNER_OS:-this OS} on ${RUNNER_ARCH:-this architecture}" ;;
esac
case "$target" in
  *-windows-*) extension=zip exe=webaudit.exe ;;
  *) extension=tar.gz exe=webaudit ;;
esac

if ! command -v gh >/dev/null 2>&1; then
  build_from_source "the GitHub CLI (gh) is not on this runner, so no release can be downloaded"
fi
if [ -z "$repo" ]; then
  fail "cannot tell which repository holds webaudit's releases (github.action_repository and GITHUB_REPOSITORY are empty)"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# gh's "no such release" (a 404) builds from source; any other failure stops the step.
gh_failed() {
  local what="$1" why
  why="$(head -c 500 "$work/error")"
  case "$why" in
    *"release not found"* | *"HTTP 404"* | *"Not Found"*) build_from_source "$repo has no $what" ;;
    *) fail "cannot look up $what of $repo with gh: $why" ;;
  esac
}

if [ "$requested" = series ]; then
  # Newest first, as `gh release list` sorts them; drafts and pre-releases left out.
  if ! gh release list --repo "$repo" --exclude-drafts --exclude-pre-releases --limit 100 \
    --json tagName --jq '.[].tagName' >"$work/tags.txt" 2>"$work/error"; then
    gh_failed "releases"
  fi
  tag="$(awk -v prefix="$action_ref." 'index($0, prefix) == 1 && substr($0, length(prefix) + 1) ~ /^[0-9]/ { print; exit }' "$work/tags.txt")"
  if [ -z "$tag" ]; then
    build_from_source "$repo has no release $action_ref.x"
  fi
  pinned="$tag"
fi

# The release's tag and asset names, one per line.
view=(release view)
if [ -n "$tag" ]; then
  view+=("$tag")
fi
view+=(--repo "$repo" --json 'tagName,assets' --jq '.tagName, .assets[].name')
if ! gh "${view[@]}" >"$work/release.txt" 2>"$work/error"; then
  gh_failed "release ${tag:-(latest)}"
fi
tag="$(head -n 1 "$work/release.txt")"
archive="webaudit-$target-$tag.$extension"
has_asset() { tail -n +2 "$work/release.txt" | grep -qxF "$1"; }
if ! has_asset "$archive"; then
  build_from_source "release $tag of $repo has no $archive (for ${RUNNER_OS} ${RUNNER_ARCH})"
fi
if has_asset "$archive.sha256"; then
  checksums="$archive.sha256"
elif has_asset SHA256SUMS; then
  checksums=SHA256SUMS
else
  fail "release $tag of $repo has no checksum for $archive (neither $archive.sha256 nor SHA256SUMS): refusing to run a binary that cannot be verified"
fi

if ! gh release download "$tag" --repo "$repo" --pattern "$archive" --pattern "$checksums" \
  --dir "$work/download" 2>"$work/error"; then
  fail "cannot download $archive from release $tag of $repo: $(head -c 500 "$work/error")"
fi

# `sha256sum` lines: HASH, two spaces (or " *" in binary mode), the file name.
expected="$(awk -v name="$archive" '{ file = $2; sub(/^\*/, "", file); sub(/^\.\//, "", file) } file == name { print tolower($1); exit }' "$work/download/$checksums")"
if [ -z "$expected" ]; then
  fail "$checksums of release $tag has no line for $archive: refusing to run a binary that cannot be verified"
fi
actual="$(sha256_of "$work/download/$archive")"
if [ "$actual" != "$expected" ]; then
  fail "checksum mismatch for $archive of release $tag: $checksums says $expected, the download is $actual. Refusing to run it (a corrupted or altered download); re-run the job, or set version: source to build from source"
fi
echo "webaudit: $archive verified (sha256 $actual)"

mkdir -p "$root"
case "$extension" in
  zip)
    # Windows runners have 7-Zip; unzip where it exists.
    if command -v unzip >/dev/null 2>&1; then
      unzip -q -o "$work/download/$archive" -d "$root"
    else
      7z x -y -bso0 "-o$root" "$work/download/$archive"
    fi
    ;;
  *) tar -xzf "$work/download/$archive" -C "$root" ;;
esac
folder="$root/webaudit-$target-$tag"
binary="$folder/$exe"
if ! reported="$("$binary" --version 2>&1)"; then
  fail "the release binary $binary does not run: $reported"
fi
if [ "$reported" != "webaudit ${tag#v}" ]; then
  fail "the release binary of $tag reports '$reported', expected 'webaudit ${tag#v}'"
fi
echo "webaudit: installed $reported from release $tag of $repo"
set_output version "${tag#v}"
if [ -n "${GITHUB_PATH:-}" ]; then
  echo "$folder" >>"$GITHUB_PATH"
fi
