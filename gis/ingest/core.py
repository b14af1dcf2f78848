"""The ground floor of the bulk writes: COPY into staging tables, counting upserts,
rejected rows, and the transaction helpers for first loads."""

from __future__ import annotations

import io

import pandas as pd
import sqlalchemy as sa

from gis.messages import _

COPY_CHUNK_ROWS = 100_000


def _driver(conn):
    return conn.connection.driver_connection


def copy_frame(conn, table: str, df: pd.DataFrame, columns: list[str]) -> int:
    """COPY ``df[columns]`` into ``table`` (CSV; empty cells become NULL). Returns rows."""
    if df.empty:
        return 0
    copy_csv(conn, table, columns, (frame_csv(df, columns, start) for start in _starts(df)))
    return len(df)


def _starts(df: pd.DataFrame) -> range:
    return range(0, len(df), COPY_CHUNK_ROWS)


def frame_csv(df: pd.DataFrame, columns: list[str], start: int = 0) -> str:
    """Rows ``start`` … ``start + COPY_CHUNK_ROWS`` of ``df[columns]`` as COPY's CSV."""
    buf = io.StringIO()
    df.iloc[start : start + COPY_CHUNK_ROWS][columns].to_csv(
        buf, header=False, index=False, na_rep=""
    )
    return buf.getvalue()


def frame_csv_parts(df: pd.DataFrame, columns: list[str]) -> list[str]:
    """All of ``df[columns]`` as COPY's CSV, in parts (made where the frame is, e.g. by
    the process that checked it, and copied by :func:`copy_csv`)."""
    return [frame_csv(df, columns, start) for start in _starts(df)]


def copy_csv(conn, table: str, columns: list[str], parts) -> None:
    """COPY CSV text (an iterable of parts, as :func:`frame_csv_parts` makes them)."""
    raw = _driver(conn)
    cols = ", ".join(columns)
    with raw.cursor() as cur:
        with cur.copy(f"COPY {table} ({cols}) FROM STDIN (FORMAT csv)") as copy:
            for part in parts:
                copy.write(part)


def _rejects(rows, column: str, reason, fix) -> list[tuple]:
    out = []
    for r in rows:
        m = r._mapping
        out.append(
            (
                m["row_no"],
                column,
                m.get("value"),
                reason(m) if callable(reason) else reason,
                fix(m) if callable(fix) else fix,
            )
        )
    return out


def _counts(
    conn,
    sql: str,
    params: dict | None = None,
    *,
    empty: bool = False,
    keys: tuple[str, str] | None = None,
) -> tuple[int, int]:
    """Run an INSERT .. ON CONFLICT .. RETURNING (xmax = 0) and count inserts/updates.

    A partitioned table cannot return xmax: for those, ``keys`` is (table, unique key
    columns) and the statement returns the key columns; a returned row is an insert when
    its key was not in the table before the statement (the outer query of a WITH sees
    the table as it was).

    With ``empty`` (the target table had no rows and the staged rows are unique) the
    conflict clause and the RETURNING list are dropped: a plain INSERT is much faster.
    """
    if empty:
        plain = sql.split("ON CONFLICT")[0]
        return conn.execute(sa.text(plain), params or {}).rowcount, 0
    inserted = "inserted"
    if keys is not None:
        table, columns = keys
        match = " AND ".join(f"t.{c} = w.{c}" for c in columns.split(", "))
        inserted = f"NOT EXISTS (SELECT 1 FROM {table} t WHERE {match})"
    row = conn.execute(
        sa.text(
            f"WITH w AS ({sql}) SELECT count(*) FILTER (WHERE {inserted}), "
            f"count(*) FILTER (WHERE NOT ({inserted})) FROM w"
        ),
        params or {},
    ).one()
    return int(row[0]), int(row[1])


