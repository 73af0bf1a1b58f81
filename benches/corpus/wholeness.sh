#!/bin/sh
# Builds a folder of real partial and whole builds of core-js and lodash, without source maps,
# to check what tree-shaking/whole-library-bundled says of them by signature:
#   benches/work/wholeness/site/assets/
#     corejs-full.js     import 'core-js'            (whole)
#     corejs-stable.js   import 'core-js/stable'     (whole: every stable polyfill)
#     corejs-es.js       import 'core-js/es'         (ES polyfills only)
#     corejs-subset.js   six core-js/actual features (a part)
#     lodash-whole.js    import _ from 'lodash'      (whole: lodash.js)
#     lodash-methods.js  twelve lodash/<method> modules (a part)
#     vendor-*-react-dom.js  a subset above + react-dom's production build: a chunk big enough
#                        to hold the whole library, so only the markers can tell
# Needs node and npm; installs with measure.py's recipes (pinned versions) into
# benches/work/wholeness/measure. Then, from the repository root:
#   target/release/webaudit --format json --no-cache benches/work/wholeness/site
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
work=$here/benches/work/wholeness
site=$work/site/assets
mkdir -p "$site"
python3 "$here/src/knowledge/measure.py" --work "$work/measure" core-js lodash >/dev/null
esbuild=$work/measure/_tools/node_modules/.bin/esbuild
bundle() { # name, measure folder, entry code
    printf '%s\n' "$3" > "$work/measure/$2/entry-wholeness-$1.mjs"
    (cd "$work/measure/$2" && "$esbuild" "entry-wholeness-$1.mjs" --bundle --minify \
        --format=esm --platform=browser --target=es2020 --log-level=error \
        --define:process.env.NODE_ENV=\"production\" --define:global=globalThis \
        --legal-comments=inline --outfile="$site/$1.js")
}
bundle corejs-full core-js "import 'core-js';"
bundle corejs-stable core-js "import 'core-js/stable';"
bundle corejs-es core-js "import 'core-js/es';"
bundle corejs-subset core-js "import 'core-js/actual/array/flat';import 'core-js/actual/array/flat-map';import 'core-js/actual/promise';import 'core-js/actual/object/from-entries';import 'core-js/actual/string/replace-all';import 'core-js/actual/array/at';"
bundle lodash-whole lodash "import _ from 'lodash';globalThis.k=_;"
bundle lodash-methods lodash "import cloneDeep from 'lodash/cloneDeep';import isEqual from 'lodash/isEqual';import debounce from 'lodash/debounce';import throttle from 'lodash/throttle';import merge from 'lodash/merge';import get from 'lodash/get';import set from 'lodash/set';import uniqBy from 'lodash/uniqBy';import sortBy from 'lodash/sortBy';import groupBy from 'lodash/groupBy';import memoize from 'lodash/memoize';import curry from 'lodash/curry';globalThis.k=[cloneDeep,isEqual,debounce,throttle,merge,get,set,uniqBy,sortBy,groupBy,memoize,curry];"
# react-dom's production build, as the js-css corpus pins it (react-dom@18.3.1)
react_dom=$here/benches/work/js-css/react-dom/umd/react-dom.production.min.js
if [ ! -f "$react_dom" ]; then
    mkdir -p "$work/react-dom" && (cd "$work/react-dom" && npm pack --silent react-dom@18.3.1 >/dev/null && tar xzf react-dom-18.3.1.tgz)
    react_dom=$work/react-dom/package/umd/react-dom.production.min.js
fi
cat "$site/corejs-subset.js" "$react_dom" > "$site/vendor-corejs-subset-react-dom.js"
cat "$site/lodash-methods.js" "$react_dom" > "$site/vendor-lodash-methods-react-dom.js"
echo "$work/site"
