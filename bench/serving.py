"""Serving under load on the full-scale county (issue 11): `popgis serve` (gunicorn) and,
side by side, the same load on `popgis serve --dev` (Flask's development server).

- 50 logged-in staff on vector tiles and search for 60 s: 0 errors, p95 tiles
  ≤ 100 ms, p95 search ≤ 150 ms (gunicorn); the development server's figures beside
- the same 50 clients without any pause (saturation: how many requests a second the
  machine serves, and the latency when 50 requests are always waiting)
- the server's memory (all its processes) before and after the run
- optional soak (``--soak SECONDS``, e.g. 600; not in the default `make bench`): the
  staff load for that long, memory sampled each 30 s, flat = last ≤ first + 10 %
- the database-restart figure comes from tests/webmap/test_server_faults.py (it stops
  the project's own cluster, which a shared benchmark server must not do)

Clients are processes × threads on loopback only, each with its own keep-alive
connection. A member of staff sends a request, reads the answer, and pauses a random
0–2 s (mean 1 s) before the next: about one request a second each, which is more than
a person panning and searching asks for (a pan is a handful of tiles, then reading).
That is the load the targets are judged on. Without a pause (``--think 0``) 50 requests
are always in flight: a throughput test, where on a 2-core machine shared with the
database and the clients the latency is set by the queue (Little's law: 50 requests /
N per second), reported beside it without a target. The number of requests is bounded
by the duration and by MAX_REQUESTS per client.
Usage: python -m bench.serving [--scale 1.0] [--clients 50] [--seconds 60]
       [--think SECONDS] [--soak 0] [--only gunicorn|dev]
"""

from __future__ import annotations

import argparse
import http.client
import math
import multiprocessing as mp
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from bench.common import county_db
from bench.tiles import PASSWORD, USER, _ensure_user, _sample_tiles
from gis import db

ROOT = Path(__file__).resolve().parents[1]
POPGIS = str(Path(sys.executable).parent / "popgis")
MAX_REQUESTS = 20_000  # per client, whatever the duration
TILE_SHARE = 0.75  # the rest are searches


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rss_kb(pid: int) -> int:
    """Resident memory of a process and its children, in kB."""
    total = 0
    pids = [pid]
    out = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True
    ).stdout
    pids += [int(p) for p in out.split()]
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


