"""Start the app under gunicorn for a benchmark and wait until it answers (shared by the benches)."""

from __future__ import annotations

import http.client
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def start_gunicorn(*, env: dict[str, str], port: int, workers: int, settings: str,
                   pythonpath: list[Path], extra: list[str] | None = None) -> subprocess.Popen[bytes]:
    """gunicorn with ``workers`` sync workers on 127.0.0.1:``port``; exits the bench if it does not
    answer /api/v1/openapi.json within 60 s."""
    command = [
        sys.executable, "-m", "gunicorn", "shequ.wsgi:application", "--workers", str(workers),
        "--bind", f"127.0.0.1:{port}", "--pythonpath", ",".join(str(p) for p in pythonpath),
        "--log-level", "warning", *(extra or []),
    ]
    server = subprocess.Popen(command, env={**env, "DJANGO_SETTINGS_MODULE": settings}, cwd=ROOT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"gunicorn exited with {server.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/v1/openapi.json")
            if conn.getresponse().status == 200:
                conn.close()
                return server
        except OSError:
            pass
        time.sleep(0.2)
    server.terminate()
    sys.exit("gunicorn did not answer within 60 s")
