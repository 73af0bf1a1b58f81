#!/usr/bin/env node
// Opens webaudit's HTML report in headless Chromium and says what happened.
//
// usage: node open_report.js REPORT.html OUT_FOLDER [WIDTHxHEIGHT] [light|dark] [SELECTOR] [STEPS]
//
// Loads the file through its file:// URL in Debian's Chromium (`$CHROMIUM`, default
// `chromium`) driven over the DevTools protocol (a pipe: no WebSocket client, no npm package),
// waits until the page says it has drawn itself (`<html data-ready>`), clicks the first element
// SELECTOR matches when one is given, and prints JSON:
//   requests:  every URL the page asked for (Network.requestWillBeSent), the file itself included
//   console:   console calls, uncaught exceptions and browser log entries (CSP violations,
//              failed loads), each {level, text}
//   ready:     the page's own state ("true", or "failed" when it could not read its data)
//   tiles:     every treemap rectangle {kind, chunk, name, changed, x, y, width, height}
//   overflow:  whether the page is wider than the window (a phone would scroll sideways)
//   text:      the page's visible text
//   scripts:   how many <script> elements the document has
//   injected:  whether `window.__webaudit_injected` was set (a test file name tries to)
//   why:       the import sites the treemap shows for the zoomed-in package, each
//              {source, line, text}
//   findings:  how many findings the findings list shows (not hidden by the filter)
// and saves a screenshot of the whole page as OUT_FOLDER/report.png.
//
// STEPS is a JSON list of things a person does, in order, after SELECTOR's click:
//   {"click": SELECTOR}                     clicks the first element SELECTOR matches
//   {"press": SELECTOR, "key": "Enter"}     focuses it and presses the key (real key events)
//   {"type": SELECTOR, "text": "lodash"}    focuses it, selects what it holds and types the text
//   {"probe": NAME}                         takes the probe above, printed under steps.NAME
"use strict";

const fs = require("fs");
const os = require("os");
const path = require("path");
const { pathToFileURL } = require("url");
const { spawn } = require("child_process");

const [report, outFolder, size = "1280x900", scheme = "light", selector, stepsJson = "[]"] = process.argv.slice(2);
const steps = JSON.parse(stepsJson);
if (!report || !outFolder) {
  console.error("usage: open_report.js REPORT.html OUT_FOLDER [WIDTHxHEIGHT]");
  process.exit(2);
}
const [width, height] = size.split("x").map(Number);
const TIMEOUT_MS = 60_000;
setTimeout(() => {
  console.error("timed out");
  process.exit(1);
}, TIMEOUT_MS).unref();

const PROBE = `(() => {
  const tiles = [...document.querySelectorAll(".tile")].map((t) => {
    const r = t.getBoundingClientRect();
    return { kind: t.dataset.kind, chunk: t.dataset.chunk, name: t.dataset.name,
             changed: t.classList.contains("changed"), dim: t.classList.contains("dim"),
             x: r.x, y: r.y, width: r.width, height: r.height };
  });
  return {
    ready: document.documentElement.dataset.ready || null,
    tiles,
    text: document.body.innerText,
    scripts: document.querySelectorAll("script").length,
    overflow: document.documentElement.scrollWidth > window.innerWidth,
    injected: window.__webaudit_injected === true,
    why: [...document.querySelectorAll(".why li")].map((li) => ({
      source: li.dataset.source, line: Number(li.dataset.line), text: li.innerText })),
    findings: [...document.querySelectorAll(".finding")].filter((f) => !f.classList.contains("hidden")).length,
  };
})()`;

