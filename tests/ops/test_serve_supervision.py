"""Issue 10.10: after kill -9 of the gunicorn master, its workers leave at once and free the port,
so that the restart (systemd's Restart=) can bind it. The server is started as the user starts it,
busy with requests when its master is killed."""

from __future__ import annotations

import contextlib
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

SHEQU = Path(sys.executable).with_name("shequ")
SECRET = "a-long-enough-secret-for-the-tests-0123456789abcdef"
WORKERS = 2
# What the issue asks for: the port is free within 5 s of the master's death.
PORT_FREE_WITHIN = 5.0
STARTUP_WITHIN = 90.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _workers_booted(server: subprocess.Popen[bytes], deadline: float) -> list[int]:
    """The workers' pids, read from gunicorn's log as it boots them (no polling of the process table)."""
    pids: list[int] = []
    buffer = b""
    assert server.stderr is not None
    while len(pids) < WORKERS:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"the server did not boot its workers: {buffer.decode(errors='replace')[-2000:]}"
        ready, _w, _x = select.select([server.stderr], [], [], remaining)
        if not ready:
            continue
        chunk = os.read(server.stderr.fileno(), 65536)
        assert chunk, f"the server stopped: {buffer.decode(errors='replace')[-2000:]}"
        buffer += chunk
        pids = [int(line.rsplit(b" ", 1)[1]) for line in buffer.splitlines() if b"Booting worker with pid:" in line]
    return pids


def _port_is_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


@contextlib.contextmanager
def _load(port: int, clients: int) -> Iterator[None]:
    """Clients asking for a static file as fast as they can, until told to stop."""
    stop = threading.Event()

    def client() -> None:
        while not stop.is_set():
            with contextlib.suppress(OSError):
                urllib.request.urlopen(f"http://127.0.0.1:{port}/static/shequ/shequ.css", timeout=2).read()  # noqa: S310

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    try:
        yield
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=5)


@pytest.mark.skipif(not hasattr(os, "pidfd_open"), reason="needs Linux pidfds to wait for processes not our children")
@pytest.mark.parametrize("clients", [0, 8], ids=["idle", "busy"])
def test_workers_leave_and_free_the_port_when_the_master_is_killed(tmp_path: Path, clients: int) -> None:
    """Idle, a worker waited in select() for half the timeout (30 s) before it looked at its parent;
    busy, it kept accepting requests; either way, tearing down the interpreter took seconds more."""
    port = _free_port()
    command = [str(SHEQU)] if SHEQU.exists() else ["uv", "run", "shequ"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHEQU_") and k != "DJANGO_SETTINGS_MODULE"}
    env |= {"SHEQU_SECRET_KEY": SECRET, "SHEQU_DATA_DIR": str(tmp_path), "SHEQU_ALLOWED_HOSTS": "127.0.0.1"}
    server = subprocess.Popen([*command, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers",
                               str(WORKERS)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    workers: list[int] = []
    try:
        workers = _workers_booted(server, time.monotonic() + STARTUP_WITHIN)
        pidfds = [os.pidfd_open(pid) for pid in workers]
        with _load(port, clients):
            assert urllib.request.urlopen(f"http://127.0.0.1:{port}/static/shequ/shequ.css", timeout=10).status == 200  # noqa: S310
            os.kill(server.pid, signal.SIGKILL)
            killed = time.monotonic()
            server.wait(timeout=10)
            waiting = set(pidfds)
            while waiting and time.monotonic() - killed < PORT_FREE_WITHIN:
                ready, _w, _x = select.select(list(waiting), [], [], PORT_FREE_WITHIN - (time.monotonic() - killed))
                waiting -= set(ready)
            gone_after = time.monotonic() - killed
        assert not waiting, f"{len(waiting)} worker(s) still running {PORT_FREE_WITHIN} s after the master died"
        assert _port_is_free(port), "the port is still held"
        assert gone_after < PORT_FREE_WITHIN
        for fd in pidfds:
            os.close(fd)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(timeout=10)
        for pid in workers:  # only the processes this test started
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def test_a_leaving_worker_keeps_its_exit_status(monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker that failed to boot exits with 3 so that the master stops instead of forking it again."""
    from shequ.ops.management.commands import serve

    codes: list[int] = []
    monkeypatch.setattr(serve.os, "_exit", codes.append)
    monkeypatch.setattr(serve.logging, "shutdown", lambda: None)
    for leaving in (SystemExit(3), SystemExit(None), SystemExit(0), RuntimeError("boom")):
        with contextlib.suppress(BaseException):
            try:
                raise leaving
            finally:
                serve.leave_at_once(None, None)
    serve.leave_at_once(None, None)
    assert codes == [3, 0, 0, 1, 0]
    # The master calls the hook as well, for a worker it found gone: the master stays.
    class Gone:
        pid = os.getpid() + 1

    serve.leave_at_once(None, Gone())
    assert codes == [3, 0, 0, 1, 0]
