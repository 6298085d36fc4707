from __future__ import annotations

import datetime as dt

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


@register.simple_tag(takes_context=True)
def querystring_with(context: template.Context, **kwargs: object) -> str:
    params = context["request"].GET.copy()
    for key, value in kwargs.items():
        params[key] = value
    return params.urlencode()
