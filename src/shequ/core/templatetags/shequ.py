from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils import timezone

from shequ.core.masking import mask_id_number, mask_name, mask_phone

register = template.Library()


@register.filter
def masked_id(value: str | None) -> str:
    return mask_id_number(value)


@register.filter
def masked_phone(value: str | None) -> str:
    return mask_phone(value)


@register.filter
def masked_name(value: str | None) -> str:
    return mask_name(value)


@register.filter
def age(birth: dt.date | None) -> str:
    if not birth:
        return ""
    today = timezone.localdate()
    return str(today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day)))


@register.simple_tag(takes_context=True)
def can(context: template.Context, capability: str, community_id: int | None = None) -> bool:
    scope = context.get("scope")
    return bool(scope and scope.can(capability, community_id))


@register.simple_tag
def submission_key() -> str:
    """A fresh one-time key (core.submission) for one of several forms on a page: each form its own,
    so that submitting one does not make the next look like a resubmission of the first."""
    from shequ.core.submission import new_key

    return new_key()


@register.simple_tag(takes_context=True)
def querystring_with(context: template.Context, **kwargs: object) -> str:
    params = context["request"].GET.copy()
    for key, value in kwargs.items():
        params[key] = value
    return params.urlencode()


@register.inclusion_tag("core/forms/errors.html")
def form_errors(form: Any) -> dict[str, Any]:
    """The form's errors at its top: those of the whole form, then each field's with a link to it
    (core/forms.py). Nothing when the form has none."""
    errors: list[tuple[str, str, str]] = [("", str(e), "") for e in form.non_field_errors()]
    for field in form:
        for message in field.errors:
            if field.is_hidden:
                errors.append(("", str(message), ""))
            else:
                errors.append((str(field.label or ""), str(message), field.id_for_label or field.auto_id or ""))
    return {"errors": errors}

