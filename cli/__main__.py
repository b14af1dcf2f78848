"""``python -m cli`` runs the popgis command line."""

from cli.main import main

main()
