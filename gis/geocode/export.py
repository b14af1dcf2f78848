"""The standard address list (标准地址库): one row per building, for other systems.

Columns: ``building_id, county_code, township_code, township, village_code, village,
group, compound, building_no, address, lon, lat`` — codes 12 digits, lon/lat WGS-84
degrees of a point on the building, ``address`` the stored address or, when a building
has none, one composed from its township, village, compound/group and number.
"""

from __future__ import annotations

import re

import pandas as pd
import sqlalchemy as sa

from gis.geocode.normalise import normalise

__all__ = ["EXPORT_COLUMNS", "standard_addresses", "write_standard_addresses"]

EXPORT_COLUMNS = [
    "building_id",
    "county_code",
    "township_code",
    "township",
    "village_code",
    "village",
    "group",
    "compound",
    "building_no",
    "address",
    "lon",
    "lat",
]
_GROUP = re.compile(r"(\d+)组")


def standard_addresses(conn, county: str | None = None) -> pd.DataFrame:
    """The list as a frame (all buildings with a village, or those of one county)."""
    df = pd.read_sql_query(
        sa.text("""
        SELECT b.ext_id AS building_id, left(b.village_code, 6) || '000000' AS county_code,
               left(b.village_code, 9) || '000' AS township_code, t.name AS township,
               b.village_code, v.name AS village, b.compound, b.building_no, b.address,
               round(ST_X(p)::numeric, 7) AS lon, round(ST_Y(p)::numeric, 7) AS lat
        FROM buildings b
        CROSS JOIN LATERAL ST_PointOnSurface(b.geom) AS p
        JOIN admin_area v ON v.code = b.village_code
        LEFT JOIN admin_area t ON t.code = left(b.village_code, 9) || '000'
        WHERE b.village_code IS NOT NULL
          AND (CAST(:county AS text) IS NULL OR b.county_code = :county)
        ORDER BY b.village_code, b.compound NULLS FIRST, b.ext_id"""),
        conn,
        params={"county": county},
    )
    norm = df["address"].fillna("").map(normalise)
    df["group"] = norm.str.extract(_GROUP, expand=False)
    missing = df["address"].isna() | (df["address"] == "")
    if missing.any():
        m = df[missing]
        df.loc[missing, "address"] = (
            m["township"].fillna("")
            + m["village"].fillna("")
            + m["compound"].fillna("")
            + m["building_no"].fillna("").map(lambda s: f"{s}栋" if s else "")
        )
    return df[EXPORT_COLUMNS]


def write_standard_addresses(conn, path, county: str | None = None) -> int:
    """Write the list to ``path`` as UTF-8 CSV (with BOM, so Excel reads it); returns rows."""
    df = standard_addresses(conn, county)
    df.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\n")
    return len(df)
