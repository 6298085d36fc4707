"""Pass tokens: ``<code>:<signature>``. The code is random (96 bits) and names a Pass row; the
signature (HMAC-SHA256 with SECRET_KEY, django.core.signing) proves the server issued it. A token
never contains the ID number. Rotating SECRET_KEY keeps old passes valid only while the old key is in
SECRET_KEY_FALLBACKS."""

from __future__ import annotations

import re
import secrets

from django.core import signing

# The salt of every token ever issued: it stays the same although the module moved from gates.
_SALT = "shequ.gates.pass"


CODE_LENGTH = 16


def new_code() -> str:
    return secrets.token_urlsafe(12)  # CODE_LENGTH characters


def token_for(code: str) -> str:
    return signing.Signer(salt=_SALT).sign(code)


def code_from_token(token: str) -> str | None:
    """The code of a genuine token, else None."""
    try:
        return signing.Signer(salt=_SALT).unsign(token.strip())
    except signing.BadSignature:
        return None


def looks_like_token(text: str) -> bool:
    return ":" in text and len(text) >= 20


# A token at the end of a text: the code (CODE_LENGTH base64url characters), ":", the signature.
_TOKEN_AT_END = re.compile(rf"([A-Za-z0-9_-]{{{CODE_LENGTH}}}:[A-Za-z0-9_-]{{20,}})$")


def split_scan(text: str) -> tuple[str, str] | None:
    """A scanner's token typed after other text in the same field (a temperature the guard typed
    first): (the text before it, the token); None when the text does not end with a token.
    rules.js splitScan does the same for the screen's script."""
    found = _TOKEN_AT_END.search(text)
    return (text[: found.start()], found.group(1)) if found else None
