#!/usr/bin/env python3
"""Sizing benchmark: webaudit against the reference gzip/brotli CLIs on a real JS/CSS corpus.

Run from the repository root (Python 3 standard library only):

    python3 benches/sizing.py [--corpus DIR] [--webaudit PATH] [--repeat N] [--json FILE]

Measured in one run, on the same machine and page cache:
  - reference gzip:   `gzip -9 -n -c FILE... > /dev/null`, one sequential process;
  - reference brotli: `brotli -q 11 -w 22 -c FILE > /dev/null`, one file after the other
                      (brotli 1.0.x refuses several files with -c; one process for all of them
                      is used when the installed CLI accepts it);
  - webaudit cold gzip / cold brotli (`--no-cache`, the latter with `--brotli`);
  - webaudit warm: a fresh `--cache-dir`, one priming run, then timed re-runs (all `--brotli`);
  - peak RSS of every webaudit run (`os.wait4` rusage of exactly that child).
Plus a correctness check of webaudit's JSON report: every gzip size must equal C zlib level 9
in a gzip wrapper (Python's zlib), and every brotli size must equal the brotli CLI's (Google's encoder) to the byte.

Exit status: 0 done (targets may be MISSed; see --strict), 1 a correctness check or a webaudit
run failed (or a target was missed with --strict), 2 a tool or the binary is missing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
CORPUS_SCRIPT = REPO_ROOT / "benches" / "corpus" / "js-css.sh"
DEFAULT_CORPUS = REPO_ROOT / "benches" / "work" / "js-css"
DEFAULT_WEBAUDIT = REPO_ROOT / "target" / "release" / "webaudit"
MANIFEST_NAME = "MANIFEST.tsv"

# Targets (issue "core"): cold runs at most 0.55x the single-process reference tools,
# a warm (fully cached) run at most 5% of a cold run, peak RSS under 300 MB.
TARGET_COLD_RATIO = 0.55
TARGET_WARM_RATIO = 0.05
TARGET_RSS_MB = 300.0
BROTLI_TOLERANCE_PCT = 0.1  # kept in the JSON summary for comparison with older runs

BROTLI_ARGS = ["-q", "11", "-w", "22", "-c"]
GZIP_ARGS = ["-9", "-n", "-c"]


class BenchError(Exception):
    """A failure that ends the benchmark with a message (and an exit status)."""

    def __init__(self, message: str, status: int = 1):
        super().__init__(message)
        self.status = status


# ---------------------------------------------------------------------------------------------
# Running children


class ChildRun:
    """Wall time, peak RSS and exit status of one child process."""

    def __init__(self, seconds: float, cpu_seconds: float, max_rss_bytes: int, returncode: int, output_bytes: int | None):
        self.seconds = seconds
        self.cpu_seconds = cpu_seconds
        self.max_rss_bytes = max_rss_bytes
        self.returncode = returncode
        self.output_bytes = output_bytes


def run_child(cmd: list[str], *, count_stdout: bool = False, stderr_path: Path | None = None) -> ChildRun:
    """Runs cmd with stdout to /dev/null (or counted through a pipe) and returns its wall time
    and the rusage of exactly that child (os.wait4), not of all children so far."""
    stderr = open(stderr_path, "wb") if stderr_path else subprocess.DEVNULL
    try:
        start = time.perf_counter()
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE if count_stdout else subprocess.DEVNULL,
            stderr=stderr,
        )
        output_bytes = None
        if count_stdout:
            output_bytes = 0
            assert proc.stdout is not None
            while chunk := proc.stdout.read(1 << 16):
                output_bytes += len(chunk)
            proc.stdout.close()
        _, status, rusage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # already reaped: keep Popen from waiting
    finally:
        if stderr_path:
            stderr.close()
    # ru_maxrss is in KiB on Linux (bytes on macOS).
    rss = rusage.ru_maxrss if sys.platform == "darwin" else rusage.ru_maxrss * 1024
    return ChildRun(seconds, rusage.ru_utime + rusage.ru_stime, rss, proc.returncode, output_bytes)


def tool_version(cmd: list[str]) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    text = (out.stdout or out.stderr).strip().splitlines()
    return text[0] if text else "?"


def load_average() -> float | None:
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


def nproc() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


# ---------------------------------------------------------------------------------------------
# Corpus


def ensure_corpus(corpus: Path) -> None:
    if not CORPUS_SCRIPT.is_file():
        raise BenchError(f"missing {CORPUS_SCRIPT}")
    print(f"ensuring corpus: {CORPUS_SCRIPT.relative_to(REPO_ROOT)} {corpus}", flush=True)
    result = subprocess.run(["bash", str(CORPUS_SCRIPT), str(corpus)])
    if result.returncode != 0:
        raise BenchError(f"{CORPUS_SCRIPT.name} failed with status {result.returncode}")


def corpus_files(corpus: Path) -> list[str]:
    """Every regular file under corpus, relative and sorted, except the manifest."""
    files = []
    for dirpath, dirnames, filenames in os.walk(corpus):
        dirnames.sort()
        for name in filenames:
            rel = os.path.relpath(os.path.join(dirpath, name), corpus).replace(os.sep, "/")
            if rel != MANIFEST_NAME:
                files.append(rel)
    files.sort()
    return files


def zlib_gzip_size(data: bytes) -> int:
    """The reference gzip size: C zlib level 9, gzip wrapper (wbits 31), no file name."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    return len(compressor.compress(data)) + len(compressor.flush())


