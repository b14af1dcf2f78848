"""Parse a normalised address into components and admin candidates.

Components (strings, None when absent): province, city, county, township, village, group,
road, road_no, compound, building, unit, floor, room, house_no.

Admin names are found by longest match against the gazetteer, in any order at the start
of the address and again in trailing text (``金茂公馆1栋…稠城街道江滨社区``), each lookup
blocked by the parents found so far (a township only inside the county found, a village
only inside the township). A name that matches nothing exactly is tried fuzzily (rapidfuzz
on characters and on pinyin) against the names under its parent. The remainder is read as
number tokens (``5栋``, ``2单元``, ``301室``, ``3组``, ``12号``) and the text between them
(compound, road).

``parse(text, gaz)`` returns a :class:`Parsed`; ``admin`` maps a level to its candidates
``(code12, score, method)`` where score is 1 for an exact name, less for alias, former
name, fuzzy and same-sound matches.
"""

from __future__ import annotations

import contextlib
import gc
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process

from gis.geocode.gazetteer import (
    ALIAS,
    CITY,
    COUNTY,
    EXACT,
    FORMER,
    KIND_METHOD,
    KIND_SCORE,
    LEVEL_NAME,
    OTHER_SUFFIX,
    PROVINCE,
    SHORTS,
    TOWN_SHORT,
    TOWNSHIP,
    VILLAGE,
    AdminGazetteer,
    FuzzyPool,
    fuzzy_pinyin,
    sound_similarity,
    suffix_class,
    syllables,
)
from gis.geocode.normalise import dropped_by_place, normalise, normalise_many, without_control

__all__ = [
    "Parsed",
    "parse",
    "parse_many",
    "parsed_json_lines",
    "json_line",
    "matched",
    "split_chatter",
    "village_sure",
    "COMPONENTS",
    "FUZZY_MIN",
    "NOTHING",
    "EMPTY",
]

COMPONENTS = (
    "province",
    "city",
    "county",
    "township",
    "village",
    "group",
    "road",
    "road_no",
    "compound",
    "building",
    "unit",
    "floor",
    "room",
    "house_no",
)
#: A fuzzy or same-sound admin match below this similarity is not a match at all.
FUZZY_MIN = 0.80
#: Fuzzy candidates this close to the best are all kept (the matcher decides).
FUZZY_KEEP = 0.06
_PREFIX = {PROVINCE: 2, 2: 4, COUNTY: 6, TOWNSHIP: 9, VILLAGE: 12}

_TOKEN = re.compile(r"(\d+|[A-Z])(栋|单元|层|室|组|号)|(\d+)")
_ROAD = re.compile(r"^(.*?)([^\d]{1,10}?(?:大道|路|街|巷|弄))$")
_TOWN_SPLIT = re.compile(r".{1,8}?(?:街道|镇|乡)")
_BEFORE_NUMBER = re.compile(r"[^\d]{2,6}(?=\d|$)")
_VILL_SPLIT = re.compile(r".{1,10}?(?:社区居委会|社区居民委员会|村民委员会|村委会|居委会|社区|村)")


@dataclass(slots=True)
class Parsed:
    """A parsed address: ``text`` (normalised), ``comps`` (the 14 components),
    ``admin`` (level → [(code12, score, method)]), ``leftover`` (text not understood)."""

    text: str
    comps: dict = field(default_factory=lambda: dict.fromkeys(COMPONENTS))
    admin: dict = field(default_factory=dict)
    leftover: str = ""
    conflict: bool = False
    #: notes for the reader: 'village_suffix_differs' (the village written with 村 for
    #: the list's 社区 or the reverse: found, see :func:`_suffix_differs`),
    #: 'unknown_township' (a 镇/乡/街道 not in the list: its text is
    #: in comps['township'] and no code is given), 'township_not_certain' (a township
    #: named like one of the place's: its text, no code), 'village_not_certain' (a
    #: village named like one of the place's, or found under another township than the
    #: one written: its text, no code), 'two_addresses' (a second
    #: address not taken for the address, see :func:`_another_place`),
    #: 'nothing_recognised' and, for a blank line, 'empty' too
    flags: list = field(default_factory=list)
    #: the name indexes for the levels found so far (see :func:`_scopes`), None when
    #: ``admin`` changed since
    scopes: list | None = field(default=None, repr=False, compare=False)

    def best_code(self) -> str | None:
        """The most specific admin code resolved (village, else township, else county)."""
        for level in (VILLAGE, TOWNSHIP, COUNTY):
            c = self.admin.get(level)
            if c:
                return c[0][0]
        return None

    def codes(self) -> dict:
        """{'county', 'township', 'village'}: 12-digit codes where resolved uniquely
        (a parent is known when all candidates below it share it)."""
        a = self.admin
        vl, tl, cl = a.get(VILLAGE), a.get(TOWNSHIP), a.get(COUNTY)
        if vl and not village_sure(vl):
            vl = None  # a village guessed from a near spelling: its text, no code
        v = _one_code(vl, 12, "") if vl else None
        lower = tl or vl  # a parent not written: the one all candidates below share
        t = _one_code(tl, 12, "") if tl else _one_code(vl, 9, "000") if vl else None
        if cl:
            c = _one_code(cl, 12, "") or _kept_name(cl)
        else:
            c = _one_code(lower, 6, "000000") if lower else None
        # a lower level that does not sit under the one written above it (西界村 of
        # another street) is not given: only what the address says consistently
        if t and c and t[:6] != c[:6]:
            t = v = None
        if v and t and v[:9] != t[:9]:
            v = None
        return {"county": c, "township": t, "village": v}


def village_sure(cands: list) -> bool:
    """Do the village candidates name a village for certain? Yes when written as one
    (its name, an alias, a former or short name); a near spelling only when it sounds
    exactly like one village of the place and like no other (欣光村 for 新光村: the one
    candidate, by sound, at the full same-sound score, which the bulk path's same-sound
    step gives too). A name merely like a village's (黄社区 for 黄庭社区) is no
    evidence: the address keeps its text, without a code."""
    for c in cands:
        if c[2] in _GUESSED:
            return len(cands) == 1 and c[2] == "pinyin" and c[1] >= SOUND_WEIGHT - 1e-9
    return True


_GUESSED = frozenset(("fuzzy", "pinyin"))


def _township_sure(cands: list) -> bool:
    """Do the candidates of a township found by a near name name it for certain? Only
    one, scored as a name written as the list has it or by the same sound (湖岭镇, a
    former name 阮市镇 for 店口镇): not a name merely like one (永康街道 for 永昌街道,
    东阳镇 for 东阳江镇, 大箐乡 for 大兴乡)."""
    return len(cands) == 1 and cands[0][1] >= SOUND_WEIGHT - 1e-9


def _kept_name(cands: list) -> str | None:
    """Of a former county's candidates (黄岩市: 黄岩区, which kept the name, and 路桥区,
    made of a part of it, see ``FORMER_PART``), the one that kept the name when nothing
    written below settles it; None for candidates of another kind (鼓楼区 of several
    cities) or as likely as each other."""
    top = cands[0]
    for c in cands:
        if c[2] != _FORMER_METHOD:
            return None
        if c[1] > top[1]:
            top = c
    if sum(1 for c in cands if c[1] == top[1]) > 1:
        return None
    return top[0]


_FORMER_METHOD = KIND_METHOD[FORMER]


def _one_code(cands: list, w: int, pad: str) -> str | None:
    """The one ``code[:w] + pad`` of the candidates, None when they differ."""
    k = cands[0][0][:w]
    for c in cands:
        if c[0][:w] != k:
            return None
    return k + pad


def _compatible(code: str, level: int, admin: dict) -> bool:
    """Does ``code`` at ``level`` fit under (or above) every level already found?"""
    # (a loop, not any() over a generator: this runs at every step of every address)
    for lv, cands in admin.items():
        if lv == level:
            continue
        w = _PREFIX[lv] if lv < level else _PREFIX[level]
        k = code[:w]
        for c in cands:
            if c[0][:w] == k:
                break
        else:
            return False
    return True


_CITY_MAX = 40


def _scopes(p: Parsed, gaz: AdminGazetteer) -> list:
    """Indexes to look names up in: all China's upper levels, plus the townships and
    villages of the county found (else of the database's counties)."""
    out = p.scopes
    if out is None:
        out = p.scopes = _scopes_of(p.admin, gaz)
    return out


def _scopes_of(admin: dict, gaz: AdminGazetteer) -> list:
    cands = admin.get(COUNTY)
    if cands is None:
        t, v = admin.get(TOWNSHIP), admin.get(VILLAGE)
        if t is None and v is None:
            city = admin.get(CITY)
            if city is not None and len(city) == 1:
                return _scopes_for(gaz, (), city[0][0][:4])
            prov = admin.get(PROVINCE)
            if city is None and prov is not None and len(prov) == 1:
                return _scopes_for(gaz, (), prov[0][0][:2])
            return _scopes_for(gaz, (), "")
        cands = (t or []) + (v or [])
    if len(cands) == 1:
        return _scopes_for(gaz, (cands[0][0][:6],), "")
    return _scopes_for(gaz, tuple(sorted({c[0][:6] for c in cands})), "")


def _scopes_for(gaz: AdminGazetteer, counties: tuple, city4: str) -> list:
    """The scopes of :func:`_scopes` for the counties found (sorted) or, with none, the
    one city found (4 digits) or the one province (2 digits); cached on the gazetteer."""
    key = ("scopes", counties, city4)
    out = gaz._villages.get(key)
    if out is not None:
        return out
    out = [gaz.top]
    if len(city4) == 2:
        # a province and then a township written in full (浙江省柳市镇): its townships
        out.append(gaz.province_index(city4))
    elif city4 and len(gaz.counties_of(city4)) <= _CITY_MAX:
        # a city and then a township (宁波市高桥镇): the townships of its counties
        out.append(gaz.city_index(city4))
    elif counties and len(counties) <= 4:
        out += [gaz.county_index(c) for c in counties]
    elif gaz.local_counties:
        out.append(gaz.local_index)
    gaz._villages[key] = out
    return out


