"""What the accessibility audit opens: every named URL pattern is either a page, audited for the
roles that may open it, or listed in NOT_PAGES with the reason.

The roles and objects come from the authorization matrix (tests/test_authorization_matrix.py and
the per-app matrix files): a page is audited for every audited role whose matrix entry expects
200. A route whose matrix object does not open a page for anyone (a passage that does not exist)
names the role and object that do in OBJECTS. A new route therefore joins the audit by joining the
matrix; if it is not an HTML page (JSON, a file, POST only) it must be listed here, or the plan test
fails.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.urls import get_resolver, reverse

from tests.test_authorization_matrix import ROUTES, World, _walk

# One account per demo role, and anonymous. Not audited, to keep the run to a few minutes: grid2 and
# outsider hold grid1's and staff's roles on other data (the same templates), and staff may open the
# pages of secretary less the audit log (their capabilities differ by audit.read only). A page that
# only they could open would be caught: every route must be audited for someone.
AUDIT_ROLES = ["secretary", "grid1", "gate1", "volunteer1", "property1", "sampler1", "street", "resident1", None]
NOT_AUDITED = {"grid2": "grid1", "outsider": "staff", "staff": "secretary"}

# Route name (or namespace followed by ":*") -> why the audit does not open it. A route that answers
# a POST with a page is audited as a state in test_accessibility.py (STATES) and listed here.
NOT_PAGES: dict[str, str] = {
    "api:*": "the JSON API (django-ninja)",
    "set_language": "POST only: switches the language and redirects back",
    "elder_mode": "POST only: turns elder mode on or off and redirects back",
    "campaigns:call": "POST only (a logged reveal); its page, without the script, is the state 'call page'",
    "accounts:logout": "POST only: logs out and redirects to the login page",
    "admin:index": "Django's admin, for superusers only: none of the product's roles",
    "registry:import_rejected": "file download: the rejected rows of an import (.xlsx)",
    "gates:screen_bundle": "JSON: the offline bundle of the gate screen",
    "gates:screen_worker": "JavaScript: the gate screen's service worker",
    "workforce:poster": "file download: the volunteer sign-up QR poster (PDF)",
    "workforce:certificate": "file download: a certificate of service (PDF)",
    "services:ledger_xlsx": "file download: the help-request ledger (.xlsx)",
    "stock:sheet_xlsx": "file download: the stock sheet (.xlsx)",
    "notices:poster": "file download: a notice's A4 poster (PDF)",
    "reports:street_xlsx": "file download: the street's daily report sheet (Excel)",
    "reports:street_pdf": "file download: the street's daily report sheet (PDF)",
    "reports:submit": "POST only: submits a daily report and redirects to it",
    "disinfection:photo": "an image: a round's photo or its thumbnail",
    "supplies:refills": "POST only: turns the refills due into urgent medicine orders and redirects to the orders",
    "gates:screen_permit": "needs ?passage= of a refusal; audited as the state 'permit request'",
    "gates:pass_cards_community": "POST only: starts the background job of a community's pass cards",
    "campaigns:missing_pdf_job": "POST only: starts the background job of a missing list's PDF",
    "jobs:download": "file download: a background job's result (PDF, .xlsx)",
    "gates:pass_cards_household": "file download: pass cards (PDF)",
    "health:order_letter": "file download: a quarantine order letter (PDF)",
    "health:door_notice": "file download: a quarantine door notice (PDF)",
    "gates:pass_cards_building": "file download: pass cards (PDF)",
    "gates:pass_cards_grid": "file download: pass cards (PDF)",
    "supplies:purchases_xlsx": "file download: a shop's purchase list (.xlsx)",
    "supplies:labels": "file download: bag labels (PDF)",
    "gates:gate_status": "POST only: opens or closes a gate",
    "gates:gate_keep_only": "POST only: closes the compound's other gates",
    "gates:gate_add": "POST only: adds a gate to a compound",
    "gates:roster_assign": "POST only: posts a guard to a shift",
    "gates:roster_shift_add": "POST only: adds a shift",
    "gates:duty_remove": "POST only: removes a duty",
    "alerts:acknowledge": "POST only: acknowledges an alert",
    "campaigns:open": "POST only: opens a campaign",
    "campaigns:close": "POST only: closes a campaign",
    "campaigns:retest_quarantine": "POST only: orders home quarantine for a tube's persons",
    "accounts:setup": "the first-run page, shown only on an empty installation: audited by "
                      "tests/browser/test_onboarding.py",
    "accounts:slips": "shown once after issuing one-time passwords: audited as the state 'one-time password slip'",
    "accounts:invites": "shown once after issuing invite codes: audited as the state 'invite notice'",
}


def _passage(w: World) -> dict[str, int]:
    """A passage through gate1's gate, recorded for the audit (the demo may have none today)."""
    import uuid
    from decimal import Decimal

    from shequ.accounts.models import User
    from shequ.gates.models import Gate, Passage
    from shequ.gates.rules import Checks
    from shequ.gates.services import record_passage

    gate = Gate.objects.get(community__code="futong", compound__name=w.compound.name, name="东门")
    found = Passage.objects.filter(gate=gate, person=w.person).order_by("id").first()
    if found is None:
        found = record_passage(
            actor=User.objects.get(username="gate1"), gate=gate, client_id=uuid.uuid4(), person=w.person,
            checks=Checks(direction="in", temperature=Decimal("36.5"), health_code="green", mask=True),
        ).passage
    return {"pk": found.pk}


# Routes whose matrix object opens no page for anyone: the roles and the object that do.
def _job(w: World) -> dict[str, int]:
    """A finished roster import of the secretary's (the progress page's finished state)."""
    from shequ.accounts.models import User
    from shequ.jobs.models import Job

    job = Job.objects.create(kind="registry.roster_import", user=User.objects.get(username="secretary"),
                             community=w.household.community, title="名单.csv", status=Job.Status.DONE,
                             done=3, total=3, outcome={"rows": 3, "created": 2, "updated": 1, "unchanged": 0,
                                                       "rejected_rows": 0, "rejected": []})
    return {"pk": job.pk}


OBJECTS: dict[str, tuple[list[str], Callable[[World], dict[str, Any]]]] = {
    "gates:passage": (["secretary", "gate1"], _passage),
    "jobs:detail": (["secretary"], _job),
}


@dataclass(frozen=True)
class Visit:
    role: str | None
    route: str
    url: str


def not_a_page(name: str) -> str | None:
    return NOT_PAGES.get(name) or NOT_PAGES.get(name.split(":")[0] + ":*")


def route_names() -> set[str]:
    """Every named URL pattern; Django's admin counts as one (its index)."""
    return {n for n in _walk(get_resolver().url_patterns) if not n.startswith("admin:")} | {"admin:index"}


def visits(world: World) -> Iterator[Visit]:
    """Every (role, page) the audit opens, in the matrix's order, grouped by role."""
    for role in AUDIT_ROLES:
        for name, (kwargs, expected_for) in ROUTES.items():
            if not_a_page(name):
                continue
            if name in OBJECTS:
                roles, make = OBJECTS[name]
                if role in roles:
                    yield Visit(role, name, reverse(name, kwargs=make(world)))
            elif expected_for(world, role) == 200:
                yield Visit(role, name, reverse(name, kwargs=kwargs(world)))
