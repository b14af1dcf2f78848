"""Download endpoints behind the map's export buttons (map of the current view, atlas,
table, layers) and the `popgis export …` / `popgis users token` commands; all logged."""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import quote

import numpy as np
import pyogrio
import sqlalchemy as sa
from click.testing import CliRunner
from PIL import Image

from cli.main import main
from gis import users_tokens
from tests.conftest import login


def test_exports_need_login(client):
    r = client.get("/exports/table.csv")
    assert r.status_code == 401 and r.json["error"]["code"] == "unauthorized"


def test_map_of_the_current_view(client, conn):
    login(client, "town_u")
    r = client.get("/exports/map.png?layer=service-points&bbox=120.0,29.2,120.1,29.4&landscape=1")
    assert r.status_code == 200 and r.mimetype == "image/png"
    assert "attachment" in r.headers["Content-Disposition"]
    img = Image.open(io.BytesIO(r.data))
    assert abs(img.size[0] - 3508) <= 1 and abs(img.size[1] - 2480) <= 1
    px = np.asarray(img.convert("RGB")).astype(int)
    assert (px.sum(axis=2) < 300).mean() > 0.001
    row = conn.execute(
        sa.text(
            "SELECT target_kind, target_id, detail FROM access_log WHERE action = 'export' "
            "AND user_name = 'town_u' ORDER BY id DESC LIMIT 1"
        )
    ).one()
    assert row.target_kind == "map:service-points" and row.target_id == "330782001000"
    assert row.detail["bbox"] == [120.0, 29.2, 120.1, 29.4]


def test_bad_requests_are_clear(client):
    login(client, "village_a")
    r = client.get("/exports/map.png?layer=people")
    assert r.status_code == 400 and "unknown map layer" in r.json["error"]["message"]
    assert client.get("/exports/map.gif").status_code == 400
    # another village is exactly like a missing one
    assert client.get("/exports/table.csv?area=330782001002").status_code == 404
    assert client.get("/exports/table.csv?area=330782999999").status_code == 404
    assert client.get("/exports/map.png?bbox=1,2,x,4").status_code == 400


def test_table_and_layers_with_a_token(client, conn):
    token = users_tokens.create_token(conn, "planner_u")
    auth = {"Authorization": f"Bearer {token}"}
    r = client.get("/exports/table.csv?area=330782001000", headers=auth)
    assert r.status_code == 200 and r.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig"))))
    assert rows[1][1] == "330782001000" and len(rows) == 4
    r = client.get("/exports/layers.geojson?layer=service_points", headers=auth)
    assert len(json.loads(r.data)["features"]) == 4
    r = client.get("/exports/layers.gpkg", headers=auth)
    assert r.status_code == 200 and r.data[:16] == b"SQLite format 3\x00"
    kinds = [
        k
        for (k,) in conn.execute(
            sa.text(
                "SELECT target_kind FROM access_log WHERE action = 'export' AND "
                "user_name = 'planner_u' ORDER BY id"
            )
        )
    ]
    assert kinds == ["table", "layer", "layer"]


def test_atlas_for_a_village_user(client):
    login(client, "village_a")
    r = client.get("/exports/atlas.pdf?layer=density")
    assert r.status_code == 200 and r.data.startswith(b"%PDF")


def test_an_atlas_too_long_to_wait_for_is_refused_with_what_to_do(client, monkeypatch):
    """A page takes about a second: the web asks for a smaller atlas instead of letting
    the request run into the worker's timeout (a county of 545 villages)."""
    from webmap import exports

    monkeypatch.setattr(exports, "WEB_ATLAS_MAX_PAGES", 2)
    monkeypatch.setenv("POPGIS_LANG", "en")
    login(client, "planner_u")
    r = client.get("/exports/atlas.pdf?layer=density&area=330782001000")
    assert r.status_code == 400
    message = r.get_json()["error"]["message"]
    assert "3 pages" in message and "popgis export atlas" in message
    monkeypatch.setenv("POPGIS_LANG", "zh")
    r = client.get("/exports/atlas.pdf?layer=density&area=330782001000")
    assert "图集共 3 页" in r.get_json()["error"]["message"]


def _last_export(conn, user):
    return conn.execute(
        sa.text(
            "SELECT target_kind, target_id, detail FROM access_log WHERE action = 'export' "
            "AND user_name = :u ORDER BY id DESC LIMIT 1"
        ),
        {"u": user},
    ).one()


