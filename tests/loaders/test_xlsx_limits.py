"""A hostile .xlsx is refused before it costs memory: the zip limits of zipped Shapefiles
(expansion ratio, total size) apply, and its XML is parsed with defusedxml (no entity
expansion)."""

from __future__ import annotations

import resource
import time
import zipfile

import openpyxl
import pytest

from loaders.files import FileProblem, read_table


def _workbook(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["name", "id"])
    ws.append(["张三", "1"])
    wb.save(path)


def _replace_member(src, dst, member: str, data: bytes):
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename != member:
                zout.writestr(info, zin.read(info.filename))
        zout.writestr(member, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)


def test_huge_shared_strings_refused_fast(tmp_path):
    plain = tmp_path / "plain.xlsx"
    _workbook(plain)
    # ~60 MB of shared strings that compress to a few tens of kB
    strings = (
        b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxml'
        b'formats.org/spreadsheetml/2006/main">'
        + b"<si><t>"
        + b"a" * (60 << 20)
        + b"</t></si><si><t>name</t></si><si><t>id</t></si></sst>"
    )
    bomb = tmp_path / "bomb.xlsx"
    _replace_member(plain, bomb, "xl/sharedStrings.xml", strings)
    assert bomb.stat().st_size < 300_000
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t = time.perf_counter()
    with pytest.raises(FileProblem, match="zip bomb"):
        read_table(bomb)
    assert time.perf_counter() - t < 2
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss < 50_000  # kB


def test_entity_expansion_refused(tmp_path):
    plain = tmp_path / "plain.xlsx"
    _workbook(plain)
    with zipfile.ZipFile(plain) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
    doctype = (
        b'<!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    )
    start = sheet.index(b"<worksheet")
    sheet = sheet[:start] + doctype + sheet[start:].replace(b"<t>name</t>", b"<t>&lol2;</t>")
    evil = tmp_path / "laughs.xlsx"
    _replace_member(plain, evil, "xl/worksheets/sheet1.xml", sheet)
    with pytest.raises(FileProblem, match="entity or DTD declarations") as info:
        with read_table(evil) as table:
            list(table)
    assert "lollol" not in str(info.value)


def test_normal_workbook_still_reads(tmp_path):
    plain = tmp_path / "plain.xlsx"
    _workbook(plain)
    with read_table(plain) as table:
        frames = list(table)
    assert frames[0].iloc[0].tolist()[:2] == ["张三", "1"]
