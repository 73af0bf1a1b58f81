#!/usr/bin/env python3
"""Lighthouse 12 on the layout oracle's page corpus, matched item by item with webaudit (issue 16).

    python3 benches/layout_lighthouse.py run [--site NAME ...] [--preset desktop]
    python3 benches/layout_lighthouse.py compare --webaudit PATH_TO_BINARY [--site NAME ...]

`run` serves each site of the corpus (benches/corpus/layout-pages.sh) from 127.0.0.1 and runs
Lighthouse 12 (benches/layout-oracle/package.json pins it) on every listed page with Debian's
Chromium (`--headless=new`, CHROME_PATH=/usr/bin/chromium), Lighthouse's default mobile
emulation (412x823, DPR 1.75, simulated throttling) and only the Liberation fonts webaudit
bundles (FONTCONFIG_FILE). Chromium gets a dead proxy, so nothing but 127.0.0.1 is reached.
Only five audits run: offscreen-images, uses-responsive-images, unsized-images,
lcp-lazy-loaded and lcp-discovery-insight. Their items go to
benches/work/layout-lighthouse/<site>.json. With `--preset desktop`, Lighthouse's desktop
profile (1350x940, DPR 1) runs uses-responsive-images, lcp-lazy-loaded and
lcp-discovery-insight only, to
benches/work/layout-lighthouse/<site>-desktop.json.

`compare` runs `webaudit --format json SITE` per site and matches, per page and image file:

    Lighthouse audit          webaudit rule
    offscreen-images          images/lazy-loading
    uses-responsive-images    images/responsive (mobile and, when run, desktop: the rule
                              reports a waste at either profile)
    unsized-images            images/unsized
    lcp-lazy-loaded           images/lcp-lazy (mobile and, when run, desktop)
    lcp-discovery-insight     images/lcp-priority or images/lcp-lazy (the insight fails when the
                              LCP image is lazy, not found in the HTML, or has no
                              fetchpriority=high; mobile and, when run, desktop)

An item is the pair (page, image path in the site); Lighthouse gives an image's URL (or, for
lcp-lazy-loaded, the element's HTML, whose src is read), webaudit the src in its message or the
image file it names. Only the corpus's listed pages count. A webaudit finding placed on the
image file rather than a page (images/oversized: wider than any screen needs) counts on every
listed page that shows that image. It prints a table (per audit: both, Lighthouse only,
webaudit only) and every one-sided item, and writes benches/work/layout-lighthouse/compare.json.
"""

import argparse
import html
import json
import posixpath
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from layout_oracle import (  # noqa: E402  (benches/ is not a package)
    NODE_DIR, ORACLE_DIR, PAGES_DIR, browser_env, ensure_node_modules, load_corpus, serve,
)

BENCHES = Path(__file__).resolve().parent
LIGHTHOUSE_DIR = BENCHES / "work" / "layout-lighthouse"
AUDITS = {
    "offscreen-images": "images/lazy-loading",
    "uses-responsive-images": "images/responsive",
    "unsized-images": "images/unsized",
    "lcp-lazy-loaded": "images/lcp-lazy",
    "lcp-discovery-insight": "images/lcp-priority",
}
# Lighthouse's LCP request discovery insight fails when the LCP image is lazy, not found in the
# HTML or has no fetchpriority=high: webaudit splits that between two rules.
ALSO_MATCHES = {"lcp-discovery-insight": ("images/lcp-lazy",)}
CHROME_FLAGS = ("--headless=new --no-sandbox --proxy-server=http://127.0.0.1:9 "
                "--proxy-bypass-list=127.0.0.1 --disable-background-networking")
# Caps on one external run.
LIGHTHOUSE_PAGE_TIMEOUT_S = 240
WEBAUDIT_SITE_TIMEOUT_S = 600
SRC_IN_MESSAGE = re.compile(r'src="([^"]*)"')
SRC_IN_SNIPPET = re.compile(r'\ssrc="([^"]*)"')


