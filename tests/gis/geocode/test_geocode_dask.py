"""Batch geocoding on Dask distributed gives the single process's answers, in order."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import main

ROOT = Path(__file__).resolve().parents[3]

# every kind of row: building, compound, group, village, coordinates (agreeing,
# conflicting, unusable), another county, a prefix of the county, nothing usable
ROWS = [
    ("1", "江滨社区幸福小区1栋1单元101室", "", "", ""),
    ("2", "", "120.0502", "29.3502", "wgs84"),
    ("3", "", "0", "0", ""),
    ("4", "杭州市西湖区北山街道1号", "", "", ""),
    ("5", "新光村3组", "", "", ""),
    ("6", "", "abc", "29.3", ""),
    ("7", "", "120.05", "29.35", "mars"),
    ("8", "义乌市稠城街道江滨社区幸福小区1栋1单元101室", "", "", ""),
    ("9", "浙江省义乌市下车门社区锦绣花园5幢2单元402", "120.0502", "29.3502", ""),
    ("10", "义乌市新光村三组十二号", "120.0202", "29.2502", "wgs84"),
    ("11", "幸福小区2栋301", "", "", ""),
    ("12", "asdf", "", "", ""),
    ("13", "", "", "", ""),
    ("14", "义乌市稠城街道", "", "", ""),
    ("15", "云南省文山壮族苗族自治州富宁县者桑乡那马村4组29号", "", "", ""),
]


def _write(path, rows):
    path.write_text(
        "id,address,lon,lat,crs\n" + "".join(",".join(r) + "\n" for r in rows),
        encoding="utf-8",
    )


def test_dask_engine_gives_the_single_process_rows(geo_env, tmp_path, scheduler):
    rows = ROWS * 3  # repeated addresses, several slices
    _write(tmp_path / "in.csv", [(f"{i}-{r[0]}",) + r[1:] for i, r in enumerate(rows)])
    one, many, remote = tmp_path / "one.csv", tmp_path / "dask.csv", tmp_path / "remote.csv"
    r = CliRunner().invoke(main, ["geocode", str(tmp_path / "in.csv"), "--out", str(one)])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(
        main, ["geocode", str(tmp_path / "in.csv"), "--out", str(many), "--engine", "dask"]
    )
    assert r.exit_code == 0, r.output
    assert many.read_bytes() == one.read_bytes()
    r = CliRunner().invoke(
        main,
        ["geocode", str(tmp_path / "in.csv"), "--out", str(remote), "--engine", "dask"]
        + ["--scheduler", scheduler, "--json"],
    )
    assert r.exit_code == 0, r.output
    assert remote.read_bytes() == one.read_bytes()
    lines = one.read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 1 + len(rows)
    assert [x.split(",")[0] for x in lines[1:]] == [f"{i}-{r[0]}" for i, r in enumerate(rows)]
    assert any(",building,A1," in x for x in lines)  # real answers, not all unmatched


def test_slices_in_input_order(geo_env, scheduler):
    """Rows cut into many small tasks come back in input order, with the single
    process's answers."""
    from gis import db
    from gis.geocode.batch import Geocoder
    from gis.geocode.distributed import geocode_table

    url = geo_env.render_as_string(hide_password=False)
    ids = [r[0] for r in ROWS]
    addresses = [r[1] for r in ROWS]
    lon, lat, crs = ([r[k] for r in ROWS] for k in (2, 3, 4))
    with db.engine(geo_env).connect() as conn:
        want = Geocoder.load(conn).table(conn, ids, addresses, lon, lat, crs)
    got = geocode_table(url, ids, addresses, lon, lat, crs, scheduler=scheduler, task_rows=2)
    assert got["id"].tolist() == ids
    assert got.astype(str).equals(want.astype(str))


def test_a_county_share_defers_what_it_cannot_answer(geo_env):
    """A geocoder holding another county's buildings only (none of the fixture's) hands
    every address of the fixture county to the whole one: same answers."""
    from gis import db
    from gis.geocode.batch import Geocoder
    from gis.geocode.match import Matcher, OutOfScope

    addresses = [r[1] for r in ROWS]
    with db.engine(geo_env).connect() as conn:
        whole = Geocoder.load(conn)
        share = Geocoder.load(conn, "330783", gaz=whole.gaz, whole=lambda: whole)
        assert len(share.bidx) == 0 and len(whole.bidx) > 0
        with pytest.raises(OutOfScope):
            Matcher(whole.gaz, share.bidx, scope="330783").geocode("新光村3组")
        with pytest.raises(ValueError):
            Geocoder.load(conn, "330783")
        assert share.addresses(addresses).astype(str).equals(whole.addresses(addresses).astype(str))


