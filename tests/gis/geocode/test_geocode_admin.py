"""Bulk admin resolution (gis.geocode.admin) gives the parser's answer, faster; the fuzzy
step compares only the names that can score, and finds every one a full scan finds."""

from __future__ import annotations

import random

import opencc
import pytest

from gis.geocode import admin
from gis.geocode.gazetteer import VILLAGE, AdminGazetteer, village_variants
from gis.geocode.parse import FUZZY_KEEP, FUZZY_MIN, KIND_SCORE, _fuzzy, parse, similarity

YIWU = "330782"
# characters common in village names, and one that sounds the same
HOMOPHONES = {
    "塘": "堂",
    "溪": "西",
    "桥": "乔",
    "湖": "胡",
    "园": "元",
    "江": "姜",
    "庄": "装",
    "王": "汪",
    "金": "今",
    "下": "夏",
    "上": "尚",
    "新": "欣",
    "东": "冬",
    "前": "钱",
    "山": "杉",
    "石": "时",
    "杨": "扬",
    "城": "成",
    "头": "投",
    "陈": "晨",
    "口": "扣",
}
CN = "〇一二三四五六七八九"


def _short(village: str) -> str:
    forms = village_variants(village)
    ends = [f for f in forms[1:] if f.endswith(("村", "社区"))]
    return min(ends, key=len) if ends else forms[-1]


def varied_addresses(gaz: AdminGazetteer, n: int, seed: int) -> list:
    """Addresses from all over China, written every way the bulk path must handle or
    hand on: levels left out, short forms, traditional characters, full-width digits,
    labels, numbers first, village before township, homophones, Chinese numerals,
    compounds, garbage."""
    rng = random.Random(seed)
    d = gaz.division
    s2t = opencc.OpenCC("s2t")
    streets = [(c, nm) for c, nm in d.streets.items() if c[:6] in d.areas]
    yiwu = [(c, nm) for c, nm in streets if c.startswith(YIWU)]
    out: list = ["", None, "???", "12号", "北京", "中国", "义乌", "浙江省5组"]
    while len(out) < n:
        t9, town = rng.choice(yiwu if rng.random() < 0.3 else streets)
        villages = d.villages_of(t9)
        if not villages:
            continue
        c6 = t9[:6]
        village = _short(rng.choice(villages)[1])
        if rng.random() < 0.15:
            spots = [k for k, ch in enumerate(village[:-1]) if ch in HOMOPHONES]
            if spots:
                k = rng.choice(spots)
                village = village[:k] + HOMOPHONES[village[k]] + village[k + 1 :]
        prov = d.provinces[c6[:2]]
        city = d.cities.get(c6[:4], "")
        head = rng.choice(["", prov, prov[:2]]) + rng.choice(["", city, city])
        county = rng.choice([d.areas[c6], d.areas[c6], d.areas[c6][:-1], ""])
        g, h = rng.randint(1, 12), rng.randint(1, 99)
        detail = rng.choice(
            [
                f"{g}组{h}号",
                f"{CN[g % 10]}组{h}号",
                f"第{g}村民小组{h}号",
                "幸福小区5栋2单元301室",
                "5-2-301",
                f"{g}队{h}号",
            ]
        )
        town_w = rng.choice([town, town, ""])
        order = rng.random()
        if order < 0.7:
            text = head + county + town_w + village + detail
        elif order < 0.85:
            text = head + county + village + town_w + detail
        else:
            text = detail + head + county + town_w + village
        if rng.random() < 0.1:
            text = "住址：" + text
        if rng.random() < 0.1:
            text = s2t.convert(text)
        if rng.random() < 0.1:
            text = text.translate(str.maketrans("0123456789-", "０１２３４５６７８９－"))
        out.append(text)
    return out


@pytest.mark.parametrize("depth", ["village", "township"])
def test_bulk_resolution_agrees_with_the_parser(national, depth):
    texts = varied_addresses(national, 1500, seed=7)
    got = admin.resolve_admin(texts, national, depth=depth)
    for text, codes in zip(texts, got, strict=True):
        want = (
            parse(text, national).codes()
            if isinstance(text, str)
            else {"county": None, "township": None, "village": None}
        )
        if depth == "township":
            want["village"] = None
        assert codes == want, text


