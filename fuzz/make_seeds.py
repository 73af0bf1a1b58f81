#!/usr/bin/env python3
"""Writes the committed seed corpus, fuzz/seeds/<target>/, from files in fixtures/.

Run from anywhere: `python3 fuzz/make_seeds.py`. Deterministic: the same fixtures give the same
seeds (named by the SHA-1 of their content, as libFuzzer names corpus files), so re-running it
changes nothing unless the fixtures did. Seeds are kept small (cut at MAX_SEED bytes): the
fuzzer grows what it needs from them.
"""
import base64
import gzip
import hashlib
import json
import pathlib
import shutil
import struct

FUZZ = pathlib.Path(__file__).resolve().parent
ROOT = FUZZ.parent
FIXTURES = ROOT / "fixtures"
SEEDS = FUZZ / "seeds"
MAX_SEED = 24 * 1024


def fixture_files(*suffixes, max_size=MAX_SEED, skip_parts=("node_modules",)):
    seen = set()
    for path in sorted(FIXTURES.rglob("*")):
        if not path.is_file() or path.suffix not in suffixes:
            continue
        if any(part in skip_parts for part in path.parts):
            continue
        data = path.read_bytes()
        if len(data) > max_size:
            continue
        digest = hashlib.sha1(data).hexdigest()
        if digest in seen:
            continue
        seen.add(digest)
        yield path, data


def write(target, data):
    folder = SEEDS / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / hashlib.sha1(data).hexdigest()).write_bytes(data)


def avif(width, height, animated=False):
    def box(name, body):
        return struct.pack(">I", 8 + len(body)) + name + body

    brands = b"avis" if animated else b"avif"
    ftyp = box(b"ftyp", brands + b"\0\0\0\0" + b"mif1" + brands)
    ispe = box(b"ispe", b"\0\0\0\0" + struct.pack(">II", width, height))
    meta = box(b"meta", b"\0\0\0\0" + box(b"iprp", box(b"ipco", ispe)))
    moov = box(b"moov", box(b"mvhd", b"\0" * 16)) if animated else b""
    return ftyp + meta + moov


