"""The exports' tests read the Chinese default (exports follow the user's language; the
suite's default is English, see tests/conftest.py): English exports are tested with
``speaking("en")`` where they are checked."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def chinese_exports(monkeypatch):
    monkeypatch.setenv("POPGIS_LANG", "zh")
