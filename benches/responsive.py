#!/usr/bin/env python3
"""`webaudit optimize --responsive --rewrite-html` on the real static sites of the layout corpus
(benches/work/layout-pages, built by benches/layout_oracle.py): is anything corrupted or lost,
and what does a phone download for the pages' images before and after.

    python3 benches/responsive.py [--sites DIR] [--webp] [--json out.json]

Per site, on a fresh copy:
1. `webaudit layout COPY --format json`: for every laid-out page, the mobile boxes; the bytes a
   phone downloads for images = the sum over pages of the size of each shown `<img>`'s
   `current_file` (the candidate the layout picks at 412 px × 1.75, as a browser would); the
   same at the desktop profile (1350 px × 1).
2. `webaudit optimize COPY --responsive --rewrite-html --copies-only [--webp]`.
3. Checks: every file of the original is byte-identical in the copy, except HTML pages, which
   must equal the original once the inserted attributes (` srcset=… sizes=…`, ` width=…
   height=…`, ` loading="lazy" decoding="async"`) and `<picture>`/`<source>` wrappers are
   removed; every new file decodes (Pillow) and a variant `NAME-Nw.EXT` is N pixels wide.
4. Layout again: bytes after; how many mobile picks of a variant cover the box at 1.75× and how
   many are a little under it (Chromium's rule takes the lower of two candidates when their
   geometric mean covers the density; the layout picks as Chromium does).
5. `webaudit COPY --format json` before and after: findings per rule (errors if the run fails).
"""

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

REPO = Path(__file__).resolve().parent.parent
WEBAUDIT = REPO / "target/release/webaudit"
SITES = Path("/work/main/benches/work/layout-pages")
VARIANT = re.compile(r"-(\d+)w\.(jpe?g|png)$", re.I)
INSERTED = [
    re.compile(r' srcset="[^"]*" sizes="[^"]*"'),
    re.compile(r' width="\d+" height="\d+"'),
    re.compile(r' (width|height)="\d+"'),
    re.compile(r' loading="lazy"( decoding="async")?'),
    re.compile(r'<picture>(<source type="image/[a-z]+" srcset="[^"]*"( sizes="[^"]*")?>)+'),
    re.compile(r"</picture>"),
]


def layout(folder):
    out = subprocess.run([WEBAUDIT, "layout", folder, "--format", "json"], capture_output=True, check=True)
    return json.loads(out.stdout)


def mobile_images(laid_out, profile="mobile"):
    for page in laid_out["pages"]:
        for viewport in page["viewports"]:
            if viewport["name"] != profile:
                continue
            for box in viewport["elements"]:
                if box["kind"] == "img" and box.get("current_file") and box["width"] > 0:
                    yield page["page"], viewport["scale"], box


def downloaded(laid_out, root, profile="mobile"):
    total = 0
    for _, _, box in mobile_images(laid_out, profile):
        path = root / box["current_file"]
        if path.is_file():
            total += path.stat().st_size
    return total


def findings(folder):
    out = subprocess.run([WEBAUDIT, folder, "--no-cache", "--format", "json"], capture_output=True)
    if out.returncode not in (0, 1):
        return {"<audit failed>": out.returncode}
    report = json.loads(out.stdout)
    counts = {}
    for finding in report.get("findings", []):
        rule = finding.get("rule", "?")
        counts[rule] = counts.get(rule, 0) + 1
    return counts


def files(root):
    return {p.relative_to(root).as_posix(): p for p in root.rglob("*") if p.is_file() and not p.is_symlink()}


def strip(text):
    for pattern in INSERTED:
        text = pattern.sub("", text)
    return text


