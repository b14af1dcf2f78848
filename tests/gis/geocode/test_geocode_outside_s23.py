"""The outside tester's findings on ``popgis parse-address`` (session 23)."""

from __future__ import annotations

import pytest

from gis.geocode.normalise import normalise, normalise_many
from gis.geocode.parse import EMPTY, NOTHING, matched, parse, parse_many


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


def both(text, gaz):
    """The reading of ``text`` by parse and by parse_many (they must agree)."""
    one, many = parse(text, gaz), parse_many([text], gaz)[0]
    assert (one.comps, one.codes(), one.leftover, one.flags) == (
        many.comps,
        many.codes(),
        many.leftover,
        many.flags,
    ), text
    return one


@pytest.mark.parametrize("sep", [" ", ""])
@pytest.mark.parametrize(
    "first, comp",
    [
        ("义乌市稠城街道好运街88号", {"road": "好运街", "road_no": "88"}),
        ("义乌市稠城街道江滨社区12号", {"village": "江滨社区", "house_no": "12"}),
    ],
)
def test_a_county_in_full_after_a_number_is_a_second_address(national, sep, first, comp):
    """The README's own example: the first is kept, flagged ``two_addresses``; the
    later is leftover, and the county's name is never part of a road or compound."""
    p = both(first + sep + "义乌市稠州北路5号", national)
    assert "two_addresses" in p.flags
    assert p.codes()["township"] == "330782001000"
    assert {k: p.comps[k] for k in comp} == comp
    assert p.comps["compound"] is None and p.comps["house_no"] == comp.get("house_no")
    assert p.leftover == "义乌市稠州北路5号"


@pytest.mark.parametrize(
    "text, first",
    [
        (
            # (after a space too since session 24: the first as written)
            "义乌市稠城街道江滨社区5-2-301 义乌市北苑街道春华路18号",
            "义乌市稠城街道江滨社区5-2-301",
        ),
        (
            # (split before normalising since round 2: the first as written)
            "义乌市稠城街道江滨社区5-2-301义乌市北苑街道春华路18号",
            "义乌市稠城街道江滨社区5-2-301",
        ),
        (
            "义乌市稠城街道江滨社区5幢2单元301室义乌市北苑街道春华路18号",
            "义乌市稠城街道江滨社区5幢2单元301室",
        ),
        (
            "原住义乌市稠城街道江滨社区12号现住义乌市北苑街道春华路18号",
            "原住义乌市稠城街道江滨社区12号",
        ),
        (
            "现住义乌市北苑街道春华路18号 原住义乌市稠城街道江滨社区12号",
            "原住义乌市稠城街道江滨社区12号",
        ),
        (
            "寄件人：张三 义乌市稠城街道江滨社区12号 收件人：李四 义乌市北苑街道春华路18号",
            "寄件人:张三 义乌市稠城街道江滨社区12号",
        ),
        (
            "收件人：李四 义乌市北苑街道春华路18号 寄件人：张三 义乌市稠城街道江滨社区12号",
            "寄件人:张三 义乌市稠城街道江滨社区12号",
        ),
        # (round 2: the labels written with 地址 or 地)
        (
            "现住地址：义乌市北苑街道春华路18号 原住地址：义乌市稠城街道江滨社区12号",
            "原住地址:义乌市稠城街道江滨社区12号",
        ),
        (
            "现住地址:义乌市北苑街道春华路18号原住地址:义乌市稠城街道江滨社区12号",
            "原住地址:义乌市稠城街道江滨社区12号",
        ),
        (
            "现居住地：义乌市北苑街道春华路18号；原住地：义乌市稠城街道江滨社区12号",
            "原住地:义乌市稠城街道江滨社区12号",
        ),
        (
            "原住地址：义乌市稠城街道江滨社区12号，现住地址：义乌市北苑街道春华路18号",
            "原住地址:义乌市稠城街道江滨社区12号,",
        ),
    ],
)
def test_the_address_not_taken_is_leftover(national, text, first):
    """A county and township right after a room or number start the later address;
    the labels pick one of two: either way the other is ``leftover``, never dropped.
    Where no label chose (the later taken for where it stands: a guess) the reading is
    flagged ``two_addresses`` (session 25, round 2); a label's choice is not."""
    p = both(text, national)
    assert p.codes()["township"] == "330782004000"
    assert p.comps["road"] == "春华路" and p.comps["road_no"] == "18"
    assert p.leftover == first
    labelled = any(w in text for w in ("住", "居", "件人"))
    assert ("two_addresses" in p.flags) is not labelled