# ---------------------------------------------------------------------------------------------
# Reference tools


def brotli_accepts_many_files(brotli: str) -> bool:
    """brotli 1.0.9 prints its usage and exits 1 when -c is given several files."""
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for name, text in (("a.txt", b"alpha alpha alpha\n"), ("b.txt", b"beta beta beta\n")):
            path = os.path.join(tmp, name)
            with open(path, "wb") as f:
                f.write(text)
            paths.append(path)
        result = subprocess.run([brotli, *BROTLI_ARGS, *paths], capture_output=True)
        if result.returncode != 0:
            return False
        # Must be two concatenated brotli streams, not a usage text; a single-stream decoder
        # stops after the first, so just require it to decode to the first file's content.
        check = subprocess.run([brotli, "-d", "-c"], input=result.stdout, capture_output=True)
        return check.returncode == 0 and check.stdout.startswith(b"alpha")


def timing(walls: list[float], cpus: list[float]) -> dict:
    """Best (lowest) wall time of the runs, with the CPU time (user + sys) of that run."""
    best = min(range(len(walls)), key=walls.__getitem__)
    return {"best": walls[best], "cpu_of_best": cpus[best], "all": walls, "cpu_all": cpus}


def time_gzip_reference(gzip: str, paths: list[str], repeat: int) -> dict:
    walls, cpus = [], []
    for _ in range(repeat):
        run = run_child([gzip, *GZIP_ARGS, *paths])
        if run.returncode != 0:
            raise BenchError(f"gzip exited with status {run.returncode}")
        walls.append(run.seconds)
        cpus.append(run.cpu_seconds)
    return timing(walls, cpus)


def time_brotli_reference(brotli: str, paths: list[str], repeat: int, many_files: bool) -> tuple[dict, list[int] | None]:
    """Times the reference brotli; in per-file mode also returns each file's brotli size (the
    output is counted through a pipe, which costs next to nothing beside quality 11)."""
    walls, cpus = [], []
    sizes: list[int] | None = None
    for _ in range(repeat):
        if many_files:
            run = run_child([brotli, *BROTLI_ARGS, *paths])
            if run.returncode != 0:
                raise BenchError(f"brotli exited with status {run.returncode}")
            walls.append(run.seconds)
            cpus.append(run.cpu_seconds)
            continue
        start = time.perf_counter()
        cpu = 0.0
        this_sizes = []
        for path in paths:
            run = run_child([brotli, *BROTLI_ARGS, path], count_stdout=True)
            if run.returncode != 0:
                raise BenchError(f"brotli exited with status {run.returncode} on {path}")
            this_sizes.append(run.output_bytes or 0)
            cpu += run.cpu_seconds
        walls.append(time.perf_counter() - start)
        cpus.append(cpu)
        sizes = this_sizes
    return timing(walls, cpus), sizes


def brotli_sizes(brotli: str, paths: list[str]) -> list[int]:
    sizes = []
    for path in paths:
        run = run_child([brotli, *BROTLI_ARGS, path], count_stdout=True)
        if run.returncode != 0:
            raise BenchError(f"brotli exited with status {run.returncode} on {path}")
        sizes.append(run.output_bytes or 0)
    return sizes


