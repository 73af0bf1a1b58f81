// Lays out pages in Debian's headless Chromium and prints, per page and viewport, the box of
// every <img>, <iframe> and <video> in the shape of `webaudit layout --format json`.
// Driven by benches/layout_oracle.py (which serves the site on 127.0.0.1 and sets
// FONTCONFIG_FILE to the bundled Liberation fonts); not meant to be run by hand.
//
// usage: node chromium-boxes.mjs BASE_URL PAGES_JSON_FILE   (PAGES_JSON_FILE: ["a/index.html", ...])
//
// - Only 127.0.0.1 is reached: every other request is aborted (and counted per page), and
//   Chromium gets a dead proxy for anything that slips past interception.
// - Pages run without their scripts (ORACLE_SCRIPTS=1 runs them), so the DOM measured is the
//   HTML as shipped, as webaudit lays it out. Every image is loaded before measuring, because
//   webaudit gives each image its intrinsic size from the file whatever its `loading`: with
//   scripting off Chromium does not lazy-load, so the load event waits for every image; with
//   scripts on, the page is scrolled to the bottom in viewport steps and back to the top first.
import fs from "node:fs";
import puppeteer from "puppeteer-core";

const [baseUrl, pagesFile] = process.argv.slice(2);
if (!baseUrl || !pagesFile) {
  console.error("usage: node chromium-boxes.mjs BASE_URL PAGES_JSON_FILE");
  process.exit(2);
}
const pages = JSON.parse(fs.readFileSync(pagesFile, "utf8"));
const allowedOrigin = new URL(baseUrl).origin;

// Lighthouse's mobile and desktop screen emulation (the viewports the issue names).
const VIEWPORTS = [
  { name: "mobile", width: 412, height: 823, scale: 1.75, isMobile: true, hasTouch: true },
  { name: "desktop", width: 1350, height: 940, scale: 1.0, isMobile: false, hasTouch: false },
];
// Caps so one broken page cannot hang the run.
const NAV_TIMEOUT_MS = 30000;
const IMAGE_WAIT_MS = 10000;
const MAX_SCROLL_STEPS = 200;
// ORACLE_SCRIPTS=1 runs the pages' scripts (what a visitor sees; not comparable index by index).
const WITH_SCRIPTS = process.env.ORACLE_SCRIPTS === "1";

const browser = await puppeteer.launch({
  executablePath: process.env.CHROME_PATH || "/usr/bin/chromium",
  headless: true,
  args: [
    "--no-sandbox",
    "--proxy-server=http://127.0.0.1:9",
    "--proxy-bypass-list=127.0.0.1",
    "--disable-background-networking",
    "--font-render-hinting=none",
  ],
});

async function measure(page, vp) {
  if (WITH_SCRIPTS) {
    // Bring every lazy image in (scroll to the bottom in viewport steps), let images settle.
    for (let step = 0; step < MAX_SCROLL_STEPS; step++) {
      const before = await page.evaluate(() => window.scrollY);
      await page.evaluate((h) => window.scrollBy(0, h), vp.height);
      await new Promise((r) => setTimeout(r, 50));
      if ((await page.evaluate(() => window.scrollY)) === before) break;
    }
    const deadline = Date.now() + IMAGE_WAIT_MS;
    while (Date.now() < deadline && (await page.evaluate(() => [...document.images].some((i) => !i.complete)))) {
      await new Promise((r) => setTimeout(r, 50));
    }
    await page.evaluate(() => window.scrollTo(0, 0));
    await new Promise((r) => setTimeout(r, 100));
  }
  if (!WITH_SCRIPTS) {
    // With scripting off Chromium renders <noscript> content; a visitor's browser (scripting
    // on) and webaudit parse it as text. Remove it so the layout is the scripting-on one.
    await page.evaluate(() => document.querySelectorAll("noscript").forEach((n) => n.remove()));
  }
  // Synchronous on purpose: with scripting disabled the page's timers never fire.
  return page.evaluate(() => {
    const scrollX = window.scrollX, scrollY = window.scrollY;
    // The first screen in CSS px as the page is shown: a page without <meta name="viewport">
    // is laid out 980 px wide on a mobile browser and zoomed out to fit, so its first screen
    // is 980 x 1958 CSS px at 412 x 823 (Lighthouse also takes innerWidth/innerHeight).
    const vp = { width: window.innerWidth, height: window.innerHeight };
    const elements = [];
    for (const kind of ["img", "iframe", "video"]) {
      let index = 0;
      for (const el of document.querySelectorAll(kind)) {
        const r = el.getBoundingClientRect();
        const x = r.left + scrollX, y = r.top + scrollY;
        const visible = r.width > 0 && r.height > 0 && y < vp.height && y + r.height > 0 &&
          x < vp.width && x + r.width > 0;
        elements.push({
          kind, index: index++, src: el.getAttribute("src"),
          x, y, width: r.width, height: r.height,
          in_first_viewport: visible,
          below_fold_px: Math.max(0, y - vp.height),
          natural_width: el.naturalWidth ?? null, natural_height: el.naturalHeight ?? null,
          current_src: el.currentSrc ?? null,
        });
      }
    }
    const page_height = Math.max(document.documentElement.scrollHeight, document.body ? document.body.scrollHeight : 0);
    return { layout_width: vp.width, layout_height: vp.height, page_height, elements };
  });
}

