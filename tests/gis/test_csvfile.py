"""The one CSV writer: UTF-8 with BOM, and no cell a spreadsheet would run as a formula."""

from __future__ import annotations

import csv

from gis import csvfile


def test_bom_and_formula_guard(tmp_path):
    path = tmp_path / "x.csv"
    with csvfile.open_csv(path, ["a", "b"]) as w:
        w.writerow(['=HYPERLINK("http://evil")', "+1+2"])
        w.writerow(["@SUM(A1)", "\tx"])
        w.writerow(["-3.5", -2])  # numbers stay numbers
        w.writerow(["义乌市", ["a", "b"]])
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(path.open(encoding="utf-8-sig", newline="")))
    assert rows == [
        ["a", "b"],
        ['\'=HYPERLINK("http://evil")', "'+1+2"],
        ["'@SUM(A1)", "'\tx"],
        ["-3.5", "-2"],
        ["义乌市", '["a", "b"]'],
    ]


def test_bytes_and_stream():
    data = csvfile.to_bytes(["k"], [["=1"], ["\rx"]])
    assert data.decode("utf-8-sig") == "k\r\n'=1\r\n\"'\rx\"\r\n"
