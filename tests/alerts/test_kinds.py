"""Alert kinds are registered by the apps that raise them (alerts/kinds.py): the alerts app lists
none, a new kind needs no alerts migration, and a kind no app registered is refused."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.utils import translation

from shequ.alerts import kinds
from shequ.alerts.kinds import AlertKind
from shequ.alerts.models import Alert
from shequ.alerts.services import alert_raise
from shequ.registry.models import Community


def test_each_app_registers_the_kinds_it_raises() -> None:
    from shequ.campaigns import alert_kinds as campaigns
    from shequ.containment import alert_kinds as containment
    from shequ.gates import alert_kinds as gates

    registered = dict(kinds.choices())
    for kind in (*gates.KINDS, *campaigns.KINDS, *containment.KINDS):
        assert kinds.kind_of(kind.code) is kind and registered[kind.code] == kind.label
    assert set(registered) >= {"gate_refused", "gate_offline_differs", "tube_positive", "tube_invalid",
                               "permit_requested"}


def test_the_alerts_app_names_no_kind_of_another_app() -> None:
    from pathlib import Path

    import shequ.alerts

    root = Path(shequ.alerts.__file__).parent
    for path in root.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        for code in ("gate_refused", "tube_positive", "permit_requested"):
            assert code not in text, f"{path.name} names {code}"


def test_a_new_kind_needs_no_alerts_migration(db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kinds, "_KINDS", dict(kinds._KINDS))
    kinds.register(AlertKind("supplies_short", "supplies short", "%(what)s is short"))
    assert "supplies_short" in dict(Alert._meta.get_field("kind").choices)
    call_command("makemigrations", "alerts", check=True, dry_run=True, verbosity=0)  # SystemExit on a change


def test_an_alert_reads_its_kinds_message_in_the_readers_language(db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kinds, "_KINDS", dict(kinds._KINDS))
    kind = AlertKind("test_kind", "test kind", "%(gate)s: %(who)s (%(reasons)s)")
    kinds.register(kind)
    community = Community.objects.get(code="futong")
    alert = alert_raise(community_id=community.pk, kind=kind, params={"gate": "东门", "who": "张*",
                                                                       "reasons": ["no mask"]})
    assert alert.kind == "test_kind" and alert.get_kind_display() == "test kind"
    with translation.override("zh-hans"):
        assert Alert.objects.get(pk=alert.pk).message == "东门: 张* (未戴口罩)"


def test_a_kind_no_app_registered_is_refused(db: Any) -> None:
    community = Community.objects.get(code="futong")
    before = Alert.objects.count()
    with pytest.raises(ValueError, match="unknown alert kind 'gate_refsued'"):
        alert_raise(community_id=community.pk, kind="gate_refsued", params={})
    assert Alert.objects.count() == before


def test_two_kinds_under_one_code_or_a_code_too_long_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kinds, "_KINDS", dict(kinds._KINDS))
    from shequ.gates.alert_kinds import GATE_REFUSED

    kinds.register(GATE_REFUSED)  # again: nothing happens
    with pytest.raises(ImproperlyConfigured, match="registered twice"):
        kinds.register(AlertKind("gate_refused", "another", "another"))
    with pytest.raises(ImproperlyConfigured, match="longer than"):
        kinds.register(AlertKind("x" * 31, "long", "long"))
