#!/usr/bin/env python3
"""Layout oracle for issue 16: headless Chromium's boxes of every image vs `webaudit layout`.

    python3 benches/layout_oracle.py run [--site NAME ...] [--scripts]
    python3 benches/layout_oracle.py compare --webaudit PATH_TO_BINARY [--site NAME ...] [--scripts]

`run` serves each site of the page corpus (built by benches/corpus/layout-pages.sh into
benches/work/layout-pages) from 127.0.0.1 with Python's http.server on a free port, lays out
each listed page in Debian's headless Chromium at Lighthouse's mobile (412x823, DPR 1.75, mobile
emulation) and desktop (1350x940, DPR 1) viewports with only the Liberation fonts webaudit
bundles (FONTCONFIG_FILE), and records getBoundingClientRect() of every img/iframe/video in
document order per kind, in the shape `webaudit layout --format json` prints, to
benches/work/layout-oracle/<site>.json. Every request to anything but that server is blocked.

`compare` runs `webaudit layout SITE --format json` per site and matches elements by page,
viewport, kind and index (the n-th `img` in document order), then reports:
  - fold verdict at mobile (Lighthouse's offscreen rule: more than 100 px below the first
    viewport) agreeing: target >= 98%;
  - displayed width within 2 CSS px, per viewport: target >= 90%;
and lists every disagreement with both boxes. Elements of pages webaudit reports as `fallback`
(no layout) are counted apart, not compared. The summary is also written to
benches/work/layout-oracle/compare.json. It also compares each page's LCP element per
viewport: Chromium's last largest-contentful-paint entry (read over the DevTools protocol's
performance timeline) against `webaudit layout`'s `lcp` — the same image file, or text on both.

`--scripts` (on both commands) runs the pages' own scripts in Chromium, as a visitor's browser
does: for pages whose images a lazy-loading script sets (`src` a `data:` placeholder, the image
in `data-src`/`data-lazy-src`: the hexo-butterfly site), Chromium then paints the images the
script sets, which is what webaudit's layout assumes (`script_set`). `run --scripts` writes
<site>.scripts.json beside the script-less <site>.json (the default, unchanged); `compare
--scripts` reads those, matches each of webaudit's elements by its `src` or, when a script
sets its image, the image it shows (`current_src`: Chromium's `src` is then the one the script
wrote, or still the placeholder where the script never got to the element), prints
every page x viewport's LCP element on both sides in a table (not only the disagreements), and
writes compare.scripts.json. The boxes are of the page after its scripts ran (a theme's script
may wrap images in captions, add buttons): differences there are expected and not webaudit's.

Needs: node + the packages in benches/layout-oracle (`npm ci` there; this script runs it when
node_modules is missing), /usr/bin/chromium (Debian's; CHROME_PATH overrides).
"""

import argparse
import contextlib
import functools
import http.server
import json
import posixpath
from urllib.parse import unquote, urljoin, urlsplit
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

BENCHES = Path(__file__).resolve().parent
PAGES_DIR = BENCHES / "work" / "layout-pages"
ORACLE_DIR = BENCHES / "work" / "layout-oracle"
NODE_DIR = BENCHES / "layout-oracle"

# Lighthouse's offscreen-images rule: an image more than this far below the first viewport.
OFFSCREEN_MARGIN_PX = 100.0
# "Displayed width within 2 CSS px" (issue 16).
WIDTH_TOLERANCE_PX = 2.0
# Caps on one external run, so a hung browser or binary cannot stall the benchmark.
CHROMIUM_SITE_TIMEOUT_S = 900
WEBAUDIT_SITE_TIMEOUT_S = 600
TARGET_FOLD = 98.0
TARGET_WIDTH = 90.0


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # The browser drops connections it no longer needs (a page closed mid-transfer).
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@contextlib.contextmanager
def serve(directory: Path):
    """Serves DIRECTORY on 127.0.0.1 at a free port for the duration of the block."""
    handler = functools.partial(QuietHandler, directory=str(directory))
    server = QuietServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def load_corpus(pages_dir: Path, only):
    manifest = pages_dir / "pages.json"
    if not manifest.is_file():
        sys.exit(f"error: {manifest} is missing: run benches/corpus/layout-pages.sh first")
    sites = json.loads(manifest.read_text())["sites"]
    if only:
        unknown = set(only) - {s["name"] for s in sites}
        if unknown:
            sys.exit(f"error: no such site(s) in {manifest}: {', '.join(sorted(unknown))}")
        sites = [s for s in sites if s["name"] in only]
    return sites


def browser_env(pages_dir: Path):
    fonts_conf = pages_dir / "fonts" / "fonts.conf"
    if not fonts_conf.is_file():
        sys.exit(f"error: {fonts_conf} is missing: run benches/corpus/layout-pages.sh first")
    env = dict(os.environ)
    env["FONTCONFIG_FILE"] = str(fonts_conf)
    env.setdefault("CHROME_PATH", "/usr/bin/chromium")
    return env


