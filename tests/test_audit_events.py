"""Every state-changing route writes the audit events it should, as the one who acted, in the
community, with the client's address: the allowed write of each route of the authorization matrix
(tests/test_authorization_matrix.py WRITES, the same bodies), sent by a role that may.

Passages (the gate screen, the visitor form, the gate API) are recorded in the ledger, which is
their record: they write no audit event, and the test says so."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from tests.test_authorization_matrix import WRITES, Forms, World, send_write

pytestmark = pytest.mark.django_db

# route -> the (action, object type) of the events its allowed write leaves, each at least once
# and nothing else.
EVENTS: dict[str, set[tuple[str, str]]] = {
    "accounts:login": {("login_failed", "")},
    "accounts:logout": {("logout", "")},
    "registry:room": {("create", "household")},
    "registry:household_edit": {("update", "household")},
    "registry:household_move_out": {("move_out", "person"), ("move_out", "household")},
    "registry:person_create": {("create", "person")},
    "registry:person": {("reveal", "person")},
    "registry:person_edit": {("update", "person")},
    "registry:person_move": {("move", "person")},
    "registry:person_move_out": {("move_out", "person")},
    "registry:import": {("create", "person"), ("import", "")},
    "alerts:acknowledge": {("update", "alert")},
    "containment:person": {("create", "movementrestriction")},
    "containment:compound": {("create", "containmentarea")},
    "containment:building": {("create", "containmentarea")},
    "containment:restriction_end": {("update", "movementrestriction")},
    "containment:area_end": {("update", "containmentarea")},
    "containment:quota_end": {("update", "exitquota")},
    "containment:permit_new": {("create", "permit")},
    # Approving a request also settles the alert that asked for it.
    "containment:permit": {("update", "permit"), ("update", "alert")},
    "gates:gate_status": {("update", "gate")},
    "gates:gate_keep_only": {("update", "gate")},
    "gates:roster_assign": {("create", "assignment")},
    "gates:roster_shift_add": {("create", "shift")},
    "gates:duty_remove": {("update", "assignment")},
    "gates:pass_issue": {("create", "pass")},
    # The matrix's print asks for invite codes: one new code per household with a card.
    "gates:pass_cards_household": {("export", "household"), ("create", "invitecode")},
    "gates:pass_cards_building": {("export", "building"), ("create", "invitecode")},
    "gates:pass_cards_grid": {("export", "grid"), ("create", "invitecode")},
    # Starts a background job: the print's events are written when the worker prints (tests/jobs).
    "gates:pass_cards_community": set(),
    "campaigns:missing_pdf_job": set(),
    "gates:screen": set(),
    "gates:screen_visitor": set(),
    # A guard's request: the permit is created (the alert to the office is not an audited act).
    "gates:screen_permit": {("create", "permit")},
    "api:gate_passages": set(),
    "campaigns:create": {("create", "campaign")},
    "campaigns:open": {("update", "campaign")},
    "campaigns:close": {("update", "campaign")},
    "campaigns:exempt": {("update", "target")},
    "campaigns:household": {("create", "visit")},
    "campaigns:points": {("create", "samplingpoint")},
    "campaigns:sample": {("create", "tube")},
    "campaigns:results": {("update", "tube")},
    "campaigns:tube": {("update", "tube")},
    "api:campaign_tubes": {("create", "tube")},
    "campaigns:call": {("reveal", "person")},
    "campaigns:retest_quarantine": {("update", "tube"), ("create", "movementrestriction")},
    "accounts:join": {("create", "user")},
    "health:person": {("create", "healthentry")},
    # Ending an order ends its restrictions through containment's service.
    "health:order": {("update", "quarantineorder"), ("update", "movementrestriction")},
    # Follow-ups are their own ledger (who recorded what, when), like passages: no audit event.
    "health:transfer": {("update", "transfer")},
    "health:facilities": {("update", "facility")},
    "health:list": {("create", "healthentry")},
    "health:settings": {("update", "epidemicfreerule")},
    "health:visit": set(),
    "health:mine": set(),
    "api:health_followups_record": set(),
    "accounts:member": {("update", "user")},
    "accounts:member_add": {("create", "user")},
    "accounts:members_import": {("create", "user")},
    "accounts:password_change": {("update", "user")},
    "accounts:residents": {("create", "invitecode")},
    "accounts:street": {("create", "community"), ("create", "user")},
    "gates:gate_add": {("create", "gate")},
    "registry:grid_draw": {("update", "grid")},
    "registry:grid_new": {("create", "grid")},
    "registry:property_company_new": {("create", "propertycompany")},
    "registry:property_company": {("update", "propertycompany")},
    "reports:community": {("update", "dailyreport")},
    "reports:report": {("update", "dailyreport")},
    "reports:submit": {("update", "dailyreport")},
    "reports:street": {("update", "reportsetting")},
    "notices:new": {("create", "notice")},
    "notices:notice": {("update", "notice")},
    "notices:edit": {("update", "notice")},
    "notices:knock": {("create", "knock")},
    "notices:in_person": {("create", "inperson")},
    "api:notices_create": {("create", "notice")},
    "api:notices_publish": {("update", "notice")},
    "api:notices_knock": {("create", "knock")},
    "supplies:inbox": {("create", "inboxmessage")},
    "supplies:message": {("create", "order"), ("update", "order")},
    "supplies:order": {("update", "order")},
    "supplies:order_new": {("create", "order")},
    "supplies:shops": {("create", "shop")},
    "supplies:purchases": {("update", "order")},
    "supplies:runs": {("create", "run")},
    "supplies:distributions": {("create", "distribution")},
    # The courier's record that the resident took it in: the order delivered, the run done.
    "supplies:run": {("update", "order"), ("update", "run")},
    "supplies:mine": {("create", "order")},
    # The parser writes nothing.
    "api:supplies_parse": set(),
    "api:supplies_orders": {("create", "order")},
    "disinfection:board": {("create", "reminder")},
    "disinfection:places": {("create", "place")},
    # Rounds are their own ledger (who recorded which place, when), like passages: no audit event.
    "disinfection:record": set(),
    "api:disinfection_rounds": set(),
    "stock:sheet": {("create", "movement")},
    "stock:setup": {("create", "item")},
    "api:stock_issues": {("create", "movement")},
    "supplies:refills": {("create", "order")},
    "services:requests": {("create", "helprequest")},
    # The first step of a request nobody has taken makes its author the handler (part of the step).
    "services:request": {("create", "helpstep")},
    "services:mine": {("create", "helprequest")},
    "api:services_requests": {("create", "helprequest")},
    "services:care_new": {("create", "careplan")},
    # Care outcomes are their own ledger (who, when, what), like follow-ups: no audit event.
    "services:today": set(),
    "api:services_visits": set(),
    "workforce:board": {("create", "post")},
    # The matrix calls out the shift already called: the open call is that one, nothing is recorded.
    "workforce:callouts": set(),
    "workforce:callout": {("create", "assignment"), ("update", "callout")},
    "api:workforce_callout_accept": {("create", "assignment"), ("update", "callout")},
    "workforce:mine": {("update", "healthdeclaration")},
    "workforce:volunteers": {("create", "user"), ("update", "volunteer")},
    "workforce:join": {("create", "volunteer")},
}
# Who sends each allowed write: the first of these the route allows.
ACTORS = ["secretary", "staff", "grid1", "sampler1", "gate1", "street", "resident1", None]


def test_every_write_of_the_matrix_has_its_events() -> None:
    assert set(EVENTS) == set(WRITES), (sorted(set(WRITES) - set(EVENTS)), sorted(set(EVENTS) - set(WRITES)))


@pytest.mark.parametrize("name", sorted(WRITES))
def test_a_write_leaves_its_audit_events(name: str, login: Any, anchor_household: Any, clock: Any,
                                         audit_log: Any, request: pytest.FixtureRequest) -> None:
    write = WRITES[name]
    world = World(anchor_household)
    role = next(r for r in ACTORS if write.expect(world, r)[1])
    url = reverse(name, kwargs=write.kwargs(world))
    if url.endswith(".pdf"):
        request.getfixturevalue("cjk_font")  # printing needs the font (tests/conftest.py)
    body = write.body(world, Forms(login("secretary")))
    client = login(role)
    client.defaults["REMOTE_ADDR"] = "192.0.2.17"
    logged = {e.pk for e in audit_log()}
    status = send_write(client, write.method, url, body).status_code
    assert status == write.expect(world, role)[0]
    events = [e for e in audit_log(**({"action": "login_failed"} if name == "accounts:login" else {}))
              if e.pk not in logged]
    if name == "accounts:logout":
        events = audit_log(action="logout")
    assert {(e.action, e.object_type) for e in events} == EVENTS[name], [(e.action, e.object_type, e.summary)
                                                                          for e in events]
    for event in events:
        if name != "accounts:join":  # joining by invite code is the new account's own act (its username)
            assert event.actor_username == (role or "nobody-at-all")
        assert event.ip_address == "192.0.2.17"
        # A failed login for a name nobody has belongs to no community; a community the street adds
        # owns its own creation (the matrix's body names it "matrix"); joining by an invite code belongs
        # to the code's community although nobody is signed in; the street's report cut-off is the
        # street's, of no community; everything else is futong's.
        home = "matrix" if name == "accounts:street" else (None if name == "reports:street" else "futong")
        expected = home if role is not None or name == "accounts:join" else None
        assert (event.community.code if event.community else None) == expected
