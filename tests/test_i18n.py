"""Both catalogues are complete: a user-facing string without a translation fails here."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent


def _tool():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("i18n_tool", ROOT / "tools" / "i18n.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_message_is_translated_in_both_catalogues(gettext_tools: None) -> None:
    problems = _tool().check()
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_accept_language_chooses_and_chinese_is_default() -> None:
    url = reverse("accounts:login")
    assert "登录" in Client().get(url).content.decode()
    assert "Log in" in Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").get(url).content.decode()
    assert "登录" in Client(HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9").get(url).content.decode()


@pytest.mark.django_db
def test_user_can_switch_language() -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-CN")
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("accounts:login")})
    assert response.status_code == 302
    assert "Log in" in client.get(reverse("accounts:login")).content.decode()


@pytest.mark.django_db
def test_language_switch_names_each_language_in_itself(login) -> None:  # type: ignore[no-untyped-def]
    html = login("grid1").get(reverse("home")).content.decode()
    assert ">English</button>" in html
    html = login("grid1").get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "简体中文</button>" in html and ">English</button>" not in html
