#!/usr/bin/env python3
"""webaudit's brotli sizes against Google's encoder, file by file, and its brotli CPU time.

Run from the repository root, after `cargo build --release` and `benches/corpus/js-css.sh`:

    python3 benches/brotli_encoders.py [--corpus DIR] [--webaudit PATH] [--sample N]

One run measures:
  - webaudit: `--brotli --no-cache --timings` over the corpus; its per-file brotli sizes and the
    CPU its workers spent in brotli (the report's `timings.work`, thread CPU clock);
  - Google's encoder, three builds where installed, at quality 11, window 22, input size as hint:
      * Node's zlib (`zlib.brotliCompressSync`, the brotli Node bundles),
      * Python's `brotli` module (PyPI, Google's bindings),
      * the `brotli` command (Debian package), one process per file; its children's CPU time
        is the reference for webaudit's brotli CPU (same files, same run).
Prints how many sizes equal each oracle's and the CPU ratio. Exit status 1 if any size differs,
2 if the corpus or the binary is missing. `--sample N` checks every Nth file with the command
(one process per file is slow); the other two oracles see every file.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO_ROOT / "benches" / "work" / "js-css"
DEFAULT_WEBAUDIT = REPO_ROOT / "target" / "release" / "webaudit"

NODE_ORACLE = r"""
const fs = require("fs"), zlib = require("zlib");
const paths = JSON.parse(fs.readFileSync(0, "utf8"));
const out = {};
for (const p of paths) {
  const d = fs.readFileSync(p);
  out[p] = zlib.brotliCompressSync(d, { params: {
    [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
    [zlib.constants.BROTLI_PARAM_LGWIN]: 22,
    [zlib.constants.BROTLI_PARAM_SIZE_HINT]: d.length } }).length;
}
process.stdout.write(JSON.stringify({ version: process.versions.brotli, sizes: out }));
"""


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--webaudit", type=Path, default=DEFAULT_WEBAUDIT)
    parser.add_argument("--sample", type=int, default=1, help="check every Nth file with the brotli command")
    args = parser.parse_args()
    if not args.corpus.is_dir():
        print(f"no corpus at {args.corpus}: run benches/corpus/js-css.sh first", file=sys.stderr)
        return 2
    if not args.webaudit.is_file():
        print(f"no webaudit binary at {args.webaudit}: cargo build --release", file=sys.stderr)
        return 2

    wall = time.monotonic()
    run = subprocess.run(
        [str(args.webaudit), str(args.corpus), "--brotli", "--no-cache", "--no-config", "--timings",
         "--format", "json", "--fail-on", "never", "--progress", "never"],
        capture_output=True, check=False,
    )
    wall = time.monotonic() - wall
    if run.returncode != 0:
        print(run.stderr.decode(errors="replace"), file=sys.stderr)
        return 1
    report = json.loads(run.stdout)
    ours = {
        str(args.corpus / a["path"]): a["brotli"]
        for a in report["assets"]
        if a.get("brotli") is not None and a["path"].endswith((".js", ".css"))
    }
    brotli_cpu = sum(w["ms"] for w in report["timings"]["work"] if w["name"] == "brotli") / 1000
    paths = sorted(ours)
    print(f"{len(paths)} files, {sum(os.path.getsize(p) for p in paths) / 1e6:.1f} MB; "
          f"webaudit --brotli: {wall:.1f} s wall, brotli CPU {brotli_cpu:.1f} s")

    differing = 0

    def compare(name: str, sizes: dict[str, int], checked: list[str]) -> None:
        nonlocal differing
        bad = [p for p in checked if sizes[p] != ours[p]]
        differing += len(bad)
        print(f"  {name}: {len(checked) - len(bad)} of {len(checked)} sizes equal")
        for p in bad[:5]:
            print(f"    {p}: webaudit {ours[p]}, {name} {sizes[p]}")

    if shutil.which("node"):
        node = subprocess.run(["node", "-e", NODE_ORACLE], input=json.dumps(paths).encode(),
                              capture_output=True, check=True)
        result = json.loads(node.stdout)
        compare(f"Node's zlib (Google brotli {result['version']})", result["sizes"], paths)
    try:
        import brotli  # type: ignore[import-not-found]

        sizes = {p: len(brotli.compress(Path(p).read_bytes(), quality=11, lgwin=22)) for p in paths}
        compare(f"Python brotli {getattr(brotli, 'version', getattr(brotli, '__version__', '?'))}",
                sizes, paths)
    except ImportError:
        print("  Python brotli: not installed (pip install brotli)")
    if shutil.which("brotli"):
        checked = paths[:: max(1, args.sample)]
        before = children_cpu()
        sizes = {}
        for p in checked:
            out = subprocess.run(["brotli", "-q", "11", "-w", "22", "-c", p], capture_output=True, check=True)
            sizes[p] = len(out.stdout)
        cli_cpu = children_cpu() - before
        version = subprocess.run(["brotli", "--version"], capture_output=True, text=True).stdout.strip()
        compare(f"`{version}` command", sizes, checked)
        if len(checked) == len(paths):
            print(f"  CPU: webaudit's brotli {brotli_cpu:.1f} s, the brotli command {cli_cpu:.1f} s "
                  f"(ratio {brotli_cpu / cli_cpu:.2f})")
    else:
        print("  brotli command: not installed (apt-get install brotli)")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
