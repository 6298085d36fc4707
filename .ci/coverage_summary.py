"""Print line and branch coverage from coverage.py's JSON report, and the least covered files.

    python .ci/coverage_summary.py coverage.json [LABEL]
"""

from __future__ import annotations

import json
import sys


def main(path: str, label: str = "") -> int:
    data = json.loads(open(path, encoding="utf-8").read())  # noqa: SIM115 - read once
    totals = data["totals"]
    lines = 100.0 * totals["covered_lines"] / max(totals["num_statements"], 1)
    branches = 100.0 * totals["covered_branches"] / max(totals["num_branches"], 1)
    print(f"coverage{' ' + label if label else ''}: lines {lines:.1f} % ({totals['covered_lines']}/"
          f"{totals['num_statements']}), branches {branches:.1f} % ({totals['covered_branches']}/"
          f"{totals['num_branches']})")
    files = sorted(data["files"].items(), key=lambda kv: kv[1]["summary"]["percent_covered"])
    low = [(name, f["summary"]["percent_covered"]) for name, f in files if f["summary"]["percent_covered"] < 80]
    for name, percent in low[:10]:
        print(f"  {percent:5.1f} %  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
