"""The loader tests compare English messages; the Chinese default has tests of its own
(test_messages_zh.py, which removes the setting again)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def english(monkeypatch):
    monkeypatch.setenv("POPGIS_LANG", "en")
