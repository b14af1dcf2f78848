"""A Dask client for a batch job (geocoding a file, coverage of every county): a local
cluster of worker processes by default, or any Dask scheduler by address.

What every batch on Dask shares, written once: the scheduler address check (a one-line
message instead of Dask's traceback), the bounded wait for a scheduler given by address,
the local cluster's housekeeping made rarer, and its workers ignoring Ctrl-C (the client
alone handles it and closes the cluster).
"""

from __future__ import annotations

import contextlib
import re
import signal
import threading

__all__ = ["CONNECT_SECONDS", "QUIET", "TICK", "scheduler_address", "start_client"]

#: seconds to wait for a scheduler given by address before saying it cannot be reached
#: (Dask's own default is 30)
CONNECT_SECONDS = 5

# tcp://HOST:PORT or tls://HOST:PORT (a bare HOST:PORT is tcp); HOST a name, IPv4 or [IPv6]
_ADDRESS = re.compile(r"(?:(?:tcp|tls)://)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):([0-9]{1,5})")

TICK = "distributed.admin.tick.interval"

# The local cluster's housekeeping, made rarer: idle, a client with its scheduler and
# nannies took 3 % of a core and each worker 2.3 % (measured over 20 s), 8 % of a core
# in all, which a batch pays for every second it runs (more seconds on a busy machine);
# with these 1.3 %. The event loops' blocked-loop tick (20 ms) and the workers'
# statistical profiler (a sample of the working thread's stack every 10 ms, for a
# dashboard nobody opens here) were most of it; the system monitor (0.5 s), the nannies'
# memory check (0.1 s: a worker over its limit is still restarted, within a second) and
# work stealing (the tasks wait on the scheduler until a worker is free anyway) the rest.
QUIET = {
    TICK: "1s",
    "distributed.worker.profile.enabled": False,
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.scheduler.work-stealing": False,
}


def scheduler_address(text: str) -> str:
    """``text`` if it is a Dask scheduler's address (``tcp://HOST:PORT``, ``tls://…`` or a
    bare ``HOST:PORT``); else :class:`~gis.errors.InvalidInput` saying the expected form
    (Dask itself would fail later with a traceback, or take ``http://`` for a protocol)."""
    from gis.errors import InvalidInput
    from gis.messages import _

    m = _ADDRESS.fullmatch(text.strip())
    if m is None or not 0 < int(m.group(2)) < 65536:
        raise InvalidInput(
            _(
                "--scheduler {address!r} is not a Dask scheduler's address; expected "
                "tcp://HOST:PORT (for example tcp://10.0.0.5:8786)",
                address=text,
            )
        )
    return text.strip()


@contextlib.contextmanager
def workers_ignore_ctrl_c():
    """Processes started inside the block ignore SIGINT: Ctrl-C in a terminal reaches
    the whole process group, and the local cluster's workers would each print a
    KeyboardInterrupt traceback; the client alone handles it and closes the cluster.
    (An ignored signal stays ignored across fork and exec; a worker the nanny restarts
    later, outside the block, does not inherit it.)"""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set in the main thread
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def start_client(
    scheduler: str | None,
    workers: int = 2,
    *,
    fork: bool = False,
    around: contextlib.AbstractContextManager | None = None,
):
    """``(client, cluster)``: a :class:`distributed.Client` of the scheduler at
    ``scheduler`` (``cluster`` None; an unreachable address raises ``OSError`` after
    :data:`CONNECT_SECONDS`), or of a new :class:`distributed.LocalCluster` of
    ``workers`` single-threaded processes, quiet (:data:`QUIET`), its workers ignoring
    Ctrl-C. The caller closes both.

    ``fork``: the local workers are forked from this process (they start with what it
    has imported and loaded: no import, no load), its database pools closed first so
    that no worker shares their sockets; else spawned. ``around``: a context the local
    workers are started in (the geocoder's heap frozen, …).
    """
    import dask
    from distributed import Client, LocalCluster

    from gis import db

    cluster = client = None
    try:
        if scheduler is None:
            if fork:
                db.dispose_engines()
            method = "fork" if fork else "spawn"
            with (
                dask.config.set({**QUIET, "distributed.worker.multiprocessing-method": method}),
                workers_ignore_ctrl_c(),
                around if around is not None else contextlib.nullcontext(),
            ):
                cluster = LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=":0",
                    # quiet: a task that fails raises in the client; the workers'
                    # shutdown chatter (heartbeats to a closed scheduler) is no news
                    silence_logs=50,
                )
        with dask.config.set({TICK: QUIET[TICK]}):
            if cluster is not None:
                client = Client(cluster)
            else:
                assert scheduler is not None
                client = Client(scheduler_address(scheduler), timeout=CONNECT_SECONDS)
        client.wait_for_workers(1)
    except BaseException:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
        raise
    return client, cluster
