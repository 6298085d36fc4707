"""Django merges every app's catalogue into one per language (the first app in INSTALLED_APPS wins a
msgid both have), so a word that means two things must carry a context: the ledger's "who" once
read 操作人 (the audit log's actor) and its "refused" passages 未批准 (a refused permit). The gates,
containment and alerts catalogues never give one msgid (in one context) two translations, among
themselves or against the shared catalogue."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "shequ"
CATALOGUES = {name: PACKAGE / name / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
              for name in ("gates", "containment", "alerts")}
CATALOGUES["shared"] = PACKAGE / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def entries(po: Path) -> dict[tuple[str | None, str], str]:
    text = subprocess.run(["msgattrib", "--no-wrap", "--no-obsolete", str(po)], capture_output=True, text=True,
                          check=True).stdout
    found = {}
    for block in text.split("\n\n"):
        context = re.search(r'^msgctxt "(.*)"$', block, re.M)
        msgid = re.search(r'^msgid "(.*)"$', block, re.M)
        msgstr = re.search(r'^msgstr(?:\[0\])? "(.*)"$', block, re.M)
        if msgid and msgstr and msgid.group(1):
            found[(context.group(1) if context else None, msgid.group(1))] = msgstr.group(1)
    return found


def test_no_msgid_has_two_chinese_translations_across_these_catalogues() -> None:
    if subprocess.run(["which", "msgattrib"], capture_output=True).returncode:
        pytest.fail("msgattrib (GNU gettext) is missing: apt-get install gettext")
    tables = {name: entries(po) for name, po in CATALOGUES.items()}
    clashes = []
    for key in sorted(set().union(*tables.values()), key=str):
        translations = {name: table[key] for name, table in tables.items() if key in table}
        if len(set(translations.values())) > 1:
            clashes.append(f"{key}: {translations}")
    assert not clashes, "\n".join(clashes)
