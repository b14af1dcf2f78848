"""The ``popgis`` command line (``cli.main:main``).

One module per command group; each defines its commands at module level and imports
only :mod:`cli.common` from this package. :mod:`cli.main` makes the top-level group and
adds them. Flask is imported only by ``popgis serve`` (and ``demo --serve``).

Commands import the gis modules they use inside their function, on purpose: pandas,
GeoPandas, pyproj, matplotlib and the geocoder's tables are loaded only by the command
that needs them, so ``popgis --help`` and the small commands start at once. None of these
imports dodges a circle (tests/test_import_cycles.py reads them too).
"""


def run() -> None:
    """The ``popgis`` program (its console script, and ``python -m cli``): Ctrl-C made
    reliable first (:mod:`cli.interrupt`), then the command line imported and run; a
    Ctrl-C during those imports, or after the command's own handling, ends it with exit
    130 and one line instead of a traceback."""
    from cli import interrupt

    interrupt.install()
    try:
        from cli.main import main

        main()
    except KeyboardInterrupt:
        interrupt.end()
    except Exception:
        if interrupt.came():  # a Ctrl-C a library turned into its own error (cli.main)
            interrupt.end()
        raise
    finally:
        interrupt.calm()
