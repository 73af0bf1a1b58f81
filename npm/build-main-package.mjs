#!/usr/bin/env node
// Copies the `webaudit` package (npm/webaudit: the launcher) to --out, ready for `npm pack` or
// `npm publish`, after checking that its versions match Cargo.toml.
//
//   node npm/build-main-package.mjs --out target/npm/webaudit [--repository owner/name]
import { execFileSync } from "node:child_process";
import { cpSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseOptions, repositoryFields } from "./stage-args.mjs";

const options = parseOptions(process.argv.slice(2), {
  required: ["out"],
  optional: { repository: process.env.WEBAUDIT_NPM_REPOSITORY },
});
const here = path.dirname(fileURLToPath(import.meta.url));
// Fails (and says how to fix it) when npm/webaudit/package.json has drifted from Cargo.toml.
execFileSync(process.execPath, [path.join(here, "sync-version.mjs"), "--check"], { stdio: "inherit" });

rmSync(options.out, { recursive: true, force: true });
cpSync(path.join(here, "webaudit"), options.out, { recursive: true });
// The JSON Schemas ride in the package: a report's `$schema` and webaudit.toml's `#:schema` name
// https://unpkg.com/webaudit@VERSION/schema/..., which unpkg serves from this very package.
cpSync(path.join(here, "..", "docs", "schema"), path.join(options.out, "schema"), { recursive: true });
const manifestPath = path.join(options.out, "package.json");
const manifest = { ...JSON.parse(readFileSync(manifestPath, "utf8")), ...repositoryFields(options.repository) };
writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + "\n");
console.log(`${manifest.name}@${manifest.version}: ${options.out}`);