def _record(p: Parsed, level: int, token: str, cands: list) -> None:
    p.admin[level] = cands
    p.scopes = None
    p.comps[LEVEL_NAME[level]] = token
    # A lower level found earlier (swapped order) keeps only the candidates that fit;
    # an upper level of several places (西湖区, 江北区 without their city) keeps those
    # the name written below it is in (江北区慈城镇: 宁波's), when that name is written
    # as it is (not a near spelling)
    for lv, had in list(p.admin.items()):
        if lv > level:
            keep = [c for c in had if _compatible(c[0], lv, {level: cands})]
            if keep:
                p.admin[lv] = keep
            else:
                p.conflict = True
        elif len(had) > 1 and lv < level and cands[0][2] not in _GUESSED:
            keep = [c for c in had if _compatible(c[0], lv, {level: cands})]
            if keep:
                p.admin[lv] = keep


#: After a township written without 街道/镇/乡 these start a road or compound name
#: (长安路, 长安花园), so the short name is not the township there.
_AFTER_TOWN_SHORT = frozenset("路街巷弄道大小花公新家苑府城广中商工园村厂店院校楼号桥区镇乡县市")
#: A village name without its suffix right before a building number is a compound
#: (嘉州美都194幢): no village without other evidence.
_BUILDING_NEXT = re.compile(r"\d+(?:栋|单元|室|层)|[A-Z]栋")
#: …of a building with units (江滨12-2-301), where the numbers are read apart from the
#: names (a number pair, 上畔1300-7, is as often a house number and its door)
_UNITS_NEXT = re.compile(r"\d+栋\d+单元|[A-Z]栋")
_ROAD_ENDS = ("路", "街", "巷", "弄", "道")
#: …and before these it starts a compound's name (福田花园, 幸福新村)
_COMPOUND_NEXT = re.compile(r"花园|小区|新村|公寓|家园|苑|府|大厦|广场|花苑|山庄|新城|名城|庄园")
_VILLAGE_ENDS = ("村", "社区", "居委会", "委会", "嘎查", "村民委员会", "居民委员会")


_OTHER_SUFFIX = re.compile(r"街道办事处|街道|办事处|镇|乡")
_TOWN_ENDS = ("街道", "办事处", "镇", "乡")


def _other_suffix(s: str, end: int) -> int:
    """Length of a township suffix written at ``s[end]`` (良渚镇 for 良渚街道), else 0."""
    m = _OTHER_SUFFIX.match(s, end)
    if m is None or s.startswith(("镇村", "乡村", "镇路", "乡路", "镇街", "乡镇"), end):
        return 0
    return m.end() - end


def _town_short_ok(s: str, end: int, p: Parsed, gaz: AdminGazetteer) -> bool:
    if _other_suffix(s, end):
        return True  # the old suffix: a 镇 that became a 街道, a 乡 that became a 镇
    if COUNTY not in p.admin and not gaz.local_counties:
        return CITY in p.admin and _short_then_road(s, end)
    if end >= len(s) or s[end].isdigit():
        return True
    if _boundary(s, end, p, gaz):
        return True
    return s[end] not in _AFTER_TOWN_SHORT or _big_road(s, end)


def _exact_at(
    s: str, pos: int, p: Parsed, gaz: AdminGazetteer, trailing: bool = False
) -> int | None:
    best_len, entries = 0, []
    for idx in _scopes(p, gaz):
        hit = idx.longest(s, pos)
        if hit is None:
            continue
        if hit[0] > best_len:
            best_len, entries = hit[0], list(hit[1])
        elif hit[0] == best_len:
            entries += hit[1]
    if not entries:
        return None
    end = pos + best_len
    if _market_at(s, end, entries, gaz):
        return None  # 义乌市场: a market's name, not 义乌市 and 场
    new = [e for e in entries if e[0] not in p.admin]
    if new and _county_again(entries, new, s, end, p):
        # a repeat before another name or the numbers; else the start of a road or
        # compound named for the place (余杭塘路, 柯桥中央大厦)
        if not _boundary(s, end, p, gaz):
            return None
        p.leftover += s[pos:end]  # (the repeat, kept as written)
        return end
    if not new:
        # A level written twice (杭州市杭州市, 温州温州市): the repeat is skipped; a
        # short name written again is the start of a compound name (稠江街道义乌经济
        # 技术开发区员工宿舍, 苏溪镇苏溪工业园区).
        if any(
            e[1] == c[0] and e[2] not in SHORTS and e[2] != TOWN_SHORT
            for e in entries
            for c in p.admin.get(e[0], ())
        ):
            # …but a county or city again after the township, then another township
            # (…稠城街道江滨社区义乌市北苑街道…), starts a second address: read after
            # (see _tail); so does one alone at the end after a lower level
            # (…稠城街道江滨社区义乌市: a second address, less specific)
            if _later_township_at(entries, s, end, p, gaz) or (
                end >= len(s) and any(lv > e[0] for lv in p.admin for e in entries)
            ):
                return None
            p.leftover += s[pos:end]  # (skipped, kept as written)
            return end
        if _upper_repeated(entries, s, end, p, gaz):
            p.leftover += s[pos:end]
            return end
        return None
    entries = new
    if any(e[2] == TOWN_SHORT for e in entries) and not _town_short_ok(s, end, p, gaz):
        entries = [e for e in entries if e[2] != TOWN_SHORT]
        if not entries:
            return None
    if (
        _other_suffix(s, end)
        and any(e[0] == COUNTY and e[2] in SHORTS for e in entries)
        and gaz.top.longest(s, end) is None
    ):
        # a county's short name with 街道/镇/乡 after it names a township (五常街道 of
        # 余杭区, not 五常市 and a road 街道文一西路; but 浙江镇海区 is 浙江 and 镇海区)
        entries = [e for e in entries if not (e[0] <= COUNTY and e[2] in SHORTS)]
        if not entries:
            return _short_upper_town(s, pos, end, p)
    fit = [e for e in entries if _compatible(e[1], e[0], p.admin)]
    conflict = False
    if not fit:
        if any(e[0] < TOWNSHIP for e in entries):
            return None  # e.g. a province short name inside a compound name
        fit, conflict = entries, True
    picked = pick_level(fit, s, end, gaz, p, pos)
    if picked is None:
        return None
    level, fit = picked
    token = s[pos:end]
    if level == VILLAGE and not token.endswith(_VILLAGE_ENDS):
        if trailing:
            return None  # after the numbers a bare name is a word (144号后院), no village
        if (
            _BUILDING_NEXT.match(s, end)
            or token.endswith(_ROAD_ENDS)
            or _COMPOUND_NEXT.match(s, end)
        ):
            return None  # a compound (嘉州美都194幢) or a road name, no village
        if not all(e[1][:6] in gaz.local_counties for e in fit) and not (
            end >= len(s) or _GROUP_NEXT.match(s, end)
        ):
            # outside the database's counties a village written without 村/社区 counts
            # only before its group number or at the end (临区街, 山市镇, 下湾新村,
            # 桥下梅陇村 are other things)
            return None
    # a township named without 街道/镇/乡 (its short name, or an alias the database's
    # county gives it: 稠城) and then the suffix it had before (稠城镇 for 稠城街道): the
    # township, suffix included (not 稠城 and a village 镇江滨社区)
    old = _other_suffix(s, end) if level == TOWNSHIP and not token.endswith(_TOWN_ENDS) else 0
    if (
        not old
        and fit[0][2] not in SHORTS
        and fit[0][2] != TOWN_SHORT
        and not token.endswith(_ADMIN_SUFFIXES)
        and not _boundary(s, end, p, gaz)
        and not any(_has_child_at(s, end, e, gaz) for e in fit)
        # a county's alias (义乌, as the county's own list names it) as the first word
        # before a road counts as its short name does (义乌稠州北路, see pick_level)
        and not (
            level in (CITY, COUNTY) and pos == 0 and len(fit) == 1 and _ROAD_NEXT.match(s, end)
        )
    ):
        # A bare name (北苑, 夏楼) is often the start of something longer (北苑工业区,
        # 夏楼宅村): it counts only before a number, the end, or another admin name
        # (西沙群岛永乐…: one of its own children).
        return None
    if old:
        end += old
        token = s[pos:end]
        if _under_former(p):
            # (余杭县五常乡: 五常街道 by its name under the former county, as the county
            # is: former_name, the written name kept)
            p.conflict = p.conflict or conflict
            _record(p, level, token, [(e[1], KIND_SCORE[e[2]], _FORMER_METHOD) for e in fit])
            return end
    p.conflict = p.conflict or conflict
    _record(p, level, token, [(e[1], KIND_SCORE[e[2]], KIND_METHOD[e[2]]) for e in fit])
    return end


def _short_upper_town(s: str, pos: int, end: int, p: Parsed) -> int | None:
    """A county's short name with a township's suffix after it, no township of that
    name where the address is read (五常街道文一西路, 永康街道): the township's text kept
    without a code, flagged ``unknown_township``; never the county."""
    if TOWNSHIP in p.admin or p.comps["township"] is not None:
        return None
    end += _other_suffix(s, end)
    p.comps["township"] = s[pos:end]
    _flag(p, "unknown_township")
    return end


