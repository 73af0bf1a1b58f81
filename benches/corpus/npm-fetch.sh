# Shared by the corpus scripts: fetches pinned npm packages with `npm pack` (tarball only, no
# install scripts, no dependencies), checks each tarball against its pinned sha512 integrity,
# and unpacks it once into $CACHE_DIR/pkgs/<slug>@<version>. Source it; it needs CACHE_DIR.

slug() { # @scope/name -> scope-name (as npm names its tarballs)
  local s=${1#@}
  echo "${s//\//-}"
}

sha512_integrity() {
  node -e 'const c=require("crypto"),fs=require("fs");process.stdout.write("sha512-"+c.createHash("sha512").update(fs.readFileSync(process.argv[1])).digest("base64"))' "$1"
}

# Fetches NAME@VERSION into $CACHE_DIR/pkgs/<slug>@<version> (unpacked package root) unless
# it is already there; prints that directory.
fetch_package() {
  local spec=$1 integrity=$2
  local name=${spec%@*} version=${spec##*@}
  local pkg_slug dest tarball
  pkg_slug=$(slug "$name")
  dest="$CACHE_DIR/pkgs/$pkg_slug@$version"
  if [[ -f "$dest/.complete" ]]; then
    echo "$dest"
    return
  fi
  mkdir -p "$CACHE_DIR/tarballs"
  tarball="$CACHE_DIR/tarballs/$pkg_slug-$version.tgz"
  if [[ ! -f "$tarball" ]] || [[ "$(sha512_integrity "$tarball")" != "$integrity" ]]; then
    echo "fetching $spec" >&2
    local tmp
    tmp=$(mktemp -d "$CACHE_DIR/tarballs/.pack.XXXXXX")
    (cd "$tmp" && npm pack "$spec" --silent >/dev/null 2>"$tmp/npm.err") || {
      cat "$tmp/npm.err" >&2
      rm -rf "$tmp"
      echo "error: npm pack $spec failed" >&2
      return 1
    }
    local packed=("$tmp"/*.tgz)
    [[ ${#packed[@]} -eq 1 ]] || { echo "error: npm pack $spec produced ${#packed[@]} tarballs" >&2; rm -rf "$tmp"; return 1; }
    mv "${packed[0]}" "$tarball"
    rm -rf "$tmp"
  fi
  local got
  got=$(sha512_integrity "$tarball")
  if [[ "$got" != "$integrity" ]]; then
    echo "error: $spec tarball integrity $got does not match the pinned $integrity" >&2
    return 1
  fi
  rm -rf "$dest" "$dest.tmp"
  mkdir -p "$dest.tmp"
  tar -xzf "$tarball" -C "$dest.tmp" --no-same-owner
  local roots=("$dest.tmp"/*/)
  [[ ${#roots[@]} -eq 1 ]] || { echo "error: $tarball has ${#roots[@]} top-level folders" >&2; return 1; }
  mv "${roots[0]}" "$dest"
  rm -rf "$dest.tmp"
  touch "$dest/.complete"
  echo "$dest"
}

# Installs a corpus into OUT_DIR from PLAN (lines "source<TAB>relative path") and EXPECTED (the
# manifest it must end up with), unless OUT_DIR already matches. FILES_AWK is an awk program
# that prints "relative path<TAB>bytes" for every file a manifest row lists (the layouts of the
# corpus manifests differ). The new tree is built beside OUT_DIR and swapped in, so a killed
# run never leaves a half-copied corpus. Returns 0 when built, 1 when already up to date.
install_corpus() {
  local plan=$1 expected=$2 files_awk=$3
  if [[ -f "$OUT_DIR/MANIFEST.tsv" ]] && cmp -s "$expected" "$OUT_DIR/MANIFEST.tsv"; then
    # Every listed file present with its size, and nothing else (stray files would skew the
    # benchmark).
    local want have
    want=$(tail -n +2 "$expected" | awk -F'\t' "$files_awk" | LC_ALL=C sort)
    have=$(cd "$OUT_DIR" && find . -type f ! -path ./MANIFEST.tsv -printf '%P\t%s\n' | LC_ALL=C sort)
    if [[ "$want" == "$have" ]]; then
      return 1
    fi
  fi
  if [[ -e "$OUT_DIR" && ! -f "$OUT_DIR/MANIFEST.tsv" ]] && [[ -n "$(ls -A "$OUT_DIR" 2>/dev/null)" ]]; then
    echo "error: $OUT_DIR exists, is not empty and has no MANIFEST.tsv: refusing to replace it" >&2
    exit 1
  fi
  mkdir -p "$(dirname "$OUT_DIR")"
  local stage="$OUT_DIR.tmp.$$"
  rm -rf "$stage"
  mkdir -p "$stage"
  local src file
  while IFS=$'\t' read -r src file; do
    mkdir -p "$stage/$(dirname "$file")"
    cp "$src" "$stage/$file"
    chmod 644 "$stage/$file"
  done <"$plan"
  cp "$expected" "$stage/MANIFEST.tsv"
  chmod 644 "$stage/MANIFEST.tsv"
  rm -rf "$OUT_DIR"
  mv "$stage" "$OUT_DIR"
  return 0
}
