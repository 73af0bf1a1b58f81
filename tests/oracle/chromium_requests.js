#!/usr/bin/env node
// Independent oracle for a page's entry graph: what a real browser requests.
//
// usage: node chromium_requests.js FOLDER PAGE [SELECTOR]
//
// Serves FOLDER over HTTP on 127.0.0.1 (Node's http module, the folder as the site root),
// opens PAGE in headless Chromium (`$CHROMIUM`, default `chromium`, Debian's package; a
// folder's index.html at the folder's URL) and
// records, through the DevTools protocol, every script and stylesheet the browser requests:
// during the first load (until the load event and half a second without a request in flight),
// and, when SELECTOR is given, after clicking the element it selects (what the page loads on
// demand). Prints {"initial": [...], "after_click": [...]}: paths relative to FOLDER, sorted.
// The browser cache is off, so every file of the load is requested. Shares no code with
// webaudit.
//
// ORACLE_TYPES (comma-separated DevTools resource types, default "Script,Stylesheet") chooses
// what is recorded: "Font" records each font request (one line per request, so a file
// downloaded twice is listed twice in "font_requests").
"use strict";

const fs = require("fs");
const http = require("http");
const os = require("os");
const path = require("path");
const { spawn } = require("child_process");

const [folder, page, selector] = process.argv.slice(2);
if (!folder || !page) {
  console.error("usage: chromium_requests.js FOLDER PAGE [SELECTOR]");
  process.exit(2);
}
const TIMEOUT_MS = 60_000;
const QUIET_MS = 500;
setTimeout(() => {
  console.error("timed out");
  process.exit(1);
}, TIMEOUT_MS).unref();

const CONTENT_TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".css": "text/css",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".woff2": "font/woff2",
  ".woff": "font/woff",
  ".ico": "image/x-icon",
};
const TYPES = (process.env.ORACLE_TYPES || "Script,Stylesheet").split(",");

function serve(root) {
  const server = http.createServer((request, response) => {
    const pathname = decodeURIComponent(new URL(request.url, "http://x").pathname);
    let file = path.join(root, path.normalize(pathname));
    // A folder's URL answers with its index.html, as static servers do.
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, "index.html");
    if (!file.startsWith(path.resolve(root)) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, {
      "content-type": CONTENT_TYPES[path.extname(file)] || "application/octet-stream",
    });
    fs.createReadStream(file).pipe(response);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

async function main() {
  const root = path.resolve(folder);
  const server = await serve(root);
  const origin = `http://127.0.0.1:${server.address().port}`;
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "webaudit-chromium-"));
  // The DevTools protocol over a pipe (fd 3: commands in, fd 4: messages out, each ended by
  // a NUL byte): no WebSocket client needed, so any Node version will do.
  const browser = spawn(
    process.env.CHROMIUM || "chromium",
    [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-extensions",
      "--disable-background-networking",
      "--remote-debugging-pipe",
      `--user-data-dir=${profile}`,
      "about:blank",
    ],
    { stdio: ["ignore", "ignore", "ignore", "pipe", "pipe"] },
  );
  browser.once("error", (error) => {
    console.error(`cannot start Chromium (${process.env.CHROMIUM || "chromium"}): ${error.message}`);
    server.close();
    fs.rmSync(profile, { recursive: true, force: true });
    process.exit(1);
  });
  try {
    let nextId = 1;
    const pending = new Map();
    const inFlight = new Set();
    let lastActivity = Date.now();
    let loaded = false;
    let sessionId;
    const requested = [];
    const fontRequests = [];
    const onMessage = (data) => {
      if (data.id && pending.has(data.id)) {
        pending.get(data.id)(data);
        pending.delete(data.id);
        return;
      }
      if (data.sessionId !== sessionId) return;
      if (data.method === "Network.requestWillBeSent") {
        inFlight.add(data.params.requestId);
        lastActivity = Date.now();
        const type = data.params.type;
        const url = new URL(data.params.request.url);
        if (TYPES.includes(type) && url.origin === origin) {
          const file = decodeURIComponent(url.pathname).replace(/^\//, "");
          requested.push(file);
          if (type === "Font") fontRequests.push(file);
        }
      } else if (data.method === "Network.loadingFinished" || data.method === "Network.loadingFailed") {
        inFlight.delete(data.params.requestId);
        lastActivity = Date.now();
      } else if (data.method === "Page.loadEventFired") {
        loaded = true;
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
    const settle = async () => {
      while (!loaded || inFlight.size > 0 || Date.now() - lastActivity < QUIET_MS) {
        await new Promise((r) => setTimeout(r, 50));
      }
    };

    const { targetId } = await send("Target.createTarget", { url: "about:blank" }, false);
    ({ sessionId } = await send("Target.attachToTarget", { targetId, flatten: true }, false));
    await send("Page.enable");
    await send("Network.enable");
    await send("Network.setCacheDisabled", { cacheDisabled: true });
    // A folder's index.html is opened at the folder's URL (`/`, `/about/`), as a visitor does:
    // client-side routers read the route from it.
    const url = page === "index.html" || page.endsWith("/index.html") ? page.slice(0, -"index.html".length) : page;
    await send("Page.navigate", { url: `${origin}/${url}` });
    await settle();
    const initial = [...new Set(requested)].sort();
    let afterClick = [];
    if (selector) {
      const before = requested.length;
      const clicked = await send("Runtime.evaluate", {
        expression: `(() => { const e = document.querySelector(${JSON.stringify(selector)}); if (!e) return false; e.click(); return true; })()`,
        returnByValue: true,
      });
      if (!clicked.result || clicked.result.value !== true) {
        throw new Error(`nothing matches ${selector}`);
      }
      lastActivity = Date.now();
      await settle();
      afterClick = [...new Set(requested.slice(before))].filter((p) => !initial.includes(p)).sort();
    }
    const result = { initial, after_click: afterClick };
    if (TYPES.includes("Font")) result.font_requests = fontRequests.sort();
    process.stdout.write(JSON.stringify(result));
  } finally {
    // The profile is removed once the browser has exited and stopped writing to it.
    if (browser.exitCode === null && browser.signalCode === null) {
      await new Promise((resolve) => {
        browser.once("exit", resolve);
        browser.kill();
      });
    }
    server.close();
    // Chromium's helper processes may still be writing for a moment after it exits: retry,
    // and never let the clean-up of a temporary profile fail the measurement.
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
