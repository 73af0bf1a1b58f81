#!/usr/bin/env python3
"""Measure and verify the facts in packages.toml.

For every [[package]] entry that has a recipe below this script:

1. installs the pinned npm packages into WORK/<slug>/ (npm install --ignore-scripts),
2. bundles the recipe's "whole import" entry with esbuild (--bundle --minify, browser
   platform, production conditions, peer frameworks such as react left external) and
   gzips the output with zlib level 9 (gzip container: wbits 31) -> typical_gzip_bytes,
3. optionally bundles a "single" entry (the cheap, tree-shaken way to use the package)
   for comparison,
4. counts the modules matching barrel_module_glob that contribute code to the whole-import
   bundle (esbuild metafile, bytesInOutput > 0: what a source map of that bundle lists) and
   compares that with barrel_module_count; the number of matching files on disk is printed too,
5. checks that every string in `signatures` occurs in the whole-import bundle and in each
   shipped minified dist file named by the recipe, and reports any other entry's bundle
   that also contains it,
6. checks the same for every string in `wholeness_markers`, and also that none of them is in
   the "single" bundle; with --derive-markers, prints a new `wholeness_markers` list chosen
   from the whole-import bundle (see derive_markers).

Usage:
    python3 measure.py [--toml PATH] [--work DIR] [--jobs N] [--json OUT] [--derive-markers]
                       [NAME ...]

Needs node + npm (esbuild is installed into WORK/_tools). Nothing outside WORK is written.
Exit status is 1 when a measured number or a count disagrees with the TOML by more than
the tolerance, or when a signature is missing.
"""
import argparse
import concurrent.futures as cf
import json
import os
import re
import subprocess
import sys
import tomllib
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ESBUILD_VERSION = "0.28.2"
REACT = ["react", "react-dom", "react/*", "react-dom/*", "react-is", "scheduler"]
EMOTION = ["@emotion/react", "@emotion/styled", "@emotion/react/*", "@emotion/styled/*"]
NODE_BUILTINS = ["fs", "path", "os", "crypto", "stream", "http", "https", "url", "util",
                 "zlib", "buffer", "events", "child_process", "net", "tls", "vm", "assert"]
TOLERANCE = 0.02  # 2 % drift allowed between the TOML and a re-measurement