def _under_former(p: Parsed) -> bool:
    """Was the county found by a former name (余杭县, 东阳县)?"""
    cands = p.admin.get(COUNTY)
    return cands is not None and all(c[2] == _FORMER_METHOD for c in cands)


def _later_township_at(entries: list, s: str, end: int, p: Parsed, gaz: AdminGazetteer) -> bool:
    """Is the county or city of ``entries``, written again in full after the township
    found, followed by another township of the place written in full (…稠城街道江滨社区
    义乌市北苑街道…)? Then a second address starts at the repeat."""
    towns = p.admin.get(TOWNSHIP)
    if towns is None or end >= len(s) or not any(e[0] <= COUNTY for e in entries):
        return False
    for idx in _scopes(p, gaz):
        hit = idx.longest(s, end)
        if hit is not None and s[end : end + hit[0]].endswith(_TOWN_ENDS):
            for e in hit[1]:
                if e[0] == TOWNSHIP and e[2] != TOWN_SHORT and all(e[1] != t[0] for t in towns):
                    return True
    return False


def _market_at(s: str, end: int, entries: list, gaz: AdminGazetteer) -> bool:
    """Is the 市 that ends a name (of ``entries``) at ``s[end]`` the first character of
    市场 (义乌市场, 东阳市场: a market named for the place)? Then it is no city's or
    county's suffix and the name is none: the market's name is read whole (a compound,
    as 篁园市场). Not where a township of the place starts at 场 (富阳市场口镇)."""
    if not (s.startswith("场", end) and s[end - 1] == "市"):
        return False
    if _UNKNOWN_TOWN.fullmatch(s, end):
        return False  # (义乌市场口镇: 义乌市 and a township 场口镇, the county kept)
    for e in entries:
        if e[0] == COUNTY:
            idx = gaz.county_index(e[1][:6])
        elif e[0] == CITY:
            idx = gaz.city_index(e[1][:4])
        else:
            continue
        if idx.longest(s, end) is not None:
            return False
    return True


def _upper_repeated(entries: list, s: str, end: int, p: Parsed, gaz: AdminGazetteer) -> bool:
    """A province, city or county found already, written again short right before one
    of its own names (浙江省温州市null浙江温州市瑞安市…, 金华金华义乌…, 瑞安市瑞安塘下镇):
    the prefix written twice, skipped; before anything else (浙江省浙江大学, 义乌市义乌
    经济技术开发区) it starts another name."""
    for e in entries:
        if e[0] <= COUNTY and e[2] in SHORTS and any(c[0] == e[1] for c in p.admin[e[0]]):
            if _has_child_at(s, end, e, gaz):
                return True
    return False


def _county_again(entries: list, new: list, s: str, end: int, p: Parsed) -> bool:
    """The county found, written again short (余杭区杭州余杭良渚…): a repeat, not the
    township of the same name (余杭街道), unless a township's suffix follows (余杭镇)."""
    return (
        all(e[2] == TOWN_SHORT for e in new)
        and _other_suffix(s, end) == 0
        and any(
            e[0] == COUNTY and e[2] in SHORTS and any(c[0] == e[1] for c in p.admin[COUNTY])
            for e in entries
        )
    )


#: After a county written short as the first word (义乌稠州北路), a road: the county
#: counts when no other county has that short name.
_ROAD_NEXT = re.compile(r"[^\d]{1,8}?(?:大道|路|街|巷|弄)")
#: …or before a market, a compound or a works named for the place (义乌国际商贸城,
#: 海宁皮革城, 柯桥轻纺城): then only when the name means nothing else anywhere
_LANDMARK_NEXT = re.compile(
    r"[^\d]{0,8}?(?:城|市场|小区|花园|新村|公寓|大厦|广场|中心|工业区|"
    r"工业园|开发区|园区|村|镇)"
)


def pick_level(
    fit: list, s: str, end: int, gaz: AdminGazetteer, p: Parsed | None = None, pos: int = 0
):
    """(level, entries) of the highest level among the entries ``fit`` of a name ending at
    ``s[end]``, or None. A short name (浙江, 义乌, 南山) counts only when the next name is
    one of its children; otherwise the same name at a lower level is taken (马村 the
    village, not short for 马村区). A county's short name also counts right after its
    own city or province (杭州余杭文一西路), and as the first word of the address
    before a road when it is the only county of that short name (义乌稠州北路)."""
    level = min(e[0] for e in fit)
    top = [e for e in fit if e[0] == level]
    if all(e[2] in SHORTS for e in top):
        kept = [e for e in top if _has_child_at(s, end, e, gaz)]
        if not kept and p is not None and level == COUNTY and len(top) == 1:
            above = [c for lv in (1, 2) for c in p.admin.get(lv, ())]
            if above or (
                pos == 0
                and (
                    end >= len(s)
                    or _ROAD_NEXT.match(s, end)
                    or (len(fit) == 1 and _LANDMARK_NEXT.match(s, end))
                )
            ):
                kept = top
        elif not kept and level == CITY and len(fit) == 1 and pos == 0:
            # a city's short name as the first word before a road (杭州下沙路118号),
            # when it names nothing else: the city (a road named for it is 杭州路)
            if _ROAD_NEXT.match(s, end):
                kept = top
        top = kept
        if not top:
            rest = [e for e in fit if e[2] not in SHORTS]
            if not rest:
                return None
            level = min(e[0] for e in rest)
            top = [e for e in rest if e[0] == level]
    return level, top


_ADMIN_SUFFIXES = (
    "村",
    "社区",
    "居委会",
    "委会",
    "委员会",
    "街道",
    "镇",
    "乡",
    "市",
    "县",
    "区",
    "省",
    "州",
    "旗",
    "盟",
    "办事处",
    "嘎查",
    "苏木",
)


def _boundary(s: str, end: int, p: Parsed, gaz: AdminGazetteer) -> bool:
    if end >= len(s) or s[end].isdigit():
        return True
    return any(idx.longest(s, end) is not None for idx in _scopes(p, gaz))


def _has_child_at(s: str, pos: int, entry, gaz: AdminGazetteer) -> bool:
    if pos >= len(s):
        return False
    level, code, _ = entry
    w = _PREFIX[level]
    idx = gaz.county_index(code[:6]) if level == COUNTY else gaz.top
    hit = idx.longest(s, pos)
    # a child, or the same area written again (温州温州市); asked first: one look-up,
    # where the townships below take one per county
    if hit is not None and any(
        (e[0] > level and e[1][:w] == code[:w]) or e[1] == code for e in hit[1]
    ):
        return True
    if level == CITY and s[pos : pos + 2] in gaz.city_index(code[:4]).first2:
        # a township right after the city (温州清江镇, or short before a road: 温州柳市
        # 长兴路): one of its counties' townships (asked only when a name of one of its
        # counties starts there at all)
        for c in gaz.counties_of(code[:4])[:_CITY_MAX]:
            hit = gaz.county_index(c).longest(s, pos)
            if hit is not None and any(
                e[0] == TOWNSHIP
                and (
                    e[2] != TOWN_SHORT
                    or _other_suffix(s, pos + hit[0])  # 温州郭溪镇: 郭溪街道, once a 镇
                    or _short_then_road(s, pos + hit[0])
                )
                for e in hit[1]
            ):
                return True
    if level == PROVINCE and s[pos : pos + 2] in gaz.province_index(code[:2]).first2:
        # a township written in full right after the province (浙江柳市镇)
        return gaz.province_index(code[:2]).longest(s, pos) is not None
    return False


#: …nor, right after a city, before these (中山东路 is a road, not 中山 township's)
_ROAD_SIDE = frozenset("东西南北中")


def _short_then_road(s: str, end: int) -> bool:
    """A township written short right after its city, with no county (杭州下沙文泽路,
    温州柳市长兴路, 湖州织里大港路), counts only before a road's name that is not its own
    (下沙路, 中山东路, 下沙大道 are roads), or before a compound's (杭州下沙宝龙城市广场;
    not 下沙花园, 西溪印象城: named for the place)."""
    if end >= len(s) or s[end] in _ROAD_SIDE:
        return False
    if s[end] in _AFTER_TOWN_SHORT and not _big_road(s, end):
        return False
    # (a road of its own name: two characters or more before 路/街, not 天府二街)
    m = _ROAD_NEXT.match(s, end)
    return (
        (m is not None and m.end() - end >= 3)
        or _COMPOUND_AHEAD.match(s, end) is not None
        or _HOME_AHEAD.match(s, end) is not None
    )


#: a compound's name (a word or two and a commercial building's word) where no road
#: comes first (a home's word, 公寓, 花园, as often ends a longer place: 大南门龙泉公寓)
_COMPOUND_AHEAD = re.compile(r"[^\d路街巷弄道]{1,6}?(?:广场|大厦)")
#: …or a home's (公寓, 花园, 小区) with a name of two characters or more of its own
#: (杭州市下沙金沙公寓, 宁波洪塘姚江花园; 下沙花园 is a compound named for the place, see
#: _AFTER_TOWN_SHORT); not 苑, whose names as often start with the place's (巨化望江花苑
#: is one name in the looked-at corpus), nor after a gate named for it (大南门龙泉公寓)
_HOME_AHEAD = re.compile(r"(?!门)[^\d路街巷弄道]{2,6}?(?:公寓|花园|小区)")


def _big_road(s: str, end: int) -> bool:
    """A road whose name starts with 大 (大港路) after a township written short: the
    township's, where 大道 and 大街 would be the township's own road (织里大道)."""
    return (
        s[end] == "大"
        and not s.startswith(("大道", "大街"), end)
        and (m := _ROAD_NEXT.match(s, end)) is not None
        and m.end() - end >= 3
    )


