"""Polygons and lines: admin areas, building footprints, roads, and OSM extracts.

Reads GeoJSON, GeoPackage, zipped Shapefile (with .prj and .cpg) and OSM .pbf. The CRS
comes from the file or ``--crs``; everything is stored in WGS-84 (EPSG:4326). Invalid
polygons are repaired with a note, or rejected when nothing polygonal is left.
"""

from __future__ import annotations

import hashlib

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from tqdm import tqdm

from gis import crs as crs_mod
from gis import ingest
from loaders import files
from loaders.base import Loader, LoadError, Rejection, register, rejections_from_sql

LEVELS = {"county", "township", "village", "grid"}
USES = {"residential": "residential", "住宅": "residential", "house": "residential",
        "apartments": "residential", "detached": "residential", "yes": None,
        "market": "market", "市场": "market", "retail": "market", "commercial": "market",
        "enterprise": "enterprise", "企业": "enterprise", "industrial": "enterprise",
        "factory": "enterprise", "warehouse": "enterprise", "dormitory": "dormitory",
        "宿舍": "dormitory", "school": "school", "学校": "school", "university": "school",
        "public": "public", "公共": "public", "civic": "public", "government": "public",
        "hospital": "public", "other": "other"}


def to_wgs84(gdf: gpd.GeoDataFrame, declared: str | None, notes: list[str]
             ) -> gpd.GeoDataFrame:
    """Return ``gdf`` in WGS-84, honouring ``--crs`` (which wins over the file's CRS)."""
    name = crs_mod.normalize_crs(declared) if declared else None
    if name in ("gcj02", "bd09"):
        fn = crs_mod.gcj02_to_wgs84 if name == "gcj02" else crs_mod.bd09_to_wgs84

        def shift(coords):
            x, y = fn(coords[:, 0], coords[:, 1])
            return np.column_stack([x, y])

        out = gdf.set_crs(4326, allow_override=True)
        out = out.set_geometry(shapely.transform(out.geometry.values, shift))
        notes.append(f"converted from {name.upper()} to WGS-84")
        return out
    if name and name.startswith("epsg:"):
        gdf = gdf.set_crs(name.upper(), allow_override=True)
    elif name in ("wgs84", "cgcs2000"):
        return gdf.set_crs(4326, allow_override=True)
    if gdf.crs is None:
        notes.append("the file declares no CRS: taken as WGS-84 (use --crs to say otherwise)")
        return gdf.set_crs(4326)
    epsg = gdf.crs.to_epsg()
    if epsg in (4326, 4490):
        # CGCS2000 and WGS-84 differ by centimetres: no transformation needed.
        return gdf.set_crs(4326, allow_override=True)
    notes.append(f"converted from {gdf.crs.name} (EPSG:{epsg}) to WGS-84")
    return gdf.to_crs(4326)


def _column(gdf, *names) -> pd.Series:
    lower = {c.lower(): c for c in gdf.columns}
    for n in names:
        if n.lower() in lower:
            return gdf[lower[n.lower()]].astype("string").fillna("").str.strip()
    return pd.Series("", index=gdf.index, dtype="string")


def repair(gdf, report, file: str):
    """Repair invalid polygons (noted in the report) and reject what cannot be."""
    gdf, notes, problems = files.repair_geometries(gdf, file)
    report.notes += notes
    report.rejected += [Rejection(p.file, p.row, p.column or "geometry", p.value, p.reason,
                                  p.fix) for p in problems]
    return gdf


