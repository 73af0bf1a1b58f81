// webaudit's HTML report: draws the embedded JSON report (the same document as
// `--format json`). Everything here only displays what the report says; no figure is measured
// here. Names and messages are data: they reach the page only as text nodes (`textContent`,
// `createTextNode`) or attribute values, never as markup.
"use strict";

(function () {
  const PROFILES = { slow3g: "slow 3G", mobile: "mobile (4G)", desktop: "desktop" };
  const SEVERITY_RANK = { error: 3, warning: 2, info: 1 };
  const OWN_CODE = "[own code]";
  const UNMAPPED = "unmapped bytes";
  const NO_MAP = "no source map";

  // ---- small DOM helpers: strings become text nodes, never HTML ----
  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (name === "class") node.className = value;
      else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    append(node, children);
    return node;
  }
  function append(node, children) {
    for (const child of children.flat(Infinity)) {
      if (child === undefined || child === null || child === false) continue;
      node.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }
  function bytes(n) {
    if (n === null || n === undefined) return "–";
    const abs = Math.abs(n);
    if (abs < 1000) return `${n} B`;
    if (abs < 1e6) return `${(n / 1000).toFixed(abs < 1e4 ? 2 : 1)} kB`;
    return `${(n / 1e6).toFixed(2)} MB`;
  }
  function signed(n) {
    return n > 0 ? `+${bytes(n)}` : n < 0 ? `−${bytes(-n)}` : "±0 B";
  }
  function percent(part, whole) {
    return whole > 0 ? `${((100 * part) / whole).toFixed(1)}%` : "–";
  }
  function seconds(s) {
    return s < 1 ? `${Math.round(s * 1000)} ms` : `${s.toFixed(2)} s`;
  }
  function table(headers, rows, numeric) {
    const head = el("tr", null, headers.map((h, i) => el("th", { class: numeric && numeric[i] ? "num" : null, scope: "col" }, h)));
    return el("div", { class: "table-wrap" }, el("table", null, el("thead", null, head), el("tbody", null, rows)));
  }
  function cell(content, className) {
    return el("td", { class: className }, content);
  }

  // ---- loading: plain JSON, or gzip + base64 for large reports ----
  async function readData(id) {
    const node = document.getElementById(id);
    if (!node) return null;
    if (node.type === "application/json") return JSON.parse(node.textContent);
    const binary = atob(node.textContent.trim());
    const compressed = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) compressed[i] = binary.charCodeAt(i);
    const stream = new Blob([compressed]).stream().pipeThrough(new DecompressionStream("gzip"));
    return JSON.parse(await new Response(stream).text());
  }

  // ---- the filter (search box): every filterable row or tile says what it matches ----
  const filterable = [];
  let query = "";
  function registerFilter(node, ...texts) {
    node.dataset.search = texts.filter(Boolean).join("\n").toLowerCase();
    filterable.push(node);
    return node;
  }
  function applyFilter() {
    for (const node of filterable) {
      const match = !query || node.dataset.search.includes(query);
      node.classList.toggle(node.classList.contains("tile") || node.classList.contains("frame") ? "dim" : "hidden", !match);
    }
  }

  function main(report, rules) {
    const root = document.getElementById("main");
    root.replaceChildren();
    document.getElementById("root-name").textContent = report.root;
    const findingsByPath = new Map();
    for (const finding of report.findings) {
      if (!findingsByPath.has(finding.path)) findingsByPath.set(finding.path, []);
      findingsByPath.get(finding.path).push(finding);
    }
    const sections = [];
    const treemap = Treemap(report, findingsByPath);
    sections.push(["summary", "Summary", Summary(report)]);
    sections.push(["treemap", "Treemap", treemap.section]);
    if (report.baseline) sections.push(["changes", "What changed", Changes(report, treemap)]);
    sections.push(["opportunities", "Opportunities", Opportunities(report, treemap)]);
    sections.push(["findings", "Findings", Findings(report, rules, treemap)]);
    sections.push(["pages", "Pages", Pages(report, treemap)]);
    sections.push(["budgets", "Budgets", Budgets(report)]);
    sections.push(["rules", "Rule documentation", RuleDocs(report, rules)]);
    const nav = document.getElementById("nav");
    for (const [id, title, body] of sections) {
      nav.appendChild(el("a", { href: `#${id}` }, title));
      root.appendChild(el("section", { id, "aria-labelledby": `${id}-title` }, el(id === "summary" ? "h1" : "h2", { id: `${id}-title` }, title), body));
    }
    const input = document.getElementById("filter");
    input.addEventListener("input", () => {
      query = input.value.trim().toLowerCase();
      applyFilter();
    });
    treemap.draw();
    window.addEventListener("resize", () => treemap.draw());
    document.documentElement.dataset.ready = "true";
  }

  function Summary(report) {
    const s = report.summary;
    const all = report.totals.all;
    const profile = PROFILES[report.settings.profile] || report.settings.profile;
    return el("div", null,
      el("div", { class: "cards" },
        el("div", { class: `card ${s.errors ? "error" : "ok"}` }, el("b", null, s.errors), el("small", null, "errors")),
        el("div", { class: `card ${s.warnings ? "warning" : "ok"}` }, el("b", null, s.warnings), el("small", null, "warnings")),
        el("div", { class: "card" }, el("b", null, s.infos), el("small", null, "notes (info)")),
        el("div", { class: "card" }, el("b", null, bytes(all.gzip)), el("small", null, `transferred (gzip), ${all.files} files`)),
        el("div", { class: "card" }, el("b", null, bytes(all.raw)), el("small", null, "on disk")),
        all.brotli !== null ? el("div", { class: "card" }, el("b", null, bytes(all.brotli)), el("small", null, "brotli")) : null,
        el("div", { class: `card ${s.failed ? "error" : "ok"}` }, el("b", null, s.failed ? "fails" : "passes"), el("small", null, `--fail-on ${report.settings.fail_on}`))),
      el("p", { class: "muted" }, `${report.tool.name} ${report.tool.version} · times under the ${profile} profile · `,
        "open this file in any browser: everything it shows is inside it."));
  }

  // ---- the treemap: bundle → package → source file ----
  function buildTree(report) {
    const bundles = [];
    for (const asset of report.assets) {
      if (asset.kind !== "script" && asset.kind !== "stylesheet") continue;
      const sizes = { raw: asset.raw, gzip: asset.gzip ?? asset.raw, brotli: asset.brotli };
      const bundle = { type: "bundle", name: asset.path, path: asset.path, chunk: asset.path, raw: asset.raw, sizes, children: [] };
      const composition = asset.composition;
      if (composition) {
        for (const share of composition.packages) {
          const label = share.version ? `${share.name}@${share.version}` : share.name;
          bundle.children.push({
            type: "package", package: share.name, name: label, detail: share.copy, chunk: asset.path, raw: share.raw,
            importers: share.imported_by || [], importersMore: share.imported_by_more || 0,
            children: (share.sources || []).map((s) => ({ type: "source", name: s.path, chunk: asset.path, package: share.name, raw: s.raw })),
          });
        }
        if (composition.own_code > 0) {
          bundle.children.push({
            type: "package", package: OWN_CODE, name: OWN_CODE, chunk: asset.path, raw: composition.own_code,
            children: (composition.own_code_sources || []).map((s) => ({ type: "source", name: s.path, chunk: asset.path, package: OWN_CODE, raw: s.raw })),
          });
        }
        if (composition.unmapped > 0) {
          bundle.children.push({ type: "unmapped", name: UNMAPPED, chunk: asset.path, raw: composition.unmapped, children: [] });
        }
      } else if (asset.raw > 0) {
        bundle.children.push({ type: "unmapped", name: NO_MAP, chunk: asset.path, raw: asset.raw, children: [] });
      }
      bundles.push(bundle);
    }
    return { type: "root", name: "all bundles", children: bundles, raw: bundles.reduce((t, b) => t + b.raw, 0) };
  }

  // Squarified treemap (Bruls, Huizing, van Wijk): items [{value}], rectangle → [{item, x, y, w, h}].
  function squarify(items, x, y, w, h) {
    const out = [];
    const list = items.filter((i) => i.value > 0).sort((a, b) => b.value - a.value);
    let total = list.reduce((t, i) => t + i.value, 0);
    let start = 0;
    while (start < list.length && w > 0 && h > 0) {
      const short = Math.min(w, h);
      const scale = (w * h) / total;
      let row = [list[start]];
      let rowSum = list[start].value * scale;
      let worst = ratio(row, rowSum, short, scale);
      let end = start + 1;
      while (end < list.length) {
        const candidate = row.concat(list[end]);
        const sum = rowSum + list[end].value * scale;
        const next = ratio(candidate, sum, short, scale);
        if (next > worst) break;
        row = candidate; rowSum = sum; worst = next; end++;
      }
      const thickness = rowSum / short;
      let offset = 0;
      for (const item of row) {
        const length = (item.value * scale) / thickness;
        if (w >= h) out.push({ item, x, y: y + offset, w: thickness, h: length });
        else out.push({ item, x: x + offset, y, w: length, h: thickness });
        offset += length;
      }
      if (w >= h) { x += thickness; w -= thickness; } else { y += thickness; h -= thickness; }
      total -= row.reduce((t, i) => t + i.value, 0);
      start = end;
    }
    return out;
  }
  function ratio(row, sum, short, scale) {
    let max = 0, min = Infinity;
    for (const item of row) { const a = item.value * scale; max = Math.max(max, a); min = Math.min(min, a); }
    const s2 = sum * sum, l2 = short * short;
    return Math.max((l2 * max) / s2, s2 / (l2 * min));
  }

  // A bundle's file name without its folders (the full path is in the title and the info line).
  function shortName(node) {
    return node.type === "bundle" ? node.name.slice(node.name.lastIndexOf("/") + 1) : node.name;
  }

  function hue(name) {
    let h = 2166136261;
    for (let i = 0; i < name.length; i++) { h ^= name.charCodeAt(i); h = Math.imul(h, 16777619); }
    return (h >>> 0) % 360;
  }

  function Treemap(report, findingsByPath) {
    const tree = buildTree(report);
    const hasBrotli = report.assets.some((a) => (a.kind === "script" || a.kind === "stylesheet") && a.brotli !== null);
    const changedPackages = new Map();
    const changedBundles = new Map();
    if (report.baseline) {
      for (const p of report.baseline.packages || []) {
        for (const bundle of p.bundles) changedPackages.set(`${bundle}\n${p.name}`, p.raw_delta);
      }
      for (const a of report.baseline.assets) if (a.change !== "removed" && a.raw_delta) changedBundles.set(a.path, a.raw_delta);
    }
    const state = { path: [tree], measure: "raw", colour: "package" };
    const box = el("div", { class: "tm", role: "group", "aria-label": "Treemap of the bundles" });
    const crumbs = el("nav", { class: "crumbs", "aria-label": "Treemap zoom" });
    const info = el("div", { class: "info", "aria-live": "polite" }, "Point at or focus a rectangle for its sizes; click a bundle's name or a package to zoom in (a package shows the lines that import it), Escape to zoom out.");
    const legend = el("div", { class: "legend" });
    // Why the zoomed-in package is here: the lines of the app's code that import it.
    const why = el("div", { class: "why", "aria-live": "polite" });
    function showWhy(node) {
      if (!node || node.package === OWN_CODE) { why.replaceChildren(); return; }
      const title = el("h3", null, `Why is ${node.package} here?`);
      if (!node.importers.length) {
        why.replaceChildren(title, el("p", { class: "muted" },
          "No line of the app's own sources imports it: another package depends on it, or the importing source is in no source map's sourcesContent."));
        return;
      }
      why.replaceChildren(title, el("p", { class: "muted" }, "Imported by:"),
        el("ul", { class: "sites" }, node.importers.map((site) =>
          el("li", { "data-source": site.source, "data-line": site.line },
            el("code", null, `${site.source}:${site.line}`), " ", el("span", { class: "muted" }, `imports "${site.specifier}"`)))),
        node.importersMore ? el("p", { class: "muted" }, `and ${node.importersMore} more`) : null);
    }
    const segmented = (label, options, key) =>
      el("span", null, `${label} `, el("span", { class: "seg", role: "group", "aria-label": label },
        options.map(([value, text, disabled]) => el("button", {
          type: "button", "aria-pressed": String(state[key] === value), disabled, "data-value": value,
          onclick: (e) => {
            state[key] = value;
            for (const b of e.currentTarget.parentNode.children) b.setAttribute("aria-pressed", String(b === e.currentTarget));
            draw();
          },
        }, text))));
    const controls = el("div", { class: "controls" },
      segmented("Area:", [["raw", "raw bytes"], ["gzip", "gzip share"], ["brotli", "brotli share", !hasBrotli]], "measure"),
      segmented("Colour:", [["package", "by package"], ["finding", "by finding"]], "colour"));
    box.addEventListener("keydown", (e) => {
      if ((e.key === "Escape" || e.key === "Backspace") && state.path.length > 1) {
        e.preventDefault(); state.path.pop(); draw(); focusFirst();
      }
    });

    function focusFirst() {
      const first = box.querySelector("[tabindex='0'], button");
      if (first) first.focus();
    }
    // A node's size under the chosen measure. Compressed sizes are measured per bundle; a
    // package's share of them is its share of the bundle's raw bytes (the report's estimate).
    function value(node, bundle) {
      if (node.type === "root") return node.children.reduce((t, b) => t + value(b, b), 0);
      const b = bundle || node;
      const bundleSize = state.measure === "raw" ? b.sizes.raw : b.sizes[state.measure] ?? b.sizes.raw;
      return b.raw > 0 ? (node.raw * bundleSize) / b.raw : 0;
    }
    function bundleOf(node) {
      return state.path.find((n) => n.type === "bundle") || (node.type === "bundle" ? node : null);
    }
    function worstFinding(path) {
      let worst = 0;
      for (const f of findingsByPath.get(path) || []) worst = Math.max(worst, SEVERITY_RANK[f.severity] || 0);
      return worst;
    }
    function colour(node) {
      if (node.type === "unmapped") return "var(--unmapped)";
      if (state.colour === "finding") {
        const worst = worstFinding(node.chunk);
        return worst === 3 ? "hsl(0 70% 62%)" : worst === 2 ? "hsl(35 85% 60%)" : worst === 1 ? "hsl(215 70% 72%)" : "hsl(140 30% 70%)";
      }
      const name = node.type === "source" ? node.package : node.package || node.name;
      if (name === OWN_CODE) return "var(--own)";
      const lightness = node.type === "source" ? 72 : 66;
      return `hsl(${hue(name)} 58% ${lightness}%)`;
    }
    function describe(node, bundle) {
      const parts = [node.name];
      if (node.detail && node.detail !== node.name) parts.push(` (${node.detail})`);
      parts.push(` — ${bytes(node.raw)} raw`);
      if (bundle && node !== bundle) {
        parts.push(`, ${percent(node.raw, bundle.raw)} of ${bundle.name}`);
        if (state.measure !== "raw") parts.push(`, about ${bytes(Math.round(value(node, bundle)))} ${state.measure}`);
      } else if (node.sizes) {
        parts.push(`, ${bytes(node.sizes.gzip)} gzip`);
        if (node.sizes.brotli !== null) parts.push(`, ${bytes(node.sizes.brotli)} brotli`);
      }
      if (node.type === "unmapped") parts.push(node.name === NO_MAP ? ": the bundle has no readable source map" : ": bytes no source-map segment covers");
      const findings = findingsByPath.get(node.chunk) || [];
      if (findings.length) parts.push(` · ${findings.length} finding${findings.length > 1 ? "s" : ""} on this file`);
      const delta = changedPackages.get(`${node.chunk}\n${node.package}`);
      if (node.type === "package" && delta) parts.push(` · ${signed(delta)} since the baseline`);
      else if (node.type === "bundle" && changedBundles.has(node.path)) parts.push(` · ${signed(changedBundles.get(node.path))} since the baseline`);
      return parts.join("");
    }
    function zoom(node) {
      if (!node.children || node.children.length === 0) return;
      const at = state.path.indexOf(node);
      if (at >= 0) state.path.length = at + 1;
      else if (node.type === "package") {
        const bundle = state.path[state.path.length - 1].type === "bundle" ? [] : [treemapBundle(node.chunk)];
        state.path.push(...bundle, node);
      } else state.path.push(node);
      draw();
      focusFirst();
      box.scrollIntoView({ block: "nearest" });
    }
    function treemapBundle(path) {
      return tree.children.find((b) => b.path === path);
    }
    function tile(node, bundle, rect, clickable) {
      const changed = node.type === "package" ? changedPackages.get(`${node.chunk}\n${node.package}`) : undefined;
      const classes = ["tile", node.type === "unmapped" ? "unmapped" : "", changed ? "changed" : "", changed < 0 ? "smaller" : ""].filter(Boolean).join(" ");
      const t = el(clickable ? "button" : "div", {
        class: classes, type: clickable ? "button" : null, tabindex: clickable ? null : "-1",
        "data-kind": node.type, "data-chunk": node.chunk, "data-name": node.type === "package" ? node.package : node.name,
        title: describe(node, bundle),
        style: `left:${rect.x}px;top:${rect.y}px;width:${rect.w}px;height:${rect.h}px;background-color:${colour(node)}`,
        onclick: () => zoom(node),
        onmouseenter: () => { info.textContent = describe(node, bundle); },
        onfocus: () => { info.textContent = describe(node, bundle); },
      }, rect.w > 34 && rect.h > 14 ? el("span", null, node.name) : null);
      registerFilter(t, node.name, node.chunk, node.package, node.detail);
      return t;
    }
    function draw() {
      filterable.splice(0, filterable.length, ...filterable.filter((n) => !box.contains(n)));
      box.replaceChildren();
      const width = box.clientWidth, height = box.clientHeight;
      const current = state.path[state.path.length - 1];
      const bundle = bundleOf(current);
      const groups = squarify(current.children.map((child) => ({ node: child, value: value(child, current.type === "root" ? child : bundle) })), 0, 0, width, height);
      const frames = [];
      for (const g of groups) {
        const node = g.item.node;
        const nodeBundle = current.type === "root" ? node : bundle;
        if (node.children && node.children.length && current.type !== "package") {
          const leaves = squarify(node.children.map((child) => ({ node: child, value: value(child, nodeBundle) })), g.x, g.y, g.w, g.h);
          const labelled = g.w > 40 && g.h > 16;
          for (const l of leaves) {
            const t = tile(l.item.node, nodeBundle, l, current.type !== "root" && l.item.node.children && l.item.node.children.length > 0);
            // The group's name covers the top-left corner: a tile there writes its own below it.
            if (labelled && l.y - g.y < 1 && l.x - g.x < 1) t.classList.add("under-label");
            box.appendChild(t);
          }
          const changed = node.type === "bundle" ? changedBundles.get(node.path) : changedPackages.get(`${node.chunk}\n${node.package}`);
          const frame = el("div", { class: `frame${changed ? " changed" : ""}`, style: `left:${g.x}px;top:${g.y}px;width:${g.w}px;height:${g.h}px` },
            labelled ? el("button", { type: "button", class: "frame-label", title: describe(node, nodeBundle),
              "data-kind": node.type, "data-name": node.type === "package" ? node.package : node.name,
              onclick: () => zoom(node), onfocus: () => { info.textContent = describe(node, nodeBundle); } }, shortName(node)) : null);
          registerFilter(frame, node.name, node.chunk, node.package, ...node.children.map((c) => c.name));
          frames.push(frame);
        } else {
          box.appendChild(tile(node, nodeBundle, g, current.type === "root" || (node.children && node.children.length > 0)));
        }
      }
      for (const frame of frames) box.appendChild(frame);
      if (groups.length === 0) box.appendChild(el("p", { class: "empty", style: "padding:1rem" }, "No JavaScript or CSS bundle in this folder."));
      showWhy(state.path.find((node) => node.type === "package"));
      crumbs.replaceChildren(...state.path.flatMap((node, i) => [
        i ? " › " : null,
        i === state.path.length - 1 ? el("span", { "aria-current": "location" }, node.name) : el("button", { type: "button", onclick: () => { state.path.length = i + 1; draw(); focusFirst(); } }, node.name),
      ]).filter(Boolean));
      const total = value(current, bundle);
      crumbs.appendChild(el("span", { class: "muted" }, ` · ${bytes(Math.round(total))} ${state.measure === "raw" ? "raw" : `${state.measure} (package shares estimated from raw shares)`}`));
      legend.replaceChildren(...(state.colour === "finding"
        ? [["hsl(0 70% 62%)", "error"], ["hsl(35 85% 60%)", "warning"], ["hsl(215 70% 72%)", "info"], ["hsl(140 30% 70%)", "no finding"], ["var(--unmapped)", "unmapped / no source map"]]
        : [["var(--own)", OWN_CODE], ["var(--unmapped)", "unmapped / no source map"], ["hsl(200 58% 66%)", "npm packages: one colour per package"]])
        .map(([c, text]) => el("span", null, el("span", { class: "swatch", style: `background:${c}` }), text))
        .concat(report.baseline ? [el("span", null, el("span", { class: "swatch", style: "box-shadow: inset 0 0 0 3px var(--grew)" }), "grew or added since the baseline"),
          el("span", null, el("span", { class: "swatch", style: "box-shadow: inset 0 0 0 3px var(--shrank)" }), "shrank")] : []));
      applyFilter();
    }
    const section = el("div", null,
      el("p", { class: "muted" }, "Every JavaScript and CSS file, split by the npm package each byte came from (from its source map), then by source file. Area is proportional to raw bytes, or to each file's share of its measured gzip or brotli size."),
      controls, crumbs, box, info, why, legend);
    return {
      section, draw,
      show(path) {
        const bundle = treemapBundle(path);
        if (!bundle) return false;
        state.path = [tree, bundle];
        draw();
        box.scrollIntoView({ block: "start" });
        focusFirst();
        return true;
      },
      has(path) { return Boolean(treemapBundle(path)); },
    };
  }

  // A file name: a button that opens its bundle in the treemap when it has one, else text.
  function fileLink(path, treemap) {
    if (treemap && treemap.has(path)) {
      return el("button", { type: "button", class: "linkish", title: "Show in the treemap", onclick: () => treemap.show(path) }, path);
    }
    return el("span", null, path);
  }
  function ruleLink(id) {
    return el("a", { href: `#rule-${encodeURIComponent(id)}` }, id);
  }

  function Opportunities(report, treemap) {
    if (!report.opportunities.length) return el("p", { class: "empty" }, "No finding with a measurable saving.");
    const profile = PROFILES[report.settings.profile] || report.settings.profile;
    const rows = report.opportunities.map((o) => {
      const finding = report.findings[o.finding] || {};
      const row = el("tr", null,
        cell(o.priority), cell(`${o.ms} ms`, "num"), cell(bytes(o.bytes), "num"),
        cell(o.critical_path ? "yes" : "no"), cell(ruleLink(o.rule)),
        cell([fileLink(o.path, treemap), el("div", { class: "muted" }, finding.message || "")], "path"));
      return registerFilter(row, o.path, o.rule, finding.message);
    });
    return el("div", null, el("p", { class: "muted" }, `Ranked by what a visitor saves under the ${profile} profile.`),
      table(["Priority", "Time saved", "Bytes saved", "Critical path", "Rule", "File"], rows, [false, true, true]));
  }

  function Findings(report, rules, treemap) {
    if (!report.findings.length) return el("p", { class: "empty" }, "No findings.");
    const byRule = new Map();
    for (const f of report.findings) {
      if (!byRule.has(f.rule)) byRule.set(f.rule, []);
      byRule.get(f.rule).push(f);
    }
    const groups = [...byRule.entries()].sort((a, b) => {
      const worst = (list) => Math.max(...list.map((f) => SEVERITY_RANK[f.severity] || 0));
      return worst(b[1]) - worst(a[1]) || b[1].length - a[1].length || a[0].localeCompare(b[0]);
    });
    return el("div", null, groups.map(([rule, list]) => {
      const meta = rules[rule];
      const items = list.map((f) => registerFilter(el("div", { class: "finding" },
        el("span", { class: `sev ${f.severity}` }, f.severity), " ",
        fileLink(f.path, treemap), f.line ? `:${f.line}${f.column ? `:${f.column}` : ""}` : "",
        f.saving ? el("span", { class: "muted" }, ` · saves ${bytes(f.saving)}`) : null,
        el("div", null, f.message),
        f.imported_by && f.imported_by.length ? el("div", { class: "muted imported-by" },
          `imported by ${f.imported_by.map((site) => `${site.source}:${site.line}`).join(", ")}`,
          f.imported_by_more ? ` and ${f.imported_by_more} more` : "") : null), f.path, f.message, rule));
      const details = el("details", { class: "rule" },
        el("summary", null, el("b", null, rule), ` — ${list.length} finding${list.length > 1 ? "s" : ""}`, meta ? el("span", { class: "muted" }, ` · ${meta.summary}`) : null),
        el("div", null, el("p", null, ruleLink(rule), " (documentation)"), items));
      return registerFilter(details, rule, ...list.map((f) => `${f.path}\n${f.message}`));
    }));
  }

  function Pages(report, treemap) {
    if (!report.pages.length) return el("p", { class: "empty" }, "No HTML page.");
    const files = (group) => group.files.length ? group.files.map((f) => el("div", null, fileLink(f, treemap))) : el("span", { class: "muted" }, "none");
    const rows = report.pages.map((p) => registerFilter(el("tr", null,
      cell([p.page, p.incomplete || (p.unmeasured && p.unmeasured.length) ? el("div", { class: "muted" }, "some references were not measured (missing or outside the folder)") : null], "path"),
      cell([el("div", null, bytes(p.initial_scripts.gzip)), files(p.initial_scripts)], "path"),
      cell([el("div", null, bytes(p.initial_stylesheets.gzip)), files(p.initial_stylesheets)], "path"),
      cell([el("div", null, bytes(p.lazy_scripts.gzip)), files(p.lazy_scripts)], "path"),
      cell(seconds(p.initial_seconds_slow_3g), "num"), cell(seconds(p.initial_seconds_4g), "num")),
    p.page, ...p.initial_scripts.files, ...p.initial_stylesheets.files, ...p.lazy_scripts.files));
    return el("div", null, el("p", { class: "muted" }, "What each page downloads on the first visit (initial JS and CSS, gzip) and loads later (lazy JS), with the transfer time of the first visit per network profile."),
      table(["Page", "Initial JS", "Initial CSS", "Lazy JS", "First visit, slow 3G", "First visit, 4G"], rows, [false, false, false, false, true, true]));
  }

  function Budgets(report) {
    if (!report.budgets.length) return el("p", { class: "empty" }, "No budgets.");
    const rows = report.budgets.map((b) => registerFilter(el("tr", null,
      cell(b.passed ? el("span", { class: "pass" }, "pass") : el("span", { class: "fail" }, "over")),
      cell(b.name, "path"), cell(b.measure), cell(bytes(b.actual), "num"), cell(bytes(b.limit), "num"),
      cell(b.actual > b.limit ? el("span", { class: "fail" }, signed(b.actual - b.limit)) : `${bytes(b.limit - b.actual)} left`, "num"),
      cell(b.origin)), b.name, b.rule));
    return table(["", "Budget", "Measure", "Current", "Target", "Gap", "Set by"], rows, [false, false, false, true, true, true]);
  }

  function Changes(report, treemap) {
    const b = report.baseline;
    const kind = (change, delta) => change === "added" || change === "removed" ? change : delta > 0 ? "grew" : delta < 0 ? "shrank" : "same";
    const assets = b.assets.filter((a) => a.change === "added" || a.change === "removed" || a.gzip_delta || a.raw_delta);
    const assetRows = assets.map((a) => {
      const k = kind(a.change, a.gzip_delta);
      return registerFilter(el("tr", null, cell(el("span", { class: k === "grew" || k === "added" ? "grew" : k === "same" ? null : "shrank" }, k)),
        cell([a.after ? fileLink(a.path, treemap) : a.path, a.baseline_path && a.baseline_path !== a.path ? el("div", { class: "muted" }, `was ${a.baseline_path}`) : null], "path"),
        cell(bytes(a.before && a.before.gzip), "num"), cell(bytes(a.after && a.after.gzip), "num"), cell(signed(a.gzip_delta), "num")), a.path, a.baseline_path, k);
    });
    const packageRows = (b.packages || []).map((p) => {
      const k = p.before_raw === 0 ? "added" : p.after_raw === 0 ? "removed" : kind("changed", p.raw_delta);
      return registerFilter(el("tr", null, cell(el("span", { class: k === "grew" || k === "added" ? "grew" : "shrank" }, k)), cell(p.name, "path"),
        cell(bytes(p.before_raw), "num"), cell(bytes(p.after_raw), "num"), cell(signed(p.raw_delta), "num"),
        cell(p.gzip_estimate_delta !== null && p.gzip_estimate_delta !== undefined ? `≈ ${signed(p.gzip_estimate_delta)}` : "–", "num"),
        cell(p.bundles.map((f) => el("div", null, fileLink(f, treemap))), "path")), p.name, ...p.bundles, k);
    });
    return el("div", null,
      el("p", null, `Against ${b.baseline}: ${bytes(b.before.gzip)} → ${bytes(b.after.gzip)} gzip (`, el("b", { class: b.gzip_delta > 0 ? "grew" : b.gzip_delta < 0 ? "shrank" : null }, signed(b.gzip_delta)), "). Changed areas are outlined in the treemap."),
      el("h3", null, "Per file"), assetRows.length ? table(["Change", "File", "Before (gzip)", "After (gzip)", "Delta"], assetRows, [false, false, true, true, true]) : el("p", { class: "empty" }, "No file changed."),
      el("h3", null, "Per package"), packageRows.length ? table(["Change", "Package", "Before (raw)", "After (raw)", "Delta (raw)", "Delta (gzip, est.)", "Bundles"], packageRows, [false, false, true, true, true, true]) : el("p", { class: "empty" }, "No package changed (or no source maps)."));
  }

  function RuleDocs(report, rules) {
    const ids = [...new Set(report.findings.map((f) => f.rule).concat(report.budgets.map((b) => b.rule)))].filter((id) => rules[id]).sort();
    if (!ids.length) return el("p", { class: "empty" }, "No rule reported anything.");
    return el("div", null, ids.map((id) => el("details", { class: "rule", id: `rule-${encodeURIComponent(id)}` },
      el("summary", null, el("b", null, id), el("span", { class: "muted" }, ` · ${rules[id].severity} · ${rules[id].summary}`)),
      el("div", null, el("div", { class: "doc" }, rules[id].documentation)))));
  }

  // Opening a rule's documentation from a link expands it.
  window.addEventListener("hashchange", () => {
    const target = document.getElementById(location.hash.slice(1));
    if (target && target.tagName === "DETAILS") target.open = true;
  });

  Promise.all([readData("webaudit-report"), readData("webaudit-rules")]).then(
    ([report, rules]) => main(report, rules || {}),
    (error) => {
      const loading = document.getElementById("loading");
      loading.textContent = `This report could not be read: ${error && error.message}. This browser may lack DecompressionStream (large reports are compressed); the same data comes with --format json.`;
      document.documentElement.dataset.ready = "failed";
    },
  );
})();
