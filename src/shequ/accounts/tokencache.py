"""A per-process memory of recently authenticated API tokens (gate devices and sampling phones post
several times a second with the same token), on core/memo.py.

What is remembered for a token is what authenticating it produced, as immutable values: its user's
row (the column values: every request gets its own ``User`` instance built from them, no query),
its Scope and its purpose. This is the one trade it makes, decided in docs/deployment.md ("API
tokens"): a token revoked, a user deactivated or a membership changed in *another* app-server
process, or below the services (the Django shell, a ``QuerySet.update()``), is still honoured here for
at most ``API_TOKEN_CACHE_SECONDS``. The services that make such a change in this process
(``accounts.services``: revoking a token, deactivating a user, removing a membership; the admin's
saves; gates' device bindings) call ``changed()``, so there it takes effect at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shequ.accounts.models import User
from shequ.core.memo import Memo
from shequ.core.scoping import Scope


@dataclass(frozen=True)
class RememberedToken:
    """An authenticated token, as values."""

    user_row: tuple[Any, ...]  # the user's concrete fields, in User._meta.concrete_fields order
    user_db: str
    scope: Scope
    purpose: str

    @classmethod
    def of(cls, *, user: User, scope: Scope, purpose: str) -> RememberedToken:
        row = tuple(getattr(user, f.attname) for f in User._meta.concrete_fields)
        return cls(user_row=row, user_db=user._state.db or "default", scope=scope, purpose=purpose)

    def user(self) -> User:
        """A new User instance for this request, as if read from the database."""
        return User.from_db(self.user_db, _FIELD_NAMES, self.user_row)


_FIELD_NAMES = [f.attname for f in User._meta.concrete_fields]
_tokens: Memo[RememberedToken] = Memo()


def recall(key_hash: str) -> RememberedToken | None:
    """What was remembered for the token (by its stored hash), if it is still fresh."""
    return _tokens.recall(key_hash)


def remember(key_hash: str, token: RememberedToken) -> None:
    _tokens.remember(key_hash, token)


def forget_all() -> None:
    """Forget every token now."""
    _tokens.forget_all()


def changed() -> None:
    """For the services that change a token, a user or a membership: forget every token now and when
    the service's transaction commits."""
    _tokens.forget_on_change()
