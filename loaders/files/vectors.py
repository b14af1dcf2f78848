"""Vector files: GeoJSON, GeoPackage and zipped Shapefiles (with .prj and .cpg), read
safely (no path traversal, no decompression bombs)."""

from __future__ import annotations

import re
import stat
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

from gis.messages import _
from loaders.files.archives import (
    MAX_EXPANDED_BYTES,
    MAX_RATIO,
    RATIO_MIN_BYTES,
    check_expansion,
    member_display,
)
from loaders.files.encodings import dbf_encoding
from loaders.files.problems import FileProblem, check_exists

_BLOCK = 1 << 20
VECTOR_EXTENSIONS = (".geojson", ".json", ".gpkg", ".zip", ".shp")

_CPG = {
    "utf8": "UTF-8",
    "utf-8": "UTF-8",
    "65001": "UTF-8",
    "gbk": "GBK",
    "936": "GBK",
    "cp936": "GBK",
    "gb2312": "GBK",
    "ansi936": "GBK",
    "gb18030": "GB18030",
    "54936": "GB18030",
}
_SHP_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx")


def read_vector(
    path,
    layer: str | None = None,
    *,
    max_total_bytes: int = MAX_EXPANDED_BYTES,
    max_ratio: float = MAX_RATIO,
):
    """Read a GeoJSON, GeoPackage, zipped Shapefile (or bare .shp) into a GeoDataFrame.

    Geometries and CRS are kept as in the file: a shapefile without .prj gives
    ``crs=None`` and the caller must decide. Decisions taken on the caller's behalf
    (missing .prj, guessed attribute encoding) are listed in ``gdf.attrs['notes']``.
    Zip archives are rejected, naming the member, for absolute or '..' paths, more than
    ``max_total_bytes`` uncompressed (declared or actually extracted), or any member over
    1 MB compressed more than ``max_ratio``:1. ``layer`` picks one of several
    shapefiles in a zip (by name, with or without folder and '.shp') or a GeoPackage
    layer. Raises :class:`FileProblem`.
    """
    import pyogrio

    ext = Path(path).suffix.lower()
    if ext not in VECTOR_EXTENSIONS:
        raise FileProblem(
            path,
            reason=_(
                "unsupported file type {ext!r}; expected one of {expected}",
                ext=ext or _("(no extension)"),
                expected=", ".join(VECTOR_EXTENSIONS),
            ),
            fix=_(
                "export the layer as GeoPackage (.gpkg), GeoJSON, or a zipped "
                "Shapefile (.zip with .shp, .shx, .dbf, .prj, .cpg)"
            ),
        )
    check_exists(path)
    if ext == ".zip":
        with tempfile.TemporaryDirectory(prefix="popgis-zip-") as tmp:
            shp, notes = _extract_shapefile(path, layer, Path(tmp), max_total_bytes, max_ratio)
            return _read_shapefile(path, shp, notes)
    if ext == ".shp":
        p = Path(path)
        notes = []
        for need in (".shx", ".dbf"):
            if _sibling(p, need) is None:
                raise FileProblem(
                    path,
                    reason=_("has no {file} beside it", file=p.stem + need),
                    fix=_("upload all files of the shapefile together, zipped"),
                )
        return _read_shapefile(path, p, notes)

    notes: list[str] = []
    try:
        layers = [row[0] for row in pyogrio.list_layers(path)]
    except Exception as e:
        raise FileProblem(
            path,
            reason=_("cannot be opened as {format} ({error})", format=ext[1:], error=e),
            fix=_("check that the file is complete and export it again"),
        ) from None
    if layer is None and len(layers) > 1:
        raise FileProblem(
            path,
            reason=_("has {n} layers: {layers}", n=len(layers), layers=", ".join(layers)),
            fix=_("choose one with the layer parameter"),
        )
    if layer is not None and layer not in layers:
        raise FileProblem(
            path,
            reason=_(
                "has no layer {layer!r}; layers: {layers}", layer=layer, layers=", ".join(layers)
            ),
            fix=_("choose one of these"),
        )
    try:
        gdf = pyogrio.read_dataframe(path, layer=layer or (layers[0] if layers else None))
    except Exception as e:
        raise FileProblem(
            path,
            reason=_("cannot be read ({error})", error=e),
            fix=_("check that the file is complete and export it again"),
        ) from None
    gdf.attrs["notes"] = notes
    return gdf