def cmd_run(args):
    ensure_node_modules()
    env = browser_env(args.pages_dir)
    # The package's own bin script (npm does not always link node_modules/.bin).
    lighthouse = NODE_DIR / "node_modules" / "lighthouse" / "cli" / "index.js"
    args.out_dir.mkdir(parents=True, exist_ok=True)
    desktop = args.preset == "desktop"
    audits = ["uses-responsive-images", "lcp-lazy-loaded", "lcp-discovery-insight"] if desktop else list(AUDITS)
    preset = ["--preset=desktop"] if desktop else []
    for site in load_corpus(args.pages_dir, args.site):
        result = {"site": site["name"], "preset": args.preset or "mobile", "pages": []}
        with serve(args.pages_dir / site["dir"]) as base_url:
            for page in site["pages"]:
                url = urljoin(base_url, page)
                proc = subprocess.run(
                    ["node", str(lighthouse), url, "--output=json", "--quiet", *preset,
                     "--only-audits=" + ",".join(audits), f"--chrome-flags={CHROME_FLAGS}"],
                    env=env, capture_output=True, text=True, timeout=LIGHTHOUSE_PAGE_TIMEOUT_S,
                )
                entry = {"page": page, "error": None, "audits": {}}
                if proc.returncode != 0:
                    entry["error"] = proc.stderr.strip()[-2000:]
                else:
                    lhr = json.loads(proc.stdout)
                    entry["lighthouse_version"] = lhr.get("lighthouseVersion")
                    entry["runtime_error"] = (lhr.get("runtimeError") or {}).get("message")
                    for audit_id in audits:
                        audit = lhr["audits"].get(audit_id, {})
                        details = audit.get("details") or {}
                        items = details.get("items", [])
                        if details.get("type") == "list":
                            # An insight: a checklist and the LCP element's node.
                            items = [discovery_item(items, base_url)]
                        entry["audits"][audit_id] = {
                            "score": audit.get("score"),
                            "error": audit.get("errorMessage"),
                            "items": [item_summary(it, base_url) if "checklist" not in it else it
                                      for it in items],
                        }
                result["pages"].append(entry)
                counts = ", ".join(f"{a}: {len(v['items'])}" for a, v in entry["audits"].items())
                print(f"{site['name']}/{page}: {entry['error'] or counts}", file=sys.stderr)
        name = f"{site['name']}-desktop.json" if desktop else f"{site['name']}.json"
        (args.out_dir / name).write_text(json.dumps(result, indent=1) + "\n")


def discovery_item(parts, base_url):
    """lcp-discovery-insight's details (a checklist, then the LCP element's node) as one item:
    the image's URL from the node's src, and which checks failed."""
    item = {"url": None, "snippet": None, "selector": None, "checklist": {}}
    for part in parts:
        if part.get("type") == "checklist":
            item["checklist"] = {k: v.get("value") for k, v in (part.get("items") or {}).items()}
        elif part.get("type") == "node":
            item["snippet"] = part.get("snippet")
            item["selector"] = part.get("selector")
            m = SRC_IN_SNIPPET.search(part.get("snippet") or "")
            item["url"] = urljoin(base_url, html.unescape(m.group(1))) if m else None
    return item


def item_summary(item, base_url):
    """The fields of a Lighthouse item needed to match it, plus its figures for reading."""
    node = item.get("node") or {}
    url = item.get("url")
    if not url and node.get("snippet"):
        m = SRC_IN_SNIPPET.search(node["snippet"])
        url = urljoin(base_url, html.unescape(m.group(1))) if m else None
    return {
        "url": url,
        "snippet": node.get("snippet"),
        "selector": node.get("selector"),
        "total_bytes": item.get("totalBytes"),
        "wasted_bytes": item.get("wastedBytes"),
    }


def site_path(url_or_src, page):
    """The image's path in the site ('img/a.png'), or the URL itself when it is not in the site.

    A data: URL is keyed by its media type only (Lighthouse shortens data URLs)."""
    if url_or_src is None:
        return None
    if url_or_src.startswith("data:"):
        return url_or_src.split(",", 1)[0].split(";", 1)[0]
    parts = urlsplit(urljoin("http://127.0.0.1/" + page, url_or_src))
    if parts.hostname != "127.0.0.1":
        return f"{parts.scheme}://{parts.netloc}{parts.path}"
    # As a server maps it: "a//b.png" and "a/./b.png" are the file a/b.png.
    return posixpath.normpath(unquote(parts.path)).lstrip("/")


def webaudit_findings(binary, site_dir):
    proc = subprocess.run([binary, "--no-cache", "--format", "json", str(site_dir)],
                          capture_output=True, text=True, timeout=WEBAUDIT_SITE_TIMEOUT_S)
    # Exit 1 means "findings above the failure threshold": the report is still complete.
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"`{binary} --format json {site_dir}` exited {proc.returncode}: {proc.stderr.strip()}")
    return json.loads(proc.stdout)["findings"]


# Lighthouse 12's offscreen-images (core/audits/byte-efficiency/offscreen-images.js): the part
# of an image within this many viewports below the first one still counts as visible, and
# images under 2 KiB of waste are ignored.
LH_ALLOWABLE_OFFSCREEN_BOTTOM_IN_VIEWPORTS = 3
LH_IGNORE_THRESHOLD_IN_BYTES = 2048
MOBILE_HEIGHT = 823


