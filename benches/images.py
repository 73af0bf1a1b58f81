#!/usr/bin/env python3
"""Image analysis benchmark: webaudit's audit of a folder of real images against
`cwebp -q 80` run sequentially over the same images, measured in the same run.

    benches/corpus/images.sh benches/work/image-corpus     # once: 85 real images, 64 MB
    cargo build --release
    python3 benches/images.py [--runs 3] [--threads N] [CORPUS]
    python3 benches/images.py --avif-ratio [CORPUS]          # AVIF/WebP size ratio (slow)

The set is every static JPEG and PNG of the corpus (cwebp reads no GIF; animated files are
not re-encoded by webaudit either), hard-linked into a scratch folder so that webaudit audits
exactly that set. Per run:

* webaudit: `webaudit --no-cache --no-config --format json -o report.json SET` (release
  build, all cores): wall time of the whole audit — scan, hashing, decode, lossy WebP q80,
  the optimised size (oxipng preset 2 for PNG, JPEG quality 85 re-encode), reporting;
* cwebp: `cwebp -quiet -q 80 IN -o OUT` for each image, one after the other: wall time of
  the loop.

Printed: median wall times, the ratio webaudit/cwebp (target <= 0.75 on 2 cores), and the
WebP bytes webaudit measured against the files cwebp wrote (total and worst file).
`--avif-ratio` runs `webaudit --avif` once and prints the median AVIF/WebP size ratio
(the constant AVIF_TO_WEBP_RATIO in src/analyze/image.rs).
"""

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WEBAUDIT = ROOT / "target" / "release" / "webaudit"


def image_set(corpus: Path, scratch: Path) -> list[Path]:
    """Hard-links the corpus's static JPEG and PNG files into scratch/set."""
    manifest = corpus / "MANIFEST.tsv"
    rows = [line.rstrip("\n").split("\t") for line in manifest.open()]
    header, rows = rows[0], rows[1:]
    column = {name: i for i, name in enumerate(header)}
    chosen = []
    target = scratch / "set"
    target.mkdir()
    for row in rows:
        fmt = row[column["format"]]
        frames = row[column["frames"]]
        if fmt not in ("jpeg", "png") or (frames not in ("", "1")):
            continue
        source = corpus / row[column["file"]]
        link = target / source.name
        try:
            os.link(source, link)
        except OSError:
            shutil.copy2(source, link)
        chosen.append(link)
    return sorted(chosen)


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


CPU: dict[str, list[float]] = {}


def timed(name: str, work) -> float:
    """Runs work(), returns its wall time and records the CPU time its subprocesses used."""
    cpu = children_cpu()
    seconds = work()
    CPU.setdefault(name, []).append(children_cpu() - cpu)
    return seconds


def run_webaudit(folder: Path, report: Path, threads: int, avif: bool = False,
                 config: Path | None = None) -> float:
    command = [str(WEBAUDIT), "--no-cache", "--format", "json",
               "-o", str(report), "--fail-on", "never", "-j", str(threads)]
    command += ["--config", str(config)] if config else ["--no-config"]
    if avif:
        command.append("--avif")
    command.append(str(folder))
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def run_cwebp(images: list[Path], out: Path) -> float:
    out.mkdir(exist_ok=True)
    start = time.perf_counter()
    for image in images:
        subprocess.run(["cwebp", "-quiet", "-q", "80", str(image), "-o",
                        str(out / (image.name + ".webp"))], check=True)
    return time.perf_counter() - start