def test_a_drilled_view_is_named_after_the_area_it_frames(client, conn, monkeypatch):
    """After drilling from the county into village A (the view fits the village, with
    its neighbours at the edges) the file and the log name village A, not the county;
    the file name holds layer, units, area, paper, orientation and date, in ASCII and
    (filename*) in Chinese."""
    monkeypatch.setenv("POPGIS_LANG", "zh")  # the Chinese default
    login(client, "county_u")
    r = client.get(
        "/exports/map.png?layer=density&per=grid&size=A4&landscape=1&bbox=119.99,29.19,120.11,29.31"
    )
    assert r.status_code == 200, r.data[:300]
    today = conn.execute(sa.text("SELECT to_char(current_date, 'YYYYMMDD')")).scalar()
    disposition = r.headers["Content-Disposition"]
    assert (
        f'filename="popgis-map-density-grid-330782001001-A4-landscape-{today}.png"' in disposition
    )
    local = f"江滨社区居委会-人口密度分布图（按网格）-A4横向-{today}.png"
    assert f"filename*=UTF-8''{quote(local)}" in disposition
    disposition.encode("latin-1")  # a header value the HTTP/1.1 grammar allows
    assert _last_export(conn, "county_u").target_id == "330782001001"


def test_every_paper_and_orientation_has_its_own_file_name(client, monkeypatch):
    monkeypatch.setenv("POPGIS_LANG", "zh")  # the Chinese default
    login(client, "village_a")
    names = set()
    for size in ("A4", "A3"):
        for landscape in ("", "1"):
            r = client.get(
                f"/exports/map.pdf?layer=service-points&size={size}&landscape={landscape}"
            )
            assert r.status_code == 200
            names.add(r.headers["Content-Disposition"])
    assert len(names) == 4
    assert any("-A3-portrait-" in n and "A3%E7%BA%B5%E5%90%91" in n for n in names)  # A3纵向


def test_a_view_outside_the_area_is_refused_and_a_partial_one_clipped(client, conn):
    login(client, "village_a")  # village A: 120.0–120.1, 29.2–29.3
    # village B (a neighbour the user may not see) and a place far away: 422, said why
    for bbox in ("120.01,29.31,120.09,29.39", "121.0,30.0,121.1,30.1"):
        r = client.get(f"/exports/map.png?layer=migrants&bbox={bbox}")
        assert r.status_code == 422, bbox
        error = r.get_json()["error"]
        assert error["code"] == "outside_area"
        assert "shows nothing of 江滨社区居委会" in error["message"]
    r = client.get(
        "/exports/map.png?layer=migrants&bbox=121.0,30.0,121.1,30.1",
        headers={"Accept-Language": "zh-CN,zh;q=0.9"},
    )
    assert r.status_code == 422 and "不在江滨社区居委会范围内" in r.get_json()["error"]["message"]
    # half inside: drawn, cut to the village
    r = client.get("/exports/map.png?layer=service-points&bbox=119.95,29.15,120.05,29.25")
    assert r.status_code == 200 and r.mimetype == "image/png"


def test_csv_and_other_downloads_name_their_charset_once(client):
    login(client, "county_u")
    r = client.get("/exports/table.csv")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/csv; charset=utf-8"
    for url in ("/exports/table.xlsx", "/exports/layers.geojson?layer=service_points"):
        r = client.get(url)
        assert r.status_code == 200, url
        assert r.headers["Content-Type"].count("charset") <= 1, url


