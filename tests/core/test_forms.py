"""Forms as assistive technology reads them (core/forms.py, core/templates/core/forms/): every field
has a label; an error is tied to its field (the element its input's aria-describedby names) and
summed up at the top of the form in an alert with a link to the field."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from tests.htmlcheck import by_id, describedby_problems, fields, label_of, parse

pytestmark = pytest.mark.django_db


def _summary(doc: Any) -> Any:
    found = [n for n in doc.walk() if "error-summary" in n.attrs.get("class", "").split()]
    assert len(found) == 1, "one error summary at the top of the form"
    return found[0]


def _screening(anchor_household: Any) -> Any:
    from shequ.accounts.models import User
    from shequ.campaigns import services

    actor = User.objects.get(username="secretary")
    campaign = services.campaign_create(
        actor=actor, community=anchor_household.community, name="入户排查", kind="screening",
        starts_on=dt.date(2022, 4, 1), buildings=[anchor_household.room.unit.building])
    return services.campaign_open(actor=actor, campaign=campaign)


def test_a_field_error_is_the_element_its_input_points_at_and_is_summed_up(login: Any, anchor_household: Any) -> None:
    response = login("secretary").post(reverse("registry:person_create", args=[anchor_household.pk]), {
        "name": "王小明", "id_number": "110101199003070000", "phone": "", "sex": "unknown", "residency": "resident",
        "relation": "other", "notes": ""})
    assert response.status_code == 200
    doc = parse(response.content)
    assert describedby_problems(doc) == []
    field = by_id(doc)["id_id_number"]
    assert field.attrs.get("aria-invalid") == "true"
    refs = field.attrs["aria-describedby"].split()
    assert "id_id_number_error" in refs and "id_id_number_helptext" in refs
    message = by_id(doc)["id_id_number_error"].text().strip()
    assert message
    summary = _summary(doc)
    assert summary.attrs["role"] == "alert" and "data-focus-on-load" in summary.attrs
    links = {a.attrs["href"]: a.text() for a in summary.walk() if a.tag == "a"}
    assert message in links["#id_id_number"]


@pytest.mark.parametrize("form", ["campaign", "restriction", "visit"])
def test_every_form_with_errors_ties_them_to_their_fields(form: str, login: Any, anchor_household: Any) -> None:
    client = login("secretary")
    if form == "campaign":
        response = client.post(reverse("campaigns:create") + "?kind=test_round",
                               {"name": "", "kind": "test_round", "starts_on": "2022-04-01"})
        invalid = "id_name"
    elif form == "restriction":
        person = anchor_household.persons.order_by("id").first()
        response = client.post(reverse("containment:person", args=[person.pk]),
                               {"kind": "home_quarantine", "reason": "", "starts_at": "not a time"})
        invalid = "id_starts_at"
    else:
        campaign = _screening(anchor_household)
        person = anchor_household.persons.filter(status="active").order_by("id").first()
        response = client.post(reverse("campaigns:household", args=[campaign.pk, anchor_household.pk]),
                               {"outcome": "visited", f"state_{person.pk}": "present", f"temp_{person.pk}": "48"})
        invalid = f"id_temp_{person.pk}"
    assert response.status_code == 200
    doc = parse(response.content)
    assert describedby_problems(doc) == []
    assert f"{invalid}_error" in by_id(doc)[invalid].attrs["aria-describedby"].split()
    assert any(a.attrs.get("href") == f"#{invalid}" for a in _summary(doc).walk() if a.tag == "a")


def test_a_failed_login_is_an_alert(client: Any) -> None:
    response = client.post(reverse("accounts:login"), {"username": "secretary", "password": "wrong"})
    summary = _summary(parse(response.content))
    assert summary.attrs["role"] == "alert" and summary.attrs["tabindex"] == "-1"
    assert summary.text().strip()


def test_every_field_of_the_person_and_visit_forms_has_its_own_label(login: Any, anchor_household: Any) -> None:
    from shequ.registry.models import PersonTag

    client = login("secretary")
    person = anchor_household.persons.filter(status="active").order_by("id").first()
    doc = parse(client.get(reverse("registry:person_edit", args=[person.pk])).content)
    labels = {f.attrs.get("id"): label_of(doc, f) for f in fields(doc)}
    assert all(labels.values()), f"fields without a label: {[i for i, v in labels.items() if not v]}"
    notes = [labels[f"id_tag_{tag}_note"] for tag in PersonTag.Tag.values]
    assert len(set(notes)) == len(notes), "each tag's details field says which tag it belongs to"

    campaign = _screening(anchor_household)
    doc = parse(client.get(reverse("campaigns:household", args=[campaign.pk, anchor_household.pk])).content)
    unlabelled = [f.attrs.get("id") or f.attrs.get("name") for f in fields(doc) if not label_of(doc, f)]
    assert unlabelled == []
    # Each member's status and temperature are a group named by the member.
    temp = by_id(doc)[f"id_temp_{person.pk}"]
    group = next(a for a in temp.ancestors() if a.attrs.get("role") == "group")
    assert person.name in by_id(doc)[group.attrs["aria-labelledby"]].text()


def test_the_sampling_page_announces_sync_problems_and_the_queue(login: Any, anchor_household: Any) -> None:
    from shequ.accounts.models import User
    from shequ.campaigns import services

    actor = User.objects.get(username="secretary")
    campaign = services.campaign_open(actor=actor, campaign=services.campaign_create(
        actor=actor, community=anchor_household.community, name="核酸", kind="test_round",
        starts_on=dt.date(2022, 4, 1), buildings=[anchor_household.room.unit.building]))
    doc = parse(login("sampler1").get(reverse("campaigns:sample", args=[campaign.pk])).content)
    ids = by_id(doc)
    assert any(a.attrs.get("role") == "alert" for a in ids["sync-problems"].ancestors())
    assert ids["offline-queue"].attrs.get("role") == "status"
