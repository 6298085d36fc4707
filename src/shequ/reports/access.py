"""Who prepares, submits and reads the daily reports (core/scoping.py). Registered from
ReportsConfig.ready().

The community's office prepares the day's report (secretary and staff: compute it at the cut-off,
correct a flagged figure with a reason); only the secretary submits it to the street, or states
that there is nothing to report. The street office reads every report of its communities, the
day's sheet and the history, and sets the cut-off. Grid workers, volunteers, gate guards,
samplers, property companies and residents see nothing of this app.
"""

from __future__ import annotations

from shequ.core.scoping import Role, declare_capabilities, declare_scope

CAPABILITIES = {
    # The community's daily report: compute it, correct a figure with a reason, write remarks.
    "reports.prepare": {Role.SECRETARY, Role.STAFF},
    # Submit the day's report (or a zero report), and resubmit it with a reason.
    "reports.submit": {Role.SECRETARY},
    # The street office's page: every community's report of a day, the sheet (Excel, PDF), the
    # history, and the street's cut-off and deadline.
    "reports.street": {Role.STREET},
}


def register() -> None:
    from shequ.reports.models import DailyReport

    declare_capabilities(CAPABILITIES)
    declare_scope(DailyReport, community="community_id", street="community__street_id")
