"""Fail CI when browser tests or database tests were skipped, or when a run executed no test."""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET  # noqa: S405 - our own pytest report


def main(paths: list[str]) -> int:
    problems = []
    for path in paths:
        root = ET.parse(path).getroot()  # noqa: S314
        cases = root.iter("testcase")
        ran = 0
        for case in cases:
            ran += 1
            skipped = case.find("skipped")
            if skipped is not None:
                name = f"{case.get('classname')}.{case.get('name')}"
                problems.append(f"{path}: skipped {name}: {skipped.get('message', '')}")
        if ran == 0:
            problems.append(f"{path}: no test ran")
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
