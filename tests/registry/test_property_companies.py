"""Property companies named and given their compounds in the app (issue 18 item 6): the company's
accounts see exactly the compounds it manages from their next request; moves are audited; a
double-submitted form makes one company; another community's compound cannot be taken."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from tests.webforms import form_data

from shequ.registry import services
from shequ.registry.models import Community, Compound, PropertyCompany

pytestmark = pytest.mark.django_db


def test_a_company_takes_a_compound_from_another_and_its_account_sees_it(login: Any, users: dict[str, Any],
                                                                       audit_log: Any) -> None:
    futong = Community.objects.get(code="futong")
    company = PropertyCompany.objects.get(pk=users["property1"].memberships.get().property_company_id)
    theirs = set(Compound.objects.filter(property_company=company).values_list("pk", flat=True))
    other = Compound.objects.filter(community=futong).exclude(pk__in=theirs).first()
    assert other is not None
    property1 = login("property1")
    assert property1.get(reverse("registry:compound", args=[other.pk])).status_code == 404

    staff = login("staff")
    page = staff.get(reverse("registry:property_company_new")).content.decode()
    body = form_data(page, with_field="name", name="新物业", phone="0435-1234567", compounds=[str(other.pk)])
    first = staff.post(reverse("registry:property_company_new"), body)
    again = staff.post(reverse("registry:property_company_new"), body)  # the same form sent twice
    assert (first.status_code, again.status_code) == (302, 302)
    new = PropertyCompany.objects.get(community=futong, name="新物业")
    assert (new.phone, list(Compound.objects.filter(property_company=new).values_list("pk", flat=True))) == (
        "04351234567", [other.pk])

    # property1's company takes it back (ticked there), and property1 sees it at the next request.
    page = staff.get(reverse("registry:property_company", args=[company.pk])).content.decode()
    body = form_data(page, with_field="name", compounds=[str(pk) for pk in sorted(theirs | {other.pk})])
    assert staff.post(reverse("registry:property_company", args=[company.pk]), body).status_code == 302
    assert Compound.objects.get(pk=other.pk).property_company_id == company.pk
    assert property1.get(reverse("registry:compound", args=[other.pk])).status_code == 200
    events = [(e.action, e.object_type) for e in audit_log() if e.object_type == "propertycompany"]
    assert events == [("create", "propertycompany"), ("update", "propertycompany")]


def test_names_are_unique_and_compounds_stay_in_their_community(users: dict[str, Any]) -> None:
    futong = Community.objects.get(code="futong")
    elsewhere = Compound.objects.exclude(community=futong).first()
    assert elsewhere is not None
    existing = PropertyCompany.objects.filter(community=futong).first()
    assert existing is not None
    with pytest.raises(ValidationError) as same_name:
        services.property_company_save(actor=users["staff"], community=futong, name=existing.name, compounds=[])
    assert "name" in same_name.value.message_dict
    with pytest.raises(ValidationError):
        services.property_company_save(actor=users["staff"], community=futong, name="越界物业", compounds=[elsewhere])
    assert not PropertyCompany.objects.filter(name="越界物业").exists()


def test_unticking_leaves_a_compound_without_a_company_and_keeps_name_and_phone(users: dict[str, Any]) -> None:
    company = PropertyCompany.objects.get(pk=users["property1"].memberships.get().property_company_id)
    before = (company.name, company.phone)
    services.property_company_save(actor=users["staff"], community=company.community, company=company,
                                   name=company.name, phone=company.phone, compounds=[])
    company.refresh_from_db()
    assert (company.name, company.phone) == before
    assert not Compound.objects.filter(property_company=company).exists()