// The font files Chromium actually rendered the first <p>'s text with: proof that only the bundled
// Liberation fonts were visible to it (FONTCONFIG_FILE).
async function bodyFonts(page) {
  const cdp = await page.createCDPSession();
  try {
    await cdp.send("DOM.enable");
    await cdp.send("CSS.enable");
    const { root } = await cdp.send("DOM.getDocument");
    const { nodeId } = await cdp.send("DOM.querySelector", { nodeId: root.nodeId, selector: "p" });
    if (!nodeId) return [];
    const { fonts } = await cdp.send("CSS.getPlatformFontsForNode", { nodeId });
    return fonts.map((f) => f.familyName);
  } catch {
    return [];
  } finally {
    await cdp.detach();
  }
}

// Chromium's largest contentful paint for the page as loaded: the last LCP entry the
// performance timeline reports over the DevTools protocol (it works with page scripts off,
// where a PerformanceObserver's callback would never run). The element is described by its
// tag and `src`; `url` is the image's (empty for text). With page scripts on, a lazy loader
// sets images after the DOM is parsed and they arrive after `load`: wait longer for them.
const LCP_SETTLE_MS = WITH_SCRIPTS ? 2000 : 500;
async function largestPaint(page) {
  const cdp = await page.createCDPSession();
  try {
    const events = [];
    cdp.on("PerformanceTimeline.timelineEventAdded", (e) => events.push(e.event));
    await cdp.send("PerformanceTimeline.enable", { eventTypes: ["largest-contentful-paint"] });
    await new Promise((r) => setTimeout(r, LCP_SETTLE_MS));
    const last = events.filter((e) => e.lcpDetails).at(-1);
    if (!last) return null;
    const details = last.lcpDetails;
    let tag = null, src = null;
    if (details.nodeId) {
      const { node } = await cdp.send("DOM.describeNode", { backendNodeId: details.nodeId });
      tag = node.localName || node.nodeName.toLowerCase();
      const attributes = node.attributes || [];
      for (let i = 0; i + 1 < attributes.length; i += 2) if (attributes[i] === "src") src = attributes[i + 1];
    }
    return { tag, src, url: details.url || null, size: details.size };
  } catch (err) {
    return { error: err.message };
  } finally {
    await cdp.detach();
  }
}

const out = { scripts: WITH_SCRIPTS, pages: [] };
for (const pagePath of pages) {
  const entry = { page: pagePath, status: "laid-out", note: null, blocked_requests: [], viewports: [] };
  for (const vp of VIEWPORTS) {
    const ctx = await browser.createBrowserContext();
    const page = await ctx.newPage();
    try {
      // The HTML and CSS as shipped, which is what webaudit lays out: scripts that rebuild the
      // DOM after load (hydration, mobile menus) would shift the n-th-image matching, and with
      // scripting off Chromium loads every image eagerly (no lazy loading without scripts).
      if (!WITH_SCRIPTS) await page.setJavaScriptEnabled(false);
      await page.setRequestInterception(true);
      page.on("request", (req) => {
        const url = req.url();
        if (url.startsWith("data:") || url.startsWith("blob:") || url.startsWith(allowedOrigin + "/")) {
          req.continue();
        } else {
          if (!entry.blocked_requests.includes(url)) entry.blocked_requests.push(url);
          req.abort("blockedbyclient");
        }
      });
      await page.setViewport({
        width: vp.width, height: vp.height, deviceScaleFactor: vp.scale,
        isMobile: vp.isMobile, hasTouch: vp.hasTouch,
      });
      const url = allowedOrigin + "/" + pagePath.split("/").map(encodeURIComponent).join("/");
      await page.goto(url, { waitUntil: "load", timeout: NAV_TIMEOUT_MS });
      const lcp = await largestPaint(page);
      const m = await measure(page, vp);
      entry.viewports.push({ name: vp.name, width: vp.width, height: vp.height, scale: vp.scale, ...m, lcp });
      if (vp.name === "mobile") entry.body_fonts = await bodyFonts(page);
    } catch (err) {
      entry.status = "error";
      entry.note = `${vp.name}: ${err.message}`;
    } finally {
      await ctx.close();
    }
  }
  out.pages.push(entry);
}
await browser.close();
process.stdout.write(JSON.stringify(out, null, 1) + "\n");
