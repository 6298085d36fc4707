"""The roster upload page: valid rows imported, rejected rows listed and offered as a spreadsheet."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from shequ.core.idnumber import make_id_number
from shequ.registry.models import Person

pytestmark = pytest.mark.django_db


def _csv(rows: list[list[str]]) -> bytes:
    return "\n".join(",".join(r) for r in rows).encode("gbk")


def test_upload_imports_valid_rows_and_offers_rejected_ones(login: Any) -> None:
    import datetime as dt

    good = make_id_number("110105", dt.date(1985, 6, 1), 123)
    content = _csv([
        ["序号", "姓名", "身份证号码", "联系电话", "住址"],
        ["1", "测试甲", good, "13912345678", "富通小区9号楼2单元502室"],
        ["2", "测试乙", "110105198506011230", "13912345679", "富通小区9-2-502"],
    ])
    client = login("staff")
    response = client.post(reverse("registry:import"), {"file": SimpleUploadedFile("名单.csv", content)})
    assert response.status_code == 200
    html = response.content.decode()
    assert Person.objects.filter(name="测试甲", id_number=good, community__code="futong").count() == 1
    assert not Person.objects.filter(name="测试乙").exists()
    assert "身份证号码" in html
    download = client.get(reverse("registry:import_rejected"))
    assert download.status_code == 200
    rows = list(load_workbook(io.BytesIO(download.content), read_only=True).active.iter_rows(values_only=True))
    assert rows[0][:5] == ("序号", "姓名", "身份证号码", "联系电话", "住址")
    assert len(rows) == 2 and rows[1][1] == "测试乙"
    # Uploading the same file again neither duplicates nor fails the valid row.
    client.post(reverse("registry:import"), {"file": SimpleUploadedFile("名单.csv", content)})
    assert Person.objects.filter(id_number=good).count() == 1


def test_unreadable_upload_is_reported(login: Any) -> None:
    response = login("staff").post(reverse("registry:import"),
                                   {"file": SimpleUploadedFile("x.xlsx", b"not a spreadsheet")})
    assert response.status_code == 200
    assert b"errorlist" in response.content or b'class="error"' in response.content


def test_outsider_imports_into_own_community(login: Any) -> None:
    import datetime as dt

    number = make_id_number("110105", dt.date(1990, 1, 2), 455)
    content = _csv([["姓名", "身份证号", "小区", "楼栋", "单元", "房号"], ["南新", number, "广立南区", "9", "2", "502"]])
    login("outsider").post(reverse("registry:import"), {"file": SimpleUploadedFile("a.csv", content)})
    assert Person.objects.get(id_number=number).community.code == "nanxincun"


def test_user_of_two_communities_chooses_where_to_import(login: Any) -> None:
    import datetime as dt

    from shequ.accounts.models import Membership, User
    from shequ.registry.models import Community

    user = User.objects.get(username="staff")
    nanxincun = Community.objects.get(code="nanxincun")
    Membership.objects.create(user=user, role="staff", community=nanxincun)
    client = login("staff")
    page = client.get(reverse("registry:import")).content.decode()
    assert 'name="community"' in page and "南新村社区" in page and 'type="hidden" name="community"' not in page
    number = make_id_number("110105", dt.date(1990, 2, 3), 77)
    content = _csv([["姓名", "身份证号", "住址"], ["测试丙", number, "广立南区9-2-502"]])
    response = client.post(reverse("registry:import"),
                           {"file": SimpleUploadedFile("名单.csv", content), "community": nanxincun.pk})
    assert response.status_code == 200
    assert Person.objects.get(id_number=number).community_id == nanxincun.pk
    # A community the user has no import right in is not a valid choice.
    futong_only = login("secretary")
    refused = futong_only.post(reverse("registry:import"),
                               {"file": SimpleUploadedFile("名单.csv", content), "community": nanxincun.pk})
    assert refused.status_code == 200 and "community" in refused.context["form"].errors
    assert Person.objects.filter(id_number=number).count() == 1
