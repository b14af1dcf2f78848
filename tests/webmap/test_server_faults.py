"""PostgreSQL stopped with ``pg_ctl -m immediate`` under load, against gunicorn started by
the test: requests fail cleanly (503 in the one JSON error shape, never a 500), the app
recovers by itself within seconds of the database coming back, and no event or
placement is half written or acknowledged without being stored."""

from __future__ import annotations

import itertools
import random
import threading
import time

import pytest
import sqlalchemy as sa

from gis import db
from tests.webmap.server_process import logged_in, popgis_serve, server_db_url

RECOVERY_LIMIT_S = 10.0


def _pg_ctl(*args: str) -> None:
    data = db._paths()["data"]
    db._as_postgres(
        [db._pg_bin("pg_ctl"), "-D", str(data), *args], capture_output=True, text=True, check=True
    )


@pytest.fixture(scope="module")
def server_url(db_url):
    from tests.conftest import LOCAL_CLUSTER

    if not LOCAL_CLUSTER:
        pytest.fail("this test stops the project's own cluster: run it without POPGIS_DATABASE_URL")
    return server_db_url(db_url)


def test_database_restart_under_load(server_url, tmp_path, capsys):
    engine = sa.create_engine(server_url)
    with engine.connect() as c:
        homes = c.execute(
            sa.text(
                "SELECT id, ST_X(geom), ST_Y(geom) FROM households WHERE geom IS NOT NULL "
                "ORDER BY id LIMIT 24"
            )
        ).all()
    engine.dispose()
    assert len(homes) >= 3
    counter = itertools.count()
    log: list[tuple] = []  # (time, kind, status, detail)
    lock = threading.Lock()
    stop = threading.Event()
    # logins hash passwords (argon2): on a busy machine six of them take a while, and a
    # login must not be what meets the stopped database
    ready = threading.Semaphore(0)

    with popgis_serve(server_url, tmp_path, env={"POPGIS_ACCESS_LOG": "off"}) as srv:

        def client(i: int):
            s = logged_in(srv.base, "county_u")
            ready.release()
            mine = homes  # shared: row locks order the placements
            rng = random.Random(i)
            while not stop.is_set():
                n = next(counter)
                kind = ("tile", "search", "event", "place")[n % 4]
                status, detail, body = _one_request(s, srv.base, kind, n, rng, mine)
                with lock:
                    log.append((time.monotonic(), kind, status, detail, body))
                time.sleep(0.02)

        threads = [threading.Thread(target=client, args=(i,)) for i in range(6)]
        for t in threads:
            t.start()
        try:
            for _ in threads:
                if not ready.acquire(timeout=120):
                    stop.set()
                    pytest.fail("a client could not log in")
            time.sleep(3)
            t_down = time.monotonic()
            _pg_ctl("-m", "immediate", "-w", "stop")
            time.sleep(4)
        finally:
            db.cluster_start()  # comes back even if the test fails
        t_up = time.monotonic()
        time.sleep(RECOVERY_LIMIT_S + 3)
        stop.set()
        for t in threads:
            t.join()

    # Every answer was a success or a clean 503; 503s carry the one error shape.
    statuses = {entry[2] for entry in log}
    assert statuses <= {200, 201, 503}, sorted(statuses)
    down = [e for e in log if e[2] == 503]
    assert down, "no request met the stopped database"
    for e in down:
        assert e[4]["error"]["status"] == 503 and "database" in e[4]["error"]["message"]
    # Recovery: the first success after the restart, and success only from then on
    # within the limit.
    after = [e for e in log if e[0] > t_up]
    first_ok = next(e[0] for e in after if e[2] in (200, 201)) - t_up
    last_fail = max((e[0] for e in after if e[2] not in (200, 201)), default=t_up) - t_up
    with capsys.disabled():
        print(
            f"\n[db restart] {len(log)} requests, {len(down)} answered 503 while down "
            f"({t_up - t_down:.1f} s); first success {first_ok:.2f} s after the database "
            f"was back, last failure {last_fail:.2f} s after"
        )
    assert last_fail <= RECOVERY_LIMIT_S
    assert any(e[2] in (200, 201) for e in after if e[0] > t_up + last_fail)

    _check_nothing_half_written(server_url, log, homes)
    engine.dispose()
    _drop_stale_app_pools()


