"""Vectorised checks for tabular input: each check cleans a column of a chunk and
records every bad cell as a Rejection (row, column, value, reason, fix).

A row with any bad cell is dropped from the chunk (``Checker.good`` is the mask of rows
still fine), so it is reported and never half-loaded. Every bad cell of a row is
reported (the first problem of each column), so that one round of fixes is enough.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from gis import crs as crs_mod
from gis import rules
from gis.messages import _
from loaders import id_numbers
from loaders.reports import Rejection

LONG_TERM = {"长期", "long-term", "long term", "9999-12-31", "99991231"}
TRUE_WORDS = {"true", "t", "yes", "y", "1", "是", "有效", "启用", "active"}
FALSE_WORDS = {"false", "f", "no", "n", "0", "否", "停用", "inactive"}


class Checker:
    """Collects rejections for one chunk of rows (a DataFrame of str with ``_row``)."""

    def __init__(self, file: str, df: pd.DataFrame, day: dt.date | None = None):
        self.file = file
        self.df = df
        #: "today" for the date rules: the day the load started (China time)
        self.day = day or rules.today()
        self.rows = df["_row"].to_numpy()
        self.good = np.ones(len(df), dtype=bool)
        self.rejected: list[Rejection] = []
        #: per column, the rows already reported for it (one problem per cell)
        self._reported: dict[str, np.ndarray] = {}
        self._nul_bytes()

    def _nul_bytes(self) -> None:
        """A NUL character cannot be stored in a PostgreSQL text: the row is rejected
        (naming the column) instead of the whole load failing."""
        for col in self.df.columns:
            if col == "_row" or not (
                pd.api.types.is_object_dtype(self.df[col])
                or pd.api.types.is_string_dtype(self.df[col])
            ):
                continue
            values = self.df[col].astype(str)
            has_nul = values.str.contains("\x00", regex=False).to_numpy()
            if has_nul.any():
                self.reject(
                    has_nul,
                    col,
                    values.str.replace("\x00", "\\0", regex=False),
                    _("contains a NUL character (\\0), which cannot be stored"),
                    _(
                        "remove it; a file full of them is not text (perhaps UTF-16: "
                        "save it as UTF-8)"
                    ),
                )

    def reject(self, mask, column: str, values, reason, fix: str | None) -> None:
        """Reject rows where ``mask``: every bad cell of a row is reported, the first
        problem of each cell only."""
        seen = self._reported.get(column)
        mask = np.asarray(mask, dtype=bool)
        if seen is not None:
            mask = mask & ~seen
        if not mask.any():
            return
        self._reported[column] = mask if seen is None else seen | mask
        idx = np.flatnonzero(mask)
        vals = np.asarray(values, dtype=object)
        reasons = reason if isinstance(reason, (list, np.ndarray)) else None
        for i in idx:
            r = reasons[i] if reasons is not None else reason
            self.rejected.append(
                Rejection(
                    self.file,
                    int(self.rows[i]),
                    column,
                    None if vals[i] is None else str(vals[i]),
                    r,
                    fix,
                )
            )
        self.good &= ~mask

    def reported(self, column: str) -> np.ndarray:
        """The rows with a problem already reported in ``column`` (for checks that
        compare with it: a bad value is no ground for a second complaint)."""
        return self._reported.get(column, np.zeros(len(self.df), dtype=bool))

    def bad_columns(self) -> pd.Series:
        """Per row, the columns with a problem reported, as ",kind,date," ("" if none)."""
        out = pd.Series("", index=self.df.index, dtype=object)
        for column, mask in self._reported.items():
            out = out.where(~mask, out + column + ",")
        return out.where(out.eq(""), "," + out)

    # ------------------------------------------------------------------ columns
    def text(self, col: str, *, required: bool = False, max_len: int = 500) -> pd.Series:
        s = self._column(col).str.strip()
        if required:
            self.reject(
                s.eq("").to_numpy(), col, s, _("is empty"), _("fill in {column}", column=col)
            )
        too_long = s.str.len().gt(max_len).to_numpy()
        if too_long.any():
            self.reject(
                too_long,
                col,
                s.str.slice(0, 40) + "…",
                _("is longer than {n} characters", n=max_len),
                _("shorten it"),
            )
        return s

    def _column(self, col: str) -> pd.Series:
        if col in self.df:
            return self.df[col]
        return pd.Series("", index=self.df.index)

    def date(
        self,
        col: str,
        *,
        rule: rules.DateRule = rules.UNTIL_LATEST,
        required: bool = False,
        long_term: bool = True,
        fix: str | None = None,
    ) -> pd.Series:
        """The column as ISO dates ("" where empty). Dates outside the ``rule``'s range
        (:mod:`gis.rules`; "today" is the load's day) are rejected naming the value, with
        ``fix`` (default: check the year); with ``long_term`` the words for "no expiry"
        (长期, 9999-12-31) count as empty."""
        low, high = rules.EARLIEST, rule.high(self.day)
        raw = self._column(col)
        # Dates repeat a lot: parse each distinct value once.
        codes, uniq = pd.factorize(raw, sort=False)
        u = pd.Series(uniq, dtype=object).str.strip()
        if long_term:
            u = u.where(~u.isin(LONG_TERM), "")  # long-term documents (长期) have no expiry
        iso = u.str.fullmatch(r"\d{4}-\d{2}-\d{2}")
        norm = u.where(
            iso, u.str.replace(r"[./年月]", "-", regex=True).str.replace("日", "", regex=False)
        )
        compact = norm.str.fullmatch(r"\d{8}")
        norm = norm.where(
            ~compact, norm.str.slice(0, 4) + "-" + norm.str.slice(4, 6) + "-" + norm.str.slice(6, 8)
        )
        parsed = pd.to_datetime(norm, format="%Y-%m-%d", errors="coerce")
        empty_u = u.eq("").to_numpy()
        nat = parsed.isna().to_numpy() & ~empty_u
        # pandas stops at 2262: a real date beyond (9999-12-31) is out of range, not garbage
        beyond = np.array([bool(n) and _real_date(v) for n, v in zip(nat, norm, strict=True)])
        bad_u = nat & ~beyond
        days = parsed.dt.strftime("%Y-%m-%d").where(~parsed.isna(), "").to_numpy()
        in_range = (days >= low.isoformat()) & (days <= high.isoformat())
        range_u = beyond | (~nat & ~empty_u & ~in_range)
        text_u = np.where(range_u, "", days)
        self.reject(
            bad_u[codes],
            col,
            raw,
            _("is not a date"),
            _("write dates as YYYY-MM-DD, e.g. 2024-03-01"),
        )
        self.reject(
            range_u[codes],
            col,
            raw,
            _(
                "is outside {low} to {high}",
                low=low.isoformat(),
                high=rule.high_label(self.day),
            ),
            fix or _("check the year"),
        )
        if required:
            self.reject(empty_u[codes], col, raw, _("is empty"), _("fill in {column}", column=col))
        return pd.Series(text_u[codes], index=self.df.index)

    def choice(
        self,
        col: str,
        mapping: dict[str, str],
        *,
        default: str | None = None,
        label: str | None = None,
        accepted: str | None = None,
    ) -> pd.Series:
        """The column through ``mapping`` (lower case, spaces dropped); ``accepted`` is
        what the fix offers (default: the mapping's values)."""
        raw = self._column(col)
        codes, uniq = pd.factorize(raw, sort=False)
        u = pd.Series(uniq, dtype=object).str.strip()
        out_u = u.str.lower().str.replace(" ", "").map(mapping)
        empty_u = u.eq("")
        if default is not None:
            out_u = out_u.where(~empty_u, default)
        accepted = accepted or ", ".join(sorted(set(mapping.values())))
        self.reject(
            (out_u.isna() & ~empty_u).to_numpy()[codes],
            col,
            raw,
            _("is not a known {what}", what=label or col),
            _("use one of: {accepted}", accepted=accepted),
        )
        if default is None:
            self.reject(
                empty_u.to_numpy()[codes],
                col,
                raw,
                _("is empty"),
                _("use one of: {accepted}", accepted=accepted),
            )
        return pd.Series(out_u.fillna("").to_numpy()[codes], index=self.df.index)

    def boolean(self, col: str, *, default: bool) -> pd.Series:
        raw = (
            self.df[col].str.strip().str.lower()
            if col in self.df
            else pd.Series("", index=self.df.index)
        )
        out = pd.Series(default, index=self.df.index, dtype=object)
        out[raw.isin(TRUE_WORDS)] = True
        out[raw.isin(FALSE_WORDS)] = False
        bad = ~raw.isin(TRUE_WORDS | FALSE_WORDS) & raw.ne("")
        self.reject(bad.to_numpy(), col, raw, _("is not yes/no"), _("write true or false (是/否)"))
        return out.map({True: "t", False: "f"})

    def integer(self, col: str, *, lo: int, hi: int) -> pd.Series:
        raw = self.df[col].str.strip() if col in self.df else pd.Series("", index=self.df.index)
        num = pd.to_numeric(raw, errors="coerce")
        empty = raw.eq("")
        bad = (num.isna() | (num % 1 != 0)) & ~empty
        self.reject(
            bad.to_numpy(), col, raw, _("is not a whole number"), _("write digits only, e.g. 12")
        )
        rng = ~bad & ~empty & ((num < lo) | (num > hi))
        self.reject(
            rng.to_numpy(),
            col,
            raw,
            _("is outside [{lo}, {hi}]", lo=lo, hi=hi),
            _("check the value"),
        )
        return num.map(lambda v: "" if pd.isna(v) else str(int(v)))

    def coordinates(
        self,
        lon_col: str,
        lat_col: str,
        crs_col: str | None,
        file_crs: str | None,
        *,
        required: bool,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Parse, range-check and convert lon/lat to WGS-84 (NaN where absent)."""
        raw_x, raw_y = self._stripped(lon_col), self._stripped(lat_col)
        x = pd.to_numeric(raw_x, errors="coerce").to_numpy(dtype=float)
        y = pd.to_numeric(raw_y, errors="coerce").to_numpy(dtype=float)
        ex, ey = raw_x.eq("").to_numpy(), raw_y.eq("").to_numpy()
        self.reject(
            np.isnan(x) & ~ex,
            lon_col,
            raw_x,
            _("is not a number"),
            _("write decimal degrees, e.g. 120.0753"),
        )
        self.reject(
            np.isnan(y) & ~ey,
            lat_col,
            raw_y,
            _("is not a number"),
            _("write decimal degrees, e.g. 29.3064"),
        )
        self.reject(
            ex ^ ey,
            lon_col,
            np.where(ex, raw_y, raw_x),
            _("only one of lon and lat is given"),
            _("give both or neither"),
        )
        if required:
            self.reject(ex & ey, lon_col, raw_x, _("is empty"), _("give lon and lat"))
        names = self._row_crs(len(x), crs_col, file_crs)
        projected = np.array([n.startswith("epsg:45") for n in names])
        geo = ~projected & ~np.isnan(x) & ~np.isnan(y)
        self._check_position(x, y, raw_x, raw_y, geo, lon_col, lat_col)
        return self._to_wgs84(x, y, names, projected, raw_x, raw_y, lon_col)

    def _stripped(self, col: str) -> pd.Series:
        """The column's text, stripped ("" for every row when the file lacks it)."""
        return self.df[col].str.strip() if col in self.df else pd.Series("", index=self.df.index)

    def _check_position(self, x, y, raw_x, raw_y, geo, lon_col: str, lat_col: str) -> None:
        """Reject lon/lat pairs (``geo``: given in degrees) that are swapped, out of range
        or 0,0."""
        pair_swapped = (
            geo & ((np.abs(x) > 180) | (np.abs(y) > 90)) & (np.abs(y) <= 180) & (np.abs(x) <= 90)
        )
        self.reject(
            pair_swapped,
            lon_col,
            raw_x + "," + raw_y,
            _("lon and lat look swapped (lon within ±90, lat beyond ±90)"),
            _("swap the lon and lat columns"),
        )
        self.reject(
            geo & (np.abs(x) > 180),
            lon_col,
            raw_x,
            _("is outside [-180, 180]"),
            _("are lat and lon swapped?"),
        )
        self.reject(
            geo & (np.abs(y) > 90) & ~pair_swapped,  # the pair's problem is said once
            lat_col,
            raw_y,
            _("is outside [-90, 90]"),
            _("are lat and lon swapped?"),
        )
        china = geo & self.good
        swapped = china & crs_mod.looks_swapped(x, y)
        self.reject(
            swapped,
            lon_col,
            raw_x + "," + raw_y,
            _("lon and lat look swapped (the pair lies in China only when swapped)"),
            _("swap the lon and lat columns"),
        )
        zero = geo & (x == 0) & (y == 0)
        self.reject(
            zero,
            lon_col,
            raw_x + "," + raw_y,
            _("is 0,0 (a missing position)"),
            _("leave lon and lat empty when the position is unknown"),
        )

    def _to_wgs84(
        self, x, y, names: np.ndarray, projected: np.ndarray, raw_x, raw_y, lon_col: str
    ) -> tuple[np.ndarray, np.ndarray]:
        """Convert the good rows from each row's CRS (``names``) to WGS-84 (NaN elsewhere);
        reject projected rows that do not convert into range."""
        lon = np.full(len(x), np.nan)
        lat = np.full(len(x), np.nan)
        ok = self.good & ~np.isnan(x) & ~np.isnan(y)
        for name in set(names[ok]):
            sel = ok & (names == name)
            lon[sel], lat[sel] = crs_mod.to_wgs84(x[sel], y[sel], name)
        if projected.any():
            bad = projected & ok & ((np.abs(lon) > 180) | (np.abs(lat) > 90) | np.isnan(lon))
            self.reject(
                bad,
                lon_col,
                raw_x + "," + raw_y,
                _("does not convert from the declared Gauss-Krüger zone"),
                _("check the EPSG code (zone) and that x is easting, y northing"),
            )
        return lon, lat

    def _row_crs(self, n: int, crs_col: str | None, file_crs: str | None) -> np.ndarray:
        """The CRS of each row: the row's own (in ``crs_col``) over the file's."""
        names = np.full(n, crs_mod.normalize_crs(file_crs) if file_crs else "wgs84", dtype=object)
        if crs_col and crs_col in self.df:
            rc = self.df[crs_col].str.strip()
            given = rc.ne("").to_numpy()
            for value in rc[given].unique():
                try:
                    canon = crs_mod.normalize_crs(value)
                except crs_mod.CRSError as exc:
                    self.reject(
                        given & rc.eq(value).to_numpy(),
                        crs_col,
                        rc,
                        str(exc),
                        _("use wgs84, gcj02, bd09, cgcs2000 or EPSG:4491–4554"),
                    )
                    continue
                names[given & rc.eq(value).to_numpy()] = canon
        return names

    def id_numbers(self, col: str) -> tuple[pd.Series, pd.Series, pd.Series]:
        """Check 18-digit resident ID numbers; return (id, birth date, sex) from them."""
        raw = (
            self.df[col].str.strip().str.upper()
            if col in self.df
            else pd.Series("", index=self.df.index)
        )
        self.reject(raw.eq("").to_numpy(), col, raw, _("is empty"), _("fill in the ID number"))
        form = raw.str.fullmatch(r"\d{17}[\dX]")
        self.reject(
            (~form & raw.ne("")).to_numpy(),
            col,
            raw,
            _("is not an 18-character ID number"),
            _("17 digits then a digit or X"),
        )
        n = len(raw)
        birth = pd.Series("", index=self.df.index)
        sex = pd.Series("", index=self.df.index)
        if form.any():
            sel = form.to_numpy()
            digits = np.frombuffer("".join(raw[sel]).encode(), dtype=np.uint8).reshape(-1, 18)
            body = digits[:, :17].astype(int) - 48
            check = id_numbers.check_chars_of_digits(body)
            last = np.array([chr(c) for c in digits[:, 17]])
            bad_check = np.zeros(n, dtype=bool)
            bad_check[sel] = check != last
            self.reject(
                bad_check,
                col,
                raw,
                _("has a wrong check digit"),
                _("re-type the ID number from the card"),
            )
            b = pd.to_datetime(raw.str.slice(6, 14), format="%Y%m%d", errors="coerce")
            bad_birth = (b.isna() & form).to_numpy()
            self.reject(
                bad_birth,
                col,
                raw,
                _("contains no valid birth date"),
                _("re-type the ID number from the card"),
            )
            birth = b.dt.strftime("%Y-%m-%d").where(~b.isna(), "")
            # the birth date it holds obeys the birth date's rule (it fills an empty one)
            outside = birth.ne("") & (
                birth.lt(rules.EARLIEST.isoformat())
                | birth.gt(rules.BIRTH_DATE.high(self.day).isoformat())
            )
            self.reject(
                outside.to_numpy(),
                col,
                raw,
                _(
                    "contains a birth date outside {low} to {high}",
                    low=rules.EARLIEST.isoformat(),
                    high=rules.BIRTH_DATE.high_label(self.day),
                ),
                _("re-type the ID number from the card"),
            )
            birth = birth.where(~outside, "")
            seq = pd.to_numeric(raw.str.slice(16, 17), errors="coerce")
            sex = seq.mod(2).map({1: "M", 0: "F"}).fillna("")
        return raw, birth, sex


def _real_date(text: str) -> bool:
    """Whether ``text`` (YYYY-MM-DD) is a calendar date."""
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


SEX = {"m": "M", "male": "M", "男": "M", "1": "M", "f": "F", "female": "F", "女": "F", "2": "F"}
STATUS = {
    "resident": "resident",
    "户籍": "resident",
    "户籍人口": "resident",
    "常住": "resident",
    "本地": "resident",
    "migrant": "migrant",
    "流动": "migrant",
    "流动人口": "migrant",
    "外来": "migrant",
}
CERT = {
    "valid": "valid",
    "有": "valid",
    "有效": "valid",
    "已办": "valid",
    "yes": "valid",
    "missing": "missing",
    "无": "missing",
    "未办": "missing",
    "缺": "missing",
    "no": "missing",
    "expired": "expired",
    "过期": "expired",
    "已过期": "expired",
    "n/a": "n/a",
    "na": "n/a",
    "不适用": "n/a",
    "-": "n/a",
}
