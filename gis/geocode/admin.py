"""Admin codes (county, township, village) of many addresses at once: the fast path for
registered addresses (户籍地) and for admin-level resolution in bulk.

Most addresses spell their admin names out in full and in order (``浙江省金华市义乌市稠城
街道江滨社区3组12号``). For those, one tight scan of exact names is enough: from the
start, the longest name in the gazetteer at each position, each strictly below the one
before it, up to the village (or the township, with ``depth="township"``) or the first
number. The same scan reads names written after the numbers (``3组12号义乌市…``).
:func:`resolve_admin` does that scan and hands every address it cannot settle that way
to the full parser (:func:`gis.geocode.parse.parse`): a name that is misspelt, written
short, out of order, ambiguous (鼓楼区 without its city), followed by text that might be
a misspelt village, or anything else unusual. So the answer is always the parser's; the
scan only gets there sooner. A test checks both agree on a varied sample.

The scan works on a light normalisation done for the whole batch at once (labels such as
``住址：`` dropped, full-width → half-width, punctuation dropped, traditional →
simplified with one OpenCC call for all the strings); the parser normalises in full.
"""

from __future__ import annotations

import re
from typing import cast

from gis.geocode.gazetteer import (
    COUNTY,
    EXACT,
    SHORTS,
    TOWN_SHORT,
    TOWNSHIP,
    VILLAGE,
    AdminGazetteer,
    NameIndex,
    fuzzy_pinyin,
)
from gis.geocode.normalise import _COUNTY_TOWNSHIP, _PUNCT, _T2S, _WIDTH, pick_segment
from gis.geocode.parse import (
    _ADMIN_SUFFIXES,
    _TOWN_SPLIT,
    _VILL_SPLIT,
    _VILLAGE_ENDS,
    parse,
    paused_gc,
    pick_level,
)

__all__ = ["resolve_admin"]

_SEP = "\x1f"
_LITE = {chr(k): (chr(v) if isinstance(v, int) else "") for k, v in _WIDTH.items()}
_LITE.update({chr(k): "" for k, v in _PUNCT.items() if v is None})
_LITE_RX = re.compile("[" + re.escape("".join(_LITE)) + "]")
_LABEL_RX = re.compile(
    r"(?:^|(?<=\x1f))\s*(?:现居住地址|现居住地|现住址|现住|家庭住址|联系地址|"
    r"户籍地址|户籍地|居住地址|住址|地址)\s*[:：]"
)
# The scan stops at a number: the admin part is over. (A Chinese numeral may start a
# name, 五一村, or be a number the parser reads as digits: such stops go to the parser.)
_DIGITS = frozenset("0123456789")
# Numbers first, names after (``7组36号义乌市福田街道殿前村``): the numbers are skipped.
_LEAD_CHARS = frozenset("0123456789第〇零一二三四五六七八九十百千两")
_NUMERAL = re.compile(r"[\d〇零一二三四五六七八九十百千两]")
_LEAD = re.compile(
    r"(?:第?[\d〇零一二三四五六七八九十百千两]+"
    r"(?:村民小组|村民组|小组|生产队|组|队|号楼|号|栋|幢|座|单元|室|层|楼|-))+"
)
# Text after the numbers that the parser would read as more names (swapped order) ends
# in something other than these; such addresses go to the parser.
_TOKEN_END = frozenset("0123456789栋幢座楼元层室组队号")
_PREFIX = {1: 2, 2: 4, COUNTY: 6, TOWNSHIP: 9, VILLAGE: 12}
#: A county and its township written later in the text (…稠城街道江滨社区义乌市北苑街道…):
#: maybe a second address, which the parser weighs (a scan stopped at the township has
#: not read that far)
_LATER_TOWNSHIP = re.compile(_COUNTY_TOWNSHIP)


def _start_index(gaz: AdminGazetteer) -> NameIndex:
    """One index of the names looked up before the county is known: all China's upper
    levels and the database's townships and villages (kept on the gazetteer)."""
    idx = gaz._villages.get(("start",))
    if idx is None:
        idx = NameIndex()
        for part in (gaz.top, gaz.local_index) if gaz.local_counties else (gaz.top,):
            for name, entries in part.names.items():
                idx.names[name] = idx.names.get(name, []) + entries
                lens = idx.first2.get(name[:2], ())
                if len(name) not in lens:
                    idx.first2[name[:2]] = tuple(sorted(lens + (len(name),), reverse=True))
        gaz._villages[("start",)] = idx
    return idx


