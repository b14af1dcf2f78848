"""``popgis db stop`` is respected: other commands do not start the project's cluster
again behind one's back (a cluster never started still starts by itself)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_stopped_cluster_is_not_started_again(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("POPGIS_DATABASE_URL", "POPGIS_LANG")}
    env.update(POPGIS_VAR_DIR=str(tmp_path / "var"), POPGIS_PG_PORT=str(_free_port()))

    def cli(*args):
        return subprocess.run(
            [sys.executable, "-m", "cli", *args],
            cwd=ROOT,
            env=env,
            text=True,
            capture_output=True,
            timeout=120,
        )

    cluster = Path(json.loads(cli("db", "status", "--json").stdout)["dir"])
    try:
        assert cli("db", "stop").returncode == 0
        assert (cluster / "stopped_on_purpose").exists()
        started = time.monotonic()
        r = cli("--lang", "en", "stats")
        assert time.monotonic() - started < 20
        assert r.returncode != 0
        assert "stopped on purpose" in r.stderr and "popgis db start" in r.stderr
        r = cli("stats")  # Chinese by default
        assert r.returncode != 0 and "数据库已被有意停止" in r.stderr
        assert "popgis db start" in r.stderr
        assert not (cluster / "data").exists()  # nothing was started
        # db start removes the marker and starts it; then commands work again
        r = cli("db", "start")
        assert r.returncode == 0, r.stderr
        assert not (cluster / "stopped_on_purpose").exists()
        assert json.loads(cli("db", "status", "--json").stdout)["running"]
    finally:
        cli("db", "stop")
        shutil.rmtree(cluster, ignore_errors=True)
