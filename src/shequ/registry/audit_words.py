"""How the registry's audit events read (audit/words.py): the summaries services.py writes and the
lists views.py exports. (Deliberate emptyings and repairs are audit/summaries.py's; the roster
import's events are read from their structured ``after``.)"""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from shequ.audit.words import Lookup, ValueReader, Words, export_list


def _ids(model_name: str) -> ValueReader:
    """``[3, 4]``: the objects' names."""
    def reader(text: str, lookup: Lookup) -> str:
        ids = [int(i) for i in re.findall(r"\d+", text)]
        return pgettext("list separator", ", ").join(lookup(model_name, i) for i in ids) if ids else str(_("none"))
    return reader


WORDS = (
    Words("grid", r"grid (?P<number>\d+) (?P<name>.*)", _("New grid %(number)s: %(name)s."), action="create"),
    Words("grid", r"grid (?P<number>\d+) buildings; moved from grids (?P<grids>\[.*\])",
          _("Changed the buildings of grid %(number)s; some came from %(grids)s."), values={"grids": _ids("grid")}),
    Words("grid", r"grid (?P<number>\d+) buildings", _("Changed the buildings of grid %(number)s.")),
    Words("propertycompany", r"property company (?P<name>.*): compounds (?P<before>\[.*\]) -> (?P<after>\[.*\])",
          _("Property company %(name)s: compounds %(before)s → %(after)s."),
          values={"before": _ids("compound"), "after": _ids("compound")}),
    # A move's or a move-out's summary is the reason the user gave.
    Words("person", r"(?P<reason>.+)", _("Reason: %(reason)s"), action="move"),
    Words("person", r"(?P<reason>.+)", _("Reason: %(reason)s"), action="move_out"),
    Words("household", r"(?P<reason>.+)", _("Reason: %(reason)s"), action="move_out"),
    export_list(r"persons", _("the person list")),
    export_list(r"special-populations", _("the special-population list")),
    export_list(r"grids", _("the grid list")),
)