@pytest.mark.parametrize("sep", ["", " ", "  "])
def test_a_county_and_township_after_a_dashed_number_start_the_later_address(national, sep):
    """``12-2-301`` is a room number as ``301室`` is (round 2): a county and township run
    on after it, or after a space (session 24), are the later address, the first is
    ``leftover``."""
    p = both("义乌市稠城街道江滨社区12-2-301" + sep + "义乌市北苑街道", national)
    assert p.codes()["township"] == "330782004000" and p.comps["county"] == "义乌市"
    assert p.leftover == "义乌市稠城街道江滨社区12-2-301"
    q = both("义乌市稠城街道江滨社区12-2-301", national)
    assert (q.comps["building"], q.comps["unit"], q.comps["room"]) == ("12", "2", "301")
    assert q.leftover == ""


@pytest.mark.parametrize(
    "text, county, road",
    [
        ("永康县城关镇解放街12号", "330784000000", "解放街"),
        ("永康县城关镇", "330784000000", None),
        ("兰溪县城关镇", "330781000000", None),
        ("温岭县城关镇", "331081000000", None),
        ("衢县石梁镇", "330803000000", None),
    ],
)
def test_an_old_county_seat_town_is_an_unknown_township(national, text, county, road):
    """城关镇 (the old county seat, gone since) is a township not in the list: its text
    kept without a code and flagged, never a compound or the start of a road."""
    p = both(text, national)
    assert p.codes() == {"county": county, "township": None, "village": None}
    assert p.comps["township"] == text[len(p.comps["county"]) :].split("解放街")[0]
    assert p.flags == ["unknown_township"]
    assert p.comps["road"] == road and p.comps["compound"] is None


def test_a_county_written_after_under_the_first_city_is_no_second_address(national):
    """The county written after the numbers, under the city written first, completes
    the address (the order swapped), with the words after it leftover: no flag (the
    city written again is leftover too: no text is dropped)."""
    p = both("金华市八一北街450号金华市婺城区晨曦复印店", national)
    assert p.codes()["county"] == "330702000000" and p.comps["road"] == "八一北街"
    assert p.flags == [] and p.leftover == "金华市晨曦复印店"


@pytest.mark.parametrize(
    "text, county, township",
    [
        ("金华市金华县汤溪镇", "330702000000", "330702106000"),  # → 婺城区
        ("金华县孝顺镇", "330703000000", "330703101000"),  # → 金东区
        ("金华县", None, None),  # nothing settles which
        ("金华市金华县八一北街5号", None, None),
    ],
)
def test_jinhua_county_resolves_through_its_parts(national, text, county, township):
    """金华县 (abolished in 2000, split between 婺城区 and 金东区): the township written
    settles which; unsettled, no county code, but never a compound."""
    p = both(text, national)
    assert p.comps["county"] == "金华县" and p.comps["compound"] is None
    assert p.codes()["county"] == county and p.codes()["township"] == township
    assert p.admin[3][0][2] == "former_name"


@pytest.mark.parametrize(
    "text, written",
    [("义乌稠州北路5号", "义乌"), ("柯桥华舍镇", "柯桥"), ("东阳吴宁街道", "东阳")],
)
def test_a_short_county_name_is_matched_by_short_name(national, text, written):
    """As the README says: a county written without its suffix as the first word is
    method ``short_name`` (not ``exact``, which is the name as the list writes it)."""
    p = both(text, national)
    assert matched(p)["county"] == {"written": written, "method": "short_name"}
    assert matched(parse("东阳市吴宁街道", national))["county"]["method"] == "exact"


@pytest.mark.parametrize(
    "text, clean",
    [
        ("义乌市\x00稠城街道", "义乌市稠城街道"),
        ("义乌市\x1f稠城街道江滨社区5-2-301", "义乌市稠城街道江滨社区5栋2单元301室"),
        ("义乌市\x1e稠城街道", "义乌市稠城街道"),
        ("义乌市\x7f稠城街道\x0b好运街\x0188号", "义乌市稠城街道好运街88号"),
    ],
)
def test_control_characters_are_dropped(national, text, clean):
    """A NUL or another control character (a broken file's bytes) is dropped in
    normalising, one address or a batch alike (the batch joins addresses by \\x1f and
    pick_segment cuts at \\x1e: a line holding them is read alone)."""
    assert normalise(text) == clean
    batch = normalise_many(["义乌市稠城街道", text, "义乌市北苑街道"])
    assert batch == [normalise("义乌市稠城街道"), clean, normalise("义乌市北苑街道")]
    p = both(text, national)
    assert p.comps["township"] == "稠城街道" and p.codes()["township"] == "330782001000"
    assert matched(p)["township"]["method"] == "exact" and p.flags == []
