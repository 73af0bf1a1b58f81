#!/usr/bin/env bash
# Build the image-heavy real corpus for webaudit (issue 18, item 3).
#
#   benches/corpus/image-app.sh OUT_DIR
#
# OUT_DIR becomes the GIMP 2.10 user manual in English, as Debian ships it
# (package gimp-help-en 2.10.34-2, Debian 12 "bookworm"): a static HTML site of
# 685 pages that shows 1,969 raster images (1,632 PNG: dialog and menu
# screenshots, diagrams, filter results; 337 JPEG: the photos the filter and
# tool chapters demonstrate on), 49 MB of images, 72 MB in all. Every image is
# referenced by the pages, so every one can be reported. Nothing is changed:
# OUT_DIR is the package's /usr/share/gimp/2.0/help/en, extracted as is.
#
# Licence: GNU Free Documentation License (the package's copyright file, kept in
# the cache next to the .deb).
#
# Re-runnable: the .deb is cached (IMAGE_APP_CACHE, default
# benches/work/image-app-cache, git-ignored); its sha256 is checked, and a
# mismatch stops the script. OUT_DIR is replaced.
#
# Needs: apt-get and dpkg-deb (Debian; run `apt-get update` once).
set -euo pipefail

[[ $# == 1 && $1 != -* ]] || { echo "usage: $0 OUT_DIR" >&2; exit 2; }
OUT="$1"
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${IMAGE_APP_CACHE:-$(dirname "$SCRIPT_DIR")/work/image-app-cache}"

PACKAGE=gimp-help-en
VERSION=2.10.34-2
SHA256=a2deec76763aaf2fcdd197bac0736cdcb0770ba993d48d233329e1c92b0bfe36
SITE=usr/share/gimp/2.0/help/en

mkdir -p "$CACHE"
DEB="$CACHE/${PACKAGE}_${VERSION}_all.deb"
if [[ ! -f "$DEB" ]]; then
  (cd "$CACHE" && apt-get download -q "$PACKAGE=$VERSION") || {
    echo "error: cannot download $PACKAGE=$VERSION (run apt-get update; Debian may have replaced it)" >&2
    exit 1
  }
fi
got="$(sha256sum "$DEB" | cut -d' ' -f1)"
[[ "$got" == "$SHA256" ]] || { echo "error: $DEB has sha256 $got, expected $SHA256" >&2; exit 1; }

X="$CACHE/x-$PACKAGE-$VERSION"
if [[ ! -f "$X/.done" ]]; then
  rm -rf "$X"; mkdir -p "$X"
  dpkg-deb -x "$DEB" "$X"
  touch "$X/.done"
fi
rm -rf "$OUT"; mkdir -p "$(dirname "$OUT")"
cp -r "$X/$SITE" "$OUT"
png=$(find "$OUT" -type f -iname '*.png' | wc -l)
jpeg=$(find "$OUT" -type f \( -iname '*.jpg' -o -iname '*.jpeg' \) | wc -l)
echo "[image-app] $OUT: $PACKAGE $VERSION, $(find "$OUT" -type f | wc -l) files, $(du -sm "$OUT" | cut -f1) MB, $png PNG, $jpeg JPEG" >&2