def webaudit_webp_sizes(report: Path) -> dict[str, dict]:
    data = json.loads(report.read_text())
    return {a["path"]: a.get("image") or {} for a in data["assets"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="?", default=str(ROOT / "benches/work/image-corpus"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0, help="webaudit -j (0: all cores)")
    parser.add_argument("--avif-ratio", action="store_true")
    args = parser.parse_args()

    corpus = Path(args.corpus)
    if not (corpus / "MANIFEST.tsv").exists():
        print(f"no corpus at {corpus}: run benches/corpus/images.sh {corpus}", file=sys.stderr)
        return 2
    if not WEBAUDIT.exists():
        print("build first: cargo build --release", file=sys.stderr)
        return 2
    if shutil.which("cwebp") is None:
        print("cwebp not found (apt-get install webp)", file=sys.stderr)
        return 2
    version = subprocess.run(["cwebp", "-version"], capture_output=True, text=True).stdout.strip()

    with tempfile.TemporaryDirectory(prefix="webaudit-images-") as scratch_name:
        scratch = Path(scratch_name)
        images = image_set(corpus, scratch)
        total_bytes = sum(p.stat().st_size for p in images)
        jpegs = sum(1 for p in images if p.suffix.lower() in (".jpg", ".jpeg"))
        print(f"set: {len(images)} images ({jpegs} JPEG, {len(images) - jpegs} PNG), "
              f"{total_bytes / 1e6:.1f} MB; cwebp {version}; cores: {os.cpu_count()}")

        if args.avif_ratio:
            report = scratch / "avif.json"
            seconds = run_webaudit(scratch / "set", report, args.threads, avif=True)
            ratios = []
            for path, image in sorted(webaudit_webp_sizes(report).items()):
                avif, webp = image.get("avif"), image.get("webp")
                if avif and webp and not avif["estimated"]:
                    ratios.append(avif["bytes"] / webp)
                    print(f"  {path}: webp {webp} avif {avif['bytes']} ratio {ratios[-1]:.3f}")
            print(f"webaudit --avif: {seconds:.1f} s; {len(ratios)} images; AVIF/WebP median "
                  f"{statistics.median(ratios):.3f}, mean {statistics.mean(ratios):.3f}, "
                  f"min {min(ratios):.3f}, max {max(ratios):.3f}")
            return 0

        # Without images/optimizable the audit runs no oxipng and no JPEG re-encode: what is
        # left is the work cwebp does (decode + WebP q80) plus scanning and reporting.
        webp_only = scratch / "webp-only.toml"
        webp_only.write_text('[rules]\n"images/optimizable" = "off"\n')
        audit_times, webp_only_times, cwebp_times = [], [], []
        report = scratch / "report.json"
        for run in range(args.runs):
            # Alternate the order so no tool always runs on a warmer (or busier) machine.
            steps = [
                lambda: audit_times.append(timed("audit", lambda: run_webaudit(
                    scratch / "set", report, args.threads))),
                lambda: webp_only_times.append(timed("webp-only", lambda: run_webaudit(
                    scratch / "set", scratch / "webp-only.json", args.threads,
                    config=webp_only))),
                lambda: cwebp_times.append(timed("cwebp", lambda: run_cwebp(
                    images, scratch / "cwebp"))),
            ]
            for step in (steps if run % 2 == 0 else steps[::-1]):
                step()
            print(f"  run {run + 1}: webaudit {audit_times[-1]:.2f} s, "
                  f"webaudit without images/optimizable {webp_only_times[-1]:.2f} s, "
                  f"cwebp sequential {cwebp_times[-1]:.2f} s; ratios "
                  f"{audit_times[-1] / cwebp_times[-1]:.3f} and "
                  f"{webp_only_times[-1] / cwebp_times[-1]:.3f}")

        audit, cwebp = statistics.median(audit_times), statistics.median(cwebp_times)
        webp_only_time = statistics.median(webp_only_times)
        print(f"median: webaudit {audit:.2f} s, cwebp {cwebp:.2f} s, "
              f"ratio {audit / cwebp:.3f} (target <= 0.75)")
        print(f"median without images/optimizable (no oxipng, no JPEG re-encode): "
              f"{webp_only_time:.2f} s, ratio {webp_only_time / cwebp:.3f}")
        cpu = {name: statistics.median(times) for name, times in CPU.items()}
        print(f"median CPU time (user+sys): webaudit {cpu['audit']:.1f} s, without "
              f"images/optimizable {cpu['webp-only']:.1f} s, cwebp {cpu['cwebp']:.1f} s; "
              f"CPU ratios {cpu['audit'] / cpu['cwebp']:.3f} and "
              f"{cpu['webp-only'] / cpu['cwebp']:.3f}; load average at the end "
              f"{os.getloadavg()[0]:.1f}")

        sizes = webaudit_webp_sizes(report)
        ours_total = theirs_total = 0
        worst = (0.0, "")
        missing = []
        for image in images:
            ours = sizes.get(image.name, {}).get("webp")
            theirs = (scratch / "cwebp" / (image.name + ".webp")).stat().st_size
            if ours is None:
                missing.append(image.name)
                continue
            ours_total += ours
            theirs_total += theirs
            deviation = (ours - theirs) / theirs
            if abs(deviation) > abs(worst[0]):
                worst = (deviation, image.name)
        print(f"WebP bytes: webaudit {ours_total}, cwebp {theirs_total}, "
              f"difference {100 * (ours_total - theirs_total) / theirs_total:+.3f}%; "
              f"worst file {worst[1]} {100 * worst[0]:+.2f}%")
        if missing:
            print(f"no WebP size from webaudit for {len(missing)} images: {', '.join(missing)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
