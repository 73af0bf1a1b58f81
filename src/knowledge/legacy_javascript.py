#!/usr/bin/env python3
"""Writes legacy_javascript.json (beside this file): what `js/legacy-javascript` looks for and
how many bytes it estimates, derived from published npm packages.

Sources, each installed from the npm registry at a pinned version:

- lighthouse 12.8.2 (Apache-2.0, (c) Google LLC): `core/lib/legacy-javascript/
  polyfill-module-data.json` (the polyfills that Baseline browsers do not need, each with its
  core-js module ids) and `polyfill-graph-data.json` (the minified size of every core-js module
  and, per polyfill, the modules it pulls in). Only these facts and figures are carried over.
- core-js-compat 3.51.0 (MIT, (c) Denis Pushkarev): `data.json`, the first browser version with
  a native (bug-free) implementation of each core-js module.
- @babel/compat-data 7.29.17 (MIT, (c) the Babel authors): `data/plugins.json`, the first
  browser version that needs no `transform-classes`, `transform-regenerator` or
  `transform-spread`.

Browser names are written as browserslist spells them (`and_chr`, `ios_saf`, `op_mob`).

    python3 src/knowledge/legacy_javascript.py                   # installs into /tmp/wa-legacy
    python3 src/knowledge/legacy_javascript.py --work DIR --check  # fails if the file differs
"""

import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUTPUT = os.path.join(HERE, "legacy_javascript.json")

PACKAGES = ["lighthouse@12.8.2", "core-js-compat@3.51.0", "@babel/compat-data@7.29.17"]

# core-js-compat's browser keys, as browserslist names them.
CORE_JS_BROWSERS = {
    "chrome": "chrome",
    "chrome-android": "and_chr",
    "edge": "edge",
    "firefox": "firefox",
    "firefox-android": "and_ff",
    "safari": "safari",
    "ios": "ios_saf",
    "samsung": "samsung",
    "opera": "opera",
    "opera-android": "op_mob",
    "android": "android",
    "ie": "ie",
}

# @babel/compat-data's browser keys, as browserslist names them. It has no Android keys: Chrome
# for Android and the Android WebView (version 37 on) run Chrome's engine at Chrome's version
# numbers, as @babel/helper-compilation-targets treats them; Firefox for Android likewise.
BABEL_BROWSERS = {
    "chrome": ["chrome", "and_chr", "android"],
    "edge": ["edge"],
    "firefox": ["firefox", "and_ff"],
    "safari": ["safari"],
    "ios": ["ios_saf"],
    "samsung": ["samsung"],
    "opera": ["opera"],
    "opera_mobile": ["op_mob"],
}

# focus-visible is a polyfill of the `:focus-visible` CSS selector, not a core-js module: the
# first versions that match the selector natively, from caniuse's `css-focus-visible` (CC BY 4.0).
FOCUS_VISIBLE_NATIVE = {
    "chrome": "86",
    "and_chr": "86",
    "android": "86",
    "edge": "86",
    "firefox": "85",
    "and_ff": "85",
    "safari": "15.4",
    "ios_saf": "15.4",
    "samsung": "14.0",
    "opera": "72",
}

TRANSFORMS = [
    ("@babel/plugin-transform-classes", "transform-classes"),
    ("@babel/plugin-transform-regenerator", "transform-regenerator"),
    ("@babel/plugin-transform-spread", "transform-spread"),
]

# Lighthouse 12's target ("last 2.5 years" of Chrome, Edge, Safari, Firefox and their mobile
# versions when its data was made, 2025-03-18: released on or after 2022-09-18). Used when the
# project names no browsers.
DEFAULT_TARGETS = {
    "chrome": "106",
    "and_chr": "106",
    "edge": "106",
    "firefox": "105",
    "and_ff": "105",
    "safari": "16.1",
    "ios_saf": "16.1",
}


def install(work):
    os.makedirs(work, exist_ok=True)
    if not os.path.exists(os.path.join(work, "package.json")):
        with open(os.path.join(work, "package.json"), "w") as f:
            f.write('{"private": true}\n')
    subprocess.run(
        ["npm", "install", "--ignore-scripts", "--no-audit", "--no-fund", "--save-exact", *PACKAGES],
        cwd=work,
        check=True,
    )
    return os.path.join(work, "node_modules")


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def build(modules_dir):
    legacy = os.path.join(modules_dir, "lighthouse", "core", "lib", "legacy-javascript")
    module_data = load(os.path.join(legacy, "polyfill-module-data.json"))
    graph = load(os.path.join(legacy, "polyfill-graph-data.json"))
    compat = load(os.path.join(modules_dir, "core-js-compat", "data.json"))
    plugins = load(os.path.join(modules_dir, "@babel", "compat-data", "data", "plugins.json"))

    polyfills = []
    for entry in module_data:
        native = FOCUS_VISIBLE_NATIVE if entry["name"] == "focus-visible" else None
        for module in entry["modules"]:
            # The stable module (`es.`) first: `esnext.` aliases carry the same data.
            if module in compat:
                native = {CORE_JS_BROWSERS[k]: v for k, v in compat[module].items() if k in CORE_JS_BROWSERS}
                break
        polyfills.append(
            {
                "name": entry["name"],
                "modules": entry["modules"],
                # Found by code patterns (core-js's own modules); the others only by a source
                # map naming their module.
                "patterns": bool(entry.get("corejs")),
                "graph": graph["dependencies"].get(entry["name"], []),
                "native": native,
            }
        )
    transforms = []
    for name, plugin in TRANSFORMS:
        native = {}
        for key, version in plugins[plugin].items():
            for browser in BABEL_BROWSERS.get(key, []):
                native[browser] = version
        transforms.append({"name": name, "native": dict(sorted(native.items()))})
    return {
        "about": "Generated by legacy_javascript.py from lighthouse 12.8.2 (Apache-2.0, (c) Google LLC: polyfill list, core-js module sizes and dependency graph), core-js-compat 3.51.0 (MIT: native versions per core-js module) and @babel/compat-data 7.29.17 (MIT: native versions per transform). Do not edit by hand.",
        "default_targets": DEFAULT_TARGETS,
        "max_polyfill_bytes": graph["maxSize"],
        "module_bytes": graph["moduleSizes"],
        "polyfills": polyfills,
        "transforms": transforms,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--work", default="/tmp/wa-legacy", help="scratch folder for npm install")
    parser.add_argument("--check", action="store_true", help="fail if the file would change")
    args = parser.parse_args()
    data = build(install(args.work))
    text = json.dumps(data, indent=1, sort_keys=False) + "\n"
    if args.check:
        with open(OUTPUT, encoding="utf-8") as f:
            if f.read() != text:
                sys.exit("legacy_javascript.json differs from what the pinned packages give")
        print("legacy_javascript.json is up to date")
        return
    with open(OUTPUT, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"wrote {OUTPUT}: {len(data['polyfills'])} polyfills, {len(data['module_bytes'])} modules")


if __name__ == "__main__":
    main()
