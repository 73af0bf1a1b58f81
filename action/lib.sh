# shellcheck shell=bash
# Shared by the action's scripts (sourced, not run).

# Escapes text for a workflow command's message, as GitHub requires: `%`, CR and LF. Without
# it a file name holding a newline could start a workflow command of its own.
escape_message() {
  local text="$1"
  text="${text//%/%25}"
  text="${text//$'\r'/%0D}"
  text="${text//$'\n'/%0A}"
  printf '%s' "$text"
}

notice() {
  printf '::notice title=webaudit::%s\n' "$(escape_message "$1")"
}

warning() {
  printf '::warning title=webaudit::%s\n' "$(escape_message "$1")"
}

# Appends name=value to $GITHUB_OUTPUT (values here are single-line paths and numbers).
set_output() {
  if [ -n "${GITHUB_OUTPUT:-}" ]; then
    printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"
  fi
}
