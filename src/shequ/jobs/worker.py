"""``shequ worker`` and the demo's worker thread: django-tasks-db's worker, with a worker id that
names this host and process (so a dead run can be told from a live one) and ``jobs_recover``
called at start and every ``RECOVER_EVERY`` seconds."""

from __future__ import annotations

import logging
import threading

from django.db import connection
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker

from shequ.jobs.services import jobs_recover, this_worker

logger = logging.getLogger(__name__)
RECOVER_EVERY = 15.0  # seconds


def new_worker(*, interval: float = 1.0, batch: bool = False, max_tasks: int | None = None) -> Worker:
    return Worker(queue_names=["default"], interval=interval, batch=batch, backend_name="default",
                  startup_delay=False, max_tasks=max_tasks, worker_id=f"{this_worker()}:{get_random_string(8)}",
                  excluded_queue_names=[])


def _recover_quietly() -> None:
    try:
        jobs_recover()
    except Exception:  # the database may be away for a moment; the next round tries again
        logger.exception("taking back the jobs of dead workers failed")


def _recovering(stop: threading.Event) -> threading.Thread:
    def loop() -> None:
        try:
            while not stop.wait(RECOVER_EVERY):
                _recover_quietly()
        finally:
            connection.close()

    thread = threading.Thread(target=loop, name="jobs-recover", daemon=True)
    thread.start()
    return thread


def run(*, interval: float = 1.0, batch: bool = False, max_tasks: int | None = None) -> None:
    """Run a worker in this process until SIGTERM/SIGINT (it finishes the task it is running) or,
    with ``batch``, until the queue is empty."""
    _recover_quietly()
    worker = new_worker(interval=interval, batch=batch, max_tasks=max_tasks)
    stop = threading.Event()
    _recovering(stop)
    worker.configure_signals()
    try:
        worker.run()
    finally:
        stop.set()


class WorkerThread:
    """The demo's worker, inside the server's process: ``stop()`` lets it finish the task it is
    running (or, if the server is stopping for good, it dies with the process as a daemon thread,
    and the next worker takes its job back)."""

    def __init__(self, *, interval: float = 1.0) -> None:
        self.worker = new_worker(interval=interval)
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="jobs-worker", daemon=True)

    def _run(self) -> None:
        try:
            _recover_quietly()
            _recovering(self.stopping)
            self.worker.run()
        finally:
            connection.close()

    def start(self) -> WorkerThread:
        self.thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self.worker.running = False
        self.stopping.set()
        self.thread.join(timeout=timeout)
