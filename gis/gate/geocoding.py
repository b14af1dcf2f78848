"""The gate for geocoding: every read and write of ``households`` (and of the review queue
that points at them) made by the geocoder, restricted to a scope like the rest of the gate.

* :func:`households_to_geocode` — the inputs of the households in scope whose input
  changed since they were last geocoded (``geocode_input_hash``), or all of them; never
  those placed by hand;
* :func:`write_geocoding` — one COPY into a temporary table, one UPDATE, and the review
  queue replaced for those households: set-based, no per-row round trips;
* :func:`geocode_summary`, :func:`review_items` — what a run left behind;
* :func:`geocode_households` — a whole run: read, geocode (:mod:`gis.geocode.batch`),
  write, chunk by chunk. (It lives here, not in gis.geocode, so that the gate depends
  on the geocoder and never the other way round.)

A household's geocoding input is its address, its registered address and — when its
position came from coordinates (``geocode_method`` starting with ``coordinates``) — that
point; a position computed from the address is output, not input.
"""

from __future__ import annotations

import io
import json
import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import sqlalchemy as sa

from gis import audit
from gis.errors import NotFound
from gis.gate import Scope, command_scope, enter
from gis.scope import in_county

__all__ = [
    "system_scope",
    "households_to_geocode",
    "geocode_households",
    "write_geocoding",
    "store_geocoded",
    "geocode_summary",
    "review_items",
    "review_item",
    "not_found",
    "close_manual_reviews",
]

# Coordinates are input only when they came from a file or a device.
_FROM_COORDS = "h.geocode_method LIKE 'coordinates%'"


def _input_hash(from_coords: str) -> str:
    return (
        f"md5(concat_ws('|', coalesce(h.address, ''), coalesce(h.registered_address, ''),"
        f" CASE WHEN {from_coords} THEN ST_AsText(h.geom) ELSE '' END))"
    )


INPUT_HASH = _input_hash(_FROM_COORDS)
# A staged household (gis.ingest) is inserted with method 'coordinates' when it has a point.
_STAGED_HASH = _input_hash("h.geom IS NOT NULL")

OUT_COLUMNS = [
    "id",
    "level",
    "building",
    "village_code",
    "lon",
    "lat",
    "keep_geom",
    "score",
    "method",
    "reason",
    "distance_m",
    "registered_code",
    "input_hash",
    "review",
    "candidates",
]


def system_scope(conn, area_code: str | None = None) -> Scope:
    """The scope of a geocoding job: :func:`gis.gate.command_scope` as ``geocoder``."""
    return command_scope(conn, area_code, user="geocoder")


def _like(scope: Scope) -> str:
    # COPY takes no parameters; a path is digits only (it comes from admin_area codes).
    if not re.fullmatch(r"\d*", scope.path):
        raise ValueError(f"bad scope path {scope.path!r}")
    return scope.path + "%"


def households_to_geocode(conn, scope: Scope, *, all_rows: bool = False) -> pd.DataFrame:
    """Households in scope to (re-)geocode: columns ``id, address, registered_address,
    lon, lat`` (WGS-84 input coordinates or NaN), ``input_hash``.

    Without ``all_rows`` only households whose input changed since the last run are
    returned. Households placed by hand are never returned: manual placements win.
    """
    enter(conn, scope)
    changed = "" if all_rows else f"AND h.geocode_input_hash IS DISTINCT FROM {INPUT_HASH}"
    sql = f"""COPY (
        SELECT h.id, h.address, h.registered_address,
               CASE WHEN {_FROM_COORDS} THEN ST_X(h.geom) END AS lon,
               CASE WHEN {_FROM_COORDS} THEN ST_Y(h.geom) END AS lat,
               {INPUT_HASH} AS input_hash
        FROM households h
        WHERE h.admin_path LIKE '{_like(scope)}' AND NOT h.placed_manually {changed}
        ORDER BY h.id) TO STDOUT (FORMAT csv, HEADER)"""
    return _read_copy(conn, sql)


def _read_copy(conn, sql: str) -> pd.DataFrame:
    raw = conn.connection.driver_connection
    buf = io.BytesIO()
    with raw.cursor() as cur, cur.copy(sql) as cp:
        for block in cp:
            buf.write(block)
    buf.seek(0)
    return pd.read_csv(
        buf,
        dtype={"address": str, "registered_address": str, "input_hash": str, "county_code": str},
        keep_default_na=False,
        na_values={"lon": [""], "lat": [""]},
    )


