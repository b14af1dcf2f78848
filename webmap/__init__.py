"""The web app: map page, JSON API, login. Thin: parse, call gis, render.

The app is built by :func:`webmap.app.create_app` (re-exported here).
"""

from __future__ import annotations

from webmap.app import create_app

__all__ = ["create_app"]
