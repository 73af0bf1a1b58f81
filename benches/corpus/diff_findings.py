#!/usr/bin/env python3
"""Compare two webaudit JSON reports of the same folder (e.g. two builds of webaudit).

usage: diff_findings.py BEFORE.json AFTER.json [--expect RULE ...] [--counts] [--json OUT]

Findings are compared as a multiset of (rule, path, line, message): the script prints, per
rule, the counts before and after, then every finding that disappeared (-) or appeared (+).
For pages it compares each page's initial_scripts, initial_stylesheets, lazy_scripts and
missing file lists (and reports pages that appear or disappear). Other top-level parts of the
report (assets, totals, budgets, skipped, notes) are compared in summary.

--expect RULE   rules that are expected to change (repeatable; a trailing * matches a prefix,
                e.g. fonts/*; "pages" stands for the pages' file lists). A change in any other
                rule, or in the pages when "pages" is not expected, is flagged UNEXPECTED and
                makes the exit status 1. Without --expect, nothing is flagged.
--counts        print only the per-rule count table.
--json OUT      also write the differences as JSON to OUT ("-": standard output, and nothing
                else is printed).

Exit status: 0 (no unexpected change), 1 (an unexpected change), 2 (bad input).
Standard library only.
"""

import argparse
import collections
import json
import sys

PAGE_LISTS = ("initial_scripts", "initial_stylesheets", "lazy_scripts")
# Parts of the report that legitimately differ between two runs or two builds.
VOLATILE = {"tool", "settings", "measurement", "root", "root_in_repository"}


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            report = json.load(f)
    except (OSError, ValueError) as e:
        fail(f"{path}: {e}")
    if not isinstance(report, dict) or "findings" not in report:
        fail(f"{path}: not a webaudit JSON report (no findings)")
    return report


def fail(message):
    print(f"error: {message}", file=sys.stderr)
    sys.exit(2)


def finding_key(f):
    return (f.get("rule"), f.get("path"), f.get("line"), f.get("message"))


def page_lists(page):
    out = {}
    for name in PAGE_LISTS:
        value = page.get(name) or {}
        out[name] = list(value.get("files", [])) if isinstance(value, dict) else list(value)
    out["missing"] = list(page.get("missing") or [])
    return out


def rule_matches(rule, patterns):
    for p in patterns:
        if p.endswith("*") and rule.startswith(p[:-1]):
            return True
        if rule == p:
            return True
    return False


def diff_reports(before, after):
    b = collections.Counter(finding_key(f) for f in before.get("findings", []))
    a = collections.Counter(finding_key(f) for f in after.get("findings", []))
    rules = sorted({k[0] for k in b} | {k[0] for k in a})
    counts = {}
    for r in rules:
        counts[r] = (
            sum(n for k, n in b.items() if k[0] == r),
            sum(n for k, n in a.items() if k[0] == r),
        )
    removed = sorted((b - a).elements(), key=sort_key)
    added = sorted((a - b).elements(), key=sort_key)

    pb = {p.get("page"): page_lists(p) for p in before.get("pages", [])}
    pa = {p.get("page"): page_lists(p) for p in after.get("pages", [])}
    pages = []
    for page in sorted(set(pb) | set(pa), key=str):
        if page not in pa:
            pages.append({"page": page, "change": "page disappeared"})
            continue
        if page not in pb:
            pages.append({"page": page, "change": "page appeared"})
            continue
        for name in list(PAGE_LISTS) + ["missing"]:
            old, new = pb[page][name], pa[page][name]
            gone = [x for x in old if x not in new]
            came = [x for x in new if x not in old]
            if gone or came:
                pages.append({"page": page, "list": name, "removed": gone, "added": came})

    other = []
    for key in sorted((set(before) | set(after)) - VOLATILE - {"findings", "pages"}):
        if before.get(key) != after.get(key):
            other.append(describe_other(key, before.get(key), after.get(key)))
    return {
        "counts": counts,
        "removed": [dict(zip(("rule", "path", "line", "message"), k)) for k in removed],
        "added": [dict(zip(("rule", "path", "line", "message"), k)) for k in added],
        "pages": pages,
        "other": other,
    }


