"""Words and phone-sized details of the gate pages (issue 9.9 and 9.10): the ledger's filter says who
passed, decisions read as states, the visitor form limits and explains lengths in the user's
language and keeps what was typed (full-width punctuation, the phone typed at the screen), the
lookup shows sex and age beside the masked name, and the temperature's hint is not a number."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

import pytest
from django.urls import reverse

from shequ.core.masking import mask_name
from shequ.gates.models import Gate, Passage, Visitor
from shequ.registry.models import Household, Person

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
JSON = {"HTTP_ACCEPT": "application/json", **EN}


@pytest.fixture
def post_gate(db: Any) -> Gate:
    return Gate.objects.select_related("compound").get(community__code="futong", compound__name="富通小区", name="东门")


def _visitor(**changes: Any) -> dict[str, Any]:
    return {"client_id": str(uuid.uuid4()), "name": "来访者乙", "phone": "13912345679", "id_number": "",
            "host": "9-2-502", "reason": "探亲", "vehicle_plate": "", "temperature": "36.4", "health_code": "green",
            "mask": "yes"} | changes


def test_the_ledger_filter_is_about_who_passed(login: Any, post_gate: Gate) -> None:
    url = reverse("gates:ledger", args=[post_gate.pk])
    zh = login("secretary").get(url, **ZH).content.decode()
    assert "通行人员" in zh and "操作人" not in zh
    en = login("secretary").get(url, **EN).content.decode()
    assert "who passed" in en


def test_decisions_read_as_what_happened(login: Any, post_gate: Gate) -> None:
    html = login("secretary").get(reverse("gates:ledger", args=[post_gate.pk]), **EN).content.decode()
    options = re.findall(r'<option value="(allow|deny)"[^>]*>([^<]+)</option>', html)
    assert options == [("allow", "allowed"), ("deny", "refused")]


@pytest.mark.parametrize(("headers", "expected"), [
    (EN, "At most 200 characters (you typed 250)."),
    (ZH, "最多 200 个字（您输入了 250 个）。"),
])
def test_a_visit_reason_too_long_is_explained_on_its_field_and_limited_on_the_page(
        login: Any, post_gate: Gate, headers: dict[str, str], expected: str) -> None:
    client = login("gate1")
    page = client.get(reverse("gates:screen_visitor", args=[post_gate.pk]), **headers).content.decode()
    assert re.search(r'<input id="id_reason"[^>]*maxlength="200"', page)
    data = _visitor(reason="探" * 250)
    html = client.post(reverse("gates:screen_visitor", args=[post_gate.pk]), data, **headers).content.decode()
    assert expected in html
    assert "Ensure this value" not in html and "确保该变量" not in html
    assert 'value="13912345679"' in html  # what was typed stays
    assert not Passage.objects.filter(client_id=data["client_id"]).exists()


def test_a_visit_reason_is_kept_as_typed_and_nothing_is_cut_short(post_gate: Gate, anchor_household: Household) -> None:
    from django.core.exceptions import ValidationError

    from shequ.gates import services

    checks = services.parse_checks(direction="in", temperature="36.5", health_code="green", mask=True)
    result = services.visitor_register(gate=post_gate, actor=None, name="来访者丙", phone="13912345670",
                                       host_household=anchor_household, reason="送药（胰岛素），放门口",
                                       checks=checks, client_id=uuid.uuid4(), vehicle_plate="鄂A 12345")
    visitor = Visitor.objects.get(pk=result.passage.visitor_id)
    assert (visitor.reason, visitor.vehicle_plate) == ("送药（胰岛素），放门口", "鄂A12345")
    with pytest.raises(ValidationError) as e:
        services.visitor_register(gate=post_gate, actor=None, name="来访者丙", phone="13912345670",
                                  host_household=anchor_household, reason="探亲", checks=checks,
                                  client_id=uuid.uuid4(), vehicle_plate="鄂A12345678901234567")
    assert list(e.value.message_dict) == ["vehicle_plate"]


def test_the_visitor_form_keeps_the_phone_typed_at_the_screen(login: Any, post_gate: Gate) -> None:
    """A phone nobody in the registry has: the refusal offers the visitor form, which has the phone
    already (kept in the session for that passage, never put in the URL)."""
    client = login("gate1")
    data = {"client_id": str(uuid.uuid4()), "credential": "139 0715 8888", "direction": "in", "temperature": "36.6",
            "health_code": "green", "mask": "yes"}
    verdict = client.post(reverse("gates:screen", args=[post_gate.pk]), data, **JSON).json()
    assert verdict["reasons"] == ["unknown_person"] and "13907158888" not in verdict["visitor_url"]
    form = client.get(verdict["visitor_url"], **EN).content.decode()
    assert re.search(r'<input id="id_phone"[^>]*value="13907158888"', form)
    assert 'value="36.6"' in form
    # Another guard's session, or another passage, gets nothing.
    other = login("staff").get(verdict["visitor_url"], **EN).content.decode()
    assert "13907158888" not in other


def test_the_visitor_form_keeps_the_phone_on_an_error(login: Any, post_gate: Gate) -> None:
    data = _visitor(host="99-9-999")
    html = login("gate1").post(reverse("gates:screen_visitor", args=[post_gate.pk]), data, **EN).content.decode()
    assert "No household lives at" in html and re.search(r'<input id="id_phone"[^>]*value="13912345679"', html)


def test_the_lookup_shows_sex_and_age_beside_the_masked_name(login: Any, post_gate: Gate,
                                                            anchor_household: Household) -> None:
    from django.utils import timezone

    members = list(anchor_household.persons.filter(status="active").order_by("id"))
    Person.objects.filter(pk=members[0].pk).update(sex="female", birth_date=dt.date(1988, 1, 2))
    today = timezone.localdate()
    age = today.year - 1988 - ((today.month, today.day) < (1, 2))
    client = login("gate1")
    url = reverse("gates:screen_lookup", args=[post_gate.pk])
    rows = {r["id"]: r for r in client.get(url, {"q": "9-2-502"}, **JSON).json()["persons"]}
    assert rows[members[0].pk]["details"] == f"female · {age} years"
    assert rows[members[0].pk]["name"] == mask_name(members[0].name)
    html = client.get(url, {"q": "9-2-502"}, **ZH).content.decode()
    assert f"女 · {age}岁" in html


def test_the_temperature_hint_is_not_a_temperature(login: Any, post_gate: Gate) -> None:
    for name in ("gates:screen", "gates:screen_visitor"):
        html = login("gate1").get(reverse(name, args=[post_gate.pk]), **ZH).content.decode()
        hint = re.search(r'<input id="id_temperature"[^>]*placeholder="([^"]*)"', html).group(1)
        assert hint == "例如 36.5"