def _lite(texts: list[str]) -> list[str]:
    """The light normalisation of every address, in a few passes over one joined string."""
    big = _SEP.join(texts)
    if big.count(_SEP) != len(texts) - 1:
        big = _SEP.join(t.replace(_SEP, "") for t in texts)
    if ":" in big or "：" in big:
        big = _LABEL_RX.sub("", big)
    if _LITE_RX.search(big):
        big = _LITE_RX.sub(lambda m: _LITE[m.group()], big)
    return _T2S.convert(big).split(_SEP)


def resolve_admin(texts, gaz: AdminGazetteer, *, depth: str = "village") -> list[dict]:
    """``{'county', 'township', 'village'}`` (12-digit codes or None) for each address,
    as ``parse(text, gaz).codes()`` gives them, in the same order.

    ``depth="township"`` resolves county and township only (village is None), which is
    all that admin-level tables need and spares the village names.
    """
    if depth not in ("village", "township"):
        raise ValueError(f"depth must be 'village' or 'township', not {depth!r}")
    texts = [t if isinstance(t, str) else "" for t in texts]
    # people, phone numbers and a second address out first, as the parser does
    lite = _lite([pick_segment(t) for t in texts]) if texts else []
    if len(lite) != len(texts):  # OpenCC never maps to or from the separator; be sure
        lite = [_lite([t])[0] for t in texts]
    with paused_gc():
        out = list(map(_Scanner(gaz, VILLAGE if depth == "village" else TOWNSHIP), lite))
        for i, codes in enumerate(out):
            if codes is None:  # the parser settles what the scan could not
                codes = out[i] = parse(texts[i], gaz).codes()
                if depth == "township":
                    codes["village"] = None
    return cast(list[dict], out)  # every None replaced above


def _longest_name(s: str, pos: int, first2, names, upper) -> tuple[int, list | None]:
    """The length and entries of the longest name at ``pos``: of ``names`` (whose lengths
    ``first2`` lists, longest first, by their first two characters), then of ``upper``'s
    (if any), whose entries join those of a name as long; (0, None) when none is."""
    best_len = 0
    best: list | None = None  # the entries of the longest name at pos
    two = s[pos : pos + 2]
    rest = len(s) - pos
    lens = first2.get(two)
    if lens is not None:
        for ln in lens:
            if ln <= rest:
                best = names.get(s[pos : pos + ln])
                if best is not None:
                    best_len = ln
                    break
    if upper is not None:
        lens = upper.first2.get(two)
        if lens is not None:
            for ln in lens:
                if ln < best_len:
                    break
                if ln <= rest:
                    hit = upper.names.get(s[pos : pos + ln])
                    if hit is not None:
                        best = best + hit if ln == best_len else hit
                        best_len = ln
                        break
    return best_len, best


