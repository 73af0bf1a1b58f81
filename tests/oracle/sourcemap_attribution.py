#!/usr/bin/env python3
"""Independent oracle for webaudit's source-map attribution (src/analyze/sourcemap.rs).

Usage: python3 sourcemap_attribution.py JS MAP [--root DIR] [--sources]

Prints JSON {"packages": {copy or "[no package]": bytes}, "unmapped": n,
"line_terminators": n, "generated_bytes": n} (plus "sources": {name: bytes} with --sources).

Brute force, stdlib only, sharing no code with webaudit: every mapping of the map is decoded
into a list per generated line, then every character of the generated file is given to the
segment with the greatest UTF-16 column not after that character (its last code unit), and
all of the character's UTF-8 bytes go to that segment's source. Bytes before a line's first
segment, and bytes of segments without a source, are unmapped; "\n" and "\r\n" are line
terminators. Invalid UTF-8 bytes are one code unit each (surrogateescape).

Sources are named like webaudit names them: sourceRoot + source, resolved against the map's
folder relative to --root (the audited folder; default: the map's own folder), normalised
with posixpath.normpath. A package copy is the resolved path up to and including the folder
after the last "node_modules/" ("@scope/name" for scoped packages).

Only valid v3 maps (not index maps) are supported: this checks real bundler output.
"""
import bisect
import json
import os
import posixpath
import re
import sys
import urllib.parse
from collections import defaultdict

BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
DIGIT = {c: i for i, c in enumerate(BASE64)}
NO_SOURCE = None


def vlq_decode(text):
    """All values of one base64 VLQ segment."""
    values = []
    accumulated, weight = 0, 1
    for ch in text:
        digit = DIGIT[ch]
        accumulated += (digit % 32) * weight
        if digit >= 32:
            weight *= 32
            continue
        magnitude = accumulated // 2
        values.append(-magnitude if accumulated % 2 else magnitude)
        accumulated, weight = 0, 1
    if weight != 1:
        raise ValueError("VLQ value cut short: %r" % text)
    return values


def decode_mappings(mappings, sources):
    """{generated line: [(column, source name or NO_SOURCE), ...]} in file order."""
    by_line = {}
    source_index = original_line = original_column = name_index = 0
    for line_number, line_text in enumerate(mappings.split(";")):
        column = 0
        segments = []
        for text in line_text.split(","):
            if text == "":
                continue
            values = vlq_decode(text)
            column += values[0]
            target = NO_SOURCE
            if len(values) >= 4:
                source_index += values[1]
                original_line += values[2]
                original_column += values[3]
                if len(values) >= 5:
                    name_index += values[4]
                if 0 <= source_index < len(sources):
                    target = sources[source_index]
            segments.append((column, target))
        if segments:
            by_line[line_number] = segments
    return by_line


def resolve(source, source_root, map_folder):
    if source is None:
        return "[unknown]"
    if "\x00" in source:
        return "virtual:" + source[source.index("\x00"):].replace("\x00", "")
    has_scheme = re.match(r"^[A-Za-z][A-Za-z0-9+.\-]+:", source) is not None
    if source_root and not has_scheme:
        if source_root.endswith("/") or source.startswith("/"):
            source = source_root + source
        else:
            source = source_root + "/" + source
    source = source.replace("\\", "/")
    if re.match(r"^[A-Za-z][A-Za-z0-9+.\-]+:", source):
        parts = urllib.parse.urlsplit(source)
        path = parts.path
        if parts.scheme.lower() == "file":
            if re.match(r"^/[A-Za-z]:/", path):
                path = path[1:]
            return posixpath.normpath(path)
        return posixpath.normpath(path.lstrip("/") or ".")
    if source.startswith("/") or re.match(r"^[A-Za-z]:/", source):
        return posixpath.normpath(source)
    return posixpath.normpath(posixpath.join(map_folder, source))


PACKAGE = re.compile(r"(?:^|/)node_modules/((?:@[^/]+/)?[^/]+)")


def package_copy(source):
    last = None
    for match in PACKAGE.finditer(source):
        last = match
    if last is None or last.group(1).startswith("."):
        return "[no package]"
    return source[: last.end()]


def utf16_units(ch):
    return 2 if ord(ch) > 0xFFFF else 1


def utf8_length(ch):
    if 0xDC80 <= ord(ch) <= 0xDCFF:  # one undecodable byte, escaped
        return 1
    return len(ch.encode("utf-8"))


def attribute(generated, by_line):
    per_source = defaultdict(int)
    unmapped = terminators = 0
    raw_lines = generated.split(b"\n")
    for number, raw in enumerate(raw_lines):
        if number < len(raw_lines) - 1:
            if raw.endswith(b"\r"):
                raw = raw[:-1]
                terminators += 2
            else:
                terminators += 1
        segments = sorted(by_line.get(number, []), key=lambda s: s[0])  # stable
        columns = [column for column, _ in segments]
        unit = 0
        for ch in raw.decode("utf-8", "surrogateescape"):
            units = utf16_units(ch)
            owner = bisect.bisect_right(columns, unit + units - 1) - 1
            size = utf8_length(ch)
            if owner < 0 or segments[owner][1] is NO_SOURCE:
                unmapped += size
            else:
                per_source[segments[owner][1]] += size
            unit += units
    return per_source, unmapped, terminators


def main():
    args = sys.argv[1:]
    root = None
    if "--root" in args:
        at = args.index("--root")
        root = args[at + 1]
        del args[at : at + 2]
    with_sources = "--sources" in args
    args = [a for a in args if a != "--sources"]
    if len(args) != 2:
        sys.exit(__doc__)
    js_path, map_path = args
    with open(js_path, "rb") as handle:
        generated = handle.read()
    with open(map_path, "rb") as handle:
        smap = json.loads(handle.read().decode("utf-8-sig"))
    if smap.get("version") != 3 or "sections" in smap:
        sys.exit("only plain version 3 maps are supported")
    if root is None:
        root = os.path.dirname(os.path.abspath(map_path))
    relative_map = os.path.relpath(os.path.abspath(map_path), os.path.abspath(root))
    map_folder = posixpath.dirname(relative_map.replace(os.sep, "/"))
    names = [resolve(s, smap.get("sourceRoot"), map_folder) for s in smap.get("sources", [])]

    per_source, unmapped, terminators = attribute(
        generated, decode_mappings(smap["mappings"], names)
    )
    packages = defaultdict(int)
    for source, size in per_source.items():
        packages[package_copy(source)] += size
    result = {
        "packages": dict(sorted(packages.items())),
        "unmapped": unmapped,
        "line_terminators": terminators,
        "generated_bytes": len(generated),
    }
    if with_sources:
        result["sources"] = dict(sorted(per_source.items()))
    assert sum(per_source.values()) + unmapped + terminators == len(generated)
    json.dump(result, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
