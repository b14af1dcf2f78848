"""The admin gazetteer: every name a province, city, county, township or village is
written with, keyed for fast longest-match lookups, blocked by parent.

Sources: the national division list (all of China, for registered addresses of migrants)
overlaid, for each county loaded in the database, with that county's own ``admin_area``
rows (their names, short names, aliases and former names, and a point on each polygon).
All names are passed through :func:`gis.geocode.normalise.normalise`, like the addresses.

Lookups are dict hits on slices of the normalised address: ``NameIndex.longest`` tries
only the lengths that names starting with those two characters have, so a miss costs one
dict lookup. Indexes for a county's townships and villages are built on first use.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

import sqlalchemy as sa

from gis.geocode.division import Division, code12, load_division
from gis.geocode.normalise import normalise

__all__ = ["AdminGazetteer", "NameIndex", "PROVINCE", "CITY", "COUNTY", "TOWNSHIP",
           "VILLAGE", "EXACT", "ALIAS", "FORMER", "SHORT", "KIND_SCORE", "KIND_METHOD",
           "village_variants", "fuzzy_pinyin", "syllables", "sound_similarity"]

PROVINCE, CITY, COUNTY, TOWNSHIP, VILLAGE = 1, 2, 3, 4, 5
LEVEL_NAME = {PROVINCE: "province", CITY: "city", COUNTY: "county", TOWNSHIP: "township",
              VILLAGE: "village"}
#: How a name was matched: the official name (or its committee-less form), an alias
#: staff use, a former name (before a merger), or a derived short form (浙江, 义乌) that
#: counts only when the next name in the address is one of its children.
EXACT, ALIAS, FORMER, SHORT = 0, 1, 2, 3
KIND_SCORE = {EXACT: 1.0, ALIAS: 0.97, FORMER: 0.95, SHORT: 1.0}
KIND_METHOD = {EXACT: "exact", ALIAS: "alias", FORMER: "former_name", SHORT: "exact"}

_SKIP_CITY = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
_PROV_SHORT = re.compile(r"^(.{2,}?)(?:省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)$")
_CITY_SHORT = re.compile(r"^(.{2,}?)(?:(?:[^族]{1,4}族)+自治州|自治州|市|地区|盟)$")
_COUNTY_SHORT = re.compile(r"^(.{2,}?)(?:(?:[^族]{1,4}族)+自治县|自治县|自治旗|县|区|市|旗)$")


_COMMITTEE = ("居民委员会", "村民委员会", "居委会", "村委会", "委员会")


def village_variants(name: str) -> list[str]:
    """The ways a village committee's name is written: '那马村委会' → 那马村委会, 那马村;
    '江滨社区居委会' → 江滨社区居委会, 江滨社区, 江滨居委会."""
    if not name.endswith("会"):
        return [name]
    for suffix in _COMMITTEE:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            base = name[: -len(suffix)]
            if suffix == "居民委员会" or suffix == "居委会":
                out = [name, base]
                if not base.endswith("社区"):
                    out.append(base + "社区")
                if suffix != "居委会":
                    out.append(base + "居委会")
                return out
            if suffix != "委员会" and not base.endswith("村"):
                return [name, base, base + "村"]
            return [name, base]
    return [name]


def _merge_initial(i: str) -> str:
    return i[0] if i in ("zh", "ch", "sh") else i


def _merge_final(f: str) -> str:
    return f[:-1] if f.endswith("ng") and f != "ong" else f


@functools.lru_cache(maxsize=1 << 16)
def syllables(text: str) -> tuple[tuple[str, str], ...]:
    """(initial, final) of each character, toneless, with the sounds most often
    confused merged (zh/z, ch/c, sh/s, -ang/-an, -eng/-en, -ing/-in)."""
    from pypinyin import Style, lazy_pinyin

    ini = lazy_pinyin(text, style=Style.INITIALS, strict=True, errors="default")
    fin = lazy_pinyin(text, style=Style.FINALS, strict=True, errors="default")
    return tuple((_merge_initial(i), _merge_final(f)) for i, f in zip(ini, fin, strict=True))


@functools.lru_cache(maxsize=1 << 16)
def fuzzy_pinyin(text: str) -> str:
    """The merged syllables of :func:`syllables` as one string, for quick prefilters."""
    return "".join(i + f for i, f in syllables(text))


def sound_similarity(a: str, b: str) -> float:
    """How alike two names sound, 0–1: per character, 1 for the same (merged) syllable,
    0.8 for the same final (黄/王), 0.5 for the same initial (宅/泽), else 0."""
    sa_, sb = syllables(a), syllables(b)
    if len(sa_) != len(sb) or not sa_:
        from rapidfuzz import fuzz

        return fuzz.ratio(fuzzy_pinyin(a), fuzzy_pinyin(b)) / 100.0 * 0.9
    total = 0.0
    for (ia, fa), (ib, fb) in zip(sa_, sb, strict=True):
        total += 1.0 if (ia, fa) == (ib, fb) else 0.8 if fa == fb else 0.5 if ia == ib else 0.0
    return total / len(sa_)


class NameIndex:
    """Normalised name → list of ``(level, code12, kind)``, with longest-match lookup."""

    __slots__ = ("names", "first2")

    def __init__(self):
        self.names: dict[str, list[tuple[int, str, int]]] = {}
        self.first2: dict[str, int] = {}

    def add(self, name: str, level: int, code: str, kind: int) -> None:
        n = normalise(name)
        if len(n) < 2:
            return
        entries = self.names.get(n)
        entry = (level, code, kind)
        if entries is None:
            self.names[n] = [entry]
            if self.first2.get(n[:2], 0) < len(n):
                self.first2[n[:2]] = len(n)
            return
        for k, e in enumerate(entries):
            if e[1] == code and e[0] == level:
                if kind < e[2]:  # keep the strongest way of matching the same area
                    entries[k] = entry
                return
        entries.append(entry)

    def longest(self, s: str, pos: int, min_len: int = 2):
        """(length, entries) of the longest name starting at ``s[pos]``, else None."""
        top = self.first2.get(s[pos:pos + 2])
        if top is None:
            return None
        names = self.names
        for ln in range(min(top, len(s) - pos), min_len - 1, -1):
            hit = names.get(s[pos:pos + ln])
            if hit is not None:
                return ln, hit
        return None


@dataclass
class Area:
    code: str            # 12 digits
    name: str
    level: int
    point: tuple[float, float] | None = None   # WGS-84 lon, lat (local areas only)


@dataclass
class AdminGazetteer:
    """Admin names of all China, with the database's counties overlaid.

    Build with :meth:`load` (national list + ``admin_area``) or :meth:`national` (no
    database). ``local_counties`` are the 6-digit codes of the counties in the database:
    an address that names no county is looked up in those.
    """

    division: Division
    local_areas: dict[str, Area] = field(default_factory=dict)
    local_names: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    local_counties: tuple[str, ...] = ()
    top: NameIndex = field(default_factory=NameIndex)
    _county_index: dict[str, NameIndex] = field(default_factory=dict)
    _villages: dict[str, list] = field(default_factory=dict)
    #: parse() caches the reading of address heads here (see gis.geocode.parse)
    head_cache: dict = field(default_factory=dict)

    # ------------------------------------------------------------ building
    @classmethod
    def national(cls) -> AdminGazetteer:
        """The national list only (no database)."""
        g = cls(division=load_division())
        g._build_top()
        return g

    @classmethod
    def load(cls, conn) -> AdminGazetteer:
        """The national list overlaid with the ``admin_area`` rows of the database."""
        g = cls(division=load_division())
        rows = conn.execute(sa.text("""
            SELECT code, name, short_name, level, aliases, former_names,
                   ST_X(p) AS lon, ST_Y(p) AS lat
            FROM admin_area
            LEFT JOIN LATERAL (SELECT ST_PointOnSurface(geom) AS p) s ON true
            WHERE level IN ('county', 'township', 'village')""")).all()
        level = {"county": COUNTY, "township": TOWNSHIP, "village": VILLAGE}
        for r in rows:
            pt = (r.lon, r.lat) if r.lon is not None else None
            g.local_areas[r.code] = Area(r.code, r.name, level[r.level], pt)
            names = [(v, EXACT) for v in (village_variants(r.name) if r.level == "village"
                                          else [r.name])]
            if r.short_name:
                names.append((r.short_name, EXACT))
            names += [(a, ALIAS) for a in (r.aliases or []) if a]
            names += [(a, FORMER) for a in (r.former_names or []) if a]
            g.local_names[r.code] = names
        g.local_counties = tuple(sorted({c[:6] for c, a in g.local_areas.items()
                                         if a.level == COUNTY}))
        g._build_top()
        return g

    def _build_top(self) -> None:
        """Provinces, cities and counties of all China (counties in the database with
        their own names and aliases)."""
        d, top = self.division, self.top
        for code, name in d.provinces.items():
            top.add(name, PROVINCE, code12(code), EXACT)
            m = _PROV_SHORT.match(name)
            if m:
                top.add(m.group(1), PROVINCE, code12(code), SHORT)
        for code, name in d.cities.items():
            if name in _SKIP_CITY:
                continue
            top.add(name, CITY, code12(code), EXACT)
            m = _CITY_SHORT.match(name)
            if m:
                top.add(m.group(1), CITY, code12(code), SHORT)
        for code, name in d.areas.items():
            top.add(name, COUNTY, code12(code), EXACT)
            m = _COUNTY_SHORT.match(name)
            if m:
                top.add(m.group(1), COUNTY, code12(code), SHORT)
        for county in self.local_counties:
            code = county + "000000"
            for name, kind in self.local_names.get(code, []):
                top.add(name, COUNTY, code, kind)

    def county_index(self, county6: str) -> NameIndex:
        """Townships and villages of one county (built on first use)."""
        idx = self._county_index.get(county6)
        if idx is None:
            idx = None if county6 in self.local_counties else self._cached_index(county6)
            if idx is None:
                idx = NameIndex()
                for code, level, names in self._children(county6):
                    for name, kind in names:
                        idx.add(name, level, code, kind)
                if county6 not in self.local_counties:
                    self._save_index(county6, idx)
            self._county_index[county6] = idx
        return idx

    # A national county's index depends only on the division list: it is kept on disk
    # (one small pickle per county) so that registered addresses from a thousand
    # counties do not rebuild a thousand indexes on every run.
    def _index_path(self, county6: str):
        from gis import settings
        from gis.geocode.division import signature

        return settings.var_dir() / "cache" / f"names-{signature()}" / f"{county6}.pkl"

    def _cached_index(self, county6: str) -> NameIndex | None:
        import pickle

        path = self._index_path(county6)
        try:
            with path.open("rb") as f:
                names, first2 = pickle.load(f)
        except (OSError, EOFError, pickle.UnpicklingError, ValueError):
            return None
        idx = NameIndex()
        idx.names, idx.first2 = names, first2
        return idx

    def _save_index(self, county6: str, idx: NameIndex) -> None:
        import os
        import pickle

        path = self._index_path(county6)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            with tmp.open("wb") as f:
                pickle.dump((idx.names, idx.first2), f, protocol=pickle.HIGHEST_PROTOCOL)
            tmp.replace(path)
        except OSError:  # a read-only var dir only costs speed
            pass

    @functools.cached_property
    def local_index(self) -> NameIndex:
        """Townships and villages of all the database's counties, in one index."""
        idx = NameIndex()
        for county in self.local_counties:
            for code, level, names in self._children(county):
                for name, kind in names:
                    idx.add(name, level, code, kind)
        return idx

    def _children(self, county6: str):
        """(code12, level, [(name, kind)]) of a county's townships and villages."""
        if county6 in self.local_counties:
            for code, area in self.local_areas.items():
                if code[:6] == county6 and area.level in (TOWNSHIP, VILLAGE):
                    yield code, area.level, self.local_names[code]
            return
        for t9, tname in self.division.townships_of(county6):
            names = [(tname, EXACT)]
            if tname.endswith("街道办事处"):
                names.append((tname[:-3], EXACT))
            yield code12(t9), TOWNSHIP, names
            for v12, vname in self.division.villages_of(t9):
                yield v12, VILLAGE, [(v, EXACT) for v in village_variants(vname)]

    # ------------------------------------------------------------ queries
    def name_of(self, code: str) -> str | None:
        """Official name of a 12-digit code (database first, then the national list)."""
        a = self.local_areas.get(code)
        if a is not None:
            return a.name
        d = self.division
        if code.endswith("0000000000"):
            return d.provinces.get(code[:2])
        if code.endswith("00000000"):
            return d.cities.get(code[:4])
        if code.endswith("000000"):
            return d.areas.get(code[:6])
        if code.endswith("000"):
            return d.streets.get(code[:9])
        return d.village_name(code)

    def point_of(self, code: str) -> tuple[float, float] | None:
        """A point inside a local area (WGS-84 lon, lat), None for other areas."""
        a = self.local_areas.get(code)
        return a.point if a is not None else None

    def is_local(self, code: str) -> bool:
        return code[:6] in self.local_counties

    def villages_in(self, scope: str) -> list[tuple[str, str, int]]:
        """(normalised name, village code12, kind) of the villages under a township
        (9-digit prefix) or county (6-digit prefix), for fuzzy matching."""
        out = self._villages.get(scope)
        if out is None:
            county = scope[:6]
            out = []
            for code, level, names in self._children(county):
                if level == VILLAGE and code.startswith(scope):
                    for name, kind in names:
                        n = normalise(name)
                        if len(n) >= 2:
                            out.append((n, code, kind))
            self._villages[scope] = out
        return out

    def townships_in(self, county6: str) -> list[tuple[str, str, int]]:
        """(normalised name, township code12, kind) of a county's townships."""
        key = "t" + county6
        out = self._villages.get(key)
        if out is None:
            out = [(normalise(n), code, kind) for code, level, names in self._children(county6)
                   if level == TOWNSHIP for n, kind in names if len(normalise(n)) >= 2]
            self._villages[key] = out
        return out

    def choices(self, level: int, scopes: tuple[str, ...]):
        """(entries, names, sounds) of the townships (scopes = county codes) or villages
        (scopes = township or county prefixes) for fuzzy matching; cached."""
        key = ("f", level, scopes)
        hit = self._villages.get(key)
        if hit is None:
            if level == TOWNSHIP:
                entries = [t for c in scopes for t in self.townships_in(c)]
            else:
                entries = [v for sc in scopes for v in self.villages_in(sc)]
            names = [e[0] for e in entries]
            hit = self._villages[key] = (entries, names, [fuzzy_pinyin(n) for n in names])
        return hit
