"""A CSV file cut into blocks of whole records for the Dask workers: every block read as
``read_table`` reads the whole file gives the same rows, whatever the cuts."""

from __future__ import annotations

import pytest

from gis.geocode.distributed import _cut, csv_blocks, read_block, record_end
from loaders.files import read_table

COLUMNS = ("id", "address", "lon", "lat", "crs")

# records a naive cut at line feeds would split or misread: a quoted line break, a
# doubled quote, a quote inside an unquoted cell (literal), a quoted delimiter, blank
# rows and rows of bare delimiters, a short row, CRLF line ends, Chinese text
TRICKY = (
    "id,address,lon,lat\r\n"
    '1,"幸福小区1栋\r\n2单元101室",120.1,29.3\r\n'
    '2,"江滨社区""东""区",,\r\n'
    '3,新光村"3组,120.2,29.2\r\n'
    "\r\n"
    ",,,\r\n"
    '4,"a,b\n""c""\n\nd",1,2\r\n'
    "5\r\n"
    '6,稠城街道"下车门""社区,120.3,29.1\r\n'
)


def _rows(path):
    return [
        {k: v for k, v in r.items() if k != "_row"}
        for chunk in read_table(path)
        for r in chunk.to_dict("records")
    ]


def _blocks_rows(path, most):
    reader = read_table(path)
    blocks = csv_blocks(
        path,
        reader.header_row,
        reader.header,
        reader.delimiter,
        reader.encoding,
        [c if c in reader.header else None for c in COLUMNS],
    )
    assert blocks is not None
    pieces = list(_cut(blocks, workers=2, most=most))
    rows = [r for data in pieces for r in read_block(blocks.layout, data).to_dict("records")]
    return rows, pieces, blocks


@pytest.mark.parametrize("most", [1, 7, 30, 64, 1 << 20])
@pytest.mark.parametrize(
    ("encoding", "delimiter", "bom"),
    [("utf-8", ",", False), ("utf-8", ",", True), ("gb18030", ",", False), ("utf-8", ";", False)],
)
def test_blocks_give_the_rows_read_table_gives(tmp_path, most, encoding, delimiter, bom):
    path = tmp_path / "in.csv"
    text = "\n\n" + TRICKY.replace(",", delimiter) if delimiter != "," else "\n\n" + TRICKY
    data = text.encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    want = _rows(path)
    assert len(want) == 6 and want[0]["address"] == "幸福小区1栋\r\n2单元101室"
    got, pieces, blocks = _blocks_rows(path, most)
    assert got == want
    # the blocks are the file's data rows, whole, in order
    assert b"".join(pieces) == path.read_bytes()[blocks.start :]
    if most < 64:
        assert len(pieces) > 3


def test_many_rows_in_shrinking_blocks(tmp_path):
    """A file of many rows: blocks of at most the size asked, smaller towards the end,
    the rows as read_table reads them."""
    path = tmp_path / "in.csv"
    rows = [f'{i},"江滨社区幸福小区{i % 97}栋\n{i}室",120.{i},29.{i}' for i in range(20_000)]
    path.write_text("id,address,lon,lat\n" + "\n".join(rows) + "\n", encoding="utf-8")
    got, pieces, _blocks = _blocks_rows(path, 64 << 10)
    assert got == _rows(path) and len(got) == 20_000
    sizes = [len(p) for p in pieces]
    assert max(sizes) <= 64 << 10 and sizes[-1] < sizes[0]


def test_record_end():
    assert record_end(b"1,a\n2,b\n3,c", ",") == 8
    assert record_end(b"1,a", ",") is None
    assert record_end(b'1,"a\n2,b\n', ",") is None  # still inside the quoted cell
    assert record_end(b'1,"a\nb"\n2,"c\n', ",") == 8
    assert record_end(b'1,a"b\n2,c\n', ",") == 10  # a quote inside a cell is a character
    assert record_end(b'1;"a;\nb""";c\n2', ";") == 13


@pytest.mark.parametrize(
    "content",
    [
        b"id,address\r1,a\r2,b\r",  # carriage returns alone end records too
        b"id,address\n1,a\r2,b\n",
        b'id,"add\nress"\n1,a\n',  # a line break in the header
        b"id,address\n1,a\x002\n",
        b"id,address",  # the header alone
    ],
)
def test_files_not_cut_in_blocks(tmp_path, content):
    """Where a cut at line feeds could split a record differently from the parser, the
    file goes as columns (None here)."""
    path = tmp_path / "in.csv"
    path.write_bytes(content)
    assert csv_blocks(path, 1, ["id", "address"], ",", "utf-8", ["id", "address"]) is None
