#!/usr/bin/env bash
# The fallback when no release binary fits the runner (install.sh says so): builds webaudit from
# the action's own source with `cargo install --locked` into $WEBAUDIT_INSTALL_ROOT (restored
# from the actions/cache entry when the sources have not changed) and puts it on the job's PATH.
#
# Environment: GITHUB_ACTION_PATH (the action's checkout), WEBAUDIT_INSTALL_ROOT, GITHUB_PATH.
set -euo pipefail

root="${WEBAUDIT_INSTALL_ROOT:?WEBAUDIT_INSTALL_ROOT must be set}"
source_dir="${GITHUB_ACTION_PATH:?GITHUB_ACTION_PATH must be set}"
binary="$root/bin/webaudit"

if [ -x "$binary" ] && "$binary" --version >/dev/null 2>&1; then
  echo "webaudit: using the cached build ($("$binary" --version))"
else
  if ! command -v cargo >/dev/null 2>&1; then
    echo "::error title=webaudit::cargo is needed to build webaudit (GitHub's ubuntu, macOS and Windows runners have it; elsewhere add dtolnay/rust-toolchain before this action)"
    exit 1
  fi
  cargo install --locked --path "$source_dir" --root "$root"
fi

if [ -n "${GITHUB_PATH:-}" ]; then
  echo "$root/bin" >>"$GITHUB_PATH"
fi
