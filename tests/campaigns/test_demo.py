"""The demo campaigns build on the demo world and leave a round with a positive tube."""

from __future__ import annotations

from typing import Any

import pytest

from shequ.campaigns.models import Campaign, Retest

pytestmark = pytest.mark.django_db


def test_demo_campaigns(users: dict[str, Any]) -> None:
    """build_demo (the session's world) runs build_campaigns after the gates."""
    assert Campaign.objects.filter(community__code="futong").count() == 3
    assert Campaign.objects.filter(kind="screening").exists()
    third = Campaign.objects.get(name="第三轮核酸检测")
    assert third.status == "open" and third.previous.name == "第二轮核酸检测"
    assert Retest.objects.filter(campaign=third, status="pending").count() == 10
    assert third.targets.filter(exempt_reason="").exclude(reached_at=None).exists()
    assert third.targets.filter(exempt_reason="", reached_at=None).exists()