def staged_to_geocode(conn) -> pd.DataFrame:
    """The households staged by the first load of a households file (``stage_households``
    of :mod:`gis.ingest.households`, before they are inserted), as
    :func:`households_to_geocode` would return them once inserted: ``id`` is the staged
    household's key (its first row), plus its ``county_code``; ordered by county. Makes
    the (empty) table of their results for :func:`store_staged`."""
    conn.execute(sa.text("DROP TABLE IF EXISTS stage_geocode_out"))
    conn.execute(sa.text(_OUT_TABLE.format(name="stage_geocode_out", exists="")))
    return _read_copy(
        conn,
        f"""COPY (
        SELECT h.row_no AS id, h.county_code, h.address, h.registered_address,
               ST_X(h.geom) AS lon, ST_Y(h.geom) AS lat, {_STAGED_HASH} AS input_hash
        FROM stage_households h ORDER BY h.county_code, h.row_no) TO STDOUT (FORMAT csv, HEADER)""",
    )


def store_geocoded(conn, scope: Scope, geocoder, part: pd.DataFrame, res) -> int:
    """Place the households ``part`` (rows of :func:`households_to_geocode`) whose
    addresses ``geocoder.prepare`` read into ``res`` (their coordinates too), and write
    the results; returns how many households were updated."""
    return write_geocoding(conn, scope, _finish(conn, geocoder, part, res))


def _finish(conn, geocoder, part: pd.DataFrame, res) -> pd.DataFrame:
    out = geocoder.finish(
        conn,
        res,
        part["lon"].to_numpy(dtype=np.float64),
        part["lat"].to_numpy(dtype=np.float64),
        clean=False,
    )
    out["input_hash"] = part["input_hash"].to_numpy()
    out["score"] = out["score"].astype(float)
    return out


def store_staged(conn, geocoder, part: pd.DataFrame, res) -> None:
    """:func:`store_geocoded` for staged households (rows of :func:`staged_to_geocode`):
    their results are kept for :func:`place_staged` (call it once all are stored)."""
    _copy_out(conn, "stage_geocode_out", _finish(conn, geocoder, part, res))


def place_staged(conn) -> int:
    """Set the staged households' placement and geocoding columns from the results
    :func:`store_staged` kept, as :func:`write_geocoding` would update them once
    inserted (the same checks and expressions), so that they are inserted once, geocoded.
    Returns the number of staged households geocoded."""
    conn.execute(
        sa.text(
            _LANDED.format(out="stage_geocode_out", target="stage_households h ON h.row_no = t.id")
        )
    )
    return conn.execute(
        sa.text(f"""
        UPDATE stage_households h SET {_PLACE}, geocoded = true
        FROM stage_geocode_out t
        LEFT JOIN buildings b ON b.id = t.building
        LEFT JOIN admin_area v ON v.code = t.village_code
        WHERE h.row_no = t.id""")
    ).rowcount


def queue_staged_reviews(conn) -> int:
    """After the staged households were inserted: their unsure results go to the review
    queue, as :func:`write_geocoding` queues them. Returns the number queued."""
    return conn.execute(
        sa.text(
            _QUEUE.format(
                source="stage_geocode_out t JOIN stage_households s ON s.row_no = t.id "
                "JOIN households h ON h.household_no = s.household_no "
                "AND h.county_code = s.county_code",
                where="",
            )
        )
    ).rowcount