def test_dask_options_are_checked(geo_env, tmp_path):
    _write(tmp_path / "in.csv", ROWS[:1])
    r = CliRunner().invoke(main, ["geocode", "--households", "--engine", "dask"])
    assert r.exit_code == 2 and "--households" in r.output
    r = CliRunner().invoke(
        main,
        ["geocode", str(tmp_path / "in.csv"), "--out", str(tmp_path / "o.csv")]
        + ["--scheduler", "tcp://127.0.0.1:1"],
    )
    assert r.exit_code == 2 and "--engine dask" in r.output
    # --workers without --engine dask was taken silently (outside tester, s23)
    for engine in ([], ["--engine", "local"]):
        r = CliRunner().invoke(
            main,
            ["--lang", "en", "geocode", str(tmp_path / "in.csv"), "--out", str(tmp_path / "o.csv")]
            + [*engine, "--workers", "2"],
        )
        assert r.exit_code == 2 and "--workers goes with --engine dask" in r.output, r.output
        assert not (tmp_path / "o.csv").exists()


@pytest.mark.parametrize("address", ["not a url", "http://127.0.0.1:8000", "tcp://host"])
def test_a_malformed_scheduler_address_is_one_line(geo_env, tmp_path, address):
    """Not a scheduler's address: one line saying the expected form, exit 2, in the
    user's language (Dask itself raised ValueError with a traceback)."""
    _write(tmp_path / "in.csv", ROWS[:1])
    args = ["geocode", str(tmp_path / "in.csv"), "--out", str(tmp_path / "o.csv")]
    args += ["--engine", "dask", "--scheduler", address]
    r = CliRunner().invoke(main, ["--lang", "zh"] + args)
    assert r.exit_code == 2, r.output
    assert r.output.strip().count("\n") == 0 and "Traceback" not in r.output
    assert "tcp://主机:端口" in r.output and repr(address) in r.output
    r = CliRunner().invoke(main, ["--lang", "en"] + args)
    assert r.exit_code == 2 and "expected tcp://HOST:PORT" in r.output
    assert not (tmp_path / "o.csv").exists()


def test_an_unreachable_scheduler_is_said_within_seconds(geo_env, tmp_path):
    import time

    from gis.geocode.distributed import CONNECT_SECONDS

    _write(tmp_path / "in.csv", ROWS[:1])
    t0 = time.monotonic()
    r = CliRunner().invoke(
        main,
        ["--lang", "zh", "geocode", str(tmp_path / "in.csv"), "--out", str(tmp_path / "o.csv")]
        + ["--engine", "dask", "--scheduler", "tcp://127.0.0.1:1"],
    )
    took = time.monotonic() - t0
    assert r.exit_code == 2, r.output
    assert took < CONNECT_SECONDS + 10, took  # Dask's own wait was 30 s
    assert f"在 {CONNECT_SECONDS} 秒内无法连接 Dask 调度器 tcp://127.0.0.1:1" in r.output
    assert r.output.strip().count("\n") == 0, r.output


def test_the_summary_names_levels_in_the_users_language(geo_env, tmp_path):
    _write(tmp_path / "in.csv", ROWS)
    args = ["geocode", str(tmp_path / "in.csv"), "--out", str(tmp_path / "o.csv")]
    r = CliRunner().invoke(main, ["--lang", "zh"] + args)
    assert r.exit_code == 0, r.output
    assert "楼栋 " in r.output and "未匹配 " in r.output, r.output
    assert "building" not in r.output and "unmatched" not in r.output
    r = CliRunner().invoke(main, ["--lang", "en"] + args)
    assert "building " in r.output and "楼栋" not in r.output, r.output


# ------------------------------------------------------------------ several counties
# three small counties of three cities (杭州 滨江区, 舟山 嵊泗县, 丽水 云和县)
COUNTIES = ["330108", "330922", "331125"]


