#!/usr/bin/env python3
"""Side by side, in one run: webaudit's full audit against `gzip -9 -n`, `brotli -q 11` and
size-limit over real production builds (issue 18, "Must show").

    bash benches/corpus/apps.sh                 # once: the real-apps corpus (benches/work/apps)
    bash benches/corpus/image-app.sh benches/work/image-app   # once: the image-heavy corpus
    cargo build --release
    python3 benches/speed.py [--runs 3] [--brotli] [--corpus NAME=DIR ...] [--json FILE]

Per corpus (a built app folder), each run measures, one tool after the other in an order that
rotates from run to run:

* webaudit cold: `webaudit --no-cache --no-config --format json -o REPORT --fail-on never DIR`,
  the default full audit (every compressible file, JS analysis, image verdicts);
* webaudit warm: the same with a primed `--cache-dir` instead of `--no-cache`;
* gzip (the reference): one `gzip -9 -n -c` process over the folder's JS and CSS files;
* gzip over webaudit's files: the same over every file webaudit gzips (every compressible file,
  from the report of the priming run), so that webaudit's time can be read against the same
  bytes; printed, never judged;
* size-limit 11.2 with `@size-limit/file` and `gzip: true`, one check listing the same JS and
  CSS files (`npm` installs it once into benches/work/size-limit; it runs with no network);
* with `--brotli`: `brotli -q 11 -w 22 -c` per JS/CSS file, one after the other, and webaudit
  cold with `--brotli` (both slow: quality 11 runs at about 1 MB/s per core).

Before every timed command the page cache is dropped when the script may (root: `echo 3 >
/proc/sys/vm/drop_caches`), so every tool starts cold; otherwise every tool starts warm, and the
table says which. Medians of the runs are printed with the ratios to the gzip reference, and
the targets of issue 18 are marked PASS or MISS (n/a where a target does not apply):

* webaudit cold <= size-limit's time, on every corpus with JS and CSS to compare (1 MB or more;
  not the image-heavy corpus, where both references measure next to nothing);
* webaudit cold <= 0.55x the gzip reference where no single file holds more than a third of the
  folder's bytes;
* webaudit warm <= 0.05x the gzip reference (with JS and CSS to compare, as above);
* image-heavy corpus (>= 300 raster images): webaudit cold <= 20 s;
* peak RSS of every webaudit run <= 300 MB.

Exit status: 0 measured (targets may MISS; `--strict` makes a MISS exit 1), 1 a tool failed,
2 a tool or the binary is missing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "benches" / "work"
SIZE_LIMIT_DIR = WORK / "size-limit"
SIZE_LIMIT_PACKAGES = ["size-limit@11.2.0", "@size-limit/file@11.2.0"]

DEFAULT_CORPORA = [
    # name, folder: the corpora issue 18 asks for (>= 20 MB of JS; one file over 25 MB; many
    # images) and the largest real builds we have.
    ("mlflow", WORK / "apps" / "mlflow"),
    ("streamlit", WORK / "apps" / "streamlit"),
    ("phoenix", WORK / "apps" / "phoenix"),
    ("gradio", WORK / "apps" / "gradio"),
    ("homeassistant", WORK / "apps" / "homeassistant"),
    ("image-app", WORK / "image-app"),
]

TEXT_SUFFIXES = (".js", ".mjs", ".cjs", ".css")
RASTER_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif")

TARGET_COLD_VS_GZIP = 0.55
TARGET_WARM_VS_GZIP = 0.05
TARGET_IMAGE_HEAVY_SECONDS = 20.0
IMAGE_HEAVY_MIN_IMAGES = 300
TARGET_RSS_MB = 300.0


class Measured:
    def __init__(self, wall: float, cpu: float, rss_mb: float):
        self.wall, self.cpu, self.rss_mb = wall, cpu, rss_mb


def can_drop_caches() -> bool:
    try:
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
        return True
    except OSError:
        return False


def drop_caches(enabled: bool) -> None:
    if enabled:
        os.sync()
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")


def run(cmd: list[str], *, cwd: Path | None = None, stdout=subprocess.DEVNULL) -> Measured:
    """Runs one command; wall time, CPU time and peak RSS of exactly that child."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=stdout, stderr=subprocess.PIPE)
    # Read stderr fully before waiting so a chatty child never blocks on a full pipe.
    err = proc.stderr.read() if proc.stderr else b""
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"error: {' '.join(cmd[:3])}… exited {code}: {err.decode(errors='replace')[-2000:]}")
    return Measured(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def folder_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def ensure_size_limit() -> Path:
    binary = SIZE_LIMIT_DIR / "node_modules" / ".bin" / "size-limit"
    if binary.exists():
        return binary
    if shutil.which("npm") is None:
        raise SystemExit(2)
    SIZE_LIMIT_DIR.mkdir(parents=True, exist_ok=True)
    (SIZE_LIMIT_DIR / "package.json").write_text('{"private": true}\n')
    subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--save-exact", *SIZE_LIMIT_PACKAGES],
        cwd=SIZE_LIMIT_DIR,
        check=True,
    )
    return binary


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def bench_corpus(name: str, folder: Path, args, webaudit: Path, size_limit: Path, cold: bool) -> dict:
    files = folder_files(folder)
    sizes = {p: p.stat().st_size for p in files}
    total = sum(sizes.values())
    text = [p for p in files if p.name.lower().endswith(TEXT_SUFFIXES)]
    text_bytes = sum(sizes[p] for p in text)
    images = [p for p in files if p.name.lower().endswith(RASTER_SUFFIXES)]
    largest = max(files, key=lambda p: sizes[p]) if files else None
    largest_share = sizes[largest] / total if largest and total else 0.0

    scratch = Path(tempfile.mkdtemp(prefix=f"speed-{name}-"))
    try:
        # size-limit reads its checks from the folder it runs in, next to its package.json.
        (SIZE_LIMIT_DIR / ".size-limit.json").write_text(
            json.dumps([{"name": name, "path": [str(p) for p in text], "gzip": True}])
        )
        cache = scratch / "cache"
        report = scratch / "report.json"
        base = [str(webaudit), "--no-config", "--format", "json", "-o", str(report), "--fail-on", "never"]
        # Prime the warm cache once (not timed).
        run(base + ["--cache-dir", str(cache), str(folder)])
        # What webaudit gzips (every compressible file, not only JS and CSS): the same bytes
        # for a second, untargeted reference.
        gzipped = [folder / a["path"] for a in json.loads(report.read_text())["assets"] if a.get("gzip") is not None]
        gzipped_bytes = sum(sizes.get(p, 0) for p in gzipped)

        tools = {
            "webaudit cold": lambda: run(base + ["--no-cache", str(folder)]),
            "webaudit warm": lambda: run(base + ["--cache-dir", str(cache), str(folder)]),
            "gzip -9 -n": lambda: run(["gzip", "-9", "-n", "-c", *map(str, text)]),
            "gzip -9 -n, webaudit's files": lambda: run(["gzip", "-9", "-n", "-c", *map(str, gzipped)]),
            "size-limit": lambda: run([str(size_limit), "--json"], cwd=SIZE_LIMIT_DIR),
        }
        if args.brotli:
            tools["webaudit cold --brotli"] = lambda: run(base + ["--no-cache", "--brotli", str(folder)])
            tools["brotli -q 11"] = lambda: brotli_loop(text)
        measured: dict[str, list[Measured]] = {tool: [] for tool in tools}
        order = list(tools)
        for index in range(args.runs):
            rotation = order[index % len(order):] + order[: index % len(order)]
            for tool in rotation:
                if tool == "webaudit warm":
                    pass  # a warm run is warm by definition: the page cache stays
                else:
                    drop_caches(cold)
                measured[tool].append(tools[tool]())
                print(f"  {name} run {index + 1}: {tool} {measured[tool][-1].wall:.2f} s", file=sys.stderr)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    result = {
        "corpus": name,
        "folder": str(folder),
        "files": len(files),
        "bytes": total,
        "js_css_files": len(text),
        "js_css_bytes": text_bytes,
        "gzipped_files": len(gzipped),
        "gzipped_bytes": gzipped_bytes,
        "raster_images": len(images),
        "largest_file": str(largest.relative_to(folder)) if largest else None,
        "largest_share": largest_share,
        "runs": args.runs,
        "tools": {
            tool: {
                "wall_s": median([m.wall for m in ms]),
                "cpu_s": median([m.cpu for m in ms]),
                "peak_rss_mb": max(m.rss_mb for m in ms),
                "walls_s": [round(m.wall, 3) for m in ms],
            }
            for tool, ms in measured.items()
        },
    }
    return result


