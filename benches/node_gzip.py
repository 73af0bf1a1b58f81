#!/usr/bin/env python3
"""webaudit's gzip sizes against Node's zlib, the engine size-limit and bundlewatch measure with.

size-limit (@size-limit/file) pipes each file through `zlib.createGzip({ level: 9 })`;
bundlewatch (gzip-size 6) calls `zlib.gzipSync(input, { level: 9 })`. Node bundles Chromium's
fork of zlib, webaudit links C zlib: both are deflate level 9, but their matchers pick different
matches, so sizes differ by a few bytes per file in either direction. This script measures by
how much, on every .js/.mjs/.cjs/.css file of a folder: webaudit's sizes from its JSON report,
Node's from both of the calls above (they agree; the script checks it).

Usage: python3 benches/node_gzip.py DIR [--webaudit PATH]
Needs node on PATH; uses GNU gzip too when it is there. PATH defaults to target/release/webaudit.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

NODE = r"""
const fs = require('fs'), path = require('path'), zlib = require('zlib');
const [root, list] = process.argv.slice(1);
const paths = JSON.parse(fs.readFileSync(list, 'utf8'));
function streamed(file) {
  return new Promise((resolve, reject) => {
    let size = 0;
    fs.createReadStream(file).pipe(zlib.createGzip({ level: 9 }))
      .on('data', chunk => { size += chunk.length; }).on('end', () => resolve(size)).on('error', reject);
  });
}
(async () => {
  const sizes = {};
  for (const p of paths) {
    const file = path.join(root, p);
    const sync = zlib.gzipSync(fs.readFileSync(file), { level: 9 }).length;
    const stream = await streamed(file);
    if (sync !== stream) throw new Error(`${p}: gzipSync ${sync} but createGzip ${stream}`);
    sizes[p] = sync;
  }
  process.stdout.write(JSON.stringify({ zlib: process.versions.zlib, node: process.version, sizes }));
})().catch(e => { console.error(e.message); process.exit(1); });
"""

SCRIPT_FORMATS = {"js", "css"}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir")
    parser.add_argument("--webaudit", default="target/release/webaudit")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as work:
        report_path = os.path.join(work, "report.json")
        # Exit code 1 (findings) is expected on real builds; 2 is a failed run.
        run = subprocess.run(
            [args.webaudit, args.dir, "--no-config", "--no-cache", "--format", "json", "-o", report_path],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if run.returncode not in (0, 1):
            sys.exit(f"webaudit failed on {args.dir} (exit {run.returncode})")
        with open(report_path, encoding="utf-8") as f:
            report = json.load(f)
        assets = [a for a in report["assets"] if a["format"] in SCRIPT_FORMATS and a.get("gzip") is not None]
        list_path = os.path.join(work, "paths.json")
        with open(list_path, "w", encoding="utf-8") as f:
            json.dump([a["path"] for a in assets], f)
        node = json.loads(subprocess.check_output(["node", "-e", NODE, args.dir, list_path]))

    sizes = node["sizes"]
    deltas = [(a["path"], a["gzip"], sizes[a["path"]]) for a in assets]
    differing = [d for d in deltas if d[1] != d[2]]
    total_webaudit = sum(d[1] for d in deltas)
    total_node = sum(d[2] for d in deltas)
    larger = sum(1 for d in differing if d[1] > d[2])
    percents = sorted(abs(w - n) / n * 100 for _, w, n in deltas)
    byte_deltas = sorted(abs(w - n) for _, w, n in differing)
    print(f"node {node['node']} (zlib {node['zlib']}), webaudit {report['tool']['version']}")
    print(f"files: {len(deltas)} (.js/.css), differing: {len(differing)} "
          f"(webaudit larger on {larger}, smaller on {len(differing) - larger})")
    if differing:
        print(f"per differing file: median {byte_deltas[len(byte_deltas) // 2]} bytes, "
              f"largest {max(byte_deltas)} bytes")
        print(f"per file |%|: median {percents[len(percents) // 2]:.2f}%, "
              f"90th {percents[int(len(percents) * 0.9)]:.2f}%, max {percents[-1]:.2f}%")
    print(f"total gzip: webaudit {total_webaudit:,} B, Node {total_node:,} B, "
          f"webaudit - Node = {total_webaudit - total_node:+,} B ({(total_webaudit - total_node) / total_node * 100:+.2f}%)")
    # GNU gzip has its own deflate: a third, independent reference when it is installed.
    if shutil.which("gzip"):
        gnu = {a["path"]: len(subprocess.run(["gzip", "-9", "-n", "-c", os.path.join(args.dir, a["path"])],
                                             check=True, capture_output=True).stdout) for a in assets}
        total_gnu = sum(gnu.values())
        differing_gnu = sum(1 for a in assets if gnu[a["path"]] != a["gzip"])
        print(f"GNU gzip -9 -n: {differing_gnu} of {len(assets)} sizes differ from webaudit's, total "
              f"{total_gnu:,} B, gzip - webaudit = {total_gnu - total_webaudit:+,} B "
              f"({(total_gnu - total_webaudit) / total_webaudit * 100:+.2f}%)")


if __name__ == "__main__":
    main()