class _Scanner:
    """The exact in-order scan of one lightly normalised address (None: ask the parser)."""

    def __init__(self, gaz: AdminGazetteer, depth: int):
        self.gaz = gaz
        self.depth = depth
        self.top = gaz.top
        self.start: tuple = (_start_index(gaz),)
        self.below: dict[str, tuple] = {}

    def _below(self, county6: str) -> tuple:
        s = self.below.get(county6)
        if s is None:
            s = self.below[county6] = (self.top, self.gaz.county_index(county6))
        return s

    def _same_sound(self, s: str, pos: int, found: list, level: int):
        """(length, [entry]) of a misspelt village name at ``pos`` that the parser's fuzzy
        step would match to one village only — it sounds exactly like that village and no
        other comes close (see :class:`gis.geocode.gazetteer.SoundIndex`) — or (0, None).
        """
        if level < TOWNSHIP and _TOWN_SPLIT.match(s, pos):
            return 0, None  # the parser would try a misspelt township here first
        m = _VILL_SPLIT.match(s, pos)
        if m is None or _NUMERAL.search(m.group()):
            return 0, None  # (第一社区: the parser reads the numeral as a number)
        if level == TOWNSHIP:
            scope = found[TOWNSHIP][:9]
        elif found[COUNTY]:
            scope = found[COUNTY][:6]
        elif len(self.gaz.local_counties) == 1:
            scope = self.gaz.local_counties[0]
        else:
            return 0, None
        if scope[:6] not in self.gaz.local_counties:
            return 0, None  # the parser matches villages by sound only there
        index = self.gaz.sound_index(scope)
        token = m.group()
        hits = index.same.get(fuzzy_pinyin(token))
        if not hits or len(hits) != 1:
            return 0, None
        ((code, kind),) = hits.items()
        if kind != EXACT or index.near(token, code):  # a weaker top lets more compete
            return 0, None
        return m.end() - pos, [(VILLAGE, code, 0)]

    @staticmethod
    def _after_village(s: str, pos: int, found: list, scopes) -> bool:
        """Do the names written after the village (江滨社区稠城街道) leave the codes as
        they are? The parser records each one that fits under what was found (which
        changes nothing) and stops at the first that fits nowhere above a township; a
        township or village elsewhere is a conflict it would weigh: False."""
        village = found[VILLAGE]
        n = len(s)
        while pos < n and s[pos] not in _DIGITS:
            best_len, best = 0, None
            for idx in scopes:
                hit = idx.longest(s, pos)
                if hit is not None and hit[0] >= best_len:
                    best = best + hit[1] if hit[0] == best_len else hit[1]
                    best_len = hit[0]
            if best is None:
                return True
            new = [e for e in best if found[e[0]] is None]
            if not new:
                # a repeat at the end (江滨社区稠城街道); before more names it may start
                # a second address (江滨社区义乌市赤岸镇…): the parser decides
                end = pos + best_len
                return end >= n or s[end] in _DIGITS
            fit = [e for e in new if village.startswith(e[1][: _PREFIX[e[0]]])]
            if not fit:
                return all(e[0] < TOWNSHIP for e in new)
            lv, code, _ = min(fit)
            found[lv] = code
            pos += best_len
        return True

    def __call__(self, s: str) -> dict | None:
        n = len(s)
        if not n:
            return {"county": None, "township": None, "village": None}
        pos = level = last = 0
        lead = False
        if s[0] in _LEAD_CHARS:
            m = _LEAD.match(s)
            if m is not None:
                lead, pos = True, m.end()
                if _NUMERAL.search(s, pos):
                    return None  # the parser reads names after the last number only
        prefix = ""
        found: list = [None] * 6  # code12 per level, None until found
        scopes = start = self.start
        first2, names, upper = start[0].first2, start[0].names, None
        depth = self.depth
        short = False
        while pos < n:
            if s[pos] in _DIGITS:
                break
            # the longest name at pos over the scopes (as the parser does): the names of
            # the county found (before that, of the start index), then China's upper
            # levels (after the county only)
            best_len, best = _longest_name(s, pos, first2, names, upper)
            if best is None:
                if (
                    level >= VILLAGE
                    or short
                    or (level and not s[last:pos].endswith(_ADMIN_SUFFIXES))
                ):
                    return None  # a short or bare name needs a name written exactly next
                # 殿钱村 for 殿前村: the one village in scope that sounds the same
                best_len, best = self._same_sound(s, pos, found, level)
                if best is None:
                    return None
            if len(best) == 1:
                lv, code, kind = best[0]
                if lv <= level or not code.startswith(prefix):
                    return None  # out of order, or not under the name before
            else:
                fit = [e for e in best if e[0] > level and e[1].startswith(prefix)]
                picked = pick_level(fit, s, pos + best_len, self.gaz) if fit else None
                if picked is None or len(picked[1]) != 1:
                    return None  # ambiguous (鼓楼区 without its city)
                lv, code, kind = picked[1][0]
            if short and lv > COUNTY and level < COUNTY:
                return None  # 浙江 counts only before one of its cities or counties
            short = kind in SHORTS
            if kind == TOWN_SHORT:
                return None  # a township written short: the parser decides
            found[lv] = code
            last = pos
            level, prefix, pos = lv, code[: _PREFIX[lv]], pos + best_len
            if lv >= COUNTY and scopes is start:
                scopes = self.below.get(code[:6]) or self._below(code[:6])
                upper, first2, names = scopes[0], scopes[1].first2, scopes[1].names
            if lv >= depth:
                break
        if short or level < TOWNSHIP:
            return None
        if (
            level == VILLAGE
            and not s[last:pos].endswith(_VILLAGE_ENDS)
            and (found[VILLAGE][:6] not in self.gaz.local_counties or pos < n)
        ):
            # a village written without 村/社区 (or, in the database's counties, before
            # a number, which may be a building's: 江滨12-2-301): the parser decides
            return None
        if pos < n:
            if s[pos] not in _DIGITS:
                if not s[last:pos].endswith(_ADMIN_SUFFIXES):
                    return None  # 北苑 of 北苑工业区: the parser decides
                if level == VILLAGE and not self._after_village(s, pos, found, scopes):
                    return None  # a name after the village that the parser would weigh
                if level == TOWNSHIP and _LATER_TOWNSHIP.search(s, pos):
                    return None
            elif (level < depth and (lead or s[-1] not in _TOKEN_END)) or s.endswith(
                _ADMIN_SUFFIXES
            ):
                # names after the numbers: the rest of this address (swapped order) or
                # a second one run on (…12号赤岸镇柏峰村)
                return None
        village = found[VILLAGE] if depth == VILLAGE else None
        town = found[TOWNSHIP] or found[VILLAGE][:9] + "000"
        county = found[COUNTY] or town[:6] + "000000"
        return {"county": county, "township": town, "village": village}
