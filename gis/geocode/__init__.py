"""Geocoding: Chinese addresses and mixed-datum coordinates onto buildings and villages.

Stages (each its own module, each usable alone):

* :mod:`gis.geocode.normalise` – one canonical spelling per address (simplified
  characters, half-width, Arabic numerals, one word per unit kind);
* :mod:`gis.geocode.division` – the national division list (province → village), cached;
* :mod:`gis.geocode.gazetteer` – the admin names (national list overlaid with the
  county's own ``admin_area`` rows, aliases and former names) and the building index;
* :mod:`gis.geocode.parse` – components (province … house number) and admin candidates;
* :mod:`gis.geocode.match` – top-down resolution and placement with level, score, method
  and the review decision;
* :mod:`gis.geocode.coords` – coordinate cleaning and one set-based point-in-polygon join;
* :mod:`gis.geocode.batch` – whole tables (CSV files, the households table via the gate).

Everything returned is in WGS-84 (EPSG:4326) longitude/latitude degrees; codes are the
12-digit statistical codes (统计用区划代码), county ``330782000000``.

``make install`` compiles the parser's hot modules with mypyc (:mod:`gis.geocode._native`);
their ``.py`` files are read instead whenever the build is absent or older than them.
"""

# before any module of the package: the compiled parser only when it matches its sources
from gis.geocode import _native

_native.choose()

from gis.geocode.normalise import normalise  # noqa: E402

__all__ = ["normalise", "LEVELS"]

#: Placement levels from most to least precise (the households.geocode_level values).
LEVELS = ("building", "compound", "group", "village", "township", "county", "unmatched")
