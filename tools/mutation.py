"""Mutation testing on demand (mutmut) over the modules that guard people: each module against the
tests of its area, and the score of each.

    uv run python tools/mutation.py --list                  # the modules and their tests
    uv run python tools/mutation.py masking scoping         # some modules, one after another
    uv run python tools/mutation.py                         # all of them (hours on a shared machine)
    uv run python tools/mutation.py --report gates          # the last run's report again, without running

Not part of CI. A module runs in a scratch copy of the project (``$SHEQU_MUTATION_DIR``, default
/tmp/shequ-mutation/<module>): mutmut copies the source there with each mutant switchable, runs the
module's tests once to learn which test reaches which function, then, for each mutant, the tests
that reach the mutated function. It runs on SQLite with a test database kept between runs
(``--reuse-db``, the world built once), so the tests that empty the database (transactional ones)
are left out (tests/conftest.py, SHEQU_TESTS_REUSED_WORLD). One worker by default (``--children``):
the machine's cores are shared.

The report lists the survivors with their diffs. A survivor that no test could ever kill, because
the mutated code behaves the same (an equivalent mutant), is listed in EQUIVALENT below with the
reason, and left out of the score: killed / (mutants - equivalent). docs/testing.md records the
scores and the aim (above 90 %).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# mutmut, run with this interpreter's environment: only fixed arguments and our own mutant names.
MUTMUT = Path(sys.executable).parent / "mutmut"


@dataclass(frozen=True)
class Module:
    path: str  # a file, or a glob (mutmut's only_mutate) for a package
    tests: tuple[str, ...]


MODULES: dict[str, Module] = {
    "masking": Module("src/shequ/core/masking.py", ("tests/core/test_masking.py",)),
    "scoping": Module("src/shequ/core/scoping.py", (
        "tests/core/test_scoping.py", "tests/core/test_scoping_rules.py", "tests/gates/test_gate_scope.py",
        "tests/gates/test_device_binding.py")),
    "audit": Module("src/shequ/audit/services.py", (
        "tests/audit", "tests/accounts/test_security.py", "tests/registry/test_updates_audited.py")),
    "gates": Module("src/shequ/gates/services.py", (
        "tests/gates/test_services.py", "tests/workforce/test_gate_duty.py", "tests/gates/test_office_gates.py",
        "tests/workforce/test_gate_roster.py", "tests/gates/test_passes.py", "tests/gates/test_api.py",
        "tests/gates/test_device_binding.py", "tests/gates/test_api_times.py")),
    "campaigns": Module("src/shequ/campaigns/services.py", (
        "tests/campaigns/test_services.py", "tests/campaigns/test_retests.py", "tests/campaigns/test_state_changes.py",
        "tests/campaigns/test_results.py")),
    "importer": Module("src/shequ/registry/importer/*.py", (
        "tests/registry/test_importer.py", "tests/registry/test_import_rows.py",
        "tests/registry/test_import_partway.py", "tests/registry/test_import_details.py")),
}


@dataclass(frozen=True)
class Equivalent:
    """A mutant that behaves as the original: the function it is in, the line it changes, the line it
    makes (both stripped), and why no test can tell them apart."""

    module: str
    function: str
    original: str
    mutated: str
    reason: str


EQUIVALENT: list[Equivalent] = [
    Equivalent("masking", "_area_code_length", 'return 3 if value[1] in "12" else 4',
               'return 3 if value[1] in "XX12XX" else 4',
               "the value holds digits only (normalize_phone), so the added X characters never match"),
    Equivalent("audit", "client_address",
               'hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]',
               'hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "XXXX").split(",") if h.strip()]',
               "without the header the one hop XXXX is never an address, so the connection's address is used as "
               "with no hop"),
    Equivalent("audit", "audit_record",
               'object_type=(obj._meta.model_name or "") if obj is not None else "",',
               'object_type=(obj._meta.model_name or "XXXX") if obj is not None else "",',
               "a Django model's model_name is never empty, so the fallback is never read"),
    *(Equivalent("audit", "audit_record",
                 'is_user = actor is not None and getattr(actor, "is_authenticated", False)',
                 f'is_user = actor is not None and getattr(actor, "is_authenticated", {default})',
                 "the default is read only for an actor without is_authenticated; every caller passes None, a "
                 "user or AnonymousUser") for default in ("None", "", "True")),
    Equivalent("scoping", "require", "return cast(View, wrapped)  # the view's own signature (functools.wraps)",
               "return cast(None, wrapped)  # the view's own signature (functools.wraps)",
               "typing.cast returns its second argument whatever the first: it only speaks to the type checker"),
    *(Equivalent("importer", "csv_rows", 'for encoding in ("utf-8-sig", "gb18030"):', f"for encoding in ({codecs}):",
                 "Python looks codecs up by name without regard to case") for codecs in (
        '"UTF-8-SIG", "gb18030"', '"utf-8-sig", "GB18030"')),
    Equivalent("importer", "csv_rows", 'first_line = next((line for line in text.splitlines() if line.strip()), "")',
               'first_line = next((line for line in text.splitlines() if line.strip()), "XXXX")',
               "read only for the counts of comma, semicolon and tab in it: neither default holds any, so the "
               "comma wins in both"),
    Equivalent("importer", "_tags", "problem: str | None = None", 'problem: str | None = ""',
               "problem is read only as a truth value (if problem), and both are false"),
]


# -- running ---------------------------------------------------------------------------------------------
def workdir(name: str) -> Path:
    return Path(os.environ.get("SHEQU_MUTATION_DIR", "/tmp/shequ-mutation")) / name  # noqa: S108 - a scratch copy


def prepare(name: str, module: Module) -> Path:
    work = workdir(name)
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    for part in ("src", "tests", "pyproject.toml"):
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, work / part, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(source, work / part)
    # pyproject.toml has no [tool.mutmut] table, so mutmut reads this.
    (work / "setup.cfg").write_text(
        "[mutmut]\n"
        "source_paths = src\n"
        f"only_mutate = {module.path}\n"
        "pytest_add_cli_args_test_selection =\n" + "".join(f"    {t}\n" for t in module.tests) +
        "pytest_add_cli_args =\n    -q\n    -p\n    no:cacheprovider\n    --reuse-db\n    -m\n    not browser\n"
    )
    return work


def run(name: str, module: Module, children: int) -> Path:
    work = prepare(name, module)
    env = {**os.environ, "SHEQU_TEST_SQLITE": str(work / "test-world.sqlite3"), "SHEQU_TESTS_REUSED_WORLD": "1",
           "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("SHEQU_DATABASE_URL", None)
    print(f"== {name}: mutating {module.path}, testing with {' '.join(module.tests)} (log: {work}/run.log)",
          flush=True)
    with open(work / "run.log", "w") as log:
        subprocess.run([str(MUTMUT), "run", "--max-children", str(children)], cwd=work, env=env, stdout=log,  # noqa: S603
                       stderr=subprocess.STDOUT, check=False)
    subprocess.run([str(MUTMUT), "export-cicd-stats"], cwd=work, env=env, capture_output=True, check=False)  # noqa: S603
    return work


# -- reporting -------------------------------------------------------------------------------------------
_RESULT = re.compile(r"^\s*(\S+): (.+)$")
# x_function__mutmut_N, or xǁClassǁmethod__mutmut_N for a method.
_FUNCTION = re.compile(r"\.x(?:_|ǁ[^ǁ]+ǁ)(\w+?)__mutmut_\d+$")


def _diff(work: Path, mutant: str) -> tuple[str, str]:
    shown = subprocess.run([str(MUTMUT), "show", mutant], cwd=work, capture_output=True, text=True,  # noqa: S603
                           check=False).stdout
    removed = [line[1:].strip() for line in shown.splitlines() if line.startswith("-") and not line.startswith("---")]
    added = [line[1:].strip() for line in shown.splitlines() if line.startswith("+") and not line.startswith("+++")]
    return " / ".join(removed), " / ".join(added)


def report(name: str, work: Path) -> dict[str, object]:
    stats_file = work / "mutants" / "mutmut-cicd-stats.json"
    if not stats_file.exists():
        raise SystemExit(f"{name}: no results in {work} (run it first; see {work}/run.log)")
    stats = json.loads(stats_file.read_text())
    listed = subprocess.run([str(MUTMUT), "results"], cwd=work, capture_output=True, text=True,  # noqa: S603
                            check=False).stdout
    survivors, equivalent, other = [], [], []
    for line in listed.splitlines():
        match = _RESULT.match(line)
        if not match:
            continue
        mutant, status = match.groups()
        function_match = _FUNCTION.search(mutant)
        function = function_match.group(1).lstrip("_") if function_match else "?"
        original, mutated = _diff(work, mutant)
        known = next((e for e in EQUIVALENT if e.module == name and e.function.lstrip("_") == function
                      and e.original == original and e.mutated == mutated), None)
        entry = {"mutant": mutant, "status": status, "original": original, "mutated": mutated}
        if known is not None:
            equivalent.append({**entry, "reason": known.reason})
        elif status == "survived":
            survivors.append(entry)
        else:
            other.append(entry)
    total = int(stats["total"])
    detected = int(stats["killed"]) + int(stats["timeout"])
    # An equivalent mutant survives; leaving it out takes it from the total, not from the killed.
    counted = total - len(equivalent)
    score = 100.0 * detected / counted if counted else 100.0
    summary = {"module": name, "path": MODULES[name].path, "mutants": total, "killed": int(stats["killed"]),
               "timeout": int(stats["timeout"]), "equivalent": len(equivalent), "survived": survivors,
               "not_run": other, "score": round(score, 1)}
    (work / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2))
    print(f"== {name} ({MODULES[name].path}): {total} mutants, {detected} killed (timeouts {stats['timeout']}), "
          f"{len(equivalent)} equivalent, {len(survivors)} survived, {len(other)} not run: "
          f"score {score:.1f} % of non-equivalent mutants killed")
    for s in survivors:
        print(f"   survived {s['mutant']}:\n      - {s['original']}\n      + {s['mutated']}")
    for o in other:
        print(f"   {o['status']} {o['mutant']}:\n      - {o['original']}\n      + {o['mutated']}")
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", help=f"some of: {', '.join(MODULES)} (default: all)")
    parser.add_argument("--children", type=int, default=1, help="mutants tested at once (default 1)")
    parser.add_argument("--report", action="store_true", help="print the last run's report only")
    parser.add_argument("--list", action="store_true", help="list the modules and their tests")
    args = parser.parse_args()
    if args.list:
        for name, module in MODULES.items():
            print(f"{name:10} {module.path}\n{'':10} {' '.join(module.tests)}")
        return 0
    unknown = set(args.modules) - set(MODULES)
    if unknown:
        parser.error(f"unknown modules: {', '.join(sorted(unknown))}")
    scores = []
    for name in args.modules or list(MODULES):
        work = workdir(name) if args.report else run(name, MODULES[name], args.children)
        scores.append(report(name, work)["score"])
    return 0 if all(float(s) > 90 for s in scores) else 1  # type: ignore[arg-type]


if __name__ == "__main__":
    sys.exit(main())
