"""Message catalogues: extract, fill the English catalogue, compile, and check completeness.

    uv run python tools/i18n.py update   # makemessages for zh_Hans and en, fill en, compile
    uv run python tools/i18n.py update gates   # only the catalogue of one app (src/shequ/gates/locale)
    uv run python tools/i18n.py translate gates zh.tsv   # fill Chinese from "msgid<TAB>中文" lines
    uv run python tools/i18n.py check    # exit 1 listing any untranslated or fuzzy message, or a msgid
                                         # two catalogues translate differently

English msgids are the source text, so the English catalogue's msgstr is its msgid; zh_Hans is
translated by hand. Needs GNU gettext (Debian package gettext).
"""

from __future__ import annotations

import gettext
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "shequ"
LOCALES = ["zh_Hans", "en"]
IGNORE = ["static/*", "locale/*", "migrations/*"]


def app_catalogues(package: Path) -> list[Path]:
    """Apps that keep their own catalogue (``<app>/locale/``), so that work on one app never
    rewrites another's; the rest of the package shares ``locale/``."""
    return sorted(p.parent for p in package.glob("*/locale") if p.parent != package and p.is_dir())


def catalogue_dirs(package: Path) -> list[Path]:
    return [package, *app_catalogues(package)]


# makemessages puts a file in the first catalogue whose parent directory contains it, and
# settings.LOCALE_PATHS (src/shequ/locale) contains every app; so it runs with LOCALE_PATHS emptied
# and takes the ``locale/`` of the directory it runs in (-P: an app's selectors.py must not shadow the
# standard library module of that name).
_RUN = (
    "import sys, django; django.setup(); from django.conf import settings; settings.LOCALE_PATHS = []; "
    "from django.core.management import call_command; call_command('makemessages', *sys.argv[1:])"
)


def _makemessages(package: Path, *, ignore: list[str] | None = None) -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "shequ.settings"}
    args = [sys.executable, "-P", "-c", _RUN, "--no-location", "--no-obsolete"]
    for locale in LOCALES:
        args += ["-l", locale]
    for pattern in [*IGNORE, *(ignore or [])]:
        args += ["--ignore", pattern]
    subprocess.run(args, cwd=package, env=env, check=True, stdout=subprocess.DEVNULL)


def _entries(po: str) -> list[str]:
    return po.split("\n\n")


def _strip_fuzzy(line: str) -> str | None:
    flags = [f.strip() for f in line[2:].split(",") if f.strip() and f.strip() != "fuzzy"]
    return "#, " + ", ".join(flags) if flags else None


def fill_english(path: Path) -> None:
    """Every entry's msgstr becomes its msgid (plural forms: msgid and msgid_plural); fuzzy goes.

    English msgids are the source text, so this is exact; existing msgstr lines (one or several,
    with continuation lines) are dropped and written afresh, so running it twice changes nothing.
    """
    blocks = path.read_text(encoding="utf-8").split("\n\n")
    out = []
    for block in blocks:
        lines = block.split("\n")
        if any(line.startswith('"Project-Id-Version') for line in lines):
            out.append("\n".join(line for line in lines if line != "#, fuzzy"))
            continue
        kept: list[str] = []
        strings: dict[str, list[str]] = {}
        current: str | None = None
        for line in lines:
            if line.startswith("#,"):
                stripped = _strip_fuzzy(line)
                if stripped:
                    kept.append(stripped)
                continue
            if line.startswith("#| "):
                continue  # previous msgid of a fuzzy match
            keyword = line.split(" ", 1)[0] if line and not line.startswith('"') else None
            if keyword in ("msgid", "msgid_plural", "msgctxt"):
                current = keyword
                strings[keyword] = [line.split(" ", 1)[1]]
                kept.append(line)
            elif keyword is not None and keyword.startswith("msgstr"):
                current = "msgstr"
            elif line.startswith('"') and current in ("msgid", "msgid_plural", "msgctxt"):
                strings[current].append(line)
                kept.append(line)
            elif line.startswith('"') and current == "msgstr":
                continue
            else:
                kept.append(line)
        if "msgid" not in strings:
            out.append(block)
            continue
        if "msgid_plural" in strings:
            kept.append("msgstr[0] " + "\n".join(strings["msgid"]))
            kept.append("msgstr[1] " + "\n".join(strings["msgid_plural"]))
        else:
            kept.append("msgstr " + "\n".join(strings["msgid"]))
        out.append("\n".join(kept))
    path.write_text("\n\n".join(out), encoding="utf-8")


