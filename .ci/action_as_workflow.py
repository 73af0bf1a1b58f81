#!/usr/bin/env python3
"""Prints action.yml's composite steps as a workflow, for actionlint.

actionlint checks workflows, not action metadata. A composite action's steps are workflow
steps, though: moved under a job, with the action's inputs declared as `workflow_call` inputs
(so `inputs.*` resolves), actionlint checks their expressions, the `steps.*` outputs they read,
the inputs they give to actions/cache and actions/upload-artifact, and the `run:` scripts.

Stdlib only (no YAML library on a fresh machine): action.yml's layout is fixed by this
repository, and the script fails loudly when it is not the expected one.

Usage: python3 .ci/action_as_workflow.py [action.yml] | actionlint -
"""
import re
import sys


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "action.yml"
    with open(path, encoding="utf-8") as f:
        text = f.read()
    inputs_at = text.find("\ninputs:\n")
    outputs_at = text.find("\noutputs:\n")
    steps_at = text.find("\nruns:\n  using: composite\n  steps:\n")
    if min(inputs_at, outputs_at, steps_at) < 0:
        sys.exit(f"{path}: expected top-level inputs:, outputs: and runs: (using: composite, steps:)")
    names = re.findall(r"^  ([A-Za-z0-9_-]+):\n", text[inputs_at:outputs_at], re.M)
    if not names:
        sys.exit(f"{path}: no inputs found")
    steps = text[steps_at + len("\nruns:\n  using: composite\n  steps:\n"):]
    # Composite steps sit 4 spaces deep; a job's steps 6.
    steps = "".join("  " + line if line.strip() else line for line in steps.splitlines(True))
    out = ["name: action.yml as a workflow", "on:", "  workflow_call:", "    inputs:"]
    for name in names:
        out += [f"      {name}:", "        type: string", "        required: false"]
    out += [
        "permissions:",
        "  contents: read",
        "  actions: read",
        "  pull-requests: write",
        "jobs:",
        "  action:",
        "    runs-on: ubuntu-latest",
        "    steps:",
    ]
    sys.stdout.write("\n".join(out) + "\n" + steps)


if __name__ == "__main__":
    main()