def sort_key(k):
    rule, path, line, message = k
    return (rule or "", path or "", line if isinstance(line, int) else -1, message or "")


def describe_other(key, old, new):
    if key == "assets" and isinstance(old, list) and isinstance(new, list):
        ob = {x.get("path"): x for x in old}
        nb = {x.get("path"): x for x in new}
        changed = sorted(p for p in set(ob) & set(nb) if ob[p] != nb[p])
        return {
            "part": key,
            "only_before": sorted(set(ob) - set(nb)),
            "only_after": sorted(set(nb) - set(ob)),
            "changed": changed,
        }
    return {"part": key, "before": old, "after": new}


def fmt_finding(f):
    where = f["path"] or "-"
    if f["line"] is not None:
        where += f":{f['line']}"
    return f"{f['rule']}  {where}  {f['message']}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("before")
    ap.add_argument("after")
    ap.add_argument("--expect", action="append", default=[], metavar="RULE")
    ap.add_argument("--counts", action="store_true")
    ap.add_argument("--json", metavar="OUT")
    args = ap.parse_args()

    d = diff_reports(load(args.before), load(args.after))
    changed_rules = {f["rule"] for f in d["removed"] + d["added"]}
    if d["pages"]:
        changed_rules.add("pages")
    unexpected = sorted(r for r in changed_rules if args.expect and not rule_matches(r, args.expect))
    d["unexpected_rules"] = unexpected

    if args.json:
        text = json.dumps(d, indent=2, ensure_ascii=False)
        if args.json == "-":
            print(text)
            return 1 if unexpected else 0
        with open(args.json, "w", encoding="utf-8") as f:
            f.write(text + "\n")

    width = max([len(r) for r in d["counts"]] + [4])
    print(f"{'rule':<{width}}  before  after  -    +")
    for r, (x, y) in d["counts"].items():
        minus = sum(1 for f in d["removed"] if f["rule"] == r)
        plus = sum(1 for f in d["added"] if f["rule"] == r)
        flag = "  UNEXPECTED" if r in unexpected else ""
        mark = "" if not (minus or plus) else f"  {'-' + str(minus):<4} {'+' + str(plus)}"
        print(f"{r:<{width}}  {x:>6}  {y:>5}{mark}{flag}")
    if args.counts:
        return 1 if unexpected else 0

    if d["removed"] or d["added"]:
        print()
        print("findings:")
        for f in d["removed"]:
            print("  - " + fmt_finding(f))
        for f in d["added"]:
            print("  + " + fmt_finding(f))
    if d["pages"]:
        print()
        print("pages:")
        for p in d["pages"]:
            if "change" in p:
                print(f"  {p['page']}: {p['change']}")
                continue
            for x in p["removed"]:
                print(f"  {p['page']} {p['list']}: - {x}")
            for x in p["added"]:
                print(f"  {p['page']} {p['list']}: + {x}")
    if d["other"]:
        print()
        print("other parts of the report that differ:")
        for o in d["other"]:
            if o["part"] == "assets":
                print(
                    f"  assets: {len(o['only_before'])} only before, "
                    f"{len(o['only_after'])} only after, {len(o['changed'])} changed"
                    + (f" (e.g. {o['changed'][0]})" if o["changed"] else "")
                )
            else:
                print(f"  {o['part']}: {json.dumps(o['before'])[:200]} -> {json.dumps(o['after'])[:200]}")
    if not (d["removed"] or d["added"] or d["pages"] or d["other"]):
        print("\nno difference")
    if unexpected:
        print(f"\nUNEXPECTED changes in: {', '.join(unexpected)}")
    return 1 if unexpected else 0


if __name__ == "__main__":
    sys.exit(main())
