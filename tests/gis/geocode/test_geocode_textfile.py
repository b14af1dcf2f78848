"""gis.textfile: one decoder for the text files staff give us (parse-address --file uses
it): UTF-8 with or without BOM, GBK; UTF-16 and mixed files refused, naming the line."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from cli.main import main
from gis.textfile import TextFileProblem, detect_encoding, read_lines

LINES = ["义乌市稠城街道江滨社区", "新光村3组12号"]


@pytest.mark.parametrize(
    "encoding,expected",
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gb18030"), ("gb18030", "gb18030")],
)
def test_each_encoding_is_read(tmp_path, encoding, expected):
    f = tmp_path / "a.txt"
    f.write_bytes("\n".join(LINES).encode(encoding))
    assert detect_encoding(f) == expected
    assert read_lines(f) == LINES


def test_utf16_and_mixed_files_are_refused_with_the_line(tmp_path):
    f = tmp_path / "u16.txt"
    f.write_bytes("\n".join(LINES).encode("utf-16"))
    with pytest.raises(TextFileProblem, match="UTF-16"):
        detect_encoding(f)
    f = tmp_path / "mixed.txt"
    f.write_bytes(LINES[0].encode("utf-8") + b"\n" + LINES[1].encode("gbk") + b"\n")
    with pytest.raises(TextFileProblem) as e:
        detect_encoding(f)
    assert e.value.line == 2 and "u16" not in e.value.message
    f = tmp_path / "junk.bin"
    f.write_bytes(b"abc\n\xff\xfe\xfd\xfc\x80\n")
    with pytest.raises(TextFileProblem) as e:
        detect_encoding(f)
    assert e.value.line == 2


def test_parse_address_file_reports_a_bad_file(tmp_path, monkeypatch):
    monkeypatch.setenv("POPGIS_LANG", "en")
    f = tmp_path / "mixed.txt"
    f.write_bytes(LINES[0].encode("utf-8") + b"\n" + LINES[1].encode("gbk") + b"\n")
    r = CliRunner().invoke(main, ["parse-address", "--file", str(f)])
    assert r.exit_code == 2
    assert "mixed.txt: line 2 is not UTF-8" in r.output
    assert str(tmp_path) not in r.output