class trusted_keys:
    """Skip per-row foreign-key triggers for statements whose keys come from joins with
    their parent tables (so the checks cannot fail), as pg_restore does for bulk data.

    Needs a superuser (the project's own cluster); elsewhere it does nothing and the
    triggers run as usual. The setting is local to the transaction and reset on exit.
    """

    def __init__(self, conn):
        self.conn = conn
        self.active = False

    def __enter__(self):
        if self.conn.execute(
            sa.text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        ).scalar():
            self.conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
            self.active = True
        return self

    def __exit__(self, *exc):
        if self.active and not exc[0]:
            self.conn.execute(sa.text("SET LOCAL session_replication_role = origin"))


class triggers_off:
    """Switch the named triggers of ``table`` off for the block, in the transaction (a
    bulk load that does their work itself, set-based); each is switched back on as it
    was (ENABLE, ENABLE ALWAYS or ENABLE REPLICA). Takes the table's exclusive lock
    until the end of the transaction: for first loads, which hold it already (their
    index drops take it)."""

    MODES = {"O": "ENABLE", "A": "ENABLE ALWAYS", "R": "ENABLE REPLICA"}

    def __init__(self, conn, table: str, names: tuple[str, ...]):
        self.conn, self.table, self.names = conn, table, names
        self.saved: list[tuple[str, str]] = []

    def __enter__(self):
        self.saved = [
            (name, mode)
            for name, mode in self.conn.execute(
                sa.text(
                    "SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = "
                    "CAST(:t AS regclass) AND tgname = ANY(:names) AND tgenabled <> 'D'"
                ),
                {"t": self.table, "names": list(self.names)},
            ).all()
        ]
        for name, _mode in self.saved:
            self.conn.execute(sa.text(f'ALTER TABLE {self.table} DISABLE TRIGGER "{name}"'))
        return self

    def __exit__(self, *exc):
        if exc[0] is None:
            for name, mode in self.saved:
                self.conn.execute(
                    sa.text(f'ALTER TABLE {self.table} {self.MODES[mode]} TRIGGER "{name}"')
                )


class indexes_after:
    """On the first load into an empty table, build its plain indexes after the insert
    instead of row by row (much faster for millions of rows). Constraint indexes
    (primary key, unique) stay, since the upsert relies on them. A later load, into a
    table that has rows, leaves the indexes alone.
    """

    def __init__(self, conn, table: str):
        self.conn, self.table = conn, table
        self.saved: list = []
        self.empty = False

    def __enter__(self):
        c = self.conn
        if c.execute(sa.text(f"SELECT EXISTS (SELECT 1 FROM {self.table})")).scalar():
            return self
        self.empty = True
        self.saved = c.execute(
            sa.text("""
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.schemaname = current_schema() AND i.tablename = :t
              AND NOT EXISTS (SELECT 1 FROM pg_constraint k
                              WHERE k.conname = i.indexname
                                AND k.conrelid = CAST(:t AS regclass))"""),
            {"t": self.table},
        ).all()
        for name, _sql in self.saved:
            c.execute(sa.text(f'DROP INDEX "{name}"'))
        return self

    def __exit__(self, *exc):
        if exc[0] is None:
            for _, definition in self.saved:
                # a partitioned table's index reads "ON ONLY …": made so, it would stay
                # invalid and leave every partition without it
                self.conn.execute(sa.text(definition.replace(" ON ONLY ", " ON ", 1)))
            if self.saved:
                self.conn.execute(sa.text(f"ANALYZE {self.table}"))


def _unknown_villages(conn, table: str) -> list[tuple]:
    """Reject staged rows whose village_code is not a village of the admin tree."""
    return _rejects(
        conn.execute(
            sa.text(f"""
        DELETE FROM {table} s WHERE s.village_code IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM admin_area a WHERE a.code = s.village_code
                          AND a.level = 'village')
        RETURNING s.row_no, s.village_code AS value""")
        ),
        "village_code",
        _("unknown village code"),
        _("use a 12-digit village code of the loaded admin areas"),
    )


def single_county(conn) -> str | None:
    """The county code when exactly one county is loaded (the usual deployment)."""
    rows = conn.execute(
        sa.text("SELECT left(code, 6) FROM admin_area WHERE level = 'county' LIMIT 2")
    ).all()
    return rows[0][0] if len(rows) == 1 else None