class VectorLoader(Loader):
    """read → stage (COPY) → upsert for polygon and line files; subclasses say how to
    stage their features and which upsert to run."""

    suffixes = (".geojson", ".json", ".gpkg", ".zip")
    polygons = True
    stage_sql = ""

    def stage(self, conn, gdf, file: str, rejected: list) -> None:
        raise NotImplementedError

    def upsert(self, conn):
        raise NotImplementedError

    def load_into(self, conn, path, report, crs, progress):
        gdf = self.read(path, crs, report)
        conn.exec_driver_sql(self.stage_sql)
        self.stage(conn, gdf, path.name, report.rejected)
        ins, upd, r = self.upsert(conn)
        report.rejected += rejections_from_sql(path.name, r)
        report.inserted, report.updated = ins, upd
        report.unchanged = report.rows_total - report.rows_rejected - ins - upd

    def read(self, path, crs, report):
        try:
            gdf = files.read_vector(path)
        except files.FileProblem as exc:
            raise LoadError(str(exc)) from exc
        if gdf.empty:
            raise LoadError(f"{path.name}: file is empty (no features); fix: export the "
                            "layer again with its features")
        report.notes += list(gdf.attrs.get("notes", []))
        gdf = gdf.reset_index(drop=True)
        # Feature numbers as a person counts them in a GIS attribute table: from 1.
        gdf["_row"] = np.arange(1, len(gdf) + 1)
        if self.polygons:
            gdf = repair(gdf, report, path.name)
        report.rows_total = len(gdf) + len(report.rejected)
        return to_wgs84(gdf, crs, report.notes)


def _wkb_hex(geoms) -> np.ndarray:
    return shapely.to_wkb(np.asarray(geoms), hex=True, output_dimension=2)


def _ewkb_hex(geoms) -> np.ndarray:
    """Hex EWKB with SRID 4326: COPY writes it straight into a geometry column."""
    return shapely.to_wkb(shapely.set_srid(np.asarray(geoms), 4326), hex=True,
                          output_dimension=2, include_srid=True)


def _geom_key(wkb_hex: pd.Series) -> pd.Series:
    """A stable id for features that have none: the hash of their geometry."""
    return wkb_hex.map(lambda h: "geom:" + hashlib.sha1(h.encode()).hexdigest()[:16])


@register
class AdminLoader(VectorLoader):
    kind = "admin"

    def load_into(self, conn, path, report, crs, progress):
        gdf = self.read(path, crs, report)
        total = report.rows_total
        rej = report.rejected
        code = _column(gdf, "code", "区划代码", "统计用区划代码", "adcode")
        name = _column(gdf, "name", "名称")
        level = _column(gdf, "level", "级别")
        parent = _column(gdf, "parent_code", "parent_cod", "上级代码")
        ok = np.ones(len(gdf), dtype=bool)

        def bad(mask, column, values, reason, fix):
            nonlocal ok
            mask = np.asarray(mask) & ok
            for i in np.flatnonzero(mask):
                rej.append(Rejection(path.name, int(gdf["_row"].iat[i]), column,
                                     str(values.iat[i]), reason, fix))
            ok &= ~mask

        if (code == "").all():
            raise LoadError(f"{path.name}: no 'code' property; expected properties code, "
                            f"name, level, parent_code; found {', '.join(map(str, gdf.columns))}")
        bad(~code.str.fullmatch(r"\d{12}(\d{3})?").fillna(False).to_numpy(), "code", code,
            "is not a 12-digit statistical code (grids: 15 digits)", "e.g. 330782001001")
        bad((name == "").to_numpy(), "name", name, "is empty", "fill in the area's name")
        derived = np.select(
            [code.str.len() == 15, code.str.slice(6) == "000000", code.str.slice(9) == "000"],
            ["grid", "county", "township"], "village")
        level = level.where(level != "", pd.Series(derived, index=gdf.index))
        bad(~level.isin(list(LEVELS)).to_numpy(), "level", level,
            "is not a level", "use county, township, village or grid")
        bad((level != pd.Series(derived, index=gdf.index)).to_numpy(), "level", level,
            f"does not fit the code (the code says {'/'.join(sorted(set(derived)))})",
            "check the code or the level")
        dparent = pd.Series(np.select(
            [level == "grid", level == "village", level == "township"],
            [code.str.slice(0, 12), code.str.slice(0, 9) + "000",
             code.str.slice(0, 6) + "000000"], ""), index=gdf.index)
        parent = parent.where(parent != "", dparent)
        stage = pd.DataFrame({
            "row_no": gdf["_row"], "code": code, "name": name,
            "short_name": _column(gdf, "short_name", "short_name", "简称"), "level": level,
            "parent_code": parent.where(level != "county", ""),
            "aliases": _column(gdf, "aliases", "别名"),
            "former_names": _column(gdf, "former_names", "former_nam", "曾用名"),
            "synthetic": _column(gdf, "synthetic").str.lower().isin(["true", "1", "t"]),
            "wkb": _wkb_hex(gdf.geometry.values)})[ok]
        conn.exec_driver_sql(ingest.ADMIN_STAGE)
        ingest.copy_frame(conn, "stage_admin", stage, list(stage.columns))
        ins, upd, r = ingest.upsert_admin(conn)
        rej += rejections_from_sql(path.name, r)
        report.rows_total = total
        report.inserted, report.updated = ins, upd
        report.unchanged = total - len(rej) - ins - upd


