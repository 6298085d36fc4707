"""``shequ parse-orders`` and ``POST /api/v1/supplies/parse``: the parser's function, as JSON."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse

from shequ.supplies.parser import parse_message
from tests.supplies.corpus import cases


def _run(path: Path, *extra: str) -> tuple[list[dict[str, Any]], int]:
    out = io.StringIO()
    code = 0
    try:
        call_command("parse_orders", str(path), "--json", *extra, stdout=out)
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    return [json.loads(line) for line in out.getvalue().splitlines()], code


@pytest.mark.django_db
def test_it_prints_one_object_per_line_in_order(tmp_path: Path) -> None:
    corpus = cases()
    path = tmp_path / "messages.jsonl"
    path.write_text("\n".join(json.dumps({"sender": c.sender, "text": c.text}, ensure_ascii=False) for c in corpus),
                    encoding="utf-8")
    printed, code = _run(path)
    assert code == 0
    assert printed == [parse_message(c.sender, c.text).as_json() for c in corpus]
    assert set(printed[0]) == {"address", "kind", "urgent", "items"}


@pytest.mark.django_db
def test_with_a_community_it_resolves_addresses(tmp_path: Path, anchor_household: Any) -> None:
    path = tmp_path / "m.jsonl"
    path.write_text(json.dumps({"sender": "张嫂子", "text": "富通小区9-2-502 面粉5斤"}) + "\n"
                    + json.dumps({"sender": "", "text": "99-9-999 米一袋"}) + "\n", encoding="utf-8")
    printed, code = _run(path, "--community", "futong")
    assert code == 0
    assert printed[0]["household_id"] == anchor_household.pk and printed[0]["address_problem"] is None
    assert printed[1]["household_id"] is None and printed[1]["address_problem"] == "unknown"


@pytest.mark.django_db
def test_an_address_in_two_compounds_is_ambiguous_without_the_compound(tmp_path: Path) -> None:
    # futong has a 9-2-502 in 富通小区 and in 江南家园 (the demo registry).
    path = tmp_path / "m.jsonl"
    path.write_text(json.dumps({"sender": "", "text": "9-2-502 面粉5斤"}) + "\n", encoding="utf-8")
    printed, _code = _run(path, "--community", "futong")
    assert printed[0]["household_id"] is None and printed[0]["address_problem"] == "ambiguous"


@pytest.mark.django_db
def test_a_bad_line_is_reported_in_its_place_and_the_rest_are_read(tmp_path: Path) -> None:
    path = tmp_path / "m.jsonl"
    path.write_text('{"sender": "a", "text": "面粉5斤"}\nnot json\n{"text": 5}\n{"text": "米一袋"}\n', encoding="utf-8")
    printed, code = _run(path)
    assert code == 1
    assert [("error" in p) for p in printed] == [False, True, True, False]
    assert printed[1]["line"] == 2 and printed[3]["items"][0]["name"] == "米"


@pytest.mark.django_db
def test_the_api_gives_the_same_reading(login: Any, anchor_household: Any) -> None:
    body = {"messages": [{"sender": c.sender, "text": c.text} for c in cases()[:40]]}
    response = login("staff").post(reverse("api:supplies_parse"), json.dumps(body), content_type="application/json")
    assert response.status_code == 200
    got = [{k: v for k, v in row.items() if k in ("address", "kind", "urgent", "items")} for row in response.json()]
    assert got == [parse_message(c.sender, c.text).as_json() for c in cases()[:40]]
    resolved = login("staff").post(reverse("api:supplies_parse"), json.dumps({
        "community_id": anchor_household.community_id, "messages": [{"sender": "", "text": "富通小区9-2-502 面粉5斤"}]}),
        content_type="application/json").json()
    assert resolved[0]["household_id"] == anchor_household.pk


@pytest.mark.django_db
def test_the_api_refuses_another_community_and_roles_without_orders(login: Any, anchor_household: Any) -> None:
    body = json.dumps({"community_id": anchor_household.community_id, "messages": [{"text": "9-2-502 面粉5斤"}]})
    assert login("outsider").post(reverse("api:supplies_parse"), body, content_type="application/json").status_code == 403
    assert login("volunteer1").post(reverse("api:supplies_parse"), body, content_type="application/json").status_code == 403
    assert login(None).post(reverse("api:supplies_parse"), body, content_type="application/json").status_code == 401
