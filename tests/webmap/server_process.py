"""The real server as an outside client sees it: `popgis serve` (gunicorn) started in a
subprocess on a free loopback port, on its own copy of the fixture county (the server
commits, so it must not share the test database that other tests roll back)."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
POPGIS = str(Path(sys.executable).parent / "popgis")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_db_url(db_url):
    """A database next to the test database with the fixture county, made once."""
    from tests.conftest import prepare_fixture_db

    url = db_url.set(database=db_url.database + "_server")
    prepare_fixture_db(url).dispose()
    return url


class Server:
    def __init__(self, proc: subprocess.Popen, base: str, log: Path):
        self.proc, self.base, self.log = proc, base, log

    def workers(self) -> set[int]:
        out = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(self.proc.pid)], capture_output=True, text=True
        ).stdout
        return {int(p) for p in out.split()}

    def hup(self) -> None:
        self.proc.send_signal(signal.SIGHUP)


@contextlib.contextmanager
def popgis_serve(
    url, tmp: Path, *args: str, env: dict | None = None, scheme: str = "http", timeout: float = 60
):
    """Run ``popgis serve [args]`` against database ``url``; yields a Server."""
    port = free_port()
    log = tmp / f"serve-{port}.log"
    environ = {
        **os.environ,
        "POPGIS_DATABASE_URL": url.render_as_string(hide_password=False),
        "POPGIS_SECRET_KEY": "server-test",
        "POPGIS_WORKERS": "2",
        "POPGIS_THREADS": "4",
        **(env or {}),
    }
    with log.open("w") as out:
        proc = subprocess.Popen(
            [POPGIS, "serve", "--host", "127.0.0.1", "--port", str(port), *args],
            cwd=ROOT,
            env=environ,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"{scheme}://127.0.0.1:{port}"
    server = Server(proc, base, log)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if client().get(base + "/healthz", timeout=2).ok:
                    break
            except requests.RequestException:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield server
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def client() -> requests.Session:
    """A session that talks to the loopback server directly: no proxy or CA bundle from
    the environment (requests would let REQUESTS_CA_BUNDLE override verify=False)."""
    s = requests.Session()
    s.trust_env = False
    s.verify = False
    return s


def logged_in(base: str, name: str, password: str = PASSWORD) -> requests.Session:
    """A client session logged in through the login form (hidden fields such as a CSRF
    token are sent back, and an Origin header goes with every request)."""
    s = client()
    s.headers["Origin"] = base
    form = s.get(base + "/login", timeout=10).text
    data = dict(
        re.findall(r'<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form)
    )
    data.update(username=name, password=password)
    r = s.post(base + "/login", data=data, timeout=10, allow_redirects=False)
    assert r.status_code in (302, 303), (r.status_code, r.text[:300])
    return s
