#!/usr/bin/env python3
"""Per-rule precision of webaudit on the real-apps corpus (benches/corpus/apps.sh).

usage: precision.py run [--webaudit PATH] [--out DIR] [APP...]
       precision.py table [--out DIR] [--judgments FILE] [--markdown] [--unjudged N]

run     audits every app of benches/work/apps/MANIFEST.tsv with the given binary (default
        target/release/webaudit), JSON report per app into DIR (default
        benches/work/precision/), with the app's deployment settings from
        benches/corpus/apps/<app>.toml when there is one (e.g. an asset prefix its server maps).
table   reads those reports and benches/corpus/judgments.tsv and prints, per rule: findings,
        correct, false positives, debatable, unjudged, precision (correct / (correct + false
        positive)), the same counting debatable findings as wrong, and the largest number of
        false positives of that rule on one app. `--out benches/work/precision-before` judges
        the reports of an earlier binary with the same file.
        --markdown prints the table as Markdown (for benches/README.md); --unjudged N lists up
        to N findings no judgment matches.

Judgments (benches/corpus/judgments.tsv) are written by reading the findings against the files:
one line per cause, tab-separated: app (or *), rule, path glob (fnmatch; * matches /), message
regex (re.search), verdict (correct | false-positive | debatable), reason. The first line that
matches a finding judges it. A line that matches no finding is reported as stale.

Exit status of table: 0 when every finding is judged, every rule has precision >= 95% and no
app has more than 3 false positives of one rule; 1 otherwise; 2 on bad input.
Standard library only.
"""

import argparse
import collections
import csv
import fnmatch
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BENCHES = os.path.dirname(HERE)
ROOT = os.path.dirname(BENCHES)
APPS = os.path.join(BENCHES, "work", "apps")
VERDICTS = ("correct", "false-positive", "debatable")
MIN_PRECISION = 0.95
MAX_FALSE_POSITIVES_PER_APP = 3


def fail(message):
    print(f"precision.py: {message}", file=sys.stderr)
    sys.exit(2)


