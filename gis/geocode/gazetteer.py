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
from typing import Any

import numpy as np
import sqlalchemy as sa

from gis import settings
from gis.geocode.division import Division, code12, load_division, signature
from gis.geocode.former import load_former
from gis.geocode.former import signature as former_signature
from gis.geocode.normalise import normalise

__all__ = [
    "AdminGazetteer",
    "NameIndex",
    "PROVINCE",
    "CITY",
    "COUNTY",
    "TOWNSHIP",
    "VILLAGE",
    "EXACT",
    "ALIAS",
    "FORMER",
    "SHORT",
    "FORMER_SHORT",
    "TOWN_SHORT",
    "OTHER_SUFFIX",
    "FORMER_PART",
    "SHORTS",
    "KIND_SCORE",
    "KIND_METHOD",
    "village_variants",
    "village_before",
    "village_after",
    "suffix_class",
    "fuzzy_pinyin",
    "syllables",
    "sound_similarity",
    "SoundIndex",
    "FuzzyPool",
]

PROVINCE, CITY, COUNTY, TOWNSHIP, VILLAGE = 1, 2, 3, 4, 5
LEVEL_NAME = {
    PROVINCE: "province",
    CITY: "city",
    COUNTY: "county",
    TOWNSHIP: "township",
    VILLAGE: "village",
}
#: How a name was matched: the official name (or its committee-less form), an alias
#: staff use, a former name (before a merger), or a derived short form (浙江, 义乌) that
#: counts only when the next name in the address is one of its children.
EXACT, ALIAS, FORMER, SHORT = 0, 1, 2, 3
#: A former county name written short (江干 for 江干区); counts like a short name.
FORMER_SHORT = 4
#: A township written without 街道/镇/乡 (小港 for 小港街道): counts only after its
#: county and not as the start of a road or compound name (see gis.geocode.parse).
TOWN_SHORT = 5
#: A village written with the other suffix, 社区 for a 村 of the list (a village become a
#: community since the list was made): found, with the flag ``village_suffix_differs``.
OTHER_SUFFIX = 6
#: A former county of which a part went to another county (黄岩市 → 路桥区 in 1994): the
#: name is a candidate there too, below the county that kept the name (see
#: ``Parsed.codes``), so that the townships of both are found under the old name.
FORMER_PART = 7
SHORTS = (SHORT, FORMER_SHORT)
KIND_SCORE = {
    EXACT: 1.0,
    ALIAS: 0.97,
    FORMER: 0.95,
    SHORT: 1.0,
    FORMER_SHORT: 0.95,
    TOWN_SHORT: 0.97,
    OTHER_SUFFIX: 0.95,
    FORMER_PART: 0.9,
}
KIND_METHOD = {
    EXACT: "exact",
    ALIAS: "alias",
    FORMER: "former_name",
    SHORT: "short_name",  # (柯桥 for 柯桥区: not the name as the list writes it)
    FORMER_SHORT: "former_name",
    FORMER_PART: "former_name",
    TOWN_SHORT: "short_name",
    OTHER_SUFFIX: "other_suffix",
}

_SKIP_CITY = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
_PROV_SHORT = re.compile(
    r"^(.{2,}?)(?:省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)$"
)
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


_RESIDENTS = re.compile(r"(?:社区)?(?:居民委员会|居委会)$|社区$")


def village_before(name: str) -> str | None:
    """The village a community was before it became one (村改居), as people still
    write it: '南岸社区' → 南岸村 (and 南岸村委会, 南岸村民委员会 beside it in the index),
    '洪家居民委员会' → 洪家村; None for a village, or a name that keeps no village's
    (…村社区)."""
    base = _RESIDENTS.sub("", name)
    if base == name or len(base) < 2 or base.endswith(("村", "社区")):
        return None
    return base + "村"


_VILLAGE_END = re.compile(r"(?:村民委员会|村委会|村)$")


def village_after(name: str) -> str | None:
    """The community a village may have become (村改居) before the list says so, as
    people write it: '新光村村委会' → 新光社区, '那马村' → 那马社区; None for a
    community, or a name of one character without 村 (张村, 三村村委会)."""
    if not _VILLAGE_END.search(name):
        return None
    base = _VILLAGE_END.sub("", name)
    if base.endswith("村"):
        base = base[:-1]
    if len(base) < 2 or base.endswith(("社区", "委会")):
        return None
    return base + "社区"


def suffix_class(name: str) -> str:
    """'村' for a village's name (…村, …村委会), '社区' for a community's (…社区, …居委会),
    '' for a name with neither."""
    if name.endswith(("社区", "居委会", "居民委员会")):
        return "社区"
    if name.endswith(("村", "村委会", "村民委员会")):
        return "村"
    return ""


