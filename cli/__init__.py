"""The ``popgis`` command line (``cli.main:main``).

One module per command group; each defines its commands at module level and imports
only :mod:`cli.common` from this package. :mod:`cli.main` makes the top-level group and
adds them. Flask is imported only by ``popgis serve`` (and ``demo --serve``).
"""
