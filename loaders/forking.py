"""When a loader may fork worker processes."""

from __future__ import annotations

import threading

from tqdm import tqdm

__all__ = ["can_fork"]

# tqdm's monitor thread (it redraws bars that stall) lives on after the first bar and
# would keep every later load of the same command from forking; bars redraw on each
# update anyway.
tqdm.monitor_interval = 0


def can_fork() -> bool:
    """True when this process runs no other thread. Forking a process that runs other
    threads (a Dask client's event loop, a web server's) can copy a lock one of them
    holds at that moment, and the child then waits on it forever: such a process does
    the work itself instead."""
    return threading.active_count() == 1
