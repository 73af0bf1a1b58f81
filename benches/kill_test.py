#!/usr/bin/env python3
"""Kill test for `webaudit optimize`: SIGKILL it at random moments and check that no image is
ever lost or half-written.

    benches/kill_test.py [--kills 50] [--seed 1] [--flags "--lossy --webp"] [--images N]

Copies real images (benches/corpus/images.sh fills benches/work/images-corpus; run it first)
into benches/work/kill/site, records each original's SHA-256 and decoded pixels (Pillow, an
independent decoder), then repeats:

  1. start the release binary `webaudit optimize site FLAGS`, SIGKILL it after a random delay
     drawn uniformly from [0, the duration of one uninterrupted run];
  2. check every image: byte-identical to its original, or it decodes, and a PNG (a lossless
     path) has exactly the original's pixels, a JPEG (re-encoded with --lossy) has the
     original's size; every .webp/.avif the run left must decode (AVIF: parse) as well;
  3. note the temporaries the kill left, put the originals back (the next run must have work
     to do) and delete the copies, but leave the temporaries: the next run must remove them.

At the end one uninterrupted run must finish, report the leftovers it removed, and leave no
temporary file. Prints the counts; exits 1 on any violation. Re-runnable: the work folder is
rebuilt from the corpus each time.
"""

import argparse
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

try:
    from PIL import Image
except ImportError:
    sys.exit("kill_test.py needs Pillow (apt-get install python3-pil, or pip install pillow)")

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "benches/work/images-corpus"
WORK = REPO / "benches/work/kill"
BINARY = REPO / "target/release/webaudit"
TEMPORARY_PREFIX = ".webaudit-tmp-"
IMAGE_EXTENSIONS = {".png", ".jpg", ".jpeg", ".gif"}


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def pixels(path):
    with Image.open(path) as image:
        image.load()
        return image.size, image.convert("RGBA").tobytes()


def choose_images(limit):
    """The smaller images of the corpus first (so that one run takes seconds), then the
    fixtures' images, up to `limit` files."""
    chosen = []
    for folder in ("png", "jpeg", "gif"):
        files = sorted((CORPUS / folder).glob("*"), key=lambda p: p.stat().st_size)
        chosen.extend(f for f in files if f.stat().st_size <= 700_000)
    for extra in sorted((REPO / "fixtures/images-src").glob("*")):
        if extra.suffix in IMAGE_EXTENSIONS and extra.stat().st_size <= 700_000:
            chosen.append(extra)
    # Interleave formats so any prefix mixes PNG, JPEG and GIF.
    png = [p for p in chosen if p.suffix == ".png"]
    other = [p for p in chosen if p.suffix != ".png"]
    mixed = []
    while png or other:
        mixed.extend(png[:2])
        png = png[2:]
        mixed.extend(other[:1])
        other = other[1:]
    return mixed[:limit]


def build_site(images):
    site = WORK / "site"
    pristine = WORK / "pristine"
    if WORK.exists():
        shutil.rmtree(WORK)
    site.mkdir(parents=True)
    pristine.mkdir()
    manifest = {}
    for index, source in enumerate(images):
        name = f"{index:03d}-{source.parent.name}-{source.name}"
        shutil.copyfile(source, pristine / name)
        shutil.copyfile(source, site / name)
        size, raw = pixels(pristine / name)
        manifest[name] = {
            "sha256": sha256(pristine / name),
            "size": size,
            "pixels": hashlib.sha256(raw).hexdigest(),
        }
    return site, pristine, manifest


def check(site, manifest, counts, problems, max_width):
    for name, expected in manifest.items():
        path = site / name
        if not path.is_file():
            problems.append(f"{name}: missing")
            continue
        if sha256(path) == expected["sha256"]:
            counts["original"] += 1
            continue
        try:
            size, raw = pixels(path)
        except Exception as error:  # any decoding failure is a violation
            problems.append(f"{name}: changed and does not decode: {error}")
            continue
        if path.suffix == ".png" and max_width is None:
            if hashlib.sha256(raw).hexdigest() != expected["pixels"]:
                problems.append(f"{name}: PNG changed and its pixels differ from the original")
                continue
        elif max_width is None and size != tuple(expected["size"]) and size[::-1] != tuple(expected["size"]):
            problems.append(f"{name}: changed to {size}, original {expected['size']}")
            continue
        counts["optimised"] += 1
    for copy in list(site.glob("*.webp")) + list(site.glob("*.avif")):
        if copy.suffix == ".avif":
            head = copy.read_bytes()[:32]
            if b"ftypavif" not in head:
                problems.append(f"{copy.name}: not an AVIF file")
            else:
                counts["copies"] += 1
            continue
        try:
            pixels(copy)
            counts["copies"] += 1
        except Exception as error:
            problems.append(f"{copy.name}: does not decode: {error}")


