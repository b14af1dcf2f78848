"""The short ways of ``parse-address --file`` give the full parser's answers: the batch
normalisation (normalise_many) the same strings as normalise, the parser's plain step
(_plain_step) the same components, codes and flags as the full step, on the
hand-written cases of every writing category and on a generated sample."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from gis.geocode import parse as parse_mod
from gis.geocode.normalise import normalise, normalise_many
from gis.geocode.parse import parse, parse_many
from tests.gis.geocode.test_geocode_admin import varied_addresses

CASES = Path(__file__).resolve().parents[3] / "data" / "address_eval" / "cases.tsv"
EDGES = [
    "",
    "中国浙江省杭州市",
    "十二",
    "第三组",
    "幸福花园5号楼2-301",
    "-12-3",
    "abc-",
    "二〇一",
    "五一村三组十二号",
    "黑龙江省哈尔滨市道里区",
    "ａｂｃ１２",
    "義烏市稠城街道江濱社區錦繡花園５棟２單元３０１室",
    "某小区12-2-301",
    "浙江省杭州市杭州市余杭区",
    "浙江省-宁波市-北仑区",
    "上海市市辖区徐汇区",
    "收货地址：浙江省义乌市稠城街道工人北路45号（租住）",
    "寄件人：张三 13812345678 浙江省杭州市 收件人：李四 浙江省宁波市北仑区小港街道",
    "义乌稠州北路100号附近",
    "null",
    "5栋201",
    "3单元402",
    "A座12层",
]


def hand_written() -> list[str]:
    with CASES.open(encoding="utf-8", newline="") as f:
        return [r["text"] for r in csv.DictReader(f, delimiter="\t")]


def sample(gaz) -> list:
    return EDGES + hand_written() + varied_addresses(gaz, 1500, seed=11)


def test_batch_normalisation_is_normalise_of_each(national):
    texts = sample(national) + [None, 12]
    assert normalise_many(texts) == [normalise(t) for t in texts]
    # a separator inside an address: the batch falls back to one by one
    assert normalise_many(["浙江\x1f杭州", "義烏"]) == [normalise("浙江\x1f杭州"), "义乌"]


def test_batch_normalisation_at_the_edges_of_each_address():
    # what the batch finds per address (empty, 中 first, a trailing word, 省/自治区 from
    # the fourth character, 中国 after the first) next to addresses that have none of it,
    # and the batch passes (numerals, unit words, dashes, bare rooms) at the boundaries
    texts = [
        "",
        "中山路5号",
        "某村3组附近",
        "",
        "浙江省杭州市",
        "杭州市浙江省",
        "宁夏回族自治区",
        "银川市宁夏回族自治区",
        "中国浙江",
        "浙江中国",
        "第第三组",
        "第三组",
        "三组",
        "A座12楼",
        "A组",
        "5栋12楼",
        "2单元3楼",
        "12-3",
        "-12-3",
        "幸福小区5-301",
        "5栋201",
        "3单元402",
        "十二",
        "",
    ]
    for k in range(len(texts)):
        batch = texts[k:] + texts[:k]  # each one first, last and in between
        assert normalise_many(batch) == [normalise(t) for t in batch]


def test_parse_many_reads_a_repeated_address_once_and_copies_it(national):
    texts = ["浙江省杭州市西湖区文三路100号", "义乌稠州北路100号", "浙江省杭州市西湖区文三路100号"]
    national.head_cache.clear()
    many = parse_many(texts, national)
    assert [_everything(p) for p in many] == [_everything(parse(t, national)) for t in texts]
    assert many[0] is not many[2] and many[0].comps is not many[2].comps
    many[2].comps["room"] = "9"
    assert many[0].comps["room"] is None


def _everything(p) -> tuple:
    return (p.text, p.comps, p.codes(), p.admin, p.flags, p.conflict, p.leftover)


def _parse_all(texts, gaz, fast: bool) -> list:
    old = parse_mod.FAST_STEP
    parse_mod.FAST_STEP = fast
    gaz.head_cache.clear()
    try:
        return [_everything(parse(t, gaz)) for t in texts]
    finally:
        parse_mod.FAST_STEP = old
        gaz.head_cache.clear()


@pytest.mark.parametrize("which", ["hand-written", "generated"])
def test_plain_step_agrees_with_the_full_step(national, which):
    texts = EDGES + hand_written() if which == "hand-written" else sample(national)
    texts = [t for t in texts if isinstance(t, str)]
    fast = _parse_all(texts, national, True)
    full = _parse_all(texts, national, False)
    for text, a, b in zip(texts, fast, full, strict=True):
        assert a == b, text


def test_plain_step_agrees_with_the_database_county(local):
    # the fixture county's own names (short names, aliases, misspelt villages)
    texts = [t for t in sample(local) if isinstance(t, str)][:600] + [
        "义乌市稠城街道江滨社区3组12号",
        "稠城街道江滨社区锦绣花园5栋2单元301室",
        "江滨社区7组",
    ]
    assert _parse_all(texts, local, True) == _parse_all(texts, local, False)


def test_parse_many_is_parse_of_each_on_the_sample(national):
    texts = sample(national)
    national.head_cache.clear()
    many = [_everything(p) for p in parse_many(texts, national)]
    national.head_cache.clear()
    assert many == [_everything(parse(t, national)) for t in texts]


#: Addresses that normalise_many takes through steps 0 and 3 one by one and then the
#: batch passes (labels, people, phone numbers, brackets, punctuation, a second address,
#: 中国, trailing words), next to the few of Chinese characters only that normalise
#: settles at once (户主 without 人 or 址 in it), each with numerals, unit words and
#: dash forms for the batch passes after.
HARD = [
    "收货地址：浙江省义乌市稠城街道工人北路四十五号（租住）",
    "浙江省-宁波市-北仑区小港街道红联村三组12-2-301",
    "安徽省宿州市萧县浙江省独山港镇建设路十二号",
    "中国浙江省杭州市西湖区文三路100号5-附近",
    "浙江 绍兴 诸暨市 暨阳街道 二〇一号",
    "杭州市拱墅区湖州街168号Sinosky楼7楼",
    "浙江户主李明",
    "户主张三",
    "联系电话：13812345678 义乌市江滨社区5幢2单元三〇一",
    "温州市鹿城区人民东路谢池市场旁边",
    "浙江省温州市null浙江省温州市乐清市北白象镇银行南路37-41号",
    "（近菜场）第三组十二号",
    "A座12楼，B座3-201",
]


def test_batch_normalisation_of_the_addresses_taken_one_by_one(national):
    texts = HARD + sample(national)[:300]
    for k in (0, 5, len(HARD)):  # each among others, first and last
        batch = texts[k:] + texts[:k]
        assert normalise_many(batch) == [normalise(t) for t in batch]
    assert normalise_many(HARD) == [normalise(t) for t in HARD]
    assert normalise_many(HARD[6:7]) == [normalise(HARD[6])] == ["浙江户主李明"]
    # none left for the batch passes, or only empty ones
    for batch in (["户主李明", "户主王明"], ["户主李明", ""], ["", "户主李明", ""], ["（）"]):
        assert normalise_many(batch) == [normalise(t) for t in batch]


def test_a_misspelt_name_is_scored_once_per_batch(national):
    from gis.geocode.gazetteer import TOWNSHIP
    from gis.geocode.parse import _fuzzy, _fuzzy_under

    national.head_cache.clear()
    pool = national.choices(TOWNSHIP, ("330327",))
    first = _fuzzy_under("龙港镇", TOWNSHIP, ("330327",), national)
    assert first == _fuzzy("龙港镇", pool)
    assert _fuzzy_under("龙港镇", TOWNSHIP, ("330327",), national) is first
    near = _fuzzy_under("灵西镇", TOWNSHIP, ("330327",), national)
    assert near == _fuzzy("灵西镇", pool) and near  # 灵溪镇, misspelt
    national.head_cache.clear()  # (emptied with the head cache)
    assert _fuzzy_under("灵西镇", TOWNSHIP, ("330327",), national) is not near


def test_the_bench_says_where_the_time_goes(national):
    import math

    from bench.geocode_real import stage_times

    texts = hand_written()
    st = stage_times(texts, national, runs=1)
    assert list(st) == [
        "normalise",
        "admin names",
        "rest of the parse",
        "codes",
        "collector",
        "parse_many + codes",
    ]
    assert all(math.isfinite(v) for v in st.values())
    assert st["normalise"] > 0 and st["parse_many + codes"] > 0
    assert national.head_cache  # (left as after a batch: the answers are the same)
    assert [p.codes() for p in parse_many(texts, national)] == [
        parse(t, national).codes() for t in texts
    ]
