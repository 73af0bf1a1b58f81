#!/usr/bin/env bash
# Builds the layout oracle's page corpus (issue 16): real static sites, each a folder a server
# would serve, plus the list of pages in each that carry images, for benches/layout_oracle.py
# (Chromium boxes vs `webaudit layout`) and benches/layout_lighthouse.py (Lighthouse 12 vs
# webaudit's image rules). Also unpacks the fonts both browsers must use.
#
# usage: benches/corpus/layout-pages.sh [OUT_DIR]     (default benches/work/layout-pages)
#
#   site              source (registry, pinned)                 generator        pages
#   docusaurus        create-docusaurus 3.10.2 (npm) "classic"  Docusaurus 3     home, blog, a post, 3 docs with images
#                     template, JavaScript variant, built with
#                     the locked dependencies in layout-pages/docusaurus/
#   eleventy-blog     eleventy-base-blog 5.0.2 (npm): a real    Eleventy 0.11    a post with a chart, about with a photo
#                     blog (Gil Tayar's) on the Eleventy base
#                     blog starter, locked in layout-pages/eleventy-blog/
#   pygame-doc        python-pygame-doc 2.1.2+dfsg-5 (Debian)   Sphinx 5         5 tutorials (screenshots, diagrams)
#   sphinx-doc        sphinx-doc 5.3.0-4 (Debian)               Sphinx 5         theme gallery, quickstart, 2 more
#   gtk3-doc          libgtk-3-doc 3.24.38-2~deb12u3 (Debian)   gtk-doc          widget gallery (64 images), 4 API pages
#   debian-handbook   debian-handbook 11.20220922 (Debian)      Publican/DocBook 5 chapters with screenshots (en-US only)
#   hexo-butterfly    hexo 8.1.2 + hexo-theme-butterfly 5.7.0   Hexo 8           home (post covers), 3 posts, archives
#                     (npm), its lazyload option on: a blog
#                     whose every <img> is loaded by a script
#                     (vanilla-lazyload 19.1.3); site, posts and
#                     lock in layout-pages/hexo-butterfly/
#
# - Output: OUT_DIR/<site>/ (the served folder), OUT_DIR/pages.json ({"sites": [{"name", "dir",
#   "source", "generator", "pages": [...]}]}), and OUT_DIR/fonts/: Liberation Sans/Serif/Mono
#   from Debian's fonts-liberation2 2.1.5-1 (the set webaudit bundles) with a fonts.conf whose
#   only <dir> is that folder and sans-serif/serif/monospace aliased to them; the oracle runs
#   Chromium with FONTCONFIG_FILE pointing at it.
# - Debian documentation is served as shipped except its symlinks, which point outside the
#   package (Debian's shared jquery/underscore for Sphinx search): they are removed, so those
#   scripts 404 for Chromium and webaudit alike. Every .deb is checked against its sha256.
# - npm sites: the template comes from the pinned package (create-docusaurus scaffolds it;
#   eleventy-base-blog is unpacked by npm pack, its integrity checked), then `npm install` with
#   the committed lock file (npm ci refuses create-docusaurus's lock: it lacks other platforms'
#   optional swc binaries; npm install keeps every locked version), then the generator's build.
#   eleventy-base-blog lists netlify-cli (a deploy tool, not used to build) as a dependency; it
#   is dropped before install. The Docusaurus home page's illustrations are inline SVG: its only
#   <img> are the navbar logos.
# - hexo-butterfly: the one site whose images a script loads. Its sources are ours (Hexo's
#   starter config, Butterfly's options in _config.butterfly.yml, 3 posts in source/_posts/ whose
#   images are screenshots from debian-handbook and pygame-doc, copied in at build time);
#   Hexo, the theme and the plugins are the locked npm packages. Butterfly's `lazyload` option
#   (field: site) rewrites every <img> of the built HTML to src="data:image/gif;base64,..." (a
#   1x1 GIF) + data-lazy-src="<real address>", and its main.js runs vanilla-lazyload on them
#   (threshold 0: an image is requested once it meets the viewport). The theme loads that
#   library from a CDN by default; here from the site (its CDN.option), copied from the
#   vanilla-lazyload package the theme names. Pages: the home page (no banner: the post list
#   with its lazy covers starts at the top), a post whose first thing is a 1024x768 screenshot
#   (top_img: false: the largest image of the first screen is the lazy one), two posts with a
#   cover as the header's CSS background and their lazy screenshots further down, the archive.
# - Idempotent: OUT_DIR/.stamps/<site> holds the spec line the site was built from; a site whose
#   stamp matches is left alone. Builds happen in LAYOUT_BUILD_DIR (default
#   benches/work/layout-build), downloads in benches/work/layout-dl.
# - Needs: node 20 + npm (registry), apt-get with Debian 12 sources (`apt-get update` once),
#   dpkg-deb, sha256sum, python3. About 45 MB of .debs; node_modules about 600 MB.
set -euo pipefail
shopt -s nullglob inherit_errexit

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BENCHES_DIR=$(dirname "$SCRIPT_DIR")
OUT=$(mkdir -p "${1:-$BENCHES_DIR/work/layout-pages}" && cd "${1:-$BENCHES_DIR/work/layout-pages}" && pwd)
BUILD=${LAYOUT_BUILD_DIR:-$BENCHES_DIR/work/layout-build}
DL=$BENCHES_DIR/work/layout-dl
LOCKS=$SCRIPT_DIR/layout-pages
export CACHE_DIR=$BENCHES_DIR/work/npm
# shellcheck source-path=SCRIPTDIR source=npm-fetch.sh
source "$SCRIPT_DIR/npm-fetch.sh"

