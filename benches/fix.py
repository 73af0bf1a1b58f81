#!/usr/bin/env python3
"""Fixer benchmark: `webaudit optimize` and `webaudit compress` against the reference tools,
in one run, on the same files, on this machine.

    python3 benches/fix.py [--only png,webp,compress] [--json out.json]

1. PNG: `webaudit optimize DIR` (oxipng library, preset 2, --strip safe semantics) against the
   `oxipng` command-line tool `oxipng -o 2 --strip safe` over copies of the same PNGs. Target:
   the same savings, at most 1.1x its time.
2. WebP: `webaudit optimize DIR --webp --copies-only` against `cwebp -q 80` run on each image
   one after the other (how a build script loops over files). Target: total bytes within 1%,
   at most 0.75x its time. Bytes are compared over the images both wrote (webaudit skips a copy
   that saves less than 5% / 1 KiB, and keeps a lossless copy of a flat graphic when smaller).
3. compress: `webaudit compress DIR --min-size 0 --min-ratio 1` against `gzip -9 -n -k` and
   `brotli -q 11 -k` run on each file one after the other.

Inputs: the image corpus (benches/corpus/images.sh -> benches/work/images-corpus) and the
JS/CSS corpus (benches/corpus/js-css.sh -> benches/work/js-css); both are built when missing.
The oxipng CLI is taken from PATH or benches/work/oxipng/bin, else installed there with
`cargo install oxipng --version 10.2.1 --locked` (the version of the library webaudit uses).
Times are wall-clock seconds of one run of each tool, reference and webaudit alternating.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WORK = REPO / "benches/work"
IMAGES = WORK / "images-corpus"
TEXT = WORK / "js-css"
WEBAUDIT = REPO / "target/release/webaudit"


def run(command, **kwargs):
    started = time.monotonic()
    result = subprocess.run(command, check=False, **kwargs)
    elapsed = time.monotonic() - started
    if result.returncode not in (0, 1):
        sys.exit(f"failed ({result.returncode}): {' '.join(map(str, command))}")
    if result.returncode == 1 and result.stdout:
        for error in json.loads(result.stdout)["errors"]:
            print(f"  webaudit error: {error['path']}: {error['message']}")
    return elapsed, result


def fresh(folder, files, root):
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for source in files:
        relative = source.relative_to(root)
        target = folder / str(relative).replace("/", "-")
        shutil.copyfile(source, target)
    return folder


def total(paths):
    return sum(p.stat().st_size for p in paths)


def oxipng_cli():
    found = shutil.which("oxipng")
    local = WORK / "oxipng/bin/oxipng"
    if found:
        return found
    if not local.exists():
        subprocess.run(
            ["cargo", "install", "oxipng", "--version", "10.2.1", "--locked", "--root", str(WORK / "oxipng")],
            check=True,
        )
    return str(local)


def bench_png(results):
    pngs = sorted((IMAGES / "png").glob("*.png"))
    reference = fresh(WORK / "fix-bench/png-oxipng", pngs, IMAGES)
    ours = fresh(WORK / "fix-bench/png-webaudit", pngs, IMAGES)
    before = total(reference.iterdir())
    cli = oxipng_cli()
    version = subprocess.run([cli, "--version"], capture_output=True, text=True).stdout.strip()
    reference_time, _ = run([cli, "-o", "2", "--strip", "safe", "-q", *sorted(reference.iterdir())],
                            capture_output=True)
    our_time, _ = run([str(WEBAUDIT), "optimize", str(ours), "--quiet", "--format", "json"],
                      capture_output=True)
    after_reference = total(reference.iterdir())
    after_ours = total(ours.iterdir())
    results["png"] = {
        "files": len(pngs), "bytes_before": before,
        "reference": version, "reference_bytes_after": after_reference, "reference_seconds": reference_time,
        "webaudit_bytes_after": after_ours, "webaudit_seconds": our_time,
        "saving_reference_pct": 100 * (before - after_reference) / before,
        "saving_webaudit_pct": 100 * (before - after_ours) / before,
        "time_ratio": our_time / reference_time,
    }


def bench_webp(results):
    sources = sorted((IMAGES / "png").glob("*.png")) + sorted((IMAGES / "jpeg").glob("*.jpg"))
    reference = fresh(WORK / "fix-bench/webp-cwebp", sources, IMAGES)
    ours = fresh(WORK / "fix-bench/webp-webaudit", sources, IMAGES)
    inputs = sorted(p for p in reference.iterdir())
    started = time.monotonic()
    for source in inputs:
        subprocess.run(["cwebp", "-quiet", "-q", "80", str(source), "-o", str(source.with_suffix(".webp"))],
                       check=True, stderr=subprocess.DEVNULL)
    reference_time = time.monotonic() - started
    our_time, result = run([str(WEBAUDIT), "optimize", str(ours), "--webp", "--copies-only", "--quiet",
                            "--format", "json"], capture_output=True, text=True)
    what = {c["path"]: c["what"] for c in json.loads(result.stdout)["changes"]}
    both = [p.with_suffix(".webp").name for p in inputs if (ours / p.with_suffix(".webp").name).exists()]
    lossy = [name for name in both if what.get(name) == "webp-lossy"]
    reference_bytes = total(reference / name for name in both)
    our_bytes = total(ours / name for name in both)
    version = subprocess.run(["cwebp", "-version"], capture_output=True, text=True).stdout.strip()
    results["webp"] = {
        "files": len(inputs), "files_both_wrote": len(both),
        "reference": f"cwebp {version} -q 80, sequential",
        "reference_bytes": reference_bytes, "reference_seconds": reference_time,
        "webaudit_bytes": our_bytes, "webaudit_seconds": our_time,
        "bytes_ratio": our_bytes / reference_bytes, "time_ratio": our_time / reference_time,
        "lossy_files": len(lossy),
        "lossy_bytes_ratio": total(ours / n for n in lossy) / total(reference / n for n in lossy),
        "all_reference_bytes": total(reference.glob("*.webp")),
    }


def bench_compress(results):
    files = sorted(p for p in TEXT.rglob("*") if p.is_file() and p.suffix in (".js", ".mjs", ".css"))
    reference = fresh(WORK / "fix-bench/text-cli", files, TEXT)
    ours = fresh(WORK / "fix-bench/text-webaudit", files, TEXT)
    inputs = sorted(reference.iterdir())
    started = time.monotonic()
    for source in inputs:
        subprocess.run(["gzip", "-9", "-n", "-k", str(source)], check=True)
    gzip_time = time.monotonic() - started
    started = time.monotonic()
    for source in inputs:
        subprocess.run(["brotli", "-q", "11", "-k", str(source)], check=True)
    brotli_time = time.monotonic() - started
    our_time, _ = run([str(WEBAUDIT), "compress", str(ours), "--min-size", "0", "--min-ratio", "1",
                       "--quiet", "--format", "json"], capture_output=True)
    gz_both = [p.name + ".gz" for p in inputs if (ours / (p.name + ".gz")).exists()]
    br_both = [p.name + ".br" for p in inputs if (ours / (p.name + ".br")).exists()]
    results["compress"] = {
        "files": len(inputs), "bytes": total(inputs),
        "gz_files_both": len(gz_both), "br_files_both": len(br_both),
        "gzip_cli_bytes": total(reference / n for n in gz_both),
        "webaudit_gz_bytes": total(ours / n for n in gz_both),
        "brotli_cli_bytes": total(reference / n for n in br_both),
        "webaudit_br_bytes": total(ours / n for n in br_both),
        "reference_seconds": gzip_time + brotli_time,
        "gzip_seconds": gzip_time, "brotli_seconds": brotli_time,
        "webaudit_seconds": our_time,
        "time_ratio": our_time / (gzip_time + brotli_time),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="png,webp,compress")
    parser.add_argument("--json", type=Path)
    arguments = parser.parse_args()
    if not WEBAUDIT.exists():
        sys.exit("target/release/webaudit is missing: cargo build --release")
    for tool in ("cwebp", "gzip", "brotli"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is missing (apt-get install webp gzip brotli)")
    if not (IMAGES / "png").is_dir():
        subprocess.run(["bash", str(REPO / "benches/corpus/images.sh"), str(IMAGES)], check=True)
    if not TEXT.is_dir():
        subprocess.run(["bash", str(REPO / "benches/corpus/js-css.sh"), str(TEXT)], check=True)
    print(f"cores: {os.cpu_count()}")
    results = {}
    chosen = arguments.only.split(",")
    if "png" in chosen:
        bench_png(results)
        r = results["png"]
        print(f"PNG  {r['files']} files {r['bytes_before']:,} B: oxipng CLI -{r['saving_reference_pct']:.2f}% "
              f"in {r['reference_seconds']:.2f} s; webaudit -{r['saving_webaudit_pct']:.2f}% in "
              f"{r['webaudit_seconds']:.2f} s; time {r['time_ratio']:.2f}x (target <= 1.1x)")
    if "webp" in chosen:
        bench_webp(results)
        r = results["webp"]
        print(f"WebP {r['files']} images ({r['files_both_wrote']} written by both): cwebp {r['reference_bytes']:,} B "
              f"in {r['reference_seconds']:.2f} s; webaudit {r['webaudit_bytes']:,} B in {r['webaudit_seconds']:.2f} s; "
              f"bytes {r['bytes_ratio']:.4f}x, on the {r['lossy_files']} lossy copies {r['lossy_bytes_ratio']:.4f}x "
              f"(target within 1%), time {r['time_ratio']:.2f}x (target <= 0.75x)")
    if "compress" in chosen:
        bench_compress(results)
        r = results["compress"]
        print(f"compress {r['files']} files {r['bytes']:,} B: gzip -9 -n {r['gzip_cli_bytes']:,} B vs webaudit "
              f"{r['webaudit_gz_bytes']:,} B; brotli -q 11 {r['brotli_cli_bytes']:,} B vs webaudit "
              f"{r['webaudit_br_bytes']:,} B; CLIs {r['reference_seconds']:.2f} s (gzip {r['gzip_seconds']:.2f}, "
              f"brotli {r['brotli_seconds']:.2f}) vs webaudit {r['webaudit_seconds']:.2f} s: {r['time_ratio']:.2f}x")
    if arguments.json:
        arguments.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
