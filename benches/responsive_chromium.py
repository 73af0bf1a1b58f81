#!/usr/bin/env python3
"""Which file headless Chromium shows for each `<img>` after `webaudit optimize --responsive
--rewrite-html`, against what `webaudit layout` says it picks, on the layout fixture pages.

    python3 benches/responsive_chromium.py

A copy of fixtures/layout is rewritten (`--copies-only`), then each page is loaded in Chromium
at Lighthouse's mobile emulation (412×823 at 1.75, mobile) with the same bundled fonts as
fixtures/layout/chromium-boxes.py (whose DevTools driver is reused), and every `<img>`'s
`currentSrc` is compared with the `current_src` of webaudit's mobile layout of the same copy.
Images not loaded yet (lazy, below the fold) have no `currentSrc` and are skipped. Prints one
line per image and the agreement.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WEBAUDIT = REPO / "target/release/webaudit"
FIXTURE = REPO / "fixtures/layout"
DRIVER = FIXTURE / "chromium-boxes.py"
PAGES = ["tall.html", "grid.html", "aspect.html", "responsive.html", "hero-bg.html"]

# The driver script runs its own main() when executed; everything before that call is taken.
driver = {"__file__": str(DRIVER), "__name__": "chromium_boxes"}
exec(compile(DRIVER.read_text().rsplit("\nmain()", 1)[0], str(DRIVER), "exec"), driver)

PROBE = """(() => Array.from(document.querySelectorAll('img'), (img) => ({
  src: img.getAttribute('src'), current: img.currentSrc, width: img.getBoundingClientRect().width })))()"""


def main():
    work = Path(tempfile.mkdtemp(prefix="webaudit-responsive-"))
    site = work / "site"
    shutil.copytree(FIXTURE, site)
    subprocess.run([WEBAUDIT, "optimize", site, "--responsive", "--rewrite-html", "--copies-only", "--quiet"],
                   check=True, stdout=subprocess.DEVNULL)
    laid_out = json.loads(subprocess.run([WEBAUDIT, "layout", site, "--format", "json"],
                                         capture_output=True, check=True).stdout)
    conf = work / "fonts.conf"
    conf.write_text(driver["FONTS_CONF"].format(fonts=driver["FONTS"], cache=work / "fc-cache"))
    env = dict(os.environ, FONTCONFIG_FILE=str(conf))
    browser = driver["Browser"](env, str(work / "profile"))
    agree = compared = 0
    for page in PAGES:
        mobile = next(v for p in laid_out["pages"] if p["page"] == page for v in p["viewports"] if v["name"] == "mobile")
        ours = [e for e in mobile["elements"] if e["kind"] == "img"]
        target = browser.call("Target.createTarget", url="about:blank")["targetId"]
        session = browser.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        browser.call("Emulation.setDeviceMetricsOverride", session, width=412, height=823,
                     deviceScaleFactor=1.75, mobile=True)
        browser.call("Page.enable", session)
        browser.call("Page.navigate", session, url=(site / page).as_uri())
        browser.wait_event("Page.loadEventFired", session)
        images = browser.call("Runtime.evaluate", session, expression=PROBE, returnByValue=True)["result"]["value"]
        browser.call("Target.closeTarget", targetId=target)
        for index, image in enumerate(images):
            if not image["current"] or index >= len(ours):
                continue
            chromium = os.path.relpath(image["current"].removeprefix("file://"), site)
            webaudit = ours[index].get("current_file")
            compared += 1
            agree += chromium == webaudit
            mark = "=" if chromium == webaudit else "≠"
            print(f"{page} img {index}: chromium {chromium} {mark} webaudit {webaudit} ({image['width']:.0f} css px)")
    browser.close()
    shutil.rmtree(work)
    print(f"\n{agree}/{compared} currentSrc agree")
    sys.exit(0 if agree == compared else 1)


main()
