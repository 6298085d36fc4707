"""Pass tokens: ``<code>:<signature>``. The code is random (96 bits) and names a Pass row; the
signature (HMAC-SHA256 with SECRET_KEY, django.core.signing) proves the server issued it. A token
never contains the ID number. Rotating SECRET_KEY keeps old passes valid only while the old key is in
SECRET_KEY_FALLBACKS."""

from __future__ import annotations

import secrets

from django.core import signing

_SALT = "shequ.gates.pass"


def new_code() -> str:
    return secrets.token_urlsafe(12)  # 16 characters


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
