"""The import batch of a load: its start, its counts and its rejected rows."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from gis import schema
from gis.ingest.core import copy_frame


def start_batch(
    conn, kind: str, file_name: str, file_hash: str, loaded_by: str | None, source_crs: str | None
) -> int:
    batches = schema.import_batches
    return conn.execute(
        sa.insert(batches)
        .values(
            kind=kind,
            file_name=file_name,
            file_hash=file_hash,
            loaded_by=loaded_by,
            status="loading",
            source_crs=source_crs,
        )
        .returning(batches.c.id)
    ).scalar()


#: what a rejected row records (the report's columns, in rejected_rows' order)
REJECTED_COLUMNS = [c.name for c in schema.rejected_rows.c if c.name not in ("id", "batch_id")]


def finish_batch(
    conn,
    batch_id: int,
    *,
    status: str,
    total: int,
    inserted: int,
    updated: int,
    unchanged: int,
    rejected: list[tuple],
    notes: list[str],
) -> None:
    batches = schema.import_batches
    conn.execute(
        sa.update(batches)
        .where(batches.c.id == batch_id)
        .values(
            finished_at=sa.func.now(),
            status=status,
            rows_total=total,
            rows_inserted=inserted,
            rows_updated=updated,
            rows_unchanged=unchanged,
            # rows, not problems: a row with several bad cells has one entry for each
            rows_rejected=len({r[0] for r in rejected if r[0] is not None})
            + sum(1 for r in rejected if r[0] is None),
            notes=notes,
        )
    )
    if rejected:
        df = pd.DataFrame(rejected, columns=REJECTED_COLUMNS)
        df.insert(0, "batch_id", batch_id)
        copy_frame(conn, schema.rejected_rows.name, df, list(df.columns))
