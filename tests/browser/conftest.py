from __future__ import annotations

import os
from typing import Any

import pytest

CHROMIUM = os.environ.get("SHEQU_CHROMIUM", "/usr/bin/chromium")
# Playwright's sync API runs an event loop in this thread; the ORM calls of the test are safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# Playwright then reports (and lets tests route) the requests a service worker makes; without it
# context.set_offline() does not reach a service worker's fetch (microsoft/playwright#2311, #15684).
os.environ.setdefault("PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS", "1")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    from tests.conftest import needs

    needs(f"Chromium at {CHROMIUM}", os.access(CHROMIUM, os.X_OK),
          "apt-get install chromium (Debian/Ubuntu), or set SHEQU_CHROMIUM to a Chromium or Chrome binary")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
    }


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    # A phone-sized screen that asks for Chinese first, like a grid worker's phone.
    return {**browser_context_args, "viewport": {"width": 390, "height": 844}, "locale": "zh-CN"}


class _InFlight:
    """Requests the live server is serving now, counted by Django's request signals."""

    def __init__(self) -> None:
        import threading

        self.count = 0
        self.changed = threading.Condition()

    def started(self, **kwargs: Any) -> None:
        with self.changed:
            self.count += 1

    def finished(self, **kwargs: Any) -> None:
        with self.changed:
            self.count -= 1
            self.changed.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: self.count <= 0, timeout=timeout)


@pytest.fixture
def page(page: Any, world_tx: None) -> Any:
    """pytest-playwright's page, made quiet before the test's database is emptied: the screens send
    requests on timers (the queue, the offline list) and a service worker may be installed; a request
    still being served while the flush runs fails the teardown (a session saved after its row is
    gone, a table locked). Navigating away stops the page; then the teardown waits until the server
    has finished every request it is serving (counted by request_started and request_finished), not
    for a fixed time."""
    from django.core.signals import request_finished, request_started

    in_flight = _InFlight()
    request_started.connect(in_flight.started, dispatch_uid="browser-in-flight-started")
    request_finished.connect(in_flight.finished, dispatch_uid="browser-in-flight-finished")
    try:
        yield page
        try:
            page.evaluate("navigator.serviceWorker ? navigator.serviceWorker.getRegistrations()"
                          ".then(rs => Promise.all(rs.map(r => r.unregister()))) : null")
            page.goto("about:blank")
        except Exception:  # noqa: BLE001, S110 - a page that is already gone is quiet enough
            pass
        # A bound, not a pause: it returns as soon as the last request is served.
        assert in_flight.wait_idle(timeout=30), f"{in_flight.count} requests still being served"
    finally:
        request_started.disconnect(dispatch_uid="browser-in-flight-started")
        request_finished.disconnect(dispatch_uid="browser-in-flight-finished")
