"""The health list's upload page (issue 12.2): checked first (nothing stored), the same matched /
unmatched / rejected rows as ``shequ import-health-list``, recorded on confirm with the audit events,
no duplicates on a second upload; only staff of the community may upload."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from shequ.health.models import HealthEntry
from tests.health.test_import import messy_list  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def upload(client: Any, path: Path, *, dry_run: bool) -> Any:
    page = client.get(reverse("health:list"))
    community = page.context["form"].fields["community"].initial
    body = {"action": "upload", "kind": "close_contact", "community": community,
            "file": SimpleUploadedFile(path.name, path.read_bytes(), content_type="text/csv")}
    if dry_run:
        body["dry_run"] = "on"
    return client.post(reverse("health:list"), body)


def cli(path: Path) -> dict[str, Any]:
    out = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("import_health_list", str(path), "--community", "futong", "--kind", "close_contact",
                     "--json", "--dry-run", stdout=out)
    return json.loads(out.getvalue())


def test_check_then_confirm_reports_as_the_command_and_records_once(messy_list: Path, login: Any,  # noqa: F811
                                                                     march: Any, audit_log: Any) -> None:
    client = login("staff")
    checked = upload(client, messy_list, dry_run=True)
    assert checked.status_code == 200
    result = checked.context["result"]
    assert result.dry_run and result.as_json() == cli(messy_list)
    assert not HealthEntry.objects.exists() and not audit_log(object_type="healthentry")
    html = checked.content.decode()
    # The unmatched row is listed with its name and a search; the rejected rows with their column.
    assert "查无此人" in html and reverse("registry:search") + "?q=" in html
    assert "末次暴露时间" in html and "身份证号" in html
    token = checked.context["confirm"].initial["token"]
    body = {"action": "confirm", "token": token, "submission_key": "k1"}
    done = client.post(reverse("health:list"), body)
    assert done.status_code == 200 and done.context["result"].recorded == 2
    assert HealthEntry.objects.filter(status="close_contact", source="list").count() == 2
    events = audit_log(object_type="healthentry")
    assert len(events) == 2 and {e.action for e in events} == {"create"}
    assert {e.actor_username for e in events} == {"staff"}
    # The same confirm again (a double tap) finds nothing left to record.
    again = client.post(reverse("health:list"), body)
    assert again.status_code == 200 and again.context["result"] is None
    # Uploading the same list again, straight away, records nothing new.
    second = upload(client, messy_list, dry_run=False)
    assert second.context["result"].matched == 2 and second.context["result"].recorded == 0
    assert HealthEntry.objects.filter(status="close_contact", source="list").count() == 2
    assert len(audit_log(object_type="healthentry")) == 2


def test_a_confirm_without_the_checked_list_records_nothing(login: Any, march: Any) -> None:
    client = login("staff")
    page = client.post(reverse("health:list"), {"action": "confirm", "token": "0" * 64, "submission_key": "k"})
    assert page.status_code == 200 and page.context["result"] is None
    assert "upload it again" in page.content.decode() or "重新上传" in page.content.decode()
    assert not HealthEntry.objects.exists()


def test_an_unreadable_file_is_named_on_the_form(tmp_path: Path, login: Any, march: Any) -> None:
    path = tmp_path / "list.pdf"
    path.write_bytes(b"%PDF-1.4")
    page = upload(login("staff"), path, dry_run=True)
    assert page.status_code == 200 and page.context["form"].errors["file"]
    assert not HealthEntry.objects.exists()


@pytest.mark.parametrize(("role", "status"), [("secretary", 200), ("staff", 200), ("grid1", 403),
                                               ("sampler1", 403), ("gate1", 403), ("street", 403),
                                               ("resident1", 403)])
def test_only_staff_may_upload(role: str, status: int, login: Any, messy_list: Path,  # noqa: F811
                               march: Any) -> None:
    client = login(role)
    assert client.get(reverse("health:list")).status_code == status
    body = {"action": "upload", "kind": "close_contact", "community": "1",
            "file": SimpleUploadedFile(messy_list.name, messy_list.read_bytes(), content_type="text/csv")}
    assert client.post(reverse("health:list"), body).status_code == status
    assert HealthEntry.objects.count() == (2 if status == 200 else 0)


def test_outsider_cannot_upload_into_futong(login: Any, messy_list: Path, march: Any) -> None:  # noqa: F811
    from shequ.registry.models import Community

    futong = Community.objects.get(code="futong")
    body = {"action": "upload", "kind": "close_contact", "community": str(futong.pk),
            "file": SimpleUploadedFile(messy_list.name, messy_list.read_bytes(), content_type="text/csv")}
    page = login("outsider").post(reverse("health:list"), body)
    assert page.status_code == 200 and page.context["form"].errors["community"]
    assert not HealthEntry.objects.exists()
