#!/usr/bin/env bash
# Lints the GitHub Action: its scripts with shellcheck; action.yml's composite steps, as a
# workflow, with actionlint (expressions, step outputs, the inputs given to actions/cache and
# actions/upload-artifact); and the README's example workflow, run against this action.yml
# (`uses: ./`, so actionlint checks every `with:` key against the action's inputs).
#
# Usage: .ci/lint-action.sh ACTIONLINT
set -euo pipefail
cd "$(dirname "$0")/.."
actionlint="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"

shellcheck -x -P SCRIPTDIR action/*.sh .ci/lint-action.sh
echo "shellcheck: action/*.sh passed"

python3 .ci/action_as_workflow.py action.yml | "$actionlint" -stdin-filename action.yml -
echo "actionlint: action.yml's steps passed"

# actionlint resolves `uses: ./` only inside a repository: a throwaway one with the action.
project="$(mktemp -d)"
trap 'rm -rf "$project"' EXIT
git init -q "$project"
mkdir -p "$project/.github/workflows"
cp action.yml "$project/"
sed 's|uses: owner/webaudit@v1.*|uses: ./|' examples/github-workflow.yml >"$project/.github/workflows/webaudit.yml"
grep -q 'uses: \./$' "$project/.github/workflows/webaudit.yml" \
  || { echo "examples/github-workflow.yml no longer uses owner/webaudit@v1: update .ci/lint-action.sh" >&2; exit 1; }
(cd "$project" && "$actionlint" .github/workflows/webaudit.yml)
echo "actionlint: examples/github-workflow.yml with this action.yml passed"
