"""Zip archives (zipped Shapefiles, .xlsx workbooks): limits on what they may expand to."""

from __future__ import annotations

import zipfile

from gis.messages import _
from loaders.files.problems import FileProblem

RATIO_MIN_BYTES = 1 << 20


#: limits on what a zip archive (zipped Shapefile, .xlsx workbook) may expand to
MAX_EXPANDED_BYTES = 2 << 30
MAX_RATIO = 200.0


def check_expansion(
    path, zf: zipfile.ZipFile, max_total: int, max_ratio: float, *, fix_ratio: str, fix_total: str
) -> None:
    """Refuse an archive whose members expand more than ``max_ratio``:1 (members over
    1 MB) or to more than ``max_total`` bytes in all, from the sizes it declares (the
    zipfile module never reads past a member's declared size)."""
    declared = 0
    for info in zf.infolist():
        shown = member_display(info)
        declared += info.file_size
        if info.file_size > RATIO_MIN_BYTES and info.file_size > max_ratio * max(
            info.compress_size, 1
        ):
            ratio = info.file_size / max(info.compress_size, 1)
            raise FileProblem(
                path,
                reason=_(
                    "zip member {member!r} expands {ratio:,.0f}:1 ({packed:,} → "
                    "{size:,} bytes), more than the {allowed:,.0f}:1 allowed; this "
                    "looks like a zip bomb",
                    member=shown,
                    ratio=ratio,
                    packed=info.compress_size,
                    size=info.file_size,
                    allowed=max_ratio,
                ),
                fix=fix_ratio,
            )
    if declared > max_total:
        raise FileProblem(
            path,
            reason=_(
                "would expand to {size:,} bytes, more than the {allowed:,} allowed",
                size=declared,
                allowed=max_total,
            ),
            fix=fix_total,
        )


def member_display(info: zipfile.ZipInfo) -> str:
    # Zips made on Chinese Windows store GBK names without the UTF-8 flag; Python then
    # decodes them as cp437. Re-decode so messages show the names the user sees.
    if info.flag_bits & 0x800:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    for enc in ("utf-8", "gb18030"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return info.filename
