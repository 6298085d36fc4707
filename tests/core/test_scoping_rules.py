"""The rules of core/scoping.py itself: how capabilities and scope paths are declared, that a Scope
cannot be changed once built, and how several kinds of grant combine in ``filter`` and ``sees``.

tests/core/test_scoping.py checks the declared rules of every role against the world; this file
checks the machinery those declarations go through (the mutation run of docs/testing.md found it
unchecked: apps declare at start-up, so a broken ``declare_scope`` showed in no test of a role)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from shequ.core import scoping
from shequ.core.scoping import (
    CAPABILITIES,
    Reach,
    Role,
    Scope,
    declare_capabilities,
    declare_scope,
    scope_paths,
)
from shequ.registry.models import Grid, Household, Person

TEST_VARIANT = "tests.scoping-rules"


@pytest.fixture
def clean_declarations() -> Iterator[None]:
    """Whatever a test declares is taken back, so that no other test sees it."""
    capabilities = dict(CAPABILITIES)
    paths = dict(scoping._PATHS)
    providers = list(scoping.GRANT_PROVIDERS)
    yield
    CAPABILITIES.clear()
    CAPABILITIES.update(capabilities)
    scoping._PATHS.clear()
    scoping._PATHS.update(paths)
    scoping.GRANT_PROVIDERS[:] = providers


# -- declaring capabilities ---------------------------------------------------------------------

def test_a_declared_capability_is_held_by_exactly_its_roles(clean_declarations: None) -> None:
    declare_capabilities({"tests.read": [Role.SECRETARY, Role.STAFF]})
    assert CAPABILITIES["tests.read"] == frozenset({"secretary", "staff"})
    assert Scope(roles={"staff"}).can("tests.read")
    assert not Scope(roles={"grid_worker"}).can("tests.read")


def test_declaring_the_same_roles_again_is_harmless(clean_declarations: None) -> None:
    declare_capabilities({"tests.read": [Role.SECRETARY]})
    declare_capabilities({"tests.read": {"secretary"}})
    assert CAPABILITIES["tests.read"] == frozenset({"secretary"})


def test_declaring_a_capability_again_with_other_roles_is_refused(clean_declarations: None) -> None:
    declare_capabilities({"tests.read": [Role.SECRETARY]})
    with pytest.raises(ValueError, match=r"capability 'tests.read' is declared twice, with different roles"):
        declare_capabilities({"tests.read": [Role.SECRETARY, Role.GRID_WORKER]})
    assert CAPABILITIES["tests.read"] == frozenset({"secretary"})


def test_an_unknown_role_is_refused_and_named(clean_declarations: None) -> None:
    with pytest.raises(ValueError, match=r"capability 'tests.read': unknown roles \['mayor'\]"):
        declare_capabilities({"tests.read": ["secretary", "mayor"]})
    assert "tests.read" not in CAPABILITIES


# -- declaring scope paths ----------------------------------------------------------------------

def test_declared_paths_are_read_back_as_reaches(clean_declarations: None) -> None:
    within = Reach("community_id", within="registry.view_places")
    declare_scope(Household, variant=TEST_VARIANT, community="community_id", grid=within)
    paths = scope_paths(Household, TEST_VARIANT)
    assert paths == {"community": Reach("community_id"), "grid": within}
    # the default variant is the registry's own rule, untouched
    assert scope_paths(Household)["grid"] == Reach("room__unit__building__grid_id")


def test_a_declaration_without_a_variant_is_the_models_usual_rule(clean_declarations: None) -> None:
    keys = set(scoping._PATHS)
    usual = dict(scope_paths(Household))
    declare_scope(Household, **usual)  # what registry/access.py declares: the same rule again
    assert set(scoping._PATHS) == keys
    assert scope_paths(Household) == usual


def test_declaring_no_path_is_refused(clean_declarations: None) -> None:
    with pytest.raises(ValueError, match=r"Household: no scope path declared"):
        declare_scope(Household, variant=TEST_VARIANT)
    with pytest.raises(LookupError):
        scope_paths(Household, TEST_VARIANT)


def test_declaring_a_scope_twice_differently_is_refused(clean_declarations: None) -> None:
    declare_scope(Household, variant=TEST_VARIANT, community="community_id")
    declare_scope(Household, variant=TEST_VARIANT, community=Reach("community_id"))  # the same: harmless
    with pytest.raises(ValueError, match=rf"the scope of Household \(variant '{TEST_VARIANT}'\) is declared twice"):
        declare_scope(Household, variant=TEST_VARIANT, community="id")
    assert scope_paths(Household, TEST_VARIANT) == {"community": Reach("community_id")}


def test_an_undeclared_model_or_variant_says_where_to_declare_it() -> None:
    with pytest.raises(LookupError, match=r"no scope declared for Household \(variant 'nowhere'\): "
                                          r"declare it in its app's access.py"):
        scope_paths(Household, "nowhere")
    assert scope_paths(Household) is scope_paths(Household, "")


def test_a_grant_provider_is_registered_once(clean_declarations: None) -> None:
    def provider(user: Any, scope: Scope, context: Any) -> dict[str, list[int]]:
        return {}

    before = len(scoping.GRANT_PROVIDERS)
    assert scoping.grant_provider(provider) is provider
    scoping.grant_provider(provider)
    assert scoping.GRANT_PROVIDERS[before:] == [provider]


# -- a Scope is immutable -----------------------------------------------------------------------

def test_a_scope_keeps_what_it_was_built_with_whatever_happens_to_the_arguments() -> None:
    by_community = {1: {"secretary"}}
    roles = {"secretary"}
    grants = {"community": {1}, "grid": set()}
    scope = Scope(roles_by_community=by_community, roles=roles, grants=grants)
    by_community[1].add("staff")
    by_community[2] = {"staff"}
    roles.add("staff")
    grants["community"].add(2)
    grants["grid"].add(7)
    assert dict(scope.roles_by_community) == {1: frozenset({"secretary"})}
    assert scope.roles == frozenset({"secretary"}) and isinstance(scope.roles, frozenset)
    assert dict(scope.grants) == {"community": frozenset({1})}  # an empty grant is no grant
    with pytest.raises(TypeError):
        scope.roles_by_community[3] = frozenset({"staff"})  # type: ignore[index]
    with pytest.raises(TypeError):
        scope.grants["grid"] = frozenset({9})  # type: ignore[index]


# -- several kinds of grant ---------------------------------------------------------------------

@pytest.mark.django_db
def test_filter_is_the_union_of_every_kind_of_grant(anchor_household: Household,
                                                    other_grid_household: Household) -> None:
    """A user who is the grid worker of one grid and holds one household of another sees both, not
    only what both grants reach (none) nor only the first."""
    grid = anchor_household.room.unit.building.grid
    scope = Scope(roles={"grid_worker"}, grants={"grid": {grid.pk}, "household": {other_grid_household.pk}})
    expected = set(Household.objects.filter(room__unit__building__grid=grid).values_list("pk", flat=True))
    expected.add(other_grid_household.pk)
    assert other_grid_household.pk not in set(Household.objects.filter(room__unit__building__grid=grid)
                                               .values_list("pk", flat=True))
    assert set(scope.filter(Household.objects.all()).values_list("pk", flat=True)) == expected
    persons = set(Person.objects.filter(household_id__in=expected).values_list("pk", flat=True))
    assert set(scope.filter(Person.objects.all()).values_list("pk", flat=True)) == persons


@pytest.mark.django_db
def test_sees_tries_every_kind_of_grant_before_saying_no(anchor_household: Household,
                                                         other_grid_household: Household) -> None:
    grid = anchor_household.room.unit.building.grid
    other_grid = other_grid_household.room.unit.building.grid
    assert grid != other_grid and Grid.objects.filter(pk=other_grid.pk).exists()
    scope = Scope(roles={"grid_worker"}, grants={"grid": {grid.pk}, "household": {other_grid_household.pk}})

    def row(household: Household) -> dict[str, int]:
        return {"community_id": household.community_id, "id": household.pk,
                "room__unit__building__grid_id": household.room.unit.building.grid_id}

    assert scope.sees(Household, **row(anchor_household))  # by the grid
    assert scope.sees(Household, **row(other_grid_household))  # not by the grid: by the household
    stranger = Household.objects.exclude(room__unit__building__grid=grid).exclude(pk=other_grid_household.pk).first()
    assert stranger is not None
    assert not scope.sees(Household, **row(stranger))


def test_sees_refuses_a_row_without_the_value_of_a_path() -> None:
    scope = Scope(roles={"grid_worker"}, grants={"grid": {1}})
    with pytest.raises(TypeError, match=r"Household: the path 'room__unit__building__grid_id' needs a query, "
                                        r"or its value read with the row"):
        scope.sees(Household, community_id=1, id=5)