def write_geocoding(conn, scope: Scope, out: pd.DataFrame) -> int:
    """Store geocoding results (columns :data:`OUT_COLUMNS`) for households in scope.

    ``keep_geom`` keeps the household's point (it came from coordinates); otherwise the
    point becomes the placement's (NULL when unmatched). The village and jurisdiction
    path follow a placement at village level or better; coarser results leave them as
    they were. Households placed by hand are never touched. Open review items of these
    households are replaced by the new ones. Returns the number of households updated.
    """
    enter(conn, scope)
    if out.empty:
        return 0
    conn.execute(sa.text("DROP TABLE IF EXISTS tmp_geocode_out"))
    conn.execute(sa.text(_OUT_TABLE.format(name="tmp_geocode_out", exists="")))
    _copy_out(conn, "tmp_geocode_out", out)
    like = _like(scope)
    conn.execute(
        sa.text(
            _LANDED.format(
                out="tmp_geocode_out",
                # the county as a constant: the join plans and reads only its partition
                target=f"households h ON h.id = t.id AND {in_county('h.county_code')}",
            )
        ),
        {"county": scope.county},
    )
    updated = conn.execute(
        sa.text(f"""
        UPDATE households h SET {_PLACE}, updated_at = now()
        FROM tmp_geocode_out t
        LEFT JOIN buildings b ON b.id = t.building
        LEFT JOIN admin_area v ON v.code = t.village_code
        WHERE h.id = t.id AND NOT h.placed_manually AND h.admin_path LIKE :like
          AND (h.building_id, h.village_code, h.geocode_level, h.geocode_score,
               h.geocode_method, h.geocode_reason, h.geocode_distance_m, h.registered_code,
               h.geocode_input_hash)
              IS DISTINCT FROM
              (t.building, CASE WHEN t.level IN ('building', 'compound', 'group', 'village')
                                THEN t.village_code ELSE h.village_code END,
               t.level, t.score, t.method, t.reason, t.distance_m, t.registered_code,
               t.input_hash)"""),
        {"like": like},
    ).rowcount
    # The review queue: items these results settle are closed, unsure ones replaced.
    conn.execute(
        sa.text("""
        UPDATE geocode_review r SET status = 'resolved', resolved_at = now(),
               resolved_by = 'geocoder'
        FROM tmp_geocode_out t
        WHERE r.household_id = t.id AND r.status = 'open' AND NOT t.review""")
    )
    conn.execute(
        sa.text("""
        DELETE FROM geocode_review r USING tmp_geocode_out t
        WHERE r.household_id = t.id AND r.status = 'open' AND t.review""")
    )
    conn.execute(
        sa.text(
            _QUEUE.format(
                source="tmp_geocode_out t JOIN households h ON h.id = t.id",
                where=" AND NOT h.placed_manually AND h.admin_path LIKE :like",
            )
        ),
        {"like": like},
    )
    close_manual_reviews(conn, scope)
    return updated


#: a temporary table of geocoding results (:data:`OUT_COLUMNS`)
_OUT_TABLE = """
    CREATE TEMP TABLE {exists} {name} (
        id bigint PRIMARY KEY, level text, building bigint, village_code text,
        lon float8, lat float8, keep_geom boolean, score real, method text, reason text,
        distance_m real, registered_code text, input_hash text, review boolean,
        candidates text) ON COMMIT DROP"""

# A geocoder that knows several counties (a province's) can place a household in a
# building or village of a neighbouring county. Its record stays in its own county
# (its partition can only name its county's buildings), so such a result is not
# stored as a place: the household goes to the review queue, saying where it landed.
# ``target``: the households (``h``) the results (``t``) are for, joined.
_LANDED = """
    WITH landed AS (
        SELECT t.id, coalesce(left(t.village_code, 6), (
                   SELECT left(c.code, 6) FROM admin_area c
                   WHERE c.level = 'county' AND ST_Intersects(c.geom, t.pt) LIMIT 1),
                   'none') AS county
        FROM (SELECT t.*, ST_SetSRID(ST_MakePoint(t.lon, t.lat), 4326) AS pt
              FROM {out} t) t
        JOIN {target}
        WHERE left(t.village_code, 6) <> h.county_code
           -- a township's or county's centre (no village): inside the household's
           -- county? (its own coordinates, kept, are not judged here)
           OR (t.village_code IS NULL AND t.lon IS NOT NULL AND NOT t.keep_geom
               AND NOT EXISTS (SELECT 1 FROM admin_area c
                               WHERE c.code = h.county_code || '000000'
                                 AND ST_Intersects(c.geom, t.pt))))
    UPDATE {out} t SET
        reason = 'placed in another county: ' || l.county,
        level = 'unmatched', building = NULL, village_code = NULL, lon = NULL,
        lat = NULL, score = 0, distance_m = NULL, review = true, candidates = '[]'
    FROM landed l WHERE l.id = t.id"""