# name -> recipe.
#   install: npm specs (pinned to the version that was measured)
#   whole:   JS entry that pulls the package in the harmful way (the typical cost)
#   files:   instead of bundling, gzip these shipped files (concatenated), relative to the
#            install dir; used where the harmful form is a prebuilt file esbuild cannot
#            reproduce (moment's locale context)
#   single:  JS entry for the cheap way, for comparison only
#   dist:    shipped minified files (relative to the install dir) the signatures and the
#            wholeness markers must appear in; for the markers these include an older release's
#            minified build where apps commonly ship one (installed under an npm alias), so a
#            marker is not a string only recent versions have
#   external: extra modules to leave out of the bundle (peer frameworks)
#   smallest_whole: JS entry of the smallest form that still counts as the whole library
#            (`core-js/stable`: every stable polyfill, without the proposals of core-js/full);
#            wholeness markers must occur in it too, so that form is recognised as whole
#   markers_located_in: for a monolith, the entry whose bundle places its strings in modules
#            for --derive-markers (see derive_markers)
KEEP = "globalThis.__keep = m;"
RECIPES = {
    "lodash": dict(
        install=["lodash@4.18.1", "lodash-4.17.21@npm:lodash@4.17.21"],
        whole="import * as m from 'lodash';" + KEEP,
        single="import m from 'lodash/debounce';" + KEEP,
        dist=["node_modules/lodash/lodash.min.js", "node_modules/lodash-4.17.21/lodash.min.js"],
        markers_located_in="lodash-es"),
    "lodash-es": dict(
        install=["lodash-es@4.18.1"],
        whole="import * as m from 'lodash-es';" + KEEP,
        single="import { debounce as m } from 'lodash-es';" + KEEP),
    "underscore": dict(
        install=["underscore@1.13.8"],
        whole="import * as m from 'underscore';" + KEEP,
        single="import m from 'underscore/modules/debounce.js';" + KEEP,
        dist=["node_modules/underscore/underscore-umd-min.js"]),
    "moment": dict(
        install=["moment@2.31.0", "moment-2.29@npm:moment@2.29.4"],
        files=["node_modules/moment/min/moment-with-locales.min.js"],
        single="import m from 'moment';" + KEEP,
        dist=["node_modules/moment/min/moment-with-locales.min.js",
              "node_modules/moment-2.29/min/moment-with-locales.min.js"]),
    "moment-timezone": dict(
        install=["moment-timezone@0.6.6", "moment@2.31.0"],
        whole="import m from 'moment-timezone';" + KEEP,
        single="import m from 'moment-timezone/builds/moment-timezone-with-data-10-year-range.js';" + KEEP,
        external=["moment"],
        dist=["node_modules/moment-timezone/builds/moment-timezone-with-data.min.js"]),
    "jquery": dict(
        install=["jquery@4.0.0", "jquery-3@npm:jquery@3.7.1"],
        whole="import m from 'jquery';" + KEEP,
        single="import m from 'jquery/slim';" + KEEP,
        dist=["node_modules/jquery/dist/jquery.min.js", "node_modules/jquery-3/dist/jquery.min.js"]),
    "aws-sdk": dict(
        install=["aws-sdk@2.1693.0"],
        whole="import m from 'aws-sdk';" + KEEP,
        single="import m from 'aws-sdk/clients/s3';" + KEEP,
        dist=["node_modules/aws-sdk/dist/aws-sdk.min.js"]),
    "core-js": dict(
        install=["core-js@3.51.0", "core-js-bundle@3.50.0", "core-js-bundle-3.21@npm:core-js-bundle@3.21.1"],
        whole="import 'core-js';",
        single="import 'core-js/actual/array/flat';",
        smallest_whole="import 'core-js/stable';",
        dist=["node_modules/core-js-bundle/minified.js", "node_modules/core-js-bundle-3.21/minified.js"]),
    "@babel/polyfill": dict(
        install=["@babel/polyfill@7.12.1"],
        whole="import '@babel/polyfill';",
        dist=["node_modules/@babel/polyfill/dist/polyfill.min.js"]),
    "babel-polyfill": dict(
        install=["babel-polyfill@6.26.0"],
        whole="import 'babel-polyfill';",
        dist=["node_modules/babel-polyfill/dist/polyfill.min.js"]),
    "rxjs": dict(
        install=["rxjs@7.8.2", "rxjs-7.5@npm:rxjs@7.5.7"],
        whole="import * as m from 'rxjs';" + KEEP,
        single="import { map as m } from 'rxjs';" + KEEP,
        dist=["node_modules/rxjs/dist/bundles/rxjs.umd.min.js",
              "node_modules/rxjs-7.5/dist/bundles/rxjs.umd.min.js"]),
    "rxjs-compat": dict(
        install=["rxjs@6.6.7", "rxjs-compat@6.6.7"],
        whole="import * as m from 'rxjs/Rx';" + KEEP,
        single="import { of as m } from 'rxjs';" + KEEP,
        dist=["node_modules/rxjs/bundles/rxjs.umd.min.js"]),
    "ramda": dict(
        install=["ramda@0.32.0"],
        whole="import * as m from 'ramda';" + KEEP,
        single="import { map as m } from 'ramda';" + KEEP,
        dist=["node_modules/ramda/dist/ramda.min.js"]),
    "date-fns": dict(
        install=["date-fns@4.4.0"],
        whole="import * as m from 'date-fns';" + KEEP,
        single="import { format as m } from 'date-fns';" + KEEP,
        dist=["node_modules/date-fns/cdn.min.js"]),
    "@mui/icons-material": dict(
        install=["@mui/icons-material@9.5.0", "@mui/material@9.5.0", "@emotion/react", "@emotion/styled", "react", "react-dom"],
        whole="import * as m from '@mui/icons-material';" + KEEP,
        single="import { Add as m } from '@mui/icons-material';" + KEEP,
        external=EMOTION + ["@mui/material", "@mui/material/*"]),
    "@mui/material": dict(
        install=["@mui/material@9.5.0", "@emotion/react", "@emotion/styled", "react", "react-dom"],
        whole="import * as m from '@mui/material';" + KEEP,
        single="import { Button as m } from '@mui/material';" + KEEP,
        external=EMOTION),
    "@material-ui/core": dict(
        install=["@material-ui/core@4.12.4", "react@17", "react-dom@17"],
        whole="import * as m from '@material-ui/core';" + KEEP,
        single="import { Button as m } from '@material-ui/core';" + KEEP),
    "@material-ui/icons": dict(
        install=["@material-ui/icons@4.11.3", "@material-ui/core@4.12.4", "react@17", "react-dom@17"],
        whole="import * as m from '@material-ui/icons';" + KEEP,
        single="import { Add as m } from '@material-ui/icons';" + KEEP,
        external=["@material-ui/core", "@material-ui/core/*"]),
    "react-icons": dict(
        install=["react-icons@5.7.0", "react"],
        whole="import * as m from 'react-icons/fa';" + KEEP,
        single="import { FaBeer as m } from 'react-icons/fa';" + KEEP),
    "lucide-react": dict(
        install=["lucide-react@1.75.0", "react"],
        whole="import * as m from 'lucide-react';" + KEEP,
        single="import { Camera as m } from 'lucide-react';" + KEEP),
    "@fortawesome/free-solid-svg-icons": dict(
        install=["@fortawesome/free-solid-svg-icons@7.3.1"],
        whole="import { fas as m } from '@fortawesome/free-solid-svg-icons';" + KEEP,
        single="import { faCoffee as m } from '@fortawesome/free-solid-svg-icons';" + KEEP),
    "@fortawesome/free-regular-svg-icons": dict(
        install=["@fortawesome/free-regular-svg-icons@7.3.1"],
        whole="import { far as m } from '@fortawesome/free-regular-svg-icons';" + KEEP,
        single="import { faBell as m } from '@fortawesome/free-regular-svg-icons';" + KEEP),
    "@fortawesome/free-brands-svg-icons": dict(
        install=["@fortawesome/free-brands-svg-icons@7.3.1"],
        whole="import { fab as m } from '@fortawesome/free-brands-svg-icons';" + KEEP,
        single="import { faGithub as m } from '@fortawesome/free-brands-svg-icons';" + KEEP),
    "@tabler/icons-react": dict(
        install=["@tabler/icons-react@3.51.0", "react"],
        whole="import * as m from '@tabler/icons-react';" + KEEP,
        single="import { IconHome as m } from '@tabler/icons-react';" + KEEP),
    "@heroicons/react": dict(
        install=["@heroicons/react@2.2.0", "react"],
        whole="import * as m from '@heroicons/react/24/outline';" + KEEP,
        single="import { BeakerIcon as m } from '@heroicons/react/24/outline';" + KEEP),
    "@phosphor-icons/react": dict(
        install=["@phosphor-icons/react@2.1.10", "react", "react-dom"],
        whole="import * as m from '@phosphor-icons/react';" + KEEP,
        single="import { HorseIcon as m } from '@phosphor-icons/react';" + KEEP),
    "antd": dict(
        install=["antd@6.6.8", "react", "react-dom"],
        whole="import * as m from 'antd';" + KEEP,
        single="import { Button as m } from 'antd';" + KEEP,
        dist=["node_modules/antd/dist/antd.min.js"]),
    "@ant-design/icons": dict(
        install=["@ant-design/icons@6.3.4", "react", "react-dom"],
        whole="import * as m from '@ant-design/icons';" + KEEP,
        single="import { HomeOutlined as m } from '@ant-design/icons';" + KEEP),
    "react-bootstrap": dict(
        install=["react-bootstrap@2.10.10", "react", "react-dom"],
        whole="import * as m from 'react-bootstrap';" + KEEP,
        single="import m from 'react-bootstrap/Button';" + KEEP,
        dist=["node_modules/react-bootstrap/dist/react-bootstrap.min.js"]),
    "chart.js": dict(
        install=["chart.js@4.6.1"],
        whole="import m from 'chart.js/auto';" + KEEP,
        single=("import { Chart, LineController, LineElement, PointElement, CategoryScale, LinearScale } from 'chart.js';"
                "Chart.register(LineController, LineElement, PointElement, CategoryScale, LinearScale);"
                "globalThis.__keep = Chart;"),
        dist=["node_modules/chart.js/dist/chart.umd.min.js"]),
    "echarts": dict(
        install=["echarts@6.1.0"],
        whole="import * as m from 'echarts';" + KEEP,
        single=("import * as echarts from 'echarts/core'; import { LineChart } from 'echarts/charts';"
                "import { GridComponent } from 'echarts/components'; import { CanvasRenderer } from 'echarts/renderers';"
                "echarts.use([LineChart, GridComponent, CanvasRenderer]); globalThis.__keep = echarts;"),
        dist=["node_modules/echarts/dist/echarts.min.js"]),
    "three": dict(
        install=["three@0.187.0"],
        whole="import * as m from 'three';" + KEEP,
        single="import { Vector3 as m } from 'three';" + KEEP,
        ),
    "firebase": dict(
        install=["firebase@12.19.0"],
        whole=("import m from 'firebase/compat/app'; import 'firebase/compat/auth';"
               "import 'firebase/compat/firestore';" + KEEP),
        single=("import { initializeApp } from 'firebase/app'; import { getAuth } from 'firebase/auth';"
                "import { getFirestore, doc, getDoc } from 'firebase/firestore';"
                "globalThis.__keep = [initializeApp, getAuth, getFirestore, doc, getDoc];"),
        dist=["node_modules/firebase/firebase-app-compat.js"]),
    "bluebird": dict(
        install=["bluebird@3.7.2"],
        whole="import m from 'bluebird';" + KEEP,
        dist=["node_modules/bluebird/js/browser/bluebird.min.js"]),
    "validator": dict(
        install=["validator@13.15.35"],
        whole="import m from 'validator';" + KEEP,
        single="import m from 'validator/es/lib/isEmail';" + KEEP,
        dist=["node_modules/validator/validator.min.js"]),
    "mathjs": dict(
        install=["mathjs@15.2.0"],
        whole="import { create, all } from 'mathjs'; const m = create(all);" + KEEP,
        single="import { sqrt as m } from 'mathjs';" + KEEP,
        dist=["node_modules/mathjs/lib/browser/math.js"]),
    "d3": dict(
        install=["d3@7.9.2"],
        whole="import * as m from 'd3';" + KEEP,
        single="import { select as m } from 'd3';" + KEEP,
        dist=["node_modules/d3/dist/d3.min.js"]),
    "react-use": dict(
        install=["react-use@17.6.1", "react", "react-dom"],
        whole="import * as m from 'react-use';" + KEEP,
        single="import { useToggle as m } from 'react-use';" + KEEP),
    "ahooks": dict(
        install=["ahooks@3.11.0", "react", "react-dom"],
        whole="import * as m from 'ahooks';" + KEEP,
        single="import { useToggle as m } from 'ahooks';" + KEEP),
    "effect": dict(
        install=["effect@4.1.0"],
        whole="import * as m from 'effect';" + KEEP,
        single="import * as m from 'effect/Option';" + KEEP),
    "recharts": dict(
        install=["recharts@3.10.1", "react", "react-dom", "react-is"],
        whole="import * as m from 'recharts';" + KEEP,
        single="import { LineChart, Line, XAxis, YAxis } from 'recharts'; globalThis.__keep = [LineChart, Line, XAxis, YAxis];",
        dist=["node_modules/recharts/umd/Recharts.js"]),
    "@visx/visx": dict(
        install=["@visx/visx@4.0.0", "@react-spring/web", "react", "react-dom"],
        whole="import * as m from '@visx/visx';" + KEEP,
        single="import { scaleLinear as m } from '@visx/scale';" + KEEP),
    "highlight.js": dict(
        install=["highlight.js@11.12.0"],
        whole="import m from 'highlight.js';" + KEEP,
        single=("import hljs from 'highlight.js/lib/core'; import js from 'highlight.js/lib/languages/javascript';"
                "hljs.registerLanguage('javascript', js); globalThis.__keep = hljs;")),
    "react-syntax-highlighter": dict(
        install=["react-syntax-highlighter@16.1.2", "react"],
        whole="import m from 'react-syntax-highlighter';" + KEEP,
        single=("import m from 'react-syntax-highlighter/dist/esm/light';"
                "import js from 'react-syntax-highlighter/dist/esm/languages/hljs/javascript';"
                "m.registerLanguage('javascript', js);" + KEEP)),
    "crypto-js": dict(
        install=["crypto-js@4.2.0"],
        whole="import m from 'crypto-js';" + KEEP,
        single="import m from 'crypto-js/sha256';" + KEEP),
    "handlebars": dict(
        install=["handlebars@4.7.10"],
        whole="import m from 'handlebars';" + KEEP,
        single="import m from 'handlebars/runtime';" + KEEP,
        dist=["node_modules/handlebars/dist/handlebars.min.js"]),
    "lottie-web": dict(
        install=["lottie-web@5.13.0"],
        whole="import m from 'lottie-web';" + KEEP,
        single="import m from 'lottie-web/build/player/lottie_light';" + KEEP,
        dist=["node_modules/lottie-web/build/player/lottie.min.js"]),
    "zxcvbn": dict(
        install=["zxcvbn@4.4.2"],
        whole="import m from 'zxcvbn';" + KEEP,
        dist=["node_modules/zxcvbn/dist/zxcvbn.js"]),
    "bootstrap": dict(
        install=["bootstrap@5.3.8", "@popperjs/core@2"],
        whole="import * as m from 'bootstrap';" + KEEP,
        single="import m from 'bootstrap/js/dist/modal';" + KEEP,
        dist=["node_modules/bootstrap/dist/js/bootstrap.bundle.min.js"]),
    "@faker-js/faker": dict(
        install=["@faker-js/faker@10.6.0"],
        whole="import * as m from '@faker-js/faker';" + KEEP,
        single="import { faker as m } from '@faker-js/faker';" + KEEP),
    "plotly.js-dist-min": dict(
        install=["plotly.js-dist-min@4.1.2", "plotly.js-dist-min-2@npm:plotly.js-dist-min@2.35.3"],
        whole="import m from 'plotly.js-dist-min';" + KEEP,
        dist=["node_modules/plotly.js-dist-min/plotly.min.js",
              "node_modules/plotly.js-dist-min-2/plotly.min.js"]),
    # measured only to decide whether it belongs in the knowledge base (it does not, see README)
    "axios": dict(install=["axios@1.21.1"], whole="import m from 'axios';" + KEEP),
    "@headlessui/react": dict(
        install=["@headlessui/react@2.2.10", "react", "react-dom"],
        whole="import * as m from '@headlessui/react';" + KEEP,
        single="import { Dialog as m } from '@headlessui/react';" + KEEP),
    "@tremor/react": dict(
        install=["@tremor/react@3.18.7", "react", "react-dom"],
        whole="import * as m from '@tremor/react';" + KEEP,
        single="import { Button as m } from '@tremor/react';" + KEEP),
}


