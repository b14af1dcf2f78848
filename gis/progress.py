"""Progress bars, in one style for every long job (tqdm on standard error).

Library code takes a ``progress(done, total)`` callback; the command line makes it with
:func:`bar` and the loaders draw with :func:`tqdm_bar`, so every bar looks the same.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from tqdm import tqdm

Progress = Callable[[int, int], None]


def tqdm_bar(
    label: str, total: int | None = None, *, enabled: bool | None = None, unit: str = ""
) -> tqdm:
    """The one bar style: ``label`` with a count (and a percentage once the total is
    known), on standard error, drawn only on a terminal unless ``enabled`` says."""
    if enabled is None:
        enabled = sys.stderr.isatty()
    return tqdm(
        total=total,
        desc=label,
        unit=unit,
        unit_scale=bool(unit),
        disable=not enabled,
        file=sys.stderr,
        leave=False,
        dynamic_ncols=True,
    )


@contextmanager
def bar(label: str, *, enabled: bool | None = None, unit: str = "") -> Iterator[Progress]:
    """A ``progress(done, total)`` callback drawing :func:`tqdm_bar` in the block."""
    with tqdm_bar(label, enabled=enabled, unit=unit) as t:

        def progress(done: int, total: int) -> None:
            if t.total != total:
                t.total = total
            t.update(done - t.n)

        yield progress