# A household (``h``) placed by its result (``t``; ``b`` its building, ``v`` its village):
# the village and jurisdiction path follow a placement at village level or better.
_PLACE = """
    building_id = t.building,
    village_code = CASE WHEN t.level IN ('building', 'compound', 'group', 'village')
                        THEN t.village_code ELSE h.village_code END,
    admin_path = CASE WHEN b.admin_path IS NOT NULL THEN b.admin_path
                      WHEN t.level IN ('compound', 'group', 'village')
                           AND v.path IS NOT NULL THEN v.path
                      ELSE h.admin_path END,
    geom = CASE WHEN t.keep_geom THEN h.geom
                WHEN t.lon IS NOT NULL
                THEN ST_SetSRID(ST_MakePoint(t.lon, t.lat), 4326) END,
    geocode_level = t.level, geocode_score = t.score, geocode_method = t.method,
    geocode_reason = t.reason, geocode_distance_m = t.distance_m,
    registered_code = t.registered_code, geocode_input_hash = t.input_hash"""


# The unsure results (``t``) of households (``h``) to the review queue; ``source``
# joins them, ``where`` narrows them.
_QUEUE = """
    INSERT INTO geocode_review (household_id, county_code, admin_path, address,
                                input_hash, reason, level, score, candidates)
    SELECT h.id, h.county_code, h.admin_path, h.address, t.input_hash,
           coalesce(t.reason, 'unsure'), t.level, t.score, CAST(t.candidates AS jsonb)
    FROM {source}
    WHERE t.review{where}"""


def _copy_out(conn, table: str, out: pd.DataFrame) -> None:
    """COPY geocoding results into ``table`` (made with :data:`_OUT_TABLE`)."""
    frame = out[OUT_COLUMNS].copy()
    frame["building"] = frame["building"].astype("Int64")
    frame["candidates"] = [
        json.dumps(c, ensure_ascii=False) if c else "[]" for c in frame["candidates"]
    ]
    for col in ("keep_geom", "review"):
        frame[col] = np.where(frame[col].astype(bool), "t", "f")
    raw = conn.connection.driver_connection
    with (
        raw.cursor() as cur,
        cur.copy(f"COPY {table} ({', '.join(OUT_COLUMNS)}) FROM STDIN (FORMAT csv)") as cp,
    ):
        for start in range(0, len(frame), 100_000):
            buf = io.StringIO()
            frame.iloc[start : start + 100_000].to_csv(
                buf, header=False, index=False, na_rep="", float_format="%.8f"
            )
            cp.write(buf.getvalue())


def close_manual_reviews(conn, scope: Scope) -> int:
    """Close the open review items of households staff have since placed by hand."""
    enter(conn, scope)
    return conn.execute(
        sa.text("""
        UPDATE geocode_review r SET status = 'resolved', resolved_at = h.placed_at,
               resolved_by = coalesce(h.placed_by, 'manual')
        FROM households h
        WHERE h.id = r.household_id AND r.status = 'open' AND h.placed_manually
          AND h.admin_path LIKE :like"""),
        {"like": _like(scope)},
    ).rowcount


def geocode_summary(conn, scope: Scope) -> dict:
    """Households in scope by geocode level (``none`` = never geocoded), the number
    placed by hand and the number of open review items."""
    enter(conn, scope)
    like = _like(scope)
    levels = {
        r[0] or "none": r[1]
        for r in conn.execute(
            sa.text(
                "SELECT geocode_level, count(*) FROM households WHERE admin_path LIKE :like "
                "GROUP BY 1 ORDER BY 1"
            ),
            {"like": like},
        )
    }
    manual = conn.execute(
        sa.text("SELECT count(*) FROM households WHERE admin_path LIKE :like AND placed_manually"),
        {"like": like},
    ).scalar()
    review = conn.execute(
        sa.text(
            "SELECT count(*) FROM geocode_review WHERE admin_path LIKE :like AND status = 'open'"
        ),
        {"like": like},
    ).scalar()
    return {"levels": levels, "manual": manual, "review_open": review}


