"""The outside tester's findings on ``popgis parse-address`` (session 23)."""

from __future__ import annotations

import pytest

from gis.geocode.parse import EMPTY, NOTHING, parse, parse_many


@pytest.mark.parametrize("text", ["13812345678", "0579-85123456", "电话13812345678"])
def test_a_phone_number_alone_is_nothing_but_not_empty(national, text):
    """``empty`` is only for a blank line: normalising leaves nothing of a phone
    number, but something was written."""
    for p in (parse(text, national), *parse_many([text, "", text, "  "], national)[::2]):
        assert p.flags == [NOTHING], text
        assert p.leftover == text
    blank = parse_many([text, "", text, "  "], national)[1::2]
    assert [q.flags for q in blank] == [[NOTHING, EMPTY]] * 2
    assert parse("  ", national).flags == [NOTHING, EMPTY]
