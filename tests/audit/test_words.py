"""Every audit event reads as a sentence in the reader's language: each app declares how its
summaries read (its audit_words.py, audit/words.py), old events included, and a summary nobody
declared is never shown as code wrote it.

Three walks: every summary format the code writes (one example each, as the services write it),
every audited write of the authorization matrix through its route, and the events of old rows
(the tube and visit events that were most of the demo's log)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation
from tests.test_audit_events import ACTORS
from tests.test_authorization_matrix import WRITES, Forms, World, send_write

from shequ.audit import words
from shequ.audit.describe import describe_events
from shequ.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

# Words that are names or codes, not English: the demo's and the matrix's usernames and names, the
# files the tests import. A run of letters with a digit, in capitals or cut short is a code (R2-00001,
# MATRIX-POS, a pass's ftcIBl…).
NAMES = {"secretary", "staff", "grid", "sampler", "gate", "street", "resident", "volunteer", "property",
         "outsider", "nobody", "matrix", "round", "draft", "api", "futong", "xinhua", "xlsx", "csv", "pdf"}
_RUN = re.compile(r"[A-Za-z0-9_.-]+…?")


def _english(text: str, allowed: set[str] = frozenset()) -> list[str]:  # type: ignore[assignment]
    runs = [r for r in _RUN.findall(text) if not re.search(r"\d", r) and not r.isupper() and not r.endswith("…")]
    return [w for r in runs for w in re.findall(r"[A-Za-z]{3,}", r) if w.lower() not in NAMES | allowed]


# (object type, action, summary as code writes it): one per format of every app's services.
FORMATS: list[tuple[str, str, str]] = [
    # campaigns
    ("campaign", "create", "campaign test_round 第三轮核酸检测"),
    ("campaign", "update", "campaign opened: 656 households, 1699 persons"),
    ("campaign", "update", "campaign closed"),
    ("target", "update", "campaign=1 person=2 exempt=in_hospital"),
    ("target", "update", "campaign=1 person=2 exempt=-"),
    ("visit", "create", "visit campaign=1 household=2 nobody_home"),
    ("samplingpoint", "create", "sampling point 东门广场采样点 campaign=1"),
    ("tube", "create", "tube R2-00001: 10 samples, 10/10 closed"),
    ("tube", "create", "tube R2-00001: 3 samples, 3/10"),
    ("tube", "update", "tube R2-00001 closed with 3/10"),
    ("tube", "update", "tube R2-00001 result negative; 0 to re-test"),
    ("tube", "update", "tube R3-00048: home quarantine for 7 days ordered for 9 persons; 1 already restricted"),
    ("campaign", "import", "results 检测结果.xlsx: 47 rows, 45 imported, 2 rejected"),
    ("campaign", "export", "campaign re-test list xlsx: 10 rows, masked; {}"),
    ("campaign", "export", "campaign missing list pdf: 12 rows, unmasked; {'grid': 3}"),
    # health
    ("healthentry", "create", "health status close_contact (list) person=2"),
    ("quarantinepolicy", "update", "policy 密接: 7+7 days, tests 1,4,7"),
    ("quarantineorder", "create", "home_quarantine 密接 person=2 until 2026-02-01 08:00"),
    ("quarantineorder", "update", "order extended: until 2026-02-03 08:00 (新的暴露)"),
    ("facility", "update", "facility 隔离酒店: hotel, 40 rooms"),
    ("transfer", "create", "transfer requested: person=2 (central_quarantine)"),
    ("transfer", "update", "transfer picked_up: person=2 (hospital)"),
    ("homechecklist", "update", "home checklist household=2"),
    ("epidemicfreerule", "update", "epidemic-free rule: 14 days, checklist not required"),
    ("controlchecklist", "update", "control checklist compound=1: publicity, door_to_door"),
    ("", "export", "health register: 3 rows, shown on the page; status=close_contact"),
    ("", "export", "follow-ups due: 3 rows, shown on the page"),
    ("quarantineorder", "export", "order letter pdf: 2 rows"),
    ("", "export", "health floor plan: 2 rows, shown on the page; building=3"),
    ("quarantineorder", "export", "door notice pdf: 1 rows"),
    # containment
    ("movementrestriction", "create", "home_quarantine person=2"),
    ("movementrestriction", "update", "ended person=2"),
    ("containmentarea", "create", "sealed building=3"),
    ("containmentarea", "update", "ended sealed"),
    ("permit", "create", "permit granted: person=2 at room=4, 2026-01-30 08:00 - 2026-01-30 12:00"),
    ("permit", "create", "permit requested: visitor phone=138****5678 at unit=4, 2026-01-30 08:00 - "
                         "2026-01-30 12:00 at 东门"),
    ("permit", "update", "permit refused: person=2 at compound=1, 2026-01-30 08:00 - 2026-01-30 12:00"),
    ("exitquota", "create", "exit quota 1/2d compound=1"),
    ("exitquota", "update", "exit quota ended"),
    # gates
    ("gatedevice", "token", "gate device token ab12cd for gate1 bound to gate=1"),
    ("gatedevice", "token", "gate device token ab12cd revoked (gate=1)"),
    ("gate", "create", "gate 北门 of compound=1"),
    ("gate", "update", "gate status open -> closed"),
    ("assignment", "create", "duty gate1 富通小区 东门 2026-01-30 早班"),
    ("building", "export", "pass cards building=3: 40 cards, 2 passes issued"),
    ("community", "export", "pass cards community=1: 900 cards, 12 passes issued"),
    ("household", "export", "pass cards household=5: 3 cards, 0 passes issued, 1 invite codes issued"),
    ("gate", "export", "gate ledger 1 2026-01-30: 12 rows, masked; date=2026-01-30&direction=in&subject=visitor"),
    # workforce
    ("shift", "create", "shift 早班 08:00-16:00"),
    ("post", "create", "post gate 东门岗 needs 2"),
    ("post", "update", "post 东门岗 needs 2 -> 3"),
    ("assignment", "create", "duty volunteer1 东门岗 2026-01-30 早班"),
    ("assignment", "update", "duty removed volunteer1 东门岗 2026-01-30"),
    ("assignment", "create", "call-out accepted volunteer1 东门岗 2026-01-30"),
    ("volunteer", "create", "volunteer sign-up 吴思远"),
    ("volunteer", "update", "volunteer 吴思远 approved as volunteer2"),
    ("volunteer", "update", "volunteer 吴思远 refused"),
    ("healthdeclaration", "update", "health status 2026-01-30 36.6"),
    ("callout", "create", "call-out 东门岗 2026-01-30 早班"),
    ("callout", "update", "call-out filled by volunteer1 after 12 min"),
    ("callout", "update", "call-out cancelled 东门岗 2026-01-30"),
    ("", "export", "certificate of service: 1 rows, user=5"),
    # services
    ("helprequest", "create", "help request medicine urgent source=phone"),
    ("helprequest", "update", "assigned to 3"),
    ("helpstep", "create", "step of 1"),
    ("helprequest", "update", "resolved"),
    ("helprequest", "update", "called back satisfied"),
    ("helprequest", "update", "closed"),
    ("careplan", "update", "assigned to 3"),
    ("careplan", "create", "care plan person=2 assignee=3 tasks=2"),
    ("caretask", "create", "care task call"),
    ("carevisit", "create", "care call 2026-01-30 done"),
    ("", "export", "help request ledger: 4 rows"),
    # supplies
    ("inboxmessage", "create", "pasted 12 messages batch=5e0c"),
    ("inboxmessage", "update", "set aside"),
    ("order", "create", "order household=2 items=3 source=group"),
    ("order", "update", "received -> confirmed"),
    ("order", "update", "received -> cancelled 不要了"),
    ("order", "update", "item=4 short"),
    ("order", "update", "item=4 as ordered"),
    ("order", "update", "item=4 substituted 挂面"),
    ("order", "update", "left at the door"),
    ("shop", "create", "shop 惠民超市"),
    ("package", "create", "package 蔬菜包"),
    ("distribution", "create", "government pack households=300 compound=1"),
    ("distribution", "create", "government pack households=300 compound=None"),
    ("run", "create", "run courier=3 orders=8 risk=True"),
    ("run", "update", "out"),
    ("run", "create", "entered building=3"),
    ("run", "update", "done"),
    ("", "export", "purchase list: 8 rows"),
    ("", "export", "bag labels: 8 rows"),
    # stock
    ("item", "create", "item mask"),
    ("store", "create", "store warehouse"),
    ("movement", "create", "receipt 100 item=1 store=1"),
    ("movement", "create", "issue 20 item=1 store=1"),
    ("movement", "create", "transfer 20 item=1 1->2"),
    ("", "export", "stock sheet: 6 rows"),
    # disinfection
    ("place", "create", "place stairwell target=5"),
    # Old rows: rounds and care outcomes are no longer audited events (their own ledger).
    ("round", "create", "round place=12 photo"),
    ("round", "create", "round place=12"),
    ("round", "create", "final disinfection room=4"),
    ("reminder", "create", "reminder company=1 behind=3"),
    # notices
    ("notice", "create", "notice 核酸检测通知"),
    ("notice", "update", "edited: body, title"),
    ("notice", "update", "published"),
    ("notice", "update", "withdrawn"),
    ("knock", "create", "9-2-502 not_home"),
    ("inperson", "create", "told in person: 9-2-502"),
    ("household", "update", "no longer told in person: 9-2-502"),
    ("notice", "export", "door-knock list: 5 rows"),
    # reports
    ("dailyreport", "create", "daily report 2022-01-26 version 1"),
    ("dailyreport", "create", "daily report 2022-01-26 version 2: 补报转运一人"),
    ("dailyreport", "update", "recomputed at 15:00"),
    ("dailyreport", "update", "corrected positives_today: 3 -> 1"),
    ("dailyreport", "update", "submitted"),
    ("dailyreport", "update", "submitted late"),
    ("dailyreport", "update", "nothing to report"),
    ("dailyreport", "update", "nothing to report late"),
    ("reportsetting", "update", "cut-off 15:00, deadline 16:00"),
    ("", "export", "daily report sheet 2022-01-26: 2 rows"),
    # passes, alerts
    ("pass", "create", "pass for person=2"),
    ("pass", "create", "pass for person=2 (reissued)"),
    ("alert", "update", "acknowledged gate_refused"),
    # accounts
    ("apitoken", "token", "created gate_device token ab12cd for gate1"),
    ("apitoken", "token", "revoked token ab12cd of gate1"),
    ("user", "update", "one-time password issued for grid1"),
    ("user", "update", "password changed by grid1"),
    ("user", "create", "account grid7 (张三) as grid_worker"),
    ("user", "create", "account street2 (马卫东) as street of xinhua"),
    ("user", "update", "role of grid1"),
    ("user", "update", "account grid1 deactivated"),
    ("user", "update", "account grid1 reactivated"),
    ("user", "update", "signed grid1 out everywhere"),
    ("user", "create", "joined household=2 by invite code as person=3"),
    ("user", "create", "joined household=2 by invite code as family of person=3"),
    ("user", "update", "membership staff of grid1 removed"),
    ("community", "create", "community nanxin 南新村社区 of street xinhua"),
    ("street", "create", "street xinhua 新华街道"),
    ("invitecode", "create", "invite code for household=2"),
    ("invitecode", "create", "invite code for household=2 (the old one revoked)"),
    # registry
    ("grid", "create", "grid 7 第七网格"),
    ("grid", "update", "grid 1 buildings; moved from grids [2, 3]"),
    ("grid", "update", "grid 1 buildings"),
    ("propertycompany", "update", "property company 富通物业: compounds [1] -> [1, 2]"),
    ("person", "move", "搬到女儿家"),
    ("person", "move_out", "去世"),
    ("household", "move_out", "房子卖了"),
    ("", "export", "persons: 12 rows, masked; tag=chronic"),
    ("", "export", "grids: 6 rows"),
]
_USERNAMES = {"gate1", "grid1", "grid7", "street2", "volunteer1", "volunteer2", "nanxin", "xinhua", "ab12cd", "5e0c"}


def _write(object_type: str, action: str, summary: str) -> AuditEvent:
    """A stored row as the services wrote it; its object an id no row has (read as "#id")."""
    return AuditEvent.objects.create(actor_username="tester", action=action, summary=summary,
                                     object_type=object_type, object_id="999999" if object_type else "")


@pytest.mark.parametrize(("object_type", "action", "summary"), FORMATS)
def test_every_summary_format_reads_as_a_sentence(object_type: str, action: str, summary: str) -> None:
    event = _write(object_type, action, summary)
    is_export = action == "export"
    if not is_export:
        assert words.find(object_type, action, summary) is not None, "no app declares how this summary reads"
    for language in ("zh-hans", "en"):
        with translation.override(language):
            (d,) = describe_events([event])
        assert d.sentence and d.sentence != summary
        if language == "zh-hans":
            assert not _english(d.sentence + " " + d.object_label, _USERNAMES), d.sentence
            assert not re.search(r"\b[a-z]+=\d+", d.sentence), d.sentence


def test_a_summary_nobody_declared_reads_as_the_act_not_as_code_wrote_it() -> None:
    event = _write("tube", "update", "tube R2-00001 did something new")
    with translation.override("zh-hans"):
        (d,) = describe_events([event])
    assert "something" not in d.sentence
    assert "试管" in d.sentence


def test_old_tube_and_visit_events_read_in_chinese_with_names(anchor_household: Any, users: dict[str, Any]) -> None:
    """The demo's most frequent events, as rows written before the apps declared their words."""
    from shequ.campaigns.models import Campaign

    campaign = Campaign.objects.create(community=anchor_household.community, kind="screening", name="九号楼入户排查",
                                       starts_on=dt.date(2026, 1, 30))
    tube = _write("tube", "update", "tube R2-00001 result negative; 0 to re-test")
    visit = AuditEvent.objects.create(actor=users["staff"], actor_username="staff", action="create",
                                      object_type="visit", object_id="999999", community=anchor_household.community,
                                      summary=f"visit campaign={campaign.pk} household={anchor_household.pk} visited")
    with translation.override("zh-hans"):
        t, v = describe_events([tube, visit])
    assert "阴性" in t.sentence and "result" not in t.sentence
    assert "九号楼入户排查" in v.sentence and "9-2-502" in v.sentence
    assert not _english(t.sentence) and not _english(v.sentence), (t.sentence, v.sentence)


