"""Each normalisation rule of gis.geocode.normalise, one case (or a few) per rule."""

from __future__ import annotations

import pytest

from gis.geocode.normalise import cn_to_digits, normalise


@pytest.mark.parametrize(
    "raw, expected",
    [
        # traditional → simplified (OpenCC)
        ("義烏市稠城街道江濱社區", "义乌市稠城街道江滨社区"),
        ("錦繡花園5棟", "锦绣花园5栋"),
        # full-width → half-width
        ("幸福小区５栋２单元３０１室", "幸福小区5栋2单元301室"),
        ("幸福小区Ａ座", "幸福小区A栋"),
        # spaces, punctuation, labels, brackets, country, position words
        ("住址：义乌市 稠城街道，江滨社区", "义乌市稠城街道江滨社区"),
        ("江滨社区(近菜场)幸福小区1栋", "江滨社区幸福小区1栋"),
        ("中国浙江省义乌市", "浙江省义乌市"),
        ("新光村3组12号附近", "新光村3组12号"),
    ],
)
def test_spelling_rules(raw, expected):
    assert normalise(raw) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("三", "3"),
        ("十", "10"),
        ("十二", "12"),
        ("二十三", "23"),
        ("两", "2"),
        ("一百零一", "101"),
        ("二〇一", "201"),
        ("三〇二", "302"),
        ("〇", "0"),
        ("两百", "200"),
    ],
)
def test_chinese_numerals(raw, expected):
    assert cn_to_digits(raw) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("新光村三组十二号", "新光村3组12号"),
        ("幸福小区二十三幢两单元三〇一室", "幸福小区23栋2单元301室"),
        ("下骆宅村第三村民小组", "下骆宅村3组"),
        # place names with numerals that count nothing are left alone
        ("五一村", "五一村"),
        ("三江街道", "三江街道"),
        ("十里牌社区", "十里牌社区"),
    ],
)
def test_numerals_in_addresses(raw, expected):
    assert normalise(raw) == expected


@pytest.mark.parametrize("word", ["栋", "幢", "号楼", "座", "楼"])
def test_building_words_become_one(word):
    assert normalise(f"幸福小区5{word}2单元301室") == "幸福小区5栋2单元301室"


@pytest.mark.parametrize("word", ["组", "村民小组", "小组", "队", "生产队"])
def test_group_words_become_one(word):
    assert normalise(f"新光村3{word}12号") == "新光村3组12号"


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("幸福小区5-2-301", "幸福小区5栋2单元301室"),
        ("幸福花园5号楼2-301", "幸福花园5栋2单元301室"),
        ("幸福小区5栋2单元301", "幸福小区5栋2单元301室"),
        ("幸福小区5栋201", "幸福小区5栋201室"),
        ("幸福小区5-301", "幸福小区5栋301室"),
        ("幸福小区5栋3楼", "幸福小区5栋3层"),  # 楼 after a building is the floor
        ("幸福小区5幢2单元3F", "幸福小区5栋2单元3层"),
        ("工业园员工宿舍2号宿舍楼三〇五", "工业园员工宿舍2栋305室"),
    ],
)
def test_house_number_forms(raw, expected):
    assert normalise(raw) == expected


@pytest.mark.parametrize("raw", [None, "", 12.5, float("nan")])
def test_empty_and_non_text(raw):
    assert normalise(raw) == ""
