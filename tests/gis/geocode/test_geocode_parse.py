"""The parser: each component, admin names in any order, blocked lookups, aliases,
former names, typos by sound, and registered addresses from anywhere in China."""

from __future__ import annotations

from gis.geocode.parse import COMPONENTS, parse


def comps(text, gaz):
    return {k: v for k, v in parse(text, gaz).comps.items() if v is not None}


def test_every_component(national):
    got = comps("浙江省金华市义乌市稠城街道江滨社区幸福小区5幢2单元3层301室", national)
    assert got == {
        "province": "浙江省",
        "city": "金华市",
        "county": "义乌市",
        "township": "稠城街道",
        "village": "江滨社区",
        "compound": "幸福小区",
        "building": "5",
        "unit": "2",
        "floor": "3",
        "room": "301",
    }
    got = comps("义乌市佛堂镇大士社区3组12号", national)
    assert got["group"] == "3" and got["house_no"] == "12" and got["village"] == "大士社区"
    got = comps("义乌市稠城街道工人北路45号幸福小区1栋", national)
    assert got["road"] == "工人北路" and got["road_no"] == "45"
    assert got["compound"] == "幸福小区" and got["building"] == "1"
    assert set(parse("x", national).comps) == set(COMPONENTS)


def test_registered_address_anywhere_in_china(national):
    p = parse("云南省文山壮族苗族自治州富宁县者桑乡那马村4组29号", national)
    assert p.codes() == {
        "county": "532628000000",
        "township": "532628203000",
        "village": "532628203202",
    }
    # short province and city names, committee suffix written out
    p = parse("河南周口市郸城县宁平镇", national)
    assert p.codes()["county"] == "411625000000" and p.codes()["township"] is not None
    # without the upper levels the county name alone is enough
    assert parse("富宁县者桑乡", national).codes()["county"] == "532628000000"


def test_short_names_only_count_before_a_child(national):
    # 新华 is the short name of several districts; in a compound name it is not one.
    assert parse("新华小区5栋", national).codes() == {
        "county": None,
        "township": None,
        "village": None,
    }


def test_local_names_aliases_and_former_names(local):
    p = parse("稠城街道江滨社区幸福小区1栋", local)
    assert p.codes()["village"] == "330782001001"
    # alias of the village (江滨社区 for 江滨社区居委会), no upper levels
    assert parse("江滨社区幸福小区1栋", local).codes()["village"] == "330782001001"
    # former name before a merger
    p = parse("老光村3组12号", local)
    assert p.admin[5][0][:3] == ("330782100001", 0.95, "former_name")


def test_admin_names_in_any_order(local):
    for text in ("幸福小区1栋江滨社区稠城街道", "江滨社区稠城街道幸福小区1栋"):
        p = parse(text, local)
        assert p.codes()["village"] == "330782001001", text
        assert p.comps["compound"] == "幸福小区" and p.comps["building"] == "1"


def test_typo_by_sound(local):
    # 新光村 written 欣光村 (同音字): found by pinyin
    p = parse("佛堂镇欣光村3组12号", local)
    code, score, method = p.admin[5][0]
    assert code == "330782100001" and method == "pinyin" and 0.85 <= score < 1


def test_lookup_is_blocked_by_the_parent(local):
    # 下车门社区 is in 稠城街道, not under 佛堂镇: the parse says the names disagree
    assert parse("佛堂镇下车门社区锦绣花园5幢", local).conflict
    assert not parse("稠城街道下车门社区锦绣花园5幢", local).conflict
