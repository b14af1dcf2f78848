"""The message catalogue: every literal message has its Chinese text, placeholders agree."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from gis import catalogue
from gis.messages import _, placeholders, speaking

ROOT = Path(__file__).resolve().parents[2]
SOURCE_DIRS = ("gis", "loaders", "webmap", "cli")


def _literal_messages():
    """(file, line, message) of every ``_("literal", ...)`` call in the source tree."""
    for top in SOURCE_DIRS:
        for path in sorted((ROOT / top).glob("**/*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name)
                    and node.func.id == "_"
                    and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)
                ):
                    yield path.relative_to(ROOT), node.lineno, node.args[0].value


def test_every_message_has_its_chinese_text_with_the_same_placeholders():
    problems = []
    for path, line, message in _literal_messages():
        zh = catalogue.ZH.get(message)
        if zh is None:
            problems.append(f"{path}:{line}: no Chinese text for {message!r}")
        elif placeholders(zh) != placeholders(message):
            problems.append(f"{path}:{line}: placeholders differ: {message!r} / {zh!r}")
    assert not problems, "\n".join(problems)


def test_a_message_is_in_one_module_only():
    seen: dict[str, str] = {}
    for module in catalogue.MODULES:
        for key in module.ZH:
            assert key not in seen, f"{key!r} in {seen.get(key)} and {module.__name__}"
            seen[key] = module.__name__


def test_chinese_by_default_english_on_request(monkeypatch):
    monkeypatch.delenv("POPGIS_LANG", raising=False)
    assert _("{what} not found", what="户") == "未找到户"
    with speaking("en"):
        assert _("{what} not found", what="household") == "household not found"
    monkeypatch.setenv("POPGIS_LANG", "en")
    assert _("{what} not found", what="household") == "household not found"
    with speaking("zh"):
        assert _("{what} not found", what="户") == "未找到户"


@pytest.mark.parametrize("lang", ["fr", "", None])
def test_an_unknown_language_means_the_default(monkeypatch, lang):
    monkeypatch.delenv("POPGIS_LANG", raising=False)
    with speaking(lang):
        assert _("{what} not found", what="户") == "未找到户"