def _unquote(parts: list[str]) -> str:
    return (
        "".join(part.strip()[1:-1] for part in parts)
        .encode("utf-8")
        .decode("unicode_escape")
        .encode("latin-1")
        .decode("utf-8")
    )


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def set_translations(path: Path, translations: dict[str, str]) -> int:
    """Fill the empty or fuzzy msgstr of entries whose msgid is in ``translations`` (singular entries
    only); returns how many were filled. Confirmed translations are kept."""
    blocks = path.read_text(encoding="utf-8").split("\n\n")
    filled = 0
    for i, block in enumerate(blocks):
        lines = block.split("\n")
        if any(line.startswith("msgid_plural") for line in lines) or not any(
            x.startswith("msgid ") for x in lines
        ):
            continue
        start = next(n for n, line in enumerate(lines) if line.startswith("msgid "))
        end = next(n for n, line in enumerate(lines) if line.startswith("msgstr "))
        msgid = _unquote([lines[start][len("msgid ") :], *lines[start + 1 : end]])
        current = _unquote([lines[end][len("msgstr ") :], *lines[end + 1 :]])
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
        if msgid and (not current or fuzzy) and msgid in translations:
            lines = [*lines[:end], "msgstr " + _quote(translations[msgid])]
            lines = [(_strip_fuzzy(line) if line.startswith("#,") else line) for line in lines]
            lines = [line for line in lines if line is not None and not line.startswith("#| ")]
            blocks[i] = "\n".join(lines)
            filled += 1
    path.write_text("\n\n".join(blocks), encoding="utf-8")
    return filled


def prefill_apps_from_shared() -> None:
    """App catalogues reuse the shared catalogue's Chinese for the same msgid ("community" -> 社区)."""
    shared_mo = PACKAGE / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.mo"
    if not shared_mo.exists():
        return
    shared = {k: v for k, v in _catalog(shared_mo).items() if isinstance(k, str) and v}
    for app in app_catalogues(PACKAGE):
        po = app / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
        if po.exists():
            set_translations(po, shared)


