"""Who may see and do what: the Scope, the one filter that applies it, and the registries the apps fill.

A user's memberships become a ``Scope`` (built where memberships live, ``accounts.access.scope_for``):
the roles held per community, and per kind of grant the ids granted (``"community"``: the whole
community, for secretary and staff; ``"grid"``; ``"household"``; ``"gate"``...). Nothing here knows
an app. Each app declares, in its own ``access.py`` beside its models and registered from its
``AppConfig.ready``:

- its capabilities and the roles that hold them (``declare_capabilities``). ``scope.can(capability,
  community_id)`` answers whether the user may take an action; ``require()`` turns a page a role may
  not use at all into a 403 that names no object;
- for each of its scoped models, the path from a row to each kind of grant (``declare_scope(Person,
  community="community_id", grid="household__room__unit__building__grid_id")``). ``scope.filter(qs)``
  keeps the rows reachable by any grant the user holds, so an object outside it is simply not found:
  a 404, the same as a missing one. Only selectors call it;
- where an app grants more than memberships do (the gate posts of a guard, a device token's gate), a
  grant provider (``grant_provider``), called when a Scope is built.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, TypeVar, cast

from django.db import models
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """Every role a membership may hold: the one definition (accounts.Membership.role uses it)."""

    SECRETARY = "secretary", _("community secretary")
    STAFF = "staff", _("community staff")
    GRID_WORKER = "grid_worker", _("grid worker")
    GATE_GUARD = "gate_guard", _("gate guard")
    VOLUNTEER = "volunteer", _("volunteer")
    PROPERTY = "property", _("property company")
    SAMPLER = "sampler", _("medical sampler")
    STREET = "street", _("street office")
    RESIDENT = "resident", _("resident")


# -- what the apps declare ----------------------------------------------------------------------------

# capability -> roles that hold it (within the community of the membership). Filled by the apps.
CAPABILITIES: dict[str, frozenset[str]] = {}


def declare_capabilities(capabilities: Mapping[str, Iterable[str]]) -> None:
    """``{"registry.edit": {Role.SECRETARY, ...}}``. A name is declared once; declaring it again with
    the same roles is harmless (an app's ready() may run twice in tests), with others an error."""
    for name, roles in capabilities.items():
        held = frozenset(str(r) for r in roles)
        unknown = held - set(Role.values)
        if unknown:
            raise ValueError(f"capability {name!r}: unknown roles {sorted(unknown)}")
        if CAPABILITIES.get(name, held) != held:
            raise ValueError(f"capability {name!r} is declared twice, with different roles")
        CAPABILITIES[name] = held


@dataclass(frozen=True)
class Reach:
    """How the rows of a model are reached through one kind of grant.

    ``lookup`` is a path from the row to the granted id (``"household__room__unit__building__grid_id"``)
    or a function from the granted ids to a ``Q`` (a compound reached through its buildings' grids).
    ``within``: only rows of communities (their ``community_id``) where the user holds this
    capability. ``alone``: while the user holds this kind of grant, it is the only way to the
    model's rows (a device token bound to one gate sees that gate, whatever its user's role)."""

    lookup: str | Callable[[list[int]], Q]
    within: str | None = None
    alone: bool = False

    def q(self, scope: Scope, ids: frozenset[int]) -> Q | None:
        if not ids:
            return None
        ordered = sorted(ids)
        q = self.lookup(ordered) if callable(self.lookup) else Q(**{f"{self.lookup}__in": ordered})
        if self.within is not None:
            communities = scope.communities_where(self.within)
            if not communities:
                return None
            q &= Q(community_id__in=sorted(communities))
        return q


# (model, variant) -> grant kind -> Reach
_PATHS: dict[tuple[type[models.Model], str], dict[str, Reach]] = {}


def declare_scope(model: type[models.Model], *, variant: str = "", **paths: str | Callable[[list[int]], Q] | Reach) -> None:
    """The scope paths of a model, per kind of grant: ``declare_scope(Household, community="community_id",
    grid="room__unit__building__grid_id", household="id")``. A grant kind not named reaches none of
    its rows. ``variant`` names a second rule for the same model, for a read that sees more or less
    than the usual one (``scope.filter(qs, variant="campaigns.field")``)."""
    if not paths:
        raise ValueError(f"{model.__name__}: no scope path declared")
    declared = {kind: p if isinstance(p, Reach) else Reach(p) for kind, p in paths.items()}
    key = (model, variant)
    if _PATHS.get(key, declared) != declared:
        raise ValueError(f"the scope of {model.__name__} (variant {variant!r}) is declared twice, differently")
    _PATHS[key] = declared


def scope_paths(model: type[models.Model], variant: str = "") -> Mapping[str, Reach]:
    try:
        return _PATHS[(model, variant)]
    except KeyError:
        raise LookupError(f"no scope declared for {model.__name__} (variant {variant!r}): "
                          "declare it in its app's access.py") from None


GrantProvider = Callable[[Any, "Scope", Mapping[str, Any]], Mapping[str, Iterable[int]]]
GRANT_PROVIDERS: list[GrantProvider] = []


def grant_provider(provider: GrantProvider) -> GrantProvider:
    """Register ``provider(user, scope, context) -> {kind: ids}``: grants an app adds to the Scope
    built from memberships (``context``: what the caller of scope_for passed, e.g. a device's gate)."""
    if provider not in GRANT_PROVIDERS:
        GRANT_PROVIDERS.append(provider)
    return provider


# -- the Scope ---------------------------------------------------------------------------------------


def _frozen(mapping: Mapping[Any, Iterable[Any]] | None) -> Mapping[Any, frozenset[Any]]:
    return MappingProxyType({k: frozenset(v) for k, v in (mapping or {}).items() if v})


@dataclass(frozen=True)
class Scope:
    """What one user may see and do. Immutable (its mappings are read-only); computed once per request,
    and shared across requests by the token cache."""

    user_id: int | None = None
    is_superuser: bool = False
    roles_by_community: Mapping[int, frozenset[str]] = field(default_factory=dict)
    roles: frozenset[str] = frozenset()
    # kind of grant -> ids granted ("community", "grid", "property_company", "household", "street", ...)
    grants: Mapping[str, frozenset[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "roles_by_community", _frozen(self.roles_by_community))
        object.__setattr__(self, "grants", _frozen(self.grants))
        object.__setattr__(self, "roles", frozenset(self.roles))

    def with_grants(self, extra: Mapping[str, Iterable[int]]) -> Scope:
        grants = {k: set(v) for k, v in self.grants.items()}
        for kind, ids in extra.items():
            grants.setdefault(kind, set()).update(ids)
        return replace(self, grants={k: frozenset(v) for k, v in grants.items()})

    # -- capabilities ------------------------------------------------------------------------
    def can(self, capability: str, community_id: int | None = None) -> bool:
        allowed = CAPABILITIES[capability]
        if community_id is None:
            return bool(self.roles & allowed)
        return bool(self.roles_by_community.get(community_id, frozenset()) & allowed)

    def communities_where(self, capability: str) -> frozenset[int]:
        """Communities where the user holds the capability."""
        allowed = CAPABILITIES[capability]
        return frozenset(c for c, roles in self.roles_by_community.items() if roles & allowed)

    @property
    def community_ids(self) -> frozenset[int]:
        return frozenset(self.roles_by_community)

    def granted(self, kind: str) -> frozenset[int]:
        return self.grants.get(kind, frozenset())

    # -- rows --------------------------------------------------------------------------------
    def _reaches(self, model: type[models.Model], variant: str) -> list[tuple[Reach, frozenset[int]]]:
        held = [(reach, self.granted(kind)) for kind, reach in scope_paths(model, variant).items()]
        held = [(reach, ids) for reach, ids in held if ids]
        alone = [(reach, ids) for reach, ids in held if reach.alone]
        return alone or held

    def filter(self, qs: QuerySet[Any], variant: str = "") -> QuerySet[Any]:
        """The rows of ``qs`` the user may see, by the scope paths declared for its model: the one
        place a scope becomes a query. Called by selectors only."""
        q: Q | None = None
        for reach, ids in self._reaches(qs.model, variant):
            part = reach.q(self, ids)
            if part is not None:
                q = part if q is None else q | part
        return qs.none() if q is None else qs.filter(q)

    def sees(self, model: type[models.Model], variant: str = "", **row: Any) -> bool:
        """``filter`` for one row already read, without a query (a passage's gate, several times a
        second per device): ``row`` holds the values of the model's paths (``id=..., community_id=...``),
        columns of the row itself or, for a path through a join (``compound__property_company_id``),
        the value read with the row. Tests hold the two to each other."""
        for reach, ids in self._reaches(model, variant):
            if not isinstance(reach.lookup, str) or reach.lookup not in row:
                raise TypeError(f"{model.__name__}: the path {reach.lookup!r} needs a query, or its value "
                                "read with the row")
            if row[reach.lookup] not in ids:
                continue
            if reach.within is None or row["community_id"] in self.communities_where(reach.within):
                return True
        return False


ANONYMOUS = Scope()

View = TypeVar("View", bound=Callable[..., Any])


def require(capability: str) -> Callable[[View], View]:
    """View decorator: anonymous users go to the login page; a role without the capability gets a
    403 that names no object. Object lookups inside the view then use the Scope (404 outside)."""
    from functools import wraps

    from django.contrib.auth.views import redirect_to_login
    from django.core.exceptions import PermissionDenied

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: Any, *args: Any, **kwargs: Any) -> Any:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not request.scope.can(capability):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.capability = capability  # type: ignore[attr-defined]  # a mark on the function
        return cast(View, wrapped)  # the view's own signature (functools.wraps)

    return decorator
