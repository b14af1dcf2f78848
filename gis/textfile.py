"""The encoding of a text file staff give us (UTF-8, UTF-8 with BOM, or GBK/GB18030), found
once, the same way for every reader: ``popgis parse-address --file`` uses it, and the
loaders' tables can (``loaders.files.detect_encoding`` does the same checks).

The whole file is checked in 1 MB blocks, so a file of several GB is never held in
memory. GBK and GB2312 are reported as ``gb18030``, their superset. A file in neither
encoding, saved as UTF-16, or mixing UTF-8 and GBK lines (two exports pasted together)
raises :class:`TextFileProblem` naming the first bad line.
"""

from __future__ import annotations

import codecs
import io
import os
import re
from collections.abc import Iterator
from pathlib import Path

from gis.errors import InvalidInput
from gis.messages import _

__all__ = ["TextFileProblem", "detect_encoding", "read_lines"]

_BLOCK = 1 << 20
CJK = re.compile("[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


class TextFileProblem(InvalidInput):
    """A text file that cannot be read as UTF-8 or GBK; ``line`` is the first bad line
    (1-based), None when the whole file is affected."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


def _name(path) -> str:
    return os.path.basename(os.fspath(path))  # never a server path in a message


def detect_encoding(path, data: bytes | None = None) -> str:
    """``utf-8-sig`` (UTF-8 with BOM), ``utf-8`` or ``gb18030``; see the module.
    ``data``: the file's bytes, already read (a pipe cannot be read twice)."""
    name = _name(path)
    with open(path, "rb") if data is None else io.BytesIO(data) as f:
        head = f.read(4)
        if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
            raise TextFileProblem(
                _("{file} is saved as UTF-16 ('Unicode text'); save it as UTF-8", file=name)
            )
        has_bom = head.startswith(codecs.BOM_UTF8)
        f.seek(0)
        bad = scan_utf8(f)
        if bad is None:
            return "utf-8-sig" if has_bom else "utf-8"
        line, _bytes, cjk_before = bad
        if cjk_before or has_bom:
            raise TextFileProblem(
                _(
                    "{file}: line {line} is not UTF-8 although the lines "
                    "before it are: the file mixes two encodings; save "
                    "the whole file as UTF-8",
                    file=name,
                    line=line,
                ),
                line,
            )
        f.seek(0)
        gb_fail, utf8_line = scan_gb18030(f)
        gb_line = gb_fail[0] if gb_fail else None
    if utf8_line is not None:
        raise TextFileProblem(
            _(
                "{file}: line {line} is GBK but line {other} is UTF-8: the "
                "file mixes two encodings; save the whole file as UTF-8",
                file=name,
                line=line,
                other=utf8_line,
            ),
            utf8_line,
        )
    if gb_line is not None:
        raise TextFileProblem(
            _(
                "{file}: line {line} is neither UTF-8 nor GBK text; save the file as UTF-8",
                file=name,
                line=gb_line,
            ),
            gb_line,
        )
    return "gb18030"


def read_lines(path) -> list[str]:
    """The lines of a text file in whichever of the encodings it is in: split at line
    breaks only (LF or CRLF), so that every line of the file is one line here (a form
    feed or a U+2028 inside a garbled line does not make two)."""
    data = Path(path).read_bytes()  # once: --file may be a pipe (<(…), /dev/stdin)
    text = data.decode(detect_encoding(path, data))
    if not text:
        return []
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [x[:-1] if x.endswith("\r") else x for x in lines]


class LineTooLong(Exception):
    """A "line" longer than the scan allows (``line``: its 1-based number)."""

    def __init__(self, line: int):
        super().__init__(line)
        self.line = line


def line_chunks(f, max_line: int | None = None) -> Iterator[tuple[int, bytes]]:
    """(lines before, chunk) with every chunk ending at a line break or the end: 0x0A
    never occurs inside a UTF-8 or GB18030 character, so each decodes on its own.
    ``max_line``: raise :class:`LineTooLong` rather than hold a longer line in memory."""
    carry = b""
    lines_before = 0
    while True:
        block = f.read(_BLOCK)
        if not block:
            break
        data = carry + block
        cut = data.rfind(b"\n")
        if cut < 0:
            carry = data
            if max_line is not None and len(carry) > max_line:
                raise LineTooLong(lines_before + 1)
            continue
        chunk, carry = data[: cut + 1], data[cut + 1 :]
        yield lines_before, chunk
        lines_before += chunk.count(b"\n")
    if carry:
        yield lines_before, carry


def bad_bytes(chunk: bytes, err: UnicodeDecodeError) -> str:
    """The undecodable bytes (at most four) as ``0xC4 0xE3``, for a message."""
    return " ".join(f"0x{b:02X}" for b in chunk[err.start : min(err.end, err.start + 4)])


def scan_utf8(f, max_line: int | None = None) -> tuple[int, str, bool] | None:
    """None if the file is UTF-8, else (first bad line, its bad bytes, Chinese seen on
    earlier lines)."""
    cjk_seen = False
    for lines_before, chunk in line_chunks(f, max_line):
        if chunk.isascii():
            continue
        try:
            text = chunk.decode("utf-8")
        except UnicodeDecodeError as e:
            start = chunk.rfind(b"\n", 0, e.start) + 1
            line = lines_before + chunk.count(b"\n", 0, start) + 1
            if not cjk_seen and start:
                cjk_seen = bool(CJK.search(chunk[:start].decode("utf-8", "ignore")))
            return line, bad_bytes(chunk, e), cjk_seen
        cjk_seen = cjk_seen or bool(CJK.search(text))
    return None


def scan_gb18030(f, max_line: int | None = None) -> tuple[tuple[int, str] | None, int | None]:
    """(first line that is not GB18030 and its bad bytes, or None; first line that is
    UTF-8 Chinese, or None)."""
    for lines_before, chunk in line_chunks(f, max_line):
        if chunk.isascii():
            continue
        try:
            chunk.decode("gb18030")
        except UnicodeDecodeError as e:
            line = lines_before + chunk.count(b"\n", 0, e.start) + 1
            start = chunk.rfind(b"\n", 0, e.start) + 1
            end = chunk.find(b"\n", e.start)
            if is_utf8_chinese(chunk[start : end if end >= 0 else len(chunk)]):
                return None, line  # a UTF-8 line pasted into a GBK file
            return (line, bad_bytes(chunk, e)), None
        # GBK text is almost never valid UTF-8 over a whole line: a line that is, with
        # Chinese in it, was written by another program
        for i, raw in enumerate(chunk.split(b"\n")):
            if not raw.isascii() and is_utf8_chinese(raw):
                return None, lines_before + i + 1
    return None, None


def is_utf8_chinese(raw: bytes) -> bool:
    """Whether ``raw`` is UTF-8 text with Chinese in it (two CJK characters or more): a
    line like that in a GBK file was written by another program."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return len(CJK.findall(text)) >= 2