async function main() {
  const url = pathToFileURL(path.resolve(report)).href;
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "webaudit-report-chromium-"));
  const browser = spawn(
    process.env.CHROMIUM || "chromium",
    [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-extensions",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--remote-debugging-pipe",
      `--user-data-dir=${profile}`,
      "about:blank",
    ],
    { stdio: ["ignore", "ignore", "ignore", "pipe", "pipe"] },
  );
  browser.once("error", (error) => {
    console.error(`cannot start Chromium (${process.env.CHROMIUM || "chromium"}): ${error.message}`);
    fs.rmSync(profile, { recursive: true, force: true });
    process.exit(1);
  });
  try {
    let nextId = 1;
    const pending = new Map();
    let sessionId;
    const requests = [];
    const consoleMessages = [];
    const onMessage = (data) => {
      if (data.id && pending.has(data.id)) {
        pending.get(data.id)(data);
        pending.delete(data.id);
        return;
      }
      if (data.sessionId !== sessionId) return;
      const p = data.params;
      if (data.method === "Network.requestWillBeSent") {
        requests.push(p.request.url);
      } else if (data.method === "Runtime.consoleAPICalled") {
        const text = p.args.map((a) => (a.value !== undefined ? String(a.value) : a.description || a.type)).join(" ");
        consoleMessages.push({ level: p.type, text });
      } else if (data.method === "Runtime.exceptionThrown") {
        const d = p.exceptionDetails;
        consoleMessages.push({ level: "exception", text: (d.exception && d.exception.description) || d.text });
      } else if (data.method === "Log.entryAdded") {
        consoleMessages.push({ level: p.entry.level, text: `${p.entry.source}: ${p.entry.text}` });
      }
    };
    let buffered = Buffer.alloc(0);
    browser.stdio[4].on("data", (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      let end;
      while ((end = buffered.indexOf(0)) !== -1) {
        onMessage(JSON.parse(buffered.subarray(0, end).toString("utf8")));
        buffered = buffered.subarray(end + 1);
      }
    });
    const send = (method, params = {}, inSession = true) =>
      new Promise((resolve, reject) => {
        const id = nextId++;
        pending.set(id, (reply) => (reply.error ? reject(new Error(`${method}: ${reply.error.message}`)) : resolve(reply.result)));
        const message = { id, method, params };
        if (inSession) message.sessionId = sessionId;
        browser.stdio[3].write(JSON.stringify(message) + "\0");
      });
    const evaluate = async (expression) => {
      const reply = await send("Runtime.evaluate", { expression, returnByValue: true, awaitPromise: true });
      if (reply.exceptionDetails) throw new Error(`${expression}: ${reply.exceptionDetails.text}`);
      return reply.result.value;
    };

    const { targetId } = await send("Target.createTarget", { url: "about:blank" }, false);
    ({ sessionId } = await send("Target.attachToTarget", { targetId, flatten: true }, false));
    await send("Emulation.setDeviceMetricsOverride", { width, height, deviceScaleFactor: 1, mobile: width < 700 });
    await send("Emulation.setEmulatedMedia", { features: [{ name: "prefers-color-scheme", value: scheme }] });
    await send("Page.enable");
    await send("Runtime.enable");
    await send("Log.enable");
    await send("Network.enable");
    await send("Page.navigate", { url });
    let ready = null;
    while (!ready) {
      await new Promise((r) => setTimeout(r, 50));
      ready = await evaluate("document.readyState === 'complete' && document.documentElement.dataset.ready || null");
    }
    if (selector) {
      const clicked = await evaluate(`(() => { const e = document.querySelector(${JSON.stringify(selector)}); if (!e) return false; e.click(); return true; })()`);
      if (!clicked) throw new Error(`nothing matches ${selector}`);
    }
    const probes = {};
    const focus = async (target) => {
      const found = await evaluate(`(() => { const e = document.querySelector(${JSON.stringify(target)}); if (!e) return false; e.focus(); return true; })()`);
      if (!found) throw new Error(`nothing matches ${target}`);
    };
    for (const step of steps) {
      if (step.click) {
        const clicked = await evaluate(`(() => { const e = document.querySelector(${JSON.stringify(step.click)}); if (!e) return false; e.click(); return true; })()`);
        if (!clicked) throw new Error(`nothing matches ${step.click}`);
      } else if (step.press) {
        await focus(step.press);
        const code = { Enter: 13, " ": 32, Escape: 27 }[step.key] || 0;
        const text = step.key === "Enter" ? "\r" : step.key === " " ? " " : undefined;
        await send("Input.dispatchKeyEvent", { type: "keyDown", key: step.key, code: step.key === " " ? "Space" : step.key, windowsVirtualKeyCode: code, text });
        await send("Input.dispatchKeyEvent", { type: "keyUp", key: step.key, code: step.key === " " ? "Space" : step.key, windowsVirtualKeyCode: code });
      } else if (step.type) {
        await focus(step.type);
        await evaluate(`document.activeElement.select && document.activeElement.select()`);
        await send("Input.insertText", { text: step.text });
      } else if (step.probe) {
        await new Promise((r) => setTimeout(r, 100));
        probes[step.probe] = await evaluate(PROBE);
      } else {
        throw new Error(`unknown step ${JSON.stringify(step)}`);
      }
    }
    // Let anything the drawing started (late requests, errors) arrive.
    await new Promise((r) => setTimeout(r, 300));
    const probe = await evaluate(PROBE);
    const { contentSize } = await send("Page.getLayoutMetrics");
    const shot = await send("Page.captureScreenshot", {
      format: "png",
      captureBeyondViewport: true,
      clip: { x: 0, y: 0, width, height: Math.min(Math.ceil(contentSize.height), 8000), scale: 1 },
    });
    fs.mkdirSync(outFolder, { recursive: true });
    fs.writeFileSync(path.join(outFolder, "report.png"), Buffer.from(shot.data, "base64"));
    process.stdout.write(JSON.stringify({ url, requests, console: consoleMessages, ...probe, steps: probes }));
  } finally {
    if (browser.exitCode === null && browser.signalCode === null) {
      await new Promise((resolve) => {
        browser.once("exit", resolve);
        browser.kill();
      });
    }
    try {
      fs.rmSync(profile, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
    } catch (error) {
      process.stderr.write(`note: could not remove ${profile}: ${error.message}\n`);
    }
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error.stack || String(error));
    process.exit(1);
  },
);