def slug(name):
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)


def gzip9(data):
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    return len(c.compress(data) + c.flush())


def run(cmd, cwd, log=None):
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if log:
        with open(log, "w") as f:
            f.write(r.stdout + r.stderr)
    return r


def ensure_tools(work):
    tools = os.path.join(work, "_tools")
    exe = os.path.join(tools, "node_modules", ".bin", "esbuild")
    if not os.path.exists(exe):
        os.makedirs(tools, exist_ok=True)
        with open(os.path.join(tools, "package.json"), "w") as f:
            f.write('{"name":"tools","private":true}')
        r = run(["npm", "install", "--no-audit", "--no-fund", f"esbuild@{ESBUILD_VERSION}"], tools)
        if r.returncode:
            sys.exit("could not install esbuild:\n" + r.stderr)
    return exe


def ensure_install(work, name, recipe):
    d = os.path.join(work, slug(name))
    stamp = os.path.join(d, ".installed")
    want = " ".join(recipe["install"])
    if os.path.exists(stamp) and open(stamp).read() == want:
        return d
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "package.json"), "w") as f:
        f.write('{"name":"measure","private":true}')
    r = run(["npm", "install", "--no-audit", "--no-fund", "--ignore-scripts", "--legacy-peer-deps"]
            + recipe["install"], d, os.path.join(d, "install.log"))
    if r.returncode:
        raise RuntimeError(f"npm install failed for {name}, see {d}/install.log")
    with open(stamp, "w") as f:
        f.write(want)
    return d