def spawn_overhead(brotli: str, count: int) -> float:
    """Seconds the per-file loop spends on starting processes: brotli on an empty file."""
    with tempfile.NamedTemporaryFile() as empty:
        start = time.perf_counter()
        for _ in range(count):
            run_child([brotli, *BROTLI_ARGS, empty.name], count_stdout=True)
        return time.perf_counter() - start


# ---------------------------------------------------------------------------------------------
# webaudit


def webaudit_run(webaudit: str, corpus: Path, report: Path, extra: list[str], log_dir: Path, label: str) -> ChildRun:
    cmd = [webaudit, *extra, "--format", "json", "--output", str(report), "--fail-on", "never", str(corpus)]
    stderr_path = log_dir / f"{label}.stderr"
    if report.exists():
        report.unlink()
    run = run_child(cmd, stderr_path=stderr_path)
    if run.returncode != 0:
        tail = stderr_path.read_text(errors="replace")[-2000:]
        raise BenchError(f"webaudit ({label}) exited with status {run.returncode}:\n  {' '.join(cmd)}\n{tail}")
    if not report.is_file():
        raise BenchError(f"webaudit ({label}) wrote no report at {report}")
    return run


def time_webaudit(webaudit: str, corpus: Path, report: Path, extra: list[str], log_dir: Path, label: str, repeat: int) -> tuple[dict, list[int]]:
    walls, cpus, rss = [], [], []
    for i in range(repeat):
        run = webaudit_run(webaudit, corpus, report, extra, log_dir, f"{label}-{i + 1}")
        walls.append(run.seconds)
        cpus.append(run.cpu_seconds)
        rss.append(run.max_rss_bytes)
    return timing(walls, cpus), rss


def load_report(report: Path, corpus: Path) -> dict[str, dict]:
    """path (relative to the corpus) -> asset object, from webaudit's JSON report."""
    try:
        data = json.loads(report.read_text())
    except (OSError, ValueError) as err:
        raise BenchError(f"cannot read webaudit report {report}: {err}")
    assets = data.get("assets") if isinstance(data, dict) else None
    if not isinstance(assets, list):
        raise BenchError(f"{report}: no 'assets' array at the top level")
    by_path = {}
    for asset in assets:
        path = str(asset.get("path", ""))
        if os.path.isabs(path):
            path = os.path.relpath(path, corpus)
        path = path.replace("\\", "/")
        while path.startswith("./"):
            path = path[2:]
        by_path[path] = asset
    return by_path


def check_report(label: str, assets: dict[str, dict], files: list[str], raw: dict[str, int], gzip_ref: dict[str, int],
                 brotli_ref: dict[str, int] | None) -> dict:
    """Compares one report against the references; returns a summary dict (ok: bool)."""
    missing = [f for f in files if f not in assets]
    extra = sorted(p for p in assets if p not in raw and p != MANIFEST_NAME)
    raw_mismatch, gzip_mismatch, malformed = [], [], []
    brotli_report_total = brotli_ref_total = 0
    brotli_files_differing = 0
    brotli_max_abs_diff = 0
    for f in files:
        asset = assets.get(f)
        if asset is None:
            continue
        if asset.get("raw") != raw[f]:
            raw_mismatch.append((f, asset.get("raw"), raw[f]))
        gz = asset.get("gzip")
        if not isinstance(gz, int):
            malformed.append((f, "gzip", gz))
        elif gz != gzip_ref[f]:
            gzip_mismatch.append((f, gz, gzip_ref[f]))
        if brotli_ref is not None:
            br = asset.get("brotli")
            if not isinstance(br, int):
                malformed.append((f, "brotli", br))
                continue
            brotli_report_total += br
            brotli_ref_total += brotli_ref[f]
            if br != brotli_ref[f]:
                brotli_files_differing += 1
                brotli_max_abs_diff = max(brotli_max_abs_diff, abs(br - brotli_ref[f]))
    summary = {
        "report": label,
        "files_in_report": len(assets),
        "missing": missing,
        "extra": extra,
        "raw_mismatches": [{"path": p, "webaudit": w, "actual": a} for p, w, a in raw_mismatch],
        "gzip_mismatches": [{"path": p, "webaudit": w, "zlib9": a} for p, w, a in gzip_mismatch],
        "malformed": [{"path": p, "field": k, "value": v} for p, k, v in malformed],
    }
    ok = not missing and not raw_mismatch and not gzip_mismatch and not malformed
    if brotli_ref is not None:
        diff_pct = 100.0 * (brotli_report_total - brotli_ref_total) / brotli_ref_total if brotli_ref_total else 0.0
        summary.update(
            brotli_total_webaudit=brotli_report_total,
            brotli_total_cli=brotli_ref_total,
            brotli_total_diff_pct=diff_pct,
            brotli_files_differing=brotli_files_differing,
            brotli_max_file_diff_bytes=brotli_max_abs_diff,
        )
        # mbrotli is byte-identical to Google's encoder at these settings: any file that
        # differs is a regression, not noise.
        ok = ok and brotli_files_differing == 0
    summary["ok"] = ok
    return summary


