#!/usr/bin/env bash
# Creates or updates webaudit's pull-request comment through the GitHub CLI (`gh api`).
#
# The comment is found by its first line, the hidden marker `<!-- webaudit-report -->`, and
# edited in place, so a pull request carries one webaudit comment however often it is pushed.
# A pull request from a fork (its token cannot write to the base repository), a run without a
# token, or a token without write permission skips the comment with a notice: the annotations
# and the step summary still carry the report. Never fails the job.
#
# Environment: WEBAUDIT_MARKDOWN (the comment body, webaudit's `--report markdown=…`),
# GITHUB_EVENT_NAME, GITHUB_EVENT_PATH (the event payload), GITHUB_REPOSITORY, GH_TOKEN,
# GITHUB_OUTPUT. Needs `gh` and python3 (both on GitHub's runners).
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

marker='<!-- webaudit-report -->'
body_file="${WEBAUDIT_MARKDOWN:-}"

if [ -z "$body_file" ] || [ ! -s "$body_file" ]; then
  notice "no Markdown report was written (webaudit did not finish): no pull-request comment"
  exit 0
fi
case "${GITHUB_EVENT_NAME:-}" in
  pull_request | pull_request_target) ;;
  *)
    notice "comment: true only comments on pull requests; this run is a ${GITHUB_EVENT_NAME:-local} event"
    exit 0
    ;;
esac

# number, head repository and base repository of the pull request, from the event payload.
if ! pull=$(python3 - "${GITHUB_EVENT_PATH:-}" <<'PY'
import json, sys
try:
    with open(sys.argv[1], encoding="utf-8") as f:
        pr = json.load(f)["pull_request"]
    number = int(pr["number"])
    head = (pr.get("head") or {}).get("repo") or {}
    base = (pr.get("base") or {}).get("repo") or {}
except Exception as e:
    sys.exit(f"cannot read the pull request from the event payload {sys.argv[1]!r}: {e}")
# A deleted fork has no head repository: treat it as a fork.
print(number, head.get("full_name") or "-", base.get("full_name") or "-")
PY
); then
  warning "cannot find the pull request in GITHUB_EVENT_PATH: no comment"
  exit 0
fi
read -r number head_repo base_repo <<<"$pull"
repo="${GITHUB_REPOSITORY:-$base_repo}"

if [ "$head_repo" != "$base_repo" ]; then
  notice "pull request #$number comes from a fork ($head_repo): its token cannot write comments on $base_repo, so the report is in the annotations and the step summary only"
  exit 0
fi
if [ -z "${GH_TOKEN:-}" ]; then
  notice "no token to write the pull-request comment (set the github-token input): comment skipped"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The request body: the Markdown report, starting with the marker line.
if ! python3 - "$body_file" "$marker" >"$work/payload.json" <<'PY'
import json, sys
with open(sys.argv[1], encoding="utf-8", errors="replace") as f:
    body = f.read()
marker = sys.argv[2]
if body.split("\n", 1)[0].strip() != marker:
    body = marker + "\n" + body
json.dump({"body": body}, sys.stdout)
PY
then
  warning "cannot read the Markdown report $body_file: no comment"
  exit 0
fi

if ! gh api --paginate "repos/$repo/issues/$number/comments" >"$work/comments.json" 2>"$work/error"; then
  warning "cannot list the comments of pull request #$number: $(head -c 500 "$work/error")"
  exit 0
fi
# `--paginate` prints one JSON array per page, one after the other.
if ! existing=$(python3 - "$work/comments.json" "$marker" <<'PY'
import json, sys
text = open(sys.argv[1], encoding="utf-8").read()
decoder, position, comments = json.JSONDecoder(), 0, []
while True:
    while position < len(text) and text[position].isspace():
        position += 1
    if position >= len(text):
        break
    page, position = decoder.raw_decode(text, position)
    comments.extend(page if isinstance(page, list) else [page])
for comment in comments:
    body = comment.get("body") or ""
    if body.split("\n", 1)[0].strip() == sys.argv[2]:
        print(int(comment["id"]))
        break
PY
); then
  warning "cannot read the comments of pull request #$number from gh: no comment"
  exit 0
fi

if [ -n "$existing" ]; then
  action="update"
  request=(--method PATCH "repos/$repo/issues/comments/$existing")
else
  action="create"
  request=(--method POST "repos/$repo/issues/$number/comments")
fi
if ! gh api "${request[@]}" --input "$work/payload.json" >"$work/response.json" 2>"$work/error"; then
  why=$(head -c 500 "$work/error")
  case "$why" in
    *403* | *"Resource not accessible"* | *"Must have admin rights"*)
      notice "the token cannot write comments on $repo (grant \`pull-requests: write\`): comment skipped ($why)"
      ;;
    *)
      warning "cannot $action the pull-request comment: $why"
      ;;
  esac
  exit 0
fi
url=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("html_url", ""))' "$work/response.json" 2>/dev/null || true)
echo "webaudit: ${action}d the pull-request comment ${url}"
set_output comment-url "$url"