def temporaries(site):
    return sorted(p.name for p in site.rglob(TEMPORARY_PREFIX + "*"))


def reset(site, pristine, manifest):
    """Originals back, copies gone; temporaries stay for the next run to remove."""
    for name, expected in manifest.items():
        if sha256(site / name) != expected["sha256"]:
            shutil.copyfile(pristine / name, site / name)
    for path in site.iterdir():
        if path.name not in manifest and not path.name.startswith(TEMPORARY_PREFIX):
            path.unlink()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--images", type=int, default=48)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--flags", default="--lossy --webp")
    parser.add_argument("--binary", type=Path, default=BINARY)
    arguments = parser.parse_args()
    if not arguments.binary.exists():
        sys.exit(f"{arguments.binary} is missing: cargo build --release")
    if not (CORPUS / "png").is_dir():
        sys.exit(f"{CORPUS} is missing: benches/corpus/images.sh {CORPUS}")
    flags = arguments.flags.split()
    max_width = None
    if "--max-width" in flags:
        max_width = int(flags[flags.index("--max-width") + 1])
    random.seed(arguments.seed)

    images = choose_images(arguments.images)
    site, pristine, manifest = build_site(images)
    command = [str(arguments.binary), "optimize", str(site), "--quiet", "--format", "json", *flags]
    by_format = {}
    for name in manifest:
        by_format[Path(name).suffix] = by_format.get(Path(name).suffix, 0) + 1
    print(f"{len(manifest)} images ({by_format}), {sum((site / n).stat().st_size for n in manifest)} bytes; flags: {' '.join(flags)}")

    started = time.monotonic()
    subprocess.run(command, check=False, stdout=subprocess.DEVNULL)
    full_run = time.monotonic() - started
    print(f"one uninterrupted run: {full_run:.2f} s")
    reset(site, pristine, manifest)

    counts = {"original": 0, "optimised": 0, "copies": 0}
    problems = []
    leftovers_seen = 0
    killed_mid_run = 0
    previous_leftovers = []
    leftovers_removed_by_next_run = 0
    for kill in range(arguments.kills):
        delay = random.uniform(0, full_run)
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            killed_mid_run += 1
        process.wait()
        left = temporaries(site)
        leftovers_removed_by_next_run += sum(1 for name in previous_leftovers if name not in left)
        leftovers_seen += len(left)
        before = len(problems)
        check(site, manifest, counts, problems, max_width)
        status = "ok" if len(problems) == before else "VIOLATION"
        print(f"kill {kill + 1:2d} after {delay:5.2f} s: {len(left)} temporaries left, {status}")
        reset(site, pristine, manifest)
        previous_leftovers = left

    final = subprocess.run(command, check=False, capture_output=True, text=True)
    report = json.loads(final.stdout)
    removed_at_end = len(report["temporaries_removed"])
    remaining = temporaries(site)
    if remaining:
        problems.append(f"temporaries remain after a complete run: {remaining}")
    check(site, manifest, counts, problems, max_width)

    print()
    print(f"kills: {arguments.kills} ({killed_mid_run} while running), seed {arguments.seed}")
    print(f"images checked after kills: {counts['original']} byte-identical originals, "
          f"{counts['optimised']} verified optimised versions, {counts['copies']} WebP/AVIF copies decoded")
    print(f"temporaries left by kills: {leftovers_seen}; removed by the next run: "
          f"{leftovers_removed_by_next_run}; removed by the final complete run: {removed_at_end}; "
          f"remaining after it: {len(remaining)}")
    print(f"final run: exit {final.returncode}, {len(report['changes'])} changes, {len(report['errors'])} errors")
    if problems:
        print(f"\n{len(problems)} VIOLATIONS:")
        for problem in problems:
            print("  " + problem)
        return 1
    print("no violation")
    return 0


if __name__ == "__main__":
    sys.exit(main())
