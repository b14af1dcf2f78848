"""Geocode whole tables: a CSV's rows, or the households table through the gate.

:class:`Geocoder` loads the gazetteer and the building index once and then places
columns of addresses and (optional) coordinates. Addresses are geocoded once per
distinct string; coordinates are converted with numpy and placed with one set-based
query (:func:`gis.geocode.coords.place_points`). Where both are given they must agree:

* same building → building, method ``coordinates+address``;
* the address names a building elsewhere (or another village) → review with both
  candidates, placed at the level the two share;
* the address is less precise and does not contradict → the coordinates' building
  (``coordinates``, or ``coordinates_snap`` with the distance when snapped).

Unusable coordinates (text, 0,0, NaN, unknown CRS, outside the county) are ignored
with a reason; a record with nothing usable is ``unmatched`` with its reason.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gis.geocode.admin import resolve_admin
from gis.geocode.buildings import BuildingIndex
from gis.geocode.coords import clean_coordinates, place_points
from gis.geocode.gazetteer import AdminGazetteer
from gis.geocode.match import Matcher

__all__ = ["Geocoder", "RESULT_COLUMNS"]

RESULT_COLUMNS = [
    "id",
    "level",
    "building",
    "building_id",
    "village_code",
    "township_code",
    "county_code",
    "lon",
    "lat",
    "score",
    "method",
    "review",
    "reason",
    "candidates",
    "distance_m",
    "keep_geom",
    "registered_code",
]
_FIELDS = (
    "level",
    "building",
    "building_id",
    "village_code",
    "township_code",
    "county_code",
    "lon",
    "lat",
    "score",
    "method",
    "review",
    "reason",
    "candidates",
)


class _ExtIds:
    """database id → public id from the building index (a dict-like ``get``)."""

    def __init__(self, bidx: BuildingIndex):
        self.bidx = bidx

    def get(self, building: int):
        return self.bidx.ext_id_of(building)


class Geocoder:
    """The gazetteer and building index of a database, loaded once, and the matcher."""

    def __init__(self, gaz: AdminGazetteer, bidx: BuildingIndex):
        self.gaz = gaz
        self.bidx = bidx
        self.matcher = Matcher(gaz, bidx)
        self._registered: dict[str, str | None] = {}

    @classmethod
    def load(cls, conn) -> Geocoder:
        """Read ``admin_area`` and ``buildings`` (and the cached national list)."""
        gaz = AdminGazetteer.load(conn)
        return cls(gaz, BuildingIndex.load(conn, gaz))

    # ------------------------------------------------------------ addresses
    def addresses(self, addresses) -> pd.DataFrame:
        """Geocode a column of addresses (one row out per row in, same order)."""
        codes, uniq = pd.factorize(pd.Series(addresses, dtype="object").fillna(""))
        results = [self.matcher.geocode(a) for a in uniq]
        # dtype=object: None stays None (pandas would otherwise infer strings with NaN)
        cols = {
            f: pd.Series(
                np.array([getattr(r, f) for r in results] + [None], dtype=object)[codes],
                dtype=object,
            )
            for f in _FIELDS
        }
        return pd.DataFrame(cols)

    def registered_codes(self, addresses) -> np.ndarray:
        """12-digit code (village, else township, else county) of each registered
        address (户籍地), anywhere in China; None where nothing resolved."""
        codes, uniq = pd.factorize(pd.Series(addresses, dtype="object").fillna(""))
        known = self._registered
        todo = [a for a in uniq if a not in known]
        for a, c in zip(todo, resolve_admin(todo, self.gaz), strict=True):
            known[a] = c["village"] or c["township"] or c["county"]
        return np.array([known[a] for a in uniq] + [None], dtype=object)[codes]

    # ------------------------------------------------------------ tables
    def table(
        self,
        conn,
        ids,
        addresses,
        lon=None,
        lat=None,
        crs=None,
        *,
        default_crs: str = "wgs84",
        registered=None,
        clean: bool = True,
    ) -> pd.DataFrame:
        """Geocode rows given as columns; returns :data:`RESULT_COLUMNS`.

        ``lon``/``lat`` may be text (as read from a file) in the per-row ``crs`` (else
        ``default_crs``); with ``clean=False`` they are WGS-84 floats already.
        """
        res = self.prepare(ids, addresses, registered)
        return self.finish(conn, res, lon, lat, crs, default_crs=default_crs, clean=clean)

    def prepare(self, ids, addresses, registered=None) -> pd.DataFrame:
        """The address part (pure Python, no database): one result row per id."""
        n = len(ids)
        res = self.addresses(addresses if addresses is not None else [""] * n)
        res.insert(0, "id", list(ids))
        res["distance_m"] = np.nan
        res["keep_geom"] = False
        res["registered_code"] = pd.Series(
            self.registered_codes(registered) if registered is not None else [None] * n,
            dtype=object,
        )
        return res

    def finish(
        self,
        conn,
        res: pd.DataFrame,
        lon=None,
        lat=None,
        crs=None,
        *,
        default_crs: str = "wgs84",
        clean: bool = True,
    ) -> pd.DataFrame:
        """The coordinate part: convert, place in one query, merge with the addresses."""
        if lon is None:
            return res[RESULT_COLUMNS]
        n = len(res)
        if clean:
            c = clean_coordinates(lon, lat, crs, default_crs)
        else:
            x = np.asarray(lon, dtype=np.float64)
            y = np.asarray(lat, dtype=np.float64)
            c = pd.DataFrame(
                {
                    "lon": x,
                    "lat": y,
                    "given": ~np.isnan(x),
                    "swapped": False,
                    "reason": pd.Series([None] * n, dtype=object),
                }
            )
        placed = place_points(
            conn, c["lon"].to_numpy(), c["lat"].to_numpy(), ext_ids=_ExtIds(self.bidx)
        )
        self._combine(res, c, placed)
        return res[RESULT_COLUMNS]

    def _combine(self, res: pd.DataFrame, c: pd.DataFrame, placed: pd.DataFrame) -> None:
        """Merge coordinate placements into the address results (rows with coordinates)."""
        rows = np.flatnonzero(c["given"].to_numpy())
        if not len(rows):
            return
        cols = {k: res[k].to_numpy(dtype=object).copy() for k in _FIELDS}
        dist = res["distance_m"].to_numpy(dtype=np.float64).copy()
        keep = res["keep_geom"].to_numpy(dtype=bool).copy()
        clon, clat = c["lon"].to_numpy(), c["lat"].to_numpy()
        creason, swapped = c["reason"].to_numpy(dtype=object), c["swapped"].to_numpy()
        pb = placed["building"].to_numpy(dtype=object)
        pbid = placed["building_id"].to_numpy(dtype=object)
        pv = placed["village_code"].to_numpy(dtype=object)
        pd_ = placed["distance_m"].to_numpy(dtype=np.float64)
        inside = placed["in_county"].to_numpy(dtype=bool)
        for i in rows:
            a = {k: cols[k][i] for k in _FIELDS}
            why = creason[i]
            if why is None and not inside[i]:
                why = "coordinates are outside the county"
            if why is not None:
                if a["level"] == "unmatched":
                    reason = (
                        f"{why}; {a['reason']}"
                        if a["reason"] and a["reason"] != "empty address"
                        else why
                    )
                    cols["reason"][i] = reason
                else:
                    cols["reason"][i] = f"coordinates ignored: {why}"
                    if creason[i] is not None:
                        # the row gave coordinates we cannot read (lon=abc, one of the
                        # two, 0,0, an unknown CRS): its place rests on the address
                        # alone, and someone should look at it
                        cols["review"][i] = True
                continue
            b = pb[i] if pb[i] is not pd.NA else None
            note = "coordinates" + ("(swapped lat/lon)" if swapped[i] else "")
            pt = (float(clon[i]), float(clat[i]))
            agree_village = a["village_code"] in (None, pv[i])
            if b is not None and a["building"] == b:
                out = self._coord_result(b, pbid[i], pv[i], pt, 1.0, note + "+address", 0.0)
            elif b is not None and (agree_village or a["review"]) and a["level"] != "building":
                snap = pd_[i] > 0
                out = self._coord_result(
                    b,
                    pbid[i],
                    pv[i],
                    pt,
                    0.9 if snap else 1.0,
                    note + ("_snap" if snap else ""),
                    pd_[i],
                )
            elif (
                b is None
                and a["level"] in ("building", "compound", "group")
                and a["village_code"] == pv[i]
                and not a["review"]
            ):
                out = dict(a, method=note + "+address", lon=pt[0], lat=pt[1])
            elif b is None and (agree_village or a["level"] in ("township", "county", "unmatched")):
                out = self._coord_village(pv[i], pt, note) if pv[i] else dict(a)
            else:
                out = self._conflict(a, b, pbid[i], pv[i], pt, note)
            for k in _FIELDS:
                cols[k][i] = out.get(k)
            dist[i] = out.get("distance_m", np.nan) if out.get("distance_m") is not None else np.nan
            keep[i] = bool(out.get("keep_geom", False))
        for k in _FIELDS:
            res[k] = pd.Series(cols[k], dtype=object)
        res["distance_m"] = dist
        res["keep_geom"] = keep

    def _coord_result(self, b, ext, village, pt, score, method, distance) -> dict:
        return {
            "level": "building",
            "building": int(b),
            "building_id": ext,
            "village_code": village,
            "township_code": village[:9] + "000",
            "county_code": village[:6] + "000000",
            "lon": pt[0],
            "lat": pt[1],
            "score": score,
            "method": method,
            "review": False,
            "reason": None,
            "candidates": None,
            "distance_m": round(float(distance), 2),
            "keep_geom": True,
        }

    def _coord_village(self, village, pt, method) -> dict:
        return {
            "level": "village",
            "building": None,
            "building_id": None,
            "village_code": village,
            "township_code": village[:9] + "000",
            "county_code": village[:6] + "000000",
            "lon": pt[0],
            "lat": pt[1],
            "score": 0.9,
            "method": method,
            "review": False,
            "reason": None,
            "candidates": None,
            "keep_geom": True,
        }

    def _conflict(self, a: dict, b, ext, village, pt, note) -> dict:
        """Coordinates and address point at different places: review, placed at the
        level both share, the point kept."""
        cand_c = {
            "level": "building" if b is not None else "village",
            "score": 1.0,
            "method": "coordinates",
            "building_id": ext,
            "village_code": village,
            "village": self.gaz.name_of(village) if village else None,
        }
        cand_a = {
            "level": a["level"],
            "score": a["score"],
            "method": a["method"],
            "building_id": a["building_id"],
            "village_code": a["village_code"],
            "village": self.gaz.name_of(a["village_code"]) if a["village_code"] else None,
        }
        av = a["village_code"] or ""
        if village and av == village:
            level, code = "village", village
        elif village and av[:9] == village[:9]:
            level, code = "township", village[:9] + "000"
        elif village:
            level, code = "county", village[:6] + "000000"
        else:
            level, code = a["level"], av
        return {
            "level": level,
            "building": None,
            "building_id": None,
            "village_code": code if level == "village" else None,
            "township_code": code[:9] + "000" if level in ("village", "township") else None,
            "county_code": code[:6] + "000000" if code else None,
            "lon": pt[0],
            "lat": pt[1],
            "score": 0.5,
            "method": note + "/address_conflict",
            "review": True,
            "reason": "coordinates and address point at different places",
            "candidates": [cand_c, cand_a],
            "keep_geom": True,
        }
