"""Addresses as people really write them (issue 12): one test per writing category,
each with its own examples, against the national list (no database needed)."""

from __future__ import annotations

from gis.geocode.former import load_former
from gis.geocode.normalise import normalise, pick_segment
from gis.geocode.parse import parse, parse_many


def codes(text, gaz):
    return parse(text, gaz).codes()


def test_starts_at_the_county_or_the_township(national):
    assert codes("苍南县灵溪镇建兴东路118号", national)["township"] == "330327100000"
    assert codes("永康市东城街道城西路5号", national)["township"] == "330784001000"


def test_short_names_without_suffix_as_the_first_word(national):
    assert codes("义乌稠州北路100号", national)["county"] == "330782000000"
    assert codes("海宁长安镇人民路8号", national)["township"] == "330481103000"
    p = parse("柯桥华舍蜀阜村3组", national)
    assert p.codes()["township"] == "330603003000" and p.comps["township"] == "华舍"
    assert p.admin[4][0][2] == "short_name"
    assert codes("慈溪浒山三北大街88号", national)["township"] == "330282004000"
    # a county's short name before a compound, not a road, is not taken alone
    assert codes("新华小区5栋", national)["county"] is None


def test_former_names_resolve_to_todays_code_and_keep_the_old_name(national):
    for text, county in [
        ("杭州市江干区凯旋路221号", "330102000000"),
        ("杭州市下城区武林路100号", "330105000000"),
        ("浙江省宁波市江东区百丈路158号", "330212000000"),
        ("富阳市富春街道江滨西大道57号", "330111000000"),
        ("临安市锦城街道钱王街1号", "330112000000"),
        ("绍兴县柯桥街道笛扬路9号", "330603000000"),
    ]:
        p = parse(text, national)
        assert p.codes()["county"] == county, text
        assert p.admin[3][0][2] == "former_name", text
        assert p.comps["county"] in text  # the old name, as written
    years = {(r[1], r[2]): r[3] for r in load_former()}
    assert years[("江干区", "330102000000")] == 2021
    assert years[("富阳市", "330111000000")] == 2014


def test_levels_repeated_or_doubled(national):
    c = codes("浙江省杭州市杭州市余杭区五常街道文一西路1号", national)
    assert c["county"] == "330110000000" and c["township"] == "330110005000"
    assert codes("温州温州市鹿城区五马街道解放路5号", national)["township"] == "330302006000"
    c = codes("浙江省宁波市北仑区浙江省宁波市北仑区小港街道红联村5组", national)
    assert c["township"] == "330206003000"


def test_separators_and_placeholders(national):
    assert normalise("浙江省-宁波市-北仑区") == "浙江省宁波市北仑区"
    assert normalise("幸福小区5-2-301") == "幸福小区5栋2单元301室"  # numbers keep theirs
    assert codes("浙江 绍兴 诸暨市 暨阳街道", national)["township"] == "330681001000"
    assert codes("上海市市辖区徐汇区田林街道", national)["county"] == "310104000000"
    assert codes("浙江省null宁波市null北仑区", national)["county"] == "330206000000"
    assert normalise("null") == ""


def test_labels_people_phones_and_brackets(national):
    assert (
        codes("收货地址：浙江省义乌市稠城街道工人北路45号（租住）", national)["township"]
        == "330782001000"
    )
    p = parse("寄件人：张三 13812345678 浙江省绍兴市越城区府山街道", national)
    assert p.codes()["county"] == "330602000000" and p.comps["township"] == "府山街道"
    assert p.codes()["township"] is not None
    assert "0573" not in normalise("浙江省嘉兴市南湖区新兴街道 电话0573-82123456")


def test_township_short_or_unknown(national):
    c = codes("北仑区小港红联路1号", national)
    assert c["township"] == "330206003000" and c["village"] is None
    # a short township name that starts a road or compound is not the township
    assert codes("海宁市长安路8号", national)["township"] is None
    p = parse("苍南县云岩乡建设路5号", national)  # 云岩乡: merged away, not in the list
    assert p.comps["township"] == "云岩乡" and p.codes()["township"] is None
    assert "unknown_township" in p.flags and p.comps["road"] == "建设路"