@pytest.mark.parametrize("name", sorted(WRITES))
def test_the_events_of_every_audited_write_read_in_chinese(name: str, login: Any, anchor_household: Any, clock: Any,
                                                           audit_log: Any, request: pytest.FixtureRequest,
                                                           users: dict[str, Any]) -> None:
    write = WRITES[name]
    world = World(anchor_household)
    role = next(r for r in ACTORS if write.expect(world, r)[1])
    url = reverse(name, kwargs=write.kwargs(world))
    if url.endswith(".pdf"):
        request.getfixturevalue("cjk_font")
    body = write.body(world, Forms(login("secretary")))
    client = login(role)
    logged = {e.pk for e in audit_log()}
    send_write(client, write.method, url, body)
    events = [e for e in AuditEvent.objects.filter(pk__gt=max(logged, default=0)).order_by("pk")
              if e.pk not in logged and e.action not in ("login", "logout")]
    from shequ.accounts.models import User
    from shequ.registry.models import Community

    usernames = {u.lower() for u in User.objects.values_list("username", flat=True)}
    usernames |= {c.lower() for c in Community.objects.values_list("code", flat=True)}
    with translation.override("zh-hans"):
        described = describe_events(events)
    for d in described:
        e = d.event
        text = " ".join([d.sentence, d.object_label] + [f"{c.label} {c.before} {c.after}" for c in d.changes])
        allowed = usernames | {w.lower() for w in re.findall(r"[A-Za-z]+", str(e.after or ""))} if e.action == "import" \
            else usernames
        assert not _english(d.sentence + " " + d.object_label, allowed), (e.object_type, e.summary, text)
        if e.summary and e.action not in ("export", "import", "reveal"):
            assert words.find(e.object_type, e.action, e.summary) is not None or d.sentence, e.summary


def test_an_account_change_shows_the_membership_it_holds_by_label_and_name(anchor_household: Any,
                                                                           users: dict[str, Any]) -> None:
    """A user's events keep its membership in before/after (role, grid...), keys that are no field
    of the user: the change lines read the role's label and the grid's name, not ``role volunteer``."""
    from shequ.registry.models import Grid

    grid = Grid.objects.filter(community=anchor_household.community).order_by("id").first()
    event = AuditEvent.objects.create(actor=users["secretary"], actor_username="secretary", action="update",
                                      object_type="user", object_id=str(users["volunteer1"].pk),
                                      community=anchor_household.community, summary="role of volunteer1",
                                      before={"role": "volunteer", "grid": None},
                                      after={"role": "grid_worker", "grid": grid.pk})
    with translation.override("zh-hans"):
        (d,) = describe_events([event])
    lines = {c.label: (c.before, c.after) for c in d.changes}
    assert lines["角色"] == ("志愿者", "网格员"), lines
    assert lines["网格"][1] == str(grid) and grid.name in lines["网格"][1], lines
    assert not [w for c in d.changes for w in _english(f"{c.label} {c.before} {c.after}")], d.changes
