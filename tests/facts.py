"""Facts a test builds for itself instead of hoping the demo world drew them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from shequ.core.idnumber import make_id_number, parse_id_number


def give_numbers(person: Any, *, phone: str | None = None) -> Any:
    """Give ``person`` a valid ID number and a phone (a mobile unless given) that nobody else in the
    community has, with the sex and birth date the ID number carries; returns the person, reloaded."""
    from shequ.registry.models import Person

    others = Person.objects.filter(community_id=person.community_id).exclude(pk=person.pk)
    taken = set(others.exclude(id_number=None).values_list("id_number", flat=True))
    number = next(n for n in (make_id_number("420106", dt.date(1980, 5, 17), s) for s in range(1000)) if n not in taken)
    if phone is None:
        used = set(others.values_list("phone", flat=True))
        phone = next(p for p in (f"1367742{n:04d}" for n in range(10000)) if p not in used)
    info = parse_id_number(number)
    Person.objects.filter(pk=person.pk).update(id_number=number, phone=phone, sex=info.sex, birth_date=info.birth_date)
    return Person.objects.select_related("household__room__unit__building__compound").get(pk=person.pk)