def check_site(name, original, webp):
    problems = []
    with tempfile.TemporaryDirectory() as work:
        copy = Path(work) / name
        shutil.copytree(original, copy, symlinks=True)
        before_layout = layout(copy)
        before_bytes = downloaded(before_layout, copy)
        before_desktop = downloaded(before_layout, copy, "desktop")
        before_findings = findings(copy)
        before_files = files(copy)
        before_content = {k: v.read_bytes() for k, v in before_files.items()}
        command = [WEBAUDIT, "optimize", copy, "--responsive", "--rewrite-html", "--copies-only", "--format", "json"]
        if webp:
            command.append("--webp")
        run = subprocess.run(command, capture_output=True)
        if run.returncode not in (0, 1):
            return {"site": name, "problems": [f"optimize exited {run.returncode}: {run.stderr.decode()[:400]}"]}
        report = json.loads(run.stdout)
        problems += [f"error: {e['path']}: {e['message']}" for e in report["errors"]]
        after_files = files(copy)
        for path, content in before_content.items():
            if path not in after_files:
                problems.append(f"lost: {path}")
                continue
            now = after_files[path].read_bytes()
            if now == content:
                continue
            if path.endswith((".html", ".htm")):
                if strip(now.decode("utf-8", "replace")) != strip(content.decode("utf-8", "replace")):
                    problems.append(f"page changed beyond the inserted attributes: {path}")
            else:
                problems.append(f"changed: {path}")
        variants = 0
        for path in sorted(set(after_files) - set(before_files)):
            try:
                with Image.open(after_files[path]) as image:
                    image.load()
                    width = image.width
            except Exception as error:  # noqa: BLE001 - any decode failure is the finding
                problems.append(f"new file does not decode: {path}: {error}")
                continue
            match = VARIANT.search(path)
            if match:
                variants += 1
                if int(match.group(1)) != width:
                    problems.append(f"variant {path} is {width} px wide")
        after_layout = layout(copy)
        after_bytes = downloaded(after_layout, copy)
        after_desktop = downloaded(after_layout, copy, "desktop")
        covered = short = 0
        for page, scale, box in mobile_images(after_layout):
            if VARIANT.search(box["current_file"]) and box.get("file_width"):
                if box["file_width"] >= box["width"] * scale - 0.5:
                    covered += 1
                else:
                    # Chromium's pick (the layout follows it): the lower candidate when its
                    # geometric mean with the next one covers the density. Not a fault of the
                    # variants; counted.
                    short += 1
        after_findings = findings(copy)
        changed_rules = {
            rule: (before_findings.get(rule, 0), after_findings.get(rule, 0))
            for rule in sorted(set(before_findings) | set(after_findings))
            if before_findings.get(rule, 0) != after_findings.get(rule, 0)
        }
        pages = sum(1 for c in report["changes"] if c["what"] == "html-rewrite")
        return {
            "site": name,
            "pages_laid_out": sum(1 for p in before_layout["pages"] if p["status"] == "laid-out"),
            "variants": variants,
            "pages_rewritten": pages,
            "mobile_bytes_before": before_bytes,
            "mobile_bytes_after": after_bytes,
            "desktop_bytes_before": before_desktop,
            "desktop_bytes_after": after_desktop,
            "variant_picks_covering_box": covered,
            "variant_picks_short": short,
            "warnings": len(report["warnings"]),
            "findings_changed": changed_rules,
            "problems": problems,
        }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sites", type=Path, default=SITES)
    parser.add_argument("--webp", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if not WEBAUDIT.exists():
        sys.exit("build first: cargo build --release")
    results = []
    for site in sorted(p for p in args.sites.iterdir() if p.is_dir() and not p.name.startswith(".")):
        result = check_site(site.name, site, args.webp)
        results.append(result)
        print(json.dumps(result), flush=True)
    print()
    print("| site | pages laid out | variants | pages rewritten | phone image bytes before | after | change | desktop before | after | change | variant picks ≥ box×DPR / under | problems |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        before, after = r.get("mobile_bytes_before", 0), r.get("mobile_bytes_after", 0)
        change = f"{(after - before) / before * 100:+.1f}%" if before else "–"
        d_before, d_after = r.get("desktop_bytes_before", 0), r.get("desktop_bytes_after", 0)
        d_change = f"{(d_after - d_before) / d_before * 100:+.1f}%" if d_before else "–"
        print(f"| {r['site']} | {r.get('pages_laid_out', '–')} | {r.get('variants', 0)} | {r.get('pages_rewritten', 0)} | {before:,} | {after:,} | {change} | {d_before:,} | {d_after:,} | {d_change} | {r.get('variant_picks_covering_box', 0)} / {r.get('variant_picks_short', 0)} | {len(r['problems'])} |")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
