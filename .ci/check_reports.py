"""Fail CI when browser tests or database tests were skipped, or when a run executed no test.

One kind of skip is expected: a test of what only PostgreSQL has (row locks between overlapping
transactions) says so with a reason starting "PostgreSQL only:" (tests/concurrency.py
postgresql_only) and is skipped in the SQLite report, never in the PostgreSQL one."""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET  # noqa: S405 - our own pytest report
from pathlib import Path

POSTGRESQL_ONLY = "PostgreSQL only:"


def main(paths: list[str]) -> int:
    problems = []
    for path in paths:
        root = ET.parse(path).getroot()  # noqa: S314
        cases = root.iter("testcase")
        ran = 0
        for case in cases:
            ran += 1
            skipped = case.find("skipped")
            expected = (skipped is not None and Path(path).name.startswith("sqlite")
                        and skipped.get("message", "").startswith(POSTGRESQL_ONLY))
            if skipped is not None and not expected:
                name = f"{case.get('classname')}.{case.get('name')}"
                problems.append(f"{path}: skipped {name}: {skipped.get('message', '')}")
        if ran == 0:
            problems.append(f"{path}: no test ran")
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
