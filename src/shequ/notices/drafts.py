"""The usual notices, as drafts to fill in: a title and a text with blanks (____) staff complete.

In the language of the page (both catalogues); what staff save is their own text, not a reference
to a draft, so a notice reads the same after a catalogue changes.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from shequ.notices.models import Notice


@dataclass(frozen=True)
class Draft:
    kind: str
    label: Promise
    title: Promise
    body: Promise


DRAFTS: tuple[Draft, ...] = (
    Draft(Notice.Kind.LOCKDOWN, _("Lockdown of a building"),
          _("Notice on the sealed management of ____"),
          _("Dear residents,\n\nTo stop the spread of the epidemic, ____ is under sealed management from ____ "
            "until further notice. Please stay at home; nobody goes out and nobody comes in. Staff and "
            "volunteers will bring food and medicine to your door: tell your building's group or call ____.\n\n"
            "For urgent medical needs call ____ at any hour.\n\nThank you for your understanding and support.")),
    Draft(Notice.Kind.TEST_ROUND, _("Testing round"),
          _("Notice on the nucleic acid testing round"),
          _("Dear residents,\n\nA nucleic acid test for everyone will be held on ____ from ____ to ____ at ____. "
            "Please bring your ID card, wear a mask and keep one metre apart. Come down by building in the "
            "order called in your group. Elderly people who cannot walk: tell your grid worker and a sampler "
            "will come to your door.\n\nNot one household left out, not one person missed.")),
    Draft(Notice.Kind.SUPPLIES, _("Supply arrangement"),
          _("Notice on daily supplies during the lockdown"),
          _("Dear residents,\n\nDuring the lockdown, daily supplies are bought and delivered by the community. "
            "Send your order to your building's group by ____ each day, or call ____; orders are delivered "
            "the same day to your door. Urgent medicine such as insulin is delivered at once: say so in your "
            "order.\n\nPlease open the door only after the volunteer has left.")),
    Draft(Notice.Kind.DISINFECTION, _("Disinfection"),
          _("Notice on disinfection of ____"),
          _("Dear residents,\n\nThe property company will disinfect the stairwells, lifts and garbage points of "
            "____ on ____ from ____. Please close your windows and keep children and pets indoors during that "
            "time.")),
    Draft(Notice.Kind.GENERAL, _("Blank notice"), _("Notice"), _("Dear residents,\n\n")),
)


def draft_for(kind: str) -> Draft | None:
    return next((d for d in DRAFTS if d.kind == kind), None)
