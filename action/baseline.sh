#!/usr/bin/env bash
# Finds the report to compare with and writes its path to $GITHUB_OUTPUT as `report` (empty:
# no comparison).
#
# `baseline: auto` (the default): on a pull request, the newest report this action uploaded on
# the base branch, from the last completed runs of the same workflow there, whether they passed
# or failed. A failed run still uploads its report (run.sh never fails the step; finish.sh ends
# the job after the upload), and a base branch over budget is exactly when a pull request needs
# the comparison most. Runs of other pull requests are left out: `--branch main` also matches a
# pull request from a fork's branch named main. Runs whose report is missing (the build failed
# before the action, or the artifact expired) are skipped; none found is a notice, not a
# failure. Outside pull requests there is no base branch: nothing is compared.
#
# Any other value is a path to a report, passed on as it is (run.sh says when it does not exist).
#
# Environment: INPUT_BASELINE, INPUT_ARTIFACT_NAME, GITHUB_EVENT_NAME, GITHUB_BASE_REF,
# GITHUB_REPOSITORY, GITHUB_WORKFLOW_REF (owner/repo/.github/workflows/FILE@ref),
# GITHUB_WORKFLOW, GH_TOKEN, WEBAUDIT_BASELINE_DIR (default $RUNNER_TEMP/webaudit-baseline),
# GITHUB_OUTPUT. Needs `gh` (on GitHub's runners); the token needs `actions: read`.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

# How many of the base branch's latest completed runs are tried for a report.
max_runs=5

requested="${INPUT_BASELINE:-}"
if [ "$requested" != auto ]; then
  set_output report "$requested"
  exit 0
fi

case "${GITHUB_EVENT_NAME:-}" in
  pull_request | pull_request_target) ;;
  *)
    echo "webaudit: baseline: auto compares pull requests with their base branch; this is a ${GITHUB_EVENT_NAME:-local} run, so nothing is compared"
    exit 0
    ;;
esac
base="${GITHUB_BASE_REF:-}"
artifact="${INPUT_ARTIFACT_NAME:-}"
repo="${GITHUB_REPOSITORY:-}"
if [ -z "$base" ] || [ -z "$repo" ]; then
  notice "baseline: auto needs GITHUB_BASE_REF and GITHUB_REPOSITORY, which this run does not have: sizes are not compared"
  exit 0
fi
if [ -z "$artifact" ]; then
  notice "baseline: auto downloads the report artifact, but artifact-name is empty: sizes are not compared"
  exit 0
fi
if ! command -v gh >/dev/null 2>&1; then
  notice "baseline: auto needs the GitHub CLI (gh), which this runner does not have: sizes are not compared"
  exit 0
fi

# The workflow's file (runs of the same workflow on the base branch); its name when the file is
# not known.
workflow="${GITHUB_WORKFLOW_REF:-}"
workflow="${workflow%%@*}"
workflow="${workflow##*/}"
if [ -z "$workflow" ]; then
  workflow="${GITHUB_WORKFLOW:-}"
fi
if [ -z "$workflow" ]; then
  notice "baseline: auto cannot tell which workflow this is (GITHUB_WORKFLOW_REF is empty): sizes are not compared"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Newest first: "ID CONCLUSION" of completed runs that are not pull requests.
if ! gh run list --repo "$repo" --workflow "$workflow" --branch "$base" --limit 20 \
  --json databaseId,status,conclusion,event \
  --jq '.[] | select(.status == "completed" and .event != "pull_request" and .event != "pull_request_target") | "\(.databaseId) \(.conclusion)"' \
  >"$work/runs.txt" 2>"$work/error"; then
  why="$(head -c 500 "$work/error")"
  notice "cannot list the runs of $workflow on $base (the token needs actions: read): $why. Sizes are not compared"
  exit 0
fi

out_dir="${WEBAUDIT_BASELINE_DIR:-${RUNNER_TEMP:-/tmp}/webaudit-baseline}"
tried=0
while read -r run_id conclusion; do
  [ -n "$run_id" ] || continue
  if [ "$tried" -ge "$max_runs" ]; then
    break
  fi
  tried=$((tried + 1))
  dir="$out_dir/run-$run_id"
  rm -rf "$dir"
  if ! gh run download "$run_id" --repo "$repo" --name "$artifact" --dir "$dir" >/dev/null 2>"$work/error"; then
    echo "webaudit: run $run_id ($conclusion) on $base has no $artifact artifact: $(head -c 200 "$work/error")"
    continue
  fi
  report="$dir/webaudit-report.json"
  if [ ! -f "$report" ]; then
    # An artifact uploaded under this name by something else: take its JSON file, if just one.
    # (No mapfile: macOS's bash is 3.2.)
    find "$dir" -type f -name '*.json' >"$work/found.txt"
    if [ "$(wc -l <"$work/found.txt")" -ne 1 ]; then
      echo "webaudit: the $artifact artifact of run $run_id holds no single JSON report"
      continue
    fi
    report="$(cat "$work/found.txt")"
  fi
  echo "webaudit: baseline: the report of run $run_id on $base (that run's conclusion: $conclusion)"
  set_output report "$report"
  set_output baseline-run "$run_id"
  exit 0
done <"$work/runs.txt"

if [ "$tried" -eq 0 ]; then
  notice "no completed run of $workflow on $base yet (the first run, or the workflow does not run on pushes to $base): sizes are not compared"
else
  notice "none of the last $tried completed runs of $workflow on $base has a $artifact artifact (the build failed before webaudit, or the artifacts expired): sizes are not compared"
fi
