"""The rows of the gates that devices record passages at, remembered per process for
``API_TOKEN_CACHE_SECONDS`` (core/memo.py), beside the devices' tokens.

A gate closed or opened through another app server is obeyed here within that time; through this
one at once: every gates service that changes a gate row calls ``changed()``. The row handed out is
a copy, so what is remembered stays bare.
"""

from __future__ import annotations

import copy

from shequ.core.memo import Memo
from shequ.gates.models import Gate

_gates: Memo[Gate] = Memo()


def recall(pk: int) -> Gate | None:
    gate = _gates.recall(pk)
    return None if gate is None else copy.copy(gate)


def remember(gate: Gate) -> None:
    _gates.remember(gate.pk, copy.copy(gate))


def forget_all() -> None:
    _gates.forget_all()


def changed() -> None:
    """For the services that change a gate: forget now and when their transaction commits."""
    _gates.forget_on_change()
