"""How the demo writes numbers, dates and names: Chinese numerals, decimal text, village
names and their aliases."""

from __future__ import annotations

import numpy as np
import pandas as pd

_CN_DIGITS = "零一二三四五六七八九"
FULLWIDTH = str.maketrans("0123456789-", "０１２３４５６７８９－")
DIGITWISE = str.maketrans("0123456789", "〇一二三四五六七八九")


def cn_number(n: int) -> str:
    """Chinese numeral for 0 <= n < 10000 (十二, 一百零一, ...)."""
    if n < 10:
        return _CN_DIGITS[n]
    if n < 20:
        return "十" + ("" if n == 10 else _CN_DIGITS[n - 10])
    s, zero, started = "", False, False
    for v, u in ((1000, "千"), (100, "百"), (10, "十")):
        d = n // v % 10
        if d:
            if zero and started:
                s += "零"
            s += _CN_DIGITS[d] + u
            started, zero = True, False
        elif started:
            zero = True
    d = n % 10
    if d:
        s += ("零" if zero and started else "") + _CN_DIGITS[d]
    return s


_CN_TABLE: np.ndarray | None = None


def cn_numerals(arr) -> np.ndarray:
    global _CN_TABLE
    if _CN_TABLE is None:
        _CN_TABLE = np.array([cn_number(i) for i in range(10000)], dtype=object)
    return _CN_TABLE[np.clip(np.asarray(arr, dtype=np.int64), 0, 9999)]


def as_text(arr) -> np.ndarray:
    """Integer array -> object array of decimal strings."""
    return np.asarray(pd.Series(np.asarray(arr, dtype=np.int64)).astype(str), dtype=object)


def degrees_text(arr) -> np.ndarray:
    return np.asarray(pd.Series(np.asarray(arr, dtype=float)).map("{:.7f}".format), dtype=object)


def date_text(d: np.ndarray) -> np.ndarray:
    """datetime64[D] -> 'YYYY-MM-DD' (NaT -> '')."""
    d = np.asarray(d, dtype="datetime64[D]")
    out = np.datetime_as_string(d, unit="D").astype(object)
    out[np.isnat(d)] = ""
    return out


def short_village_name(name: str) -> str:
    """'江滨社区居委会' -> '江滨社区', '下骆宅村委会' -> '下骆宅村', '方塘村村民委员会' -> '方塘村'."""
    urban = is_urban_name(name)
    if name.endswith("居民委员会"):
        base = name[:-5]
    elif name.endswith("村民委员会"):
        base = name[:-5]
        if not base.endswith("村"):
            base += "村"
    elif name.endswith("居委会"):
        base = name[:-3]
    elif name.endswith("村委会"):
        base = name[:-3] + "村"
    elif name.endswith("委员会"):
        base = name[:-3]
    else:
        base = name
    if urban and not base.endswith("社区"):
        base += "社区"
    return base


def is_urban_name(name: str) -> bool:
    return "社区" in name or name.endswith("居委会") or name.endswith("居民委员会")


def village_aliases(name: str, short: str) -> list[str]:
    out = [short]
    for suf in ("社区", "村"):
        if short.endswith(suf) and len(short) - len(suf) >= 2:
            out.append(short[: -len(suf)])
            break
    if short.endswith("村村"):
        out.append(short[:-1])
    if name.endswith("居委会") and "社区" not in name:
        out.append(name)
    seen, res = set(), []
    for a in out:
        if a not in seen:
            seen.add(a)
            res.append(a)
    return res
