#!/usr/bin/env python3
"""Independent oracle for webaudit's gzip sizes.

Reads file paths (one per line) on stdin and prints a JSON object {path: gzip size}, where the
gzip size is CPython's zlib at level 9 in a gzip wrapper without a file name (wbits 31): the
definition webaudit documents. It shares no code with webaudit.
"""
import json
import sys
import zlib


def gzip_size(path):
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    total = 0
    with open(path, "rb") as handle:
        while True:
            chunk = handle.read(1 << 20)
            if not chunk:
                break
            total += len(compressor.compress(chunk))
    return total + len(compressor.flush())


paths = [line.rstrip("\n") for line in sys.stdin if line.strip()]
json.dump({path: gzip_size(path) for path in paths}, sys.stdout)
