"""The local Dask cluster of the batch jobs: its workers start from the fork server,
never forked from the client (which runs Dask's event loop in a thread by then), they
ignore Ctrl-C, and they have the client's settings as they are when the cluster starts
(the fork server keeps the environment of its own start)."""

from __future__ import annotations

import os
import signal


def _run(client, fn) -> set:
    return set(client.run(fn).values())


def test_local_workers_start_from_the_fork_server_not_from_the_client(monkeypatch):
    from multiprocessing import forkserver

    from gis.dask_cluster import start_client

    client, cluster = start_client(None, 2, preload=("gis.analysis.coverage_batch",))
    try:
        server = forkserver._forkserver._forkserver_pid
        assert server is not None and server != os.getpid()
        assert _run(client, os.getppid) == {server}
        assert len(client.run(os.getpid)) == 2
        assert _run(client, lambda: signal.getsignal(signal.SIGINT)) == {signal.SIG_IGN}
    finally:
        client.close()
        cluster.close()

    # a setting changed after the fork server started reaches the next cluster's workers
    monkeypatch.setenv("POPGIS_EXPORT_MIN_COUNT", "7")
    client, cluster = start_client(None, 1)
    try:
        assert forkserver._forkserver._forkserver_pid == server  # the same server
        assert _run(client, lambda: os.environ.get("POPGIS_EXPORT_MIN_COUNT")) == {"7"}
        assert _run(client, os.getppid) == {server}
    finally:
        client.close()
        cluster.close()
