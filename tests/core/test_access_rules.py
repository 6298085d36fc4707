"""The access model keeps its shape: core/scoping.py knows no app, the apps declare their own rules,
only selectors apply a Scope, roles are defined once, and nothing remembered is forgotten by a signal."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.db import models
from django.db.models.signals import post_delete, post_save

from shequ.accounts.models import ApiToken, Membership, Role, User
from shequ.core import scoping
from shequ.core.scoping import CAPABILITIES, Reach, Scope, declare_capabilities, declare_scope
from shequ.gates.models import Gate, GateDevice
from shequ.registry.models import Building, Person

SRC = Path(scoping.__file__).resolve().parents[1]


def _python_files() -> list[Path]:
    return [p for p in SRC.rglob("*.py") if "migrations" not in p.parts]


def test_core_scoping_imports_no_app_and_looks_no_model_up_by_name() -> None:
    source = Path(scoping.__file__).read_text()
    imported = [n.module or "" for n in ast.walk(ast.parse(source)) if isinstance(n, ast.ImportFrom)]
    imported += [a.name for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Import) for a in n.names]
    assert not [m for m in imported if m.startswith("shequ")], imported
    assert "get_model" not in source and "django.apps" not in source


def test_each_app_declares_its_own_capabilities() -> None:
    """Every capability is declared by the app its name starts with (person.*, export.*, street.*
    and community.* by the registry, person.call by campaigns, its only user)."""
    from shequ.accounts import access as accounts
    from shequ.alerts import access as alerts
    from shequ.audit import access as audit
    from shequ.campaigns import access as campaigns
    from shequ.containment import access as containment
    from shequ.disinfection import access as disinfection
    from shequ.gates import access as gates
    from shequ.health import access as health
    from shequ.notices import access as notices
    from shequ.passes import access as passes
    from shequ.registry import access as registry
    from shequ.reports import access as reports
    from shequ.services import access as services
    from shequ.stock import access as stock
    from shequ.supplies import access as supplies
    from shequ.workforce import access as workforce

    modules = (accounts, registry, audit, alerts, containment, passes, gates, campaigns, health, supplies,
               disinfection, stock, notices, services, workforce, reports)
    declared = [name for module in modules for name in module.CAPABILITIES]
    assert sorted(declared) == sorted(CAPABILITIES)  # each once, and nothing declared elsewhere
    for module in modules:
        for name in module.CAPABILITIES:
            assert f"shequ.{name.split('.')[0]}." in module.__name__ or module is registry or name == "person.call"


def test_only_selectors_apply_a_scope() -> None:
    """A view, API route or service reads through a selector: the Scope becomes a query only there."""
    pattern = re.compile(r"\bscope\.filter\(")
    offenders = [str(p.relative_to(SRC)) for p in _python_files()
                 if p.name != "selectors.py" and p != Path(scoping.__file__) and pattern.search(p.read_text())]
    assert offenders == []


def test_roles_are_defined_once() -> None:
    assert Role is scoping.Role
    assert Membership._meta.get_field("role").choices == Role.choices
    literal = re.compile(r"""role(?:__in)?\s*=\s*[\[\(\{]?\s*["']""")
    offenders = [str(p.relative_to(SRC)) for p in _python_files() if literal.search(p.read_text())]
    assert offenders == []


@pytest.mark.parametrize("model", [User, Membership, ApiToken, Gate, GateDevice])
def test_no_signal_forgets_what_the_caches_remember(model: type[models.Model]) -> None:
    """The token and gate caches are cleared by the services that make a change (a QuerySet.update()
    sends no signal, so a signal would only look complete)."""
    assert not post_save.has_listeners(model) and not post_delete.has_listeners(model)


def test_a_scope_is_immutable() -> None:
    scope = Scope(user_id=1, roles=frozenset({Role.STAFF}), roles_by_community={7: {Role.STAFF}},
                  grants={"community": {7}})
    with pytest.raises(TypeError):
        scope.grants["community"] = frozenset({8})  # type: ignore[index]
    with pytest.raises(TypeError):
        scope.roles_by_community[8] = frozenset({Role.SECRETARY})  # type: ignore[index]
    with pytest.raises(AttributeError):
        scope.user_id = 2  # type: ignore[misc]
    assert scope.granted("community") == {7} and scope.granted("grid") == frozenset()


def test_declarations_are_checked() -> None:
    with pytest.raises(ValueError, match="unknown roles"):
        declare_capabilities({"test.unknown_role": {"mayor"}})
    with pytest.raises(ValueError, match="declared twice"):
        declare_capabilities({"registry.edit": {Role.RESIDENT}})
    declare_capabilities({"registry.edit": CAPABILITIES["registry.edit"]})  # the same again: harmless
    with pytest.raises(ValueError, match="declared twice"):
        declare_scope(Person, community="id")
    with pytest.raises(LookupError, match="declare it in its app's access.py"):
        Scope().filter(Person.objects.all(), "no such variant")


@pytest.mark.django_db
def test_sees_needs_paths_on_the_row_itself() -> None:
    scope = Scope(grants={"grid": {1}})
    with pytest.raises(TypeError, match="needs a query"):
        scope.sees(Person, id=1, community_id=1, household_id=1)
    assert Reach("grid_id").q(scope, frozenset()) is None
    assert not scope.filter(Building.objects.none()).exists()
