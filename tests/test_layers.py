"""The layers of the package hold (docs/architecture.md, "Layers"): the import-linter contract in
pyproject.toml passes, a broken layer fails it, and no code outside migrations looks a model up by
name (``apps.get_model``), which would reach across the layers where imports cannot be checked."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """lint-imports over the package found under ``root``/src, with the project's contract."""
    env = {**os.environ, "PYTHONPATH": str(root / "src")}
    return subprocess.run(  # noqa: S603 - our own interpreter and tool
        [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command; "
         "sys.exit(lint_imports_command())", "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=root, env=env, capture_output=True, text=True, timeout=300, check=False)


def test_the_layers_contract_is_kept() -> None:
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_an_import_against_the_layers_breaks_the_contract(tmp_path: Path) -> None:
    """containment importing gates (the arrow runs the other way) and core importing an app."""
    shutil.copytree(SRC / "shequ", tmp_path / "src" / "shequ", ignore=shutil.ignore_patterns(
        "locale", "static", "templates", "__pycache__"))
    with (tmp_path / "src" / "shequ" / "containment" / "views.py").open("a", encoding="utf-8") as f:
        f.write("\nfrom shequ.gates import rules  # noqa: E402\n")
    with (tmp_path / "src" / "shequ" / "core" / "text.py").open("a", encoding="utf-8") as f:
        f.write("\nfrom shequ.registry import models  # noqa: E402\n")
    result = _lint_imports(tmp_path)
    assert result.returncode != 0
    assert "shequ.containment.views -> shequ.gates.rules" in result.stdout
    assert "shequ.core.text -> shequ.registry.models" in result.stdout


def _get_model_calls() -> set[tuple[str, str]]:
    found = set()
    for path in sorted((SRC / "shequ").rglob("*.py")):
        if "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        for node in ast.walk(ast.parse(text)):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "get_model"):
                found.add((path.relative_to(SRC).as_posix(), lines[node.lineno - 1].strip()))
    return found


def test_no_model_is_looked_up_by_name_outside_migrations() -> None:
    unexpected = _get_model_calls()
    assert not unexpected, "look models up by import in the layer order instead: " + repr(sorted(unexpected))