def offscreen_cause(args, site, page, image):
    """Why Lighthouse did not list an image webaudit's images/lazy-loading reports (its first
    matching cause), from the file size and Chromium's mobile box."""
    if image and "://" in image:
        return "outside the site: blocked here, so Lighthouse has no bytes for it"
    path = args.pages_dir / site["dir"] / image if image and not image.startswith("data:") else None
    ys = []
    # The first screen's height in CSS px: 823 with a mobile <meta name="viewport">, 1958 for a
    # page laid out 980 px wide and zoomed out (the oracle records what Chromium used).
    screen = MOBILE_HEIGHT
    oracle_file = ORACLE_DIR / f"{site['name']}.json"
    if oracle_file.is_file():
        for opage in json.loads(oracle_file.read_text())["pages"]:
            if opage["page"] == page:
                for v in opage["viewports"]:
                    if v["name"] == "mobile":
                        screen = v.get("layout_height", MOBILE_HEIGHT)
                        ys = [e["y"] for e in v["elements"] if site_path(e["src"], page) == image]
    if ys and min(ys) <= screen + 100:
        return "Chromium: within 100 px of the first viewport (the heuristic is wrong)"
    if path is not None and path.is_file() and path.stat().st_size < LH_IGNORE_THRESHOLD_IN_BYTES:
        return "under Lighthouse's 2 KiB threshold"
    if ys and min(ys) < screen * (1 + LH_ALLOWABLE_OFFSCREEN_BOTTOM_IN_VIEWPORTS):
        return "within the 3 viewports below the fold that Lighthouse counts as visible"
    if not ys:
        return "no Chromium box"
    return "beyond 4 viewports, over 2 KiB: Lighthouse's Lantern filter (requested after the last long task)"


def context(args, site, page, image):
    """What helps explain a one-sided item: the file's size and Chromium's boxes of the image
    on that page (from benches/layout_oracle.py's run, when there is one)."""
    parts = []
    path = args.pages_dir / site["dir"] / image if image and "://" not in image and not image.startswith("data:") else None
    if path is not None and path.is_file():
        parts.append(f"file {path.stat().st_size} B")
    elif image and "://" in image:
        parts.append("outside the site (blocked in the sandbox)")
    oracle_file = ORACLE_DIR / f"{site['name']}.json"
    if page and oracle_file.is_file():
        oracle = json.loads(oracle_file.read_text())
        for opage in oracle["pages"]:
            if opage["page"] != page:
                continue
            for view in opage["viewports"]:
                boxes = [f"{e['width']:.0f}x{e['height']:.0f} at y={e['y']:.0f}"
                         + (f" (natural {e['natural_width']}x{e['natural_height']})" if e.get("natural_width") else "")
                         for e in view["elements"] if site_path(e["src"], page) == image]
                if boxes:
                    parts.append(f"chromium {view['name']} {view['width']}x{view['height']}: " + "; ".join(boxes))
    return ", ".join(parts)


