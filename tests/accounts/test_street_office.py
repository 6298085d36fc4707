"""The street office adds communities and their secretaries, sees who holds which role, and
deactivates an account (issue 18 item 2)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from shequ.accounts import services
from shequ.accounts.models import Membership, User
from shequ.registry.models import Community

pytestmark = pytest.mark.django_db


def test_the_street_sees_the_roles_of_its_communities(login: Any) -> None:
    page = login("street").get(reverse("accounts:street"))
    assert page.status_code == 200
    rows = {r["community"].code: r["counts"] for r in page.context["rows"]}
    roles = [value for value, _label in page.context["roles"]]
    truth = Membership.objects.filter(community__code="futong", role="grid_worker", user__is_active=True).count()
    assert rows["futong"][roles.index("grid_worker")] == truth > 0
    assert set(rows) == set(Community.objects.values_list("code", flat=True))


def test_the_street_adds_a_community_and_its_secretary(login: Any, users: dict[str, Any], audit_log: Any) -> None:
    client = login("street")
    street = Membership.objects.get(user=users["street"]).street
    response = client.post(reverse("accounts:street"), {
        "street": street.pk, "name": "新桥社区", "code": "xinqiao", "secretary_name": "陈书记",
        "secretary_phone": "13600136000"})
    assert response["Location"] == reverse("accounts:slips")
    community = Community.objects.get(code="xinqiao")
    assert community.street == street
    secretary = Membership.objects.get(community=community)
    assert (secretary.role, secretary.user.username) == ("secretary", "13600136000")
    assert client.get(reverse("accounts:slips")).context["slips"][0]["username"] == "13600136000"
    assert [e.object_type for e in audit_log(action="create")] == ["community", "user"]


def test_the_street_grants_the_leadership_only(users: dict[str, Any]) -> None:
    futong = Community.objects.get(code="futong")
    with pytest.raises(ValidationError):
        services.member_create(actor=users["street"], community=futong, name="某", role="grid_worker")
    made = services.member_create(actor=users["street"], community=futong, name="某", role="staff")
    assert made.membership.role == "staff"
    with pytest.raises(ValidationError):
        services.community_create(actor=users["secretary"], street=futong.street, code="nope", name="不行",
                                  secretary_name="某")


def test_the_street_deactivates_an_account_of_its_community(login: Any, users: dict[str, Any]) -> None:
    client = login("street")
    assert client.get(reverse("accounts:member", args=[users["secretary"].pk])).status_code == 200
    client.post(reverse("accounts:member", args=[users["secretary"].pk]), {"action": "deactivate"})
    assert not User.objects.get(pk=users["secretary"].pk).is_active
    # Any account held only in its communities, whatever the role; not the other street's.
    client.post(reverse("accounts:member", args=[users["grid1"].pk]), {"action": "deactivate"})
    assert not User.objects.get(pk=users["grid1"].pk).is_active
    assert not services.may_manage(users["street"], users["street"])
