"""Chinese mobile and landline numbers, parsed with Google's libphonenumber (phonenumbers)."""

from __future__ import annotations

import re

import phonenumbers
from django.utils.translation import gettext as _

from shequ.core.text import compact


class PhoneError(ValueError):
    pass


# Fast path for the common case, an 11-digit mobile number: phonenumbers.parse() and
# is_valid_number() take ~25 us, which dominates a 100,000-row roster import. The pattern is
# libphonenumber's own CN mobile pattern, so the answer is the same as the slow path's (a test
# compares the two); anything else still goes through the full parse.
_CN = phonenumbers.PhoneMetadata.metadata_for_region("CN")
if _CN is None or _CN.mobile is None or _CN.mobile.national_number_pattern is None:
    raise ImportError("phonenumbers has no pattern for Chinese mobile numbers")  # it ships them
_MOBILE = re.compile("(?:" + _CN.mobile.national_number_pattern + ")")
_ELEVEN_DIGITS = re.compile(r"1\d{10}")


def normalize_phone(raw: object) -> str:
    """Return the national form without spaces: mobiles as 11 digits, landlines as 0AA(A)NNNNNNN(N).

    "+86 138 0013 8000", "8613800138000", "138-0013-8000" -> "13800138000";
    "010-8888 6666" -> "01088886666".
    """
    text = compact(raw).replace("-", "").replace("(", "").replace(")", "")
    if not text:
        raise PhoneError(_("the phone number is empty"))
    if _ELEVEN_DIGITS.fullmatch(text) and _MOBILE.fullmatch(text):
        return text
    if text.startswith("0086"):
        text = "+86" + text[4:]
    elif text.startswith("86") and len(text) == 13:
        text = "+" + text
    try:
        parsed = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        raise PhoneError(_("%(value)s is not a phone number") % {"value": raw}) from None
    if parsed.country_code != 86 or not phonenumbers.is_valid_number(parsed):
        raise PhoneError(_("%(value)s is not a valid Chinese mobile or landline number") % {"value": raw})
    national = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    return "".join(ch for ch in national if ch.isdigit())