#: How much a same-sound match counts against an exact one (see :func:`similarity`).
SOUND_WEIGHT = 0.92


def similarity(token: str, name: str, name_syllables: tuple | None = None) -> tuple[float, str]:
    """(score, method) of a written name against a gazetteer name: by characters
    (rapidfuzz ratio, method 'fuzzy') or by sound (0.92 × :func:`sound_similarity`,
    method 'pinyin'), whichever is higher."""
    r_char = fuzz.ratio(token, name) / 100.0
    sound = SOUND_WEIGHT * sound_similarity(token, name, name_syllables)
    if sound > r_char:
        return sound, "pinyin"
    return r_char, "fuzzy"


def _candidates(token: str, pool: FuzzyPool, threshold: float) -> set[int]:
    """Indexes of every name in ``pool`` whose :func:`similarity` to ``token`` can reach
    ``threshold``; the others cannot, so they are not compared at all.

    * By characters, ratio = 2·LCS / (len a + len b) ≤ 2·(shared characters) / (len a +
      len b).
    * By sound, with as many syllables: a score of ``threshold`` leaves a deficit of
      ``1 − threshold / SOUND_WEIGHT`` per syllable and a syllable whose final differs
      costs at least 0.5, so the finals match but for ``budget // 0.5`` syllables.
    * By sound, with another number of syllables: the score is 0.9 × the ratio of the
      pinyin strings, whose lengths then differ by a bounded factor.
    """
    la = len(token)
    bound = 2 * pool.shared(token) / (la + pool.lengths)
    out = set(np.flatnonzero(bound >= threshold - 1e-9).tolist())
    need = threshold / SOUND_WEIGHT
    if need > 1:
        return out
    syl = syllables(token)
    n = len(syl)
    off = int((1 - need) * n / 0.5 + 1e-9)
    fin = tuple(f for _, f in syl)
    if off == 0:
        out |= pool.by_finals(fin, False)
    elif off == 1:
        out |= pool.by_finals(fin, True)
    else:
        out.update(pool.by_syllables.get(n, ()))
    r = need / 0.9
    if r <= 1:
        tp = fuzzy_pinyin(token)
        lp = len(tp)
        band = np.flatnonzero(
            (pool.pinyin_lengths >= r / (2 - r) * lp - 1e-9)
            & (pool.pinyin_lengths <= (2 - r) / r * lp + 1e-9)
            & (pool.n_syllables != n)
        )
        if len(band):
            hits = process.extract(
                tp,
                [pool.pinyins[i] for i in band],
                scorer=fuzz.ratio,
                score_cutoff=100 * r - 1e-6,
                limit=None,
            )
            out.update(int(band[j]) for _, _, j in hits)
    return out


def _fuzzy(token: str, pool: FuzzyPool) -> list[tuple[str, float, str]]:
    """Candidates (code12, score, method) for a misspelt name among a
    :class:`~gis.geocode.gazetteer.FuzzyPool`: when the best scores at least
    :data:`FUZZY_MIN`, every place scoring within :data:`FUZZY_KEEP` of it, best first.
    Only the names that can score that high are compared (:func:`_candidates`)."""
    if not pool.names:
        return []

    def scored(idx: set[int]) -> dict[str, tuple[float, str]]:
        best: dict[str, tuple[float, str]] = {}
        for i in sorted(idx):  # pool order: ties resolve as a full scan would
            name, code, kind = pool.entries[i]
            score, method = similarity(token, name, pool.syllables[i])
            score *= KIND_SCORE[kind]
            if score > best.get(code, (0.0, ""))[0]:
                best[code] = (score, method)
        return best

    best = scored(_candidates(token, pool, FUZZY_MIN))
    if not best:
        return []
    top = max(v[0] for v in best.values())
    if top < FUZZY_MIN:
        return []
    if top - FUZZY_KEEP < FUZZY_MIN:  # kept names may score a little under FUZZY_MIN
        best = scored(_candidates(token, pool, top - FUZZY_KEEP))
    return sorted(
        ((c, s, m) for c, (s, m) in best.items() if s >= top - FUZZY_KEEP),
        key=lambda c: (-c[1], c[0]),
    )


def _fuzzy_under(token: str, level: int, scopes: tuple, gaz: AdminGazetteer) -> list:
    """:func:`_fuzzy` of ``token`` among the names at ``level`` under ``scopes``, kept in
    the gazetteer's head cache: a misspelt or unknown name comes again and again in a
    batch (龙港镇, a town until 2019), and scoring it costs a few dozen microseconds.
    (The candidate lists are shared, as the head cache's are: never changed in place.)"""
    key = ("fuzzy", token, level, scopes)
    cache = gaz.head_cache
    out = cache.get(key)
    if out is None:
        out = cache[key] = _fuzzy(token, gaz.choices(level, scopes))
    return out


#: An unknown township: a short name ending in 镇/乡/街道 with nothing of a road,
#: compound or village in it (城 only as its first character: 城关镇, 城南乡, the old
#: county seats, not 宝龙城镇…)
#: the flag of a township known only by a near spelling or sound: its text, no code
TOWNSHIP_GUESSED = "township_not_certain"
#: An unknown township: a short name ending in 镇/乡/街道 with nothing of a road,
_UNKNOWN_TOWN = re.compile(
    r"(?:城(?![镇乡市]))?[^\d路街巷弄号村区市县小花园苑府城]{1,6}?(?:街道|镇|乡)(?!村|路|街)"
)
_GROUP_NEXT = re.compile(r"\d+组")


def _fuzzy_at(s: str, pos: int, p: Parsed, gaz: AdminGazetteer) -> int | None:
    admin = p.admin
    town_step = TOWNSHIP not in admin and VILLAGE not in admin
    m = _TOWN_SPLIT.match(s, pos) if town_step else None
    if m is None and "\n" not in s and (VILLAGE in admin or not gaz.local_counties):
        return None  # (the common case: nothing below can match; see the steps below)
    counties = sorted({c[0][:6] for c in admin.get(COUNTY, ())}) or list(gaz.local_counties)
    if town_step:
        if m:
            cands = _fuzzy_under(m.group(), TOWNSHIP, tuple(counties[:4]), gaz)
            if cands:  # (settled once the village is read: _settle_township)
                _record(p, TOWNSHIP, m.group(), cands)
                return m.end()
        # (no 街道/镇/乡 within reach: no unknown township either)
        m = _UNKNOWN_TOWN.match(s, pos) if m or "\n" in s else None
        if m and counties and p.comps["township"] is None:
            # a township not in the list (renamed, merged, misspelt beyond repair): its
            # text is kept as the township, without a code, and flagged
            p.comps["township"] = m.group()
            p.flags.append("unknown_township")
            return m.end()
    # a misspelt village only in the database's counties, whose names staff keep:
    # elsewhere a near name is as often another village (新田村 is not 菱田村)
    if VILLAGE not in p.admin and counties and all(c in gaz.local_counties for c in counties):
        # a village name ends in 村/社区/…, or else (村 itself misspelt) runs up to a
        # group number; never a name before a building number (幸福新村5栋, 嘉州美都194幢:
        # compounds)
        m = _VILL_SPLIT.match(s, pos)
        if m is None:
            m = _BEFORE_NUMBER.match(s, pos)
            if m is not None and not _GROUP_NEXT.match(s, m.end()):
                m = None
        if m and not _BUILDING_NEXT.match(s, m.end()):
            scopes = sorted({c[0][:9] for c in p.admin.get(TOWNSHIP, ())}) or counties
            cands = _fuzzy_under(m.group(), VILLAGE, tuple(scopes[:4]), gaz)
            if cands:
                _record(p, VILLAGE, m.group(), cands)
                return m.end()
    return None


#: :func:`_chain` takes the short way for a name that settles itself (see
#: :func:`_plain_step`); False only in the test that checks both ways agree.
FAST_STEP = True
_NOTHING = -1  # no name at all at that position
_UNSURE = -2  # a name the full step must weigh
_PLAIN_KINDS = frozenset((EXACT, ALIAS, FORMER))


def _plain_step(s: str, pos: int, p: Parsed, gaz: AdminGazetteer) -> int:
    """The common step of :func:`_chain`, the way :func:`_exact_at` would take it:
    exactly one name at ``pos`` (the longest over the scopes), written in full (its
    official name, an alias or a former name, ending in 省/市/区/县/镇/街道/村/…), at a
    level not found yet and fitting under what was found. Returns the new position,
    :data:`_NOTHING` when no name starts there, :data:`_UNSURE` for anything else."""
    scopes = p.scopes
    if scopes is None:
        scopes = p.scopes = _scopes_of(p.admin, gaz)
    best_len, entries = 0, None
    two = s[pos : pos + 2]
    rest = len(s) - pos
    for idx in scopes:
        # NameIndex.longest, written out (this runs a few times for every address)
        lens = idx.first2.get(two)
        if lens is None:
            continue
        names = idx.names
        for ln in lens:
            if ln > rest:
                continue
            if ln < 2:
                break
            hit = names.get(s[pos : pos + ln])
            if hit is not None:
                if ln > best_len:
                    best_len, entries = ln, hit
                elif ln == best_len:
                    return _UNSURE  # the same length in two scopes
                break
    if entries is None:
        return _NOTHING
    if len(entries) != 1:
        return _UNSURE
    level, code, kind = entries[0]
    if kind not in _PLAIN_KINDS or level in p.admin:
        return _UNSURE
    end = pos + best_len
    token = s[pos:end]
    if (
        not token.endswith(_ADMIN_SUFFIXES)
        or (level == VILLAGE and not token.endswith(_VILLAGE_ENDS))
        or _market_at(s, end, entries, gaz)
    ):
        return _UNSURE
    if not _compatible(code, level, p.admin):
        return _UNSURE
    _record(p, level, token, [(code, KIND_SCORE[kind], KIND_METHOD[kind])])
    return end