def brotli_loop(paths: list[Path]) -> Measured:
    wall = cpu = rss = 0.0
    for path in paths:
        m = run(["brotli", "-q", "11", "-w", "22", "-c", str(path)])
        wall += m.wall
        cpu += m.cpu
        rss = max(rss, m.rss_mb)
    return Measured(wall, cpu, rss)


# Below this much JS and CSS the gzip reference and size-limit have nothing to measure (the
# image-heavy corpus): ratios to them are printed, not judged.
MIN_COMPARED_TEXT_BYTES = 1_000_000


def verdicts(result: dict) -> list[tuple[str, float, str, bool | None]]:
    """(what, value, target, passed) for one corpus; passed is None where no target applies."""
    tools = result["tools"]
    gzip = tools["gzip -9 -n"]["wall_s"]
    cold = tools["webaudit cold"]["wall_s"]
    warm = tools["webaudit warm"]["wall_s"]
    if result["js_css_bytes"] < MIN_COMPARED_TEXT_BYTES:
        no_text = "(no JS or CSS for the references to measure: no target)"
        out = [
            ("cold / size-limit", cold / tools["size-limit"]["wall_s"], no_text, None),
            ("warm / gzip", warm / gzip, no_text, None),
            ("cold / gzip", cold / gzip, no_text, None),
        ]
    else:
        out = [
            ("cold / size-limit", cold / tools["size-limit"]["wall_s"], "<= 1", cold <= tools["size-limit"]["wall_s"]),
            ("warm / gzip", warm / gzip, f"<= {TARGET_WARM_VS_GZIP}", warm / gzip <= TARGET_WARM_VS_GZIP),
        ]
        if result["largest_share"] <= 1 / 3:
            out.append(("cold / gzip", cold / gzip, f"<= {TARGET_COLD_VS_GZIP}", cold / gzip <= TARGET_COLD_VS_GZIP))
        else:
            out.append(("cold / gzip", cold / gzip, "(one file > 1/3 of bytes: no target)", None))
    if result["raster_images"] >= IMAGE_HEAVY_MIN_IMAGES:
        out.append(("cold seconds (image-heavy)", cold, f"<= {TARGET_IMAGE_HEAVY_SECONDS:.0f}",
                    cold <= TARGET_IMAGE_HEAVY_SECONDS))
    rss = max(t["peak_rss_mb"] for name, t in tools.items() if name.startswith("webaudit"))
    out.append(("webaudit peak RSS MB", rss, f"<= {TARGET_RSS_MB:.0f}", rss <= TARGET_RSS_MB))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--brotli", action="store_true", help="also brotli -q 11 and webaudit --brotli (slow)")
    parser.add_argument("--corpus", action="append", default=[], metavar="NAME=DIR")
    parser.add_argument("--webaudit", type=Path, default=ROOT / "target" / "release" / "webaudit")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--strict", action="store_true")
    args = parser.parse_args()

    if not args.webaudit.exists():
        print(f"error: {args.webaudit} is missing: run `cargo build --release` first", file=sys.stderr)
        return 2
    for tool in ["gzip", "node", "npm"] + (["brotli"] if args.brotli else []):
        if shutil.which(tool) is None:
            print(f"error: `{tool}` is not installed", file=sys.stderr)
            return 2
    corpora = [tuple(c.split("=", 1)) for c in args.corpus] or DEFAULT_CORPORA
    corpora = [(name, Path(folder).resolve()) for name, folder in corpora]
    missing = [str(folder) for _, folder in corpora if not Path(folder).is_dir()]
    if missing:
        print("skipped (missing; see the script's docstring to build them): " + ", ".join(missing), file=sys.stderr)
    corpora = [(n, f) for n, f in corpora if f.is_dir()]
    size_limit = ensure_size_limit()
    cold = can_drop_caches()

    load = os.getloadavg()[0]
    results = []
    for name, folder in corpora:
        results.append(bench_corpus(name, folder, args, args.webaudit, size_limit, cold))

    print(f"\n{os.cpu_count()} cores, load average {load:.1f} at the start; "
          f"page cache {'dropped before every cold run' if cold else 'warm (not root)'}; "
          f"medians of {args.runs} runs\n")
    header = "| corpus | files | MB | JS+CSS MB | MB webaudit gzips | images | largest file share |"
    print(header)
    print("|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['corpus']} | {r['files']} | {r['bytes'] / 1e6:.1f} | {r['js_css_bytes'] / 1e6:.1f} | "
              f"{r['gzipped_bytes'] / 1e6:.1f} | {r['raster_images']} | {r['largest_share']:.0%} |")
    print()
    tools = list(results[0]["tools"]) if results else []
    print("| corpus | " + " | ".join(tools) + " |")
    print("|---|" + "---|" * len(tools))
    for r in results:
        gzip = r["tools"]["gzip -9 -n"]["wall_s"]
        cells = [f"{r['tools'][t]['wall_s']:.2f} s ({r['tools'][t]['wall_s'] / gzip:.2f}×)" for t in tools]
        print(f"| {r['corpus']} | " + " | ".join(cells) + " |")
    print("\n(× = ratio to the gzip reference's median wall time in the same run; the reference is "
          "`gzip -9 -n` over the JS and CSS files. `gzip -9 -n, webaudit's files` gzips every file "
          "webaudit gzips instead, for comparison at the same bytes: no target is judged on it)\n")
    print("| corpus | check | value | target | |")
    print("|---|---|---|---|---|")
    missed = 0
    for r in results:
        for what, value, target, passed in verdicts(r):
            missed += passed is False
            verdict = "n/a" if passed is None else ("PASS" if passed else "MISS")
            print(f"| {r['corpus']} | {what} | {value:.3f} | {target} | {verdict} |")
    if args.json:
        args.json.write_text(json.dumps({"load_average": load, "cold_page_cache": cold, "results": results}, indent=2))
    return 1 if (missed and args.strict) else 0


if __name__ == "__main__":
    sys.exit(main())
