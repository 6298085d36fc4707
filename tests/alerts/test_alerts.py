"""Alerts: a refusal at a gate (fever, yellow/red code, a restricted person leaving) alerts the
community's staff; they see it on /alerts/ and on the dashboard, and acknowledge it."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from shequ.alerts.models import Alert
from shequ.gates.models import Gate
from shequ.gates.rules import Checks
from shequ.gates.services import record_passage
from shequ.registry.models import Household, Person

# On the fixed clock (tests/conftest.py): timezone.now() here and in the code under test is one moment.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


def _post() -> Gate:
    return Gate.objects.get(community__code="futong", compound__name="富通小区", name="东门")


def _fever(person: Person) -> Alert:
    before = set(Alert.objects.values_list("id", flat=True))
    record_passage(gate=_post(), actor=None, client_id=uuid.uuid4(), person=person,
                   checks=Checks(direction="in", temperature=Decimal("38.6"), health_code="green", mask=True))
    (alert,) = Alert.objects.exclude(id__in=before)
    return alert


def _resident(household: Household) -> Person:
    return household.persons.filter(status="active").order_by("id").first()


def test_fever_at_the_gate_shows_on_the_alert_list_and_dashboard(login: Any, anchor_household: Household) -> None:
    person = _resident(anchor_household)
    alert = _fever(person)
    client = login("staff")
    response = client.get(reverse("alerts:list"))
    assert alert in response.context["page"].object_list
    html = response.content.decode()
    assert person.name not in html  # the alert carries the masked name
    assert f'href="{alert.url}"' in html  # links to the passage
    home = client.get(reverse("home"))
    assert home.context["alerts_open"] == Alert.objects.filter(community=alert.community,
                                                               acknowledged_at__isnull=True).count()
    assert alert in home.context["alerts"]


def test_a_restricted_person_trying_to_leave_raises_an_alert(login: Any, anchor_household: Household) -> None:
    from shequ.containment.services import restriction_create

    person = _resident(anchor_household)
    restriction_create(actor=None, person=person, kind="home_quarantine", reason="密接",
                       starts_at=timezone.now() - dt.timedelta(days=1))
    gate = _post()
    before = Alert.objects.count()
    result = record_passage(gate=gate, actor=None, client_id=uuid.uuid4(), person=person,
                            recorded_at=timezone.now() - dt.timedelta(minutes=1),
                            checks=Checks(direction="out", temperature=None, health_code="green", mask=True))
    assert result.passage.decision == "deny"
    assert Alert.objects.count() == before + 1
    html = login("secretary").get(reverse("alerts:list")).content.decode()
    assert str(gate) in html


def test_acknowledge_records_who_and_twice_is_harmless(login: Any, anchor_household: Household) -> None:
    alert = _fever(_resident(anchor_household))
    client = login("staff")
    url = reverse("alerts:acknowledge", args=[alert.pk])
    assert client.post(url).status_code == 302
    alert.refresh_from_db()
    first = alert.acknowledged_at
    assert first is not None and alert.acknowledged_by.username == "staff"
    assert client.get(reverse("alerts:list")).context["page"].object_list.count() == \
        Alert.objects.filter(community=alert.community, acknowledged_at__isnull=True).count()
    assert alert not in client.get(reverse("alerts:list")).context["page"].object_list
    assert alert in client.get(reverse("alerts:list"), {"all": "1"}).context["page"].object_list
    login("secretary").post(url)
    alert.refresh_from_db()
    assert alert.acknowledged_at == first and alert.acknowledged_by.username == "staff"
    # The acknowledgement is in the audit log, once.
    from shequ.audit.models import AuditEvent

    events = AuditEvent.objects.filter(object_type="alert", object_id=str(alert.pk))
    assert [(e.actor_username, e.action) for e in events] == [("staff", "update")]


def test_acknowledge_returns_to_a_local_page_only(login: Any, anchor_household: Household) -> None:
    alert = _fever(_resident(anchor_household))
    response = login("staff").post(reverse("alerts:acknowledge", args=[alert.pk]), {"next": "https://evil.example/"})
    assert response["Location"] == reverse("alerts:list")
    alert = _fever(_resident(anchor_household))
    response = login("staff").post(reverse("alerts:acknowledge", args=[alert.pk]), {"next": "/"})
    assert response["Location"] == "/"


def test_other_roles_and_communities_cannot_read_or_acknowledge(login: Any, anchor_household: Household) -> None:
    alert = _fever(_resident(anchor_household))
    url = reverse("alerts:acknowledge", args=[alert.pk])
    assert login("outsider").post(url).status_code == 404
    assert alert not in login("outsider").get(reverse("alerts:list")).context["page"].object_list
    for role in ("gate1", "grid1", "volunteer1", "resident1"):
        assert login(role).post(url).status_code == 403
        if role == "grid1":  # reads the alerts about its grid's persons only (a gate's are not)
            assert alert not in login(role).get(reverse("alerts:list")).context["page"].object_list
        else:
            assert login(role).get(reverse("alerts:list")).status_code == 403
    alert.refresh_from_db()
    assert alert.acknowledged_at is None
