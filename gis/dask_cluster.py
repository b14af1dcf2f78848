"""A Dask client for a batch job (geocoding a file, coverage of every county): a local
cluster of worker processes by default, or any Dask scheduler by address.

What every batch on Dask shares, written once: the scheduler address check (a one-line
message instead of Dask's traceback), the bounded wait for a scheduler given by address,
the local cluster's housekeeping made rarer, its workers ignoring Ctrl-C (the client
alone handles it and closes the cluster), and how they are started: from a fork server,
never by forking this process (:data:`START_METHOD`).
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import threading

__all__ = [
    "CONNECT_SECONDS",
    "QUIET",
    "START_METHOD",
    "TICK",
    "scheduler_address",
    "start_client",
]

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


#: How the local cluster's worker processes start: forked by multiprocessing's fork
#: server, a fresh interpreter that imports what the tasks need once (``preload`` of
#: :func:`start_client`) and runs no other thread when it forks. Never by forking this
#: process: by then it runs the Dask client's event loop and the nannies' threads (a
#: fork copies a lock another thread may hold at that moment, and the worker then waits
#: on it forever; Python 3.12 warns of it, 3.14 no longer forks by default). ``spawn``
#: would be as safe, each worker importing everything itself.
START_METHOD = "forkserver"


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


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def workers_ignore_ctrl_c():
    """Processes started inside the block ignore SIGINT: Ctrl-C in a terminal reaches
    the whole process group, and the local cluster's workers would each print a
    KeyboardInterrupt traceback; the client alone handles it and closes the cluster.
    (An ignored signal stays ignored across fork and exec, and the fork server started
    in the block gives it to every worker it forks, one the nanny restarts later too.)
    Kept to the fork server's start (milliseconds): a Ctrl-C inside it is lost."""
    if not _in_main_thread():
        yield  # signal handlers can only be set in the main thread
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextlib.contextmanager
def ctrl_c_after_block():
    """A Ctrl-C inside the block is remembered and raised as :class:`KeyboardInterrupt`
    once the block has ended: raised in the middle of a local cluster's start, it could
    leave the cluster half started (and the command waiting on it); after the block the
    caller closes a whole cluster. Ignoring it instead lost the user's Ctrl-C: the
    command ran on to the end."""
    if not _in_main_thread():
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, _frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt


def _fork_server(preload: tuple[str, ...]) -> None:
    """Start this process's fork server (once: it serves every later local cluster)
    with ``preload`` imported beside distributed, numpy and pandas, so that a worker
    starts with them. Started inside :func:`workers_ignore_ctrl_c`, it and the workers
    it forks ignore Ctrl-C (a fork server restores its own start's handlers in them)."""
    import multiprocessing
    from multiprocessing import forkserver

    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["distributed", "numpy", "pandas", *preload])
    forkserver.ensure_running()


def _settings_env() -> dict[str, str]:
    """The ``POPGIS_*`` settings of this process, for its local workers: a worker of the
    fork server has the environment of the server's start, so the nanny sets them."""
    return {k: v for k, v in os.environ.items() if k.startswith("POPGIS_")}


def start_client(
    scheduler: str | None,
    workers: int = 2,
    *,
    preload: tuple[str, ...] = (),
):
    """``(client, cluster)``: a :class:`distributed.Client` of the scheduler at
    ``scheduler`` (``cluster`` None; an unreachable address raises ``OSError`` after
    :data:`CONNECT_SECONDS`), or of a new :class:`distributed.LocalCluster` of
    ``workers`` single-threaded processes, quiet (:data:`QUIET`), its workers ignoring
    Ctrl-C and started by the fork server (:data:`START_METHOD`) with the modules
    ``preload`` imported (those of the tasks: a worker then starts without importing
    them). The caller closes both.
    """
    import dask
    from distributed import Client, LocalCluster

    cluster = client = None
    # a local cluster: a Ctrl-C during its start (and its client's) ends the command
    # once it has started, closed below; a scheduler by address is left at once
    deferred = ctrl_c_after_block() if scheduler is None else contextlib.nullcontext()
    try:
        with deferred:
            if scheduler is None:
                with dask.config.set(
                    {**QUIET, "distributed.worker.multiprocessing-method": START_METHOD}
                ):
                    with workers_ignore_ctrl_c():
                        _fork_server(preload)
                    cluster = LocalCluster(
                        n_workers=workers,
                        threads_per_worker=1,
                        processes=True,
                        dashboard_address=":0",
                        # quiet: a task that fails raises in the client; the workers'
                        # shutdown chatter (heartbeats to a closed scheduler) is no news
                        silence_logs=50,
                        env=_settings_env(),
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