def same_sizes(a: dict[str, dict], b: dict[str, dict], files: list[str]) -> list[str]:
    """Files whose raw/gzip/brotli differ between two reports (a warm run must repeat a cold one)."""
    differing = []
    for f in files:
        x, y = a.get(f, {}), b.get(f, {})
        if any(x.get(k) != y.get(k) for k in ("raw", "gzip", "brotli")):
            differing.append(f)
    return differing


# ---------------------------------------------------------------------------------------------
# Output


def mark(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def fmt_s(seconds: float) -> str:
    return f"{seconds:9.3f} s"


def mb_per_s(total_bytes: int, seconds: float) -> str:
    return f"{total_bytes / 1e6 / seconds:8.1f} MB/s" if seconds > 0 else ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, help=f"folder of assets (default: build {DEFAULT_CORPUS.relative_to(REPO_ROOT)} with {CORPUS_SCRIPT.relative_to(REPO_ROOT)})")
    parser.add_argument("--webaudit", default=str(DEFAULT_WEBAUDIT), help="webaudit binary (default: target/release/webaudit)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each gzip / warm measurement, best kept (default 3)")
    parser.add_argument("--brotli-repeat", type=int, default=1, help="runs of each brotli -q 11 measurement, best kept (default 1: ~1 MB/s)")
    parser.add_argument("--json", type=Path, help="also write the numbers to this JSON file")
    parser.add_argument("--refs-only", action="store_true", help="measure only the reference tools (no webaudit binary needed)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a performance target is missed")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (reports, logs, cache)")
    args = parser.parse_args()
    if args.repeat < 1 or args.brotli_repeat < 1:
        parser.error("--repeat and --brotli-repeat must be at least 1")

    gzip = shutil.which("gzip")
    brotli = shutil.which("brotli")
    if gzip is None:
        print("error: the gzip CLI is missing: apt-get install gzip", file=sys.stderr)
        return 2
    if brotli is None:
        print("error: the brotli CLI is missing: apt-get install brotli", file=sys.stderr)
        return 2
    webaudit = None
    if not args.refs_only:
        webaudit = shutil.which(args.webaudit) if os.sep not in args.webaudit else args.webaudit
        if not webaudit or not os.access(webaudit, os.X_OK):
            print(f"error: no webaudit binary at {args.webaudit}: build it (cargo build --release) "
                  "or pass --webaudit PATH, or --refs-only", file=sys.stderr)
            return 2
        webaudit = os.path.abspath(webaudit)

    if args.corpus is None:
        corpus = DEFAULT_CORPUS
        ensure_corpus(corpus)
    else:
        corpus = args.corpus
        if not corpus.is_dir():
            print(f"error: corpus {corpus} is not a folder", file=sys.stderr)
            return 2
    corpus = corpus.resolve()

    files = corpus_files(corpus)
    if not files:
        print(f"error: no files in {corpus}", file=sys.stderr)
        return 2
    paths = [str(corpus / f) for f in files]

    # Reading everything once also fills the page cache before any timing.
    print(f"reading {len(files)} files and computing zlib level-9 gzip sizes...", flush=True)
    raw: dict[str, int] = {}
    gzip_ref: dict[str, int] = {}
    for f, p in zip(files, paths):
        with open(p, "rb") as fh:
            data = fh.read()
        raw[f] = len(data)
        gzip_ref[f] = zlib_gzip_size(data)
    total_bytes = sum(raw.values())

    many_files = brotli_accepts_many_files(brotli)
    results: dict = {
        "corpus": {"dir": str(corpus), "files": len(files), "bytes": total_bytes,
                   "zlib9_gzip_bytes": sum(gzip_ref.values())},
        "machine": {"nproc": nproc(), "cpu_count": os.cpu_count(), "platform": platform.platform(),
                    "python": platform.python_version(), "loadavg_1min_start": load_average()},
        "tools": {"gzip": tool_version([gzip, "--version"]), "brotli": tool_version([brotli, "--version"]),
                  "brotli_mode": "one process" if many_files else "one process per file, sequential"},
        "targets": {"cold_ratio_max": TARGET_COLD_RATIO, "warm_ratio_max": TARGET_WARM_RATIO,
                    "peak_rss_mb_max": TARGET_RSS_MB, "brotli_total_diff_pct_max": BROTLI_TOLERANCE_PCT},
        "times_s": {}, "peak_rss_mb": {}, "ratios": {}, "pass": {}, "correctness": {},
    }
    times = results["times_s"]

    print(f"reference gzip -9 x{args.repeat}...", flush=True)
    times["gzip_ref"] = time_gzip_reference(gzip, paths, args.repeat)

    def brotli_reference() -> list[int] | None:
        print(f"reference brotli -q 11 -w 22 x{args.brotli_repeat} ({results['tools']['brotli_mode']}; ~1 MB/s)...", flush=True)
        times["brotli_ref"], sizes = time_brotli_reference(brotli, paths, args.brotli_repeat, many_files)
        if not many_files:
            times["brotli_ref_spawn_overhead_est"] = spawn_overhead(brotli, len(paths))
        return sizes

    tmp = Path(tempfile.mkdtemp(prefix="webaudit-sizing-"))
    status = 0
    brotli_ref_list: list[int] | None = None
    try:
        if webaudit is None:
            brotli_ref_list = brotli_reference()
        if webaudit is not None:
            results["tools"]["webaudit"] = tool_version([webaudit, "--version"])
            report_gzip = tmp / "cold-gzip.json"
            report_brotli = tmp / "cold-brotli.json"
            report_prime = tmp / "prime.json"
            report_warm = tmp / "warm.json"
            cache_dir = tmp / "cache"
            cache_dir.mkdir()
            rss = results["peak_rss_mb"]

            print(f"webaudit cold gzip x{args.repeat}...", flush=True)
            times["webaudit_cold_gzip"], r = time_webaudit(webaudit, corpus, report_gzip, ["--no-cache"], tmp, "cold-gzip", args.repeat)
            rss["webaudit_cold_gzip"] = max(r) / 1e6

            # After the quick webaudit runs, so that a broken binary fails in seconds.
            brotli_ref_list = brotli_reference()

            print(f"webaudit cold brotli x{args.brotli_repeat}...", flush=True)
            times["webaudit_cold_brotli"], r = time_webaudit(webaudit, corpus, report_brotli, ["--no-cache", "--brotli"], tmp, "cold-brotli", args.brotli_repeat)
            rss["webaudit_cold_brotli"] = max(r) / 1e6

            print("webaudit cache priming (--brotli, empty --cache-dir)...", flush=True)
            times["webaudit_prime"], r = time_webaudit(webaudit, corpus, report_prime, ["--cache-dir", str(cache_dir), "--brotli"], tmp, "prime", 1)
            rss["webaudit_prime"] = max(r) / 1e6

            print(f"webaudit warm x{args.repeat}...", flush=True)
            times["webaudit_warm"], r = time_webaudit(webaudit, corpus, report_warm, ["--cache-dir", str(cache_dir), "--brotli"], tmp, "warm", args.repeat)
            rss["webaudit_warm"] = max(r) / 1e6

            ratios, passes = results["ratios"], results["pass"]
            ratios["cold_gzip_vs_gzip_ref"] = times["webaudit_cold_gzip"]["best"] / times["gzip_ref"]["best"]
            ratios["cold_brotli_vs_brotli_ref"] = times["webaudit_cold_brotli"]["best"] / times["brotli_ref"]["best"]
            ratios["warm_vs_cold_gzip"] = times["webaudit_warm"]["best"] / times["webaudit_cold_gzip"]["best"]
            ratios["warm_vs_cold_brotli"] = times["webaudit_warm"]["best"] / times["webaudit_cold_brotli"]["best"]
            ratios["prime_vs_cold_brotli"] = times["webaudit_prime"]["best"] / times["webaudit_cold_brotli"]["best"]
            passes["cold_gzip"] = ratios["cold_gzip_vs_gzip_ref"] <= TARGET_COLD_RATIO
            passes["cold_brotli"] = ratios["cold_brotli_vs_brotli_ref"] <= TARGET_COLD_RATIO
            passes["warm_vs_cold_gzip"] = ratios["warm_vs_cold_gzip"] <= TARGET_WARM_RATIO
            passes["warm_vs_cold_brotli"] = ratios["warm_vs_cold_brotli"] <= TARGET_WARM_RATIO
            passes["peak_rss"] = max(rss.values()) < TARGET_RSS_MB

            # Correctness: per-file gzip against zlib 9; brotli total against the CLI.
            if brotli_ref_list is None:
                print("brotli CLI sizes per file (for the correctness check)...", flush=True)
                brotli_ref_list = brotli_sizes(brotli, paths)
            brotli_ref = dict(zip(files, brotli_ref_list))
            corr = results["correctness"]
            cold_gzip_assets = load_report(report_gzip, corpus)
            cold_brotli_assets = load_report(report_brotli, corpus)
            warm_assets = load_report(report_warm, corpus)
            corr["cold_gzip"] = check_report("cold-gzip", cold_gzip_assets, files, raw, gzip_ref, None)
            corr["cold_brotli"] = check_report("cold-brotli", cold_brotli_assets, files, raw, gzip_ref, brotli_ref)
            corr["warm"] = check_report("warm", warm_assets, files, raw, gzip_ref, brotli_ref)
            corr["warm_differs_from_cold"] = same_sizes(cold_brotli_assets, warm_assets, files)
            correct = (corr["cold_gzip"]["ok"] and corr["cold_brotli"]["ok"] and corr["warm"]["ok"]
                       and not corr["warm_differs_from_cold"])
            passes["correctness"] = correct
            if not correct:
                status = 1
            elif args.strict and not all(passes.values()):
                status = 1
        if brotli_ref_list is not None:
            results["corpus"]["brotli_cli_bytes"] = sum(brotli_ref_list)
    except BenchError as err:
        print(f"error: {err}", file=sys.stderr)
        status = err.status
        results["error"] = str(err)
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    # gzip and brotli are single-threaded: on an idle machine they get ~100% of a core.
    shares = [t["cpu_of_best"] / t["best"] for k, t in times.items() if k in ("gzip_ref", "brotli_ref") and t["best"] > 0]
    if shares:
        results["machine"]["reference_cpu_share"] = min(shares)
        results["machine"]["busy"] = min(shares) < 0.9
    print_table(results)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n")
        print(f"wrote {args.json}")
    return status