# ------------------------------------------------------------------ command line
def test_cli_exports_and_token(db_url, engine, tmp_path):
    runner = CliRunner()
    out = tmp_path / "t.csv"
    r = runner.invoke(main, ["export", "table", "--area", "330782001000", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    png = tmp_path / "m.png"
    r = runner.invoke(
        main,
        [
            "export",
            "map",
            "--layer",
            "density",
            "--area",
            "330782001000",
            "--format",
            "png",
            "--size",
            "A3",
            "--out",
            str(png),
        ],
    )
    assert r.exit_code == 0, r.output
    w, h = Image.open(png).size
    assert abs(w - 3508) <= 1 and abs(h - 4961) <= 1  # A3 portrait, 300 dpi
    gpkg = tmp_path / "l.gpkg"
    r = runner.invoke(main, ["export", "layer", "--out", str(gpkg), "--user", "village_a"])
    assert r.exit_code == 0, r.output
    assert [n for n, _ in pyogrio.list_layers(gpkg)][0] == "village_stats"
    assert len(pyogrio.read_dataframe(gpkg, layer="boundaries")) == 3  # A and 2 grids
    pdf = tmp_path / "a.pdf"
    r = runner.invoke(
        main,
        [
            "export",
            "atlas",
            "--area",
            "330782001000",
            "--layer",
            "service-points",
            "--out",
            str(pdf),
        ],
    )
    assert r.exit_code == 0, r.output
    assert pdf.read_bytes().startswith(b"%PDF")
    r = runner.invoke(
        main, ["export", "map", "--layer", "migrants", "--out", str(tmp_path / "x.tiff")]
    )
    assert r.exit_code == 2 and "--format png|pdf" in r.output
    r = runner.invoke(main, ["export", "table", "--user", "nobody", "--out", str(out)])
    assert r.exit_code == 2 and "no active user" in r.output
    with engine.connect() as c:
        logged = c.execute(
            sa.text(
                "SELECT user_name, target_kind FROM access_log WHERE action = 'export' AND "
                "(user_name LIKE 'cli:%' OR user_name = 'village_a') ORDER BY id"
            )
        ).fetchall()
    assert [k for _, k in logged][-4:] == ["table", "map:density", "layer", "atlas:service-points"]
    assert logged[-2][0] == "village_a" and logged[-1][0].startswith("cli:")
    # the API token: printed once, only its hash stored, usable, revocable
    r = runner.invoke(main, ["users", "token", "auditor_nobody"])
    assert r.exit_code == 2
    r = runner.invoke(main, ["users", "token", "village_b"])
    assert r.exit_code == 0, r.output
    token = r.stdout.strip().splitlines()[0]
    with engine.begin() as c:
        assert users_tokens.verify_token(c, token).user == "village_b"
    r = runner.invoke(main, ["users", "token", "village_b", "--revoke"])
    assert r.exit_code == 0
    with engine.begin() as c:
        assert users_tokens.verify_token(c, token) is None


def test_atlas_table_and_layer_files_are_named_with_area_and_date(client, conn, monkeypatch):
    monkeypatch.setenv("POPGIS_LANG", "zh")  # the Chinese default
    today = conn.execute(sa.text("SELECT to_char(current_date, 'YYYYMMDD')")).scalar()
    login(client, "village_a")
    r = client.get("/exports/atlas.pdf?layer=density&size=a3")
    assert r.status_code == 200
    disposition = r.headers["Content-Disposition"]
    assert (
        f'filename="popgis-atlas-density-village-330782001001-A3-landscape-{today}.pdf"'
        in disposition
    )
    # the paper one part, as in a map's name (outside tester, s24)
    assert quote(f"江滨社区居委会-人口密度分布图图集-A3横向-{today}.pdf") in disposition
    r = client.get("/exports/table.csv")
    assert f'filename="popgis-table-330782001001-{today}.csv"' in r.headers["Content-Disposition"]
    assert quote(f"江滨社区居委会-人口统计表-{today}.csv") in r.headers["Content-Disposition"]
    r = client.get("/exports/layers.geojson?layer=service_points")
    assert (
        f'filename="popgis-layers-service_points-330782001001-{today}.geojson"'
        in r.headers["Content-Disposition"]
    )


def test_exports_follow_the_users_language(client, monkeypatch):
    """The web map's language (its cookie, else Accept-Language) is the export's: table
    headers, row types and file names (outside tester, issue 15 finding 14)."""
    monkeypatch.setenv("POPGIS_LANG", "zh")
    login(client, "village_a")
    r = client.get("/exports/table.csv")
    assert r.data.decode("utf-8-sig").startswith("行类型,区划代码,乡镇（街道）")
    assert quote("-人口统计表-") in r.headers["Content-Disposition"]
    client.set_cookie("popgis_lang", "en")
    r = client.get("/exports/table.csv")
    text = r.data.decode("utf-8-sig")
    assert text.startswith("Row type,Area code,Township (subdistrict)") and "\r\nTotal," in text
    assert quote("-Population statistics-") in r.headers["Content-Disposition"]
    r = client.get("/exports/map.png?layer=density&per=village")
    # a village's map colours its grids: titled and named by the units drawn (web17b)
    assert (
        quote("-Population density map (by grid)-A4 portrait-")
        in (r.headers["Content-Disposition"])
    )
    client.delete_cookie("popgis_lang")
    r = client.get("/exports/table.csv", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert r.data.decode("utf-8-sig").startswith("Row type,")


def test_cli_exports_follow_lang(db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("POPGIS_LANG", "zh")
    out = tmp_path / "t.csv"
    args = ["export", "table", "--area", "330782001000", "--out", str(out)]
    r = CliRunner().invoke(main, ["--lang", "en", *args])
    assert r.exit_code == 0, r.output
    assert out.read_bytes().decode("utf-8-sig").startswith("Row type,Area code")
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 0, r.output
    assert out.read_bytes().decode("utf-8-sig").startswith("行类型,区划代码")
