"""click's own text in the user's language (outside tester, issue 15 findings 12-13):
its parse errors, ``Usage:`` and ``[default: …]`` in Chinese by default and in English
with --lang en; and options that would be silently ignored are refused."""

from __future__ import annotations

import ast
import inspect

import pytest
from click.testing import CliRunner

from cli import clicktext
from cli.main import main
from gis.catalogue import ZH

# click's messages for programmers (a command declared wrongly), never shown to a user
DEVELOPER_ONLY = {
    "Could not determine name for option with declarations {decls!r}",
    "No options defined but a name was passed ({name}). Did you mean to declare an "
    "argument instead? Did you mean to pass '--{name}'?",
    "Arguments take exactly one parameter declaration, got {length}: {decls}.",
    "Name '{name}' defined twice",
    "Boolean option {decl!r} cannot use the same flag for true/false.",
    "Unknown color {colour!r}",
    "Unknown standard stream '{name}'",
}


def _click_msgids():
    for module in clicktext.MODULES:
        for node in ast.walk(ast.parse(inspect.getsource(module))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("_", "ngettext")
            ):
                for arg in node.args:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        yield module.__name__, arg.value


def test_every_msgid_of_the_installed_click_has_its_chinese():
    missing = {
        f"{where}: {msgid!r}"
        for where, msgid in _click_msgids()
        if msgid not in ZH and msgid not in DEVELOPER_ONLY
    }
    assert not missing, "\n".join(sorted(missing))


@pytest.fixture
def zh_default(monkeypatch):
    monkeypatch.delenv("POPGIS_LANG", raising=False)


def test_a_parse_error_is_chinese_by_default(zh_default):
    r = CliRunner().invoke(main, ["load", "admin"])
    assert r.exit_code == 2
    assert "错误：缺少参数 'FILE'" in r.output and "用法:" in r.output, r.output
    assert "查看帮助" in r.output
    assert "Error" not in r.output and "Usage" not in r.output and "Missing" not in r.output
    r = CliRunner().invoke(main, ["demo", "--bogus"])
    assert "错误：没有选项 '--bogus'" in r.output, r.output
    r = CliRunner().invoke(main, ["place", "--model", "kmeans", "--radius", "1", "--out", "x"])
    assert "'--model' 的值无效：'kmeans' 不是以下之一" in r.output, r.output
    r = CliRunner().invoke(main, ["place", "--model", "mclp", "--k", "far", "--out", "x"])
    assert "'--k' 的值无效" in r.output and "is not a valid" not in r.output, r.output


def test_a_parse_error_is_english_with_lang_en(zh_default):
    r = CliRunner().invoke(main, ["--lang", "en", "load", "admin"])
    assert r.exit_code == 2
    assert "Error: Missing argument 'FILE'" in r.output and "Usage:" in r.output, r.output
    assert "错误" not in r.output
    # and the next run, without --lang, is Chinese again
    assert "错误：缺少参数" in CliRunner().invoke(main, ["load", "admin"]).output


def test_defaults_and_required_in_help_speak_the_language(zh_default):
    out = CliRunner().invoke(main, ["place", "--help"]).output
    assert "[默认：residents]" in out and "[必填]" in out and "选项" in out, out
    assert "default:" not in out and "required" not in out and "Options" not in out
    out = CliRunner().invoke(main, ["--lang", "en", "place", "--help"]).output
    assert "[default: residents]" in out and "[required]" in out and "Options:" in out


@pytest.mark.parametrize("command", [["demo"], ["generate", "out-dir"]])
def test_counties_without_a_province_is_refused(zh_default, command, tmp_path):
    args = [*command[:1], *(str(tmp_path / a) for a in command[1:]), "--counties", "330782"]
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 2
    assert "--counties 用于选择某省的县：请同时给出 --province" in r.output, r.output
    assert not (tmp_path / "out-dir").exists()  # refused before anything is made
    r = CliRunner().invoke(main, ["--lang", "en", *args])
    assert "--counties picks counties of a province: give --province too" in r.output


@pytest.mark.parametrize("value", ["150", "0", "-5", "nan"])
def test_place_refuses_a_cover_outside_0_100_up_front(zh_default, value, tmp_path):
    # refused before any database or file is read (the files named do not exist)
    args = ["place", "--model", "setcover", "--radius", "800", "--cover", value]
    args += ["--demand-file", "none.csv", "--candidates", "none.csv", "--out", "x.geojson"]
    r = CliRunner().invoke(main, ["--lang", "en", *args])
    assert r.exit_code == 2
    assert f"--cover {float(value):g} is not allowed" in r.output and "(0, 100]" in r.output
    assert "--cover 95" in r.output, r.output
    assert "不允许" in CliRunner().invoke(main, args).output
