"""The gates' background job: the pass cards of a whole community (docs/tasks.md).

It calls what the building and grid pages call (gates/views_passes.py ``_cards_response``):
``services.pass_cards_print`` (the missing passes issued, the print in the audit log, in one
transaction) and then ``cards.cards_for`` and ``cards.cards_pdf``. The first is a step with effects,
run once (``Progress.once``): a run after its worker died skips it and reads the passes it issued.
The cards carry no new invite codes (only their HMAC is kept, and a job's file stays in the
database until it is downloaded): those are printed per building, grid or household."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.accounts.access import scope_for
from shequ.gates import cards, selectors, services
from shequ.jobs.kinds import JobKind, Result
from shequ.jobs.models import Job
from shequ.jobs.services import JobError, Progress, origin
from shequ.passes.models import Pass

COMMUNITY_CARDS = "gates.community_cards"


def run_community_cards(job: Job, progress: Progress) -> Result:
    community = job.community
    scope = scope_for(job.user)
    if community is None or not scope.can("passes.manage", community.pk):
        raise JobError(_("You may no longer print the pass cards of this community."))
    # What the user may print now: a grid worker's scope is their grid.
    persons = selectors.printable_persons(scope, community=community)
    progress.set(0, len(persons), _("Issuing the missing passes."))
    ran, printed = progress.once("printed", lambda: services.pass_cards_print(
        actor=job.user, persons=persons, community=community, subject=community, request=origin(job)))
    if ran and printed is not None:
        active = printed.active
    else:
        ids = [p.pk for p in persons]
        active = {p.person_id: p for p in Pass.objects.filter(person_id__in=ids, revoked_at__isnull=True)}
    laid_out = cards.cards_for(persons, active, None, job.params.get("join_url", ""))
    progress.set(0, len(laid_out), _("Printing cards."))
    body = cards.cards_pdf(laid_out, title=_("Pass cards: %(subject)s") % {"subject": community.name},
                           progress=lambda n: progress.set(n, len(laid_out), _("Printing cards.")))
    return Result(content=body, filename=f"pass-cards-community-{community.pk}.pdf", content_type="application/pdf",
                  outcome={"cards": len(laid_out)})


KINDS = [JobKind(COMMUNITY_CARDS, gettext_lazy("Pass cards of a community"), run_community_cards)]