def test_first_requests_after_a_restart_succeed(server_url, tmp_path):
    """Pooled connections of every worker died with the database: once it is back, the
    first login and the first reads succeed (they answered 503, one per worker and pool,
    even minutes later)."""
    with popgis_serve(server_url, tmp_path, env={"POPGIS_ACCESS_LOG": "off"}) as srv:
        sessions = [logged_in(srv.base, "county_u") for _ in range(4)]
        for s in sessions * 3:  # connections pooled in both workers
            assert s.get(srv.base + "/api/me", timeout=10).status_code == 200
        try:
            _pg_ctl("-m", "immediate", "-w", "stop")
        finally:
            db.cluster_start()
        time.sleep(1)
        got = [s.get(srv.base + "/api/me", timeout=10).status_code for s in sessions * 3]
        got.append(logged_in(srv.base, "county_u").get(srv.base + "/api/me").status_code)
        assert got == [200] * len(got), got
    _drop_stale_app_pools()


def _one_request(s, base: str, kind: str, n: int, rng, homes) -> tuple:
    """One request of the mixed load: (status, what was sent, answer body)."""
    detail = None
    try:
        if kind == "tile":
            r = s.get(f"{base}/api/density/choropleth?level=village", timeout=20)
        elif kind == "search":
            r = s.get(f"{base}/api/search?q=HA{n % 7}", timeout=20)
        elif kind == "event":
            hid = rng.choice(homes)[0]
            detail = f"fault-{n}"
            r = s.post(
                f"{base}/api/households/{hid}/events",
                json={"kind": "visit", "note": detail},
                timeout=20,
            )
        else:
            hid, x, y = rng.choice(homes)
            lon, lat = x + (n % 50) * 1e-7, y
            detail = (hid, lon, lat)
            r = s.post(
                f"{base}/api/households/{hid}/location", json={"lon": lon, "lat": lat}, timeout=20
            )
        body = r.json() if r.headers.get("Content-Type", "").startswith("application/") else r.text
        return r.status_code, detail, body
    except Exception as exc:  # a dropped connection would be a failure too
        return -1, detail, repr(exc)


def _check_nothing_half_written(server_url, log, homes) -> None:
    # Nothing half written: acknowledged events are stored; each household's position is
    # the one of its latest logged placement (update and log row in one transaction).
    db.dispose_engines()
    engine = sa.create_engine(server_url)
    with engine.connect() as c:
        notes = set(
            c.execute(sa.text("SELECT note FROM events WHERE note LIKE 'fault-%'")).scalars()
        )
        acked = {e[3] for e in log if e[1] == "event" and e[2] == 201}
        assert acked <= notes
        sent = {e[3] for e in log if e[1] == "event"}
        assert notes <= sent
        placed = {e[3][0] for e in log if e[1] == "place" and e[2] == 200}
        assert placed
        rows = c.execute(
            sa.text("""
            SELECT h.id, ST_X(h.geom) AS x, ST_Y(h.geom) AS y,
                   (SELECT json_build_object('lon', ST_X(p.to_geom), 'lat', ST_Y(p.to_geom))
                    FROM placement_history p WHERE p.household_id = h.id
                    ORDER BY p.id DESC LIMIT 1) AS last
            FROM households h WHERE h.id = ANY(:ids)"""),
            {"ids": [h[0] for h in homes]},
        ).all()
        for row in rows:
            if row.last is None:
                continue
            assert abs(row.x - row.last["lon"]) < 1e-9 and abs(row.y - row.last["lat"]) < 1e-9
        for hid, lon, _lat in (e[3] for e in log if e[1] == "place" and e[2] == 200):
            n = c.execute(
                sa.text(
                    "SELECT count(*) FROM placement_history WHERE household_id = :t "
                    "AND ST_X(to_geom) = :x"
                ),
                {"t": hid, "x": lon},
            ).scalar()
            assert n >= 1
    engine.dispose()


def _drop_stale_app_pools():
    """Pools of apps in this process (other tests' live servers) hold dead connections."""
    for key, engine in list(db._engines.items()):
        if key[1] == "app":
            engine.dispose()