def print_table(results: dict) -> None:
    c, times, ratios, passes, rss = (results["corpus"], results["times_s"], results["ratios"],
                                     results["pass"], results["peak_rss_mb"])
    total = c["bytes"]
    print()
    print(f"corpus   {c['dir']}: {c['files']} files, {total:,} bytes ({total / 1e6:.1f} MB); "
          f"zlib-9 gzip {c['zlib9_gzip_bytes']:,}" + (f", brotli CLI {c['brotli_cli_bytes']:,}" if "brotli_cli_bytes" in c else ""))
    m = results["machine"]
    load = m.get("loadavg_1min_start")
    load_text = "" if load is None else f"; load average (1 min) at start {load:.2f}"
    print(f"machine  nproc {m['nproc']}; {m['platform']}{load_text}")
    if m.get("busy"):
        print("WARNING  the single-process reference tools got only "
              f"{m['reference_cpu_share']:.0%} of a core: other work was running, so wall times (and the ratios) are "
              "inflated and noisy; the CPU column is steadier. Re-run on an idle machine for numbers to quote.")
    tools = results["tools"]
    print(f"tools    {tools['gzip']}; {tools['brotli']} ({tools['brotli_mode']})" + (f"; {tools['webaudit']}" if "webaudit" in tools else ""))
    print()
    rows = [
        ("reference gzip -9 -n -c (one process)", "gzip_ref"),
        ("reference brotli -q 11 -w 22 -c", "brotli_ref"),
        ("webaudit cold gzip (--no-cache)", "webaudit_cold_gzip"),
        ("webaudit cold brotli (--no-cache --brotli)", "webaudit_cold_brotli"),
        ("webaudit cache priming (--brotli)", "webaudit_prime"),
        ("webaudit warm (--brotli, cached)", "webaudit_warm"),
    ]
    print(f"{'measurement':44} {'best wall':>11} {'throughput':>13} {'CPU (u+s)':>11} {'peak RSS':>10}")
    for label, key in rows:
        if key not in times:
            continue
        best = times[key]["best"]
        rss_text = f"{rss[key]:7.1f} MB" if key in rss else ""
        print(f"{label:44} {fmt_s(best)} {mb_per_s(total, best):>13} {fmt_s(times[key]['cpu_of_best'])} {rss_text:>10}")
    if "brotli_ref_spawn_overhead_est" in times:
        print(f"  (per-file brotli loop: ~{times['brotli_ref_spawn_overhead_est']:.2f} s of it is process start-up, "
              "estimated with an empty file)")
    if ratios:
        print()
        print(f"{'ratio':44} {'value':>11} {'target':>13} {'':>10}")
        targets = [
            ("webaudit cold gzip / reference gzip", "cold_gzip_vs_gzip_ref", f"<= {TARGET_COLD_RATIO}", "cold_gzip"),
            ("webaudit cold brotli / reference brotli", "cold_brotli_vs_brotli_ref", f"<= {TARGET_COLD_RATIO}", "cold_brotli"),
            ("webaudit warm / cold gzip", "warm_vs_cold_gzip", f"<= {TARGET_WARM_RATIO}", "warm_vs_cold_gzip"),
            ("webaudit warm / cold brotli", "warm_vs_cold_brotli", f"<= {TARGET_WARM_RATIO}", "warm_vs_cold_brotli"),
            ("webaudit priming / cold brotli", "prime_vs_cold_brotli", "(info)", None),
        ]
        for label, key, target, pass_key in targets:
            verdict = mark(passes[pass_key]) if pass_key else ""
            print(f"{label:44} {ratios[key]:11.3f} {target:>13} {verdict:>10}")
        print(f"{'webaudit peak RSS, worst run':44} {max(rss.values()):8.1f} MB {'< ' + str(int(TARGET_RSS_MB)) + ' MB':>13} {mark(passes['peak_rss']):>10}")
    corr = results["correctness"]
    if corr:
        print()
        for key in ("cold_gzip", "cold_brotli", "warm"):
            s = corr[key]
            line = (f"correctness {s['report']:12} gzip mismatches {len(s['gzip_mismatches'])}/{c['files']}, "
                    f"raw mismatches {len(s['raw_mismatches'])}, missing {len(s['missing'])}, extra {len(s['extra'])}")
            if "brotli_total_diff_pct" in s:
                line += (f"; brotli total {s['brotli_total_diff_pct']:+.4f}% vs CLI "
                         f"({s['brotli_files_differing']} files differ, max {s['brotli_max_file_diff_bytes']} B)")
            if s["malformed"]:
                line += f"; {len(s['malformed'])} non-integer sizes"
            print(f"{line}  {'OK' if s['ok'] else 'FAIL'}")
            for m in s["gzip_mismatches"][:5]:
                print(f"    gzip {m['path']}: webaudit {m['webaudit']}, zlib-9 {m['zlib9']}")
            for m in s["missing"][:5]:
                print(f"    missing from report: {m}")
            for m in s["malformed"][:5]:
                print(f"    {m['path']}: {m['field']} = {m['value']!r}")
        differing = corr["warm_differs_from_cold"]
        print(f"correctness warm report repeats the cold brotli report: "
              f"{'yes' if not differing else f'no, {len(differing)} files differ'}  {'OK' if not differing else 'FAIL'}")
        print(f"correctness overall: {'OK' if passes['correctness'] else 'FAIL'}")


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(err.status)
    except KeyboardInterrupt:
        sys.exit(130)