def bundle(esbuild, d, tag, code, external):
    entry = os.path.join(d, f"entry-{tag}.mjs")
    out = os.path.join(d, f"out-{tag}.js")
    with open(entry, "w") as f:
        f.write(code + "\n")
    cmd = [esbuild, entry, "--bundle", "--minify", "--format=esm", "--platform=browser",
           "--target=es2020", "--conditions=module,production", "--log-level=error",
           "--define:process.env.NODE_ENV=\"production\"", "--define:global=globalThis",
           "--loader:.css=empty", "--loader:.less=empty", "--loader:.woff=empty",
           "--loader:.woff2=empty", "--loader:.ttf=empty", "--loader:.svg=empty",
           "--loader:.png=empty", f"--outfile={out}", f"--metafile={out}.meta.json",
           # external: the map is written beside the output without a comment in it, so the
           # measured bytes are those of the bundle alone; derive_markers reads the map
           "--sourcemap=external"]
    cmd += [f"--external:{x}" for x in REACT + NODE_BUILTINS + list(external)]
    r = run(cmd, d, os.path.join(d, f"esbuild-{tag}.log"))
    if r.returncode:
        raise RuntimeError(f"esbuild failed in {d} ({tag}):\n{r.stderr[-2000:]}")
    meta = json.load(open(out + ".meta.json"))
    # modules that contribute code to the output (what a source map would list); modules that
    # were parsed but tree-shaken away, or pure re-export barrels, have bytesInOutput == 0
    (output,) = [o for k, o in meta["outputs"].items() if "inputs" in o and not k.endswith(".map")]
    kept = [i for i, v in output["inputs"].items() if v.get("bytesInOutput", 0) > 0]
    return open(out, "rb").read(), kept, json.load(open(out + ".map"))


