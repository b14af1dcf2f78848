"""Coverage of a province, county by county: in one process and one Dask task per
county (a local cluster, a scheduler by address), the same JSON; each county's figures
those of `popgis coverage --area <that county>`; a county without demand or without
service points of the kinds says so and the batch goes on."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from cli.main import main

# three small counties of three cities (杭州 滨江区, 舟山 嵊泗县, 丽水 云和县: UTM zones
# 51, 51 and 50), and a county with its outline but no people (杭州 萧山区)
COUNTIES = ["330108", "330922", "331125"]
EMPTY = "330109"
NO_CLINIC = "330922"
ARGS = ["coverage", "--kinds", "clinic,service_station", "--radius", "clinic=1500,800"]


@pytest.fixture(scope="module")
def province_url(db_url, tmp_path_factory):
    """A database with three synthetic counties (the province demo at a small scale), a
    fourth county with its outline and no people, and no clinic in one county."""
    from gis import db
    from loaders import demo_province
    from loaders.demo.province import generate_province

    out = tmp_path_factory.mktemp("province")
    generate_province(out, "330000", scale=0.002, seed=3, counties=COUNTIES)
    url = db_url.set(database=db_url.database + "_covbatch")
    db.ensure_database(url, drop_first=True)
    db.migrate(url)
    engine = db.engine(url)
    demo_province.load(out, engine=engine, echo=lambda *_: None)
    with engine.begin() as conn:
        conn.execute(
            sa.text("""
            INSERT INTO admin_area (code, path, name, level, parent_code, county_code, geom)
            SELECT :code || '000000', :code, '萧山区', 'county', parent_code, :code,
                   ST_Translate(geom, 0.3, 0)
            FROM admin_area WHERE code = '330108000000'"""),
            {"code": EMPTY},
        )
        conn.execute(
            sa.text(
                "UPDATE service_points SET active = false WHERE county_code = :c AND kind = 'clinic'"
            ),
            {"c": NO_CLINIC},
        )
        kinds = dict(
            conn.execute(
                sa.text("""SELECT county_code, array_agg(DISTINCT kind ORDER BY kind)
                FROM service_points WHERE active GROUP BY 1""")
            ).all()
        )
    engine.dispose()
    # every county with people has service points of a kind asked for
    assert {c for c, k in kinds.items() if {"clinic", "service_station"} & set(k)} == set(COUNTIES)
    return url.render_as_string(hide_password=False)


def _run(monkeypatch, url, *args):
    monkeypatch.setenv("POPGIS_DATABASE_URL", url)
    r = CliRunner().invoke(main, ["--lang", "en", *ARGS, *args])
    assert r.exit_code == 0, r.output
    return r.output


def _canonical(text: str) -> str:
    out = json.loads(text)
    run = out.pop("run")
    assert run["seconds"] > 0
    return json.dumps(out, ensure_ascii=False, sort_keys=True)


def test_one_process_and_dask_give_the_same_json(province_url, monkeypatch, scheduler, tmp_path):
    area = ["--area", "330000000000", "--json"]
    local = _run(monkeypatch, province_url, *area)
    dask = _run(
        monkeypatch, province_url, *area, "--engine", "dask", "--out", str(tmp_path / "d.json")
    )
    remote = _run(monkeypatch, province_url, *area, "--engine", "dask", "--scheduler", scheduler)
    assert json.loads(dask)["run"] == {
        "engine": "dask",
        "seconds": json.loads(dask)["run"]["seconds"],
        "scheduler": None,
        "workers": 2,
    }
    assert _canonical(dask) == _canonical(local)
    assert _canonical(remote) == _canonical(local)
    assert _canonical((tmp_path / "d.json").read_text(encoding="utf-8")) == _canonical(local)

    out = json.loads(local)
    assert out["area"] == {"code": "330000000000", "name": "浙江省", "level": "province"}
    codes = [c["code"] for c in out["counties"]]
    assert codes == sorted(c + "000000" for c in [*COUNTIES, EMPTY])
    with_figures = [c for c in out["counties"] if "totals" in c]
    assert len(with_figures) == 3 == out["totals"]["counties_with_figures"]
    assert out["totals"]["counties"] == 4
    for key in ("demand", "covered", "unlocated", "units"):
        assert out["totals"][key] == pytest.approx(sum(c["totals"][key] for c in with_figures))
    assert 0 < out["totals"]["covered"] < out["totals"]["demand"]
    # the total row's service points and gap areas: the counties' summed
    assert out["totals"]["sites"] == sum(c["sites"] for c in out["counties"]) > 0
    gaps = sum(len(c["gaps"]["features"]) for c in with_figures)
    assert out["totals"]["gap_areas"] == gaps > 0

    # each county's figures are those of `coverage --area <county>`, in its own UTM zone
    for c in with_figures:
        one = json.loads(_run(monkeypatch, province_url, "--area", c["code"], "--json"))
        for key in ("totals", "villages", "grids", "gaps"):
            assert c[key] == one[key], (c["code"], key)
        assert c["totals"]["demand"] > 0 and c["villages"]


def test_a_county_without_demand_or_service_points_says_so(province_url, monkeypatch):
    out = json.loads(_run(monkeypatch, province_url, "--area", "330000000000", "--json"))
    by_code = {c["code"][:6]: c for c in out["counties"]}
    empty = by_code[EMPTY]
    assert "totals" not in empty and "empty demand" in empty["problem"]
    # no clinic: only service stations within 800 m cover anything there
    for c in COUNTIES:
        assert by_code[c]["problem"] is None and by_code[c]["sites"] > 0
    none = _run(
        monkeypatch,
        province_url,
        "--area",
        "330000000000",
        "--json",
        "--kinds",
        "clinic",
        "--radius",
        "1500",
    )
    nc = {c["code"][:6]: c for c in json.loads(none)["counties"]}[NO_CLINIC]
    assert nc["sites"] == 0 and nc["totals"]["covered"] == 0 and nc["totals"]["demand"] > 0
    assert "no active service points of the kinds clinic" in nc["problem"]

    text = _run(
        monkeypatch, province_url, "--area", "330000000000", "--kinds", "clinic", "--radius", "1500"
    )
    lines = text.splitlines()
    assert lines[0].startswith(
        "330000000000 浙江省, households within 1500 m straight line: 4 counties"
    )
    assert any(x.startswith(EMPTY + "000000 ") and " - " in x for x in lines)
    total = [x for x in lines if x.startswith("total ") and "浙江省" in x]
    # its service points and gap areas are the counties' summed, not blank
    out = json.loads(none)["totals"]  # the same run as JSON
    assert len(total) == 1 and total[0].split()[-2:] == [
        str(out["sites"]),
        str(out["gap_areas"]),
    ], total
    assert any(x.startswith(f"{NO_CLINIC}000000 嵊泗县: no active service points") for x in lines)
    assert any(x.startswith(f"{EMPTY}000000 萧山区: empty demand") for x in lines)


def test_a_city_is_its_counties(province_url, monkeypatch):
    out = json.loads(_run(monkeypatch, province_url, "--area", "331100000000", "--json"))
    assert [c["code"] for c in out["counties"]] == ["331125000000"]
    assert out["area"]["level"] == "city"


def test_bad_input_fails_the_whole_batch_once(province_url, monkeypatch):
    monkeypatch.setenv("POPGIS_DATABASE_URL", province_url)
    for args, says in [
        (["--kinds", "clinic,spaceport", "--radius", "800"], "spaceport"),
        (["--kinds", "clinic", "--radius", "0"], "radius 0 is not allowed"),
    ]:
        r = CliRunner().invoke(
            main, ["--lang", "en", "coverage", *args, "--area", "330000000000", "--engine", "dask"]
        )
        assert r.exit_code == 2 and says in r.output, r.output
        assert r.output.count("\n") == 1, r.output
    r = CliRunner().invoke(
        main, ["--lang", "en", *ARGS, "--area", "330108000000", "--engine", "dask"]
    )
    assert r.exit_code == 2 and "lies within one county" in r.output, r.output
    r = CliRunner().invoke(main, ["--lang", "en", *ARGS, "--scheduler", "tcp://127.0.0.1:1"])
    assert r.exit_code == 2 and "--engine dask" in r.output, r.output
    # --workers without --engine dask was taken silently (outside tester, s23)
    for engine in ([], ["--engine", "local"]):
        r = CliRunner().invoke(main, ["--lang", "zh", *ARGS, *engine, "--workers", "2"])
        assert r.exit_code == 2 and "--workers 须与 --engine dask 一起使用" in r.output, r.output
    r = CliRunner().invoke(
        main,
        [
            "--lang",
            "zh",
            *ARGS,
            "--area",
            "330000000000",
            "--engine",
            "dask",
            "--scheduler",
            "http://x:1",
        ],
    )
    assert r.exit_code == 2 and "tcp://主机:端口" in r.output, r.output


@pytest.mark.parametrize("engine", ["local", "dask"])
def test_ctrl_c_is_one_line(province_url, engine):
    """Ctrl-C while the counties run (held waiting on a lock here): one line in the
    user's language, exit 130, no traceback of the client or the workers."""
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    from gis import db

    root = Path(__file__).resolve().parents[3]
    env = {**os.environ, "POPGIS_DATABASE_URL": province_url, "POPGIS_LANG": "zh"}
    engine_args = ["--engine", engine] if engine == "dask" else []
    with db.engine(province_url).connect() as locker:
        # the counties' reads of the service points wait until this transaction ends
        locker.execute(sa.text("LOCK TABLE service_points IN ACCESS EXCLUSIVE MODE"))
        proc = subprocess.Popen(
            [sys.executable, "-m", "cli", *ARGS, "--area", "330000000000", *engine_args],
            env=env,
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            waiting = "SELECT count(*) FROM pg_locks WHERE relation = 'service_points'::regclass AND NOT granted"
            deadline = time.monotonic() + 120
            while locker.execute(sa.text(waiting)).scalar() == 0:
                assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
                time.sleep(0.2)
            os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C does: the workers get it too
            _stdout, stderr = proc.communicate(timeout=120)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            locker.rollback()
    assert proc.returncode == 130, stderr
    lines = [x for x in stderr.splitlines() if x.strip() and "覆盖分析" not in x]
    assert lines == ["错误：已中断（Ctrl-C）"], stderr


# runs the command line with a local cluster whose start (or its client's, argv[1])
# sends Ctrl-C to the process group (as a terminal does) first, so the signal always
# comes while the cluster starts
_CTRL_C_IN_CLUSTER_START = """
import os, runpy, signal, sys
import distributed

where = getattr(distributed, sys.argv[1])

class CtrlCWhileStarting(where):
    def __init__(self, *args, **kwargs):
        os.killpg(0, signal.SIGINT)
        super().__init__(*args, **kwargs)

setattr(distributed, sys.argv[1], CtrlCWhileStarting)
sys.argv = ["popgis", *sys.argv[2:]]
runpy.run_module("cli", run_name="__main__", alter_sys=True)
"""


@pytest.mark.parametrize("where", ["LocalCluster", "Client"])
def test_ctrl_c_while_the_local_cluster_starts_ends_the_command(province_url, tmp_path, where):
    """Ctrl-C while the local cluster starts (its workers being started to ignore it) is
    not lost: once the cluster has started the command closes it and ends with exit 130
    and one line, the --out file not written (the tester's runs went on to the end)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    out = tmp_path / "coverage.json"
    env = {**os.environ, "POPGIS_DATABASE_URL": province_url, "POPGIS_LANG": "zh"}
    args = [*ARGS, "--area", "330000000000", "--engine", "dask", "--json", "--out", str(out)]
    proc = subprocess.run(
        [sys.executable, "-c", _CTRL_C_IN_CLUSTER_START, where, *args],
        env=env,
        cwd=root,
        capture_output=True,
        text=True,
        timeout=180,
        start_new_session=True,  # its own process group, which the signal goes to
    )
    assert proc.returncode == 130, proc.stderr
    lines = [x for x in proc.stderr.splitlines() if x.strip() and "覆盖分析" not in x]
    assert lines == ["错误：已中断（Ctrl-C）"], proc.stderr
    assert not out.exists()


@pytest.mark.parametrize(
    "engine, where",
    [
        ("local", "gis.analysis.coverage_batch:coverage_by_county"),
        ("dask", "gis.analysis.coverage_batch:coverage_by_county_on_dask"),
        ("dask", "distributed.client:Future.result"),  # the first county's, in the wait
    ],
)
def test_ctrl_c_lost_in_a_finaliser_still_ends_the_command(province_url, tmp_path, engine, where):
    """A Ctrl-C that comes while a finaliser runs (SQLAlchemy's pool, in the tester's 2
    runs in 45) is not lost: exit 130 and one line, no "Exception ignored", the
    cluster closed and --out not written (the command ran on to the end, exit 0)."""
    from tests.ctrl_c import lost_in_a_finaliser, stderr_lines

    out = tmp_path / "coverage.json"
    args = [*ARGS, "--area", "330000000000", "--engine", engine, "--json", "--out", out]
    env = {"POPGIS_DATABASE_URL": province_url, "POPGIS_LANG": "zh"}
    r = lost_in_a_finaliser(where, args, env)
    assert r.returncode == 130, r.stderr
    assert stderr_lines(r, drop="覆盖分析") == ["错误：已中断（Ctrl-C）"], r.stderr
    assert r.stdout == "" and list(tmp_path.iterdir()) == []


def test_a_failed_task_fails_the_batch(province_url, scheduler):
    """Workers that cannot reach the database: the batch raises the workers' error in
    the client (the command says "the batch failed on Dask (…)")."""
    from distributed import Client
    from sqlalchemy.engine import make_url

    from gis import db
    from gis.analysis import coverage_batch as batch
    from gis.scope import scope_for_area

    bad = make_url(province_url)
    bad = bad.set(database=bad.database + "_nosuch").render_as_string(hide_password=False)
    with db.engine(province_url).connect() as conn:
        where = scope_for_area(conn, "330000000000")
        counties = batch.counties_in(conn, where)
    params = batch.Params(kinds=("clinic",), radius="1500")
    with Client(scheduler) as client, pytest.raises(Exception, match="nosuch"):
        batch.coverage_by_county_on_dask(bad, where, "浙江省", counties, params, client)