def stage_buildings(conn, gdf, file: str, source: str, rejected: list) -> pd.DataFrame:
    wkb = pd.Series(_wkb_hex(gdf.geometry.values), index=gdf.index)
    # Shapefile field names are cut to 10 characters, hence the short aliases.
    ext = _column(gdf, "building_id", "building_i", "id", "osm_id", "编号")
    ext = ext.where(ext != "", _geom_key(wkb))
    if source == "osm":
        ext = "osm:" + ext
    floors = pd.to_numeric(_column(gdf, "floors", "levels", "building:levels", "层数"),
                           errors="coerce")
    use_raw = _column(gdf, "use", "building", "用途").str.lower()
    use = use_raw.map(USES)
    unknown = use_raw.ne("") & ~use_raw.isin(list(USES))
    use = use.where(~unknown, "other").fillna("residential")
    dup = ext.duplicated(keep="first")
    for i in np.flatnonzero(dup.to_numpy()):
        rejected.append(Rejection(file, int(gdf["_row"].iat[i]), "building_id",
                                  str(ext.iat[i]), "duplicate building id in this file",
                                  "give each building its own id"))
    df = pd.DataFrame({
        "row_no": gdf["_row"], "ext_id": ext,
        "village_code": _column(gdf, "village_code", "village_co", "村居代码"),
        "compound": _column(gdf, "compound", "小区"),
        "building_no": _column(gdf, "building_no", "building_n", "楼号", "addr:housenumber"),
        "address": _column(gdf, "address", "地址"),
        "floors": floors.where((floors >= 0) & (floors <= 200)).map(
            lambda v: "" if pd.isna(v) else str(int(v))),
        "use": use, "source": source,
        "geom": _ewkb_hex(gdf.geometry.values)})[~dup.to_numpy()]
    ingest.copy_frame(conn, "stage_buildings", df, list(df.columns))
    return df


@register
class BuildingLoader(VectorLoader):
    kind = "buildings"
    stage_sql = ingest.BUILDING_STAGE

    def stage(self, conn, gdf, file, rejected):
        stage_buildings(conn, gdf, file, "file", rejected)

    def upsert(self, conn):
        return ingest.upsert_buildings(conn)


def stage_roads(conn, gdf, source: str, rejected: list, file: str) -> None:
    lines = gdf.geometry.values
    kind = shapely.get_type_id(lines)
    ok = np.isin(kind, [1, 5]) & ~shapely.is_empty(lines)  # LineString, MultiLineString
    for i in np.flatnonzero(~ok):
        rejected.append(Rejection(file, int(gdf["_row"].iat[i]), "geometry",
                                  shapely.get_type_id(lines[i]).__str__(),
                                  "is not a line", "roads must be LineString features"))
    gdf = gdf[ok]
    wkb = pd.Series(_wkb_hex(gdf.geometry.values), index=gdf.index)
    ext = _column(gdf, "road_id", "id", "osm_id")
    ext = ext.where(ext != "", _geom_key(wkb))
    if source == "osm":
        ext = "osm:" + ext
    dup = ext.duplicated()
    df = pd.DataFrame({"row_no": gdf["_row"], "ext_id": ext,
                       "name": _column(gdf, "name", "名称"),
                       "highway": _column(gdf, "highway", "类型"), "source": source,
                       "geom": _ewkb_hex(gdf.geometry.values)})[~dup.to_numpy()]
    ingest.copy_frame(conn, "stage_roads", df, list(df.columns))


@register
class RoadLoader(VectorLoader):
    kind = "roads"
    polygons = False
    stage_sql = ingest.ROAD_STAGE

    def stage(self, conn, gdf, file, rejected):
        stage_roads(conn, gdf, "file", rejected, file)

    def upsert(self, conn):
        return ingest.upsert_roads(conn)


