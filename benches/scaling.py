#!/usr/bin/env python3
"""Scaling benchmark: does an audit's time grow with its input, or with the input squared?

Run from the repository root, after `cargo build --release` (Python 3 standard library only):

    python3 benches/scaling.py [--webaudit PATH] [--scale F] [--repeat N] [--case NAME]...

Each case generates one input at size n and one at size 4n in a temporary folder and times
`webaudit DIR --no-config --no-cache --format json` on both (best of --repeat runs). Linear
work takes about 4x as long on the larger input, quadratic work about 16x; the ratio is printed
beside the times. The sizes are those of issue 11 ("Reliability under hostile input") at
--scale 1, where the 4n input is the issue's (the parsed import line excepted, see below).

Cases:
  imports-parsed  one line of n `import "./mI.js"` in app.js that also imports a specifier with
                  an escape, so the module lexer hands the file to swc (as it does every file it
                  finds odd) and every import is located on that one line (n = 40,000: at 4n
                  the file is 3.5 MB, under the 4 MiB the parser is given);
  imports-lexed   the same line without the escape: the module lexer reads it (n = 75,000);
  pages           n pages of 300 `<script src>` each, half of them to missing files, in a site
                  that also holds n symbolic links, which the audit skips and lists (n = 250);

Exit status: 0 done, 1 a webaudit run failed, 2 the binary is missing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def imports(folder: Path, n: int, escaped: bool) -> None:
    line = ";".join(f'import "./m{i}.js"' for i in range(n))
    if escaped:
        line += ';import "./m\\u0030.js"'
    (folder / "app.js").write_text(line + "\n")
    (folder / "index.html").write_text('<!doctype html><script type=module src="app.js"></script>\n')
    for i in range(100):
        (folder / f"m{i}.js").write_text(f"export default {i};\n")


def pages(folder: Path, n: int) -> None:
    (folder / "js").mkdir()
    (folder / "links").mkdir()
    for i in range(150):
        (folder / "js" / f"s{i}.js").write_text(f"console.log({i});\n")
    for p in range(n):
        tags = "\n".join(
            f'<script src="js/s{i // 2}.js"></script>' if i % 2 == 0
            else f'<script src="js/missing-{p}-{i}.js"></script>'
            for i in range(300)
        )
        (folder / f"page{p}.html").write_text(
            f"<!doctype html><html><head>\n{tags}\n</head><body><p>{p}</p></body></html>\n"
        )
        os.symlink(f"../js/s{p % 150}.js", folder / "links" / f"link{p}.js")


CASES = {
    "imports-parsed": (40_000, lambda folder, n: imports(folder, n, escaped=True)),
    "imports-lexed": (75_000, lambda folder, n: imports(folder, n, escaped=False)),
    "pages": (250, pages),
}


def timed(webaudit: str, folder: Path, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run = subprocess.run(
            [webaudit, str(folder), "--no-config", "--no-cache", "--format", "json"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        elapsed = time.perf_counter() - start
        if run.returncode not in (0, 1):
            sys.stderr.write(run.stderr.decode(errors="replace")[-2000:])
            raise SystemExit(f"webaudit failed on {folder} (exit {run.returncode})")
        best = min(best, elapsed)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--webaudit", default="target/release/webaudit")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every n by this")
    parser.add_argument("--repeat", type=int, default=1, help="runs per input, best kept")
    parser.add_argument("--case", action="append", choices=sorted(CASES), help="only these")
    args = parser.parse_args()
    if not shutil.which(args.webaudit) and not Path(args.webaudit).is_file():
        print(f"no webaudit binary at {args.webaudit}: run `cargo build --release`", file=sys.stderr)
        return 2

    print(f"{'case':<16} {'n':>8} {'time n':>9} {'4n':>8} {'time 4n':>9} {'ratio':>7}")
    for name in args.case or list(CASES):
        base, generate = CASES[name]
        n = max(1, round(base * args.scale))
        times = []
        for size in (n, 4 * n):
            with tempfile.TemporaryDirectory(prefix=f"webaudit-scaling-{name}-") as folder:
                generate(Path(folder), size)
                times.append(timed(args.webaudit, Path(folder), args.repeat))
        ratio = times[1] / times[0] if times[0] > 0 else float("inf")
        print(f"{name:<16} {n:>8} {times[0]:>8.2f}s {4 * n:>8} {times[1]:>8.2f}s {ratio:>6.1f}x", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
