"""Resolve a parsed address to a place: building → compound → group → village → township
→ county, with a score, a method and the review decision.

Every village the address may mean (exact, alias, former name, fuzzy, same sound) is a
candidate; within each, the compound and building number, or the group and house number,
are looked up. Candidates are scored (the product of each step's score) and then:

* the best is placed at building level only if its score is at least
  ``BUILDING_MIN`` and no other candidate for a different place is within ``MARGIN``;
* otherwise the record goes to review with its candidates and is placed at the deepest
  level all plausible candidates share (their common compound, village, township or
  county) — never at a guessed building.

A record whose address named a building that is not in the gazetteer is placed at the
level that was found and flagged for review too, as is every record whose field held
two addresses (the parser's ``two_addresses``), its score lowered: which is meant is a
guess. Bad input (empty, garbage, another
county) gives level ``unmatched`` and a reason; it never raises.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gis.geocode.buildings import BuildingIndex
from gis.geocode.gazetteer import COUNTY, TOWNSHIP, VILLAGE, AdminGazetteer
from gis.geocode.parse import TWO_ADDRESSES, Parsed, parse, village_sure

__all__ = ["Result", "Matcher", "OutOfScope", "BUILDING_MIN", "AREA_MIN", "MARGIN"]

BUILDING_MIN = 0.85  # lowest score placed at building level without review
AREA_MIN = 0.80  # lowest score placed at a compound/group/village without review
#: a place found in a field with two addresses: its score times this, and to review
TWO_ADDRESSES_FACTOR = 0.8
#: a place above names the parser is not sure of, or that contradict each other: its
#: score times this (the names above are exact, the address is not)
UNSURE_FACTOR = 0.5
#: the parser's flags of a township or village named only like one (no code)
NOT_CERTAIN = frozenset({"township_not_certain", "village_not_certain"})
MARGIN = 0.08  # a second candidate closer than this makes the record ambiguous
_STEP_RANK = {
    "exact": 0,
    "alias": 1,
    "short_name": 1,
    "former_name": 2,
    "other_suffix": 2,
    "fuzzy": 3,
    "pinyin": 3,
    "elsewhere": 4,
}


class OutOfScope(Exception):
    """A matcher holding one county's buildings met an address it cannot answer alone."""


@dataclass(slots=True)
class Result:
    """Where an address was placed. ``building`` is the database id, ``building_id`` the
    public one; codes are 12 digits; lon/lat WGS-84 degrees; ``candidates`` (for the
    review queue) are dicts with level, building_id, village_code, score, method."""

    level: str = "unmatched"
    score: float = 0.0
    method: str = "none"
    review: bool = True  # an unmatched record always needs a person
    reason: str | None = None
    building: int | None = None
    building_id: str | None = None
    village_code: str | None = None
    township_code: str | None = None
    county_code: str | None = None
    lon: float | None = None
    lat: float | None = None
    candidates: list = field(default_factory=list)


@dataclass(slots=True)
class _Cand:
    level: str
    score: float
    method: str
    village: str
    building: int | None = None
    compound: str | None = None
    group: str | None = None
    missing: bool = False

    def key(self):
        return (
            self.building
            if self.building is not None
            else (self.village, self.compound, self.group, self.level)
        )


def _village_evidence(p: Parsed, village: str) -> bool:
    """Is the village of a candidate placed at village or group level written as one
    (:func:`~gis.geocode.parse.village_sure`)? A near spelling alone is no evidence:
    a group number is in nearly every village, so only a compound or building found
    in the village would confirm it."""
    cands = p.admin.get(VILLAGE)
    if not cands or all(c[0] != village for c in cands):
        return True  # (a village reached through its compound)
    return village_sure(cands)


def _weakest(a: str, b: str) -> str:
    """The less certain of two match methods (exact < alias < former name < fuzzy)."""
    if not b or a == b:
        return a or "exact"
    if not a:
        return b
    return a if _STEP_RANK.get(a, 5) >= _STEP_RANK.get(b, 5) else b


def _two_addresses(r: Result) -> None:
    """``r``, of a field with two addresses in it (the parser's ``two_addresses``: one
    taken, the other leftover), sent to review with its score lowered: which address is
    meant is a guess, and the names contradict each other (a person must look)."""
    r.score = round(r.score * TWO_ADDRESSES_FACTOR, 3)
    why = "two addresses in one field"
    r.reason = f"{r.reason}; {why}" if r.review and r.reason else why
    r.review = True


