#!/usr/bin/env python3
"""Compares `js/legacy-javascript` with Lighthouse 12's `legacy-javascript` audit on a built
folder served from 127.0.0.1.

Lighthouse is not a dependency of webaudit or its tests: install it in a scratch folder first,

    mkdir -p /tmp/lh && cd /tmp/lh && npm init -y && npm install lighthouse@12.8.2

then, from the repository root, after `cargo build --release`:

    python3 benches/legacy_javascript.py fixtures/legacy-js/dist-legacy \\
        --lighthouse /tmp/lh/node_modules/.bin/lighthouse \\
        --write fixtures/legacy-js/lighthouse-12.8.2.json

It serves the folder with `python3 -m http.server` (no compression, so Lighthouse's figure is
its raw estimate: its compression ratio is 1), runs Lighthouse in headless Chromium with only
that audit, runs `webaudit --no-config --format json` on the same folder, and prints, per
script, Lighthouse's wasted bytes and signals beside webaudit's saving and signals. `--write`
keeps Lighthouse's per-script figures (the end-to-end test `tests/legacy_javascript.rs` compares
webaudit with them). The port is chosen free; nothing but 127.0.0.1 is contacted.
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

CHROME_FLAGS = (
    "--headless --no-sandbox --disable-gpu --disable-background-networking "
    "--disable-component-update --disable-sync --no-first-run"
)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(folder, port):
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", folder],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1).close()
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    sys.exit("the static server did not start")


def lighthouse(binary, url, chrome):
    with tempfile.TemporaryDirectory() as scratch:
        output = os.path.join(scratch, "report.json")
        env = dict(os.environ, CHROME_PATH=chrome)
        subprocess.run(
            [
                binary,
                url,
                f"--chrome-path={chrome}",
                f"--chrome-flags={CHROME_FLAGS}",
                "--only-audits=legacy-javascript",
                "--output=json",
                f"--output-path={output}",
                "--quiet",
            ],
            env=env,
            check=True,
            timeout=300,
        )
        with open(output, encoding="utf-8") as f:
            report = json.load(f)
    audit = report["audits"]["legacy-javascript"]
    scripts = {}
    for item in (audit.get("details") or {}).get("items", []):
        path = item["url"].split("/", 3)[3]
        scripts[path] = {
            "wasted_bytes": item["wastedBytes"],
            "signals": sorted(s["signal"] for s in item["subItems"]["items"]),
        }
    return {
        "lighthouse": report["lighthouseVersion"],
        "url": url.rsplit(":", 1)[0] + ":PORT/",
        "scripts": scripts,
    }


def webaudit(binary, folder):
    run = subprocess.run(
        [binary, folder, "--no-config", "--no-cache", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = json.loads(run.stdout)
    scripts = {}
    for finding in report["findings"]:
        if finding["rule"] == "js/legacy-javascript":
            scripts[finding["path"]] = {"saving": finding.get("saving"), "message": finding["message"]}
    return scripts


def main():
    parser = argparse.ArgumentParser(description="webaudit vs Lighthouse 12 legacy-javascript")
    parser.add_argument("folder")
    parser.add_argument("--lighthouse", required=True, help="the lighthouse executable")
    parser.add_argument("--chrome", default="/usr/bin/chromium")
    parser.add_argument("--webaudit", default="target/release/webaudit")
    parser.add_argument("--write", help="write Lighthouse's per-script figures to this JSON file")
    args = parser.parse_args()

    port = free_port()
    server = serve(args.folder, port)
    try:
        found = lighthouse(args.lighthouse, f"http://127.0.0.1:{port}/", args.chrome)
    finally:
        server.terminate()
        server.wait()
    ours = webaudit(args.webaudit, args.folder)

    if not found["scripts"] and not ours:
        print(f"{args.folder}: Lighthouse {found['lighthouse']} reports nothing, webaudit reports nothing")
    for path in sorted(set(found["scripts"]) | set(ours)):
        theirs = found["scripts"].get(path, {})
        mine = ours.get(path, {})
        wasted = theirs.get("wasted_bytes")
        saving = mine.get("saving")
        ratio = f"{saving / wasted:.3f}" if wasted and saving else "-"
        print(f"{path}: Lighthouse {found['lighthouse']} {wasted} B, webaudit {saving} B (ratio {ratio})")
        print(f"  Lighthouse signals: {', '.join(theirs.get('signals', [])) or '-'}")
        print(f"  webaudit: {mine.get('message', '-')}")
    if args.write:
        with open(args.write, "w", encoding="utf-8") as f:
            json.dump(found, f, indent=1, sort_keys=True)
            f.write("\n")


if __name__ == "__main__":
    main()
