"""Many accounts from an Excel or CSV list, with the roster's row-by-row messages (issue 18 item 3)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from shequ.accounts.models import Membership, User
from shequ.core.excel import write_xlsx

pytestmark = pytest.mark.django_db

ROWS = [
    ["张志愿", "下沉干部", "13700137001", "", ""],
    ["李网格", "网格员", "13700137002", "第2网格", ""],
    ["王某", "队长", "13700137003", "", ""],
    ["赵网格", "grid worker", "", "99", ""],
    ["孙书记", "书记", "13700137004", "", ""],
    ["", "", "", "", ""],
    ["周手机", "志愿者", "12345", "", ""],
]
HEADERS = ["姓名", "角色", "手机号", "网格", "物业"]


def test_a_list_adds_the_valid_rows_and_names_each_problem_by_row_and_column(login: Any, audit_log: Any) -> None:
    content = write_xlsx(HEADERS, ROWS, title="list")
    client = login("staff")
    response = client.post(reverse("accounts:members_import"),
                           {"file": SimpleUploadedFile("cadres.xlsx", content)})
    assert response.status_code == 200
    result = response.context["result"]
    assert result.rows == 6
    assert [a.user.first_name for a in result.created] == ["张志愿", "李网格"]
    assert Membership.objects.get(user__first_name="张志愿").role == "volunteer"
    assert Membership.objects.get(user__first_name="李网格").grid.number == 2
    problems = {(p.row, p.column) for p in result.rejected}
    # 队长 is no role; grid 99 does not exist; staff may not add a secretary; 12345 is no phone number.
    assert problems == {(4, "角色"), (5, "网格"), (6, "角色"), (8, "手机号")}
    assert not User.objects.filter(first_name__in=["王某", "赵网格", "孙书记", "周手机"]).exists()
    assert len(audit_log(action="create", object_type="user")) == 2
    assert client.get(reverse("accounts:slips")).status_code == 200


def test_a_csv_list_in_gbk_works_too(login: Any) -> None:
    text = "姓名,角色\n钱门岗,门岗\n"
    response = login("secretary").post(reverse("accounts:members_import"),
                                       {"file": SimpleUploadedFile("list.csv", text.encode("gbk"))})
    assert [a.membership.role for a in response.context["result"].created] == ["gate_guard"]


def test_a_file_without_the_columns_is_refused_with_a_reason(login: Any) -> None:
    response = login("secretary").post(reverse("accounts:members_import"),
                                       {"file": SimpleUploadedFile("list.csv", "名单\n张三\n".encode())})
    assert response.context["result"] is None and response.context["form"].errors["file"]
