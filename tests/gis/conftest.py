"""Fixtures shared by the gis tests."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def scheduler():
    """A local Dask cluster (2 worker processes) for a module's runs by address."""
    from distributed import LocalCluster

    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    )
    yield cluster.scheduler_address
    cluster.close()
