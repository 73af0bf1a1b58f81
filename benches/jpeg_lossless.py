#!/usr/bin/env python3
"""`webaudit optimize` on JPEGs against `jpegtran -copy none -optimize -progressive`.

Run from the repository root after `cargo build --release` (needs `jpegtran` and `djpeg`,
Debian package libjpeg-turbo-progs):

    python3 benches/jpeg_lossless.py [FOLDER ...]     # default: benches/work/images-corpus, benches/work/images

Every JPEG under the folders is copied into a temporary folder. webaudit optimizes the copies
with no saving threshold (`--min-saving 0 --min-saving-percent 0`); jpegtran transcodes each
original. Printed: the bytes each saves in total and the ratio of the two savings (the target
is within 1%), how many webaudit outputs differ in size from jpegtran's, whether every output
decodes (djpeg, an independent decoder) to exactly the original's pixels, and the time of each
(webaudit's includes reading back and decoding every result to compare its pixels).
Exit status 1 when a pixel differs or the savings differ by more than 1%; 2 on missing tools.
"""

from __future__ import annotations

import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
WEBAUDIT = REPO_ROOT / "target" / "release" / "webaudit"
DEFAULT_FOLDERS = [REPO_ROOT / "benches" / "work" / "images-corpus", REPO_ROOT / "benches" / "work" / "images"]


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def pixels(data: bytes) -> bytes | None:
    run = subprocess.run(["djpeg", "-pnm"], input=data, capture_output=True, check=False)
    return run.stdout if run.returncode == 0 else None


def main() -> int:
    for tool in ("jpegtran", "djpeg"):
        if not shutil.which(tool):
            print(f"{tool} is missing (apt-get install libjpeg-turbo-progs)", file=sys.stderr)
            return 2
    if not WEBAUDIT.is_file():
        print(f"no binary at {WEBAUDIT}: cargo build --release", file=sys.stderr)
        return 2
    folders = [Path(a) for a in sys.argv[1:]] or [f for f in DEFAULT_FOLDERS if f.is_dir()]
    jpegs = sorted(p for f in folders for p in f.rglob("*") if p.suffix.lower() in (".jpg", ".jpeg") and p.is_file())
    originals = {}
    for p in jpegs:
        data = p.read_bytes()
        if pixels(data) is not None:  # broken files are left out: both tools refuse them
            originals[p] = data
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "site"
        work.mkdir()
        names = {}
        for i, p in enumerate(originals):
            name = f"{i:04d}-{p.name}"
            (work / name).write_bytes(originals[p])
            names[p] = name
        wall = time.monotonic()
        cpu = children_cpu()
        run = subprocess.run([str(WEBAUDIT), "optimize", str(work), "--format", "json", "--min-saving", "0",
                              "--min-saving-percent", "0"], capture_output=True, check=False)
        webaudit_wall, webaudit_cpu = time.monotonic() - wall, children_cpu() - cpu
        if run.returncode != 0:
            print(run.stdout.decode(errors="replace"), run.stderr.decode(errors="replace"), file=sys.stderr)
            return 1
        report = json.loads(run.stdout)
        wall = time.monotonic()
        cpu = children_cpu()
        transcoded = {
            p: subprocess.run(["jpegtran", "-copy", "none", "-optimize", "-progressive"], input=data,
                              capture_output=True, check=True).stdout
            for p, data in originals.items()
        }
        jpegtran_wall, jpegtran_cpu = time.monotonic() - wall, children_cpu() - cpu
        before = sum(len(d) for d in originals.values())
        ours = {p: (work / names[p]).read_bytes() for p in originals}
        saved_ours = before - sum(len(d) for d in ours.values())
        # jpegtran's result counts only when smaller, as webaudit keeps only smaller files.
        saved_jpegtran = sum(max(0, len(originals[p]) - len(t)) for p, t in transcoded.items())
        differing = [p for p in originals if len(ours[p]) != min(len(originals[p]), len(transcoded[p]))]
        changed_pixels = [p for p in originals if pixels(ours[p]) != pixels(originals[p])]
    ratio = saved_ours / saved_jpegtran if saved_jpegtran else float("nan")
    print(f"{len(originals)} JPEGs, {before / 1e6:.2f} MB ({len(report['changes'])} rewritten by webaudit)")
    print(f"  webaudit optimize: saves {saved_ours:,} B ({100 * saved_ours / before:.2f}%), "
          f"{webaudit_wall:.1f} s wall, {webaudit_cpu:.1f} s CPU")
    print(f"  jpegtran -copy none -optimize -progressive: saves {saved_jpegtran:,} B "
          f"({100 * saved_jpegtran / before:.2f}%), {jpegtran_wall:.1f} s wall, {jpegtran_cpu:.1f} s CPU")
    print(f"  savings ratio {ratio:.4f}; sizes differing from jpegtran's: {len(differing)}; "
          f"outputs whose pixels differ (djpeg): {len(changed_pixels)}")
    for p in differing[:10]:
        print(f"    {p}: original {len(originals[p])}, webaudit {len(ours[p])}, jpegtran {len(transcoded[p])}")
    for p in changed_pixels:
        print(f"    PIXELS CHANGED: {p}")
    return 1 if changed_pixels or not (0.99 <= ratio <= 1.01) else 0


if __name__ == "__main__":
    sys.exit(main())