def cmd_compare(args):
    table = {a: {"both": 0, "lighthouse": 0, "webaudit": 0} for a in AUDITS}
    one_sided = []
    for site in load_corpus(args.pages_dir, args.site):
        lh_file = args.out_dir / f"{site['name']}.json"
        if not lh_file.is_file():
            sys.exit(f"error: {lh_file} is missing: run `layout_lighthouse.py run` first")
        lh = json.loads(lh_file.read_text())
        desktop_file = args.out_dir / f"{site['name']}-desktop.json"
        lh_desktop = json.loads(desktop_file.read_text()) if desktop_file.is_file() else {"pages": []}
        pages = [p["page"] for p in lh["pages"] if p["error"] is None]
        try:
            findings = webaudit_findings(args.webaudit, args.pages_dir / site["dir"])
        except (RuntimeError, subprocess.TimeoutExpired, json.JSONDecodeError) as err:
            sys.exit(f"error: {site['name']}: {err}")
        for audit_id, rule in AUDITS.items():
            lh_items = {}
            runs = [(p, "mobile") for p in lh["pages"]]
            if audit_id in ("uses-responsive-images", "lcp-lazy-loaded", "lcp-discovery-insight"):
                runs += [(p, "desktop") for p in lh_desktop["pages"] if p["page"] in pages]
            for p, profile in runs:
                if p["error"] is not None or audit_id not in p["audits"]:
                    continue
                audit = p["audits"][audit_id]
                # An insight lists its checklist whether it passes or not: only a failed one
                # (a check false) is a finding.
                if audit_id == "lcp-discovery-insight" and not any(
                        v is False for it in audit["items"] for v in it.get("checklist", {}).values()):
                    continue
                # lcp-lazy-loaded lists the LCP element whether or not it is lazy: only a
                # failed audit (score 0) is a finding. The byte-efficiency audits list only
                # images over their savings threshold, each a finding whatever the score.
                if audit_id == "lcp-lazy-loaded" and audit["score"] != 0:
                    continue
                for it in audit["items"]:
                    key = (p["page"], site_path(it["url"], p["page"]))
                    if key in lh_items:
                        lh_items[key]["profiles"].append(profile)
                    else:
                        lh_items[key] = dict(it, profiles=[profile])
            wa_items = {}
            for f in findings:
                if f["rule"] != rule and f["rule"] not in ALSO_MATCHES.get(audit_id, ()):
                    continue
                if f["path"] in pages:
                    if f.get("subject"):
                        image = site_path(f["subject"], "")
                    else:
                        m = SRC_IN_MESSAGE.search(f["message"])
                        image = site_path(html.unescape(m.group(1)), f["path"]) if m else None
                    wa_items[(f["path"], image)] = f
                elif f["path"] and not f["path"].endswith((".html", ".htm")):
                    # Placed on the image file: it counts wherever Lighthouse saw that image,
                    # else once, on its own.
                    image = f.get("subject") or f["path"]
                    shown_on = [page for (page, img) in lh_items if img == image]
                    for page in shown_on or [None]:
                        wa_items[(page, image)] = f
            # Lighthouse shortens long attribute values in a node's snippet ("…"): such an
            # item is webaudit's item on the same page whose image starts the same way.
            for key in [k for k in lh_items if k[1] and "…" in k[1]]:
                prefix = key[1].split("…", 1)[0]
                match = next((w for w in wa_items if w[0] == key[0] and w[1] and w[1].startswith(prefix)), None)
                if match is not None and match not in lh_items:
                    lh_items[match] = lh_items.pop(key)
            for key in sorted(set(lh_items) | set(wa_items), key=lambda k: (str(k[0]), str(k[1]))):
                if key in lh_items and key in wa_items:
                    table[audit_id]["both"] += 1
                    continue
                side = "lighthouse" if key in lh_items else "webaudit"
                table[audit_id][side] += 1
                if side == "webaudit":
                    detail = wa_items[key]["message"]
                elif "checklist" in lh_items[key]:
                    failed = [k for k, v in lh_items[key]["checklist"].items() if v is False]
                    detail = f"failed {', '.join(failed)} ({'+'.join(lh_items[key]['profiles'])}): {lh_items[key].get('snippet')}"
                else:
                    detail = f"wasted {lh_items[key].get('wasted_bytes')} B of {lh_items[key].get('total_bytes')} B ({'+'.join(lh_items[key]['profiles'])})"
                one_sided.append({"audit": audit_id, "rule": rule, "side": side, "site": site["name"],
                                  "page": key[0], "image": key[1], "detail": detail,
                                  "context": context(args, site, key[0], key[1])})

    print("| Lighthouse audit | webaudit rule | both | Lighthouse only | webaudit only |")
    print("| --- | --- | ---: | ---: | ---: |")
    for audit_id, rule in AUDITS.items():
        t = table[audit_id]
        print(f"| `{audit_id}` | `{rule}` | {t['both']} | {t['lighthouse']} | {t['webaudit']} |")
    causes = {}
    for o in one_sided:
        if o["audit"] == "offscreen-images" and o["side"] == "webaudit":
            o["cause"] = offscreen_cause(args, next(s for s in load_corpus(args.pages_dir, None) if s["name"] == o["site"]),
                                         o["page"], o["image"])
            causes[o["cause"]] = causes.get(o["cause"], 0) + 1
    if causes:
        print()
        print("offscreen-images, webaudit only, by cause:")
        print()
        print("| cause | items |")
        print("| --- | ---: |")
        for cause, n in sorted(causes.items(), key=lambda c: -c[1]):
            print(f"| {cause} | {n} |")
    print()
    print(f"{len(one_sided)} one-sided items:")
    for o in one_sided:
        cause = f" (cause: {o['cause']})" if o.get("cause") else ""
        print(f"- {o['audit']} [{o['side']} only] {o['site']}/{o['page']}: {o['image']}: {o['detail']} [{o['context']}]{cause}")
    (args.out_dir / "compare.json").write_text(json.dumps(
        {"webaudit": args.webaudit, "table": table, "one_sided": one_sided}, indent=1) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages-dir", type=Path, default=PAGES_DIR, help="the corpus (layout-pages.sh OUT_DIR)")
    parser.add_argument("--out-dir", type=Path, default=LIGHTHOUSE_DIR, help="where Lighthouse's items are kept")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run Lighthouse on the corpus")
    run.add_argument("--site", action="append", help="only this site (repeatable)")
    run.add_argument("--preset", choices=["desktop"], help="Lighthouse's desktop profile (uses-responsive-images only)")
    cmp_ = sub.add_parser("compare", help="match Lighthouse's items with webaudit's findings")
    cmp_.add_argument("--webaudit", required=True, help="the webaudit binary to compare")
    cmp_.add_argument("--site", action="append", help="only this site (repeatable)")
    args = parser.parse_args()
    {"run": cmd_run, "compare": cmd_compare}[args.command](args)


if __name__ == "__main__":
    main()
