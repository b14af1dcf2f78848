"""Bulk writes for the loaders: staging tables filled by COPY, then set-based upserts.

Loaders validate rows in Python (vectorised) and hand clean frames to the functions
here; everything after that is SQL inside the loader's one transaction. Upserts are on
natural keys and change nothing when the incoming row equals the stored one, so loading
the same file twice is a no-op. Each step that can reject rows returns them as
``(row_no, column, value, reason, fix)`` tuples for the load report.

One module for each kind of data (``admin``, ``basemap``, ``households``,
``service_points``, ``events``), the import batch in ``batches`` and the shared ground
floor (COPY, counting upserts, rejected rows) in ``core``; the names below are the
package's public ones, so callers write ``from gis import ingest`` and ``ingest.NAME``.
"""

from __future__ import annotations

from gis.ingest.admin import ADMIN_STAGE, upsert_admin
from gis.ingest.basemap import (
    BUILDING_STAGE,
    LANDCOVER_STAGE,
    ROAD_STAGE,
    upsert_buildings,
    upsert_landcover,
    upsert_roads,
)
from gis.ingest.batches import REJECTED_COLUMNS, finish_batch, start_batch
from gis.ingest.core import (
    COPY_CHUNK_ROWS,
    copy_csv,
    copy_frame,
    frame_csv_parts,
    indexes_after,
    single_county,
    trusted_keys,
)
from gis.ingest.events import EVENT_STAGE, TEAM_STAGE, upsert_events, upsert_teams
from gis.ingest.households import (
    PERSON_FIELDS,
    PERSON_STAGE,
    check_person_stage,
    shift_hit_rates,
    upsert_households,
)
from gis.ingest.service_points import SERVICE_POINT_STAGE, upsert_service_points

__all__ = [
    "ADMIN_STAGE",
    "BUILDING_STAGE",
    "COPY_CHUNK_ROWS",
    "EVENT_STAGE",
    "LANDCOVER_STAGE",
    "PERSON_FIELDS",
    "PERSON_STAGE",
    "REJECTED_COLUMNS",
    "ROAD_STAGE",
    "SERVICE_POINT_STAGE",
    "TEAM_STAGE",
    "check_person_stage",
    "copy_csv",
    "copy_frame",
    "finish_batch",
    "frame_csv_parts",
    "indexes_after",
    "shift_hit_rates",
    "single_county",
    "start_batch",
    "trusted_keys",
    "upsert_admin",
    "upsert_buildings",
    "upsert_events",
    "upsert_households",
    "upsert_landcover",
    "upsert_roads",
    "upsert_service_points",
    "upsert_teams",
]
