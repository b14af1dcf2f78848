"""Briefing exports that are safe to hand out: maps, atlases, tables and GIS layers.

Everything here works on aggregates: counts per admin area with small counts suppressed
(:mod:`gis.exports.aggregates`) and heat maps built from counts per metric cell with a
kernel bandwidth floor (:mod:`gis.exports.heat`). No individual point, name, ID or phone
number is ever read by this package; the counts come from :mod:`gis.gate.aggregates`.
Every export is written to ``access_log`` (action ``export``) by :func:`log_export`.
"""

from __future__ import annotations

import os

from gis import audit, settings
from gis.errors import NotFound
from gis.gate import Scope, scope_for_area

# The source line of every map and table ({k}: threshold, {bw}: bandwidth floor, metres).
SOURCE = (
    "数据来源：popgis 人口与计划生育服务信息系统（人口登记、服务点与服务记录）。"
    "仅含汇总数据：小于{k}的计数已抑制，热力图核带宽不小于{bw:g}米、少于{k}户处不着色。"
)


def setting(name: str, default: str) -> str:
    """A setting declared in :mod:`gis.settings`, or (until it is declared there) read
    from the environment with ``default``."""
    try:
        value = settings.get(name)
    except KeyError:
        value = os.environ.get(name)
    return default if value in (None, "") else value


def area_scope(conn, scope: Scope, area_code: str | None) -> Scope:
    """The scope of ``area_code`` for ``scope``'s user: the area must lie inside the
    user's jurisdiction; an area outside it is reported exactly like a missing one."""
    if not area_code or area_code == scope.area_code:
        return scope
    inner = scope_for_area(conn, area_code, user=scope.user, role=scope.role)
    if not inner.path.startswith(scope.path):
        raise NotFound("admin area")
    return inner


def log_export(conn, scope: Scope, what: str, area_code: str, detail: dict | None = None) -> None:
    """Record an export in ``access_log``: who (user, role, address), what, which area,
    when."""
    audit.record(
        conn,
        scope,
        "export",
        kind=what,
        target=area_code,
        detail={"role": scope.role, **(detail or {})},
    )
