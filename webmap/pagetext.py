"""Labels of the server-rendered pages (review queue, access log) in the user's language:
access-log actions and targets, and the geocoder's review reasons (stored in English).

The map and planner scripts take theirs from static/i18n.js; these are the codes and
texts only the server renders. Unknown ones are shown as they are."""

from __future__ import annotations

import re

ACTIONS = {
    "view_household": ("查看住户", "viewed a household"),
    "view_building": ("查看楼栋", "viewed a building"),
    "view_placements": ("查看定位记录", "viewed placement history"),
    "household_tile": ("浏览住户地图", "viewed household map tiles"),
    "search": ("搜索", "searched"),
    "place_household": ("手动定位住户", "placed a household"),
    "restore_household_place": ("恢复地址定位", "restored a geocoded place"),
    "update_person": ("修改人员信息", "updated a person"),
    "record_event": ("记录服务", "recorded a service"),
    "review_items": ("查看待核实定位", "read the review queue"),
    "export": ("导出", "exported"),
    "login": ("登录", "logged in"),
    "login_failed": ("登录失败", "failed login"),
    "locked": ("账号锁定", "account locked"),
}
TARGETS = {
    "household": ("住户", "household"),
    "building": ("楼栋", "building"),
    "person": ("人员", "person"),
    "review": ("待核实", "review item"),
    "tile": ("地图瓦片", "map tile"),
    "search": ("搜索词", "search"),
    "map": ("地图", "map"),
    "migrants": ("流动人口热力图", "migrant heat map"),
    "density": ("人口密度图", "density map"),
    "service-points": ("服务点图", "service points map"),
    "service_points": ("服务点图", "service points map"),
    "table": ("统计表", "table"),
}

#: the geocoder's reasons (gis/geocode), English pattern → Chinese text
_REASONS = [
    (r"empty address", "地址为空"),
    (r"address is in another county: (.*)", "地址属于其他县：{0}"),
    (r"placed in another county: (.*)", "定位到其他县：{0}"),
    (r"building not found in the gazetteer", "地名库中找不到该楼栋"),
    (r"ambiguous: several places fit", "有多个地点相符"),
    (r"ambiguous", "无法确定"),
    (r"admin names disagree", "地址中的行政区名称互相矛盾"),
    (r"two addresses in one field", "同一栏中有两个地址"),
    (r"low score ([0-9.]+)", "匹配分数低（{0}）"),
    (r"no place name of the county recognised", "未识别出本县的地名"),
    (r"village or compound not found", "找不到村/社区或小区"),
    (r"coordinates and address point at different places", "坐标与地址指向不同地点"),
    (r"coordinates ignored: (.*)", "坐标未采用：{0}"),
    (r"lon/lat is not a number", "经纬度不是数字"),
    (r"only one of lon/lat given", "只给了经度或纬度"),
    (r"coordinates are 0,0 \(a missing value, not a place\)", "坐标为 0,0（缺失值）"),
    (r"lon/lat outside \[-180, 180\] × \[-90, 90\]", "经纬度超出范围"),
]


def _pick(table: dict, code, lang: str) -> str:
    hit = table.get(code)
    return hit[lang == "en"] if hit else (code or "")


def action_label(code, lang: str) -> str:
    return _pick(ACTIONS, code, lang)


def target_label(code, lang: str) -> str:
    return _pick(TARGETS, code, lang)


def reason_label(reason: str | None, lang: str) -> str:
    """A review reason in the page's language (parts joined by '; ' each translated)."""
    if not reason or lang == "en":
        return reason or ""
    return "；".join(_reason_part(part.strip()) for part in reason.split("; "))


def _reason_part(text: str) -> str:
    for pattern, zh in _REASONS:
        m = re.fullmatch(pattern, text)
        if m:
            return zh.format(
                *(
                    _reason_part(g) if i == 0 and pattern.startswith("coordinates ignored") else g
                    for i, g in enumerate(m.groups())
                )
            )
    return text