def _other_suffix_names(first: str, taken: set) -> list[tuple[str, int]]:
    """The names of a village or community with the other suffix (see
    :func:`village_before`, :func:`village_after`), where no village of the county is
    called so."""
    old = village_before(first)
    if old is not None:
        return [(v, FORMER) for v in (old, old + "委会", old + "民委员会") if v not in taken]
    new = village_after(first)
    if new is not None:
        # (one name only: each length more is one more probe at every position)
        return [(new, OTHER_SUFFIX)] if new not in taken else []
    return []


def _merge_initial(i: str) -> str:
    return i[0] if i in ("zh", "ch", "sh") else i


def _merge_final(f: str) -> str:
    return f[:-1] if f.endswith("ng") and f != "ong" else f


@functools.cache
def _readings() -> dict[str, tuple[str, str]]:
    """Character → merged (initial, final) of its first (most common) reading, for every
    character pypinyin knows (about 42 k; built once, in about 0.2 s)."""
    from pypinyin import Style
    from pypinyin.pinyin_dict import pinyin_dict
    from pypinyin.style import convert

    split: dict[str, tuple[str, str]] = {}
    out = {}
    for cp, readings in pinyin_dict.items():
        first = readings.split(",", 1)[0]
        hit = split.get(first)
        if hit is None:
            hit = split[first] = (
                _merge_initial(convert(first, Style.INITIALS, True)),
                _merge_final(convert(first, Style.FINALS, True)),
            )
        out[chr(cp)] = hit
    return out


@functools.lru_cache(maxsize=1 << 16)
def syllables(text: str) -> tuple[tuple[str, str], ...]:
    """(initial, final) of each character, toneless, with the sounds most often
    confused merged (zh/z, ch/c, sh/s, -ang/-an, -eng/-en, -ing/-in).

    Each character is read on its own, in its most common reading (长 chang, 区 qu), the
    same way for the names and the addresses: a table lookup per character, where
    reading whole phrases in context cost about 75 µs a name. A character without a
    reading (a digit, a letter) stands for itself.
    """
    table = _readings()
    return tuple(table.get(c) or (c, c) for c in text)


@functools.lru_cache(maxsize=1 << 16)
def fuzzy_pinyin(text: str) -> str:
    """The merged syllables of :func:`syllables` as one string, for quick prefilters."""
    return "".join(i + f for i, f in syllables(text))


def sound_similarity(a: str, b: str, sb: tuple | None = None) -> float:
    """How alike two names sound, 0–1: per character, 1 for the same (merged) syllable,
    0.8 for the same final (黄/王), 0.5 for the same initial (宅/泽), else 0.
    ``sb``: the :func:`syllables` of ``b`` when already known."""
    sa_ = syllables(a)
    if sb is None:
        sb = syllables(b)
    if len(sa_) != len(sb) or not sa_:
        from rapidfuzz import fuzz

        return fuzz.ratio(fuzzy_pinyin(a), "".join(i + f for i, f in sb)) / 100.0 * 0.9
    total = 0.0
    for (ia, fa), (ib, fb) in zip(sa_, sb, strict=True):
        total += 1.0 if (ia, fa) == (ib, fb) else 0.8 if fa == fb else 0.5 if ia == ib else 0.0
    return total / len(sa_)


@functools.cache
def _former_townships() -> dict[str, list[tuple[str, int]]]:
    """Today's township code12 → [(former name, FORMER)]."""
    out: dict[str, list[tuple[str, int]]] = {}
    for level, name, code, _year, _old in load_former():
        if level == "township":
            out.setdefault(code, []).append((name, FORMER))
    return out


_TOWN_END = re.compile(r"(?:街道办事处|街道|镇|乡)$")


def _town_short(name: str) -> list[tuple[str, int]]:
    """小港街道 → [(小港, TOWN_SHORT)]; nothing for names that would be one character
    or that end in a word of their own (民族乡, 开发区)."""
    if name.endswith("民族乡"):
        return []
    base = _TOWN_END.sub("", name)
    if base == name or len(base) < 2:
        return []
    return [(base, TOWN_SHORT)]