def test_two_addresses_in_one_field_take_the_later(national):
    text = (
        "寄件人：李四 浙江省杭州市西湖区文三路1号 收件人：王五 浙江省宁波市北仑区小港街道红联村3组"
    )
    assert pick_segment(text).startswith("浙江省宁波市北仑区")
    assert codes(text, national)["township"] == "330206003000"
    c = codes("浙江省杭州市西湖区文三路1号 浙江省温州市瓯海区潘桥街道", national)
    assert c["county"] == "330304000000"


def test_no_village_code_for_a_compound_or_road_name(national):
    c = codes("嘉兴市秀洲区嘉州美都194幢1单元301室", national)
    assert c["county"] == "330411000000" and c["village"] is None
    # outside the database's counties a near name is not a village (新田村 ≠ 菱田村)
    assert codes("江西省乐平市后港镇新田村", national)["village"] is None
    # the village written exactly still is one
    assert codes("柯桥华舍蜀阜村3组", national)["village"] == "330603003221"


def test_parse_many_is_parse_of_each(national):
    texts = ["义乌稠州北路100号", "杭州市江干区凯旋路221号", ""]
    assert [p.codes() for p in parse_many(texts, national)] == [
        parse(t, national).codes() for t in texts
    ]


def test_old_suffix_and_a_word_before_the_address(national):
    # a 镇 that became a 街道: the short name with the old suffix
    p = parse("杭州市良渚镇七贤郡153-4-107", national)
    assert p.codes()["township"] == "330110010000" and p.comps["township"] == "良渚镇"
    # a township (or a shop) written before the full address
    c = codes("金城镇江苏省常州市金坛市金城镇西门建材市场137栋", national)
    assert c["county"] == "320413000000"
    # a second address glued on after the first county (…萧县浙江省…, …郫县中国浙江省…)
    assert (
        codes("四川省成都市郫县中国浙江省衢州市柯城区崇文路", national)["county"] == "330802000000"
    )
    assert codes("安徽省宿州市萧县浙江省平湖市独山港镇建设路", national)["county"] == "330482000000"


def test_short_county_before_a_market_named_for_it(national):
    assert codes("海宁皮革城辅料市场4幢B58号", national)["county"] == "330481000000"
    assert codes("柯桥轻纺城东区11楼840号", national)["county"] == "330603000000"
    # a short name several counties share stays unread
    assert codes("新华小区5栋", national)["county"] is None


def test_a_short_name_written_again_starts_a_compound(national):
    p = parse("义乌市苏溪镇苏溪工业园区员工宿舍11栋1401室", national)
    assert p.comps["compound"] == "苏溪工业园区员工宿舍" and p.comps["building"] == "11"
    p = parse("义乌市福田街道福田花园3栋1单元1202室", national)
    assert p.comps["compound"] == "福田花园" and p.codes()["village"] is None


def test_huangyan_former_names_as_the_ministry_lists_them(national):
    # 民政部's yearly lists: 黄岩县 332622 until 1989, then 黄岩市 332603, which the
    # 1994 reform made 黄岩区 331003 (the table had 黄岩县 stop in 1994 with today's code)
    # (the county that kept the name; 路桥区 took a part in 1994: level county_part)
    rows = {r[1]: r for r in load_former() if r[1] in ("黄岩县", "黄岩市") and r[0] == "county"}
    assert rows["黄岩县"][2] == "331003000000" and rows["黄岩县"][3] == 1989
    assert rows["黄岩市"][2] == "331003000000" and rows["黄岩市"][3] == 1994
    import csv

    from gis.geocode.former import HAND_CSV

    with HAND_CSV.open(encoding="utf-8") as f:
        old = {r["name"]: r["old_code"] for r in csv.DictReader(f) if r["level"] == "county"}
    assert old["黄岩县"] == "332622" and old["黄岩市"] == "332603"
    for text in ("黄岩县西城街道", "台州市黄岩市西城街道"):
        p = parse(text, national)
        assert p.codes()["township"] == "331003003000", text
        assert p.admin[3][0][2] == "former_name" and p.comps["county"] in text
