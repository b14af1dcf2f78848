"""Map furniture for printed maps: a CJK font, paper sizes, scale bar and north arrow.

Matplotlib only (no pyplot: figures are made with ``matplotlib.figure.Figure`` so that
rendering is safe in a threaded web server).
"""

from __future__ import annotations

import contextlib
import functools
from pathlib import Path

import matplotlib
from matplotlib import font_manager, patheffects
from matplotlib.patches import FancyArrow, Rectangle

from gis.errors import InvalidInput, PopgisError
from gis.messages import _

# Paper sizes in inches, portrait (width, height).
PAPER = {"A4": (210 / 25.4, 297 / 25.4), "A3": (297 / 25.4, 420 / 25.4)}
DPI = 300

CJK_FONT_FILES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
)
# Preferred faces of the Noto CJK collections: simplified Chinese glyph shapes first.
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Serif CJK SC", "Noto Sans CJK JP")


class FontMissing(PopgisError):
    status = 500
    code = "font_missing"


@functools.cache
def cjk_family() -> str:
    """The name of an installed CJK font family (Debian ``fonts-noto-cjk``).

    Raises :class:`FontMissing` with the fix when none is installed: without one every
    Chinese character would print as an empty box.
    """
    for path in CJK_FONT_FILES:
        if Path(path).exists():
            font_manager.fontManager.addfont(path)
    names = {f.name for f in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in names:
            return family
    for f in font_manager.fontManager.ttflist:  # any other Noto CJK face
        if "CJK" in f.name:
            return f.name
    raise FontMissing(
        _(
            "no CJK font found for Chinese map text; install Debian fonts-noto-cjk (`make install` does it)"
        )
    )


@contextlib.contextmanager
def style():
    """Matplotlib settings of every export (font, PDF text as Type 3 subsets)."""
    with matplotlib.rc_context(
        {
            "font.family": [cjk_family(), "DejaVu Sans"],
            "axes.unicode_minus": False,
            "pdf.compression": 6,
            "hatch.linewidth": 0.5,
            "hatch.color": "#9a9a9a",
        }
    ):
        yield


def paper_inches(size: str, landscape: bool) -> tuple[float, float]:
    """(width, height) in inches of ``size`` (A4 or A3), portrait unless ``landscape``."""
    try:
        w, h = PAPER[size.upper()]
    except KeyError:
        raise InvalidInput(_("unknown paper size {size!r}; expected A4 or A3", size=size)) from None
    return (h, w) if landscape else (w, h)


def nice_length(max_m: float) -> float:
    """The largest 1, 2 or 5 × 10ⁿ metres not above ``max_m``."""
    import math

    exp = 10 ** math.floor(math.log10(max_m))
    for m in (5, 2, 1):
        if m * exp <= max_m:
            return m * exp
    return exp


def scale_bar(ax, *, fontsize: float) -> list:
    """A two-segment scale bar at the lower left of a metric axes; returns its artists."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = nice_length((x1 - x0) / 5)
    h = (y1 - y0) * 0.008
    bx, by = x0 + (x1 - x0) * 0.03, y0 + (y1 - y0) * 0.035
    artists = []
    for i in range(2):
        artists.append(
            ax.add_patch(
                Rectangle(
                    (bx + i * length / 2, by),
                    length / 2,
                    h,
                    facecolor="black" if i == 0 else "white",
                    edgecolor="black",
                    linewidth=0.6,
                    zorder=20,
                )
            )
        )
    unit, div = (_("km"), 1000.0) if length >= 1000 else (_("m"), 1.0)
    halo = [patheffects.withStroke(linewidth=2.5, foreground="white")]
    for frac in (0, 0.5, 1):
        value = length * frac / div
        label = f"{value:g}" + (f" {unit}" if frac == 1 else "")
        artists.append(
            ax.text(
                bx + length * frac,
                by + h * 1.8,
                label,
                ha="center",
                va="bottom",
                fontsize=fontsize,
                zorder=20,
                path_effects=halo,
            )
        )
    return artists


def north_arrow(ax, *, fontsize: float) -> list:
    """A north arrow at the upper right (the UTM grid's north, within 1° of true north)."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    w, h = x1 - x0, y1 - y0
    cx, top = x1 - w * 0.045, y1 - h * 0.05
    length = h * 0.07
    arrow = FancyArrow(
        cx,
        top - length,
        0,
        length,
        width=w * 0.006,
        head_width=w * 0.02,
        head_length=length * 0.45,
        length_includes_head=True,
        facecolor="black",
        edgecolor="black",
        zorder=20,
    )
    ax.add_patch(arrow)
    halo = [patheffects.withStroke(linewidth=2.5, foreground="white")]
    label = ax.text(
        cx,
        top - length - h * 0.012,
        _("N"),
        ha="center",
        va="top",
        fontsize=fontsize,
        fontweight="bold",
        zorder=20,
        linespacing=1.0,
        path_effects=halo,
    )
    return [arrow, label]