def ensure_node_modules():
    if not (NODE_DIR / "node_modules" / "puppeteer-core").is_dir():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=NODE_DIR, check=True)


def oracle_file(oracle_dir: Path, site: str, scripts: bool) -> Path:
    return oracle_dir / (f"{site}.scripts.json" if scripts else f"{site}.json")


def cmd_run(args):
    ensure_node_modules()
    sites = load_corpus(args.pages_dir, args.site)
    env = browser_env(args.pages_dir)
    if args.scripts:
        env["ORACLE_SCRIPTS"] = "1"
    else:
        env.pop("ORACLE_SCRIPTS", None)
    args.oracle_dir.mkdir(parents=True, exist_ok=True)
    for site in sites:
        site_dir = args.pages_dir / site["dir"]
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(site["pages"], f)
            pages_file = f.name
        try:
            with serve(site_dir) as base_url:
                proc = subprocess.run(
                    ["node", str(NODE_DIR / "chromium-boxes.mjs"), base_url, pages_file],
                    env=env, capture_output=True, text=True, timeout=CHROMIUM_SITE_TIMEOUT_S,
                )
        finally:
            os.unlink(pages_file)
        if proc.returncode != 0:
            sys.exit(f"error: {site['name']}: Chromium run failed:\n{proc.stderr}")
        result = json.loads(proc.stdout)
        result["site"] = site["name"]
        oracle_file(args.oracle_dir, site["name"], args.scripts).write_text(json.dumps(result, indent=1) + "\n")
        elements = sum(len(v["elements"]) for p in result["pages"] for v in p["viewports"] if v["name"] == "mobile")
        errors = [p for p in result["pages"] if p["status"] != "laid-out"]
        blocked = sum(len(p["blocked_requests"]) for p in result["pages"])
        print(f"{site['name']}{' (page scripts on)' if args.scripts else ''}: {len(result['pages'])} pages, {elements} elements, "
              f"{blocked} external requests blocked, {len(errors)} errors", file=sys.stderr)
        for p in errors:
            print(f"  {p['page']}: {p['note']}", file=sys.stderr)


def offscreen(element) -> bool:
    return element["below_fold_px"] > OFFSCREEN_MARGIN_PX


def box(element) -> str:
    if element is None:
        return "absent"
    return (f"x={element['x']:.1f} y={element['y']:.1f} {element['width']:.1f}x{element['height']:.1f}"
            f" below_fold={element['below_fold_px']:.1f}")


def run_webaudit(binary: str, site_dir: Path):
    proc = subprocess.run([binary, "layout", str(site_dir), "--format", "json"],
                          capture_output=True, text=True, timeout=WEBAUDIT_SITE_TIMEOUT_S)
    if proc.returncode != 0:
        raise RuntimeError(f"`{binary} layout {site_dir} --format json` exited {proc.returncode}: {proc.stderr.strip()}")
    return json.loads(proc.stdout)


def pct(n, d):
    return 100.0 * n / d if d else float("nan")


def lcp_row(site, page, viewport, chromium, webaudit):
    """One page x viewport's LCP element on both sides: the same image file, or text on both
    (an image is named by its file's path in the site; text by its element's tag)."""
    def file_of(reference):
        if not reference:
            return None
        parts = urlsplit(urljoin("http://127.0.0.1/" + page, reference))
        return posixpath.normpath(unquote(parts.path)).lstrip("/")

    if chromium is None or chromium.get("error"):
        theirs = None
    elif chromium.get("url"):
        theirs = ("image", file_of(chromium["url"]))
    else:
        theirs = ("text", chromium.get("tag"))
    if webaudit is None:
        mine = None
    elif webaudit["kind"] == "text":
        tag = (webaudit.get("text") or "").split(">", 1)[0].lstrip("<")
        mine = ("text", tag)
    elif webaudit["kind"] == "background":
        mine = ("image", (webaudit.get("src") or "").lstrip("/"))
    else:
        mine = ("image", file_of(webaudit.get("src")))
    script_set = bool(webaudit and webaudit.get("script_set"))
    # Text agrees on being text (which block Chromium picks among similar paragraphs is
    # recorded, not required); an image must be the same file.
    agree = theirs is not None and mine is not None and theirs[0] == mine[0] and (
        theirs[0] == "text" or theirs[1] == mine[1])
    return {"site": site, "page": page, "viewport": viewport, "chromium": theirs, "webaudit": mine,
            "webaudit_kind": webaudit["kind"] if webaudit else None, "script_set": script_set,
            "chromium_tag": chromium.get("tag") if chromium else None,
            "same_text_tag": theirs is not None and mine is not None and theirs == mine,
            "agree": agree}