class NameIndex:
    """Normalised name → list of ``(level, code12, kind)``, with longest-match lookup.

    ``first2`` maps the first two characters of the names to their lengths, longest
    first, so a lookup tries only lengths some name has."""

    __slots__ = ("names", "first2")

    def __init__(self):
        self.names: dict[str, list[tuple[int, str, int]]] = {}
        self.first2: dict[str, tuple[int, ...]] = {}

    def add(self, name: str, level: int, code: str, kind: int) -> None:
        n = normalise(name)
        if len(n) < 2:
            return
        entries = self.names.get(n)
        entry = (level, code, kind)
        if entries is None:
            self.names[n] = [entry]
            lens = self.first2.get(n[:2], ())
            if len(n) not in lens:
                self.first2[n[:2]] = tuple(sorted(lens + (len(n),), reverse=True))
            return
        for k, e in enumerate(entries):
            if e[1] == code and e[0] == level:
                if kind < e[2]:  # keep the strongest way of matching the same area
                    entries[k] = entry
                return
        entries.append(entry)

    def longest(self, s: str, pos: int, min_len: int = 2):
        """(length, entries) of the longest name starting at ``s[pos]``, else None."""
        lens = self.first2.get(s[pos : pos + 2])
        if lens is None:
            return None
        rest = len(s) - pos
        names = self.names
        for ln in lens:
            if ln > rest:
                continue
            if ln < min_len:
                return None
            hit = names.get(s[pos : pos + ln])
            if hit is not None:
                return ln, hit
        return None


class SoundIndex:
    """Village names of one scope for the quick same-sound step of bulk admin resolution.

    ``same``: :func:`fuzzy_pinyin` → {code: strongest kind} of the names sounding exactly
    alike (only an exact name scores the full same-sound score). ``near`` answers
    whether some other village would score within :data:`gis.geocode.parse.FUZZY_KEEP`
    of a same-sound match in the parser's fuzzy step (names of up to 6 characters): one
    sounding alike but for one initial (包西塘/早溪塘), or spelt alike but for one
    character more or less.
    """

    MAX_LEN = 6

    def __init__(self, villages):
        self.same: dict[str, dict[str, int]] = {}
        self.names: dict[str, set[str]] = {}
        self.wild: dict[tuple, set[str]] = {}
        self.dels: dict[str, set[str]] = {}
        for name, code, kind in villages:
            codes = self.same.setdefault(fuzzy_pinyin(name), {})
            codes[code] = min(kind, codes.get(code, kind))
            self.names.setdefault(name, set()).add(code)
            syl = syllables(name)
            for k in range(len(syl)):
                self.wild.setdefault(syl[:k] + (("*", syl[k][1]),) + syl[k + 1 :], set()).add(code)
            for k in range(len(name)):
                self.dels.setdefault(name[:k] + name[k + 1 :], set()).add(code)

    def near(self, token: str, code: str) -> bool:
        """Could a village other than ``code`` compete with it for ``token``?"""
        if len(token) > self.MAX_LEN:
            return True
        others = self.dels.get(token, set()) - {code}
        if others:
            return True
        for k in range(len(token)):
            if self.names.get(token[:k] + token[k + 1 :], set()) - {code}:
                return True
        syl = syllables(token)
        return any(
            self.wild.get(syl[:k] + (("*", syl[k][1]),) + syl[k + 1 :], set()) - {code}
            for k in range(len(syl))
        )


class FuzzyPool:
    """Names to match a misspelt name against, indexed so that only the names that can
    score high enough are compared (see :func:`gis.geocode.parse.fuzzy_candidates`).

    ``entries`` are ``(normalised name, code12, kind)``. ``shared(token)`` counts, for
    every name, the characters it has in common with ``token`` (as multisets: an upper
    bound on their longest common subsequence). ``by_finals`` finds the names whose
    syllables have the same finals (vowels), all or all but one, as a same-sound match
    needs; ``by_syllables`` lists the names by their number of syllables; ``syllables``
    and ``pinyins`` are their :func:`syllables` and :func:`fuzzy_pinyin`.
    """

    def __init__(self, entries):
        self.entries = entries
        self.names = [e[0] for e in entries]
        self.lengths = np.fromiter((len(n) for n in self.names), np.int64, len(self.names))
        postings: dict[str, tuple[list, list]] = {}
        self.finals: dict[tuple, list[int]] = {}
        self.by_syllables: dict[int, list[int]] = {}
        self.syllables = [syllables(n) for n in self.names]
        for i, name in enumerate(self.names):
            for ch in set(name):
                ids, counts = postings.setdefault(ch, ([], []))
                ids.append(i)
                counts.append(name.count(ch))
            fin = tuple(f for _, f in self.syllables[i])
            self.by_syllables.setdefault(len(fin), []).append(i)
            self.finals.setdefault(fin, []).append(i)
            if len(fin) >= 2:
                for k in range(len(fin)):
                    self.finals.setdefault(fin[:k] + ("*",) + fin[k + 1 :], []).append(i)
        self.postings = {
            ch: (np.asarray(ids, np.int64), np.asarray(counts, np.int64))
            for ch, (ids, counts) in postings.items()
        }
        self.pinyins = [fuzzy_pinyin(n) for n in self.names]
        self.pinyin_lengths = np.fromiter((len(p) for p in self.pinyins), np.int64, len(self.names))
        self.n_syllables = np.fromiter((len(x) for x in self.syllables), np.int64, len(self.names))

    def shared(self, token: str) -> np.ndarray:
        """Characters in common with ``token``, counted as multisets, for every name."""
        out = np.zeros(len(self.names), np.int64)
        for ch in set(token):
            hit = self.postings.get(ch)
            if hit is not None:
                out[hit[0]] += np.minimum(hit[1], token.count(ch))
        return out

    def by_finals(self, fin: tuple, one_off: bool) -> set[int]:
        """Names with the finals ``fin`` (and, with ``one_off``, all but one of them)."""
        out = set(self.finals.get(fin, ()))
        if one_off:
            for k in range(len(fin)):
                out.update(self.finals.get(fin[:k] + ("*",) + fin[k + 1 :], ()))
        return out


