#!/usr/bin/env python3
"""Warm runs of several webaudit binaries on one folder, taken in turn, medians.

    python3 benches/warm_ab.py --folder benches/work/apps/homeassistant --runs 21 OLD NEW

Each binary gets its own cache folder (under a temporary folder), filled by one run first;
then every round runs each binary once, so a drift of the machine's speed touches all of them
alike. Printed per binary: the median and least wall time of a run, and the median CPU time
(user + system) of the process. The report is written as JSON, as `benches/speed.py` does.
"""

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run(binary: Path, cache: Path, folder: Path, report: Path) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [str(binary), "--no-config", "--format", "json", "-o", str(report),
         "--fail-on", "never", "--cache-dir", str(cache), str(folder)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"{binary} exited with {done.returncode} on {folder}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("binaries", nargs="+", type=Path)
    parser.add_argument("--folder", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        caches = {b: work / f"cache-{i}" for i, b in enumerate(args.binaries)}
        report = work / "report.json"
        for binary in args.binaries:
            run(binary, caches[binary], args.folder, report)
        walls = {b: [] for b in args.binaries}
        cpus = {b: [] for b in args.binaries}
        for _ in range(args.runs):
            for binary in args.binaries:
                wall, cpu = run(binary, caches[binary], args.folder, report)
                walls[binary].append(wall)
                cpus[binary].append(cpu)
    for binary in args.binaries:
        print(
            f"{binary}: wall median {statistics.median(walls[binary]) * 1000:.0f} ms, "
            f"least {min(walls[binary]) * 1000:.0f} ms; "
            f"CPU median {statistics.median(cpus[binary]) * 1000:.0f} ms"
        )


if __name__ == "__main__":
    main()
