"""Account routes in the authorization matrix (merged by tests/test_authorization_matrix.py).

accounts.manage is for secretary and staff (outsider: of nanxincun, so futong's accounts are a 404);
accounts.street for the street office; the first-run page is a 404 once a community exists; joining
a household is for someone not logged in. Targets are found with plain queries (ground truth)."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from tests.conftest import TEST_PASSWORD
from tests.test_authorization_matrix import ANON, Write, like, only, refused

MANAGE = only({ANON: 302, "secretary": 200, "staff": 200, "outsider": 200}, 403)
# A futong account (volunteer1): the office of futong and the street open it; outsider is of nanxincun.
FUTONG_ACCOUNT = only({ANON: 302, "secretary": 200, "staff": 200, "street": 200, "outsider": 404}, 403)
# Pages of what was just issued, kept in the session until shown once: nothing was issued here.
JUST_ISSUED = only({ANON: 302, "secretary": 404, "staff": 404, "outsider": 404, "street": 404}, 403)
INVITES = only({ANON: 302, "secretary": 404, "staff": 404, "outsider": 404}, 403)


def _volunteer(w: Any) -> dict[str, Any]:
    from shequ.accounts.models import User

    return {"pk": User.objects.get(username="volunteer1").pk}


ROUTES: dict[str, Any] = {
    "accounts:password_change": (lambda w: {}, only({ANON: 302}, 200)),
    "accounts:setup": (lambda w: {}, only({}, 404)),
    "accounts:members": (lambda w: {}, MANAGE),
    "accounts:member_add": (lambda w: {}, MANAGE),
    "accounts:members_import": (lambda w: {}, MANAGE),
    "accounts:slips": (lambda w: {}, JUST_ISSUED),
    "accounts:member": (_volunteer, FUTONG_ACCOUNT),
    "accounts:street": (lambda w: {}, only({ANON: 302, "street": 200}, 403)),
    "accounts:residents": (lambda w: {}, MANAGE),
    "accounts:invites": (lambda w: {}, INVITES),
    "accounts:join": (lambda w: {}, only({ANON: 200}, 302)),
}


# -- writes -------------------------------------------------------------------------------------------
def _futong_office(w: Any, role: str | None) -> tuple[int, bool | str]:
    """A write into futong posted from the secretary's form: outsider asks for futong, a 404."""
    if role in ("secretary", "staff"):
        return 302, True
    return refused({ANON: 302, "outsider": 404}.get(role, 403))


def _import(w: Any, role: str | None) -> tuple[int, bool | str]:
    return (200, True) if role in ("secretary", "staff") else _futong_office(w, role)


def _list_csv() -> SimpleUploadedFile:
    return SimpleUploadedFile("people.csv", "姓名,角色\n矩阵名单,志愿者\n".encode(), content_type="text/csv")


def _join_body(w: Any, f: Any) -> dict[str, Any]:
    """The anchor household's invite code (issued for the matrix) and one of its members."""
    from shequ.accounts.services import invite_issue

    if not hasattr(w, "invite_code"):
        w.invite_code = invite_issue(actor=None, household=w.household)
    person = w.person
    digits = (person.id_number or person.phone)[-4:]
    return {"code": w.invite_code, "name": person.name, "digits": digits, "family": "on",
            "password1": "matrix-join-password", "password2": "matrix-join-password"}


WRITES = {
    "accounts:password_change": Write(
        lambda w: {}, lambda w, f: {"old_password": TEST_PASSWORD, "new_password1": "matrix-new-password",
                                    "new_password2": "matrix-new-password"},
        like(only({ANON: 302}, 200))),
    "accounts:member_add": Write(
        lambda w: {}, lambda w, f: f.page("/accounts/members/new/", with_field="name", name="矩阵账号",
                                          role="volunteer"), _futong_office),
    "accounts:members_import": Write(
        lambda w: {}, lambda w, f: {**f.page("/accounts/members/import/", with_field="file"), "file": _list_csv()},
        _import),
    "accounts:member": Write(_volunteer, lambda w, f: {"action": "sign_out"}, like(FUTONG_ACCOUNT)),
    "accounts:street": Write(
        lambda w: {}, lambda w, f: {"street": w.compound.community.street_id, "name": "矩阵社区", "code": "matrix",
                                    "secretary_name": "矩阵书记"},
        like(only({ANON: 302, "street": 200}, 403))),
    "accounts:residents": Write(
        lambda w: {}, lambda w, f: {**f.page("/accounts/residents/", with_field="address"),
                                    "address": f"{w.compound.name}{w.room.address}"}, _futong_office),
    "accounts:join": Write(lambda w: {}, _join_body,
                           lambda w, r: (302, True) if r is ANON else refused(302)),
}
READS = {"accounts:setup": None, "accounts:members": None, "accounts:slips": None, "accounts:invites": None}