@dataclass
class Area:
    code: str  # 12 digits
    name: str
    level: int
    point: tuple[float, float] | None = None  # WGS-84 lon, lat (local areas only)


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
    _villages: dict[Any, Any] = field(default_factory=dict)
    #: parse() caches the reading of address heads here (see gis.geocode.parse)
    head_cache: dict = field(default_factory=dict)
    _local_index: NameIndex | None = None

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
        rows = conn.execute(
            sa.text("""
            SELECT code, name, short_name, level, aliases, former_names,
                   ST_X(p) AS lon, ST_Y(p) AS lat
            FROM admin_area
            LEFT JOIN LATERAL (SELECT ST_PointOnSurface(geom) AS p) s ON true
            WHERE level IN ('county', 'township', 'village')""")
        ).all()
        level = {"county": COUNTY, "township": TOWNSHIP, "village": VILLAGE}
        for r in rows:
            pt = (r.lon, r.lat) if r.lon is not None else None
            g.local_areas[r.code] = Area(r.code, r.name, level[r.level], pt)
            names = [
                (v, EXACT) for v in (village_variants(r.name) if r.level == "village" else [r.name])
            ]
            if r.short_name:
                names.append((r.short_name, EXACT))
            names += [(a, ALIAS) for a in (r.aliases or []) if a]
            names += [(a, FORMER) for a in (r.former_names or []) if a]
            g.local_names[r.code] = names
        g.local_counties = tuple(
            sorted({c[:6] for c, a in g.local_areas.items() if a.level == COUNTY})
        )
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
        for level, name, code, _year, _old in load_former():
            if level == "county" and code[:6] in d.areas:
                top.add(name, COUNTY, code, FORMER)
                m = _COUNTY_SHORT.match(name)
                # (not a short name that is a city's: 丽水 of 丽水县 is 丽水市's)
                if m and not any(e[0] < COUNTY for e in top.names.get(m.group(1), ())):
                    top.add(m.group(1), COUNTY, code, FORMER_SHORT)
            elif level == "county_part" and code[:6] in d.areas:
                top.add(name, COUNTY, code, FORMER_PART)
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
        return (
            settings.var_dir()
            / "cache"
            / f"names6-{signature()}-{former_signature()}"
            / f"{county6}.pkl"
        )

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

    def city_index(self, city4: str) -> NameIndex:
        """Townships and villages of all the counties of a city, in one index (a name
        found in several counties has the entries of each, in county order): one lookup
        where the parser would ask each county's index in turn. Cached."""
        key = ("city", city4)
        idx = self._villages.get(key)
        if idx is None:
            idx = NameIndex()
            for c in self.counties_of(city4):
                part = self.county_index(c)
                for name, entries in part.names.items():
                    had = idx.names.get(name)
                    idx.names[name] = entries if had is None else had + entries
                for two, lens in part.first2.items():
                    had2 = idx.first2.get(two)
                    idx.first2[two] = (
                        lens if had2 is None else tuple(sorted(set(had2) | set(lens), reverse=True))
                    )
            self._villages[key] = idx
        return idx

    def province_index(self, prov2: str) -> NameIndex:
        """The townships of all the counties of a province written in full (their
        official and former names, not the short ones): for a province written and
        then a township (浙江省柳市镇…), where the county and city are left out. Cached."""
        key = ("province", prov2)
        idx = self._villages.get(key)
        if idx is None:
            idx = NameIndex()
            d = self.division
            counties = sorted(
                {c for c in d.areas if c.startswith(prov2)}
                | {c for c in d._by_county if c.startswith(prov2)}
            )
            for c in counties:
                for name, entries in self.county_index(c).names.items():
                    for e in entries:
                        if e[0] == TOWNSHIP and e[2] in (EXACT, FORMER):
                            idx.add(name, *e)
            self._villages[key] = idx
        return idx

    @property
    def local_index(self) -> NameIndex:
        """Townships and villages of all the database's counties, in one index (built on
        first use). Kept in a field, not by ``functools.cached_property``: compiled by
        mypyc (gis/geocode/_native.py) a cached property is computed again on every
        access, which on a province's 90 counties cost about a second a time."""
        idx = self._local_index
        if idx is None:
            idx = self._local_index = self._build_local_index()
        return idx

    def _build_local_index(self) -> NameIndex:
        idx = NameIndex()
        for county in self.local_counties:
            for code, level, names in self._children(county):
                for name, kind in names:
                    idx.add(name, level, code, kind)
        return idx

    def _children(self, county6: str):
        """(code12, level, [(name, kind)]) of a county's townships and villages: the
        official names, former names (see :mod:`gis.geocode.former`) and, for townships,
        the name without 街道/镇/乡; for a community, the village it was
        (:func:`village_before`, kind former name), for a village, the community it may
        have become (:func:`village_after`, kind :data:`OTHER_SUFFIX`), where no village of
        the county has that name."""
        former = _former_townships()
        if county6 in self.local_counties:
            mine = [
                (code, area)
                for code, area in self.local_areas.items()
                if code[:6] == county6 and area.level in (TOWNSHIP, VILLAGE)
            ]
            taken = {
                normalise(n)
                for code, area in mine
                if area.level == VILLAGE
                for n, _ in self.local_names[code]
            }
            for code, area in mine:
                names = self.local_names[code]
                if area.level == TOWNSHIP:
                    names = names + former.get(code, []) + _town_short(area.name)
                else:
                    names = names + _other_suffix_names(normalise(area.name), taken)
                yield code, area.level, names
            return
        towns = [
            (t9, tname, [(v12, village_variants(vn)) for v12, vn in self.division.villages_of(t9)])
            for t9, tname in self.division.townships_of(county6)
        ]
        # (a community's village name only where no village of the county has it)
        taken = {v for _, _, villages in towns for _, vs in villages for v in vs}
        for t9, tname, villages in towns:
            names = [(tname, EXACT)]
            if tname.endswith("街道办事处"):
                names.append((tname[:-3], EXACT))
            yield code12(t9), TOWNSHIP, names + former.get(code12(t9), []) + _town_short(tname)
            for v12, vs in villages:
                yield v12, VILLAGE, [(v, EXACT) for v in vs] + _other_suffix_names(vs[0], taken)

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

    def counties_of(self, city4: str) -> tuple[str, ...]:
        """6-digit codes of the counties of a city (4 digits), with the cities that
        have townships directly (东莞市: 441900)."""
        key = ("c", city4)
        out = self._villages.get(key)
        if out is None:
            d = self.division
            out = tuple(
                sorted(
                    {c for c in d.areas if c.startswith(city4)}
                    | {c for c in d._by_county if c.startswith(city4)}
                )
            )
            self._villages[key] = out
        return out

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
            out = [
                (normalise(n), code, kind)
                for code, level, names in self._children(county6)
                if level == TOWNSHIP
                for n, kind in names
                if len(normalise(n)) >= 2
            ]
            self._villages[key] = out
        return out

    def sound_index(self, scope: str) -> SoundIndex:
        """The villages under a township (9-digit prefix) or county (6) indexed by sound
        and by near spellings (see :class:`SoundIndex`); cached."""
        key = ("s", scope)
        out = self._villages.get(key)
        if out is None:
            out = self._villages[key] = SoundIndex(self.villages_in(scope))
        return out

    def choices(self, level: int, scopes: tuple[str, ...]) -> FuzzyPool:
        """The townships (scopes = county codes) or villages (scopes = township or county
        prefixes) as a :class:`FuzzyPool` for fuzzy matching; cached."""
        key = ("f", level, scopes)
        hit = self._villages.get(key)
        if hit is None:
            if level == TOWNSHIP:
                entries = [t for c in scopes for t in self.townships_in(c)]
            else:
                entries = [v for sc in scopes for v in self.villages_in(sc)]
            hit = self._villages[key] = FuzzyPool(entries)
        return hit