def not_found(level: str | None, reason: str | None) -> bool:
    """Whether a review row is one where something was NOT found: no match at all
    (level ``unmatched``) or no village, compound or building ("… not found" in its
    reason). Such a row has no score: the stored one is that of the level it was placed
    at (a township matched exactly scores 1.0), which beside "village or compound not
    found" reads as a perfect match of a failure. The one rule for the review API and
    the review page."""
    return level in (None, "unmatched") or "not found" in (reason or "")


def _review_row(row) -> dict:
    """A review row as the API and the page give it: ``score`` None where something was
    not found (:func:`not_found`)."""
    item = dict(row._mapping)
    if not_found(item["level"], item["reason"]):
        item["score"] = None
    return item


def review_items(conn, scope: Scope, *, limit: int = 100) -> list[dict]:
    """Open review items in scope, oldest first: household, address, reason, level, score
    (None where something was not found: :func:`not_found`), candidates."""
    enter(conn, scope)
    rows = conn.execute(
        sa.text("""
        SELECT r.id, r.household_id, h.household_no, r.address, r.reason, r.level, r.score,
               r.candidates
        FROM geocode_review r JOIN households h ON h.id = r.household_id
        WHERE r.status = 'open' AND r.admin_path LIKE :like
        ORDER BY r.id LIMIT :limit"""),
        {"like": _like(scope), "limit": int(limit)},
    )
    items = [_review_row(r) for r in rows]
    if items:
        audit.record(
            conn,
            scope,
            "review_items",
            kind="review",
            household_ids=[i["household_id"] for i in items],
        )
    return items


def review_item(conn, scope: Scope, review_id: int) -> dict:
    """One open review item in scope; NotFound when missing, closed or out of scope."""
    enter(conn, scope)
    row = conn.execute(
        sa.text("""
        SELECT r.id, r.household_id, h.household_no, r.address, r.reason, r.level, r.score,
               r.candidates
        FROM geocode_review r JOIN households h ON h.id = r.household_id
        WHERE r.id = :id AND r.status = 'open' AND r.admin_path LIKE :like"""),
        {"id": int(review_id), "like": _like(scope)},
    ).one_or_none()
    if row is None:
        raise NotFound("review item")
    audit.record(
        conn,
        scope,
        "review_items",
        kind="review",
        target=review_id,
        household_ids=[row.household_id],
    )
    return _review_row(row)


def geocode_households(
    conn,
    scope,
    *,
    all_rows: bool = False,
    geocoder=None,
    chunk: int = 100_000,
    progress: Callable[[int, int], None] | None = None,
) -> dict:
    """Geocode the households in ``scope`` in place with a
    :class:`~gis.geocode.batch.Geocoder` (loaded from the database unless given).

    Only households whose input changed since the last run (or all, with ``all_rows``);
    never those placed by hand. ``progress(done, total)`` is called after each chunk.
    Returns {'considered', 'updated', 'seconds', 'summary'}.
    """
    t0 = time.perf_counter()
    todo = households_to_geocode(conn, scope, all_rows=all_rows)
    # loaded only when a job geocodes: the geocoder stack (OpenCC, the gazetteer) is
    # heavy, and the web app imports this module for its review queue
    from gis.geocode.batch import Geocoder

    g = geocoder or Geocoder.load(conn)
    total = len(todo)
    if progress:
        progress(0, total)
    state = {"updated": 0, "done": 0}

    def store(part: pd.DataFrame, res: pd.DataFrame) -> None:
        state["updated"] += store_geocoded(conn, scope, g, part, res)

    # Reading addresses is Python on one core; placing and writing is PostgreSQL on the
    # other. Chunk k is written (in a worker thread, the only user of the connection
    # meanwhile) while chunk k+1 is read.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = None
        for start in range(0, total, chunk):
            part = todo.iloc[start : start + chunk]
            res = g.prepare(
                part["id"].to_numpy(),
                part["address"].to_numpy(),
                part["registered_address"].to_numpy(),
            )
            if pending is not None:
                pending.result()
                state["done"] += chunk
                if progress:
                    progress(min(state["done"], total), total)
            pending = pool.submit(store, part, res)
        if pending is not None:
            pending.result()
    if progress:
        progress(total, total)
    return {
        "considered": total,
        "updated": state["updated"],
        "seconds": round(time.perf_counter() - t0, 2),
        "summary": geocode_summary(conn, scope),
    }