def _sibling(p: Path, ext: str) -> Path | None:
    for q in p.parent.glob(_glob_escape(p.stem) + ".*"):
        if q.suffix.lower() == ext and q.stem == p.stem:
            return q
    return None


def _glob_escape(s: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", s)


def _unsafe_reason(name: str) -> str | None:
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        return _("has an absolute path")
    if ".." in re.split(r"[\\/]", name):
        return _("contains '..' (it would be written outside the extraction folder)")
    if "\x00" in name:
        return _("contains a NUL character")
    return None


def _extract_shapefile(path, layer, tmp: Path, max_total: int, max_ratio: float):
    """Extract one shapefile (its .shp and sibling files) from a zip into ``tmp``, after
    checking the archive's names and sizes; returns (the .shp, notes)."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as e:
        raise FileProblem(
            path,
            reason=_("is not a valid zip archive ({error})", error=e),
            fix=_(
                "zip the shapefile again (select the .shp, .shx, .dbf, .prj "
                "and .cpg files → Send to → Compressed folder)"
            ),
        ) from None
    with zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        _check_members(path, zf, max_total, max_ratio)
        shp = _choose_shp(path, infos, layer)
        parts = _shapefile_parts(path, infos, shp)
        _extract_parts(path, zf, parts, tmp, max_total, max_ratio)
        notes: list[str] = []
        return tmp / "layer.shp", notes


def _check_members(path, zf, max_total: int, max_ratio: float) -> None:
    # Names first: a hostile archive must be reported as such even if it is also large.
    for info in zf.infolist():
        shown = member_display(info)
        bad = _unsafe_reason(info.filename)
        if bad:
            raise FileProblem(
                path,
                reason=_("zip member '{member}' {problem}", member=shown, problem=bad),
                fix=_("zip the shapefile files directly, without folders outside the archive"),
            )
        if stat.S_ISLNK(info.external_attr >> 16):
            raise FileProblem(
                path,
                reason=_("zip member {member!r} is a symbolic link", member=shown),
                fix=_("zip the real files instead of links"),
            )
    check_expansion(
        path,
        zf,
        max_total,
        max_ratio,
        fix_ratio=_("upload the shapefile zipped normally"),
        fix_total=_("split the layer or simplify it"),
    )


def _choose_shp(path, infos, layer):
    """The .shp member to read: the only one, or the one named ``layer``."""

    def skip(info):
        parts = PurePosixPath(info.filename.replace("\\", "/")).parts
        return parts[0] == "__MACOSX" or parts[-1].startswith("._")

    shps = [i for i in infos if not skip(i) and i.filename.lower().endswith(".shp")]
    if not shps:
        listing = ", ".join(member_display(i) for i in infos[:20]) or _("nothing")
        if len(infos) > 20:
            listing += _(", … ({n} files)", n=len(infos))
        raise FileProblem(
            path,
            reason=_("contains no .shp file; it contains: {listing}", listing=listing),
            fix=_("zip the shapefile's .shp, .shx, .dbf, .prj and .cpg files together"),
        )
    if layer is None and len(shps) > 1:
        raise FileProblem(
            path,
            reason=_(
                "contains several shapefiles: {names}",
                names=", ".join(member_display(i) for i in shps),
            ),
            fix=_("choose one with the layer parameter, or zip one per upload"),
        )
    if layer is None:
        return shps[0]
    want = layer.lower().removesuffix(".shp")
    hits = [
        i
        for i in shps
        if member_display(i).lower().removesuffix(".shp") == want
        or PurePosixPath(member_display(i).replace("\\", "/")).stem.lower() == want
    ]
    if len(hits) != 1:
        raise FileProblem(
            path,
            reason=_(
                "has no single shapefile named {layer!r}; it has {names}",
                layer=layer,
                names=", ".join(member_display(i) for i in shps),
            ),
            fix=_("choose one of these"),
        )
    return hits[0]


def _shapefile_parts(path, infos, shp) -> dict:
    """The members beside the .shp (by extension); .shx and .dbf must be there."""
    base = shp.filename[:-4]
    parts = {}
    for info in infos:
        stem, ext = info.filename[:-4], info.filename[-4:].lower()
        if stem == base and ext in _SHP_PARTS:
            parts[ext] = info
    for need in (".shx", ".dbf"):
        if need not in parts:
            shown = member_display(shp)
            raise FileProblem(
                path,
                reason=_(
                    "{member!r} has no {file} beside it (a shapefile needs .shp, .shx and .dbf)",
                    member=shown,
                    file=shown[:-4] + need,
                ),
                fix=_("zip all files of the shapefile together"),
            )
    return parts


def _extract_parts(path, zf, parts: dict, tmp: Path, max_total: int, max_ratio: float) -> None:
    # Declared sizes can lie (crafted headers), so the real byte count is enforced
    # while writing. Files get fixed ASCII names: GDAL then never sees odd characters.
    written_total = 0
    for ext, info in parts.items():
        target = tmp / f"layer{ext}"
        written = 0
        with zf.open(info) as src, open(target, "wb") as dst:
            while True:
                block = src.read(_BLOCK)
                if not block:
                    break
                written += len(block)
                written_total += len(block)
                if written_total > max_total:
                    raise FileProblem(
                        path,
                        reason=_(
                            "expands to more than {allowed:,} "
                            "bytes (more than its header "
                            "declares)",
                            allowed=max_total,
                        ),
                        fix=_("upload a smaller or an intact archive"),
                    )
                if written > RATIO_MIN_BYTES and written > max_ratio * max(info.compress_size, 1):
                    raise FileProblem(
                        path,
                        reason=_(
                            "zip member {member!r} expands more "
                            "than {allowed:,.0f}:1; this looks "
                            "like a zip bomb",
                            member=member_display(info),
                            allowed=max_ratio,
                        ),
                        fix=_("upload the shapefile zipped normally"),
                    )
                dst.write(block)


def _read_shapefile(path, shp: Path, notes: list[str]):
    import pyogrio

    prj = _sibling(shp, ".prj")
    cpg = _sibling(shp, ".cpg")
    if prj is None:
        notes.append(
            _("no .prj: the coordinate system is unknown (crs is None); set it before use")
        )
    encoding = None
    if cpg is not None:
        label = cpg.read_bytes().decode("ascii", "replace").strip()
        encoding = _CPG.get(label.lower().replace(" ", ""), label)
    else:
        dbf = _sibling(shp, ".dbf")
        encoding = dbf_encoding(dbf) if dbf is not None else None
        if encoding == "UTF-8":
            notes.append(_("no .cpg: attribute text read as UTF-8"))
        elif encoding == "GB18030":
            notes.append(_("no .cpg: attribute text is not UTF-8, read as GB18030 (GBK)"))
        else:
            encoding = "GB18030"
            notes.append(
                _(
                    "no .cpg and the attribute text is neither UTF-8 nor GBK; read "
                    "as GB18030, some text may be garbled"
                )
            )
    try:
        gdf = pyogrio.read_dataframe(shp, encoding=encoding)
    except Exception as e:
        raise FileProblem(
            path,
            reason=_("the shapefile cannot be read ({error})", error=e),
            fix=_(
                "check that the .cpg names a real encoding (e.g. UTF-8 or "
                "GBK) and export the layer again"
            ),
        ) from None
    gdf.attrs["notes"] = notes
    return gdf