def _chain(s: str, pos: int, p: Parsed, gaz: AdminGazetteer, trailing: bool = False) -> int:
    """Consume admin names from ``pos`` on, in any order; returns the new position.
    ``trailing``: the text after the numbers, where a village needs its 村/社区."""
    while pos < len(s) - 1:
        nxt: int | None = _plain_step(s, pos, p, gaz) if FAST_STEP else _UNSURE
        if nxt == _UNSURE:
            nxt = _exact_at(s, pos, p, gaz, trailing)
        elif nxt == _NOTHING:
            nxt = None
        if nxt is None and s[pos] == "区":  # (市区 before a name: not a misspelt one)
            nxt = _filler_at(s, pos, p, gaz)
        if nxt is None:
            nxt = _fuzzy_at(s, pos, p, gaz)
        if nxt is None:
            nxt = _filler_at(s, pos, p, gaz)
        if nxt is None:
            break
        pos = nxt
    return pos


#: Words written between the city or county and the township or road that name no area
#: of the list (金华市婺城区城区八一北街, 杭州市高新区(滨江)江南大道, 宁波市开发区…).
_FILLER = re.compile(r"经济技术开发区|经济开发区|高新技术产业开发区|高新区|开发区|城区|市区")
_FILLER_FIRST = frozenset("经高开城市区")
#: …unless they start a name of their own (城区街道, 开发区路, 高新区大道)
_FILLER_NAMED = re.compile(r"街道|镇|乡|村|社区|路|街|巷|弄|大道")


def _full_name_at(s: str, pos: int, p: Parsed, gaz: AdminGazetteer) -> bool:
    """Does a name written in full (梅墟街道, 滨江区: not a short one, 天府 of 天府二街)
    start at ``s[pos]``?"""
    for idx in _scopes(p, gaz):
        hit = idx.longest(s, pos)
        if hit is not None and s[pos : pos + hit[0]].endswith(_ADMIN_SUFFIXES):
            return True
    return False


def _filler_at(s: str, pos: int, p: Parsed, gaz: AdminGazetteer) -> int | None:
    """After a city or county, before the township or a road: a filler word of
    :data:`_FILLER` is skipped (kept in ``leftover``), never read as a township or
    village. Only where a name of the list written in full or a road follows it: before
    anything else (开发区员工宿舍) it is the start of a compound's name."""
    if s[pos] not in _FILLER_FIRST:
        return None  # (the common case, asked first: the chain ends here for most heads)
    admin = p.admin
    if TOWNSHIP in admin or VILLAGE in admin:
        return None
    if CITY not in admin and COUNTY not in admin and not (pos == 0 and s.startswith("市区")):
        return None  # (市区 first, the town proper with no name: 市区中山路18号)
    if s[pos] == "区":
        # 市区 (the town proper) after a name ending in 市, sharing its 市: 义乌市区稠州北路
        if s[pos - 1] != "市":
            return None
        end = pos + 1
    else:
        m = _FILLER.match(s, pos)
        if m is None:
            return None
        end = m.end()
    if end >= len(s) or s[end].isdigit() or _FILLER_NAMED.match(s, end):
        return None
    if not _full_name_at(s, end, p, gaz) and not _ROAD_NEXT.match(s, end):
        return None
    p.leftover += s[pos:end]
    return end


def _tail(t: str, p: Parsed, gaz: AdminGazetteer) -> None:
    """Numbers and the text between them: compound, road, building, unit, room …"""
    c = p.comps
    if TOWNSHIP in p.admin and _second_address(t, 0, p, gaz):
        # a county, city or province in full right after the township or village,
        # not under it or before another township (…稠城街道江滨社区 义乌市北苑街道…,
        # …稠城街道东阳市吴宁街道…): a second address, as after a number
        return
    pending = None
    pos = 0
    m = _TOKEN.search(t)
    while m is not None:
        start = m.start()
        spaced = False  # (a space before the number: written apart from the one before)
        if start > pos and t[pos:start].isspace():
            spaced = True
        elif start > pos:  # text between numbers
            if pending:
                p.leftover += pending
            pending = t[pos:start]
            # a second address between the numbers, its own numbers after it
            # (…好运街88号 义乌市赤岸镇柏峰村3组): the later one is the address
            # (right after the head, only where the head's reading went down to a
            # village and stopped at another township: 江滨社区 义乌市赤岸镇柏峰村3组;
            # not 昌化龙岗镇郡沃村, an old place name before the township)
            if (pos or VILLAGE in p.admin) and _later_address(
                pending, p, gaz, len(p.text) - len(t) + pos
            ):
                c, pending = p.comps, None
            elif pos and _second_address(t, pos, p, gaz):
                return
            elif _another_place(pending, p, gaz):
                _flag(p, TWO_ADDRESSES)
        v, kind, bare = m.groups()
        if _numbers_again(kind, c):
            # a second set of numbers (…1-1-601 2-1-101, …1栋1单元601室 金茂公馆2栋): a
            # second address, never mixed into the first (its building with the
            # first's unit and room); the first is kept, the later is leftover
            _flag(p, TWO_ADDRESSES)
            p.leftover += (pending or "") + t[start:].strip()
            return
        pos = m.end()
        if kind is None:  # a bare number
            dashed = _DASHED.match(t, pos)
            if dashed is not None:
                # a dashed number the normaliser did not read as building and room
                # (…好运街88号2-301): one number as written, never cut at its dash
                bare, pos = t[start : dashed.end()], dashed.end()
            if c["building"] is not None and c["room"] is None and dashed is None:
                c["room"] = bare
            elif c["house_no"] is None and not (spaced and c["room"] is not None):
                c["house_no"] = bare
                if pending and c["compound"] is None:
                    c["compound"] = pending
                    pending = None
            else:
                # no slot left (a third number, 篁园市场B区2街15; a number written apart
                # after the room, …1-1-601 8): kept as written, not dropped nor glued
                if spaced and p.leftover and not pending:
                    bare = " " + bare
                p.leftover += (pending or "") + bare
                pending = None
        elif kind == "号":
            rm = _ROAD.match(pending) if pending else None
            if rm and c["road"] is None:
                c["road"], c["road_no"] = rm.group(2), v
                if rm.group(1):
                    if c["compound"] is None:
                        c["compound"] = rm.group(1)
                    else:
                        p.leftover += rm.group(1)
            elif c["house_no"] is None:
                c["house_no"] = v
                if pending and c["compound"] is None:
                    c["compound"] = pending
                elif pending:
                    p.leftover += pending
            else:
                # a number with 号 after the house number (篁园市场B区2街15号, 义乌市场3区
                # 5号): no slot left, its text is leftover, never dropped
                p.leftover += (pending or "") + m.group()
            pending = None
        elif kind == "栋":
            c["building"] = v
            if pending and c["compound"] is None:
                c["compound"] = pending
            elif pending:
                p.leftover += pending
            pending = None
        elif kind == "组":
            c["group"] = v
            if pending:
                if c["village"] is None:
                    c["village"] = pending
                else:
                    p.leftover += pending
            pending = None
        else:  # 单元, 层, 室
            c[_UNIT_COMPONENT[kind]] = v
        m = _TOKEN.search(t, pos)
    if pos < len(t):
        rest = t[pos:]
        if pos and _second_address(t, pos, p, gaz, trailing=True):
            return
        if pos:
            if _less_specific(rest, p, gaz) or _place_alone(rest, p, gaz):
                return
            # Trailing text: admin names written after the rest (swapped order).
            end = _chain(rest, 0, p, gaz, trailing=True)
            rest = rest[end:]
            if rest and _later_address(rest, p, gaz):
                return
            if rest:
                if _another_place(rest, p, gaz):
                    # (…好运街88号东阳市: a second address, less specific; a county's
                    # name is never a compound)
                    _flag(p, TWO_ADDRESSES)
                    p.leftover += rest
                elif c["compound"] is None and c["building"] is None and end == 0:
                    pending = rest
                else:
                    p.leftover += rest
        elif _later_address(rest, p, gaz):
            return
        elif _another_place(rest, p, gaz):
            _flag(p, TWO_ADDRESSES)
            p.leftover += rest
        elif not _less_specific(rest, p, gaz):
            pending = rest
    if pending:
        if c["compound"] is None:
            c["compound"] = pending
        else:
            p.leftover += pending


_UNIT_COMPONENT = {"单元": "unit", "层": "floor", "室": "room"}
#: the number slots of a flat, in the order written: one written again, or one written
#: after a lower one, starts a second set of numbers (see :func:`_numbers_again`)
_FLAT_ORDER = ("building", "unit", "floor", "room")
_FLAT_SLOT = {"栋": "building", "单元": "unit", "层": "floor", "室": "room"}


def _numbers_again(kind: str | None, c: dict) -> bool:
    """Does a number with the unit word ``kind`` start a second set of a flat's
    numbers: its slot filled already, or a lower one (2栋 after 601室, 1单元 after
    601室)? A floor after the room is no restart (5栋601室6层 keeps its floor)."""
    slot = _FLAT_SLOT.get(kind or "")
    if slot is None or slot == "floor":
        return False
    if c[slot] is not None:
        return True
    below = _FLAT_ORDER[_FLAT_ORDER.index(slot) + 1 :]
    return any(c[x] is not None for x in below if x != "floor")


_DASHED = re.compile(r"(?:-\d+)+")


#: how a second address run on ends (see :func:`_later_address`): its township or village
_LATER_ENDS = ("村", "社区", "居委会", "委会", "街道", "镇", "乡", "嘎查", "苏木", "办事处")