@pytest.fixture(scope="module")
def province_env(db_url, tmp_path_factory):
    """A database with three synthetic counties (the province demo at a small scale),
    and an input file of their households' addresses, shuffled across counties, with
    rows that name no county, another county of China, or nothing."""
    import csv
    import random

    from gis import db
    from loaders import demo_province
    from loaders.demo.province import generate_province

    out = tmp_path_factory.mktemp("province")
    generate_province(out, "330000", scale=0.003, seed=2, counties=COUNTIES)
    url = db_url.set(database=db_url.database + "_geodask")
    db.ensure_database(url, drop_first=True)
    db.migrate(url)
    engine = db.engine(url)
    demo_province.load(out, engine=engine, echo=lambda *_: None)
    engine.dispose()
    rows, seen = [], set()
    for c in COUNTIES:
        with (out / c / "households.csv").open(encoding="utf-8") as f:
            for r in csv.DictReader(f):
                if r["household_no"] in seen:
                    continue  # a member's row
                seen.add(r["household_no"])
                rows.append([r["household_no"], r["address"], r["lon"], r["lat"], ""])
                if len(seen) % 7 == 0:  # the address without its county and township
                    rows.append([r["household_no"] + "-v", r["address"][6:], "", "", ""])
    rows += [[f"x{k}", *r[1:]] for k, r in enumerate(ROWS)]  # other places, nothing
    random.Random(5).shuffle(rows)
    src = out / "in.csv"
    with src.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "address", "lon", "lat", "crs"])
        w.writerows(rows)
    return url, src, len(rows)


def test_several_counties_same_bytes(province_env, tmp_path, monkeypatch, scheduler):
    url, src, n = province_env
    monkeypatch.setenv("POPGIS_DATABASE_URL", url.render_as_string(hide_password=False))
    outs = {}
    for name, extra in [
        ("local", []),
        ("dask", ["--engine", "dask"]),
        ("remote", ["--engine", "dask", "--scheduler", scheduler]),
    ]:
        outs[name] = tmp_path / f"{name}.csv"
        r = CliRunner().invoke(
            main, ["geocode", str(src), "--out", str(outs[name]), "--json"] + extra
        )
        assert r.exit_code == 0, r.output
    one = outs["local"].read_bytes()
    assert outs["dask"].read_bytes() == one and outs["remote"].read_bytes() == one
    lines = one.decode("utf-8-sig").splitlines()
    assert len(lines) == n + 1
    counties = {x.split(",")[5][:6] for x in lines[1:] if ",building," in x}
    assert counties == set(COUNTIES)  # real answers in every county


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_blocks_of_a_tricky_file_same_bytes(
    province_env, tmp_path, monkeypatch, scheduler, encoding
):
    """The file sent to the workers in small blocks of bytes (cut at record ends, read by
    each worker): quoted line breaks and delimiters, doubled quotes, blank rows, CRLF,
    GB18030, semicolons; the single process's bytes, on a local cluster and by address."""
    import csv
    import io

    import gis.geocode.distributed as distributed

    url, src, n = province_env
    monkeypatch.setenv("POPGIS_DATABASE_URL", url.render_as_string(hide_password=False))
    monkeypatch.setattr(distributed, "BLOCK_BYTES", 3_000)
    rows = list(csv.reader(src.open(encoding="utf-8")))
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    w.writerow(rows[0])
    for k, r in enumerate(rows[1:]):
        if k % 5 == 0:
            r[1] = r[1][:4] + "\n" + r[1][4:]  # a line break inside the address
        if k % 7 == 0:
            r[1] = r[1] + '"东"'  # quotes, doubled by the writer
        if k % 11 == 0:
            buf.write("\r\n;;;;\r\n")  # a blank row and a row of bare delimiters
        w.writerow(r)
    tricky = tmp_path / "tricky.csv"
    tricky.write_bytes(buf.getvalue().encode(encoding))
    outs = {}
    for name, extra in [
        ("local", []),
        ("dask", ["--engine", "dask"]),
        ("remote", ["--engine", "dask", "--scheduler", scheduler]),
    ]:
        outs[name] = tmp_path / f"{name}.csv"
        r = CliRunner().invoke(main, ["geocode", str(tricky), "--out", str(outs[name])] + extra)
        assert r.exit_code == 0, r.output
    one = outs["local"].read_bytes()
    assert outs["dask"].read_bytes() == one and outs["remote"].read_bytes() == one
    assert len(one.decode("utf-8-sig").split("\r\n")) > n  # some cells hold line breaks
    assert one.count(b",building,") > n // 2


