"""Both catalogues are complete: a user-facing string without a translation fails here, and so does a
msgid that two apps' catalogues translate differently (Django shows whichever app loads first)."""

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


_HEADER = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n"Plural-Forms: nplurals=1; plural=0;\\n"\n\n'


def _po(path: Path, entries: str) -> Path:
    path.write_text(_HEADER + entries, encoding="utf-8")
    return path


def test_a_msgid_two_catalogues_translate_differently_is_named_with_both_files(
    gettext_tools: None, tmp_path: Path
) -> None:
    gates = _po(
        tmp_path / "gates.po",
        'msgid "gate"\nmsgstr "卡口"\n\nmsgid "open"\nmsgstr "开放"\n\n'
        'msgid "name"\nmsgstr "名称"\n\nmsgid "%(n)s person"\nmsgid_plural "%(n)s persons"\n'
        'msgstr[0] "%(n)s 人"\n',
    )
    stock = _po(
        tmp_path / "stock.po",
        'msgid "gate"\nmsgstr "门岗"\n\n'
        'msgctxt "call-out status"\nmsgid "open"\nmsgstr "待补位"\n\nmsgid "name"\nmsgstr "名称"\n\n'
        'msgid "%(n)s person"\nmsgid_plural "%(n)s persons"\nmsgstr[0] "%(n)s人"\n',
    )
    clashes = _tool().clashes({"gates/django.po": gates, "stock/django.po": stock})
    # The same msgid in another context, and the same translation twice, are no clash.
    assert clashes == [
        "msgid '%(n)s person' (plural form 0) has 2 translations: '%(n)s 人' in gates/django.po; "
        "'%(n)s人' in stock/django.po",
        "msgid 'gate' has 2 translations: '卡口' in gates/django.po; '门岗' in stock/django.po",
    ]
    _po(stock, 'msgid "gate"\nmsgstr "卡口"\n\nmsgctxt "call-out status"\nmsgid "open"\nmsgstr "开放"\n')
    assert _tool().clashes({"gates/django.po": gates, "stock/django.po": stock}) == []


def test_a_context_clash_is_one_too(gettext_tools: None, tmp_path: Path) -> None:
    one = _po(tmp_path / "a.po", 'msgctxt "payment"\nmsgid "free"\nmsgstr "免费"\n')
    two = _po(tmp_path / "b.po", 'msgctxt "payment"\nmsgid "free"\nmsgstr "空余"\n')
    assert _tool().clashes({"a": one, "b": two}) == [
        "msgctxt 'payment' msgid 'free' has 2 translations: '免费' in a; '空余' in b"
    ]


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
