"""The popgis CLI (click CliRunner) and a loader process killed mid-load."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from sqlalchemy.engine import make_url

from cli.main import main
from gis import db
from gis.messages import speaking

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parents[1]


def test_db_url_and_status(db_url):
    r = CliRunner().invoke(main, ["db", "url"])
    assert r.exit_code == 0 and db_url.database in r.output and "***" in r.output
    r = CliRunner().invoke(main, ["db", "status", "--json"])
    assert json.loads(r.output)["health"]["ok"] is True


def test_stats_json(db_url):
    r = CliRunner().invoke(main, ["stats", "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["tables"]["persons"] >= 11
    assert out["levels"]["village"]["areas"] == 3


def test_load_command_reports_rejects(db_url, tmp_path):
    path = tmp_path / "sp.csv"
    path.write_text(
        "point_id,kind,name,lon,lat\nCLI1,clinic,甲,120.03,29.26\nCLI2,clinic,乙,29.26,120.03\n",
        encoding="utf-8",
    )
    english = {"POPGIS_LANG": "en"}  # the load report's English text is compared
    r = CliRunner().invoke(
        main,
        ["load", "service-points", str(path), "--dry-run", "--report", str(tmp_path / "rep")],
        env=english,
    )
    assert r.exit_code == 1, r.output  # a dry run that finds a bad row fails, as --strict does
    assert "1 new" in r.output and "1 rejected" in r.output and "row 3" in r.output
    r = CliRunner().invoke(main, ["load", "service-points", str(path), "--strict"], env=english)
    assert r.exit_code == 1 and "NOT loaded" in r.output
    bad = tmp_path / "bad.csv"  # every row rejected: nothing loaded, the status says so
    bad.write_text("point_id,kind,name,lon,lat\nCLI3,clinic,丙,29.26,120.03\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["load", "service-points", str(bad)], env=english)
    assert r.exit_code == 1 and "1 rejected" in r.output, r.output
    r = CliRunner().invoke(main, ["load", "service-points", str(path), "--crs", "mars"])
    assert r.exit_code == 2 and "unknown CRS" in r.output


def test_users_commands(db_url):
    runner = CliRunner()
    r = runner.invoke(
        main,
        [
            "users",
            "add",
            "cli_user",
            "--role",
            "village",
            "--area",
            "330782001002",
            "--password-stdin",
        ],
        input="s3cret-pass\n",
    )
    assert r.exit_code == 0, r.output
    r = runner.invoke(
        main,
        [
            "users",
            "add",
            "cli_bad",
            "--role",
            "village",
            "--area",
            "330782000000",
            "--password-stdin",
        ],
        input="s3cret-pass\n",
    )
    assert r.exit_code == 2 and "village or grid" in r.output and "county" in r.output

    # --area in every form the other commands take, 9 digits a township (outside tester,
    # s23: "unknown area code '330782001'; list areas with `popgis stats --json`")
    def add(name, role, area):
        args = ["users", "add", name, "--role", role, "--area", area, "--password-stdin"]
        return runner.invoke(main, args, input="s3cret-pass\n")

    r = add("cli_town", "township", "330782001")
    assert r.exit_code == 0, r.output
    r = add("cli_nowhere", "township", "330782999")
    assert r.exit_code == 2 and "--area 330782999: no area 330782999000" in r.output, r.output
    assert "`popgis areas`" in r.output and "stats" not in r.output
    r = add("cli_typo", "township", "3307820x1")
    assert r.exit_code == 2 and "'3307820x1' is not an area code" in r.output, r.output
    assert "`popgis areas`" in r.output
    users = json.loads(runner.invoke(main, ["users", "list", "--json"]).output)
    assert {"name": "cli_user", "role": "village"}.items() <= next(
        u for u in users if u["name"] == "cli_user"
    ).items()
    assert runner.invoke(main, ["users", "disable", "cli_user"]).exit_code == 0
    users = json.loads(runner.invoke(main, ["users", "list", "--json"]).output)
    assert next(u for u in users if u["name"] == "cli_user")["active"] is False
    assert next(u for u in users if u["name"] == "cli_town")["area_code"] == "330782001000"
    assert not {"cli_nowhere", "cli_typo"} & {u["name"] for u in users}
    with db.engine().begin() as conn:
        conn.execute(sa.text("DELETE FROM app_users WHERE name IN ('cli_user', 'cli_town')"))


def _big_households_file(path: Path, n: int) -> None:
    import datetime as dt

    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    start = dt.date(1950, 1, 1)
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["household_no", "village_code", "lon", "lat", "name", "id_number"])
        for i in range(n):
            birth = (start + dt.timedelta(days=i // 1000)).strftime("%Y%m%d")
            body = f"410102{birth}{i % 1000:03d}"
            check = "10X98765432"[sum(int(c) * k for c, k in zip(body, weights, strict=True)) % 11]
            w.writerow([f"KILL{i // 3}", "330782001001", "120.0202", "29.2502", "某", body + check])


def load_base_layers(env: dict) -> None:
    """The fixture county's admin areas and buildings, loaded by ``popgis load`` as a
    command (``env``: the process environment, with ``POPGIS_DATABASE_URL``)."""
    for kind, name in [("admin", "admin.geojson"), ("buildings", "buildings.geojson")]:
        subprocess.run(
            [sys.executable, "-m", "cli", "load", kind, str(DATA / name)],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
        )


def test_killed_loader_leaves_database_as_it_was(fresh_db, tmp_path):
    """A loader process killed mid-load commits nothing."""
    url = fresh_db.render_as_string(hide_password=False)
    env = {**os.environ, "POPGIS_DATABASE_URL": url}
    load_base_layers(env)
    engine = db.engine(fresh_db)

    def counts():
        with engine.connect() as c:
            return c.execute(
                sa.text(
                    "SELECT (SELECT count(*) FROM households), "
                    "(SELECT count(*) FROM persons), "
                    "(SELECT count(*) FROM import_batches), "
                    "(SELECT count(*) FROM pg_indexes WHERE tablename "
                    " IN ('persons', 'households'))"
                )
            ).one()

    before = counts()
    big = tmp_path / "big.csv"
    _big_households_file(big, 200_000)
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli", "load", "households", str(big)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # Wait until the loader is writing (its COPY is visible in pg_stat_activity).
    deadline = time.monotonic() + 60
    seen = False
    while time.monotonic() < deadline and proc.poll() is None:
        with engine.connect() as c:
            seen = (
                c.execute(
                    sa.text(
                        "SELECT count(*) FROM pg_stat_activity WHERE query ILIKE 'COPY stage%' "
                        "AND datname = current_database()"
                    )
                ).scalar()
                > 0
            )
        if seen:
            break
        time.sleep(0.05)
    assert seen, "the loader never reached COPY"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    time.sleep(0.5)
    assert counts() == before
    # and a clean run afterwards loads everything
    done = subprocess.run(
        [sys.executable, "-m", "cli", "load", "households", str(big)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    after = counts()
    assert after[1] == 200_000
    assert after[3] == before[3]  # indexes built after the first load are all back
    with engine.connect() as c:  # the large-batch point-in-building join placed them all
        placed = c.execute(
            sa.text(
                "SELECT count(*) FILTER (WHERE b.ext_id = 'A1'), count(*) FROM households h "
                "LEFT JOIN buildings b ON b.id = h.building_id"
            )
        ).one()
    assert placed[0] == placed[1] == after[0]


# ------------------------------------------------------------------ conventions
def _run_cli(args, env=None, **kw):
    return subprocess.run(
        [sys.executable, "-m", "cli", *args],
        cwd=ROOT,
        text=True,
        capture_output=True,
        env={**os.environ, **(env or {})},
        **kw,
    )


def test_version():
    r = CliRunner().invoke(main, ["--version"])
    assert r.exit_code == 0 and r.output.startswith("popgis, version ")


# Run a command in a fresh interpreter and report whether it imported Flask.
_NO_FLASK = """
import sys
from cli.main import main
try:
    main(sys.argv[1:], prog_name="popgis")