for tool in node npm apt-get dpkg-deb sha256sum python3; do
  command -v "$tool" >/dev/null || { echo "error: '$tool' is required" >&2; exit 2; }
done
mkdir -p "$OUT/.stamps" "$BUILD" "$DL"

# Debian packages: package, version, sha256 of the .deb.
DEBS=$(cat <<'EOF'
fonts-liberation2	2.1.5-1	35ffaa54f117e633e89a5da89af235a073b34dbe582726fbf6989568f7fd9bda
python-pygame-doc	2.1.2+dfsg-5	8b8d060ee89404aa0a6344321c1ed7310c7af251bd4c9f571fac4e7601354677
sphinx-doc	5.3.0-4	1da3d08bb3a0bc82a4b8b8109410e223054bf5fb13904557ec8ea869046f65b4
libgtk-3-doc	3.24.38-2~deb12u3	50576efbab6f45f001295279b41aa26526c441b2f7b0365ee1e17f3a46f45f78
debian-handbook	11.20220922	3d5dbeac1f1afc9c094eab9d0f701f6ecff99c4927d5a4794cf6c85678134faa
EOF
)

# Sites: name, kind (deb|npm), source (package@version for deb sites: the folder inside it),
# generator, pages (space-separated, relative to the site folder; chosen as the pages with the
# most images, plus each site's home page where it has one).
SITES=$(cat <<'EOF'
docusaurus	npm	create-docusaurus@3.10.2	Docusaurus 3.10.2	index.html blog/index.html blog/welcome/index.html docs/tutorial-basics/markdown-features/index.html docs/tutorial-extras/manage-docs-versions/index.html docs/tutorial-extras/translate-your-site/index.html
eleventy-blog	npm	eleventy-base-blog@5.0.2	Eleventy 0.11	posts/backend-devs-dont-upgrade-to-apple-silicon-yet/index.html about/index.html
pygame-doc	deb	python-pygame-doc:usr/share/doc/python-pygame-doc/html	Sphinx 5	tut/SurfarrayIntro.html tut/CameraIntro.html tut/PygameIntro.html tut/tom_games4.html tut/en/Red_or_Black/1.Prolog/introduction.html
sphinx-doc	deb	sphinx-doc:usr/share/doc/sphinx-doc/html	Sphinx 5.3	usage/theming.html usage/quickstart.html usage/extensions/inheritance.html tutorial/describing-code.html
gtk3-doc	deb	libgtk-3-doc:usr/share/gtk-doc/html/gtk3	gtk-doc 1.33	ch03.html GtkMenuButton.html GtkStyleContext.html ch01s04.html GtkPrintSettings.html
debian-handbook	deb	debian-handbook:usr/share/doc/debian-handbook/html/en-US	Publican (DocBook)	sect.virtualization.html sect.installation-steps.html sect.selinux.html sect.apparmor.html sect.graphical-desktops.html
hexo-butterfly	npm	hexo@8.1.2+hexo-theme-butterfly@5.7.0	Hexo 8.1.2 (Butterfly 5.7.0, lazyload)	index.html 2026/03/14/desktop-environments/index.html 2026/02/02/installing-debian/index.html 2026/01/20/pygame-camera/index.html archives/index.html
EOF
)