def _later_address(rest: str, p: Parsed, gaz: AdminGazetteer, cut: int = -1) -> bool:
    """Is ``rest``, the text left at the end of an address, a second address run on
    (sender and receiver, an old address and the new: …好运街88号义乌市赤岸镇柏峰村,
    …江滨社区义乌市赤岸镇柏峰村, …江滨社区12号赤岸镇柏峰村)? It is when it is admin
    names only, ending in a township or village, that name another township or village
    than the first (as specific: a village if the first has one) — named in full with
    their county, city or province, or else under the first's county. Then the later
    one is the address: ``p`` takes its reading, the first address is ``leftover``.
    ``cut``: where ``rest`` starts in ``p.text`` when it is not at the end (the later
    address has numbers of its own after it: …88号义乌市赤岸镇柏峰村3组)."""
    if not rest.endswith(_LATER_ENDS) or len(rest) < 4 or not p.admin:
        return False
    q = Parsed(rest)
    end = _chain(rest, 0, q, gaz)
    if end < len(rest) or not (PROVINCE in q.admin or CITY in q.admin or COUNTY in q.admin):
        q = Parsed(rest)
        q.admin = {lv: c for lv, c in p.admin.items() if lv <= COUNTY}
        if COUNTY not in q.admin:
            return False
        for lv in q.admin:  # (their names as the first address wrote them)
            q.comps[LEVEL_NAME[lv]] = p.comps[LEVEL_NAME[lv]]
        end = _chain(rest, 0, q, gaz)
        if end < len(rest):
            return False
    if q.conflict:
        return False
    first, later = p.codes(), q.codes()
    if later["township"] is None or (first["village"] and later["village"] is None):
        return False
    if later["township"] == first["township"] and later["village"] in (None, first["village"]):
        return False
    # (the first address as written: what was leftover of it is in it)
    p.leftover = p.text[: len(p.text) - len(rest) if cut < 0 else cut] + q.leftover
    p.admin, p.comps, p.flags, p.scopes = q.admin, q.comps, q.flags, None
    _flag(p, TWO_ADDRESSES)  # (the later taken for where it stands: the reader told)
    return True


def _second_address(
    t: str, pos: int, p: Parsed, gaz: AdminGazetteer, trailing: bool = False
) -> bool:
    """Does a second address start at ``t[pos]``, right after a number of the first,
    with a county, city or province written in full? With its township after it
    (…5-2-301 义乌市北苑街道春华路18号, …301室义乌市北苑街道…) it is the address: ``p``
    takes its reading, the first is ``leftover``. Else (…好运街88号 义乌市稠州北路5号) the
    first is kept, flagged ``two_addresses``, and the later is ``leftover``: a county's
    name is never part of a road or compound. ``trailing``: ``t[pos:]`` has no number
    after it; admin names only there are left to the reading of the trailing text.
    ``pos`` 0: right after the names of the first, its township found (…稠城街道江滨社区
    义乌市北苑街道…, see :func:`_later_township_at`), the same."""
    rest = t[pos:]
    if len(rest) < 3:
        return False
    hit = gaz.top.longest(rest, 0, 3)
    if hit is None or _market_at(rest, hit[0], hit[1], gaz):
        return False
    if not rest[: hit[0]].endswith(("省", "市", "县", "区", "州", "盟", "自治区")):
        return False
    if not any(e[0] <= COUNTY and e[2] not in SHORTS for e in hit[1]):
        return False
    q = Parsed(rest)
    end = _chain(rest, 0, q, gaz)
    if trailing and (end == len(rest) or _adds_to(q, p)):
        return False
    cut = len(p.text) - len(t) + pos
    town = q.comps["township"]
    if COUNTY in q.admin and town and town.endswith(("街道", "镇", "乡")):
        later = _parse(p.text[cut:], gaz)
        p.leftover = p.text[:cut] + later.leftover  # (see _later_address)
        p.admin, p.comps, p.flags, p.scopes = later.admin, later.comps, later.flags, None
        p.conflict = later.conflict
        _flag(p, TWO_ADDRESSES)
        return True
    _flag(p, TWO_ADDRESSES)
    p.leftover += rest
    return True


def _less_specific(rest: str, p: Parsed, gaz: AdminGazetteer) -> bool:
    """Is ``rest``, the text at the end of an address whose county is written, admin
    names only that go no lower than the address does (…好运街88号义乌市, …18号浙江省,
    …18号金华市, …稠城街道江滨社区赤岸镇)? Then it is a second address, less specific
    or at the same level: the first is kept, flagged ``two_addresses``, ``rest`` is
    ``leftover`` (never a compound, nor taken silently into the address)."""
    if COUNTY not in p.admin or len(rest) < 2 or not rest.endswith(_ADMIN_SUFFIXES):
        return False
    # (…88号 中国浙江省: the country's name before them, kept with them in leftover)
    names = rest[2:] if rest.startswith("中国") and len(rest) > 3 else rest
    q = Parsed(names)
    if _chain(names, 0, q, gaz) < len(names) or not q.admin:
        q = Parsed(names)  # (a township of the first's county, 赤岸镇, read under it)
        q.admin = {lv: c for lv, c in p.admin.items() if lv <= COUNTY}
        if _chain(names, 0, q, gaz) < len(names):
            return False
        if not any(lv > COUNTY for lv in q.admin):
            return False
    low, first_low = max(q.admin), max(p.admin)
    if low > first_low or (
        low == first_low and {c[0] for c in q.admin[low]} != {c[0] for c in p.admin[low]}
    ):
        return False  # (more specific, or another place as specific: read on)
    _flag(p, TWO_ADDRESSES)
    p.leftover += rest
    return True


def _place_alone(rest: str, p: Parsed, gaz: AdminGazetteer) -> bool:
    """Is ``rest``, all the text after the numbers of an address whose county is
    written, a place by its name alone that the address is not in: a county of the
    province by its short name (…好运街88号东阳), or a village of the county written as
    the list has it, another township's or another than the address's (…88号柏峰村)?
    Then it is a second address, less specific (no county or township of its own): the
    first is kept, flagged ``two_addresses``, ``rest`` is ``leftover`` (never a compound)."""
    county = p.admin.get(COUNTY)
    if county is None or len(rest) < 2:
        return False
    if _county_by_short_name(rest, p, gaz):
        return _second_flagged(rest, p)
    if not rest.endswith(_VILLAGE_ENDS):
        return False
    q = Parsed(rest)
    q.admin = {lv: c for lv, c in p.admin.items() if lv <= COUNTY}
    if _chain(rest, 0, q, gaz) < len(rest) or TOWNSHIP in q.admin or q.conflict:
        return False
    v = q.admin.get(VILLAGE)
    if not v or any(c[2] in _GUESSED for c in v):
        return False
    mine = p.admin.get(VILLAGE)
    if mine is not None:
        other = not {c[0] for c in v} & {c[0] for c in mine}
    else:
        other = not any(_compatible(c[0], VILLAGE, p.admin) for c in v)
    return other and _second_flagged(rest, p)


def _second_flagged(rest: str, p: Parsed) -> bool:
    """``rest`` a second address not taken: flagged, ``leftover``; True."""
    _flag(p, TWO_ADDRESSES)
    p.leftover += rest
    return True


def _adds_to(q: Parsed, p: Parsed) -> bool:
    """Does the reading ``q`` name a level that ``p`` has not, all of it under ``p``'s
    (杭州市绍兴路450号杭州市下城区…: the county written after, not another address)?"""
    new = [lv for lv in q.admin if lv not in p.admin]
    return bool(new) and all(_compatible(q.admin[lv][0][0], lv, p.admin) for lv in q.admin)


#: the flag of a second address that :func:`_later_address` could not settle: the first
#: is kept, the reader told
TWO_ADDRESSES = "two_addresses"


def _flag(p: Parsed, flag: str) -> None:
    if flag not in p.flags:
        p.flags.append(flag)


def _another_place(text: str, p: Parsed, gaz: AdminGazetteer) -> bool:
    """Does ``text``, read after the numbers, start with a county or city written in
    full that is not the address's (…好运街88号 义乌市稠州北路5号): a second address
    that is not admin names only, so not taken for the address; flagged."""
    if len(text) < 3 or not ("市" in text or "县" in text or "区" in text):
        return False
    hit = gaz.top.longest(text, 0, 3)
    if (
        hit is None
        or not text[: hit[0]].endswith(("市", "县", "区"))
        or _market_at(text, hit[0], hit[1], gaz)
    ):
        return False
    entries = [e for e in hit[1] if e[0] in (CITY, COUNTY) and e[2] not in SHORTS]
    return bool(entries) and not any(_compatible(e[1], e[0], p.admin) for e in entries)


_FIRST_DIGIT = re.compile(r"\d")
_UPPER_WITHIN = 12


def _first_upper(s: str, gaz: AdminGazetteer) -> int:
    """Position of the first province or city (or county) written in full in the first
    characters of ``s`` after the start, else 0."""
    for i in range(1, min(len(s) - 1, _UPPER_WITHIN)):
        hit = gaz.top.longest(s, i, 3)
        if (
            hit is not None
            and any(e[2] == 0 for e in hit[1])
            and s[i : i + hit[0]].endswith(("省", "市", "自治区", "县", "区", "州", "盟"))
            and not _market_at(s, i + hit[0], hit[1], gaz)
        ):
            return i
    return 0