def glob_regex(pattern):
    """`*` and `?` stay inside one folder, `**` crosses folders, `[a-z]` / `[!a-z]` are
    character classes (as globset with literal_separator, which webaudit uses)."""
    out = []
    for tok in re.split(r"(\*\*|\*|\?|\[!?[^\]]+\])", pattern):
        if tok == "**":
            out.append(".*")
        elif tok == "*":
            out.append("[^/]*")
        elif tok == "?":
            out.append("[^/]")
        elif tok.startswith("[") and tok.endswith("]") and len(tok) > 2:
            body = tok[1:-1]
            out.append("[^" + body[1:] + "]" if body.startswith("!") else "[" + body + "]")
        else:
            out.append(re.escape(tok))
    return re.compile("^" + "".join(out) + "$")


def package_inputs(inputs, name):
    """Paths of bundled modules that live inside node_modules/<name>/, relative to it."""
    mark = "node_modules/" + name + "/"
    out = set()
    for i in inputs:
        k = i.rfind(mark)
        if k >= 0:
            out.add(i[k + len(mark):])
    return out


def count_glob(pkgdir, pattern):
    """Count files under pkgdir matching pattern; `*` stays in one folder, `**` crosses."""
    rx = glob_regex(pattern)
    n = 0
    for root, _dirs, files in os.walk(pkgdir):
        for fn in files:
            rel = os.path.relpath(os.path.join(root, fn), pkgdir).replace(os.sep, "/")
            if rx.match(rel):
                n += 1
    return n


def measure(esbuild, work, name, recipe):
    d = ensure_install(work, name, recipe)
    ext = recipe.get("external", [])
    res = {"name": name}
    pj = json.load(open(os.path.join(d, "node_modules", name, "package.json")))
    res["version"] = pj["version"]
    if "files" in recipe:
        blob = b"".join(open(os.path.join(d, f), "rb").read() for f in recipe["files"])
        res["method"] = "files: " + ", ".join(recipe["files"])
    else:
        blob, inputs, res["_whole_map"] = bundle(esbuild, d, "whole", recipe["whole"], ext)
        res["_whole_inputs"] = package_inputs(inputs, name)
        with open(os.path.join(d, "inputs-whole.txt"), "w") as f:
            f.write("\n".join(sorted(inputs)) + "\n")
        res["method"] = "esbuild bundle of: " + recipe["whole"]
    res["whole_raw"] = len(blob)
    res["whole_gzip"] = gzip9(blob)
    res["_whole_text"] = blob
    if recipe.get("single"):
        s, inputs, _ = bundle(esbuild, d, "single", recipe["single"], ext)
        res["single_gzip"] = gzip9(s)
        res["_single_text"] = s
        res["_single_inputs"] = package_inputs(inputs, name)
    if recipe.get("smallest_whole"):
        res["_smallest_whole_text"], _, _ = bundle(esbuild, d, "smallest-whole",
                                                   recipe["smallest_whole"], ext)
    dist = {}
    for f in recipe.get("dist", []):
        p = os.path.join(d, f)
        dist[f] = open(p, "rb").read() if os.path.exists(p) else None
    res["_dist"] = dist
    res["_pkgdir"] = os.path.join(d, "node_modules", name)
    res["_installdir"] = d
    return res


# Wholeness markers: strings that show how much of a library a bundle holds. A signature (a
# banner, a string of a core module) is in every partial build; markers are taken from places
# spread over the whole build, so a bundle holding part of the library holds few of them.
MARKER_COUNT = 12
# A candidate is printable ASCII without quotes, backslashes or backticks, so the text is the same
# whatever quote style or escaping a minifier picks, and without code punctuation (a sign the
# scanner below lost its way). It has a space or a separator: a bare identifier-like string
# (`findLastIndex`) is a name many libraries share.
MARKER_TEXT = re.compile(rb"[^\"'`\\\x00-\x1f\x7f-\xff{}();=<>|]{10,80}")
MARKER_SEPARATOR = re.compile(rb"[ _./:@#-]")
# Code that a regular expression may follow; after anything else `/` divides.
BEFORE_REGEX = set(b"(,=:[!&|?{};+-*%<>~^") | {None}
WORDS_BEFORE_REGEX = (b"return", b"typeof", b"case", b"in", b"of", b"void", b"delete",
                      b"throw", b"new", b"else", b"do", b"instanceof", b"yield", b"await")


def string_literals(text):
    """(offset, content) of the quoted strings of minified JS, scanned left to right past
    comments and regular expression literals (which may hold quotes)."""
    i, n = 0, len(text)
    last = None  # the last code byte before i that is not a space
    while i < n:
        c = text[i]
        if c in b"\"'`":
            j = i + 1
            while j < n and text[j] != c and (c == 96 or text[j] != 10):
                j += 2 if text[j] == 92 else 1
            yield i + 1, text[i + 1:j]
            i, last = j + 1, c
        elif c == 47 and text[i + 1:i + 2] == b"/":
            end = text.find(b"\n", i)
            i = n if end < 0 else end
        elif c == 47 and text[i + 1:i + 2] == b"*":
            end = text.find(b"*/", i + 2)
            i = n if end < 0 else end + 2
        elif c == 47 and (last in BEFORE_REGEX or text[:i].rstrip().endswith(WORDS_BEFORE_REGEX)):
            j, in_class = i + 1, False
            while j < n and text[j] != 10:
                if text[j] == 92:
                    j += 1
                elif text[j] == 91:
                    in_class = True
                elif text[j] == 93:
                    in_class = False
                elif text[j] == 47 and not in_class:
                    break
                j += 1
            i, last = j + 1, 47
        else:
            if c not in b" \t\r\n":
                last = c
            i += 1


