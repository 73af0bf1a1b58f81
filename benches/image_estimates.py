#!/usr/bin/env python3
"""Image estimates against the exact encodes (issue 18, item 3).

For each corpus folder: the release binary's default audit (large images measured on a banded
sample, see `analyze::image`) against `--exact-images` (every image encoded whole), both
`--no-cache --no-config --format json --timings`, in alternating order, `--runs` times each.
Prints the median wall time and the CPU time (user + sys) of each mode, and for
`images/optimizable` and `images/modern-format` the total saving reported, its error against
the exact total, and the flagged files that differ (missed + extra, over the exact count).

It also scores Lighthouse's bytes-per-pixel models against the exact WebP sizes of the same
run (no encoding at all): the old `modern-image-formats` estimate (WebP = 2/10 byte per pixel)
and the `image-delivery` insight's ideal (AVIF = 1/6 byte per pixel), each as an
`images/modern-format` verdict over the images the exact run encoded (8 KiB threshold).

    python3 benches/image_estimates.py [--runs 3] FOLDER...
    python3 benches/image_estimates.py --compare DEFAULT.json EXACT.json

Targets (issue 18): total saving within ±10 % of the exact one, flagged files within ±5 %.
"""

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BINARY = ROOT / "target" / "release" / "webaudit"
RULES = {"images/optimizable": 4 * 1024, "images/modern-format": 8 * 1024}
FILE_IN_MESSAGE = re.compile(r"^(\S+) \((?:PNG|JPEG|GIF), ")


def compare(flagged, exact):
    """flagged/exact: {file: saving} -> (total, error %, difference %, missed, extra)."""
    total, exact_total = sum(flagged.values()), sum(exact.values())
    missed, extra = set(exact) - set(flagged), set(flagged) - set(exact)
    error = 100.0 * (total - exact_total) / exact_total if exact_total else 0.0
    difference = 100.0 * (len(missed) + len(extra)) / max(1, len(exact))
    return total, error, difference, len(missed), len(extra)


def image_findings(report):
    found = {rule: {} for rule in RULES}
    for finding in report["findings"]:
        if finding["rule"] in found:
            match = FILE_IN_MESSAGE.match(finding["message"])
            key = match.group(1) if match else finding["message"]
            found[finding["rule"]][key] = finding.get("saving") or 0
    return found


def row(name, got, exact):
    total, error, difference, missed, extra = compare(got, exact)
    return (f"| {name} | {len(got)} | {total:,} | {error:+.1f}% | "
            f"{difference:.1f}% ({missed}+{extra}) |")


def print_comparison(default, exact):
    print("| rule: method | flagged | total saving | error | flagged difference (missed+extra) |")
    print("|---|---|---|---|---|")
    for rule in RULES:
        print(row(f"{rule}: exact", exact[rule], exact[rule]))
        print(row(f"{rule}: default (estimates)", default[rule], exact[rule]))


def bytes_per_pixel_models(exact_report):
    """Lighthouse's pixel-count models as modern-format verdicts, against the exact WebP."""
    threshold = RULES["images/modern-format"]
    exact, models = {}, {"WebP = 2/10 B/px (modern-image-formats)": {},
                         "AVIF = 1/6 B/px (image-delivery)": {}}
    for asset in exact_report["assets"]:
        facts = asset.get("image") or {}
        header = facts.get("header")
        if not header or facts.get("webp") is None:
            continue
        raw, pixels = asset["raw"], header["width"] * header["height"]
        if raw >= facts["webp"] + threshold:
            exact[asset["path"]] = raw - facts["webp"]
        for name, per_pixel in zip(models, (2 / 10, 1 / 6)):
            estimate = round(pixels * per_pixel)
            if raw >= estimate + threshold:
                models[name][asset["path"]] = raw - estimate
    print("\nbytes-per-pixel models, every re-encoded image (referenced or not), 8 KiB threshold:")
    print("| method | flagged | total saving | error | flagged difference (missed+extra) |")
    print("|---|---|---|---|---|")
    print(row("WebP q80, encoded whole (exact)", exact, exact))
    for name, got in models.items():
        print(row(name, got, exact))


def audit(folder, exact):
    cmd = [str(BINARY), "--no-cache", "--no-config", "--format", "json", "--timings"]
    if exact:
        cmd.append("--exact-images")
    cmd.append(str(folder))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if out.returncode not in (0, 1):
        sys.exit(f"{' '.join(cmd)} failed ({out.returncode}): {out.stderr}")
    return wall, cpu, json.loads(out.stdout)


def audits(folder, runs):
    print(f"\n## {folder} (load average at the start: {os.getloadavg()[0]:.1f})")
    walls, cpus, reports = {False: [], True: []}, {False: [], True: []}, {}
    for i in range(runs):
        for exact in ((False, True) if i % 2 == 0 else (True, False)):
            wall, cpu, report = audit(folder, exact)
            walls[exact].append(wall)
            cpus[exact].append(cpu)
            reports[exact] = report
            print(f"  run {i + 1} {'--exact-images' if exact else 'default       '} "
                  f"{wall:7.2f} s wall {cpu:7.2f} s CPU "
                  f"(measurement.images = {report['measurement'].get('images')})", flush=True)
    for exact in (False, True):
        name = "--exact-images" if exact else "default"
        print(f"{name}: {statistics.median(walls[exact]):.2f} s wall, "
              f"{statistics.median(cpus[exact]):.2f} s CPU (medians of {runs})")
    print(f"default/exact: wall {statistics.median(walls[False]) / statistics.median(walls[True]):.2f}, "
          f"CPU {statistics.median(cpus[False]) / statistics.median(cpus[True]):.2f}\n")
    print_comparison(image_findings(reports[False]), image_findings(reports[True]))
    bytes_per_pixel_models(reports[True])


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folders", nargs="*")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--compare", nargs=2, metavar=("DEFAULT_JSON", "EXACT_JSON"),
                        help="compare two saved JSON reports instead of running audits")
    args = parser.parse_args()
    if args.compare:
        default, exact = (json.load(open(p)) for p in args.compare)
        print_comparison(image_findings(default), image_findings(exact))
        bytes_per_pixel_models(exact)
        return
    if not args.folders:
        parser.error("give corpus folders, or --compare")
    for folder in args.folders:
        audits(folder, args.runs)


if __name__ == "__main__":
    main()
