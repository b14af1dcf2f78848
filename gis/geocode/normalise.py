"""Address normalisation: one canonical spelling for every way staff write an address.

``normalise(text)`` applies, in this order:

1. full-width → half-width (``５栋`` → ``5栋``, ``（`` → ``(``);
2. traditional → simplified characters with OpenCC (``棟`` → ``栋``, ``義烏`` → ``义乌``);
3. labels (``住址：``), bracketed remarks (``(近菜场)``), a leading ``中国``, trailing
   position words (``附近``, ``旁边``), whitespace and punctuation are dropped; ``#`` → ``号``;
4. Chinese numerals (``三``, ``十二``, ``二十三``, ``两``, ``〇``, ``二〇一``) → digits, when
   they count something (followed by a unit word, ``-`` or the end, or preceded by ``第``),
   so that place names such as ``三江`` or ``五一村`` are left alone;
5. unit words → one form: building ``栋`` (栋/幢/号楼/座/楼/号宿舍楼/号厂房), group ``组``
   (组/村民小组/小组/队/生产队), ``单元``, room ``室``, floor ``层`` (``层``, or ``楼`` after a
   building or unit);
6. house-number forms → ``N栋N单元N室``: ``5-2-301``, ``5栋2-301``, ``5栋201`` (room),
   ``幸福小区5-301``.

The gazetteer's names go through the same function, so both sides of every comparison
are spelled alike. Pure Python with precompiled tables and regexes; results are cached
per distinct string.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from typing import Any

import opencc

__all__ = [
    "normalise",
    "normalise_many",
    "cn_to_digits",
    "pick_segment",
    "dropped_address",
    "dropped_by_place",
    "without_control",
]

_T2S = opencc.OpenCC("t2s")

# 1. full-width ASCII block → ASCII; ideographic space → nothing (spaces are dropped).
_WIDTH: dict[int, int | None] = {0xFF01 + i: 0x21 + i for i in range(0x5E)}
_WIDTH[0x3000] = None
# 3. punctuation and spaces dropped; the many dashes become '-'; '#' means 号.
_PUNCT: dict[int, str | None] = {
    ord(c): None for c in " \t\r\n,.;:!?\"'`|、，。；：！？“”‘’·…「」『』"
}
_PUNCT.update({ord(c): "-" for c in "—–―~_/\\－～"})
_PUNCT[ord("#")] = "号"
_TABLE: dict[int, int | str | None] = {**_WIDTH}
# …but in an address the ideographic space and the other spaces (no-break, thin, …)
# are spaces: dropped in step 3 as ASCII ones, but where they part two numbers
_SPACES = "\u3000\xa0\u1680\u202f\u205f" + "".join(map(chr, range(0x2000, 0x200B)))
_TABLE.update({ord(c): " " for c in _SPACES})
_WIDE = re.compile("[\uff01-\uff5e" + _SPACES + "]")
#: whitespace between two numbers (…1-1-601 8, 5组 3 4): no digits glued; kept as one
#: space, which the parser reads as a separator between the numbers
_NUMBER_SPACE = re.compile(r"(?<=\d)\s+(?=\d)")
_KEPT_SPACE = "\x1d"  # (for one step: punctuation and spaces are dropped around it)
_PUNCT_RX = re.compile("[" + re.escape("".join(map(chr, _PUNCT))) + "]")

_LABEL = re.compile(
    r"^\s*(?:现居住地址|现居住地|现住址|现住|家庭住址|联系地址|户籍地址|户籍地|"
    r"居住地址|住址|地址)\s*[:：]\s*"
)
_BRACKETS = re.compile(r"[(\[【〔{<《][^)\]】〕}>》]*[)\]】〕}>》]")
_COUNTRY = re.compile(r"^(?:中华人民共和国|中国)")
_TRAILING = re.compile(r"(?:附近|旁边|隔壁|对面|对过|门口|一带|东侧|西侧|南侧|北侧|旁)+$")

# 0. what real writing adds around an address: who (收件人：张三), phone numbers, labels
# anywhere (收货地址：), a second address (sender and receiver), placeholders of empty
# levels (市辖区, null) and separators between names (浙江省-宁波市-北仑区).
_PERSON = re.compile(
    r"(?:收件人|收货人|寄件人|发件人|联系人|姓名|户主|签收人)[:：]?\s*"
    r"(?:[\u4e00-\u9fff·]{1,4}(?=[\s,，;；]|(?:\+?86)?1[3-9]\d{9}))?"
)
_PHONE = re.compile(
    r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d{9}(?!\d)|(?<![\d-])0\d{2,3}-\d{7,8}(?!\d)"
    r"|(?:电话|手机|联系电话|tel|TEL|Tel)[:：]?\s*[\d-]{7,}"
)
_ADDR_LABEL = re.compile(
    r"(?:收货地址|收件地址|寄件地址|发货地址|详细地址|通讯地址|所在地区|"
    r"收件人地址|寄件人地址|送货地址|配送地址|邮寄地址)[:：]?|"
    r"(?:现居住地址|现居住地|现住址|家庭住址|联系地址|户籍地址|户籍地|居住地址|"
    r"住址|地址)[:：]"
)
_PROVINCES = (
    r"(?:北京|天津|上海|重庆|河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|"
    r"河南|湖北|湖南|广东|海南|四川|贵州|云南|陕西|甘肃|青海|内蒙古|广西|西藏|宁夏|新疆)"
)
# a second address: after a space, after 中国 in the middle, or a province written out
# again right after a county or city name (…萧县浙江省独山港镇…)
_SEGMENT_SEP = re.compile(
    r"[\x1e;；|\n\r]+|\s+(?=" + _PROVINCES + r"(?:省|市|自治区|.{2,3}市))"
    r"|(?<=.)中国(?=" + _PROVINCES + r")"
    r"|(?<=[区县市旗])(?=" + _PROVINCES + r"(?:省|自治区))"
)
# …or run together: a province written out right after a number or a village's name
# (…红联村3组浙江省杭州市…)
# (…红联村3组浙江省杭州市…): a province and a city or county name; a province that
# starts the name of a body (…6号浙江省交通运输厅, …号辽宁省干旱地区造林研究所) is none
#: a county and its township (not 社区, 小区, …) …
_COUNTY_TOWNSHIP = (
    r"[\u4e00-\u9fff]{1,4}(?:市|县|(?<![社小园校厂景城新])区)[\u4e00-\u9fff]{1,6}?(?:街道|镇|乡)"
)
#: … right after a room, number or building: a second address run on (…301室义乌市北苑街道…),
#: or after a space (…12-2-301 义乌市北苑街道: a space is no separator of its own, but
#: here the later address starts as surely as run on)
_RUN_ON = re.compile(r"[室号栋\d][^\S\x1f]*(?=" + _COUNTY_TOWNSHIP + ")")
_SEGMENT_GLUED = re.compile(
    r"(?<=[\d号室栋组楼层弄村])(?="
    + _PROVINCES
    + r"(?:省|自治区)[\u4e00-\u9fff]{1,5}?(?:市|州|盟|县)"
    + r"|(?<=[室号栋\d])\s*"
    + _COUNTY_TOWNSHIP
    + ")"
)
#: …and the later part is more specific than a body's name: a township, village, road
#: or number in it
_MORE_SPECIFIC = re.compile(r"\d|[镇乡村路街号弄巷]")
#: labels that say whose or which address follows: the receiver's and where one lives
#: now are the address (+), the sender's and the old or registered one are not (-)
#: a residence label ends with a colon, or runs straight into a place name (原住义乌市…)
_LABEL_END = r"\s*(?:[:：]|(?=[\u4e00-\u9fff]{1,6}?(?:省|市|县|区|镇|乡|街道)))"
_ROLE = re.compile(
    r"(收件人地址|收货人地址|收件地址|收货地址|收件人|收货人|送货地址|配送地址)\s*[:：]?|"
    r"(现居住地址|现居住地|现住地址|现居地址|现住址|现住地|现居地|现住|现居)" + _LABEL_END + "|"
    r"(?:寄件人地址|发件人地址|寄件地址|发货地址|寄件人|发件人)\s*[:：]?|"
    r"(?:原居住地址|原住地址|原住址|原居住地|原住地|原住|户籍地址|户籍地|户籍|老家地址|老家|"
    r"籍贯|原籍)" + _LABEL_END
)
_RESIDENCE_LABEL = re.compile(
    r"(?:现居住地址?|现住地址|现居地址|现住地|现居地|现住|现居|原居住地址?|原住地址|原住址|"
    r"原住地|原住|户籍地址|户籍地?|老家地址|老家|籍贯|原籍)\s*[:：]?$"
)
_SPECIFIC = re.compile(r"\d|[省市区县镇乡村路街道号弄巷]")
_PLACEHOLDER = re.compile(
    r"市辖区|省直辖县级行政区划|自治区直辖县级行政区划|直辖县级|"
    r"(?<![A-Za-z])(?:null|NULL|Null|None|NONE|nan|NaN|undefined)(?![A-Za-z])"
)
_PHONE_HINT = re.compile(r"\d{7}|电话|手机|[Tt]el|TEL")
_NAME_DASH = re.compile(r"(?<![\dA-Za-z])-+|-+(?![\dA-Za-z])")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def by_role(s: str) -> str:
    """The part of a field that its labels say is the address: the receiver's (收件人,
    收货地址) rather than the sender's (寄件人), where one lives now (现住, 现居)
    rather than the old or registered address (原住, 户籍, 老家); without such a
    label, the text not under a sender's or old-address label. Each part keeps its
    label (收件人：张三 is read as a person then); parts kept are joined with a
    separator, of which :func:`pick_segment` takes the later."""
    return _by_role(s)[0]


def _by_role(s: str) -> tuple[str, list[str]]:
    """:func:`by_role` and the parts it leaves out, each with its label as written."""
    marks = list(_ROLE.finditer(s))
    if not marks:
        return s, []
    parts: list[tuple[int, str, str]] = [(0, "", s[: marks[0].start()])]
    for i, m in enumerate(marks):
        role = 1 if m.group(1) or m.group(2) else -1
        end = marks[i + 1].start() if i + 1 < len(marks) else len(s)
        label = m.group()
        if _RESIDENCE_LABEL.search(label):
            label = ""  # (the parser knows no such label: dropped)
        parts.append((role, label, s[m.end() : end]))
    for want in (1, 0):
        # (a part counts when there is an address after its label: 收件地址后面 is none)
        take = [
            r == want and len(_CJK.findall(t)) >= 4 and _SPECIFIC.search(t) is not None
            for r, _, t in parts
        ]
        if any(take):
            labels = ["", *(m.group() for m in marks)]
            return (
                "\x1e".join(lab + t for k, (_, lab, t) in zip(take, parts, strict=True) if k),
                [
                    (w + t).strip()
                    for k, w, (_, _, t) in zip(take, labels, parts, strict=True)
                    if not k and (w + t).strip()
                ],
            )
    return "\x1e".join(lab + t for _, lab, t in parts), []


#: a county, township or higher level named in a part (小区, 园区, 景区, 校区, 厂区 and
#: 社区 are no such level)
_UPPER_NAMED = re.compile(r"省|市|县|(?<![小社园景校厂])区|镇|乡|街道")


def _glued(x: str) -> list[str]:
    """``x`` cut where a second address starts right after the first (see
    :data:`_SEGMENT_GLUED`), when the later part has more than a province and city and
    the first names a county, township or higher of its own: details written before
    the place names (金茂公馆1栋601室义乌市稠城街道江滨社区, 江滨社区5组12号义乌市稠城街道)
    are one address in another order, read whole (the parser takes place names after
    the numbers too)."""
    parts = _SEGMENT_GLUED.split(x)
    out = parts[:1]
    for y in parts[1:]:
        if _MORE_SPECIFIC.search(y, 3) and _UPPER_NAMED.search(out[-1]):
            out.append(y)
        else:
            out[-1] += y
    return out


def pick_segment(text: str) -> str:
    """The address in a field that holds more: people and phone numbers and labels
    dropped; of two addresses, the one the labels say (:func:`by_role`), else the later
    one with a place in it (also when run together: …3组浙江省杭州市…).

    >>> pick_segment("寄件人：张三 13812345678 浙江省杭州市 收件人：李四 浙江省宁波市北仑区小港街道")
    '浙江省宁波市北仑区小港街道'
    """
    return _pick_segment(text)[0]


def dropped_address(text: Any) -> str:
    """The other address that :func:`normalise` leaves out of ``text`` (the sender's,
    the old one, the earlier of two: see :func:`pick_segment`), half-width and
    simplified; '' when there is none. The parser puts it in ``leftover``: nothing
    written is dropped silently."""
    return dropped_by_place(text)[0]


def dropped_by_place(text: Any) -> tuple[str, bool]:
    """(:func:`dropped_address`, whether an address of its own was among it that no
    label left out: the earlier of two addresses, left out only for where it stands).
    The parser flags the latter ``two_addresses``: which of them is meant is a guess."""
    if not isinstance(text, str) or not text:
        return "", False
    if _CONTROL.search(text):
        text = _CONTROL.sub("", text)
    s = text.translate(_TABLE) if _WIDE.search(text) else text
    if _one_segment(s) and not (
        ("住" in s or "居" in s or "籍" in s or "人" in s or "老家" in s) and _ROLE.search(s)
    ):
        return "", False
    if not s.isascii():
        s = _T2S.convert(s)
    _, dropped, by_place = _pick_segment(s)
    return " ".join(dropped), by_place


def _one_segment(s: str) -> bool:
    """No second address in ``s`` by its separators (see :func:`pick_segment`)."""
    return (
        "\x1e" not in s
        and ";" not in s
        and "；" not in s
        and "|" not in s
        and "\n" not in s
        and " " not in s.strip()
        and "省" not in s[3:]
        and "中国" not in s[1:]
        and "自治区" not in s[3:]
        and not _RUN_ON.search(s)
    )


def _pick_segment(text: str) -> tuple[str, list[str], bool]:
    """:func:`pick_segment`, the other addresses it leaves out and whether one of them
    is an address of its own left out for where it stands (no label said so)."""
    dropped: list[str] = []
    if not text:
        return text, dropped, False
    # each substitution only where its words can be (a search for a character class
    # costs a tenth of a substitution that fails at every position)
    s = text
    if ("人" in s or "住" in s or "居" in s or "籍" in s or "址" in s or "老家" in s) and (
        _ROLE.search(s)
    ):
        s, dropped = _by_role(s)
    if "人" in s or "姓名" in s or "户主" in s:
        s = _PERSON.sub("\x1e", s)
    if _PHONE_HINT.search(s):
        s = _PHONE.sub("\x1e", s)
    if "址" in s or "地" in s:
        s = _ADDR_LABEL.sub("\x1e", s)
    if _one_segment(s):
        return s, dropped, False
    parts = _run_on_less_specific(_parts(s))
    good = [k for k, x in enumerate(parts) if _is_address(x)]
    if good:
        # the parts that are no address of their own (a name after a separator) are
        # kept with the other addresses left out: never dropped silently
        return (
            parts[good[-1]],
            dropped + [x for k, x in enumerate(parts) if k != good[-1] and _WORD.search(x)],
            len(good) > 1,
        )
    return "".join(parts), dropped, False


_WORD = re.compile(r"[\u4e00-\u9fff0-9A-Za-z]")
_PROVINCE_FIRST = re.compile(_PROVINCES)


def _is_address(x: str) -> bool:
    """Is a part of a field an address of its own (4 Chinese characters, a place word
    or a number in it)?"""
    return len(_CJK.findall(x)) >= 4 and _SPECIFIC.search(x) is not None


def _parts(s: str) -> list[tuple[str, str]]:
    """The parts of ``s`` cut at its separators (:data:`_SEGMENT_SEP`) and where a
    second address runs on (:func:`_glued`), each with the separator before it as
    written ('' for the first part and one run on)."""
    out: list[tuple[str, str]] = []
    at, sep = 0, ""
    for m in _SEGMENT_SEP.finditer(s):
        out += _glued_parts(sep, s[at : m.start()])
        at, sep = m.end(), m.group()
    return out + _glued_parts(sep, s[at:])


def _glued_parts(sep: str, x: str) -> list[tuple[str, str]]:
    return [(sep if k == 0 else "", y.strip(" \t,，:：")) for k, y in enumerate(_glued(x))]


def _run_on_less_specific(parts: list[tuple[str, str]]) -> list[str]:
    """The parts' texts, a part that starts with a province and names nothing more
    specific than a county (no township, village, road or number: ``浙江省``,
    ``浙江省金华市``, ``中国浙江省``) after an address that does joined back to it as if
    run on (``…好运街88号 浙江省``: the separator dropped, but the word 中国). The parser
    then reads it as it reads it run on: a second address, less specific than the
    first, which stays the address; the later is ``leftover``, flagged
    ``two_addresses`` (it was taken for the address, or dropped when too short)."""
    out: list[str] = []
    for sep, x in parts:
        if (
            out
            and _PROVINCE_FIRST.match(x)
            and _MORE_SPECIFIC.search(x) is None
            and _is_address(out[-1])
            and _MORE_SPECIFIC.search(out[-1]) is not None
        ):
            out[-1] += ("中国" if "中国" in sep else "") + x
        else:
            out.append(x)
    return out


_CN_DIGIT = {
    "〇": 0,
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_UNIT = {"十": 10, "百": 100, "千": 1000}
_CN_RUN = re.compile(
    r"(第)?([〇零一二三四五六七八九十百千两]+)"
    r"(?(1)|(?=村民小组|村民组|小组|组|队|号|栋|幢|座|楼|单元|室|层|期|排|-|\d|$))"
)

# 5. unit words, applied after numerals are digits: one regex, the canonical word from a
# table. ``楼`` right after a building or unit number is the floor (5栋3楼 = floor 3).
_UNIT_WORDS = {
    "号宿舍楼": "栋",
    "号厂房": "栋",
    "号楼": "栋",
    "栋楼": "栋",
    "幢楼": "栋",
    "栋": "栋",
    "幢": "栋",
    "座": "栋",
    "楼": "栋",
    "村民小组": "组",
    "村民组": "组",
    "小组": "组",
    "生产队": "组",
    "组": "组",
    "队": "组",
    "F": "层",
}
_UNIT = re.compile(
    r"(?<=[栋元])(\d+)楼|(\d+|[A-Z])(" + "|".join(sorted(_UNIT_WORDS, key=len, reverse=True)) + ")"
)
_ORDINAL = re.compile(r"第(?=\d)")
# 6. house-number forms (only tried when their marker character is present).
_DASH_RULES = [
    (re.compile(r"(\d+)栋(\d+)-(\d+)室?"), r"\1栋\2单元\3室"),
    (re.compile(r"(?<![\d栋组号-])(\d+)-(\d+)-(\d+)室?(?![\d-])"), r"\1栋\2单元\3室"),
    (re.compile(r"(?<![\d栋组号-])(\d+)-(\d+)(?![\d号-])"), r"\1栋\2室"),
]
_BARE_ROOM_B = re.compile(r"(\d+)栋(\d+)(?![\d单层室组号栋-])")
_BARE_ROOM_U = re.compile(r"(\d+)单元(\d+)(?![\d单层室组号栋-])")
_CN_CHARS = frozenset("〇零一二三四五六七八九十百千两")
_PLAIN = re.compile(r"[\u4e00-\u9fff]+")
_TRAILING_LAST = frozenset("近边壁面过口带侧旁")


def _unit(m: re.Match) -> str:
    if m.group(1) is not None:
        return m.group(1) + "层"
    word = _UNIT_WORDS[m.group(3)]
    if word != "栋" and not m.group(2).isdigit():
        return m.group(0)  # a letter names a building (A座), never a group or floor
    return m.group(2) + word


@functools.lru_cache(maxsize=4096)
def cn_to_digits(run: str) -> str:
    """Chinese numeral → decimal digits: ``十二`` → ``12``, ``二〇一`` → ``201``, ``两`` → ``2``.

    Runs with 十/百/千 are read positionally (``一百零一`` → ``101``); runs without are
    read digit by digit, as room numbers are written (``三〇二`` → ``302``).
    """
    if not any(c in _CN_UNIT for c in run):
        return "".join(str(_CN_DIGIT[c]) for c in run)
    total, cur = 0, 0
    for c in run:
        if c in _CN_UNIT:
            total += (cur or 1) * _CN_UNIT[c]
            cur = 0
        else:
            cur = _CN_DIGIT[c]
    return str(total + cur)


def _numeral(m: re.Match) -> str:
    return cn_to_digits(m.group(2))


def _characters_only(text: str) -> bool:
    """Is ``text`` (not empty) Chinese characters only, with nothing that the steps after
    traditional → simplified would change? (:func:`normalise` converts it and is done.)"""
    return bool(
        _PLAIN.fullmatch(text)
        and _CN_CHARS.isdisjoint(text)
        and text[-1] not in _TRAILING_LAST
        and text[0] != "中"
        and "辖" not in text
        and "址" not in text
        and "人" not in text
        and "直" not in text
        and "住" not in text  # 现住, 原住 (a label: pick_segment)
        and "籍" not in text
        and "老家" not in text
        and "省" not in text[3:]
        and "中国" not in text[1:]
        and "自治区" not in text[3:]
    )


#: control characters (a NUL, a stray \x1f: bytes of a broken file), dropped first; not
#: tab, line feed and carriage return, whitespace that the separators of two addresses
#: read (\x1e and \x1f are this module's own separators: never left in a text); and
#: the invisible characters (zero-width space and joiners, word joiner, a byte-order
#: mark: a line of them only is blank, as one of control characters only)
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200d\u2060\ufeff]")


def without_control(text: str) -> str:
    """``text`` without its control characters (see :data:`_CONTROL`), as
    :func:`normalise` drops them: the parser's ``leftover`` of a line it read nothing in
    is the line as written but for them (a line of control characters only is blank)."""
    return _CONTROL.sub("", text) if _CONTROL.search(text) else text


#: …the same but \x1f, in a batch joined by it
_CONTROL_IN_BATCH = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1e\x7f\u200b-\u200d\u2060\ufeff]")


@functools.lru_cache(maxsize=1 << 16)
def normalise(text) -> str:
    """The canonical spelling of an address or place name ('' for empty or non-text).

    >>> normalise("義烏市稠城街道江濱社區錦繡花園５棟２單元３０１室")
    '义乌市稠城街道江滨社区锦绣花园5栋2单元301室'
    >>> normalise("新光村三组十二号")
    '新光村3组12号'
    >>> normalise("幸福花园5号楼2-301")
    '幸福花园5栋2单元301室'
    """
    if not isinstance(text, str) or not text:
        return ""
    if _CONTROL.search(text):
        text = _CONTROL.sub("", text)
    if _characters_only(text):
        # Only Chinese characters, no numerals: only the character set can change. Most
        # gazetteer names take this path (620 k village names are read at first use).
        return _T2S.convert(text)
    s = text.translate(_TABLE) if _WIDE.search(text) else text
    if not s.isascii():
        s = _T2S.convert(s)
    return _after_t2s(s)


def _after_t2s(s: str) -> str:
    """Steps 0 and 3–6 of :func:`normalise`, on a string already half-width and
    simplified."""
    return _steps_4_to_6(_steps_0_and_3(s))


def _steps_0_and_3(s: str) -> str:
    """Step 0 (people, phones, a second address) and step 3 (labels, brackets,
    punctuation, upper case, dashes between names, 中国, trailing words)."""
    s = pick_segment(s)
    if "辖" in s or "直" in s or "l" in s or "L" in s or "n" in s or "N" in s:
        s = _PLACEHOLDER.sub("", s)
    if ":" in s:
        s = _LABEL.sub("", s)
    if "(" in s or "[" in s or "【" in s or "〔" in s or "{" in s or "<" in s or "《" in s:
        s = _BRACKETS.sub("", s)
    if _PUNCT_RX.search(s):
        if " " in s or "\t" in s:
            s = _NUMBER_SPACE.sub(_KEPT_SPACE, s)
        s = s.translate(_PUNCT)
        if _KEPT_SPACE in s:
            s = s.replace(_KEPT_SPACE, " ")
    s = s.upper()
    if "-" in s:
        s = _NAME_DASH.sub("", s)
    if s.startswith("中"):
        s = _COUNTRY.sub("", s)
    if s and s[-1] in _TRAILING_LAST:
        s = _TRAILING.sub("", s)
    return s


def _steps_4_to_6(s: str) -> str:
    """Steps 4–6: numerals, unit words, house-number forms."""
    if not _CN_CHARS.isdisjoint(s):
        s = _CN_RUN.sub(_numeral, s)
    if "第" in s:
        s = _ORDINAL.sub("", s)
    s = _UNIT.sub(_unit, s)
    if "-" in s:
        for rx, rep in _DASH_RULES:
            s = rx.sub(rep, s)
    if "栋" in s:
        s = _BARE_ROOM_B.sub(r"\1栋\2室", s)
    if "单元" in s:
        s = _BARE_ROOM_U.sub(r"\1单元\2室", s)
    return s


# ---------------------------------------------------------------- a whole batch at once
_SEP = "\x1f"
#: What makes an address need the per-address steps 0 and 3 (people, phones, labels,
#: brackets, punctuation, placeholders, a second address, 中国, trailing words); an
#: address without any of it is changed only by the steps that :func:`normalise_many`
#: runs once over the whole batch.
_COMPLEX = re.compile(
    r"[\x1e\x1f\s人址辖直lLnN:(\[【〔{<《]|姓名|户主|\d{7}|电话|手机|[Tt]el|TEL|"
    + _PUNCT_RX.pattern
    + r"|(?:收货|收件|寄件|发货|详细|通讯|送货|配送|邮寄)地址|所在地区"
)
#: The same over the batch joined with ``_SEP``, as searches that each begin with a
#: character class or literals (the regex engine skips ahead to where they can match),
#: with the tests made on each string: empty, a trailing position word, 中 first, 省 or
#: 自治区 from the fourth character on, 中国 after the first.
_COMPLEX_BATCH = tuple(
    re.compile(x)
    for x in (
        r"[^\S\x1f]|[\x1e人址辖直lLnN:(\[【〔{<《" + _PUNCT_RX.pattern[1:],
        r"[\d]\d{6}",
        "|".join(
            ["姓名", "户主", "电话", "手机", "Tel", "tel", "TEL", "所在地区"]
            + [w + "地址" for w in ("收货", "收件", "寄件", "发货", "详细", "通讯")]
            + [w + "地址" for w in ("送货", "配送", "邮寄")]
        ),
        r"[近边壁面过口带侧旁](?=\x1f|\Z)",
        r"\x1f(?=中|\x1f|\Z)",
        r"省(?<=[^\x1f]{4})|自治区(?<=[^\x1f]{6})|中国(?<=[^\x1f]中国)",
        # residence labels (现住, 原住: pick_segment reads them also without a colon) and
        # a second address run on after a room or number (…301室义乌市北苑街道…)
        r"现住|原住|户籍|老家|籍贯|原籍",
        _RUN_ON.pattern,
    )
)
# The batch passes below are the per-address regexes of steps 3–6 written to begin
# with one character class (or a literal), so that the regex engine skips ahead to a
# place where they can match instead of trying them at every character; the matches
# (and so the results) are the same.
#: step 4, _CN_RUN: the end of an address is its separator
_CN_RUN_BATCH = re.compile(
    r"([第〇零一二三四五六七八九十百千两])(?:(?<=第)([〇零一二三四五六七八九十百千两]+)"
    r"|(?<=[〇零一二三四五六七八九十百千两])([〇零一二三四五六七八九十百千两]*)"
    r"(?=村民小组|村民组|小组|组|队|号|栋|幢|座|楼|单元|室|层|期|排|-|\d|$|\x1f))"
)
_UNIT_WORDS_RX = "|".join(sorted(_UNIT_WORDS, key=len, reverse=True))
#: step 5, _UNIT (runs of digits possessive: no unit word starts with a digit, so giving
#: digits back never finds another match)
_UNIT_BATCH = re.compile(
    r"([\dA-Z])(?:(?<=[栋元]\d)(\d*+)楼|(?<=\d)(\d*+)("
    + _UNIT_WORDS_RX
    + r")|(?<=[A-Z])("
    + _UNIT_WORDS_RX
    + "))"
)
#: step 3's dashes between names, _NAME_DASH
_NAME_DASH_BATCH = re.compile(r"-(?:(?<![\dA-Za-z]-)-*|-*(?![\dA-Za-z]))")
#: step 6, _BARE_ROOM_B and _BARE_ROOM_U (possessive runs, as above)
_BARE_ROOM_B_BATCH = re.compile(r"(\d)(\d*+)栋(\d++)(?![\d单层室组号栋-])")
_BARE_ROOM_U_BATCH = re.compile(r"(\d)(\d*+)单元(\d++)(?![\d单层室组号栋-])")


def _numeral_batch(m: re.Match) -> str:
    run = m.group(2)
    return cn_to_digits(run if run is not None else m.group(1) + m.group(3))


def _unit_batch(m: re.Match) -> str:
    first = m.group(1)
    rest = m.group(2)
    if rest is not None:
        return first + rest + "层"
    rest = m.group(3)
    if rest is not None:
        return first + rest + _UNIT_WORDS[m.group(4)]
    word = _UNIT_WORDS[m.group(5)]
    if word != "栋":
        return m.group(0)  # a letter names a building (A座), never a group or floor
    return first + word


def _complex_lines(big: str, n: int, starts: list[int]) -> set[int]:
    """Indexes of the addresses of ``big`` (joined with ``_SEP``; ``starts``: where each
    begins) that one of :data:`_COMPLEX_BATCH` finds something in."""
    out = set()
    if big.startswith("中") or not big or big[0] == _SEP:
        out.add(0)
    for rx in _COMPLEX_BATCH:
        search = rx.search
        pos = 0
        while True:
            m = search(big, pos)
            if m is None:
                break
            at = m.start()
            if big[at] == _SEP:  # (the separator before an address that starts with 中)
                at += 1
            i = bisect.bisect_right(starts, at) - 1
            out.add(i)
            if i + 1 >= n:
                break
            pos = starts[i + 1] - (rx is _COMPLEX_BATCH[4])
    return out


def _on_some(lines: list[str], which: list[int], passes) -> None:
    """Apply the (regex, replacement) ``passes`` to the ``lines`` at indexes ``which``
    (joined: one pass each), in place."""
    d = _SEP.join([lines[k] for k in which])
    for rx, rep in passes:
        d = rx.sub(rep, d)
    for k, x in zip(which, d.split(_SEP), strict=True):
        lines[k] = x


def normalise_many(texts) -> list[str]:
    """:func:`normalise` of every address of a batch, the same strings, sooner.

    The steps every address needs (traditional → simplified, upper case, numerals,
    unit words, house-number forms) run once over the batch joined into one string
    (an OpenCC call or a regex pass costs several microseconds however short the
    string), the rarer ones (dashes, Chinese numerals) over the addresses that have
    them; the addresses with labels, people, phone numbers, brackets, punctuation
    or placeholders in them take :func:`normalise` one by one. A test checks that
    both give the same strings."""
    texts = [t if isinstance(t, str) else "" for t in texts]
    if not texts:
        return []
    big = _SEP.join(texts)
    n = len(texts)
    if big.count(_SEP) != n - 1 or _CONTROL_IN_BATCH.search(big):
        # control characters dropped first, as normalise does
        texts = [_CONTROL.sub("", t) if _CONTROL.search(t) else t for t in texts]
        big = _SEP.join(texts)
    if big.count(_SEP) != n - 1:  # a separator inside an address: one by one
        return [normalise(t) for t in texts]
    if _WIDE.search(big):
        big = big.translate(_TABLE)
    big = _T2S.convert(big)
    conv = big.split(_SEP)
    if len(conv) != n:  # (OpenCC never maps to or from the separator)
        return [normalise(t) for t in texts]
    starts = list(itertools.accumulate([len(x) + 1 for x in conv], initial=0))
    hard = _complex_lines(big, n, starts)
    # the simple addresses need only upper case and the dashes between names of steps
    # 0 and 3 (all at once); the others take those steps one by one (the few that are
    # Chinese characters only take normalise itself: it stops after the character set)
    pending: list[int] = []  # the addresses that go on to steps 4–6 below, in order
    if hard:
        simple = [i for i in range(n) if i not in hard]
        b = _SEP.join([conv[i] for i in simple])
    else:
        simple = list(range(n))
        b = big
    out: list[str] = conv
    if b or not hard:
        b = b.upper()
        lines = b.split(_SEP)
        if "-" in b:
            dashed = [k for k, x in enumerate(lines) if "-" in x]
            _on_some(lines, dashed, [(_NAME_DASH_BATCH, "")])
        for i, x in zip(simple, lines, strict=True):
            out[i] = x
        pending = simple
    if hard:
        for i in sorted(hard):
            t = texts[i]
            if t and _characters_only(t):
                out[i] = normalise(t)
            else:
                out[i] = _steps_0_and_3(conv[i])
                pending.append(i)
    if not pending:
        return out
    # steps 4–6 over all of them at once (the batch regexes, see above)
    b = _SEP.join([out[i] for i in pending])
    if not _CN_CHARS.isdisjoint(b):
        b = _CN_RUN_BATCH.sub(_numeral_batch, b)
    if "第" in b:
        b = _ORDINAL.sub("", b)
    b = _UNIT_BATCH.sub(_unit_batch, b)
    if "-" in b:  # (only the addresses with a dash: three passes)
        lines = b.split(_SEP)
        _on_some(lines, [k for k, x in enumerate(lines) if "-" in x], _DASH_RULES)
        b = _SEP.join(lines)
    if "栋" in b:
        b = _BARE_ROOM_B_BATCH.sub(r"\1\2栋\3室", b)
    if "单元" in b:
        b = _BARE_ROOM_U_BATCH.sub(r"\1\2单元\3室", b)
    for i, x in zip(pending, b.split(_SEP), strict=True):
        out[i] = x
    return out
