"""Errors of the PopgisError family speak the caller's language, the `what` of NotFound
included."""

from __future__ import annotations

import ast
from pathlib import Path

from gis import catalogue
from gis.errors import NotFound
from gis.messages import speaking

ROOT = Path(__file__).resolve().parents[2]


def test_every_not_found_names_a_thing_with_its_chinese_name():
    missing = []
    for top in ("gis", "webmap", "cli", "loaders"):
        for path in sorted((ROOT / top).glob("**/*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name)
                    and node.func.id == "NotFound"
                    and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and node.args[0].value not in catalogue.ZH
                ):
                    missing.append(
                        f"{path.relative_to(ROOT)}:{node.lineno}: {node.args[0].value!r}"
                    )
    assert not missing, "\n".join(missing)


def test_not_found_in_both_languages():
    with speaking("zh"):
        assert NotFound("household").message == "未找到户"
        assert NotFound().message == "未找到记录"
    with speaking("en"):
        assert NotFound("household").message == "household not found"
