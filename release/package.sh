#!/usr/bin/env bash
# Builds webaudit for one Rust target and makes its release asset: an archive named the way
# cargo-binstall looks for it (webaudit-TARGET-vVERSION.tar.gz, .zip for Windows, holding
# webaudit-TARGET-vVERSION/webaudit) and its checksum file (ARCHIVE.sha256, in `sha256sum`
# format, so `sha256sum -c ARCHIVE.sha256` verifies it). The release workflow runs this script
# on every runner, and .ci/run runs it for x86_64-unknown-linux-musl, so the packaging checked
# locally is the one that ships.
#
# Usage: release/package.sh TARGET [OUT_DIR]
#   TARGET   a Rust target, e.g. x86_64-unknown-linux-musl (installed with `rustup target add`)
#   OUT_DIR  where the archive and checksum go (default: target/release-assets)
# Prints the archive's path as its last line.
set -euo pipefail

die() {
  echo "release/package.sh: $*" >&2
  exit 1
}

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  die "usage: release/package.sh TARGET [OUT_DIR]"
fi
target="$1"
repo="$(cd "$(dirname "$0")/.." && pwd)"
out_dir="${2:-$repo/target/release-assets}"
cd "$repo"

# `cargo pkgid` ends with the version: ...#webaudit@0.1.0 or ...#0.1.0.
pkgid="$(cargo pkgid --quiet)"
version="${pkgid##*[#@]}"
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+ ]] || die "no version in cargo pkgid output: $pkgid"

if command -v rustup >/dev/null 2>&1 && ! rustup target list --installed | grep -qx "$target"; then
  die "the Rust target $target is not installed: rustup target add $target"
fi

case "$target" in
  *-windows-*) exe=webaudit.exe ;;
  *) exe=webaudit ;;
esac

case "$target" in
  x86_64-unknown-linux-musl)
    # The C parts (zlib, libwebp, BLAKE3's SIMD code) must be compiled against musl's headers:
    # cc-rs uses musl-gcc for this target.
    command -v musl-gcc >/dev/null 2>&1 || die "musl-gcc is needed for $target (Debian/Ubuntu: apt-get install musl-tools)"
    ;;
  *-linux-musl)
    # cc-rs looks for <arch>-linux-musl-gcc for other musl targets (a cross compiler). On a
    # runner of the target's own architecture (the release builds aarch64 on an arm64 runner),
    # Debian/Ubuntu's musl-gcc is that compiler: say so, or cc-rs falls back to the glibc gcc.
    arch="${target%%-*}"
    cc_variable="CC_${target//-/_}"
    if ! command -v "$arch-linux-musl-gcc" >/dev/null 2>&1 && [ -z "${!cc_variable:-}" ]; then
      if [ "$(uname -m)" != "$arch" ] || ! command -v musl-gcc >/dev/null 2>&1; then
        die "$target needs $arch-linux-musl-gcc, or musl-gcc (musl-tools) on an $arch machine"
      fi
      export "$cc_variable=musl-gcc"
    fi
    ;;
  *-windows-msvc)
    # Link the C runtime statically, so the binary runs without the Visual C++ redistributable
    # (vcruntime140.dll); cc-rs then builds the C parts with /MT to match.
    export RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+crt-static"
    ;;
esac

cargo build --release --locked --target "$target"
binary="target/$target/release/$exe"
[ -f "$binary" ] || die "cargo build did not produce $binary"

case "$target" in
  *-linux-*)
    # The promise of the Linux binaries: they run on any distribution, glibc or musl.
    description="$(file -b "$binary")"
    case "$description" in
      *"statically linked"* | *"static-pie linked"*) echo "static: $description" ;;
      *) die "$binary is not statically linked: $description" ;;
    esac
    ;;
esac

# Run the binary where this machine can: same architecture and operating system.
host="$(rustc -vV | sed -n 's/^host: //p')"
host_os() { case "$1" in *-linux-*) echo linux ;; *-apple-*) echo macos ;; *-windows-*) echo windows ;; *) echo "$1" ;; esac; }
if [ "${host%%-*}" = "${target%%-*}" ] && [ "$(host_os "$host")" = "$(host_os "$target")" ]; then
  reported="$("$binary" --version)"
  [ "$reported" = "webaudit $version" ] || die "$binary --version printed '$reported', expected 'webaudit $version'"
  "$binary" --no-cache fixtures/vite-app/dist >/dev/null \
    || die "$binary failed to audit fixtures/vite-app/dist"
  echo "ran: $reported, audited fixtures/vite-app/dist"
else
  echo "not run: $target binary on a $host machine"
fi

name="webaudit-$target-v$version"
mkdir -p "$out_dir"
out_dir="$(cd "$out_dir" && pwd)"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
mkdir "$stage/$name"
cp "$binary" "$stage/$name/$exe"
# README's links point into docs/ (the reference, the JSON Schemas) and examples/: they ship
# beside it, and every relative link must resolve inside the archive.
cp README.md "$stage/$name/"
# (examples/ is otherwise scratch space: only the example workflow is shipped.)
cp -R docs "$stage/$name/"
mkdir "$stage/$name/examples"
cp examples/github-workflow.yml "$stage/$name/examples/"
while IFS= read -r link; do
  [ -e "$stage/$name/$link" ] || die "README.md links to $link, which the archive does not hold"
done < <(grep -o '](\([^)#]*\)' README.md | sed 's/^](//' | grep -v '^[a-z]*:' | sort -u)

case "$target" in
  *-windows-*)
    archive="$name.zip"
    rm -f "$out_dir/$archive"
    # 7-Zip is on GitHub's Windows runners; zip elsewhere.
    if command -v 7z >/dev/null 2>&1; then
      (cd "$stage" && 7z a -tzip -bso0 "$out_dir/$archive" "$name")
    else
      (cd "$stage" && zip -qr "$out_dir/$archive" "$name")
    fi
    ;;
  *)
    archive="$name.tar.gz"
    tar -C "$stage" -czf "$out_dir/$archive" "$name"
    ;;
esac

# sha256sum on Linux and Windows (Git Bash); macOS has shasum. Both write "HASH  NAME".
if command -v sha256sum >/dev/null 2>&1; then
  sha256=(sha256sum)
else
  sha256=(shasum -a 256)
fi
(
  cd "$out_dir"
  "${sha256[@]}" "$archive" >"$archive.sha256"
  "${sha256[@]}" -c "$archive.sha256" >/dev/null || die "checksum of $archive does not verify"
)
echo "checksum: $(cat "$out_dir/$archive.sha256")"
echo "$out_dir/$archive"