# Downloads PACKAGE=VERSION into $DL (once), checks its sha256 and unpacks it into $DL/x/PACKAGE.
fetch_deb() {
  local pkg=$1 version=$2 sha=$3 deb
  deb="$DL/${pkg}_${version//:/%3a}_all.deb"
  if [[ ! -f "$deb" ]] || [[ "$(sha256sum "$deb" | cut -d' ' -f1)" != "$sha" ]]; then
    echo "fetching $pkg=$version" >&2
    (cd "$DL" && apt-get download "$pkg=$version" >/dev/null)
  fi
  [[ "$(sha256sum "$deb" | cut -d' ' -f1)" == "$sha" ]] || { echo "error: $deb: sha256 differs from the pinned one" >&2; exit 1; }
  if [[ ! -f "$DL/x/$pkg/.complete" ]]; then
    rm -rf "$DL/x/$pkg" && mkdir -p "$DL/x/$pkg"
    dpkg-deb -x "$deb" "$DL/x/$pkg"
    touch "$DL/x/$pkg/.complete"
  fi
}

while IFS=$'\t' read -r pkg version sha; do
  fetch_deb "$pkg" "$version" "$sha"
done <<<"$DEBS"

# Fonts: the exact set webaudit bundles, and nothing else visible to Chromium.
mkdir -p "$OUT/fonts"
cp "$DL"/x/fonts-liberation2/usr/share/fonts/truetype/liberation2/Liberation*.ttf "$OUT/fonts/"
cat >"$OUT/fonts/fonts.conf" <<EOF
<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig>
  <dir>$OUT/fonts</dir>
  <cachedir>$OUT/fonts/cache</cachedir>
  <alias binding="same"><family>sans-serif</family><prefer><family>Liberation Sans</family></prefer></alias>
  <alias binding="same"><family>serif</family><prefer><family>Liberation Serif</family></prefer></alias>
  <alias binding="same"><family>monospace</family><prefer><family>Liberation Mono</family></prefer></alias>
  <alias binding="same"><family>system-ui</family><prefer><family>Liberation Sans</family></prefer></alias>
  <alias binding="same"><family>sans</family><prefer><family>Liberation Sans</family></prefer></alias>
  <!-- The metric-compatible names (as Debian's 30-metric-aliases.conf): Chromium's default
       standard font is Times New Roman. -->
  <alias binding="same"><family>Arial</family><prefer><family>Liberation Sans</family></prefer></alias>
  <alias binding="same"><family>Helvetica</family><prefer><family>Liberation Sans</family></prefer></alias>
  <alias binding="same"><family>Times New Roman</family><prefer><family>Liberation Serif</family></prefer></alias>
  <alias binding="same"><family>Times</family><prefer><family>Liberation Serif</family></prefer></alias>
  <alias binding="same"><family>Courier New</family><prefer><family>Liberation Mono</family></prefer></alias>
  <alias binding="same"><family>Courier</family><prefer><family>Liberation Mono</family></prefer></alias>
  <!-- A request naming no family (Chromium's system-ui asks so) gets Liberation Sans, as
       49-sansserif.conf does on a normal system; without it fontconfig picks the first file. -->
  <match target="pattern"><edit name="family" mode="append_last"><string>Liberation Sans</string></edit></match>
</fontconfig>
EOF

# Copies a finished build folder into $OUT/<site> (replacing it) and stamps it.
install_site() {
  local name=$1 from=$2 spec=$3
  rm -rf "$OUT/$name.tmp"
  cp -r "$from" "$OUT/$name.tmp"
  find "$OUT/$name.tmp" -type l -delete
  rm -rf "${OUT:?}/${name:?}"
  mv "$OUT/$name.tmp" "$OUT/$name"
  printf '%s\n' "$spec" >"$OUT/.stamps/$name"
}

build_docusaurus() {
  local dir=$BUILD/docusaurus
  rm -rf "$dir"
  (cd "$BUILD" && npm exec --yes create-docusaurus@3.10.2 -- docusaurus classic --javascript --skip-install >/dev/null)
  cp "$LOCKS/docusaurus/package-lock.json" "$dir/"
  (cd "$dir" && npm install --no-audit --no-fund --loglevel=error >&2 && npm run build >/dev/null)
  echo "$dir/build"
}

build_eleventy_blog() {
  local dir=$BUILD/eleventy-blog pkg
  pkg=$(fetch_package eleventy-base-blog@5.0.2 "sha512-X4eMMmWcAbSFhlRYbNF8Va+yMy2ZnzG7BlekquXqWKX8lblzqMTJzynAYqS9W0Jr1ai3kVxA1MmHxKFwozNdRw==")
  rm -rf "$dir" && cp -r "$pkg" "$dir" && rm -f "$dir/.complete"
  (cd "$dir" && npm pkg delete dependencies.netlify-cli)
  cp "$LOCKS/eleventy-blog/package-lock.json" "$dir/"
  (cd "$dir" && npm install --no-audit --no-fund --loglevel=error >&2 && npx --no-install eleventy --quiet >/dev/null)
  echo "$dir/_site"
}

build_hexo_butterfly() {
  local dir=$BUILD/hexo-butterfly f
  local handbook=$DL/x/debian-handbook/usr/share/doc/debian-handbook/html/en-US/images
  local pygame=$DL/x/python-pygame-doc/usr/share/doc/python-pygame-doc/html/_images
  rm -rf "$dir" && cp -r "$LOCKS/hexo-butterfly" "$dir"
  mkdir -p "$dir/source/images" "$dir/source/js"
  for f in kde gnome xfce cinnamon mate inst-rootpw inst-username inst-partman inst-tasksel; do
    cp "$handbook/$f.png" "$dir/source/images/"
  done
  for f in camera_rgb camera_yuv camera_hsv camera_thresholded camera_average; do
    cp "$pygame/$f.jpg" "$dir/source/images/"
  done
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >&2)
  cp "$dir/node_modules/vanilla-lazyload/dist/lazyload.iife.min.js" "$dir/source/js/"
  (cd "$dir" && npx --no-install hexo generate --silent >/dev/null)
  echo "$dir/public"
}

# What a site is built from besides its spec line: the files we keep for it (lock file, and for
# hexo-butterfly its whole source), so that editing them rebuilds it.
locks_digest() {
  [[ -d "$LOCKS/$1" ]] || return 0
  (cd "$LOCKS/$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
}

PAGES_JSON=()
while IFS=$'\t' read -r name kind source generator pages; do
  digest=$(locks_digest "$name")
  spec="$name	$kind	$source	$generator${digest:+	locks $digest}"
  if [[ -f "$OUT/.stamps/$name" && "$(cat "$OUT/.stamps/$name")" == "$spec" && -d "$OUT/$name" ]]; then
    echo "$name: up to date" >&2
  else
    echo "$name: building" >&2
    case "$kind" in
      deb) install_site "$name" "$DL/x/${source%%:*}/${source#*:}" "$spec" ;;
      npm)
        case "$name" in
          docusaurus) from=$(build_docusaurus) ;;
          eleventy-blog) from=$(build_eleventy_blog) ;;
          hexo-butterfly) from=$(build_hexo_butterfly) ;;
          *) echo "error: no build for npm site $name" >&2; exit 1 ;;
        esac
        install_site "$name" "$from" "$spec" ;;
    esac
  fi
  for page in $pages; do
    [[ -f "$OUT/$name/$page" ]] || { echo "error: $name: page $page was not built" >&2; exit 1; }
  done
  PAGES_JSON+=("$(python3 -c 'import json,sys; print(json.dumps({"name": sys.argv[1], "dir": sys.argv[1], "source": sys.argv[2], "generator": sys.argv[3], "pages": sys.argv[4].split()}))' "$name" "$source" "$generator" "$pages")")
done <<<"$SITES"

python3 - "$OUT/pages.json" "${PAGES_JSON[@]}" <<'EOF'
import json, sys
sites = [json.loads(s) for s in sys.argv[2:]]
with open(sys.argv[1], "w") as f:
    json.dump({"sites": sites}, f, indent=1)
print(f"{len(sites)} sites, {sum(len(s['pages']) for s in sites)} pages -> {sys.argv[1]}", file=sys.stderr)
EOF
