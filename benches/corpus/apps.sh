#!/usr/bin/env bash
# Builds the real-apps corpus: the built web front ends that 21 pinned PyPI wheels, npm
# packages and Debian packages ship, each extracted as the folder a server would serve, so webaudit can be run on
# what production apps actually look like (pages, hashed bundles, inline <style>/<script>,
# fonts, images), e.g. to compare two binaries with benches/corpus/diff_findings.py.
#
# usage: benches/corpus/apps.sh [--keep-downloads] [NAME...]
#
#   name        package (registry)                     bundler                             folder in the package
#   streamlit   streamlit 1.67.0 (PyPI)                Vite                                streamlit/static/
#   gradio      gradio 6.31.0 (PyPI)                   Vite (Svelte)                       gradio/templates/frontend/
#   jupyterlab  jupyterlab 4.6.6 (PyPI)                webpack 5 (module federation)       jupyterlab/static/ (index.html is a Jinja template)
#   mlflow      mlflow 3.18.0 (PyPI)                   webpack 5 (create-react-app/craco)  mlflow/server/js/build/
#   tensorboard tensorboard 2.21.0 (PyPI)              Bazel Closure rules (vulcanized)    tensorboard/webfiles.zip (the whole zip)
#   locust      locust 2.47.0 (PyPI)                   Vite (+ single-file report.html)    locust/webui/dist/
#   litellm     litellm 1.110.2 (PyPI, manylinux wheel) Next.js (Turbopack, app router)    litellm/proxy/_experimental/out/ (URLs start /litellm-asset-prefix/)
#   dagster     dagster-webserver 1.13.27 (PyPI)       Next.js (webpack, pages router)     dagster_webserver/webapp/build/ (URLs start BUILDTIME_ASSETPREFIX_REPLACE_ME/)
#   mesop       mesop 1.3.7 (PyPI)                     Angular (Bazel + esbuild)           mesop/web/src/app/prod/web_package/
#   phoenix     arize-phoenix 20.26.1 (PyPI)           Vite 8 (rolldown)                   phoenix/server/static/ + server/templates/index.html as index.html
#
# Several pages are server templates served as they are shipped ({{ … }} / {% … %} left in:
# jupyterlab, gradio, phoenix, homeassistant, airflow), and two Next.js exports carry an asset prefix that
# their server rewrites (litellm: audit with `[pages] base = "/litellm-asset-prefix/"`); prefect's
# URLs carry a placeholder its server replaces.
#   playwright  playwright-core 1.65.1 (npm)           Vite (trace viewer, UI mode, HTML report, recorder, dashboard)  lib/vite/
#   homeassistant home-assistant-frontend 20250109.2 (PyPI) Rspack 1.1              hass_frontend/ (modern + ES5 builds, .gz/.br copies)
#   cockpit     cockpit 287.1-0+deb12u3 (Debian 12)   esbuild                             usr/share/cockpit/ of cockpit-bridge, -ws, -system,
#                                                                                         -storaged, -networkmanager: scripts and styles shipped
#                                                                                         only as X.js.gz / X.css.gz (cockpit-ws serves them)
#   marimo      marimo 0.25.2 (PyPI)                   Vite 8 (rolldown)                   marimo/_static/ (index.html preloads fonts and images)
#   strawberry  strawberry-graphql 0.341.2 (PyPI)      none: hand-written pages            strawberry/static/ (GraphiQL, Apollo Sandbox, Pathfinder
#                                                                                         pages loading their code from unpkg and Apollo's CDN)
#   kedro       kedro-viz 12.5.0 (PyPI)                Vite                                kedro_viz/html/
#   optuna      optuna-dashboard 0.21.0 (PyPI)         webpack 5                           laid out as its server answers: optuna_dashboard/img/ as the
#                                                                                         root (/favicon.ico and its .gz), index.html (served at
#                                                                                         /dashboard) and public/* as static/ (/static/*, .gz copies
#                                                                                         included), through the extras column
#   prefect     prefect 3.9.1 (PyPI)                   Vite                                prefect/server/ui/ (as shipped: URLs start
#                                                                                         /PREFECT_UI_SERVE_BASE_REPLACE_PLACEHOLDER/, which the server
#                                                                                         replaces in its copy)
#   swagger     swagger-ui-dist 5.36.0 (npm)           webpack 5                           the package root (folder `.`; also holds package.json, the
#                                                                                         CommonJS builds for bundlers and webpack size logs)
#   airflow     apache-airflow-core 3.3.2 (PyPI)       Vite 8 (rolldown)                   airflow/ui/dist/ (index.html is a Jinja template with
#                                                                                         <base href="{{ backend_server_base_url }}">; the server
#                                                                                         mounts the folder at /static/)
#   zenml       zenml 0.98.0 (PyPI)                    Vite 8 (rolldown)                   zenml/zen_server/dashboard/
#
# - Output: benches/work/apps/<name>/ (override the parent with APPS_DIR=DIR), plus
#   APPS_DIR/MANIFEST.tsv: name, package@version, registry, bundler, folder, files, bytes, pages.
# - PyPI wheels: `pip download --no-deps --only-binary=:all:` (for a fixed platform, so the same
#   wheel comes on any machine), checked against the pinned sha256, into benches/work/apps-dl
#   (APPS_CACHE=DIR); only the app's folder is unzipped (Python files and py.typed are dropped). A wheel is deleted
#   once its app is extracted unless --keep-downloads is given (disk is tight; a rebuild
#   downloads it again).
# - Debian packages: `apt-get download PACKAGE=VERSION` (the machine's apt sources must carry
#   the pinned version: Debian 12 "bookworm"; run `apt-get update` first on a fresh machine),
#   each .deb checked against its pinned sha256 and unpacked with dpkg-deb; the artifact column
#   lists the packages (comma-separated) and the hash column their sha256s in the same order.
# - npm packages: `npm pack` through benches/corpus/npm-fetch.sh (pinned sha512 integrity),
#   cached in benches/work/npm like the other corpora. The folder `.` is the package root
#   (npm-fetch.sh's .complete marker is left out).
# - Idempotent: APPS_DIR/.stamps/<name>.tsv records the spec line and every file with its size;
#   an app whose folder still matches its stamp is left alone (no download). A changed spec or
#   a modified folder is rebuilt beside it and swapped in. NAME... limits the run to those apps.
# - Needs: python3 with pip, unzip, sha256sum; npm + node for the npm apps. About 340 MB of
#   downloads (the Home Assistant wheel is 83 MB, litellm's 44 MB, marimo's 39 MB; the six apps
#   added on 2026-12-06 are 32.2 MB together) and 526 MB extracted (MANIFEST.tsv's bytes column).
set -euo pipefail
shopt -s nullglob

