"""The Chinese text of every user-facing message, keyed by its English text.

One module per area (add entries to the one your message belongs to); they are merged
into one catalogue here. A key must appear in one module only (a test checks it).
"""

from __future__ import annotations

from gis.catalogue import api, cli, cli_help, click_text, common, exports, loads

MODULES = (common, api, cli, loads, cli_help, click_text, exports)

ZH: dict[str, str] = {}
for _module in MODULES:
    ZH.update(_module.ZH)
