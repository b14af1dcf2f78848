"""Which loader reads which kind of file: kind → ``module:Class``.

The map is plain data (as pygeoapi's plugin map): ``popgis load <kind> FILE`` imports
only the loader it needs, and a loader module imports :mod:`loaders.base`, never this
one, so there is no import circle. To add a kind, write its loader class and add a line
here.
"""

from __future__ import annotations

import importlib

from gis.messages import _
from loaders.reports import LoadError

LOADERS: dict[str, str] = {
    "admin": "loaders.admin:AdminLoader",
    "buildings": "loaders.buildings:BuildingLoader",
    "roads": "loaders.roads:RoadLoader",
    "landcover": "loaders.landcover:LandcoverLoader",
    "osm": "loaders.osm:OsmLoader",
    "households": "loaders.households:HouseholdLoader",
    "service-points": "loaders.service_points:ServicePointLoader",
    "teams": "loaders.teams:TeamLoader",
    "events": "loaders.events:EventLoader",
}


def kinds() -> list[str]:
    """The kinds of file that can be loaded, sorted."""
    return sorted(LOADERS)


def loader_class(kind: str) -> type:
    """The loader class for ``kind``; LoadError listing the kinds otherwise."""
    if kind not in LOADERS:
        raise LoadError(
            _("unknown kind {kind!r}; expected one of {kinds}", kind=kind, kinds=", ".join(kinds()))
        )
    module, name = LOADERS[kind].split(":")
    return getattr(importlib.import_module(module), name)


def get_loader(kind: str):
    """A new loader for ``kind`` (see :data:`LOADERS`)."""
    return loader_class(kind)()