def test_an_unreadable_row_in_a_block_is_said_as_the_single_process_says_it(
    province_env, tmp_path, monkeypatch
):
    """A row with more cells than the header, far into the file (read by a worker): the
    run fails with the single process's message (the row), exit 2, nothing written."""
    import gis.geocode.distributed as distributed

    url, src, _n = province_env
    monkeypatch.setenv("POPGIS_DATABASE_URL", url.render_as_string(hide_password=False))
    monkeypatch.setattr(distributed, "BLOCK_BYTES", 3_000)
    lines = src.read_text(encoding="utf-8").splitlines()
    lines.insert(len(lines) - 20, "x1,新光村3组,120,29,wgs84,extra")
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    msgs = {}
    for engine in ("local", "dask"):
        out = tmp_path / f"{engine}.csv"
        r = CliRunner().invoke(main, ["geocode", str(bad), "--out", str(out), "--engine", engine])
        assert r.exit_code == 2, r.output
        assert not out.exists()
        msgs[engine] = r.output.strip().splitlines()[-1]
    assert msgs["dask"] == msgs["local"]
    assert "has 6 fields but the header has 5" in msgs["dask"], msgs
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv"]


def test_a_worker_killed_mid_run(province_env, scheduler):
    """A worker killed while tasks are running: its tasks go to another worker, and the
    lines are the single process's."""
    import os
    import signal

    from gis import db
    from gis.geocode.batch import Geocoder
    from gis.geocode.csvout import format_lines
    from gis.geocode.distributed import DaskGeocoder
    from loaders.files import read_table

    url, src, _n = province_env
    table = next(iter(read_table(src)))
    cols = [table[c].to_numpy() for c in ("id", "address", "lon", "lat", "crs")]
    with db.engine(url).connect() as conn:
        g = Geocoder.load(conn)
        want, _c, _i = format_lines(g.table(conn, *cols))
    killed = []
    with DaskGeocoder(url.render_as_string(hide_password=False), scheduler) as d:
        pids = d.client.run(os.getpid)

        def kill_one(done, total):
            # after the first result: the other tasks are queued, running, or done
            # with their results still held by the worker (lost with it)
            if not killed:
                victim = next(iter(pids.values()))
                os.kill(victim, signal.SIGKILL)
                killed.append(victim)

        got = b"".join(d.text([cols], task_rows=7, progress=kill_one))
        assert set(d.client.run(os.getpid).values()) != set(pids.values())  # restarted
    assert killed and got == "".join(want).encode()


def test_a_worker_killed_mid_run_of_blocks(province_env, scheduler):
    """The same with the file sent in blocks of bytes: the nanny restarts the worker,
    its blocks are geocoded again, and the bytes are the single process's."""
    from gis.geocode.distributed import DaskGeocoder

    url, src, _n = province_env
    want = _local_bytes(src, url)
    blocks = _blocks(src)
    killed = []
    with DaskGeocoder(url.render_as_string(hide_password=False), scheduler) as d:
        pids = d.client.run(os.getpid)

        def kill_one(done, total):
            if not killed:
                victim = next(iter(pids.values()))
                os.kill(victim, signal.SIGKILL)
                killed.append(victim)

        got = b"".join(d.blocks(blocks, block_bytes=2_000, progress=kill_one))
        assert set(d.client.run(os.getpid).values()) != set(pids.values())  # restarted
    assert killed and got == want


def _blocks(src):
    from gis.geocode.distributed import csv_blocks
    from loaders.files import read_table

    reader = read_table(src)
    cols = ("id", "address", "lon", "lat", "crs")
    return csv_blocks(
        src, reader.header_row, reader.header, reader.delimiter, reader.encoding, cols
    )


def _local_bytes(src, url):
    """The single process's lines of ``src`` as bytes."""
    from gis import db
    from gis.geocode.batch import Geocoder
    from gis.geocode.csvout import format_lines
    from loaders.files import read_table

    out = []
    with db.engine(url).connect() as conn:
        g = Geocoder.load(conn)
        for t in read_table(src):
            cols = [t[c].to_numpy() for c in ("id", "address", "lon", "lat", "crs")]
            out += format_lines(g.table(conn, *cols))[0]
    return "".join(out).encode()