class Matcher:
    """Geocodes address strings against a gazetteer and building index (both in memory).

    Results are cached per distinct address string, so repeated addresses cost one dict
    lookup.
    """

    def __init__(
        self, gaz: AdminGazetteer, bidx: BuildingIndex | None = None, scope: str | None = None
    ):
        self.gaz = gaz
        self.bidx = bidx or BuildingIndex()
        # scope: the 6-digit county whose buildings alone ``bidx`` holds (a batch
        # worker's share); an address whose answer depends on another county's
        # buildings raises OutOfScope rather than be answered differently
        self.scope = scope
        self._cache: dict[str, Result] = {}

    # ------------------------------------------------------------ public
    def geocode(self, text) -> Result:
        """Place one address; see the module doc for the rules."""
        key = text if isinstance(text, str) else ""
        hit = self._cache.get(key)
        if hit is None:
            hit = self._cache[key] = self._geocode(key)
        return hit

    def parse(self, text) -> Parsed:
        return parse(text, self.gaz)

    # ------------------------------------------------------------ steps
    def _geocode(self, text: str) -> Result:
        if not text.strip():
            return Result(reason="empty address")
        p = parse(text, self.gaz)
        if not p.text:
            return Result(reason="empty address")
        codes = [c[0] for lv in (COUNTY, TOWNSHIP, VILLAGE) for c in p.admin.get(lv, ())]
        if codes and not any(self.gaz.is_local(c) for c in codes):
            code = codes[0][:6] + "000000"
            name = self.gaz.name_of(code) or ""
            return Result(reason=f"address is in another county: {name} ({code})")
        cands = self._candidates(p)
        r = self._area_only(p) if not cands else self._decide(p, cands)
        if TWO_ADDRESSES in p.flags and r.level != "unmatched":
            _two_addresses(r)
        return r

    def _candidates(self, p: Parsed) -> list[_Cand]:
        c = p.comps
        villages = [v for v in p.admin.get(VILLAGE, ()) if self.gaz.is_local(v[0])]
        if self.scope and any(v[0][:6] != self.scope for v in villages):
            raise OutOfScope(p.text)
        town_m = {t[0][:9]: t for t in p.admin.get(TOWNSHIP, ())}
        out: list[_Cand] = []
        for vcode, vscore, vmethod in villages:
            t = town_m.get(vcode[:9])
            tscore, tmethod = (t[1], t[2]) if t else (1.0, "")
            out += self._in_village(p, vcode, vscore * tscore, _weakest(vmethod, tmethod))
        if c["compound"] and not any(x.level in ("building", "compound") for x in out):
            # No village given, or the compound is not in the village given: look for
            # it in the township (else the county); in another village it is penalised.
            # (the county the address names, when it names one: a compound of another
            # county is no answer, and a county's own building index gives the same)
            named = {cc[0][:6] for cc in p.admin.get(COUNTY, ())}
            if len(town_m) == 1:
                prefix = next(iter(town_m))
            elif len(named) == 1:
                prefix = next(iter(named))
            elif len(self.gaz.local_counties) == 1:
                prefix = self.gaz.local_counties[0]
            else:
                prefix = ""
            if self.scope and not prefix.startswith(self.scope):
                raise OutOfScope(p.text)
            tried = {v[0] for v in villages}
            for vcode, cname, cs, cm in self.bidx.find_compound(c["compound"], prefix):
                if vcode in tried:
                    continue
                t = town_m.get(vcode[:9])
                score = cs * (t[1] if t else 1.0) * (0.8 if villages else 1.0)
                out += self._in_compound(p, vcode, cname, score, "elsewhere" if villages else cm)
        return out

    def _in_village(self, p: Parsed, vcode: str, vs: float, vm: str) -> list[_Cand]:
        c = p.comps
        vk = self.bidx.villages.get(vcode)
        has_key = bool(c["building"] or c["house_no"] or c["room"] or c["group"])
        out: list[_Cand] = []
        if vk is not None:
            if c["compound"]:
                for cname, cs, cm in vk.match_compound(c["compound"]):
                    out += self._in_compound(p, vcode, cname, vs * cs, _weakest(vm, cm))
            if not out and c["group"]:
                g = vk.groups.get(c["group"])
                if g is not None and c["house_no"] and c["house_no"] in g:
                    out += self._buildings(g[c["house_no"]], vcode, vs, vm, group=c["group"])
                elif g is not None:
                    out.append(
                        _Cand("group", vs, vm, vcode, group=c["group"], missing=bool(c["house_no"]))
                    )
            if not out and c["house_no"] and not c["compound"] and not c["group"]:
                ii = vk.houses.get(c["house_no"])
                if ii:
                    out += self._buildings(ii, vcode, vs * 0.95, vm)
            if not out and c["building"] and not c["compound"]:
                ii = vk.numbers.get(c["building"])
                if ii:
                    out += self._buildings(ii, vcode, vs * 0.9, vm)
        if not out:
            out.append(_Cand("village", vs * (0.9 if has_key else 1.0), vm, vcode, missing=has_key))
        return out

    def _in_compound(
        self, p: Parsed, vcode: str, cname: str, score: float, method: str
    ) -> list[_Cand]:
        c = p.comps
        vk = self.bidx.villages[vcode]
        nums = vk.compounds[cname]
        number = c["building"] or (c["house_no"] if not c["group"] else None)
        if number:
            ii = nums.get(number)
            if ii:
                return self._buildings(ii, vcode, score, method, compound=cname)
            return [_Cand("compound", score, method, vcode, compound=cname, missing=True)]
        every = [i for ii in nums.values() for i in ii]
        if len(every) == 1:
            return self._buildings(every, vcode, score, method, compound=cname)
        return [_Cand("compound", score, method, vcode, compound=cname)]

    @staticmethod
    def _buildings(ii, vcode, score, method, compound=None, group=None) -> list[_Cand]:
        if len(ii) == 1:
            return [
                _Cand(
                    "building", score, method, vcode, building=ii[0], compound=compound, group=group
                )
            ]
        # Two buildings with the same key: the address cannot tell them apart.
        return [
            _Cand("building", score, method, vcode, building=i, compound=compound, group=group)
            for i in ii
        ]

    # ------------------------------------------------------------ decision
    def _decide(self, p: Parsed, cands: list[_Cand]) -> Result:
        cands.sort(key=lambda x: -x.score)
        best = cands[0]
        close = [
            x
            for x in cands[1:]
            if x.key() != best.key()
            and x.score >= best.score - MARGIN
            and not (x.missing and not best.missing)
        ]
        if best.level in ("village", "group") and not _village_evidence(p, best.village):
            return self._unsure_village(p, [best] + close)
        threshold = BUILDING_MIN if best.level == "building" else AREA_MIN
        sure = not close and best.score >= threshold and not p.conflict
        if sure:
            r = self._result(best)
            if best.missing:
                r.review, r.reason = True, "building not found in the gazetteer"
            return r
        plaus = [best] + close
        r = self._contradicted(p, plaus, best) if p.conflict else self._common(plaus, best)
        r.review = True
        r.reason = (
            "ambiguous: several places fit"
            if close
            else "admin names disagree"
            if p.conflict
            else f"low score {best.score:.2f}"
        )
        r.candidates = [self._cand_dict(x) for x in plaus[:10]]
        return r

    def _unsure_village(self, p: Parsed, plaus: list[_Cand]) -> Result:
        """A village known only by a name like its own (黄社区 for 黄庭社区) and nothing
        found in it to confirm it (a compound, a building): no village code; placed at
        the township (else county) the address names, for review with the candidates."""
        r = self._area_only(p)
        if r.level == "unmatched":
            counties = {x.village[:6] for x in plaus}
            if len(counties) == 1:
                r = self._area(next(iter(counties)) + "000000", "county", plaus[0].score, "address")
        r.review, r.reason = True, "village or compound not found"
        r.candidates = [self._cand_dict(x) for x in plaus[:10]]
        return r

    def _contradicted(self, p: Parsed, plaus: list[_Cand], best: _Cand) -> Result:
        """The township and village written disagree (北苑街道江滨社区: 江滨社区 is
        稠城街道's): placed at the township written where the parser is sure of it (only
        the village contradicts it), else at the county; never deeper, its score
        lowered (:data:`UNSURE_FACTOR`): the text is uncertain however exact its names."""
        score, method = best.score * UNSURE_FACTOR, "address_" + best.method
        town = p.codes()["township"]
        if town is not None and self.gaz.is_local(town):
            return self._area(town, "township", score, method)
        counties = {x.village[:6] for x in plaus}
        if len(counties) == 1:
            return self._area(next(iter(counties)) + "000000", "county", score, method)
        return self._common(plaus, best)

    def _common(self, plaus: list[_Cand], best: _Cand) -> Result:
        """Place at the deepest level all plausible candidates share."""
        villages = {x.village for x in plaus}
        if best.level == "building" and len(plaus) == 1:
            # one candidate, too weak for its building: its compound/group/village
            if best.compound:
                return self._result(
                    _Cand("compound", best.score, best.method, best.village, compound=best.compound)
                )
            return self._result(_Cand("village", best.score, best.method, best.village))
        if len(villages) == 1:
            comps = {x.compound for x in plaus}
            groups = {x.group for x in plaus}
            if len(comps) == 1 and best.compound:
                return self._result(
                    _Cand("compound", best.score, best.method, best.village, compound=best.compound)
                )
            if len(groups) == 1 and best.group:
                return self._result(
                    _Cand("group", best.score, best.method, best.village, group=best.group)
                )
            return self._result(_Cand("village", best.score, best.method, best.village))
        towns = {v[:9] for v in villages}
        if len(towns) == 1:
            return self._area(next(iter(towns)) + "000", "township", best.score, best.method)
        counties = {v[:6] for v in villages}
        if len(counties) == 1:
            return self._area(next(iter(counties)) + "000000", "county", best.score, best.method)
        return Result(reason="ambiguous")

    def _area_only(self, p: Parsed) -> Result:
        """No village or compound found: township or county, if the address named one."""
        c = p.comps
        detail = any(c[k] for k in ("village", "group", "compound", "building", "house_no", "road"))
        towns = [t for t in p.admin.get(TOWNSHIP, ()) if self.gaz.is_local(t[0])]
        if len({t[0] for t in towns}) == 1:
            r = self._area(towns[0][0], "township", towns[0][1], "address_" + towns[0][2])
        elif p.admin.get(COUNTY):
            cc = p.admin[COUNTY][0]
            r = self._area(cc[0], "county", cc[1], "address_" + cc[2])
        elif len(towns) > 1:
            r = self._area(towns[0][0][:6] + "000000", "county", towns[0][1], "address")
        else:
            return Result(reason="no place name of the county recognised")
        if NOT_CERTAIN & set(p.flags):
            # (a township or village named only like one: the place above it is exact,
            # the text is not; 抽城街道柏峰村 at the county is no 1.000 answer)
            r.score = round(r.score * UNSURE_FACTOR, 3)
        if detail or p.leftover:
            r.review, r.reason = True, "village or compound not found"
        return r

    def _area(self, code: str, level: str, score: float, method: str) -> Result:
        pt = self.gaz.point_of(code) or (None, None)
        return Result(
            level=level,
            score=round(score, 3),
            method=method,
            review=False,
            township_code=code[:9] + "000" if level == "township" else None,
            county_code=code[:6] + "000000",
            lon=pt[0],
            lat=pt[1],
        )

    def _result(self, x: _Cand) -> Result:
        b = self.bidx
        pt: tuple[float, float] | None = None
        if x.level == "building":
            assert x.building is not None  # a building candidate names its building
            pt = b.point(x.building)
        elif x.level == "compound":
            pt = b.compound_point(x.village, x.compound)
        elif x.level == "group":
            pt = b.group_point(x.village, x.group)
        lon, lat = pt or self.gaz.point_of(x.village) or (None, None)
        return Result(
            level=x.level,
            score=round(x.score, 3),
            method="address_" + x.method,
            review=False,
            building=b.ids[x.building] if x.building is not None else None,
            building_id=b.ext_ids[x.building] if x.building is not None else None,
            village_code=x.village,
            township_code=x.village[:9] + "000",
            county_code=x.village[:6] + "000000",
            lon=lon,
            lat=lat,
        )

    def _cand_dict(self, x: _Cand) -> dict:
        b = self.bidx
        return {
            "level": x.level,
            "score": round(x.score, 3),
            "method": x.method,
            "building_id": b.ext_ids[x.building] if x.building is not None else None,
            "village_code": x.village,
            "village": self.gaz.name_of(x.village),
            "compound": x.compound,
            "group": x.group,
        }
