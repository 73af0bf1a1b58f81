#!/usr/bin/env bash
# Runs webaudit for the action: annotations (`--format github`) on standard output, the JSON
# report (the next baseline) and the Markdown comment body as files, and the step summary, which
# webaudit appends itself when GITHUB_STEP_SUMMARY is set. Never fails on findings: the exit
# code goes to the `exit-code` output, and finish.sh ends the action with it once the report is
# uploaded and the comment written.
#
# Environment: INPUT_PATH, INPUT_CONFIG, INPUT_BUDGET, INPUT_FAIL_ON, INPUT_BASELINE,
# INPUT_MAX_INCREASE, INPUT_ARGS (extra arguments, split on spaces), WEBAUDIT_REPORT_DIR
# (default $RUNNER_TEMP/webaudit), GITHUB_OUTPUT.
set -uo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

out_dir="${WEBAUDIT_REPORT_DIR:-${RUNNER_TEMP:-/tmp}/webaudit}"
mkdir -p "$out_dir" || exit 2
json="$out_dir/webaudit-report.json"
markdown="$out_dir/webaudit-comment.md"
rm -f "$json" "$markdown"

args=("${INPUT_PATH:-.}" --format github --report "json=$json" --report "markdown=$markdown"
  --fail-on "${INPUT_FAIL_ON:-error}")
if [ -n "${INPUT_CONFIG:-}" ]; then
  args+=(--config "$INPUT_CONFIG")
fi
if [ -n "${INPUT_BUDGET:-}" ]; then
  args+=(--budget "$INPUT_BUDGET")
fi
if [ -n "${INPUT_BASELINE:-}" ]; then
  if [ -f "$INPUT_BASELINE" ]; then
    args+=(--baseline "$INPUT_BASELINE")
  else
    # The first run on a repository, or a base branch whose report expired: compare nothing
    # rather than fail the pull request.
    notice "no baseline report at $INPUT_BASELINE (none saved on the base branch yet?): sizes are not compared"
  fi
fi
if [ -n "${INPUT_MAX_INCREASE:-}" ]; then
  args+=(--max-increase "$INPUT_MAX_INCREASE")
fi
if [ -n "${INPUT_ARGS:-}" ]; then
  read -ra extra <<<"$INPUT_ARGS"
  args+=("${extra[@]}")
fi

webaudit "${args[@]}"
code=$?

set_output exit-code "$code"
if [ -s "$json" ]; then
  set_output json "$json"
fi
if [ -s "$markdown" ]; then
  set_output markdown "$markdown"
fi
exit 0
