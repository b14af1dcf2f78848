"""Batch geocoding on Dask distributed gives the single process's answers, in order."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from cli.main import main

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


@pytest.fixture(scope="module")
def scheduler():
    """One local Dask cluster (2 worker processes) for the module's runs by address."""
    from distributed import LocalCluster

    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    )
    yield cluster.scheduler_address
    cluster.close()


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


def test_tasks_per_county_and_slices(geo_env, scheduler):
    """Rows are grouped by the county their address names, big groups sliced; the
    result is in input order whatever the slicing."""
    from gis import db
    from gis.geocode.batch import Geocoder
    from gis.geocode.distributed import county_groups, geocode_table

    url = geo_env.render_as_string(hide_password=False)
    ids = [r[0] for r in ROWS]
    addresses = [r[1] for r in ROWS]
    lon, lat, crs = ([r[k] for r in ROWS] for k in (2, 3, 4))
    with db.engine(geo_env).connect() as conn:
        single = Geocoder.load(conn)
        want = single.table(conn, ids, addresses, lon, lat, crs)
        groups = county_groups(addresses, single.gaz, task_rows=3)
        got = geocode_table(
            url, single.gaz, ids, addresses, lon, lat, crs, scheduler=scheduler, task_rows=3
        )
    counties = {c for c, _ in groups}
    assert counties == {"330782", None}  # 杭州, 云南, 'asdf' and blanks: the whole index
    assert max(len(rows) for _, rows in groups) == 3
    assert sorted(i for _, rows in groups for i in rows) == list(range(len(ROWS)))
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