except SystemExit as exc:
    code = exc.code
print("FLASK" if any(m == "flask" or m.startswith("flask.") for m in sys.modules)
      else "NO-FLASK", code)
"""


def test_only_serve_imports_flask(db_url, tmp_path):
    sp = tmp_path / "sp.csv"
    sp.write_text("point_id,kind,name,lon,lat\nNF1,clinic,甲,120.03,29.26\n", encoding="utf-8")
    for args in (
        ["load", "--help"],
        ["stats", "--json"],
        ["users", "list"],
        ["load", "service-points", str(sp), "--dry-run", "--report", str(tmp_path)],
    ):
        r = subprocess.run(
            [sys.executable, "-c", _NO_FLASK, *args], cwd=ROOT, text=True, capture_output=True
        )
        assert r.stdout.strip().splitlines()[-1] in ("NO-FLASK 0", "NO-FLASK None"), (
            args,
            r.stdout[-500:],
            r.stderr[-2000:],
        )
    assert _run_cli(["serve", "--help"]).returncode == 0


def test_unreachable_database_says_how_to_fix_it_quickly():
    # nothing listens on port 9 of this machine: refused at once
    url = "postgresql://nobody:nothing@127.0.0.1:9/nowhere"
    started = time.monotonic()
    r = _run_cli(["stats"], env={"POPGIS_DATABASE_URL": url, "POPGIS_LANG": "en"}, timeout=30)
    assert time.monotonic() - started < 8  # interpreter start-up included
    assert r.returncode == 2
    assert "cannot reach the database at" in r.stderr and "POPGIS_DATABASE_URL" in r.stderr
    assert "nothing" not in r.stderr  # the password stays hidden
    r = _run_cli(["--lang", "zh", "stats"], env={"POPGIS_DATABASE_URL": url}, timeout=30)
    assert r.returncode == 2 and "无法连接数据库" in r.stderr and "错误：" in r.stderr


def test_messages_in_chinese_by_default(db_url, monkeypatch):
    monkeypatch.delenv("POPGIS_LANG")
    r = CliRunner().invoke(main, ["users", "disable", "nobody_at_all"])
    assert r.exit_code == 2 and "没有名为 'nobody_at_all' 的用户" in r.output
    r = CliRunner().invoke(main, ["--lang", "en", "users", "disable", "nobody_at_all"])
    assert "no user named 'nobody_at_all'" in r.output
    r = CliRunner().invoke(main, ["users", "disable", "nobody_at_all"])
    assert "没有名为" in r.output  # --lang lasts for its own command only


def test_generate_follows_the_demo_settings(monkeypatch):
    from cli.demo import scale_and_seed

    monkeypatch.setenv("POPGIS_DEMO_SCALE", "0.01")
    monkeypatch.setenv("POPGIS_DEMO_SEED", "7")
    assert scale_and_seed(None, None) == (0.01, 7)
    assert scale_and_seed(0.5, 3) == (0.5, 3)


def test_json_output_of_export_and_users_token(db_url, tmp_path):
    out = tmp_path / "t.csv"
    r = CliRunner().invoke(main, ["export", "table", "--out", str(out), "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output) == {"file": str(out), "bytes": out.stat().st_size}
    r = CliRunner().invoke(main, ["users", "token", "village_a", "--json", "--days", "1"])
    assert r.exit_code == 0, r.output
    info = json.loads(r.output)
    assert info["token"] and info["id"]
    r = CliRunner().invoke(main, ["users", "token", "village_a", "--revoke", "--json"])
    assert json.loads(r.output)["revoked"] >= 1


def test_unreachable_local_cluster_names_its_fix(monkeypatch):
    monkeypatch.delenv("POPGIS_DATABASE_URL", raising=False)
    url = make_url("postgresql+psycopg://popgis:secret@127.0.0.1:9/popgis")
    started = time.monotonic()
    with speaking("en"), pytest.raises(db.DatabaseError) as caught:
        db.wait_until_up(url, seconds=1)
    assert time.monotonic() - started < 3
    message = caught.value.message
    assert "project's own PostgreSQL cluster" in message and "popgis db start" in message
    assert "POPGIS_PG_PORT" in message and "secret" not in message


@pytest.mark.parametrize(
    "bbox",
    [
        ",29,120.1,29.4",
        "120,29,120.1",
        "inf,29,120.1,29.4",
        "١٢٠,29,120.1,29.4",
        "120,29.4,120.1,29",
    ],
)
def test_export_map_bbox_goes_through_the_strict_parser(db_url, tmp_path, bbox):
    r = CliRunner().invoke(
        main,
        ["export", "map", "--layer", "density", "--bbox", bbox, "--out", str(tmp_path / "m.png")],
    )
    assert r.exit_code == 2 and r.output.startswith("error: --bbox"), r.output
    assert not (tmp_path / "m.png").exists()
