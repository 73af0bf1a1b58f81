#!/usr/bin/env node
// Makes the npm package for one platform (@webaudit/<os>-<cpu>) from a built binary: fills
// platforms/template.package.json and template.README.md with the platform's fields from
// platforms/platforms.json and Cargo.toml's version, and copies the binary to bin/.
//
//   node npm/build-platform-package.mjs --target x86_64-unknown-linux-musl \
//     --binary target/x86_64-unknown-linux-musl/release/webaudit --out target/npm/linux-x64 \
//     [--repository owner/name]
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { cargoVersion } from "./cargo-version.mjs";
import { parseOptions, repositoryFields } from "./stage-args.mjs";

const options = parseOptions(process.argv.slice(2), {
  required: ["target", "binary", "out"],
  optional: { repository: process.env.WEBAUDIT_NPM_REPOSITORY },
});
const read = (file) => readFileSync(new URL(`platforms/${file}`, import.meta.url), "utf8");
const { platforms } = JSON.parse(read("platforms.json"));
const platform = platforms.find(({ rustTarget }) => rustTarget === options.target);
if (!platform) {
  console.error(
    `no npm platform for target ${options.target}; platforms/platforms.json has: ` +
      platforms.map(({ rustTarget }) => rustTarget).join(", "),
  );
  process.exit(2);
}
if (!existsSync(options.binary)) {
  console.error(`the binary ${options.binary} does not exist (build it first)`);
  process.exit(2);
}

const fields = { ...platform, version: cargoVersion() };
const fill = (template) =>
  template.replace(/\{\{(\w+)\}\}/g, (_, key) => {
    if (!(key in fields)) throw new Error(`template field {{${key}}} has no value`);
    return fields[key];
  });

const manifest = { ...JSON.parse(fill(read("template.package.json"))), ...repositoryFields(options.repository) };
rmSync(options.out, { recursive: true, force: true });
mkdirSync(path.join(options.out, "bin"), { recursive: true });
writeFileSync(path.join(options.out, "package.json"), JSON.stringify(manifest, null, 2) + "\n");
writeFileSync(path.join(options.out, "README.md"), fill(read("template.README.md")));
const binaryPath = path.join(options.out, "bin", platform.binary);
copyFileSync(options.binary, binaryPath);
// npm keeps the mode bits of packed files; the launcher spawns this file directly.
chmodSync(binaryPath, 0o755);
console.log(`${manifest.name}@${manifest.version}: ${options.out}`);