KEEP=0
ONLY=()
for arg in "$@"; do
  case "$arg" in
    --keep-downloads) KEEP=1 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 0 ;;
    -*) echo "usage: $0 [--keep-downloads] [NAME...]" >&2; exit 2 ;;
    *) ONLY+=("$arg") ;;
  esac
done

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BENCHES_DIR=$(dirname "$SCRIPT_DIR")
OUT=${APPS_DIR:-$BENCHES_DIR/work/apps}
DL=${APPS_CACHE:-$BENCHES_DIR/work/apps-dl}
# npm-fetch.sh's cache, shared with js-css.sh and js-maps.sh.
export CACHE_DIR=$BENCHES_DIR/work/npm

for tool in python3 unzip sha256sum; do
  command -v "$tool" >/dev/null || { echo "error: '$tool' is required" >&2; exit 2; }
done

# name, registry, package, version, artifact (wheel file name | -), hash (wheel sha256 | npm
# sha512 integrity), folder in the package (a .zip: that zip, extracted whole), extra files
# (SRC>DEST in the package/app, comma-separated, or -), bundler.
SPEC=$(cat <<'EOF'
streamlit	pypi	streamlit	1.67.0	streamlit-1.67.0-py3-none-any.whl	f29da87c443bfbdfc52738616e3d65745d438e718da8faf69e2be0da1e52ce64	streamlit/static	-	Vite
gradio	pypi	gradio	6.31.0	gradio-6.31.0-py3-none-any.whl	7b50b9b6a2d23cd02851ad4c8b1c8312c88d8b911d1f29c93f9761c98348a64a	gradio/templates/frontend	-	Vite (Svelte)
jupyterlab	pypi	jupyterlab	4.6.6	jupyterlab-4.6.6-py3-none-any.whl	4261910ccf1ecad6e0b3ca0debe96d4fde9735bfc9707509c125aab850e06b81	jupyterlab/static	-	webpack 5 (module federation)
mlflow	pypi	mlflow	3.18.0	mlflow-3.18.0-py3-none-any.whl	be7d84ba0d0b12392f5b53260cdb3e6d7b7ef4b80c29da90a89b5a1f6db7102f	mlflow/server/js/build	-	webpack 5 (CRA/craco)
tensorboard	pypi	tensorboard	2.21.0	tensorboard-2.21.0-py3-none-any.whl	7279316dcb6bd5bc391d623dea841531299cde1887310e8133bc34a996d32255	tensorboard/webfiles.zip	-	Bazel Closure rules
locust	pypi	locust	2.47.0	locust-2.47.0-py3-none-any.whl	a773af200bb93b1bed0b99c48c18f11343ed159803a8af3ee3ad0696b05b7d09	locust/webui/dist	-	Vite
litellm	pypi	litellm	1.110.2	litellm-1.110.2-cp310-abi3-manylinux_2_28_x86_64.whl	9d94d1c7d524b6fd10c14f9c8c6c4f0ac31705f9964ac59dcfd8337c046d8917	litellm/proxy/_experimental/out	-	Next.js (Turbopack)
dagster	pypi	dagster-webserver	1.13.27	dagster_webserver-1.13.27-py3-none-any.whl	80c527117c07c17198a66ab14adfb588252476aacf2dca1591dca9e921e59f6a	dagster_webserver/webapp/build	-	Next.js (webpack)
mesop	pypi	mesop	1.3.7	mesop-1.3.7-py3-none-any.whl	e7cd218667a445841a624047b40a113a84a9d409d46c36644cc0f573583b251f	mesop/web/src/app/prod/web_package	-	Angular (Bazel + esbuild)
homeassistant	pypi	home-assistant-frontend	20250109.2	home_assistant_frontend-20250109.2-py3-none-any.whl	8c4f3e4336147ed405b86809baf15823367d0ec105a0da4f4bde168e693bdd2b	hass_frontend	-	Rspack
phoenix	pypi	arize-phoenix	20.26.1	arize_phoenix-20.26.1-py3-none-any.whl	dd318844cba1d7021d8accaa995b7f3716d559eab4afb549dfb1017dd51bab56	phoenix/server/static	phoenix/server/templates/index.html>index.html	Vite 8 (rolldown)
cockpit	debian	cockpit	287.1-0+deb12u3	cockpit-bridge,cockpit-ws,cockpit-system,cockpit-storaged,cockpit-networkmanager	8fdd58f6c7f07a4a5097ca8c3b5a03e77c81b8721468c7465e67aecf3a2573a3,635816d9b22d0c341d47f515fdcea1f34a69ccf4d1fc33b77995a874b0ab1f4c,3df78ed5635c0c125353e2ac212666ac4947df74014a0e50581cca7b86a5b6d4,b9ece1597dce815997928be9ca4fd16aa9885c3c5929fe6e76200007de9b8be0,355971b595378b10eec896a541da23cc57cee0bc98d2f256c011fdf0fa75bc31	usr/share/cockpit	-	esbuild (precompressed .gz only)
playwright	npm	playwright-core	1.65.1	-	sha512-hqPpz7blSMPxWVdoeE1yiBSzXsKiVOd2k+kjCvmUywD2GPO2Dd9HfcWnq9NN0GHbNZDFgZ9JfBFr+X5/BLo0qw==	lib/vite	-	Vite
marimo	pypi	marimo	0.25.2	marimo-0.25.2-py3-none-any.whl	7acb7a433755c6d965c03e07725477ab63804f6667ba9e37e4da582f358018c7	marimo/_static	-	Vite 8 (rolldown)
strawberry	pypi	strawberry-graphql	0.341.2	strawberry_graphql-0.341.2-py3-none-any.whl	73e9c4cf5e2fddd522d2741491a6fbba70f940d945ab0a40152b2fadf26d9a89	strawberry/static	-	hand-written (CDN scripts)
kedro	pypi	kedro-viz	12.5.0	kedro_viz-12.5.0-py3-none-any.whl	f70eb1d55a5f539ffff96a229128bf979208275e265f61c9c56b9286af746b44	kedro_viz/html	-	Vite
optuna	pypi	optuna-dashboard	0.21.0	optuna_dashboard-0.21.0-py3-none-any.whl	1915952f2083387a187633893d812b4d81b3ab8d913eeb29b3acc5869e642e1e	optuna_dashboard/img	optuna_dashboard/index.html>index.html,optuna_dashboard/public/bundle.js>static/bundle.js,optuna_dashboard/public/bundle.js.gz>static/bundle.js.gz,optuna_dashboard/public/bundle.js.LICENSE.txt>static/bundle.js.LICENSE.txt,optuna_dashboard/public/bundle.js.LICENSE.txt.gz>static/bundle.js.LICENSE.txt.gz	webpack 5
prefect	pypi	prefect	3.9.1	prefect-3.9.1-py3-none-any.whl	0c662e26e971b617993eed1f3d02fb8bc3c2dd47bee521b495f6e4dfeb38ae74	prefect/server/ui	-	Vite
swagger	npm	swagger-ui-dist	5.36.0	-	sha512-Lt6/Kb0gXmLdiabLhvso4VdJP9V7qJWB0zh0gzeXUV3+CMOTzMmvpJRSXN7EAjfwixwmoi9ezDbLHiexC7lA9A==	.	-	webpack 5
airflow	pypi	apache-airflow-core	3.3.2	apache_airflow_core-3.3.2-py3-none-any.whl	99258922bccec15be4700ff89f3c942b8acd93407e263c287ce863e671bb3c50	airflow/ui/dist	-	Vite 8 (rolldown)
zenml	pypi	zenml	0.98.0	zenml-0.98.0-py3-none-any.whl	801ffbe1821bd48dfc03c9fd5519f5a7d4387d86b3d48d08bd2057dfcde5ad30	zenml/zen_server/dashboard	-	Vite 8 (rolldown)
EOF
)