# ---------------------------------------------------------------- chatter and rubbish
_CN_NUM = "〇零一二三四五六七八九十两兩"
#: characters of places and numbers, never taken for part of a person's name
_NOT_NAME = "省市区區县縣镇鎮乡鄉村路街道巷弄号號栋棟幢楼樓单單元室层層组組队隊社苑园園府城庄莊厦廈场場院宅座期排之"
_NAME = (
    rf"(?:(?![{_NOT_NAME}{_CN_NUM}])[\u4e00-\u9fff])(?:(?![{_NOT_NAME}])[\u4e00-\u9fff·]){{1,3}}"
)
_PHONE = r"(?:\+?86[- ]?)?1[3-9]\d{9}|0\d{2,3}-?\d{7,8}"
_CHAT_SEP = r"[\s,，;；、]+"
#: the words after the address: people's names and phone numbers, separated
_CHAT_WORDS = re.compile(rf"(?:{_CHAT_SEP}(?:{_NAME}|{_PHONE}))+[\s,，;；、。.]*$")
_CHAT_WORD = re.compile(rf"({_NAME})|{_PHONE}")
#: a name glued to the room number (…301张三, …201王小二): a given name ending in numerals
_GLUED_NAME = re.compile(
    rf"(?<=[0-9０-９室号號])(?:(?![{_NOT_NAME}{_CN_NUM}])[\u4e00-\u9fff]){{1,2}}[{_CN_NUM}]{{1,2}}"
    rf"(?=[\s,，;；、]*(?:{_PHONE})?[\s,，;；、。.]*$)"
)
_ADDRESS_END = re.compile(r"(?:[0-9０-９A-Za-z]|[号號室栋棟幢楼樓层層组組座]|单元|單元)$")
_MAYBE_CHAT = re.compile(r"[\s,，;；、]|[" + _CN_NUM + r"]\W*\d*\W*$")


def split_chatter(text: Any) -> tuple[Any, str]:
    """(the address, the chatter after it) of a raw field: a person's name (and phone
    numbers) written after the address is no part of it (``…12-2-301 张三 13812345678``,
    ``…1-1-201 王小二``, ``…301李四四``): its numerals are not numbers. A word after the
    address counts as a name when it has a Chinese numeral in it or follows the house
    or room number; names of places and unit words (村, 路, 栋, 组 …) never do."""
    if not isinstance(text, str) or not _MAYBE_CHAT.search(text):
        return text, ""
    cut = len(text)
    m = _CHAT_WORDS.search(text)
    if m is not None:
        # back from the end, the words that are chatter: a name with a numeral in it,
        # or any name right after the numbers; phone numbers go with them
        words = list(_CHAT_WORD.finditer(text, m.start()))
        k = len(words)
        while k:
            w = words[k - 1]
            if w.group(1) is not None:
                before = text[: w.start()].rstrip(" \t,，;；、")
                if not (any(ch in _CN_NUM for ch in w.group(1)) or _ADDRESS_END.search(before)):
                    break
            k -= 1
        if any(w.group(1) is not None for w in words[k:]):
            cut = words[k].start()
            while cut and text[cut - 1] in " \t,，;；、":
                cut -= 1
    g = _GLUED_NAME.search(text, 0, cut)
    if g is not None and g.end() == len(text[:cut].rstrip(" \t,，;；、。.")):
        cut = g.start()
    if cut == len(text):
        return text, ""
    return text[:cut], text[cut:].strip(" \t,，;；、。.")


#: what makes a line an address at all: a Chinese character (号 alone comes from '#')
_MEANING = re.compile("[\u4e00-\u53f6\u53f8-\u9fff]")
NOTHING = "nothing_recognised"
#: the flag of a blank line (with :data:`NOTHING`): nothing written at all
EMPTY = "empty"


def parse(text, gaz: AdminGazetteer, *, normalised: bool = False) -> Parsed:
    """Parse one address (any spelling; it is normalised first unless ``normalised``).

    The admin names are read from the text before the first digit; that part repeats
    across many addresses (one street, one compound), so its reading is cached on the
    gazetteer and only the numbers are read per address.

    A line with nothing of an address in it (``asdfgh``, ``!!!@@@###``, ``1234567890``:
    no Chinese word; ``张三``, ``同上``, ``无``: no place named and nothing shaped like an
    address) gives no components, its text as ``leftover`` and the flag
    ``nothing_recognised``; a person's name and phone after the address are
    ``leftover`` too (:func:`split_chatter`).
    """
    chatter = ""
    if not normalised:
        text, chatter = split_chatter(text)
    p = _parse(text if normalised else normalise(text), gaz)
    if NOTHING in p.flags and isinstance(text, str):
        text = without_control(text)
        p.leftover = text.strip()  # (as written, not as normalised)
        p.flags = _empty_flag(p.flags, text + chatter)
    elif not normalised:
        # the other address normalising left out (寄件人…, 原住…, the earlier of two)
        dropped, by_place = dropped_by_place(text)
        p.leftover = _with_dropped(dropped, p.leftover)
        if by_place:
            _flag(p, TWO_ADDRESSES)  # (the later taken for where it stands: a guess)
    if chatter:
        p.leftover += chatter
        if _county_by_short_name(chatter, p, gaz):
            _flag(p, TWO_ADDRESSES)
    return p


def _county_by_short_name(word: str, p: Parsed, gaz: AdminGazetteer) -> bool:
    """Is ``word`` (after the address) a county of the address's province by its short
    name (…88号 东阳: a second address, see :func:`_place_alone`, not only a person's)?"""
    county = p.admin.get(COUNTY)
    hit = gaz.top.longest(word, 0, 2) if county else None
    if county is None or hit is None or hit[0] != len(word):
        return False
    provinces = {c[0][:2] for c in county}
    return any(e[0] == COUNTY and e[1][:2] in provinces for e in hit[1])


def _empty_flag(flags: list, raw: Any) -> list:
    """``flags`` with :data:`EMPTY` only where the line as written is blank: a line
    whose text normalising leaves nothing of (a phone number, ``电话13812345678``) is
    not empty, only ``nothing_recognised``."""
    if EMPTY in flags and isinstance(raw, str) and raw.strip():
        return [f for f in flags if f != EMPTY]
    return list(flags)


def _parse(s: str, gaz: AdminGazetteer) -> Parsed:
    if not s or not _MEANING.search(s):
        # (a blank line of a file keeps its line in the output, told apart by EMPTY)
        return Parsed(s, leftover=s, flags=[NOTHING] if s.strip() else [NOTHING, EMPTY])
    m = _FIRST_DIGIT.search(s)
    head = s[: m.start()] if m else s
    cache = gaz.head_cache
    hit = cache.get(head)
    if hit is None:
        q = Parsed(head)
        pos = _chain(head, 0, q, gaz)
        if pos == 0:
            # a word before the address proper (金城镇江苏省常州市…, 宁波柯锐进出口/鄞州…):
            # read from the first province or city written in full
            start = _first_upper(head, gaz)
            if start:
                q = Parsed(head, leftover=head[:start])  # (the word before: kept)
                pos = _chain(head, start, q, gaz)
                if pos == start:
                    q = Parsed(head)
                    pos = 0
        if len(cache) > 200_000:
            cache.clear()
        # the cache keeps copies: the address's own reading goes on below (q itself)
        # (the flags as a tuple: one object fewer for the cycle collector to walk after
        # the batch, when it runs again; see paused_gc)
        cache[head] = (
            dict(q.admin),
            dict(q.comps),
            q.conflict,
            pos,
            tuple(q.flags),
            q.leftover,
        )
        q.text = s
        p = q
    else:
        admin, comps, conflict, pos, flags, left = hit
        p = Parsed(
            s,
            comps=dict(comps),
            admin=dict(admin),
            leftover=left,
            conflict=conflict,
            flags=list(flags),
        )
    if m is not None and pos == len(head) and VILLAGE in p.admin:
        pos = _bare_village_before_building(s, pos, p)
    if pos < len(s):
        _tail(s[pos:], p, gaz)
        if pos == 0 and COUNTY in p.admin and TOWNSHIP not in p.admin and VILLAGE not in p.admin:
            _head_again(head, p, gaz)
    _settle_township(p)
    v = p.admin.get(VILLAGE)
    if v is not None and TOWNSHIP not in p.admin and _town_elsewhere(p, v, gaz):
        # the township written is another county's (北干街道, 萧山区's) or only guessed:
        # a village of that name found in this county (金城社区, 后宅街道's) is no
        # evidence, so it gets no code, its text kept. (A township not in the list at
        # all, merged or renamed since, keeps the village found: 柳池乡锅坪村.)
        _flag(p, "village_not_certain")
        del p.admin[VILLAGE]
        p.scopes = None
        v = None
    if v is not None and _village_elsewhere(p, v):
        # a village found, as written, under another township than the one written
        # (义乌市北苑街道江滨社区: 稠城街道's): no code (see Parsed.codes), and now the
        # reader sees why. It stays a candidate: geocode weighs the two names that
        # contradict each other (placed no deeper than the county, for review)
        _flag(p, "village_not_certain")
    elif v is not None:
        if not village_sure(v):
            if "village_not_certain" not in p.flags:
                p.flags.append("village_not_certain")  # its text is kept, without a code
        elif v[0][2] in _OTHER_NAME and len(v) == 1:
            _suffix_differs(p, v[0][0], gaz)
    if not any(p.comps.values()):
        p.flags.append(NOTHING)
    elif not p.admin and not _SHAPE.search(s):
        # no place named and nothing shaped like an address (张三, 同上, 无, 王五五: its
        # numerals no numbers): nothing is promoted to a compound or house number
        p.comps = dict.fromkeys(COMPONENTS)
        p.leftover = s
        p.flags.append(NOTHING)
    return p