class Served:
    """``popgis serve`` (or ``--dev``) on a free loopback port, in its own session."""

    def __init__(self, url, dev: bool, log: Path):
        self.port = _free_port()
        env = {
            **os.environ,
            "POPGIS_DATABASE_URL": url.render_as_string(hide_password=False),
            "POPGIS_SECRET_KEY": "bench-serving",
            "POPGIS_ACCESS_LOG": "off",
        }
        args = [POPGIS, "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        self.out = log.open("w")
        self.proc = subprocess.Popen(
            args + (["--dev"] if dev else []),
            cwd=ROOT,
            env=env,
            stdout=self.out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 120
        while True:
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                c.request("GET", "/healthz")
                if c.getresponse().status == 200:
                    break
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server did not start; see {log}")
            time.sleep(0.3)

    def stop(self) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.out.close()


def _login(port: int) -> str:
    """Log in through the form (hidden fields sent back); the Cookie header to use."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    c.request("GET", "/login")
    r = c.getresponse()
    form = r.read().decode()
    cookies = {
        m.group(1): m.group(2)
        for m in re.finditer(
            r"([^=;,\s]+)=([^;]*);", "; ".join(r.headers.get_all("Set-Cookie") or [])
        )
    }
    from urllib.parse import urlencode

    fields = dict(
        re.findall(r'<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form)
    )
    fields.update(username=USER, password=PASSWORD)
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Origin": f"http://127.0.0.1:{port}",
        "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
    }
    c.request("POST", "/login", body=urlencode(fields), headers=headers)
    r = c.getresponse()
    r.read()
    if r.status not in (302, 303):
        raise RuntimeError(f"login failed: {r.status}")
    for header in r.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        cookies[name.strip()] = rest.split(";", 1)[0]
    c.close()
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def _client_process(port, n_threads, seconds, think, paths, seed, queue):
    """One process of clients: ``n_threads`` threads, results put on ``queue``."""
    import threading

    results: list[tuple[str, float, int]] = []
    lock = threading.Lock()
    cookies = [_login(port) for _ in range(n_threads)]
    start_at = time.monotonic() + 1.0

    def client(i):
        rng = random.Random(seed * 1000 + i)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine = []
        while time.monotonic() < start_at:
            time.sleep(0.01)
        deadline = start_at + seconds
        for _ in range(MAX_REQUESTS):
            if time.monotonic() >= deadline:
                break
            kind = "tiles" if rng.random() < TILE_SHARE else "search"
            path = rng.choice(paths[kind])
            t = time.perf_counter()
            try:
                conn.request("GET", path, headers={"Cookie": cookies[i]})
                r = conn.getresponse()
                r.read()
                status = r.status
            except OSError:
                status = -1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            mine.append((kind, time.perf_counter() - t, status))
            if think:
                time.sleep(rng.uniform(0, 2 * think))
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    queue.put(results)


def load(port: int, paths: dict, clients: int, seconds: float, think: float) -> list:
    """Run ``clients`` clients for ``seconds``; all (kind, latency, status)."""
    procs = min(5, clients)
    per = [clients // procs + (1 if i < clients % procs else 0) for i in range(procs)]
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    workers = [
        ctx.Process(target=_client_process, args=(port, n, seconds, think, paths, k, queue))
        for k, n in enumerate(per)
    ]
    for w in workers:
        w.start()
    results = []
    for _ in workers:
        results.extend(queue.get(timeout=seconds + 600))
    for w in workers:
        w.join()
    return results


def _pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(math.ceil(q * len(values))) - 1)] if values else 0


def summary(results, seconds) -> dict:
    out = {}
    for kind in ("tiles", "search"):
        lat = [r[1] * 1000 for r in results if r[0] == kind]
        out[kind] = {
            "n": len(lat),
            "p50": _pct(lat, 0.5),
            "p95": _pct(lat, 0.95),
            "errors": sum(1 for r in results if r[0] == kind and r[2] != 200),
        }
    out["rate"] = len(results) / seconds
    return out


def _paths(engine) -> dict:
    tiles = _sample_tiles(engine, 3000, seed=11)
    rng = random.Random(5)
    tile_paths = [
        f"/tiles/{rng.choice(('households', 'buildings'))}/{z}/{x}/{y}.pbf" for z, x, y in tiles
    ]
    with engine.connect() as c:
        names = (
            c.execute(sa.text("SELECT name FROM persons TABLESAMPLE SYSTEM (0.05) LIMIT 150"))
            .scalars()
            .all()
        )
        numbers = (
            c.execute(
                sa.text(
                    "SELECT left(household_no, 8) FROM households TABLESAMPLE SYSTEM (0.05) "
                    "LIMIT 50"
                )
            )
            .scalars()
            .all()
        )
        streets = (
            c.execute(
                sa.text(
                    "SELECT substr(address, 4, 4) FROM households TABLESAMPLE SYSTEM (0.05) "
                    "WHERE address IS NOT NULL LIMIT 50"
                )
            )
            .scalars()
            .all()
        )
    from urllib.parse import quote

    terms = [t for t in [*names, *numbers, *streets] if t]
    return {"tiles": tile_paths, "search": [f"/api/search?q={quote(t)}" for t in terms]}


STAFF_THINK_S = 1.0


def run(
    scale: float,
    seed: int,
    rows: list,
    *,
    clients: int = 50,
    seconds: float = 60,
    think: float | None = None,
    soak: float = 0.0,
    only: tuple = ("gunicorn", "dev"),
) -> None:
    """The staff load (``think`` seconds between requests, default STAFF_THINK_S) on
    each server; with ``think`` unset also the saturation run (no pause) beside it."""
    url = county_db(scale, seed)
    engine = db.engine(url)
    _ensure_user(engine)
    paths = _paths(engine)
    engine.dispose()
    db.dispose_engines()
    logs = Path(os.environ.get("POPGIS_VAR_DIR") or ROOT / "var") / "bench"
    logs.mkdir(parents=True, exist_ok=True)
    loads = [think] if think is not None else [STAFF_THINK_S, 0.0]
    for pause in loads:
        figures = {}
        for mode in only:
            server = Served(url, dev=(mode == "dev"), log=logs / f"serving-{mode}.log")
            try:
                # warm-up: the database's caches and the login, not counted
                load(server.port, paths, min(clients, 10), 10, 0.0)
                rss_before = _rss_kb(server.proc.pid)
                res = summary(load(server.port, paths, clients, seconds, pause), seconds)
                res["rss_mb"] = (rss_before / 1024, _rss_kb(server.proc.pid) / 1024)
                figures[mode] = res
                if soak and mode == "gunicorn" and pause == loads[0]:
                    figures["soak"] = _soak(server, paths, clients, soak, pause)
            finally:
                server.stop()
        _rows(figures, clients, seconds, pause, rows, judged=(pause == loads[0]))


def _soak(server, paths, clients, seconds, think) -> dict:
    """The load for ``seconds`` in 30 s slices, memory sampled after each."""
    samples, errors, n = [], 0, 0
    for _ in range(max(1, int(seconds // 30))):
        res = load(server.port, paths, clients, 30, think)
        errors += sum(1 for r in res if r[2] != 200)
        n += len(res)
        samples.append(_rss_kb(server.proc.pid) / 1024)
    return {"samples": samples, "errors": errors, "n": n}


def _rows(figures, clients, seconds, think, rows, judged: bool = True) -> None:
    label = (
        f"{clients} staff, {seconds:g} s, pause 0–{2 * think:g} s"
        if think
        else f"{clients} clients, no pause, {seconds:g} s: saturation"
    )
    g, d = figures.get("gunicorn"), figures.get("dev")
    for kind, target in (("tiles", 100), ("search", 150)):
        if g:
            p95 = g[kind]["p95"]
            rows.append(
                (
                    f"gunicorn {kind} p50 / p95 ({label})",
                    f"{g[kind]['p50']:.0f} / {p95:.0f} ms",
                    f"p95 ≤ {target} ms" if judged else "(no target)",
                    ("PASS" if p95 <= target else "MISS") if judged else "-",
                )
            )
        if d:
            rows.append(
                (
                    f"dev server {kind} p50 / p95 (same load)",
                    f"{d[kind]['p50']:.0f} / {d[kind]['p95']:.0f} ms",
                    "(side by side)",
                    "-",
                )
            )
    for name, f in (("gunicorn", g), ("dev server", d)):
        if f:
            errors = f["tiles"]["errors"] + f["search"]["errors"]
            n = f["tiles"]["n"] + f["search"]["n"]
            rows.append(
                (
                    f"{name}: errors / requests ({f['rate']:.0f} req/s, {label})",
                    f"{errors} / {n}",
                    "0 errors" if name == "gunicorn" else "-",
                    ("PASS" if errors == 0 else "MISS") if name == "gunicorn" else "-",
                )
            )
            rows.append(
                (
                    f"{name}: server memory before / after",
                    "{:.0f} / {:.0f} MB".format(*f["rss_mb"]),
                    "-",
                    "-",
                )
            )
    soak = figures.get("soak")
    if soak:
        first, last = soak["samples"][0], soak["samples"][-1]
        flat = last <= first * 1.10
        rows.append(
            (
                f"soak {len(soak['samples']) * 30} s: memory first / last 30 s slice",
                f"{first:.0f} / {last:.0f} MB (max {max(soak['samples']):.0f})",
                "last ≤ first + 10 %",
                "PASS" if flat else "MISS",
            )
        )
        rows.append(
            (
                "soak: errors / requests",
                f"{soak['errors']} / {soak['n']}",
                "0 errors",
                "PASS" if soak["errors"] == 0 else "MISS",
            )
        )


def main() -> None:
    from bench.run import print_table

    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--scale", type=float, default=1.0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--seconds", type=float, default=60)
    p.add_argument(
        "--think",
        type=float,
        default=None,
        help=f"pause between requests (default: {STAFF_THINK_S:g} s mean, and "
        "the saturation run without pause beside it)",
    )
    p.add_argument("--soak", type=float, default=0.0)
    p.add_argument("--only", action="append", choices=["gunicorn", "dev"])
    a = p.parse_args()
    rows: list[tuple] = []
    run(
        a.scale,
        a.seed,
        rows,
        clients=a.clients,
        seconds=a.seconds,
        think=a.think,
        soak=a.soak,
        only=tuple(a.only or ("gunicorn", "dev")),
    )
    print_table(rows)


if __name__ == "__main__":  # python -m bench.serving [options]
    main()
