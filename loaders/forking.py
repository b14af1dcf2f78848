"""When a loader may fork worker processes."""

from __future__ import annotations

import os
import signal
import threading

from tqdm import tqdm

__all__ = ["can_fork", "quiet_on_ctrl_c"]

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


def _end_now(_signum, _frame) -> None:
    os._exit(130)  # 128 + SIGINT, as the shell reports it


def quiet_on_ctrl_c() -> None:
    """The first thing a forked pool worker does: Ctrl-C ends it at once and silently.
    A Ctrl-C at the terminal goes to the whole process group; the command's own process
    stops the work and says so in one line, while a worker that raised it would print
    multiprocessing's "Process ForkPoolWorker-N:" and a traceback. Ending (rather than
    ignoring it) keeps a ProcessPoolExecutor's shutdown from waiting for the tasks
    running (a county's generation: long)."""
    signal.signal(signal.SIGINT, _end_now)
