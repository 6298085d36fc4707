"""``shequ care-sweep``: escalate overdue care tasks, open a help request for two missed daily calls
of an elderly person living alone, and flag late help requests (services.services.care_sweep).
Run it every few minutes from cron; running it again changes nothing."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from shequ.services.services import care_sweep


class Command(BaseCommand):
    help = "Escalate overdue care tasks and flag late help requests (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = care_sweep()
        self.stdout.write(f"overdue {counts['overdue']} escalated {counts['escalated']} flagged {counts['flagged']}")
