"""The outside tester's findings (s24) on export file names: a grid's table was named
"江滨社区 Grid 2-population statistics" in English (the grid's name half translated,
its village not), an atlas gave its paper as two parts ("A4-横向") where a map gives
one ("A4横向"). One rule now (gis.exports.file_names): the area's official name in
every language, the kind in the user's, the paper one part. Each failed before."""

from __future__ import annotations

from urllib.parse import unquote

import pytest
import sqlalchemy as sa

from tests.conftest import login

AREAS = {  # code → official name, as loaded
    "330782000000": "义乌市",
    "330782001000": "稠城街道",
    "330782001001": "江滨社区居委会",
    "330782001001002": "江滨社区第二网格",
}
KINDS = {
    "en": {
        "table": "Population statistics",
        "layers": "GIS layers",
        "map": "Contraceptive distribution coverage map (by {units})",
        "atlas": "Migrant population heat map atlas",
        "paper": "A4 portrait",
        "atlas paper": "A4 landscape",
    },
    "zh": {
        "table": "人口统计表",
        "layers": "图层",
        "map": "药具发放覆盖率分布图（按{units}）",
        "atlas": "流动人口分布热力图图集",
        "paper": "A4纵向",
        "atlas paper": "A4横向",
    },
}
UNITS = {"en": {"village": "village", "grid": "grid"}, "zh": {"village": "村", "grid": "网格"}}


def _names(r) -> tuple[str, str]:
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    disposition = r.headers["Content-Disposition"]
    ascii_name = disposition.split('filename="')[1].split('"')[0]
    return ascii_name, unquote(disposition.split("filename*=UTF-8''")[1])


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("code", list(AREAS))
def test_every_export_is_named_by_one_rule(client, conn, lang, code):
    today = conn.execute(sa.text("SELECT to_char(current_date, 'YYYYMMDD')")).scalar()
    login(client, "county_u")
    words, area = KINDS[lang], AREAS[code]
    headers = {"Accept-Language": lang}
    # coloured by village where the area has villages, by grid in a village or a grid
    units = UNITS[lang]["village" if len(code) == 12 and code.endswith("000") else "grid"]
    unit_code = "village" if len(code) == 12 and code.endswith("000") else "grid"
    expected = {
        f"/exports/table.csv?area={code}": (
            f"popgis-table-{code}-{today}.csv",
            f"{area}-{words['table']}-{today}.csv",
        ),
        f"/exports/layers.gpkg?area={code}": (
            f"popgis-layers-{code}-{today}.gpkg",
            f"{area}-{words['layers']}-{today}.gpkg",
        ),
        f"/exports/map.png?layer=coverage&area={code}": (
            f"popgis-map-coverage-{unit_code}-{code}-A4-portrait-{today}.png",
            f"{area}-{words['map'].format(units=units)}-{words['paper']}-{today}.png",
        ),
    }
    if len(code) == 12:  # a grid has no village to make atlas pages of
        expected[f"/exports/atlas.pdf?area={code}"] = (
            f"popgis-atlas-migrants-village-{code}-A4-landscape-{today}.pdf",
            f"{area}-{words['atlas']}-{words['atlas paper']}-{today}.pdf",
        )
    for url, names in expected.items():
        assert _names(client.get(url, headers=headers)) == names, url


def test_an_atlas_of_no_pages_names_the_level_in_the_users_language(client):
    """The refusal said "没有可制作图页的 village" in Chinese."""
    login(client, "county_u")
    grid = "330782001001002"
    for lang, said in (
        ("zh", f"地区 {grid} 没有可制作图页的村/社区："),
        ("en", f"area {grid} has no village to make pages of: "),
    ):
        r = client.get(f"/exports/atlas.pdf?area={grid}", headers={"Accept-Language": lang})
        # (what to ask for instead follows: test_findings_web19)
        assert r.status_code == 400 and r.json["error"]["message"].startswith(said), r.json