def stage_landcover(conn, gdf, source: str, rejected: list, file: str) -> None:
    wkb = pd.Series(_wkb_hex(gdf.geometry.values), index=gdf.index)
    ext = _column(gdf, "landcover_id", "id", "osm_id")
    ext = ext.where(ext != "", _geom_key(wkb))
    if source == "osm":
        ext = "osm:" + ext
    kind = _column(gdf, "kind", "landuse", "natural", "类型").str.lower()
    for i in np.flatnonzero((kind == "").to_numpy()):
        rejected.append(Rejection(file, int(gdf["_row"].iat[i]), "kind", "",
                                  "is empty", "say what the area is: water, forest, park, "
                                  "farmland, …"))
    keep = (kind != "").to_numpy() & ~ext.duplicated().to_numpy()
    df = pd.DataFrame({"row_no": gdf["_row"], "ext_id": ext, "kind": kind,
                       "name": _column(gdf, "name", "名称"), "source": source,
                       "geom": _ewkb_hex(gdf.geometry.values)})[keep]
    ingest.copy_frame(conn, "stage_landcover", df, list(df.columns))


@register
class LandcoverLoader(VectorLoader):
    """Water, woods, parks and land use polygons for the basemap (property ``kind``)."""

    kind = "landcover"
    stage_sql = ingest.LANDCOVER_STAGE

    def stage(self, conn, gdf, file, rejected):
        stage_landcover(conn, gdf, "file", rejected, file)

    def upsert(self, conn):
        return ingest.upsert_landcover(conn)


@register
class OsmLoader(Loader):
    """Buildings and roads from an OpenStreetMap .pbf extract (WGS-84 by definition)."""

    kind = "osm"
    suffixes = (".pbf",)

    def load_into(self, conn, path, report, crs, progress):
        if path.suffix.lower() != ".pbf":
            raise LoadError(f"{path.name}: expected an OSM .pbf extract")
        if crs and crs_mod.normalize_crs(crs) not in ("wgs84", "cgcs2000"):
            raise LoadError("OSM data is always WGS-84; drop --crs")
        with tqdm(total=2, disable=not progress, desc=f"read {path.name}") as bar:
            try:
                layers = files.read_osm(path)
            except files.FileProblem as exc:
                raise LoadError(str(exc)) from exc
            bar.update(2)
        b = layers["buildings"].reset_index(drop=True)
        r = layers["roads"].reset_index(drop=True)
        b["_row"] = np.arange(1, len(b) + 1)
        r["_row"] = np.arange(len(b) + 1, len(b) + len(r) + 1)
        b = repair(b, report, path.name)
        lc = layers.get("landcover")
        lc = lc.reset_index(drop=True) if lc is not None else lc
        if lc is not None:
            lc["_row"] = np.arange(len(b) + len(r) + 1, len(b) + len(r) + len(lc) + 1)
            lc = repair(lc, report, path.name)
        report.rows_total = len(layers["buildings"]) + len(r) + \
            (len(layers["landcover"]) if lc is not None else 0)
        conn.exec_driver_sql(ingest.BUILDING_STAGE)
        stage_buildings(conn, b, path.name, "osm", report.rejected)
        bi, bu, rb = ingest.upsert_buildings(conn)
        conn.exec_driver_sql(ingest.ROAD_STAGE)
        stage_roads(conn, r, "osm", report.rejected, path.name)
        ri, ru, rr = ingest.upsert_roads(conn)
        li = lu = 0
        rl = []
        if lc is not None and len(lc):
            conn.exec_driver_sql(ingest.LANDCOVER_STAGE)
            stage_landcover(conn, lc, "osm", report.rejected, path.name)
            li, lu, rl = ingest.upsert_landcover(conn)
        report.rejected += rejections_from_sql(path.name, rb + rr + rl)
        report.details = {"buildings": {"inserted": bi, "updated": bu},
                          "roads": {"inserted": ri, "updated": ru},
                          "landcover": {"inserted": li, "updated": lu}}
        report.inserted, report.updated = bi + ri + li, bu + ru + lu
        report.unchanged = report.rows_total - report.rows_rejected - report.inserted \
            - report.updated