log() { printf '[apps] %s\n' "$*" >&2; }

for n in "${ONLY[@]}"; do
  awk -F'\t' -v n="$n" '$1 == n {found = 1} END {exit !found}' <<<"$SPEC" \
    || { echo "error: no app named '$n' (see the list at the top of $0)" >&2; exit 2; }
done

# "path<TAB>bytes" of every file under DIR, sorted.
listing() { (cd "$1" && find . -type f -printf '%P\t%s\n' | LC_ALL=C sort); }

wanted() {
  [[ ${#ONLY[@]} -eq 0 ]] && return 0
  local n
  for n in "${ONLY[@]}"; do [[ "$n" == "$1" ]] && return 0; done
  return 1
}

# Downloads a pinned wheel into $DL (unless there with the right hash); prints its path.
fetch_wheel() {
  local package=$1 version=$2 file=$3 sha=$4
  local path="$DL/$file"
  if [[ -f "$path" ]] && [[ "$(sha256sum "$path" | cut -d' ' -f1)" == "$sha" ]]; then
    echo "$path"
    return
  fi
  log "downloading $package==$version"
  local tmp
  tmp=$(mktemp -d "$DL/.pip.XXXXXX")
  # A fixed target (CPython 3.11, manylinux_2_28 x86_64) so pip picks the pinned wheel on
  # any machine; pure-Python wheels match any platform.
  if ! python3 -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
      --python-version 3.11 --implementation cp --platform manylinux_2_28_x86_64 \
      "$package==$version" -d "$tmp" >&2; then
    rm -rf "$tmp"
    echo "error: pip download $package==$version failed" >&2
    return 1
  fi
  [[ -f "$tmp/$file" ]] || { echo "error: pip download $package==$version did not give $file: $(ls "$tmp")" >&2; rm -rf "$tmp"; return 1; }
  local got
  got=$(sha256sum "$tmp/$file" | cut -d' ' -f1)
  if [[ "$got" != "$sha" ]]; then
    rm -rf "$tmp"
    echo "error: $file sha256 $got does not match the pinned $sha" >&2
    return 1
  fi
  mv "$tmp/$file" "$path"
  rm -rf "$tmp"
  echo "$path"
}

# Downloads the pinned .deb files of one Debian source into $DL (unless there with the right
# hashes) and unpacks them all into one folder under $DL; prints that folder.
fetch_debs() {
  local version=$1 packages=$2 hashes=$3
  command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null \
    || { echo "error: apt-get and dpkg-deb are required for the Debian apps" >&2; return 1; }
  local root="$DL/debian-root.$$"
  rm -rf "$root"
  mkdir -p "$root"
  local -a names sums
  IFS=, read -r -a names <<<"$packages"
  IFS=, read -r -a sums <<<"$hashes"
  local i deb got
  for i in "${!names[@]}"; do
    deb=$(find "$DL" -maxdepth 1 -name "${names[$i]}_${version//:/%3a}_*.deb" -print -quit)
    if [[ -z "$deb" ]] || [[ "$(sha256sum "$deb" | cut -d' ' -f1)" != "${sums[$i]}" ]]; then
      log "downloading ${names[$i]}=$version"
      (cd "$DL" && apt-get download -q "${names[$i]}=$version" >&2) \
        || { echo "error: apt-get download ${names[$i]}=$version failed (apt-get update? a Debian 12 source?)" >&2; return 1; }
      deb=$(find "$DL" -maxdepth 1 -name "${names[$i]}_${version//:/%3a}_*.deb" -print -quit)
    fi
    got=$(sha256sum "$deb" | cut -d' ' -f1)
    [[ "$got" == "${sums[$i]}" ]] \
      || { echo "error: $deb sha256 $got does not match the pinned ${sums[$i]}" >&2; return 1; }
    dpkg-deb -x "$deb" "$root"
  done
  echo "$root"
}

# Copies the app out of a source (a wheel, or an unpacked npm package folder) into STAGE.
extract_app() {
  local registry=$1 src=$2 folder=$3 extras=$4 stage=$5
  local tmp="$stage.x"
  rm -rf "$tmp"
  mkdir -p "$tmp" "$stage"
  if [[ "$registry" == pypi ]]; then
    if [[ "$folder" == *.zip ]]; then
      unzip -q "$src" "$folder" -d "$tmp"
      unzip -q "$tmp/$folder" -d "$stage"
    else
      unzip -q "$src" "$folder/*" -d "$tmp"
      cp -a "$tmp/$folder/." "$stage/"
    fi
  else
    cp -a "$src/$folder/." "$stage/"
    # npm-fetch.sh's marker of a complete unpack (only there when the folder is the package root).
    rm -f "$stage/.complete"
  fi
  if [[ "$extras" != - ]]; then
    local pair from to
    IFS=, read -r -a pairs <<<"$extras"
    for pair in "${pairs[@]}"; do
      from=${pair%%>*}
      to=${pair#*>}
      mkdir -p "$(dirname "$stage/$to")"
      if [[ "$registry" == pypi ]]; then
        unzip -q -p "$src" "$from" >"$stage/$to"
      else
        cp "$src/$from" "$stage/$to"
      fi
    done
  fi
  rm -rf "$tmp"
  find "$stage" \( -name '*.py' -o -name '*.pyc' -o -name py.typed \) -type f -delete
  find "$stage" -name __pycache__ -type d -prune -exec rm -rf {} +
  chmod -R u+rwX,go+rX "$stage"
}

mkdir -p "$OUT/.stamps" "$DL"
if [[ -n "$(awk -F'\t' '$2 == "npm"' <<<"$SPEC")" ]]; then
  for tool in npm node tar; do
    command -v "$tool" >/dev/null || { echo "error: '$tool' is required for the npm apps (apt-get install nodejs npm)" >&2; exit 2; }
  done
  # shellcheck source=benches/corpus/npm-fetch.sh
  source "$SCRIPT_DIR/npm-fetch.sh"
fi

built=0
kept=0
while IFS=$'\t' read -r name registry package version artifact hash folder extras bundler; do
  [[ -z "$name" ]] && continue
  wanted "$name" || continue
  line=$(printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s' "$name" "$registry" "$package" "$version" "$artifact" "$hash" "$folder" "$extras" "$bundler")
  stamp="$OUT/.stamps/$name.tsv"
  dest="$OUT/$name"
  if [[ -f "$stamp" && -d "$dest" ]] && [[ "$(head -n 1 "$stamp")" == "$line" ]] \
      && [[ "$(tail -n +2 "$stamp")" == "$(listing "$dest")" ]]; then
    kept=$((kept + 1))
    continue
  fi
  if [[ "$registry" == pypi ]]; then
    src=$(fetch_wheel "$package" "$version" "$artifact" "$hash")
  elif [[ "$registry" == debian ]]; then
    src=$(fetch_debs "$version" "$artifact" "$hash")
  else
    src=$(fetch_package "$package@$version" "$hash")
  fi
  log "extracting $name ($package $version: $folder)"
  stage="$OUT/.stage-$name.$$"
  rm -rf "$stage"
  extract_app "$registry" "$src" "$folder" "$extras" "$stage"
  [[ -n "$(find "$stage" -maxdepth 3 -name '*.html' -print -quit)" ]] || { echo "error: $name: no HTML page in $folder" >&2; exit 1; }
  rm -rf "$dest" "$stamp"
  mv "$stage" "$dest"
  { echo "$line"; listing "$dest"; } >"$stamp"
  if [[ "$registry" == pypi && $KEEP -eq 0 ]]; then
    rm -f "$src"
  fi
  if [[ "$registry" == debian ]]; then
    rm -rf "$src"
    [[ $KEEP -eq 0 ]] && for deb in ${artifact//,/ }; do rm -f "$DL/${deb}_"*.deb; done
  fi
  built=$((built + 1))
done <<<"$SPEC"

# The manifest always describes every app of the spec that is present.
{
  printf 'name\tpackage\tregistry\tbundler\tfolder\tfiles\tbytes\tpages\n'
  while IFS=$'\t' read -r name registry package version artifact hash folder extras bundler; do
    [[ -z "$name" || ! -d "$OUT/$name" ]] && continue
    files=$(find "$OUT/$name" -type f | wc -l)
    bytes=$(find "$OUT/$name" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}')
    pages=$(find "$OUT/$name" -type f \( -name '*.html' -o -name '*.htm' \) | wc -l)
    printf '%s\t%s@%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$package" "$version" "$registry" "$bundler" "$folder" "$files" "$bytes" "$pages"
  done <<<"$SPEC"
} >"$OUT/MANIFEST.tsv.tmp"
mv "$OUT/MANIFEST.tsv.tmp" "$OUT/MANIFEST.tsv"
log "$built app(s) extracted, $kept already up to date: $OUT (see MANIFEST.tsv)"