def test_a_failed_batch_writes_no_file(province_env, scheduler, tmp_path):
    """Workers that cannot reach the database: the batch fails in the client, with the
    workers' error, and neither a partial output file nor a temporary one is left (an
    older file of that name stays as it was)."""
    from gis.geocode.csvout import write_file
    from gis.geocode.distributed import DaskGeocoder
    from loaders.files import read_table

    url, src, _n = province_env
    table = next(iter(read_table(src)))
    cols = tuple(table[c].to_numpy() for c in ("id", "address", "lon", "lat", "crs"))
    out = tmp_path / "out.csv"
    out.write_text("older\n", encoding="utf-8")
    bad = url.set(database=url.database + "_nosuch").render_as_string(hide_password=False)
    with DaskGeocoder(bad, scheduler) as d, pytest.raises(Exception, match="nosuch"):
        write_file(out, d.text([cols], task_rows=50))
    with DaskGeocoder(bad, scheduler) as d, pytest.raises(Exception, match="nosuch"):
        write_file(out, d.blocks(_blocks(src), block_bytes=2_000))
    assert out.read_text(encoding="utf-8") == "older\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


# ------------------------------------------------------------------ interrupted runs
def _big_input(path, n):
    """``n`` rows of distinct addresses (no cache makes them instant)."""
    _write(
        path,
        [(str(i), f"江滨社区幸福小区{i % 97}栋{i % 7}单元{i}室", "", "", "") for i in range(n)],
    )


def _interrupt(args, env, out, sig=signal.SIGINT):
    """Run ``popgis ARGS`` in a session of its own (as a terminal runs it); once it is
    writing OUT's part file, send ``sig`` to the whole process group (what Ctrl-C does:
    the Dask workers get it too). Its return code and standard error."""
    from gis.geocode.csvout import part_path

    proc = subprocess.Popen(
        [sys.executable, "-m", "cli", *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while proc.poll() is None and not part_path(out).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, proc.communicate()
    time.sleep(0.5)
    os.killpg(proc.pid, sig)
    stdout, stderr = proc.communicate(timeout=120)
    return proc.returncode, stdout, stderr


@pytest.mark.parametrize("engine", ["local", "dask"])
def test_ctrl_c_is_one_line_in_the_users_language(geo_env, tmp_path, engine):
    """Ctrl-C: one line in the user's language (no traceback of the client or the
    workers, no English "Aborted!"), exit 130, neither OUT nor its part file."""
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    _big_input(src, 60_000)
    env = {**os.environ, "POPGIS_LANG": "zh"}
    code, stdout, stderr = _interrupt(
        ["geocode", str(src), "--out", str(out), "--engine", engine], env, out
    )
    assert code == 130, stderr
    lines = [x for x in stderr.splitlines() if x.strip() and "地理编码" not in x]
    assert len(lines) == 1 and "已中断" in lines[0], stderr
    assert "Traceback" not in stderr and "Aborted" not in stderr, stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_a_killed_runs_part_file_is_removed_by_the_next(geo_env, tmp_path):
    """kill -9 leaves the hidden part file beside OUT (nothing can remove it then); the
    next run to the same OUT removes it, even one that fails."""
    from gis.geocode.csvout import part_path

    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    _big_input(src, 60_000)
    code, _o, _e = _interrupt(
        ["geocode", str(src), "--out", str(out), "--engine", "dask"],
        dict(os.environ),
        out,
        signal.SIGKILL,
    )
    assert code == -signal.SIGKILL and part_path(out).exists()
    time.sleep(1)  # the orphaned workers see their nanny gone and stop
    # a run that fails (no such input) still removes the stale part file
    r = CliRunner().invoke(main, ["geocode", str(tmp_path / "nosuch.csv"), "--out", str(out)])
    assert r.exit_code == 2, r.output
    assert not part_path(out).exists() and not out.exists()
    _write(src, ROWS)
    part_path(out).write_text("stale", encoding="utf-8")
    r = CliRunner().invoke(main, ["geocode", str(src), "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "out.csv"]