def manifest():
    path = os.path.join(APPS, "MANIFEST.tsv")
    if not os.path.exists(path):
        fail(f"{path} is missing: run benches/corpus/apps.sh first")
    with open(path, encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def run(args):
    binary = os.path.abspath(args.webaudit)
    if not os.access(binary, os.X_OK):
        fail(f"{binary} is not an executable (cargo build --release?)")
    os.makedirs(args.out, exist_ok=True)
    for app in manifest():
        name = app["name"]
        if args.apps and name not in args.apps:
            continue
        command = [binary, os.path.join(APPS, name), "--format", "json",
                   "-o", os.path.join(args.out, f"{name}.json")]
        settings = os.path.join(HERE, "apps", f"{name}.toml")
        if os.path.exists(settings):
            command += ["--config", settings]
        start = time.monotonic()
        with open(os.path.join(args.out, f"{name}.stderr"), "w") as stderr:
            code = subprocess.call(command, stderr=stderr)
        # 0: no error finding, 1: findings at the failing severity; anything else is a failure.
        status = "ok" if code in (0, 1) else f"FAILED (exit {code})"
        print(f"{name}: {time.monotonic() - start:.1f} s, {status}", file=sys.stderr)


def load_judgments(path):
    judgments = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            fields = line.split("\t")
            if len(fields) != 6:
                fail(f"{path}:{number}: expected 6 tab-separated fields, found {len(fields)}")
            app, rule, glob, pattern, verdict, reason = fields
            if verdict not in VERDICTS:
                fail(f"{path}:{number}: verdict '{verdict}' is not one of {', '.join(VERDICTS)}")
            try:
                regex = re.compile(pattern)
            except re.error as e:
                fail(f"{path}:{number}: bad regex: {e}")
            judgments.append({"line": number, "app": app, "rule": rule, "glob": glob,
                              "regex": regex, "verdict": verdict, "reason": reason, "used": 0})
    return judgments


def judge(judgments, app, finding):
    for judgment in judgments:
        if judgment["app"] not in ("*", app) or judgment["rule"] != finding["rule"]:
            continue
        if not fnmatch.fnmatchcase(finding.get("path") or "", judgment["glob"]):
            continue
        if not judgment["regex"].search(finding["message"]):
            continue
        judgment["used"] += 1
        return judgment
    return None


def table(args):
    judgments = load_judgments(args.judgments)
    rows = collections.defaultdict(lambda: collections.Counter())
    per_app_fp = collections.defaultdict(collections.Counter)
    reasons = collections.defaultdict(collections.Counter)
    unjudged = []
    apps = 0
    for app in manifest():
        name = app["name"]
        report_path = os.path.join(args.out, f"{name}.json")
        if not os.path.exists(report_path):
            fail(f"{report_path} is missing: run `precision.py run` first")
        with open(report_path, encoding="utf-8") as f:
            report = json.load(f)
        apps += 1
        for finding in report["findings"]:
            rule = finding["rule"]
            rows[rule]["findings"] += 1
            judgment = judge(judgments, name, finding)
            if judgment is None:
                rows[rule]["unjudged"] += 1
                unjudged.append((name, finding))
                continue
            rows[rule][judgment["verdict"]] += 1
            if judgment["verdict"] != "correct":
                reasons[(rule, judgment["verdict"])][f"{name}: {judgment['reason']}"] += 1
            if judgment["verdict"] == "false-positive":
                per_app_fp[rule][name] += 1

    ok = not unjudged
    lines = []
    header = ["rule", "findings", "correct", "false positive", "debatable", "unjudged",
              "precision", "precision if debatable were wrong", "most FP on one app"]
    for rule in sorted(rows):
        row = rows[rule]
        decided = row["correct"] + row["false-positive"]
        precision = row["correct"] / decided if decided else 1.0
        judged = decided + row["debatable"]
        strict = row["correct"] / judged if judged else 1.0
        worst = per_app_fp[rule].most_common(1)
        worst_text = f"{worst[0][1]} ({worst[0][0]})" if worst else "0"
        if precision < MIN_PRECISION or (worst and worst[0][1] > MAX_FALSE_POSITIVES_PER_APP):
            ok = False
        lines.append([rule, row["findings"], row["correct"], row["false-positive"],
                      row["debatable"], row["unjudged"], f"{precision:.1%}", f"{strict:.1%}",
                      worst_text])
    total = collections.Counter()
    for row in rows.values():
        total.update(row)
    decided = total["correct"] + total["false-positive"]
    judged = decided + total["debatable"]
    lines.append(["all rules", total["findings"], total["correct"], total["false-positive"],
                  total["debatable"], total["unjudged"],
                  f"{total['correct'] / decided:.1%}" if decided else "-",
                  f"{total['correct'] / judged:.1%}" if judged else "-", ""])
    if args.markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for line in lines:
            print("| " + " | ".join(str(c) for c in line) + " |")
    else:
        widths = [max(len(str(r[i])) for r in [header] + lines) for i in range(len(header))]
        for line in [header] + lines:
            print("  ".join(str(c).ljust(widths[i]) for i, c in enumerate(line)))
    print(f"\n{apps} apps.", file=sys.stderr)
    for (rule, verdict), counter in sorted(reasons.items()):
        print(f"\n{rule}, {verdict}:")
        for reason, count in counter.most_common():
            print(f"  {count} × {reason}")
    stale = [j for j in judgments if j["used"] == 0]
    for judgment in stale:
        print(f"note: judgment on line {judgment['line']} matches no finding", file=sys.stderr)
    if unjudged:
        print(f"\n{len(unjudged)} finding(s) not judged:", file=sys.stderr)
        for name, finding in unjudged[: args.unjudged]:
            print(f"  {name}\t{finding['rule']}\t{finding.get('path')}\t{finding['message'][:160]}",
                  file=sys.stderr)
    return 0 if ok else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    default_out = os.path.join(BENCHES, "work", "precision")
    run_parser = sub.add_parser("run")
    run_parser.add_argument("--webaudit", default=os.path.join(ROOT, "target", "release", "webaudit"))
    run_parser.add_argument("--out", default=default_out)
    run_parser.add_argument("apps", nargs="*")
    table_parser = sub.add_parser("table")
    table_parser.add_argument("--out", default=default_out)
    table_parser.add_argument("--judgments", default=os.path.join(HERE, "judgments.tsv"))
    table_parser.add_argument("--markdown", action="store_true")
    table_parser.add_argument("--unjudged", type=int, default=40)
    args = parser.parse_args()
    if args.command == "run":
        run(args)
        return 0
    return table(args)


if __name__ == "__main__":
    sys.exit(main())