def main():
    if SEEDS.exists():
        shutil.rmtree(SEEDS)

    # html and rewrite_html: every page (rewrite_html with its 6-byte header: 320x240 images
    # with .webp and .avif siblings, above the fold 3; and 64x64 without siblings, fold 0).
    for _, data in fixture_files(".html"):
        write("html", data)
        write("rewrite_html", struct.pack("<HHBB", 320, 240, 0b0011, 3) + data)
        write("rewrite_html", struct.pack("<HHBB", 64, 64, 0b1100, 0) + data)

    # css
    for _, data in fixture_files(".css"):
        write("css", data)

    # js_scan and js: scripts and sources. js's first byte picks the extension (index into
    # js::EXTENSIONS: js mjs cjs jsx ts tsx mts cts), +8 forces swc, +16 checks the minify bound.
    extensions = ["js", "mjs", "cjs", "jsx", "ts", "tsx", "mts", "cts"]
    for path, data in fixture_files(".js", ".jsx", ".mjs", ".ts", ".tsx"):
        write("js_scan", data)
        index = extensions.index(path.suffix[1:])
        write("js", bytes([index | 16]) + data)
        write("js", bytes([index | 8]) + data)
    write("js", bytes([4]) + b'import type { A } from "./a";\nimport x = require("y");\nexport * as ns from "z";\nconst f = (a: number): A => a as A;\n')
    write("js", bytes([5]) + b'import React from "react";\nexport const App = () => <div className="x">{import("./lazy")}</div>;\n')
    write("js", bytes([2]) + b'const a = require("a"), b = require(`b`);\nmodule.exports = { a, b };\n')

    # sourcemap: generated file, 0xFF, map; and one inline data: map.
    for path, data in fixture_files(".map", max_size=64 * 1024):
        generated = path.with_suffix("")
        if generated.is_file() and generated.stat().st_size <= 64 * 1024:
            write("sourcemap", generated.read_bytes() + b"\xff" + data)
    inline_map = json.dumps({
        "version": 3, "sources": ["../src/a.js", "../node_modules/lodash/debounce.js"],
        "names": [], "mappings": "AAAA,SCAA;AACA",
    }).encode()
    write("sourcemap", b"export const a=1;function d(){}\nd();\n//# sourceMappingURL=data:application/json;base64,"
          + base64.b64encode(inline_map) + b"\n")
    write("sourcemap", b"a();\nb();\n\xff" + json.dumps({
        "version": 3, "sections": [
            {"offset": {"line": 0, "column": 0}, "map": json.loads(inline_map)},
            {"offset": {"line": 1, "column": 0}, "map": {"version": 3, "sources": [None], "mappings": "AAAA"}},
        ]}).encode())

    # image_header: small images whole, larger ones cut (headers come first; a cut file is a
    # seed for the truncation paths too), plus hand-made AVIF headers (no AVIF fixture).
    # The JPEG SOF usually sits in the first 200 bytes; wood.jpg has an EXIF block (with an
    # orientation) first, so its seed runs past that block's end.
    cut = {".png": 4096, ".jpg": 2048, ".gif": 8192, ".webp": 2048}
    seen = set()
    for path, data in fixture_files(".png", ".jpg", ".gif", ".webp", max_size=1 << 30):
        head = data[: 28 * 1024 if path.name == "wood.jpg" else cut[path.suffix]]
        if head not in seen:
            seen.add(head)
            write("image_header", head)
    write("image_header", avif(640, 480))
    write("image_header", avif(64, 64, animated=True))

    # font: every format the reader takes (WOFF2, WOFF, TrueType, OpenType) and one it
    # refuses (EOT), whole up to 32 KiB (a cut font loses its cmap, which usually sits late);
    # larger fonts as their first 4 KiB, for the paths of a directory that points past the end.
    for path, data in fixture_files(".woff2", ".woff", ".ttf", ".otf", ".eot", max_size=1 << 30):
        write("font", data if len(data) <= 32 * 1024 else data[:4096])

    # analyze: the selector byte names the file (the target's NAMES), then the file: small
    # fixture files of each format the target's names take (precompressed copies made here).
    names = ["app.js", "app.mjs", "app.ts", "app.tsx", "app.css", "index.html", "icon.svg",
             "favicon.ico", "font.woff2", "font.woff", "manifest.json", "site.webmanifest",
             "app.js.gz", "app.css.br"]
    by_suffix = {".js": 0, ".mjs": 1, ".ts": 2, ".tsx": 3, ".css": 4, ".html": 5, ".svg": 6,
                 ".ico": 7, ".woff2": 8, ".woff": 9, ".webmanifest": 11}
    taken = {}
    for path, data in fixture_files(*by_suffix, max_size=16 * 1024):
        selector = by_suffix[path.suffix]
        if taken.get(selector, 0) < 6:
            taken[selector] = taken.get(selector, 0) + 1
            write("analyze", bytes([selector]) + data)
    for path, data in fixture_files(".json", max_size=16 * 1024):
        if path.name == "manifest.json":
            write("analyze", bytes([names.index("manifest.json")]) + data)
    script = b"import{a as b}from'./c.js';export const d=b(1);\n//# sourceMappingURL=app.js.map\n"
    write("analyze", bytes([names.index("app.js.gz")]) + gzip.compress(script, 9, mtime=0))

    # url: from \n [base \n] reference; srcset values.
    for text in [
        "index.html\nimg/hero.jpg",
        "blog/post/index.html\n../img/a%20b.png?v=2#top",
        "blog/index.html\n/static/\n./x/../y.png",
        "index.html\nhttps://cdn.example.com/\nimg/a.png",
        "a/b.html\n//cdn.example.com/x.js",
        "a/b.html\ndata:image/png;base64,AAAA",
        "img/hero-640.jpg 640w, img/hero-1280.jpg 1280w, data:image/gif;base64,R0lG 1x",
        "a.png 1.5x,b.png 2e0x , c.png 100w 50h",
        "index.html\n#icon",
        "x/y/z.html\n../../../../etc/passwd",
    ]:
        write("url", text.encode())

    # size: what budgets and --max-size take.
    for text in ["91kB", "1.5 MB", "200 KiB", "12345", "1_000_000 B", "0.5 GiB", "150kb",
                 "2.25 MiB", "18446744073709551615", "1.000000000001 GB"]:
        write("size", text.encode())


if __name__ == "__main__":
    main()
