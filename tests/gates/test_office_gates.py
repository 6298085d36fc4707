"""The gates page: status per compound, open/close, "keep only this gate open", double submits."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from shequ.audit.models import AuditEvent
from shequ.gates.models import Gate

pytestmark = pytest.mark.django_db


def _key(client: Any) -> str:
    html = client.get(reverse("gates:gates")).content.decode()
    found = re.search(r'name="submission_key" value="([0-9a-f]{32})"', html)
    assert found, "the forms carry a one-time submission key"
    return found.group(1)


def _compound_gates() -> list[Gate]:
    """The gates of futong's 富通小区 (two or three in the demo)."""
    return list(Gate.objects.filter(community__code="futong", compound__name="富通小区").order_by("id"))


def test_page_lists_every_gate_of_the_community_by_compound(login: Any) -> None:
    response = login("staff").get(reverse("gates:gates"))
    assert response.status_code == 200
    shown = {g.pk for row in response.context["compounds"] for g in row["gates"]}
    assert shown == set(Gate.objects.filter(community__code="futong").values_list("id", flat=True))
    html = response.content.decode()
    assert "富通小区" in html and 'id="compound-' in html


def test_close_and_reopen_a_gate(login: Any) -> None:
    gate = _compound_gates()[-1]
    client = login("staff")
    response = client.post(reverse("gates:gate_status", args=[gate.pk]), {"status": "closed", "submission_key": _key(client)})
    assert response.status_code == 302
    gate.refresh_from_db()
    assert gate.status == "closed"
    assert AuditEvent.objects.filter(object_id=str(gate.pk), summary="gate status open -> closed").exists()
    client.post(reverse("gates:gate_status", args=[gate.pk]), {"status": "open", "submission_key": _key(client)})
    gate.refresh_from_db()
    assert gate.status == "open"


def test_closing_the_last_open_gate_is_refused_with_the_service_message(login: Any) -> None:
    first, *others = _compound_gates()
    client = login("secretary")
    client.post(reverse("gates:gate_keep_only", args=[first.pk]), {"submission_key": _key(client)})
    assert [g.status for g in Gate.objects.filter(pk__in=[o.pk for o in others])] == ["closed"] * len(others)
    response = client.post(reverse("gates:gate_status", args=[first.pk]),
                           {"status": "closed", "submission_key": _key(client)}, follow=True)
    first.refresh_from_db()
    assert first.status == "open"
    messages = [str(m) for m in response.context["messages"]]
    assert any("最后一个" in m or "last open gate" in m for m in messages), messages


def test_keep_only_this_gate_open_double_submit_is_harmless(login: Any) -> None:
    gates = _compound_gates()
    keep = gates[-1]
    client = login("staff")
    Gate.objects.filter(pk=keep.pk).update(status="closed")
    data = {"submission_key": _key(client)}
    url = reverse("gates:gate_keep_only", args=[keep.pk])
    before = AuditEvent.objects.count()
    first = client.post(url, data)
    after_first = AuditEvent.objects.count()
    second = client.post(url, data)
    assert first.status_code == second.status_code == 302 and first["Location"] == second["Location"]
    assert AuditEvent.objects.count() == after_first > before
    statuses = dict(Gate.objects.filter(pk__in=[g.pk for g in gates]).values_list("id", "status"))
    assert statuses[keep.pk] == "open"
    assert all(s == "closed" for pk, s in statuses.items() if pk != keep.pk)
    # Other compounds are untouched.
    assert Gate.objects.filter(community__code="futong", status="open").exclude(compound=keep.compound).exists()


def test_bad_status_is_refused_without_change(login: Any) -> None:
    gate = _compound_gates()[0]
    response = login("staff").post(reverse("gates:gate_status", args=[gate.pk]), {"status": "ajar"}, follow=True)
    gate.refresh_from_db()
    assert gate.status == "open"
    assert list(response.context["messages"])


def test_guard_and_volunteer_cannot_change_gates(login: Any) -> None:
    gate = Gate.objects.get(community__code="futong", compound__name="富通小区", name="东门")
    for role in ("gate1", "volunteer1", "grid1"):
        client = login(role)
        assert client.post(reverse("gates:gate_status", args=[gate.pk]), {"status": "closed"}).status_code == 403
        assert client.post(reverse("gates:gate_keep_only", args=[gate.pk])).status_code == 403
    gate.refresh_from_db()
    assert gate.status == "open"


def test_the_office_adds_a_gate_to_a_compound(login: Any, audit_log: Any) -> None:
    from shequ.gates.models import Gate
    from shequ.registry.models import Compound

    compound = Compound.objects.filter(community__code="futong").order_by("id").first()
    client = login("staff")
    page = client.get(reverse("gates:gates"))
    key = page.context["add_form"].initial["submission_key"]
    data = {"submission_key": key, "compound": compound.pk, "name": "新南门"}
    client.post(reverse("gates:gate_add"), data)
    client.post(reverse("gates:gate_add"), data)  # sent twice: one gate
    gate = Gate.objects.get(compound=compound, name="新南门")
    assert gate.status == "open" and gate.community_id == compound.community_id
    assert [e.object_id for e in audit_log(action="create", object_type="gate")] == [str(gate.pk)]
    other = Compound.objects.filter(community__code="nanxincun").first()
    login("staff").post(reverse("gates:gate_add"), {"compound": other.pk, "name": "越界门"})
    assert not Gate.objects.filter(name="越界门").exists()
