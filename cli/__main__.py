"""``python -m cli`` runs the popgis command line."""

from cli import run

run()