def test_bulk_resolution_with_the_database_county(local):
    texts = [
        "稠城街道江滨社区幸福小区1栋",
        "江滨社区幸福小区1栋",
        "老光村3组12号",
        "江滨社区稠城街道幸福小区1栋",
        "幸福小区1栋江滨社区稠城街道",
        "佛堂镇欣光村3组12号",
        "佛堂镇下车门社区锦绣花园5幢",
        "住址：義烏市佛堂鎮新光村３組",
        "新光村",
        "x",
    ]
    got = admin.resolve_admin(texts, local)
    assert got == [parse(t, local).codes() for t in texts]
    assert got[2]["village"] == "330782100001"  # former name
    assert got[5]["village"] == "330782100001"  # same sound


def _to_parser(texts: list[str], gaz: AdminGazetteer) -> list[str]:
    """The addresses :func:`admin.resolve_admin` hands on to the parser: those its scan
    gives up on (asked of the scan itself: the compiled module's calls to ``parse``
    cannot be intercepted from Python)."""
    from gis.geocode.normalise import pick_segment

    scan = admin._Scanner(gaz, VILLAGE)
    lite = admin._lite([pick_segment(t) for t in texts])
    return [t for t, s in zip(texts, lite, strict=True) if scan(s) is None]


def test_plain_addresses_never_reach_the_parser(national):
    texts = [
        "云南省文山壮族苗族自治州富宁县者桑乡那马村4组29号",
        "浙江省金华市义乌市佛堂镇3组12号",
        "富宁县者桑乡那马村委会",
        "7组36号浙江省义乌市佛堂镇",
    ]
    got = admin.resolve_admin(texts, national)
    assert _to_parser(texts, national) == []
    assert got[0] == {
        "county": "532628000000",
        "township": "532628203000",
        "village": "532628203202",
    }
    assert got[1]["township"] == got[3]["township"] == "330782100000"
    # a county name shared by several cities, without its city: the parser decides
    assert _to_parser(["鼓楼区3组"], national) == ["鼓楼区3组"]


def test_same_sound_needs_one_village_and_no_close_other(national):
    towns = dict((n, c) for c, n in national.division.townships_of(YIWU))
    yiting = towns["义亭镇"][:9]
    names = {_short(v) for _, v in national.division.villages_of(yiting)}
    assert {"包西塘村", "早溪塘村"} <= names
    # 包西堂 sounds like 包西塘 and almost like 早溪塘 (bao/zao): the parser weighs both
    text = "浙江省义乌市义亭镇包西堂村3组34号"
    got = admin.resolve_admin([text], national)
    assert _to_parser([text], national) == [text]
    assert got[0] == parse(text, national).codes()
    assert got[0]["township"] == yiting + "000" and got[0]["village"] is None


def _all_names(token, pool):
    """What the fuzzy step must return, by comparing with every name of the pool."""
    best = {}
    for name, code, kind in pool.entries:
        score, method = similarity(token, name)
        score *= KIND_SCORE[kind]
        if score > best.get(code, (0.0, ""))[0]:
            best[code] = (score, method)
    if not best or max(v[0] for v in best.values()) < FUZZY_MIN:
        return []
    top = max(v[0] for v in best.values())
    return sorted(
        ((c, s, m) for c, (s, m) in best.items() if s >= top - FUZZY_KEEP),
        key=lambda c: (-c[1], c[0]),
    )


def test_fuzzy_step_finds_what_a_full_comparison_finds(national):
    pool = national.choices(VILLAGE, (YIWU,))
    rng = random.Random(3)
    names = [n for n in pool.names if len(n) >= 3]
    chars = "".join(sorted({c for n in names for c in n}))
    found = 0
    for _ in range(400):
        name = list(rng.choice(names))
        k = rng.randrange(len(name) - 1)
        edit = rng.randrange(4)
        if edit == 0 and name[k] in HOMOPHONES:
            name[k] = HOMOPHONES[name[k]]
        elif edit == 1:
            del name[k]
        elif edit == 2:
            name.insert(k, rng.choice(chars))
        else:
            name[k] = rng.choice(chars)
        token = "".join(name)
        want = _all_names(token, pool)
        assert _fuzzy(token, pool) == want, token
        found += bool(want)
    assert found > 100  # the sample is not all misses
