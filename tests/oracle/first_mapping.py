#!/usr/bin/env python3
"""Independent oracle for webaudit's original-position lookup (sourcemap::original_position).

Usage: python3 first_mapping.py MAP SOURCE

Prints "LINE COLUMN" (1-based) of the first mapping, in generated order, whose `sources` entry
is exactly SOURCE as written in the map, or nothing when there is none. Decodes the VLQ with
the attribution oracle's decoder (stdlib only, no code shared with webaudit). Plain v3 maps
only.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sourcemap_attribution import vlq_decode  # noqa: E402


def main():
    map_path, wanted = sys.argv[1], sys.argv[2]
    with open(map_path, encoding="utf-8") as handle:
        source_map = json.load(handle)
    sources = source_map["sources"]
    source = original_line = original_column = 0
    for line_text in source_map["mappings"].split(";"):
        for segment in filter(None, line_text.split(",")):
            values = vlq_decode(segment)
            if len(values) >= 4:
                source += values[1]
                original_line += values[2]
                original_column += values[3]
                if sources[source] == wanted:
                    print(original_line + 1, original_column + 1)
                    return


if __name__ == "__main__":
    main()
