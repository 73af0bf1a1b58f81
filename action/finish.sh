#!/usr/bin/env bash
# The action's last step: ends with webaudit's exit code (0 passed, 1 a finding reached
# --fail-on, 2 the run failed), after the report was uploaded and the comment written.
#
# Environment: WEBAUDIT_EXIT_CODE (run.sh's `exit-code` output).
set -euo pipefail
code="${WEBAUDIT_EXIT_CODE:-}"
case "$code" in
  '' | *[!0-9]*)
    echo "::error title=webaudit::webaudit did not run to the end (no exit code)"
    exit 2
    ;;
esac
exit "$code"
