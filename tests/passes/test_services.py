"""Passes issued in bulk (for printing cards) go through the one-pass service: each is audited like
a single issue, the person's current pass is revoked, and all of it is one transaction."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from shequ.audit.models import AuditEvent
from shequ.passes import services
from shequ.passes.models import Pass
from shequ.registry.models import Household, Person

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


def _members(household: Household) -> list[Person]:
    return list(household.persons.filter(status="active").order_by("id"))


def _without_passes(persons: list[Person]) -> None:
    Pass.objects.filter(person__in=persons).update(revoked_at=timezone.now())


def test_bulk_issue_audits_each_pass_like_a_single_issue(anchor_household: Household, users: dict[str, Any],
                                                         audit_log: Any) -> None:
    persons = _members(anchor_household)
    _without_passes(persons[1:])
    kept = Pass.objects.get(person=persons[0], revoked_at__isnull=True)
    active = services.passes_ensure(actor=users["staff"], persons=persons)
    assert active[persons[0].pk] == kept  # an active pass is kept, not reissued
    created = audit_log(action=AuditEvent.Action.CREATE, object_type="pass")
    assert sorted(e.object_id for e in created) == sorted(str(active[p.pk].pk) for p in persons[1:])
    assert {e.summary for e in created} == {f"pass for person={p.pk}" for p in persons[1:]}
    assert all(e.actor_id == users["staff"].pk for e in created)
    for p in persons:
        assert Pass.objects.filter(person=p, revoked_at__isnull=True).count() == 1


def test_bulk_issue_is_one_transaction(anchor_household: Household, users: dict[str, Any],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    persons = _members(anchor_household)
    assert len(persons) >= 2
    _without_passes(persons)
    before = Pass.objects.count()
    calls: list[int] = []
    real = services.audit_record

    def fail_on_the_second(**kw: Any) -> Any:
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("the audit log is unwritable")
        return real(**kw)

    monkeypatch.setattr(services, "audit_record", fail_on_the_second)
    with pytest.raises(RuntimeError):
        services.passes_ensure(actor=users["staff"], persons=persons)
    assert Pass.objects.count() == before  # the first person's pass went with the failure
    assert not Pass.objects.filter(person__in=persons, revoked_at__isnull=True).exists()


def test_printing_cards_issues_through_the_service_and_the_print_is_audited_once(
        login: Any, anchor_household: Household, audit_log: Any, cjk_font: None) -> None:
    persons = _members(anchor_household)
    _without_passes(persons[:1])
    response = login("staff").get(reverse("gates:pass_cards_household", args=[anchor_household.pk]))
    assert response.status_code == 200
    created = audit_log(action=AuditEvent.Action.CREATE, object_type="pass")
    assert [e.summary for e in created] == [f"pass for person={persons[0].pk}"]
    exports = audit_log(action=AuditEvent.Action.EXPORT)
    assert len(exports) == 1 and exports[0].summary.endswith(f"{len(persons)} cards, 1 passes issued")
