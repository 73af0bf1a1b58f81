// The version of the webaudit crate, read from Cargo.toml's [package] table: the one version
// every npm package is published with.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const cargoTomlPath = fileURLToPath(new URL("../Cargo.toml", import.meta.url));

export function cargoVersion(tomlText = readFileSync(cargoTomlPath, "utf8")) {
  // The [package] table runs from its header to the next table header.
  const packageTable = tomlText.split(/^\[package\]\s*$/m)[1]?.split(/^\[/m)[0];
  const version = packageTable?.match(/^version\s*=\s*"([^"]+)"\s*$/m)?.[1];
  if (!version) {
    throw new Error(`no version = "..." in the [package] table of ${cargoTomlPath}`);
  }
  return version;
}
