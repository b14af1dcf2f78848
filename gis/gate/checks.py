"""``popgis db check``: stored rows that break today's rules.

The loaders and the web API refuse bad rows as they come in, but rows loaded before a
rule existed stay as they were (an event dated 9999-12-31 from before the date rule).
These checks find them, read-only: nothing is changed or deleted, each problem names the
row (table, id, its key in the source file, the household), what is wrong and how to put
it right, so that the county's staff correct the source and load it again.

The rules are the loaders' and the API's, the date rules from :mod:`gis.rules`:

* an event's date lies between 1900-01-01 and today, China time
  (:meth:`gis.gate.Gate.record_event`, the events loader);
* the person an event names belongs to the event's household;
* a person's birth date lies between 1900-01-01 and today; a migrant's arrival date and
  the certificates' expiry dates between 1900-01-01 and 2100-12-31 (the households
  loader; "9999-12-31" for "no expiry" is stored as empty);
* an ID number is registered in one county only. Each county's households file is
  loaded on its own (the unique key is the ID number with the county), so a migrant
  who moved and was added where they live now, but not removed where they lived before,
  is counted twice in a province's or city's figures. Reported for each county, with
  the other county and household, the ID number masked.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import sqlalchemy as sa

from gis import rules
from gis.messages import _
from gis.rules import EARLIEST, LATEST, today

CERTIFICATES = ("cert_marriage", "cert_id", "cert_residence", "cert_migrant")


@dataclass(frozen=True)
class Problem:
    """One stored row that breaks a rule."""

    table: str
    row_id: int
    county: str
    key: str  # the row's key in its source file: event_id, household number
    household: str
    column: str
    value: str
    rule: str
    fix: str


def _event_fix(r, in_file: str) -> str:
    """How to correct an event: ``in_file`` for a row of an events file; for an event
    recorded on the map (keyed map-<id>, :mod:`gis.rules`), an events file row with that
    key corrects it."""
    if not rules.is_map_event_key(r.ext_id):
        return in_file
    return _(
        "recorded on the map by {user}: load an events file with a row of event_id {key}, "
        "its household {household}, the kind and the right date and person; that row "
        "replaces the recorded event",
        user=r.recorded_by or "?",
        key=r.ext_id,
        household=r.household_no,
    )


_EVENTS = """
        SELECT e.id, e.county_code, e.ext_id, e.recorded_by, h.household_no, {column}
        FROM events e JOIN households h
          ON h.id = e.household_id AND h.county_code = e.county_code"""


def _event_dates(conn, where: str, params: dict) -> list[Problem]:
    day = today()
    rows = conn.execute(
        sa.text(
            _EVENTS.format(column="e.event_date")
            + f"""
        WHERE (e.event_date < :low OR e.event_date > :today){where}
        ORDER BY e.county_code, e.id"""
        ),
        {**params, "low": EARLIEST, "today": rules.EVENT_DATE.high(day)},
    )
    in_file = _(
        "correct the date in the events file and load it again (the row is matched by its event_id)"
    )
    return [
        Problem(
            "events",
            r.id,
            r.county_code,
            r.ext_id,
            r.household_no,
            "event_date",
            r.event_date.isoformat(),
            _(
                "an event's date lies between {low} and today ({today})",
                low=EARLIEST.isoformat(),
                today=day.isoformat(),
            ),
            _event_fix(r, in_file),
        )
        for r in rows
    ]


def _event_members(conn, where: str, params: dict) -> list[Problem]:
    rows = conn.execute(
        sa.text(
            _EVENTS.format(column="e.person_id")
            + f"""
        JOIN persons p ON p.id = e.person_id AND p.county_code = e.county_code
        WHERE p.household_id <> e.household_id{where}
        ORDER BY e.county_code, e.id"""
        ),
        params,
    )
    in_file = _(
        "correct the household or the ID number in the events file and load it again (the "
        "row is matched by its event_id)"
    )
    return [
        Problem(
            "events",
            r.id,
            r.county_code,
            r.ext_id,
            r.household_no,
            "person_id",
            str(r.person_id),
            _("the person an event names is a member of its household"),
            _event_fix(r, in_file),
        )
        for r in rows
    ]


def _person_dates(conn, where: str, params: dict) -> list[Problem]:
    day = today()
    between = _("a date lies between {low} and {high}", low=EARLIEST, high=LATEST)
    # (column, its rule, the rule in words, how to put it right); every column is
    # checked in one pass over persons
    checks = [
        (
            "birth_date",
            rules.BIRTH_DATE,
            _("a birth date lies between {low} and today ({today})", low=EARLIEST, today=day),
            _(
                "correct the birth date in the households file (or leave it empty to take "
                "it from the ID number) and load it again"
            ),
        ),
        (
            "arrival_date",
            rules.ARRIVAL_DATE,
            between,
            _("correct the arrival date in the households file and load it again"),
        ),
    ] + [
        (
            f"{c}_expiry",
            rules.EXPIRY_DATE,
            between,
            _(
                "correct the expiry date in the households file and load it again; leave "
                "it empty for no expiry"
            ),
        )
        for c in CERTIFICATES
    ]
    _from_id_number = _(
        "the birth date is the one in the ID number: re-type the ID number from the card in "
        "the households file and load it again"
    )
    values = ", ".join(
        f"({k}, p.{column}, CAST(:high{k} AS date))" for k, (column, *_r) in enumerate(checks)
    )
    highs = {f"high{k}": rule.high(day) for k, (_c, rule, *_r) in enumerate(checks)}
    rows = conn.execute(
        sa.text(f"""
        SELECT p.id, p.county_code, h.household_no, v.k, v.value, p.id_number
        FROM persons p JOIN households h
          ON h.id = p.household_id AND h.county_code = p.county_code
        CROSS JOIN LATERAL (VALUES {values}) v(k, value, high)
        WHERE (v.value < :low OR v.value > v.high){where}
        ORDER BY v.k, p.county_code, p.id"""),
        {**params, **highs, "low": EARLIEST},
    )
    return [
        Problem(
            "persons",
            r.id,
            r.county_code,
            r.household_no,
            r.household_no,
            checks[r.k][0],
            r.value.isoformat(),
            checks[r.k][2],
            _from_id_number if _birth_in_id(checks[r.k][0], r) else checks[r.k][3],
        )
        for r in rows
    ]


def _birth_in_id(column: str, r) -> bool:
    """The stored birth date is the one the ID number gives (digits 7–14): emptying the
    birth date would give it again, the ID number is what to correct."""
    return column == "birth_date" and (r.id_number or "")[6:14] == r.value.strftime("%Y%m%d")


def _persons_in_two_counties(conn, where: str, params: dict) -> list[Problem]:
    from gis.gate import mask_id_number

    # the other county's persons found by the ID number (the first column of each
    # partition's unique index): one probe per person of the county checked
    rows = conn.execute(
        sa.text(f"""
        SELECT p.id, p.county_code, h.household_no, p.id_number,
               o.county_code AS other_county, oh.household_no AS other_household
        FROM persons p JOIN households h
          ON h.id = p.household_id AND h.county_code = p.county_code
        JOIN persons o ON o.id_number = p.id_number AND o.county_code <> p.county_code
        JOIN households oh ON oh.id = o.household_id AND oh.county_code = o.county_code
        WHERE true{where}
        ORDER BY p.county_code, p.id, o.county_code"""),
        params,
    )
    return [
        Problem(
            "persons",
            r.id,
            r.county_code,
            r.household_no,
            r.household_no,
            "id_number",
            mask_id_number(r.id_number) or "",
            _("an ID number is registered in one county only"),
            _(
                "the same ID number is in county {other}, household {other_household}: keep "
                "the person where they live now, remove them from the other county's "
                "households file and load it again (and record the move there and here)",
                other=r.other_county,
                other_household=r.other_household,
            ),
        )
        for r in rows
    ]


def check(conn, county: str | None = None, path: str | None = None) -> list[Problem]:
    """Every stored row that breaks today's rules (of ``county``, a 6-digit code, or of
    every county; of the households under admin ``path``, if given: within the county,
    or a province's or city's when ``county`` is None), ordered by table, county and
    row; read-only."""
    where, params = "", {}
    if county:
        # the county as a planning constant: only its partitions are read
        where, params = " AND h.county_code = :county", {"county": county}
    if path:
        where += " AND h.admin_path LIKE :path"
        params["path"] = path + "%"
    return (
        _event_dates(conn, where, params)
        + _event_members(conn, where, params)
        + _person_dates(conn, where, params)
        + _persons_in_two_counties(conn, where, params)
    )


def as_dicts(problems: list[Problem]) -> list[dict]:
    """The problems as plain dicts (JSON, CSV)."""
    return [asdict(p) for p in problems]
