"""Once-only form submissions (core/submission.py run_once): a form sent twice does its work once, also
when the two copies arrive at the same moment and neither has seen the other's key yet."""

from __future__ import annotations

import threading
import uuid
from typing import Any

from django.db import connection
from django.test import Client, RequestFactory
from django.urls import reverse
from tests.concurrency import after_statement, at_once, database_for_threads

from shequ.core.models import SubmissionKey
from shequ.core.submission import new_key, run_once, submitted_key


def _anchor_room() -> Any:
    from shequ.registry.models import Household

    return Household.objects.get(community__code="futong", status="active", room__number="502",
                                 room__unit__number="2", room__unit__building__number="9",
                                 room__unit__building__compound__name="富通小区").room


def test_two_copies_of_a_form_at_the_same_moment_do_the_work_once(world_tx: None) -> None:
    """The first copy has created the household, inside its transaction, and not yet claimed the key;
    the second has already looked for the key and not found it. The second then meets the first's
    work (the room's new household, or the unique key), its own is rolled back, and it is sent to
    the first's result."""
    from shequ.accounts.models import User
    from shequ.audit.models import AuditEvent
    from shequ.registry.models import Household

    room = _anchor_room()
    url = reverse("registry:room", args=[room.pk])
    households = Household.objects.filter(room=room).count()
    events = AuditEvent.objects.filter(action="create", object_type="household").count()
    clients = [Client(), Client()]
    for client in clients:
        client.force_login(User.objects.get(username="staff"))
    from shequ.registry.forms import CONFIRM_ROOM
    from shequ.registry.services import households_in_room

    # The room has households already: the form asks whether another lives there, and this says yes.
    data = {"note": "同时提交", "submission_key": new_key(),
            CONFIRM_ROOM: " ".join(str(h.pk) for h in households_in_room(room))}
    first_created, second_looked = threading.Event(), threading.Event()

    def send(i: int) -> Any:
        if i == 0:
            with connection.execute_wrapper(after_statement("INSERT", "registry_household", first_created, second_looked)):
                return clients[0].post(url, data)
        assert first_created.wait(timeout=60)
        with connection.execute_wrapper(after_statement("SELECT", "core_submissionkey", second_looked)):
            return clients[1].post(url, data)

    with database_for_threads():
        responses = at_once(2, send)
        after = at_once(1, lambda i: (Household.objects.filter(room=room).count(),
                                      SubmissionKey.objects.filter(key=data["submission_key"]).count(),
                                      AuditEvent.objects.filter(action="create", object_type="household").count()))[0]
    assert second_looked.is_set()
    assert [r.status_code for r in responses] == [302, 302]
    assert responses[0]["Location"] == responses[1]["Location"]
    assert after == (households + 1, 1, events + 1)


def test_a_form_sent_again_later_is_sent_to_the_first_result(db: Any) -> None:
    calls: list[int] = []

    def action() -> str:
        calls.append(1)
        return f"/done/{len(calls)}/"

    key = new_key()
    request = RequestFactory().post("/", {"submission_key": key})
    request.user = type("Anonymous", (), {"is_authenticated": False})()
    assert run_once(request, action) == "/done/1/"
    assert run_once(request, action) == "/done/1/" and calls == [1]
    assert SubmissionKey.objects.get(key=key).result_url == "/done/1/"


def test_a_form_without_a_valid_key_runs_every_time(db: Any) -> None:
    calls: list[int] = []
    for sent in ({}, {"submission_key": "not-a-key"}, {"submission_key": uuid.uuid4().hex.upper()}):
        request = RequestFactory().post("/", sent)
        assert submitted_key(request) is None
        run_once(request, lambda: (calls.append(1), "/x/")[1])
    assert len(calls) == 3 and not SubmissionKey.objects.filter(result_url="/x/").exists()
