"""The building index: every building of the database's counties keyed the ways an
address names it, per village.

Per village: compound name → building number → buildings; compound base name (without
小区/花园/… so that 幸福小区 and 幸福花园 meet) → compounds; group → house number →
buildings (rural houses, 3组12号); house number → buildings; building number → buildings.
County-wide: compound name (and base name) → villages, for addresses without a village.

Keys come from the building's ``compound`` and ``building_no`` columns and from its
``address`` parsed with the same parser as household addresses, so both sides are read
alike. Each building has a point on its surface (WGS-84 lon/lat); compounds and groups get
the point of their building nearest to their mean.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import sqlalchemy as sa
from rapidfuzz import fuzz, process

from gis import settings
from gis.geocode.gazetteer import AdminGazetteer, fuzzy_pinyin
from gis.geocode.normalise import normalise
from gis.geocode.parse import parse

__all__ = ["BuildingIndex", "VillageKeys", "compound_base"]

_SUFFIX = re.compile(
    r"(?:小区|花园|家园|公寓|华庭|名邸|新村|雅苑|嘉园|公馆|新苑|名苑|山庄|广场|"
    r"大厦|花苑|庭院|苑|府|里|园|城|居|庭|湾)$"
)
_DIGITS = re.compile(r"\d+")


# Bump when the index layout or the way keys are read changes (invalidates disk caches).
_CACHE_VERSION = 1
_GROUP_HOUSE = re.compile(r"(\d+)组(?:(\d+)号)?$")


def _address_keys(address, has_compound: bool, gaz: AdminGazetteer) -> dict:
    """group / house_no (and compound, building when the columns lack them) of a
    building's address. The common rural form '…3组12号' is read with one regex; other
    forms go through the full parser."""
    if not address:
        return {}
    n = normalise(address)
    m = _GROUP_HOUSE.search(n)
    if m:
        return {"group": m.group(1), "house_no": m.group(2)}
    if has_compound:
        return {}
    return parse(n, gaz, normalised=True).comps


def compound_base(name: str) -> str:
    """幸福小区 → 幸福: the part of a compound name that survives a changed suffix."""
    base = _SUFFIX.sub("", name)
    return base if len(base) >= 2 else name


@dataclass(slots=True)
class VillageKeys:
    """The buildings of one village, by the keys an address can give."""

    compounds: dict = field(default_factory=dict)  # name → {building_no: [i]}
    bases: dict = field(default_factory=dict)  # base name → [name]
    groups: dict = field(default_factory=dict)  # group → {house_no: [i]}
    houses: dict = field(default_factory=dict)  # house_no → [i]
    numbers: dict = field(default_factory=dict)  # building_no → [i]
    _sounds: list | None = None

    def match_compound(self, text: str) -> list[tuple[str, float, str]]:
        """Compounds of this village a written compound name may mean:
        [(name, score, method)], best first; [] when none is close."""
        if text in self.compounds:
            return [(text, 1.0, "exact")]
        # extra words around the name (park, road, 'XX村') or a name cut short
        part = [
            c
            for c in self.compounds
            if len(c) >= 2 and (text.endswith(c) or c.startswith(text) and len(text) >= 3)
        ]
        if len(part) == 1:
            return [(part[0], 0.95, "exact")]
        base = compound_base(text)
        named = self.bases.get(base)
        if named:
            return [(c, 0.9, "alias") for c in named]
        names = list(self.compounds)
        if not names:
            return []
        best = process.extractOne(text, names, scorer=fuzz.ratio, score_cutoff=80)
        out = []
        if best:
            out.append((best[0], best[1] / 100 * 0.95, "fuzzy"))
        if self._sounds is None:
            self._sounds = [fuzzy_pinyin(n) for n in names]
        tp = fuzzy_pinyin(text)
        for n, s in zip(names, self._sounds, strict=True):
            if s == tp and (not out or out[0][0] != n):
                out.append((n, 0.9, "pinyin"))
        return sorted(out, key=lambda c: -c[1])


class BuildingIndex:
    """All buildings (of the loaded counties) keyed for address matching; see module doc.

    ``ids[i]`` database id, ``ext_ids[i]`` the public building id, ``village[i]`` its
    village code, ``lon[i], lat[i]`` a point on its surface (WGS-84 degrees).
    """

    def __init__(self):
        self.ids: list[int] = []
        self.ext_ids: list[str] = []
        self.village: list[str] = []
        self.lon = np.empty(0)
        self.lat = np.empty(0)
        self.villages: dict[str, VillageKeys] = {}
        self.compound_any: dict[str, set[str]] = {}  # name → villages
        self.base_any: dict[str, set[tuple[str, str]]] = {}
        self.points: dict[tuple, tuple[float, float]] = {}
        self.by_id: dict[int, int] = {}

    @classmethod
    def load(cls, conn, gaz: AdminGazetteer, county: str | None = None) -> BuildingIndex:
        """Read every building with a village from the database and index it (only those
        of ``county``, a 6-digit code, when given: a batch worker's share).

        The index is kept in ``POPGIS_VAR_DIR/cache`` under a key made of the database
        name and the state of ``buildings`` and ``admin_area`` (count, highest id, last
        change), so an unchanged gazetteer loads in a fraction of a second.
        """
        import hashlib
        import os
        import pickle

        state = conn.execute(
            sa.text("""
            SELECT current_database(), (SELECT count(*) FROM buildings),
                   (SELECT max(id) FROM buildings), (SELECT max(updated_at) FROM buildings),
                   (SELECT count(*) FROM admin_area), (SELECT max(updated_at) FROM admin_area)
            """)
        ).one()
        key = hashlib.sha1(repr((_CACHE_VERSION, county, *state)).encode()).hexdigest()[:16]
        stem = f"buildings-{state[0]}" + (f"-{county}" if county else "")
        path = settings.var_dir() / "cache" / f"{stem}-{key}.pkl"
        try:
            with path.open("rb") as f:
                return pickle.load(f)
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ValueError):
            pass
        idx = cls._read(conn, gaz, county)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # one index per database (and county) is enough; a county's index ends in
            # -<6 digits>-<key>, the whole database's in -<key> only
            for old in path.parent.glob(f"{stem}-*.pkl"):
                if old.stem.count("-") != stem.count("-") + 1:
                    continue
                old.unlink(missing_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            with tmp.open("wb") as f:
                pickle.dump(idx, f, protocol=pickle.HIGHEST_PROTOCOL)
            tmp.replace(path)
        except OSError:  # a read-only var dir only costs speed
            pass
        return idx

    @classmethod
    def _read(cls, conn, gaz: AdminGazetteer, county: str | None = None) -> BuildingIndex:
        rows = conn.execute(
            sa.text("""
            SELECT b.id, b.ext_id, b.village_code, b.compound, b.building_no, b.address,
                   ST_X(p) AS lon, ST_Y(p) AS lat
            FROM buildings b CROSS JOIN LATERAL ST_PointOnSurface(b.geom) AS p
            WHERE b.village_code IS NOT NULL
              AND (CAST(:county AS text) IS NULL OR b.county_code = :county)
            ORDER BY b.id"""),
            {"county": county},
        ).all()
        return cls.from_rows(rows, gaz)

    @classmethod
    def from_rows(cls, rows, gaz: AdminGazetteer) -> BuildingIndex:
        idx = cls()
        lon, lat = [], []
        members: dict[tuple, list[int]] = {}
        for i, r in enumerate(rows):
            idx.ids.append(r.id)
            idx.ext_ids.append(r.ext_id)
            idx.village.append(r.village_code)
            lon.append(r.lon)
            lat.append(r.lat)
            idx.by_id[r.id] = i
            vk = idx.villages.get(r.village_code)
            if vk is None:
                vk = idx.villages[r.village_code] = VillageKeys()
            p = _address_keys(r.address, bool(r.compound), gaz)
            comp = normalise(r.compound) if r.compound else (p.get("compound") or "")
            m = _DIGITS.search(normalise(r.building_no)) if r.building_no else None
            bno = m.group() if m else (p.get("building") or p.get("house_no") or "")
            group, house = p.get("group"), p.get("house_no")
            if comp:
                vk.compounds.setdefault(comp, {}).setdefault(bno, []).append(i)
                members.setdefault(("c", r.village_code, comp), []).append(i)
            if group:
                vk.groups.setdefault(group, {}).setdefault(house or bno, []).append(i)
                members.setdefault(("g", r.village_code, group), []).append(i)
            elif not comp and (house or bno):
                vk.houses.setdefault(house or bno, []).append(i)
            if bno:
                vk.numbers.setdefault(bno, []).append(i)
        idx.lon = np.asarray(lon, dtype=np.float64)
        idx.lat = np.asarray(lat, dtype=np.float64)
        for vcode, vk in idx.villages.items():
            for comp in vk.compounds:
                base = compound_base(comp)
                vk.bases.setdefault(base, []).append(comp)
                idx.compound_any.setdefault(comp, set()).add(vcode)
                idx.base_any.setdefault(base, set()).add((vcode, comp))
        for key, ii in members.items():
            # The member nearest the mean: a point that is surely on a building.
            mx, my = idx.lon[ii].mean(), idx.lat[ii].mean()
            k = ii[int(np.argmin((idx.lon[ii] - mx) ** 2 + (idx.lat[ii] - my) ** 2))]
            idx.points[key] = (float(idx.lon[k]), float(idx.lat[k]))
        return idx

    def __len__(self) -> int:
        return len(self.ids)

    def ext_id_of(self, building: int) -> str | None:
        """Public id of a building given its database id (None if not indexed)."""
        i = self.by_id.get(building)
        return self.ext_ids[i] if i is not None else None

    def point(self, i: int) -> tuple[float, float]:
        return float(self.lon[i]), float(self.lat[i])

    def compound_point(self, village: str, compound: str | None):
        return self.points.get(("c", village, compound))

    def group_point(self, village: str, group: str | None):
        return self.points.get(("g", village, group))

    def find_compound(self, text: str, prefix: str) -> list[tuple[str, str, float, str]]:
        """Compounds named ``text`` in villages whose code starts with ``prefix``
        (a township or county): [(village, name, score, method)]."""
        # sorted: the sets' order changes with each process's string hashing, and the
        # order of candidates that tie decides between them (same answers on every run
        # and in every Dask worker)
        out = [
            (v, text, 1.0, "exact")
            for v in sorted(self.compound_any.get(text, ()))
            if v.startswith(prefix)
        ]
        if out:
            return out
        return [
            (v, c, 0.9, "alias")
            for v, c in sorted(self.base_any.get(compound_base(text), ()))
            if v.startswith(prefix)
        ]
