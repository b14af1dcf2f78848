"""Matching a file's header to the columns a loader expects (names, aliases, near misses)."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Mapping

from gis.messages import _
from loaders.files.problems import FileProblem


class ColumnMap(dict):
    """dict canonical name → header name as in the file; ``extra`` lists unmatched headers."""

    def __init__(self, mapping: Mapping[str, str], extra: list[str]):
        super().__init__(mapping)
        self.extra = extra


def _norm_col(s: str) -> str:
    # NFKC folds full-width letters and underscores typed with a Chinese IME.
    s = unicodedata.normalize("NFKC", str(s)).replace("\ufeff", "").lower()
    return re.sub(r"[\s_\-]+", "", s)


def _similarity(a: str, b: str) -> float:
    try:
        from rapidfuzz import fuzz
    except ImportError:
        return difflib.SequenceMatcher(None, a, b).ratio()
    return fuzz.ratio(a, b) / 100.0


def match_columns(
    file,
    header: Iterable[str],
    expected: Mapping[str, list[str]],
    required: set[str] | Iterable[str],
) -> ColumnMap:
    """Map canonical column names to the file's header names.

    ``expected`` maps each canonical name to accepted aliases (Chinese included, e.g.
    ``{'household_no': ['户号', 'household number']}``); the canonical name is always
    accepted too. Comparison ignores case, spaces, '_' and '-' (and full-width forms).
    Returns a :class:`ColumnMap` (a dict) whose ``extra`` attribute lists header names
    that matched nothing, in file order; they are not an error. Raises
    :class:`FileProblem` (row 1, the header) when required columns are missing — with a
    "did you mean" from the closest unmatched header — or when two headers mean the same
    column.
    """
    required = set(required)
    index: dict[str, str] = {}
    for canon, aliases in expected.items():
        for alias in [canon, *aliases]:
            key = _norm_col(alias)
            other = index.setdefault(key, canon)
            if other != canon:
                raise ValueError(f"alias {alias!r} is given for both {other!r} and {canon!r}")
    for canon in required:
        index.setdefault(_norm_col(canon), canon)

    header = [h for h in header if h != "_row"]
    found: dict[str, str] = {}
    extra: list[str] = []
    for h in header:
        canon = index.get(_norm_col(h))
        if canon is None:
            extra.append(h)
        elif canon in found:
            raise FileProblem(
                file,
                row=1,
                column=h,
                reason=_(
                    "columns {first!r} and {second!r} both mean {column}",
                    first=found[canon],
                    second=h,
                    column=canon,
                ),
                fix=_("delete or rename one of them"),
            )
        else:
            found[canon] = h

    order = [c for c in expected if c in required] + sorted(required - set(expected))
    missing = [c for c in order if c not in found]
    if not missing:
        return ColumnMap(found, extra)
    raise _missing_columns(file, missing, extra, expected)


def _missing_columns(
    file, missing: list[str], extra: list[str], expected: Mapping[str, list[str]]
) -> FileProblem:
    """The problem naming the missing columns, with a "did you mean" where an unmatched
    header is close to one."""
    # Greedy best-first pairing so one misspelt header is suggested for one column only.
    pairs = []
    for canon in missing:
        names = [canon, *expected.get(canon, [])]
        for h in extra:
            score = max(_similarity(_norm_col(a), _norm_col(h)) for a in names)
            if score >= 0.6:
                pairs.append((score, canon, h))
    suggestion: dict[str, str] = {}
    used: set[str] = set()
    for _score, canon, h in sorted(pairs, key=lambda p: -p[0]):
        if canon not in suggestion and h not in used:
            suggestion[canon] = h
            used.add(h)

    parts = []
    for canon in missing:
        if canon in suggestion:
            parts.append(
                _(
                    "{column} (the file has {found!r} — did you mean {column!r}?)",
                    column=canon,
                    found=suggestion[canon],
                )
            )
        else:
            parts.append(canon)
    accepted = "; ".join(
        f"{c}: {', '.join(dict.fromkeys([c, *expected.get(c, [])]))}" for c in missing
    )
    if len(missing) == 1:
        reason = _("missing required column: {columns}", columns="; ".join(parts))
        fix = _(
            "rename the header cell in row 1 to an accepted name ({accepted}) or add the column",
            accepted=accepted,
        )
    else:
        reason = _("missing required columns: {columns}", columns="; ".join(parts))
        fix = _(
            "rename the header cell in row 1 to an accepted name ({accepted}) or add the columns",
            accepted=accepted,
        )
    return FileProblem(file, row=1, column=", ".join(missing), reason=reason, fix=fix)