def written_srcs(element, scripts: bool):
    """The `src` attributes Chromium may report for webaudit's ELEMENT: as written, and with
    page scripts on also the image a lazy-loading script writes into it (webaudit's
    `current_src` when it is `script_set`): a loader sets only the images that come near the
    viewport, so one that never does (an off-canvas menu's) keeps its placeholder."""
    srcs = [element.get("src")]
    if scripts and element.get("script_set"):
        srcs.append(element.get("current_src"))
    return srcs


def lcp_label(side, kind):
    """An LCP side of lcp_row for the table: the image file (with the element's kind), or text."""
    if side is None:
        return "none"
    what, detail = side
    if what == "text":
        return f"text <{detail}>"
    return f"{kind or 'image'} {detail}"


def cmd_compare(args):
    sites = load_corpus(args.pages_dir, args.site)
    totals = {"fold": [0, 0], "width_mobile": [0, 0], "width_desktop": [0, 0], "fallback_elements": 0,
              "missing": 0, "src_mismatch": 0}
    per_site = []
    disagreements = []
    lcp_rows = []
    for site in sites:
        recorded = oracle_file(args.oracle_dir, site["name"], args.scripts)
        if not recorded.is_file():
            sys.exit(f"error: {recorded} is missing: run `layout_oracle.py run{' --scripts' if args.scripts else ''}` first")
        oracle = json.loads(recorded.read_text())
        try:
            mine = run_webaudit(args.webaudit, args.pages_dir / site["dir"])
        except (RuntimeError, subprocess.TimeoutExpired, json.JSONDecodeError) as err:
            sys.exit(f"error: {site['name']}: {err}")
        mine_pages = {p["page"]: p for p in mine.get("pages", [])}
        s = {"site": site["name"], "pages": 0, "elements": 0, "fold": [0, 0], "width_mobile": [0, 0],
             "width_desktop": [0, 0], "fallback_elements": 0, "missing": 0, "src_mismatch": 0}
        for opage in oracle["pages"]:
            if opage["status"] != "laid-out":
                continue
            s["pages"] += 1
            wpage = mine_pages.get(opage["page"])
            for oview in opage["viewports"]:
                n_elements = len(oview["elements"])
                if oview["name"] == "mobile":
                    s["elements"] += n_elements
                if wpage is None or wpage.get("status") != "laid-out":
                    if oview["name"] == "mobile":
                        s["fallback_elements"] += n_elements
                        if wpage is None:
                            disagreements.append((site["name"], opage["page"], "-", "page",
                                                  "page absent from webaudit's report", "", ""))
                    continue
                wview = next((v for v in wpage["viewports"] if v["name"] == oview["name"]), None)
                if "lcp" in oview:
                    lcp_rows.append(lcp_row(site["name"], opage["page"], oview["name"], oview["lcp"],
                                            wview.get("lcp") if wview else None))
                welements = {(e["kind"], e["index"]): e for e in (wview["elements"] if wview else [])}
                for oel in oview["elements"]:
                    wel = welements.get((oel["kind"], oel["index"]))
                    label = f"{oel['kind']}[{oel['index']}] {oel['src']!r}"
                    if wel is None:
                        s["missing"] += 1
                    elif oel["src"] not in written_srcs(wel, args.scripts):
                        # The n-th element is another one: indexing differs (an element one side
                        # skips), so its boxes below are not comparable either.
                        s["src_mismatch"] += 1
                        disagreements.append((site["name"], opage["page"], oview["name"], label,
                                              f"src differs: webaudit has {' or '.join(map(repr, written_srcs(wel, args.scripts)))}", box(oel), box(wel)))
                    width_key = "width_" + oview["name"]
                    if width_key in s:
                        s[width_key][1] += 1
                        if wel is not None and abs(wel["width"] - oel["width"]) <= WIDTH_TOLERANCE_PX:
                            s[width_key][0] += 1
                        else:
                            disagreements.append((site["name"], opage["page"], oview["name"], label,
                                                  "width", box(oel), box(wel)))
                    if oview["name"] == "mobile":
                        s["fold"][1] += 1
                        if wel is not None and offscreen(wel) == offscreen(oel):
                            s["fold"][0] += 1
                        else:
                            disagreements.append((site["name"], opage["page"], "mobile", label,
                                                  "fold verdict", box(oel), box(wel)))
        per_site.append(s)
        for key in ("fold", "width_mobile", "width_desktop"):
            totals[key][0] += s[key][0]
            totals[key][1] += s[key][1]
        totals["fallback_elements"] += s["fallback_elements"]
        totals["missing"] += s["missing"]
        totals["src_mismatch"] += s["src_mismatch"]

    def row(name, s, pages, elements):
        return (f"| {name} | {pages} | {elements} | {s['fallback_elements']} | "
                f"{s['fold'][0]}/{s['fold'][1]} ({pct(*s['fold']):.1f}%) | "
                f"{s['width_mobile'][0]}/{s['width_mobile'][1]} ({pct(*s['width_mobile']):.1f}%) | "
                f"{s['width_desktop'][0]}/{s['width_desktop'][1]} ({pct(*s['width_desktop']):.1f}%) |")

    print("| site | pages | images (mobile) | on fallback pages | fold verdict agrees (mobile) | width within 2 px (mobile) | width within 2 px (desktop) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for s in per_site:
        print(row(s["site"], s, s["pages"], s["elements"]))
    print(row("**all**", totals, sum(s["pages"] for s in per_site), sum(s["elements"] for s in per_site)))
    fold = pct(*totals["fold"])
    width = pct(totals["width_mobile"][0] + totals["width_desktop"][0],
                totals["width_mobile"][1] + totals["width_desktop"][1])
    print()
    print(f"fold verdict agrees: {fold:.1f}% (target >= {TARGET_FOLD:.0f}%: {'met' if fold >= TARGET_FOLD else 'NOT met'}); "
          f"width within {WIDTH_TOLERANCE_PX:.0f} px, both viewports: {width:.1f}% "
          f"(target >= {TARGET_WIDTH:.0f}%: {'met' if width >= TARGET_WIDTH else 'NOT met'}); "
          f"elements webaudit did not report: {totals['missing']}; "
          f"elements whose src differs (index mismatch): {totals['src_mismatch']}")
    print()
    print(f"{len(disagreements)} disagreements (Chromium box | webaudit box):")
    for site_name, page, viewport, label, what, obox, wbox in disagreements:
        print(f"- {site_name}/{page} [{viewport}] {label}: {what}: chromium {obox} | webaudit {wbox}")
    if lcp_rows:
        agree = sum(1 for r in lcp_rows if r["agree"])
        print()
        print(f"LCP element (Chromium's last largest-contentful-paint entry{', page scripts on' if args.scripts else ''} "
              f"vs webaudit layout's `lcp`): "
              f"{agree}/{len(lcp_rows)} page x viewport agree ({pct(agree, len(lcp_rows)):.1f}%)")
        if args.scripts:
            # Every row: the point of this run is which image the lazy loader's page paints.
            print()
            print("| site | page | viewport | Chromium LCP | webaudit `lcp` | set by script (webaudit) | same |")
            print("| --- | --- | --- | --- | --- | --- | --- |")
            for r in lcp_rows:
                print(f"| {r['site']} | {r['page']} | {r['viewport']} | {lcp_label(r['chromium'], r['chromium_tag'])} | "
                      f"{lcp_label(r['webaudit'], r['webaudit_kind'])} | {'yes' if r['script_set'] else 'no'} | "
                      f"{'yes' if r['agree'] else '**no**'} |")
        else:
            for r in lcp_rows:
                if not r["agree"]:
                    print(f"- {r['site']}/{r['page']} [{r['viewport']}]: chromium {r['chromium']} | webaudit {r['webaudit']}")
    args.oracle_dir.mkdir(parents=True, exist_ok=True)
    (args.oracle_dir / ("compare.scripts.json" if args.scripts else "compare.json")).write_text(json.dumps({
        "scripts": args.scripts,
        "lcp": lcp_rows,
        "webaudit": args.webaudit, "sites": per_site, "totals": totals, "fold_pct": fold,
        "width_pct": width,
        "disagreements": [dict(zip(("site", "page", "viewport", "element", "what", "chromium", "webaudit"), d))
                          for d in disagreements],
    }, indent=1) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages-dir", type=Path, default=PAGES_DIR, help="the corpus (layout-pages.sh OUT_DIR)")
    parser.add_argument("--oracle-dir", type=Path, default=ORACLE_DIR, help="where Chromium's boxes are kept")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="lay out the corpus in Chromium")
    run.add_argument("--site", action="append", help="only this site (repeatable)")
    run.add_argument("--scripts", action="store_true",
                     help="run the pages' scripts (lazy loaders set their images); writes <site>.scripts.json")
    cmp_ = sub.add_parser("compare", help="compare `webaudit layout` with Chromium's boxes")
    cmp_.add_argument("--webaudit", required=True, help="the webaudit binary to compare")
    cmp_.add_argument("--site", action="append", help="only this site (repeatable)")
    cmp_.add_argument("--scripts", action="store_true",
                      help="compare with the `run --scripts` records (<site>.scripts.json), listing every LCP row")
    args = parser.parse_args()
    {"run": cmd_run, "compare": cmd_compare}[args.command](args)


if __name__ == "__main__":
    main()
