"""Which text encoding a CSV is in (UTF-8, or GB18030 as the superset of GBK and GB2312),
checked line by line in bounded memory. The one place the loaders tell GBK from UTF-8."""

from __future__ import annotations

import codecs
from pathlib import Path

from gis.messages import _

# how a line of Chinese text looks, shared with parse-address --file (gis.textfile)
from gis.textfile import LineTooLong, scan_gb18030, scan_utf8
from loaders.files.problems import FileProblem, check_exists

_BLOCK = 1 << 20
# A CSV "line" longer than this is not a table row; refusing it keeps memory bounded
# while the encoding is checked line by line.
_MAX_LINE = 64 << 20


def save_utf8() -> str:
    """How to save a table as UTF-8 (the fix for every encoding problem)."""
    return _(
        "open the file in Excel or WPS and save it as 'CSV UTF-8 (comma delimited)', "
        "or in Notepad choose Save As → Encoding: UTF-8"
    )


def _scanned(scan, f):
    """``scan(f)`` (gis.textfile's line-by-line check), refusing a line too long to be
    a table row rather than holding it in memory."""
    try:
        return scan(f, _MAX_LINE)
    except LineTooLong as e:
        raise FileProblem(
            getattr(f, "name", "file"),
            row=e.line,
            reason=_(
                "line {line} is longer than {mb} MB; this is not a table",
                line=e.line,
                mb=_MAX_LINE >> 20,
            ),
            fix=_("upload a CSV or XLSX table"),
        ) from None


def detect_encoding(path) -> str:
    """Encoding of a text table: 'utf-8-sig' (UTF-8 with BOM), 'utf-8' or 'gb18030'.

    The whole file is checked in 1 MB blocks, so a multi-GB file is never held in
    memory. GBK and GB2312 files are reported as 'gb18030', their superset. Raises
    :class:`FileProblem` naming the first bad line when the file is in neither
    encoding, is UTF-16, or mixes UTF-8 and GBK lines (typically two exports pasted
    together).
    """
    check_exists(path)
    with open(path, "rb") as f:
        head = f.read(4)
        if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
            raise FileProblem(
                path,
                reason=_("is saved as UTF-16 ('Unicode text'), which is not supported"),
                fix=save_utf8(),
            )
        has_bom = head.startswith(codecs.BOM_UTF8)

        f.seek(0)
        utf8_fail = _scanned(scan_utf8, f)
        if utf8_fail is None:
            return "utf-8-sig" if has_bom else "utf-8"
        line, bad, cjk_before = utf8_fail
        if cjk_before or has_bom:
            raise FileProblem(
                path,
                row=line,
                reason=_(
                    "line {line} is not UTF-8 (bytes {bytes}) although the lines before "
                    "it are UTF-8: the file mixes two encodings (probably UTF-8 and GBK)",
                    line=line,
                    bytes=bad,
                ),
                fix=_("re-save the whole file in one encoding (UTF-8)"),
            )

        f.seek(0)
        gb_fail, utf8_line = _scanned(scan_gb18030, f)
    if utf8_line is not None:
        raise FileProblem(
            path,
            row=utf8_line,
            reason=_(
                "line {line} is GBK/GB18030 but line {utf8_line} is UTF-8: the file "
                "mixes two encodings",
                line=line,
                utf8_line=utf8_line,
            ),
            fix=_("re-save the whole file in one encoding (UTF-8)"),
        )
    if gb_fail is not None:
        gline, gbad = gb_fail
        raise FileProblem(
            path,
            row=gline,
            reason=_(
                "line {line} is neither UTF-8 nor GBK/GB18030 text (bytes {bytes}); "
                "the file may be damaged or in another encoding",
                line=gline,
                bytes=gbad,
            ),
            fix=save_utf8(),
        )
    return "gb18030"


def dbf_encoding(dbf: Path) -> str | None:
    """'UTF-8' or 'GB18030' by strict decoding of the DBF record area, or None if neither."""
    with open(dbf, "rb") as f:
        head = f.read(32)
        if len(head) < 32:
            return None
        f.seek(int.from_bytes(head[8:10], "little"))
        for enc in ("utf-8", "gb18030"):
            pos = f.tell()
            dec = codecs.getincrementaldecoder(enc)()
            try:
                while True:
                    block = f.read(_BLOCK)
                    dec.decode(block, final=not block)
                    if not block:
                        return "UTF-8" if enc == "utf-8" else "GB18030"
            except UnicodeDecodeError:
                f.seek(pos)
    return None