VLQ = {c: i for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")}


def source_at(sourcemap):
    """A function from (line, column) of the generated file to the source path that the map
    says the byte came from (the last segment at or before it), or None."""
    import bisect
    lines, source = [], 0
    for text in sourcemap.get("mappings", "").split(";"):
        columns, sources, column = [], [], 0
        for segment in filter(None, text.split(",")):
            fields, value, shift = [], 0, 0
            for ch in segment:
                digit = VLQ[ch]
                value += (digit & 31) << shift
                shift += 5
                if not digit & 32:
                    fields.append(-(value >> 1) if value & 1 else value >> 1)
                    value, shift = 0, 0
            column += fields[0]
            if len(fields) >= 4:
                source += fields[1]
                columns.append(column)
                sources.append(source)
        lines.append((columns, sources))
    names = sourcemap.get("sources", [])

    def lookup(line, column):
        if line >= len(lines):
            return None
        columns, sources = lines[line]
        i = bisect.bisect_right(columns, column) - 1
        return names[sources[i]] if i >= 0 and sources[i] < len(names) else None
    return lookup


def derive_markers(r, others, located=None):
    """Up to MARKER_COUNT string literals of the package's code, spread over it: one from each
    of MARKER_COUNT modules taken evenly from the bundle's modules in order (where the bundle
    has a source map and the strings come from several modules), or else one from each of
    MARKER_COUNT equal stretches of the bundle. `located` is the measurement whose bundle and
    source map the strings are found and placed in, when not the entry's own: a monolith
    (lodash.js) keeps its strings together at the top, so they are placed by the modules of
    its modular twin (lodash-es, the same functions one per file).

    A candidate must occur at most 3 times in the entry's whole-import bundle (a string used
    all over the library is in any part of it), in every dist file of the recipe (the
    package's own minified builds, an older release's among them), in no other measured
    entry's bundle, and not in the "single" bundle: what the cheap import ships is no evidence
    that more than that was bundled; and in the "smallest_whole" bundle where the recipe has
    one, so that every form that ships the whole library holds every marker. Rarer strings are preferred, then strings with spaces
    (messages), then longer ones."""
    import bisect
    located = located or r
    text = located["_whole_text"]
    lookup = source_at(located["_whole_map"]) if located.get("_whole_map") else None
    line_starts = [0] + [m.end() for m in re.finditer(rb"\n", text)]
    candidates = {}  # value -> (score, offset, module)
    for start, value in string_literals(text):
        if value in candidates:
            continue
        if not MARKER_TEXT.fullmatch(value) or not MARKER_SEPARATOR.search(value):
            continue
        if re.search(rb"[,{]\w+:|!\d", value):  # code (`,name:`, `!0`): the scanner lost its way
            continue
        occurrences = r["_whole_text"].count(value)
        if not 1 <= occurrences <= 3 or value in r.get("_single_text", b""):
            continue
        if any(data is None or value not in data for data in r["_dist"].values()):
            continue
        if value not in r.get("_smallest_whole_text", value):
            continue
        if any(value in o["_whole_text"] for o in others):
            continue
        module = None
        if lookup:
            line = bisect.bisect_right(line_starts, start) - 1
            module = lookup(line, start - line_starts[line])
        score = (-occurrences, b" " in value, min(len(value), 40))
        candidates[value] = (score, start, module)
    best = lambda group: max(group, key=lambda c: c[1][0])
    by_module = {}
    for value, (score, start, module) in candidates.items():
        by_module.setdefault(module, []).append((value, (score, start, module)))
    if None not in by_module and len(by_module) > 1:
        groups = sorted(by_module.values(), key=lambda g: min(c[1][1] for c in g))
    else:
        stretches = [[] for _ in range(MARKER_COUNT)]
        for value, info in candidates.items():
            stretches[info[1] * MARKER_COUNT // len(text)].append((value, info))
        groups = [g for g in stretches if g]
    if len(groups) > MARKER_COUNT:
        groups = [groups[round(k * (len(groups) - 1) / (MARKER_COUNT - 1))]
                  for k in range(MARKER_COUNT)]
    chosen = [best(g) for g in groups]
    return [(value.decode(), info[2]) for value, info in sorted(chosen, key=lambda c: c[1][1])]

# Copy counting (bundle/duplicate-code): strings that occur exactly once per copy of a library,
# so a bundle holding two copies holds each of them twice. COPY_SIGNATURE_COUNT of them, spread
# over the library's code, are listed per entry: a partial copy (a few per-method modules) holds
# few of them, and a string that repeats inside one copy is never one.
COPY_SIGNATURE_COUNT = 3
# How far (bytes) from a version anchor the library's version literal may be: the same constant
# as VERSION_WINDOW_BYTES in src/knowledge/mod.rs.
VERSION_WINDOW = 256
SEMVER = re.compile(rb"\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?")


def builds_of(r):
    """Every real build of one copy of the library that the recipe has: (label, bytes, version)
    for the whole-import bundle and each shipped dist file (its version from the package.json
    of the folder it was installed in, an npm alias for an older release)."""
    out = [("bundle", r["_whole_text"], r["version"])]
    for f, data in r["_dist"].items():
        if data is None:
            continue
        parts = f.split("/")
        folder = "/".join(parts[:parts.index("node_modules") + 2]) if "node_modules" in parts else ""
        if folder.split("/")[-1].startswith("@"):
            folder = "/".join(parts[:parts.index("node_modules") + 3])
        pj = os.path.join(r["_installdir"], folder, "package.json")
        version = json.load(open(pj))["version"] if os.path.exists(pj) else None
        out.append((os.path.basename(os.path.dirname(f)) + "/" + os.path.basename(f), data, version))
    return out


def version_near(text, at, length):
    """The version literal (a quoted semver string) closest to the anchor found at `at`, within
    VERSION_WINDOW bytes of it, as src/knowledge/mod.rs reads it."""
    lo, hi = max(0, at - VERSION_WINDOW), min(len(text), at + length + VERSION_WINDOW)
    best = None
    for m in re.finditer(rb"([\"'])(" + SEMVER.pattern + rb")\1", text[lo:hi]):
        start = lo + m.start()
        distance = at - start if start < at else start - (at + length)
        if best is None or distance < best[0]:
            best = (distance, m.group(2).decode())
    return best[1] if best else None


def copy_checks(r, signatures, anchor):
    """Problems with `signatures` as copy signatures and `anchor` as version anchor: each must
    occur exactly once in every build, at most once in the single bundle, exactly once in the
    smallest whole form; the version read at the anchor must be the build's own."""
    problems = []
    for label, data, version in builds_of(r):
        for sig in signatures:
            n = data.count(sig.encode())
            if n != 1:
                problems.append(f"{sig!r} occurs {n} times in {label}")
        if anchor:
            n = data.count(anchor.encode())
            found = version_near(data, data.find(anchor.encode()), len(anchor)) if n == 1 else None
            if n != 1 or found != version:
                problems.append(f"version anchor {anchor!r} gives {found} in {label} (is {version}, anchor x{n})")
    for sig in signatures:
        if r.get("_single_text", b"").count(sig.encode()) > 1:
            problems.append(f"{sig!r} occurs more than once in the single bundle")
        if "_smallest_whole_text" in r and r["_smallest_whole_text"].count(sig.encode()) != 1:
            problems.append(f"{sig!r} is not once in the smallest whole form")
    return problems


def derive_copies(r, others):
    """COPY_SIGNATURE_COUNT copy signatures spread over the whole-import bundle, and a version
    anchor. A candidate is a string literal (the marker text rules: printable, no quotes, with
    a space or a separator, 10 to 80 bytes) that occurs exactly once in every build of the
    recipe (whole bundle, each dist file, old releases among them), once in the smallest whole
    form, at most once in the single bundle, and in no other measured entry's bundle. Strings
    absent from the single bundle are preferred, then messages (with spaces), then longer ones. The anchor is the candidate nearest a
    version literal in the bundle for which every build reads its own version."""
    text = r["_whole_text"]
    builds = builds_of(r)
    candidates = {}
    for start, value in string_literals(text):
        if value in candidates or not MARKER_TEXT.fullmatch(value) or not MARKER_SEPARATOR.search(value):
            continue
        if re.search(rb"[,{]\w+:|!\d", value):
            continue
        if any(data.count(value) != 1 for _, data, _ in builds):
            continue
        if r.get("_single_text", b"").count(value) > 1:
            continue
        if "_smallest_whole_text" in r and r["_smallest_whole_text"].count(value) != 1:
            continue
        if any(value in o["_whole_text"] for o in others):
            continue
        # Strings the cheap import lacks first: they are not in per-method modules that a
        # bundle may carry beside a copy.
        absent_from_single = value not in r.get("_single_text", b"")
        candidates[value] = (start, (absent_from_single, b" " in value, min(len(value), 40)))
    # The best of each of COPY_SIGNATURE_COUNT equal stretches of the bundle, then the best of
    # the rest: a monolith (lodash.js) declares its strings together at its top, and is never
    # bundled in part anyway.
    stretches = [[] for _ in range(COPY_SIGNATURE_COUNT)]
    for value, (start, score) in candidates.items():
        stretches[start * COPY_SIGNATURE_COUNT // len(text)].append((score, start, value))
    chosen = [max(g) for g in stretches if g]
    rest = sorted((c for g in stretches for c in g if c not in chosen), reverse=True)
    chosen += rest[:COPY_SIGNATURE_COUNT - len(chosen)]
    chosen = [value.decode() for _, _, value in sorted(chosen, key=lambda c: c[1])]
    anchor, best = None, None
    for value, (start, _) in candidates.items():
        version = version_near(text, start, len(value))
        if version != r["version"]:
            continue
        ok = all(version_near(d, d.find(value), len(value)) == v for _, d, v in builds)
        if ok:
            at = text.find(b'"' + r["version"].encode() + b'"')
            distance = abs(start - at) if at >= 0 else VERSION_WINDOW
            if best is None or distance < best:
                anchor, best = value.decode(), distance
    return chosen, anchor


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--toml", default=os.path.join(HERE, "packages.toml"))
    ap.add_argument("--work", default="/tmp/webaudit-measure")
    ap.add_argument("--jobs", type=int, default=4)
    ap.add_argument("--json")
    ap.add_argument("--derive-markers", action="store_true",
                    help="print a wholeness_markers list for each entry, derived from its bundles")
    ap.add_argument("--derive-copies", action="store_true",
                    help="print copy_signatures, version_anchor and typical_raw_bytes for each "
                         "entry, derived from its bundles (bundle/duplicate-code)")
    ap.add_argument("names", nargs="*")
    a = ap.parse_args()

    entries = {}
    if os.path.exists(a.toml):
        entries = {p["name"]: p for p in tomllib.load(open(a.toml, "rb")).get("package", [])}
    names = a.names or (list(entries) if entries else list(RECIPES))
    missing = [n for n in names if n not in RECIPES]
    if missing:
        sys.exit("no recipe for: " + ", ".join(missing))
    os.makedirs(a.work, exist_ok=True)
    esbuild = ensure_tools(a.work)

    results, bad = {}, set()
    with cf.ThreadPoolExecutor(a.jobs) as ex:
        futs = {ex.submit(measure, esbuild, a.work, n, RECIPES[n]): n for n in names}
        for fut in cf.as_completed(futs):
            n = futs[fut]
            try:
                results[n] = fut.result()
            except Exception as e:  # keep going, report at the end
                print(f"FAIL {n}: {e}", file=sys.stderr)
                bad.add(n)

    for n in names:
        r = results.get(n)
        if not r:
            continue
        e = entries.get(n, {})
        line = f"{n}@{r['version']}: whole {r['whole_gzip']} B gzip ({r['whole_raw']} B min)"
        if "single_gzip" in r:
            line += f", single {r['single_gzip']} B gzip"
        if e:
            want = e.get("typical_gzip_bytes", 0)
            if want and abs(want - r["whole_gzip"]) > TOLERANCE * want:
                line += f"  MISMATCH toml={want}"
                bad.add(n)
            if e.get("barrel_module_glob"):
                c = count_glob(r["_pkgdir"], e["barrel_module_glob"])
                r["barrel_count"] = c
                rx = glob_regex(e["barrel_module_glob"])
                w = sum(1 for i in r["_whole_inputs"] if rx.match(i)) if "_whole_inputs" in r else c
                sg = sum(1 for i in r.get("_single_inputs", ()) if rx.match(i))
                line += f", glob {e['barrel_module_glob']}={c} (whole bundle has {w}, single has {sg})"
                if w != e.get("barrel_module_count"):
                    line += f" MISMATCH toml={e.get('barrel_module_count')}"
                    bad.add(n)
        print(line)
        for sig in e.get("signatures", []):
            b = sig.encode()
            where = ["bundle" if b in r["_whole_text"] else "NOT-IN-BUNDLE"]
            for f, data in r["_dist"].items():
                if data is None:
                    where.append(f"{os.path.basename(f)}:absent-file")
                else:
                    where.append(f"{os.path.basename(f)}:" + ("yes" if b in data else "NO"))
            if "_single_text" in r:
                where.append("single-import:" + ("also" if b in r["_single_text"] else "absent"))
            others = [o for o, ro in results.items() if o != n and b in ro["_whole_text"]]
            ok = b in r["_whole_text"] and not any(w.endswith((":NO", ":absent-file")) for w in where)
            if not ok:
                bad.add(n)
            print(f"    sig {sig!r}: {' '.join(where)}" + (f"  also in: {', '.join(sorted(others))}" if others else ""))
        for marker in e.get("wholeness_markers", []):
            b = marker.encode()
            where = ["bundle" if b in r["_whole_text"] else "NOT-IN-BUNDLE"]
            for f, data in r["_dist"].items():
                where.append(f"{os.path.basename(os.path.dirname(f))}/{os.path.basename(f)}:"
                             + ("absent-file" if data is None else "yes" if b in data else "NO"))
            if "_single_text" in r:
                where.append("single-import:" + ("ALSO" if b in r["_single_text"] else "absent"))
            if "_smallest_whole_text" in r:
                where.append("smallest-whole:" + ("yes" if b in r["_smallest_whole_text"] else "NO"))
            others = [o for o, ro in results.items() if o != n and b in ro["_whole_text"]]
            if where[0] != "bundle" or any(w.endswith((":NO", ":absent-file", ":ALSO")) for w in where):
                bad.add(n)
            print(f"    marker {marker!r}: {' '.join(where)}" + (f"  also in: {', '.join(sorted(others))}" if others else ""))
        if a.derive_markers:
            # Entries sharing a signature are one family (lodash and lodash-es are the same
            # code): their common strings say nothing about which of them is there.
            family = set(e.get("signatures", []))
            others = [ro for o, ro in results.items() if o != n
                      and not family & set(entries.get(o, {}).get("signatures", []))]
            twin = RECIPES[n].get("markers_located_in")
            if twin and twin not in results:
                print(f"    cannot derive markers: measure {twin} in the same run")
                bad.add(n)
                continue
            chosen = derive_markers(r, others, results.get(twin))
            for value, module in chosen:
                print(f"    derived marker {value!r} from {module or 'the bundle'}")
            print("    wholeness_markers = " + json.dumps([v for v, _ in chosen]))
        copies, anchor = e.get("copy_signatures", []), e.get("version_anchor", "")
        if copies or anchor:
            problems = copy_checks(r, copies, anchor)
            for problem in problems:
                print(f"    copy check: {problem}")
            if problems:
                bad.add(n)
            want_raw = e.get("typical_raw_bytes", 0)
            if want_raw and abs(want_raw - r["whole_raw"]) > TOLERANCE * want_raw:
                print(f"    typical_raw_bytes MISMATCH toml={want_raw} measured={r['whole_raw']}")
                bad.add(n)
        if a.derive_copies:
            family = set(e.get("signatures", []))
            others = [ro for o, ro in results.items() if o != n
                      and not family & set(entries.get(o, {}).get("signatures", []))]
            chosen, anchor = derive_copies(r, others)
            if len(chosen) < COPY_SIGNATURE_COUNT:
                print(f"    copy signatures: only {len(chosen)} usable strings, none kept")
                chosen = []
            print("    copy_signatures = " + json.dumps(chosen))
            print("    version_anchor = " + json.dumps(anchor or ""))
            print(f"    typical_raw_bytes = {r['whole_raw']}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({n: {k: v for k, v in r.items() if not k.startswith("_")} for n, r in results.items()},
                      f, indent=1, sort_keys=True)
    print(f"{len(names) - len(bad)} passed, {len(bad)} failed")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
