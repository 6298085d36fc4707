"""tools/mutation.py names the modules it mutates and the tests it runs on them by path: when code or
tests move (the importer became a package, the roster moved to workforce), the tool must follow, or
mutmut mutates nothing and pytest collects nothing, and the score says nothing."""

from __future__ import annotations

import fnmatch
import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _tool():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("mutation_tool", ROOT / "tools" / "mutation.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def test_every_module_mutates_files_that_exist_and_runs_tests_that_exist() -> None:
    tool = _tool()
    sources = [str(p.relative_to(ROOT)) for p in (ROOT / "src").rglob("*.py")]
    problems = []
    for name, module in tool.MODULES.items():
        if not any(fnmatch.fnmatch(source, module.path) for source in sources):
            problems.append(f"{name}: no source file matches {module.path}")
        problems += [f"{name}: no test file or folder {t}" for t in module.tests if not (ROOT / t).exists()]
    assert not problems, "\n".join(problems)


def test_every_equivalent_mutant_is_of_a_listed_module() -> None:
    tool = _tool()
    assert {e.module for e in tool.EQUIVALENT} <= set(tool.MODULES)
