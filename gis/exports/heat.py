"""Heat maps that cannot single out a household.

The counts arrive already binned into metric cells (:func:`gis.gate.aggregates.heat_cells`);
no individual point is ever plotted. Two safeguards make the picture safe to hand out:

* a **bandwidth floor**: the Gaussian kernel's standard deviation is never below
  ``POPGIS_EXPORT_MIN_BANDWIDTH_M`` (default 300 m), whatever the zoom;
* a **visibility mask**: a place is coloured only where at least k households *and* at
  least k persons of the layer (k = the suppression threshold) lie within twice the
  bandwidth. A lone household, however large, is never visible on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage, signal

from gis.exports import setting
from gis.gate.aggregates import Cells

DEFAULT_MIN_BANDWIDTH_M = 300.0
MASK_RADIUS_BANDWIDTHS = 2.0


def min_bandwidth_m() -> float:
    """The kernel bandwidth floor in metres (``POPGIS_EXPORT_MIN_BANDWIDTH_M``)."""
    return float(setting("POPGIS_EXPORT_MIN_BANDWIDTH_M", str(DEFAULT_MIN_BANDWIDTH_M)))


def cell_size_m(bandwidth_m: float) -> float:
    """Cell size for a bandwidth: a third of it (smooth enough), at most 100 m."""
    return float(min(100.0, bandwidth_m / 3.0))


@dataclass(frozen=True)
class HeatRaster:
    """A smoothed density on a metric grid.

    ``density`` is persons per km² (NaN where masked), rows from north to south,
    covering ``extent`` = (x0, x1, y0, y1) metres in EPSG ``epsg``.
    """

    density: np.ndarray
    extent: tuple[float, float, float, float]
    epsg: int
    bandwidth_m: float
    k: int

    def crop(self, x0: float, y0: float, x1: float, y1: float) -> HeatRaster:
        """The part of the raster inside a metric box (for atlas pages)."""
        ex0, ex1, ey0, ey1 = self.extent
        ny, nx = self.density.shape
        cx = (ex1 - ex0) / nx
        cy = (ey1 - ey0) / ny
        c0 = max(0, int(np.floor((x0 - ex0) / cx)))
        c1 = min(nx, int(np.ceil((x1 - ex0) / cx)))
        r0 = max(0, int(np.floor((ey1 - y1) / cy)))
        r1 = min(ny, int(np.ceil((ey1 - y0) / cy)))
        if c1 <= c0 or r1 <= r0:
            return HeatRaster(
                np.full((1, 1), np.nan), (x0, x1, y0, y1), self.epsg, self.bandwidth_m, self.k
            )
        return HeatRaster(
            self.density[r0:r1, c0:c1],
            (ex0 + c0 * cx, ex0 + c1 * cx, ey1 - r1 * cy, ey1 - r0 * cy),
            self.epsg,
            self.bandwidth_m,
            self.k,
        )


def _disc(radius_cells: float) -> np.ndarray:
    r = int(np.ceil(radius_cells))
    yy, xx = np.mgrid[-r : r + 1, -r : r + 1]
    return (xx * xx + yy * yy <= radius_cells * radius_cells).astype(np.float64)


def smooth(
    cells: Cells,
    extent: tuple[float, float, float, float],
    *,
    k: int,
    bandwidth_m: float | None = None,
) -> HeatRaster:
    """Kernel density of ``cells`` over ``extent`` (x0, y0, x1, y1 metres).

    ``bandwidth_m`` below the floor is raised to it. Cells outside the extent still
    contribute (they are within the margin the caller fetched) but are cut off at the
    end, so the picture near the edge is the same as in a larger map.
    """
    bw = max(float(bandwidth_m or 0.0), min_bandwidth_m())
    cell = cells.cell_m
    x0, y0, x1, y1 = extent
    margin = int(np.ceil(3 * bw / cell)) + 1
    ix0 = int(np.floor(x0 / cell)) - margin
    iy0 = int(np.floor(y0 / cell)) - margin
    nx = int(np.ceil(x1 / cell)) + margin - ix0
    ny = int(np.ceil(y1 / cell)) + margin - iy0
    persons = np.zeros((ny, nx))
    households = np.zeros((ny, nx))
    inside = (cells.ix >= ix0) & (cells.ix < ix0 + nx) & (cells.iy >= iy0) & (cells.iy < iy0 + ny)
    rows, cols = cells.iy[inside] - iy0, cells.ix[inside] - ix0
    np.add.at(persons, (rows, cols), cells.persons[inside])
    np.add.at(households, (rows, cols), cells.households[inside])
    density = ndimage.gaussian_filter(persons, sigma=bw / cell, mode="constant", truncate=3.0) / (
        cell * cell / 1e6
    )
    disc = _disc(MASK_RADIUS_BANDWIDTHS * bw / cell)
    near_households = np.rint(signal.fftconvolve(households, disc, mode="same"))
    near_persons = np.rint(signal.fftconvolve(persons, disc, mode="same"))
    visible = (near_households >= k) & (near_persons >= k)
    density = np.where(visible, density, np.nan)
    # cut the margin off; flip so that row 0 is the north edge (image order)
    density = density[margin : ny - margin, margin : nx - margin][::-1]
    ext = (
        (ix0 + margin) * cell,
        (ix0 + nx - margin) * cell,
        (iy0 + margin) * cell,
        (iy0 + ny - margin) * cell,
    )
    return HeatRaster(density=density, extent=ext, epsg=cells.epsg, bandwidth_m=bw, k=k)