def problems(po_path: Path) -> list[str]:
    """Untranslated or fuzzy messages in a catalogue (header excluded)."""
    found = []
    for flag in ("--untranslated", "--only-fuzzy"):
        result = subprocess.run(
            ["msgattrib", flag, "--no-obsolete", "--no-wrap", str(po_path)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for m in re.finditer(r'^msgid "(.+)"$', result, re.M):
            found.append(f"{po_path.parent.parent.name}: {flag[2:]}: {m.group(1)}")
    return found


def _catalog(mo: Path) -> dict:
    with mo.open("rb") as f:
        catalog = dict(gettext.GNUTranslations(f)._catalog)  # type: ignore[attr-defined]
    catalog.pop("", None)  # the header carries creation dates
    return catalog


def _describe(key: str | tuple[str, int]) -> str:
    msgid, form = (key, None) if isinstance(key, str) else key
    context, _sep, msgid = msgid.rpartition("\x04")
    text = (f"msgctxt {context!r} " if context else "") + f"msgid {msgid!r}"
    return text + (f" (plural form {form})" if form is not None else "")


def clashes(catalogues: dict[str, Path]) -> list[str]:
    """One (msgctxt, msgid) translated two ways by different catalogues of one locale.

    Django merges every app's catalogue with the shared one into one per language, and the first
    that has a msgid wins, so "gate" would read 门岗 or 卡口 depending on app order. Where the apps
    mean the same thing they agree on one translation; where they mean different things one of
    them gives the string a context (pgettext, ``{% translate "open" context "call-out status" %}``).
    ``catalogues`` maps a name (the file, in messages) to a .po file; untranslated and fuzzy
    entries are left to :func:`problems`.
    """
    seen: dict[str | tuple[str, int], dict[str, list[str]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n, (name, po) in enumerate(sorted(catalogues.items())):
            mo = Path(tmp) / f"{n}.mo"
            subprocess.run(["msgfmt", "-o", str(mo), str(po)], check=True)
            for key, text in _catalog(mo).items():
                seen.setdefault(key, {}).setdefault(text, []).append(name)
    found = []
    for key, translations in sorted(seen.items(), key=lambda item: str(item[0])):
        if len(translations) > 1:
            found.append(
                f"{_describe(key)} has {len(translations)} translations: "
                + "; ".join(f"{text!r} in {', '.join(names)}" for text, names in sorted(translations.items()))
            )
    return found


def check() -> list[str]:
    """Extract afresh into a copy of the package and compare with the committed catalogues; no msgid
    may have two translations in one locale (:func:`clashes`)."""
    issues: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "shequ"
        shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "static"))
        _extract(copy)
        for locale in LOCALES:
            pos = {
                str(
                    Path("src", "shequ", d.relative_to(copy), "locale", locale, "LC_MESSAGES", "django.po")
                ): d / "locale" / locale / "LC_MESSAGES" / "django.po"
                for d in catalogue_dirs(copy)
            }
            issues += [f"{locale}: {clash}" for clash in clashes(pos)]
        for directory in catalogue_dirs(copy):
            committed_dir = PACKAGE / directory.relative_to(copy)
            for locale in LOCALES:
                fresh = directory / "locale" / locale / "LC_MESSAGES" / "django.po"
                issues += problems(fresh)
                committed_mo = committed_dir / "locale" / locale / "LC_MESSAGES" / "django.mo"
                compiled = Path(tmp) / f"{directory.name}-{locale}.mo"
                subprocess.run(["msgfmt", "--check-format", "-o", str(compiled), str(fresh)], check=True)
                if not committed_mo.exists() or _catalog(committed_mo) != _catalog(compiled):
                    issues.append(
                        f"{committed_dir.name}/{locale}: django.mo is not compiled from the current "
                        "catalogue (run tools/i18n.py update)"
                    )
    return issues


def _extract(package: Path, only: str | None = None) -> None:
    apps = app_catalogues(package)
    if only in (None, "shequ"):
        _makemessages(package, ignore=[f"{a.name}/*" for a in apps])
    for app in apps:
        if only in (None, app.name):
            _makemessages(app)


def update(only: str | None = None) -> None:
    """Extract, fill English, compile; ``only`` names one app catalogue (or "shequ" for the shared one)."""
    _extract(PACKAGE, only)
    prefill_apps_from_shared()
    for directory in catalogue_dirs(PACKAGE):
        if only not in (None, directory.name):
            continue
        fill_english(directory / "locale" / "en" / "LC_MESSAGES" / "django.po")
        for locale in LOCALES:
            po = directory / "locale" / locale / "LC_MESSAGES" / "django.po"
            subprocess.run(
                ["msgfmt", "--check-format", "-o", str(po.with_suffix(".mo")), str(po)], check=True
            )


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "check"
    if command == "update":
        update(sys.argv[2] if len(sys.argv) > 2 else None)
    elif command == "translate":
        # tools/i18n.py translate <app> <file.tsv>: lines "English msgid<TAB>中文", then compile.
        app, tsv = sys.argv[2], Path(sys.argv[3])
        rows = [line.split("\t", 1) for line in tsv.read_text(encoding="utf-8").splitlines() if "\t" in line]
        base = PACKAGE if app == "shequ" else PACKAGE / app
        count = set_translations(base / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po", dict(rows))
        update(app)
        print(f"{count} translations filled")
    else:
        listed = check()
        print("\n".join(listed) or "catalogues complete")
        sys.exit(1 if listed else 0)
