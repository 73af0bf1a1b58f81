#!/usr/bin/env node
// Keeps npm/webaudit/package.json at Cargo.toml's version: its own version and the exact
// version of every platform package in optionalDependencies (one entry per platform in
// platforms/platforms.json).
//
//   node npm/sync-version.mjs          rewrite npm/webaudit/package.json
//   node npm/sync-version.mjs --check  only compare; exit 1 and list the differences on drift
//
// Environment: WEBAUDIT_NPM_PACKAGE_JSON overrides the file checked (the drift test points it
// at a deliberately stale copy).
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { cargoVersion } from "./cargo-version.mjs";

const packageJsonPath =
  process.env.WEBAUDIT_NPM_PACKAGE_JSON ??
  fileURLToPath(new URL("webaudit/package.json", import.meta.url));
const { platforms } = JSON.parse(
  readFileSync(new URL("platforms/platforms.json", import.meta.url), "utf8"),
);

const version = cargoVersion();
const current = JSON.parse(readFileSync(packageJsonPath, "utf8"));
const wanted = structuredClone(current);
wanted.version = version;
wanted.optionalDependencies = Object.fromEntries(
  platforms
    .map(({ os, cpu }) => [`@webaudit/${os}-${cpu}`, version])
    .sort(([a], [b]) => a.localeCompare(b)),
);

const before = JSON.stringify(current, null, 2) + "\n";
const after = JSON.stringify(wanted, null, 2) + "\n";

if (process.argv.includes("--check")) {
  if (before !== after) {
    const differences = [];
    if (current.version !== version) {
      differences.push(`version is ${current.version}`);
    }
    for (const [name, wantedVersion] of Object.entries(wanted.optionalDependencies)) {
      const has = current.optionalDependencies?.[name];
      if (has !== wantedVersion) differences.push(`${name} is ${has ?? "missing"}`);
    }
    for (const name of Object.keys(current.optionalDependencies ?? {})) {
      if (!(name in wanted.optionalDependencies)) differences.push(`${name} is not a platform`);
    }
    console.error(
      `${packageJsonPath} has drifted from Cargo.toml (version ${version}): ` +
        `${differences.join("; ") || "formatting differs"}. Run: node npm/sync-version.mjs`,
    );
    process.exit(1);
  }
  console.log(`npm/webaudit/package.json matches Cargo.toml (${version})`);
} else {
  writeFileSync(packageJsonPath, after);
  console.log(`npm/webaudit/package.json: version ${version}`);
}
