"""Residents join their household by invite code: random, single-use per person, stored hashed,
revoked by reissuing, throttled like logins (issue 18 item 5)."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from shequ.accounts import services
from shequ.accounts.models import InviteCode, Membership, User
from shequ.audit.models import AuditEvent
from shequ.registry.services import clean_person_fields, person_create

pytestmark = pytest.mark.django_db
PASSWORD = "my-own-family-password"  # noqa: S105
ID_NUMBER = "11010519491231002X"


@pytest.fixture
def member(anchor_household: Any) -> Any:
    """A member of 9-2-502 built for the test: 纪邀请, ID number ending 002X, phone ending 8888."""
    return person_create(actor=None, household=anchor_household, data=clean_person_fields(
        name="纪邀请", id_number=ID_NUMBER, phone="13912348888", relation="other", residency="resident"))


def _join(client: Client, code: str, **overrides: Any) -> Any:
    data = {"code": code, "name": "纪邀请", "digits": "002X", "password1": PASSWORD, "password2": PASSWORD,
            **overrides}
    return client.post(reverse("accounts:join"), data)


def test_an_invite_code_is_random_stored_hashed_and_reissuing_revokes_it(anchor_household: Any) -> None:
    first = services.invite_issue(actor=None, household=anchor_household)
    second = services.invite_issue(actor=None, household=anchor_household)
    assert len(first) == services.INVITE_LENGTH and set(first) <= set(services.INVITE_ALPHABET) and first != second
    stored = list(InviteCode.objects.filter(household=anchor_household).values_list("code_hash", flat=True))
    assert not any(first in h or second in h for h in stored)
    assert services.invite_lookup(first) is None, "the reissue revoked it"
    assert services.invite_lookup(second.lower()[:4] + "-" + second[4:]).household == anchor_household
    assert InviteCode.objects.filter(household=anchor_household, revoked_at__isnull=True).count() == 1


def test_a_resident_joins_with_the_code_and_sees_their_household(anchor_household: Any, member: Any) -> None:
    code = services.invite_issue(actor=None, household=anchor_household)
    client = Client()
    assert code in client.get(reverse("accounts:join") + f"?code={code}").content.decode()
    response = _join(client, code)
    assert response.status_code == 302
    membership = Membership.objects.get(person=member)
    assert (membership.role, membership.household, membership.is_family) == ("resident", anchor_household, False)
    assert membership.user.check_password(PASSWORD)
    home = client.get(reverse("home"), follow=True)
    assert home.status_code == 200 and "纪邀请" in home.content.decode()
    assert AuditEvent.objects.filter(action="create", object_type="user", object_id=str(membership.user_id)).exists()
    # The same person again: refused; the code still admits the other members.
    again = _join(Client(), code)
    assert again.status_code == 200 and Membership.objects.filter(person=member).count() == 1


def test_a_relative_living_elsewhere_joins_as_family(anchor_household: Any, member: Any, login: Any) -> None:
    code = services.invite_issue(actor=None, household=anchor_household)
    assert _join(Client(), code, family="on", digits="8888").status_code == 302
    membership = Membership.objects.get(person=member, is_family=True)
    assert membership.household == anchor_household
    page = login("staff").get(reverse("accounts:residents"))
    assert membership in list(page.context["page"])


def test_a_wrong_confirmation_counts_as_a_failed_login_and_locks(anchor_household: Any, member: Any) -> None:
    code = services.invite_issue(actor=None, household=anchor_household)
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        assert _join(client, code, digits="0000").status_code in (200, 429)
    assert AuditEvent.objects.filter(action="login_failed", actor_username__startswith="invite:").count() \
        == settings.AXES_FAILURE_LIMIT
    locked = _join(client, code)
    assert locked.status_code == 429, "the right answer no longer helps from this address"
    assert not Membership.objects.filter(person=member).exists()


def test_unknown_codes_are_throttled_too(db: Any) -> None:
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _join(client, "ABCDEFGH")
    assert _join(client, "ABCDEFGH").status_code == 429


def test_a_joined_resident_is_revoked_from_the_staff_page(anchor_household: Any, member: Any, login: Any) -> None:
    code = services.invite_issue(actor=None, household=anchor_household)
    resident = Client()
    _join(resident, code)
    user = Membership.objects.get(person=member).user
    login("staff").post(reverse("accounts:member", args=[user.pk]), {"action": "deactivate"})
    assert not User.objects.get(pk=user.pk).is_active
    assert resident.get(reverse("home")).status_code == 302


def test_staff_issue_and_print_invite_notices(anchor_household: Any, login: Any) -> None:
    client = login("staff")
    address = f"富通小区{anchor_household.room.address}"
    response = client.post(reverse("accounts:residents"), {"address": address})
    assert response["Location"] == reverse("accounts:invites")
    notice = client.get(reverse("accounts:invites"))
    code = notice.context["notices"][0]["code"]
    assert services.invite_lookup(code).household == anchor_household
    assert "<svg" in notice.content.decode() and code in notice.content.decode()
    assert client.get(reverse("accounts:invites")).status_code == 404, "a code is shown once"


def test_another_community_cannot_issue_codes_here(anchor_household: Any, users: dict[str, Any]) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.invite_issue(actor=users["outsider"], household=anchor_household)
    with pytest.raises(ValidationError):
        services.invite_issue(actor=users["grid1"], household=anchor_household)


def test_a_weak_password_is_refused_and_nothing_is_created(anchor_household: Any, member: Any) -> None:
    code = services.invite_issue(actor=None, household=anchor_household)
    response = _join(Client(), code, password1="123", password2="123")
    assert response.status_code == 200 and response.context["form"].errors
    assert not Membership.objects.filter(person=member).exists()