def _settle_township(p: Parsed) -> None:
    """A township found only by a near name (永康街道 for 兰溪's 永昌街道, 东阳镇 for
    东阳江镇) keeps its code only when the guess is sure (:func:`_township_sure`: 稠成街道
    for 稠城街道) and no village written as the list has it sits under another township
    (抽城街道柏峰村: 柏峰村 is 赤岸镇's), or when such a village was found under it
    (新滕镇西吴村: 新塍镇's 西吴村); else its text, no code, flagged
    :data:`TOWNSHIP_GUESSED` (and the village then gets no code either, see
    :func:`_town_elsewhere`)."""
    t = p.admin.get(TOWNSHIP)
    if t is None or t[0][2] not in _GUESSED:
        return
    v = p.admin.get(VILLAGE)
    if v is not None and all(c[2] not in _GUESSED for c in v):
        towns = {c[0][:9] for c in t}
        if all(c[0][:9] in towns for c in v):
            return
        # a village written as the list has it under another township (抽城街道柏峰村:
        # 柏峰村 is 赤岸镇's): the sound alone no longer settles which township is meant
    elif _township_sure(t):
        return
    del p.admin[TOWNSHIP]
    p.scopes = None
    _flag(p, TOWNSHIP_GUESSED)


def _village_elsewhere(p: Parsed, village: list) -> bool:
    """Is no candidate of the village found under the township found (the village
    written is another township's)?"""
    t = p.admin.get(TOWNSHIP)
    if t is None:
        return False
    towns = {c[0][:9] for c in t}
    for c in village:
        if c[0][:9] in towns:
            return False
    return True


def _town_elsewhere(p: Parsed, village: list, gaz: AdminGazetteer) -> bool:
    """Is the township written, not found in the address's county, only guessed
    (:data:`TOWNSHIP_GUESSED`) or a township of other counties of the village's
    province only (北干街道: 萧山区's, for a village of 义乌市)? A name that other
    provinces have too (高桥镇), or only they (罗阳镇 of 泰顺 for 赣榆's old 罗阳镇), says
    nothing of the place: the village found stays."""
    town = p.comps["township"]
    if town is None:
        return False
    if TOWNSHIP_GUESSED in p.flags:
        return True
    counties = gaz.division.counties_with_township(town)
    if not counties:
        return False
    mine = {c[0][:6] for c in village}
    return all(c not in mine and any(c[:2] == m[:2] for m in mine) for c in counties)


#: What a line without any admin name needs to be read as an address at all: a word of
#: a place (路, 村, 小区, 大厦, …) or a number shaped like an address's (301, 5栋, 12号,
#: 3-2, B2), not a numeral inside a word (张三 → 张3, 王五五 → 王55)
_SHAPE = re.compile(
    r"[省市区县镇乡村路街道巷弄里号栋幢座楼层室组队园苑府城庄厦场院宅馆湾桥坊墅舍寓居阁"
    r"铺店厂司所校站港岛塘坑岙埠堡屯营寨沟圩垸畈坪岗岭坡滩堰门]|单元|小区|花园|公寓|中心"
    r"|\d{3,}|\d[栋单层室组号-]|[A-Za-z]\d|\d[A-Za-z]"
)


_OTHER_NAME = frozenset((KIND_METHOD[FORMER], KIND_METHOD[OTHER_SUFFIX]))


def _suffix_differs(p: Parsed, code: str, gaz: AdminGazetteer) -> None:
    """A village found by the name with the other suffix (江滨村 for 江滨社区, 新光社区
    for 新光村: a village become a community, before or after the list says so) keeps
    its code, which only it can have in the county, and is flagged
    ``village_suffix_differs`` so that the reader sees the name differed."""
    written = suffix_class(p.comps["village"] or "")
    official = suffix_class(gaz.name_of(code) or "")
    if written and official and written != official and SUFFIX_FLAG not in p.flags:
        p.flags.append(SUFFIX_FLAG)


#: the flag of :func:`_suffix_differs`
SUFFIX_FLAG = "village_suffix_differs"


def _bare_village_before_building(s: str, pos: int, p: Parsed) -> int:
    """A village name without 村/社区 read last before the numbers, the numbers being a
    building's (江滨12-2-301, 嘉州美都194幢): the name is a compound's, not the village
    (the head is read without its numbers, so this is settled here). Returns where the
    numbers' reading starts."""
    token = p.comps["village"]
    if token and not token.endswith(_VILLAGE_ENDS) and _UNITS_NEXT.match(s, pos):
        if s.startswith(token, pos - len(token)):
            del p.admin[VILLAGE]
            p.comps["village"] = None
            p.scopes = None
            return pos - len(token)
    return pos


def _head_again(head: str, p: Parsed, gaz: AdminGazetteer) -> None:
    """Names at the start that could only be read once the county written at the end
    was known (灵溪镇建兴东路118号苍南县): read them again under that county."""
    q = Parsed(head)
    q.admin = {COUNTY: p.admin[COUNTY]}
    q.scopes = None
    end = _chain(head, 0, q, gaz)
    if end == 0:
        return
    for lv, cands in q.admin.items():
        if lv not in p.admin:
            p.admin[lv] = cands
            p.scopes = None
            p.comps[LEVEL_NAME[lv]] = q.comps[LEVEL_NAME[lv]]
    p.flags += q.flags
    if q.comps["township"] and not p.comps["township"]:
        p.comps["township"] = q.comps["township"]
    for k in ("compound", "road"):
        v = p.comps[k]
        if v and v.startswith(head[:end]):
            p.comps[k] = v[end:] or None


def parse_many(texts, gaz: AdminGazetteer) -> list[Parsed]:
    """:func:`parse` of every address of a batch (``popgis parse-address --file``),
    normalised all at once (:func:`~gis.geocode.normalise.normalise_many`).

    An address that comes again in the batch (real files repeat them) is read once:
    its repeats get a copy of the first reading. The cycle collector is paused for
    the batch (see :func:`paused_gc`)."""
    out: list[Parsed] = []
    seen: dict[str, Parsed] = {}
    split = [split_chatter(t) for t in texts]
    with paused_gc():
        for s, (raw, chatter) in zip(normalise_many([a for a, _ in split]), split, strict=True):
            p = seen.get(s)
            if p is None:
                p = seen[s] = _parse(s, gaz)
                if NOTHING in p.flags and isinstance(raw, str):
                    p.leftover = without_control(raw).strip()  # (as written, not normalised)
                out.append(_as_written(p, raw, chatter, first=True, gaz=gaz))
            else:
                out.append(_as_written(p, raw, chatter, first=False, gaz=gaz))
    return out


def _as_written(p: Parsed, raw: Any, chatter: str, first: bool, gaz: AdminGazetteer) -> Parsed:
    """The reading ``p`` of a line of :func:`parse_many` (``raw``: the address as
    written, ``chatter``: the words after it), with what the line's own text adds:
    the other address that normalising left out and the chatter in ``leftover``, the
    flag ``empty`` only where the line is blank. A copy unless ``first`` and nothing
    is added (the reading is shared by the line's repeats)."""
    nothing = NOTHING in p.flags and isinstance(raw, str)
    if nothing:
        raw = without_control(raw)  # (a line of control characters only is blank)
    dropped, by_place = ("", False) if nothing else dropped_by_place(raw)
    if first and not (chatter or dropped or EMPTY in p.flags):
        return p
    left = raw.strip() if nothing else p.leftover
    q = Parsed(
        p.text,
        comps=dict(p.comps),
        admin=dict(p.admin),
        leftover=_with_dropped(dropped, left) + chatter,
        conflict=p.conflict,
        flags=_empty_flag(p.flags, raw + chatter if isinstance(raw, str) else raw),
    )
    if by_place or (chatter and _county_by_short_name(chatter, q, gaz)):
        _flag(q, TWO_ADDRESSES)
    return q


def _with_dropped(dropped: str, leftover: str) -> str:
    """``leftover`` after the other address (which came first or was the sender's)."""
    if not dropped:
        return leftover
    return f"{dropped} {leftover}" if leftover else dropped


@contextlib.contextmanager
def paused_gc():
    """Pause Python's cycle collector inside the block (restored after).

    With the national list in memory (millions of long-lived objects) every full
    collection that a batch's allocations trigger walks all of them: a fifth of a
    second, several times per thousand addresses. Parsing makes no reference cycles,
    so nothing is kept that the collector would have freed. (``gc.freeze()`` would
    spare the later collections too, but in the web server it would also pin the
    requests alive at that moment: not done.)"""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def parsed_json_lines(texts, gaz: AdminGazetteer) -> str:
    """``popgis parse-address``'s output: one JSON object per address (its components,
    ``codes``, ``leftover``: text not part of the address, ``flags`` and ``matched``:
    see :func:`matched`), one per line."""
    return "\n".join(json_line(p) for p in parse_many(texts, gaz))


def json_line(p: Parsed) -> str:
    """One address's line of :func:`parsed_json_lines`."""
    import json

    d = {k: p.comps[k] for k in COMPONENTS}
    d["codes"] = p.codes()
    d["leftover"] = p.leftover or None
    d["flags"] = p.flags
    d["matched"] = matched(p)
    return json.dumps(d, ensure_ascii=False)


def matched(p: Parsed) -> dict:
    """How each admin level found was matched: level name → ``{"written": the name as
    the address wrote it, "method": exact, alias, short_name, former_name, other_suffix,
    fuzzy or pinyin}`` (of the best candidate). A former name (东阳县 for 东阳市) keeps
    the old name in ``written`` with ``method: former_name``."""
    out = {}
    for level, cands in sorted(p.admin.items()):
        name = LEVEL_NAME[level]
        out[name] = {"written": p.comps[name], "method": cands[0][2]}
    return out
