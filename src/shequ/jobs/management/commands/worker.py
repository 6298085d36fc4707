"""``shequ worker``: run the background jobs (docs/tasks.md). Thin: jobs.worker does the work."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from shequ.jobs import worker


class Command(BaseCommand):
    help = "Run a worker for the background jobs (roster imports, pass cards, missing lists)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--interval", type=float, default=1.0,
                            help="seconds between looks at the queue when it is empty (default 1)")
        parser.add_argument("--batch", action="store_true", help="run what is queued, then exit")
        parser.add_argument("--max-tasks", type=int, default=None, help="exit after this many tasks")

    def handle(self, *args: Any, interval: float, batch: bool, max_tasks: int | None, **options: Any) -> None:
        worker.run(interval=interval, batch=batch, max_tasks=max_tasks)
