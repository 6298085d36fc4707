"""The secretary and staff manage the community's accounts (issue 18 item 3)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from tests.conftest import TEST_PASSWORD

from shequ.accounts import services
from shequ.accounts.models import Membership, User
from shequ.registry.models import Community, Grid

pytestmark = pytest.mark.django_db


def _grid(code: str, number: int = 1) -> Grid:
    return Grid.objects.get(community__code=code, number=number)


def test_the_secretary_adds_a_grid_worker_and_prints_the_one_time_password(login: Any, audit_log: Any) -> None:
    client = login("secretary")
    form = client.get(reverse("accounts:member_add"))
    key = form.context["form"].initial["submission_key"]
    data = {"submission_key": key, "name": "李网格", "phone": "13900139000", "role": "grid_worker",
            "grid": _grid("futong", 2).pk}
    response = client.post(reverse("accounts:member_add"), data)
    assert response.status_code == 302 and response["Location"] == reverse("accounts:slips")
    user = User.objects.get(username="13900139000")
    assert user.first_name == "李网格" and user.must_change_password
    membership = Membership.objects.get(user=user)
    assert (membership.role, membership.grid_id, membership.community.code) == ("grid_worker", _grid("futong", 2).pk,
                                                                               "futong")
    slip = client.get(reverse("accounts:slips"))
    assert slip.status_code == 200 and "13900139000" in slip.content.decode() and "<svg" in slip.content.decode()
    assert client.get(reverse("accounts:slips")).status_code == 404, "a one-time password is shown once"
    event = audit_log(action="create", object_type="user")[-1]
    assert event.after == {"role": "grid_worker", "community": membership.community_id, "grid": membership.grid_id,
                           "property_company": None, "household": None}
    # The same form sent again (a double tap, "back" and resend) adds nobody.
    again = client.post(reverse("accounts:member_add"), data)
    assert again.status_code == 302 and User.objects.filter(first_name="李网格").count() == 1


def test_a_role_needs_its_link_from_the_same_community(login: Any) -> None:
    client = login("secretary")
    key = client.get(reverse("accounts:member_add")).context["form"].initial["submission_key"]
    response = client.post(reverse("accounts:member_add"), {
        "submission_key": key, "name": "错网格", "role": "grid_worker", "grid": _grid("nanxincun").pk})
    assert response.status_code == 200 and "grid" in response.context["form"].errors
    assert not User.objects.filter(first_name="错网格").exists()


def test_staff_may_not_grant_the_secretary_role(users: dict[str, Any], login: Any) -> None:
    futong = Community.objects.get(code="futong")
    with pytest.raises(ValidationError):
        services.member_create(actor=users["staff"], community=futong, name="新书记", role="secretary")
    assert "secretary" not in dict(login("staff").get(reverse("accounts:member_add")).context["form"]
                                   .fields["role"].choices)
    assert "secretary" in dict(login("secretary").get(reverse("accounts:member_add")).context["form"]
                               .fields["role"].choices)


def test_no_one_grants_outside_their_community_or_above_their_role(users: dict[str, Any]) -> None:
    futong = Community.objects.get(code="futong")
    for actor, role in (("outsider", "volunteer"), ("secretary", "street"), ("grid1", "volunteer"),
                        ("street", "volunteer"), ("resident1", "resident")):
        with pytest.raises(ValidationError):
            services.member_create(actor=users[actor], community=futong, name="某", role=role)
    assert login_community_is_404(users)


def login_community_is_404(users: dict[str, Any]) -> bool:
    client = Client()
    client.force_login(users["outsider"])
    futong = Community.objects.get(code="futong")
    return client.get(reverse("accounts:member_add") + f"?community={futong.pk}").status_code == 404


def test_staff_may_not_change_a_secretarys_account(users: dict[str, Any], login: Any) -> None:
    secretary = users["secretary"]
    for call in (lambda: services.member_set_active(actor=users["staff"], user=secretary, active=False),
                 lambda: services.member_password_reset(actor=users["staff"], user=secretary),
                 lambda: services.member_sign_out(actor=users["staff"], user=secretary)):
        with pytest.raises(ValidationError):
            call()
    page = login("staff").post(reverse("accounts:member", args=[secretary.pk]), {"action": "deactivate"})
    assert page.status_code == 302
    assert User.objects.get(pk=secretary.pk).is_active


def test_a_role_change_is_audited_with_before_and_after(login: Any, new_account: Any, audit_log: Any) -> None:
    account = new_account("volunteer")
    client = login("staff")
    response = client.post(reverse("accounts:member", args=[account.user.pk]),
                           {"action": "role", "role": "grid_worker", "grid": _grid("futong", 3).pk})
    assert response.status_code == 302
    membership = Membership.objects.get(user=account.user)
    assert (membership.role, membership.grid_id) == ("grid_worker", _grid("futong", 3).pk)
    event = audit_log(action="update", object_type="user")[-1]
    assert event.before == {"role": "volunteer", "grid": None}
    assert event.after == {"role": "grid_worker", "grid": _grid("futong", 3).pk}


def test_deactivating_stops_the_account_at_once_and_keeps_its_history(login: Any, new_account: Any) -> None:
    from shequ.audit.models import AuditEvent

    account = new_account("staff")
    user = account.user
    user.set_password(TEST_PASSWORD)
    user.must_change_password = False
    user.save()
    their_phone = Client()
    assert their_phone.post(reverse("accounts:login"), {"username": user.username, "password": TEST_PASSWORD}
                            ).status_code == 302
    assert their_phone.get(reverse("registry:persons")).status_code == 200
    _token, key = services.api_token_create(user=user, name="script")
    assert Client().get(reverse("api:me"), HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200

    login("secretary").post(reverse("accounts:member", args=[user.pk]), {"action": "deactivate"})
    assert their_phone.get(reverse("registry:persons")).status_code == 302, "the open session ended"
    assert Client().get(reverse("api:me"), HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401
    assert Membership.objects.filter(user=user).exists()
    assert AuditEvent.objects.filter(object_type="user", object_id=str(user.pk), action="create").exists()


def test_signing_out_a_lost_phone_ends_its_sessions_but_not_the_password(login: Any, new_account: Any,
                                                                           audit_log: Any) -> None:
    account = new_account("gate_guard")
    user = account.user
    user.set_password(TEST_PASSWORD)
    user.must_change_password = False
    user.save()
    lost = Client()
    lost.post(reverse("accounts:login"), {"username": user.username, "password": TEST_PASSWORD})
    assert lost.get(reverse("home")).status_code == 200
    login("secretary").post(reverse("accounts:member", args=[user.pk]), {"action": "sign_out"})
    assert lost.get(reverse("home")).status_code == 302
    new_phone = Client()
    assert new_phone.post(reverse("accounts:login"), {"username": user.username, "password": TEST_PASSWORD}
                          ).status_code == 302
    assert new_phone.get(reverse("home")).status_code == 200
    assert "signed" in audit_log(action="update", object_type="user")[-1].summary


def test_a_new_one_time_password_for_a_member(login: Any, new_account: Any) -> None:
    account = new_account("sampler")
    client = login("secretary")
    response = client.post(reverse("accounts:member", args=[account.user.pk]), {"action": "password"})
    assert response["Location"] == reverse("accounts:slips")
    slip = client.get(reverse("accounts:slips")).context["slips"][0]
    assert slip["username"] == account.user.username and slip["password"] != account.password
    assert User.objects.get(pk=account.user.pk).check_password(slip["password"])


def test_the_list_shows_roles_and_last_login_and_hides_other_communities(login: Any, users: dict[str, Any]) -> None:
    page = login("secretary").get(reverse("accounts:members"))
    names = {u.username for u in page.context["page"]}
    assert {"staff", "grid1", "gate1"} <= names and "outsider" not in names
    assert "resident1" not in names, "residents are listed on their own page"
    assert login("secretary").get(reverse("accounts:member", args=[users["outsider"].pk])).status_code == 404
    assert login("outsider").get(reverse("accounts:member", args=[users["grid1"].pk])).status_code == 404


def test_a_secretary_may_not_deactivate_herself(users: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        services.member_set_active(actor=users["secretary"], user=users["secretary"], active=False)


def test_a_field_phone_stays_signed_in_for_the_shift_and_an_office_login_does_not(
        new_account: Any, settings: Any) -> None:
    settings.SHEQU_FIELD_SESSION_HOURS = 8
    guard = new_account("gate_guard").user
    guard.set_password(TEST_PASSWORD)
    guard.must_change_password = False
    guard.save()
    phone = Client()
    phone.post(reverse("accounts:login"), {"username": guard.username, "password": TEST_PASSWORD,
                                           "field_phone": "on"})
    assert 8 * 3600 - 60 < phone.session.get_expiry_age() <= 8 * 3600
    office = Client()
    office.post(reverse("accounts:login"), {"username": "staff", "password": TEST_PASSWORD, "field_phone": "on"})
    assert office.session.get_expiry_age() <= settings.SESSION_COOKIE_AGE
